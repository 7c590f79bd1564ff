//! The network around the tiered design, seeded after its groups and members (so that a seeded moto gives
//! the earlier resources the same IDs): the internet-facing ALB with its listeners and IP target groups, a
//! peered "shared services" VPC whose monitoring host scrapes the backend, and a network ACL on `private-b`
//! that drops that scrape.

use super::scenarios::{perm, Seeder, P};
use aws_sdk_ec2::types::RuleAction;
use aws_sdk_elasticloadbalancingv2::types as elb;

pub async fn tiered_network(s: &mut Seeder) {
    let prod = s.id("ielts-prod-vpc");

    // The ALB: HTTP 80 and HTTPS 443; 443 forwards to the frontend tasks, a path rule to the backend tasks.
    let elbc = s.elbv2.clone();
    let created = elbc
        .create_load_balancer()
        .name("ielts-prod-alb")
        .subnets(s.id("public-a"))
        .security_groups(s.id("ielts-prod-alb-sg"))
        .scheme(elb::LoadBalancerSchemeEnum::InternetFacing)
        .send()
        .await
        .unwrap();
    let lb = created.load_balancers()[0].load_balancer_arn().unwrap().to_string();
    s.ids.insert("ielts-prod-alb-key".into(), lb.split_once(":loadbalancer/").unwrap().1.to_string());
    let mut target_groups = Vec::new();
    for (name, port, tasks) in [
        ("ielts-prod-fe-tg", 3000, ["ecs-frontend-task-1", "ecs-frontend-task-2"]),
        ("ielts-prod-be-tg", 8080, ["ecs-backend-task-1", "ecs-backend-task-2"]),
    ] {
        let tg = elbc
            .create_target_group()
            .name(name)
            .protocol(elb::ProtocolEnum::Http)
            .port(port)
            .vpc_id(&prod)
            .target_type(elb::TargetTypeEnum::Ip)
            .send()
            .await
            .unwrap();
        let arn = tg.target_groups()[0].target_group_arn().unwrap().to_string();
        let ids: Vec<String> = tasks.iter().map(|t| s.id(t)).collect();
        let enis = s.ec2.describe_network_interfaces().set_network_interface_ids(Some(ids)).send().await.unwrap();
        let mut register = elbc.register_targets().target_group_arn(&arn);
        for eni in enis.network_interfaces() {
            let ip = eni.private_ip_address().unwrap();
            register = register.targets(elb::TargetDescription::builder().id(ip).port(port).build());
        }
        register.send().await.unwrap();
        target_groups.push(arn);
    }
    let forward = |tg: &str| elb::Action::builder().r#type(elb::ActionTypeEnum::Forward).target_group_arn(tg).build();
    let redirect = elb::Action::builder()
        .r#type(elb::ActionTypeEnum::Redirect)
        .redirect_config(
            elb::RedirectActionConfig::builder()
                .protocol("HTTPS")
                .port("443")
                .status_code(elb::RedirectActionStatusCodeEnum::Http301)
                .build(),
        )
        .build();
    elbc.create_listener()
        .load_balancer_arn(&lb)
        .protocol(elb::ProtocolEnum::Http)
        .port(80)
        .default_actions(redirect)
        .send()
        .await
        .unwrap();
    // An HTTPS listener needs a certificate: ACM's, through moto's JSON API (sgaudit has no ACM crate).
    let endpoint = s.endpoint.clone().expect("an endpoint");
    let requested = super::moto_json_as(
        &endpoint,
        &s.access_key,
        "acm",
        "CertificateManager.RequestCertificate",
        r#"{"DomainName":"ielts.example.com"}"#,
    );
    let requested: serde_json::Value = serde_json::from_str(&requested).expect("RequestCertificate");
    let certificate = requested["CertificateArn"].as_str().expect("a certificate ARN").to_string();
    let https = elbc
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(elb::ProtocolEnum::Https)
        .port(443)
        .certificates(elb::Certificate::builder().certificate_arn(certificate).build())
        .default_actions(forward(&target_groups[0]))
        .send()
        .await
        .unwrap();
    let https = https.listeners()[0].listener_arn().unwrap().to_string();
    s.ids.insert("ielts-prod-https-listener".into(), https.clone());
    elbc.create_rule()
        .listener_arn(&https)
        .priority(10)
        .conditions(
            elb::RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(elb::PathPatternConditionConfig::builder().values("/api/*").build())
                .build(),
        )
        .actions(forward(&target_groups[1]))
        .send()
        .await
        .unwrap();

    // The shared services VPC, peered with production and routed both ways through the main tables.
    let shared = s.vpc("ielts-shared-vpc", "10.50.0.0/16").await;
    let shared_a = s.subnet("shared-a", &shared, "10.50.1.0/24", "us-east-1a").await;
    let monitoring = s.group("ielts-monitoring-sg", &shared).await;
    s.instance("ielts-monitoring", &shared_a, &[&monitoring], false).await;
    // The backend's metrics port, open to the shared services VPC.
    s.ingress(&s.id("ielts-prod-ecs-be-sg"), perm("tcp", 9100, 9100, P::V4("10.50.0.0/16"))).await;
    let pcx = s.ec2.create_vpc_peering_connection().vpc_id(&prod).peer_vpc_id(&shared).send().await.unwrap();
    let pcx = pcx.vpc_peering_connection().unwrap().vpc_peering_connection_id().unwrap().to_string();
    s.ec2.accept_vpc_peering_connection().vpc_peering_connection_id(&pcx).send().await.unwrap();
    s.ids.insert("ielts-shared-pcx".into(), pcx.clone());
    for (vpc, cidr) in [(&prod, "10.50.0.0/16"), (&shared, "10.0.0.0/16")] {
        let main = s.main_route_table(vpc).await;
        s.ec2
            .create_route()
            .route_table_id(main)
            .destination_cidr_block(cidr)
            .vpc_peering_connection_id(&pcx)
            .send()
            .await
            .unwrap();
    }

    // private-b's own network ACL: everything, except the scrape from the shared services VPC (rule 90).
    let private_b = s.id("private-b");
    let acl = s.ec2.create_network_acl().vpc_id(&prod).send().await.unwrap();
    let acl = acl.network_acl().unwrap().network_acl_id().unwrap().to_string();
    s.ids.insert("ielts-private-b-acl".into(), acl.clone());
    s.network_acl_entry(&acl, 90, false, RuleAction::Deny, "6", "10.50.0.0/16", Some((9100, 9100))).await;
    s.network_acl_entry(&acl, 100, false, RuleAction::Allow, "-1", "0.0.0.0/0", None).await;
    s.network_acl_entry(&acl, 100, true, RuleAction::Allow, "-1", "0.0.0.0/0", None).await;
    s.associate_network_acl(&private_b, &acl).await;

    // Last, so that everything above keeps its ID on a seeded moto.
    super::tiered_edge::tiered_edge(s).await;
}

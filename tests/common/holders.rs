//! What holds a group without running, seeded on moto through the SDK: a launch template with an auto-scaling
//! group at zero, an ECS service at zero tasks, an idle Lambda function, an EKS cluster with a node group at
//! zero, and a load balancer (moto creates no interfaces for the last three). One group is held by nothing.
//!
//! The load balancer listens on 80 and forwards to one registered instance on 8080 (`held-app`); an admin host
//! admits the load balancer's group on 22 but is no target, so no path goes from the load balancer to it. The
//! load balancer's interface is made here, named as AWS names it (`ELB app/held-alb/…`).

use super::scenarios::{perm, Seeder, P};

pub async fn holders(s: &mut Seeder) {
    let endpoint = s.endpoint.clone().expect("an endpoint");
    let cfg = super::moto_config(&endpoint, "us-east-1").await;
    let vpc = s.vpc("held-vpc", "10.40.0.0/16").await;
    let a = s.subnet("held-a", &vpc, "10.40.1.0/24", "us-east-1a").await;
    let b = s.subnet("held-b", &vpc, "10.40.2.0/24", "us-east-1b").await;
    let web = s.group("held-web-sg", &vpc).await;
    let task = s.group("held-task-sg", &vpc).await;
    let function = s.group("held-fn-sg", &vpc).await;
    let eks = s.group("held-eks-sg", &vpc).await;
    let lb = s.group("held-lb-sg", &vpc).await;
    let orphan = s.group("held-orphan-sg", &vpc).await;
    let app = s.group("held-app-sg", &vpc).await;
    let admin = s.group("held-admin-sg", &vpc).await;
    // The web tier admits the load balancer; the orphan admits nobody anyone uses.
    s.ingress(&web, perm("tcp", 8080, 8080, P::Sg(&lb))).await;
    s.ingress(&orphan, perm("tcp", 22, 22, P::V4("10.0.0.0/8"))).await;
    s.ingress(&app, perm("tcp", 8080, 8080, P::Sg(&lb))).await;
    s.ingress(&admin, perm("tcp", 22, 22, P::Sg(&lb))).await;

    let lt = s.launch_template("held-web-lt", &[&web]).await;
    s.auto_scaling_group("held-web-asg", &lt, &[&a, &b], 0).await;
    s.lambda_function("held-report", &[&a], &[&function]).await;

    let ecs = aws_sdk_ecs::Client::new(&cfg);
    ecs.create_cluster().cluster_name("held-cluster").send().await.unwrap();
    ecs.register_task_definition()
        .family("held-task")
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder().name("app").image("app:1").memory(512).build(),
        )
        .send()
        .await
        .unwrap();
    let awsvpc = aws_sdk_ecs::types::AwsVpcConfiguration::builder().subnets(&a).security_groups(&task).build().unwrap();
    ecs.create_service()
        .cluster("held-cluster")
        .service_name("held-worker")
        .task_definition("held-task")
        .desired_count(0)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .network_configuration(aws_sdk_ecs::types::NetworkConfiguration::builder().awsvpc_configuration(awsvpc).build())
        .send()
        .await
        .unwrap();

    let eksc = aws_sdk_eks::Client::new(&cfg);
    eksc.create_cluster()
        .name("held-eks")
        .role_arn("arn:aws:iam::123456789012:role/held-eks")
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder()
                .subnet_ids(&a)
                .subnet_ids(&b)
                .security_group_ids(&eks)
                .build(),
        )
        .send()
        .await
        .unwrap();
    eksc.create_nodegroup()
        .cluster_name("held-eks")
        .nodegroup_name("held-nodes")
        .node_role("arn:aws:iam::123456789012:role/held-nodes")
        .subnets(&a)
        .scaling_config(
            aws_sdk_eks::types::NodegroupScalingConfig::builder().min_size(0).max_size(2).desired_size(0).build(),
        )
        .send()
        .await
        .unwrap();

    use aws_sdk_elasticloadbalancingv2::types as elb;
    let elbc = aws_sdk_elasticloadbalancingv2::Client::new(&cfg);
    let created = elbc
        .create_load_balancer()
        .name("held-alb")
        .subnets(&a)
        .subnets(&b)
        .security_groups(&lb)
        .scheme(elb::LoadBalancerSchemeEnum::Internal)
        .send()
        .await
        .unwrap();
    let lb_arn = created.load_balancers()[0].load_balancer_arn().unwrap().to_string();
    let key = lb_arn.split_once(":loadbalancer/").unwrap().1;
    s.eni(&format!("ELB {key}"), &a, &[&lb]).await;
    let tg = elbc
        .create_target_group()
        .name("held-app-tg")
        .protocol(elb::ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&vpc)
        .target_type(elb::TargetTypeEnum::Instance)
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0].target_group_arn().unwrap().to_string();
    elbc.create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(elb::ProtocolEnum::Http)
        .port(80)
        .default_actions(elb::Action::builder().r#type(elb::ActionTypeEnum::Forward).target_group_arn(&tg_arn).build())
        .send()
        .await
        .unwrap();
    let instance = s.instance("held-app", &b, &[&app], false).await;
    s.instance("held-admin", &b, &[&admin], false).await;
    elbc.register_targets()
        .target_group_arn(&tg_arn)
        .targets(elb::TargetDescription::builder().id(&instance).port(8080).build())
        .send()
        .await
        .unwrap();
    s.ids.insert("held-alb".into(), lb_arn);
}

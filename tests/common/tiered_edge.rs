//! Two more exposures of the tiered design, seeded after everything else (so that a seeded moto gives the
//! earlier resources the same IDs):
//!
//! - A self-hosted Elasticsearch node in a private subnet, published by a path rule (`/search/*`) of the
//!   internet-facing ALB's HTTPS listener to a target group on 9200: the search API is on the internet.
//! - An edge VPC, dual-stack, whose subnet's network ACL denies every IPv4 request (rule 50) and allows IPv6:
//!   a self-hosted Redis there, with a public IPv4 and an IPv6 address and 6379 open to both families, is
//!   blocked over IPv4 and open over IPv6.

use super::scenarios::{perm, Seeder, P};
use aws_sdk_ec2::types::RuleAction;
use aws_sdk_elasticloadbalancingv2::types as elb;

pub async fn tiered_edge(s: &mut Seeder) {
    // The search node behind the ALB.
    let prod = s.id("ielts-prod-vpc");
    let search = s.group("ielts-search-sg", &prod).await;
    s.ingress(&search, perm("tcp", 9200, 9200, P::Sg(&s.id("ielts-prod-alb-sg")))).await;
    let node = s.instance("ielts-search-node", &s.id("private-a"), &[&search], false).await;
    let elbc = s.elbv2.clone();
    let tg = elbc
        .create_target_group()
        .name("ielts-search-tg")
        .protocol(elb::ProtocolEnum::Http)
        .port(9200)
        .vpc_id(&prod)
        .target_type(elb::TargetTypeEnum::Instance)
        .send()
        .await
        .unwrap();
    let tg = tg.target_groups()[0].target_group_arn().unwrap().to_string();
    let target = elb::TargetDescription::builder().id(&node).port(9200).build();
    elbc.register_targets().target_group_arn(&tg).targets(target).send().await.unwrap();
    let path = elb::PathPatternConditionConfig::builder().values("/search/*").build();
    elbc.create_rule()
        .listener_arn(s.id("ielts-prod-https-listener"))
        .priority(20)
        .conditions(elb::RuleCondition::builder().field("path-pattern").path_pattern_config(path).build())
        .actions(elb::Action::builder().r#type(elb::ActionTypeEnum::Forward).target_group_arn(&tg).build())
        .send()
        .await
        .unwrap();

    // The dual-stack edge VPC.
    let (edge, v6) = s.dual_stack_vpc("ielts-edge-vpc", "10.60.0.0/16").await;
    let block: ipnet::Ipv6Net = v6.parse().unwrap();
    let subnet_v6 = block.subnets(64).unwrap().nth(1).unwrap().to_string();
    let subnet = s
        .ec2
        .create_subnet()
        .vpc_id(&edge)
        .cidr_block("10.60.1.0/24")
        .ipv6_cidr_block(&subnet_v6)
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_string();
    s.ids.insert("edge-a".into(), subnet.clone());
    let igw = s.internet_gateway("ielts-edge-igw", &edge).await;
    let table = s.public_route_table("ielts-edge-rt", &edge, &igw, &[&subnet]).await;
    s.ipv6_default_route(&table, &igw).await;

    let acl = s.ec2.create_network_acl().vpc_id(&edge).send().await.unwrap();
    let acl = acl.network_acl().unwrap().network_acl_id().unwrap().to_string();
    s.ids.insert("ielts-edge-acl".into(), acl.clone());
    s.network_acl_entry(&acl, 50, false, RuleAction::Deny, "-1", "0.0.0.0/0", None).await;
    s.network_acl_entry(&acl, 100, true, RuleAction::Allow, "-1", "0.0.0.0/0", None).await;
    for egress in [false, true] {
        let entry = s.ec2.create_network_acl_entry().network_acl_id(&acl).rule_number(101).egress(egress);
        let entry = entry.rule_action(RuleAction::Allow).protocol("-1").ipv6_cidr_block("::/0");
        entry.send().await.unwrap();
    }
    s.associate_network_acl(&subnet, &acl).await;

    let redis = s.group("ielts-edge-redis-sg", &edge).await;
    s.ingress(&redis, perm("tcp", 6379, 6379, P::V4("0.0.0.0/0"))).await;
    s.ingress(&redis, perm("tcp", 6379, 6379, P::V6("::/0"))).await;
    s.instance("ielts-edge-redis", &subnet, &[&redis], true).await;
    let eni = s.id("ielts-edge-redis-eni");
    s.ec2.assign_ipv6_addresses().network_interface_id(&eni).ipv6_address_count(1).send().await.unwrap();
}

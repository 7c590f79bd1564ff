//! The accuracy rules of the audit, live against moto: self-hosted databases behind an internet-facing load
//! balancer, each address family decided on its own, and "public" IPv6 meaning global unicast.
//!
//! moto creates no interface for a load balancer: the test makes the ALB's, named as AWS names it, with an
//! Elastic IP (from moto's 127.0.0.0/8, which the collector takes as the public address AWS would give).

mod common;

use common::scenarios::{self, perm, Seeder, P};
use common::*;

#[test]
fn self_hosted_databases_families_and_global_unicast_live() {
    let Some(moto) = Moto::start() else { return };
    let s = rt().block_on(async {
        let mut s = Seeder::new(&moto.endpoint, "us-east-1").await;
        scenarios::tiered(&mut s).await;
        // The ALB's interface in public-a, with a public address.
        let key = s.id("ielts-prod-alb-key");
        let eni = s.eni(&format!("ELB {key}"), &s.id("public-a"), &[&s.id("ielts-prod-alb-sg")]).await;
        let eip = s.ec2.allocate_address().domain(aws_sdk_ec2::types::DomainType::Vpc).send().await.unwrap();
        let associate = s.ec2.associate_address().allocation_id(eip.allocation_id().unwrap()).network_interface_id(eni);
        associate.send().await.unwrap();
        // Two hosts with public addresses on PostgreSQL: one admits only IPv6 sources that are no internet host
        // (unique local, documentation, NAT64, reserved by the IETF), the other a 6to4 source, which is.
        let vpc = s.id("ielts-prod-vpc");
        let private_only = s.group("v6-not-internet-sg", &vpc).await;
        for net in ["fc00::/7", "2001:db8::/32", "64:ff9b::/96", "c000::/3"] {
            s.ingress(&private_only, perm("tcp", 5432, 5432, P::V6(net))).await;
        }
        let sixtofour = s.group("v6-6to4-sg", &vpc).await;
        s.ingress(&sixtofour, perm("tcp", 5432, 5432, P::V6("2002::/16"))).await;
        s.instance("v6-not-internet-host", &s.id("public-a"), &[&private_only], true).await;
        s.instance("v6-6to4-host", &s.id("public-a"), &[&sixtofour], true).await;
        s
    });
    let (code, report) =
        audit_json(&["--endpoint-url", &moto.endpoint, "--region", "us-east-1", "--max-attempts", "2"]);
    assert_eq!(code, 2, "moto's gaps make the run incomplete: {:#}", report["coverage"]);

    // 1. The search node: private, but the internet-facing ALB forwards to it on 9200.
    let search = finding(&report, "internet-path-to-database", &s.id("ielts-search-node-eni"))
        .unwrap_or_else(|| panic!("the search node: {:#}", report["findings"]));
    assert_eq!(search["severity"], "critical");
    let m = search["message"].as_str().unwrap();
    assert!(m.contains("(port 9200, well-known for Elasticsearch/OpenSearch)") && m.contains("ielts-prod-alb"), "{m}");
    let ep = moto.endpoint.as_str();
    let base = ["reach", "--endpoint-url", ep, "--region", "us-east-1", "--max-attempts", "2"];
    let node = s.id("ielts-search-node-eni");
    let (code, out, err) =
        sgaudit(&[&base[..], &["--from", "internet", "--to", &node, "--port", "9200", "--hops", "1"]].concat());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("REACHABLE") && out.contains("load balancer ielts-prod-alb"), "{out}");

    // 2. The edge Redis host: IPv4 denied by the subnet's network ACL, IPv6 open; critical by IPv6.
    let edge = finding(&report, "exposed-database", &s.id("ielts-edge-redis-eni")).expect("the edge Redis host");
    assert_eq!(edge["severity"], "critical");
    let m = edge["message"].as_str().unwrap();
    let acl = s.id("ielts-edge-acl");
    assert!(
        m.contains(&format!("network ACL {acl}")) && m.contains("rule 50 denies all traffic from 0.0.0.0/0"),
        "{m}"
    );
    assert!(m.contains("; IPv6: open (public address ") && m.contains("rule 101 allows all traffic from ::/0"), "{m}");
    let host = s.id("ielts-edge-redis-eni");
    let (code, out, _) = sgaudit(&[&base[..], &["--from", "internet", "--to", &host, "--port", "6379"]].concat());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ingress") && out.contains("from ::/0"), "reached over IPv6: {out}");

    // 3. Only global unicast IPv6 is the internet.
    assert!(
        finding(&report, "exposed-database", &s.id("v6-not-internet-host-eni")).is_none(),
        "{:#}",
        report["findings"]
    );
    let control = finding(&report, "exposed-database", &s.id("v6-6to4-host-eni")).expect("6to4 is public");
    assert!(control["message"].as_str().unwrap().contains("2002::/16"), "{control:#}");
}

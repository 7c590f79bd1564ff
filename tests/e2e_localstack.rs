//! End to end against LocalStack's community edition, as people testing against LocalStack run sgaudit: the
//! server on 127.0.0.1 (outside Docker), EC2 seeded through the AWS SDK, the `sgaudit` binary pointed at it with
//! `--endpoint-url`.
//!
//! The free edition serves STS and EC2; RDS, ElastiCache, Auto Scaling, ECS, EKS, ELBv2, MemoryDB and Redshift
//! Serverless answer `InternalFailure` ("not included in your current license plan"). An audit there must say
//! that those services were not read (coverage gaps, exit 2, unused verdicts unconfirmed), never report an
//! account without databases.

mod common;

use common::localstack::LocalStack;
use common::scenarios::{perm, Seeder, P};
use common::*;
use serde_json::Value;

/// A small three-tier design in one VPC, with the flaws the test looks for.
async fn seed(s: &mut Seeder) {
    let vpc = s.vpc("shop-vpc", "10.1.0.0/16").await;
    let public = s.subnet("public-a", &vpc, "10.1.0.0/24", "us-east-1a").await;
    let private = s.subnet("private-a", &vpc, "10.1.10.0/24", "us-east-1a").await;
    let igw = s.internet_gateway("shop-igw", &vpc).await;
    s.public_route_table("shop-public-rt", &vpc, &igw, &[&public]).await;

    let web = s.group("shop-web-sg", &vpc).await;
    let app = s.group("shop-app-sg", &vpc).await;
    let db = s.group("shop-postgres-sg", &vpc).await;
    let workers = s.group("shop-workers-sg", &vpc).await;
    let legacy = s.group("shop-legacy-sg", &vpc).await;
    s.ingress(&web, perm("tcp", 443, 443, P::V4("0.0.0.0/0"))).await;
    s.ingress(&app, perm("tcp", 8080, 8080, P::Sg(&web))).await;
    s.ingress(&db, perm("tcp", 5432, 5432, P::Sg(&app))).await;
    // Flaw: PostgreSQL on EC2 open to the world, in the public subnet with an Elastic IP.
    s.ingress(&db, perm("tcp", 5432, 5432, P::V4("0.0.0.0/0"))).await;
    // Flaw: every worker may reach every other on every port.
    s.ingress(&workers, perm("-1", -1, -1, P::Sg(&workers))).await;
    // Flaw: a group nothing uses, with SSH open to the world.
    s.ingress(&legacy, perm("tcp", 22, 22, P::V4("0.0.0.0/0"))).await;

    let web_eni = s.eni("web-1", &public, &[&web]).await;
    elastic_ip(s, &web_eni).await;
    s.eni("app-1", &private, &[&app]).await;
    s.eni("worker-1", &private, &[&workers]).await;
    s.eni("worker-2", &private, &[&workers]).await;
    let db_eni = s.eni("postgres-1", &public, &[&db]).await;
    elastic_ip(s, &db_eni).await;
}

async fn elastic_ip(s: &Seeder, eni: &str) {
    let alloc = s.ec2.allocate_address().domain(aws_sdk_ec2::types::DomainType::Vpc).send().await.unwrap();
    s.ec2
        .associate_address()
        .allocation_id(alloc.allocation_id().unwrap())
        .network_interface_id(eni)
        .send()
        .await
        .unwrap();
}

fn finding<'a>(report: &'a Value, check: &str, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check && f["resource"]["id"] == id)
        .unwrap_or_else(|| panic!("no {check} finding for {id}: {report:#}"))
}

fn failed(report: &Value) -> Vec<&Value> {
    report["coverage"].as_array().unwrap().iter().filter(|c| c["status"] == "failed").collect()
}

#[test]
fn localstack_free_edition_ec2_findings_and_gaps() {
    let Some(ls) = LocalStack::start() else { return };
    let s = rt().block_on(async {
        let mut s = Seeder::new(&ls.endpoint, "us-east-1").await;
        seed(&mut s).await;
        s
    });
    let src = ["--endpoint-url", ls.endpoint.as_str(), "--region", "us-east-1", "--max-attempts", "1"];
    let (code, report) = audit_json(&src);

    // EC2 is served: the findings come from it.
    assert_eq!(report["account"], "000000000000", "LocalStack's default account");
    let pg = finding(&report, "exposed-database", &s.id("postgres-1"));
    assert_eq!(pg["severity"], "critical", "{pg:#}");
    assert_eq!(pg["group_ids"][0], s.id("shop-postgres-sg"));
    let msg = pg["message"].as_str().unwrap();
    assert!(msg.contains("0.0.0.0/0") && msg.contains(&s.id("shop-igw")), "{msg}");
    assert!(pg["rule_ids"][0].as_str().unwrap().starts_with("sgr-"), "{pg:#}");
    let workers = finding(&report, "self-referencing-group", &s.id("shop-workers-sg"));
    assert!(workers["message"].as_str().unwrap().contains(&s.id("worker-2")), "{workers:#}");
    // The application tier is reached from the web tier only: no exposure.
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["resource"]["id"] != s.id("app-1")));

    // What the free edition does not serve is a gap with LocalStack's own words, not an empty service.
    assert_eq!(code, 2, "incomplete: {report:#}");
    assert_eq!(report["complete"], false);
    let gaps = failed(&report);
    for (service, operation) in [
        ("rds", "DescribeDBInstances"),
        ("rds", "DescribeDBClusters"),
        ("elasticache", "DescribeCacheClusters"),
        ("elasticache", "DescribeReplicationGroups"),
        ("elasticache", "DescribeServerlessCaches"),
    ] {
        let gap = gaps
            .iter()
            .find(|c| c["service"] == service && c["operation"] == operation)
            .unwrap_or_else(|| panic!("{service}:{operation} is not a gap: {gaps:#?}"));
        assert_eq!(gap["error_code"], "InternalFailure", "{gap:#}");
        assert!(gap["message"].as_str().unwrap().contains("not included in your current license plan"), "{gap:#}");
        assert!(gap["hint"].as_str().unwrap().contains("does not serve this operation"), "{gap:#}");
    }
    // EC2 itself was read completely.
    assert!(gaps.iter().all(|c| c["service"] != "ec2" && c["service"] != "sts"), "{gaps:#?}");

    // With ECS, Auto Scaling and the caches unread, nobody can say the legacy group is unused: unconfirmed.
    let legacy = finding(&report, "unused-group", &s.id("shop-legacy-sg"));
    assert_eq!(legacy["confidence"], "unconfirmed", "{legacy:#}");
    assert_eq!(legacy["severity"], "info", "{legacy:#}");
    let msg = legacy["message"].as_str().unwrap();
    assert!(msg.contains("ecs:ListClusters failed (InternalFailure)"), "{msg}");
    let note = report["notes"].as_array().unwrap().iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n");
    assert!(note.contains("elasticache:DescribeCacheClusters") && note.contains("unconfirmed"), "{note}");

    // `record` against LocalStack keeps what it answered, failures included; the recording replays offline.
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["record"];
    args.extend_from_slice(&src);
    args.extend_from_slice(&["--out", dir.path().to_str().unwrap()]);
    let (code, _, stderr) = sgaudit(&args);
    assert_eq!(code, 2, "the recording keeps LocalStack's gaps: {stderr}");
    drop(ls);
    let (code, replayed) = audit_json(&["--replay", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(replayed["findings"], report["findings"]);
    assert_eq!(replayed["account"], "000000000000");
    let ops = |r: &Value| failed(r).iter().map(|c| format!("{}:{}", c["service"], c["operation"])).collect::<Vec<_>>();
    assert_eq!(ops(&replayed), ops(&report));
}

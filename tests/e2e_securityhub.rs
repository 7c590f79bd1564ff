//! `--security-hub` end to end against moto (tests/moto/server.py: Security Hub refuses calls where it is not
//! enabled, and serves BatchUpdateFindings, as AWS does). Built with the `security-hub` feature only.
//!
//! With plain patches, moto's gaps (serverless caches, proxy endpoints, Redshift Serverless) leave every region
//! incomplete, so nothing may be resolved: the first test. The last test runs moto with those calls answered
//! as AWS does (patch 4), so a region can be read completely and a fixed finding resolved, then denies one call.
#![cfg(feature = "security-hub")]

mod common;

use aws_sdk_securityhub::types::AwsSecurityFinding;
use common::scenarios::{self, perm, Seeder, P};
use common::*;

const ACCOUNT: &str = "123456789012";
const T1: &str = "1796601600"; // 2026-12-07T00:00:00Z
const T2: &str = "1796605200"; // an hour later

fn send(moto: &Moto, region: &str, epoch: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["audit", "--endpoint-url", &moto.endpoint, "--region", region, "--max-attempts", "2"];
    args.extend_from_slice(&["--security-hub", "--format", "json"]);
    args.extend_from_slice(extra);
    let (code, out, err) = sgaudit_with_env(&args, &[("SOURCE_DATE_EPOCH", epoch)]);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, report, err)
}

async fn hub(endpoint: &str, region: &str) -> aws_sdk_securityhub::Client {
    aws_sdk_securityhub::Client::new(&moto_config(endpoint, region).await)
}

fn held(moto: &Moto) -> Vec<AwsSecurityFinding> {
    rt().block_on(async {
        let client = hub(&moto.endpoint, "us-east-1").await;
        client.get_findings().max_results(100).send().await.unwrap().findings.unwrap_or_default()
    })
}

fn by_check<'a>(findings: &'a [AwsSecurityFinding], check: &str) -> Vec<&'a AwsSecurityFinding> {
    findings.iter().filter(|f| f.generator_id() == Some(&format!("sgaudit/{check}"))).collect()
}

#[test]
fn findings_are_imported_updated_suppressed_and_never_resolved_through_a_gap() {
    let Some(moto) = Moto::start_patched() else { return };
    let s = rt().block_on(async {
        let mut s = Seeder::new(&moto.endpoint, "us-east-1").await;
        scenarios::tiered(&mut s).await;
        hub(&moto.endpoint, "us-east-1").await.enable_security_hub().send().await.unwrap();
        s
    });

    // 1. Imported, with the fields ASFF asks for.
    let (code, report, err) = send(&moto, "us-east-1", T1, &[]);
    assert_eq!(code, 2, "moto's gaps make the run incomplete: {err}");
    let n = report["findings"].as_array().unwrap().len();
    assert!(n > 5, "{report:#}");
    assert!(err.contains(&format!("Security Hub: {n} imported, 0 updated, 0 resolved")), "{err}");
    let findings = held(&moto);
    assert_eq!(findings.len(), n);
    let reporting = s.id("ielts-reporting-sg");
    let exposed: Vec<_> = by_check(&findings, "exposed-database")
        .into_iter()
        .filter(|f| f.resources().iter().any(|r| r.id().is_some_and(|id| id.ends_with(&reporting))))
        .collect();
    assert_eq!(exposed.len(), 1, "{findings:#?}");
    let f = exposed[0];
    assert_eq!(
        f.product_arn(),
        Some(format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default").as_str())
    );
    assert_eq!(f.aws_account_id(), Some(ACCOUNT));
    assert!(f.types()[0].starts_with("Software and Configuration Checks/"), "{:?}", f.types());
    let in_report = report["findings"].as_array().unwrap().iter().find(|r| f.id() == r["id"].as_str()).unwrap();
    let label = in_report["severity"].as_str().unwrap().to_ascii_uppercase();
    assert_eq!(f.severity().and_then(|s| s.label()).map(|l| l.as_str()), Some(label.as_str()));
    assert_eq!(f.compliance().and_then(|c| c.status()).map(|s| s.as_str()), Some("FAILED"));
    assert_eq!(f.resources()[0].r#type(), Some("AwsEc2NetworkInterface"));
    assert!(f.resources()[0]
        .id()
        .unwrap()
        .starts_with(&format!("arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/eni-")));
    let fields = f.product_fields().unwrap();
    assert_eq!(fields["sgaudit/check"], "exposed-database");
    assert!(fields["sgaudit/rule_ids"].starts_with("sgr-"));
    assert_eq!(f.created_at(), Some("2026-12-07T00:00:00Z"));
    assert_eq!(f.workflow().and_then(|w| w.status()).map(|s| s.as_str()), Some("NEW"));
    assert!(f.title().unwrap().chars().count() <= 256 && f.description().unwrap().chars().count() <= 1024);
    let id = f.id().unwrap().to_string();

    // 2. The same run again, an hour later, with that finding suppressed: updated, not duplicated; first seen
    // stays; the workflow follows the suppression.
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("sgaudit.toml");
    let eni = f.resources()[0].id().unwrap().rsplit('/').next().unwrap().to_string();
    std::fs::write(
        &cfg,
        format!("[[suppress]]\ncheck = \"exposed-database\"\nresource = \"{eni}\"\nreason = \"decommissioned, TICKET-42\"\n"),
    )
    .unwrap();
    let (_, _, err) = send(&moto, "us-east-1", T2, &["--config", cfg.to_str().unwrap()]);
    assert!(err.contains(&format!("Security Hub: 0 imported, {n} updated, 0 resolved")), "{err}");
    let findings = held(&moto);
    assert_eq!(findings.len(), n, "re-imports update, never duplicate");
    let f = findings.iter().find(|f| f.id() == Some(id.as_str())).unwrap();
    assert_eq!(f.created_at(), Some("2026-12-07T00:00:00Z"));
    assert_eq!(f.first_observed_at(), Some("2026-12-07T00:00:00Z"));
    assert_eq!(f.updated_at(), Some("2026-12-07T01:00:00Z"));
    assert_eq!(f.workflow().and_then(|w| w.status()).map(|s| s.as_str()), Some("SUPPRESSED"));

    // 3. Fix the exposure. The region is incomplete (moto's gaps), so the earlier finding stays as it was.
    rt().block_on(async {
        let all = aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build();
        s.ec2.revoke_security_group_ingress().group_id(&reporting).ip_permissions(all).send().await.unwrap();
    });
    let (code, report, err) = send(&moto, "us-east-1", T2, &[]);
    assert_eq!(code, 2);
    assert!(!report["findings"].as_array().unwrap().iter().any(|f| f["id"] == id.as_str()), "fixed");
    assert!(err.contains(", 0 resolved"), "{err}");
    let f = held(&moto).into_iter().find(|f| f.id() == Some(id.as_str())).unwrap();
    assert_eq!(f.record_state().map(|s| s.as_str()), Some("ACTIVE"), "a gap never resolves a finding");
}

#[test]
fn security_hub_not_enabled_is_a_gap_with_exit_2() {
    let Some(moto) = Moto::start_patched() else { return };
    // An account with nothing in eu-west-1, and Security Hub enabled nowhere.
    let (code, report, err) = send(&moto, "eu-west-1", T1, &[]);
    assert_eq!(code, 2);
    let gaps: Vec<&serde_json::Value> =
        report["coverage"].as_array().unwrap().iter().filter(|c| c["service"] == "securityhub").collect();
    assert_eq!(gaps.len(), 1, "one gap, not one per call: {gaps:#?}");
    assert_eq!(gaps[0]["operation"], "GetFindings");
    assert_eq!(gaps[0]["status"], "failed");
    assert_eq!(gaps[0]["error_code"], "InvalidAccessException");
    assert_eq!(gaps[0]["account"], ACCOUNT);
    assert!(gaps[0]["hint"].as_str().unwrap().contains("not enabled in eu-west-1"), "{:#}", gaps[0]);
    assert!(err.contains("Security Hub: 0 imported, 0 updated, 0 resolved"), "{err}");
}

#[test]
fn a_fixed_exposure_is_resolved_but_never_through_a_denied_call() {
    let Some(moto) = Moto::start_complete() else { return };
    let (s, first, second) = rt().block_on(async {
        // One public subnet (no peering: moto does not serve DescribeSecurityGroupReferences) with two hosts
        // whose PostgreSQL is open to the internet, each through a group of its own.
        let mut s = Seeder::new(&moto.endpoint, "us-east-1").await;
        let vpc = s.vpc("sh-vpc", "10.40.0.0/16").await;
        let public = s.subnet("sh-public", &vpc, "10.40.0.0/24", "us-east-1a").await;
        let igw = s.internet_gateway("sh-igw", &vpc).await;
        s.public_route_table("sh-public-rt", &vpc, &igw, &[&public]).await;
        let (first, second) = (s.group("sh-first-sg", &vpc).await, s.group("sh-second-sg", &vpc).await);
        for group in [&first, &second] {
            s.ingress(group, perm("tcp", 5432, 5432, P::V4("0.0.0.0/0"))).await;
        }
        s.instance("sh-first-host", &public, &[&first], true).await;
        s.instance("sh-second-host", &public, &[&second], true).await;
        hub(&moto.endpoint, "us-east-1").await.enable_security_hub().send().await.unwrap();
        (s, first, second)
    });
    let exposure = |findings: &[AwsSecurityFinding], group: &str| -> Option<AwsSecurityFinding> {
        by_check(findings, "exposed-database")
            .into_iter()
            .find(|f| f.resources().iter().any(|r| r.id().is_some_and(|id| id.ends_with(group))))
            .cloned()
    };
    let revoke = |group: &str| {
        rt().block_on(async {
            let open = aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(5432)
                .to_port(5432)
                .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build();
            s.ec2.revoke_security_group_ingress().group_id(group).ip_permissions(open).send().await.unwrap();
        })
    };

    let (code, report, err) = send(&moto, "us-east-1", T1, &[]);
    assert_eq!(report["complete"], true, "{:#}", report["coverage"]);
    assert_eq!(code, 1, "{err}");
    let findings = held(&moto);
    let first_id = exposure(&findings, &first).expect("the first exposure").id().unwrap().to_string();
    let second_id = exposure(&findings, &second).expect("the second exposure").id().unwrap().to_string();

    // Fixed, in a region read completely: archived and resolved on the next run.
    revoke(&first);
    let (_, report, err) = send(&moto, "us-east-1", T2, &[]);
    assert_eq!(report["complete"], true);
    assert!(err.contains(", 1 resolved"), "{err}");
    let f = held(&moto).into_iter().find(|f| f.id() == Some(first_id.as_str())).unwrap();
    assert_eq!(f.record_state().map(|s| s.as_str()), Some("ARCHIVED"));
    assert_eq!(f.workflow().and_then(|w| w.status()).map(|s| s.as_str()), Some("RESOLVED"));
    assert_eq!(f.updated_at(), Some("2026-12-07T01:00:00Z"));

    // Fixed too, but one call of the region is denied: the finding is left as it was, and the run says why.
    revoke(&second);
    moto.deny_serverless_caches();
    let (code, report, err) = send(&moto, "us-east-1", T2, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(report["complete"], false);
    assert!(err.contains(", 0 resolved"), "{err}");
    let f = held(&moto).into_iter().find(|f| f.id() == Some(second_id.as_str())).unwrap();
    assert_eq!(f.record_state().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(f.workflow().and_then(|w| w.status()).map(|s| s.as_str()), Some("NEW"));
}

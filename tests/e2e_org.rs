//! An AWS organisation end to end, on moto (which serves Organizations, creates each new account's
//! OrganizationAccountAccessRole as AWS does, and keeps assumed-role sessions in their accounts), patched by
//! `tests/moto/server.py` so that a role that does not exist cannot be assumed, as in AWS.
//!
//! The organisation: the management account (which, as in AWS, has no OrganizationAccountAccessRole), `prod`
//! (the tiered design), `staging` (the vprofile design) and `sandbox`, created with another role name.

mod common;

use common::scenarios::{self, Seeder};
use common::*;
use serde_json::Value;

const ROLE: &str = "OrganizationAccountAccessRole";
const MANAGEMENT: &str = "123456789012";

struct Org {
    moto: Moto,
    prod: String,
    staging: String,
    sandbox: String,
    tiered: Seeder,
}

/// The organisation on moto, or `None` (skipped) where moto is not installed.
fn organisation() -> Option<Org> {
    let moto = Moto::start_patched()?;
    let (prod, staging, sandbox, tiered) = rt().block_on(async {
        let org = aws_sdk_organizations::Client::new(&moto_config(&moto.endpoint, "us-east-1").await);
        org.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap();
        let mut ids = Vec::new();
        for (name, role) in [("prod", ROLE), ("staging", ROLE), ("sandbox", "sandbox-admin")] {
            let out = org
                .create_account()
                .account_name(name)
                .email(format!("{name}@example.com"))
                .role_name(role)
                .send()
                .await
                .unwrap();
            ids.push(out.create_account_status().unwrap().account_id().unwrap().to_string());
        }
        let mut tiered = Seeder::in_account_as(&moto.endpoint, "us-east-1", &ids[0], ROLE).await;
        scenarios::tiered(&mut tiered).await;
        let mut vprofile = Seeder::in_account_as(&moto.endpoint, "us-east-1", &ids[1], ROLE).await;
        scenarios::vprofile(&mut vprofile).await;
        (ids[0].clone(), ids[1].clone(), ids[2].clone(), tiered)
    });
    Some(Org { moto, prod, staging, sandbox, tiered })
}

fn org_audit(org: &Org, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["audit", "--format", "json", "--endpoint-url", &org.moto.endpoint, "--region", "us-east-1"];
    args.extend_from_slice(&["--max-attempts", "2", "--organization", "--org-role", ROLE, "--concurrency", "2"]);
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = sgaudit(&args);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: exit {code}\n{stdout}\n{stderr}"));
    (code, report, stderr)
}

fn of_account<'a>(report: &'a Value, account: &str) -> Vec<&'a Value> {
    report["coverage"].as_array().unwrap().iter().filter(|c| c["account"] == account).collect()
}

fn lines(report: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = report[key].as_array().unwrap().iter().map(|x| x.to_string()).collect();
    v.sort();
    v
}

#[test]
fn organisation_audit_shards_and_merge() {
    let Some(org) = organisation() else { return };
    let (code, report, stderr) = org_audit(&org, &["--external-id", "org-ext"]);
    assert_eq!(code, 2, "two roles cannot be assumed, and moto's serverless gaps: {stderr}");

    // Every active account, listed by ListAccounts (one page here), is in the report.
    let mut expected = vec![MANAGEMENT.to_string(), org.prod.clone(), org.staging.clone(), org.sandbox.clone()];
    expected.sort();
    assert_eq!(report["accounts"], serde_json::json!(expected));
    let listing: Vec<&Value> =
        report["coverage"].as_array().unwrap().iter().filter(|c| c["service"] == "organizations").collect();
    assert_eq!(listing.len(), 1);
    assert_eq!((listing[0]["operation"].as_str(), listing[0]["status"].as_str()), (Some("ListAccounts"), Some("ok")));

    // Accounts whose role cannot be assumed are one gap each, with the reason, not an abort and not clean.
    for account in [MANAGEMENT, org.sandbox.as_str()] {
        let cov = of_account(&report, account);
        assert_eq!(cov.len(), 1, "one gap for {account}: {cov:#?}");
        assert_eq!(cov[0]["status"], "failed");
        assert_eq!(cov[0]["error_code"], "NoCredentials");
        assert!(cov[0]["hint"].as_str().unwrap().contains("could not be assumed"), "{:#}", cov[0]);
        let note = format!("account {account}: the role arn:aws:iam::{account}:role/{ROLE} could not be assumed");
        assert!(report["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().starts_with(&note)), "{note}");
    }
    // The others are audited through their role, each finding in its own account.
    assert!(of_account(&report, &org.prod).len() > 30);
    let find = |check: &str, id: &str| finding(&report, check, id).cloned();
    assert_eq!(find("exposed-database", "ielts-prod-db").expect("prod's database")["account"], org.prod.as_str());
    assert_eq!(find("exposed-database", "vprofile-rds-mysql").expect("staging's")["account"], org.staging.as_str());
    assert!(find("exposed-database", &org.tiered.id("reporting-mongo-eni")).is_some());

    // --accounts and --exclude-accounts: an unknown ID is named, not silently dropped.
    let (_, only, _) = org_audit(&org, &["--accounts", &format!("{},999999999999", org.prod)]);
    assert_eq!(only["accounts"], serde_json::json!([org.prod]));
    assert!(only["notes"].to_string().contains("account 999999999999 (--accounts) is not an active account"));

    // Two shards of the audited accounts, merged, are the whole; each account in exactly one shard.
    let exclude = format!("{MANAGEMENT},{}", org.sandbox);
    let (_, whole, _) = org_audit(&org, &["--exclude-accounts", &exclude]);
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut held = Vec::new();
    for k in 1..=2 {
        let (_, shard, _) = org_audit(&org, &["--exclude-accounts", &exclude, "--shard", &format!("{k}/2")]);
        assert_eq!(shard["shards"], serde_json::json!([{ "index": k, "count": 2 }]));
        held.extend(shard["accounts"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()));
        let file = tmp.path().join(format!("shard-{k}.json"));
        std::fs::write(&file, shard.to_string()).unwrap();
        files.push(file.to_str().unwrap().to_string());
    }
    held.sort();
    let mut audited = vec![org.prod.clone(), org.staging.clone()];
    audited.sort();
    assert_eq!(held, audited, "each account in exactly one shard");
    let (code, stdout, stderr) = sgaudit(&["merge", "--format", "json", &files[0], &files[1]]);
    let merged: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(code, whole["summary"]["exit_code"].as_i64().unwrap() as i32);
    assert_eq!(merged["findings"], whole["findings"]);
    assert_eq!(merged["accounts"], whole["accounts"]);
    assert_eq!(merged["summary"]["by_severity"], whole["summary"]["by_severity"]);
    // The organisation was listed by each shard: its call appears once per shard.
    let no_listing = |r: &Value| {
        let mut v: Vec<String> = r["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["service"] != "organizations")
            .map(|c| c.to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(no_listing(&merged), no_listing(&whole));
    assert_eq!(merged["shards"], serde_json::json!([{ "index": 1, "count": 2 }, { "index": 2, "count": 2 }]));
    assert_eq!(lines(&merged, "accounts"), lines(&whole, "accounts"));

    // One shard alone is an incomplete merge that says which shard is missing; one report twice is refused.
    let (code, stdout, _) = sgaudit(&["merge", "--format", "json", &files[0]]);
    assert_eq!(code, 2);
    let half: Value = serde_json::from_str(&stdout).unwrap();
    let missing = half["coverage"].as_array().unwrap().iter().find(|c| c["error_code"] == "MissingShard").unwrap();
    assert_eq!(missing["operation"], "shard 2/2");
    assert_eq!(half["complete"], false);
    let (code, _, stderr) = sgaudit(&["merge", &files[0], &files[0]]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is in both"), "{stderr}");

    // A capped request rate changes how fast, not what.
    let (_, paced, _) = org_audit(&org, &["--exclude-accounts", &exclude, "--max-request-rate", "40"]);
    assert_eq!(paced["findings"], whole["findings"]);
}

#[test]
fn a_failed_account_listing_is_a_gap_not_an_empty_organisation() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let (code, report) = audit_json(&[
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--max-attempts",
        "1",
        "--organization",
        "--org-role",
        ROLE,
    ]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["complete"], false);
    assert_eq!(report["accounts"], serde_json::json!([]));
    let cov = report["coverage"].as_array().unwrap();
    assert_eq!(cov.len(), 1, "{cov:#?}");
    assert_eq!(
        (cov[0]["service"].as_str(), cov[0]["operation"].as_str()),
        (Some("organizations"), Some("ListAccounts"))
    );
    assert_eq!(cov[0]["error_code"], "DispatchFailure");
}

#[test]
fn account_selection_needs_several_accounts() {
    let (code, _, stderr) = sgaudit(&["audit", "--replay", "mocks/tiered", "--accounts", "111111111111"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("need --organization or --targets"), "{stderr}");
    let (code, _, stderr) = sgaudit(&["audit", "--organization"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--org-role"), "{stderr}");
    let (code, _, stderr) = sgaudit(&["audit", "--organization", "--org-role", "R", "--shard", "3/2"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a shard"), "{stderr}");
}

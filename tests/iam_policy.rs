//! docs/iam-policy.json grants exactly the API actions the collector can call: no more, no less.

use std::collections::BTreeSet;
use std::path::Path;

/// `client.describe_security_groups()` in src/collect/SERVICE.rs → `SERVICE:DescribeSecurityGroups`.
fn actions_called_by_the_collector() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/collect");
    let mut actions = BTreeSet::new();
    // The submodules of a folder (`flowlogs/`) read through their parent's client or through traits: no calls.
    for entry in std::fs::read_dir(dir).unwrap().flatten().filter(|e| e.path().is_file()) {
        // Without white space, so that `client\n    .describe_x()` reads as `client.describe_x()`.
        let text: String = std::fs::read_to_string(entry.path()).unwrap().split_whitespace().collect();
        // The client variables of each file, and the IAM prefix of their service.
        let receivers: &[(&str, &str)] = match entry.file_name().to_str().unwrap() {
            "ec2.rs" | "network_acl.rs" | "transit.rs" | "flowlogs.rs" => &[("client.", "ec2")],
            "rds.rs" => &[("client.", "rds")],
            "elasticache.rs" => &[("client.", "elasticache")],
            "opensearch.rs" => &[("client.", "es")],
            "memorydb.rs" => &[("client.", "memorydb")],
            "redshift.rs" => &[("client.", "redshift")],
            "redshift_serverless.rs" => &[("client.", "redshift-serverless")],
            "launch.rs" => &[("ec2.", "ec2"), ("autoscaling.", "autoscaling")],
            "ecs.rs" => &[("client.", "ecs")],
            "eks.rs" => &[("client.", "eks")],
            "lambda.rs" => &[("client.", "lambda")],
            "elbv2.rs" => &[("client.", "elasticloadbalancing")],
            "references.rs" => &[("client.", "ec2")],
            "mod.rs" => &[("client.", "sts")],
            "organizations.rs" => &[("client.", "organizations")],
            "batch.rs" => &[("client.", "batch")],
            "events.rs" => &[("client.", "events")],
            "codebuild.rs" => &[("client.", "codebuild")],
            "glue.rs" => &[("client.", "glue")],
            "securityhub.rs" => &[("client.", "securityhub")],
            "s3.rs" => &[("client.", "s3")],
            "logs.rs" => &[("client.", "logs")],
            _ => continue,
        };
        for (receiver, file_service) in receivers {
            for piece in text.split(receiver).skip(1) {
                let name: String =
                    piece.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
                if !piece[name.len()..].starts_with("()") || name.is_empty() {
                    continue;
                }
                let pascal: String = name
                    .split('_')
                    .map(|w| {
                        let mut c = w.chars();
                        c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
                    })
                    .collect();
                // The SDK spells DB in lower case (`describe_db_instances`); the API in upper case.
                let pascal = pascal.replace("Db", "DB");
                // S3's listing is authorised by the bucket's action, not the operation's name.
                let pascal =
                    if *file_service == "s3" && pascal == "ListObjectsV2" { "ListBucket".into() } else { pascal };
                actions.insert(format!("{file_service}:{pascal}"));
            }
        }
    }
    actions
}

fn read_policy(file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap()).unwrap()
}

fn actions(statement: &serde_json::Value) -> BTreeSet<String> {
    statement["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

fn granted_by(file: &str) -> BTreeSet<String> {
    read_policy(file)["Statement"].as_array().unwrap().iter().flat_map(actions).collect()
}

#[test]
fn policy_equals_the_actions_the_collector_calls() {
    let (org, called): (BTreeSet<String>, BTreeSet<String>) =
        actions_called_by_the_collector().into_iter().partition(|a| a.starts_with("organizations:"));
    let (export, called): (BTreeSet<String>, BTreeSet<String>) =
        called.into_iter().partition(|a| a.starts_with("securityhub:"));
    let (reports, called): (BTreeSet<String>, BTreeSet<String>) =
        called.into_iter().partition(|a| a.ends_with(":PutObject"));
    let (objects, called): (BTreeSet<String>, BTreeSet<String>) =
        called.into_iter().partition(|a| a.starts_with("s3:"));
    // Logs Insights' results are read by query ID: GetQueryResults takes no resource, so it is read-only on `*`.
    let (log_groups, called): (BTreeSet<String>, BTreeSet<String>) =
        called.into_iter().partition(|a| a.starts_with("logs:") && a != "logs:GetQueryResults");
    assert_eq!(called.len(), 57, "{called:?}");
    let policy = read_policy("docs/iam-policy.json");
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(
        statements.len(),
        5,
        "the read-only statement, the Security Hub export, the report bucket, the flow-log bucket and log groups"
    );
    let read_only = actions(&statements[0]);
    assert_eq!(statements[0]["Sid"], "SgauditReadOnly");
    assert_eq!(read_only, called);
    assert!(
        read_only
            .iter()
            .all(|a| [":Describe", ":Get", ":BatchGet", ":List", ":Search"].iter().any(|verb| a.contains(verb))),
        "read-only: {read_only:?}"
    );
    // The only write access sgaudit ever asks for, each in a statement of its own: --security-hub, and
    // --output s3://, on the report prefix of one bucket only.
    assert_eq!(statements[1]["Sid"], "SgauditSecurityHubExport");
    assert_eq!(actions(&statements[1]), export);
    assert_eq!(
        export.iter().map(String::as_str).collect::<Vec<_>>(),
        ["securityhub:BatchImportFindings", "securityhub:BatchUpdateFindings", "securityhub:GetFindings"]
    );
    assert_eq!(statements[2]["Sid"], "SgauditReportBucket");
    assert_eq!(actions(&statements[2]), reports);
    assert_eq!(reports.iter().map(String::as_str).collect::<Vec<_>>(), ["s3:PutObject"]);
    assert_eq!(statements[2]["Resource"], "arn:aws:s3:::REPORT-BUCKET/sgaudit/*");
    // --flow-logs s3://: reading objects is reading data, so it is granted on the flow-log bucket only.
    assert_eq!(statements[3]["Sid"], "SgauditFlowLogBucket");
    assert_eq!(actions(&statements[3]), objects);
    assert_eq!(objects.iter().map(String::as_str).collect::<Vec<_>>(), ["s3:GetObject", "s3:ListBucket"]);
    assert_eq!(
        statements[3]["Resource"],
        serde_json::json!(["arn:aws:s3:::FLOW-LOG-BUCKET", "arn:aws:s3:::FLOW-LOG-BUCKET/*"])
    );
    // --flow-logs auto, flow logs in CloudWatch Logs: on the flow logs' log groups only.
    assert_eq!(statements[4]["Sid"], "SgauditFlowLogGroups");
    assert_eq!(actions(&statements[4]), log_groups);
    assert_eq!(log_groups.iter().map(String::as_str).collect::<Vec<_>>(), ["logs:FilterLogEvents", "logs:StartQuery"]);
    assert_eq!(
        statements[4]["Resource"],
        serde_json::json!(["arn:aws:logs:*:*:log-group:FLOW-LOG-GROUP", "arn:aws:logs:*:*:log-group:FLOW-LOG-GROUP:*"])
    );
    // The identity that runs an organisation's audit lists the accounts and assumes the audit role in each.
    let mut expected = org;
    assert_eq!(expected.iter().collect::<Vec<_>>(), ["organizations:ListAccounts"]);
    expected.insert("sts:AssumeRole".to_string());
    assert_eq!(granted_by("docs/iam-policy-organization.json"), expected);
}

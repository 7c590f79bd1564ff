//! Failures in recorded accounts: a denied call, a call that was never recorded, a damaged recording.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// A copy of a mock in a temporary directory, to damage.
fn copy_mock(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join(name);
    copy_dir(&root().join("mocks").join(name), &dst);
    (tmp, dst)
}

fn edit_index(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("index.json");
    let mut v: serde_json::Value = serde_json::from_str(&read(&path)).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn access_denied_on_one_operation_is_a_gap_and_exit_2() {
    let (_tmp, dir) = copy_mock("tiered");
    let file = "us-east-1/rds/DescribeDBClusters.xml";
    std::fs::write(
        dir.join(file),
        "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>Sender</Type><Code>AccessDenied</Code>\
         <Message>User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: rds:DescribeDBClusters</Message>\
         </Error><RequestId>denied</RequestId></ErrorResponse>",
    )
    .unwrap();
    edit_index(&dir, |v| {
        for e in v["responses"].as_array_mut().unwrap() {
            if e["file"] == file {
                e["status"] = 403.into();
            }
        }
    });
    let (code, report) = audit_json(&["--replay", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(report["complete"], false);
    let gaps: Vec<_> = report["coverage"].as_array().unwrap().iter().filter(|c| c["status"] == "failed").collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let gap = gaps[0];
    assert_eq!(gap["region"], "us-east-1");
    assert_eq!(gap["service"], "rds");
    assert_eq!(gap["operation"], "DescribeDBClusters");
    assert_eq!(gap["error_code"], "AccessDenied");
    assert!(gap["message"].as_str().unwrap().contains("not authorized"));
    assert!(gap["hint"].as_str().unwrap().contains("rds:DescribeDBClusters"));
    // Findings that do not depend on the failed call are still reported...
    assert!(finding_lines(&report).contains(&"exposed-database high rds-instance ielts-prod-db".to_string()));
    // ...and a group of that region that looks unused is reported unconfirmed (info), naming the failed call;
    // it never counts for --fail-on, and the exit code stays 2.
    let unused: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["check"] == "unused-group").collect();
    assert!(!unused.is_empty());
    for f in &unused {
        assert_eq!((f["severity"].as_str(), f["confidence"].as_str()), (Some("info"), Some("unconfirmed")), "{f:#}");
        assert!(f["message"].as_str().unwrap().contains("rds:DescribeDBClusters failed (AccessDenied)"), "{f:#}");
    }
    assert!(report["notes"][0].as_str().unwrap().contains("DescribeDBClusters"));
    assert!(report["summary"]["unconfirmed"].as_u64().unwrap() >= 1);
    let (code, _) = audit_json(&["--replay", dir.to_str().unwrap(), "--fail-on", "info"]);
    assert_eq!(code, 2, "incomplete wins");
    let (_, sarif, _) = sgaudit(&["audit", "--replay", dir.to_str().unwrap(), "--format", "sarif"]);
    assert!(sarif.contains("\"kind\": \"review\""), "unconfirmed results are for review in SARIF");
    // The page says so first: a red banner naming the failed call, its error code and the hint.
    let (code, html, _) = sgaudit(&["audit", "--replay", dir.to_str().unwrap(), "--format", "html"]);
    assert_eq!(code, 2);
    let banner = html.split("<div class=\"banner incomplete\"").nth(1).expect("an incomplete banner");
    let banner = &banner[..banner.find("</div>").unwrap()];
    for part in ["us-east-1", "DescribeDBClusters", "AccessDenied", "rds:DescribeDBClusters"] {
        assert!(banner.contains(part), "{part} in {banner}");
    }
    let (_, md, _) = sgaudit(&["audit", "--replay", dir.to_str().unwrap(), "--format", "markdown"]);
    assert!(md.contains("`unused-group` (unconfirmed)"), "{md}");

    // The table says it too.
    let (code, table, _) = sgaudit(&["audit", "--replay", dir.to_str().unwrap(), "--format", "table"]);
    assert_eq!(code, 2);
    assert!(table.contains("COVERAGE GAPS (1)") && table.contains("AccessDenied"), "{table}");
    assert!(table.contains("audit incomplete"), "{table}");
}

#[test]
fn a_call_missing_from_the_recording_is_a_gap() {
    let (_tmp, dir) = copy_mock("tiered");
    edit_index(&dir, |v| {
        v["responses"]
            .as_array_mut()
            .unwrap()
            .retain(|e| !(e["operation"] == "DescribeNetworkInterfaces" && e["region"] == "eu-west-1"));
    });
    let (code, report) = audit_json(&["--replay", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    let gap = report["coverage"].as_array().unwrap().iter().find(|c| c["status"] == "failed").unwrap();
    assert_eq!(gap["error_code"], "NotRecorded");
    assert_eq!(gap["region"], "eu-west-1");
}

#[test]
fn damaged_recordings_fail_with_the_file_and_place() {
    let (_tmp, dir) = copy_mock("vprofile");
    std::fs::write(
        dir.join("index.json"),
        "{\n  \"format\": \"sgaudit/recording@1\",\n  \"regions\": [\"us-east-1\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = sgaudit(&["audit", "--replay", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("index.json: line 4 column 0"), "{stderr}");

    let (_tmp, dir) = copy_mock("vprofile");
    std::fs::write(dir.join("us-east-1/rds/DescribeDBInstances.xml"), "<DescribeDBInstancesResponse><oops").unwrap();
    let (code, _, stderr) = sgaudit(&["audit", "--replay", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("DescribeDBInstances.xml: not well-formed XML"), "{stderr}");

    let (code, _, stderr) = sgaudit(&["audit", "--replay", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no/such/dir/index.json: cannot read"), "{stderr}");
}

#[test]
fn fail_on_threshold_sets_the_exit_code() {
    let vprofile = root().join("mocks/vprofile");
    let dir = vprofile.to_str().unwrap();
    // vprofile's worst finding is high.
    assert_eq!(audit_json(&["--replay", dir, "--fail-on", "critical"]).0, 0);
    assert_eq!(audit_json(&["--replay", dir, "--fail-on", "high"]).0, 1);
    let (_tmp, copy) = copy_mock("tiered");
    let _ = copy;
    let (code, _, stderr) = sgaudit(&["audit", "--replay", dir, "--fail-on", "severe"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown severity"));
}

#[test]
fn output_file_gets_the_report_and_stderr_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let (code, stdout, stderr) = sgaudit(&["audit", "--replay", "mocks/tiered", "--output", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("16 finding(s)") && stderr.contains("report written to"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&read(&out)).unwrap();
    assert_eq!(report["schema"], "sgaudit/report@1");
}

/// Every source of holders, denied in turn: the groups it could have held are reported, unconfirmed and info,
/// naming what the call would have listed; the exit code is 2 and nothing is "unused" at low severity.
#[test]
fn each_denied_holder_source_leaves_unused_verdicts_unconfirmed() {
    let ec2 = |code: &str| {
        format!("<Response><Errors><Error><Code>{code}</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>denied</RequestID></Response>")
    };
    let query = |ns: &str| {
        format!("<ErrorResponse xmlns=\"{ns}\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized</Message></Error><RequestId>denied</RequestId></ErrorResponse>")
    };
    let json = || r#"{"__type": "AccessDeniedException", "message": "User is not authorized"}"#.to_string();
    let cases: &[(&str, String, &str, &str)] = &[
        (
            "ec2/DescribeLaunchTemplateVersions.xml",
            ec2("UnauthorizedOperation"),
            "a launch template",
            "vprofile-bean-worker-sg",
        ),
        (
            "autoscaling/DescribeAutoScalingGroups.xml",
            query("http://autoscaling.amazonaws.com/doc/2011-01-01/"),
            "an auto-scaling group",
            // The worker group stays held by its launch template's default version.
            "vprofile-ops-sg",
        ),
        (
            "autoscaling/DescribeLaunchConfigurations.xml",
            query("http://autoscaling.amazonaws.com/doc/2011-01-01/"),
            "a launch configuration",
            "vprofile-ops-sg",
        ),
        ("ecs/ListClusters.json", json(), "an ECS service", "vprofile-ops-sg"),
        ("lambda/ListFunctions.json", json(), "a Lambda function", "vprofile-report-fn-sg"),
        ("eks/ListClusters.json", json(), "an EKS cluster", "vprofile-ops-sg"),
        (
            "elasticloadbalancing/DescribeLoadBalancers.xml",
            query("http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"),
            "a load balancer",
            "vprofile-ops-sg",
        ),
        ("batch/DescribeComputeEnvironments.json", json(), "a Batch compute environment", "vprofile-ops-sg"),
        ("events/ListEventBuses.json", json(), "an EventBridge rule that runs an ECS task", "vprofile-ops-sg"),
        ("codebuild/ListProjects.json", json(), "a CodeBuild project", "vprofile-ops-sg"),
        ("glue/GetConnections.json", json(), "a Glue connection", "vprofile-ops-sg"),
    ];
    for (file, body, what, group) in cases {
        let (_tmp, dir) = copy_mock("vprofile");
        let file = format!("us-east-1/{file}");
        std::fs::write(dir.join(&file), body).unwrap();
        edit_index(&dir, |v| {
            for e in v["responses"].as_array_mut().unwrap() {
                if e["file"] == file.as_str() {
                    e["status"] = 403.into();
                }
            }
        });
        let (code, report) = audit_json(&["--replay", dir.to_str().unwrap()]);
        assert_eq!(code, 2, "{file}");
        let gaps: Vec<_> = report["coverage"].as_array().unwrap().iter().filter(|c| c["status"] == "failed").collect();
        assert_eq!(gaps.len(), 1, "{file}: {gaps:?}");
        let op = format!("{}:{}", gaps[0]["service"].as_str().unwrap(), gaps[0]["operation"].as_str().unwrap());
        let code = gaps[0]["error_code"].as_str().unwrap();
        assert!(code.contains("Access") || code == "UnauthorizedOperation", "{file}: {code} {}", gaps[0]["message"]);
        let unused: Vec<&serde_json::Value> =
            report["findings"].as_array().unwrap().iter().filter(|f| f["check"] == "unused-group").collect();
        assert!(
            unused.iter().all(|f| f["severity"] == "info" && f["confidence"] == "unconfirmed"),
            "{file}: {unused:#?}"
        );
        let f = unused
            .iter()
            .find(|f| f["resource"]["name"] == *group)
            .unwrap_or_else(|| panic!("{file}: {group} is reported unconfirmed: {unused:#?}"));
        let message = f["message"].as_str().unwrap();
        assert!(message.contains(&format!("unless {what} uses it: {op} failed (")), "{file}: {message}");
        assert!(f["remediation"]["summary"].as_str().unwrap().starts_with("Confirm"), "{file}");
    }
}

/// References to another account's groups, through a recording: the collector asks DescribeStaleSecurityGroups
/// for the VPC, a reference AWS lists is stale, one it does not list is fine; when the call is denied, both
/// are "cannot be verified" notes and no finding.
#[test]
fn cross_account_references_are_stale_only_on_aws_word() {
    let task_sg = "sg-a65e19cbae530282b";
    let vpc = "vpc-58e08baa7196b50ac";
    let rule = |id: &str, port: u16, peer: &str| {
        format!(
            "<item><securityGroupRuleId>{id}</securityGroupRuleId><groupId>{task_sg}</groupId><isEgress>false</isEgress>\
             <ipProtocol>tcp</ipProtocol><fromPort>{port}</fromPort><toPort>{port}</toPort><referencedGroupInfo>\
             <groupId>{peer}</groupId><userId>222222222222</userId><vpcId>vpc-0peer</vpcId>\
             <vpcPeeringConnectionId>pcx-0abc</vpcPeeringConnectionId></referencedGroupInfo><tagSet/></item>"
        )
    };
    let stale = format!(
        "<DescribeStaleSecurityGroupsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>\
         <staleSecurityGroupSet><item><groupId>{task_sg}</groupId><groupName>held-task-sg</groupName><vpcId>{vpc}</vpcId>\
         <staleIpPermissions><item><fromPort>5432</fromPort><ipProtocol>tcp</ipProtocol><toPort>5432</toPort><groups><item>\
         <groupId>sg-0partnergone</groupId><peeringStatus>deleted</peeringStatus><userId>222222222222</userId>\
         <vpcId>vpc-0peer</vpcId><vpcPeeringConnectionId>pcx-0abc</vpcPeeringConnectionId></item></groups></item>\
         </staleIpPermissions><staleIpPermissionsEgress/></item></staleSecurityGroupSet></DescribeStaleSecurityGroupsResponse>"
    );
    for denied in [false, true] {
        let (_tmp, dir) = copy_mock("holders");
        let rules = dir.join("us-east-1/ec2/DescribeSecurityGroupRules.xml");
        let xml = read(&rules);
        let extra =
            rule("sgr-0partnerlive", 443, "sg-0partnerlive") + &rule("sgr-0partnergone", 5432, "sg-0partnergone");
        let patched = xml.replacen("<securityGroupRuleSet>", &format!("<securityGroupRuleSet>{extra}"), 1);
        assert_ne!(patched, xml);
        std::fs::write(&rules, patched).unwrap();
        let file = "us-east-1/ec2/DescribeStaleSecurityGroups.xml";
        let body = if denied {
            "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>not authorized</Message></Error></Errors>\
             <RequestID>denied</RequestID></Response>"
                .to_string()
        } else {
            stale.clone()
        };
        std::fs::write(dir.join(file), body).unwrap();
        edit_index(&dir, |v| {
            v["responses"].as_array_mut().unwrap().push(serde_json::json!({
                "region": "us-east-1", "service": "ec2", "operation": "DescribeStaleSecurityGroups",
                "params": { "VpcId": vpc }, "status": if denied { 403 } else { 200 }, "file": file
            }));
        });
        let (code, report) = audit_json(&["--replay", dir.to_str().unwrap()]);
        let stale_rules: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == "unused-rule")
            .map(|f| f["resource"]["id"].as_str().unwrap())
            .collect();
        let notes = report["notes"].to_string();
        if denied {
            assert_eq!(code, 2);
            assert!(stale_rules.is_empty(), "{stale_rules:?}");
            for r in ["sgr-0partnerlive", "sgr-0partnergone"] {
                assert!(notes.contains(&format!("rule {r} of {task_sg} references sg-")), "{notes}");
            }
            assert!(notes.contains("cannot be verified"), "{notes}");
        } else {
            assert_eq!(code, 0, "{:#}", report["coverage"]);
            assert_eq!(stale_rules, ["sgr-0partnergone"]);
            let f = report["findings"].as_array().unwrap().iter().find(|f| f["check"] == "unused-rule").unwrap();
            assert!(
                f["message"].as_str().unwrap().contains(
                    "AWS reports the reference to sg-0partnergone stale (peering connection pcx-0abc is deleted)"
                ),
                "{f:#}"
            );
            assert!(!notes.contains("cannot be verified"), "{notes}");
        }
    }
}

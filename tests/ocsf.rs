//! `--format ocsf`: OCSF 1.5.0 Detection Findings, validated against py-ocsf-models' schema (strictly: see
//! tests/tools/ocsf_validate.py) for every recording, with a denied call and suppressions too.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fixed time, so the events' `time` is reproducible.
const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1796601600");

fn ocsf(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["audit", "--format", "ocsf"];
    all.extend_from_slice(args);
    let (code, out, err) = sgaudit_with_env(&all, &[EPOCH]);
    let events = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, events)
}

/// A copy of the tiered recording where rds:DescribeDBClusters is denied.
fn denied_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tiered");
    copy_dir(&root().join("mocks/tiered"), &dir);
    let file = "us-east-1/rds/DescribeDBClusters.xml";
    std::fs::write(
        dir.join(file),
        "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>Sender</Type><Code>AccessDenied</Code>\
         <Message>not authorized to perform: rds:DescribeDBClusters</Message></Error><RequestId>d</RequestId></ErrorResponse>",
    )
    .unwrap();
    let index = dir.join("index.json");
    let mut v: Value = serde_json::from_str(&read(&index)).unwrap();
    for e in v["responses"].as_array_mut().unwrap() {
        if e["file"] == file {
            e["status"] = 403.into();
        }
    }
    std::fs::write(index, v.to_string()).unwrap();
    (tmp, dir)
}

fn suppressions(dir: &Path) -> PathBuf {
    let cfg = dir.join("sgaudit.toml");
    std::fs::write(
        &cfg,
        "[[suppress]]\ncheck = \"exposed-database\"\nresource = \"eni-19dd8b7c46b26a22e\"\n\
         reason = \"host is being decommissioned, TICKET-42\"\nexpires = \"2999-01-01\"\n",
    )
    .unwrap();
    cfg
}

fn events_of<'a>(events: &'a Value, check: &str) -> Vec<&'a Value> {
    events.as_array().unwrap().iter().filter(|e| e["finding_info"]["types"][0] == check).collect()
}

#[test]
fn one_event_per_finding_with_the_report_s_ids() {
    let (code, events) = ocsf(&["--replay", "mocks/tiered"]);
    assert_eq!(code, 1, "the exit code does not depend on the format");
    let (_, report) = audit_json(&["--replay", "mocks/tiered"]);
    let findings = report["findings"].as_array().unwrap();
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), findings.len());
    for (event, finding) in events.iter().zip(findings) {
        assert_eq!(event["finding_info"]["uid"], finding["id"]);
        assert_eq!(event["finding_info"]["types"][0], finding["check"]);
        assert_eq!(event["cloud"]["account"]["uid"], "123456789012");
        assert_eq!(event["metadata"]["version"], "1.5.0");
        assert_eq!(event["status"], "New");
        assert_eq!(event["time"], 1_796_601_600_000i64);
        let sev = finding["severity"].as_str().unwrap();
        let expected = match sev {
            "critical" => 5,
            "high" => 4,
            "medium" => 3,
            "low" => 2,
            _ => 1,
        };
        assert_eq!(event["severity_id"], expected, "{sev}");
        for command in finding["remediation"]["commands"].as_array().unwrap() {
            assert!(event["remediation"]["desc"].as_str().unwrap().contains(command.as_str().unwrap()));
        }
        assert_eq!(event["unmapped"]["rule_ids"], finding["rule_ids"]);
    }
    // An ARN where the ID makes one.
    let db = events.iter().find(|e| e["resources"][0]["type"] == "AWS::RDS::DBInstance").unwrap();
    let uid = db["resources"][0]["uid"].as_str().unwrap();
    assert!(uid.starts_with("arn:aws:rds:us-east-1:123456789012:db:"), "{uid}");
}

#[test]
fn a_failed_call_is_an_event_and_suppressed_findings_say_so() {
    let (tmp, dir) = denied_copy();
    let cfg = suppressions(tmp.path());
    let (code, events) = ocsf(&["--replay", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2, "a gap is exit 2 in every format");
    let gaps = events_of(&events, "coverage-gap");
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    let gap = gaps[0];
    assert_eq!(gap["status_id"], 99);
    assert_eq!(gap["status_code"], "AccessDenied");
    assert_eq!(gap["resources"][0]["uid"], "rds:DescribeDBClusters");
    assert!(gap["finding_info"]["desc"].as_str().unwrap().contains("may be missing"));
    assert!(gap["remediation"]["desc"].as_str().unwrap().contains("rds:DescribeDBClusters"));
    assert!(events.as_array().unwrap().iter().all(|e| e["unmapped"]["report_complete"] == false));

    let suppressed: Vec<&Value> = events.as_array().unwrap().iter().filter(|e| e["status_id"] == 3).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["status"], "Suppressed");
    assert_eq!(suppressed[0]["status_detail"], "host is being decommissioned, TICKET-42 (until 2999-01-01)");
    // A group that only looks unused while a membership source failed is a low-confidence event.
    let unused = events_of(&events, "unused-group");
    assert!(!unused.is_empty());
    assert!(unused.iter().all(|e| e["confidence"] == "Low" && e["severity"] == "Informational"));
}

#[test]
fn every_recording_validates_against_the_ocsf_schema() {
    let python = root().join(".venv/bin/python");
    let validator = std::process::Command::new(&python)
        .args(["-c", "import py_ocsf_models"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !tool(validator, "py-ocsf-models (in .venv)") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for dir in mock_dirs() {
        let out = tmp.path().join(format!("{}.ocsf.json", dir.file_name().unwrap().to_string_lossy()));
        let args = audit_args(&dir);
        let output = format!("ocsf={}", out.display());
        let mut all = vec!["audit", "--replay", dir.to_str().unwrap(), "--output", &output];
        all.extend(args.iter().map(String::as_str));
        let (code, _, err) = sgaudit(&all);
        assert!(code == 0 || code == 1, "{}: {err}", dir.display());
        files.push(out);
    }
    let (_denied_tmp, denied) = denied_copy();
    let cfg = suppressions(tmp.path());
    let out = tmp.path().join("denied.ocsf.json");
    let output = format!("ocsf={}", out.display());
    sgaudit(&["audit", "--replay", denied.to_str().unwrap(), "--config", cfg.to_str().unwrap(), "--output", &output]);
    files.push(out);

    let check = std::process::Command::new(&python)
        .arg(root().join("tests/tools/ocsf_validate.py"))
        .args(&files)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    // The validator can fail: an attribute OCSF does not define is refused.
    let bad = tmp.path().join("bad.ocsf.json");
    let mut events: Value = serde_json::from_str(&read(&files[0])).unwrap();
    events[0]["finding_info"]["rule"] = "not an OCSF attribute".into();
    std::fs::write(&bad, events.to_string()).unwrap();
    let check = std::process::Command::new(&python)
        .arg(root().join("tests/tools/ocsf_validate.py"))
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("finding_info.rule"));
}

#[test]
fn the_tiered_account_in_ocsf() {
    let (_, events) = ocsf(&["--replay", "mocks/tiered"]);
    insta::assert_json_snapshot!("ocsf_tiered", events);
}

//! Output formats, several outputs in one run, atomic writes, baselines and diffs, on the recorded accounts.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

#[test]
fn several_outputs_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n);
    let (code, stdout, stderr) = sgaudit(&[
        "audit",
        "--replay",
        "mocks/tiered",
        "--output",
        &format!("json={}", p("r.json").display()),
        "--output",
        &format!("sarif={}", p("r.sarif").display()),
        "--output",
        &format!("markdown={}", p("r.md").display()),
        "--output",
        p("guessed.sarif").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(json_file(&p("r.json"))["schema"], "sgaudit/report@1");
    assert_eq!(json_file(&p("r.sarif"))["version"], "2.1.0");
    assert_eq!(json_file(&p("guessed.sarif"))["version"], "2.1.0");
    assert!(read(&p("r.md")).starts_with("# sgaudit report"));
    // Only the reports: no temporary files left behind.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 4);
}

#[test]
fn sarif_has_rules_from_the_docs_and_stable_fingerprints() {
    let (_, text, _) = sgaudit(&["audit", "--replay", "mocks/tiered", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), sgaudit::checks::REGISTRY.len());
    for (rule, check) in rules.iter().zip(sgaudit::checks::REGISTRY) {
        assert_eq!(rule["id"], check.id);
        assert_eq!(rule["help"]["markdown"], check.documentation());
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 16);
    let (_, again, _) = sgaudit(&["audit", "--replay", "mocks/tiered", "--format", "sarif"]);
    assert_eq!(text, again, "the same account gives the same SARIF, fingerprints included");
    let ids: std::collections::HashSet<_> =
        results.iter().map(|r| r["partialFingerprints"]["sgauditFindingId/v1"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), results.len());
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema = root().join(".cache/sarif-schema-2.1.0.json");
    let python = root().join(".venv/bin/python");
    let validator = std::process::Command::new(&python)
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !tool(schema.exists() && validator, "the SARIF 2.1.0 schema (in .cache) or jsonschema (in .venv)") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for mock in ["mocks/tiered", "mocks/vprofile"] {
        let out = tmp.path().join("r.sarif");
        sgaudit(&["audit", "--replay", mock, "--output", &format!("sarif={}", out.display())]);
        let check = std::process::Command::new(&python)
            .args(["-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))"])
            .arg(&out)
            .arg(&schema)
            .output()
            .unwrap();
        assert!(check.status.success(), "{mock}: {}", String::from_utf8_lossy(&check.stderr));
    }
}

#[test]
fn baseline_reports_only_new_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base.json");
    sgaudit(&["audit", "--replay", "mocks/tiered", "--output", base.to_str().unwrap()]);
    let (code, report) = audit_json(&["--replay", "mocks/tiered", "--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["baseline"]["known"], 16);

    // Drop the critical findings from the baseline: they are new again, and the exit code follows them.
    let mut b = json_file(&base);
    b["findings"].as_array_mut().unwrap().retain(|f| f["severity"] != "critical");
    std::fs::write(&base, b.to_string()).unwrap();
    let (code, report) = audit_json(&["--replay", "mocks/tiered", "--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 1);
    let (_, full) = audit_json(&["--replay", "mocks/tiered"]);
    let critical: Vec<String> = finding_lines(&full).into_iter().filter(|l| l.contains(" critical ")).collect();
    assert_eq!(critical.len(), 3);
    assert_eq!(finding_lines(&report), critical);

    let (code, _, stderr) = sgaudit(&["audit", "--replay", "mocks/tiered", "--baseline", "mocks/tiered/index.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("mocks/tiered/index.json: line"), "{stderr}");
}

#[test]
fn diff_lists_new_resolved_and_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join("old.json");
    let new = tmp.path().join("new.json");
    sgaudit(&["audit", "--replay", "mocks/tiered", "--output", old.to_str().unwrap()]);
    let mut n = json_file(&old);
    let findings = n["findings"].as_array_mut().unwrap();
    let resolved = findings.remove(0); // the first critical one is fixed
    let pg = findings.iter().position(|f| f["check"] == "exposed-database" && f["resource"]["id"] == "ielts-prod-db");
    findings[pg.unwrap()]["severity"] = "critical".into(); // PostgreSQL became publicly accessible
    std::fs::write(&new, n.to_string()).unwrap();

    let (code, out, _) = sgaudit(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "nothing new");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["new"].as_array().unwrap().len(), 0);
    assert_eq!(d["resolved"][0]["id"], resolved["id"]);
    assert_eq!(d["changed"][0]["old_severity"], "high");
    assert_eq!(d["changed"][0]["new_severity"], "critical");
    assert_eq!(d["unchanged"], 14);

    // Reversed: the fixed finding comes back as new, and it is critical.
    let (code, out, _) = sgaudit(&["diff", new.to_str().unwrap(), old.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.starts_with("1 new, 0 resolved, 1 changed, 14 unchanged"), "{out}");
    assert!(out.contains("+ critical exposed-database network-interface"), "{out}");
    let (_, md, _) = sgaudit(&["diff", new.to_str().unwrap(), old.to_str().unwrap(), "--format", "markdown"]);
    assert!(md.starts_with("# sgaudit diff\n\n1 new, 0 resolved, 1 changed"), "{md}");
    assert!(md.contains("- + critical exposed-database") && md.contains("- ~ critical -> high"), "{md}");
    let (code, _, stderr) = sgaudit(&["diff", old.to_str().unwrap(), "mocks/tiered/README.md"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("README.md: line 1"), "{stderr}");
}

#[test]
fn a_killed_run_leaves_the_previous_report_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    sgaudit(&["audit", "--replay", "mocks/vprofile", "--output", out.to_str().unwrap()]);
    let before = read(&out);

    // An endpoint that accepts connections and never answers: the run hangs until it is killed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sgaudit"))
        .args(["audit", "--endpoint-url", &url, "--region", "us-east-1", "--output", out.to_str().unwrap()])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    drop(listener);
    assert_eq!(read(&out), before);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "no temporary file left");
}

#[test]
fn completions_are_generated() {
    let (code, out, _) = sgaudit(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("sgaudit") && out.contains("--replay"));
}

#[test]
fn every_format_snapshot() {
    for mock in ["tiered", "vprofile"] {
        for format in ["table", "json", "sarif", "markdown"] {
            let (_, text, _) = sgaudit(&["audit", "--replay", &format!("mocks/{mock}"), "--format", format]);
            // The tool version is the only part that changes between releases.
            let text = text.replace(env!("CARGO_PKG_VERSION"), "[version]");
            insta::assert_snapshot!(format!("{mock}_{format}"), text);
        }
    }
}

#[test]
fn stderr_is_quiet_off_a_terminal_and_verbose_shows_each_call_with_its_duration() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r.json");
    let (_, _, stderr) = sgaudit(&["audit", "--replay", "mocks/vprofile", "--output", out.to_str().unwrap()]);
    assert_eq!(stderr.lines().count(), 1, "no progress line when stderr is not a terminal: {stderr}");
    let (_, _, stderr) = sgaudit(&["-v", "audit", "--replay", "mocks/vprofile", "--output", out.to_str().unwrap()]);
    let calls: Vec<&str> = stderr.lines().filter(|l| l.contains("call{") && l.contains("time.busy")).collect();
    assert_eq!(calls.len(), 37, "{stderr}");
    assert!(calls.iter().any(|l| l.contains("operation=\"DescribeSecurityGroupRules\"")));
    let (_, _, debug) = sgaudit(&["-vv", "audit", "--replay", "mocks/vprofile", "--output", out.to_str().unwrap()]);
    assert!(debug.lines().count() > 100, "-vv shows the SDK's own debug output");
    // The replay signs with the key pair REPLAY/REPLAY: neither half may show up, even at -vv.
    assert!(!stderr.contains("REPLAY") && !debug.contains("REPLAY"), "credentials never appear in logs");
    let (_, _, stderr) = sgaudit(&["-q", "audit", "--replay", "mocks/vprofile", "--output", out.to_str().unwrap()]);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_run_killed_while_writing_leaves_the_previous_report_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    sgaudit(&["audit", "--replay", "mocks/vprofile", "--output", out.to_str().unwrap()]);
    let before = read(&out);
    let (_, complete_new, _) = sgaudit(&["audit", "--replay", "mocks/tiered", "--format", "json"]);
    // Kill runs the moment their temporary file appears, that is while they write; try until one is caught.
    let mut caught = 0;
    for _ in 0..300 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sgaudit"))
            .args(["audit", "--replay", "mocks/tiered", "--output", out.to_str().unwrap(), "-q"])
            .current_dir(root())
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap();
        loop {
            let writing = std::fs::read_dir(tmp.path())
                .unwrap()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"));
            if writing {
                child.kill().unwrap();
                child.wait().unwrap();
                caught += 1;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
        }
        let now = read(&out);
        assert!(now == before || now == complete_new, "the report is always whole: old or new, never partial");
        for e in std::fs::read_dir(tmp.path()).unwrap().flatten() {
            if e.file_name().to_string_lossy().ends_with(".tmp") {
                std::fs::remove_file(e.path()).unwrap(); // what a killed run leaves: never the report itself
            }
        }
        if now != before {
            // A run completed: put the old report back and try again.
            std::fs::write(&out, &before).unwrap();
        }
        if caught >= 3 {
            break;
        }
    }
    assert!(caught >= 3, "no run was caught while writing ({caught})");
}

#[test]
fn special_files_are_written_in_place_never_replaced() {
    // An atomic rename over /dev/null would replace the device with a regular file (as root, it can).
    let (code, _, stderr) = sgaudit(&["audit", "--replay", "mocks/vprofile", "--output", "/dev/null"]);
    assert_eq!(code, 1, "{stderr}");
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null is still a device");
    assert!(std::fs::read_dir("/dev").unwrap().flatten().all(|e| !e.file_name().to_string_lossy().ends_with(".tmp")));
}

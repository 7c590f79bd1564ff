//! Suppressions in sgaudit.toml: matching, expiry, warnings, and clear errors for bad files.

mod common;

use common::*;
use sgaudit::suppress::Config;

fn audit_with_config(toml: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("sgaudit.toml");
    std::fs::write(&cfg, toml).unwrap();
    let mut args = vec!["audit", "--format", "json", "--replay", "mocks/tiered", "--config", cfg.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, out, err) = sgaudit(&args);
    (code, serde_json::from_str(&out).unwrap_or(serde_json::Value::Null), err)
}

#[test]
fn a_suppression_marks_the_finding_and_leaves_the_exit_code() {
    let toml = r#"
[[suppress]]
check = "exposed-database"
resource = "eni-19dd8b7c46b26a22e"
reason = "reporting host is being decommissioned, TICKET-42"
expires = "2999-01-01"

[[suppress]]
check = "exposed-database"
region = "us-east-1"
reason = "accepted while the partner VPN is built"

[[suppress]]
check = "internet-path-to-database"
resource = "ielts-prod-db"
reason = "the reporting host moves behind the VPN with TICKET-42"

[[suppress]]
check = "internet-path-to-database"
resource = "eni-ab5392e335ce1113d"
reason = "the ETL worker's database is reached only from the reporting host until TICKET-42"

[[suppress]]
check = "internet-path-to-database"
resource = "eni-914bc781ef02216ef"
reason = "the search node leaves the public load balancer with TICKET-43"
"#;
    let (code, report, _) = audit_with_config(toml, &[]);
    assert_eq!(code, 0, "every high and critical finding is accepted");
    let suppressed: Vec<_> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["suppressed"].is_object()).collect();
    assert_eq!(suppressed.len(), 8);
    assert_eq!(suppressed[0]["suppressed"]["reason"], "reporting host is being decommissioned, TICKET-42");
    assert_eq!(report["summary"]["suppressed"], 8);
    assert_eq!(report["summary"]["findings"], 8);
    assert_eq!(report["warnings"].as_array().unwrap().len(), 0);

    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("c.toml");
    std::fs::write(&cfg, toml).unwrap();
    let (_, sarif, _) =
        sgaudit(&["audit", "--replay", "mocks/tiered", "--format", "sarif", "--config", cfg.to_str().unwrap()]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let accepted = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].as_array().is_some_and(|s| !s.is_empty()))
        .count();
    assert_eq!(accepted, 8);
}

#[test]
fn expired_and_unused_suppressions_are_warnings() {
    let toml = r#"
[[suppress]]
check = "exposed-database"
reason = "old exception"
expires = "2020-01-01"

[[suppress]]
resource = "no-such-resource"
reason = "stale entry"
"#;
    let (code, report, stderr) = audit_with_config(toml, &[]);
    assert_eq!(code, 1, "the expired entry no longer accepts anything");
    let w = report["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 2);
    assert!(w[0].as_str().unwrap().contains("line 2") && w[0].as_str().unwrap().contains("expired on 2020-01-01"));
    assert!(w[1].as_str().unwrap().contains("matched no finding"));
    assert!(stderr.contains("warning: suppression #1"));
}

#[test]
fn suppress_by_group_tag_and_account() {
    let inv_groups = r#"
[[suppress]]
group = "sg-ce65426f74bde94fb"
reason = "legacy bastion kept for the DR drill"

[[suppress]]
account = "999999999999"
reason = "another account"
"#;
    let (_, report, _) = audit_with_config(inv_groups, &[]);
    let by_group =
        report["findings"].as_array().unwrap().iter().find(|f| f["resource"]["id"] == "sg-ce65426f74bde94fb").unwrap();
    assert!(by_group["suppressed"].is_object());
    assert!(report["warnings"][0].as_str().unwrap().contains("#2"));
}

#[test]
fn bad_configuration_names_the_file_and_line() {
    let cases = [
        ("[[suppress]]\ncheck = \"exposed-database\"\n", "sgaudit.toml: line 1, column 1: missing field `reason`"),
        ("[[suppress]]\nreason = \"x\"\n", "sgaudit.toml: line 1: suppression #1: set at least one of"),
        (
            "[[suppress]]\nchek = \"exposed-database\"\nreason = \"x\"\n",
            "sgaudit.toml: line 2, column 1: unknown field `chek`",
        ),
        (
            "[[suppress]]\ncheck = \"no-such-check\"\nreason = \"x\"\n",
            "sgaudit.toml: line 2, column 9: suppression #1: unknown check",
        ),
        (
            "[[suppress]]\ncheck = \"unused-rule\"\nreason = \"x\"\nexpires = \"31/12/2027\"\n",
            "sgaudit.toml: line 4, column 11: suppression #1: expires `31/12/2027` is not a date",
        ),
        (
            "[[suppress]]\ntag = \"team\"\nreason = \"x\"\n",
            "sgaudit.toml: line 2, column 7: suppression #1: tag `team` must be KEY=VALUE",
        ),
        (
            "[[suppress]]\ncheck = \"unused-rule\"\nreason = \"  \"\n",
            "sgaudit.toml: line 3, column 10: suppression #1: `reason` must say why",
        ),
        ("[[suppress]]\ncheck = 7\nreason = \"x\"\n", "sgaudit.toml: line 2, column 9: invalid type"),
    ];
    for (text, want) in cases {
        let err = Config::parse(text, "sgaudit.toml").unwrap_err().to_string();
        assert!(err.starts_with("sgaudit.toml:"), "{err}");
        assert!(err.contains(want), "{text:?}: {err}");
        let (code, _, stderr) = audit_with_config(text, &[]);
        assert_eq!(code, 2);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn init_writes_a_template_that_parses() {
    assert_eq!(Config::parse(sgaudit::suppress::TEMPLATE, "t").unwrap(), Config::default());
    let uncommented: String = sgaudit::suppress::TEMPLATE
        .lines()
        .filter(|l| {
            l.starts_with("# [[suppress]]") || l.get(2..).and_then(|r| r.split_whitespace().nth(1)) == Some("=")
        })
        .map(|l| l[2..].split(" #").next().unwrap().to_string() + "\n")
        .collect();
    let cfg = Config::parse(&uncommented, "t").unwrap();
    assert_eq!(cfg.suppress.len(), 1);

    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sgaudit")).args(args).current_dir(tmp.path()).output().unwrap()
    };
    assert!(run(&["init"]).status.success());
    assert!(tmp.path().join("sgaudit.toml").exists());
    assert_eq!(run(&["init"]).status.code(), Some(2), "refuses to overwrite");
    assert!(run(&["init", "--force"]).status.success());
}

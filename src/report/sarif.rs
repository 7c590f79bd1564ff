//! SARIF 2.1.0: the rule list comes from the check docs, results carry the finding ID as a fingerprint.

use super::Report;
use crate::audit::Severity;
use crate::checks::{Check, REGISTRY};
use serde_json::{json, Value};

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning ranks security results by this number (0.1 to 10).
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn rule(check: &Check) -> Value {
    let name: String = check
        .id
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    json!({
        "id": check.id,
        "name": name,
        "shortDescription": { "text": check.title },
        "fullDescription": { "text": check.section("What it does").unwrap_or_default() },
        "help": { "text": check.documentation(), "markdown": check.documentation() },
        "defaultConfiguration": { "level": level(check.default_severity) },
        "properties": {
            "tags": ["security", "aws", "network"],
            "security-severity": security_severity(check.default_severity),
            "precision": "high"
        }
    })
}

/// Renders the report as a SARIF 2.1.0 log (pretty JSON).
pub fn render_sarif(report: &Report) -> String {
    let account = report.account.as_deref().unwrap_or("unknown-account");
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = REGISTRY.iter().position(|c| c.id == f.check);
            let uri = format!("aws/{account}/{}/{}/{}", f.region, f.resource.kind, f.resource.id);
            let text = format!("{}\n\nFix: {}", f.message, f.remediation.text("\n    "));
            let suppressions: Vec<Value> = f
                .suppressed
                .iter()
                .map(|s| json!({ "kind": "external", "status": "accepted", "justification": s.reason }))
                .collect();
            // An unconfirmed verdict is for review, not a failure.
            let kind = if f.is_unconfirmed() { "review" } else { "fail" };
            let traffic: Vec<&str> =
                f.evidence.iter().map(|e| e.detail.as_str()).filter(|d| d.starts_with("flow logs")).collect();
            let mut result = json!({
                "kind": kind,
                "suppressions": suppressions,
                "ruleId": f.check,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": uri }, "region": { "startLine": 1 } },
                    "logicalLocations": [{
                        "name": f.resource.id,
                        "kind": f.resource.kind.as_str(),
                        "fullyQualifiedName": format!("{account}/{}/{}", f.region, f.resource.id)
                    }]
                }],
                "partialFingerprints": { "sgauditFindingId/v1": f.id },
                "properties": {
                    "severity": f.severity.as_str(),
                    "confidence": if f.is_unconfirmed() { "unconfirmed" } else { "confirmed" },
                    "security-severity": security_severity(f.severity),
                    "region": f.region,
                    "group_ids": f.group_ids,
                    "rule_ids": f.rule_ids,
                    "remediation": f.remediation.commands
                }
            });
            if !traffic.is_empty() {
                result["properties"]["flow_logs"] = json!(traffic);
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .failures()
        .map(|c| {
            json!({
                "level": "error",
                "message": { "text": format!(
                    "{} {} {} failed: {} {} ({})",
                    c.region, c.service, c.operation,
                    c.error_code.as_deref().unwrap_or(""), c.message.as_deref().unwrap_or(""), c.hint.as_deref().unwrap_or("")
                ) },
                "descriptor": { "id": "coverage-gap" }
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "sgaudit",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": REGISTRY.iter().map(|c| rule(c)).collect::<Vec<_>>()
            }},
            "automationDetails": { "id": format!("sgaudit/{account}/") },
            "invocations": [{
                "executionSuccessful": report.complete,
                "toolExecutionNotifications": notifications
            }],
            "results": results,
            "properties": { "account": account, "regions": report.regions, "complete": report.complete }
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    s.push('\n');
    s
}

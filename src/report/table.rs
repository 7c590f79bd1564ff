//! The human report: findings grouped by severity, one line of why each, then coverage gaps and a summary.

use super::Report;
use crate::audit::Severity;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use std::fmt::Write;

/// Renders the report as text tables, `width` columns wide (the terminal's width when `None`).
pub fn render_table(report: &Report, width: Option<u16>) -> String {
    let mut out = String::new();
    let account = report.account.as_deref().unwrap_or("unknown account");
    let _ = writeln!(out, "sgaudit {} — account {account}, regions {}", report.tool.version, report.regions.join(", "));

    if report.active().next().is_none() {
        let _ = writeln!(out, "\nNo findings.");
    }
    for sev in Severity::ALL {
        let findings: Vec<_> = report.active().filter(|f| f.severity == sev).collect();
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({})", sev.as_str().to_uppercase(), findings.len());
        let mut table = new_table(width);
        table.set_header(vec!["Check", "Region", "Resource", "Why", "Fix"]);
        for f in findings {
            let fix = f.remediation.commands.first().cloned().unwrap_or_else(|| f.remediation.summary.clone());
            let more = f.remediation.commands.len().saturating_sub(1);
            let fix = if more > 0 { format!("{fix}\n(+{more} more in JSON)") } else { fix };
            let check = if f.is_unconfirmed() { format!("{} (unconfirmed)", f.check) } else { f.check.clone() };
            table.add_row(vec![
                check,
                f.region.clone(),
                format!("{} {}", f.resource.kind, f.resource.id),
                f.message.clone(),
                fix,
            ]);
        }
        let _ = writeln!(out, "{table}");
    }

    let failures: Vec<_> = report.failures().collect();
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "\nCOVERAGE GAPS ({}): these were not audited; the findings above are a lower bound",
            failures.len()
        );
        let mut table = new_table(width);
        table.set_header(vec!["Region", "Service", "Operation", "Error", "Message", "Hint"]);
        for c in failures {
            table.add_row(vec![
                c.region.clone(),
                c.service.clone(),
                c.operation.clone(),
                c.error_code.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default(),
                c.hint.clone().unwrap_or_default(),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    for f in &report.flow_logs {
        let _ = writeln!(out, "{}", f.summary());
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    if report.summary.suppressed > 0 {
        let _ = writeln!(out, "{} suppressed finding(s) not shown (see the JSON report)", report.summary.suppressed);
    }

    let s = &report.summary;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| format!("{} {}", s.by_severity.get(sev.as_str()).copied().unwrap_or(0), sev))
        .collect();
    let _ = writeln!(
        out,
        "\nSummary: {} finding(s) ({}); {} groups, {} rules, {} interfaces, {} databases/caches; {}",
        s.findings,
        counts.join(", "),
        s.security_groups,
        s.rules,
        s.network_interfaces,
        s.datastores,
        if report.complete {
            "every operation succeeded".to_string()
        } else {
            format!("{} operation(s) FAILED, audit incomplete", s.failed_operations)
        }
    );
    out
}

fn new_table(width: Option<u16>) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = width {
        table.set_width(w);
    }
    table
}

//! Markdown, for tickets and pull-request comments.

use super::Report;
use crate::audit::Severity;
use std::fmt::Write;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

/// The message, and the flow-log evidence when there is some (top peers, ports, first and last seen).
fn with_traffic(f: &crate::audit::Finding) -> String {
    let mut text = f.message.clone();
    for e in f.evidence.iter().filter(|e| e.detail.starts_with("flow logs")) {
        text.push_str("<br>");
        text.push_str(&e.detail);
    }
    text
}

/// The report as Markdown, for a pull request comment or a wiki page.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let account = report.account.as_deref().unwrap_or("unknown account");
    let _ = writeln!(out, "# sgaudit report: account {account}\n");
    let _ = writeln!(out, "Regions: {}. sgaudit {}.\n", report.regions.join(", "), report.tool.version);
    if !report.complete {
        let _ = writeln!(
            out,
            "> **Incomplete audit**: {} operation(s) failed; the findings below are a lower bound.\n",
            s.failed_operations
        );
    }
    let _ = writeln!(out, "| severity | findings |\n|---|---|");
    for sev in Severity::ALL {
        let _ = writeln!(out, "| {sev} | {} |", s.by_severity.get(sev.as_str()).copied().unwrap_or(0));
    }
    for sev in Severity::ALL {
        let findings: Vec<_> = report.active().filter(|f| f.severity == sev).collect();
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {} ({})\n", sev.as_str().to_uppercase(), findings.len());
        let _ = writeln!(out, "| check | region | resource | why | fix |\n|---|---|---|---|---|");
        for f in findings {
            let fix: Vec<String> = f.remediation.commands.iter().map(|c| format!("`{}`", cell(c))).collect();
            let _ = writeln!(
                out,
                "| `{}`{} | {} | {} `{}` | {} | {} |",
                f.check,
                if f.is_unconfirmed() { " (unconfirmed)" } else { "" },
                f.region,
                f.resource.kind,
                cell(&f.resource.id),
                cell(&with_traffic(f)),
                fix.join("<br>")
            );
        }
    }
    let failures: Vec<_> = report.failures().collect();
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "\n## Coverage gaps\n\n| region | service | operation | error | hint |\n|---|---|---|---|---|"
        );
        for c in failures {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                c.region,
                c.service,
                c.operation,
                cell(c.error_code.as_deref().unwrap_or("")),
                cell(c.hint.as_deref().unwrap_or(""))
            );
        }
    }
    for f in &report.flow_logs {
        let _ = writeln!(out, "\n{}", cell(&f.summary()));
    }
    for n in &report.notes {
        let _ = writeln!(out, "\n_Note: {}_", cell(n));
    }
    for w in &report.warnings {
        let _ = writeln!(out, "\n_Warning: {}_", cell(w));
    }
    if s.suppressed > 0 {
        let _ = writeln!(out, "\n_{} suppressed finding(s) not shown._", s.suppressed);
    }
    out
}

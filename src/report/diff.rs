//! Comparing two reports by finding ID: what is new, what was resolved, what changed.

use super::Report;
use crate::audit::{Finding, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What changed between two reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Always [`DIFF_SCHEMA`].
    pub schema: String,
    /// Findings in the new report only.
    pub new: Vec<Finding>,
    /// Findings in the old report only.
    pub resolved: Vec<Finding>,
    /// Findings in both whose severity changed.
    pub changed: Vec<Change>,
    /// How many findings are in both, unchanged.
    pub unchanged: usize,
}

/// A finding present in both reports whose severity or details differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The finding's ID.
    pub id: String,
    /// The check that reports it.
    pub check: String,
    /// The resource it is about.
    pub resource: String,
    /// Its severity in the old report.
    pub old_severity: Severity,
    /// Its severity in the new report.
    pub new_severity: Severity,
    /// What changed: `severity`, `message`, `rules`, `groups`.
    pub fields: Vec<String>,
    /// Its message in the new report.
    pub message: String,
}

/// The JSON schema identifier of a diff.
pub const DIFF_SCHEMA: &str = "sgaudit/diff@1";

fn by_id(report: &Report) -> BTreeMap<String, &Finding> {
    report
        .findings
        .iter()
        .map(|f| {
            let id =
                if f.id.is_empty() { crate::audit::fingerprint(report.account.as_deref(), f) } else { f.id.clone() };
            (id, f)
        })
        .collect()
}

/// Compares two reports by finding ID.
pub fn diff(old: &Report, new: &Report) -> Diff {
    let (a, b) = (by_id(old), by_id(new));
    let mut out =
        Diff { schema: DIFF_SCHEMA.to_string(), new: vec![], resolved: vec![], changed: vec![], unchanged: 0 };
    for (id, f) in &b {
        match a.get(id) {
            None => out.new.push((*f).clone()),
            Some(o) => {
                let mut fields = Vec::new();
                if o.severity != f.severity {
                    fields.push("severity".to_string());
                }
                if o.message != f.message {
                    fields.push("message".to_string());
                }
                if o.rule_ids != f.rule_ids {
                    fields.push("rules".to_string());
                }
                if o.group_ids != f.group_ids {
                    fields.push("groups".to_string());
                }
                if fields.is_empty() {
                    out.unchanged += 1;
                } else {
                    out.changed.push(Change {
                        id: id.clone(),
                        check: f.check.clone(),
                        resource: format!("{} {}", f.resource.kind, f.resource.id),
                        old_severity: o.severity,
                        new_severity: f.severity,
                        fields,
                        message: f.message.clone(),
                    });
                }
            }
        }
    }
    for (id, f) in &a {
        if !b.contains_key(id) {
            out.resolved.push((*f).clone());
        }
    }
    let order = |x: &Finding, y: &Finding| y.severity.cmp(&x.severity).then_with(|| x.check.cmp(&y.check));
    out.new.sort_by(order);
    out.resolved.sort_by(order);
    out
}

impl Diff {
    /// The diff as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a diff serializes");
        s.push('\n');
        s
    }

    /// One line per difference: `+` new, `-` resolved, `~` changed.
    pub fn to_text(&self, markdown: bool) -> String {
        let mut out = String::new();
        if markdown {
            out.push_str("# sgaudit diff\n\n");
        }
        out.push_str(&format!(
            "{} new, {} resolved, {} changed, {} unchanged\n\n",
            self.new.len(),
            self.resolved.len(),
            self.changed.len(),
            self.unchanged
        ));
        let bullet = if markdown { "- " } else { "" };
        for f in &self.new {
            out.push_str(&format!(
                "{bullet}+ {} {} {} {}: {}\n",
                f.severity, f.check, f.resource.kind, f.resource.id, f.message
            ));
        }
        for f in &self.resolved {
            out.push_str(&format!(
                "{bullet}- {} {} {} {}: resolved\n",
                f.severity, f.check, f.resource.kind, f.resource.id
            ));
        }
        for c in &self.changed {
            let sev = if c.old_severity != c.new_severity {
                format!("{} -> {}", c.old_severity, c.new_severity)
            } else {
                c.new_severity.to_string()
            };
            out.push_str(&format!(
                "{bullet}~ {sev} {} {} ({} changed): {}\n",
                c.check,
                c.resource,
                c.fields.join(", "),
                c.message
            ));
        }
        out
    }
}

//! The contract between the engine and a check: what a check is, and the sink it reports into.
//!
//! A check reports what only it knows ([`Body`]: severity, place, message, evidence, fix); the engine stamps
//! what only the engine knows (the check's ID, the finding's fingerprint and account). Suppression is applied
//! after the audit, by the caller. A check's notes for the report (what it could not decide, what it did not
//! read) go through the same sink.

use super::{Confidence, Context, Evidence, Finding, Remediation, Resource, Severity};

/// A check: metadata and a pure function over the indexed inventory.
pub struct Check {
    /// The kebab-case ID that reports, suppressions and `explain` use.
    pub id: &'static str,
    /// One line: what the check reports.
    pub title: &'static str,
    /// The severity of a typical finding; a check may report others.
    pub default_severity: Severity,
    /// Markdown, from the check's doc comment.
    pub doc: &'static str,
    /// The check itself: reads the context, reports to the sink.
    pub run: fn(&Context, &mut Findings),
}

impl Check {
    /// The documentation with the one-space indent of `///` comments removed.
    pub fn documentation(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The text of one `### Section` of the documentation.
    pub fn section(&self, name: &str) -> Option<String> {
        let doc = self.documentation();
        let mut lines = doc.lines().skip_while(|l| l.trim() != format!("### {name}"));
        lines.next()?;
        let body: Vec<&str> = lines.take_while(|l| !l.starts_with("### ")).collect();
        Some(body.join("\n").trim().to_string())
    }
}

/// What a check knows of one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// How bad this finding is.
    pub severity: Severity,
    /// The region of the resource.
    pub region: String,
    /// The resource the finding is about.
    pub resource: Resource,
    /// The security groups involved.
    pub group_ids: Vec<String>,
    /// The security group rules involved (`sgr-…`).
    pub rule_ids: Vec<String>,
    /// One or two sentences: what is wrong.
    pub message: String,
    /// The rules and facts that make the finding true.
    pub evidence: Vec<Evidence>,
    /// How to fix it.
    pub remediation: Remediation,
    /// `Some(Unconfirmed)` when the verdict needed data a failed call did not return.
    pub confidence: Option<Confidence>,
}

/// Where one check reports: its findings and its notes for the report.
pub struct Findings {
    check: &'static str,
    pub(crate) findings: Vec<Finding>,
    pub(crate) notes: Vec<String>,
}

impl Findings {
    pub(crate) fn new(check: &'static Check) -> Findings {
        Findings { check: check.id, findings: Vec::new(), notes: Vec::new() }
    }

    /// Reports one finding. The engine gives it the check's ID, and then its fingerprint and account.
    pub fn report(&mut self, body: Body) {
        let Body { severity, region, resource, group_ids, rule_ids, message, evidence, remediation, confidence } = body;
        self.findings.push(Finding {
            id: String::new(),
            account: None,
            check: self.check.to_string(),
            severity,
            region,
            resource,
            group_ids,
            rule_ids,
            message,
            evidence,
            remediation,
            suppressed: None,
            confidence,
        });
    }

    /// A note for the report: what the check could not decide or did not read.
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }
}

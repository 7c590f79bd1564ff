//! What a check reports.

use crate::model::{Direction, ResourceKind, Rule, SecurityGroup};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is, lowest first, so that `>=` compares with `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a risk on its own.
    Info,
    /// Clutter or a small risk, such as an unused rule or group.
    Low,
    /// A risk that needs another mistake to matter.
    Medium,
    /// A serious risk, such as a database open beyond its tier.
    High,
    /// An exposure to act on now, such as a database the internet can reach.
    Critical,
}

impl Severity {
    /// One step lower (info stays info).
    pub fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }

    /// Every severity, highest first.
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    /// The lower-case name reports and `--fail-on` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no severity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}` (expected critical, high, medium, low or info)")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, UnknownSeverity> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownSeverity(s.to_string()))
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// What kind of resource it is.
    pub kind: ResourceKind,
    /// Its AWS ID (`sg-…`, a database identifier, ...).
    pub id: String,
    /// A human name (group name, engine), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Resource {
    /// A security group as a finding's resource.
    pub fn group(g: &SecurityGroup) -> Resource {
        Resource { kind: ResourceKind::SecurityGroup, id: g.id.clone(), name: Some(g.name.clone()) }
    }
}

/// One rule (or fact) that makes the finding true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The group the rule or fact belongs to.
    pub group_id: String,
    /// The rule (`sgr-…`), when the evidence is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// Whether the rule is ingress or egress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// `tcp/5432`, `all traffic`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<String>,
    /// The rule's peer: a CIDR, a group or a prefix list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Why this piece of evidence matters, in one sentence.
    pub detail: String,
}

impl Evidence {
    /// A fact about a group that no single rule carries (what holds it, a missing half), with why it matters.
    pub fn fact(group_id: &str, detail: String) -> Evidence {
        Evidence { group_id: group_id.to_string(), rule_id: None, direction: None, traffic: None, peer: None, detail }
    }

    /// A rule as evidence, with why it matters.
    pub fn rule(rule: &Rule, detail: String) -> Evidence {
        Evidence {
            group_id: rule.group_id.clone(),
            rule_id: rule.id.clone(),
            direction: Some(rule.direction),
            traffic: Some(rule.traffic()),
            peer: Some(rule.peer.to_string()),
            detail,
        }
    }
}

/// How to fix a finding: a sentence, and the exact AWS CLI commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// One sentence: what to change.
    pub summary: String,
    /// The AWS CLI commands that make the change, in order.
    pub commands: Vec<String>,
}

impl Remediation {
    /// The sentence, then each command on a line of its own after `separator` (`"\n    "` indents them).
    pub fn text(&self, separator: &str) -> String {
        let mut text = self.summary.clone();
        for command in &self.commands {
            text.push_str(separator);
            text.push_str(command);
        }
        text
    }
}

/// One problem found by a check, with its evidence and fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// A stable fingerprint of check, account, region and resource: the same problem gets the same ID on
    /// every run, so runs can be compared. Set by the engine, as are `account` and `check`.
    #[serde(default)]
    pub id: String,
    /// The account of the resource. Set by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The ID of the check that reported it.
    pub check: String,
    /// How bad it is.
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
    /// Set when a suppression in the configuration accepts this finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
    /// `unconfirmed`: a verdict that needed data a failed call did not return (an "unused" group in a region
    /// where a membership source failed). Such findings are info and never count towards `--fail-on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
}

/// How a finding was suppressed, as the reports show it. Set after the audit (`crate::suppress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// Why the finding is accepted, from the suppression.
    pub reason: String,
    /// When the suppression ends (`YYYY-MM-DD`), if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// It holds for the data that was read, but a source that could change it failed.
    Unconfirmed,
}

impl Finding {
    /// Whether a failed call leaves the verdict open.
    pub fn is_unconfirmed(&self) -> bool {
        self.confidence == Some(Confidence::Unconfirmed)
    }
}

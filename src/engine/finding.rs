//! What a check reports.

use crate::model::{Direction, ResourceKind, Rule, SecurityGroup};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
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

    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

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

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}` (expected critical, high, medium, low or info)"))
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub id: String,
    /// A human name (group name, engine), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Resource {
    pub fn group(g: &SecurityGroup) -> Resource {
        Resource { kind: ResourceKind::SecurityGroup, id: g.id.clone(), name: Some(g.name.clone()) }
    }
}

/// One rule (or fact) that makes the finding true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub group_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// `tcp/5432`, `all traffic`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<String>,
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
    pub summary: String,
    pub commands: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// A stable fingerprint of check, account, region and resource: the same problem gets the same ID on
    /// every run, so runs can be compared. Set by the engine, as are `account` and `check`.
    #[serde(default)]
    pub id: String,
    /// The account of the resource. Set by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub check: String,
    pub severity: Severity,
    pub region: String,
    pub resource: Resource,
    pub group_ids: Vec<String>,
    pub rule_ids: Vec<String>,
    pub message: String,
    pub evidence: Vec<Evidence>,
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
    pub reason: String,
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
    pub fn is_unconfirmed(&self) -> bool {
        self.confidence == Some(Confidence::Unconfirmed)
    }
}

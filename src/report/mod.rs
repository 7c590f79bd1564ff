//! The report: what was audited, what could not be, and what was found. Renderers are pure functions from
//! a [`Report`] to text.

mod arn;
mod asff;
pub mod diff;
mod flowlogs;
mod graph;
mod html;
mod layout;
mod markdown;
mod ocsf;
mod reach;
mod sarif;
mod shards;
mod svg;
mod table;
mod view;

pub use asff::{asff_findings, AsffFinding, AsffResource, GENERATOR_PREFIX};
pub use flowlogs::{FlowLogs, Rejected, Uncovered};
pub use graph::{render_graph, GraphFormat};
pub use html::{render_diff_html, render_html};
pub use markdown::render_markdown;
pub use ocsf::{render_ocsf, OCSF_VERSION};
pub use reach::{render_reach_json, render_reach_text, view as reach_view, ReachView, REACH_SCHEMA};
pub use sarif::render_sarif;
pub use shards::{merge_reports, BadShard, MergeError, Shard};

/// Why a JSON report cannot be read back (for `diff`, `merge` and `--baseline`); the caller names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not a report's shape.
    #[error("line {line} column {column}: {message}")]
    Json {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What the JSON reader said.
        message: String,
    },
    /// A report of another schema version.
    #[error("schema is `{found}`, expected `{SCHEMA}`")]
    Schema {
        /// The schema the file names.
        found: String,
    },
}
pub use svg::render_svg;
pub use table::render_table;
pub use view::{GraphView, Highlight, NodeKind, ViewEdge, ViewNode, COLLAPSE_ABOVE, EXPAND_AT_MOST, EXPAND_VPCS, KEEP};

use crate::audit::{Audit, Finding, Severity};
use crate::model::{Coverage, CoverageStatus, Inventory};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The JSON schema identifier. Bump the number on any incompatible change (docs/report-schema.md).
pub const SCHEMA: &str = "sgaudit/report@1";

/// The result of an audit, as every output format renders it (docs/report-schema.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The account, when the report covers exactly one.
    pub account: Option<String>,
    /// Every account the report covers.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// The regions audited.
    pub regions: Vec<String>,
    /// False when any operation failed: the findings are then a lower bound.
    pub complete: bool,
    /// The outcome of every call: a failed one is a gap in the findings.
    pub coverage: Vec<Coverage>,
    /// Checks or parts of checks that could not run, and why.
    pub notes: Vec<String>,
    /// Configuration problems that did not stop the audit: suppressions that expired or matched nothing.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The findings, in report order.
    pub findings: Vec<Finding>,
    /// Counts and the exit code.
    pub summary: Summary,
    /// Set with `--baseline`: findings already in the baseline report are left out of `findings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Set with `--shard K/N`: the shards of the organisation this report covers (several once merged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<Shard>,
    /// Set with `--flow-logs`: per account, what the flow logs read show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_logs: Vec<FlowLogs>,
}

/// The baseline a report was compared with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    /// The baseline report's file.
    pub file: String,
    /// Findings left out because the baseline has them.
    pub known: usize,
}

/// Splits findings into those not in `baseline` (kept) and the number that are.
pub fn without_baseline(findings: Vec<Finding>, baseline: &Report) -> (Vec<Finding>, usize) {
    let known: std::collections::HashSet<String> = baseline
        .findings
        .iter()
        .map(|f| if f.id.is_empty() { crate::audit::fingerprint(baseline.account.as_deref(), f) } else { f.id.clone() })
        .collect();
    let before = findings.len();
    let kept: Vec<Finding> = findings.into_iter().filter(|f| !known.contains(&f.id)).collect();
    let n = before - kept.len();
    (kept, n)
}

/// The tool that wrote a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    /// `sgaudit`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// A report's counts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Findings, the suppressed left out.
    pub findings: usize,
    /// Findings by severity.
    pub by_severity: BTreeMap<String, usize>,
    /// Findings by check.
    pub by_check: BTreeMap<String, usize>,
    /// Security groups audited.
    pub security_groups: usize,
    /// Rules audited.
    pub rules: usize,
    /// Network interfaces read.
    pub network_interfaces: usize,
    /// Databases and caches read.
    pub datastores: usize,
    /// Calls that failed.
    pub failed_operations: usize,
    /// Findings accepted by a suppression: listed, marked, and left out of the counts above.
    #[serde(default)]
    pub suppressed: usize,
    /// Findings whose verdict a failed call leaves open (info; never counted for `--fail-on`).
    #[serde(default)]
    pub unconfirmed: usize,
    /// The lowest severity that makes the exit code 1.
    pub fail_on: Severity,
    /// The exit code `sgaudit audit` returns for this report.
    pub exit_code: u8,
}

/// Exit codes, as documented in the README.
pub mod exit {
    /// No finding at or above `--fail-on`, and every call succeeded.
    pub const CLEAN: u8 = 0;
    /// A finding at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// A call failed: the findings are a lower bound (wins over 1).
    pub const INCOMPLETE: u8 = 2;
}

/// Counts and the exit code; `counts` is groups, rules, interfaces, datastores.
fn summarize(findings: &[Finding], coverage: &[Coverage], counts: [usize; 4], fail_on: Severity) -> Summary {
    let active: Vec<&Finding> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let mut by_severity = BTreeMap::new();
    for sev in Severity::ALL {
        by_severity.insert(sev.as_str().to_string(), active.iter().filter(|f| f.severity == sev).count());
    }
    let mut by_check = BTreeMap::new();
    for check in crate::checks::REGISTRY {
        by_check.insert(check.id.to_string(), active.iter().filter(|f| f.check == check.id).count());
    }
    let failed = coverage.iter().filter(|c| c.status == CoverageStatus::Failed).count();
    let exit_code = if failed > 0 {
        exit::INCOMPLETE
    } else if active.iter().any(|f| !f.is_unconfirmed() && f.severity >= fail_on) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    };
    let [security_groups, rules, network_interfaces, datastores] = counts;
    Summary {
        findings: active.len(),
        suppressed: findings.len() - active.len(),
        unconfirmed: active.iter().filter(|f| f.is_unconfirmed()).count(),
        by_severity,
        by_check,
        security_groups,
        rules,
        network_interfaces,
        datastores,
        failed_operations: failed,
        fail_on,
        exit_code,
    }
}

impl Report {
    /// The report of one audit of `inventory`: its findings (suppressions marked, baseline applied, as the
    /// caller chose), the coverage of the collection, and the notes of the collection and of the checks.
    pub fn new(inventory: &Inventory, audit: Audit, fail_on: Severity) -> Report {
        let findings = audit.findings;
        let mut notes = Vec::new();
        for region in &inventory.regions {
            // `service:Operation`, as IAM names them: ECS and EKS both have a ListClusters.
            let gaps: Vec<String> = inventory
                .coverage
                .iter()
                .filter(|c| &c.region == region && crate::engine::membership_source(c).is_some())
                .map(|c| format!("{}:{}", c.service, c.operation))
                .collect();
            if !gaps.is_empty() {
                notes.push(format!(
                    "{region}: {} failed, so group membership is not fully known there: unused-group and stale \
                     unused-rule findings in {region} are unconfirmed (info, never counted for --fail-on)",
                    gaps.join(", ")
                ));
            }
        }
        notes.extend(inventory.notes.iter().cloned());
        notes.extend(audit.notes);
        let counts =
            [inventory.groups.len(), inventory.rules.len(), inventory.interfaces.len(), inventory.datastores.len()];
        Report {
            schema: SCHEMA.to_string(),
            tool: Tool { name: "sgaudit".to_string(), version: env!("CARGO_PKG_VERSION").to_string() },
            account: inventory.account.clone(),
            accounts: inventory.account.iter().cloned().collect(),
            regions: inventory.regions.clone(),
            complete: inventory.is_complete(),
            coverage: inventory.coverage.clone(),
            notes,
            warnings: Vec::new(),
            summary: summarize(&findings, &inventory.coverage, counts, fail_on),
            findings,
            baseline: None,
            shards: Vec::new(),
            flow_logs: Vec::new(),
        }
    }

    /// One report for several accounts: findings, coverage, notes and warnings of every part, summed up.
    pub fn merge(parts: Vec<Report>, fail_on: Severity) -> Report {
        let several = parts.len() > 1;
        let mut accounts: Vec<String> = parts.iter().flat_map(|p| p.accounts.iter().cloned()).collect();
        accounts.sort();
        accounts.dedup();
        let mut regions: Vec<String> = parts.iter().flat_map(|p| p.regions.iter().cloned()).collect();
        regions.sort();
        regions.dedup();
        let mut counts = [0usize; 4];
        let (mut findings, mut coverage, mut notes, mut warnings) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut shards: Vec<Shard> = parts.iter().flat_map(|p| p.shards.iter().copied()).collect();
        shards.sort();
        shards.dedup();
        let mut flow_logs = Vec::new();
        for p in parts {
            flow_logs.extend(p.flow_logs);
            let s = &p.summary;
            for (c, n) in counts.iter_mut().zip([s.security_groups, s.rules, s.network_interfaces, s.datastores]) {
                *c += n;
            }
            let prefix = match (&p.account, several) {
                (Some(a), true) => format!("account {a}: "),
                _ => String::new(),
            };
            notes.extend(p.notes.into_iter().map(|n| format!("{prefix}{n}")));
            warnings.extend(p.warnings.into_iter().map(|w| format!("{prefix}{w}")));
            findings.extend(p.findings);
            coverage.extend(p.coverage);
        }
        crate::audit::sort(&mut findings);
        Report {
            schema: SCHEMA.to_string(),
            tool: Tool { name: "sgaudit".to_string(), version: env!("CARGO_PKG_VERSION").to_string() },
            account: if accounts.len() == 1 { accounts.first().cloned() } else { None },
            accounts,
            regions,
            complete: coverage.iter().all(|c| c.status == CoverageStatus::Ok),
            notes,
            warnings,
            summary: summarize(&findings, &coverage, counts, fail_on),
            coverage,
            findings,
            baseline: None,
            shards,
            flow_logs,
        }
    }

    /// Reads a JSON report written by `sgaudit audit`; the error names the place.
    pub fn from_json(text: &str) -> Result<Report, ReadError> {
        let report: Report = serde_json::from_str(text).map_err(|e| ReadError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if report.schema != SCHEMA {
            return Err(ReadError::Schema { found: report.schema });
        }
        Ok(report)
    }

    /// Findings no suppression accepts.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    /// The calls that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Coverage> {
        self.coverage.iter().filter(|c| c.status == CoverageStatus::Failed)
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a report always serializes");
        s.push('\n');
        s
    }
}

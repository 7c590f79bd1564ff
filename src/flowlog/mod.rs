//! Flow-log evidence: which rules carried accepted traffic in a time window, and which interfaces the logs
//! cover. Pure: the collector reads the objects, files or log events and feeds their lines here
//! ([`TextFeed`]); the checks `no-traffic-rule` and `broad-rule-narrow-use` read the [`Evidence`].
//!
//! A rule is called unused by traffic only where the logs prove it: every member interface of its group logged
//! for the whole window (a flow log on the interface, its subnet or its VPC, that records accepted traffic,
//! existed before the window started, was read without error, and has records spanning the window with no
//! SKIPDATA), and the group's VPC logged as a whole, so that members that came and went during the window
//! were logged too. Anything less is a note that names the gap, never a verdict.

mod format;
mod insights;
mod matching;
mod narrow;
mod record;
mod scan;
mod tally;
mod usage;
mod window;

pub use format::{Field, Format, FormatError, DEFAULT_FIELDS};
pub use insights::{Aggregate, ROWS};
pub use matching::is_broad;
pub use narrow::covering;
pub use record::{Action, Direction, LineError, LogStatus, Record};
pub use tally::{Tally, BROAD_SOURCES};
pub use usage::{Counts, Hint, RuleUse, Seen};
pub use window::{date, minute, parse_date, rfc3339, BadDate, Window, SLACK};

use crate::model::{FlowLog, Inventory, NetworkInterface, Rule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Malformed lines quoted in the report, per source.
const MALFORMED_QUOTED: usize = 10;

/// One source read: a flow log's destination, or a file or object given on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Read {
    /// The flow log ID, or the path or `s3://` URL given.
    pub source: String,
    /// Where it was read from: `s3://bucket/prefix`, a log group, a path.
    pub destination: String,
    /// The record format used (of the last object when headers differ).
    pub format: String,
    /// Files, objects or log streams read.
    pub objects: u64,
    /// Bytes read (compressed, as stored).
    pub bytes: u64,
    /// Records read.
    pub records: u64,
    /// Lines that are not records of their format.
    pub malformed: u64,
    /// The first malformed lines: `file:line: what is wrong`.
    pub malformed_lines: Vec<String>,
    /// Why the source could not be read (in full), if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How the logs were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Every flow log DescribeFlowLogs lists, read at its destination.
    #[default]
    Auto,
    /// Files or objects named on the command line: taken to be the whole output of the account's flow logs
    /// for the window.
    Given,
}

/// What the flow logs show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The window read.
    pub window: Window,
    /// Counts over every record.
    pub counts: Counts,
    uses: Vec<Option<RuleUse>>,
    seen: BTreeMap<String, Seen>,
    /// Interfaces with accepted records that the inventory does not hold (deleted since, or another
    /// account's), with their record counts; the first 50.
    pub unknown_interfaces: BTreeMap<String, u64>,
    /// Rejected attempts from public addresses: interface, protocol, port, records; most first.
    pub rejected: Vec<(String, u8, u16, u64)>,
    /// The sources read.
    pub reads: Vec<Read>,
    /// How the sources were found.
    pub origin: Origin,
}

impl Evidence {
    /// The accepted traffic a rule of `inv` could have admitted; `None` when none.
    pub fn use_of(&self, inv: &Inventory, rule: &Rule) -> Option<&RuleUse> {
        let size = std::mem::size_of::<Rule>().max(1);
        let offset = (rule as *const Rule as usize).wrapping_sub(inv.rules.as_ptr() as usize) / size;
        let i = inv.rules.get(offset).filter(|r| std::ptr::eq(*r, rule)).map(|_| offset).or_else(|| {
            // Not an element of `inv.rules` (a copy): find it by value.
            inv.rules.iter().position(|r| r == rule)
        })?;
        self.uses.get(i)?.as_ref()
    }

    /// What the records of an interface show, if any were read.
    pub fn seen(&self, interface: &str) -> Option<&Seen> {
        self.seen.get(interface)
    }

    /// Why an interface was not logged for the whole window; `None` when it was.
    pub fn interface_gap(&self, inv: &Inventory, eni: &NetworkInterface) -> Option<String> {
        let scopes = [Some(eni.id.as_str()), eni.subnet_id.as_deref(), eni.vpc_id.as_deref()];
        let logs: Vec<&FlowLog> = inv
            .flow_logs
            .iter()
            .filter(|f| f.region == eni.region && scopes.contains(&Some(f.resource_id.as_str())))
            .collect();
        if let Err(why) = self.whole(&logs) {
            return Some(format!("{} was not logged ({why})", eni.id));
        }
        let Some(seen) = self.seen.get(&eni.id) else {
            return Some(format!("{} was not logged (no record of it in the logs read)", eni.id));
        };
        if let Some(at) = seen.skipped {
            return Some(format!("{} has a hole in its log (SKIPDATA from {})", eni.id, minute(at)));
        }
        if seen.first > self.window.start + SLACK || seen.last < self.window.end - SLACK {
            return Some(format!(
                "{} was logged only from {} to {} (its records do not span the window)",
                eni.id,
                minute(seen.first),
                minute(seen.last)
            ));
        }
        None
    }

    /// Why a VPC was not logged as a whole for the window (a flow log on the VPC, or on each of its subnets);
    /// `None` when it was.
    pub fn vpc_gap(&self, inv: &Inventory, region: &str, vpc: &str) -> Option<String> {
        let on = |id: &str| -> Vec<&FlowLog> {
            inv.flow_logs.iter().filter(|f| f.region == region && f.resource_id == id).collect()
        };
        let own = self.whole(&on(vpc));
        if own.is_ok() {
            return None;
        }
        let subnets: Vec<&str> = inv
            .subnets
            .iter()
            .filter(|s| s.region == region && s.vpc_id.as_deref() == Some(vpc))
            .map(|s| s.id.as_str())
            .collect();
        if !subnets.is_empty() && subnets.iter().all(|s| self.whole(&on(s)).is_ok()) {
            return None;
        }
        Some(format!(
            "{vpc} was not logged as a whole ({}), so members that left the group during the window were not \
             logged",
            own.err().unwrap_or_default()
        ))
    }

    /// Whether one of these flow logs logged accepted traffic for the whole window and was read; else why
    /// not (for the closest one).
    fn whole(&self, logs: &[&FlowLog]) -> Result<(), String> {
        // A given file that failed leaves every flow log in doubt: it may have held any of them.
        if let Some(r) = self.reads.iter().find(|r| r.error.is_some() && self.origin == Origin::Given) {
            return Err(format!("reading {} failed", r.source));
        }
        let mut why = "no flow log on it, its subnet or its VPC".to_string();
        for f in logs {
            let failed = self.reads.iter().find(|r| r.source == f.id && r.error.is_some());
            let read = self.origin == Origin::Given || self.reads.iter().any(|r| r.source == f.id && r.error.is_none());
            why = if !f.logs_accepted() {
                format!("{} records {} traffic only", f.id, f.traffic_type)
            } else if !f.is_active() {
                format!("{} is {}", f.id, f.status.as_deref().unwrap_or("inactive"))
            } else if let Some(created) = f.created.filter(|c| *c > self.window.start) {
                format!("{} was created {}, after the window's start", f.id, minute(created))
            } else if f.created.is_none() {
                format!("{}'s creation time is unknown", f.id)
            } else if let Some(r) = failed {
                format!("reading {} failed: {}", f.id, r.error.as_deref().unwrap_or_default())
            } else if !read && f.destination_type == "kinesis-data-firehose" {
                format!("{} delivers to Kinesis Data Firehose, which cannot be read back", f.id)
            } else if !read && f.destination_type == "cloud-watch-logs" && self.origin == Origin::Auto {
                format!(
                    "{} delivers to CloudWatch Logs, which this build of sgaudit does not read (build it with \
                     `--features cloudwatch-logs`, or give the log group's export)",
                    f.id
                )
            } else if !read {
                format!("{} was not read", f.id)
            } else {
                return Ok(());
            };
        }
        Err(why)
    }

    /// Whether some source failed to read.
    pub fn failed(&self) -> bool {
        self.reads.iter().any(|r| r.error.is_some())
    }
}

/// Reads the lines of one text object or file into a tally: a header line sets the format, a malformed
/// line is counted and its place kept.
pub struct TextFeed<'h> {
    format: Format,
    name: String,
    line: u64,
    hint: Hint<'h>,
    /// What was read, for the report.
    pub read: Read,
}

impl<'h> TextFeed<'h> {
    /// A feed for the object or file `name`, read with `format` unless its first line is a header.
    pub fn new(name: &str, format: Format, hint: Hint<'h>, mut read: Read) -> TextFeed<'h> {
        read.format.clear();
        TextFeed { format, name: name.to_string(), line: 0, hint, read }
    }

    /// Starts the next object or file of the same source.
    pub fn next_object(&mut self, name: &str) {
        self.name = name.to_string();
        self.line = 0;
        self.read.objects += 1;
    }

    /// Reads one line (without its line ending).
    pub fn line(&mut self, text: &str, tally: &mut Tally) {
        self.line_n(text, 1, tally);
    }

    /// Reads one line of bytes (without its line ending): in one pass when it is a record as AWS writes it,
    /// else as [`TextFeed::line`] reads text (a line that is not UTF-8 is read lossily, so it fails as a
    /// malformed record rather than stop the file).
    pub fn line_bytes(&mut self, bytes: &[u8], tally: &mut Tally) {
        // Past the first line, which may be a header, and once the report names the format.
        if self.line > 0 && !self.read.format.is_empty() {
            if let Some(r) = self.format.record_bytes(bytes) {
                self.line += 1;
                self.read.records += 1;
                tally.add(&r, self.hint);
                return;
            }
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.line(text, tally),
            Err(_) => self.line(&String::from_utf8_lossy(bytes), tally),
        }
    }

    /// Reads one line that stands for `n` records (a Logs Insights aggregate row, written in its format).
    pub fn line_n(&mut self, text: &str, n: u64, tally: &mut Tally) {
        self.line += 1;
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            return;
        }
        if self.line == 1 {
            if let Some(f) = Format::from_header(text) {
                self.read.format = f.to_string();
                self.format = f;
                return;
            }
        }
        if self.read.format.is_empty() {
            self.read.format = self.format.to_string();
        }
        match self.format.record(text) {
            Ok(r) => {
                self.read.records += n;
                tally.add_n(&r, self.hint, n);
            }
            Err(e) => {
                self.read.malformed += 1;
                tally.malformed();
                if self.read.malformed_lines.len() < MALFORMED_QUOTED {
                    self.read.malformed_lines.push(format!("{}:{}: {e}", self.name, self.line));
                }
            }
        }
    }
}

impl Evidence {
    /// Builds evidence from a finished tally, the sources read and how they were found.
    pub fn new(tally: Tally, reads: Vec<Read>, origin: Origin) -> Evidence {
        let parts = tally.into_parts();
        Evidence {
            window: parts.window,
            counts: parts.counts,
            uses: parts.uses,
            seen: parts.seen,
            unknown_interfaces: parts.unknown,
            rejected: parts.rejected,
            reads,
            origin,
        }
    }
}

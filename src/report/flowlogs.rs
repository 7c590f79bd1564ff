//! The report's `flow_logs` section: what was read, and which interfaces the logs cover.

use crate::flowlog::{minute, Counts, Evidence, Origin, Read};
use crate::model::Inventory;
use serde::{Deserialize, Serialize};

/// Interfaces not covered, listed by name; the rest are counted.
const UNCOVERED_LISTED: usize = 100;
/// Rejected attempts listed.
const REJECTED_LISTED: usize = 20;

/// One account's flow-log evidence, as the report shows it (docs/report-schema.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FlowLogs {
    /// The account.
    pub account: Option<String>,
    /// The window's start, `2026-11-07 00:00Z`.
    pub since: String,
    /// The window's end.
    pub until: String,
    /// `auto` (DescribeFlowLogs, read at their destinations) or `given` (files named on the command line).
    pub origin: String,
    /// The sources read.
    pub reads: Vec<Read>,
    /// Counts over every record.
    pub counts: Counts,
    /// Member interfaces logged for the whole window.
    pub interfaces_covered: usize,
    /// Interfaces not logged for the whole window, with why; the first 100.
    pub interfaces_not_covered: Vec<Uncovered>,
    /// How many interfaces are not covered in all.
    pub interfaces_not_covered_total: usize,
    /// Interfaces with accepted records that the inventory does not hold, with their record counts.
    pub unknown_interfaces: std::collections::BTreeMap<String, u64>,
    /// Rejected attempts from public addresses, most first: the first 20.
    pub rejected: Vec<Rejected>,
}

/// An interface not logged for the whole window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Uncovered {
    /// The interface.
    pub interface: String,
    /// Why.
    pub reason: String,
}

/// Rejected attempts on one port of one interface.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Rejected {
    /// The interface.
    pub interface: String,
    /// The IANA protocol number.
    pub protocol: u8,
    /// The port.
    pub port: u16,
    /// REJECT records from public addresses.
    pub records: u64,
}

impl FlowLogs {
    /// The section for one account's evidence.
    pub fn new(inv: &Inventory, ev: &Evidence) -> FlowLogs {
        let mut covered = 0;
        let mut uncovered = Vec::new();
        // Interfaces that carry a group: the ones whose rules the logs judge.
        for eni in inv.interfaces.iter().filter(|e| !e.group_ids.is_empty()) {
            match ev.interface_gap(inv, eni) {
                None => covered += 1,
                Some(reason) => uncovered.push(Uncovered { interface: eni.id.clone(), reason }),
            }
        }
        let total = uncovered.len();
        uncovered.truncate(UNCOVERED_LISTED);
        FlowLogs {
            account: inv.account.clone(),
            since: minute(ev.window.start),
            until: minute(ev.window.end),
            origin: match ev.origin {
                Origin::Auto => "auto",
                Origin::Given => "given",
            }
            .to_string(),
            reads: ev.reads.clone(),
            counts: ev.counts,
            interfaces_covered: covered,
            interfaces_not_covered: uncovered,
            interfaces_not_covered_total: total,
            unknown_interfaces: ev.unknown_interfaces.clone(),
            rejected: ev
                .rejected
                .iter()
                .take(REJECTED_LISTED)
                .map(|(interface, protocol, port, records)| Rejected {
                    interface: interface.clone(),
                    protocol: *protocol,
                    port: *port,
                    records: *records,
                })
                .collect(),
        }
    }

    /// One line for the table and Markdown reports.
    pub fn summary(&self) -> String {
        let failed = self.reads.iter().filter(|r| r.error.is_some()).count();
        format!(
            "flow logs {} → {}: {} source(s) read{}, {} records ({} accepted, {} rejected, {} malformed); {} \
             interface(s) logged for the whole window, {} not",
            self.since,
            self.until,
            self.reads.len(),
            if failed > 0 { format!(" ({failed} failed)") } else { String::new() },
            self.counts.records,
            self.counts.accepted,
            self.counts.rejected,
            self.counts.malformed,
            self.interfaces_covered,
            self.interfaces_not_covered_total
        )
    }
}

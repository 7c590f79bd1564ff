//! What a tally reports: each rule's accepted traffic, each interface's logged span, the counts, and what a
//! record's source says about where it came from.

use crate::model::Inventory;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What the accepted traffic a rule admitted looked like.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleUse {
    /// Accepted records it could have admitted.
    pub records: u64,
    /// Their packets.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// The first record's start (Unix seconds; 0 when the format has no times).
    pub first: i64,
    /// The last record's end.
    pub last: i64,
    /// The peers seen (sources for ingress, destinations for egress) with their record counts: complete unless
    /// `more_peers`.
    pub peers: BTreeMap<IpAddr, u64>,
    /// More distinct peers than were kept.
    pub more_peers: bool,
    /// The ports seen on the interface's side (ingress) or the peer's (egress), with record counts, at most 8.
    pub ports: BTreeMap<u16, u64>,
}

/// What the records of one interface show about its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The first record's start.
    pub first: i64,
    /// The last record's end.
    pub last: i64,
    /// The start of the first SKIPDATA record, if any.
    pub skipped: Option<i64>,
}

/// Counts over every record read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Records read (lines that are records).
    pub records: u64,
    /// ACCEPT records in the window.
    pub accepted: u64,
    /// REJECT records in the window.
    pub rejected: u64,
    /// NODATA records.
    pub nodata: u64,
    /// SKIPDATA records.
    pub skipdata: u64,
    /// Records outside the window.
    pub outside_window: u64,
    /// Accepted records on interfaces sgaudit does not know.
    pub unknown_interface: u64,
    /// Lines that are not records of their format.
    pub malformed: u64,
}

/// Where a record came from, as far as its source says (a flow log on a VPC names the VPC).
#[derive(Debug, Clone, Copy, Default)]
pub struct Hint<'a> {
    /// The region of the flow log.
    pub region: Option<&'a str>,
    /// The VPC the flow log is on, when it is on one (or on one of its subnets or interfaces).
    pub vpc: Option<&'a str>,
}

impl<'a> Hint<'a> {
    /// What a flow log's records share: its region, and the VPC of what it is on.
    pub fn of(inv: &'a Inventory, fl: &'a crate::model::FlowLog) -> Hint<'a> {
        let id = fl.resource_id.as_str();
        let vpc = if id.starts_with("vpc-") {
            Some(id)
        } else if id.starts_with("subnet-") {
            inv.subnets.iter().find(|s| s.id == id).and_then(|s| s.vpc_id.as_deref())
        } else if id.starts_with("eni-") {
            inv.interfaces.iter().find(|e| e.id == id).and_then(|e| e.vpc_id.as_deref())
        } else {
            None
        };
        Hint { region: Some(fl.region.as_str()), vpc }
    }
}

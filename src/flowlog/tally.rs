//! Attribution: which rules could have admitted each accepted record, and which interfaces the logs cover.
//!
//! The principle is that a false "used" is acceptable and a false "no traffic" is not. So wherever a record
//! can be read two ways, it counts for the rules of both:
//! - *Which side is the interface.* `flow-direction` says so; without it, the interface's own addresses do;
//!   when neither does (an address sgaudit does not know), both sides are tried.
//! - *Request or reply.* Security groups are stateful: a reply needs no rule, so the packets of a reply say
//!   which rule admitted the *request*, in the other direction and on the other port. TCP flags tell them apart
//!   (SYN without SYN-ACK is a request, SYN-ACK a reply); anything else is tried both ways.
//! - *Which address is the peer.* `pkt-srcaddr` and `pkt-dstaddr` (the original addresses behind a NAT or a
//!   load balancer) and `srcaddr` and `dstaddr` are both tried when they differ.
//! - *A referenced group.* Its members change during the window (scale-out, replaced tasks), so a group peer
//!   admits any address in the VPCs its group lives in, not only today's members' addresses.
//! - *An interface sgaudit does not know* (deleted since, or another account's): its record counts for every
//!   rule of every group of its VPC (of every VPC, when the record does not name one).

use super::matching::{admits, everything, is_broad, readings, Matcher};
use super::record::{Action, Direction, LogStatus, Record};
use super::usage::{Counts, Hint, RuleUse, Seen};
use super::window::Window;
use crate::model::{Inventory, Peer, PortRange, PrefixList, Protocol};
use ipnet::IpNet;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Distinct peers kept per rule: for the narrowing check on broad rules, and for the evidence on others.
pub const BROAD_SOURCES: usize = 256;
const OTHER_SOURCES: usize = 8;
/// Unknown interfaces listed by name in the report.
const UNKNOWN_LISTED: usize = 50;

/// The rules one orientation and reading of a record asks about: ingress or egress rules, on which port.
#[derive(Clone, Copy)]
struct Ask {
    ingress: bool,
    port: Option<u16>,
}

/// A rule that could have admitted a record: its index, the port and the peer it would have admitted.
type Match = (u32, Option<u16>, Option<IpAddr>);

/// An interface ID held inline with its length (AWS's are 12 or 21 bytes), so that finding an interface by the
/// ID a record names reads no memory but the table's.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Inline([u8; 23], u8);

impl Inline {
    fn of(id: &str) -> Option<Inline> {
        let mut bytes = [0u8; 23];
        bytes.get_mut(..id.len())?.copy_from_slice(id.as_bytes());
        Some(Inline(bytes, id.len() as u8))
    }
}

/// A range of one of the tally's arenas.
type Span = (u32, u32);

fn span<T>(arena: &[T], (from, to): Span) -> &[T] {
    &arena[from as usize..to as usize]
}

/// What attribution reads of one interface, as ranges of the tally's arenas: the rules of its groups
/// (ingress, egress), its addresses, and the private ones among them (the first).
#[derive(Clone, Copy)]
struct Iface {
    ingress: Span,
    egress: Span,
    addrs: Span,
    private: Span,
}

/// Appends the rules of `groups` to `out`: their ingress rules, or their egress rules.
fn rules_of_groups<'g>(
    rules_of: &HashMap<&str, (Vec<u32>, Vec<u32>)>,
    groups: impl IntoIterator<Item = &'g str>,
    ingress: bool,
    out: &mut Vec<u32>,
) {
    for g in groups {
        if let Some((i, o)) = rules_of.get(g) {
            out.extend_from_slice(if ingress { i } else { o });
        }
    }
}

/// The running attribution over one inventory.
pub struct Tally<'a> {
    inv: &'a Inventory,
    window: Window,
    /// Interfaces by ID: inline when the ID is short enough (every AWS one is), else by reference.
    eni: HashMap<Inline, u32>,
    eni_long: HashMap<&'a str, u32>,
    /// Rule indexes by group: ingress, egress.
    rules_of: HashMap<&'a str, (Vec<u32>, Vec<u32>)>,
    /// Per interface, the ranges of `rule_arena` and `addr_arena` it reads.
    ifaces: Vec<Iface>,
    rule_arena: Vec<u32>,
    addr_arena: Vec<IpAddr>,
    /// Per rule, its protocol and ports, and the addresses its peer admits.
    keys: Vec<(Protocol, PortRange)>,
    peers: Vec<Matcher>,
    groups_by_vpc: HashMap<&'a str, Vec<&'a str>>,
    broad: Vec<bool>,
    uses: Vec<Option<RuleUse>>,
    /// Per interface, what its records show.
    seen: Vec<Option<Seen>>,
    unknown: BTreeMap<String, u64>,
    counts: Counts,
    /// Rejected attempts on an interface from public addresses: (interface index, protocol, port) → records.
    rejected: HashMap<(usize, u8, u16), u64>,
    matched: Vec<Match>,
}

impl<'a> Tally<'a> {
    /// An empty tally for `inv` over `window`. Linear in the inventory.
    pub fn new(inv: &'a Inventory, window: Window) -> Tally<'a> {
        let (mut eni, mut eni_long) = (HashMap::default(), HashMap::default());
        for (i, e) in inv.interfaces.iter().enumerate() {
            match Inline::of(&e.id) {
                Some(key) => eni.insert(key, i as u32),
                None => eni_long.insert(e.id.as_str(), i as u32),
            };
        }
        let mut rules_of: HashMap<&str, (Vec<u32>, Vec<u32>)> = HashMap::default();
        let mut broad = Vec::with_capacity(inv.rules.len());
        for (i, r) in inv.rules.iter().enumerate() {
            let slot = rules_of.entry(r.group_id.as_str()).or_default();
            match r.direction {
                crate::model::Direction::Ingress => slot.0.push(i as u32),
                crate::model::Direction::Egress => slot.1.push(i as u32),
            }
            broad.push(is_broad(r));
        }
        let vpc_blocks: HashMap<&str, &[IpNet]> = inv.vpcs.iter().map(|v| (v.id.as_str(), &v.cidrs[..])).collect();
        let mut group_blocks: HashMap<&str, Vec<IpNet>> = HashMap::default();
        let mut groups_by_vpc: HashMap<&str, Vec<&str>> = HashMap::default();
        for g in &inv.groups {
            if let Some(vpc) = g.vpc_id.as_deref() {
                groups_by_vpc.entry(vpc).or_default().push(g.id.as_str());
                // Members live in the group's VPC. Unknown blocks: the whole space.
                let blocks = vpc_blocks.get(vpc).map(|b| b.to_vec()).unwrap_or_else(everything);
                group_blocks.insert(g.id.as_str(), if blocks.is_empty() { everything() } else { blocks });
            }
        }
        let prefix: HashMap<(&str, &str), &PrefixList> =
            inv.prefix_lists.iter().map(|p| ((p.region.as_str(), p.id.as_str()), p)).collect();
        let peers = inv
            .rules
            .iter()
            .map(|rule| match &rule.peer {
                Peer::Ipv4(n) => Matcher::of(vec![IpNet::V4(*n)]),
                Peer::Ipv6(n) => Matcher::of(vec![IpNet::V6(*n)]),
                // Entries not read: any address may be one. An empty list admits nothing.
                Peer::PrefixList(id) => prefix
                    .get(&(rule.region.as_str(), id.as_str()))
                    .map_or(Matcher::Any, |pl| Matcher::of(pl.entries.clone())),
                // Another account's group, or one not collected: its members' addresses are unknown.
                Peer::Group { id, .. } => {
                    group_blocks.get(id.as_str()).map_or(Matcher::Any, |b| Matcher::of(b.clone()))
                }
            })
            .collect();
        let keys = inv.rules.iter().map(|r| (r.protocol, r.ports)).collect();
        let (mut ifaces, mut rule_arena, mut addr_arena) =
            (Vec::with_capacity(inv.interfaces.len()), Vec::new(), Vec::new());
        // Extends an arena and gives the range of what was added.
        fn grow<T>(arena: &mut Vec<T>, add: impl FnOnce(&mut Vec<T>)) -> Span {
            let from = arena.len() as u32;
            add(arena);
            (from, arena.len() as u32)
        }
        for e in &inv.interfaces {
            let groups = || e.group_ids.iter().map(String::as_str);
            let ingress = grow(&mut rule_arena, |a| rules_of_groups(&rules_of, groups(), true, a));
            let egress = grow(&mut rule_arena, |a| rules_of_groups(&rules_of, groups(), false, a));
            let private = grow(&mut addr_arena, |a| a.extend(e.private_ips.iter().copied()));
            let public = grow(&mut addr_arena, |a| a.extend(e.public_ips.iter().copied()));
            ifaces.push(Iface { ingress, egress, addrs: (private.0, public.1), private });
        }
        Tally {
            inv,
            window,
            eni,
            eni_long,
            rules_of,
            ifaces,
            rule_arena,
            addr_arena,
            keys,
            peers,
            groups_by_vpc,
            broad,
            uses: vec![None; inv.rules.len()],
            seen: vec![None; inv.interfaces.len()],
            unknown: BTreeMap::new(),
            counts: Counts::default(),
            rejected: HashMap::default(),
            matched: Vec::new(),
        }
    }

    /// Adds what another tally of the same inventory and window counted (files read side by side).
    pub fn merge(&mut self, other: Tally<'a>) {
        for (i, (mine, theirs)) in self.uses.iter_mut().zip(other.uses).enumerate() {
            let Some(t) = theirs else { continue };
            let cap = if self.broad[i] { BROAD_SOURCES } else { OTHER_SOURCES };
            match mine {
                None => *mine = Some(t),
                Some(m) => {
                    m.records += t.records;
                    m.packets += t.packets;
                    m.bytes += t.bytes;
                    m.first = match (m.first, t.first) {
                        (0, x) | (x, 0) => x,
                        (a, b) => a.min(b),
                    };
                    m.last = m.last.max(t.last);
                    m.more_peers |= t.more_peers;
                    for (peer, n) in t.peers {
                        if let Some(k) = m.peers.get_mut(&peer) {
                            *k += n;
                        } else if m.peers.len() < cap {
                            m.peers.insert(peer, n);
                        } else {
                            m.more_peers = true;
                        }
                    }
                    for (port, n) in t.ports {
                        if let Some(k) = m.ports.get_mut(&port) {
                            *k += n;
                        } else if m.ports.len() < 8 {
                            m.ports.insert(port, n);
                        }
                    }
                }
            }
        }
        for (mine, theirs) in self.seen.iter_mut().zip(other.seen) {
            let Some(t) = theirs else { continue };
            let s = mine.get_or_insert(t);
            s.first = s.first.min(t.first);
            s.last = s.last.max(t.last);
            s.skipped = match (s.skipped, t.skipped) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        for (id, n) in other.unknown {
            if self.unknown.len() < UNKNOWN_LISTED || self.unknown.contains_key(&id) {
                *self.unknown.entry(id).or_default() += n;
            }
        }
        for (k, n) in other.rejected {
            *self.rejected.entry(k).or_default() += n;
        }
        let (c, o) = (&mut self.counts, other.counts);
        c.records += o.records;
        c.accepted += o.accepted;
        c.rejected += o.rejected;
        c.nodata += o.nodata;
        c.skipdata += o.skipdata;
        c.outside_window += o.outside_window;
        c.unknown_interface += o.unknown_interface;
        c.malformed += o.malformed;
    }

    /// Counts one malformed line.
    pub fn malformed(&mut self) {
        self.counts.malformed += 1;
    }

    /// Adds one record.
    pub fn add(&mut self, r: &Record, hint: Hint) {
        self.add_n(r, hint, 1);
    }

    /// Adds `n` records that differ only in what `r` sums up: its packets, bytes, start (the first) and end
    /// (the last). A Logs Insights aggregate row is such a record.
    pub fn add_n(&mut self, r: &Record, hint: Hint, n: u64) {
        self.counts.records += n;
        if let (Some(start), Some(end)) = (r.start, r.end) {
            if !self.window.touches(start, end) {
                self.counts.outside_window += n;
                return;
            }
        }
        let known = r.interface.and_then(|id| match Inline::of(id) {
            Some(key) => self.eni.get(&key),
            None => self.eni_long.get(id),
        });
        let known = known.map(|&i| i as usize);
        if let Some(i) = known {
            let (start, end) = (r.start.unwrap_or(self.window.start), r.end.unwrap_or(self.window.end));
            let seen = self.seen[i].get_or_insert(Seen { first: start, last: end, skipped: None });
            seen.first = seen.first.min(start);
            seen.last = seen.last.max(end);
            if r.status == Some(LogStatus::SkipData) {
                seen.skipped = Some(seen.skipped.map_or(start, |s| s.min(start)));
            }
        }
        match r.status {
            Some(LogStatus::NoData) => {
                self.counts.nodata += n;
                return;
            }
            Some(LogStatus::SkipData) => {
                self.counts.skipdata += n;
                return;
            }
            Some(LogStatus::Ok) | None => {}
        }
        if r.action == Some(Action::Reject) {
            self.counts.rejected += n;
            if let (Some(i), Some(dst), Some(src)) = (known, r.dst, r.pkt_src.or(r.src)) {
                if span(&self.addr_arena, self.ifaces[i].private).contains(&dst)
                    && crate::model::is_public(&IpNet::from(src))
                {
                    *self.rejected.entry((i, r.protocol.unwrap_or(0), r.dst_port.unwrap_or(0))).or_default() += n;
                }
            }
            return;
        }
        // ACCEPT, or a format without `action`: a record that may be accepted counts as use.
        self.counts.accepted += n;
        self.matched.clear();
        match known {
            Some(i) => self.attribute_known(i, r),
            None => {
                self.counts.unknown_interface += n;
                if let Some(id) = r.interface {
                    if self.unknown.len() < UNKNOWN_LISTED || self.unknown.contains_key(id) {
                        *self.unknown.entry(id.to_string()).or_default() += n;
                    }
                }
                self.attribute_unknown(r, hint);
            }
        }
        // One record counts once per rule, whichever reading matched first.
        self.matched.sort_by_key(|m| m.0);
        self.matched.dedup_by_key(|m| m.0);
        let matched = std::mem::take(&mut self.matched);
        for &(rule, port, peer) in &matched {
            self.count(rule as usize, r, port, peer, n);
        }
        self.matched = matched;
    }

    fn attribute_known(&mut self, i: usize, r: &Record) {
        let iface = self.ifaces[i];
        let addrs = span(&self.addr_arena, iface.addrs);
        let local = |a: Option<IpAddr>| a.is_some_and(|a| addrs.contains(&a));
        let (incoming, outgoing) = match r.direction {
            Some(Direction::Ingress) => (true, false),
            Some(Direction::Egress) => (false, true),
            None => match (local(r.dst), local(r.src)) {
                (true, false) => (true, false),
                (false, true) => (false, true),
                _ => (true, true),
            },
        };
        let arena = std::mem::take(&mut self.rule_arena);
        self.attribute(span(&arena, iface.ingress), span(&arena, iface.egress), r, incoming, outgoing);
        self.rule_arena = arena;
    }

    fn attribute_unknown(&mut self, r: &Record, hint: Hint) {
        let vpc = r.vpc.or(hint.vpc);
        let groups: Vec<&'a str> = match vpc.and_then(|v| self.groups_by_vpc.get(v)) {
            Some(gs) => gs.clone(),
            None => self
                .inv
                .groups
                .iter()
                .filter(|g| hint.region.is_none_or(|region| g.region == region))
                .map(|g| g.id.as_str())
                .collect(),
        };
        let (mut ingress, mut egress) = (Vec::new(), Vec::new());
        rules_of_groups(&self.rules_of, groups.iter().copied(), true, &mut ingress);
        rules_of_groups(&self.rules_of, groups, false, &mut egress);
        self.attribute(&ingress, &egress, r, true, true);
    }

    /// Collects into `matched` every rule of `groups` that could have admitted the record, in the orientations
    /// given and the readings its TCP flags allow.
    fn attribute(&mut self, ingress: &[u32], egress: &[u32], r: &Record, incoming: bool, outgoing: bool) {
        let (request, reply) = readings(r);
        let mut asks = [(Ask { ingress: true, port: None }, [None, None]); 4];
        let mut n = 0;
        let mut ask = |a: Ask, peers: [Option<IpAddr>; 2]| {
            asks[n] = (a, peers);
            n += 1;
        };
        if incoming {
            // The original source first; the address at the interface when it differs.
            let peers = [r.pkt_src.or(r.src), r.src.filter(|s| Some(*s) != r.pkt_src)];
            if request {
                ask(Ask { ingress: true, port: r.dst_port }, peers);
            }
            if reply {
                ask(Ask { ingress: false, port: r.src_port }, peers);
            }
        }
        if outgoing {
            let peers = [r.pkt_dst.or(r.dst), r.dst.filter(|d| Some(*d) != r.pkt_dst)];
            if request {
                ask(Ask { ingress: false, port: r.dst_port }, peers);
            }
            if reply {
                ask(Ask { ingress: true, port: r.src_port }, peers);
            }
        }
        for (ask, peers) in &asks[..n] {
            let list = if ask.ingress { ingress } else { egress };
            for &idx in list {
                if !admits(self.keys[idx as usize], r.protocol, ask.port) {
                    continue;
                }
                let matcher = &self.peers[idx as usize];
                if let Some(peer) = peers.iter().flatten().find(|p| matcher.admits(**p)) {
                    self.matched.push((idx, ask.port, Some(*peer)));
                }
            }
        }
    }

    fn count(&mut self, idx: usize, r: &Record, port: Option<u16>, peer: Option<IpAddr>, n: u64) {
        let cap = if self.broad[idx] { BROAD_SOURCES } else { OTHER_SOURCES };
        let u = self.uses[idx].get_or_insert_with(|| RuleUse {
            first: r.start.unwrap_or(0),
            last: r.end.unwrap_or(0),
            ..RuleUse::default()
        });
        u.records += n;
        u.packets += r.packets.unwrap_or(0);
        u.bytes += r.bytes.unwrap_or(0);
        if let Some(s) = r.start {
            u.first = if u.first == 0 { s } else { u.first.min(s) };
        }
        if let Some(e) = r.end {
            u.last = u.last.max(e);
        }
        // Once more peers were seen than are kept, the list is only evidence: stop looking them up.
        if let Some(p) = peer.filter(|_| !u.more_peers) {
            if let Some(k) = u.peers.get_mut(&p) {
                *k += n;
            } else if u.peers.len() < cap {
                u.peers.insert(p, n);
            } else {
                u.more_peers = true;
            }
        }
        if let Some(p) = port {
            if let Some(k) = u.ports.get_mut(&p) {
                *k += n;
            } else if u.ports.len() < 8 {
                u.ports.insert(p, n);
            }
        }
    }

    /// What the tally found, for [`Evidence::new`].
    pub(crate) fn into_parts(self) -> Parts {
        let seen = self
            .seen
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| Some((self.inv.interfaces[i].id.clone(), s?)))
            .collect();
        let mut rejected: Vec<(String, u8, u16, u64)> = self
            .rejected
            .into_iter()
            .map(|((i, proto, port), n)| (self.inv.interfaces[i].id.clone(), proto, port, n))
            .collect();
        rejected.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2))));
        Parts { window: self.window, counts: self.counts, uses: self.uses, seen, unknown: self.unknown, rejected }
    }
}

/// A finished tally's findings.
pub(crate) struct Parts {
    pub(crate) window: Window,
    pub(crate) counts: Counts,
    pub(crate) uses: Vec<Option<RuleUse>>,
    pub(crate) seen: BTreeMap<String, Seen>,
    pub(crate) unknown: BTreeMap<String, u64>,
    pub(crate) rejected: Vec<(String, u8, u16, u64)>,
}

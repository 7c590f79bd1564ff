//! Network ACLs: the stateless filter of a subnet. Numbered allow and deny entries per direction, evaluated in
//! rule-number order for each packet; the first entry whose CIDR holds the packet's remote address and whose
//! protocol and port range (ICMP type and code) hold the packet decides. A packet no entry matches is denied
//! (the `*` entry, rule number 32767, that every ACL ends with).
//!
//! Being stateless, an ACL also filters replies: a connection through it needs the request allowed one way and
//! the reply, to the client's ephemeral port, the other.

use super::{Direction, PortRange, Protocol};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// The rule number of the closing `*` entry that denies what no other entry matched (IPv4; the IPv6 one is
/// 32768). Numbers from here on are AWS's own and cannot be changed.
pub const LAST_RULE: u16 = 32767;

/// The ephemeral ports a client's side of a connection may use: AWS's guidance for ACL return rules.
pub const EPHEMERAL: PortRange = PortRange { from: 1024, to: 65535 };

/// A network ACL and the subnets it serves.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NetworkAcl {
    /// The ACL's ID (`acl-…`).
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The VPC's default ACL: it serves every subnet with no other association.
    #[serde(default)]
    pub is_default: bool,
    /// The subnets associated with it.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Its entries, both directions.
    #[serde(default)]
    pub entries: Vec<AclEntry>,
}

/// What a network ACL entry does with the traffic it matches.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AclAction {
    /// Let it through.
    Allow,
    /// Drop it.
    Deny,
}

/// One entry. `direction` is `ingress` for inbound entries (matched on the source address) and `egress` for
/// outbound ones (matched on the destination address); `ports` is the destination port range, or for ICMP the
/// type and code, as in security-group rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AclEntry {
    /// The rule number: entries are evaluated lowest first, and the first match decides.
    pub number: u16,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Allow or deny.
    pub action: AclAction,
    /// The protocol it matches.
    pub protocol: Protocol,
    /// The ports it matches (all for protocols without ports).
    #[serde(default = "all_ports")]
    pub ports: PortRange,
    /// The IPv4 or IPv6 block it matches.
    pub cidr: IpNet,
}

fn all_ports() -> PortRange {
    PortRange::ALL
}

impl AclEntry {
    /// The part of `protocol`'s port space this entry matches, if it matches the protocol at all.
    pub fn ports_for(&self, protocol: Protocol) -> Option<PortRange> {
        match self.protocol {
            Protocol::All => Some(PortRange::ALL),
            p if p == protocol && p.has_ports() => Some(self.ports),
            p if p == protocol => Some(PortRange::ALL),
            _ => None,
        }
    }

    /// `rule 100 allows tcp/5432 from 0.0.0.0/0`.
    pub fn describe(&self) -> String {
        let verb = match self.action {
            AclAction::Allow => "allows",
            AclAction::Deny => "denies",
        };
        let way = match self.direction {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        };
        let rule = if self.number >= LAST_RULE { "rule *".to_string() } else { format!("rule {}", self.number) };
        format!("{rule} {verb} {} {way} {}", super::traffic_text(self.protocol, self.ports), self.cidr)
    }
}

/// What decided one part of a query: the entry, or none (no entry matched: the closing `*` denies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision<'a> {
    /// The ports this decision covers.
    pub ports: PortRange,
    /// The deciding entry; none when the closing `*` entry denies.
    pub entry: Option<&'a AclEntry>,
}

impl Decision<'_> {
    /// Whether the traffic is let through.
    pub fn allows(&self) -> bool {
        self.entry.is_some_and(|e| e.action == AclAction::Allow)
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.entry {
            Some(e) => f.write_str(&e.describe()),
            None => f.write_str("no entry matches, so the closing rule * denies"),
        }
    }
}

impl NetworkAcl {
    /// The entries of one direction, in evaluation order.
    pub fn ordered(&self, direction: Direction) -> Vec<&AclEntry> {
        let mut list: Vec<&AclEntry> = self.entries.iter().filter(|e| e.direction == direction).collect();
        list.sort_by_key(|e| e.number);
        list
    }

    /// The entry that decides one packet (None: denied by the closing `*`). The definition every other
    /// evaluation must agree with.
    pub fn decide(&self, direction: Direction, protocol: Protocol, port: u16, remote: IpAddr) -> Option<&AclEntry> {
        self.ordered(direction)
            .into_iter()
            .find(|e| e.cidr.contains(&remote) && e.ports_for(protocol).is_some_and(|p| p.contains(port)))
    }

    /// How every port of `query` is decided for packets of `protocol` whose remote address is `remote`: first
    /// match per port, as disjoint parts in port order.
    pub fn decisions(
        &self,
        direction: Direction,
        protocol: Protocol,
        query: PortRange,
        remote: IpAddr,
    ) -> Vec<Decision<'_>> {
        let mut undecided = vec![query];
        let mut out = Vec::new();
        for e in self.ordered(direction) {
            if undecided.is_empty() {
                break;
            }
            let Some(range) = e.ports_for(protocol).filter(|_| e.cidr.contains(&remote)) else { continue };
            let mut rest = Vec::with_capacity(undecided.len() + 1);
            for u in undecided {
                match u.intersect(&range) {
                    None => rest.push(u),
                    Some(hit) => {
                        out.push(Decision { ports: hit, entry: Some(e) });
                        if u.from < hit.from {
                            rest.push(PortRange { from: u.from, to: hit.from - 1 });
                        }
                        if hit.to < u.to {
                            rest.push(PortRange { from: hit.to + 1, to: u.to });
                        }
                    }
                }
            }
            undecided = rest;
        }
        out.extend(undecided.into_iter().map(|ports| Decision { ports, entry: None }));
        out.sort_by_key(|d| d.ports.from);
        out
    }

    /// Every address at which some entry's CIDR starts or ends (one past its last address), of one family:
    /// between two consecutive ones, every address is decided alike.
    pub fn boundaries(&self, v6: bool, out: &mut Vec<u128>) {
        for e in &self.entries {
            if e.cidr.addr().is_ipv6() == v6 {
                let (lo, hi) = bounds(&e.cidr);
                out.push(lo);
                if let Some(next) = hi.checked_add(1) {
                    out.push(next);
                }
            }
        }
    }
}

/// A CIDR's first and last address, widened to `u128`.
pub fn bounds(net: &IpNet) -> (u128, u128) {
    match net {
        IpNet::V4(n) => (u128::from(u32::from(n.network())), u128::from(u32::from(n.broadcast()))),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// The address of family `v6` whose widened value is `a`.
pub fn address(a: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(a.into())
    } else {
        IpAddr::V4(u32::try_from(a).unwrap_or(u32::MAX).into())
    }
}

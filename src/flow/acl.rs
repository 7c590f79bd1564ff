//! The network-ACL half of a flow. A subnet's ACL (its explicit association, else the VPC's default ACL)
//! filters every packet that enters or leaves the subnet, in both directions, statelessly:
//!
//! - From the internet, a connection needs the destination subnet's inbound entries to allow the request from
//!   the client and its outbound entries to allow the reply to the client's ephemeral port (1024-65535).
//! - Between two subnets, it needs the source subnet's outbound and the destination subnet's inbound ACL to
//!   allow the request, and the destination's outbound and the source's inbound ACL to allow the reply.
//! - Inside one subnet no ACL applies.
//!
//! Each question is answered exactly over the addresses it is asked for: the client networks are cut at every
//! boundary of the ACL's entries (and of the account's internal space, which the internet is not), and every
//! piece, whose addresses all fare alike, is decided by one representative.

use crate::model::{
    address, bounds, AddressSpace, Decision, Direction, Inventory, NetworkAcl, PortRange, Protocol, EPHEMERAL,
};
use ipnet::IpNet;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt;
use std::net::IpAddr;

/// Whether a subnet's network ACL lets a connection through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclHalf {
    /// Network ACLs are not part of this inventory (none collected in the region, and no failed call).
    NotModelled,
    /// Both subnets are the same one: no ACL applies.
    SameSubnet,
    /// The request and its return are allowed.
    Open {
        /// The entries that allow them.
        text: String,
    },
    /// Blocked by an entry (or the closing `*`).
    Blocked {
        /// The deciding entry.
        text: String,
        /// The entry an allow must precede, when the blocked side is one the fix may open.
        fix: Option<AclFix>,
    },
    /// The ACL could not be read: assumed open.
    Unknown {
        /// Why it could not be read.
        why: String,
    },
}

/// Where an allow entry would let a blocked flow through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclFix {
    pub region: String,
    pub acl: String,
    pub direction: Direction,
    /// The blocking entry's number (32767 for the closing `*`).
    pub blocking: u16,
    /// A free rule number before it, if one is left (else the blocking entry itself must be replaced).
    pub number: Option<u16>,
    pub protocol: Protocol,
    pub ports: PortRange,
    pub cidr: IpNet,
}

impl AclFix {
    /// The AWS CLI command that adds (or, when no number before the blocking entry is free, replaces) the
    /// allow entry.
    pub fn command(&self) -> String {
        let (verb, number) = match self.number {
            Some(n) => ("create-network-acl-entry", n),
            None => ("replace-network-acl-entry", self.blocking),
        };
        let way = match self.direction {
            Direction::Ingress => "--ingress",
            Direction::Egress => "--egress",
        };
        let protocol = match self.protocol {
            Protocol::All => "-1".to_string(),
            Protocol::Tcp => "6".to_string(),
            Protocol::Udp => "17".to_string(),
            Protocol::Icmp => "1".to_string(),
            Protocol::Icmpv6 => "58".to_string(),
            Protocol::Number(n) => n.to_string(),
        };
        let ports = match self.protocol {
            Protocol::Tcp | Protocol::Udp => format!(" --port-range From={},To={}", self.ports.from, self.ports.to),
            Protocol::Icmp | Protocol::Icmpv6 => {
                let (t, c) = self.ports.icmp_api();
                format!(" --icmp-type-code Type={t},Code={c}")
            }
            _ => String::new(),
        };
        let block = if self.cidr.addr().is_ipv6() { "--ipv6-cidr-block" } else { "--cidr-block" };
        format!(
            "aws ec2 {verb} --region {} --network-acl-id {} {way} --rule-number {number} --protocol {protocol}{ports} \
             {block} {} --rule-action allow",
            self.region, self.acl, self.cidr
        )
    }
}

impl AclHalf {
    /// Whether an ACL blocks the flow.
    pub fn is_blocked(&self) -> bool {
        matches!(self, AclHalf::Blocked { .. })
    }

    /// What a message says of it, if anything.
    pub fn text(&self) -> Option<String> {
        match self {
            AclHalf::NotModelled | AclHalf::SameSubnet => None,
            AclHalf::Open { text } | AclHalf::Blocked { text, .. } => Some(text.clone()),
            AclHalf::Unknown { why } => Some(format!("{why}; assumed open")),
        }
    }
}

impl fmt::Display for AclHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().unwrap_or_default())
    }
}

/// One end of a flow between subnets.
#[derive(Debug, Clone, Copy)]
pub struct End<'a> {
    /// The region of the subnet.
    pub region: &'a str,
    /// The subnet (`subnet-…`).
    pub subnet: &'a str,
    /// Its VPC, when known.
    pub vpc: Option<&'a str>,
    /// The address of the member at this end.
    pub address: IpAddr,
}

pub struct Acls<'a> {
    explicit: HashMap<(&'a str, &'a str), &'a NetworkAcl>,
    default_of_vpc: HashMap<(&'a str, &'a str), &'a NetworkAcl>,
    vpc_of_subnet: HashMap<(&'a str, &'a str), &'a str>,
    collected: HashSet<&'a str>,
    failed: HashSet<&'a str>,
}

impl<'a> Acls<'a> {
    pub fn new(inv: &'a Inventory) -> Acls<'a> {
        let mut explicit = HashMap::default();
        let mut default_of_vpc = HashMap::default();
        let mut collected = HashSet::default();
        for acl in &inv.network_acls {
            collected.insert(acl.region.as_str());
            for s in &acl.subnet_ids {
                explicit.insert((acl.region.as_str(), s.as_str()), acl);
            }
            if let (true, Some(vpc)) = (acl.is_default, acl.vpc_id.as_deref()) {
                default_of_vpc.insert((acl.region.as_str(), vpc), acl);
            }
        }
        let vpc_of_subnet = inv
            .subnets
            .iter()
            .filter_map(|s| Some(((s.region.as_str(), s.id.as_str()), s.vpc_id.as_deref()?)))
            .collect();
        let failed = inv
            .coverage
            .iter()
            .filter(|c| c.operation == "DescribeNetworkAcls" && c.status == crate::model::CoverageStatus::Failed)
            .map(|c| c.region.as_str())
            .collect();
        Acls { explicit, default_of_vpc, vpc_of_subnet, collected, failed }
    }

    /// The ACL that serves a subnet, or why there is none to evaluate.
    fn of(&self, region: &str, subnet: &str, vpc: Option<&str>) -> Result<&'a NetworkAcl, AclHalf> {
        if let Some(acl) = self.explicit.get(&(region, subnet)) {
            return Ok(acl);
        }
        let vpc = self.vpc_of_subnet.get(&(region, subnet)).copied().or(vpc);
        if let Some(acl) = vpc.and_then(|v| self.default_of_vpc.get(&(region, v))) {
            return Ok(acl);
        }
        if self.failed.contains(region) {
            Err(AclHalf::Unknown {
                why: format!("the network ACLs of {region} were not read (DescribeNetworkAcls failed)"),
            })
        } else if self.collected.contains(region) {
            Err(AclHalf::Unknown { why: format!("no network ACL found for {subnet}") })
        } else {
            Err(AclHalf::NotModelled)
        }
    }

    /// Whether a client in one of the public parts of `clients` can open a connection of `protocol` on `ports`
    /// to an address in `subnet` and get the reply.
    #[allow(clippy::too_many_arguments)]
    pub fn admits_internet(
        &self,
        region: &str,
        subnet: &str,
        vpc: Option<&str>,
        protocol: Protocol,
        ports: PortRange,
        clients: &[IpNet],
        space: &AddressSpace,
    ) -> AclHalf {
        let acl = match self.of(region, subnet, vpc) {
            Ok(acl) => acl,
            Err(half) => return half,
        };
        let mut first_block: Option<(Decision, Direction)> = None;
        for v6 in [false, true] {
            let nets: Vec<IpNet> = clients.iter().filter(|n| n.addr().is_ipv6() == v6).copied().collect();
            if nets.is_empty() {
                continue;
            }
            let internal = space.internal_bounds(region, v6);
            for rep in pieces(acl, &nets, &internal, v6) {
                for p in candidates(protocol, acl) {
                    let inbound = acl.decisions(Direction::Ingress, p, ports_of(protocol, p, ports), rep);
                    let Some(allowed) = inbound.iter().find(|d| d.allows()) else {
                        first_block.get_or_insert((inbound[0], Direction::Ingress));
                        continue;
                    };
                    let ret = acl.decisions(Direction::Egress, p, return_ports(p), rep);
                    if let Some(back) = ret.iter().find(|d| d.allows()) {
                        return open(acl, *allowed, p, *back);
                    }
                    first_block.get_or_insert((ret[0], Direction::Egress));
                }
            }
        }
        match first_block {
            Some((d, dir)) => {
                let what = match dir {
                    Direction::Ingress => "the request from the internet",
                    Direction::Egress => "the return to the internet",
                };
                AclHalf::Blocked { text: format!("network ACL {} of {subnet} blocks {what}: {d}", acl.id), fix: None }
            }
            // Every client address is internal: nothing public to decide.
            None => AclHalf::NotModelled,
        }
    }

    /// Whether `end`'s subnet ACL lets a connection of `protocol` on `ports` through with its return: from
    /// `peer` when `receiving`, else to it. The other side's ACL is not asked (it was not read).
    pub fn one_side(&self, end: End, peer: IpAddr, protocol: Protocol, ports: PortRange, receiving: bool) -> AclHalf {
        let acl = match self.of(end.region, end.subnet, end.vpc) {
            Ok(acl) => acl,
            Err(half) => return half,
        };
        let (there, back) =
            if receiving { (Direction::Ingress, Direction::Egress) } else { (Direction::Egress, Direction::Ingress) };
        let mut first_block = None;
        for p in candidates(protocol, acl) {
            let want = ports_of(protocol, p, ports);
            let request = acl.decisions(there, p, want, peer);
            let Some(allowed) = request.iter().find(|d| d.allows()) else {
                first_block
                    .get_or_insert_with(|| block(acl, end.subnet, request[0], there, p, want, peer, "the request"));
                continue;
            };
            let ret = acl.decisions(back, p, return_ports(p), peer);
            if let Some(r) = ret.iter().find(|d| d.allows()) {
                return open(acl, *allowed, p, *r);
            }
            first_block
                .get_or_insert_with(|| block(acl, end.subnet, ret[0], back, p, return_ports(p), peer, "the return"));
        }
        first_block.unwrap_or(AclHalf::NotModelled)
    }

    /// Whether a connection of `protocol` on `ports` from `src` to `dst` passes both subnets' ACLs, both ways.
    pub fn between(&self, src: End, dst: End, protocol: Protocol, ports: PortRange) -> AclHalf {
        if src.region == dst.region && src.subnet == dst.subnet {
            return AclHalf::SameSubnet;
        }
        let (out_acl, in_acl) =
            match (self.of(src.region, src.subnet, src.vpc), self.of(dst.region, dst.subnet, dst.vpc)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(AclHalf::NotModelled), Err(AclHalf::NotModelled)) => return AclHalf::NotModelled,
                (Err(h @ AclHalf::Unknown { .. }), _) | (_, Err(h @ AclHalf::Unknown { .. })) => return h,
                _ => return AclHalf::NotModelled,
            };
        let mut first_block = None;
        let mut protocols = candidates(protocol, out_acl);
        for p in candidates(protocol, in_acl) {
            if !protocols.contains(&p) {
                protocols.push(p);
            }
        }
        for p in protocols {
            let want = ports_of(protocol, p, ports);
            // The request: out of the source subnet, into the destination's, on a port both allow.
            let sent = out_acl.decisions(Direction::Egress, p, want, dst.address);
            let received = in_acl.decisions(Direction::Ingress, p, want, src.address);
            let request = common_allowed(&sent, &received);
            let Some(port) = request else {
                let (acl, subnet, d, dir, peer) = blocker(&sent, &received, (out_acl, src), (in_acl, dst));
                first_block.get_or_insert_with(|| block(acl, subnet, d, dir, p, want, peer, "the request"));
                continue;
            };
            // The reply: out of the destination subnet, into the source's, to the client's ephemeral port.
            let back = return_ports(p);
            let replied = in_acl.decisions(Direction::Egress, p, back, src.address);
            let returned = out_acl.decisions(Direction::Ingress, p, back, dst.address);
            if common_allowed(&replied, &returned).is_some() {
                return AclHalf::Open {
                    text: format!(
                        "network ACLs {} of {} and {} of {} allow it on {} and its return",
                        out_acl.id,
                        src.subnet,
                        in_acl.id,
                        dst.subnet,
                        crate::model::traffic_text(p, PortRange::single(port)),
                    ),
                };
            }
            let (acl, subnet, d, dir, peer) = blocker(&replied, &returned, (in_acl, dst), (out_acl, src));
            first_block.get_or_insert_with(|| block(acl, subnet, d, dir, p, back, peer, "the return"));
        }
        first_block.unwrap_or(AclHalf::NotModelled)
    }
}

/// The first port both lists allow.
fn common_allowed(a: &[Decision], b: &[Decision]) -> Option<u16> {
    a.iter()
        .filter(|x| x.allows())
        .flat_map(|x| b.iter().filter(|y| y.allows()).filter_map(move |y| x.ports.intersect(&y.ports)))
        .map(|r| r.from)
        .min()
}

type Blocker<'a> = (&'a NetworkAcl, &'a str, Decision<'a>, Direction, IpAddr);

/// Which side blocks: the sending side's decision when it allows nothing, else the receiving side's.
fn blocker<'a>(
    sent: &[Decision<'a>],
    received: &[Decision<'a>],
    sender: (&'a NetworkAcl, End<'a>),
    receiver: (&'a NetworkAcl, End<'a>),
) -> Blocker<'a> {
    if !sent.iter().any(Decision::allows) {
        return (sender.0, sender.1.subnet, sent[0], Direction::Egress, receiver.1.address);
    }
    let d = received.iter().find(|d| !d.allows()).copied().unwrap_or(received[0]);
    (receiver.0, receiver.1.subnet, d, Direction::Ingress, sender.1.address)
}

#[allow(clippy::too_many_arguments)]
fn block(
    acl: &NetworkAcl,
    subnet: &str,
    d: Decision,
    direction: Direction,
    protocol: Protocol,
    ports: PortRange,
    peer: IpAddr,
    what: &str,
) -> AclHalf {
    let blocking = d.entry.map_or(crate::model::LAST_RULE, |e| e.number);
    let used: HashSet<u16> = acl.entries.iter().filter(|e| e.direction == direction).map(|e| e.number).collect();
    let number = if blocking >= crate::model::LAST_RULE {
        let highest = used.iter().copied().filter(|&n| n < crate::model::LAST_RULE).max().unwrap_or(0);
        Some((highest / 10 + 1) * 10).filter(|&n| n < crate::model::LAST_RULE && !used.contains(&n))
    } else {
        (1..blocking).rev().find(|n| !used.contains(n))
    };
    let way = match direction {
        Direction::Ingress => "inbound",
        Direction::Egress => "outbound",
    };
    AclHalf::Blocked {
        text: format!("network ACL {} of {subnet} blocks {what} ({way}): {d}", acl.id),
        fix: Some(AclFix {
            region: acl.region.clone(),
            acl: acl.id.clone(),
            direction,
            blocking,
            number,
            protocol,
            ports: ports.intersect(&d.ports).unwrap_or(ports),
            cidr: IpNet::from(peer),
        }),
    }
}

/// Representatives of the pieces of `nets` (one family) that the ACL's boundaries and the internal space cut
/// them into, skipping internal pieces.
fn pieces(acl: &NetworkAcl, nets: &[IpNet], internal: &[(u128, u128)], v6: bool) -> Vec<IpAddr> {
    let mut cuts = Vec::new();
    acl.boundaries(v6, &mut cuts);
    for n in nets {
        let (lo, hi) = bounds(n);
        cuts.push(lo);
        cuts.extend(hi.checked_add(1));
    }
    for &(lo, hi) in internal {
        cuts.push(lo);
        cuts.extend(hi.checked_add(1));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let inside = |a: u128| nets.iter().any(|n| n.contains(&address(a, v6)));
    let is_internal = |a: u128| {
        let i = internal.partition_point(|r| r.1 < a);
        internal.get(i).is_some_and(|r| r.0 <= a)
    };
    cuts.into_iter().filter(|&a| inside(a) && !is_internal(a)).map(|a| address(a, v6)).collect()
}

/// The concrete protocols a question about `protocol` stands for: itself, or for all traffic, every protocol
/// an entry names plus TCP, UDP and ICMP.
fn candidates(protocol: Protocol, acl: &NetworkAcl) -> Vec<Protocol> {
    if protocol != Protocol::All {
        return vec![protocol];
    }
    let mut list = vec![Protocol::Tcp, Protocol::Udp, Protocol::Icmp, Protocol::Icmpv6];
    for e in &acl.entries {
        if !list.contains(&e.protocol) && e.protocol != Protocol::All {
            list.push(e.protocol);
        }
    }
    list
}

/// The ports asked about for a candidate protocol: the question's own, or all of them for all traffic.
fn ports_of(asked: Protocol, candidate: Protocol, ports: PortRange) -> PortRange {
    if asked == candidate {
        ports
    } else {
        PortRange::ALL
    }
}

/// The ports a reply goes to: the client's ephemeral ports for TCP and UDP; any ICMP message (an echo reply,
/// an error) for ICMP; everything for other protocols.
/// The half `acl` opens: the entry that allows the request and the one that allows its return.
fn open(acl: &NetworkAcl, allowed: Decision, p: Protocol, back: Decision) -> AclHalf {
    let number = back.entry.map_or(crate::model::LAST_RULE, |e| e.number);
    AclHalf::Open {
        text: format!(
            "network ACL {} {allowed}; rule {number} allows the return on {}",
            acl.id,
            crate::model::traffic_text(p, back.ports)
        ),
    }
}

fn return_ports(protocol: Protocol) -> PortRange {
    match protocol {
        Protocol::Tcp | Protocol::Udp => EPHEMERAL,
        _ => PortRange::ALL,
    }
}

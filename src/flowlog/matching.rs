//! Whether a rule could have admitted a record: its protocol and port, its peer's addresses, and which
//! readings of the record (request, reply) its TCP flags allow.

use super::record::Record;
use crate::model::{PortRange, Protocol, Rule};
use ipnet::IpNet;
use std::net::IpAddr;

/// The addresses a rule's peer admits.
pub(super) enum Matcher {
    /// One IPv4 block, as its network and mask (most rules' peer).
    V4(u32, u32),
    /// Any address in these blocks.
    Nets(Vec<IpNet>),
    /// Any address at all (a prefix list or a group whose addresses are unknown).
    Any,
}

impl Matcher {
    /// The matcher of these blocks.
    pub(super) fn of(nets: Vec<IpNet>) -> Matcher {
        match nets[..] {
            [IpNet::V4(n)] => Matcher::V4(u32::from(n.network()), u32::from(n.netmask())),
            _ => Matcher::Nets(nets),
        }
    }

    pub(super) fn admits(&self, addr: IpAddr) -> bool {
        match (self, addr) {
            (Matcher::V4(net, mask), IpAddr::V4(a)) => u32::from(a) & mask == *net,
            (Matcher::V4(..), IpAddr::V6(_)) => false,
            (Matcher::Nets(nets), _) => nets.iter().any(|n| n.contains(&addr)),
            (Matcher::Any, _) => true,
        }
    }
}

pub(super) fn everything() -> Vec<IpNet> {
    vec!["0.0.0.0/0".parse().expect("static"), "::/0".parse().expect("static")]
}

/// Whether a rule is broad enough for the narrowing check: a public CIDR, or more than 256 addresses.
pub fn is_broad(r: &Rule) -> bool {
    match r.peer.cidr() {
        Some(net) => {
            let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
            host_bits > 8 || crate::model::is_public(&net)
        }
        None => false,
    }
}

/// Which readings of a record are possible: (request, reply).
pub(super) fn readings(r: &Record) -> (bool, bool) {
    match (r.protocol, r.tcp_flags) {
        // SYN-ACK (18) sets bit 16, which no other logged flag does: the packets of a reply.
        (Some(6), Some(f)) if f & 16 != 0 => (false, true),
        // SYN without SYN-ACK: the packets of the side that opened the connection.
        (Some(6), Some(f)) if f & 2 != 0 => (true, false),
        _ => (true, true),
    }
}

/// Whether a rule of this protocol and these ports admits the protocol and port (`None`: unknown, so any).
pub(super) fn admits(rule: (Protocol, PortRange), protocol: Option<u8>, port: Option<u16>) -> bool {
    let Some(n) = protocol else { return true };
    let same = match rule.0 {
        Protocol::All => return true,
        Protocol::Tcp => n == 6,
        Protocol::Udp => n == 17,
        Protocol::Icmp => n == 1,
        Protocol::Icmpv6 => n == 58,
        Protocol::Number(m) => return m == n,
    };
    // ICMP records carry no type: any ICMP rule may have admitted them.
    same && (!matches!(rule.0, Protocol::Tcp | Protocol::Udp) || port.is_none_or(|p| rule.1.contains(p)))
}

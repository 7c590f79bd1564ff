//! Whether a rule could have admitted a record: its protocol and port, its peer's addresses, and which
//! readings of the record (request, reply) its TCP flags allow.

use super::record::Record;
use crate::model::{Protocol, Rule};
use ipnet::IpNet;
use std::net::IpAddr;

/// The addresses a rule's peer admits.
pub(super) enum Matcher {
    /// Any address in these blocks.
    Nets(Vec<IpNet>),
    /// Any address at all (a prefix list or a group whose addresses are unknown).
    Any,
}

impl Matcher {
    pub(super) fn admits(&self, addr: IpAddr) -> bool {
        match self {
            Matcher::Nets(nets) => nets.iter().any(|n| n.contains(&addr)),
            Matcher::Any => true,
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

/// Whether the rule admits the protocol and port (`None`: unknown, so any).
pub(super) fn admits(rule: &Rule, protocol: Option<u8>, port: Option<u16>) -> bool {
    let Some(n) = protocol else { return true };
    let same = match rule.protocol {
        Protocol::All => return true,
        Protocol::Tcp => n == 6,
        Protocol::Udp => n == 17,
        Protocol::Icmp => n == 1,
        Protocol::Icmpv6 => n == 58,
        Protocol::Number(m) => return m == n,
    };
    // ICMP records carry no type: any ICMP rule may have admitted them.
    same && (!matches!(rule.protocol, Protocol::Tcp | Protocol::Udp) || port.is_none_or(|p| rule.ports.contains(p)))
}

//! What a flow carries: one protocol and a port range, as one rule admits it. A flow exists where an egress
//! rule and an ingress rule admit a common part of it.

use crate::model::{PortRange, Protocol, Rule};
use std::fmt;

/// A protocol and a port range (type and code for ICMP), as one rule admits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Traffic {
    /// The protocol.
    pub protocol: Protocol,
    /// The ports (ICMP: the types).
    pub ports: PortRange,
}

/// What a question asks about: one protocol, and one port (one type for ICMP) or any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// The protocol.
    pub protocol: Protocol,
    /// `None`: any port of the protocol (any traffic at all when the protocol is `All`). For ICMP, the type.
    pub port: Option<u16>,
}

impl Want {
    /// Any traffic at all.
    pub const ANY: Want = Want { protocol: Protocol::All, port: None };

    /// One TCP port.
    pub fn tcp(port: u16) -> Want {
        Want { protocol: Protocol::Tcp, port: Some(port) }
    }

    /// A question about the first port of `t` (its ICMP type; any, when it is every type or port).
    pub fn first_of(t: Traffic) -> Want {
        let port = match t.protocol {
            Protocol::Tcp | Protocol::Udp => Some(t.ports.from),
            Protocol::Icmp | Protocol::Icmpv6 => t.ports.icmp_selector().and_then(|(ty, _)| ty).map(u16::from),
            _ => None,
        };
        Want { protocol: t.protocol, port }
    }

    /// As a [`Traffic`], for the rules a fix would add.
    pub fn traffic(self) -> Traffic {
        Traffic { protocol: self.protocol, ports: self.ports() }
    }

    /// The ports (or ICMP selector) asked about.
    fn ports(self) -> PortRange {
        match (self.protocol, self.port) {
            (Protocol::Icmp | Protocol::Icmpv6, Some(t)) => PortRange::icmp(u8::try_from(t).ok(), None),
            (Protocol::Tcp | Protocol::Udp, Some(p)) => PortRange::single(p),
            _ => PortRange::ALL,
        }
    }
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.protocol, self.port) {
            (Protocol::All, _) => f.write_str("any traffic"),
            (Protocol::Icmp | Protocol::Icmpv6, _) => f.write_str(&self.traffic().to_string()),
            (p, Some(port)) => write!(f, "{p}/{port}"),
            (p, None) => write!(f, "{p}/any port"),
        }
    }
}

impl Traffic {
    /// What a rule admits.
    pub fn of(rule: &Rule) -> Traffic {
        Traffic { protocol: rule.protocol, ports: rule.ports }
    }

    /// Every protocol and port.
    pub const ALL: Traffic = Traffic { protocol: Protocol::All, ports: PortRange::ALL };

    /// The traffic both admit, if any.
    pub fn intersect(self, other: Traffic) -> Option<Traffic> {
        match (self.protocol, other.protocol) {
            (Protocol::All, _) => Some(other),
            (_, Protocol::All) => Some(self),
            (a, b) if a != b => None,
            // ICMP selectors are ranges too (see `PortRange`), so one intersection serves all four.
            (Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6, _) => {
                self.ports.intersect(&other.ports).map(|ports| Traffic { protocol: self.protocol, ports })
            }
            _ => Some(self),
        }
    }

    /// Whether this traffic includes what `want` asks for ([`Want::ANY`]: any traffic at all).
    pub fn admits(self, want: Want) -> bool {
        match (self.protocol, want.protocol) {
            (Protocol::All, _) | (_, Protocol::All) => true,
            (a, b) if a != b => false,
            (Protocol::Tcp | Protocol::Udp, _) => want.port.is_none_or(|p| self.ports.contains(p)),
            (Protocol::Icmp | Protocol::Icmpv6, _) => self.ports.intersect(&want.ports()).is_some(),
            _ => true,
        }
    }

    /// Narrowed to what `want` asks for: `tcp/5000-6000` asked about 5432 is `tcp/5432`.
    pub fn narrow(self, want: Want) -> Traffic {
        if want.protocol == Protocol::All {
            return self;
        }
        let ports = match want.port {
            Some(_) if want.protocol.has_ports() => {
                let asked = want.ports();
                if self.protocol == Protocol::All {
                    asked
                } else {
                    self.ports.intersect(&asked).unwrap_or(asked)
                }
            }
            _ if self.protocol == Protocol::All => PortRange::ALL,
            _ => self.ports,
        };
        Traffic { protocol: want.protocol, ports }
    }

    /// Whether every packet of `other` is in this traffic.
    pub fn covers(self, other: Traffic) -> bool {
        self.intersect(other) == Some(other)
    }
}

impl fmt::Display for Traffic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::model::traffic_text(self.protocol, self.ports))
    }
}

/// Whether the union of `parts` covers `t`.
pub fn union_covers(t: Traffic, parts: &[Traffic]) -> bool {
    if parts.iter().any(|p| p.covers(t)) {
        return true;
    }
    if !matches!(t.protocol, Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6) {
        return false;
    }
    let mut ranges: Vec<PortRange> = parts.iter().filter(|p| p.protocol == t.protocol).map(|p| p.ports).collect();
    ranges.sort();
    let mut next = t.ports.from as u32;
    for r in ranges {
        if r.from as u32 > next {
            break;
        }
        next = next.max(r.to as u32 + 1);
    }
    next > t.ports.to as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &str, from: u16, to: u16) -> Traffic {
        Traffic { protocol: Protocol::parse(p).unwrap(), ports: PortRange { from, to } }
    }

    #[test]
    fn intersections() {
        let cases = [
            (t("tcp", 5000, 6000), t("tcp", 5432, 5432), Some(t("tcp", 5432, 5432))),
            (t("-1", 0, 65535), t("tcp", 443, 443), Some(t("tcp", 443, 443))),
            (t("tcp", 80, 90), t("tcp", 85, 100), Some(t("tcp", 85, 90))),
            (t("tcp", 80, 80), t("tcp", 443, 443), None),
            (t("tcp", 0, 65535), t("udp", 53, 53), None),
            (t("icmp", 0, 65535), t("icmp", 2048, 2048), Some(t("icmp", 2048, 2048))),
            // icmp type 8 (every code) and type 8 code 0: echo-request, code 0.
            (t("icmp", 2048, 2303), t("icmp", 2048, 2048), Some(t("icmp", 2048, 2048))),
            // type 8 and type 3 code 4 have nothing in common.
            (t("icmp", 2048, 2303), t("icmp", 772, 772), None),
            (t("50", 0, 65535), t("50", 0, 65535), Some(t("50", 0, 65535))),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.intersect(b), want, "{a} ∩ {b}");
            assert_eq!(b.intersect(a), want, "{b} ∩ {a}");
        }
    }

    #[test]
    fn unions_cover_adjacent_ranges() {
        let t = |p: &str, from, to| Traffic { protocol: Protocol::parse(p).unwrap(), ports: PortRange { from, to } };
        assert!(union_covers(t("tcp", 6379, 6380), &[t("tcp", 6379, 6379), t("tcp", 6380, 6380)]));
        assert!(!union_covers(t("tcp", 6379, 6380), &[t("tcp", 6379, 6379)]));
        assert!(union_covers(t("tcp", 5432, 5432), &[t("-1", 0, 65535)]));
        assert!(!union_covers(t("-1", 0, 65535), &[t("tcp", 0, 65535), t("udp", 0, 65535)]));
        assert!(!union_covers(t("tcp", 1, 10), &[]));
    }

    #[test]
    fn admission_and_narrowing() {
        assert!(t("tcp", 5400, 5500).admits(Want::tcp(5432)));
        assert!(!t("udp", 0, 65535).admits(Want::tcp(5432)));
        assert!(t("-1", 0, 65535).admits(Want::tcp(5432)));
        assert!(t("tcp", 443, 443).admits(Want::ANY));
        assert_eq!(t("-1", 0, 65535).narrow(Want::tcp(5432)), t("tcp", 5432, 5432));
        assert_eq!(t("tcp", 80, 90).narrow(Want::ANY), t("tcp", 80, 90));
        assert!(t("tcp", 0, 65535).covers(t("tcp", 22, 22)));
        assert!(!t("tcp", 22, 22).covers(t("tcp", 22, 23)));
    }
}

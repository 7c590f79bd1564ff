//! Protocols and what a rule admits of them: TCP and UDP port ranges, ICMP types and codes, and how messages
//! name them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An IP protocol as security groups name it. `-1` is every protocol on every port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Protocol {
    /// Every protocol (`-1`).
    All,
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// ICMP (1).
    Icmp,
    /// ICMPv6 (58).
    Icmpv6,
    /// Any other IANA protocol number (ESP is 50, GRE 47, ...). Such a rule admits every port.
    Number(u8),
}

/// A text that is neither a protocol name the EC2 API uses nor a protocol number (0 to 255).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown IP protocol `{0}`")]
pub struct UnknownProtocol(pub String);

impl Protocol {
    /// Parses the `IpProtocol` field of the EC2 API: a name or a protocol number.
    pub fn parse(s: &str) -> Result<Protocol, UnknownProtocol> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            "icmpv6" | "58" => Protocol::Icmpv6,
            other => match other.parse::<u8>() {
                Ok(n) => Protocol::Number(n),
                Err(_) => return Err(UnknownProtocol(s.to_string())),
            },
        })
    }

    /// Whether ports (tcp, udp) or type and code (icmp) qualify the rule.
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::All => f.write_str("-1"),
            Protocol::Tcp => f.write_str("tcp"),
            Protocol::Udp => f.write_str("udp"),
            Protocol::Icmp => f.write_str("icmp"),
            Protocol::Icmpv6 => f.write_str("icmpv6"),
            Protocol::Number(n) => write!(f, "{n}"),
        }
    }
}

impl From<Protocol> for String {
    fn from(p: Protocol) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for Protocol {
    type Error = UnknownProtocol;
    fn try_from(s: String) -> Result<Self, UnknownProtocol> {
        Protocol::parse(&s)
    }
}

/// An inclusive port range (tcp, udp), or an ICMP selector.
///
/// ICMP rules select a type and a code, each 0-255 or every one (`-1` in the EC2 API). They are kept as
/// ranges of `type × 256 + code`, so that coverage, intersection and union stay range operations and stay
/// exact: every type is `0-65535`, one type with every code is `type×256 ..= type×256+255`, one type and one
/// code is a single value. [`PortRange::icmp`] builds one, [`PortRange::icmp_selector`] reads it back.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    /// The first port.
    pub from: u16,
    /// The last port, inclusive.
    pub to: u16,
}

impl PortRange {
    /// Every port.
    pub const ALL: PortRange = PortRange { from: 0, to: u16::MAX };

    /// One port.
    pub fn single(port: u16) -> PortRange {
        PortRange { from: port, to: port }
    }

    /// From the EC2 API's `FromPort`/`ToPort`, where `-1` (or absence) means all.
    pub fn from_api(from: Option<i32>, to: Option<i32>) -> PortRange {
        match (from, to) {
            (Some(f), Some(t)) if f >= 0 && t >= 0 => {
                PortRange { from: f.min(u16::MAX as i32) as u16, to: t.min(u16::MAX as i32) as u16 }
            }
            (Some(f), None) if f >= 0 => PortRange::single(f.min(u16::MAX as i32) as u16),
            _ => PortRange::ALL,
        }
    }

    /// An ICMP selector: one type (or every type) and one code (or every code of the type).
    pub fn icmp(icmp_type: Option<u8>, code: Option<u8>) -> PortRange {
        match (icmp_type, code) {
            (None, _) => PortRange::ALL,
            (Some(t), None) => PortRange { from: u16::from(t) << 8, to: (u16::from(t) << 8) | 0xff },
            (Some(t), Some(c)) => PortRange::single((u16::from(t) << 8) | u16::from(c)),
        }
    }

    /// From the EC2 API's ICMP fields: `FromPort` is the type, `ToPort` the code, `-1` (or absence) every one.
    /// A value outside 0-255 is read as every one: over-reporting beats missing an opening.
    pub fn from_api_icmp(icmp_type: Option<i32>, code: Option<i32>) -> PortRange {
        let byte = |v: Option<i32>| v.and_then(|v| u8::try_from(v).ok());
        PortRange::icmp(byte(icmp_type), byte(code))
    }

    /// The ICMP type and code this range selects, when it is one of the three shapes a rule can have.
    pub fn icmp_selector(&self) -> Option<(Option<u8>, Option<u8>)> {
        let (t, c) = ((self.from >> 8) as u8, (self.from & 0xff) as u8);
        if self.is_all() {
            Some((None, None))
        } else if c == 0 && self.to == self.from | 0xff {
            Some((Some(t), None))
        } else if self.from == self.to {
            Some((Some(t), Some(c)))
        } else {
            None
        }
    }

    /// The ICMP selector as the EC2 API writes it: `(FromPort, ToPort)` = (type, code), `-1` for every one.
    pub fn icmp_api(&self) -> (i32, i32) {
        let (t, c) = self.icmp_selector().unwrap_or((None, None));
        (t.map_or(-1, i32::from), c.map_or(-1, i32::from))
    }

    /// The common part of two ranges.
    pub fn intersect(&self, other: &PortRange) -> Option<PortRange> {
        let (from, to) = (self.from.max(other.from), self.to.min(other.to));
        (from <= to).then_some(PortRange { from, to })
    }

    /// Whether `port` is in the range.
    pub fn contains(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    /// Whether every port of `other` is in the range.
    pub fn covers(&self, other: &PortRange) -> bool {
        self.from <= other.from && other.to <= self.to
    }

    /// Whether the range is every port.
    pub fn is_all(&self) -> bool {
        *self == PortRange::ALL
    }

    /// The number of ports.
    pub fn width(&self) -> u32 {
        (self.to as u32).saturating_sub(self.from as u32) + 1
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            f.write_str("all")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// Names of the ICMP types operators write rules for (IANA "ICMP Type Numbers" and "ICMPv6 Parameters").
fn icmp_type_name(protocol: Protocol, icmp_type: u8) -> Option<&'static str> {
    let name = match (protocol, icmp_type) {
        (Protocol::Icmp, 0) => "echo-reply",
        (Protocol::Icmp, 3) => "destination-unreachable",
        (Protocol::Icmp, 4) => "source-quench",
        (Protocol::Icmp, 5) => "redirect",
        (Protocol::Icmp, 8) => "echo-request",
        (Protocol::Icmp, 9) => "router-advertisement",
        (Protocol::Icmp, 10) => "router-solicitation",
        (Protocol::Icmp, 11) => "time-exceeded",
        (Protocol::Icmp, 12) => "parameter-problem",
        (Protocol::Icmp, 13) => "timestamp-request",
        (Protocol::Icmp, 14) => "timestamp-reply",
        (Protocol::Icmpv6, 1) => "destination-unreachable",
        (Protocol::Icmpv6, 2) => "packet-too-big",
        (Protocol::Icmpv6, 3) => "time-exceeded",
        (Protocol::Icmpv6, 4) => "parameter-problem",
        (Protocol::Icmpv6, 128) => "echo-request",
        (Protocol::Icmpv6, 129) => "echo-reply",
        (Protocol::Icmpv6, 133) => "router-solicitation",
        (Protocol::Icmpv6, 134) => "router-advertisement",
        (Protocol::Icmpv6, 135) => "neighbor-solicitation",
        (Protocol::Icmpv6, 136) => "neighbor-advertisement",
        _ => return None,
    };
    Some(name)
}

/// A protocol and its ports (or ICMP type and code) as messages name them: `tcp/5432`, `udp/all ports`,
/// `all traffic`, `icmp (all types)`, `icmp echo-request (type 8)`, `icmp type 3 code 4`, `protocol 50`.
pub fn traffic_text(protocol: Protocol, ports: PortRange) -> String {
    match protocol {
        Protocol::All => "all traffic".to_string(),
        Protocol::Tcp | Protocol::Udp if ports.is_all() => format!("{protocol}/all ports"),
        Protocol::Tcp | Protocol::Udp => format!("{protocol}/{ports}"),
        Protocol::Icmp | Protocol::Icmpv6 => match ports.icmp_selector() {
            Some((None, _)) => format!("{protocol} (all types)"),
            Some((Some(t), None)) => match icmp_type_name(protocol, t) {
                Some(name) => format!("{protocol} {name} (type {t})"),
                None => format!("{protocol} type {t}"),
            },
            Some((Some(t), Some(c))) => format!("{protocol} type {t} code {c}"),
            None => {
                let end = |v: u16| format!("type {} code {}", v >> 8, v & 0xff);
                format!("{protocol} {} to {}", end(ports.from), end(ports.to))
            }
        },
        Protocol::Number(n) => format!("protocol {n}"),
    }
}

//! Security group rules: direction, protocol, port range and peer.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Inbound or outbound.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// `from` for ingress peers, `to` for egress peers.
    pub fn preposition(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// An IP protocol as security groups name it. `-1` is every protocol on every port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Protocol {
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Any other IANA protocol number (ESP is 50, GRE 47, ...). Such a rule admits every port.
    Number(u8),
}

impl Protocol {
    /// Parses the `IpProtocol` field of the EC2 API: a name or a protocol number.
    pub fn parse(s: &str) -> Result<Protocol, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            "icmpv6" | "58" => Protocol::Icmpv6,
            other => match other.parse::<u8>() {
                Ok(n) => Protocol::Number(n),
                Err(_) => return Err(format!("unknown IP protocol `{s}`")),
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
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Protocol::parse(&s)
    }
}

/// An inclusive port range. For ICMP, `from` is the type and `to` the code, as in the EC2 API.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: u16::MAX };

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

    pub fn contains(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    pub fn covers(&self, other: &PortRange) -> bool {
        self.from <= other.from && other.to <= self.to
    }

    pub fn is_all(&self) -> bool {
        *self == PortRange::ALL
    }

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

/// The other end of a rule: where traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    Ipv4(Ipv4Net),
    Ipv6(Ipv6Net),
    Group {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vpc_id: Option<String>,
    },
    PrefixList(String),
}

impl Peer {
    pub fn group_id(&self) -> Option<&str> {
        match self {
            Peer::Group { id, .. } => Some(id),
            _ => None,
        }
    }

    pub fn cidr(&self) -> Option<IpNet> {
        match self {
            Peer::Ipv4(n) => Some(IpNet::V4(*n)),
            Peer::Ipv6(n) => Some(IpNet::V6(*n)),
            _ => None,
        }
    }

    /// Whether every source this peer admits is also admitted by `self`.
    pub fn covers(&self, other: &Peer) -> bool {
        match (self, other) {
            (Peer::Ipv4(a), Peer::Ipv4(b)) => a.contains(b),
            (Peer::Ipv6(a), Peer::Ipv6(b)) => a.contains(b),
            (Peer::Group { id: a, .. }, Peer::Group { id: b, .. }) => a == b,
            (Peer::PrefixList(a), Peer::PrefixList(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Ipv4(n) => write!(f, "{n}"),
            Peer::Ipv6(n) => write!(f, "{n}"),
            Peer::Group { id, .. } => f.write_str(id),
            Peer::PrefixList(id) => f.write_str(id),
        }
    }
}

/// One security group rule, as DescribeSecurityGroupRules returns it: one protocol, one port range, one peer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Rule {
    /// The `sgr-` ID. Absent only when DescribeSecurityGroupRules failed and the rule came from
    /// DescribeSecurityGroups instead.
    #[serde(default)]
    pub id: Option<String>,
    pub group_id: String,
    pub region: String,
    pub direction: Direction,
    pub protocol: Protocol,
    pub ports: PortRange,
    pub peer: Peer,
    #[serde(default)]
    pub description: String,
}

impl Rule {
    /// Whether the rule admits TCP traffic to or from `port`.
    pub fn admits_tcp(&self, port: u16) -> bool {
        match self.protocol {
            Protocol::All => true,
            Protocol::Tcp => self.ports.contains(port),
            _ => false,
        }
    }

    /// Whether the rule admits every protocol on every port.
    pub fn is_all_traffic(&self) -> bool {
        self.protocol == Protocol::All
    }

    /// The protocol and ports as a short text: `tcp/5432`, `tcp/0-65535`, `all traffic`.
    pub fn traffic(&self) -> String {
        match self.protocol {
            Protocol::All => "all traffic".to_string(),
            Protocol::Tcp | Protocol::Udp => {
                if self.ports.is_all() {
                    format!("{}/all ports", self.protocol)
                } else {
                    format!("{}/{}", self.protocol, self.ports)
                }
            }
            Protocol::Icmp | Protocol::Icmpv6 => format!("{} type {}", self.protocol, self.ports),
            Protocol::Number(n) => format!("protocol {n}"),
        }
    }

    /// Whether every packet this rule admits, `self` admits too (same group and direction assumed).
    pub fn covers(&self, other: &Rule) -> bool {
        if self.direction != other.direction || self.group_id != other.group_id {
            return false;
        }
        let proto = match (self.protocol, other.protocol) {
            (Protocol::All, _) => true,
            (a, b) if a != b => false,
            (Protocol::Tcp | Protocol::Udp, _) => self.ports.covers(&other.ports),
            (Protocol::Icmp | Protocol::Icmpv6, _) => {
                // -1 as type means every type; otherwise type and code must match.
                self.ports.is_all() || self.ports == other.ports
            }
            _ => true,
        };
        proto && self.peer.covers(&other.peer)
    }

    /// The `--ip-permissions` shorthand of the rule, for AWS CLI commands.
    pub fn ip_permission(&self) -> String {
        let mut s = format!("IpProtocol={}", self.protocol);
        if self.protocol.has_ports() {
            if self.ports.is_all() && !matches!(self.protocol, Protocol::Tcp | Protocol::Udp) {
                s.push_str(",FromPort=-1,ToPort=-1");
            } else {
                s.push_str(&format!(",FromPort={},ToPort={}", self.ports.from, self.ports.to));
            }
        }
        match &self.peer {
            Peer::Ipv4(n) => s.push_str(&format!(",IpRanges=[{{CidrIp={n}}}]")),
            Peer::Ipv6(n) => s.push_str(&format!(",Ipv6Ranges=[{{CidrIpv6={n}}}]")),
            Peer::Group { id, .. } => s.push_str(&format!(",UserIdGroupPairs=[{{GroupId={id}}}]")),
            Peer::PrefixList(id) => s.push_str(&format!(",PrefixListIds=[{{PrefixListId={id}}}]")),
        }
        s
    }

    /// The AWS CLI command that adds this rule.
    pub fn authorize_command(&self) -> String {
        let verb = match self.direction {
            Direction::Ingress => "authorize-security-group-ingress",
            Direction::Egress => "authorize-security-group-egress",
        };
        format!(
            "aws ec2 {verb} --region {} --group-id {} --ip-permissions '{}'",
            self.region,
            self.group_id,
            self.ip_permission()
        )
    }

    /// A label for messages: the rule ID, or a description of the rule when there is none.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => format!("{} {} {} {}", self.group_id, self.direction.as_str(), self.traffic(), self.peer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, protocol: &str, from: i32, to: i32, peer: &str) -> Rule {
        let protocol = Protocol::parse(protocol).unwrap();
        let peer = if let Some(g) = peer.strip_prefix("sg-") {
            Peer::Group { id: format!("sg-{g}"), owner_id: None, vpc_id: None }
        } else if peer.starts_with("pl-") {
            Peer::PrefixList(peer.to_string())
        } else if peer.contains(':') {
            Peer::Ipv6(peer.parse().unwrap())
        } else {
            Peer::Ipv4(peer.parse().unwrap())
        };
        Rule {
            id: Some(id.to_string()),
            group_id: "sg-1".to_string(),
            region: "us-east-1".to_string(),
            direction: Direction::Ingress,
            protocol,
            ports: if protocol.has_ports() { PortRange::from_api(Some(from), Some(to)) } else { PortRange::ALL },
            peer,
            description: String::new(),
        }
    }

    #[test]
    fn protocols_parse_names_and_numbers() {
        let cases = [
            ("-1", Protocol::All),
            ("all", Protocol::All),
            ("tcp", Protocol::Tcp),
            ("6", Protocol::Tcp),
            ("UDP", Protocol::Udp),
            ("17", Protocol::Udp),
            ("icmp", Protocol::Icmp),
            ("58", Protocol::Icmpv6),
            ("50", Protocol::Number(50)),
        ];
        for (s, p) in cases {
            assert_eq!(Protocol::parse(s), Ok(p), "{s}");
        }
        assert!(Protocol::parse("bogus").is_err());
        assert!(Protocol::parse("300").is_err());
    }

    #[test]
    fn tcp_admission_follows_protocol_and_range() {
        let cases = [
            (rule("a", "tcp", 5432, 5432, "0.0.0.0/0"), 5432, true),
            (rule("b", "tcp", 5400, 5500, "0.0.0.0/0"), 5432, true),
            (rule("c", "tcp", 0, 65535, "0.0.0.0/0"), 27017, true),
            (rule("d", "-1", -1, -1, "::/0"), 6379, true),
            (rule("e", "6", 3306, 3306, "0.0.0.0/0"), 3306, true),
            (rule("f", "tcp", 5433, 5440, "0.0.0.0/0"), 5432, false),
            (rule("g", "udp", 0, 65535, "0.0.0.0/0"), 5432, false),
            (rule("h", "icmp", -1, -1, "0.0.0.0/0"), 5432, false),
            (rule("i", "50", -1, -1, "0.0.0.0/0"), 5432, false),
        ];
        for (r, port, admits) in cases {
            assert_eq!(r.admits_tcp(port), admits, "{} {}", r.label(), r.traffic());
        }
    }

    #[test]
    fn coverage_needs_protocol_ports_and_peer() {
        let cases = [
            (rule("w", "tcp", 1, 1024, "10.0.0.0/16"), rule("n", "tcp", 443, 443, "10.0.1.0/24"), true),
            (rule("w", "-1", -1, -1, "0.0.0.0/0"), rule("n", "udp", 53, 53, "10.0.0.0/16"), true),
            (rule("w", "tcp", 1, 1024, "10.0.0.0/16"), rule("n", "tcp", 443, 2000, "10.0.1.0/24"), false),
            (rule("w", "tcp", 1, 1024, "10.0.1.0/24"), rule("n", "tcp", 443, 443, "10.0.0.0/16"), false),
            (rule("w", "tcp", 80, 80, "0.0.0.0/0"), rule("n", "tcp", 80, 80, "::/0"), false),
            (rule("w", "tcp", 80, 80, "sg-a"), rule("n", "tcp", 80, 80, "sg-a"), true),
            (rule("w", "tcp", 80, 80, "sg-a"), rule("n", "tcp", 80, 80, "sg-b"), false),
            (rule("w", "tcp", 0, 65535, "pl-1"), rule("n", "tcp", 80, 80, "pl-1"), true),
            (rule("w", "udp", 0, 65535, "0.0.0.0/0"), rule("n", "tcp", 80, 80, "0.0.0.0/0"), false),
            (rule("w", "icmp", -1, -1, "0.0.0.0/0"), rule("n", "icmp", 8, 0, "0.0.0.0/0"), true),
            (rule("w", "icmp", 8, 0, "0.0.0.0/0"), rule("n", "icmp", 3, 4, "0.0.0.0/0"), false),
        ];
        for (wide, narrow, covers) in cases {
            assert_eq!(
                wide.covers(&narrow),
                covers,
                "{} {} covers {} {}",
                wide.traffic(),
                wide.peer,
                narrow.traffic(),
                narrow.peer
            );
        }
    }

    #[test]
    fn api_ports_minus_one_means_all() {
        assert_eq!(PortRange::from_api(Some(-1), Some(-1)), PortRange::ALL);
        assert_eq!(PortRange::from_api(None, None), PortRange::ALL);
        assert_eq!(PortRange::from_api(Some(22), Some(22)), PortRange::single(22));
        assert_eq!(PortRange::single(22).to_string(), "22");
        assert_eq!(PortRange { from: 1, to: 1024 }.to_string(), "1-1024");
    }
}

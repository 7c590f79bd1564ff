//! Security group rules: direction, peer and the rule itself (protocols and ports are in `ports.rs`).

use super::ports::{traffic_text, PortRange, Protocol};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Inbound or outbound.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Towards the group's members.
    Ingress,
    /// From the group's members.
    Egress,
}

impl Direction {
    /// `ingress` or `egress`.
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

/// The other end of a rule: where traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    /// An IPv4 block.
    Ipv4(Ipv4Net),
    /// An IPv6 block.
    Ipv6(Ipv6Net),
    /// The members of a security group, possibly another VPC's or account's.
    Group {
        /// The group ID.
        id: String,
        /// The account that owns it, when the rule names one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner_id: Option<String>,
        /// Its VPC, when the rule names one (a peered VPC's group).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vpc_id: Option<String>,
    },
    /// The entries of a managed prefix list (`pl-…`).
    PrefixList(String),
}

impl Peer {
    /// The referenced group's ID, for a group peer.
    pub fn group_id(&self) -> Option<&str> {
        match self {
            Peer::Group { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The block, for a CIDR peer.
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
///
/// Serialized (fixtures, inventories) with `ports` for tcp and udp, and `icmp: {"type": T, "code": C}` for
/// ICMP, where `-1` (or absence) means every type or code, as in the EC2 API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(from = "RuleRepr", into = "RuleRepr")]
pub struct Rule {
    /// The `sgr-` ID. Absent only when DescribeSecurityGroupRules failed and the rule came from
    /// DescribeSecurityGroups instead.
    #[serde(default)]
    pub id: Option<String>,
    /// The group the rule belongs to.
    pub group_id: String,
    /// Its region.
    pub region: String,
    /// Ingress or egress.
    pub direction: Direction,
    /// The protocol it admits.
    pub protocol: Protocol,
    /// The ports it admits (ICMP: the types).
    pub ports: PortRange,
    /// Who it admits.
    pub peer: Peer,
    /// Its description.
    #[serde(default)]
    pub description: String,
}

/// How a [`Rule`] is written down.
#[derive(Serialize, Deserialize)]
struct RuleRepr {
    #[serde(default)]
    id: Option<String>,
    group_id: String,
    #[serde(default)]
    region: String,
    direction: Direction,
    protocol: Protocol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ports: Option<PortRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    icmp: Option<IcmpRepr>,
    peer: Peer,
    #[serde(default)]
    description: String,
}

#[derive(Serialize, Deserialize)]
struct IcmpRepr {
    #[serde(rename = "type", default = "every")]
    icmp_type: i32,
    #[serde(default = "every")]
    code: i32,
}

fn every() -> i32 {
    -1
}

impl From<RuleRepr> for Rule {
    fn from(r: RuleRepr) -> Rule {
        let ports = match (r.protocol, r.icmp) {
            (Protocol::Icmp | Protocol::Icmpv6, Some(i)) => PortRange::from_api_icmp(Some(i.icmp_type), Some(i.code)),
            (Protocol::Tcp | Protocol::Udp, _) => r.ports.unwrap_or(PortRange::ALL),
            _ => PortRange::ALL,
        };
        Rule {
            id: r.id,
            group_id: r.group_id,
            region: r.region,
            direction: r.direction,
            protocol: r.protocol,
            ports,
            peer: r.peer,
            description: r.description,
        }
    }
}

impl From<Rule> for RuleRepr {
    fn from(r: Rule) -> RuleRepr {
        let (ports, icmp) = match r.protocol {
            Protocol::Tcp | Protocol::Udp => (Some(r.ports), None),
            Protocol::Icmp | Protocol::Icmpv6 => {
                let (icmp_type, code) = r.ports.icmp_api();
                (None, Some(IcmpRepr { icmp_type, code }))
            }
            _ => (None, None),
        };
        RuleRepr {
            id: r.id,
            group_id: r.group_id,
            region: r.region,
            direction: r.direction,
            protocol: r.protocol,
            ports,
            icmp,
            peer: r.peer,
            description: r.description,
        }
    }
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

    /// Whether the rule admits TCP traffic to or from some port of `from..=to`.
    pub fn admits_tcp_range(&self, from: u16, to: u16) -> bool {
        match self.protocol {
            Protocol::All => true,
            Protocol::Tcp => self.ports.from <= to && from <= self.ports.to,
            _ => false,
        }
    }

    /// Whether the rule admits every protocol on every port.
    pub fn is_all_traffic(&self) -> bool {
        self.protocol == Protocol::All
    }

    /// The protocol and ports as a short text: `tcp/5432`, `tcp/all ports`, `all traffic`,
    /// `icmp echo-request (type 8)`, `icmp type 3 code 4`.
    pub fn traffic(&self) -> String {
        traffic_text(self.protocol, self.ports)
    }

    /// Whether every packet this rule admits, `self` admits too (same group and direction assumed).
    pub fn covers(&self, other: &Rule) -> bool {
        if self.direction != other.direction {
            return false;
        }
        let proto = match (self.protocol, other.protocol) {
            (Protocol::All, _) => true,
            (a, b) if a != b => false,
            (Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6, _) => self.ports.covers(&other.ports),
            _ => true,
        };
        // The cheap tests first: the group IDs are compared only for rules that would otherwise cover.
        proto && self.peer.covers(&other.peer) && self.group_id == other.group_id
    }

    /// The `--ip-permissions` shorthand of the rule, for AWS CLI commands.
    pub fn ip_permission(&self) -> String {
        self.ip_permission_for(std::slice::from_ref(&self.peer))
    }

    /// The `--ip-permissions` shorthand of one permission with this rule's protocol and ports that names every
    /// peer of `peers` (its own peer is not among them unless listed). Another account's group carries its
    /// `UserId`.
    pub fn ip_permission_for(&self, peers: &[Peer]) -> String {
        let mut s = format!("IpProtocol={}", self.protocol);
        match self.protocol {
            Protocol::Tcp | Protocol::Udp => {
                s.push_str(&format!(",FromPort={},ToPort={}", self.ports.from, self.ports.to));
            }
            Protocol::Icmp | Protocol::Icmpv6 => {
                let (t, c) = self.ports.icmp_api();
                s.push_str(&format!(",FromPort={t},ToPort={c}"));
            }
            _ => {}
        }
        let list = |key: &str, items: Vec<String>| {
            if items.is_empty() {
                String::new()
            } else {
                format!(",{key}=[{}]", items.join(","))
            }
        };
        let (mut v4, mut v6, mut groups, mut lists) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for peer in peers {
            match peer {
                Peer::Ipv4(n) => v4.push(format!("{{CidrIp={n}}}")),
                Peer::Ipv6(n) => v6.push(format!("{{CidrIpv6={n}}}")),
                Peer::Group { id, owner_id: Some(owner), .. } => {
                    groups.push(format!("{{GroupId={id},UserId={owner}}}"))
                }
                Peer::Group { id, .. } => groups.push(format!("{{GroupId={id}}}")),
                Peer::PrefixList(id) => lists.push(format!("{{PrefixListId={id}}}")),
            }
        }
        s.push_str(&list("IpRanges", v4));
        s.push_str(&list("Ipv6Ranges", v6));
        s.push_str(&list("UserIdGroupPairs", groups));
        s.push_str(&list("PrefixListIds", lists));
        s
    }

    /// The AWS CLI command that adds this rule.
    pub fn authorize_command(&self) -> String {
        self.authorize_command_for(std::slice::from_ref(&self.peer))
    }

    /// The AWS CLI command that adds this rule's traffic for every peer of `peers`, in one permission.
    pub fn authorize_command_for(&self, peers: &[Peer]) -> String {
        let verb = match self.direction {
            Direction::Ingress => "authorize-security-group-ingress",
            Direction::Egress => "authorize-security-group-egress",
        };
        format!(
            "aws ec2 {verb} --region {} --group-id {} --ip-permissions '{}'",
            self.region,
            self.group_id,
            self.ip_permission_for(peers)
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
            ports: match protocol {
                Protocol::Icmp | Protocol::Icmpv6 => PortRange::from_api_icmp(Some(from), Some(to)),
                p if p.has_ports() => PortRange::from_api(Some(from), Some(to)),
                _ => PortRange::ALL,
            },
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
    fn icmp_is_types_and_codes() {
        let cases = [
            // (wide, narrow, covers)
            (rule("w", "icmp", 8, -1, "0.0.0.0/0"), rule("n", "icmp", 8, 0, "0.0.0.0/0"), true),
            (rule("w", "icmp", 8, 0, "0.0.0.0/0"), rule("n", "icmp", 8, -1, "0.0.0.0/0"), false),
            (rule("w", "icmp", 8, -1, "0.0.0.0/0"), rule("n", "icmp", 3, 4, "0.0.0.0/0"), false),
            (rule("w", "icmp", 3, -1, "0.0.0.0/0"), rule("n", "icmp", 3, 4, "0.0.0.0/0"), true),
            (rule("w", "icmp", 3, 4, "0.0.0.0/0"), rule("n", "icmp", 3, 3, "0.0.0.0/0"), false),
            (rule("w", "icmp", -1, -1, "0.0.0.0/0"), rule("n", "icmp", 255, 255, "0.0.0.0/0"), true),
            (rule("w", "icmpv6", -1, -1, "::/0"), rule("n", "icmp", 8, -1, "::/0"), false),
        ];
        for (wide, narrow, covers) in cases {
            assert_eq!(wide.covers(&narrow), covers, "{} covers {}", wide.traffic(), narrow.traffic());
        }
        let text = |p: &str, t: i32, c: i32| rule("r", p, t, c, "0.0.0.0/0").traffic();
        assert_eq!(text("icmp", 8, -1), "icmp echo-request (type 8)");
        assert_eq!(text("icmp", 3, 4), "icmp type 3 code 4");
        assert_eq!(text("icmp", -1, -1), "icmp (all types)");
        assert_eq!(text("icmp", -1, 4), "icmp (all types)");
        assert_eq!(text("icmp", 42, -1), "icmp type 42");
        assert_eq!(text("icmpv6", 128, -1), "icmpv6 echo-request (type 128)");
        assert_eq!(
            rule("r", "icmp", 8, -1, "0.0.0.0/0").ip_permission(),
            "IpProtocol=icmp,FromPort=8,ToPort=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"
        );
        assert_eq!(
            rule("r", "icmp", 3, 4, "0.0.0.0/0").ip_permission(),
            "IpProtocol=icmp,FromPort=3,ToPort=4,IpRanges=[{CidrIp=0.0.0.0/0}]"
        );
        assert_eq!(PortRange::from_api_icmp(Some(300), Some(1)), PortRange::ALL, "an invalid type is every type");
    }

    #[test]
    fn icmp_rules_serialize_as_type_and_code() {
        let r = rule("r", "icmp", 8, -1, "0.0.0.0/0");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["icmp"], serde_json::json!({"type": 8, "code": -1}));
        assert!(json.get("ports").is_none());
        assert_eq!(serde_json::from_value::<Rule>(json).unwrap(), r);
        let tcp = rule("t", "tcp", 80, 81, "0.0.0.0/0");
        assert_eq!(serde_json::from_value::<Rule>(serde_json::to_value(&tcp).unwrap()).unwrap(), tcp);
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

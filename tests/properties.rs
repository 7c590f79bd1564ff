//! Property tests of the model's traffic and address logic against brute-force oracles: protocol × ports ×
//! ICMP type and code (coverage, intersection, union), CIDR containment, and what is public once the
//! account's VPC blocks are internal. Every generated input must also leave the code without a panic.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use proptest::prelude::*;
use sgaudit::flow::{union_covers, Traffic, Want};
use sgaudit::model::{AddressSpace, Inventory, Peer, PortRange, Protocol, Vpc};
use std::net::{Ipv4Addr, Ipv6Addr};

// ---------- traffic ----------

/// Ports near the edges that matter: 0, 65535, database ports, and ICMP type boundaries (type × 256).
fn port() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(0u16),
        Just(65535),
        Just(5432),
        Just(3 * 256),
        Just(3 * 256 + 4),
        Just(8 * 256),
        Just(8 * 256 + 255),
        0u16..=2600,
        any::<u16>(),
    ]
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![
        Just(Protocol::All),
        Just(Protocol::Tcp),
        Just(Protocol::Udp),
        Just(Protocol::Icmp),
        Just(Protocol::Icmpv6),
        Just(Protocol::Number(50)),
    ]
}

fn icmp_part() -> impl Strategy<Value = Option<u8>> {
    prop_oneof![
        Just(None),
        Just(Some(0u8)),
        Just(Some(3)),
        Just(Some(4)),
        Just(Some(8)),
        Just(Some(255)),
        any::<Option<u8>>()
    ]
}

/// Traffic as a rule can admit it: any range for tcp and udp, one of the three ICMP shapes, every port
/// otherwise.
fn traffic() -> impl Strategy<Value = Traffic> {
    (protocol(), port(), port(), icmp_part(), icmp_part()).prop_map(|(protocol, a, b, t, c)| {
        let ports = match protocol {
            Protocol::Tcp | Protocol::Udp => PortRange { from: a.min(b), to: a.max(b) },
            Protocol::Icmp | Protocol::Icmpv6 => PortRange::icmp(t, c),
            _ => PortRange::ALL,
        };
        Traffic { protocol, ports }
    })
}

/// One packet: a protocol and, for tcp, udp and ICMP, a port (or `type × 256 + code`).
type Packet = (Protocol, u16);

const PACKET_PROTOCOLS: [Protocol; 5] =
    [Protocol::Tcp, Protocol::Udp, Protocol::Icmp, Protocol::Icmpv6, Protocol::Number(50)];

/// The oracle: what one rule's traffic admits, packet by packet.
fn admits(t: &Traffic, (p, v): Packet) -> bool {
    match t.protocol {
        Protocol::All => true,
        proto if proto != p => false,
        Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6 => t.ports.from <= v && v <= t.ports.to,
        _ => true,
    }
}

/// Every packet at which membership can change: range ends and their neighbours, for each protocol. Sets of
/// ranges agree everywhere exactly when they agree on these.
fn packets(ts: &[Traffic]) -> Vec<Packet> {
    let mut points = vec![0u16, 65535];
    for t in ts {
        for v in [t.ports.from, t.ports.to] {
            points.extend([v.saturating_sub(1), v, v.saturating_add(1)]);
        }
    }
    points.sort_unstable();
    points.dedup();
    PACKET_PROTOCOLS.iter().flat_map(|p| points.iter().map(move |v| (*p, *v))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn intersection_is_the_packets_both_admit(a in traffic(), b in traffic()) {
        let both = a.intersect(b);
        for pkt in packets(&[a, b]) {
            let want = admits(&a, pkt) && admits(&b, pkt);
            let got = both.is_some_and(|t| admits(&t, pkt));
            prop_assert_eq!(got, want, "{} ∩ {} at {:?} gives {:?}", a, b, pkt, both);
        }
        // None only when nothing is admitted by both.
        if both.is_none() {
            prop_assert!(packets(&[a, b]).iter().all(|p| !(admits(&a, *p) && admits(&b, *p))));
        }
    }

    #[test]
    fn coverage_is_containment(a in traffic(), b in traffic()) {
        let oracle = packets(&[a, b]).iter().all(|p| !admits(&b, *p) || admits(&a, *p));
        prop_assert_eq!(a.covers(b), oracle, "{} covers {}", a, b);
    }

    #[test]
    fn union_coverage_is_containment_in_the_union(t in traffic(), parts in proptest::collection::vec(traffic(), 0..5)) {
        let mut all = parts.clone();
        all.push(t);
        let oracle = packets(&all).iter().all(|p| !admits(&t, *p) || parts.iter().any(|q| admits(q, *p)));
        prop_assert_eq!(union_covers(t, &parts), oracle, "{} by {:?}", t, parts);
    }

    #[test]
    fn a_question_is_admitted_when_some_packet_of_it_is(t in traffic(), proto in protocol(), port in proptest::option::of(any::<u16>())) {
        let want = Want { protocol: proto, port };
        let asked = want.traffic();
        let oracle = packets(&[t, asked]).iter().any(|p| admits(&t, *p) && admits(&asked, *p));
        prop_assert_eq!(t.admits(want), oracle, "{} admits {}", t, want);
        // Narrowing keeps what the question asks inside what the rule admits.
        if t.admits(want) && proto != Protocol::All {
            let n = t.narrow(want);
            prop_assert!(packets(&[n]).iter().all(|p| !admits(&n, *p) || admits(&t, *p)), "{} narrowed to {}", t, n);
        }
    }

    #[test]
    fn icmp_selectors_round_trip(t in icmp_part(), c in icmp_part()) {
        let r = PortRange::icmp(t, c);
        let expected = match (t, c) {
            (None, _) => (None, None),
            (t, c) => (t, c),
        };
        prop_assert_eq!(r.icmp_selector(), Some(expected));
    }

    #[test]
    fn api_values_never_panic(from in any::<Option<i32>>(), to in any::<Option<i32>>(), proto in protocol()) {
        let tcp = PortRange::from_api(from, to);
        match (from, to) {
            (Some(f @ 0..=65535), Some(t @ 0..=65535)) => {
                prop_assert_eq!(tcp, PortRange { from: f as u16, to: t as u16 });
            }
            (Some(f), Some(t)) if f < 0 || t < 0 => prop_assert_eq!(tcp, PortRange::ALL),
            _ => {}
        }
        let icmp = PortRange::from_api_icmp(from, to);
        prop_assert!(icmp.icmp_selector().is_some());
        let _ = sgaudit::model::traffic_text(proto, tcp);
        let _ = sgaudit::model::traffic_text(proto, icmp);
    }

    #[test]
    fn protocol_names_never_panic(s in "\\PC{0,6}") {
        let _ = Protocol::parse(&s);
    }
}

// ---------- addresses ----------

/// IPv4 networks in and around private, shared and public space, of every prefix length.
fn v4net(min_len: u8) -> impl Strategy<Value = Ipv4Net> {
    let base = prop_oneof![
        Just(0x0a00_0000u32), // 10.0.0.0
        Just(0xac10_0000u32), // 172.16.0.0
        Just(0xc0a8_0000u32), // 192.168.0.0
        Just(0x6440_0000u32), // 100.64.0.0
        Just(0x3464_0000u32), // 52.100.0.0
        Just(0x0909_0909u32), // 9.9.9.9
        any::<u32>(),
    ];
    (base, any::<u32>(), min_len..=32u8).prop_map(|(b, jitter, len)| {
        let addr = b ^ (jitter >> 8); // nearby, within 2^24
        Ipv4Net::new(Ipv4Addr::from(addr), len).expect("length").trunc()
    })
}

/// IPv6 networks around one VPC-like /56, documentation, benchmarking and unique-local space, and the edges
/// of global unicast 2000::/3.
fn v6net(min_len: u8) -> impl Strategy<Value = Ipv6Net> {
    let base = prop_oneof![
        Just(0x2600_1f18_aaaa_bb00_0000_0000_0000_0000u128),
        Just(0x2001_0db8_0000_0000_0000_0000_0000_0000u128),
        Just(0x2001_0002_0000_0000_0000_0000_0000_0000u128),
        Just(0x3fff_0000_0000_0000_0000_0000_0000_0000u128),
        Just(0x2000_0000_0000_0000_0000_0000_0000_0000u128),
        Just(0x1fff_ffff_ffff_ffff_ffff_ffff_ffff_ffffu128),
        Just(0x4000_0000_0000_0000_0000_0000_0000_0000u128),
        Just(0x0064_ff9b_0000_0000_0000_0000_0000_0000u128),
        Just(0xfd00_0000_0000_0000_0000_0000_0000_0000u128),
        Just(0xfe80_0000_0000_0000_0000_0000_0000_0000u128),
        any::<u128>(),
    ];
    (base, any::<u64>(), any::<bool>(), min_len..=128u8).prop_map(|(b, jitter, high, len)| {
        // Nearby in the upper or the lower half, so both long and short prefixes straddle the edges.
        let addr = if high { b ^ (u128::from(jitter >> 40) << 64) } else { b ^ u128::from(jitter) };
        Ipv6Net::new(Ipv6Addr::from(addr), len).expect("length").trunc()
    })
}

fn inventory(blocks: &[IpNet]) -> Inventory {
    Inventory {
        vpcs: vec![Vpc { id: "vpc-1".into(), region: "r".into(), owner_id: None, cidrs: blocks.to_vec() }],
        ..Inventory::default()
    }
}

/// Reserved space, written out again for the oracle (RFC 6890 and the IANA special-purpose registries).
fn reserved() -> Vec<IpNet> {
    [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        // IPv6: everything outside global unicast 2000::/3, written as its complement's three blocks,
        // and the special-purpose blocks inside it that are not globally reachable.
        "::/3",
        "4000::/2",
        "8000::/1",
        "2001:2::/48",
        "2001:db8::/32",
        "3fff::/20",
    ]
    .iter()
    .map(|s| s.parse().expect("static"))
    .collect()
}

/// The brute-force oracle for a small IPv4 network: some address of it is in no internal block.
fn public_v4_brute(net: &Ipv4Net, internal: &[IpNet]) -> bool {
    net.hosts_or_all().any(|a| !internal.iter().any(|b| b.contains(&std::net::IpAddr::V4(a))))
}

trait AllAddresses {
    fn hosts_or_all(&self) -> Box<dyn Iterator<Item = Ipv4Addr>>;
}

impl AllAddresses for Ipv4Net {
    fn hosts_or_all(&self) -> Box<dyn Iterator<Item = Ipv4Addr>> {
        let (lo, hi) = (u32::from(self.network()), u32::from(self.broadcast()));
        Box::new((lo..=hi).map(Ipv4Addr::from))
    }
}

/// The sweep oracle for any network: walk the internal blocks that overlap it in address order and see
/// whether they leave a gap.
fn public_sweep(net: &IpNet, internal: &[IpNet]) -> bool {
    let bounds = |n: &IpNet| -> (u128, u128) {
        match n {
            IpNet::V4(n) => (u128::from(u32::from(n.network())), u128::from(u32::from(n.broadcast()))),
            IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
        }
    };
    let (lo, hi) = bounds(net);
    let mut blocks: Vec<(u128, u128)> =
        internal.iter().filter(|b| b.addr().is_ipv6() == net.addr().is_ipv6()).map(bounds).collect();
    blocks.sort_unstable();
    let mut next = lo;
    for (a, b) in blocks {
        if b < next {
            continue;
        }
        if a > next {
            return true;
        }
        if b >= hi {
            return false;
        }
        next = b + 1;
    }
    true
}

/// The brute-force oracle for one IPv6 address, written from the definitions rather than the table: an
/// internet host's address is global unicast (its first three bits are 001, RFC 4291) and not in a
/// special-purpose block that is not globally reachable.
fn public_v6_address(a: u128) -> bool {
    let within = |net: u128, len: u32| a >> (128 - len) == net >> (128 - len);
    a >> 125 == 0b001 && !within(0x2001_0db8 << 96, 32) && !within(0x2001_0002 << 96, 48) && !within(0x3fff << 112, 20)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn small_ipv6_networks_are_public_exactly_when_some_address_is_global_unicast(net in v6net(116)) {
        let (lo, hi) = (u128::from(net.network()), u128::from(net.broadcast()));
        let oracle = (lo..=hi).any(public_v6_address);
        prop_assert_eq!(sgaudit::model::is_public(&IpNet::V6(net)), oracle, "{}", net);
        let space = AddressSpace::new(&inventory(&[]));
        prop_assert_eq!(space.is_public("r", &IpNet::V6(net)), oracle, "{}", net);
    }

    #[test]
    fn small_networks_are_public_exactly_when_some_address_is(net in v4net(20), blocks in proptest::collection::vec(v4net(8), 0..4)) {
        let blocks: Vec<IpNet> = blocks.into_iter().map(IpNet::V4).collect();
        let space = AddressSpace::new(&inventory(&blocks));
        let mut internal = reserved();
        internal.extend(&blocks);
        prop_assert_eq!(space.is_public("r", &IpNet::V4(net)), public_v4_brute(&net, &internal), "{} with {:?}", net, blocks);
        // Reserved space alone, for a region without VPCs.
        prop_assert_eq!(space.is_public("elsewhere", &IpNet::V4(net)), public_v4_brute(&net, &reserved()), "{}", net);
        prop_assert_eq!(sgaudit::model::is_public(&IpNet::V4(net)), public_v4_brute(&net, &reserved()), "{}", net);
    }

    #[test]
    fn any_network_is_public_exactly_when_the_blocks_leave_a_gap(
        v4 in v4net(0), v6 in v6net(0),
        b4 in proptest::collection::vec(v4net(4), 0..4), b6 in proptest::collection::vec(v6net(40), 0..4),
    ) {
        let mut blocks: Vec<IpNet> = b4.into_iter().map(IpNet::V4).collect();
        blocks.extend(b6.into_iter().map(IpNet::V6));
        let space = AddressSpace::new(&inventory(&blocks));
        let mut internal = reserved();
        internal.extend(&blocks);
        for net in [IpNet::V4(v4), IpNet::V6(v6)] {
            prop_assert_eq!(space.is_public("r", &net), public_sweep(&net, &internal), "{} with {:?}", net, blocks);
            // A block that contains the whole network names it.
            if let Some(b) = space.internal_block("r", &net) {
                prop_assert!(b.net.contains(&net) && !space.is_public("r", &net));
            }
        }
    }

    #[test]
    fn cidr_peers_cover_exactly_their_subnets(a in v4net(20), b in v4net(20)) {
        let (pa, pb) = (Peer::Ipv4(a), Peer::Ipv4(b));
        let oracle = b.hosts_or_all().all(|x| a.contains(&x));
        prop_assert_eq!(pa.covers(&pb), oracle, "{} covers {}", a, b);
    }
}

// Network ACLs: the port sweep and the address pieces against packet-by-packet first-match evaluation.

use sgaudit::model::{AclAction, AclEntry, Direction, NetworkAcl};

/// A CIDR inside 54.0.0.0/24 (public), or the whole internet.
fn acl_cidr() -> impl Strategy<Value = IpNet> {
    prop_oneof![
        1 => Just("0.0.0.0/0".parse::<IpNet>().unwrap()),
        4 => (24u8..=32, any::<u8>()).prop_map(|(len, last)| {
            IpNet::V4(Ipv4Net::new(Ipv4Addr::new(54, 0, 0, last), len).unwrap().trunc())
        }),
    ]
}

/// Entries whose ports stay below 2048, so that every port above behaves like 2048.
fn acl_entry() -> impl Strategy<Value = AclEntry> {
    (
        1u16..40,
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(Protocol::All), Just(Protocol::Tcp), Just(Protocol::Udp)],
        (0u16..2048, 0u16..512),
        acl_cidr(),
    )
        .prop_map(|(number, egress, allow, protocol, (from, width), cidr)| AclEntry {
            number: number * 10,
            direction: if egress { Direction::Egress } else { Direction::Ingress },
            action: if allow { AclAction::Allow } else { AclAction::Deny },
            protocol,
            ports: PortRange { from, to: from.saturating_add(width).min(2047) },
            cidr,
        })
}

fn acl(entries: Vec<AclEntry>) -> NetworkAcl {
    let mut entries = entries;
    // Rule numbers are unique per direction.
    entries.sort_by_key(|e| (e.direction, e.number));
    entries.dedup_by_key(|e| (e.direction, e.number));
    NetworkAcl {
        id: "acl-1".into(),
        region: "us-east-1".into(),
        vpc_id: Some("vpc-1".into()),
        is_default: false,
        subnet_ids: vec!["subnet-1".into()],
        entries,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every port of the query is decided by the entry that decides its packet, and the parts tile the query.
    #[test]
    fn acl_port_decisions_are_first_match(
        entries in proptest::collection::vec(acl_entry(), 0..8),
        egress in any::<bool>(),
        from in 0u16..2100,
        width in 0u16..300,
        last in any::<u8>(),
    ) {
        let acl = acl(entries);
        let direction = if egress { Direction::Egress } else { Direction::Ingress };
        let query = PortRange { from, to: from.saturating_add(width) };
        let remote = std::net::IpAddr::V4(Ipv4Addr::new(54, 0, 0, last));
        let parts = acl.decisions(direction, Protocol::Tcp, query, remote);
        let mut next = query.from;
        for d in &parts {
            prop_assert_eq!(d.ports.from, next, "parts tile the query: {:?}", parts);
            for port in d.ports.from..=d.ports.to {
                prop_assert_eq!(d.entry, acl.decide(direction, Protocol::Tcp, port, remote));
            }
            next = d.ports.to.wrapping_add(1);
        }
        prop_assert_eq!(next, query.to.wrapping_add(1));
    }

    /// From the internet, a subnet is open exactly when some client address of the admitted network has its
    /// request allowed in on some asked port and its reply allowed out on some ephemeral port.
    #[test]
    fn acl_internet_half_is_open_exactly_when_some_client_gets_through(
        entries in proptest::collection::vec(acl_entry(), 0..8),
        client in acl_cidr(),
        from in 0u16..2100,
        width in 0u16..50,
    ) {
        let acl = acl(entries);
        let inv = Inventory {
            vpcs: vec![Vpc { id: "vpc-1".into(), region: "us-east-1".into(), owner_id: None, cidrs: vec!["10.0.0.0/16".parse().unwrap()] }],
            network_acls: vec![acl.clone()],
            ..Inventory::default()
        };
        let net = sgaudit::flow::Network::new(&inv);
        let query = PortRange { from, to: from.saturating_add(width) };
        let half = net.acls().admits_internet("us-east-1", "subnet-1", Some("vpc-1"), Protocol::Tcp, query, &[client], net.space());
        // Clients: 54.0.0.0/24 stands for the internet; the rest of 0.0.0.0/0 behaves like one of its
        // addresses outside every entry (56.0.0.1).
        let mut addrs: Vec<Ipv4Addr> = (0..=255u8).map(|b| Ipv4Addr::new(54, 0, 0, b)).collect();
        addrs.push(Ipv4Addr::new(56, 0, 0, 1));
        let returns: Vec<u16> = (1024u16..=2048).collect();
        let open = addrs.iter().filter(|a| client.contains(&std::net::IpAddr::V4(**a))).any(|a| {
            let ip = std::net::IpAddr::V4(*a);
            let allowed = |d: Option<&AclEntry>| d.is_some_and(|e| e.action == AclAction::Allow);
            (query.from..=query.to).any(|p| allowed(acl.decide(Direction::Ingress, Protocol::Tcp, p, ip)))
                && returns.iter().any(|&p| allowed(acl.decide(Direction::Egress, Protocol::Tcp, p, ip)))
        });
        prop_assert_eq!(matches!(half, sgaudit::flow::AclHalf::Open { .. }), open, "{:?}", half);
        prop_assert_eq!(half.is_blocked(), !open, "{:?}", half);
    }
}

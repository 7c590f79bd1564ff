//! Property tests of the flow-log reader and attribution.
//! - The format parser: every field, in any order, any subset, `-` anywhere, reads back what was written;
//!   arbitrary formats and lines never panic.
//! - Attribution against an oracle: for a connection the groups admit, each record AWS would write for it on
//!   the interface (the request's packets or the reply's, with or without flow-direction and TCP flags) counts
//!   for every rule that admits the connection. That is the "no false no-traffic" promise.

use ipnet::{IpNet, Ipv4Net};
use proptest::prelude::*;
use sgaudit::flowlog::{Field, Format, Origin, Tally, TextFeed, Window};
use sgaudit::model::{Direction, Inventory, NetworkInterface, Peer, PortRange, Protocol, Rule, SecurityGroup, Vpc};
use std::net::{IpAddr, Ipv4Addr};

// ---------- the format parser ----------

/// A value for a field, as AWS writes it, and what the record should hold.
fn value(field: &str) -> BoxedStrategy<String> {
    let dash = Just("-".to_string());
    match field {
        "srcaddr" | "dstaddr" | "pkt-srcaddr" | "pkt-dstaddr" => prop_oneof![
            dash,
            any::<u32>().prop_map(|a| Ipv4Addr::from(a).to_string()),
            any::<u128>().prop_map(|a| std::net::Ipv6Addr::from(a).to_string()),
        ]
        .boxed(),
        "srcport" | "dstport" => prop_oneof![dash, any::<u16>().prop_map(|p| p.to_string())].boxed(),
        "protocol" => prop_oneof![dash, any::<u8>().prop_map(|p| p.to_string())].boxed(),
        "packets" | "bytes" | "start" | "end" | "tcp-flags" | "version" => {
            prop_oneof![dash, (0u32..2_000_000_000).prop_map(|p| p.to_string())].boxed()
        }
        "action" => prop_oneof![dash, Just("ACCEPT".to_string()), Just("REJECT".to_string())].boxed(),
        "log-status" => {
            prop_oneof![Just("OK".to_string()), Just("NODATA".to_string()), Just("SKIPDATA".to_string())].boxed()
        }
        "flow-direction" => prop_oneof![dash, Just("ingress".to_string()), Just("egress".to_string())].boxed(),
        _ => prop_oneof![dash, "[a-z0-9-]{1,12}"].boxed(),
    }
}

/// A format (a non-empty subset of every field, in any order) and one line of values for it.
fn format_and_line() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
    let names: Vec<String> = Field::names().map(str::to_string).collect();
    Just(names)
        .prop_shuffle()
        .prop_flat_map(|names| {
            let n = names.len();
            (Just(names), 1..=n)
        })
        .prop_flat_map(|(names, k)| {
            let chosen: Vec<String> = names.into_iter().take(k).collect();
            let values: Vec<BoxedStrategy<String>> = chosen.iter().map(|f| value(f)).collect();
            (Just(chosen), values)
        })
}

fn get<'a>(names: &[String], values: &'a [String], field: &str) -> Option<&'a str> {
    names.iter().position(|n| n == field).map(|i| values[i].as_str()).filter(|v| *v != "-")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_field_any_order_reads_back((names, values) in format_and_line(), header in any::<bool>()) {
        let text = if header {
            names.join(" ")
        } else {
            names.iter().map(|n| format!("${{{n}}}")).collect::<Vec<_>>().join(" ")
        };
        let format = Format::parse(&text).unwrap();
        let line = values.join(" ");
        let r = format.record(&line).unwrap();
        let addr = |f: &str| get(&names, &values, f).map(|v| v.parse::<IpAddr>().unwrap());
        prop_assert_eq!(r.src, addr("srcaddr"));
        prop_assert_eq!(r.dst, addr("dstaddr"));
        prop_assert_eq!(r.pkt_src, addr("pkt-srcaddr"));
        prop_assert_eq!(r.pkt_dst, addr("pkt-dstaddr"));
        prop_assert_eq!(r.src_port, get(&names, &values, "srcport").map(|v| v.parse().unwrap()));
        prop_assert_eq!(r.dst_port, get(&names, &values, "dstport").map(|v| v.parse().unwrap()));
        prop_assert_eq!(r.protocol, get(&names, &values, "protocol").map(|v| v.parse().unwrap()));
        prop_assert_eq!(r.start, get(&names, &values, "start").map(|v| v.parse().unwrap()));
        prop_assert_eq!(r.end, get(&names, &values, "end").map(|v| v.parse().unwrap()));
        prop_assert_eq!(r.interface, get(&names, &values, "interface-id"));
        prop_assert_eq!(r.vpc, get(&names, &values, "vpc-id"));
        prop_assert_eq!(r.action.is_some(), get(&names, &values, "action").is_some());
        prop_assert_eq!(r.direction.is_some(), get(&names, &values, "flow-direction").is_some());
        // One value short or one too many is an error, never a panic or a shifted record.
        let short = values[..values.len() - 1].join(" ");
        prop_assert!(format.record(&short).is_err());
        let long = format!("{line} x");
        prop_assert!(format.record(&long).is_err());
    }

    #[test]
    fn the_fast_reader_agrees_with_the_exact_one((names, values) in format_and_line(), noise in 0usize..7, at in any::<prop::sample::Index>()) {
        // The fast reader gives the exact reader's record for every line as AWS writes it, and declines, or
        // agrees, wherever the line is bent: a value cut short, a tab, a doubled or trailing space, a stray
        // character, a carriage return.
        let format = Format::parse(&names.join(" ")).unwrap();
        let line = values.join(" ");
        prop_assert_eq!(format.record_bytes(line.as_bytes()), Some(format.record(&line).unwrap()));
        let mut bent = line.clone().into_bytes();
        let i = at.index(bent.len() + 1);
        // The places where a value or an octet starts: a zero there is a leading zero.
        let starts: Vec<usize> =
            (0..=bent.len()).filter(|&k| k == 0 || matches!(bent[k - 1], b' ' | b'.' | b':')).collect();
        match noise {
            0 => bent.insert(i, b'\t'),
            1 => bent.insert(i, b' '),
            2 => bent.truncate(i),
            3 => bent.insert(i, b'\r'),
            4 => bent.insert(i, b'0'),
            5 => bent.insert(starts[at.index(starts.len())], b'0'),
            _ => bent.insert(i, 0xff),
        }
        let text = String::from_utf8_lossy(&bent);
        let exact = format.record(&text);
        if let Some(fast) = format.record_bytes(&bent) {
            prop_assert_eq!(Ok(fast), exact);
        }
    }

    #[test]
    fn arbitrary_input_never_panics(format in ".{0,200}", line in ".{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Format::parse(&format);
        let f = Format::default_v2();
        let _ = f.record(&line);
        let _ = f.record(&String::from_utf8_lossy(&bytes));
        if let Some(fast) = f.record_bytes(&bytes) {
            let text = String::from_utf8_lossy(&bytes);
            prop_assert_eq!(Ok(fast), f.record(&text));
        }
        if let Ok(custom) = Format::parse(&format) {
            let _ = custom.record(&line);
        }
    }
}

// ---------- attribution against an oracle ----------

const LOCAL: [u8; 4] = [10, 0, 0, 10];
const WINDOW: Window = Window { start: 1_000_000, end: 2_000_000 };

fn net(bits: u32, len: u8) -> Ipv4Net {
    Ipv4Net::new(Ipv4Addr::from(bits), len).unwrap().trunc()
}

/// A rule of the interface's group: direction, protocol, ports, and a CIDR peer.
fn rule() -> impl Strategy<Value = (bool, u8, u16, u16, u32, u8)> {
    (any::<bool>(), prop_oneof![Just(6u8), Just(17), Just(255)], 0u16..1200, 0u16..1200, any::<u32>(), 0u8..=32)
}

fn inventory(rules: &[(bool, u8, u16, u16, u32, u8)]) -> Inventory {
    let mut inv = Inventory::default();
    inv.vpcs.push(Vpc {
        id: "vpc-1".into(),
        region: "r".into(),
        owner_id: None,
        cidrs: vec!["10.0.0.0/16".parse().unwrap()],
    });
    inv.groups.push(SecurityGroup {
        id: "sg-1".into(),
        name: "one".into(),
        region: "r".into(),
        vpc_id: Some("vpc-1".into()),
        owner_id: None,
        description: String::new(),
        tags: Default::default(),
    });
    let mut eni: NetworkInterface = serde_json::from_value(serde_json::json!({
        "id": "eni-1", "region": "r", "vpc_id": "vpc-1", "subnet_id": "subnet-1", "group_ids": ["sg-1"]
    }))
    .unwrap();
    eni.private_ips.push(IpAddr::from(LOCAL));
    inv.interfaces.push(eni);
    for (i, (ingress, proto, a, b, bits, len)) in rules.iter().enumerate() {
        inv.rules.push(Rule {
            id: Some(format!("sgr-{i}")),
            group_id: "sg-1".into(),
            region: "r".into(),
            direction: if *ingress { Direction::Ingress } else { Direction::Egress },
            protocol: match proto {
                6 => Protocol::Tcp,
                17 => Protocol::Udp,
                _ => Protocol::All,
            },
            ports: PortRange { from: (*a).min(*b), to: (*a).max(*b) },
            peer: Peer::Ipv4(net(*bits, *len)),
            description: String::new(),
        });
    }
    inv
}

/// Whether a rule admits a connection: the interface as server (ingress from the client on the server's
/// port) or as client (egress to the server on the server's port).
fn admits(r: &Rule, proto: u8, server_port: u16, peer: Ipv4Addr, local_is_server: bool) -> bool {
    let wanted = if local_is_server { Direction::Ingress } else { Direction::Egress };
    let proto_ok = match r.protocol {
        Protocol::All => true,
        Protocol::Tcp => proto == 6,
        Protocol::Udp => proto == 17,
        _ => false,
    };
    let port_ok = r.protocol == Protocol::All || r.ports.contains(server_port);
    r.direction == wanted
        && proto_ok
        && port_ok
        && IpNet::V4(r.peer.cidr().map_or(net(0, 0), |c| match c {
            IpNet::V4(n) => n,
            IpNet::V6(_) => net(0, 0),
        }))
        .contains(&IpAddr::V4(peer))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_record_of_an_admitted_connection_counts_for_every_rule_that_admits_it(
        rules in proptest::collection::vec(rule(), 1..8),
        peer_bits in prop_oneof![any::<u32>(), (0u32..65536).prop_map(|x| 0x0a00_0000 | x)],
        proto in prop_oneof![Just(6u8), Just(17)],
        server_port in 0u16..1200,
        client_port in 1024u16..65535,
        local_is_server in any::<bool>(),
        reply in any::<bool>(),
        with_direction in any::<bool>(),
        with_flags in any::<bool>(),
    ) {
        // Half the rules are built around the connection (its peer inside their CIDR, its port inside their
        // range, its direction), so that most cases have rules that must count.
        let rules: Vec<_> = rules
            .iter()
            .enumerate()
            .map(|(i, &(ingress, p, a, b, bits, len))| {
                if i % 2 == 0 {
                    (local_is_server, if p == 255 { 255 } else { proto }, server_port.saturating_sub(a % 3), server_port.saturating_add(b % 3), peer_bits, len)
                } else {
                    (ingress, p, a, b, bits, len)
                }
            })
            .collect();
        let inv = inventory(&rules);
        let peer = Ipv4Addr::from(peer_bits);
        prop_assume!(peer != Ipv4Addr::from(LOCAL));
        let must: Vec<&Rule> = inv.rules.iter().filter(|r| admits(r, proto, server_port, peer, local_is_server)).collect();
        prop_assume!(!must.is_empty());
        let local = Ipv4Addr::from(LOCAL);
        let (client, server) = if local_is_server { (peer, local) } else { (local, peer) };
        // The request's packets go client → server; the reply's server → client.
        let (src, dst, sp, dp) =
            if reply { (server, client, server_port, client_port) } else { (client, server, client_port, server_port) };
        let towards_local = dst == local;
        let flags = if proto == 6 && with_flags { if reply { "19" } else { "3" } } else { "-" };
        let direction = if !with_direction { "-" } else if towards_local { "ingress" } else { "egress" };
        let format = Format::parse("interface-id srcaddr dstaddr srcport dstport protocol start end action log-status tcp-flags flow-direction").unwrap();
        let line = format!("eni-1 {src} {dst} {sp} {dp} {proto} 1500000 1500060 ACCEPT OK {flags} {direction}");
        let mut tally = Tally::new(&inv, WINDOW);
        let mut feed = TextFeed::new("x", format, Default::default(), Default::default());
        feed.line(&line, &mut tally);
        prop_assert_eq!(feed.read.records, 1);
        let ev = sgaudit::flowlog::Evidence::new(tally, Vec::new(), Origin::Given);
        for r in must {
            prop_assert!(ev.use_of(&inv, r).is_some(), "{} admits the connection but was not counted for `{}`", r.label(), line);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Files read side by side and merged give what one reader gives.
    #[test]
    fn merged_tallies_equal_one(
        rules in proptest::collection::vec(rule(), 1..6),
        records in proptest::collection::vec(
            (any::<u32>(), any::<bool>(), prop_oneof![Just(6u8), Just(17)], 0u16..1200, 1024u16..65535, 0i64..1_000_000, any::<bool>()),
            0..40,
        ),
        split in any::<prop::sample::Index>(),
    ) {
        let inv = inventory(&rules);
        let local = Ipv4Addr::from(LOCAL);
        let lines: Vec<String> = records
            .iter()
            .map(|(peer, incoming, proto, port, eph, t, accept)| {
                let peer = Ipv4Addr::from(*peer);
                let (src, dst, sp, dp) = if *incoming { (peer, local, *eph, *port) } else { (local, peer, *eph, *port) };
                let action = if *accept { "ACCEPT" } else { "REJECT" };
                format!("2 1 eni-1 {src} {dst} {sp} {dp} {proto} 1 40 {} {} {action} OK", 1_000_000 + t, 1_000_060 + t)
            })
            .collect();
        let read = |lines: &[String]| {
            let mut tally = Tally::new(&inv, WINDOW);
            let mut feed = TextFeed::new("x", Format::default_v2(), Default::default(), Default::default());
            for l in lines {
                feed.line(l, &mut tally);
            }
            tally
        };
        let at = split.index(lines.len() + 1);
        let whole = sgaudit::flowlog::Evidence::new(read(&lines), Vec::new(), Origin::Given);
        let mut first = read(&lines[..at]);
        first.merge(read(&lines[at..]));
        let merged = sgaudit::flowlog::Evidence::new(first, Vec::new(), Origin::Given);
        prop_assert_eq!(whole.counts, merged.counts);
        prop_assert_eq!(&whole.rejected, &merged.rejected);
        prop_assert_eq!(whole.seen("eni-1"), merged.seen("eni-1"));
        for r in &inv.rules {
            let (a, b) = (whole.use_of(&inv, r), merged.use_of(&inv, r));
            prop_assert_eq!(a.map(|u| (u.records, u.first, u.last)), b.map(|u| (u.records, u.first, u.last)));
            if let (Some(a), Some(b)) = (a, b) {
                if !a.more_peers && !b.more_peers {
                    prop_assert_eq!(&a.peers, &b.peers);
                }
            }
        }
    }
}

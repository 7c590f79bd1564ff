//! Each address family decides on its own: a dual-stack host is reachable from the internet when it is
//! reachable over IPv4 *or* over IPv6. Generated hosts (a public address, a default route to the internet
//! gateway, a security group rule from everywhere and network ACL entries, each present or not per family)
//! are asked `reach internet → host`, and the answer is compared with an oracle that decides each family by
//! brute force from AWS's rules: the address, the route, a group rule admitting the port, the first inbound ACL
//! entry matching the port allowing it, and the first outbound entry allowing some ephemeral port of the reply.

use proptest::prelude::*;
use serde_json::{json, Value};
use sgaudit::flow::{resolve, Network, Want};
use sgaudit::model::{Inventory, Protocol};

/// An ACL entry from or to everywhere of one family: (number, allow, ports), `None` for all traffic.
type Entry = (u16, bool, Option<(u16, u16)>);

/// What one family holds.
#[derive(Debug, Clone)]
struct Family {
    address: bool,
    route: bool,
    /// A group rule from everywhere of this family, on these ports.
    rule: Option<(u16, u16)>,
    inbound: Vec<Entry>,
    outbound: Vec<Entry>,
}

const PORTS: [u16; 4] = [22, 443, 5432, 9200];

fn range() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        prop::sample::select(PORTS.to_vec()).prop_map(|p| (p, p)),
        (0u16..10_000, 0u16..60_000).prop_map(|(a, len)| (a, a.saturating_add(len))),
    ]
}

fn entries() -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::vec((1u16..60, any::<bool>(), prop::option::of(range())), 0..4)
}

fn family() -> impl Strategy<Value = Family> {
    (any::<bool>(), any::<bool>(), prop::option::of(range()), entries(), entries())
        .prop_map(|(address, route, rule, inbound, outbound)| Family { address, route, rule, inbound, outbound })
}

/// The first entry whose ports hold `port` decides; none: the closing `*` denies.
fn first_match(entries: &[Entry], port: u16) -> bool {
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|e| e.0);
    sorted.iter().find(|(_, _, r)| r.is_none_or(|(a, b)| a <= port && port <= b)).is_some_and(|e| e.1)
}

fn oracle(f: &Family, port: u16) -> bool {
    f.address
        && f.route
        && f.rule.is_some_and(|(a, b)| a <= port && port <= b)
        && first_match(&f.inbound, port)
        && (1024..=65535).any(|e| first_match(&f.outbound, e))
}

/// One host in one dual-stack subnet, as `v4` and `v6` say. Entry numbers are made unique per direction
/// across both families, as AWS requires: IPv6 entries get 100 more.
fn account(v4: &Family, v6: &Family) -> Inventory {
    let everywhere = |v6: bool| if v6 { "::/0" } else { "0.0.0.0/0" };
    let mut acl = Vec::new();
    let mut rules = Vec::new();
    let mut routes = vec![
        json!({"destination": "10.1.0.0/16", "target": "local"}),
        json!({"destination": "2600:1f18:2::/56", "target": "local"}),
    ];
    let mut public = Vec::new();
    for (f, is_v6) in [(v4, false), (v6, true)] {
        for (direction, list) in [("ingress", &f.inbound), ("egress", &f.outbound)] {
            let mut seen = std::collections::BTreeSet::new();
            for (n, allow, ports) in list {
                let number = n + if is_v6 { 100 } else { 0 };
                if !seen.insert(number) {
                    continue;
                }
                let mut e = json!({"number": number, "direction": direction, "action": if *allow { "allow" } else { "deny" }, "cidr": everywhere(is_v6)});
                match ports {
                    Some((a, b)) => {
                        e["protocol"] = "tcp".into();
                        e["ports"] = json!({"from": a, "to": b});
                    }
                    None => e["protocol"] = "-1".into(),
                }
                acl.push(e);
            }
        }
        if let Some((a, b)) = f.rule {
            let peer = if is_v6 { json!({"ipv6": "::/0"}) } else { json!({"ipv4": "0.0.0.0/0"}) };
            rules.push(json!({"id": format!("sgr-{}", if is_v6 { 6 } else { 4 }), "group_id": "sg-h", "direction": "ingress", "protocol": "tcp", "ports": {"from": a, "to": b}, "peer": peer}));
        }
        if f.route {
            routes.push(json!({"destination": everywhere(is_v6), "target": "igw-h"}));
        }
        if f.address {
            public.push(if is_v6 { "2600:1f18:2:1::10" } else { "54.10.0.1" });
        }
    }
    let mut inv = json!({
        "account": "111111111111",
        "regions": ["us-east-1"],
        "vpcs": [{"id": "vpc-h", "cidrs": ["10.1.0.0/16", "2600:1f18:2::/56"]}],
        "subnets": [{"id": "subnet-h", "vpc_id": "vpc-h", "cidrs": ["10.1.1.0/24", "2600:1f18:2:1::/64"]}],
        "route_tables": [{"id": "rtb-h", "vpc_id": "vpc-h", "main": true, "routes": routes}],
        "network_acls": [{"id": "acl-h", "vpc_id": "vpc-h", "subnet_ids": ["subnet-h"], "entries": acl}],
        "groups": [{"id": "sg-h", "name": "host", "vpc_id": "vpc-h"}],
        "rules": rules,
        "interfaces": [{"id": "eni-h", "vpc_id": "vpc-h", "subnet_id": "subnet-h", "group_ids": ["sg-h"], "interface_type": "interface", "instance_id": "i-h", "private_ips": ["10.1.1.10"], "public_ips": public}],
    });
    for list in ["vpcs", "subnets", "route_tables", "network_acls", "groups", "rules", "interfaces"] {
        for item in inv[list].as_array_mut().unwrap() {
            item["region"] = Value::from("us-east-1");
        }
    }
    serde_json::from_value(inv).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_dual_stack_host_is_reachable_when_either_family_is(v4 in family(), v6 in family(), port in prop::sample::select(PORTS.to_vec())) {
        let inv = account(&v4, &v6);
        let net = Network::new(&inv);
        let (from, to) = (resolve(&net, "internet").unwrap(), resolve(&net, "eni:eni-h").unwrap());
        let answer = net.reach(&from, &to, Want { protocol: Protocol::Tcp, port: Some(port) }, 0);
        let expected = oracle(&v4, port) || oracle(&v6, port);
        let text = sgaudit::report::render_reach_text(&sgaudit::report::reach_view(&net, &answer));
        prop_assert_eq!(answer.reachable, expected, "v4 {}, v6 {}:\n{}", oracle(&v4, port), oracle(&v6, port), text);
        prop_assert!(answer.unknown.is_none(), "{}", text);
    }
}

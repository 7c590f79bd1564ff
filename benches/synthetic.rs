//! A synthetic account for benchmarks: `groups` security groups with ~10 rules each, as many interfaces, a
//! database or cache per 100 groups, and per 50 groups a VPC with a public and a private subnet. Deterministic: the same size always gives the same inventory.
//!
//! `flawed` is the share of groups (in percent) that carry the flawed rules: all traffic from 0.0.0.0/0,
//! 6379 from ::/0, an all-traffic self reference and a redundant rule. 5 is a messy real account; 50 makes
//! a finding of nearly every group and interface, the worst case for the report-building part of the engine.

use sgaudit::model::*;

pub fn inventory_with(groups: usize, flawed: usize) -> Inventory {
    let region = "us-east-1".to_string();
    let mut inv =
        Inventory { account: Some("123456789012".into()), regions: vec![region.clone()], ..Default::default() };
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    let gid = |i: usize| format!("sg-{i:017x}");
    for i in 0..groups {
        inv.groups.push(SecurityGroup {
            id: gid(i),
            name: if i % 50 == 0 { "default".into() } else { format!("group-{i}") },
            region: region.clone(),
            vpc_id: Some(format!("vpc-{:017x}", i / 50)),
            owner_id: Some("123456789012".into()),
            description: String::new(),
            tags: Default::default(),
        });
        for r in 0..10 {
            let (protocol, ports, peer) = match r {
                0 => (Protocol::All, PortRange::ALL, Peer::Ipv4("0.0.0.0/0".parse().unwrap())),
                1 => (Protocol::Tcp, PortRange::single(443), Peer::Ipv4("0.0.0.0/0".parse().unwrap())),
                2 => (
                    Protocol::Tcp,
                    PortRange::single(22),
                    Peer::Ipv4(format!("10.{}.0.0/16", next(256)).parse().unwrap()),
                ),
                3 => (
                    Protocol::Tcp,
                    PortRange::single(5432),
                    Peer::Group { id: gid(next(groups)), owner_id: None, vpc_id: None },
                ),
                4 => (
                    Protocol::Tcp,
                    PortRange { from: 8000, to: 8100 },
                    Peer::Group { id: gid(i), owner_id: None, vpc_id: None },
                ),
                5 => (Protocol::Tcp, PortRange::single(6379), Peer::Ipv6("::/0".parse().unwrap())),
                6 => (Protocol::Udp, PortRange::single(53), Peer::Ipv4("10.0.0.0/8".parse().unwrap())),
                7 => (
                    Protocol::Tcp,
                    PortRange { from: 4000, to: 4100 },
                    Peer::Ipv4(format!("{}.{}.0.0/16", 20 + next(200), next(256)).parse().unwrap()),
                ),
                // Flawed groups reference a group that was deleted; the others an existing one.
                8 => {
                    let peer = if i % 100 < flawed { groups + next(groups) } else { next(groups) };
                    (
                        Protocol::Tcp,
                        PortRange::single(3306),
                        Peer::Group { id: gid(peer), owner_id: None, vpc_id: None },
                    )
                }
                _ => (
                    Protocol::Tcp,
                    PortRange::single(3000 + next(10) as u16),
                    Peer::Ipv4("10.1.0.0/16".parse().unwrap()),
                ),
            };
            // Only the flawed share keeps the public and self-referencing rules; the others get private ones.
            let is_flawed = i % 100 < flawed;
            let (protocol, ports, peer) = if !is_flawed && matches!(r, 0 | 4 | 5) {
                (Protocol::Tcp, PortRange::single(9000 + r as u16), Peer::Ipv4("10.2.0.0/16".parse().unwrap()))
            } else {
                (protocol, ports, peer)
            };
            inv.rules.push(Rule {
                id: Some(format!("sgr-{i:012x}{r:05x}")),
                group_id: gid(i),
                region: region.clone(),
                direction: if r == 0 && is_flawed { Direction::Egress } else { Direction::Ingress },
                protocol,
                ports,
                peer,
                description: String::new(),
            });
        }
        // The default egress rule.
        inv.rules.push(Rule {
            id: Some(format!("sgr-{i:012x}fffff")),
            group_id: gid(i),
            region: region.clone(),
            direction: Direction::Egress,
            protocol: Protocol::All,
            ports: PortRange::ALL,
            peer: Peer::Ipv4("0.0.0.0/0".parse().unwrap()),
            description: String::new(),
        });
    }
    for i in 0..groups {
        // Interface i carries group i, but for 3 % of them a random group: those groups end up unused.
        let mut group_ids = vec![if i % 100 < 97 { gid(i) } else { gid(next(groups)) }];
        if i % 3 == 0 {
            group_ids.push(gid(next(groups)));
        }
        // Interfaces with a public address sit in their VPC's public subnet, the others in the private one.
        let vpc = i / 50;
        inv.interfaces.push(NetworkInterface {
            id: format!("eni-{i:017x}"),
            region: region.clone(),
            vpc_id: Some(format!("vpc-{vpc:017x}")),
            subnet_id: Some(format!("subnet-{vpc:016x}{}", if i % 10 == 0 { "p" } else { "q" })),
            group_ids,
            private_ips: vec![format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255).parse().unwrap()],
            public_ips: if i % 10 == 0 {
                vec![format!("54.0.{}.{}", i >> 8 & 255, i & 255).parse().unwrap()]
            } else {
                vec![]
            },
            interface_type: "interface".into(),
            requester_id: None,
            requester_managed: false,
            description: String::new(),
            instance_id: Some(format!("i-{i:017x}")),
        });
    }
    // Per VPC: a main route table (local only) and a public one, associated with the public subnet, that
    // routes 0.0.0.0/0 to an internet gateway.
    for vpc in 0..groups.div_ceil(50) {
        let vpc_id = format!("vpc-{vpc:017x}");
        for (suffix, cidr) in [("p", format!("10.{}.0.0/20", vpc % 256)), ("q", format!("10.{}.16.0/20", vpc % 256))] {
            inv.subnets.push(Subnet {
                id: format!("subnet-{vpc:016x}{suffix}"),
                region: region.clone(),
                vpc_id: Some(vpc_id.clone()),
                cidrs: vec![cidr.parse().unwrap()],
            });
        }
        let local = Route { destination: "10.0.0.0/8".into(), target: "local".into(), blackhole: false };
        inv.route_tables.push(RouteTable {
            id: format!("rtb-{vpc:016x}m"),
            region: region.clone(),
            vpc_id: Some(vpc_id.clone()),
            main: true,
            subnet_ids: vec![],
            routes: vec![local.clone()],
        });
        inv.route_tables.push(RouteTable {
            id: format!("rtb-{vpc:016x}p"),
            region: region.clone(),
            vpc_id: Some(vpc_id),
            main: false,
            subnet_ids: vec![format!("subnet-{vpc:016x}p")],
            routes: vec![
                local,
                Route { destination: "0.0.0.0/0".into(), target: format!("igw-{vpc:017x}"), blackhole: false },
            ],
        });
    }
    for i in 0..groups / 100 {
        inv.datastores.push(Datastore {
            kind: if i % 2 == 0 { ResourceKind::RdsInstance } else { ResourceKind::ElasticacheReplicationGroup },
            id: format!("db-{i}"),
            region: region.clone(),
            engine: if i % 2 == 0 { "postgres".into() } else { "redis".into() },
            port: Some(if i % 2 == 0 { 5432 } else { 6379 }),
            group_ids: vec![gid(next(groups))],
            publicly_accessible: i % 4 == 0,
            endpoint: None,
            vpc_id: None,
            parent: None,
            subnet_ids: Vec::new(),
            extra_ports: Vec::new(),
        });
    }
    inv
}

/// Joins the synthetic VPCs the way a hub-and-spoke account does: the first VPC peered with the next `peered`
/// ones (routes both ways in their main tables), and every VPC attached to one transit gateway whose route
/// table routes each VPC's subnets to its attachment.
pub fn link(inv: &mut Inventory, peered: usize) {
    let region = "us-east-1".to_string();
    let vpcs = inv.route_tables.iter().filter(|t| t.main).count();
    let vpc_id = |v: usize| format!("vpc-{v:017x}");
    let block = |v: usize| format!("10.{}.0.0/16", v % 256);
    let side = |v: usize| PeeringSide {
        vpc_id: vpc_id(v),
        owner_id: Some("123456789012".into()),
        region: Some(region.clone()),
        cidrs: vec![block(v).parse().unwrap()],
    };
    for v in 1..=peered.min(vpcs.saturating_sub(1)) {
        let id = format!("pcx-{v:017x}");
        inv.peerings.push(VpcPeering {
            id: id.clone(),
            region: region.clone(),
            status: "active".into(),
            requester: side(0),
            accepter: side(v),
        });
        for (table, to) in [(0, v), (v, 0)] {
            let t = inv.route_tables.iter_mut().find(|t| t.main && t.vpc_id.as_deref() == Some(&vpc_id(table)));
            t.expect("main table").routes.push(Route { destination: block(to), target: id.clone(), blackhole: false });
        }
    }
    let mut routes = Vec::new();
    for v in 0..vpcs {
        let attachment = format!("tgw-attach-{v:017x}");
        inv.transit_gateway_attachments.push(TransitGatewayAttachment {
            id: attachment.clone(),
            region: region.clone(),
            transit_gateway_id: "tgw-00000000000000001".into(),
            resource_type: "vpc".into(),
            resource_id: Some(vpc_id(v)),
            resource_owner: Some("123456789012".into()),
            state: "available".into(),
            route_table_id: Some("tgw-rtb-00000000000000001".into()),
        });
        routes.push(TransitGatewayRoute {
            destination: block(v).parse().unwrap(),
            attachments: vec![attachment],
            blackhole: false,
            propagated: true,
        });
    }
    inv.transit_gateway_route_tables.push(TransitGatewayRouteTable {
        id: "tgw-rtb-00000000000000001".into(),
        region,
        transit_gateway_id: "tgw-00000000000000001".into(),
        routes: Some(routes),
    });
}

//! Data-driven tests of the flow model: questions to `Network::reach` over tests/fixtures/flows.json (both
//! halves, group references and CIDRs, prefix lists, IPv6 and routes, self references, restricted egress,
//! private addresses repeated in another VPC), and
//! `sgaudit reach` answers on the recorded accounts.

mod common;

use common::*;
use sgaudit::flow::{resolve, Network, Place, Want};
use sgaudit::model::Protocol;

/// `(from, to, port, hops, reachable, what the answer must mention)`: rule IDs of the path, or the half that
/// is missing and the rule that would add it.
type Case = (&'static str, &'static str, Option<u16>, u32, bool, &'static [&'static str]);

const CASES: &[Case] = &[
    // From the internet: the ingress rule and the address (public IP, subnet routed to an internet gateway).
    ("internet", "eni-web", Some(443), 0, true, &["sgr-web-443", "igw-1"]),
    // Closed towards the internet: the answer says which half, and proposes nothing that would open it.
    ("internet", "eni-web", Some(22), 0, false, &["ingress", "from a public source", "proposes no rule"]),
    ("52.0.0.0/8", "db", None, 0, false, &["ingress", "proposes no rule"]),
    ("internet", "sg-app", Some(8080), 0, false, &["ingress", "address", "no public address"]),
    // IPv6: a ::/0 rule and an IPv6 address in a subnet with a ::/0 route; the same group in a private subnet.
    ("internet", "eni-v6", Some(22), 0, true, &["sgr-v6-22", "2600:1f18:1::20"]),
    ("internet", "eni-v6-private", Some(22), 0, false, &["address", "no route to an internet gateway"]),
    // Group references, both halves; the default (all traffic) egress.
    ("sg-web", "sg-app", Some(8080), 0, true, &["sgr-web-out", "sgr-app-8080"]),
    ("sg-app", "db", None, 0, true, &["sgr-app-to-db", "sgr-db-app"]),
    // Restricted egress: web admits 443 from everyone, but app's egress sends only 5432 and 9000.
    ("sg-app", "sg-web", Some(443), 0, false, &["egress", "authorize-security-group-egress", "GroupId=sg-web"]),
    // CIDR and prefix-list peers, matched against member addresses.
    ("sg-batch", "db", Some(5432), 0, true, &["sgr-batch-out", "sgr-db-batch-net"]),
    ("eni-office", "db", Some(6379), 0, true, &["sgr-office-out", "sgr-db-office-pl"]),
    ("eni-office", "db", Some(5432), 0, false, &["ingress", "GroupId=sg-office"]),
    ("10.0.3.0/24", "db", None, 0, true, &["sgr-db-batch-net"]),
    // The same address in another VPC: the CIDR rule of vpc-1 does not see it.
    ("eni-other", "db", Some(5432), 0, false, &["ingress"]),
    ("192.168.0.0/16", "db", None, 0, false, &["CidrIp=192.168.0.0/16"]),
    // A self reference without egress: the members admit each other, but nothing leaves.
    ("eni-mesh-1", "eni-mesh-2", Some(80), 0, false, &["egress", "GroupId=sg-mesh"]),
    // Paths through intermediate members.
    ("sg-web", "db", None, 0, false, &["ingress", "GroupId=sg-web"]),
    ("sg-web", "db", None, 1, true, &["sgr-app-8080", "sgr-db-app"]),
    ("internet", "db", None, 1, true, &["sgr-admin-web", "sgr-db-admin"]),
    ("internet", "db", None, 0, false, &["address"]),
];

/// Asks every case of `cases` over `tests/fixtures/NAME.json`; returns each answer's text, by case.
fn ask(name: &str, cases: &[Case]) -> Vec<String> {
    let inv = fixture(name);
    let net = Network::new(&inv);
    let mut texts = Vec::new();
    for &(from, to, port, hops, reachable, mentions) in cases {
        let (f, t) = (resolve(&net, from).unwrap(), resolve(&net, to).unwrap());
        let port = port.or(t.default_port());
        let answer = net.reach(&f, &t, Want { protocol: Protocol::Tcp, port }, hops);
        let text = sgaudit::report::render_reach_text(&sgaudit::report::reach_view(&net, &answer));
        assert_eq!(answer.reachable, reachable, "{from} → {to}:\n{text}");
        for m in mentions {
            assert!(text.contains(m), "{from} → {to} should mention {m}:\n{text}");
        }
        texts.push(text);
    }
    texts
}

#[test]
fn reach_answers() {
    ask("flows", CASES);
}

/// Network ACLs over tests/fixtures/network_acls.json: the security groups allow every flow asked here.
const ACL_CASES: &[Case] = &[
    // The source subnet's outbound entries allow only 0-1023: the closing rule blocks 5432 on the way out.
    (
        "eni-b",
        "eni-a",
        Some(5432),
        0,
        false,
        &[
            "acl-noreturn",
            "outbound",
            "rule *",
            "create-network-acl-entry",
            "--egress --rule-number 110 --protocol 6 --port-range From=5432,To=5432 --cidr-block 10.0.1.10/32",
        ],
    ),
    // Out of subnet-d, but rule 90 of subnet-a denies 5432 from everywhere: an allow goes before it.
    (
        "eni-d",
        "eni-a",
        Some(5432),
        0,
        false,
        &[
            "acl-deny90",
            "inbound",
            "rule 90 denies",
            "--ingress --rule-number 89 --protocol 6 --port-range From=5432,To=5432 --cidr-block 10.0.4.10/32",
        ],
    ),
    // Allowed both ways, return on the ephemeral ports included.
    ("eni-a", "eni-d", Some(5432), 0, true, &["acl-deny90 of subnet-a and acl-partial of subnet-d allow it"]),
    // The request passes, but subnet-b's outbound entries (0-1023 only) drop the return to the ephemeral port.
    ("eni-a", "eni-b", Some(5432), 0, false, &["blocks the return", "acl-noreturn", "--egress"]),
    // Inside one subnet no ACL applies.
    ("eni-a2", "eni-a", Some(5432), 0, true, &["sgr-pg"]),
    // From the internet the block is named, and nothing is proposed towards the public source.
    ("internet", "eni-a", Some(5432), 0, false, &["rule 90 denies tcp/5432 from 0.0.0.0/0"]),
    ("internet", "eni-d", Some(5432), 0, true, &["rule 110 allows tcp/5432", "allows the return"]),
];

#[test]
fn reach_through_network_acls() {
    for (case, text) in ACL_CASES.iter().zip(ask("network_acls", ACL_CASES)) {
        if case.0 == "internet" {
            assert!(!text.contains("aws ec2"), "nothing proposed towards the internet:\n{text}");
        }
    }
}

/// Each address family on its own, over tests/fixtures/dual_stack.json: subnet-ds's ACL denies the IPv4
/// internet and lets IPv6 in; subnet-both's denies both.
const DUAL_STACK_CASES: &[Case] = &[
    (
        "internet",
        "eni-search",
        Some(9200),
        0,
        true,
        &["IPv4: network ACL acl-v4-denied", "rule 50 denies", "IPv6:", "rule 101 allows"],
    ),
    ("internet", "eni-both", Some(5432), 0, false, &["IPv4:", "rule 50 denies", "IPv6:", "rule 51 denies"]),
    // Through the web host, whose prefix-list rule admits both families: IPv6 carries the path.
    ("internet", "rds:orders", None, 1, true, &["sgr-web-all", "sgr-db-web", "IPv6: public address 2600:1f18:2:1::20"]),
];

#[test]
fn reach_decides_each_address_family() {
    ask("dual_stack", DUAL_STACK_CASES);
}

/// Self-hosted databases over tests/fixtures/self_hosted.json: an internet-facing ALB forwarding HTTP:80 to
/// Elasticsearch on 9200, a bastion that reaches PostgreSQL on an instance, and three shapes that must not
/// be paths: an internal ALB, a listener that forwards to another port, a host that is no target.
const SELF_HOSTED_CASES: &[Case] = &[
    ("internet", "eni-es1", Some(9200), 1, true, &["load balancer search", "sgr-alb-80", "sgr-es-alb"]),
    ("internet", "eni-pg", Some(5432), 1, true, &["sgr-bastion-ssh", "sgr-pg-bastion"]),
    ("internet", "eni-es-internal", Some(9200), 4, false, &[]),
    ("internet", "eni-app", Some(5432), 4, false, &[]),
    ("internet", "eni-mongo", Some(27017), 4, false, &[]),
];

#[test]
fn reach_to_self_hosted_databases() {
    ask("self_hosted", SELF_HOSTED_CASES);
}

/// The audit and `reach` agree on every compute host and well-known database port: a host has an
/// internet-path finding exactly when `reach` finds a path from the internet to one of its admitted
/// database ports that is not a direct exposure, and the finding's port is one `reach` finds.
#[test]
fn internet_paths_to_hosts_agree_with_reach() {
    for name in ["self_hosted", "dual_stack", "routing", "load_balancers", "network_acls", "internet_path_acl"] {
        let inv = fixture(name);
        let net = Network::new(&inv);
        let findings = sgaudit::audit::audit(&inv);
        for eni in inv.interfaces.iter().filter(|e| e.managed_by().is_none()) {
            let reported: Option<u16> =
                findings.iter().find(|f| f.check == "internet-path-to-database" && f.resource.id == eni.id).map(|f| {
                    let at = f.message.find("(port ").expect("the finding names its port") + 6;
                    f.message[at..].split(',').next().unwrap().parse().unwrap()
                });
            let place = resolve(&net, &eni.id).unwrap();
            let reaches = |port: u16, hops: u32| net.reach(&Place::Internet, &place, Want::tcp(port), hops).reachable;
            let admitted: Vec<u16> = sgaudit::checks::DATABASE_PORTS
                .iter()
                .filter_map(|p| {
                    let rules: Vec<_> = inv.rules.iter().filter(|r| eni.group_ids.contains(&r.group_id)).collect();
                    (p.from..=p.to).find(|&port| {
                        rules.iter().any(|r| r.direction == sgaudit::model::Direction::Ingress && r.admits_tcp(port))
                    })
                })
                .collect();
            let through: Vec<u16> = admitted.iter().copied().filter(|&p| !reaches(p, 0) && reaches(p, 16)).collect();
            match reported {
                Some(port) => assert!(reaches(port, 16), "{name}: {} is reported on {port}, reach disagrees", eni.id),
                None => {
                    assert!(through.is_empty(), "{name}: reach finds {} on {through:?}, the audit does not", eni.id)
                }
            }
        }
    }
}

/// Load balancers over tests/fixtures/load_balancers.json: the ALB's group admits every TCP port from the
/// internet and its group is admitted by an admin host on 22, but it listens on 443 and forwards only to the
/// app instance on 8080.
const BALANCER_CASES: &[Case] = &[
    ("internet", "eni-alb", Some(443), 0, true, &["sgr-alb-all"]),
    // The group admits 22; no listener does.
    ("internet", "eni-alb", Some(22), 0, false, &["load balancer web has no listener for tcp/22", "HTTPS 443"]),
    // Through the listener to the registered target, then on to the database.
    ("internet", "eni-app1", Some(8080), 1, true, &["tcp/443", "load balancer web", "sgr-alb-out", "sgr-app-8080"]),
    // Relaying freely, the ALB would take the internet to the admin host's 22.
    ("internet", "eni-admin", Some(22), 1, false, &["no path through up to 1 intermediate"]),
    ("sg-alb", "eni-app1", Some(8080), 0, true, &["sgr-alb-out", "sgr-app-8080"]),
    // The admin host admits the ALB's group on 22, but is not a registered target.
    ("sg-alb", "eni-admin", Some(22), 0, false, &["only to its registered targets", "eni-admin"]),
    ("sg-alb", "rds:db", None, 1, true, &["sgr-app-8080", "sgr-db-app"]),
    // An internet-facing NLB forwarding 5432 to the database's address, registered as an IP target.
    ("internet", "rds:db2", None, 1, true, &["load balancer pg-public", "sgr-nlb-5432", "sgr-db2-nlb"]),
    // A Classic Load Balancer is not read: it relays as any member would, to anything that admits it.
    ("internet", "rds:db", Some(5432), 1, true, &["sgr-classic-80", "sgr-db-classic"]),
];

#[test]
fn reach_through_load_balancers() {
    ask("load_balancers", BALANCER_CASES);
}

/// Out to the internet over tests/fixtures/egress.json: one group that sends everything everywhere, its
/// members in subnets routed every way a VPC can (or cannot) reach the internet.
const EGRESS_CASES: &[Case] = &[
    (
        "eni-pub",
        "internet",
        Some(443),
        0,
        true,
        &["rtb-pub routes the internet (IPv4) to igw-e", "public address 54.1.1.1"],
    ),
    ("eni-pub-private", "internet", Some(443), 0, false, &["no public IPv4 address", "internet gateway drops"]),
    ("eni-nat", "internet", Some(443), 0, true, &["rtb-nat routes the internet (IPv4) to nat-e"]),
    ("eni-v6", "2600::/16", Some(443), 0, true, &["routes 2600::/16 to eigw-e"]),
    // No way out over IPv4, but the group also sends everything to ::/0, and the subnet routes IPv6 out.
    ("eni-v6", "internet", Some(443), 0, true, &["sgr-out-v6", "rtb-v6 routes the internet (IPv6) to eigw-e (::/0)"]),
    ("eni-v6", "0.0.0.0/0", Some(443), 0, false, &["rtb-v6 of subnet-v6 has no route to 0.0.0.0/0"]),
    (
        "eni-iso",
        "internet",
        Some(443),
        0,
        false,
        &["rtb-iso of subnet-iso has no route to the internet", "cannot leave the VPC"],
    ),
    (
        "eni-tgw",
        "internet",
        Some(443),
        0,
        false,
        &["UNKNOWN", "to tgw-central (0.0.0.0/0), whose way to the internet this audit does not follow"],
    ),
    ("eni-bh", "internet", Some(443), 0, false, &["rtb-bh of subnet-bh has no route to the internet"]),
    ("eni-acl", "internet", Some(443), 0, false, &["acl-deny-443", "rule 10 denies tcp/443"]),
    ("eni-acl", "internet", Some(80), 0, true, &["public address 54.1.1.7"]),
];

#[test]
fn reach_out_to_the_internet_needs_a_route_out() {
    let texts = ask("egress", EGRESS_CASES);
    // Nothing is proposed towards the internet.
    assert!(texts.iter().all(|t| !t.contains("aws ec2")), "{texts:#?}");
}

/// Peering over tests/fixtures/peering.json: vpc-a and vpc-b are peered (pcx-ab) with routes both ways (vpc-b's
/// back through a prefix list of vpc-a's block), except from subnet-b2; vpc-d reuses vpc-a's range and is not
/// peered with vpc-b; vpc-c's peering is still pending; vpc-x (10.9.0.0/16) is another account's, peered with
/// vpc-b and not audited, as is vpc-y (10.8.0.0/16), attached to tgw-1.
const PEERING_CASES: &[Case] = &[
    // A CIDR rule of vpc-b admits vpc-a's block: routed each way through pcx-ab.
    ("eni-app", "rds:db", None, 0, true, &["sgr-db-vpc-a", "rtb-a routes 10.1.1.20 to pcx-ab", "rtb-b routes 10.0.1.10 to pcx-ab (pl-a)"]),
    // A group reference across the peering; but subnet-b2's table has no route back.
    (
        "eni-app",
        "rds:db2",
        None,
        0,
        false,
        &["sgr-db2-app", "rtb-b2", "has no route for 10.0.1.10", "aws ec2 create-route --region us-east-1 --route-table-id rtb-b2 --destination-cidr-block 10.0.0.0/16 --vpc-peering-connection-id pcx-ab"],
    ),
    // The same address in vpc-d: the rule of vpc-b does not see it.
    ("eni-other", "rds:db", None, 0, false, &["ingress"]),
    // A pending peering carries nothing, and nothing is proposed over it.
    ("eni-c", "rds:db", None, 0, false, &["pcx-cb, which is pending-acceptance, not active"]),
    // Through transit gateway tgw-1: the subnet routes to it, its route table to the other VPC's attachment.
    ("eni-e", "rds:db3", None, 0, true, &["rtb-e routes 10.4.1.20 to tgw-1", "tgw-rtb-1 routes 10.4.1.20 to attachment tgw-attach-f", "rtb-f routes 10.3.1.10 to tgw-1"]),
    // A blackhole route in the transit gateway route table.
    (
        "eni-e",
        "rds:db5",
        None,
        0,
        false,
        &["blackhole", "aws ec2 replace-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-1 --destination-cidr-block 10.4.9.0/24 --transit-gateway-attachment-id tgw-attach-f"],
    ),
    // Transit gateway routes as AWS evaluates them. vpc-h's table has no route back to tgw-1: the reason names
    // the table and the route to add.
    (
        "eni-e",
        "rds:db7",
        None,
        0,
        false,
        &[
            "route table rtb-h of subnet-h1 has no route for 10.3.1.10, not to transit gateway tgw-1",
            "aws ec2 create-route --region us-east-1 --route-table-id rtb-h --destination-cidr-block 10.3.0.0/16 --transit-gateway-id tgw-1",
        ],
    ),
    // Static and propagated routes: for one destination the static route wins (tgw-rtb-1 lists a propagated
    // 10.7.0.0/16 to a VPN after it); the longer propagated route wins over a shorter static blackhole
    // (tgw-rtb-3, the way back).
    (
        "eni-e",
        "rds:db8",
        None,
        0,
        true,
        &["tgw-rtb-1 routes 10.7.1.20 to attachment tgw-attach-i (10.7.0.0/16, static)", "tgw-rtb-3 routes 10.3.1.10 to attachment tgw-attach-e (10.3.0.0/16, propagated)"],
    ),
    // A propagated route sends the subnet to the VPN: it cannot be replaced, a static route for it wins.
    (
        "eni-e",
        "rds:db9",
        None,
        0,
        false,
        &["sends 10.7.9.20 to tgw-attach-vpn (10.7.9.0/24, propagated)", "aws ec2 create-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-1 --destination-cidr-block 10.7.9.0/24 --transit-gateway-attachment-id tgw-attach-i"],
    ),
    // The way back is a route to a prefix list whose entries were not read: unknown, never "no route".
    ("eni-app", "rds:db6", None, 0, false, &["UNKNOWN", "prefix list pl-unread to pcx-ab"]),
    // The reply goes through a route table that was not read: unknown, with no fix proposed.
    ("eni-e", "rds:db4", None, 0, false, &["UNKNOWN", "tgw-rtb-2 of tgw-1 could not be read"]),
    // vpc-x, peered over pcx-bx, belongs to an account that was not audited: when this side's rules, route and
    // ACL let it through, the answer is unknown, both ways; when this side blocks, it is not reachable.
    ("10.9.1.5", "rds:db", None, 0, false, &["UNKNOWN", "vpc-x of account 222222222222", "rtb-b routes 10.9.1.5 to pcx-bx"]),
    ("eni-db", "10.9.1.5", Some(443), 0, false, &["UNKNOWN", "sgr-db-out-x", "joined over pcx-bx"]),
    (
        "10.9.1.5",
        "rds:db2",
        None,
        0,
        false,
        &["has no route for 10.9.1.5", "aws ec2 create-route --region us-east-1 --route-table-id rtb-b2 --destination-cidr-block 10.9.0.0/16 --vpc-peering-connection-id pcx-bx"],
    ),
    ("10.9.1.5", "rds:db6", None, 0, false, &["ingress", "CidrIp=10.9.1.5/32"]),
    // Commands AWS accepts. Across the cross-region peering pcx-aw (vpc-a in us-east-1, vpc-w in us-west-2) a
    // group reference is refused: each side's rule names the other side's subnet, in its own region.
    (
        "eni-west",
        "eni-app",
        Some(22),
        0,
        false,
        &[
            "no egress rule of sg-west (west) in us-west-2",
            "aws ec2 authorize-security-group-egress --region us-west-2 --group-id sg-west --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=10.0.1.0/24}]'",
            "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-app --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=10.20.1.0/24}]'",
            "peered across regions (pcx-aw)",
        ],
    ),
    // Over transit gateway tgw-1 the subnet is named too.
    (
        "eni-e",
        "rds:db3",
        Some(6379),
        0,
        false,
        &["transit gateway tgw-1", "--region us-east-1 --group-id sg-db3 --ip-permissions 'IpProtocol=tcp,FromPort=6379,ToPort=6379,IpRanges=[{CidrIp=10.3.1.0/24}]'"],
    ),
    // A group of another account in vpc-b (a shared VPC's participant), over the same-region peering pcx-ab:
    // a reference, with the owner of the group named.
    ("eni-app", "eni-shared", Some(8080), 0, false, &["UserIdGroupPairs=[{GroupId=sg-app,UserId=111111111111}]"]),
    // vpc-d and vpc-b were peered by pcx-db, now deleted: no rule is proposed, and the answer says why.
    ("eni-other", "eni-shared", Some(8080), 0, false, &["peering connection pcx-db, which is deleted"]),
    // vpc-y, another account's, is attached to tgw-1, and tgw-rtb-1 sends 10.8.0.0/16 to its attachment.
    ("10.8.3.4", "eni-e", Some(22), 0, false, &["UNKNOWN", "vpc-y of account 333333333333", "joined over tgw-1", "tgw-rtb-1 routes 10.8.3.4 to attachment tgw-attach-y"]),
];

#[test]
fn reach_across_peered_vpcs() {
    for (case, text) in PEERING_CASES.iter().zip(ask("peering", PEERING_CASES)) {
        if text.starts_with("UNKNOWN") {
            assert!(!text.contains("aws ec2") && !text.contains("Missing"), "{case:?}: nothing proposed:\n{text}");
        }
    }
}

/// The flow graph is gated as `reach` is: a flow the routes between VPCs block is no edge (and says what
/// blocks it), one that depends on a route table that was not read is an edge marked unknown.
#[test]
fn graph_edges_across_peered_vpcs_are_gated() {
    let inv = fixture("peering");
    let net = Network::new(&inv);
    let class = |id: &str| net.class_of_datastore(inv.datastores.iter().find(|d| d.id == id).unwrap()).unwrap();
    let app = net.class_of_interface(inv.interfaces.iter().find(|e| e.id == "eni-app").unwrap()).unwrap();
    let e = net.class_of_interface(inv.interfaces.iter().find(|e| e.id == "eni-e").unwrap()).unwrap();
    let edge = |from: usize, to: &str| {
        net.edges().iter().find(|x| x.from == sgaudit::flow::Node::Class(from) && x.to == class(to))
    };
    let blocked = |from: usize, to: &str| {
        net.blocked_flows().iter().find(|b| b.from == sgaudit::flow::Node::Class(from) && b.to == class(to))
    };
    // Routed each way: an edge, decided.
    assert!(edge(app, "db").is_some_and(|x| x.unknown.is_none()));
    assert!(edge(e, "db3").is_some_and(|x| x.unknown.is_none()));
    // No route back from subnet-b2; a blackhole in the transit gateway route table.
    assert!(edge(app, "db2").is_none());
    let b = blocked(app, "db2").expect("blocked by the route");
    assert_eq!(b.missing.half, "route");
    assert!(b.missing.detail.contains("rtb-b2"), "{b:?}");
    assert!(edge(e, "db5").is_none());
    assert!(blocked(e, "db5").is_some_and(|b| b.missing.detail.contains("blackhole")));
    // A prefix list whose entries were not read, a transit gateway route table that could not be read.
    assert!(edge(app, "db6").and_then(|x| x.unknown.as_deref()).is_some_and(|u| u.contains("pl-unread")));
    assert!(edge(e, "db4").and_then(|x| x.unknown.as_deref()).is_some_and(|u| u.contains("tgw-rtb-2")));
    let dot = sgaudit::report::render_graph(&net, &[], sgaudit::report::GraphFormat::Dot, true);
    // No route back from vpc-h; static before propagated; a propagated route to a VPN.
    assert!(blocked(e, "db7").is_some_and(|b| b.missing.detail.contains("rtb-h")));
    assert!(edge(e, "db8").is_some_and(|x| x.unknown.is_none()));
    assert!(blocked(e, "db9").is_some_and(|b| b.missing.detail.contains("propagated")));
    assert!(dot.contains("style=dashed") && dot.contains("// 4 flow(s) the security groups allow left out"), "{dot}");

    // A policy that allows the blocked flow reports it broken, with the route that is missing.
    let policy = sgaudit::policy::Policy::parse(
        "[tiers]\napp = [\"sg-app\"]\ndb2 = [\"sg-db2\"]\n\n[[allow]]\nfrom = \"app\"\nto = \"db2\"\nports = [5432]\n",
        "peering-policy.toml",
    )
    .unwrap();
    let findings = sgaudit::audit::audit_with_policy(&inv, Some(&policy));
    let broken = findings.iter().find(|f| f.check == "policy-flow-broken").expect("the route back is missing");
    let text = format!("{broken:?}");
    assert!(text.contains("create-route") && text.contains("rtb-b2"), "{text}");
}

#[test]
fn places_resolve_by_id_name_identifier_and_cidr() {
    let inv = fixture("flows");
    let net = Network::new(&inv);
    for ok in ["internet", "sg-db", "db", "web", "eni-app", "10.0.0.0/8", "10.1.2.3", "2600::/16"] {
        assert!(resolve(&net, ok).is_ok(), "{ok}");
    }
    assert!(resolve(&net, "eni-nope").unwrap_err().contains("is not `internet`"));
    assert!(resolve(&net, "nothing").unwrap_err().contains("is not `internet`"));
    // Qualified forms and ARNs.
    for ok in [
        "sg:web",
        "sg:sg-db",
        "eni:eni-app",
        "rds:db",
        "arn:aws:ec2:us-east-1:111111111111:security-group/sg-db",
        "arn:aws:rds:us-east-1:111111111111:db:db",
        "arn:aws:ec2:us-east-1:111111111111:network-interface/eni-app",
    ] {
        assert!(resolve(&net, ok).is_ok(), "{ok}: {:?}", resolve(&net, ok).err());
    }
    for bad in ["cache:db", "sg:db", "eni:web", "arn:aws:rds:eu-west-1:111111111111:db:db", "arn:aws:s3:::bucket"] {
        assert!(resolve(&net, bad).is_err(), "{bad}");
    }
    // A name that fits a group and a database lists both, each with the form that names it alone.
    let mut twin = inv.clone();
    let mut g = twin.groups[0].clone();
    (g.id, g.name) = ("sg-twin".into(), "db".into());
    twin.groups.push(g);
    let net = Network::new(&twin);
    let err = resolve(&net, "db").unwrap_err();
    assert!(err.contains("ambiguous") && err.contains("rds:db (rds-instance in us-east-1)"), "{err}");
    assert!(err.contains("sg:sg-twin (group db in us-east-1)"), "{err}");
    assert!(matches!(resolve(&net, "rds:db"), Ok(sgaudit::flow::Place::Datastore(_))));
}

/// No answer about the internet or a public range ever carries a command that admits a public peer.
#[test]
fn reach_never_recommends_exposure() {
    let inv = fixture("flows");
    let net = Network::new(&inv);
    let places: Vec<&str> = vec!["eni-web", "eni-app", "sg-app", "db", "eni-v6-private", "eni-mesh-1", "sg-batch"];
    for from in ["internet", "0.0.0.0/0", "52.0.0.0/8", "::/0", "2600::/16"] {
        for to in &places {
            for port in [Some(22), Some(5432), None] {
                let (f, t) = (resolve(&net, from).unwrap(), resolve(&net, to).unwrap());
                let answer = net.reach(&f, &t, Want { protocol: Protocol::Tcp, port }, 0);
                for m in &answer.missing {
                    let public_peer = ["0.0.0.0/0", "52.0.0.0/8", "::/0", "2600::/16"]
                        .iter()
                        .any(|c| m.command.as_deref().is_some_and(|cmd| cmd.contains(&format!("={c}"))));
                    assert!(!public_peer, "{from} → {to}: {:?}", m.command);
                    assert!(m.command.is_none() || m.half != "ingress", "{from} → {to}: {:?}", m.command);
                }
            }
        }
    }
}

/// `sgaudit reach` on the recordings: `(mock, args, exit code, what the output must mention)`.
#[test]
fn reach_on_the_recorded_accounts() {
    type Run = (&'static str, &'static [&'static str], i32, &'static [&'static str]);
    let cases: &[Run] = &[
        // The reporting host is open to the internet on all traffic and may read the database.
        (
            "tiered",
            &["--from", "internet", "--to", "ielts-prod-db", "--hops", "3"],
            0,
            &["in 2 hops", "ielts-reporting-sg", "igw-"],
        ),
        // Directly, the database has no public address (its ::/0 rule is the other half).
        ("tiered", &["--from", "internet", "--to", "ielts-prod-db"], 1, &["NOT REACHABLE", "no public address"]),
        // The design's path: ALB → backend → Redis.
        (
            "tiered",
            &["--from", "ielts-prod-alb-sg", "--to", "ielts-prod-redis", "--hops", "2"],
            0,
            &["in 2 hops", "ielts-prod-ecs-be-sg", "tcp/6379"],
        ),
        // The half-open Lambda flow: the exact egress rule to add.
        (
            "tiered",
            &["--from", "ielts-lambda-sg", "--to", "ielts-prod-db"],
            1,
            &["authorize-security-group-egress", "FromPort=5432"],
        ),
        // The ETL worker's Elastic IP sits in a private subnet.
        (
            "tiered",
            &["--from", "internet", "--to", "ielts-etl-sg", "--port", "5432"],
            1,
            &["no route to an internet gateway"],
        ),
        // Across the peering connection to the backend task in private-a, with both routes.
        (
            "tiered",
            &["--from", "ielts-monitoring-sg", "--to", "eni-0a1e9ad8cdadc4ccd", "--port", "9100"],
            0,
            &["REACHABLE", "routes 10.0.10.155 to pcx-", "routes 10.50.1.4 to pcx-"],
        ),
        // The task in private-b: that subnet's network ACL drops the scrape at rule 90.
        (
            "tiered",
            &["--from", "ielts-monitoring-sg", "--to", "eni-2c8a2788fbf742b65", "--port", "9100"],
            1,
            &["NOT REACHABLE", "rule 90 denies tcp/9100 from 10.50.0.0/16", "create-network-acl-entry"],
        ),
        // vprofile: the app tier reaches MySQL through the backend group's all-traffic rule.
        ("vprofile", &["--from", "vprofile-bean-app-sg", "--to", "vprofile-rds-mysql"], 0, &["directly", "tcp/3306"]),
        (
            "vprofile",
            &["--from", "internet", "--to", "vprofile-mc", "--hops", "2", "--format", "json"],
            0,
            &["\"reachable\": true", "vprofile-bean-elb-sg"],
        ),
        // dataplatform: the warehouse is closed to the internet on both halves, and nothing proposes opening it.
        (
            "dataplatform",
            &["--from", "internet", "--to", "redshift:dp-warehouse"],
            1,
            &["from a public source", "proposes no rule", "no public address"],
        ),
        // The VPC-wide rule on the proxy lets the internet-facing bastion in.
        (
            "dataplatform",
            &["--from", "internet", "--to", "rds:dp-proxy", "--hops", "2"],
            0,
            &["in 2 hops", "dp-bastion-sg", "tcp/5432 from 10.40.0.0/16 (an IPv4 block of vpc-"],
        ),
        // The ETL tier reaches every store the design gives it.
        ("dataplatform", &["--from", "dp-etl-sg", "--to", "opensearch:dp-logs"], 0, &["directly", "tcp/443"]),
        ("dataplatform", &["--from", "dp-etl-sg", "--to", "memorydb:dp-features"], 0, &["directly", "tcp/6379"]),
        ("dataplatform", &["--from", "dp-etl-sg", "--to", "dp-graph"], 0, &["directly", "tcp/8182"]),
        // The proxy reaches Aurora; the ETL tier does not, directly.
        ("dataplatform", &["--from", "rds:dp-proxy", "--to", "rds:dp-aurora"], 0, &["directly", "tcp/5432"]),
        ("dataplatform", &["--from", "dp-etl-sg", "--to", "dp-aurora"], 1, &["ingress", "GroupId="]),
    ];
    for (mock, args, code, mentions) in cases {
        let mut all = vec!["reach", "--replay"];
        let dir = format!("mocks/{mock}");
        all.push(&dir);
        all.extend_from_slice(args);
        let (got, out, err) = sgaudit(&all);
        assert_eq!(got, *code, "{args:?}:\n{out}{err}");
        for m in *mentions {
            assert!(out.contains(m), "{args:?} should mention {m}:\n{out}");
        }
    }
    let (code, _, err) = sgaudit(&["reach", "--replay", "mocks/tiered", "--from", "internet", "--to", "0.0.0.0/0"]);
    assert_eq!(code, 2);
    assert!(err.contains("both outside the account"), "{err}");
    let (code, _, err) = sgaudit(&["reach", "--replay", "mocks/tiered", "--from", "nope", "--to", "ielts-prod-db"]);
    assert_eq!(code, 2);
    assert!(err.contains("--from: `nope`"), "{err}");
}

/// The graph of each recording, in both formats: the tier diagrams of the designs.
#[test]
fn graphs_of_the_recorded_accounts() {
    for mock in ["tiered", "vprofile"] {
        for format in ["dot", "mermaid"] {
            let (code, out, err) = sgaudit(&["graph", "--replay", &format!("mocks/{mock}"), "--format", format]);
            assert_eq!(code, 0, "{err}");
            insta::assert_snapshot!(format!("graph_{mock}_{format}"), out);
        }
    }
}

/// The finding lines of the policy checks.
fn policy_lines(report: &serde_json::Value) -> String {
    finding_lines(report).into_iter().filter(|l| l.contains("policy")).collect::<Vec<_>>().join("\n")
}

/// With the shipped example policies: the flows the design does not intend, and the broken one.
#[test]
fn example_policies() {
    let (code, report) = audit_json(&["--replay", "mocks/tiered", "--policy", "mocks/tiered/policy.toml"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("policy_tiered", policy_lines(&report));
    let to_db = |tier: &str| {
        report["findings"].as_array().unwrap().iter().find(|f| {
            f["check"] == "flow-not-in-policy" && f["resource"]["name"] == format!("{tier} -> database").as_str()
        })
    };
    let fe_to_db = to_db("frontend").expect("the 10.0.0.0/16 rule lets the frontend reach the database");
    assert!(fe_to_db["message"].as_str().unwrap().contains("tcp/5000-6000"));
    // The rule admits the ALB's address too, but a load balancer opens connections only to its targets.
    assert!(to_db("alb").is_none(), "{:#}", report["findings"]);
    let broken = report["findings"].as_array().unwrap().iter().find(|f| f["check"] == "policy-flow-broken").unwrap();
    assert!(broken["remediation"]["commands"][0].as_str().unwrap().contains("authorize-security-group-egress"));

    let (_, report) = audit_json(&["--replay", "mocks/vprofile", "--policy", "mocks/vprofile/policy.toml"]);
    insta::assert_snapshot!("policy_vprofile", policy_lines(&report));

    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("p.toml");
    std::fs::write(&bad, "[tiers]\nweb = [\"x\"]\n\n[[allow]]\nfrom = \"web\"\nto = \"db\"\nports = [1]\n").unwrap();
    let (code, _, err) = sgaudit(&["audit", "--replay", "mocks/tiered", "--policy", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("p.toml: line 6, column 6: `db` is neither"), "{err}");
}

/// The policy checks on the flow fixture: tiers by name, ID and tag; allowed flows that work, one that is
/// half open, one whose tier has no members; and actual flows the policy does not list.
#[test]
fn policy_checks_on_the_flow_fixture() {
    let policy = sgaudit::policy::Policy::parse(
        r#"
[tiers]
web = ["web"]
app = ["sg-app"]
data = ["tag:Tier=data"]
admin = ["admin"]
ghost = ["sg-nonexistent"]

[[allow]]
from = "internet"
to = "web"
ports = [443]

[[allow]]
from = "web"
to = "app"
ports = [8080]

[[allow]]
from = "app"
to = "data"
ports = [5432]

[[allow]]
from = "app"
to = "web"
ports = [9000]

[[allow]]
from = "ghost"
to = "data"
ports = [5432]
"#,
        "flows-policy.toml",
    )
    .unwrap();
    let inv = fixture("flows");
    let findings = sgaudit::audit::audit_with_policy(&inv, Some(&policy));
    let lines: Vec<String> = findings
        .iter()
        .filter(|f| f.check.contains("policy"))
        .map(|f| format!("{} {} {}: {}", f.check, f.severity, f.resource.id, f.message))
        .collect();
    insta::assert_snapshot!("policy_flow_fixture", lines.join("\n"));
    // The half-open allowed flow names the rule to add: web's ingress from app on 9000.
    let broken = findings.iter().find(|f| f.resource.id == "app -> web").expect("app -> web is broken");
    assert!(broken.remediation.commands[0].contains("authorize-security-group-ingress"), "{broken:?}");
    assert!(broken.remediation.commands[0].contains("FromPort=9000"), "{broken:?}");
    assert!(findings.iter().any(|f| f.resource.id == "ghost -> data" && f.message.contains("no members")));
    // Without a policy, the policy checks say nothing.
    assert!(!sgaudit::audit::audit(&inv).iter().any(|f| f.check.contains("policy")));
}

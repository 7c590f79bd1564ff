//! Every AWS CLI command sgaudit prints is one AWS would accept: read back through the shapes of the EC2, RDS
//! and Redshift APIs against the account it was printed for. The region exists and is the one the named
//! resource lives in; the security group, route table, network ACL, transit gateway route table or database
//! exists there; `--ip-permissions` parses as one IpPermission; a group reference names a group that AWS lets
//! the rule name (same region, and the same VPC or one peered with it by an active connection; another
//! account's group with its `UserId`).
//!
//! The commands come from every finding of every fixture and recording, and from `reach` asked between every
//! pair of places of every fixture.

mod common;

use common::cli::{self, Command, Value};
use common::*;
use sgaudit::flow::{resolve, Network, Want};
use sgaudit::model::{Inventory, Protocol};
use std::collections::BTreeMap;

/// Why AWS would refuse `text`, printed for `inv`; `Ok` when it would take it.
fn accepted(inv: &Inventory, text: &str) -> Result<(), String> {
    let cmd = Command::parse(text)?;
    let region = cmd.one("region").ok_or("no single --region")?;
    let well_formed = region.split('-').count() >= 3 && region.ends_with(|c: char| c.is_ascii_digit());
    // A fixture that lists no regions has those its groups live in.
    let listed = inv.regions.iter().any(|r| r == region)
        || inv.regions.is_empty() && inv.groups.iter().any(|g| g.region == region);
    if !well_formed || !listed {
        return Err(format!("region {region} is not one of the account's {:?}", inv.regions));
    }
    let group = |id: &str| inv.groups.iter().find(|g| g.id == id && g.region == region);
    match (cmd.service.as_str(), cmd.operation.as_str()) {
        ("ec2", op) if op.ends_with("-security-group-ingress") || op.ends_with("-security-group-egress") => {
            let id = cmd.one("group-id").ok_or("no --group-id")?;
            let own = group(id).ok_or_else(|| format!("no group {id} in {region}"))?;
            if let Some(ids) = cmd.one("security-group-rule-ids") {
                for rule in ids.split(',') {
                    if !inv.rules.iter().any(|r| r.id.as_deref() == Some(rule) && r.group_id == id) {
                        return Err(format!("{rule} is no rule of {id}"));
                    }
                }
                return Ok(());
            }
            if let Some(p) = cmd.one("ip-permissions") {
                return permission(inv, own, &cli::shorthand(p)?);
            }
            // The simple form exists for ingress only: --protocol, --port and --source-group or --cidr.
            if op.ends_with("-egress") {
                return Err("egress takes --ip-permissions only".into());
            }
            let protocol = cmd.one("protocol").ok_or("no --protocol")?;
            Protocol::parse(protocol).map_err(|e| format!("--protocol {protocol}: {e}"))?;
            let port = cmd.one("port").ok_or("no --port")?;
            let placeholder = |v: &str| v.starts_with('<') && v.ends_with('>');
            if !placeholder(port) && port.split('-').any(|p| p.parse::<u16>().is_err()) {
                return Err(format!("--port {port}"));
            }
            match (cmd.one("source-group"), cmd.one("cidr")) {
                (Some(g), None) if placeholder(g) || group(g).is_some() => Ok(()),
                (None, Some(c)) if c.parse::<ipnet::IpNet>().is_ok() => Ok(()),
                _ => Err("one --source-group of the region or one --cidr".into()),
            }
        }
        ("ec2", "delete-security-group") => {
            let id = cmd.one("group-id").ok_or("no --group-id")?;
            let g = group(id).ok_or_else(|| format!("no group {id} in {region}"))?;
            if g.is_default() {
                return Err("AWS never deletes a default group".into());
            }
            Ok(())
        }
        ("ec2", "create-route" | "replace-route") => {
            let id = cmd.one("route-table-id").ok_or("no --route-table-id")?;
            if !inv.route_tables.iter().any(|t| t.id == id && t.region == region) {
                return Err(format!("no route table {id} in {region}"));
            }
            let destinations = ["destination-cidr-block", "destination-ipv6-cidr-block", "destination-prefix-list-id"];
            let targets = ["vpc-peering-connection-id", "transit-gateway-id"];
            let count = |keys: &[&str]| keys.iter().filter(|k| cmd.one(k).is_some()).count();
            if count(&destinations) != 1 || count(&targets) != 1 {
                return Err("one destination and one target".into());
            }
            // CreateRoute refuses a destination the table already routes (RouteAlreadyExists); ReplaceRoute
            // needs one.
            let table = inv.route_tables.iter().find(|t| t.id == id && t.region == region).expect("found above");
            let destination = destinations.iter().find_map(|k| cmd.one(k)).expect("counted above");
            let same = |d: &str| {
                d == destination || d.parse::<ipnet::IpNet>().is_ok_and(|n| Some(n) == destination.parse().ok())
            };
            let exists = table.routes.iter().any(|r| same(&r.destination));
            if exists == (cmd.operation == "create-route") {
                return Err(format!(
                    "{id} {} a route for {destination}",
                    if exists { "already has" } else { "has no" }
                ));
            }
            if let Some(pcx) = cmd.one("vpc-peering-connection-id") {
                if !inv.peerings.iter().any(|p| p.id == pcx && p.is_active()) {
                    return Err(format!("{pcx} is no active peering connection"));
                }
            }
            Ok(())
        }
        ("ec2", "create-transit-gateway-route" | "replace-transit-gateway-route") => {
            let id = cmd.one("transit-gateway-route-table-id").ok_or("no table")?;
            let table = inv.transit_gateway_route_tables.iter().find(|t| t.id == id && t.region == region);
            let table = table.ok_or_else(|| format!("no transit gateway route table {id} in {region}"))?;
            let attachment = cmd.one("transit-gateway-attachment-id").ok_or("no attachment")?;
            let same_gateway = inv
                .transit_gateway_attachments
                .iter()
                .any(|a| a.id == attachment && a.region == region && a.transit_gateway_id == table.transit_gateway_id);
            if !same_gateway {
                return Err(format!("{attachment} is no attachment of {}", table.transit_gateway_id));
            }
            let destination: ipnet::IpNet =
                cmd.one("destination-cidr-block").ok_or("no destination")?.parse().map_err(|e| format!("{e}"))?;
            // Only a static route can be replaced, and a static route cannot be created twice; a propagated one
            // is overridden by creating a static route for its destination.
            let routes = table.routes.as_deref().unwrap_or_default();
            let static_exists = routes.iter().any(|r| r.destination == destination && !r.propagated);
            if static_exists == (cmd.operation == "create-transit-gateway-route") {
                let has = if static_exists { "already has" } else { "has no" };
                return Err(format!("{id} {has} a static route for {destination}"));
            }
            Ok(())
        }
        ("ec2", "create-network-acl-entry" | "replace-network-acl-entry") => {
            let id = cmd.one("network-acl-id").ok_or("no --network-acl-id")?;
            if !inv.network_acls.iter().any(|a| a.id == id && a.region == region) {
                return Err(format!("no network ACL {id} in {region}"));
            }
            let number: u16 = cmd.one("rule-number").ok_or("no --rule-number")?.parse().map_err(|_| "rule number")?;
            if !(1..=32766).contains(&number) {
                return Err(format!("rule number {number} outside 1-32766"));
            }
            if cmd.options.contains_key("ingress") == cmd.options.contains_key("egress") {
                return Err("one of --ingress and --egress".into());
            }
            if !matches!(cmd.one("rule-action"), Some("allow" | "deny")) {
                return Err("--rule-action allow or deny".into());
            }
            match (cmd.one("cidr-block"), cmd.one("ipv6-cidr-block")) {
                (Some(c), None) if c.parse::<ipnet::Ipv4Net>().is_ok() => {}
                (None, Some(c)) if c.parse::<ipnet::Ipv6Net>().is_ok() => {}
                _ => return Err("one --cidr-block or --ipv6-cidr-block".into()),
            }
            let protocol = cmd.one("protocol").ok_or("no --protocol")?;
            if matches!(protocol, "6" | "17" | "tcp" | "udp") {
                let range = cli::shorthand(cmd.one("port-range").ok_or("no --port-range")?)?;
                let port = |k: &str| match range.get(k) {
                    Some(Value::Scalar(v)) => v.parse::<u16>().map_err(|_| format!("{k}={v}")),
                    _ => Err(format!("no {k}")),
                };
                if port("From")? > port("To")? {
                    return Err("From above To".into());
                }
            }
            Ok(())
        }
        ("rds", "modify-db-instance" | "modify-db-cluster") | ("redshift", "modify-cluster") => {
            let key = cmd.options.keys().find(|k| k.ends_with("-identifier")).ok_or("no identifier")?;
            let id = cmd.one(key).ok_or("no identifier value")?;
            if !inv.datastores.iter().any(|d| d.region == region && (d.id == id || d.id.ends_with(&format!(":{id}")))) {
                return Err(format!("no database {id} in {region}"));
            }
            Ok(())
        }
        ("redshift-serverless", "update-workgroup") => Ok(()),
        (service, op) => Err(format!("aws {service} {op}: not a command sgaudit is known to print")),
    }
}

/// One IpPermission as EC2 reads it, for a rule of `own`.
fn permission(inv: &Inventory, own: &sgaudit::model::SecurityGroup, p: &BTreeMap<String, Value>) -> Result<(), String> {
    let scalar = |k: &str| match p.get(k) {
        Some(Value::Scalar(v)) => Some(v.as_str()),
        _ => None,
    };
    let protocol = scalar("IpProtocol").ok_or("no IpProtocol")?;
    let protocol = Protocol::parse(protocol).map_err(|e| format!("IpProtocol={protocol}: {e}"))?;
    let port = |k: &str| scalar(k).map(|v| v.parse::<i32>().map_err(|_| format!("{k}={v}"))).transpose();
    let (from, to) = (port("FromPort")?, port("ToPort")?);
    match protocol {
        Protocol::Tcp | Protocol::Udp => match (from, to) {
            (Some(f), Some(t)) if 0 <= f && f <= t && t <= 65535 => {}
            other => return Err(format!("ports {other:?}")),
        },
        Protocol::Icmp | Protocol::Icmpv6 => match (from, to) {
            (Some(f), Some(t)) if (-1..=255).contains(&f) && (-1..=255).contains(&t) => {}
            other => return Err(format!("ICMP type and code {other:?}")),
        },
        _ => {}
    }
    let known = ["IpProtocol", "FromPort", "ToPort", "IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds"];
    if let Some(k) = p.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(format!("{k} is no member of IpPermission"));
    }
    let mut peers = 0;
    let list = |k: &str| match p.get(k) {
        Some(Value::List(items)) => items.as_slice(),
        _ => &[],
    };
    let field = |item: &BTreeMap<String, Value>, k: &str| match item.get(k) {
        Some(Value::Scalar(v)) => Some(v.clone()),
        _ => None,
    };
    for (key, field_name, v6) in [("IpRanges", "CidrIp", false), ("Ipv6Ranges", "CidrIpv6", true)] {
        for item in list(key) {
            let c = field(item, field_name).ok_or_else(|| format!("{key} without {field_name}"))?;
            let net: ipnet::IpNet = c.parse().map_err(|_| format!("{field_name}={c}"))?;
            if net.addr().is_ipv6() != v6 || net.trunc() != net {
                return Err(format!("{field_name}={c}: of the other family, or with host bits"));
            }
            peers += 1;
        }
    }
    for item in list("PrefixListIds") {
        let id = field(item, "PrefixListId").ok_or("PrefixListIds without PrefixListId")?;
        if !id.starts_with("pl-") {
            return Err(format!("PrefixListId={id}"));
        }
        peers += 1;
    }
    for item in list("UserIdGroupPairs") {
        let id = field(item, "GroupId").ok_or("a pair without GroupId")?;
        let user = field(item, "UserId");
        peers += 1;
        let Some(other) = inv.groups.iter().find(|g| g.id == id) else {
            // Another account's group that this audit did not read: only its owner can name it.
            if user.is_none() {
                return Err(format!("{id} is in no region of this account, and no UserId names its owner"));
            }
            continue;
        };
        if other.region != own.region {
            return Err(format!(
                "{id} is in {}, the rule's group in {}: AWS refuses the reference",
                other.region, own.region
            ));
        }
        if let (Some(a), Some(b)) = (&own.owner_id, &other.owner_id) {
            if a != b && user.as_deref() != Some(b.as_str()) {
                return Err(format!("{id} belongs to {b}: the pair needs UserId={b}"));
            }
        }
        let (Some(v1), Some(v2)) = (&own.vpc_id, &other.vpc_id) else { continue };
        let peered = inv.peerings.iter().any(|p| {
            let side =
                |s: &sgaudit::model::PeeringSide| (s.region.clone().unwrap_or(p.region.clone()), s.vpc_id.clone());
            let (a, b) = (side(&p.requester), side(&p.accepter));
            let (x, y) = ((own.region.clone(), v1.clone()), (other.region.clone(), v2.clone()));
            p.is_active() && a.0 == b.0 && ((a == x && b == y) || (a == y && b == x))
        });
        if v1 != v2 && !peered {
            return Err(format!(
                "{id} is in {v2}, the rule's group in {v1}, and no active same-region peering joins them"
            ));
        }
    }
    if peers == 0 {
        return Err("an IpPermission that names no peer".into());
    }
    Ok(())
}

/// The lines of a printed text that are AWS CLI commands.
fn printed(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| l.starts_with("aws "))
}

/// `reach` between every pair of places of a fixture (its groups, interfaces and datastores, the internet and
/// a private address), on a few ports: every command it prints.
fn reach_commands(inv: &Inventory) -> Vec<String> {
    let net = Network::new(inv);
    let mut places: Vec<String> = inv.groups.iter().map(|g| format!("sg:{}", g.id)).collect();
    places.extend(inv.interfaces.iter().map(|e| format!("eni:{}", e.id)));
    places.extend(["internet".to_string(), "10.99.1.5".to_string()]);
    let places: Vec<_> = places.iter().filter_map(|p| resolve(&net, p).ok()).collect();
    let mut out = Vec::new();
    for from in &places {
        for to in &places {
            for port in [22, 5432, 6379] {
                let want = Want { protocol: Protocol::Tcp, port: Some(port) };
                let answer = net.reach(from, to, want, 0);
                let text = sgaudit::report::render_reach_text(&sgaudit::report::reach_view(&net, &answer));
                out.extend(printed(&text).map(str::to_string));
            }
        }
    }
    out
}

fn finding_commands(inv: &Inventory) -> Vec<String> {
    let findings = sgaudit::audit::audit(inv);
    findings.into_iter().flat_map(|f| f.remediation.commands).collect()
}

/// The commands of the traffic checks over the flow-log fixture and its logs (the narrowed rules and the
/// revokes).
fn traffic_commands(inv: &Inventory) -> Vec<String> {
    let dir = root().join("tests/fixtures/flowlogs");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()).filter(|p| p.extension().is_some_and(|x| x == "log")))
        .collect();
    files.sort();
    let window = sgaudit::flowlog::Window {
        start: sgaudit::flowlog::parse_date("2026-11-01").unwrap(),
        end: sgaudit::flowlog::parse_date("2026-12-01").unwrap(),
    };
    let (ev, failed) = sgaudit::collect::flowlogs::read_paths(inv, &files, None, window);
    assert!(failed.is_empty());
    let audit = sgaudit::audit::audit_with_evidence(inv, None, Some(&ev));
    let commands: Vec<String> = audit.findings.into_iter().flat_map(|f| f.remediation.commands).collect();
    assert!(
        commands.iter().any(|c| c.contains("IpRanges=[{CidrIp=198.51.100.7/32},{CidrIp=203.0.113.9/32}]")),
        "{commands:#?}"
    );
    commands
}

fn fixtures() -> Vec<(String, Inventory)> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), fixture(&n))).collect()
}

fn recordings() -> Vec<(String, Inventory)> {
    mock_dirs()
        .into_iter()
        .map(|dir| (dir.file_name().unwrap().to_string_lossy().into_owned(), replay(&dir).unwrap()))
        .collect()
}

#[test]
fn every_printed_command_is_one_aws_accepts() {
    let mut seen = BTreeMap::<String, usize>::new();
    let mut refused = Vec::new();
    let sources = fixtures()
        .into_iter()
        .map(|(n, inv)| (n, inv, true))
        .chain(recordings().into_iter().map(|(n, inv)| (n, inv, false)))
        .chain(std::iter::once(("flowlogs (with its logs)".to_string(), fixture("flowlogs/inventory"), false)));
    for (name, inv, ask) in sources {
        let mut commands = finding_commands(&inv);
        if name == "flowlogs (with its logs)" {
            commands.extend(traffic_commands(&inv));
        }
        if ask {
            commands.extend(reach_commands(&inv));
        }
        commands.sort();
        commands.dedup();
        for c in commands {
            let op = c.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
            *seen.entry(op).or_default() += 1;
            if let Err(why) = accepted(&inv, &c) {
                refused.push(format!("{name}: {c}\n    {why}"));
            }
        }
    }
    assert!(refused.is_empty(), "commands AWS would refuse:\n{}", refused.join("\n"));
    // The test reads the commands it means to: each kind sgaudit prints was met at least once.
    for op in [
        "aws ec2 authorize-security-group-ingress",
        "aws ec2 authorize-security-group-egress",
        "aws ec2 revoke-security-group-ingress",
        "aws ec2 delete-security-group",
        "aws ec2 create-route",
        "aws ec2 replace-transit-gateway-route",
        "aws ec2 create-network-acl-entry",
        "aws rds modify-db-instance",
    ] {
        assert!(seen.contains_key(op), "no {op} printed; seen: {seen:?}");
    }
}

/// The validator refuses what AWS refuses: a test that cannot fail proves nothing.
#[test]
fn the_validator_refuses_what_aws_refuses() {
    let inv = fixture("peering");
    let refused = [
        // A region the account does not have.
        "aws ec2 authorize-security-group-ingress --region us-east-9 --group-id sg-db --ip-permissions 'IpProtocol=tcp,FromPort=1,ToPort=1,IpRanges=[{CidrIp=10.0.0.0/16}]'",
        // The group lives in another region.
        "aws ec2 authorize-security-group-ingress --region us-west-2 --group-id sg-db --ip-permissions 'IpProtocol=tcp,FromPort=1,ToPort=1,IpRanges=[{CidrIp=10.0.0.0/16}]'",
        // A reference across regions.
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-app --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,UserIdGroupPairs=[{GroupId=sg-west}]'",
        // A reference over a pending peering.
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-db --ip-permissions 'IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=sg-c}]'",
        // Another account's group without its owner.
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-shared --ip-permissions 'IpProtocol=tcp,FromPort=1,ToPort=1,UserIdGroupPairs=[{GroupId=sg-app}]'",
        // Shorthand that does not parse, ports out of order, a CIDR with host bits, no peer.
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-db --ip-permissions 'IpProtocol=tcp,FromPort=1,ToPort=1,IpRanges=[{CidrIp=10.0.0.0/16}'",
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-db --ip-permissions 'IpProtocol=tcp,FromPort=9,ToPort=1,IpRanges=[{CidrIp=10.0.0.0/16}]'",
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-db --ip-permissions 'IpProtocol=tcp,FromPort=1,ToPort=1,IpRanges=[{CidrIp=10.0.1.5/16}]'",
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-db --ip-permissions 'IpProtocol=tcp,FromPort=1,ToPort=1'",
        // A route through a peering connection that is not active.
        "aws ec2 create-route --region us-east-1 --route-table-id rtb-c --destination-cidr-block 10.20.0.0/16 --vpc-peering-connection-id pcx-cb",
        // A route the table already has; a replacement of one it does not have.
        "aws ec2 create-route --region us-east-1 --route-table-id rtb-a --destination-cidr-block 10.1.0.0/16 --vpc-peering-connection-id pcx-ab",
        "aws ec2 replace-route --region us-east-1 --route-table-id rtb-a --destination-cidr-block 10.30.0.0/16 --vpc-peering-connection-id pcx-ab",
        // A propagated transit gateway route cannot be replaced; a static one cannot be created twice.
        "aws ec2 replace-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-1 --destination-cidr-block 10.7.9.0/24 --transit-gateway-attachment-id tgw-attach-i",
        "aws ec2 create-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-1 --destination-cidr-block 10.4.9.0/24 --transit-gateway-attachment-id tgw-attach-f",
    ];
    for c in refused {
        assert!(accepted(&inv, c).is_err(), "accepted: {c}");
    }
    let taken = [
        "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-shared --ip-permissions 'IpProtocol=tcp,FromPort=1,ToPort=1,UserIdGroupPairs=[{GroupId=sg-app,UserId=111111111111}]'",
        "aws ec2 authorize-security-group-ingress --region us-west-2 --group-id sg-west --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=10.0.1.0/24}],Ipv6Ranges=[{CidrIpv6=2600:1f18::/56}]'",
    ];
    for c in taken {
        accepted(&inv, c).unwrap_or_else(|e| panic!("{c}: {e}"));
    }
}

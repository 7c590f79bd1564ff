//! EC2: security groups, their rules, network interfaces and managed prefix lists.

use super::outcome::{drain, settle, Call, Failure};
use crate::model::{
    Coverage, Direction, NetworkInterface, Peer, PeeringSide, PortRange, PrefixList, Protocol, Route, RouteTable, Rule,
    SecurityGroup, Subnet, Vpc, VpcPeering,
};
use aws_sdk_ec2::types as ec2;
use aws_sdk_ec2::Client;
use std::collections::BTreeSet;
use std::net::IpAddr;
use tracing::Instrument;

const SERVICE: &str = "ec2";

fn call<'a>(region: &'a str, operation: &'static str) -> Call<'a> {
    Call { region, service: SERVICE, operation }
}

/// Groups and rules: DescribeSecurityGroups and DescribeSecurityGroupRules run concurrently. When the rules
/// call fails, the rules embedded in the groups (without `sgr-` IDs) stand in, and the gap is recorded.
pub async fn groups_and_rules(
    client: &Client,
    region: &str,
    coverage: &mut Vec<Coverage>,
) -> (Vec<SecurityGroup>, Vec<Rule>) {
    let groups_call = drain(
        client.describe_security_groups().max_results(1000).into_paginator().send(),
        |page, out: &mut Vec<ec2::SecurityGroup>| out.extend(page.security_groups.unwrap_or_default()),
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeSecurityGroups"));
    let rules_call = drain(
        client.describe_security_group_rules().max_results(1000).into_paginator().send(),
        |page, out: &mut Vec<Rule>| {
            out.extend(page.security_group_rules().iter().filter_map(|r| convert_rule(r, region)))
        },
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeSecurityGroupRules"));
    let (raw_groups, rules) = tokio::join!(groups_call, rules_call);
    let rules_ok = rules.is_ok();
    let raw_groups = settle(call(region, "DescribeSecurityGroups"), raw_groups, coverage);
    let mut rules = settle(call(region, "DescribeSecurityGroupRules"), rules, coverage);
    if !rules_ok {
        rules = raw_groups.iter().flat_map(|g| rules_from_group(g, region)).collect();
    }
    let groups = raw_groups.iter().map(|g| convert_group(g, region)).collect();
    (groups, rules)
}

pub async fn interfaces(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<NetworkInterface> {
    let result = drain(
        client.describe_network_interfaces().max_results(1000).into_paginator().send(),
        |page, out: &mut Vec<NetworkInterface>| {
            out.extend(page.network_interfaces().iter().map(|n| convert_interface(n, region)))
        },
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeNetworkInterfaces"));
    settle(call(region, "DescribeNetworkInterfaces"), result.await, coverage)
}

/// Subnets and route tables, read concurrently: together they say which subnets route to an internet gateway.
pub async fn routing(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> (Vec<Subnet>, Vec<RouteTable>) {
    let subnets =
        drain(client.describe_subnets().max_results(1000).into_paginator().send(), |page, out: &mut Vec<Subnet>| {
            out.extend(page.subnets().iter().map(|s| convert_subnet(s, region)))
        })
        .instrument(super::outcome::span(region, SERVICE, "DescribeSubnets"));
    let tables = drain(
        client.describe_route_tables().max_results(100).into_paginator().send(),
        |page, out: &mut Vec<RouteTable>| {
            out.extend(page.route_tables().iter().map(|t| convert_route_table(t, region)))
        },
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeRouteTables"));
    let (subnets, tables) = tokio::join!(subnets, tables);
    let subnets = settle(call(region, "DescribeSubnets"), subnets, coverage);
    let tables = settle(call(region, "DescribeRouteTables"), tables, coverage);
    (subnets, tables)
}

/// VPCs and VPC peering connections, read concurrently: together they say which addresses are the account's.
pub async fn vpcs(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> (Vec<Vpc>, Vec<VpcPeering>) {
    let vpcs = drain(client.describe_vpcs().max_results(1000).into_paginator().send(), |page, out: &mut Vec<Vpc>| {
        out.extend(page.vpcs().iter().map(|v| convert_vpc(v, region)))
    })
    .instrument(super::outcome::span(region, SERVICE, "DescribeVpcs"));
    let peerings = drain(
        client.describe_vpc_peering_connections().max_results(1000).into_paginator().send(),
        |page, out: &mut Vec<VpcPeering>| {
            out.extend(page.vpc_peering_connections().iter().filter_map(|p| convert_peering(p, region)))
        },
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeVpcPeeringConnections"));
    let (vpcs, peerings) = tokio::join!(vpcs, peerings);
    let vpcs = settle(call(region, "DescribeVpcs"), vpcs, coverage);
    let peerings = settle(call(region, "DescribeVpcPeeringConnections"), peerings, coverage);
    (vpcs, peerings)
}

fn convert_vpc(v: &ec2::Vpc, region: &str) -> Vpc {
    let associated = |state: Option<&str>| state.is_none_or(|s| s == "associated");
    let mut cidrs: Vec<ipnet::IpNet> = v
        .cidr_block_association_set()
        .iter()
        .filter(|a| associated(a.cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str())))
        .filter_map(|a| a.cidr_block()?.parse().ok())
        .collect();
    if cidrs.is_empty() {
        cidrs.extend(v.cidr_block().and_then(|c| c.parse::<ipnet::IpNet>().ok()));
    }
    cidrs.extend(
        v.ipv6_cidr_block_association_set()
            .iter()
            .filter(|a| associated(a.ipv6_cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str())))
            .filter_map(|a| a.ipv6_cidr_block()?.parse::<ipnet::IpNet>().ok()),
    );
    Vpc {
        id: v.vpc_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        owner_id: v.owner_id().map(str::to_string),
        cidrs,
    }
}

fn convert_peering(p: &ec2::VpcPeeringConnection, region: &str) -> Option<VpcPeering> {
    let side = |i: &ec2::VpcPeeringConnectionVpcInfo| {
        let mut cidrs: Vec<ipnet::IpNet> =
            i.cidr_block_set().iter().filter_map(|c| c.cidr_block()?.parse().ok()).collect();
        if cidrs.is_empty() {
            cidrs.extend(i.cidr_block().and_then(|c| c.parse::<ipnet::IpNet>().ok()));
        }
        cidrs.extend(i.ipv6_cidr_block_set().iter().filter_map(|c| c.ipv6_cidr_block()?.parse::<ipnet::IpNet>().ok()));
        PeeringSide {
            vpc_id: i.vpc_id().unwrap_or_default().to_string(),
            owner_id: i.owner_id().map(str::to_string),
            region: i.region().map(str::to_string),
            cidrs,
        }
    };
    Some(VpcPeering {
        id: p.vpc_peering_connection_id()?.to_string(),
        region: region.to_string(),
        status: p.status().and_then(|s| s.code()).map(|c| c.as_str().to_string()).unwrap_or_default(),
        requester: side(p.requester_vpc_info()?),
        accepter: side(p.accepter_vpc_info()?),
    })
}

fn convert_subnet(s: &ec2::Subnet, region: &str) -> Subnet {
    let mut cidrs: Vec<ipnet::IpNet> = s.cidr_block().and_then(|c| c.parse().ok()).into_iter().collect();
    cidrs.extend(
        s.ipv6_cidr_block_association_set().iter().filter_map(|a| a.ipv6_cidr_block()?.parse::<ipnet::IpNet>().ok()),
    );
    Subnet {
        id: s.subnet_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        vpc_id: s.vpc_id().map(str::to_string),
        cidrs,
    }
}

fn convert_route_table(t: &ec2::RouteTable, region: &str) -> RouteTable {
    let associations = t.associations();
    RouteTable {
        id: t.route_table_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        vpc_id: t.vpc_id().map(str::to_string),
        main: associations.iter().any(|a| a.main() == Some(true)),
        subnet_ids: associations.iter().filter_map(|a| a.subnet_id().map(str::to_string)).collect(),
        routes: t
            .routes()
            .iter()
            .filter_map(|r| {
                let destination = r
                    .destination_cidr_block()
                    .or(r.destination_ipv6_cidr_block())
                    .or(r.destination_prefix_list_id())?
                    .to_string();
                let target = r
                    .gateway_id()
                    .or(r.egress_only_internet_gateway_id())
                    .or(r.nat_gateway_id())
                    .or(r.transit_gateway_id())
                    .or(r.vpc_peering_connection_id())
                    .or(r.network_interface_id())
                    .or(r.instance_id())
                    .or(r.local_gateway_id())
                    .or(r.carrier_gateway_id())
                    .unwrap_or("unknown")
                    .to_string();
                Some(Route { destination, target, blackhole: r.state() == Some(&ec2::RouteState::Blackhole) })
            })
            .collect(),
    }
}

/// The prefix lists that `rules` reference as peers or `tables` route to as destinations.
pub fn named_prefix_lists<'a>(rules: &'a [Rule], tables: &'a [RouteTable]) -> BTreeSet<&'a str> {
    let peers = rules.iter().filter_map(|r| match &r.peer {
        Peer::PrefixList(id) => Some(id.as_str()),
        _ => None,
    });
    let destinations = tables.iter().flat_map(|t| &t.routes).map(|r| r.destination.as_str());
    peers.chain(destinations.filter(|d| d.starts_with("pl-"))).collect()
}

/// Names and entries of the prefix lists `ids`; entries of different lists are read concurrently.
pub async fn prefix_lists(
    client: &Client,
    region: &str,
    ids: BTreeSet<&str>,
    coverage: &mut Vec<Coverage>,
) -> Vec<PrefixList> {
    if ids.is_empty() {
        return Vec::new();
    }
    let names = drain(
        client
            .describe_managed_prefix_lists()
            .set_prefix_list_ids(Some(ids.iter().map(|s| s.to_string()).collect()))
            .into_paginator()
            .send(),
        |page, out: &mut Vec<(String, String)>| {
            out.extend(page.prefix_lists().iter().map(|p| {
                (
                    p.prefix_list_id().unwrap_or_default().to_string(),
                    p.prefix_list_name().unwrap_or_default().to_string(),
                )
            }))
        },
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeManagedPrefixLists"));
    let entries = futures::future::join_all(ids.iter().map(|id| async move {
        let result = drain(
            client.get_managed_prefix_list_entries().prefix_list_id(*id).max_results(100).into_paginator().send(),
            |page, out: &mut Vec<ipnet::IpNet>| {
                out.extend(page.entries().iter().filter_map(|e| e.cidr().and_then(|c| c.parse::<ipnet::IpNet>().ok())))
            },
        )
        .instrument(super::outcome::span(region, SERVICE, "GetManagedPrefixListEntries"))
        .await;
        (id.to_string(), result)
    }));
    let (names, entries) = tokio::join!(names, entries);
    let names = settle(call(region, "DescribeManagedPrefixLists"), names, coverage);

    let mut lists = Vec::new();
    let mut pages = 0;
    let mut failures = Vec::new();
    for (id, result) in entries {
        match result {
            Ok((cidrs, p)) => {
                pages += p;
                let name = names.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()).unwrap_or_default();
                lists.push(PrefixList { id, region: region.to_string(), name, entries: cidrs });
            }
            Err(f) => failures.push((id, f)),
        }
    }
    // One coverage entry for the operation; a failure names every list it could not read.
    let c = call(region, "GetManagedPrefixListEntries");
    if failures.is_empty() {
        coverage.push(super::outcome::ok(c, pages));
    } else {
        let code = failures[0].1.code.clone();
        let message = failures.iter().map(|(id, f)| format!("{id}: {}", f.message)).collect::<Vec<_>>().join("; ");
        coverage.push(super::outcome::failed(c, Failure { code, message }));
    }
    lists
}

/// The regions enabled for the account (DescribeRegions without AllRegions lists only opted-in ones).
pub async fn enabled_regions(client: &Client) -> Result<Vec<String>, Failure> {
    let out = client.describe_regions().send().await.map_err(Failure::from)?;
    let mut regions: Vec<String> = out.regions().iter().filter_map(|r| r.region_name().map(str::to_string)).collect();
    regions.sort();
    Ok(regions)
}

fn convert_group(g: &ec2::SecurityGroup, region: &str) -> SecurityGroup {
    SecurityGroup {
        id: g.group_id().unwrap_or_default().to_string(),
        name: g.group_name().unwrap_or_default().to_string(),
        region: region.to_string(),
        vpc_id: g.vpc_id().map(str::to_string),
        owner_id: g.owner_id().map(str::to_string),
        description: g.description().unwrap_or_default().to_string(),
        tags: g
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect(),
    }
}

fn protocol(s: Option<&str>) -> Protocol {
    // An unparseable protocol is treated as all traffic: over-reporting beats missing an opening.
    s.and_then(|s| Protocol::parse(s).ok()).unwrap_or(Protocol::All)
}

fn ports(p: Protocol, from: Option<i32>, to: Option<i32>) -> PortRange {
    match p {
        Protocol::Tcp | Protocol::Udp => PortRange::from_api(from, to),
        Protocol::Icmp | Protocol::Icmpv6 => PortRange::from_api_icmp(from, to),
        _ => PortRange::ALL,
    }
}

fn convert_rule(r: &ec2::SecurityGroupRule, region: &str) -> Option<Rule> {
    let peer = if let Some(c) = r.cidr_ipv4() {
        Peer::Ipv4(c.parse().ok()?)
    } else if let Some(c) = r.cidr_ipv6() {
        Peer::Ipv6(c.parse().ok()?)
    } else if let Some(pl) = r.prefix_list_id() {
        Peer::PrefixList(pl.to_string())
    } else if let Some(g) = r.referenced_group_info() {
        Peer::Group {
            id: g.group_id()?.to_string(),
            owner_id: g.user_id().map(str::to_string),
            vpc_id: g.vpc_id().map(str::to_string),
        }
    } else {
        return None;
    };
    let protocol = protocol(r.ip_protocol());
    Some(Rule {
        id: r.security_group_rule_id().map(str::to_string),
        group_id: r.group_id()?.to_string(),
        region: region.to_string(),
        direction: if r.is_egress() == Some(true) { Direction::Egress } else { Direction::Ingress },
        protocol,
        ports: ports(protocol, r.from_port(), r.to_port()),
        peer,
        description: r.description().unwrap_or_default().to_string(),
    })
}

/// Rules from the permissions embedded in DescribeSecurityGroups: one rule per peer, without rule IDs.
fn rules_from_group(g: &ec2::SecurityGroup, region: &str) -> Vec<Rule> {
    let group_id = g.group_id().unwrap_or_default();
    let mut out = Vec::new();
    for (direction, perms) in [(Direction::Ingress, g.ip_permissions()), (Direction::Egress, g.ip_permissions_egress())]
    {
        for p in perms {
            let protocol = protocol(p.ip_protocol());
            let ports = ports(protocol, p.from_port(), p.to_port());
            let mut peers: Vec<(Peer, String)> = Vec::new();
            for r in p.ip_ranges() {
                if let Some(Ok(n)) = r.cidr_ip().map(str::parse) {
                    peers.push((Peer::Ipv4(n), r.description().unwrap_or_default().to_string()));
                }
            }
            for r in p.ipv6_ranges() {
                if let Some(Ok(n)) = r.cidr_ipv6().map(str::parse) {
                    peers.push((Peer::Ipv6(n), r.description().unwrap_or_default().to_string()));
                }
            }
            for r in p.prefix_list_ids() {
                if let Some(id) = r.prefix_list_id() {
                    peers.push((Peer::PrefixList(id.to_string()), r.description().unwrap_or_default().to_string()));
                }
            }
            for r in p.user_id_group_pairs() {
                if let Some(id) = r.group_id() {
                    peers.push((
                        Peer::Group {
                            id: id.to_string(),
                            owner_id: r.user_id().map(str::to_string),
                            vpc_id: r.vpc_id().map(str::to_string),
                        },
                        r.description().unwrap_or_default().to_string(),
                    ));
                }
            }
            out.extend(peers.into_iter().map(|(peer, description)| Rule {
                id: None,
                group_id: group_id.to_string(),
                region: region.to_string(),
                direction,
                protocol,
                ports,
                peer,
                description,
            }));
        }
    }
    out
}

fn convert_interface(n: &ec2::NetworkInterface, region: &str) -> NetworkInterface {
    let mut private_ips: Vec<IpAddr> = Vec::new();
    let mut public_ips: Vec<IpAddr> = Vec::new();
    let mut push_public = |ip: Option<&str>| {
        if let Some(Ok(ip)) = ip.map(str::parse::<IpAddr>) {
            if !public_ips.contains(&ip) {
                public_ips.push(ip);
            }
        }
    };
    push_public(n.association().and_then(|a| a.public_ip()));
    for p in n.private_ip_addresses() {
        if let Some(Ok(ip)) = p.private_ip_address().map(str::parse::<IpAddr>) {
            private_ips.push(ip);
        }
        push_public(p.association().and_then(|a| a.public_ip()));
    }
    if private_ips.is_empty() {
        if let Some(Ok(ip)) = n.private_ip_address().map(str::parse::<IpAddr>) {
            private_ips.push(ip);
        }
    }
    // IPv6 addresses are globally unique: whether one is reachable depends on routing, which this model
    // does not read, so they count as public.
    for a in n.ipv6_addresses() {
        push_public(a.ipv6_address());
    }
    NetworkInterface {
        id: n.network_interface_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        vpc_id: n.vpc_id().map(str::to_string),
        subnet_id: n.subnet_id().map(str::to_string),
        group_ids: n.groups().iter().filter_map(|g| g.group_id().map(str::to_string)).collect(),
        private_ips,
        public_ips,
        interface_type: n.interface_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
        requester_id: n.requester_id().map(str::to_string),
        requester_managed: n.requester_managed().unwrap_or(false),
        description: n.description().unwrap_or_default().to_string(),
        instance_id: n.attachment().and_then(|a| a.instance_id()).map(str::to_string),
    }
}

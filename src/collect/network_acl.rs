//! EC2 network ACLs: DescribeNetworkAcls, converted to the model's entries at the boundary.

use super::outcome::{drain, settle, Call};
use crate::model::{AclAction, AclEntry, Coverage, Direction, NetworkAcl, PortRange, Protocol};
use aws_sdk_ec2::types as ec2;
use aws_sdk_ec2::Client;
use tracing::Instrument;

/// Every network ACL of the region, with its entries and subnet associations.
pub async fn acls(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<NetworkAcl> {
    let result = drain(
        client.describe_network_acls().max_results(1000).into_paginator().send(),
        |page, out: &mut Vec<NetworkAcl>| out.extend(page.network_acls().iter().map(|a| convert(a, region))),
    )
    .instrument(super::outcome::span(region, "ec2", "DescribeNetworkAcls"));
    settle(Call { region, service: "ec2", operation: "DescribeNetworkAcls" }, result.await, coverage)
}

fn convert(a: &ec2::NetworkAcl, region: &str) -> NetworkAcl {
    NetworkAcl {
        id: a.network_acl_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        vpc_id: a.vpc_id().map(str::to_string),
        is_default: a.is_default() == Some(true),
        subnet_ids: a.associations().iter().filter_map(|s| s.subnet_id().map(str::to_string)).collect(),
        entries: a.entries().iter().filter_map(convert_entry).collect(),
    }
}

fn convert_entry(e: &ec2::NetworkAclEntry) -> Option<AclEntry> {
    let cidr = e.cidr_block().or(e.ipv6_cidr_block())?.parse().ok()?;
    // An unparseable protocol is read as all traffic: for an allow entry that over-reports paths, for a deny
    // entry it would hide them, so such a deny is dropped instead.
    let parsed = e.protocol().and_then(|p| Protocol::parse(p).ok());
    let action = match e.rule_action() {
        Some(ec2::RuleAction::Deny) => AclAction::Deny,
        _ => AclAction::Allow,
    };
    if parsed.is_none() && action == AclAction::Deny {
        return None;
    }
    let protocol = parsed.unwrap_or(Protocol::All);
    let ports = match protocol {
        Protocol::Tcp | Protocol::Udp => match e.port_range() {
            Some(r) => PortRange::from_api(r.from(), r.to()),
            None => PortRange::ALL,
        },
        Protocol::Icmp | Protocol::Icmpv6 => match e.icmp_type_code() {
            Some(t) => PortRange::from_api_icmp(t.r#type(), t.code()),
            None => PortRange::ALL,
        },
        _ => PortRange::ALL,
    };
    Some(AclEntry {
        number: u16::try_from(e.rule_number()?).unwrap_or(crate::model::LAST_RULE),
        direction: if e.egress() == Some(true) { Direction::Egress } else { Direction::Ingress },
        action,
        protocol,
        ports,
        cidr,
    })
}

//! References that cross a VPC or an account, asked of AWS instead of guessed: DescribeStaleSecurityGroups for
//! every VPC whose rules reference a group of another account or another VPC, and
//! DescribeSecurityGroupReferences for the groups of VPCs with an active peering connection. Neither call is
//! made for an account without such references, so emulators that lack them are not asked.

use super::outcome::{combine, drain, settle, span, Call, Failure, Outcome};
use crate::model::{
    Coverage, Direction, Peer, PeerReference, Rule, SecurityGroup, StaleCheck, StaleReference, VpcPeering,
};
use aws_sdk_ec2::Client;
use std::collections::{BTreeMap, BTreeSet};
use tracing::Instrument;

/// Group IDs per DescribeSecurityGroupReferences call.
const BATCH: usize = 100;

pub async fn references(
    client: &Client,
    region: &str,
    groups: &[SecurityGroup],
    rules: &[Rule],
    peerings: &[VpcPeering],
    coverage: &mut Vec<Coverage>,
) -> (Vec<StaleCheck>, Vec<PeerReference>) {
    let by_id: BTreeMap<&str, &SecurityGroup> = groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let mut vpcs: BTreeSet<&str> = BTreeSet::new();
    for r in rules {
        let (Peer::Group { owner_id, vpc_id, .. }, Some(own)) = (&r.peer, by_id.get(r.group_id.as_str())) else {
            continue;
        };
        let other_account = owner_id.is_some() && own.owner_id.is_some() && owner_id != &own.owner_id;
        let other_vpc = vpc_id.is_some() && own.vpc_id.is_some() && vpc_id != &own.vpc_id;
        if let (true, Some(v)) = (other_account || other_vpc, own.vpc_id.as_deref()) {
            vpcs.insert(v);
        }
    }
    let peered: BTreeSet<&str> = peerings
        .iter()
        .filter(|p| p.is_active())
        .flat_map(|p| [p.requester.vpc_id.as_str(), p.accepter.vpc_id.as_str()])
        .collect();
    let referable: Vec<String> = groups
        .iter()
        .filter(|g| g.vpc_id.as_deref().is_some_and(|v| peered.contains(v)))
        .map(|g| g.id.clone())
        .collect();

    let stale = futures::future::join_all(vpcs.iter().map(|vpc| stale_in(client, region, vpc)));
    let referenced = futures::future::join_all(referable.chunks(BATCH).map(|chunk| {
        async move {
            let out = client.describe_security_group_references().set_group_id(Some(chunk.to_vec())).send().await?;
            let refs = out
                .security_group_reference_set()
                .iter()
                .map(|r| PeerReference {
                    region: region.to_string(),
                    group_id: r.group_id().unwrap_or_default().to_string(),
                    referencing_vpc_id: r.referencing_vpc_id().unwrap_or_default().to_string(),
                    via: r.vpc_peering_connection_id().or(r.transit_gateway_id()).map(str::to_string),
                })
                .collect();
            Ok::<_, Failure>((refs, 1))
        }
        .instrument(span(region, "ec2", "DescribeSecurityGroupReferences"))
    }));
    let (stale, referenced) = tokio::join!(stale, referenced);
    let checks = if stale.is_empty() {
        Vec::new()
    } else {
        settle(Call { region, service: "ec2", operation: "DescribeStaleSecurityGroups" }, combine(stale), coverage)
    };
    let refs = if referenced.is_empty() {
        Vec::new()
    } else {
        let call = Call { region, service: "ec2", operation: "DescribeSecurityGroupReferences" };
        settle(call, combine(referenced), coverage)
    };
    (checks, refs)
}

/// One VPC's stale references, every page.
async fn stale_in(client: &Client, region: &str, vpc: &str) -> Outcome<StaleCheck> {
    let (stale, pages) = drain(
        client.describe_stale_security_groups().vpc_id(vpc).max_results(255).into_paginator().send(),
        |page, out: &mut Vec<StaleReference>| {
            for g in page.stale_security_group_set() {
                let group = g.group_id().unwrap_or_default();
                let directions = [
                    (Direction::Ingress, g.stale_ip_permissions()),
                    (Direction::Egress, g.stale_ip_permissions_egress()),
                ];
                for (direction, perms) in directions {
                    for pair in perms.iter().flat_map(|p| p.user_id_group_pairs()) {
                        out.push(StaleReference {
                            group_id: group.to_string(),
                            direction,
                            peer_group_id: pair.group_id().unwrap_or_default().to_string(),
                            peering_status: pair.peering_status().map(str::to_string),
                            peering_connection_id: pair.vpc_peering_connection_id().map(str::to_string),
                        });
                    }
                }
            }
        },
    )
    .instrument(span(region, "ec2", "DescribeStaleSecurityGroups"))
    .await?;
    Ok((vec![StaleCheck { region: region.to_string(), vpc_id: vpc.to_string(), stale }], pages))
}

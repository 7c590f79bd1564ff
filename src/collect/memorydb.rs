//! MemoryDB: clusters, with their subnet groups (for the VPC and subnets they live in).

use super::outcome::{drain, port, settle, span, Call};
use crate::model::{Coverage, Datastore, ResourceKind};
use aws_sdk_memorydb::Client;
use std::collections::HashMap;
use tracing::Instrument;

const SERVICE: &str = "memorydb";

/// A subnet group: its name, VPC and subnets.
type SubnetGroup = (String, (Option<String>, Vec<String>));

pub async fn clusters(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Datastore> {
    let clusters = drain(
        client.describe_clusters().max_results(100).into_paginator().send(),
        |page, out: &mut Vec<(Datastore, Option<String>)>| {
            out.extend(page.clusters().iter().map(|c| {
                let d = Datastore {
                    kind: ResourceKind::MemorydbCluster,
                    id: c.name().unwrap_or_default().to_string(),
                    region: region.to_string(),
                    engine: c.engine().unwrap_or("redis").to_string(),
                    port: port(c.cluster_endpoint().map(|e| e.port())),
                    group_ids: c
                        .security_groups()
                        .iter()
                        .filter_map(|g| g.security_group_id().map(str::to_string))
                        .collect(),
                    publicly_accessible: false,
                    endpoint: c.cluster_endpoint().and_then(|e| e.address()).map(str::to_string),
                    vpc_id: None,
                    parent: None,
                    subnet_ids: Vec::new(),
                    extra_ports: Vec::new(),
                };
                (d, c.subnet_group_name().map(str::to_string))
            }))
        },
    )
    .instrument(span(region, SERVICE, "DescribeClusters"));
    let groups = drain(
        client.describe_subnet_groups().max_results(100).into_paginator().send(),
        |page, out: &mut Vec<SubnetGroup>| {
            out.extend(page.subnet_groups().iter().map(|g| {
                (
                    g.name().unwrap_or_default().to_string(),
                    (
                        g.vpc_id().map(str::to_string),
                        g.subnets().iter().filter_map(|s| s.identifier().map(str::to_string)).collect(),
                    ),
                )
            }))
        },
    )
    .instrument(span(region, SERVICE, "DescribeSubnetGroups"));
    let (clusters, groups) = tokio::join!(clusters, groups);
    let clusters = settle(Call { region, service: SERVICE, operation: "DescribeClusters" }, clusters, coverage);
    let groups: HashMap<String, (Option<String>, Vec<String>)> =
        settle(Call { region, service: SERVICE, operation: "DescribeSubnetGroups" }, groups, coverage)
            .into_iter()
            .collect();
    clusters
        .into_iter()
        .map(|(mut d, group)| {
            if let Some((vpc, subnets)) = group.and_then(|g| groups.get(&g)) {
                d.vpc_id.clone_from(vpc);
                d.subnet_ids.clone_from(subnets);
            }
            d
        })
        .collect()
}

//! Redshift: provisioned clusters with their cluster subnet groups.

use super::outcome::{drain, port, settle, span, Call};
use crate::model::{Coverage, Datastore, ResourceKind};
use aws_sdk_redshift::types as rs;
use aws_sdk_redshift::Client;
use std::collections::HashMap;
use tracing::Instrument;

/// Provisioned clusters. A cluster names its subnet group; DescribeClusterSubnetGroups says which subnets
/// that is, read at the same time.
pub async fn clusters(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Datastore> {
    const SERVICE: &str = "redshift";
    let clusters = drain(
        client.describe_clusters().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<(Datastore, Option<String>)>| {
            out.extend(page.clusters().iter().map(|c| cluster(c, region)))
        },
    )
    .instrument(span(region, SERVICE, "DescribeClusters"));
    let groups = drain(
        client.describe_cluster_subnet_groups().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<(String, Vec<String>)>| {
            out.extend(page.cluster_subnet_groups().iter().map(|g| {
                (
                    g.cluster_subnet_group_name().unwrap_or_default().to_string(),
                    g.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect(),
                )
            }))
        },
    )
    .instrument(span(region, SERVICE, "DescribeClusterSubnetGroups"));
    let (clusters, groups) = tokio::join!(clusters, groups);
    let clusters = settle(Call { region, service: SERVICE, operation: "DescribeClusters" }, clusters, coverage);
    let groups: HashMap<String, Vec<String>> =
        settle(Call { region, service: SERVICE, operation: "DescribeClusterSubnetGroups" }, groups, coverage)
            .into_iter()
            .collect();
    clusters
        .into_iter()
        .map(|(mut d, group)| {
            if let Some(subnets) = group.and_then(|g| groups.get(&g)) {
                d.subnet_ids.clone_from(subnets);
            }
            d
        })
        .collect()
}

fn cluster(c: &rs::Cluster, region: &str) -> (Datastore, Option<String>) {
    let endpoint = c.endpoint();
    // A publicly accessible cluster has a public address: its Elastic IP, else one AWS assigns.
    let address = match (endpoint.and_then(|e| e.address()), c.elastic_ip_status().and_then(|e| e.elastic_ip())) {
        (Some(a), Some(ip)) => Some(format!("{a} (Elastic IP {ip})")),
        (a, _) => a.map(str::to_string),
    };
    let d = Datastore {
        kind: ResourceKind::RedshiftCluster,
        id: c.cluster_identifier().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine: "redshift".to_string(),
        port: port(endpoint.and_then(|e| e.port())),
        group_ids: c
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        publicly_accessible: c.publicly_accessible().unwrap_or(false),
        endpoint: address,
        vpc_id: c.vpc_id().map(str::to_string),
        parent: None,
        subnet_ids: Vec::new(),
        extra_ports: Vec::new(),
    };
    (d, c.cluster_subnet_group_name().map(str::to_string))
}

//! ElastiCache: cache clusters (with node info), replication groups and serverless caches.

use super::outcome::{drain, port, settle, Call};
use crate::model::{Coverage, Datastore, ResourceKind};
use aws_sdk_elasticache::types as ec;
use aws_sdk_elasticache::Client;
use tracing::Instrument;

const SERVICE: &str = "elasticache";

pub async fn datastores(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Datastore> {
    let clusters = drain(
        client.describe_cache_clusters().show_cache_node_info(true).max_records(100).into_paginator().send(),
        |page, out: &mut Vec<Datastore>| out.extend(page.cache_clusters().iter().map(|c| cluster(c, region))),
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeCacheClusters"));
    let groups = drain(
        client.describe_replication_groups().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<ec::ReplicationGroup>| out.extend(page.replication_groups.unwrap_or_default()),
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeReplicationGroups"));
    let serverless = drain(
        client.describe_serverless_caches().max_results(100).into_paginator().send(),
        |page, out: &mut Vec<Datastore>| {
            out.extend(page.serverless_caches().iter().map(|s| serverless_cache(s, region)))
        },
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeServerlessCaches"));
    let (clusters, groups, serverless) = tokio::join!(clusters, groups, serverless);
    let mut out = settle(Call { region, service: SERVICE, operation: "DescribeCacheClusters" }, clusters, coverage);
    let groups = settle(Call { region, service: SERVICE, operation: "DescribeReplicationGroups" }, groups, coverage);
    let serverless =
        settle(Call { region, service: SERVICE, operation: "DescribeServerlessCaches" }, serverless, coverage);
    // A replication group has no groups of its own in the API: it carries its member clusters' groups.
    let groups: Vec<Datastore> = groups.iter().map(|g| replication_group(g, region, &out)).collect();
    for c in &mut out {
        if let Some(parent) = &c.parent {
            if !groups.iter().any(|g| &g.id == parent) {
                c.parent = None;
            }
        }
    }
    out.extend(groups);
    out.extend(serverless);
    out
}

fn cluster(c: &ec::CacheCluster, region: &str) -> Datastore {
    let endpoint = c.configuration_endpoint().or_else(|| c.cache_nodes().iter().find_map(|n| n.endpoint()));
    Datastore {
        kind: ResourceKind::ElasticacheCluster,
        id: c.cache_cluster_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine: c.engine().unwrap_or_default().to_string(),
        port: port(endpoint.and_then(|e| e.port())),
        group_ids: c.security_groups().iter().filter_map(|g| g.security_group_id().map(str::to_string)).collect(),
        publicly_accessible: false,
        endpoint: endpoint.and_then(|e| e.address()).map(str::to_string),
        vpc_id: None,
        parent: c.replication_group_id().map(str::to_string),
        subnet_ids: Vec::new(),
        extra_ports: Vec::new(),
    }
}

fn replication_group(g: &ec::ReplicationGroup, region: &str, clusters: &[Datastore]) -> Datastore {
    let id = g.replication_group_id().unwrap_or_default().to_string();
    let members: Vec<&Datastore> = clusters
        .iter()
        .filter(|c| c.parent.as_deref() == Some(id.as_str()) || g.member_clusters().contains(&c.id))
        .collect();
    let mut group_ids: Vec<String> = members.iter().flat_map(|c| c.group_ids.iter().cloned()).collect();
    group_ids.sort();
    group_ids.dedup();
    let endpoint = g.configuration_endpoint().or_else(|| g.node_groups().iter().find_map(|n| n.primary_endpoint()));
    let engine = g
        .engine()
        .map(str::to_string)
        .or_else(|| members.first().map(|c| c.engine.clone()))
        .unwrap_or_else(|| "redis".to_string());
    Datastore {
        kind: ResourceKind::ElasticacheReplicationGroup,
        id,
        region: region.to_string(),
        engine,
        port: port(endpoint.and_then(|e| e.port())).or_else(|| members.iter().find_map(|c| c.port)),
        group_ids,
        publicly_accessible: false,
        endpoint: endpoint.and_then(|e| e.address()).map(str::to_string),
        vpc_id: None,
        parent: None,
        subnet_ids: Vec::new(),
        extra_ports: Vec::new(),
    }
}

fn serverless_cache(s: &ec::ServerlessCache, region: &str) -> Datastore {
    Datastore {
        kind: ResourceKind::ElasticacheServerless,
        id: s.serverless_cache_name().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine: s.engine().unwrap_or_default().to_string(),
        port: port(s.endpoint().and_then(|e| e.port())),
        group_ids: s.security_group_ids().to_vec(),
        publicly_accessible: false,
        endpoint: s.endpoint().and_then(|e| e.address()).map(str::to_string),
        vpc_id: None,
        parent: None,
        subnet_ids: Vec::new(),
        extra_ports: Vec::new(),
    }
}

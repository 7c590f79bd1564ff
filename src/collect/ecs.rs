//! ECS: every service of every cluster, at any task count. A service in `awsvpc` mode names the groups its
//! tasks get; scaled to zero it has no interface, and still needs them at the next deployment.

use super::outcome::{combine, drain, settle, span, Call, Failure, Outcome};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_ecs::types as ecs;
use aws_sdk_ecs::Client;
use futures::StreamExt;
use tracing::Instrument;

const SERVICE: &str = "ecs";
/// The most services DescribeServices takes at once.
const BATCH: usize = 10;
/// Clusters read at once.
const CONCURRENCY: usize = 8;

pub async fn services(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let clusters = drain(client.list_clusters().max_results(100).into_paginator().send(), |page, out| {
        out.extend(page.cluster_arns().iter().cloned())
    })
    .instrument(span(region, SERVICE, "ListClusters"))
    .await;
    let clusters = settle(Call { region, service: SERVICE, operation: "ListClusters" }, clusters, coverage);
    if clusters.is_empty() {
        return Vec::new();
    }
    let per_cluster: Vec<_> = futures::stream::iter(clusters.iter().map(|c| cluster(client, region, c)))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let (listed, described): (Vec<_>, Vec<_>) = per_cluster.into_iter().unzip();
    settle(Call { region, service: SERVICE, operation: "ListServices" }, combine(listed), coverage);
    let described: Vec<_> = described.into_iter().flatten().collect();
    if described.is_empty() {
        return Vec::new();
    }
    settle(Call { region, service: SERVICE, operation: "DescribeServices" }, combine(described), coverage)
}

/// ListServices for one cluster, then DescribeServices ten at a time. The listing's outcome carries no items.
async fn cluster(client: &Client, region: &str, arn: &str) -> (Outcome<()>, Vec<Outcome<Holder>>) {
    let listed = drain(client.list_services().cluster(arn).max_results(100).into_paginator().send(), |page, out| {
        out.extend(page.service_arns().iter().cloned())
    })
    .instrument(span(region, SERVICE, "ListServices"))
    .await;
    let (arns, pages) = match listed {
        Ok(l) => l,
        Err(f) => return (Err(f), Vec::new()),
    };
    let cluster_name = arn.rsplit('/').next().unwrap_or(arn);
    let described = futures::future::join_all(arns.chunks(BATCH).map(|chunk| {
        async move {
            let out = client.describe_services().cluster(arn).set_services(Some(chunk.to_vec())).send().await?;
            // A service the call could not describe is a resource not read: the batch fails. One deleted since it
            // was listed (`MISSING`) holds nothing.
            if let Some(f) = out.failures().iter().find(|f| f.reason() != Some("MISSING")) {
                return Err(Failure {
                    code: f.reason().unwrap_or("Failure").to_string(),
                    message: format!("{}: {}", f.arn().unwrap_or_default(), f.detail().unwrap_or_default()),
                });
            }
            Ok((out.services().iter().map(|s| holder(s, cluster_name, region)).collect(), 1))
        }
        .instrument(span(region, SERVICE, "DescribeServices"))
    }))
    .await;
    (Ok((Vec::new(), pages)), described)
}

fn holder(s: &ecs::Service, cluster: &str, region: &str) -> Holder {
    let configs = s
        .network_configuration()
        .into_iter()
        .chain(s.task_sets().iter().filter_map(|t| t.network_configuration()))
        .chain(s.deployments().iter().filter_map(|d| d.network_configuration()));
    let mut ids: Vec<String> =
        configs.filter_map(|n| n.awsvpc_configuration()).flat_map(|a| a.security_groups().iter().cloned()).collect();
    ids.sort();
    ids.dedup();
    let s_ = if s.running_count() == 1 { "" } else { "s" };
    Holder {
        kind: HolderKind::EcsService,
        id: s.service_name().unwrap_or_default().to_string(),
        region: region.to_string(),
        detail: format!(
            "in cluster {cluster} at {} running task{s_} (desired {})",
            s.running_count(),
            s.desired_count()
        ),
        group_ids: ids,
        group_names: Vec::new(),
    }
}

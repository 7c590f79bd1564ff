//! EKS: clusters (their cluster group and additional groups) and managed node groups (the remote-access group
//! EKS creates for them). Nodes launched from a launch template are held by that template.

use super::outcome::{combine, drain, settle, span, Call, Failure, Outcome};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_eks::Client;
use futures::StreamExt;
use tracing::Instrument;

const SERVICE: &str = "eks";
/// Clusters read at once.
const CONCURRENCY: usize = 8;

pub async fn clusters(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let names = drain(client.list_clusters().max_results(100).into_paginator().send(), |page, out| {
        out.extend(page.clusters().iter().cloned())
    })
    .instrument(span(region, SERVICE, "ListClusters"))
    .await;
    let names = settle(Call { region, service: SERVICE, operation: "ListClusters" }, names, coverage);
    if names.is_empty() {
        return Vec::new();
    }
    let per_cluster: Vec<_> = futures::stream::iter(names.iter().map(|n| cluster(client, region, n)))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let (mut described, mut listed, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    for (d, l, g) in per_cluster {
        described.push(d);
        listed.push(l);
        groups.extend(g);
    }
    let mut out = settle(Call { region, service: SERVICE, operation: "DescribeCluster" }, combine(described), coverage);
    settle(Call { region, service: SERVICE, operation: "ListNodegroups" }, combine(listed), coverage);
    if !groups.is_empty() {
        out.extend(settle(
            Call { region, service: SERVICE, operation: "DescribeNodegroup" },
            combine(groups),
            coverage,
        ));
    }
    out
}

/// DescribeCluster, and ListNodegroups with DescribeNodegroup for each node group.
async fn cluster(client: &Client, region: &str, name: &str) -> (Outcome<Holder>, Outcome<()>, Vec<Outcome<Holder>>) {
    let described = async {
        let out = client.describe_cluster().name(name).send().await?;
        let vpc = out.cluster().and_then(|c| c.resources_vpc_config());
        let mut ids: Vec<String> = vpc.map(|v| v.security_group_ids().to_vec()).unwrap_or_default();
        ids.extend(vpc.and_then(|v| v.cluster_security_group_id()).map(str::to_string));
        let holder = Holder {
            kind: HolderKind::EksCluster,
            id: name.to_string(),
            region: region.to_string(),
            detail: String::new(),
            group_ids: ids,
            group_names: Vec::new(),
        };
        Ok::<_, Failure>((vec![holder], 1))
    }
    .instrument(span(region, SERVICE, "DescribeCluster"));
    let listed =
        drain(client.list_nodegroups().cluster_name(name).max_results(100).into_paginator().send(), |page, out| {
            out.extend(page.nodegroups().iter().cloned())
        })
        .instrument(span(region, SERVICE, "ListNodegroups"));
    let (described, listed) = tokio::join!(described, listed);
    let (nodegroups, pages) = match listed {
        Ok(l) => l,
        Err(f) => return (described, Err(f), Vec::new()),
    };
    let groups = futures::future::join_all(nodegroups.iter().map(|ng| {
        async move {
            let out = client.describe_nodegroup().cluster_name(name).nodegroup_name(ng).send().await?;
            let g = out.nodegroup();
            let ids: Vec<String> = g
                .and_then(|g| g.resources())
                .and_then(|r| r.remote_access_security_group())
                .map(str::to_string)
                .into_iter()
                .collect();
            let nodes = g.and_then(|g| g.scaling_config()).and_then(|s| s.desired_size()).unwrap_or_default();
            let s = if nodes == 1 { "" } else { "s" };
            let holder = Holder {
                kind: HolderKind::EksNodegroup,
                id: format!("{name}/{ng}"),
                region: region.to_string(),
                detail: format!("at {nodes} node{s}"),
                group_ids: ids,
                group_names: Vec::new(),
            };
            Ok::<_, Failure>((vec![holder], 1))
        }
        .instrument(span(region, SERVICE, "DescribeNodegroup"))
    }))
    .await;
    (described, Ok((Vec::new(), pages)), groups)
}

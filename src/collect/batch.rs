//! AWS Batch: managed compute environments name the groups of the instances or Fargate tasks they start for
//! jobs. At zero vCPUs between jobs they run nothing, and the next job needs the groups. The job queues that
//! send work to each environment are named with it.

use super::outcome::{drain, settle, span, Call};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_batch::Client;
use std::collections::BTreeMap;
use tracing::Instrument;

const SERVICE: &str = "batch";

/// DescribeComputeEnvironments and DescribeJobQueues, 100 a page (the most they return).
pub async fn compute_environments(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let envs = drain(client.describe_compute_environments().max_results(100).into_paginator().send(), |page, out| {
        out.extend(page.compute_environments().iter().filter_map(|e| {
            let groups = e.compute_resources().map(|c| c.security_group_ids().to_vec()).unwrap_or_default();
            let arn = e.compute_environment_arn().unwrap_or_default().to_string();
            (!groups.is_empty()).then(|| (arn, e.compute_environment_name().unwrap_or_default().to_string(), groups))
        }))
    })
    .instrument(span(region, SERVICE, "DescribeComputeEnvironments"))
    .await;
    let envs = settle(Call { region, service: SERVICE, operation: "DescribeComputeEnvironments" }, envs, coverage);
    if envs.is_empty() {
        return Vec::new();
    }
    // Which job queues send work to each environment: the finding names them. A failed listing only loses the
    // names; the environments hold their groups either way.
    let queues = drain(client.describe_job_queues().max_results(100).into_paginator().send(), |page, out| {
        for q in page.job_queues() {
            for order in q.compute_environment_order() {
                let env = order.compute_environment().unwrap_or_default().to_string();
                out.push((env, q.job_queue_name().unwrap_or_default().to_string()));
            }
        }
    })
    .instrument(span(region, SERVICE, "DescribeJobQueues"))
    .await;
    let queues = settle(Call { region, service: SERVICE, operation: "DescribeJobQueues" }, queues, coverage);
    let mut by_env: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (env, queue) in queues {
        by_env.entry(env).or_default().push(queue);
    }
    envs.into_iter()
        .map(|(arn, name, groups)| {
            // A queue names its environments by ARN (or, as given when it was made, by name).
            let queues: Vec<&str> = [arn.as_str(), name.as_str()]
                .iter()
                .flat_map(|k| by_env.get(*k).into_iter().flatten())
                .map(String::as_str)
                .collect();
            Holder {
                kind: HolderKind::BatchComputeEnvironment,
                id: name,
                region: region.to_string(),
                detail: match queues.as_slice() {
                    [] => "(no job queue)".to_string(),
                    q => format!("(job queue {})", q.join(", ")),
                },
                group_ids: groups,
                group_names: Vec::new(),
            }
        })
        .collect()
}

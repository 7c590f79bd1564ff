//! VPC flow logs: their definitions (DescribeFlowLogs), and the records of files or S3 objects given on the command
//! line (plain or gzip text, as AWS delivers them to S3 or as exported), read line by line into the pure
//! attribution of `crate::flowlog`. S3 objects come through an [`ObjectStore`] (`collect::s3` has the SDK's),
//! fetched a few at a time per thread and read in order: memory follows the largest objects, never the logs' total.

mod auto;
mod logs;
mod parquet;
mod read;

pub use auto::read_auto;
pub use logs::{Answer, LogStore};
pub use read::{read_paths, read_sources, ObjectStore, Source};

use super::outcome::{drain, settle, Call};
use crate::model::{Coverage, FlowLog};
use aws_sdk_ec2::types as ec2;
use aws_sdk_ec2::Client;
use tracing::Instrument;

/// Every flow log of the region.
pub async fn definitions(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<FlowLog> {
    let result =
        drain(client.describe_flow_logs().max_results(1000).into_paginator().send(), |page, out: &mut Vec<FlowLog>| {
            out.extend(page.flow_logs().iter().map(|f| convert(f, region)))
        })
        .instrument(super::outcome::span(region, "ec2", "DescribeFlowLogs"));
    settle(Call { region, service: "ec2", operation: "DescribeFlowLogs" }, result.await, coverage)
}

fn convert(f: &ec2::FlowLog, region: &str) -> FlowLog {
    let options = f.destination_options();
    FlowLog {
        id: f.flow_log_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        resource_id: f.resource_id().unwrap_or_default().to_string(),
        traffic_type: f.traffic_type().map_or("ALL", |t| t.as_str()).to_string(),
        destination_type: f.log_destination_type().map_or("cloud-watch-logs", |t| t.as_str()).to_string(),
        destination: f.log_destination().or(f.log_group_name()).map(str::to_string),
        log_format: f.log_format().map(str::to_string),
        created: f.creation_time().map(|t| t.secs()),
        file_format: options.and_then(|o| o.file_format()).map(|x| x.as_str().to_string()),
        hive_partitions: options.and_then(|o| o.hive_compatible_partitions()).unwrap_or(false),
        per_hour: options.and_then(|o| o.per_hour_partition()).unwrap_or(false),
        status: f.flow_log_status().map(str::to_string),
    }
}

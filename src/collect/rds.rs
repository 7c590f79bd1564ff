//! RDS: DB instances and DB clusters (Aurora, Multi-AZ clusters, and the Neptune and DocumentDB clusters that
//! share the API).

use super::outcome::{drain, port, settle, Call};
use crate::model::{Coverage, Datastore, ResourceKind};
use aws_sdk_rds::types as rds;
use aws_sdk_rds::Client;
use tracing::Instrument;

const SERVICE: &str = "rds";

pub async fn datastores(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Datastore> {
    let instances = drain(
        client.describe_db_instances().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<Datastore>| out.extend(page.db_instances().iter().map(|i| instance(i, region))),
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeDBInstances"));
    let clusters = drain(
        client.describe_db_clusters().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<Datastore>| out.extend(page.db_clusters().iter().map(|c| cluster(c, region))),
    )
    .instrument(super::outcome::span(region, SERVICE, "DescribeDBClusters"));
    let (instances, clusters) = tokio::join!(instances, clusters);
    let mut out = settle(Call { region, service: SERVICE, operation: "DescribeDBInstances" }, instances, coverage);
    out.extend(settle(Call { region, service: SERVICE, operation: "DescribeDBClusters" }, clusters, coverage));
    out
}

fn instance(i: &rds::DbInstance, region: &str) -> Datastore {
    let endpoint = i.endpoint();
    Datastore {
        kind: ResourceKind::RdsInstance,
        id: i.db_instance_identifier().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine: i.engine().unwrap_or_default().to_string(),
        port: port(endpoint.and_then(|e| e.port())).or(port(i.db_instance_port())),
        group_ids: i
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        publicly_accessible: i.publicly_accessible().unwrap_or(false),
        endpoint: endpoint.and_then(|e| e.address()).map(str::to_string),
        vpc_id: i.db_subnet_group().and_then(|s| s.vpc_id()).map(str::to_string),
        parent: i.db_cluster_identifier().map(str::to_string),
        subnet_ids: i
            .db_subnet_group()
            .map(|g| g.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect())
            .unwrap_or_default(),
    }
}

fn cluster(c: &rds::DbCluster, region: &str) -> Datastore {
    Datastore {
        kind: ResourceKind::RdsCluster,
        id: c.db_cluster_identifier().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine: c.engine().unwrap_or_default().to_string(),
        port: port(c.port()),
        group_ids: c
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        publicly_accessible: c.publicly_accessible().unwrap_or(false),
        endpoint: c.endpoint().map(str::to_string),
        vpc_id: None,
        parent: None,
        subnet_ids: Vec::new(),
    }
}

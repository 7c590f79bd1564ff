//! RDS: DB instances and DB clusters (Aurora, Multi-AZ clusters, and the Neptune and DocumentDB clusters that
//! share the API), DB subnet groups (where each of them lives), and RDS Proxy with its endpoints.

use super::outcome::{drain, port, settle, Call};
use crate::model::{Coverage, Datastore, ResourceKind};
use aws_sdk_rds::types as rds;
use aws_sdk_rds::Client;
use std::collections::HashMap;
use tracing::Instrument;

const SERVICE: &str = "rds";

fn call<'a>(region: &'a str, operation: &'static str) -> Call<'a> {
    Call { region, service: SERVICE, operation }
}

/// Every RDS-API datastore of a region. The five calls run at once; clusters and proxies then take their VPC
/// and subnets from the DB subnet groups (a cluster names its group, an instance carries it inline).
pub async fn datastores(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Datastore> {
    let span = |op| super::outcome::span(region, SERVICE, op);
    let instances = drain(
        client.describe_db_instances().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<Datastore>| out.extend(page.db_instances().iter().map(|i| instance(i, region))),
    )
    .instrument(span("DescribeDBInstances"));
    let clusters = drain(
        client.describe_db_clusters().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<(Datastore, Option<String>)>| {
            out.extend(page.db_clusters().iter().map(|c| cluster(c, region)))
        },
    )
    .instrument(span("DescribeDBClusters"));
    let subnet_groups = drain(
        client.describe_db_subnet_groups().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<(String, Option<String>, Vec<String>)>| {
            out.extend(page.db_subnet_groups().iter().map(|g| {
                (
                    g.db_subnet_group_name().unwrap_or_default().to_string(),
                    g.vpc_id().map(str::to_string),
                    g.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect(),
                )
            }))
        },
    )
    .instrument(span("DescribeDBSubnetGroups"));
    let proxies = drain(
        client.describe_db_proxies().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<Datastore>| out.extend(page.db_proxies().iter().map(|p| proxy(p, region))),
    )
    .instrument(span("DescribeDBProxies"));
    let endpoints = drain(
        client.describe_db_proxy_endpoints().max_records(100).into_paginator().send(),
        |page, out: &mut Vec<(Datastore, String)>| {
            out.extend(page.db_proxy_endpoints().iter().filter_map(|e| proxy_endpoint(e, region)))
        },
    )
    .instrument(span("DescribeDBProxyEndpoints"));
    let (instances, clusters, subnet_groups, proxies, endpoints) =
        tokio::join!(instances, clusters, subnet_groups, proxies, endpoints);
    let mut out = settle(call(region, "DescribeDBInstances"), instances, coverage);
    let clusters = settle(call(region, "DescribeDBClusters"), clusters, coverage);
    let subnet_groups: HashMap<String, (Option<String>, Vec<String>)> =
        settle(call(region, "DescribeDBSubnetGroups"), subnet_groups, coverage)
            .into_iter()
            .map(|(name, vpc, subnets)| (name, (vpc, subnets)))
            .collect();
    let proxies = settle(call(region, "DescribeDBProxies"), proxies, coverage);
    let endpoints = settle(call(region, "DescribeDBProxyEndpoints"), endpoints, coverage);
    for (mut c, group) in clusters {
        if let Some((vpc, subnets)) = group.and_then(|g| subnet_groups.get(&g)) {
            c.vpc_id.clone_from(vpc);
            c.subnet_ids.clone_from(subnets);
        }
        out.push(c);
    }
    // A proxy endpoint listens on its proxy's engine port.
    let engines: HashMap<&str, &str> = proxies.iter().map(|p| (p.id.as_str(), p.engine.as_str())).collect();
    let endpoints: Vec<Datastore> = endpoints
        .into_iter()
        .map(|(mut e, proxy)| {
            e.engine = engines.get(proxy.as_str()).copied().unwrap_or_default().to_string();
            e
        })
        .collect();
    out.extend(proxies);
    out.extend(endpoints);
    out
}

/// DocumentDB and Neptune share the RDS API; their engine names them.
fn kind_of(engine: &str, cluster: bool) -> ResourceKind {
    match (engine, cluster) {
        ("docdb", false) => ResourceKind::DocdbInstance,
        ("docdb", true) => ResourceKind::DocdbCluster,
        ("neptune", false) => ResourceKind::NeptuneInstance,
        ("neptune", true) => ResourceKind::NeptuneCluster,
        (_, false) => ResourceKind::RdsInstance,
        (_, true) => ResourceKind::RdsCluster,
    }
}

fn instance(i: &rds::DbInstance, region: &str) -> Datastore {
    let endpoint = i.endpoint();
    let engine = i.engine().unwrap_or_default().to_string();
    Datastore {
        kind: kind_of(&engine, false),
        id: i.db_instance_identifier().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine,
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
        extra_ports: Vec::new(),
    }
}

/// A cluster, with the name of its DB subnet group.
fn cluster(c: &rds::DbCluster, region: &str) -> (Datastore, Option<String>) {
    let engine = c.engine().unwrap_or_default().to_string();
    let d = Datastore {
        kind: kind_of(&engine, true),
        id: c.db_cluster_identifier().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine,
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
        extra_ports: Vec::new(),
    };
    (d, c.db_subnet_group().map(str::to_string))
}

/// A proxy listens on the default port of its engine family (`MYSQL`, `POSTGRESQL`, `SQLSERVER`) and is
/// never publicly accessible.
fn proxy(p: &rds::DbProxy, region: &str) -> Datastore {
    Datastore {
        kind: ResourceKind::RdsProxy,
        id: p.db_proxy_name().unwrap_or_default().to_string(),
        region: region.to_string(),
        engine: p.engine_family().unwrap_or_default().to_ascii_lowercase(),
        port: None,
        group_ids: p.vpc_security_group_ids().to_vec(),
        publicly_accessible: false,
        endpoint: p.endpoint().map(str::to_string),
        vpc_id: p.vpc_id().map(str::to_string),
        parent: None,
        subnet_ids: p.vpc_subnet_ids().to_vec(),
        extra_ports: Vec::new(),
    }
}

/// A proxy endpoint other than the default (which is the proxy itself), with its proxy's name.
fn proxy_endpoint(e: &rds::DbProxyEndpoint, region: &str) -> Option<(Datastore, String)> {
    if e.is_default() == Some(true) {
        return None;
    }
    let d = Datastore {
        kind: ResourceKind::RdsProxyEndpoint,
        id: e.db_proxy_endpoint_name()?.to_string(),
        region: region.to_string(),
        engine: String::new(),
        port: None,
        group_ids: e.vpc_security_group_ids().to_vec(),
        publicly_accessible: false,
        endpoint: e.endpoint().map(str::to_string),
        vpc_id: e.vpc_id().map(str::to_string),
        parent: None,
        subnet_ids: e.vpc_subnet_ids().to_vec(),
        extra_ports: Vec::new(),
    };
    Some((d, e.db_proxy_name()?.to_string()))
}

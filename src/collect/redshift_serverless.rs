//! Redshift Serverless: workgroups.

use super::outcome::{drain, port, settle, span, Call};
use crate::model::{Coverage, Datastore, ResourceKind};
use aws_sdk_redshiftserverless::Client;
use tracing::Instrument;

/// Serverless workgroups: their groups, subnets, port and public accessibility are on the workgroup itself.
pub async fn workgroups(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Datastore> {
    const SERVICE: &str = "redshift-serverless";
    let result =
        drain(client.list_workgroups().max_results(100).into_paginator().send(), |page, out: &mut Vec<Datastore>| {
            out.extend(page.workgroups().iter().map(|w| Datastore {
                kind: ResourceKind::RedshiftServerless,
                id: w.workgroup_name().unwrap_or_default().to_string(),
                region: region.to_string(),
                engine: "redshift".to_string(),
                port: port(w.port()).or(port(w.endpoint().and_then(|e| e.port()))),
                group_ids: w.security_group_ids().to_vec(),
                publicly_accessible: w.publicly_accessible().unwrap_or(false),
                endpoint: w.endpoint().and_then(|e| e.address()).map(str::to_string),
                vpc_id: None,
                parent: None,
                subnet_ids: w.subnet_ids().to_vec(),
                extra_ports: Vec::new(),
            }))
        })
        .instrument(span(region, SERVICE, "ListWorkgroups"));
    settle(Call { region, service: SERVICE, operation: "ListWorkgroups" }, result.await, coverage)
}

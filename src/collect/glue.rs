//! Glue: a connection to a database in a VPC names the groups of the interfaces Glue creates while a job or
//! crawler that uses it runs. Between runs the groups have no interface and the next run needs them.

use super::outcome::{drain, settle, span, Call};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_glue::Client;
use tracing::Instrument;

const SERVICE: &str = "glue";

/// GetConnections, 1,000 a page (the most it returns), without the passwords.
pub async fn connections(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let request = client.get_connections().hide_password(true).max_results(1000);
    let result = drain(request.into_paginator().send(), |page, out| {
        out.extend(page.connection_list().iter().filter_map(|c| {
            let groups =
                c.physical_connection_requirements().map(|p| p.security_group_id_list().to_vec()).unwrap_or_default();
            (!groups.is_empty()).then(|| Holder {
                kind: HolderKind::GlueConnection,
                id: c.name().unwrap_or_default().to_string(),
                region: region.to_string(),
                detail: String::new(),
                group_ids: groups,
                group_names: Vec::new(),
            })
        }))
    })
    .instrument(span(region, SERVICE, "GetConnections"))
    .await;
    settle(Call { region, service: SERVICE, operation: "GetConnections" }, result, coverage)
}

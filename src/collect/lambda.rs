//! Lambda: functions attached to a VPC, every published version too (an alias may still run an old version
//! with its own groups). Their interfaces are created as the function needs them and can disappear while it
//! sits idle; the function still names its groups.

use super::outcome::{drain, settle, span, Call};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_lambda::Client;
use tracing::Instrument;

const SERVICE: &str = "lambda";

/// ListFunctions with every version, 50 a page (the most it returns).
pub async fn functions(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let request = client.list_functions().function_version(aws_sdk_lambda::types::FunctionVersion::All).max_items(50);
    let result = drain(request.into_paginator().send(), |page, out| {
        out.extend(page.functions().iter().filter_map(|f| {
            let groups = f.vpc_config().map(|v| v.security_group_ids().to_vec()).unwrap_or_default();
            (!groups.is_empty()).then(|| Holder {
                kind: HolderKind::LambdaFunction,
                id: f.function_name().unwrap_or_default().to_string(),
                region: region.to_string(),
                detail: match f.version() {
                    Some(v) if v != "$LATEST" => format!("version {v}"),
                    _ => String::new(),
                },
                group_ids: groups,
                group_names: Vec::new(),
            })
        }))
    })
    .instrument(span(region, SERVICE, "ListFunctions"))
    .await;
    settle(Call { region, service: SERVICE, operation: "ListFunctions" }, result, coverage)
}

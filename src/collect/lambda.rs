//! Lambda: functions attached to a VPC. Their interfaces are created as the function needs them and can
//! disappear while it sits idle; the function still names its groups.

use super::outcome::{drain, settle, span, Call};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_lambda::Client;
use tracing::Instrument;

const SERVICE: &str = "lambda";

/// ListFunctions, 50 a page (the most it returns).
pub async fn functions(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let result = drain(client.list_functions().max_items(50).into_paginator().send(), |page, out| {
        out.extend(page.functions().iter().filter_map(|f| {
            let groups = f.vpc_config().map(|v| v.security_group_ids().to_vec()).unwrap_or_default();
            (!groups.is_empty()).then(|| Holder {
                kind: HolderKind::LambdaFunction,
                id: f.function_name().unwrap_or_default().to_string(),
                region: region.to_string(),
                detail: String::new(),
                group_ids: groups,
                group_names: Vec::new(),
            })
        }))
    })
    .instrument(span(region, SERVICE, "ListFunctions"))
    .await;
    settle(Call { region, service: SERVICE, operation: "ListFunctions" }, result, coverage)
}

//! Elastic Load Balancing v2: load balancers and the groups they carry. A load balancer has interfaces while
//! it exists; it is read as a holder too, so that its groups stay held when its interfaces were not listed.

use super::outcome::{drain, settle, span, Call};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_elasticloadbalancingv2::Client;
use tracing::Instrument;

const SERVICE: &str = "elasticloadbalancing";

/// DescribeLoadBalancers, 400 a page (the most it returns).
pub async fn load_balancers(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let result = drain(client.describe_load_balancers().page_size(400).into_paginator().send(), |page, out| {
        out.extend(page.load_balancers().iter().filter(|lb| !lb.security_groups().is_empty()).map(|lb| {
            let kind = lb.r#type().map(|t| t.as_str().to_string()).unwrap_or_default();
            let scheme = lb.scheme().map(|s| s.as_str().to_string()).unwrap_or_default();
            Holder {
                kind: HolderKind::LoadBalancer,
                id: lb.load_balancer_name().unwrap_or_default().to_string(),
                region: region.to_string(),
                detail: format!("({kind}, {scheme})"),
                group_ids: lb.security_groups().to_vec(),
                group_names: Vec::new(),
            }
        }))
    })
    .instrument(span(region, SERVICE, "DescribeLoadBalancers"))
    .await;
    settle(Call { region, service: SERVICE, operation: "DescribeLoadBalancers" }, result, coverage)
}

//! Elastic Load Balancing v2: load balancers with their listeners, and the target groups they forward to
//! with the registered targets. A load balancer is read as a holder too, so that its groups stay held when
//! its interfaces were not listed.
//!
//! DescribeLoadBalancers and DescribeTargetGroups run at once (each 400 a page, the most they return); then
//! DescribeListeners per load balancer and DescribeTargetHealth per target group that a load balancer uses,
//! eight at a time. Each of the two per-resource operations is one coverage entry; a load balancer whose
//! listeners, or a target group whose targets, could not be read keeps `None` there, and the flow model falls
//! back to treating that load balancer as forwarding anything.

use super::outcome::{combine, drain, port, settle, span, Call, Outcome};
use crate::model::{Coverage, Holder, HolderKind, Listener, LoadBalancer, Target, TargetGroup};
use aws_sdk_elasticloadbalancingv2::Client;
use futures::StreamExt;
use tracing::Instrument;

const SERVICE: &str = "elasticloadbalancing";
/// Load balancers or target groups read at once.
const CONCURRENCY: usize = 8;

/// What one region's load balancers hold and forward.
#[derive(Debug, Default)]
pub struct Balancers {
    pub holders: Vec<Holder>,
    pub load_balancers: Vec<LoadBalancer>,
    pub target_groups: Vec<TargetGroup>,
}

pub async fn balancers(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Balancers {
    let (lbs, tgs) = tokio::join!(load_balancers(client, region), target_groups(client, region));
    let mut lbs = settle(Call { region, service: SERVICE, operation: "DescribeLoadBalancers" }, lbs, coverage);
    let mut tgs = settle(Call { region, service: SERVICE, operation: "DescribeTargetGroups" }, tgs, coverage);
    let (listeners, targets) = tokio::join!(
        futures::stream::iter(lbs.iter().map(|lb| listeners(client, region, &lb.arn)))
            .buffered(CONCURRENCY)
            .collect::<Vec<_>>(),
        futures::stream::iter(
            tgs.iter().filter(|tg| !tg.load_balancer_arns.is_empty()).map(|tg| targets(client, region, &tg.arn))
        )
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>(),
    );
    if !lbs.is_empty() {
        for (lb, l) in lbs.iter_mut().zip(&listeners) {
            lb.listeners = l.as_ref().ok().map(|(l, _)| l.clone());
        }
        let all = combine(listeners.into_iter().map(|r| r.map(|(_, pages)| (Vec::<()>::new(), pages))));
        settle(Call { region, service: SERVICE, operation: "DescribeListeners" }, all, coverage);
    }
    if !targets.is_empty() {
        for (tg, t) in tgs.iter_mut().filter(|tg| !tg.load_balancer_arns.is_empty()).zip(&targets) {
            tg.targets = t.as_ref().ok().map(|(t, _)| t.clone());
        }
        let all = combine(targets.into_iter().map(|r| r.map(|(_, pages)| (Vec::<()>::new(), pages))));
        settle(Call { region, service: SERVICE, operation: "DescribeTargetHealth" }, all, coverage);
    }
    let holders = lbs
        .iter()
        .filter(|lb| !lb.group_ids.is_empty())
        .map(|lb| Holder {
            kind: HolderKind::LoadBalancer,
            id: lb.name.clone(),
            region: region.to_string(),
            detail: format!("({}, {})", lb.kind, lb.scheme()),
            group_ids: lb.group_ids.clone(),
            group_names: Vec::new(),
        })
        .collect();
    Balancers { holders, load_balancers: lbs, target_groups: tgs }
}

async fn load_balancers(client: &Client, region: &str) -> Outcome<LoadBalancer> {
    drain(client.describe_load_balancers().page_size(400).into_paginator().send(), |page, out| {
        out.extend(page.load_balancers().iter().map(|lb| LoadBalancer {
            arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
            name: lb.load_balancer_name().unwrap_or_default().to_string(),
            region: region.to_string(),
            kind: lb.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
            internet_facing: lb.scheme().is_some_and(|s| s.as_str() == "internet-facing"),
            vpc_id: lb.vpc_id().map(str::to_string),
            group_ids: lb.security_groups().to_vec(),
            listeners: None,
        }))
    })
    .instrument(span(region, SERVICE, "DescribeLoadBalancers"))
    .await
}

async fn target_groups(client: &Client, region: &str) -> Outcome<TargetGroup> {
    drain(client.describe_target_groups().page_size(400).into_paginator().send(), |page, out| {
        out.extend(page.target_groups().iter().map(|tg| TargetGroup {
            arn: tg.target_group_arn().unwrap_or_default().to_string(),
            name: tg.target_group_name().unwrap_or_default().to_string(),
            region: region.to_string(),
            target_type: tg.target_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| "instance".to_string()),
            protocol: tg.protocol().map(|p| p.as_str().to_string()),
            port: port(tg.port()),
            load_balancer_arns: tg.load_balancer_arns().to_vec(),
            targets: None,
        }))
    })
    .instrument(span(region, SERVICE, "DescribeTargetGroups"))
    .await
}

async fn listeners(client: &Client, region: &str, arn: &str) -> Outcome<Listener> {
    drain(client.describe_listeners().load_balancer_arn(arn).page_size(400).into_paginator().send(), |page, out| {
        out.extend(page.listeners().iter().filter_map(|l| {
            Some(Listener {
                protocol: l.protocol().map(|p| p.as_str().to_string()).unwrap_or_default(),
                port: port(l.port())?,
            })
        }))
    })
    .instrument(span(region, SERVICE, "DescribeListeners"))
    .await
}

async fn targets(client: &Client, region: &str, arn: &str) -> Outcome<Target> {
    let out = client
        .describe_target_health()
        .target_group_arn(arn)
        .send()
        .instrument(span(region, SERVICE, "DescribeTargetHealth"))
        .await?;
    let targets = out
        .target_health_descriptions()
        .iter()
        .filter_map(|d| {
            let t = d.target()?;
            Some(Target {
                id: t.id().unwrap_or_default().to_string(),
                port: port(t.port()),
                state: d.target_health().and_then(|h| h.state()).map(|s| s.as_str().to_string()),
            })
        })
        .collect();
    Ok((targets, 1))
}

//! EventBridge: a rule whose target runs an ECS task in `awsvpc` mode names the groups the task gets. Between
//! runs (a nightly schedule, an event that comes once a week) the task has no interface, and the next run
//! needs the groups. Every event bus is read, not only the default one. EventBridge Scheduler schedules are
//! not read (each needs its own GetSchedule call, and another SDK crate): the report's notes say so.

use super::outcome::{combine, settle, span, Call, Failure, Outcome};
use crate::model::{Coverage, Holder, HolderKind};
use aws_sdk_eventbridge::Client;
use futures::StreamExt;
use tracing::Instrument;

const SERVICE: &str = "events";
/// The most items a page of ListEventBuses, ListRules or ListTargetsByRule holds.
const LIMIT: i32 = 100;
/// Buses and rules read at once.
const CONCURRENCY: usize = 8;

/// ListEventBuses, ListRules on each bus, ListTargetsByRule on each rule.
pub async fn rules(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<Holder> {
    let buses = buses(client).instrument(span(region, SERVICE, "ListEventBuses")).await;
    let buses = settle(Call { region, service: SERVICE, operation: "ListEventBuses" }, buses, coverage);
    if buses.is_empty() {
        return Vec::new();
    }
    let listed: Vec<Outcome<(String, String)>> = futures::stream::iter(
        buses.iter().map(|bus| rules_of(client, bus).instrument(span(region, SERVICE, "ListRules"))),
    )
    .buffer_unordered(CONCURRENCY)
    .collect()
    .await;
    let rules = settle(Call { region, service: SERVICE, operation: "ListRules" }, combine(listed), coverage);
    if rules.is_empty() {
        return Vec::new();
    }
    let targets: Vec<Outcome<Holder>> = futures::stream::iter(rules.iter().map(|(bus, rule)| {
        targets_of(client, region, bus, rule).instrument(span(region, SERVICE, "ListTargetsByRule"))
    }))
    .buffer_unordered(CONCURRENCY)
    .collect()
    .await;
    settle(Call { region, service: SERVICE, operation: "ListTargetsByRule" }, combine(targets), coverage)
}

async fn buses(client: &Client) -> Outcome<String> {
    let (mut out, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let page = client.list_event_buses().limit(LIMIT).set_next_token(token).send().await.map_err(Failure::from)?;
        pages += 1;
        out.extend(page.event_buses().iter().filter_map(|b| b.name().map(str::to_string)));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok((out, pages));
        }
    }
}

/// The rules of one bus, as (bus, rule) pairs.
async fn rules_of(client: &Client, bus: &str) -> Outcome<(String, String)> {
    let (mut out, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let request = client.list_rules().event_bus_name(bus).limit(LIMIT).set_next_token(token);
        let page = request.send().await.map_err(Failure::from)?;
        pages += 1;
        out.extend(page.rules().iter().filter_map(|r| Some((bus.to_string(), r.name()?.to_string()))));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok((out, pages));
        }
    }
}

/// One holder per target of `rule` that runs an ECS task with groups.
async fn targets_of(client: &Client, region: &str, bus: &str, rule: &str) -> Outcome<Holder> {
    let (mut out, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let request = client.list_targets_by_rule().rule(rule).event_bus_name(bus).limit(LIMIT).set_next_token(token);
        let page = request.send().await.map_err(Failure::from)?;
        pages += 1;
        for t in page.targets() {
            let Some(ecs) = t.ecs_parameters() else { continue };
            let vpc = ecs.network_configuration().and_then(|n| n.awsvpc_configuration());
            let groups = vpc.map(|v| v.security_groups().to_vec()).unwrap_or_default();
            if groups.is_empty() {
                continue;
            }
            let task = ecs.task_definition_arn().rsplit('/').next().unwrap_or_default();
            out.push(Holder {
                kind: HolderKind::EventBridgeRule,
                id: if bus == "default" { rule.to_string() } else { format!("{bus}/{rule}") },
                region: region.to_string(),
                detail: format!("(target {} runs ECS task {task})", t.id()),
                group_ids: groups,
                group_names: Vec::new(),
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok((out, pages));
        }
    }
}

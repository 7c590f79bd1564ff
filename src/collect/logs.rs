//! CloudWatch Logs, for flow logs delivered there (`--flow-logs auto`): [`Logs`], the SDK's
//! [`LogStore`](super::flowlogs::LogStore). Logs Insights queries (StartQuery, then GetQueryResults until the
//! query is done) and FilterLogEvents (10,000 events a page), with the audited account's credentials, in the
//! log group's region. Built with the `cloudwatch-logs` feature only.

use super::outcome::{Call, Failure};
use super::{base_config, for_region, Options};
use crate::model::Coverage;
use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::types::QueryStatus;
use aws_sdk_cloudwatchlogs::Client;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The SDK's log store: blocking calls on a runtime's handle, for the flow-log readers' threads (never called
/// from within the runtime's own tasks). One client per region, made when first needed.
pub struct Logs {
    base: SdkConfig,
    clients: Mutex<HashMap<String, Client>>,
    handle: tokio::runtime::Handle,
}

/// How long a query waits before its first look at the results, and at most between two looks.
const FIRST_LOOK: Duration = Duration::from_millis(250);
const LONGEST_WAIT: Duration = Duration::from_secs(4);

impl Logs {
    /// A store with `opts`' credentials (the audited account's, its role included), over the collection's
    /// HTTP layer (recorded or replayed with it).
    pub async fn new(opts: &Options, http: &super::Http) -> Logs {
        Logs {
            base: base_config(opts, http.replay.as_ref(), http.recorder.as_ref()).await,
            clients: Mutex::new(HashMap::new()),
            handle: tokio::runtime::Handle::current(),
        }
    }

    fn client(&self, region: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.entry(region.to_string()).or_insert_with(|| Client::new(&for_region(&self.base, region))).clone()
    }
}

fn gap(region: &str, operation: &'static str, f: Failure) -> Box<Coverage> {
    Box::new(super::outcome::failed(Call { region, service: "logs", operation }, f))
}

impl super::flowlogs::LogStore for Logs {
    fn query(
        &self,
        region: &str,
        group: &str,
        start: i64,
        end: i64,
        query: &str,
    ) -> Result<super::flowlogs::Answer, Box<Coverage>> {
        let client = self.client(region);
        self.handle.block_on(async {
            let started = client
                .start_query()
                .log_group_name(group)
                .start_time(start)
                .end_time(end)
                .query_string(query)
                .limit(crate::flowlog::ROWS as i32)
                .send()
                .await
                .map_err(|e| gap(region, "StartQuery", Failure::from(e)))?;
            let id = started.query_id().unwrap_or_default().to_string();
            let mut wait = FIRST_LOOK;
            loop {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(LONGEST_WAIT);
                let out = client
                    .get_query_results()
                    .query_id(&id)
                    .send()
                    .await
                    .map_err(|e| gap(region, "GetQueryResults", Failure::from(e)))?;
                match out.status() {
                    Some(QueryStatus::Complete) => {
                        let rows = out
                            .results()
                            .iter()
                            .map(|row| {
                                row.iter()
                                    .map(|c| {
                                        (
                                            c.field().unwrap_or_default().to_string(),
                                            c.value().unwrap_or_default().to_string(),
                                        )
                                    })
                                    .collect()
                            })
                            .collect();
                        let bytes = out.statistics().map_or(0.0, |s| s.bytes_scanned()).max(0.0) as u64;
                        return Ok(super::flowlogs::Answer { rows, bytes });
                    }
                    Some(QueryStatus::Running | QueryStatus::Scheduled) | None => {}
                    Some(other) => {
                        return Err(gap(
                            region,
                            "GetQueryResults",
                            Failure {
                                code: format!("Query{}", other.as_str()),
                                message: format!("the Logs Insights query of {group} ended {}", other.as_str()),
                            },
                        ))
                    }
                }
            }
        })
    }

    fn filter(
        &self,
        region: &str,
        group: &str,
        start: i64,
        end: i64,
        each: &mut dyn FnMut(&str),
    ) -> Result<u64, Box<Coverage>> {
        let client = self.client(region);
        self.handle.block_on(async {
            let mut pages = client
                .filter_log_events()
                .log_group_name(group)
                .start_time(start.saturating_mul(1000))
                .end_time(end.saturating_mul(1000))
                .limit(10_000)
                .into_paginator()
                .send();
            let mut n = 0;
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| gap(region, "FilterLogEvents", Failure::from(e)))?;
                n += 1;
                for event in page.events() {
                    each(event.message().unwrap_or_default());
                }
            }
            Ok(n)
        })
    }
}

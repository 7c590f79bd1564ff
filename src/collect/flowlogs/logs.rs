//! Flow logs delivered to CloudWatch Logs, read through a [`LogStore`] (`collect::logs` has the SDK's): one
//! Logs Insights aggregate query per log group and time range ([`crate::flowlog::Aggregate`]), and
//! FilterLogEvents, event by event, where a query cannot answer completely.
//!
//! - A query answers at most [`ROWS`] rows. A full answer may have left rows out, so its time range is split
//!   in two and each half asked again, down to an hour; an hour that still fills an answer is read event by
//!   event. An answer is never taken for the whole when it may not be.
//! - A refused query (no logs:StartQuery, too many queries running, a log class Logs Insights does not serve)
//!   or an answer that is not the aggregate: the rest of that log group is read event by event. The refusal
//!   stays in the coverage as a call that was answered another way; it fails the run only when the events
//!   could not be read either.
//! - Halves overlap by a second, since whether a query's end includes its last second is not documented: a
//!   record counted twice is a record, and a record missed could be a false "no traffic".
//!
//! Events are asked for from an hour before the window to an hour after it ([`SLACK`]): an event's timestamp
//! and its record's interval differ by the aggregation interval at most, and attribution keeps only the
//! records whose interval touches the window.

use crate::flowlog::{Aggregate, Format, Hint, Read, Tally, TextFeed, Window, ROWS, SLACK};
use crate::model::{Coverage, CoverageStatus, FlowLog, Inventory};

/// A Logs Insights answer: its rows (each a list of columns and values) and the bytes the query scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The rows.
    pub rows: Vec<Vec<(String, String)>>,
    /// Bytes scanned.
    pub bytes: u64,
}

/// Queries and reads log groups. A failure is the coverage entry of the call that failed.
pub trait LogStore: Sync {
    /// Runs a Logs Insights query over the events of `group` (in `region`) from `start` to `end` (Unix
    /// seconds) to completion.
    fn query(&self, region: &str, group: &str, start: i64, end: i64, query: &str) -> Result<Answer, Box<Coverage>>;
    /// Hands each event's message of `group` from `start` to `end` (Unix seconds) to `each`; returns the pages
    /// read.
    fn filter(
        &self,
        region: &str,
        group: &str,
        start: i64,
        end: i64,
        each: &mut dyn FnMut(&str),
    ) -> Result<u64, Box<Coverage>>;
}

/// The shortest time range asked again in halves; a full answer for a shorter one is read event by event.
const SHORTEST: i64 = 3600;

/// The log group and its region, from a flow log's destination: the log group's ARN
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`) or its name.
fn log_group(f: &FlowLog) -> Option<(String, String)> {
    let destination = f.destination.as_deref().filter(|d| !d.is_empty())?;
    match destination.strip_prefix("arn:") {
        Some(arn) => {
            // PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]
            let parts: Vec<&str> = arn.splitn(5, ':').collect();
            let name = parts.get(4)?.strip_prefix("log-group:")?;
            let name = name.strip_suffix(":*").unwrap_or(name);
            let region = parts.get(2).filter(|r| !r.is_empty()).map_or(f.region.clone(), |r| r.to_string());
            (!name.is_empty()).then(|| (region, name.to_string()))
        }
        None => Some((f.region.clone(), destination.to_string())),
    }
}

/// Reads every flow log of `inv` that delivers to CloudWatch Logs over the window, one flow log per thread at a
/// time: the tally of what was read, a [`Read`] per flow log (its source the flow log's ID), and the coverage
/// entries of the calls made.
pub(super) fn read_log_groups<'a>(
    inv: &'a Inventory,
    store: &dyn LogStore,
    format: Option<&Format>,
    window: Window,
) -> (Tally<'a>, Vec<Read>, Vec<Coverage>) {
    use rayon::prelude::*;
    let logs: Vec<&FlowLog> = inv.flow_logs.iter().filter(|f| f.destination_type == "cloud-watch-logs").collect();
    let done: Vec<(Tally, Read, Vec<Coverage>)> =
        logs.par_iter().map(|f| read_one(inv, f, store, format, window)).collect();
    let mut total = Tally::new(inv, window);
    let mut reads = Vec::new();
    let mut coverage = Vec::new();
    for (tally, read, calls) in done {
        total.merge(tally);
        reads.push(read);
        coverage.extend(calls);
    }
    (total, reads, coverage)
}

/// One flow log's log group over the window.
fn read_one<'a>(
    inv: &'a Inventory,
    f: &'a FlowLog,
    store: &dyn LogStore,
    format: Option<&Format>,
    window: Window,
) -> (Tally<'a>, Read, Vec<Coverage>) {
    let mut tally = Tally::new(inv, window);
    let mut calls = Vec::new();
    let Some((region, group)) = log_group(f) else {
        let why = format!("{}: no log group in its destination `{}`", f.id, f.destination.as_deref().unwrap_or(""));
        calls.push(Coverage {
            region: f.region.clone(),
            service: "flowlogs".into(),
            operation: "ReadLogGroup".into(),
            status: CoverageStatus::Failed,
            error_code: Some("NoLogGroup".into()),
            message: Some(why.clone()),
            hint: Some("no rule of its interfaces is judged by traffic".into()),
            ..entry(&f.region, "")
        });
        let destination = f.destination.clone().unwrap_or_default();
        return (tally, Read { source: f.id.clone(), destination, error: Some(why), ..Read::default() }, calls);
    };
    let own = f.log_format.as_deref().and_then(|t| Format::parse(t).ok());
    let records = own.or_else(|| format.cloned()).unwrap_or_else(Format::default_v2);
    let aggregate = Aggregate::new(&records);
    let hint = Hint::of(inv, f);
    let name = format!("{group} (CloudWatch Logs, {region})");
    let mut read = Read { source: f.id.clone(), destination: name.clone(), ..Read::default() };
    // The time ranges still to read, and whether queries are still asked.
    let mut ranges = vec![(window.start - SLACK, window.end + SLACK)];
    let mut queries = true;
    let mut refused: Option<Coverage> = None;
    let (mut queried, mut filtered) = (0u32, 0u32);
    while let Some((start, end)) = ranges.pop() {
        if queries {
            match store.query(&region, &group, start, end, aggregate.query()) {
                Ok(answer) if answer.rows.len() >= ROWS && end - start > SHORTEST => {
                    // Perhaps not every row: each half again (the later one first off the stack is the
                    // earlier).
                    let middle = start + (end - start) / 2;
                    ranges.push((middle, end));
                    ranges.push((start, middle + 1));
                    queried += 1;
                    continue;
                }
                Ok(answer) if answer.rows.len() < ROWS => {
                    let lines: Option<Vec<(String, u64)>> = answer.rows.iter().map(|r| aggregate.line(r)).collect();
                    if let Some(lines) = lines {
                        queried += 1;
                        let mut feed =
                            TextFeed::new(&name, aggregate.format().clone(), hint, std::mem::take(&mut read));
                        feed.next_object(&format!("{name}, Logs Insights {}", window_text(start, end)));
                        feed.read.bytes += answer.bytes;
                        for (line, n) in &lines {
                            feed.line_n(line, *n, &mut tally);
                        }
                        read = feed.read;
                        continue;
                    }
                    // Not the aggregate that was asked for: read the events themselves from here on.
                    queries = false;
                    refused = Some(Coverage {
                        error_code: Some("NotAnAggregate".into()),
                        message: Some(format!("Logs Insights answered {group} without the aggregate asked for")),
                        ..entry(&region, "StartQuery")
                    });
                }
                // A full answer for the shortest range: its events, one by one.
                Ok(_) => {}
                Err(gap) => {
                    queries = false;
                    refused = Some(*gap);
                }
            }
        }
        let mut feed = TextFeed::new(&name, records.clone(), hint, std::mem::take(&mut read));
        feed.next_object(&format!("{name}, events {}", window_text(start, end)));
        let result = store.filter(&region, &group, start, end, &mut |message| {
            feed.read.bytes += message.len() as u64;
            feed.line(message, &mut tally);
        });
        read = feed.read;
        match result {
            Ok(pages) => filtered += pages as u32,
            Err(gap) => {
                read.error.get_or_insert(format!("{name}: {}", gap.message.as_deref().unwrap_or("not read")));
                calls.push(*gap);
                break;
            }
        }
    }
    if queried > 0 {
        calls.push(Coverage { pages: queried, ..entry(&region, "StartQuery") });
    }
    if let Some(mut q) = refused {
        if read.error.is_none() {
            // Answered another way: nothing is missing.
            q.status = CoverageStatus::Ok;
            let why = q.message.take().unwrap_or_default();
            q.message = Some(format!("{why}; the log group was read with FilterLogEvents instead"));
            q.hint = None;
        }
        calls.push(q);
    }
    if filtered > 0 {
        calls.push(Coverage { pages: filtered, ..entry(&region, "FilterLogEvents") });
    }
    (tally, read, calls)
}

/// A call of `region`'s CloudWatch Logs that was answered.
fn entry(region: &str, operation: &str) -> Coverage {
    Coverage {
        account: None,
        region: region.to_string(),
        service: "logs".to_string(),
        operation: operation.to_string(),
        status: CoverageStatus::Ok,
        error_code: None,
        message: None,
        hint: None,
        pages: 0,
    }
}

fn window_text(start: i64, end: i64) -> String {
    format!("{} to {}", crate::flowlog::minute(start), crate::flowlog::minute(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FlowLog;
    use std::sync::Mutex;

    /// Events in memory, queried by a store that aggregates as Logs Insights would (the default format), or
    /// refuses to.
    struct Memory {
        events: Vec<(i64, String)>,
        refuse: bool,
        /// Ranges at most this long answer whole; longer ones answer ROWS rows (a busy log group).
        busy_above: i64,
        asked: Mutex<Vec<String>>,
    }

    impl LogStore for Memory {
        fn query(&self, _: &str, _: &str, start: i64, end: i64, query: &str) -> Result<Answer, Box<Coverage>> {
            self.asked.lock().unwrap().push(format!("query {start} {end}"));
            if self.refuse {
                return Err(Box::new(Coverage {
                    status: CoverageStatus::Failed,
                    error_code: Some("AccessDeniedException".into()),
                    message: Some("denied".into()),
                    ..entry("us-east-1", "StartQuery")
                }));
            }
            assert!(query.contains("stats count(*)"));
            if end - start > self.busy_above {
                return Ok(Answer { rows: vec![Vec::new(); ROWS], bytes: 0 });
            }
            // Group the default format's messages as the query does.
            let f = Format::default_v2();
            let mut groups: std::collections::BTreeMap<Vec<String>, (u64, u64, u64, i64, i64)> = Default::default();
            for (t, m) in &self.events {
                if *t < start || *t > end {
                    continue;
                }
                let v: Vec<&str> = m.split(' ').collect();
                let key = [2, 3, 4, 5, 6, 7, 12, 13].iter().map(|k| v[*k].to_string()).collect();
                let g = groups.entry(key).or_insert((0, 0, 0, i64::MAX, 0));
                g.0 += 1;
                g.1 += v[8].parse::<u64>().unwrap_or(0);
                g.2 += v[9].parse::<u64>().unwrap_or(0);
                g.3 = g.3.min(v[10].parse().unwrap());
                g.4 = g.4.max(v[11].parse().unwrap());
            }
            assert_eq!(f.fields().len(), 14);
            let names =
                ["interface_id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "action", "log_status"];
            let rows = groups
                .into_iter()
                .map(|(key, (n, p, b, first, last))| {
                    let mut row: Vec<(String, String)> =
                        names.iter().zip(key).map(|(c, v)| (format!("sg_{c}"), v)).collect();
                    row.push(("sg_records".into(), n.to_string()));
                    row.push(("sg_sum_packets".into(), p.to_string()));
                    row.push(("sg_sum_bytes".into(), b.to_string()));
                    row.push(("sg_first".into(), first.to_string()));
                    row.push(("sg_last".into(), last.to_string()));
                    row
                })
                .collect();
            Ok(Answer { rows, bytes: 100 })
        }

        fn filter(
            &self,
            _: &str,
            _: &str,
            start: i64,
            end: i64,
            each: &mut dyn FnMut(&str),
        ) -> Result<u64, Box<Coverage>> {
            self.asked.lock().unwrap().push(format!("filter {start} {end}"));
            for (t, m) in &self.events {
                if *t >= start && *t <= end {
                    each(m);
                }
            }
            Ok(1)
        }
    }

    fn inventory() -> Inventory {
        let mut inv = Inventory::default();
        inv.flow_logs.push(FlowLog {
            id: "fl-1".into(),
            region: "us-east-1".into(),
            resource_id: "vpc-1".into(),
            traffic_type: "ALL".into(),
            destination_type: "cloud-watch-logs".into(),
            destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:vpc-flow:*".into()),
            log_format: None,
            created: Some(0),
            file_format: None,
            hive_partitions: false,
            per_hour: false,
            status: Some("ACTIVE".into()),
        });
        inv
    }

    fn events(window: Window) -> Vec<(i64, String)> {
        let t = window.start + 600;
        let line = |eni: &str, src: &str, port: u16| {
            format!("2 123456789012 {eni} {src} 10.0.0.5 50000 {port} 6 10 840 {t} {} ACCEPT OK", t + 60)
        };
        vec![
            (t, line("eni-1", "198.51.100.7", 443)),
            (t, line("eni-1", "198.51.100.7", 443)),
            (t + 30, line("eni-1", "203.0.113.9", 443)),
            (t + 40, line("eni-2", "10.0.0.9", 5432)),
        ]
    }

    #[test]
    fn the_aggregate_counts_what_the_events_count() {
        let inv = inventory();
        let window = Window { start: 1_764_547_200, end: 1_764_547_200 + 86_400 };
        let read = |refuse: bool, busy_above: i64| {
            let store = Memory { events: events(window), refuse, busy_above, asked: Mutex::new(Vec::new()) };
            let (tally, reads, calls) = read_log_groups(&inv, &store, None, window);
            let asked = store.asked.into_inner().unwrap();
            (crate::flowlog::Evidence::new(tally, reads, crate::flowlog::Origin::Auto), calls, asked)
        };
        // Answered whole by one query.
        let (whole, calls, asked) = read(false, i64::MAX);
        assert_eq!(asked.len(), 1, "{asked:?}");
        assert_eq!(whole.counts.records, 4);
        assert_eq!(whole.counts.accepted, 4);
        assert_eq!(whole.reads[0].records, 4);
        assert_eq!(whole.reads[0].destination, "vpc-flow (CloudWatch Logs, us-east-1)");
        assert!(calls.iter().all(|c| c.status == CoverageStatus::Ok), "{calls:?}");

        // A busy log group: halves down to an hour, then events; the same counts.
        // The window and its slack: 26 hours, halved three times to 3.25 hours: 1 + 2 + 4 + 8 queries.
        let (busy, calls, asked) = read(false, 4 * 3600);
        assert_eq!(asked.len(), 15, "{asked:?}");
        assert!(asked.iter().all(|a| a.starts_with("query")));
        assert_eq!(busy.counts.accepted, 4, "{asked:?}");
        assert!(calls.iter().all(|c| c.status == CoverageStatus::Ok));

        // Every range above an hour is busy: each hour read event by event.
        let (hours, _, asked) = read(false, 0);
        // Halved five times, to 2,925 s: 32 ranges.
        assert_eq!(asked.iter().filter(|a| a.starts_with("filter")).count(), 32, "{asked:?}");
        assert_eq!(hours.counts.accepted, 4);

        // Refused: the events instead, and the refusal is kept, answered another way.
        let (refused, calls, asked) = read(true, i64::MAX);
        let (start, end) = (window.start - SLACK, window.end + SLACK);
        assert_eq!(asked, [format!("query {start} {end}"), format!("filter {start} {end}")]);
        assert_eq!(refused.counts, whole.counts);
        let q = calls.iter().find(|c| c.operation == "StartQuery").unwrap();
        assert_eq!(q.status, CoverageStatus::Ok);
        assert_eq!(q.error_code.as_deref(), Some("AccessDeniedException"));
        assert!(q.message.as_deref().unwrap().ends_with("read with FilterLogEvents instead"));
    }

    #[test]
    fn log_groups_from_destinations() {
        let mut f = inventory().flow_logs.remove(0);
        assert_eq!(log_group(&f), Some(("us-east-1".into(), "vpc-flow".into())));
        f.destination = Some("arn:aws-cn:logs:cn-north-1:123456789012:log-group:/a/b".into());
        assert_eq!(log_group(&f), Some(("cn-north-1".into(), "/a/b".into())));
        f.destination = Some("plain-name".into());
        assert_eq!(log_group(&f), Some(("us-east-1".into(), "plain-name".into())));
        f.destination = None;
        assert_eq!(log_group(&f), None);
    }
}

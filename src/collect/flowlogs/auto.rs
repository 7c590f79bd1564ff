//! `--flow-logs auto`: each flow log followed to its S3 destination, listed over the window's days.

use super::logs::{read_log_groups, LogStore};
use super::read::{read_groups, Group, ObjectStore, Source};
use crate::flowlog::{Evidence, Format, Origin, Window};
use crate::model::{Coverage, Inventory};

/// `--flow-logs auto`: every flow log DescribeFlowLogs listed, read at its destination for the window. An S3
/// destination is listed day by day over the window (and the day after its end, for late deliveries), under
/// the key layout AWS writes (`{prefix}/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/`, or its
/// Hive-compatible form), and only the flow log's own objects are read. A flow log whose objects are Parquet
/// is a failed read (not read yet). A CloudWatch Logs destination is read through `logs` (Logs Insights, else
/// FilterLogEvents: `logs.rs`); without it, and for Kinesis Data Firehose destinations, which cannot be read
/// back, the interfaces get no verdict by traffic, and the evidence says why.
pub fn read_auto(
    inv: &Inventory,
    store: Option<&dyn ObjectStore>,
    logs: Option<&dyn LogStore>,
    format: Option<&Format>,
    window: Window,
) -> (Evidence, Vec<Coverage>) {
    let mut groups = Vec::new();
    for f in inv.flow_logs.iter().filter(|f| f.destination_type == "s3") {
        let destination = f.destination.clone().unwrap_or_default();
        // arn:{partition}:s3:::BUCKET[/PREFIX], in any partition.
        let path = destination.splitn(6, ':').nth(5).unwrap_or_default();
        let mut group = Group {
            source: f.id.clone(),
            destination: format!("s3://{path}"),
            roots: Vec::new(),
            flow_log: Some(f.id.clone()),
            error: None,
        };
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        match (&inv.account, bucket.is_empty()) {
            _ if f.file_format.as_deref() == Some("parquet") && !cfg!(feature = "parquet") => {
                group.error = Some(format!(
                    "{}: its objects are Parquet, which this build of sgaudit does not read (build it with \
                     `--features parquet`)",
                    f.id
                ));
            }
            (None, _) => {
                group.error = Some(format!("{}: the account is unknown, so its object keys cannot be built", f.id))
            }
            (_, true) => group.error = Some(format!("{}: no bucket in its destination `{destination}`", f.id)),
            (Some(account), false) => {
                group.roots = days(window)
                    .into_iter()
                    .map(|(y, m, d)| {
                        let base = if prefix.is_empty() { String::new() } else { format!("{}/", prefix.trim_end_matches('/')) };
                        let key = if f.hive_partitions {
                            format!(
                                "{base}AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={}/year={y}/month={m:02}/day={d:02}/",
                                f.region
                            )
                        } else {
                            format!("{base}AWSLogs/{account}/vpcflowlogs/{}/{y}/{m:02}/{d:02}/", f.region)
                        };
                        Source::Objects { bucket: bucket.to_string(), prefix: key }
                    })
                    .collect();
            }
        }
        groups.push(group);
    }
    let (mut tally, mut reads, mut coverage) = read_groups(inv, groups, store, format, window);
    if let Some(logs) = logs {
        let (t, r, c) = read_log_groups(inv, logs, format, window);
        tally.merge(t);
        reads.extend(r);
        coverage.extend(c.into_iter().map(|c| Coverage { account: inv.account.clone(), ..c }));
    }
    (Evidence::new(tally, reads, Origin::Auto), coverage)
}

/// The UTC days from the window's start to the day after its end, as (year, month, day).
fn days(window: Window) -> Vec<(i32, u8, u8)> {
    let first = window.start.div_euclid(86_400);
    let last = window.end.div_euclid(86_400) + 1;
    (first..=last)
        .filter_map(|d| time::OffsetDateTime::from_unix_timestamp(d * 86_400).ok())
        .map(|t| (t.year(), t.month() as u8, t.day()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FlowLog;
    use std::sync::Mutex;

    /// Objects in memory; remembers what was listed.
    struct Memory {
        objects: Vec<(String, Vec<u8>)>,
        listed: Mutex<Vec<String>>,
    }

    impl ObjectStore for Memory {
        fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, u64)>, Box<Coverage>> {
            self.listed.lock().unwrap().push(format!("{bucket}/{prefix}"));
            Ok(self
                .objects
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(k, b)| (k.clone(), b.len() as u64))
                .collect())
        }
        fn get(&self, _: &str, key: &str) -> Result<Vec<u8>, Box<Coverage>> {
            Ok(self.objects.iter().find(|(k, _)| k == key).map(|(_, b)| b.clone()).unwrap_or_default())
        }
    }

    fn flow_log(id: &str, destination: &str, hive: bool, file_format: &str) -> FlowLog {
        FlowLog {
            id: id.into(),
            region: "eu-west-1".into(),
            resource_id: "vpc-1".into(),
            traffic_type: "ALL".into(),
            destination_type: "s3".into(),
            destination: Some(destination.into()),
            log_format: None,
            created: Some(0),
            file_format: Some(file_format.into()),
            hive_partitions: hive,
            per_hour: false,
            status: Some("ACTIVE".into()),
        }
    }

    #[test]
    fn auto_lists_the_windows_days_in_each_layout_and_reads_only_its_own_flow_logs_objects() {
        let inv = Inventory {
            account: Some("111122223333".into()),
            flow_logs: vec![
                flow_log("fl-plain", "arn:aws:s3:::logs/team-a", false, "plain-text"),
                flow_log("fl-hive", "arn:aws-cn:s3:::logs", true, "plain-text"),
                flow_log("fl-parquet", "arn:aws:s3:::logs", false, "parquet"),
            ],
            ..Default::default()
        };
        let record = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1796601600 1796601660 ACCEPT OK\n";
        let day = "2026/12/07";
        let store = Memory {
            objects: vec![
                (format!("team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/{day}/111122223333_vpcflowlogs_eu-west-1_fl-plain_20261207T0005Z_1.log"), record.as_bytes().to_vec()),
                // Another flow log's object in the same folder: not fl-plain's.
                (format!("team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/{day}/111122223333_vpcflowlogs_eu-west-1_fl-other_20261207T0005Z_1.log"), record.as_bytes().to_vec()),
            ],
            listed: Mutex::new(Vec::new()),
        };
        // 2026-12-06 12:00 → 2026-12-07 12:00 UTC: two days, and the day after for late deliveries.
        let window = Window { start: 1796558400, end: 1796644800 };
        let (ev, gaps) = read_auto(&inv, Some(&store), None, None, window);
        let listed = store.listed.lock().unwrap().clone();
        let mut expected = vec![
            "logs/team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/06/",
            "logs/team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/07/",
            "logs/team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/08/",
            "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=06/",
            "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=07/",
            "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=08/",
        ];
        if cfg!(feature = "parquet") {
            // The Parquet flow log's days too, in the same layout.
            expected.extend([
                "logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/06/",
                "logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/07/",
                "logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/08/",
            ]);
        }
        assert_eq!(listed, expected);
        let plain = ev.reads.iter().find(|r| r.source == "fl-plain").unwrap();
        assert_eq!((plain.objects, plain.records, plain.error.as_deref()), (1, 1, None), "{plain:?}");
        assert_eq!(plain.destination, "s3://logs/team-a");
        let parquet = ev.reads.iter().find(|r| r.source == "fl-parquet").unwrap();
        if cfg!(feature = "parquet") {
            // Listed like the others (it has no object in this store).
            assert_eq!(parquet.error, None, "{parquet:?}");
            assert!(gaps.is_empty(), "{gaps:?}");
        } else {
            assert!(parquet.error.as_deref().is_some_and(|e| e.contains("Parquet")), "{parquet:?}");
            assert_eq!(gaps.len(), 1, "without the feature, the Parquet flow log is a gap: {gaps:?}");
        }
        assert_eq!(ev.origin, Origin::Auto);
    }
}

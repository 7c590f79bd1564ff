//! VPC flow logs: their definitions (DescribeFlowLogs), and the records of files or S3 objects given on the command
//! line (plain or gzip text, as AWS delivers them to S3 or as exported), read line by line into the pure
//! attribution of `crate::flowlog`. S3 objects come through an [`ObjectStore`] (`collect::s3` has the SDK's),
//! fetched a few at a time per thread and read in order: memory follows the largest objects, never the logs' total.

use super::outcome::{drain, settle, Call};
use crate::flowlog::{Evidence, Format, Hint, Origin, Read, Tally, TextFeed, Window};
use crate::model::{Coverage, CoverageStatus, FlowLog, Inventory};
use aws_sdk_ec2::types as ec2;
use aws_sdk_ec2::Client;
use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};
use tracing::Instrument;

/// Every flow log of the region.
pub async fn definitions(client: &Client, region: &str, coverage: &mut Vec<Coverage>) -> Vec<FlowLog> {
    let result =
        drain(client.describe_flow_logs().max_results(1000).into_paginator().send(), |page, out: &mut Vec<FlowLog>| {
            out.extend(page.flow_logs().iter().map(|f| convert(f, region)))
        })
        .instrument(super::outcome::span(region, "ec2", "DescribeFlowLogs"));
    settle(Call { region, service: "ec2", operation: "DescribeFlowLogs" }, result.await, coverage)
}

fn convert(f: &ec2::FlowLog, region: &str) -> FlowLog {
    let options = f.destination_options();
    FlowLog {
        id: f.flow_log_id().unwrap_or_default().to_string(),
        region: region.to_string(),
        resource_id: f.resource_id().unwrap_or_default().to_string(),
        traffic_type: f.traffic_type().map_or("ALL", |t| t.as_str()).to_string(),
        destination_type: f.log_destination_type().map_or("cloud-watch-logs", |t| t.as_str()).to_string(),
        destination: f.log_destination().or(f.log_group_name()).map(str::to_string),
        log_format: f.log_format().map(str::to_string),
        created: f.creation_time().map(|t| t.secs()),
        file_format: options.and_then(|o| o.file_format()).map(|x| x.as_str().to_string()),
        hive_partitions: options.and_then(|o| o.hive_compatible_partitions()).unwrap_or(false),
        per_hour: options.and_then(|o| o.per_hour_partition()).unwrap_or(false),
        status: f.flow_log_status().map(str::to_string),
    }
}

/// Where flow-log records are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, or a folder (every file under it).
    Path(PathBuf),
    /// Every object under a prefix of a bucket (`s3://BUCKET/PREFIX`).
    Objects {
        /// The bucket.
        bucket: String,
        /// The key prefix; empty for the whole bucket.
        prefix: String,
    },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) => write!(f, "{}", p.display()),
            Source::Objects { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// Lists and reads objects. A failure is the coverage entry of the call that failed.
pub trait ObjectStore: Sync {
    /// The objects under `prefix`, with their sizes, in key order.
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, u64)>, Box<Coverage>>;
    /// One object's bytes.
    fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, Box<Coverage>>;
    /// Each object's bytes, handed to `each` with its index, in order. A store may fetch ahead, several at a
    /// time; this one fetches each in turn.
    fn get_each(&self, objects: &[(&str, &str)], each: &mut dyn FnMut(usize, Result<Vec<u8>, Box<Coverage>>)) {
        for (k, (bucket, key)) in objects.iter().enumerate() {
            each(k, self.get(bucket, key));
        }
    }
}

/// What one thread read: its tally, its counts per source, and the failed calls by source.
type Share<'a> = (Tally<'a>, Vec<Read>, Vec<(usize, Coverage)>);

/// One file or object to read.
#[derive(Debug, Clone)]
enum Item {
    File(PathBuf),
    Object { bucket: String, key: String },
}

impl Item {
    fn name(&self) -> String {
        match self {
            Item::File(p) => p.display().to_string(),
            Item::Object { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }
}

/// Reads flow-log files and folders (every file under them, in name order): gzip or plain text, with or
/// without a header line. See [`read_sources`].
pub fn read_paths(
    inv: &Inventory,
    paths: &[PathBuf],
    format: Option<&Format>,
    window: Window,
) -> (Evidence, Vec<Coverage>) {
    let sources: Vec<Source> = paths.iter().cloned().map(Source::Path).collect();
    read_sources(inv, &sources, None, format, window)
}

/// Reads flow-log sources: files, folders (every file under them, in name order) and S3 prefixes (every
/// object under them, through `store`), gzip or plain text, with or without a header line. A file or object
/// named as AWS names delivered objects (`{account}_vpcflowlogs_{region}_{flow-log-id}_…`) is read with its
/// flow log's format and VPC; any other with its header, else `format`, else the default format. A source that
/// cannot be read is a failed coverage entry (for S3, the call's own: ListObjectsV2 or GetObject with the AWS
/// error code), and the evidence says so. The files are read side by side, one contiguous share of them (by
/// size) per thread, each into its own tally; the tallies are merged at the end.
pub fn read_sources(
    inv: &Inventory,
    sources: &[Source],
    store: Option<&dyn ObjectStore>,
    format: Option<&Format>,
    window: Window,
) -> (Evidence, Vec<Coverage>) {
    let groups = sources
        .iter()
        .map(|root| Group {
            source: root.to_string(),
            destination: root.to_string(),
            roots: vec![root.clone()],
            flow_log: None,
            error: None,
        })
        .collect();
    read_groups(inv, groups, store, format, window, Origin::Given)
}

/// `--flow-logs auto`: every flow log DescribeFlowLogs listed, read at its destination for the window. An S3
/// destination is listed day by day over the window (and the day after its end, for late deliveries), under
/// the key layout AWS writes (`{prefix}/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/`, or its
/// Hive-compatible form), and only the flow log's own objects are read. A flow log whose objects are Parquet
/// is a failed read (not read yet). CloudWatch Logs and Kinesis Data Firehose destinations are not read:
/// their interfaces get no verdict by traffic, and the evidence says why.
pub fn read_auto(
    inv: &Inventory,
    store: Option<&dyn ObjectStore>,
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
            _ if f.file_format.as_deref() == Some("parquet") => {
                group.error = Some(format!("{}: its objects are Parquet, which sgaudit does not read yet", f.id));
            }
            (None, _) => group.error = Some(format!("{}: the account is unknown, so its keys are", f.id)),
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
    read_groups(inv, groups, store, format, window, Origin::Auto)
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

/// What one `Read` of the evidence covers: a given path or prefix, or a flow log's objects over the window.
struct Group {
    source: String,
    destination: String,
    roots: Vec<Source>,
    /// Read only the objects of this flow log (a bucket may hold several flow logs' objects).
    flow_log: Option<String>,
    /// Why it cannot be read at all.
    error: Option<String>,
}

fn read_groups(
    inv: &Inventory,
    groups: Vec<Group>,
    store: Option<&dyn ObjectStore>,
    format: Option<&Format>,
    window: Window,
    origin: Origin,
) -> (Evidence, Vec<Coverage>) {
    let mut reads: Vec<Read> = groups
        .iter()
        .map(|g| Read {
            source: g.source.clone(),
            destination: g.destination.clone(),
            error: g.error.clone(),
            ..Read::default()
        })
        .collect();
    // The calls that failed, by source: their own coverage entries.
    let mut failed: Vec<(usize, Coverage)> = Vec::new();
    let mut files: Vec<(usize, u64, Item)> = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        for root in &group.roots {
            match root {
                Source::Path(root) => {
                    let mut found = Vec::new();
                    if let Err(e) = list(root, &mut found) {
                        reads[i].error.get_or_insert(format!("{}: {e}", root.display()));
                    }
                    found.sort();
                    files.extend(
                        found.into_iter().map(|f| (i, std::fs::metadata(&f).map_or(0, |m| m.len()), Item::File(f))),
                    );
                }
                Source::Objects { bucket, prefix } => match store.map(|s| s.list(bucket, prefix)) {
                    Some(Ok(objects)) => files.extend(
                        objects
                            .into_iter()
                            .filter(|(key, _)| {
                                group.flow_log.as_deref().is_none_or(|id| {
                                    flow_log_of(key.rsplit('/').next().unwrap_or_default()) == Some(id)
                                })
                            })
                            .map(|(key, size)| (i, size, Item::Object { bucket: bucket.clone(), key })),
                    ),
                    Some(Err(gap)) => {
                        reads[i]
                            .error
                            .get_or_insert(format!("{root}: {}", gap.message.as_deref().unwrap_or("not listed")));
                        failed.push((i, *gap));
                    }
                    None => {
                        reads[i].error.get_or_insert(format!("{root}: this sgaudit was built without S3 support"));
                    }
                },
            }
        }
    }
    let parts = shares(files, rayon::current_num_threads().max(1));
    let done: Vec<Share> = {
        use rayon::prelude::*;
        parts
            .into_par_iter()
            .map(|part| {
                let mut tally = Tally::new(inv, window);
                let mut mine = vec![Read::default(); reads.len()];
                let mut gaps = Vec::new();
                let mut k = 0;
                while k < part.len() {
                    let objects: Vec<(&str, &str)> = part[k..]
                        .iter()
                        .map_while(|(_, _, item)| match item {
                            Item::Object { bucket, key } => Some((bucket.as_str(), key.as_str())),
                            Item::File(_) => None,
                        })
                        .collect();
                    match store {
                        // A run of objects: fetched by the store (ahead, when it can), read in order.
                        Some(store) if !objects.is_empty() => {
                            store.get_each(&objects, &mut |j, got| {
                                let (i, _, item) = &part[k + j];
                                if let Some(gap) = read_one(inv, item, Some(got), format, &mut tally, &mut mine[*i]) {
                                    gaps.push((*i, gap));
                                }
                            });
                            k += objects.len();
                        }
                        _ => {
                            let (i, _, item) = &part[k];
                            if let Some(gap) = read_one(inv, item, None, format, &mut tally, &mut mine[*i]) {
                                gaps.push((*i, gap));
                            }
                            k += 1;
                        }
                    }
                }
                (tally, mine, gaps)
            })
            .collect()
    };
    let mut total: Option<Tally> = None;
    for (tally, part_reads, gaps) in done {
        failed.extend(gaps);
        match &mut total {
            None => total = Some(tally),
            Some(t) => t.merge(tally),
        }
        for (r, p) in reads.iter_mut().zip(part_reads) {
            r.objects += p.objects;
            r.bytes += p.bytes;
            r.records += p.records;
            r.malformed += p.malformed;
            let room = 10usize.saturating_sub(r.malformed_lines.len());
            r.malformed_lines.extend(p.malformed_lines.into_iter().take(room));
            if !p.format.is_empty() {
                r.format = p.format;
            }
            if r.error.is_none() {
                r.error = p.error;
            }
        }
    }
    let tally = total.unwrap_or_else(|| Tally::new(inv, window));
    // Every source that failed without a failed call of its own: a file or object that could not be read.
    let called: std::collections::BTreeSet<usize> = failed.iter().map(|(i, _)| *i).collect();
    let coverage: Vec<Coverage> = reads
        .iter()
        .enumerate()
        .filter(|(i, _)| !called.contains(i))
        .filter_map(|(_, r)| r.error.as_ref())
        .map(|error| Coverage {
            account: inv.account.clone(),
            region: "-".to_string(),
            service: "flowlogs".to_string(),
            operation: "ReadFile".to_string(),
            status: CoverageStatus::Failed,
            error_code: Some("ReadError".to_string()),
            message: Some(error.clone()),
            hint: Some(
                "check the path and its permissions; no rule is judged by traffic while a file is missing".to_string(),
            ),
            pages: 0,
        })
        .chain(failed.into_iter().map(|(_, mut c)| {
            c.account = inv.account.clone();
            c
        }))
        .collect();
    (Evidence::new(tally, reads, origin), coverage)
}

/// Splits the files into at most `n` contiguous shares of about equal size.
fn shares(files: Vec<(usize, u64, Item)>, n: usize) -> Vec<Vec<(usize, u64, Item)>> {
    let total: u64 = files.iter().map(|f| f.1).sum();
    let per = total / n as u64 + 1;
    let mut out: Vec<Vec<(usize, u64, Item)>> = vec![Vec::new()];
    let mut size = 0;
    for f in files {
        if size >= per && out.len() < n {
            out.push(Vec::new());
            size = 0;
        }
        size += f.1;
        out.last_mut().expect("one share").push(f);
    }
    out
}

/// Reads one file, or one object with its fetched bytes, into the tally, its counts into `read`; an object that
/// could not be fetched is returned as its call's coverage entry.
fn read_one(
    inv: &Inventory,
    item: &Item,
    fetched: Option<Result<Vec<u8>, Box<Coverage>>>,
    format: Option<&Format>,
    tally: &mut Tally,
    read: &mut Read,
) -> Option<Coverage> {
    let name = item.name();
    let base = name.rsplit('/').next().unwrap_or_default();
    let flow_log = flow_log_of(base).and_then(|id| inv.flow_logs.iter().find(|f| f.id == id));
    let hint = flow_log.map(|f| Hint::of(inv, f)).unwrap_or_default();
    let own = flow_log.and_then(|f| f.log_format.as_deref()).and_then(|t| Format::parse(t).ok());
    let start = own.or_else(|| format.cloned()).unwrap_or_else(Format::default_v2);
    let mut feed = TextFeed::new(&name, start, hint, std::mem::take(read));
    feed.next_object(&name);
    let mut gap = None;
    let result = match item {
        Item::File(path) => read_file(path, &mut feed, tally),
        Item::Object { .. } => match fetched {
            Some(Ok(bytes)) => {
                feed.read.bytes += bytes.len() as u64;
                read_stream(std::io::Cursor::new(bytes), &mut feed, tally)
            }
            Some(Err(c)) => {
                let message = c.message.clone().unwrap_or_default();
                gap = Some(*c);
                Err(std::io::Error::other(message))
            }
            None => Err(std::io::Error::other("this sgaudit was built without S3 support")),
        },
    };
    if let Err(e) = result {
        feed.read.error.get_or_insert(format!("{name}: {e}"));
    }
    *read = feed.read;
    gap
}

/// The files under `path` (itself, for a file).
fn list(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            list(&entry?.path(), out)?;
        }
    } else {
        // Opened later; a missing file fails here with its name.
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// The flow log ID in an object name as AWS writes it:
/// `123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz`.
fn flow_log_of(name: &str) -> Option<&str> {
    name.split('_').find(|p| p.starts_with("fl-"))
}

/// Streams one file's lines into the feed: gzip (by its magic bytes) or plain text. Lines that are not UTF-8
/// are read lossily, so they fail as malformed records rather than stop the file.
fn read_file(path: &Path, feed: &mut TextFeed, tally: &mut Tally) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    feed.read.bytes += file.metadata().map(|m| m.len()).unwrap_or(0);
    read_stream(file, feed, tally)
}

/// Streams one file's or object's lines into the feed: gzip (by its magic bytes) or plain text.
fn read_stream(mut input: impl std::io::Read + 'static, feed: &mut TextFeed, tally: &mut Tally) -> std::io::Result<()> {
    let mut magic = [0u8; 2];
    let n = input.read(&mut magic)?;
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let chained = head.chain(input);
    let reader: Box<dyn BufRead> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(chained)))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, chained))
    };
    lines(reader, |line| feed.line(line, tally))
}

/// Calls `f` with each line (without its line ending), reusing one buffer.
fn lines(mut reader: impl BufRead, mut f: impl FnMut(&str)) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        match std::str::from_utf8(line) {
            Ok(text) => f(text),
            Err(_) => f(&String::from_utf8_lossy(line)),
        }
    }
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
        let (ev, gaps) = read_auto(&inv, Some(&store), None, window);
        let listed = store.listed.lock().unwrap().clone();
        assert_eq!(
            listed,
            [
                "logs/team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/06/",
                "logs/team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/07/",
                "logs/team-a/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/08/",
                "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=06/",
                "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=07/",
                "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=08/",
            ]
        );
        let plain = ev.reads.iter().find(|r| r.source == "fl-plain").unwrap();
        assert_eq!((plain.objects, plain.records, plain.error.as_deref()), (1, 1, None), "{plain:?}");
        assert_eq!(plain.destination, "s3://logs/team-a");
        let parquet = ev.reads.iter().find(|r| r.source == "fl-parquet").unwrap();
        assert!(parquet.error.as_deref().is_some_and(|e| e.contains("Parquet")), "{parquet:?}");
        assert_eq!(gaps.len(), 1, "the Parquet flow log is a gap: {gaps:?}");
        assert_eq!(ev.origin, Origin::Auto);
    }
    #[test]
    fn flow_log_ids_in_names() {
        assert_eq!(
            super::flow_log_of("123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz"),
            Some("fl-1234abcd")
        );
        assert_eq!(super::flow_log_of("export.log"), None);
    }
}

//! VPC flow logs: their definitions (DescribeFlowLogs), and the records of files given on the command line
//! (plain or gzip text, as AWS delivers them to S3 or as exported), read line by line into the pure
//! attribution of `crate::flowlog`.

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

/// Reads flow-log files and folders (every file under them, in name order): gzip or plain text, with or
/// without a header line. A file named as AWS names delivered objects
/// (`{account}_vpcflowlogs_{region}_{flow-log-id}_…`) is read with its flow log's format and VPC; any other
/// with its header, else `format`, else the default format. A file that cannot be read is a failed
/// coverage entry, and the evidence says so. The files are read side by side, one contiguous share of them
/// (by size) per thread, each into its own tally; the tallies are merged at the end.
pub fn read_paths(
    inv: &Inventory,
    paths: &[PathBuf],
    format: Option<&Format>,
    window: Window,
) -> (Evidence, Vec<Coverage>) {
    let mut reads: Vec<Read> = paths
        .iter()
        .map(|root| Read {
            source: root.display().to_string(),
            destination: root.display().to_string(),
            ..Read::default()
        })
        .collect();
    let mut files: Vec<(usize, u64, PathBuf)> = Vec::new();
    for (i, root) in paths.iter().enumerate() {
        let mut found = Vec::new();
        if let Err(e) = list(root, &mut found) {
            reads[i].error = Some(format!("{}: {e}", root.display()));
        }
        found.sort();
        files.extend(found.into_iter().map(|f| (i, std::fs::metadata(&f).map_or(0, |m| m.len()), f)));
    }
    let parts = shares(files, rayon::current_num_threads().max(1));
    let done: Vec<(Tally, Vec<Read>)> = {
        use rayon::prelude::*;
        parts
            .into_par_iter()
            .map(|part| {
                let mut tally = Tally::new(inv, window);
                let mut mine = vec![Read::default(); paths.len()];
                for (i, _, file) in part {
                    read_one(inv, &file, format, &mut tally, &mut mine[i]);
                }
                (tally, mine)
            })
            .collect()
    };
    let mut total: Option<Tally> = None;
    for (tally, part_reads) in done {
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
    let coverage = reads
        .iter()
        .filter_map(|r| r.error.as_ref())
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
        .collect();
    (Evidence::new(tally, reads, Origin::Given), coverage)
}

/// Splits the files into at most `n` contiguous shares of about equal size.
fn shares(files: Vec<(usize, u64, PathBuf)>, n: usize) -> Vec<Vec<(usize, u64, PathBuf)>> {
    let total: u64 = files.iter().map(|f| f.1).sum();
    let per = total / n as u64 + 1;
    let mut out: Vec<Vec<(usize, u64, PathBuf)>> = vec![Vec::new()];
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

/// Reads one file into the tally, its counts into `read`.
fn read_one(inv: &Inventory, file: &Path, format: Option<&Format>, tally: &mut Tally, read: &mut Read) {
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let flow_log = flow_log_of(&name).and_then(|id| inv.flow_logs.iter().find(|f| f.id == id));
    let hint = flow_log.map(|f| Hint::of(inv, f)).unwrap_or_default();
    let own = flow_log.and_then(|f| f.log_format.as_deref()).and_then(|t| Format::parse(t).ok());
    let start = own.or_else(|| format.cloned()).unwrap_or_else(Format::default_v2);
    let mut feed = TextFeed::new(&file.display().to_string(), start, hint, std::mem::take(read));
    feed.next_object(&file.display().to_string());
    if let Err(e) = read_file(file, &mut feed, tally) {
        let msg = format!("{}: {e}", file.display());
        feed.read.error.get_or_insert(msg);
    }
    *read = feed.read;
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
    let mut file = std::fs::File::open(path)?;
    feed.read.bytes += file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic)?;
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let chained = head.chain(file);
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
    #[test]
    fn flow_log_ids_in_names() {
        assert_eq!(
            super::flow_log_of("123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz"),
            Some("fl-1234abcd")
        );
        assert_eq!(super::flow_log_of("export.log"), None);
    }
}

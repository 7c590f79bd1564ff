//! The flow-log pass against its floor (docs/benchmarks.md). Build with `--release`.
//!
//!     cargo run --release --example flowlog_bench -- generate DIR MEGABYTES   # gzip objects of a synthetic account
//!     cargo run --release --example flowlog_bench -- inflate DIR              # the floor: decompress to nowhere
//!     cargo run --release --example flowlog_bench -- pass DIR                 # sgaudit's whole flow-log pass
//!
//! The synthetic account: one VPC (10.0.0.0/16) with a flow log since 2026-01-01, 200 groups of six ingress
//! rules each (ports, CIDRs public and private, references to other groups) and an all-traffic egress rule,
//! and 4,000 interfaces with one or two groups. The objects hold records of the default format, with the
//! header line, over November 2026: interfaces talking to each other and to internet addresses, replies,
//! rejected attempts and NODATA records, in the proportions of a busy VPC. Both `inflate` and `pass` use both
//! cores (one share of the objects per thread) and the same inflate library (flate2 with zlib-rs), inflating
//! into a buffer of the same size (256 KiB).

#[path = "../src/allocator.rs"]
mod allocator;

use sgaudit::flowlog::Window;
use sgaudit::model::{
    Direction, FlowLog, Inventory, NetworkInterface, Peer, PortRange, Protocol, Rule, SecurityGroup, Vpc,
};
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;

const GROUPS: usize = 200;
const INTERFACES: usize = 4_000;
const START: i64 = 1_793_491_200; // 2026-11-01T00:00Z
const END: i64 = 1_796_083_200; // 2026-12-01T00:00Z
const ACCOUNT: &str = "123456789012";

/// A small deterministic generator (xorshift), so that every run writes the same objects.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn eni_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, (i / 250) as u8, (i % 250 + 4) as u8)
}

fn inventory() -> Inventory {
    let mut inv =
        Inventory { account: Some(ACCOUNT.into()), regions: vec!["us-east-1".into()], ..Inventory::default() };
    inv.vpcs.push(Vpc {
        id: "vpc-bench".into(),
        region: "us-east-1".into(),
        owner_id: Some(ACCOUNT.into()),
        cidrs: vec!["10.0.0.0/16".parse().unwrap()],
    });
    inv.flow_logs.push(FlowLog {
        id: "fl-bench".into(),
        region: "us-east-1".into(),
        resource_id: "vpc-bench".into(),
        traffic_type: "ALL".into(),
        destination_type: "s3".into(),
        destination: Some("arn:aws:s3:::bench".into()),
        log_format: None,
        created: Some(1_767_225_600),
        file_format: None,
        hive_partitions: false,
        per_hour: false,
        status: Some("ACTIVE".into()),
    });
    let mut rng = Rng(7);
    for g in 0..GROUPS {
        let id = format!("sg-{g:05}");
        inv.groups.push(SecurityGroup {
            id: id.clone(),
            name: format!("tier-{g}"),
            region: "us-east-1".into(),
            vpc_id: Some("vpc-bench".into()),
            owner_id: Some(ACCOUNT.into()),
            description: String::new(),
            tags: Default::default(),
        });
        let rule = |n: usize, direction, protocol, ports, peer| Rule {
            id: Some(format!("sgr-{g:05}-{n}")),
            group_id: id.clone(),
            region: "us-east-1".into(),
            direction,
            protocol,
            ports,
            peer,
            description: String::new(),
        };
        for n in 0..6 {
            let port = [443, 22, 5432, 6379, 8080, 9000][n];
            let peer = match rng.below(3) {
                0 => Peer::Ipv4("0.0.0.0/0".parse().unwrap()),
                1 => Peer::Ipv4("10.0.0.0/16".parse().unwrap()),
                _ => Peer::Group { id: format!("sg-{:05}", rng.below(GROUPS as u64)), owner_id: None, vpc_id: None },
            };
            inv.rules.push(rule(n, Direction::Ingress, Protocol::Tcp, PortRange::single(port), peer));
        }
        inv.rules.push(rule(
            6,
            Direction::Egress,
            Protocol::All,
            PortRange::ALL,
            Peer::Ipv4("0.0.0.0/0".parse().unwrap()),
        ));
    }
    for i in 0..INTERFACES {
        let mut groups = vec![format!("sg-{:05}", i % GROUPS)];
        if i % 3 == 0 {
            groups.push(format!("sg-{:05}", (i * 7 + 1) % GROUPS));
        }
        let mut eni: NetworkInterface = serde_json::from_value(serde_json::json!({
            "id": format!("eni-{i:017x}"), "region": "us-east-1", "vpc_id": "vpc-bench", "subnet_id": "subnet-bench",
            "group_ids": groups, "interface_type": "interface"
        }))
        .unwrap();
        eni.private_ips.push(IpAddr::V4(eni_ip(i)));
        inv.interfaces.push(eni);
    }
    inv
}

/// One object's text: about `bytes` of records.
fn object(rng: &mut Rng, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 200);
    out.push_str("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
    let ports = [443u16, 22, 5432, 6379, 8080, 9000, 53, 3389];
    while out.len() < bytes {
        let i = rng.below(INTERFACES as u64) as usize;
        let eni = format!("eni-{i:017x}");
        let at = START + rng.below((END - START - 120) as u64) as i64;
        let kind = rng.below(100);
        if kind < 3 {
            let _ = writeln!(out, "2 {ACCOUNT} {eni} - - - - - - - {at} {} - NODATA", at + 60);
            continue;
        }
        let local = eni_ip(i);
        let peer: Ipv4Addr = if rng.below(4) == 0 {
            Ipv4Addr::from(0x2d00_0000 + rng.below(1 << 24) as u32)
        } else {
            eni_ip(rng.below(INTERFACES as u64) as usize)
        };
        let port = ports[rng.below(ports.len() as u64) as usize];
        let eph = 32_768 + rng.below(28_000) as u16;
        let action = if kind < 8 { "REJECT" } else { "ACCEPT" };
        let (src, dst, sp, dp) = if rng.below(2) == 0 { (peer, local, eph, port) } else { (local, peer, port, eph) };
        let (packets, bytes) = (1 + rng.below(200), 40 + rng.below(200_000));
        let _ =
            writeln!(out, "2 {ACCOUNT} {eni} {src} {dst} {sp} {dp} 6 {packets} {bytes} {at} {} {action} OK", at + 60);
    }
    out
}

fn generate(dir: &Path, megabytes: u64) {
    use rayon::prelude::*;
    // About 8 MB of gzip per object (AWS rolls objects at about that size on a busy VPC); text compresses
    // about 6:1.
    let objects = (megabytes / 8).max(1);
    let folder = dir.join(format!("AWSLogs/{ACCOUNT}/vpcflowlogs/us-east-1/2026/11"));
    (0..objects).into_par_iter().for_each(|n| {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (n + 1));
        let text = object(&mut rng, 48 << 20);
        let day = folder.join(format!("{:02}", n % 30 + 1));
        std::fs::create_dir_all(&day).unwrap();
        let name =
            format!("{ACCOUNT}_vpcflowlogs_us-east-1_fl-bench_202611{:02}T{:04}Z_{n:08x}.log.gz", n % 30 + 1, n % 2400);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        std::fs::write(day.join(name), gz.finish().unwrap()).unwrap();
    });
    // The NODATA records of the window's two ends, so that every interface counts as logged throughout.
    let mut ends = String::from("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
    for i in 0..INTERFACES {
        for at in [START + 60, END - 600] {
            let _ = writeln!(ends, "2 {ACCOUNT} eni-{i:017x} - - - - - - - {at} {} - NODATA", at + 60);
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(ends.as_bytes()).unwrap();
    let day = folder.join("30");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(
        day.join(format!("{ACCOUNT}_vpcflowlogs_us-east-1_fl-bench_20261130T2350Z_ends.log.gz")),
        gz.finish().unwrap(),
    )
    .unwrap();
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn main() {
    allocator::configure();
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(2).expect("DIR"));
    match args.get(1).map(String::as_str) {
        Some("generate") => {
            let mb: u64 = args.get(3).and_then(|m| m.parse().ok()).unwrap_or(1024);
            let t = Instant::now();
            generate(&dir, mb);
            println!("generated in {:.1} s", t.elapsed().as_secs_f64());
        }
        Some("inflate") => {
            use rayon::prelude::*;
            let mut all = Vec::new();
            files(&dir, &mut all);
            let t = Instant::now();
            let bytes: u64 = all
                .par_iter()
                .map(|f| {
                    // As the pass reads: the file through the decoder into a buffer of 256 KiB, here dropped.
                    let file = std::fs::File::open(f).unwrap();
                    let mut d = flate2::read::MultiGzDecoder::new(file);
                    let mut buf = vec![0u8; 1 << 18];
                    let mut total = 0u64;
                    loop {
                        let n = std::io::Read::read(&mut d, &mut buf).unwrap();
                        if n == 0 {
                            break total;
                        }
                        total += n as u64;
                    }
                })
                .sum();
            let s = t.elapsed().as_secs_f64();
            println!(
                "inflate: {} objects, {:.0} MB of text in {s:.2} s ({:.0} MB/s)",
                all.len(),
                bytes as f64 / 1e6,
                bytes as f64 / 1e6 / s
            );
        }
        Some("pass") => {
            let inv = inventory();
            let t = Instant::now();
            let window = Window { start: START, end: END };
            let (ev, failed) = sgaudit::collect::flowlogs::read_paths(&inv, &[dir], None, window);
            let read = t.elapsed().as_secs_f64();
            assert!(failed.is_empty(), "{failed:?}");
            let audit = sgaudit::audit::audit_with_evidence(&inv, None, Some(&ev));
            let s = t.elapsed().as_secs_f64();
            let records = ev.counts.records;
            let silent = audit.findings.iter().filter(|f| f.check == "no-traffic-rule").count();
            println!(
                "pass: {records} records in {read:.2} s ({:.2} M records/s), audit done at {s:.2} s; {silent} no-traffic-rule, peak RSS {} MiB",
                records as f64 / read / 1e6,
                peak_rss_mib()
            );
        }
        _ => eprintln!("usage: flowlog_bench generate|inflate|pass DIR [MEGABYTES]"),
    }
}

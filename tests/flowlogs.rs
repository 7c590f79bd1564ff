//! Flow-log evidence, as data: an inventory of five VPCs (tests/fixtures/flowlogs/inventory.json) and the text
//! its flow logs delivered (one file per flow log, in AWS's formats), audited over a fixed window. The
//! findings, the notes and the counts are one snapshot. Each VPC is one situation:
//! - vpc-a, a custom format with flow-direction, TCP flags and original addresses: ingress and egress, a
//!   group reference, a prefix list, replies told apart by SYN-ACK, REJECT records, a malformed line, two broad
//!   rules used by few sources;
//! - vpc-b, a flow log created mid-window: no verdict, a note;
//! - vpc-c, the default format without a header (no flags, no direction): a reply counts both ways; an
//!   interface no longer in the account; a record outside the window;
//! - vpc-d, a log on one of two members only: no verdict, a note;
//! - vpc-e, a SKIPDATA record: no verdict, a note.

mod common;

use sgaudit::audit::Severity;
use sgaudit::engine::{run, Context};
use sgaudit::flowlog::{parse_date, Evidence, Format, Hint, Origin, Read, Tally, TextFeed, Window};
use sgaudit::model::Inventory;
use sgaudit::report::Report;

fn inventory() -> Inventory {
    common::fixture("flowlogs/inventory")
}

fn window() -> Window {
    Window { start: parse_date("2026-11-01").unwrap(), end: parse_date("2026-12-01").unwrap() }
}

/// Reads each flow log's file the way the collector reads a delivered object.
fn evidence(inv: &Inventory, files: &[(&str, &str)]) -> Evidence {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flowlogs");
    let mut tally = Tally::new(inv, window());
    let mut reads = Vec::new();
    for (file, id) in files {
        let fl = inv.flow_logs.iter().find(|f| f.id == *id).unwrap();
        let format = fl.log_format.as_deref().map_or_else(Format::default_v2, |f| Format::parse(f).unwrap());
        let read = Read { source: fl.id.clone(), destination: file.to_string(), ..Read::default() };
        let mut feed = TextFeed::new(file, format, Hint::of(inv, fl), read);
        feed.next_object(file);
        for line in std::fs::read_to_string(dir.join(file)).unwrap().lines() {
            feed.line(line, &mut tally);
        }
        reads.push(feed.read);
    }
    Evidence::new(tally, reads, Origin::Auto)
}

const FILES: &[(&str, &str)] = &[
    ("vpc-a.log", "fl-a"),
    ("vpc-b.log", "fl-b"),
    ("vpc-c.log", "fl-c"),
    ("eni-d1.log", "fl-d1"),
    ("vpc-e.log", "fl-e"),
];

fn text(inv: &Inventory, ev: &Evidence) -> String {
    let audit = run(&Context::new(inv).with_traffic(Some(ev)), sgaudit::checks::REGISTRY);
    let report = Report::new(inv, audit, Severity::High);
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!("{} {} {} {}: {}\n", f.check, f.severity, f.resource.kind, f.resource.id, f.message));
        for e in f.evidence.iter().filter(|e| e.detail.starts_with("flow logs")) {
            out.push_str(&format!("    evidence: {}\n", e.detail));
        }
        for c in &f.remediation.commands {
            out.push_str(&format!("    $ {c}\n"));
        }
    }
    for n in &report.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!("counts: {:?}\n", ev.counts));
    for r in &ev.reads {
        out.push_str(&format!(
            "read {} ({}): {} object(s), {} record(s), {} malformed {:?}; format {}\n",
            r.source, r.destination, r.objects, r.records, r.malformed, r.malformed_lines, r.format
        ));
    }
    out.push_str(&format!("rejected from the internet: {:?}\n", ev.rejected));
    out.push_str(&format!("unknown interfaces: {:?}\n", ev.unknown_interfaces));
    out
}

#[test]
fn five_vpcs() {
    let inv = inventory();
    let ev = evidence(&inv, FILES);
    insta::assert_snapshot!("flowlogs_five_vpcs", text(&inv, &ev));
}

/// The verdicts the snapshot holds, stated: a change that loses one fails here with its name.
#[test]
fn verdicts() {
    let inv = inventory();
    let ev = evidence(&inv, FILES);
    let audit = run(&Context::new(&inv).with_traffic(Some(&ev)), sgaudit::checks::REGISTRY);
    let of = |check: &str| -> Vec<String> {
        let mut ids: Vec<String> =
            audit.findings.iter().filter(|f| f.check == check).map(|f| f.resource.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(of("no-traffic-rule"), ["sgr-api-in", "sgr-db-out", "sgr-db-redis", "sgr-web-ssh"]);
    assert_eq!(of("broad-rule-narrow-use"), ["sgr-web-https", "sgr-wide-ssh"]);
    // Blocked attempts are evidence, never use.
    assert_eq!(ev.rejected, [("eni-web".to_string(), 6, 3389, 4)]);
    assert_eq!(ev.counts.malformed, 1);
    let notes = audit.notes.join("\n");
    for gap in [
        "fl-b was created 2026-11-15 00:00Z, after the window's start",
        "eni-d2 was not logged (no flow log on it, its subnet or its VPC)",
        "eni-e1 has a hole in its log (SKIPDATA from 2026-11-20 00:00Z)",
    ] {
        assert!(notes.contains(gap), "missing note `{gap}` in:\n{notes}");
    }
}

/// Without evidence for a VPC, nothing is judged there: the same logs minus vpc-a's file give no verdict in
/// vpc-a (its interfaces have no record), and the notes say why.
#[test]
fn a_missing_file_is_never_no_traffic() {
    let inv = inventory();
    let ev = evidence(&inv, &FILES[1..]);
    let audit = run(&Context::new(&inv).with_traffic(Some(&ev)), sgaudit::checks::REGISTRY);
    assert!(audit
        .findings
        .iter()
        .all(|f| !f.resource.id.starts_with("sgr-web") && !f.resource.id.starts_with("sgr-db")));
    assert!(audit.notes.iter().any(|n| n.contains("eni-web was not logged (fl-a was not read)")));
}

/// No evidence at all: the traffic checks say nothing and the other checks are as before.
#[test]
fn without_flow_logs_nothing_changes() {
    let inv = inventory();
    let with_none = run(&Context::new(&inv), sgaudit::checks::REGISTRY);
    assert!(with_none.findings.iter().all(|f| f.check != "no-traffic-rule" && f.check != "broad-rule-narrow-use"));
    assert!(with_none.notes.iter().all(|n| !n.contains("flow-log")));
}

/// Every output carries the evidence: the flow-log lines of a finding (top peers, ports, first and last seen)
/// in Markdown and SARIF, the `flow_logs` section in JSON, its summary in the table and the HTML page.
#[test]
fn outputs_carry_the_evidence() {
    let args = |format: &str| -> Vec<String> {
        [
            "audit",
            "--replay",
            "mocks/flowlogs",
            "--flow-logs",
            "mocks/flowlogs/logs",
            "--since",
            "2026-11-01",
            "--until",
            "2026-12-01",
            "--format",
            format,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |format: &str| {
        let a = args(format);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, out, err) = common::sgaudit(&refs);
        assert_eq!(code, 0, "{err}");
        out
    };
    let top = "from 2 peer(s) (198.51.100.7 ×6, 203.0.113.9 ×2) on port(s) 443";
    let markdown = run("markdown");
    assert!(markdown.contains(top), "{markdown}");
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["properties"]["flow_logs"].to_string().contains(top)), "{results:#?}");
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let section = &json["flow_logs"][0];
    assert_eq!(section["interfaces_covered"], 2);
    assert_eq!(section["counts"]["records"], 17);
    assert_eq!(section["rejected"][0]["port"], 3389);
    let summary = "flow logs 2026-11-01 00:00Z → 2026-12-01 00:00Z: 1 source(s) read, 17 records";
    assert!(run("table").contains(summary));
    assert!(run("html").contains(summary));
}

/// No file crashes the reader: a truncated gzip object, bytes that are neither gzip nor text, an empty file
/// and a header-only object each give a counted outcome (an error naming the file, or malformed lines), and
/// the run goes on with the others.
#[test]
fn damaged_files_are_errors_with_their_names_never_a_crash() {
    use std::io::Write;
    let inv = inventory();
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(std::fs::read_to_string(common::root().join("tests/fixtures/flowlogs/vpc-c.log")).unwrap().as_bytes())
        .unwrap();
    let whole = gz.finish().unwrap();
    std::fs::write(dir.path().join("a-truncated.log.gz"), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(
        dir.path().join("b-noise.log"),
        (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(dir.path().join("c-empty.log"), b"").unwrap();
    std::fs::write(dir.path().join("d-header.log"), sgaudit::flowlog::DEFAULT_FIELDS.as_bytes()).unwrap();
    std::fs::write(dir.path().join("e-good.log.gz"), &whole).unwrap();
    let (ev, failed) = sgaudit::collect::flowlogs::read_paths(&inv, &[dir.path().to_path_buf()], None, window());
    let read = &ev.reads[0];
    assert_eq!(read.objects, 5);
    assert!(read.error.as_deref().is_some_and(|e| e.contains("a-truncated.log.gz")), "{read:?}");
    assert_eq!(failed.len(), 1, "the damaged object is a failed read");
    assert!(read.malformed > 0 && read.malformed_lines.iter().any(|l| l.contains("b-noise.log:")), "{read:?}");
    // The good object was read all the same (its 9 records, and part of the truncated one's).
    assert!(read.records >= 9, "{read:?}");
}

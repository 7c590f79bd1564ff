//! Flow-log evidence end to end, live against moto: a VPC whose flow log delivers to S3 (CreateFlowLogs), the
//! objects it would deliver written by the test in AWS's key layout and default format (gzip, with the header
//! line), and `sgaudit audit --flow-logs DIR` over them. Then the same with a file that cannot be read: a
//! coverage gap, exit 2, and no rule judged by traffic. With the `s3` feature, the same objects in the flow
//! log's bucket, read as `--flow-logs s3://BUCKET/PREFIX`: the same verdicts; a missing bucket is a gap, and so
//! is a denied s3:GetObject (the test launcher's patch 6), exit 2 and no verdict by traffic.
//!
//! With the `cloudwatch-logs` feature, a second flow log of the VPC delivers the same records to a log group:
//! `auto` reads it with one Logs Insights aggregate query (the test launcher's patch 5 answers `stats` as
//! Logs Insights does), falls back to FilterLogEvents when StartQuery is denied, and fails (exit 2) only when
//! FilterLogEvents is denied too.
//!
//! moto stamps a flow log's creation time with "now", so the window is placed after it (records in the
//! future are records like any other to the reader).

mod common;

use common::scenarios::{self, Seeder};
use common::*;
use std::io::Write;

const ACCOUNT: &str = "123456789012";

fn gzip(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

/// The shop account seeded on `moto`, and one day of its flow log's records written as AWS delivers them
/// (`AWSLogs/…/{account}_vpcflowlogs_…log.gz`, gzip, the header line) under a temporary folder.
struct Setup {
    s: Seeder,
    dir: tempfile::TempDir,
    /// The object's key, relative to the folder (as in the bucket).
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    key: String,
    /// The records, without the header line, and the time they were written.
    #[cfg_attr(not(all(feature = "s3", feature = "cloudwatch-logs")), allow(dead_code))]
    records: (Vec<String>, i64),
    since: String,
    until: String,
}

fn setup(moto: &Moto) -> Setup {
    let s = rt().block_on(async {
        let mut s = Seeder::new(&moto.endpoint, "us-east-1").await;
        scenarios::shop(&mut s).await;
        s
    });
    let (flow_log, web_ip, db_ip) = (s.id("shop-flow-log"), s.id("shop-web-host-ip"), s.id("shop-db-host-ip"));
    let (web_eni, db_eni) = (s.id("shop-web-host-eni"), s.id("shop-db-host-eni"));

    // The window: a day, starting after the flow log's creation.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (since, until) = (now + 3600, now + 3600 + 86_400);
    let date = |t: i64| {
        let d = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            d.year(),
            d.month() as u8,
            d.day(),
            d.hour(),
            d.minute(),
            d.second()
        )
    };
    let mut lines = vec!["version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status".to_string()];
    for eni in [&web_eni, &db_eni] {
        for t in [since + 60, until - 120] {
            lines.push(format!("2 {ACCOUNT} {eni} - - - - - - - {t} {} - NODATA", t + 60));
        }
    }
    let t = since + 7200;
    // Two internet clients of web on 443; web's connections to db on 5432, seen on both sides.
    for (i, client) in ["198.51.100.7", "198.51.100.7", "203.0.113.9"].iter().enumerate() {
        lines.push(format!(
            "2 {ACCOUNT} {web_eni} {client} {web_ip} {} 443 6 10 840 {t} {} ACCEPT OK",
            50000 + i,
            t + 60
        ));
    }
    lines.push(format!("2 {ACCOUNT} {web_eni} {web_ip} {db_ip} 43000 5432 6 10 840 {t} {} ACCEPT OK", t + 60));
    lines.push(format!("2 {ACCOUNT} {db_eni} {web_ip} {db_ip} 43000 5432 6 10 840 {t} {} ACCEPT OK", t + 60));
    // A blocked attempt on 3389.
    lines.push(format!("2 {ACCOUNT} {web_eni} 45.77.0.66 {web_ip} 40000 3389 6 1 40 {t} {} REJECT OK", t + 60));

    let dir = tempfile::tempdir().unwrap();
    let day = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
    let key = format!(
        "AWSLogs/{ACCOUNT}/vpcflowlogs/us-east-1/{}/{:02}/{:02}/{ACCOUNT}_vpcflowlogs_us-east-1_{flow_log}_20261201T0000Z_0a1b2c3d.log.gz",
        day.year(),
        day.month() as u8,
        day.day()
    );
    std::fs::create_dir_all(dir.path().join(&key).parent().unwrap()).unwrap();
    std::fs::write(dir.path().join(&key), gzip(&(lines.join("\n") + "\n"))).unwrap();

    let records = (lines[1..].to_vec(), since + 60);
    Setup { s, dir, key, records, since: date(since), until: date(until) }
}

#[test]
fn flow_log_evidence_live() {
    let Some(moto) = Moto::start() else { return };
    let Setup { s, dir, since, until, .. } = setup(&moto);
    let root = dir.path().display().to_string();
    let base = ["--endpoint-url", moto.endpoint.as_str(), "--region", "us-east-1", "--max-attempts", "2"];
    let window = ["--since", since.as_str(), "--until", until.as_str()];
    let (_, report) = audit_json(&[&base[..], &window[..], &["--flow-logs", &root]].concat());

    let rule_of = |group: &str, port: i64| -> String {
        let gid = s.id(group);
        rt().block_on(async {
            let out = s
                .ec2
                .describe_security_group_rules()
                .filters(aws_sdk_ec2::types::Filter::builder().name("group-id").values(&gid).build())
                .send()
                .await
                .unwrap();
            out.security_group_rules()
                .iter()
                .find(|r| r.is_egress() == Some(port < 0) && (port < 0 || r.from_port() == Some(port as i32)))
                .and_then(|r| r.security_group_rule_id())
                .unwrap()
                .to_string()
        })
    };
    let silent: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "no-traffic-rule")
        .map(|f| f["resource"]["id"].as_str().unwrap().to_string())
        .collect();
    let expected_silent = [rule_of("shop-web", 22), rule_of("shop-db", 6379)];
    for rule in &expected_silent {
        assert!(silent.contains(rule), "{rule} carried nothing: {silent:?}\n{:#}", report["notes"]);
    }
    for used in [rule_of("shop-web", 443), rule_of("shop-db", 5432), rule_of("shop-web", -1)] {
        assert!(!silent.contains(&used), "{used} carried traffic: {silent:?}");
    }
    let narrow = finding(&report, "broad-rule-narrow-use", &rule_of("shop-web", 443)).expect("443 used by two clients");
    let m = narrow["message"].as_str().unwrap();
    assert!(m.contains("2 source(s): 198.51.100.7 (2 records), 203.0.113.9 (1 record)"), "{m}");
    let flow = &report["flow_logs"][0];
    assert_eq!(flow["interfaces_covered"], 2, "{flow:#}");
    assert_eq!(flow["counts"]["rejected"], 1);
    assert_eq!(flow["reads"][0]["objects"], 1);

    // A file that cannot be read: a gap, exit 2, and no verdict by traffic.
    let missing = dir.path().join("missing.log.gz").display().to_string();
    let (code, report) =
        audit_json(&[&base[..], &window[..], &["--flow-logs", &root, "--flow-logs", &missing]].concat());
    assert_eq!(code, 2);
    let gap = report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == "flowlogs" && c["status"] == "failed")
        .unwrap_or_else(|| panic!("{:#}", report["coverage"]));
    assert!(gap["message"].as_str().unwrap().contains("missing.log.gz"), "{gap:#}");
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["check"] != "no-traffic-rule"));
    assert!(report["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("missing.log.gz failed")));
}

/// The same objects read from the flow log's bucket, as `s3://BUCKET/PREFIX` and as `auto`: the same verdicts
/// as from the folder. A bucket that does not exist is ListObjectsV2's gap (NoSuchBucket), exit 2, and no
/// verdict by traffic.
#[cfg(feature = "s3")]
#[test]
fn flow_log_objects_in_s3_live() {
    // Every call of the collection answered (patch 4), so that an exit code of 2 is the flow logs'.
    let Some(moto) = Moto::start_complete() else { return };
    let Setup { s, dir, key, since, until, .. } = setup(&moto);
    rt().block_on(async {
        let conf = aws_sdk_s3::config::Builder::from(&moto_config(&moto.endpoint, "us-east-1").await)
            .force_path_style(true)
            .build();
        let body = std::fs::read(dir.path().join(&key)).unwrap();
        aws_sdk_s3::Client::from_conf(conf)
            .put_object()
            .bucket("shop-flow-logs")
            .key(&key)
            .body(body.into())
            .send()
            .await
            .unwrap();
    });
    let base = ["--endpoint-url", moto.endpoint.as_str(), "--region", "us-east-1", "--max-attempts", "2"];
    let window = ["--since", since.as_str(), "--until", until.as_str()];
    let root = dir.path().display().to_string();
    let (_, from_files) = audit_json(&[&base[..], &window[..], &["--flow-logs", &root]].concat());
    let (_, from_s3) = audit_json(&[&base[..], &window[..], &["--flow-logs", "s3://shop-flow-logs/AWSLogs/"]].concat());
    assert!(!verdicts(&from_files).is_empty());
    assert_eq!(verdicts(&from_s3), verdicts(&from_files));
    let read = &from_s3["flow_logs"][0]["reads"][0];
    assert_eq!(read["source"], "s3://shop-flow-logs/AWSLogs/");
    assert_eq!(read["objects"], 1, "{read:#}");
    assert!(from_s3["coverage"].as_array().unwrap().iter().all(|c| c["status"] != "failed" || c["service"] != "s3"));

    // `auto`: the flow log's own destination (DescribeFlowLogs), listed day by day over the window.
    let (auto_code, auto) = audit_json(&[&base[..], &window[..], &["--flow-logs", "auto"]].concat());
    assert_eq!(verdicts(&auto), verdicts(&from_files));
    let flow_log = s.id("shop-flow-log");
    let read = &auto["flow_logs"][0]["reads"][0];
    assert_eq!(read["source"], flow_log.as_str(), "{read:#}");
    assert_eq!(read["destination"], "s3://shop-flow-logs");
    assert_eq!(read["objects"], 1, "{read:#}");
    assert_eq!(auto["flow_logs"][0]["origin"], "auto");

    let (code, report) = audit_json(&[&base[..], &window[..], &["--flow-logs", "s3://no-such-bucket/"]].concat());
    assert_eq!(code, 2);
    let gap = report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == "s3" && c["status"] == "failed")
        .unwrap_or_else(|| panic!("{:#}", report["coverage"]));
    assert_eq!(gap["operation"], "ListObjectsV2");
    assert_eq!(gap["error_code"], "NoSuchBucket");
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["check"] != "no-traffic-rule"));
    assert_ne!(auto_code, 2, "{:#}", auto["coverage"]);

    // s3:GetObject denied: GetObject's gap (AccessDenied, with its hint), exit 2, and no verdict by traffic.
    moto.deny("s3:GetObject");
    for source in ["auto", "s3://shop-flow-logs/AWSLogs/"] {
        let (code, report) = audit_json(&[&base[..], &window[..], &["--flow-logs", source]].concat());
        assert_eq!(code, 2, "{source}");
        let gap = report["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["service"] == "s3" && c["status"] == "failed")
            .unwrap_or_else(|| panic!("{source}: {:#}", report["coverage"]));
        assert_eq!(gap["operation"], "GetObject", "{gap:#}");
        assert_eq!(gap["error_code"], "AccessDenied", "{gap:#}");
        assert!(gap["hint"].as_str().is_some_and(|h| h.contains("s3:GetObject")), "{gap:#}");
        assert!(verdicts(&report).is_empty(), "{source}: {:?}", verdicts(&report));
    }
}

/// The findings by traffic, sorted.
#[cfg(feature = "s3")]
fn verdicts(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "no-traffic-rule" || f["check"] == "broad-rule-narrow-use")
        .map(|f| format!("{} {}", f["check"], f["message"]))
        .collect();
    v.sort();
    v
}

/// The same records delivered by a second flow log of the VPC to CloudWatch Logs, read by `auto`: one Logs
/// Insights aggregate query gives the same verdicts as the files. `record --flow-logs --since --until` keeps
/// what `auto` read (the S3 object, the query's answer), and `--replay` gives the same verdicts from it. With
/// StartQuery denied, FilterLogEvents gives the verdicts again and the run does not fail; with
/// FilterLogEvents denied too, it fails (exit 2) and no rule is judged by traffic.
#[cfg(all(feature = "s3", feature = "cloudwatch-logs"))]
#[test]
fn flow_logs_in_cloudwatch_logs_live() {
    // Every call of the collection answered (patch 4), so that an exit code of 2 is the flow logs'.
    let Some(moto) = Moto::start_complete() else { return };
    let Setup { s, dir, key, records, since, until } = setup(&moto);
    let flow_log = rt().block_on(async {
        let conf = moto_config(&moto.endpoint, "us-east-1").await;
        let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
        logs.create_log_group().log_group_name("shop-flow").send().await.unwrap();
        logs.create_log_stream().log_group_name("shop-flow").log_stream_name("eni-all").send().await.unwrap();
        let events: Vec<_> = records
            .0
            .iter()
            .map(|m| {
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(records.1 * 1000)
                    .message(m)
                    .build()
                    .unwrap()
            })
            .collect();
        let put = logs
            .put_log_events()
            .log_group_name("shop-flow")
            .log_stream_name("eni-all")
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
        assert!(put.rejected_log_events_info().is_none(), "{put:?}");
        let out = s
            .ec2
            .create_flow_logs()
            .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
            .resource_ids(s.id("shop-vpc"))
            .traffic_type(aws_sdk_ec2::types::TrafficType::All)
            .log_destination_type(aws_sdk_ec2::types::LogDestinationType::CloudWatchLogs)
            .log_group_name("shop-flow")
            .deliver_logs_permission_arn(format!("arn:aws:iam::{ACCOUNT}:role/flow-logs"))
            .send()
            .await
            .unwrap();
        out.flow_log_ids().first().unwrap_or_else(|| panic!("{:?}", out.unsuccessful())).to_string()
    });
    let base = ["--endpoint-url", moto.endpoint.as_str(), "--region", "us-east-1", "--max-attempts", "2"];
    let window = ["--since", since.as_str(), "--until", until.as_str()];
    let root = dir.path().display().to_string();
    let (_, from_files) = audit_json(&[&base[..], &window[..], &["--flow-logs", &root]].concat());
    assert!(!verdicts(&from_files).is_empty());
    let auto = || audit_json(&[&base[..], &window[..], &["--flow-logs", "auto"]].concat());
    let read_of = |report: &serde_json::Value| -> serde_json::Value {
        report["flow_logs"][0]["reads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["source"] == flow_log.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{:#}", report["flow_logs"]))
    };
    let call = |report: &serde_json::Value, operation: &str| -> serde_json::Value {
        report["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["service"] == "logs" && c["operation"] == operation)
            .cloned()
            .unwrap_or_else(|| panic!("no {operation}: {:#}", report["coverage"]))
    };

    // One aggregate query.
    let (code, report) = auto();
    assert_eq!(verdicts(&report), verdicts(&from_files));
    let read = read_of(&report);
    assert_eq!(read["destination"], "shop-flow (CloudWatch Logs, us-east-1)", "{read:#}");
    assert_eq!(read["records"], records.0.len(), "{read:#}");
    assert_eq!(read["objects"], 1, "{read:#}");
    assert_eq!(call(&report, "StartQuery")["status"], "ok");
    assert!(report["coverage"].as_array().unwrap().iter().all(|c| c["operation"] != "FilterLogEvents"));
    assert_ne!(code, 2, "{:#}", report["coverage"]);

    // The S3 flow log's object too (the records now count twice, once per flow log), recorded for the window
    // and replayed with no network: the same verdicts as live, from the same reads.
    rt().block_on(async {
        let conf = aws_sdk_s3::config::Builder::from(&moto_config(&moto.endpoint, "us-east-1").await)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
            .put_object()
            .bucket("shop-flow-logs")
            .key(&key)
            .body(std::fs::read(dir.path().join(&key)).unwrap().into())
            .send()
            .await
            .unwrap();
    });
    let (_, live) = auto();
    let recording = tempfile::tempdir().unwrap();
    let out = recording.path().display().to_string();
    let (code, _, stderr) = sgaudit(
        &[
            &["record", "--out", out.as_str(), "--flow-logs", "--since", since.as_str(), "--until", until.as_str()][..],
            &base[..],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("flow-log record(s)"), "{stderr}");
    let (_, replayed) = audit_json(&[&["--replay", out.as_str(), "--flow-logs", "auto"][..], &window[..]].concat());
    assert_eq!(verdicts(&replayed), verdicts(&live));
    assert_eq!(replayed["flow_logs"][0]["reads"], live["flow_logs"][0]["reads"]);
    assert_eq!(replayed["flow_logs"][0]["reads"][0]["objects"], 1, "{:#}", replayed["flow_logs"]);

    // StartQuery denied: the events themselves, the same verdicts, and no failure.
    moto.deny("logs:StartQuery");
    let (code, report) = auto();
    assert_eq!(verdicts(&report), verdicts(&live));
    assert_eq!(read_of(&report)["records"], records.0.len());
    let refused = call(&report, "StartQuery");
    assert_eq!(refused["status"], "ok", "{refused:#}");
    assert_eq!(refused["error_code"], "AccessDeniedException");
    assert!(refused["message"].as_str().unwrap().ends_with("read with FilterLogEvents instead"), "{refused:#}");
    assert_eq!(call(&report, "FilterLogEvents")["status"], "ok");
    assert_ne!(code, 2);

    // FilterLogEvents denied too: a gap and exit 2. The log group adds nothing; the S3 flow log alone logged
    // the VPC for the whole window, so the verdicts are the files' (each record counted once).
    moto.deny("logs:FilterLogEvents");
    let (code, report) = auto();
    assert_eq!(code, 2);
    let gap = call(&report, "FilterLogEvents");
    assert_eq!(gap["status"], "failed");
    assert_eq!(gap["error_code"], "AccessDeniedException");
    assert_eq!(call(&report, "StartQuery")["status"], "failed");
    assert!(read_of(&report)["error"].is_string());
    assert_eq!(verdicts(&report), verdicts(&from_files));
}

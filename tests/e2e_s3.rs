//! `--output s3://BUCKET/KEY` end to end against moto on 127.0.0.1: the object is the same report as the file
//! of the same run, its key takes the run's date, a missing bucket is exit 2 with the AWS error code and a
//! hint while the run's files are still written, and `merge` writes to S3 too. Built with the `s3` feature.
#![cfg(feature = "s3")]

mod common;

use common::*;

/// 2026-12-07T15:30:05Z, the run's time (SOURCE_DATE_EPOCH).
const AT: &str = "1796657405";

fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    rt().block_on(async {
        let conf =
            aws_sdk_s3::config::Builder::from(&moto_config(endpoint, "us-east-1").await).force_path_style(true).build();
        aws_sdk_s3::Client::from_conf(conf)
    })
}

fn object(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> (String, Option<String>) {
    rt().block_on(async {
        let got = client.get_object().bucket(bucket).key(key).send().await.unwrap_or_else(|e| panic!("{key}: {e:?}"));
        let kind = got.content_type().map(str::to_string);
        let body = got.body.collect().await.unwrap().into_bytes();
        (String::from_utf8(body.to_vec()).unwrap(), kind)
    })
}

fn run(moto: &Moto, args: &[&str]) -> (i32, String, String) {
    let vars = [("AWS_ENDPOINT_URL", moto.endpoint.as_str()), ("AWS_REGION", "us-east-1"), ("SOURCE_DATE_EPOCH", AT)];
    sgaudit_with_env(args, &vars)
}

#[test]
fn reports_go_to_s3_with_the_date_in_the_key() {
    let Some(moto) = Moto::start() else { return };
    let client = s3(&moto.endpoint);
    rt().block_on(client.create_bucket().bucket("audits").send()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("report.json");
    let (code, _, err) = run(
        &moto,
        &[
            "audit",
            "--replay",
            "mocks/tiered",
            "--output",
            &format!("json={}", file.display()),
            "--output",
            "s3://audits/sgaudit/{date}/{time}.json",
            "--output",
            "html=s3://audits/sgaudit/{date}/report",
        ],
    );
    assert_eq!(code, 1, "findings at high, every output written: {err}");
    assert!(err.contains("report written to") && err.contains("s3://audits/sgaudit/{date}/{time}.json"), "{err}");
    let (json, kind) = object(&client, "audits", "sgaudit/2026-12-07/153005.json");
    assert_eq!(json, read(&file), "the object is the report the file holds");
    assert_eq!(kind.as_deref(), Some("application/json"));
    let (html, kind) = object(&client, "audits", "sgaudit/2026-12-07/report");
    assert!(html.starts_with("<!DOCTYPE html>"), "the format named wins over the key's missing extension");
    assert_eq!(kind.as_deref(), Some("text/html; charset=utf-8"));

    // `merge` writes its report to S3 as well.
    let (code, _, err) = run(&moto, &["merge", file.to_str().unwrap(), "--output", "s3://audits/merged/{date}.sarif"]);
    assert_eq!(code, 1, "{err}");
    let (sarif, kind) = object(&client, "audits", "merged/2026-12-07.sarif");
    assert!(sarif.contains("\"version\": \"2.1.0\"") || sarif.contains("\"version\":\"2.1.0\""), "{sarif}");
    assert_eq!(kind.as_deref(), Some("application/sarif+json"));
}

#[test]
fn a_missing_bucket_is_exit_2_with_the_code_and_a_hint_and_the_files_are_still_written() {
    let Some(moto) = Moto::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("report.md");
    let (code, _, err) = run(
        &moto,
        &["audit", "--replay", "mocks/tiered", "--output", "s3://nowhere/r.json", "--output", file.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot write s3://nowhere/r.json: s3:PutObject in us-east-1 failed: NoSuchBucket"), "{err}");
    assert!(err.contains("hint: the bucket nowhere does not exist"), "{err}");
    assert!(read(&file).starts_with("# sgaudit"), "the file output was written");
}

//! No input crashes a run. Property-based fuzzing (proptest, stable Rust) of every parser of outside input:
//! recordings (the index, XML and JSON bodies), sgaudit.toml, policies, `--targets` files and JSON reports
//! read back by `diff`, `merge` and `--baseline`. Inputs are arbitrary bytes and structured mutations of valid
//! files (a value replaced, an element dropped or repeated, the text cut short). The properties: nothing
//! panics, and every error names the file and the place.
//!
//! `SGAUDIT_FUZZ_CASES=N` runs N cases per property instead of the default (a longer hunt, by hand). A crash
//! found is kept as a regular test at the end of this file.

mod common;

use common::*;
use proptest::prelude::*;
use sgaudit::policy::Policy;
use sgaudit::report::Report;
use sgaudit::suppress::Config;
use std::path::Path;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("SGAUDIT_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Values that break assumptions: signs, overflow, empty, wrong family, half an ID, other scripts.
const AWKWARD: &[&str] = &[
    "",
    "-1",
    "-65536",
    "65536",
    "4294967296",
    "99999999999999999999",
    "abc",
    "0.0.0.0/33",
    "::/129",
    "::/0",
    "10.0.0.0/8",
    "sg-",
    "pl-",
    "eni-",
    "vpc-",
    "true",
    "null",
    "1e9",
    "é漢字",
    "tcp",
    "-1/-1",
    "0x10",
    " ",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the n-th text value with an awkward one.
    Value(prop::sample::Index, &'static str),
    /// Drop the n-th element (XML) or member (JSON).
    Drop(prop::sample::Index),
    /// Repeat the n-th element.
    Repeat(prop::sample::Index),
    /// Cut the text at a fraction of its length.
    Cut(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), prop::sample::select(AWKWARD)).prop_map(|(i, v)| Mutation::Value(i, v)),
        2 => any::<prop::sample::Index>().prop_map(Mutation::Drop),
        2 => any::<prop::sample::Index>().prop_map(Mutation::Repeat),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Cut),
    ]
}

/// Applies a mutation to an XML body: its text values and elements are found by their tags.
fn mutate_xml(xml: &str, m: &Mutation) -> String {
    // Text values: between `>` and `</`.
    let values: Vec<(usize, usize)> = xml
        .match_indices('>')
        .filter_map(|(i, _)| {
            let end = i + 1 + xml[i + 1..].find('<')?;
            (xml[end..].starts_with("</") && end > i + 1).then_some((i + 1, end))
        })
        .collect();
    // Elements with a body: `<name>` … `</name>` (the first close after the open).
    let elements: Vec<(usize, usize)> = xml
        .match_indices('<')
        .filter_map(|(i, _)| {
            let name: String = xml[i + 1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if name.is_empty() || !xml[i + 1 + name.len()..].starts_with('>') {
                return None;
            }
            let close = format!("</{name}>");
            let end = i + xml[i..].find(&close)? + close.len();
            Some((i, end))
        })
        .collect();
    let mut out = xml.to_string();
    match m {
        Mutation::Value(i, v) if !values.is_empty() => {
            let (s, e) = values[i.index(values.len())];
            out.replace_range(s..e, v);
        }
        Mutation::Drop(i) if !elements.is_empty() => {
            let (s, e) = elements[i.index(elements.len())];
            out.replace_range(s..e, "");
        }
        Mutation::Repeat(i) if !elements.is_empty() => {
            let (s, e) = elements[i.index(elements.len())];
            out.insert_str(e, &xml[s..e]);
        }
        Mutation::Cut(i) => {
            let mut at = i.index(xml.len().max(1));
            while !out.is_char_boundary(at) {
                at -= 1;
            }
            out.truncate(at);
        }
        _ => {}
    }
    out
}

/// Applies a mutation to a JSON document through its values: scalars replaced, members dropped or repeated.
fn mutate_json(text: &str, m: &Mutation) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) else { return text.to_string() };
    // Every node, by its JSON Pointer.
    fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Array(a) => {
                a.iter().enumerate().for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out))
            }
            serde_json::Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
            _ => {}
        }
        out.push(at);
    }
    let mut all = Vec::new();
    pointers(&v, String::new(), &mut all);
    let at = |i: &prop::sample::Index| all[i.index(all.len())].clone();
    match m {
        Mutation::Value(i, s) => {
            let node = v.pointer_mut(&at(i)).expect("a node");
            *node = match s.parse::<i64>() {
                Ok(n) => n.into(),
                Err(_) if *s == "null" => serde_json::Value::Null,
                Err(_) if *s == "true" => true.into(),
                Err(_) => (*s).into(),
            };
        }
        Mutation::Drop(i) => match v.pointer_mut(&at(i)).expect("a node") {
            serde_json::Value::Array(a) if !a.is_empty() => {
                a.pop();
            }
            serde_json::Value::Object(o) => {
                let key = o.keys().next().cloned();
                key.map(|k| o.remove(&k));
            }
            node => *node = serde_json::Value::Null,
        },
        Mutation::Repeat(i) => {
            if let serde_json::Value::Array(a) = v.pointer_mut(&at(i)).expect("a node") {
                if let Some(first) = a.first().cloned() {
                    a.push(first);
                }
            }
        }
        Mutation::Cut(i) => {
            let text = v.to_string();
            return text[..i.index(text.len().max(1)).min(text.len())].to_string();
        }
    }
    v.to_string()
}

/// The tiered recording's report, made once.
fn base_report() -> &'static Report {
    static BASE: std::sync::OnceLock<Report> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let (_, json) = audit_json(&["--replay", "mocks/tiered"]);
        Report::from_json(&json.to_string()).unwrap()
    })
}

/// The response files of a recording, relative to its directory.
fn response_files(dir: &Path) -> Vec<String> {
    let index: serde_json::Value = serde_json::from_str(&read(&dir.join("index.json"))).unwrap();
    index["responses"].as_array().unwrap().iter().map(|e| e["file"].as_str().unwrap().to_string()).collect()
}

/// Loads, collects, audits and renders a recording in every format; any error must name the recording.
fn replay_everything(dir: &Path) -> Result<(), String> {
    let inv = replay(dir).map_err(|e| e.to_string())?;
    let audit = sgaudit::audit::audit_all(&inv, None);
    let net = sgaudit::flow::Network::new(&inv);
    let view = sgaudit::report::GraphView::new(&net, &audit.findings, false);
    let report = Report::new(&inv, audit, sgaudit::audit::Severity::High);
    let text = report.to_json();
    Report::from_json(&text).expect("a report reads back");
    sgaudit::report::render_table(&report, Some(120));
    sgaudit::report::render_markdown(&report);
    sgaudit::report::render_sarif(&report);
    sgaudit::report::render_html(&report, std::slice::from_ref(&view), None);
    Ok(())
}

proptest! {
    #![proptest_config(cases(24))]

    /// A recording with one body changed: loaded, collected, audited and rendered without a panic; a body that
    /// cannot be read is refused at load with its file named, or is a coverage gap.
    #[test]
    fn a_mutated_recording_never_crashes(mock in prop::sample::select(vec!["tiered", "vprofile", "transit"]), file in any::<prop::sample::Index>(), m in mutation()) {
        let src = root().join("mocks").join(mock);
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&src, tmp.path());
        let files = response_files(tmp.path());
        let rel = &files[file.index(files.len())];
        let path = tmp.path().join(rel);
        let body = read(&path);
        let mutated = if rel.ends_with(".json") { mutate_json(&body, &m) } else { mutate_xml(&body, &m) };
        std::fs::write(&path, &mutated).unwrap();
        if let Err(e) = replay_everything(tmp.path()) {
            let file_name = Path::new(rel).file_name().unwrap().to_str().unwrap();
            prop_assert!(e.contains(file_name) || e.contains("index.json"), "{}: {}", rel, e);
        }
    }

    /// An index of arbitrary bytes, or a mutated index: refused with the index named and the place.
    #[test]
    fn a_damaged_index_is_refused_with_its_place(bytes in prop::collection::vec(any::<u8>(), 0..200), m in mutation(), raw in any::<bool>()) {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&root().join("mocks/holders"), tmp.path());
        let index = tmp.path().join("index.json");
        if raw {
            std::fs::write(&index, &bytes).unwrap();
        } else {
            let mutated = mutate_json(&read(&index), &m);
            std::fs::write(&index, mutated).unwrap();
        }
        if let Err(e) = replay_everything(tmp.path()) {
            prop_assert!(e.contains("index.json") || e.contains(".xml") || e.contains(".json"), "{}", e);
        }
    }

    /// sgaudit.toml and policies of arbitrary text: no panic, and an error names the file.
    #[test]
    fn arbitrary_configuration_text_never_crashes(text in "\\PC{0,120}") {
        if let Err(e) = Config::parse(&text, "sgaudit.toml") {
            prop_assert!(e.to_string().starts_with("sgaudit.toml:"), "{}", e);
        }
        if let Err(e) = Policy::parse(&text, "policy.toml") {
            prop_assert!(e.to_string().starts_with("policy.toml:"), "{}", e);
        }
    }

    /// A valid policy with one character changed, removed or repeated: no panic, and an error names the line.
    #[test]
    fn a_mutated_policy_is_read_or_refused_with_its_line(at in any::<prop::sample::Index>(), c in any::<char>(), op in 0u8..3) {
        let mut text: Vec<char> = read(&root().join("mocks/tiered/policy.toml")).chars().collect();
        let i = at.index(text.len());
        match op {
            0 => text[i] = c,
            1 => { text.remove(i); }
            _ => text.insert(i, c),
        }
        let text: String = text.into_iter().collect();
        if let Err(e) = Policy::parse(&text, "policy.toml") {
            prop_assert!(e.to_string().starts_with("policy.toml: line "), "{}", e);
        }
    }

    /// JSON reports of arbitrary text, and mutated reports: read or refused with the place; what is read can
    /// be diffed, merged and used as a baseline without a panic.
    #[test]
    fn reports_read_back_never_crash(m in mutation(), bytes in "\\PC{0,80}", raw in any::<bool>()) {
        let base = base_report().clone();
        let text = if raw { bytes } else { mutate_json(&base.to_json(), &m) };
        match Report::from_json(&text) {
            Err(e) => prop_assert!(e.to_string().starts_with("line ") || e.to_string().starts_with("schema "), "{}", e),
            Ok(other) => {
                let d = sgaudit::report::diff::diff(&base, &other);
                d.to_text(true);
                d.to_json();
                sgaudit::report::render_diff_html(&d, &base, &other, None);
                let merged = sgaudit::report::merge_reports(vec![("a.json".into(), base.clone()), ("b.json".into(), other.clone())], None);
                if let Err(e) = merged {
                    prop_assert!(e.to_string().contains("a.json") || e.to_string().contains("b.json"), "{}", e);
                }
                sgaudit::report::without_baseline(base.findings.clone(), &other);
            }
        }
    }
}

/// `--targets` files through the binary: arbitrary or damaged, each is read or refused with the file and line,
/// never a crash. (Valid ones go on to collect against a closed local port, which fails fast.)
#[test]
fn targets_files_never_crash_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = "[[target]]\nrole_arn = \"arn:aws:iam::111111111111:role/audit\"\nregions = [\"us-east-1\"]\n";
    let mut inputs: Vec<String> =
        vec![String::new(), "\u{0}\u{1}[[".into(), valid.replace("arn:aws", "nra"), valid.into()];
    let chars: Vec<char> = valid.chars().collect();
    for i in (0..chars.len()).step_by(7) {
        let mut t = chars.clone();
        t[i] = ['=', '"', '[', ']', '\n', 'x'][i % 6];
        inputs.push(t.into_iter().collect());
    }
    for (n, text) in inputs.iter().enumerate() {
        let file = tmp.path().join(format!("targets-{n}.toml"));
        std::fs::write(&file, text).unwrap();
        let args = [
            "audit",
            "--targets",
            file.to_str().unwrap(),
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--max-attempts",
            "1",
        ];
        let (code, _, stderr) = sgaudit(&args);
        assert!(code == 1 || code == 2, "{text:?}: exit {code}: {stderr}");
        assert!(!stderr.contains("panicked"), "{text:?}: {stderr}");
        if stderr.contains("error:") {
            assert!(stderr.contains(&format!("targets-{n}.toml")), "{text:?}: {stderr}");
        }
    }
}

/// Ctrl-C during collection, with a real SIGINT: the endpoint on 127.0.0.1 accepts and never answers, so the
/// run is mid-collection when the signal comes. It exits 130 at once, and the report from an earlier run is
/// left whole, with no temporary file beside it.
#[test]
fn ctrl_c_during_collection_exits_130_and_leaves_the_report_whole() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        // Accept and hold every connection until the test ends.
        let mut open = Vec::new();
        for stream in listener.incoming().take(64).flatten() {
            open.push(stream);
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    std::fs::write(&out, "{\"earlier\": true}").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sgaudit"))
        .args(["audit", "--endpoint-url", &endpoint, "--region", "us-east-1", "--max-attempts", "1", "--timeout", "60"])
        .args(["--output", out.to_str().unwrap()])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "still collecting from an endpoint that never answers");
    let kill = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let started = std::time::Instant::now();
    let output = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "stops at once");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(read(&out), "{\"earlier\": true}", "the earlier report is whole");
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.json"], "no temporary file left");
    drop(held);
}

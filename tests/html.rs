//! The HTML report and the SVG graph: snapshots of both recordings, self-containment, the diff page, the
//! fold of large graphs, and the real-browser test (headless Chromium through WebDriver).

mod common;

#[path = "../benches/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

use common::*;
use std::process::Command;

/// `sgaudit ARGS` with a fixed time for the page header (SOURCE_DATE_EPOCH), stdout only.
fn run_fixed_time(args: &[&str]) -> (i32, String) {
    let (code, stdout, _) = sgaudit_with_env(args, &[("SOURCE_DATE_EPOCH", "1767225600")]);
    (code, stdout.replace(env!("CARGO_PKG_VERSION"), "[version]"))
}

/// The page's `<svg …>…</svg>` of graph `k`, with its ID prefix taken off.
fn figure(html: &str, k: usize) -> String {
    let start =
        html.find(&format!("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sg-graph\" id=\"g{k}-graph\"")).unwrap();
    let end = start + html[start..].find("</svg>\n").unwrap() + "</svg>\n".len();
    html[start..end].replace(&format!("g{k}-"), "")
}

#[test]
fn html_and_svg_snapshots_of_both_recordings() {
    for mock in ["tiered", "vprofile"] {
        let dir = format!("mocks/{mock}");
        let (code, html) = run_fixed_time(&["audit", "--replay", &dir, "--format", "html"]);
        assert_eq!(code, 1, "{mock}: findings at high");
        assert!(html.contains("<time>2026-01-01 00:00 UTC</time>"), "SOURCE_DATE_EPOCH is the page's time");
        insta::assert_snapshot!(format!("{mock}_html"), html);
        let (code, svg) = run_fixed_time(&["graph", "--replay", &dir, "--format", "svg"]);
        assert_eq!(code, 0);
        insta::assert_snapshot!(format!("{mock}_svg"), svg);
        assert_eq!(figure(&html, 0), svg, "{mock}: the report's figure is `graph --format svg`");
    }
}

#[test]
fn the_page_fetches_nothing() {
    let (_, html) = run_fixed_time(&["audit", "--replay", "mocks/tiered", "--format", "html"]);
    // The only URL is the SVG namespace, which is a name, never fetched.
    let urls: Vec<&str> =
        html.match_indices("://").map(|(i, _)| &html[i.saturating_sub(5)..(i + 30).min(html.len())]).collect();
    assert!(urls.iter().all(|u| u.contains("http://www.w3.org/2000/svg\"")), "{urls:?}");
    for banned in ["<link", "@import", " src=", "@font-face", "url(http", "url(//"] {
        assert!(!html.contains(banned), "the page must not load anything: `{banned}`");
    }
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // Every finding is a row; each internet-path and exposure finding names what it lights up.
    let (_, report) = audit_json(&["--replay", "mocks/tiered"]);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(html.matches("<tbody class=\"finding\"").count(), findings.len());
    for f in findings.iter().filter(|f| f["check"] == "internet-path-to-database" || f["check"] == "exposed-database") {
        let row = format!("data-id=\"{}\"", f["id"].as_str().unwrap());
        let at = html.find(&row).unwrap_or_else(|| panic!("no row for {f}"));
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        assert!(tag.contains("data-hl=\"g0-n-"), "{}: {tag}", f["resource"]["id"]);
        // A path, or an exposure whose address half is open, starts at the internet; an exposure behind a
        // closed address half has no internet edge to light, only its database.
        let from_internet = f["check"] == "internet-path-to-database" || f["severity"] == "critical";
        assert_eq!(tag.contains("g0-n-internet"), from_internet, "{}: {tag}", f["resource"]["id"]);
    }
}

#[test]
fn the_diff_page_lists_new_resolved_and_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old.json"), tmp.path().join("new.json"));
    sgaudit(&["audit", "--replay", "mocks/tiered", "--output", old.to_str().unwrap()]);
    let mut n: serde_json::Value = serde_json::from_str(&read(&old)).unwrap();
    let findings = n["findings"].as_array_mut().unwrap();
    findings.remove(0);
    let pg = findings.iter().position(|f| f["check"] == "exposed-database" && f["resource"]["id"] == "ielts-prod-db");
    findings[pg.unwrap()]["severity"] = "critical".into();
    std::fs::write(&new, n.to_string()).unwrap();
    let (code, html) = run_fixed_time(&["diff", new.to_str().unwrap(), old.to_str().unwrap(), "--format", "html"]);
    assert_eq!(code, 1, "the fixed finding came back");
    assert!(html.contains("<b>1</b> new</li><li class=\"change resolved\"><b>0</b> resolved</li><li><b>1</b> changed"));
    assert_eq!(html.matches("data-change=\"new\"").count(), 1);
    assert!(html.contains("<select name=\"change\">"), "a filter by change");
    assert!(
        html.contains("<span class=\"sev sev-critical\">critical</span> → <span class=\"sev sev-high\">high</span>")
    );
    insta::assert_snapshot!("tiered_diff_html", html);
}

/// The large generated account: 2,000 groups in 40 VPCs, 5 % of them flawed.
fn large_account() -> (sgaudit::model::Inventory, sgaudit::audit::Audit) {
    let inv = synthetic::inventory_with(2000, 5);
    let audit = sgaudit::audit::audit_all(&inv, None);
    (inv, audit)
}

#[test]
fn large_graphs_draw_what_matters_and_fold_the_rest_by_vpc() {
    let (inv, audit) = large_account();
    let findings = audit.findings.clone();
    let net = sgaudit::flow::Network::new(&inv);
    let view = sgaudit::report::GraphView::new(&net, &findings, false);
    assert!(view.folded > sgaudit::report::COLLAPSE_ABOVE, "{} sets folded", view.folded);
    let vpcs: std::collections::BTreeSet<_> = inv.groups.iter().filter_map(|g| g.vpc_id.clone()).collect();
    use sgaudit::report::NodeKind;
    let own: Vec<_> = view.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Members | NodeKind::Datastore)).collect();
    let folded: Vec<_> = view.nodes.iter().filter(|n| n.kind == NodeKind::Vpc).collect();
    assert!(!own.is_empty() && own.len() <= sgaudit::report::KEEP, "{} sets drawn one by one", own.len());
    assert!(folded.len() <= vpcs.len(), "{} VPC nodes for {} VPCs", folded.len(), vpcs.len());
    // What matters first is drawn one by one: every exposed managed database (the VPC nodes hold the rest, and
    // their expansions draw them first).
    let exposed: Vec<_> = findings
        .iter()
        .filter(|f| f.check == "exposed-database" && f.suppressed.is_none() && f.resource.id.starts_with("db-"))
        .collect();
    assert!(!exposed.is_empty());
    for f in &exposed {
        let h = &view.highlights[&f.id];
        let target = h.nodes.iter().find(|n| *n != "internet").unwrap();
        assert!(target.starts_with('c'), "{} is folded into {target}", f.resource.id);
    }
    // Every folded VPC expands: the same graph with its sets drawn one by one.
    assert_eq!(view.expansions.len(), folded.len().min(sgaudit::report::EXPAND_VPCS));
    for x in &view.expansions {
        let v = x.expands.as_deref().unwrap();
        assert!(folded.iter().any(|n| n.id == v));
        assert!(!x.nodes.iter().any(|n| n.id == v), "{v} is still folded in its expansion");
        assert!(x.nodes.len() > view.nodes.len() - 1, "{v}: {} nodes", x.nodes.len());
        let ids: std::collections::BTreeSet<&str> = x.nodes.iter().map(|n| n.id.as_str()).collect();
        assert!(x.highlights.values().flat_map(|h| &h.nodes).all(|n| ids.contains(n.as_str())));
        assert!(x.edges.iter().all(|e| ids.contains(e.from.as_str()) && ids.contains(e.to.as_str())));
    }
    let report = sgaudit::report::Report::new(&inv, audit, sgaudit::audit::Severity::High);
    let html = sgaudit::report::render_html(&report, std::slice::from_ref(&view), None);
    assert!(html.contains("of them are folded into one node per VPC"), "the note on folding");
    assert_eq!(html.matches("<template id=\"g0-x-v").count(), view.expansions.len());
    // Highlights still point at drawn nodes.
    let ids: std::collections::BTreeSet<&str> = view.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(view.highlights.values().flat_map(|h| &h.nodes).all(|n| ids.contains(n.as_str())));
}

/// The Python that drives Chromium (selenium in `.venv`), when it and Chromium's WebDriver are installed; else
/// the test is skipped (see [`tool`]).
fn browser_python() -> Option<std::path::PathBuf> {
    let python = root().join(".venv/bin/python");
    let ready = Command::new(&python).args(["-c", "import selenium"]).output().is_ok_and(|o| o.status.success());
    let browser = ["/usr/bin/chromium", "/usr/bin/chromedriver"].iter().all(|t| std::path::Path::new(t).exists());
    tool(ready && browser, "selenium (in .venv), Chromium or its WebDriver").then_some(python)
}

/// Opens the tiered report in headless Chromium (WebDriver, network off) and checks it as a reader would:
/// `tests/browser/check_report.py`. Saves `target/report-screenshot.png` (the README's picture is a copy).
#[test]
fn the_report_works_in_a_real_browser() {
    let Some(python) = browser_python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (html, json) = (tmp.path().join("report.html"), tmp.path().join("report.json"));
    let (code, _, stderr) = sgaudit(&[
        "audit",
        "--replay",
        "mocks/tiered",
        "--output",
        &format!("html={}", html.display()),
        "--output",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let shot = root().join("target/report-screenshot.png");
    let out = Command::new(&python)
        .arg(root().join("tests/browser/check_report.py"))
        .args([&html, &json, &shot])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser check failed:\n{stdout}\n{stderr}");
    assert!(stdout.starts_with("ok: 16 findings"), "{stdout}");
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000), "no screenshot at {}", shot.display());
}

/// The large generated account's report in headless Chromium: the count and a filter through folded groups, a
/// folded VPC expanded in the page and back, a finding lit in the expansion (`tests/browser/check_large.py`).
#[test]
fn the_large_report_works_in_a_real_browser() {
    let Some(python) = browser_python() else { return };
    let (inv, audit) = large_account();
    let net = sgaudit::flow::Network::new(&inv);
    let view = sgaudit::report::GraphView::new(&net, &audit.findings, false);
    let report = sgaudit::report::Report::new(&inv, audit, sgaudit::audit::Severity::High);
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("large.html");
    std::fs::write(&html, sgaudit::report::render_html(&report, std::slice::from_ref(&view), None)).unwrap();
    let out = Command::new(&python)
        .arg(root().join("tests/browser/check_large.py"))
        .arg(&html)
        .arg(report.findings.len().to_string())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser check failed:\n{stdout}\n{stderr}");
    assert!(stdout.starts_with(&format!("ok: {} findings", report.findings.len())), "{stdout}");
}

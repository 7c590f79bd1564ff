//! Audits a synthetic account of N groups once and prints the time and the peak memory of the process:
//! `cargo run --release --example scale -- 50000 [FLAWED_PERCENT]` (`SCALE_LINKS=20` adds 20 peerings and a
//! transit gateway joining every VPC; `SCALE_PATHS=1` times the search for every internet path to a database;
//! `SCALE_PHASES=1` splits one audit into building the context, the checks and freeing;
//! `SCALE_CHECK=exposed-database` runs one check alone on one context; `SCALE_REPEAT=5` audits and frees five
//! times in one process, as criterion and an organisation audit do; `SCALE_HTML=report.html` writes the HTML
//! report, its flow graph included, and times the graph's views and the page).

#[path = "../benches/synthetic.rs"]
mod synthetic;

/// The binary's allocator and its settings, so the figures are the binary's.
#[path = "../src/allocator.rs"]
mod allocator;

fn main() {
    allocator::configure();
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let flawed: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let t = std::time::Instant::now();
    let mut inv = synthetic::inventory_with(n, flawed);
    // SCALE_LINKS=P: the first VPC peered with P others, and every VPC on one transit gateway.
    if let Some(p) = std::env::var("SCALE_LINKS").ok().and_then(|s| s.parse().ok()) {
        synthetic::link(&mut inv, p);
    }
    let built = t.elapsed();
    if std::env::var("SCALE_SAMPLE").is_ok() {
        for f in sgaudit::audit::audit(&inv).iter().step_by(997).take(8) {
            eprintln!("{} {}", f.check, f.message);
        }
    }
    // SCALE_CHECK=id: one context, then that check alone five times, or `SCALE_RUNS` (to profile one check).
    if let Ok(id) = std::env::var("SCALE_CHECK") {
        let ctx = sgaudit::audit::Context::new(&inv);
        let check = sgaudit::checks::REGISTRY.iter().find(|c| c.id == id).expect("a registered check ID");
        let runs = std::env::var("SCALE_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
        for _ in 0..runs {
            let t = std::time::Instant::now();
            let n = sgaudit::engine::run(&ctx, &[check]).findings.len();
            eprintln!("{id}: {:.3}s ({n} findings)", t.elapsed().as_secs_f64());
        }
    }
    if std::env::var("SCALE_PER_CHECK").is_ok() {
        let t = std::time::Instant::now();
        let _ctx = sgaudit::audit::Context::new(&inv);
        eprintln!("context: {:.3}s", t.elapsed().as_secs_f64());
        for check in sgaudit::checks::REGISTRY {
            let t = std::time::Instant::now();
            let n = sgaudit::audit::audit_with(&inv, &[check]).len();
            eprintln!("{}: {:.3}s ({n} findings, context included)", check.id, t.elapsed().as_secs_f64());
        }
    }
    if let Some(k) = std::env::var("SCALE_REPEAT").ok().and_then(|s| s.parse::<usize>().ok()) {
        for _ in 0..k {
            let t = std::time::Instant::now();
            drop(sgaudit::audit::audit(&inv));
            eprintln!("audit and drop: {:.3}s", t.elapsed().as_secs_f64());
        }
    }
    if std::env::var("SCALE_PHASES").is_ok() {
        let t = std::time::Instant::now();
        let ctx = sgaudit::audit::Context::new(&inv);
        let indexed = t.elapsed();
        let t = std::time::Instant::now();
        let findings = sgaudit::audit::audit_context(&ctx);
        let checked = t.elapsed();
        let t = std::time::Instant::now();
        drop(ctx);
        let dropped_ctx = t.elapsed();
        let t = std::time::Instant::now();
        drop(findings);
        eprintln!(
            "context {:.3}s, checks and merge {:.3}s, context dropped {:.3}s, findings dropped {:.3}s",
            indexed.as_secs_f64(),
            checked.as_secs_f64(),
            dropped_ctx.as_secs_f64(),
            t.elapsed().as_secs_f64()
        );
    }
    if std::env::var("SCALE_PATHS").is_ok() {
        let t = std::time::Instant::now();
        let net = sgaudit::flow::Network::new(&inv);
        let indexed = t.elapsed();
        let ports: Vec<(u16, u16)> = sgaudit::checks::DATABASE_PORTS.iter().map(|p| (p.from, p.to)).collect();
        let paths = net.internet_paths(&ports, |first, hops| (first.traffic, std::cmp::Reverse(hops)));
        let hops: usize = paths.iter().map(|p| p.hops.len()).sum();
        eprintln!(
            "flow index: {:.3}s; internet paths: {} to {} databases and compute hosts ({hops} hops) in {:.3}s",
            indexed.as_secs_f64(),
            paths.len(),
            inv.datastores.len(),
            t.elapsed().as_secs_f64()
        );
    }
    if let Ok(path) = std::env::var("SCALE_HTML") {
        let audit = sgaudit::audit::audit_all(&inv, None);
        let t = std::time::Instant::now();
        let net = sgaudit::flow::Network::new(&inv);
        let view = sgaudit::report::GraphView::new(&net, &audit.findings, false);
        let viewed = t.elapsed();
        let report = sgaudit::report::Report::new(&inv, audit, sgaudit::audit::Severity::High);
        let t = std::time::Instant::now();
        let html = sgaudit::report::render_html(&report, std::slice::from_ref(&view), None);
        eprintln!(
            "html: {} findings; flow index and graph views ({} expansions) {:.3}s; page {:.3}s, {} bytes",
            report.findings.len(),
            view.expansions.len(),
            viewed.as_secs_f64(),
            t.elapsed().as_secs_f64(),
            html.len()
        );
        std::fs::write(&path, html).expect("the HTML report is written");
    }
    let t = std::time::Instant::now();
    let findings = sgaudit::audit::audit(&inv);
    let audited = t.elapsed();
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .unwrap_or_else(|| "?".into());
    println!(
        "groups={n} flawed={flawed}% rules={} interfaces={} datastores={} findings={} build={:.3}s audit={:.3}s peak_rss={}MiB",
        inv.rules.len(),
        inv.interfaces.len(),
        inv.datastores.len(),
        findings.len(),
        built.as_secs_f64(),
        audited.as_secs_f64(),
        peak.parse::<u64>().map(|k| (k / 1024).to_string()).unwrap_or(peak)
    );
}

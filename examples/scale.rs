//! Audits a synthetic account of N groups once and prints the time and the peak memory of the process:
//! `cargo run --release --example scale -- 50000`.

#[path = "../benches/synthetic.rs"]
mod synthetic;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let t = std::time::Instant::now();
    let inv = synthetic::inventory(n);
    let built = t.elapsed();
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
        "groups={n} rules={} interfaces={} datastores={} findings={} build={:.3}s audit={:.3}s peak_rss={}MiB",
        inv.rules.len(),
        inv.interfaces.len(),
        inv.datastores.len(),
        findings.len(),
        built.as_secs_f64(),
        audited.as_secs_f64(),
        peak.parse::<u64>().map(|k| (k / 1024).to_string()).unwrap_or(peak)
    );
}

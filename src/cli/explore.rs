//! The commands that ask questions about one account: `reach`, `graph`, `record`, and `diff` of two reports.

use super::args::{DiffArgs, DiffFormat, GraphArgs, GraphKind, ReachArgs, ReachFormat, RecordArgs, SourceArgs};
use super::logging::end_progress;
use super::{options, print, read_report, runtime};
use anyhow::anyhow;
use sgaudit::audit;
use sgaudit::collect;
use sgaudit::report::{self, exit};

/// Collects one account for the commands that answer questions about it.
fn collect_inventory(source: SourceArgs) -> anyhow::Result<sgaudit::model::Inventory> {
    let opts = options(&source, false);
    let collection = runtime()?.block_on(collect::collect(&opts));
    end_progress();
    Ok(collection?.inventory)
}

pub(crate) fn run_reach(args: ReachArgs) -> anyhow::Result<u8> {
    use sgaudit::flow::{Network, Want};
    let inv = collect_inventory(args.source)?;
    let net = Network::new(&inv);
    let from = sgaudit::flow::resolve(&net, &args.from).map_err(|e| anyhow!("--from: {e}"))?;
    let to = sgaudit::flow::resolve(&net, &args.to).map_err(|e| anyhow!("--to: {e}"))?;
    if matches!(from, sgaudit::flow::Place::Internet | sgaudit::flow::Place::Cidr(_))
        && matches!(to, sgaudit::flow::Place::Internet | sgaudit::flow::Place::Cidr(_))
    {
        return Err(anyhow!(
            "--from and --to are both outside the account: at least one must be a group, interface or database"
        ));
    }
    let port = args.port.or_else(|| to.default_port().filter(|_| args.protocol == sgaudit::model::Protocol::Tcp));
    let want = Want { protocol: args.protocol, port: port.filter(|_| args.protocol.has_ports()) };
    let answer = net.reach(&from, &to, want, args.hops);
    let view = report::reach_view(&net, &answer);
    print(&match args.format {
        ReachFormat::Text => report::render_reach_text(&view),
        ReachFormat::Json => report::render_reach_json(&view),
    })?;
    Ok(match (view.reachable, view.complete) {
        (true, _) => exit::CLEAN,
        (false, _) if view.unknown.is_some() => exit::INCOMPLETE,
        (false, true) => exit::FINDINGS,
        (false, false) => exit::INCOMPLETE,
    })
}

pub(crate) fn run_graph(args: GraphArgs) -> anyhow::Result<u8> {
    let inv = collect_inventory(args.source)?;
    let ctx = audit::Context::new(&inv);
    let findings = audit::audit_context(&ctx);
    let net = &ctx.network;
    let format = match args.format {
        GraphKind::Dot => report::GraphFormat::Dot,
        GraphKind::Mermaid => report::GraphFormat::Mermaid,
        GraphKind::Svg => report::GraphFormat::Svg,
    };
    print(&report::render_graph(net, &findings, format, args.all_flows))?;
    Ok(if inv.is_complete() { exit::CLEAN } else { exit::INCOMPLETE })
}

pub(crate) fn run_record(args: RecordArgs, quiet: bool) -> anyhow::Result<u8> {
    if args.source.replay.is_some() {
        return Err(anyhow!("record reads a live endpoint; --replay cannot be combined with it"));
    }
    let mut opts = options(&args.source, true);
    opts.flow_logs = args.flow_logs;
    let rt = runtime()?;
    let collection = rt.block_on(collect::collect(&opts));
    end_progress();
    let collection = collection?;
    let mut gaps = Vec::new();
    if let (Some(start), Some(end)) = (args.since, args.until) {
        if start >= end {
            return Err(anyhow!("--since must be before --until"));
        }
        // What `audit --flow-logs auto` reads for the window, read now through the recording client.
        let window = sgaudit::flowlog::Window { start, end };
        let flow = super::audit::FlowInputs { auto: true, sources: Vec::new(), format: None, window };
        let stores = rt.block_on(super::audit::stores(&opts, Some(&flow), &collection.http()));
        let objects = stores.objects.as_deref().map(|s| s as &dyn collect::flowlogs::ObjectStore);
        let logs = stores.logs.as_deref().map(|s| s as &dyn collect::flowlogs::LogStore);
        let (evidence, failed) = collect::flowlogs::read_auto(&collection.inventory, objects, logs, None, window);
        if !quiet {
            eprintln!(
                "sgaudit: recorded {} flow-log record(s) of {} source(s) for {}",
                evidence.counts.records,
                evidence.reads.len(),
                window.text()
            );
        }
        gaps = failed;
    }
    let n = collection.write_recording(&args.out)?;
    let inv = &collection.inventory;
    if !quiet {
        eprintln!("sgaudit: recorded {n} response(s) from {} region(s) to {}", inv.regions.len(), args.out.display());
        for c in inv.coverage.iter().chain(&gaps).filter(|c| c.status == sgaudit::model::CoverageStatus::Failed) {
            eprintln!(
                "sgaudit: recorded a failure: {} {} {}: {} {}",
                c.region,
                c.service,
                c.operation,
                c.error_code.as_deref().unwrap_or_default(),
                c.message.as_deref().unwrap_or_default()
            );
        }
    }
    let complete = inv.is_complete() && gaps.iter().all(|c| c.status == sgaudit::model::CoverageStatus::Ok);
    Ok(if complete { exit::CLEAN } else { exit::INCOMPLETE })
}

pub(crate) fn run_diff(args: DiffArgs) -> anyhow::Result<u8> {
    let (old, new) = (read_report(&args.old)?, read_report(&args.new)?);
    let d = report::diff::diff(&old, &new);
    let text = match args.format {
        DiffFormat::Json => d.to_json(),
        DiffFormat::Table => d.to_text(false),
        DiffFormat::Markdown => d.to_text(true),
        DiffFormat::Html => report::render_diff_html(&d, &old, &new, Some(&super::args::generated_at())),
    };
    print(&text)?;
    Ok(if d.new.iter().any(|f| !f.is_unconfirmed() && f.severity >= args.fail_on) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}

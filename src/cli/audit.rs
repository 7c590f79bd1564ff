//! `sgaudit audit` and `sgaudit init`: collect, audit, suppress, and write the report in every format asked for.

use super::args::{AuditArgs, Format};
use super::logging::end_progress;
use super::{options, print, read_report, runtime};
use anyhow::anyhow;
use sgaudit::audit::{self, Severity};
use sgaudit::collect;
use sgaudit::report::{self, exit, Report};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub(crate) const CONFIG_FILE: &str = "sgaudit.toml";

/// The configuration: the file named with --config (which must exist), else ./sgaudit.toml if present.
pub(crate) fn read_config(explicit: Option<&std::path::Path>) -> anyhow::Result<sgaudit::suppress::Config> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if std::path::Path::new(CONFIG_FILE).exists() => PathBuf::from(CONFIG_FILE),
        None => return Ok(Default::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    Ok(sgaudit::suppress::Config::parse(&text, &path.display().to_string())?)
}

pub(crate) fn read_policy(path: &std::path::Path) -> anyhow::Result<sgaudit::policy::Policy> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    Ok(sgaudit::policy::Policy::parse(&text, &path.display().to_string())?)
}

/// What every account's audit needs, shared by the accounts audited side by side.
struct Inputs {
    policy: Option<sgaudit::policy::Policy>,
    baseline: Option<Report>,
    config: sgaudit::suppress::Config,
    today: String,
    /// Draw the flow graphs (only when a page will show them).
    html: bool,
    fail_on: Severity,
    /// Flow-log files to judge rules by, when given.
    flow: Option<FlowInputs>,
}

/// What `--flow-logs` and its options ask for.
pub(crate) struct FlowInputs {
    /// `--flow-logs auto`: every flow log, read at its destination.
    pub(crate) auto: bool,
    pub(crate) sources: Vec<collect::flowlogs::Source>,
    pub(crate) format: Option<sgaudit::flowlog::Format>,
    pub(crate) window: sgaudit::flowlog::Window,
}

impl FlowInputs {
    /// `replay`: whether the run replays a recording (which holds S3 objects and log groups only as `record
    /// --flow-logs --since … --until …` read them for `auto`).
    fn from_args(args: &super::args::FlowLogArgs, replay: bool) -> anyhow::Result<Option<FlowInputs>> {
        if args.paths.is_empty() {
            return Ok(None);
        }
        let until = args.until.unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
        let since = args.since.unwrap_or(until - i64::from(args.flow_logs_days.max(1)) * 86_400);
        if since >= until {
            return Err(anyhow!("--since must be before --until"));
        }
        let auto = args.paths.iter().any(|p| p.as_os_str() == "auto");
        if auto {
            if args.paths.len() > 1 {
                return Err(anyhow!("--flow-logs auto reads every flow log at its destination: give no path with it"));
            }
            if !cfg!(feature = "s3") {
                return Err(anyhow!(
                    "--flow-logs auto: this sgaudit was built without S3 support; build it with \
                     `cargo build --release --features s3`, or download the objects and give the folder"
                ));
            }
        }
        let mut sources = Vec::new();
        for p in args.paths.iter().filter(|_| !auto) {
            let text = p.to_string_lossy();
            sources.push(match collect::s3::parse_prefix(&text) {
                Some(source) => {
                    if !cfg!(feature = "s3") {
                        return Err(anyhow!(
                            "--flow-logs {text}: this sgaudit was built without S3 support; build it with \
                             `cargo build --release --features s3`, or download the objects and give the folder"
                        ));
                    }
                    if replay {
                        return Err(anyhow!("--flow-logs {text}: a replay reads no S3 object; give files instead"));
                    }
                    source.map_err(|e| anyhow!("--flow-logs {e}"))?
                }
                None => collect::flowlogs::Source::Path(p.clone()),
            });
        }
        Ok(Some(FlowInputs {
            auto,
            sources,
            format: args.flow_log_format.clone(),
            window: sgaudit::flowlog::Window { start: since, end: until },
        }))
    }
}

/// One account, audited: what the report keeps of it once its inventory is dropped.
struct Audited {
    index: usize,
    report: Report,
    graph: Option<report::GraphView>,
    /// Findings left out because the baseline has them.
    known: usize,
    /// Per suppression, whether it matched a finding of this account.
    used: Vec<bool>,
}

/// `stores` read the flow logs' S3 objects and log groups, when `--flow-logs` names some.
fn audit_account(index: usize, mut inv: sgaudit::model::Inventory, inputs: &Inputs, stores: &Stores) -> Audited {
    let store = stores.objects.as_deref().map(|s| s as &dyn collect::flowlogs::ObjectStore);
    let logs = stores.logs.as_deref().map(|s| s as &dyn collect::flowlogs::LogStore);
    let evidence = inputs.flow.as_ref().map(|f| {
        let (evidence, failed) = if f.auto {
            collect::flowlogs::read_auto(&inv, store, logs, f.format.as_ref(), f.window)
        } else {
            collect::flowlogs::read_sources(&inv, &f.sources, store, f.format.as_ref(), f.window)
        };
        inv.coverage.extend(failed);
        evidence
    });
    let audit::Audit { mut findings, notes } =
        audit::audit_with_evidence(&inv, inputs.policy.as_ref(), evidence.as_ref());
    let mut known = 0;
    if let Some(b) = &inputs.baseline {
        let (kept, n) = report::without_baseline(findings, b);
        (findings, known) = (kept, n);
    }
    let used = sgaudit::suppress::mark(&mut findings, &inv, &inputs.config, &inputs.today);
    let graph = inputs.html.then(|| report::GraphView::new(&sgaudit::flow::Network::new(&inv), &findings, false));
    let mut report = Report::new(&inv, audit::Audit { findings, notes }, inputs.fail_on);
    report.flow_logs.extend(evidence.map(|e| report::FlowLogs::new(&inv, &e)));
    Audited { index, report, graph, known, used }
}

pub(crate) fn run_audit(args: AuditArgs, quiet: bool) -> anyhow::Result<u8> {
    // Read the inputs first: a bad one should fail before minutes of collection.
    let baseline = args.baseline.as_deref().map(read_report).transpose()?;
    let config = read_config(args.config.as_deref())?;
    let targets = args.targets.as_deref().map(super::accounts::read_targets).transpose()?;
    let policy = args.policy.as_deref().map(read_policy).transpose()?;
    let html =
        args.output.iter().any(|o| o.format.or(args.format).or_else(|| Format::guess(&o.path)) == Some(Format::Html))
            || (args.output.is_empty() && args.format == Some(Format::Html));
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let flow = FlowInputs::from_args(&args.flow, args.source.replay.is_some())?;
    let inputs = std::sync::Arc::new(Inputs { policy, baseline, config, today, html, fail_on: args.fail_on, flow });
    let mut opts = options(&args.source, false);
    opts.flow_logs = inputs.flow.is_some();
    if args.source.retry_mode.is_none() && (args.organization || args.targets.is_some()) {
        opts.retry = collect::RetryMode::Adaptive;
    }
    let hub = super::hub::Hub::new(args.security_hub, inputs.policy.is_some(), inputs.flow.is_some())?;
    // One collection per account, a bounded number at a time; each account is audited as soon as it is in
    // and its inventory dropped, so memory follows --concurrency, not the number of accounts.
    let rt = runtime()?;
    let plan = rt.block_on(super::accounts::plan(&args, targets, opts))?;
    let audited: anyhow::Result<Vec<Audited>> = rt.block_on(async {
        use futures::{StreamExt, TryStreamExt};
        futures::stream::iter(plan.runs.into_iter().enumerate())
            .map(|(index, run)| {
                let inputs = inputs.clone();
                let hub = &hub;
                async move {
                    let collection = collect::collect(&run).await?;
                    let stores = stores(&run, inputs.flow.as_ref(), &collection.http()).await;
                    let inventory = collection.inventory;
                    let mut audited =
                        tokio::task::spawn_blocking(move || audit_account(index, inventory, &inputs, &stores))
                            .await
                            .map_err(|e| anyhow!("the audit of an account stopped: {e}"))?;
                    hub.send(&run, &mut audited.report).await;
                    Ok::<_, anyhow::Error>(audited)
                }
            })
            .buffer_unordered(args.concurrency.max(1))
            .try_collect()
            .await
    });
    end_progress();
    let mut audited = audited?;
    audited.sort_by_key(|a| a.index);
    if !quiet {
        hub.summary();
    }

    let warnings =
        sgaudit::suppress::warnings(&inputs.config, audited.iter().map(|a| a.used.as_slice()), &inputs.today);
    let known: usize = audited.iter().map(|a| a.known).sum();
    let graphs: Vec<report::GraphView> = audited.iter_mut().filter_map(|a| a.graph.take()).collect();
    // The organisation's listing is no account: a part of the report with its calls and notes only.
    let listing = plan.listing.map(|inv| Report::new(&inv, audit::Audit::default(), args.fail_on));
    let parts = listing.into_iter().chain(audited.into_iter().map(|a| a.report)).collect();
    let mut report = Report::merge(parts, args.fail_on);
    report.shards = args.shard.into_iter().collect();
    if !quiet {
        for w in &warnings {
            eprintln!("sgaudit: warning: {w}");
        }
    }
    report.warnings = warnings;
    if let Some(path) = &args.baseline {
        report.baseline = Some(report::Baseline { file: path.display().to_string(), known });
    }
    if args.output.is_empty() {
        let terminal = std::io::stdout().is_terminal();
        let format = args.format.unwrap_or(if terminal { Format::Table } else { Format::Json });
        print(&format.render(&report, terminal, &graphs))?;
    } else {
        write_outputs(&args.output, args.format, &report, &graphs, &options(&args.source, false))?;
        if !quiet {
            let paths: Vec<String> = args.output.iter().map(|o| o.shown()).collect();
            eprintln!("{}", one_line_summary(&report, &paths));
        }
    }
    Ok(report.summary.exit_code)
}

/// The readers of the flow logs' S3 objects and log groups, with the account's credentials.
#[derive(Default)]
pub(crate) struct Stores {
    pub(crate) objects: Option<Box<dyn collect::flowlogs::ObjectStore + Send>>,
    pub(crate) logs: Option<Box<dyn collect::flowlogs::LogStore + Send>>,
}

/// The readers `--flow-logs` needs: S3 for `s3://` sources and `auto` (without the `s3` feature none gets this
/// far: see `FlowInputs::from_args`), CloudWatch Logs for `auto` when built with the `cloudwatch-logs`
/// feature (without it, a flow log delivering there is a note: its interfaces get no verdict by traffic).
#[cfg_attr(not(all(feature = "s3", feature = "cloudwatch-logs")), allow(unused_mut))]
pub(crate) async fn stores(run: &collect::Options, flow: Option<&FlowInputs>, http: &collect::Http) -> Stores {
    let mut stores = Stores::default();
    let Some(flow) = flow else { return stores };
    let wanted = flow.auto || flow.sources.iter().any(|s| matches!(s, collect::flowlogs::Source::Objects { .. }));
    #[cfg(feature = "s3")]
    if wanted {
        stores.objects = Some(Box::new(collect::s3::Store::new(run, http).await));
    }
    #[cfg(feature = "cloudwatch-logs")]
    if flow.auto {
        stores.logs = Some(Box::new(collect::logs::Logs::new(run, http).await));
    }
    let _ = (run, wanted, http);
    stores
}

/// Writes the report in each `--output` destination's format: files first, then S3 objects with `opts`'
/// credentials and endpoint. Every destination is tried; the first failure is returned.
pub(crate) fn write_outputs(
    outputs: &[super::args::OutputSpec],
    format: Option<Format>,
    report: &Report,
    graphs: &[report::GraphView],
    opts: &collect::Options,
) -> anyhow::Result<()> {
    let mut failed: Option<anyhow::Error> = None;
    let mut uploads = Vec::new();
    for out in outputs {
        let format = out.format.or(format).or_else(|| Format::guess(&out.path)).unwrap_or(Format::Json);
        let text = format.render(report, false, graphs);
        match &out.s3 {
            Some(object) => uploads.push((object, format, text)),
            None => {
                if let Err(e) = write_atomically(&out.path, &text) {
                    failed.get_or_insert(e.into());
                }
            }
        }
    }
    if !uploads.is_empty() {
        if let Err(e) = upload(uploads, opts) {
            failed.get_or_insert(e);
        }
    }
    failed.map_or(Ok(()), Err)
}

/// Puts each report in S3, one after the other (a run writes a handful).
#[cfg(feature = "s3")]
fn upload(uploads: Vec<(&collect::s3::Object, Format, String)>, opts: &collect::Options) -> anyhow::Result<()> {
    let now = super::args::now();
    let rt = super::runtime()?;
    let mut failed: Option<anyhow::Error> = None;
    for (object, format, text) in uploads {
        let object = collect::s3::Object { key: super::args::fill_key(&object.key, now), ..object.clone() };
        if let Err(e) = rt.block_on(collect::s3::put(opts, &object, text.into_bytes(), format.content_type())) {
            eprintln!("sgaudit: error: {e}");
            failed.get_or_insert(e.into());
        }
    }
    failed.map_or(Ok(()), Err)
}

#[cfg(not(feature = "s3"))]
fn upload(uploads: Vec<(&collect::s3::Object, Format, String)>, _: &collect::Options) -> anyhow::Result<()> {
    Err(anyhow!(
        "{}: this sgaudit was built without S3 support; build it with `cargo build --release --features s3`, \
         or write a file and copy it",
        uploads[0].0
    ))
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a run killed half-way never
/// leaves a half-written report, and the previous one stays whole until the new one is complete.
///
/// Only regular files are replaced that way: a device, a FIFO or a terminal (`--output /dev/null`,
/// `--output /dev/stdout`) is written in place, never renamed over.
pub(crate) fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), OutputError> {
    let err = |source: std::io::Error| OutputError { path: path.to_path_buf(), source };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(err)?;
        return f.write_all(text.as_bytes()).map_err(err);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let not_a_name = || err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"));
    let name = path.file_name().ok_or_else(not_a_name)?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let _writing = super::interrupt::Writing::new(tmp.clone());
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// A report or page that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub(crate) struct OutputError {
    pub(crate) path: PathBuf,
    pub(crate) source: std::io::Error,
}

pub(crate) fn one_line_summary(report: &Report, paths: &[String]) -> String {
    let s = &report.summary;
    let sev: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|v| s.by_severity.get(v.as_str()).filter(|n| **n > 0).map(|n| format!("{n} {v}")))
        .collect();
    let mut line = format!("sgaudit: {} finding(s)", s.findings);
    if !sev.is_empty() {
        line.push_str(&format!(" ({})", sev.join(", ")));
    }
    if !report.complete {
        line.push_str(&format!("; INCOMPLETE: {} operation(s) failed", s.failed_operations));
    }
    if !paths.is_empty() {
        line.push_str(&format!("; report written to {}", paths.join(", ")));
    }
    line
}
pub(crate) fn run_init(force: bool) -> anyhow::Result<u8> {
    let path = std::path::Path::new(CONFIG_FILE);
    if path.exists() && !force {
        return Err(anyhow!("{CONFIG_FILE} exists; pass --force to replace it"));
    }
    write_atomically(path, sgaudit::suppress::TEMPLATE)?;
    eprintln!("sgaudit: wrote {CONFIG_FILE}");
    Ok(exit::CLEAN)
}

//! Command-line definitions and the glue from them to the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use sgaudit::audit::{self, Severity};
use sgaudit::checks;
use sgaudit::collect::{self, RetryMode};
use sgaudit::report::{self, exit, Report};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Audits the network exposure of an AWS account: exposed databases, self-referencing security groups,
/// unused rules and groups.
#[derive(Debug, Parser)]
#[command(name = "sgaudit", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More logging on stderr (-v: each call, -vv: SDK detail).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Collect an account (or a recording) and report findings.
    ///
    /// Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 the audit could not be
    /// done or is incomplete (a failed region, service or call; bad input), with the report still written.
    Audit(AuditArgs),
    /// Record the raw API responses of a collection run into a directory that --replay reads back.
    Record(RecordArgs),
    /// List the checks.
    Checks,
    /// Print one check's documentation.
    Explain {
        /// A check ID, as `sgaudit checks` lists them.
        id: String,
    },
    /// Can traffic flow from one place to another? Both halves of every hop, or the exact missing rules.
    ///
    /// Places: `internet`, a CIDR or address, a security group ID or name, an ENI ID, or an RDS or
    /// ElastiCache identifier. Exit codes: 0 reachable; 1 not reachable; 2 bad input, or not reachable while
    /// some call failed (the answer may then be wrong).
    Reach(ReachArgs),
    /// Print the flow graph between sets of members (and from the internet), with ports on the edges and
    /// exposed databases highlighted.
    ///
    /// Exit codes: 0 the graph is complete; 2 bad input, or some call failed (the graph may miss flows).
    Graph(GraphArgs),
    /// Compare two JSON reports: new, resolved and changed findings.
    ///
    /// Exit codes: 0 no new finding at or above --fail-on; 1 new findings at or above it; 2 bad input.
    Diff(DiffArgs),
    /// Write a commented sgaudit.toml template (suppressions) to the current directory.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
struct ReachArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Where the traffic starts.
    #[arg(long, value_name = "PLACE")]
    from: String,
    /// Where it goes.
    #[arg(long, value_name = "PLACE")]
    to: String,
    /// Destination port. Default: the destination database's own port, else any port.
    #[arg(long)]
    port: Option<u16>,
    /// IP protocol: tcp, udp, icmp, icmpv6, a number, or all (-1).
    #[arg(long, default_value = "tcp", value_parser = parse_protocol)]
    protocol: sgaudit::model::Protocol,
    /// Also search paths through up to N intermediate members (0: the direct flow only).
    #[arg(long, default_value_t = 0, value_name = "N")]
    hops: u32,
    /// text (default) or json.
    #[arg(long, value_enum, default_value_t = ReachFormat::Text)]
    format: ReachFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReachFormat {
    Text,
    Json,
}

fn parse_protocol(s: &str) -> Result<sgaudit::model::Protocol, String> {
    sgaudit::model::Protocol::parse(s)
}

#[derive(Debug, Args)]
struct GraphArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// dot (Graphviz) or mermaid.
    #[arg(long, value_enum, default_value_t = GraphKind::Dot)]
    format: GraphKind,
    /// Also draw internal flows that only rules open to every address (0.0.0.0/0, ::/0) admit: every member
    /// can reach an internet-facing group.
    #[arg(long)]
    all_flows: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphKind {
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// The earlier report (JSON).
    old: PathBuf,
    /// The later report (JSON).
    new: PathBuf,
    /// table (default), json or markdown.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    format: DiffFormat,
    /// Lowest severity of a new finding that makes the exit code 1.
    #[arg(long, default_value = "high", value_parser = parse_severity)]
    fail_on: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
struct SourceArgs {
    /// AWS profile to use.
    #[arg(long)]
    profile: Option<String>,
    /// Region to audit; repeat or separate with commas. Default: the profile's or AWS_REGION, or every region of
    /// a recording.
    #[arg(long = "region", value_delimiter = ',')]
    regions: Vec<String>,
    /// Audit every region enabled for the account (from DescribeRegions).
    #[arg(long)]
    all_regions: bool,
    /// Send requests to this endpoint (moto, LocalStack). AWS_ENDPOINT_URL is honoured too. Ignored with --replay.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    /// Read a recorded account from DIR (see `sgaudit record`): no network, no credentials.
    #[arg(long, value_name = "DIR")]
    replay: Option<PathBuf>,
    /// SDK retry mode.
    #[arg(long, value_enum, default_value_t = Retry::Standard)]
    retry_mode: Retry,
    /// Attempts per call, first one included.
    #[arg(long, default_value_t = 5)]
    max_attempts: u32,
    /// Timeout of one attempt, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Assume this role (with the profile's or environment's credentials) and audit its account.
    #[arg(long, value_name = "ARN", conflicts_with = "replay")]
    role_arn: Option<String>,
    /// External ID for --role-arn (and the default for --targets entries).
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,
    /// Session name for assumed roles (shows in the audited account's CloudTrail).
    #[arg(long, default_value = "sgaudit")]
    session_name: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Retry {
    Standard,
    Adaptive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

impl Format {
    fn render(self, report: &Report, terminal: bool) -> String {
        match self {
            Format::Json => report.to_json(),
            Format::Sarif => report::render_sarif(report),
            Format::Markdown => report::render_markdown(report),
            Format::Table => report::render_table(report, if terminal { None } else { Some(160) }),
        }
    }

    /// From a file name's extension, when the format is not named.
    fn guess(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

/// `--output [FORMAT=]FILE`.
#[derive(Debug, Clone)]
struct OutputSpec {
    format: Option<Format>,
    path: PathBuf,
}

fn parse_output(s: &str) -> Result<OutputSpec, String> {
    if let Some((name, path)) = s.split_once('=') {
        if let Ok(format) = Format::from_str(name, true) {
            if path.is_empty() {
                return Err(format!("`{s}`: no file after `{name}=`"));
            }
            return Ok(OutputSpec { format: Some(format), path: PathBuf::from(path) });
        }
    }
    Ok(OutputSpec { format: None, path: PathBuf::from(s) })
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Output format of standard output, and of --output files that name no format. Default: table on a
    /// terminal, JSON otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output; repeat for several, with a format each:
    /// `--output json=report.json --output sarif=report.sarif`. Files are replaced atomically.
    #[arg(long, short, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    output: Vec<OutputSpec>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, default_value = "high", value_parser = parse_severity)]
    fail_on: Severity,
    /// Report only findings that are not in this earlier JSON report; the exit code follows the new ones.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Configuration with suppressions. Default: ./sgaudit.toml when it exists (`sgaudit init` writes one).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Audit several accounts: a TOML file of `[[target]]` entries with `role_arn` and optional
    /// `external_id`, `session_name` and `regions`. One combined report, with per-account coverage.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["replay", "role_arn"])]
    targets: Option<PathBuf>,
    /// How many accounts to collect at once with --targets.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Intended flows between tiers (TOML): report actual flows it does not allow (flow-not-in-policy) and
    /// allowed flows that do not work (policy-flow-broken).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

/// One entry of a --targets file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    role_arn: String,
    external_id: Option<String>,
    session_name: Option<String>,
    regions: Option<Vec<String>>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Targets {
    target: Vec<Target>,
}

fn read_targets(path: &std::path::Path) -> Result<Vec<Target>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let t: Targets = sgaudit::tomlfile::parse(&text, &path.display().to_string())?;
    for (i, target) in t.target.iter().enumerate() {
        if !target.role_arn.starts_with("arn:") || target.role_arn.split(':').nth(4).is_none_or(str::is_empty) {
            return Err(format!("{}: target #{}: `{}` is not a role ARN", path.display(), i + 1, target.role_arn));
        }
    }
    Ok(t.target)
}

#[derive(Debug, Args)]
struct RecordArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Directory to write the recording to (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

pub fn run(cli: Cli) -> u8 {
    init_logging(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Audit(args) => run_audit(args, cli.quiet),
        Command::Record(args) => run_record(args, cli.quiet),
        Command::Checks => print(&list_checks()).map(|_| exit::CLEAN),
        Command::Explain { id } => match checks::find(&id) {
            Some(check) => print(&format!(
                "{} — {}\n\ndefault severity: {}\n\n{}",
                check.id,
                check.title,
                check.default_severity,
                check.documentation()
            ))
            .map(|_| exit::CLEAN),
            None => Err(format!("unknown check `{id}`; `sgaudit checks` lists them")),
        },
        Command::Reach(args) => run_reach(args),
        Command::Graph(args) => run_graph(args),
        Command::Diff(args) => run_diff(args),
        Command::Init { force } => run_init(force),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "sgaudit", &mut buf);
            print(&String::from_utf8_lossy(&buf)).map(|_| exit::CLEAN)
        }
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("sgaudit: error: {msg}");
            exit::INCOMPLETE
        }
    }
}

/// Logging on stderr, and on a terminal a progress line of the calls done. `-v` adds one line per AWS call with
/// its duration (the `call` span closing); `-vv` adds the SDK's own debug output.
fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "sgaudit=warn,error",
        (false, 1) => "sgaudit=info,warn",
        // The SDK logs the access key ID at debug (identity cache, endpoint parameters): credentials never appear
        // in logs, so those two stay at info.
        (false, _) => {
            "debug,aws_smithy_runtime::client::identity=info,aws_smithy_runtime::client::orchestrator::endpoints=info"
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SGAUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level))
        // The progress events feed the progress line only.
        .add_directive("sgaudit::progress=off".parse().expect("static directive"));
    let terminal = std::io::stderr().is_terminal();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(terminal)
        .with_target(false)
        .with_span_events(if verbose > 0 { FmtSpan::CLOSE } else { FmtSpan::NONE })
        .with_filter(filter);
    let progress = (terminal && !quiet && verbose == 0).then(|| {
        Progress::default().with_filter(tracing_subscriber::filter::filter_fn(|m| m.target() == "sgaudit::progress"))
    });
    let _ = tracing_subscriber::registry().with(fmt).with(progress).try_init();
}

/// The progress line: how many calls are done and which was last, redrawn in place on stderr.
#[derive(Default)]
struct Progress {
    done: std::sync::atomic::AtomicUsize,
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Progress {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut m = Message(String::new());
        event.record(&mut m);
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        eprint!("\r\x1b[2Ksgaudit: {n} call(s) done, last: {}", m.0);
    }
}

/// Clears the progress line before the report is printed.
fn end_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}

fn list_checks() -> String {
    let mut out = String::new();
    for c in checks::REGISTRY {
        out.push_str(&format!("{:<26} {:<9} {}\n", c.id, c.default_severity.as_str(), c.title));
    }
    out
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write to standard output: {e}")),
    }
}

fn options(source: SourceArgs, record: bool) -> collect::Options {
    collect::Options {
        profile: source.profile,
        regions: source.regions,
        all_regions: source.all_regions,
        endpoint_url: source.endpoint_url,
        replay: source.replay,
        record,
        retry: match source.retry_mode {
            Retry::Standard => RetryMode::Standard,
            Retry::Adaptive => RetryMode::Adaptive,
        },
        max_attempts: source.max_attempts,
        timeout: Duration::from_secs(source.timeout.max(1)),
        role: source.role_arn.map(|arn| collect::Role {
            arn,
            external_id: source.external_id,
            session_name: source.session_name,
        }),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn read_report(path: &std::path::Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    Report::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run_diff(args: DiffArgs) -> Result<u8, String> {
    let (old, new) = (read_report(&args.old)?, read_report(&args.new)?);
    let d = report::diff::diff(&old, &new);
    let text = match args.format {
        DiffFormat::Json => d.to_json(),
        DiffFormat::Table => d.to_text(false),
        DiffFormat::Markdown => d.to_text(true),
    };
    print(&text)?;
    Ok(if d.new.iter().any(|f| f.severity >= args.fail_on) { exit::FINDINGS } else { exit::CLEAN })
}

const CONFIG_FILE: &str = "sgaudit.toml";

fn run_init(force: bool) -> Result<u8, String> {
    let path = std::path::Path::new(CONFIG_FILE);
    if path.exists() && !force {
        return Err(format!("{CONFIG_FILE} exists; pass --force to replace it"));
    }
    write_atomically(path, sgaudit::suppress::TEMPLATE)?;
    eprintln!("sgaudit: wrote {CONFIG_FILE}");
    Ok(exit::CLEAN)
}

/// The configuration: the file named with --config (which must exist), else ./sgaudit.toml if present.
fn read_config(explicit: Option<&std::path::Path>) -> Result<sgaudit::suppress::Config, String> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if std::path::Path::new(CONFIG_FILE).exists() => PathBuf::from(CONFIG_FILE),
        None => return Ok(Default::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    sgaudit::suppress::Config::parse(&text, &path.display().to_string())
}

fn read_policy(path: &std::path::Path) -> Result<sgaudit::policy::Policy, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    sgaudit::policy::Policy::parse(&text, &path.display().to_string())
}

fn run_audit(args: AuditArgs, quiet: bool) -> Result<u8, String> {
    // Read the inputs first: a bad one should fail before minutes of collection.
    let baseline = args.baseline.as_deref().map(read_report).transpose()?;
    let config = read_config(args.config.as_deref())?;
    let targets = args.targets.as_deref().map(read_targets).transpose()?;
    let policy = args.policy.as_deref().map(read_policy).transpose()?;
    let (external_id, session_name) = (args.source.external_id.clone(), args.source.session_name.clone());
    let opts = options(args.source, false);
    // One collection per account: the command line's, or one per target, a bounded number at a time.
    let runs: Vec<collect::Options> = match targets {
        None => vec![opts],
        Some(targets) => targets
            .into_iter()
            .map(|t| {
                let mut o = opts.clone();
                o.role = Some(collect::Role {
                    arn: t.role_arn,
                    external_id: t.external_id.or_else(|| external_id.clone()),
                    session_name: t.session_name.unwrap_or_else(|| session_name.clone()),
                });
                if let Some(r) = t.regions {
                    o.regions = r;
                }
                o
            })
            .collect(),
    };
    let collections = runtime()?.block_on(async {
        use futures::StreamExt;
        futures::stream::iter(runs.iter().map(collect::collect))
            .buffered(args.concurrency.max(1))
            .collect::<Vec<_>>()
            .await
    });
    end_progress();
    let inventories: Vec<sgaudit::model::Inventory> =
        collections.into_iter().map(|c| c.map(|c| c.inventory).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;

    let mut known = 0;
    let mut per_account: Vec<Vec<sgaudit::audit::Finding>> = inventories
        .iter()
        .map(|inv| {
            let findings = audit::audit_with_policy(inv, policy.as_ref());
            match &baseline {
                Some(b) => {
                    let (kept, n) = report::without_baseline(findings, b);
                    known += n;
                    kept
                }
                None => findings,
            }
        })
        .collect();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let mut parts: Vec<(&sgaudit::model::Inventory, &mut [sgaudit::audit::Finding])> =
        inventories.iter().zip(per_account.iter_mut()).map(|(i, f)| (i, f.as_mut_slice())).collect();
    let warnings = sgaudit::suppress::apply_all(&mut parts, &config, &today);
    let reports: Vec<Report> =
        inventories.iter().zip(per_account).map(|(inv, f)| Report::new(inv, f, args.fail_on)).collect();
    let mut report = Report::merge(reports, args.fail_on);
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
        print(&format.render(&report, terminal))?;
    } else {
        for out in &args.output {
            let format = out.format.or(args.format).or_else(|| Format::guess(&out.path)).unwrap_or(Format::Json);
            write_atomically(&out.path, &format.render(&report, false))?;
        }
        if !quiet {
            let paths: Vec<&PathBuf> = args.output.iter().map(|o| &o.path).collect();
            eprintln!("{}", one_line_summary(&report, &paths));
        }
    }
    Ok(report.summary.exit_code)
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a run killed half-way never
/// leaves a half-written report, and the previous one stays whole until the new one is complete.
///
/// Only regular files are replaced that way: a device, a FIFO or a terminal (`--output /dev/null`,
/// `--output /dev/stdout`) is written in place, never renamed over.
fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), String> {
    let err = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(err)?;
        return f.write_all(text.as_bytes()).map_err(err);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| format!("cannot write {}: not a file name", path.display()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
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

fn one_line_summary(report: &Report, paths: &[&PathBuf]) -> String {
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
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        line.push_str(&format!("; report written to {}", names.join(", ")));
    }
    line
}

/// Collects one account for the commands that answer questions about it.
fn collect_inventory(source: SourceArgs) -> Result<sgaudit::model::Inventory, String> {
    let opts = options(source, false);
    let collection = runtime()?.block_on(collect::collect(&opts));
    end_progress();
    collection.map(|c| c.inventory).map_err(|e| e.to_string())
}

fn run_reach(args: ReachArgs) -> Result<u8, String> {
    use sgaudit::flow::{Network, Want};
    let inv = collect_inventory(args.source)?;
    let net = Network::new(&inv);
    let from = sgaudit::flow::resolve(&net, &args.from).map_err(|e| format!("--from: {e}"))?;
    let to = sgaudit::flow::resolve(&net, &args.to).map_err(|e| format!("--to: {e}"))?;
    if matches!(from, sgaudit::flow::Place::Internet | sgaudit::flow::Place::Cidr(_))
        && matches!(to, sgaudit::flow::Place::Internet | sgaudit::flow::Place::Cidr(_))
    {
        return Err(
            "--from and --to are both outside the account: at least one must be a group, interface or database".into(),
        );
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
        (false, true) => exit::FINDINGS,
        (false, false) => exit::INCOMPLETE,
    })
}

fn run_graph(args: GraphArgs) -> Result<u8, String> {
    let inv = collect_inventory(args.source)?;
    let ctx = audit::Context::new(&inv);
    let findings = audit::audit_context(&ctx);
    let net = &ctx.network;
    let format = match args.format {
        GraphKind::Dot => report::GraphFormat::Dot,
        GraphKind::Mermaid => report::GraphFormat::Mermaid,
    };
    print(&report::render_graph(net, &findings, format, args.all_flows))?;
    Ok(if inv.is_complete() { exit::CLEAN } else { exit::INCOMPLETE })
}

fn run_record(args: RecordArgs, quiet: bool) -> Result<u8, String> {
    if args.source.replay.is_some() {
        return Err("record reads a live endpoint; --replay cannot be combined with it".to_string());
    }
    let opts = options(args.source, true);
    let collection = runtime()?.block_on(collect::collect(&opts));
    end_progress();
    let collection = collection.map_err(|e| e.to_string())?;
    let n = collection.write_recording(&args.out).map_err(|e| e.to_string())?;
    let inv = &collection.inventory;
    if !quiet {
        eprintln!("sgaudit: recorded {n} response(s) from {} region(s) to {}", inv.regions.len(), args.out.display());
        for c in inv.coverage.iter().filter(|c| c.status == sgaudit::model::CoverageStatus::Failed) {
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
    Ok(if inv.is_complete() { exit::CLEAN } else { exit::INCOMPLETE })
}

//! Command-line definitions and the glue from them to the library.
//!
//! `args` holds the flags, `audit` the audit command and its outputs, `explore` the commands that ask
//! questions about one account (reach, graph, record, diff), `logging` stderr and the progress line.

mod accounts;
mod args;
mod audit;
mod explore;
mod hub;
mod interrupt;
mod logging;
mod merge;

use anyhow::anyhow;
use args::{AuditArgs, DiffArgs, GraphArgs, MergeArgs, ReachArgs, RecordArgs};
use clap::{Parser, Subcommand};
use sgaudit::checks;
use sgaudit::collect::{self, RetryMode};
use sgaudit::report::{exit, Report};
use std::io::Write;
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
    Audit(Box<AuditArgs>),
    /// Record the raw API responses of a collection run into a directory that --replay reads back.
    Record(RecordArgs),
    /// Merge JSON reports (the shards of an organisation's audit, or separate runs) into one.
    ///
    /// Exit codes as for `audit`, from the merged report: 2 also when a shard of the split is missing, or
    /// bad input (an account in two reports, shards of different splits).
    Merge(MergeArgs),
    /// List the checks.
    Checks,
    /// Print one check's documentation.
    Explain {
        /// A check ID, as `sgaudit checks` lists them.
        id: String,
    },
    /// Can traffic flow from one place to another? Both halves of every hop, or the exact missing rules.
    ///
    /// Places: `internet`, a CIDR or address, a security group ID or name, an ENI ID, or a datastore
    /// identifier; qualified as sg:, eni:, rds:, cache:, redshift:, opensearch:, memorydb:, or an ARN. No fix is
    /// ever proposed towards a public source or destination. Exit codes: 0 reachable; 1 not reachable; 2 bad
    /// input, unknown (a hop depends on data that was not read: a transit gateway route table, a peered VPC of
    /// an account not audited), or not reachable while some call failed (the answer may then be wrong).
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

pub fn run(cli: Cli) -> u8 {
    logging::init(cli.verbose, cli.quiet);
    interrupt::install();
    let result = match cli.command {
        Command::Audit(args) => audit::run_audit(*args, cli.quiet),
        Command::Record(args) => explore::run_record(args, cli.quiet),
        Command::Merge(args) => merge::run_merge(args, cli.quiet),
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
            None => Err(anyhow!("unknown check `{id}`; `sgaudit checks` lists them")),
        },
        Command::Reach(args) => explore::run_reach(args),
        Command::Graph(args) => explore::run_graph(args),
        Command::Diff(args) => explore::run_diff(args),
        Command::Init { force } => audit::run_init(force),
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

pub(crate) fn list_checks() -> String {
    let mut out = String::new();
    for c in checks::REGISTRY {
        out.push_str(&format!("{:<26} {:<9} {}\n", c.id, c.default_severity.as_str(), c.title));
    }
    out
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow!("cannot write to standard output: {e}")),
    }
}

pub(crate) fn options(source: &args::SourceArgs, record: bool) -> collect::Options {
    collect::Options {
        profile: source.profile.clone(),
        regions: source.regions.clone(),
        all_regions: source.all_regions,
        endpoint_url: source.endpoint_url.clone(),
        replay: source.replay.clone(),
        record,
        retry: match source.retry_mode {
            Some(args::Retry::Standard) | None => RetryMode::Standard,
            Some(args::Retry::Adaptive) => RetryMode::Adaptive,
        },
        max_attempts: source.max_attempts,
        timeout: Duration::from_secs(source.timeout.max(1)),
        role: source.role_arn.clone().map(|arn| collect::Role {
            arn,
            external_id: source.external_id.clone(),
            session_name: source.session_name.clone(),
        }),
        pace: source.max_request_rate.map(|rate| std::sync::Arc::new(collect::pace::Pace::per_second(rate))),
        flow_logs: false,
    }
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // 8 MiB per worker (tokio's default is 2 MiB): in the debug profile the SDK's deserializers of large shapes
    // keep megabytes of locals on the stack. The space is reserved, not used, until a thread needs it.
    tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))
}

pub(crate) fn read_report(path: &std::path::Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    Report::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

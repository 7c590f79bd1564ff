//! The command line's flags and values, defined once with their docs: help, completions and parsing come from
//! here.

use clap::{Args, ValueEnum};
use sgaudit::audit::Severity;
use sgaudit::collect;
use sgaudit::report::{self, Report};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(crate) struct ReachArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Where the traffic starts.
    #[arg(long, value_name = "PLACE")]
    pub(crate) from: String,
    /// Where it goes.
    #[arg(long, value_name = "PLACE")]
    pub(crate) to: String,
    /// Destination port (the ICMP type with --protocol icmp or icmpv6). Default: the destination database's own
    /// port, else any port.
    #[arg(long)]
    pub(crate) port: Option<u16>,
    /// IP protocol: tcp, udp, icmp, icmpv6, a number, or all (-1).
    #[arg(long, default_value = "tcp", value_parser = parse_protocol)]
    pub(crate) protocol: sgaudit::model::Protocol,
    /// Also search paths through up to N intermediate members (0: the direct flow only).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub(crate) hops: u32,
    /// text (default) or json.
    #[arg(long, value_enum, default_value_t = ReachFormat::Text)]
    pub(crate) format: ReachFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReachFormat {
    Text,
    Json,
}

pub(crate) fn parse_protocol(s: &str) -> Result<sgaudit::model::Protocol, sgaudit::model::UnknownProtocol> {
    sgaudit::model::Protocol::parse(s)
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// dot (Graphviz), mermaid, or svg (drawn by sgaudit: the HTML report's figure).
    #[arg(long, value_enum, default_value_t = GraphKind::Dot)]
    pub(crate) format: GraphKind,
    /// Also draw internal flows that only rules open to every address (0.0.0.0/0, ::/0) admit: every member
    /// can reach an internet-facing group.
    #[arg(long)]
    pub(crate) all_flows: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphKind {
    Dot,
    Mermaid,
    Svg,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier report (JSON).
    pub(crate) old: PathBuf,
    /// The later report (JSON).
    pub(crate) new: PathBuf,
    /// table (default), json, markdown or html.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub(crate) format: DiffFormat,
    /// Lowest severity of a new finding that makes the exit code 1.
    #[arg(long, default_value = "high", value_parser = parse_severity)]
    pub(crate) fail_on: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    Table,
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Args)]
pub(crate) struct SourceArgs {
    /// AWS profile to use.
    #[arg(long)]
    pub(crate) profile: Option<String>,
    /// Region to audit; repeat or separate with commas. Default: the profile's or AWS_REGION, or every region of
    /// a recording.
    #[arg(long = "region", value_delimiter = ',')]
    pub(crate) regions: Vec<String>,
    /// Audit every region enabled for the account (from DescribeRegions).
    #[arg(long)]
    pub(crate) all_regions: bool,
    /// Send requests to this endpoint (moto, LocalStack). AWS_ENDPOINT_URL is honoured too. Ignored with --replay.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub(crate) endpoint_url: Option<String>,
    /// Read a recorded account from DIR (see `sgaudit record`): no network, no credentials.
    #[arg(long, value_name = "DIR")]
    pub(crate) replay: Option<PathBuf>,
    /// SDK retry mode.
    /// Default: standard for one account; adaptive with --organization or --targets, where each account has
    /// its own retry budget and rate, so that a throttled account slows only itself.
    #[arg(long, value_enum)]
    pub(crate) retry_mode: Option<Retry>,
    /// Attempts per call, first one included.
    #[arg(long, default_value_t = 5)]
    pub(crate) max_attempts: u32,
    /// Timeout of one attempt, in seconds.
    #[arg(long, default_value_t = 30)]
    pub(crate) timeout: u64,
    /// Assume this role (with the profile's or environment's credentials) and audit its account.
    #[arg(long, value_name = "ARN", conflicts_with = "replay")]
    pub(crate) role_arn: Option<String>,
    /// External ID for --role-arn (and the default for --targets entries).
    #[arg(long, value_name = "ID")]
    pub(crate) external_id: Option<String>,
    /// Session name for assumed roles (shows in the audited account's CloudTrail).
    #[arg(long, default_value = "sgaudit")]
    pub(crate) session_name: String,
    /// At most this many AWS requests per second in all, retries and every account included.
    #[arg(long, value_name = "N", conflicts_with = "replay")]
    pub(crate) max_request_rate: Option<f64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Retry {
    Standard,
    Adaptive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
    /// One self-contained page with the flow graph.
    Html,
    /// OCSF Detection Findings (a JSON array), for Security Lake and SIEMs.
    Ocsf,
}

impl Format {
    /// `graphs` are the flow graphs of the report's accounts, for HTML.
    pub(crate) fn render(self, report: &Report, terminal: bool, graphs: &[report::GraphView]) -> String {
        match self {
            Format::Json => report.to_json(),
            Format::Sarif => report::render_sarif(report),
            Format::Markdown => report::render_markdown(report),
            Format::Table => report::render_table(report, if terminal { None } else { Some(160) }),
            Format::Html => report::render_html(report, graphs, Some(&generated_at())),
            Format::Ocsf => report::render_ocsf(report, now().unix_timestamp() * 1000),
        }
    }

    /// From a file name's extension, when the format is not named.
    /// The media type of a report in this format, for an S3 object.
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Json | Format::Ocsf => "application/json",
            Format::Sarif => "application/sarif+json",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Table => "text/plain; charset=utf-8",
        }
    }

    pub(crate) fn guess(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            "txt" => Some(Format::Table),
            "ocsf" => Some(Format::Ocsf),
            _ => None,
        }
    }
}

/// The time reports state: now, or `SOURCE_DATE_EPOCH` (seconds) when it is set, for reproducible output.
pub(crate) fn now() -> time::OffsetDateTime {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}

/// The time an HTML page shows, in UTC.
pub(crate) fn generated_at() -> String {
    let now = now();
    format!("{} {:02}:{:02} UTC", now.date(), now.hour(), now.minute())
}

/// `--output [FORMAT=]FILE` or `--output [FORMAT=]s3://BUCKET/KEY`.
#[derive(Debug, Clone)]
pub(crate) struct OutputSpec {
    pub(crate) format: Option<Format>,
    /// The file; for an S3 object, its key (its extension names the format when none is given).
    pub(crate) path: PathBuf,
    /// The S3 object, for an `s3://` destination.
    pub(crate) s3: Option<collect::s3::Object>,
}

impl OutputSpec {
    /// The destination as the user gave it: a path, or the S3 URL.
    pub(crate) fn shown(&self) -> String {
        match &self.s3 {
            Some(o) => o.to_string(),
            None => self.path.display().to_string(),
        }
    }
}

pub(crate) fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let (format, dest) = match s.split_once('=') {
        Some((name, dest)) if Format::from_str(name, true).is_ok() => {
            if dest.is_empty() {
                return Err(format!("`{s}`: no file after `{name}=`"));
            }
            (Format::from_str(name, true).ok(), dest)
        }
        _ => (None, s),
    };
    match collect::s3::parse(dest) {
        Some(object) => {
            let object = object?;
            Ok(OutputSpec { format, path: PathBuf::from(&object.key), s3: Some(object) })
        }
        None => Ok(OutputSpec { format, path: PathBuf::from(dest), s3: None }),
    }
}

/// An S3 key with its placeholders filled: `{date}` (2026-12-07) and `{time}` (153000, HHMMSS), in UTC at
/// `now`. Scheduled runs keep one report per run: `s3://audits/sgaudit/{date}/{time}.json`.
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
pub(crate) fn fill_key(key: &str, now: time::OffsetDateTime) -> String {
    key.replace("{date}", &now.date().to_string())
        .replace("{time}", &format!("{:02}{:02}{:02}", now.hour(), now.minute(), now.second()))
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Output format of standard output, and of --output files that name no format. Default: table on a
    /// terminal, JSON otherwise.
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Write the report to FILE instead of standard output; repeat for several, with a format each:
    /// `--output json=report.json --output sarif=report.sarif`. Files are replaced atomically. An
    /// `s3://BUCKET/KEY` destination puts the object with the caller's credentials (a build with the `s3`
    /// feature); `{date}` and `{time}` in the key are the run's UTC date and time.
    #[arg(long, short, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub(crate) output: Vec<OutputSpec>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, default_value = "high", value_parser = parse_severity)]
    pub(crate) fail_on: Severity,
    /// Report only findings that are not in this earlier JSON report; the exit code follows the new ones.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Configuration with suppressions. Default: ./sgaudit.toml when it exists (`sgaudit init` writes one).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Audit several accounts: a TOML file of `[[target]]` entries with `role_arn` and optional
    /// `external_id`, `session_name` and `regions`. One combined report, with per-account coverage.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["replay", "role_arn"])]
    pub(crate) targets: Option<PathBuf>,
    /// Audit every active account of the organisation (Organizations ListAccounts, from the management or a
    /// delegated administrator account) through the role --org-role in each.
    #[arg(long, requires = "org_role", conflicts_with_all = ["replay", "role_arn", "targets"])]
    pub(crate) organization: bool,
    /// With --organization: the name of the role to assume in every account (with --external-id).
    #[arg(long, value_name = "NAME", requires = "organization")]
    pub(crate) org_role: Option<String>,
    /// With --organization or --targets: audit only these accounts (IDs, comma separated).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub(crate) accounts: Vec<String>,
    /// With --organization or --targets: leave these accounts out (IDs, comma separated).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub(crate) exclude_accounts: Vec<String>,
    /// Audit shard K of N: a stable 1/N of the accounts (by a hash of the account ID), for splitting an
    /// organisation over machines; `sgaudit merge` joins the shard reports.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<sgaudit::report::Shard>,
    /// How many accounts to collect at once with --targets or --organization (memory grows with it, not with
    /// the number of accounts).
    #[arg(long, default_value_t = 4)]
    pub(crate) concurrency: usize,
    /// Intended flows between tiers (TOML): report actual flows it does not allow (flow-not-in-policy) and
    /// allowed flows that do not work (policy-flow-broken).
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,
    /// Also send the findings to AWS Security Hub (BatchImportFindings), each in its own account and region,
    /// and resolve the ones sent earlier that this run no longer reports (never where a call failed). Needs
    /// the Security Hub statement of docs/iam-policy.json, and a build with the `security-hub` feature.
    #[arg(long, conflicts_with_all = ["replay", "baseline"])]
    pub(crate) security_hub: bool,
    #[command(flatten)]
    pub(crate) flow: FlowLogArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FlowLogArgs {
    /// Judge rules by the traffic they carried: read these VPC flow-log files or folders (gzip or plain text,
    /// as AWS delivers them to S3, or exported) and report rules with no accepted traffic (no-traffic-rule)
    /// and broad rules used by a few sources (broad-rule-narrow-use). Repeatable. Also reads each region's flow
    /// log definitions (ec2:DescribeFlowLogs): a rule is judged only where they show every member logged for
    /// the whole window. `s3://BUCKET/PREFIX` reads every object under the prefix with the audited account's
    /// credentials (s3:ListBucket, s3:GetObject; a build with the `s3` feature). `auto` follows every flow log
    /// to its destination: the window's days of its S3 objects, or its CloudWatch Logs log group through Logs
    /// Insights, else FilterLogEvents (a build with the `cloudwatch-logs` feature).
    #[arg(long = "flow-logs", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// The record format of files without a header line, as DescribeFlowLogs gives it
    /// (`${version} ${srcaddr} …`). Default: the format of the flow log the file name names, else AWS's
    /// default format.
    #[arg(long, value_name = "FORMAT", value_parser = parse_flow_log_format)]
    pub(crate) flow_log_format: Option<sgaudit::flowlog::Format>,
    /// The window: this many days up to --until.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub(crate) flow_logs_days: u32,
    /// The window's start (RFC 3339: 2026-11-07 or 2026-11-07T00:00:00Z); overrides --flow-logs-days.
    #[arg(long, value_name = "DATE", value_parser = sgaudit::flowlog::parse_date)]
    pub(crate) since: Option<i64>,
    /// The window's end (RFC 3339). Default: now.
    #[arg(long, value_name = "DATE", value_parser = sgaudit::flowlog::parse_date)]
    pub(crate) until: Option<i64>,
}

fn parse_flow_log_format(s: &str) -> Result<sgaudit::flowlog::Format, sgaudit::flowlog::FormatError> {
    sgaudit::flowlog::Format::parse(s)
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// JSON reports written by `sgaudit audit` (of shards, or of separate runs).
    #[arg(required = true, value_name = "REPORT")]
    pub(crate) reports: Vec<PathBuf>,
    /// Output format. Default: table on a terminal, JSON otherwise.
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Write the merged report to FILE or s3://BUCKET/KEY instead of standard output; repeatable, as with
    /// `audit`.
    #[arg(long, short, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub(crate) output: Vec<OutputSpec>,
    /// Lowest severity that makes the exit code 1. Default: the reports' own.
    #[arg(long, value_parser = parse_severity)]
    pub(crate) fail_on: Option<Severity>,
}

#[derive(Debug, Args)]
pub(crate) struct RecordArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Directory to write the recording to (created if needed).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Also record each region's flow log definitions (DescribeFlowLogs), for `audit --replay DIR --flow-logs`.
    #[arg(long)]
    pub(crate) flow_logs: bool,
    /// With --flow-logs and --until: also record what `audit --flow-logs auto` reads for this window (each flow
    /// log's S3 objects, its log group's Logs Insights answers or events), for `audit --replay DIR --flow-logs
    /// auto` with the same --since and --until. Objects are stored whole: keep the window small.
    #[arg(long, value_name = "DATE", value_parser = sgaudit::flowlog::parse_date, requires_all = ["flow_logs", "until"])]
    pub(crate) since: Option<i64>,
    /// The recorded window's end (RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = sgaudit::flowlog::parse_date, requires = "since")]
    pub(crate) until: Option<i64>,
}

pub(crate) fn parse_severity(s: &str) -> Result<Severity, sgaudit::engine::UnknownSeverity> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_destinations_parse_and_their_keys_take_the_date() {
        let o = parse_output("html=s3://audits/sgaudit/{date}/{time}.html").unwrap();
        assert_eq!(o.format, Some(Format::Html));
        assert_eq!(o.shown(), "s3://audits/sgaudit/{date}/{time}.html");
        let o = parse_output("s3://audits/r.sarif").unwrap();
        assert_eq!(Format::guess(&o.path), Some(Format::Sarif));
        assert!(parse_output("json=s3://audits").is_err());
        assert!(parse_output("report.json").unwrap().s3.is_none());
        let at = time::OffsetDateTime::from_unix_timestamp(1796657405).unwrap(); // 2026-12-07T15:30:05Z
        assert_eq!(fill_key("sgaudit/{date}/{time}.json", at), "sgaudit/2026-12-07/153005.json");
    }
}

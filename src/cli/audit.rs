//! `sgaudit audit` and `sgaudit init`: collect, audit, suppress, and write the report in every format asked for.

use super::args::{AuditArgs, Format};
use super::logging::end_progress;
use super::{options, print, read_report, runtime};
use sgaudit::audit::{self, Severity};
use sgaudit::collect;
use sgaudit::report::{self, exit, Report};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// One entry of a --targets file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Target {
    role_arn: String,
    external_id: Option<String>,
    session_name: Option<String>,
    regions: Option<Vec<String>>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Targets {
    target: Vec<Target>,
}

pub(crate) fn read_targets(path: &std::path::Path) -> Result<Vec<Target>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let t: Targets = sgaudit::tomlfile::parse(&text, &path.display().to_string())?;
    for (i, target) in t.target.iter().enumerate() {
        if !target.role_arn.starts_with("arn:") || target.role_arn.split(':').nth(4).is_none_or(str::is_empty) {
            return Err(format!("{}: target #{}: `{}` is not a role ARN", path.display(), i + 1, target.role_arn));
        }
    }
    Ok(t.target)
}

pub(crate) const CONFIG_FILE: &str = "sgaudit.toml";

/// The configuration: the file named with --config (which must exist), else ./sgaudit.toml if present.
pub(crate) fn read_config(explicit: Option<&std::path::Path>) -> Result<sgaudit::suppress::Config, String> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if std::path::Path::new(CONFIG_FILE).exists() => PathBuf::from(CONFIG_FILE),
        None => return Ok(Default::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    sgaudit::suppress::Config::parse(&text, &path.display().to_string())
}

pub(crate) fn read_policy(path: &std::path::Path) -> Result<sgaudit::policy::Policy, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    sgaudit::policy::Policy::parse(&text, &path.display().to_string())
}

pub(crate) fn run_audit(args: AuditArgs, quiet: bool) -> Result<u8, String> {
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
    // The flow graphs, only when a page will show them.
    let html =
        args.output.iter().any(|o| o.format.or(args.format).or_else(|| Format::guess(&o.path)) == Some(Format::Html))
            || (args.output.is_empty() && args.format == Some(Format::Html));
    let graphs: Vec<report::GraphView> = if html {
        inventories
            .iter()
            .zip(&per_account)
            .map(|(inv, f)| report::GraphView::new(&sgaudit::flow::Network::new(inv), f, false))
            .collect()
    } else {
        Vec::new()
    };
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
        print(&format.render(&report, terminal, &graphs))?;
    } else {
        for out in &args.output {
            let format = out.format.or(args.format).or_else(|| Format::guess(&out.path)).unwrap_or(Format::Json);
            write_atomically(&out.path, &format.render(&report, false, &graphs))?;
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
pub(crate) fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), String> {
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

pub(crate) fn one_line_summary(report: &Report, paths: &[&PathBuf]) -> String {
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
pub(crate) fn run_init(force: bool) -> Result<u8, String> {
    let path = std::path::Path::new(CONFIG_FILE);
    if path.exists() && !force {
        return Err(format!("{CONFIG_FILE} exists; pass --force to replace it"));
    }
    write_atomically(path, sgaudit::suppress::TEMPLATE)?;
    eprintln!("sgaudit: wrote {CONFIG_FILE}");
    Ok(exit::CLEAN)
}

//! `sgaudit merge`: one report from the reports of shards (or of any separate runs).

use super::args::{Format, MergeArgs};
use super::audit::{one_line_summary, write_outputs};
use super::{print, read_report};
use std::io::IsTerminal;

pub(crate) fn run_merge(args: MergeArgs, quiet: bool) -> anyhow::Result<u8> {
    let parts = args
        .reports
        .iter()
        .map(|p| Ok((p.display().to_string(), read_report(p)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let report = sgaudit::report::merge_reports(parts, args.fail_on)?;
    // A merged report has no inventory, so no flow graph: an HTML page shows the findings only.
    if args.output.is_empty() {
        let terminal = std::io::stdout().is_terminal();
        let format = args.format.unwrap_or(if terminal { Format::Table } else { Format::Json });
        print(&format.render(&report, terminal, &[]))?;
    } else {
        // Merge reads no account: S3 destinations use the environment's credentials, region and endpoint.
        let opts = sgaudit::collect::Options {
            max_attempts: 3,
            timeout: std::time::Duration::from_secs(60),
            ..Default::default()
        };
        write_outputs(&args.output, args.format, &report, &[], &opts)?;
        if !quiet {
            let paths: Vec<String> = args.output.iter().map(|o| o.shown()).collect();
            eprintln!("{}", one_line_summary(&report, &paths));
        }
    }
    Ok(report.summary.exit_code)
}

//! The `sgaudit` binary: parses the command line, runs it, returns the exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <cli::Cli as clap::Parser>::parse();
    ExitCode::from(cli::run(args))
}

//! The `sgaudit` binary: parses the command line, runs it, returns the exit code.

mod allocator;
mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    allocator::configure();
    let args = <cli::Cli as clap::Parser>::parse();
    ExitCode::from(cli::run(args))
}

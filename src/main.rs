//! The `sgaudit` binary: parses the command line, runs it, returns the exit code.

mod cli;

use std::process::ExitCode;

/// The engine allocates and frees millions of small strings and vectors on several threads: mimalloc's
/// per-thread free lists cost less than the system allocator's arenas there (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = <cli::Cli as clap::Parser>::parse();
    ExitCode::from(cli::run(args))
}

//! Logging on stderr, and the progress line.

use std::io::IsTerminal;

/// Logging on stderr, and on a terminal a progress line of the calls done. `-v` adds one line per AWS call with
/// its duration (the `call` span closing); `-vv` adds the SDK's own debug output.
pub(crate) fn init(verbose: u8, quiet: bool) {
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
pub(crate) fn end_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}

//! `--security-hub` at the binary's edge: whether this build can send, which checks ran in this run (a check
//! that did not run must not resolve its earlier findings), and the counts printed at the end.

// Without the feature, only the refusal in `Hub::new` is reachable.
#![cfg_attr(not(feature = "security-hub"), allow(dead_code))]

use anyhow::anyhow;
use sgaudit::collect;
use sgaudit::report::Report;
use std::sync::Mutex;

/// The checks that run only with an input of their own: without it, their earlier findings stay as they are.
const NEEDS_POLICY: [&str; 2] = ["flow-not-in-policy", "policy-flow-broken"];
const NEEDS_FLOW_LOGS: [&str; 2] = ["no-traffic-rule", "broad-rule-narrow-use"];

pub(crate) struct Hub {
    enabled: bool,
    policy: bool,
    flow_logs: bool,
    /// Imported, updated, resolved: summed over the accounts.
    counts: Mutex<[usize; 3]>,
}

impl Hub {
    /// `asked`: `--security-hub`; `policy` and `flow_logs`: whether the run has those inputs.
    pub(crate) fn new(asked: bool, policy: bool, flow_logs: bool) -> anyhow::Result<Hub> {
        if asked && !cfg!(feature = "security-hub") {
            return Err(anyhow!(
                "--security-hub: this sgaudit was built without Security Hub support; build it with \
                 `cargo build --release --features security-hub`"
            ));
        }
        Ok(Hub { enabled: asked, policy, flow_logs, counts: Mutex::new([0; 3]) })
    }

    /// Whether a check ran in this run.
    fn ran(&self, check: &str) -> bool {
        if NEEDS_POLICY.contains(&check) {
            self.policy
        } else if NEEDS_FLOW_LOGS.contains(&check) {
            self.flow_logs
        } else {
            true
        }
    }

    /// Sends one account's findings; a failed call becomes a coverage entry of its report.
    pub(crate) async fn send(&self, run: &collect::Options, report: &mut Report) {
        if !self.enabled {
            return;
        }
        #[cfg(feature = "security-hub")]
        {
            let now = sgaudit::flowlog::rfc3339(super::args::now().unix_timestamp());
            let ran = |check: &str| self.ran(check);
            let sent = collect::securityhub::send(run, report, &ran, &now).await;
            report.coverage.extend(sent.coverage);
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            counts[0] += sent.imported;
            counts[1] += sent.updated;
            counts[2] += sent.resolved;
        }
        #[cfg(not(feature = "security-hub"))]
        let _ = (run, report);
    }

    /// One line on stderr: what Security Hub received.
    pub(crate) fn summary(&self) {
        if self.enabled {
            let [imported, updated, resolved] = *self.counts.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!("sgaudit: Security Hub: {imported} imported, {updated} updated, {resolved} resolved");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_that_need_an_input_are_registered() {
        for id in NEEDS_POLICY.iter().chain(&NEEDS_FLOW_LOGS) {
            assert!(sgaudit::checks::find(id).is_some(), "{id}");
        }
        let hub = Hub::new(false, false, true).unwrap();
        assert!(!hub.ran("flow-not-in-policy") && hub.ran("no-traffic-rule") && hub.ran("exposed-database"));
    }
}

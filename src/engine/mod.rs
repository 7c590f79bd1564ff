//! The engine: the contract of a check ([`Check`], the [`Findings`] sink), the indexed inventory checks ask
//! ([`Context`]), and the runner that gives every finding its identity and puts them in report order. It knows
//! no check: the registry is `crate::checks`, and `crate::audit` runs it. Pure: no I/O, no clock, no
//! randomness. The same inventory and checks always give the same findings in the same order.

mod check;
mod context;
mod finding;

pub use check::{Body, Check, Findings};
pub use context::Context;
pub(crate) use context::{membership_source, Member};
pub use finding::{Confidence, Evidence, Finding, Remediation, Resource, Severity, Suppressed, UnknownSeverity};

/// What an audit gives: the findings in report order, and the checks' notes for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    /// The findings, in report order.
    pub findings: Vec<Finding>,
    /// What checks could not decide, and why, for the report's notes.
    pub notes: Vec<String>,
}

/// Runs `registry` over `ctx`. Each finding gets its check's ID, its fingerprint and the account; the findings
/// come sorted by severity (highest first), then check, then resource; the notes in check order.
pub fn run(ctx: &Context, registry: &[&'static Check]) -> Audit {
    let inventory = ctx.inventory;
    // Checks are independent pure functions over the same context: run them side by side on the thread pool,
    // each sorting its own findings, then merge in report order so the result does not depend on scheduling.
    // The pool's threads outlive the audit, so an account audited after another reuses their memory instead
    // of reclaiming the heaps of threads that exited.
    let mut checks: Vec<&'static Check> = registry.to_vec();
    checks.sort_by_key(|c| c.id);
    let mut per_check: Vec<Findings> = checks.iter().map(|c| Findings::new(c)).collect();
    rayon::scope(|scope| {
        for (check, slot) in checks.iter().zip(per_check.iter_mut()) {
            scope.spawn(move |_| {
                (check.run)(ctx, slot);
                for f in slot.findings.iter_mut() {
                    f.id = fingerprint(inventory.account.as_deref(), f);
                    f.account.clone_from(&inventory.account);
                }
                slot.findings.sort_unstable_by(order_within_check);
            });
        }
    });
    let notes = per_check.iter_mut().flat_map(|c| std::mem::take(&mut c.notes)).collect();
    let findings = merge(per_check.into_iter().map(|c| c.findings).collect());
    debug_assert!(findings.is_sorted_by(|a, b| order(a, b).is_le()), "the merge keeps report order");
    Audit { findings, notes }
}

/// Merges the sorted findings of distinct checks, given in check order, into report order. Within one audit
/// every finding has the same account, so report order is severity, then check, then the order within the
/// check: each severity takes the next run of every check in turn.
fn merge(per_check: Vec<Vec<Finding>>) -> Vec<Finding> {
    let mut out = Vec::with_capacity(per_check.iter().map(Vec::len).sum());
    let mut runs: Vec<std::iter::Peekable<std::vec::IntoIter<Finding>>> =
        per_check.into_iter().map(|f| f.into_iter().peekable()).collect();
    for severity in Severity::ALL {
        for run in &mut runs {
            while let Some(f) = run.next_if(|f| f.severity == severity) {
                out.push(f);
            }
        }
    }
    out
}

/// Report order: severity (highest first), then account, check, region, resource kind and ID. That tuple is
/// unique per finding, so an unstable sort is still deterministic.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_unstable_by(order);
}

/// Report order of two findings (see [`sort`]).
pub fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.account.cmp(&b.account))
        .then_with(|| a.check.cmp(&b.check))
        .then_with(|| place_order(a, b))
}

/// Report order of two findings of the same check and account.
fn order_within_check(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity.cmp(&a.severity).then_with(|| place_order(a, b))
}

/// Region, then resource kind and ID.
fn place_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.region
        .cmp(&b.region)
        .then_with(|| a.resource.kind.cmp(&b.resource.kind))
        .then_with(|| a.resource.id.cmp(&b.resource.id))
}

/// The stable ID of a finding: XXH3-128 of check, account, region, resource kind and resource ID, in hex. It
/// does not depend on messages, severities or rule order, so a finding keeps its ID while its details change.
/// XXH3 is specified and stable across versions; the ID identifies, it does not authenticate.
pub fn fingerprint(account: Option<&str>, f: &Finding) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in
        [f.check.as_str(), account.unwrap_or(""), f.region.as_str(), f.resource.kind.as_str(), f.resource.id.as_str()]
    {
        h.update(part.as_bytes());
        h.update(&[0u8]);
    }
    hex::encode(h.digest128().to_be_bytes())
}

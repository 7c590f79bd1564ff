//! The audit engine: indexes an [`Inventory`] once, runs every registered check over it and returns findings.
//! Pure: no I/O, no clock, no randomness. The same inventory always gives the same findings in the same order.

mod context;
mod finding;

pub use context::{membership_source, Context, Member, PublicIngress, MEMBERSHIP_OPERATIONS};
pub use finding::{Confidence, Evidence, Finding, Remediation, Resource, Severity};

use crate::checks::{self, Check};
use crate::model::Inventory;
use crate::policy::Policy;

/// Runs every registered check and returns the findings sorted by severity (highest first), then check, then
/// resource.
pub fn audit(inventory: &Inventory) -> Vec<Finding> {
    audit_with(inventory, checks::REGISTRY)
}

/// Runs every registered check, the policy checks against `policy`.
pub fn audit_with_policy(inventory: &Inventory, policy: Option<&Policy>) -> Vec<Finding> {
    run(&Context::new(inventory).with_policy(policy), checks::REGISTRY)
}

/// Runs every registered check over a context built by the caller, who may ask it more questions after
/// (`sgaudit graph` draws its flow model).
pub fn audit_context(ctx: &Context) -> Vec<Finding> {
    run(ctx, checks::REGISTRY)
}

/// Runs the given checks only.
pub fn audit_with(inventory: &Inventory, registry: &[&Check]) -> Vec<Finding> {
    run(&Context::new(inventory), registry)
}

fn run(ctx: &Context, registry: &[&Check]) -> Vec<Finding> {
    let inventory = ctx.inventory;
    // Checks are independent pure functions over the same context: run them side by side, then concatenate in
    // registry order so the result does not depend on scheduling.
    let per_check: Vec<Vec<Finding>> = std::thread::scope(|scope| {
        let handles: Vec<_> = registry
            .iter()
            .map(|check| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    (check.run)(ctx, &mut out);
                    for f in &mut out {
                        f.id = fingerprint(inventory.account.as_deref(), f);
                        f.account.clone_from(&inventory.account);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a check panicked")).collect()
    });
    let mut findings: Vec<Finding> = per_check.into_iter().flatten().collect();
    sort(&mut findings);
    findings
}

/// Report order: severity (highest first), then account, check, region, resource kind and ID. That tuple is
/// unique per finding, so an unstable sort is still deterministic.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_unstable_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.account.cmp(&b.account))
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.resource.kind.cmp(&b.resource.kind))
            .then_with(|| a.resource.id.cmp(&b.resource.id))
    });
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

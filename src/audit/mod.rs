//! The audit engine: indexes an [`Inventory`] once, runs every registered check over it and returns findings.
//! Pure: no I/O, no clock, no randomness. The same inventory always gives the same findings in the same order.

mod context;
mod finding;

pub use context::{Context, Member, PublicIngress, MEMBERSHIP_OPERATIONS};
pub use finding::{Evidence, Finding, Remediation, Resource, Severity};

use crate::checks::{self, Check};
use crate::model::Inventory;

/// Runs every registered check and returns the findings sorted by severity (highest first), then check, then
/// resource.
pub fn audit(inventory: &Inventory) -> Vec<Finding> {
    audit_with(inventory, checks::REGISTRY)
}

/// Runs the given checks only.
pub fn audit_with(inventory: &Inventory, registry: &[&Check]) -> Vec<Finding> {
    let ctx = Context::new(inventory);
    let mut findings = Vec::new();
    for check in registry {
        (check.run)(&ctx, &mut findings);
    }
    for f in &mut findings {
        f.id = fingerprint(inventory.account.as_deref(), f);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.resource.kind.cmp(&b.resource.kind))
            .then_with(|| a.resource.id.cmp(&b.resource.id))
    });
    findings
}

/// The stable ID of a finding: SHA-256 of check, account, region, resource kind and resource ID, first 16 bytes
/// in hex. It does not depend on messages, severities or rule order, so a finding keeps its ID while its
/// details change.
pub fn fingerprint(account: Option<&str>, f: &Finding) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in
        [f.check.as_str(), account.unwrap_or(""), f.region.as_str(), f.resource.kind.as_str(), f.resource.id.as_str()]
    {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

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

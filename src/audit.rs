//! The audit: every registered check (`crate::checks`) run by the engine (`crate::engine`) over one inventory.
//! The engine's types are re-exported here, so that a library user needs one module.

pub use crate::engine::{
    fingerprint, order, sort, Audit, Body, Check, Confidence, Context, Evidence, Finding, Findings, Remediation,
    Resource, Severity, Suppressed,
};

use crate::checks::REGISTRY;
use crate::engine::run;
use crate::model::Inventory;
use crate::policy::Policy;

/// Runs every registered check and returns the findings sorted by severity (highest first), then check, then
/// resource. The checks' notes are left out: [`audit_all`] keeps them.
pub fn audit(inventory: &Inventory) -> Vec<Finding> {
    audit_all(inventory, None).findings
}

/// Runs every registered check, the policy checks against `policy`: the findings and the checks' notes.
pub fn audit_all(inventory: &Inventory, policy: Option<&Policy>) -> Audit {
    run(&Context::new(inventory).with_policy(policy), REGISTRY)
}

/// Runs every registered check, the policy checks against `policy` and the traffic checks against the
/// flow-log evidence `traffic`: the findings and the checks' notes.
pub fn audit_with_evidence(
    inventory: &Inventory,
    policy: Option<&Policy>,
    traffic: Option<&crate::flowlog::Evidence>,
) -> Audit {
    run(&Context::new(inventory).with_policy(policy).with_traffic(traffic), REGISTRY)
}

/// Runs every registered check, the policy checks against `policy`; the findings only.
pub fn audit_with_policy(inventory: &Inventory, policy: Option<&Policy>) -> Vec<Finding> {
    audit_all(inventory, policy).findings
}

/// Runs every registered check over a context built by the caller, who may ask it more questions after
/// (`sgaudit graph` draws its flow model).
pub fn audit_context(ctx: &Context) -> Vec<Finding> {
    run(ctx, REGISTRY).findings
}

/// Runs the given checks only.
pub fn audit_with(inventory: &Inventory, registry: &[&'static Check]) -> Vec<Finding> {
    run(&Context::new(inventory), registry).findings
}

//! The checks, one per file, and the registry that lists them.
//!
//! Each check is declared with `declare_check!`: its doc comment (sections *What it does*, *Why is this
//! bad?*, *Example*, *Remediation*) is both the rustdoc of its constant and the text of `sgaudit explain ID`
//! and of the SARIF rule list.

pub use crate::engine::Check;
use crate::engine::Context;
use crate::model::{Direction, Rule};

/// Declares a check: `declare_check! { /// docs… pub NAME, id: "...", title: "...", severity: High, run: f }`.
macro_rules! declare_check {
    (
        $(#[doc = $doc:expr])*
        pub $name:ident,
        id: $id:expr,
        title: $title:expr,
        severity: $sev:ident,
        run: $run:path $(,)?
    ) => {
        $(#[doc = $doc])*
        pub static $name: $crate::engine::Check = $crate::engine::Check {
            id: $id,
            title: $title,
            default_severity: $crate::engine::Severity::$sev,
            doc: concat!($($doc, "\n"),*),
            run: $run,
        };
    };
}

mod broad_rule_narrow_use;
mod db_ports;
mod exposed_database;
mod flow_not_in_policy;
mod half_open_path;
mod idle_group;
mod internet_path_to_database;
mod no_traffic_rule;
mod policy_common;
mod policy_flow_broken;
mod self_referencing_group;
mod traffic_common;
mod unused_group;
mod unused_rule;

pub use broad_rule_narrow_use::BROAD_RULE_NARROW_USE;
pub use db_ports::DATABASE_PORTS;
pub use exposed_database::EXPOSED_DATABASE;
pub use flow_not_in_policy::FLOW_NOT_IN_POLICY;
pub use half_open_path::HALF_OPEN_PATH;
pub use idle_group::IDLE_GROUP;
pub use internet_path_to_database::INTERNET_PATH_TO_DATABASE;
pub use no_traffic_rule::NO_TRAFFIC_RULE;
pub use policy_flow_broken::POLICY_FLOW_BROKEN;
pub use self_referencing_group::SELF_REFERENCING_GROUP;
pub use unused_group::UNUSED_GROUP;
pub use unused_rule::UNUSED_RULE;

/// Every check, in the order `sgaudit checks` lists them.
pub static REGISTRY: &[&Check] = &[
    &EXPOSED_DATABASE,
    &INTERNET_PATH_TO_DATABASE,
    &HALF_OPEN_PATH,
    &SELF_REFERENCING_GROUP,
    &UNUSED_GROUP,
    &IDLE_GROUP,
    &UNUSED_RULE,
    &NO_TRAFFIC_RULE,
    &BROAD_RULE_NARROW_USE,
    &FLOW_NOT_IN_POLICY,
    &POLICY_FLOW_BROKEN,
];

/// The sections every check's documentation must have.
pub const DOC_SECTIONS: &[&str] = &["What it does", "Why is this bad?", "Example", "Remediation"];

/// The registered check with this ID.
pub fn find(id: &str) -> Option<&'static Check> {
    REGISTRY.iter().copied().find(|c| c.id == id)
}

/// The AWS CLI command that removes one rule.
pub(crate) fn revoke_command(rule: &Rule) -> String {
    let verb = match rule.direction {
        Direction::Ingress => "revoke-security-group-ingress",
        Direction::Egress => "revoke-security-group-egress",
    };
    match &rule.id {
        Some(id) => format!(
            "aws ec2 {verb} --region {} --group-id {} --security-group-rule-ids {id}",
            rule.region, rule.group_id
        ),
        None => format!(
            "aws ec2 {verb} --region {} --group-id {} --ip-permissions '{}'",
            rule.region,
            rule.group_id,
            rule.ip_permission()
        ),
    }
}

/// `sg-123 (name)` for messages.
pub(crate) fn group_label(ctx: &Context, id: &str) -> String {
    match ctx.group(id) {
        Some(g) => format!("{id} ({})", g.name),
        None => id.to_string(),
    }
}

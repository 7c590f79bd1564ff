use super::group_label;
use crate::engine::{Body, Context, Evidence, Findings, Member, Remediation, Resource};

declare_check! {
    /// ### What it does
    /// Finds security groups that nothing runs in today but that a template or service names for what it
    /// launches: a launch template version (the default, the latest, or one an auto-scaling group uses), a
    /// launch configuration, an auto-scaling group, an ECS service, a Lambda function, an EKS cluster or node
    /// group, a load balancer. The finding names each holder and its state ("auto-scaling group web-asg at 0
    /// instances"). Such a group is *attached, with no running member*: not unused, and rules that admit it
    /// are not stale.
    ///
    /// ### Why is this bad?
    /// It is not bad; it is easy to get wrong. A group with no interface looks unused, and deleting it breaks
    /// the next scale-out, the next task or the next cold start, at the moment load arrives. The finding is
    /// there so that "why is this group not reported unused?" has an answer, and so that a reviewer sees which
    /// template would bring the group's rules to life.
    ///
    /// ### Example
    /// ```text
    /// web-sg   (no interface)   held by: launch template lt-0abc version 3 (the default),
    ///                                    auto-scaling group web-asg at 0 instances
    /// ```
    ///
    /// ### Remediation
    /// None needed while the holders are in use; sgaudit gives no delete command. To retire the group, first
    /// remove it from every holder named (or retire them); it is then reported as `unused-group`, with the
    /// commands that revoke the rules referencing it and delete it.
    pub IDLE_GROUP,
    id: "idle-group",
    title: "Security group attached only to templates or services with no running member",
    severity: Info,
    run: check,
}

fn check(ctx: &Context, out: &mut Findings) {
    for group in &ctx.inventory.groups {
        let members = ctx.members(&group.id);
        if group.is_default() || members.is_empty() || members.iter().any(Member::is_running) {
            continue;
        }
        let holders: Vec<String> = members.iter().map(Member::label).collect();
        out.report(Body {
            severity: IDLE_GROUP.default_severity,
            region: group.region.clone(),
            resource: Resource::group(group),
            group_ids: vec![group.id.clone()],
            rule_ids: Vec::new(),
            message: format!(
                "{} has no running member but is attached to {}: the next launch, scale-out, job, build or \
                 scheduled run needs it, so it is not unused",
                group_label(ctx, &group.id),
                and_list(&holders)
            ),
            evidence: holders.iter().map(|h| Evidence::fact(&group.id, format!("attached to {h}"))).collect(),
            remediation: Remediation {
                summary: "Keep the group while these use it; to retire it, remove it from each of them first."
                    .to_string(),
                commands: Vec::new(),
            },
            confidence: None,
        });
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

use super::{group_label, revoke_command};
use crate::audit::{Context, Evidence, Finding, Remediation, Resource, Severity};

declare_check! {
    /// ### What it does
    /// Finds non-default security groups that nothing uses: no network interface (EC2, ECS tasks, Lambda,
    /// load balancers, VPC endpoints, ...), no datastore (RDS, RDS Proxy, ElastiCache, Redshift, OpenSearch,
    /// MemoryDB), and nothing that would attach the group when it launches or scales: launch templates (the
    /// default and latest versions, and those auto-scaling groups name), launch configurations, auto-scaling
    /// groups, ECS services (at any task count), Lambda functions, EKS clusters and node groups, load
    /// balancers. A group only such a holder names is not unused: `idle-group` reports it. The finding lists
    /// the rules of other groups that still reference the unused group.
    ///
    /// Rules in peered VPCs that reference the group (DescribeSecurityGroupReferences) are named too: they are
    /// not this account's to revoke, and AWS refuses the delete until they are gone.
    ///
    /// When a call that reveals membership failed in a region, groups of that region that look unused are
    /// still reported, but as `unconfirmed` info findings that name what the failed call would have listed
    /// ("unless an ECS service uses it: ecs:ListServices failed (AccessDenied)"); they never count for
    /// `--fail-on`, and the exit code says the audit is incomplete.
    ///
    /// ### Why is this bad?
    /// Unused groups accumulate rules nobody reviews. The day someone attaches one "because it already
    /// exists", its forgotten openings come back to life. Rules elsewhere that admit an unused group are dead
    /// weight that makes every review slower.
    ///
    /// ### Example
    /// ```text
    /// legacy-bastion-sg   (no members)  ingress: tcp 22 from 0.0.0.0/0
    /// ```
    ///
    /// ### Remediation
    /// Confirm the group is not referenced by a template or infrastructure code, revoke the rules that
    /// reference it (commands given), then delete it with `aws ec2 delete-security-group`.
    pub UNUSED_GROUP,
    id: "unused-group",
    title: "Security group attached to nothing",
    severity: Low,
    run: check,
}

fn check(ctx: &Context, out: &mut Vec<Finding>) {
    // Rules in peered VPCs that reference a group of this account (AWS's DescribeSecurityGroupReferences).
    let mut from_peers: rustc_hash::FxHashMap<&str, Vec<String>> = Default::default();
    for r in &ctx.inventory.peer_references {
        let via = r.via.as_deref().map(|v| format!(" through {v}")).unwrap_or_default();
        from_peers.entry(r.group_id.as_str()).or_default().push(format!("{}{via}", r.referencing_vpc_id));
    }
    for group in &ctx.inventory.groups {
        if group.is_default() || !ctx.members(&group.id).is_empty() {
            continue;
        }
        // Where a membership source failed, the verdict holds only for what was read: unconfirmed, info.
        let unconfirmed = !ctx.membership_gaps(&group.region).is_empty();
        let referencing: Vec<_> = ctx.referenced_by(&group.id).iter().filter(|r| r.group_id != group.id).collect();
        let mut commands: Vec<String> = referencing.iter().map(|r| revoke_command(r)).collect();
        commands.push(format!("aws ec2 delete-security-group --region {} --group-id {}", group.region, group.id));
        let refs = if referencing.is_empty() {
            "no other group of this account references it".to_string()
        } else {
            format!(
                "{} rule(s) of other groups still reference it: {}",
                referencing.len(),
                referencing.iter().map(|r| format!("{} in {}", r.label(), r.group_id)).collect::<Vec<_>>().join(", ")
            )
        };
        let own_rules = ctx.rules(&group.id).len();
        out.push(Finding {
            id: String::new(),
            account: None,
            check: UNUSED_GROUP.id.to_string(),
            severity: if unconfirmed { Severity::Info } else { UNUSED_GROUP.default_severity },
            region: group.region.clone(),
            resource: Resource::group(group),
            group_ids: vec![group.id.clone()],
            rule_ids: referencing.iter().map(|r| r.label()).collect(),
            message: {
                let mut m = format!(
                    "{} is attached to no interface, database, cache, template or service and has {own_rules} rule(s) \
                     of its own; {refs}",
                    group_label(ctx, &group.id)
                );
                if let Some(vpcs) = from_peers.get(group.id.as_str()) {
                    m.push_str(&format!(
                        "; rules in peered VPC(s) {} reference it: revoke them there first, AWS refuses the delete \
                         until then",
                        vpcs.join(", ")
                    ));
                }
                if unconfirmed {
                    m.push_str(&format!(
                        "; unconfirmed: {}",
                        ctx.membership_gap_text(&group.region)
                    ));
                }
                m
            },
            evidence: referencing
                .iter()
                .map(|r| Evidence::rule(r, format!("{} references the unused group", group_label(ctx, &r.group_id))))
                .collect(),
            remediation: Remediation {
                summary: if unconfirmed {
                    "Confirm the group is unused once the failed calls succeed; then revoke the rules that reference it, and delete it.".to_string()
                } else {
                    "Revoke the rules that reference the group, then delete it.".to_string()
                },
                commands,
            },
            suppressed: None,
            confidence: unconfirmed.then_some(crate::audit::Confidence::Unconfirmed),
        });
    }
}

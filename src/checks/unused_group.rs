use super::{group_label, revoke_command};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::model::HolderKind;

declare_check! {
    /// ### What it does
    /// Finds non-default security groups that nothing uses: no network interface (EC2, ECS tasks, Lambda,
    /// load balancers, VPC endpoints, ...), no datastore (RDS, RDS Proxy, ElastiCache, Redshift, OpenSearch,
    /// MemoryDB), and nothing that would attach the group when it launches, scales, runs a job or builds:
    /// launch templates (the default and latest versions, and those auto-scaling groups name), launch
    /// configurations, auto-scaling groups, ECS services (at any task count), Lambda functions, EKS clusters
    /// and node groups, load balancers, Batch compute environments, EventBridge rules that run ECS tasks,
    /// CodeBuild projects and Glue connections. A group only such a holder names is not unused: `idle-group`
    /// reports it. The finding says which kinds of holder were checked (the report's notes name those sgaudit
    /// does not read), lists the rules of other groups that still reference the unused group, and names the
    /// group's own rules that AWS lists as stale (DescribeStaleSecurityGroups).
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

fn check(ctx: &Context, out: &mut Findings) {
    let mut reported = false;
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
        // Its own rules that AWS calls stale: named here, since unused-rule looks only at groups in use.
        let stale: Vec<(&crate::model::Rule, String)> = stale_rules(ctx, group);
        reported = true;
        let mut body = Body {
            severity: if unconfirmed { Severity::Info } else { UNUSED_GROUP.default_severity },
            region: group.region.clone(),
            resource: Resource::group(group),
            group_ids: vec![group.id.clone()],
            rule_ids: referencing.iter().map(|r| r.label()).chain(stale.iter().map(|(r, _)| r.label())).collect(),
            message: {
                let mut m = format!(
                    "{} is attached to no interface, database or cache, and no {} names it; it has {own_rules} \
                     rule(s) of its own; {refs}",
                    group_label(ctx, &group.id),
                    holder_kinds()
                );
                if !stale.is_empty() {
                    let list: Vec<String> = stale.iter().map(|(r, why)| format!("{} ({why})", r.label())).collect();
                    m.push_str(&format!("; AWS lists its rule(s) {} as stale", list.join(", ")));
                }
                if let Some(vpcs) = from_peers.get(group.id.as_str()) {
                    m.push_str(&format!(
                        "; rules in peered VPC(s) {} reference it: revoke them there first, AWS refuses the delete \
                         until then",
                        vpcs.join(", ")
                    ));
                }
                if unconfirmed {
                    m.push_str(&format!("; unconfirmed: {}", ctx.membership_gap_text(&group.region)));
                }
                m
            },
            evidence: referencing
                .iter()
                .map(|r| Evidence::rule(r, format!("{} references the unused group", group_label(ctx, &r.group_id))))
                .chain(stale.iter().map(|(r, why)| Evidence::rule(r, format!("AWS lists this rule as stale: {why}"))))
                .collect(),
            remediation: Remediation {
                summary: if unconfirmed {
                    "Confirm the group is unused once the failed calls succeed; then revoke the rules that reference it, and delete it.".to_string()
                } else {
                    "Revoke the rules that reference the group, then delete it.".to_string()
                },
                commands,
            },
            confidence: unconfirmed.then_some(crate::engine::Confidence::Unconfirmed),
        };
        super::traffic_common::group_evidence(ctx, group, &mut body);
        out.report(body);
    }
    if reported {
        out.note(UNREAD_HOLDERS.to_string());
    }
}

/// The kinds of holder sgaudit reads, as the finding lists them.
fn holder_kinds() -> String {
    let nouns: Vec<&str> = HolderKind::ALL.iter().map(|k| k.noun()).collect();
    let (last, rest) = nouns.split_last().expect("kinds");
    format!("{} or {last}", rest.join(", "))
}

/// The rules of `group` that DescribeStaleSecurityGroups lists, with why: `references sg-… through pcx-…
/// (deleted)`.
fn stale_rules<'a>(ctx: &Context<'a>, group: &crate::model::SecurityGroup) -> Vec<(&'a crate::model::Rule, String)> {
    let Some(vpc) = group.vpc_id.as_deref() else { return Vec::new() };
    let listed = ctx.inventory.stale_checks.iter().filter(|c| c.region == group.region && c.vpc_id == vpc);
    let mut out = Vec::new();
    for s in listed.flat_map(|c| c.stale.iter()).filter(|s| s.group_id == group.id) {
        let through = match (&s.peering_connection_id, &s.peering_status) {
            (Some(p), Some(st)) => format!(" through {p} ({st})"),
            (Some(p), None) => format!(" through {p}"),
            _ => String::new(),
        };
        for r in ctx.rules(&group.id) {
            if r.direction == s.direction && r.peer.group_id() == Some(s.peer_group_id.as_str()) {
                out.push((*r, format!("references {}{through}", s.peer_group_id)));
            }
        }
    }
    out
}

/// The note a report with unused groups carries: the holders sgaudit does not read, so that "unused" is taken
/// for no more than it says.
const UNREAD_HOLDERS: &str = "unused-group reads no EventBridge Scheduler schedules, SageMaker notebook instances or \
     domains, EMR clusters, DMS replication instances, MWAA environments, App Runner VPC connectors or Elastic \
     Beanstalk environments (whose launch templates and auto-scaling groups it does read), and no infrastructure \
     code: a group only one of those names is reported unused";

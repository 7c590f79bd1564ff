use super::{group_label, revoke_command};
use crate::audit::{Context, Evidence, Finding, Remediation, Resource, Severity};
use crate::model::{Peer, ResourceKind, Rule};

declare_check! {
    /// ### What it does
    /// Finds rules that admit nothing or nothing new:
    /// - **stale**: the peer is a security group of this account that no longer exists, or that exists but
    ///   has no members (no interface, database or cache carries it);
    /// - **redundant**: another rule of the same group and direction admits everything this rule admits (a
    ///   wider protocol, a port range that contains it, a CIDR that contains it, or the same peer).
    ///
    /// Not reported: rules of groups that themselves have no members (the `unused-group` finding covers them),
    /// the default group's built-in self rule, and peers owned by another account (they cannot be verified). A
    /// peer with no members, in a region where a membership call failed, is reported `unconfirmed` (info,
    /// naming the failed calls, never counted for `--fail-on`); a peer that no longer exists stays low.
    ///
    /// ### Why is this bad?
    /// Rules that do nothing still read as intent. A rule admitting a deleted group is a trap: AWS keeps it,
    /// and a reviewer cannot tell what it was for. A redundant narrow rule next to a wide one hides the wide
    /// one's real reach: the reviewer sees `tcp 5432 from 10.0.1.0/24` and misses `tcp 0-65535 from 10.0.0.0/8`.
    ///
    /// ### Example
    /// ```text
    /// app-sg ingress: tcp 8080 from sg-0deleted          # stale: the group was deleted
    /// db-sg  ingress: tcp 5432 from 10.0.1.0/24           # redundant:
    /// db-sg  ingress: tcp 5400-5500 from 10.0.0.0/16      #   this one admits all of it
    /// ```
    ///
    /// ### Remediation
    /// Revoke the rule with the command given (`aws ec2 revoke-security-group-ingress` or `-egress` with its
    /// rule ID). For a redundant rule, decide first whether the wider rule is the one that should go.
    pub UNUSED_RULE,
    id: "unused-rule",
    title: "Rule that admits nothing, or nothing another rule does not",
    severity: Low,
    run: check,
}

fn check(ctx: &Context, out: &mut Vec<Finding>) {
    let account = ctx.inventory.account.as_deref();
    for group in &ctx.inventory.groups {
        if ctx.members(&group.id).is_empty() {
            continue;
        }
        let rules = ctx.rules(&group.id);
        for rule in rules {
            if let Some((reason, membership)) = stale(ctx, group.is_default(), rule, account) {
                // "No members" rests on every membership source; where one failed it is unconfirmed, info.
                if membership && !ctx.membership_gaps(&rule.region).is_empty() {
                    let reason = format!("stale: {reason}; unconfirmed: {}", ctx.membership_gap_text(&rule.region));
                    let mut f = finding(ctx, rule, Severity::Info, reason, None);
                    f.confidence = Some(crate::audit::Confidence::Unconfirmed);
                    out.push(f);
                } else {
                    out.push(finding(ctx, rule, Severity::Low, format!("stale: {reason}"), None));
                }
            }
        }
        for (i, rule) in rules.iter().enumerate() {
            // The first other rule that covers this one; of two identical rules the later one is reported.
            let cover = rules
                .iter()
                .enumerate()
                .find(|(j, other)| *j != i && other.covers(rule) && (!rule.covers(other) || *j < i));
            if let Some((_, other)) = cover {
                let reason = format!(
                    "redundant: {} ({} {} {}) already admits everything it admits",
                    other.label(),
                    other.traffic(),
                    other.direction.preposition(),
                    other.peer
                );
                out.push(finding(ctx, rule, Severity::Info, reason, Some(other)));
            }
        }
    }
}

/// Why a rule's peer is stale, and whether that rests on membership (a peer with no members) rather than on
/// the peer's existence.
fn stale(ctx: &Context, group_is_default: bool, rule: &Rule, account: Option<&str>) -> Option<(String, bool)> {
    let Peer::Group { id, owner_id, .. } = &rule.peer else { return None };
    if let (Some(owner), Some(account)) = (owner_id.as_deref(), account) {
        if owner != account {
            return None;
        }
    }
    if group_is_default && id == &rule.group_id {
        return None;
    }
    if ctx.inventory.failed(&rule.region, "DescribeSecurityGroups") {
        return None;
    }
    match ctx.group(id) {
        None => Some((format!("peer group {id} no longer exists"), false)),
        Some(peer) if ctx.members(&peer.id).is_empty() => {
            Some((format!("peer group {} has no members", group_label(ctx, id)), true))
        }
        Some(_) => None,
    }
}

fn finding(ctx: &Context, rule: &Rule, severity: Severity, reason: String, cover: Option<&Rule>) -> Finding {
    let mut evidence = vec![Evidence::rule(rule, reason.clone())];
    let mut rule_ids = vec![rule.label()];
    if let Some(other) = cover {
        rule_ids.push(other.label());
        evidence.push(Evidence::rule(other, "the covering rule".to_string()));
    }
    Finding {
        id: String::new(),
        account: None,
        check: UNUSED_RULE.id.to_string(),
        severity,
        region: rule.region.clone(),
        resource: Resource { kind: ResourceKind::SecurityGroupRule, id: rule.label(), name: None },
        group_ids: vec![rule.group_id.clone()],
        rule_ids,
        message: format!(
            "{} rule {} of {} ({} {} {}) is {reason}",
            rule.direction.as_str(),
            rule.label(),
            group_label(ctx, &rule.group_id),
            rule.traffic(),
            rule.direction.preposition(),
            rule.peer
        ),
        evidence,
        remediation: Remediation { summary: "Revoke the rule.".to_string(), commands: vec![revoke_command(rule)] },
        suppressed: None,
        confidence: None,
    }
}

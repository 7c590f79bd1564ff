use super::traffic_common::rule_evidence;
use super::{group_label, revoke_command};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::model::{Peer, ResourceKind, Rule, SecurityGroup};

declare_check! {
    /// ### What it does
    /// Finds rules that admit nothing or nothing new:
    /// - **stale**: the peer is a security group of this account that no longer exists, or that exists but
    ///   has no members (no interface, database or cache carries it);
    /// - **redundant**: another rule of the same group and direction admits everything this rule admits (a
    ///   wider protocol, a port range that contains it, a CIDR that contains it, or the same peer).
    ///
    /// A peer group of another account, or of a VPC this audit did not read, is stale only when AWS says so:
    /// DescribeStaleSecurityGroups, asked for every VPC with such references, lists it (a deleted group, or a
    /// peering connection no longer active). Where that answer is missing, the report's notes say the rule
    /// cannot be verified; it is never a finding on a guess.
    ///
    /// Not reported: rules of groups that themselves have no members (the `unused-group` finding covers them),
    /// and the default group's built-in self rule. A
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

fn check(ctx: &Context, out: &mut Findings) {
    for note in unverified_references(ctx.inventory) {
        out.note(note);
    }
    let account = ctx.inventory.account.as_deref();
    for group in &ctx.inventory.groups {
        if ctx.members(&group.id).is_empty() {
            continue;
        }
        let rules = ctx.rules(&group.id);
        for rule in rules {
            if let Some((reason, membership)) = stale(ctx, group, rule, account) {
                // "No members" rests on every membership source; where one failed it is unconfirmed, info.
                if membership && !ctx.membership_gaps(&rule.region).is_empty() {
                    let reason = format!("stale: {reason}; unconfirmed: {}", ctx.membership_gap_text(&rule.region));
                    let mut f = finding(group, rule, Severity::Info, reason, None);
                    f.confidence = Some(crate::engine::Confidence::Unconfirmed);
                    rule_evidence(ctx, rule, &mut f);
                    out.report(f);
                } else {
                    let mut f = finding(group, rule, Severity::Low, format!("stale: {reason}"), None);
                    rule_evidence(ctx, rule, &mut f);
                    out.report(f);
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
                let mut f = finding(group, rule, Severity::Info, reason, Some(other));
                rule_evidence(ctx, rule, &mut f);
                out.report(f);
            }
        }
    }
}

/// Why a rule's peer is stale, and whether that rests on membership (a peer with no members) rather than on
/// the peer's existence.
fn stale(ctx: &Context, group: &SecurityGroup, rule: &Rule, account: Option<&str>) -> Option<(String, bool)> {
    let Peer::Group { id, .. } = &rule.peer else { return None };
    let own_vpc = group.vpc_id.as_deref();
    let peer = ctx.group(id);
    if crosses(rule, account, peer.is_some(), own_vpc) {
        // Only AWS can tell: its answer for the rule's VPC, when it was asked; otherwise a note, never a guess.
        let own_vpc = own_vpc?;
        let check = ctx.inventory.stale_checks.iter().find(|c| c.region == rule.region && c.vpc_id == own_vpc)?;
        let hit = check
            .stale
            .iter()
            .find(|s| s.group_id == rule.group_id && &s.peer_group_id == id && s.direction == rule.direction)?;
        let through = match (&hit.peering_connection_id, &hit.peering_status) {
            (Some(pcx), Some(status)) => format!(" (peering connection {pcx} is {status})"),
            (Some(pcx), None) => format!(" (through {pcx})"),
            _ => String::new(),
        };
        return Some((format!("AWS reports the reference to {id} stale{through}"), false));
    }
    if group.is_default() && id == &rule.group_id {
        return None;
    }
    if ctx.inventory.failed(&rule.region, "DescribeSecurityGroups") {
        return None;
    }
    match peer {
        None => Some((format!("peer group {id} no longer exists"), false)),
        Some(peer) if ctx.members(&peer.id).is_empty() => {
            Some((format!("peer group {} has no members", group_label(ctx, id)), true))
        }
        Some(_) => None,
    }
}

/// Whether a rule's peer group belongs to another account, or to another VPC this audit did not read: its
/// existence and members are then not this audit's to judge.
fn crosses(rule: &Rule, account: Option<&str>, peer_known: bool, own_vpc: Option<&str>) -> bool {
    let Peer::Group { owner_id, vpc_id, .. } = &rule.peer else { return false };
    let other_account = matches!((owner_id.as_deref(), account), (Some(o), Some(a)) if o != a);
    let other_vpc = !peer_known && vpc_id.is_some() && own_vpc.is_some() && vpc_id.as_deref() != own_vpc;
    other_account || other_vpc
}

/// Rules whose peer is in another account or an unread VPC and that AWS's stale answer does not cover (never
/// asked, or the call failed): the report's notes list them as not verified, never as findings.
pub fn unverified_references(inv: &crate::model::Inventory) -> Vec<String> {
    let account = inv.account.as_deref();
    let known: rustc_hash::FxHashSet<&str> = inv.groups.iter().map(|g| g.id.as_str()).collect();
    let checked: rustc_hash::FxHashSet<(&str, &str)> =
        inv.stale_checks.iter().map(|c| (c.region.as_str(), c.vpc_id.as_str())).collect();
    let vpc_of: rustc_hash::FxHashMap<&str, &str> =
        inv.groups.iter().filter_map(|g| Some((g.id.as_str(), g.vpc_id.as_deref()?))).collect();
    let mut out = Vec::new();
    for rule in &inv.rules {
        let Peer::Group { id, .. } = &rule.peer else { continue };
        let vpc = vpc_of.get(rule.group_id.as_str()).copied();
        if !crosses(rule, account, known.contains(id.as_str()), vpc) {
            continue;
        }
        let vpc = vpc.unwrap_or("its VPC");
        if checked.contains(&(rule.region.as_str(), vpc)) {
            continue;
        }
        out.push(format!(
            "{}: {} rule {} of {} references {} ({}), which this audit cannot see; whether it is stale cannot be \
             verified: AWS's answer for {vpc} (DescribeStaleSecurityGroups) is missing",
            rule.region,
            rule.direction.as_str(),
            rule.label(),
            rule.group_id,
            rule.peer,
            if matches!(&rule.peer, Peer::Group { owner_id: Some(o), .. } if Some(o.as_str()) != account) {
                "another account"
            } else {
                "another VPC"
            }
        ));
    }
    out
}

fn finding(group: &SecurityGroup, rule: &Rule, severity: Severity, reason: String, cover: Option<&Rule>) -> Body {
    // Each piece is written once and shared by the message and the evidence.
    let label = rule.label();
    let evidence_of_rule = Evidence::rule(rule, reason);
    let message = format!(
        "{} rule {label} of {} ({}) ({} {} {}) is {}",
        rule.direction.as_str(),
        group.id,
        group.name,
        evidence_of_rule.traffic.as_deref().unwrap_or_default(),
        rule.direction.preposition(),
        evidence_of_rule.peer.as_deref().unwrap_or_default(),
        evidence_of_rule.detail
    );
    let mut evidence = vec![evidence_of_rule];
    let mut rule_ids = vec![label.clone()];
    if let Some(other) = cover {
        rule_ids.push(other.label());
        evidence.push(Evidence::rule(other, "the covering rule".to_string()));
    }
    Body {
        severity,
        region: rule.region.clone(),
        resource: Resource { kind: ResourceKind::SecurityGroupRule, id: label, name: None },
        group_ids: vec![rule.group_id.clone()],
        rule_ids,
        message,
        evidence,
        remediation: Remediation { summary: "Revoke the rule.".to_string(), commands: vec![revoke_command(rule)] },
        confidence: None,
    }
}

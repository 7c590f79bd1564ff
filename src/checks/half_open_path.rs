use super::group_label;
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::flow::{union_covers, Network, Party, Traffic};
use crate::model::{Direction, Peer, PortRange, Protocol, ResourceKind, Rule};

declare_check! {
    /// ### What it does
    /// Finds flows that one half allows and the other does not. Security groups are stateful, but each
    /// connection still needs two rules: the source's egress and the destination's ingress. This check reports
    ///
    /// * an ingress rule admitting group S (by reference) whose traffic S's egress rules do not send to the
    ///   group's members, in whole or in part; and
    /// * an egress rule sending to group D (by reference) of which D's ingress rules admit nothing from S.
    ///
    /// Only group references between groups of the inventory that both have members are checked: a rule
    /// naming a group without members is `unused-rule`'s finding. Egress is judged per set of member groups,
    /// so a member whose other group's egress completes the flow counts as complete. The finding spells out
    /// the missing rule as an AWS CLI command.
    ///
    /// ### Why is this bad?
    /// It is a connectivity bug, not an exposure: the flow someone meant to allow does not work, and the
    /// half that exists misleads whoever reads the rules ("the database admits the Lambda group, so the
    /// Lambda can connect"). It is what ops staff troubleshoot as "why can't the backend reach the
    /// database?", and it tends to get fixed in a hurry with an all-traffic rule.
    ///
    /// ### Example
    /// ```text
    /// rds-sg    ingress: tcp 5432 from lambda-sg
    /// lambda-sg egress:  tcp 443 to 0.0.0.0/0           # the default egress was replaced: 5432 never leaves
    /// ```
    /// Use instead:
    /// ```text
    /// lambda-sg egress:  tcp 5432 to rds-sg
    /// ```
    ///
    /// ### Remediation
    /// Add the missing half (the finding gives the command), or, if the flow is no longer wanted, revoke the
    /// half that exists.
    pub HALF_OPEN_PATH,
    id: "half-open-path",
    title: "Flow allowed by one half only (ingress without egress, or egress without ingress)",
    severity: Info,
    run: check,
}

/// Classes of `group` whose members open connections, as sources.
fn sources<'n, 'a>(net: &'n Network<'a>, group: &str) -> Vec<&'n Party<'a>> {
    net.classes_of_group(group)
        .iter()
        .filter(|&&c| net.classes()[c].opens)
        .map(|&c| net.classes()[c].as_source())
        .collect()
}

fn targets<'n, 'a>(net: &'n Network<'a>, group: &str) -> Vec<&'n Party<'a>> {
    net.classes_of_group(group).iter().map(|&c| &net.classes()[c].party).collect()
}

/// The parts of `t` that `from`'s egress sends to `to`.
fn egress_parts(net: &Network, from: &Party, to: &Party, t: Traffic) -> Vec<Traffic> {
    from.groups
        .iter()
        .flat_map(|g| net.egress(g))
        .filter(|e| net.peer_matches(e, to))
        .filter_map(|e| Traffic::of(e).intersect(t))
        .collect()
}

/// The rule that completes `rule` on `group`, naming `peer_group`: in `group`'s own region, and with the
/// peer's owner when it is another account's (`UserId`), as AWS requires of such a reference.
fn mirror(ctx: &Context, rule: &Rule, group: &str, direction: Direction, peer_group: &str) -> Rule {
    let mine = ctx.network.group(group);
    let owner_id = ctx.network.reference_owner(group, peer_group);
    Rule {
        id: None,
        group_id: group.to_string(),
        region: mine.map_or_else(|| rule.region.clone(), |g| g.region.clone()),
        direction,
        protocol: rule.protocol,
        ports: rule.ports,
        peer: Peer::Group { id: peer_group.to_string(), owner_id, vpc_id: None },
        description: String::new(),
    }
}

fn check(ctx: &Context, out: &mut Findings) {
    let net = &ctx.network;
    // Per class: whether an egress rule sends all traffic to 0.0.0.0/0 (the default), which completes every
    // flow to a member with an IPv4 address. Worked out once per class, not once per rule.
    let open_egress: Vec<bool> = net
        .classes()
        .iter()
        .map(|c| {
            c.party.groups.iter().flat_map(|g| net.egress(g)).any(|e| {
                e.protocol == crate::model::Protocol::All && matches!(e.peer, Peer::Ipv4(n) if n.prefix_len() == 0)
            })
        })
        .collect();
    for rule in &ctx.inventory.rules {
        let Some(peer) = rule.peer.group_id() else { continue };
        if net.group(peer).is_none() || net.group(&rule.group_id).is_none() {
            continue;
        }
        match rule.direction {
            Direction::Ingress => ingress_without_egress(ctx, &open_egress, rule, peer, out),
            Direction::Egress => egress_without_ingress(ctx, rule, peer, out),
        }
    }
}

fn ingress_without_egress(ctx: &Context, open_egress: &[bool], rule: &Rule, source_group: &str, out: &mut Findings) {
    let net = &ctx.network;
    let (srcs, dsts) = (net.classes_of_group(source_group), net.classes_of_group(&rule.group_id));
    if dsts.is_empty() {
        return;
    }
    let t = Traffic::of(rule);
    // The first source class whose egress does not carry the whole of the rule's traffic to some member.
    // The default all-traffic egress covers it: that is checked before any list is built.
    let broken = srcs.iter().filter(|&&s| net.classes()[s].opens).find_map(|&s| {
        let from = net.classes()[s].as_source();
        dsts.iter().find_map(|&d| {
            let to = &net.classes()[d].party;
            let has_v4 = to.unaddressed || to.addresses.first().is_some_and(|a| a.is_ipv4());
            if open_egress[s] && has_v4 && to.region == from.region {
                return None;
            }
            let parts = egress_parts(net, from, to, t);
            (!union_covers(t, &parts)).then_some(parts)
        })
    });
    let Some(parts) = broken else { return };
    let fix = mirror(ctx, rule, source_group, Direction::Egress, &rule.group_id);
    let sent = if parts.is_empty() {
        "sends none of it there".to_string()
    } else {
        format!("sends only {} there", parts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    };
    let message = format!(
        "{} admits {t} from {} through {}, but {}'s egress {sent}: the connection never leaves the source. Missing: egress {t} to {}",
        group_label(ctx, &rule.group_id),
        group_label(ctx, source_group),
        rule.label(),
        group_label(ctx, source_group),
        rule.group_id,
    );
    push(ctx, rule, source_group, message, fix, out);
}

fn egress_without_ingress(ctx: &Context, rule: &Rule, dest_group: &str, out: &mut Findings) {
    let net = &ctx.network;
    let (srcs, dsts) = (sources(net, &rule.group_id), targets(net, dest_group));
    if srcs.is_empty() || dsts.is_empty() {
        return;
    }
    let t = Traffic::of(rule);
    let admitted = srcs.iter().any(|s| {
        dsts.iter().any(|d| {
            d.groups
                .iter()
                .flat_map(|g| net.ingress(g))
                .any(|i| Traffic::of(i).intersect(t).is_some() && net.peer_matches(i, s))
        })
    });
    if admitted {
        return;
    }
    let mut fix = mirror(ctx, rule, dest_group, Direction::Ingress, &rule.group_id);
    // An all-traffic egress rule says nothing about the port: suggest the destination's database port when
    // it has one, else the rule as it is.
    if rule.protocol == Protocol::All {
        let port = ctx.members(dest_group).iter().find_map(|m| match m {
            crate::engine::Member::Datastore(d) => d.effective_port(),
            _ => None,
        });
        if let Some(p) = port {
            fix.protocol = Protocol::Tcp;
            fix.ports = PortRange::single(p);
        }
    }
    let message = format!(
        "{} sends {t} to {} through {}, but no ingress rule of {} admits any of it from {}. Missing: ingress {} from {}",
        group_label(ctx, &rule.group_id),
        group_label(ctx, dest_group),
        rule.label(),
        group_label(ctx, dest_group),
        rule.group_id,
        Traffic::of(&fix),
        rule.group_id,
    );
    push(ctx, rule, dest_group, message, fix, out);
}

fn push(ctx: &Context, rule: &Rule, other: &str, message: String, fix: Rule, out: &mut Findings) {
    let half = match rule.direction {
        Direction::Ingress => "egress",
        Direction::Egress => "ingress",
    };
    out.report(Body {
        severity: Severity::Info,
        region: rule.region.clone(),
        resource: Resource { kind: ResourceKind::SecurityGroupRule, id: rule.label(), name: None },
        group_ids: vec![rule.group_id.clone(), other.to_string()],
        rule_ids: vec![rule.label()],
        message,
        evidence: vec![Evidence::rule(
            rule,
            format!(
                "the {} half exists; the {half} half on {} does not",
                rule.direction.as_str(),
                group_label(ctx, other)
            ),
        )],
        remediation: Remediation {
            summary: format!("Add the missing {half} rule if the flow is wanted; otherwise revoke {}.", rule.label()),
            commands: vec![fix.authorize_command()],
        },
        confidence: None,
    });
}

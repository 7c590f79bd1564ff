use super::traffic_common::{count, judge_covered, use_text, window_text};
use super::{group_label, revoke_command, DATABASE_PORTS};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::flowlog::covering;
use crate::model::{Direction, Peer, Protocol, ResourceKind, Rule};
use ipnet::IpNet;

/// The most prefixes a narrowed rule proposes.
const MOST_PREFIXES: usize = 10;
/// A narrowing is proposed when the prefixes hold at most this share of the rule's addresses.
const NARROWER_BY: u128 = 16;

declare_check! {
    /// ### What it does
    /// With flow logs (`--flow-logs`), finds ingress rules that admit a public CIDR, or a range of more than 256
    /// addresses, whose accepted traffic in the window came from a few sources: at most 10 prefixes (each
    /// source alone, or the closest ones merged) that hold at most a sixteenth of the rule's addresses. It names
    /// the sources and proposes the narrowed rule.
    ///
    /// It is raised only where the logs cover the group as `no-traffic-rule` requires (every member interface
    /// logged for the whole window, the VPC as a whole), and only when every source was kept (at most 256
    /// distinct ones per rule).
    ///
    /// ### Why is this bad?
    /// A rule open to the world or to a whole private range, used by three partner addresses, admits everyone
    /// else too: every scanner on the internet, every compromised host in the range. The traffic shows what
    /// the rule is really for.
    ///
    /// ### Example
    /// ```text
    /// sgr-0b2 of sg-0db (reports-db)  tcp/5432 from 0.0.0.0/0
    ///   accepted traffic in 30 days came from 2 sources: 198.51.100.7 (1,204 records), 203.0.113.9 (88)
    /// ```
    ///
    /// ### Remediation
    /// Run the commands given, in order: they authorize the same protocol and ports from the sources seen,
    /// then revoke the broad rule. Check first that no other client needs it less often than the window.
    pub BROAD_RULE_NARROW_USE,
    id: "broad-rule-narrow-use",
    title: "Broad rule whose accepted traffic came from a few sources",
    severity: Low,
    run: check,
}

fn check(ctx: &Context, out: &mut Findings) {
    let pick = |ev: &crate::flowlog::Evidence, group: &crate::model::SecurityGroup| {
        ctx.rules(&group.id)
            .iter()
            .filter(|r| r.direction == Direction::Ingress && crate::flowlog::is_broad(r))
            .filter_map(|r| narrowing(ev.use_of(ctx.inventory, r)?, r).map(|(nets, seen)| (*r, nets, seen)))
            .collect::<Vec<(&Rule, Vec<IpNet>, String)>>()
    };
    let what = "broad rule(s) used by few sources";
    judge_covered(ctx, out, BROAD_RULE_NARROW_USE.id, what, pick, |ev, group, covered, (rule, nets, seen), out| {
        let peers: Vec<Peer> = nets
            .iter()
            .map(|n| match n {
                IpNet::V4(n) => Peer::Ipv4(*n),
                IpNet::V6(n) => Peer::Ipv6(*n),
            })
            .collect();
        let list: Vec<String> = nets.iter().map(ToString::to_string).collect();
        let carried = ev.use_of(ctx.inventory, rule).map(use_text).unwrap_or_default();
        out.report(Body {
            severity: if on_database_port(rule) { Severity::Medium } else { Severity::Low },
            region: rule.region.clone(),
            resource: Resource { kind: ResourceKind::SecurityGroupRule, id: rule.label(), name: None },
            group_ids: vec![group.id.clone()],
            rule_ids: vec![rule.label()],
            message: format!(
                "{} of {} admits {} on {}, but its accepted traffic in {} came from {}",
                rule.label(),
                group_label(ctx, &group.id),
                rule.peer,
                rule.traffic(),
                window_text(ev, covered),
                seen
            ),
            evidence: vec![
                Evidence::rule(rule, format!("flow logs {}: {carried}", ev.window.text())),
                Evidence::rule(rule, format!("narrowed, it would admit {}", list.join(", "))),
            ],
            remediation: Remediation {
                summary: format!(
                    "Admit {} only from {}, then revoke {}.",
                    rule.traffic(),
                    list.join(", "),
                    rule.label()
                ),
                commands: vec![rule.authorize_command_for(&peers), revoke_command(rule)],
            },
            confidence: None,
        });
    });
}

/// The prefixes a rule could be narrowed to, and the sources as the message names them; `None` when the
/// sources are too many or too spread out.
fn narrowing(u: &crate::flowlog::RuleUse, rule: &Rule) -> Option<(Vec<IpNet>, String)> {
    if u.more_peers || u.peers.is_empty() {
        return None;
    }
    let net = rule.peer.cidr()?;
    let addrs: Vec<std::net::IpAddr> = u.peers.keys().copied().collect();
    let nets = covering(&addrs, MOST_PREFIXES);
    if nets.is_empty() {
        return None;
    }
    let size = |n: &IpNet| 1u128.checked_shl(u32::from(n.max_prefix_len() - n.prefix_len())).unwrap_or(u128::MAX);
    let held: u128 = nets.iter().map(size).fold(0, u128::saturating_add);
    if held.saturating_mul(NARROWER_BY) > size(&net) {
        return None;
    }
    let mut by_count: Vec<(&std::net::IpAddr, &u64)> = u.peers.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let named: Vec<String> = by_count
        .iter()
        .take(5)
        .map(|(a, n)| format!("{a} ({} record{})", count(**n), if **n == 1 { "" } else { "s" }))
        .collect();
    let rest = if by_count.len() > 5 { format!(" and {} more", by_count.len() - 5) } else { String::new() };
    Some((nets, format!("{} source(s): {}{rest}", by_count.len(), named.join(", "))))
}

/// Whether the rule admits a database port over TCP.
fn on_database_port(rule: &Rule) -> bool {
    matches!(rule.protocol, Protocol::Tcp | Protocol::All)
        && DATABASE_PORTS.iter().any(|p| rule.ports.from <= p.to && p.from <= rule.ports.to)
}

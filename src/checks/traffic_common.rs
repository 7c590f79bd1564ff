//! What the traffic checks share: whether the flow logs cover a group, and how its evidence reads.

use crate::engine::{Context, Findings, Member};
use crate::flowlog::{Evidence, RuleUse};
use crate::model::SecurityGroup;

/// Groups whose gaps are listed one by one in the notes; the rest are counted.
const GAPS_LISTED: usize = 20;

/// A group the logs cover: its member interfaces, all logged for the whole window.
pub(crate) struct Covered {
    pub(crate) interfaces: usize,
}

/// Whether every member of `group` was logged for the whole window, and its VPC as a whole; else the gaps.
/// `Ok(None)` when the group has no member interface to judge by.
pub(crate) fn coverage(ctx: &Context, ev: &Evidence, group: &SecurityGroup) -> Result<Option<Covered>, Vec<String>> {
    let inv = ctx.inventory;
    let mut gaps = Vec::new();
    let mut interfaces = 0;
    for m in ctx.members(&group.id) {
        match m {
            Member::Interface(eni) => {
                interfaces += 1;
                gaps.extend(ev.interface_gap(inv, eni));
            }
            Member::Datastore(d) if ctx.network.datastore_interfaces(d).is_empty() => {
                gaps.push(format!("{} {} has no network interface sgaudit can see, so no log", d.kind, d.id));
            }
            Member::Datastore(_) | Member::Holder(_) => {}
        }
    }
    if interfaces == 0 && gaps.is_empty() {
        return Ok(None);
    }
    if let Some(vpc) = group.vpc_id.as_deref() {
        gaps.extend(ev.vpc_gap(inv, &group.region, vpc));
    }
    if gaps.is_empty() {
        Ok(Some(Covered { interfaces }))
    } else {
        Err(gaps)
    }
}

/// What both traffic checks do: for each group, `pick` chooses the rules worth a verdict; where the logs cover
/// the group, `judge` reports on each, elsewhere one note says why not (`what` names them after their count:
/// "rule(s) with no traffic seen").
pub(crate) fn judge_covered<T>(
    ctx: &Context,
    out: &mut Findings,
    check: &str,
    what: &str,
    pick: impl Fn(&Evidence, &SecurityGroup) -> Vec<T>,
    mut judge: impl FnMut(&Evidence, &SecurityGroup, &Covered, T, &mut Findings),
) {
    let Some(ev) = ctx.traffic else { return };
    let mut notes = GapNotes::default();
    for group in &ctx.inventory.groups {
        let picked = pick(ev, group);
        if picked.is_empty() {
            continue;
        }
        let Some(covered) = notes.covered(ctx, ev, group, &format!("{} {what}", picked.len())) else { continue };
        for item in picked {
            judge(ev, group, &covered, item, out);
        }
    }
    for note in notes.finish(check) {
        out.note(note);
    }
}

/// Collects the notes of groups without evidence: the first ones named, the rest counted.
#[derive(Default)]
pub(crate) struct GapNotes {
    notes: Vec<String>,
    more: usize,
}

impl GapNotes {
    /// A group whose `what` (e.g. "2 rules without traffic") cannot be judged, and why.
    pub(crate) fn add(&mut self, ctx: &Context, group: &SecurityGroup, what: &str, gaps: &[String]) {
        if self.notes.len() >= GAPS_LISTED {
            self.more += 1;
            return;
        }
        let shown: Vec<&str> = gaps.iter().take(3).map(String::as_str).collect();
        let rest = if gaps.len() > 3 { format!("; and {} more", gaps.len() - 3) } else { String::new() };
        self.notes.push(format!(
            "no flow-log evidence for {what} of {}: {}{rest}",
            super::group_label(ctx, &group.id),
            shown.join("; ")
        ));
    }

    /// The coverage of `group` when the logs cover it; else `None`, with a note (naming `what` could not be
    /// judged) when the group has members to judge by.
    pub(crate) fn covered(
        &mut self,
        ctx: &Context,
        ev: &Evidence,
        group: &SecurityGroup,
        what: &str,
    ) -> Option<Covered> {
        match coverage(ctx, ev, group) {
            Ok(covered) => covered,
            Err(gaps) => {
                self.add(ctx, group, what, &gaps);
                None
            }
        }
    }

    /// The notes, in order.
    pub(crate) fn finish(self, check: &str) -> Vec<String> {
        let mut notes = self.notes;
        if self.more > 0 {
            notes.push(format!("{check}: {} more group(s) without full flow-log coverage", self.more));
        }
        notes
    }
}

/// `1,234` or `1.2 M`.
pub(crate) fn count(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} M", n as f64 / 1e6)
    } else if n >= 1_000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

/// `30 days of flow logs (2026-11-07 → 2026-12-07; 4 of 4 member interfaces logged; 1.2 M records read)`.
pub(crate) fn window_text(ev: &Evidence, covered: &Covered) -> String {
    format!(
        "{} days of flow logs ({}; {} of {} member interface(s) logged; {} records read)",
        ev.window.days(),
        ev.window.text(),
        covered.interfaces,
        covered.interfaces,
        count(ev.counts.records)
    )
}

/// One line of what a rule carried: `12 accepted record(s) from 2 peer(s) (198.51.100.7 ×6, 203.0.113.9 ×2) on
/// port(s) 443, first 2026-11-12, last 2026-11-12`.
pub(crate) fn use_text(u: &RuleUse) -> String {
    let mut peers: Vec<(&std::net::IpAddr, &u64)> = u.peers.iter().collect();
    peers.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = peers.iter().take(3).map(|(a, n)| format!("{a} ×{}", count(**n))).collect();
    let more = if u.more_peers || peers.len() > 3 { ", …" } else { "" };
    let many = if u.more_peers { format!("more than {}", u.peers.len()) } else { u.peers.len().to_string() };
    let ports: Vec<String> = u.ports.keys().map(ToString::to_string).collect();
    let on = if ports.is_empty() { String::new() } else { format!(" on port(s) {}", ports.join(", ")) };
    let when = if u.first > 0 {
        format!(", first {}, last {}", crate::flowlog::date(u.first), crate::flowlog::date(u.last))
    } else {
        String::new()
    };
    format!("{} accepted record(s) from {many} peer(s) ({}{more}){on}{when}", count(u.records), top.join(", "))
}

/// Adds what the flow logs say of `rule` to a finding about it: that it carried accepted traffic (in the
/// message too, so that no rule that carried traffic is called stale or redundant silently), or that its
/// fully logged group shows none.
pub(crate) fn rule_evidence(ctx: &Context, rule: &crate::model::Rule, body: &mut crate::engine::Body) {
    let Some(ev) = ctx.traffic else { return };
    match ev.use_of(ctx.inventory, rule) {
        Some(u) => {
            let text = format!("flow logs {}: it carried traffic ({})", ev.window.text(), use_text(u));
            body.message.push_str(&format!(
                "; yet it carried accepted traffic in {} ({})",
                ev.window.text(),
                use_text(u)
            ));
            body.evidence.push(crate::engine::Evidence::rule(rule, text));
        }
        None => {
            let covered = ctx.group(&rule.group_id).is_some_and(|g| matches!(coverage(ctx, ev, g), Ok(Some(_))));
            if covered {
                body.evidence.push(crate::engine::Evidence::rule(
                    rule,
                    format!("flow logs {}: no accepted traffic, every member logged", ev.window.text()),
                ));
            }
        }
    }
}

/// Adds what the flow logs say of a group with no members: whether its rules admitted accepted traffic of
/// interfaces no longer in the account.
pub(crate) fn group_evidence(ctx: &Context, group: &SecurityGroup, body: &mut crate::engine::Body) {
    let Some(ev) = ctx.traffic else { return };
    let records: u64 = ctx.rules(&group.id).iter().filter_map(|r| ev.use_of(ctx.inventory, r)).map(|u| u.records).sum();
    if records > 0 {
        body.message.push_str(&format!(
            "; its rules could have admitted {} accepted record(s) in {} (of interfaces no longer in the account)",
            count(records),
            ev.window.text()
        ));
        body.evidence.push(crate::engine::Evidence::fact(
            &group.id,
            format!(
                "flow logs {}: {} accepted record(s) its rules could have admitted",
                ev.window.text(),
                count(records)
            ),
        ));
    }
}

use super::traffic_common::{judge_covered, window_text};
use super::{group_label, revoke_command};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource};
use crate::model::ResourceKind;

declare_check! {
    /// ### What it does
    /// With flow logs (`--flow-logs`), finds rules that admitted no accepted traffic during the window: no
    /// ACCEPT record on a member interface of the group could have been admitted by the rule, read every way
    /// the record allows (request or reply, either side, original or translated addresses).
    ///
    /// It is raised only where the logs prove it: every member interface of the group was logged for the whole
    /// window (a flow log on the interface, its subnet or its VPC, recording accepted traffic, created before
    /// the window started, read without error, with records spanning the window and no SKIPDATA), and the
    /// group's VPC was logged as a whole (so members that came and went during the window were logged too).
    /// Otherwise the report's notes name the gap ("no flow-log evidence for … : eni-… was not logged").
    ///
    /// ### Why is this bad?
    /// The rule people most want to delete admits real members and has carried nothing for months: a
    /// partner's old address, the port of a retired service, a debugging rule nobody revoked. It widens what an
    /// attacker inside the network can reach, and nobody can say what it is for. Without evidence it cannot be
    /// deleted safely, because a wrong delete is an outage.
    ///
    /// ### Example
    /// ```text
    /// sgr-0a1 of sg-0db (orders-db)  tcp/5432 from 10.20.0.0/16
    ///   admitted no accepted traffic in 30 days of flow logs (2026-11-07 → 2026-12-07;
    ///   4 of 4 member interfaces logged; 1.2 M records read)
    /// ```
    ///
    /// ### Remediation
    /// Revoke the rule with the command given, after checking that nothing needs it less often than the
    /// window (a quarterly batch, a disaster-recovery path): widen the window with `--flow-logs-days` when in
    /// doubt.
    pub NO_TRAFFIC_RULE,
    id: "no-traffic-rule",
    title: "Rule that admitted no accepted traffic in the flow-log window",
    severity: Low,
    run: check,
}

fn check(ctx: &Context, out: &mut Findings) {
    let pick = |ev: &crate::flowlog::Evidence, group: &crate::model::SecurityGroup| {
        ctx.rules(&group.id).iter().copied().filter(|r| ev.use_of(ctx.inventory, r).is_none()).collect::<Vec<_>>()
    };
    let what = "rule(s) with no traffic seen";
    judge_covered(ctx, out, NO_TRAFFIC_RULE.id, what, pick, |ev, group, covered, rule, out| {
        out.report(Body {
            severity: NO_TRAFFIC_RULE.default_severity,
            region: rule.region.clone(),
            resource: Resource { kind: ResourceKind::SecurityGroupRule, id: rule.label(), name: None },
            group_ids: vec![group.id.clone()],
            rule_ids: vec![rule.label()],
            message: format!(
                "{} of {}, {} {} {}, admitted no accepted traffic in {}",
                rule.label(),
                group_label(ctx, &group.id),
                rule.traffic(),
                rule.direction.preposition(),
                rule.peer,
                window_text(ev, covered)
            ),
            evidence: vec![Evidence::rule(
                rule,
                format!("no accepted flow-log record in {} could have been admitted by it", ev.window.text()),
            )],
            remediation: Remediation {
                summary: format!(
                    "Revoke {} unless something needs it less often than every {} days.",
                    rule.label(),
                    ev.window.days()
                ),
                commands: vec![revoke_command(rule)],
            },
            confidence: None,
        });
    });
}

use super::policy_common::{node_id, region, source_tier, tier_of};
use super::revoke_command;
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::flow::{union_covers, Node, Traffic};
use crate::model::ResourceKind;

declare_check! {
    /// ### What it does
    /// Runs only with `--policy FILE`. Lists every actual flow between two tiers of the policy (or from the
    /// internet to a tier) that no `[[allow]]` entry of the policy allows, in whole or in part: the tiers
    /// can talk on ports the design never intended, or talk at all where the design has no arrow.
    ///
    /// A flow is actual when both halves exist (the source's egress and the destination's ingress rules
    /// admit it) and, from the internet, the destination has a reachable public address. Members are
    /// grouped by the set of groups they carry; a set belongs to the tier of its first group that a tier
    /// names. Groups outside every tier are not judged. Internal flows admitted only by rules open to every
    /// address (`0.0.0.0/0`, `::/0`) are left out: they are the internet flow's business, reported there.
    ///
    /// Severity: high for a flow from the internet or into a set holding a database or cache; medium
    /// otherwise.
    ///
    /// ### Why is this bad?
    /// The architecture document says "ALB → frontend → backend → database"; the rules say more. A load
    /// balancer that can reach the database directly, or a frontend that can open any port on the backend,
    /// is a path an attacker gets for free, and one no rule-by-rule check flags because each rule looks
    /// reasonable alone.
    ///
    /// ### Example
    /// ```text
    /// policy:  backend → database on 5432
    /// rds-sg ingress: tcp 5000-6000 from 10.0.0.0/16     # the whole VPC, the ALB included, on 1001 ports
    /// ```
    /// Use instead:
    /// ```text
    /// rds-sg ingress: tcp 5432 from backend-sg
    /// ```
    ///
    /// ### Remediation
    /// Narrow or revoke the rules that admit the flow (the finding gives the revoke commands of the ingress
    /// rules involved; re-add the allowed part narrowly if a rule also admits allowed traffic), or add the
    /// flow to the policy if it is intended.
    pub FLOW_NOT_IN_POLICY,
    id: "flow-not-in-policy",
    title: "Actual flow that the intended-flow policy does not allow",
    severity: Medium,
    run: check,
}

fn check(ctx: &Context, out: &mut Findings) {
    let Some(policy) = ctx.policy else { return };
    let net = &ctx.network;
    for edge in net.edges() {
        if edge.only_through_open_rules() {
            continue;
        }
        let (Some(from_tier), Some(to_tier)) = (source_tier(net, policy, edge), tier_of(net, policy, edge.to)) else {
            continue;
        };
        let allowed: Vec<Traffic> =
            policy.allowed(from_tier, to_tier).flat_map(|a| a.traffic.iter().copied()).collect();
        let extra: Vec<_> = edge.flows.iter().filter(|(_, _, t)| !union_covers(*t, &allowed)).collect();
        if extra.is_empty() {
            continue;
        }
        let to = Node::Class(edge.to);
        let (from_label, to_label) = (net.node_label(edge.from), net.node_label(to));
        let mut traffic: Vec<String> = Vec::new();
        for (_, _, t) in &extra {
            if !traffic.contains(&t.to_string()) {
                traffic.push(t.to_string());
            }
        }
        let allowed_text = if allowed.is_empty() {
            format!("no flow from {from_tier} to {to_tier}")
        } else {
            allowed.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        };
        let mut evidence = Vec::new();
        let mut rule_ids = Vec::new();
        let mut commands = Vec::new();
        let mut group_ids: Vec<String> = Vec::new();
        for (e, i, t) in &extra {
            if let Some(e) = e {
                evidence.push(Evidence::rule(e, format!("{from_label} may send {t} to {to_label}")));
                rule_ids.push(e.label());
            }
            evidence.push(Evidence::rule(i, format!("{to_label} admits {t} from {from_label}")));
            if !rule_ids.contains(&i.label()) {
                rule_ids.push(i.label());
                commands.push(revoke_command(i));
            }
            if !group_ids.contains(&i.group_id) {
                group_ids.push(i.group_id.clone());
            }
        }
        let holds_data = !net.classes()[edge.to].datastores.is_empty();
        let severity = if edge.from == Node::Internet || holds_data { Severity::High } else { Severity::Medium };
        out.report(Body {
            severity,
            region: region(net, edge.to),
            resource: Resource {
                kind: ResourceKind::Flow,
                id: format!("{} -> {}", node_id(net, edge.from), node_id(net, to)),
                name: Some(format!("{from_tier} -> {to_tier}")),
            },
            group_ids,
            rule_ids,
            message: format!(
                "{from_label}, tier {from_tier}, can reach {to_label}, tier {to_tier}, on {}, which the policy ({}) does not allow: it allows {allowed_text}",
                traffic.join(", "),
                policy.file,
            ),
            evidence,
            remediation: Remediation {
                summary: format!(
                    "Narrow or revoke the rule(s) admitting {} from {from_tier} to {to_tier}, or add the flow to the policy if it is intended.",
                    traffic.join(", ")
                ),
                commands,
            },
            confidence: None,
        });
    }
}

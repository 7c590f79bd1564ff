use super::policy_common::{region, source_tier, tier_of};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::flow::{ClassId, Node, Place, Want};
use crate::model::ResourceKind;
use crate::policy::INTERNET;

declare_check! {
    /// ### What it does
    /// Runs only with `--policy FILE`. For every `[[allow]]` entry of the policy, checks that the flow
    /// really works: for each allowed port or range, some member of the source tier (or the internet) can
    /// open a connection to some member of the destination tier, with both halves (egress and ingress) and,
    /// from the internet, a reachable public address. Reports the ports that no flow carries, with the
    /// missing rules spelled out as AWS CLI commands, and tiers that have no members at all.
    ///
    /// ### Why is this bad?
    /// A broken intended flow is an outage waiting for a deploy, or a sign that the policy and the account
    /// have drifted apart (a tier renamed, a rule moved to another group). Either way the policy no longer
    /// describes the account, and the other policy findings lose their meaning.
    ///
    /// ### Example
    /// ```text
    /// policy:    lambda → database on 5432
    /// lambda-sg egress: tcp 443 to 0.0.0.0/0          # the egress half is missing
    /// ```
    /// Use instead:
    /// ```text
    /// lambda-sg egress: tcp 5432 to rds-sg
    /// ```
    ///
    /// ### Remediation
    /// Add the missing rule (the finding gives the command), or correct the policy if the flow was retired.
    pub POLICY_FLOW_BROKEN,
    id: "policy-flow-broken",
    title: "Flow allowed by the intended-flow policy that does not work",
    severity: Low,
    run: check,
}

fn check(ctx: &Context, out: &mut Findings) {
    let Some(policy) = ctx.policy else { return };
    let net = &ctx.network;
    let edges = net.edges();
    let members = |tier: &str| -> Vec<ClassId> {
        (0..net.classes().len()).filter(|&c| tier_of(net, policy, c) == Some(tier)).collect()
    };
    for allow in &policy.allow {
        let targets = members(&allow.to);
        let sources = if allow.from == INTERNET { Vec::new() } else { members(&allow.from) };
        let region = targets
            .first()
            .map(|&c| region(net, c))
            .or_else(|| net.inventory().regions.first().cloned())
            .unwrap_or_default();
        let resource = Resource {
            kind: ResourceKind::Flow,
            id: format!("{} -> {}", allow.from, allow.to),
            name: Some(format!("{}:{}", policy.file, allow.line)),
        };
        let empty: Vec<&str> = [(&allow.from, &sources), (&allow.to, &targets)]
            .into_iter()
            .filter(|(t, m)| t.as_str() != INTERNET && m.is_empty())
            .map(|(t, _)| t.as_str())
            .collect();
        if !empty.is_empty() {
            out.report(finding(
                region,
                resource,
                format!(
                    "the policy allows {} (line {}), but tier(s) {} have no members in the inventory: no flow can work",
                    allow.describe(),
                    allow.line,
                    empty.join(", ")
                ),
                Vec::new(),
                Vec::new(),
            ));
            continue;
        }
        let flows = edges.iter().filter(|e| {
            targets.contains(&e.to)
                && source_tier(net, policy, e) == Some(allow.from.as_str())
                && (allow.from == INTERNET) == (e.from == Node::Internet)
        });
        let carried: Vec<_> = flows.flat_map(|e| e.flows.iter().map(|(_, _, t)| *t)).collect();
        let broken: Vec<_> =
            allow.traffic.iter().filter(|t| !carried.iter().any(|c| c.intersect(**t).is_some())).collect();
        if broken.is_empty() {
            continue;
        }
        // The missing rules, for one member set of each side.
        let from_place = match sources.first() {
            None => Place::Internet,
            Some(&c) => match net.classes()[c].party.groups.first().and_then(|g| net.group(g)) {
                Some(g) => Place::Group(g),
                None => continue,
            },
        };
        let Some(to_group) = net.classes()[targets[0]].party.groups.first().and_then(|g| net.group(g)) else {
            continue;
        };
        let to_place = Place::Group(to_group);
        let mut commands = Vec::new();
        let mut evidence = Vec::new();
        for t in &broken {
            let want = Want::first_of(**t);
            let answer = net.reach(&from_place, &to_place, want, 0);
            for m in answer.missing {
                evidence.push(Evidence {
                    traffic: Some(t.to_string()),
                    ..Evidence::fact(&to_group.id, format!("{}: {}", m.half, m.detail))
                });
                if let Some(c) = m.command {
                    if !commands.contains(&c) {
                        commands.push(c);
                    }
                }
            }
        }
        let ports: Vec<String> = broken.iter().map(|t| t.to_string()).collect();
        out.report(finding(
            region,
            resource,
            format!(
                "the policy allows {} (line {}), but no flow from {} to {} carries {}",
                allow.describe(),
                allow.line,
                allow.from,
                allow.to,
                ports.join(", ")
            ),
            evidence,
            commands,
        ));
    }
}

fn finding(
    region: String,
    resource: Resource,
    message: String,
    evidence: Vec<Evidence>,
    commands: Vec<String>,
) -> Body {
    Body {
        severity: Severity::Low,
        region,
        resource,
        group_ids: Vec::new(),
        rule_ids: Vec::new(),
        message,
        evidence,
        remediation: Remediation {
            summary: "Add the missing rule(s), or correct the policy if the flow was retired.".to_string(),
            commands,
        },
        confidence: None,
    }
}

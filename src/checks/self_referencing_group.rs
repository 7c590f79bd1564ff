use super::revoke_command;
use crate::engine::{Body, Context, Evidence, Findings, Member, Remediation, Resource, Severity};
use crate::model::{Protocol, Rule};

declare_check! {
    /// ### What it does
    /// Finds security groups with an ingress rule whose source is the group itself, and lists the members
    /// (interfaces, databases, caches) that this rule lets reach each other.
    ///
    /// Severity follows the breadth of the widest self rule: medium for all traffic (`-1`) or all ports of a
    /// protocol, low for a port range, info for a single port. A default group's built-in self rule is reported
    /// only when that default group has members; an unused default group's rule admits nobody.
    ///
    /// ### Why is this bad?
    /// A self-referencing rule turns a group into a flat network: every member can open any connection to
    /// every other member. A shared "backend" group holding a database, a cache and a message broker lets a
    /// compromised cache node talk to the database on every port, and any new resource that joins the group
    /// for one purpose silently gains all of that reach. It also hides which flows the application needs.
    ///
    /// ### Example
    /// ```text
    /// backend-sg ingress: -1 from backend-sg     # RDS, Amazon MQ and ElastiCache all share backend-sg
    /// ```
    /// Use instead: one group per tier, admitting only its clients on its own port:
    /// ```text
    /// rds-sg   ingress: tcp 3306  from app-sg
    /// cache-sg ingress: tcp 11211 from app-sg
    /// ```
    ///
    /// ### Remediation
    /// Revoke the self rule (the finding gives the command with its rule ID) and add rules for the ports the
    /// members really serve, from the groups of their clients. When members must talk to each other (a
    /// cluster's nodes), narrow the self rule to the cluster port.
    pub SELF_REFERENCING_GROUP,
    id: "self-referencing-group",
    title: "Security group admits traffic from itself",
    severity: Medium,
    run: check,
}

fn breadth(rule: &Rule) -> Severity {
    if rule.protocol == Protocol::All || (rule.protocol.has_ports() && rule.ports.is_all()) {
        Severity::Medium
    } else if matches!(rule.protocol, Protocol::Tcp | Protocol::Udp) && rule.ports.width() > 1 {
        Severity::Low
    } else if matches!(rule.protocol, Protocol::Number(_)) {
        Severity::Medium
    } else {
        Severity::Info
    }
}

fn check(ctx: &Context, out: &mut Findings) {
    for group in &ctx.inventory.groups {
        let self_rules: Vec<&Rule> =
            ctx.ingress(&group.id).filter(|r| r.peer.group_id() == Some(group.id.as_str())).collect();
        if self_rules.is_empty() {
            continue;
        }
        let members = ctx.members(&group.id);
        if group.is_default() && members.is_empty() {
            continue;
        }
        let severity = self_rules.iter().map(|r| breadth(r)).max().unwrap_or(Severity::Info);
        let member_labels: Vec<String> = members.iter().map(Member::label).collect();
        let traffic: Vec<String> = self_rules.iter().map(|r| r.traffic()).collect();
        let who = match member_labels.len() {
            0 => "it has no members yet, so the rule admits nobody today".to_string(),
            1 => format!("its only member is {}", member_labels[0]),
            n => format!("its {n} members can reach each other: {}", member_labels.join(", ")),
        };
        let mut commands: Vec<String> = self_rules.iter().map(|r| revoke_command(r)).collect();
        // Suggest the narrow replacement: the ports that member databases and caches actually serve.
        let mut ports: Vec<u16> = members
            .iter()
            .filter_map(|m| match m {
                Member::Datastore(d) => d.effective_port(),
                Member::Interface(_) | Member::Holder(_) => None,
            })
            .collect();
        ports.sort_unstable();
        ports.dedup();
        if ports.is_empty() {
            commands.push(format!(
                "aws ec2 authorize-security-group-ingress --region {} --group-id {} --protocol tcp --port <PORT> --source-group <CLIENT_GROUP_ID>",
                group.region, group.id
            ));
        }
        for p in &ports {
            commands.push(format!(
                "aws ec2 authorize-security-group-ingress --region {} --group-id {} --protocol tcp --port {p} --source-group <CLIENT_GROUP_ID>",
                group.region, group.id
            ));
        }
        out.report(Body {
            severity,
            region: group.region.clone(),
            resource: Resource::group(group),
            group_ids: vec![group.id.clone()],
            rule_ids: self_rules.iter().map(|r| r.label()).collect(),
            message: format!("{} ({}) admits {} from itself; {who}", group.id, group.name, traffic.join(", ")),
            evidence: self_rules
                .iter()
                .map(|r| Evidence::rule(r, format!("{} from members of the same group", r.traffic())))
                .collect(),
            remediation: Remediation {
                summary: if ports.is_empty() {
                    "Revoke the self rule and admit only the client groups on the ports the members serve.".to_string()
                } else {
                    format!(
                        "Revoke the self rule and admit only the client groups on the ports the members serve ({}).",
                        ports.iter().map(|p| format!("tcp/{p}")).collect::<Vec<_>>().join(", ")
                    )
                },
                commands,
            },
            confidence: None,
        });
    }
}

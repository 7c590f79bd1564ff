//! Interfaces that are not collected datastores: compute hosts on the well-known database ports, and the
//! interfaces of datastore services whose own API is not read, on those services' ports.

use super::halves::{verdict, Half};
use super::{describe_source, Opening};
use crate::checks::db_ports::DatabasePort;
use crate::checks::{group_label, revoke_command};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::model::{ManagedBy, NetworkInterface, ResourceKind};
use ipnet::IpNet;

/// One ingress rule of a group that admits public sources on well-known database ports, worked out once per
/// group and shared by every interface that carries the group.
pub(super) struct RuleExposure {
    /// Per admitted entry: the part of its range the rule admits.
    admitted: Vec<(usize, u16, u16)>,
    /// The public networks it admits.
    sources: Vec<IpNet>,
    rule_id: String,
    source: String,
    evidence: Evidence,
    command: String,
}

fn port_text(from: u16, to: u16) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

pub(super) fn group_exposure(ctx: &Context, group_id: &str, table: &[DatabasePort]) -> Vec<RuleExposure> {
    let mut out = Vec::new();
    for p in ctx.public_ingress(group_id) {
        let mut admitted = Vec::new();
        for (i, dp) in table.iter().enumerate() {
            if p.rule.admits_tcp_range(dp.from, dp.to) {
                let (from, to) = match p.rule.protocol {
                    crate::model::Protocol::Tcp => (dp.from.max(p.rule.ports.from), dp.to.min(p.rule.ports.to)),
                    _ => (dp.from, dp.to),
                };
                admitted.push((i, from, to));
            }
        }
        let covered: Vec<String> = admitted.iter().map(|&(_, f, t)| port_text(f, t)).collect();
        if admitted.is_empty() {
            continue;
        }
        let o = Opening { rule: p.rule, public: &p.sources };
        let source = describe_source(&o);
        let detail = format!(
            "{} admits {} from {source}, which covers database port(s) {}",
            group_label(ctx, group_id),
            p.rule.traffic(),
            covered.join(", ")
        );
        out.push(RuleExposure {
            admitted,
            sources: p.sources.clone(),
            rule_id: p.rule.label(),
            source,
            evidence: Evidence::rule(p.rule, detail),
            command: revoke_command(p.rule),
        });
    }
    out
}

/// `38 well-known database ports (1433 SQL Server, ...)` or `database port(s) 5432 (PostgreSQL)`: each entry
/// of the table that some rule admits, with the part of its range they admit.
fn port_list(table: &[DatabasePort], exposures: &[&RuleExposure]) -> String {
    let mut parts: std::collections::BTreeMap<usize, (u16, u16)> = std::collections::BTreeMap::new();
    for &(i, from, to) in exposures.iter().flat_map(|e| e.admitted.iter()) {
        let part = parts.entry(i).or_insert((from, to));
        *part = (part.0.min(from), part.1.max(to));
    }
    let named: Vec<(String, &str)> =
        parts.iter().map(|(&i, &(from, to))| (port_text(from, to), table[i].engine)).collect();
    if named.len() > 4 {
        format!(
            "{} well-known database ports ({} and more)",
            named.len(),
            named[..3].iter().map(|(p, e)| format!("{p} {e}")).collect::<Vec<_>>().join(", ")
        )
    } else {
        format!("database port(s) {}", named.iter().map(|(p, e)| format!("{p} ({e})")).collect::<Vec<_>>().join(", "))
    }
}

pub(super) fn check_interface(
    ctx: &Context,
    eni: &NetworkInterface,
    service: Option<ManagedBy>,
    table: &[DatabasePort],
    groups: &[&[RuleExposure]],
    out: &mut Findings,
) {
    let exposures: Vec<&RuleExposure> = groups.iter().flat_map(|g| g.iter()).collect();
    if exposures.is_empty() {
        return;
    }
    let mut group_ids: Vec<String> = exposures.iter().map(|e| e.evidence.group_id.clone()).collect();
    group_ids.dedup();
    let rule_ids: Vec<String> = exposures.iter().map(|e| e.rule_id.clone()).collect();
    let sources: Vec<&str> = exposures.iter().map(|e| e.source.as_str()).collect();
    let nets: Vec<IpNet> = exposures.iter().flat_map(|e| e.sources.iter().copied()).collect();
    let mut ranges: Vec<(u16, u16)> =
        exposures.iter().flat_map(|e| e.admitted.iter().map(|&(_, f, t)| (f, t))).collect();
    ranges.sort_unstable();
    ranges.dedup();
    let v = verdict(ctx, &eni.region, eni.vpc_id.as_deref(), &ranges, &nets, &ctx.network.routing().interface(eni));
    let (half, acl, address, acl_text) = (v.half, &v.acl, &v.text, v.acl_suffix());
    let severity = if half == Half::Open && !acl.is_blocked() { Severity::Critical } else { Severity::High };
    let addr = match half {
        _ if half != Half::Closed && acl.is_blocked() && v.per_family => format!("address half open ({address})"),
        _ if half != Half::Closed && acl.is_blocked() => format!("address half open ({address}), but {acl}"),
        Half::Open => format!("address half open too: {address}{acl_text}"),
        Half::Inspected => format!("address half open through inspection: {address}{acl_text}"),
        Half::Closed => format!("address half closed: {address}"),
    };
    let what = match (&eni.instance_id, service) {
        (Some(i), _) => format!("network interface {} of {i}", eni.id),
        (None, Some(m)) => format!("{} network interface {} ({})", m.name(), eni.id, eni.description),
        (None, None) => format!("network interface {}", eni.id),
    };
    out.report(Body {
        severity,
        region: eni.region.clone(),
        resource: Resource { kind: ResourceKind::NetworkInterface, id: eni.id.clone(), name: eni.instance_id.clone() },
        group_ids,
        message: format!(
            "{what} admits {} on {} through {} (rule half open); {addr}",
            sources.join(", "),
            port_list(table, &exposures),
            rule_ids.join(", ")
        ),
        rule_ids,
        evidence: exposures.iter().map(|e| e.evidence.clone()).collect(),
        remediation: Remediation {
            summary: "Revoke the public rule(s); if a database runs here, admit only its clients' security groups on its port.".to_string(),
            commands: exposures.iter().map(|e| e.command.clone()).collect(),
        },
        confidence: None,
    });
}

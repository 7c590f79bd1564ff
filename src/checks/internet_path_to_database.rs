use super::{revoke_command, DATABASE_PORTS};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::flow::{FamilyReach, Hop, Network, Node, PathEnd, Traffic};
use crate::model::{Protocol, ResourceKind};

declare_check! {
    /// ### What it does
    /// Finds databases and caches that the internet reaches in two or more hops: the internet connects to a
    /// member with a reachable public address (a load balancer, a web server), that member can connect to
    /// another, and so on, until one can connect to the database on its port. Each hop is a full flow: the
    /// source's egress rule and the destination's ingress rule both admit it. The finding lists the chain,
    /// with the rule IDs of every hop. A database the internet reaches directly is `exposed-database`'s
    /// finding, not this one. A path counts only when the network ACLs of its subnets, and the routes of a
    /// hop between VPCs, let every hop through; a blocked candidate gives way to the next worst one. The first
    /// hop is decided per address family and per rule: when the network ACL blocks the IPv4 internet but
    /// IPv6 clients get through, the path stands, and its evidence says how each family stands.
    ///
    /// Self-hosted databases are ends too: a compute member (an instance or container, not a managed-service
    /// interface) is a destination on every well-known database port its groups admit (the table of
    /// `exposed-database`: PostgreSQL 5432, MySQL 3306, MongoDB 27017, Redis 6379, Elasticsearch/OpenSearch
    /// 9200, Cassandra 9042, ...), and the finding names the port it reached. The dangerous shape is an
    /// internet-facing load balancer whose target group forwards to such a host on a database port (HTTP:80
    /// to Elasticsearch on 9200 puts the search API on the internet): critical, as for a managed database.
    /// An internal load balancer, a listener that forwards to another port, or a host that is no target of
    /// the balancer is no path. A host the internet reaches directly on that port is `exposed-database`'s.
    ///
    /// The search is a breadth-first walk over sets of members that share the same groups. Each set that can
    /// connect to the database offers one path (the shortest from the internet to it); the finding reports the
    /// most severe of those, the shorter one on ties. Databases and caches do not relay: a path never
    /// continues through them.
    ///
    /// Severity, by what the first hop exposes and by the number of hops:
    ///
    /// | first hop admits | 2 hops | 3 or more |
    /// |---|---|---|
    /// | all traffic, a remote-administration port (22, 23, 3389, 5985, 5986) or over 1,000 ports | high | medium |
    /// | other ports | medium | low |
    /// | web ports only (80, 443) | low | info |
    ///
    /// The tiered design of a load balancer on 443, an application tier, then the database, is a
    /// three-hop path at info: the intended path, listed so it can be reviewed.
    ///
    /// A load balancer whose listeners and targets were read takes only its listeners' ports (the first
    /// hop is as broad as they are, not as its group's rules) and forwards only to its registered targets.
    /// An internet-facing load balancer that forwards straight to the database (a registered target, two
    /// hops) is **critical**: the database is exposed as if it had a public address.
    ///
    /// ### Why is this bad?
    /// Rule-by-rule audits see no problem here: no rule on the database admits the internet. Yet whoever
    /// takes over the first member (an exposed SSH daemon, a vulnerable web server) can connect to the
    /// database from inside. The fewer the hops and the wider the first one, the shorter that attack.
    ///
    /// ### Example
    /// ```text
    /// reporting-sg ingress: tcp 22 from 0.0.0.0/0        # EC2 with a public address, subnet routed to an IGW
    /// rds-sg       ingress: tcp 5432 from reporting-sg   # internet → reporting host → database: 2 hops
    /// ```
    /// Use instead:
    /// ```text
    /// reporting-sg ingress: tcp 22 from 10.0.0.0/16      # SSH only from inside (or Session Manager)
    /// ```
    ///
    /// ### Remediation
    /// A database registered behind an internet-facing load balancer: deregister it, or make the load
    /// balancer internal. Otherwise cut the chain at its widest hop: narrow the first hop to the ports the service must serve (the finding
    /// gives the command that revokes a broad first rule), and admit the database only from the tier that
    /// uses it. Where the path is the intended design, suppress the finding with a reason.
    pub INTERNET_PATH_TO_DATABASE,
    id: "internet-path-to-database",
    title: "Database reachable from the internet through intermediate members",
    severity: Medium,
    run: check,
}

const ADMIN_PORTS: &[u16] = &[22, 23, 3389, 5985, 5986];
const WEB_PORTS: &[u16] = &[80, 443];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Breadth {
    Broad,
    Other,
    Web,
}

fn breadth(t: Traffic) -> Breadth {
    let ports = t.ports;
    match t.protocol {
        Protocol::All | Protocol::Number(_) => Breadth::Broad,
        Protocol::Tcp | Protocol::Udp => {
            if ports.width() > 1000 || ADMIN_PORTS.iter().any(|p| ports.contains(*p)) {
                Breadth::Broad
            } else if (ports.from..=ports.to).all(|p| WEB_PORTS.contains(&p)) {
                Breadth::Web
            } else {
                Breadth::Other
            }
        }
        Protocol::Icmp | Protocol::Icmpv6 => Breadth::Other,
    }
}

impl Breadth {
    fn rank(self) -> u8 {
        match self {
            Breadth::Web => 0,
            Breadth::Other => 1,
            Breadth::Broad => 2,
        }
    }
}

/// Every rule through which the internet reaches the first member set of a path: the hop's own, and the
/// other public rules of that set (of a load balancer, those that admit a listener's port). The first hop is
/// as broad as the broadest of them.
fn first_hop_rules<'a>(net: &Network<'a>, hop: &Hop<'a>) -> Vec<&'a crate::model::Rule> {
    let mut rules: Vec<&crate::model::Rule> = hop.ingress.into_iter().collect();
    if let Node::Class(c) = hop.to {
        if let Some(exposure) = &net.classes()[c].relay_exposure {
            for (r, _) in net.internet_entries(&net.classes()[c].party.groups, exposure, crate::flow::Want::ANY) {
                if !rules.iter().any(|x| std::ptr::eq(*x, r)) && !net.accepted(c, Traffic::of(r)).is_empty() {
                    rules.push(r);
                }
            }
        }
    }
    rules
}

/// What the internet may send to the first member set through `r`: a load balancer takes only its listeners'
/// ports of it.
fn entering<'a>(net: &Network<'a>, hop: &Hop<'a>, r: &crate::model::Rule) -> Vec<Traffic> {
    match hop.to {
        Node::Class(c) => net.accepted(c, Traffic::of(r)),
        _ => vec![Traffic::of(r)],
    }
}

fn first_breadth<'a>(net: &Network<'a>, hop: &Hop<'a>) -> Breadth {
    first_hop_rules(net, hop)
        .into_iter()
        .flat_map(|r| entering(net, hop, r))
        .map(breadth)
        .chain(std::iter::once(breadth(hop.traffic)))
        .max_by_key(|b| b.rank())
        .unwrap_or(Breadth::Web)
}

/// A path of two hops whose middle is a load balancer: its listener forwards the internet to the database,
/// a registered target. The database is as exposed as if it had a public address.
fn exposing_balancer<'n, 'a>(net: &'n Network<'a>, hops: &[Hop<'a>]) -> Option<&'n crate::flow::Forwarding<'a>> {
    match hops {
        [first, _] => match first.to {
            Node::Class(c) => net.forwarding(c),
            _ => None,
        },
        _ => None,
    }
}

fn severity(first: Breadth, hops: usize) -> Severity {
    match (first, hops <= 2) {
        (Breadth::Broad, true) => Severity::High,
        (Breadth::Broad, false) | (Breadth::Other, true) => Severity::Medium,
        (Breadth::Other, false) | (Breadth::Web, true) => Severity::Low,
        (Breadth::Web, false) => Severity::Info,
    }
}

/// `sg-1 (alb)`, `internet`, or the database itself (`last`) for a set of members that does not relay.
fn node_label(net: &Network, node: Node, last: &str) -> String {
    match node {
        Node::Internet => "internet".to_string(),
        Node::Class(c) if !net.classes()[c].relays => last.to_string(),
        n => net.node_label(n),
    }
}

/// `→ tcp/443 (sgr-1) → sg-1 (alb)`, one per hop.
pub(crate) fn chain(net: &Network, hops: &[Hop], last: &str) -> String {
    let mut s = String::from("internet");
    for (i, h) in hops.iter().enumerate() {
        let rules: Vec<String> = h.egress.iter().chain(h.ingress.iter()).map(|r| r.label()).collect();
        let to = if i + 1 == hops.len() { last.to_string() } else { node_label(net, h.to, last) };
        s.push_str(&format!(" → [{} via {}] → {to}", h.traffic, rules.join(" + ")));
    }
    s
}

/// The grid's severity, one step lower when the internet comes in through an inspection endpoint.
fn path_severity<'a>(net: &Network<'a>, first: &Hop<'a>, hops: usize) -> Severity {
    let through_balancer = matches!(first.to, Node::Class(c) if hops == 2 && net.forwarding(c).is_some());
    let s = if through_balancer { Severity::Critical } else { severity(first_breadth(net, first), hops) };
    // The gate puts the family that gets through first.
    if first.address.first().is_some_and(|a| a.reach.is_inspected()) {
        s.lower()
    } else {
        s
    }
}

fn check(ctx: &Context, out: &mut Findings) {
    // Load balancers whose forwarding could not be read relay as any member does: the report says which.
    for note in crate::flow::unknown_forwarding(ctx.inventory) {
        out.note(note);
    }
    let net = &ctx.network;
    let host_ports: Vec<(u16, u16)> = DATABASE_PORTS.iter().map(|p| (p.from, p.to)).collect();
    for path in net.internet_paths(&host_ports, |first, hops| path_severity(net, first, hops)) {
        let (what, region, resource, listens) = match path.end {
            PathEnd::Datastore(d) => (
                format!("{} {}", d.kind, d.id),
                &d.region,
                Resource { kind: d.kind, id: d.id.clone(), name: Some(d.engine.clone()) },
                format!("{} on port {}", d.engine, d.effective_port().unwrap_or_default()),
            ),
            PathEnd::Host { interface: eni, port } => {
                let engine =
                    DATABASE_PORTS.iter().find(|p| (p.from..=p.to).contains(&port)).map_or("a database", |p| p.engine);
                let what = match &eni.instance_id {
                    Some(i) => format!("network interface {} of {i}", eni.id),
                    None => format!("network interface {}", eni.id),
                };
                let resource = Resource {
                    kind: ResourceKind::NetworkInterface,
                    id: eni.id.clone(),
                    name: eni.instance_id.clone(),
                };
                (what, &eni.region, resource, format!("port {port}, well-known for {engine}"))
            }
        };
        let first = &path.hops[0];
        let breadth_of_first = first_breadth(net, first);
        let entry_rules = first_hop_rules(net, first);
        let severity = path_severity(net, first, path.hops.len());
        let mut evidence = Vec::new();
        let mut rule_ids = Vec::new();
        let mut group_ids: Vec<String> = Vec::new();
        for (i, h) in path.hops.iter().enumerate() {
            let from = node_label(net, h.from, &what);
            let to = if i + 1 == path.hops.len() { what.clone() } else { node_label(net, h.to, &what) };
            if let Some(e) = h.egress {
                rule_ids.push(e.label());
                evidence.push(Evidence::rule(e, format!("hop {}: {from} may send {} to {to}", i + 1, h.traffic)));
            }
            if let Some(r) = h.ingress {
                rule_ids.push(r.label());
                if !group_ids.contains(&r.group_id) {
                    group_ids.push(r.group_id.clone());
                }
                let mut detail = format!("hop {}: {to} admits {} from {from}", i + 1, h.traffic);
                if let Some(a) = FamilyReach::describe(&h.address) {
                    detail.push_str(&format!("; {a}"));
                }
                evidence.push(Evidence::rule(r, detail));
            }
            if i == 0 {
                for r in entry_rules.iter().skip(1) {
                    rule_ids.push(r.label());
                    evidence.push(Evidence::rule(
                        r,
                        format!("hop 1: {to} also admits {} from the internet", Traffic::of(r)),
                    ));
                }
            }
        }
        // The broad rules of the first hop are the ones to narrow.
        let broad =
            |r: &&&crate::model::Rule| entering(net, first, r).into_iter().any(|t| breadth(t) == Breadth::Broad);
        let commands: Vec<String> = entry_rules.iter().filter(broad).map(|r| revoke_command(r)).collect();
        let broad_rule = entry_rules.iter().find(broad);
        let balancer = exposing_balancer(net, &path.hops);
        let broad_what;
        let first_what = match breadth_of_first {
            Breadth::Broad => {
                broad_what = match broad_rule {
                    Some(r) => format!("a broad first hop ({} admits {} from the internet)", r.label(), Traffic::of(r)),
                    None => "a broad first hop".to_string(),
                };
                broad_what.as_str()
            }
            Breadth::Other => "a first hop on non-web ports",
            Breadth::Web => "a first hop on web ports only",
        };
        out.report(Body {
            severity,
            region: region.clone(),
            resource,
            group_ids,
            rule_ids,
            message: format!(
                "{what} ({listens}) is {}, with {first_what}{}: {}",
                match balancer {
                    Some(f) => format!(
                        "exposed to the internet through load balancer {} ({}, {}), whose listener on {} forwards to it \
                         as a registered target",
                        f.balancer.name,
                        f.balancer.kind,
                        f.balancer.scheme(),
                        first.traffic
                    ),
                    None => format!("reachable from the internet in {} hops", path.hops.len()),
                },
                match first.address.first() {
                    Some(a) if a.reach.is_inspected() => " (entering through an inspection endpoint: one step lower)",
                    _ => "",
                },
                chain(net, &path.hops, &what)
            ),
            evidence,
            remediation: Remediation {
                summary: if balancer.is_some() {
                    "Deregister the database from the internet-facing load balancer's target group, or make the load balancer internal.".to_string()
                } else if breadth_of_first == Breadth::Broad {
                    "Narrow the first hop to the ports the service must serve, and admit the database only from the tier that uses it.".to_string()
                } else {
                    "Review the chain: if it is the intended design, suppress this finding with a reason; otherwise remove the hop that should not exist.".to_string()
                },
                commands,
            },
            confidence: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PortRange;

    #[test]
    fn severity_grid() {
        let t = |p: &str, from, to| Traffic { protocol: Protocol::parse(p).unwrap(), ports: PortRange { from, to } };
        assert_eq!(severity(breadth(t("-1", 0, 65535)), 2), Severity::High);
        assert_eq!(severity(breadth(t("tcp", 22, 22)), 3), Severity::Medium);
        assert_eq!(severity(breadth(t("tcp", 8080, 8080)), 2), Severity::Medium);
        assert_eq!(severity(breadth(t("tcp", 8080, 8080)), 4), Severity::Low);
        assert_eq!(severity(breadth(t("tcp", 443, 443)), 2), Severity::Low);
        assert_eq!(severity(breadth(t("tcp", 443, 443)), 3), Severity::Info);
        assert_eq!(severity(breadth(t("tcp", 80, 443)), 3), Severity::Low);
    }
}

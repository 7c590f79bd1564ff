//! The flow graph as Graphviz DOT or a Mermaid flowchart: the internet and every set of members with a flow,
//! ports on the edges, databases with exposure findings highlighted. Edges that depend on data that was not
//! read are dashed; flows the security groups allow but routes or network ACLs block are counted in a comment.

use crate::audit::Finding;
use crate::flow::{Class, Edge, Network, Node};
use std::collections::BTreeSet;

/// A text format for the flow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
    /// Drawn by sgaudit (`svg.rs`): the HTML report's figure.
    Svg,
}

/// The comment on flows left out because the network blocks them.
const BLOCKED: &str =
    "flow(s) the security groups allow left out: routes or network ACLs block them (sgaudit reach says which)";

/// Checks whose findings on a database mark it exposed in the graph.
const EXPOSURE_CHECKS: &[&str] = &["exposed-database", "internet-path-to-database"];

/// What a class holds, in one line: `rds-instance db-1, 2 interface(s)`.
pub(super) fn members(c: &Class) -> String {
    // Cluster members and replication-group nodes are shown by their parent when it is here too.
    let mut parts: Vec<String> = c
        .datastores
        .iter()
        .filter(|d| !d.parent.as_deref().is_some_and(|p| c.datastores.iter().any(|o| o.id == p)))
        .map(|d| format!("{} {}", d.kind, d.id))
        .collect();
    let compute = c.interfaces.iter().filter(|e| e.managed_by().is_none()).count();
    let managed: Vec<&str> = c
        .interfaces
        .iter()
        // Interfaces of datastores read through their own API are shown by the datastore.
        .filter_map(|e| e.managed_by().filter(|m| !m.folds_into_datastore()).map(|m| m.name()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    parts.extend(managed.iter().map(|s| s.to_string()));
    if compute > 0 {
        parts.push(format!("{compute} interface(s)"));
    }
    parts.join(", ")
}

/// The names of the class's groups: `web + app`.
pub(super) fn names(net: &Network, c: &Class) -> String {
    c.party
        .groups
        .iter()
        .map(|g| net.group(g).map(|g| g.name.clone()).unwrap_or_else(|| g.to_string()))
        .collect::<Vec<_>>()
        .join(" + ")
}

pub(super) fn ids(c: &Class) -> String {
    c.party.groups.join(" + ")
}

/// Renders the graph. `findings` mark the classes holding exposed databases. Internal flows admitted only by
/// rules open to every address are left out unless `all_flows`; a comment says how many.
pub fn render_graph(net: &Network, findings: &[Finding], format: GraphFormat, all_flows: bool) -> String {
    let (edges, hidden) = drawn_edges(net, findings, all_flows);
    let blocked = net.blocked_flows().len();
    let exposed = exposed_classes(&ResourceClasses::new(net), findings);
    let shown = shown_classes(&edges, &exposed);
    let from_id = |n: Node| match n {
        Node::Class(c) => format!("c{c}"),
        _ => "internet".to_string(),
    };
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str("digraph sgaudit {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
            out.push_str("  internet [label=\"Internet\", shape=ellipse];\n");
            for &c in &shown {
                let class = &net.classes()[c];
                let style = if exposed.contains(&c) {
                    ", color=red, penwidth=2, style=filled, fillcolor=\"#fde2e2\""
                } else {
                    ""
                };
                out.push_str(&format!(
                    "  c{c} [label=\"{}\\n{}\\n{}\"{style}];\n",
                    escape(&names(net, class)),
                    escape(&ids(class)),
                    escape(&members(class))
                ));
            }
            for e in &edges {
                let dashed = if e.unknown.is_some() { ", style=dashed" } else { "" };
                out.push_str(&format!(
                    "  {} -> c{} [label=\"{}\"{dashed}];\n",
                    from_id(e.from),
                    e.to,
                    escape(&label(e))
                ));
            }
            if hidden > 0 {
                out.push_str(&format!(
                    "  // {hidden} internal flow(s) admitted only by 0.0.0.0/0 or ::/0 rules hidden (--all-flows)\n"
                ));
            }
            if blocked > 0 {
                out.push_str(&format!("  // {blocked} {BLOCKED}\n"));
            }
            out.push_str("}\n");
        }
        GraphFormat::Svg => {
            out.push_str(&super::svg::render_svg(&super::view::GraphView::new(net, findings, all_flows), ""));
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n  internet((Internet))\n");
            for &c in &shown {
                let class = &net.classes()[c];
                out.push_str(&format!(
                    "  c{c}[\"{}<br/>{}<br/>{}\"]\n",
                    mermaid(&names(net, class)),
                    mermaid(&ids(class)),
                    mermaid(&members(class))
                ));
            }
            for e in &edges {
                let arrow = if e.unknown.is_some() { "-.->" } else { "-->" };
                out.push_str(&format!("  {} {arrow}|{}| c{}\n", from_id(e.from), mermaid(&label(e)), e.to));
            }
            if hidden > 0 {
                out.push_str(&format!(
                    "  %% {hidden} internal flow(s) admitted only by 0.0.0.0/0 or ::/0 rules hidden (--all-flows)\n"
                ));
            }
            if blocked > 0 {
                out.push_str(&format!("  %% {blocked} {BLOCKED}\n"));
            }
            if !exposed.is_empty() {
                out.push_str("  classDef exposed fill:#fde2e2,stroke:#c00,stroke-width:2px\n");
                let list: Vec<String> = exposed.iter().map(|c| format!("c{c}")).collect();
                out.push_str(&format!("  class {} exposed\n", list.join(",")));
            }
        }
    }
    out
}

/// The edges drawn (internal flows that only open rules admit left out unless `all_flows`, or unless an
/// internet path of `findings` takes one of their rules) and how many were left out.
pub(super) fn drawn_edges<'n, 'a>(
    net: &'n Network<'a>,
    findings: &[Finding],
    all_flows: bool,
) -> (Vec<&'n Edge<'a>>, usize) {
    let all = net.edges();
    // The hops of the internet-path findings, as (egress rule, ingress rule): the evidence of hop N names
    // its egress rule, then its ingress rule.
    let mut hops: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for f in findings.iter().filter(|f| f.check == crate::checks::INTERNET_PATH_TO_DATABASE.id) {
        let mut egress: Option<(&str, &str)> = None; // (hop label, rule)
        for e in &f.evidence {
            let (Some(rule), Some(hop)) = (e.rule_id.as_deref(), e.detail.split(':').next()) else { continue };
            match e.direction {
                Some(crate::model::Direction::Egress) => egress = Some((hop, rule)),
                Some(crate::model::Direction::Ingress) => {
                    if let Some((_, out)) = egress.filter(|(h, _)| *h == hop) {
                        hops.insert((out, rule));
                    }
                }
                None => {}
            }
        }
    }
    let used = |e: &Edge| {
        e.flows.iter().any(|(egress, ingress, _)| {
            egress.is_some_and(|r| hops.contains(&(r.label().as_str(), ingress.label().as_str())))
        })
    };
    let edges: Vec<&Edge> = all.iter().filter(|e| all_flows || !e.only_through_open_rules() || used(e)).collect();
    let hidden = all.len() - edges.len();
    (edges, hidden)
}

/// The class of each finding's resource: a datastore's, or an interface's. Built once, looked up per finding.
pub(super) struct ResourceClasses<'a> {
    datastores: std::collections::HashMap<(&'a str, &'a str, crate::model::ResourceKind), usize>,
    interfaces: std::collections::HashMap<(&'a str, &'a str), usize>,
}

impl<'a> ResourceClasses<'a> {
    pub(super) fn new(net: &Network<'a>) -> ResourceClasses<'a> {
        let inv = net.inventory();
        ResourceClasses {
            datastores: inv
                .datastores
                .iter()
                .filter_map(|d| Some(((d.region.as_str(), d.id.as_str(), d.kind), net.class_of_datastore(d)?)))
                .collect(),
            interfaces: inv
                .interfaces
                .iter()
                .filter_map(|e| Some(((e.region.as_str(), e.id.as_str()), net.class_of_interface(e)?)))
                .collect(),
        }
    }

    pub(super) fn of(&self, f: &Finding) -> Option<usize> {
        let (region, id) = (f.region.as_str(), f.resource.id.as_str());
        self.datastores.get(&(region, id, f.resource.kind)).or_else(|| self.interfaces.get(&(region, id))).copied()
    }
}

/// Whether a finding marks its database exposed in the graph.
pub(super) fn is_exposure(f: &Finding) -> bool {
    EXPOSURE_CHECKS.contains(&f.check.as_str()) && f.suppressed.is_none()
}

/// The classes holding databases with exposure findings.
pub(super) fn exposed_classes(classes: &ResourceClasses, findings: &[Finding]) -> BTreeSet<usize> {
    findings.iter().filter(|f| is_exposure(f)).filter_map(|f| classes.of(f)).collect()
}

/// The classes drawn: the ends of the edges, and the exposed ones.
pub(super) fn shown_classes(edges: &[&Edge], exposed: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut shown: BTreeSet<usize> = exposed.clone();
    for e in edges {
        shown.insert(e.to);
        if let Node::Class(c) = e.from {
            shown.insert(c);
        }
    }
    shown
}

/// The ports of an edge: `tcp/80, tcp/443`.
pub(super) fn label(e: &Edge) -> String {
    e.traffic().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid(s: &str) -> String {
    s.replace('"', "#quot;").replace('|', "#124;")
}

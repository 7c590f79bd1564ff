//! The flow graph as Graphviz DOT or a Mermaid flowchart: the internet and every set of members with a flow,
//! ports on the edges, databases with exposure findings highlighted. Edges that depend on data that was not
//! read are dashed; flows the security groups allow but routes or network ACLs block are counted in a comment.

use crate::audit::Finding;
use crate::flow::{Class, Edge, Network, Node};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// The comment on flows left out because the network blocks them.
const BLOCKED: &str =
    "flow(s) the security groups allow left out: routes or network ACLs block them (sgaudit reach says which)";

/// Checks whose findings on a database mark it exposed in the graph.
const EXPOSURE_CHECKS: &[&str] = &["exposed-database", "internet-path-to-database"];

fn members(c: &Class) -> String {
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

fn names(net: &Network, c: &Class) -> String {
    c.party
        .groups
        .iter()
        .map(|g| net.group(g).map(|g| g.name.clone()).unwrap_or_else(|| g.to_string()))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn ids(c: &Class) -> String {
    c.party.groups.join(" + ")
}

/// Renders the graph. `findings` mark the classes holding exposed databases. Internal flows admitted only by
/// rules open to every address are left out unless `all_flows`; a comment says how many.
pub fn render_graph(net: &Network, findings: &[Finding], format: GraphFormat, all_flows: bool) -> String {
    let all = net.edges();
    let edges: Vec<&Edge> = all.iter().filter(|e| all_flows || !e.only_through_open_rules()).collect();
    let hidden = all.len() - edges.len();
    let blocked = net.blocked_flows().len();
    let exposed: BTreeSet<usize> = findings
        .iter()
        .filter(|f| EXPOSURE_CHECKS.contains(&f.check.as_str()) && f.suppressed.is_none())
        .filter_map(|f| {
            net.inventory
                .datastores
                .iter()
                .find(|d| d.id == f.resource.id && d.region == f.region && d.kind == f.resource.kind)
                .and_then(|d| net.class_of_datastore(d))
                .or_else(|| {
                    net.inventory
                        .interfaces
                        .iter()
                        .find(|e| e.id == f.resource.id && e.region == f.region)
                        .and_then(|e| net.class_of_interface(e))
                })
        })
        .collect();
    let mut shown: BTreeSet<usize> = exposed.clone();
    for e in &edges {
        shown.insert(e.to);
        if let Node::Class(c) = e.from {
            shown.insert(c);
        }
    }
    let label = |e: &Edge| e.traffic().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
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
                let class = &net.classes[c];
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
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n  internet((Internet))\n");
            for &c in &shown {
                let class = &net.classes[c];
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

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid(s: &str) -> String {
    s.replace('"', "#quot;").replace('|', "#124;")
}

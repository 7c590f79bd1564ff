//! The flow graph as plain data for the HTML report and the SVG: nodes, edges with their ports, and for
//! each finding the nodes and edges it is about. Built from a [`Network`] once; the renderers borrow nothing
//! from the inventory.
//!
//! Large accounts: above [`COLLAPSE_ABOVE`] drawn sets of members, the sets of each VPC fold into one node
//! (edges between folded nodes merge, their ports joined), and the view says how many were folded.

use super::graph::{drawn_edges, exposed_classes, ids, is_exposure, label, members, names, ResourceClasses};
use crate::audit::Finding;
use crate::flow::{Edge, Network, Node};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Above this many drawn sets of members, the sets of each VPC fold into one node.
pub const COLLAPSE_ABOVE: usize = 60;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// The internet.
    Internet,
    /// A set of members that accepts and opens connections (compute, load balancers).
    Members,
    /// A set of members that only accepts them: databases and caches. Drawn on the right.
    Datastore,
    /// The sets of members of one VPC, folded.
    Vpc,
}

/// A node of the drawn graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewNode {
    /// `internet`, `c3` (a set of members) or `v1` (a folded VPC): unique within the view.
    pub id: String,
    /// What it stands for.
    pub kind: NodeKind,
    /// The first line: group names, or the VPC.
    pub title: String,
    /// Group IDs (`sg-1 + sg-2`), or the region of a folded VPC.
    pub subtitle: String,
    /// What the node holds, in one line.
    pub members: String,
    /// Each group as `sg-1 (name)`.
    pub groups: Vec<String>,
    /// A database here has an exposure finding.
    pub exposed: bool,
    /// IDs of the findings about this node.
    pub findings: Vec<String>,
}

/// An edge of the drawn graph: flows from one node to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewEdge {
    /// The ID of the node it starts at.
    pub from: String,
    /// The ID of the node it ends at.
    pub to: String,
    /// The ports: `tcp/443, tcp/80`.
    pub label: String,
    /// Why some flow of the edge cannot be decided, when one cannot (drawn dashed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// What selecting a finding highlights.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Highlight {
    /// The IDs of the nodes to highlight.
    pub nodes: Vec<String>,
    /// Indexes into the view's edges.
    pub edges: Vec<usize>,
}

/// One account's flow graph, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphView {
    /// The account, when known.
    pub account: Option<String>,
    /// Its nodes.
    pub nodes: Vec<ViewNode>,
    /// Its edges.
    pub edges: Vec<ViewEdge>,
    /// Internal flows admitted only by rules open to every address, not drawn.
    pub hidden: usize,
    /// Flows the security groups allow that routes or network ACLs block, not drawn.
    pub blocked: usize,
    /// Sets of members folded into VPC nodes, when the graph was too large to draw them one by one.
    pub folded: usize,
    /// By finding ID.
    pub highlights: BTreeMap<String, Highlight>,
}

impl GraphView {
    /// The view of `net`, with `findings` (of the same account, IDs set) marking exposures and highlights.
    /// Internal flows that only rules open to every address admit are left out unless `all_flows`.
    pub fn new(net: &Network, findings: &[Finding], all_flows: bool) -> GraphView {
        let (edges, hidden) = drawn_edges(net, findings, all_flows);
        let resources = ResourceClasses::new(net);
        let exposed = exposed_classes(&resources, findings);
        let shown = super::graph::shown_classes(&edges, &exposed);
        let fold = shown.len() > COLLAPSE_ABOVE;
        // Each drawn class's node ID; folded classes share their VPC's.
        let mut node_of: BTreeMap<usize, String> = BTreeMap::new();
        let mut nodes = vec![ViewNode {
            id: "internet".into(),
            kind: NodeKind::Internet,
            title: "Internet".into(),
            subtitle: String::new(),
            members: String::new(),
            groups: vec![],
            exposed: false,
            findings: vec![],
        }];
        let mut vpc_nodes: BTreeMap<(String, String), usize> = BTreeMap::new();
        for &c in &shown {
            let class = &net.classes()[c];
            let datastore = !class.relays && !class.datastores.is_empty();
            if fold {
                let key = (
                    class.party.region.unwrap_or("?").to_string(),
                    class.party.vpc.unwrap_or("VPC unknown").to_string(),
                );
                let at = *vpc_nodes.entry(key.clone()).or_insert_with(|| {
                    nodes.push(ViewNode {
                        id: format!("v{}", nodes.len()),
                        kind: NodeKind::Vpc,
                        title: key.1.clone(),
                        subtitle: key.0.clone(),
                        members: String::new(),
                        groups: vec![],
                        exposed: false,
                        findings: vec![],
                    });
                    nodes.len() - 1
                });
                let n = &mut nodes[at];
                n.exposed |= exposed.contains(&c);
                n.groups.extend(class.party.groups.iter().map(|g| net.group_label(g)));
                node_of.insert(c, n.id.clone());
            } else {
                nodes.push(ViewNode {
                    id: format!("c{c}"),
                    kind: if datastore { NodeKind::Datastore } else { NodeKind::Members },
                    title: names(net, class),
                    subtitle: ids(class),
                    members: members(class),
                    groups: class.party.groups.iter().map(|g| net.group_label(g)).collect(),
                    exposed: exposed.contains(&c),
                    findings: vec![],
                });
                node_of.insert(c, format!("c{c}"));
            }
        }
        for n in nodes.iter_mut().filter(|n| n.kind == NodeKind::Vpc) {
            n.groups.sort();
            n.groups.dedup();
            n.members = format!("{} set(s) of members folded", shown_in(&node_of, &n.id));
        }
        let id_of = |n: Node| match n {
            Node::Class(c) => node_of.get(&c).cloned(),
            _ => Some("internet".to_string()),
        };
        // Edges, merged by their ends (folded classes share ends). `edge_of` maps each flow edge to its view edge.
        let mut view_edges: Vec<ViewEdge> = Vec::new();
        let mut by_ends: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut edge_of: Vec<(&Edge, usize)> = Vec::new();
        for e in &edges {
            let (Some(from), Some(to)) = (id_of(e.from), id_of(Node::Class(e.to))) else { continue };
            let at = *by_ends.entry((from.clone(), to.clone())).or_insert_with(|| {
                view_edges.push(ViewEdge { from, to, label: String::new(), unknown: None });
                view_edges.len() - 1
            });
            let v = &mut view_edges[at];
            let mut ports: BTreeSet<String> =
                v.label.split(", ").filter(|s| !s.is_empty()).map(str::to_string).collect();
            ports.extend(label(e).split(", ").map(str::to_string));
            v.label = ports.into_iter().collect::<Vec<_>>().join(", ");
            if v.unknown.is_none() {
                v.unknown.clone_from(&e.unknown);
            }
            edge_of.push((e, at));
        }
        // Each flow's rule labels, and the flows by their ingress rule: a finding's candidates are found from its
        // rules, not by scanning every edge.
        let flows: Vec<(Option<String>, usize)> = edge_of
            .iter()
            .flat_map(|(e, at)| e.flows.iter().map(move |(eg, _, _)| (eg.map(|r| r.label()), *at)))
            .collect();
        let mut by_ingress: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, (_, ig, _)) in edge_of.iter().flat_map(|(e, _)| e.flows.iter()).enumerate() {
            by_ingress.entry(ig.label()).or_default().push(i);
        }
        let index = FlowIndex { flows, by_ingress, edges: &view_edges, node_of: &node_of, resources };
        let mut highlights = BTreeMap::new();
        let mut node_at: BTreeMap<String, usize> = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            node_at.insert(n.id.clone(), i);
        }
        for f in findings.iter().filter(|f| !f.id.is_empty()) {
            let h = index.highlight(net, f);
            for id in &h.nodes {
                nodes[node_at[id]].findings.push(f.id.clone());
            }
            if !h.nodes.is_empty() {
                highlights.insert(f.id.clone(), h);
            }
        }
        GraphView {
            account: net.inventory().account.clone(),
            nodes,
            edges: view_edges,
            hidden,
            blocked: net.blocked_flows().len(),
            folded: if fold { shown.len() } else { 0 },
            highlights,
        }
    }
}

fn shown_in(node_of: &BTreeMap<usize, String>, id: &str) -> usize {
    node_of.values().filter(|v| *v == id).count()
}

/// What the highlights are found from: each flow's egress rule label and view edge, the flows by ingress
/// rule label, and where each class is drawn.
struct FlowIndex<'v, 'a> {
    flows: Vec<(Option<String>, usize)>,
    by_ingress: std::collections::HashMap<String, Vec<usize>>,
    edges: &'v [ViewEdge],
    node_of: &'v BTreeMap<usize, String>,
    resources: ResourceClasses<'a>,
}

impl FlowIndex<'_, '_> {
    /// The nodes and edges a finding is about. An exposure: the internet, the database's node and the edge
    /// between them. A path from the internet: the edges whose flows use only the finding's rules and lie on
    /// a chain from the internet to the database. Any other finding: the nodes holding its resource or groups.
    fn highlight(&self, net: &Network, f: &Finding) -> Highlight {
        let edges = self.edges;
        let target = self.resources.of(f).and_then(|c| self.node_of.get(&c).cloned());
        let mut h = Highlight::default();
        if f.check == "internet-path-to-database" || is_exposure(f) {
            let Some(target) = target else { return h };
            let rules: BTreeSet<&str> = f.rule_ids.iter().map(String::as_str).collect();
            let direct = f.check != "internet-path-to-database";
            // Candidate view edges: some flow of theirs is admitted by the finding's rules (both halves).
            let mut candidate: BTreeSet<usize> = BTreeSet::new();
            for flow in f.rule_ids.iter().filter_map(|r| self.by_ingress.get(r)).flatten() {
                let (egress, at) = &self.flows[*flow];
                let e = &edges[*at];
                if egress.as_deref().is_none_or(|r| rules.contains(r))
                    && (!direct || (e.from == "internet" && e.to == target))
                {
                    candidate.insert(*at);
                }
            }
            // Keep those on a chain: reachable from the internet, and reaching the target.
            let reach = |start: &str, forward: bool| {
                let mut seen: BTreeSet<&str> = BTreeSet::from([start]);
                loop {
                    let before = seen.len();
                    for &i in &candidate {
                        let (a, b) =
                            if forward { (&edges[i].from, &edges[i].to) } else { (&edges[i].to, &edges[i].from) };
                        if seen.contains(a.as_str()) {
                            seen.insert(b.as_str());
                        }
                    }
                    if seen.len() == before {
                        return seen.into_iter().map(str::to_string).collect::<BTreeSet<String>>();
                    }
                }
            };
            let (from_internet, to_target) = (reach("internet", true), reach(&target, false));
            h.edges = candidate
                .into_iter()
                .filter(|&i| from_internet.contains(&edges[i].from) && to_target.contains(&edges[i].to))
                .collect();
            let mut nodes: BTreeSet<String> = BTreeSet::from([target]);
            for &i in &h.edges {
                nodes.insert(edges[i].from.clone());
                nodes.insert(edges[i].to.clone());
            }
            h.nodes = order(nodes);
            return h;
        }
        let mut nodes: BTreeSet<String> = target.into_iter().collect();
        for g in &f.group_ids {
            nodes.extend(net.classes_of_group(g).iter().filter_map(|c| self.node_of.get(c).cloned()));
        }
        h.nodes = order(nodes);
        h
    }
}

/// The internet first, then the rest by ID: a stable order.
fn order(nodes: BTreeSet<String>) -> Vec<String> {
    let mut v: Vec<String> = nodes.into_iter().collect();
    v.sort_by_key(|n| (n != "internet", n.len(), n.clone()));
    v
}

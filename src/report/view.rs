//! The flow graph as plain data for the HTML report and the SVG: nodes, edges with their ports, and for
//! each finding the nodes and edges it is about. Built from a [`Network`] once; the renderers borrow nothing
//! from the inventory.
//!
//! Large accounts: above [`COLLAPSE_ABOVE`] drawn sets of members the graph folds. What matters stays drawn one
//! by one, at most [`KEEP`] sets: first the managed databases with exposure findings, then the other sets with
//! exposure findings (self-hosted databases), then the sets the internet reaches directly, then the sets on a
//! path from the internet to an exposed set. Every other set folds
//! into one node per VPC (edges between folded nodes merge, their ports joined). A folded view draws only the
//! edges from the internet and the edges some finding is about; it counts the others. Each folded VPC also has an
//! expansion: the same graph with that VPC's sets drawn one by one (at most [`EXPAND_AT_MOST`], the ones that
//! matter first; the rest in one node), which the HTML report shows when the VPC is selected. At most
//! [`EXPAND_VPCS`] VPCs get one, those whose folded sets matter most: each costs a pass over the flows.

use super::graph::{drawn_edges, exposed_classes, ids, label, members, names, ResourceClasses};
use crate::audit::Finding;
use crate::flow::{Edge, Network, Node};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod highlight;

use highlight::{FlowIndex, Flows};

/// Above this many drawn sets of members, the graph folds.
pub const COLLAPSE_ABOVE: usize = 60;
/// In a folded graph, at most this many sets of members, the ones that matter first, stay drawn one by one.
pub const KEEP: usize = 40;
/// An expanded VPC draws at most this many of its sets one by one.
pub const EXPAND_AT_MOST: usize = 120;
/// At most this many folded VPCs get an expansion.
pub const EXPAND_VPCS: usize = 50;

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
    /// Sets of members of one VPC, folded.
    Vpc,
}

/// A node of the drawn graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewNode {
    /// `internet`, `c3` (a set of members), `v1` (a folded VPC) or `r1` (the rest of an expanded VPC): unique
    /// within the view, and the same in every view of one account.
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

impl ViewEdge {
    /// Unique within a view (edges are merged by their ends), and the same in every view that has both ends.
    pub fn id(&self) -> String {
        format!("{}-{}", self.from, self.to)
    }
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
    /// In a folded view: the edges not drawn, neither from the internet nor about a finding.
    pub left_out: usize,
    /// In an expansion: the ID of the folded VPC node it expands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expands: Option<String>,
    /// In a folded view: one view per folded VPC node, with that VPC's sets drawn one by one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expansions: Vec<GraphView>,
    /// By finding ID.
    pub highlights: BTreeMap<String, Highlight>,
}

/// Where a set of members is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// One by one.
    Own,
    /// In its VPC's node (the index of the VPC).
    Vpc(usize),
    /// In the node for the rest of its expanded VPC.
    Rest(usize),
}

/// Why a set of members matters, most first; a set that matters for none of these is `Other`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Matters {
    ExposedDatastore,
    Exposed,
    FromInternet,
    OnPath,
    Other,
}

/// What every view of one account is drawn from.
struct Drawn<'n, 'a> {
    net: &'n Network<'a>,
    findings: &'n [Finding],
    edges: Vec<&'n Edge<'a>>,
    hidden: usize,
    exposed: BTreeSet<usize>,
    shown: BTreeSet<usize>,
    resources: ResourceClasses<'a>,
    /// Per edge: its ports (`tcp/443`), computed once for every view.
    ports: Vec<Vec<String>>,
    flows: Flows,
}

impl GraphView {
    /// The view of `net`, with `findings` (of the same account, IDs set) marking exposures and highlights.
    /// Internal flows that only rules open to every address admit are left out unless `all_flows`.
    pub fn new(net: &Network, findings: &[Finding], all_flows: bool) -> GraphView {
        let (edges, hidden) = drawn_edges(net, findings, all_flows);
        let resources = ResourceClasses::new(net);
        let exposed = exposed_classes(&resources, findings);
        let shown = super::graph::shown_classes(&edges, &exposed);
        let ports = edges.iter().map(|e| label(e).split(", ").map(str::to_string).collect()).collect();
        let flows = Flows::new(&edges);
        let d = Drawn { net, findings, edges, hidden, exposed, shown, resources, ports, flows };
        if d.shown.len() <= COLLAPSE_ABOVE {
            return d.view(|_| Place::Own);
        }
        let matters = d.matters();
        let mut first: Vec<usize> = d.shown.iter().copied().filter(|c| matters[c] != Matters::Other).collect();
        first.sort_by_key(|c| (matters[c], *c));
        let kept: BTreeSet<usize> = first.into_iter().take(KEEP).collect();
        let keys: BTreeSet<(String, String)> = d.shown.iter().map(|&c| d.vpc_key(c)).collect();
        let keys: Vec<(String, String)> = keys.into_iter().collect();
        let vpc_of: BTreeMap<usize, usize> =
            d.shown.iter().map(|&c| (c, keys.binary_search(&d.vpc_key(c)).unwrap_or(0))).collect();
        let vpc = |c: usize| vpc_of[&c];
        let mut overview = d.view(|c| if kept.contains(&c) { Place::Own } else { Place::Vpc(vpc(c)) });
        // The folded VPCs that get an expansion, at most EXPAND_VPCS: the ones holding the most folded sets that
        // matter, reason by reason (as `Matters` orders them), then the largest. Each expansion costs a pass
        // over the drawn flows, so the cap keeps the whole linear in the account's size. Per VPC: the folded
        // sets counted by reason, then all of them.
        let mut folded: Vec<[usize; 6]> = vec![[0; 6]; keys.len()];
        for &c in d.shown.iter().filter(|c| !kept.contains(c)) {
            let f = &mut folded[vpc(c)];
            f[matters[&c] as usize] += 1;
            f[5] += 1;
        }
        let mut order: Vec<usize> = (0..keys.len()).filter(|&k| folded[k][5] > 0).collect();
        order.sort_by(|&a, &b| folded[b].cmp(&folded[a]).then(a.cmp(&b)));
        order.truncate(EXPAND_VPCS);
        order.sort();
        for k in order {
            let mut inside: Vec<usize> =
                d.shown.iter().copied().filter(|&c| vpc(c) == k && !kept.contains(&c)).collect();
            inside.sort_by_key(|c| (matters[c], *c));
            let own: BTreeSet<usize> = inside.into_iter().take(EXPAND_AT_MOST).collect();
            let mut view = d.view(|c| match vpc(c) {
                _ if kept.contains(&c) || own.contains(&c) => Place::Own,
                v if v == k => Place::Rest(k),
                v => Place::Vpc(v),
            });
            view.expands = Some(format!("v{k}"));
            overview.expansions.push(view);
        }
        overview
    }
}

impl Drawn<'_, '_> {
    /// A set's region and VPC: what folds.
    fn vpc_key(&self, c: usize) -> (String, String) {
        let party = &self.net.classes()[c].party;
        (party.region.unwrap_or("?").to_string(), party.vpc.unwrap_or("VPC unknown").to_string())
    }

    /// Why each drawn set matters: exposed, reached from the internet, or on a path from the internet to an
    /// exposed set (reached from the internet, and reaching an exposed set, over drawn edges).
    fn matters(&self) -> BTreeMap<usize, Matters> {
        let mut forward: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut backward: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut from_internet: BTreeSet<usize> = BTreeSet::new();
        for e in &self.edges {
            match e.from {
                Node::Class(c) => {
                    forward.entry(c).or_default().push(e.to);
                    backward.entry(e.to).or_default().push(c);
                }
                _ => {
                    from_internet.insert(e.to);
                }
            }
        }
        let walk = |start: &BTreeSet<usize>, next: &BTreeMap<usize, Vec<usize>>| {
            let mut seen = start.clone();
            let mut todo: Vec<usize> = start.iter().copied().collect();
            while let Some(c) = todo.pop() {
                for &n in next.get(&c).into_iter().flatten() {
                    if seen.insert(n) {
                        todo.push(n);
                    }
                }
            }
            seen
        };
        let (reached, reaching) = (walk(&from_internet, &forward), walk(&self.exposed, &backward));
        self.shown
            .iter()
            .map(|&c| {
                let why = if self.exposed.contains(&c) && !self.net.classes()[c].datastores.is_empty() {
                    Matters::ExposedDatastore
                } else if self.exposed.contains(&c) {
                    Matters::Exposed
                } else if from_internet.contains(&c) {
                    Matters::FromInternet
                } else if reached.contains(&c) && reaching.contains(&c) {
                    Matters::OnPath
                } else {
                    Matters::Other
                };
                (c, why)
            })
            .collect()
    }

    /// The view with each drawn set where `place` puts it.
    fn view(&self, place: impl Fn(usize) -> Place) -> GraphView {
        let net = self.net;
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
        let mut at_id: BTreeMap<String, usize> = BTreeMap::new();
        let mut folded = 0;
        for &c in &self.shown {
            let class = &net.classes()[c];
            let datastore = !class.relays && !class.datastores.is_empty();
            let (id, rest) = match place(c) {
                Place::Own => {
                    nodes.push(ViewNode {
                        id: format!("c{c}"),
                        kind: if datastore { NodeKind::Datastore } else { NodeKind::Members },
                        title: names(net, class),
                        subtitle: ids(class),
                        members: members(class),
                        groups: class.party.groups.iter().map(|g| net.group_label(g)).collect(),
                        exposed: self.exposed.contains(&c),
                        findings: vec![],
                    });
                    node_of.insert(c, format!("c{c}"));
                    continue;
                }
                Place::Vpc(k) => (format!("v{k}"), false),
                Place::Rest(k) => (format!("r{k}"), true),
            };
            folded += 1;
            let at = *at_id.entry(id.clone()).or_insert_with(|| {
                let (region, vpc) = self.vpc_key(c);
                nodes.push(ViewNode {
                    id: id.clone(),
                    kind: NodeKind::Vpc,
                    title: if rest { format!("{vpc}: the rest") } else { vpc },
                    subtitle: region,
                    members: String::new(),
                    groups: vec![],
                    exposed: false,
                    findings: vec![],
                });
                nodes.len() - 1
            });
            let n = &mut nodes[at];
            n.exposed |= self.exposed.contains(&c);
            n.groups.extend(class.party.groups.iter().map(|g| net.group_label(g)));
            node_of.insert(c, id);
        }
        let mut held: std::collections::HashMap<&str, usize> = Default::default();
        for id in node_of.values() {
            *held.entry(id.as_str()).or_default() += 1;
        }
        for n in nodes.iter_mut().filter(|n| n.kind == NodeKind::Vpc) {
            n.groups.sort();
            n.groups.dedup();
            let count = held.get(n.id.as_str()).copied().unwrap_or(0);
            n.members = if n.id.starts_with('r') {
                format!("{count} more set(s) of members, folded")
            } else {
                format!("{count} set(s) of members folded")
            };
        }
        // Edges, merged by their ends (folded classes share ends); `view_edge` maps each flow edge to its view
        // edge. Ends are compared as node indexes.
        let mut node_index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            node_index.insert(n.id.as_str(), i);
        }
        let end_of: BTreeMap<usize, usize> = node_of.iter().map(|(&c, id)| (c, node_index[id.as_str()])).collect();
        let mut view_edges: Vec<ViewEdge> = Vec::new();
        let mut ports: Vec<BTreeSet<&str>> = Vec::new();
        let mut by_ends: std::collections::HashMap<(usize, usize), usize> = Default::default();
        let mut view_edge: Vec<usize> = Vec::with_capacity(self.edges.len());
        for (e, labels) in self.edges.iter().zip(&self.ports) {
            let from = match e.from {
                Node::Class(c) => end_of[&c],
                _ => 0,
            };
            let to = end_of[&e.to];
            let at = *by_ends.entry((from, to)).or_insert_with(|| {
                view_edges.push(ViewEdge {
                    from: nodes[from].id.clone(),
                    to: nodes[to].id.clone(),
                    label: String::new(),
                    unknown: None,
                });
                ports.push(BTreeSet::new());
                view_edges.len() - 1
            });
            ports[at].extend(labels.iter().map(String::as_str));
            let v = &mut view_edges[at];
            if v.unknown.is_none() {
                v.unknown.clone_from(&e.unknown);
            }
            view_edge.push(at);
        }
        for (v, p) in view_edges.iter_mut().zip(ports) {
            v.label = p.into_iter().collect::<Vec<_>>().join(", ");
        }
        let index = FlowIndex {
            flows: &self.flows,
            view_edge: &view_edge,
            edges: &view_edges,
            node_of: &node_of,
            resources: &self.resources,
        };
        let mut highlights = BTreeMap::new();
        let mut node_at: BTreeMap<String, usize> = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            node_at.insert(n.id.clone(), i);
        }
        for f in self.findings.iter().filter(|f| !f.id.is_empty()) {
            let h = index.highlight(net, f);
            for id in &h.nodes {
                nodes[node_at[id]].findings.push(f.id.clone());
            }
            if !h.nodes.is_empty() {
                highlights.insert(f.id.clone(), h);
            }
        }
        // A folded view draws what matters: the edges from the internet, and the edges some finding is about.
        // At this size the others would tie every set to every other (one rule open to the VPC's range does).
        let mut left_out = 0;
        if folded > 0 {
            let lit: BTreeSet<usize> = highlights.values().flat_map(|h: &Highlight| h.edges.iter().copied()).collect();
            let mut new_index: Vec<Option<usize>> = vec![None; view_edges.len()];
            let mut kept = Vec::new();
            for (i, e) in view_edges.into_iter().enumerate() {
                if e.from == "internet" || lit.contains(&i) {
                    new_index[i] = Some(kept.len());
                    kept.push(e);
                } else {
                    left_out += 1;
                }
            }
            view_edges = kept;
            for h in highlights.values_mut() {
                h.edges = h.edges.iter().filter_map(|&i| new_index[i]).collect();
            }
        }
        GraphView {
            account: net.inventory().account.clone(),
            nodes,
            edges: view_edges,
            hidden: self.hidden,
            blocked: net.blocked_flows().len(),
            folded,
            left_out,
            expands: None,
            expansions: Vec::new(),
            highlights,
        }
    }
}

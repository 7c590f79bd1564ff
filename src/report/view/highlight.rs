//! What selecting a finding lights up in a view: found from the finding's rules through the drawn flows,
//! indexed once per account ([`Flows`]) and mapped onto each view's edges ([`FlowIndex`]).

use super::Highlight;
use crate::audit::Finding;
use crate::flow::{Edge, Network};
use crate::report::graph::{is_exposure, ResourceClasses};
use crate::report::ViewEdge;
use std::collections::{BTreeMap, BTreeSet};

/// Every flow of the drawn edges, numbered edge by edge, computed once for every view: its egress rule's label
/// and its edge, and the flows by their ingress rule's label (a finding's candidates are found from its rules,
/// not by scanning every edge).
pub(super) struct Flows {
    egress: Vec<Option<String>>,
    edge: Vec<usize>,
    by_ingress: std::collections::HashMap<String, Vec<usize>>,
}

impl Flows {
    pub(super) fn new(edges: &[&Edge]) -> Flows {
        let mut f = Flows { egress: Vec::new(), edge: Vec::new(), by_ingress: Default::default() };
        for (k, e) in edges.iter().enumerate() {
            for (eg, ig, _) in &e.flows {
                f.by_ingress.entry(ig.label()).or_default().push(f.edge.len());
                f.egress.push(eg.map(|r| r.label()));
                f.edge.push(k);
            }
        }
        f
    }
}

/// What the highlights are found from: each flow's egress rule label and view edge, the flows by ingress
/// rule label, and where each class is drawn.
pub(super) struct FlowIndex<'v, 'a> {
    pub(super) flows: &'v Flows,
    /// Per drawn flow edge: its view edge.
    pub(super) view_edge: &'v [usize],
    pub(super) edges: &'v [ViewEdge],
    pub(super) node_of: &'v BTreeMap<usize, String>,
    pub(super) resources: &'v ResourceClasses<'a>,
}

impl FlowIndex<'_, '_> {
    /// The nodes and edges a finding is about. An exposure: the internet, the database's node and the edge
    /// between them. A path from the internet: the edges whose flows use only the finding's rules and lie on
    /// a chain from the internet to the database. Any other finding: the nodes holding its resource or groups.
    pub(super) fn highlight(&self, net: &Network, f: &Finding) -> Highlight {
        let edges = self.edges;
        let target = self.resources.of(f).and_then(|c| self.node_of.get(&c).cloned());
        let mut h = Highlight::default();
        if f.check == "internet-path-to-database" || is_exposure(f) {
            let Some(target) = target else { return h };
            let rules: BTreeSet<&str> = f.rule_ids.iter().map(String::as_str).collect();
            let direct = f.check != "internet-path-to-database";
            // Candidate view edges: some flow of theirs is admitted by the finding's rules (both halves).
            let mut candidate: BTreeSet<usize> = BTreeSet::new();
            for &flow in f.rule_ids.iter().filter_map(|r| self.flows.by_ingress.get(r)).flatten() {
                let (egress, at) = (&self.flows.egress[flow], &self.view_edge[self.flows.edge[flow]]);
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

//! Every flow of the account, as edges between classes (and from the internet): what `sgaudit graph` draws.
//!
//! A flow the security groups allow is then gated as a path of one hop is (`gate.rs`): by the routes between
//! VPCs and the network ACLs of some pair of members. A flow that no pair gets through is left out of the
//! edges and kept, with what blocks it, among the blocked flows; one that cannot be decided stays, marked
//! unknown.

use super::{ClassId, Exposure, Hop, Missing, Network, Node, Place, Traffic, Want};
use crate::model::Rule;
use rustc_hash::FxHashSet as HashSet;

/// One flow of an edge: the egress rule (none from the internet), the ingress rule, the traffic both admit.
pub type Flow<'a> = (Option<&'a Rule>, &'a Rule, Traffic);

/// All flows from one node to one class.
#[derive(Debug, Clone)]
pub struct Edge<'a> {
    pub from: Node,
    pub to: ClassId,
    /// Each admitting ingress rule, with the egress rule that completes it (none from the internet) and the
    /// traffic both admit.
    pub flows: Vec<Flow<'a>>,
    /// Why some flow of the edge cannot be decided (a route table that was not read), if one cannot.
    pub unknown: Option<String>,
}

/// A flow the security groups allow that the routes between VPCs or the network ACLs block.
#[derive(Debug, Clone)]
pub struct BlockedFlow<'a> {
    pub from: Node,
    pub to: ClassId,
    pub flow: Flow<'a>,
    /// What blocks it, with the command that would open it.
    pub missing: Missing,
}

/// The edges that carry traffic, and the flows the network blocks.
#[derive(Debug, Default)]
pub(crate) struct Graph<'a> {
    edges: Vec<Edge<'a>>,
    blocked: Vec<BlockedFlow<'a>>,
}

impl Edge<'_> {
    /// Whether an internal flow is admitted only by rules open to every address (`0.0.0.0/0`, `::/0`): true
    /// of every member toward an internet-facing group. Diagrams and policies leave these out: they are the
    /// internet flow's business.
    pub fn only_through_open_rules(&self) -> bool {
        matches!(self.from, Node::Class(_))
            && self.flows.iter().all(|(_, i, _)| i.peer.cidr().is_some_and(|c| c.prefix_len() == 0))
    }

    /// The distinct traffic of the edge, in rule order: `tcp/80, tcp/443`.
    pub fn traffic(&self) -> Vec<Traffic> {
        let mut out: Vec<Traffic> = Vec::new();
        for (_, _, t) in &self.flows {
            if !out.contains(t) {
                out.push(*t);
            }
        }
        out
    }
}

impl<'a> Network<'a> {
    /// The flow graph: from the internet to every class with a reachable public address that a public rule
    /// admits, and from every class with relay members to every class that admits it. Candidates come from
    /// the same indexes as the search (rules by referenced group, CIDR rules by masked address), so the cost
    /// is that of the edges found, not of all pairs of classes. Worked out once per network.
    pub fn edges(&self) -> &[Edge<'a>] {
        &self.graph().edges
    }

    /// The flows the security groups allow but the routes between VPCs or the network ACLs block.
    pub fn blocked_flows(&self) -> &[BlockedFlow<'a>] {
        &self.graph().blocked
    }

    fn graph(&self) -> &Graph<'a> {
        self.edges.get_or_init(|| {
            let mut graph = Graph::default();
            for edge in self.find_edges() {
                self.gate_edge(edge, &mut graph);
            }
            graph
        })
    }

    /// Keeps the flows of `edge` that some pair of members gets through, and files the others as blocked.
    fn gate_edge(&self, mut edge: Edge<'a>, graph: &mut Graph<'a>) {
        let exposure = match edge.from {
            Node::Internet => self.internet_exposure(edge.to),
            _ => None,
        };
        let mut kept = Vec::with_capacity(edge.flows.len());
        for flow in std::mem::take(&mut edge.flows) {
            let mut hop = [Hop {
                from: edge.from,
                to: Node::Class(edge.to),
                egress: flow.0,
                ingress: Some(flow.1),
                traffic: flow.2,
                address: exposure.as_ref().map(|e| self.entry_families(flow.1, e, flow.2)).unwrap_or_default(),
                acl: None,
                route: None,
            }];
            match self.gate(&mut hop, &Place::Internet, &Place::Internet) {
                (Some(missing), _) => graph.blocked.push(BlockedFlow { from: edge.from, to: edge.to, flow, missing }),
                (None, unknown) => {
                    if edge.unknown.is_none() {
                        edge.unknown = unknown;
                    }
                    kept.push(flow);
                }
            }
        }
        if !kept.is_empty() {
            edge.flows = kept;
            graph.edges.push(edge);
        }
    }

    /// The reachable public address half of a class, for the network ACL of its subnet.
    /// How the internet reaches a class: its relays' exposure, or an open one of its databases (which do not
    /// relay, but the internet may still reach them).
    fn internet_exposure(&self, c: ClassId) -> Option<Exposure> {
        let class = &self.classes[c];
        let exposure = class
            .relay_exposure
            .clone()
            .or_else(|| class.datastores.iter().map(|d| self.datastore_exposure(d)).find(|e| e.is_open()));
        exposure.filter(|e| e.is_open())
    }

    fn find_edges(&self) -> Vec<Edge<'a>> {
        let mut out = Vec::new();
        for (id, c) in self.classes.iter().enumerate() {
            let Some(exposure) = self.internet_exposure(id) else { continue };
            let flows: Vec<Flow<'a>> = self
                .internet_entries(&c.party.groups, &exposure, Want::ANY)
                .into_iter()
                .flat_map(|(r, _)| self.accepted(id, Traffic::of(r)).into_iter().map(move |t| (None, r, t)))
                .collect();
            if !flows.is_empty() {
                out.push(Edge { from: Node::Internet, to: id, flows, unknown: None });
            }
        }
        for (s, class) in self.classes.iter().enumerate() {
            if !class.opens {
                continue;
            }
            if self.forwarding(s).is_some() {
                let flows = self.forwards(s).into_iter().map(|(d, e, i, t)| (d, (Some(e), i, t)));
                out.extend(edges_from(s, flows));
                continue;
            }
            let source = class.as_source();
            let mut candidates: Vec<&'a Rule> = Vec::new();
            let mut seen: HashSet<*const Rule> = HashSet::default();
            let mut add = |r: &'a Rule| {
                if seen.insert(std::ptr::from_ref(r)) {
                    candidates.push(r);
                }
            };
            for g in &source.groups {
                self.ingress_admitting(g).iter().for_each(|r| add(r));
            }
            for key in self.net_keys(source) {
                self.ingress_by_net.get(&key).iter().for_each(|r| add(r));
            }
            let mut flows: Vec<(ClassId, Flow<'a>)> = Vec::new();
            for ingress in candidates {
                for &d in self.classes_of_group(&ingress.group_id) {
                    if !self.peer_matches(ingress, source) {
                        continue;
                    }
                    if let Some((e, t)) = self.enter(source, d, ingress) {
                        flows.push((d, (Some(e), ingress, t)));
                    }
                }
            }
            out.extend(edges_from(s, flows));
        }
        out
    }
}

/// The edges out of class `s`: its flows grouped by destination class (in the order each flow was found),
/// destinations in class order.
fn edges_from<'a>(s: ClassId, flows: impl IntoIterator<Item = (ClassId, Flow<'a>)>) -> Vec<Edge<'a>> {
    let mut by_target: Vec<(ClassId, Vec<Flow<'a>>)> = Vec::new();
    for (d, flow) in flows {
        match by_target.iter_mut().find(|(c, _)| *c == d) {
            Some((_, all)) => all.push(flow),
            None => by_target.push((d, vec![flow])),
        }
    }
    by_target.sort_by_key(|(c, _)| *c);
    by_target.into_iter().map(|(to, flows)| Edge { from: Node::Class(s), to, flows, unknown: None }).collect()
}

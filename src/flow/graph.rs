//! Every flow of the account, as edges between classes (and from the internet): what `sgaudit graph` draws.

use super::{ClassId, Network, Node, Traffic, Want};
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
        self.edges.get_or_init(|| self.find_edges())
    }

    fn find_edges(&self) -> Vec<Edge<'a>> {
        let mut out = Vec::new();
        for (id, c) in self.classes.iter().enumerate() {
            let exposure = c.relay_exposure.clone().or_else(|| {
                // Databases do not relay, but the internet may still reach them.
                c.datastores.iter().map(|d| self.datastore_exposure(d)).find(|e| e.is_open())
            });
            let Some(exposure) = exposure.filter(|e| e.is_open()) else { continue };
            let flows: Vec<Flow<'a>> = self
                .internet_entries(&c.party.groups, &exposure, Want::ANY)
                .into_iter()
                .flat_map(|(r, _, _)| self.accepted(id, Traffic::of(r)).into_iter().map(move |t| (None, r, t)))
                .collect();
            if !flows.is_empty() {
                out.push(Edge { from: Node::Internet, to: id, flows });
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
                if let Some(list) = self.ingress_by_net.get(&key) {
                    list.iter().for_each(|r| add(r));
                }
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
    by_target.into_iter().map(|(to, flows)| Edge { from: Node::Class(s), to, flows }).collect()
}

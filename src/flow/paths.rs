//! Paths from the internet to every database: managed datastores on the port they listen on, and compute
//! hosts (instances, containers) on the well-known database ports their groups admit. One breadth-first
//! search from the internet serves them all; each end keeps the worst candidate that the routes and network
//! ACLs let through.

use super::{ClassId, Hop, Network, Node, Place, Tree, Want};
use crate::model::{Datastore, NetworkInterface};
use rustc_hash::FxHashMap as HashMap;

/// How many candidate paths to one end are checked against the routes and network ACLs before the search
/// gives up on it.
const GATED: usize = 8;

/// The last hops into one end, each with its rank and the class it leaves from, worst first.
type Candidates<'a, K> = Vec<(K, ClassId, Hop<'a>)>;

/// Where a path from the internet ends.
#[derive(Debug, Clone, Copy)]
pub enum PathEnd<'a> {
    /// A managed database or cache, on its port.
    Datastore(&'a Datastore),
    /// A compute host (not a managed-service interface) on a well-known database port its groups admit: a
    /// self-hosted database, search engine or cache.
    Host { interface: &'a NetworkInterface, port: u16 },
}

/// A path from the internet to a database: the hops, the last one on the database's port.
#[derive(Debug, Clone)]
pub struct InternetPath<'a> {
    pub end: PathEnd<'a>,
    pub hops: Vec<Hop<'a>>,
}

impl<'a> Network<'a> {
    /// For every database and cache (members of a cluster or replication group are represented by it), and
    /// every compute host on each range of `host_ports` (well-known database ports) that its groups admit,
    /// that the internet does not reach directly: the worst path from the internet through at least one
    /// intermediate class, if any (for a host, the worst over its ports). Each reached class contributes the
    /// shortest path to it; `rank` orders paths by (first hop, number of hops), highest wins, ties go to the
    /// shorter path, then rule order. A path is kept only when the routes between VPCs and the network ACLs
    /// let every hop through (a hop that cannot be decided counts as through); its hops carry those halves.
    pub fn internet_paths<K: Ord>(
        &self,
        host_ports: &[(u16, u16)],
        rank: impl Fn(&Hop<'a>, usize) -> K,
    ) -> Vec<InternetPath<'a>> {
        let tree = self.search(self.internet_hops(), &[], u32::MAX);
        let mut out = Vec::new();
        for d in &self.inventory.datastores {
            let on_parent = self.reported_on_parent(d);
            let (Some(port), false, Some(class)) = (d.effective_port(), on_parent, self.class_of_datastore(d)) else {
                continue;
            };
            let want = Want::tcp(port);
            let party = &self.classes[class].party;
            if !self.internet_way(&party.groups, &self.datastore_exposure(d), want).is_empty() {
                continue; // direct exposure: exposed-database's finding
            }
            let candidates = self.candidates(&tree, class, want, &rank);
            if let Some((_, hops)) = self.first_open(&tree, &candidates, &Place::Datastore(d)) {
                out.push(InternetPath { end: PathEnd::Datastore(d), hops });
            }
        }
        // Compute hosts: the candidates of a class and port are found once, ports worst first, and gated per
        // member until no port left can beat the worst path found.
        let mut by_class: HashMap<ClassId, Vec<(u16, Candidates<'a, K>)>> = HashMap::default();
        for eni in &self.inventory.interfaces {
            if eni.managed_by().is_some() || self.is_attached(eni) {
                continue;
            }
            let Some(class) = self.class_of_interface(eni) else { continue };
            let per_port = by_class.entry(class).or_insert_with(|| {
                let mut ports: Vec<(u16, Candidates<'a, K>)> = self
                    .admitted_ports(class, host_ports)
                    .into_iter()
                    .map(|port| (port, self.candidates(&tree, class, Want::tcp(port), &rank)))
                    .filter(|(_, c)| !c.is_empty())
                    .collect();
                // Worst first candidate first; ties keep the table's order (the sort is stable).
                ports.sort_by(|a, b| b.1[0].0.cmp(&a.1[0].0));
                ports
            });
            let exposure = self.routing.interface(eni);
            let groups = &self.classes[class].party.groups;
            let mut worst: Option<(&K, u16, Vec<Hop<'a>>)> = None;
            for (port, candidates) in per_port.iter() {
                if worst.as_ref().is_some_and(|(w, _, _)| candidates[0].0 <= **w) {
                    break; // no candidate of this port or a later one ranks above the path found
                }
                if !self.internet_way(groups, &exposure, Want::tcp(*port)).is_empty() {
                    continue; // direct exposure: exposed-database's finding
                }
                let Some((k, hops)) = self.first_open(&tree, candidates, &Place::Interface(eni)) else { continue };
                if worst.as_ref().is_none_or(|(w, _, _)| k > *w) {
                    worst = Some((k, *port, hops));
                }
            }
            if let Some((_, port, hops)) = worst {
                out.push(InternetPath { end: PathEnd::Host { interface: eni, port }, hops });
            }
        }
        out
    }

    /// The first port of each range that some ingress rule of the class's groups admits over TCP.
    fn admitted_ports(&self, class: ClassId, ranges: &[(u16, u16)]) -> Vec<u16> {
        let rules: Vec<_> = self.classes[class].party.groups.iter().flat_map(|g| self.ingress(g)).collect();
        ranges.iter().filter_map(|&(from, to)| (from..=to).find(|&p| rules.iter().any(|r| r.admits_tcp(p)))).collect()
    }

    /// The last hops into `class` for `want` from every reached relay class other than itself, at most
    /// `GATED`, worst first (ties to the shorter path, then rule order).
    fn candidates<K: Ord>(
        &self,
        tree: &Tree<'a>,
        class: ClassId,
        want: Want,
        rank: &impl Fn(&Hop<'a>, usize) -> K,
    ) -> Candidates<'a, K> {
        let party = &self.classes[class].party;
        let mut ranked: Vec<(K, u32, ClassId, Hop<'a>)> = Vec::new();
        for (c, last) in self.last_hops(tree, party, Node::Class(class), want) {
            if c == class {
                continue; // a member connecting to its own port is no path from outside
            }
            let Some(first) = self.first_hop(tree, c) else { continue };
            let hops = tree.dist[c] + 1;
            ranked.push((rank(first, hops as usize), hops, c, last));
        }
        // Worst first; ties to the shorter path, then rule order (the sort is stable).
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(GATED);
        ranked.into_iter().map(|(k, _, c, last)| (k, c, last)).collect()
    }

    /// The first candidate path to `to` that the routes between VPCs and the network ACLs let through: each
    /// costs a member-pair check per hop.
    fn first_open<'k, K>(
        &self,
        tree: &Tree<'a>,
        candidates: &'k [(K, ClassId, Hop<'a>)],
        to: &Place<'a>,
    ) -> Option<(&'k K, Vec<Hop<'a>>)> {
        for (k, c, last) in candidates {
            let mut hops = tree.path_to(*c);
            hops.push(last.clone());
            if self.gate(&mut hops, &Place::Internet, to).0.is_none() {
                return Some((k, hops));
            }
        }
        None
    }
}

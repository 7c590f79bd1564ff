//! Path search: breadth first over classes, from the internet or from any party.
//!
//! Cost: every class is reached at most once, and every candidate edge (an ingress rule that references a
//! group, or a CIDR rule found by masking a relay's address with each prefix length in use) is dropped from
//! its index as soon as every class of its group has been reached. Each expansion therefore costs the
//! candidates it finds plus the egress rules of the class it expands: O(classes + rules + addresses × prefix
//! lengths) for the whole walk, in practice, instead of the classes² of a walk over pairs.

use super::{ClassId, FamilyReach, Hop, Network, Node, Party, Traffic, Want};
use crate::model::Rule;
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;

/// The result of a search: for every reached class, its distance in hops and the hop that reached it.
pub struct Tree<'a> {
    /// For each class, its distance in hops from the start (`u32::MAX` if none).
    pub dist: Vec<u32>,
    via: Vec<Option<Hop<'a>>>,
}

pub const UNREACHED: u32 = u32::MAX;

impl<'a> Tree<'a> {
    /// The hops from the start to `c`, in order.
    pub fn path_to(&self, c: ClassId) -> Vec<Hop<'a>> {
        let mut hops = Vec::new();
        let mut at = Node::Class(c);
        while let Node::Class(id) = at {
            let Some(hop) = &self.via[id] else { break };
            if hops.len() > self.via.len() {
                break; // defensive: distances strictly decrease along `via`, so this never happens
            }
            hops.push(hop.clone());
            at = hop.from;
        }
        hops.reverse();
        hops
    }
}

/// A search's candidate list not copied from its index yet.
const NO_LIST: u32 = u32::MAX;

impl<'a> Network<'a> {
    /// The first hops from the internet: every relay class with a reachable address whose ingress admits a
    /// public source of that address's family.
    pub fn internet_hops(&self) -> Vec<Hop<'a>> {
        let mut out = Vec::new();
        for (id, c) in self.classes.iter().enumerate() {
            let Some(exposure) = &c.relay_exposure else { continue };
            if !exposure.is_open() {
                continue;
            }
            // A load balancer accepts only what its listeners do.
            let mut ways = Vec::new();
            for (r, families) in self.internet_entries(&c.party.groups, exposure, Want::ANY) {
                if let Some(t) = self.accepted(id, Traffic::of(r)).into_iter().next() {
                    ways.extend(families.into_iter().map(|f| FamilyReach { traffic: t, ..f }));
                }
            }
            if let Some(first) = ways.first() {
                out.push(Hop {
                    from: Node::Internet,
                    to: Node::Class(id),
                    egress: None,
                    ingress: Some(first.rule),
                    traffic: first.traffic,
                    address: ways,
                    acl: None,
                    route: None,
                });
            }
        }
        out
    }

    /// Breadth-first search from `start` (hops that reach classes at depth 1), expanding classes whose
    /// members open connections, up to `max_depth` hops from the start. `origins` are the classes the start
    /// hops leave from (distance 0): never reached again, so no path loops back through them.
    pub fn search(&self, start: Vec<Hop<'a>>, origins: &[ClassId], max_depth: u32) -> Tree<'a> {
        let n = self.classes.len();
        let mut tree = Tree { dist: vec![UNREACHED; n], via: vec![None; n] };
        for &o in origins {
            tree.dist[o] = 0;
        }
        // Per group (by its number in `classes_of_group`): classes not reached yet. A candidate rule is dropped
        // once its group's count is zero.
        let mut remaining: Vec<usize> =
            (0..self.classes_of_group.len()).map(|s| self.classes_of_group.at(s).len()).collect();
        // The candidate lists this search drops rules from, each rule with its group's number: copied from the
        // indexes on first use only, all into one arena (`lists` holds each copy's start and live length).
        let mut arena: Vec<(u32, &'a Rule)> = Vec::new();
        let mut lists: Vec<(u32, u32)> = Vec::new();
        // Which of `lists` holds the copy of each index slot (NO_LIST until first use): the slot found for a
        // key answers both the index and the copy, one hash per key.
        let mut peer_list = vec![NO_LIST; self.ingress_by_peer.len()];
        let mut net_list = vec![NO_LIST; self.ingress_by_net.len()];
        // Copies the list on first use, drops its rules whose group has no class left to reach, and appends
        // the live ones to `candidates`.
        let take = |arena: &mut Vec<(u32, &'a Rule)>,
                    lists: &mut Vec<(u32, u32)>,
                    copy: &mut u32,
                    index: &[&'a Rule],
                    remaining: &[usize],
                    candidates: &mut Vec<(u32, &'a Rule)>| {
            if *copy == NO_LIST {
                *copy = lists.len() as u32;
                let at = arena.len();
                arena.extend(index.iter().filter_map(|r| Some((self.group_slot(r)? as u32, *r))));
                lists.push((at as u32, (arena.len() - at) as u32));
            }
            let (at, len) = &mut lists[*copy as usize];
            let list = &mut arena[*at as usize..(*at + *len) as usize];
            // `retain` in place, in order.
            let mut kept = 0;
            for i in 0..list.len() {
                if remaining[list[i].0 as usize] > 0 {
                    list[kept] = list[i];
                    kept += 1;
                }
            }
            *len = kept as u32;
            candidates.extend_from_slice(&list[..kept]);
        };
        let mut queue: VecDeque<ClassId> = VecDeque::new();
        let mut candidates: Vec<(u32, &'a Rule)> = Vec::new();

        let visit = |tree: &mut Tree<'a>,
                     remaining: &mut Vec<usize>,
                     queue: &mut VecDeque<ClassId>,
                     c: ClassId,
                     d: u32,
                     hop: Hop<'a>| {
            if tree.dist[c] != UNREACHED {
                return;
            }
            tree.dist[c] = d;
            tree.via[c] = Some(hop);
            for &g in &self.classes[c].group_slots {
                remaining[g as usize] -= 1;
            }
            queue.push_back(c);
        };
        for hop in start {
            if let Node::Class(c) = hop.to {
                visit(&mut tree, &mut remaining, &mut queue, c, 1, hop);
            }
        }

        while let Some(s) = queue.pop_front() {
            let d = tree.dist[s];
            if d >= max_depth || !self.classes[s].relays {
                continue;
            }
            // A load balancer opens connections to its registered targets only.
            if self.forwarding(s).is_some() {
                for (c, egress, ingress, traffic) in self.forwards(s) {
                    let hop = Hop {
                        from: Node::Class(s),
                        to: Node::Class(c),
                        egress: Some(egress),
                        ingress: Some(ingress),
                        traffic,
                        address: Vec::new(),
                        acl: None,
                        route: None,
                    };
                    visit(&mut tree, &mut remaining, &mut queue, c, d + 1, hop);
                }
                continue;
            }
            let source = self.classes[s].as_source();
            // Candidates: rules that reference one of the source's groups, then CIDR rules that contain one
            // of its relay addresses.
            candidates.clear();
            for g in &source.groups {
                let Some(slot) = self.ingress_by_peer.slot(*g) else { continue };
                let index = self.ingress_by_peer.at(slot);
                take(&mut arena, &mut lists, &mut peer_list[slot], index, &remaining, &mut candidates);
            }
            for key in self.net_keys(source) {
                let Some(slot) = self.ingress_by_net.slot(&key) else { continue };
                let index = self.ingress_by_net.at(slot);
                take(&mut arena, &mut lists, &mut net_list[slot], index, &remaining, &mut candidates);
            }
            for &(group, ingress) in &candidates {
                let group = group as usize;
                if remaining[group] == 0 {
                    continue;
                }
                if ingress.peer.group_id().is_none() && !self.in_scope(ingress, source) {
                    continue;
                }
                for &c in self.classes_of_group.at(group) {
                    if tree.dist[c] != UNREACHED || c == s {
                        continue;
                    }
                    if let Some((egress, traffic)) = self.enter(source, c, ingress) {
                        let hop = Hop {
                            from: Node::Class(s),
                            to: Node::Class(c),
                            egress: Some(egress),
                            ingress: Some(ingress),
                            traffic,
                            address: Vec::new(),
                            acl: None,
                            route: None,
                        };
                        visit(&mut tree, &mut remaining, &mut queue, c, d + 1, hop);
                    }
                }
            }
        }
        tree
    }

    /// The first hop of the path to `c`.
    pub fn first_hop<'t>(&self, tree: &'t Tree<'a>, c: ClassId) -> Option<&'t Hop<'a>> {
        let mut hop = tree.via[c].as_ref()?;
        while let Node::Class(prev) = hop.from {
            match tree.via[prev].as_ref() {
                Some(h) => hop = h,
                None => break,
            }
        }
        Some(hop)
    }

    /// The last hops into `to` for `want`, one from each reached relay class that can make it (the first
    /// admitting rule of each), with that class.
    pub fn last_hops(&self, tree: &Tree<'a>, to: &Party, to_node: Node, want: Want) -> Vec<(ClassId, Hop<'a>)> {
        let mut found: HashMap<ClassId, Hop<'a>> = HashMap::default();
        let mut order: Vec<ClassId> = Vec::new();
        let to_class = match to_node {
            Node::Class(d) => Some(d),
            _ => None,
        };
        if to_class.is_some_and(|d| !self.accepts(d, want)) {
            return Vec::new(); // a load balancer with no listener for `want`
        }
        // Rules that name a group first: they say more about the path than a CIDR that happens to match.
        let rules: Vec<&'a Rule> = {
            let all = to.groups.iter().flat_map(|g| self.ingress(g)).copied();
            let (by_group, by_net): (Vec<&Rule>, Vec<&Rule>) = all.partition(|r| r.peer.group_id().is_some());
            by_group.into_iter().chain(by_net).collect()
        };
        {
            for ingress in rules {
                if !Traffic::of(ingress).admits(want) {
                    continue;
                }
                let mut consider = |c: ClassId| {
                    if tree.dist[c] == UNREACHED || !self.classes[c].relays || found.contains_key(&c) {
                        return;
                    }
                    if self.forwarding(c).is_some() && !to_class.is_some_and(|d| self.forwards_to(c, d, want)) {
                        return; // a load balancer forwards to its registered targets only
                    }
                    let source = self.classes[c].as_source();
                    if !self.peer_matches(ingress, source) {
                        return;
                    }
                    if let Some((egress, traffic)) = self.egress_half(source, to, Traffic::of(ingress), want) {
                        let hop = Hop {
                            from: Node::Class(c),
                            to: to_node,
                            egress: Some(egress),
                            ingress: Some(ingress),
                            traffic,
                            address: Vec::new(),
                            acl: None,
                            route: None,
                        };
                        found.insert(c, hop);
                        order.push(c);
                    }
                };
                match ingress.peer.group_id() {
                    Some(peer) => self.classes_of_group(peer).iter().for_each(|&c| consider(c)),
                    None => {
                        for net in self.peer_nets(ingress).unwrap_or_default() {
                            self.relays_in(&net).for_each(&mut consider);
                        }
                    }
                }
            }
        }
        order.into_iter().map(|c| (c, found.remove(&c).expect("found"))).collect()
    }

    /// The last hop into `to` for `want` from the nearest reached relay class (ties: the first in rule
    /// order), with that class.
    pub fn last_hop(&self, tree: &Tree<'a>, to: &Party, to_node: Node, want: Want) -> Option<(ClassId, Hop<'a>)> {
        let mut best: Option<(ClassId, Hop<'a>)> = None;
        for (c, hop) in self.last_hops(tree, to, to_node, want) {
            if best.as_ref().is_none_or(|(b, _)| tree.dist[c] < tree.dist[*b]) {
                best = Some((c, hop));
            }
        }
        best
    }
}

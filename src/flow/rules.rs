//! The rule indexes of the flow model: rules by group and direction, ingress rules by the group they admit and
//! by the networks they admit. Built from the rules alone, beside the classes ([`super::class`]).

use super::NetKey;
use crate::grouped::{Grouped, GroupedBuilder};
use crate::model::{Direction, Inventory, Peer, PrefixList, Rule};
use ipnet::IpNet;
use rustc_hash::FxHashMap as HashMap;

pub(crate) struct RuleIndex<'a> {
    pub prefix_lists: HashMap<(&'a str, &'a str), &'a PrefixList>,
    pub ingress: Grouped<&'a str, &'a Rule>,
    pub egress: Grouped<&'a str, &'a Rule>,
    /// Ingress rules by the group they admit.
    pub ingress_by_peer: Grouped<&'a str, &'a Rule>,
    /// Ingress rules with CIDR peers (prefix lists expanded), by scope, masked network and prefix length.
    pub ingress_by_net: Grouped<NetKey, &'a Rule>,
    /// Scope IDs: (region, VPC) → ID, and the IDs of each region, sorted.
    pub scope_ids: HashMap<(&'a str, Option<&'a str>), u32>,
    pub scopes_of_region: HashMap<&'a str, Vec<u32>>,
    /// The prefix lengths in `ingress_by_net`, per family, sorted.
    pub net_lengths: [Vec<u8>; 2],
}

impl<'a> RuleIndex<'a> {
    pub fn new(inv: &'a Inventory) -> RuleIndex<'a> {
        let prefix_lists: HashMap<(&str, &str), &PrefixList> =
            inv.prefix_lists.iter().map(|p| ((p.region.as_str(), p.id.as_str()), p)).collect();
        let groups = inv.groups.len();
        let rules = inv.rules.len();
        let mut ingress = GroupedBuilder::with_capacity(groups, rules);
        let mut egress = GroupedBuilder::with_capacity(groups, rules);
        let mut ingress_by_peer = GroupedBuilder::with_capacity(groups, 0);
        let mut ingress_by_net = GroupedBuilder::with_capacity(0, 0);
        let mut keys: Vec<NetKey> = Vec::new();
        let mut last_scope: Option<(&str, u32)> = None;
        let mut scope_ids: HashMap<(&str, Option<&str>), u32> = HashMap::default();
        let mut scope_of = |region: &'a str, vpc: Option<&'a str>| -> u32 {
            let next = scope_ids.len() as u32;
            *scope_ids.entry((region, vpc)).or_insert(next)
        };
        let group_scope: HashMap<&str, u32> =
            inv.groups.iter().map(|g| (g.id.as_str(), scope_of(&g.region, g.vpc_id.as_deref()))).collect();
        let mut net_lengths: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        for r in &inv.rules {
            match r.direction {
                Direction::Egress => {
                    egress.push(r.group_id.as_str(), r);
                }
                Direction::Ingress => {
                    ingress.push(r.group_id.as_str(), r);
                    if let Some(g) = r.peer.group_id() {
                        ingress_by_peer.push(g, r);
                        continue;
                    }
                    // The rules of a group usually come together: look its scope up once per run.
                    let scope = match last_scope {
                        Some((g, s)) if g == r.group_id.as_str() => s,
                        _ => {
                            let s = match group_scope.get(r.group_id.as_str()) {
                                Some(s) => *s,
                                None => scope_of(&r.region, None),
                            };
                            last_scope = Some((r.group_id.as_str(), s));
                            s
                        }
                    };
                    keys.clear();
                    let mut index = |net: &IpNet| {
                        keys.push((scope, net.network(), net.prefix_len()));
                        let lengths = &mut net_lengths[usize::from(net.addr().is_ipv6())];
                        if !lengths.contains(&net.prefix_len()) {
                            lengths.push(net.prefix_len());
                        }
                    };
                    // A CIDR peer is indexed as it is; a prefix list by each entry, when they were collected.
                    match &r.peer {
                        Peer::PrefixList(id) => {
                            for net in
                                prefix_lists.get(&(r.region.as_str(), id.as_str())).into_iter().flat_map(|p| &p.entries)
                            {
                                index(net);
                            }
                        }
                        peer => peer.cidr().iter().for_each(&mut index),
                    }
                    // Entries of one prefix list may mask to the same key: the rule is listed there once.
                    keys.sort_unstable();
                    keys.dedup();
                    for key in &keys {
                        ingress_by_net.push(*key, r);
                    }
                }
            }
        }
        for l in &mut net_lengths {
            l.sort_unstable();
        }
        let mut scopes_of_region: HashMap<&str, Vec<u32>> = HashMap::default();
        for ((region, _), id) in &scope_ids {
            scopes_of_region.entry(region).or_default().push(*id);
        }
        for v in scopes_of_region.values_mut() {
            v.sort_unstable();
        }
        RuleIndex {
            prefix_lists,
            ingress: ingress.build(),
            egress: egress.build(),
            ingress_by_peer: ingress_by_peer.build(),
            ingress_by_net: ingress_by_net.build(),
            scope_ids,
            scopes_of_region,
            net_lengths,
        }
    }
}

/// The networks a rule's peer names: the CIDR, or a prefix list's entries. `None` for group peers and for
/// prefix lists whose entries were not collected.
pub(crate) fn peer_nets(lists: &HashMap<(&str, &str), &PrefixList>, rule: &Rule) -> Option<Vec<IpNet>> {
    match &rule.peer {
        Peer::Ipv4(_) | Peer::Ipv6(_) => rule.peer.cidr().map(|c| vec![c]),
        Peer::PrefixList(id) => lists.get(&(rule.region.as_str(), id.as_str())).map(|p| p.entries.clone()),
        Peer::Group { .. } => None,
    }
}

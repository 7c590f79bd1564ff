//! What the two policy checks share: the tier of each set of members, and the flows between tiers.

use crate::flow::{ClassId, Edge, Network, Node};
use crate::policy::{Policy, INTERNET};

/// The tier of a class: that of its first group that belongs to one.
pub(crate) fn tier_of<'p>(net: &Network, policy: &'p Policy, c: ClassId) -> Option<&'p str> {
    net.classes()[c].party.groups.iter().filter_map(|g| net.group(g)).find_map(|g| policy.tier_of(g))
}

/// The tier of an edge's source: `internet`, or the class's tier.
pub(crate) fn source_tier<'p>(net: &Network, policy: &'p Policy, e: &Edge) -> Option<&'p str> {
    match e.from {
        Node::Internet => Some(INTERNET),
        Node::Class(c) => tier_of(net, policy, c),
        Node::Cidr(_) => None,
    }
}

/// `sg-1+sg-2`, or `internet`: how flow resources are named.
pub(crate) fn node_id(net: &Network, n: Node) -> String {
    match n {
        Node::Class(c) => net.classes()[c].party.groups.join("+"),
        Node::Internet => INTERNET.to_string(),
        Node::Cidr(c) => c.to_string(),
    }
}

/// The region of a class (that of its first known group), else the inventory's first.
pub(crate) fn region(net: &Network, c: ClassId) -> String {
    net.classes()[c]
        .party
        .groups
        .iter()
        .find_map(|g| net.group(g))
        .map(|g| g.region.clone())
        .or_else(|| net.inventory().regions.first().cloned())
        .unwrap_or_default()
}

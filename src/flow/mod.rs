//! The flow model: which members of which security groups can open connections to which others, and which can
//! the internet reach. Pure, like the rest of the core.
//!
//! Security groups are stateful, so a connection from A to B needs two halves: one of A's groups has an
//! egress rule admitting B (by one of B's groups, or a CIDR or prefix list containing one of B's addresses),
//! and one of B's groups has an ingress rule admitting A (likewise), for a common protocol and port. Replies
//! need no rule. From the internet, only the ingress half is a rule; the other half is an address: a public
//! address in a subnet that routes to an internet gateway (`routing`).
//!
//! Members that carry the same set of groups are governed by the same rules, so the model works on those
//! sets ([`Class`]es), never on pairs of interfaces. Search (`search`) is a breadth-first walk over
//! classes in which every candidate edge comes from an index (ingress rules by referenced group, CIDR rules
//! by masked address) and is dropped once its destination is reached.

mod acl;
mod attach;
mod balancer;
mod class;
mod egress;
mod gate;
mod graph;
mod halves;
mod naming;
mod paths;
mod peering;
mod place;
mod reach;
mod routing;
mod rules;
mod search;
mod traffic;

pub(crate) use acl::{AclFix, Acls};
pub use acl::{AclHalf, End};
pub use balancer::Forward;
pub(crate) use balancer::{unknown_forwarding, Forwarding};
pub use class::Class;
pub(crate) use class::Party;
pub(crate) use graph::Edge;
pub use halves::FamilyReach;
pub(crate) use paths::PathEnd;
pub(crate) use peering::Crossing;
pub use place::{resolve, Place};
pub use reach::{Answer, Missing};
pub(crate) use routing::{AddressReach, Exposure, Routing};
pub use search::Tree;
pub use traffic::{union_covers, Traffic, Want};

use crate::grouped::Grouped;
use crate::model::{
    AddressSpace, Datastore, Inventory, NetworkInterface, PrefixList, ResourceKind, Rule, SecurityGroup,
};
use ipnet::IpNet;
use rustc_hash::FxHashMap as HashMap;
use std::net::IpAddr;

/// The index of a class in [`Network::classes`].
pub type ClassId = usize;

/// A key of the CIDR-rule index: scope (an interned region and VPC), masked network, prefix length.
pub(crate) type NetKey = (u32, IpAddr, u8);

/// One hop of a path: a flow from one side to the other, with the rules that admit each half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop<'a> {
    /// Where the hop starts.
    pub from: Node,
    /// Where the hop ends.
    pub to: Node,
    /// The source's egress rule; none when the source is outside the account's groups (internet, a CIDR).
    pub egress: Option<&'a Rule>,
    /// The destination's ingress rule; none when the destination is outside (the internet, a CIDR).
    pub ingress: Option<&'a Rule>,
    /// What both halves admit.
    pub traffic: Traffic,
    /// From the internet: every way in, one per ingress rule and address family whose public sources can
    /// reach an open address of that family. The gate tries them in order and puts the one that gets
    /// through first (`ingress` and `traffic` are then its own).
    pub address: Vec<FamilyReach<'a>>,
    /// The network-ACL half, once a path is found (`reach` sets it).
    pub acl: Option<AclHalf>,
    /// Between VPCs: the routes that carry the hop each way (`reach` sets it).
    pub route: Option<String>,
}

/// A node of the flow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// Any public address.
    Internet,
    /// An address block a question names.
    Cidr(IpNet),
    /// A class of members.
    Class(ClassId),
}

/// The index the flow questions run on. Built once, in time linear in the inventory.
pub struct Network<'a> {
    inventory: &'a Inventory,
    routing: Routing<'a>,
    /// Each subnet's network ACL: the third half of a flow.
    acls: Acls<'a>,
    /// Active peering connections, by VPC.
    links: peering::Links<'a>,
    /// What is public for this account: outside reserved space and its VPCs' blocks.
    space: AddressSpace,
    classes: Vec<Class<'a>>,
    classes_of_group: Grouped<&'a str, ClassId>,
    class_of_interface: HashMap<(&'a str, &'a str), ClassId>,
    class_of_datastore: HashMap<(&'a str, &'a str), ClassId>,
    groups: HashMap<&'a str, &'a SecurityGroup>,
    ingress: Grouped<&'a str, &'a Rule>,
    egress: Grouped<&'a str, &'a Rule>,
    /// Ingress rules by the group they admit.
    ingress_by_peer: Grouped<&'a str, &'a Rule>,
    /// Ingress rules with CIDR peers (prefix lists expanded), by the scope they see (region and VPC of their
    /// group), masked network and prefix length.
    ingress_by_net: Grouped<NetKey, &'a Rule>,
    /// Scope IDs: (region, VPC) → ID, and the IDs of each region.
    scope_ids: HashMap<(&'a str, Option<&'a str>), u32>,
    scopes_of_region: HashMap<&'a str, Vec<u32>>,
    /// The prefix lengths in `ingress_by_net`, per family.
    net_lengths: [Vec<u8>; 2],
    prefix_lists: HashMap<(&'a str, &'a str), &'a PrefixList>,
    /// The interfaces RDS and ElastiCache created for a datastore, by the datastore.
    datastore_interfaces: HashMap<usize, Vec<&'a NetworkInterface>>,
    /// Every relay address with its class, sorted: which classes a CIDR rule admits.
    relay_index: Vec<(IpAddr, ClassId)>,
    /// Every datastore by (region, ID, kind): whether a member's parent is in the inventory.
    datastore_keys: rustc_hash::FxHashSet<(&'a str, &'a str, ResourceKind)>,
    /// Every interface that belongs to a collected datastore, by (region, ID).
    attached: rustc_hash::FxHashSet<(&'a str, &'a str)>,
    /// Per class: what it accepts and forwards, when it is a load balancer whose listeners and targets are
    /// known.
    forwarding: Vec<Option<Forwarding<'a>>>,
    /// Per rule of the inventory: its group's number in `classes_of_group` ([`class::NO_CLASS`]: none).
    group_slot_of_rule: Vec<u32>,
    /// The flow graph, worked out on first use and shared by `graph` and the policy checks.
    edges: std::sync::OnceLock<graph::Graph<'a>>,
}

impl<'a> Network<'a> {
    /// Indexes `inv`. Linear in its size.
    pub fn new(inv: &'a Inventory) -> Network<'a> {
        // Three independent parts, built side by side: the rule indexes, the classes (which need the routes),
        // and the network ACLs, peerings and address space.
        let (rules, ((routing, groups, members), (acls, links, space))) = rayon::join(
            || rules::RuleIndex::new(inv),
            || {
                rayon::join(
                    || {
                        let routing = Routing::new(inv);
                        let groups: HashMap<&str, &SecurityGroup> =
                            inv.groups.iter().map(|g| (g.id.as_str(), g)).collect();
                        let members = class::Classes::new(inv, &routing, &groups);
                        (routing, groups, members)
                    },
                    || (Acls::new(inv), peering::Links::new(inv), AddressSpace::new(inv)),
                )
            },
        );
        let rules::RuleIndex {
            prefix_lists,
            ingress,
            egress,
            ingress_by_peer,
            ingress_by_net,
            scope_ids,
            scopes_of_region,
            net_lengths,
        } = rules;
        let class::Classes {
            classes,
            classes_of_group,
            class_of_interface,
            class_of_datastore,
            datastore_interfaces,
            relay_index,
            attached,
            forwarding,
            group_slot_of_rule,
        } = members;
        Network {
            inventory: inv,
            routing,
            acls,
            links,
            space,
            classes,
            classes_of_group,
            class_of_interface,
            class_of_datastore,
            groups,
            ingress,
            egress,
            ingress_by_peer,
            ingress_by_net,
            scope_ids,
            scopes_of_region,
            net_lengths,
            prefix_lists,
            datastore_interfaces,
            relay_index,
            datastore_keys: inv.datastores.iter().map(|d| (d.region.as_str(), d.id.as_str(), d.kind)).collect(),
            attached,
            forwarding,
            group_slot_of_rule,
            edges: std::sync::OnceLock::new(),
        }
    }

    /// The inventory the model was built from.
    pub fn inventory(&self) -> &'a Inventory {
        self.inventory
    }

    /// Each subnet's route table and what it says of the internet.
    pub fn routing(&self) -> &Routing<'a> {
        &self.routing
    }

    /// Each subnet's network ACL.
    pub fn acls(&self) -> &Acls<'a> {
        &self.acls
    }

    /// What is public for this account: outside reserved space and its VPCs' blocks.
    pub fn space(&self) -> &AddressSpace {
        &self.space
    }

    /// The sets of members that carry the same groups, by `ClassId`.
    pub fn classes(&self) -> &[Class<'a>] {
        &self.classes
    }

    /// The group with this ID.
    pub fn group(&self, id: &str) -> Option<&'a SecurityGroup> {
        self.groups.get(id).copied()
    }

    /// The prefix list with this ID in this region.
    pub fn prefix_list(&self, region: &str, id: &str) -> Option<&'a PrefixList> {
        self.prefix_lists.get(&(region, id)).copied()
    }

    /// The classes whose members carry this group.
    pub fn classes_of_group(&self, id: &str) -> &[ClassId] {
        self.classes_of_group.get(id)
    }

    /// The class of an interface, if it is a member of any group.
    pub fn class_of_interface(&self, eni: &NetworkInterface) -> Option<ClassId> {
        self.class_of_interface.get(&(eni.region.as_str(), eni.id.as_str())).copied()
    }

    /// The class of a datastore, if it has groups.
    pub fn class_of_datastore(&self, d: &Datastore) -> Option<ClassId> {
        self.class_of_datastore.get(&(d.region.as_str(), d.id.as_str())).copied()
    }

    /// The ingress rules of a group.
    pub fn ingress(&self, group: &str) -> &[&'a Rule] {
        self.ingress.get(group)
    }

    /// The egress rules of a group.
    pub fn egress(&self, group: &str) -> &[&'a Rule] {
        self.egress.get(group)
    }

    /// Ingress rules that admit a group by reference.
    pub fn ingress_admitting(&self, group: &str) -> &[&'a Rule] {
        self.ingress_by_peer.get(group)
    }

    /// The interfaces RDS or ElastiCache created for a datastore, when they were collected.
    pub fn datastore_interfaces(&self, d: &Datastore) -> &[&'a NetworkInterface] {
        self.datastore_interfaces.get(&address_of(d)).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether an interface belongs to a datastore that was collected (and is audited as that datastore).
    pub fn is_attached(&self, eni: &NetworkInterface) -> bool {
        self.attached.contains(&(eni.region.as_str(), eni.id.as_str()))
    }

    /// Whether the datastore has an address the internet can reach, and through what.
    pub fn datastore_exposure(&self, d: &Datastore) -> Exposure {
        self.routing.datastore(d, self.datastore_interfaces(d))
    }

    /// Whether findings about this datastore belong to its parent (an RDS cluster, a replication group) that
    /// is in the inventory too: members are reported once, on the parent.
    pub fn reported_on_parent(&self, d: &Datastore) -> bool {
        d.parent.as_deref().is_some_and(|p| {
            ResourceKind::PARENTS
                .into_iter()
                .any(|k| k != d.kind && self.datastore_keys.contains(&(d.region.as_str(), p, k)))
        })
    }

    /// `the internet`, a CIDR, or the class's groups.
    pub fn node_label(&self, n: Node) -> String {
        match n {
            Node::Internet => "the internet".to_string(),
            Node::Cidr(c) => c.to_string(),
            Node::Class(c) => self.class_label(c),
        }
    }

    /// `sg-1 (name) + sg-2 (name)`; `load balancer web [sg-1 (name)]` for a load balancer's own class.
    pub fn class_label(&self, id: ClassId) -> String {
        let groups = self.classes[id].party.groups.iter().map(|g| self.group_label(g)).collect::<Vec<_>>().join(" + ");
        match self.forwarding(id) {
            Some(f) => format!("load balancer {} [{groups}]", f.balancer.name),
            None => groups,
        }
    }

    /// `sg-1 (name)`, or the ID alone for a group not in the inventory.
    pub fn group_label(&self, id: &str) -> String {
        match self.group(id) {
            Some(g) => format!("{id} ({})", g.name),
            None => id.to_string(),
        }
    }

    /// The networks a rule's peer names: the CIDR, or a prefix list's entries. `None` for group peers and
    /// for prefix lists whose entries were not collected.
    pub fn peer_nets(&self, rule: &Rule) -> Option<Vec<IpNet>> {
        rules::peer_nets(&self.prefix_lists, rule)
    }

    /// The keys of `ingress_by_net` under which CIDR rules that may contain an address of `party` are
    /// indexed: the party's own scope and that of rules whose VPC is unknown (every scope of the region when
    /// the party's VPC is unknown), for each of its addresses and each prefix length in use.
    pub(crate) fn net_keys(&self, party: &Party<'a>) -> Vec<NetKey> {
        let mut scopes: Vec<u32> = Vec::new();
        match (party.region, party.vpc) {
            (Some(region), Some(vpc)) => {
                scopes.extend(self.scope_ids.get(&(region, Some(vpc))));
                scopes.extend(self.scope_ids.get(&(region, None)));
                // Joined VPCs see the party's addresses too.
                let joined = if self.links.is_empty() { Vec::new() } else { self.links.of(region, vpc) };
                for l in joined {
                    scopes.extend(self.scope_ids.get(&(l.region, Some(l.vpc))));
                }
            }
            (Some(region), None) => scopes.extend(self.scopes_of_region.get(region).into_iter().flatten()),
            (None, _) => scopes.extend(self.scopes_of_region.values().flatten()),
        }
        let mut keys = Vec::new();
        for addr in &party.addresses {
            for &len in &self.net_lengths[usize::from(addr.is_ipv6())] {
                let Ok(net) = IpNet::new(*addr, len) else { continue };
                keys.extend(scopes.iter().map(|s| (*s, net.network(), len)));
            }
        }
        keys
    }

    /// The number of a rule's group in `classes_of_group`, when some class carries the group. Rules of the
    /// inventory are answered by their position in it, other rules by their group's ID.
    pub(crate) fn group_slot(&self, rule: &Rule) -> Option<usize> {
        let rules = &self.inventory.rules;
        let offset = (std::ptr::from_ref(rule) as usize).wrapping_sub(rules.as_ptr() as usize);
        let i = offset / std::mem::size_of::<Rule>().max(1);
        match rules.get(i) {
            Some(r) if std::ptr::eq(r, rule) => {
                let s = self.group_slot_of_rule[i];
                (s != class::NO_CLASS).then_some(s as usize)
            }
            _ => self.classes_of_group.slot(rule.group_id.as_str()),
        }
    }

    /// Classes with a relay address in `net`, in address order (a class may come more than once).
    fn relays_in(&self, net: &IpNet) -> impl Iterator<Item = ClassId> + '_ {
        let start = net.network();
        let i = self.relay_index.partition_point(|(a, _)| *a < start);
        let net = *net;
        self.relay_index[i..].iter().take_while(move |(a, _)| net.contains(a)).map(|(_, c)| *c)
    }
}

/// Datastores are keyed by where they live in the inventory: lookups take any `&Datastore` from it without
/// tying the result to the borrow of its ID.
pub(crate) fn address_of(d: &Datastore) -> usize {
    std::ptr::from_ref(d) as usize
}

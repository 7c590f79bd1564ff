//! The flow model: which members of which security groups can open connections to which others, and which can
//! the internet reach. Pure, like the rest of the core.
//!
//! Security groups are stateful, so a connection from A to B needs two halves: one of A's groups has an
//! egress rule admitting B (by one of B's groups, or a CIDR or prefix list containing one of B's addresses),
//! and one of B's groups has an ingress rule admitting A (likewise), for a common protocol and port. Replies
//! need no rule. From the internet, only the ingress half is a rule; the other half is an address: a public
//! address in a subnet that routes to an internet gateway ([`routing`]).
//!
//! Members that carry the same set of groups are governed by the same rules, so the model works on those
//! sets ([`Class`]es), never on pairs of interfaces. Search ([`search`]) is a breadth-first walk over
//! classes in which every candidate edge comes from an index (ingress rules by referenced group, CIDR rules
//! by masked address) and is dropped once its destination is reached.

mod acl;
mod attach;
mod balancer;
mod class;
mod gate;
mod graph;
mod halves;
mod peering;
mod place;
mod reach;
mod routing;
mod search;
mod traffic;

pub use acl::{AclFix, AclHalf, Acls, End};
pub use balancer::{unknown_forwarding, Forward, Forwarding};
pub use class::{Class, Party};
pub use graph::{BlockedFlow, Edge};
pub use peering::{Crossing, Link};
pub use place::{resolve, Place};
pub use reach::{Answer, Missing};
pub use routing::{AddressReach, Exposure, Routing};
pub use search::{InternetPath, Tree};
pub use traffic::{union_covers, Traffic, Want};

use crate::model::{
    AddressSpace, Datastore, Direction, Inventory, NetworkInterface, Peer, PrefixList, ResourceKind, Rule,
    SecurityGroup,
};
use ipnet::IpNet;
use rustc_hash::FxHashMap as HashMap;
use std::net::IpAddr;

pub type ClassId = usize;

/// A key of the CIDR-rule index: scope (an interned region and VPC), masked network, prefix length.
pub(crate) type NetKey = (u32, IpAddr, u8);

/// One hop of a path: a flow from one side to the other, with the rules that admit each half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop<'a> {
    pub from: Node,
    pub to: Node,
    /// The source's egress rule; none when the source is outside the account's groups (internet, a CIDR).
    pub egress: Option<&'a Rule>,
    /// The destination's ingress rule; none when the destination is outside (the internet, a CIDR).
    pub ingress: Option<&'a Rule>,
    /// What both halves admit.
    pub traffic: Traffic,
    /// From the internet: the destination's address half.
    pub address: Option<AddressReach>,
    /// The network-ACL half, once a path is found (`reach` sets it).
    pub acl: Option<AclHalf>,
    /// Between VPCs: the routes that carry the hop each way (`reach` sets it).
    pub route: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    Internet,
    Cidr(IpNet),
    Class(ClassId),
}

/// The index the flow questions run on. Built once, in time linear in the inventory.
pub struct Network<'a> {
    pub inventory: &'a Inventory,
    pub routing: Routing<'a>,
    /// Each subnet's network ACL: the third half of a flow.
    pub acls: Acls<'a>,
    /// Active peering connections, by VPC.
    links: peering::Links<'a>,
    /// What is public for this account: outside reserved space and its VPCs' blocks.
    pub space: AddressSpace,
    pub classes: Vec<Class<'a>>,
    classes_of_group: HashMap<&'a str, Vec<ClassId>>,
    class_of_interface: HashMap<(&'a str, &'a str), ClassId>,
    class_of_datastore: HashMap<(&'a str, &'a str), ClassId>,
    groups: HashMap<&'a str, &'a SecurityGroup>,
    ingress: HashMap<&'a str, Vec<&'a Rule>>,
    egress: HashMap<&'a str, Vec<&'a Rule>>,
    /// Ingress rules by the group they admit.
    ingress_by_peer: HashMap<&'a str, Vec<&'a Rule>>,
    /// Ingress rules with CIDR peers (prefix lists expanded), by the scope they see (region and VPC of their
    /// group), masked network and prefix length.
    ingress_by_net: HashMap<NetKey, Vec<&'a Rule>>,
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
    /// The flow graph, worked out on first use and shared by `graph` and the policy checks.
    edges: std::sync::OnceLock<graph::Graph<'a>>,
}

impl<'a> Network<'a> {
    pub fn new(inv: &'a Inventory) -> Network<'a> {
        let routing = Routing::new(inv);
        let groups: HashMap<&str, &SecurityGroup> = inv.groups.iter().map(|g| (g.id.as_str(), g)).collect();
        let prefix_lists: HashMap<(&str, &str), &PrefixList> =
            inv.prefix_lists.iter().map(|p| ((p.region.as_str(), p.id.as_str()), p)).collect();

        let mut ingress: HashMap<&str, Vec<&Rule>> = HashMap::default();
        let mut egress: HashMap<&str, Vec<&Rule>> = HashMap::default();
        let mut ingress_by_peer: HashMap<&str, Vec<&Rule>> = HashMap::default();
        let mut ingress_by_net: HashMap<NetKey, Vec<&Rule>> = HashMap::default();
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
                Direction::Egress => egress.entry(r.group_id.as_str()).or_default().push(r),
                Direction::Ingress => {
                    ingress.entry(r.group_id.as_str()).or_default().push(r);
                    if let Some(g) = r.peer.group_id() {
                        ingress_by_peer.entry(g).or_default().push(r);
                    }
                    let nets = match &r.peer {
                        Peer::Group { .. } => continue,
                        _ => peer_nets(&prefix_lists, r).unwrap_or_default(),
                    };
                    let scope = match group_scope.get(r.group_id.as_str()) {
                        Some(s) => *s,
                        None => scope_of(&r.region, None),
                    };
                    for net in nets {
                        let key = (scope, net.network(), net.prefix_len());
                        let list = ingress_by_net.entry(key).or_default();
                        if !list.last().is_some_and(|l| std::ptr::eq(*l, r)) {
                            list.push(r);
                        }
                        let lengths = &mut net_lengths[usize::from(net.addr().is_ipv6())];
                        if !lengths.contains(&net.prefix_len()) {
                            lengths.push(net.prefix_len());
                        }
                    }
                }
            }
        }

        // The interfaces RDS and ElastiCache created belong to their datastores (`attach`).
        // A load balancer whose forwarding is known is a class of its own (`balancer`).
        let balancers = balancer::Balancers::new(inv);
        let mut classes: Vec<Class> = Vec::new();
        let mut balancer_of_class: Vec<Option<usize>> = Vec::new();
        let mut class_by_groups: HashMap<(Vec<&str>, Option<usize>), ClassId> = HashMap::default();
        let mut classes_of_group: HashMap<&str, Vec<ClassId>> = HashMap::default();
        let mut class_for = |party_groups: Vec<&'a str>, lb: Option<usize>, classes: &mut Vec<Class<'a>>| -> ClassId {
            *class_by_groups.entry((party_groups.clone(), lb)).or_insert_with(|| {
                let id = classes.len();
                balancer_of_class.push(lb);
                for g in &party_groups {
                    classes_of_group.entry(g).or_default().push(id);
                }
                classes.push(Class {
                    party: Party { groups: party_groups, ..Party::default() },
                    interfaces: Vec::new(),
                    datastores: Vec::new(),
                    source: Party::default(),
                    opens: false,
                    relays: false,
                    relay_exposure: None,
                });
                id
            })
        };
        let mut class_of_interface = HashMap::default();
        let mut class_of_datastore = HashMap::default();
        let mut datastore_interfaces: HashMap<usize, Vec<&NetworkInterface>> = HashMap::default();
        for eni in &inv.interfaces {
            let p = Party::interface(eni);
            let lb = match balancers.of(eni) {
                balancer::Known::Yes(i) => Some(i),
                _ => None,
            };
            let id = class_for(p.groups.clone(), lb, &mut classes);
            class_of_interface.insert((eni.region.as_str(), eni.id.as_str()), id);
            let c = &mut classes[id];
            c.interfaces.push(eni);
            c.party.addresses.extend(&p.addresses);
            c.party.unaddressed |= p.unaddressed;
            if class::opens(eni) {
                c.opens = true;
                c.source.addresses.extend(&p.addresses);
                c.source.unaddressed |= p.unaddressed;
            }
            if class::relays(eni) {
                c.relays = true;
                let e = routing.interface(eni);
                if c.relay_exposure.as_ref().is_none_or(|old| e.is_open() && !old.is_open()) {
                    c.relay_exposure = Some(e);
                }
            }
        }
        for (d, enis) in inv.datastores.iter().zip(attach::datastore_interfaces(inv)) {
            let mut gs: Vec<&str> = d.group_ids.iter().map(String::as_str).collect();
            gs.sort_unstable();
            gs.dedup();
            let id = class_for(gs, None, &mut classes);
            class_of_datastore.insert((d.region.as_str(), d.id.as_str()), id);
            let c = &mut classes[id];
            c.datastores.push(d);
            if enis.is_empty() {
                c.party.unaddressed = true;
            }
            datastore_interfaces.insert(address_of(d), enis);
        }
        for c in &mut classes {
            c.party.addresses.sort_unstable();
            c.party.addresses.dedup();
            // Every group of a class is in one VPC; its members say which, else its groups.
            let first_group = c.party.groups.iter().find_map(|g| groups.get(g).copied());
            c.party.region = c
                .interfaces
                .first()
                .map(|e| e.region.as_str())
                .or(c.datastores.first().map(|d| d.region.as_str()))
                .or(first_group.map(|g| g.region.as_str()));
            c.party.vpc = c
                .interfaces
                .iter()
                .find_map(|e| e.vpc_id.as_deref())
                .or(c.datastores.iter().find_map(|d| d.vpc_id.as_deref()))
                .or(first_group.and_then(|g| g.vpc_id.as_deref()));
            c.source.groups.clone_from(&c.party.groups);
            c.source.region = c.party.region;
            c.source.vpc = c.party.vpc;
            c.source.addresses.sort_unstable();
            c.source.addresses.dedup();
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
        let mut relay_index: Vec<(IpAddr, ClassId)> =
            classes.iter().enumerate().flat_map(|(i, c)| c.source.addresses.iter().map(move |a| (*a, i))).collect();
        relay_index.sort_unstable();
        let attached: rustc_hash::FxHashSet<(&str, &str)> =
            datastore_interfaces.values().flatten().map(|e| (e.region.as_str(), e.id.as_str())).collect();
        let forwarding = balancer::forwarding(inv, &balancer_of_class, &class_of_interface);
        Network {
            inventory: inv,
            routing,
            acls: Acls::new(inv),
            links: peering::Links::new(inv),
            space: AddressSpace::new(inv),
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
            edges: std::sync::OnceLock::new(),
        }
    }

    pub fn group(&self, id: &str) -> Option<&'a SecurityGroup> {
        self.groups.get(id).copied()
    }

    pub fn prefix_list(&self, region: &str, id: &str) -> Option<&'a PrefixList> {
        self.prefix_lists.get(&(region, id)).copied()
    }

    pub fn classes_of_group(&self, id: &str) -> &[ClassId] {
        self.classes_of_group.get(id).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn class_of_interface(&self, eni: &NetworkInterface) -> Option<ClassId> {
        self.class_of_interface.get(&(eni.region.as_str(), eni.id.as_str())).copied()
    }

    pub fn class_of_datastore(&self, d: &Datastore) -> Option<ClassId> {
        self.class_of_datastore.get(&(d.region.as_str(), d.id.as_str())).copied()
    }

    pub fn ingress(&self, group: &str) -> &[&'a Rule] {
        self.ingress.get(group).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn egress(&self, group: &str) -> &[&'a Rule] {
        self.egress.get(group).map(Vec::as_slice).unwrap_or_default()
    }

    /// Ingress rules that admit a group by reference.
    pub fn ingress_admitting(&self, group: &str) -> &[&'a Rule] {
        self.ingress_by_peer.get(group).map(Vec::as_slice).unwrap_or_default()
    }

    /// The interfaces RDS or ElastiCache created for a datastore, when they were collected.
    pub fn datastore_interfaces(&self, d: &Datastore) -> &[&'a NetworkInterface] {
        self.datastore_interfaces.get(&address_of(d)).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether an interface belongs to a datastore that was collected (and is audited as that datastore).
    pub fn is_attached(&self, eni: &NetworkInterface) -> bool {
        self.attached.contains(&(eni.region.as_str(), eni.id.as_str()))
    }

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

    pub fn group_label(&self, id: &str) -> String {
        match self.group(id) {
            Some(g) => format!("{id} ({})", g.name),
            None => id.to_string(),
        }
    }

    /// The networks a rule's peer names: the CIDR, or a prefix list's entries. `None` for group peers and
    /// for prefix lists whose entries were not collected.
    pub fn peer_nets(&self, rule: &Rule) -> Option<Vec<IpNet>> {
        peer_nets(&self.prefix_lists, rule)
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
fn address_of(d: &Datastore) -> usize {
    std::ptr::from_ref(d) as usize
}

fn peer_nets(lists: &HashMap<(&str, &str), &PrefixList>, rule: &Rule) -> Option<Vec<IpNet>> {
    match &rule.peer {
        Peer::Ipv4(_) | Peer::Ipv6(_) => rule.peer.cidr().map(|c| vec![c]),
        Peer::PrefixList(id) => lists.get(&(rule.region.as_str(), id.as_str())).map(|p| p.entries.clone()),
        Peer::Group { .. } => None,
    }
}

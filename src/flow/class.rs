//! Parties and classes: the two sides of a flow, and the sets of members that share their groups.

use crate::grouped::{Grouped, GroupedBuilder};
use crate::model::{Datastore, Inventory, ManagedBy, NetworkInterface, Role, SecurityGroup};
use ipnet::IpNet;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::net::IpAddr;

use super::{address_of, attach, balancer, ClassId, Exposure, Forwarding, Routing};

/// One side of a flow: the groups that govern it and the addresses it has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party<'a> {
    /// Sorted and deduplicated.
    pub groups: Vec<&'a str>,
    /// Sorted: private addresses, and public ones (which CIDR rules may name too).
    pub addresses: Vec<IpAddr>,
    /// Some member's address is unknown (a database whose interfaces were not collected): only rules
    /// admitting every address (`0.0.0.0/0`, `::/0`) are known to cover it.
    pub unaddressed: bool,
    /// Where the addresses live. Private ranges repeat across VPCs, so a CIDR rule only sees parties of its
    /// own region and VPC (when both are known).
    pub region: Option<&'a str>,
    pub vpc: Option<&'a str>,
}

impl<'a> Party<'a> {
    pub fn has_group(&self, id: &str) -> bool {
        self.groups.binary_search(&id).is_ok()
    }

    /// Whether `net` contains one of the addresses.
    pub fn in_net(&self, net: &IpNet) -> bool {
        if self.unaddressed && net.prefix_len() == 0 {
            return true;
        }
        let start = net.network();
        let i = self.addresses.partition_point(|a| *a < start);
        self.addresses.get(i).is_some_and(|a| net.contains(a))
    }

    pub(crate) fn interface(eni: &'a NetworkInterface) -> Party<'a> {
        let mut groups: Vec<&str> = eni.group_ids.iter().map(String::as_str).collect();
        groups.sort_unstable();
        groups.dedup();
        let mut addresses: Vec<IpAddr> = eni.private_ips.iter().chain(&eni.public_ips).copied().collect();
        addresses.sort_unstable();
        addresses.dedup();
        let unaddressed = addresses.is_empty();
        Party { groups, addresses, unaddressed, region: Some(&eni.region), vpc: eni.vpc_id.as_deref() }
    }
}

/// Members with the same set of groups.
#[derive(Debug, Clone)]
pub struct Class<'a> {
    /// The class's groups and addresses, as one side of a flow.
    pub party: Party<'a>,
    /// The network interfaces with exactly these groups.
    pub interfaces: Vec<&'a NetworkInterface>,
    /// The databases and caches with exactly these groups.
    pub datastores: Vec<&'a Datastore>,
    /// The class as a source of onward connections: its groups, and the addresses of the members that open
    /// connections of their own (compute, load balancers, Lambda and other service clients), sorted.
    pub source: Party<'a>,
    /// The number of each of its groups in `classes_of_group`, in the order of `party.groups`: the search
    /// counts reached classes per group without hashing group IDs.
    pub(crate) group_slots: Vec<u32>,
    /// Whether some member opens connections of its own: databases, caches and network plumbing do not.
    pub opens: bool,
    /// Whether some member accepts connections and opens onward ones, so that a path may pass through it:
    /// compute hosts and load balancers. A Lambda function opens connections but accepts none.
    pub relays: bool,
    /// How exposed the most exposed relay member is.
    pub relay_exposure: Option<Exposure>,
}

impl<'a> Class<'a> {
    /// The class as a source of onward connections: its groups, and the addresses of its relays.
    pub fn as_source(&self) -> &Party<'a> {
        &self.source
    }
}

/// Whether an interface opens connections of its own.
fn opens_as(role: Option<Role>) -> bool {
    matches!(role, None | Some(Role::LoadBalancer | Role::Client))
}

/// Whether an interface can be a hop in the middle of a path: it accepts connections and opens onward ones.
fn relays_as(role: Option<Role>) -> bool {
    matches!(role, None | Some(Role::LoadBalancer))
}

/// The classes of an inventory and how to find them: built from the members alone, beside the rule indexes.
pub(crate) struct Classes<'a> {
    pub classes: Vec<Class<'a>>,
    pub classes_of_group: Grouped<&'a str, ClassId>,
    pub class_of_interface: HashMap<(&'a str, &'a str), ClassId>,
    pub class_of_datastore: HashMap<(&'a str, &'a str), ClassId>,
    /// The interfaces RDS and ElastiCache created for a datastore, by the datastore.
    pub datastore_interfaces: HashMap<usize, Vec<&'a NetworkInterface>>,
    /// Every relay address with its class, sorted.
    pub relay_index: Vec<(IpAddr, ClassId)>,
    /// Every interface that belongs to a collected datastore, by (region, ID).
    pub attached: HashSet<(&'a str, &'a str)>,
    pub forwarding: Vec<Option<Forwarding<'a>>>,
    /// Per rule of the inventory, in its order: the number of the rule's group in `classes_of_group`, or
    /// [`NO_CLASS`] when no class carries the group.
    pub group_slot_of_rule: Vec<u32>,
}

/// A rule whose group no class carries.
pub(crate) const NO_CLASS: u32 = u32::MAX;

impl<'a> Classes<'a> {
    pub fn new(inv: &'a Inventory, routing: &Routing<'a>, groups: &HashMap<&'a str, &'a SecurityGroup>) -> Classes<'a> {
        // The interfaces RDS and ElastiCache created belong to their datastores (`attach`).
        // A load balancer whose forwarding is known is a class of its own (`balancer`).
        let balancers = balancer::Balancers::new(inv);
        let mut classes: Vec<Class> = Vec::new();
        let mut balancer_of_class: Vec<Option<usize>> = Vec::new();
        let mut class_by_groups: HashMap<(Vec<&str>, Option<usize>), ClassId> = HashMap::default();
        let mut classes_of_group = GroupedBuilder::with_capacity(groups.len(), groups.len());
        let mut class_for = |party_groups: Vec<&'a str>, lb: Option<usize>, classes: &mut Vec<Class<'a>>| -> ClassId {
            let key = (party_groups, lb);
            if let Some(id) = class_by_groups.get(&key) {
                return *id;
            }
            let id = classes.len();
            balancer_of_class.push(lb);
            let group_slots = key.0.iter().map(|g| classes_of_group.push(*g, id) as u32).collect();
            classes.push(Class {
                party: Party { groups: key.0.clone(), ..Party::default() },
                interfaces: Vec::new(),
                datastores: Vec::new(),
                source: Party::default(),
                group_slots,
                opens: false,
                relays: false,
                relay_exposure: None,
            });
            class_by_groups.insert(key, id);
            id
        };
        let mut class_of_interface = HashMap::with_capacity_and_hasher(inv.interfaces.len(), Default::default());
        let mut class_of_datastore = HashMap::default();
        let mut datastore_interfaces: HashMap<usize, Vec<&NetworkInterface>> = HashMap::default();
        for eni in &inv.interfaces {
            let p = Party::interface(eni);
            let lb = match balancers.of(eni) {
                balancer::Known::Yes(i) => Some(i),
                _ => None,
            };
            let id = class_for(p.groups, lb, &mut classes);
            class_of_interface.insert((eni.region.as_str(), eni.id.as_str()), id);
            let c = &mut classes[id];
            c.interfaces.push(eni);
            c.party.addresses.extend(&p.addresses);
            c.party.unaddressed |= p.unaddressed;
            let role = eni.managed_by().map(ManagedBy::role);
            if opens_as(role) {
                c.opens = true;
                c.source.addresses.extend(&p.addresses);
                c.source.unaddressed |= p.unaddressed;
            }
            if relays_as(role) {
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
            let first_group = || c.party.groups.iter().find_map(|g| groups.get(g).copied());
            let region = c
                .interfaces
                .first()
                .map(|e| e.region.as_str())
                .or(c.datastores.first().map(|d| d.region.as_str()))
                .or_else(|| first_group().map(|g| g.region.as_str()));
            let vpc = c
                .interfaces
                .iter()
                .find_map(|e| e.vpc_id.as_deref())
                .or(c.datastores.iter().find_map(|d| d.vpc_id.as_deref()))
                .or_else(|| first_group().and_then(|g| g.vpc_id.as_deref()));
            c.party.region = region;
            c.party.vpc = vpc;
            c.source.groups.clone_from(&c.party.groups);
            c.source.region = c.party.region;
            c.source.vpc = c.party.vpc;
            c.source.addresses.sort_unstable();
            c.source.addresses.dedup();
        }
        let mut relay_index: Vec<(IpAddr, ClassId)> =
            classes.iter().enumerate().flat_map(|(i, c)| c.source.addresses.iter().map(move |a| (*a, i))).collect();
        relay_index.sort_unstable();
        let attached: HashSet<(&str, &str)> =
            datastore_interfaces.values().flatten().map(|e| (e.region.as_str(), e.id.as_str())).collect();
        let forwarding = balancer::forwarding(inv, &balancer_of_class, &class_of_interface);
        let classes_of_group = classes_of_group.build();
        // The rules of a group come together: one lookup per run.
        let mut last: Option<(&str, u32)> = None;
        let group_slot_of_rule = inv
            .rules
            .iter()
            .map(|r| match last {
                Some((g, s)) if g == r.group_id => s,
                _ => {
                    let s = classes_of_group.slot(r.group_id.as_str()).map_or(NO_CLASS, |s| s as u32);
                    last = Some((r.group_id.as_str(), s));
                    s
                }
            })
            .collect();
        Classes {
            classes,
            classes_of_group,
            class_of_interface,
            class_of_datastore,
            datastore_interfaces,
            relay_index,
            attached,
            forwarding,
            group_slot_of_rule,
        }
    }
}

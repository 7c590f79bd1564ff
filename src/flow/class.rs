//! Parties and classes: the two sides of a flow, and the sets of members that share their groups.

use crate::model::{Datastore, ManagedBy, NetworkInterface, Role};
use ipnet::IpNet;
use std::net::IpAddr;

use super::Exposure;

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
    pub party: Party<'a>,
    pub interfaces: Vec<&'a NetworkInterface>,
    pub datastores: Vec<&'a Datastore>,
    /// The class as a source of onward connections: its groups, and the addresses of the members that open
    /// connections of their own (compute, load balancers, Lambda and other service clients), sorted.
    pub source: Party<'a>,
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
pub(crate) fn opens(eni: &NetworkInterface) -> bool {
    matches!(eni.managed_by().map(ManagedBy::role), None | Some(Role::LoadBalancer | Role::Client))
}

/// Whether an interface can be a hop in the middle of a path: it accepts connections and opens onward ones.
pub(crate) fn relays(eni: &NetworkInterface) -> bool {
    matches!(eni.managed_by().map(ManagedBy::role), None | Some(Role::LoadBalancer))
}

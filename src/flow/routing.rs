//! Whether an address is reachable from the internet: a public address in a subnet whose route table (the
//! explicitly associated one, else the VPC's main table) routes the reply to an internet gateway.
//!
//! Routes are read as AWS evaluates them, per family: the default route (`0.0.0.0/0`, `::/0`) decides for the
//! internet at large. To an internet gateway: open. To a Gateway Load Balancer or Network Firewall endpoint
//! (`vpce-`): open *through inspection*. A blackhole, a NAT gateway, an egress-only internet gateway or any
//! other target: closed (replies never reach the client). Without such a default route, more specific routes
//! to an internet gateway open the address only to clients in their destinations. A prefix-list destination
//! is its entries; a list whose entries were not read leaves an address it could open undecided.

use crate::model::{Datastore, Inventory, NetworkInterface, PrefixList, RouteTable, Subnet};
use ipnet::IpNet;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt;

/// The address half of internet exposure, for one address family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressReach {
    /// A public address, and a route that carries replies to an internet gateway (or, `inspected`, through a
    /// Gateway Load Balancer or Network Firewall endpoint), for every client or, when `clients` is not empty,
    /// for clients in those networks only.
    Open {
        address: String,
        subnet: String,
        route_table: String,
        gateway: String,
        clients: Vec<IpNet>,
        /// Public networks whose replies a more specific route sends elsewhere (a NAT gateway, a blackhole):
        /// clients there cannot connect.
        except: Vec<IpNet>,
        inspected: bool,
    },
    /// No public address of this family (or, for RDS, not publicly accessible).
    NoAddress,
    /// A public address, but its subnet's routes send no reply to an internet gateway: `why` says where the
    /// default route goes, if anywhere.
    NoRoute { address: String, subnet: String, route_table: String, why: String },
    /// A public address in a subnet whose route table was not collected: assumed open.
    Unknown { address: String, why: String },
    /// A publicly accessible database whose interfaces were not collected, in a subnet group of which some
    /// subnets route to an internet gateway and some do not: where it runs, and so whether it is reachable,
    /// is not known. Not counted as open: "critical" needs the database's own subnet.
    Undecided { address: String, routed: Vec<String>, unrouted: Vec<String> },
}

impl AddressReach {
    /// Open, or possibly open (routing unknown): what exposure checks treat as reachable.
    pub fn is_open(&self) -> bool {
        matches!(self, AddressReach::Open { .. } | AddressReach::Unknown { .. })
    }

    /// Open for certain.
    pub fn is_known_open(&self) -> bool {
        matches!(self, AddressReach::Open { .. })
    }

    /// Open only through an inspection endpoint.
    pub fn is_inspected(&self) -> bool {
        matches!(self, AddressReach::Open { inspected: true, .. })
    }

    /// Whether a client in one of `sources` can reach the address: open (or assumed open) for every client, or
    /// for clients in a network that overlaps one of them.
    pub fn admits_any(&self, sources: &[IpNet]) -> bool {
        match self {
            AddressReach::Open { clients, except, .. } => {
                let overlaps = |a: &IpNet, b: &IpNet| a.contains(&b.network()) || b.contains(&a.network());
                sources.iter().any(|s| {
                    (clients.is_empty() || clients.iter().any(|c| overlaps(c, s)))
                        && !except.iter().any(|e| e.contains(s))
                })
            }
            AddressReach::Unknown { .. } => true,
            _ => false,
        }
    }
}

impl fmt::Display for AddressReach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressReach::Open { address, subnet, route_table, gateway, clients, except, inspected } => {
                if *inspected {
                    write!(
                        f,
                        "public address {address} in {subnet}, whose route table {route_table} sends the internet \
                         through inspection endpoint {gateway}"
                    )?;
                } else {
                    write!(
                        f,
                        "public address {address} in {subnet}, whose route table {route_table} routes to internet \
                         gateway {gateway}"
                    )?;
                }
                let list = |nets: &[IpNet]| nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                if !clients.is_empty() {
                    write!(f, " for clients in {} only", list(clients))?;
                }
                if !except.is_empty() {
                    write!(f, " (except clients in {}, routed elsewhere)", list(except))?;
                }
                Ok(())
            }
            AddressReach::NoAddress => f.write_str("no public address"),
            AddressReach::NoRoute { address, subnet, route_table, why } => {
                write!(f, "public address {address}, but {subnet}'s route table {route_table} {why}")
            }
            AddressReach::Unknown { address, why } => write!(f, "public address {address} ({why}; assumed reachable)"),
            AddressReach::Undecided { address, routed, unrouted } => write!(
                f,
                "public address {address}; of its subnet group, {} route(s) to an internet gateway and {} do(es) \
                 not, and its interfaces were not collected, so whether it runs in a routed one is unknown",
                routed.join(", "),
                unrouted.join(", ")
            ),
        }
    }
}

/// Both address families of one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub v4: AddressReach,
    pub v6: AddressReach,
}

impl Exposure {
    pub const CLOSED: Exposure = Exposure { v4: AddressReach::NoAddress, v6: AddressReach::NoAddress };

    pub fn family(&self, v6: bool) -> &AddressReach {
        if v6 {
            &self.v6
        } else {
            &self.v4
        }
    }

    pub fn is_open(&self) -> bool {
        self.v4.is_open() || self.v6.is_open()
    }

    /// The most telling description: an open family first, then one with an address.
    pub fn describe(&self) -> String {
        let rank = |r: &AddressReach| match r {
            AddressReach::Open { .. } => 0,
            AddressReach::Unknown { .. } => 1,
            AddressReach::Undecided { .. } => 2,
            AddressReach::NoRoute { .. } => 3,
            AddressReach::NoAddress => 4,
        };
        let best = if rank(&self.v6) < rank(&self.v4) { &self.v6 } else { &self.v4 };
        best.to_string()
    }
}

pub struct Routing<'a> {
    subnets: HashMap<(&'a str, &'a str), &'a Subnet>,
    explicit: HashMap<(&'a str, &'a str), &'a RouteTable>,
    main: HashMap<(&'a str, &'a str), &'a RouteTable>,
    /// Regions where some route table was collected.
    regions: HashSet<&'a str>,
    /// Prefix lists by region and ID, for routes whose destination is one.
    prefix_lists: HashMap<(&'a str, &'a str), &'a PrefixList>,
}

impl<'a> Routing<'a> {
    pub fn new(inv: &'a Inventory) -> Routing<'a> {
        let subnets = inv.subnets.iter().map(|s| ((s.region.as_str(), s.id.as_str()), s)).collect();
        let mut explicit = HashMap::default();
        let mut main = HashMap::default();
        let mut regions = HashSet::default();
        for t in &inv.route_tables {
            regions.insert(t.region.as_str());
            for s in &t.subnet_ids {
                explicit.insert((t.region.as_str(), s.as_str()), t);
            }
            if let (true, Some(vpc)) = (t.main, t.vpc_id.as_deref()) {
                main.insert((t.region.as_str(), vpc), t);
            }
        }
        let prefix_lists = inv.prefix_lists.iter().map(|p| ((p.region.as_str(), p.id.as_str()), p)).collect();
        Routing { subnets, explicit, main, regions, prefix_lists }
    }

    /// The route table that serves a subnet.
    pub fn table(&self, region: &str, subnet: &str, vpc: Option<&str>) -> Option<&'a RouteTable> {
        if let Some(t) = self.explicit.get(&(region, subnet)) {
            return Some(t);
        }
        let vpc = self.subnets.get(&(region, subnet)).and_then(|s| s.vpc_id.as_deref()).or(vpc)?;
        self.main.get(&(region, vpc)).copied()
    }

    /// The address half for one public address (named as messages should name it, of family `v6`) in one
    /// subnet.
    pub fn reach(
        &self,
        region: &str,
        subnet: Option<&str>,
        vpc: Option<&str>,
        address: String,
        v6: bool,
    ) -> AddressReach {
        let Some(subnet) = subnet else {
            return AddressReach::Unknown { address, why: "subnet unknown".into() };
        };
        let Some(table) = self.table(region, subnet, vpc) else {
            let why = if self.regions.contains(region) {
                format!("no route table found for {subnet}")
            } else {
                format!("route tables of {region} not collected")
            };
            return AddressReach::Unknown { address, why };
        };
        let subnet = subnet.to_string();
        let route_table = table.id.clone();
        let entries = |id: &str| self.prefix_lists.get(&(region, id)).map(|p| p.entries.as_slice());
        match internet_route(table, v6, entries) {
            Verdict::Open { gateway, clients, except, inspected } => {
                AddressReach::Open { address, subnet, route_table, gateway, clients, except, inspected }
            }
            Verdict::Closed(why) => AddressReach::NoRoute { address, subnet, route_table, why },
            Verdict::Unknown(why) => AddressReach::Unknown { address, why },
        }
    }

    pub fn interface(&self, eni: &NetworkInterface) -> Exposure {
        let family = |v6: bool| {
            let mut best = AddressReach::NoAddress;
            for ip in eni.public_ips.iter().filter(|ip| ip.is_ipv6() == v6) {
                let r = self.reach(&eni.region, eni.subnet_id.as_deref(), eni.vpc_id.as_deref(), ip.to_string(), v6);
                if r.is_known_open() {
                    return r;
                }
                if best == AddressReach::NoAddress || r.is_open() {
                    best = r;
                }
            }
            best
        };
        Exposure { v4: family(false), v6: family(true) }
    }

    /// A database: RDS resources that are publicly accessible get a public IPv4 address in one of their
    /// subnets (those of their interfaces when collected, else those of their subnet group). ElastiCache never
    /// has public addresses. IPv6 addresses come from the interfaces only.
    pub fn datastore(&self, d: &Datastore, interfaces: &[&NetworkInterface]) -> Exposure {
        let mut exposure = Exposure::CLOSED;
        for eni in interfaces {
            let e = self.interface(eni);
            if e.v6.is_open() || exposure.v6 == AddressReach::NoAddress {
                exposure.v6 = e.v6;
            }
        }
        if !d.publicly_accessible || !d.kind.can_be_public() {
            return exposure;
        }
        let address = match &d.endpoint {
            Some(e) => format!("{e} (publicly accessible)"),
            None => "(publicly accessible)".to_string(),
        };
        // Its own subnets: those of its interfaces; else any subnet of its subnet group, which decides only
        // when every one of them routes the same way.
        let own: Vec<&str> = interfaces.iter().filter_map(|e| e.subnet_id.as_deref()).collect();
        let placed = !own.is_empty();
        let subnets: Vec<&str> = if placed { own } else { d.subnet_ids.iter().map(String::as_str).collect() };
        if subnets.is_empty() {
            exposure.v4 = AddressReach::Unknown { address, why: "its subnets are unknown".into() };
            return exposure;
        }
        let mut best: Option<AddressReach> = None;
        let (mut routed, mut unrouted) = (Vec::new(), Vec::new());
        for s in subnets {
            let r = self.reach(&d.region, Some(s), d.vpc_id.as_deref(), address.clone(), false);
            match &r {
                AddressReach::Open { .. } => routed.push(s.to_string()),
                AddressReach::NoRoute { .. } => unrouted.push(s.to_string()),
                _ => {}
            }
            let better = match (&best, &r) {
                (None, _) => true,
                (Some(b), r) => (r.is_known_open() && !b.is_known_open()) || (r.is_open() && !b.is_open()),
            };
            if better {
                best = Some(r);
            }
        }
        if !placed && !routed.is_empty() && !unrouted.is_empty() {
            exposure.v4 = AddressReach::Undecided { address, routed, unrouted };
            return exposure;
        }
        exposure.v4 = best.unwrap_or(AddressReach::NoAddress);
        exposure
    }
}

enum Verdict {
    Open {
        gateway: String,
        clients: Vec<IpNet>,
        except: Vec<IpNet>,
        inspected: bool,
    },
    Closed(String),
    /// Not decidable from what was read: why.
    Unknown(String),
}

/// What a route table does with replies to the internet, for one family. A prefix-list destination counts
/// as each of its entries (`entries` answers a list's, `None` when they were not read).
fn internet_route<'l>(table: &RouteTable, v6: bool, entries: impl Fn(&str) -> Option<&'l [IpNet]>) -> Verdict {
    let mut routes: Vec<(IpNet, &crate::model::Route)> = Vec::new();
    let mut unread: Vec<&crate::model::Route> = Vec::new();
    for r in &table.routes {
        if let Ok(d) = r.destination.parse::<IpNet>() {
            routes.push((d, r));
        } else if r.destination.starts_with("pl-") {
            match entries(&r.destination) {
                Some(list) => routes.extend(list.iter().map(|d| (*d, r))),
                None => unread.push(r),
            }
        }
    }
    routes.retain(|(d, _)| d.addr().is_ipv6() == v6);
    let default = routes.iter().find(|(d, _)| d.prefix_len() == 0).map(|(_, r)| *r);
    let specific: Vec<(IpNet, &crate::model::Route)> = routes
        .iter()
        .filter(|(d, r)| d.prefix_len() > 0 && r.to_internet_gateway() && !r.blackhole && crate::model::is_public(d))
        .map(|(d, r)| (*d, *r))
        .collect();
    // Longest prefix first: a more specific route to anything but an internet gateway (or, for an inspected
    // default, the same endpoint) takes those clients' replies elsewhere.
    let except = |open_target: &str| -> Vec<IpNet> {
        routes
            .iter()
            .filter(|(d, r)| {
                // A blackhole always takes them; otherwise any target but an internet gateway or the open one.
                let elsewhere = r.blackhole || (!r.to_internet_gateway() && r.target != open_target);
                d.prefix_len() > 0 && crate::model::is_public(d) && elsewhere
            })
            .map(|(d, _)| *d)
            .collect()
    };
    let family = if v6 { "::/0" } else { "0.0.0.0/0" };
    let closed = match default {
        Some(r) if r.blackhole => format!("drops the internet: {family} is a blackhole route (to {})", r.target),
        Some(r) if r.to_internet_gateway() => {
            let except = except(&r.target);
            return Verdict::Open { gateway: r.target.clone(), clients: Vec::new(), except, inspected: false };
        }
        Some(r) if r.target.starts_with("vpce-") => {
            let except = except(&r.target);
            return Verdict::Open { gateway: r.target.clone(), clients: Vec::new(), except, inspected: true };
        }
        Some(r) if r.target.starts_with("nat-") => {
            format!("sends {family} to NAT gateway {}, which carries outbound connections only", r.target)
        }
        Some(r) if r.target.starts_with("eigw-") => {
            format!("sends {family} to egress-only internet gateway {}, which admits no inbound connection", r.target)
        }
        Some(r) => format!("sends {family} to {}, not to an internet gateway", r.target),
        None => "has no route to an internet gateway".to_string(),
    };
    if let Some((_, r)) = specific.first() {
        return Verdict::Open {
            gateway: r.target.clone(),
            clients: specific.iter().map(|(d, _)| *d).collect(),
            except: Vec::new(),
            inspected: false,
        };
    }
    // A route to an internet gateway for a list whose entries are unknown may open the address to someone.
    if let Some(r) = unread.iter().find(|r| r.to_internet_gateway() && !r.blackhole) {
        return Verdict::Unknown(format!(
            "route table {} sends prefix list {} to internet gateway {}, and that list's entries were not read",
            table.id, r.destination, r.target
        ));
    }
    Verdict::Closed(closed)
}

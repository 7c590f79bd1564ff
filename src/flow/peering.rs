//! Flows between VPCs over active peering connections.
//!
//! Two VPCs joined by an active peering connection (same or another region) see each other: a CIDR or
//! prefix-list rule of one admits the addresses of the other, and group references work across a same-region
//! peering, as AWS allows. A connection also needs a route each way: the source subnet's route table must send
//! the destination address to that peering connection (longest prefix wins; a prefix-list destination counts
//! when its entries were read), and the destination subnet's table must send the reply back through it. The
//! classes of two linked VPCs are candidates for each other in the search; the route check is made per member
//! pair once a path is found, with the network ACLs (`gate.rs`).
//!
//! Not modelled: transit gateways (their attachments and route tables are not read), so no flow crosses one.

use super::{End, Network};
use crate::model::{Inventory, Route, RouteTable};
use ipnet::IpNet;
use rustc_hash::FxHashMap as HashMap;
use std::net::IpAddr;

/// The other side of an active peering connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link<'a> {
    pub region: &'a str,
    pub vpc: &'a str,
    /// The peering connection (`pcx-…`).
    pub via: &'a str,
}

/// Every VPC's active peering connections, both ways.
#[derive(Default)]
pub(crate) struct Links<'a> {
    /// Region → VPC → links.
    by_vpc: HashMap<&'a str, HashMap<&'a str, Vec<Link<'a>>>>,
}

impl<'a> Links<'a> {
    pub(crate) fn new(inv: &'a Inventory) -> Links<'a> {
        let mut links = Links::default();
        for p in inv.peerings.iter().filter(|p| p.is_active()) {
            let a = (p.requester.region.as_deref().unwrap_or(&p.region), p.requester.vpc_id.as_str());
            let b = (p.accepter.region.as_deref().unwrap_or(&p.region), p.accepter.vpc_id.as_str());
            for (from, to) in [(a, b), (b, a)] {
                let list = links.by_vpc.entry(from.0).or_default().entry(from.1).or_default();
                let link = Link { region: to.0, vpc: to.1, via: p.id.as_str() };
                if !list.contains(&link) {
                    list.push(link);
                }
            }
        }
        links
    }

    /// The VPCs peered with `(region, vpc)`.
    pub(crate) fn of(&self, region: &str, vpc: &str) -> &[Link<'a>] {
        self.by_vpc.get(region).and_then(|m| m.get(vpc)).map(Vec::as_slice).unwrap_or_default()
    }

    /// The peering connection between two VPCs, if they are peered.
    pub(crate) fn between(&self, a: (&str, &str), b: (&str, &str)) -> Option<&Link<'a>> {
        self.of(a.0, a.1).iter().find(|l| l.region == b.0 && l.vpc == b.1)
    }
}

/// Whether a hop between two members of different VPCs is routed each way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crossing {
    /// The same VPC: no route decides.
    Local,
    /// Routed both ways through the peering connection, as the text says.
    Routed(String),
    /// Not routed: why, and the `aws ec2 create-route` that would add the missing route.
    Blocked { text: String, fix: Option<String> },
}

impl<'a> Network<'a> {
    /// Whether `s` can reach `t` across VPCs: an active peering connection between their VPCs, and a route to
    /// it in each one's subnet for the other's address.
    pub(crate) fn crossing(&self, s: End, t: End) -> Crossing {
        let (Some(sv), Some(tv)) = (s.vpc, t.vpc) else { return Crossing::Local };
        if s.region == t.region && sv == tv {
            return Crossing::Local;
        }
        let Some(link) = self.links.between((s.region, sv), (t.region, tv)) else {
            return Crossing::Blocked {
                text: format!("{sv} and {tv} are not joined by an active peering connection"),
                fix: None,
            };
        };
        let go = self.leg(s, t, link.via);
        let back = self.leg(t, s, link.via);
        match (go, back) {
            (Ok(a), Ok(b)) => Crossing::Routed(format!("{a}; {b}")),
            (Err(blocked), _) | (_, Err(blocked)) => blocked,
        }
    }

    /// One direction: the route `from`'s subnet takes to `to`'s address must be the peering connection.
    fn leg(&self, from: End, to: End, via: &str) -> Result<String, Crossing> {
        let Some(table) = self.routing.table(from.region, from.subnet, from.vpc) else {
            // Routes not collected: assumed to be there, as unread network ACLs are assumed open.
            return Ok(format!("{}'s route table was not read: a route to {via} is assumed", from.subnet));
        };
        let route = longest_match(table, to.address, |id| {
            self.prefix_list(from.region, id).map(|p| p.entries.as_slice()).unwrap_or_default()
        });
        match route {
            Some(r) if r.target == via && !r.blackhole => {
                Ok(format!("{} routes {} to {via} ({})", table.id, to.address, r.destination))
            }
            other => {
                let sends = match other {
                    Some(r) if r.blackhole => format!("drops {} (a blackhole route, {})", to.address, r.destination),
                    Some(r) => format!("sends {} to {} ({})", to.address, r.target, r.destination),
                    None => format!("has no route for {}", to.address),
                };
                let destination = self.vpc_block(to.region, to.vpc, to.address).unwrap_or_else(|| {
                    IpNet::new(to.address, if to.address.is_ipv6() { 128 } else { 32 }).expect("host prefix")
                });
                let flag = if destination.addr().is_ipv6() {
                    "--destination-ipv6-cidr-block"
                } else {
                    "--destination-cidr-block"
                };
                Err(Crossing::Blocked {
                    text: format!(
                        "route table {} of {} {sends}, not to peering connection {via}",
                        table.id, from.subnet
                    ),
                    fix: Some(format!(
                        "aws ec2 create-route --region {} --route-table-id {} {flag} {destination} \
                         --vpc-peering-connection-id {via}",
                        from.region, table.id
                    )),
                })
            }
        }
    }

    /// The block of a VPC that holds an address.
    fn vpc_block(&self, region: &str, vpc: Option<&str>, address: IpAddr) -> Option<IpNet> {
        let vpc = vpc?;
        self.inventory
            .vpcs
            .iter()
            .find(|v| v.region == region && v.id == vpc)?
            .cidrs
            .iter()
            .find(|c| c.contains(&address))
            .copied()
    }
}

/// The route a table takes for an address: the longest destination that contains it. Prefix-list
/// destinations count with the entries `entries` gives for them.
pub(crate) fn longest_match<'r, 'l>(
    table: &'r RouteTable,
    address: IpAddr,
    entries: impl Fn(&str) -> &'l [IpNet],
) -> Option<&'r Route> {
    let mut best: Option<(u8, &Route)> = None;
    for r in &table.routes {
        let len = match r.destination.parse::<IpNet>() {
            Ok(net) => net.contains(&address).then_some(net.prefix_len()),
            Err(_) if r.destination.starts_with("pl-") => {
                entries(&r.destination).iter().filter(|n| n.contains(&address)).map(IpNet::prefix_len).max()
            }
            Err(_) => None,
        };
        if let Some(len) = len {
            if best.is_none_or(|(b, _)| len > b) {
                best = Some((len, r));
            }
        }
    }
    best.map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(routes: &[(&str, &str)]) -> RouteTable {
        RouteTable {
            id: "rtb-1".into(),
            region: "us-east-1".into(),
            vpc_id: None,
            main: true,
            subnet_ids: vec![],
            routes: routes
                .iter()
                .map(|(d, t)| Route { destination: d.to_string(), target: t.to_string(), blackhole: false })
                .collect(),
        }
    }

    #[test]
    fn the_longest_prefix_wins_prefix_lists_included() {
        let t =
            table(&[("10.0.0.0/16", "local"), ("10.1.0.0/16", "pcx-1"), ("10.1.2.0/24", "tgw-1"), ("pl-1", "pcx-2")]);
        let pl: Vec<IpNet> = vec!["10.1.2.128/25".parse().unwrap()];
        let entries = |id: &str| if id == "pl-1" { pl.as_slice() } else { &[][..] };
        let target = |a: &str| longest_match(&t, a.parse().unwrap(), entries).map(|r| r.target.as_str());
        assert_eq!(target("10.1.1.1"), Some("pcx-1"));
        assert_eq!(target("10.1.2.1"), Some("tgw-1"));
        assert_eq!(target("10.1.2.200"), Some("pcx-2"));
        assert_eq!(target("10.0.5.5"), Some("local"));
        assert_eq!(target("192.168.0.1"), None);
    }
}

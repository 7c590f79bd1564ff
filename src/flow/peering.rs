//! Flows between VPCs over active peering connections and transit gateways.
//!
//! Two VPCs joined by an active peering connection (same or another region) see each other: a CIDR or
//! prefix-list rule of one admits the addresses of the other, and group references work across a same-region
//! peering, as AWS allows. A connection also needs a route each way: the source subnet's route table must send
//! the destination address to that peering connection (longest prefix wins; a prefix-list destination counts
//! when its entries were read), and the destination subnet's table must send the reply back through it. The
//! classes of two linked VPCs are candidates for each other in the search; the route check is made per member
//! pair once a path is found, with the network ACLs (`gate.rs`).
//!
//! Two VPCs with available attachments to one transit gateway see each other the same way. A route through it
//! needs, each way, the subnet's route to the transit gateway (`tgw-…`), then in the transit gateway route
//! table associated with the source's attachment the longest route for the address, which must go to the
//! destination VPC's attachment. A route table that could not be read makes the hop *unknown*: the answer
//! says so, and neither claims "not reachable" nor proposes a route. Transit gateway peering (between
//! regions) and VPN or Direct Connect attachments are not followed.
//!
//! An address in a joined VPC that this audit did not read (`Foreign`) is decided on this side only: this
//! side's route and ACL can block it; when they do not, the hop is unknown.

use super::{End, Network};
use crate::model::{
    CoverageStatus, Inventory, Route, RouteTable, TransitGatewayAttachment, TransitGatewayRoute,
    TransitGatewayRouteTable,
};
use ipnet::IpNet;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::net::IpAddr;

/// The other side of an active peering connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link<'a> {
    pub region: &'a str,
    pub vpc: &'a str,
    /// The peering connection (`pcx-…`) or transit gateway (`tgw-…`).
    pub via: &'a str,
}

/// A VPC on the other side of an active peering connection or transit gateway that this audit did not read
/// (another account's, or a region not audited): what its addresses can do is decided by groups, ACLs and routes nobody has seen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Foreign<'a> {
    pub(crate) region: &'a str,
    pub(crate) vpc: &'a str,
    pub(crate) owner: Option<&'a str>,
    /// The peering connection or transit gateway.
    pub(crate) via: &'a str,
    /// The blocks the peering routes for that VPC (for a transit gateway: the route's destination).
    pub(crate) cidrs: &'a [IpNet],
}

impl Foreign<'_> {
    /// Why a hop to or from `address` in that VPC cannot be decided.
    pub(crate) fn why(&self, address: IpAddr) -> String {
        let owner = self.owner.map(|o| format!(" of account {o}")).unwrap_or_default();
        format!(
            "{address} is in {}{owner} ({}), joined over {}, which this audit did not read: its security groups, \
             network ACL and route back decide the rest",
            self.vpc,
            self.cidrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            self.via
        )
    }
}

/// Every VPC's active peering connections, both ways, and its transit gateway attachments.
#[derive(Default)]
pub(crate) struct Links<'a> {
    /// Region → VPC → peering links.
    by_vpc: HashMap<&'a str, HashMap<&'a str, Vec<Link<'a>>>>,
    /// (region, VPC) → the peered VPCs this audit did not read.
    foreign: HashMap<(&'a str, &'a str), Vec<Foreign<'a>>>,
    /// The VPCs this audit read.
    read: HashSet<(&'a str, &'a str)>,
    /// Region → VPC → its available attachments.
    attachments: HashMap<&'a str, HashMap<&'a str, Vec<&'a TransitGatewayAttachment>>>,
    /// (region, transit gateway) → the VPC attachments of that transit gateway.
    by_gateway: HashMap<(&'a str, &'a str), Vec<&'a TransitGatewayAttachment>>,
    tables: HashMap<(&'a str, &'a str), &'a TransitGatewayRouteTable>,
    /// Regions whose transit gateway route tables were asked for and failed.
    tables_failed: Vec<&'a str>,
}

impl<'a> Links<'a> {
    pub(crate) fn new(inv: &'a Inventory) -> Links<'a> {
        let mut links = Links::default();
        let mut foreign: HashMap<(&str, &str), Vec<Foreign>> = HashMap::default();
        links.read = inv.vpcs.iter().map(|v| (v.region.as_str(), v.id.as_str())).collect();
        let read = &links.read;
        for p in inv.peerings.iter().filter(|p| p.is_active()) {
            let a = (p.requester.region.as_deref().unwrap_or(&p.region), p.requester.vpc_id.as_str());
            let b = (p.accepter.region.as_deref().unwrap_or(&p.region), p.accepter.vpc_id.as_str());
            for ((from, to), side) in [((a, b), &p.accepter), ((b, a), &p.requester)] {
                if read.contains(&from) && !read.contains(&to) {
                    foreign.entry(from).or_default().push(Foreign {
                        region: to.0,
                        vpc: to.1,
                        owner: side.owner_id.as_deref(),
                        via: p.id.as_str(),
                        cidrs: &side.cidrs,
                    });
                }
                let list = links.by_vpc.entry(from.0).or_default().entry(from.1).or_default();
                let link = Link { region: to.0, vpc: to.1, via: p.id.as_str() };
                if !list.contains(&link) {
                    list.push(link);
                }
            }
        }
        links.foreign = foreign;
        let vpc_attachments = inv
            .transit_gateway_attachments
            .iter()
            .filter(|a| a.resource_type == "vpc" && a.state == "available" && a.resource_id.is_some());
        for a in vpc_attachments {
            let vpc = a.resource_id.as_deref().expect("filtered");
            links.attachments.entry(a.region.as_str()).or_default().entry(vpc).or_default().push(a);
            links.by_gateway.entry((a.region.as_str(), a.transit_gateway_id.as_str())).or_default().push(a);
        }
        links.tables =
            inv.transit_gateway_route_tables.iter().map(|t| ((t.region.as_str(), t.id.as_str()), t)).collect();
        links.tables_failed = inv
            .coverage
            .iter()
            .filter(|c| c.operation == "DescribeTransitGatewayRouteTables" && c.status != CoverageStatus::Ok)
            .map(|c| c.region.as_str())
            .collect();
        links
    }

    fn attachments_of(&self, region: &str, vpc: &str) -> &[&'a TransitGatewayAttachment] {
        self.attachments.get(region).and_then(|m| m.get(vpc)).map(Vec::as_slice).unwrap_or_default()
    }

    /// The VPCs peered with `(region, vpc)` or attached to a transit gateway it is attached to.
    pub(crate) fn of(&self, region: &str, vpc: &str) -> Vec<Link<'a>> {
        let mut out: Vec<Link<'a>> =
            self.by_vpc.get(region).and_then(|m| m.get(vpc)).map(|v| v.to_vec()).unwrap_or_default();
        for a in self.attachments_of(region, vpc) {
            let others = self.by_gateway.get(&(a.region.as_str(), a.transit_gateway_id.as_str()));
            for other in others.into_iter().flatten() {
                let other_vpc = other.resource_id.as_deref().expect("a VPC attachment");
                if other_vpc != vpc {
                    out.push(Link { region: &other.region, vpc: other_vpc, via: &a.transit_gateway_id });
                }
            }
        }
        out
    }

    /// The unread VPC peered with `(region, vpc)` whose blocks hold `cidr`.
    pub(crate) fn foreign(&self, region: &str, vpc: &str, cidr: &IpNet) -> Option<Foreign<'a>> {
        let all = self.foreign.get(&(region, vpc))?;
        all.iter().find(|f| f.cidrs.iter().any(|c| c.contains(cidr))).copied()
    }

    /// Whether no VPC is joined to another: then nothing crosses a VPC.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_vpc.is_empty() && self.attachments.is_empty()
    }

    /// How two VPCs are joined: a peering connection first, else a transit gateway both are attached to.
    /// Allocates nothing: it is asked for every CIDR rule that meets a party of another VPC.
    pub(crate) fn between(&self, a: (&str, &str), b: (&str, &str)) -> Option<Link<'a>> {
        let peered = self.by_vpc.get(a.0).and_then(|m| m.get(a.1));
        if let Some(l) = peered.and_then(|v| v.iter().find(|l| l.region == b.0 && l.vpc == b.1)) {
            return Some(*l);
        }
        self.attachments_of(a.0, a.1).iter().find_map(|mine| {
            let theirs = self.attachment(b.0, b.1, &mine.transit_gateway_id)?;
            Some(Link { region: &theirs.region, vpc: theirs.resource_id.as_deref()?, via: &mine.transit_gateway_id })
        })
    }

    /// The attachment of a VPC to a transit gateway.
    fn attachment(&self, region: &str, vpc: &str, gateway: &str) -> Option<&'a TransitGatewayAttachment> {
        self.attachments_of(region, vpc).iter().find(|a| a.transit_gateway_id == gateway).copied()
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
    /// Not decidable: a transit gateway route table that could not be read.
    Unknown(String),
}

impl<'a> Network<'a> {
    /// The VPC this audit did not read that `e`'s side sends `cidr` to: a peered one whose blocks hold it, or
    /// one whose transit gateway attachment the route table of `e`'s own attachment sends it to.
    pub(crate) fn unread_far(&self, e: End<'a>, cidr: &IpNet) -> Option<Foreign<'a>> {
        let vpc = e.vpc?;
        if let Some(far) = self.links.foreign(e.region, vpc, cidr) {
            return Some(far);
        }
        let table = self.routing.table(e.region, e.subnet, e.vpc)?;
        let route = longest_match(table, cidr.addr(), |id| {
            self.prefix_list(e.region, id).map(|p| p.entries.as_slice()).unwrap_or_default()
        })?;
        if route.blackhole || !route.target.starts_with("tgw-") {
            return None;
        }
        let links = &self.links;
        let mine = links.attachment(e.region, vpc, &route.target)?;
        let table = links.tables.get(&(mine.region.as_str(), mine.route_table_id.as_deref()?))?;
        let best = tgw_route(table.routes.as_ref()?, cidr.addr()).filter(|r| !r.blackhole)?;
        let gateway = links.by_gateway.get(&(mine.region.as_str(), mine.transit_gateway_id.as_str()))?;
        let theirs = gateway.iter().find(|a| best.attachments.contains(&a.id))?;
        let far_vpc = theirs.resource_id.as_deref()?;
        (!links.read.contains(&(theirs.region.as_str(), far_vpc))).then(|| Foreign {
            region: &theirs.region,
            vpc: far_vpc,
            owner: theirs.resource_owner.as_deref(),
            via: &mine.transit_gateway_id,
            cidrs: std::slice::from_ref(&best.destination),
        })
    }

    /// Whether `s` can reach `t` across VPCs: an active peering connection between their VPCs, and a route to
    /// it in each one's subnet for the other's address.
    pub(crate) fn crossing(&self, s: End, t: End) -> Crossing {
        let (Some(sv), Some(tv)) = (s.vpc, t.vpc) else { return Crossing::Local };
        if s.region == t.region && sv == tv {
            return Crossing::Local;
        }
        let Some(link) = self.links.between((s.region, sv), (t.region, tv)) else {
            return Crossing::Blocked { text: self.unjoined((s.region, sv), (t.region, tv)), fix: None };
        };
        let go = self.leg(s, t, link.via);
        let back = self.leg(t, s, link.via);
        match (go, back) {
            (Ok(a), Ok(b)) => Crossing::Routed(format!("{a}; {b}")),
            (Err(b @ Crossing::Blocked { .. }), _) | (_, Err(b @ Crossing::Blocked { .. })) => b,
            (Err(unknown), _) | (_, Err(unknown)) => unknown,
        }
    }

    /// Inside a transit gateway, one direction: the route table associated with `from`'s attachment must send
    /// `to`'s address to `to`'s attachment.
    fn gateway_leg(&self, from: End, to: End, gateway: &str) -> Result<String, Crossing> {
        let links = &self.links;
        let (Some(fv), Some(tv)) = (from.vpc, to.vpc) else { return Err(Crossing::Unknown("VPC unknown".into())) };
        let (Some(a), Some(b)) = (links.attachment(from.region, fv, gateway), links.attachment(to.region, tv, gateway))
        else {
            return Err(Crossing::Blocked { text: format!("{fv} or {tv} is not attached to {gateway}"), fix: None });
        };
        let Some(table_id) = a.route_table_id.as_deref() else {
            return Err(Crossing::Blocked {
                text: format!("attachment {} of {fv} to {gateway} is associated with no route table", a.id),
                fix: None,
            });
        };
        let table = links.tables.get(&(a.region.as_str(), table_id));
        let Some(routes) = table.and_then(|t| t.routes.as_ref()) else {
            let why = if table.is_none() && links.tables_failed.contains(&a.region.as_str()) {
                "DescribeTransitGatewayRouteTables failed"
            } else if table.is_none() {
                "it was not listed"
            } else {
                "SearchTransitGatewayRoutes failed for it"
            };
            return Err(Crossing::Unknown(format!(
                "transit gateway route table {table_id} of {gateway} could not be read ({why}): whether it routes {} \
                 to {tv} is unknown",
                to.address
            )));
        };
        match tgw_route(routes, to.address) {
            Some(r) if !r.blackhole && r.attachments.contains(&b.id) => {
                Ok(format!("{table_id} routes {} to attachment {} ({})", to.address, b.id, tgw_route_text(r)))
            }
            other => {
                let sends = match other {
                    Some(r) if r.blackhole => {
                        format!("drops {} (a blackhole route, {})", to.address, tgw_route_text(r))
                    }
                    Some(r) => format!("sends {} to {} ({})", to.address, r.attachments.join(", "), tgw_route_text(r)),
                    None => format!("has no route for {}", to.address),
                };
                let block = self.vpc_block(to.region, to.vpc, to.address).unwrap_or_else(|| host(to.address));
                // A static route as specific as the block would still win: replace it. A propagated one cannot
                // be replaced, but a static route for its destination wins over it: create that. Else add the
                // block.
                let (verb, destination) = match other {
                    Some(r) if r.destination.prefix_len() >= block.prefix_len() && !r.propagated => {
                        ("replace", r.destination)
                    }
                    Some(r) if r.destination.prefix_len() >= block.prefix_len() => ("create", r.destination),
                    _ => ("create", block),
                };
                Err(Crossing::Blocked {
                    text: format!("transit gateway route table {table_id} {sends}, not to {tv}'s attachment {}", b.id),
                    fix: Some(format!(
                        "aws ec2 {verb}-transit-gateway-route --region {} --transit-gateway-route-table-id {table_id} \
                         --destination-cidr-block {destination} --transit-gateway-attachment-id {}",
                        a.region, b.id
                    )),
                })
            }
        }
    }

    /// One direction: the route `from`'s subnet takes to `to`'s address must be the peering connection.
    pub(crate) fn leg(&self, from: End, to: End, via: &str) -> Result<String, Crossing> {
        let Some(table) = self.routing.table(from.region, from.subnet, from.vpc) else {
            // Routes not collected: assumed to be there, as unread network ACLs are assumed open.
            return Ok(format!("{}'s route table was not read: a route to {via} is assumed", from.subnet));
        };
        let route = longest_match(table, to.address, |id| {
            self.prefix_list(from.region, id).map(|p| p.entries.as_slice()).unwrap_or_default()
        });
        // A route to `via` for a prefix list whose entries were not read may be the one that matches: then
        // the hop cannot be decided, and is never called unrouted.
        let unread = table.routes.iter().find(|r| {
            r.target == via
                && r.destination.starts_with("pl-")
                && self.prefix_list(from.region, &r.destination).is_none()
        });
        if let (Some(pl), false) = (unread, route.is_some_and(|r| r.target == via && !r.blackhole)) {
            return Err(Crossing::Unknown(format!(
                "route table {} of {} sends prefix list {} to {via}, and that list's entries were not read: whether \
                 it covers {} is unknown",
                table.id, from.subnet, pl.destination, to.address
            )));
        }
        match route {
            Some(r) if r.target == via && !r.blackhole && via.starts_with("tgw-") => {
                let inside = self.gateway_leg(from, to, via)?;
                Ok(format!("{} routes {} to {via} ({}), and {inside}", table.id, to.address, r.destination))
            }
            Some(r) if r.target == via && !r.blackhole => {
                Ok(format!("{} routes {} to {via} ({})", table.id, to.address, r.destination))
            }
            other => {
                let sends = match other {
                    Some(r) if r.blackhole => format!("drops {} (a blackhole route, {})", to.address, r.destination),
                    Some(r) => format!("sends {} to {} ({})", to.address, r.target, r.destination),
                    None => format!("has no route for {}", to.address),
                };
                let destination = self.vpc_block(to.region, to.vpc, to.address).unwrap_or_else(|| host(to.address));
                let flag = if destination.addr().is_ipv6() {
                    "--destination-ipv6-cidr-block"
                } else {
                    "--destination-cidr-block"
                };
                let (kind, target) = if via.starts_with("tgw-") {
                    ("transit gateway", "--transit-gateway-id")
                } else {
                    ("peering connection", "--vpc-peering-connection-id")
                };
                // A route as specific as the block (or a prefix list) would still win: replace it; else add one.
                let (verb, what) = match other.map(|r| (r, r.destination.parse::<IpNet>())) {
                    Some((_, Ok(d))) if d.prefix_len() >= destination.prefix_len() => {
                        ("replace", format!("{flag} {d}"))
                    }
                    Some((r, Err(_))) if r.destination.starts_with("pl-") => {
                        ("replace", format!("--destination-prefix-list-id {}", r.destination))
                    }
                    _ => ("create", format!("{flag} {destination}")),
                };
                Err(Crossing::Blocked {
                    text: format!("route table {} of {} {sends}, not to {kind} {via}", table.id, from.subnet),
                    fix: Some(format!(
                        "aws ec2 {verb}-route --region {} --route-table-id {} {what} {target} {via}",
                        from.region, table.id
                    )),
                })
            }
        }
    }

    /// The block of a VPC that holds an address.
    fn vpc_block(&self, region: &str, vpc: Option<&str>, address: IpAddr) -> Option<IpNet> {
        let vpc = vpc?;
        let read = self.inventory.vpcs.iter().find(|v| v.region == region && v.id == vpc).map(|v| v.cidrs.as_slice());
        // A VPC this audit did not read: the blocks its peering connections route for it.
        let peered =
            || self.inventory.peerings.iter().flat_map(|p| [&p.requester, &p.accepter]).find(|s| s.vpc_id == vpc);
        let blocks = read.or_else(|| peered().map(|s| s.cidrs.as_slice()))?;
        blocks.iter().find(|c| c.contains(&address)).copied()
    }
}

/// A host prefix: `/32` or `/128`.
fn host(address: IpAddr) -> IpNet {
    IpNet::new(address, if address.is_ipv6() { 128 } else { 32 }).expect("host prefix")
}

/// The route a transit gateway route table takes for `address`: the longest destination that holds it and,
/// for one destination, a static route before a propagated one (AWS's route evaluation order).
fn tgw_route(routes: &[TransitGatewayRoute], address: IpAddr) -> Option<&TransitGatewayRoute> {
    routes
        .iter()
        .filter(|r| r.destination.contains(&address))
        .max_by_key(|r| (r.destination.prefix_len(), !r.propagated))
}

/// How a transit gateway route is described: `10.4.0.0/16, propagated`.
fn tgw_route_text(r: &TransitGatewayRoute) -> String {
    format!("{}, {}", r.destination, if r.propagated { "propagated" } else { "static" })
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

//! Out to the internet: a hop from members to the internet (or to a public network) needs a route out, as a
//! hop in needs an address. A member gets out when its subnet's route for the destination goes to an internet
//! gateway and the member has a public address of that family, to a NAT gateway (IPv4), an egress-only
//! internet gateway (IPv6), or a NAT instance or appliance (a network interface or instance). A transit
//! gateway, a peering connection, a virtual private gateway or an endpoint leads to an egress this audit does
//! not follow: unknown, never "not reachable". No route, only the VPC's own, or a blackhole: blocked. The
//! subnet's network ACL must let the request out and the reply back in. Routes that were not read are assumed
//! to be there, as unread network ACLs are assumed open.

use super::peering::longest_match;
use super::{AclHalf, ClassId, Crossing, End, Hop, Network, Place};
use crate::model::{NetworkInterface, Peer};
use ipnet::IpNet;
use std::net::IpAddr;

/// A public address of each family that no route names on purpose: it stands for "the internet".
const SOME_PUBLIC_V4: &str = "8.8.8.8";
const SOME_PUBLIC_V6: &str = "2001:4860:4860::8888";

/// How a member's subnet routes a destination outside the account.
enum Out {
    Routed(String),
    Blocked(String),
    Unknown(String),
}

impl<'a> Network<'a> {
    /// The gate of a hop from class `c` (its member the question names, else every member) to `dest` (the
    /// internet when `None`): the ACL half, the missing route, and why it cannot be decided.
    pub(crate) fn gate_out(
        &self,
        hop: &mut Hop<'a>,
        c: ClassId,
        place: Option<&Place<'a>>,
        dest: Option<IpNet>,
    ) -> (Option<AclHalf>, Option<Crossing>, Option<String>) {
        // To a network, its family. To the internet, the family of the egress rule the hop took first; then
        // the other family, when another egress rule of the class sends the same traffic to its public space:
        // a member that cannot get out over IPv4 may over IPv6.
        let first_v6 = match dest {
            Some(net) => net.addr().is_ipv6(),
            None => hop.egress.is_some_and(|r| matches!(r.peer, Peer::Ipv6(_))),
        };
        let mut ways = vec![(first_v6, hop.egress)];
        if dest.is_none() {
            if let Some(rule) = self.egress_to_public(c, !first_v6, hop) {
                ways.push((!first_v6, Some(rule)));
            }
        }
        let mut first: Option<(Option<AclHalf>, Option<Crossing>, Option<String>)> = None;
        for (v6, rule) in ways {
            let outcome = self.gate_out_family(hop, c, place, dest, v6);
            if outcome.1.is_none() && outcome.2.is_none() && !outcome.0.as_ref().is_some_and(AclHalf::is_blocked) {
                hop.egress = rule;
                return outcome;
            }
            first.get_or_insert(outcome);
        }
        first.expect("one way at least")
    }

    /// An egress rule of class `c` that sends `hop`'s traffic to public addresses of the family `v6`.
    fn egress_to_public(&self, c: ClassId, v6: bool, hop: &Hop<'a>) -> Option<&'a crate::model::Rule> {
        let party = &self.classes[c].party;
        let region = party.region.unwrap_or_default();
        party.groups.iter().flat_map(|g| self.egress(g)).copied().find(|r| {
            super::Traffic::of(r).intersect(hop.traffic).is_some()
                && self.peer_nets(r).is_some_and(|nets| {
                    nets.iter().any(|n| n.addr().is_ipv6() == v6 && self.space.is_public(region, n))
                })
        })
    }

    /// [`Network::gate_out`] for one address family.
    fn gate_out_family(
        &self,
        hop: &mut Hop<'a>,
        c: ClassId,
        place: Option<&Place<'a>>,
        dest: Option<IpNet>,
        v6: bool,
    ) -> (Option<AclHalf>, Option<Crossing>, Option<String>) {
        let probe: IpAddr = match dest {
            Some(net) => net.addr(),
            None if v6 => SOME_PUBLIC_V6.parse().expect("an address"),
            None => SOME_PUBLIC_V4.parse().expect("an address"),
        };
        let what = match dest {
            Some(net) => net.to_string(),
            None => format!("the internet ({})", if v6 { "IPv6" } else { "IPv4" }),
        };
        let (protocol, ports) = (hop.traffic.protocol, hop.traffic.ports);
        let (mut blocked_route, mut blocked_acl, mut unknown) = (None, None, None);
        for eni in self.members(c, place) {
            let Some(end) = Self::end_of(eni) else { continue };
            let out = self.route_out(eni, end, probe, v6, &what);
            let routed = match out {
                Out::Routed(text) => text,
                Out::Blocked(text) => {
                    blocked_route.get_or_insert(text);
                    continue;
                }
                Out::Unknown(text) => {
                    unknown.get_or_insert(text);
                    continue;
                }
            };
            let half = match self.acls.one_side(end, probe, protocol, ports, false) {
                // The probe stands for every public address: an entry for it alone would fix nothing.
                AclHalf::Blocked { text, .. } if dest.is_none() => AclHalf::Blocked { text, fix: None },
                half => half,
            };
            if half.is_blocked() {
                blocked_acl.get_or_insert(half);
                continue;
            }
            hop.route = Some(routed);
            return (Some(half), None, None);
        }
        if let Some(why) = unknown {
            return (None, None, Some(why));
        }
        if let Some(half) = blocked_acl {
            return (Some(half), None, None);
        }
        let route = blocked_route.map(|text| Crossing::Blocked { text, fix: None });
        (None, route, None)
    }

    /// Whether `dest` (public) is outside the account for a hop from class `c`.
    pub(crate) fn is_outside(&self, c: ClassId, dest: &IpNet) -> bool {
        let region = self.classes[c].party.region.unwrap_or_default();
        self.space.is_public(region, dest)
    }

    /// How `eni`'s subnet routes `probe` (standing for `what`, of family `v6`) out of the VPC.
    fn route_out(&self, eni: &NetworkInterface, end: End, probe: IpAddr, v6: bool, what: &str) -> Out {
        let (region, subnet, vpc) = (end.region, end.subnet, end.vpc);
        let Some(table) = self.routing.table(region, subnet, vpc) else {
            return Out::Routed(format!("{subnet}'s route table was not read: a route to {what} is assumed"));
        };
        let entries = |id: &str| self.prefix_list(region, id).map(|p| p.entries.as_slice()).unwrap_or_default();
        let Some(route) = longest_match(table, probe, entries).filter(|r| !r.blackhole && r.target != "local") else {
            return Out::Blocked(format!(
                "route table {} of {subnet} has no route to {what}: {} cannot leave the VPC",
                table.id, eni.id
            ));
        };
        let via = format!("{} routes {what} to {} ({})", table.id, route.target, route.destination);
        let target = route.target.as_str();
        if target.starts_with("igw-") {
            let public = eni.public_ips.iter().find(|a| a.is_ipv6() == v6);
            return match public {
                Some(a) => Out::Routed(format!("{via}, and {} has the public address {a}", eni.id)),
                None => Out::Blocked(format!(
                    "{via}, but {} has no public {} address: the internet gateway drops what it cannot translate",
                    eni.id,
                    if v6 { "IPv6" } else { "IPv4" }
                )),
            };
        }
        if (target.starts_with("nat-") && !v6) || (target.starts_with("eigw-") && v6) {
            return Out::Routed(via);
        }
        if target.starts_with("nat-") || target.starts_with("eigw-") {
            return Out::Blocked(format!("{via}, which carries no {} traffic", if v6 { "IPv6" } else { "IPv4" }));
        }
        if target.starts_with("eni-") || target.starts_with("i-") {
            return Out::Routed(format!("{via} (a NAT instance or appliance)"));
        }
        Out::Unknown(format!("{via}, whose way to the internet this audit does not follow"))
    }
}

//! The network-ACL and route gate on a path that the security groups allow: each hop is checked against the
//! routes between VPCs (a hop across a peering connection needs a route each way) and the ACLs of the subnets
//! its members live in, and the first hop that no member pair gets through blocks the path.

use super::{AclHalf, AddressReach, ClassId, Crossing, End, Hop, Missing, Network, Node, Place};
use crate::model::NetworkInterface;

/// At most this many members of a class stand for it: members of one class in more subnets than that are
/// rare, and the check stays bounded.
const MEMBERS: usize = 32;

impl<'a> Network<'a> {
    /// The members of a class; at an end of the question that names one interface or datastore, that member
    /// only.
    pub(crate) fn members(&self, c: ClassId, place: Option<&Place<'a>>) -> Vec<&'a NetworkInterface> {
        let class = &self.classes[c];
        let of_datastore = |d: &'a crate::model::Datastore| {
            self.datastore_interfaces.get(&(std::ptr::from_ref(d) as usize)).into_iter().flatten().copied()
        };
        let members: Vec<&'a NetworkInterface> = match place {
            Some(Place::Interface(eni)) => vec![*eni],
            Some(Place::Datastore(d)) => of_datastore(d).collect(),
            _ => {
                class.interfaces.iter().copied().chain(class.datastores.iter().flat_map(|d| of_datastore(d))).collect()
            }
        };
        members.into_iter().filter(|eni| Self::end_of(eni).is_some()).take(MEMBERS).collect()
    }

    /// Where a member is: its region, subnet, VPC and first private address.
    pub(crate) fn end_of(eni: &'a NetworkInterface) -> Option<End<'a>> {
        Some(End {
            region: &eni.region,
            subnet: eni.subnet_id.as_deref()?,
            vpc: eni.vpc_id.as_deref(),
            address: *eni.private_ips.first()?,
        })
    }

    /// The addressed members of a class with their subnets (see [`Network::members`]).
    fn ends(&self, c: ClassId, place: Option<&Place<'a>>) -> Vec<End<'a>> {
        self.members(c, place).into_iter().filter_map(Self::end_of).collect()
    }

    /// Sets each hop's ACL half and routes; the first hop the routes or ACLs block, as what the path is
    /// missing, and else why a hop cannot be decided (a transit gateway route table that was not read).
    pub(crate) fn gate(
        &self,
        hops: &mut [Hop<'a>],
        from: &Place<'a>,
        to: &Place<'a>,
    ) -> (Option<Missing>, Option<String>) {
        let mut blocked = None;
        let mut undecided: Option<String> = None;
        let last = hops.len().saturating_sub(1);
        for (i, hop) in hops.iter_mut().enumerate() {
            let (from, to) = ((i == 0).then_some(from), (i == last).then_some(to));
            let protocol = hop.traffic.protocol;
            let ports = hop.traffic.ports;
            let mut unrouted = None;
            let mut unknown = None;
            let half = match (hop.from, hop.to) {
                (Node::Class(a), Node::Class(b)) => {
                    let (sources, targets) = (self.ends(a, from), self.ends(b, to));
                    let mut first_block = None;
                    let mut open = None;
                    'pairs: for s in &sources {
                        for t in &targets {
                            let crossing = self.crossing(*s, *t);
                            match crossing {
                                Crossing::Blocked { .. } => {
                                    unrouted.get_or_insert(crossing);
                                    continue;
                                }
                                Crossing::Unknown(why) => {
                                    unknown.get_or_insert(why);
                                    continue;
                                }
                                _ => {}
                            }
                            let h = self.acls.between(*s, *t, protocol, ports);
                            if h.is_blocked() {
                                first_block.get_or_insert(h);
                            } else {
                                open = Some(h);
                                if let Crossing::Routed(text) = crossing {
                                    hop.route = Some(text);
                                }
                                break 'pairs;
                            }
                        }
                    }
                    if open.is_some() || first_block.is_some() {
                        unrouted = None; // some member pair is routed: the ACLs decide
                        unknown = None;
                    } else if unknown.is_some() {
                        unrouted = None; // a pair that may be routed: never "not reachable"
                    }
                    open.or(first_block)
                }
                // Out to the internet, or to a public network: the member's route out and its ACL.
                (Node::Class(a), Node::Internet) => {
                    let (half, route, why) = self.gate_out(hop, a, from, None);
                    (unrouted, unknown) = (route, why);
                    half
                }
                (Node::Class(a), Node::Cidr(c)) if self.is_outside(a, &c) => {
                    let (half, route, why) = self.gate_out(hop, a, from, Some(c));
                    (unrouted, unknown) = (route, why);
                    half
                }
                (Node::Cidr(c), Node::Class(b)) | (Node::Class(b), Node::Cidr(c)) => {
                    // A CIDR in a peered VPC that was not read: this side's route and ACL can still block.
                    let receiving = matches!(hop.from, Node::Cidr(_));
                    let mut first_block = None;
                    let mut open = None;
                    for e in self.ends(b, if receiving { to } else { from }) {
                        let Some(far) = self.unread_far(e, &c) else { continue };
                        let there = End { region: far.region, subnet: "", vpc: Some(far.vpc), address: c.addr() };
                        match self.leg(e, there, far.via) {
                            Err(b @ Crossing::Blocked { .. }) => drop(unrouted.get_or_insert(b)),
                            Err(Crossing::Unknown(why)) => drop(unknown.get_or_insert(why)),
                            Err(_) => {}
                            Ok(route) => {
                                let h = self.acls.one_side(e, c.addr(), protocol, ports, receiving);
                                if !h.is_blocked() {
                                    unknown = Some(format!("{route}; but {}", far.why(c.addr())));
                                    open = Some(h);
                                    break;
                                }
                                first_block.get_or_insert(h);
                            }
                        }
                    }
                    if open.is_some() || first_block.is_some() {
                        unrouted = None;
                    }
                    if open.is_none() && first_block.is_some() {
                        unknown = None; // this side blocks: no matter what the other does
                    }
                    open.or(first_block)
                }
                (Node::Internet, Node::Class(b)) => self.gate_internet(hop, b),
                _ => None,
            };
            if let Some(why) = unknown {
                hop.route = Some(format!("unknown: {why}"));
                undecided.get_or_insert(format!("hop {}: {why}", i + 1));
            }
            if let (None, Some(Crossing::Blocked { text, fix })) = (&blocked, &unrouted) {
                blocked =
                    Some(Missing { half: "route", detail: format!("hop {}: {text}", i + 1), command: fix.clone() });
            }
            if let (None, Some(AclHalf::Blocked { text, fix })) = (&blocked, &half) {
                blocked = Some(Missing {
                    half: "network-acl",
                    detail: format!("hop {}: {text}", i + 1),
                    command: fix.as_ref().map(super::AclFix::command),
                });
            }
            hop.acl = half;
        }
        (blocked, undecided)
    }
}

impl<'a> Network<'a> {
    /// The ACL half of a hop from the internet: its ways in are tried in order, each family with its own
    /// address, clients and ACL entries; the first that gets through becomes the hop's (its rule, traffic and
    /// place first among the ways). A way whose routes were not read has no subnet to take an ACL from and
    /// counts as through. When an ACL blocks one family, the half says how each family stands.
    fn gate_internet(&self, hop: &mut Hop<'a>, b: ClassId) -> Option<AclHalf> {
        let vpc = self.classes[b].party.vpc;
        let region = self.classes[b].party.region.unwrap_or_default();
        if hop.address.is_empty() {
            return None; // no way in to decide (nothing below may index the ways)
        }
        let mut halves: Vec<Option<AclHalf>> = Vec::with_capacity(hop.address.len());
        for way in &hop.address {
            let half = match &way.reach {
                AddressReach::Open { subnet, .. } => {
                    let (protocol, ports) = (way.traffic.protocol, way.traffic.ports);
                    Some(self.acls.admits_internet(region, subnet, vpc, protocol, ports, &way.clients, &self.space))
                }
                _ => None,
            };
            let through = !half.as_ref().is_some_and(AclHalf::is_blocked);
            halves.push(half);
            if through {
                break;
            }
        }
        let through = halves.last().is_some_and(|h| !h.as_ref().is_some_and(AclHalf::is_blocked));
        let chosen = if through { halves.len() - 1 } else { 0 };
        let blocked_before = through && halves.len() > 1;
        // Each family's word: the way that gets through, and the first way of the other family.
        let mut said: Vec<(&'static str, Option<AclHalf>)> = Vec::new();
        if blocked_before || !through {
            let order = std::iter::once(chosen).chain(0..halves.len());
            for i in order {
                let label = hop.address[i].label();
                if !said.iter().any(|(l, _)| *l == label) {
                    said.push((label, halves[i].clone()));
                }
            }
        }
        hop.address[..=chosen].rotate_right(1);
        hop.ingress = Some(hop.address[0].rule);
        hop.traffic = hop.address[0].traffic;
        let half = halves.swap_remove(chosen);
        if said.len() < 2 {
            return half;
        }
        per_family(said, half)
    }
}

/// The ACL half of a hop from the internet in words for each family: the chosen way's half (open, unknown or
/// blocked), its text naming each family's.
fn per_family(said: Vec<(&str, Option<AclHalf>)>, chosen: Option<AclHalf>) -> Option<AclHalf> {
    let text = said
        .iter()
        .map(|(family, h)| match h.as_ref().and_then(AclHalf::text) {
            Some(t) => format!("{family}: {t}"),
            None => format!("{family}: no network ACL to decide"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    Some(match chosen {
        Some(AclHalf::Blocked { fix, .. }) => AclHalf::Blocked { text, fix },
        Some(AclHalf::Open { .. }) => AclHalf::Open { text },
        _ => AclHalf::Unknown { why: text },
    })
}

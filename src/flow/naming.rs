//! How a rule proposed by sgaudit names the other side of a flow, so that AWS accepts it.
//!
//! AWS accepts a security group reference only for a group of the same region in the same VPC or in a VPC
//! joined by an active peering connection of that region (another account's group in the `ACCOUNT/sg-…`
//! form, `UserId` in the API). Across regions a reference is refused, so the rule names the other side's
//! subnets instead. Across a transit gateway a reference needs the gateway's security group referencing
//! option, which sgaudit does not read: the subnets are named there too, which AWS always accepts. Between
//! VPCs joined by nothing active (a peering connection pending, deleted, rejected or expired) no rule can
//! carry traffic, and none is proposed.

use super::{Network, Party};
use crate::model::{Peer, VpcPeering};
use ipnet::IpNet;

/// How a rule of one group can name the other side of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Naming {
    /// A group reference, with the owner when it is another account's.
    Group(Peer),
    /// The other side's blocks, and why a group reference would be refused there.
    Blocks { peers: Vec<Peer>, why: String },
    /// No rule can carry the flow: why.
    Unjoined(String),
}

impl<'a> Network<'a> {
    /// How a rule of group `own` names `other`, a party whose groups include `other_group`.
    pub(crate) fn naming(&self, own: &str, other_group: &str, other: &Party<'_>) -> Naming {
        let (Some(mine), Some(theirs)) = (self.group(own), self.group(other_group)) else {
            return Naming::Group(reference(other_group, None));
        };
        let owner = self.reference_owner(own, other_group);
        let here = (mine.region.as_str(), mine.vpc_id.as_deref());
        let there = (theirs.region.as_str(), theirs.vpc_id.as_deref());
        let why = match (here, there) {
            ((r1, Some(v1)), (r2, Some(v2))) if r1 != r2 || v1 != v2 => match self.links.between((r1, v1), (r2, v2)) {
                Some(link) if r1 == r2 && link.via.starts_with("pcx-") => None,
                Some(link) if link.via.starts_with("pcx-") => Some(format!(
                    "{v1} in {r1} and {v2} in {r2} are peered across regions ({}), where AWS refuses a group \
                     reference",
                    link.via
                )),
                Some(link) => Some(format!(
                    "{v1} and {v2} are joined by transit gateway {}, where a group reference needs the gateway's \
                     security group referencing, which sgaudit does not read",
                    link.via
                )),
                None => return Naming::Unjoined(self.unjoined((r1, v1), (r2, v2))),
            },
            ((r1, _), (r2, _)) if r1 != r2 => Some(format!("{own} is in {r1} and {other_group} in {r2}")),
            _ => None,
        };
        let Some(why) = why else { return Naming::Group(reference(other_group, owner)) };
        let blocks = self.blocks_of(other, theirs.region.as_str(), theirs.vpc_id.as_deref());
        if blocks.is_empty() {
            return Naming::Unjoined(format!("{why}, and the blocks of {other_group}'s members are unknown"));
        }
        let peers = blocks
            .into_iter()
            .map(|n| match n {
                IpNet::V4(n) => Peer::Ipv4(n),
                IpNet::V6(n) => Peer::Ipv6(n),
            })
            .collect();
        Naming::Blocks { peers, why }
    }

    /// The account a reference from a rule of `own` to `other` must name (`UserId`): `other`'s owner when it
    /// is another account than `own`'s, else none.
    pub(crate) fn reference_owner(&self, own: &str, other: &str) -> Option<String> {
        let owner = |g: &str| self.group(g).and_then(|g| g.owner_id.as_ref());
        match (owner(own), owner(other)) {
            (Some(a), Some(b)) if a != b => Some(b.clone()),
            _ => None,
        }
    }

    /// The subnets that hold `party`'s private addresses today, else its VPC's blocks.
    fn blocks_of(&self, party: &Party<'_>, region: &str, vpc: Option<&str>) -> Vec<IpNet> {
        let subnets = self.inventory.subnets.iter().filter(|s| s.region == region && s.vpc_id.as_deref() == vpc);
        let mut out: Vec<IpNet> = Vec::new();
        for s in subnets {
            for block in &s.cidrs {
                if party.addresses.iter().any(|a| block.contains(a)) && !out.contains(block) {
                    out.push(*block);
                }
            }
        }
        if out.is_empty() || party.unaddressed {
            let vpc_blocks = self
                .inventory
                .vpcs
                .iter()
                .filter(|v| v.region == region && Some(v.id.as_str()) == vpc)
                .flat_map(|v| v.cidrs.iter().copied());
            out = vpc_blocks.collect();
        }
        out.sort();
        out
    }

    /// Why two VPCs see nothing of each other: the peering connection between them that is not active, or
    /// none at all.
    pub(crate) fn unjoined(&self, a: (&str, &str), b: (&str, &str)) -> String {
        let side = |p: &'a VpcPeering, requester: bool| {
            let s = if requester { &p.requester } else { &p.accepter };
            (s.region.as_deref().unwrap_or(&p.region), s.vpc_id.as_str())
        };
        let inactive = self.inventory.peerings.iter().find(|p| {
            let (r, q) = (side(p, true), side(p, false));
            !p.is_active() && ((r == a && q == b) || (r == b && q == a))
        });
        match inactive {
            Some(p) => format!(
                "{} and {} are joined only by peering connection {}, which is {}, not active: no rule or route can \
                 carry traffic over it until it is",
                a.1, b.1, p.id, p.status
            ),
            None => format!(
                "{} ({}) and {} ({}) are joined by no active peering connection or transit gateway: no security \
                 group rule can connect them",
                a.1, a.0, b.1, b.0
            ),
        }
    }
}

fn reference(id: &str, owner: Option<String>) -> Peer {
    Peer::Group { id: id.to_string(), owner_id: owner, vpc_id: None }
}

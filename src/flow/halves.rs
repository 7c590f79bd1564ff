//! The two halves of a flow: whether a rule's peer covers a party, and the egress and ingress rules that
//! together admit traffic from one party to another (or from the internet, whose second half is an address).

use super::{AddressReach, Exposure, Network, Party, Traffic, Want};
use crate::model::{Direction, Peer, Rule};
use ipnet::IpNet;

impl<'a> Network<'a> {
    /// A rule's peer as messages name it: a CIDR that is one of the account's VPC blocks says whose
    /// (`2600:1f18:1::/56 (an IPv6 block of vpc-1)`), a prefix list its name.
    pub fn peer_text(&self, rule: &Rule) -> String {
        match &rule.peer {
            Peer::Ipv4(_) | Peer::Ipv6(_) => {
                let net = rule.peer.cidr().expect("cidr peer");
                match self.space.internal_block(&rule.region, &net) {
                    Some(b) if b.net == net => format!("{net} ({})", b.describe()),
                    Some(b) => format!("{net} (inside {}: {})", b.net, b.describe()),
                    None => net.to_string(),
                }
            }
            Peer::PrefixList(id) => match self.prefix_list(&rule.region, id) {
                Some(p) if !p.name.is_empty() => format!("{id} ({})", p.name),
                _ => id.clone(),
            },
            Peer::Group { .. } => rule.peer.to_string(),
        }
    }

    /// Whether a CIDR or prefix-list rule can see a party at all. Addresses mean something within one region
    /// and VPC, or across an active peering connection (same or another region): VPCs reuse private ranges,
    /// so an ingress rule's CIDR names sources of its own VPC and of the VPCs peered with it (when both VPCs
    /// are known). An egress rule's CIDR is scoped by region, and reaches other regions' peered VPCs.
    /// Whether a route carries the flow is the member-level check of `reach` (`peering.rs`).
    pub fn in_scope(&self, rule: &Rule, party: &Party) -> bool {
        let same_region = party.region.is_none_or(|r| r == rule.region);
        if same_region && rule.direction == Direction::Egress {
            return true;
        }
        let rule_vpc = self.groups.get(rule.group_id.as_str()).and_then(|g| g.vpc_id.as_deref());
        if same_region && !matches!((rule_vpc, party.vpc), (Some(a), Some(b)) if a != b) {
            return true;
        }
        // Another VPC, or another region: only across a peering connection or a transit gateway.
        match (rule_vpc, party.region, party.vpc) {
            (Some(a), Some(region), Some(b)) if !self.links.is_empty() => {
                self.links.between((&rule.region, a), (region, b)).is_some()
            }
            _ => false,
        }
    }

    /// Whether a rule's peer covers a party: one of its groups, or one of its addresses.
    pub fn peer_matches(&self, rule: &Rule, party: &Party) -> bool {
        if rule.peer.group_id().is_none() && !self.in_scope(rule, party) {
            return false;
        }
        match &rule.peer {
            Peer::Group { id, .. } => party.has_group(id),
            Peer::Ipv4(n) => party.in_net(&IpNet::V4(*n)),
            Peer::Ipv6(n) => party.in_net(&IpNet::V6(*n)),
            Peer::PrefixList(id) => self
                .prefix_lists
                .get(&(rule.region.as_str(), id.as_str()))
                .is_some_and(|p| p.entries.iter().any(|n| party.in_net(n))),
        }
    }

    /// The first pair of rules (egress of `from`, ingress of `to`) that admit `want` from one to the other.
    pub fn flow(&self, from: &Party, to: &Party, want: Want) -> Option<(&'a Rule, &'a Rule, Traffic)> {
        for g in &to.groups {
            for ingress in self.ingress(g) {
                if let Some(hit) = self.completes(from, to, ingress, want) {
                    return Some(hit);
                }
            }
        }
        None
    }

    /// Given an ingress rule of `to`, whether it admits `from` and an egress rule of `from` admits `to` for
    /// common traffic that includes `want`.
    pub fn completes(
        &self,
        from: &Party,
        to: &Party,
        ingress: &'a Rule,
        want: Want,
    ) -> Option<(&'a Rule, &'a Rule, Traffic)> {
        let t = Traffic::of(ingress);
        if !t.admits(want) || !self.peer_matches(ingress, from) {
            return None;
        }
        self.egress_half(from, to, t, want).map(|(e, traffic)| (e, ingress, traffic))
    }

    /// The first egress rule of `from` that admits `to` for part of `within` that includes `want`.
    pub fn egress_half(&self, from: &Party, to: &Party, within: Traffic, want: Want) -> Option<(&'a Rule, Traffic)> {
        for g in &from.groups {
            for e in self.egress(g) {
                let Some(common) = Traffic::of(e).intersect(within) else { continue };
                if common.admits(want) && self.peer_matches(e, to) {
                    return Some((e, common.narrow(want)));
                }
            }
        }
        None
    }

    /// Every way in from the internet to `to` for `want`, in rule order, IPv4 before IPv6 within a rule:
    /// what a direct hop from the internet may take. Empty when the internet cannot come in.
    pub fn internet_way(&self, to_groups: &[&str], exposure: &Exposure, want: Want) -> Vec<FamilyReach<'a>> {
        let mut out = Vec::new();
        for (_, families) in self.internet_entries(to_groups, exposure, want) {
            out.extend(families.into_iter().map(|mut f| {
                f.traffic = f.traffic.narrow(want);
                f
            }));
        }
        out
    }

    /// Every ingress rule of `to` that admits public sources of a family on which `exposure` is open, for
    /// `want`, in rule order: what the internet may send, and through which families.
    pub fn internet_entries(
        &self,
        to_groups: &[&str],
        exposure: &Exposure,
        want: Want,
    ) -> Vec<(&'a Rule, Vec<FamilyReach<'a>>)> {
        let mut out = Vec::new();
        for g in to_groups {
            for r in self.ingress(g) {
                if !Traffic::of(r).admits(want) {
                    continue;
                }
                let families = self.entry_families(r, exposure, Traffic::of(r));
                if !families.is_empty() {
                    out.push((*r, families));
                }
            }
        }
        out
    }

    /// The families, IPv4 then IPv6, on which the public sources of ingress rule `r` can reach an address of
    /// `exposure`: each open address with the rule's public networks of its family, for `traffic`.
    pub fn entry_families(&self, r: &'a Rule, exposure: &Exposure, traffic: Traffic) -> Vec<FamilyReach<'a>> {
        let Some(nets) = self.peer_nets(r) else { return Vec::new() };
        let mut out = Vec::new();
        for v6 in [false, true] {
            let clients: Vec<IpNet> = nets
                .iter()
                .filter(|n| n.addr().is_ipv6() == v6 && self.space.is_public(&r.region, n))
                .copied()
                .collect();
            let reach = exposure.family(v6);
            if !clients.is_empty() && reach.is_open() && reach.admits_any(&clients) {
                out.push(FamilyReach { reach: reach.clone(), clients, rule: r, traffic, v6 });
            }
        }
        out
    }
}

/// One way in from the internet: an ingress rule, the public clients of one address family it admits, the
/// open address half of that family, and the traffic the hop would carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyReach<'a> {
    /// Whether and how the internet reaches the open address.
    pub reach: AddressReach,
    /// The public sources of the rule, of this family.
    pub clients: Vec<IpNet>,
    /// The ingress rule that admits them.
    pub rule: &'a Rule,
    /// What the hop carries.
    pub traffic: Traffic,
    /// IPv6 (else IPv4).
    pub v6: bool,
}

impl FamilyReach<'_> {
    /// `IPv4` or `IPv6`.
    pub fn label(&self) -> &'static str {
        if self.v6 {
            "IPv6"
        } else {
            "IPv4"
        }
    }

    /// What the address half of a hop from the internet says: with one family, its reach; with both, each
    /// family's first way in (the one that gets through, once gated). None for none.
    pub fn describe(ways: &[FamilyReach]) -> Option<String> {
        let first = ways.first()?;
        match ways.iter().find(|w| w.v6 != first.v6) {
            None => Some(first.reach.to_string()),
            Some(other) => Some(format!("{}: {}; {}: {}", first.label(), first.reach, other.label(), other.reach)),
        }
    }
}

//! "Can A reach B?": one direct flow with both halves, or a path through intermediate members; when there is
//! none, the exact rules that are missing. The ends of a question are `Place`s (`place.rs`).

use super::naming::Naming;
use super::{AddressReach, ClassId, Hop, Network, Node, Party, Place, Traffic, Want};
use crate::model::{Direction, Peer, PortRange, Rule};
use ipnet::IpNet;

/// One question with its two ends resolved into parties (none for the internet or a CIDR).
struct Question<'q, 'a> {
    from: &'q Place<'a>,
    sources: Vec<(Node, Party<'a>)>,
    to: &'q Place<'a>,
    targets: Vec<(Node, Party<'a>)>,
    want: Want,
}

/// A half of the flow that no rule provides, with the command that would add it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// `egress`, `ingress`, `address`, `both`, `route`, `network-acl` or `load-balancer`.
    pub half: &'static str,
    /// What is missing, in one sentence.
    pub detail: String,
    /// The AWS CLI command that adds it, when one can.
    pub command: Option<String>,
}

/// The answer to one question.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    /// The source, as the question named it.
    pub from: String,
    /// The destination, as the question named it.
    pub to: String,
    /// The traffic asked about.
    pub want: Want,
    /// Whether some path carries it.
    pub reachable: bool,
    /// The hops of the path found (one for a direct flow).
    pub hops: Vec<Hop<'a>>,
    /// When not reachable: what the direct flow lacks.
    pub missing: Vec<Missing>,
    /// What the reader should know about the answer.
    pub notes: Vec<String>,
    /// Why the answer cannot be decided, when a hop depends on data that could not be read: neither
    /// reachable nor "not reachable".
    pub unknown: Option<String>,
}

impl<'a> Network<'a> {
    /// Whether traffic `want` can flow from `from` to `to` directly or, with `max_hops` above zero, through up
    /// to that many intermediate members.
    pub fn reach(&self, from: &Place<'a>, to: &Place<'a>, want: Want, max_hops: u32) -> Answer<'a> {
        let mut answer = Answer {
            from: from.label(),
            to: to.label(),
            want,
            reachable: false,
            hops: Vec::new(),
            missing: Vec::new(),
            notes: Vec::new(),
            unknown: None,
        };
        let q = Question { from, sources: from.parties(self), to, targets: to.parties(self), want };
        let (sources, targets) = (&q.sources, &q.targets);
        if matches!(from, Place::Group(_)) && sources.is_empty() {
            answer.notes.push(format!("{} has no members: nothing sends from it", from.label()));
        }
        if matches!(to, Place::Group(_)) && targets.is_empty() {
            answer.notes.push(format!("{} has no members: nothing listens in it", to.label()));
        }
        if let Some(hop) = self.direct(&q) {
            answer.hops.push(hop);
            return self.gated(answer, from, to);
        }
        if max_hops > 0 && !targets.is_empty() {
            let start = self.first_hops(from, sources);
            let origins: Vec<ClassId> = sources
                .iter()
                .filter_map(|(n, _)| match n {
                    Node::Class(c) => Some(*c),
                    _ => None,
                })
                .collect();
            let tree = self.search(start, &origins, max_hops);
            let mut best: Option<Vec<Hop<'a>>> = None;
            for (node, party) in targets {
                if let Some((c, last)) = self.last_hop(&tree, party, *node, want) {
                    let mut hops = tree.path_to(c);
                    hops.push(last);
                    if best.as_ref().is_none_or(|b| hops.len() < b.len()) {
                        best = Some(hops);
                    }
                }
            }
            if let Some(hops) = best {
                answer.hops = hops;
                return self.gated(answer, from, to);
            }
            answer.notes.push(format!("no path through up to {max_hops} intermediate member(s) either"));
        }
        answer.missing = self.missing(&q);
        // A load balancer that does not accept or forward `want` is the answer where the rules are not.
        let forwarding = self.balancer_notes(sources, targets, want);
        if !forwarding.is_empty() {
            answer.missing.retain(|m| m.half != "both");
            answer.missing.extend(forwarding.into_iter().map(|detail| Missing {
                half: "load-balancer",
                detail,
                command: None,
            }));
        }
        answer
    }

    /// A path the security groups allow, checked against the network ACLs: reachable unless one blocks a hop.
    fn gated(&self, mut answer: Answer<'a>, from: &Place<'a>, to: &Place<'a>) -> Answer<'a> {
        match self.gate(&mut answer.hops, from, to) {
            (None, None) => answer.reachable = true,
            (None, Some(why)) => answer.unknown = Some(why),
            (Some(blocked), _) => {
                let what = if blocked.half == "route" { "a missing route" } else { "a network ACL" };
                answer.missing.push(blocked);
                answer.notes.push(format!(
                    "the security groups allow every hop of this path, but {what} blocks it; other paths were not \
                     tried against the routes and network ACLs"
                ));
            }
        }
        answer
    }

    fn direct(&self, q: &Question<'_, 'a>) -> Option<Hop<'a>> {
        let Question { from, sources, to, targets, want } = q;
        let want = *want;
        match from {
            Place::Internet => targets.iter().find_map(|(node, party)| {
                let Node::Class(c) = node else { return None };
                if !self.accepts(*c, want) {
                    return None;
                }
                let exposure = to.exposure(self, *c);
                let address = self.internet_way(&party.groups, &exposure, want);
                let first = address.first()?;
                Some(Hop {
                    from: Node::Internet,
                    to: *node,
                    egress: None,
                    ingress: Some(first.rule),
                    traffic: first.traffic,
                    address,
                    acl: None,
                    route: None,
                })
            }),
            Place::Cidr(cidr) => targets.iter().find_map(|(node, party)| {
                if matches!(node, Node::Class(c) if !self.accepts(*c, want)) {
                    return None;
                }
                let rule = self.ingress_from_cidr(&party.groups, cidr, want)?;
                Some(Hop {
                    from: Node::Cidr(*cidr),
                    to: *node,
                    egress: None,
                    ingress: Some(rule),
                    traffic: Traffic::of(rule).narrow(want),
                    address: Vec::new(),
                    acl: None,
                    route: None,
                })
            }),
            _ => {
                let (outside, dest) = match to {
                    Place::Internet => (Some(None), Node::Internet),
                    Place::Cidr(c) => (Some(Some(*c)), Node::Cidr(*c)),
                    _ => (None, Node::Internet),
                };
                for (node, src) in sources {
                    if let Some(cidr) = outside {
                        if let Some(rule) = self.egress_outside(&src.groups, cidr, want) {
                            return Some(Hop {
                                from: *node,
                                to: dest,
                                egress: Some(rule),
                                ingress: None,
                                traffic: Traffic::of(rule).narrow(want),
                                address: Vec::new(),
                                acl: None,
                                route: None,
                            });
                        }
                        continue;
                    }
                    for (tnode, dst) in targets {
                        let pair = match (node, tnode) {
                            (Node::Class(s), Node::Class(t)) => self.flow_into(Some(*s), src, *t, want),
                            _ => self.flow(src, dst, want),
                        };
                        if let Some((e, i, traffic)) = pair {
                            return Some(Hop {
                                from: *node,
                                to: *tnode,
                                egress: Some(e),
                                ingress: Some(i),
                                traffic,
                                address: Vec::new(),
                                acl: None,
                                route: None,
                            });
                        }
                    }
                }
                None
            }
        }
    }

    /// An ingress rule of `groups` admitting `want` from a network that contains or overlaps `cidr`.
    fn ingress_from_cidr(&self, groups: &[&str], cidr: &IpNet, want: Want) -> Option<&'a Rule> {
        groups.iter().flat_map(|g| self.ingress(g)).copied().find(|r| {
            Traffic::of(r).admits(want)
                && self.peer_nets(r).is_some_and(|nets| nets.iter().any(|n| n.contains(cidr) || cidr.contains(n)))
        })
    }

    /// An egress rule of `groups` admitting `want` to `cidr` (to any public network when `None`).
    fn egress_outside(&self, groups: &[&str], cidr: Option<IpNet>, want: Want) -> Option<&'a Rule> {
        groups.iter().flat_map(|g| self.egress(g)).copied().find(|r| {
            Traffic::of(r).admits(want)
                && self.peer_nets(r).is_some_and(|nets| {
                    nets.iter().any(|n| match &cidr {
                        Some(c) => n.contains(c) || c.contains(n),
                        None => self.space.is_public(&r.region, n),
                    })
                })
        })
    }

    /// The hops from `from` to every class it reaches directly with any traffic: the start of a search.
    fn first_hops(&self, from: &Place<'a>, sources: &[(Node, Party<'a>)]) -> Vec<Hop<'a>> {
        let mut out = Vec::new();
        match from {
            Place::Internet => return self.internet_hops(),
            Place::Cidr(cidr) => {
                for (c, class) in self.classes.iter().enumerate() {
                    let rule = self.ingress_from_cidr(&class.party.groups, cidr, Want::ANY);
                    let entry = rule.and_then(|r| Some((r, *self.accepted(c, Traffic::of(r)).first()?)));
                    if let Some((rule, traffic)) = entry {
                        out.push(Hop {
                            from: Node::Cidr(*cidr),
                            to: Node::Class(c),
                            egress: None,
                            ingress: Some(rule),
                            traffic,
                            address: Vec::new(),
                            acl: None,
                            route: None,
                        });
                    }
                }
            }
            _ => {
                for (node, src) in sources {
                    for c in 0..self.classes.len() {
                        if Node::Class(c) == *node {
                            continue;
                        }
                        let from = match node {
                            Node::Class(s) => Some(*s),
                            _ => None,
                        };
                        if let Some((e, i, traffic)) = self.flow_into(from, src, c, Want::ANY) {
                            out.push(Hop {
                                from: *node,
                                to: Node::Class(c),
                                egress: Some(e),
                                ingress: Some(i),
                                traffic,
                                address: Vec::new(),
                                acl: None,
                                route: None,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// What the direct flow lacks, with the rules that would add it. The first party of each side stands
    /// for the side.
    fn missing(&self, q: &Question<'_, 'a>) -> Vec<Missing> {
        let Question { from, sources, to, targets, want } = q;
        let want = *want;
        let mut out = Vec::new();
        let traffic = want.traffic();
        let ports_known = want.port.is_some();
        let src_group = sources.first().and_then(|(_, p)| p.groups.first().copied());
        let dst_group = targets.first().and_then(|(_, p)| p.groups.first().copied());
        let region_of = |g: Option<&str>| g.and_then(|g| self.group(g)).map(|g| g.region.as_str());
        let (src_region, dst_region) = (region_of(src_group), region_of(dst_group));
        let region = src_region.or(dst_region).unwrap_or_default().to_string();
        // A fix never admits a public source or destination: a closed half towards the internet is a database
        // being safe, not a bug to repair.
        let public = |place: &Place| match place {
            Place::Internet => true,
            Place::Cidr(c) => self.space.is_public(&region, c),
            _ => false,
        };
        const CLOSED: &str = "that half is closed, and sgaudit proposes no rule that would open it to the internet";
        // Each rule lives in its own group's region; `peer` is the first of the peers its command names.
        let rule = |group: &str, direction: Direction, peer: Peer| Rule {
            id: None,
            group_id: group.to_string(),
            region: self.group(group).map_or_else(|| region.clone(), |g| g.region.clone()),
            direction,
            protocol: traffic.protocol,
            ports: if traffic.protocol.has_ports() { traffic.ports } else { PortRange::ALL },
            peer,
            description: String::new(),
        };
        // Each side is named with its region when the two sides are in different ones.
        let across = src_region.is_some() && dst_region.is_some() && src_region != dst_region;
        let side = |g: &str| match (across, self.group(g)) {
            (true, Some(group)) => format!("{} in {}", self.group_label(g), group.region),
            _ => self.group_label(g),
        };
        // The missing half of `group`'s rules towards `place` (a party whose groups include `other`).
        let propose =
            |group: &str, direction: Direction, place: &Place, other: Option<(&str, &Party)>, detail: String| {
                let half = direction.as_str();
                if public(place) {
                    return Missing { half, detail: format!("{detail}: {CLOSED}"), command: None };
                }
                let (peers, detail) = match (place, other) {
                    (Place::Cidr(IpNet::V4(n)), _) => (vec![Peer::Ipv4(*n)], detail),
                    (Place::Cidr(IpNet::V6(n)), _) => (vec![Peer::Ipv6(*n)], detail),
                    (_, Some((g, party))) => match self.naming(group, g, party) {
                        Naming::Group(peer) => (vec![peer], detail),
                        Naming::Blocks { peers, why } => {
                            let named = peers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                            (peers, format!("{detail} ({why}: the rule names {named})"))
                        }
                        Naming::Unjoined(why) => {
                            return Missing {
                                half,
                                detail: format!("{detail}, and no rule can add it: {why}"),
                                command: None,
                            }
                        }
                    },
                    _ => return Missing { half, detail, command: None },
                };
                let Some(first) = peers.first() else { return Missing { half, detail, command: None } };
                let r = rule(group, direction, first.clone());
                Missing { half, detail, command: ports_known.then(|| r.authorize_command_for(&peers)) }
            };

        // Egress half: the source is one of the account's members.
        if let (Some(sg), false) = (src_group, matches!(from, Place::Internet | Place::Cidr(_))) {
            let ok = sources.iter().any(|(_, src)| match to {
                Place::Internet => self.egress_outside(&src.groups, None, want).is_some(),
                Place::Cidr(c) => self.egress_outside(&src.groups, Some(*c), want).is_some(),
                _ => targets.iter().any(|(_, dst)| self.egress_half(src, dst, Traffic::ALL, want).is_some()),
            });
            if !ok {
                let to_label = dst_group.filter(|_| across).map_or_else(
                    || to.label(),
                    |g| format!("{} in {}", to.label(), region_of(Some(g)).unwrap_or_default()),
                );
                let detail = format!("no egress rule of {} admits {want} to {to_label}", side(sg));
                let other = dst_group.zip(targets.first().map(|(_, p)| p));
                out.push(propose(sg, Direction::Egress, to, other, detail));
            }
        }
        // Ingress half: the destination is one of the account's members.
        if let Some(dg) = dst_group {
            let ok = targets.iter().any(|(_, dst)| match from {
                Place::Internet => dst.groups.iter().flat_map(|g| self.ingress(g)).any(|r| {
                    Traffic::of(r).admits(want)
                        && self.peer_nets(r).is_some_and(|n| n.iter().any(|n| self.space.is_public(&r.region, n)))
                }),
                Place::Cidr(c) => self.ingress_from_cidr(&dst.groups, c, want).is_some(),
                _ => sources.iter().any(|(_, src)| {
                    dst.groups
                        .iter()
                        .flat_map(|g| self.ingress(g))
                        .any(|r| Traffic::of(r).admits(want) && self.peer_matches(r, src))
                }),
            });
            if !ok {
                let detail = match from {
                    Place::Internet => format!("no ingress rule of {} admits {want} from a public source", side(dg)),
                    _ => {
                        let from_label = src_group.filter(|_| across).map_or_else(
                            || from.label(),
                            |g| format!("{} in {}", from.label(), region_of(Some(g)).unwrap_or_default()),
                        );
                        format!("no ingress rule of {} admits {want} from {from_label}", side(dg))
                    }
                };
                let other = src_group.zip(sources.first().map(|(_, p)| p));
                out.push(propose(dg, Direction::Ingress, from, other, detail));
            }
        }
        // Address half, from the internet.
        if let Place::Internet = from {
            for (node, _) in targets {
                let Node::Class(c) = node else { continue };
                let exposure = to.exposure(self, *c);
                if !exposure.is_open() {
                    let detail = match (&exposure.v4, &exposure.v6) {
                        (AddressReach::NoAddress, AddressReach::NoAddress) => {
                            format!("{} has no public address", to.label())
                        }
                        _ => format!("{}: {}", to.label(), exposure.describe()),
                    };
                    out.push(Missing { half: "address", detail, command: None });
                    break;
                }
            }
        }
        if out.is_empty() && !targets.is_empty() {
            let detail = match from {
                Place::Internet => format!(
                    "the rules admit public sources of one address family, and {} is reachable on the other only",
                    to.label()
                ),
                _ => {
                    format!("each half exists, but the egress and ingress rules admit no traffic in common for {want}")
                }
            };
            out.push(Missing { half: "both", detail, command: None });
        }
        if !ports_known {
            for m in &mut out {
                let unhelped = m.detail.ends_with(CLOSED) || m.detail.contains(", and no rule can add it: ");
                if m.command.is_none() && m.half != "address" && m.half != "both" && !unhelped {
                    m.detail.push_str(" (pass --port for the exact rule to add)");
                }
            }
        }
        out
    }
}

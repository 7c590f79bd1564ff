//! "Can A reach B?": one direct flow with both halves, or a path through intermediate members; when there is
//! none, the exact rules that are missing. The ends of a question are `Place`s (`place.rs`).

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
    pub detail: String,
    pub command: Option<String>,
}

/// The answer to one question.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    pub from: String,
    pub to: String,
    pub want: Want,
    pub reachable: bool,
    /// The hops of the path found (one for a direct flow).
    pub hops: Vec<Hop<'a>>,
    /// When not reachable: what the direct flow lacks.
    pub missing: Vec<Missing>,
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
                let what = if blocked.half == "route" { "a missing route between VPCs" } else { "a network ACL" };
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
        let region = sources
            .iter()
            .chain(targets)
            .find_map(|(_, p)| p.groups.first().and_then(|g| self.group(g)).map(|g| g.region.clone()))
            .unwrap_or_default();
        // A fix never admits a public source or destination: a closed half towards the internet is a database
        // being safe, not a bug to repair.
        let public = |place: &Place| match place {
            Place::Internet => true,
            Place::Cidr(c) => self.space.is_public(&region, c),
            _ => false,
        };
        let exact = |rule: Rule| ports_known.then(|| rule.authorize_command());
        const CLOSED: &str = "that half is closed, and sgaudit proposes no rule that would open it to the internet";
        let rule = |group: &str, direction: Direction, peer: Peer| Rule {
            id: None,
            group_id: group.to_string(),
            region: region.clone(),
            direction,
            protocol: traffic.protocol,
            ports: if traffic.protocol.has_ports() { traffic.ports } else { PortRange::ALL },
            peer,
            description: String::new(),
        };
        let peer_of = |place: &Place, group: Option<&str>| -> Option<Peer> {
            match place {
                Place::Internet => None,
                Place::Cidr(IpNet::V4(n)) => Some(Peer::Ipv4(*n)),
                Place::Cidr(IpNet::V6(n)) => Some(Peer::Ipv6(*n)),
                _ => group.map(|g| Peer::Group { id: g.to_string(), owner_id: None, vpc_id: None }),
            }
        };

        // Egress half: the source is one of the account's members.
        if let (Some(sg), false) = (src_group, matches!(from, Place::Internet | Place::Cidr(_))) {
            let ok = sources.iter().any(|(_, src)| match to {
                Place::Internet => self.egress_outside(&src.groups, None, want).is_some(),
                Place::Cidr(c) => self.egress_outside(&src.groups, Some(*c), want).is_some(),
                _ => targets.iter().any(|(_, dst)| self.egress_half(src, dst, Traffic::ALL, want).is_some()),
            });
            if !ok {
                let detail = format!("no egress rule of {} admits {want} to {}", self.group_label(sg), to.label());
                if public(to) {
                    out.push(Missing { half: "egress", detail: format!("{detail}: {CLOSED}"), command: None });
                } else if let Some(peer) = peer_of(to, dst_group) {
                    let r = rule(sg, Direction::Egress, peer);
                    out.push(Missing { half: "egress", detail, command: exact(r) });
                }
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
                    Place::Internet => {
                        format!("no ingress rule of {} admits {want} from a public source", self.group_label(dg))
                    }
                    _ => format!("no ingress rule of {} admits {want} from {}", self.group_label(dg), from.label()),
                };
                if public(from) {
                    out.push(Missing { half: "ingress", detail: format!("{detail}: {CLOSED}"), command: None });
                } else if let Some(peer) = peer_of(from, src_group) {
                    let r = rule(dg, Direction::Ingress, peer);
                    out.push(Missing { half: "ingress", detail, command: exact(r) });
                }
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
                if m.command.is_none() && m.half != "address" && m.half != "both" && !m.detail.ends_with(CLOSED) {
                    m.detail.push_str(" (pass --port for the exact rule to add)");
                }
            }
        }
        out
    }
}

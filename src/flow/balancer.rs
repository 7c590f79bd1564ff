//! Load balancers in a path. A load balancer is not a free relay: a connection enters it only on a port one
//! of its listeners accepts, and it opens connections only to its registered targets, on each target's port.
//!
//! The interfaces of an ELBv2 load balancer name it in their description (`ELB app/web/50dc6c495c0c9188`, the
//! end of its ARN). When that load balancer, its listeners and the targets of every target group it uses were
//! all read, its interfaces form a class of their own with a [`Forwarding`]; the path search enters that class
//! only on listener ports and leaves it only towards the targets' classes. Otherwise (a Classic Load Balancer,
//! a failed DescribeListeners, ...) the interfaces stay ordinary relays, which over-approximates, and
//! [`unknown_forwarding`] says so in the report.
//!
//! Listener rules are not read: a target group attached to a load balancer is reachable from each of its
//! listeners. Lambda targets are invoked, not connected to, so a path does not continue through them.

use super::{ClassId, Network, Node, Party, Traffic, Want};
use crate::model::{Inventory, LoadBalancer, ManagedBy, NetworkInterface, Rule, Target, TargetGroup};
use rustc_hash::FxHashMap as HashMap;
use std::net::IpAddr;

/// What a load-balancer class accepts and where it forwards.
#[derive(Debug, Clone)]
pub struct Forwarding<'a> {
    pub balancer: &'a LoadBalancer,
    /// What its listeners accept, in listener order.
    pub accepts: Vec<Traffic>,
    /// Every registered target's class with the traffic forwarded to it.
    pub targets: Vec<Forward<'a>>,
}

/// One registered target, resolved to the class of its interface.
#[derive(Debug, Clone)]
pub struct Forward<'a> {
    /// The class of the target's members.
    pub to: ClassId,
    /// What the load balancer sends the target.
    pub traffic: Traffic,
    /// The target group it forwards through.
    pub group: &'a TargetGroup,
    /// The registered target.
    pub target: &'a Target,
}

/// How an interface's load balancer is known: by its index in the inventory, or why its forwarding is not.
pub(crate) enum Known {
    NotBalancer,
    Yes(usize),
    Unknown(String),
}

/// The load balancers of an inventory, by the key their interfaces name.
pub(crate) struct Balancers<'a> {
    inv: &'a Inventory,
    by_key: HashMap<(&'a str, &'a str), usize>,
    /// Per load balancer: why its forwarding is unknown, if it is.
    unknown: Vec<Option<String>>,
}

impl<'a> Balancers<'a> {
    pub(crate) fn new(inv: &'a Inventory) -> Balancers<'a> {
        let mut groups_of: HashMap<&str, Vec<&TargetGroup>> = HashMap::default();
        for tg in &inv.target_groups {
            for lb in &tg.load_balancer_arns {
                groups_of.entry(lb.as_str()).or_default().push(tg);
            }
        }
        let by_key = inv
            .load_balancers
            .iter()
            .enumerate()
            .filter_map(|(i, lb)| Some(((lb.region.as_str(), lb.interface_key()?), i)))
            .collect();
        let unknown = inv
            .load_balancers
            .iter()
            .map(|lb| {
                if lb.listeners.is_none() {
                    return Some("its listeners could not be read (DescribeListeners failed)".to_string());
                }
                if inv.failed(&lb.region, "DescribeTargetGroups") {
                    return Some("its target groups could not be read (DescribeTargetGroups failed)".to_string());
                }
                let unread = groups_of.get(lb.arn.as_str()).into_iter().flatten().find(|tg| tg.targets.is_none());
                unread.map(|tg| {
                    format!("the targets of target group {} could not be read (DescribeTargetHealth failed)", tg.name)
                })
            })
            .collect();
        Balancers { inv, by_key, unknown }
    }

    /// The load balancer of a load-balancer interface, when what it forwards is known.
    pub(crate) fn of(&self, eni: &NetworkInterface) -> Known {
        if eni.managed_by() != Some(ManagedBy::LoadBalancer) {
            return Known::NotBalancer;
        }
        let Some(key) = eni.description.strip_prefix("ELB ").map(str::trim) else {
            return Known::Unknown("its description does not name its load balancer".to_string());
        };
        if !key.contains('/') {
            return Known::Unknown(format!("{key} is a Classic Load Balancer, which sgaudit does not read"));
        }
        match self.by_key.get(&(eni.region.as_str(), key)) {
            Some(&i) => match &self.unknown[i] {
                None => Known::Yes(i),
                Some(why) => Known::Unknown(format!("load balancer {}: {why}", self.inv.load_balancers[i].name)),
            },
            None if self.inv.failed(&eni.region, "DescribeLoadBalancers") => {
                Known::Unknown(format!("{key}: DescribeLoadBalancers failed"))
            }
            None => Known::Unknown(format!("{key} was not listed by DescribeLoadBalancers")),
        }
    }
}

/// The forwarding of each load-balancer class: its listeners, and its targets resolved to classes (instance
/// targets by the instance's interfaces, IP targets by the interface holding the address, ALB targets by
/// that load balancer's classes). Targets outside the collected interfaces (another VPC, on premises) and
/// Lambda functions lead nowhere the search follows.
pub(crate) fn forwarding<'a>(
    inv: &'a Inventory,
    balancer_of_class: &[Option<usize>],
    class_of_interface: &HashMap<(&'a str, &'a str), ClassId>,
) -> Vec<Option<Forwarding<'a>>> {
    if balancer_of_class.iter().all(Option::is_none) {
        return balancer_of_class.iter().map(|_| None).collect(); // no load balancer's forwarding is known
    }
    let mut by_instance: HashMap<(&str, &str), Vec<ClassId>> = HashMap::default();
    let mut by_ip: HashMap<(&str, IpAddr), ClassId> = HashMap::default();
    for eni in &inv.interfaces {
        let Some(&c) = class_of_interface.get(&(eni.region.as_str(), eni.id.as_str())) else { continue };
        if let Some(i) = &eni.instance_id {
            by_instance.entry((eni.region.as_str(), i.as_str())).or_default().push(c);
        }
        for ip in &eni.private_ips {
            by_ip.entry((eni.region.as_str(), *ip)).or_insert(c);
        }
    }
    let mut classes_of_balancer: HashMap<&str, Vec<ClassId>> = HashMap::default();
    for (c, b) in balancer_of_class.iter().enumerate() {
        if let Some(b) = b {
            classes_of_balancer.entry(inv.load_balancers[*b].arn.as_str()).or_default().push(c);
        }
    }
    balancer_of_class
        .iter()
        .map(|b| {
            let balancer = &inv.load_balancers[(*b)?];
            let accepts = balancer
                .listeners
                .iter()
                .flatten()
                .flat_map(|l| l.accepts())
                .map(|(protocol, ports)| Traffic { protocol, ports })
                .collect();
            let mut targets = Vec::new();
            for group in inv.target_groups.iter().filter(|tg| tg.load_balancer_arns.contains(&balancer.arn)) {
                for target in group.targets.iter().flatten() {
                    let Some(port) = target.port.or(group.port) else { continue };
                    let region = group.region.as_str();
                    let to: Vec<ClassId> = match group.target_type.as_str() {
                        "instance" => by_instance.get(&(region, target.id.as_str())).cloned().unwrap_or_default(),
                        "ip" => target
                            .id
                            .parse::<IpAddr>()
                            .ok()
                            .and_then(|ip| by_ip.get(&(region, ip)).copied())
                            .into_iter()
                            .collect(),
                        "alb" => classes_of_balancer.get(target.id.as_str()).cloned().unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    for c in to {
                        for &protocol in group.transports() {
                            let traffic = Traffic { protocol, ports: crate::model::PortRange::single(port) };
                            targets.push(Forward { to: c, traffic, group, target });
                        }
                    }
                }
            }
            Some(Forwarding { balancer, accepts, targets })
        })
        .collect()
}

/// Why the load balancers the report's paths go through forward what they do not know: one note per region
/// and reason, naming the interfaces.
pub fn unknown_forwarding(inv: &Inventory) -> Vec<String> {
    let balancers = Balancers::new(inv);
    let mut by_reason: Vec<(&str, String, Vec<&str>)> = Vec::new();
    for eni in &inv.interfaces {
        if let Known::Unknown(why) = balancers.of(eni) {
            match by_reason.iter_mut().find(|(r, w, _)| *r == eni.region && *w == why) {
                Some((_, _, enis)) => enis.push(&eni.id),
                None => by_reason.push((&eni.region, why, vec![&eni.id])),
            }
        }
    }
    by_reason
        .into_iter()
        .map(|(region, why, enis)| {
            format!(
                "{region}: what load-balancer interface{} {} accept{} and forward{} is unknown ({why}): paths \
                 through {} assume {} forward{} any traffic to anything {} groups admit",
                if enis.len() == 1 { "" } else { "s" },
                enis.join(", "),
                if enis.len() == 1 { "s" } else { "" },
                if enis.len() == 1 { "s" } else { "" },
                if enis.len() == 1 { "it" } else { "them" },
                if enis.len() == 1 { "it" } else { "they" },
                if enis.len() == 1 { "s" } else { "" },
                if enis.len() == 1 { "its" } else { "their" },
            )
        })
        .collect()
}

impl<'a> Network<'a> {
    /// What a load-balancer class accepts and forwards, when that is known.
    pub fn forwarding(&self, c: ClassId) -> Option<&Forwarding<'a>> {
        self.forwarding.get(c).and_then(Option::as_ref)
    }

    /// Whether class `c` accepts `want`: any class does, a load balancer only on a listener's port.
    pub fn accepts(&self, c: ClassId, want: Want) -> bool {
        self.forwarding(c).is_none_or(|f| f.accepts.iter().any(|t| t.admits(want)))
    }

    /// The part of `t` that class `c` accepts, listener by listener (all of `t` for any other class).
    pub fn accepted(&self, c: ClassId, t: Traffic) -> Vec<Traffic> {
        match self.forwarding(c) {
            None => vec![t],
            Some(f) => f.accepts.iter().filter_map(|a| a.intersect(t)).collect(),
        }
    }

    /// Given an ingress rule of class `to` that admits `source`, the egress rule of `source` that completes
    /// the hop and the traffic of the hop, on a listener's port when `to` is a load balancer.
    pub(crate) fn enter(&self, source: &Party, to: ClassId, ingress: &'a Rule) -> Option<(&'a Rule, Traffic)> {
        let party = &self.classes[to].party;
        let within = Traffic::of(ingress);
        // The search asks this for every candidate rule: most classes are no load balancer, and cost nothing.
        let Some(f) = self.forwarding(to) else { return self.egress_half(source, party, within, Want::ANY) };
        f.accepts
            .iter()
            .filter_map(|a| a.intersect(within))
            .find_map(|t| self.egress_half(source, party, t, Want::first_of(t)))
    }

    /// The hops a load-balancer class makes: to each registered target's class, on the target's port, with
    /// the load balancer's egress rule and the target's ingress rule. One per target class and traffic.
    pub(crate) fn forwards(&self, s: ClassId) -> Vec<(ClassId, &'a Rule, &'a Rule, Traffic)> {
        let Some(f) = self.forwarding(s) else { return Vec::new() };
        let source = self.classes[s].as_source();
        let mut out: Vec<(ClassId, &'a Rule, &'a Rule, Traffic)> = Vec::new();
        for t in &f.targets {
            let seen = out.iter().any(|(c, _, _, traffic)| *c == t.to && *traffic == t.traffic);
            if t.to == s || seen || !self.accepts(t.to, Want::first_of(t.traffic)) {
                continue;
            }
            if let Some((e, i, traffic)) = self.flow(source, &self.classes[t.to].party, Want::first_of(t.traffic)) {
                out.push((t.to, e, i, traffic));
            }
        }
        out
    }

    /// The first pair of rules that admit `want` from `source` (a member of class `from`, if any) into
    /// class `to`, as load balancers on either end allow it: into a load balancer on a listener's port
    /// (each listener in turn when `want` names no port), out of one only to a registered target.
    pub(crate) fn flow_into(
        &self,
        from: Option<ClassId>,
        source: &Party,
        to: ClassId,
        want: Want,
    ) -> Option<(&'a Rule, &'a Rule, Traffic)> {
        if let Some(s) = from.filter(|s| self.forwarding(*s).is_some()) {
            return self
                .forwards(s)
                .into_iter()
                .find(|(c, _, _, t)| *c == to && t.admits(want))
                .map(|(_, e, i, t)| (e, i, t));
        }
        let party = &self.classes[to].party;
        match self.forwarding(to) {
            None => self.flow(source, party, want),
            Some(f) => f
                .accepts
                .iter()
                .filter(|t| t.admits(want))
                .find_map(|t| self.flow(source, party, if want.port.is_some() { want } else { Want::first_of(*t) })),
        }
    }

    /// Why a question about a load balancer has no answer the rules alone explain: it has no listener for
    /// `want`, or the destination is not one of its registered targets for it.
    pub(crate) fn balancer_notes(
        &self,
        sources: &[(Node, Party)],
        targets: &[(Node, Party)],
        want: Want,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (node, _) in targets {
            let Node::Class(c) = node else { continue };
            let Some(f) = self.forwarding(*c) else { continue };
            if !self.accepts(*c, want) {
                let listeners: Vec<String> =
                    f.balancer.listeners.iter().flatten().map(|l| format!("{} {}", l.protocol, l.port)).collect();
                let listeners = if listeners.is_empty() { "none".to_string() } else { listeners.join(", ") };
                out.push(format!(
                    "load balancer {} has no listener for {want} (its listeners: {listeners}): it accepts nothing else",
                    f.balancer.name
                ));
            }
        }
        for (node, _) in sources {
            let Node::Class(s) = node else { continue };
            let Some(f) = self.forwarding(*s) else { continue };
            for (to, _) in targets {
                let registered = matches!(to, Node::Class(t) if self.forwards_to(*s, *t, want));
                if !registered {
                    out.push(format!(
                        "load balancer {} opens connections only to its registered targets, on their ports: {} is not \
                         one for {want}",
                        f.balancer.name,
                        self.node_label(*to)
                    ));
                }
            }
        }
        out
    }

    /// Whether class `from` may open a connection to `to` for `want`: any class may, a load balancer only
    /// to a registered target on its port.
    pub fn forwards_to(&self, from: ClassId, to: ClassId, want: Want) -> bool {
        self.forwarding(from).is_none_or(|f| f.targets.iter().any(|t| t.to == to && t.traffic.admits(want)))
    }
}

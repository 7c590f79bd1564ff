//! The address and network-ACL halves of an exposure, shared by datastores and interfaces, decided for each
//! address family on its own: a dual-stack resource is as reachable as its most reachable family.

use crate::engine::Context;
use crate::flow::{AclHalf, AddressReach, Exposure};
use crate::model::{PortRange, Protocol};
use ipnet::IpNet;

/// How the address half stands for the public sources the open rules admit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Half {
    Open,
    /// Open, but the internet comes in through an inspection endpoint: one severity step lower.
    Inspected,
    Closed,
}

/// The address and ACL halves of the most reachable family, and the text that says how each stands.
pub(super) struct Verdict {
    pub half: Half,
    pub acl: AclHalf,
    /// The address half; with `per_family`, each family's address and ACL halves in turn.
    pub text: String,
    /// The open rules admit sources of both families, so `text` speaks of each and already holds the ACL half.
    pub per_family: bool,
}

impl Verdict {
    /// The ACL half's text as a suffix (`; network ACL …`), unless `text` already says it per family.
    pub fn acl_suffix(&self) -> String {
        match self.acl.text() {
            Some(t) if !self.per_family => format!("; {t}"),
            _ => String::new(),
        }
    }
}

/// One family's halves.
struct Family {
    label: &'static str,
    half: Half,
    text: String,
    acl: AclHalf,
}

impl Family {
    /// Lower is more open: open, open through inspection, open but blocked by an ACL, closed.
    fn rank(&self) -> u8 {
        match (self.half, self.acl.is_blocked()) {
            (Half::Closed, _) => 3,
            (_, true) => 2,
            (Half::Inspected, false) => 1,
            (Half::Open, false) => 0,
        }
    }

    fn describe(&self) -> String {
        let acl = self.acl.text().map(|t| format!("; {t}")).unwrap_or_default();
        match self.half {
            Half::Closed => format!("{}: closed ({})", self.label, self.text),
            _ if self.acl.is_blocked() => format!("{}: open ({}), but {}", self.label, self.text, self.acl),
            Half::Inspected => format!("{}: open through inspection ({}{acl})", self.label, self.text),
            Half::Open => format!("{}: open ({}{acl})", self.label, self.text),
        }
    }
}

/// Decides the address half, then the ACL half, for the public networks the open rules admit, per family:
/// a client of one family can only reach an address of that family, routed to an internet gateway for that
/// client, through the ACL entries of that family. `ports` are the admitted TCP ranges.
pub(super) fn verdict(
    ctx: &Context,
    region: &str,
    vpc: Option<&str>,
    ports: &[(u16, u16)],
    sources: &[IpNet],
    exposure: &Exposure,
) -> Verdict {
    let fam = |v6: bool| -> Vec<IpNet> { sources.iter().filter(|n| n.addr().is_ipv6() == v6).copied().collect() };
    let (v4, v6) = (fam(false), fam(true));
    let family = |label, srcs: &[IpNet], reach: &AddressReach| -> Family {
        if !reach.is_open() {
            return Family { label, half: Half::Closed, text: reach.to_string(), acl: AclHalf::NotModelled };
        }
        if !reach.admits_any(srcs) {
            let text = format!("{reach}, and the open rules admit none of those clients");
            return Family { label, half: Half::Closed, text, acl: AclHalf::NotModelled };
        }
        let half = if reach.is_inspected() { Half::Inspected } else { Half::Open };
        Family { label, half, text: reach.to_string(), acl: acl_half(ctx, region, reach, srcs, vpc, ports) }
    };
    match (v4.is_empty(), v6.is_empty()) {
        (false, false) => {
            let both = [family("IPv4", &v4, &exposure.v4), family("IPv6", &v6, &exposure.v6)];
            let text = format!("{}; {}", both[0].describe(), both[1].describe());
            let [a, b] = both;
            let best = if b.rank() < a.rank() { b } else { a };
            Verdict { half: best.half, acl: best.acl, text, per_family: true }
        }
        (true, true) => {
            Verdict { half: Half::Closed, acl: AclHalf::NotModelled, text: exposure.describe(), per_family: false }
        }
        (v4_empty, _) => {
            let (label, srcs, reach, other) = if v4_empty {
                ("IPv6", &v6, &exposure.v6, &exposure.v4)
            } else {
                ("IPv4", &v4, &exposure.v4, &exposure.v6)
            };
            let f = family(label, srcs, reach);
            let text = if f.half == Half::Closed && !reach.is_open() && other.is_open() {
                format!("the open rules admit {label} sources only, and its reachable address is of the other family: {other}")
            } else {
                f.text
            };
            Verdict { half: f.half, acl: f.acl, text, per_family: false }
        }
    }
}

/// The network-ACL half of one open family: the ACL of the subnet its address lives in, for the admitted
/// ports and public clients of that family.
fn acl_half(
    ctx: &Context,
    region: &str,
    reach: &AddressReach,
    sources: &[IpNet],
    vpc: Option<&str>,
    ports: &[(u16, u16)],
) -> AclHalf {
    let AddressReach::Open { subnet, .. } = reach else { return AclHalf::NotModelled };
    let mut first = None;
    for &(from, to) in ports {
        let ports = PortRange { from, to };
        let h =
            ctx.network.acls().admits_internet(region, subnet, vpc, Protocol::Tcp, ports, sources, ctx.network.space());
        if !h.is_blocked() {
            return h;
        }
        first.get_or_insert(h);
    }
    first.unwrap_or(AclHalf::NotModelled)
}

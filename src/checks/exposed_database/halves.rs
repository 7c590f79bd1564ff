//! The address and network-ACL halves of an exposure, shared by datastores and interfaces.

use crate::audit::Context;
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

/// The address half, given the public networks the open rules admit: whether a client in one of them can
/// reach the resource's address (same family, routed to an internet gateway for that client), and why (not).
/// With the open address, the admitted sources of its family.
pub(super) fn address_half(
    sources: &[IpNet],
    exposure: &Exposure,
) -> (Half, String, Option<(AddressReach, Vec<IpNet>)>) {
    let fam = |v6: bool| -> Vec<IpNet> { sources.iter().filter(|n| n.addr().is_ipv6() == v6).copied().collect() };
    let (v4, v6) = (fam(false), fam(true));
    let mut limited = None;
    for (srcs, reach) in [(&v4, &exposure.v4), (&v6, &exposure.v6)] {
        if srcs.is_empty() || !reach.is_open() {
            continue;
        }
        if reach.admits_any(srcs) {
            let half = if reach.is_inspected() { Half::Inspected } else { Half::Open };
            return (half, reach.to_string(), Some((reach.clone(), srcs.clone())));
        }
        limited.get_or_insert_with(|| format!("{reach}, and the open rules admit none of those clients"));
    }
    if let Some(text) = limited {
        return (Half::Closed, text, None);
    }
    let open_other = if !v4.is_empty() && v6.is_empty() && exposure.v6.is_open() {
        Some(("IPv4", &exposure.v6))
    } else if !v6.is_empty() && v4.is_empty() && exposure.v4.is_open() {
        Some(("IPv6", &exposure.v4))
    } else {
        None
    };
    if let Some((fam, reach)) = open_other {
        return (
            Half::Closed,
            format!(
                "the open rules admit {fam} sources only, and its reachable address is of the other family: {reach}"
            ),
            None,
        );
    }
    let text = match (v4.is_empty(), v6.is_empty()) {
        (false, false) => exposure.describe(),
        (false, true) => exposure.v4.to_string(),
        _ => exposure.v6.to_string(),
    };
    (Half::Closed, text, None)
}

/// The network-ACL half, once the address half is open: the ACL of the subnet the open address lives in,
/// for the admitted ports and public clients.
pub(super) fn acl_half(
    ctx: &Context,
    region: &str,
    opened: Option<&(AddressReach, Vec<IpNet>)>,
    vpc: Option<&str>,
    ports: &[(u16, u16)],
) -> AclHalf {
    let Some((AddressReach::Open { subnet, .. }, sources)) = opened else { return AclHalf::NotModelled };
    let mut first = None;
    for &(from, to) in ports {
        let ports = PortRange { from, to };
        let h = ctx.network.acls.from_internet(region, subnet, vpc, Protocol::Tcp, ports, sources, &ctx.network.space);
        if !h.is_blocked() {
            return h;
        }
        first.get_or_insert(h);
    }
    first.unwrap_or(AclHalf::NotModelled)
}

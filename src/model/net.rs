//! Which addresses are public: everything outside private and reserved space, and, for one account, outside
//! its own VPCs' blocks too.

use super::Inventory;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Address blocks that are not reachable from the internet (IANA special-purpose registries, RFC 6890):
/// an address outside them is public.
const NON_PUBLIC_V4: &[&str] = &[
    "0.0.0.0/8",       // "this network"
    "10.0.0.0/8",      // RFC 1918
    "100.64.0.0/10",   // shared address space (carrier-grade NAT)
    "127.0.0.0/8",     // loopback
    "169.254.0.0/16",  // link-local
    "172.16.0.0/12",   // RFC 1918
    "192.0.0.0/24",    // IETF protocol assignments
    "192.0.2.0/24",    // documentation (TEST-NET-1)
    "192.168.0.0/16",  // RFC 1918
    "198.18.0.0/15",   // benchmarking
    "198.51.100.0/24", // documentation (TEST-NET-2)
    "203.0.113.0/24",  // documentation (TEST-NET-3)
    "224.0.0.0/4",     // multicast
    "240.0.0.0/4",     // reserved, and the limited broadcast address
];

/// IPv6 blocks no internet host can send from. Outside 2000::/3 every row is from the IANA "Internet Protocol
/// Version 6 Address Space" registry (RFC 4291 section 2.4: only 2000::/3 is allocated as global unicast):
/// together they are the whole complement of 2000::/3, so an address outside global unicast is never public.
/// Inside 2000::/3 the rows are from the IANA "IPv6 Special-Purpose Address Registry", the entries whose
/// "Globally Reachable" column is False and that hold no reachable sub-block (the IETF protocol assignments
/// 2001::/23 do: TURN, AMT, AS112 and ORCHIDv2 anycast live there, so that block stays public; so does 6to4,
/// 2002::/16, whose column is N/A because it carries IPv4 internet hosts).
///
/// Outside 2000::/3 the registry marks one block reachable, the NAT64 well-known prefix 64:ff9b::/96 (RFC
/// 6052). It is still not an internet source for a VPC: a packet from it was translated by a NAT64, and AWS's
/// NAT gateways translate only connections opened from inside the VPC, whose replies a security group admits
/// without any rule.
const NON_PUBLIC_V6: &[&str] = &[
    // IANA IPv6 Address Space registry, every row but 2000::/3.
    "::/8",      // reserved by IETF (RFC 4291): unspecified, loopback, IPv4-mapped, NAT64 (RFC 6052, 8215)
    "100::/8",   // reserved by IETF (RFC 4291): discard-only 100::/64 (RFC 6666)
    "200::/7",   // reserved by IETF (RFC 4048)
    "400::/6",   // reserved by IETF (RFC 4291)
    "800::/5",   // reserved by IETF (RFC 4291)
    "1000::/4",  // reserved by IETF (RFC 4291)
    "4000::/3",  // reserved by IETF (RFC 4291)
    "6000::/3",  // reserved by IETF (RFC 4291)
    "8000::/3",  // reserved by IETF (RFC 4291)
    "a000::/3",  // reserved by IETF (RFC 4291)
    "c000::/3",  // reserved by IETF (RFC 4291)
    "e000::/4",  // reserved by IETF (RFC 4291)
    "f000::/5",  // reserved by IETF (RFC 4291)
    "f800::/6",  // reserved by IETF (RFC 4291)
    "fc00::/7",  // unique local unicast (RFC 4193)
    "fe00::/9",  // reserved by IETF (RFC 4291)
    "fe80::/10", // link-scoped unicast (RFC 4291)
    "fec0::/10", // reserved by IETF, formerly site-local (RFC 3879)
    "ff00::/8",  // multicast (RFC 4291)
    // IANA IPv6 Special-Purpose Address Registry, inside 2000::/3, not globally reachable.
    "2001:2::/48",   // benchmarking (RFC 5180)
    "2001:db8::/32", // documentation (RFC 3849)
    "3fff::/20",     // documentation (RFC 9637)
];

/// Sorted, disjoint, merged inclusive ranges of addresses of one family: a CIDR lies inside their union
/// exactly when it lies inside one of them, because touching ranges are merged.
#[derive(Debug, Clone, Default)]
struct Ranges<T> {
    ranges: Vec<(T, T)>,
}

impl<T: Copy + Ord + num_like::Succ> Ranges<T> {
    fn new(mut ranges: Vec<(T, T)>) -> Ranges<T> {
        ranges.sort_unstable();
        let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if last.1.succ().is_none_or(|next| lo <= next) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        Ranges { ranges: merged }
    }

    /// The range that holds all of `lo..=hi`, if one does.
    fn holding(&self, lo: T, hi: T) -> Option<usize> {
        let i = self.ranges.partition_point(|r| r.1 < lo);
        self.ranges.get(i).is_some_and(|r| r.0 <= lo && hi <= r.1).then_some(i)
    }
}

mod num_like {
    /// The next value, if any: what "touching" means for merging.
    pub trait Succ: Sized {
        fn succ(self) -> Option<Self>;
    }
    impl Succ for u32 {
        fn succ(self) -> Option<u32> {
            self.checked_add(1)
        }
    }
    impl Succ for u128 {
        fn succ(self) -> Option<u128> {
            self.checked_add(1)
        }
    }
}

fn bounds_v4(n: &Ipv4Net) -> (u32, u32) {
    (u32::from(n.network()), u32::from(n.broadcast()))
}

fn bounds_v6(n: &Ipv6Net) -> (u128, u128) {
    (u128::from(n.network()), u128::from(n.broadcast()))
}

/// The non-public blocks of the IANA registries, merged.
pub struct PublicRanges {
    v4: Ranges<u32>,
    v6: Ranges<u128>,
}

impl PublicRanges {
    /// The ranges that are not public (private, shared, reserved and non-global-unicast space), built once.
    pub fn get() -> &'static PublicRanges {
        static RANGES: OnceLock<PublicRanges> = OnceLock::new();
        RANGES.get_or_init(|| {
            let v4 = NON_PUBLIC_V4.iter().map(|s| bounds_v4(&s.parse().expect("static CIDR"))).collect();
            let v6 = NON_PUBLIC_V6.iter().map(|s| bounds_v6(&s.parse().expect("static CIDR"))).collect();
            PublicRanges { v4: Ranges::new(v4), v6: Ranges::new(v6) }
        })
    }

    /// Whether `net` contains at least one address outside reserved space.
    pub fn is_public(&self, net: &IpNet) -> bool {
        match net {
            IpNet::V4(n) => {
                let (lo, hi) = bounds_v4(n);
                self.v4.holding(lo, hi).is_none()
            }
            IpNet::V6(n) => {
                let (lo, hi) = bounds_v6(n);
                self.v6.holding(lo, hi).is_none()
            }
        }
    }
}

/// Whether `net` contains at least one address outside private and reserved space. This knows nothing of the
/// account: the audit asks [`AddressSpace::is_public`], which also counts the account's own VPC blocks as
/// internal.
pub fn is_public(net: &IpNet) -> bool {
    PublicRanges::get().is_public(net)
}

/// One block of the account's address space: a VPC's CIDR block, or one of a peered VPC's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalBlock {
    /// The block.
    pub net: IpNet,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// Seen through this peering connection, when the VPC is a peer's.
    pub peering: Option<String>,
}

impl InternalBlock {
    /// `an IPv6 block of vpc-1` or `an IPv4 block of vpc-2, peered through pcx-1`.
    pub fn describe(&self) -> String {
        let family = if self.net.addr().is_ipv6() { "IPv6" } else { "IPv4" };
        match &self.peering {
            Some(pcx) => format!("an {family} block of {}, peered through {pcx}", self.vpc_id),
            None => format!("an {family} block of {}", self.vpc_id),
        }
    }
}

/// What "public" means for one account: outside reserved space *and* outside every CIDR block of the
/// account's VPCs (primary and secondary, IPv4 and IPv6, public-range IPv4 blocks included) and of the VPCs
/// peered with them, per region. A VPC's own IPv6 /56 is globally routable, but a rule admitting it admits
/// the VPC, not the internet.
#[derive(Debug, Default)]
pub struct AddressSpace {
    /// Per region: reserved space and the internal blocks, merged.
    regions: HashMap<String, (Ranges<u32>, Ranges<u128>)>,
    /// Per region: the internal blocks themselves, for messages.
    blocks: HashMap<String, Vec<InternalBlock>>,
}

impl AddressSpace {
    /// Builds the space of each region from the VPCs and the active peering connections of an inventory.
    pub fn new(inv: &Inventory) -> AddressSpace {
        let mut blocks: HashMap<String, Vec<InternalBlock>> = HashMap::new();
        for v in &inv.vpcs {
            let list = blocks.entry(v.region.clone()).or_default();
            list.extend(v.cidrs.iter().map(|net| InternalBlock { net: *net, vpc_id: v.id.clone(), peering: None }));
        }
        for p in inv.peerings.iter().filter(|p| p.is_active()) {
            // Each side sees the other side's blocks as internal, in its own region.
            for (local, remote) in [(&p.requester, &p.accepter), (&p.accepter, &p.requester)] {
                let region = local.region.clone().unwrap_or_else(|| p.region.clone());
                let list = blocks.entry(region).or_default();
                list.extend(remote.cidrs.iter().map(|net| InternalBlock {
                    net: *net,
                    vpc_id: remote.vpc_id.clone(),
                    peering: Some(p.id.clone()),
                }));
            }
        }
        let reserved = PublicRanges::get();
        let regions = blocks
            .iter()
            .map(|(region, list)| {
                let mut v4 = reserved.v4.ranges.clone();
                let mut v6 = reserved.v6.ranges.clone();
                for b in list {
                    match &b.net {
                        IpNet::V4(n) => v4.push(bounds_v4(n)),
                        IpNet::V6(n) => v6.push(bounds_v6(n)),
                    }
                }
                (region.clone(), (Ranges::new(v4), Ranges::new(v6)))
            })
            .collect();
        AddressSpace { regions, blocks }
    }

    /// Whether `net` contains an address that is neither reserved nor inside one of the account's VPC blocks
    /// (or a peered VPC's) in `region`.
    pub fn is_public(&self, region: &str, net: &IpNet) -> bool {
        let Some((v4, v6)) = self.regions.get(region) else { return is_public(net) };
        match net {
            IpNet::V4(n) => {
                let (lo, hi) = bounds_v4(n);
                v4.holding(lo, hi).is_none()
            }
            IpNet::V6(n) => {
                let (lo, hi) = bounds_v6(n);
                v6.holding(lo, hi).is_none()
            }
        }
    }

    /// The merged non-public ranges of one family in `region` (reserved space, the VPC blocks and the peers'),
    /// as inclusive bounds widened to `u128`: a sweep over addresses splits at them to skip internal space.
    pub fn internal_bounds(&self, region: &str, v6: bool) -> Vec<(u128, u128)> {
        let reserved = PublicRanges::get();
        let (v4r, v6r) = match self.regions.get(region) {
            Some((a, b)) => (a, b),
            None => (&reserved.v4, &reserved.v6),
        };
        if v6 {
            v6r.ranges.clone()
        } else {
            v4r.ranges.iter().map(|&(lo, hi)| (u128::from(lo), u128::from(hi))).collect()
        }
    }

    /// The public entries among `nets`, for evidence.
    pub fn public_part<'a>(&self, region: &str, nets: impl IntoIterator<Item = &'a IpNet>) -> Vec<IpNet> {
        nets.into_iter().filter(|n| self.is_public(region, n)).copied().collect()
    }

    /// The account's (or a peer's) VPC block that contains all of `net`, for messages: `2600:1f18:1::/56: an
    /// IPv6 block of vpc-1`. None when no single block holds it.
    pub fn internal_block(&self, region: &str, net: &IpNet) -> Option<&InternalBlock> {
        self.blocks.get(region)?.iter().find(|b| b.net.contains(net))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_means_any_address_outside_reserved_space() {
        let cases = [
            ("0.0.0.0/0", true),
            ("52.95.0.0/16", true),
            ("8.8.8.8/32", true),
            ("11.0.0.0/8", true),
            ("0.0.0.0/1", true),
            ("172.0.0.0/8", true), // contains 172.0-15 and 172.32-255, which are public
            ("10.0.0.0/8", false),
            ("10.1.2.3/32", false),
            ("172.16.0.0/12", false),
            ("192.168.1.0/24", false),
            ("100.64.0.0/10", false),
            ("127.0.0.1/32", false),
            ("169.254.169.254/32", false),
            ("203.0.113.0/24", false),
            ("224.0.0.0/4", false),
            ("::/0", true),
            ("2600::/16", true),
            ("2001:db8::/32", false),
            ("fd00::/8", false),
            ("fc00::/7", false),
            ("fe80::/10", false),
            ("::1/128", false),
            ("::ffff:0:0/96", false),
            ("64:ff9b::/96", false),
            ("2000::/3", true),
            ("2002::/16", true),
            ("2001::/23", true),
            ("2001:2::/48", false),
            ("3fff::/20", false),
            ("3fff:1000::/20", true),
            ("4000::/2", false),
            ("c000::/3", false),
            ("8000::/1", false),
            ("::/1", true),
            ("fec0::/10", false),
        ];
        for (cidr, public) in cases {
            assert_eq!(is_public(&cidr.parse().unwrap()), public, "{cidr}");
        }
    }
}

//! Which addresses are public: everything outside private and reserved space.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
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

const NON_PUBLIC_V6: &[&str] = &[
    "::/128",        // unspecified
    "::1/128",       // loopback
    "::ffff:0:0/96", // IPv4-mapped
    "100::/64",      // discard-only
    "2001:db8::/32", // documentation
    "fc00::/7",      // unique local
    "fe80::/10",     // link-local
    "ff00::/8",      // multicast
];

/// The non-public blocks, aggregated so that a CIDR is non-public exactly when one block contains it.
pub struct PublicRanges {
    v4: Vec<Ipv4Net>,
    v6: Vec<Ipv6Net>,
}

impl PublicRanges {
    pub fn get() -> &'static PublicRanges {
        static RANGES: OnceLock<PublicRanges> = OnceLock::new();
        RANGES.get_or_init(|| {
            let v4: Vec<Ipv4Net> = NON_PUBLIC_V4.iter().map(|s| s.parse().expect("static CIDR")).collect();
            let v6: Vec<Ipv6Net> = NON_PUBLIC_V6.iter().map(|s| s.parse().expect("static CIDR")).collect();
            PublicRanges { v4: Ipv4Net::aggregate(&v4), v6: Ipv6Net::aggregate(&v6) }
        })
    }

    /// Whether `net` contains at least one public address.
    pub fn is_public(&self, net: &IpNet) -> bool {
        match net {
            IpNet::V4(n) => !self.v4.iter().any(|r| r.contains(n)),
            IpNet::V6(n) => !self.v6.iter().any(|r| r.contains(n)),
        }
    }
}

/// Whether `net` contains at least one address outside private and reserved space.
pub fn is_public(net: &IpNet) -> bool {
    PublicRanges::get().is_public(net)
}

/// The public entries among `nets`, for evidence.
pub fn public_part<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> Vec<IpNet> {
    nets.into_iter().filter(|n| is_public(n)).copied().collect()
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
        ];
        for (cidr, public) in cases {
            assert_eq!(is_public(&cidr.parse().unwrap()), public, "{cidr}");
        }
    }
}

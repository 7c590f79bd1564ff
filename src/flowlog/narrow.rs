//! The narrowed rule a broad one could become: the smallest prefixes that cover the sources seen.

use ipnet::IpNet;
use std::net::IpAddr;

/// At most `most` prefixes that cover every address of `addrs`: each address alone (`/32`, `/128`) while
/// there are few enough, else the closest ones merged into their common prefix, the pair with the longest
/// common prefix first. IPv4 and IPv6 are never merged together. Empty when `addrs` is, or when the two
/// families alone need more than `most`.
pub fn covering(addrs: &[IpAddr], most: usize) -> Vec<IpNet> {
    let mut nets: Vec<IpNet> = addrs.iter().map(|a| IpNet::from(*a)).collect();
    nets.sort();
    nets.dedup();
    while nets.len() > most {
        // Neighbours in sorted order are the closest pairs; merge the pair with the longest common prefix.
        let best = nets
            .windows(2)
            .enumerate()
            .filter_map(|(i, w)| common(&w[0], &w[1]).map(|c| (i, c)))
            .max_by_key(|(i, c)| (c.prefix_len(), std::cmp::Reverse(*i)));
        let Some((_, merged)) = best else { return Vec::new() };
        nets.retain(|n| !merged.contains(n));
        nets.push(merged);
        nets.sort();
    }
    nets
}

/// The longest prefix holding both networks, when they are of one family.
fn common(a: &IpNet, b: &IpNet) -> Option<IpNet> {
    let (x, y, max) = match (a, b) {
        (IpNet::V4(a), IpNet::V4(b)) => (u128::from(u32::from(a.network())), u128::from(u32::from(b.network())), 32),
        (IpNet::V6(a), IpNet::V6(b)) => (u128::from(a.network()), u128::from(b.network()), 128),
        _ => return None,
    };
    let shift = 128 - max;
    let same = ((x << shift) ^ (y << shift)).leading_zeros().min(max);
    let len = u8::try_from(same).ok()?.min(a.prefix_len()).min(b.prefix_len());
    IpNet::new(a.addr(), len).ok().map(|n| n.trunc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn merges_closest_first() {
        let addrs = [a("198.51.100.7"), a("198.51.100.9"), a("203.0.113.1"), a("2001:db8::1")];
        let three = covering(&addrs, 3);
        let text: Vec<String> = three.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["198.51.100.0/28", "203.0.113.1/32", "2001:db8::1/128"]);
        assert_eq!(covering(&addrs, 4).len(), 4);
        assert!(covering(&addrs, 1).is_empty(), "IPv4 and IPv6 need two prefixes");
        for n in covering(&addrs, 2) {
            assert!(addrs.iter().filter(|x| n.contains(*x)).count() >= 1);
        }
    }
}

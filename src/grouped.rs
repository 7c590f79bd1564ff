//! Values grouped by key in one allocation: the shape of every per-group index of the engine.
//!
//! An index such as "the rules of each group" built as a map of vectors makes a small vector per key, grows it
//! a few times and frees it again; across 50,000 groups and a dozen indexes that is most of the cost of
//! building and freeing them. [`Grouped`] numbers the keys as they come, keeps the values in one vector in key
//! order (insertion order within a key) and answers a key with a slice.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Borrow;
use std::hash::Hash;

/// Values grouped by key: `get` answers a key with its values, in the order they were pushed.
#[derive(Debug, Clone)]
pub struct Grouped<K, V> {
    slot_of: HashMap<K, u32>,
    /// The values of slot `s` are `values[starts[s]..starts[s + 1]]`.
    starts: Vec<u32>,
    values: Vec<V>,
}

impl<K, V> Default for Grouped<K, V> {
    fn default() -> Self {
        Grouped { slot_of: HashMap::default(), starts: vec![0], values: Vec::new() }
    }
}

impl<K: Hash + Eq, V: Copy> Grouped<K, V> {
    /// The values of `key`, empty when it has none.
    pub fn get<Q>(&self, key: &Q) -> &[V]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.slot_of.get(key) {
            Some(&s) => self.at(s as usize),
            None => &[],
        }
    }

    /// Whether `key` has values.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.slot_of.contains_key(key)
    }

    /// The number `key` was given, in `0..len()`: [`Self::at`] answers it without hashing again.
    pub fn slot<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.slot_of.get(key).map(|&s| s as usize)
    }

    /// The values of the key numbered `slot`.
    pub fn at(&self, slot: usize) -> &[V] {
        &self.values[self.starts[slot] as usize..self.starts[slot + 1] as usize]
    }

    /// Every key with its values, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &[V])> + '_ {
        self.slot_of
            .iter()
            .map(|(k, &s)| (k, &self.values[self.starts[s as usize] as usize..self.starts[s as usize + 1] as usize]))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }
}

/// Collects (key, value) pairs, then groups them in two linear passes.
#[derive(Debug)]
pub struct GroupedBuilder<K, V> {
    slot_of: HashMap<K, u32>,
    pairs: Vec<(u32, V)>,
    /// The last key pushed and its slot: the values of one key often come in a run (the rules of a group).
    last: Option<(K, u32)>,
}

impl<K: Hash + Eq + Copy, V: Copy> GroupedBuilder<K, V> {
    /// A builder sized for about `keys` keys and `values` values.
    pub fn with_capacity(keys: usize, values: usize) -> Self {
        GroupedBuilder {
            slot_of: HashMap::with_capacity_and_hasher(keys, Default::default()),
            pairs: Vec::with_capacity(values),
            last: None,
        }
    }

    /// Adds a value under `key` and answers the key's number: the slot [`Grouped::at`] will answer it by.
    pub fn push(&mut self, key: K, value: V) -> usize {
        let slot = match self.last {
            Some((k, s)) if k == key => s,
            _ => {
                let next = self.slot_of.len() as u32;
                let s = *self.slot_of.entry(key).or_insert(next);
                self.last = Some((key, s));
                s
            }
        };
        self.pairs.push((slot, value));
        slot as usize
    }

    /// The finished index.
    pub fn build(self) -> Grouped<K, V> {
        let GroupedBuilder { slot_of, pairs, .. } = self;
        let mut starts = vec![0u32; slot_of.len() + 1];
        for &(s, _) in &pairs {
            starts[s as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let Some(&(_, first)) = pairs.first() else {
            return Grouped { slot_of, starts, values: Vec::new() };
        };
        // Every position is written exactly once below; `first` only fills the vector until then.
        let mut values = vec![first; pairs.len()];
        let mut next = starts.clone();
        for (s, v) in pairs {
            let at = &mut next[s as usize];
            values[*at as usize] = v;
            *at += 1;
        }
        Grouped { slot_of, starts, values }
    }
}

impl<K: Hash + Eq + Copy, V: Copy> FromIterator<(K, V)> for Grouped<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut b = GroupedBuilder::with_capacity(0, iter.size_hint().0);
        for (k, v) in iter {
            b.push(k, v);
        }
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Against a map of vectors, the shape it replaces: the same keys, the same values in the same order.
        #[test]
        fn groups_like_a_map_of_vectors(pairs in proptest::collection::vec((0u8..20, proptest::num::u32::ANY), 0..300)) {
            let grouped: Grouped<u8, u32> = pairs.iter().copied().collect();
            let mut oracle: std::collections::BTreeMap<u8, Vec<u32>> = Default::default();
            for (k, v) in &pairs {
                oracle.entry(*k).or_default().push(*v);
            }
            proptest::prop_assert_eq!(grouped.len(), oracle.len());
            for k in 0u8..25 {
                let want = oracle.get(&k).map(Vec::as_slice).unwrap_or_default();
                proptest::prop_assert_eq!(grouped.get(&k), want);
                proptest::prop_assert_eq!(grouped.slot(&k).map(|s| grouped.at(s)), oracle.get(&k).map(Vec::as_slice));
            }
            let mut seen: Vec<(u8, Vec<u32>)> = grouped.iter().map(|(k, v)| (*k, v.to_vec())).collect();
            seen.sort();
            proptest::prop_assert_eq!(seen, oracle.into_iter().collect::<Vec<_>>());
        }
    }

    #[test]
    fn empty() {
        let g: Grouped<&str, u32> = Grouped::default();
        assert!(g.get("x").is_empty() && g.is_empty());
        let g: Grouped<&str, u32> = GroupedBuilder::with_capacity(4, 4).build();
        assert!(g.get("x").is_empty() && g.iter().next().is_none());
    }
}

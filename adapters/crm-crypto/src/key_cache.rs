//! Derived keys kept for reuse, read without a lock: opening the sealed fields of a page of
//! 50 contacts looks a key up 200 times, from every worker thread at once.

use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// Most entries kept; past it the cache starts again empty.
const LIMIT: usize = 10_000;

/// A map from a tenant (and key id) to a derived key. A read loads the current map through
/// arc-swap's guard, which touches no counter shared between threads (a lock, even a
/// read lock, and an `Arc` clone per lookup did: a third of a field's opening). A new key
/// replaces the map with a copy holding it: once per tenant and master key.
pub(crate) struct KeyCache<K, V> {
    map: ArcSwap<HashMap<K, V>>,
}

impl<K: Eq + Hash + Clone, V: Clone> KeyCache<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            map: ArcSwap::from_pointee(HashMap::new()),
        }
    }

    /// `f` applied to the key of `k`, when it is kept.
    pub(crate) fn with<R>(&self, k: &K, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.map.load().get(k).map(f)
    }

    /// Keeps `v` for `k`.
    pub(crate) fn insert(&self, k: K, v: V) {
        self.map.rcu(|m| {
            let mut m = if m.len() >= LIMIT { HashMap::new() } else { HashMap::clone(m) };
            m.insert(k.clone(), v.clone());
            m
        });
    }

    /// Forgets every key.
    pub(crate) fn clear(&self) {
        self.map.store(Arc::new(HashMap::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::KeyCache;

    #[test]
    fn keeps_forgets_and_starts_again_when_full() {
        let c: KeyCache<u32, String> = KeyCache::new();
        assert_eq!(c.with(&1, Clone::clone), None);
        c.insert(1, "un".into());
        assert_eq!(c.with(&1, Clone::clone).as_deref(), Some("un"));
        c.clear();
        assert_eq!(c.with(&1, Clone::clone), None);
        for i in 0..super::LIMIT as u32 + 1 {
            c.insert(i, i.to_string());
        }
        assert_eq!(c.with(&0, Clone::clone), None, "the full map started again");
        assert_eq!(c.with(&(super::LIMIT as u32), Clone::clone).as_deref(), Some("10000"));
    }
}

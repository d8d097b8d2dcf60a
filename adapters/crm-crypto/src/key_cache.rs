//! Derived keys kept for reuse, read without a lock: opening the sealed fields of a page of
//! 50 contacts looks a key up 200 times, from every worker thread at once.

use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Most entries kept; past it the cache starts again empty.
const LIMIT: usize = 10_000;

/// A map from a tenant (and key id) to a derived key.
///
/// Reads load the published map through arc-swap's guard, which touches no counter shared
/// between threads (a read lock and an `Arc` cloned per lookup did: a third of a field's
/// opening). New keys wait in a small map behind a mutex, read there on a miss, and are
/// published together once they number a quarter of the published map (at once while it
/// is small): each publication copies the map, so a key is copied a few times in all, not
/// once per later tenant.
pub(crate) struct KeyCache<K, V> {
    published: ArcSwap<HashMap<K, V>>,
    pending: Mutex<HashMap<K, V>>,
}

impl<K: Eq + Hash + Clone, V: Clone> KeyCache<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            published: ArcSwap::from_pointee(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// `f` applied to the key of `k`, when it is kept.
    pub(crate) fn with<R>(&self, k: &K, f: impl FnOnce(&V) -> R) -> Option<R> {
        let published = self.published.load();
        if let Some(v) = published.get(k) {
            return Some(f(v));
        }
        let pending = self.pending.lock().ok()?;
        pending.get(k).map(f)
    }

    /// Keeps `v` for `k`.
    pub(crate) fn insert(&self, k: K, v: V) {
        let Ok(mut pending) = self.pending.lock() else { return };
        let published = self.published.load_full();
        if published.len() + pending.len() >= LIMIT {
            pending.clear();
            self.published.store(Arc::new(HashMap::new()));
            pending.insert(k, v);
            return;
        }
        pending.insert(k, v);
        if pending.len() * 4 >= published.len() {
            let mut all = HashMap::clone(&published);
            all.extend(pending.drain());
            self.published.store(Arc::new(all));
        }
    }

    /// Forgets every key.
    pub(crate) fn clear(&self) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.clear();
        }
        self.published.store(Arc::new(HashMap::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::KeyCache;

    #[test]
    fn keeps_forgets_and_starts_again_when_full() {
        let c: KeyCache<u32, u32> = KeyCache::new();
        assert_eq!(c.with(&1, |v| *v), None);
        c.insert(1, 10);
        assert_eq!(c.with(&1, |v| *v), Some(10));
        c.clear();
        assert_eq!(c.with(&1, |v| *v), None);
        let limit = u32::try_from(super::LIMIT).unwrap_or(u32::MAX);
        for i in 0..limit {
            c.insert(i, i + 1);
        }
        // Every key is found, published or waiting.
        assert!((0..limit).step_by(97).all(|i| c.with(&i, |v| *v) == Some(i + 1)));
        c.insert(limit, 0);
        assert_eq!(c.with(&0, |v| *v), None, "the full cache started again");
        assert_eq!(c.with(&limit, |v| *v), Some(0));
    }

    #[test]
    fn a_small_cache_publishes_at_once() {
        let c: KeyCache<u32, u32> = KeyCache::new();
        c.insert(7, 70);
        assert_eq!(c.published.load().get(&7), Some(&70), "read without the mutex");
    }
}

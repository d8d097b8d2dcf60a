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

    /// `f` applied to the key of `k`: the kept one, else one `make` derives (then kept).
    pub(crate) fn with_or_insert<R, E>(&self, k: &K, make: impl FnOnce() -> Result<V, E>, f: impl FnOnce(&V) -> R) -> Result<R, E> {
        if let Some(v) = self.published.load().get(k) {
            return Ok(f(v));
        }
        if let Some(v) = self.pending.lock().ok().as_deref().and_then(|p| p.get(k).cloned()) {
            return Ok(f(&v));
        }
        let v = make()?;
        let r = f(&v);
        self.insert(k.clone(), v);
        Ok(r)
    }

    /// Keeps `v` for `k`.
    fn insert(&self, k: K, v: V) {
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

    /// The kept value of `k`, deriving nothing.
    fn kept(c: &KeyCache<u32, u32>, k: u32) -> Option<u32> {
        c.with_or_insert(&k, || Err(()), |v| *v).ok()
    }

    #[test]
    fn keeps_forgets_and_starts_again_when_full() {
        let c: KeyCache<u32, u32> = KeyCache::new();
        assert_eq!(kept(&c, 1), None);
        c.insert(1, 10);
        assert_eq!(kept(&c, 1), Some(10));
        c.clear();
        assert_eq!(kept(&c, 1), None);
        let limit = u32::try_from(super::LIMIT).unwrap_or(u32::MAX);
        for i in 0..limit {
            c.insert(i, i + 1);
        }
        // Every key is found, published or waiting.
        assert!((0..limit).step_by(97).all(|i| kept(&c, i) == Some(i + 1)));
        c.insert(limit, 0);
        assert_eq!(kept(&c, 0), None, "the full cache started again");
        assert_eq!(kept(&c, limit), Some(0));
    }

    #[test]
    fn a_small_cache_publishes_at_once() {
        let c: KeyCache<u32, u32> = KeyCache::new();
        c.insert(7, 70);
        assert_eq!(c.published.load().get(&7), Some(&70), "read without the mutex");
    }
}

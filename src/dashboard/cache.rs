//! A small cache of review answers, each kept for a while: a page and its live updates ask
//! the same questions many times a minute, and the API server should answer each once per
//! period. Keys are SHA-256 digests, so no token is kept in memory in the clear beyond the
//! request that carried it.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// A SHA-256 digest.
pub type Key = [u8; 32];

/// The digest of `parts`, each length-prefixed so that `("ab", "c")` and `("a", "bc")`
/// differ.
pub fn key(parts: &[&[u8]]) -> Key {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// Answers by key, each until its own deadline; at most `capacity` of them.
#[derive(Debug)]
pub struct TtlCache<V> {
    entries: Mutex<HashMap<Key, (Instant, V)>>,
    capacity: usize,
}

impl<V: Clone> TtlCache<V> {
    /// An empty cache of at most `capacity` answers.
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    /// The answer for `key`, if it has not expired.
    pub fn get(&self, key: &Key) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(key).filter(|(until, _)| Instant::now() < *until).map(|(_, v)| v.clone())
    }

    /// Keeps `value` for `ttl`. When full, expired answers go first, then the one closest to
    /// expiry.
    pub fn put(&self, key: Key, value: V, ttl: Duration) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (until, _)| now < *until);
            if entries.len() >= self.capacity
                && let Some(soonest) = entries.iter().min_by_key(|(_, (until, _))| *until).map(|(k, _)| *k)
            {
                entries.remove(&soonest);
            }
        }
        entries.insert(key, (now + ttl, value));
    }

    /// Answers kept (expired ones included until they are pushed out).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_framed() {
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
        assert_eq!(key(&[b"a", b"bc"]), key(&[b"a", b"bc"]));
    }

    #[tokio::test(start_paused = true)]
    async fn answers_expire_and_the_cache_stays_bounded() {
        let c = TtlCache::new(2);
        c.put(key(&[b"a"]), 1, Duration::from_secs(30));
        assert_eq!(c.get(&key(&[b"a"])), Some(1));
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(c.get(&key(&[b"a"])), None, "expired");
        c.put(key(&[b"b"]), 2, Duration::from_secs(10));
        c.put(key(&[b"c"]), 3, Duration::from_secs(20));
        assert_eq!(c.len(), 2, "the expired one made room");
        c.put(key(&[b"d"]), 4, Duration::from_secs(20));
        assert_eq!((c.len(), c.get(&key(&[b"b"]))), (2, None), "the one closest to expiry went");
        assert_eq!(c.get(&key(&[b"d"])), Some(4));
    }
}

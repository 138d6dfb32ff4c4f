//! A bounded cache of verified tokens, so that a token seen again while valid skips the signature
//! check. Entries live until the token's `exp`, a maximum age, or a key-set change, whichever
//! comes first; the oldest insertion is evicted when full. It holds no token bytes: an entry is
//! keyed by a 128-bit SipHash-2-4 of (provider instance, token) under a secret key drawn at random
//! by each cache. SipHash is a keyed pseudo-random function: without the key nobody can make
//! another token collide with a cached one, and the key never leaves the worker. It is used
//! instead of SHA-256 because the lookup runs on every request and SHA-256 of a typical 800-byte
//! token cost several microseconds in Envoy's V8 (no hardware SHA there).

use super::verified::VerifiedToken;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128, SipHasher24};
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

/// Token cache settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCacheConfig {
    /// Most verified tokens kept per worker; 0 turns the cache off.
    #[serde(default = "TokenCacheConfig::default_capacity")]
    pub capacity: usize,
    /// Longest time a verification is reused, in seconds, even if `exp` is later.
    #[serde(default = "TokenCacheConfig::default_max_age_seconds")]
    pub max_age_seconds: u64,
    /// Shared-data slots in which workers share verifications (one entry each), so a token is
    /// verified once per Envoy; 0 turns sharing off.
    #[serde(default = "TokenCacheConfig::default_shared_slots")]
    pub shared_slots: u32,
}

impl TokenCacheConfig {
    pub const fn default_capacity() -> usize {
        1024
    }
    pub const fn default_max_age_seconds() -> u64 {
        300
    }
    pub const fn default_shared_slots() -> u32 {
        4096
    }
}

impl Default for TokenCacheConfig {
    fn default() -> Self {
        TokenCacheConfig {
            capacity: Self::default_capacity(),
            max_age_seconds: Self::default_max_age_seconds(),
            shared_slots: Self::default_shared_slots(),
        }
    }
}

/// The cache key of a token for one provider instance.
pub type CacheKey = u128;

/// A secret 128-bit key: two outputs of the standard library's randomly keyed hasher (seeded
/// from the platform's random source, WASI `random_get` in Envoy), unpredictable from outside.
fn secret_key() -> (u64, u64) {
    let r = RandomState::new();
    (r.hash_one(0x5041_4c49_5341_4445_u64), r.hash_one(0x544f_4b45_4e43_4143_u64))
}

#[derive(Debug)]
struct Entry {
    token: Arc<VerifiedToken>,
    /// Seconds since the epoch; the entry is used while now < valid_until.
    valid_until: i64,
    key_generation: u64,
    sequence: u64,
}

/// Verified tokens of one worker. Not shared between workers (each VM has its own).
#[derive(Debug)]
pub struct TokenCache {
    config: TokenCacheConfig,
    /// Secret SipHash key of this cache.
    key: (u64, u64),
    entries: HashMap<CacheKey, Entry>,
    /// Insertion order, with the sequence number of the insertion; stale pairs are skipped.
    order: VecDeque<(CacheKey, u64)>,
    next_sequence: u64,
}

impl TokenCache {
    pub fn new(config: TokenCacheConfig) -> TokenCache {
        TokenCache {
            config,
            key: secret_key(),
            entries: HashMap::with_capacity(config.capacity.min(4096)),
            order: VecDeque::new(),
            next_sequence: 0,
        }
    }

    /// The key of `token` for one provider instance: tokens of different providers (or of an
    /// older configuration) never share an entry.
    pub fn key_of(&self, provider_instance: u64, token: &[u8]) -> CacheKey {
        let mut h = SipHasher24::new_with_keys(self.key.0, self.key.1);
        h.write_u64(provider_instance);
        h.write(token);
        h.finish128().as_u128()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The cached verification, if still valid at `now` with keys of `key_generation`.
    pub fn get(&mut self, key: &CacheKey, now: u64, key_generation: u64) -> Option<Arc<VerifiedToken>> {
        let entry = self.entries.get(key)?;
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        if now < entry.valid_until && entry.key_generation == key_generation {
            return Some(Arc::clone(&entry.token));
        }
        self.entries.remove(key);
        None
    }

    /// Remembers a verification made at `now` with keys of `key_generation`.
    pub fn insert(&mut self, key: CacheKey, token: Arc<VerifiedToken>, now: u64, key_generation: u64) {
        if self.config.capacity == 0 {
            return;
        }
        let now_i = i64::try_from(now).unwrap_or(i64::MAX);
        let max_age = i64::try_from(self.config.max_age_seconds).unwrap_or(i64::MAX);
        let valid_until = match token.expires_at {
            Some(exp) => exp.min(now_i.saturating_add(max_age)),
            None => now_i.saturating_add(max_age),
        };
        if valid_until <= now_i {
            return;
        }
        while self.entries.len() >= self.config.capacity && !self.entries.contains_key(&key) {
            match self.order.pop_front() {
                Some((old, sequence)) => {
                    if self.entries.get(&old).is_some_and(|e| e.sequence == sequence) {
                        self.entries.remove(&old);
                    }
                }
                None => break,
            }
        }
        let sequence = self.next_sequence;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.entries.insert(key, Entry { token, valid_until, key_generation, sequence });
        self.order.push_back((key, sequence));
        // Entries removed on lookup leave stale pairs behind; keep the queue bounded.
        if self.order.len() > 2 * self.config.capacity {
            let entries = &self.entries;
            self.order.retain(|(k, s)| entries.get(k).is_some_and(|e| e.sequence == *s));
        }
    }

    /// Drops every entry (for example after a configuration change).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(exp: Option<i64>) -> Arc<VerifiedToken> {
        Arc::new(VerifiedToken {
            issuer: "i".into(),
            subject: None,
            scopes: vec![],
            expires_at: exp,
            claim_headers: vec![],
            kept_claims: vec![],
        })
    }

    fn cache(capacity: usize) -> TokenCache {
        TokenCache::new(TokenCacheConfig { capacity, max_age_seconds: 300, shared_slots: 0 })
    }

    #[test]
    fn an_entry_is_served_until_exp() {
        let mut c = cache(4);
        let k = c.key_of(1, b"t");
        c.insert(k, token(Some(1_000)), 900, 1);
        assert!(c.get(&k, 999, 1).is_some());
        assert!(c.get(&k, 1_000, 1).is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn an_entry_is_not_served_past_the_maximum_age() {
        let mut c = cache(4);
        let k = c.key_of(1, b"t");
        c.insert(k, token(Some(10_000)), 100, 1);
        assert!(c.get(&k, 399, 1).is_some());
        assert!(c.get(&k, 400, 1).is_none());
    }

    #[test]
    fn a_key_set_change_invalidates_entries() {
        let mut c = cache(4);
        let k = c.key_of(1, b"t");
        c.insert(k, token(None), 0, 1);
        assert!(c.get(&k, 1, 2).is_none());
    }

    #[test]
    fn providers_do_not_share_entries_and_keys_are_secret_per_cache() {
        let c = cache(4);
        assert_ne!(c.key_of(1, b"t"), c.key_of(2, b"t"));
        assert_ne!(c.key_of(1, b"t"), c.key_of(1, b"u"));
        assert_eq!(c.key_of(1, b"t"), c.key_of(1, b"t"));
        // Another cache (another worker) draws another key: keys cannot be precomputed.
        assert_ne!(cache(4).key_of(1, b"t"), c.key_of(1, b"t"));
    }

    #[test]
    fn the_oldest_insertion_is_evicted_when_full_and_size_stays_bounded() {
        let mut c = cache(3);
        for i in 0..10u8 {
            c.insert(c.key_of(1, &[i]), token(None), 0, 1);
            assert!(c.len() <= 3);
        }
        assert!(c.get(&c.key_of(1, &[6]), 1, 1).is_none());
        assert!(c.get(&c.key_of(1, &[7]), 1, 1).is_some());
        assert!(c.get(&c.key_of(1, &[9]), 1, 1).is_some());
        // Lookups that drop expired entries do not let the order queue grow without bound.
        for round in 0..100u64 {
            let k = c.key_of(2, &round.to_be_bytes());
            c.insert(k, token(Some(round as i64 + 1)), round, 1);
            let _ = c.get(&k, round + 5, 1);
        }
        assert!(c.order.len() <= 6);
    }

    #[test]
    fn an_already_expired_token_is_not_cached_and_capacity_zero_disables() {
        let mut c = cache(3);
        c.insert(c.key_of(1, b"t"), token(Some(5)), 10, 1);
        assert!(c.is_empty());
        let mut off = cache(0);
        off.insert(off.key_of(1, b"t"), token(None), 0, 1);
        assert!(off.is_empty());
    }
}

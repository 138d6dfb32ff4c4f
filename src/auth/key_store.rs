//! The current key set of a provider, replaced whole when a JWKS is (re)fetched. Readers take a
//! snapshot (an `Arc`) and never see a half-updated set; each replacement bumps a generation so
//! that cached verifications made with older keys can be recognised.

use super::jwks::Jwks;
use std::sync::{Arc, RwLock};

/// A key set and the generation it was installed as.
#[derive(Debug, Default)]
pub struct KeySnapshot {
    pub generation: u64,
    pub jwks: Jwks,
    /// The same in every worker for the same key set: 0 for configured keys, the publication
    /// time of a fetched set.
    pub stamp: u64,
}

/// A provider's keys, swappable atomically.
#[derive(Debug, Default)]
pub struct KeyStore {
    current: RwLock<Arc<KeySnapshot>>,
}

impl KeyStore {
    /// A store holding `jwks` as generation 1 (an empty set when the keys come later).
    pub fn new(jwks: Jwks) -> KeyStore {
        KeyStore { current: RwLock::new(Arc::new(KeySnapshot { generation: 1, jwks, stamp: 0 })) }
    }

    /// The keys in force now.
    pub fn snapshot(&self) -> Arc<KeySnapshot> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Installs a new set; returns its generation.
    pub fn replace(&self, jwks: Jwks) -> u64 {
        self.replace_stamped(jwks, 0)
    }

    /// Replaces the keys, with the stamp every worker gives the same set.
    pub fn replace_stamped(&self, jwks: Jwks, stamp: u64) -> u64 {
        let mut guard = match self.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let generation = guard.generation.wrapping_add(1);
        *guard = Arc::new(KeySnapshot { generation, jwks, stamp });
        generation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_survives_a_replacement_and_generations_increase() {
        let store = KeyStore::new(Jwks::default());
        let before = store.snapshot();
        assert_eq!(store.replace(Jwks::default()), 2);
        assert_eq!(before.generation, 1);
        assert_eq!(store.snapshot().generation, 2);
    }
}

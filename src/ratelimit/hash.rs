//! Keyed hashing of rate-limit keys: SipHash-2-4 (the `siphasher` crate) with a 128-bit seed
//! derived from the configuration, so every worker agrees and outsiders cannot aim collisions.

use siphasher::sip::SipHasher24;
use std::hash::Hasher;

/// A 128-bit SipHash key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    k0: u64,
    k1: u64,
}

/// An incremental SipHash-2-4 state: feed byte slices, then `finish`.
#[derive(Debug, Clone)]
pub struct KeyedHasher(SipHasher24);

impl KeyedHasher {
    pub fn new(seed: Seed) -> KeyedHasher {
        KeyedHasher(SipHasher24::new_with_keys(seed.k0, seed.k1))
    }

    pub fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    pub fn finish(self) -> u64 {
        self.0.finish()
    }
}

impl Seed {
    pub const fn from_parts(k0: u64, k1: u64) -> Seed {
        Seed { k0, k1 }
    }

    /// Derives a seed from configuration bytes, which every worker receives identically.
    /// Same bytes, same seed, in every worker.
    pub fn derive(material: &[u8]) -> Seed {
        let mut a = KeyedHasher::new(Seed { k0: 0x5061_6c69_7361_6465, k1: 0x7261_7465_6c69_6d31 });
        a.write(material);
        let mut b = KeyedHasher::new(Seed { k0: 0x5061_6c69_7361_6465, k1: 0x7261_7465_6c69_6d32 });
        b.write(material);
        Seed { k0: a.finish(), k1: b.finish() }
    }

    /// The SipHash-2-4 of `bytes` under this seed.
    pub fn hash(&self, bytes: &[u8]) -> u64 {
        let mut h = KeyedHasher::new(*self);
        h.write(bytes);
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_seed() -> Seed {
        // Key 00 01 02 … 0f of the SipHash paper's test vectors.
        Seed::from_parts(0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908)
    }

    #[test]
    fn empty_input_matches_the_published_test_vector() {
        assert_eq!(reference_seed().hash(b""), 0x726f_db47_dd0e_0e31);
    }

    #[test]
    fn fifteen_byte_input_matches_the_paper_example() {
        let msg: Vec<u8> = (0u8..15).collect();
        assert_eq!(reference_seed().hash(&msg), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn incremental_writes_equal_one_write() {
        let msg: Vec<u8> = (0u8..63).collect();
        let whole = reference_seed().hash(&msg);
        for split in 0..msg.len() {
            let mut h = KeyedHasher::new(reference_seed());
            h.write(&msg[..split]);
            h.write(&msg[split..]);
            assert_eq!(h.finish(), whole, "split at {split}");
        }
    }

    #[test]
    fn different_configurations_give_different_seeds() {
        assert_ne!(Seed::derive(b"{\"a\":1}"), Seed::derive(b"{\"a\":2}"));
        assert_eq!(Seed::derive(b"same"), Seed::derive(b"same"));
    }
}

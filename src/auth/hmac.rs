//! HMAC checks for HS256/384/512 (RFC 7518 §3.2, RFC 2104). The keyed state is computed once
//! per hash when the key is configured; tags are compared in constant time and must have the
//! full length (no truncated MACs).

use super::hash::HashFunction;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use std::fmt;

/// A shared secret prepared for the three HMAC-SHA-2 algorithms.
#[derive(Clone)]
pub struct HmacKey {
    len: usize,
    sha256: Hmac<Sha256>,
    sha384: Hmac<Sha384>,
    sha512: Hmac<Sha512>,
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacKey({} bytes)", self.len)
    }
}

impl HmacKey {
    /// Prepares `secret`. Any length is accepted here; the JWKS rules decide which lengths may
    /// be used with which algorithm (`usable_with`).
    pub fn new(secret: &[u8]) -> HmacKey {
        // HMAC accepts keys of any length, so these constructors cannot fail; fall back to an
        // empty-key state only to stay total.
        HmacKey {
            len: secret.len(),
            sha256: <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
                .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default())),
            sha384: <Hmac<Sha384> as KeyInit>::new_from_slice(secret)
                .unwrap_or_else(|_| <Hmac<Sha384> as KeyInit>::new(&Default::default())),
            sha512: <Hmac<Sha512> as KeyInit>::new_from_slice(secret)
                .unwrap_or_else(|_| <Hmac<Sha512> as KeyInit>::new(&Default::default())),
        }
    }

    /// Length of the secret in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// RFC 7518 §3.2: a key at least as long as the hash output.
    pub fn usable_with(&self, hash: HashFunction) -> bool {
        self.len >= hash.output_len()
    }

    /// Checks a full-length tag over `message`, in constant time.
    pub fn verify(&self, hash: HashFunction, message: &[u8], tag: &[u8]) -> bool {
        fn check<M: Mac + Clone>(state: &M, message: &[u8], tag: &[u8]) -> bool {
            let mut mac = state.clone();
            mac.update(message);
            // `verify_slice` requires tag.len() == output length and compares in constant time.
            mac.verify_slice(tag).is_ok()
        }
        match hash {
            HashFunction::Sha256 => check(&self.sha256, message, tag),
            HashFunction::Sha384 => check(&self.sha384, message, tag),
            HashFunction::Sha512 => check(&self.sha512, message, tag),
        }
    }

    /// Computes a tag (test fixtures and benchmarks).
    pub fn sign(&self, hash: HashFunction, message: &[u8]) -> Vec<u8> {
        fn run<M: Mac + Clone>(state: &M, message: &[u8]) -> Vec<u8> {
            let mut mac = state.clone();
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        match hash {
            HashFunction::Sha256 => run(&self.sha256, message),
            HashFunction::Sha384 => run(&self.sha384, message),
            HashFunction::Sha512 => run(&self.sha512, message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_case_2_verifies_and_a_truncated_tag_does_not() {
        let key = HmacKey::new(b"Jefe");
        let tag = key.sign(HashFunction::Sha256, b"what do ya want for nothing?");
        assert_eq!(tag[..4], [0x5b, 0xdc, 0xc1, 0x46]);
        assert!(key.verify(HashFunction::Sha256, b"what do ya want for nothing?", &tag));
        assert!(!key.verify(HashFunction::Sha256, b"what do ya want for nothing?", &tag[..16]));
        assert!(!key.verify(HashFunction::Sha256, b"what do ya want for nothing!", &tag));
    }

    #[test]
    fn short_keys_are_not_usable_with_longer_hashes() {
        let key = HmacKey::new(&[7; 32]);
        assert!(key.usable_with(HashFunction::Sha256));
        assert!(!key.usable_with(HashFunction::Sha384));
    }
}

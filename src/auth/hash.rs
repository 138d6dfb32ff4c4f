//! The SHA-2 hash functions behind the JWS algorithms, with a fixed-size output that needs no
//! allocation. Hashing only: no key material and no decisions live here.

use sha2::{Digest, Sha256, Sha384, Sha512};

/// One of the SHA-2 functions used by JWS (RFC 7518 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashFunction {
    Sha256,
    Sha384,
    Sha512,
}

/// A hash value of up to 64 bytes, held inline.
#[derive(Clone, Copy)]
pub struct HashValue {
    bytes: [u8; 64],
    len: usize,
}

impl HashValue {
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl HashFunction {
    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashFunction::Sha256 => 32,
            HashFunction::Sha384 => 48,
            HashFunction::Sha512 => 64,
        }
    }

    /// The hash of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> HashValue {
        fn run<D: Digest>(parts: &[&[u8]]) -> HashValue {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            let out = hasher.finalize();
            let mut bytes = [0u8; 64];
            let len = out.len().min(64);
            bytes[..len].copy_from_slice(&out[..len]);
            HashValue { bytes, len }
        }
        match self {
            HashFunction::Sha256 => run::<Sha256>(parts),
            HashFunction::Sha384 => run::<Sha384>(parts),
            HashFunction::Sha512 => run::<Sha512>(parts),
        }
    }
}

/// SHA-256 of `data`, as a fixed array (cache keys, API-key digests).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_is_the_fips_180_value() {
        let h = HashFunction::Sha256.digest(&[b"a", b"bc"]);
        assert_eq!(h.as_bytes(), sha256(b"abc").as_slice(),);
        assert_eq!(h.as_bytes()[..4], [0xba, 0x78, 0x16, 0xbf]);
    }

    #[test]
    fn output_lengths_match_the_function() {
        for f in [HashFunction::Sha256, HashFunction::Sha384, HashFunction::Sha512] {
            assert_eq!(f.digest(&[b"x"]).as_bytes().len(), f.output_len());
        }
    }
}

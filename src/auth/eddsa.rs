//! Ed25519 signature checks for JWS `EdDSA` with an OKP key (RFC 8037, RFC 8032 §5.1.7). The
//! public key is decoded once; verification rejects non-canonical S and any signature that is
//! not exactly 64 bytes.

use std::fmt;

/// An Ed25519 public key, decoded.
#[derive(Clone)]
pub struct Ed25519PublicKey(crrl::ed25519::PublicKey);

impl fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ed25519PublicKey")
    }
}

impl Ed25519PublicKey {
    /// Decodes the 32-byte public key (JWK `x`). `None` when it is not a valid point encoding.
    pub fn from_bytes(x: &[u8]) -> Option<Ed25519PublicKey> {
        if x.len() != 32 {
            return None;
        }
        crrl::ed25519::PublicKey::decode(x).map(Ed25519PublicKey)
    }

    /// Verifies a pure Ed25519 signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        signature.len() == 64 && self.0.verify_raw(signature, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_wrong_length_are_refused() {
        assert!(Ed25519PublicKey::from_bytes(&[0; 31]).is_none());
        assert!(Ed25519PublicKey::from_bytes(&[0; 33]).is_none());
    }
}

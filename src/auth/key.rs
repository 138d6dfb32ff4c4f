//! A verification key as configured: its material decoded once, its `kid`, and the limits its
//! JWK put on it (`use`, `key_ops`, `alg`). It decides whether it may verify a given algorithm and
//! checks signatures; it never chooses keys (that is `jwks`) and never trusts a token's header.

use super::algorithm::{Algorithm, KeyKind};
use super::ecdsa::{Curve, EcdsaPublicKey};
use super::eddsa::Ed25519PublicKey;
use super::hmac::HmacKey;
use super::rsa::RsaPublicKey;

/// Decoded key material.
#[derive(Debug, Clone)]
pub enum KeyMaterial {
    Secret(Box<HmacKey>),
    Rsa(RsaPublicKey),
    Ec(EcdsaPublicKey),
    Ed25519(Ed25519PublicKey),
}

impl KeyMaterial {
    pub fn kind(&self) -> KeyKind {
        match self {
            KeyMaterial::Secret(_) => KeyKind::Secret,
            KeyMaterial::Rsa(_) => KeyKind::Rsa,
            KeyMaterial::Ec(k) => match k.curve() {
                Curve::P256 => KeyKind::EcP256,
                Curve::P384 => KeyKind::EcP384,
            },
            KeyMaterial::Ed25519(_) => KeyKind::Ed25519,
        }
    }
}

/// A key that may verify signatures.
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    /// JWK `kid`.
    pub kid: Option<String>,
    /// JWK `alg`: when present, the only algorithm this key verifies (RFC 7517 §4.4).
    pub alg: Option<Algorithm>,
    /// False for keys marked `use: enc` or whose `key_ops` lack `verify`: kept for diagnostics,
    /// never used.
    pub verifies: bool,
    pub material: KeyMaterial,
}

impl VerifyingKey {
    /// A key for signatures with no restrictions beyond its type.
    pub fn new(material: KeyMaterial) -> VerifyingKey {
        VerifyingKey { kid: None, alg: None, verifies: true, material }
    }

    /// Whether this key may check a signature made with `alg`: it verifies, its type is the one
    /// `alg` needs (no HMAC with a public key, no RSA key for ES256), its JWK `alg` (if any) is
    /// `alg`, and an HMAC secret is long enough for the hash.
    pub fn accepts(&self, alg: Algorithm) -> bool {
        if !self.verifies || self.material.kind() != alg.key_kind() {
            return false;
        }
        if self.alg.is_some_and(|only| only != alg) {
            return false;
        }
        match &self.material {
            KeyMaterial::Secret(k) => k.usable_with(alg.hash()),
            _ => true,
        }
    }

    /// Checks `signature` over `signing_input` with `alg`; false whenever `accepts(alg)` is false.
    pub fn verify(&self, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> bool {
        if !self.accepts(alg) {
            return false;
        }
        match (&self.material, alg) {
            (KeyMaterial::Secret(k), _) => k.verify(alg.hash(), signing_input, signature),
            (KeyMaterial::Rsa(k), Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512) => {
                k.verify_pkcs1v15(alg.hash(), signing_input, signature)
            }
            (KeyMaterial::Rsa(k), Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512) => {
                k.verify_pss(alg.hash(), signing_input, signature)
            }
            (KeyMaterial::Ec(k), Algorithm::ES256 | Algorithm::ES384) => k.verify(signing_input, signature),
            (KeyMaterial::Ed25519(k), Algorithm::EdDSA) => k.verify(signing_input, signature),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_verifies_an_asymmetric_algorithm_and_vice_versa() {
        let secret = VerifyingKey::new(KeyMaterial::Secret(Box::new(HmacKey::new(&[1; 64]))));
        assert!(secret.accepts(Algorithm::HS512));
        for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::PS256] {
            assert!(!secret.accepts(alg));
        }
    }

    #[test]
    fn jwk_alg_and_use_restrict_the_key() {
        let mut key = VerifyingKey::new(KeyMaterial::Secret(Box::new(HmacKey::new(&[1; 64]))));
        key.alg = Some(Algorithm::HS256);
        assert!(key.accepts(Algorithm::HS256));
        assert!(!key.accepts(Algorithm::HS512));
        key.verifies = false;
        assert!(!key.accepts(Algorithm::HS256));
        let tag = HmacKey::new(&[1; 64]).sign(Algorithm::HS256.hash(), b"m");
        assert!(!key.verify(Algorithm::HS256, b"m", &tag));
    }
}

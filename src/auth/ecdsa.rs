//! ECDSA signature checks for ES256 (P-256, SHA-256) and ES384 (P-384, SHA-384) over the JWS
//! signature form r‖s (RFC 7518 §3.4). Points are decoded and checked to be on the curve once,
//! when the key is configured; a check never accepts a signature of the wrong length.

use super::es256::P256Key;
use super::es384::P384Key;
use super::hash::HashFunction;
use std::fmt;

/// The curves JWS defines for ECDSA that Palisade supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    /// JWK `crv` name.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }

    /// Length of one coordinate, and of r and s, in bytes.
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }
}

/// An ECDSA public key, decoded and validated.
#[derive(Clone)]
pub enum EcdsaPublicKey {
    /// P-256: crrl's curve arithmetic (32-bit backend on wasm32, ~2× faster than RustCrypto's
    /// there) driven by tables precomputed for this key (see [`super::es256`]).
    P256(P256Key),
    /// P-384: RustCrypto's `p384` arithmetic (crrl has no P-384) driven by tables precomputed
    /// for this key (see [`super::es384`]).
    P384(P384Key),
}

impl fmt::Debug for EcdsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcdsaPublicKey({})", self.curve().name())
    }
}

/// Why EC coordinates were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcKeyError {
    CoordinateLength { expected: usize },
    NotOnCurve,
}

impl fmt::Display for EcKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EcKeyError::CoordinateLength { expected } => {
                write!(f, "each coordinate must be exactly {expected} bytes (RFC 7518 §6.2.1.2)")
            }
            EcKeyError::NotOnCurve => write!(f, "the coordinates are not a point on the curve"),
        }
    }
}

impl EcdsaPublicKey {
    /// Builds a key from the big-endian affine coordinates (JWK `x` and `y`), each exactly the
    /// field length.
    pub fn from_coordinates(curve: Curve, x: &[u8], y: &[u8]) -> Result<EcdsaPublicKey, EcKeyError> {
        let len = curve.field_len();
        if x.len() != len || y.len() != len {
            return Err(EcKeyError::CoordinateLength { expected: len });
        }
        let mut sec1 = Vec::with_capacity(1 + 2 * len);
        sec1.push(0x04);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        match curve {
            Curve::P256 => crrl::p256::PublicKey::decode(&sec1).map(|key| EcdsaPublicKey::P256(P256Key::new(&key))),
            Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                .ok()
                .map(|key| EcdsaPublicKey::P384(P384Key::new(&key))),
        }
        .ok_or(EcKeyError::NotOnCurve)
    }

    pub fn curve(&self) -> Curve {
        match self {
            EcdsaPublicKey::P256(_) => Curve::P256,
            EcdsaPublicKey::P384(_) => Curve::P384,
        }
    }

    /// Verifies a JWS ECDSA signature (r‖s, each exactly the field length) over `message`,
    /// hashed with the curve's JWS hash (SHA-256 for P-256, SHA-384 for P-384).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != 2 * self.curve().field_len() {
            return false;
        }
        match self {
            EcdsaPublicKey::P256(key) => {
                let h = HashFunction::Sha256.digest(&[message]);
                key.verify_hash(signature, h.as_bytes())
            }
            EcdsaPublicKey::P384(key) => {
                let h = HashFunction::Sha384.digest(&[message]);
                key.verify_prehash(h.as_bytes(), signature)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_of_the_wrong_length_are_refused() {
        assert_eq!(
            EcdsaPublicKey::from_coordinates(Curve::P256, &[1; 31], &[1; 32]).err(),
            Some(EcKeyError::CoordinateLength { expected: 32 })
        );
        assert_eq!(
            EcdsaPublicKey::from_coordinates(Curve::P384, &[1; 48], &[1; 49]).err(),
            Some(EcKeyError::CoordinateLength { expected: 48 })
        );
    }

    #[test]
    fn a_point_off_the_curve_is_refused() {
        for curve in [Curve::P256, Curve::P384] {
            let len = curve.field_len();
            assert_eq!(
                EcdsaPublicKey::from_coordinates(curve, &vec![1; len], &vec![2; len]).err(),
                Some(EcKeyError::NotOnCurve)
            );
        }
    }
}

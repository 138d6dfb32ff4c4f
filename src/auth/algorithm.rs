//! The JWS algorithms Palisade verifies (RFC 7518 §3, RFC 8037), by their exact `alg` names, and
//! the kind of key each needs. `none` is not an algorithm here and can never be allowed.

use super::hash::HashFunction;
use std::fmt;

/// A JWS signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A shared secret (`kty: oct`).
    Secret,
    /// An RSA public key (`kty: RSA`).
    Rsa,
    /// A P-256 public key (`kty: EC`, `crv: P-256`).
    EcP256,
    /// A P-384 public key (`kty: EC`, `crv: P-384`).
    EcP384,
    /// An Ed25519 public key (`kty: OKP`, `crv: Ed25519`).
    Ed25519,
}

impl Algorithm {
    pub const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The algorithm named exactly `name` (names are case-sensitive, RFC 7515 §4.1.1).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    pub fn key_kind(self) -> KeyKind {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => KeyKind::Secret,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyKind::Rsa,
            Algorithm::ES256 => KeyKind::EcP256,
            Algorithm::ES384 => KeyKind::EcP384,
            Algorithm::EdDSA => KeyKind::Ed25519,
        }
    }

    /// The hash the algorithm uses (EdDSA hashes internally with SHA-512).
    pub fn hash(self) -> HashFunction {
        match self {
            Algorithm::HS256 | Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => HashFunction::Sha256,
            Algorithm::HS384 | Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => HashFunction::Sha384,
            Algorithm::HS512 | Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => HashFunction::Sha512,
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of algorithms (a provider's allow-list), as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AlgorithmSet(u16);

impl AlgorithmSet {
    /// Every asymmetric algorithm: the default allow-list. HMAC must be listed explicitly.
    pub fn asymmetric() -> AlgorithmSet {
        Algorithm::ALL.into_iter().filter(|a| a.key_kind() != KeyKind::Secret).collect()
    }

    pub fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }

    pub fn insert(&mut self, alg: Algorithm) {
        self.0 |= alg.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL.into_iter().filter(move |a| self.contains(*a))
    }
}

impl FromIterator<Algorithm> for AlgorithmSet {
    fn from_iter<I: IntoIterator<Item = Algorithm>>(iter: I) -> Self {
        let mut set = AlgorithmSet::default();
        for alg in iter {
            set.insert(alg);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_exact_and_none_is_not_an_algorithm() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
        }
        for name in ["none", "None", "NONE", "rs256", "Rs256", "ES512", "", "HS256 "] {
            assert_eq!(Algorithm::from_name(name), None, "{name}");
        }
    }

    #[test]
    fn the_default_allow_list_has_no_hmac() {
        let set = AlgorithmSet::asymmetric();
        assert!(set.contains(Algorithm::RS256) && set.contains(Algorithm::EdDSA));
        assert!(!set.contains(Algorithm::HS256));
        assert_eq!(set.iter().count(), 9);
    }
}

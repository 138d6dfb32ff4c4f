//! Why a credential was refused: one enum with stable reason codes for bodies, audit records and
//! metric names, and descriptions safe to show clients. No variant carries any part of a token or
//! a key; claim names appear only when the configuration named them.

use std::fmt;

/// A refused token or API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// No credential in any configured place.
    TokenMissing,
    /// Credentials in two places with different values.
    TokenAmbiguous,
    /// Longer than the provider's `max_token_bytes`.
    TokenTooLarge {
        limit: usize,
    },
    /// Not a well-formed JWS compact token; the text says which part.
    TokenMalformed(&'static str),
    /// A JWE (five segments): encrypted tokens are not accepted.
    TokenEncrypted,
    /// `alg` is `none` (any spelling) or not in the provider's allow-list.
    AlgNotAllowed,
    /// The header lists a critical extension (`crit`) that is not understood.
    UnsupportedCritical,
    /// `kid` names no usable key of the provider.
    UnknownKid,
    /// No `kid`, and no key of the provider can verify `alg`.
    NoMatchingKey,
    /// The provider has no keys yet (remote JWKS not fetched).
    KeysUnavailable,
    /// The signature does not verify.
    BadSignature,
    TokenExpired,
    /// `nbf` (or `iat`) lies in the future beyond the clock skew.
    TokenNotYetValid {
        claim: &'static str,
    },
    WrongIssuer,
    WrongAudience,
    /// A claim that must be present is missing (`exp`, or one of `required_claims`).
    MissingClaim(String),
    /// A registered claim has the wrong JSON type (e.g. `exp` is a string).
    InvalidClaim(&'static str),
    /// API key: none of the configured digests matches.
    ApiKeyInvalid,
    /// API key: past its `not_after`.
    ApiKeyExpired,
    /// API key: configured with `disabled: true`.
    ApiKeyDisabled,
}

impl AuthError {
    /// The stable reason code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::TokenMissing => "token_missing",
            AuthError::TokenAmbiguous => "token_ambiguous",
            AuthError::TokenTooLarge { .. } => "token_too_large",
            AuthError::TokenMalformed(_) => "token_malformed",
            AuthError::TokenEncrypted => "token_encrypted",
            AuthError::AlgNotAllowed => "alg_not_allowed",
            AuthError::UnsupportedCritical => "unsupported_crit",
            AuthError::UnknownKid => "unknown_kid",
            AuthError::NoMatchingKey => "no_matching_key",
            AuthError::KeysUnavailable => "keys_unavailable",
            AuthError::BadSignature => "bad_signature",
            AuthError::TokenExpired => "token_expired",
            AuthError::TokenNotYetValid { .. } => "token_not_yet_valid",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::MissingClaim(_) => "missing_claim",
            AuthError::InvalidClaim(_) => "invalid_claim",
            AuthError::ApiKeyInvalid => "api_key_invalid",
            AuthError::ApiKeyExpired => "api_key_expired",
            AuthError::ApiKeyDisabled => "api_key_disabled",
        }
    }

    /// HTTP status: 401, except 403 for a valid token meant for another audience (as Envoy's
    /// jwt_authn) and 400 for a request carrying two different credentials.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::WrongAudience => 403,
            AuthError::TokenAmbiguous => 400,
            _ => 401,
        }
    }

    /// RFC 6750 §3.1 error code for `WWW-Authenticate` (`None` when no credential was sent).
    pub fn bearer_error(&self) -> Option<&'static str> {
        match self {
            AuthError::TokenMissing => None,
            AuthError::TokenAmbiguous => Some("invalid_request"),
            AuthError::WrongAudience => Some("insufficient_scope"),
            _ => Some("invalid_token"),
        }
    }

    /// A sentence safe to show the client.
    pub fn description(&self) -> String {
        match self {
            AuthError::TokenMissing => "no credential was found in the request".into(),
            AuthError::TokenAmbiguous => "the request carries different credentials in two places".into(),
            AuthError::TokenTooLarge { limit } => format!("the token is longer than {limit} bytes"),
            AuthError::TokenMalformed(what) => format!("the token is malformed: {what}"),
            AuthError::TokenEncrypted => "encrypted tokens (JWE) are not accepted; send a signed token (JWS)".into(),
            AuthError::AlgNotAllowed => "the token's signature algorithm is not allowed".into(),
            AuthError::UnsupportedCritical => {
                "the token requires a header extension (crit) that is not supported".into()
            }
            AuthError::UnknownKid => "the token's key id (kid) names no known signing key".into(),
            AuthError::NoMatchingKey => "no signing key matches the token's algorithm".into(),
            AuthError::KeysUnavailable => "the signing keys are not available yet".into(),
            AuthError::BadSignature => "the token's signature is not valid".into(),
            AuthError::TokenExpired => "the token has expired".into(),
            AuthError::TokenNotYetValid { claim } => format!("the token is not valid yet ({claim} is in the future)"),
            AuthError::WrongIssuer => "the token was issued by an issuer that is not accepted".into(),
            AuthError::WrongAudience => "the token is not meant for this audience".into(),
            AuthError::MissingClaim(name) => format!("the token lacks the required claim {name}"),
            AuthError::InvalidClaim(name) => format!("the token's {name} claim has the wrong type"),
            AuthError::ApiKeyInvalid => "the API key is not valid".into(),
            AuthError::ApiKeyExpired => "the API key has expired".into(),
            AuthError::ApiKeyDisabled => "the API key is disabled".into(),
        }
    }

    /// Every code, for metrics and documentation.
    pub const CODES: [&'static str; 20] = [
        "token_missing",
        "token_ambiguous",
        "token_too_large",
        "token_malformed",
        "token_encrypted",
        "alg_not_allowed",
        "unsupported_crit",
        "unknown_kid",
        "no_matching_key",
        "keys_unavailable",
        "bad_signature",
        "token_expired",
        "token_not_yet_valid",
        "wrong_issuer",
        "wrong_audience",
        "missing_claim",
        "invalid_claim",
        "api_key_invalid",
        "api_key_expired",
        "api_key_disabled",
    ];
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for AuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_listed() {
        let mut codes = AuthError::CODES.to_vec();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), AuthError::CODES.len());
        assert!(AuthError::CODES.contains(&AuthError::MissingClaim("x".into()).code()));
        assert!(AuthError::CODES.contains(&AuthError::TokenNotYetValid { claim: "nbf" }.code()));
    }

    #[test]
    fn wrong_audience_is_403_and_the_rest_401() {
        assert_eq!(AuthError::WrongAudience.status(), 403);
        assert_eq!(AuthError::BadSignature.status(), 401);
        assert_eq!(AuthError::TokenMissing.bearer_error(), None);
    }
}

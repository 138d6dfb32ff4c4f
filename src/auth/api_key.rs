//! API keys configured only as SHA-256 digests, each naming a consumer with scopes, an optional
//! `not_after` and a `disabled` switch. A presented key is hashed, then its digest looked up;
//! nothing here ever holds or logs a key in plain text.

use super::base64url;
use super::error::AuthError;
use super::extract::{self, CredentialSource, FoundCredential};
use super::hash::sha256;
use super::timestamp::Timestamp;
use crate::config::ConfigError;
use crate::request::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use subtle::ConstantTimeEq;

/// Where API keys are read and which keys are known.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeysConfig {
    /// Headers carrying the key (value used whole). Default, when no source is set: `x-api-key`.
    #[serde(default)]
    pub from_headers: Vec<String>,
    /// Query parameters carrying the key (discouraged: URLs end up in logs).
    #[serde(default)]
    pub from_params: Vec<String>,
    /// Cookies carrying the key.
    #[serde(default)]
    pub from_cookies: Vec<String>,
    /// Keep the key in the request sent upstream (default: removed).
    #[serde(default)]
    pub forward: bool,
    /// The known keys.
    #[serde(default)]
    pub keys: Vec<ApiKeyConfig>,
}

/// One known key.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// SHA-256 of the key, as 64 hex digits or 43 base64url characters (no padding).
    pub sha256: String,
    /// Who uses the key (audit records, rate-limit descriptors, upstream header).
    pub consumer: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Last moment the key is accepted: RFC 3339 (`2027-01-31T00:00:00Z`) or epoch seconds.
    #[serde(default)]
    pub not_after: Option<Timestamp>,
    /// Refuse the key (kept in configuration to say it was revoked).
    #[serde(default)]
    pub disabled: bool,
}

/// A consumer identified by an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyConsumer {
    pub consumer: String,
    pub scopes: Vec<String>,
    /// `not_after` in seconds since the epoch.
    pub not_after: Option<u64>,
    pub disabled: bool,
}

/// Compiled API keys: a map from digest to consumer.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    sources: Vec<CredentialSource>,
    pub forward: bool,
    by_digest: HashMap<[u8; 32], usize>,
    consumers: Vec<([u8; 32], ApiKeyConsumer)>,
}

/// Reads a digest written as 64 hex digits or 43 base64url characters.
fn parse_digest(text: &str) -> Option<[u8; 32]> {
    let bytes = if text.len() == 64 {
        (0..32).map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()).collect::<Option<Vec<u8>>>()?
    } else {
        base64url::decode(text.as_bytes())?
    };
    bytes.try_into().ok()
}

impl ApiKeys {
    /// Validates and compiles; errors carry paths under `path`.
    pub fn compile(config: &ApiKeysConfig, path: &str) -> Result<ApiKeys, Vec<ConfigError>> {
        let at = |field: &str| if path.is_empty() { field.to_string() } else { format!("{path}.{field}") };
        let mut errors = Vec::new();
        let mut sources: Vec<CredentialSource> = Vec::new();
        for (i, h) in config.from_headers.iter().enumerate() {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                errors.push(ConfigError::new(at(&format!("from_headers[{i}]")), "not a valid header name"));
            }
            sources.push(CredentialSource::Header { name: h.to_ascii_lowercase(), prefix: None });
        }
        sources.extend(config.from_params.iter().cloned().map(CredentialSource::QueryParam));
        sources.extend(config.from_cookies.iter().cloned().map(CredentialSource::Cookie));
        if sources.is_empty() {
            sources.push(CredentialSource::Header { name: "x-api-key".into(), prefix: None });
        }
        let mut by_digest = HashMap::new();
        let mut consumers = Vec::new();
        for (i, key) in config.keys.iter().enumerate() {
            let digest = parse_digest(&key.sha256);
            if digest.is_none() {
                errors.push(ConfigError::new(
                    at(&format!("keys[{i}].sha256")),
                    "must be the SHA-256 of the key: 64 hex digits or 43 base64url characters (never the key itself)",
                ));
            }
            if key.consumer.is_empty() {
                errors.push(ConfigError::new(at(&format!("keys[{i}].consumer")), "must not be empty"));
            }
            let not_after = match &key.not_after {
                None => None,
                Some(t) => match t.epoch_seconds() {
                    Some(s) => Some(s),
                    None => {
                        errors.push(ConfigError::new(
                            at(&format!("keys[{i}].not_after")),
                            "must be an RFC 3339 date-time (2027-01-31T00:00:00Z) or epoch seconds",
                        ));
                        None
                    }
                },
            };
            if let Some(digest) = digest {
                if let Some(first) = by_digest.insert(digest, consumers.len()) {
                    errors.push(ConfigError::new(
                        at(&format!("keys[{i}].sha256")),
                        format!("the same digest as keys[{first}]"),
                    ));
                }
                consumers.push((
                    digest,
                    ApiKeyConsumer {
                        consumer: key.consumer.clone(),
                        scopes: key.scopes.clone(),
                        not_after,
                        disabled: key.disabled,
                    },
                ));
            }
        }
        if errors.is_empty() {
            Ok(ApiKeys { sources, forward: config.forward, by_digest, consumers })
        } else {
            Err(errors)
        }
    }

    /// The API key in `request`, if any.
    pub fn find_key(&self, request: &Request) -> Result<Option<FoundCredential>, AuthError> {
        extract::find(request, &self.sources)
    }

    /// The consumer of `presented` at `now` (seconds since the epoch). The key is hashed first,
    /// so the map lookup only ever sees a SHA-256 digest; the final comparison of the digests
    /// is constant-time.
    pub fn check(&self, presented: &[u8], now: u64) -> Result<&ApiKeyConsumer, AuthError> {
        let digest = sha256(presented);
        let (stored, consumer) =
            self.by_digest.get(&digest).and_then(|i| self.consumers.get(*i)).ok_or(AuthError::ApiKeyInvalid)?;
        if !bool::from(stored.ct_eq(&digest)) {
            return Err(AuthError::ApiKeyInvalid);
        }
        if consumer.disabled {
            return Err(AuthError::ApiKeyDisabled);
        }
        if consumer.not_after.is_some_and(|t| now > t) {
            return Err(AuthError::ApiKeyExpired);
        }
        Ok(consumer)
    }

    /// Finds and checks the request's API key. `TokenMissing` when there is none.
    pub fn authenticate(&self, request: &Request, now: u64) -> Result<(&ApiKeyConsumer, FoundCredential), AuthError> {
        let found = self.find_key(request)?.ok_or(AuthError::TokenMissing)?;
        let consumer = self.check(&found.value, now)?;
        Ok((consumer, found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 32]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn config() -> ApiKeysConfig {
        serde_json::from_value(serde_json::json!({
            "from_headers": ["X-Api-Key"],
            "keys": [
                {"sha256": hex(sha256(b"alpha-key")), "consumer": "alpha", "scopes": ["read"]},
                {"sha256": base64url::encode(&sha256(b"beta-key")), "consumer": "beta", "not_after": "2023-11-14T22:13:20Z"},
                {"sha256": hex(sha256(b"gamma-key")), "consumer": "gamma", "disabled": true},
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_known_key_names_its_consumer() {
        let keys = ApiKeys::compile(&config(), "").unwrap();
        assert_eq!(keys.check(b"alpha-key", 0).unwrap().consumer, "alpha");
        assert_eq!(keys.check(b"beta-key", 1_700_000_000).unwrap().consumer, "beta");
    }

    #[test]
    fn unknown_expired_and_disabled_keys_are_refused() {
        let keys = ApiKeys::compile(&config(), "").unwrap();
        assert_eq!(keys.check(b"alpha-kez", 0), Err(AuthError::ApiKeyInvalid));
        assert_eq!(keys.check(b"", 0), Err(AuthError::ApiKeyInvalid));
        assert_eq!(keys.check(b"beta-key", 1_700_000_001), Err(AuthError::ApiKeyExpired));
        assert_eq!(keys.check(b"gamma-key", 0), Err(AuthError::ApiKeyDisabled));
        // The digest itself is not a key.
        assert_eq!(keys.check(hex(sha256(b"alpha-key")).as_bytes(), 0), Err(AuthError::ApiKeyInvalid));
    }

    #[test]
    fn keys_are_read_from_the_configured_header() {
        let keys = ApiKeys::compile(&config(), "").unwrap();
        let r = Request::from_headers(vec![("x-api-key".into(), b"alpha-key".to_vec())]);
        let (consumer, found) = keys.authenticate(&r, 0).unwrap();
        assert_eq!(consumer.consumer, "alpha");
        assert_eq!(found.locations, [extract::CredentialLocation::Header("x-api-key".into())]);
        assert_eq!(keys.authenticate(&Request::default(), 0).unwrap_err(), AuthError::TokenMissing);
    }

    #[test]
    fn bad_digests_dates_and_duplicates_are_reported_with_paths() {
        let mut c = config();
        c.keys[0].sha256 = "alpha-key".into();
        c.keys[1].not_after = Some(Timestamp::Rfc3339("next week".into()));
        c.keys[2].sha256 = c.keys[1].sha256.clone();
        let paths: Vec<String> = ApiKeys::compile(&c, "api_keys").unwrap_err().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["api_keys.keys[0].sha256", "api_keys.keys[1].not_after", "api_keys.keys[2].sha256"]);
    }
}

//! OAuth 2.0 token introspection (RFC 7662) for opaque tokens: the request Palisade sends to the
//! authorization server, how its answer becomes an identity, and a bounded cache of answers
//! (positive until the token's `exp`, at most `cache_seconds`; negative for `negative_cache_seconds`).
//! The host glue performs the call; nothing here logs or returns the token or the client secret.

use super::base64url;
use super::hash::sha256;
use crate::config::ConfigError;
use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// The `auth.introspection` section.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectionConfig {
    /// Envoy cluster of the authorization server.
    pub cluster: String,
    /// Introspection endpoint URI (its authority and path are sent to `cluster`).
    pub uri: String,
    /// Client id for HTTP Basic authentication to the endpoint.
    pub client_id: String,
    /// Client secret for HTTP Basic authentication (keep the configuration itself secret).
    pub client_secret: String,
    /// Request timeout in milliseconds (default 2000).
    #[serde(default = "IntrospectionConfig::default_timeout_ms")]
    pub timeout_ms: u64,
    /// Longest time an active answer is reused, in seconds (default 300; never past `exp`).
    #[serde(default = "IntrospectionConfig::default_cache_seconds")]
    pub cache_seconds: u64,
    /// How long an inactive answer is reused, in seconds (default 10).
    #[serde(default = "IntrospectionConfig::default_negative_cache_seconds")]
    pub negative_cache_seconds: u64,
    /// Answers kept per Envoy worker (default 4096).
    #[serde(default = "IntrospectionConfig::default_cache_entries")]
    pub cache_entries: usize,
}

impl IntrospectionConfig {
    pub const fn default_timeout_ms() -> u64 {
        2_000
    }
    pub const fn default_cache_seconds() -> u64 {
        300
    }
    pub const fn default_negative_cache_seconds() -> u64 {
        10
    }
    pub const fn default_cache_entries() -> usize {
        4_096
    }
}

/// What an active token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introspected {
    /// `sub`, or else `client_id`.
    pub consumer: Option<String>,
    pub scopes: Vec<String>,
    /// `exp`, seconds since the epoch.
    pub expires_at: Option<u64>,
}

/// The call to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntrospectionCall {
    pub cluster: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout_ms: u64,
}

/// The compiled introspection client with its per-worker cache.
#[derive(Debug)]
pub struct Introspection {
    cluster: String,
    authority: String,
    path: String,
    basic: String,
    timeout_ms: u64,
    cache_ms: u64,
    negative_ms: u64,
    capacity: usize,
    cache: Mutex<AnswerCache>,
}

/// Token digest → (reusable until, ms since the epoch; the answer, `None` when inactive).
type AnswerCache = HashMap<[u8; 32], (u64, Option<Introspected>)>;

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for &b in value {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Introspection {
    pub fn compile(cfg: &IntrospectionConfig, at: &str, errors: &mut Vec<ConfigError>) -> Option<Introspection> {
        let Some((authority, path)) = super::jwks_refresh::split_uri(&cfg.uri) else {
            errors.push(ConfigError::new(format!("{at}.uri"), "an http:// or https:// URI with a host"));
            return None;
        };
        if cfg.cluster.is_empty() {
            errors
                .push(ConfigError::new(format!("{at}.cluster"), "name the Envoy cluster of the authorization server"));
        }
        if cfg.client_id.is_empty() || cfg.client_secret.is_empty() {
            errors.push(ConfigError::new(at.to_string(), "client_id and client_secret are required"));
        }
        if !(1..=60_000).contains(&cfg.timeout_ms) {
            errors.push(ConfigError::new(format!("{at}.timeout_ms"), "between 1 and 60000"));
        }
        if !(1..=1_000_000).contains(&cfg.cache_entries) {
            errors.push(ConfigError::new(format!("{at}.cache_entries"), "between 1 and 1000000"));
        }
        // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding.
        let credentials =
            format!("{}:{}", form_encode(cfg.client_id.as_bytes()), form_encode(cfg.client_secret.as_bytes()));
        let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials));
        Some(Introspection {
            cluster: cfg.cluster.clone(),
            authority,
            path,
            basic,
            timeout_ms: cfg.timeout_ms,
            cache_ms: cfg.cache_seconds.saturating_mul(1000),
            negative_ms: cfg.negative_cache_seconds.saturating_mul(1000),
            capacity: cfg.cache_entries.max(1),
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn digest(token: &[u8]) -> [u8; 32] {
        sha256(token)
    }

    /// A cached answer: `Some(Some(_))` active, `Some(None)` inactive, `None` unknown.
    pub fn cached(&self, digest: &[u8; 32], now_ms: u64) -> Option<Option<Introspected>> {
        let cache = self.cache.lock().ok()?;
        match cache.get(digest) {
            Some((until, answer)) if *until > now_ms => Some(answer.clone()),
            _ => None,
        }
    }

    /// The RFC 7662 request for `token`.
    pub fn call(&self, token: &[u8]) -> IntrospectionCall {
        let body = format!("token={}&token_type_hint=access_token", form_encode(token)).into_bytes();
        IntrospectionCall {
            cluster: self.cluster.clone(),
            headers: vec![
                (":method".into(), "POST".into()),
                (":path".into(), self.path.clone()),
                (":authority".into(), self.authority.clone()),
                ("content-type".into(), "application/x-www-form-urlencoded".into()),
                ("accept".into(), "application/json".into()),
                ("authorization".into(), self.basic.clone()),
            ],
            body,
            timeout_ms: self.timeout_ms,
        }
    }

    /// Reads the server's answer. `Ok(Some)` active, `Ok(None)` inactive (both cached),
    /// `Err` when the call failed or the answer is unreadable (not cached: fail closed).
    pub fn answer(
        &self,
        digest: [u8; 32],
        status: Option<u16>,
        body: &[u8],
        now_ms: u64,
    ) -> Result<Option<Introspected>, String> {
        if status != Some(200) {
            return Err(format!(
                "introspection endpoint answered {}",
                status.map(|s| s.to_string()).unwrap_or_else(|| "nothing (timeout or no upstream)".into())
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| "introspection answer is not JSON".to_string())?;
        let active = v
            .get("active")
            .and_then(serde_json::Value::as_bool)
            .ok_or("introspection answer has no boolean \"active\"")?;
        let now_s = now_ms / 1000;
        let exp = v.get("exp").and_then(serde_json::Value::as_u64);
        let answer = if active && exp.is_none_or(|e| e > now_s) {
            let text = |k: &str| v.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
            Some(Introspected {
                consumer: text("sub").or_else(|| text("client_id")),
                scopes: text("scope")
                    .map(|s| s.split(' ').filter(|x| !x.is_empty()).map(str::to_string).collect())
                    .unwrap_or_default(),
                expires_at: exp,
            })
        } else {
            None
        };
        let until = match (&answer, exp) {
            (Some(_), Some(e)) => (e.saturating_mul(1000)).min(now_ms.saturating_add(self.cache_ms)),
            (Some(_), None) => now_ms.saturating_add(self.cache_ms),
            (None, _) => now_ms.saturating_add(self.negative_ms),
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= self.capacity {
                cache.retain(|_, (u, _)| *u > now_ms);
                if cache.len() >= self.capacity {
                    // Still full of live answers: forget one (a later request asks again).
                    if let Some(k) = cache.keys().next().copied() {
                        cache.remove(&k);
                    }
                }
            }
            cache.insert(digest, (until, answer.clone()));
        }
        Ok(answer)
    }
}

/// A token that is clearly not for a JWT provider (not three dot-separated parts).
pub fn looks_opaque(token: &[u8]) -> bool {
    token.iter().filter(|b| **b == b'.').count() != 2
        || base64url::decode(token.split(|b| *b == b'.').next().unwrap_or(&[])).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Introspection {
        let cfg: IntrospectionConfig = serde_json::from_value(serde_json::json!({
            "cluster": "idp", "uri": "https://idp.example/oauth2/introspect",
            "client_id": "palisade", "client_secret": "s3cr:et"
        }))
        .unwrap();
        let mut errors = Vec::new();
        let c = Introspection::compile(&cfg, "auth.introspection", &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        c
    }

    #[test]
    fn the_request_is_an_rfc7662_form_post_with_basic_client_authentication() {
        let call = client().call(b"opaque token+/=");
        let h = |n: &str| call.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(h(":method"), "POST");
        assert_eq!(h(":path"), "/oauth2/introspect");
        assert_eq!(h(":authority"), "idp.example");
        // base64("palisade:s3cr%3Aet")
        assert_eq!(h("authorization"), "Basic cGFsaXNhZGU6czNjciUzQWV0");
        assert_eq!(call.body, b"token=opaque+token%2B%2F%3D&token_type_hint=access_token");
    }

    #[test]
    fn active_answers_are_cached_until_exp_and_inactive_ones_briefly() {
        let c = client();
        let now = 1_700_000_000_000;
        let d = Introspection::digest(b"t1");
        let a = c
            .answer(d, Some(200), br#"{"active": true, "sub": "u1", "scope": "read write", "exp": 1700000060}"#, now)
            .unwrap();
        assert_eq!(a.as_ref().unwrap().consumer.as_deref(), Some("u1"));
        assert_eq!(a.as_ref().unwrap().scopes, vec!["read", "write"]);
        assert!(c.cached(&d, now + 59_000).unwrap().is_some());
        assert!(c.cached(&d, now + 61_000).is_none(), "not past exp");
        let d2 = Introspection::digest(b"t2");
        assert_eq!(c.answer(d2, Some(200), br#"{"active": false}"#, now).unwrap(), None);
        assert_eq!(c.cached(&d2, now + 5_000), Some(None));
        assert_eq!(c.cached(&d2, now + 11_000), None);
    }

    #[test]
    fn failures_and_unreadable_answers_are_errors_and_not_cached() {
        let c = client();
        let d = Introspection::digest(b"t");
        assert!(c.answer(d, None, b"", 0).is_err());
        assert!(c.answer(d, Some(500), b"{}", 0).is_err());
        assert!(c.answer(d, Some(200), b"<html>", 0).is_err());
        assert!(c.answer(d, Some(200), br#"{"active": "yes"}"#, 0).is_err());
        assert!(c.cached(&d, 0).is_none());
    }

    #[test]
    fn jwt_shaped_tokens_are_not_opaque() {
        assert!(!looks_opaque(b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
        assert!(looks_opaque(b"2YotnFZFEjr1zCsicMWpAA"));
        assert!(looks_opaque(b"a.b"));
    }
}

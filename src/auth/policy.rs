//! Authentication and authorization as policies use them: the global `auth` section (JWT
//! providers, API keys, headers sent upstream) and each policy's `auth` (required / optional /
//! none, accepted methods, scopes, claim conditions). Compiled once; the engine's auth stage only
//! reads it. Never logs or returns a credential.

use super::api_key::{ApiKeys, ApiKeysConfig};
use super::cache::{TokenCache, TokenCacheConfig};
use super::claims::ClaimPath;
use super::error::AuthError;
use super::extract::{find, CredentialLocation, CredentialSource, FoundCredential};
use super::introspection::{Introspected, Introspection, IntrospectionCall, IntrospectionConfig};
use super::provider::{JwtProvider, JwtProviderConfig};
use super::verified::VerifiedToken;
use crate::config::ConfigError;
use crate::denial::{Denial, Reason};
use crate::request::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The global `auth` section.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// JWT providers by name; a token goes to the provider whose `issuer` matches its `iss`.
    #[serde(default)]
    pub jwt_providers: BTreeMap<String, JwtProviderConfig>,
    /// API keys (configured as SHA-256 digests only).
    #[serde(default)]
    pub api_keys: Option<ApiKeysConfig>,
    /// Request header carrying the authenticated consumer (JWT `sub` or API-key consumer) to the
    /// upstream. Any incoming header of this name is removed first. `null`: no such header (for
    /// example when `claim_to_headers` already sends `sub`).
    #[serde(default = "AuthConfig::default_consumer_header")]
    pub consumer_header: Option<String>,
    /// `realm` of `WWW-Authenticate` challenges.
    #[serde(default = "AuthConfig::default_realm")]
    pub realm: String,
    /// Verified-token cache of each Envoy worker.
    #[serde(default)]
    pub token_cache: TokenCacheConfig,
    /// OAuth 2.0 token introspection (RFC 7662) for opaque bearer tokens.
    #[serde(default)]
    pub introspection: Option<IntrospectionConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            jwt_providers: BTreeMap::new(),
            api_keys: None,
            consumer_header: Self::default_consumer_header(),
            realm: Self::default_realm(),
            token_cache: TokenCacheConfig::default(),
            introspection: None,
        }
    }
}

impl AuthConfig {
    pub fn default_consumer_header() -> Option<String> {
        Some("x-consumer-id".to_string())
    }
    pub fn default_realm() -> String {
        "api".to_string()
    }
}

/// Whether a policy needs credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthRequirement {
    /// No credentials are read.
    #[default]
    None,
    /// Credentials are checked when present (a bad one is refused); anonymous requests pass.
    Optional,
    /// A valid credential is needed (401 otherwise).
    Required,
}

/// A way to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Jwt,
    ApiKey,
    /// OAuth 2.0 token introspection of opaque bearer tokens.
    Introspection,
}

/// Scopes a request must have.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopesConfig {
    /// Every one of these.
    #[serde(default)]
    pub all_of: Vec<String>,
    /// At least one of these (when not empty).
    #[serde(default)]
    pub any_of: Vec<String>,
}

/// A condition on a verified token's claim: exactly one of `equals` and `one_of`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimCondition {
    /// Claim name; a dotted path reaches nested claims.
    pub claim: String,
    #[serde(default)]
    pub equals: Option<String>,
    #[serde(default)]
    pub one_of: Vec<String>,
}

/// A policy's `auth`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyAuthConfig {
    /// `none` (default), `optional` or `required`.
    #[serde(default)]
    pub require: AuthRequirement,
    /// Accepted methods; default: every method configured in `auth`.
    #[serde(default)]
    pub methods: Option<Vec<AuthMethod>>,
    /// JWT providers accepted on this policy (names in `auth.jwt_providers`); default: all.
    #[serde(default)]
    pub jwt_providers: Option<Vec<String>>,
    /// Scopes required (from `scope` / `scp` claims or the API key's scopes).
    #[serde(default)]
    pub scopes: ScopesConfig,
    /// Conditions on JWT claims (an API-key consumer has no claims and fails them).
    #[serde(default)]
    pub claims: Vec<ClaimCondition>,
    /// When the introspection endpoint fails or times out: `deny` (503, default) or `allow`
    /// (the request counts as anonymous).
    #[serde(default)]
    pub on_introspection_error: IntrospectionErrorPolicy,
}

/// The compiled global auth section, with each worker's token cache.
#[derive(Debug)]
pub struct Authenticators {
    pub providers: Vec<JwtProvider>,
    pub api_keys: Option<ApiKeys>,
    /// The header naming the consumer upstream, unless the configuration turned it off.
    pub consumer_header: Option<String>,
    pub realm: String,
    /// Headers Palisade sets from credentials; removed from every incoming request first.
    pub managed_headers: Vec<String>,
    pub cache: Mutex<TokenCache>,
    pub introspection: Option<Introspection>,
    /// Shared-data slots for verifications shared by the workers (0: off).
    pub shared_slots: u32,
    pub max_age_ms: u64,
    /// Per provider: its audit label (`jwt:<name>`) and its success metric, built once.
    jwt_labels: Vec<(String, String)>,
}

/// A compiled condition.
#[derive(Debug)]
struct Condition {
    path: ClaimPath,
    allowed: Vec<String>,
}

/// A policy's compiled auth.
#[derive(Debug, Default)]
pub struct PolicyAuth {
    pub require: AuthRequirement,
    jwt: bool,
    api_key: bool,
    introspection: bool,
    on_introspection_error: IntrospectionErrorPolicy,
    /// Indices into `Authenticators::providers`; empty with `jwt` means all.
    providers: Vec<usize>,
    all_of: Vec<String>,
    any_of: Vec<String>,
    conditions: Vec<Condition>,
}

/// What authentication decided, or the introspection call it needs first.
#[derive(Debug)]
pub enum AuthStep {
    /// `None`: anonymous on an optional policy.
    Identified(Option<Identity>),
    /// Ask the authorization server, then call `PolicyAuth::introspected`.
    Introspect { call: IntrospectionCall, digest: [u8; 32], found: FoundCredential },
}

/// A value that can go into a request header as it is: printable, no line breaks, bounded.
fn header_safe(s: &str) -> bool {
    !s.is_empty() && s.len() <= 1024 && s.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
}

fn introspected_identity(answer: Introspected, found: FoundCredential) -> Identity {
    Identity {
        consumer: answer.consumer.filter(|s| header_safe(s)),
        via: AuthVia::Introspection,
        scopes: answer.scopes,
        token: None,
        found: Some(found),
        forward: false,
    }
}

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    /// A JWT of the provider at this index in `Authenticators::providers`.
    Jwt(usize),
    ApiKey,
    Introspection,
}

/// What to do when the introspection endpoint cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum IntrospectionErrorPolicy {
    /// 503 with `Retry-After` (fail closed).
    #[default]
    Deny,
    /// Treat the request as anonymous (a `required` policy still answers 401).
    Allow,
}

/// Who the request is.
#[derive(Debug, Clone)]
pub struct Identity {
    /// JWT `sub` or API-key consumer id.
    pub consumer: Option<String>,
    /// `jwt:<provider>`, `api_key` or `introspection`.
    pub via: AuthVia,
    /// Scopes of an API key or an introspected token; a JWT's stay in `token`
    /// (`granted_scopes` reads either).
    pub scopes: Vec<String>,
    /// The verified token (for claim conditions and claim headers).
    pub token: Option<Arc<VerifiedToken>>,
    /// Where the credential was (to strip unless forwarded).
    pub found: Option<FoundCredential>,
    pub forward: bool,
}

impl Identity {
    /// The scopes granted: the verified token's, else those of the API key or introspection.
    pub fn granted_scopes(&self) -> &[String] {
        match &self.token {
            Some(t) => &t.scopes,
            None => &self.scopes,
        }
    }
}

fn valid_header(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Authenticators {
    /// Compiles `auth`; `kept_claims` are claim paths policies look at (conditions, rate-limit
    /// keys), kept in verified tokens.
    pub fn compile(cfg: &AuthConfig, kept_claims: &[String], errors: &mut Vec<ConfigError>) -> Authenticators {
        let mut providers = Vec::new();
        for (name, p) in &cfg.jwt_providers {
            if name.is_empty()
                || name.len() > 64
                || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                errors.push(ConfigError::new(
                    format!("auth.jwt_providers.{name}"),
                    "a provider name uses letters, digits, '-' and '_' (at most 64); it names metrics and shared data",
                ));
            }
            match JwtProvider::compile(name, p, &format!("auth.jwt_providers.{name}")) {
                Ok(mut provider) => {
                    provider.kept_claims = kept_claims.iter().filter_map(|c| ClaimPath::new(c)).collect();
                    providers.push(provider);
                }
                Err(more) => errors.extend(more),
            }
        }
        let api_keys = cfg.api_keys.as_ref().and_then(|k| match ApiKeys::compile(k, "auth.api_keys") {
            Ok(keys) => Some(keys),
            Err(more) => {
                errors.extend(more);
                None
            }
        });
        let consumer_header = cfg.consumer_header.as_ref().map(|h| h.to_ascii_lowercase());
        if consumer_header.as_ref().is_some_and(|h| !valid_header(h)) {
            errors.push(ConfigError::new("auth.consumer_header", "not a valid header name"));
        }
        if cfg.realm.contains(['"', '\\']) || cfg.realm.chars().any(char::is_control) {
            errors.push(ConfigError::new("auth.realm", "must not contain quotes, backslashes or control characters"));
        }
        let mut managed_headers: Vec<String> = consumer_header.iter().cloned().collect();
        for p in cfg.jwt_providers.values() {
            for c in &p.claim_to_headers {
                let h = c.header.to_ascii_lowercase();
                if !managed_headers.contains(&h) {
                    managed_headers.push(h);
                }
            }
        }
        Authenticators {
            providers,
            api_keys,
            consumer_header,
            realm: cfg.realm.clone(),
            managed_headers,
            cache: Mutex::new(TokenCache::new(cfg.token_cache)),
            jwt_labels: cfg
                .jwt_providers
                .keys()
                .map(|name| (format!("jwt:{name}"), format!("palisade.auth.jwt.{name}.authenticated")))
                .collect(),
            shared_slots: if cfg.token_cache.capacity == 0 { 0 } else { cfg.token_cache.shared_slots.min(65_536) },
            max_age_ms: cfg.token_cache.max_age_seconds.saturating_mul(1000),
            introspection: cfg
                .introspection
                .as_ref()
                .and_then(|c| Introspection::compile(c, "auth.introspection", errors)),
        }
    }

    /// How a request authenticated, as audit records say it: `jwt:<provider>`, `api_key`,
    /// `introspection`.
    pub fn label(&self, via: AuthVia) -> &str {
        match via {
            AuthVia::Jwt(i) => self.jwt_labels.get(i).map(|(l, _)| l.as_str()).unwrap_or("jwt"),
            AuthVia::ApiKey => "api_key",
            AuthVia::Introspection => "introspection",
        }
    }

    /// The counter of successful authentications by this method (names from configuration).
    pub fn metric(&self, via: AuthVia) -> &str {
        match via {
            AuthVia::Jwt(i) => {
                self.jwt_labels.get(i).map(|(_, m)| m.as_str()).unwrap_or("palisade.auth.jwt.authenticated")
            }
            AuthVia::ApiKey => "palisade.auth.api_key.authenticated",
            AuthVia::Introspection => "palisade.auth.introspection.authenticated",
        }
    }

    fn provider_index(&self, name: &str) -> Option<usize> {
        self.providers.iter().position(|p| p.name == name)
    }
}

impl PolicyAuth {
    pub fn compile(
        cfg: &PolicyAuthConfig,
        auth: &Authenticators,
        at: &str,
        errors: &mut Vec<ConfigError>,
    ) -> PolicyAuth {
        let methods = cfg.methods.clone().unwrap_or_else(|| {
            let mut m = Vec::new();
            if !auth.providers.is_empty() {
                m.push(AuthMethod::Jwt);
            }
            if auth.api_keys.is_some() {
                m.push(AuthMethod::ApiKey);
            }
            if auth.introspection.is_some() {
                m.push(AuthMethod::Introspection);
            }
            m
        });
        let introspection = methods.contains(&AuthMethod::Introspection);
        if introspection && auth.introspection.is_none() && cfg.methods.is_some() {
            errors.push(ConfigError::new(format!("{at}.methods"), "\"introspection\" needs auth.introspection"));
        }
        let jwt = methods.contains(&AuthMethod::Jwt);
        let api_key = methods.contains(&AuthMethod::ApiKey);
        if cfg.require != AuthRequirement::None && !jwt && !api_key && !introspection {
            errors.push(ConfigError::new(
                format!("{at}.require"),
                "authentication is required but no method is available: configure auth.jwt_providers or auth.api_keys",
            ));
        }
        if jwt && auth.providers.is_empty() && cfg.methods.is_some() {
            errors.push(ConfigError::new(
                format!("{at}.methods"),
                "\"jwt\" needs at least one entry in auth.jwt_providers",
            ));
        }
        if api_key && auth.api_keys.is_none() && cfg.methods.is_some() {
            errors.push(ConfigError::new(format!("{at}.methods"), "\"api_key\" needs auth.api_keys"));
        }
        let mut providers = Vec::new();
        for (i, name) in cfg.jwt_providers.iter().flatten().enumerate() {
            match auth.provider_index(name) {
                Some(p) => providers.push(p),
                None => errors.push(ConfigError::new(
                    format!("{at}.jwt_providers[{i}]"),
                    format!("no provider named \"{name}\" in auth.jwt_providers"),
                )),
            }
        }
        let mut conditions = Vec::new();
        for (i, c) in cfg.claims.iter().enumerate() {
            let allowed: Vec<String> = match (&c.equals, c.one_of.is_empty()) {
                (Some(v), true) => vec![v.clone()],
                (None, false) => c.one_of.clone(),
                _ => {
                    errors.push(ConfigError::new(
                        format!("{at}.claims[{i}]"),
                        "give exactly one of \"equals\" and \"one_of\"",
                    ));
                    continue;
                }
            };
            match ClaimPath::new(&c.claim) {
                Some(path) => conditions.push(Condition { path, allowed }),
                None => {
                    errors.push(ConfigError::new(format!("{at}.claims[{i}].claim"), "not a claim name or dotted path"))
                }
            }
        }
        if (!cfg.scopes.all_of.is_empty() || !cfg.scopes.any_of.is_empty() || !cfg.claims.is_empty())
            && cfg.require == AuthRequirement::None
        {
            errors.push(ConfigError::new(
                format!("{at}.require"),
                "scopes and claim conditions need \"require\": \"required\" (or \"optional\")",
            ));
        }
        for (list, name) in [(&cfg.scopes.all_of, "all_of"), (&cfg.scopes.any_of, "any_of")] {
            for (i, s) in list.iter().enumerate() {
                if s.is_empty() || s.contains([' ', '"', '\\']) || s.chars().any(char::is_control) {
                    errors.push(ConfigError::new(
                        format!("{at}.scopes.{name}[{i}]"),
                        "a scope is one word without quotes",
                    ));
                }
            }
        }
        PolicyAuth {
            require: cfg.require,
            jwt,
            api_key,
            introspection,
            on_introspection_error: cfg.on_introspection_error,
            providers,
            all_of: cfg.scopes.all_of.clone(),
            any_of: cfg.scopes.any_of.clone(),
            conditions,
        }
    }

    /// Claim paths this policy needs from verified tokens.
    pub fn claim_paths(cfg: &PolicyAuthConfig) -> Vec<String> {
        cfg.claims.iter().map(|c| c.claim.clone()).collect()
    }

    /// Authenticates: `Ok(None)` for an anonymous request that may pass, `Ok(Some)` for a
    /// verified identity, `Err` for a 401.
    pub fn authenticate(
        &self,
        auth: &Authenticators,
        req: &Request,
        now_s: u64,
        host: &dyn crate::host::Host,
    ) -> Result<AuthStep, Denial> {
        if self.require == AuthRequirement::None {
            return Ok(AuthStep::Identified(None));
        }
        let mut missing = true;
        if self.api_key {
            if let Some(keys) = &auth.api_keys {
                match keys.authenticate(req, now_s) {
                    Ok((consumer, found)) => {
                        return Ok(AuthStep::Identified(Some(Identity {
                            consumer: Some(consumer.consumer.clone()),
                            via: AuthVia::ApiKey,
                            scopes: consumer.scopes.clone(),
                            token: None,
                            found: Some(found),
                            forward: keys.forward,
                        })))
                    }
                    Err(AuthError::TokenMissing) => {}
                    Err(e) => return Err(self.unauthenticated(auth, &e)),
                }
            }
        }
        if self.jwt {
            let mut cache = match auth.cache.lock() {
                Ok(c) => c,
                Err(poisoned) => poisoned.into_inner(),
            };
            let mut first_error: Option<AuthError> = None;
            for (i, provider) in auth.providers.iter().enumerate() {
                if !self.providers.is_empty() && !self.providers.contains(&i) {
                    continue;
                }
                let shared = (auth.shared_slots, auth.max_age_ms);
                let attempt = provider.find_token(req).and_then(|found| {
                    let found = found.ok_or(AuthError::TokenMissing)?;
                    let (token, cached) =
                        provider.verify_shared(&found.value, now_s, &mut cache, host, shared.0, shared.1)?;
                    Ok(super::provider::Authenticated { token, found, cached })
                });
                match attempt {
                    Ok(a) => {
                        return Ok(AuthStep::Identified(Some(Identity {
                            consumer: a.token.subject.clone().filter(|s| header_safe(s)),
                            via: AuthVia::Jwt(i),
                            // Read from the token (`Identity::granted_scopes`): no copy.
                            scopes: Vec::new(),
                            token: Some(a.token),
                            found: Some(a.found),
                            forward: provider.forward,
                        })));
                    }
                    Err(AuthError::TokenMissing) => {}
                    Err(AuthError::KeysUnavailable) if provider.remote_jwks.is_some() => {
                        return Err(Denial::new(
                            Reason::AuthUnavailable,
                            "the issuer's keys are not available yet; retry shortly",
                        )
                        .rule(format!("auth.jwt_providers.{}.remote_jwks", provider.name))
                        .header("retry-after", "1"));
                    }
                    Err(e) => {
                        if matches!(e, AuthError::UnknownKid | AuthError::NoMatchingKey) {
                            // Maybe the issuer rotated its keys: ask for an early refetch.
                            super::jwks_refresh::request_refetch(provider, host);
                        }
                        missing = false;
                        // Keep the most telling error: one from the provider that owns the
                        // token's issuer beats another provider's "not my algorithm/issuer".
                        if first_error.as_ref().is_none_or(|f| error_rank(&e) > error_rank(f)) {
                            first_error = Some(e);
                        }
                    }
                }
            }
            if let Some(e) = first_error {
                // An opaque token that no JWT provider could read goes to introspection.
                let opaque_for_introspection = self.introspection
                    && matches!(e, AuthError::TokenMalformed(_) | AuthError::WrongIssuer)
                    && auth.introspection.is_some();
                if !opaque_for_introspection {
                    return Err(self.unauthenticated(auth, &e));
                }
            }
        }
        if self.introspection {
            if let Some(intro) = &auth.introspection {
                let found = match find(req, &[CredentialSource::Bearer]) {
                    Ok(f) => f,
                    Err(e) => return Err(self.unauthenticated(auth, &e)),
                };
                if let Some(found) = found {
                    let digest = Introspection::digest(&found.value);
                    return match intro.cached(&digest, host.now_ms()) {
                        Some(Some(answer)) => Ok(AuthStep::Identified(Some(introspected_identity(answer, found)))),
                        Some(None) => Err(self.inactive(auth)),
                        None => Ok(AuthStep::Introspect { call: intro.call(&found.value), digest, found }),
                    };
                }
            }
        }
        if missing && self.require == AuthRequirement::Optional {
            return Ok(AuthStep::Identified(None));
        }
        Err(self.unauthenticated(auth, &AuthError::TokenMissing))
    }

    fn inactive(&self, auth: &Authenticators) -> Denial {
        Denial::new(Reason::Unauthenticated, "the token is not active").rule("auth:token_inactive").header(
            "www-authenticate",
            format!(
                "Bearer realm=\"{}\", error=\"invalid_token\", error_description=\"the token is not active\"",
                auth.realm
            ),
        )
    }

    /// Completes an introspection started by `authenticate`: the server's answer becomes an
    /// identity, a 401 (inactive), or a 503 (the call failed; or anonymous with `on_error: allow`).
    pub fn introspected(
        &self,
        auth: &Authenticators,
        digest: [u8; 32],
        found: FoundCredential,
        status: Option<u16>,
        body: &[u8],
        now_ms: u64,
    ) -> Result<Option<Identity>, Denial> {
        let Some(intro) = &auth.introspection else {
            return Err(Denial::new(Reason::InternalError, "introspection is not configured"));
        };
        match intro.answer(digest, status, body, now_ms) {
            Ok(Some(answer)) => Ok(Some(introspected_identity(answer, found))),
            Ok(None) => Err(self.inactive(auth)),
            Err(why) if self.on_introspection_error == IntrospectionErrorPolicy::Allow => {
                let _ = why;
                Ok(None)
            }
            Err(why) => Err(Denial::new(Reason::AuthUnavailable, format!("the token could not be checked: {why}"))
                .rule("auth.introspection")
                .header("retry-after", "1")),
        }
    }

    fn unauthenticated(&self, auth: &Authenticators, e: &AuthError) -> Denial {
        let status_403 = e.status() == 403;
        let reason = if status_403 { Reason::Forbidden } else { Reason::Unauthenticated };
        let mut challenge = format!("Bearer realm=\"{}\"", auth.realm);
        if let Some(code) = e.bearer_error() {
            challenge.push_str(&format!(", error=\"{code}\", error_description=\"{}\"", quoted(&e.description())));
        }
        let mut d = Denial::new(reason, e.description()).rule(format!("auth:{}", e.code()));
        if e.status() == 400 {
            d.reason = Reason::BadRequest;
        }
        d.header("www-authenticate", challenge)
    }

    /// Scopes and claim conditions: `Err` is a 403 with an `insufficient_scope` challenge.
    /// `policy` names the policy for the denial's rule (`policies.<policy>.auth.scopes`).
    pub fn authorize(&self, auth: &Authenticators, id: &Identity, policy: &str) -> Result<(), Denial> {
        let granted = id.granted_scopes();
        let missing: Vec<&String> = self.all_of.iter().filter(|s| !granted.contains(s)).collect();
        let any_ok = self.any_of.is_empty() || self.any_of.iter().any(|s| granted.contains(s));
        if !missing.is_empty() || !any_ok {
            let needed: Vec<&str> = if !missing.is_empty() {
                self.all_of.iter().map(String::as_str).collect()
            } else {
                self.any_of.iter().map(String::as_str).collect()
            };
            let scope = needed.join(" ");
            let detail = if !missing.is_empty() {
                format!(
                    "the credential lacks the scope(s) {}",
                    missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
                )
            } else {
                format!("the credential has none of the scopes {scope}")
            };
            return Err(Denial::new(Reason::InsufficientScope, detail)
                .rule(format!("policies.{policy}.auth.scopes"))
                .header(
                    "www-authenticate",
                    format!("Bearer realm=\"{}\", error=\"insufficient_scope\", scope=\"{scope}\"", auth.realm),
                ));
        }
        for (i, c) in self.conditions.iter().enumerate() {
            let value = id.token.as_ref().and_then(|t| t.claim(c.path.as_str()));
            if !value.is_some_and(|v| c.allowed.iter().any(|a| a == v)) {
                return Err(Denial::new(
                    Reason::Forbidden,
                    format!("the credential's {} claim does not allow this request", c.path.as_str()),
                )
                .rule(format!("policies.{policy}.auth.claims[{i}]"))
                .header("www-authenticate", format!("Bearer realm=\"{}\", error=\"insufficient_scope\"", auth.realm)));
            }
        }
        Ok(())
    }
}

/// How much an error says about the token (higher: from the provider that owns it).
fn error_rank(e: &AuthError) -> u8 {
    match e {
        AuthError::WrongIssuer => 0,
        AuthError::AlgNotAllowed => 1,
        _ => 2,
    }
}

fn quoted(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect()
}

/// The request-header changes that strip a credential found at `locations`, given the request:
/// `(name, None)` removes a header, `(name, Some(value))` sets it (a cookie header without the
/// credential's cookie, or `:path` without its query parameter).
pub fn strip_credential(req: &Request, found: &FoundCredential) -> Vec<(String, Option<String>)> {
    let mut changes = Vec::new();
    for loc in &found.locations {
        match loc {
            CredentialLocation::Header(name) => changes.push((name.clone(), None)),
            CredentialLocation::QueryParam(param) => {
                let target = String::from_utf8_lossy(&req.target).into_owned();
                if let Some((path, query)) = target.split_once('?') {
                    // Names are compared decoded, as they were when the credential was found.
                    let kept: Vec<&str> = query
                        .split('&')
                        .filter(|pair| {
                            let key = pair.split('=').next().unwrap_or("");
                            super::extract::percent_decode(key.as_bytes()) != param.as_bytes()
                        })
                        .collect();
                    let new = if kept.is_empty() { path.to_string() } else { format!("{path}?{}", kept.join("&")) };
                    changes.push((":path".to_string(), Some(new)));
                }
            }
            CredentialLocation::Cookie(cookie) => {
                let mut kept: Vec<String> = Vec::new();
                for value in req.header_values("cookie") {
                    for pair in String::from_utf8_lossy(value).split(';') {
                        let name = pair.split('=').next().unwrap_or("").trim();
                        if name != cookie.as_str() && !pair.trim().is_empty() {
                            kept.push(pair.trim().to_string());
                        }
                    }
                }
                changes.push(("cookie".to_string(), if kept.is_empty() { None } else { Some(kept.join("; ")) }));
            }
        }
    }
    changes
}

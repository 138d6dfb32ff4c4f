//! A JWT provider: its configuration as users write it (names follow Envoy's jwt_authn where the
//! concept is the same), compiled once into an immutable `JwtProvider` that finds, verifies and
//! checks tokens. Remote JWKS fetching is the host glue's job; it installs sets in `keys`.

use super::algorithm::{Algorithm, AlgorithmSet};
use super::cache::TokenCache;
use super::claims::{ClaimPath, ClaimRules};
use super::error::AuthError;
use super::extract::{self, CredentialSource, FoundCredential};
use super::jwks::Jwks;
use super::key_store::KeyStore;
use super::token::{self, DEFAULT_MAX_TOKEN_BYTES};
use super::verified::VerifiedToken;
use crate::config::ConfigError;
use crate::request::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Smallest and largest `max_token_bytes` accepted.
const TOKEN_BYTES_RANGE: (u64, u64) = (256, 64 * 1024);
/// Largest `clock_skew_seconds` accepted.
const MAX_CLOCK_SKEW_SECONDS: u64 = 600;

/// How a provider's tokens are found and checked.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JwtProviderConfig {
    /// Required value of the `iss` claim.
    pub issuer: String,
    /// When not empty, the token's `aud` (string or array) must contain one of these.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Allowed `alg` values. Default: every asymmetric algorithm (RS*, PS*, ES256, ES384,
    /// EdDSA); HS256/384/512 only when listed. `none` can never be allowed.
    #[serde(default)]
    pub algorithms: Vec<String>,
    /// Tolerance for `exp`, `nbf` and `iat`, in seconds (at most 600).
    #[serde(default = "JwtProviderConfig::default_clock_skew_seconds")]
    pub clock_skew_seconds: u64,
    /// Longest token accepted, in bytes (256 to 65536).
    #[serde(default = "JwtProviderConfig::default_max_token_bytes")]
    pub max_token_bytes: u64,
    /// Whether a token without `exp` is refused.
    #[serde(default = "JwtProviderConfig::yes")]
    pub require_exp: bool,
    /// Claims that must be present and not null (dotted paths reach nested claims).
    #[serde(default)]
    pub required_claims: Vec<String>,
    /// Headers carrying the token. When no source is configured at all, `Authorization: Bearer`.
    #[serde(default)]
    pub from_headers: Vec<JwtHeader>,
    /// Query parameters carrying the token.
    #[serde(default)]
    pub from_params: Vec<String>,
    /// Cookies carrying the token.
    #[serde(default)]
    pub from_cookies: Vec<String>,
    /// Keep the token in the request sent upstream (default: removed from where it was found).
    #[serde(default)]
    pub forward: bool,
    /// Claims copied into request headers for the upstream.
    #[serde(default)]
    pub claim_to_headers: Vec<ClaimToHeader>,
    /// Keys given in the configuration.
    #[serde(default)]
    pub local_jwks: Option<LocalJwks>,
    /// Keys fetched from the issuer.
    #[serde(default)]
    pub remote_jwks: Option<RemoteJwks>,
}

impl JwtProviderConfig {
    pub const fn default_clock_skew_seconds() -> u64 {
        60
    }
    pub const fn default_max_token_bytes() -> u64 {
        DEFAULT_MAX_TOKEN_BYTES as u64
    }
    const fn yes() -> bool {
        true
    }
}

/// A header carrying the token.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JwtHeader {
    /// Header name (case-insensitive).
    pub name: String,
    /// Text before the token, matched exactly (e.g. `Bearer `). For `authorization` with
    /// `Bearer ` the scheme is matched case-insensitively, as RFC 6750 says.
    #[serde(default)]
    pub value_prefix: Option<String>,
}

/// A claim copied into a request header.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimToHeader {
    /// Claim name; a dotted path reaches nested claims (`tenant.id`). Arrays are comma-joined.
    pub claim: String,
    /// Header name.
    pub header: String,
}

/// A JWKS in the configuration: exactly one of `inline` (a JSON object) or `inline_string`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalJwks {
    #[serde(default)]
    pub inline: Option<serde_json::Value>,
    #[serde(default)]
    pub inline_string: Option<String>,
}

/// Where and how the issuer's JWKS is fetched (done by the host glue).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteJwks {
    /// Full URI of the JWKS (its path and authority are sent to `cluster`).
    pub uri: String,
    /// Envoy cluster that serves `uri`.
    pub cluster: String,
    /// Request timeout in milliseconds.
    #[serde(default = "RemoteJwks::default_timeout_ms")]
    pub timeout_ms: u64,
    /// How long a fetched set is used before it is fetched again, in seconds.
    #[serde(default = "RemoteJwks::default_cache_duration_seconds")]
    pub cache_duration_seconds: u64,
    /// How long the last good set is still used while refreshes fail, in seconds; after that the
    /// provider has no keys (its requests get 503) until a fetch succeeds.
    #[serde(default = "RemoteJwks::default_max_stale_seconds")]
    pub max_stale_seconds: u64,
    /// A token whose `kid` is unknown triggers a refetch, at most once per this many seconds.
    #[serde(default = "RemoteJwks::default_min_refetch_interval_seconds")]
    pub min_refetch_interval_seconds: u64,
}

impl RemoteJwks {
    pub const fn default_timeout_ms() -> u64 {
        5_000
    }
    pub const fn default_cache_duration_seconds() -> u64 {
        600
    }
    pub const fn default_max_stale_seconds() -> u64 {
        86_400
    }
    pub const fn default_min_refetch_interval_seconds() -> u64 {
        10
    }
}

/// Distinguishes compiled providers (and configurations) in cache keys.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// A compiled provider. Immutable except for its key store, which is swapped whole.
#[derive(Debug)]
pub struct JwtProvider {
    pub name: String,
    instance: u64,
    algorithms: AlgorithmSet,
    max_token_bytes: usize,
    rules: ClaimRules,
    sources: Vec<CredentialSource>,
    pub forward: bool,
    claim_to_headers: Vec<(ClaimPath, String)>,
    pub remote_jwks: Option<RemoteJwks>,
    /// The keys in force; the host glue calls `keys.replace(Jwks::parse(..)?)` after a fetch.
    pub keys: KeyStore,
    /// Claims policies look at, kept in verified tokens (set after compiling).
    pub kept_claims: Vec<ClaimPath>,
    /// The provider's configuration as JSON, identifying it across workers (shared tokens).
    config_text: Vec<u8>,
}

/// The outcome of a successful authentication.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub token: Arc<VerifiedToken>,
    /// Where the token was; to be removed from the request unless the provider forwards it.
    pub found: FoundCredential,
    /// Whether the verification came from the cache.
    pub cached: bool,
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl JwtProvider {
    /// Validates and compiles `config`; errors carry paths under `path` (e.g. `providers[0]`).
    pub fn compile(name: &str, config: &JwtProviderConfig, path: &str) -> Result<JwtProvider, Vec<ConfigError>> {
        let at = |field: &str| if path.is_empty() { field.to_string() } else { format!("{path}.{field}") };
        let mut errors = Vec::new();
        if config.issuer.is_empty() {
            errors.push(ConfigError::new(at("issuer"), "must not be empty: it is compared with the iss claim"));
        }
        let mut algorithms = AlgorithmSet::default();
        for (i, name) in config.algorithms.iter().enumerate() {
            match Algorithm::from_name(name) {
                Some(a) => algorithms.insert(a),
                None if name.eq_ignore_ascii_case("none") => errors.push(ConfigError::new(
                    at(&format!("algorithms[{i}]")),
                    "unsigned tokens (none) can never be allowed",
                )),
                None => errors.push(ConfigError::new(
                    at(&format!("algorithms[{i}]")),
                    format!(
                        "unknown algorithm {name:?}; use one of {}",
                        Algorithm::ALL.map(Algorithm::name).join(", ")
                    ),
                )),
            }
        }
        if config.algorithms.is_empty() {
            algorithms = AlgorithmSet::asymmetric();
        }
        if config.clock_skew_seconds > MAX_CLOCK_SKEW_SECONDS {
            errors
                .push(ConfigError::new(at("clock_skew_seconds"), format!("at most {MAX_CLOCK_SKEW_SECONDS} seconds")));
        }
        if !(TOKEN_BYTES_RANGE.0..=TOKEN_BYTES_RANGE.1).contains(&config.max_token_bytes) {
            errors.push(ConfigError::new(
                at("max_token_bytes"),
                format!("must be between {} and {}", TOKEN_BYTES_RANGE.0, TOKEN_BYTES_RANGE.1),
            ));
        }
        let mut required = Vec::new();
        for (i, claim) in config.required_claims.iter().enumerate() {
            match ClaimPath::new(claim) {
                Some(p) => required.push(p),
                None => errors
                    .push(ConfigError::new(at(&format!("required_claims[{i}]")), "not a claim name or dotted path")),
            }
        }
        let mut sources = Vec::new();
        for (i, h) in config.from_headers.iter().enumerate() {
            if !is_header_name(&h.name) {
                errors.push(ConfigError::new(at(&format!("from_headers[{i}].name")), "not a valid header name"));
                continue;
            }
            let name = h.name.to_ascii_lowercase();
            let bearer = name == "authorization"
                && h.value_prefix.as_deref().is_some_and(|p| p.trim().eq_ignore_ascii_case("bearer"));
            sources.push(if bearer {
                CredentialSource::Bearer
            } else {
                CredentialSource::Header { name, prefix: h.value_prefix.clone().filter(|p| !p.is_empty()) }
            });
        }
        for (i, p) in config.from_params.iter().enumerate() {
            if p.is_empty() {
                errors.push(ConfigError::new(at(&format!("from_params[{i}]")), "must not be empty"));
            }
            sources.push(CredentialSource::QueryParam(p.clone()));
        }
        for (i, c) in config.from_cookies.iter().enumerate() {
            if !is_header_name(c) {
                errors.push(ConfigError::new(at(&format!("from_cookies[{i}]")), "not a valid cookie name"));
            }
            sources.push(CredentialSource::Cookie(c.clone()));
        }
        if config.from_headers.is_empty() && config.from_params.is_empty() && config.from_cookies.is_empty() {
            sources.push(CredentialSource::Bearer);
        }
        let mut claim_to_headers = Vec::new();
        for (i, c) in config.claim_to_headers.iter().enumerate() {
            let claim = ClaimPath::new(&c.claim);
            if claim.is_none() {
                errors.push(ConfigError::new(
                    at(&format!("claim_to_headers[{i}].claim")),
                    "not a claim name or dotted path",
                ));
            }
            if !is_header_name(&c.header) {
                errors.push(ConfigError::new(at(&format!("claim_to_headers[{i}].header")), "not a valid header name"));
            }
            if let Some(claim) = claim {
                claim_to_headers.push((claim, c.header.to_ascii_lowercase()));
            }
        }
        let jwks = match (&config.local_jwks, &config.remote_jwks) {
            (Some(_), Some(_)) | (None, None) => {
                errors.push(ConfigError::new(path, "set exactly one of local_jwks and remote_jwks"));
                None
            }
            (Some(local), None) => match (&local.inline, &local.inline_string) {
                (Some(value), None) => {
                    let p = at("local_jwks.inline");
                    match Jwks::from_value(value, &p) {
                        Ok(j) => Some(j),
                        Err(mut e) => {
                            errors.append(&mut e);
                            None
                        }
                    }
                }
                (None, Some(text)) => {
                    let p = at("local_jwks.inline_string");
                    match Jwks::parse_at(text.as_bytes(), &p) {
                        Ok(j) => Some(j),
                        Err(mut e) => {
                            errors.append(&mut e);
                            None
                        }
                    }
                }
                _ => {
                    errors.push(ConfigError::new(at("local_jwks"), "set exactly one of inline and inline_string"));
                    None
                }
            },
            (None, Some(remote)) => {
                if !(remote.uri.starts_with("https://") || remote.uri.starts_with("http://")) {
                    errors.push(ConfigError::new(at("remote_jwks.uri"), "must be an http:// or https:// URI"));
                }
                if remote.cluster.is_empty() {
                    errors.push(ConfigError::new(at("remote_jwks.cluster"), "must name an Envoy cluster"));
                }
                if remote.timeout_ms == 0 {
                    errors.push(ConfigError::new(at("remote_jwks.timeout_ms"), "must be positive"));
                }
                Some(Jwks::default())
            }
        };
        if let (Some(jwks), Some(_)) = (&jwks, &config.local_jwks) {
            if !algorithms.iter().any(|alg| jwks.keys().iter().any(|k| k.accepts(alg))) {
                errors.push(ConfigError::new(
                    at("local_jwks"),
                    "no key can verify any allowed algorithm; check the keys' kty, use, alg and the algorithms list",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(JwtProvider {
            name: name.to_string(),
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            algorithms,
            max_token_bytes: config.max_token_bytes as usize,
            rules: ClaimRules {
                issuer: config.issuer.clone(),
                audiences: config.audiences.clone(),
                clock_skew_seconds: config.clock_skew_seconds,
                require_exp: config.require_exp,
                required,
            },
            sources,
            forward: config.forward,
            claim_to_headers,
            remote_jwks: config.remote_jwks.clone(),
            keys: KeyStore::new(jwks.unwrap_or_default()),
            kept_claims: Vec::new(),
            config_text: serde_json::to_vec(config).unwrap_or_default(),
        })
    }

    /// The token in `request`, if any (see `extract::find`).
    pub fn find_token(&self, request: &Request) -> Result<Option<FoundCredential>, AuthError> {
        extract::find(request, &self.sources)
    }

    /// Verifies `token` at `now` (seconds since the epoch), without the cache. Cheap checks
    /// (structure, `alg`, claims) come before key choice and the signature check.
    pub fn verify(&self, token: &[u8], now: u64) -> Result<VerifiedToken, AuthError> {
        let keys = self.keys.snapshot();
        self.verify_with(&keys.jwks, token, now)
    }

    fn verify_with(&self, jwks: &Jwks, token: &[u8], now: u64) -> Result<VerifiedToken, AuthError> {
        let parsed = token::parse(token, self.max_token_bytes, self.algorithms)?;
        let exp = self.rules.check(&parsed.claims, now)?;
        let alg = parsed.header.alg;
        let candidates = jwks.candidates(alg, parsed.header.kid.as_deref())?;
        if !candidates.iter().any(|key| key.verify(alg, parsed.signing_input, &parsed.signature)) {
            return Err(AuthError::BadSignature);
        }
        Ok(VerifiedToken::from_claims(&parsed.claims, exp, &self.claim_to_headers, &self.kept_claims))
    }

    /// Verifies `token` through `cache`: a token verified before with the same keys and still
    /// valid is not verified again.
    pub fn verify_cached(
        &self,
        token: &[u8],
        now: u64,
        cache: &mut TokenCache,
    ) -> Result<(Arc<VerifiedToken>, bool), AuthError> {
        if token.len() > self.max_token_bytes {
            return Err(AuthError::TokenTooLarge { limit: self.max_token_bytes });
        }
        let keys = self.keys.snapshot();
        let key = cache.key_of(self.instance, token);
        if let Some(hit) = cache.get(&key, now, keys.generation) {
            return Ok((hit, true));
        }
        let verified = Arc::new(self.verify_with(&keys.jwks, token, now)?);
        cache.insert(key, Arc::clone(&verified), now, keys.generation);
        Ok((verified, false))
    }

    /// As `verify_cached`, and between this worker's cache and a verification, the verifications
    /// other workers shared (`slots` shared-data slots; 0: not shared).
    pub fn verify_shared(
        &self,
        token: &[u8],
        now: u64,
        cache: &mut TokenCache,
        host: &dyn crate::host::Host,
        slots: u32,
        max_age_ms: u64,
    ) -> Result<(Arc<VerifiedToken>, bool), AuthError> {
        if token.len() > self.max_token_bytes {
            return Err(AuthError::TokenTooLarge { limit: self.max_token_bytes });
        }
        let keys = self.keys.snapshot();
        let key = cache.key_of(self.instance, token);
        if let Some(hit) = cache.get(&key, now, keys.generation) {
            return Ok((hit, true));
        }
        let now_ms = host.now_ms();
        let fp = super::shared_tokens::Fingerprint::of(&self.config_text, keys.stamp);
        if !keys.jwks.is_empty() {
            if let Some(shared) = super::shared_tokens::lookup(host, slots, fp, token, now_ms) {
                let shared = Arc::new(shared);
                cache.insert(key, Arc::clone(&shared), now, keys.generation);
                return Ok((shared, true));
            }
        }
        let verified = Arc::new(self.verify_with(&keys.jwks, token, now)?);
        cache.insert(key, Arc::clone(&verified), now, keys.generation);
        super::shared_tokens::store(host, slots, fp, token, &verified, now_ms, max_age_ms);
        Ok((verified, false))
    }

    /// Finds and verifies the request's token. `TokenMissing` when there is none.
    pub fn authenticate(
        &self,
        request: &Request,
        now: u64,
        cache: &mut TokenCache,
    ) -> Result<Authenticated, AuthError> {
        let found = self.find_token(request)?.ok_or(AuthError::TokenMissing)?;
        let (token, cached) = self.verify_cached(&found.value, now, cache)?;
        Ok(Authenticated { token, found, cached })
    }
}

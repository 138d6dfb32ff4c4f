//! The plugin configuration as users write it: serde types that mirror the JSON, with defaults.
//! This module only describes and reads the JSON; it never looks at requests and never compiles
//! anything (that is `policy::compile`). Unknown fields are errors.

mod parse;

pub use parse::{parse, parse_lenient, ConfigError};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether denials are enforced or only recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Denials are sent to the client.
    #[default]
    Enforce,
    /// Every would-be denial is let through and recorded (audit record, metric).
    Monitor,
}

/// The whole plugin configuration.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Default mode for every policy (a policy may override it).
    #[serde(default)]
    pub mode: Mode,
    /// How the client's IP address is found.
    #[serde(default)]
    pub client_ip: ClientIpConfig,
    /// IP allow and deny lists applied to every request, before the policy's own lists.
    #[serde(default)]
    pub ip: IpListsConfig,
    /// Audit records.
    #[serde(default)]
    pub audit: AuditConfig,
    /// JWT providers, API keys and the headers sent upstream (policies choose what they accept).
    #[serde(default)]
    pub auth: crate::auth::AuthConfig,
    /// The shared rate-limit table and the penalty box (rules live in each policy).
    #[serde(default)]
    pub rate_limiting: crate::ratelimit::RateLimitingConfig,
    /// Named policies. A policy named by `default_policy` applies to requests that match no route.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyConfig>,
    /// Ordered route rules; the first that matches chooses the policy.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// Policy for requests that match no route. When it names no configured policy and is
    /// `default`, an empty policy with default settings is used.
    #[serde(default = "default_policy_name")]
    pub default_policy: String,
}

fn default_policy_name() -> String {
    "default".to_string()
}

/// Where the client IP address comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClientIpSource {
    /// The address of the TCP peer (Envoy's `source.address`).
    #[default]
    Connection,
    /// `X-Forwarded-For`, trusting only configured proxies.
    XForwardedFor,
    /// The client address Envoy determined itself (`source.address` after its own
    /// `X-Forwarded-For` handling: `use_remote_address: true` with `xff_num_trusted_hops` or an
    /// original-IP-detection extension). `X-Forwarded-Proto` is then trusted as Envoy sanitised it.
    Envoy,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientIpConfig {
    /// `connection` (default), `x_forwarded_for` or `envoy`.
    #[serde(default)]
    pub source: ClientIpSource,
    /// With `x_forwarded_for`: the number of proxies in front of Envoy that each append one
    /// address. The client is the `trusted_hops`-th address from the right.
    #[serde(default)]
    pub trusted_hops: Option<u32>,
    /// With `x_forwarded_for`: CIDRs of trusted proxies. `X-Forwarded-For` is read only when the
    /// connection comes from one of them.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IpListsConfig {
    /// When not empty, only these CIDRs (or single addresses) are allowed.
    #[serde(default)]
    pub allow: Vec<String>,
    /// These CIDRs (or single addresses) are denied. Deny wins over allow.
    #[serde(default)]
    pub deny: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Also write a record for allowed requests (denials, would-be denials and requests over a
    /// `detect_only` WAF's threshold are always recorded).
    #[serde(default)]
    pub log_allowed: bool,
    /// Write the record into the host log with the prefix `palisade.audit `.
    #[serde(default = "yes")]
    pub log: bool,
    /// Put every request's record into Envoy filter state (`wasm.palisade.audit`) for access logs.
    /// Off by default: it costs a few microseconds per request; turn it on when an access log
    /// prints it.
    #[serde(default)]
    pub filter_state: bool,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig { log_allowed: false, log: true, filter_state: false }
    }
}

fn yes() -> bool {
    true
}

/// A route rule: exactly one of `path`, `prefix`, `regex`; optional methods and hosts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// A name for audit records and explanations; defaults to `routes[i]`.
    #[serde(default)]
    pub name: Option<String>,
    /// Exact path (after normalisation, without the query string).
    #[serde(default)]
    pub path: Option<String>,
    /// Path prefix (after normalisation).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Regular expression over the whole normalised path (linear time; anchored).
    #[serde(default)]
    pub regex: Option<String>,
    /// Methods this route matches; empty means any.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Hosts (`:authority` without port, case-insensitive; `*.example.com` matches subdomains).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Name of the policy to apply.
    pub policy: String,
}

/// A policy: what applies to the requests of the routes that name it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Overrides the global mode for this policy.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// IP lists of this policy, checked after the global lists.
    #[serde(default)]
    pub ip: IpListsConfig,
    /// Deny plain-text requests (403 with reason `tls_required`).
    #[serde(default)]
    pub require_tls: bool,
    /// Request limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Response headers added or removed.
    #[serde(default)]
    pub response_headers: ResponseHeadersConfig,
    /// Rate-limit rules; every applicable rule must pass.
    #[serde(default)]
    pub rate_limits: Vec<crate::ratelimit::RateLimitRuleConfig>,
    /// Authentication and authorization of this policy's requests.
    #[serde(default)]
    pub auth: crate::auth::PolicyAuthConfig,
    /// Signature WAF with anomaly scoring; absent means no WAF for this policy, `{}` enables it.
    #[serde(default)]
    pub waf: Option<crate::waf::WafConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Allowed methods (upper case); empty means any method.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Maximum length of the request target (path and query) in bytes; 414 beyond it.
    #[serde(default = "LimitsConfig::default_max_uri_length")]
    pub max_uri_length: u64,
    /// Maximum number of request headers (pseudo-headers not counted); 431 beyond it.
    #[serde(default = "LimitsConfig::default_max_header_count")]
    pub max_header_count: u64,
    /// Maximum total size of request header names and values in bytes; 431 beyond it.
    #[serde(default = "LimitsConfig::default_max_header_bytes")]
    pub max_header_bytes: u64,
    /// Maximum request body size in bytes, from `Content-Length` or while streaming; 413 beyond it.
    #[serde(default = "LimitsConfig::default_max_body_bytes")]
    pub max_body_bytes: u64,
}

impl LimitsConfig {
    pub const fn default_max_uri_length() -> u64 {
        8192
    }
    pub const fn default_max_header_count() -> u64 {
        100
    }
    pub const fn default_max_header_bytes() -> u64 {
        32 * 1024
    }
    pub const fn default_max_body_bytes() -> u64 {
        10 * 1024 * 1024
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            methods: Vec::new(),
            max_uri_length: Self::default_max_uri_length(),
            max_header_count: Self::default_max_header_count(),
            max_header_bytes: Self::default_max_header_bytes(),
            max_body_bytes: Self::default_max_body_bytes(),
        }
    }
}

/// Which set of security response headers to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum HeaderPreset {
    /// `X-Content-Type-Options: nosniff`, `Cache-Control: no-store`, `Referrer-Policy: no-referrer`,
    /// `X-Frame-Options: DENY`, `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`,
    /// `Strict-Transport-Security` on TLS requests; removes `Server` and `X-Powered-By`.
    #[default]
    Api,
    /// Nothing added or removed but what `add` and `remove` say.
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseHeadersConfig {
    /// Starting set: `api` (default) or `none`.
    #[serde(default)]
    pub preset: HeaderPreset,
    /// Headers set on every response (replacing an upstream value).
    #[serde(default)]
    pub add: BTreeMap<String, String>,
    /// Headers removed from every response.
    #[serde(default)]
    pub remove: Vec<String>,
    /// `max-age` of `Strict-Transport-Security` in seconds (sent only on TLS requests).
    #[serde(default = "ResponseHeadersConfig::default_hsts_max_age")]
    pub hsts_max_age: u64,
}

impl ResponseHeadersConfig {
    pub const fn default_hsts_max_age() -> u64 {
        31_536_000
    }
}

impl Default for ResponseHeadersConfig {
    fn default() -> Self {
        ResponseHeadersConfig {
            preset: HeaderPreset::Api,
            add: BTreeMap::new(),
            remove: Vec::new(),
            hsts_max_age: Self::default_hsts_max_age(),
        }
    }
}

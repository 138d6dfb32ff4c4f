//! Rate-limit configuration as users write it: rules (per policy), the shared table and the
//! penalty box (global). Serde types with defaults and unknown fields refused; this module only
//! describes the JSON, validation happens where each part is compiled.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// When a rule is checked, which decides what its key may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Before credentials are verified: keyed by what the connection and headers say (client IP,
    /// IP prefix, header, route). Shields token verification and introspection from floods.
    BeforeAuth,
    /// After authentication: may also use the consumer, the API-key id and JWT claims.
    AfterAuth,
}

/// One part of a rate-limit key. Written as a string (`"client_ip"`) or a one-field object
/// (`{"header": "x-tenant"}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyPartConfig {
    /// The client's IP address (as found by `client_ip`).
    ClientIp,
    /// The client's network: the address cut to a prefix length, per family.
    IpPrefix {
        /// IPv4 prefix length, 0 to 32 (default 24).
        #[serde(default = "default_v4_prefix")]
        v4: u8,
        /// IPv6 prefix length, 0 to 128 (default 64).
        #[serde(default = "default_v6_prefix")]
        v6: u8,
    },
    /// The authenticated consumer (after authentication only).
    Consumer,
    /// The id of the API key used (after authentication only; never the key itself).
    ApiKey,
    /// The first value of a request header (name case-insensitive).
    Header(String),
    /// A JWT claim of the verified token (after authentication only).
    Claim(String),
    /// The name of the matched route.
    Route,
}

fn default_v4_prefix() -> u8 {
    24
}
fn default_v6_prefix() -> u8 {
    64
}

/// A rate-limit rule: at most `limit` requests per `period` for each value of `key`, plus an
/// instantaneous `burst` allowance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitRuleConfig {
    /// Names the rule in `RateLimit-Policy`, `RateLimit`, audit records and metric names:
    /// 1 to 64 characters among `A-Z a-z 0-9 _ -`, unique within the policy.
    pub name: String,
    /// `before_auth` or `after_auth`.
    pub stage: Stage,
    /// What is counted separately. Default: `["client_ip"]` before authentication,
    /// `["consumer"]` after. Several parts are combined (all of them form the key).
    #[serde(default)]
    pub key: Option<Vec<KeyPartConfig>>,
    /// Requests allowed per period, 1 to 1000000.
    pub limit: u64,
    /// The period: a whole number and a unit, `s`, `m`, `h` or `d` (`"1s"`, `"10s"`, `"1m"`,
    /// `"1h"`, `"1d"`); at most one day.
    pub period: String,
    /// Extra requests an idle client may send at once, above `limit` (default 0).
    #[serde(default)]
    pub burst: u64,
    /// Also send `RateLimit-Policy` and `RateLimit` on allowed responses (always sent on 429).
    #[serde(default)]
    pub headers_on_allowed: bool,
    /// Requests of a key's allowance an Envoy worker takes from the shared state at once,
    /// admitting the rest locally for up to one second (1 to 1000, at most a tenth of `limit`;
    /// default 1: every request reads and writes the shared state). Larger batches save two host
    /// calls on most requests; a client may then get up to `workers × (batch − 1)` fewer
    /// requests than the limit, never more. See docs/rate-limiting.md.
    #[serde(default = "RateLimitRuleConfig::default_batch")]
    pub batch: u64,
}

impl RateLimitRuleConfig {
    pub const fn default_batch() -> u64 {
        1
    }
}

/// What to do when the shared table could not be updated within `cas_attempts` attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContentionPolicy {
    /// Deny with 429 (fail closed).
    #[default]
    Deny,
    /// Let the request through, uncounted.
    Allow,
}

/// The shared-data table holding every rule's state.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitTableConfig {
    /// Number of client slots, a multiple of 16 from 16 to 1048576 (default 65536). Shared data
    /// used: slots / 16 keys of 258 bytes each (about 1.1 MB of values for 65536 slots).
    #[serde(default = "RateLimitTableConfig::default_slots")]
    pub slots: u32,
    /// Compare-and-swap attempts per update before `on_contention` applies (1 to 64, default 8).
    #[serde(default = "RateLimitTableConfig::default_cas_attempts")]
    pub cas_attempts: u32,
    /// `deny` (default) or `allow`.
    #[serde(default)]
    pub on_contention: ContentionPolicy,
}

impl RateLimitTableConfig {
    pub const fn default_slots() -> u32 {
        65_536
    }
    pub const fn default_cas_attempts() -> u32 {
        8
    }
}

impl Default for RateLimitTableConfig {
    fn default() -> Self {
        RateLimitTableConfig {
            slots: Self::default_slots(),
            cas_attempts: Self::default_cas_attempts(),
            on_contention: ContentionPolicy::Deny,
        }
    }
}

/// How many denials of each kind, within `window`, put a client in the penalty box. A kind left
/// out is not counted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyThresholds {
    /// Failed authentications (401 responses).
    #[serde(default)]
    pub auth_failure: Option<u32>,
    /// Requests blocked by the WAF.
    #[serde(default)]
    pub waf_block: Option<u32>,
    /// Requests refused by a rate-limit rule (429).
    #[serde(default)]
    pub rate_limited: Option<u32>,
}

/// The penalty box: clients that collect too many denials are refused outright for a cooldown.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyBoxConfig {
    /// Who is boxed (default `["client_ip"]`); only parts known before authentication
    /// (`client_ip`, `ip_prefix`, `header`, `route`) are allowed, since the box is checked first.
    #[serde(default = "PenaltyBoxConfig::default_key")]
    pub key: Vec<KeyPartConfig>,
    /// Counting window, same syntax as a rule's period (default `"1m"`).
    #[serde(default = "PenaltyBoxConfig::default_window")]
    pub window: String,
    /// How long a boxed client is refused (default `"10m"`, at most one day).
    #[serde(default = "PenaltyBoxConfig::default_cooldown")]
    pub cooldown: String,
    /// Thresholds per kind of denial; at least one must be set.
    pub thresholds: PenaltyThresholds,
    /// Number of client slots, a multiple of 16 from 16 to 1048576 (default 16384).
    #[serde(default = "PenaltyBoxConfig::default_slots")]
    pub slots: u32,
}

impl PenaltyBoxConfig {
    pub fn default_key() -> Vec<KeyPartConfig> {
        vec![KeyPartConfig::ClientIp]
    }
    pub fn default_window() -> String {
        "1m".to_string()
    }
    pub fn default_cooldown() -> String {
        "10m".to_string()
    }
    pub const fn default_slots() -> u32 {
        16_384
    }
}

/// Global rate-limiting settings (the engine places this at `rate_limiting` in `Config`; rules
/// live in each policy's `rate_limits`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitingConfig {
    /// The shared table of rule state.
    #[serde(default)]
    pub table: RateLimitTableConfig,
    /// The penalty box; absent means off.
    #[serde(default)]
    pub penalty_box: Option<PenaltyBoxConfig>,
}

/// The longest period, window or cooldown accepted: one day.
pub const MAX_PERIOD_SECONDS: u64 = 86_400;

/// Parses `"10s"`, `"1m"`, `"1h"`, `"1d"` into whole seconds (1 s to one day).
pub fn parse_period(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let hint = "write a whole number and a unit s, m, h or d, such as \"1s\", \"10s\", \"1m\", \"1h\" or \"1d\"";
    if digits.is_empty() || digits.len() > 9 {
        return Err(format!("\"{text}\" is not a period: {hint}"));
    }
    let n: u64 = digits.parse().map_err(|_| format!("\"{text}\" is not a period: {hint}"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("\"{text}\" is not a period: {hint}")),
    };
    let seconds = n.saturating_mul(scale);
    if seconds == 0 {
        return Err(format!("\"{text}\" is zero: a period must be at least \"1s\""));
    }
    if seconds > MAX_PERIOD_SECONDS {
        return Err(format!("\"{text}\" is longer than one day (\"1d\"), the longest period supported"));
    }
    Ok(seconds)
}

/// Validates a slot count (`path` for the error).
pub(crate) fn check_slots(slots: u32, path: &str, errors: &mut Vec<crate::config::ConfigError>) -> bool {
    let ok = (16..=1_048_576).contains(&slots) && slots % 16 == 0;
    if !ok {
        errors.push(crate::config::ConfigError::new(
            path,
            format!("{slots} slots: use a multiple of 16 from 16 to 1048576"),
        ));
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_a_number_and_a_unit() {
        assert_eq!(parse_period("1s"), Ok(1));
        assert_eq!(parse_period("10s"), Ok(10));
        assert_eq!(parse_period("1m"), Ok(60));
        assert_eq!(parse_period("2h"), Ok(7_200));
        assert_eq!(parse_period("1d"), Ok(86_400));
    }

    #[test]
    fn malformed_zero_and_overlong_periods_are_refused() {
        for bad in ["", "s", "10", "1 m", "1min", "-1s", "0s", "2d", "1.5s", "99999999999s"] {
            assert!(parse_period(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn key_parts_read_as_strings_or_one_field_objects() {
        let parts: Vec<KeyPartConfig> = serde_json::from_str(
            r#"["client_ip", {"ip_prefix": {"v4": 16}}, {"header": "X-Tenant"}, {"claim": "org"}, "route"]"#,
        )
        .unwrap();
        assert_eq!(parts[0], KeyPartConfig::ClientIp);
        assert_eq!(parts[1], KeyPartConfig::IpPrefix { v4: 16, v6: 64 });
        assert_eq!(parts[2], KeyPartConfig::Header("X-Tenant".into()));
    }

    #[test]
    fn the_json_schema_is_generated_from_the_same_types() {
        let schema = serde_json::to_value(schemars::schema_for!(RateLimitingConfig)).unwrap();
        assert!(schema.to_string().contains("cas_attempts"));
        let rule = serde_json::to_value(schemars::schema_for!(RateLimitRuleConfig)).unwrap();
        assert!(rule.to_string().contains("before_auth"));
    }

    #[test]
    fn unknown_rule_fields_are_errors() {
        let r: Result<RateLimitRuleConfig, _> =
            serde_json::from_str(r#"{"name":"a","stage":"before_auth","limit":1,"period":"1s","brust":2}"#);
        assert!(r.is_err());
    }
}

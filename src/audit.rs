//! Audit records: one JSON object per decision, the same for Envoy and the CLI. Records hold
//! the path without query values and never a credential, a header value or a body.

use serde::Serialize;

/// Prefix of every audit line in the host log, so log pipelines can pick them out.
pub const LOG_PREFIX: &str = "palisade.audit ";

/// Filter-state key (Envoy prefixes `wasm.`): `%FILTER_STATE(wasm.palisade.audit:PLAIN)%`.
pub const FILTER_STATE_KEY: &str = "palisade.audit";

#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord<'a> {
    /// RFC 3339 time with milliseconds, UTC.
    pub time: String,
    pub request_id: &'a str,
    pub client_ip: Option<String>,
    pub client_ip_source: &'static str,
    pub method: &'a str,
    pub path: &'a str,
    pub route: Option<&'a str>,
    pub policy: &'a str,
    /// `allow` or `deny` (a would-be denial in monitor mode is `deny` with `enforced: false`).
    pub decision: &'static str,
    /// Whether the decision was carried out (false for monitor-mode would-be denials).
    pub enforced: bool,
    pub reason: Option<&'static str>,
    pub status: Option<u16>,
    pub rule: Option<&'a str>,
    /// What the deciding stage said (no secrets, no request data beyond names and counts).
    pub detail: Option<&'a str>,
    /// The authenticated consumer (JWT `sub` or API-key consumer id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<&'a str>,
    /// How the request authenticated: `jwt:<provider>`, `api_key` or `introspection`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<&'a str>,
    /// WAF matches (rule ids, target names and scores; never the matched values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waf: Option<WafSummary>,
    /// Set when this denial put the client in the penalty box.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub penalty: Option<&'a str>,
    pub mode: &'static str,
}

/// What the WAF found in a request, as recorded: no matched values, only where and how much.
#[derive(Debug, Clone, Serialize)]
pub struct WafSummary {
    pub score: u32,
    pub over_threshold: bool,
    pub incomplete: bool,
    pub matches: Vec<WafMatchRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WafMatchRecord {
    pub rule: u32,
    pub category: &'static str,
    pub target: String,
    pub score: u32,
}

impl WafSummary {
    pub fn of(o: &crate::waf::Outcome) -> WafSummary {
        WafSummary {
            score: o.total_score,
            over_threshold: o.over_threshold,
            incomplete: o.incomplete,
            matches: o
                .matches
                .iter()
                .map(|m| WafMatchRecord {
                    rule: m.rule_id,
                    category: m.category.as_str(),
                    target: m.target.clone(),
                    score: m.score,
                })
                .collect(),
        }
    }
}

impl AuditRecord<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// Milliseconds since the epoch as RFC 3339 (`2026-11-28T20:46:17.123Z`).
pub fn rfc3339(ms: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_is_rfc3339_utc_with_millis() {
        assert_eq!(super::rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}

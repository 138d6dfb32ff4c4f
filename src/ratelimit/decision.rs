//! The outcome of a rate-limit check and how it is told to the client: 429 with `Retry-After`,
//! and the `RateLimit-Policy` / `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers-11
//! (Structured Fields lists). Never names the client or its key in any header or reason.

use super::rule::{seconds, RateLimitRule};

/// The problem type (RFC 9457 `type`) for a 429 body, registered by the draft (section 5.1).
pub const QUOTA_EXCEEDED_TYPE: &str = "https://iana.org/assignments/http-problem-types#quota-exceeded";

/// One applicable rule's state after the check.
#[derive(Debug, Clone, Copy)]
pub struct RuleState<'r> {
    pub rule: &'r RateLimitRule,
    /// Whether this rule refused the request.
    pub limited: bool,
    /// Requests still allowed right now (`r`).
    pub remaining: u64,
    /// Seconds until the whole allowance is back (`t` on allowed responses).
    pub reset_s: u64,
    /// Seconds until a request conforms again (0 when not limited).
    pub retry_after_s: u64,
    /// The state could not be stored or read (contention): the refusal is not the client's doing.
    pub contended: bool,
}

impl<'r> RuleState<'r> {
    pub(crate) fn admitted(rule: &'r RateLimitRule, remaining: u64, reset_ns: u64) -> Self {
        RuleState { rule, limited: false, remaining, reset_s: seconds(reset_ns), retry_after_s: 0, contended: false }
    }
    pub(crate) fn current(rule: &'r RateLimitRule, remaining: u64, tat: Option<u64>, now: u64) -> Self {
        let reset_ns = tat.unwrap_or(now).saturating_sub(now);
        Self::admitted(rule, remaining, reset_ns)
    }
    pub(crate) fn limited(rule: &'r RateLimitRule, retry_after_ns: u64, reset_ns: u64) -> Self {
        let retry = seconds(retry_after_ns).max(1);
        RuleState {
            rule,
            limited: true,
            remaining: 0,
            reset_s: seconds(reset_ns),
            retry_after_s: retry,
            contended: false,
        }
    }
    pub(crate) fn contended(rule: &'r RateLimitRule, retry_after_ns: u64) -> Self {
        RuleState { contended: true, ..Self::limited(rule, retry_after_ns, retry_after_ns) }
    }
}

/// What the check decided.
#[derive(Debug, Clone, Default)]
pub struct RateLimitDecision<'r> {
    /// Whether the request must be refused with 429.
    pub limited: bool,
    /// `Retry-After` seconds for the 429: the longest wait among the refusing rules.
    pub retry_after_s: u64,
    /// Applicable rules' states, in rule order (a rule after the refusing one may be missing).
    pub states: Vec<RuleState<'r>>,
    /// Costs and incidents, for metrics.
    pub stats: super::stats::DecisionStats,
}

impl<'r> RateLimitDecision<'r> {
    pub(crate) fn allowed() -> Self {
        RateLimitDecision::default()
    }

    pub(crate) fn finish(&mut self) {
        self.limited = self.states.iter().any(|s| s.limited);
        self.retry_after_s = self.states.iter().filter(|s| s.limited).map(|s| s.retry_after_s).max().unwrap_or(0);
    }

    /// Names of the rules that refused the request (`violated-policies` of the problem body).
    pub fn violated_policies(&self) -> Vec<&'r str> {
        self.states.iter().filter(|s| s.limited).map(|s| s.rule.name.as_str()).collect()
    }

    /// An audit-friendly reason: which rules, their rates, and the wait. No client data.
    pub fn reason(&self) -> String {
        let parts: Vec<String> = self
            .states
            .iter()
            .filter(|s| s.limited)
            .map(|s| {
                let why = if s.contended { "shared state contended" } else { "limit reached" };
                format!("{} ({} per {}s, burst {}): {why}", s.rule.id, s.rule.limit, s.rule.period_s, s.rule.burst)
            })
            .collect();
        format!("rate limited by {}; retry after {}s", parts.join(", "), self.retry_after_s)
    }

    /// Header fields to send: on a 429 `Retry-After` and both RateLimit fields for every
    /// evaluated rule; on an allowed request only for rules with `headers_on_allowed` (to be
    /// added to the upstream response). Empty when there is nothing to say.
    pub fn response_headers(&self) -> Vec<(&'static str, String)> {
        let shown: Vec<&RuleState<'r>> =
            self.states.iter().filter(|s| self.limited || s.rule.headers_on_allowed).collect();
        let mut out = Vec::new();
        if self.limited {
            out.push(("retry-after", self.retry_after_s.to_string()));
        }
        if shown.is_empty() {
            return out;
        }
        let policy: Vec<String> =
            shown.iter().map(|s| format!("\"{}\";q={};w={}", s.rule.name, s.rule.limit, s.rule.period_s)).collect();
        let limit: Vec<String> = shown
            .iter()
            .map(|s| {
                let t = if s.limited { s.retry_after_s } else { s.reset_s };
                format!("\"{}\";r={};t={}", s.rule.name, s.remaining, t)
            })
            .collect();
        out.push(("ratelimit-policy", policy.join(", ")));
        out.push(("ratelimit", limit.join(", ")));
        out
    }
}

//! Denials: what the client is told when a request is refused. Bodies are RFC 9457
//! `application/problem+json`; they carry a stable reason code and the request id, never a secret
//! or an echo of the request's credentials.

use serde::Serialize;

/// Every kind of denial, with a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    IpDenied,
    IpNotAllowed,
    TlsRequired,
    MethodNotAllowed,
    UriTooLong,
    TooManyHeaders,
    HeadersTooLarge,
    BodyTooLarge,
    BadRequest,
    RateLimited,
    PenaltyBoxed,
    WafBlocked,
    Unauthenticated,
    InsufficientScope,
    Forbidden,
    AuthUnavailable,
    InternalError,
}

impl Reason {
    pub const ALL: [Reason; 17] = [
        Reason::IpDenied,
        Reason::IpNotAllowed,
        Reason::TlsRequired,
        Reason::MethodNotAllowed,
        Reason::UriTooLong,
        Reason::TooManyHeaders,
        Reason::HeadersTooLarge,
        Reason::BodyTooLarge,
        Reason::BadRequest,
        Reason::RateLimited,
        Reason::PenaltyBoxed,
        Reason::WafBlocked,
        Reason::Unauthenticated,
        Reason::InsufficientScope,
        Reason::Forbidden,
        Reason::AuthUnavailable,
        Reason::InternalError,
    ];

    /// The stable code, used in bodies, audit records and metric names.
    pub fn code(self) -> &'static str {
        match self {
            Reason::IpDenied => "ip_denied",
            Reason::IpNotAllowed => "ip_not_allowed",
            Reason::TlsRequired => "tls_required",
            Reason::MethodNotAllowed => "method_not_allowed",
            Reason::UriTooLong => "uri_too_long",
            Reason::TooManyHeaders => "too_many_headers",
            Reason::HeadersTooLarge => "headers_too_large",
            Reason::BodyTooLarge => "body_too_large",
            Reason::BadRequest => "bad_request",
            Reason::RateLimited => "rate_limited",
            Reason::PenaltyBoxed => "penalty_boxed",
            Reason::WafBlocked => "waf_blocked",
            Reason::Unauthenticated => "unauthenticated",
            Reason::InsufficientScope => "insufficient_scope",
            Reason::Forbidden => "forbidden",
            Reason::AuthUnavailable => "auth_unavailable",
            Reason::InternalError => "internal_error",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Reason::IpDenied
            | Reason::IpNotAllowed
            | Reason::TlsRequired
            | Reason::WafBlocked
            | Reason::InsufficientScope
            | Reason::Forbidden => 403,
            Reason::Unauthenticated => 401,
            Reason::AuthUnavailable => 503,
            Reason::MethodNotAllowed => 405,
            Reason::UriTooLong => 414,
            Reason::TooManyHeaders | Reason::HeadersTooLarge => 431,
            Reason::BodyTooLarge => 413,
            Reason::BadRequest => 400,
            Reason::RateLimited | Reason::PenaltyBoxed => 429,
            Reason::InternalError => 500,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Reason::IpDenied => "Client address denied",
            Reason::IpNotAllowed => "Client address not allowed",
            Reason::TlsRequired => "TLS required",
            Reason::MethodNotAllowed => "Method not allowed",
            Reason::UriTooLong => "URI too long",
            Reason::TooManyHeaders => "Too many request headers",
            Reason::HeadersTooLarge => "Request headers too large",
            Reason::BodyTooLarge => "Request body too large",
            Reason::BadRequest => "Bad request",
            Reason::RateLimited => "Too many requests",
            Reason::PenaltyBoxed => "Client temporarily blocked",
            Reason::WafBlocked => "Request blocked by the web application firewall",
            Reason::Unauthenticated => "Authentication required",
            Reason::InsufficientScope => "Insufficient scope",
            Reason::Forbidden => "Forbidden",
            Reason::AuthUnavailable => "Authentication temporarily unavailable",
            Reason::InternalError => "Request could not be checked",
        }
    }
}

/// A decision to refuse a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub reason: Reason,
    /// Human-readable explanation without secrets.
    pub detail: String,
    /// Which configured rule decided, as a JSON path (e.g. `ip.deny[2]`), when one did.
    pub rule: Option<String>,
    /// Extra response headers (`Allow`, `WWW-Authenticate`, `Retry-After`, ...).
    pub headers: Vec<(String, String)>,
    /// A registered problem type URI replacing Palisade's own (e.g. the IETF `quota-exceeded`).
    pub problem_type: Option<&'static str>,
    /// Extension members of the problem body (e.g. `violated-policies`).
    pub extensions: Vec<(&'static str, serde_json::Value)>,
}

impl Denial {
    pub fn new(reason: Reason, detail: impl Into<String>) -> Self {
        Denial {
            reason,
            detail: detail.into(),
            rule: None,
            headers: Vec::new(),
            problem_type: None,
            extensions: Vec::new(),
        }
    }

    pub fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn status(&self) -> u16 {
        self.reason.status()
    }

    pub fn problem_type(mut self, uri: &'static str) -> Self {
        self.problem_type = Some(uri);
        self
    }

    pub fn extension(mut self, name: &'static str, value: serde_json::Value) -> Self {
        self.extensions.push((name, value));
        self
    }

    /// The problem+json body.
    pub fn body(&self, request_id: &str) -> Vec<u8> {
        #[derive(Serialize)]
        struct Problem<'a> {
            #[serde(flatten)]
            extensions: serde_json::Map<String, serde_json::Value>,
            #[serde(rename = "type")]
            kind: String,
            title: &'a str,
            status: u16,
            detail: &'a str,
            code: &'a str,
            #[serde(skip_serializing_if = "str::is_empty")]
            request_id: &'a str,
        }
        let problem = Problem {
            extensions: self.extensions.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            kind: match self.problem_type {
                Some(uri) => uri.to_string(),
                None => format!("urn:palisade:problem:{}", self.reason.code()),
            },
            title: self.reason.title(),
            status: self.status(),
            detail: &self.detail,
            code: self.reason.code(),
            request_id,
        };
        serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec())
    }
}

/// The response a denial produces: status, headers, body. The same for Envoy and the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl LocalResponse {
    pub fn from_denial(denial: &Denial, request_id: &str, extra: &[(String, String)]) -> LocalResponse {
        let mut headers = vec![("content-type".to_string(), "application/problem+json".to_string())];
        headers.extend(denial.headers.iter().cloned());
        if !request_id.is_empty() {
            headers.push(("x-request-id".to_string(), request_id.to_string()));
        }
        headers.extend(extra.iter().cloned());
        LocalResponse { status: denial.status(), headers, body: denial.body(request_id) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_body_has_rfc9457_members_and_request_id() {
        let d = Denial::new(Reason::IpDenied, "the client address is on a deny list").rule("ip.deny[0]");
        let body: serde_json::Value = serde_json::from_slice(&d.body("abc-123")).unwrap();
        assert_eq!(body["type"], "urn:palisade:problem:ip_denied");
        assert_eq!(body["title"], "Client address denied");
        assert_eq!(body["status"], 403);
        assert_eq!(body["code"], "ip_denied");
        assert_eq!(body["request_id"], "abc-123");
    }

    #[test]
    fn every_reason_has_a_distinct_code() {
        let mut codes: Vec<_> = Reason::ALL.iter().map(|r| r.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Reason::ALL.len());
    }

    #[test]
    fn local_response_is_problem_json_with_extra_headers() {
        let d = Denial::new(Reason::MethodNotAllowed, "x").header("allow", "GET, HEAD");
        let r = LocalResponse::from_denial(&d, "rid", &[]);
        assert_eq!(r.status, 405);
        assert!(r.headers.contains(&("content-type".into(), "application/problem+json".into())));
        assert!(r.headers.contains(&("allow".into(), "GET, HEAD".into())));
        assert!(r.headers.contains(&("x-request-id".into(), "rid".into())));
    }
}

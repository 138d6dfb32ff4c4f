//! Request limits: allowed methods (405), URI length (414), header count and size (431), body
//! size (413, from `Content-Length` and while the body streams). Decides only on sizes and
//! methods; never reads header contents beyond `Content-Length`.

use crate::config::{ConfigError, LimitsConfig};
use crate::denial::{Denial, Reason};
use crate::request::Request;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Allowed methods; empty means any.
    methods: Vec<String>,
    /// The `Allow` header value for 405 responses.
    allow_header: String,
    max_uri_length: u64,
    max_header_count: u64,
    max_header_bytes: u64,
    pub max_body_bytes: u64,
    /// JSON path of this limits block, for rule ids.
    at: String,
}

/// Methods are HTTP tokens; we accept upper-case letters, digits, `-` and `_`.
pub fn check_method_name(m: &str) -> Result<String, String> {
    if !m.is_empty()
        && m.len() <= 32
        && m.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        Ok(m.to_string())
    } else {
        Err(format!("\"{m}\" is not an HTTP method (upper case, e.g. \"GET\")"))
    }
}

impl Limits {
    pub fn compile(cfg: &LimitsConfig, at: &str, errors: &mut Vec<ConfigError>) -> Limits {
        let mut methods = Vec::new();
        for (i, m) in cfg.methods.iter().enumerate() {
            match check_method_name(m) {
                Ok(m) if !methods.contains(&m) => methods.push(m),
                Ok(_) => {
                    errors.push(ConfigError::new(format!("{at}.methods[{i}]"), format!("\"{m}\" is listed twice")))
                }
                Err(msg) => errors.push(ConfigError::new(format!("{at}.methods[{i}]"), msg)),
            }
        }
        for (name, value) in [
            ("max_uri_length", cfg.max_uri_length),
            ("max_header_count", cfg.max_header_count),
            ("max_header_bytes", cfg.max_header_bytes),
        ] {
            if value == 0 {
                errors.push(ConfigError::new(format!("{at}.{name}"), "must be at least 1"));
            }
        }
        Limits {
            allow_header: methods.join(", "),
            methods,
            max_uri_length: cfg.max_uri_length,
            max_header_count: cfg.max_header_count,
            max_header_bytes: cfg.max_header_bytes,
            max_body_bytes: cfg.max_body_bytes,
            at: at.to_string(),
        }
    }

    /// Whether this policy accepts `method` (every method when no list is set).
    pub fn allows_method(&self, method: &str) -> bool {
        self.methods.is_empty() || self.methods.iter().any(|m| m == method)
    }

    /// Checks everything known from the headers. Returns the declared body length, if any.
    pub fn check_head(&self, req: &Request) -> Result<Option<u64>, Denial> {
        if !self.methods.is_empty() && !self.methods.contains(&req.method) {
            return Err(Denial::new(Reason::MethodNotAllowed, "this method is not allowed on this resource")
                .rule(format!("{}.methods", self.at))
                .header("allow", self.allow_header.clone()));
        }
        if req.target.len() as u64 > self.max_uri_length {
            return Err(Denial::new(
                Reason::UriTooLong,
                format!("the request target is longer than {} bytes", self.max_uri_length),
            )
            .rule(format!("{}.max_uri_length", self.at)));
        }
        let (count, bytes) = req.regular_header_totals();
        if count > self.max_header_count {
            return Err(Denial::new(
                Reason::TooManyHeaders,
                format!("more than {} request headers", self.max_header_count),
            )
            .rule(format!("{}.max_header_count", self.at)));
        }
        if bytes > self.max_header_bytes {
            return Err(Denial::new(
                Reason::HeadersTooLarge,
                format!("request headers larger than {} bytes", self.max_header_bytes),
            )
            .rule(format!("{}.max_header_bytes", self.at)));
        }
        let declared = content_length(req)?;
        if let Some(len) = declared {
            if len > self.max_body_bytes {
                return Err(self.body_too_large());
            }
        }
        Ok(declared)
    }

    /// Checks the body size seen so far while it streams.
    pub fn check_body_so_far(&self, total: u64) -> Result<(), Denial> {
        if total > self.max_body_bytes {
            Err(self.body_too_large())
        } else {
            Ok(())
        }
    }

    fn body_too_large(&self) -> Denial {
        Denial::new(Reason::BodyTooLarge, format!("the request body is larger than {} bytes", self.max_body_bytes))
            .rule(format!("{}.max_body_bytes", self.at))
    }
}

/// `Content-Length` as a number. Several headers or a comma list must all agree (RFC 9110 §8.6);
/// anything else that is not a plain decimal number is a bad request.
pub fn content_length(req: &Request) -> Result<Option<u64>, Denial> {
    let mut found: Option<u64> = None;
    for value in req.header_values("content-length") {
        for part in value.split(|b| *b == b',') {
            let part = part.trim_ascii();
            let parsed = if !part.is_empty() && part.len() <= 19 && part.iter().all(|b| b.is_ascii_digit()) {
                std::str::from_utf8(part).ok().and_then(|s| s.parse::<u64>().ok())
            } else {
                None
            };
            match (parsed, found) {
                (None, _) => return Err(Denial::new(Reason::BadRequest, "Content-Length is not a valid number")),
                (Some(n), Some(f)) if n != f => {
                    return Err(Denial::new(Reason::BadRequest, "conflicting Content-Length values"))
                }
                (Some(n), _) => found = Some(n),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(json: &str) -> Limits {
        let cfg: LimitsConfig = serde_json::from_str(json).unwrap();
        let mut errors = Vec::new();
        let l = Limits::compile(&cfg, "policies.p.limits", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        l
    }

    fn req(method: &str, target: &str, headers: &[(&str, &str)]) -> Request {
        let mut h = vec![
            (":method".to_string(), method.as_bytes().to_vec()),
            (":path".to_string(), target.as_bytes().to_vec()),
        ];
        h.extend(headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())));
        Request::from_headers(h)
    }

    #[test]
    fn disallowed_method_is_405_with_allow_header() {
        let l = limits(r#"{"methods": ["GET", "HEAD"]}"#);
        let d = l.check_head(&req("DELETE", "/", &[])).unwrap_err();
        assert_eq!(d.status(), 405);
        assert_eq!(d.headers, vec![("allow".to_string(), "GET, HEAD".to_string())]);
        assert!(l.check_head(&req("GET", "/", &[])).is_ok());
    }

    #[test]
    fn long_uri_is_414_and_many_or_large_headers_are_431() {
        let l = limits(r#"{"max_uri_length": 10, "max_header_count": 2, "max_header_bytes": 20}"#);
        assert_eq!(l.check_head(&req("GET", "/0123456789", &[])).unwrap_err().status(), 414);
        assert!(l.check_head(&req("GET", "/012345678", &[])).is_ok());
        assert_eq!(
            l.check_head(&req("GET", "/", &[("a", "1"), ("b", "2"), ("c", "3")])).unwrap_err().reason,
            Reason::TooManyHeaders
        );
        assert_eq!(
            l.check_head(&req("GET", "/", &[("a", "12345678901234567890")])).unwrap_err().reason,
            Reason::HeadersTooLarge
        );
    }

    #[test]
    fn body_limit_applies_to_content_length_and_streaming() {
        let l = limits(r#"{"max_body_bytes": 100}"#);
        assert_eq!(l.check_head(&req("POST", "/", &[("content-length", "101")])).unwrap_err().status(), 413);
        assert_eq!(l.check_head(&req("POST", "/", &[("content-length", "100")])).unwrap(), Some(100));
        assert!(l.check_body_so_far(100).is_ok());
        assert_eq!(l.check_body_so_far(101).unwrap_err().status(), 413);
    }

    #[test]
    fn malformed_or_conflicting_content_length_is_400() {
        let l = limits("{}");
        for bad in ["abc", "-1", "1e3", "", "99999999999999999999999"] {
            assert_eq!(l.check_head(&req("POST", "/", &[("content-length", bad)])).unwrap_err().status(), 400, "{bad}");
        }
        assert_eq!(l.check_head(&req("POST", "/", &[("content-length", "5, 6")])).unwrap_err().status(), 400);
        assert_eq!(l.check_head(&req("POST", "/", &[("content-length", "5, 5")])).unwrap(), Some(5));
    }

    #[test]
    fn bad_limit_values_are_reported() {
        let cfg: LimitsConfig =
            serde_json::from_str(r#"{"methods": ["get", "GET", "GET"], "max_uri_length": 0}"#).unwrap();
        let mut errors = Vec::new();
        Limits::compile(&cfg, "limits", &mut errors);
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["limits.methods[0]", "limits.methods[2]", "limits.max_uri_length"]);
    }
}

//! Security response headers: a preset plus configured additions and removals, per policy.
//! Decides only which response headers to set or remove; never touches the request.

use crate::config::{ConfigError, HeaderPreset, ResponseHeadersConfig};

#[derive(Debug, Clone, Default)]
pub struct ResponseHeaderRules {
    /// Set on every response (name lower-case, value).
    pub set: Vec<(String, String)>,
    /// Set only on responses to TLS requests (HSTS).
    pub set_on_tls: Vec<(String, String)>,
    /// Removed from every response (lower-case names).
    pub remove: Vec<String>,
}

fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_field_value(v: &str) -> bool {
    v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

impl ResponseHeaderRules {
    pub fn compile(cfg: &ResponseHeadersConfig, at: &str, errors: &mut Vec<ConfigError>) -> ResponseHeaderRules {
        let mut rules = ResponseHeaderRules::default();
        if cfg.preset == HeaderPreset::Api {
            for (n, v) in [
                ("x-content-type-options", "nosniff"),
                ("cache-control", "no-store"),
                ("referrer-policy", "no-referrer"),
                ("x-frame-options", "DENY"),
                ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
            ] {
                rules.set.push((n.to_string(), v.to_string()));
            }
            rules.set_on_tls.push(("strict-transport-security".to_string(), format!("max-age={}", cfg.hsts_max_age)));
            rules.remove.push("server".to_string());
            rules.remove.push("x-powered-by".to_string());
        }
        for (name, value) in &cfg.add {
            let lower = name.to_ascii_lowercase();
            if !is_token(name) || lower.starts_with(':') {
                errors.push(ConfigError::new(format!("{at}.add.{name}"), format!("\"{name}\" is not a header name")));
                continue;
            }
            if !is_field_value(value) {
                errors.push(ConfigError::new(
                    format!("{at}.add.{name}"),
                    "the value has control or non-ASCII characters",
                ));
                continue;
            }
            rules.set.retain(|(n, _)| *n != lower);
            rules.set_on_tls.retain(|(n, _)| *n != lower);
            rules.remove.retain(|n| *n != lower);
            rules.set.push((lower, value.clone()));
        }
        for (i, name) in cfg.remove.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            if !is_token(name) {
                errors.push(ConfigError::new(format!("{at}.remove[{i}]"), format!("\"{name}\" is not a header name")));
                continue;
            }
            if cfg.add.keys().any(|k| k.eq_ignore_ascii_case(name)) {
                errors.push(ConfigError::new(format!("{at}.remove[{i}]"), format!("\"{name}\" is also in \"add\"")));
                continue;
            }
            rules.set.retain(|(n, _)| *n != lower);
            rules.set_on_tls.retain(|(n, _)| *n != lower);
            if !rules.remove.contains(&lower) {
                rules.remove.push(lower);
            }
        }
        rules
    }

    /// The headers to set on a response, given whether the request came over TLS.
    pub fn to_set(&self, tls: bool) -> impl Iterator<Item = &(String, String)> {
        self.set.iter().chain(self.set_on_tls.iter().filter(move |_| tls))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(json: &str) -> (ResponseHeaderRules, Vec<ConfigError>) {
        let cfg: ResponseHeadersConfig = serde_json::from_str(json).unwrap();
        let mut errors = Vec::new();
        (ResponseHeaderRules::compile(&cfg, "h", &mut errors), errors)
    }

    #[test]
    fn api_preset_sets_nosniff_and_removes_server_and_hsts_only_on_tls() {
        let (r, e) = compile("{}");
        assert!(e.is_empty());
        assert!(r.to_set(false).any(|(n, v)| n == "x-content-type-options" && v == "nosniff"));
        assert!(!r.to_set(false).any(|(n, _)| n == "strict-transport-security"));
        assert!(r.to_set(true).any(|(n, v)| n == "strict-transport-security" && v == "max-age=31536000"));
        assert!(r.remove.contains(&"server".to_string()));
    }

    #[test]
    fn additions_override_the_preset_and_removals_drop_it() {
        let (r, e) = compile(r#"{"add": {"X-Frame-Options": "SAMEORIGIN"}, "remove": ["Cache-Control", "Via"]}"#);
        assert!(e.is_empty(), "{e:?}");
        assert!(r.to_set(false).any(|(n, v)| n == "x-frame-options" && v == "SAMEORIGIN"));
        assert!(!r.to_set(false).any(|(n, _)| n == "cache-control"));
        assert!(r.remove.contains(&"via".to_string()));
    }

    #[test]
    fn none_preset_is_empty_and_bad_names_are_reported() {
        let (r, e) = compile(r#"{"preset": "none"}"#);
        assert!(e.is_empty() && r.set.is_empty() && r.remove.is_empty());
        let (_, e) = compile(r#"{"add": {"bad name": "x", "x-ok": "a\nb"}, "remove": ["x y"]}"#);
        assert_eq!(e.len(), 3, "{e:?}");
    }
}

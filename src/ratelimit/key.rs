//! Rate-limit keys: what the engine knows about a request (`KeyInputs`) turned into the bytes a
//! rule counts by. A key part that is unknown for this request (no consumer before authentication,
//! header absent) makes the rule not apply; a key never contains a secret, only ids and values.

use super::config::{KeyPartConfig, Stage};
use crate::config::ConfigError;
use std::net::IpAddr;

/// Looks up a verified JWT claim by name, as text (numbers and booleans in their JSON form).
pub type ClaimLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What the engine knows about the request when it checks rate limits. Fill what is known at the
/// stage; leave the rest `None`.
#[derive(Clone, Copy, Default)]
pub struct KeyInputs<'a> {
    /// The client address found by `client_ip` (after trusted `X-Forwarded-For` processing).
    pub client_ip: Option<IpAddr>,
    /// The authenticated consumer's id.
    pub consumer: Option<&'a str>,
    /// The id of the API key that authenticated the request (never the key itself).
    pub api_key_id: Option<&'a str>,
    /// The matched route's name.
    pub route: Option<&'a str>,
    /// The request, for its headers (names in lower case, values raw).
    pub request: Option<&'a crate::request::Request>,
    /// Claims of the verified token, if any.
    pub claims: Option<ClaimLookup<'a>>,
}

impl std::fmt::Debug for KeyInputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyInputs")
            .field("client_ip", &self.client_ip)
            .field("consumer", &self.consumer)
            .field("api_key_id", &self.api_key_id)
            .field("route", &self.route)
            .field("headers", &self.request.map_or(0, |r| r.header_count()))
            .field("claims", &self.claims.is_some())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyPart {
    ClientIp,
    IpPrefix { v4: u8, v6: u8 },
    Consumer,
    ApiKey,
    Header(String),
    Claim(String),
    Route,
}

/// A compiled key: the ordered parts a rule (or the penalty box) counts by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    parts: Vec<KeyPart>,
}

impl KeySpec {
    /// The key includes the client address.
    pub fn uses_client_ip(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, KeyPart::ClientIp))
    }

    /// Compiles key parts for a stage; parts unknown at that stage are errors at `path[i]`.
    pub fn compile(parts: &[KeyPartConfig], stage: Stage, path: &str, errors: &mut Vec<ConfigError>) -> KeySpec {
        if parts.is_empty() {
            errors.push(ConfigError::new(path, "a key needs at least one part, such as \"client_ip\""));
        }
        if parts.len() > 8 {
            errors.push(ConfigError::new(path, "a key has at most 8 parts"));
        }
        let mut out = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let after_auth_only = |what: &str, errors: &mut Vec<ConfigError>| {
                if stage == Stage::BeforeAuth {
                    errors.push(ConfigError::new(
                        p.clone(),
                        format!("{what} is only known after authentication: use \"stage\": \"after_auth\" or another key part"),
                    ));
                }
            };
            let compiled = match part {
                KeyPartConfig::ClientIp => KeyPart::ClientIp,
                KeyPartConfig::IpPrefix { v4, v6 } => {
                    if *v4 > 32 {
                        errors.push(ConfigError::new(
                            format!("{p}.ip_prefix.v4"),
                            format!("{v4} is not an IPv4 prefix length (0 to 32)"),
                        ));
                    }
                    if *v6 > 128 {
                        errors.push(ConfigError::new(
                            format!("{p}.ip_prefix.v6"),
                            format!("{v6} is not an IPv6 prefix length (0 to 128)"),
                        ));
                    }
                    KeyPart::IpPrefix { v4: (*v4).min(32), v6: (*v6).min(128) }
                }
                KeyPartConfig::Consumer => {
                    after_auth_only("the consumer", errors);
                    KeyPart::Consumer
                }
                KeyPartConfig::ApiKey => {
                    after_auth_only("the API key id", errors);
                    KeyPart::ApiKey
                }
                KeyPartConfig::Claim(name) => {
                    after_auth_only("a JWT claim", errors);
                    if name.is_empty() {
                        errors.push(ConfigError::new(
                            format!("{p}.claim"),
                            "name the claim, such as \"sub\" or \"tenant\"",
                        ));
                    }
                    KeyPart::Claim(name.clone())
                }
                KeyPartConfig::Header(name) => {
                    let ok = !name.is_empty()
                        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                    if !ok {
                        errors
                            .push(ConfigError::new(format!("{p}.header"), format!("\"{name}\" is not a header name")));
                    }
                    KeyPart::Header(name.to_ascii_lowercase())
                }
                KeyPartConfig::Route => KeyPart::Route,
            };
            out.push(compiled);
        }
        KeySpec { parts: out }
    }

    /// Whether the key needs anything only known after authentication.
    pub fn needs_authentication(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, KeyPart::Consumer | KeyPart::ApiKey | KeyPart::Claim(_)))
    }

    /// Writes the key for this request into `out` (cleared first). `false` when a part is unknown
    /// for this request: the rule does not apply. The encoding is injective: each part is a tag
    /// byte, a 4-byte length and the bytes.
    pub fn write_key(&self, inputs: &KeyInputs<'_>, out: &mut Vec<u8>) -> bool {
        out.clear();
        for part in &self.parts {
            match part {
                KeyPart::ClientIp => match inputs.client_ip {
                    Some(ip) => push_ip(out, 1, crate::ip::canonical(ip), 32, 128),
                    None => return false,
                },
                KeyPart::IpPrefix { v4, v6 } => match inputs.client_ip {
                    Some(ip) => push_ip(out, 2, crate::ip::canonical(ip), *v4, *v6),
                    None => return false,
                },
                KeyPart::Consumer => match inputs.consumer {
                    Some(c) => push(out, 3, c.as_bytes()),
                    None => return false,
                },
                KeyPart::ApiKey => match inputs.api_key_id {
                    Some(k) => push(out, 4, k.as_bytes()),
                    None => return false,
                },
                KeyPart::Header(name) => {
                    match inputs.request.and_then(|r| r.headers().find(|(n, _)| n.eq_ignore_ascii_case(name))) {
                        Some((_, v)) => push(out, 5, v),
                        None => return false,
                    }
                }
                KeyPart::Claim(name) => match inputs.claims.and_then(|lookup| lookup(name)) {
                    Some(v) => push(out, 6, v.as_bytes()),
                    None => return false,
                },
                KeyPart::Route => match inputs.route {
                    Some(r) => push(out, 7, r.as_bytes()),
                    None => return false,
                },
            }
        }
        true
    }
}

fn push(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&bytes[..len as usize]);
}

fn push_ip(out: &mut Vec<u8>, tag: u8, ip: IpAddr, v4: u8, v6: u8) {
    match ip {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let masked = if v4 == 0 { 0 } else { bits & (u32::MAX << (32 - u32::from(v4.min(32)))) };
            push(out, tag, &masked.to_be_bytes());
            out.push(v4);
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let masked = if v6 == 0 { 0 } else { bits & (u128::MAX << (128 - u32::from(v6.min(128)))) };
            push(out, tag, &masked.to_be_bytes());
            out.push(v6);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;

    fn spec(json: &str, stage: Stage) -> (KeySpec, Vec<ConfigError>) {
        let parts: Vec<KeyPartConfig> = serde_json::from_str(json).unwrap();
        let mut errors = Vec::new();
        let s = KeySpec::compile(&parts, stage, "policies.api.rate_limits[0].key", &mut errors);
        (s, errors)
    }

    fn key(spec: &KeySpec, inputs: &KeyInputs<'_>) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        spec.write_key(inputs, &mut out).then_some(out)
    }

    #[test]
    fn consumer_in_a_before_auth_key_is_an_error_with_its_path() {
        let (_, errors) = spec(r#"["client_ip", "consumer"]"#, Stage::BeforeAuth);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "policies.api.rate_limits[0].key[1]");
    }

    #[test]
    fn bad_prefix_lengths_and_header_names_are_errors() {
        let (_, errors) = spec(r#"[{"ip_prefix": {"v4": 33, "v6": 129}}, {"header": "bad name"}]"#, Stage::BeforeAuth);
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "policies.api.rate_limits[0].key[0].ip_prefix.v4",
                "policies.api.rate_limits[0].key[0].ip_prefix.v6",
                "policies.api.rate_limits[0].key[1].header"
            ]
        );
    }

    #[test]
    fn a_missing_consumer_means_the_rule_does_not_apply() {
        let (s, _) = spec(r#"["consumer"]"#, Stage::AfterAuth);
        assert_eq!(key(&s, &KeyInputs::default()), None);
        assert!(key(&s, &KeyInputs { consumer: Some("alice"), ..Default::default() }).is_some());
    }

    #[test]
    fn addresses_in_the_same_prefix_share_a_key() {
        let (s, _) = spec(r#"[{"ip_prefix": {"v4": 24, "v6": 64}}]"#, Stage::BeforeAuth);
        let k = |ip: &str| key(&s, &KeyInputs { client_ip: Some(ip.parse().unwrap()), ..Default::default() });
        assert_eq!(k("192.0.2.1"), k("192.0.2.254"));
        assert_ne!(k("192.0.2.1"), k("192.0.3.1"));
        assert_eq!(k("2001:db8::1"), k("2001:db8::ffff:1"));
        assert_ne!(k("2001:db8::1"), k("2001:db8:0:1::1"));
        assert_eq!(k("::ffff:192.0.2.9"), k("192.0.2.1"), "IPv4-mapped IPv6 counts as IPv4");
    }

    #[test]
    fn combined_parts_are_unambiguous() {
        let (s, _) = spec(r#"[{"header": "a"}, {"header": "b"}]"#, Stage::BeforeAuth);
        let h1 = Request::from_headers(vec![("a".to_string(), b"xy".to_vec()), ("b".to_string(), b"z".to_vec())]);
        let h2 = Request::from_headers(vec![("a".to_string(), b"x".to_vec()), ("b".to_string(), b"yz".to_vec())]);
        let k1 = key(&s, &KeyInputs { request: Some(&h1), ..Default::default() });
        let k2 = key(&s, &KeyInputs { request: Some(&h2), ..Default::default() });
        assert!(k1.is_some());
        assert_ne!(k1, k2);
    }

    #[test]
    fn claims_are_read_through_the_lookup() {
        let (s, _) = spec(r#"[{"claim": "tenant"}]"#, Stage::AfterAuth);
        let lookup = |name: &str| (name == "tenant").then(|| "acme".to_string());
        assert!(key(&s, &KeyInputs { claims: Some(&lookup), ..Default::default() }).is_some());
        let none = |_: &str| None;
        assert_eq!(key(&s, &KeyInputs { claims: Some(&none), ..Default::default() }), None);
    }
}

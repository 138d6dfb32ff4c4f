//! Strict reading of a JWS compact token (RFC 7515 §7.1) before any key is touched: exactly three
//! non-empty segments, strict base64url, a JSON-object header and payload without duplicate
//! members, an allowed `alg` (never `none`), no unknown `crit`. Header keys (`jwk`, `jku`, `x5u`,
//! `x5c`) are ignored: keys only ever come from the provider's configuration.

use super::algorithm::{Algorithm, AlgorithmSet};
use super::base64url;
use super::error::AuthError;
use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Default upper bound for a token, in bytes (`max_token_bytes`).
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The protected header members that matter for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub alg: Algorithm,
    pub kid: Option<String>,
}

/// A token whose structure is valid; its signature is not checked yet.
#[derive(Debug, Clone)]
pub struct UnverifiedToken<'a> {
    pub header: Header,
    /// `BASE64URL(header) . BASE64URL(payload)`: the bytes the signature covers.
    pub signing_input: &'a [u8],
    pub signature: Vec<u8>,
    /// The payload's members (the claims).
    pub claims: Map<String, Value>,
}

/// Reads `token`, refusing anything that is not a strictly formed JWS with an `alg` in `allowed`.
pub fn parse(token: &[u8], max_bytes: usize, allowed: AlgorithmSet) -> Result<UnverifiedToken<'_>, AuthError> {
    if token.len() > max_bytes {
        return Err(AuthError::TokenTooLarge { limit: max_bytes });
    }
    if token.is_empty() {
        return Err(AuthError::TokenMalformed("the token is empty"));
    }
    let dots: Vec<usize> = token.iter().enumerate().filter(|(_, b)| **b == b'.').map(|(i, _)| i).collect();
    match dots.len() {
        2 => {}
        4 => return Err(AuthError::TokenEncrypted),
        _ => return Err(AuthError::TokenMalformed("a signed token has exactly three segments")),
    }
    let (first, second) = (dots[0], dots[1]);
    let header_b64 = &token[..first];
    let payload_b64 = &token[first + 1..second];
    let signature_b64 = &token[second + 1..];
    if header_b64.is_empty() || payload_b64.is_empty() || signature_b64.is_empty() {
        return Err(AuthError::TokenMalformed("a segment is empty"));
    }
    let header_json =
        base64url::decode(header_b64).ok_or(AuthError::TokenMalformed("the header is not strict base64url"))?;
    let header = read_object(&header_json).ok_or(AuthError::TokenMalformed("the header is not a JSON object"))?;
    let header = read_header(&header, allowed)?;
    let payload_json =
        base64url::decode(payload_b64).ok_or(AuthError::TokenMalformed("the payload is not strict base64url"))?;
    let claims = read_object(&payload_json).ok_or(AuthError::TokenMalformed("the payload is not a JSON object"))?;
    let signature =
        base64url::decode(signature_b64).ok_or(AuthError::TokenMalformed("the signature is not strict base64url"))?;
    Ok(UnverifiedToken { header, signing_input: &token[..second], signature, claims })
}

fn read_header(header: &Map<String, Value>, allowed: AlgorithmSet) -> Result<Header, AuthError> {
    let alg = match header.get("alg") {
        Some(Value::String(name)) => name,
        Some(_) => return Err(AuthError::TokenMalformed("alg must be a string")),
        None => return Err(AuthError::TokenMalformed("the header has no alg")),
    };
    // `none` in any spelling is refused as an algorithm, whatever the allow-list says.
    if alg.eq_ignore_ascii_case("none") {
        return Err(AuthError::AlgNotAllowed);
    }
    let alg = Algorithm::from_name(alg).filter(|a| allowed.contains(*a)).ok_or(AuthError::AlgNotAllowed)?;
    // RFC 7515 §4.1.11: a recipient must reject a token listing extensions it does not
    // understand. Palisade understands none, so any `crit` is refused (and a malformed one too).
    match header.get("crit") {
        None => {}
        Some(Value::Array(list)) if !list.is_empty() && list.iter().all(Value::is_string) => {
            return Err(AuthError::UnsupportedCritical)
        }
        Some(_) => return Err(AuthError::TokenMalformed("crit must be a non-empty array of strings")),
    }
    // RFC 7797 unencoded payloads change what is signed: refused.
    if header.get("b64").is_some_and(|v| v != &Value::Bool(true)) {
        return Err(AuthError::UnsupportedCritical);
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(AuthError::TokenMalformed("kid must be a string")),
    };
    Ok(Header { alg, kid })
}

/// A JSON object whose top-level member names are unique (RFC 7515 §4 / RFC 7519 §4: a parser
/// must reject duplicates or take the last; rejecting leaves no room for disagreement).
fn read_object(json: &[u8]) -> Option<Map<String, Value>> {
    serde_json::from_slice::<UniqueMembers>(json).ok().map(|o| o.0)
}

struct UniqueMembers(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = UniqueMembers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueMembers, A::Error> {
                let mut map = Map::new();
                while let Some(name) = access.next_key::<String>()? {
                    if map.contains_key(&name) {
                        return Err(A::Error::custom("duplicate member"));
                    }
                    let value: Value = access.next_value()?;
                    map.insert(name, value);
                }
                Ok(UniqueMembers(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64url::encode(s.as_bytes())
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), b64("sig"))
    }

    fn all() -> AlgorithmSet {
        Algorithm::ALL.into_iter().collect()
    }

    fn err(t: &str) -> AuthError {
        parse(t.as_bytes(), DEFAULT_MAX_TOKEN_BYTES, all()).unwrap_err()
    }

    #[test]
    fn a_well_formed_token_is_read() {
        let t = token(r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#, r#"{"sub":"a"}"#);
        let parsed = parse(t.as_bytes(), DEFAULT_MAX_TOKEN_BYTES, all()).unwrap();
        assert_eq!(parsed.header, Header { alg: Algorithm::ES256, kid: Some("k1".into()) });
        assert_eq!(parsed.signature, b"sig");
        assert_eq!(parsed.claims["sub"], "a");
        assert_eq!(parsed.signing_input, t.rsplit_once('.').unwrap().0.as_bytes());
    }

    #[test]
    fn alg_none_in_every_spelling_is_not_allowed() {
        for alg in ["none", "None", "NONE", "nOnE"] {
            let t = token(&format!(r#"{{"alg":"{alg}"}}"#), "{}");
            assert_eq!(err(&t), AuthError::AlgNotAllowed, "{alg}");
            // Also with the empty signature of a real unsecured JWS.
            let unsecured = format!("{}.{}.", b64(&format!(r#"{{"alg":"{alg}"}}"#)), b64("{}"));
            assert!(matches!(err(&unsecured), AuthError::TokenMalformed(_)), "{alg}");
        }
    }

    #[test]
    fn an_algorithm_outside_the_allow_list_is_refused() {
        let t = token(r#"{"alg":"HS256"}"#, "{}");
        assert_eq!(
            parse(t.as_bytes(), DEFAULT_MAX_TOKEN_BYTES, AlgorithmSet::asymmetric()).unwrap_err(),
            AuthError::AlgNotAllowed
        );
        assert_eq!(err(&token(r#"{"alg":"rs256"}"#, "{}")), AuthError::AlgNotAllowed);
        assert_eq!(err(&token(r#"{"alg":"ES512"}"#, "{}")), AuthError::AlgNotAllowed);
    }

    #[test]
    fn wrong_segment_counts_are_malformed_and_five_segments_are_jwe() {
        let good = token(r#"{"alg":"ES256"}"#, "{}");
        assert!(matches!(err(good.rsplit_once('.').unwrap().0), AuthError::TokenMalformed(_)));
        assert!(matches!(err(&format!("{good}.x")), AuthError::TokenMalformed(_)));
        assert_eq!(err("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"), AuthError::TokenEncrypted);
        assert!(matches!(err(".."), AuthError::TokenMalformed(_)));
        assert!(matches!(err(""), AuthError::TokenMalformed(_)));
    }

    #[test]
    fn non_base64url_characters_padding_and_spaces_are_malformed() {
        let good = token(r#"{"alg":"ES256"}"#, r#"{"a":1}"#);
        let (h, rest) = good.split_once('.').unwrap();
        for bad in [
            format!("{h}=.{rest}"),
            format!("{h}.{}", rest.replacen('e', "+", 1)),
            format!("{h} .{rest}"),
            format!("{h}.{rest}/"),
            format!("{h}.{rest}%"),
        ] {
            assert!(matches!(err(&bad), AuthError::TokenMalformed(_)), "{bad}");
        }
    }

    #[test]
    fn duplicate_members_and_non_objects_are_malformed() {
        assert!(matches!(err(&token(r#"{"alg":"ES256","alg":"HS256"}"#, "{}")), AuthError::TokenMalformed(_)));
        assert!(matches!(err(&token(r#"{"alg":"ES256"}"#, r#"{"sub":"a","sub":"b"}"#)), AuthError::TokenMalformed(_)));
        assert!(matches!(err(&token(r#"["alg"]"#, "{}")), AuthError::TokenMalformed(_)));
        assert!(matches!(err(&token(r#"{"alg":"ES256"}"#, "[]")), AuthError::TokenMalformed(_)));
        assert!(matches!(err(&token(r#"{"alg":256}"#, "{}")), AuthError::TokenMalformed(_)));
        assert!(matches!(err(&token(r#"{"alg":"ES256","kid":7}"#, "{}")), AuthError::TokenMalformed(_)));
    }

    #[test]
    fn unknown_crit_and_unencoded_payloads_are_refused() {
        assert_eq!(err(&token(r#"{"alg":"ES256","crit":["exp2"],"exp2":1}"#, "{}")), AuthError::UnsupportedCritical);
        assert_eq!(err(&token(r#"{"alg":"ES256","crit":["b64"],"b64":false}"#, "{}")), AuthError::UnsupportedCritical);
        assert_eq!(err(&token(r#"{"alg":"ES256","b64":false}"#, "{}")), AuthError::UnsupportedCritical);
        assert!(matches!(err(&token(r#"{"alg":"ES256","crit":[]}"#, "{}")), AuthError::TokenMalformed(_)));
    }

    #[test]
    fn embedded_keys_in_the_header_are_ignored_not_used() {
        let t = token(r#"{"alg":"RS256","jwk":{"kty":"RSA"},"jku":"https://x","x5u":"https://y","x5c":["AA"]}"#, "{}");
        let parsed = parse(t.as_bytes(), DEFAULT_MAX_TOKEN_BYTES, all()).unwrap();
        assert_eq!(parsed.header, Header { alg: Algorithm::RS256, kid: None });
    }

    #[test]
    fn a_64_kib_token_is_too_large_before_any_decoding() {
        let huge = "a".repeat(64 * 1024);
        assert_eq!(err(&huge), AuthError::TokenTooLarge { limit: DEFAULT_MAX_TOKEN_BYTES });
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x1234_5678u32;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    b"eyJ.a_-=+/ \x00\xff"[(seed % 13) as usize]
                })
                .collect();
            let _ = parse(&bytes, DEFAULT_MAX_TOKEN_BYTES, all());
        }
    }
}

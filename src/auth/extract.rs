//! Finding a credential in a request: `Authorization: Bearer` (RFC 6750 §2.1, scheme
//! case-insensitive), a named header with an optional prefix, a query parameter, or a cookie.
//! It reports every place the credential was found so the caller can strip it, and refuses a
//! request carrying two different credentials. It never judges the credential itself.

use super::error::AuthError;
use crate::request::Request;

/// One place a credential may be carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// A header (name in lower case), its value after `prefix` (exact, case-sensitive).
    Header { name: String, prefix: Option<String> },
    /// A query parameter of the request target.
    QueryParam(String),
    /// A cookie.
    Cookie(String),
}

/// Where a credential was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialLocation {
    /// A header, by lower-case name (`authorization` for Bearer).
    Header(String),
    QueryParam(String),
    Cookie(String),
}

/// A credential found in a request, and every place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCredential {
    pub value: Vec<u8>,
    pub locations: Vec<CredentialLocation>,
}

/// Most values examined per request, bounding the work on requests with many headers or cookies.
const MAX_CANDIDATES: usize = 16;

/// Looks for a credential in every source. `Ok(None)` when there is none; `TokenAmbiguous` when
/// two places carry different values; `TokenMalformed` for a `Bearer` scheme with no token.
pub fn find(request: &Request, sources: &[CredentialSource]) -> Result<Option<FoundCredential>, AuthError> {
    let mut found: Option<FoundCredential> = None;
    let mut seen = 0usize;
    let mut add = |value: &[u8], location: CredentialLocation| -> Result<(), AuthError> {
        seen += 1;
        if seen > MAX_CANDIDATES {
            return Err(AuthError::TokenAmbiguous);
        }
        match &mut found {
            None => found = Some(FoundCredential { value: value.to_vec(), locations: vec![location] }),
            Some(f) if f.value == value => {
                if !f.locations.contains(&location) {
                    f.locations.push(location)
                }
            }
            Some(_) => return Err(AuthError::TokenAmbiguous),
        }
        Ok(())
    };
    for source in sources {
        match source {
            CredentialSource::Bearer => {
                for value in request.header_values("authorization") {
                    if let Some(token) = bearer_token(value)? {
                        add(token, CredentialLocation::Header("authorization".into()))?;
                    }
                }
            }
            CredentialSource::Header { name, prefix } => {
                for value in request.header_values(name) {
                    let rest = match prefix {
                        Some(p) => match value.strip_prefix(p.as_bytes()) {
                            Some(rest) => rest,
                            None => continue,
                        },
                        None => value,
                    };
                    let token = trim(rest);
                    if !token.is_empty() {
                        add(token, CredentialLocation::Header(name.clone()))?;
                    }
                }
            }
            CredentialSource::QueryParam(name) => {
                for value in query_values(&request.target, name) {
                    if !value.is_empty() {
                        add(&value, CredentialLocation::QueryParam(name.clone()))?;
                    }
                }
            }
            CredentialSource::Cookie(name) => {
                for header in request.header_values("cookie") {
                    for value in cookie_values(header, name) {
                        if !value.is_empty() {
                            add(value, CredentialLocation::Cookie(name.clone()))?;
                        }
                    }
                }
            }
        }
    }
    Ok(found)
}

/// The token of an `Authorization: Bearer` value; `None` for other schemes.
fn bearer_token(value: &[u8]) -> Result<Option<&[u8]>, AuthError> {
    let value = trim(value);
    let scheme_end = value.iter().position(|b| *b == b' ' || *b == b'\t').unwrap_or(value.len());
    if !value[..scheme_end].eq_ignore_ascii_case(b"bearer") {
        return Ok(None);
    }
    let token = trim(&value[scheme_end..]);
    // RFC 6750 b64token: no spaces inside.
    if token.is_empty() || memchr::memchr2(b' ', b'\t', token).is_some() {
        return Err(AuthError::TokenMalformed("the Authorization header must be \"Bearer <token>\""));
    }
    Ok(Some(token))
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// The percent-decoded values of query parameter `name` (names compared after decoding).
fn query_values(target: &[u8], name: &str) -> Vec<Vec<u8>> {
    let Some(q) = target.iter().position(|b| *b == b'?') else {
        return Vec::new();
    };
    let query = &target[q + 1..];
    let query = query.split(|b| *b == b'#').next().unwrap_or(&[]);
    query
        .split(|b| *b == b'&')
        .filter_map(|pair| {
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            (percent_decode(k) == name.as_bytes()).then(|| percent_decode(v))
        })
        .take(MAX_CANDIDATES + 1)
        .collect()
}

/// Percent-decoding with `+` as space (form encoding); invalid escapes are kept as they are.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    fn hex(b: Option<&u8>) -> Option<u8> {
        b.and_then(|b| (*b as char).to_digit(16)).map(|d| d as u8)
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'%' => match (hex(input.get(i + 1)), hex(input.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    out
}

/// The values of cookie `name` in one `Cookie` header (RFC 6265 §5.4), quotes removed.
fn cookie_values<'a>(header: &'a [u8], name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
    header.split(|b| *b == b';').filter_map(move |pair| {
        let pair = trim(pair);
        let eq = pair.iter().position(|b| *b == b'=')?;
        if trim(&pair[..eq]) != name.as_bytes() {
            return None;
        }
        let value = trim(&pair[eq + 1..]);
        Some(match value {
            [b'"', inner @ .., b'"'] => inner,
            v => v,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, headers: &[(&str, &str)]) -> Request {
        let mut all = vec![(":path".to_string(), target.as_bytes().to_vec())];
        all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())));
        Request::from_headers(all)
    }

    fn everywhere() -> Vec<CredentialSource> {
        vec![
            CredentialSource::Bearer,
            CredentialSource::Header { name: "x-jwt".into(), prefix: Some("JWT ".into()) },
            CredentialSource::QueryParam("access_token".into()),
            CredentialSource::Cookie("session".into()),
        ]
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for value in ["Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER   abc.def.ghi ", "BeArEr\tabc.def.ghi"] {
            let found = find(&request("/", &[("authorization", value)]), &everywhere()).unwrap().unwrap();
            assert_eq!(found.value, b"abc.def.ghi", "{value}");
            assert_eq!(found.locations, [CredentialLocation::Header("authorization".into())]);
        }
    }

    #[test]
    fn other_schemes_are_not_bearer_tokens_and_an_empty_bearer_is_malformed() {
        assert_eq!(find(&request("/", &[("authorization", "Basic dXNlcjpwdw==")]), &everywhere()), Ok(None));
        assert_eq!(find(&request("/", &[("authorization", "Bearerabc")]), &everywhere()), Ok(None));
        assert!(matches!(
            find(&request("/", &[("authorization", "Bearer ")]), &everywhere()),
            Err(AuthError::TokenMalformed(_))
        ));
        assert!(matches!(
            find(&request("/", &[("authorization", "Bearer a b")]), &everywhere()),
            Err(AuthError::TokenMalformed(_))
        ));
    }

    #[test]
    fn header_prefix_query_and_cookie_sources_are_read() {
        let r = request("/x?a=1&access_token=t%2E1#frag", &[]);
        assert_eq!(find(&r, &everywhere()).unwrap().unwrap().value, b"t.1");
        let r = request("/", &[("x-jwt", "JWT tok")]);
        assert_eq!(find(&r, &everywhere()).unwrap().unwrap().locations, [CredentialLocation::Header("x-jwt".into())]);
        assert_eq!(find(&request("/", &[("x-jwt", "Other tok")]), &everywhere()), Ok(None));
        let r = request("/", &[("cookie", "a=b; session=\"tok\"; c=d")]);
        let found = find(&r, &everywhere()).unwrap().unwrap();
        assert_eq!(
            (found.value, found.locations),
            (b"tok".to_vec(), vec![CredentialLocation::Cookie("session".into())])
        );
    }

    #[test]
    fn the_same_token_in_two_places_is_reported_in_both() {
        let r = request("/?access_token=tok", &[("authorization", "Bearer tok")]);
        let found = find(&r, &everywhere()).unwrap().unwrap();
        assert_eq!(
            found.locations,
            [CredentialLocation::Header("authorization".into()), CredentialLocation::QueryParam("access_token".into())]
        );
    }

    #[test]
    fn different_tokens_in_two_places_are_ambiguous() {
        let r = request("/?access_token=one", &[("authorization", "Bearer two")]);
        assert_eq!(find(&r, &everywhere()), Err(AuthError::TokenAmbiguous));
        let r = request("/", &[("authorization", "Bearer one"), ("authorization", "Bearer two")]);
        assert_eq!(find(&r, &everywhere()), Err(AuthError::TokenAmbiguous));
    }

    #[test]
    fn a_request_without_credentials_gives_none() {
        assert_eq!(find(&request("/?q=1", &[("cookie", "a=b")]), &everywhere()), Ok(None));
    }

    #[test]
    fn percent_decoding_keeps_invalid_escapes() {
        assert_eq!(percent_decode(b"a%2Eb%zz%4"), b"a.b%zz%4");
        assert_eq!(percent_decode(b"a+b%"), b"a b%");
    }
}

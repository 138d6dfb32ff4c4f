//! What a verified token tells the rest of the filter: issuer, subject, scopes, expiry and the
//! headers its claims fill. This is what the token cache keeps, so it holds only what is needed
//! downstream, never the token or its signature.

use super::claims::ClaimPath;
use serde_json::{Map, Value};

/// Longest claim value copied into a header, in bytes; longer values are left out.
pub const MAX_CLAIM_HEADER_BYTES: usize = 4096;

/// A token whose signature and claims were accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub issuer: String,
    /// `sub`, when a string.
    pub subject: Option<String>,
    /// From `scope` (space-separated, RFC 8693 §4.2) or else `scp` (string or array).
    pub scopes: Vec<String>,
    /// `exp` in seconds since the epoch, when present.
    pub expires_at: Option<i64>,
    /// `(header name, value)` from the provider's `claim_to_headers`.
    pub claim_headers: Vec<(String, String)>,
    /// Claims that policies look at (conditions, rate-limit keys): `(path, value as text)`.
    pub kept_claims: Vec<(String, String)>,
}

impl VerifiedToken {
    /// Extracts what is kept from accepted claims.
    pub fn from_claims(
        claims: &Map<String, Value>,
        expires_at: Option<i64>,
        claim_to_headers: &[(ClaimPath, String)],
        kept: &[ClaimPath],
    ) -> VerifiedToken {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
        let scopes = match (claims.get("scope"), claims.get("scp")) {
            (Some(Value::String(s)), _) | (None, Some(Value::String(s))) => {
                s.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect()
            }
            (None, Some(Value::Array(list))) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        };
        let claim_headers = claim_to_headers
            .iter()
            .filter_map(|(path, header)| {
                let value = header_value(path.lookup(claims)?)?;
                Some((header.clone(), value))
            })
            .collect();
        let kept_claims = kept
            .iter()
            .filter_map(|path| Some((path.as_str().to_string(), header_value(path.lookup(claims)?)?)))
            .collect();
        VerifiedToken {
            issuer: text("iss").unwrap_or_default(),
            subject: text("sub"),
            scopes,
            expires_at,
            claim_headers,
            kept_claims,
        }
    }

    /// A kept claim's value as text (arrays comma-joined).
    pub fn claim(&self, path: &str) -> Option<&str> {
        self.kept_claims.iter().find(|(p, _)| p == path).map(|(_, v)| v.as_str())
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// A claim as a header value: strings as they are, numbers and booleans as JSON text, arrays of
/// those comma-joined. Objects, nulls, control characters and overlong values give nothing, so
/// a claim can never inject a header line.
fn header_value(value: &Value) -> Option<String> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    let text = match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>()?.join(","),
        other => scalar(other)?,
    };
    let clean = text.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f));
    (clean && text.len() <= MAX_CLAIM_HEADER_BYTES).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping(pairs: &[(&str, &str)]) -> Vec<(ClaimPath, String)> {
        pairs.iter().map(|(c, h)| (ClaimPath::new(c).unwrap(), h.to_string())).collect()
    }

    #[test]
    fn claims_fill_headers_with_arrays_comma_joined_and_nested_paths() {
        let claims = json!({"iss": "i", "sub": "u", "tenant": {"id": "t-7", "groups": ["a", "b"]}, "n": 3, "ok": true});
        let t = VerifiedToken::from_claims(
            claims.as_object().unwrap(),
            Some(10),
            &mapping(&[
                ("tenant.id", "x-tenant"),
                ("tenant.groups", "x-groups"),
                ("n", "x-n"),
                ("ok", "x-ok"),
                ("absent", "x-a"),
            ]),
            &[],
        );
        assert_eq!(
            t.claim_headers,
            [
                ("x-tenant".into(), "t-7".into()),
                ("x-groups".into(), "a,b".into()),
                ("x-n".into(), "3".into()),
                ("x-ok".into(), "true".into())
            ]
        );
        assert_eq!(t.subject.as_deref(), Some("u"));
        assert_eq!(t.expires_at, Some(10));
    }

    #[test]
    fn claims_with_line_breaks_or_objects_never_become_headers() {
        let claims = json!({"evil": "a\r\nx-admin: 1", "obj": {"a": 1}, "mixed": ["a", {"b": 1}]});
        let t = VerifiedToken::from_claims(
            claims.as_object().unwrap(),
            None,
            &mapping(&[("evil", "x-e"), ("obj", "x-o"), ("mixed", "x-m")]),
            &[],
        );
        assert!(t.claim_headers.is_empty());
    }

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let a = VerifiedToken::from_claims(json!({"scope": "read  write"}).as_object().unwrap(), None, &[], &[]);
        assert_eq!(a.scopes, ["read", "write"]);
        let b = VerifiedToken::from_claims(json!({"scp": ["x", "y"]}).as_object().unwrap(), None, &[], &[]);
        assert!(b.has_scope("y") && !b.has_scope("z"));
    }
}

//! The claim checks of a provider (RFC 7519 §4.1): `iss` equal to the issuer, `aud` meeting the
//! audiences, `exp`/`nbf`/`iat` against the clock with a skew, required claims present. It reads
//! verified or unverified claims alike and never looks at signatures or keys.

use super::error::AuthError;
use serde_json::{Map, Value};

/// A claim named by configuration: a top-level name, or a dotted path into nested objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath {
    text: String,
}

impl ClaimPath {
    /// `None` for an empty name or a dotted path with an empty segment.
    pub fn new(text: &str) -> Option<ClaimPath> {
        if text.is_empty() || text.split('.').any(str::is_empty) {
            return None;
        }
        Some(ClaimPath { text: text.to_string() })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value: a top-level member named exactly like the path first (claim names such as
    /// `https://example.com/roles` contain dots), else the dotted path through nested objects.
    pub fn lookup<'a>(&self, claims: &'a Map<String, Value>) -> Option<&'a Value> {
        if let Some(v) = claims.get(&self.text) {
            return Some(v);
        }
        let mut segments = self.text.split('.');
        let mut current = claims.get(segments.next()?)?;
        for segment in segments {
            current = current.as_object()?.get(segment)?;
        }
        Some(current)
    }
}

/// A provider's claim rules, compiled.
#[derive(Debug, Clone)]
pub struct ClaimRules {
    pub issuer: String,
    /// Empty: `aud` is not checked.
    pub audiences: Vec<String>,
    pub clock_skew_seconds: u64,
    pub require_exp: bool,
    pub required: Vec<ClaimPath>,
}

/// A NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional; fractions are
/// truncated toward negative infinity, out-of-range values saturate.
fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if n.as_u64().is_some() {
                Ok(Some(i64::MAX))
            } else {
                let f = n.as_f64().ok_or(AuthError::InvalidClaim(name))?;
                Ok(Some(f.floor() as i64))
            }
        }
        Some(_) => Err(AuthError::InvalidClaim(name)),
    }
}

impl ClaimRules {
    /// Checks the claims at `now` (seconds since the epoch). Returns `exp` when present.
    pub fn check(&self, claims: &Map<String, Value>, now: u64) -> Result<Option<i64>, AuthError> {
        match claims.get("iss") {
            Some(Value::String(iss)) if *iss == self.issuer => {}
            Some(Value::String(_)) => return Err(AuthError::WrongIssuer),
            Some(_) => return Err(AuthError::InvalidClaim("iss")),
            None => return Err(AuthError::MissingClaim("iss".into())),
        }
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let skew = i64::try_from(self.clock_skew_seconds).unwrap_or(i64::MAX);
        let exp = numeric_date(claims, "exp")?;
        match exp {
            Some(exp) if now >= exp.saturating_add(skew) => return Err(AuthError::TokenExpired),
            Some(_) => {}
            None if self.require_exp => return Err(AuthError::MissingClaim("exp".into())),
            None => {}
        }
        let latest_allowed = now.saturating_add(skew);
        if numeric_date(claims, "nbf")?.is_some_and(|nbf| nbf > latest_allowed) {
            return Err(AuthError::TokenNotYetValid { claim: "nbf" });
        }
        if numeric_date(claims, "iat")?.is_some_and(|iat| iat > latest_allowed) {
            return Err(AuthError::TokenNotYetValid { claim: "iat" });
        }
        if !self.audiences.is_empty() {
            let meets = match claims.get("aud") {
                Some(Value::String(aud)) => self.audiences.iter().any(|a| a == aud),
                Some(Value::Array(list)) => {
                    if !list.iter().all(Value::is_string) {
                        return Err(AuthError::InvalidClaim("aud"));
                    }
                    list.iter().any(|aud| self.audiences.iter().any(|a| aud == a))
                }
                Some(_) => return Err(AuthError::InvalidClaim("aud")),
                None => false,
            };
            if !meets {
                return Err(AuthError::WrongAudience);
            }
        }
        for path in &self.required {
            if path.lookup(claims).is_none_or(Value::is_null) {
                return Err(AuthError::MissingClaim(path.as_str().to_string()));
            }
        }
        Ok(exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;

    fn rules() -> ClaimRules {
        ClaimRules {
            issuer: "https://issuer.example".into(),
            audiences: vec!["api".into()],
            clock_skew_seconds: 60,
            require_exp: true,
            required: vec![],
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn good() -> Value {
        json!({"iss": "https://issuer.example", "aud": "api", "exp": NOW + 3600, "sub": "u"})
    }

    fn with(field: &str, value: Value) -> Map<String, Value> {
        let mut c = claims(good());
        c.insert(field.into(), value);
        c
    }

    #[test]
    fn good_claims_pass_and_return_exp() {
        assert_eq!(rules().check(&claims(good()), NOW), Ok(Some(NOW as i64 + 3600)));
    }

    #[test]
    fn expiry_honours_the_clock_skew_at_its_edges() {
        let exp = NOW as i64;
        // Valid while now < exp + skew.
        assert!(rules().check(&with("exp", json!(exp)), NOW + 59).is_ok());
        assert_eq!(rules().check(&with("exp", json!(exp)), NOW + 60), Err(AuthError::TokenExpired));
        assert_eq!(rules().check(&with("exp", json!(exp - 61)), NOW), Err(AuthError::TokenExpired));
        assert!(rules().check(&with("exp", json!(exp as f64 + 59.5)), NOW + 118).is_ok());
    }

    #[test]
    fn nbf_and_iat_in_the_future_beyond_the_skew_are_not_yet_valid() {
        let n = NOW as i64;
        assert!(rules().check(&with("nbf", json!(n + 60)), NOW).is_ok());
        assert_eq!(rules().check(&with("nbf", json!(n + 61)), NOW), Err(AuthError::TokenNotYetValid { claim: "nbf" }));
        assert!(rules().check(&with("iat", json!(n + 60)), NOW).is_ok());
        assert_eq!(rules().check(&with("iat", json!(n + 61)), NOW), Err(AuthError::TokenNotYetValid { claim: "iat" }));
    }

    #[test]
    fn a_missing_exp_is_refused_unless_the_provider_allows_it() {
        let mut c = claims(good());
        c.remove("exp");
        assert_eq!(rules().check(&c, NOW), Err(AuthError::MissingClaim("exp".into())));
        let lenient = ClaimRules { require_exp: false, ..rules() };
        assert_eq!(lenient.check(&c, NOW), Ok(None));
    }

    #[test]
    fn wrong_or_missing_issuer_is_refused() {
        assert_eq!(rules().check(&with("iss", json!("https://evil.example")), NOW), Err(AuthError::WrongIssuer));
        assert_eq!(
            rules().check(&with("iss", json!(["https://issuer.example"])), NOW),
            Err(AuthError::InvalidClaim("iss"))
        );
        let mut c = claims(good());
        c.remove("iss");
        assert_eq!(rules().check(&c, NOW), Err(AuthError::MissingClaim("iss".into())));
    }

    #[test]
    fn audience_may_be_a_string_or_an_array_and_must_intersect() {
        assert!(rules().check(&with("aud", json!(["other", "api"])), NOW).is_ok());
        assert_eq!(rules().check(&with("aud", json!(["other"])), NOW), Err(AuthError::WrongAudience));
        assert_eq!(rules().check(&with("aud", json!("apix")), NOW), Err(AuthError::WrongAudience));
        assert_eq!(rules().check(&with("aud", json!([1])), NOW), Err(AuthError::InvalidClaim("aud")));
        let mut c = claims(good());
        c.remove("aud");
        assert_eq!(rules().check(&c, NOW), Err(AuthError::WrongAudience));
        let any = ClaimRules { audiences: vec![], ..rules() };
        assert!(any.check(&c, NOW).is_ok());
    }

    #[test]
    fn time_claims_of_the_wrong_type_are_invalid() {
        assert_eq!(rules().check(&with("exp", json!("tomorrow")), NOW), Err(AuthError::InvalidClaim("exp")));
        assert_eq!(rules().check(&with("nbf", json!(null)), NOW), Err(AuthError::InvalidClaim("nbf")));
    }

    #[test]
    fn required_claims_may_be_nested_or_dotted_names() {
        let r = ClaimRules {
            required: vec![ClaimPath::new("tenant.id").unwrap(), ClaimPath::new("https://x.example/roles").unwrap()],
            ..rules()
        };
        let mut c = with("tenant", json!({"id": "t"}));
        assert_eq!(r.check(&c, NOW), Err(AuthError::MissingClaim("https://x.example/roles".into())));
        c.insert("https://x.example/roles".into(), json!(["admin"]));
        assert!(r.check(&c, NOW).is_ok());
        c.insert("tenant".into(), json!({"id": null}));
        assert_eq!(r.check(&c, NOW), Err(AuthError::MissingClaim("tenant.id".into())));
    }

    #[test]
    fn claim_paths_refuse_empty_segments() {
        assert!(ClaimPath::new("").is_none());
        assert!(ClaimPath::new("a..b").is_none());
        assert!(ClaimPath::new(".a").is_none());
        assert!(ClaimPath::new("a.b").is_some());
    }
}

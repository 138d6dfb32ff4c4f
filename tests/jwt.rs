//! End-to-end JWT checks with tokens made by pyjwt (tests/fixtures/generate_jwt_fixtures.py): every algorithm
//! verifies, and the classic attacks are refused with the right reason code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palisade::auth::base64url;
use palisade::auth::{AuthError, JwtProvider, JwtProviderConfig, TokenCache, TokenCacheConfig};
use palisade::request::Request;
use serde_json::{json, Value};

const NOW: u64 = 1_700_000_100;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/jwt-fixtures.json")).unwrap()
}

fn config(extra: Value) -> JwtProviderConfig {
    let mut c = json!({
        "issuer": "https://issuer.example",
        "audiences": ["api"],
        "algorithms": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "HS256", "HS384", "HS512"],
        "local_jwks": {"inline": fixtures()["jwks"]},
        "claim_to_headers": [{"claim": "tenant.id", "header": "x-tenant"}, {"claim": "tenant.groups", "header": "x-groups"}]
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    serde_json::from_value(c).unwrap()
}

fn provider() -> JwtProvider {
    JwtProvider::compile("p", &config(json!({})), "providers[0]").unwrap()
}

fn token(name: &str) -> String {
    fixtures()["tokens"][name].as_str().unwrap().to_string()
}

fn attack(name: &str) -> String {
    fixtures()["attacks"][name].as_str().unwrap().to_string()
}

fn verify(t: &str) -> Result<palisade::auth::VerifiedToken, AuthError> {
    provider().verify(t.as_bytes(), NOW)
}

/// Re-encodes a segment of a token after changing its JSON.
fn edit(t: &str, segment: usize, change: impl Fn(&mut Value)) -> String {
    let mut parts: Vec<String> = t.split('.').map(str::to_string).collect();
    let mut v: Value = serde_json::from_slice(&base64url::decode(parts[segment].as_bytes()).unwrap()).unwrap();
    change(&mut v);
    parts[segment] = base64url::encode(&serde_json::to_vec(&v).unwrap());
    parts.join(".")
}

#[test]
fn a_token_of_every_algorithm_verifies_with_its_kid_and_without() {
    let p = provider();
    for alg in
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "HS256", "HS384", "HS512"]
    {
        let v = p.verify(token(alg).as_bytes(), NOW).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(v.subject.as_deref(), Some("user-42"), "{alg}");
        assert_eq!(v.scopes, ["read", "write"]);
        assert_eq!(v.claim_headers, [("x-tenant".into(), "t-7".into()), ("x-groups".into(), "a,b".into())]);
        let no_kid = fixtures()["tokens_without_kid"][alg].as_str().unwrap().to_string();
        assert!(p.verify(no_kid.as_bytes(), NOW).is_ok(), "{alg} without kid");
    }
}

#[test]
fn hmac_is_refused_by_the_default_allow_list() {
    let mut c = config(json!({}));
    c.algorithms.clear();
    let p = JwtProvider::compile("p", &c, "").unwrap();
    assert_eq!(p.verify(token("HS256").as_bytes(), NOW).unwrap_err(), AuthError::AlgNotAllowed);
    assert!(p.verify(token("RS256").as_bytes(), NOW).is_ok());
}

#[test]
fn alg_none_is_refused_in_every_spelling() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let t = edit(&token("RS256"), 0, |h| h["alg"] = json!(alg));
        assert_eq!(verify(&t).unwrap_err(), AuthError::AlgNotAllowed, "{alg}");
    }
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    for name in ["hs256_with_rsa_public_key_pem", "hs256_with_rsa_public_key_n"] {
        assert_eq!(verify(&attack(name)).unwrap_err(), AuthError::NoMatchingKey, "{name}");
    }
}

#[test]
fn unknown_kid_and_kid_of_an_encryption_key_are_unknown() {
    assert_eq!(verify(&attack("unknown_kid")).unwrap_err(), AuthError::UnknownKid);
    assert_eq!(verify(&attack("kid_of_enc_key")).unwrap_err(), AuthError::UnknownKid);
}

#[test]
fn keys_embedded_in_the_header_are_never_used() {
    assert_eq!(verify(&attack("embedded_jwk")).unwrap_err(), AuthError::BadSignature);
    assert_eq!(verify(&attack("embedded_jku")).unwrap_err(), AuthError::BadSignature);
    assert!(verify(&attack("valid_with_x5c_header")).is_ok());
}

#[test]
fn an_unknown_critical_header_is_refused() {
    assert_eq!(verify(&attack("crit_unknown")).unwrap_err(), AuthError::UnsupportedCritical);
}

#[test]
fn a_bit_flipped_signature_is_refused_for_every_algorithm() {
    for alg in ["RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256"] {
        let t = token(alg);
        let (input, sig) = t.rsplit_once('.').unwrap();
        let mut raw = base64url::decode(sig.as_bytes()).unwrap();
        for bit in [0usize, 7, raw.len() * 8 / 2, raw.len() * 8 - 1] {
            raw[bit / 8] ^= 1 << (bit % 8);
            let flipped = format!("{input}.{}", base64url::encode(&raw));
            assert_eq!(verify(&flipped).unwrap_err(), AuthError::BadSignature, "{alg} bit {bit}");
            raw[bit / 8] ^= 1 << (bit % 8);
        }
    }
}

#[test]
fn a_tampered_payload_is_refused() {
    for alg in ["RS256", "ES256", "EdDSA", "HS256"] {
        let t = edit(&token(alg), 1, |c| c["sub"] = json!("admin"));
        assert_eq!(verify(&t).unwrap_err(), AuthError::BadSignature, "{alg}");
    }
}

#[test]
fn truncated_extra_and_empty_segments_are_malformed() {
    let t = token("ES256");
    let parts: Vec<&str> = t.split('.').collect();
    for bad in [
        parts[..2].join("."),
        format!("{t}."),
        format!("{t}.AAAA"),
        format!("{}..{}", parts[0], parts[2]),
        t[..t.len() - 1].to_string(),
    ] {
        assert!(matches!(verify(&bad).unwrap_err(), AuthError::TokenMalformed(_) | AuthError::BadSignature), "{bad}");
    }
    assert!(matches!(verify(&parts[..2].join(".")).unwrap_err(), AuthError::TokenMalformed(_)));
}

#[test]
fn non_base64url_characters_are_malformed() {
    let t = token("RS256");
    for (i, c) in [(5usize, '+'), (10, '/'), (20, '='), (30, ' '), (40, '\u{e9}')] {
        let mut bad: Vec<char> = t.chars().collect();
        bad[i] = c;
        let bad: String = bad.into_iter().collect();
        assert!(matches!(verify(&bad).unwrap_err(), AuthError::TokenMalformed(_)), "{c}");
    }
}

#[test]
fn a_jwe_compact_token_is_refused_as_encrypted() {
    let jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ";
    assert_eq!(verify(jwe).unwrap_err(), AuthError::TokenEncrypted);
}

#[test]
fn a_64_kib_token_is_refused_as_too_large() {
    let t = format!("{}.{}.{}", "e".repeat(32 * 1024), "e".repeat(32 * 1024), "e");
    assert_eq!(verify(&t).unwrap_err(), AuthError::TokenTooLarge { limit: 8192 });
}

#[test]
fn expired_and_not_yet_valid_tokens_are_refused_at_the_skew_edges() {
    let exp = 4_102_444_800u64;
    let p = provider();
    assert!(p.verify(token("ES256").as_bytes(), exp + 59).is_ok());
    assert_eq!(p.verify(token("ES256").as_bytes(), exp + 60).unwrap_err(), AuthError::TokenExpired);
    // iat is 1_700_000_000: a clock 61 s behind it sees a token from the future.
    assert!(p.verify(token("ES256").as_bytes(), 1_700_000_000 - 60).is_ok());
    assert_eq!(
        p.verify(token("ES256").as_bytes(), 1_700_000_000 - 61).unwrap_err(),
        AuthError::TokenNotYetValid { claim: "iat" }
    );
}

#[test]
fn wrong_issuer_and_wrong_audience_are_refused() {
    let p = JwtProvider::compile("p", &config(json!({"issuer": "https://other.example"})), "").unwrap();
    assert_eq!(p.verify(token("RS256").as_bytes(), NOW).unwrap_err(), AuthError::WrongIssuer);
    let p = JwtProvider::compile("p", &config(json!({"audiences": ["billing"]})), "").unwrap();
    let e = p.verify(token("RS256").as_bytes(), NOW).unwrap_err();
    assert_eq!((e.code(), e.status()), ("wrong_audience", 403));
}

#[test]
fn required_claims_must_be_present() {
    let p = JwtProvider::compile("p", &config(json!({"required_claims": ["tenant.id", "email"]})), "").unwrap();
    assert_eq!(p.verify(token("RS256").as_bytes(), NOW).unwrap_err(), AuthError::MissingClaim("email".into()));
}

#[test]
fn the_cache_serves_a_repeat_and_forgets_it_when_keys_change() {
    let p = provider();
    let mut cache = TokenCache::new(TokenCacheConfig::default());
    let r = Request::from_headers(vec![("authorization".into(), format!("Bearer {}", token("RS256")).into_bytes())]);
    let first = p.authenticate(&r, NOW, &mut cache).unwrap();
    assert!(!first.cached);
    let second = p.authenticate(&r, NOW + 1, &mut cache).unwrap();
    assert!(second.cached);
    assert_eq!(second.token.subject.as_deref(), Some("user-42"));
    p.keys.replace(p.keys.snapshot().jwks.clone());
    assert!(!p.authenticate(&r, NOW + 2, &mut cache).unwrap().cached);
    // A failed verification is never cached.
    let bad = format!("{}x", &token("RS256")[..token("RS256").len() - 1]);
    assert!(p.verify_cached(bad.as_bytes(), NOW, &mut cache).is_err());
    assert!(p.verify_cached(bad.as_bytes(), NOW, &mut cache).is_err());
}

#[test]
fn a_request_without_a_token_is_token_missing() {
    let mut cache = TokenCache::new(TokenCacheConfig::default());
    assert_eq!(provider().authenticate(&Request::default(), NOW, &mut cache).unwrap_err(), AuthError::TokenMissing);
}

#[test]
fn a_remote_provider_without_keys_yet_fails_closed() {
    let c =
        config(json!({"local_jwks": null, "remote_jwks": {"uri": "https://issuer.example/jwks", "cluster": "idp"}}));
    let p = JwtProvider::compile("p", &c, "").unwrap();
    assert_eq!(p.verify(token("RS256").as_bytes(), NOW).unwrap_err(), AuthError::KeysUnavailable);
    let jwks = palisade::auth::Jwks::parse(fixtures()["jwks"].to_string().as_bytes()).unwrap();
    p.keys.replace(jwks);
    assert!(p.verify(token("RS256").as_bytes(), NOW).is_ok());
}

#[test]
fn configuration_mistakes_are_all_reported_with_paths() {
    let mut doc = fixtures()["jwks"].clone();
    doc["keys"][2]["n"] = json!("x");
    doc["keys"][0]["e"] = json!("AA==");
    let c: JwtProviderConfig = serde_json::from_value(json!({
        "issuer": "",
        "algorithms": ["RS256", "none", "RS1"],
        "clock_skew_seconds": 100000,
        "max_token_bytes": 10,
        "from_headers": [{"name": "bad header"}],
        "claim_to_headers": [{"claim": "a..b", "header": "x-a"}],
        "local_jwks": {"inline": doc}
    }))
    .unwrap();
    let paths: Vec<String> =
        JwtProvider::compile("p", &c, "providers[0]").unwrap_err().into_iter().map(|e| e.path).collect();
    assert_eq!(
        paths,
        [
            "providers[0].issuer",
            "providers[0].algorithms[1]",
            "providers[0].algorithms[2]",
            "providers[0].clock_skew_seconds",
            "providers[0].max_token_bytes",
            "providers[0].from_headers[0].name",
            "providers[0].claim_to_headers[0].claim",
            "providers[0].local_jwks.inline.keys[0].e",
        ]
    );
    let unknown: Result<JwtProviderConfig, _> = serde_json::from_value(json!({"issuer": "x", "isuer": "y"}));
    assert!(unknown.is_err());
}

#[test]
fn inline_string_jwks_errors_point_into_the_string() {
    let c = config(
        json!({"local_jwks": {"inline_string": "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}"}}),
    );
    let errors = JwtProvider::compile("p", &c, "providers[1]").unwrap_err();
    assert_eq!(errors[0].path, "providers[1].local_jwks.inline_string.keys[0].n");
}

#[test]
fn the_config_schema_is_generated() {
    let schema = schemars::schema_for!(JwtProviderConfig);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(text.contains("clock_skew_seconds") && text.contains("remote_jwks"));
}

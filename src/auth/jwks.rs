//! JSON Web Key Sets (RFC 7517) read into ready-to-use verification keys, and the choice of keys
//! for a token's `alg` and `kid`. Sizes and key counts are bounded; every mistake is reported with
//! its JSON path. Keys are never taken from a token: only configured or fetched sets are read.

use super::algorithm::{Algorithm, KeyKind};
use super::base64url;
use super::ecdsa::{Curve, EcdsaPublicKey};
use super::eddsa::Ed25519PublicKey;
use super::error::AuthError;
use super::hmac::HmacKey;
use super::key::{KeyMaterial, VerifyingKey};
use super::rsa::RsaPublicKey;
use crate::config::ConfigError;
use serde_json::{Map, Value};

/// Largest JWKS document read, in bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Most keys in one set.
pub const MAX_KEYS: usize = 64;
/// Most keys tried for a token without `kid`.
pub const MAX_KEYS_TRIED_WITHOUT_KID: usize = 8;
/// Shortest HMAC secret accepted (RFC 7518 §3.2: at least the hash size; HS256 needs 32).
pub const MIN_SECRET_BYTES: usize = 32;

/// A parsed key set.
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    keys: Vec<VerifyingKey>,
    /// Keys that were skipped as unsupported (kty, crv, alg), with their path and why.
    skipped: Vec<ConfigError>,
}

impl Jwks {
    /// Reads a JWKS document (`{"keys": [...]}`); error paths are relative (`keys[2].n`).
    pub fn parse(bytes: &[u8]) -> Result<Jwks, Vec<ConfigError>> {
        Jwks::parse_at(bytes, "")
    }

    /// Reads a JWKS document whose errors are reported under `path` (e.g.
    /// `providers[0].local_jwks.inline_string`).
    pub fn parse_at(bytes: &[u8], path: &str) -> Result<Jwks, Vec<ConfigError>> {
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(vec![ConfigError::new(
                path,
                format!("the JWKS is {} bytes; at most {MAX_JWKS_BYTES} are read", bytes.len()),
            )]);
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| vec![ConfigError::new(path, format!("the JWKS is not valid JSON: {e}"))])?;
        Jwks::from_value(&value, path)
    }

    /// Reads a JWKS already parsed as JSON (an inline object in the configuration).
    pub fn from_value(value: &Value, path: &str) -> Result<Jwks, Vec<ConfigError>> {
        let Some(keys) = value.as_object().and_then(|o| o.get("keys")) else {
            return Err(vec![ConfigError::new(path, "a JWKS must be an object with a \"keys\" array (RFC 7517 §5)")]);
        };
        let keys_path = join(path, "keys");
        let Some(list) = keys.as_array() else {
            return Err(vec![ConfigError::new(keys_path, "must be an array of JWKs")]);
        };
        if list.len() > MAX_KEYS {
            return Err(vec![ConfigError::new(
                keys_path,
                format!("{} keys; at most {MAX_KEYS} are accepted in one set", list.len()),
            )]);
        }
        let mut jwks = Jwks::default();
        let mut errors = Vec::new();
        for (i, jwk) in list.iter().enumerate() {
            let at = format!("{keys_path}[{i}]");
            match parse_jwk(jwk, &at) {
                Ok(Parsed::Key(key)) => jwks.keys.push(key),
                Ok(Parsed::Skipped(note)) => jwks.skipped.push(note),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(jwks)
        } else {
            Err(errors)
        }
    }

    /// A set made of keys built in code (tests, PEM keys).
    pub fn from_keys(keys: Vec<VerifyingKey>) -> Jwks {
        Jwks { keys, skipped: Vec::new() }
    }

    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// Keys that were read but are not supported, with the reason (for logs).
    pub fn skipped(&self) -> &[ConfigError] {
        &self.skipped
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The keys to try for a token with `alg` and `kid`, in order. With a `kid`, only keys with
    /// that `kid`; without, every key that accepts `alg`, at most `MAX_KEYS_TRIED_WITHOUT_KID`.
    pub fn candidates(&self, alg: Algorithm, kid: Option<&str>) -> Result<Vec<&VerifyingKey>, AuthError> {
        if self.keys.is_empty() {
            return Err(AuthError::KeysUnavailable);
        }
        match kid {
            Some(kid) => {
                let named: Vec<&VerifyingKey> =
                    self.keys.iter().filter(|k| k.verifies && k.kid.as_deref() == Some(kid)).collect();
                if named.is_empty() {
                    return Err(AuthError::UnknownKid);
                }
                let usable: Vec<&VerifyingKey> = named.into_iter().filter(|k| k.accepts(alg)).collect();
                if usable.is_empty() {
                    return Err(AuthError::NoMatchingKey);
                }
                Ok(usable)
            }
            None => {
                let usable: Vec<&VerifyingKey> =
                    self.keys.iter().filter(|k| k.accepts(alg)).take(MAX_KEYS_TRIED_WITHOUT_KID).collect();
                if usable.is_empty() {
                    return Err(AuthError::NoMatchingKey);
                }
                Ok(usable)
            }
        }
    }
}

enum Parsed {
    Key(VerifyingKey),
    Skipped(ConfigError),
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Private members of RSA, EC and OKP keys (RFC 7518 §6.3.2, §6.2.2; RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

fn parse_jwk(jwk: &Value, at: &str) -> Result<Parsed, Vec<ConfigError>> {
    let Some(obj) = jwk.as_object() else {
        return Err(vec![ConfigError::new(at, "a JWK must be a JSON object")]);
    };
    let mut errors = Vec::new();
    let kty = match obj.get("kty") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(vec![ConfigError::new(join(at, "kty"), "must be a string")]),
        None => return Err(vec![ConfigError::new(join(at, "kty"), "is required (RSA, EC, OKP or oct)")]),
    };
    let kid = match obj.get("kid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(ConfigError::new(join(at, "kid"), "must be a string"));
            None
        }
    };
    // `use`: only "sig" (or absent) verifies.
    let mut verifies = match obj.get("use") {
        None => true,
        Some(Value::String(s)) => s == "sig",
        Some(_) => {
            errors.push(ConfigError::new(join(at, "use"), "must be a string (\"sig\" or \"enc\")"));
            false
        }
    };
    // `key_ops`: when present, must include "verify".
    match obj.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if ops.iter().all(Value::is_string) => {
            verifies &= ops.iter().any(|o| o == "verify");
        }
        Some(_) => errors.push(ConfigError::new(join(at, "key_ops"), "must be an array of strings")),
    }
    let alg = match obj.get("alg") {
        None => None,
        Some(Value::String(name)) => match Algorithm::from_name(name) {
            Some(a) => Some(a),
            // An algorithm we do not verify (RSA-OAEP, RS1, ...): the key is not for us.
            None => {
                return Ok(Parsed::Skipped(ConfigError::new(
                    join(at, "alg"),
                    format!("algorithm {name:?} is not supported for verification; the key is ignored"),
                )))
            }
        },
        Some(_) => {
            errors.push(ConfigError::new(join(at, "alg"), "must be a string"));
            None
        }
    };
    if kty != "oct" {
        for member in PRIVATE_MEMBERS {
            if obj.contains_key(member) {
                errors.push(ConfigError::new(
                    join(at, member),
                    "private key material in a JWKS: publish only the public key, and replace this key",
                ));
            }
        }
    }
    let material = match kty {
        "RSA" => rsa_material(obj, at, &mut errors),
        "EC" => match obj.get("crv").and_then(Value::as_str) {
            Some("P-256") => ec_material(obj, at, Curve::P256, &mut errors),
            Some("P-384") => ec_material(obj, at, Curve::P384, &mut errors),
            Some(other) => {
                return Ok(Parsed::Skipped(ConfigError::new(
                    join(at, "crv"),
                    format!("curve {other:?} is not supported (P-256, P-384); the key is ignored"),
                )))
            }
            None => {
                errors.push(ConfigError::new(join(at, "crv"), "is required for an EC key (P-256 or P-384)"));
                None
            }
        },
        "OKP" => match obj.get("crv").and_then(Value::as_str) {
            Some("Ed25519") => {
                let x = member_bytes(obj, at, "x", &mut errors);
                x.and_then(|x| match Ed25519PublicKey::from_bytes(&x) {
                    Some(k) => Some(KeyMaterial::Ed25519(k)),
                    None => {
                        errors.push(ConfigError::new(join(at, "x"), "is not a valid 32-byte Ed25519 public key"));
                        None
                    }
                })
            }
            Some(other) => {
                return Ok(Parsed::Skipped(ConfigError::new(
                    join(at, "crv"),
                    format!("curve {other:?} is not supported for signatures (Ed25519); the key is ignored"),
                )))
            }
            None => {
                errors.push(ConfigError::new(join(at, "crv"), "is required for an OKP key (Ed25519)"));
                None
            }
        },
        "oct" => member_bytes(obj, at, "k", &mut errors).and_then(|k| {
            if k.len() < MIN_SECRET_BYTES {
                errors.push(ConfigError::new(
                    join(at, "k"),
                    format!(
                        "the secret is {} bytes; HMAC keys must be at least {MIN_SECRET_BYTES} (RFC 7518 §3.2)",
                        k.len()
                    ),
                ));
                None
            } else {
                Some(KeyMaterial::Secret(Box::new(HmacKey::new(&k))))
            }
        }),
        other => {
            return Ok(Parsed::Skipped(ConfigError::new(
                join(at, "kty"),
                format!("key type {other:?} is not supported (RSA, EC, OKP, oct); the key is ignored"),
            )))
        }
    };
    if let (Some(alg), Some(material)) = (alg, material.as_ref()) {
        if alg.key_kind() != material.kind() {
            errors.push(ConfigError::new(
                join(at, "alg"),
                format!("{alg} cannot be used with this key ({})", kind_name(material.kind())),
            ));
        }
    }
    match (material, errors.is_empty()) {
        (Some(material), true) => Ok(Parsed::Key(VerifyingKey { kid, alg, verifies, material })),
        _ => Err(errors),
    }
}

fn kind_name(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Secret => "an oct secret",
        KeyKind::Rsa => "an RSA key",
        KeyKind::EcP256 => "a P-256 key",
        KeyKind::EcP384 => "a P-384 key",
        KeyKind::Ed25519 => "an Ed25519 key",
    }
}

fn member_bytes(obj: &Map<String, Value>, at: &str, name: &str, errors: &mut Vec<ConfigError>) -> Option<Vec<u8>> {
    match obj.get(name) {
        Some(Value::String(s)) => match base64url::decode(s.as_bytes()) {
            Some(bytes) if !bytes.is_empty() => Some(bytes),
            Some(_) => {
                errors.push(ConfigError::new(join(at, name), "must not be empty"));
                None
            }
            None => {
                errors.push(ConfigError::new(join(at, name), "must be base64url without padding (RFC 7515 §2)"));
                None
            }
        },
        Some(_) => {
            errors.push(ConfigError::new(join(at, name), "must be a base64url string"));
            None
        }
        None => {
            errors.push(ConfigError::new(join(at, name), "is required"));
            None
        }
    }
}

fn rsa_material(obj: &Map<String, Value>, at: &str, errors: &mut Vec<ConfigError>) -> Option<KeyMaterial> {
    let n = member_bytes(obj, at, "n", errors);
    let e = member_bytes(obj, at, "e", errors);
    let (n, e) = (n?, e?);
    match RsaPublicKey::from_components(&n, &e) {
        Ok(k) => Some(KeyMaterial::Rsa(k)),
        Err(err) => {
            let field = if matches!(err, super::rsa::RsaKeyError::Exponent) { "e" } else { "n" };
            errors.push(ConfigError::new(join(at, field), err.to_string()));
            None
        }
    }
}

fn ec_material(obj: &Map<String, Value>, at: &str, curve: Curve, errors: &mut Vec<ConfigError>) -> Option<KeyMaterial> {
    let x = member_bytes(obj, at, "x", errors);
    let y = member_bytes(obj, at, "y", errors);
    let (x, y) = (x?, y?);
    match EcdsaPublicKey::from_coordinates(curve, &x, &y) {
        Ok(k) => Some(KeyMaterial::Ec(k)),
        Err(err) => {
            let field = if x.len() != curve.field_len() {
                "x"
            } else if y.len() != curve.field_len() {
                "y"
            } else {
                "x"
            };
            errors.push(ConfigError::new(join(at, field), format!("{} key: {err}", curve.name())));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture_jwks() -> Value {
        let text = include_str!("../../tests/fixtures/jwt-fixtures.json");
        let doc: Value = serde_json::from_str(text).unwrap();
        doc["jwks"].clone()
    }

    fn paths(errors: Vec<ConfigError>) -> Vec<String> {
        errors.into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn every_supported_key_type_is_read() {
        let jwks = Jwks::from_value(&fixture_jwks(), "").unwrap();
        let kinds: Vec<KeyKind> = jwks.keys().iter().map(|k| k.material.kind()).collect();
        assert_eq!(
            kinds,
            [KeyKind::Rsa, KeyKind::EcP256, KeyKind::EcP384, KeyKind::Ed25519, KeyKind::Secret, KeyKind::Rsa]
        );
        assert!(!jwks.keys()[5].verifies, "use: enc never verifies");
    }

    #[test]
    fn errors_name_the_member_with_the_configuration_path() {
        let mut doc = fixture_jwks();
        doc["keys"][0]["n"] = json!("not base64url!");
        doc["keys"][2]["y"] = json!("AAAA");
        doc["keys"][4]["k"] = json!("c2hvcnQ");
        let errors = Jwks::from_value(&doc, "providers[0].local_jwks.inline").unwrap_err();
        assert_eq!(
            paths(errors),
            [
                "providers[0].local_jwks.inline.keys[0].n",
                "providers[0].local_jwks.inline.keys[2].y",
                "providers[0].local_jwks.inline.keys[4].k"
            ]
        );
    }

    #[test]
    fn private_key_material_is_refused() {
        let doc = json!({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}]});
        let errors = paths(Jwks::from_value(&doc, "").unwrap_err());
        assert!(errors.contains(&"keys[0].d".to_string()), "{errors:?}");
    }

    #[test]
    fn unsupported_key_types_and_curves_are_skipped_not_fatal() {
        let mut doc = fixture_jwks();
        let keys = doc["keys"].as_array_mut().unwrap();
        keys.push(json!({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"}));
        keys.push(json!({"kty": "OKP", "crv": "X25519", "x": "AA"}));
        keys.push(json!({"kty": "RSA", "alg": "RSA-OAEP", "n": "AA", "e": "AQAB"}));
        keys.push(json!({"kty": "foo"}));
        let jwks = Jwks::from_value(&doc, "").unwrap();
        assert_eq!(jwks.keys().len(), 6);
        assert_eq!(paths(jwks.skipped().to_vec()), ["keys[6].crv", "keys[7].crv", "keys[8].alg", "keys[9].kty"]);
    }

    #[test]
    fn a_jwk_alg_of_another_key_type_is_an_error() {
        let mut doc = fixture_jwks();
        doc["keys"][0]["alg"] = json!("ES256");
        assert_eq!(paths(Jwks::from_value(&doc, "").unwrap_err()), ["keys[0].alg"]);
    }

    #[test]
    fn size_and_count_are_bounded() {
        let big = vec![b' '; MAX_JWKS_BYTES + 1];
        assert_eq!(Jwks::parse(&big).unwrap_err().len(), 1);
        let many = json!({"keys": vec![json!({"kty": "foo"}); MAX_KEYS + 1]});
        assert_eq!(paths(Jwks::from_value(&many, "").unwrap_err()), ["keys"]);
        assert!(Jwks::parse(b"[]").is_err());
        assert!(Jwks::parse(b"{\"keys\": 1}").is_err());
    }

    #[test]
    fn kid_selects_and_enc_keys_are_unknown() {
        let jwks = Jwks::from_value(&fixture_jwks(), "").unwrap();
        assert_eq!(jwks.candidates(Algorithm::RS256, Some("rsa-1")).unwrap().len(), 1);
        assert_eq!(jwks.candidates(Algorithm::RS256, Some("rsa-enc")).unwrap_err(), AuthError::UnknownKid);
        assert_eq!(jwks.candidates(Algorithm::RS256, Some("nope")).unwrap_err(), AuthError::UnknownKid);
        assert_eq!(jwks.candidates(Algorithm::HS256, Some("rsa-1")).unwrap_err(), AuthError::NoMatchingKey);
        assert_eq!(jwks.candidates(Algorithm::ES256, None).unwrap().len(), 1);
        assert_eq!(Jwks::default().candidates(Algorithm::ES256, None).unwrap_err(), AuthError::KeysUnavailable);
    }
}

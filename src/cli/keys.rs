//! `palisade hash-key` and `palisade gen-key`: API keys are configured only as SHA-256 digests.
//! The key is read from standard input (never an argument, so it stays out of shell history and
//! process lists) or made from the system's random source, and the configuration entry printed.

use base64::Engine;
use sha2::{Digest, Sha256};

/// The configuration entry (`auth.api_keys.keys[]`) for a key.
pub fn entry(key: &str, consumer: &str, scopes: &[String]) -> serde_json::Value {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    serde_json::json!({ "sha256": hex, "consumer": consumer, "scopes": scopes })
}

/// The key as read from standard input: one line, without its line ending.
pub fn key_from_input(input: &str) -> Result<&str, String> {
    let key = input.strip_suffix('\n').unwrap_or(input);
    let key = key.strip_suffix('\r').unwrap_or(key);
    if key.is_empty() {
        return Err(
            "no key on standard input (e.g. `printf %s \"$KEY\" | palisade hash-key --consumer NAME`)".to_string()
        );
    }
    if key.contains('\n') {
        return Err("standard input has more than one line; give one key".to_string());
    }
    if key.trim() != key {
        return Err("the key starts or ends with whitespace; that is almost certainly a copy-paste slip".to_string());
    }
    Ok(key)
}

/// A new key: 32 random bytes (256 bits), base64url without padding, with a `pk_` prefix that
/// makes leaked keys easy to find with secret scanners.
pub fn generate() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no system randomness: {e}"))?;
    Ok(format!("pk_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_holds_the_sha256_of_the_key_in_hex() {
        // printf %s 'hello' | sha256sum
        let e = entry("hello", "acme", &["orders:read".to_string()]);
        assert_eq!(e["sha256"], "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(e["consumer"], "acme");
        assert_eq!(e["scopes"][0], "orders:read");
    }

    #[test]
    fn input_is_one_line_without_surrounding_whitespace() {
        assert_eq!(key_from_input("abc\n"), Ok("abc"));
        assert_eq!(key_from_input("abc\r\n"), Ok("abc"));
        assert!(key_from_input("").is_err());
        assert!(key_from_input("a\nb\n").is_err());
        assert!(key_from_input(" abc").is_err());
    }

    #[test]
    fn generated_keys_are_long_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("pk_") && a.len() == 3 + 43, "{a}");
    }
}

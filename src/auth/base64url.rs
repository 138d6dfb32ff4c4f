//! Strict base64url decoding for JWS segments and JWK members (RFC 7515 §2, RFC 4648 §5): no
//! padding, no whitespace, no characters outside the URL-safe alphabet, and no non-zero trailing
//! bits, so every byte string has exactly one accepted encoding. Decoding never panics.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

const STRICT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes strict, unpadded base64url. `None` for anything else.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    // A length of 1 modulo 4 can never be valid; the engine rejects it too, but say it plainly.
    if input.len() % 4 == 1 {
        return None;
    }
    STRICT.decode(input).ok()
}

/// Encodes unpadded base64url (test fixtures, diagnostics).
pub fn encode(input: &[u8]) -> String {
    STRICT.encode(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_unpadded_input_decodes() {
        assert_eq!(decode(b"eyJhIjoxfQ").as_deref(), Some(br#"{"a":1}"#.as_slice()));
        assert_eq!(decode(b"").as_deref(), Some(b"".as_slice()));
        assert_eq!(decode(b"_-8").as_deref(), Some([0xff, 0xef].as_slice()));
    }

    #[test]
    fn padding_whitespace_and_standard_alphabet_are_refused() {
        assert_eq!(decode(b"eyJhIjoxfQ=="), None);
        assert_eq!(decode(b"eyJh Ijox"), None);
        assert_eq!(decode(b"eyJh\nIjox"), None);
        assert_eq!(decode(b"ab+/"), None);
        assert_eq!(decode(b"abcde"), None);
    }

    #[test]
    fn non_canonical_trailing_bits_are_refused() {
        // "QQ" is the canonical encoding of "A"; "QR" carries non-zero trailing bits.
        assert_eq!(decode(b"QQ").as_deref(), Some(b"A".as_slice()));
        assert_eq!(decode(b"QR"), None);
    }

    #[test]
    fn encode_and_decode_round_trip() {
        let data: Vec<u8> = (0u8..=255).collect();
        assert_eq!(decode(encode(&data).as_bytes()), Some(data));
    }
}

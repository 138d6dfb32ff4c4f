// The search for the end of a JSON string: its first `"` or `\`. Self-contained (no crate
// items), so that it can be tested as built for wasm too (`include!`d by `json.rs`).

/// What the Wasm build's [`quote_or_backslash`] compares sixteen bytes with: `"` and `\\`, each
/// repeated (nothing in other builds). V8 builds a vector constant anew at each use, inside the
/// loop too (three instructions each), where a load from memory is one: the walk takes these
/// once ([`quote_splats`]) and each search reads them.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub struct QuoteSplats {
    quote: [u8; 16],
    backslash: [u8; 16],
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub struct QuoteSplats;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
static QUOTE_SPLATS: QuoteSplats = QuoteSplats { quote: [b'"'; 16], backslash: [b'\\'; 16] };

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
static QUOTE_SPLATS: QuoteSplats = QuoteSplats;

/// The vectors [`quote_or_backslash`] compares with, through `black_box`, which hides their
/// contents so that the compiler cannot turn the loads back into constants.
#[inline(always)]
fn quote_splats() -> &'static QuoteSplats {
    core::hint::black_box(&QUOTE_SPLATS)
}

/// The position of the first `"` or `\\` in `s`, if any.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn quote_or_backslash(s: &[u8], _: &QuoteSplats) -> Option<usize> {
    // Most keys and values are short: the first 32 bytes are looked at eight at a time (no
    // call), the rest, if any, with memchr.
    match quote_or_backslash_in_head(s) {
        Ok(i) => Some(i),
        Err(head) => Some(head + memchr::memchr2(b'"', b'\\', s.get(head..)?)?),
    }
}

/// The position of the first `"` or `\\` in `s`, if any: sixteen bytes at a time with the Wasm
/// build's 128-bit SIMD (one load, two comparisons and a bitmask per sixteen bytes, no call),
/// the last fewer than sixteen bytes of the input one at a time.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn quote_or_backslash(s: &[u8], q: &QuoteSplats) -> Option<usize> {
    use core::arch::wasm32::{u8x16, u8x16_bitmask, u8x16_eq, v128, v128_or};
    let vector = |c: &[u8; 16]| -> v128 {
        u8x16(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15])
    };
    let mut i = 0;
    while let Some(c) = s.get(i..).and_then(|r| r.first_chunk::<16>()) {
        let v = vector(c);
        let hit = u8x16_bitmask(v128_or(u8x16_eq(v, vector(&q.quote)), u8x16_eq(v, vector(&q.backslash))));
        if hit != 0 {
            return Some(i + hit.trailing_zeros() as usize);
        }
        i += 16;
    }
    while let Some(&b) = s.get(i) {
        if b == b'"' || b == b'\\' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The position of the first `"` or `\\` among the first 32 bytes of `s` (`Ok`), else how many
/// bytes were looked at (`Err`). Eight bytes at a time: a byte equal to the one looked for is a
/// zero byte of the word XOR that byte repeated, and the lowest flagged byte of the classic
/// zero-byte test is always the first zero byte.
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
fn quote_or_backslash_in_head(s: &[u8]) -> Result<usize, usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let head = s.len().min(32);
    let mut i = 0;
    while i + 8 <= head {
        let Some(w) = s.get(i..i + 8).and_then(|w| w.first_chunk::<8>()) else { break };
        let w = u64::from_le_bytes(*w);
        let hit = zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')));
        if hit != 0 {
            return Ok(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while let Some(&b) = s.get(i).filter(|_| i < head) {
        if b == b'"' || b == b'\\' {
            return Ok(i);
        }
        i += 1;
    }
    Err(head)
}

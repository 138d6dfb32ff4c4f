// One pass over a value: its byte classes (the OR of a 256-entry table over its bytes, plus a
// mark for two adjacent spaces) and its ASCII lower-cased copy. Self-contained (no crate items),
// so that it can be tested as built for wasm too (`include!`d by `normalize.rs`; see
// `scripts/classify-wasm.sh`).

/// What [`classify_lower`] needs to know about the table besides its entries: the mark it adds
/// for a run of two spaces, and (for the Wasm build, which classifies the most common bytes
/// sixteen at a time without looking them up) the entries of those bytes: `upper` the one shared
/// by every ASCII upper-case letter, `space` the one of ` `, `punct` the one shared by `.`, `,`
/// and `@`. Every ASCII lower-case letter, digit and `+` must have the entry 0. (The tests check
/// these against the table.)
#[derive(Clone, Copy)]
struct ClassMarks {
    pair_of_spaces: u32,
    pair_of_dashes: u32,
    #[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
    upper: u32,
    #[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
    space: u32,
    #[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
    punct: u32,
}

/// The OR of `table[b]` over the bytes `b` of `v`, with `marks.pair_of_spaces` added when two
/// spaces are adjacent in `v`; and `v` with every ASCII upper-case letter lower-cased, written
/// into `lower` (cleared first). The byte-by-byte form (native builds; the reference of the
/// tests).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn classify_lower(v: &[u8], table: &[u32; 256], marks: ClassMarks, lower: &mut Vec<u8>) -> u32 {
    lower.clear();
    lower.extend(v.iter().map(u8::to_ascii_lowercase));
    classify_bytes(v, table, marks)
}

/// The classes of [`classify_lower`] alone, byte by byte.
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
fn classify_bytes(v: &[u8], table: &[u32; 256], marks: ClassMarks) -> u32 {
    let mut k = 0u32;
    let mut prev = 0u8;
    for &b in v {
        k |= table[usize::from(b)];
        if b == prev {
            if b == b' ' {
                k |= marks.pair_of_spaces;
            } else if b == b'-' {
                k |= marks.pair_of_dashes;
            }
        }
        prev = b;
    }
    k
}

/// [`classify_lower`] sixteen bytes at a time with the Wasm build's 128-bit SIMD: each chunk (the
/// last one, and a value under sixteen bytes, read with overlapping word loads and zero-filled)
/// is lower-cased with three vector operations and stored whole; lower-case letters, digits and
/// `+`, upper-case letters, spaces and `.`, `,`, `@` are recognised by vector comparisons and
/// their entries added once per chunk; only the other bytes are looked up in the table, one by one.
/// No loop over the bytes of a chunk made only of recognised bytes, and no call.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn classify_lower(v: &[u8], table: &[u32; 256], marks: ClassMarks, lower: &mut Vec<u8>) -> u32 {
    use core::arch::wasm32::{
        u64x2_extract_lane, u8x16, u8x16_bitmask, u8x16_eq, u8x16_le, u8x16_sub, v128_and, v128_or,
    };
    lower.clear();
    lower.reserve(v.len() + 16);
    // The vectors compared with, read from memory in the loop: V8 builds a vector constant anew
    // at each use, inside the loop too (three instructions each, about thirty a chunk), where a
    // load is one. `black_box` hides the table's contents, so that the compiler cannot turn the
    // loads back into constants. (Measured in Envoy: the twenty-third speed pass.)
    let splats: &Splats = core::hint::black_box(&SPLATS);
    let splat = |c: &[u8; 16]| {
        u8x16(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15])
    };
    let mut k = 0u32;
    // Whether the byte before the chunk was a space (a pair may straddle two chunks), and that
    // byte (for a pair of dashes).
    let mut carry = 0u32;
    let mut before = 0u8;
    let mut rest = v;
    while !rest.is_empty() {
        let (x, n) = match rest.first_chunk::<16>() {
            Some(c) => (
                u8x16(
                    c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14],
                    c[15],
                ),
                16,
            ),
            None => (padded(rest), rest.len()),
        };
        let within: u32 = if n == 16 { 0xffff } else { (1u32 << n) - 1 };
        let n25 = splat(&splats.n25);
        let upper = u8x16_le(u8x16_sub(x, splat(&splats.upper_a)), n25);
        let low = v128_or(x, v128_and(upper, splat(&splats.case_bit)));
        // Lower-case letters (after folding, so upper-case ones too), digits and `+`.
        let plain = v128_or(
            u8x16_le(u8x16_sub(low, splat(&splats.lower_a)), n25),
            v128_or(u8x16_le(u8x16_sub(x, splat(&splats.zero)), splat(&splats.n9)), u8x16_eq(x, splat(&splats.plus))),
        );
        let space = u8x16_eq(x, splat(&splats.space));
        let punct = v128_or(
            u8x16_eq(x, splat(&splats.dot)),
            v128_or(u8x16_eq(x, splat(&splats.comma)), u8x16_eq(x, splat(&splats.at))),
        );
        let known = u32::from(u8x16_bitmask(v128_or(plain, v128_or(space, punct))));
        let up = u32::from(u8x16_bitmask(upper)) & within;
        let sp = u32::from(u8x16_bitmask(space)) & within;
        let pu = u32::from(u8x16_bitmask(punct)) & within;
        if up != 0 {
            k |= marks.upper;
        }
        if pu != 0 {
            k |= marks.punct;
        }
        if sp != 0 {
            k |= marks.space;
            if (sp & ((sp << 1) | carry)) != 0 {
                k |= marks.pair_of_spaces;
            }
        }
        // The other bytes, looked up one by one.
        let mut other = !known & within;
        while other != 0 {
            let i = other.trailing_zeros() as usize;
            other &= other - 1;
            if let Some(&b) = rest.get(i) {
                k |= table[usize::from(b)];
                // A dash is never recognised by the vector comparisons: every one comes here.
                if b == b'-' && (if i == 0 { before } else { rest.get(i - 1).copied().unwrap_or(0) }) == b'-' {
                    k |= marks.pair_of_dashes;
                }
            }
        }
        let (a, b) = (u64x2_extract_lane::<0>(low), u64x2_extract_lane::<1>(low));
        let mut out = [0u8; 16];
        let (p, q) = out.split_at_mut(8);
        p.copy_from_slice(&a.to_le_bytes());
        q.copy_from_slice(&b.to_le_bytes());
        lower.extend_from_slice(&out);
        carry = (sp >> 15) & 1;
        before = rest.get(15).copied().unwrap_or(0);
        rest = rest.get(16..).unwrap_or_default();
    }
    lower.truncate(v.len());
    k
}

/// The vectors [`classify_lower`] compares with (the Wasm build's), each byte repeated.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
struct Splats {
    upper_a: [u8; 16],
    lower_a: [u8; 16],
    zero: [u8; 16],
    plus: [u8; 16],
    space: [u8; 16],
    dot: [u8; 16],
    comma: [u8; 16],
    at: [u8; 16],
    n25: [u8; 16],
    n9: [u8; 16],
    case_bit: [u8; 16],
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
static SPLATS: Splats = Splats {
    upper_a: [b'A'; 16],
    lower_a: [b'a'; 16],
    zero: [b'0'; 16],
    plus: [b'+'; 16],
    space: [b' '; 16],
    dot: [b'.'; 16],
    comma: [b','; 16],
    at: [b'@'; 16],
    n25: [25; 16],
    n9: [9; 16],
    case_bit: [0x20; 16],
};

/// The bytes of `s` (1 to 15 of them) as a vector, zero beyond them: overlapping word loads,
/// no copy loop.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn padded(s: &[u8]) -> core::arch::wasm32::v128 {
    let n = s.len();
    if n > 8 {
        let lo = s.first_chunk::<8>().map_or(0, |a| u64::from_le_bytes(*a));
        // Bytes n-8..n: bytes 8..n go to places 0..n-8 of the high word.
        let hi = s.last_chunk::<8>().map_or(0, |a| u64::from_le_bytes(*a)) >> (8 * (16 - n.min(16)));
        core::arch::wasm32::u64x2(lo, hi)
    } else {
        core::arch::wasm32::u64x2(word(s), 0)
    }
}

/// The bytes of `s` (0 to 8 of them) as a word, zero beyond them.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn word(s: &[u8]) -> u64 {
    let n = s.len();
    if let Some(a) = s.first_chunk::<8>() {
        u64::from_le_bytes(*a)
    } else if n >= 4 {
        let lo = s.first_chunk::<4>().map_or(0, |a| u32::from_le_bytes(*a));
        // Bytes n-4..n: bytes 4..n go to places 4..n.
        let hi = s.last_chunk::<4>().map_or(0, |a| u32::from_le_bytes(*a));
        u64::from(lo) | (u64::from(hi) >> (8 * (8 - n)) << 32)
    } else {
        let b = |i: usize| u64::from(s.get(i).copied().unwrap_or(0));
        b(0) | (b(1) << 8) | (b(2) << 16)
    }
}

/// How [`sql_shaped_bytes`] reads each byte: [`SQL_QUOTE`] a quote-like byte (`'`, `"`, `` ` ``,
/// `(`, `#`, `;`), [`SQL_DOUBLED`] a byte that counts when doubled (`-`, `|`, `&`), [`SQL_STAR`]
/// `*` (after a `/`), 0 any other.
const SQL_QUOTE: u8 = 1;
const SQL_DOUBLED: u8 = 2;
const SQL_STAR: u8 = 3;
const SQL_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let quotes = *b"'\"`(#;";
    let mut i = 0;
    while i < quotes.len() {
        t[quotes[i] as usize] = SQL_QUOTE;
        i += 1;
    }
    t[b'-' as usize] = SQL_DOUBLED;
    t[b'|' as usize] = SQL_DOUBLED;
    t[b'&' as usize] = SQL_DOUBLED;
    t[b'*' as usize] = SQL_STAR;
    t
};

/// Whether `v` holds a quote-like byte (`'`, `"`, `` ` ``, `(`, `#`, `;`) or one of the pairs
/// `--`, `/*`, `||`, `&&`: the values worth handing to the SQL tokenizer. Byte by byte, each byte
/// looked up in [`SQL_BYTE`] (one load and one test for most bytes, where a `match` on the byte
/// compared it with each of the ten: measured in Envoy, this gate on the fast lane's values with a
/// dash cost about 20 k instructions on the 16 KiB bench body). Native builds, values under
/// sixteen bytes in the Wasm build, and the reference of the tests
/// (`the_sql_byte_table_reads_as_the_match`).
fn sql_shaped_bytes(v: &[u8]) -> bool {
    if v.len() < 2 {
        return false;
    }
    let mut prev = 0u8;
    for &b in v {
        match SQL_BYTE[usize::from(b)] {
            0 => {}
            SQL_QUOTE => return true,
            SQL_DOUBLED if prev == b => return true,
            SQL_STAR if prev == b'/' => return true,
            _ => {}
        }
        prev = b;
    }
    false
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
pub fn sql_shaped(v: &[u8]) -> bool {
    sql_shaped_bytes(v)
}

/// [`sql_shaped_bytes`] sixteen bytes at a time with the Wasm build's 128-bit SIMD for values of
/// sixteen bytes and more (the last chunk zero-filled as in [`classify_lower`]; a pair may
/// straddle two chunks).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn sql_shaped(v: &[u8]) -> bool {
    use core::arch::wasm32::{u8x16, u8x16_bitmask, u8x16_eq, u8x16_splat, v128_or};
    // Under sixteen bytes the byte loop costs less than a zero-filled chunk's eleven comparisons
    // (measured in Envoy on the 265-byte POST, whose SQL-shaped values are short).
    if v.len() < 16 {
        return sql_shaped_bytes(v);
    }
    // The last byte of the chunk before: `-`, `|`, `&` or `/` there, as the bit for lane -1.
    let (mut dash, mut bar, mut amp, mut slash) = (0u32, 0u32, 0u32, 0u32);
    let mut rest = v;
    while !rest.is_empty() {
        let x = match rest.first_chunk::<16>() {
            Some(c) => u8x16(
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15],
            ),
            None => padded(rest),
        };
        let is = |b: u8| u8x16_eq(x, u8x16_splat(b));
        let quote =
            v128_or(v128_or(is(b'\''), is(b'"')), v128_or(v128_or(is(b'`'), is(b'(')), v128_or(is(b'#'), is(b';'))));
        if u8x16_bitmask(quote) != 0 {
            return true;
        }
        // Bit i + 1 for lane i, bit 0 for the byte before the chunk.
        let at = |b: u8| u32::from(u8x16_bitmask(is(b))) << 1;
        let (d, p, a, s, star) = (at(b'-') | dash, at(b'|') | bar, at(b'&') | amp, at(b'/') | slash, at(b'*'));
        if d & (d >> 1) != 0 || p & (p >> 1) != 0 || a & (a >> 1) != 0 || star & (s << 1) != 0 {
            return true;
        }
        (dash, bar, amp, slash) = ((d >> 16) & 1, (p >> 16) & 1, (a >> 16) & 1, (s >> 16) & 1);
        rest = rest.get(16..).unwrap_or_default();
    }
    false
}

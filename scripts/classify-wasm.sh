#!/usr/bin/env bash
# Checks the one-pass byte classes and lower-casing of a value (src/waf/normalize/classify.rs) as
# the Wasm build compiles it (simd128: sixteen bytes at a time), which `cargo test` (native) does
# not run: the file is included into a small program built for wasm32-wasip1 with +simd128 and
# run under Node's WASI, against the byte-by-byte answer (`classify_bytes` and
# `to_ascii_lowercase`) on 400,000 random values at 8 offsets each, with a table of random
# entries shaped as `ClassMarks` requires.
#   scripts/classify-wasm.sh        (needs rustc's wasm32-wasip1 target and node >= 20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/check.rs" <<RS
include!("$root/src/waf/normalize/classify.rs");
fn main() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut n = 0u64;
    for round in 0..4 {
        // A table as the marks require, its other entries random (one bit each, or none).
        let mut table = [0u32; 256];
        for (b, e) in table.iter_mut().enumerate() {
            *e = if next() % 4 == 0 { 0 } else { 1 << (next() % 24) };
            let c = b as u8;
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'+' {
                *e = 0;
            }
        }
        let upper = 1 << (24 + round % 2);
        for c in b'A'..=b'Z' {
            table[usize::from(c)] = upper;
        }
        let punct = if round == 3 { 0 } else { 1 << 26 };
        for c in [b'.', b',', b'@'] {
            table[usize::from(c)] = punct;
        }
        table[usize::from(b' ')] = 1 << 27;
        let marks = ClassMarks { pair_of_spaces: 1 << 28, pair_of_dashes: 1 << 29, upper, space: 1 << 27, punct };
        let mut lower = Vec::new();
        for _ in 0..100_000 {
            let len = (next() % 70) as usize;
            let abc: &[u8] = match next() % 5 {
                0 => b"aaaaaaaaaaaaaaaaaZ   .,@+09azAZ[\`{@\x00\x7f\x80\xff\"'-_;",
                1 => b"aaaabbbbcccdd  ",
                3 => b"aaaaaaaaaaaaaaaaaaaaaaaa-",
                2 => b"AbCdEfGhIjKlMnOpQrStUvWxYz 0123456789",
                _ => b" ",
            };
            let v: Vec<u8> = (0..len).map(|_| abc[(next() as usize) % abc.len()]).collect();
            for off in 0..len.min(8) {
                let s = &v[off..];
                let k = classify_lower(s, &table, marks, &mut lower);
                assert_eq!(k, classify_bytes(s, &table, marks), "{s:?}");
                assert_eq!(lower, s.to_ascii_lowercase(), "{s:?}");
                n += 1;
            }
        }
    }
    // The SQL candidates' pairs and quote-like bytes, anywhere in the chunks and across them.
    let mut m = 0u64;
    for _ in 0..400_000 {
        let len = (next() % 70) as usize;
        let abc: &[u8] = if next() % 2 == 0 { b"aaaaaaaaaaaaaaaaaaaa-|&/*" } else { b"ab-|&/*'\"\`(#;\x00 " };
        let v: Vec<u8> = (0..len).map(|_| abc[(next() as usize) % abc.len()]).collect();
        for off in 0..len.min(4) {
            let s = &v[off..];
            assert_eq!(sql_shaped(s), sql_shaped_bytes(s), "{s:?}");
            m += 1;
        }
    }
    println!("classify-wasm: {n} values agree; sql_shaped: {m} values agree");
}
RS
. "$root/scripts/wasm-simd-lib.sh"
wasm_simd_check "$dir" classify-wasm

#!/usr/bin/env bash
# Checks the JSON walker's string search (src/waf/json/scan.rs) as the Wasm build compiles it
# (simd128: sixteen bytes at a time), which `cargo test` (native) does not run: the file is
# included into a small program built for wasm32-wasip1 with +simd128 and run under Node's WASI,
# against the plain byte-by-byte answer on 300,000 random strings, at 20 offsets each.
#   scripts/json-scan-wasm.sh        (needs rustc's wasm32-wasip1 target and node >= 20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/check.rs" <<RS
include!("$root/src/waf/json/scan.rs");
fn main() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut n = 0u64;
    for _ in 0..300_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 80) as usize;
        let abc: &[u8] = b"ab\"\\\\\x00\xff\x21\x5b\x23\x5daaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let v: Vec<u8> = (0..len).map(|i| abc[((seed >> (i % 60)) as usize + i * 7 + i * i) % abc.len()]).collect();
        for off in 0..len.min(20) {
            let s = &v[off..];
            assert_eq!(quote_or_backslash(s, quote_splats()), s.iter().position(|&b| b == b'"' || b == b'\\\\'), "{s:?}");
            n += 1;
        }
    }
    println!("json-scan-wasm: {n} searches agree");
}
RS
. "$root/scripts/wasm-simd-lib.sh"
wasm_simd_check "$dir" json-scan-wasm

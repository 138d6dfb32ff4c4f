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
            assert_eq!(quote_or_backslash(s), s.iter().position(|&b| b == b'"' || b == b'\\\\'), "{s:?}");
            n += 1;
        }
    }
    println!("json-scan-wasm: {n} searches agree");
}
RS
cat > "$dir/run.mjs" <<'JS'
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const wasi = new WASI({ version: 'preview1', args: [], env: {} });
const wasm = await WebAssembly.compile(await readFile(process.argv[2]));
wasi.start(await WebAssembly.instantiate(wasm, wasi.getImportObject()));
JS
rustc --edition 2021 --target wasm32-wasip1 -C opt-level=3 -C target-feature=+simd128 "$dir/check.rs" -o "$dir/check.wasm"
rustc --edition 2021 --target wasm32-wasip1 -C opt-level=3 -C target-feature=+simd128 --emit=asm "$dir/check.rs" -o "$dir/check.s"
grep -q 'i8x16.bitmask' "$dir/check.s" || { echo "json-scan-wasm: the SIMD search was not compiled" >&2; exit 1; }
node --no-warnings "$dir/run.mjs" "$dir/check.wasm"

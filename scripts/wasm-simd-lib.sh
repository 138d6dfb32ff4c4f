# Sourced by scripts/json-scan-wasm.sh and scripts/classify-wasm.sh: builds "$dir/check.rs" (a
# small program that includes one of the crate's SIMD files) for wasm32-wasip1 with +simd128,
# refuses a build without the SIMD form (no `i8x16.bitmask` in it), and runs it under Node's WASI.
#   wasm_simd_check DIR LABEL        (needs rustc's wasm32-wasip1 target and node >= 20)
wasm_simd_check() {
  local dir=$1 label=$2
  cat > "$dir/run.mjs" <<'JS'
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const wasi = new WASI({ version: 'preview1', args: [], env: {} });
const wasm = await WebAssembly.compile(await readFile(process.argv[2]));
wasi.start(await WebAssembly.instantiate(wasm, wasi.getImportObject()));
JS
  local flags=(--edition 2021 --target wasm32-wasip1 -C opt-level=3 -C target-feature=+simd128)
  rustc "${flags[@]}" "$dir/check.rs" -o "$dir/check.wasm"
  rustc "${flags[@]}" --emit=asm "$dir/check.rs" -o "$dir/check.s"
  grep -q 'i8x16.bitmask' "$dir/check.s" || { echo "$label: the SIMD form was not compiled" >&2; exit 1; }
  node --no-warnings "$dir/run.mjs" "$dir/check.wasm"
}

#!/usr/bin/env bash
# `make bench`: Envoy with and without Palisade under wrk, interleaved rounds; see bench/bench.py.
# Loopback only; bounded (about 2 * (BENCH_WARMUP + BENCH_ROUNDS * BENCH_SLICE) seconds + start-up).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[[ -x .venv/bin/python ]] || { echo "bench: .venv is missing (make venv)" >&2; exit 1; }
# The pass-through reference filter (variant `passthrough`).
cargo build --quiet --release --target wasm32-wasip1 --manifest-path bench/passthrough/Cargo.toml \
  --target-dir target/passthrough
exec timeout --signal=TERM 600 .venv/bin/python bench/bench.py "$@"

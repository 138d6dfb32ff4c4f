#!/usr/bin/env python3
"""`make bench-instructions`: machine instructions Envoy executes per request, per bench variant,
counted by valgrind (callgrind) instead of timed. The counts repeat to within a fraction of a
percent whatever else the machine is doing, so two builds or two configurations can be compared
on a busy machine, where `make bench`'s CPU times move by several microseconds.

Each variant of bench/variants (the same files as `make bench`) gets its own Envoy (one worker)
under valgrind with instrumentation off while it starts; then a keep-alive client sends
BENCH_INSTR_WARMUP requests (V8 compiles and tiers up, caches fill), instrumentation goes on, it
sends BENCH_INSTR_REQUESTS more, and the count of those is divided by their number. Reported per
variant: thousands of instructions per request and the difference to `baseline`.

What it is not: a time. An instruction of the V8-compiled filter, of Envoy's C++ and of a host
call's crossing weigh alike here, which they do not on the CPU; use it to rank changes and to
attribute cost, and `make bench` for the microseconds.

Settings (environment): BENCH_VARIANTS (names, default: baseline passthrough-jwt palisade-empty
jwt-rs256 jwt-rs256-lean), BENCH_EXTRA_VARIANTS (a folder of more variant files), BENCH_INSTR_REQUESTS
(default 1000), BENCH_INSTR_WARMUP (default 50). Loopback only; bounded: each Envoy is stopped
after its requests, the whole run by `timeout` in the Makefile.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import bench  # noqa: E402  (variants and their Envoy configurations, as `make bench`)

harness = bench.harness

REQUESTS = int(os.environ.get("BENCH_INSTR_REQUESTS", "1000"))
WARMUP = int(os.environ.get("BENCH_INSTR_WARMUP", "50"))
DEFAULT_VARIANTS = "baseline passthrough-jwt palisade-empty jwt-rs256 jwt-rs256-lean"


class CallgrindEnvoy(harness.Envoy):
    """Envoy under callgrind, instrumentation off until `counting()`."""

    def __init__(self, *args, out: Path, **kwargs):
        super().__init__(*args, **kwargs)
        self.out = out

    def command(self) -> list[str]:
        return [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", "--smc-check=all-non-file",
            f"--callgrind-out-file={self.out}", *super().command(),
        ]


def control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True, timeout=120)


def send(envoy: harness.Envoy, spec: dict, n: int) -> None:
    """`n` requests on one keep-alive connection; every one must get the variant's 200."""
    host, port = envoy.address("bench")
    conn = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"Host": "bench.local", **spec.get("headers", {})}
    body = spec.get("body")
    method = spec.get("method", "POST" if body is not None else "GET")
    for _ in range(n):
        conn.request(method, spec.get("path", "/"), body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"bench-instructions: {r.status} from {spec.get('path', '/')}")
    conn.close()


def measure(v: bench.Variant, out_dir: Path) -> float:
    out = out_dir / f"{v.name}.callgrind"
    for old in out_dir.glob(out.name + "*"):
        old.unlink()
    listener = harness.Listener(
        "bench", harness.free_port(), v.spec.get("palisade"), direct_response=200,
        filters_before=v.spec.get("envoy_filters_before", []),
    )
    wasm = bench.ROOT / v.spec["wasm"] if "wasm" in v.spec else harness.WASM
    config = harness.envoy_config([listener], admin_port=harness.free_port(), wasm=wasm)
    envoy = CallgrindEnvoy(config, out_dir, name=v.name, log_level="warn", out=out)
    envoy.start(timeout=600)
    try:
        send(envoy, v.spec, WARMUP)
        assert envoy.proc is not None
        control(envoy.proc.pid, "-i", "on")
        send(envoy, v.spec, REQUESTS)
        control(envoy.proc.pid, "-i", "off")
        control(envoy.proc.pid, "-d")
        time.sleep(1)
    finally:
        envoy.stop()
    dumps = [f for f in out_dir.glob(out.name + ".*") if f.suffix != ".callgrind"]
    counted = 0
    for f in dumps:
        m = re.search(r"^totals: (\d+)", f.read_text(errors="replace"), re.M)
        if m:
            counted += int(m.group(1))
    return counted / REQUESTS


def main() -> int:
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("bench-instructions: valgrind is missing (apt-get install valgrind)")
    if not harness.WASM.exists():
        sys.exit(f"bench-instructions: {harness.WASM} is missing (make build)")
    os.environ.setdefault("BENCH_VARIANTS", DEFAULT_VARIANTS)
    variants = bench.load_variants()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out_dir = Path(os.environ.get("BENCH_OUT", bench.ROOT / ".run" / "bench-instructions" / stamp))
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for v in variants:
        per_request = measure(v, out_dir)
        rows.append((v.name, per_request))
        print(f"{v.name}: {per_request / 1000:.1f}k instructions/request", flush=True)
    base = dict(rows).get("baseline")
    lines = [f"{'variant':24} {'k instr/req':>12} {'+k vs baseline':>15}"]
    for name, n in rows:
        plus = f"{(n - base) / 1000:+.1f}" if base is not None else "-"
        lines.append(f"{name:24} {n / 1000:12.1f} {plus:>15}")
    lines.append(f"\n{REQUESTS} requests counted per variant after {WARMUP} warm-up requests; Envoy --concurrency 1 under callgrind")
    text = "\n".join(lines)
    (out_dir / "summary.txt").write_text(text + "\n")
    (out_dir / "results.json").write_text(json.dumps(dict(rows), indent=2))
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

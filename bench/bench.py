#!/usr/bin/env python3
"""`make bench`: what Palisade costs Envoy per request, measured on this machine over loopback.

Every variant (bench/variants/*.json) is the same Envoy listener and route (a direct_response
200, so no upstream hop adds its own cost) with or without Palisade and its configuration:

    {"description": "...", "palisade": {...} | null, "path": "/...", "headers": {...},
     "method": "GET", "body": "...", "envoy_filters_before": [{Envoy HTTP filter}, ...],
     "bodies": "glob of JSONL files, each line with a \"body\"" (optional: each request sends
     the next JSON body of them), "denials_expected": true (optional: 403s are not errors),
     "expect": [{"path": ..., "headers": ..., "method": ..., "body": ..., "status": 403}]}

All variants are started at once (Envoy pinned to one CPU, --concurrency 1), smoke-checked, warmed
up, then measured in interleaved rounds (the order reversed every other round) with wrk pinned to
another CPU, so that a burst of other load hits every variant alike. Reported per variant: req/s,
p50, p99 (medians over rounds), the req/s ratio to the baseline (median of per-round ratios, with
min..max), and Envoy's CPU time per request (from /proc/<pid>/task/*/schedstat) with the
difference to the baseline. New variants are new files in bench/variants/ (`waf`: the WAF at
PL1; `ratelimit`: a rule that never limits at bench rates; `*-post`: a 265-byte JSON POST).

Settings (environment): BENCH_VARIANTS (names, default: all files, baseline first),
BENCH_ROUNDS (5), BENCH_SLICE (2 s per variant and round), BENCH_WARMUP (2 s),
BENCH_CONNECTIONS (32), BENCH_ENVOY_CPU (0), BENCH_WRK_CPU (1), BENCH_OUT (results folder),
BENCH_EXTRA_VARIANTS (a folder of more variant files). A variant may name another filter binary
with "wasm" (relative to the repository): `passthrough` runs bench/passthrough, a filter that lets
everything through, as the reference the per-request targets are stated against.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import harness  # noqa: E402  (the e2e harness builds and runs the Envoys)

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SLICE = int(os.environ.get("BENCH_SLICE", "2"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
ENVOY_CPU = os.environ.get("BENCH_ENVOY_CPU", "0")
WRK_CPU = os.environ.get("BENCH_WRK_CPU", "1")


@dataclass
class Slice:
    requests: int
    seconds: float
    rps: float
    p50_us: float
    p99_us: float
    cpu_ns: int
    errors: int
    # CPU time (in % of one CPU) that processes other than this Envoy and wrk took meanwhile.
    other_pct: float = 0.0

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_ns / 1000 / self.requests if self.requests else float("nan")


@dataclass
class Variant:
    name: str
    spec: dict
    envoy: harness.Envoy | None = None
    slices: list[Slice] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.envoy.url("bench", self.spec.get("path", "/"))


def can_pin() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(cpu: str, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if can_pin() else cmd


class PinnedEnvoy(harness.Envoy):
    def command(self) -> list[str]:
        return pinned(ENVOY_CPU, super().command())


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of `pid`, in ns (first field of schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def machine_busy_ns() -> int:
    """Busy CPU time of the whole machine since boot (all CPUs), in ns, from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    ticks = user + nice + system + irq + softirq + steal
    return ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def children_cpu_ns() -> int:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return int((r.ru_utime + r.ru_stime) * 1e9)


def envoy_pid(envoy: harness.Envoy) -> int:
    # With taskset, taskset execs Envoy: same pid.
    assert envoy.proc is not None
    return envoy.proc.pid


_UNITS = {"us": 1.0, "ms": 1000.0, "s": 1_000_000.0}


def _duration_us(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not m:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(variant: Variant, seconds: int, measure: bool = True) -> Slice | None:
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in variant.spec.get("headers", {}).items():
        cmd += ["-H", f"{name}: {value}"]
    method = variant.spec.get("method", "GET")
    body = variant.spec.get("body")
    bodies = variant_bodies(variant.spec)
    script = None
    if method != "GET" or body is not None or bodies:
        script = BENCH / f".wrk-{variant.name}.lua"
        lua = f'wrk.method = "{method}"\n'
        if body is not None:
            lua += f"wrk.body = {lua_string(body)}\n"
        if bodies:
            # Each request takes the next body of the list, round and round.
            lua += "local bodies = {\n" + "".join(f"{lua_string(b)},\n" for b in bodies) + "}\n"
            lua += "local i = 0\nrequest = function()\n  i = i % #bodies + 1\n"
            lua += "  return wrk.format(nil, nil, nil, bodies[i])\nend\n"
        script.write_text(lua)
        cmd += ["-s", str(script)]
    cmd.append(variant.url)
    pid = envoy_pid(variant.envoy)
    before, busy_before, wrk_before, t0 = cpu_ns(pid), machine_busy_ns(), children_cpu_ns(), time.monotonic()
    out = subprocess.run(pinned(WRK_CPU, cmd), capture_output=True, text=True, timeout=seconds + 30)
    used = cpu_ns(pid) - before
    wall_ns = (time.monotonic() - t0) * 1e9
    other = machine_busy_ns() - busy_before - used - (children_cpu_ns() - wrk_before)
    other_pct = max(0.0, 100.0 * other / wall_ns)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed for {variant.name}: {out.stderr or out.stdout}")
    if not measure:
        return None
    text = out.stdout
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", text).group(1))
    elapsed_m = re.search(r"requests in ([\d.]+)(us|ms|s|m)", text)
    elapsed = float(elapsed_m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[elapsed_m.group(2)]
    p50 = _duration_us(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    p99 = _duration_us(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m and not variant.spec.get("denials_expected"):
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    return Slice(requests, elapsed, requests / elapsed, p50, p99, used, errors, other_pct)


def lua_string(text: str) -> str:
    """`text` as a Lua long-bracket string (the bytes as they are, no escapes), with a level of
    `=` that does not occur in it; the newline after the opening bracket is dropped by Lua."""
    level = 2
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[\n{text}]{'=' * level}]"


def variant_bodies(spec: dict) -> list[str]:
    """The bodies of a variant that sends varied ones ("bodies": a glob of JSONL files relative
    to the repository, each line an object with a "body"): every body that is a JSON object or
    array, in file order."""
    pattern = spec.get("bodies")
    return list(_bodies_of(pattern)) if pattern else []


@functools.lru_cache(maxsize=None)
def _bodies_of(pattern: str) -> tuple[str, ...]:
    """Read once per run (wrk runs a variant several times)."""
    out = []
    for path in sorted(ROOT.glob(pattern)):
        for line in path.read_text().splitlines():
            try:
                body = json.loads(line).get("body")
                if isinstance(body, str) and isinstance(json.loads(body), (dict, list)):
                    out.append(body)
            except (ValueError, AttributeError):
                continue
    return tuple(out)


def smoke(variant: Variant) -> None:
    def call(path, headers, method="GET", body=None):
        data = body.encode() if body is not None else None
        req = urllib.request.Request(variant.envoy.url("bench", path), data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    got = call(variant.spec.get("path", "/"), variant.spec.get("headers", {}), variant.spec.get("method", "GET"), variant.spec.get("body"))
    if got != 200:
        raise RuntimeError(f"{variant.name}: the measured request got {got}, not 200")
    for check in variant.spec.get("expect", []):
        got = call(check["path"], check.get("headers", {}), check.get("method", "GET"), check.get("body"))
        if got != check["status"]:
            raise RuntimeError(f"{variant.name}: smoke check {check} got {got}")


def load_variants() -> list[Variant]:
    files = {p.stem: p for p in sorted((BENCH / "variants").glob("*.json"))}
    # Extra variants (experiments) from another folder; same format.
    extra = os.environ.get("BENCH_EXTRA_VARIANTS")
    if extra:
        files.update({p.stem: p for p in sorted(Path(extra).glob("*.json"))})
    names = os.environ.get("BENCH_VARIANTS", "").split() or ["baseline"] + [n for n in files if n != "baseline"]
    missing = [n for n in names if n not in files]
    if missing:
        sys.exit(f"bench: no such variant(s): {missing}; have {sorted(files)}")
    return [Variant(n, json.loads(files[n].read_text())) for n in names]


def fmt_us(us: float) -> str:
    return f"{us / 1000:.2f}ms" if us >= 1000 else f"{us:.0f}us"


def report(variants: list[Variant], out_dir: Path) -> str:
    base = variants[0]
    w = max(12, *(len(v.name) + 1 for v in variants))
    lines = [
        f"{'variant':<{w}} {'req/s':>8} {'p50':>8} {'p99':>8} {'vs_base':>8} {'spread':>12} {'cpu_us/req':>10} {'+us/req':>8} {'other%':>6}  errors",
    ]
    base_cpu = statistics.median(s.cpu_us_per_request for s in base.slices)
    for v in variants:
        rps = sum(s.requests for s in v.slices) / sum(s.seconds for s in v.slices)
        p50 = statistics.median(s.p50_us for s in v.slices)
        p99 = statistics.median(s.p99_us for s in v.slices)
        ratios = [s.rps / b.rps for s, b in zip(v.slices, base.slices)]
        cpu = statistics.median(s.cpu_us_per_request for s in v.slices)
        errors = sum(s.errors for s in v.slices)
        other = statistics.median(s.other_pct for s in v.slices)
        lines.append(
            f"{v.name:<{w}} {rps:>8.0f} {fmt_us(p50):>8} {fmt_us(p99):>8} {statistics.median(ratios):>8.3f} "
            f"{min(ratios):>5.2f}..{max(ratios):<5.2f} {cpu:>10.1f} {cpu - base_cpu:>+8.1f} {other:>6.0f}  {errors}"
        )
    lines.append("")
    lines.append(
        f"{ROUNDS} rounds x {SLICE}s per variant, {CONNECTIONS} connections, Envoy --concurrency 1"
        + (f" on CPU {ENVOY_CPU}, wrk on CPU {WRK_CPU}" if can_pin() else " (not pinned: fewer than 2 CPUs or no taskset)")
    )
    lines.append("vs_base: median of per-round req/s ratios to baseline (spread: min..max); cpu_us/req: Envoy CPU time per request")
    lines.append("other%: CPU other processes took meanwhile (% of one CPU); above ~10 the figures are depressed and noisy")
    if max(s.other_pct for v in variants for s in v.slices) > 10:
        lines.append("NOTE: other load during the run: compare ratios (vs_base, +us/req), not absolute req/s; rerun when quiet")
    lines.append(f"results: {out_dir}")
    return "\n".join(lines)


def main() -> int:
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (apt-get install wrk)")
    if not harness.WASM.exists():
        sys.exit(f"bench: {harness.WASM} is missing (make build)")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(os.environ.get("BENCH_OUT", ROOT / ".run" / "bench" / stamp))
    out_dir.mkdir(parents=True, exist_ok=True)
    variants = load_variants()

    # SIGTERM/SIGINT end the run through the finally below, which stops every Envoy.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for v in variants:
            listener = harness.Listener(
                "bench", harness.free_port(), v.spec.get("palisade"), direct_response=200,
                filters_before=v.spec.get("envoy_filters_before", []),
            )
            wasm = ROOT / v.spec["wasm"] if "wasm" in v.spec else harness.WASM
            if not wasm.exists():
                sys.exit(f"bench: {wasm} is missing (variant {v.name})")
            config = harness.envoy_config([listener], admin_port=harness.free_port(), wasm=wasm)
            v.envoy = PinnedEnvoy(config, out_dir, name=v.name, log_level="warn")
            v.envoy.start()
            smoke(v)
            print(f"started {v.name}: {v.spec.get('description', '')}", flush=True)
        print(f"warm-up {WARMUP}s per variant", flush=True)
        for v in variants:
            wrk(v, WARMUP, measure=False)
        for r in range(ROUNDS):
            order = variants if r % 2 == 0 else list(reversed(variants))
            for v in order:
                s = wrk(v, SLICE)
                v.slices.append(s)
            print(f"round {r + 1}/{ROUNDS}: " + ", ".join(f"{v.name} {v.slices[-1].rps:.0f} req/s" for v in variants), flush=True)
        for v in variants:
            (out_dir / f"{v.name}.stats").write_text(v.envoy.admin("/stats"))
    finally:
        for v in variants:
            if v.envoy is not None:
                v.envoy.stop()
        for p in BENCH.glob(".wrk-*.lua"):
            p.unlink()

    text = report(variants, out_dir)
    (out_dir / "summary.txt").write_text(text + "\n")
    (out_dir / "slices.json").write_text(
        json.dumps({v.name: [s.__dict__ for s in v.slices] for v in variants}, indent=2)
    )
    print()
    print(text)
    if any(s.errors for v in variants for s in v.slices):
        print("bench: some responses were errors or not 2xx (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

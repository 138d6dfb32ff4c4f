#!/usr/bin/env python3
"""Envoy's memory while Palisade rate-limits clients from a million distinct addresses.

A measurement, not a test: it starts Envoy (2 workers) with one per-client rate limit and a
rate-limit table of --slots slots, then sends requests from --clients distinct client addresses
(through a trusted X-Forwarded-For hop) with wrk, and samples admin /memory (allocated and heap
size) as it goes. Shared data never shrinks or lists keys, so a design with one key per client
would grow with every address; Palisade's table is a fixed set of keys, so memory must level off
at what the table size implies (slots/16 keys of 258 bytes of values).

    .venv/bin/python bench/ratelimit_memory.py [--clients 1000000] [--slots 65536] [--seconds 300]

Bounded: wrk stops after --clients requests or --seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import harness  # noqa: E402
from harness import Listener  # noqa: E402

LUA = r"""
local counter = 0
local limit = tonumber(os.getenv("CLIENTS"))
local thread_id = 0
local threads = tonumber(os.getenv("THREADS"))
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  counter = id
end
function request()
  if counter >= limit then
    wrk.thread:stop()
  end
  local n = counter
  counter = counter + threads
  -- 10.0.0.0/8 holds 16.7 million addresses: one distinct client per request.
  local a = math.floor(n / 65536) % 256
  local b = math.floor(n / 256) % 256
  local c = n % 256
  return wrk.format("GET", "/m", {["X-Forwarded-For"] = string.format("10.%d.%d.%d", a, b, c)})
end
"""


def memory(envoy) -> dict:
    return json.loads(envoy.admin("/memory"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=1_000_000)
    ap.add_argument("--slots", type=int, default=65_536)
    ap.add_argument("--seconds", type=int, default=300)
    args = ap.parse_args()

    config = {
        "client_ip": {"source": "x_forwarded_for", "trusted_hops": 1},
        "rate_limiting": {"table": {"slots": args.slots}},
        "policies": {"default": {"rate_limits": [{"name": "per-ip", "stage": "before_auth", "limit": 10, "period": "1m"}]}},
    }
    work = Path(tempfile.mkdtemp(prefix="palisade-rl-mem-"))
    port = harness.free_port()
    cfg = harness.envoy_config([Listener("main", port, config, direct_response=200)], admin_port=harness.free_port(), upstream=None, access_log_path=None)
    envoy = harness.Envoy(cfg, work, name="rl-memory", concurrency=2).start()
    lua = work / "clients.lua"
    lua.write_text(LUA)
    samples = []
    try:
        time.sleep(1)
        base = memory(envoy)
        samples.append((0, 0, base))
        threads = 2
        env = {"CLIENTS": str(args.clients), "THREADS": str(threads), "PATH": "/usr/bin:/bin"}
        wrk = subprocess.Popen(
            ["wrk", f"-t{threads}", "-c32", f"-d{args.seconds}s", "-s", str(lua), f"http://127.0.0.1:{port}/"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        start = time.time()
        next_sample = start + 10
        while wrk.poll() is None:
            time.sleep(1)
            done = envoy.counter("palisade.requests.allowed") + envoy.counter("palisade.requests.denied")
            if done >= args.clients:
                wrk.terminate()
                wrk.wait(timeout=10)
                break
            if time.time() < next_sample:
                continue
            next_sample += 10
            samples.append((round(time.time() - start), done, memory(envoy)))
            print(f"{samples[-1][0]:>4}s  {done:>9} requests  allocated {int(samples[-1][2]['allocated']) / 2**20:7.1f} MiB  heap {int(samples[-1][2]['heap_size']) / 2**20:7.1f} MiB", flush=True)
        out = wrk.stdout.read() if wrk.stdout else ""
        done = envoy.counter("palisade.requests.allowed") + envoy.counter("palisade.requests.denied")
        final = memory(envoy)
        samples.append((round(time.time() - start), done, final))
    finally:
        envoy.stop()
    bound = args.slots // 16 * 258
    print()
    print(f"distinct clients sent: {done}   table: {args.slots} slots = {args.slots // 16} shared-data keys, {bound / 2**20:.2f} MiB of values")
    print(f"allocated: {int(base['allocated']) / 2**20:.1f} MiB before, {int(final['allocated']) / 2**20:.1f} MiB after "
          f"(+{(int(final['allocated']) - int(base['allocated'])) / 2**20:.1f} MiB)")
    half = [s for s in samples if s[1] >= done // 2]
    if half:
        mid = half[0]
        print(f"allocated at {mid[1]} clients: {int(mid[2]['allocated']) / 2**20:.1f} MiB; growth over the second half: "
              f"{(int(final['allocated']) - int(mid[2]['allocated'])) / 2**20:+.1f} MiB")
    print(f"elapsed: {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

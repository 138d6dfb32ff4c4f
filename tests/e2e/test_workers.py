"""Palisade with several Envoy workers (one Wasm VM each): decisions, audit records and counters
are the same whichever worker serves a request, and counters add up over workers."""

from __future__ import annotations

import concurrent.futures

import pytest
import requests

import harness
from harness import Listener

CONFIG = {"ip": {"deny": ["203.0.113.0/24"]}, "client_ip": {"source": "x_forwarded_for", "trusted_hops": 1}, "audit": {"log_allowed": True}}


@pytest.fixture(scope="module")
def envoy(envoys):
    return envoys.start([Listener("plain", harness.free_port(), CONFIG)], name="workers", concurrency=2)


def test_every_worker_runs_palisade_and_counters_add_up(envoy):
    before = envoy.stats()
    mark = envoy.log_size()

    def one(i):
        xff = "203.0.113.5" if i % 3 == 0 else "192.0.2.5"
        # A new connection each time, so that both workers get requests.
        with requests.Session() as s:
            return s.get(envoy.url("plain", f"/r/{i}"), headers={"x-forwarded-for": xff, "x-request-id": f"w-{i}"}, timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(60)))
    assert statuses.count(403) == 20 and statuses.count(200) == 40, statuses

    for i in range(60):
        record = envoy.audit_for(f"w-{i}", since=mark)
        assert record["decision"] == ("deny" if i % 3 == 0 else "allow")
    after = envoy.stats()
    assert after["wasmcustom.palisade.requests.allowed"] - before.get("wasmcustom.palisade.requests.allowed", 0) == 40
    assert after["wasmcustom.palisade.denied.ip_denied"] - before.get("wasmcustom.palisade.denied.ip_denied", 0) == 20
    # Both workers took connections (Envoy's per-worker listener counters).
    workers = {k: v for k, v in after.items() if ".worker_" in k and k.endswith(".downstream_cx_total")}
    assert len(workers) == 2 and all(workers.values()), workers

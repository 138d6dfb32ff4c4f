"""Rate limiting in real Envoy with four workers (four Wasm VMs): budgets are exact across workers
through shared data, per key, with burst, 429 problem+json, Retry-After and the RateLimit fields,
and a penalty box that releases clients after its cooldown."""

from __future__ import annotations

import concurrent.futures
import time

import pytest
import requests

import harness
from harness import Listener

XFF = {"source": "x_forwarded_for", "trusted_hops": 1}


def rules(*rule_list, **extra) -> dict:
    config = {"client_ip": XFF, "policies": {"default": {"rate_limits": list(rule_list)}}}
    config.update(extra)
    return config


LISTENERS = {
    # Exactness across workers is what this listener tests; with the default 8 compare-and-swap
    # attempts a busy machine (CI) can exhaust one request's attempts, which fails closed
    # (`on_contention: deny`) and would make the count a test of the machine's load instead.
    # Per hour, so that no token comes back while the 300 requests run (per minute, one does
    # every 0.6 s: a loaded machine that takes longer rightly admits a 101st).
    "hundred": rules(
        {"name": "per-ip", "stage": "before_auth", "limit": 100, "period": "1h"},
        rate_limiting={"table": {"cas_attempts": 64}},
    ),
    # The same limit with batches of 10: each worker takes ten requests of the allowance per
    # shared-data update and admits the other nine locally for up to a second.
    "batched": rules(
        {"name": "per-ip", "stage": "before_auth", "limit": 100, "period": "1h", "batch": 10, "headers_on_allowed": True},
        rate_limiting={"table": {"cas_attempts": 64}},
    ),
    "burst": rules({"name": "per-ip", "stage": "before_auth", "limit": 2, "period": "1m", "burst": 3, "headers_on_allowed": True}),
    "header": rules({"name": "per-tenant", "stage": "before_auth", "key": [{"header": "x-tenant"}], "limit": 1, "period": "1m"}),
    "penalty": rules(
        {"name": "per-ip", "stage": "before_auth", "limit": 1, "period": "2s"},
        rate_limiting={"penalty_box": {"window": "1m", "cooldown": "3s", "thresholds": {"rate_limited": 3}}},
    ),
    "monitor": {**rules({"name": "per-ip", "stage": "before_auth", "limit": 1, "period": "1m"}), "mode": "monitor"},
}


@pytest.fixture(scope="module")
def envoy(envoys):
    listeners = [Listener(name, harness.free_port(), cfg) for name, cfg in LISTENERS.items()]
    return envoys.start(listeners, name="ratelimit", concurrency=4)


def get(envoy, listener: str, client: str, path: str = "/", headers: dict | None = None) -> requests.Response:
    h = {"x-forwarded-for": client}
    h.update(headers or {})
    # A fresh connection per request, so the workers share the load.
    with requests.Session() as s:
        return s.get(envoy.url(listener, path), headers=h, timeout=10)


def test_a_limit_of_100_per_hour_admits_exactly_100_of_300_concurrent_requests_across_4_workers(envoy):
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(lambda i: get(envoy, "hundred", "198.51.100.10", f"/c/{i}").status_code, range(300)))
    assert statuses.count(200) == 100, sorted(set(statuses))
    assert statuses.count(429) == 200
    workers = {k: v for k, v in envoy.stats().items() if ".worker_" in k and k.endswith(".downstream_cx_total")}
    assert sum(1 for v in workers.values() if v) >= 2, f"load did not spread over workers: {workers}"
    assert envoy.counter("palisade.ratelimit.default.per-ip.allowed") >= 100


def test_batches_across_4_workers_never_admit_more_than_the_limit_and_lose_at_most_a_batch_per_worker(envoy):
    before = envoy.counter("palisade.ratelimit.batch_admissions")
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(lambda i: get(envoy, "batched", "198.51.100.11", f"/c/{i}").status_code, range(300)))
    admitted = statuses.count(200)
    assert 100 - 4 * 9 <= admitted <= 100, admitted
    assert statuses.count(429) == 300 - admitted
    # Most admissions came from a worker's batch, without touching shared data.
    assert envoy.counter("palisade.ratelimit.batch_admissions") - before >= admitted // 2


def test_on_one_connection_a_batched_limit_counts_down_exactly(envoy):
    # One keep-alive connection stays on one worker: its batches are all used, so it sees
    # exactly what the unbatched rule would show.
    with requests.Session() as s:
        responses = [s.get(envoy.url("batched", "/"), headers={"x-forwarded-for": "198.51.100.12"}, timeout=10) for _ in range(101)]
    assert [r.status_code for r in responses] == [200] * 100 + [429]
    remaining = [int(r.headers["ratelimit"].split("r=")[1].split(";")[0]) for r in responses[:100]]
    assert remaining == list(range(99, -1, -1))
    assert responses[100].headers["ratelimit"].startswith('"per-ip";r=0;t=')
    assert int(responses[100].headers["retry-after"]) >= 1


def test_two_clients_do_not_share_a_budget(envoy):
    a = [get(envoy, "burst", "198.51.100.20").status_code for _ in range(6)]
    b = [get(envoy, "burst", "198.51.100.21").status_code for _ in range(6)]
    assert a == [200] * 5 + [429]
    assert b == [200] * 5 + [429]


def test_burst_lets_an_idle_client_send_limit_plus_burst_at_once_then_one_per_interval(envoy):
    client = "198.51.100.30"
    first = get(envoy, "burst", client)
    assert first.status_code == 200
    # headers_on_allowed: the RateLimit fields are on allowed responses too.
    assert first.headers["ratelimit-policy"] == '"per-ip";q=2;w=60'
    assert first.headers["ratelimit"].startswith('"per-ip";r=4;t=')
    statuses = [get(envoy, "burst", client).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_429_is_problem_json_with_retry_after_and_ratelimit_fields(envoy):
    client = "198.51.100.40"
    for _ in range(5):
        assert get(envoy, "burst", client).status_code == 200
    r = get(envoy, "burst", client, headers={"x-request-id": "rl-429"})
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    # Limit 2 per minute: the next request conforms in 30 s at most.
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= 30
    assert r.headers["ratelimit-policy"] == '"per-ip";q=2;w=60'
    assert r.headers["ratelimit"] == f'"per-ip";r=0;t={retry}'
    body = r.json()
    assert body["type"] == "https://iana.org/assignments/http-problem-types#quota-exceeded"
    assert body["status"] == 429 and body["code"] == "rate_limited"
    assert body["violated-policies"] == ["per-ip"]
    assert body["request_id"] == "rl-429"
    record = envoy.audit_for("rl-429")
    assert record["reason"] == "rate_limited" and record["status"] == 429
    assert record["rule"] == "policies.default.rate_limits.per-ip"


def test_a_header_keyed_rule_counts_per_header_value_and_ignores_requests_without_it(envoy):
    assert get(envoy, "header", "198.51.100.50", headers={"x-tenant": "acme"}).status_code == 200
    assert get(envoy, "header", "198.51.100.51", headers={"x-tenant": "acme"}).status_code == 429
    assert get(envoy, "header", "198.51.100.52", headers={"x-tenant": "globex"}).status_code == 200
    assert get(envoy, "header", "198.51.100.53").status_code == 200
    assert get(envoy, "header", "198.51.100.53").status_code == 200


def test_a_client_that_keeps_hitting_the_limit_is_boxed_and_released_after_the_cooldown(envoy):
    client = "198.51.100.60"
    mark = envoy.log_size()
    codes = []
    for i in range(5):
        r = get(envoy, "penalty", client, headers={"x-request-id": f"pb-{i}"})
        codes.append((r.status_code, r.json().get("code") if r.status_code != 200 else None))
    assert codes[0] == (200, None)
    assert codes[1:4] == [(429, "rate_limited")] * 3
    assert codes[4] == (429, "penalty_boxed")
    boxing = envoy.audit_for("pb-3", since=mark)
    assert "3 rate_limited" in boxing["penalty"]
    boxed = envoy.audit_for("pb-4", since=mark)
    assert boxed["reason"] == "penalty_boxed"
    r = get(envoy, "penalty", client)
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 3
    assert r.json()["type"] == "https://iana.org/assignments/http-problem-types#abnormal-usage-detected"
    # Another client is not affected.
    assert get(envoy, "penalty", "198.51.100.61").status_code == 200
    assert envoy.counter("palisade.penalty.boxed") >= 1
    time.sleep(3.5)
    assert get(envoy, "penalty", client).status_code == 200


def test_monitor_mode_counts_would_be_429s_and_lets_them_through(envoy):
    before = envoy.counter("palisade.monitored.rate_limited")
    mark = envoy.log_size()
    statuses = [get(envoy, "monitor", "198.51.100.70", headers={"x-request-id": f"mon-{i}"}).status_code for i in range(3)]
    assert statuses == [200, 200, 200]
    assert envoy.counter("palisade.monitored.rate_limited") - before == 2
    record = envoy.audit_for("mon-2", since=mark)
    assert record["decision"] == "deny" and record["enforced"] is False and record["reason"] == "rate_limited"


def test_a_client_that_keeps_tripping_the_waf_is_boxed(envoys):
    config = {
        "client_ip": XFF,
        "rate_limiting": {"penalty_box": {"window": "1m", "cooldown": "2s", "thresholds": {"waf_block": 2}}},
        "policies": {"default": {"waf": {}}},
    }
    envoy = envoys.start([Listener("wafbox", harness.free_port(), config)], name="wafbox")
    attacker, bystander = "198.51.100.80", "198.51.100.81"
    attack = "/search?q=1%27%20union%20select%20password%20from%20users--"
    codes = [get(envoy, "wafbox", attacker, attack).json()["code"] for _ in range(2)]
    assert codes == ["waf_blocked", "waf_blocked"]
    # Boxed now: even a harmless request is refused until the cooldown ends.
    r = get(envoy, "wafbox", attacker, "/search?q=chairs")
    assert r.status_code == 429 and r.json()["code"] == "penalty_boxed"
    assert 1 <= int(r.headers["retry-after"]) <= 2
    assert get(envoy, "wafbox", bystander, "/search?q=chairs").status_code == 200
    time.sleep(2.5)
    assert get(envoy, "wafbox", attacker, "/search?q=chairs").status_code == 200

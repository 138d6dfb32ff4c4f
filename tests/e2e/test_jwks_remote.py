"""Remote JWKS in real Envoy with two workers: the keys are fetched from an issuer (a small HTTP
server here, behind an Envoy cluster) once per refresh for the whole Envoy, not once per worker;
before the first set, requests get 503 `auth_unavailable` with Retry-After; a token naming a new
`kid` triggers an early refetch (key rotation without restart); an issuer outage keeps the last
good keys, up to `max_stale_seconds`."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

import harness
import jwt_tools as jt
from harness import Envoy, Listener


class JwksServer:
    """Serves a JWKS per path (or an error status), and remembers every request it got."""

    def __init__(self):
        self.port = harness.free_port()
        self.lock = threading.Lock()
        self.answers: dict[str, dict | int] = {}
        self.hits: list[tuple[float, str, int]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with server.lock:
                    answer = server.answers.get(self.path, 404)
                    status = answer if isinstance(answer, int) else 200
                    server.hits.append((time.monotonic(), self.path, status))
                body = json.dumps(answer).encode() if status == 200 else b'{"error": "unavailable"}'
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="jwks-server", daemon=True)
        self.thread.start()

    def serve(self, path: str, answer: dict | int) -> None:
        with self.lock:
            self.answers[path] = answer

    def count(self, path: str, status: int | None = None) -> int:
        with self.lock:
            return sum(1 for _, p, s in self.hits if p == path and (status is None or s == status))

    def uri(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


OLD = jt.rsa_key("2026-old")
NEW = jt.rsa_key("2026-new")
OUTAGE = jt.ec_key("outage-1")
STALE = jt.ed25519_key("stale-1")

# name: (key served at first, remote_jwks settings)
PROVIDERS = {
    "rotate": (OLD, {"cache_duration_seconds": 300, "min_refetch_interval_seconds": 1}),
    "refresh": (OLD, {"cache_duration_seconds": 2, "min_refetch_interval_seconds": 1}),
    "outage": (OUTAGE, {"cache_duration_seconds": 1, "timeout_ms": 500}),
    "stale": (STALE, {"cache_duration_seconds": 1, "timeout_ms": 500, "max_stale_seconds": 3}),
    # The issuer is down from the start: no set is ever fetched.
    "down": (None, {"timeout_ms": 500}),
}


def issuer(name: str) -> str:
    return f"https://{name}.idp.test"


def palisade_config(name: str, server: JwksServer) -> dict:
    _, remote = PROVIDERS[name]
    return {
        "auth": {
            "jwt_providers": {
                name: {
                    "issuer": issuer(name),
                    "remote_jwks": {"uri": server.uri(f"/{name}/jwks.json"), "cluster": "jwks", **remote},
                }
            }
        },
        "policies": {"default": {"auth": {"require": "required"}}},
    }


@pytest.fixture(scope="module")
def jwks_server():
    server = JwksServer()
    for name, (key, _) in PROVIDERS.items():
        server.serve(f"/{name}/jwks.json", jt.jwks(key) if key else 500)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def envoy(envoys, jwks_server):
    listeners = [Listener(name, harness.free_port(), palisade_config(name, jwks_server)) for name in PROVIDERS]
    config = envoys.config(listeners)
    config["static_resources"]["clusters"].append(
        {
            "name": "jwks",
            "type": "STATIC",
            "connect_timeout": "1s",
            "load_assignment": {
                "cluster_name": "jwks",
                "endpoints": [
                    {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": jwks_server.port}}}}]}
                ],
            },
        }
    )
    proxy = Envoy(config, envoys.workdir, name="jwks-remote", concurrency=2)
    envoys.started.append(proxy)
    proxy.start()
    proxy.started_at = time.monotonic()
    return proxy


def send(envoy, listener: str, token: str, rid: str | None = None) -> requests.Response:
    rid = rid or f"jwks-{uuid.uuid4().hex[:12]}"
    # A fresh connection per request, so that both workers answer.
    with requests.Session() as s:
        r = s.get(envoy.url(listener, "/orders"), headers={"authorization": f"Bearer {token}", "x-request-id": rid}, timeout=10)
    r.request_id = rid
    return r


def token(name: str, key: jt.Key, subject: str = "user-1") -> str:
    return key.sign(jt.claims(issuer(name), subject=subject, audience=None))


def wait_for_200(envoy, listener: str, tok: str, timeout: float = 6.0) -> list[requests.Response]:
    """Sends `tok` until it gets 200; returns every response."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = send(envoy, listener, tok)
        seen.append(r)
        if r.status_code == 200:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"no 200 within {timeout}s: {[(r.status_code, r.text) for r in seen[-3:]]}")


def test_before_the_first_fetch_requests_get_503_with_retry_after_then_the_keys_work(envoy, jwks_server):
    responses = wait_for_200(envoy, "rotate", token("rotate", OLD))
    for r in responses[:-1]:
        assert r.status_code == 503, (r.status_code, r.text)
        assert r.headers["retry-after"] == "1"
        assert r.json()["code"] == "auth_unavailable"
        assert envoy.audit_for(r.request_id)["rule"] == "auth.jwt_providers.rotate.remote_jwks"
    # Both workers have the keys (they load the set another worker published).
    time.sleep(0.6)
    assert [send(envoy, "rotate", token("rotate", OLD)).status_code for _ in range(8)] == [200] * 8
    envoy.wait_for_log(r"JWKS of provider rotate loaded, 1 key")


def test_while_the_issuer_has_never_answered_requests_get_503_auth_unavailable_with_retry_after(envoy, jwks_server):
    r = send(envoy, "down", token("down", OLD))
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "auth_unavailable" and body["request_id"] == r.request_id
    assert "www-authenticate" not in r.headers
    record = envoy.audit_for(r.request_id)
    assert record["reason"] == "auth_unavailable" and record["status"] == 503
    envoy.wait_for_log(r"JWKS fetch for provider down failed \(status 500\)")
    # A request without any token is still a plain 401: there is nothing to verify.
    with requests.Session() as s:
        anonymous = s.get(envoy.url("down", "/orders"), timeout=10)
    assert anonymous.status_code == 401


def test_the_keys_are_fetched_once_per_refresh_for_all_workers_not_once_per_worker(envoy, jwks_server):
    # The first fetch: one per provider for the whole Envoy (two workers). At most two: when no
    # worker has taken the lease yet, two workers that both see none may both take it.
    wait_for_200(envoy, "refresh", token("refresh", OLD))
    assert 1 <= jwks_server.count("/rotate/jwks.json") <= 2
    # `refresh` has cache_duration_seconds 2: over ~5 s, about 3 refreshes, not 6.
    start_count = jwks_server.count("/refresh/jwks.json")
    time.sleep(5)
    fetched = jwks_server.count("/refresh/jwks.json") - start_count
    assert 1 <= fetched <= 3, fetched
    assert send(envoy, "refresh", token("refresh", OLD)).status_code == 200


def test_a_new_kid_is_first_refused_then_accepted_after_the_refetch_without_restart(envoy, jwks_server):
    wait_for_200(envoy, "rotate", token("rotate", OLD))
    before = jwks_server.count("/rotate/jwks.json")
    old_token = token("rotate", OLD)
    assert send(envoy, "rotate", old_token).status_code == 200
    # The issuer rotates: its set now holds only the new key.
    jwks_server.serve("/rotate/jwks.json", jt.jwks(NEW))
    new_token = token("rotate", NEW, subject="rotated")
    first = send(envoy, "rotate", new_token)
    assert first.status_code == 401
    assert 'error="invalid_token"' in first.headers["www-authenticate"]
    assert envoy.audit_for(first.request_id)["rule"] == "auth:unknown_kid"
    wait_for_200(envoy, "rotate", new_token, timeout=5)
    # One early refetch (min_refetch_interval_seconds: 1), not one per request nor per worker.
    assert 1 <= jwks_server.count("/rotate/jwks.json") - before <= 2
    time.sleep(0.6)  # the other worker's tick
    # The old key is gone, even for a token verified (and cached) before.
    statuses = {send(envoy, "rotate", old_token).status_code for _ in range(6)}
    assert statuses == {401}
    assert {send(envoy, "rotate", new_token).status_code for _ in range(6)} == {200}


def test_an_issuer_outage_keeps_the_last_good_keys(envoy, jwks_server):
    tok = token("outage", OUTAGE)
    wait_for_200(envoy, "outage", tok)
    jwks_server.serve("/outage/jwks.json", 500)
    failed_before = jwks_server.count("/outage/jwks.json", 500)
    deadline = time.monotonic() + 3.5
    statuses = set()
    while time.monotonic() < deadline:
        statuses.add(send(envoy, "outage", tok).status_code)
        time.sleep(0.2)
    assert statuses == {200}
    assert jwks_server.count("/outage/jwks.json", 500) > failed_before, "no refresh was attempted during the outage"
    envoy.wait_for_log(r"JWKS fetch for provider outage failed \(status 500\); keeping the last good keys")
    jwks_server.serve("/outage/jwks.json", jt.jwks(OUTAGE))


def test_keys_older_than_max_stale_seconds_are_dropped_and_come_back_with_the_issuer(envoy, jwks_server):
    tok = token("stale", STALE)
    wait_for_200(envoy, "stale", tok)
    jwks_server.serve("/stale/jwks.json", 500)
    # max_stale_seconds: 3 → within a few seconds the provider has no keys: 503, not 401.
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        r = send(envoy, "stale", tok)
        if r.status_code == 503:
            break
        assert r.status_code == 200
        time.sleep(0.2)
    assert r.status_code == 503 and r.json()["code"] == "auth_unavailable", r.text
    envoy.wait_for_log(r"JWKS of provider stale is older than max_stale_seconds")
    jwks_server.serve("/stale/jwks.json", jt.jwks(STALE))
    wait_for_200(envoy, "stale", tok, timeout=8)

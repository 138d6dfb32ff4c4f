"""OAuth 2.0 token introspection (RFC 7662) in real Envoy: an opaque bearer token is checked
against an introspection endpoint (a small HTTP server here, behind an Envoy cluster) with HTTP
Basic client authentication while the request is held; active tokens reach the upstream as their
consumer with their scopes, inactive ones get 401, an endpoint that fails or times out gives 503
(or an anonymous request with `on_introspection_error: allow`), answers are cached."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

import harness
from harness import Envoy, Listener

TOKENS = {
    "tok-active": {"active": True, "sub": "svc-orders", "client_id": "orders-app", "scope": "orders:read orders:write"},
    "tok-noscope": {"active": True, "sub": "svc-reports", "scope": "reports:read"},
    "tok-client": {"active": True, "client_id": "batch-job", "scope": "orders:read"},
    "tok-inactive": {"active": False},
}


class IntrospectionServer:
    """Answers RFC 7662 requests; `slow` tokens answer after `delay` s, `broken` ones with 500."""

    def __init__(self, delay: float = 2.0):
        self.port = harness.free_port()
        self.lock = threading.Lock()
        self.calls: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                token = (form.get("token") or [""])[0]
                with server.lock:
                    server.calls.append({"token": token, "authorization": self.headers.get("authorization"), "ctype": self.headers.get("content-type")})
                if token.startswith("slow"):
                    time.sleep(delay)
                if token.startswith("broken"):
                    status, answer = 500, {"error": "server_error"}
                else:
                    status, answer = 200, TOKENS.get(token, {"active": False})
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def count(self, token: str) -> int:
        with self.lock:
            return sum(1 for c in self.calls if c["token"] == token)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def config(server: IntrospectionServer, **policy) -> dict:
    return {
        "auth": {
            "introspection": {
                "cluster": "idp",
                "uri": f"http://127.0.0.1:{server.port}/oauth2/introspect",
                "client_id": "palisade",
                "client_secret": "s3cret",
                "timeout_ms": 500,
            }
        },
        "audit": {"log_allowed": True},
        "policies": {"default": {"auth": {"require": "required", "scopes": {"all_of": ["orders:read"]}, **policy}}},
    }


@pytest.fixture(scope="module")
def idp():
    server = IntrospectionServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def envoy(envoys, idp):
    optional = config(idp)
    optional["policies"]["default"]["auth"] = {"require": "optional", "on_introspection_error": "allow"}
    waf = config(idp)
    waf["policies"]["default"]["waf"] = {}
    listeners = [
        Listener("intro", harness.free_port(), config(idp)),
        Listener("optional", harness.free_port(), optional),
        Listener("waf", harness.free_port(), waf),
    ]
    cfg = envoys.config(listeners)
    cfg["static_resources"]["clusters"].append(
        {
            "name": "idp",
            "type": "STATIC",
            "connect_timeout": "1s",
            "load_assignment": {
                "cluster_name": "idp",
                "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": idp.port}}}}]}],
            },
        }
    )
    proxy = Envoy(cfg, envoys.workdir, name="introspection")
    envoys.started.append(proxy)
    return proxy.start()


def get(envoy, listener, token=None, rid=None, **kw):
    headers = {"x-request-id": rid} if rid else {}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return requests.get(envoy.url(listener, "/orders"), headers=headers, timeout=10, **kw)


def test_an_active_opaque_token_reaches_the_upstream_as_its_consumer(envoy, idp, echo):
    r = get(envoy, "intro", "tok-active", rid="intro-1")
    assert r.status_code == 200, r.text
    seen = r.json()["headers"]
    assert seen["x-consumer-id"] == "svc-orders"
    assert "authorization" not in seen, "the token is not forwarded"
    call = idp.calls[-1]
    assert call["ctype"] == "application/x-www-form-urlencoded"
    assert call["authorization"] == "Basic " + base64.b64encode(b"palisade:s3cret").decode()
    record = envoy.audit_for("intro-1")
    assert record["consumer"] == "svc-orders" and record["auth"] == "introspection"


def test_answers_are_cached_so_the_endpoint_is_asked_once(envoy, idp):
    before = idp.count("tok-client")
    for _ in range(3):
        r = get(envoy, "intro", "tok-client")
        assert r.status_code == 200
        assert r.json()["headers"]["x-consumer-id"] == "batch-job"
    assert idp.count("tok-client") - before == 1


def test_an_inactive_token_gets_401_invalid_token(envoy):
    r = get(envoy, "intro", "tok-inactive")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert "tok-inactive" not in r.text


def test_an_active_token_without_the_scope_gets_403(envoy):
    r = get(envoy, "intro", "tok-noscope")
    assert r.status_code == 403
    assert 'error="insufficient_scope", scope="orders:read"' in r.headers["www-authenticate"]


def test_no_token_gets_401_without_calling_the_endpoint(envoy, idp):
    before = len(idp.calls)
    assert get(envoy, "intro").status_code == 401
    assert len(idp.calls) == before


def test_endpoint_failure_and_timeout_fail_closed_with_503(envoy):
    r = get(envoy, "intro", "broken-1")
    assert r.status_code == 503
    assert r.json()["code"] == "auth_unavailable"
    assert r.headers["retry-after"] == "1"
    started = time.monotonic()
    r = get(envoy, "intro", "slow-1")
    assert r.status_code == 503
    assert time.monotonic() - started < 1.8, "the call's timeout (500 ms) bounds the wait"


def test_on_introspection_error_allow_lets_an_optional_policy_serve_anonymously(envoy):
    r = get(envoy, "optional", "broken-2")
    assert r.status_code == 200
    assert "x-consumer-id" not in r.json()["headers"]


def test_a_held_body_is_inspected_after_the_token_is_introspected(envoy, echo):
    ok = requests.post(
        envoy.url("waf", "/orders"), json={"item": "chair"}, headers={"authorization": "Bearer tok-active", "x-request-id": "intro-body-1"}, timeout=10
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["body"] == json.dumps({"item": "chair"})
    bad = requests.post(
        envoy.url("waf", "/orders"),
        json={"item": "<script>alert(document.cookie)</script>"},
        headers={"authorization": "Bearer tok-active", "x-request-id": "intro-body-2"},
        timeout=10,
    )
    assert bad.status_code == 403 and bad.json()["code"] == "waf_blocked"
    assert not echo.requests_with("intro-body-2")

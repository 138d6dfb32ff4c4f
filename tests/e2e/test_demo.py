"""Palisade in a real Envoy with the demo configuration (examples/demo.json, what `make run`
shows): allowed requests, every kind of denial, monitor mode, security headers, audit records,
access-log filter state and metrics. One Envoy (plain-text and TLS listeners) serves the module."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
import urllib3

import harness
from conftest import access_log_of
from harness import Listener, chunked, raw_request, request_head

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DEMO = json.loads((harness.ROOT / "examples" / "demo.json").read_text())
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


@pytest.fixture(scope="module")
def envoy(envoys, cert):
    return envoys.start(
        [
            Listener("plain", harness.free_port(), DEMO),
            Listener("tls", harness.free_port(), DEMO, tls=cert),
        ],
        name="demo",
    )


def get(envoy, path, listener="plain", **kwargs):
    kwargs.setdefault("timeout", 10)
    return requests.get(envoy.url(listener, path), verify=False, **kwargs)


def assert_problem(response, status, code, request_id=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:palisade:problem:{code}"
    assert body["title"]
    if request_id is not None:
        assert body["request_id"] == request_id
        assert response.headers["x-request-id"] == request_id
    return body


# -- allowed


def test_allowed_request_reaches_the_upstream_and_the_echo_shows_it(envoy, echo):
    r = get(envoy, "/api/orders?id=7", headers={"x-request-id": "allowed-1", "x-demo": "yes"})
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["method"] == "GET"
    assert seen["path"] == "/api/orders?id=7"
    assert seen["headers"]["x-demo"] == "yes"
    assert echo.requests_with("allowed-1"), "the upstream did not receive the request"


def test_allowed_post_body_arrives_intact_at_the_upstream(envoy):
    # /api has the WAF: a body says what it is (one without Content-Type scores as protocol abuse).
    headers = {"x-request-id": "post-1", "content-type": "text/plain"}
    r = requests.post(envoy.url("plain", "/api/orders"), data=b"a" * 1000, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["body_bytes"] == 1000


def test_small_chunked_body_under_the_limit_is_allowed(envoy):
    resp = raw_request(
        envoy.address("plain"),
        request_head("POST", "/upload/file", [("transfer-encoding", "chunked"), ("x-request-id", "chunk-ok")]),
        chunked(b"b" * 1000, 300),
    )
    assert resp.status == 200, resp.body
    assert resp.json()["body_bytes"] == 1000


# -- denials


def test_denied_ip_gets_403_problem_json_with_request_id(envoy, echo):
    r = get(envoy, "/api/orders", headers={"x-forwarded-for": "203.0.113.7", "x-request-id": "deny-ip-1"})
    body = assert_problem(r, 403, "ip_denied", request_id="deny-ip-1")
    assert "203.0.113.7" not in json.dumps(body), "the body must not echo request data"
    assert not echo.requests_with("deny-ip-1"), "a denied request must not reach the upstream"


def test_denial_without_client_request_id_carries_the_one_envoy_generated(envoy):
    r = get(envoy, "/api/orders", headers={"x-forwarded-for": "203.0.113.8"})
    body = assert_problem(r, 403, "ip_denied")
    assert re.fullmatch(r"[0-9a-f-]{36}", body["request_id"]), body
    assert r.headers["x-request-id"] == body["request_id"]


def test_ipv6_address_on_the_deny_list_is_denied_through_trusted_xff(envoy):
    r = get(envoy, "/api/orders", headers={"x-forwarded-for": "2001:db8:bad::1", "x-request-id": "deny-ip6"})
    assert_problem(r, 403, "ip_denied", request_id="deny-ip6")


def test_disallowed_method_gets_405_with_allow_header(envoy):
    r = requests.delete(envoy.url("plain", "/api/orders/7"), headers={"x-request-id": "m-1"}, timeout=10)
    assert_problem(r, 405, "method_not_allowed", request_id="m-1")
    assert r.headers["allow"] == "GET, HEAD, POST"


def test_long_uri_gets_414(envoy):
    r = get(envoy, "/api/" + "a" * 300, headers={"x-request-id": "uri-1"})
    assert_problem(r, 414, "uri_too_long", request_id="uri-1")


def test_too_many_headers_get_431(envoy):
    headers = {f"x-h{i}": "1" for i in range(40)}
    headers["x-request-id"] = "hdr-count"
    assert_problem(get(envoy, "/api/orders", headers=headers), 431, "too_many_headers", request_id="hdr-count")


def test_too_large_headers_get_431(envoy):
    r = get(envoy, "/api/orders", headers={"x-big": "b" * 5000, "x-request-id": "hdr-size"})
    assert_problem(r, 431, "headers_too_large", request_id="hdr-size")


def test_oversized_body_with_content_length_gets_413_before_reaching_the_upstream(envoy, echo):
    r = requests.post(envoy.url("plain", "/upload/f"), data=b"x" * 2048, headers={"x-request-id": "big-cl"}, timeout=10)
    assert_problem(r, 413, "body_too_large", request_id="big-cl")
    assert not echo.requests_with("big-cl")


def test_oversized_chunked_body_gets_413(envoy):
    resp = raw_request(
        envoy.address("plain"),
        request_head("POST", "/upload/f", [("transfer-encoding", "chunked"), ("x-request-id", "big-chunked")]),
        chunked(b"y" * 4096, 512),
    )
    assert resp.status == 413, resp.body
    assert resp.header("content-type") == "application/problem+json"
    assert resp.json()["code"] == "body_too_large"
    assert resp.json()["request_id"] == "big-chunked"


def test_chunked_body_exactly_at_the_limit_is_allowed_and_one_byte_more_is_413(envoy):
    def slowly(data):
        for part in chunked(data, 100):
            yield part
            time.sleep(0.005)  # separate body callbacks in Envoy

    head = request_head("POST", "/upload/f", [("transfer-encoding", "chunked")])
    ok = raw_request(envoy.address("plain"), head, slowly(b"z" * 1024))
    assert ok.status == 200, ok.body
    assert ok.json()["body_bytes"] == 1024
    over = raw_request(envoy.address("plain"), head, slowly(b"z" * 1025))
    assert over.status == 413, over.body


def test_head_request_is_allowed_without_a_body(envoy):
    resp = raw_request(envoy.address("plain"), request_head("HEAD", "/api/orders", [("x-request-id", "head-1")]))
    assert resp.status == 200
    assert resp.body == b""


@pytest.mark.parametrize("target", ["/%61dmin/users", "//admin/users", "/api/../admin/users", "/ADMIN/../admin/users"])
def test_path_tricks_do_not_dodge_the_admin_route(envoy, target):
    resp = raw_request(envoy.address("plain"), request_head("GET", target, []))
    assert resp.status == 403, (target, resp.body)
    assert resp.json()["code"] == "tls_required"


def test_invalid_content_length_is_refused(envoy):
    # Envoy's codec refuses it before any filter runs; either way it never reaches the upstream.
    resp = raw_request(envoy.address("plain"), request_head("POST", "/api/x", [("content-length", "abc")]))
    assert resp.status == 400


# -- TLS


def test_tls_required_path_is_denied_over_plain_http(envoy):
    assert_problem(get(envoy, "/admin/users", headers={"x-request-id": "tls-1"}), 403, "tls_required", request_id="tls-1")


def test_tls_required_path_is_allowed_over_https_with_hsts(envoy):
    r = get(envoy, "/admin/users", listener="tls", headers={"x-request-id": "tls-2"})
    assert r.status_code == 200, r.text
    assert r.headers["strict-transport-security"] == "max-age=31536000"


def test_hsts_is_not_sent_over_plain_http(envoy):
    r = get(envoy, "/api/orders")
    assert r.status_code == 200
    assert "strict-transport-security" not in r.headers


# X-Forwarded-Proto from a proxy in front of Envoy: see test_envoy_forwarded.py (Envoy overwrites
# it unless its own xff_num_trusted_hops says the proxy is trusted; client_ip.source "envoy").


# -- monitor mode


def test_monitor_mode_lets_a_would_be_denial_through_and_the_audit_record_says_so(envoy, echo):
    mark = envoy.log_size()
    r = requests.delete(envoy.url("plain", "/beta/items/3"), headers={"x-request-id": "mon-1"}, timeout=10)
    assert r.status_code == 200, r.text
    assert echo.requests_with("mon-1")
    record = envoy.audit_for("mon-1", since=mark)
    assert record["decision"] == "deny"
    assert record["enforced"] is False
    assert record["mode"] == "monitor"
    assert record["reason"] == "method_not_allowed"
    assert record["status"] == 405
    assert record["policy"] == "beta"


# -- response headers


def test_security_headers_are_added_and_server_and_x_powered_by_removed(envoy):
    r = get(envoy, "/api/orders")
    assert r.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, name
    assert "server" not in r.headers
    assert "x-powered-by" not in r.headers


def test_denials_carry_the_security_headers_too(envoy):
    r = get(envoy, "/api/orders", headers={"x-forwarded-for": "203.0.113.9"})
    assert r.status_code == 403
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert "server" not in r.headers


# -- robustness


def test_non_utf8_header_value_does_not_crash_the_vm(envoy):
    before = envoy.stats()
    for i in range(3):
        resp = raw_request(
            envoy.address("plain"),
            request_head(
                "GET",
                "/api/orders",
                [("x-bin", b"\xff\xfe\x80caf\xe9"), ("x-forwarded-for", b"\xff203.0.113.7"), ("x-request-id", f"bin-{i}")],
            ),
        )
        assert resp.status in (200, 400, 403), resp.body
    assert get(envoy, "/api/orders").status_code == 200
    after = envoy.stats()
    crashes = {k: after[k] - before.get(k, 0) for k in after if k.endswith(("vm_reload", "runtime.v8.created"))}
    assert not any(crashes.values()), crashes
    assert envoy.alive()


def test_non_utf8_xff_falls_back_to_the_peer_address(envoy):
    mark = envoy.log_size()
    resp = raw_request(
        envoy.address("plain"),
        request_head("GET", "/api/orders", [("x-forwarded-for", b"\xff\xfe, 203.0.113.7"), ("x-request-id", "xff-bin")]),
    )
    assert resp.status == 200, resp.body
    record = envoy.audit_for("xff-bin", since=mark)
    assert record["client_ip"] == "127.0.0.1"
    assert record["client_ip_source"] == "connection_fallback"


# -- audit records, access log, metrics


def test_audit_record_of_a_denial_has_every_field(envoy):
    mark = envoy.log_size()
    get(envoy, "/api/orders?token=secret&page=2", headers={"x-forwarded-for": "203.0.113.10", "x-request-id": "audit-1"})
    record = envoy.audit_for("audit-1", since=mark)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"]), record["time"]
    # Every field the foundation defines, with its value (later features may add fields).
    expected = {
        "request_id": "audit-1",
        "client_ip": "203.0.113.10",
        "client_ip_source": "x_forwarded_for",
        "method": "GET",
        "path": "/api/orders?token&page",
        "route": "api",
        "policy": "api",
        "decision": "deny",
        "enforced": True,
        "reason": "ip_denied",
        "status": 403,
        "rule": "ip.deny",
        "mode": "enforce",
    }
    assert {k: record.get(k, "<missing>") for k in expected} == expected
    assert "secret" not in json.dumps(record)


def test_audit_record_of_an_allowed_request_when_log_allowed_is_on(envoy):
    mark = envoy.log_size()
    assert get(envoy, "/api/orders", headers={"x-request-id": "audit-ok"}).status_code == 200
    record = envoy.audit_for("audit-ok", since=mark)
    assert record["decision"] == "allow"
    assert record["enforced"] is True
    assert record["reason"] is None and record["status"] is None and record["rule"] is None
    assert record["client_ip"] == "127.0.0.1"
    assert record["client_ip_source"] == "connection_fallback"


def test_access_log_shows_the_audit_record_from_filter_state(envoy):
    get(envoy, "/api/orders", headers={"x-forwarded-for": "203.0.113.11", "x-request-id": "alog-1"})
    get(envoy, "/api/orders", headers={"x-request-id": "alog-2"})
    path = access_log_of(envoy)
    deadline = time.monotonic() + 5
    lines = {}
    while time.monotonic() < deadline and len(lines) < 2:
        for line in path.read_text().splitlines():
            m = re.search(r"id=(alog-\d) palisade=(.*)$", line)
            if m:
                lines[m.group(1)] = line, m.group(2)
        time.sleep(0.05)
    assert set(lines) == {"alog-1", "alog-2"}, path.read_text()[-2000:]
    denied = json.loads(lines["alog-1"][1])
    assert lines["alog-1"][0].split('"')[2].split()[0] == "403"
    assert denied["decision"] == "deny" and denied["reason"] == "ip_denied"
    allowed = json.loads(lines["alog-2"][1])
    assert allowed["decision"] == "allow"


def test_metrics_count_decisions_and_show_in_prometheus(envoy):
    before = envoy.stats()
    get(envoy, "/api/orders")
    get(envoy, "/api/orders", headers={"x-forwarded-for": "203.0.113.12"})
    requests.delete(envoy.url("plain", "/beta/x"), timeout=10)
    time.sleep(0.2)
    after = envoy.stats()

    def delta(name):
        return after.get(f"wasmcustom.{name}", 0) - before.get(f"wasmcustom.{name}", 0)

    assert delta("palisade.requests.allowed") == 2  # the monitored one is let through
    assert delta("palisade.requests.denied") == 1
    assert delta("palisade.denied.ip_denied") == 1
    assert delta("palisade.requests.monitored") == 1
    assert delta("palisade.monitored.method_not_allowed") == 1

    prom = envoy.prometheus()
    # Envoy strips the `wasmcustom` namespace and adds no `envoy_` prefix for custom metrics.
    for name in ("palisade_requests_allowed", "palisade_requests_denied", "palisade_denied_ip_denied", "palisade_monitored_method_not_allowed"):
        assert re.search(rf"^{name}\{{\}} \d+$", prom, re.M), name
    # Every reason is defined up front, so dashboards see zeros rather than missing series.
    assert re.search(r"^palisade_denied_uri_too_long\{\} \d+$", prom, re.M)

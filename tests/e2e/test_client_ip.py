"""Finding the client address in a real Envoy: the raw TCP peer (IPv4 and IPv6), and
X-Forwarded-For trusted by hop count or by trusted proxies, never its spoofable leftmost part.
One Envoy, one listener per client_ip configuration."""

from __future__ import annotations

import pytest
import requests

import harness
from harness import Listener

# 198.51.100.0/24 is denied everywhere; 192.0.2.0/24 is an ordinary client.
DENY = {"deny": ["198.51.100.0/24", "2001:db8:bad::/48"]}
AUDIT = {"log_allowed": True}

CONFIGS = {
    "connection": {"ip": DENY, "audit": AUDIT},
    "hops": {"client_ip": {"source": "x_forwarded_for", "trusted_hops": 1}, "ip": DENY, "audit": AUDIT},
    "two_hops": {"client_ip": {"source": "x_forwarded_for", "trusted_hops": 2}, "ip": DENY, "audit": AUDIT},
    "proxies": {
        "client_ip": {"source": "x_forwarded_for", "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]},
        "ip": DENY,
        "audit": AUDIT,
    },
    "untrusted_peer": {
        "client_ip": {"source": "x_forwarded_for", "trusted_proxies": ["10.0.0.0/8"]},
        "ip": DENY,
        "audit": AUDIT,
    },
    # No decision needs the client address: Palisade reads it only for a denial's audit record.
    "lazy_peer": {"policies": {"default": {"limits": {"methods": ["GET"]}}}},
}


@pytest.fixture(scope="module")
def envoy(envoys):
    listeners = [Listener(name, harness.free_port(), cfg) for name, cfg in CONFIGS.items()]
    if harness.ipv6_loopback_available():
        listeners.append(
            Listener(
                "ipv6",
                harness.free_port("::1"),
                {
                    "policies": {"blocked": {"ip": {"deny": ["::1"]}}},
                    "routes": [{"prefix": "/blocked", "policy": "blocked"}],
                    "audit": AUDIT,
                },
                host="::1",
            )
        )
    return envoys.start(listeners, name="client-ip")


def call(envoy, listener, request_id, xff=None, path="/x"):
    headers = {"x-request-id": request_id}
    if xff is not None:
        headers["x-forwarded-for"] = xff
    mark = envoy.log_size()
    r = requests.get(envoy.url(listener, path), headers=headers, timeout=10)
    return r, envoy.audit_for(request_id, since=mark)


def test_connection_source_uses_the_tcp_peer_and_ignores_xff(envoy):
    r, record = call(envoy, "connection", "conn-1", xff="198.51.100.7")
    assert r.status_code == 200
    assert record["client_ip"] == "127.0.0.1"
    assert record["client_ip_source"] == "connection"


def test_trusted_hop_xff_is_honoured(envoy):
    r, record = call(envoy, "hops", "hops-1", xff="198.51.100.7")
    assert r.status_code == 403
    assert record["client_ip"] == "198.51.100.7"
    assert record["client_ip_source"] == "x_forwarded_for"
    assert record["reason"] == "ip_denied"


def test_spoofed_leftmost_xff_is_ignored_with_trusted_hops(envoy):
    # The client wrote "198.51.100.7" itself; the one trusted proxy appended the real address.
    r, record = call(envoy, "hops", "hops-2", xff="198.51.100.7, 192.0.2.10")
    assert r.status_code == 200, r.text
    assert record["client_ip"] == "192.0.2.10"
    assert record["client_ip_source"] == "x_forwarded_for"


def test_two_trusted_hops_take_the_second_address_from_the_right(envoy):
    r, record = call(envoy, "two_hops", "hops-3", xff="198.51.100.1, 192.0.2.20, 10.1.1.1")
    assert r.status_code == 200
    assert record["client_ip"] == "192.0.2.20"
    r, record = call(envoy, "two_hops", "hops-4", xff="192.0.2.20, 198.51.100.1, 10.1.1.1")
    assert r.status_code == 403
    assert record["client_ip"] == "198.51.100.1"


def test_too_short_xff_falls_back_to_the_peer(envoy):
    r, record = call(envoy, "two_hops", "hops-5", xff="198.51.100.1")
    assert r.status_code == 200
    assert record["client_ip"] == "127.0.0.1"
    assert record["client_ip_source"] == "connection_fallback"


def test_trusted_proxies_are_skipped_from_the_right(envoy):
    r, record = call(envoy, "proxies", "prox-1", xff="198.51.100.7, 192.0.2.30, 10.0.0.5")
    assert r.status_code == 200, r.text
    assert record["client_ip"] == "192.0.2.30"
    assert record["client_ip_source"] == "x_forwarded_for"
    r, record = call(envoy, "proxies", "prox-2", xff="192.0.2.30, 198.51.100.7, 10.0.0.5")
    assert r.status_code == 403
    assert record["client_ip"] == "198.51.100.7"


def test_a_peer_read_only_for_denials_is_still_in_their_audit_records(envoy):
    mark = envoy.log_size()
    r = requests.post(envoy.url("lazy_peer", "/x"), headers={"x-request-id": "lazy-1", "x-forwarded-for": "198.51.100.7"}, timeout=10)
    assert r.status_code == 405
    record = envoy.audit_for("lazy-1", since=mark)
    assert record["client_ip"] == "127.0.0.1"
    assert record["client_ip_source"] == "connection"
    assert requests.get(envoy.url("lazy_peer", "/x"), timeout=10).status_code == 200


def test_xff_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(envoy):
    r, record = call(envoy, "untrusted_peer", "untr-1", xff="198.51.100.7")
    assert r.status_code == 200
    assert record["client_ip"] == "127.0.0.1"
    assert record["client_ip_source"] == "connection"


def test_envoy_does_not_append_to_xff(envoy, echo):
    r = requests.get(envoy.url("connection", "/x"), headers={"x-forwarded-for": "192.0.2.1", "x-request-id": "xff-pass"}, timeout=10)
    assert r.status_code == 200
    assert r.json()["headers"]["x-forwarded-for"] == "192.0.2.1"


@pytest.mark.skipif(not harness.ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_client_is_seen_with_its_address(envoy):
    r, record = call(envoy, "ipv6", "v6-1")
    assert r.status_code == 200
    assert record["client_ip"] == "::1"
    assert record["client_ip_source"] == "connection"


@pytest.mark.skipif(not harness.ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_client_on_a_deny_list_is_denied(envoy):
    r, record = call(envoy, "ipv6", "v6-2", path="/blocked/x")
    assert r.status_code == 403
    assert r.json()["code"] == "ip_denied"
    assert record["rule"] == "policies.blocked.ip.deny"

"""Behind a TLS-terminating proxy, with Envoy doing the X-Forwarded-For handling itself
(`use_remote_address: true`, `xff_num_trusted_hops: 1`) and Palisade's `client_ip.source: "envoy"`:
the client address is the one Envoy determined and X-Forwarded-Proto from the proxy satisfies
`require_tls`. With Envoy's default of no trusted hops, Envoy overwrites X-Forwarded-Proto with the
connection's scheme, so a client cannot claim HTTPS over plain text."""

from __future__ import annotations

import pytest
import requests

import harness
from harness import Listener

CONFIG = {
    "client_ip": {"source": "envoy"},
    "ip": {"deny": ["203.0.113.0/24"]},
    "audit": {"log_allowed": True},
    "policies": {"default": {"require_tls": True}},
}
BEHIND_PROXY = {"xff_num_trusted_hops": 1}


@pytest.fixture(scope="module")
def envoy(envoys):
    return envoys.start(
        [
            Listener("proxied", harness.free_port(), CONFIG, hcm_overrides=BEHIND_PROXY),
            Listener("edge", harness.free_port(), CONFIG),
        ],
        name="forwarded",
    )


def get(envoy, listener, headers):
    return requests.get(envoy.url(listener, "/orders"), headers=headers, timeout=10)


def test_forwarded_proto_from_envoys_trusted_hop_satisfies_require_tls(envoy, echo):
    r = get(envoy, "proxied", {"x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.44", "x-request-id": "fwd-1"})
    assert r.status_code == 200, r.text
    record = envoy.audit_for("fwd-1")
    assert record["client_ip"] == "192.0.2.44"
    assert record["client_ip_source"] == "envoy"
    # HSTS goes out: the request counts as HTTPS.
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_plain_text_through_the_proxy_is_still_refused(envoy):
    r = get(envoy, "proxied", {"x-forwarded-proto": "http", "x-forwarded-for": "192.0.2.44"})
    assert r.status_code == 403
    assert r.json()["code"] == "tls_required"


def test_the_client_address_envoy_found_is_checked_against_the_lists(envoy):
    r = get(envoy, "proxied", {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"})
    assert r.status_code == 403
    assert r.json()["code"] == "ip_denied"


def test_without_trusted_hops_envoy_overwrites_a_clients_forwarded_proto(envoy):
    r = get(envoy, "edge", {"x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.44", "x-request-id": "fwd-edge"})
    assert r.status_code == 403
    assert r.json()["code"] == "tls_required"
    # And the spoofed X-Forwarded-For is not taken as the client address.
    assert envoy.audit_for("fwd-edge")["client_ip"] == "127.0.0.1"

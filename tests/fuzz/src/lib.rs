//! The fuzz targets' code, shared with `tests/fuzz_inputs.rs`, which replays the kept inputs
//! in `tests/fuzz/inputs/<target>/` under `make test`. Each target is a
//! function of raw bytes; `fuzz_targets/<target>.rs` only hands libFuzzer's input to it.
//!
//! The request targets run through policies that turn on as much of Palisade as one configuration
//! can: every JWT key type, API keys, introspection, routes by prefix and regex, IP lists behind a
//! trusted proxy, request limits, rate limits by several keys with a penalty box, and the WAF at
//! paranoia level 4 with exclusions and custom rules. Besides "no panic", every local response is
//! checked for what a client relies on (`check_response`).

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use palisade::engine::{self, Verdict};
use palisade::host::MemoryHost;
use palisade::request::Request;
use palisade::Policy;
use serde_json::{json, Value};
use std::sync::OnceLock;

pub const NOW_MS: u64 = 1_700_000_100_000;

pub fn fixtures() -> &'static Value {
    static F: OnceLock<Value> = OnceLock::new();
    F.get_or_init(|| serde_json::from_str(include_str!("../../fixtures/jwt-fixtures.json")).unwrap_or(Value::Null))
}

/// The HMAC key of the fixtures' `hmac-1` JWK, decoded.
pub fn hmac_key() -> Vec<u8> {
    let k = fixtures()["jwks"]["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == "hmac-1"))
        .and_then(|k| k["k"].as_str())
        .unwrap_or("");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(k).unwrap_or_default()
}

pub fn policy_config(mode: &str, auth_require: &str) -> Value {
    json!({
        "mode": mode,
        "client_ip": {"source": "x_forwarded_for", "trusted_hops": 1},
        "ip": {"deny": ["203.0.113.0/24", "2001:db8:bad::/48"]},
        "audit": {"log_allowed": true},
        "auth": {
            "jwt_providers": {
                "main": {
                    "issuer": "https://issuer.example",
                    "audiences": ["api"],
                    "algorithms": ["RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256"],
                    "local_jwks": {"inline": fixtures()["jwks"]},
                    "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}, {"name": "x-jwt"}],
                    "from_params": ["access_token"],
                    "from_cookies": ["session"],
                    "claim_to_headers": [
                        {"claim": "sub", "header": "x-jwt-sub"},
                        {"claim": "tenant.id", "header": "x-tenant"},
                        {"claim": "aud", "header": "x-aud"}
                    ],
                    "required_claims": ["sub"]
                }
            },
            "api_keys": {
                "from_headers": ["x-api-key"],
                "from_params": ["api_key"],
                "from_cookies": ["apikey"],
                "keys": [
                    {"sha256": "7e090b681418ce4c7a89ac5411f499a9155eef80484e835bd3760e4ce490333d",
                     "consumer": "acme", "scopes": ["read", "write"]},
                    {"sha256": "48a4f04d96bc156b4c65b5e4117236146db9418e0f0d099f4541259ab6044362",
                     "consumer": "globex", "scopes": ["read"], "not_after": "2027-06-30T23:59:59Z"}
                ]
            },
            "introspection": {
                "cluster": "idp", "uri": "https://idp.example.com/introspect",
                "client_id": "palisade", "client_secret": "s3cret"
            }
        },
        "rate_limiting": {
            "penalty_box": {"window": "1m", "cooldown": "10m", "thresholds": {"auth_failure": 3, "waf_block": 2}}
        },
        "policies": {
            "api": {
                "auth": {"require": auth_require, "scopes": {"any_of": ["read", "admin"]}},
                "limits": {"methods": ["GET", "HEAD", "POST", "PUT"], "max_uri_length": 2048,
                           "max_header_count": 60, "max_header_bytes": 16384, "max_body_bytes": 65536},
                "rate_limits": [
                    {"name": "per-ip", "stage": "before_auth", "key": [{"ip_prefix": {"v4": 24, "v6": 64}}], "limit": 50, "period": "1s", "batch": 5},
                    {"name": "per-consumer", "stage": "after_auth", "limit": 20, "period": "1m", "headers_on_allowed": true, "batch": 2},
                    {"name": "per-tenant", "stage": "after_auth", "key": [{"claim": "tenant.id"}, {"header": "x-tenant-id"}, "route"], "limit": 5, "period": "1s"}
                ],
                "waf": {
                    "paranoia_level": 4,
                    "exclusions": [{"target": "json:$.snippet"}, {"target": "cookie:prefs", "rules": [4200]}],
                    "custom_rules": [
                        {"id": 100001, "targets": ["args", "body"], "operator": "contains", "pattern": "forbidden", "score": 5},
                        {"id": 100002, "targets": ["headers:x-debug"], "operator": "regex", "pattern": "^on$", "score": 5}
                    ]
                }
            },
            "admin": {"require_tls": true, "ip": {"allow": ["10.0.0.0/8", "::1"]}, "waf": {"mode": "detect_only"}}
        },
        "routes": [
            {"name": "admin", "prefix": "/admin", "policy": "admin"},
            {"name": "user", "regex": "/users/[0-9]+", "methods": ["GET"], "policy": "api"}
        ],
        "default_policy": "api"
    })
}

/// The policies the request targets run: enforcing with auth required, enforcing with auth
/// optional (so more requests reach the WAF and the rate limits), and monitor mode.
pub fn policies() -> &'static [Policy] {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| {
        [("enforce", "required"), ("enforce", "optional"), ("monitor", "required")]
            .iter()
            .map(|(mode, require)| match Policy::from_json(policy_config(mode, require).to_string().as_bytes()) {
                Ok(p) => p,
                Err(errors) => {
                    // A fuzz target with a broken policy would fuzz nothing: stop loudly.
                    eprintln!("fuzz policy does not compile: {errors:?}");
                    std::process::abort()
                }
            })
            .collect()
    })
}

/// What a user would see must stay well formed whatever came in: a local response has an error
/// status, header values a client can parse (no line breaks that would split the response) and,
/// when it has a body, a JSON problem document.
pub fn check_response(v: &Verdict) {
    let Verdict::Deny(r) = v else { return };
    assert!((400..=599).contains(&r.status), "denial status {}", r.status);
    for (name, value) in &r.headers {
        assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()), "header name {name:?}");
        assert!(!value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0), "header {name}: {value:?}");
    }
    if !r.body.is_empty() {
        assert!(
            serde_json::from_slice::<Value>(&r.body).is_ok(),
            "body is not JSON: {:?}",
            String::from_utf8_lossy(&r.body)
        );
    }
}

/// Drives one request through the engine the way the proxy-wasm glue does: headers, the
/// introspection answer when one is asked for, the body (held for the WAF or streamed), the log
/// phase. Every verdict is checked with `check_response`, and the headers set for the upstream
/// (claims, consumer) and on the response (RateLimit fields) the same way.
pub fn drive(policy: &Policy, req: &Request, body: Option<&[u8]>, answer: (Option<u16>, &[u8]), host: &MemoryHost) {
    let (mut ex, mut verdict) = engine::on_request_headers(policy, req, body.is_none(), host);
    check_response(&verdict);
    if let Verdict::Call(_) = verdict {
        verdict = engine::on_call_response(policy, &mut ex, answer.0, answer.1, host);
        check_response(&verdict);
    }
    if let Some(body) = body {
        match verdict {
            Verdict::Deny(_) | Verdict::Call(_) => {}
            Verdict::Continue => verdict = engine::on_request_body(policy, &mut ex, body.len(), true, host),
            Verdict::Hold => {
                // In two chunks, as Envoy may deliver it.
                let half = body.len() / 2;
                verdict = engine::on_request_body(policy, &mut ex, half, false, host);
                if verdict == Verdict::Continue {
                    verdict = engine::on_request_body(policy, &mut ex, body.len() - half, false, host);
                }
                if verdict == Verdict::Continue {
                    let limit = ex.hold_limit.unwrap_or(usize::MAX);
                    let complete = body.len() <= limit;
                    verdict = engine::on_held_body(policy, &mut ex, &body[..body.len().min(limit)], complete, host);
                    if verdict == Verdict::Continue {
                        verdict = engine::on_request_body(policy, &mut ex, 0, true, host);
                    }
                }
            }
        }
        check_response(&verdict);
    }
    // What goes to the upstream and back to the client in headers is as well formed.
    let changes = ex.request_changes.iter().filter_map(|(n, v)| Some((n, v.as_ref()?)));
    for (name, value) in changes.chain(ex.response_extra.iter().map(|(n, v)| (n, v))) {
        assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()), "header name {name:?}");
        assert!(!value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0), "header {name}: {value:?}");
    }
    let _ = engine::response_headers(policy, &ex);
    engine::on_complete(policy, &mut ex, host);
    for record in host.audit_records() {
        assert!(record.is_object());
    }
}

/// A request from fuzz input: the first line is `METHOD target`, then `name: value` lines (names
/// lower-cased, as Envoy hands them over), then an empty line and the body (no body when there is
/// no empty line). `:authority` comes from a `host` line; the peer is 10.0.0.1.
pub fn request_from(data: &[u8]) -> (Request, Option<&[u8]>) {
    let (head, body) = match find(data, b"\n\n") {
        Some(i) => (&data[..i], Some(&data[i + 2..])),
        None => (data, None),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let (method, target) = match first.iter().position(|&b| b == b' ') {
        Some(i) => (&first[..i], &first[i + 1..]),
        None => (&b"GET"[..], first),
    };
    let mut headers = vec![
        (":method".to_string(), method.to_vec()),
        (":path".to_string(), target.to_vec()),
        (":scheme".to_string(), b"http".to_vec()),
    ];
    let mut authority = b"api.example.com".to_vec();
    for line in lines {
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => (&line[..i], line[i + 1..].strip_prefix(b" ").unwrap_or(&line[i + 1..])),
            None => (line, &b""[..]),
        };
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        if name == "host" {
            authority = value.to_vec();
            continue;
        }
        headers.push((name, value.to_vec()));
    }
    headers.push((":authority".to_string(), authority));
    let mut req = Request::from_headers(headers);
    req.peer = "10.0.0.1".parse().ok();
    (req, body)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A whole request (request line, headers, body) through every stage of the engine, under
/// policies that turn everything on. The first byte picks the policy and the introspection answer.
pub fn request(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    let policies = policies();
    let policy = &policies[usize::from(first & 3) % policies.len()];
    let (req, body) = request_from(rest);
    let status = match first >> 6 {
        0 => None,
        1 => Some(200),
        2 => Some(401),
        _ => Some(500),
    };
    let host = MemoryHost::at(NOW_MS);
    // The introspection answer is the body (an opaque token's answer is JSON).
    let answer = body.unwrap_or_default();
    drive(policy, &req, body, (status, answer), &host);
    // The same request again on the same host: caches, rate-limit state and the penalty box
    // are now warm.
    drive(policy, &req, body, (status, answer), &host);
}

/// The serialized header map as a proxy-wasm host returns it (the glue's first parse), then the
/// engine on whatever it yields.
pub fn header_map(data: &[u8]) {
    let Ok(mut req) = Request::from_serialized_headers(data.to_vec()) else { return };
    req.peer = "192.0.2.1".parse().ok();
    let _ = req.headers().count();
    let host = MemoryHost::at(NOW_MS);
    drive(&policies()[1], &req, None, (Some(200), b"{\"active\":true}"), &host);
}

/// Configuration bytes as the host delivers them: either a compiled policy or a list of errors,
/// each naming a JSON path, never a panic.
pub fn config(data: &[u8]) {
    match Policy::from_json(data) {
        Ok(policy) => {
            let _ = policy.named_metrics();
            let _ = policy.select("GET", "/", "example.com");
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

/// The content types of `waf_body`, picked by the input's first byte.
const TYPES: [&str; 8] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "application/xml",
    "text/plain; charset=utf-8",
    "application/graphql",
    "application/vnd.api+json",
    "application/octet-stream",
];

/// Bodies of every kind the WAF parses (JSON, form, multipart, XML, text, unknown), chosen by the
/// first byte, under the paranoia-level-4 policy with auth optional.
pub fn waf_body(data: &[u8]) {
    let Some((&first, body)) = data.split_first() else { return };
    let head = format!(
        "POST /api/items?q=1\ncontent-type: {}\ncontent-length: {}\n\n",
        TYPES[usize::from(first) % TYPES.len()],
        body.len()
    );
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    let (req, body) = request_from(&raw);
    let host = MemoryHost::at(NOW_MS);
    drive(&policies()[1], &req, body, (None, b""), &host);
}

/// Tokens. Half the inputs are used as they are (structure, base64url, segments); the other half
/// are a header and payload that the target signs with the fixtures' HMAC key, so the fuzzer
/// reaches the claim checks (exp, nbf, iss, aud, crit, scopes, claims to headers) behind a valid
/// signature.
pub fn jwt(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    let token: Vec<u8> = if first & 1 == 0 {
        rest.to_vec()
    } else {
        let cut = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let (header, payload) = (&rest[..cut], rest.get(cut + 1..).unwrap_or_default());
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let signing = format!("{}.{}", b64.encode(header), b64.encode(payload));
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&hmac_key()) else { return };
        mac.update(signing.as_bytes());
        format!("{signing}.{}", b64.encode(mac.finalize().into_bytes())).into_bytes()
    };
    let carrier = match (first >> 1) & 3 {
        0 => b"authorization: Bearer ".to_vec(),
        1 => b"x-jwt: ".to_vec(),
        2 => b"cookie: theme=dark; session=".to_vec(),
        _ => b"authorization: bearer ".to_vec(),
    };
    let mut raw = b"GET /api/orders\nx-forwarded-for: 192.0.2.7\n".to_vec();
    raw.extend_from_slice(&carrier);
    raw.extend(token.iter().copied().filter(|&b| b != b'\n'));
    let (req, _) = request_from(&raw);
    let host = MemoryHost::at(NOW_MS);
    drive(&policies()[usize::from(first >> 3) % 2], &req, None, (None, b""), &host);
}

/// Where `waf_growth` puts its value: the selector byte's value modulo the count.
pub const GROWTH_TARGETS: [&str; 11] = [
    "json-string",
    "json-body",
    "query",
    "form",
    "multipart-field",
    "multipart-boundary",
    "xml",
    "header",
    "cookie",
    "text",
    "path",
];

/// The parsed input of `waf_growth`: a paranoia level, a target, and the pieces of the value
/// `prefix + unit^n + middle + unit2^n + suffix`.
pub struct Growth<'a> {
    pub level: usize,
    pub target: usize,
    pub prefix: &'a [u8],
    pub unit: &'a [u8],
    pub middle: &'a [u8],
    pub unit2: &'a [u8],
    pub suffix: &'a [u8],
}

/// The input format (seeds.py writes it): byte 0 the target (`GROWTH_TARGETS`, modulo), byte 1
/// the paranoia level (modulo the levels allowed by `WAF_GROWTH_LEVELS`, default `1234`), then
/// the lengths of the prefix (byte 2, 0–255), the unit (byte 3: 1 + b % 64), the middle (byte 4)
/// and the second unit (byte 5: b % 65, 0 for none), then those pieces, and the suffix is the rest
/// (at most 1 KB). Two units reach checks that are quadratic in the product of two counts (lines
/// of one kind before lines of another, a long name followed by many attributes).
pub fn growth_parse(data: &[u8]) -> Option<Growth<'_>> {
    let (head, mut rest) = (data.get(..6)?, data.get(6..)?);
    let levels: Vec<usize> = std::env::var("WAF_GROWTH_LEVELS")
        .ok()
        .map(|s| s.bytes().filter(|b| (b'1'..=b'4').contains(b)).map(|b| usize::from(b - b'0')).collect())
        .filter(|l: &Vec<usize>| !l.is_empty())
        .unwrap_or_else(|| vec![1, 2, 3, 4]);
    let mut take = |n: usize| {
        let n = n.min(rest.len());
        let (a, b) = rest.split_at(n);
        rest = b;
        a
    };
    let prefix = take(usize::from(head[2]));
    let unit = take(1 + usize::from(head[3]) % 64);
    let middle = take(usize::from(head[4]));
    let unit2 = take(usize::from(head[5]) % 65);
    let suffix = take(1024);
    if unit.is_empty() {
        return None;
    }
    Some(Growth {
        level: levels[usize::from(head[1]) % levels.len()],
        target: usize::from(head[0]) % GROWTH_TARGETS.len(),
        prefix,
        unit,
        middle,
        unit2,
        suffix,
    })
}

impl Growth<'_> {
    /// The repetition count of the large value: 3,200, or more for short units so that the value
    /// is at least 128 KB (a quadratic check with a small constant shows only on long values),
    /// and never over 256 KB.
    pub fn large_n(&self) -> usize {
        let fixed = self.prefix.len() + self.middle.len() + self.suffix.len();
        let per = self.unit.len() + self.unit2.len();
        (128 * 1024 / per).max(3200).min((256 * 1024 - fixed) / per)
    }

    pub fn value(&self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(
            self.prefix.len() + self.middle.len() + self.suffix.len() + n * (self.unit.len() + self.unit2.len()),
        );
        v.extend_from_slice(self.prefix);
        for _ in 0..n {
            v.extend_from_slice(self.unit);
        }
        v.extend_from_slice(self.middle);
        for _ in 0..n {
            v.extend_from_slice(self.unit2);
        }
        v.extend_from_slice(self.suffix);
        v
    }
}

/// A `waf_growth` policy: the WAF alone at paranoia level `pl`, with head limits raised so that a
/// large path, query, header or cookie reaches it (as the dev corpus's configuration, plus the
/// limits).
pub fn growth_policy(pl: usize) -> Policy {
    let cfg = json!({"policies": {"default": {
        "waf": {"paranoia_level": pl},
        "limits": {"max_uri_length": 4 << 20, "max_header_bytes": 4 << 20}
    }}});
    match Policy::from_json(cfg.to_string().as_bytes()) {
        Ok(p) => p,
        Err(errors) => {
            eprintln!("growth policy does not compile: {errors:?}");
            std::process::abort()
        }
    }
}

/// The policies at paranoia levels 1 to 4, compiled once.
pub fn growth_policies() -> &'static [Policy] {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| (1..=4).map(growth_policy).collect())
}

/// Bytes a URI cannot carry as they are, percent-encoded; the rest (including `%`, `&`, `=`, `/`)
/// left for the fuzzer to use.
fn uri_escape(v: &[u8], out: &mut Vec<u8>) {
    for &b in v {
        if (0x21..0x7f).contains(&b) && b != b'#' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
}

/// A header value cannot hold line breaks or NUL: replaced by a space.
fn header_safe(v: &[u8]) -> Vec<u8> {
    v.iter().map(|&b| if b == b'\r' || b == b'\n' || b == 0 { b' ' } else { b }).collect()
}

/// The request carrying `value` in target `target` (`GROWTH_TARGETS`), and its body.
pub fn growth_request(target: usize, value: &[u8]) -> (Request, Option<Vec<u8>>) {
    let mut path = b"/api/items".to_vec();
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let mut body = None;
    let mut ctype = None;
    match GROWTH_TARGETS[target % GROWTH_TARGETS.len()] {
        "json-string" => {
            let s = String::from_utf8_lossy(value);
            body = Some(serde_json::to_vec(&json!({"id": 7, "text": s})).unwrap_or_default());
            ctype = Some("application/json".to_string());
        }
        "json-body" => {
            body = Some(value.to_vec());
            ctype = Some("application/json".to_string());
        }
        "query" => {
            path.extend_from_slice(b"?page=2&q=");
            uri_escape(value, &mut path);
        }
        "form" => {
            let mut b = b"page=2&q=".to_vec();
            b.extend_from_slice(value);
            body = Some(b);
            ctype = Some("application/x-www-form-urlencoded".to_string());
        }
        "multipart-field" => {
            let mut b = b"--XyZ\r\ncontent-disposition: form-data; name=\"note\"\r\n\r\n".to_vec();
            b.extend_from_slice(value);
            b.extend_from_slice(b"\r\n--XyZ--\r\n");
            body = Some(b);
            ctype = Some("multipart/form-data; boundary=XyZ".to_string());
        }
        "multipart-boundary" => {
            // The boundary is the value's first line, the body the rest.
            let cut = value.iter().position(|&b| b == b'\n').unwrap_or(value.len());
            let boundary = header_safe(&value[..cut]);
            body = Some(value.get(cut + 1..).unwrap_or_default().to_vec());
            ctype = Some(format!("multipart/form-data; boundary={}", String::from_utf8_lossy(&boundary)));
        }
        "xml" => {
            let mut b = b"<?xml version=\"1.0\"?><r>".to_vec();
            b.extend_from_slice(value);
            b.extend_from_slice(b"</r>");
            body = Some(b);
            ctype = Some("application/xml".to_string());
        }
        "header" => headers.push(("x-note".to_string(), header_safe(value))),
        "cookie" => {
            let mut c = b"theme=dark; note=".to_vec();
            c.extend_from_slice(&header_safe(value));
            headers.push(("cookie".to_string(), c));
        }
        "text" => {
            body = Some(value.to_vec());
            ctype = Some("text/plain; charset=utf-8".to_string());
        }
        _ => {
            path.push(b'/');
            uri_escape(value, &mut path);
        }
    }
    let method = if body.is_some() { "POST" } else { "GET" };
    let mut all = vec![
        (":method".to_string(), method.as_bytes().to_vec()),
        (":path".to_string(), path),
        (":scheme".to_string(), b"https".to_vec()),
        (":authority".to_string(), b"api.example.com".to_vec()),
        ("user-agent".to_string(), b"Mozilla/5.0 (X11; Linux x86_64)".to_vec()),
    ];
    if let Some(t) = ctype {
        all.push(("content-type".to_string(), t.into_bytes()));
    }
    if let Some(b) = &body {
        all.push(("content-length".to_string(), b.len().to_string().into_bytes()));
    }
    all.extend(headers);
    let mut req = Request::from_headers(all);
    req.peer = "10.0.0.1".parse().ok();
    (req, body)
}

/// The CPU time this thread has used. Wall time is not enough on a shared machine: a run longer
/// than a scheduler slice is preempted by the other processes and a short one is not, so the
/// large value's time, and with it the ratio, grew with the load (a false alarm at 132x under a
/// load of 7 on 2 cores).
#[cfg(fuzzing)]
fn cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec, which `ts` is.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    if !ok {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(u64::try_from(ts.tv_sec).unwrap_or(0), u32::try_from(ts.tv_nsec).unwrap_or(0))
}

/// Outside the fuzzer (the replay in `make unit`, which does not time), a monotonic clock.
#[cfg(not(fuzzing))]
fn cpu_time() -> std::time::Duration {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// One evaluation of the value through the engine (as `palisade eval` runs it); the CPU time it
/// took.
pub fn growth_eval(policy: &Policy, target: usize, value: &[u8]) -> std::time::Duration {
    let (req, body) = growth_request(target, value);
    let host = MemoryHost::at(NOW_MS);
    let start = cpu_time();
    let (_, verdict) = engine::evaluate(policy, &req, body.as_deref(), &host, false);
    let took = cpu_time().saturating_sub(start);
    check_response(&verdict);
    took
}

/// The least of `k` timings (noise only adds time).
fn least(k: usize, policy: &Policy, target: usize, value: &[u8]) -> std::time::Duration {
    (0..k).map(|_| growth_eval(policy, target, value)).min().unwrap_or_default()
}

/// Superlinear time in the WAF: the same value built with n units and with 16·n units (128 to
/// 256 KB) must cost at most `GROWTH_RATIO` (64) times as much CPU time, unless the large one
/// takes under `GROWTH_FLOOR_MS` (50 ms). Linear growth gives about 16; quadratic growth 256 once
/// the quadratic part dominates, but a check that is quadratic with a small constant (the
/// rescanning `only_named_tags`: 13.6 s at 800 KB) is still mostly linear work at the small size,
/// and at 86 KB showed only 66x: hence 4x linear rather than 8x, with CPU time and the
/// confirmation below keeping noise out.
pub const GROWTH_RATIO: u32 = 64;
pub const GROWTH_FLOOR_MS: u128 = 50;

fn too_slow(small: std::time::Duration, large: std::time::Duration) -> bool {
    large.as_millis() >= GROWTH_FLOOR_MS && large >= small * GROWTH_RATIO
}

pub fn waf_growth(data: &[u8]) {
    let Some(g) = growth_parse(data) else { return };
    let small_n = (g.large_n() / 16).max(1);
    let small = g.value(small_n);
    let large = g.value(small_n * 16);
    let policy = &growth_policies()[g.level - 1];
    let t_small = growth_eval(policy, g.target, &small);
    let t_large = growth_eval(policy, g.target, &large);
    if std::env::var_os("WAF_GROWTH_VERBOSE").is_some() {
        eprintln!(
            "PL{} {}: {} bytes {:?}, {} bytes {:?}",
            g.level,
            GROWTH_TARGETS[g.target],
            small.len(),
            t_small,
            large.len(),
            t_large
        );
    }
    if !too_slow(t_small, t_large) {
        return;
    }
    // Confirmed before failing, on a policy compiled afresh: the shared policies' automata caches
    // hold the states of every earlier input (and the lazy DFAs' give-up heuristics depend on
    // them), so a hit must also show from a clean start, as when the input is replayed alone.
    // Each value is timed three times and the least of each compared (noise only adds time).
    let fresh = growth_policy(g.level);
    let t_small = least(3, &fresh, g.target, &small);
    let t_large = least(3, &fresh, g.target, &large);
    if too_slow(t_small, t_large) {
        panic!(
            "superlinear: PL{} {} value of {} bytes took {:?}, of {} bytes {:?} ({:.0}x for 16x the units)",
            g.level,
            GROWTH_TARGETS[g.target],
            small.len(),
            t_small,
            large.len(),
            t_large,
            t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-9)
        );
    }
}

/// `waf_growth`'s kept inputs in `make unit`: both values run through the engine (no panic, well
/// formed responses), untimed; the large one with 4·n units rather than 16·n, so that a debug
/// build replays quickly. The timing is the fuzz target's job, the equivalence of each fixed check
/// with its old form the property tests' (`src/waf/tests.rs`).
pub fn waf_growth_replay(data: &[u8]) {
    let Some(g) = growth_parse(data) else { return };
    let small_n = (g.large_n() / 16).max(1);
    for n in [small_n, small_n * 4] {
        let _ = growth_eval(&growth_policies()[g.level - 1], g.target, &g.value(n));
    }
}

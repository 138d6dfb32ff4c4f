#![allow(clippy::expect_used)]
//! Cost of one request decision in the engine, natively, against a baseline that only builds
//! the request view (what every filter pays). Run with `cargo bench --bench engine`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use palisade::engine;
use palisade::host::MemoryHost;
use palisade::request::Request;
use palisade::Policy;

const CONFIG: &str = r#"{
  "client_ip": {"source": "x_forwarded_for", "trusted_hops": 1},
  "ip": {"deny": ["203.0.113.0/24", "198.51.100.0/24", "2001:db8:bad::/48"]},
  "policies": {
    "default": {"limits": {"methods": ["GET", "HEAD", "POST"]}},
    "admin": {"ip": {"allow": ["10.0.0.0/8"]}, "require_tls": true}
  },
  "routes": [
    {"name": "admin", "prefix": "/admin", "policy": "admin"},
    {"name": "user", "regex": "/users/[0-9]+", "methods": ["GET"], "policy": "default"}
  ]
}"#;

fn headers() -> Vec<(String, Vec<u8>)> {
    [
        (":method", "GET"),
        (":path", "/api/orders?page=2&size=50"),
        (":authority", "api.example.com"),
        (":scheme", "http"),
        ("user-agent", "curl/8.5.0"),
        ("accept", "application/json"),
        ("x-forwarded-for", "192.0.2.44"),
        ("x-request-id", "0f3c9a7e-5d3c-4f0e-9b1e-2f6f0a1c2d3e"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
    .collect()
}

fn bench(c: &mut Criterion) {
    let policy = Policy::from_json(CONFIG.as_bytes()).expect("bench config is valid");
    let host = MemoryHost::at(1_700_000_000_000);
    let mut g = c.benchmark_group("request_headers");
    g.bench_function("baseline_request_view", |b| {
        b.iter(|| {
            let mut r = Request::from_headers(black_box(headers()));
            r.peer = Some("10.0.0.1".parse().expect("literal"));
            black_box(r)
        })
    });
    g.bench_function("engine_allow", |b| {
        b.iter(|| {
            let mut r = Request::from_headers(black_box(headers()));
            r.peer = Some("10.0.0.1".parse().expect("literal"));
            black_box(engine::on_request_headers(&policy, &r, true, &host))
        })
    });
    // The bench/variants/jwt-rs256*.json routes: JWT (RS256, cache hit) + scope + rate limit;
    // `-lean` configured like Envoy's native chain, `-lean-batch` with its rate limit in batches.
    let variants = [
        ("engine_jwt_rs256_cache_hit", include_str!("../bench/variants/jwt-rs256.json")),
        ("engine_jwt_rs256_lean_cache_hit", include_str!("../bench/variants/jwt-rs256-lean.json")),
        ("engine_jwt_rs256_lean_batch_cache_hit", include_str!("../bench/variants/jwt-rs256-lean-batch.json")),
    ];
    for (name, text) in variants {
        let variant: serde_json::Value = serde_json::from_str(text).expect("variant is JSON");
        let jwt_policy =
            Policy::from_json(variant["palisade"].to_string().as_bytes()).expect("variant config is valid");
        jwt_policy.prime(&host);
        let mut jwt_headers = headers();
        if let Some(h) = variant["headers"].as_object() {
            for (n, v) in h {
                jwt_headers.push((n.to_ascii_lowercase(), v.as_str().unwrap_or_default().as_bytes().to_vec()));
            }
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut r = Request::from_headers(black_box(jwt_headers.clone()));
                r.peer = Some("10.0.0.1".parse().expect("literal"));
                let (mut ex, v) = engine::on_request_headers(&jwt_policy, &r, true, &host);
                engine::on_complete(&jwt_policy, &mut ex, &host);
                black_box(v)
            })
        });
    }
    g.finish();
    c.bench_function("compile_config", |b| b.iter(|| Policy::from_json(black_box(CONFIG.as_bytes()))));
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Cost of a JWT check per algorithm (cache miss), against a baseline of parsing and claim checks
//! only, and the cache-hit path. Tokens come from tests/fixtures/jwt-fixtures.json.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use palisade::auth::token;
use palisade::auth::{AlgorithmSet, JwtProvider, JwtProviderConfig, TokenCache, TokenCacheConfig};
use serde_json::{json, Value};
use std::time::Duration;

const NOW: u64 = 1_700_000_100;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("../tests/fixtures/jwt-fixtures.json")).unwrap_or(Value::Null)
}

fn provider() -> Option<JwtProvider> {
    let config: JwtProviderConfig = serde_json::from_value(json!({
        "issuer": "https://issuer.example",
        "audiences": ["api"],
        "algorithms": ["RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256"],
        "local_jwks": {"inline": fixtures()["jwks"]},
    }))
    .ok()?;
    JwtProvider::compile("bench", &config, "").ok()
}

fn bench(c: &mut Criterion) {
    let Some(p) = provider() else { return };
    let fx = fixtures();
    let tok = |alg: &str| fx["tokens"][alg].as_str().unwrap_or("").to_string();
    let mut group = c.benchmark_group("jwt");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    let rs = tok("RS256");
    let all: AlgorithmSet = palisade::auth::Algorithm::ALL.into_iter().collect();
    group.bench_function("parse_only", |b| {
        b.iter(|| token::parse(black_box(rs.as_bytes()), 8192, all).map(|t| t.claims.len()))
    });
    for alg in ["RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256"] {
        let t = tok(alg);
        assert!(p.verify(t.as_bytes(), NOW).is_ok(), "{alg}");
        group.bench_function(format!("verify_{alg}"), |b| b.iter(|| p.verify(black_box(t.as_bytes()), NOW)));
    }
    let mut cache = TokenCache::new(TokenCacheConfig::default());
    let _ = p.verify_cached(rs.as_bytes(), NOW, &mut cache);
    group.bench_function("cache_hit_RS256", |b| {
        b.iter(|| p.verify_cached(black_box(rs.as_bytes()), NOW, &mut cache).map(|(_, hit)| hit))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

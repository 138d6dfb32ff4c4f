//! One rate-limit decision against the in-memory host, next to a baseline of the shared-data
//! round trip it cannot avoid (one get and one compare-and-swap set of a 258-byte bucket).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use palisade::host::{Host, MemoryHost};
use palisade::ratelimit::{
    KeyInputs, PenaltyBox, PenaltyBoxConfig, RateLimitRuleConfig, RateLimitRules, RateLimitStore, RateLimitTableConfig,
    Seed, Stage,
};

fn rules(store: &RateLimitStore, json: &str) -> RateLimitRules {
    let list: Vec<RateLimitRuleConfig> = serde_json::from_str(json).unwrap_or_default();
    let mut errors = Vec::new();
    RateLimitRules::compile("api", &list, store, "policies.api.rate_limits", &mut errors)
}

fn bench(c: &mut Criterion) {
    let mut errors = Vec::new();
    let store = RateLimitStore::compile(&RateLimitTableConfig::default(), "t", Seed::derive(b"bench"), &mut errors);
    let host = MemoryHost::at(1_700_000_000_000);
    store.prime(&host);
    let client = KeyInputs {
        client_ip: Some("203.0.113.9".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into())),
        ..Default::default()
    };

    c.bench_function("baseline: shared_get + CAS shared_set of one bucket", |b| {
        let value = vec![7u8; 258];
        b.iter(|| {
            let cas = host.shared_get(black_box("palisade.rl.1")).map(|(_, cas)| cas);
            black_box(host.shared_set("palisade.rl.1", &value, cas).is_ok())
        })
    });

    let one = rules(&store, r#"[{"name": "per-ip", "stage": "before_auth", "limit": 1000000, "period": "1s"}]"#);
    c.bench_function("decision: one rule, allowed (read, GCRA, CAS write)", |b| {
        b.iter(|| {
            *host.now_ms.borrow_mut() += 1;
            black_box(one.check(Stage::BeforeAuth, black_box(&client), &store, &host).limited)
        })
    });

    let batched = rules(
        &store,
        r#"[{"name": "per-ip-batched", "stage": "before_auth", "limit": 1000000, "period": "1s", "batch": 1000}]"#,
    );
    c.bench_function("decision: one rule, batch of 1000, allowed (mostly from the worker's batch)", |b| {
        b.iter(|| {
            *host.now_ms.borrow_mut() += 1;
            black_box(batched.check(Stage::BeforeAuth, black_box(&client), &store, &host).limited)
        })
    });

    let tight = rules(&store, r#"[{"name": "tight", "stage": "before_auth", "limit": 1, "period": "1d"}]"#);
    c.bench_function("decision: one rule, limited (read only)", |b| {
        b.iter(|| black_box(tight.check(Stage::BeforeAuth, black_box(&client), &store, &host).limited))
    });

    let two = rules(
        &store,
        r#"[{"name": "a", "stage": "before_auth", "limit": 1000000, "period": "1s"},
            {"name": "b", "stage": "before_auth", "key": [{"ip_prefix": {}}], "limit": 1000000, "period": "1s"}]"#,
    );
    c.bench_function("decision: two rules, allowed (peek both, then two CAS writes)", |b| {
        b.iter(|| {
            *host.now_ms.borrow_mut() += 1;
            black_box(two.check(Stage::BeforeAuth, black_box(&client), &store, &host).limited)
        })
    });

    let cfg: Option<PenaltyBoxConfig> = serde_json::from_str(r#"{"thresholds": {"auth_failure": 10}}"#).ok();
    if let Some(cfg) = cfg {
        let pb = PenaltyBox::compile(&cfg, "p", Seed::derive(b"bench"), &mut errors);
        pb.prime(&host);
        c.bench_function("penalty box: key + check (not boxed)", |b| {
            b.iter(|| black_box(pb.key(black_box(&client)).and_then(|k| pb.check(k, &host))))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

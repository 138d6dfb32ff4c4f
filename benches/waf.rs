#![allow(clippy::expect_used)]
//! Cost of the WAF per request, natively, through the same engine entry point the proxy-wasm glue
//! uses (`engine::evaluate`). Each payload runs twice: under a policy without `waf` (the baseline
//! every request pays) and under the default WAF at paranoia level 1.
//! Run with `cargo bench --bench waf`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use palisade::engine;
use palisade::host::MemoryHost;
use palisade::request::Request;
use palisade::Policy;
use std::time::Duration;

const NO_WAF: &str = r#"{"policies": {"default": {}}}"#;
const WAF_PL1: &str = r#"{"policies": {"default": {"waf": {"paranoia_level": 1}}}}"#;

fn request(method: &str, target: &str, body: Option<(&str, usize)>) -> Request {
    let mut h: Vec<(String, Vec<u8>)> = vec![
        (":method".into(), method.into()),
        (":path".into(), target.into()),
        (":authority".into(), b"api.example.com".to_vec()),
        (":scheme".into(), b"https".to_vec()),
        ("user-agent".into(), b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".to_vec()),
        ("accept".into(), b"application/json".to_vec()),
        ("accept-language".into(), b"en-GB,en;q=0.8".to_vec()),
        ("x-request-id".into(), b"0f3c9a7e-5d3c-4f0e-9b1e-2f6f0a1c2d3e".to_vec()),
        ("cookie".into(), b"theme=dark; locale=en-GB".to_vec()),
    ];
    if let Some((ct, len)) = body {
        h.push(("content-type".into(), ct.into()));
        h.push(("content-length".into(), len.to_string().into_bytes()));
    }
    let mut r = Request::from_headers(h);
    r.peer = Some("192.0.2.10".parse().expect("literal"));
    r
}

/// A query with 20 ordinary arguments (words, numbers, dates, an e-mail, a sort spec).
fn get_20_args() -> String {
    let args = [
        "q=running+shoes",
        "category=sports",
        "brand=acme",
        "size=42",
        "color=blue",
        "min_price=19.99",
        "max_price=120",
        "currency=EUR",
        "page=2",
        "per_page=50",
        "sort=price_asc",
        "in_stock=true",
        "since=2024-05-01T00%3A00%3A00Z",
        "lang=en-GB",
        "region=eu-west-1",
        "ref=newsletter",
        "utm_source=mail",
        "utm_campaign=spring_sale",
        "email=jane.doe%40example.com",
        "fields=id%2Cname%2Cprice",
    ];
    format!("/v1/search?{}", args.join("&"))
}

/// One order line as an API would send it (about 265 bytes).
fn order(i: usize) -> String {
    format!(
        r#"{{"id":"ord_{i:06}","customer":{{"name":"Jane O'Brien","email":"jane.obrien@example.com"}},"items":[{{"sku":"SKU-{i}-A","qty":2,"price":19.99}},{{"sku":"SKU-{i}-B","qty":1,"price":5.5}}],"note":"Please leave at the back door, thanks!","paid":true,"created":"2024-05-01T10:00:00Z"}}"#
    )
}

/// A JSON array of orders of about `size` bytes.
fn json_of(size: usize) -> String {
    if size <= 300 {
        return order(1);
    }
    let mut s = String::from(r#"{"orders":["#);
    let mut i = 0;
    while s.len() + 300 < size {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&order(i));
        i += 1;
    }
    s.push_str("]}");
    s
}

fn bench(c: &mut Criterion) {
    let host = MemoryHost::at(1_700_000_000_000);
    let no_waf = Policy::from_json(NO_WAF.as_bytes()).expect("bench config is valid");
    let waf = Policy::from_json(WAF_PL1.as_bytes()).expect("bench config is valid");
    let get = get_20_args();
    let mut cases: Vec<(String, String, Option<String>)> = vec![("get_20_args".into(), get, None)];
    for (name, size) in [("json_265b", 265), ("json_1kib", 1024), ("json_16kib", 16 << 10), ("json_128kib", 128 << 10)]
    {
        cases.push((name.into(), "/v1/orders".into(), Some(json_of(size))));
    }
    let mut g = c.benchmark_group("waf");
    g.sample_size(30).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for (name, target, body) in &cases {
        let method = if body.is_some() { "POST" } else { "GET" };
        let framing = body.as_ref().map(|b| ("application/json", b.len()));
        for (label, policy) in [("baseline", &no_waf), ("pl1", &waf)] {
            {
                let r = request(method, target, framing);
                let (ex, v) = engine::evaluate(policy, &r, body.as_deref().map(str::as_bytes), &host, false);
                assert!(
                    match &ex.waf_outcome {
                        None => true,
                        Some(o) => o.total_score == 0 && !o.incomplete,
                    },
                    "{name}: the benign payload must not match: {:?}",
                    ex.waf_outcome
                );
                black_box(v);
            }
            g.bench_function(format!("{name}/{label}"), |b| {
                b.iter(|| {
                    let r = request(method, target, framing);
                    black_box(engine::evaluate(policy, &r, body.as_deref().map(str::as_bytes), &host, false))
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

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

/// A deterministic pseudo-random sequence (xorshift), so every run benches the same body.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() % from.len()]
    }
}

const FIRST: &[&str] = &[
    "Jane", "Liam", "Amélie", "Noah", "Sofia", "Mateo", "Aisha", "Oliver", "Chloé", "Yuki", "Ravi", "Ingrid", "Tomasz",
    "Fatima", "Lucas", "Siobhan", "Kwame", "Elena", "Hiroshi", "Zoë", "Pedro", "Maja", "Arjun", "Nora",
];
const LAST: &[&str] = &[
    "O'Brien",
    "Smith",
    "García",
    "Müller",
    "Nakamura",
    "Kowalski",
    "Okafor",
    "Dubois",
    "Rossi",
    "Johansson",
    "D'Angelo",
    "Patel",
    "van der Berg",
    "Nguyen",
    "Hernández",
    "MacLeod",
    "Fischer",
    "Silva",
    "Andersen",
    "Kim",
];
const STREETS: &[&str] = &[
    "High Street",
    "Rue de Rivoli",
    "Hauptstraße",
    "Calle Mayor",
    "Elm Avenue",
    "Baker Street",
    "Via Roma",
    "Kungsgatan",
    "Oak Lane",
    "Station Road",
    "Market Square",
    "Church Lane",
];
const CITIES: &[(&str, &str)] = &[
    ("London", "GB"),
    ("Paris", "FR"),
    ("Berlin", "DE"),
    ("Madrid", "ES"),
    ("Dublin", "IE"),
    ("Rome", "IT"),
    ("Stockholm", "SE"),
    ("Lisbon", "PT"),
    ("Warsaw", "PL"),
    ("Amsterdam", "NL"),
    ("Osaka", "JP"),
    ("Austin", "US"),
];
const PRODUCTS: &[&str] = &[
    "Trail running shoes",
    "Merino wool socks (3-pack)",
    "Insulated bottle, 750 ml",
    "Rain jacket - men's",
    "Yoga mat 6mm",
    "Bike light set",
    "Hiking poles, carbon",
    "Sports bra",
    "Compression tights",
    "Cap",
    "Daypack 20L",
    "Headlamp 400 lm",
];
const NOTES: &[&str] = &[
    "Please leave the parcel with the neighbour at number {n} if nobody answers.",
    "Gift wrap please - it's a birthday present for my sister!",
    "Ring twice; the bell doesn't always work. Thanks, {f}",
    "Deliver after 6pm on weekdays (I work from 9 to 5).",
    "Can you use the side entrance? The front door is being repainted this week.",
    "Second order this month, the first pair was great. Size {s} again please.",
    "Call me on arrival: the building code changed to {n}.",
    "No invoice in the box please, it's a gift. Send it to {e} instead.",
    "Leave it in the porch, behind the blue plant pot.",
    "Is express shipping available to {c}? Happy to pay the difference.",
    "",
    "",
];
const STATUS: &[&str] = &["pending", "paid", "shipped", "delivered", "refunded", "cancelled"];
const TAGS: &[&str] = &["vip", "first-order", "gift", "b2b", "newsletter", "returning", "promo-spring", "mobile-app"];

/// One order of distinct values, as an API that creates orders in bulk would receive it.
fn unique_order(i: usize, rng: &mut Rng) -> String {
    let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
    let (city, country) = CITIES[rng.next() % CITIES.len()];
    let email = format!(
        "{}.{}{}@{}",
        first.to_lowercase(),
        last.to_lowercase().replace([' ', '\''], ""),
        rng.next() % 1000,
        ["example.com", "mail.example.org", "example.net"][rng.next() % 3]
    );
    let note = rng
        .pick(NOTES)
        .replace("{n}", &(rng.next() % 200 + 1).to_string())
        .replace("{f}", first)
        .replace("{s}", &(rng.next() % 10 + 38).to_string())
        .replace("{e}", &email)
        .replace("{c}", city);
    let mut items = Vec::new();
    for k in 0..1 + rng.next() % 3 {
        items.push(format!(
            r#"{{"sku":"SKU-{:05}-{}","name":"{}","qty":{},"unit_price":{}.{:02}}}"#,
            rng.next() % 100_000,
            ["S", "M", "L", "XL"][k % 4],
            rng.pick(PRODUCTS).replace('"', "\\\""),
            1 + rng.next() % 4,
            5 + rng.next() % 150,
            rng.next() % 100
        ));
    }
    format!(
        r#"{{"id":"ord_{i:06}_{:08x}","customer":{{"id":{},"name":"{first} {last}","email":"{email}","phone":"+{} {} {:04} {:04}"}},"shipping":{{"street":"{} {}","city":"{city}","postcode":"{}{:03}","country":"{country}"}},"items":[{}],"total":{}.{:02},"currency":"{}","status":"{}","tags":["{}"],"note":"{note}","created":"2024-{:02}-{:02}T{:02}:{:02}:{:02}Z"}}"#,
        rng.next() as u32,
        100_000 + rng.next() % 900_000,
        30 + rng.next() % 60,
        10 + rng.next() % 90,
        rng.next() % 10_000,
        rng.next() % 10_000,
        1 + rng.next() % 250,
        rng.pick(STREETS),
        ["N", "SW", "E", "D0", "75"][rng.next() % 5],
        rng.next() % 1000,
        items.join(","),
        10 + rng.next() % 900,
        rng.next() % 100,
        ["EUR", "GBP", "USD", "SEK"][rng.next() % 4],
        rng.pick(STATUS),
        rng.pick(TAGS),
        1 + rng.next() % 12,
        1 + rng.next() % 28,
        rng.next() % 24,
        rng.next() % 60,
        rng.next() % 60,
    )
}

/// A JSON array of orders of about `size` bytes in which (almost) every value is distinct, unlike
/// [`json_of`]: names, e-mails, addresses, phone numbers, free-text notes, amounts, times.
fn unique_json_of(size: usize) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut s = String::from(r#"{"orders":["#);
    let mut i = 0;
    // Orders are added while they fit; a few more are tried to fill the rest.
    for _ in 0..2000 {
        let o = unique_order(i, &mut rng);
        if i > 0 && s.len() + o.len() + 3 > size {
            continue;
        }
        if i > 0 {
            s.push(',');
        }
        s.push_str(&o);
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
    for (name, size) in [("json_unique_1kib", 1200), ("json_unique_16kib", 16 << 10)] {
        let body = unique_json_of(size);
        // `WAF_BENCH_BODIES=dir` writes the generated bodies (the Envoy variant `waf-post-16k` sends
        // the 16 KiB one).
        if let Some(dir) = std::env::var_os("WAF_BENCH_BODIES") {
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.json")), &body).expect("writable");
        }
        cases.push((name.into(), "/v1/orders".into(), Some(body)));
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

//! Cross-file tests of the rate limiter: rules and decisions, headers, compare-and-swap races
//! forced by a host wrapper, and a simulation of four Envoy workers sharing one shared-data store.

use super::*;
use crate::config::ConfigError;
use crate::host::{Host, LogLevel, MemoryHost, SharedDataError};
use crate::metrics::Metric;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

const T0: u64 = 1_700_000_000_000;

fn store_with(table_json: &str) -> RateLimitStore {
    let cfg: RateLimitTableConfig = serde_json::from_str(table_json).unwrap();
    let mut errors = Vec::new();
    let s = RateLimitStore::compile(&cfg, "rate_limiting.table", Seed::derive(b"test config"), &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    s
}

fn rules_with(store: &RateLimitStore, json: &str) -> (RateLimitRules, Vec<ConfigError>) {
    let list: Vec<RateLimitRuleConfig> = serde_json::from_str(json).unwrap();
    let mut errors = Vec::new();
    let r = RateLimitRules::compile("api", &list, store, "policies.api.rate_limits", &mut errors);
    (r, errors)
}

fn rules(store: &RateLimitStore, json: &str) -> RateLimitRules {
    let (r, errors) = rules_with(store, json);
    assert!(errors.is_empty(), "{errors:?}");
    r
}

fn from_ip(ip: &str) -> KeyInputs<'static> {
    KeyInputs { client_ip: Some(ip.parse().unwrap()), ..Default::default() }
}

fn admitted(rules: &RateLimitRules, store: &RateLimitStore, host: &dyn Host, inputs: &KeyInputs<'_>, n: u32) -> u32 {
    (0..n).filter(|_| !rules.check(Stage::BeforeAuth, inputs, store, host).limited).count() as u32
}

#[test]
fn every_mistake_in_a_rule_list_is_reported_with_its_path() {
    let store = store_with("{}");
    let (_, errors) = rules_with(
        &store,
        r#"[
            {"name": "ok", "stage": "before_auth", "limit": 10, "period": "1s"},
            {"name": "bad name", "stage": "before_auth", "limit": 0, "period": "1 week"},
            {"name": "ok", "stage": "before_auth", "key": ["consumer"], "limit": 1, "period": "1s", "burst": 2000000}
        ]"#,
    );
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "policies.api.rate_limits[1].name",
            "policies.api.rate_limits[1].limit",
            "policies.api.rate_limits[1].period",
            "policies.api.rate_limits[2].name",
            "policies.api.rate_limits[2].burst",
            "policies.api.rate_limits[2].key[0]",
        ]
    );
}

#[test]
fn table_settings_out_of_range_are_errors() {
    let cfg: RateLimitTableConfig = serde_json::from_str(r#"{"slots": 100, "cas_attempts": 0}"#).unwrap();
    let mut errors = Vec::new();
    RateLimitStore::compile(&cfg, "rate_limiting.table", Seed::derive(b""), &mut errors);
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["rate_limiting.table.slots", "rate_limiting.table.cas_attempts"]);
}

#[test]
fn a_limit_of_ten_per_second_admits_ten_then_refuses_with_headers() {
    let store = store_with("{}");
    let r = rules(&store, r#"[{"name": "per-ip", "stage": "before_auth", "limit": 10, "period": "1s"}]"#);
    let h = MemoryHost::at(T0);
    let client = from_ip("203.0.113.9");
    assert_eq!(admitted(&r, &store, &h, &client, 10), 10);
    let d = r.check(Stage::BeforeAuth, &client, &store, &h);
    assert!(d.limited);
    assert_eq!(d.retry_after_s, 1);
    assert_eq!(d.violated_policies(), ["per-ip"]);
    assert_eq!(
        d.response_headers(),
        [
            ("retry-after", "1".to_string()),
            ("ratelimit-policy", "\"per-ip\";q=10;w=1".to_string()),
            ("ratelimit", "\"per-ip\";r=0;t=1".to_string()),
        ]
    );
    assert_eq!(d.reason(), "rate limited by api.per-ip (10 per 1s, burst 0): limit reached; retry after 1s");
    assert!(
        !r.check(Stage::BeforeAuth, &from_ip("203.0.113.10"), &store, &h).limited,
        "other clients are not affected"
    );
}

#[test]
fn allowed_responses_carry_headers_only_when_asked() {
    let store = store_with("{}");
    let r = rules(
        &store,
        r#"[{"name": "quiet", "stage": "before_auth", "limit": 5, "period": "1m"},
            {"name": "loud", "stage": "before_auth", "limit": 100, "period": "1h", "headers_on_allowed": true}]"#,
    );
    let h = MemoryHost::at(T0);
    let d = r.check(Stage::BeforeAuth, &from_ip("192.0.2.1"), &store, &h);
    assert!(!d.limited);
    assert_eq!(
        d.response_headers(),
        [("ratelimit-policy", "\"loud\";q=100;w=3600".to_string()), ("ratelimit", "\"loud\";r=99;t=36".to_string())]
    );
}

#[test]
fn a_request_refused_by_one_rule_consumes_no_other_rules_budget() {
    let store = store_with("{}");
    let r = rules(
        &store,
        r#"[{"name": "wide", "stage": "before_auth", "limit": 3, "period": "1m"},
            {"name": "narrow", "stage": "before_auth", "limit": 1, "period": "1m"}]"#,
    );
    let h = MemoryHost::at(T0);
    let c = from_ip("192.0.2.1");
    assert!(!r.check(Stage::BeforeAuth, &c, &store, &h).limited);
    for _ in 0..5 {
        let d = r.check(Stage::BeforeAuth, &c, &store, &h);
        assert!(d.limited);
        assert_eq!(d.violated_policies(), ["narrow"]);
        assert_eq!(d.states[0].remaining, 2, "\"wide\" still has 2 of 3 left");
    }
}

#[test]
fn rules_apply_only_at_their_stage_and_when_their_key_is_known() {
    let store = store_with("{}");
    let r = rules(&store, r#"[{"name": "per-consumer", "stage": "after_auth", "limit": 1, "period": "1m"}]"#);
    let h = MemoryHost::at(T0);
    let anonymous = from_ip("192.0.2.1");
    for _ in 0..3 {
        assert!(
            r.check(Stage::AfterAuth, &anonymous, &store, &h).states.is_empty(),
            "no consumer: rule does not apply"
        );
        assert!(r.check(Stage::BeforeAuth, &anonymous, &store, &h).states.is_empty());
    }
    let alice = KeyInputs { consumer: Some("alice"), ..from_ip("192.0.2.1") };
    assert!(!r.check(Stage::AfterAuth, &alice, &store, &h).limited);
    assert!(r.check(Stage::AfterAuth, &alice, &store, &h).limited);
    let bob = KeyInputs { consumer: Some("bob"), ..from_ip("192.0.2.1") };
    assert!(!r.check(Stage::AfterAuth, &bob, &store, &h).limited);
}

#[test]
fn the_same_rule_name_in_two_policies_keeps_separate_budgets() {
    let store = store_with("{}");
    let list: Vec<RateLimitRuleConfig> =
        serde_json::from_str(r#"[{"name": "r", "stage": "before_auth", "limit": 1, "period": "1m"}]"#).unwrap();
    let mut errors = Vec::new();
    let a = RateLimitRules::compile("a", &list, &store, "policies.a.rate_limits", &mut errors);
    let b = RateLimitRules::compile("b", &list, &store, "policies.b.rate_limits", &mut errors);
    let h = MemoryHost::at(T0);
    let c = from_ip("192.0.2.1");
    assert!(!a.check(Stage::BeforeAuth, &c, &store, &h).limited);
    assert!(!b.check(Stage::BeforeAuth, &c, &store, &h).limited);
    assert!(a.check(Stage::BeforeAuth, &c, &store, &h).limited);
}

#[test]
fn an_evicted_busy_client_gets_a_fresh_budget_and_the_eviction_is_counted() {
    // 16 slots = one bucket: the 17th busy client evicts the one closest to expiry.
    let store = store_with(r#"{"slots": 16}"#);
    let r = rules(&store, r#"[{"name": "r", "stage": "before_auth", "limit": 1, "period": "1m"}]"#);
    let h = MemoryHost::at(T0);
    let mut evictions = 0;
    for i in 0..17 {
        *h.now_ms.borrow_mut() = T0 + i;
        let d = r.check(Stage::BeforeAuth, &from_ip(&format!("192.0.2.{i}")), &store, &h);
        assert!(!d.limited);
        evictions += d.stats.evictions;
    }
    assert_eq!(evictions, 1);
    let d = r.check(Stage::BeforeAuth, &from_ip("192.0.2.0"), &store, &h);
    assert!(!d.limited, "192.0.2.0 was evicted and starts afresh (the documented error)");
    let d = r.check(Stage::BeforeAuth, &from_ip("192.0.2.5"), &store, &h);
    assert!(d.limited, "others kept their state");
}

/// A host whose shared data is another worker's too: before each of the next `races`
/// compare-and-swap writes, a "rival worker" runs `rival` against the same store.
type Rival<'a> = Box<dyn FnMut(&MemoryHost) + 'a>;

struct RacingHost<'a> {
    inner: &'a MemoryHost,
    races: Cell<u32>,
    rival: RefCell<Option<Rival<'a>>>,
}

impl<'a> RacingHost<'a> {
    fn new(inner: &'a MemoryHost, races: u32, rival: impl FnMut(&MemoryHost) + 'a) -> Self {
        RacingHost { inner, races: Cell::new(races), rival: RefCell::new(Some(Box::new(rival))) }
    }
}

impl Host for RacingHost<'_> {
    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }
    fn shared_get(&self, key: &str) -> Option<(Vec<u8>, u32)> {
        self.inner.shared_get(key)
    }
    fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), SharedDataError> {
        if cas.is_some() && self.races.get() > 0 {
            self.races.set(self.races.get() - 1);
            if let Some(rival) = self.rival.borrow_mut().as_mut() {
                rival(self.inner);
            }
        }
        self.inner.shared_set(key, value, cas)
    }
    fn count(&self, metric: Metric, delta: u64) {
        self.inner.count(metric, delta)
    }
    fn count_named(&self, name: &str, delta: u64) {
        self.inner.count_named(name, delta)
    }
    fn log(&self, level: LogLevel, message: &str) {
        self.inner.log(level, message)
    }
    fn audit(&self, record: &str) {
        self.inner.audit(record)
    }
    fn set_filter_state(&self, key: &str, value: &str) {
        self.inner.set_filter_state(key, value)
    }
}

#[test]
fn a_lost_compare_and_swap_is_retried_against_the_rivals_write() {
    let store = store_with(r#"{"cas_attempts": 4}"#);
    let r = rules(&store, r#"[{"name": "r", "stage": "before_auth", "limit": 3, "period": "1m"}]"#);
    let shared = MemoryHost::at(T0);
    store.prime(&shared);
    let c = from_ip("192.0.2.1");
    // The rival worker admits one request of the same client between our read and our write, twice.
    let host = RacingHost::new(&shared, 2, |inner: &MemoryHost| {
        assert!(!r.check(Stage::BeforeAuth, &c, &store, inner).limited);
    });
    let d = r.check(Stage::BeforeAuth, &c, &store, &host);
    assert!(!d.limited);
    assert_eq!(d.stats.cas_retries, 2);
    assert_eq!(d.states[0].remaining, 0, "our request was counted on top of the rival's two");
    assert!(r.check(Stage::BeforeAuth, &c, &store, &shared).limited, "3 admitted in all, none lost");
}

#[test]
fn when_attempts_run_out_the_default_is_to_deny() {
    let store = store_with(r#"{"cas_attempts": 3}"#);
    let r = rules(&store, r#"[{"name": "r", "stage": "before_auth", "limit": 100, "period": "1m"}]"#);
    let shared = MemoryHost::at(T0);
    store.prime(&shared);
    let touch = |inner: &MemoryHost| {
        let (v, _) = inner.shared_get("palisade.rl.0").unwrap_or_default();
        for b in 0..store.shared_data_keys() {
            let name = format!("palisade.rl.{b}");
            let (v2, _) = inner.shared_get(&name).unwrap_or((v.clone(), 0));
            inner.shared_set(&name, &v2, None).unwrap();
        }
    };
    let host = RacingHost::new(&shared, 3, touch);
    let d = r.check(Stage::BeforeAuth, &from_ip("192.0.2.1"), &store, &host);
    assert!(d.limited);
    assert_eq!(d.retry_after_s, 1);
    assert_eq!(d.stats.cas_retries, 3);
    assert_eq!(d.stats.contention, Some(ContentionOutcome::Denied));
    assert!(d.states[0].contended);
    assert_eq!(
        d.stats.metrics().collect::<Vec<_>>(),
        [(RateLimitMetric::CasRetries, 3), (RateLimitMetric::ContentionDenied, 1)]
    );
}

#[test]
fn when_attempts_run_out_allow_lets_the_request_through_uncounted() {
    let store = store_with(r#"{"cas_attempts": 2, "on_contention": "allow"}"#);
    let r = rules(&store, r#"[{"name": "r", "stage": "before_auth", "limit": 1, "period": "1m"}]"#);
    let shared = MemoryHost::at(T0);
    store.prime(&shared);
    let touch = |inner: &MemoryHost| {
        for b in 0..store.shared_data_keys() {
            let name = format!("palisade.rl.{b}");
            let (v, _) = inner.shared_get(&name).unwrap();
            inner.shared_set(&name, &v, None).unwrap();
        }
    };
    let host = RacingHost::new(&shared, 2, touch);
    let c = from_ip("192.0.2.1");
    let d = r.check(Stage::BeforeAuth, &c, &store, &host);
    assert!(!d.limited);
    assert_eq!(d.stats.contention, Some(ContentionOutcome::Allowed));
    assert!(!r.check(Stage::BeforeAuth, &c, &store, &shared).limited, "the contended request was not counted");
    assert!(r.check(Stage::BeforeAuth, &c, &store, &shared).limited);
}

/// Four workers, each with its own compiled copy of the configuration (as each Envoy worker VM
/// has), sharing one shared-data store. Whenever a worker is between reading and writing a bucket,
/// a pending request of another worker may run first (nested up to three deep), as threads would.
struct Cluster<'a> {
    shared: &'a MemoryHost,
    workers: Vec<(RateLimitStore, RateLimitRules)>,
    pending: RefCell<VecDeque<usize>>,
    rng: Cell<u64>,
    depth: Cell<u32>,
    admitted: Cell<u32>,
    refused: Cell<u32>,
    stats: RefCell<DecisionStats>,
}

struct WorkerHost<'c, 'a> {
    cluster: &'c Cluster<'a>,
}

impl Cluster<'_> {
    fn coin(&self) -> bool {
        // xorshift64: deterministic interleavings.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x % 3 != 0
    }

    fn run(&self, worker: usize, inputs: &KeyInputs<'_>) {
        let (store, rules) = &self.workers[worker];
        self.depth.set(self.depth.get() + 1);
        let d = rules.check(Stage::BeforeAuth, inputs, store, &WorkerHost { cluster: self });
        self.depth.set(self.depth.get() - 1);
        self.stats.borrow_mut().add(&d.stats);
        if d.limited {
            self.refused.set(self.refused.get() + 1);
        } else {
            self.admitted.set(self.admitted.get() + 1);
        }
    }

    fn drain(&self, inputs: &KeyInputs<'_>) {
        loop {
            let next = self.pending.borrow_mut().pop_front();
            match next {
                Some(w) => self.run(w, inputs),
                None => break,
            }
        }
    }
}

impl Host for WorkerHost<'_, '_> {
    fn now_ms(&self) -> u64 {
        self.cluster.shared.now_ms()
    }
    fn shared_get(&self, key: &str) -> Option<(Vec<u8>, u32)> {
        self.cluster.shared.shared_get(key)
    }
    fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), SharedDataError> {
        if self.cluster.depth.get() < 4 && self.cluster.coin() {
            let next = self.cluster.pending.borrow_mut().pop_front();
            if let Some(w) = next {
                self.cluster.run(w, &from_ip("198.51.100.1"));
            }
        }
        self.cluster.shared.shared_set(key, value, cas)
    }
    fn count(&self, metric: Metric, delta: u64) {
        self.cluster.shared.count(metric, delta)
    }
    fn count_named(&self, name: &str, delta: u64) {
        self.cluster.shared.count_named(name, delta)
    }
    fn log(&self, level: LogLevel, message: &str) {
        self.cluster.shared.log(level, message)
    }
    fn audit(&self, record: &str) {
        self.cluster.shared.audit(record)
    }
    fn set_filter_state(&self, key: &str, value: &str) {
        self.cluster.shared.set_filter_state(key, value)
    }
}

const PER_IP_100_PER_MINUTE: &str = r#"[{"name": "per-ip", "stage": "before_auth", "limit": 100, "period": "1m"}]"#;
const PER_IP_100_PER_MINUTE_BATCH_10: &str =
    r#"[{"name": "per-ip", "stage": "before_auth", "limit": 100, "period": "1m", "batch": 10}]"#;

fn cluster<'a>(shared: &'a MemoryHost, seed: u64) -> Cluster<'a> {
    cluster_of(shared, seed, PER_IP_100_PER_MINUTE)
}

fn cluster_of<'a>(shared: &'a MemoryHost, seed: u64, rule_list: &str) -> Cluster<'a> {
    let workers = (0..4)
        .map(|_| {
            let store = store_with(r#"{"cas_attempts": 16}"#);
            let rules = rules(&store, rule_list);
            (store, rules)
        })
        .collect();
    Cluster {
        shared,
        workers,
        pending: RefCell::new(VecDeque::new()),
        rng: Cell::new(seed),
        depth: Cell::new(0),
        admitted: Cell::new(0),
        refused: Cell::new(0),
        stats: RefCell::new(DecisionStats::default()),
    }
}

#[test]
fn three_hundred_concurrent_requests_on_four_workers_admit_exactly_one_hundred() {
    for seed in [1u64, 7, 42, 0x9E37_79B9_7F4A_7C15] {
        let shared = MemoryHost::at(T0);
        let c = cluster(&shared, seed);
        c.workers[0].0.prime(&shared);
        c.pending.borrow_mut().extend((0..300).map(|i| i % 4));
        c.drain(&from_ip("198.51.100.1"));
        assert_eq!(c.admitted.get(), 100, "seed {seed}");
        assert_eq!(c.refused.get(), 200, "seed {seed}");
        let stats = *c.stats.borrow();
        assert!(stats.cas_retries > 0, "the interleavings did force retries (seed {seed})");
        assert_eq!(stats.contention, None, "no request ran out of attempts (seed {seed})");
    }
}

#[test]
fn four_workers_over_thirty_seconds_admit_the_burst_plus_the_refill() {
    let shared = MemoryHost::at(T0);
    let c = cluster(&shared, 99);
    c.workers[0].0.prime(&shared);
    // 10 requests every 100 ms for 30 s: 100 at once, then one per 600 ms.
    for step in 0..300u64 {
        *shared.now_ms.borrow_mut() = T0 + step * 100;
        c.pending.borrow_mut().extend((0..10).map(|i| i % 4));
        c.drain(&from_ip("198.51.100.1"));
    }
    assert_eq!(c.admitted.get(), 100 + 29_900 / 600);
}

#[test]
fn batches_on_four_workers_never_admit_more_than_the_limit_and_lose_at_most_a_batch_each() {
    for seed in [1u64, 7, 42, 0x9E37_79B9_7F4A_7C15] {
        let shared = MemoryHost::at(T0);
        let c = cluster_of(&shared, seed, PER_IP_100_PER_MINUTE_BATCH_10);
        c.workers[0].0.prime(&shared);
        c.pending.borrow_mut().extend((0..300).map(|i| i % 4));
        c.drain(&from_ip("198.51.100.1"));
        let admitted = c.admitted.get();
        assert!((100 - 4 * 9..=100).contains(&admitted), "seed {seed}: {admitted}");
        assert_eq!(c.admitted.get() + c.refused.get(), 300);
        let stats = *c.stats.borrow();
        assert!(stats.batch_admissions >= 50, "most admissions came from batches (seed {seed}): {stats:?}");
        assert_eq!(stats.contention, None);
    }
}

#[test]
fn batches_on_four_workers_over_thirty_seconds_stay_within_the_exact_count() {
    let exact = 100 + 29_900 / 600;
    let shared = MemoryHost::at(T0);
    let c = cluster_of(&shared, 99, PER_IP_100_PER_MINUTE_BATCH_10);
    c.workers[0].0.prime(&shared);
    for step in 0..300u64 {
        *shared.now_ms.borrow_mut() = T0 + step * 100;
        c.pending.borrow_mut().extend((0..10).map(|i| i % 4));
        c.drain(&from_ip("198.51.100.1"));
    }
    let admitted = c.admitted.get();
    assert!((exact - 4 * 9..=exact).contains(&admitted), "{admitted} of at most {exact}");
}

#[test]
fn on_one_worker_a_batch_admits_and_tells_exactly_what_one_by_one_does() {
    let exact_store = store_with("{}");
    let exact = rules(&exact_store, PER_IP_100_PER_MINUTE);
    let batched_store = store_with("{}");
    let batched = rules(&batched_store, PER_IP_100_PER_MINUTE_BATCH_10);
    let (h1, h2) = (MemoryHost::at(T0), MemoryHost::at(T0));
    let ip = from_ip("198.51.100.1");
    for i in 0..120 {
        let a = exact.check(Stage::BeforeAuth, &ip, &exact_store, &h1);
        let b = batched.check(Stage::BeforeAuth, &ip, &batched_store, &h2);
        assert_eq!(a.limited, b.limited, "request {i}");
        assert_eq!(a.response_headers(), b.response_headers(), "request {i}");
        assert_eq!(b.stats.batch_admissions, u32::from(!b.limited && i % 10 != 0), "request {i}");
    }
}

#[test]
fn an_unused_batch_expires_after_a_second_and_its_requests_are_lost() {
    let store = store_with("{}");
    let r = rules(&store, PER_IP_100_PER_MINUTE_BATCH_10);
    let h = MemoryHost::at(T0);
    let ip = from_ip("198.51.100.1");
    // One request takes ten (one admitted, nine kept for a second).
    assert_eq!(admitted(&r, &store, &h, &ip, 1), 1);
    // Two seconds later the nine are gone: the TAT is T0 + 6 s, τ = 99 × 600 ms, so
    // ⌊(59.4 s − 4 s) / 600 ms⌋ + 1 = 93 conform now (one by one, 100 would).
    *h.now_ms.borrow_mut() = T0 + 2_000;
    assert_eq!(admitted(&r, &store, &h, &ip, 200), 93);
}

#[test]
fn batch_sizes_out_of_range_are_errors() {
    let store = store_with("{}");
    let (_, errors) = rules_with(
        &store,
        r#"[
            {"name": "a", "stage": "before_auth", "limit": 100, "period": "1s", "batch": 0},
            {"name": "b", "stage": "before_auth", "limit": 100000, "period": "1s", "batch": 1001},
            {"name": "c", "stage": "before_auth", "limit": 100, "period": "1s", "batch": 11},
            {"name": "d", "stage": "before_auth", "limit": 100, "period": "1s", "batch": 10},
            {"name": "e", "stage": "before_auth", "limit": 5, "period": "1s", "batch": 1}
        ]"#,
    );
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["policies.api.rate_limits[0].batch", "policies.api.rate_limits[1].batch", "policies.api.rate_limits[2].batch"]
    );
    assert!(errors[2].message.contains("at most a tenth of the limit (10)"), "{}", errors[2].message);
}

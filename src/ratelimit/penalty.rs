//! The penalty box: a client (by IP, network or header) that collects too many denials of one
//! kind within a window is refused outright, with 429 and `Retry-After`, until its cooldown ends.
//! Same bounded shared table as the rate limits; it never records who the client was in clear.

use super::config::{check_slots, parse_period, PenaltyBoxConfig, Stage};
use super::hash::{KeyedHasher, Seed};
use super::key::{KeyInputs, KeySpec};
use super::stats::DecisionStats;
use super::table::{Change, SlotKey, SlotRecord, SlotTable, TableError};
use crate::config::ConfigError;
use crate::host::Host;

/// Shared-data key prefix of the penalty-box buckets (`palisade.pb.0` …).
pub const BUCKET_PREFIX: &str = "palisade.pb.";

/// The problem type (RFC 9457 `type`) for a penalty-box 429, from
/// draft-ietf-httpapi-ratelimit-headers-11 section 5.3.
pub const ABNORMAL_USAGE_TYPE: &str = "https://iana.org/assignments/http-problem-types#abnormal-usage-detected";

/// A kind of denial that counts towards the penalty box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PenaltyKind {
    /// Authentication failed (bad or missing credentials).
    AuthFailure,
    /// The WAF blocked the request.
    WafBlock,
    /// A rate-limit rule refused the request.
    RateLimited,
}

impl PenaltyKind {
    pub const ALL: [PenaltyKind; 3] = [PenaltyKind::AuthFailure, PenaltyKind::WafBlock, PenaltyKind::RateLimited];

    fn index(self) -> usize {
        match self {
            PenaltyKind::AuthFailure => 0,
            PenaltyKind::WafBlock => 1,
            PenaltyKind::RateLimited => 2,
        }
    }

    /// Stable code for audit records (the same words as the configuration's thresholds).
    pub fn code(self) -> &'static str {
        match self {
            PenaltyKind::AuthFailure => "auth_failure",
            PenaltyKind::WafBlock => "waf_block",
            PenaltyKind::RateLimited => "rate_limited",
        }
    }
}

/// One client's record: counts in the current window, and until when it is boxed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PenaltyRecord {
    window_end_ms: u64,
    boxed_until_ms: u64,
    counts: [u16; 3],
}

impl SlotRecord for PenaltyRecord {
    const SIZE: usize = 24;
    const KIND: u8 = b'P';
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.window_end_ms.to_le_bytes());
        out[8..16].copy_from_slice(&self.boxed_until_ms.to_le_bytes());
        for (i, c) in self.counts.iter().enumerate() {
            out[16 + 2 * i..18 + 2 * i].copy_from_slice(&c.to_le_bytes());
        }
        out[22..24].copy_from_slice(&[0, 0]);
    }
    fn decode(bytes: &[u8]) -> Self {
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        PenaltyRecord {
            window_end_ms: u64_at(0),
            boxed_until_ms: u64_at(8),
            counts: [u16_at(16), u16_at(18), u16_at(20)],
        }
    }
    fn expires_at_ns(&self) -> u64 {
        self.window_end_ms.max(self.boxed_until_ms).saturating_mul(1_000_000)
    }
}

/// A client put in the box by the denial just recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxedUntil {
    /// Unix milliseconds when the box opens.
    pub until_ms: u64,
    /// `Retry-After` seconds from now.
    pub retry_after_s: u64,
    /// The kind whose threshold was reached.
    pub kind: PenaltyKind,
    /// Audit-friendly reason, e.g. `penalty box: 10 auth_failure within 60s; refused for 600s`.
    pub reason: String,
}

/// A client found in the box by `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boxed {
    pub until_ms: u64,
    pub retry_after_s: u64,
}

/// Where a client's penalty record lives (from `PenaltyBox::key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PenaltyKey(SlotKey);

/// The compiled penalty box.
#[derive(Debug, Clone)]
pub struct PenaltyBox {
    key: KeySpec,
    window_ms: u64,
    cooldown_ms: u64,
    thresholds: [Option<u16>; 3],
    table: SlotTable<PenaltyRecord>,
    hasher: KeyedHasher,
}

impl PenaltyBox {
    /// Compiles `rate_limiting.penalty_box` (`path` is its JSON path); `seed` as for the store.
    pub fn compile(cfg: &PenaltyBoxConfig, path: &str, seed: Seed, errors: &mut Vec<ConfigError>) -> PenaltyBox {
        let key = KeySpec::compile(&cfg.key, Stage::BeforeAuth, &format!("{path}.key"), errors);
        let mut seconds = |text: &str, field: &str| match parse_period(text) {
            Ok(s) => s * 1_000,
            Err(msg) => {
                errors.push(ConfigError::new(format!("{path}.{field}"), msg));
                1_000
            }
        };
        let window_ms = seconds(&cfg.window, "window");
        let cooldown_ms = seconds(&cfg.cooldown, "cooldown");
        let t = &cfg.thresholds;
        let mut thresholds = [None; 3];
        for (i, (name, value)) in
            [("auth_failure", t.auth_failure), ("waf_block", t.waf_block), ("rate_limited", t.rate_limited)]
                .into_iter()
                .enumerate()
        {
            match value {
                Some(v) if (1..=10_000).contains(&v) => thresholds[i] = Some(v as u16),
                Some(v) => errors.push(ConfigError::new(
                    format!("{path}.thresholds.{name}"),
                    format!("{v}: use 1 to 10000 denials per window"),
                )),
                None => {}
            }
        }
        if t.auth_failure.is_none() && t.waf_block.is_none() && t.rate_limited.is_none() {
            errors.push(ConfigError::new(
                format!("{path}.thresholds"),
                "set at least one of auth_failure, waf_block, rate_limited (or remove penalty_box)",
            ));
        }
        check_slots(cfg.slots, &format!("{path}.slots"), errors);
        let table = SlotTable::new(BUCKET_PREFIX, cfg.slots.clamp(16, 1_048_576), seed, 8);
        let hasher = table.scoped_hasher(b"penalty_box");
        PenaltyBox { key, window_ms, cooldown_ms, thresholds, table, hasher }
    }

    /// The client's penalty key, or `None` when a key part is unknown (then the box is skipped).
    pub fn key(&self, inputs: &KeyInputs<'_>) -> Option<PenaltyKey> {
        let mut bytes = Vec::with_capacity(32);
        self.key.write_key(inputs, &mut bytes).then(|| PenaltyKey(self.table.locate(&self.hasher, &bytes)))
    }

    /// Whether the client is boxed now (one shared-data read, no write).
    pub fn check(&self, key: PenaltyKey, host: &dyn Host) -> Option<Boxed> {
        let now_ms = host.now_ms();
        let record = self.table.read(host, key.0, now_ms.saturating_mul(1_000_000))?;
        (record.boxed_until_ms > now_ms).then(|| Boxed {
            until_ms: record.boxed_until_ms,
            retry_after_s: (record.boxed_until_ms - now_ms).div_ceil(1_000).max(1),
        })
    }

    /// Counts one denial of `kind`; returns the box when this denial reached the threshold.
    pub fn record(&self, kind: PenaltyKind, key: PenaltyKey, host: &dyn Host) -> Option<BoxedUntil> {
        self.record_with_stats(kind, key, host).0
    }

    /// `record`, with what it cost (retries, evictions, contention) for metrics. On contention
    /// the denial is simply not counted (the box is a deterrent, not an exact meter).
    pub fn record_with_stats(
        &self,
        kind: PenaltyKind,
        key: PenaltyKey,
        host: &dyn Host,
    ) -> (Option<BoxedUntil>, DecisionStats) {
        let Some(threshold) = self.thresholds[kind.index()] else {
            return (None, DecisionStats::default());
        };
        let now_ms = host.now_ms();
        let updated = self.table.update(host, key.0, now_ms.saturating_mul(1_000_000), |current| {
            let mut rec = current.unwrap_or_default();
            if rec.boxed_until_ms > now_ms {
                return Change::Keep(None);
            }
            if rec.window_end_ms <= now_ms {
                rec = PenaltyRecord { window_end_ms: now_ms.saturating_add(self.window_ms), ..Default::default() };
            }
            let count = rec.counts[kind.index()].saturating_add(1);
            rec.counts[kind.index()] = count;
            if count < threshold {
                return Change::Write(rec, None);
            }
            let until_ms = now_ms.saturating_add(self.cooldown_ms);
            rec = PenaltyRecord { window_end_ms: rec.window_end_ms, boxed_until_ms: until_ms, counts: [0; 3] };
            Change::Write(rec, Some(until_ms))
        });
        let mut stats = DecisionStats {
            cas_retries: updated.cas_retries,
            evictions: u32::from(updated.evicted),
            ..Default::default()
        };
        let until = match updated.outcome {
            Ok(until) => until,
            Err(e) => {
                if e == TableError::HostFailed {
                    stats.host_failures = 1;
                }
                stats.contention = Some(super::stats::ContentionOutcome::Allowed);
                None
            }
        };
        let boxed = until.map(|until_ms| BoxedUntil {
            until_ms,
            retry_after_s: self.cooldown_ms.div_ceil(1_000),
            kind,
            reason: format!(
                "penalty box: {threshold} {} within {}s; refused for {}s",
                kind.code(),
                self.window_ms / 1_000,
                self.cooldown_ms / 1_000
            ),
        });
        (boxed, stats)
    }

    /// Shared-data keys and value bytes this box can ever use.
    pub fn shared_data_keys(&self) -> u32 {
        self.table.buckets()
    }
    pub fn shared_data_value_bytes(&self) -> u64 {
        self.table.value_bytes()
    }

    /// Creates missing bucket keys; call from `on_configure`.
    pub fn prime(&self, host: &dyn Host) -> u32 {
        self.table.prime(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::MemoryHost;

    const T0: u64 = 1_700_000_000_000;

    fn penalty(json: &str) -> (PenaltyBox, Vec<ConfigError>) {
        let cfg: PenaltyBoxConfig = serde_json::from_str(json).unwrap();
        let mut errors = Vec::new();
        let b = PenaltyBox::compile(&cfg, "rate_limiting.penalty_box", Seed::from_parts(3, 4), &mut errors);
        (b, errors)
    }

    fn ip(text: &str) -> KeyInputs<'static> {
        KeyInputs { client_ip: Some(text.parse().unwrap()), ..Default::default() }
    }

    #[test]
    fn the_threshold_boxes_the_client_for_the_cooldown() {
        let (pb, errors) = penalty(r#"{"window":"1m","cooldown":"10m","thresholds":{"auth_failure":3}}"#);
        assert!(errors.is_empty(), "{errors:?}");
        let h = MemoryHost::at(T0);
        let k = pb.key(&ip("198.51.100.7")).unwrap();
        assert_eq!(pb.record(PenaltyKind::AuthFailure, k, &h), None);
        assert_eq!(pb.record(PenaltyKind::AuthFailure, k, &h), None);
        assert_eq!(pb.check(k, &h), None);
        let boxed = pb.record(PenaltyKind::AuthFailure, k, &h).unwrap();
        assert_eq!(boxed.until_ms, T0 + 600_000);
        assert_eq!(boxed.retry_after_s, 600);
        assert_eq!(boxed.reason, "penalty box: 3 auth_failure within 60s; refused for 600s");
        *h.now_ms.borrow_mut() = T0 + 599_500;
        assert_eq!(pb.check(k, &h), Some(Boxed { until_ms: T0 + 600_000, retry_after_s: 1 }));
        *h.now_ms.borrow_mut() = T0 + 600_000;
        assert_eq!(pb.check(k, &h), None, "the box opens after the cooldown");
        let other = pb.key(&ip("198.51.100.8")).unwrap();
        assert_eq!(pb.check(other, &h), None);
    }

    #[test]
    fn denials_spread_over_windows_do_not_box() {
        let (pb, _) = penalty(r#"{"window":"10s","thresholds":{"waf_block":2}}"#);
        let h = MemoryHost::at(T0);
        let k = pb.key(&ip("192.0.2.1")).unwrap();
        assert_eq!(pb.record(PenaltyKind::WafBlock, k, &h), None);
        *h.now_ms.borrow_mut() = T0 + 10_000;
        assert_eq!(pb.record(PenaltyKind::WafBlock, k, &h), None, "the first one's window is over");
        assert!(pb.record(PenaltyKind::WafBlock, k, &h).is_some());
    }

    #[test]
    fn kinds_are_counted_separately_and_unset_kinds_not_at_all() {
        let (pb, _) = penalty(r#"{"thresholds":{"auth_failure":2,"rate_limited":2}}"#);
        let h = MemoryHost::at(T0);
        let k = pb.key(&ip("192.0.2.1")).unwrap();
        assert_eq!(pb.record(PenaltyKind::AuthFailure, k, &h), None);
        assert_eq!(pb.record(PenaltyKind::RateLimited, k, &h), None);
        for _ in 0..10 {
            assert_eq!(pb.record(PenaltyKind::WafBlock, k, &h), None);
        }
        assert_eq!(pb.check(k, &h), None);
        assert_eq!(pb.record(PenaltyKind::RateLimited, k, &h).map(|b| b.kind), Some(PenaltyKind::RateLimited));
    }

    #[test]
    fn configuration_mistakes_are_reported_with_paths() {
        let (_, errors) =
            penalty(r#"{"key":["consumer"],"window":"0s","cooldown":"2d","thresholds":{"waf_block":0},"slots":100}"#);
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "rate_limiting.penalty_box.key[0]",
                "rate_limiting.penalty_box.window",
                "rate_limiting.penalty_box.cooldown",
                "rate_limiting.penalty_box.thresholds.waf_block",
                "rate_limiting.penalty_box.slots"
            ]
        );
        let (_, errors) = penalty(r#"{"thresholds":{}}"#);
        assert_eq!(errors[0].path, "rate_limiting.penalty_box.thresholds");
    }

    #[test]
    fn memory_is_fixed_by_the_slot_count() {
        let (pb, _) = penalty(r#"{"thresholds":{"auth_failure":5}}"#);
        assert_eq!(pb.shared_data_keys(), 1_024);
        assert_eq!(pb.shared_data_value_bytes(), 1_024 * (2 + 16 * 32));
    }
}

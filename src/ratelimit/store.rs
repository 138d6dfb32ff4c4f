//! The rate-limit store: the shared table of GCRA states (one 8-byte TAT per key) and what to do
//! when it cannot be updated. Built once per configuration from `rate_limiting.table`; holds no
//! per-request state and never decides a limit by itself.

use super::batch::BatchTable;
use super::config::{check_slots, ContentionPolicy, RateLimitTableConfig};
use super::hash::Seed;
use super::table::{SlotRecord, SlotTable};
use crate::config::ConfigError;
use crate::host::Host;

/// Shared-data key prefix of the rate-limit buckets (`palisade.rl.0` …).
pub const BUCKET_PREFIX: &str = "palisade.rl.";

/// A GCRA theoretical arrival time, in nanoseconds since the Unix epoch. Once it is in the past
/// the key has its whole allowance again, exactly as if it had never been seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tat(pub u64);

impl SlotRecord for Tat {
    const SIZE: usize = 8;
    const KIND: u8 = b'R';
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.0.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[..8]);
        Tat(u64::from_le_bytes(b))
    }
    fn expires_at_ns(&self) -> u64 {
        self.0
    }
}

/// The compiled table settings, shared by every policy's rules.
#[derive(Debug, Clone)]
pub struct RateLimitStore {
    pub(crate) table: SlotTable<Tat>,
    pub(crate) on_contention: ContentionPolicy,
    /// This worker's batches of allowance (rules with `batch` > 1); empty in every clone.
    pub(crate) batches: BatchTable,
}

impl RateLimitStore {
    /// Compiles `rate_limiting.table` (`path` is its JSON path). `seed` comes from
    /// `Seed::derive(whole plugin configuration bytes)`, identical in every worker.
    pub fn compile(
        cfg: &RateLimitTableConfig,
        path: &str,
        seed: Seed,
        errors: &mut Vec<ConfigError>,
    ) -> RateLimitStore {
        check_slots(cfg.slots, &format!("{path}.slots"), errors);
        if !(1..=64).contains(&cfg.cas_attempts) {
            errors.push(ConfigError::new(
                format!("{path}.cas_attempts"),
                format!("{} attempts: use 1 to 64", cfg.cas_attempts),
            ));
        }
        RateLimitStore {
            table: SlotTable::new(BUCKET_PREFIX, cfg.slots.clamp(16, 1_048_576), seed, cfg.cas_attempts.clamp(1, 64)),
            on_contention: cfg.on_contention,
            batches: BatchTable::default(),
        }
    }

    /// Shared-data keys this store uses (fixed).
    pub fn shared_data_keys(&self) -> u32 {
        self.table.buckets()
    }

    /// Bytes of shared-data values this store can ever hold.
    pub fn shared_data_value_bytes(&self) -> u64 {
        self.table.value_bytes()
    }

    /// Creates the missing bucket keys; call from `on_configure` (see `SlotTable::prime`).
    pub fn prime(&self, host: &dyn Host) -> u32 {
        self.table.prime(host)
    }
}

//! Per-worker batches of a key's allowance (a rule's `batch` > 1). The worker that updates a
//! key's shared GCRA state takes up to `batch` requests of the allowance in that one
//! compare-and-swap, admits the first and keeps the others here, admitting the key's next
//! requests on this worker without a shared-data read or write until the batch is used up or
//! `BATCH_LIFETIME_NS` has passed. Requests are only ever admitted from allowance the shared
//! state granted, so across workers no more than the limit is admitted (give or take the lifetime
//! by which a batch can be spent late); what a batch still holds when it expires, or when another
//! key takes its entry, is lost, so a client may get up to `workers × (batch − 1)` fewer.
//!
//! Memory is fixed: `ENTRIES` entries, indexed by the key's fingerprint (a keyed hash of the rule
//! and the key), a newer batch replacing an older one in its entry. One table per worker (VM);
//! nothing here is shared.

use super::table::SlotKey;
use std::sync::Mutex;

/// Entries per worker (a power of two).
pub const ENTRIES: usize = 256;

/// How long a batch may be drawn on after the shared state granted it.
pub const BATCH_LIFETIME_NS: u64 = 1_000_000_000;

#[derive(Debug, Clone, Copy, Default)]
struct Batch {
    /// The key's fingerprint (never 0 for a live batch).
    fingerprint: u64,
    /// Requests still to admit from this batch.
    left: u64,
    /// The batch is void from this instant (ns since the epoch).
    expires_ns: u64,
    /// What the shared state still allowed after the whole batch was taken.
    shared_remaining: u64,
    /// When the key's whole allowance is back, as the shared state said when granting.
    reset_at_ns: u64,
}

/// What a batch says about the key: requests still allowed and nanoseconds until the whole
/// allowance is back, as for an admission from the shared state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchView {
    pub remaining: u64,
    pub reset_ns: u64,
}

/// One worker's batches.
#[derive(Debug)]
pub struct BatchTable {
    entries: Mutex<Vec<Batch>>,
}

impl Default for BatchTable {
    fn default() -> Self {
        BatchTable { entries: Mutex::new(vec![Batch::default(); ENTRIES]) }
    }
}

/// A compiled policy is cloned only to build another worker's or a test's copy: batches are
/// never carried over.
impl Clone for BatchTable {
    fn clone(&self) -> Self {
        BatchTable::default()
    }
}

fn index(key: SlotKey) -> usize {
    (key.fingerprint as usize) & (ENTRIES - 1)
}

impl BatchTable {
    fn with<T>(&self, f: impl FnOnce(&mut Vec<Batch>) -> T) -> T {
        // A poisoned lock only means an earlier panic; the entries are plain numbers.
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// The key's live batch, if it can admit one more request at `now_ns` (nothing is taken).
    pub fn peek(&self, key: SlotKey, now_ns: u64) -> Option<BatchView> {
        self.with(|entries| {
            let b = &entries[index(key)];
            (b.fingerprint == key.fingerprint && b.left > 0 && now_ns < b.expires_ns).then(|| view(b, now_ns, 1))
        })
    }

    /// Admits one request from the key's live batch, if it has one.
    pub fn take(&self, key: SlotKey, now_ns: u64) -> Option<BatchView> {
        self.with(|entries| {
            let b = &mut entries[index(key)];
            if b.fingerprint != key.fingerprint || b.left == 0 || now_ns >= b.expires_ns {
                return None;
            }
            b.left -= 1;
            Some(view(b, now_ns, 0))
        })
    }

    /// Keeps `left` ≥ 1 requests granted at `now_ns` by the shared state (which then allowed
    /// `shared_remaining` more, with the whole allowance back in `reset_ns`).
    pub fn keep(&self, key: SlotKey, now_ns: u64, left: u64, shared_remaining: u64, reset_ns: u64) {
        self.with(|entries| {
            entries[index(key)] = Batch {
                fingerprint: key.fingerprint,
                left,
                expires_ns: now_ns.saturating_add(BATCH_LIFETIME_NS),
                shared_remaining,
                reset_at_ns: now_ns.saturating_add(reset_ns),
            };
        });
    }
}

/// The key's state as a client would see it after this request: what is left in the batch
/// (`pending` more to be taken by this request) plus what the shared state allowed.
fn view(b: &Batch, now_ns: u64, pending: u64) -> BatchView {
    BatchView {
        remaining: b.shared_remaining.saturating_add(b.left - pending),
        reset_ns: b.reset_at_ns.saturating_sub(now_ns),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000_000_000_000;

    fn key(fingerprint: u64) -> SlotKey {
        SlotKey { bucket: 0, fingerprint }
    }

    #[test]
    fn a_batch_admits_what_it_holds_then_nothing() {
        let t = BatchTable::default();
        assert_eq!(t.take(key(7), T0), None);
        t.keep(key(7), T0, 3, 10, 2_000);
        assert_eq!(t.peek(key(7), T0), Some(BatchView { remaining: 12, reset_ns: 2_000 }));
        assert_eq!(t.take(key(7), T0), Some(BatchView { remaining: 12, reset_ns: 2_000 }));
        assert_eq!(t.take(key(7), T0 + 500), Some(BatchView { remaining: 11, reset_ns: 1_500 }));
        assert_eq!(t.take(key(7), T0 + 3_000), Some(BatchView { remaining: 10, reset_ns: 0 }));
        assert_eq!(t.peek(key(7), T0 + 3_000), None);
        assert_eq!(t.take(key(7), T0 + 3_000), None);
    }

    #[test]
    fn a_batch_expires_and_never_serves_another_key() {
        let t = BatchTable::default();
        t.keep(key(5), T0, 100, 0, 0);
        assert!(t.take(key(5), T0 + BATCH_LIFETIME_NS - 1).is_some());
        assert_eq!(t.take(key(5), T0 + BATCH_LIFETIME_NS), None);
        // Another key in the same entry replaces the batch: the first key's is lost, never used.
        let other = key(5 + ENTRIES as u64);
        t.keep(key(5), T0, 100, 0, 0);
        assert_eq!(t.take(other, T0), None);
        t.keep(other, T0, 1, 0, 0);
        assert_eq!(t.take(key(5), T0), None);
        assert!(t.take(other, T0).is_some());
        assert_eq!(t.take(other, T0), None);
    }

    #[test]
    fn clones_start_empty() {
        let t = BatchTable::default();
        t.keep(key(9), T0, 4, 0, 0);
        assert_eq!(t.clone().peek(key(9), T0), None);
        assert!(t.peek(key(9), T0).is_some());
    }
}

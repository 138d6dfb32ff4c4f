//! A fixed-size table of per-key records in proxy-wasm shared data, safe across Envoy workers.
//! Slots are grouped into a fixed number of shared-data keys ("buckets") so memory is bounded
//! whatever the number of clients; every write is a compare-and-swap retried a bounded number of times.

use super::hash::{KeyedHasher, Seed};
use crate::host::{Host, SharedDataError};
use std::marker::PhantomData;

/// Slots per shared-data key.
pub const SLOTS_PER_BUCKET: usize = 16;
const FORMAT_VERSION: u8 = 1;
const HEADER_BYTES: usize = 2;

/// A record kept in a slot. A record whose `expires_at_ns` is at or before now is equivalent to
/// no record at all, so its slot is free for anyone.
pub trait SlotRecord: Copy + Default {
    /// Encoded size in bytes.
    const SIZE: usize;
    /// Distinguishes tables sharing a format (stored in each bucket's header).
    const KIND: u8;
    fn encode(&self, out: &mut [u8]);
    fn decode(bytes: &[u8]) -> Self;
    fn expires_at_ns(&self) -> u64;
}

/// Where a key lives: its bucket and its 64-bit fingerprint within the bucket (never 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotKey {
    pub bucket: u32,
    pub fingerprint: u64,
}

/// What an update closure decides, given the key's current record.
#[derive(Debug)]
pub enum Change<R, O> {
    /// Leave the table as it is and answer `O`.
    Keep(O),
    /// Store the record (compare-and-swap) and answer `O` once it is stored.
    Write(R, O),
}

/// Why an update did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableError {
    /// Every compare-and-swap attempt lost against another worker.
    Contention,
    /// The host refused the write.
    HostFailed,
}

/// The result of one update, with what it cost (for metrics).
#[derive(Debug)]
pub struct Updated<O> {
    pub outcome: Result<O, TableError>,
    /// Compare-and-swap attempts lost before the outcome.
    pub cas_retries: u32,
    /// Whether a live record of another key was evicted to make room.
    pub evicted: bool,
}

/// A bucket's shared-data key, `{prefix}{index}`, built on the stack: the rate limiter and the
/// penalty box name one or two buckets per request, and the name is only lent to the host call.
struct BucketName {
    buf: [u8; BucketName::CAPACITY],
    len: usize,
}

impl BucketName {
    /// Longest prefix (`palisade.rl.`, `palisade.pb.` and the like are 12 bytes) plus a u32.
    const CAPACITY: usize = 48;

    fn new(prefix: &str, bucket: u32) -> BucketName {
        let mut buf = [0u8; Self::CAPACITY];
        let mut digits = itoa::Buffer::new();
        let parts = [prefix.as_bytes(), digits.format(bucket).as_bytes()];
        let mut len = 0;
        for part in parts {
            let n = part.len().min(Self::CAPACITY - len);
            buf[len..len + n].copy_from_slice(&part[..n]);
            len += n;
        }
        BucketName { buf, len }
    }

    fn as_str(&self) -> &str {
        // Built from a `&str` and ASCII digits; a prefix cut inside a character (longer than
        // the capacity, never configured) reads as empty rather than panicking.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// The table: `buckets` shared-data keys named `{prefix}{index}`.
#[derive(Debug, Clone)]
pub struct SlotTable<R> {
    prefix: &'static str,
    buckets: u32,
    seed: Seed,
    attempts: u32,
    _record: PhantomData<R>,
}

type Slots<R> = [(u64, R); SLOTS_PER_BUCKET];

impl<R: SlotRecord> SlotTable<R> {
    /// `slots` is rounded up to a whole bucket; `attempts` ≥ 1 compare-and-swap attempts.
    pub fn new(prefix: &'static str, slots: u32, seed: Seed, attempts: u32) -> SlotTable<R> {
        let buckets = slots.div_ceil(SLOTS_PER_BUCKET as u32).max(1);
        SlotTable { prefix, buckets, seed, attempts: attempts.max(1), _record: PhantomData }
    }

    pub fn buckets(&self) -> u32 {
        self.buckets
    }

    pub fn slots(&self) -> u64 {
        u64::from(self.buckets) * SLOTS_PER_BUCKET as u64
    }

    /// Bytes of one bucket's value.
    pub const fn bucket_bytes() -> usize {
        HEADER_BYTES + SLOTS_PER_BUCKET * (8 + R::SIZE)
    }

    /// Shared-data value bytes the table can ever hold (keys and host overhead not included).
    pub fn value_bytes(&self) -> u64 {
        u64::from(self.buckets) * Self::bucket_bytes() as u64
    }

    /// A hasher already fed with `scope` (a rule's identity), to be cloned per request.
    pub fn scoped_hasher(&self, scope: &[u8]) -> KeyedHasher {
        let mut h = KeyedHasher::new(self.seed);
        h.write(&(scope.len() as u64).to_le_bytes());
        h.write(scope);
        h
    }

    /// Where `key` lives, given its scope's hasher.
    pub fn locate(&self, scoped: &KeyedHasher, key: &[u8]) -> SlotKey {
        let mut h = scoped.clone();
        h.write(key);
        let hash = h.finish();
        let bucket = ((u128::from(hash) * u128::from(self.buckets)) >> 64) as u32;
        SlotKey { bucket, fingerprint: if hash == 0 { 1 } else { hash } }
    }

    fn name(&self, bucket: u32) -> BucketName {
        BucketName::new(self.prefix, bucket)
    }

    fn decode(bytes: &[u8]) -> Slots<R> {
        let mut slots: Slots<R> = [(0, R::default()); SLOTS_PER_BUCKET];
        // Anything else (another format or size, a damaged value) reads as an empty bucket.
        if bytes.len() != Self::bucket_bytes() || bytes[0] != FORMAT_VERSION || bytes[1] != R::KIND {
            return slots;
        }
        for (i, chunk) in bytes[HEADER_BYTES..].chunks_exact(8 + R::SIZE).enumerate().take(SLOTS_PER_BUCKET) {
            let mut fp = [0u8; 8];
            fp.copy_from_slice(&chunk[..8]);
            slots[i] = (u64::from_le_bytes(fp), R::decode(&chunk[8..]));
        }
        slots
    }

    fn encode(slots: &Slots<R>) -> Vec<u8> {
        let mut out = vec![0u8; Self::bucket_bytes()];
        out[0] = FORMAT_VERSION;
        out[1] = R::KIND;
        for (i, (fp, rec)) in slots.iter().enumerate() {
            let at = HEADER_BYTES + i * (8 + R::SIZE);
            out[at..at + 8].copy_from_slice(&fp.to_le_bytes());
            rec.encode(&mut out[at + 8..at + 8 + R::SIZE]);
        }
        out
    }

    fn find(slots: &Slots<R>, fingerprint: u64, now_ns: u64) -> Option<usize> {
        slots.iter().position(|(fp, rec)| *fp == fingerprint && rec.expires_at_ns() > now_ns)
    }

    /// The slot to write a new key into: a free one (empty or expired), otherwise the live
    /// record that expires first (the eviction rule). Returns the index and whether it evicted.
    fn place(slots: &Slots<R>, now_ns: u64) -> (usize, bool) {
        if let Some(i) = slots.iter().position(|(fp, rec)| *fp == 0 || rec.expires_at_ns() <= now_ns) {
            return (i, false);
        }
        let mut best = 0;
        for (i, (_, rec)) in slots.iter().enumerate() {
            if rec.expires_at_ns() < slots[best].1.expires_at_ns() {
                best = i;
            }
        }
        (best, true)
    }

    /// The key's live record, read without writing.
    pub fn read(&self, host: &dyn Host, key: SlotKey, now_ns: u64) -> Option<R> {
        let (bytes, _) = host.shared_get(self.name(key.bucket).as_str())?;
        let slots = Self::decode(&bytes);
        Self::find(&slots, key.fingerprint, now_ns).map(|i| slots[i].1)
    }

    /// Reads the key's live record, lets `change` decide, and stores the result with
    /// compare-and-swap; on a lost race, reads again and asks `change` again, up to `attempts`.
    pub fn update<O>(
        &self,
        host: &dyn Host,
        key: SlotKey,
        now_ns: u64,
        mut change: impl FnMut(Option<R>) -> Change<R, O>,
    ) -> Updated<O> {
        let name = self.name(key.bucket);
        let name = name.as_str();
        let mut cas_retries = 0;
        for _ in 0..self.attempts {
            let (mut slots, cas) = match host.shared_get(name) {
                Some((bytes, cas)) => (Self::decode(&bytes), Some(cas)),
                None => ([(0, R::default()); SLOTS_PER_BUCKET], None),
            };
            let found = Self::find(&slots, key.fingerprint, now_ns);
            match change(found.map(|i| slots[i].1)) {
                Change::Keep(out) => return Updated { outcome: Ok(out), cas_retries, evicted: false },
                Change::Write(record, out) => {
                    let (index, evicted) = match found {
                        Some(i) => (i, false),
                        None => Self::place(&slots, now_ns),
                    };
                    slots[index] = (key.fingerprint, record);
                    match host.shared_set(name, &Self::encode(&slots), cas) {
                        Ok(()) => return Updated { outcome: Ok(out), cas_retries, evicted },
                        Err(SharedDataError::CasMismatch) => cas_retries += 1,
                        Err(SharedDataError::Failed) => {
                            return Updated { outcome: Err(TableError::HostFailed), cas_retries, evicted: false }
                        }
                    }
                }
            }
        }
        Updated { outcome: Err(TableError::Contention), cas_retries, evicted: false }
    }

    /// Writes an empty bucket for every bucket key that does not exist yet, so that request-time
    /// writes are always compare-and-swap (a write to a missing key cannot be). Call once from
    /// `on_configure`; returns how many keys were created.
    pub fn prime(&self, host: &dyn Host) -> u32 {
        let empty = Self::encode(&[(0, R::default()); SLOTS_PER_BUCKET]);
        let mut created = 0;
        for b in 0..self.buckets {
            let name = self.name(b);
            if host.shared_get(name.as_str()).is_none() && host.shared_set(name.as_str(), &empty, None).is_ok() {
                created += 1;
            }
        }
        created
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_are_the_prefix_and_the_index() {
        assert_eq!(BucketName::new("palisade.rl.", 0).as_str(), "palisade.rl.0");
        assert_eq!(BucketName::new("palisade.pb.", u32::MAX).as_str(), "palisade.pb.4294967295");
        // Longer than the buffer: cut, never a panic.
        let long = "x".repeat(100);
        assert_eq!(BucketName::new(&long, 7).as_str().len(), BucketName::CAPACITY);
    }
    use crate::host::MemoryHost;

    /// A test record: expires at the stored instant.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    struct Until(u64);

    impl SlotRecord for Until {
        const SIZE: usize = 8;
        const KIND: u8 = 0xEE;
        fn encode(&self, out: &mut [u8]) {
            out.copy_from_slice(&self.0.to_le_bytes());
        }
        fn decode(bytes: &[u8]) -> Self {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[..8]);
            Until(u64::from_le_bytes(b))
        }
        fn expires_at_ns(&self) -> u64 {
            self.0
        }
    }

    fn table(slots: u32) -> SlotTable<Until> {
        SlotTable::new("t.", slots, Seed::from_parts(1, 2), 4)
    }

    fn put(t: &SlotTable<Until>, h: &MemoryHost, key: SlotKey, now: u64, until: u64) -> Updated<()> {
        t.update(h, key, now, |_| Change::Write(Until(until), ()))
    }

    fn key(bucket: u32, fingerprint: u64) -> SlotKey {
        SlotKey { bucket, fingerprint }
    }

    #[test]
    fn a_record_is_found_again_by_its_fingerprint() {
        let (t, h) = (table(16), MemoryHost::default());
        put(&t, &h, key(0, 7), 100, 500).outcome.unwrap();
        assert_eq!(t.read(&h, key(0, 7), 100), Some(Until(500)));
        assert_eq!(t.read(&h, key(0, 8), 100), None);
    }

    #[test]
    fn an_expired_record_reads_as_absent_and_its_slot_is_reused_without_eviction() {
        let (t, h) = (table(16), MemoryHost::default());
        for fp in 1..=16 {
            put(&t, &h, key(0, fp), 100, 200).outcome.unwrap();
        }
        assert_eq!(t.read(&h, key(0, 3), 200), None, "expires at 200: gone at 200");
        let u = put(&t, &h, key(0, 99), 200, 900);
        assert!(!u.evicted);
        assert_eq!(t.read(&h, key(0, 99), 200), Some(Until(900)));
    }

    #[test]
    fn a_full_bucket_evicts_the_record_closest_to_expiry() {
        let (t, h) = (table(16), MemoryHost::default());
        for fp in 1..=16u64 {
            put(&t, &h, key(0, fp), 100, 1_000 + fp * 10).outcome.unwrap();
        }
        let u = put(&t, &h, key(0, 500), 100, 5_000);
        assert!(u.evicted);
        assert_eq!(t.read(&h, key(0, 1), 100), None, "fingerprint 1 expired first, so it went");
        for fp in 2..=16u64 {
            assert!(t.read(&h, key(0, fp), 100).is_some());
        }
        assert_eq!(t.read(&h, key(0, 500), 100), Some(Until(5_000)));
    }

    #[test]
    fn keys_spread_over_buckets_and_fingerprints_are_never_zero() {
        let t = table(1024);
        let scoped = t.scoped_hasher(b"rule");
        let mut used = std::collections::HashSet::new();
        for i in 0..10_000u32 {
            let k = t.locate(&scoped, &i.to_le_bytes());
            assert!(k.bucket < t.buckets());
            assert_ne!(k.fingerprint, 0);
            used.insert(k.bucket);
        }
        assert_eq!(used.len(), 64, "10000 keys reach all 64 buckets");
    }

    #[test]
    fn the_same_key_in_another_scope_lives_elsewhere() {
        let t = table(1 << 20);
        let a = t.locate(&t.scoped_hasher(b"policy/a"), b"k");
        let b = t.locate(&t.scoped_hasher(b"policy/b"), b"k");
        assert_ne!(a, b);
    }

    #[test]
    fn a_value_of_another_format_reads_as_an_empty_bucket() {
        let (t, h) = (table(16), MemoryHost::default());
        crate::host::Host::shared_set(&h, "t.0", b"garbage", None).unwrap();
        assert_eq!(t.read(&h, key(0, 1), 0), None);
        put(&t, &h, key(0, 1), 0, 10).outcome.unwrap();
        assert_eq!(t.read(&h, key(0, 1), 0), Some(Until(10)));
    }

    #[test]
    fn memory_is_fixed_by_the_slot_count() {
        let t = table(65_536);
        assert_eq!(t.buckets(), 4_096);
        assert_eq!(SlotTable::<Until>::bucket_bytes(), 2 + 16 * 16);
        assert_eq!(t.value_bytes(), 4_096 * 258);
        let h = MemoryHost::default();
        assert_eq!(t.prime(&h), 4_096);
        assert_eq!(t.prime(&h), 0, "priming twice creates nothing");
    }

    #[test]
    fn keep_writes_nothing() {
        let (t, h) = (table(16), MemoryHost::default());
        let u = t.update(&h, key(0, 1), 0, |_| Change::<Until, u8>::Keep(3));
        assert_eq!(u.outcome, Ok(3));
        assert!(crate::host::Host::shared_get(&h, "t.0").is_none());
    }
}

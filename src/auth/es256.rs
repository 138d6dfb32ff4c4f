//! ES256 (ECDSA over P-256) signature checks with tables precomputed per key.
//!
//! Verifying an ECDSA signature (r, s) over a hash h with the public key Q computes
//! R = u1·G + u2·Q with u1 = h/s and u2 = r/s (mod n), and accepts when x(R) mod n = r. crrl's
//! `PublicKey::verify_hash` does this with a 5-bit wNAF over the whole 256-bit scalars: about
//! 256 point doublings plus some 86 additions, and the doublings dominate. Inside Envoy's V8 Wasm
//! runtime that was the bulk of a cold ES256 check.
//!
//! A key verifies many tokens over its life and is public, so this module spends memory and some
//! time once per key instead:
//!
//! - each scalar is cut into [`CHUNKS`] chunks of [`CHUNK_BITS`] bits; for the key's point Q and
//!   for each chunk c it keeps the odd multiples 1·Qc, 3·Qc, …, (2·K−1)·Qc of Qc = 2^(c·CHUNK_BITS)·Q
//!   (K = [`KEY_TABLE`]). The same is kept once per VM for the generator G (K = [`BASE_TABLE`],
//!   built lazily on the first check);
//! - both scalars are recoded in width-w NAF and the digits of all chunks are walked together from
//!   the top ([`super::comb`]): [`CHUNK_BITS`] doublings instead of 256, and one addition per
//!   non-zero digit (about 256/(w+1) per scalar).
//!
//! Memory: a P-256 point is three 32-byte coordinates (96 bytes), so the tables take
//! [`KEY_TABLE_BYTES`] per configured P-256 key and [`BASE_TABLE_BYTES`] once per Wasm VM. Building
//! a key's tables costs about as much as two or three signature checks, once, when the key is
//! decoded (configuration or JWKS fetch).
//!
//! Why hand-written: no maintained pure-Rust crate offers per-key precomputed tables for P-256
//! verification (crrl, RustCrypto's `p256` and others precompute for the generator only), and the
//! work here is only the scalar recoding and the walk; every curve and field operation is crrl's,
//! through its public API (`Point` addition, subtraction and doubling, whose addition formulas are
//! complete, so no case needs special handling). Variable time is fine: the key, the signature and
//! the message are all public.
//!
//! The checks mirror crrl's `verify_hash` exactly: r and s must decode strictly (non-zero and
//! below n), the hash is taken as its leftmost 256 bits reduced mod n, a neutral R is refused,
//! and x(R) mod n must equal r. Unit tests compare the two on valid and corrupted signatures.

use super::comb::{self, CombPoint, Sum, Term, Wnaf};
use crrl::p256::{Point, PublicKey, Scalar};
use std::sync::{Arc, OnceLock};

/// Number of chunks each 256-bit scalar is cut into (one table per chunk and point).
pub const CHUNKS: usize = 8;
/// Bits per chunk: the number of doublings in one check.
pub const CHUNK_BITS: usize = 256 / CHUNKS;
/// wNAF width for the key's scalar u2 = r/s.
const KEY_WINDOW: u32 = 7;
/// wNAF width for the generator's scalar u1 = h/s (its tables are shared by all keys).
const BASE_WINDOW: u32 = 8;
/// Odd multiples kept per chunk for a key: 2^(w−2).
pub const KEY_TABLE: usize = 1 << (KEY_WINDOW - 2);
/// Odd multiples kept per chunk for the generator.
pub const BASE_TABLE: usize = 1 << (BASE_WINDOW - 2);
/// Size of a stored point (three projective coordinates of 32 bytes).
const POINT_BYTES: usize = 96;
/// Table memory per configured P-256 key (24 KiB).
pub const KEY_TABLE_BYTES: usize = CHUNKS * KEY_TABLE * POINT_BYTES;
/// Table memory for the generator, once per VM (48 KiB).
pub const BASE_TABLE_BYTES: usize = CHUNKS * BASE_TABLE * POINT_BYTES;

/// For a point P and each chunk c, the odd multiples (2k+1)·2^(c·CHUNK_BITS)·P for k below
/// 2^(window−2), chunk after chunk (the table layout [`comb::sum`] reads).
struct OddMultiples {
    window: u32,
    points: Box<[Point]>,
}

impl OddMultiples {
    fn new(point: Point, window: u32) -> OddMultiples {
        let per_chunk = 1usize << (window - 2);
        let mut points = Vec::with_capacity(CHUNKS * per_chunk);
        let mut base = point;
        for c in 0..CHUNKS {
            if c > 0 {
                base.set_xdouble(CHUNK_BITS as u32);
            }
            let twice = base.double();
            let mut multiple = base;
            points.push(multiple);
            for _ in 1..per_chunk {
                multiple += &twice;
                points.push(multiple);
            }
        }
        OddMultiples { window, points: points.into_boxed_slice() }
    }

    fn term<'a>(&'a self, scalar: &'a Wnaf) -> Term<'a, Point> {
        Term { scalar, table: &self.points }
    }
}

/// The generator's tables, built on first use and kept for the life of the VM.
fn base_tables() -> &'static OddMultiples {
    static BASE: OnceLock<OddMultiples> = OnceLock::new();
    BASE.get_or_init(|| OddMultiples::new(Point::BASE, BASE_WINDOW))
}

impl CombPoint for Point {
    type Entry = Point;

    fn from_entry(entry: &Point, negative: bool) -> Point {
        if negative {
            -entry
        } else {
            *entry
        }
    }

    fn add_entry(&mut self, entry: &Point, negative: bool) {
        if negative {
            *self -= entry;
        } else {
            *self += entry;
        }
    }

    fn double_times(&mut self, n: u32) {
        self.set_xdouble(n);
    }
}

/// u1·G + u2·Q, with Q's tables in `key` and G's from [`base_tables`]; `None` (never expected)
/// if a table lookup failed.
fn mul_add_base(key: &OddMultiples, u2: &Scalar, u1: &Scalar) -> Option<Point> {
    let base = base_tables();
    let (d2, d1) = (comb::recode(&u2.encode(), key.window), comb::recode(&u1.encode(), base.window));
    Some(match comb::sum::<Point>(CHUNKS, CHUNK_BITS, &[key.term(&d2), base.term(&d1)])? {
        Sum::Neutral => Point::NEUTRAL,
        Sum::Point(point) => point,
    })
}

/// Big-endian 32 bytes to the little-endian order crrl's scalar decoding takes.
fn reversed(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(bytes.iter().rev()) {
        *o = *b;
    }
    out
}

/// A P-256 public key with its precomputed tables. Clones share the tables.
#[derive(Clone)]
pub struct P256Key {
    tables: Arc<OddMultiples>,
}

impl P256Key {
    /// Precomputes the tables for `key` (about [`KEY_TABLE_BYTES`] of memory), and the generator's
    /// if not done yet.
    pub fn new(key: &PublicKey) -> P256Key {
        // The generator's tables too, if this is the VM's first key of the curve, so that no
        // request pays for them.
        base_tables();
        P256Key { tables: Arc::new(OddMultiples::new(key.point, KEY_WINDOW)) }
    }

    /// Verifies a raw signature r‖s (each exactly 32 bytes, big-endian) over the hash `hash`, as
    /// crrl's `PublicKey::verify_hash` does for 64-byte signatures.
    pub fn verify_hash(&self, signature: &[u8], hash: &[u8]) -> bool {
        if signature.len() != 64 {
            return false;
        }
        let (r_bytes, s_bytes) = signature.split_at(32);
        let (r, r_ok) = Scalar::decode32(&reversed(r_bytes));
        if r_ok == 0 || r.iszero() != 0 {
            return false;
        }
        let (s, s_ok) = Scalar::decode32(&reversed(s_bytes));
        if s_ok == 0 || s.iszero() != 0 {
            return false;
        }
        // The leftmost 256 bits of the hash (left-padded with zeros when shorter), reduced mod n.
        let mut h_bytes = [0u8; 32];
        if hash.len() >= 32 {
            h_bytes.copy_from_slice(&hash[..32]);
        } else {
            h_bytes[32 - hash.len()..].copy_from_slice(hash);
        }
        let h = Scalar::decode_reduce(&reversed(&h_bytes));
        let w = Scalar::ONE / s;
        let Some(point) = mul_add_base(&self.tables, &(r * w), &(h * w)) else {
            return false;
        };
        if point.isneutral() != 0 {
            return false;
        }
        let x = Scalar::decode_reduce(&reversed(&point.encode_compressed()[1..33]));
        r.equals(x) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::comb::testing::Rng;
    use crrl::p256::PrivateKey;

    /// n − 1.
    fn n_minus_one() -> Scalar {
        -Scalar::ONE
    }

    fn scalar_le(bytes: &[u8; 32]) -> Scalar {
        Scalar::decode_reduce(bytes)
    }

    /// Scalars with awkward shapes: zero chunks, all-ones chunks, powers of two at chunk edges,
    /// n − 1, and values whose wNAF carries out of the top.
    fn edge_scalars() -> Vec<Scalar> {
        let mut out = vec![Scalar::ZERO, Scalar::ONE, n_minus_one(), n_minus_one() - Scalar::ONE];
        for bit in [1usize, 31, 32, 33, 63, 64, 65, 127, 128, 192, 224, 255] {
            let mut b = [0u8; 32];
            b[bit / 8] = 1 << (bit % 8);
            out.push(scalar_le(&b));
            out.push(-scalar_le(&b));
        }
        for chunk in 0..CHUNKS {
            // Only one chunk non-zero (all ones), and only one chunk zero.
            let mut only = [0u8; 32];
            let mut all_but = [0xFFu8; 32];
            let bytes = CHUNK_BITS / 8;
            for i in chunk * bytes..(chunk + 1) * bytes {
                only[i] = 0xFF;
                all_but[i] = 0;
            }
            out.push(scalar_le(&only));
            out.push(scalar_le(&all_but));
        }
        // 2^255 + 2^254 + … style: top bits set (reduced below n).
        out.push(scalar_le(&[0xFF; 32]));
        let mut top = [0u8; 32];
        top[31] = 0xFF;
        top[30] = 0xFF;
        out.push(scalar_le(&top));
        out
    }

    #[test]
    fn the_double_multiplication_agrees_with_crrl() {
        let mut rng = Rng(2);
        let keys: Vec<PublicKey> = (0..4).map(|_| PrivateKey::from_seed(&rng.bytes::<32>()).to_public_key()).collect();
        let mut scalars = edge_scalars();
        for _ in 0..20 {
            scalars.push(scalar_le(&rng.bytes::<32>()));
        }
        for key in &keys {
            let tables = OddMultiples::new(key.point, KEY_WINDOW);
            for (i, u2) in scalars.iter().enumerate() {
                // Every edge scalar against a random one and against the edge scalars in turn.
                for u1 in [scalar_le(&rng.bytes::<32>()), scalars[(i * 7 + 3) % scalars.len()], *u2] {
                    let ours = mul_add_base(&tables, u2, &u1).expect("complete tables");
                    let theirs = key.point.mul_add_mulgen_vartime(u2, &u1);
                    assert_eq!(ours.equals(theirs), 0xFFFF_FFFF);
                }
            }
        }
    }

    #[test]
    fn a_sum_that_is_the_neutral_is_computed_as_such() {
        // Q = k·G; u2 = 1, u1 = −k gives the neutral; u1 = u2 = 0 also.
        let k = scalar_le(&[7; 32]);
        let q = Point::mulgen(&k);
        let tables = OddMultiples::new(q, KEY_WINDOW);
        for (u2, u1) in [(Scalar::ONE, -k), (Scalar::ZERO, Scalar::ZERO)] {
            assert_ne!(mul_add_base(&tables, &u2, &u1).expect("complete tables").isneutral(), 0);
        }
    }

    #[test]
    fn verification_agrees_with_crrl_on_valid_and_corrupted_signatures() {
        let mut rng = Rng(3);
        for round in 0..24 {
            let private = PrivateKey::from_seed(&rng.bytes::<32>());
            let public = private.to_public_key();
            let key = P256Key::new(&public);
            for _ in 0..8 {
                let hash = rng.bytes::<32>();
                let signature = private.sign_hash(&hash, &rng.bytes::<16>());
                assert!(key.verify_hash(&signature, &hash), "round {round}");
                assert!(public.verify_hash(&signature, &hash));
                let mut variants: Vec<([u8; 64], [u8; 32])> = Vec::new();
                // One flipped bit in r, in s or in the hash.
                for _ in 0..4 {
                    let bit = (rng.next_u64() % 512) as usize;
                    let mut s = signature;
                    s[bit / 8] ^= 1 << (bit % 8);
                    variants.push((s, hash));
                    let mut h = hash;
                    let bit = (rng.next_u64() % 256) as usize;
                    h[bit / 8] ^= 1 << (bit % 8);
                    variants.push((signature, h));
                }
                // Swapped halves, r or s zero, n, all ones, s negated (n − s also verifies).
                let mut swapped = [0u8; 64];
                swapped[..32].copy_from_slice(&signature[32..]);
                swapped[32..].copy_from_slice(&signature[..32]);
                variants.push((swapped, hash));
                // n itself, big-endian: n − 1 ends in the byte 0x50, so adding one carries nowhere.
                let n_be = {
                    let mut b = n_minus_one().encode();
                    b[0] += 1;
                    b.reverse();
                    b
                };
                for half in 0..2 {
                    for fill in [[0u8; 32], [0xFF; 32], n_be] {
                        let mut s = signature;
                        s[half * 32..half * 32 + 32].copy_from_slice(&fill);
                        variants.push((s, hash));
                    }
                }
                let (s, s_ok) = Scalar::decode32(&reversed(&signature[32..]));
                assert_ne!(s_ok, 0);
                let mut negated = signature;
                let mut neg_be = (-s).encode();
                neg_be.reverse();
                negated[32..].copy_from_slice(&neg_be);
                variants.push((negated, hash));
                for (sig, h) in variants {
                    assert_eq!(key.verify_hash(&sig, &h), public.verify_hash(&sig, &h));
                }
            }
        }
    }

    #[test]
    fn a_signature_of_the_wrong_length_is_refused() {
        let private = PrivateKey::from_seed(&[9; 32]);
        let key = P256Key::new(&private.to_public_key());
        let hash = [5u8; 32];
        let signature = private.sign_hash(&hash, &[]);
        assert!(key.verify_hash(&signature, &hash));
        assert!(!key.verify_hash(&signature[..63], &hash));
        assert!(!key.verify_hash(&[], &hash));
        let mut long = signature.to_vec();
        long.push(0);
        assert!(!key.verify_hash(&long, &hash));
    }

    #[test]
    fn the_documented_table_sizes_hold() {
        assert_eq!(std::mem::size_of::<Point>(), POINT_BYTES);
        assert_eq!(KEY_TABLE_BYTES, 24 * 1024);
        assert_eq!(BASE_TABLE_BYTES, 48 * 1024);
        let key = P256Key::new(&PrivateKey::from_seed(&[1; 32]).to_public_key());
        assert_eq!(key.tables.points.len(), CHUNKS * KEY_TABLE);
        assert_eq!(base_tables().points.len(), CHUNKS * BASE_TABLE);
    }
}

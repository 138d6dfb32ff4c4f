//! ES384 (ECDSA over P-384) signature checks with tables precomputed per key: the scheme of
//! [`super::es256`] on RustCrypto's `p384` arithmetic (crrl has no P-384).
//!
//! `p384`'s own verification (without its `precomputed-tables` feature) computes u1·G + u2·Q with
//! a wNAF over the whole 384-bit scalars: 384 doublings and some 150 projective additions. Here
//! each scalar is cut into [`CHUNKS`] chunks of [`CHUNK_BITS`] bits and, for the key's point Q
//! (once per key) and the generator G (once per VM, lazily), the odd multiples of each chunk's
//! base 2^(c·CHUNK_BITS)·P are kept in affine form, so that a check is [`CHUNK_BITS`] doublings
//! and about 384/(w+1) mixed additions (projective + affine, cheaper than projective +
//! projective) per scalar; see [`super::comb`].
//!
//! Memory: an affine point is two 48-byte coordinates and a flag (104 bytes with padding on
//! 64-bit hosts, 100 on wasm32), so about [`KEY_TABLE_BYTES`] per configured P-384 key and
//! [`BASE_TABLE_BYTES`] once per Wasm VM. Building a key's tables costs a few signature checks,
//! once, when the key is decoded.
//!
//! Why hand-written: no maintained pure-Rust crate offers per-key precomputed tables for P-384
//! verification (`p384`'s `precomputed-tables` feature covers the generator only). Every curve and
//! field operation is `p384`'s, through the `elliptic_curve`/`group` traits (its addition
//! formulas are complete). Variable time is fine: key, signature and message are public.
//!
//! The checks mirror `p384`'s `verify_prehash` (ecdsa 0.17 `hazmat::verify_prehashed`): r and s
//! must decode strictly (non-zero and below n, `Signature::from_slice`), the hash is taken as its
//! leftmost 384 bits reduced mod n, and x(R) reduced mod n must equal r; the identity as R is
//! refused (its x would read as 0, which r never is). Unit tests compare the two.

use super::comb::{self, CombPoint, Sum, Term, Wnaf};
use p384::ecdsa::{Signature, VerifyingKey};
use p384::elliptic_curve::ops::Reduce;
use p384::elliptic_curve::point::AffineCoordinates;
use p384::elliptic_curve::{BatchNormalize, Group, PrimeField};
use p384::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
use std::sync::{Arc, OnceLock};

/// Number of chunks each 384-bit scalar is cut into (one table per chunk and point).
pub const CHUNKS: usize = 8;
/// Bits per chunk: the number of doublings in one check.
pub const CHUNK_BITS: usize = 384 / CHUNKS;
/// wNAF width for the key's scalar u2 = r/s.
const KEY_WINDOW: u32 = 7;
/// wNAF width for the generator's scalar u1 = h/s (its tables are shared by all keys).
const BASE_WINDOW: u32 = 8;
/// Odd multiples kept per chunk for a key: 2^(w−2).
pub const KEY_TABLE: usize = 1 << (KEY_WINDOW - 2);
/// Odd multiples kept per chunk for the generator.
pub const BASE_TABLE: usize = 1 << (BASE_WINDOW - 2);
/// Table memory per configured P-384 key (26 KiB on 64-bit hosts, 25 KiB on wasm32).
pub const KEY_TABLE_BYTES: usize = CHUNKS * KEY_TABLE * std::mem::size_of::<AffinePoint>();
/// Table memory for the generator, once per VM (52 KiB on 64-bit hosts, 50 KiB on wasm32).
pub const BASE_TABLE_BYTES: usize = CHUNKS * BASE_TABLE * std::mem::size_of::<AffinePoint>();

/// For a point P and each chunk c, the odd multiples (2k+1)·2^(c·CHUNK_BITS)·P for k below N =
/// 2^(window−2), in affine form, chunk after chunk (the table layout [`comb::sum`] reads).
struct OddMultiples {
    window: u32,
    points: Box<[AffinePoint]>,
}

impl OddMultiples {
    /// `N` must be 2^(window−2).
    fn new<const N: usize>(point: ProjectivePoint, window: u32) -> OddMultiples {
        let mut points = Vec::with_capacity(CHUNKS * N);
        let mut base = point;
        for c in 0..CHUNKS {
            if c > 0 {
                for _ in 0..CHUNK_BITS {
                    base = base.double();
                }
            }
            let twice = base.double();
            let mut multiples = [base; N];
            for k in 1..N {
                multiples[k] = multiples[k - 1] + twice;
            }
            // One field inversion per chunk for all its entries.
            points.extend_from_slice(&ProjectivePoint::batch_normalize(&multiples));
        }
        OddMultiples { window, points: points.into_boxed_slice() }
    }

    fn term<'a>(&'a self, scalar: &'a Wnaf) -> Term<'a, AffinePoint> {
        Term { scalar, table: &self.points }
    }
}

/// The generator's tables, built on first use and kept for the life of the VM.
fn base_tables() -> &'static OddMultiples {
    static BASE: OnceLock<OddMultiples> = OnceLock::new();
    BASE.get_or_init(|| OddMultiples::new::<BASE_TABLE>(ProjectivePoint::GENERATOR, BASE_WINDOW))
}

impl CombPoint for ProjectivePoint {
    type Entry = AffinePoint;

    fn from_entry(entry: &AffinePoint, negative: bool) -> ProjectivePoint {
        let point = ProjectivePoint::from(entry);
        if negative {
            -point
        } else {
            point
        }
    }

    fn add_entry(&mut self, entry: &AffinePoint, negative: bool) {
        if negative {
            *self -= entry;
        } else {
            *self += entry;
        }
    }

    fn double_times(&mut self, n: u32) {
        for _ in 0..n {
            *self = self.double();
        }
    }
}

/// The scalar's little-endian bytes (its canonical value below n).
fn little_endian(scalar: &Scalar) -> [u8; 48] {
    let mut out = [0u8; 48];
    for (o, b) in out.iter_mut().zip(scalar.to_repr().iter().rev()) {
        *o = *b;
    }
    out
}

/// u1·G + u2·Q, with Q's tables in `key` and G's from [`base_tables`]; `None` (never expected)
/// if a table lookup failed.
fn mul_add_base(key: &OddMultiples, u2: &Scalar, u1: &Scalar) -> Option<ProjectivePoint> {
    let base = base_tables();
    let d2 = comb::recode(&little_endian(u2), key.window);
    let d1 = comb::recode(&little_endian(u1), base.window);
    Some(match comb::sum::<ProjectivePoint>(CHUNKS, CHUNK_BITS, &[key.term(&d2), base.term(&d1)])? {
        Sum::Neutral => ProjectivePoint::IDENTITY,
        Sum::Point(point) => point,
    })
}

/// The leftmost 384 bits of `bytes` (left-padded with zeros when shorter) as an integer, reduced
/// mod n: ecdsa's `bits2field` followed by the reduction, for P-384.
fn reduce_bytes(bytes: &[u8]) -> Scalar {
    let mut field = FieldBytes::default();
    if bytes.len() >= field.len() {
        let len = field.len();
        field.copy_from_slice(&bytes[..len]);
    } else {
        let start = field.len() - bytes.len();
        field[start..].copy_from_slice(bytes);
    }
    <Scalar as Reduce<FieldBytes>>::reduce(&field)
}

/// A P-384 public key with its precomputed tables. Clones share the tables.
#[derive(Clone)]
pub struct P384Key {
    tables: Arc<OddMultiples>,
}

impl P384Key {
    /// Precomputes the tables for `key` (about [`KEY_TABLE_BYTES`] of memory), and the generator's
    /// if not done yet.
    pub fn new(key: &VerifyingKey) -> P384Key {
        let point = ProjectivePoint::from(key.as_affine());
        // The generator's tables too, if this is the VM's first key of the curve, so that no
        // request pays for them.
        base_tables();
        P384Key { tables: Arc::new(OddMultiples::new::<KEY_TABLE>(point, KEY_WINDOW)) }
    }

    /// Verifies a raw signature r‖s (each exactly 48 bytes, big-endian) over the hash `hash`, as
    /// `p384`'s `VerifyingKey::verify_prehash` does.
    pub fn verify_prehash(&self, hash: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        let (r, s) = signature.split_scalars();
        let (r, s): (Scalar, Scalar) = (*r, *s);
        let Some(s_inv) = Option::<Scalar>::from(s.invert_vartime()) else {
            return false;
        };
        let z = reduce_bytes(hash);
        let Some(point) = mul_add_base(&self.tables, &(r * s_inv), &(z * s_inv)) else {
            return false;
        };
        if bool::from(point.is_identity()) {
            return false;
        }
        r == <Scalar as Reduce<FieldBytes>>::reduce(&point.to_affine().x())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::comb::testing::Rng;
    use p384::ecdsa::signature::hazmat::PrehashVerifier;

    fn random_scalar(rng: &mut Rng) -> Scalar {
        reduce_bytes(&rng.bytes::<48>())
    }

    /// Scalars with awkward shapes: zero chunks, all-ones chunks, powers of two at chunk edges,
    /// n − 1, and values whose wNAF carries out of the top.
    fn edge_scalars() -> Vec<Scalar> {
        let mut out = vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE, -Scalar::ONE - Scalar::ONE];
        for bit in [1usize, 47, 48, 49, 95, 96, 191, 192, 287, 336, 383] {
            let mut b = [0u8; 48];
            b[47 - bit / 8] = 1 << (bit % 8);
            out.push(reduce_bytes(&b));
            out.push(-reduce_bytes(&b));
        }
        for chunk in 0..CHUNKS {
            let mut only = [0u8; 48];
            let mut all_but = [0xFFu8; 48];
            let bytes = CHUNK_BITS / 8;
            for i in chunk * bytes..(chunk + 1) * bytes {
                only[i] = 0xFF;
                all_but[i] = 0;
            }
            out.push(reduce_bytes(&only));
            out.push(reduce_bytes(&all_but));
        }
        out.push(reduce_bytes(&[0xFF; 48]));
        out
    }

    #[test]
    fn the_double_multiplication_agrees_with_p384() {
        let mut rng = Rng(21);
        let mut scalars = edge_scalars();
        for _ in 0..6 {
            scalars.push(random_scalar(&mut rng));
        }
        for _ in 0..2 {
            let q = ProjectivePoint::GENERATOR * random_scalar(&mut rng);
            let tables = OddMultiples::new::<KEY_TABLE>(q, KEY_WINDOW);
            for (i, u2) in scalars.iter().enumerate() {
                for u1 in [random_scalar(&mut rng), scalars[(i * 7 + 3) % scalars.len()]] {
                    let ours = mul_add_base(&tables, u2, &u1).expect("complete tables");
                    assert_eq!(ours, ProjectivePoint::GENERATOR * u1 + q * *u2);
                }
            }
        }
    }

    #[test]
    fn a_sum_that_is_the_neutral_is_computed_as_such() {
        let k = reduce_bytes(&[7; 48]);
        let tables = OddMultiples::new::<KEY_TABLE>(ProjectivePoint::GENERATOR * k, KEY_WINDOW);
        for (u2, u1) in [(Scalar::ONE, -k), (Scalar::ZERO, Scalar::ZERO)] {
            let sum = mul_add_base(&tables, &u2, &u1).expect("complete tables");
            assert!(bool::from(sum.is_identity()));
        }
    }

    /// A signature made by hand: r = x(k·G) mod n, s = (z + r·d)/k.
    fn sign(d: &Scalar, k: &Scalar, hash: &[u8; 48]) -> [u8; 96] {
        let r = reduce_bytes(&(ProjectivePoint::GENERATOR * k).to_affine().x());
        let k_inv = Option::<Scalar>::from(k.invert()).expect("k is not zero");
        let s = (reduce_bytes(hash) + r * d) * k_inv;
        let mut out = [0u8; 96];
        out[..48].copy_from_slice(&r.to_repr());
        out[48..].copy_from_slice(&s.to_repr());
        out
    }

    #[test]
    fn verification_agrees_with_p384_on_valid_and_corrupted_signatures() {
        let mut rng = Rng(22);
        for round in 0..6 {
            let d = random_scalar(&mut rng);
            let theirs =
                VerifyingKey::from_affine((ProjectivePoint::GENERATOR * d).to_affine()).expect("a valid point");
            let ours = P384Key::new(&theirs);
            let check = |hash: &[u8], sig: &[u8]| {
                let expected = Signature::from_slice(sig).is_ok_and(|s| theirs.verify_prehash(hash, &s).is_ok());
                assert_eq!(ours.verify_prehash(hash, sig), expected, "round {round}");
                expected
            };
            for _ in 0..4 {
                let hash = rng.bytes::<48>();
                let signature = sign(&d, &random_scalar(&mut rng), &hash);
                assert!(check(&hash, &signature));
                for _ in 0..4 {
                    let bit = (rng.next_u64() % 768) as usize;
                    let mut s = signature;
                    s[bit / 8] ^= 1 << (bit % 8);
                    assert!(!check(&hash, &s));
                    let bit = (rng.next_u64() % 384) as usize;
                    let mut h = hash;
                    h[bit / 8] ^= 1 << (bit % 8);
                    assert!(!check(&h, &signature));
                }
                let mut swapped = [0u8; 96];
                swapped[..48].copy_from_slice(&signature[48..]);
                swapped[48..].copy_from_slice(&signature[..48]);
                check(&hash, &swapped);
                let n_minus_one = (-Scalar::ONE).to_repr();
                for half in 0..2 {
                    for fill in [[0u8; 48], [0xFF; 48]] {
                        let mut s = signature;
                        s[half * 48..half * 48 + 48].copy_from_slice(&fill);
                        assert!(!check(&hash, &s));
                    }
                    let mut s = signature;
                    s[half * 48..half * 48 + 48].copy_from_slice(&n_minus_one);
                    check(&hash, &s);
                }
                // (r, n − s) verifies too (no low-s rule for P-384).
                let s = reduce_bytes(&signature[48..]);
                let mut negated = signature;
                negated[48..].copy_from_slice(&(-s).to_repr());
                assert!(check(&hash, &negated));
                assert!(!check(&hash, &signature[..95]));
            }
        }
    }

    #[test]
    fn the_documented_table_sizes_hold() {
        let key = P384Key::new(
            &VerifyingKey::from_affine((ProjectivePoint::GENERATOR * Scalar::from(5u64)).to_affine())
                .expect("a valid point"),
        );
        assert_eq!(key.tables.points.len(), CHUNKS * KEY_TABLE);
        assert_eq!(base_tables().points.len(), CHUNKS * BASE_TABLE);
        const { assert!(KEY_TABLE_BYTES <= 26 * 1024 && BASE_TABLE_BYTES <= 52 * 1024) };
    }
}

//! The scalar recoding and the table walk behind the ES256 and ES384 checks ([`super::es256`],
//! [`super::es384`]): u1·G + u2·Q with tables of odd multiples precomputed per point and per
//! chunk of the scalars, so that one check needs only as many doublings as a chunk has bits.
//!
//! Each scalar (below 2^bits) is cut into `chunks` chunks of `chunk_bits` bits. For a point P,
//! chunk c and a wNAF width w, a table holds (2k+1)·2^(c·chunk_bits)·P for k < 2^(w−2), chunk
//! after chunk. Each scalar is recoded in width-w NAF (every digit 0 or odd with absolute value
//! below 2^(w−1), at least w−1 zeros after each non-zero digit); digit i of the scalar sits in
//! chunk i / chunk_bits at position i mod chunk_bits (the extra top digit a carry may produce sits
//! in the last chunk, one position above the others). The walk goes through the positions from
//! the top, doubling the sum once per position and adding the table entry of every non-zero digit
//! at that position: `chunk_bits` doublings and, per scalar, about bits/(w+1) additions.
//!
//! Everything here is variable-time: it is only ever used on public data (keys, signatures and
//! message hashes).

/// Digits of a wNAF: one more than the scalar's bits (a carry out of the top). Large enough for
/// 384-bit scalars.
pub const MAX_DIGITS: usize = 385;

/// A scalar recoded in width-w NAF, least significant digit first.
pub struct Wnaf {
    pub digits: [i8; MAX_DIGITS],
    pub window: u32,
}

/// Recodes the little-endian integer `le` (at most 48 bytes; longer input is cut) in width-`w`
/// NAF, 2 ≤ w ≤ 8: the sum of digit[i]·2^i is the integer.
pub fn recode(le: &[u8], w: u32) -> Wnaf {
    // 64-bit limbs with at least one spare limb above the integer, so that a window may read
    // past its top bit.
    let mut limbs = [0u64; 7];
    for (i, byte) in le.iter().take(48).enumerate() {
        limbs[i / 8] |= u64::from(*byte) << (8 * (i % 8));
    }
    let w = w.clamp(2, 8);
    let mask = (1u64 << w) - 1;
    let window_at = |pos: usize| -> u32 {
        let (limb, shift) = (pos / 64, pos % 64);
        let low = limbs.get(limb).copied().unwrap_or(0) >> shift;
        let high = if shift > 0 { limbs.get(limb + 1).copied().unwrap_or(0) << (64 - shift) } else { 0 };
        ((low | high) & mask) as u32
    };
    let half = 1u32 << (w - 1);
    let mut digits = [0i8; MAX_DIGITS];
    // What is left to recode is (integer >> pos) + carry.
    let mut pos = 0usize;
    let mut carry = 0u32;
    while pos < MAX_DIGITS {
        let value = window_at(pos) + carry;
        if value & 1 == 0 {
            // The bit at pos is 0 and the carry (if any) moves on unchanged.
            pos += 1;
            continue;
        }
        // value is odd and at most 2^w − 1: take it, or take value − 2^w and carry one into the
        // next window; either way the w bits from pos become zero.
        let digit = if value < half {
            carry = 0;
            value as i32
        } else {
            carry = 1;
            value as i32 - (1i32 << w)
        };
        digits[pos] = digit as i8;
        pos += w as usize;
    }
    Wnaf { digits, window: w }
}

/// A point type the walk can sum table entries into.
pub trait CombPoint: Sized {
    /// What a table holds (the same type, or an affine form for cheaper additions).
    type Entry;
    /// The entry, or its negation.
    fn from_entry(entry: &Self::Entry, negative: bool) -> Self;
    /// Adds the entry, or subtracts it.
    fn add_entry(&mut self, entry: &Self::Entry, negative: bool);
    /// Doubles `n` times.
    fn double_times(&mut self, n: u32);
}

/// One term of the sum: a recoded scalar and the table of its point (built for the same width,
/// `chunks` × 2^(w−2) entries).
pub struct Term<'a, E> {
    pub scalar: &'a Wnaf,
    pub table: &'a [E],
}

/// The walk's result.
pub enum Sum<P> {
    /// Every scalar was zero.
    Neutral,
    Point(P),
}

/// The sum of the terms, each scalar below 2^(chunks·chunk_bits). `None` only if a table is
/// shorter than its width asks for, which the callers' construction rules out.
pub fn sum<P: CombPoint>(chunks: usize, chunk_bits: usize, terms: &[Term<'_, P::Entry>]) -> Option<Sum<P>> {
    let mut acc: Option<P> = None;
    // Doublings owed to the sum, applied in one run before the next addition.
    let mut owed = 0u32;
    for pos in (0..=chunk_bits).rev() {
        if acc.is_some() && pos < chunk_bits {
            owed += 1;
        }
        for chunk in 0..chunks {
            // Position chunk_bits exists only in the last chunk (the carry digit).
            if pos == chunk_bits && chunk + 1 != chunks {
                continue;
            }
            let i = chunk * chunk_bits + pos;
            for term in terms {
                let digit = term.scalar.digits.get(i).copied().unwrap_or(0);
                if digit == 0 {
                    continue;
                }
                let per_chunk = 1usize << (term.scalar.window - 2);
                let entry = term.table.get(chunk * per_chunk + (digit.unsigned_abs() as usize >> 1))?;
                match acc.as_mut() {
                    None => acc = Some(P::from_entry(entry, digit < 0)),
                    Some(point) => {
                        if owed > 0 {
                            point.double_times(owed);
                        }
                        point.add_entry(entry, digit < 0);
                    }
                }
                owed = 0;
            }
        }
    }
    Some(match acc {
        None => Sum::Neutral,
        Some(mut point) => {
            if owed > 0 {
                point.double_times(owed);
            }
            Sum::Point(point)
        }
    })
}

/// Test inputs for the ECDSA modules.
#[cfg(test)]
pub mod testing {
    /// A small deterministic generator (splitmix64), enough to spread test inputs.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
            let mut out = [0u8; N];
            for b in out.iter_mut() {
                *b = self.next_u64() as u8;
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Rng;
    use super::*;

    /// The integer the digits stand for, as little-endian 64-bit limbs (two's complement over
    /// 448 bits, so that an intermediate negative sum wraps and comes back).
    fn value(wnaf: &Wnaf) -> [u64; 7] {
        let mut acc = [0u64; 7];
        for d in wnaf.digits.iter().rev() {
            // acc = 2·acc + d
            let mut carry = 0u64;
            for limb in acc.iter_mut() {
                let next = *limb >> 63;
                *limb = (*limb << 1) | carry;
                carry = next;
            }
            let add = i64::from(*d) as u64;
            let sign_ext = if *d < 0 { u64::MAX } else { 0 };
            let mut c = 0u64;
            for (k, limb) in acc.iter_mut().enumerate() {
                let operand = if k == 0 { add } else { sign_ext };
                let (s1, o1) = limb.overflowing_add(operand);
                let (s2, o2) = s1.overflowing_add(c);
                *limb = s2;
                c = u64::from(o1 || o2);
            }
        }
        acc
    }

    fn limbs(le: &[u8]) -> [u64; 7] {
        let mut out = [0u64; 7];
        for (i, b) in le.iter().enumerate() {
            out[i / 8] |= u64::from(*b) << (8 * (i % 8));
        }
        out
    }

    #[test]
    fn the_recoding_is_a_valid_wnaf_of_the_integer() {
        let mut rng = Rng(11);
        let mut inputs: Vec<Vec<u8>> = vec![vec![0; 48], vec![0xFF; 48], vec![0xFF; 32], vec![1], vec![]];
        for bit in [0usize, 1, 31, 32, 47, 48, 63, 64, 255, 383] {
            let mut b = vec![0u8; 48];
            b[bit / 8] = 1 << (bit % 8);
            inputs.push(b);
        }
        for _ in 0..400 {
            let len = if rng.next_u64() % 2 == 0 { 32 } else { 48 };
            inputs.push((0..len).map(|_| rng.next_u64() as u8).collect());
        }
        for w in 2..=8u32 {
            for le in &inputs {
                let wnaf = recode(le, w);
                assert_eq!(value(&wnaf), limbs(le), "w = {w}, {le:?}");
                let mut last: Option<usize> = None;
                for (i, d) in wnaf.digits.iter().enumerate() {
                    if *d != 0 {
                        assert_eq!(d & 1, 1, "odd digit");
                        assert!(u32::from(d.unsigned_abs()) < 1 << (w - 1), "digit bound");
                        if let Some(j) = last {
                            assert!(i - j >= w as usize, "at least w-1 zeros after a digit");
                        }
                        // A digit never sits above the integer's top bit + 1.
                        assert!(i <= le.len() * 8);
                        last = Some(i);
                    }
                }
            }
        }
    }

    /// Integers mod 2^64 as a "curve": checks the walk's bookkeeping (chunk positions, the carry
    /// digit, owed doublings) independently of any curve.
    struct Wrapping(u64);

    impl CombPoint for Wrapping {
        type Entry = u64;
        fn from_entry(entry: &u64, negative: bool) -> Self {
            Wrapping(if negative { entry.wrapping_neg() } else { *entry })
        }
        fn add_entry(&mut self, entry: &u64, negative: bool) {
            self.0 = if negative { self.0.wrapping_sub(*entry) } else { self.0.wrapping_add(*entry) };
        }
        fn double_times(&mut self, n: u32) {
            self.0 = self.0.wrapping_shl(n);
        }
    }

    fn table(point: u64, chunks: usize, chunk_bits: usize, w: u32) -> Vec<u64> {
        let mut out = Vec::new();
        for c in 0..chunks {
            let base = point.wrapping_shl((c * chunk_bits) as u32);
            for k in 0..(1u64 << (w - 2)) {
                out.push(base.wrapping_mul(2 * k + 1));
            }
        }
        out
    }

    #[test]
    fn the_walk_sums_the_terms() {
        // Scalars of 64 bits (8 bytes) in 4 chunks of 16, so the wrapping arithmetic is exact.
        let mut rng = Rng(12);
        for _ in 0..500 {
            let (a, b) = (rng.next_u64(), rng.next_u64() >> (rng.next_u64() % 64));
            let (p, q) = (rng.next_u64() | 1, rng.next_u64());
            let (wa, wb) = (recode(&a.to_le_bytes(), 5), recode(&b.to_le_bytes(), 8));
            let (ta, tb) = (table(p, 4, 16, 5), table(q, 4, 16, 8));
            let terms = [Term { scalar: &wa, table: &ta[..] }, Term { scalar: &wb, table: &tb[..] }];
            let expected = a.wrapping_mul(p).wrapping_add(b.wrapping_mul(q));
            match sum::<Wrapping>(4, 16, &terms) {
                Some(Sum::Point(Wrapping(v))) => assert_eq!(v, expected),
                Some(Sum::Neutral) => assert_eq!((a, b), (0, 0)),
                None => panic!("tables are complete"),
            }
        }
        let zero = recode(&[0; 8], 5);
        let t = table(3, 4, 16, 5);
        assert!(matches!(sum::<Wrapping>(4, 16, &[Term { scalar: &zero, table: &t[..] }]), Some(Sum::Neutral)));
        // A table too short for its width is reported, not indexed past.
        let one = recode(&[0xFF; 8], 5);
        assert!(sum::<Wrapping>(4, 16, &[Term { scalar: &one, table: &t[..3] }]).is_none());
    }
}

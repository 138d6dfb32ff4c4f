//! RSA signature checks for RS256/384/512 (RSASSA-PKCS1-v1_5) and PS256/384/512 (RSASSA-PSS),
//! RFC 8017. A modulus is prepared once (32-bit limbs and Montgomery constants, which WebAssembly
//! multiplies natively); a check only raises the signature to the public exponent. PKCS#1 v1.5 is
//! checked by comparing against the one expected encoding, never by parsing the padding.

use super::hash::HashFunction;
use std::fmt;

/// Smallest modulus accepted (RFC 7518 §3.3 and §3.5 require 2048 bits).
pub const MIN_MODULUS_BITS: usize = 2048;
/// Largest modulus accepted; verification cost grows with the square of the size.
pub const MAX_MODULUS_BITS: usize = 8192;
const MAX_LIMBS: usize = MAX_MODULUS_BITS / 32;

/// Why an RSA public key was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RsaKeyError {
    ModulusSize { bits: usize },
    EvenModulus,
    Exponent,
}

impl fmt::Display for RsaKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RsaKeyError::ModulusSize { bits } => write!(
                f,
                "the RSA modulus has {bits} bits; between {MIN_MODULUS_BITS} and {MAX_MODULUS_BITS} are accepted"
            ),
            RsaKeyError::EvenModulus => write!(f, "the RSA modulus is even, so it is not an RSA modulus"),
            RsaKeyError::Exponent => {
                write!(f, "the RSA public exponent must be odd, at least 3 and at most 64 bits long")
            }
        }
    }
}

/// An RSA public key ready to verify: the modulus as little-endian 32-bit limbs, −n⁻¹ mod 2³²,
/// and R² mod n for entering the Montgomery domain.
#[derive(Clone)]
pub struct RsaPublicKey {
    n: Vec<u32>,
    n0_inv: u32,
    r_squared: Vec<u32>,
    e: u64,
    bits: usize,
    /// Length of the modulus in bytes (`k` in RFC 8017).
    len: usize,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPublicKey({} bits, e = {})", self.bits, self.e)
    }
}

impl RsaPublicKey {
    /// Builds a key from the big-endian modulus and exponent (JWK `n` and `e`). Leading zero
    /// bytes are allowed.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<RsaPublicKey, RsaKeyError> {
        let n = strip_leading_zeros(n);
        let bits = bit_length(n);
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(RsaKeyError::ModulusSize { bits });
        }
        if n.last().is_none_or(|b| b & 1 == 0) {
            return Err(RsaKeyError::EvenModulus);
        }
        let e = strip_leading_zeros(e);
        if e.is_empty() || e.len() > 8 {
            return Err(RsaKeyError::Exponent);
        }
        let e = e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        if e < 3 || e & 1 == 0 {
            return Err(RsaKeyError::Exponent);
        }
        let limbs = bits.div_ceil(32);
        let mut n_limbs = vec![0u32; limbs];
        load_be(n, &mut n_limbs);
        let n0_inv = neg_inverse_mod_2_32(n_limbs[0]);
        let r_squared = r_squared_mod(&n_limbs);
        Ok(RsaPublicKey { n: n_limbs, n0_inv, r_squared, e, bits, len: bits.div_ceil(8) })
    }

    /// Size of the modulus in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// RSAVP1: `signature^e mod n`, written big-endian into `out` (`len` bytes). `false` when the
    /// signature is not exactly `len` bytes or is not below the modulus.
    fn public_operation(&self, signature: &[u8], out: &mut [u8]) -> bool {
        let limbs = self.n.len();
        if signature.len() != self.len || out.len() != self.len {
            return false;
        }
        let mut s = [0u32; MAX_LIMBS];
        let s = &mut s[..limbs];
        load_be(signature, s);
        if !less_than(s, &self.n) {
            return false;
        }
        let n = &self.n[..];
        let mut base = [0u32; MAX_LIMBS];
        let base = &mut base[..limbs];
        mont_mul(base, s, &self.r_squared, n, self.n0_inv); // s·R mod n
        let mut acc = [0u32; MAX_LIMBS];
        let acc = &mut acc[..limbs];
        acc.copy_from_slice(base);
        let mut tmp = [0u32; MAX_LIMBS];
        let tmp = &mut tmp[..limbs];
        let top = 63 - self.e.leading_zeros();
        // Bits below the top one, except bit 0, inside the Montgomery domain.
        for bit in (1..top).rev() {
            mont_mul(tmp, acc, acc, n, self.n0_inv);
            if (self.e >> bit) & 1 == 1 {
                mont_mul(acc, tmp, base, n, self.n0_inv);
            } else {
                acc.copy_from_slice(tmp);
            }
        }
        // Bit 0 is always set (e is odd): square, then multiply by the plain s, which also
        // leaves the Montgomery domain: (x·R)·s·R⁻¹ = x·s.
        mont_mul(tmp, acc, acc, n, self.n0_inv);
        mont_mul(acc, tmp, s, n, self.n0_inv);
        store_be(acc, out);
        true
    }

    /// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) of `message` with `hash`.
    pub fn verify_pkcs1v15(&self, hash: HashFunction, message: &[u8], signature: &[u8]) -> bool {
        let mut em = [0u8; MAX_MODULUS_BITS / 8];
        let em = &mut em[..self.len];
        if !self.public_operation(signature, em) {
            return false;
        }
        let digest = hash.digest(&[message]);
        let prefix = digest_info_prefix(hash);
        let t_len = prefix.len() + hash.output_len();
        let k = self.len;
        if k < t_len + 11 {
            return false;
        }
        // The one valid encoding: 00 01 FF…FF 00 ‖ DigestInfo prefix ‖ H.
        let ps_end = k - t_len - 1;
        em[0] == 0x00
            && em[1] == 0x01
            && em[2..ps_end].iter().all(|b| *b == 0xff)
            && em[ps_end] == 0x00
            && em[ps_end + 1..ps_end + 1 + prefix.len()] == *prefix
            && em[k - hash.output_len()..] == *digest.as_bytes()
    }

    /// RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with MGF1 over the
    /// same hash and a salt as long as the hash, as RFC 7518 §3.5 requires for PS*.
    pub fn verify_pss(&self, hash: HashFunction, message: &[u8], signature: &[u8]) -> bool {
        let mut m = [0u8; MAX_MODULUS_BITS / 8];
        let m = &mut m[..self.len];
        if !self.public_operation(signature, m) {
            return false;
        }
        let em_bits = self.bits - 1;
        let em_len = em_bits.div_ceil(8);
        // I2OSP(m, emLen): when emLen < k the leading byte must be zero.
        let skip = self.len - em_len;
        if m[..skip].iter().any(|b| *b != 0) {
            return false;
        }
        let em = &m[skip..];
        let h_len = hash.output_len();
        let s_len = h_len;
        if em_len < h_len + s_len + 2 || em[em_len - 1] != 0xbc {
            return false;
        }
        let db_len = em_len - h_len - 1;
        let (masked_db, rest) = em.split_at(db_len);
        let h = &rest[..h_len];
        let unused_bits = 8 * em_len - em_bits;
        let top_mask = 0xffu8 >> unused_bits;
        if masked_db[0] & !top_mask != 0 {
            return false;
        }
        let mut db = [0u8; MAX_MODULUS_BITS / 8];
        let db = &mut db[..db_len];
        mgf1_xor(hash, h, masked_db, db);
        db[0] &= top_mask;
        let ps_len = em_len - h_len - s_len - 2;
        if db[..ps_len].iter().any(|b| *b != 0) || db[ps_len] != 0x01 {
            return false;
        }
        let salt = &db[db_len - s_len..];
        let expected = hash.digest(&[&[0u8; 8], hash.digest(&[message]).as_bytes(), salt]);
        expected.as_bytes() == h
    }
}

/// DER of DigestInfo up to the hash value (RFC 8017 §9.2, note 1), parameters NULL.
fn digest_info_prefix(hash: HashFunction) -> &'static [u8] {
    match hash {
        HashFunction::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ],
        HashFunction::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04,
            0x30,
        ],
        HashFunction::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
            0x40,
        ],
    }
}

/// out = input XOR MGF1(seed, input.len()) (RFC 8017 §B.2.1).
fn mgf1_xor(hash: HashFunction, seed: &[u8], input: &[u8], out: &mut [u8]) {
    let mut counter: u32 = 0;
    for (chunk_in, chunk_out) in input.chunks(hash.output_len()).zip(out.chunks_mut(hash.output_len())) {
        let block = hash.digest(&[seed, &counter.to_be_bytes()]);
        for ((o, i), m) in chunk_out.iter_mut().zip(chunk_in).zip(block.as_bytes()) {
            *o = i ^ m;
        }
        counter = counter.wrapping_add(1);
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// Bit length of a big-endian number without leading zero bytes.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        None => 0,
        Some(top) => bytes.len() * 8 - top.leading_zeros() as usize,
    }
}

/// Loads big-endian bytes into little-endian limbs (`bytes` must fit; extra limbs are zeroed).
fn load_be(bytes: &[u8], limbs: &mut [u32]) {
    limbs.iter_mut().for_each(|l| *l = 0);
    for (i, byte) in bytes.iter().rev().enumerate() {
        if let Some(limb) = limbs.get_mut(i / 4) {
            *limb |= u32::from(*byte) << (8 * (i % 4));
        }
    }
}

/// Stores little-endian limbs as exactly `out.len()` big-endian bytes.
fn store_be(limbs: &[u32], out: &mut [u8]) {
    let len = out.len();
    for (i, byte) in out.iter_mut().enumerate() {
        let from_end = len - 1 - i;
        *byte = limbs.get(from_end / 4).map_or(0, |l| (l >> (8 * (from_end % 4))) as u8);
    }
}

fn less_than(a: &[u32], b: &[u32]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// a −= b, returning the borrow.
fn sub_in_place(a: &mut [u32], b: &[u32]) -> bool {
    let mut borrow = 0u64;
    for (x, y) in a.iter_mut().zip(b) {
        let d = u64::from(*x).wrapping_sub(u64::from(*y)).wrapping_sub(borrow);
        *x = d as u32;
        borrow = (d >> 63) & 1;
    }
    borrow == 1
}

/// −n₀⁻¹ mod 2³² by Newton iteration (n₀ odd); each step doubles the correct low bits.
fn neg_inverse_mod_2_32(n0: u32) -> u32 {
    let mut inv: u32 = 1;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(n0.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// R² mod n with R = 2^(32·limbs), by doubling 1 modulo n (configuration time only).
fn r_squared_mod(n: &[u32]) -> Vec<u32> {
    let mut x = vec![0u32; n.len()];
    x[0] = 1;
    for _ in 0..(64 * n.len()) {
        let mut carry = 0u32;
        for limb in x.iter_mut() {
            let next = *limb >> 31;
            *limb = (*limb << 1) | carry;
            carry = next;
        }
        if carry == 1 || !less_than(&x, n) {
            sub_in_place(&mut x, n);
        }
    }
    x
}

/// Montgomery multiplication (CIOS, multiplication and reduction fused in one pass):
/// out = a·b·R⁻¹ mod n, for a, b < n. 32×32→64-bit products only, which WebAssembly's i64.mul
/// provides; the slices are cut to `len` first so the compiler can drop bounds checks.
fn mont_mul(out: &mut [u32], a: &[u32], b: &[u32], n: &[u32], n0_inv: u32) {
    let len = n.len();
    if len == 0 || a.len() < len || b.len() < len || out.len() < len {
        return;
    }
    let (a, b, n) = (&a[..len], &b[..len], &n[..len]);
    let mut t_buf = [0u32; MAX_LIMBS + 1];
    let t = &mut t_buf[..len + 1];
    let (a0, n0) = (u64::from(a[0]), u64::from(n[0]));
    for &bi in b {
        let bi = u64::from(bi);
        let s = u64::from(t[0]) + a0 * bi;
        let mut carry_mul = s >> 32;
        let low = s as u32;
        let m = u64::from(low.wrapping_mul(n0_inv));
        let r = u64::from(low) + m * n0;
        let mut carry_red = r >> 32;
        for j in 1..len {
            let s = u64::from(t[j]) + u64::from(a[j]) * bi + carry_mul;
            carry_mul = s >> 32;
            let r = u64::from(s as u32) + m * u64::from(n[j]) + carry_red;
            carry_red = r >> 32;
            t[j - 1] = r as u32;
        }
        let s = u64::from(t[len]) + carry_mul + carry_red;
        t[len - 1] = s as u32;
        t[len] = (s >> 32) as u32;
    }
    if t[len] != 0 || !less_than(&t[..len], n) {
        sub_in_place(&mut t[..len], n);
    }
    out[..len].copy_from_slice(&t[..len]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus_2048() -> Vec<u8> {
        // An odd 2048-bit number (not a real RSA modulus; enough for arithmetic checks).
        let mut n = vec![0xc3u8; 256];
        n[255] = 0x01;
        n
    }

    #[test]
    fn small_or_even_moduli_and_bad_exponents_are_refused() {
        assert_eq!(
            RsaPublicKey::from_components(&[0xff; 128], &[1, 0, 1]).err(),
            Some(RsaKeyError::ModulusSize { bits: 1024 })
        );
        let mut even = modulus_2048();
        even[255] = 2;
        assert_eq!(RsaPublicKey::from_components(&even, &[1, 0, 1]).err(), Some(RsaKeyError::EvenModulus));
        for e in [&[1u8][..], &[2], &[], &[0, 0], &[1; 9]] {
            assert_eq!(RsaPublicKey::from_components(&modulus_2048(), e).err(), Some(RsaKeyError::Exponent));
        }
    }

    #[test]
    fn leading_zero_bytes_in_the_modulus_are_ignored() {
        let mut n = vec![0u8, 0];
        n.extend(modulus_2048());
        let key = RsaPublicKey::from_components(&n, &[1, 0, 1]).unwrap();
        assert_eq!(key.bits(), 2048);
    }

    #[test]
    fn public_operation_matches_schoolbook_exponentiation_for_e_3() {
        // With e = 3 and a small s, s³ < n, so the result is s³ exactly.
        let key = RsaPublicKey::from_components(&modulus_2048(), &[3]).unwrap();
        let mut sig = vec![0u8; 256];
        sig[254] = 0x12;
        sig[255] = 0x34;
        let mut out = vec![0u8; 256];
        assert!(key.public_operation(&sig, &mut out));
        let cube: u64 = 0x1234u64.pow(3);
        let mut expected = vec![0u8; 256];
        expected[248..].copy_from_slice(&cube.to_be_bytes());
        assert_eq!(out, expected);
    }

    #[test]
    fn signatures_of_the_wrong_length_or_not_below_n_are_refused() {
        let key = RsaPublicKey::from_components(&modulus_2048(), &[1, 0, 1]).unwrap();
        let mut out = vec![0u8; 256];
        assert!(!key.public_operation(&[1u8; 255], &mut out));
        assert!(!key.public_operation(&[0xffu8; 256], &mut out));
        assert!(!key.public_operation(&modulus_2048(), &mut out));
    }

    #[test]
    fn negative_inverse_is_correct() {
        for n0 in [1u32, 3, 0xffff_ffff, 0x1234_5679] {
            assert_eq!(n0.wrapping_mul(neg_inverse_mod_2_32(n0)), u32::MAX);
        }
    }
}

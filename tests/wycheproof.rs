//! Every signature verifier behind a JWS algorithm against Project Wycheproof's vectors
//! (tests/vectors/wycheproof, Apache-2.0): `valid` accepted, `invalid` rejected, and `acceptable`
//! handled as documented in docs/authentication.md (rejected: JWS wants one strict encoding).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palisade::auth::ecdsa::{Curve, EcdsaPublicKey};
use palisade::auth::eddsa::Ed25519PublicKey;
use palisade::auth::hash::HashFunction;
use palisade::auth::hmac::HmacKey;
use palisade::auth::rsa::RsaPublicKey;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/wycheproof/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn hex(s: &Value) -> Vec<u8> {
    let s = s.as_str().unwrap();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[derive(Default, Debug)]
struct Tally {
    valid_accepted: usize,
    invalid_rejected: usize,
    acceptable_rejected: usize,
    acceptable_accepted: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, file: &str, test: &Value, accepted: bool, expect_for_acceptable: bool) {
        let id = test["tcId"].as_u64().unwrap_or(0);
        match (test["result"].as_str().unwrap(), accepted) {
            ("valid", true) => self.valid_accepted += 1,
            ("invalid", false) => self.invalid_rejected += 1,
            ("acceptable", a) => {
                if a {
                    self.acceptable_accepted += 1
                } else {
                    self.acceptable_rejected += 1
                }
                if a != expect_for_acceptable {
                    self.failures.push(format!("{file} #{id} acceptable: accepted = {a}"));
                }
            }
            (result, a) => self.failures.push(format!("{file} #{id} {result}: accepted = {a} ({})", test["comment"])),
        }
    }

    fn check(self, file: &str, expected_total: usize) {
        let total = self.valid_accepted + self.invalid_rejected + self.acceptable_accepted + self.acceptable_rejected;
        println!("{file}: {self:?}");
        assert!(self.failures.is_empty(), "{file}: {:#?}", self.failures);
        assert_eq!(total + self.failures.len(), expected_total, "{file}: not every test ran");
    }
}

fn groups(doc: &Value) -> impl Iterator<Item = &Value> {
    doc["testGroups"].as_array().unwrap().iter()
}

fn tests(group: &Value) -> impl Iterator<Item = &Value> {
    group["tests"].as_array().unwrap().iter()
}

fn rsa_pkcs1(file: &str, hash: HashFunction) {
    let doc = load(file);
    let mut tally = Tally::default();
    for group in groups(&doc) {
        let key = RsaPublicKey::from_components(
            &hex(&group["publicKey"]["modulus"]),
            &hex(&group["publicKey"]["publicExponent"]),
        )
        .unwrap();
        for test in tests(group) {
            let ok = key.verify_pkcs1v15(hash, &hex(&test["msg"]), &hex(&test["sig"]));
            // `acceptable` here is only "MissingNull" (DigestInfo without NULL parameters): rejected.
            tally.record(file, test, ok, false);
        }
    }
    tally.check(file, doc["numberOfTests"].as_u64().unwrap() as usize);
}

#[test]
fn rs256_verifier_passes_wycheproof_rsa_2048_sha256() {
    rsa_pkcs1("rsa_signature_2048_sha256_test.json", HashFunction::Sha256);
}

#[test]
fn rs384_verifier_passes_wycheproof_rsa_3072_sha384() {
    rsa_pkcs1("rsa_signature_3072_sha384_test.json", HashFunction::Sha384);
}

#[test]
fn rs512_verifier_passes_wycheproof_rsa_4096_sha512() {
    rsa_pkcs1("rsa_signature_4096_sha512_test.json", HashFunction::Sha512);
}

#[test]
fn ps256_verifier_passes_wycheproof_pss_2048_sha256_mgf1_32() {
    let file = "rsa_pss_2048_sha256_mgf1_32_test.json";
    let doc = load(file);
    let mut tally = Tally::default();
    for group in groups(&doc) {
        assert_eq!(group["sLen"], 32);
        assert_eq!(group["mgfSha"], "SHA-256");
        let key = RsaPublicKey::from_components(
            &hex(&group["publicKey"]["modulus"]),
            &hex(&group["publicKey"]["publicExponent"]),
        )
        .unwrap();
        for test in tests(group) {
            let ok = key.verify_pss(HashFunction::Sha256, &hex(&test["msg"]), &hex(&test["sig"]));
            tally.record(file, test, ok, false);
        }
    }
    tally.check(file, doc["numberOfTests"].as_u64().unwrap() as usize);
}

fn ecdsa(file: &str, curve: Curve) {
    let doc = load(file);
    let mut tally = Tally::default();
    for group in groups(&doc) {
        let point = hex(&group["publicKey"]["uncompressed"]);
        let len = curve.field_len();
        let key = EcdsaPublicKey::from_coordinates(curve, &point[1..1 + len], &point[1 + len..]).unwrap();
        for test in tests(group) {
            let ok = key.verify(&hex(&test["msg"]), &hex(&test["sig"]));
            tally.record(file, test, ok, false);
        }
    }
    tally.check(file, doc["numberOfTests"].as_u64().unwrap() as usize);
}

#[test]
fn es256_verifier_passes_wycheproof_p256_sha256_p1363() {
    ecdsa("ecdsa_secp256r1_sha256_p1363_test.json", Curve::P256);
}

#[test]
fn es384_verifier_passes_wycheproof_p384_sha384_p1363() {
    ecdsa("ecdsa_secp384r1_sha384_p1363_test.json", Curve::P384);
}

#[test]
fn eddsa_verifier_passes_wycheproof_ed25519() {
    let file = "ed25519_test.json";
    let doc = load(file);
    let mut tally = Tally::default();
    for group in groups(&doc) {
        let key = Ed25519PublicKey::from_bytes(&hex(&group["publicKey"]["pk"]));
        for test in tests(group) {
            let ok = key.as_ref().is_some_and(|k| k.verify(&hex(&test["msg"]), &hex(&test["sig"])));
            tally.record(file, test, ok, false);
        }
    }
    tally.check(file, doc["numberOfTests"].as_u64().unwrap() as usize);
}

#[test]
fn hs256_verifier_passes_wycheproof_hmac_sha256_full_length_tags_and_refuses_truncated_ones() {
    let file = "hmac_sha256_test.json";
    let doc = load(file);
    let mut tally = Tally::default();
    let mut truncated_refused = 0;
    for group in groups(&doc) {
        let truncated = group["tagSize"].as_u64() != Some(256);
        for test in tests(group) {
            let key = HmacKey::new(&hex(&test["key"]));
            let ok = key.verify(HashFunction::Sha256, &hex(&test["msg"]), &hex(&test["tag"]));
            if truncated {
                // JWS HS256 tags are always 32 bytes: a truncated tag, even a correct one, is refused.
                assert!(!ok, "truncated tag accepted: #{}", test["tcId"]);
                truncated_refused += 1;
            } else {
                tally.record(file, test, ok, false);
            }
        }
    }
    println!("{file}: truncated-tag tests refused: {truncated_refused}");
    tally.check(file, doc["numberOfTests"].as_u64().unwrap() as usize - truncated_refused);
}

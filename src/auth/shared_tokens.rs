//! Verified tokens shared by every Envoy worker, so that a token is verified once per Envoy and
//! not once per worker: a fixed set of shared-data slots (one entry each, last writer wins),
//! addressed by a digest of the token. Holds only what a verification yields (never the token or
//! its signature) and trusts an entry only for the same provider configuration and key set.

use super::verified::VerifiedToken;
use crate::host::Host;
use sha2::{Digest, Sha256};

/// Largest entry stored; a token with more claim headers than that is verified per worker.
const MAX_ENTRY_BYTES: usize = 2048;

/// What identifies "the same provider with the same keys" in every worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 16]);

impl Fingerprint {
    /// From the provider's configuration text and the stamp of its key set (0 for keys given in
    /// the configuration, the publication time for fetched ones).
    pub fn of(config: &[u8], key_stamp: u64) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(config);
        h.update(key_stamp.to_le_bytes());
        let d = h.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&d[..16]);
        Fingerprint(out)
    }
}

fn digest(fp: Fingerprint, token: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(fp.0);
    h.update(token);
    h.finalize().into()
}

fn slot_key(d: &[u8; 32], slots: u32) -> String {
    let n = u32::from_le_bytes([d[0], d[1], d[2], d[3]]) % slots.max(1);
    format!("palisade.tok.{n}")
}

/// Serialized entry: digest (32) ‖ until_ms (8) ‖ JSON of the verified token.
fn encode(d: &[u8; 32], until_ms: u64, token: &VerifiedToken) -> Option<Vec<u8>> {
    let json = serde_json::to_vec(&(
        &token.issuer,
        &token.subject,
        &token.scopes,
        token.expires_at,
        &token.claim_headers,
        &token.kept_claims,
    ))
    .ok()?;
    let mut out = Vec::with_capacity(40 + json.len());
    out.extend_from_slice(d);
    out.extend_from_slice(&until_ms.to_le_bytes());
    out.extend_from_slice(&json);
    (out.len() <= MAX_ENTRY_BYTES).then_some(out)
}

type Fields = (String, Option<String>, Vec<String>, Option<i64>, Vec<(String, String)>, Vec<(String, String)>);

/// The verification of `token` another worker stored, if it is still good at `now_ms`.
pub fn lookup(host: &dyn Host, slots: u32, fp: Fingerprint, token: &[u8], now_ms: u64) -> Option<VerifiedToken> {
    if slots == 0 {
        return None;
    }
    let d = digest(fp, token);
    let (value, _) = host.shared_get(&slot_key(&d, slots))?;
    if value.get(..32)? != d.as_slice() {
        return None;
    }
    let until = u64::from_le_bytes(value.get(32..40)?.try_into().ok()?);
    if until <= now_ms {
        return None;
    }
    let (issuer, subject, scopes, expires_at, claim_headers, kept_claims): Fields =
        serde_json::from_slice(value.get(40..)?).ok()?;
    Some(VerifiedToken { issuer, subject, scopes, expires_at, claim_headers, kept_claims })
}

/// Publishes a fresh verification, reusable until `min(exp, now + max_age)`.
pub fn store(
    host: &dyn Host,
    slots: u32,
    fp: Fingerprint,
    token: &[u8],
    verified: &VerifiedToken,
    now_ms: u64,
    max_age_ms: u64,
) {
    if slots == 0 {
        return;
    }
    let mut until = now_ms.saturating_add(max_age_ms);
    if let Some(exp) = verified.expires_at {
        until = until.min(u64::try_from(exp).unwrap_or(0).saturating_mul(1000));
    }
    if until <= now_ms {
        return;
    }
    let d = digest(fp, token);
    if let Some(value) = encode(&d, until, verified) {
        let _ = host.shared_set(&slot_key(&d, slots), &value, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::MemoryHost;

    fn token() -> VerifiedToken {
        VerifiedToken {
            issuer: "https://i".into(),
            subject: Some("u1".into()),
            scopes: vec!["read".into()],
            expires_at: Some(2_000_000_000),
            claim_headers: vec![("x-tenant".into(), "t1".into())],
            kept_claims: vec![],
        }
    }

    #[test]
    fn a_verification_stored_by_one_worker_is_found_by_another() {
        let host = MemoryHost::default();
        let fp = Fingerprint::of(b"provider", 0);
        store(&host, 64, fp, b"tok", &token(), 1_000, 300_000);
        assert_eq!(lookup(&host, 64, fp, b"tok", 2_000), Some(token()));
        assert_eq!(lookup(&host, 64, fp, b"other", 2_000), None);
    }

    #[test]
    fn entries_expire_and_never_cross_configurations_or_key_sets() {
        let host = MemoryHost::default();
        let fp = Fingerprint::of(b"provider", 0);
        store(&host, 64, fp, b"tok", &token(), 1_000, 300_000);
        assert_eq!(lookup(&host, 64, fp, b"tok", 301_000), None, "max age");
        assert_eq!(lookup(&host, 64, Fingerprint::of(b"provider", 7), b"tok", 2_000), None, "other key set");
        assert_eq!(lookup(&host, 64, Fingerprint::of(b"other", 0), b"tok", 2_000), None, "other provider");
        let mut expired = token();
        expired.expires_at = Some(1);
        store(&host, 64, fp, b"old", &expired, 5_000, 300_000);
        assert_eq!(lookup(&host, 64, fp, b"old", 5_001), None);
        assert_eq!(lookup(&host, 0, fp, b"tok", 2_000), None, "0 slots: off");
    }
}

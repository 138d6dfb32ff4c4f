//! Remote JWKS: when to fetch an issuer's keys, and how a fetched set reaches every Envoy worker.
//! One worker fetches (a lease in shared data), publishes the set in shared data, and every
//! worker loads it from there on its next tick. Decides timing and publication only; the host
//! glue performs the HTTP call. A failed refresh keeps the last good set up to `max_stale_seconds`.

use super::jwks::Jwks;
use super::provider::JwtProvider;
use crate::host::{Host, LogLevel};

/// One fetch the host should perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// Index of the provider in `Authenticators::providers`.
    pub provider: usize,
    pub cluster: String,
    pub authority: String,
    pub path: String,
    pub timeout_ms: u64,
}

/// What this worker has loaded, per provider: the `fetched_ms` of the published set.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub fetched_ms: Vec<u64>,
}

fn keys_key(p: &JwtProvider) -> String {
    format!("palisade.jwks.{}", p.name)
}
fn lease_key(p: &JwtProvider) -> String {
    format!("palisade.jwks.{}.lease", p.name)
}
fn refetch_key(p: &JwtProvider) -> String {
    format!("palisade.jwks.{}.refetch", p.name)
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes)
}

/// Splits `https://host:port/path?q` into authority and path.
pub fn split_uri(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    (!authority.is_empty()).then(|| (authority.to_string(), path.to_string()))
}

/// Creates the lease keys (called when the configuration is loaded, before any tick), so that
/// taking a lease is always a compare-and-swap (proxy-wasm's CAS on a missing key is a plain write).
pub fn prime(providers: &[JwtProvider], host: &dyn Host) {
    for p in providers.iter().filter(|p| p.remote_jwks.is_some()) {
        if host.shared_get(&lease_key(p)).is_none() {
            let _ = host.shared_set(&lease_key(p), &0u64.to_le_bytes(), None);
        }
    }
}

/// Asks for an early refetch because a token named a `kid` the provider does not know.
pub fn request_refetch(provider: &JwtProvider, host: &dyn Host) {
    if provider.remote_jwks.is_some() {
        let _ = host.shared_set(&refetch_key(provider), &host.now_ms().to_le_bytes(), None);
    }
}

/// Called every tick in every worker: loads a newer published set, drops a set older than
/// `max_stale_seconds`, and returns the fetches this worker should start (it holds the lease).
pub fn on_tick(providers: &[JwtProvider], loaded: &mut Loaded, host: &dyn Host) -> Vec<Fetch> {
    let now = host.now_ms();
    loaded.fetched_ms.resize(providers.len(), 0);
    let mut fetches = Vec::new();
    for (i, p) in providers.iter().enumerate() {
        let Some(remote) = &p.remote_jwks else { continue };
        // 1. Load what another worker published.
        let published = host.shared_get(&keys_key(p));
        let fetched_ms = published.as_ref().and_then(|(v, _)| u64_at(v, 0)).unwrap_or(0);
        if fetched_ms > loaded.fetched_ms[i] {
            if let Some((value, _)) = &published {
                match Jwks::parse(value.get(8..).unwrap_or_default()) {
                    Ok(jwks) => {
                        p.keys.replace_stamped(jwks, fetched_ms);
                        loaded.fetched_ms[i] = fetched_ms;
                    }
                    Err(_) => loaded.fetched_ms[i] = fetched_ms,
                }
            }
        }
        let age_ms = now.saturating_sub(fetched_ms);
        if fetched_ms > 0
            && age_ms > remote.max_stale_seconds.saturating_mul(1000)
            && !p.keys.snapshot().jwks.is_empty()
        {
            host.log(LogLevel::Error, &format!("palisade: JWKS of provider {} is older than max_stale_seconds; its tokens are refused until a fetch succeeds", p.name));
            p.keys.replace(Jwks::default());
        }
        // 2. Is a fetch due? Never fetched, older than cache_duration, or a refetch was asked.
        let refetch_at = host.shared_get(&refetch_key(p)).and_then(|(v, _)| u64_at(&v, 0)).unwrap_or(0);
        let min_interval = remote.min_refetch_interval_seconds.saturating_mul(1000);
        let due = fetched_ms == 0
            || age_ms >= remote.cache_duration_seconds.saturating_mul(1000)
            || (refetch_at > fetched_ms && age_ms >= min_interval);
        if !due {
            continue;
        }
        // 3. Take the lease (compare-and-swap), so one worker fetches for the whole Envoy.
        let lease = host.shared_get(&lease_key(p));
        let lease_until = lease.as_ref().and_then(|(v, _)| u64_at(v, 0)).unwrap_or(0);
        if lease_until > now {
            continue;
        }
        // A fetch attempt holds the lease for its timeout plus a back-off before the next try.
        let until = now + remote.timeout_ms + 2_000;
        let cas = lease.map(|(_, c)| c);
        if host.shared_set(&lease_key(p), &until.to_le_bytes(), cas).is_err() {
            continue;
        }
        if let Some((authority, path)) = split_uri(&remote.uri) {
            fetches.push(Fetch {
                provider: i,
                cluster: remote.cluster.clone(),
                authority,
                path,
                timeout_ms: remote.timeout_ms,
            });
        }
    }
    fetches
}

/// The answer to a fetch: a good set is loaded here and published for the other workers; a
/// failure keeps the last good set. Returns a line for the log.
pub fn on_fetched(
    providers: &[JwtProvider],
    loaded: &mut Loaded,
    fetch_provider: usize,
    status: Option<u16>,
    body: &[u8],
    host: &dyn Host,
) -> Result<String, String> {
    let Some(p) = providers.get(fetch_provider) else {
        return Err("palisade: JWKS answer for an unknown provider".to_string());
    };
    let name = &p.name;
    if status != Some(200) {
        return Err(format!(
            "palisade: JWKS fetch for provider {name} failed (status {}); keeping the last good keys",
            status.map(|s| s.to_string()).unwrap_or_else(|| "none: timeout or no upstream".to_string())
        ));
    }
    let jwks = Jwks::parse(body).map_err(|errors| {
        format!(
            "palisade: JWKS of provider {name} rejected ({}); keeping the last good keys",
            errors.first().map(|e| e.to_string()).unwrap_or_default()
        )
    })?;
    let count = jwks.len();
    let now = host.now_ms();
    let mut value = Vec::with_capacity(8 + body.len());
    value.extend_from_slice(&now.to_le_bytes());
    value.extend_from_slice(body);
    let _ = host.shared_set(&keys_key(p), &value, None);
    p.keys.replace_stamped(jwks, now);
    loaded.fetched_ms.resize(providers.len(), 0);
    loaded.fetched_ms[fetch_provider] = now;
    // Release the lease: the next refresh is due by age, not by the back-off.
    let _ = host.shared_set(&lease_key(p), &0u64.to_le_bytes(), None);
    Ok(format!("palisade: JWKS of provider {name} loaded, {count} key(s)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::provider::JwtProviderConfig;
    use crate::host::MemoryHost;

    fn provider(name: &str) -> JwtProvider {
        let cfg: JwtProviderConfig = serde_json::from_value(serde_json::json!({
            "issuer": "https://issuer.example",
            "remote_jwks": {"uri": "https://issuer.example/.well-known/jwks.json", "cluster": "idp", "cache_duration_seconds": 60}
        }))
        .unwrap();
        JwtProvider::compile(name, &cfg, "p").unwrap()
    }

    const JWKS: &[u8] = br#"{"keys": [{"kty": "oct", "kid": "h1", "alg": "HS256", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}]}"#;

    #[test]
    fn one_worker_fetches_and_the_others_load_the_published_set() {
        let host = MemoryHost::at(1_000_000);
        let (a, b) = (vec![provider("idp")], vec![provider("idp")]);
        let (mut la, mut lb) = (Loaded::default(), Loaded::default());
        let fa = on_tick(&a, &mut la, &host);
        assert_eq!(fa.len(), 1);
        assert_eq!(fa[0].authority, "issuer.example");
        assert_eq!(fa[0].path, "/.well-known/jwks.json");
        // The other worker sees the lease and does not fetch.
        assert!(on_tick(&b, &mut lb, &host).is_empty());
        on_fetched(&a, &mut la, 0, Some(200), JWKS, &host).unwrap();
        assert_eq!(a[0].keys.snapshot().jwks.len(), 1);
        assert!(b[0].keys.snapshot().jwks.is_empty());
        assert!(on_tick(&b, &mut lb, &host).is_empty());
        assert_eq!(b[0].keys.snapshot().jwks.len(), 1, "worker b loaded the published set");
    }

    #[test]
    fn a_failed_refresh_keeps_the_last_good_keys_until_max_staleness() {
        let host = MemoryHost::at(1_000_000);
        let a = vec![provider("idp")];
        let mut la = Loaded::default();
        on_tick(&a, &mut la, &host);
        on_fetched(&a, &mut la, 0, Some(200), JWKS, &host).unwrap();
        *host.now_ms.borrow_mut() += 61_000;
        let f = on_tick(&a, &mut la, &host);
        assert_eq!(f.len(), 1, "a refresh is due after cache_duration");
        assert!(on_fetched(&a, &mut la, 0, None, b"", &host).is_err());
        assert!(on_fetched(&a, &mut la, 0, Some(200), b"not json", &host).is_err());
        assert_eq!(a[0].keys.snapshot().jwks.len(), 1, "last good keys kept");
        *host.now_ms.borrow_mut() += 86_400_000;
        on_tick(&a, &mut la, &host);
        assert!(a[0].keys.snapshot().jwks.is_empty(), "too old: dropped");
    }

    #[test]
    fn an_unknown_kid_asks_for_an_early_but_rate_limited_refetch() {
        let host = MemoryHost::at(1_000_000);
        let a = vec![provider("idp")];
        let mut la = Loaded::default();
        on_tick(&a, &mut la, &host);
        on_fetched(&a, &mut la, 0, Some(200), JWKS, &host).unwrap();
        *host.now_ms.borrow_mut() += 1_000;
        request_refetch(&a[0], &host);
        assert!(on_tick(&a, &mut la, &host).is_empty(), "not before min_refetch_interval");
        *host.now_ms.borrow_mut() += 10_000;
        assert_eq!(on_tick(&a, &mut la, &host).len(), 1);
    }

    #[test]
    fn uris_split_into_authority_and_path() {
        assert_eq!(split_uri("https://a.example:8443/k?x=1"), Some(("a.example:8443".into(), "/k?x=1".into())));
        assert_eq!(split_uri("http://a"), Some(("a".into(), "/".into())));
        assert_eq!(split_uri("ftp://a/b"), None);
    }
}

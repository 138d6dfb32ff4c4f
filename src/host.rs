//! The small interface the engine needs from its host: time, shared data with compare-and-swap,
//! metrics, logs and audit records. The proxy-wasm implementation lives in `filter`; the in-memory
//! one here serves native tests, benchmarks and the command-line tool. No business rules here.

use crate::metrics::Metric;
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}

/// Why a shared-data write did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedDataError {
    /// Someone else wrote the key since it was read: read again and retry.
    CasMismatch,
    /// The host refused the write.
    Failed,
}

pub trait Host {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// A shared-data value and its compare-and-swap token.
    fn shared_get(&self, key: &str) -> Option<(Vec<u8>, u32)>;
    /// Writes a shared-data value; with `cas`, only if the key's token is still `cas`.
    fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), SharedDataError>;
    /// Adds to a counter.
    fn count(&self, metric: Metric, delta: u64);
    /// Adds to a counter named by the configuration (per rate-limit rule). Never called with a
    /// name built from request data.
    fn count_named(&self, name: &str, delta: u64);
    fn log(&self, level: LogLevel, message: &str);
    /// Emits one audit record (a JSON object, one line) to the log.
    fn audit(&self, record: &str);
    /// Exposes a value to the host for this request (Envoy filter state, for access logs).
    fn set_filter_state(&self, key: &str, value: &str);
    /// The connection's peer, for a request whose `Request::peer_deferred` is set.
    fn peer_address(&self) -> Option<std::net::IpAddr> {
        None
    }
}

/// An in-memory host: a clock you set, a shared-data map with CAS tokens, counters, and the
/// logs and audit records written, for tests and the CLI.
#[derive(Debug, Default)]
pub struct MemoryHost {
    pub now_ms: RefCell<u64>,
    shared: RefCell<HashMap<String, (Vec<u8>, u32)>>,
    pub counters: RefCell<HashMap<String, u64>>,
    pub logs: RefCell<Vec<(LogLevel, String)>>,
    pub audits: RefCell<Vec<String>>,
    pub filter_state: RefCell<HashMap<String, String>>,
    /// What `peer_address` answers (requests whose peer was deferred).
    pub peer: Option<std::net::IpAddr>,
}

impl MemoryHost {
    pub fn at(now_ms: u64) -> MemoryHost {
        let h = MemoryHost::default();
        *h.now_ms.borrow_mut() = now_ms;
        h
    }

    pub fn counter(&self, name: &str) -> u64 {
        self.counters.borrow().get(name).copied().unwrap_or(0)
    }

    /// The audit records written so far, parsed.
    pub fn audit_records(&self) -> Vec<serde_json::Value> {
        self.audits.borrow().iter().filter_map(|r| serde_json::from_str(r).ok()).collect()
    }
}

impl Host for MemoryHost {
    fn now_ms(&self) -> u64 {
        *self.now_ms.borrow()
    }

    fn shared_get(&self, key: &str) -> Option<(Vec<u8>, u32)> {
        self.shared.borrow().get(key).cloned()
    }

    fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), SharedDataError> {
        let mut map = self.shared.borrow_mut();
        let current = map.get(key).map(|(_, c)| *c);
        if let Some(expected) = cas {
            // As in Envoy: a CAS of 0 or against a missing key is a plain write.
            if expected != 0 && current.is_some() && current != Some(expected) {
                return Err(SharedDataError::CasMismatch);
            }
        }
        let next = current.unwrap_or(0).wrapping_add(1).max(1);
        map.insert(key.to_string(), (value.to_vec(), next));
        Ok(())
    }

    fn count(&self, metric: Metric, delta: u64) {
        *self.counters.borrow_mut().entry(metric.name()).or_insert(0) += delta;
    }

    fn count_named(&self, name: &str, delta: u64) {
        *self.counters.borrow_mut().entry(name.to_string()).or_insert(0) += delta;
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.logs.borrow_mut().push((level, message.to_string()));
    }

    fn audit(&self, record: &str) {
        self.audits.borrow_mut().push(record.to_string());
    }

    fn set_filter_state(&self, key: &str, value: &str) {
        self.filter_state.borrow_mut().insert(key.to_string(), value.to_string());
    }

    fn peer_address(&self) -> Option<std::net::IpAddr> {
        self.peer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_and_swap_refuses_a_stale_token() {
        let h = MemoryHost::default();
        h.shared_set("k", b"1", None).unwrap();
        let (_, cas) = h.shared_get("k").unwrap();
        h.shared_set("k", b"2", Some(cas)).unwrap();
        assert_eq!(h.shared_set("k", b"3", Some(cas)), Err(SharedDataError::CasMismatch));
        assert_eq!(h.shared_get("k").unwrap().0, b"2");
    }
}

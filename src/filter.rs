//! The proxy-wasm glue: turns host events into engine calls and verdicts into host calls.
//! It holds no security rule. Request data is read only through the `*_bytes` host calls.

use crate::auth::jwks_refresh::{self, Loaded};
use crate::denial::{Denial, LocalResponse, Reason};
use crate::engine::{self, Exchange, Verdict};
use crate::host::{Host, LogLevel, SharedDataError};
use crate::metrics::Metric;
use crate::policy::Policy;
use crate::request::Request;
use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, BufferType, ContextType, LogLevel as WasmLogLevel, MapType, MetricType, Status};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(WasmLogLevel::Info);
    // Replace the SDK's hook (which unwraps the log call) with one that cannot fail again.
    std::panic::set_hook(Box::new(|info| {
        let _ = hostcalls::log(WasmLogLevel::Critical, &format!("palisade: panic: {info}"));
    }));
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(PalisadeRoot::default()) });
}}

/// The root context's tick period. Each tick gives Envoy the counter increments of the requests
/// since the last one (one host call per counter and tick instead of one per counter and
/// request: counters in /stats are at most this late) and starts due JWKS fetches.
const TICK_MS: u64 = 500;

/// Host calls for one VM (one Envoy worker). Metric ids are defined once per configuration.
struct WasmHost {
    /// Envoy's id of each metric, by `Metric::index`.
    metrics: Vec<Option<u32>>,
    /// Counters named by the configuration (per rate-limit rule), defined when first seen.
    named: RefCell<HashMap<String, u32>>,
    /// Increments not yet given to Envoy: (metric id, delta), one entry per id.
    pending: RefCell<Vec<(u32, u64)>>,
    /// The host's clock read once per callback: every stage of one callback sees the same time
    /// and the clock costs one host call. Cleared by `new_callback`.
    now: Cell<Option<u64>>,
}

impl WasmHost {
    fn define() -> WasmHost {
        let mut metrics = vec![None; Metric::COUNT];
        for m in Metric::all() {
            metrics[m.index()] = hostcalls::define_metric(MetricType::Counter, &m.name()).ok();
        }
        WasmHost {
            metrics,
            named: RefCell::new(HashMap::new()),
            pending: RefCell::new(Vec::new()),
            now: Cell::new(None),
        }
    }

    /// Starts a host callback: the clock is read again when next needed.
    fn new_callback(&self) {
        self.now.set(None);
    }

    fn add(&self, id: u32, delta: u64) {
        let mut pending = self.pending.borrow_mut();
        match pending.iter_mut().find(|(i, _)| *i == id) {
            Some((_, d)) => *d = d.saturating_add(delta),
            None => pending.push((id, delta)),
        }
    }

    /// Gives every pending increment to Envoy (on each tick).
    fn flush(&self) {
        for (id, delta) in self.pending.borrow_mut().iter_mut().filter(|(_, d)| *d > 0) {
            let _ = hostcalls::increment_metric(*id, i64::try_from(*delta).unwrap_or(i64::MAX));
            *delta = 0;
        }
    }

    fn named_id(&self, name: &str) -> Option<u32> {
        if let Some(id) = self.named.borrow().get(name) {
            return Some(*id);
        }
        let id = hostcalls::define_metric(MetricType::Counter, name).ok()?;
        self.named.borrow_mut().insert(name.to_string(), id);
        Some(id)
    }
}

fn wasm_level(level: LogLevel) -> WasmLogLevel {
    match level {
        LogLevel::Debug => WasmLogLevel::Debug,
        LogLevel::Info => WasmLogLevel::Info,
        LogLevel::Warn => WasmLogLevel::Warn,
        LogLevel::Error => WasmLogLevel::Error,
        LogLevel::Critical => WasmLogLevel::Critical,
    }
}

impl Host for WasmHost {
    fn now_ms(&self) -> u64 {
        if let Some(t) = self.now.get() {
            return t;
        }
        let t = hostcalls::get_current_time()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.now.set(Some(t));
        t
    }

    fn shared_get(&self, key: &str) -> Option<(Vec<u8>, u32)> {
        match hostcalls::get_shared_data(key) {
            Ok((Some(v), Some(cas))) => Some((v, cas)),
            _ => None,
        }
    }

    fn shared_set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), SharedDataError> {
        match hostcalls::set_shared_data(key, Some(value), cas) {
            Ok(()) => Ok(()),
            Err(Status::CasMismatch) => Err(SharedDataError::CasMismatch),
            Err(_) => Err(SharedDataError::Failed),
        }
    }

    fn count(&self, metric: Metric, delta: u64) {
        if let Some(Some(id)) = self.metrics.get(metric.index()) {
            self.add(*id, delta);
        }
    }

    fn count_named(&self, name: &str, delta: u64) {
        if let Some(id) = self.named_id(name) {
            self.add(id, delta);
        }
    }

    fn log(&self, level: LogLevel, message: &str) {
        let _ = hostcalls::log(wasm_level(level), message);
    }

    fn audit(&self, record: &str) {
        let _ = hostcalls::log(WasmLogLevel::Info, &format!("{}{record}", crate::audit::LOG_PREFIX));
    }

    fn set_filter_state(&self, key: &str, value: &str) {
        let _ = hostcalls::set_property(vec![key], Some(value.as_bytes()));
    }

    fn peer_address(&self) -> Option<std::net::IpAddr> {
        peer_address()
    }
}

#[link(wasm_import_module = "env")]
extern "C" {
    /// The proxy-wasm ABI call behind the SDK's `get_map_bytes` (map type, out pointer, out size;
    /// returns a status, 0 for Ok).
    fn proxy_get_header_map_pairs(map_type: u32, return_map_data: *mut *mut u8, return_map_size: *mut usize) -> u32;
    /// Replaces a whole header map with a serialized one (map type, data, size; status).
    fn proxy_set_header_map_pairs(map_type: u32, map_data: *const u8, map_size: usize) -> u32;
}

/// A header map as the host serializes it, in the buffer the host filled: read in place by
/// `Request::from_serialized_headers` instead of being copied into a `String` and a `Vec` per
/// header as the SDK's `get_map_bytes` does (which also panics on a status it does not expect and
/// on a header name that is not UTF-8, where this returns an error or repairs).
fn serialized_map(map: MapType) -> Result<Vec<u8>, ()> {
    let mut data: *mut u8 = std::ptr::null_mut();
    let mut size: usize = 0;
    // SAFETY: the host stores in `data` a buffer of `size` bytes that it obtained from this
    // module's `proxy_on_memory_allocate` (the SDK's: a boxed slice of exactly `size` bytes);
    // ownership passes to us, as in the SDK's own `get_map_bytes`.
    let status = unsafe { proxy_get_header_map_pairs(map as u32, &mut data, &mut size) };
    if status != 0 {
        return Err(());
    }
    if data.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: see above: `data` points to `size` initialised bytes allocated with capacity `size`.
    Ok(unsafe { Vec::from_raw_parts(data, size, size) })
}

/// The connection's peer (Envoy `source.address`).
fn peer_address() -> Option<std::net::IpAddr> {
    hostcalls::get_property(vec!["source", "address"]).ok().flatten().and_then(|b| crate::ip::parse_socket_address(&b))
}

/// The status and body of the answer to an outgoing call (`None`: no readable status).
fn call_answer(body_size: usize) -> (Option<u16>, Vec<u8>) {
    let status = serialized_map(MapType::HttpCallResponseHeaders)
        .ok()
        .and_then(|b| Request::from_serialized_headers(b).ok())
        .and_then(|h| h.header(":status").and_then(|v| std::str::from_utf8(v).ok()?.parse::<u16>().ok()));
    let body = hostcalls::get_buffer(BufferType::HttpCallResponseBody, 0, body_size).ok().flatten().unwrap_or_default();
    (status, body)
}

#[derive(Default)]
struct PalisadeRoot {
    policy: Option<Rc<Policy>>,
    host: Option<Rc<WasmHost>>,
    /// Remote JWKS sets this worker has loaded.
    loaded: Loaded,
    /// JWKS fetches in flight: call token → provider index.
    pending: HashMap<u32, usize>,
}

impl Context for PalisadeRoot {
    fn on_http_call_response(&mut self, token_id: u32, _num_headers: usize, body_size: usize, _num_trailers: usize) {
        let (Some(policy), Some(host)) = (&self.policy, &self.host) else { return };
        host.new_callback();
        let Some(provider) = self.pending.remove(&token_id) else { return };
        let (status, body) = call_answer(body_size);
        match jwks_refresh::on_fetched(&policy.auth.providers, &mut self.loaded, provider, status, &body, host.as_ref())
        {
            Ok(line) => host.log(LogLevel::Info, &line),
            Err(line) => host.log(LogLevel::Warn, &line),
        }
    }
}

impl RootContext for PalisadeRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes =
            hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX).ok().flatten().unwrap_or_default();
        match Policy::from_json(&bytes) {
            Ok(policy) => {
                let host = Rc::clone(self.host.get_or_insert_with(|| Rc::new(WasmHost::define())));
                for name in policy.named_metrics() {
                    host.named_id(&name);
                }
                host.new_callback();
                policy.prime(host.as_ref());
                // The tick flushes counters and, with remote JWKS, fetches them (fetches cannot
                // start during configuration: the first tick does it).
                let _ = hostcalls::set_tick_period(std::time::Duration::from_millis(TICK_MS));
                self.loaded = Loaded::default();
                self.policy = Some(Rc::new(policy));
                let _ = hostcalls::log(WasmLogLevel::Info, "palisade: configuration loaded");
                true
            }
            Err(errors) => {
                let _ = hostcalls::log(
                    WasmLogLevel::Critical,
                    &format!("palisade: configuration rejected, {} error(s):", errors.len()),
                );
                for e in &errors {
                    let _ = hostcalls::log(WasmLogLevel::Critical, &format!("palisade: config error: {e}"));
                }
                false
            }
        }
    }

    fn on_tick(&mut self) {
        let (Some(policy), Some(host)) = (&self.policy, &self.host) else { return };
        host.new_callback();
        host.flush();
        for f in jwks_refresh::on_tick(&policy.auth.providers, &mut self.loaded, host.as_ref()) {
            let headers = vec![
                (":method", "GET"),
                (":path", f.path.as_str()),
                (":authority", f.authority.as_str()),
                ("accept", "application/json"),
            ];
            match hostcalls::dispatch_http_call(
                &f.cluster,
                headers,
                None,
                vec![],
                std::time::Duration::from_millis(f.timeout_ms),
            ) {
                Ok(token) => {
                    self.pending.insert(token, f.provider);
                }
                Err(status) => host.log(
                    LogLevel::Warn,
                    &format!(
                        "palisade: JWKS fetch to cluster {} could not start ({status:?}); retrying later",
                        f.cluster
                    ),
                ),
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        match (&self.policy, &self.host) {
            (Some(policy), Some(host)) => Some(Box::new(PalisadeHttp {
                policy: Rc::clone(policy),
                host: Rc::clone(host),
                exchange: None,
                body_seen: 0,
                body_done: false,
            })),
            _ => None,
        }
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct PalisadeHttp {
    policy: Rc<Policy>,
    host: Rc<WasmHost>,
    exchange: Option<Exchange>,
    /// Body bytes already counted (while held, Envoy reports the whole buffered size).
    body_seen: usize,
    /// The whole body has arrived (seen while waiting for a call).
    body_done: bool,
}

impl PalisadeHttp {
    fn read_request(&self) -> Result<Request, ()> {
        let mut req = Request::from_serialized_headers(serialized_map(MapType::HttpRequestHeaders)?).map_err(|_| ())?;
        // The peer costs a host call: read now only if a decision may need it.
        if self.policy.peer_only_for_denials {
            req.peer_deferred = true;
        } else {
            req.peer = peer_address();
        }
        // The connection's own TLS state when a policy requires TLS; otherwise `:scheme` (set by
        // Envoy from the connection) is enough for what remains (HSTS) and saves a host call.
        req.tls = if self.policy.needs_connection_tls {
            matches!(hostcalls::get_property(vec!["connection", "tls_version"]), Ok(Some(v)) if !v.is_empty())
        } else {
            req.header(":scheme") == Some(b"https".as_slice())
        };
        if req.id.is_empty() {
            if let Ok(Some(id)) = hostcalls::get_property(vec!["request", "id"]) {
                req.id = String::from_utf8_lossy(&id).into_owned();
            }
        }
        Ok(req)
    }

    fn send(&self, response: &LocalResponse) -> Action {
        let headers: Vec<(&str, &str)> = response.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        if hostcalls::send_http_response(u32::from(response.status), headers, Some(&response.body)).is_err() {
            let _ = hostcalls::reset_http_request();
        }
        Action::Pause
    }

    fn apply_request_changes(&self) {
        if let Some(ex) = &self.exchange {
            for (name, value) in &ex.request_changes {
                let _ = hostcalls::set_map_value_bytes(
                    MapType::HttpRequestHeaders,
                    name,
                    value.as_deref().map(str::as_bytes),
                );
            }
        }
    }

    /// Fail closed: a body that cannot be read is not let through unchecked.
    fn unreadable_body(&mut self) -> Action {
        let Some(ex) = self.exchange.as_ref() else { return Action::Continue };
        let d = Denial::new(Reason::InternalError, "the request body could not be read");
        self.host.count(Metric::Denied, 1);
        self.host.count(Metric::DeniedBy(Reason::InternalError), 1);
        let response = LocalResponse::from_denial(&d, &ex.request_id, &[]);
        self.send(&response)
    }

    fn act(&mut self, verdict: Verdict) -> Action {
        match verdict {
            Verdict::Call(call) => {
                let headers: Vec<(&str, &str)> = call.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                match hostcalls::dispatch_http_call(
                    &call.cluster,
                    headers,
                    Some(&call.body),
                    vec![],
                    std::time::Duration::from_millis(call.timeout_ms),
                ) {
                    Ok(_) => Action::Pause,
                    Err(_) => {
                        // The call could not start (unknown cluster...): as if it did not answer.
                        let policy = Rc::clone(&self.policy);
                        let host = Rc::clone(&self.host);
                        let Some(ex) = self.exchange.as_mut() else { return Action::Continue };
                        let verdict = engine::on_call_response(&policy, ex, None, b"", host.as_ref());
                        self.after_call(verdict, false)
                    }
                }
            }
            Verdict::Continue => Action::Continue,
            // Needs `allow_on_headers_stop_iteration: true` in the plugin configuration so that
            // Envoy still delivers the body while the headers are held.
            Verdict::Hold => Action::Pause,
            Verdict::Deny(response) => self.send(&response),
        }
    }
}

impl PalisadeHttp {
    /// Goes on after a call answered: `resume` when the request was paused waiting for it.
    fn after_call(&mut self, verdict: Verdict, resume: bool) -> Action {
        let policy = Rc::clone(&self.policy);
        let host = Rc::clone(&self.host);
        if matches!(verdict, Verdict::Deny(_)) {
            return self.act(verdict);
        }
        self.apply_request_changes();
        let Some(ex) = self.exchange.as_mut() else { return Action::Continue };
        // Count the body that arrived while waiting.
        let mut verdict = verdict;
        if self.body_seen > 0 {
            let held = verdict == Verdict::Hold;
            let v = engine::on_request_body(&policy, ex, self.body_seen, self.body_done && !held, host.as_ref());
            if v != Verdict::Continue {
                return self.act(v);
            }
            if !held {
                self.body_seen = 0;
            }
        }
        if verdict == Verdict::Hold && self.body_done {
            let limit = ex.hold_limit.unwrap_or(usize::MAX);
            let take = self.body_seen.min(limit);
            let body = hostcalls::get_buffer(BufferType::HttpRequestBody, 0, take).ok().flatten().unwrap_or_default();
            let complete = self.body_seen <= limit;
            verdict = engine::on_held_body(&policy, ex, &body, complete, host.as_ref());
            if verdict == Verdict::Continue && !complete {
                verdict = engine::on_request_body(&policy, ex, 0, true, host.as_ref());
            }
            if matches!(verdict, Verdict::Deny(_)) {
                return self.act(verdict);
            }
        }
        if verdict == Verdict::Hold {
            // The rest of the body comes through on_http_request_body, which lets it go.
            return Action::Pause;
        }
        if resume {
            let _ = hostcalls::resume_http_request();
        }
        Action::Continue
    }
}

impl Context for PalisadeHttp {
    fn on_http_call_response(&mut self, _token_id: u32, _num_headers: usize, body_size: usize, _num_trailers: usize) {
        self.host.new_callback();
        let policy = Rc::clone(&self.policy);
        let host = Rc::clone(&self.host);
        let (status, body) = call_answer(body_size);
        let Some(ex) = self.exchange.as_mut() else { return };
        let verdict = engine::on_call_response(&policy, ex, status, &body, host.as_ref());
        self.after_call(verdict, true);
    }
}

impl HttpContext for PalisadeHttp {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        self.host.new_callback();
        let req = match self.read_request() {
            Ok(r) => r,
            Err(_) => {
                // Fail closed: a request we cannot read is not let through.
                self.host.count(Metric::Denied, 1);
                self.host.count(Metric::DeniedBy(Reason::InternalError), 1);
                let d = Denial::new(Reason::InternalError, "the request could not be read");
                return self.send(&LocalResponse::from_denial(&d, "", &[]));
            }
        };
        let (exchange, verdict) = engine::on_request_headers(&self.policy, &req, end_of_stream, self.host.as_ref());
        self.body_done = end_of_stream;
        self.exchange = Some(exchange);
        if !matches!(verdict, Verdict::Deny(_)) {
            self.apply_request_changes();
        }
        self.act(verdict)
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.host.new_callback();
        let policy = Rc::clone(&self.policy);
        let host = Rc::clone(&self.host);
        let Some(ex) = self.exchange.as_mut() else {
            return Action::Continue;
        };
        if ex.pending.is_some() {
            // Waiting for a call: Envoy buffers; count when it answers.
            self.body_seen = body_size;
            self.body_done = end_of_stream;
            return Action::Pause;
        }
        let Some(limit) = ex.hold_limit else {
            // Streaming: each call reports the new chunk.
            let verdict = engine::on_request_body(&policy, ex, body_size, end_of_stream, host.as_ref());
            return self.act(verdict);
        };
        // Held: Envoy buffers and reports the whole buffered size each time.
        let delta = body_size.saturating_sub(self.body_seen);
        self.body_seen = body_size;
        let verdict = engine::on_request_body(&policy, ex, delta, false, host.as_ref());
        if verdict != Verdict::Continue {
            return self.act(verdict);
        }
        if ex.peek {
            // Declared binary: its first bytes decide whether it is held as JSON or released.
            let n = body_size.min(limit).min(engine::PEEK_WINDOW);
            let prefix = match hostcalls::get_buffer(BufferType::HttpRequestBody, 0, n) {
                Ok(b) => b.unwrap_or_default(),
                Err(_) => return self.unreadable_body(),
            };
            let last = end_of_stream || body_size >= limit;
            let Some(ex) = self.exchange.as_mut() else { return Action::Continue };
            match engine::peek_body(ex, &prefix, last) {
                engine::Peeked::More => return Action::Pause,
                engine::Peeked::Release => {
                    let verdict = if end_of_stream {
                        engine::on_request_body(&policy, ex, 0, true, host.as_ref())
                    } else {
                        Verdict::Continue
                    };
                    return self.act(verdict);
                }
                engine::Peeked::Inspect => {}
            }
        }
        if !end_of_stream && body_size < limit {
            return Action::Pause;
        }
        let take = body_size.min(limit);
        let body = match hostcalls::get_buffer(BufferType::HttpRequestBody, 0, take) {
            Ok(b) => b.unwrap_or_default(),
            Err(_) => return self.unreadable_body(),
        };
        let Some(ex) = self.exchange.as_mut() else { return Action::Continue };
        let complete = end_of_stream && body_size <= limit;
        let mut verdict = engine::on_held_body(&policy, ex, &body, complete, host.as_ref());
        if verdict == Verdict::Continue && end_of_stream && !complete {
            verdict = engine::on_request_body(&policy, ex, 0, true, host.as_ref());
        }
        self.act(verdict)
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let Some(ex) = self.exchange.as_ref() else {
            return Action::Continue;
        };
        let rules = engine::response_headers(&self.policy, ex);
        let sets: Vec<&(String, String)> = rules.to_set(ex.tls).chain(ex.response_extra.iter()).collect();
        if rules.remove.len() + sets.len() < 3 {
            for name in &rules.remove {
                let _ = hostcalls::set_map_value_bytes(MapType::HttpResponseHeaders, name, None);
            }
            for (name, value) in sets {
                let _ = hostcalls::set_map_value_bytes(MapType::HttpResponseHeaders, name, Some(value.as_bytes()));
            }
            return Action::Continue;
        }
        // Many changes: one read and one write of the whole map instead of a host call each,
        // in the host's serialized form (no copy per header).
        let Some(current) =
            serialized_map(MapType::HttpResponseHeaders).ok().and_then(|b| Request::from_serialized_headers(b).ok())
        else {
            return Action::Continue;
        };
        let kept = current
            .headers()
            .filter(|(n, _)| !rules.remove.iter().any(|r| r == n) && !sets.iter().any(|(s, _)| s == n));
        let out = crate::request::serialize_headers(kept.chain(sets.iter().map(|(n, v)| (n.as_str(), v.as_bytes()))));
        // SAFETY: `out` is a valid serialized map of `out.len()` bytes, read by the host during the call.
        let _ = unsafe { proxy_set_header_map_pairs(MapType::HttpResponseHeaders as u32, out.as_ptr(), out.len()) };
        Action::Continue
    }

    fn on_log(&mut self) {
        self.host.new_callback();
        if let Some(ex) = self.exchange.as_mut() {
            engine::on_complete(&self.policy, ex, self.host.as_ref());
        }
    }
}

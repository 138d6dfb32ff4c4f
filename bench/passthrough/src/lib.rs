//! The smallest HTTP filter: one HTTP context per request whose callbacks all continue.
//!
//! With the plugin configuration `{"host_calls": true}` it makes, on request headers, exactly the
//! host calls Palisade's JWT + scope + rate-limit route makes on a cache hit, and nothing else:
//! read the header map, read the clock, read a shared-data value and write it back with
//! compare-and-swap, remove one request header and set another. The difference between the two
//! modes is what those calls cost a filter in Envoy, whatever it computes between them. With
//! `{"host_calls": true, "no_shared_data": true}` it skips the shared-data read and write (what a
//! rate limiter kept per worker, or leased in batches, would save); with `"no_clock": true` as
//! well it also skips reading the clock.

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, BufferType, ContextType, LogLevel, MapType};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { host_calls: false, shared_data: true, clock: true }) });
}}

struct Root {
    host_calls: bool,
    shared_data: bool,
    clock: bool,
}
impl Context for Root {}
impl RootContext for Root {
    fn on_configure(&mut self, size: usize) -> bool {
        let config = hostcalls::get_buffer(BufferType::PluginConfiguration, 0, size).ok().flatten().unwrap_or_default();
        self.host_calls = config.windows(10).any(|w| w == b"host_calls");
        self.shared_data = !config.windows(14).any(|w| w == b"no_shared_data");
        self.clock = !config.windows(8).any(|w| w == b"no_clock");
        true
    }
    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Pass { host_calls: self.host_calls, shared_data: self.shared_data, clock: self.clock }))
    }
    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Pass {
    host_calls: bool,
    shared_data: bool,
    clock: bool,
}
impl Context for Pass {}
impl HttpContext for Pass {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if self.host_calls {
            let headers = hostcalls::get_map_bytes(MapType::HttpRequestHeaders).unwrap_or_default();
            let now = if self.clock { hostcalls::get_current_time().ok() } else { None };
            if self.shared_data {
                let (value, cas) = hostcalls::get_shared_data("bench.bucket").unwrap_or((None, None));
                let mut value = value.unwrap_or_default();
                value.resize(8, 0);
                value[0] = value[0].wrapping_add(headers.len() as u8 ^ u8::from(now.is_some()));
                let _ = hostcalls::set_shared_data("bench.bucket", Some(&value), cas);
            }
            let _ = hostcalls::set_map_value_bytes(MapType::HttpRequestHeaders, "authorization", None);
            let _ = hostcalls::set_map_value_bytes(MapType::HttpRequestHeaders, "x-jwt-sub", Some(b"user-42"));
        }
        Action::Continue
    }
}

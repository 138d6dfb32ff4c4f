//! Palisade: an API-security filter for Envoy and other proxy-wasm hosts.
//!
//! Configuration JSON → `config` (serde types) → `policy::Policy::compile` (validated, immutable)
//! → `engine` per request, through the `host::Host` trait. The proxy-wasm glue (`filter`) is
//! compiled only for wasm32; everything else builds and is tested natively.

pub mod audit;
pub mod auth;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod config;
pub mod denial;
pub mod engine;
pub mod host;
pub mod ip;
pub mod limits;
pub mod metrics;
pub mod policy;
pub mod ratelimit;
pub mod request;
pub mod response_headers;
pub mod route;
pub mod waf;

#[cfg(target_arch = "wasm32")]
mod filter;

pub use policy::Policy;

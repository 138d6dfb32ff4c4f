//! Authentication of requests: JWT (JWS compact) verification against configured providers and
//! API keys configured as SHA-256 digests. Everything here is host-independent and decided from
//! the compiled configuration; no secret or token ever reaches a log, an error text or a metric.

pub mod algorithm;
pub mod api_key;
pub mod base64url;
pub mod cache;
pub mod claims;
pub mod comb;
pub mod ecdsa;
pub mod eddsa;
pub mod error;
pub mod es256;
pub mod es384;
pub mod extract;
pub mod hash;
pub mod hmac;
pub mod introspection;
pub mod jwks;
pub mod jwks_refresh;
pub mod key;
pub mod key_store;
pub mod policy;
pub mod provider;
pub mod rsa;
pub mod shared_tokens;
pub mod timestamp;
pub mod token;
pub mod verified;

pub use algorithm::{Algorithm, AlgorithmSet};
pub use api_key::{ApiKeyConsumer, ApiKeys, ApiKeysConfig};
pub use cache::{TokenCache, TokenCacheConfig};
pub use error::AuthError;
pub use extract::{CredentialLocation, CredentialSource, FoundCredential};
pub use jwks::Jwks;
pub use key_store::KeyStore;
pub use policy::{AuthConfig, Authenticators, Identity, PolicyAuth, PolicyAuthConfig};
pub use provider::{Authenticated, JwtProvider, JwtProviderConfig};
pub use verified::VerifiedToken;

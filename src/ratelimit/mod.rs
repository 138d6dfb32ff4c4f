//! Rate limiting across Envoy workers: rules keyed by client, network, consumer, API key,
//! header, claim or route; exact GCRA state in a fixed-size shared-data table; 429 with
//! `Retry-After` and the IETF RateLimit fields; a penalty box for repeat offenders.
//! Host-independent: time and shared data come only through `Host`; memory never grows with clients.

pub mod batch;
pub mod config;
pub mod decision;
pub mod gcra;
pub mod hash;
pub mod key;
pub mod penalty;
pub mod rule;
pub mod stats;
pub mod store;
pub mod table;

#[cfg(test)]
mod tests;

pub use config::{
    ContentionPolicy, KeyPartConfig, PenaltyBoxConfig, PenaltyThresholds, RateLimitRuleConfig, RateLimitTableConfig,
    RateLimitingConfig, Stage,
};
pub use decision::{RateLimitDecision, RuleState, QUOTA_EXCEEDED_TYPE};
pub use hash::Seed;
pub use key::KeyInputs;
pub use penalty::{Boxed, BoxedUntil, PenaltyBox, PenaltyKey, PenaltyKind, ABNORMAL_USAGE_TYPE};
pub use rule::{RateLimitRule, RateLimitRules};
pub use stats::{ContentionOutcome, DecisionStats, RateLimitMetric};
pub use store::RateLimitStore;

//! Rate-limit rules of one policy, compiled, and the check the engine runs at each stage: every
//! applicable rule must pass, state lives in the shared `RateLimitStore`. A rule whose key cannot
//! be formed for the request does not apply; a denied request consumes no rule's budget.

use super::batch::BatchView;
use super::config::{parse_period, RateLimitRuleConfig, Stage};
use super::config::{ContentionPolicy, KeyPartConfig};
use super::decision::{RateLimitDecision, RuleState};
use super::gcra::{ceil_seconds, ms_to_ns, Gcra, GcraOutcome, MAX_TOLERANCE_NS};
use super::hash::KeyedHasher;
use super::key::{KeyInputs, KeySpec};
use super::stats::ContentionOutcome;
use super::store::{RateLimitStore, Tat};
use super::table::{Change, SlotKey, TableError};
use crate::config::ConfigError;
use crate::host::Host;

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct RateLimitRule {
    /// The rule's name (for headers, audit records, metric names).
    pub name: String,
    /// `{scope}.{name}`: unique across policies; names the rule's metrics.
    pub id: String,
    pub stage: Stage,
    pub limit: u64,
    pub period_s: u64,
    pub burst: u64,
    pub headers_on_allowed: bool,
    /// Requests taken from the shared state at once (1: none kept locally).
    pub batch: u64,
    key: KeySpec,
    gcra: Gcra,
    hasher: KeyedHasher,
    /// Metric names, built once (counted on every request the rule applies to).
    allowed_metric: String,
    limited_metric: String,
}

impl RateLimitRule {
    /// Metric name counting this rule's admitted requests.
    pub fn allowed_metric(&self) -> &str {
        &self.allowed_metric
    }
    /// Metric name counting this rule's refusals.
    pub fn limited_metric(&self) -> &str {
        &self.limited_metric
    }
}

/// The rules of one policy, in configuration order.
#[derive(Debug, Clone, Default)]
pub struct RateLimitRules {
    rules: Vec<RateLimitRule>,
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl RateLimitRules {
    /// Some rule's key includes the client address.
    pub fn uses_client_ip(&self) -> bool {
        self.rules.iter().any(|r| r.key.uses_client_ip())
    }

    /// Compiles a policy's `rate_limits`. `scope` names the policy (letters, digits, `_`, `-`;
    /// it keeps budgets of equal rule names in different policies apart and names metrics);
    /// `path` is the list's JSON path, e.g. `policies.api.rate_limits`.
    pub fn compile(
        scope: &str,
        list: &[RateLimitRuleConfig],
        store: &RateLimitStore,
        path: &str,
        errors: &mut Vec<ConfigError>,
    ) -> RateLimitRules {
        if list.len() > 16 {
            errors.push(ConfigError::new(path, format!("{} rules: a policy has at most 16 rate limits", list.len())));
        }
        let mut rules = Vec::with_capacity(list.len());
        for (i, cfg) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if !valid_name(&cfg.name) {
                errors.push(ConfigError::new(
                    format!("{p}.name"),
                    format!("\"{}\" is not a rule name: use 1 to 64 letters, digits, '_' or '-'", cfg.name),
                ));
            } else if list[..i].iter().any(|other| other.name == cfg.name) {
                errors.push(ConfigError::new(
                    format!("{p}.name"),
                    format!("another rule of this policy is named \"{}\"", cfg.name),
                ));
            }
            if !(1..=1_000_000).contains(&cfg.limit) {
                errors.push(ConfigError::new(
                    format!("{p}.limit"),
                    format!("{}: use 1 to 1000000 requests per period", cfg.limit),
                ));
            }
            if cfg.burst > 1_000_000 {
                errors.push(ConfigError::new(format!("{p}.burst"), format!("{}: use 0 to 1000000", cfg.burst)));
            }
            if !(1..=1000).contains(&cfg.batch) {
                errors.push(ConfigError::new(format!("{p}.batch"), format!("{}: use 1 to 1000", cfg.batch)));
            } else if cfg.batch > 1 && cfg.batch > cfg.limit / 10 {
                errors.push(ConfigError::new(
                    format!("{p}.batch"),
                    format!(
                        "{}: a batch may be at most a tenth of the limit ({}), or 1",
                        cfg.batch,
                        (cfg.limit / 10).max(1)
                    ),
                ));
            }
            let period_s = match parse_period(&cfg.period) {
                Ok(s) => s,
                Err(msg) => {
                    errors.push(ConfigError::new(format!("{p}.period"), msg));
                    1
                }
            };
            let default_key = match cfg.stage {
                Stage::BeforeAuth => vec![KeyPartConfig::ClientIp],
                Stage::AfterAuth => vec![KeyPartConfig::Consumer],
            };
            let key =
                KeySpec::compile(cfg.key.as_deref().unwrap_or(&default_key), cfg.stage, &format!("{p}.key"), errors);
            let gcra = Gcra::new(cfg.limit.clamp(1, 1_000_000), period_s, cfg.burst.min(1_000_000));
            if gcra.tolerance_ns() > MAX_TOLERANCE_NS {
                errors.push(ConfigError::new(
                    format!("{p}.burst"),
                    "limit + burst spans more than a year at this rate: lower the burst or shorten the period",
                ));
            }
            let id = format!("{scope}.{}", cfg.name);
            rules.push(RateLimitRule {
                name: cfg.name.clone(),
                hasher: store.table.scoped_hasher(id.as_bytes()),
                allowed_metric: format!("palisade.ratelimit.{id}.allowed"),
                limited_metric: format!("palisade.ratelimit.{id}.limited"),
                id,
                stage: cfg.stage,
                limit: cfg.limit,
                period_s,
                burst: cfg.burst,
                headers_on_allowed: cfg.headers_on_allowed,
                batch: cfg.batch.clamp(1, 1000),
                key,
                gcra,
            });
        }
        RateLimitRules { rules }
    }

    pub fn rules(&self) -> &[RateLimitRule] {
        &self.rules
    }

    /// Whether any rule is checked at `stage` (the engine may skip building inputs otherwise).
    pub fn has_stage(&self, stage: Stage) -> bool {
        self.rules.iter().any(|r| r.stage == stage)
    }

    /// Checks the rules of `stage` for one request, updating shared state.
    ///
    /// With one applicable rule: one compare-and-swap update. With several: every rule is read
    /// first and nothing is written if any refuses (a refused request consumes no budget);
    /// otherwise each is updated in order, and a rule found exhausted by then (a race with
    /// another worker) refuses the request, the rules before it keeping the consumed unit.
    /// A rule with `batch` > 1 whose key has a live batch on this worker admits from it without
    /// touching shared data; its updates take up to `batch` requests at once (`batch.rs`).
    pub fn check<'r>(
        &'r self,
        stage: Stage,
        inputs: &KeyInputs<'_>,
        store: &RateLimitStore,
        host: &dyn Host,
    ) -> RateLimitDecision<'r> {
        let now = ms_to_ns(host.now_ms());
        let mut decision = RateLimitDecision::allowed();
        let mut key = Vec::with_capacity(64);
        // Each applicable rule, where its key lives, and the local batch covering it, if any.
        let mut applicable: Vec<(&RateLimitRule, SlotKey, Option<BatchView>)> = Vec::new();
        for rule in self.rules.iter().filter(|r| r.stage == stage) {
            if rule.key.write_key(inputs, &mut key) {
                let slot = store.table.locate(&rule.hasher, &key);
                let batch = if rule.batch > 1 { store.batches.peek(slot, now) } else { None };
                applicable.push((rule, slot, batch));
            }
        }
        if applicable.is_empty() {
            return decision;
        }
        if applicable.len() > 1 {
            let mut refused = false;
            let mut states = Vec::with_capacity(applicable.len());
            for (rule, slot, batch) in &applicable {
                if let Some(b) = batch {
                    states.push(RuleState::admitted(rule, b.remaining, b.reset_ns));
                    continue;
                }
                let tat = store.table.read(host, *slot, now).map(|t| t.0);
                let state = match rule.gcra.decide(tat, now) {
                    GcraOutcome::Admit { .. } => RuleState::current(rule, rule.gcra.remaining(tat, now), tat, now),
                    GcraOutcome::Deny { retry_after_ns, reset_ns } => {
                        refused = true;
                        RuleState::limited(rule, retry_after_ns, reset_ns)
                    }
                };
                states.push(state);
            }
            if refused {
                decision.states = states;
                decision.finish();
                return decision;
            }
        }
        for (rule, slot, batch) in applicable {
            if batch.is_some() {
                if let Some(b) = store.batches.take(slot, now) {
                    decision.stats.batch_admissions += 1;
                    decision.states.push(RuleState::admitted(rule, b.remaining, b.reset_ns));
                    continue;
                }
            }
            let mut granted = 1;
            let updated = store.table.update(host, slot, now, |record| {
                let (outcome, n) = rule.gcra.decide_up_to(record.map(|t| t.0), now, rule.batch);
                granted = n;
                match outcome {
                    GcraOutcome::Admit { new_tat, .. } => Change::Write(Tat(new_tat), outcome),
                    GcraOutcome::Deny { .. } => Change::Keep(outcome),
                }
            });
            decision.stats.cas_retries += updated.cas_retries;
            decision.stats.evictions += u32::from(updated.evicted);
            match updated.outcome {
                Ok(GcraOutcome::Admit { remaining, reset_ns, .. }) => {
                    // This request takes the first of the `granted`; the worker keeps the rest.
                    if granted > 1 {
                        store.batches.keep(slot, now, granted - 1, remaining, reset_ns);
                    }
                    decision.states.push(RuleState::admitted(rule, remaining + (granted - 1), reset_ns));
                }
                Ok(GcraOutcome::Deny { retry_after_ns, reset_ns }) => {
                    decision.states.push(RuleState::limited(rule, retry_after_ns, reset_ns));
                    break;
                }
                Err(error) => {
                    if error == TableError::HostFailed {
                        decision.stats.host_failures += 1;
                    }
                    match store.on_contention {
                        ContentionPolicy::Deny => {
                            decision.stats.contention = Some(ContentionOutcome::Denied);
                            decision.states.push(RuleState::contended(rule, 1_000_000_000));
                            break;
                        }
                        ContentionPolicy::Allow => {
                            decision.stats.contention = Some(ContentionOutcome::Allowed);
                        }
                    }
                }
            }
        }
        decision.finish();
        decision
    }
}

/// `ceil_seconds` re-exported for the decision's fields.
pub(crate) fn seconds(ns: u64) -> u64 {
    ceil_seconds(ns)
}

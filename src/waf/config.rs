//! The WAF settings of one policy as users write them (`policies.<name>.waf`), with defaults.
//! Only describes the JSON; validation and compilation happen in `Waf::compile`, which reports
//! every mistake with its JSON path. A policy without `waf` has no WAF; `{}` enables it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether a request over the threshold is denied or only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum WafMode {
    /// Deny requests whose anomaly score reaches the threshold.
    #[default]
    Block,
    /// Score and record, never deny.
    DetectOnly,
}

/// What happens when a request has more to inspect than the budget allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum OverBudget {
    /// The request scores `threshold` points (rule 1990): it is denied in block mode.
    #[default]
    Deny,
    /// Only the part within the budget is inspected; the outcome says it is incomplete.
    InspectPrefix,
}

/// Signature detection with anomaly scoring.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WafConfig {
    /// `false` turns the WAF off for this policy while keeping its settings.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `block` (default) or `detect_only`.
    #[serde(default)]
    pub mode: WafMode,
    /// 1 (default, fewest false positives) to 4 (most rules).
    #[serde(default = "default_paranoia")]
    pub paranoia_level: u8,
    /// A request whose total score reaches this is denied (default 5).
    #[serde(default = "default_threshold")]
    pub threshold: u32,
    /// Rule ids that never run.
    #[serde(default)]
    pub disabled_rules: Vec<u32>,
    /// Rule tags (e.g. `sqli`, `attack-rce`, `libinjection`) whose rules never run.
    #[serde(default)]
    pub disabled_tags: Vec<String>,
    /// Targets that some rules do not look at.
    #[serde(default)]
    pub exclusions: Vec<ExclusionConfig>,
    /// The operator's own rules.
    #[serde(default)]
    pub custom_rules: Vec<CustomRuleConfig>,
    /// Request headers whose values are inspected like arguments. `*` (the default) means every
    /// header except those with a fixed grammar (Accept*, Content-Length, Authorization, …).
    #[serde(default = "default_headers")]
    pub headers: Vec<String>,
    /// Methods that are accepted; any other scores as protocol abuse.
    #[serde(default = "default_methods")]
    pub allowed_methods: Vec<String>,
    /// Media types accepted besides the built-in list (see docs/waf.md), e.g.
    /// `application/hl7-v2`, or `application/*` for every subtype of a type; a request whose
    /// `Content-Type` is in neither scores as protocol abuse (rule 1010).
    #[serde(default)]
    pub allowed_content_types: Vec<String>,
    /// Bounds on the work done per request.
    #[serde(default)]
    pub budget: BudgetConfig,
    /// Memory (MiB, 16–2048, default 256) that the WAF's automata may hold in each worker, all
    /// of them together: the states of their lazy DFAs, built as traffic needs them. When they
    /// hold more, the largest are dropped and built again as values need them (metric
    /// `palisade.waf.automata_cache_trims`). Per policy with a WAF.
    #[serde(default = "default_automata_memory_mib")]
    pub automata_memory_mib: u32,
}

impl Default for WafConfig {
    fn default() -> Self {
        WafConfig {
            enabled: true,
            mode: WafMode::Block,
            paranoia_level: default_paranoia(),
            threshold: default_threshold(),
            disabled_rules: Vec::new(),
            disabled_tags: Vec::new(),
            exclusions: Vec::new(),
            custom_rules: Vec::new(),
            headers: default_headers(),
            allowed_methods: default_methods(),
            allowed_content_types: Vec::new(),
            budget: BudgetConfig::default(),
            automata_memory_mib: default_automata_memory_mib(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_paranoia() -> u8 {
    1
}
fn default_threshold() -> u32 {
    5
}
fn default_automata_memory_mib() -> u32 {
    384
}
fn default_headers() -> Vec<String> {
    vec!["*".to_string()]
}
fn default_methods() -> Vec<String> {
    ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"].iter().map(|s| s.to_string()).collect()
}

/// A target some rules skip, e.g. `{"rules": [4100], "target": "json:$.comment"}`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionConfig {
    /// Target name as in match reports: `args:q`, `json:$.user.bio`, `cookie:sid`,
    /// `header:referer`, `path`, `body`. `*` matches any run of characters (`cookie:*`,
    /// `json:$.items[*].note`).
    pub target: String,
    /// Rule ids the exclusion applies to; with neither `rules` nor `tags`, every rule.
    #[serde(default)]
    pub rules: Vec<u32>,
    /// Rule tags the exclusion applies to.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// How a custom rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// A regular expression (linear-time engine: no back-references or look-around).
    Regex,
    Contains,
    Equals,
    StartsWith,
}

/// An operator-written rule.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomRuleConfig {
    /// Stable id, 100000–199999 (the range reserved for custom rules).
    pub id: u32,
    /// Targets: `args`, `arg_names`, `path`, `uri`, `headers`, `cookies`, `body`, `files`, or a
    /// target name with `*` wildcards (`header:x-api-version`, `json:$.query`).
    pub targets: Vec<String>,
    pub operator: Operator,
    pub pattern: String,
    /// Applied in order before comparing: `url_decode`, `html_entity_decode`, `js_decode`,
    /// `css_decode`, `fold_unicode`, `remove_nul`, `lowercase`, `compress_whitespace`,
    /// `sql_fold`, `path_normalize`, `shell_fold`.
    #[serde(default)]
    pub transformations: Vec<String>,
    /// Points added when it matches (default 5).
    #[serde(default = "default_threshold")]
    pub score: u32,
    /// Paranoia level from which it runs (default 1).
    #[serde(default = "default_paranoia")]
    pub paranoia_level: u8,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Per-request inspection bounds.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    /// Values (arguments, JSON leaves, keys, cookies, headers) inspected per request (default
    /// 65536: a 1 MiB JSON document of short fields stays within it; `max_bytes` bounds the work).
    #[serde(default = "default_max_values")]
    pub max_values: u32,
    /// Bytes of values inspected per request (after extraction, before normalisation).
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u32,
    /// Nesting depth of JSON and XML bodies that is walked.
    #[serde(default = "default_max_depth")]
    pub max_depth: u32,
    /// `deny` (default) or `inspect_prefix`.
    #[serde(default)]
    pub over_budget: OverBudget,
}

fn default_max_values() -> u32 {
    65536
}
fn default_max_bytes() -> u32 {
    1 << 20
}
fn default_max_depth() -> u32 {
    32
}

impl Default for BudgetConfig {
    fn default() -> Self {
        BudgetConfig {
            max_values: default_max_values(),
            max_bytes: default_max_bytes(),
            max_depth: default_max_depth(),
            over_budget: OverBudget::Deny,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_object_enables_paranoia_one_with_threshold_five_in_block_mode() {
        let c: WafConfig = serde_json::from_str("{}").unwrap_or_default();
        assert!(c.enabled);
        assert_eq!((c.paranoia_level, c.threshold, c.mode), (1, 5, WafMode::Block));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_str::<WafConfig>(r#"{"paranoia": 2}"#).is_err());
    }
}

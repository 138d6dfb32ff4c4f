//! The metrics Palisade reports. Names are fixed at compile time (a closed enum), so metric
//! cardinality is bounded and no name is ever built from request data. The only other metric
//! names are per configured rule (`Host::count_named`), derived from the configuration alone.

use crate::denial::Reason;
use crate::ratelimit::RateLimitMetric;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Requests let through (including would-be denials in monitor mode).
    Allowed,
    /// Requests denied.
    Denied,
    /// Would-be denials let through because of monitor mode.
    Monitored,
    /// Requests denied, by reason.
    DeniedBy(Reason),
    /// Would-be denials in monitor mode, by reason.
    MonitoredBy(Reason),
    /// Rate-limit table and penalty-box counters.
    RateLimit(RateLimitMetric),
    /// WAF automata caches dropped to keep within `waf.automata_memory_mib`.
    WafAutomataTrims,
    /// Requests whose score reached the threshold of a `detect_only` WAF (let through).
    WafDetected,
}

impl Metric {
    /// The metric's name as Envoy shows it under `wasmcustom.` (Prometheus: `palisade_…`
    /// after Envoy's own renaming).
    pub fn name(self) -> String {
        match self {
            Metric::Allowed => "palisade.requests.allowed".to_string(),
            Metric::Denied => "palisade.requests.denied".to_string(),
            Metric::Monitored => "palisade.requests.monitored".to_string(),
            Metric::DeniedBy(r) => format!("palisade.denied.{}", r.code()),
            Metric::MonitoredBy(r) => format!("palisade.monitored.{}", r.code()),
            Metric::RateLimit(m) => m.name().to_string(),
            Metric::WafAutomataTrims => "palisade.waf.automata_cache_trims".to_string(),
            Metric::WafDetected => "palisade.waf.detected".to_string(),
        }
    }

    /// Every metric, so that hosts can define them all up front (they show as 0 until used).
    /// How many metrics there are: `index` is below this.
    pub const COUNT: usize = 3 + 2 * Reason::ALL.len() + RateLimitMetric::ALL.len() + 2;

    /// A dense number for each metric, below `COUNT` (a table index for hosts).
    pub fn index(self) -> usize {
        match self {
            Metric::Allowed => 0,
            Metric::Denied => 1,
            Metric::Monitored => 2,
            Metric::DeniedBy(r) => 3 + 2 * r as usize,
            Metric::MonitoredBy(r) => 4 + 2 * r as usize,
            Metric::RateLimit(m) => 3 + 2 * Reason::ALL.len() + m as usize,
            Metric::WafAutomataTrims => 3 + 2 * Reason::ALL.len() + RateLimitMetric::ALL.len(),
            Metric::WafDetected => 4 + 2 * Reason::ALL.len() + RateLimitMetric::ALL.len(),
        }
    }

    pub fn all() -> Vec<Metric> {
        let mut out = vec![Metric::Allowed, Metric::Denied, Metric::Monitored];
        for r in Reason::ALL {
            out.push(Metric::DeniedBy(r));
            out.push(Metric::MonitoredBy(r));
        }
        out.extend(RateLimitMetric::ALL.iter().map(|m| Metric::RateLimit(*m)));
        out.push(Metric::WafAutomataTrims);
        out.push(Metric::WafDetected);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_its_own_index_below_the_count() {
        let all = Metric::all();
        assert_eq!(all.len(), Metric::COUNT);
        let mut seen = [false; Metric::COUNT];
        for m in all {
            assert!(m.index() < Metric::COUNT, "{m:?}");
            assert!(!seen[m.index()], "{m:?} shares its index");
            seen[m.index()] = true;
        }
    }
}

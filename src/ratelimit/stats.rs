//! What one rate-limit or penalty-box decision cost and met, for metrics: compare-and-swap
//! retries, evictions, contention outcomes. Plain counters returned to the caller; metric names
//! come from configuration only, never from request data.

/// What happened when the shared table could not be updated in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentionOutcome {
    /// `on_contention: deny`: the request was refused with 429.
    Denied,
    /// `on_contention: allow`: the request went through uncounted.
    Allowed,
}

/// Counters of one decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionStats {
    /// Compare-and-swap attempts lost to another worker (each was retried).
    pub cas_retries: u32,
    /// Live records of other keys evicted to make room (each gave that key a fresh budget).
    pub evictions: u32,
    /// Set when attempts ran out (or the host refused a write) for some rule.
    pub contention: Option<ContentionOutcome>,
    /// Writes the host refused (not a lost race).
    pub host_failures: u32,
    /// Rules that admitted the request from this worker's batch, without shared data.
    pub batch_admissions: u32,
}

impl DecisionStats {
    pub fn add(&mut self, other: &DecisionStats) {
        self.cas_retries += other.cas_retries;
        self.evictions += other.evictions;
        self.host_failures += other.host_failures;
        self.batch_admissions += other.batch_admissions;
        if other.contention.is_some() {
            self.contention = other.contention;
        }
    }
}

/// The metrics of rate limiting, as Envoy counters under `wasmcustom.` (no labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateLimitMetric {
    /// Compare-and-swap retries (`palisade.ratelimit.cas_retries`).
    CasRetries,
    /// Evictions of live records (`palisade.ratelimit.evictions`).
    Evictions,
    /// Requests denied because the table was contended (`palisade.ratelimit.contention_denied`).
    ContentionDenied,
    /// Requests let through uncounted because of contention (`palisade.ratelimit.contention_allowed`).
    ContentionAllowed,
    /// Shared-data writes the host refused (`palisade.ratelimit.host_failures`).
    HostFailures,
    /// Clients put in the penalty box (`palisade.penalty.boxed`).
    ClientsBoxed,
    /// Requests refused because their client was boxed (`palisade.penalty.denied`).
    PenaltyDenied,
    /// Penalty-box evictions (`palisade.penalty.evictions`).
    PenaltyEvictions,
    /// Rule checks admitted from a worker's batch without shared data
    /// (`palisade.ratelimit.batch_admissions`).
    BatchAdmissions,
}

impl RateLimitMetric {
    pub const ALL: [RateLimitMetric; 9] = [
        RateLimitMetric::CasRetries,
        RateLimitMetric::Evictions,
        RateLimitMetric::ContentionDenied,
        RateLimitMetric::ContentionAllowed,
        RateLimitMetric::HostFailures,
        RateLimitMetric::ClientsBoxed,
        RateLimitMetric::PenaltyDenied,
        RateLimitMetric::PenaltyEvictions,
        RateLimitMetric::BatchAdmissions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RateLimitMetric::CasRetries => "palisade.ratelimit.cas_retries",
            RateLimitMetric::Evictions => "palisade.ratelimit.evictions",
            RateLimitMetric::ContentionDenied => "palisade.ratelimit.contention_denied",
            RateLimitMetric::ContentionAllowed => "palisade.ratelimit.contention_allowed",
            RateLimitMetric::HostFailures => "palisade.ratelimit.host_failures",
            RateLimitMetric::ClientsBoxed => "palisade.penalty.boxed",
            RateLimitMetric::PenaltyDenied => "palisade.penalty.denied",
            RateLimitMetric::PenaltyEvictions => "palisade.penalty.evictions",
            RateLimitMetric::BatchAdmissions => "palisade.ratelimit.batch_admissions",
        }
    }
}

impl DecisionStats {
    /// The table-level counters to add, skipping zeros (no allocation: this runs on every
    /// rate-limited request).
    pub fn metrics(&self) -> impl Iterator<Item = (RateLimitMetric, u64)> {
        let contention = |o| u64::from(self.contention == Some(o));
        [
            (RateLimitMetric::CasRetries, u64::from(self.cas_retries)),
            (RateLimitMetric::Evictions, u64::from(self.evictions)),
            (RateLimitMetric::HostFailures, u64::from(self.host_failures)),
            (RateLimitMetric::BatchAdmissions, u64::from(self.batch_admissions)),
            (RateLimitMetric::ContentionDenied, contention(ContentionOutcome::Denied)),
            (RateLimitMetric::ContentionAllowed, contention(ContentionOutcome::Allowed)),
        ]
        .into_iter()
        .filter(|(_, delta)| *delta > 0)
    }
}

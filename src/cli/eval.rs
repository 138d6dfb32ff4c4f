//! `palisade eval`: runs a corpus of recorded requests (the format of the WAF corpus: one JSON
//! object per line with method, uri, headers, body, category and whether it is an attack)
//! through the engine, as Envoy would, and reports detection and false-positive rates.

use crate::engine::{self, Verdict};
use crate::host::MemoryHost;
use crate::policy::Policy;
use crate::request::Request;
use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One corpus line.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub attack: bool,
    pub method: String,
    pub uri: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_b64: bool,
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub id: String,
    pub category: String,
    pub attack: bool,
    /// The status Envoy would answer with (200 when let through).
    pub status: u16,
    pub reason: Option<&'static str>,
    /// WAF rule ids that matched.
    pub rules: Vec<u32>,
    pub score: u32,
}

/// Reads the corpus; lines without `method` (metadata) are skipped, bad lines reported.
pub fn load(text: &str) -> (Vec<Case>, Vec<String>) {
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) if v.get("method").is_none() => {}
            Ok(v) => match serde_json::from_value::<Case>(v) {
                Ok(c) => cases.push(c),
                Err(e) => errors.push(format!("line {}: {e}", n + 1)),
            },
            Err(e) => errors.push(format!("line {}: {e}", n + 1)),
        }
    }
    (cases, errors)
}

/// Hop-by-hop headers Envoy's HTTP connection manager removes before any filter runs.
const ENVOY_STRIPS: &[&str] = &["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"];

/// Envoy drops a `Referer` that is not a valid URI reference before filters run: an absolute
/// URL must have no fragment and no userinfo; a relative reference may only use URI characters and
/// no ':' before its first '/'.
fn valid_referer(v: &str) -> bool {
    if v.bytes().any(|b| b <= 0x20 || b == 0x7f) {
        return false;
    }
    let scheme_end = v.find("://");
    let is_scheme = |s: &str| {
        let mut b = s.bytes();
        b.next().is_some_and(|c| c.is_ascii_alphabetic()) && b.all(|c| c.is_ascii_alphanumeric() || b"+.-".contains(&c))
    };
    if let Some(i) = scheme_end.filter(|i| is_scheme(&v[..*i])) {
        let rest = &v[i + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        return !authority.is_empty() && !v.contains('#') && !authority.contains('@');
    }
    let mut seen_slash = false;
    for b in v.bytes() {
        match b {
            b'/' => seen_slash = true,
            b':' if !seen_slash => return false,
            b if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) => {}
            _ => return false,
        }
    }
    true
}

/// The request as Envoy hands it to the filter: pseudo-headers from the request line and Host,
/// header names lower-cased, and the request id Envoy adds.
pub fn to_request(case: &Case) -> (Request, Option<Vec<u8>>) {
    let mut headers = vec![
        (":method".to_string(), case.method.as_bytes().to_vec()),
        (":path".to_string(), case.uri.as_bytes().to_vec()),
    ];
    let host = case.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")).map(|(_, v)| v.clone());
    headers.push((":authority".to_string(), host.unwrap_or_default().into_bytes()));
    headers.push((":scheme".to_string(), b"http".to_vec()));
    for (n, v) in &case.headers {
        let lower = n.to_ascii_lowercase();
        if lower == "host" || ENVOY_STRIPS.contains(&lower.as_str()) || (lower == "referer" && !valid_referer(v)) {
            continue;
        }
        headers.push((lower, v.as_bytes().to_vec()));
    }
    headers.push(("x-request-id".to_string(), case.id.as_bytes().to_vec()));
    let mut req = Request::from_headers(headers);
    req.peer = "127.0.0.1".parse().ok();
    let body = match (&case.body, case.body_b64) {
        (Some(b), true) => base64::engine::general_purpose::STANDARD.decode(b.as_bytes()).ok(),
        (Some(b), false) if !b.is_empty() => Some(b.as_bytes().to_vec()),
        _ => None,
    };
    (req, body)
}

pub fn run_case(policy: &Policy, case: &Case, host: &MemoryHost) -> CaseResult {
    let (req, body) = to_request(case);
    let (ex, verdict) = engine::evaluate(policy, &req, body.as_deref(), host, false);
    let status = match &verdict {
        Verdict::Deny(r) => r.status,
        Verdict::Continue | Verdict::Hold | Verdict::Call(_) => 200,
    };
    let (rules, score) = match &ex.waf_outcome {
        Some(o) => (o.matches.iter().map(|m| m.rule_id).collect(), o.total_score),
        None => (Vec::new(), 0),
    };
    CaseResult {
        id: case.id.clone(),
        category: case.category.clone(),
        attack: case.attack,
        status,
        reason: ex.denied.as_ref().map(|d| d.reason.code()),
        rules,
        score,
    }
}

/// Runs every case, on `jobs` threads (each with its own in-memory host), in corpus order.
pub fn run(policy: &Policy, cases: &[Case], jobs: usize, now_ms: u64) -> Vec<CaseResult> {
    let jobs = jobs.max(1).min(cases.len().max(1));
    let chunk = cases.len().div_ceil(jobs).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let host = MemoryHost::at(now_ms);
                    part.iter().map(|c| run_case(policy, c, &host)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub n: usize,
    pub blocked: usize,
}

impl Tally {
    pub fn rate(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            100.0 * self.blocked as f64 / self.n as f64
        }
    }
}

/// Per category (attacks) and for benign cases: how many were blocked.
pub struct Summary {
    pub by_category: BTreeMap<String, Tally>,
    pub attacks: Tally,
    pub benign: Tally,
}

pub fn summarize(results: &[CaseResult], blocked_statuses: &[u16]) -> Summary {
    let mut by_category: BTreeMap<String, Tally> = BTreeMap::new();
    let mut attacks = Tally::default();
    let mut benign = Tally::default();
    for r in results {
        let blocked = blocked_statuses.contains(&r.status);
        let t = if r.attack { &mut attacks } else { &mut benign };
        t.n += 1;
        t.blocked += usize::from(blocked);
        if r.attack {
            let c = by_category.entry(r.category.clone()).or_default();
            c.n += 1;
            c.blocked += usize::from(blocked);
        }
    }
    Summary { by_category, attacks, benign }
}

pub fn render_text(results: &[CaseResult], blocked_statuses: &[u16], show_wrong: usize) -> String {
    let s = summarize(results, blocked_statuses);
    let mut out = String::new();
    out.push_str(&format!("{:<18} {:>6} {:>8} {:>9}\n", "category", "cases", "blocked", "detection"));
    for (cat, t) in &s.by_category {
        out.push_str(&format!("{cat:<18} {:>6} {:>8} {:>8.1}%\n", t.n, t.blocked, t.rate()));
    }
    out.push_str(&format!(
        "{:<18} {:>6} {:>8} {:>8.1}%\n",
        "all attacks",
        s.attacks.n,
        s.attacks.blocked,
        s.attacks.rate()
    ));
    out.push_str(&format!(
        "{:<18} {:>6} {:>8} {:>8.1}%  (false positives)\n",
        "benign",
        s.benign.n,
        s.benign.blocked,
        s.benign.rate()
    ));
    if show_wrong > 0 {
        let wrong: Vec<&CaseResult> =
            results.iter().filter(|r| r.attack != blocked_statuses.contains(&r.status)).take(show_wrong).collect();
        if !wrong.is_empty() {
            out.push_str("\ncases that went wrong (first ones):\n");
            for r in wrong {
                let what = if r.attack { "missed" } else { "false positive" };
                out.push_str(&format!(
                    "  {:<16} {:<28} status {} score {} rules {:?}\n",
                    what, r.id, r.status, r.score, r.rules
                ));
            }
        }
    }
    out
}

/// One JSON object per case: id, category, attack, status, reason, rules, score.
pub fn render_jsonl(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(
            &serde_json::json!({"id": r.id, "category": r.category, "attack": r.attack, "status": r.status,
                "reason": r.reason, "rules": r.rules, "score": r.score})
            .to_string(),
        );
        out.push('\n');
    }
    out
}

pub fn render_json(results: &[CaseResult], blocked_statuses: &[u16]) -> String {
    let s = summarize(results, blocked_statuses);
    let cats: serde_json::Map<String, serde_json::Value> = s
        .by_category
        .iter()
        .map(|(k, t)| (k.clone(), serde_json::json!({"cases": t.n, "blocked": t.blocked, "detection": t.rate()})))
        .collect();
    let wrong: Vec<serde_json::Value> = results
        .iter()
        .filter(|r| r.attack != blocked_statuses.contains(&r.status))
        .map(|r| serde_json::json!({"id": r.id, "attack": r.attack, "status": r.status, "rules": r.rules, "score": r.score}))
        .collect();
    serde_json::json!({
        "categories": cats,
        "attacks": {"cases": s.attacks.n, "blocked": s.attacks.blocked, "detection": s.attacks.rate()},
        "benign": {"cases": s.benign.n, "blocked": s.benign.blocked, "false_positive_rate": s.benign.rate()},
        "wrong": wrong,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORPUS: &str = r#"{"_crs_commit": "x"}
{"id": "a-1", "category": "sqli", "attack": true, "method": "GET", "uri": "/?q=1%27%20union%20select%20password%20from%20users--", "headers": [["Host", "localhost"]], "body": "", "body_b64": false}
{"id": "b-1", "category": "benign", "attack": false, "method": "GET", "uri": "/?q=hello", "headers": [["Host", "localhost"]], "body": "", "body_b64": false}
{"id": "a-2", "category": "xss", "attack": true, "method": "POST", "uri": "/post", "headers": [["Host", "localhost"], ["Content-Type", "application/x-www-form-urlencoded"]], "body": "x=%3Cscript%3Ealert(1)%3C/script%3E", "body_b64": false}
"#;

    #[test]
    fn a_corpus_is_scored_per_category_with_rates_and_wrong_cases() {
        let (cases, errors) = load(CORPUS);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(cases.len(), 3);
        let policy = Policy::from_json(br#"{"policies": {"default": {"waf": {}}}}"#).unwrap();
        let results = run(&policy, &cases, 2, 0);
        assert_eq!(results.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["a-1", "b-1", "a-2"]);
        let s = summarize(&results, &[403]);
        assert_eq!(s.attacks.blocked, 2);
        assert_eq!(s.benign.blocked, 0);
        let text = render_text(&results, &[403], 10);
        assert!(text.contains("all attacks             2        2    100.0%"), "{text}");
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let (cases, errors) = load("{not json}\n{\"id\": \"x\", \"method\": 3, \"uri\": \"/\"}\n");
        assert!(cases.is_empty());
        assert_eq!(errors.len(), 2);
    }
}

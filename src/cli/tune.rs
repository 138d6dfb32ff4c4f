//! `palisade tune`: reads the audit records of a detect-only (or block-mode) period and proposes
//! the narrowest WAF exclusions (a target and the rule families that match it, per policy) that
//! would let the requests over the threshold through, with how many requests and clients back
//! each one. Families (tags such as `sqli`), not rule ids: the rules of a family overlap, and a
//! rule that matched first can hide another of its family that takes over once it is excluded. Nothing is decided
//! here that the engine does not already record: the records name each match's rule, category,
//! target and score (never the value), and the engine's total is the sum of those scores.
//!
//! Guards against learning an attack: a (policy, family, target) is proposed only when at least
//! `min_requests` requests from at least `min_clients` client addresses share it; protocol rules,
//! the budget rule and the operator's own rules are never excluded (the fix is elsewhere).

use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What one audit record says about the WAF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub policy: String,
    pub request_id: String,
    pub time: String,
    pub client: Option<String>,
    pub over_threshold: bool,
    pub matches: Vec<MatchSeen>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchSeen {
    pub rule: u32,
    pub category: String,
    pub target: String,
    pub score: u32,
}

/// Reads audit records from log text: Envoy's log lines (`… palisade.audit {…}`), access-log
/// lines carrying the filter state (`… palisade={…}`), or bare JSON lines. Returns the records
/// with a `waf` object and how many lines looked like records but did not parse. A record seen
/// twice (log and access log) counts once.
pub fn read_records(text: &str) -> (Vec<Record>, usize) {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut bad = 0;
    for line in text.lines() {
        let Some(start) = record_start(line) else { continue };
        let mut values = serde_json::Deserializer::from_str(&line[start..]).into_iter::<Value>();
        let Some(Ok(v)) = values.next() else {
            bad += 1;
            continue;
        };
        match parse_record(&v) {
            Some(Some(r)) => {
                if seen.insert((r.request_id.clone(), r.time.clone())) {
                    out.push(r);
                }
            }
            Some(None) => {}
            None => bad += 1,
        }
    }
    (out, bad)
}

/// Where the record's JSON starts in a line, if the line carries one.
fn record_start(line: &str) -> Option<usize> {
    for marker in [crate::audit::LOG_PREFIX, "palisade="] {
        if let Some(i) = line.find(marker) {
            let at = i + marker.len();
            if line[at..].starts_with('{') {
                return Some(at);
            }
        }
    }
    let trimmed = line.trim_start();
    trimmed.starts_with("{\"time\"").then(|| line.len() - trimmed.len())
}

/// `None`: not an audit record; `Some(None)`: a record without WAF findings.
fn parse_record(v: &Value) -> Option<Option<Record>> {
    let o = v.as_object()?;
    let policy = o.get("policy")?.as_str()?.to_string();
    let request_id = o.get("request_id")?.as_str()?.to_string();
    let time = o.get("time").and_then(Value::as_str).unwrap_or_default().to_string();
    let client = o.get("client_ip").and_then(Value::as_str).map(str::to_string);
    let Some(waf) = o.get("waf") else { return Some(None) };
    let waf = waf.as_object()?;
    let over_threshold = waf.get("over_threshold")?.as_bool()?;
    let mut matches = Vec::new();
    for m in waf.get("matches")?.as_array()? {
        let m = m.as_object()?;
        matches.push(MatchSeen {
            rule: u32::try_from(m.get("rule")?.as_u64()?).ok()?,
            category: m.get("category")?.as_str()?.to_string(),
            target: m.get("target")?.as_str()?.to_string(),
            score: u32::try_from(m.get("score")?.as_u64()?).ok()?,
        });
    }
    Some(Some(Record { policy, request_id, time, client, over_threshold, matches }))
}

/// A target name with every array index made a wildcard (`json:$.items[3].note` →
/// `json:$.items[*].note`), so one exclusion covers every element.
pub fn generalize(target: &str) -> String {
    let b = target.as_bytes();
    let mut out = String::with_capacity(target.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'[' {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 && b.get(i + 1 + digits) == Some(&b']') {
                out.push_str("[*]");
                i += digits + 2;
                continue;
            }
        }
        let ch_len = target[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&target[i..i + ch_len]);
        i += ch_len;
    }
    out
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub min_requests: usize,
    pub min_clients: usize,
}

/// One exclusion proposed for a policy: `{"target": …, "tags": categories}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Proposal {
    pub policy: String,
    pub target: String,
    /// The rule families (tags) excluded on the target.
    pub categories: Vec<String>,
    /// The rules of those families seen matching it (for review).
    pub rules: Vec<u32>,
    /// Requests over the threshold in which one of these families matched this target.
    pub requests: usize,
    /// Distinct client addresses among them (a record without one counts as one unknown client).
    pub clients: usize,
}

/// A (policy, family, target) seen in requests over the threshold but not proposed, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Held {
    pub policy: String,
    pub category: String,
    pub rules: Vec<u32>,
    pub target: String,
    pub requests: usize,
    pub clients: usize,
    pub why: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
    /// Audit records with WAF findings read.
    pub records: usize,
    /// Lines that looked like records but did not parse.
    pub unreadable: usize,
    /// Requests over the threshold (denied, or would have been in detect-only mode).
    pub over_threshold: usize,
    pub proposals: Vec<Proposal>,
    pub held: Vec<Held>,
    /// Requests over the threshold whose remaining matches would score under it.
    pub would_pass: usize,
    /// Records of policies the configuration does not have (or whose WAF it does not configure).
    pub unknown_policies: Vec<String>,
    /// The configuration with the proposals added to each policy's `waf.exclusions`.
    #[serde(skip)]
    pub config: Value,
}

#[derive(Default)]
struct Seen {
    rules: BTreeSet<u32>,
    requests: BTreeSet<usize>,
    clients: BTreeSet<Option<String>>,
}

/// Why a family's matches are never excluded by this tool, if they are not.
fn never_excluded(category: &str, rules: &BTreeSet<u32>) -> Option<&'static str> {
    match category {
        "protocol" => {
            Some("protocol rule: fix the client, or change the policy (e.g. allowed_methods, allowed_content_types)")
        }
        "custom" => Some("your own rule: change or remove it instead"),
        _ if rules.contains(&1990) => Some("over the inspection budget: raise waf.budget or set over_budget"),
        _ => None,
    }
}

/// Proposes exclusions for the records over the threshold and adds them to `config` (a bare
/// plugin configuration). The caller validates the result with the filter's own compiler.
pub fn tune(config: &Value, records: &[Record], opts: Options) -> Report {
    let over: Vec<&Record> = records.iter().filter(|r| r.over_threshold).collect();
    let policies = config.get("policies").and_then(Value::as_object);
    let mut unknown = BTreeSet::new();
    let mut seen: BTreeMap<(String, String, String), Seen> = BTreeMap::new();
    for (i, r) in over.iter().enumerate() {
        let has_waf = policies.and_then(|p| p.get(&r.policy)).and_then(|p| p.get("waf")).is_some();
        if !has_waf {
            unknown.insert(r.policy.clone());
            continue;
        }
        for m in &r.matches {
            let s = seen.entry((r.policy.clone(), m.category.clone(), generalize(&m.target))).or_default();
            s.rules.insert(m.rule);
            s.requests.insert(i);
            s.clients.insert(r.client.clone());
        }
    }
    let mut accepted: BTreeMap<(String, String), Seen> = BTreeMap::new();
    let mut families: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut held = Vec::new();
    for ((policy, category, target), s) in &seen {
        let why = never_excluded(category, &s.rules).map(str::to_string).or_else(|| {
            if s.requests.len() < opts.min_requests {
                Some(format!("{} request(s), fewer than --min-requests {}", s.requests.len(), opts.min_requests))
            } else if s.clients.len() < opts.min_clients {
                Some(format!("{} client(s), fewer than --min-clients {}", s.clients.len(), opts.min_clients))
            } else {
                None
            }
        });
        match why {
            Some(why) => held.push(Held {
                policy: policy.clone(),
                category: category.clone(),
                rules: s.rules.iter().copied().collect(),
                target: target.clone(),
                requests: s.requests.len(),
                clients: s.clients.len(),
                why,
            }),
            None => {
                let key = (policy.clone(), target.clone());
                families.entry(key.clone()).or_default().insert(category.clone());
                let a = accepted.entry(key).or_default();
                a.rules.extend(s.rules.iter().copied());
                a.requests.extend(s.requests.iter().copied());
                a.clients.extend(s.clients.iter().cloned());
            }
        }
    }
    let proposals: Vec<Proposal> = accepted
        .into_iter()
        .map(|(key, seen)| Proposal {
            categories: families.remove(&key).unwrap_or_default().into_iter().collect(),
            rules: seen.rules.into_iter().collect(),
            requests: seen.requests.len(),
            clients: seen.clients.len(),
            policy: key.0,
            target: key.1,
        })
        .collect();

    // The engine's total is the sum of the matches' scores; a request passes when what is left
    // is under its policy's threshold.
    let excluded: BTreeSet<(&str, &str, &str)> = proposals
        .iter()
        .flat_map(|p| p.categories.iter().map(move |c| (p.policy.as_str(), c.as_str(), p.target.as_str())))
        .collect();
    let would_pass = over
        .iter()
        .filter(|r| !unknown.contains(&r.policy))
        .filter(|r| {
            let left: u32 = r
                .matches
                .iter()
                .filter(|m| {
                    !excluded.contains(&(r.policy.as_str(), m.category.as_str(), generalize(&m.target).as_str()))
                })
                .map(|m| m.score)
                .fold(0, u32::saturating_add);
            left < threshold(config, &r.policy)
        })
        .count();

    let mut tuned = config.clone();
    for p in &proposals {
        if let Some(waf) = tuned.pointer_mut(&format!("/policies/{}/waf", pointer_escape(&p.policy))) {
            if !waf.is_object() {
                *waf = Value::Object(Map::new());
            }
            if let Some(w) = waf.as_object_mut() {
                let list = w.entry("exclusions").or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = list.as_array_mut() {
                    list.push(json!({"target": p.target, "tags": p.categories}));
                }
            }
        }
    }
    Report {
        records: records.len(),
        unreadable: 0,
        over_threshold: over.len(),
        proposals,
        held,
        would_pass,
        unknown_policies: unknown.into_iter().collect(),
        config: tuned,
    }
}

fn threshold(config: &Value, policy: &str) -> u32 {
    config
        .pointer(&format!("/policies/{}/waf/threshold", pointer_escape(policy)))
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok())
        .unwrap_or(5)
}

/// RFC 6901: `~` → `~0`, `/` → `~1`.
fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The report for people.
pub fn render_text(r: &Report, opts: Options) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} audit records with WAF findings, {} over the threshold{}.",
        r.records,
        r.over_threshold,
        if r.unreadable > 0 { format!(" ({} unreadable lines skipped)", r.unreadable) } else { String::new() }
    );
    for p in &r.unknown_policies {
        let _ = writeln!(s, "Policy {p:?} is not in the configuration or has no waf: its records are skipped.");
    }
    if r.proposals.is_empty() {
        let _ = writeln!(s, "\nNo exclusion proposed.");
    } else {
        let _ = writeln!(
            s,
            "\nProposed exclusions (each family seen on the target in at least {} requests from at least {} clients):",
            opts.min_requests, opts.min_clients
        );
        for p in &r.proposals {
            let rules: Vec<String> = p.rules.iter().map(u32::to_string).collect();
            let _ = writeln!(
                s,
                "  policy {}: {} tags {} (rules seen: {}): {} requests, {} clients",
                p.policy,
                p.target,
                p.categories.join(", "),
                rules.join(", "),
                p.requests,
                p.clients
            );
        }
    }
    if !r.held.is_empty() {
        let _ = writeln!(s, "\nNot proposed:");
        for h in &r.held {
            let rules: Vec<String> = h.rules.iter().map(u32::to_string).collect();
            let _ = writeln!(
                s,
                "  policy {}: {} (rules {}) on {}: {}",
                h.policy,
                h.category,
                rules.join(", "),
                h.target,
                h.why
            );
        }
    }
    let _ = writeln!(
        s,
        "\nWith the proposed exclusions, {} of the {} requests over the threshold would score under it.",
        r.would_pass, r.over_threshold
    );
    let _ = writeln!(
        s,
        "Review each proposal: an exclusion also lets an attack of that family in that field through. \
         A record names only the first target each rule matched, so run tune again on the next period's records."
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(policy: &str, id: &str, client: &str, over: bool, matches: &[(u32, &str, &str, u32)]) -> String {
        let m: Vec<Value> = matches
            .iter()
            .map(|(rule, cat, target, score)| json!({"rule": rule, "category": cat, "target": target, "score": score}))
            .collect();
        let score: u32 = matches.iter().map(|m| m.3).sum();
        let rec = json!({"time": format!("2026-11-30T04:00:00.{:03}Z", id.len()), "request_id": id, "client_ip": client,
            "client_ip_source": "connection", "method": "POST", "path": "/x", "route": null, "policy": policy,
            "decision": "allow", "enforced": true, "reason": null, "status": null, "rule": null, "detail": null,
            "waf": {"score": score, "over_threshold": over, "incomplete": false, "matches": m}, "mode": "enforce"});
        format!("[2026-11-30 04:00:00.000][12][info][wasm] [source/extensions/common/wasm/context.cc:1192] wasm log palisade: palisade.audit {rec}")
    }

    fn config() -> Value {
        json!({"policies": {"default": {"waf": {"mode": "detect_only", "exclusions": [{"target": "cookie:*", "rules": [4350]}]}},
                            "strict": {"waf": {"threshold": 10}}, "open": {}}})
    }

    const OPTS: Options = Options { min_requests: 3, min_clients: 2 };

    #[test]
    fn records_are_read_from_envoy_log_lines_access_logs_and_bare_json_once_each() {
        let a = line("default", "r1", "192.0.2.1", true, &[(4100, "xss", "json:$.body_html", 5)]);
        let bare = a.split_once("palisade.audit ").unwrap().1.to_string();
        let access = format!("[2026-11-30T04:00:00.000Z] \"POST /x HTTP/1.1\" 200 - palisade={bare}");
        let other = line("default", "r2", "192.0.2.2", false, &[(3200, "rce", "args:q", 3)]);
        let no_waf = r#"x palisade.audit {"time":"t","request_id":"r3","policy":"default","decision":"allow"}"#;
        let text =
            [a.as_str(), &bare, &access, &other, no_waf, "noise", "palisade.audit {broken", "{\"time\": 3"].join("\n");
        let (records, bad) = read_records(&text);
        assert_eq!(records.len(), 2, "{records:?}");
        assert_eq!(records[0].matches[0].target, "json:$.body_html");
        assert!(!records[1].over_threshold);
        assert_eq!(bad, 2);
    }

    #[test]
    fn array_indices_become_wildcards_and_nothing_else_changes() {
        assert_eq!(generalize("json:$.items[3].notes[12]"), "json:$.items[*].notes[*]");
        assert_eq!(generalize("args:a[1]"), "args:a[*]");
        assert_eq!(generalize("args:a[]"), "args:a[]");
        assert_eq!(generalize("args:a[x1]"), "args:a[x1]");
        assert_eq!(generalize("json:$.é[1"), "json:$.é[1");
        assert_eq!(generalize("header:user-agent"), "header:user-agent");
    }

    #[test]
    fn a_field_that_trips_rules_for_many_clients_gets_one_exclusion_with_its_rules() {
        let mut lines = Vec::new();
        for i in 0..4 {
            lines.push(line(
                "default",
                &format!("a{i}"),
                &format!("192.0.2.{i}"),
                true,
                &[
                    (4100, "xss", &format!("json:$.posts[{i}].body_html"), 5),
                    (4104, "xss", "json:$.posts[0].body_html", 3),
                ],
            ));
        }
        // An attack-like one-off from a single client stays out.
        lines.push(line("default", "b0", "198.51.100.9", true, &[(3200, "rce", "args:q", 5)]));
        let (records, _) = read_records(&lines.join("\n"));
        let r = tune(&config(), &records, OPTS);
        assert_eq!(r.over_threshold, 5);
        assert_eq!(
            r.proposals,
            vec![Proposal {
                policy: "default".into(),
                target: "json:$.posts[*].body_html".into(),
                categories: vec!["xss".into()],
                rules: vec![4100, 4104],
                requests: 4,
                clients: 4
            }]
        );
        assert_eq!(r.held.len(), 1);
        assert_eq!((r.held[0].rules.as_slice(), r.held[0].target.as_str()), (&[3200][..], "args:q"));
        assert!(r.held[0].why.contains("--min-requests"));
        assert_eq!(r.would_pass, 4);
        let ex = r.config.pointer("/policies/default/waf/exclusions").unwrap().as_array().unwrap();
        assert_eq!(ex.len(), 2, "the existing exclusion is kept");
        assert_eq!(ex[1], json!({"target": "json:$.posts[*].body_html", "tags": ["xss"]}));
        assert!(crate::policy::Policy::from_json(r.config.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn one_client_many_requests_is_not_enough() {
        let lines: Vec<String> = (0..10)
            .map(|i| line("default", &format!("c{i}"), "203.0.113.5", true, &[(3000, "sqli", "args:id", 5)]))
            .collect();
        let r = tune(&config(), &read_records(&lines.join("\n")).0, OPTS);
        assert!(r.proposals.is_empty());
        assert!(r.held[0].why.contains("--min-clients"), "{:?}", r.held);
        let loose = tune(&config(), &read_records(&lines.join("\n")).0, Options { min_requests: 3, min_clients: 1 });
        assert_eq!(loose.proposals.len(), 1);
    }

    #[test]
    fn protocol_custom_and_budget_rules_are_never_proposed() {
        let mut lines = Vec::new();
        for i in 0..5 {
            let c = format!("192.0.2.{i}");
            lines.push(line("default", &format!("p{i}"), &c, true, &[(1010, "protocol", "request", 5)]));
            lines.push(line("default", &format!("q{i}"), &c, true, &[(100001, "custom", "args:v", 5)]));
            lines.push(line("default", &format!("s{i}"), &c, true, &[(1990, "generic-attack", "body", 5)]));
        }
        let r = tune(&config(), &read_records(&lines.join("\n")).0, OPTS);
        assert!(r.proposals.is_empty(), "{:?}", r.proposals);
        assert_eq!(r.held.len(), 3);
        assert_eq!(r.would_pass, 0);
    }

    #[test]
    fn the_estimate_keeps_what_other_fields_score_and_reads_each_policys_threshold() {
        let mut lines = Vec::new();
        for i in 0..3 {
            let c = format!("192.0.2.{i}");
            // Excluding the note leaves 5 from a one-off match elsewhere: still over 5.
            lines.push(line(
                "default",
                &format!("d{i}"),
                &c,
                true,
                &[(3200, "rce", "json:$.note", 5), (3000, "sqli", &format!("args:x{i}"), 5)],
            ));
            // Threshold 10: excluding the note leaves 5, under it.
            lines.push(line(
                "strict",
                &format!("e{i}"),
                &c,
                true,
                &[(3200, "rce", "json:$.note", 5), (3000, "sqli", &format!("args:y{i}"), 5)],
            ));
        }
        // Records of a policy the configuration lacks, or that has no WAF.
        lines.push(line("gone", "g", "192.0.2.9", true, &[(3200, "rce", "json:$.note", 5)]));
        lines.push(line("open", "o", "192.0.2.9", true, &[(3200, "rce", "json:$.note", 5)]));
        let r = tune(&config(), &read_records(&lines.join("\n")).0, OPTS);
        assert_eq!(r.proposals.len(), 2);
        assert_eq!(r.would_pass, 3);
        assert_eq!(r.unknown_policies, vec!["gone".to_string(), "open".to_string()]);
        let strict = r.config.pointer("/policies/strict/waf/exclusions").unwrap();
        assert_eq!(strict, &json!([{"target": "json:$.note", "tags": ["rce"]}]));
        let text = render_text(&r, OPTS);
        assert!(
            text.contains("policy strict: json:$.note tags rce (rules seen: 3200): 3 requests, 3 clients"),
            "{text}"
        );
        assert!(text.contains("3 of the 8 requests over the threshold"), "{text}");
    }

    #[test]
    fn requests_under_the_threshold_propose_nothing() {
        let lines: Vec<String> = (0..5)
            .map(|i| {
                line("default", &format!("u{i}"), &format!("192.0.2.{i}"), false, &[(3200, "rce", "json:$.note", 3)])
            })
            .collect();
        let r = tune(&config(), &read_records(&lines.join("\n")).0, OPTS);
        assert_eq!((r.records, r.over_threshold, r.proposals.len(), r.held.len()), (5, 0, 0, 0));
    }
}

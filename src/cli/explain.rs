//! `palisade explain`: runs one request through the engine and tells what happens and why: the
//! route and policy, each stage's result, and the response Envoy would send. The request comes
//! from a small JSON/YAML file or a curl-style command line.

use crate::engine::{self, Verdict};
use crate::host::MemoryHost;
use crate::policy::Policy;
use crate::request::Request;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A request as written in a request file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default = "get")]
    pub method: String,
    /// The request target: path and query (`/a?b=c`), or a full URL.
    #[serde(alias = "url")]
    pub path: String,
    /// Headers as an object (`{"name": "value"}`) or a list of pairs.
    #[serde(default)]
    pub headers: HeaderSpec,
    #[serde(default)]
    pub body: Option<String>,
    /// The TCP peer address.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// Whether the connection is TLS.
    #[serde(default)]
    pub tls: Option<bool>,
}

fn get() -> String {
    "GET".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum HeaderSpec {
    Map(BTreeMap<String, String>),
    List(Vec<(String, String)>),
}

impl Default for HeaderSpec {
    fn default() -> Self {
        HeaderSpec::List(Vec::new())
    }
}

impl HeaderSpec {
    fn pairs(&self) -> Vec<(String, String)> {
        match self {
            HeaderSpec::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            HeaderSpec::List(l) => l.clone(),
        }
    }
}

/// Parses a curl-style command line: `[curl] [-X M] [-H 'n: v']... [-d BODY] [-k] URL`.
pub fn parse_curl(args: &[String]) -> Result<RequestSpec, String> {
    let mut spec = RequestSpec { method: String::new(), ..Default::default() };
    let mut headers = Vec::new();
    let mut it = args.iter().peekable();
    if it.peek().map(|a| a.as_str()) == Some("curl") {
        it.next();
    }
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match a.as_str() {
            "-X" | "--request" => spec.method = value(a)?,
            "-H" | "--header" => {
                let h = value(a)?;
                let (n, v) = h.split_once(':').ok_or_else(|| format!("header \"{h}\" has no ':'"))?;
                headers.push((n.trim().to_string(), v.trim_start().to_string()));
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" => {
                let d = value(a)?;
                spec.body = Some(match spec.body.take() {
                    Some(prev) => format!("{prev}&{d}"),
                    None => d,
                });
            }
            "-A" | "--user-agent" => headers.push(("user-agent".to_string(), value(a)?)),
            "-k" | "--insecure" | "-s" | "--silent" | "-i" | "--include" | "-v" => {}
            other if other.starts_with('-') => return Err(format!("unsupported curl option {other}")),
            url => spec.path = url.to_string(),
        }
    }
    if spec.path.is_empty() {
        return Err("no URL given".to_string());
    }
    if spec.method.is_empty() {
        spec.method = if spec.body.is_some() { "POST" } else { "GET" }.to_string();
    }
    if spec.body.is_some() && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        headers.push(("content-type".to_string(), "application/x-www-form-urlencoded".to_string()));
    }
    spec.headers = HeaderSpec::List(headers);
    Ok(spec)
}

/// Reads a request file (JSON or YAML).
pub fn parse_request_file(bytes: &[u8]) -> Result<RequestSpec, String> {
    serde_json::from_slice(bytes)
        .or_else(|_| serde_norway::from_slice(bytes))
        .map_err(|e| format!("not a request file: {e}"))
}

/// Builds the engine's request view from a spec, as Envoy would present it.
pub fn to_request(spec: &RequestSpec, client_ip: Option<&str>, tls: Option<bool>) -> Result<Request, String> {
    let (scheme, authority, target) = split_url(&spec.path);
    let mut headers = vec![
        (":method".to_string(), spec.method.to_ascii_uppercase().into_bytes()),
        (":path".to_string(), target.into_bytes()),
    ];
    let pairs = spec.headers.pairs();
    let host = pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")).map(|(_, v)| v.clone());
    headers
        .push((":authority".to_string(), host.or(authority).unwrap_or_else(|| "localhost".to_string()).into_bytes()));
    headers.push((":scheme".to_string(), scheme.as_bytes().to_vec()));
    for (n, v) in &pairs {
        if !n.eq_ignore_ascii_case("host") {
            headers.push((n.to_ascii_lowercase(), v.as_bytes().to_vec()));
        }
    }
    if let Some(body) = &spec.body {
        if !pairs
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding"))
        {
            headers.push(("content-length".to_string(), body.len().to_string().into_bytes()));
        }
    }
    if !headers.iter().any(|(n, _)| n == "x-request-id") {
        headers.push(("x-request-id".to_string(), b"explain".to_vec()));
    }
    let mut req = Request::from_headers(headers);
    let ip_text =
        client_ip.map(str::to_string).or_else(|| spec.client_ip.clone()).unwrap_or_else(|| "127.0.0.1".to_string());
    req.peer = Some(
        crate::ip::parse_socket_address(ip_text.as_bytes())
            .ok_or_else(|| format!("\"{ip_text}\" is not an IP address"))?,
    );
    req.tls = tls.or(spec.tls).unwrap_or(scheme == "https");
    Ok(req)
}

fn split_url(url: &str) -> (&'static str, Option<String>, String) {
    for (prefix, scheme) in [("https://", "https"), ("http://", "http")] {
        if let Some(rest) = url.strip_prefix(prefix) {
            let (authority, target) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => match rest.find('?') {
                    Some(i) => (&rest[..i], &rest[i..]),
                    None => (rest, "/"),
                },
            };
            let target = if target.starts_with('?') { format!("/{target}") } else { target.to_string() };
            return (scheme, Some(authority.to_string()), target);
        }
    }
    ("http", None, url.to_string())
}

/// Runs the request and returns the explanation as JSON (rendered as text by `render_text`).
pub fn explain(policy: &Policy, spec: &RequestSpec, req: &Request, now_ms: u64) -> Value {
    let host = MemoryHost::at(now_ms);
    let body = spec.body.as_deref().map(str::as_bytes);
    let (ex, verdict) = engine::evaluate(policy, req, body, &host, true);
    let stages: Vec<Value> = ex
        .trace
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(stage, result)| json!({"stage": stage, "result": result}))
        .collect();
    let decided = ex.denied.as_ref().or(ex.would_deny.as_ref());
    let response = match &verdict {
        Verdict::Deny(r) => json!({
            "status": r.status,
            "headers": r.headers,
            "body": String::from_utf8_lossy(&r.body),
        }),
        Verdict::Continue | Verdict::Hold | Verdict::Call(_) => {
            let rules = engine::response_headers(policy, &ex);
            json!({
                "forwarded_upstream": true,
                "request_header_changes": ex.request_changes,
                "response_headers_set": rules.to_set(ex.tls).collect::<Vec<_>>(),
                "response_headers_removed": rules.remove,
            })
        }
    };
    json!({
        "request": {"method": req.method, "target": String::from_utf8_lossy(&req.target), "authority": String::from_utf8_lossy(&req.authority), "tls": req.tls},
        "client_ip": ex.client_ip_string(),
        "client_ip_source": ex.client_ip_origin.as_str(),
        "route": ex.route.map(|r| policy.routes[r].name.clone()),
        "policy": policy.policies[ex.policy].name,
        "stages": stages,
        "decision": if decided.is_some() { "deny" } else { "allow" },
        "enforced": ex.would_deny.is_none(),
        "reason": decided.map(|d| d.reason.code()),
        "rule": decided.and_then(|d| d.rule.clone()),
        "response": response,
        "audit": host.audit_records().into_iter().next(),
    })
}

pub fn render_text(v: &Value, color: bool) -> String {
    use super::paint;
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    let mut out = String::new();
    let r = &v["request"];
    out.push_str(&format!(
        "request    {} {} (host {}{})\n",
        s(&r["method"]),
        s(&r["target"]),
        s(&r["authority"]),
        if r["tls"] == true { ", TLS" } else { "" }
    ));
    out.push_str(&format!("client ip  {} (from {})\n", s(&v["client_ip"]), s(&v["client_ip_source"])));
    out.push_str(&format!("route      {}\n", s(&v["route"])));
    out.push_str(&format!("policy     {}\n", s(&v["policy"])));
    out.push_str("stages\n");
    let stages = v["stages"].as_array().cloned().unwrap_or_default();
    let width = stages.iter().map(|st| s(&st["stage"]).len()).max().unwrap_or(0);
    for st in &stages {
        let name = s(&st["stage"]);
        let result = s(&st["result"]);
        let shown = if result.starts_with("deny") { paint(&result, "31", color) } else { result };
        out.push_str(&format!("  {name}{}  {shown}\n", " ".repeat(width - name.len())));
    }
    let decision = s(&v["decision"]);
    let verdict = match (decision.as_str(), v["enforced"] == true) {
        ("allow", _) => paint("ALLOW", "32;1", color),
        (_, true) => paint(&format!("DENY {}", s(&v["reason"])), "31;1", color),
        (_, false) => paint(&format!("WOULD DENY {} (monitor mode: let through)", s(&v["reason"])), "33;1", color),
    };
    out.push_str(&format!("verdict    {verdict}\n"));
    let resp = &v["response"];
    if resp.get("status").is_some() {
        out.push_str(&format!("response   {}\n", s(&resp["status"])));
        for h in resp["headers"].as_array().cloned().unwrap_or_default() {
            out.push_str(&format!("  {}: {}\n", s(&h[0]), s(&h[1])));
        }
        out.push_str(&format!("  {}\n", s(&resp["body"])));
    } else {
        for h in resp["request_header_changes"].as_array().cloned().unwrap_or_default() {
            match &h[1] {
                Value::Null => out.push_str(&format!("upstream   remove {}\n", s(&h[0]))),
                v => out.push_str(&format!("upstream   set    {}: {}\n", s(&h[0]), s(v))),
            }
        }
        out.push_str("response   from the upstream, with these changes:\n");
        for h in resp["response_headers_set"].as_array().cloned().unwrap_or_default() {
            out.push_str(&format!("  set    {}: {}\n", s(&h[0]), s(&h[1])));
        }
        for h in resp["response_headers_removed"].as_array().cloned().unwrap_or_default() {
            out.push_str(&format!("  remove {}\n", s(&h)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn curl_command_lines_become_requests() {
        let spec = parse_curl(&args(&[
            "curl",
            "-X",
            "PUT",
            "-H",
            "X-A: 1",
            "-d",
            "a=b",
            "https://api.example.com:8443/x?q=1",
        ]))
        .unwrap();
        let req = to_request(&spec, Some("192.0.2.9"), None).unwrap();
        assert_eq!(req.method, "PUT");
        assert_eq!(req.target, b"/x?q=1");
        assert_eq!(req.authority, b"api.example.com:8443");
        assert!(req.tls);
        assert_eq!(req.header("x-a"), Some(&b"1"[..]));
        assert_eq!(req.header("content-length"), Some(&b"3"[..]));
        assert_eq!(req.peer, Some("192.0.2.9".parse().unwrap()));
        assert!(parse_curl(&args(&["curl", "-H"])).is_err());
        assert!(parse_curl(&args(&["curl", "--proxy", "x", "http://a/"])).is_err());
    }

    #[test]
    fn explanation_names_the_deciding_stage_and_the_response() {
        let policy = Policy::from_json(br#"{"policies": {"default": {"limits": {"methods": ["GET"]}}}}"#).unwrap();
        let spec = parse_curl(&args(&["-X", "DELETE", "http://localhost/a"])).unwrap();
        let req = to_request(&spec, None, None).unwrap();
        let v = explain(&policy, &spec, &req, 0);
        assert_eq!(v["decision"], "deny");
        assert_eq!(v["reason"], "method_not_allowed");
        assert_eq!(v["response"]["status"], 405);
        let stages: Vec<String> =
            v["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap().to_string()).collect();
        assert_eq!(stages, vec!["client_ip", "route", "ip_lists", "tls", "limits"]);
        let text = render_text(&v, false);
        assert!(text.contains("verdict    DENY method_not_allowed"), "{text}");
    }

    #[test]
    fn request_files_accept_header_maps_and_bodies() {
        let spec = parse_request_file(
            br#"{"method": "POST", "path": "/p", "headers": {"Content-Type": "application/json"}, "body": "{}"}"#,
        )
        .unwrap();
        let req = to_request(&spec, None, Some(false)).unwrap();
        assert_eq!(req.header("content-type"), Some(&b"application/json"[..]));
        let policy = Policy::from_json(b"{}").unwrap();
        let v = explain(&policy, &spec, &req, 0);
        assert_eq!(v["decision"], "allow");
        assert!(v["stages"].as_array().unwrap().iter().any(|s| s["stage"] == "body_size"));
    }
}

//! Route rules: which policy applies to a request. Ordered, first match wins. Paths are matched
//! after normalisation so that `/admin/../admin`, `//admin` or `/%61dmin` cannot dodge a rule.

use crate::config::{ConfigError, RouteConfig};
use regex::Regex;
use std::borrow::Cow;

#[derive(Debug, Clone)]
enum PathMatch {
    Exact(String),
    Prefix(String),
    Regex(Regex),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub name: String,
    path: PathMatch,
    methods: Vec<String>,
    hosts: Vec<String>,
    /// Index of the policy in `Policy::policies`.
    pub policy: usize,
}

/// Longest regex source accepted, and the compiled size limit (bounded memory per route).
const MAX_REGEX_LEN: usize = 4096;
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Route {
    /// Compiles `routes[index]`; `policy_index` resolves policy names.
    pub fn compile(
        cfg: &RouteConfig,
        index: usize,
        policy_index: &dyn Fn(&str) -> Option<usize>,
        errors: &mut Vec<ConfigError>,
    ) -> Option<Route> {
        let at = format!("routes[{index}]");
        let before = errors.len();
        let set = [cfg.path.is_some(), cfg.prefix.is_some(), cfg.regex.is_some()].iter().filter(|b| **b).count();
        let path = match (&cfg.path, &cfg.prefix, &cfg.regex) {
            _ if set != 1 => {
                errors.push(ConfigError::new(&at, "give exactly one of \"path\", \"prefix\" or \"regex\""));
                None
            }
            (Some(p), _, _) => check_path(p, &format!("{at}.path"), errors).map(PathMatch::Exact),
            (_, Some(p), _) => check_path(p, &format!("{at}.prefix"), errors).map(PathMatch::Prefix),
            (_, _, Some(r)) => {
                if r.len() > MAX_REGEX_LEN {
                    errors.push(ConfigError::new(format!("{at}.regex"), format!("longer than {MAX_REGEX_LEN} bytes")));
                    None
                } else {
                    match regex::RegexBuilder::new(&format!("^(?:{r})$")).size_limit(REGEX_SIZE_LIMIT).build() {
                        Ok(re) => Some(PathMatch::Regex(re)),
                        Err(e) => {
                            errors.push(ConfigError::new(
                                format!("{at}.regex"),
                                format!("not a valid regular expression: {}", first_line(&e.to_string())),
                            ));
                            None
                        }
                    }
                }
            }
            _ => None,
        };
        let mut methods = Vec::with_capacity(cfg.methods.len());
        for (i, m) in cfg.methods.iter().enumerate() {
            match crate::limits::check_method_name(m) {
                Ok(m) => methods.push(m),
                Err(msg) => errors.push(ConfigError::new(format!("{at}.methods[{i}]"), msg)),
            }
        }
        let mut hosts = Vec::with_capacity(cfg.hosts.len());
        for (i, h) in cfg.hosts.iter().enumerate() {
            let h = h.trim().to_ascii_lowercase();
            if h.is_empty() || h.contains(['/', ' ', ':']) || (h.contains('*') && !h.starts_with("*.")) {
                errors.push(ConfigError::new(
                    format!("{at}.hosts[{i}]"),
                    format!("\"{h}\" is not a host name (use \"api.example.com\" or \"*.example.com\", no port)"),
                ));
            } else {
                hosts.push(h);
            }
        }
        let policy = match policy_index(&cfg.policy) {
            Some(p) => Some(p),
            None => {
                errors.push(ConfigError::new(
                    format!("{at}.policy"),
                    format!("no policy named \"{}\" in \"policies\"", cfg.policy),
                ));
                None
            }
        };
        if errors.len() != before {
            return None;
        }
        Some(Route { name: cfg.name.clone().unwrap_or(at), path: path?, methods, hosts, policy: policy? })
    }

    /// `path` is normalised (see `normalize_path`), `host` lower-case without port.
    pub fn matches(&self, method: &str, path: &str, host: &str) -> bool {
        if !self.methods.is_empty() && !self.methods.iter().any(|m| m == method) {
            return false;
        }
        if !self.hosts.is_empty() && !self.hosts.iter().any(|h| host_matches(h, host)) {
            return false;
        }
        match &self.path {
            PathMatch::Exact(p) => path == p,
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
            PathMatch::Regex(re) => re.is_match(path),
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

fn check_path(p: &str, at: &str, errors: &mut Vec<ConfigError>) -> Option<String> {
    if !p.starts_with('/') {
        errors.push(ConfigError::new(at, format!("\"{p}\" must start with \"/\"")));
        return None;
    }
    let normalized = normalize_path(p.as_bytes());
    if normalized != p && !(p.ends_with('/') && normalized.len() + 1 == p.len()) {
        errors.push(ConfigError::new(
            at,
            format!("\"{p}\" is not in normal form; paths are matched after normalisation, write \"{normalized}\""),
        ));
        return None;
    }
    Some(p.to_string())
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => pattern == host,
    }
}

/// `:authority` without port, lower-cased. Bracketed IPv6 keeps its brackets.
pub fn host_of(authority: &[u8]) -> Cow<'_, str> {
    // Most requests: a lower-case host name without port, used as it is.
    let plain =
        |h: &[u8]| !h.is_empty() && h.iter().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_'));
    if plain(authority) {
        return Cow::Borrowed(std::str::from_utf8(authority).unwrap_or_default());
    }
    // Or such a name with a port (`127.0.0.1:10000`): the name is a slice of it.
    if let Some(colon) = authority.iter().rposition(|&b| b == b':') {
        let (host, port) = (&authority[..colon], &authority[colon + 1..]);
        if plain(host) && port.iter().all(u8::is_ascii_digit) {
            return Cow::Borrowed(std::str::from_utf8(host).unwrap_or_default());
        }
    }
    Cow::Owned(host_of_slow(authority))
}

fn host_of_slow(authority: &[u8]) -> String {
    let text = String::from_utf8_lossy(authority).to_ascii_lowercase();
    if text.starts_with('[') {
        return match text.find(']') {
            Some(end) => text[..=end].to_string(),
            None => text,
        };
    }
    match text.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
        _ => text,
    }
}

/// The path part of a request target (before `?` or `#`), normalised for matching:
/// percent-decoding of unreserved characters and of `/`-free bytes (once), `\` as `/`, `;`
/// parameters removed from segments, `.` and `..` segments resolved (never above the root),
/// repeated `/` merged. Bytes that are not valid UTF-8 after decoding are kept percent-encoded.
/// Total: any input gives a path that starts with `/`.
pub fn normalize_path(target: &[u8]) -> Cow<'_, str> {
    let end = target.iter().position(|b| *b == b'?' || *b == b'#').unwrap_or(target.len());
    let raw = &target[..end];
    if already_normal(raw) {
        return Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default());
    }
    Cow::Owned(normalize_slow(raw))
}

/// A path that normalisation would give back unchanged (the common case, without a copy):
/// printable ASCII without `%`, `\` or `;`, starting with `/`, with no empty, `.` or `..`
/// segment (a trailing `/` aside).
fn already_normal(raw: &[u8]) -> bool {
    if raw.first() != Some(&b'/') || !raw.iter().all(|b| matches!(b, 0x21..=0x7e) && !matches!(b, b'%' | b'\\' | b';'))
    {
        return false;
    }
    let inner = &raw[1..];
    let inner = inner.strip_suffix(b"/").unwrap_or(inner);
    if inner.is_empty() {
        return raw.len() == 1;
    }
    inner.split(|b| *b == b'/').all(|s| !s.is_empty() && s != b"." && s != b"..")
}

fn normalize_slow(raw: &[u8]) -> String {
    // Decode percent escapes, except %2F (kept as a literal segment character so an encoded
    // slash stays inside its segment) and control bytes, which stay encoded.
    let mut decoded: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'%' && i + 2 < raw.len() {
            if let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2])) {
                let v = h * 16 + l;
                if v == b'/' || v == b'\\' || v == b'?' || v == b'#' || v == b'%' || v < 0x20 || v == 0x7f {
                    decoded.extend_from_slice(&[b'%', upper(raw[i + 1]), upper(raw[i + 2])]);
                } else {
                    decoded.push(v);
                }
                i += 3;
                continue;
            }
        }
        decoded.push(if b == b'\\' { b'/' } else { b });
        i += 1;
    }
    let mut segments: Vec<&[u8]> = Vec::new();
    let trailing_slash = decoded.ends_with(b"/") && decoded.len() > 1;
    for seg in decoded.split(|b| *b == b'/') {
        let seg = match seg.iter().position(|b| *b == b';') {
            Some(p) => &seg[..p],
            None => seg,
        };
        match seg {
            b"" | b"." => {}
            b".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(decoded.len() + 1);
    for seg in &segments {
        out.push('/');
        match std::str::from_utf8(seg) {
            Ok(s) => out.push_str(s),
            Err(_) => {
                for b in seg.iter() {
                    if b.is_ascii() {
                        out.push(*b as char);
                    } else {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
        }
    }
    if out.is_empty() || (trailing_slash && !segments.is_empty()) {
        out.push('/');
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn upper(b: u8) -> u8 {
    b.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_no_copy_path_agrees_with_full_normalisation() {
        // Every path over a small alphabet up to 6 bytes: where the fast path applies, it gives
        // what the full normalisation gives; and host names likewise.
        let alphabet = b"/a.;%2\\Z";
        let mut paths: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..6 {
            let next: Vec<Vec<u8>> =
                paths.iter().flat_map(|p| alphabet.iter().map(move |c| [p.as_slice(), &[*c]].concat())).collect();
            for p in &next {
                let fast = normalize_path(p);
                assert_eq!(fast, normalize_slow(p), "{:?}", String::from_utf8_lossy(p));
            }
            paths = next;
        }
        for a in [
            "api.example.com",
            "API.example.com",
            "api.example.com:8080",
            "127.0.0.1:10000",
            "[::1]:80",
            "",
            "a_b-c.d",
            "host:",
            ":80",
            "a:b:80",
            "host:8x",
            "Host:80",
            "host:80:",
        ] {
            assert_eq!(host_of(a.as_bytes()), host_of_slow(a.as_bytes()), "{a}");
        }
        assert!(matches!(host_of(b"127.0.0.1:10000"), Cow::Borrowed("127.0.0.1")));
    }
    use super::*;

    #[test]
    fn normalisation_resolves_dot_segments_and_slashes() {
        assert_eq!(normalize_path(b"/admin/../admin/x"), "/admin/x");
        assert!(matches!(normalize_path(b"/api/orders/7?x=1"), Cow::Borrowed("/api/orders/7")));
        assert_eq!(normalize_path(b"//admin///x"), "/admin/x");
        assert_eq!(normalize_path(b"/%61dmin"), "/admin");
        assert_eq!(normalize_path(b"/a/./b/"), "/a/b/");
        assert_eq!(normalize_path(b"/../../etc"), "/etc");
        assert_eq!(normalize_path(b"\\admin\\x"), "/admin/x");
        assert_eq!(normalize_path(b"/admin;jsessionid=1/x"), "/admin/x");
        assert_eq!(normalize_path(b"/a?x=/../b"), "/a");
        assert_eq!(normalize_path(b""), "/");
        assert_eq!(normalize_path(b"*"), "/*");
        assert_eq!(normalize_path(b"/a%2Fb"), "/a%2Fb");
        assert_eq!(normalize_path(b"/a/%2e%2e/b"), "/b");
        assert_eq!(normalize_path(b"/a%2e%2e/b"), "/a../b");
        assert_eq!(normalize_path(b"/\xff%ff"), "/%FF%FF");
        assert_eq!(normalize_path(b"/%"), "/%");
        assert_eq!(normalize_path(b"/%4"), "/%4");
    }

    #[test]
    fn host_is_lower_cased_without_port() {
        assert_eq!(host_of(b"API.Example.com:8443"), "api.example.com");
        assert_eq!(host_of(b"[::1]:10000"), "[::1]");
        assert_eq!(host_of(b"localhost"), "localhost");
    }

    #[test]
    fn wildcard_hosts_match_subdomains_only() {
        assert!(host_matches("*.example.com", "api.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "badexample.com"));
    }

    fn route(json: &str) -> Result<Route, Vec<ConfigError>> {
        let cfg: RouteConfig = serde_json::from_str(json).unwrap();
        let mut errors = Vec::new();
        let r = Route::compile(&cfg, 0, &|name| (name == "p").then_some(0), &mut errors);
        r.ok_or(errors)
    }

    #[test]
    fn route_matches_on_path_method_and_host() {
        let r =
            route(r#"{"prefix": "/admin", "methods": ["POST"], "hosts": ["*.example.com"], "policy": "p"}"#).unwrap();
        assert!(r.matches("POST", "/admin/users", "api.example.com"));
        assert!(!r.matches("GET", "/admin/users", "api.example.com"));
        assert!(!r.matches("POST", "/public", "api.example.com"));
        assert!(!r.matches("POST", "/admin", "other.org"));
        let re = route(r#"{"regex": "/users/[0-9]+", "policy": "p"}"#).unwrap();
        assert!(re.matches("GET", "/users/42", "h"));
        assert!(!re.matches("GET", "/users/42/x", "h"));
    }

    #[test]
    fn route_mistakes_are_all_reported() {
        let errs = route(r#"{"regex": "(", "methods": ["get me"], "hosts": ["a/b"], "policy": "nope"}"#).unwrap_err();
        let paths: Vec<_> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["routes[0].regex", "routes[0].methods[0]", "routes[0].hosts[0]", "routes[0].policy"]);
        let errs = route(r#"{"path": "/a", "prefix": "/b", "policy": "p"}"#).unwrap_err();
        assert_eq!(errs[0].path, "routes[0]");
        let errs = route(r#"{"prefix": "/a/../b", "policy": "p"}"#).unwrap_err();
        assert!(errs[0].message.contains("normal form"));
    }
}

//! Extraction of inspectable values from a request: path, query arguments, selected headers,
//! cookies and bodies (JSON, forms, multipart, XML, raw text). Decides only what is a value and
//! what it is called; it never judges a value. Every parser is total and bounded.

use super::json::JsonPath;
use super::normalize::form_decode;
use super::rules::class;
use std::borrow::Cow;

/// A target's name, built only when a match needs it: `prefix` + `key` (lossy UTF-8), where the
/// key of a JSON value is its path.
#[derive(Debug, Clone, Copy)]
pub struct TargetName<'a> {
    pub prefix: &'static str,
    key: Key<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Key<'a> {
    Bytes(&'a [u8]),
    Json(&'a JsonPath<'a>),
}

impl<'a> TargetName<'a> {
    pub fn new(prefix: &'static str, key: &'a [u8]) -> Self {
        TargetName { prefix, key: Key::Bytes(key) }
    }

    /// The name of a JSON key or value at `path`.
    pub fn json(prefix: &'static str, path: &'a JsonPath<'a>) -> Self {
        TargetName { prefix, key: Key::Json(path) }
    }

    /// The key's bytes (a JSON path is spelt out).
    pub fn key(&self) -> Cow<'a, [u8]> {
        match self.key {
            Key::Bytes(k) => Cow::Borrowed(k),
            Key::Json(path) => {
                let mut out = Vec::with_capacity(64);
                path.write(&mut out);
                Cow::Owned(out)
            }
        }
    }

    pub fn render(&self) -> String {
        let key = self.key();
        let mut s = String::with_capacity(self.prefix.len() + key.len().min(128));
        s.push_str(self.prefix);
        let key = &key[..key.len().min(128)];
        s.push_str(&String::from_utf8_lossy(key));
        s
    }
}

/// Receives every extracted value. Returns false to stop extraction (budget exhausted).
pub trait Sink {
    fn value(&mut self, classes: u16, name: TargetName<'_>, value: &[u8]) -> bool;
}

/// Anomalies a body parser noticed; protocol rules score them.
#[derive(Debug, Default, Clone)]
pub struct BodyFindings {
    pub multipart_anomaly: Option<&'static str>,
    pub json_malformed: bool,
}

/// Query string or form body: `a=1&b=2`. Names and values are form-decoded once.
pub fn form(input: &[u8], value_prefix: &'static str, name_prefix: &'static str, sink: &mut dyn Sink) -> bool {
    for pair in input.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], Some(&pair[i + 1..])),
            None => (pair, None),
        };
        let key = form_decode(k);
        if !sink.value(class::ARG_NAME, TargetName::new(name_prefix, &key), &key) {
            return false;
        }
        if let Some(v) = v {
            let val = form_decode(v);
            if !sink.value(class::ARG_VALUE, TargetName::new(value_prefix, &key), &val) {
                return false;
            }
        }
    }
    true
}

/// Splits a request target into path and query (the fragment, if any, is dropped).
pub fn split_target(target: &[u8]) -> (&[u8], Option<&[u8]>) {
    let target = match target.iter().position(|&b| b == b'#') {
        Some(i) => &target[..i],
        None => target,
    };
    match target.iter().position(|&b| b == b'?') {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    }
}

/// `Cookie: a=1; b=2`.
pub fn cookies(header: &[u8], sink: &mut dyn Sink) -> bool {
    for part in header.split(|&b| b == b';') {
        let part = trim(part);
        if part.is_empty() {
            continue;
        }
        let (k, v) = match part.iter().position(|&b| b == b'=') {
            Some(i) => (trim(&part[..i]), &part[i + 1..]),
            None => (part, &b""[..]),
        };
        if !sink.value(class::COOKIE_NAME, TargetName::new("cookie_name:", k), k) {
            return false;
        }
        if !sink.value(class::COOKIE_VALUE, TargetName::new("cookie:", k), v) {
            return false;
        }
    }
    true
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// How a body is read, from its Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
    Multipart,
    Xml,
    Text,
    Binary,
}

/// A Content-Type's `type/subtype`, lower-case, without parameters or surrounding spaces.
pub fn essence(content_type: &[u8]) -> Vec<u8> {
    let e = content_type.split(|&b| b == b';').next().unwrap_or_default();
    trim(e).to_ascii_lowercase()
}

/// Classifies a Content-Type value (parameters ignored, case-insensitive).
pub fn body_kind(content_type: &[u8]) -> BodyKind {
    let essence = essence(content_type);
    let essence = essence.as_slice();
    let starts = |p: &[u8]| essence.starts_with(p);
    let ends = |p: &[u8]| essence.ends_with(p);
    if essence == b"application/x-www-form-urlencoded" || essence.is_empty() {
        BodyKind::Form
    } else if starts(b"multipart/") {
        BodyKind::Multipart
    } else if ends(b"/json")
        || ends(b"+json")
        || essence == b"application/x-ndjson"
        || essence == b"application/jsonl"
        || essence == b"application/x-amz-json-1.0"
        || essence == b"application/x-amz-json-1.1"
        || ends(b"+x-ndjson")
        || essence == b"application/csp-report"
    {
        BodyKind::Json
    } else if ends(b"/xml") || ends(b"+xml") {
        BodyKind::Xml
    } else if starts(b"text/")
        || starts(b"application/graphql")
        || starts(b"application/javascript")
        || starts(b"application/x-yaml")
        || starts(b"application/yaml")
        || starts(b"application/toml")
        || starts(b"application/sql")
        || starts(b"application/x-sh")
        // An HLS playlist under an `audio/` name is text, not sound.
        || essence == b"audio/mpegurl"
        || essence == b"audio/x-mpegurl"
    {
        BodyKind::Text
    } else if starts(b"image/")
        || starts(b"audio/")
        || starts(b"video/")
        || starts(b"font/")
        || essence == b"application/octet-stream"
        || essence == b"application/pdf"
        || essence == b"application/zip"
        || essence == b"application/gzip"
        || essence == b"application/grpc"
        || starts(b"application/grpc+")
        || essence == b"application/protobuf"
        || essence == b"application/x-protobuf"
        || essence == b"application/msgpack"
        || essence == b"application/x-git-upload-pack-request"
        || essence == b"application/x-git-receive-pack-request"
    {
        BodyKind::Binary
    } else {
        BodyKind::Text
    }
}

/// Extracts the body's values. Malformed JSON or XML is inspected as raw text instead.
pub fn body<S: Sink>(content_type: &[u8], body: &[u8], max_depth: usize, sink: &mut S) -> BodyFindings {
    let mut findings = BodyFindings::default();
    match body_kind(content_type) {
        BodyKind::Form => {
            form(body, "form:", "form_name:", sink);
        }
        BodyKind::Json => {
            if !super::json::walk(body, max_depth, sink) {
                findings.json_malformed = true;
                sink.value(class::BODY, TargetName::new("body", b""), body);
            }
        }
        BodyKind::Multipart => {
            findings.multipart_anomaly = super::multipart::walk(content_type, body, max_depth, sink);
        }
        BodyKind::Xml => {
            super::xml::walk(body, max_depth, sink);
        }
        // A text body that is a JSON document (a report or an API call sent as `text/plain`) is
        // read as JSON, like one declared so: its leaves, not its quotes and keys, are the values.
        BodyKind::Text if looks_like_json(body) => {
            if !super::json::walk(body, max_depth, sink) {
                findings.json_malformed = true;
                sink.value(class::BODY, TargetName::new("body", b""), body);
            }
        }
        BodyKind::Text => {
            sink.value(class::BODY, TargetName::new("body", b""), body);
        }
        BodyKind::Binary => {}
    }
    findings
}

/// What the first bytes of a body declared binary (`application/octet-stream`, `image/png` …)
/// say about it: the start of a JSON document, which a server that decodes JSON whatever the
/// `Content-Type` (Go's `json.NewDecoder(r.Body)`, `request.get_json(force=True)`, a body parser
/// set to every type) would read; not one (a file, an image, a protobuf message), whose bytes
/// are not inspected; or not known yet (only whitespace so far, or too few bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peek {
    Json,
    NotJson,
    Undecided,
}

/// How many leading bytes `peek_json` needs at most: a prefix of whitespace this long (a JSON
/// parser skips any amount) is read as the start of a document, so padding cannot hide one.
pub const PEEK_WINDOW: usize = 256;

/// Reads the start of a body declared binary: `{` then `"` or `}`, or `[` then a value's first
/// byte (`{`, `[`, `"`, `]`, `-`, a digit, or `true`, `false`, `null` whole), after whitespace
/// and a byte-order mark, is JSON; a DOCTYPE, an RTF file's `{\rtf`, an INI file's `[section]`,
/// a PNG's signature are not. A prefix of `PEEK_WINDOW` bytes or more that has not decided is
/// read as JSON (inspected: the safe side).
pub fn peek_json(prefix: &[u8]) -> Peek {
    let p = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    let t = p.trim_ascii_start();
    let undecided = if prefix.len() >= PEEK_WINDOW { Peek::Json } else { Peek::Undecided };
    let Some((&open, rest)) = t.split_first() else { return undecided };
    let rest = rest.trim_ascii_start();
    let Some(&next) = rest.first() else {
        return if matches!(open, b'{' | b'[') { undecided } else { Peek::NotJson };
    };
    let literal = || {
        for word in [b"true".as_slice(), b"false", b"null"] {
            let n = word.len().min(rest.len());
            if rest[..n] == word[..n] {
                return match rest.get(word.len()) {
                    None => undecided,
                    Some(b) if b.is_ascii_whitespace() || matches!(b, b',' | b']') => Peek::Json,
                    Some(_) => Peek::NotJson,
                };
            }
        }
        Peek::NotJson
    };
    match (open, next) {
        (b'{', b'"' | b'}') => Peek::Json,
        (b'[', b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9') => Peek::Json,
        (b'[', b't' | b'f' | b'n') => literal(),
        _ => Peek::NotJson,
    }
}

/// Whether a body is shaped as a JSON object or array (`{"…` or `[…]`); `{ name { … } }`, a
/// GraphQL selection, is not.
fn looks_like_json(body: &[u8]) -> bool {
    let t = body.trim_ascii();
    match (t.first(), t.last()) {
        (Some(b'{'), Some(b'}')) => t[1..].trim_ascii_start().first().is_some_and(|&b| b == b'"' || b == b'}'),
        (Some(b'['), Some(b']')) => true,
        _ => false,
    }
}

/// Lower-cases header names for comparison (names in `Request` are already lower-case).
pub fn header_selected(name: &str, selected: &[String], all: bool) -> bool {
    if name.starts_with(':') || name == "cookie" {
        return false;
    }
    if all {
        return !STRUCTURAL_HEADERS.contains(&name) && !PROXY_HEADERS.contains(&name) && !name.starts_with("x-envoy-");
    }
    selected.iter().any(|s| s == name)
}

/// Headers that Envoy or the proxies in front of it set (addresses, schemes, trace ids): their
/// values are addresses by design, so address-shaped rules would fire on every request. The
/// client-IP logic, not the WAF, judges them. `x-envoy-*` headers are skipped as well.
const PROXY_HEADERS: &[&str] = &[
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-real-ip",
    "forwarded",
    "via",
    "x-amzn-trace-id",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "b3",
];

/// Headers with a fixed grammar that protocol rules check; not inspected as free text.
const STRUCTURAL_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "authorization",
    "proxy-authorization",
    "cache-control",
    "connection",
    "content-length",
    "content-type",
    "content-encoding",
    "host",
    "keep-alive",
    "pragma",
    "te",
    "transfer-encoding",
    "upgrade-insecure-requests",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "range",
    "x-request-id",
    "traceparent",
    "tracestate",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "sec-fetch-user",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "dnt",
    "date",
    "expect",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-real-ip",
    "x-envoy-expected-rq-timeout-ms",
    "x-envoy-internal",
    "proxy-connection",
];

/// Decoded path for the PATH target (percent-decoding is left to normalisation).
pub fn path_value(path: &[u8]) -> Cow<'_, [u8]> {
    Cow::Borrowed(path)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A sink that keeps every value with its classes and target name (for the parsers' tests).
    #[derive(Default)]
    pub struct Collect(pub Vec<(u16, String, String)>);
    impl Sink for Collect {
        fn value(&mut self, classes: u16, name: TargetName<'_>, value: &[u8]) -> bool {
            self.0.push((classes, name.render(), String::from_utf8_lossy(value).into_owned()));
            true
        }
    }

    #[test]
    fn query_arguments_are_form_decoded_with_names() {
        let mut c = Collect::default();
        form(b"q=a+b%21&flag&x=", "args:", "args_names:", &mut c);
        assert!(c.0.contains(&(class::ARG_VALUE, "args:q".into(), "a b!".into())));
        assert!(c.0.contains(&(class::ARG_NAME, "args_names:flag".into(), "flag".into())));
        assert!(c.0.contains(&(class::ARG_VALUE, "args:x".into(), "".into())));
    }

    #[test]
    fn cookies_are_split_into_names_and_values() {
        let mut c = Collect::default();
        cookies(b"sid=abc; theme = dark;;", &mut c);
        assert!(c.0.contains(&(class::COOKIE_VALUE, "cookie:sid".into(), "abc".into())));
        assert!(c.0.contains(&(class::COOKIE_NAME, "cookie_name:theme".into(), "theme".into())));
    }

    #[test]
    fn the_first_bytes_of_a_binary_body_tell_a_json_document() {
        for json in [
            &b"{\"a\": 1}"[..],
            b"  \n{ \"a\"",
            b"{}",
            b"[1]",
            b"[ {",
            b"[\"x\"",
            b"[-1",
            b"[]",
            b"[true]",
            b"[null, 1",
            b"\xef\xbb\xbf{\"a\"",
        ] {
            assert_eq!(peek_json(json), Peek::Json, "{}", String::from_utf8_lossy(json));
        }
        for not in [
            &b"{\\rtf1"[..],
            b"[font]",
            b"[nothing",
            b"\x89PNG\r\n",
            b"PK\x03\x04",
            b"<?xml",
            b"# x",
            b"a=1",
            b"{ viewer",
            b"[tru]",
        ] {
            assert_eq!(peek_json(not), Peek::NotJson, "{}", String::from_utf8_lossy(not));
        }
        for open in [&b""[..], b"   ", b"{", b"[ ", b"[t", b"[fal", b"[true"] {
            assert_eq!(peek_json(open), Peek::Undecided, "{}", String::from_utf8_lossy(open));
        }
        // Padding cannot hide a document: a window of whitespace is read as one.
        assert_eq!(peek_json(&[b' '; PEEK_WINDOW]), Peek::Json);
    }

    #[test]
    fn content_types_choose_the_body_parser() {
        assert_eq!(body_kind(b"application/json; charset=utf-8"), BodyKind::Json);
        assert_eq!(body_kind(b"application/vnd.api+json"), BodyKind::Json);
        assert_eq!(body_kind(b"Multipart/Form-Data; boundary=x"), BodyKind::Multipart);
        assert_eq!(body_kind(b"application/soap+xml"), BodyKind::Xml);
        assert_eq!(body_kind(b"image/png"), BodyKind::Binary);
        assert_eq!(body_kind(b"text/plain"), BodyKind::Text);
        assert_eq!(body_kind(b"application/csp-report"), BodyKind::Json);
        assert!(looks_like_json(b" {\"csp-report\": {}}\n") && looks_like_json(b"[1, 2]"));
        assert!(!looks_like_json(b"{ viewer { login } }") && !looks_like_json(b"a=1"));
    }

    #[test]
    fn the_fragment_is_dropped_and_the_query_split_off() {
        assert_eq!(split_target(b"/a?b=1#c"), (&b"/a"[..], Some(&b"b=1"[..])));
        assert_eq!(split_target(b"/a"), (&b"/a"[..], None));
    }
}

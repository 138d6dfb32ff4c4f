//! Protocol rules evaluated by code on the request head and body framing: methods, framing
//! headers (Content-Length, Transfer-Encoding), control characters, Host, content types, Range,
//! encodings. Decides which protocol rule ids fire; it never inspects argument semantics.

use crate::request::Request;

/// A protocol finding: rule id and a short excerpt (never a secret: header names or fixed text).
pub type Finding = (u32, String);

fn has_ctl(v: &[u8]) -> bool {
    v.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

fn lower(v: &[u8]) -> Vec<u8> {
    v.to_ascii_lowercase()
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    !n.is_empty() && h.windows(n.len()).any(|w| w == n)
}

/// Headers whose meaning depends on who set them: framing, the host, credentials, the client's
/// address and scheme as proxies report it, routing and method overrides, the identity a gateway
/// passes on, and the name of an uploaded file.
const TRUSTED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "content-type",
    "content-encoding",
    "content-range",
    "content-disposition",
    "te",
    "connection",
    "upgrade",
    "expect",
    "authorization",
    "proxy-authorization",
    "cookie",
    "forwarded",
    "via",
    "true-client-ip",
    "client-ip",
    "x-cluster-client-ip",
    "x-host",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-request-id",
    "x-api-key",
    "x-filename",
    "x-file-name",
    "remote-user",
    "proxy",
];

/// Prefixes of such headers (`x-forwarded-for`, `x-real-ip`, `x-original-url`, `x-envoy-…`,
/// `x-consumer-id`, `x-user-email`, `x-auth-request-user` …). A name ending in `-ip`, `-addr`,
/// `-host`, `-proto`, `-scheme` or `-user` reports an address or an identity too
/// (`cf-connecting-ip`, `wl-proxy-client-ip`, `x-authenticated-user`).
const TRUSTED_PREFIXES: &[&str] = &[
    "x-forwarded-",
    "x-real-",
    "x-original",
    "x-rewrite-",
    "x-envoy-",
    "x-consumer",
    "x-user",
    "x-auth",
    "x-jwt",
    "x-originating-",
    "x-authenticated-",
    "x-remote-",
    "x-palisade",
];

/// Endings of such headers (see [`TRUSTED_PREFIXES`]).
const TRUSTED_SUFFIXES: &[&str] = &["-ip", "-addr", "-host", "-proto", "-scheme", "-user"];

/// Whether a header name with `_` or `.` spells, with each of them read as `-`, a header whose
/// meaning depends on who set it ([`TRUSTED_HEADERS`], [`TRUSTED_PREFIXES`]): CGI, PHP, Rack and
/// WSGI servers read `X_Forwarded_For` as `X-Forwarded-For`, while a proxy that sets, strips or
/// checks `X-Forwarded-For` lets the other spelling through. A vendor's own header
/// (`client_id`, `access_token`, `sign_method`) has no such twin and is only a name.
fn spoofs_a_trusted_header(name: &str) -> bool {
    let dashed: String =
        name.chars().map(|c| if c == '_' || c == '.' { '-' } else { c.to_ascii_lowercase() }).collect();
    TRUSTED_HEADERS.contains(&dashed.as_str())
        || TRUSTED_PREFIXES.iter().any(|p| dashed.starts_with(p))
        || TRUSTED_SUFFIXES.iter().any(|p| dashed.ends_with(p))
}

/// The headers that tunnel a method through another (`X-HTTP-Method-Override: PUT` on a POST).
const METHOD_OVERRIDES: [&str; 3] = ["x-http-method-override", "x-method-override", "x-http-method"];

/// The method a POST tunnels through its method-override headers: every one of them (at least
/// one) names the same method, a token of 1 to 16 upper-case letters. WordPress's REST client
/// sends every `PUT` and `DELETE` so (`POST /wp-json/wp/v2/posts/1043` with `X-HTTP-Method-Override:
/// PUT`), as clients behind proxies that pass only GET and POST do. `None` on any other method,
/// when the headers disagree, or when one is malformed.
pub fn tunnelled_method(req: &Request) -> Option<&str> {
    if req.method != "POST" {
        return None;
    }
    let mut named: Option<&[u8]> = None;
    for (name, value) in req.headers() {
        if METHOD_OVERRIDES.contains(&name) {
            let well_formed = (1..=16).contains(&value.len()) && value.iter().all(u8::is_ascii_uppercase);
            if !well_formed || named.is_some_and(|m| m != value) {
                return None;
            }
            named = Some(value);
        }
    }
    named.and_then(|m| std::str::from_utf8(m).ok())
}

/// Checks the request head; `allowed_methods` are upper-case, `extra_types` (media types accepted
/// besides `ALLOWED_CONTENT_TYPES`, `type/*` for a whole type) lower-case. `agreed_tunnel`: the
/// method the request tunnels ([`tunnelled_method`]) when the policy decides the same way under
/// it as under POST (the engine's answer: same route, same policy, the method allowed there);
/// such an override is then no restricted header, provided the WAF allows that method too.
pub fn check_head(
    req: &Request,
    allowed_methods: &[String],
    extra_types: &[Vec<u8>],
    agreed_tunnel: Option<&str>,
    out: &mut Vec<Finding>,
) {
    // A method override is an evasion where it would change what is decided: a POST that the
    // upstream runs as DELETE while the gateway applied POST's route. Where the decision is the
    // same either way, it is how a client sends PUT or DELETE through proxies that do not.
    let tunnel_ok = agreed_tunnel.is_some_and(|m| allowed_methods.iter().any(|a| a == m));
    let method = req.method.as_str();
    if !allowed_methods.iter().any(|m| m == method) {
        out.push((1000, format!("method {}", method.chars().take(16).collect::<String>())));
    }
    let mut content_lengths: Vec<&[u8]> = Vec::new();
    let mut transfer_encoding: Option<&[u8]> = None;
    let mut host_seen = !req.authority.is_empty();
    let mut accept: Option<&[u8]> = None;
    let mut user_agent: Option<&[u8]> = None;
    let mut content_type: Option<&[u8]> = None;
    for (name, value) in req.headers() {
        match name {
            "content-length" => content_lengths.push(value),
            "transfer-encoding" => transfer_encoding = Some(value),
            "host" => host_seen = host_seen || !value.is_empty(),
            "accept" => accept = Some(value),
            "user-agent" => user_agent = Some(value),
            "content-type" => content_type = Some(value),
            _ => {}
        }
        if !name.starts_with(':') && has_ctl(value) {
            let ch = if value.iter().any(|&b| b == b'\r' || b == b'\n') { 1006 } else { 1003 };
            out.push((ch, format!("header {}", name.chars().take(32).collect::<String>())));
        }
        if name.bytes().any(|b| b == b'_' || b == b'.') && spoofs_a_trusted_header(name) {
            // Proxies differ on such names (some drop, some map to `-`): an evasion vehicle.
            out.push((1015, format!("header name {}", name.chars().take(32).collect::<String>())));
        }
        match name {
            // An upload's part (`bytes 0-524287/2000000` in a resumable upload, GitLab's runner
            // appending `0-1129` of a job's log): a request's Content-Range where a body is sent,
            // well-formed. Anywhere else, or malformed, it stays restricted.
            "content-range" if !(matches!(method, "PUT" | "PATCH" | "POST") && upload_range(value)) => {
                out.push((1015, format!("restricted header {name}")));
            }
            "proxy" | "lock-token" | "if" => out.push((1015, format!("restricted header {name}"))),
            "x-http-method-override" | "x-method-override" | "x-http-method" if !tunnel_ok => {
                out.push((1015, format!("restricted header {name}")));
            }
            "request-range" => out.push((1012, "Request-Range header".into())),
            "range" => {
                let l = lower(value);
                let fields = l.iter().filter(|&&b| b == b',').count() + 1;
                let bad_last = l.split(|&b| b == b',').any(|r| match r.iter().position(|&b| b == b'-') {
                    Some(p) => {
                        let a: Vec<u8> = r[..p].iter().copied().filter(u8::is_ascii_digit).collect();
                        let b: Vec<u8> = r[p + 1..].iter().copied().filter(u8::is_ascii_digit).collect();
                        let (a, b) = (
                            std::str::from_utf8(&a).ok().and_then(|s| s.parse::<u64>().ok()),
                            std::str::from_utf8(&b).ok().and_then(|s| s.parse::<u64>().ok()),
                        );
                        matches!((a, b), (Some(a), Some(b)) if b < a)
                            || r.ends_with(b"-0") && r.len() > 2 && a == Some(0) && b == Some(0)
                    }
                    None => false,
                });
                if fields >= 6 || bad_last {
                    out.push((1012, "Range header".into()));
                }
            }
            "connection" => {
                let l = lower(value);
                if contains(&l, b"keep-alive") && contains(&l, b"close")
                    || l.iter().filter(|&&b| b == b',').count() >= 3
                {
                    out.push((1013, "Connection header".into()));
                }
            }
            "cookie" if contains(&lower(value), b"$version") => {
                out.push((1015, "cookie $Version".into()));
            }
            "accept-encoding" if value.len() > 100 => out.push((1015, "long Accept-Encoding".into())),
            _ => {}
        }
    }
    if content_lengths.len() > 1 && content_lengths.windows(2).any(|w| w[0] != w[1]) {
        out.push((1002, "conflicting Content-Length".into()));
    }
    if content_lengths.iter().any(|v| v.is_empty() || !v.iter().all(u8::is_ascii_digit)) {
        out.push((1002, "invalid Content-Length".into()));
    }
    if let Some(te) = transfer_encoding {
        if !content_lengths.is_empty() {
            out.push((1001, "Content-Length with Transfer-Encoding".into()));
        }
        if method == "GET" || method == "HEAD" {
            out.push((1005, "Transfer-Encoding on GET/HEAD".into()));
        }
        let l = lower(te);
        if l.as_slice() != b"chunked" && !l.ends_with(b"chunked") {
            out.push((1001, "Transfer-Encoding other than chunked".into()));
        }
    }
    let cl_positive = content_lengths.iter().any(|v| v.iter().any(|&b| b != b'0'));
    if (method == "GET" || method == "HEAD") && cl_positive {
        out.push((1005, "body on GET/HEAD".into()));
    }
    if method == "POST"
        && content_lengths.is_empty()
        && transfer_encoding.is_none()
        && !req.headers().any(|(n, _)| n == ":path")
    {
        out.push((1005, "POST without Content-Length or Transfer-Encoding".into()));
    }
    if cl_positive && content_type.is_none() {
        out.push((1010, "body without Content-Type".into()));
    }
    if !host_seen {
        out.push((1004, "missing Host".into()));
    } else {
        let host = if req.authority.is_empty() { req.header("host").unwrap_or(b"") } else { &req.authority };
        let h = host.rsplit_once_colon();
        if !h.is_empty()
            && (h.iter().all(|b| b.is_ascii_digit() || *b == b'.') && h.contains(&b'.') || h.starts_with(b"["))
        {
            out.push((1009, "numeric Host".into()));
        }
    }
    match accept {
        Some(a) if a.iter().all(u8::is_ascii_whitespace) && method != "OPTIONS" => {
            out.push((1014, "empty Accept".into()))
        }
        // A client may say which charsets it reads (Selenium's clients send `application/json;
        // charset=utf-8`); a charset outside the few every server speaks (`utf-7`, `utf-16`,
        // an EBCDIC code page) asks for a response a browser may decode into markup, as in
        // Content-Type.
        Some(a) if charsets(&lower(a)).any(|cs| !allowed_charset(&cs)) => out.push((1019, "charset in Accept".into())),
        None if method != "OPTIONS" => out.push((1020, "missing Accept".into())),
        _ => {}
    }
    match user_agent {
        Some(u) if u.iter().all(u8::is_ascii_whitespace) => out.push((1014, "empty User-Agent".into())),
        None => out.push((1020, "missing User-Agent".into())),
        _ => {}
    }
    if let Some(ct) = content_type {
        check_content_type(ct, extra_types, out);
    }
    check_target(&req.target, out);
}

trait HostPart {
    fn rsplit_once_colon(&self) -> &[u8];
}
impl HostPart for [u8] {
    /// The host without a port (IPv6 literals keep their brackets).
    fn rsplit_once_colon(&self) -> &[u8] {
        if self.starts_with(b"[") {
            return self;
        }
        match self.iter().rposition(|&b| b == b':') {
            Some(i) => &self[..i],
            None => self,
        }
    }
}

/// Content types a REST or browser client legitimately sends.
const ALLOWED_CONTENT_TYPES: &[&[u8]] = &[
    b"application/x-www-form-urlencoded",
    b"multipart/form-data",
    b"multipart/related",
    // RFC 2046's mixed parts: OData's `$batch` (SAP, Dynamics, SharePoint) and Google's batch
    // endpoints. Walked part by part like form-data; an `application/http` part's request is
    // inspected as a request.
    b"multipart/mixed",
    // Git's smart HTTP protocol (a code host behind the gateway): the pkt-lines of a fetch and
    // the pack of a push, binary and not inspected, like `application/octet-stream`.
    b"application/x-git-upload-pack-request",
    b"application/x-git-receive-pack-request",
    b"text/xml",
    b"application/xml",
    b"application/soap+xml",
    b"application/json",
    b"application/cloudevents+json",
    b"application/cloudevents-batch+json",
    b"application/graphql",
    b"application/x-ndjson",
    // JSON Lines under its other common name, parsed line by line like NDJSON.
    b"application/jsonl",
    // The AWS JSON protocol (DynamoDB, Kinesis, CloudWatch Logs, Step Functions … and every
    // service that speaks it): a JSON body, parsed as JSON.
    b"application/x-amz-json-1.0",
    b"application/x-amz-json-1.1",
    // A chess game's moves (PGN, as chess sites' and clubs' import APIs take them), read as text.
    b"application/x-chess-pgn",
    // SubRip subtitles (`.srt`, as media platforms and FFmpeg name them), read as text like
    // WebVTT's `text/vtt`.
    b"application/x-subrip",
    // HLS playlists (RFC 8216's `.m3u8`: the registered Apple type and its older names), as
    // video platforms take them on upload; read as text.
    b"application/vnd.apple.mpegurl",
    b"application/x-mpegurl",
    b"audio/mpegurl",
    b"audio/x-mpegurl",
    // Citations as reference managers and DOI content negotiation send them (BibTeX, RIS), a
    // Clojure project's EDN data and Apple's property lists (Xcode's export options, an app's
    // settings); all read as text.
    b"application/x-bibtex",
    b"application/x-research-info-systems",
    b"application/edn",
    b"application/x-plist",
    // Sieve mail filters, as ManageSieve's HTTP front ends and mail APIs take them (RFC 5804's
    // registered type), read as text.
    b"application/sieve",
    b"application/octet-stream",
    b"application/csp-report",
    b"application/xss-auditor-report",
    b"text/plain",
    b"application/merge-patch+json",
    b"application/json-patch+json",
    b"application/problem+json",
    b"application/vnd.api+json",
    b"application/ld+json",
    b"application/grpc",
    b"application/grpc-web",
    b"application/x-protobuf",
    b"application/protobuf",
    b"application/pdf",
    b"text/csv",
    b"application/x-yaml",
    b"application/yaml",
    b"application/toml",
    // EDI interchanges (RFC 1767: ANSI X12 and UN/EDIFACT), text segments read whole.
    b"application/edi-x12",
    b"application/edifact",
    // The registered OpenAPI type (its YAML form; `…openapi+json` is a `+json` type).
    b"application/vnd.oai.openapi",
    // SQL source (RFC 6922): a schema tool's import, read as text like any body.
    b"application/sql",
    // JavaScript under its older registered names (RFC 9239 made `text/javascript` the
    // standard one, which every `text/*` type already is): a script editor's or a worker
    // platform's upload, read as text.
    b"application/javascript",
    b"application/x-javascript",
    b"application/ecmascript",
    // An e-mail message (RFC 5322), as a deliverability tool or an abuse desk receives one,
    // read as text.
    b"message/rfc822",
    // The W3C's registered query and RDF types (SPARQL 1.1 Protocol, RDF 1.1): a triple store's
    // queries and updates and its N-Triples, N-Quads and TriG data, read as text like any body.
    b"application/sparql-query",
    b"application/sparql-update",
    b"application/n-triples",
    b"application/n-quads",
    b"application/trig",
    // Sentry's envelope (every Sentry SDK's events, sessions and attachments: lines of JSON
    // headers and items), read as text.
    b"application/x-sentry-envelope",
];

/// Whether `v` is a Content-Range a client sends with a part of an upload (RFC 9110 §14.4):
/// `bytes first-last/complete`, `bytes first-last/*` or `bytes */complete`; the unit may be left
/// out (`0-1129`, as GitLab's runner sends it). Positions are decimal, the first not after the last.
fn upload_range(v: &[u8]) -> bool {
    let v = v.trim_ascii();
    let v = match v.get(..5) {
        Some(unit) if unit.eq_ignore_ascii_case(b"bytes") => v[5..].trim_ascii_start(),
        _ => v,
    };
    let number = |s: &[u8]| -> Option<u64> {
        if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let (range, complete) = match v.iter().position(|&b| b == b'/') {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let complete_ok = complete.is_none_or(|c| c == b"*" || number(c).is_some());
    if range == b"*" {
        return complete.is_some_and(|c| number(c).is_some());
    }
    let Some(dash) = range.iter().position(|&b| b == b'-') else {
        return false;
    };
    match (number(&range[..dash]), number(&range[dash + 1..])) {
        (Some(first), Some(last)) => first <= last && complete_ok,
        _ => false,
    }
}

/// A media type's two tokens (RFC 9110 `type "/" subtype`, no parameters).
fn media_type(essence: &[u8]) -> bool {
    let mut parts = essence.split(|&b| b == b'/');
    let tok = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b));
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None) if tok(a) && tok(b))
}

/// Whether `pattern` can be an entry of `allowed_content_types`: a media type, or `type/*`.
pub fn media_type_pattern(pattern: &[u8]) -> bool {
    let p = pattern.trim_ascii();
    match p.strip_suffix(b"/*") {
        Some(kind) => media_type(&[kind, b"/x"].concat()),
        None => media_type(p),
    }
}

fn check_content_type(ct: &[u8], extra_types: &[Vec<u8>], out: &mut Vec<Finding>) {
    let l = lower(ct);
    let essence: Vec<u8> =
        l.split(|&b| b == b';').next().unwrap_or(b"").iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if !media_type(&essence) {
        out.push((1010, "malformed Content-Type".into()));
        return;
    }
    let allowed = ALLOWED_CONTENT_TYPES.contains(&essence.as_slice())
        // A structured syntax suffix (RFC 6839: `application/reports+json`, `application/atom+xml`)
        // is parsed and inspected as JSON or XML; RFC 9512's `+yaml`
        // (`application/vnd.aai.asyncapi+yaml`) is read as text.
        // The suffix is the same for every top-level type (`model/gltf+json`, a 3D scene).
        || essence.ends_with(b"+json")
        // Elasticsearch's versioned bulk type (`application/vnd.elasticsearch+x-ndjson;
        // compatible-with=8`, every official client's `_bulk`), parsed as NDJSON.
        || essence.ends_with(b"+x-ndjson")
        || essence.ends_with(b"+xml")
        || essence.ends_with(b"+yaml")
        || essence.starts_with(b"image/")
        // Every text type is read whole as one value (or as JSON when it is a JSON document): a
        // text body hides nothing from inspection.
        || essence.starts_with(b"text/")
        || extra_types.iter().any(|t| match t.strip_suffix(b"*") {
            Some(kind) => essence.starts_with(kind),
            None => *t == essence,
        });
    if !allowed {
        out.push((1010, "content type not allowed".into()));
    }
    let mut found = charsets(&l);
    let first = found.next();
    if found.next().is_some() {
        out.push((1019, "several charsets".into()));
    }
    if first.is_some_and(|cs| !allowed_charset(&cs)) {
        out.push((1019, "charset not allowed".into()));
    }
}

/// The values of the `charset=` parameters in a lower-cased header value, unquoted (a `charset`
/// without `=` is none).
fn charsets(l: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    l.windows(8).enumerate().filter(|(_, w)| *w == b"charset=").map(|(p, _)| {
        l[p + 8..].iter().copied().take_while(|&b| b != b';' && b != b',').filter(|b| !b" \"'".contains(b)).collect()
    })
}

/// The charsets every server reads and writes.
fn allowed_charset(cs: &[u8]) -> bool {
    matches!(cs, b"utf-8" | b"utf8" | b"iso-8859-1" | b"iso-8859-15" | b"windows-1252" | b"us-ascii")
}

fn hexval(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Checks the raw request target: encodings, control characters, smuggled requests.
fn check_target(target: &[u8], out: &mut Vec<Finding>) {
    let mut i = 0;
    let mut decoded = Vec::with_capacity(target.len());
    let mut bad_encoding = false;
    while i < target.len() {
        let b = target[i];
        if b == b'%' {
            match (target.get(i + 1).copied().and_then(hexval), target.get(i + 2).copied().and_then(hexval)) {
                (Some(h), Some(l)) => {
                    decoded.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => {
                    if !matches!(target.get(i + 1), Some(b'u' | b'U')) {
                        bad_encoding = true;
                    }
                }
            }
        }
        decoded.push(b);
        i += 1;
    }
    if bad_encoding {
        out.push((1007, "invalid percent-encoding".into()));
    }
    if decoded.contains(&0) {
        out.push((1008, "NUL in the target".into()));
    } else if decoded.iter().any(|&b| b < 0x20 && b != b'\t' && b != b'\r' && b != b'\n' || b == 0x7f) {
        out.push((1022, "control character in the target".into()));
    }
    let (path, _) = super::targets::split_target(&decoded);
    if path.iter().any(|&b| b == b'\r' || b == b'\n') {
        out.push((1006, "CR/LF in the path".into()));
    }
    // Overlong or invalid UTF-8 after decoding.
    if std::str::from_utf8(&decoded).is_err() {
        let overlong =
            decoded.windows(2).any(|w| matches!(w[0], 0xc0 | 0xc1) || (w[0] == 0xe0 && w[1] < 0xa0) || w[0] >= 0xf5);
        if overlong || decoded.iter().any(|&b| b >= 0x80) {
            out.push((1007, "invalid UTF-8 in the target".into()));
        }
    }
    if decoded.windows(3).any(|w| w[0] == 0xef && (w[1] == 0xbc || w[1] == 0xbd))
        || target.windows(2).any(|w| w[0] == b'%' && (w[1] | 0x20) == b'u')
    {
        out.push((1021, "full-width or %u characters".into()));
    }
    if decoded.iter().any(|&b| b == b' ' || b == b'\n') {
        let l = lower(&decoded);
        if contains(&l, b" http/1.")
            || contains(&l, b"\nhost:")
            || contains(&l, b"\r\nget ")
            || contains(&l, b"\r\npost ")
        {
            out.push((1017, "request line inside the target".into()));
        }
    }
}

/// Checks decoded argument values for protocol-level payloads (header injection, LDAP filters,
/// smuggled requests). Returns rule ids to fire.
pub fn check_value(v: &[u8], is_value: bool, out: &mut Vec<u32>) {
    if v.iter().any(|&b| b == b'\r' || b == b'\n') {
        let l = lower(v);
        // Header lines end at the first empty line: a `Name: value` line after it (a Markdown
        // paragraph such as `Benchmarks: …`) is body text, not an injected header.
        // The lines after the first, up to the empty line that ends headers, are an injected
        // header block only when every one of them is a header: one line of other text (`Request
        // timed out.`, a vCard's `TEL;TYPE=work:…`) makes them a document or a log, not headers.
        // A block of bare labels with nothing after their colons, on bare line feeds (a prompt's
        // stop sequence `\nQuestion:`, a form's `Name:` and `Date:` left to fill in), sets no
        // header: such a block must give a value on one line or be an HTTP line. With a CR in it
        // (`\r\nTransfer-Encoding:`), what a response splitter sends, the names alone count.
        //
        // Such a block injects only through a header that does something: one that hijacks the
        // response or the request a server makes (`Set-Cookie`, `Location`, `Content-Type`,
        // `Host`, `X-Forwarded-For`, `Bcc` … `consequential_header`), any name at all when the
        // block is on CR LF (what an HTTP or SMTP header line ends with) unless every name is a
        // trace field of a forwarded message (`Received`, `Message-ID`, `DKIM-Signature` …
        // `trace_field`), or an HTTP line. Lines of a YAML mapping, a Markdown card's labels
        // (`Grid: … kWh`) or an alert's `runbook: https://…` on bare line feeds set nothing.
        let cr = v.contains(&b'\r');
        let mut block = l.split(|&b| b == b'\n').skip(1).take_while(|line| !line.trim_ascii().is_empty()).peekable();
        let (mut valued, mut consequential, mut untraced) = (false, false, false);
        let header_like = block.peek().is_some()
            && block.all(|line| {
                let line = line.strip_prefix(b"\r").unwrap_or(line);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let colon = line.iter().position(|&b| b == b':');
                // `https://…` on a line of its own (a signature, a list of links) is a URL, not a header.
                // A header's name opens with a letter: `2024-06-11T05:00:00Z,H-01,48.32` (a CSV
                // row of timestamps) is no `Name: value` line.
                let header = matches!(colon, Some(c) if c > 0
                    && line[0].is_ascii_alphabetic()
                    && line[..c].iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
                    && !line[c + 1..].starts_with(b"//"));
                let http = !header && http_line(line);
                valued |= http || colon.is_some_and(|c| !line[c + 1..].trim_ascii().is_empty());
                if let (true, Some(c)) = (header, colon) {
                    consequential |= consequential_header(&line[..c]);
                    untraced |= !trace_field(&line[..c]);
                }
                consequential |= http;
                header || http
            })
            && (valued || cr)
            && (consequential || (cr && untraced));
        // An HTML document is what a splitter puts after its headers; one on bare line feeds
        // whose markup cannot act (an e-mail or a PDF template: inert tags, a head with an
        // inert stylesheet) and that has no header block is a document a field holds, as an
        // editor saves it. With a CR in the value (`\r\n\r\n<html>…`) it counts as before.
        if header_like
            || l.split(|&b| b == b'\n').any(http_line)
            || contains(&l, b"<html") && (cr || !super::context::only_named_tags(&l))
        {
            out.push(1006);
        }
    }
    if is_value {
        if v.contains(&0) {
            out.push(1008);
        }
        // LDAP filter syntax: `)(attr=`, `)(|`, `=*)` or `x*)`. Not SQL's `count(*)` nor a call of
        // a call's result (`f(a)(b)`).
        if ldap_filter(v) && v.iter().any(|&b| b == b'=' || b == b'*') && !whole_ldap_filter(v) {
            out.push(1016);
        }
    }
}

/// Whether a header name (lower case), injected into a response or into a request a server
/// makes, changes what it does: it sets a cookie or a credential, redirects, reframes the body
/// (type, length, encoding, disposition), relaxes a browser's protection, routes or identifies
/// the request to a proxy or an upstream, or adds recipients or content to an e-mail (header
/// injection into a mailer).
fn consequential_header(name: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        // Responses.
        b"set-cookie",
        b"set-cookie2",
        b"location",
        b"refresh",
        b"content-type",
        b"content-length",
        b"content-encoding",
        b"content-disposition",
        b"content-range",
        b"content-location",
        b"content-security-policy",
        b"content-security-policy-report-only",
        b"transfer-encoding",
        b"strict-transport-security",
        b"x-xss-protection",
        b"x-frame-options",
        b"x-content-type-options",
        b"www-authenticate",
        b"link",
        b"cache-control",
        b"connection",
        b"upgrade",
        b"trailer",
        // Requests a server or proxy makes or trusts.
        b"host",
        b"cookie",
        b"authorization",
        b"proxy-authorization",
        b"forwarded",
        b"via",
        b"x-real-ip",
        b"x-client-ip",
        b"client-ip",
        b"true-client-ip",
        b"remote-addr",
        b"remote-ip",
        b"originating-ip",
        b"x-originating-ip",
        b"x-remote-addr",
        b"x-remote-ip",
        b"x-host",
        b"x-original-url",
        b"x-rewrite-url",
        b"x-http-method-override",
        b"x-http-method",
        b"x-method-override",
        b"expect",
        b"range",
        // Mail (header injection into a mailer).
        b"to",
        b"cc",
        b"bcc",
        b"from",
        b"reply-to",
        b"sender",
        b"return-path",
        b"subject",
        b"mime-version",
        b"content-transfer-encoding",
    ];
    NAMES.contains(&name)
        || name.starts_with(b"x-forwarded-")
        || name.starts_with(b"access-control-")
        || name.starts_with(b"proxy-")
}

/// Whether a header name (lower case) is a trace or identification field of an e-mail message
/// (RFC 5322 §3.6.4 and §3.6.7, DKIM, ARC, SPF and authentication results): a pasted or
/// forwarded header block records a message's route with them, and no server or mailer sets
/// anything from them.
fn trace_field(name: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"received",
        b"x-received",
        b"received-spf",
        b"message-id",
        b"in-reply-to",
        b"references",
        b"date",
        b"dkim-signature",
        b"authentication-results",
        b"arc-seal",
        b"arc-message-signature",
        b"arc-authentication-results",
    ];
    NAMES.contains(&name)
}

/// Whether a line is an HTTP/1 request line (`POST / HTTP/1.1`: it ends with the version) or a
/// status line (`HTTP/1.1 200 OK`: it starts with it). A version quoted inside a log line
/// (`"GET /index.html HTTP/1.1" 200 1043`) is neither.
fn http_line(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    let version = |t: &[u8]| t.len() == 8 && t.starts_with(b"http/1.") && t[7].is_ascii_digit();
    (line.len() >= 8 && version(&line[line.len() - 8..]) && line[..line.len() - 8].ends_with(b" "))
        || (line.len() >= 8 && version(&line[..8]) && line.get(8).is_none_or(|&b| b == b' '))
}

/// Whether the whole value is one compound LDAP filter (RFC 4515) and nothing else: it opens with
/// `(&`, `(|` or `(!`, the parenthesis it opens closes at its very end and none closes before
/// (no prefix closes more than it opened), and every `(` opens a filter: `&`, `|` or `!`, or an
/// attribute description (letters, digits, `-`, `.`, `;`) and its operator (`=`, `~=`, `>=`,
/// `<=` or an extensible match's `:`). A simple filter alone (`(cn=adm*)`) is a wildcard probe
/// and is no such value. A directory connector's user filter, `(&(objectClass=user)(memberOf=
/// CN=Staff,…))`, is the filter the application runs by design, as a query console's whole
/// statement is. An injection closes the application's own `(uid=` first (`x)(|(uid=*`,
/// `*)(uid=*))(|(uid=*`), which no such value does; put inside one as a value, its `(` is a
/// character RFC 4515 wants escaped. One pass.
fn whole_ldap_filter(v: &[u8]) -> bool {
    let v = v.trim_ascii();
    if !(v.starts_with(b"(&") || v.starts_with(b"(|") || v.starts_with(b"(!")) || v.last() != Some(&b')') {
        return false;
    }
    let mut depth = 0u32;
    for (i, &b) in v.iter().enumerate() {
        match b {
            b'(' => {
                let rest = &v[i + 1..];
                let attr = attribute_len(rest);
                let opens = matches!(rest.first(), Some(b'&' | b'|' | b'!'))
                    || attr > 0
                        && (matches!(rest.get(attr), Some(b'=' | b':'))
                            || matches!(rest.get(attr..attr + 2), Some(b"~=" | b">=" | b"<=")));
                if !opens {
                    return false;
                }
                depth += 1;
            }
            // The value opens with `(`, so a `)` always has one to close.
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == v.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether a value has the punctuation of an LDAP filter: a filter closed and another opened
/// with an attribute or an operator (`)(uid=`, `)(|(`, `)(&)`), a wildcard value closed (`=*)`,
/// `adm*)`), or a filter closed before an operator (`)|`, `)&`).
fn ldap_filter(v: &[u8]) -> bool {
    // The first `[` (found once: a `]` after it closes a bracket expression).
    let bracket = v.iter().position(|&b| b == b'[');
    v.windows(2).enumerate().any(|(i, w)| match w {
        b")(" => {
            let rest = &v[i + 2..];
            let attr = attribute_len(rest);
            matches!(rest.first(), Some(b'&' | b'|' | b'!' | b'*'))
                || (attr > 0 && matches!(rest.get(attr), Some(b'=' | b'~' | b'<' | b'>' | b':')))
        }
        // Inside a filter, what follows a closed component is another one, a closing
        // parenthesis, an operator or the end; a space or a word (`*@mailer.*) -is:starred`, a
        // consent cookie's `(… time)&version=`) is text.
        // A group the value opened itself and that holds no assertion (`(eval* OR certif*)`, a
        // search's boolean group of truncated terms) is no filter component: an injected wildcard
        // closes the application's own `(attr=` (`adm*)(|…`), or a component with its `=`.
        b"*)" => {
            (i == 0 || v[i - 1] != b'(')
                && !regex_repetition(v, i, bracket)
                && !search_group(v, i)
                && ldap_continues(&v[i + 2..])
        }
        b")|" | b")&" => ldap_continues(&v[i + 2..]),
        _ => false,
    })
}

/// The length of the LDAP attribute description that opens `rest` (letters, digits, `-`, `.`,
/// `;` for options), 0 when there is none.
fn attribute_len(rest: &[u8]) -> usize {
    rest.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b';')).count()
}

/// Whether the `*` at `i` ends a parenthesised group that the value opened (its last unclosed
/// `(` before `i`) and that holds no assertion or filter operator (`=`, `~`, `<`, `>`, `&`, `|`,
/// `!`): the group of a search query's terms.
fn search_group(v: &[u8], i: usize) -> bool {
    match v[..i].iter().rposition(|&b| b == b'(' || b == b')') {
        Some(o) if v[o] == b'(' => !v[o + 1..i].iter().any(|b| b"=~<>&|!".contains(b)),
        _ => false,
    }
}

/// Whether the `*` at `i` repeats a regular expression's atom that no LDAP assertion value holds
/// as it stands: a group (`(…)*`: a value escapes `)` as `\29`), a bracket expression opened
/// earlier in the value (`[0-9a-z-]*`; `bracket` is the value's first `[`), or a one-letter
/// escape (`\d*`, `\w*`: a value's escape is `\` and two hex digits), or any character as a
/// group's whole body (`(.*)`, `(?P<msg>.*)`). A semver or e-mail pattern
/// in a regex tester repeats so (`(?:\.[0-9a-z-]+)*)`, `\d*)(?:`); a filter's wildcard follows a
/// value's character (`adm*)`, `=*)`).
fn regex_repetition(v: &[u8], i: usize, bracket: Option<usize>) -> bool {
    match i.checked_sub(1).map(|p| v[p]) {
        Some(b')') => true,
        Some(b']') => bracket.is_some_and(|b| b < i - 1),
        // Any character, repeated as a group's whole body: `(.*)`, `(?P<msg>.*)` (no LDAP
        // filter opens with `.` after `(`, nor names an attribute `…>`).
        Some(b'.') => i >= 2 && matches!(v[i - 2], b'(' | b'>'),
        Some(c) => c.is_ascii_alphabetic() && i >= 2 && v[i - 2] == b'\\',
        None => false,
    }
}

/// What may follow a closed LDAP filter component (after spaces a lenient parser skips): the
/// end, another component, a closing parenthesis, an operator or a NUL that cuts the rest off.
fn ldap_continues(rest: &[u8]) -> bool {
    rest.trim_ascii_start().first().is_none_or(|&b| matches!(b, b'(' | b')' | b'&' | b'|' | b'!' | b'*' | 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, target: &str, headers: &[(&str, &str)]) -> Request {
        let mut h: Vec<(String, Vec<u8>)> = vec![
            (":method".into(), method.into()),
            (":path".into(), target.into()),
            (":authority".into(), b"api.example.com".to_vec()),
        ];
        h.extend(headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())));
        h.push(("accept".into(), b"*/*".to_vec()));
        h.push(("user-agent".into(), b"curl/8".to_vec()));
        Request::from_headers(h)
    }

    #[test]
    fn content_types_outside_the_list_score_unless_the_policy_accepts_them() {
        let check = |ct: &str, extra: &[&str]| {
            let extra: Vec<Vec<u8>> = extra.iter().map(|t| t.as_bytes().to_vec()).collect();
            let mut out = Vec::new();
            check_content_type(ct.as_bytes(), &extra, &mut out);
            out.iter().any(|(id, _)| *id == 1010)
        };
        assert!(!check("application/json; charset=utf-8", &[]));
        assert!(check("application/hl7-v2", &[]));
        assert!(!check("application/HL7-v2 ; charset=utf-8", &["application/hl7-v2"]));
        assert!(check("application/vnd.ms-excel", &["application/hl7-v2"]));
        assert!(!check("application/vnd.ms-excel", &["application/*"]));
        assert!(!check("text/x-edifact", &["application/*"]));
        assert!(!check("text/html; charset=utf-8", &[]));
        assert!(check("multipart/foo; boundary=0000", &[]));
        assert!(check("application/foo", &[]));
        assert!(check("text/", &[]));
        // Accepting a type never makes a malformed header acceptable.
        assert!(check("application/", &["application/*"]));
        assert!(check("application/hl7-v2/x", &["application/*"]));
    }

    #[test]
    fn accepted_content_type_entries_are_media_types_or_a_whole_type() {
        for good in ["application/hl7-v2", "application/*", " text/x-edifact ", "application/vnd.acme+json"] {
            assert!(media_type_pattern(good.as_bytes()), "{good}");
        }
        for bad in ["", "*/*", "application", "application/", "/json", "application/json; charset=utf-8", "a/b/c", "*"]
        {
            assert!(!media_type_pattern(bad.as_bytes()), "{bad}");
        }
    }

    fn ids(r: &Request) -> Vec<u32> {
        let mut out = Vec::new();
        check_head(r, &["GET".into(), "POST".into()], &[], None, &mut out);
        out.into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn a_charset_in_accept_counts_only_outside_the_common_ones() {
        let accept = |a: &str| {
            let r = Request::from_headers(vec![
                (":method".into(), b"GET".to_vec()),
                (":path".into(), b"/a".to_vec()),
                (":authority".into(), b"api.example.com".to_vec()),
                ("accept".into(), a.as_bytes().to_vec()),
                ("user-agent".into(), b"selenium/4.29.0 (python linux)".to_vec()),
            ]);
            ids(&r).contains(&1019)
        };
        for ok in [
            "application/json; charset=utf-8",
            "text/plain; charset=UTF-8",
            "text/html;q=0.9;charset=\"utf-8\";,*/*;q=.8",
            "text/html; charset=iso-8859-1, */*; charset=windows-1252",
        ] {
            assert!(!accept(ok), "{ok}");
        }
        for bad in [
            "text/html; charset=CP1026",
            "text/html;q=0.9;charset=\"CP1026\",*/*;q=0.8",
            "text/html;q=0.9;charset=\"iso-8859-1\",*/*;q=0.8;charset=utf-16",
            "text/html; charset=utf-7",
        ] {
            assert!(accept(bad), "{bad}");
        }
    }

    #[test]
    fn an_uploads_content_range_is_no_restricted_header() {
        let with = |method: &str, range: &str| {
            ids(&req(method, "/upload", &[("content-range", range), ("content-type", "application/octet-stream")]))
        };
        for (method, range) in [
            ("PUT", "bytes 0-524287/2000000"),
            ("PUT", "bytes */2000000"),
            ("PATCH", "0-1129"),
            ("POST", "Bytes 100-199/*"),
        ] {
            assert!(!with(method, range).contains(&1015), "{method} {range}");
        }
        for (method, range) in [
            ("GET", "bytes 0-99/100"),
            ("DELETE", "bytes 0-99/100"),
            ("PUT", "bytes 99-0/100"),
            ("PUT", "bytes 0-99, 200-299/300"),
            ("PUT", "bytes=0-99"),
            ("PUT", "bytes */*"),
            ("PUT", "items 0-9/10"),
            ("PUT", "bytes -99/100"),
        ] {
            assert!(with(method, range).contains(&1015), "{method} {range}");
        }
    }

    #[test]
    fn a_plain_get_raises_nothing() {
        assert!(ids(&req("GET", "/a?b=c", &[])).is_empty());
    }

    #[test]
    fn content_length_with_transfer_encoding_is_smuggling() {
        assert!(ids(&req(
            "POST",
            "/",
            &[("content-length", "3"), ("transfer-encoding", "chunked"), ("content-type", "text/plain")]
        ))
        .contains(&1001));
    }

    #[test]
    fn conflicting_content_lengths_are_invalid() {
        assert!(ids(&req(
            "POST",
            "/",
            &[("content-length", "3"), ("content-length", "4"), ("content-type", "text/plain")]
        ))
        .contains(&1002));
    }

    #[test]
    fn disallowed_methods_and_control_characters_are_flagged() {
        assert!(ids(&req("TRACE", "/", &[])).contains(&1000));
        assert!(ids(&req("GET", "/", &[("x-a", "a\u{1}b")])).contains(&1003));
        assert!(ids(&req("GET", "/a%00b", &[])).contains(&1008));
    }

    #[test]
    fn underscore_names_count_only_when_they_spell_a_trusted_header() {
        // A vendor's signing headers (an IoT cloud API) are only names.
        for name in ["client_id", "access_token", "sign_method", "x_app_version", "x.trace.tag"] {
            assert!(!ids(&req("GET", "/", &[(name, "v")])).contains(&1015), "{name}");
        }
        // Names that CGI-style servers read as a header a proxy sets, strips or checks.
        for name in [
            "x_forwarded_for",
            "x_forwarded_host",
            "x_real_ip",
            "content_length",
            "transfer_encoding",
            "transfer.encoding",
            "x_host",
            "proxy_authorization",
            "x_envoy_original_path",
            "x_original_url",
            "x_http_method_override",
            "x_consumer_id",
            "x_filename",
            "x.filename",
            "true_client_ip",
            "cf_connecting_ip",
            "wl_proxy_client_ip",
            "x_authenticated_userid",
            "remote_user",
        ] {
            assert!(ids(&req("GET", "/", &[(name, "v")])).contains(&1015), "{name}");
        }
    }

    #[test]
    fn header_injection_in_a_value_is_found() {
        let mut out = Vec::new();
        check_value(b"x\r\nSet-Cookie: a=b", true, &mut out);
        assert!(out.contains(&1006));
        // Bare labels set no header; one line with a value among them does.
        for (v, fires) in [
            (&b"\nquestion:"[..], false),
            (b"\nquestion:\nanswer: ", false),
            (b"\r\ntransfer-encoding:\r\n", true),
            (b"\r\nx-a:\r\nset-cookie: sid=1", true),
            (b"\r\nlocation:http://evil.example/", true),
            (b"\r\nhttp/1.1 200 ok", true),
            (b"\r\nx-a:\r\n\r\n<html>", true),
            // On bare line feeds a block counts only with a header that does something.
            (b"token: $t\nusername: shipyard\nicon: x", false),
            (b"## Today\nGrid: 4 kWh\nSolar: 2 kWh", false),
            (b"x\nrunbook: https://wiki.example/r", false),
            (b"x\nset-cookie: sid=1", true),
            (b"x\nlocation: https://evil.example/", true),
            (b"x\nx-forwarded-for: 127.0.0.1", true),
            (b"a@b.example\nbcc: victim@c.example", true),
            (b"x\nfoo: 1\ncontent-length: 0", true),
            // On CR LF any name counts, but a forwarded message's trace fields alone set nothing.
            (b"x\r\nx-user-role: admin", true),
            (b"x\r\nremote-addr: foo.bar.com", true),
            (b"Received: from a (b [198.51.100.23])\r\nMessage-ID: <c@d>\r\nIn-Reply-To: <e@f>", false),
            (b"x\r\nreceived: from a\r\nbcc: v@c.example", true),
            (b"x\r\nreceived: from a\r\nx-a: 1", true),
        ] {
            let mut out = Vec::new();
            check_value(v, true, &mut out);
            assert_eq!(out.contains(&1006), fires, "{}", String::from_utf8_lossy(v));
        }
    }
}

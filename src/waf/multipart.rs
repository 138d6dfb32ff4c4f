//! multipart/form-data bodies: each part's field name, file name and (textual) content are
//! handed to the sink. Also notices the oddities that let parsers disagree (quotes or control
//! characters in names, Content-Transfer-Encoding, charset parameters); it never rejects.

use super::rules::class;
use super::targets::{essence, Sink, TargetName};

/// How deep multiparts nest before a part is read as one value: OData's `$batch` puts a
/// changeset (a `multipart/mixed`) inside the batch, and an embedded request's body may be one.
const MAX_NESTING: u8 = 3;

/// Walks the parts; returns a description of the first anomaly, if any. `max_depth` bounds the
/// JSON of an embedded request's body.
pub fn walk(content_type: &[u8], body: &[u8], max_depth: usize, sink: &mut dyn Sink) -> Option<&'static str> {
    walk_at(content_type, body, max_depth, 0, sink)
}

fn walk_at(content_type: &[u8], body: &[u8], max_depth: usize, level: u8, sink: &mut dyn Sink) -> Option<&'static str> {
    // RFC 7578 (§4.7) leaves Content-Transfer-Encoding out of form-data; the other multipart
    // types (RFC 2046: `mixed`, `related` …) label every part with one, and the identity labels
    // (`7bit`, `8bit`, `binary`) change no byte.
    let form_data = essence(content_type) == b"multipart/form-data";
    let Some(boundary) = boundary(content_type) else {
        sink.value(class::BODY, TargetName::new("body", b""), body);
        return Some("multipart body without a boundary");
    };
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary);
    let mut anomaly = None;
    let mut parts = split(body, &delimiter);
    // The preamble before the first delimiter is ignored by parsers; inspect it anyway.
    if let Some(pre) = parts.next() {
        if pre.iter().any(|b| !b.is_ascii_whitespace()) {
            sink.value(class::BODY, TargetName::new("multipart_preamble", b""), pre);
        }
    }
    for part in parts {
        if part.starts_with(b"--") {
            break;
        }
        let part = strip_line_end(part);
        let (head, content) = split_head(part);
        let mut name: &[u8] = b"";
        let mut filename: Option<&[u8]> = None;
        let mut part_type: &[u8] = b"";
        for line in head.split(|&b| b == b'\n') {
            let line = strip_cr(line);
            if line.is_empty() {
                continue;
            }
            if line.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
                anomaly.get_or_insert("control character in a part header");
            }
            let lower = line.to_ascii_lowercase();
            if lower.starts_with(b"content-type:") {
                part_type = line[13..].trim_ascii();
            }
            if lower.starts_with(b"content-disposition:") {
                if let Some(n) = param(line, b"name") {
                    name = n;
                }
                filename = param(line, b"filename").or(filename);
                if param(line, b"filename*").is_some() {
                    anomaly.get_or_insert("RFC 2231 file name");
                }
            } else if lower.starts_with(b"content-transfer-encoding:") {
                let identity = matches!(lower[26..].trim_ascii(), b"7bit" | b"8bit" | b"binary");
                if form_data || !identity {
                    anomaly.get_or_insert("Content-Transfer-Encoding in a part");
                }
            } else if lower.starts_with(b"content-type:") && contains(&lower, b"charset") {
                let cs = lower.split(|&b| b == b'=').nth(1).unwrap_or(b"");
                let cs: Vec<u8> = cs.iter().copied().filter(|b| !b" \"';".contains(b)).collect();
                if !matches!(cs.as_slice(), b"utf-8" | b"iso-8859-1" | b"iso-8859-15" | b"windows-1252" | b"us-ascii") {
                    anomaly.get_or_insert("unusual charset in a part");
                }
            } else if !lower.starts_with(b"content-") && !line.contains(&b':') {
                anomaly.get_or_insert("malformed part header");
            }
        }
        for (v, file) in [(Some(name), false), (filename, true)].into_iter().filter_map(|(v, f)| Some((v?, f))) {
            let odd = v.iter().enumerate().any(|(i, &b)| match b {
                // In a file name, an apostrophe that ends a word before a space (`Owners'
                // Association`) and an `&` that opens no entity or parameter (`Property &
                // Owners`, `Keys&Strings_estimate.pdf`) are its words: no parser reads a quote
                // there (a single-quoted value opens with its quote) nor an entity or a query. An
                // `&` before `#` or before a name ended by `;` or `=` (`&amp;fi;`, `&x=`), and an
                // apostrophe inside a word (`te'st.txt`, the shape parser-differential probes
                // send), stay odd; a possessive's `'s` ending its word (`Guest list (Mum's
                // edits).csv`, `John's CV.pdf`) is a word too.
                b'\'' if file => {
                    let after_word = i > 0 && v[i - 1].is_ascii_alphabetic();
                    let possessive =
                        v.get(i + 1) == Some(&b's') && !v.get(i + 2).is_some_and(u8::is_ascii_alphanumeric);
                    !(after_word && (v.get(i + 1) == Some(&b' ') || possessive))
                }
                b'&' if file => {
                    let rest = v.get(i + 1..).unwrap_or_default();
                    let name = rest.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
                    rest.first() == Some(&b'#') || matches!(rest.get(name), Some(b';' | b'='))
                }
                b'"' | b'\'' | b';' | b'\\' | b'&' | b'%' => true,
                _ => b < 0x20,
            });
            if odd {
                anomaly.get_or_insert("odd characters in a field or file name");
            }
        }
        if name == b"_charset_" {
            anomaly.get_or_insert("_charset_ field");
        }
        if !sink.value(class::ARG_NAME, TargetName::new("multipart_name:", name), name) {
            return anomaly;
        }
        if let Some(f) = filename {
            if !sink.value(class::FILENAME, TargetName::new("multipart_filename:", name), f) {
                return anomaly;
            }
        }
        if level < MAX_NESTING && filename.is_none() {
            let part_essence = essence(part_type);
            // A nested multipart (an OData changeset) is walked part by part.
            if part_essence.starts_with(b"multipart/") && self::boundary(part_type).is_some() {
                if let Some(a) = walk_at(part_type, content, max_depth, level + 1, sink) {
                    anomaly.get_or_insert(a);
                }
                continue;
            }
            // An `application/http` part (RFC 9112 §10.1: OData's `$batch`, Google's batch
            // endpoints) is a request the upstream runs: its path, query arguments, headers and
            // body are inspected as a request's own. Its framing (a request line, header lines)
            // is what the part is, no injection. A part that does not read as a request is one
            // value, as before.
            if part_essence == b"application/http" {
                if let Some(embedded) = http_request(content) {
                    if !embedded_request(&embedded, max_depth, level, sink, &mut anomaly) {
                        return anomaly;
                    }
                    continue;
                }
            }
        }
        let binary = content.iter().take(512).filter(|&&b| b == 0).count() > 0 && filename.is_some();
        if !binary && !sink.value(class::ARG_VALUE, TargetName::new("multipart:", name), content) {
            return anomaly;
        }
    }
    anomaly
}

/// A request inside an `application/http` part: `METHOD target HTTP/x.y`, header lines, an
/// empty line, the body.
struct Embedded<'a> {
    target: &'a [u8],
    headers: Vec<(&'a [u8], &'a [u8])>,
    body: &'a [u8],
}

/// Reads a part's content as an HTTP request, or None when it is not one: a request line of an
/// upper-case method, a target without spaces and an `HTTP/` version, then `Name: value` lines.
fn http_request(content: &[u8]) -> Option<Embedded<'_>> {
    let content = content.strip_prefix(b"\r\n").or_else(|| content.strip_prefix(b"\n")).unwrap_or(content);
    let mut lines = content.split_inclusive(|&b| b == b'\n');
    let first = lines.next()?;
    let mut used = first.len();
    let line = strip_cr(first.strip_suffix(b"\n")?);
    let mut words = line.split(|&b| b == b' ');
    let (method, target, version) = (words.next()?, words.next()?, words.next()?);
    let method_ok = (1..=16).contains(&method.len()) && method.iter().all(u8::is_ascii_uppercase);
    let version_ok = version
        .strip_prefix(b"HTTP/")
        .is_some_and(|v| !v.is_empty() && v.iter().all(|&b| b.is_ascii_digit() || b == b'.'));
    let target_ok = !target.is_empty() && target.iter().all(|&b| b > b' ' && b != 0x7f);
    if words.next().is_some() || !method_ok || !version_ok || !target_ok {
        return None;
    }
    let mut headers = Vec::new();
    let mut ended = false;
    for raw in lines {
        used += raw.len();
        let line = strip_cr(raw.strip_suffix(b"\n").unwrap_or(raw));
        if line.is_empty() {
            ended = true;
            break;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
            return None;
        }
        if headers.len() == 64 || line.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
            return None;
        }
        headers.push((name, line[colon + 1..].trim_ascii()));
    }
    let body = if ended { &content[used..] } else { b"" };
    Some(Embedded { target, headers, body })
}

/// Hands an embedded request's values to the sink; false when the sink stopped.
fn embedded_request(
    req: &Embedded<'_>,
    max_depth: usize,
    level: u8,
    sink: &mut dyn Sink,
    anomaly: &mut Option<&'static str>,
) -> bool {
    let (path, query) = super::targets::split_target(req.target);
    if !sink.value(class::PATH, TargetName::new("batch_path", b""), path) {
        return false;
    }
    if let Some(q) = query {
        if !super::targets::form(q, "batch_args:", "batch_args_names:", sink) {
            return false;
        }
    }
    let mut content_type: &[u8] = b"";
    for &(name, value) in &req.headers {
        if name.eq_ignore_ascii_case(b"content-type") {
            content_type = value;
        }
        // The headers a request's own would be inspected under `headers: ["*"]`: not those of a
        // fixed grammar (`Accept`, `Authorization`, `If-Match` …) nor those proxies set.
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        if super::targets::header_selected(&lower, &[], true)
            && !sink.value(class::HEADER, TargetName::new("batch_header:", name), value)
        {
            return false;
        }
    }
    let body = req.body.strip_suffix(b"\r\n").or_else(|| req.body.strip_suffix(b"\n")).unwrap_or(req.body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    if content_type.is_empty() {
        return sink.value(class::BODY, TargetName::new("batch_body", b""), body);
    }
    if super::targets::body_kind(content_type) == super::targets::BodyKind::Multipart {
        if let Some(a) = walk_at(content_type, body, max_depth, level + 1, sink) {
            anomaly.get_or_insert(a);
        }
        return true;
    }
    let found = super::targets::body(content_type, body, max_depth, &mut Forward(sink));
    if let Some(a) = found.multipart_anomaly {
        anomaly.get_or_insert(a);
    }
    true
}

/// The body parsers take a sized sink.
struct Forward<'s>(&'s mut dyn Sink);

impl Sink for Forward<'_> {
    fn value(&mut self, classes: u16, name: TargetName<'_>, value: &[u8]) -> bool {
        self.0.value(classes, name, value)
    }
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

/// The `boundary` parameter of a Content-Type.
pub fn boundary(content_type: &[u8]) -> Option<&[u8]> {
    let lower = content_type.to_ascii_lowercase();
    let at = lower.windows(9).position(|w| w == b"boundary=")?;
    let rest = &content_type[at + 9..];
    let rest = if rest.first() == Some(&b'"') {
        let r = &rest[1..];
        &r[..r.iter().position(|&b| b == b'"').unwrap_or(r.len())]
    } else {
        &rest[..rest.iter().position(|&b| b == b';' || b == b' ').unwrap_or(rest.len())]
    };
    (!rest.is_empty()).then_some(rest)
}

/// The parts between delimiters (the first is the preamble, the last what follows the last one).
/// The delimiter is found by a linear-time substring search: compared window by window, a long
/// boundary of one repeated byte (`------…x`, up to the header limit) against a body of that byte
/// cost the boundary's length at every byte of the body.
pub(crate) fn split<'a>(body: &'a [u8], delimiter: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(body);
    let finder = memchr::memmem::Finder::new(delimiter);
    std::iter::from_fn(move || {
        let r = rest?;
        match finder.find(r) {
            Some(i) => {
                rest = Some(&r[i + delimiter.len()..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

fn strip_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn strip_line_end(p: &[u8]) -> &[u8] {
    let p = p.strip_prefix(b"\r\n").or_else(|| p.strip_prefix(b"\n")).unwrap_or(p);
    p.strip_suffix(b"\r\n").or_else(|| p.strip_suffix(b"\n")).unwrap_or(p)
}

fn split_head(part: &[u8]) -> (&[u8], &[u8]) {
    if let Some(i) = part.windows(4).position(|w| w == b"\r\n\r\n") {
        return (&part[..i], &part[i + 4..]);
    }
    if let Some(i) = part.windows(2).position(|w| w == b"\n\n") {
        return (&part[..i], &part[i + 2..]);
    }
    (part, b"")
}

/// A `key="value"` or `key=value` parameter of a header line (key matched case-insensitively,
/// and not as the tail of a longer key).
fn param<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let lower = line.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) =
        lower.get(from..)?.windows(key.len() + 1).position(|w| &w[..key.len()] == key && w[key.len()] == b'=')
    {
        let at = from + p;
        let preceded_ok = at == 0 || matches!(lower[at - 1], b' ' | b';' | b'\t');
        let start = at + key.len() + 1;
        if preceded_ok {
            let rest = &line[start..];
            return Some(if rest.first() == Some(&b'"') {
                let r = &rest[1..];
                // A backslash escapes the next character.
                let mut i = 0;
                while i < r.len() && r[i] != b'"' {
                    i += if r[i] == b'\\' { 2 } else { 1 };
                }
                &r[..i.min(r.len())]
            } else {
                &rest[..rest.iter().position(|&b| b == b';').unwrap_or(rest.len())]
            });
        }
        from = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::waf::targets::tests::Collect;

    #[test]
    fn field_values_and_file_names_are_delivered() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.php\"\r\nContent-Type: text/plain\r\n\r\n<?php\r\n--B--\r\n";
        let mut c = Collect::default();
        assert_eq!(walk(b"multipart/form-data; boundary=B", body, 16, &mut c), None);
        assert!(c.0.contains(&(class::ARG_VALUE, "multipart:a".into(), "hello".into())));
        assert!(c.0.contains(&(class::FILENAME, "multipart_filename:f".into(), "x.php".into())));
        assert!(c.0.contains(&(class::ARG_VALUE, "multipart:f".into(), "<?php".into())));
    }

    #[test]
    fn content_transfer_encoding_is_an_anomaly() {
        let body = b"--B\nContent-Disposition: form-data; name=\"a\"\nContent-Transfer-Encoding: base64\n\naGk=\n--B--";
        assert!(walk(b"multipart/form-data; boundary=B", body, 16, &mut Collect::default()).is_some());
    }

    const BATCH: &[u8] = b"--batch_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET Products?$filter=UnitsInStock%20lt%2010&$top=5 HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n--batch_1\r\nContent-Type: multipart/mixed; boundary=cs_1\r\n\r\n--cs_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPATCH Orders('4969') HTTP/1.1\r\nContent-Type: application/json\r\nIf-Match: *\r\nPrefer: return=minimal\r\n\r\n{\"Note\":\"rush, gate 4\"}\r\n--cs_1--\r\n\r\n--batch_1--\r\n";

    #[test]
    fn an_odata_batch_is_read_request_by_request() {
        let mut c = Collect::default();
        assert_eq!(walk(b"multipart/mixed; boundary=batch_1", BATCH, 16, &mut c), None);
        let has = |class, name: &str, value: &str| c.0.contains(&(class, name.into(), value.into()));
        assert!(has(class::PATH, "batch_path", "Products"), "{:?}", c.0);
        assert!(has(class::ARG_VALUE, "batch_args:$filter", "UnitsInStock lt 10"), "{:?}", c.0);
        assert!(has(class::ARG_VALUE, "batch_args:$top", "5"), "{:?}", c.0);
        // Headers of a fixed grammar are skipped, as on the request itself.
        assert!(!c.0.iter().any(|(_, n, _)| n == "batch_header:Accept"), "{:?}", c.0);
        // The changeset inside the batch: its request's path, headers and JSON body.
        assert!(has(class::PATH, "batch_path", "Orders('4969')"), "{:?}", c.0);
        assert!(has(class::HEADER, "batch_header:Prefer", "return=minimal"), "{:?}", c.0);
        assert!(c.0.iter().any(|(_, n, v)| n.starts_with("json:") && v == "rush, gate 4"), "{:?}", c.0);
        // No part is handed whole: the request lines are framing, not a value.
        assert!(!c.0.iter().any(|(_, _, v)| v.contains("HTTP/1.1")), "{:?}", c.0);
    }

    #[test]
    fn parts_that_are_not_requests_or_nest_too_deep_are_one_value() {
        // Not a request line: the content is one value, as any part's.
        let body = b"--B\r\nContent-Type: application/http\r\n\r\nhello\r\nSet-Cookie: a=b\r\n--B--\r\n";
        let mut c = Collect::default();
        walk(b"multipart/mixed; boundary=B", body, 16, &mut c);
        assert!(c.0.iter().any(|(k, n, v)| *k == class::ARG_VALUE && n == "multipart:" && v.contains("Set-Cookie")));
        // A request with a lower-case method or a space in its target is no request either.
        for line in ["get /a HTTP/1.1", "GET /a b HTTP/1.1", "GET /a HTTP/x", "GET /a"] {
            assert!(http_request(format!("{line}\r\nA: b\r\n\r\n").as_bytes()).is_none(), "{line}");
        }
        // Four levels of multipart: the fourth is read as one value.
        let mut nested = b"--L3\r\nContent-Type: application/http\r\n\r\nGET deep HTTP/1.1\r\n\r\n--L3--".to_vec();
        for level in (0..3).rev() {
            let inner = nested;
            nested =
                format!("--L{level}\r\nContent-Type: multipart/mixed; boundary=L{}\r\n\r\n", level + 1).into_bytes();
            nested.extend_from_slice(&inner);
            nested.extend_from_slice(format!("\r\n--L{level}--").as_bytes());
        }
        let mut c = Collect::default();
        walk(b"multipart/mixed; boundary=L0", &nested, 16, &mut c);
        assert!(!c.0.iter().any(|(_, n, _)| n == "batch_path"), "{:?}", c.0);
        assert!(c.0.iter().any(|(_, _, v)| v.contains("GET deep HTTP/1.1")), "{:?}", c.0);
    }

    #[test]
    fn identity_transfer_encodings_are_no_anomaly_outside_form_data() {
        let part = |cte: &str| {
            format!("--B\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: {cte}\r\n\r\nhi\r\n--B--\r\n")
        };
        for cte in ["binary", "7bit", "8BIT"] {
            assert_eq!(walk(b"multipart/mixed; boundary=B", part(cte).as_bytes(), 16, &mut Collect::default()), None);
            // RFC 7578 leaves the header out of form-data: any value there is still an anomaly.
            let form = part(cte).replace("Content-Type: text/plain", "Content-Disposition: form-data; name=\"a\"");
            assert!(walk(b"multipart/form-data; boundary=B", form.as_bytes(), 16, &mut Collect::default()).is_some());
        }
        for cte in ["base64", "quoted-printable", "x-gzip"] {
            assert!(walk(b"multipart/mixed; boundary=B", part(cte).as_bytes(), 16, &mut Collect::default()).is_some());
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 3u64;
        for _ in 0..10_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let len = (seed >> 57) as usize;
            let abc: &[u8] = b"-B\r\n\"=;: name filename";
            let v: Vec<u8> = (0..len).map(|i| abc[((seed >> (i % 50)) as usize + i) % abc.len()]).collect();
            let _ = walk(b"multipart/form-data; boundary=B", &v, 16, &mut Collect::default());
            let mut batch = BATCH.to_vec();
            let at = (seed as usize >> 7) % batch.len();
            batch.splice(at..at, v.iter().copied());
            batch.truncate(batch.len() - (seed as usize >> 20) % 40);
            let _ = walk(b"multipart/mixed; boundary=batch_1", &batch, 16, &mut Collect::default());
        }
    }
}

//! multipart/form-data bodies: each part's field name, file name and (textual) content are
//! handed to the sink. Also notices the oddities that let parsers disagree (quotes or control
//! characters in names, Content-Transfer-Encoding, charset parameters); it never rejects.

use super::rules::class;
use super::targets::{Sink, TargetName};

/// Walks the parts; returns a description of the first anomaly, if any.
pub fn walk(content_type: &[u8], body: &[u8], sink: &mut dyn Sink) -> Option<&'static str> {
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
        for line in head.split(|&b| b == b'\n') {
            let line = strip_cr(line);
            if line.is_empty() {
                continue;
            }
            if line.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
                anomaly.get_or_insert("control character in a part header");
            }
            let lower = line.to_ascii_lowercase();
            if lower.starts_with(b"content-disposition:") {
                if let Some(n) = param(line, b"name") {
                    name = n;
                }
                filename = param(line, b"filename").or(filename);
                if param(line, b"filename*").is_some() {
                    anomaly.get_or_insert("RFC 2231 file name");
                }
            } else if lower.starts_with(b"content-transfer-encoding:") {
                anomaly.get_or_insert("Content-Transfer-Encoding in a part");
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
        let binary = content.iter().take(512).filter(|&&b| b == 0).count() > 0 && filename.is_some();
        if !binary && !sink.value(class::ARG_VALUE, TargetName::new("multipart:", name), content) {
            return anomaly;
        }
    }
    anomaly
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
        assert_eq!(walk(b"multipart/form-data; boundary=B", body, &mut c), None);
        assert!(c.0.contains(&(class::ARG_VALUE, "multipart:a".into(), "hello".into())));
        assert!(c.0.contains(&(class::FILENAME, "multipart_filename:f".into(), "x.php".into())));
        assert!(c.0.contains(&(class::ARG_VALUE, "multipart:f".into(), "<?php".into())));
    }

    #[test]
    fn content_transfer_encoding_is_an_anomaly() {
        let body = b"--B\nContent-Disposition: form-data; name=\"a\"\nContent-Transfer-Encoding: base64\n\naGk=\n--B--";
        assert!(walk(b"multipart/form-data; boundary=B", body, &mut Collect::default()).is_some());
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 3u64;
        for _ in 0..10_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let len = (seed >> 57) as usize;
            let abc: &[u8] = b"-B\r\n\"=;: name filename";
            let v: Vec<u8> = (0..len).map(|i| abc[((seed >> (i % 50)) as usize + i) % abc.len()]).collect();
            let _ = walk(b"multipart/form-data; boundary=B", &v, &mut Collect::default());
        }
    }
}

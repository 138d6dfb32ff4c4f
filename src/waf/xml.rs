//! XML bodies, read loosely: text nodes, CDATA and attribute values are handed to the sink with
//! the element (and attribute) they belong to; DOCTYPE declarations are handed over raw. Never
//! resolves entities or fetches anything; malformed input just ends the walk.

use super::rules::class;
use super::targets::{Sink, TargetName};

pub fn walk(body: &[u8], max_depth: usize, sink: &mut dyn Sink) {
    let _ = max_depth;
    let mut i = 0;
    let mut element: &[u8] = b"";
    while i < body.len() {
        if body[i] != b'<' {
            let end = body[i..].iter().position(|&b| b == b'<').map_or(body.len(), |p| i + p);
            let text = &body[i..end];
            if text.iter().any(|b| !b.is_ascii_whitespace())
                && !sink.value(class::ARG_VALUE, TargetName::new("xml:", element), text)
            {
                return;
            }
            i = end;
            continue;
        }
        let rest = &body[i..];
        if rest.starts_with(b"<![CDATA[") {
            let end = find(rest, b"]]>").unwrap_or(rest.len());
            if !sink.value(class::ARG_VALUE, TargetName::new("xml:", element), &rest[9.min(end)..end]) {
                return;
            }
            i += (end + 3).min(rest.len());
            continue;
        }
        if rest.starts_with(b"<!--") {
            i += find(rest, b"-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
            if rest.starts_with(b"<!") && !sink.value(class::BODY, TargetName::new("xml_doctype", b""), &rest[..end]) {
                return;
            }
            i += (end + 1).min(rest.len());
            continue;
        }
        // A start or end tag.
        let end = tag_end(rest);
        let tag = &rest[1..end.max(1)];
        if !tag.starts_with(b"/") {
            let name_end =
                tag.iter().position(|&b| b.is_ascii_whitespace() || b == b'/' || b == b'>').unwrap_or(tag.len());
            element = &tag[..name_end];
            attributes(&tag[name_end..], element, sink);
        }
        i += (end + 1).min(rest.len());
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// The index of the `>` that ends the tag starting at 0, skipping quoted attribute values.
fn tag_end(s: &[u8]) -> usize {
    let mut quote = None;
    for (i, &b) in s.iter().enumerate().skip(1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i,
            None => {}
        }
    }
    s.len()
}

pub(crate) fn attributes(mut s: &[u8], element: &[u8], sink: &mut dyn Sink) {
    // `element@`, written once: each attribute's name replaces the last one's (copying the
    // element's name again for every attribute was quadratic in a long name with many attributes).
    let mut name_buf = Vec::with_capacity(element.len() + 1);
    name_buf.extend_from_slice(element);
    name_buf.push(b'@');
    let at = name_buf.len();
    while let Some(eq) = s.iter().position(|&b| b == b'=') {
        let name = s[..eq].rsplit(|b| b.is_ascii_whitespace()).next().unwrap_or(b"");
        let after = &s[eq + 1..];
        let after = &after[after.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(after.len())..];
        let (value, rest) = match after.first() {
            Some(&q) if q == b'"' || q == b'\'' => {
                let end = after[1..].iter().position(|&b| b == q).map_or(after.len(), |p| p + 1);
                (&after[1..end], after.get(end + 1..).unwrap_or(b""))
            }
            _ => {
                let end = after.iter().position(|b| b.is_ascii_whitespace()).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        name_buf.truncate(at);
        name_buf.extend_from_slice(name);
        if !sink.value(class::ARG_VALUE, TargetName::new("xml:", &name_buf), value) {
            return;
        }
        s = rest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<(String, String)>);
    impl Sink for Collect {
        fn value(&mut self, _: u16, name: TargetName<'_>, value: &[u8]) -> bool {
            self.0.push((name.render(), String::from_utf8_lossy(value).into_owned()));
            true
        }
    }

    #[test]
    fn text_and_attribute_values_are_delivered() {
        let mut c = Collect::default();
        walk(br#"<?xml version="1.0"?><root><a probe="x>y">text</a><![CDATA[raw]]></root>"#, 32, &mut c);
        assert!(c.0.contains(&("xml:a@probe".into(), "x>y".into())));
        assert!(c.0.contains(&("xml:a".into(), "text".into())));
        assert!(c.0.contains(&("xml:a".into(), "raw".into())));
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 5u64;
        for _ in 0..10_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let len = (seed >> 58) as usize;
            let v: Vec<u8> = (0..len).map(|i| b"<>/=\"'![CDATA?- a"[((seed >> (i % 50)) as usize + i) % 17]).collect();
            walk(&v, 8, &mut Collect::default());
        }
    }
}

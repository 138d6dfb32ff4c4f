//! A small, total JSON walker: every key and every string, number and literal leaf is handed to
//! the sink with its path (`$.user.tags[0]`). Nesting deeper than the bound is handed over as
//! one raw value. It never builds a tree and never fails with a panic; bad JSON returns false.
//!
//! One loop over the tokens, not one call per value: the open containers are a stack of path
//! steps (the current key of an object, the current index of an array), at most `max_depth`
//! deep, since a container at the bound is handed over raw and not entered. Whitespace is
//! skipped only where there is some (one comparison when there is none).

use super::rules::class;
use super::targets::{Sink, TargetName};

/// Where the last string read is: a string without escapes is the input's own bytes (no copy).
#[derive(Clone, Copy)]
enum Str {
    Input(usize, usize),
    Scratch,
}

/// Where a value is in the document (`$.user.tags[0]`): the walker's stack of steps, one per
/// open container. Spelt out only when a target name is needed (a match, a custom rule or an
/// exclusion reads it), not for every key and element.
#[derive(Debug)]
pub struct JsonPath<'a> {
    input: &'a [u8],
    /// Keys that had escapes, decoded, one after the other (see `Step::Decoded`).
    keys: Vec<u8>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    /// `.key`, the key's bytes in the input (`start..end`; at most 256 bytes of it are spelt).
    Key(usize, usize),
    /// `.key` of a key with escapes, decoded into the walker's `keys` (`start..end`).
    Decoded(usize, usize),
    /// `[index]`
    Index(usize),
}

impl JsonPath<'_> {
    /// Appends the path, from `$`, to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(b'$');
        for step in &self.steps {
            let key = match *step {
                Step::Key(start, end) => self.input.get(start..end).unwrap_or_default(),
                Step::Decoded(start, end) => self.keys.get(start..end).unwrap_or_default(),
                Step::Index(i) => {
                    out.push(b'[');
                    push_decimal(out, i);
                    out.push(b']');
                    continue;
                }
            };
            out.push(b'.');
            out.extend_from_slice(key.get(..256).unwrap_or(key));
        }
    }
}

/// Byte classes: JSON whitespace (`is_ascii_whitespace`), what ends a number or literal (that
/// whitespace, `,`, `}` and `]`), and the bytes a number is made of.
const WS: u8 = 1;
const LIT_END: u8 = 2;
const NUMERIC: u8 = 4;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let ws = [b' ', b'\t', b'\n', 0x0c, b'\r'];
    let mut i = 0;
    while i < ws.len() {
        t[ws[i] as usize] = WS | LIT_END;
        i += 1;
    }
    t[b',' as usize] = LIT_END;
    t[b'}' as usize] = LIT_END;
    t[b']' as usize] = LIT_END;
    let numeric = *b"0123456789-+.eE";
    let mut i = 0;
    while i < numeric.len() {
        t[numeric[i] as usize] = NUMERIC;
        i += 1;
    }
    t
};

/// The byte at `pos` after any whitespace (`pos` moved to it, not past it); `None` at the end.
#[inline(always)]
fn next_byte(input: &[u8], pos: &mut usize) -> Option<u8> {
    let b = *input.get(*pos)?;
    if b > b' ' {
        return Some(b);
    }
    skip_ws(input, pos)
}

fn skip_ws(input: &[u8], pos: &mut usize) -> Option<u8> {
    while let Some(&b) = input.get(*pos) {
        if CLASS[usize::from(b)] & WS == 0 {
            return Some(b);
        }
        *pos += 1;
    }
    None
}

/// What reading a member's key left: the walk goes on with its value, stops (the sink said so),
/// or the input is not JSON.
enum KeyRead {
    Value,
    Stopped,
    Malformed,
}

/// Reads an object's key at `pos` (after `{` or `,`, whitespace allowed) up to and past its `:`,
/// makes it the innermost step of `path` and hands it over.
#[inline(always)]
fn key<S: Sink + ?Sized>(
    input: &[u8],
    pos: &mut usize,
    path: &mut JsonPath<'_>,
    scratch: &mut Vec<u8>,
    quotes: &QuoteSplats,
    sink: &mut S,
) -> KeyRead {
    if next_byte(input, pos) != Some(b'"') {
        return KeyRead::Malformed;
    }
    let Some((s, end)) = string(input, *pos + 1, scratch, quotes) else { return KeyRead::Malformed };
    *pos = end;
    let Some(top) = path.steps.last_mut() else { return KeyRead::Malformed };
    // A decoded key is kept while its member is walked; the previous member's goes.
    if let Step::Decoded(start, _) = *top {
        path.keys.truncate(start);
    }
    let handed = match s {
        Str::Input(start, end) => {
            *top = Step::Key(start, end);
            let key = input.get(start..end).unwrap_or_default();
            sink.value(class::ARG_NAME, TargetName::json("json_key:", path), key)
        }
        Str::Scratch => {
            let start = path.keys.len();
            path.keys.extend_from_slice(scratch);
            *top = Step::Decoded(start, path.keys.len());
            sink.value(class::ARG_NAME, TargetName::json("json_key:", path), scratch)
        }
    };
    if !handed {
        return KeyRead::Stopped;
    }
    if next_byte(input, pos) != Some(b':') {
        return KeyRead::Malformed;
    }
    *pos += 1;
    KeyRead::Value
}

/// Walks `input`; returns false when it is not valid JSON (values seen so far were delivered).
/// Newline-delimited JSON (several documents in a row) is walked document after document.
pub fn walk<S: Sink + ?Sized>(input: &[u8], max_depth: usize, sink: &mut S) -> bool {
    // The open containers, innermost last, and the decoded keys their `Step::Decoded` point to:
    // the path of every value handed over.
    let mut path = JsonPath { input, keys: Vec::new(), steps: Vec::new() };
    // The decoding of the last string read that had escapes.
    let mut scratch: Vec<u8> = Vec::new();
    // What the end-of-string search compares with, taken once (see `QuoteSplats`).
    let quotes = quote_splats();
    let mut pos = 0usize;
    // Each turn reads a value (a document's, an element's or a member's), then what follows it.
    'value: loop {
        let Some(b) = next_byte(input, &mut pos) else { return false };
        match b {
            b'"' => {
                let Some((s, end)) = string(input, pos + 1, &mut scratch, quotes) else { return false };
                pos = end;
                let value = match s {
                    Str::Input(start, end) => input.get(start..end).unwrap_or_default(),
                    Str::Scratch => &scratch,
                };
                if !sink.value(class::ARG_VALUE, TargetName::json("json:", &path), value) {
                    return true;
                }
            }
            b'{' | b'[' if path.steps.len() >= max_depth => {
                let Some(end) = skip_container(input, pos) else { return false };
                let raw = input.get(pos..end).unwrap_or_default();
                pos = end;
                if !sink.value(class::ARG_VALUE, TargetName::json("json:", &path), raw) {
                    return true;
                }
            }
            b'{' => {
                pos += 1;
                if next_byte(input, &mut pos) == Some(b'}') {
                    pos += 1;
                } else {
                    path.steps.push(Step::Key(0, 0));
                    match key(input, &mut pos, &mut path, &mut scratch, quotes, sink) {
                        KeyRead::Value => continue 'value,
                        KeyRead::Stopped => return true,
                        KeyRead::Malformed => return false,
                    }
                }
            }
            b'[' => {
                pos += 1;
                if next_byte(input, &mut pos) == Some(b']') {
                    pos += 1;
                } else {
                    path.steps.push(Step::Index(0));
                    continue 'value;
                }
            }
            _ => {
                // A number or literal: up to `,`, `}`, `]`, whitespace or the end, made of a
                // number's bytes only, or one of the three literals.
                let start = pos;
                let mut all = NUMERIC;
                while let Some(&c) = input.get(pos) {
                    let k = CLASS[usize::from(c)];
                    if k & LIT_END != 0 {
                        break;
                    }
                    all &= k;
                    pos += 1;
                }
                let lit = input.get(start..pos).unwrap_or_default();
                if lit.is_empty() || (all == 0 && !matches!(lit, b"true" | b"false" | b"null")) {
                    return false;
                }
            }
        }
        // What follows a value: `,` and the next element or member, or the container's close
        // (then what follows the container), or, at the top, the end or the next document.
        loop {
            let b = next_byte(input, &mut pos);
            match path.steps.last_mut() {
                None => {
                    if b.is_none() {
                        return true;
                    }
                    continue 'value;
                }
                Some(Step::Index(i)) => match b {
                    Some(b',') => {
                        *i += 1;
                        pos += 1;
                        continue 'value;
                    }
                    Some(b']') => {
                        path.steps.pop();
                        pos += 1;
                    }
                    _ => return false,
                },
                Some(top) => match b {
                    Some(b',') => {
                        pos += 1;
                        match key(input, &mut pos, &mut path, &mut scratch, quotes, sink) {
                            KeyRead::Value => continue 'value,
                            KeyRead::Stopped => return true,
                            KeyRead::Malformed => return false,
                        }
                    }
                    Some(b'}') => {
                        if let Step::Decoded(start, _) = *top {
                            path.keys.truncate(start);
                        }
                        path.steps.pop();
                        pos += 1;
                    }
                    _ => return false,
                },
            }
        }
    }
}

/// Reads the string whose first byte is at `start` (just past its opening quote): without
/// escapes it stays in the input, else it is decoded into `scratch`. Also returns the position
/// past its closing quote.
#[inline(always)]
fn string(input: &[u8], start: usize, scratch: &mut Vec<u8>, quotes: &QuoteSplats) -> Option<(Str, usize)> {
    let end = start + quote_or_backslash(input.get(start..)?, quotes)?;
    if input.get(end) == Some(&b'"') {
        return Some((Str::Input(start, end), end + 1));
    }
    scratch.clear();
    scratch.extend_from_slice(input.get(start..end)?);
    let pos = unescape(input, end, scratch)?;
    Some((Str::Scratch, pos))
}

/// Goes on decoding a string with escapes from `pos` into `scratch`, up to its closing quote;
/// returns the position past it.
#[inline(never)]
fn unescape(input: &[u8], mut pos: usize, scratch: &mut Vec<u8>) -> Option<usize> {
    loop {
        let b = *input.get(pos)?;
        pos += 1;
        match b {
            b'"' => return Some(pos),
            b'\\' => {
                let e = *input.get(pos)?;
                pos += 1;
                match e {
                    b'n' => scratch.push(b'\n'),
                    b't' => scratch.push(b'\t'),
                    b'r' => scratch.push(b'\r'),
                    b'b' => scratch.push(8),
                    b'f' => scratch.push(12),
                    b'u' => {
                        let cp = hex4(input, pos)?;
                        pos += 4;
                        let cp = if (0xd800..0xdc00).contains(&cp)
                            && input.get(pos) == Some(&b'\\')
                            && input.get(pos + 1) == Some(&b'u')
                        {
                            let lo = hex4(input, pos + 2)?;
                            pos += 6;
                            0x10000 + ((cp - 0xd800) << 10) + (lo.wrapping_sub(0xdc00) & 0x3ff)
                        } else {
                            cp
                        };
                        let c = char::from_u32(cp).unwrap_or('\u{fffd}');
                        let mut buf = [0u8; 4];
                        scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    other => scratch.push(other),
                }
            }
            _ => scratch.push(b),
        }
    }
}

fn hex4(input: &[u8], pos: usize) -> Option<u32> {
    let digits = input.get(pos..pos + 4)?;
    digits.iter().try_fold(0u32, |acc, &c| (c as char).to_digit(16).map(|d| acc * 16 + d))
}

/// Skips the container at `pos` without interpreting it (used beyond the depth bound); returns
/// the position past its close.
fn skip_container(input: &[u8], mut pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    while let Some(&b) = input.get(pos) {
        pos += 1;
        if in_string {
            match b {
                b'\\' => pos += 1,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(pos);
                }
            }
            _ => {}
        }
    }
    None
}

include!("json/scan.rs");

/// Appends `n` in decimal (array indices in paths), without allocating.
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(i..).unwrap_or_default());
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    /// The form it replaced: one growing buffer, each member's `.key` (cut at 256 bytes) and each
    /// element's `[index]` appended on the way in and cut off on the way out.
    #[test]
    fn a_path_is_spelt_as_the_growing_buffer_spelt_it() {
        let long = vec![b'k'; 300];
        let names: [&[u8]; 6] = [b"", b"a", b"user name", b"\xc3\xa9t\xc3\xa9", &long, b"x.y[0]"];
        // Each name once in an "input" and once in a "decoded keys" buffer.
        let (mut input, mut keys, mut at) = (Vec::new(), Vec::new(), Vec::new());
        for k in names {
            at.push((input.len(), keys.len(), k.len()));
            input.extend_from_slice(k);
            keys.extend_from_slice(k);
        }
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..5_000 {
            let mut steps = Vec::new();
            let mut buffer = b"$".to_vec();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for d in 0..(x % 9) {
                let r = x.rotate_left(d as u32 * 7);
                if r % 3 == 0 {
                    let i = (r >> 8) as usize % 100_000;
                    steps.push(Step::Index(i));
                    buffer.push(b'[');
                    push_decimal(&mut buffer, i);
                    buffer.push(b']');
                } else {
                    let n = (r >> 8) as usize % names.len();
                    let (i, d, len) = at[n];
                    steps.push(if r % 3 == 1 { Step::Key(i, i + len) } else { Step::Decoded(d, d + len) });
                    buffer.push(b'.');
                    buffer.extend_from_slice(&names[n][..len.min(256)]);
                }
            }
            let mut out = Vec::new();
            JsonPath { input: &input, keys: keys.clone(), steps }.write(&mut out);
            assert_eq!(out, buffer);
        }
    }

    #[test]
    fn indices_are_written_in_decimal() {
        for n in [0usize, 7, 10, 99, 100, 12345, usize::MAX] {
            let mut v = b"x".to_vec();
            push_decimal(&mut v, n);
            assert_eq!(v, format!("x{n}").into_bytes());
        }
    }

    #[test]
    fn the_head_scan_finds_the_first_quote_or_backslash() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 48) as usize;
            let abc: &[u8] = b"ab\"\\\x00\xff\x22\x5c\x21\x5b\x23\x5d\x01";
            let v: Vec<u8> = (0..len).map(|i| abc[((seed >> (i % 60)) as usize + i * 7) % abc.len()]).collect();
            let head = v.len().min(32);
            let want = v[..head].iter().position(|&b| b == b'"' || b == b'\\').ok_or(head);
            assert_eq!(quote_or_backslash_in_head(&v), want, "{v:?}");
        }
    }

    /// The whole search (the head, then memchr; the Wasm build's SIMD loop is checked the same
    /// way as built for Wasm, see `json/scan.rs`).
    #[test]
    fn the_search_finds_the_first_quote_or_backslash() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 100) as usize;
            let abc: &[u8] = b"ab\"\\\x00\xff\x21\x5b\x23\x5daaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
            let v: Vec<u8> = (0..len).map(|i| abc[((seed >> (i % 60)) as usize + i * 7 + i * i) % abc.len()]).collect();
            for off in 0..len.min(20) {
                let s = &v[off..];
                assert_eq!(
                    quote_or_backslash(s, quote_splats()),
                    s.iter().position(|&b| b == b'"' || b == b'\\'),
                    "{s:?}"
                );
            }
        }
    }

    #[test]
    fn strings_with_and_without_escapes_are_delivered_alike() {
        let mut c = Collect::default();
        assert!(walk(br#"{"plain":"abc","esc\u0041pe":"a\"b\\c\nd","":""}"#, 32, &mut c));
        assert!(c.0.contains(&(class::ARG_VALUE, "json:$.plain".into(), "abc".into())));
        assert!(c.0.contains(&(class::ARG_NAME, "json_key:$.escApe".into(), "escApe".into())));
        assert!(c.0.contains(&(class::ARG_VALUE, "json:$.escApe".into(), "a\"b\\c\nd".into())));
        assert!(c.0.contains(&(class::ARG_VALUE, "json:$.".into(), "".into())));
    }

    use crate::waf::targets::tests::Collect;

    #[test]
    fn every_key_and_string_is_delivered_with_its_path() {
        let mut c = Collect::default();
        assert!(walk(br#"{"user":{"name":"a\u0027b","tags":["x",1,true]}}"#, 32, &mut c));
        assert!(c.0.contains(&(class::ARG_VALUE, "json:$.user.name".into(), "a'b".into())));
        assert!(c.0.contains(&(class::ARG_VALUE, "json:$.user.tags[0]".into(), "x".into())));
        assert!(c.0.contains(&(class::ARG_NAME, "json_key:$.user.tags".into(), "tags".into())));
    }

    #[test]
    fn nesting_beyond_the_bound_is_delivered_raw() {
        let mut c = Collect::default();
        assert!(walk(br#"{"a":{"b":{"c":"deep"}}}"#, 2, &mut c));
        assert!(c.0.iter().any(|(_, n, v)| n == "json:$.a.b" && v.contains("deep")));
    }

    #[test]
    fn malformed_json_is_reported_and_never_panics() {
        for bad in [&b"{"[..], b"{\"a\"", b"[1,", b"\"\\u12", b"{\"a\":tru}", b"}", b"\"\\"] {
            let mut c = Collect::default();
            assert!(!walk(bad, 32, &mut c));
        }
        let mut seed = 7u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let len = (seed >> 58) as usize;
            let abc: &[u8] = b"{}[]\":,\\u0a1 ";
            let v: Vec<u8> = (0..len).map(|i| abc[((seed >> (i % 50)) as usize + i) % abc.len()]).collect();
            let _ = walk(&v, 4, &mut Collect::default());
        }
    }
    /// Every sink call as it was made: classes, prefix, the target's key (the path, spelt out
    /// in full) and the value's bytes. Answers false from call `stop_at` on.
    struct Record {
        calls: Vec<(u16, &'static str, Vec<u8>, Vec<u8>)>,
        stop_at: usize,
    }
    impl Sink for Record {
        fn value(&mut self, classes: u16, name: TargetName<'_>, value: &[u8]) -> bool {
            self.calls.push((classes, name.prefix, name.key().into_owned(), value.to_vec()));
            self.calls.len() < self.stop_at
        }
    }

    /// The calls and the answer of the new walker and of the one it replaced, on `doc`.
    fn both(doc: &[u8], max_depth: usize, stop_at: usize) {
        let mut new = Record { calls: Vec::new(), stop_at };
        let mut old = Record { calls: Vec::new(), stop_at };
        let ok_new = walk(doc, max_depth, &mut new);
        let ok_old = reference::walk(doc, max_depth, &mut old);
        assert!(
            ok_new == ok_old && new.calls == old.calls,
            "{:?} (depth {max_depth}, stop {stop_at}): {ok_new} vs {ok_old}\n{:?}\n{:?}",
            String::from_utf8_lossy(doc),
            new.calls
                .iter()
                .map(|c| (c.0, c.1, String::from_utf8_lossy(&c.2), String::from_utf8_lossy(&c.3)))
                .collect::<Vec<_>>(),
            old.calls
                .iter()
                .map(|c| (c.0, c.1, String::from_utf8_lossy(&c.2), String::from_utf8_lossy(&c.3)))
                .collect::<Vec<_>>(),
        );
    }

    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn ws(&mut self, out: &mut Vec<u8>) {
            // Mostly none; JSON's whitespace, and bytes that are not (vertical tab, NUL).
            if self.below(3) == 0 {
                for _ in 0..1 + self.below(3) {
                    let n = if self.below(20) == 0 { 9 } else { 7 };
                    out.push(b" \t\n\r\x0c \n\x0b\x00"[self.below(n)]);
                }
            }
        }
        fn string(&mut self, out: &mut Vec<u8>) {
            out.push(b'"');
            let len = match self.below(6) {
                0 => 0,
                1..=3 => 1 + self.below(14),
                4 => 20 + self.below(40),
                _ => 200 + self.below(200),
            };
            const PIECES: [&str; 24] = [
                "a",
                "b",
                "Z",
                " ",
                "0",
                "é",
                "✓",
                "'",
                "<",
                "\\\"",
                "\\\\",
                "\\/",
                "\\n",
                "\\t",
                "\\b",
                "\\f",
                "\\r",
                "\\u0041",
                "\\u00e9",
                "\\ud83d\\ude00",
                "\\ud800",
                "\\udc00x",
                "\\ud800\\u0041",
                "\\q",
            ];
            for _ in 0..len {
                let n = if self.below(4) == 0 { PIECES.len() } else { 5 };
                let p = PIECES[self.below(n)];
                out.extend_from_slice(p.as_bytes());
            }
            out.push(b'"');
        }
        fn scalar(&mut self, out: &mut Vec<u8>) {
            const LITS: [&str; 14] = [
                "0", "1", "-12.5e+3", "412047", "21.84", "true", "false", "null", "1.2.3", "tru", "nul", "+1", "1x",
                "-",
            ];
            let n = if self.below(10) == 0 { LITS.len() } else { 8 };
            let i = self.below(n);
            out.extend_from_slice(LITS[i].as_bytes());
        }
        fn value(&mut self, out: &mut Vec<u8>, depth: usize) {
            self.ws(out);
            let kinds = if depth > 7 { 2 } else { 6 };
            match self.below(kinds) {
                0 => self.string(out),
                1 => self.scalar(out),
                2 | 3 => {
                    out.push(b'{');
                    self.ws(out);
                    for i in 0..self.below(5) {
                        if i > 0 {
                            out.push(b',');
                        }
                        self.ws(out);
                        self.string(out);
                        self.ws(out);
                        out.push(b':');
                        self.value(out, depth + 1);
                        self.ws(out);
                    }
                    out.push(b'}');
                }
                _ => {
                    out.push(b'[');
                    self.ws(out);
                    for i in 0..self.below(5) {
                        if i > 0 {
                            out.push(b',');
                        }
                        self.value(out, depth + 1);
                        self.ws(out);
                    }
                    out.push(b']');
                }
            }
            self.ws(out);
        }
        fn document(&mut self) -> Vec<u8> {
            let mut out = Vec::new();
            // NDJSON: sometimes several documents in a row.
            let docs = if self.below(5) == 0 { 2 + self.below(3) } else { 1 };
            for _ in 0..docs {
                self.value(&mut out, 0);
                if self.below(2) == 0 {
                    out.push(b'\n');
                }
            }
            out
        }
    }

    /// The walker was rebuilt (one loop with a stack of steps instead of one call per value):
    /// it makes the same sink calls, in the same order, with the same names and bytes, and gives
    /// the same answer as the recursive one it replaced, on random documents (nested objects and
    /// arrays, escapes and surrogates, long strings, whitespace everywhere, depth around the
    /// bound, NDJSON), every prefix of them, single-byte changes of them, random bytes, and a
    /// sink that stops at a random call.
    #[test]
    fn the_walk_makes_the_calls_the_recursive_walk_made() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        for round in 0..3_000 {
            let doc = g.document();
            let depth = if round % 4 == 0 { 32 } else { 1 + g.below(6) };
            both(&doc, depth, usize::MAX);
            both(&doc, depth, 1 + g.below(12));
            // Prefixes: every one of short documents, a sample of long ones.
            let step = 1 + doc.len() / 64;
            for cut in (0..doc.len()).step_by(step) {
                both(&doc[..cut], depth, usize::MAX);
            }
            // One byte changed, inserted or removed.
            for _ in 0..4 {
                let mut m = doc.clone();
                if m.is_empty() {
                    break;
                }
                let at = g.below(m.len());
                let alphabet = b"{}[]\":,\\ u0a1e.-\n";
                let b = alphabet[g.below(alphabet.len())];
                match g.below(3) {
                    0 => m[at] = b,
                    1 => m.insert(at, b),
                    _ => {
                        m.remove(at);
                    }
                }
                both(&m, depth, usize::MAX);
            }
        }
        // Random bytes, from JSON's structural bytes and from all bytes.
        for _ in 0..30_000 {
            let len = g.below(40);
            let abc: &[u8] = b"{}[]\":,\\u0a1 tfn\"\"{\"a\":[";
            let v: Vec<u8> =
                (0..len).map(|_| if g.below(8) == 0 { g.next() as u8 } else { abc[g.below(abc.len())] }).collect();
            both(&v, 1 + g.below(4), usize::MAX);
        }
        // Nesting around the bound, and far beyond it.
        for depth in [1usize, 2, 3, 31, 32, 33] {
            for n in [depth - 1, depth, depth + 1, 200] {
                let doc = [&b"{\"k\":[".repeat(n)[..], b"\"x\"", &b"]}".repeat(n)[..]].concat();
                both(&doc, depth, usize::MAX);
                both(&doc[..doc.len() - 1], depth, usize::MAX);
            }
        }
    }

    /// What the walk costs natively, for callgrind: `WALK_BODY=file WALK_N=n [WALK_OLD=1]
    /// cargo test --release --lib walk_cost -- --ignored` (the difference between two `n` is
    /// the cost of walks).
    #[test]
    #[ignore]
    fn walk_cost() {
        struct Sum(usize);
        impl Sink for Sum {
            fn value(&mut self, classes: u16, _: TargetName<'_>, value: &[u8]) -> bool {
                self.0 += value.len() + usize::from(classes);
                true
            }
        }
        let body = std::fs::read(std::env::var("WALK_BODY").unwrap_or_default()).unwrap_or_default();
        let n: usize = std::env::var("WALK_N").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
        let old = std::env::var("WALK_OLD").is_ok();
        let mut sum = Sum(0);
        for _ in 0..n {
            let body = std::hint::black_box(&body[..]);
            let ok = if old { reference::walk(body, 32, &mut sum) } else { walk(body, 32, &mut sum) };
            assert!(ok);
        }
        println!("{}", sum.0);
    }
}

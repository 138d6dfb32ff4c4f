//! A small, total JSON walker: every key and every string, number and literal leaf is handed to
//! the sink with its path (`$.user.tags[0]`). Nesting deeper than the bound is handed over as
//! one raw value. It never builds a tree and never fails with a panic; bad JSON returns false.

use super::rules::class;
use super::targets::{Sink, TargetName};

/// Where the last string read is: a string without escapes is the input's own bytes (no copy).
#[derive(Clone, Copy)]
enum Str {
    Input(usize, usize),
    Scratch,
}

/// Where a value is in the document (`$.user.tags[0]`): one step per level, each on the walker's
/// stack, pointing to its parent. Spelt out only when a target name is needed (a match, a custom
/// rule or an exclusion reads it), not for every key and element as a growing buffer.
#[derive(Debug, Clone, Copy)]
pub struct JsonPath<'a> {
    parent: Option<&'a JsonPath<'a>>,
    step: Step<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    /// `$`
    Root,
    /// `.key` (at most 256 bytes of it)
    Key(&'a [u8]),
    /// `[index]`
    Index(usize),
}

impl JsonPath<'_> {
    /// Appends the path, from `$`, to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        if let Some(parent) = self.parent {
            parent.write(out);
        }
        match self.step {
            Step::Root => out.push(b'$'),
            Step::Key(key) => {
                out.push(b'.');
                out.extend_from_slice(&key[..key.len().min(256)]);
            }
            Step::Index(i) => {
                out.push(b'[');
                push_decimal(out, i);
                out.push(b']');
            }
        }
    }
}

struct Walker<'a, 's, S: Sink + ?Sized> {
    input: &'a [u8],
    pos: usize,
    /// The decoding of the last string read that had escapes.
    scratch: Vec<u8>,
    max_depth: usize,
    sink: &'s mut S,
    stopped: bool,
}

/// Walks `input`; returns false when it is not valid JSON (values seen so far were delivered).
pub fn walk<S: Sink + ?Sized>(input: &[u8], max_depth: usize, sink: &mut S) -> bool {
    let mut w = Walker { input, pos: 0, scratch: Vec::new(), max_depth, sink, stopped: false };
    let root = JsonPath { parent: None, step: Step::Root };
    w.skip_ws();
    // Newline-delimited JSON: several documents in a row.
    let mut any = false;
    while w.pos < w.input.len() {
        if w.value(0, &root).is_none() {
            return w.stopped;
        }
        any = true;
        w.skip_ws();
    }
    any || w.stopped
}

impl<S: Sink + ?Sized> Walker<'_, '_, S> {
    fn skip_ws(&mut self) {
        while self.input.get(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn emit(&mut self, classes: u16, prefix: &'static str, s: Str, at: &JsonPath<'_>) -> Option<()> {
        let value = match s {
            Str::Input(start, end) => self.input.get(start..end).unwrap_or_default(),
            Str::Scratch => &self.scratch,
        };
        let ok = self.sink.value(classes, TargetName::json(prefix, at), value);
        if ok {
            Some(())
        } else {
            self.stopped = true;
            None
        }
    }

    /// The value at `pos`, whose place in the document is `at`.
    fn value(&mut self, depth: usize, at: &JsonPath<'_>) -> Option<()> {
        self.skip_ws();
        match *self.input.get(self.pos)? {
            b'{' | b'[' if depth >= self.max_depth => {
                let start = self.pos;
                self.skip_container()?;
                let raw = &self.input[start..self.pos];
                let ok = self.sink.value(class::ARG_VALUE, TargetName::json("json:", at), raw);
                if !ok {
                    self.stopped = true;
                    return None;
                }
                Some(())
            }
            b'{' => self.object(depth, at),
            b'[' => self.array(depth, at),
            b'"' => {
                let s = self.string()?;
                self.emit(class::ARG_VALUE, "json:", s, at)
            }
            _ => {
                let start = self.pos;
                while self
                    .input
                    .get(self.pos)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
                let lit = &self.input[start..self.pos];
                if lit.is_empty() {
                    return None;
                }
                let valid = matches!(lit, b"true" | b"false" | b"null")
                    || lit.iter().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
                if !valid {
                    return None;
                }
                Some(())
            }
        }
    }

    fn object(&mut self, depth: usize, at: &JsonPath<'_>) -> Option<()> {
        self.pos += 1;
        self.skip_ws();
        if self.input.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Some(());
        }
        let input = self.input;
        loop {
            self.skip_ws();
            if self.input.get(self.pos) != Some(&b'"') {
                return None;
            }
            let s = self.string()?;
            // A key with escapes is decoded into `scratch`, which the member's value reuses: it
            // is kept aside for as long as its path is in use.
            let escaped = match s {
                Str::Input(..) => Vec::new(),
                Str::Scratch => std::mem::take(&mut self.scratch),
            };
            let key = match s {
                Str::Input(start, end) => input.get(start..end).unwrap_or_default(),
                Str::Scratch => &escaped,
            };
            let here = JsonPath { parent: Some(at), step: Step::Key(key) };
            if !self.sink.value(class::ARG_NAME, TargetName::json("json_key:", &here), key) {
                self.stopped = true;
                return None;
            }
            self.skip_ws();
            if self.input.get(self.pos) != Some(&b':') {
                return None;
            }
            self.pos += 1;
            self.value(depth + 1, &here)?;
            self.skip_ws();
            match self.input.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize, at: &JsonPath<'_>) -> Option<()> {
        self.pos += 1;
        self.skip_ws();
        if self.input.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Some(());
        }
        let mut index = 0usize;
        loop {
            self.value(depth + 1, &JsonPath { parent: Some(at), step: Step::Index(index) })?;
            index += 1;
            self.skip_ws();
            match self.input.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads a string at `pos` (which is `"`): without escapes it stays in the input, else it is
    /// decoded into `scratch`.
    fn string(&mut self) -> Option<Str> {
        self.pos += 1;
        let start = self.pos;
        let rest = self.input.get(start..)?;
        // Most keys and values are short: the first 32 bytes are looked at eight at a time (no
        // call), the rest, if any, with memchr.
        let end = start
            + match quote_or_backslash_in_head(rest) {
                Ok(i) => i,
                Err(head) => head + memchr::memchr2(b'"', b'\\', rest.get(head..)?)?,
            };
        if self.input.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return Some(Str::Input(start, end));
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(self.input.get(start..end)?);
        self.pos = end;
        self.unescape()?;
        Some(Str::Scratch)
    }

    /// Goes on decoding a string with escapes into `scratch`, up to its closing quote.
    fn unescape(&mut self) -> Option<()> {
        loop {
            let b = *self.input.get(self.pos)?;
            self.pos += 1;
            match b {
                b'"' => return Some(()),
                b'\\' => {
                    let e = *self.input.get(self.pos)?;
                    self.pos += 1;
                    match e {
                        b'n' => self.scratch.push(b'\n'),
                        b't' => self.scratch.push(b'\t'),
                        b'r' => self.scratch.push(b'\r'),
                        b'b' => self.scratch.push(8),
                        b'f' => self.scratch.push(12),
                        b'u' => {
                            let cp = self.hex4()?;
                            let cp = if (0xd800..0xdc00).contains(&cp)
                                && self.input.get(self.pos) == Some(&b'\\')
                                && self.input.get(self.pos + 1) == Some(&b'u')
                            {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((cp - 0xd800) << 10) + (lo.wrapping_sub(0xdc00) & 0x3ff)
                            } else {
                                cp
                            };
                            let c = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            self.scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        other => self.scratch.push(other),
                    }
                }
                _ => self.scratch.push(b),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.input.get(self.pos..self.pos + 4)?;
        let v = digits.iter().try_fold(0u32, |acc, &c| (c as char).to_digit(16).map(|d| acc * 16 + d))?;
        self.pos += 4;
        Some(v)
    }

    /// Skips a container without interpreting it (used beyond the depth bound).
    fn skip_container(&mut self) -> Option<()> {
        let mut depth = 0usize;
        let mut in_string = false;
        while let Some(&b) = self.input.get(self.pos) {
            self.pos += 1;
            if in_string {
                match b {
                    b'\\' => self.pos += 1,
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
                        return Some(());
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// The position of the first `"` or `\\` among the first 32 bytes of `s` (`Ok`), else how many
/// bytes were looked at (`Err`). Eight bytes at a time: a byte equal to the one looked for is a
/// zero byte of the word XOR that byte repeated, and the lowest flagged byte of the classic
/// zero-byte test is always the first zero byte.
fn quote_or_backslash_in_head(s: &[u8]) -> Result<usize, usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let head = s.len().min(32);
    let mut i = 0;
    while i + 8 <= head {
        let Some(w) = s.get(i..i + 8).and_then(|w| w.first_chunk::<8>()) else { break };
        let w = u64::from_le_bytes(*w);
        let hit = zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')));
        if hit != 0 {
            return Ok(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while let Some(&b) = s.get(i).filter(|_| i < head) {
        if b == b'"' || b == b'\\' {
            return Ok(i);
        }
        i += 1;
    }
    Err(head)
}

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
mod tests {
    use super::*;

    /// The form it replaced: one growing buffer, each member's `.key` (cut at 256 bytes) and each
    /// element's `[index]` appended on the way in and cut off on the way out.
    #[test]
    fn a_path_is_spelt_as_the_growing_buffer_spelt_it() {
        fn chain(steps: &[Step<'_>], at: &JsonPath<'_>, out: &mut Vec<u8>) {
            match steps.split_first() {
                Some((step, rest)) => chain(rest, &JsonPath { parent: Some(at), step: *step }, out),
                None => at.write(out),
            }
        }
        let long = vec![b'k'; 300];
        let keys: [&[u8]; 6] = [b"", b"a", b"user name", b"\xc3\xa9t\xc3\xa9", &long, b"x.y[0]"];
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
                    let k = keys[(r >> 8) as usize % keys.len()];
                    steps.push(Step::Key(k));
                    buffer.push(b'.');
                    buffer.extend_from_slice(&k[..k.len().min(256)]);
                }
            }
            let mut out = Vec::new();
            chain(&steps, &JsonPath { parent: None, step: Step::Root }, &mut out);
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
}

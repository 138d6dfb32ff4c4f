//! The recursive walker that the iterative one in `json.rs` replaced (7ed240e), kept for the
//! differential test: the same sink calls, in the same order, with the same names and bytes.
//! Its path is spelt into a buffer and handed over as `TargetName::new`, which renders alike.

use super::super::rules::class;
use super::super::targets::{Sink, TargetName};
use super::{push_decimal, quote_or_backslash_in_head};

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
pub(super) struct JsonPath<'a> {
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
    pub(super) fn write(&self, out: &mut Vec<u8>) {
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

fn spelt(at: &JsonPath<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    at.write(&mut out);
    out
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
pub(super) fn walk<S: Sink + ?Sized>(input: &[u8], max_depth: usize, sink: &mut S) -> bool {
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
        let ok = self.sink.value(classes, TargetName::new(prefix, &spelt(at)), value);
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
                let ok = self.sink.value(class::ARG_VALUE, TargetName::new("json:", &spelt(at)), raw);
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
            if !self.sink.value(class::ARG_NAME, TargetName::new("json_key:", &spelt(&here)), key) {
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

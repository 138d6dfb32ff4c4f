//! Transformations applied to a target value before signatures look at it: decoding, folding and
//! canonicalisation. Every function is total (any bytes in, never panics) and never grows its
//! input, so allocation is bounded by the value's own length; none ever interprets a value.

use std::borrow::Cow;

/// At most this many rounds of percent-decoding (`%2527` → `%27` → `'`).
pub const MAX_PERCENT_ROUNDS: usize = 3;

/// One named transformation, as custom rules may list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transformation {
    UrlDecode,
    HtmlEntityDecode,
    JsDecode,
    CssDecode,
    FoldUnicode,
    RemoveNul,
    Lowercase,
    CompressWhitespace,
    SqlFold,
    PathNormalize,
    ShellFold,
}

impl Transformation {
    pub const NAMES: [(&'static str, Transformation); 11] = [
        ("url_decode", Transformation::UrlDecode),
        ("html_entity_decode", Transformation::HtmlEntityDecode),
        ("js_decode", Transformation::JsDecode),
        ("css_decode", Transformation::CssDecode),
        ("fold_unicode", Transformation::FoldUnicode),
        ("remove_nul", Transformation::RemoveNul),
        ("lowercase", Transformation::Lowercase),
        ("compress_whitespace", Transformation::CompressWhitespace),
        ("sql_fold", Transformation::SqlFold),
        ("path_normalize", Transformation::PathNormalize),
        ("shell_fold", Transformation::ShellFold),
    ];

    pub fn from_name(name: &str) -> Option<Transformation> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    pub fn apply<'a>(self, input: &'a [u8]) -> Cow<'a, [u8]> {
        match self {
            Transformation::UrlDecode => percent_decode_repeated(input),
            Transformation::HtmlEntityDecode => html_entity_decode(input),
            Transformation::JsDecode => js_decode(input),
            Transformation::CssDecode => css_decode(input),
            Transformation::FoldUnicode => fold_unicode(input),
            Transformation::RemoveNul => remove_nul(input),
            Transformation::Lowercase => lowercase(input),
            Transformation::CompressWhitespace => compress_whitespace(input),
            Transformation::SqlFold => sql_fold(input),
            Transformation::PathNormalize => path_normalize(input),
            Transformation::ShellFold => shell_fold(input),
        }
    }
}

/// Applies `next` to a Cow, keeping it borrowed when nothing changes.
fn chain<'a>(value: Cow<'a, [u8]>, next: impl for<'b> Fn(&'b [u8]) -> Cow<'b, [u8]>) -> Cow<'a, [u8]> {
    match value {
        Cow::Borrowed(b) => next(b),
        Cow::Owned(o) => match next(&o) {
            Cow::Borrowed(_) => Cow::Owned(o),
            Cow::Owned(n) => Cow::Owned(n),
        },
    }
}

/// The decoding every signature sees: repeated percent-decoding (with `%uXXXX`), HTML entities,
/// JS and CSS escapes, full-width folding, NUL removal, ASCII lower-casing.
pub fn canonical(input: &[u8]) -> Cow<'_, [u8]> {
    // Without `%`, `&`, `\`, NUL or non-ASCII bytes no decoder or folder changes anything.
    if !input.iter().any(|&b| matches!(b, b'%' | b'&' | b'\\' | 0 | 0x80..=0xff)) {
        return lowercase(input);
    }
    let v = percent_decode_repeated(input);
    let v = chain(v, html_entity_decode);
    let v = chain(v, js_decode);
    let v = chain(v, css_decode);
    let v = chain(v, fold_unicode);
    let v = chain(v, remove_nul);
    chain(v, lowercase)
}

/// Which kinds of byte a (canonical) value contains, found in one pass. Lets the scanner skip
/// the derived views and checks that cannot change or match anything: a value without shell
/// metacharacters has a shell view equal to itself, one without quotes or `(` is no SQL candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape(u16);

impl Shape {
    /// Whitespace other than a single space (tab, CR, LF, VT, FF, NBSP byte) or a run of spaces.
    pub const WS: u16 = 1;
    pub const SLASH: u16 = 1 << 1;
    pub const STAR: u16 = 1 << 2;
    /// `\` or `;`: path parameters and Windows separators.
    pub const PATH_SEP: u16 = 1 << 3;
    /// `\ ' " ^ $ {`: what the shell view removes or rewrites.
    pub const SHELL: u16 = 1 << 4;
    /// `' " \` ( # ; - / | &`: what an SQL fragment needs.
    pub const SQL: u16 = 1 << 5;
    /// `< > " ' \``: what markup or an attribute break needs.
    pub const MARKUP: u16 = 1 << 6;
    /// CR, LF or NUL.
    pub const CONTROL: u16 = 1 << 7;
    pub const RPAREN: u16 = 1 << 8;
    /// `<`: what a tag, a comment or a doctype needs.
    pub const LT: u16 = 1 << 9;
    /// `=`: what an attribute value needs.
    pub const EQ: u16 = 1 << 10;
    /// `' " \` ( # ;`: a byte that makes a value of two bytes or more an SQL candidate
    /// ([`sql_shaped`]).
    pub const SQL_QUOTE: u16 = 1 << 11;
    /// `/ | &`: bytes that make an SQL candidate only doubled (`||`, `&&`) or as `/*`.
    pub const SQL_PAIRED: u16 = 1 << 12;
    /// `-`, and two of them in a row (`--`).
    pub const DASH: u16 = 1 << 13;
    pub const DASHES: u16 = 1 << 14;

    const TABLE: [u16; 256] = {
        let mut t = [0u16; 256];
        t[b'\t' as usize] = Self::WS | Self::SHELL;
        t[b'\n' as usize] = Self::WS | Self::SHELL | Self::CONTROL;
        t[b'\r' as usize] = Self::WS | Self::SHELL | Self::CONTROL;
        t[0x0b] = Self::WS;
        t[0x0c] = Self::WS;
        t[0xa0] = Self::WS;
        t[0] = Self::CONTROL;
        t[b'/' as usize] = Self::SLASH | Self::SQL | Self::SQL_PAIRED;
        t[b'*' as usize] = Self::STAR;
        t[b'\\' as usize] = Self::PATH_SEP | Self::SHELL;
        t[b';' as usize] = Self::PATH_SEP | Self::SQL | Self::SQL_QUOTE;
        t[b'\'' as usize] = Self::SHELL | Self::SQL | Self::SQL_QUOTE | Self::MARKUP;
        t[b'"' as usize] = Self::SHELL | Self::SQL | Self::SQL_QUOTE | Self::MARKUP;
        t[b'^' as usize] = Self::SHELL;
        t[b'$' as usize] = Self::SHELL;
        t[b'{' as usize] = Self::SHELL;
        t[b'`' as usize] = Self::SQL | Self::SQL_QUOTE | Self::MARKUP;
        t[b'(' as usize] = Self::SQL | Self::SQL_QUOTE;
        t[b'#' as usize] = Self::SQL | Self::SQL_QUOTE;
        t[b'-' as usize] = Self::SQL | Self::DASH;
        t[b'|' as usize] = Self::SQL | Self::SQL_PAIRED;
        t[b'&' as usize] = Self::SQL | Self::SQL_PAIRED;
        t[b'<' as usize] = Self::MARKUP | Self::LT;
        t[b'>' as usize] = Self::MARKUP;
        t[b')' as usize] = Self::RPAREN;
        t[b'=' as usize] = Self::EQ;
        t
    };

    pub fn of(v: &[u8]) -> Shape {
        // The same scan as the raw bytes' (whose low 16 bits are these kinds).
        Shape(RawBytes::of(v).0 as u16)
    }

    pub fn has(self, kinds: u16) -> bool {
        self.0 & kinds != 0
    }

    /// `sql_fold` would return the value unchanged.
    pub fn sql_unchanged(self) -> bool {
        !(self.has(Self::WS) || (self.has(Self::SLASH) && self.has(Self::STAR)))
    }

    /// `path_normalize` would return the value unchanged (certain only without `/`).
    pub fn path_unchanged(self) -> bool {
        !self.has(Self::PATH_SEP | Self::SLASH)
    }

    /// `shell_fold` would return the value unchanged.
    pub fn shell_unchanged(self) -> bool {
        !self.has(Self::SHELL | Self::WS)
    }
}

/// What one pass over a raw value finds: whether [`canonical`] does more than lower-case it (and
/// whether it lower-cases anything), the bytes that rule out a base64 view, and the [`Shape`] of
/// the canonical value when canonicalisation only lower-cases (letters have no shape, so the
/// raw value's shape is the canonical one's). One table lookup per byte replaces the separate
/// scans of the decoders, the lower-casing, the shape and the base64 test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawBytes(u32);

impl RawBytes {
    /// `%`, `&`, `\`, NUL or a non-ASCII byte: a decoder or folder of [`canonical`] may act.
    pub const DECODE: u32 = 1 << 16;
    /// An ASCII upper-case letter.
    pub const UPPER: u32 = 1 << 17;
    pub const COLON: u32 = 1 << 18;
    pub const PERCENT: u32 = 1 << 19;
    /// A byte that is neither base64 (or base64url), `=` nor `%`.
    pub const NOT_BASE64: u32 = 1 << 20;
    /// A space (a run of two makes the value's shape [`Shape::WS`]; looked for only when set).
    const SPACE: u32 = 1 << 21;
    /// `%`, `&`, `\` or NUL: the bytes of [`DECODE`](Self::DECODE) other than non-ASCII ones.
    const ESCAPE: u32 = 1 << 22;
    /// `0xE3` or `0xEF`: the first byte of every sequence [`fold_unicode`] folds.
    const FOLD_LEAD: u32 = 1 << 23;

    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            let mut k = Shape::TABLE[b] as u32;
            if matches!(c, b'%' | b'&' | b'\\' | 0 | 0x80..=0xff) {
                k |= Self::DECODE;
            }
            if c.is_ascii_uppercase() {
                k |= Self::UPPER;
            }
            if c == b':' {
                k |= Self::COLON;
            }
            if c == b'%' {
                k |= Self::PERCENT;
            }
            if !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'=' | b'%')) {
                k |= Self::NOT_BASE64;
            }
            if c == b' ' {
                k |= Self::SPACE;
            }
            if matches!(c, b'%' | b'&' | b'\\' | 0) {
                k |= Self::ESCAPE;
            }
            if matches!(c, 0xe3 | 0xef) {
                k |= Self::FOLD_LEAD;
            }
            t[b] = k;
            b += 1;
        }
        t
    };

    pub fn of(v: &[u8]) -> RawBytes {
        let mut k = 0u32;
        // Four bytes per step (one loop test and one accumulation for four lookups).
        let mut fours = v.chunks_exact(4);
        for f in &mut fours {
            if let [a, b, c, d] = *f {
                let t = |x: u8| Self::TABLE[x as usize];
                k |= t(a) | t(b) | t(c) | t(d);
            }
        }
        for &b in fours.remainder() {
            k |= Self::TABLE[b as usize];
        }
        // A run of spaces counts as whitespace for the shape: looked for only in values with a
        // space that are not already marked.
        let ws = Shape::WS as u32;
        if k & (Self::SPACE | ws) == Self::SPACE && v.windows(2).any(|w| w[0] == b' ' && w[1] == b' ') {
            k |= ws;
        }
        // The same for a run of dashes.
        if k & Shape::DASH as u32 != 0 && v.windows(2).any(|w| w == b"--") {
            k |= Shape::DASHES as u32;
        }
        RawBytes(k)
    }

    /// The marks of [`classify_lower`] for this table.
    const MARKS: ClassMarks = ClassMarks {
        pair_of_spaces: Shape::WS as u32,
        pair_of_dashes: Shape::DASHES as u32,
        upper: Self::TABLE[b'A' as usize],
        space: Self::TABLE[b' ' as usize],
        punct: Self::TABLE[b'.' as usize],
    };

    /// [`RawBytes::of`] of `v`, and `v` lower-cased (ASCII) into `lower`, in one pass over `v`.
    pub fn of_lowered(v: &[u8], lower: &mut Vec<u8>) -> RawBytes {
        RawBytes(classify_lower(v, &Self::TABLE, Self::MARKS, lower))
    }

    pub fn has(self, kinds: u32) -> bool {
        self.0 & kinds != 0
    }

    /// [`canonical`] of the value these bytes were found in (`raw`), without scanning it again
    /// when it only needs lower-casing.
    pub fn canonical(self, raw: &[u8]) -> Cow<'_, [u8]> {
        if self.has(Self::DECODE) {
            canonical(raw)
        } else if self.has(Self::UPPER) {
            Cow::Owned(raw.to_ascii_lowercase())
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// The canonical value's shape, when it is known from these bytes (no decoding happens).
    pub fn shape(self) -> Option<Shape> {
        (!self.has(Self::DECODE)).then_some(Shape(self.0 as u16))
    }

    /// The canonical value's shape when [`canonical`] only lower-cases the value these bytes were
    /// found in, even if it has non-ASCII bytes: no `%`, `&`, `\` or NUL (percent, entity, JS and
    /// CSS decoding and NUL removal act on nothing) and no `0xE3` or `0xEF` byte (every sequence
    /// [`fold_unicode`] folds starts with one). The canonical value is then the value lower-cased,
    /// whose shape is the raw value's (letters have none).
    pub fn lowered_shape(self) -> Option<Shape> {
        (!self.has(Self::DECODE) || !self.has(Self::ESCAPE | Self::FOLD_LEAD)).then_some(Shape(self.0 as u16))
    }

    /// Whether [`base64_view`] of a value of `len` bytes with these bytes may be non-empty: it is
    /// empty for a value shorter than [`MIN_BASE64`] (percent-decoding never grows a value) and
    /// for one with a byte outside the base64 alphabet, `=` and `%` (without `%`, nothing decodes).
    pub fn may_be_base64(self, len: usize) -> bool {
        len >= MIN_BASE64 && (self.has(Self::PERCENT) || !self.has(Self::NOT_BASE64))
    }

    /// [`base64_view_into`] of `raw`, these its bytes. A value with neither `%`, `=` nor a byte
    /// outside the alphabet is its own percent-decoded form with nothing to strip, every byte of
    /// it in the alphabet: it goes straight to the lower-case test and the decoding, without the
    /// percent pass and the alphabet check (`the_base64_view_from_the_bytes_is_the_view`).
    pub fn base64_view_into(self, raw: &[u8], out: &mut Vec<u8>) {
        if self.has(Self::PERCENT | Self::NOT_BASE64 | Shape::EQ as u32) {
            return base64_view_into(raw, out);
        }
        out.clear();
        if raw.len() < MIN_BASE64 || raw.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return;
        }
        decode_base64(raw, out);
    }
}

include!("normalize/classify.rs");

/// [`sql_shaped`] of `c`, `shape` being `c`'s: a quote-like byte answers for a value of two bytes
/// or more, and a value whose only such bytes are dashes is one exactly when it has two in a row
/// (both known from the one pass that classified the value), so only a value with `/`, `|` or `&`
/// is scanned. Measured in Envoy: the SQL gate of the fast lane, asked of every value with a dash
/// (SKUs, dates), cost about 20 k instructions on the 16 KiB bench body
/// (`sql_shaped_with_the_shape_is_sql_shaped`).
#[inline(always)]
pub fn sql_shaped_with(shape: Shape, c: &[u8]) -> bool {
    if shape.has(Shape::SQL_QUOTE) {
        c.len() >= 2
    } else if shape.has(Shape::SQL_PAIRED) {
        sql_shaped(c)
    } else {
        shape.has(Shape::DASHES)
    }
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn push_char(out: &mut Vec<u8>, cp: u32) -> bool {
    match char::from_u32(cp) {
        Some(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            true
        }
        None => false,
    }
}

/// One round of percent-decoding: `%HH` and `%uHHHH`. Malformed escapes stay as they are.
pub fn percent_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'%') {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if let (Some(h), Some(l)) =
                (input.get(i + 1).copied().and_then(hex), input.get(i + 2).copied().and_then(hex))
            {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
            if matches!(input.get(i + 1), Some(b'u' | b'U')) {
                let digits: Option<u32> = input
                    .get(i + 2..i + 6)
                    .and_then(|d| d.iter().try_fold(0u32, |acc, &c| hex(c).map(|v| acc * 16 + v)));
                if let Some(cp) = digits {
                    if push_char(&mut out, cp) {
                        i += 6;
                        continue;
                    }
                }
            }
        }
        out.push(b);
        i += 1;
    }
    Cow::Owned(out)
}

/// Percent-decodes until nothing changes, at most [`MAX_PERCENT_ROUNDS`] times.
pub fn percent_decode_repeated(input: &[u8]) -> Cow<'_, [u8]> {
    let mut v = Cow::Borrowed(input);
    for _ in 0..MAX_PERCENT_ROUNDS {
        if !v.contains(&b'%') {
            break;
        }
        let before = v.len();
        v = chain(v, percent_decode);
        if v.len() == before {
            break;
        }
    }
    v
}

/// Decodes `+` to space and percent escapes once: the form and query value decoding.
pub fn form_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'+') {
        return percent_decode(input);
    }
    let spaced: Vec<u8> = input.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    match percent_decode(&spaced) {
        Cow::Borrowed(_) => Cow::Owned(spaced),
        Cow::Owned(o) => Cow::Owned(o),
    }
}

const NAMED_ENTITIES: &[(&[u8], u8)] = &[
    (b"lt", b'<'),
    (b"gt", b'>'),
    (b"quot", b'"'),
    (b"apos", b'\''),
    (b"amp", b'&'),
    (b"nbsp", b' '),
    (b"tab", b'\t'),
    (b"newline", b'\n'),
    (b"colon", b':'),
    (b"lpar", b'('),
    (b"rpar", b')'),
    (b"sol", b'/'),
    (b"bsol", b'\\'),
    (b"semi", b';'),
    (b"comma", b','),
    (b"period", b'.'),
    (b"excl", b'!'),
    (b"num", b'#'),
    (b"dollar", b'$'),
    (b"percnt", b'%'),
    (b"plus", b'+'),
    (b"equals", b'='),
    (b"grave", b'`'),
    (b"lsqb", b'['),
    (b"rsqb", b']'),
    (b"lcub", b'{'),
    (b"rcub", b'}'),
    (b"verbar", b'|'),
    (b"quest", b'?'),
    (b"commat", b'@'),
];

/// Decodes HTML character references: `&lt;`, `&#60;`, `&#x3c;` (the `;` may be missing).
pub fn html_entity_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'&') {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'&' {
            if let Some((decoded_len, consumed)) = decode_entity(&input[i + 1..], &mut out) {
                let _ = decoded_len;
                i += 1 + consumed;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// Decodes one reference after `&`; returns (bytes written, bytes consumed) or None.
fn decode_entity(rest: &[u8], out: &mut Vec<u8>) -> Option<(usize, usize)> {
    if rest.first() == Some(&b'#') {
        let (radix, start) = match rest.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let mut cp: u32 = 0;
        let mut n = 0;
        while let Some(d) = rest.get(start + n).and_then(|&c| (c as char).to_digit(radix)) {
            cp = cp.saturating_mul(radix).saturating_add(d);
            n += 1;
            if n > 8 {
                break;
            }
        }
        if n == 0 {
            return None;
        }
        let mut consumed = start + n;
        if rest.get(consumed) == Some(&b';') {
            consumed += 1;
        }
        let before = out.len();
        if !push_char(out, cp) {
            return None;
        }
        if out.len() - before > consumed + 1 {
            out.truncate(before);
            return None;
        }
        return Some((out.len() - before, consumed));
    }
    for (name, ch) in NAMED_ENTITIES {
        if rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name) {
            let mut consumed = name.len();
            if rest.get(consumed) == Some(&b';') {
                consumed += 1;
            } else if rest.get(consumed).is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            out.push(*ch);
            return Some((1, consumed));
        }
    }
    None
}

/// Decodes JavaScript escapes: `\xHH`, `\uHHHH`, `\u{H..}`, and `\` before a punctuation mark.
pub fn js_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'\\') {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'\\' {
            match input.get(i + 1) {
                Some(b'x' | b'X') => {
                    if let (Some(h), Some(l)) =
                        (input.get(i + 2).copied().and_then(hex), input.get(i + 3).copied().and_then(hex))
                    {
                        out.push((h * 16 + l) as u8);
                        i += 4;
                        continue;
                    }
                }
                Some(b'u' | b'U') => {
                    if input.get(i + 2) == Some(&b'{') {
                        let mut cp = 0u32;
                        let mut n = 0;
                        while let Some(d) = input.get(i + 3 + n).copied().and_then(hex) {
                            cp = cp.saturating_mul(16).saturating_add(d);
                            n += 1;
                            if n > 6 {
                                break;
                            }
                        }
                        if n > 0 && n <= 6 && input.get(i + 3 + n) == Some(&b'}') && push_char(&mut out, cp) {
                            i += 4 + n;
                            continue;
                        }
                    } else if let Some(cp) = input
                        .get(i + 2..i + 6)
                        .and_then(|d| d.iter().try_fold(0u32, |acc, &c| hex(c).map(|v| acc * 16 + v)))
                    {
                        if push_char(&mut out, cp) {
                            i += 6;
                            continue;
                        }
                    }
                }
                _ => {}
            }
        }
        out.push(input[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// Decodes CSS escapes `\HH..` (1–6 hex digits, one optional following space) when they stand
/// for a printable ASCII character; other backslashes (Windows paths) are left alone.
pub fn css_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'\\') {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'\\' {
            let mut cp = 0u32;
            let mut n = 0;
            while n < 6 {
                match input.get(i + 1 + n).copied().and_then(hex) {
                    Some(d) => {
                        cp = cp * 16 + d;
                        n += 1;
                    }
                    None => break,
                }
            }
            if n >= 2 && (0x20..0x7f).contains(&cp) {
                out.push(cp as u8);
                i += 1 + n;
                if input.get(i) == Some(&b' ') {
                    i += 1;
                }
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// Folds full-width forms (U+FF01–U+FF5E) and the ideographic space to ASCII.
pub fn fold_unicode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.windows(2).any(|w| (w[0] == 0xef && (w[1] == 0xbc || w[1] == 0xbd)) || (w[0] == 0xe3 && w[1] == 0x80)) {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if let Some(&[a, b, c]) = input.get(i..i + 3) {
            if (a == 0xef) && (b == 0xbc || b == 0xbd) && (0x80..0xc0).contains(&c) {
                let cp = 0xf000 + ((b as u32 & 0x3f) << 6) + (c as u32 & 0x3f);
                if (0xff01..=0xff5e).contains(&cp) {
                    out.push((cp - 0xff01 + 0x21) as u8);
                    i += 3;
                    continue;
                }
            }
            if a == 0xe3 && b == 0x80 && c == 0x80 {
                out.push(b' ');
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    Cow::Owned(out)
}

pub fn remove_nul(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&0) {
        return Cow::Borrowed(input);
    }
    Cow::Owned(input.iter().copied().filter(|&b| b != 0).collect())
}

pub fn lowercase(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.iter().any(|b| b.is_ascii_uppercase()) {
        return Cow::Borrowed(input);
    }
    Cow::Owned(input.to_ascii_lowercase())
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xa0)
}

/// Every run of whitespace (including vertical tab, form feed, NBSP byte) becomes one space.
pub fn compress_whitespace(input: &[u8]) -> Cow<'_, [u8]> {
    // The first byte the compressed form changes: a space after a space, or a space byte other
    // than ` ` (none: the value is its own compressed form, as before). One pass, not two; the
    // bytes before it are kept as they are (each space there is a lone ` `).
    let mut prev_space = false;
    let first = input.iter().position(|&b| {
        let space = is_space(b);
        let changes = space && (prev_space || b != b' ');
        prev_space = space;
        changes
    });
    let Some(at) = first else { return Cow::Borrowed(input) };
    let (kept, rest) = input.split_at(at);
    let mut out = Vec::with_capacity(input.len());
    out.extend_from_slice(kept);
    let mut last_space = kept.last() == Some(&b' ');
    for &b in rest {
        push_compressed(&mut out, &mut last_space, b);
    }
    Cow::Owned(out)
}

/// Appends `b` to `out` as [`compress_whitespace`] writes it (a run of space bytes becomes one
/// ` `); `last_space` is whether `out` ends in such a run.
#[inline(always)]
fn push_compressed(out: &mut Vec<u8>, last_space: &mut bool, b: u8) {
    if is_space(b) {
        if !*last_space {
            out.push(b' ');
        }
        *last_space = true;
    } else {
        out.push(b);
        *last_space = false;
    }
}

/// SQL folding: `/* … */` comments become a space (the body of MySQL's `/*! … */` is kept),
/// then whitespace is compressed. `--` and `#` comments are left for the signatures to see.
pub fn sql_fold(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.windows(2).any(|w| w == b"/*") {
        return compress_whitespace(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'/' && input.get(i + 1) == Some(&b'*') {
            let executable = input.get(i + 2) == Some(&b'!');
            let body_start = i + 2;
            let end = input[body_start..].windows(2).position(|w| w == b"*/").map(|p| body_start + p);
            out.push(b' ');
            if executable {
                let mut s = body_start + 1;
                while input.get(s).is_some_and(|c| c.is_ascii_digit()) {
                    s += 1;
                }
                out.extend_from_slice(&input[s.min(end.unwrap_or(input.len()))..end.unwrap_or(input.len())]);
                out.push(b' ');
            }
            i = match end {
                Some(e) => e + 2,
                None => input.len(),
            };
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    match compress_whitespace(&out) {
        Cow::Borrowed(_) => Cow::Owned(out),
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// Path canonicalisation: `\` → `/` (not before a `"`, which it escapes), `//` → `/`, `/./` → `/`,
/// `;params` dropped from segments.
/// `..` is kept, because traversal is what the signatures look for. A segment's parameters end at
/// its `/`, or at a line break (kept) once they hold a space: a `;` followed by words and a line
/// break is text (`Set-Cookie: sid=...; HttpOnly` on a line of a diagram's source), and drops no
/// later line. Parameters without a space (`..;/`, `..;x/`, `..;\n/`) or without a line break
/// (`..; /`) are dropped up to the `/` as before.
pub fn path_normalize(input: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Vec::new();
    if path_normalize_into(input, &mut out) {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(input)
    }
}

/// [`path_normalize`] written into `out` (cleared first, its memory reused): `true` when it is
/// `Cow::Owned` (the bytes then in `out`), `false` when it is `input` borrowed (`out` left empty).
/// The same bytes: `views_into_buffers_agree_with_the_owned_forms`.
pub fn path_normalize_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let needs = input.contains(&b'\\')
        || input.contains(&b';')
        || input.windows(2).any(|w| w == b"//")
        || input.windows(3).any(|w| w == b"/./");
    if !needs {
        return false;
    }
    out.reserve(input.len());
    let (mut in_params, mut spaced) = (false, false);
    let mut i = 0;
    while i < input.len() {
        // A backslash before a double quote escapes the quote (`\"...\"` in JSON held in a
        // string): no file system has `"` in a name, so it separates no path.
        let b = if input[i] == b'\\' && input.get(i + 1) != Some(&b'"') { b'/' } else { input[i] };
        if in_params {
            if b == b'/' || (spaced && (b == b'\n' || b == b'\r')) {
                in_params = false;
            } else {
                spaced |= b == b' ' || b == b'\t';
                i += 1;
                continue;
            }
        }
        if b == b';' {
            (in_params, spaced) = (true, false);
            i += 1;
            continue;
        }
        if b == b'/' {
            if out.last() == Some(&b'/') {
                i += 1;
                continue;
            }
            if out.ends_with(b"/.") && (out.len() == 2 || out.get(out.len().wrapping_sub(3)) != Some(&b'.')) {
                out.pop();
                i += 1;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    true
}

/// Shell folding: drops the characters shells ignore or join (`\ ' " ^`, `$@`, `$*`, empty
/// `${}`), turns `$IFS`/`${IFS}` and `,` inside braces into spaces, compresses whitespace.
pub fn shell_fold(input: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Vec::new();
    if shell_fold_into(input, &mut out) {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(input)
    }
}

/// [`shell_fold`] written into `out` (cleared first, its memory reused): `true` when it is
/// `Cow::Owned` (the bytes then in `out`), `false` when it is `input` borrowed (`out` left empty).
/// The same bytes: `views_into_buffers_agree_with_the_owned_forms`.
pub fn shell_fold_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let needs = input.iter().any(|&b| matches!(b, b'\\' | b'\'' | b'"' | b'^' | b'$' | b'\t' | b'\n' | b'\r' | b'{'))
        || input.windows(2).any(|w| w == b"  ");
    if !needs {
        return false;
    }
    // Folded and compressed in one pass: each byte the folding keeps or writes goes through
    // `push_compressed` as `compress_whitespace` of the folded value would take it (a left-to-
    // right pass whose state is only whether the output ends in a space run), so the bytes are
    // `compress_whitespace(fold(input))`, as before, without the folded copy and its two scans.
    out.reserve(input.len());
    let mut last_space = false;
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        match b {
            // A backslash between `$` and a bracket quotes the bracket: `$\(` and `$\{` expand
            // nothing in a shell (Swift's and jq's interpolation after a price, `"$\(price)"`).
            // It stays, so the fold does not write the `$(` that no shell would read.
            b'\\' if i > 0 && input[i - 1] == b'$' && matches!(input.get(i + 1), Some(b'(' | b'{')) => {}
            b'\\' | b'\'' | b'"' | b'^' => {
                i += 1;
                continue;
            }
            b'$' => {
                let rest = &input[i + 1..];
                if matches!(rest.first(), Some(b'@' | b'*')) || (rest.first().is_some_and(|c| c.is_ascii_digit())) {
                    i += 2;
                    continue;
                }
                if rest.starts_with(b"{ifs}") {
                    push_compressed(out, &mut last_space, b' ');
                    i += 6;
                    continue;
                }
                if rest.starts_with(b"ifs") {
                    push_compressed(out, &mut last_space, b' ');
                    i += 4;
                    continue;
                }
                if rest.starts_with(b"{}") {
                    i += 3;
                    continue;
                }
            }
            _ => {}
        }
        push_compressed(out, &mut last_space, b);
        i += 1;
    }
    true
}

/// Shortest value that is tried as base64.
pub const MIN_BASE64: usize = 12;

/// The six-bit value of each base64 (and base64url) character; other bytes 63.
const BASE64_VALUE: [u8; 256] = {
    let mut t = [63u8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t
};

/// For a value that looks like base64 (or base64url), its decoding from the first byte,
/// lower-cased; empty otherwise. At most 3 bytes per 4 input bytes (plus 2 for a tail).
///
/// Decoded from the first byte only, as an application that decodes the value does (and as
/// ModSecurity's `t:base64Decode`): a blob that starts one to three characters in would be
/// decoded by nothing but a parser that strips a prefix first. Earlier versions decoded all four
/// alignments; on the dev corpus, the evasion set and every fixture the verdicts and matched rules
/// are the same at PL1 and PL2, for a quarter of the bytes.
#[cfg(test)]
pub fn base64_view(raw: &[u8]) -> Cow<'static, [u8]> {
    let mut out = Vec::new();
    base64_view_into(raw, &mut out);
    if out.is_empty() {
        Cow::Borrowed(&[])
    } else {
        Cow::Owned(out)
    }
}

/// [`base64_view`] written into `out` (cleared first), so one buffer serves every value of a
/// request.
pub fn base64_view_into(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let decoded = percent_decode(raw);
    let v: &[u8] = decoded.as_ref();
    let v = v.strip_suffix(b"==").or_else(|| v.strip_suffix(b"=")).unwrap_or(v);
    let is_b64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
    if v.len() < MIN_BASE64 || !v.iter().all(is_b64) || v.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        return;
    }
    decode_base64(v, out);
}

/// Appends the bytes `v` (every one in the base64 alphabet) stand for, lower-cased.
fn decode_base64(v: &[u8], out: &mut Vec<u8>) {
    // Four characters are three bytes; a tail of two or three characters is one or two bytes,
    // one character none (what a bit accumulator emitting each full byte gives).
    let value = |c: u8| u32::from(BASE64_VALUE[c as usize]);
    out.reserve(v.len() / 4 * 3 + 2);
    let mut groups = v.chunks_exact(4);
    for g in &mut groups {
        if let [a, b, c, d] = *g {
            let n = value(a) << 18 | value(b) << 12 | value(c) << 6 | value(d);
            out.extend_from_slice(&[
                ((n >> 16) as u8).to_ascii_lowercase(),
                ((n >> 8) as u8).to_ascii_lowercase(),
                (n as u8).to_ascii_lowercase(),
            ]);
        }
    }
    match *groups.remainder() {
        [a, b] => out.push((((value(a) << 6 | value(b)) >> 4) as u8).to_ascii_lowercase()),
        [a, b, c] => {
            let n = value(a) << 12 | value(b) << 6 | value(c);
            out.push(((n >> 10) as u8).to_ascii_lowercase());
            out.push(((n >> 2) as u8).to_ascii_lowercase());
        }
        _ => {}
    }
}

/// A xorshift generator for property tests: each call gives the next number of the sequence.
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// Pseudo-random byte strings for property tests: `count` values shorter than `max_len` from a
/// xorshift seed, each byte chosen by `byte(value number, random number)`.
#[cfg(test)]
pub(crate) fn random_values(
    mut seed: u64,
    count: usize,
    max_len: u64,
    mut byte: impl FnMut(usize, usize) -> u8,
) -> impl Iterator<Item = Vec<u8>> {
    (0..count).map(move |round| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % max_len) as usize;
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                byte(round, (x >> 33) as usize)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sql_shaped_bytes` with its bytes read through `SQL_BYTE` answers what its `match` on each
    /// byte answered: every value of up to three bytes over the bytes it reads and a few others,
    /// and 300,000 generated values of up to 40 bytes.
    /// `sql_shaped_with` a value's shape (as `Shape::of` and the one pass of `RawBytes::of_lowered`
    /// find it) answers what `sql_shaped` answers: generated values over the bytes it reads (runs
    /// of dashes, `|`, `&`, `/*`, quote-like bytes) and letters, and the shapes of values with
    /// nothing but dashes among them.
    #[test]
    fn sql_shaped_with_the_shape_is_sql_shaped() {
        let mut next = xorshift(0x5a1_d45e);
        let alphabets: [&[u8]; 3] = [b"aaaaaaaaaaaa-", b"ab0-|&/*'\"`(#; ", b"Ab-- -"];
        let (mut lower, mut shaped, mut dashes) = (Vec::new(), 0, 0);
        for _ in 0..300_000 {
            let abc = alphabets[(next() % 3) as usize];
            let len = (next() % 41) as usize;
            let v: Vec<u8> = (0..len).map(|_| abc[(next() as usize) % abc.len()]).collect();
            let want = sql_shaped(&v);
            let shape = Shape::of(&v);
            assert_eq!(sql_shaped_with(shape, &v), want, "{v:?}");
            // (A value with `&` is decoded first; its shape is then `Shape::of` its canonical form.)
            if let Some(shape) = RawBytes::of_lowered(&v, &mut lower).shape() {
                assert_eq!(sql_shaped_with(shape, &v), want, "{v:?}");
            }
            shaped += usize::from(want);
            dashes += usize::from(want && !shape.has(Shape::SQL_QUOTE | Shape::SQL_PAIRED));
        }
        assert!(shaped > 50_000 && dashes > 10_000, "{shaped} {dashes}");
    }

    #[test]
    fn the_sql_byte_table_reads_as_the_match() {
        // The form before the twenty-second pass.
        fn by_match(v: &[u8]) -> bool {
            if v.len() < 2 {
                return false;
            }
            let mut prev = 0u8;
            for &b in v {
                match b {
                    b'\'' | b'"' | b'`' | b'(' | b'#' | b';' => return true,
                    b'-' | b'|' | b'&' if prev == b => return true,
                    b'*' if prev == b'/' => return true,
                    _ => {}
                }
                prev = b;
            }
            false
        }
        for b in 0..=255u8 {
            assert_eq!(SQL_BYTE[usize::from(b)] == SQL_QUOTE, by_match(&[b, b'a']), "{b}");
        }
        const BYTES: &[u8] = b"ab0 '\"`(#;-|&*/\\)=\x00\xff";
        let mut short = vec![Vec::new()];
        for len in 1..=3 {
            let mut next = Vec::new();
            for v in short.iter().filter(|v| v.len() == len - 1) {
                for &b in BYTES {
                    let mut w = v.clone();
                    w.push(b);
                    next.push(w);
                }
            }
            short.extend(next);
        }
        let mut shaped = 0;
        for v in short.iter().cloned().chain(random_values(0x5a1_b7e5, 300_000, 41, |_, r| BYTES[r % BYTES.len()])) {
            let want = by_match(&v);
            assert_eq!(sql_shaped_bytes(&v), want, "{v:?}");
            assert_eq!(sql_shaped(&v), want, "{v:?}");
            shaped += usize::from(want);
        }
        assert!(shaped > 100_000, "{shaped}");
    }

    /// The path and shell views written into reused buffers (the full inspection's) against their
    /// forms that returned a fresh vector: the same bytes, derived (owned) for the same values, the
    /// buffer left empty otherwise; the `Cow` wrappers are the old functions.
    #[test]
    fn views_into_buffers_agree_with_the_owned_forms() {
        // The forms before the twenty-first pass: each returned a fresh `Cow::Owned` vector.
        fn path_owned(input: &[u8]) -> Cow<'_, [u8]> {
            let needs = input.contains(&b'\\')
                || input.contains(&b';')
                || input.windows(2).any(|w| w == b"//")
                || input.windows(3).any(|w| w == b"/./");
            if !needs {
                return Cow::Borrowed(input);
            }
            let mut out: Vec<u8> = Vec::with_capacity(input.len());
            let (mut in_params, mut spaced) = (false, false);
            let mut i = 0;
            while i < input.len() {
                let b = if input[i] == b'\\' && input.get(i + 1) != Some(&b'"') { b'/' } else { input[i] };
                if in_params {
                    if b == b'/' || (spaced && (b == b'\n' || b == b'\r')) {
                        in_params = false;
                    } else {
                        spaced |= b == b' ' || b == b'\t';
                        i += 1;
                        continue;
                    }
                }
                if b == b';' {
                    (in_params, spaced) = (true, false);
                    i += 1;
                    continue;
                }
                if b == b'/' {
                    if out.last() == Some(&b'/') {
                        i += 1;
                        continue;
                    }
                    if out.ends_with(b"/.") && (out.len() == 2 || out.get(out.len().wrapping_sub(3)) != Some(&b'.')) {
                        out.pop();
                        i += 1;
                        continue;
                    }
                }
                out.push(b);
                i += 1;
            }
            Cow::Owned(out)
        }
        fn shell_owned(input: &[u8]) -> Cow<'_, [u8]> {
            let needs =
                input.iter().any(|&b| matches!(b, b'\\' | b'\'' | b'"' | b'^' | b'$' | b'\t' | b'\n' | b'\r' | b'{'))
                    || input.windows(2).any(|w| w == b"  ");
            if !needs {
                return Cow::Borrowed(input);
            }
            let mut out = Vec::with_capacity(input.len());
            let mut last_space = false;
            let mut i = 0;
            while i < input.len() {
                let b = input[i];
                match b {
                    b'\\' if i > 0 && input[i - 1] == b'$' && matches!(input.get(i + 1), Some(b'(' | b'{')) => {}
                    b'\\' | b'\'' | b'"' | b'^' => {
                        i += 1;
                        continue;
                    }
                    b'$' => {
                        let rest = &input[i + 1..];
                        if matches!(rest.first(), Some(b'@' | b'*'))
                            || (rest.first().is_some_and(|c| c.is_ascii_digit()))
                        {
                            i += 2;
                            continue;
                        }
                        if rest.starts_with(b"{ifs}") {
                            push_compressed(&mut out, &mut last_space, b' ');
                            i += 6;
                            continue;
                        }
                        if rest.starts_with(b"ifs") {
                            push_compressed(&mut out, &mut last_space, b' ');
                            i += 4;
                            continue;
                        }
                        if rest.starts_with(b"{}") {
                            i += 3;
                            continue;
                        }
                    }
                    _ => {}
                }
                push_compressed(&mut out, &mut last_space, b);
                i += 1;
            }
            Cow::Owned(out)
        }
        let pieces: [&[u8]; 28] = [
            b" ",
            b"  ",
            b"\t",
            b"\n",
            b"\r",
            b"a",
            b"cat",
            b"'",
            b"\"",
            b"\\",
            b"^",
            b"$",
            b"$@",
            b"$1",
            b"${ifs}",
            b"$ifs",
            b"${}",
            b"{",
            b"it's",
            b"/",
            b"//",
            b"/./",
            b".",
            b"..",
            b";",
            b";x=1",
            b"/etc/passwd",
            b"\xc3\xa9",
        ];
        // One buffer each for every value, as a request's views reuse theirs.
        let (mut path_buf, mut shell_buf) = (Vec::new(), Vec::new());
        let (mut owned, mut borrowed) = (0, 0);
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300_000 {
            let v: Vec<u8> = (0..next() % 10)
                .flat_map(|_| pieces[(next() % pieces.len() as u64) as usize].iter().copied())
                .collect();
            for (old, derived, buf) in [
                (path_owned(&v), path_normalize_into(&v, &mut path_buf), &path_buf),
                (shell_owned(&v), shell_fold_into(&v, &mut shell_buf), &shell_buf),
            ] {
                assert_eq!(derived, matches!(old, Cow::Owned(_)), "{v:?}");
                if derived {
                    assert_eq!(buf.as_slice(), old.as_ref(), "{v:?}");
                    owned += 1;
                } else {
                    assert!(buf.is_empty(), "{v:?}");
                    borrowed += 1;
                }
            }
            // The wrappers are the same functions as before.
            assert_eq!(path_normalize(&v), path_owned(&v), "{v:?}");
            assert_eq!(matches!(path_normalize(&v), Cow::Owned(_)), matches!(path_owned(&v), Cow::Owned(_)));
            assert_eq!(shell_fold(&v), shell_owned(&v), "{v:?}");
            assert_eq!(matches!(shell_fold(&v), Cow::Owned(_)), matches!(shell_owned(&v), Cow::Owned(_)));
        }
        assert!(owned > 100_000 && borrowed > 50_000, "{owned} {borrowed}");
    }

    /// The forms they replaced: `compress_whitespace` with its two scans, and `shell_fold` as the
    /// folding into a copy followed by `compress_whitespace` of it (bytes and borrowed/owned alike).
    #[test]
    fn one_pass_folds_agree_with_the_two_pass_forms() {
        fn compress_replaced(input: &[u8]) -> Cow<'_, [u8]> {
            let needs = input.windows(2).any(|w| is_space(w[0]) && is_space(w[1]))
                || input.iter().any(|&b| is_space(b) && b != b' ');
            if !needs {
                return Cow::Borrowed(input);
            }
            let mut out = Vec::with_capacity(input.len());
            let mut last_space = false;
            for &b in input {
                if is_space(b) {
                    if !last_space {
                        out.push(b' ');
                    }
                    last_space = true;
                } else {
                    out.push(b);
                    last_space = false;
                }
            }
            Cow::Owned(out)
        }
        fn shell_replaced(input: &[u8]) -> Cow<'_, [u8]> {
            let needs =
                input.iter().any(|&b| matches!(b, b'\\' | b'\'' | b'"' | b'^' | b'$' | b'\t' | b'\n' | b'\r' | b'{'))
                    || input.windows(2).any(|w| w == b"  ");
            if !needs {
                return Cow::Borrowed(input);
            }
            let mut out = Vec::with_capacity(input.len());
            let mut i = 0;
            while i < input.len() {
                let b = input[i];
                match b {
                    b'\\' if i > 0 && input[i - 1] == b'$' && matches!(input.get(i + 1), Some(b'(' | b'{')) => {}
                    b'\\' | b'\'' | b'"' | b'^' => {
                        i += 1;
                        continue;
                    }
                    b'$' => {
                        let rest = &input[i + 1..];
                        if matches!(rest.first(), Some(b'@' | b'*'))
                            || (rest.first().is_some_and(|c| c.is_ascii_digit()))
                        {
                            i += 2;
                            continue;
                        }
                        if rest.starts_with(b"{ifs}") {
                            out.push(b' ');
                            i += 6;
                            continue;
                        }
                        if rest.starts_with(b"ifs") {
                            out.push(b' ');
                            i += 4;
                            continue;
                        }
                        if rest.starts_with(b"{}") {
                            i += 3;
                            continue;
                        }
                    }
                    _ => {}
                }
                out.push(b);
                i += 1;
            }
            match compress_replaced(&out) {
                Cow::Borrowed(_) => Cow::Owned(out),
                Cow::Owned(o) => Cow::Owned(o),
            }
        }
        let pieces: [&[u8]; 24] = [
            b" ",
            b"  ",
            b"\t",
            b"\n",
            b"\r",
            b"\x0b",
            b"\x0c",
            b"\xa0",
            b"a",
            b"cat",
            b"'",
            b"\"",
            b"\\",
            b"^",
            b"$",
            b"$@",
            b"$1",
            b"${ifs}",
            b"$ifs",
            b"${}",
            b"{",
            b"it's",
            b"/etc/passwd",
            b"\xc3\xa9",
        ];
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..200_000 {
            let x = next();
            let n = (x % 9) as usize;
            let v: Vec<u8> = (0..n)
                .flat_map(|k| pieces[((x >> (5 * k + 4)) % pieces.len() as u64) as usize].iter().copied())
                .collect();
            for (new, old) in [(compress_whitespace(&v), compress_replaced(&v)), (shell_fold(&v), shell_replaced(&v))] {
                assert_eq!(new.as_ref(), old.as_ref(), "{v:?}");
                assert_eq!(matches!(new, Cow::Owned(_)), matches!(old, Cow::Owned(_)), "{v:?}");
            }
        }
    }

    fn s(c: Cow<'_, [u8]>) -> String {
        String::from_utf8_lossy(&c).into_owned()
    }

    /// What the Wasm build's sixteen-bytes-at-a-time form of `classify_lower` takes for granted
    /// about the table (see `ClassMarks`).
    #[test]
    fn the_class_marks_are_the_tables_entries() {
        let t = &RawBytes::TABLE;
        for b in 0..=255u8 {
            if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'+' {
                assert_eq!(t[usize::from(b)], 0, "{b}");
            }
            if b.is_ascii_uppercase() {
                assert_eq!(t[usize::from(b)], RawBytes::MARKS.upper, "{b}");
            }
        }
        assert_eq!(t[usize::from(b' ')], RawBytes::MARKS.space);
        for b in [b'.', b',', b'@'] {
            assert_eq!(t[usize::from(b)], RawBytes::MARKS.punct, "{b}");
        }
        assert_eq!(RawBytes::MARKS.pair_of_spaces, u32::from(Shape::WS));
        assert_eq!(RawBytes::MARKS.pair_of_dashes, u32::from(Shape::DASHES));
    }

    /// The one pass gives what the byte classes and the lower-casing gave apart (on every length
    /// up to 70 and bytes that mark the table's classes, runs of spaces across the sixteen-byte
    /// chunks of the Wasm form included; that form itself is checked by
    /// `scripts/classify-wasm.sh`).
    #[test]
    fn classes_and_lower_case_in_one_pass_agree_with_two_passes() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let alphabets: [&[u8]; 5] = [
            b"aZ  .,@+09%&\\\x00\x7f\x80\xa0\xff\t\r\n/*;'\"^${`(#-|<>)=:_",
            b"ab  ",
            b"Mixed Case Words 42",
            b" ",
            b"aaaaaaaaaaaaaaaaaaaaaaaa-",
        ];
        let mut lower = Vec::new();
        for _ in 0..50_000 {
            let abc = alphabets[(next() % 5) as usize];
            let len = (next() % 71) as usize;
            let v: Vec<u8> = (0..len).map(|_| abc[(next() as usize) % abc.len()]).collect();
            let bytes = RawBytes::of_lowered(&v, &mut lower);
            assert_eq!(bytes, RawBytes::of(&v), "{v:?}");
            assert_eq!(lower, v.to_ascii_lowercase(), "{v:?}");
        }
    }

    /// When `RawBytes::lowered_shape` says canonicalisation only lower-cases a value (also one
    /// with non-ASCII bytes), `canonical` gives exactly the lower-cased copy `of_lowered` made, of
    /// that shape; and it says so for ordinary non-ASCII text. Values over alphabets of non-ASCII
    /// letters, the full-width sequences `fold_unicode` folds (and their lead bytes alone), the
    /// bytes other decoders act on, upper case and shape bytes.
    #[test]
    fn a_value_that_only_needs_lower_casing_is_its_lower_cased_copy() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let pieces: [&[u8]; 24] = [
            "é".as_bytes(),
            "ü".as_bytes(),
            "Ø".as_bytes(),
            "ß".as_bytes(),
            "日本".as_bytes(),
            "\u{a0}".as_bytes(),
            "！".as_bytes(),
            "ｓ".as_bytes(),
            "\u{3000}".as_bytes(),
            b"\xef",
            b"\xe3",
            b"\xef\xbc",
            b"\xe3\x80",
            b"%41",
            b"&lt;",
            b"\\x41",
            b"\x00",
            b"Amelie",
            b"O'Brien",
            b" ",
            b"  ",
            b"@example.org",
            b"(3)",
            b"\t",
        ];
        let (mut lowered, mut non_ascii) = (0, 0);
        let mut lower = Vec::new();
        for _ in 0..50_000 {
            let n = (next() % 6) as usize;
            let mut v = Vec::new();
            for _ in 0..n {
                v.extend_from_slice(pieces[(next() as usize) % pieces.len()]);
            }
            let bytes = RawBytes::of_lowered(&v, &mut lower);
            let Some(shape) = bytes.lowered_shape() else { continue };
            lowered += 1;
            non_ascii += usize::from(bytes.has(RawBytes::DECODE));
            let c = canonical(&v);
            assert_eq!(c.as_ref(), &lower[..], "{v:?}");
            assert_eq!(shape, Shape::of(&c), "{v:?}");
        }
        assert!(lowered > 5_000 && non_ascii > 2_000, "{lowered} lower-cased only, {non_ascii} of them non-ASCII");
        for v in ["Amélie Silva", "ingrid.müller346@example.com", "Zoë Patel", "Mateo Hernández"] {
            assert!(RawBytes::of(v.as_bytes()).lowered_shape().is_some(), "{v}");
        }
    }

    #[test]
    fn shapes_predict_when_views_are_unchanged() {
        let samples: [&[u8]; 12] = [
            b"plain words 42",
            b"two  spaces",
            b"tab\there",
            b"/a//b",
            b"/a/./b",
            b"a;b",
            b"o'brien",
            b"x/*y*/z",
            b"/usr/bin",
            b"$ifs",
            b"{a,b}",
            b"caret^",
        ];
        for v in samples {
            let shape = Shape::of(v);
            if shape.sql_unchanged() {
                assert!(matches!(sql_fold(v), Cow::Borrowed(_)), "{v:?}");
            }
            if shape.path_unchanged() {
                assert!(matches!(path_normalize(v), Cow::Borrowed(_)), "{v:?}");
            }
            if shape.shell_unchanged() {
                assert!(matches!(shell_fold(v), Cow::Borrowed(_)), "{v:?}");
            }
        }
    }

    #[test]
    fn raw_bytes_four_at_a_time_agree_with_the_table_byte_by_byte() {
        // The form it replaced: every byte through the table, one per step.
        let reference = |v: &[u8]| {
            let mut k = 0u32;
            for &b in v {
                k |= RawBytes::TABLE[b as usize];
            }
            let ws = Shape::WS as u32;
            if k & (RawBytes::SPACE | ws) == RawBytes::SPACE && v.windows(2).any(|w| w[0] == b' ' && w[1] == b' ') {
                k |= ws;
            }
            if v.windows(2).any(|w| w == b"--") {
                k |= u32::from(Shape::DASHES);
            }
            RawBytes(k)
        };
        let pick = |round: usize, r: usize| if round % 2 == 0 { r as u8 } else { b"aZ 9%:'\\xe9"[r % 9] };
        for v in random_values(0x5851_f42d_4c95_7f2d, 100_000, 40, pick) {
            assert_eq!(RawBytes::of(&v), reference(&v), "{v:?}");
        }
        for b in 0..=255u8 {
            for at in 0..9 {
                let mut v = *b"abcdefghi";
                v[at] = b;
                assert_eq!(RawBytes::of(&v), reference(&v), "{v:?}");
                assert_eq!(RawBytes::of(&v[..at]), reference(&v[..at]), "{v:?}");
            }
        }
    }

    #[test]
    fn raw_bytes_predict_canonical_shape_and_base64() {
        let alphabet: &[u8] = b"aZ09 +/-_=%&\\:;'\"<>()*$`\t\n\0\xc3\xa9#|.";
        let any_or_alphabet =
            |round: usize, r: usize| if round % 3 == 0 { r as u8 } else { alphabet[r % alphabet.len()] };
        for v in random_values(0x2545_f491_4f6c_dd1d, 20_000, 40, any_or_alphabet) {
            let bytes = RawBytes::of(&v);
            let c = canonical(&v);
            assert_eq!(bytes.canonical(&v), c, "{v:?}");
            if let Some(shape) = bytes.shape() {
                assert_eq!(shape, Shape::of(&c), "{v:?}");
            }
            if !bytes.may_be_base64(v.len()) {
                assert!(base64_view(&v).is_empty(), "{v:?}");
            }
        }
    }

    #[test]
    fn a_reused_buffer_gets_the_same_base64_view() {
        let alphabet: &[u8] = b"AZaz09+/-_QkxVjdWU=%2F3D";
        let mut buf = b"left over from the last value".to_vec();
        for v in random_values(0x0bad_5eed_1234_5678, 20_000, 48, |_, r| alphabet[r % alphabet.len()]) {
            base64_view_into(&v, &mut buf);
            assert_eq!(buf.as_slice(), base64_view(&v).as_ref(), "{v:?}");
        }
    }

    #[test]
    fn base64_view_decodes_as_a_bit_accumulator_does() {
        // The reference: one character at a time, emitting each full byte.
        let reference = |v: &[u8]| -> Vec<u8> {
            let mut out = Vec::new();
            let (mut acc, mut bits) = (0u32, 0u32);
            for &c in v.strip_suffix(b"==").or_else(|| v.strip_suffix(b"=")).unwrap_or(v) {
                acc = (acc << 6 | u32::from(BASE64_VALUE[c as usize])) & 0xffff;
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push(((acc >> bits) as u8).to_ascii_lowercase());
                }
            }
            out
        };
        let alphabet: &[u8] = b"AZaz09+/-_QkxVjdWU";
        for v in random_values(0x1234_5678_9abc_def1, 5_000, 40, |_, r| alphabet[r % alphabet.len()]) {
            let view = base64_view(&v);
            if !view.is_empty() {
                assert_eq!(view.as_ref(), reference(&v).as_slice(), "{v:?}");
            }
        }
        assert_eq!(&base64_view(b"PHNjcmlwdD5hbGVydA")[..10], b"<script>al");
    }

    #[test]
    fn runs_of_spaces_are_whitespace_in_the_shape() {
        // The reference: the byte kinds, plus WS for any two spaces in a row.
        let reference = |v: &[u8]| {
            let k = v.iter().fold(0u16, |k, &b| k | Shape::TABLE[b as usize]);
            let run = v.windows(2).any(|w| w == b"  ");
            Shape(if run { k | Shape::WS } else { k })
        };
        let alphabet: &[u8] = b"a  \t\n;'/";
        for v in random_values(0x9e37_79b9_7f4a_7c15, 20_000, 12, |_, r| alphabet[r % alphabet.len()]) {
            assert_eq!(Shape::of(&v), reference(&v), "{v:?}");
        }
        assert!(Shape::of(b"a  b").has(Shape::WS) && !Shape::of(b"a b c").has(Shape::WS));
    }

    #[test]
    fn double_percent_encoding_is_decoded() {
        assert_eq!(s(percent_decode_repeated(b"%2527or%25201")), "'or 1");
    }

    #[test]
    fn percent_u_escapes_are_decoded() {
        assert_eq!(s(percent_decode(b"%u003cscript")), "<script");
    }

    #[test]
    fn malformed_percent_escapes_are_kept() {
        assert_eq!(s(percent_decode(b"100%z%4")), "100%z%4");
    }

    #[test]
    fn plus_is_a_space_in_form_values() {
        assert_eq!(s(form_decode(b"1+OR+1%3D1")), "1 OR 1=1");
    }

    #[test]
    fn html_entities_are_decoded_with_or_without_semicolon() {
        assert_eq!(s(html_entity_decode(b"&lt;a&#x3e;&#60java&Tab;script&colon;")), "<a><java\tscript:");
        assert_eq!(s(html_entity_decode(b"fish &chips &amp")), "fish &chips &");
    }

    #[test]
    fn js_escapes_are_decoded() {
        assert_eq!(s(js_decode(br"\x3cscript\u003e\u{61}")), "<script>a");
    }

    #[test]
    fn css_escapes_decode_only_to_printable_ascii() {
        assert_eq!(s(css_decode(br"\65 xpression(")), "expression(");
        assert_eq!(s(css_decode(br"c:\boot.ini")), r"c:\boot.ini");
    }

    #[test]
    fn full_width_letters_fold_to_ascii() {
        assert_eq!(s(fold_unicode("ｓｅｌｅｃｔ＜".as_bytes())), "select<");
    }

    #[test]
    fn nul_bytes_are_removed_and_case_is_lowered() {
        assert_eq!(s(canonical(b"SeL\0eCt")), "select");
    }

    #[test]
    fn sql_comments_fold_to_spaces_and_executable_comments_keep_their_body() {
        assert_eq!(s(sql_fold(b"union/**/select /*!50000all*/ 1\t\n2")), "union select all 1 2");
    }

    #[test]
    fn paths_are_canonicalised_but_traversal_is_kept() {
        assert_eq!(s(path_normalize(br"/a//b/./c;jsessionid=1/..\etc")), "/a/b/c/../etc");
    }

    #[test]
    fn shell_evasions_are_folded() {
        assert_eq!(
            s(shell_fold(br#"c\a"t"$@ /e't'c/pas^swd${IFS}x"#.to_ascii_lowercase().as_slice())),
            "cat /etc/passwd x"
        );
    }

    #[test]
    fn base64_values_are_decoded_from_their_first_byte() {
        let v = base64_view(b"cHJvY2Vzc2J1aWxkZXI=");
        assert_eq!(v.as_ref(), b"processbuilder");
        assert_eq!(base64_view(b"Y2xhc3Nsb2FkZXI").as_ref(), b"classloader", "unpadded");
        assert_eq!(base64_view(b"Y2xhc3Nsb2FkZXI%3D").as_ref(), b"classloader", "padding percent-encoded");
        // One character in front shifts every group: the view is what a decoder of the whole
        // value reads, not the blob inside it.
        let shifted = base64_view(b"XcHJvY2Vzc2J1aWxkZXI");
        assert!(!String::from_utf8_lossy(&shifted).contains("processbuilder"));
        assert!(base64_view(b"hello world").is_empty());
    }

    #[test]
    fn canonical_chain_decodes_nested_encodings() {
        assert_eq!(s(canonical(b"%26lt%3BSCRIPT%26gt%3B")), "<script>");
    }

    #[test]
    fn every_transformation_is_total_and_never_grows_its_input() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet: &[u8] = b"%&#;\\/.uUxX{}0123456789abcdefABCDEF+*!$@'\"^ \t\n\0\xef\xbc\xbd\xe3\x80";
        for round in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 48) as usize;
            let mut v = Vec::with_capacity(len);
            let mut x = seed;
            for _ in 0..len {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let r = (x >> 33) as usize;
                v.push(if round % 2 == 0 { r as u8 } else { alphabet[r % alphabet.len()] });
            }
            for (_, t) in Transformation::NAMES {
                assert!(t.apply(&v).len() <= v.len(), "{t:?} grew {v:?}");
            }
            assert!(canonical(&v).len() <= v.len());
            assert!(base64_view(&v).len() <= 3 * v.len() / 4 + 2);
            assert!(form_decode(&v).len() <= v.len());
        }
    }

    /// `RawBytes::base64_view_into` (the shortcut without the percent pass and the alphabet
    /// check) writes what `base64_view_into` writes, on 300,000 values over the base64 alphabets
    /// with `=`, `%`, escapes and other bytes now and then, of 0 to 40 bytes.
    #[test]
    fn the_base64_view_from_the_bytes_is_the_view() {
        const PIECES: &[&[u8]] = &[
            b"a",
            b"Z",
            b"0",
            b"9",
            b"+",
            b"/",
            b"-",
            b"_",
            b"=",
            b"==",
            b"%3d",
            b"%41",
            b"%",
            b" ",
            b".",
            b"\xc3\xa9",
            b"ord_",
            b"000000",
            b"a05daf81",
            b"eyJ",
            b"QUJD",
            b"x",
            b"Q",
        ];
        let mut next = xorshift(0x5151_7a7a_0f0f_e1e1);
        let (mut fast, mut views) = (0, 0);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..300_000 {
            let mut v = Vec::new();
            while v.len() < (next() % 41) as usize {
                v.extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            let bytes = RawBytes::of(&v);
            base64_view_into(&v, &mut a);
            b.extend_from_slice(b"stale");
            bytes.base64_view_into(&v, &mut b);
            assert_eq!(a, b, "{:?}", String::from_utf8_lossy(&v));
            if !bytes.has(RawBytes::PERCENT | RawBytes::NOT_BASE64 | Shape::EQ as u32) {
                fast += 1;
                views += usize::from(!a.is_empty());
            }
        }
        assert!(fast > 50_000 && views > 5_000, "{fast} {views}");
    }
}

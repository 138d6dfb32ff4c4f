//! Value context: what kind of text a value is, decided from its shape alone (never from a
//! field name or a known case). Two shapes change how signatures are read:
//!
//! - **Prose**: natural-language free text (comments, reviews, chat messages, Markdown documents,
//!   issue bodies). Such text quotes SQL, shell commands, file paths and code on purpose, so the
//!   signatures that recognise those *shapes* (a `SELECT … FROM`, a `grep -rn`, `/var/log/`, a
//!   libinjection fingerprint of an English sentence with an apostrophe) are weak evidence there.
//!   In prose only the rules that recognise an *injection* (a string breakout with a tautology, a
//!   quote closed and the rest commented out, a stacked statement after a quote, script tags …)
//!   count; the shape rules listed in [`prose_weak`] are not scored.
//! - **GraphQL documents**: `query { … }`, `mutation M($v: T!) { … }`. Their syntax (`$var`,
//!   braces, field names) is not SQL or PHP; only their string literals and comments carry data,
//!   and those are inspected one by one as values of their own.
//!
//! Both checks are linear scans over the canonical (lower-cased) value.

/// SQL keywords and the commonest injected commands: words that appear in payloads, so they do
/// not count as words of prose.
const NOT_PROSE: &[&[u8]] = &[
    b"select",
    b"from",
    b"where",
    b"union",
    b"and",
    b"or",
    b"not",
    b"null",
    b"order",
    b"by",
    b"group",
    b"insert",
    b"into",
    b"values",
    b"update",
    b"set",
    b"delete",
    b"drop",
    b"table",
    b"exec",
    b"execute",
    b"like",
    b"having",
    b"limit",
    b"join",
    b"as",
    b"on",
    b"is",
    b"in",
    b"case",
    b"when",
    b"then",
    b"else",
    b"end",
    b"all",
    b"distinct",
    b"declare",
    b"waitfor",
    b"delay",
    b"sleep",
    b"benchmark",
    b"xor",
    b"div",
    b"between",
    b"exists",
    b"char",
    b"concat",
    b"create",
    b"alter",
    b"truncate",
    b"top",
    b"offset",
    b"procedure",
    b"cat",
    b"ls",
    b"id",
    b"echo",
    b"wget",
    b"curl",
    b"bash",
    b"sh",
    b"nc",
    b"rm",
    b"ping",
    b"whoami",
    b"uname",
    b"script",
    b"alert",
    b"eval",
    b"system",
    b"if",
    b"for",
    b"do",
    b"exist",
    b"defined",
    b"errorlevel",
];

/// Whether a whitespace-separated token is a word of prose: two or more letters (ASCII or not),
/// or `a` or `i`, possibly with an inner apostrophe or hyphen, wrapped in ordinary punctuation, and not an SQL or shell word.
fn prose_word(tok: &[u8]) -> bool {
    let lead = |b: u8| matches!(b, b'(' | b'"' | b'\'' | b'`' | b'*' | b'_' | b'[');
    let trail =
        |b: u8| matches!(b, b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'"' | b'\'' | b'`' | b'*' | b'_' | b']');
    let mut t = tok;
    while let [b, rest @ ..] = t {
        if !lead(*b) {
            break;
        }
        t = rest;
    }
    while let [rest @ .., b] = t {
        if !trail(*b) {
            break;
        }
        t = rest;
    }
    let letter = |b: u8| b.is_ascii_alphabetic() || b >= 0x80;
    (t.len() >= 2 || t == b"a" || t == b"i")
        && letter(t[0])
        && letter(t[t.len() - 1])
        && t.iter().all(|&b| letter(b) || b == b'\'' || b == b'-')
        && !NOT_PROSE.contains(&t)
}

/// Natural-language text: at least eight whitespace-separated tokens with a letter or digit, at
/// least six of them words of prose, and words make up at least half of them. Payloads, however long, are mostly
/// operators, quotes, numbers and keywords; sentences are mostly words.
pub fn is_prose(v: &[u8]) -> bool {
    if v.len() < 32 {
        return false;
    }
    let (mut tokens, mut words) = (0u32, 0u32);
    // Tokens without a letter or digit (`-`, `->`, `[x]`'s brackets, `##`) are layout, not counted.
    for tok in v.split(|b| b.is_ascii_whitespace()).filter(|t| t.iter().any(|b| b.is_ascii_alphanumeric())) {
        tokens += 1;
        if prose_word(tok) {
            words += 1;
        }
    }
    tokens >= 8 && words >= 6 && words * 2 >= tokens
}

/// Rules whose matches are shapes that prose quotes on purpose (SQL statements and functions,
/// command lines, system paths, class names, code calls, multi-line text with `Name:` lines):
/// not scored inside prose. The injection rules (breakouts, tautologies, comments after a
/// quote, stacked statements after a quote, script tags and event handlers, template and
/// Log4Shell lookups …) are not in this list and count everywhere.
pub fn prose_weak(rule: u32) -> bool {
    matches!(
        rule,
        // SQL: the tokenizer, UNION keyword pair, sleep(), literal comparisons, DML/DDL statements,
        // exec(), SQL functions with keywords, SELECT … FROM, CREATE/ALTER … statements.
        4200 | 4202 | 4204 | 4206 | 4207 | 4210 | 4214 | 4215 | 4216
        // Command injection: command after a separator or in backticks, command with options,
        // /usr/bin paths and redirections, commands with arguments, command-line tools.
        | 3200 | 3201 | 3202 | 3207 | 3211
        // System file paths, PHP function/variable calls, Java class names, Node.js calls.
        | 3001 | 3301 | 3305 | 4401 | 3402
        // Header-like lines and LDAP-filter punctuation.
        | 1006 | 1016
    )
}

/// Whether `v` is a GraphQL executable document: an operation or fragment definition (or a
/// bare selection set) whose every byte outside string literals and comments is GraphQL syntax,
/// with balanced braces. A value with anything else outside its literals (a quote, `;`, `/`, `*`,
/// `<`, `=` after a name …) is not a document and is inspected whole.
pub fn is_graphql(v: &[u8]) -> bool {
    let t = v.trim_ascii();
    let starts = [&b"query"[..], b"mutation", b"subscription", b"fragment"].iter().any(|k| {
        t.strip_prefix(*k).is_some_and(|r| matches!(r.first(), Some(b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'(')))
    }) || bare_selection_set(t);
    if !starts || t.last() != Some(&b'}') {
        return false;
    }
    let mut depth = 0i32;
    let mut seen_brace = false;
    let mut i = 0;
    while i < t.len() {
        let b = t[i];
        match b {
            b'"' => match string_end(t, i) {
                Some(e) => i = e,
                None => return false,
            },
            b'#' => {
                while i < t.len() && t[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' => {
                depth += 1;
                seen_brace = true;
            }
            b'}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            b'(' | b')' | b'[' | b']' | b':' | b'!' | b'$' | b'@' | b',' | b'.' | b'|' | b'&' | b'=' | b'-' => {}
            _ if b.is_ascii_alphanumeric() || b == b'_' || b.is_ascii_whitespace() => {}
            _ => return false,
        }
        i += 1;
    }
    depth == 0 && seen_brace && !has_sql_equals(t)
}

/// A query without the `query` keyword: `{ name { … } }`, a name first and a nested selection
/// (shell brace expansion `{id,}` and JSON objects `{"a": 1}` are neither).
fn bare_selection_set(t: &[u8]) -> bool {
    t.first() == Some(&b'{')
        && t[1..].trim_ascii_start().first().is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        && t[1..].contains(&b'{')
}

/// `=` is GraphQL only for a variable's default value (`$first: Int = 20`); anywhere else
/// (`a = b` in a selection) it is not GraphQL.
fn has_sql_equals(t: &[u8]) -> bool {
    let mut in_vars = false;
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'"' => {
                i = string_end(t, i).unwrap_or(t.len());
            }
            b'#' => {
                while i < t.len() && t[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => in_vars = t[i + 1..].trim_ascii_start().first() == Some(&b'$'),
            b')' => in_vars = false,
            b'=' if !in_vars => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// The index of the closing quote of the string literal (or block string) opening at `start`.
fn string_end(t: &[u8], start: usize) -> Option<usize> {
    if t[start..].starts_with(b"\"\"\"") {
        let body = start + 3;
        return t[body..].windows(3).position(|w| w == b"\"\"\"").map(|p| body + p + 2);
    }
    let mut i = start + 1;
    while i < t.len() {
        match t[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The data-carrying parts of a GraphQL document: each string literal's content and each
/// comment's text.
pub fn graphql_literals(v: &[u8]) -> Vec<&[u8]> {
    let t = v.trim_ascii();
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'"' => {
                let Some(e) = string_end(t, i) else { break };
                let block = t[i..].starts_with(b"\"\"\"");
                let (s, end) = if block { (i + 3, e.saturating_sub(2)) } else { (i + 1, e) };
                if s < end {
                    out.push(&t[s..end]);
                }
                i = e;
            }
            b'#' => {
                let s = i + 1;
                while i < t.len() && t[i] != b'\n' {
                    i += 1;
                }
                if s < i {
                    out.push(&t[s..i]);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether a value is prose, decided once and only when a weak rule matched it.
pub struct Prose<'a> {
    value: &'a [u8],
    known: Option<bool>,
}

impl<'a> Prose<'a> {
    pub fn new(value: &'a [u8]) -> Self {
        Prose { value, known: None }
    }

    pub fn get(&mut self) -> bool {
        *self.known.get_or_insert_with(|| is_prose(self.value))
    }
}

/// A libinjection fingerprint made only of numbers, names, functions, arithmetic operators,
/// parentheses and commas is an arithmetic or spreadsheet expression (`(2 + 3) * 4 = 20`,
/// `sum(a, b) / 2`): no string breakout, keyword, logical operator or comment. It counts only when
/// the value also spells a string as a hex literal (`0x41…`), the quote-free way to smuggle text.
pub fn arithmetic(fingerprint: &str, v: &[u8]) -> bool {
    fingerprint.bytes().all(|b| matches!(b, b'1' | b'n' | b'f' | b'o' | b'(' | b')' | b','))
        && !v.windows(3).any(|w| w[0] == b'0' && w[1] == b'x' && w[2].is_ascii_hexdigit())
}

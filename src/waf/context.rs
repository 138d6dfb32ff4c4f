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
//! And the strength of a match ([`evidence`], [`Prose::score`]): a rule that recognises an
//! injection is critical alone; a rule that recognises a shape API fields carry by design (SQL
//! without a breakout, a named tag, commands chained in a script, `console.log(`) is a weak
//! signal that blocks only with a second one in the request. Weak signals count once per family
//! and value.
//!
//! All checks are linear scans over the canonical (lower-cased) value.

use super::rules::severity::{CRITICAL, WARNING};
use super::rules::Category;
use super::signatures::UNIX_COMMANDS;

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
        && !NOT_PROSE.iter().any(|w| w.first() == t.first() && *w == t)
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

/// What is known about one value while its matches are scored: whether it is prose, whether it
/// breaks out of an SQL string or parenthesis, whether it is a command line by design, and which
/// families already scored a weak signal on it. Each property is decided once, and only when a
/// rule that depends on it matched.
pub struct Prose<'a> {
    value: &'a [u8],
    known: Option<bool>,
    breakout: Option<bool>,
    markup: Option<bool>,
    script: Option<bool>,
    /// Families (bit = `Category as u32`) that already scored a weak signal on this value.
    weak_seen: u32,
}

impl<'a> Prose<'a> {
    pub fn new(value: &'a [u8]) -> Self {
        Prose { value, known: None, breakout: None, markup: None, script: None, weak_seen: 0 }
    }

    pub fn get(&mut self) -> bool {
        *self.known.get_or_insert_with(|| is_prose(self.value))
    }

    /// The score a match of `rule` (built-in score `base`) adds on this value: `base`, or
    /// [`WEAK`] when the rule only recognises a shape and the value lacks what makes that shape
    /// an injection (see [`evidence`]). `None` when a weak signal of the same family already
    /// scored on this value: several shape rules recognising one snippet are one piece of
    /// evidence, not corroboration.
    pub fn score(&mut self, rule: u32, category: Category, base: u32) -> Option<u32> {
        let score = match evidence(rule) {
            Evidence::Always => base,
            Evidence::Weak => base.min(WEAK),
            Evidence::SqlBreakout => {
                if *self.breakout.get_or_insert_with(|| sql_breakout(self.value)) {
                    base
                } else {
                    base.min(WEAK)
                }
            }
            Evidence::ActiveMarkup => {
                if *self.markup.get_or_insert_with(|| !only_named_tags(self.value)) {
                    base
                } else {
                    base.min(WEAK)
                }
            }
            Evidence::NotInScript => {
                if *self.script.get_or_insert_with(|| is_script(self.value) && !reaches_system(self.value)) {
                    base.min(WEAK)
                } else {
                    base
                }
            }
        };
        if score < CRITICAL && self.weak_seen & (1u32 << (category as u32)) != 0 {
            return None;
        }
        Some(score)
    }

    /// Notes that a match was recorded with `score` on this value (see [`Prose::score`]).
    pub fn counted(&mut self, category: Category, score: u32) {
        if score < CRITICAL {
            self.weak_seen |= 1u32 << (category as u32);
        }
    }
}

/// The score of a weak signal: a shape that blocks only when a second signal corroborates it.
pub const WEAK: u32 = WARNING;

/// When a built-in rule's match is critical evidence on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Always its own score: the match is an injection (a breakout with a tautology, an event
    /// handler, a reverse shell, a system file …).
    Always,
    /// Always weak: a code shape that code fields carry by design (`console.log(`).
    Weak,
    /// Critical only when the value breaks out of an SQL string or parenthesis (see
    /// [`sql_breakout`]); weak for SQL that stands on its own (`select * from products`, a JQL
    /// filter `status = 'active' and …`).
    SqlBreakout,
    /// Critical only when the value has markup that can act (a tag with attributes, a closing
    /// tag, anything but bare `<name>` tags); weak for a tag that is only named (`<iframe>`).
    ActiveMarkup,
    /// Critical unless the value is a command line by design (see [`is_script`]): commands
    /// chained inside a script are weak evidence; a separator that follows data is not.
    NotInScript,
}

/// How a rule's match counts (see [`Evidence`]).
pub fn evidence(rule: u32) -> Evidence {
    match rule {
        // The SQL tokenizer, tautology or statement after a quote or parenthesis,
        // DML/DDL statements, SQL functions with keywords, SELECT … FROM, CREATE/ALTER …,
        // a value that closes a string and continues.
        4200 | 4201 | 4203 | 4207 | 4214 | 4215 | 4216 | 4217 => Evidence::SqlBreakout,
        // The HTML tokenizer, script tag, dangerous tag.
        4100 | 4101 | 4104 => Evidence::ActiveMarkup,
        // Command after a separator, command with options after a separator, value that starts
        // with a command line, PowerShell, system file path.
        3200 | 3207 | 3211 | 3203 | 3001 => Evidence::NotInScript,
        // A `console.log(` call (its score is already a warning).
        3406 => Evidence::Weak,
        _ => Evidence::Always,
    }
}

/// SQL keywords that continue an expression right after a quote (`a'or'a`, `user'and id`): an
/// apostrophe followed by one of them is a quote, not a letter of a word like `o'reilly`.
const AFTER_QUOTE: &[&[u8]] =
    &[b"or", b"and", b"xor", b"div", b"like", b"union", b"select", b"having", b"order", b"group"];

/// Statements that make a stacked query after a `;`.
const STACKED: &[&[u8]] = &[
    b"select",
    b"insert",
    b"update",
    b"delete",
    b"drop",
    b"create",
    b"alter",
    b"truncate",
    b"exec",
    b"execute",
    b"declare",
    b"shutdown",
    b"waitfor",
    b"grant",
    b"revoke",
    b"replace",
    b"merge",
    b"call",
];

/// The run of ASCII letters at the start of `v`.
fn letters(v: &[u8]) -> &[u8] {
    &v[..v.iter().take_while(|b| b.is_ascii_alphabetic()).count()]
}

/// Whether an SQL-looking value breaks out of the string or parenthesis it was put in, or
/// smuggles a statement: a quote that cannot open a string here (it follows a letter or digit:
/// `admin'`, `1'`; or a space follows it: `' or 1=1`), a string that is never closed or is
/// followed by something other than an operator or a space (`'a'--`, `' or ''='`), a `)` that
/// closes nothing or a `(` never closed (`1 and (select …`), a statement stacked after `;`, or a
/// string spelled as a hex literal (`0x61646d696e`). A self-contained expression with balanced
/// quotes and parentheses (`status = 'active' and n > 2`, `"or" vs "and"`) does not; an
/// apostrophe inside a word (`can't`, `o'reilly`) is not a quote.
pub fn sql_breakout(v: &[u8]) -> bool {
    let opener = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'(' | b',' | b'=' | b'<' | b'>' | b'!' | b'~' | b':' | b'[' | b'{' | b'+' | b'*' | b'|' | b'&'
            )
    };
    let after = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(b, b')' | b',' | b']' | b'}' | b':' | b'=' | b'<' | b'>' | b'!' | b'.' | b'?')
    };
    let mut depth = 0i32;
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        match b {
            b'\'' | b'"' | b'`' => {
                let prev = i.checked_sub(1).map(|p| v[p]);
                let next = v.get(i + 1).copied();
                if b == b'\''
                    && prev.is_some_and(|p| p.is_ascii_alphabetic())
                    && next.is_some_and(|n| n.is_ascii_alphabetic())
                    && !AFTER_QUOTE.contains(&letters(&v[i + 1..]))
                {
                    i += 1;
                    continue;
                }
                if prev.is_some_and(|p| !opener(p))
                    || next.is_some_and(|n| n.is_ascii_whitespace() || matches!(n, b';' | b')' | b'-' | b'#'))
                {
                    return true;
                }
                let mut j = i + 1;
                let mut close = None;
                while j < v.len() {
                    if v[j] == b'\\' {
                        j += 2;
                    } else if v[j] == b {
                        if v.get(j + 1) == Some(&b) {
                            j += 2;
                        } else {
                            close = Some(j);
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                let Some(j) = close else { return true };
                if v.get(j + 1).is_some_and(|&n| !after(n)) {
                    return true;
                }
                i = j + 1;
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            b';' => {
                let rest = v[i + 1..].trim_ascii_start();
                if STACKED.contains(&letters(rest)) {
                    return true;
                }
            }
            b'0' if v.get(i + 1) == Some(&b'x')
                && v[i + 2..].iter().take_while(|b| b.is_ascii_hexdigit()).count() >= 6 =>
            {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    depth > 0
}

/// Whether the value holds markup that is only named: it has a `<`, every `<` starts a bare
/// tag `<name>` (letters and digits, no attribute, no closing tag) and each is followed by the
/// end, a space or punctuation of prose (`<script>: the script element`, `what does <iframe>
/// do?`), not by content (`<style>@import`, `<script>alert(1)`).
pub fn only_named_tags(v: &[u8]) -> bool {
    let mut i = 0;
    let mut seen = false;
    while let Some(p) = v[i..].iter().position(|&b| b == b'<') {
        let s = i + p + 1;
        let n = v[s..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if n == 0 || v.get(s + n) != Some(&b'>') {
            return false;
        }
        if v.get(s + n + 1)
            .is_some_and(|&b| !(b.is_ascii_whitespace() || matches!(b, b':' | b',' | b'.' | b'?' | b'!' | b')')))
        {
            return false;
        }
        seen = true;
        i = s + n + 1;
    }
    seen
}

/// Whether a command line reaches beyond what a script field does by design: it pipes into a
/// shell or interpreter, substitutes a command, names a system directory (`/etc/`, `/proc/`,
/// `/dev/`, `system32`), downloads and runs code (`Invoke-WebRequest`, `iex`) or runs PowerShell
/// hidden or encoded (`-enc …`, `-nop`, `-windowstyle hidden`).
pub fn reaches_system(v: &[u8]) -> bool {
    static SYSTEM: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            regex::bytes::RegexBuilder::new(concat!(
                r"\|\s*(?:[\w/.-]*/)?(?:sh|bash|zsh|ksh|dash|python[23]?|perl|ruby|php|node|nc|ncat)\b|\$\(|`|",
                r"(?:^|[\s=:'\x22])/?(?:etc|proc|dev|root|boot)/|[\\/]system32\b|[\\/]windows[\\/]|",
                r"\b(?:invoke-(?:webrequest|expression|restmethod)|iwr|iex|irm|downloadstring|downloadfile|net\.webclient|start-process)\b|",
                r"\s-(?:e|ec|enc|encodedcommand)\s+[a-z0-9+/=]{8,}|\s-(?:nop|noprofile|executionpolicy|windowstyle)\b"
            ))
            .unicode(false)
            .build()
            .ok()
        })
        .as_ref()
        .is_some_and(|re| re.is_match(v))
}

/// Whether the value is a command line by design: after a shebang and comment lines, it starts
/// with a command word followed by an argument (`tar xzf a.tgz && ls -la`, `find /tmp -delete;
/// echo done`, `Get-ChildItem -Path …`). Chaining commands is what such a value does; an
/// injection instead puts its separator after data (`127.0.0.1; cat …`) or first (`;id`).
pub fn is_script(v: &[u8]) -> bool {
    let mut t = v.trim_ascii_start();
    while t.first() == Some(&b'#') {
        let end = t.iter().position(|&b| b == b'\n').map_or(t.len(), |e| e + 1);
        t = t[end..].trim_ascii_start();
    }
    let word = t.iter().take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/')).count();
    static COMMAND: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
    let command = COMMAND.get_or_init(|| {
        let p = format!(
            "^(?:[\\w./-]*/)?(?:{}|(?:get|set|new|remove|add|invoke|start|stop|write|out|select|where|foreach|import|export|test|copy|move)-[a-z]+)$",
            UNIX_COMMANDS
        );
        regex::bytes::RegexBuilder::new(&p).unicode(false).build().ok()
    });
    if !command.as_ref().is_some_and(|re| re.is_match(&t[..word])) {
        return false;
    }
    let rest = &t[word..];
    let gap = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    gap > 0
        && rest.get(gap).is_some_and(|&b| !matches!(b, b';' | b'&' | b'|' | b'`' | b'$' | b'(' | b'<' | b'>' | b'\n'))
}

/// A libinjection fingerprint made only of numbers, names, functions, arithmetic operators,
/// parentheses and commas is an arithmetic or spreadsheet expression (`(2 + 3) * 4 = 20`,
/// `sum(a, b) / 2`): no string breakout, keyword, logical operator or comment. It counts only when
/// the value also spells a string as a hex literal (`0x41…`), the quote-free way to smuggle text.
pub fn arithmetic(fingerprint: &str, v: &[u8]) -> bool {
    fingerprint.bytes().all(|b| matches!(b, b'1' | b'n' | b'f' | b'o' | b'(' | b')' | b','))
        && !v.windows(3).any(|w| w[0] == b'0' && w[1] == b'x' && w[2].is_ascii_hexdigit())
}

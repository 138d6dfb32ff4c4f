//! Literal prefilters for the rule automata, derived automatically from the rules' patterns.
//!
//! For every regex, [`required_literals`] finds a finite set of byte strings such that every
//! match of the regex contains one of them: the prefixes or suffixes from `regex-syntax`'s
//! literal extractor, or the factors required by the pattern's structure (a literal or small
//! class that every branch of an alternation must pass through, a prefix of the tail of a
//! concatenation). A value that contains none of them cannot match that regex.
//!
//! A [`SetFilter`] splits the members of one automaton in two: those with a selective literal
//! set (checked together by one Aho-Corasick scan) and the rest. A value in which the scan
//! finds nothing can only match the rest, so only the (smaller or absent) automaton of the rest
//! runs on it. Nothing here depends on which rules exist: built-in and custom rules are treated
//! alike, so rule edits stay correct; a pattern that yields no literal set simply always runs.
//!
//! Not used by the scanner at the moment: measured on the benchmarks of `benches/waf.rs`, the rule
//! sets' lazy DFAs alone were faster than this scan plus the automaton of the uncovered members.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::ParserBuilder;

/// At most this many literals per pattern (more, and the pattern gets no prefilter).
const MAX_LITERALS: usize = 2_000;
/// Classes of at most this many bytes count as a set of one-byte literals.
const MAX_CLASS: usize = 16;
/// Concatenations are searched for factors among their first this many elements.
const MAX_CONCAT: usize = 32;

type Literals = Vec<Vec<u8>>;

/// The literals of which every match of `pattern` contains at least one, or `None` when no such
/// finite set is known (the pattern must always run). `unicode` must be the flag the pattern is
/// compiled with; the pattern is compiled as a byte regex (`utf8(false)`).
pub fn required_literals(pattern: &str, unicode: bool) -> Option<Literals> {
    let hir = ParserBuilder::new().unicode(unicode).utf8(false).build().parse(pattern).ok()?;
    let mut best = None;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        best = better(best, from_seq(&extractor(kind).extract(&hir)));
    }
    better(best, factors(&hir, 0))
}

fn extractor(kind: ExtractKind) -> Extractor {
    let mut e = Extractor::new();
    e.kind(kind).limit_class(MAX_CLASS).limit_repeat(4).limit_literal_len(16).limit_total(MAX_LITERALS);
    e
}

/// A usable literal set from an extracted sequence. An infinite sequence says nothing, an empty
/// one means "matches nothing" and an empty literal "matches everywhere": all three are treated
/// as unknown, which is always safe.
fn from_seq(seq: &Seq) -> Option<Literals> {
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > MAX_LITERALS || lits.iter().any(|l| l.is_empty()) {
        return None;
    }
    Some(dedup(lits.iter().map(|l| l.as_bytes().to_vec()).collect()))
}

fn dedup(mut v: Literals) -> Literals {
    v.sort();
    v.dedup();
    v
}

/// How selective a literal is: its length, or 3 for one with a byte rarely seen in benign values.
fn strength(lit: &[u8]) -> usize {
    let rare = lit.iter().any(|&b| !(b.is_ascii_alphanumeric() || b" .,:@_/+-".contains(&b) || b >= 0x80));
    if rare {
        lit.len().max(3)
    } else {
        lit.len()
    }
}

/// How selective a literal set is: its weakest literal's strength.
fn set_strength(lits: &[Vec<u8>]) -> usize {
    lits.iter().map(|l| strength(l)).min().unwrap_or(0)
}

/// The more selective of two literal sets (stronger, then fewer literals).
fn better(a: Option<Literals>, b: Option<Literals>) -> Option<Literals> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |v: &Literals| (set_strength(v), std::cmp::Reverse(v.len()));
            if key(&b) > key(&a) {
                Some(b)
            } else {
                Some(a)
            }
        }
        (a, None) => a,
        (None, b) => b,
    }
}

/// The bytes of a small class, as one-byte literals.
fn class_literals(class: &Class) -> Option<Literals> {
    let mut out = Vec::new();
    match class {
        Class::Bytes(c) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    out.push(vec![b]);
                    if out.len() > MAX_CLASS {
                        return None;
                    }
                }
            }
        }
        Class::Unicode(c) => {
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    let mut buf = [0u8; 4];
                    out.push(ch.encode_utf8(&mut buf).as_bytes().to_vec());
                    if out.len() > MAX_CLASS {
                        return None;
                    }
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Literals of which every match of `hir` contains one (structural analysis), or `None`.
fn factors(hir: &Hir, depth: usize) -> Option<Literals> {
    if depth > 64 {
        return None;
    }
    match hir.kind() {
        HirKind::Literal(l) => (!l.0.is_empty()).then(|| vec![l.0.to_vec()]),
        HirKind::Class(c) => class_literals(c),
        HirKind::Capture(c) => factors(&c.sub, depth + 1),
        HirKind::Repetition(r) if r.min >= 1 => factors(&r.sub, depth + 1),
        HirKind::Concat(subs) => {
            let mut best = None;
            for (i, sub) in subs.iter().enumerate().take(MAX_CONCAT) {
                best = better(best, factors(sub, depth + 1));
                // Every match of the concatenation contains a match of each of its tails.
                let tail = Hir::concat(subs[i..].to_vec());
                best = better(best, from_seq(&extractor(ExtractKind::Prefix).extract(&tail)));
            }
            best
        }
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for sub in subs {
                all.extend(factors(sub, depth + 1)?);
                if all.len() > MAX_LITERALS {
                    return None;
                }
            }
            (!all.is_empty()).then(|| dedup(all))
        }
        _ => None,
    }
}

/// Whether a literal set is selective enough to be worth a prefilter (a speed choice only: any
/// literal set is a correct filter).
fn selective(lits: &[Vec<u8>]) -> bool {
    set_strength(lits) >= 3
}

/// The prefilter of one automaton: an Aho-Corasick scan for the literals of its selective
/// members, and which members (by position) are not covered and must always run.
#[derive(Debug)]
pub struct SetFilter {
    literals: AhoCorasick,
    /// Positions of the members without a selective literal set, ascending.
    pub rest: Vec<usize>,
}

impl SetFilter {
    /// The filter for the member `patterns` (compiled with the `unicode` flag), or `None` when
    /// no member has a selective literal set.
    pub fn build(patterns: &[&str], unicode: bool) -> Option<SetFilter> {
        let mut lits = Vec::new();
        let mut rest = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match required_literals(p, unicode) {
                Some(l) if selective(&l) => lits.extend(l),
                _ => rest.push(i),
            }
        }
        if lits.is_empty() {
            return None;
        }
        let literals = AhoCorasickBuilder::new().match_kind(MatchKind::Standard).build(dedup(lits)).ok()?;
        Some(SetFilter { literals, rest })
    }

    /// Whether a covered member may match `v` (false: only the `rest` members can).
    pub fn may_match(&self, v: &[u8]) -> bool {
        self.literals.is_match(v)
    }
}

/// A prefilter for a single regex (custom rules): `None` when its literals are unknown.
pub fn single(pattern: &str, unicode: bool) -> Option<AhoCorasick> {
    let lits = required_literals(pattern, unicode)?;
    AhoCorasickBuilder::new().match_kind(MatchKind::Standard).build(lits).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waf::normalize;
    use crate::waf::rules::{Matcher, View};
    use regex::bytes::RegexBuilder;

    /// Values that exercise the rule families, plus benign ones.
    const VALUES: &[&str] = &[
        "1' or '1'='1",
        "x\" union all select password from users--",
        "1;drop table users",
        "admin'/**/or/**/1=1#",
        "select * from users where id=1",
        "1 and sleep(5)",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:alert(document.cookie)",
        "../../../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "/e?c/p?ss?d",
        ";cat /etc/passwd",
        "| id",
        "$(whoami)",
        "`uname -a`",
        "w'h'o'am'i",
        "c${IFS}at /etc/shadow",
        "for /f %i in (c:\\x) do echo %i",
        "<?php system($_GET['c']); ?>",
        "${jndi:ldap://evil.example/a}",
        "{{7*7}}",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/admin",
        "gopher://localhost:25/",
        "require('child_process').exec('id')",
        "__proto__[isadmin]=true",
        "O:8:\"stdClass\":0:{}",
        "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==",
        "username__startswith=adm",
        "mail from: <a@b>\r\nrcpt to: <c@d>",
        "jane o'brien",
        "running shoes",
        "2024-05-01t10:00:00z",
        "jane.obrien@example.com",
        "please leave at the back door, thanks!",
        "",
        "!!!!!!@@@@@",
    ];

    /// The values of the corpus, when it is present (it lives outside the repository).
    fn corpus_values() -> Vec<Vec<u8>> {
        let Ok(text) = std::fs::read_to_string("../shared/corpus/waf-dev.jsonl") else { return Vec::new() };
        let mut out = Vec::new();
        for line in text.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            for key in ["uri", "body"] {
                if let Some(s) = v.get(key).and_then(|s| s.as_str()) {
                    out.push(s.as_bytes().to_vec());
                    // The query arguments one by one, as the scanner sees them.
                    if let Some(q) = s.split_once('?').map(|(_, q)| q) {
                        for part in q.split('&') {
                            out.push(normalize::form_decode(part.as_bytes()).into_owned());
                        }
                    }
                }
            }
            if let Some(hs) = v.get("headers").and_then(|h| h.as_array()) {
                for h in hs {
                    if let Some(s) = h.get(1).and_then(|s| s.as_str()) {
                        out.push(s.as_bytes().to_vec());
                    }
                }
            }
        }
        out
    }

    fn views(raw: &[u8]) -> Vec<Vec<u8>> {
        let c = normalize::canonical(raw).into_owned();
        vec![
            normalize::sql_fold(&c).into_owned(),
            normalize::path_normalize(&c).into_owned(),
            normalize::shell_fold(&c).into_owned(),
            normalize::base64_view(raw).into_owned(),
            raw.to_vec(),
            c,
        ]
    }

    /// The property the scanner relies on: a regex never matches a value in which none of its
    /// required literals occurs.
    fn assert_sound(pattern: &str, unicode: bool, values: &[Vec<u8>]) -> usize {
        let Some(lits) = required_literals(pattern, unicode) else { return 0 };
        let re = RegexBuilder::new(pattern).unicode(unicode).build().expect("pattern compiles");
        let ac = AhoCorasick::new(&lits).expect("literals build");
        let mut matched = 0;
        for v in values {
            if re.is_match(v) {
                matched += 1;
                assert!(
                    ac.is_match(v),
                    "{pattern} matches {:?} but the prefilter would skip it",
                    String::from_utf8_lossy(v)
                );
            }
        }
        matched
    }

    fn all_values() -> Vec<Vec<u8>> {
        let mut raw: Vec<Vec<u8>> = VALUES.iter().map(|v| v.as_bytes().to_vec()).collect();
        raw.extend(corpus_values());
        raw.iter().flat_map(|r| views(r)).collect()
    }

    #[test]
    fn built_in_rules_never_skip_a_matching_value() {
        let values = all_values();
        let (mut covered, mut matched) = (0, 0);
        for r in crate::waf::signatures::RULES {
            if let Matcher::Regex(p) = r.matcher {
                covered += usize::from(required_literals(p, false).is_some());
                matched += assert_sound(p, false, &values);
            }
        }
        assert!(covered > 0 && matched > 0, "covered {covered}, matched {matched}");
    }

    #[test]
    fn custom_rule_shapes_never_skip_a_matching_value() {
        let values = all_values();
        for p in [
            r"(?i)union\s+all",
            r"^(?:v1|v2)$",
            r"__proto__",
            r"(?i)\bselect\b.*\bfrom\b",
            r"[<>]",
            r"\w+@\w+\.com",
            r"(?:a|b)+c?",
            r"x*",
            r"é|ü",
            r"(?i)ÉTÉ",
            r"(?s).",
            r"[^a-z]{3}",
            r"\d{4}-\d{2}",
        ] {
            for unicode in [true, false] {
                if RegexBuilder::new(p).unicode(unicode).build().is_ok() {
                    assert_sound(p, unicode, &values);
                }
            }
        }
    }

    #[test]
    fn literals_are_derived_from_structure() {
        let l = required_literals(r"(?:^|;)\s*(?:cat|ls)\b", false).expect("literals");
        assert_eq!(l, vec![b"cat".to_vec(), b"ls".to_vec()]);
        assert!(required_literals(r"\w+", false).is_none());
        assert!(required_literals(r"a?", false).is_none());
        assert!(required_literals(r"[^\w\s]{5,}", false).is_none());
        let l = required_literals(r"[a-z]['\x22]+[a-z]|\$[@*]", false).expect("literals");
        assert!(l.contains(&b"'".to_vec()) && l.iter().any(|x| x.starts_with(b"$")));
    }

    #[test]
    fn a_set_filter_keeps_uncovered_members() {
        let f = SetFilter::build(&[r"\bunion\s+select\b", r"\w{40,}", r"<script"], false).expect("filter");
        assert_eq!(f.rest, vec![1]);
        assert!(!f.may_match(b"running shoes"));
        assert!(f.may_match(b"1 union select 2"));
        assert!(f.may_match(b"<script>"));
        assert!(SetFilter::build(&[r"\w+"], false).is_none());
        let _ = View::Text;
    }

    fn body_outcome(config: &str, body: &str) -> crate::waf::Outcome {
        let cfg: crate::waf::WafConfig = serde_json::from_str(config).expect("config parses");
        let waf = crate::waf::Waf::compile(&cfg, "waf").expect("config compiles");
        let r = crate::request::Request::from_headers(vec![
            (":method".into(), b"POST".to_vec()),
            (":path".into(), b"/v1/items".to_vec()),
            (":authority".into(), b"api.example.com".to_vec()),
            ("content-type".into(), b"application/json".to_vec()),
        ]);
        let mut scan = waf.inspect_head(&r);
        waf.inspect_body(&mut scan, b"application/json", body.as_bytes());
        waf.outcome(&scan)
    }

    /// Values repeated in a request are remembered only when nothing matched them, so an
    /// exclusion on the first occurrence does not hide a match on the next one.
    #[test]
    fn a_repeated_value_is_judged_under_each_name() {
        let body = r#"[{"a":"1' or '1'='1","k":"plain"},{"b":"1' or '1'='1","k":"plain"}]"#;
        let o = body_outcome(r#"{"exclusions": [{"target": "json:$[0].a"}]}"#, body);
        assert!(o.matches.iter().any(|m| m.target == "json:$[1].b"), "{o:?}");
        assert!(o.matches.iter().all(|m| m.target != "json:$[0].a"), "{o:?}");
        let o = body_outcome("{}", body);
        assert!(o.blocked && o.matches.iter().all(|m| m.target == "json:$[0].a"), "{o:?}");
    }

    /// The off-site URL rule reads the argument's name: URL-like values are never remembered.
    #[test]
    fn a_repeated_url_is_judged_under_each_name() {
        let body = r#"{"website":"https://other.example.org/x","next":"https://other.example.org/x","q":"https://other.example.org/x"}"#;
        let o = body_outcome(r#"{"paranoia_level": 2}"#, body);
        assert!(o.matches.iter().any(|m| m.rule_id == 3150 && m.target == "json:$.q"), "{o:?}");
    }
}

//! The WAF stage: signature detection with anomaly scoring over normalised request values.
//! `Waf::compile` turns a policy's `WafConfig` into one immutable matcher (all patterns of a
//! target class and view in one automaton); inspection only reads it and never panics.

/// The events a browser dispatches to an element's `on…` handler attribute, after the `on`
/// (`onclick`, `onerror`, `onanimationend`): rule 4102's list, and what an XML vocabulary's own
/// `on…` attributes (Liquibase's `onFail`) are told apart from (`context::own_vocabulary`).
macro_rules! event_names {
    () => {
        r"(?:abort|activate|afterprint|animation\w*|auxclick|before\w+|begin|blur|bounce|canplay\w*|change|click|close|contextmenu|copy|cuechange|cut|dblclick|drag\w*|drop|durationchange|emptied|end|ended|error|finish|focus\w*|formdata|hashchange|input|invalid|key\w+|load\w*|message\w*|mouse\w+|move\w*|offline|online|page\w+|paste|pause|play\w*|pointer\w+|popstate|progress|propertychange|ratechange|readystatechange|repeat|reset|resize|scroll\w*|search|seek\w*|select\w*|show|stalled|start|storage|submit|suspend|timeupdate|toggle|touch\w+|transition\w*|unload|volumechange|waiting|wheel|zoom)"
    };
}

pub mod config;
pub mod context;
pub mod json;
pub mod multipart;
pub mod normalize;
pub mod protocol;
pub mod rules;
pub mod scoring;
pub mod signatures;
pub mod targets;
pub mod xml;

pub use config::{CustomRuleConfig, ExclusionConfig, Operator, OverBudget, WafConfig, WafMode};
pub use rules::Category;
pub use scoring::{Match, Outcome};

use crate::config::ConfigError;
use crate::request::Request;
use normalize::{RawBytes, Shape, Transformation};
use regex::bytes::{Regex, RegexBuilder};
use regex_automata::{
    hybrid, nfa::thompson, nfa::thompson::pikevm, util::start, util::syntax, Anchored, Input, MatchKind, PatternSet,
};
use rules::{class, Matcher, View};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use targets::{Sink, TargetName};

/// How a compiled rule matches.
#[derive(Debug)]
enum Check {
    /// Member of the class/view sets; the regex locates the excerpt.
    Set(Regex),
    Sqli,
    Xss,
    /// A custom rule, evaluated on its own transformations.
    Custom {
        op: Operator,
        regex: Option<Regex>,
        needle: Vec<u8>,
        transformations: Vec<Transformation>,
        /// The classes of its selectors (`args`, `headers` …).
        selectors: u16,
        /// Its target names (`json:$.query`, `header:x-*`).
        targets: Vec<Glob>,
    },
    /// A protocol or context rule evaluated by code.
    Code,
}

#[derive(Debug)]
struct CompiledRule {
    id: u32,
    category: Category,
    score: u32,
    targets: u16,
    view: View,
    tags: Vec<String>,
    check: Check,
}

/// A `*`-wildcard pattern over target names.
#[derive(Debug, Clone)]
struct Glob(Vec<u8>);

impl Glob {
    fn matches(&self, name: &[u8]) -> bool {
        fn go(p: &[u8], s: &[u8]) -> bool {
            // Iterative wildcard matching (linear in practice, bounded by |p|·|s|).
            let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
            while si < s.len() {
                if pi < p.len() && p[pi] != b'*' && p[pi] == s[si] {
                    pi += 1;
                    si += 1;
                } else if pi < p.len() && p[pi] == b'*' {
                    star = Some(pi);
                    mark = si;
                    pi += 1;
                } else if let Some(st) = star {
                    pi = st + 1;
                    mark += 1;
                    si = mark;
                } else {
                    return false;
                }
            }
            p[pi..].iter().all(|&c| c == b'*')
        }
        go(&self.0, name)
    }
}

#[derive(Debug)]
struct Exclusion {
    target: Glob,
    rules: Vec<u32>,
    tags: Vec<String>,
}

/// The automata of one (class, view) pair: the set and, for each member, its rule index.
#[derive(Debug)]
struct ClassSet {
    /// Every member's pattern in one lazy DFA (`MatchKind::All`): whether any member matches, and
    /// which (its overlapping search), as `regex::bytes::RegexSet` answered with the same lazy DFA
    /// behind its meta engine's layers (see [`ClassSet::build`]).
    dfa: hybrid::dfa::DFA,
    /// The same NFA run by the PikeVM when the lazy DFA gives up (its cache thrashes), as the
    /// meta engine does; its cache is made only then.
    pikevm: pikevm::PikeVM,
    /// The caches, kept from value to value and request to request (made on first use). Taken
    /// with `try_lock`: when another thread holds them, a search makes its own.
    cache: Mutex<Option<SetCache>>,
    rules: Vec<usize>,
    /// Every member is one of [`CODE_IN_BASE64`] (the base64 view's set): a value without
    /// [`may_hold_code`] cannot match, and is not searched.
    code_only: bool,
}

/// The rules of the base64 view (Java gadget and class names, 4408; JavaScript code, 3405), whose
/// every match holds three ASCII letters in a row, a `\` or the byte 0xAC ([`may_hold_code`]).
const CODE_IN_BASE64: [u32; 2] = [4408, 3405];

/// Whether `v` holds three ASCII letters in a row, a `\` or the byte 0xAC: what every match of
/// the rules [`CODE_IN_BASE64`] holds. Each alternative of rule 4408 is a word or a dotted
/// package name of three letters or more (`forclosure`, `java.`, `org.apache.`, `com.sun.` …)
/// but the serialized stream's header `\xac\xed\x00\x05`; each of rule 3405 holds a word of three
/// letters or more (`for`, `eval`, `while`, `require`, `child_process`, `_$$nd_func$$_`,
/// `process.`, `function`) but `\\u00..`, which starts with `\`. A base64 view of random
/// bytes (an order id's, a token's) seldom has three letters in a row, so most views need no
/// search: `the_base64_rules_match_only_what_may_hold_code`.
fn may_hold_code(v: &[u8]) -> bool {
    let mut run = 0u32;
    for &b in v {
        if b.is_ascii_alphabetic() {
            run += 1;
            if run == 3 {
                return true;
            }
        } else if b == b'\\' || b == 0xac {
            return true;
        } else {
            run = 0;
        }
    }
    false
}

#[derive(Debug)]
struct SetCache {
    dfa: hybrid::dfa::Cache,
    pikevm: Option<pikevm::Cache>,
    /// What the lazy DFA's cache held after its last search, as counted in the [`CacheBudget`].
    accounted: usize,
}

/// The memory the lazy DFAs of one WAF may hold together in one worker
/// (`waf.automata_memory_mib`). Each set reports what its cache holds after each search; when the
/// total is over the limit, the largest caches are dropped (their memory freed) until it is under
/// again, and the states they held are built again as values need them. Varied traffic grows the
/// caches (see [`ClassSet::build`]); without a common bound, text crafted to reach new states in
/// every set could make a worker hold each set's own cap at once.
#[derive(Debug)]
struct CacheBudget {
    limit: usize,
    /// The sum of every kept cache's `accounted`.
    used: AtomicUsize,
    /// Caches dropped (or cleared by their lazy DFA) not yet reported as a metric.
    trims: AtomicU64,
}

impl CacheBudget {
    fn new(limit: usize) -> CacheBudget {
        CacheBudget { limit, used: AtomicUsize::new(0), trims: AtomicU64::new(0) }
    }

    /// A cache that held `before` now holds `now`.
    fn moved(&self, before: usize, now: usize) {
        if now > before {
            self.used.fetch_add(now - before, Ordering::Relaxed);
        } else {
            self.used.fetch_sub(before - now, Ordering::Relaxed);
        }
    }

    fn over(&self) -> bool {
        self.used.load(Ordering::Relaxed) > self.limit
    }
}

impl ClassSet {
    /// What `RegexSetBuilder::new(patterns).unicode(false).size_limit(64 << 20)
    /// .dfa_size_limit(16 << 20).build()` builds and searches (regex 1.x: a meta engine over every
    /// pattern, `MatchKind::All`, no captures, byte haystacks, which answers `is_match` and
    /// `matches` with this lazy DFA, configured as here, and the PikeVM when it gives up), without
    /// what the set never used: the reverse NFA and DFA (they find where a match starts), the
    /// literal prefilter (the lazy DFA asks it at every return to its start state; measured in
    /// Envoy, it cost more than it saved), the engines' per-search dispatch and cache pool. The
    /// same matches: `class_sets_agree_with_the_regex_set_they_replaced`. One difference in
    /// configuration: the cache may grow to `cache_capacity` (the WAF's whole automata budget,
    /// [`CacheBudget`]), not the set's 16 MB.
    ///
    /// Why so much: the states a set needs grow with the variety of the text it reads. The merged
    /// sets of argument values held 27 MB (PL1), 56 MB (PL2) and 65 MB (PL4) after the
    /// repository's 7,915 varied requests (the fixtures and the dev corpus); 49 MB (PL1) and
    /// 134 MB (PL2) after the 11,400 requests of the benign fixtures of 2026-11-30 (all sets: 80
    /// and 264 MB). A cap under that makes
    /// the cache clear over and over, and each state built again costs an epsilon closure over
    /// thousands of NFA states: at 16 MB, varied JSON bodies cost about 340 µs each in V8 instead
    /// of 17 µs (docs/waf.md, "Automata caches on varied traffic"). Memory is taken only as states
    /// are built. `caches_hold_the_states_of_varied_traffic` fails if the fixtures no longer fit
    /// the default budget (at PL2 they need 399 MB since 2026-12-01: one drop is allowed there).
    fn build(patterns: &[&str], members: Vec<usize>, cache_capacity: usize) -> Result<ClassSet, String> {
        let nfa = thompson::Compiler::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(64 << 20))
                    .shrink(false)
                    .which_captures(thompson::WhichCaptures::None),
            )
            .build_many(patterns)
            .map_err(|e| e.to_string())?;
        let dfa = hybrid::dfa::DFA::builder()
            .configure(
                hybrid::dfa::DFA::config()
                    .match_kind(MatchKind::All)
                    .unicode_word_boundary(true)
                    // Room for the states that varied traffic needs (see above).
                    .cache_capacity(cache_capacity)
                    .skip_cache_capacity_check(false)
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let pikevm = pikevm::PikeVM::builder()
            .configure(pikevm::PikeVM::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        Ok(ClassSet { dfa, pikevm, cache: Mutex::new(None), rules: members, code_only: false })
    }

    /// Whether any member matches `v`, and if one does, which (`None`: none matches).
    fn matches(&self, v: &[u8], budget: &CacheBudget) -> Option<PatternSet> {
        self.search(v, true, budget)
    }

    /// Whether any member matches `v` (only).
    fn is_match(&self, v: &[u8], budget: &CacheBudget) -> bool {
        self.search(v, false, budget).is_some()
    }

    /// Whether any member matches `v`, and if one does, which ones when `which` (else an empty set).
    /// The kept cache's memory is reported to `budget` after the search (a cache the lazy DFA
    /// cleared for want of room is dropped, so that the memory it kept is freed).
    fn search(&self, v: &[u8], which_ones: bool, budget: &CacheBudget) -> Option<PatternSet> {
        if self.code_only && !may_hold_code(v) {
            return None;
        }
        let mut guard = self.cache.try_lock().ok();
        let Some(kept) = guard.as_deref_mut() else {
            // Another thread holds the kept caches: a cache of its own, dropped after the search.
            return self.search_with(&mut self.new_cache(), v, which_ones, &mut false);
        };
        let caches = kept.get_or_insert_with(|| self.new_cache());
        let mut built = false;
        let found = self.search_with(caches, v, which_ones, &mut built);
        // Unless the walk of a short value met only transitions already computed (nothing changed).
        if built {
            if caches.dfa.clear_count() > 0 {
                budget.moved(caches.accounted, 0);
                budget.trims.fetch_add(1, Ordering::Relaxed);
                *kept = None;
            } else {
                let now = caches.dfa.memory_usage();
                if now != caches.accounted {
                    budget.moved(caches.accounted, now);
                    caches.accounted = now;
                }
            }
        }
        found
    }

    /// [`ClassSet::search`] with these caches; `built` is set unless the search certainly built
    /// no state (see [`ClassSet::any_match`]).
    fn search_with(&self, caches: &mut SetCache, v: &[u8], which_ones: bool, built: &mut bool) -> Option<PatternSet> {
        let any = self.any_match(&mut caches.dfa, v, built);
        if any == Ok(false) {
            return None;
        }
        if any == Ok(true) && !which_ones {
            return Some(PatternSet::new(0));
        }
        *built = true;
        let mut which = PatternSet::new(self.dfa.pattern_len());
        if any.is_err() {
            // Given up: the PikeVM answers both questions.
            let cache = caches.pikevm.get_or_insert_with(|| self.pikevm.create_cache());
            self.pikevm.which_overlapping_matches(cache, &Input::new(v), &mut which);
            return (!which.is_empty()).then_some(which);
        }
        if self.dfa.try_which_overlapping_matches(&mut caches.dfa, &Input::new(v), &mut which).is_err() {
            which.clear();
            let cache = caches.pikevm.get_or_insert_with(|| self.pikevm.create_cache());
            self.pikevm.which_overlapping_matches(cache, &Input::new(v), &mut which);
        }
        Some(which)
    }

    /// The longest value [`ClassSet::any_match`] walks itself (longer ones: the search routine).
    const WALK_MAX: usize = 12;

    /// Whether any member matches `v`, walking the lazy DFA byte by byte: what
    /// `try_search_fwd(Input::new(v).earliest(true))` answers (an unanchored search from the
    /// start of `v`, stopping at the first match state), without the search routine's
    /// configuration dispatch and match bookkeeping, which cost more than the walk on the short
    /// values most requests carry. `Err` when the lazy DFA gives up (its cache thrashing), as
    /// that search would (`class_set_walk_agrees_with_the_search_routine`). `built` is set when
    /// the answer may have built states: the search routine, or a transition not yet computed.
    /// (The start state and the end-of-input step may build one state each time the walk meets
    /// them first, unreported: the next reported search of the set counts it.)
    fn any_match(&self, cache: &mut hybrid::dfa::Cache, v: &[u8], built: &mut bool) -> Result<bool, ()> {
        let dfa = &self.dfa;
        let mut sid = dfa.start_state(cache, &start::Config::new().anchored(Anchored::No)).map_err(drop)?;
        if sid.is_tagged() || v.len() > Self::WALK_MAX {
            *built = true;
            // A long value (the search routine's unrolled loop is faster per byte) or a start
            // state that is already dead (or otherwise special): the search routine.
            return dfa.try_search_fwd(cache, &Input::new(v).earliest(true)).map(|m| m.is_some()).map_err(drop);
        }
        cache.search_start(0);
        let mut at = 0;
        while let Some(&b) = v.get(at) {
            // `sid` is untagged here: the table answers, unless the transition is not computed
            // yet or leads to a special state.
            let mut next = dfa.next_state_untagged(cache, sid, b);
            if next.is_tagged() {
                if next.is_unknown() {
                    *built = true;
                    cache.search_update(at);
                    next = dfa.next_state(cache, sid, b).map_err(drop)?;
                }
                if next.is_match() {
                    cache.search_finish(at);
                    return Ok(true);
                }
                if next.is_dead() {
                    cache.search_finish(at);
                    return Ok(false);
                }
                if next.is_tagged() {
                    // Quit (no quit bytes are configured) or anything unexpected: give up.
                    return Err(());
                }
            }
            sid = next;
            at += 1;
        }
        sid = dfa.next_eoi_state(cache, sid).map_err(drop)?;
        cache.search_finish(v.len());
        Ok(sid.is_match())
    }

    fn new_cache(&self) -> SetCache {
        SetCache { dfa: self.dfa.create_cache(), pikevm: None, accounted: 0 }
    }
}

/// A compiled WAF for one policy. Immutable; shared by every request.
#[derive(Debug)]
pub struct Waf {
    enabled: bool,
    mode: WafMode,
    threshold: u32,
    rules: Vec<CompiledRule>,
    sets: Vec<ClassSet>,
    /// For each class bit and view: an index into `sets`.
    by_class: [[Option<usize>; 5]; class::COUNT],
    /// For each class bit: one automaton over the rules of every textual view (text, sql, path,
    /// shell). Used when a value's derived views equal its canonical form, which is the case for
    /// almost every benign value: one scan instead of four.
    merged_by_class: [Option<usize>; class::COUNT],
    /// For each class bit: indices of native (tokenizer) rules.
    native_by_class: [Vec<usize>; class::COUNT],
    /// For each class bit: the tokenizers its native rules run ([`NATIVE_SQLI`], [`NATIVE_XSS`]),
    /// for the fast lane's question whether any of them could match ([`Waf::native_reachable`]).
    native_kinds_by_class: [u8; class::COUNT],
    custom: Vec<usize>,
    code: HashMap<u32, usize>,
    exclusions: Vec<Exclusion>,
    headers: Vec<String>,
    all_headers: bool,
    allowed_methods: Vec<String>,
    /// `allowed_content_types`, lower-cased.
    allowed_content_types: Vec<Vec<u8>>,
    max_values: u32,
    max_bytes: u64,
    max_depth: usize,
    over_budget: OverBudget,
    session_names: Regex,
    /// The memory the sets' lazy DFAs may hold together (`automata_memory_mib`).
    budget: CacheBudget,
}

/// The state of one request's inspection: what has been seen and what matched.
#[derive(Debug, Default)]
pub struct Scan {
    matches: Vec<Match>,
    fired: Vec<u32>,
    values: u32,
    bytes: u64,
    incomplete: bool,
    authority: Vec<u8>,
    referer_host: Option<Vec<u8>>,
    /// The request carries credentials only a program sets (`context::scripted_credentials`).
    scripted: bool,
    /// The browser says the request comes from the same site (`Sec-Fetch-Site: same-origin` or
    /// `same-site`, a header no page can set).
    same_site_fetch: bool,
    /// The method stores the resource its path names (PUT, PATCH): see [`written_dot_file`].
    writes: bool,
    /// How many times a rule matched or was skipped as already fired (see `CleanValues`).
    attempts: u32,
    clean: CleanValues,
    /// Body names known clean (see `CleanNames`).
    clean_names: CleanNames,
    /// Reused for the canonical form of values that only need lower-casing (no allocation per
    /// value).
    lower: Vec<u8>,
    /// Reused for the base64 view of values that may be base64.
    base64: Vec<u8>,
    /// Reused for the path and shell views of values that take the full inspection.
    path_view: Vec<u8>,
    shell_view: Vec<u8>,
    /// Families (bit = `Category as u32`) and kinds of program (bit = 16 + kind,
    /// `context::Prose::program_kinds`) that already scored a weak signal on a value that is a
    /// program by design (`context::Prose::program_signal`): several such values of one family
    /// (a quiz's SQL answers) or of one kind (a shell history's commands, a dotfile's aliases,
    /// whatever families their shapes belong to, as the shapes several families recognise in one
    /// program are) are one piece of evidence. Programs of two kinds and two families (a command
    /// line in one field, an SQL statement in another) still add up.
    programs: u32,
}

/// Where the kinds of program start in `Scan::programs` (above the families' bits).
const PROGRAM_KIND_SHIFT: u32 = 16;
const _: () =
    assert!((Category::Custom as u32) < PROGRAM_KIND_SHIFT && PROGRAM_KIND_SHIFT + context::PROGRAM_KINDS <= 32);

impl Scan {
    /// Whether a weak signal of `category`, or of a program of the same kind, from a program by
    /// design already counted in this request, so that this one adds nothing.
    fn program_seen(&mut self, prose: &mut context::Prose<'_>, category: Category, score: u32) -> bool {
        let seen = prose.program_signal(score)
            && (self.programs & 1u32 << (category as u32) != 0
                || self.programs & prose.program_kinds() << PROGRAM_KIND_SHIFT != 0);
        if seen {
            self.attempts += 1;
        }
        seen
    }

    /// Notes a recorded match (see [`Scan::program_seen`]).
    fn program_counted(&mut self, prose: &mut context::Prose<'_>, category: Category, score: u32) {
        if prose.program_signal(score) {
            self.programs |= 1u32 << (category as u32) | prose.program_kinds() << PROGRAM_KIND_SHIFT;
        }
    }
}

/// Values already inspected in this request's body that no rule matched: a JSON array of objects
/// repeats its keys (and often values) in every element. Inspecting a value depends only on its
/// bytes, its classes and the request (authority, referer, which rules fired), except for custom
/// rules with target names, exclusions and the off-site-URL rule, which read the target name; so
/// a value is remembered only when nothing matched it (not even an excluded or already-fired
/// rule), there are no custom rules, and it cannot spell a URL. Bounded in count and length.
///
/// Only body values are remembered (head values rarely repeat, and remembering costs a hash and a
/// copy), in one byte arena with an open-addressing table of fixed size: no allocation per value.
/// The table and the arena outlive the request: a table dropped with its scan is kept for the
/// next request of the thread (see [`SPARE`]), whose entries it does not see (each slot records the
/// request it was filled in, its `epoch`), so no request allocates or clears 16 KiB.
#[derive(Debug, Default)]
struct CleanValues {
    /// One entry of `arena` per used slot; allocated on first use (or taken from [`SPARE`]).
    slots: Vec<Slot>,
    /// The remembered values, each preceded by its classes (2 bytes).
    arena: Vec<u8>,
    entries: usize,
    /// This table's request: slots filled in another are free. Never 0 once `slots` is in use.
    epoch: u32,
}

/// A slot of [`CleanValues`]: the entry `arena[start..end]` of hash `hash`, in use when `epoch`
/// is the table's (and `end` is not 0).
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    hash: u64,
    start: u16,
    end: u16,
    epoch: u32,
}

/// Body names (JSON keys) already inspected clean in this request, held by their bytes in a small
/// direct-mapped table: a JSON array of objects repeats a few keys in every element, and finding
/// one here costs a table index and four word comparisons, where [`CleanValues`] hashes the key
/// and probes its table. A name is put here exactly when it would be remembered in
/// `CleanValues` (same conditions: see [`Inspector::inspect`]), so finding it here means what a
/// memo hit means. Two names that share a slot replace each other (the loser goes through the
/// memo as before). Words, not bytes: in Wasm a byte comparison or copy of variable length is a
/// call into a byte loop (measured in Envoy: a padded byte-array form of this table cost more
/// than it saved).
///
/// 128 slots: a document's distinct keys are a few dozen, and with 64 slots any two of them share
/// a slot with odds of one in 64 (21 keys make about three such pairs). The loser of a pair then
/// pays the table's miss and the memo's probe at every element of the array it repeats in (in the
/// 16 KiB bench body, `customer`, `currency`, `postcode` and `items`: about 150 probes a request;
/// measured in Envoy, 64 → 128 slots saved about 6 k instructions on it). Twice the slots halve
/// the pairs, for 2.5 KB more in each request's `Scan` (filled once, when it is made).
#[derive(Debug)]
struct CleanNames {
    slots: [NameSlot; CleanNames::SLOTS],
}

/// A name of 1 to 32 bytes as its length and four words (`le64` of each full eight bytes,
/// `tail64` of the rest, zero beyond: with the length, equal forms are equal bytes); length 0 is
/// an empty slot.
#[derive(Debug, Clone, Copy, Default)]
struct NameSlot {
    len: usize,
    words: [u64; 4],
}

impl NameSlot {
    fn of(name: &[u8]) -> Option<NameSlot> {
        if name.is_empty() || name.len() > 32 {
            return None;
        }
        let mut words = [0u64; 4];
        for (w, chunk) in words.iter_mut().zip(name.chunks(8)) {
            *w = if chunk.len() == 8 { le64(chunk) } else { tail64(chunk) };
        }
        Some(NameSlot { len: name.len(), words })
    }

    fn same(&self, other: &NameSlot) -> bool {
        let [a, b, c, d] = self.words;
        let [p, q, r, t] = other.words;
        self.len == other.len && a == p && b == q && c == r && d == t
    }
}

impl Default for CleanNames {
    fn default() -> Self {
        CleanNames { slots: [NameSlot::default(); CleanNames::SLOTS] }
    }
}

impl CleanNames {
    const BITS: u32 = 7;
    const SLOTS: usize = 1 << Self::BITS;

    /// The slot of a name: the top bits of a multiplicative hash of its first word and length.
    fn index(slot: &NameSlot) -> usize {
        let h = (slot.words[0] ^ slot.len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - Self::BITS)) as usize & (Self::SLOTS - 1)
    }

    fn contains(&self, name: &[u8]) -> bool {
        NameSlot::of(name).is_some_and(|n| self.slots.get(Self::index(&n)).is_some_and(|s| s.same(&n)))
    }

    fn insert(&mut self, name: &[u8]) {
        if let Some(n) = NameSlot::of(name) {
            if let Some(slot) = self.slots.get_mut(Self::index(&n)) {
                *slot = n;
            }
        }
    }
}

/// A table put aside: its slots, its arena and the epoch it was last used in.
type SpareTable = (Vec<Slot>, Vec<u8>, u32);

thread_local! {
    /// The table of the last finished request of this thread, ready for the next one (a Wasm VM
    /// has one thread; natively each thread keeps its own).
    static SPARE: std::cell::Cell<Option<SpareTable>> = const { std::cell::Cell::new(None) };
}

impl Drop for CleanValues {
    fn drop(&mut self) {
        if self.slots.is_empty() {
            return;
        }
        let table = (std::mem::take(&mut self.slots), std::mem::take(&mut self.arena), self.epoch);
        // During the thread's own teardown there is nothing left to keep it for.
        let _ = SPARE.try_with(|spare| spare.set(Some(table)));
    }
}

impl CleanValues {
    const MAX_ENTRIES: usize = 512;
    const MAX_LEN: usize = 96;
    /// A power of two, at least twice `MAX_ENTRIES` (probe sequences stay short).
    const SLOTS: usize = 1024;
    /// Every entry's end fits a slot's 16-bit offsets.
    const _OFFSETS_FIT: () = assert!(Self::MAX_ENTRIES * (2 + Self::MAX_LEN) <= u16::MAX as usize);

    /// The value's hash when it is of the kind that may be remembered (see above), else `None`:
    /// values with a byte that may spell a URL once decoded (`:`, or any byte a decoder acts on,
    /// see [`RawBytes::DECODE`]) are not. `bytes` are the value's. Hashed eight bytes at a time
    /// (equal hashes are confirmed by comparing the bytes).
    #[cfg(test)]
    fn key(classes: u16, value: &[u8], bytes: RawBytes) -> Option<u64> {
        Self::hash(classes, value).filter(|_| Self::rememberable(bytes))
    }

    /// Whether a value with these bytes may be remembered (see `key`).
    fn rememberable(bytes: RawBytes) -> bool {
        !bytes.has(RawBytes::DECODE | RawBytes::COLON)
    }

    /// The hash of a value short enough to be remembered (`None` when it is longer), whatever its
    /// bytes: a value in the table had a key, so a value found in it is clean without looking at
    /// its bytes first (see [`Inspector::value`]).
    fn hash(classes: u16, value: &[u8]) -> Option<u64> {
        if value.len() > Self::MAX_LEN {
            return None;
        }
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = u64::from(classes) ^ ((value.len() as u64) << 16);
        let mut words = value.chunks_exact(8);
        for w in &mut words {
            h = (h.rotate_left(5) ^ le64(w)).wrapping_mul(K);
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            h = (h.rotate_left(5) ^ tail64(rest)).wrapping_mul(K);
        }
        Some(h ^ (h >> 29))
    }

    /// Whether `slot` holds an entry of this table's request.
    fn used(&self, slot: &Slot) -> bool {
        slot.end != 0 && slot.epoch == self.epoch
    }

    /// `Ok` when a slot holds `value`, else the free slot where it would go (`None`: the table is
    /// full).
    #[inline(always)]
    fn find(&self, hash: u64, classes: u16, value: &[u8]) -> Result<(), Option<usize>> {
        let mask = Self::SLOTS - 1;
        let mut i = (hash as usize) & mask;
        for _ in 0..Self::SLOTS {
            let Some(slot) = self.slots.get(i) else { return Err(None) };
            if !self.used(slot) {
                return Err(Some(i));
            }
            if slot.hash == hash {
                let stored = self.arena.get(slot.start as usize..slot.end as usize).unwrap_or_default();
                if stored
                    .split_first_chunk::<2>()
                    .is_some_and(|(c, v)| *c == classes.to_le_bytes() && same_bytes(v, value))
                {
                    return Ok(());
                }
            }
            i = (i + 1) & mask;
        }
        Err(None)
    }

    /// `Ok` when `value` is remembered, else the free slot where it would go (`None`: the table
    /// is not allocated yet, or is full).
    #[inline(always)]
    fn lookup(&self, hash: u64, classes: u16, value: &[u8]) -> Result<(), Option<usize>> {
        if self.slots.is_empty() {
            return Err(None);
        }
        self.find(hash, classes, value)
    }

    #[cfg(test)]
    fn contains(&self, hash: u64, classes: u16, value: &[u8]) -> bool {
        self.lookup(hash, classes, value).is_ok()
    }

    #[cfg(test)]
    fn insert(&mut self, hash: u64, classes: u16, value: &[u8]) {
        self.insert_at(None, hash, classes, value);
    }

    /// Makes the table usable: the thread's spare one (its entries left behind by moving to the
    /// next epoch), or a new one.
    fn set_up(&mut self) {
        let () = Self::_OFFSETS_FIT;
        match SPARE.try_with(|spare| spare.take()).ok().flatten() {
            Some((slots, mut arena, epoch)) if slots.len() == Self::SLOTS => {
                self.slots = slots;
                arena.clear();
                self.arena = arena;
                self.epoch = epoch.wrapping_add(1);
                if self.epoch == 0 {
                    // After 2^32 requests: the slots' epochs could come round again.
                    self.slots.fill(Slot::default());
                    self.epoch = 1;
                }
            }
            _ => {
                self.slots = vec![Slot::default(); Self::SLOTS];
                self.epoch = 1;
                // About what a 16 KiB body's distinct short values take: no regrowth on most bodies.
                self.arena = Vec::with_capacity(4096);
            }
        }
    }

    /// Remembers `value` in `slot`, the free slot [`CleanValues::lookup`] returned for it when
    /// nothing was inserted since (else `None`: it is looked for again). A slot found taken is
    /// left alone (the value is then not remembered, which only costs a later scan).
    fn insert_at(&mut self, slot: Option<usize>, hash: u64, classes: u16, value: &[u8]) {
        if self.entries >= Self::MAX_ENTRIES {
            return;
        }
        let i = match slot {
            Some(i) => i,
            None => {
                if self.slots.is_empty() {
                    self.set_up();
                }
                let Err(Some(i)) = self.find(hash, classes, value) else { return };
                i
            }
        };
        let epoch = self.epoch;
        match self.slots.get(i) {
            Some(s) if !self.used(s) => {}
            _ => return,
        }
        let start = self.arena.len();
        self.arena.extend_from_slice(&classes.to_le_bytes());
        extend_from_short(&mut self.arena, value);
        let (Ok(start), Ok(end)) = (u16::try_from(start), u16::try_from(self.arena.len())) else {
            // Cannot happen (see `_OFFSETS_FIT`); the value is then simply not remembered.
            self.arena.truncate(start);
            return;
        };
        if let Some(s) = self.slots.get_mut(i) {
            *s = Slot { hash, start, end, epoch };
            self.entries += 1;
        }
    }
}

/// The first eight bytes of `w` (at least eight), little-endian.
fn le64(w: &[u8]) -> u64 {
    match w.first_chunk::<8>() {
        Some(a) => u64::from_le_bytes(*a),
        None => 0,
    }
}

/// One to seven bytes read into a word without a copy loop: two overlapping 4-byte reads, or the
/// first, middle and last byte (the length is hashed separately, so these cover every byte).
fn tail64(rest: &[u8]) -> u64 {
    let n = rest.len();
    if n >= 4 {
        let lo = rest.first_chunk::<4>().map_or(0, |a| u32::from_le_bytes(*a));
        let hi = rest.last_chunk::<4>().map_or(0, |a| u32::from_le_bytes(*a));
        u64::from(lo) | (u64::from(hi) << 32)
    } else {
        let b = |i: usize| u64::from(rest.get(i).copied().unwrap_or(0));
        b(0) | (b(n / 2) << 8) | (b(n.saturating_sub(1)) << 16)
    }
}

/// `out.extend_from_slice(v)` for a value of up to 32 bytes (nearly all the memo remembers) with
/// copies of fixed size only: its first sixteen bytes, if it has more, as one copy of sixteen, and
/// the rest (up to sixteen bytes) as another, placed in two words by reads of fixed size, zero
/// beyond the value, the length then cut back to its end. A copy of variable length is
/// `memory.copy` in the Wasm build, which V8 runs as a call out of the compiled code (about 60
/// instructions in Envoy; a 16 KiB body remembers about 300 values). Longer values are copied as
/// before (`extend_from_short_is_extend_from_slice`).
fn extend_from_short(out: &mut Vec<u8>, v: &[u8]) {
    let rest = match v.split_first_chunk::<16>() {
        Some((head, rest)) if v.len() <= 32 => {
            out.extend_from_slice(head);
            rest
        }
        Some(_) => {
            out.extend_from_slice(v);
            return;
        }
        None => v,
    };
    let n = rest.len();
    let (lo, hi) = match rest.last_chunk::<8>() {
        // 8 to 16 bytes: the first eight, and the last eight moved down to the places of bytes 8..n
        // (none for eight bytes: a shift by 64, which `checked_shr` makes zero).
        Some(last) => (le64(rest), u64::from_le_bytes(*last).checked_shr(8 * (16 - n) as u32).unwrap_or(0)),
        None if n == 0 => return,
        None => (word_of(rest), 0),
    };
    let start = out.len();
    out.extend_from_slice(&(u128::from(lo) | (u128::from(hi) << 64)).to_le_bytes());
    out.truncate(start + n);
}

/// The bytes of `v` (fewer than eight) at their places in a word, zero beyond them: two
/// overlapping 4-byte reads (which place the bytes they share twice, alike), or single bytes.
fn word_of(v: &[u8]) -> u64 {
    let n = v.len();
    if n >= 4 {
        let lo = v.first_chunk::<4>().map_or(0, |a| u32::from_le_bytes(*a));
        let hi = v.last_chunk::<4>().map_or(0, |a| u32::from_le_bytes(*a));
        return u64::from(lo) | (u64::from(hi) << (8 * (n - 4)));
    }
    let b = |i: usize| u64::from(v.get(i).copied().unwrap_or(0));
    b(0) | (b(1) << 8) | (b(2) << 16)
}

/// `a == b`, eight bytes at a time (memo values are short: no call into `memcmp`).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        if le64(p) != le64(q) {
            return false;
        }
    }
    // Equal lengths under eight: `tail64` reads every byte, so equal words are equal bytes.
    x.remainder().is_empty() || tail64(x.remainder()) == tail64(y.remainder())
}

fn err(at: &str, path: &str, message: impl Into<String>) -> ConfigError {
    let full = if at.is_empty() || path.is_empty() || path.starts_with('[') {
        format!("{at}{path}")
    } else {
        format!("{at}.{path}")
    };
    ConfigError::new(full, message)
}

fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).unicode(false).size_limit(8 << 20).dfa_size_limit(4 << 20).build()
}

fn tags_of(category: Category, extra: &[&str], paranoia: u8) -> Vec<String> {
    let mut t = vec![category.as_str().to_string(), format!("paranoia-level/{paranoia}")];
    t.extend(extra.iter().map(|s| s.to_string()));
    t
}

/// The target-name selectors custom rules may use, by class.
fn class_of_selector(s: &str) -> Option<u16> {
    Some(match s {
        "args" => class::ARG_VALUE,
        "arg_names" => class::ARG_NAME,
        "path" => class::PATH,
        "uri" => class::URI,
        "headers" => class::HEADER,
        "cookies" => class::COOKIE_VALUE,
        "cookie_names" => class::COOKIE_NAME,
        "body" => class::BODY,
        "files" => class::FILENAME,
        _ => return None,
    })
}

/// Bounds of `waf.automata_memory_mib`: the caches' fixed part alone (each set's sparse sets,
/// sized to its NFA) is about 2.5 MB at paranoia level 4; the top stays well inside a 4 GiB Wasm
/// memory.
const AUTOMATA_MEMORY_MIB_MIN: u32 = 16;
const AUTOMATA_MEMORY_MIB_MAX: u32 = 2048;

impl Waf {
    /// Validates and compiles `config`. Error paths are relative to `at` (e.g. `policies.api.waf`).
    pub fn compile(config: &WafConfig, at: &str) -> Result<Waf, Vec<ConfigError>> {
        let mut errors = Vec::new();
        if !(1..=4).contains(&config.paranoia_level) {
            errors.push(err(at, "paranoia_level", "must be 1, 2, 3 or 4"));
        }
        if config.threshold == 0 {
            errors.push(err(at, "threshold", "must be at least 1 (a threshold of 0 would deny every request)"));
        }
        if config.budget.max_values == 0 {
            errors.push(err(at, "budget.max_values", "must be at least 1"));
        }
        if config.budget.max_bytes == 0 {
            errors.push(err(at, "budget.max_bytes", "must be at least 1"));
        }
        if !(1..=128).contains(&config.budget.max_depth) {
            errors.push(err(at, "budget.max_depth", "must be between 1 and 128"));
        }
        if !(AUTOMATA_MEMORY_MIB_MIN..=AUTOMATA_MEMORY_MIB_MAX).contains(&config.automata_memory_mib) {
            errors.push(err(
                at,
                "automata_memory_mib",
                format!("must be between {AUTOMATA_MEMORY_MIB_MIN} and {AUTOMATA_MEMORY_MIB_MAX} (MiB per worker)"),
            ));
        }
        let budget_bytes =
            (config.automata_memory_mib.clamp(AUTOMATA_MEMORY_MIB_MIN, AUTOMATA_MEMORY_MIB_MAX) as usize) << 20;
        let known_ids: Vec<u32> =
            signatures::RULES.iter().map(|r| r.id).chain(signatures::CODE_RULES.iter().map(|r| r.0)).collect();
        let mut known_tags: Vec<String> = Vec::new();
        for r in signatures::RULES {
            known_tags.extend(tags_of(r.category, r.tags, r.paranoia));
        }
        for r in signatures::CODE_RULES {
            known_tags.extend(tags_of(r.1, &[], r.2));
        }
        let custom_ids: Vec<u32> = config.custom_rules.iter().map(|r| r.id).collect();
        for c in &config.custom_rules {
            known_tags.extend(c.tags.iter().cloned());
        }
        known_tags.push("custom".into());
        for (i, id) in config.disabled_rules.iter().enumerate() {
            if !known_ids.contains(id) && !custom_ids.contains(id) {
                errors.push(err(at, &format!("disabled_rules[{i}]"), format!("no rule has id {id}")));
            }
        }
        for (i, t) in config.disabled_tags.iter().enumerate() {
            if !known_tags.contains(t) {
                errors.push(err(at, &format!("disabled_tags[{i}]"), format!("no rule has tag `{t}`")));
            }
        }
        let mut exclusions = Vec::new();
        for (i, e) in config.exclusions.iter().enumerate() {
            if e.target.trim().is_empty() {
                errors.push(err(
                    at,
                    &format!("exclusions[{i}].target"),
                    "must name a target, e.g. `json:$.comment` or `cookie:sid`",
                ));
            }
            for (j, id) in e.rules.iter().enumerate() {
                if !known_ids.contains(id) && !custom_ids.contains(id) {
                    errors.push(err(at, &format!("exclusions[{i}].rules[{j}]"), format!("no rule has id {id}")));
                }
            }
            for (j, t) in e.tags.iter().enumerate() {
                if !known_tags.contains(t) {
                    errors.push(err(at, &format!("exclusions[{i}].tags[{j}]"), format!("no rule has tag `{t}`")));
                }
            }
            exclusions.push(Exclusion {
                target: Glob(e.target.as_bytes().to_vec()),
                rules: e.rules.clone(),
                tags: e.tags.clone(),
            });
        }
        for (i, h) in config.headers.iter().enumerate() {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*') {
                errors.push(err(
                    at,
                    &format!("headers[{i}]"),
                    "must be a header name (letters, digits, `-`) or `*` for all",
                ));
            }
        }
        for (i, m) in config.allowed_methods.iter().enumerate() {
            if m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()) {
                errors.push(err(
                    at,
                    &format!("allowed_methods[{i}]"),
                    "must be an upper-case method name such as `GET`",
                ));
            }
        }
        for (i, t) in config.allowed_content_types.iter().enumerate() {
            if !protocol::media_type_pattern(t.as_bytes()) {
                errors.push(err(
                    at,
                    &format!("allowed_content_types[{i}]"),
                    "must be a media type such as `application/hl7-v2`, or `type/*` for every subtype",
                ));
            }
        }
        let disabled = |id: u32, tags: &[String]| {
            config.disabled_rules.contains(&id) || tags.iter().any(|t| config.disabled_tags.contains(t))
        };
        let pl = config.paranoia_level;

        let mut rules: Vec<CompiledRule> = Vec::new();
        for r in signatures::RULES {
            let tags = tags_of(r.category, r.tags, r.paranoia);
            if r.paranoia > pl || disabled(r.id, &tags) {
                continue;
            }
            let check = match r.matcher {
                Matcher::Regex(p) => match build_regex(p) {
                    Ok(re) => Check::Set(re),
                    Err(e) => {
                        errors.push(err(at, "", format!("built-in rule {} does not compile: {e}", r.id)));
                        continue;
                    }
                },
                Matcher::LibinjectionSqli => Check::Sqli,
                Matcher::LibinjectionXss => Check::Xss,
            };
            rules.push(CompiledRule {
                id: r.id,
                category: r.category,
                score: r.score,
                targets: r.targets,
                view: r.view,
                tags,
                check,
            });
        }
        let mut code = HashMap::new();
        for &(id, category, paranoia, score, _) in signatures::CODE_RULES {
            let tags = tags_of(category, &[], paranoia);
            if paranoia > pl || disabled(id, &tags) {
                continue;
            }
            let score = if id == 1990 { config.threshold } else { score };
            code.insert(id, rules.len());
            rules.push(CompiledRule { id, category, score, targets: 0, view: View::Text, tags, check: Check::Code });
        }
        let mut custom = Vec::new();
        let mut seen_ids: Vec<u32> = Vec::new();
        for (i, c) in config.custom_rules.iter().enumerate() {
            let p = |f: &str| format!("custom_rules[{i}].{f}");
            if !(100_000..=199_999).contains(&c.id) {
                errors.push(err(at, &p("id"), "custom rule ids must be between 100000 and 199999"));
            }
            if seen_ids.contains(&c.id) {
                errors.push(err(at, &p("id"), format!("id {} is used by another custom rule", c.id)));
            }
            seen_ids.push(c.id);
            if !(1..=4).contains(&c.paranoia_level) {
                errors.push(err(at, &p("paranoia_level"), "must be 1, 2, 3 or 4"));
            }
            if c.targets.is_empty() {
                errors.push(err(
                    at,
                    &p("targets"),
                    "must list at least one target (e.g. `args`, `header:x-api-version`)",
                ));
            }
            let (mut classes, mut selectors) = (0u16, 0u16);
            let mut globs = Vec::new();
            for (j, t) in c.targets.iter().enumerate() {
                match class_of_selector(t) {
                    Some(cl) => {
                        classes |= cl;
                        selectors |= cl;
                    }
                    None if t.contains(':') && !t.starts_with(':') => {
                        classes |= class::ALL | class::URI;
                        globs.push(Glob(t.as_bytes().to_vec()));
                    }
                    None => errors.push(err(
                        at,
                        &format!("custom_rules[{i}].targets[{j}]"),
                        "unknown target: use args, arg_names, path, uri, headers, cookies, cookie_names, body, files, or a name like `json:$.query`",
                    )),
                }
            }
            let mut transformations = Vec::new();
            for (j, t) in c.transformations.iter().enumerate() {
                match Transformation::from_name(t) {
                    Some(tr) => transformations.push(tr),
                    None => {
                        let names: Vec<&str> = Transformation::NAMES.iter().map(|(n, _)| *n).collect();
                        errors.push(err(
                            at,
                            &format!("custom_rules[{i}].transformations[{j}]"),
                            format!("unknown transformation; one of: {}", names.join(", ")),
                        ))
                    }
                }
            }
            if c.pattern.is_empty() {
                errors.push(err(at, &p("pattern"), "must not be empty"));
            }
            let regex = if c.operator == Operator::Regex {
                match RegexBuilder::new(&c.pattern).size_limit(4 << 20).build() {
                    Ok(r) => Some(r),
                    Err(e) => {
                        errors.push(err(
                            at,
                            &p("pattern"),
                            format!("not a valid regular expression (no look-around or back-references): {e}"),
                        ));
                        None
                    }
                }
            } else {
                None
            };
            let mut tags = c.tags.clone();
            tags.push("custom".into());
            if c.paranoia_level > pl || disabled(c.id, &tags) {
                continue;
            }
            custom.push(rules.len());
            rules.push(CompiledRule {
                id: c.id,
                category: Category::Custom,
                score: c.score,
                targets: classes,
                view: View::Text,
                tags,
                check: Check::Custom {
                    op: c.operator,
                    regex,
                    needle: c.pattern.as_bytes().to_vec(),
                    transformations,
                    selectors,
                    targets: globs,
                },
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        // One automaton per (class, view); identical member lists share one automaton.
        let mut sets: Vec<ClassSet> = Vec::new();
        let mut dedup: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut by_class = [[None; 5]; class::COUNT];
        let mut merged_by_class = [None; class::COUNT];
        let mut native_by_class: [Vec<usize>; class::COUNT] = Default::default();
        let mut native_kinds_by_class = [0u8; class::COUNT];
        let mut intern = |members: Vec<usize>, rules: &[CompiledRule]| -> Result<Option<usize>, Vec<ConfigError>> {
            if members.is_empty() {
                return Ok(None);
            }
            if let Some(&i) = dedup.get(&members) {
                return Ok(Some(i));
            }
            let patterns: Vec<&str> = members
                .iter()
                .filter_map(|&i| match rules[i].check {
                    Check::Set(ref re) => Some(re.as_str()),
                    _ => None,
                })
                .collect();
            // No literal prefilter in front of the set (tried in commit a20d964: Aho-Corasick over
            // each rule's required literals): measured, the set's lazy DFA alone is faster on every
            // benchmark (a scan over thousands of literals plus the automaton of the uncovered
            // members costs more than it saves).
            match ClassSet::build(&patterns, members.clone(), budget_bytes) {
                Ok(mut set) => {
                    set.code_only = !members.is_empty()
                        && members
                            .iter()
                            .all(|&i| CODE_IN_BASE64.contains(&rules[i].id) && matches!(rules[i].check, Check::Set(_)));
                    sets.push(set);
                    dedup.insert(members, sets.len() - 1);
                    Ok(Some(sets.len() - 1))
                }
                Err(e) => Err(vec![err(at, "", format!("the rule set does not compile: {e}"))]),
            }
        };
        for (bit, slot) in by_class.iter_mut().enumerate() {
            let cl = 1u16 << bit;
            let of_class = |r: &CompiledRule| r.targets & cl != 0 && matches!(r.check, Check::Set(_));
            for view in View::ALL {
                let members: Vec<usize> =
                    rules.iter().enumerate().filter(|(_, r)| of_class(r) && r.view == view).map(|(i, _)| i).collect();
                slot[view.index()] = intern(members, &rules)?;
            }
            let merged: Vec<usize> = rules
                .iter()
                .enumerate()
                .filter(|(_, r)| of_class(r) && r.view != View::Base64)
                .map(|(i, _)| i)
                .collect();
            merged_by_class[bit] = intern(merged, &rules)?;
            native_by_class[bit] = rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.targets & cl != 0 && matches!(r.check, Check::Sqli | Check::Xss))
                .map(|(i, _)| i)
                .collect();
            native_kinds_by_class[bit] = native_by_class[bit]
                .iter()
                .map(|&i| match rules.get(i).map(|r| &r.check) {
                    Some(Check::Sqli) => NATIVE_SQLI,
                    Some(Check::Xss) => NATIVE_XSS,
                    _ => NATIVE_OTHER,
                })
                .fold(0, |kinds, kind| kinds | kind);
        }
        let session_names = match build_regex(
            r"^(?:jsessionid|phpsessid|aspsessionid\w*|asp\.net_sessionid|sessionid|session_id|sessid|sid|cfid|cftoken|cfsid|jsid|zenid|sess|meteor_login_token|connect\.sid|laravel_session|ci_session|_session_id|wordpress_logged_in\w*|s_id|token_session)$",
        ) {
            Ok(r) => r,
            Err(e) => return Err(vec![err(at, "", format!("internal pattern does not compile: {e}"))]),
        };
        Ok(Waf {
            enabled: config.enabled,
            mode: config.mode,
            threshold: config.threshold,
            rules,
            sets,
            by_class,
            merged_by_class,
            native_by_class,
            native_kinds_by_class,
            custom,
            code,
            exclusions,
            all_headers: config.headers.iter().any(|h| h == "*"),
            headers: config
                .headers
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .chain(
                    config
                        .custom_rules
                        .iter()
                        .flat_map(|c| c.targets.iter())
                        .filter_map(|t| t.strip_prefix("header:"))
                        .map(|h| h.to_ascii_lowercase()),
                )
                .collect(),
            allowed_methods: config.allowed_methods.clone(),
            allowed_content_types: config
                .allowed_content_types
                .iter()
                .map(|t| t.trim().to_ascii_lowercase().into_bytes())
                .collect(),
            max_values: config.budget.max_values,
            max_bytes: config.budget.max_bytes as u64,
            max_depth: config.budget.max_depth as usize,
            over_budget: config.budget.over_budget,
            session_names,
            budget: CacheBudget::new(budget_bytes),
        })
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Inspects the head: method, framing headers, path, query, selected headers, cookies.
    pub fn inspect_head(&self, req: &Request) -> Scan {
        self.inspect_head_with(req, None)
    }

    /// The same, with the method a POST tunnels when that changes nothing of the policy's
    /// decision (see [`protocol::check_head`]).
    pub fn inspect_head_with(&self, req: &Request, agreed_tunnel: Option<&str>) -> Scan {
        let mut scan = Scan { authority: host_of(&req.authority).to_ascii_lowercase(), ..Default::default() };
        if !self.enabled {
            return scan;
        }
        scan.referer_host = req.header("referer").map(|r| url_host(r).to_ascii_lowercase());
        scan.scripted = req.header("authorization").is_some_and(context::scripted_credentials);
        scan.writes = matches!(req.method.as_str(), "PUT" | "PATCH");
        scan.same_site_fetch = req
            .header("sec-fetch-site")
            .map(<[u8]>::trim_ascii)
            .is_some_and(|v| v.eq_ignore_ascii_case(b"same-origin") || v.eq_ignore_ascii_case(b"same-site"));
        let mut findings = Vec::new();
        protocol::check_head(req, &self.allowed_methods, &self.allowed_content_types, agreed_tunnel, &mut findings);
        for (id, excerpt) in findings {
            self.fire_code(&mut scan, id, "request", excerpt);
        }
        let mut sink = Inspector { waf: self, scan: &mut scan, memo: false };
        let (path, query) = targets::split_target(&req.target);
        if sink.value(class::PATH, TargetName::new("path", b""), path)
            && sink.value(class::URI, TargetName::new("uri", b""), &req.target)
        {
            let mut go = true;
            if let Some(q) = query {
                go = targets::form(q, "args:", "args_names:", &mut sink);
            }
            for (name, value) in req.headers() {
                if !go {
                    break;
                }
                if name == "cookie" {
                    go = targets::cookies(value, &mut sink);
                } else if targets::header_selected(name, &self.headers, self.all_headers) {
                    let classes = if name == "user-agent" { class::HEADER | class::USER_AGENT } else { class::HEADER };
                    go = sink.value(classes, TargetName::new("header:", name.as_bytes()), value);
                }
            }
        }
        scan
    }

    /// Inspects a (complete or truncated) body.
    pub fn inspect_body(&self, scan: &mut Scan, content_type: &[u8], body: &[u8]) {
        if !self.enabled || body.is_empty() {
            return;
        }
        let mut sink = Inspector { waf: self, scan, memo: true };
        let findings = targets::body(content_type, body, self.max_depth, &mut sink);
        if let Some(what) = findings.multipart_anomaly {
            self.fire_code(scan, 1011, "body", what.to_string());
        }
    }

    /// The most body bytes worth holding for inspection: the value budget.
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.max_bytes).unwrap_or(usize::MAX)
    }

    /// The body was longer than `body_limit` and only its first part was inspected: the budget
    /// rule applies (`over_budget: deny` scores the threshold; `inspect_prefix` marks the outcome
    /// incomplete).
    pub fn body_truncated(&self, scan: &mut Scan) {
        if !self.enabled || scan.incomplete {
            return;
        }
        scan.incomplete = true;
        if self.over_budget == OverBudget::Deny {
            self.fire_code(scan, 1990, "body", String::new());
        }
    }

    /// Whether matches only count (detect-only mode).
    pub fn detect_only(&self) -> bool {
        self.mode == WafMode::DetectOnly
    }

    /// The score at which a request is denied.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// The verdict so far.
    pub fn outcome(&self, scan: &Scan) -> Outcome {
        let total: u32 = scan.matches.iter().map(|m| m.score).fold(0u32, |a, b| a.saturating_add(b));
        let over = total >= self.threshold;
        Outcome {
            matches: scan.matches.clone(),
            total_score: total,
            over_threshold: over,
            blocked: over && self.mode == WafMode::Block,
            incomplete: scan.incomplete,
        }
    }

    fn excluded(&self, rule: &CompiledRule, target: &[u8]) -> bool {
        self.exclusions.iter().any(|e| {
            let applies = (e.rules.is_empty() && e.tags.is_empty())
                || e.rules.contains(&rule.id)
                || e.tags.iter().any(|t| rule.tags.contains(t));
            applies && e.target.matches(target)
        })
    }

    fn fire_code(&self, scan: &mut Scan, id: u32, target: &str, excerpt: String) {
        if let Some(&i) = self.code.get(&id) {
            self.record(scan, i, target.as_bytes(), excerpt);
        }
    }

    /// Adds a match unless the rule already fired in this request or the target is excluded.
    fn record(&self, scan: &mut Scan, rule_index: usize, target: &[u8], matched: String) {
        let Some(score) = self.rules.get(rule_index).map(|r| r.score) else { return };
        self.record_scored(scan, rule_index, target, matched, score);
    }

    /// [`Waf::record`] with the score the value's context gave the match (`context::Prose::score`);
    /// whether it was recorded.
    fn record_scored(&self, scan: &mut Scan, rule_index: usize, target: &[u8], matched: String, score: u32) -> bool {
        let Some(rule) = self.rules.get(rule_index) else { return false };
        scan.attempts += 1;
        if scan.fired.contains(&rule.id) || self.excluded(rule, target) {
            return false;
        }
        scan.fired.push(rule.id);
        scan.matches.push(Match {
            rule_id: rule.id,
            category: rule.category,
            tags: rule.tags.clone(),
            target: String::from_utf8_lossy(target).into_owned(),
            matched,
            score,
        });
        true
    }

    /// Whether any member of set `set_index` matches `v` (records nothing).
    #[inline(always)]
    fn set_matches(&self, set_index: usize, v: &[u8]) -> bool {
        let found = self.sets.get(set_index).is_some_and(|cs| cs.is_match(v, &self.budget));
        self.keep_within_budget();
        found
    }

    /// After a search: when the sets' caches hold more than the automata budget, the largest are
    /// dropped until they are within it (see [`CacheBudget`]).
    fn keep_within_budget(&self) {
        if self.budget.over() {
            self.trim_caches();
        }
    }

    #[cold]
    fn trim_caches(&self) {
        while self.budget.over() {
            let mut largest: Option<(usize, usize)> = None;
            for (i, cs) in self.sets.iter().enumerate() {
                let Ok(kept) = cs.cache.try_lock() else { continue };
                if let Some(c) = kept.as_ref() {
                    if largest.is_none_or(|(_, held)| c.accounted > held) {
                        largest = Some((i, c.accounted));
                    }
                }
            }
            let Some((i, _)) = largest else { return };
            let Some(Ok(mut kept)) = self.sets.get(i).map(|cs| cs.cache.try_lock()) else { return };
            if let Some(c) = kept.take() {
                self.budget.moved(c.accounted, 0);
                self.budget.trims.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Caches dropped to keep within the automata budget since the last call (for the metric
    /// `palisade.waf.automata_cache_trims`).
    pub fn take_cache_trims(&self) -> u64 {
        if self.budget.trims.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.budget.trims.swap(0, Ordering::Relaxed)
    }

    /// Runs one automaton over `v` and records every member that matches.
    fn run_set(
        &self,
        scan: &mut Scan,
        set_index: usize,
        v: &[u8],
        name: &TargetName<'_>,
        rendered: &mut Option<String>,
        prose: &mut context::Prose<'_>,
    ) {
        let Some(cs) = self.sets.get(set_index) else { return };
        if v.is_empty() {
            return;
        }
        let found = cs.matches(v, &self.budget);
        self.keep_within_budget();
        let Some(which) = found else { return };
        scan.attempts += 1;
        for member in which.iter() {
            let member = member.as_usize();
            let Some(&ri) = cs.rules.get(member) else { continue };
            let Some(rule) = self.rules.get(ri) else { continue };
            if scan.fired.contains(&rule.id) || (context::prose_weak(rule.id) && prose.get()) {
                continue;
            }
            if named_no_signal(rule.id, name, v, scan.writes) {
                continue;
            }
            let Some(score) = prose.score(rule.id, rule.category, rule.score) else { continue };
            if scan.program_seen(prose, rule.category, score) {
                continue;
            }
            let excerpt = match &rule.check {
                Check::Set(re) => re.find(v).map(|m| scoring::excerpt(v, m.start(), m.end())).unwrap_or_default(),
                _ => String::new(),
            };
            let target = rendered.get_or_insert_with(|| name.render());
            if self.record_scored(scan, ri, target.as_bytes(), excerpt, score) {
                scan.program_counted(prose, rule.category, score);
                prose.counted(rule.category, score);
            }
        }
    }

    /// Inspects one value; `bytes` are `RawBytes::of(raw)`.
    fn scan_value(&self, scan: &mut Scan, classes: u16, name: TargetName<'_>, raw: &[u8], bytes: RawBytes) {
        if let (Some(shape), true) = (bytes.shape(), bytes.has(RawBytes::UPPER)) {
            // Canonical = lower-cased, written into the request's buffer (taken for the call).
            let mut lower = std::mem::take(&mut scan.lower);
            lower.clear();
            lower.extend(raw.iter().map(u8::to_ascii_lowercase));
            self.scan_canonical(scan, classes, name, (raw, bytes), &lower, shape);
            scan.lower = lower;
            return;
        }
        let canonical = bytes.canonical(raw);
        let shape = bytes.shape().unwrap_or_else(|| Shape::of(&canonical));
        self.scan_canonical(scan, classes, name, (raw, bytes), &canonical, shape);
    }

    /// As [`Waf::scan_value`], with `lower` the value lower-cased (ASCII), which is its canonical
    /// form when `bytes.lowered_shape()` is known (nothing decodes, or only non-ASCII bytes that no
    /// decoder or folder changes).
    fn scan_lowered(
        &self,
        scan: &mut Scan,
        classes: u16,
        name: TargetName<'_>,
        (raw, bytes): (&[u8], RawBytes),
        lower: &[u8],
    ) {
        match bytes.lowered_shape() {
            Some(shape) => self.scan_canonical(scan, classes, name, (raw, bytes), lower, shape),
            None => self.scan_value(scan, classes, name, raw, bytes),
        }
    }

    /// Whether the full inspection below ([`Waf::scan_canonical`]) would certainly record nothing
    /// for this value, known with one automaton search per class: the path most benign values
    /// take. True only when every check of the full inspection is out of reach or comes out
    /// clean here: no custom rule (they read the target name), not a name (the session and
    /// `_method` checks), no URL scheme at the start (the off-site URL rule), no control byte or
    /// `)` (the protocol checks), not ending in `}` (a GraphQL document is inspected by its
    /// literals), every derived view equal to the canonical value (so the class's merged set
    /// holds every rule that could read it), no tokenizer reachable, no member of the merged set
    /// matching, and no member of the base64 view's set matching that view (decoded from `raw`
    /// into `base64`, the request's buffer, only for a value that may have one, as the full
    /// inspection decodes it). Anything else takes the full path, which decides as before
    /// (`the_fast_lane_decides_as_the_full_inspection`).
    fn certainly_clean(
        &self,
        classes: u16,
        (raw, bytes): (&[u8], RawBytes),
        c: &[u8],
        shape: Shape,
        base64: &mut Vec<u8>,
    ) -> bool {
        if !self.custom.is_empty()
            || classes & class::ARG_NAME != 0
            || shape.has(Shape::CONTROL | Shape::RPAREN)
            || !(shape.sql_unchanged() && shape.path_unchanged() && shape.shell_unchanged())
            || c.trim_ascii_end().last() == Some(&b'}')
            // (A fixed-size compare: `starts_with` on a slice is a call into `memcmp`, a byte loop
            // in the Wasm build, for each of the lane's values.)
            || c.first_chunk::<4>() == Some(b"http")
            || c.first_chunk::<3>() == Some(b"ftp")
        {
            return false;
        }
        let mut bits = classes;
        let mut decoded = false;
        while bits != 0 {
            let bit = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if bit >= class::COUNT {
                break;
            }
            if self.native_reachable(bit, shape, c) {
                return false;
            }
            match self.merged_by_class[bit] {
                Some(merged) => {
                    if c.is_empty() || self.set_matches(merged, c) {
                        return false;
                    }
                }
                None => {
                    if self.by_class[bit].iter().take(View::Base64.index()).any(Option::is_some) {
                        return false;
                    }
                }
            }
            // The base64 view is empty (and its set is not searched) unless the raw bytes allow
            // it; else its set must not match it, as in `scan_full`.
            if let (Some(si), true) = (self.by_class[bit][View::Base64.index()], bytes.may_be_base64(raw.len())) {
                if !decoded {
                    bytes.base64_view_into(raw, base64);
                    decoded = true;
                }
                if !base64.is_empty() && self.set_matches(si, base64) {
                    return false;
                }
            }
        }
        true
    }

    /// Whether a native (tokenizer) rule of class bit `bit` could match `c` (of shape `shape`):
    /// what asking [`tokenizer_reachable`] of each of the class's native rules answers, asked once
    /// per tokenizer the class runs (its rules are of two kinds, so each gate is asked at most
    /// once, and with the check known, the gate is compiled in place). Measured in Envoy: the loop
    /// over the rules, asked for each value of the fast lane, cost more than the gates
    /// (`native_kinds_answer_as_the_rules`).
    #[inline(always)]
    fn native_reachable(&self, bit: usize, shape: Shape, c: &[u8]) -> bool {
        let kinds = self.native_kinds_by_class.get(bit).copied().unwrap_or(NATIVE_OTHER);
        kinds & NATIVE_OTHER != 0
            || (kinds & NATIVE_XSS != 0 && tokenizer_reachable(&Check::Xss, shape, c))
            || (kinds & NATIVE_SQLI != 0 && tokenizer_reachable(&Check::Sqli, shape, c))
    }

    /// The loop [`Waf::native_reachable`] replaced (kept for its test).
    #[cfg(test)]
    fn native_reachable_by_rules(&self, bit: usize, shape: Shape, c: &[u8]) -> bool {
        self.native_by_class[bit]
            .iter()
            .any(|&ri| self.rules.get(ri).is_none_or(|r| tokenizer_reachable(&r.check, shape, c)))
    }

    /// Inspects one value (`raw`, with its `RawBytes`) whose canonical form is `c`, of shape `shape`.
    fn scan_canonical(
        &self,
        scan: &mut Scan,
        classes: u16,
        name: TargetName<'_>,
        (raw, bytes): (&[u8], RawBytes),
        c: &[u8],
        shape: Shape,
    ) {
        if !self.certainly_clean(classes, (raw, bytes), c, shape, &mut scan.base64) {
            self.scan_full(scan, classes, name, (raw, bytes), c, shape);
        }
    }

    /// Every check of [`Waf::scan_canonical`] on one value, in order.
    fn scan_full(
        &self,
        scan: &mut Scan,
        classes: u16,
        name: TargetName<'_>,
        (raw, bytes): (&[u8], RawBytes),
        c: &[u8],
        shape: Shape,
    ) {
        let canonical: Cow<'_, [u8]> = Cow::Borrowed(c);
        // A GraphQL document: only its string literals and comments carry data.
        // (A GraphQL document ends with `}`: the cheap test first.)
        if classes & (class::ARG_VALUE | class::BODY) != 0
            && c.trim_ascii_end().last() == Some(&b'}')
            && context::is_graphql(c)
        {
            for literal in context::graphql_literals(c) {
                self.scan_value(scan, classes, name, literal, RawBytes::of(literal));
            }
            return;
        }
        let mut prose = context::Prose::new(c).with_raw(raw);
        // The derived views, each with whether it was derived (`Cow::Owned` before the path and
        // shell views were written into the request's buffers, taken for the call); a view not
        // derived is byte-for-byte the canonical value.
        let (mut path_buf, mut shell_buf) = (std::mem::take(&mut scan.path_view), std::mem::take(&mut scan.shell_view));
        let sql = if shape.sql_unchanged() { Cow::Borrowed(c) } else { normalize::sql_fold(c) };
        let sql = (sql.as_ref(), matches!(sql, Cow::Owned(_)));
        let path_owned = !shape.path_unchanged() && normalize::path_normalize_into(c, &mut path_buf);
        let path = (if path_owned { path_buf.as_slice() } else { c }, path_owned);
        let shell_owned = !shape.shell_unchanged() && normalize::shell_fold_into(c, &mut shell_buf);
        let shell = (if shell_owned { shell_buf.as_slice() } else { c }, shell_owned);
        let unchanged = !(sql.1 || path.1 || shell.1);
        let mut base64: Option<Vec<u8>> = None;
        let mut rendered: Option<String> = None;
        // Whether the SQL tokenizer may run (decided once, on first need).
        let mut sqli_reach: Option<bool> = None;
        let mut bits = classes;
        while bits != 0 {
            let bit = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if bit >= class::COUNT {
                break;
            }
            match (unchanged, self.merged_by_class[bit]) {
                (true, Some(merged)) => self.run_set(scan, merged, &canonical, &name, &mut rendered, &mut prose),
                // Some view differs from the canonical value, but no rule of any view (the merged
                // set holds them all) matches the canonical value: the sets of the views equal to
                // it cannot match, so only the differing views are scanned, in the same order.
                // Anything else (a match) takes the full path below, as before.
                (false, Some(merged)) if !canonical.is_empty() && !self.set_matches(merged, &canonical) => {
                    for (view, (v, owned)) in [(View::Sql, sql), (View::Path, path), (View::Shell, shell)] {
                        if let (Some(si), true) = (self.by_class[bit][view.index()], owned) {
                            self.run_set(scan, si, v, &name, &mut rendered, &mut prose);
                        }
                    }
                }
                _ => {
                    for (view, v) in [(View::Text, c), (View::Sql, sql.0), (View::Path, path.0), (View::Shell, shell.0)]
                    {
                        if let Some(si) = self.by_class[bit][view.index()] {
                            self.run_set(scan, si, v, &name, &mut rendered, &mut prose);
                        }
                    }
                }
            }
            // The base64 view is empty (and its rules cannot match) unless the raw bytes allow it.
            if let (Some(si), true) = (self.by_class[bit][View::Base64.index()], bytes.may_be_base64(raw.len())) {
                // Decoded once per value, into the request's buffer (taken for the call).
                let v = base64.get_or_insert_with(|| {
                    let mut buf = std::mem::take(&mut scan.base64);
                    bytes.base64_view_into(raw, &mut buf);
                    buf
                });
                self.run_set(scan, si, v, &name, &mut rendered, &mut prose);
            }
            for &ri in &self.native_by_class[bit] {
                let Some(rule) = self.rules.get(ri) else { continue };
                // The cheap byte-shape gates first (`tokenizer_reachable`): a value that cannot
                // reach a tokenizer needs no other check (the rule cannot match).
                let reachable = match rule.check {
                    // The SQL gate scans the value: decided once per value.
                    Check::Sqli => *sqli_reach.get_or_insert_with(|| tokenizer_reachable(&rule.check, shape, c)),
                    _ => tokenizer_reachable(&rule.check, shape, c),
                };
                if !reachable {
                    continue;
                }
                if scan.fired.contains(&rule.id) {
                    scan.attempts += 1;
                }
                if scan.fired.contains(&rule.id) || (context::prose_weak(rule.id) && prose.get()) {
                    continue;
                }
                if named_no_signal(rule.id, &name, c, scan.writes) {
                    continue;
                }
                // Reachable (above), so only the tokenizer is left to run.
                let hit = match rule.check {
                    Check::Sqli => sqli_injection(c),
                    Check::Xss => libinjectionrs::detect_xss(c).is_injection(),
                    _ => false,
                };
                if hit {
                    let Some(score) = prose.score(rule.id, rule.category, rule.score) else { continue };
                    if scan.program_seen(&mut prose, rule.category, score) {
                        continue;
                    }
                    let target = rendered.get_or_insert_with(|| name.render()).clone();
                    let excerpt = scoring::excerpt(&canonical, 0, scoring::EXCERPT_LEN);
                    if self.record_scored(scan, ri, target.as_bytes(), excerpt, score) {
                        scan.program_counted(&mut prose, rule.category, score);
                        prose.counted(rule.category, score);
                    }
                }
            }
        }
        if let Some(buf) = base64 {
            scan.base64 = buf;
        }
        (scan.path_view, scan.shell_view) = (path_buf, shell_buf);
        for &ri in &self.custom {
            let Some(rule) = self.rules.get(ri) else { continue };
            let Check::Custom { op, regex, needle, transformations, selectors, targets } = &rule.check else {
                continue;
            };
            if scan.fired.contains(&rule.id) {
                continue;
            }
            let target = rendered.get_or_insert_with(|| name.render()).clone();
            // A rule runs on the classes of its selectors and on its target names.
            let applies = selectors & classes != 0 || targets.iter().any(|g| g.matches(target.as_bytes()));
            if !applies {
                continue;
            }
            let mut v: Cow<'_, [u8]> = Cow::Borrowed(raw);
            for t in transformations {
                // A transformation that changes nothing keeps the value as it is (no copy).
                let next = match t.apply(&v) {
                    Cow::Owned(o) => Some(o),
                    Cow::Borrowed(_) => None,
                };
                if let Some(o) = next {
                    v = Cow::Owned(o);
                }
            }
            let found = match op {
                Operator::Regex => regex.as_ref().and_then(|r| r.find(&v)).map(|m| (m.start(), m.end())),
                Operator::Contains => {
                    v.windows(needle.len().max(1)).position(|w| w == needle.as_slice()).map(|p| (p, p + needle.len()))
                }
                Operator::Equals => (v.as_ref() == needle.as_slice()).then_some((0, v.len())),
                Operator::StartsWith => v.starts_with(needle).then_some((0, needle.len())),
            };
            if let Some((s, e)) = found {
                self.record(scan, ri, target.as_bytes(), scoring::excerpt(&v, s, e));
            }
        }
        // Context rules: protocol payloads in values, session ids, off-site URLs.
        if classes & (class::ARG_VALUE | class::ARG_NAME | class::COOKIE_VALUE | class::HEADER) != 0
            && shape.has(Shape::CONTROL | Shape::RPAREN)
        {
            let mut ids = Vec::new();
            protocol::check_value(&canonical, classes & (class::ARG_VALUE | class::COOKIE_VALUE) != 0, &mut ids);
            for id in ids.into_iter().filter(|&id| !(context::prose_weak(id) && prose.get())) {
                let target = rendered.get_or_insert_with(|| name.render()).clone();
                self.fire_code(scan, id, &target, String::new());
            }
        }
        // A JSON body's keys fix no session: no framework reads the request's session id from a
        // JSON document, and a cross-site page cannot make a browser send one (a JSON content type
        // needs a CORS preflight). A link's query or a cross-site form's fields can, so those count.
        // (A request's JSON keys are all of its body: a key remembered as clean never stands for
        // a query or form name.)
        if classes & class::ARG_NAME != 0
            && name.prefix != "json_key:"
            && maybe_session_name(c)
            && self.session_names.is_match(c)
        {
            // Nor does a request with credentials only a program sets: a victim's link or a
            // cross-site form cannot carry them. Nor one the browser says comes from the same site
            // (`Sec-Fetch-Site: same-site` for a page on `shop.example` posting to
            // `book.shop.example`): Fetch Metadata is set by the browser, never by a page, and a
            // cross-site form or a link opened from e-mail arrives as `cross-site` or `none`.
            let same_site =
                matches!(&scan.referer_host, Some(h) if !h.is_empty() && *h == scan.authority) || scan.same_site_fetch;
            if !same_site && !scan.scripted {
                let target = rendered.get_or_insert_with(|| name.render()).clone();
                self.fire_code(scan, 4350, &target, scoring::excerpt(&canonical, 0, 32));
            }
        }
        if classes & class::ARG_NAME != 0 && canonical.as_ref() == b"_method" {
            self.fire_code(scan, 1018, "args_names:_method", "_method".into());
        }
        if classes & class::ARG_VALUE != 0 && (canonical.starts_with(b"http") || canonical.starts_with(b"ftp")) {
            let host = url_host(&canonical);
            if !host.is_empty()
                && host != scan.authority.as_slice()
                && (remote_include_shaped(c, host) || !link_valued_name(&name.key()))
                && !loopback_redirect(&name.key(), &canonical)
            {
                let target = rendered.get_or_insert_with(|| name.render()).clone();
                self.fire_code(scan, 3150, &target, scoring::excerpt(&canonical, 0, 48));
            }
        }
    }
}

/// Bits of [`Waf::native_kinds_by_class`]: the class has a rule of the SQL tokenizer, of the HTML
/// tokenizer, or of another check (none is built; counted as always reachable, as
/// [`tokenizer_reachable`] answers for other checks).
const NATIVE_SQLI: u8 = 1;
const NATIVE_XSS: u8 = 2;
const NATIVE_OTHER: u8 = 4;

/// Whether a tokenizer rule can match a value of canonical form `c` and shape `shape` (the cheap
/// byte-shape gates; the one place both the full inspection and its fast lane ask). The HTML
/// tokenizer reports XSS only on a tag, comment or doctype (after a `<`) or on an attribute value
/// (after a `=`); the SQL tokenizer runs only on SQL candidates. Other checks: reachable.
fn tokenizer_reachable(check: &Check, shape: Shape, c: &[u8]) -> bool {
    match check {
        // Values worth the SQL tokenizer's microseconds hold a quote, comment, operator or
        // parenthesis; plain words and numbers are skipped.
        Check::Sqli => shape.has(Shape::SQL) && normalize::sql_shaped_with(shape, c),
        Check::Xss => shape.has(Shape::MARKUP) && shape.has(Shape::LT | Shape::EQ),
        _ => true,
    }
}

/// Whether the SQL tokenizer reports an injection in `c` that is not an arithmetic expression
/// (`context::arithmetic`). The steps of `libinjectionrs::detect_sqli`, except that the
/// fingerprint it hands back, which costs one more pass of the tokenizer, is taken only for an
/// injection (the only case it is read).
///
/// A value on which the tokenizer's work would not stay linear (see [`sql_tokenizer_work`]) is
/// not handed to it: it counts as the injection the tokenizer reports (fail closed).
fn sqli_injection(c: &[u8]) -> bool {
    if words_and_one_quote(c) {
        return false;
    }
    // A value of `n` bytes needs at most `n × (n + 1)` (see `sql_tokenizer_work`): short ones
    // (nearly all) cannot reach the bound and skip the pass.
    if c.len() > SQL_TOKENIZER_SHORT && sql_tokenizer_work(c) > SQL_TOKENIZER_WORK {
        return true;
    }
    let mut state = libinjectionrs::SqliState::new(c, libinjectionrs::SqliFlags::FLAG_NONE);
    state.detect() && !context::arithmetic(&state.get_fingerprint().to_string(), c)
}

/// Whether `c` is a value the SQL tokenizer certainly reports no injection in, known without
/// running it: words that are neither SQL keywords nor two-word keyword phrases, single dashes,
/// and one quote (`Maja O'Brien`, `Chloé D'Angelo`, `Rain jacket - men's`). The tokenizer
/// (`libinjectionrs` 0.1.1, as the C library) reads such a value as barewords, operators (`-`)
/// and one string in both contexts it tries (as it is: the tokens before the quote, then a string
/// to the end; as if after a quote: a string to the quote, then the tokens after it); its folding
/// only drops a dash after an operator or at the start, so every fingerprint it takes is of `n`
/// and `o` with one `s` at one end (or none, cut at five tokens), and none of those is in its list
/// of SQL injections (`SqliState::detect` then answers false; no comment, so no MySQL reparse; no
/// `"`, so no third context). What must hold for that, each checked here:
/// - under 32 bytes and valid UTF-8, so each word is a token whole (a token holds 31 bytes) and
///   is looked up as it is (the tokenizer looks up only valid UTF-8 words);
/// - bytes: `a`–`z`, space, bytes above 0x7f but 0xA0 (a word byte for the tokenizer; 0xA0 is
///   white space), `-` not next to another (`--` starts a comment), and exactly one `'` (quotes
///   are strings; no other byte starts a token of its own kind);
/// - the word just before the quote, if any, is not of one or two letters starting with one of
///   `b e n q u x`: such a word before a quote starts a typed string literal (`x'…'`, `n'…'`,
///   `nq'…'`, `q'…'`, `b'…'`, `e'…'`; `u&'…'` needs a `&`);
/// - no word, and no two tokens in a row joined by a space (how the tokenizer's folding merges
///   two words or a word and an operator), is in the tokenizer's keyword table (`lookup_word`
///   answers only for words in it; a word not in it is a bareword; a dash is not looked up).
///
/// `words_and_one_quote_is_never_an_injection` checks the claim against the tokenizer.
fn words_and_one_quote(c: &[u8]) -> bool {
    if c.len() >= 32 {
        return false;
    }
    let mut quotes = 0;
    let mut prev = b' ';
    for &b in c {
        match b {
            b'a'..=b'z' | b' ' => {}
            b'\'' => quotes += 1,
            b'-' if prev != b'-' => {}
            0x80..=0xff if b != 0xa0 => {}
            _ => return false,
        }
        prev = b;
    }
    if quotes != 1 || std::str::from_utf8(c).is_err() {
        return false;
    }
    // The tokens: runs of word bytes, and each dash alone.
    let mut rest = c;
    let mut last: &[u8] = b"";
    while let Some(start) = rest.iter().position(|&b| b != b' ' && b != b'\'') {
        rest = rest.get(start..).unwrap_or_default();
        let len = match rest.first() {
            Some(b'-') => 1,
            _ => rest.iter().position(|&b| matches!(b, b' ' | b'\'' | b'-')).unwrap_or(rest.len()),
        };
        let (token, after) = rest.split_at(len);
        // `b'`, `e'`, `n'`, `nq'`, `q'`, `x'` (and `u&'`) open typed string literals.
        let literal = after.first() == Some(&b'\'')
            && token.len() <= 2
            && matches!(token.first(), Some(b'b' | b'e' | b'n' | b'q' | b'u' | b'x'));
        if literal || (token != b"-" && sql_keyword(token, b"")) || (!last.is_empty() && sql_keyword(last, token)) {
            return false;
        }
        (last, rest) = (token, after);
    }
    true
}

/// Whether the SQL tokenizer's `lookup_word` reads `a` (when `b` is empty) or `a b` as anything
/// but a bareword (a word in its keyword table). Unsure (too long, not UTF-8): yes.
fn sql_keyword(a: &[u8], b: &[u8]) -> bool {
    // Through the tokenizer's own `lookup_word`: naming its keyword table here (a `const`) would
    // link a second copy of it, 171 KB of Wasm. The values are under 32 bytes, so two words and a
    // space fit the buffer.
    let mut buf = [0u8; 64];
    let n = a.len() + if b.is_empty() { 0 } else { b.len() + 1 };
    if n > buf.len() {
        return true;
    }
    buf[..a.len()].copy_from_slice(a);
    if !b.is_empty() {
        buf[a.len()] = b' ';
        buf[a.len() + 1..n].copy_from_slice(b);
    }
    let Ok(w) = std::str::from_utf8(&buf[..n]) else { return true };
    if !w.starts_with('0') && !keyword_filter_holds(w.as_bytes()) {
        // Not a word of the table (the filter holds every one but the fingerprints, which
        // start with `0`): `lookup_word` would answer `Bareword`.
        return false;
    }
    !matches!(libinjectionrs::sqli::sqli_data::lookup_word(w), libinjectionrs::sqli::TokenType::Bareword)
}

/// Bits of [`KEYWORD_FILTER`] a word sets: two of its 8,192, from the FNV-1a hash of the word
/// upper-cased (ASCII, as `lookup_word` upper-cases it before its search).
const fn keyword_filter_bits(w: &[u8]) -> (usize, usize) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < w.len() {
        h ^= w[i].to_ascii_uppercase() as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    ((h & 8191) as usize, ((h >> 32) & 8191) as usize)
}

/// A filter over the words of the SQL tokenizer's keyword table (`libinjectionrs`'s
/// `SQL_KEYWORDS`) but its fingerprints (entries that start with `0`): every such word sets
/// its two bits ([`keyword_filter_bits`]), so a word with either bit clear is not in the table
/// and `lookup_word` reads it as a bareword, without its upper-cased copy and binary search
/// over 9,349 entries. About 980 words: fewer than one bareword in ten has both bits set and
/// is looked up. Computed when compiling: only these 1,024 bytes are linked, not the table
/// (`the_keyword_filter_holds_every_keyword`).
const KEYWORD_FILTER: [u64; 128] = {
    let table = libinjectionrs::sqli::sqli_data::SQL_KEYWORDS;
    let mut bits = [0u64; 128];
    let mut i = 0;
    while i < table.len() {
        let w = table[i].word.as_bytes();
        if !(!w.is_empty() && w[0] == b'0') {
            let (a, b) = keyword_filter_bits(w);
            bits[a / 64] |= 1 << (a % 64);
            bits[b / 64] |= 1 << (b % 64);
        }
        i += 1;
    }
    bits
};

/// Whether both of `w`'s bits are set in [`KEYWORD_FILTER`] (it may be a word of the table).
fn keyword_filter_holds(w: &[u8]) -> bool {
    let (a, b) = keyword_filter_bits(w);
    let bit = |i: usize| KEYWORD_FILTER.get(i / 64).is_some_and(|m| m >> (i % 64) & 1 == 1);
    bit(a) && bit(b)
}

/// The most work [`sql_tokenizer_work`] lets the SQL tokenizer do on one value: 64 M byte steps,
/// about 3 ms natively (measured: a run of 23 KB of `a.`, 269 M steps, cost the tokenizer about
/// 12 ms). A value of 1 MiB of ordinary words needs about 1 M.
const SQL_TOKENIZER_WORK: u64 = 1 << 26;

/// The longest value whose [`sql_tokenizer_work`] cannot exceed [`SQL_TOKENIZER_WORK`]:
/// `n × (n + 1)` is within it.
const SQL_TOKENIZER_SHORT: usize = 8191;
const _SHORT_WITHIN_WORK: () =
    assert!((SQL_TOKENIZER_SHORT as u64) * (SQL_TOKENIZER_SHORT as u64 + 1) <= SQL_TOKENIZER_WORK);

/// A bound on the work of the SQL tokenizer (`libinjectionrs` 0.1.1) on `c`, in byte steps.
/// The tokenizer reads a word (a run of bytes none of which is one of its delimiters below) to
/// its end, then, at each `.` or `` ` `` in it, looks the part before up as a keyword (a copy in
/// upper case and a search): the work on a run of `n` bytes holding `d` of those is up to about
/// `n × (d + 1)`, quadratic in the run (the C library looks only within a word's first 31 bytes;
/// a JSON string of 800 KB of `` a` `` took 45 s natively, found by the `waf_growth` fuzz
/// target). Every word lies within such a run, and a word cut at a keyword is read again from
/// there, so the sum over the runs bounds the whole value's work. Ordinary text has short runs:
/// the bound is then about the value's length. One pass.
fn sql_tokenizer_work(c: &[u8]) -> u64 {
    /// The tokenizer's word delimiters (its `parse_word`): white space, punctuation, NUL, 0xA0.
    const DELIMITER: [bool; 256] = {
        let mut t = [false; 256];
        let set = b" []{}<>:\\?=@!#~+-*/&|^%(),';\t\n\x0B\x0C\r\"\xA0\x00";
        let mut i = 0;
        while i < set.len() {
            t[set[i] as usize] = true;
            i += 1;
        }
        t
    };
    let (mut work, mut run, mut dots) = (0u64, 0u64, 0u64);
    for &b in c {
        if DELIMITER[b as usize] {
            work = work.saturating_add(run.saturating_mul(dots + 1));
            run = 0;
            dots = 0;
        } else {
            run += 1;
            dots += u64::from(b == b'.' || b == b'`');
        }
    }
    work.saturating_add(run.saturating_mul(dots + 1))
}

/// An off-site URL shaped like a remote file inclusion rather than a link: an IP-literal host, a
/// trailing `?` (cuts off a suffix the application appends), or a path ending in a script or
/// text file. Ordinary links to other sites (redirects, webhooks, profile URLs) do not count.
fn remote_include_shaped(url: &[u8], host: &[u8]) -> bool {
    let ip_host = host.starts_with(b"[") || host.iter().all(|b| b.is_ascii_digit() || *b == b'.');
    let trimmed = url.strip_suffix(b"#").unwrap_or(url);
    if ip_host || trimmed.ends_with(b"?") || trimmed.ends_with(b"%00") || trimmed.contains(&0) {
        return true;
    }
    let path_end = url.iter().position(|&b| b == b'?' || b == b'#').unwrap_or(url.len());
    let path = &url[..path_end];
    const SCRIPT_EXT: &[&[u8]] = &[
        b".php", b".txt", b".sh", b".pl", b".py", b".asp", b".aspx", b".jsp", b".cgi", b".inc", b".exe", b".phtml",
        b".rb", b".bat", b".ps1", b".dat", b".gif",
    ];
    SCRIPT_EXT.iter().any(|e| path.ends_with(e))
}

/// Whether an argument's name says it holds a link (`url`, `redirect_uri`, `$.profile.website`,
/// `source_url`, `links[2]`): off-site URLs are its normal content.
fn link_valued_name(key: &[u8]) -> bool {
    let last = last_name_step(key);
    const EXACT: &[&[u8]] = &[
        b"next",
        b"return",
        b"return_to",
        b"returnto",
        b"continue",
        b"callback",
        b"webhook",
        b"website",
        b"homepage",
        b"href",
        b"link",
        b"links",
        b"feed",
        b"target",
        b"destination",
        b"referrer",
        b"referer",
        b"avatar",
        b"image",
        b"photo",
        b"logo",
        b"icon",
        b"src",
        b"source",
        b"endpoint",
    ];
    EXACT.contains(&last.as_slice())
        || [&b"url"[..], b"uri", b"link", b"href"].iter().any(|e| last.ends_with(e))
        || last.starts_with(b"url")
        || last.starts_with(b"redirect")
}

/// Whether a match of `rule` on `v` is no signal because of the target's name as well as the
/// value (docs/waf.md, "Names that decide"): an OAuth loopback redirect (3100, 3501), a loopback
/// or IP origin in the Origin header (3100, 3501), a DOCTYPE
/// that only names its DTD (3301, 4100), a page's address in the Referer (3307), a query operator
/// inside a query document (4211), a program's path alone in a document's field (3202), a route
/// pattern alone in a JSON field (3205), a catalogue name as a JSON key (4231); and, with the
/// request's method (`writes`: a PUT or PATCH), a dot-file in the path the request writes (3002).
/// Every other rule's weight is decided by the value alone (`context::Prose::score`). The name's
/// key is spelt out only for those rules.
fn named_no_signal(rule: u32, name: &TargetName<'_>, v: &[u8], writes: bool) -> bool {
    match rule {
        3002 => writes && name.prefix == "path" && written_dot_file(v),
        // The Origin header names the page's origin to the server's CORS check; no server fetches
        // or includes it (3100's address, 3501's loopback). A hybrid app's web view serves its
        // pages from a loopback origin of its own (`capacitor://localhost`, `ionic://localhost`,
        // `moodleappfs://localhost`), and so does a developer's front end
        // (`http://localhost:5173`). Anything more than an origin (a path, credentials, a space)
        // counts as before.
        3100 | 3501 if name.prefix == "header:" && name.key().eq_ignore_ascii_case(b"origin") => serialized_origin(v),
        3100 | 3501 => loopback_redirect(&name.key(), v),
        // A DOCTYPE that only names its DTD (QGIS's `<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd'
        // 'SYSTEM'>` in every style file) is no PHP call (3301) and no markup that can act (4100):
        // entity declarations need an internal subset, which it does not have.
        3301 | 4100 => name.prefix == "xml_doctype" && external_id_only(v),
        // The Referer names the page the browser came from (`https://shop.example/checkout.php`,
        // `https://app.example/octave/sess_31`): a script or path on a web server, which no upload
        // or include of this request reaches. In an argument the same URL is a remote inclusion
        // (`?src=https://…/gecko.php`) and counts.
        3307 => name.prefix == "header:" && name.key().eq_ignore_ascii_case(b"referer") && context::web_page_url(v),
        4211 => {
            matches!(name.prefix, "json_key:" | "args_names:" | "form_name:") && query_document_operator(&name.key())
        }
        // A program's path that is the whole value of a JSON or XML document's field (a pod's
        // `"command": ["/bin/sh", "-c", …]`, an agent's `"shell": "/bin/bash"`, a launchd job's
        // `<string>/usr/bin/rsync</string>`) is a setting naming the program a job runs: no
        // separator breaks out of a command, nothing runs after it. In a query or form argument
        // (`cmd=/bin/ab`) it is the probe it looks like, and counts.
        3202 => matches!(name.prefix, "json:" | "xml:") && lone_program_path(v),
        // A route or path pattern that is the whole value of a JSON field (`"/*"` in a CDN's
        // invalidation batch or an edge middleware's matcher, `"/api/*"`, `"/assets/**"`) matches
        // URLs; no shell expands it. Under a system directory (`/etc/*`), in a query or form
        // argument, or with a command around it, it still counts.
        3205 => name.prefix == "json:" && route_pattern(v),
        // A JSON document's key names a field of the application's own data (a booking's
        // `table_name`, a performance-schema row's `SCHEMA_NAME`): a catalogue's name there is
        // the application's schema, not one injected into a query. A form field or query argument
        // that is only such a name (`SCHEMA_NAME` as the whole body) is the probe and counts.
        4231 => name.prefix == "json_key:",
        _ => false,
    }
}

/// Whether a hidden file in a PUT's or PATCH's path (rule 3002) is the file the request writes:
/// those methods store the resource the path names (RFC 9110), so a dot-file there (a dotfiles
/// sync's `/files/.vimrc`, an online IDE's `.replit`, a project's `.latexmkrc`) is being saved,
/// not probed for as a scanner's GET does. Version-control metadata (`.git`, `.svn`, `.hg`,
/// `.bzr`), whose hooks and settings run code, the web server's own settings (`.htaccess`,
/// `.htpasswd`, `.user.ini`) and a Java application's `WEB-INF`/`META-INF` still count; secrets
/// and histories by name count under rule 3001 whatever the method.
fn written_dot_file(path: &[u8]) -> bool {
    const KEPT: &[&[u8]] = &[b"git", b"svn", b"hg", b"bzr", b"htaccess", b"htpasswd", b"user.ini"];
    !path.split(|&b| b == b'/').any(|segment| {
        segment.eq_ignore_ascii_case(b"web-inf")
            || segment.eq_ignore_ascii_case(b"meta-inf")
            || segment.strip_prefix(b".").is_some_and(|n| KEPT.iter().any(|k| n.eq_ignore_ascii_case(k)))
    })
}

/// Whether `v` is one URL path pattern and nothing else: `/`, names of letters, digits, `.`, `_`
/// or `-` in segments, and a last segment of `*` or `**` (`/*`, `/api/v2/*`, `/assets/**`); its
/// first segment names no system directory (`/etc/*`, `/usr/bin/*` are globs of the system).
fn route_pattern(v: &[u8]) -> bool {
    let v = v.trim_ascii();
    let Some(base) = v.strip_suffix(b"/**").or_else(|| v.strip_suffix(b"/*")) else { return false };
    if base.is_empty() {
        return true;
    }
    let Some(names) = base.strip_prefix(b"/") else { return false };
    !names.split(|&b| b == b'/').next().is_some_and(context::system_dir)
        && names
            .split(|&b| b == b'/')
            .all(|n| !n.is_empty() && n.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')))
}

/// Whether `v` is one absolute path under a `bin` or `sbin` directory (`/bin/sh`,
/// `/usr/local/bin/node`) and nothing else, white space around it aside.
fn lone_program_path(v: &[u8]) -> bool {
    let v = v.trim_ascii();
    let rest = v.strip_prefix(b"/usr/local/").or_else(|| v.strip_prefix(b"/usr/")).or_else(|| v.strip_prefix(b"/"));
    let Some(rest) = rest else { return false };
    let rest = rest.strip_prefix(b"s").unwrap_or(rest);
    let Some(name) = rest.strip_prefix(b"bin/") else { return false };
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-'))
}

/// The last step of an argument's name, lower-cased, without array indices
/// (`$.client.redirect_uris[0]` → `redirect_uris`).
fn last_name_step(key: &[u8]) -> Vec<u8> {
    let mut k = key;
    while k.ends_with(b"]") {
        match k.iter().rposition(|&b| b == b'[') {
            Some(i) => k = &k[..i],
            None => break,
        }
    }
    let last = match k.iter().rposition(|&b| b == b'.') {
        Some(i) => &k[i + 1..],
        None => k,
    };
    last.to_ascii_lowercase()
}

/// Whether `v` is an origin as RFC 6454 serializes it and nothing else: a scheme (a letter, then
/// letters, digits, `+`, `-`, `.`), `://`, a host (letters, digits, `-`, `.`, or a bracketed IPv6
/// address) and maybe `:` and a port of one to five digits. No path, query, credentials or space.
fn serialized_origin(v: &[u8]) -> bool {
    let Some(sep) = memchr::memmem::find(v, b"://") else { return false };
    let (scheme, rest) = (&v[..sep], &v[sep + 3..]);
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let (host, port) = if rest.first() == Some(&b'[') {
        let Some(close) = rest.iter().position(|&b| b == b']') else { return false };
        if !rest[1..close].iter().all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.')) {
            return false;
        }
        (&rest[..=close], &rest[close + 1..])
    } else {
        let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    let host_ok = !host.is_empty()
        && (host[0] == b'[' || host.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.')));
    let port_ok =
        port.is_empty() || port[0] == b':' && (2..=6).contains(&port.len()) && port[1..].iter().all(u8::is_ascii_digit);
    scheme_ok && host_ok && port_ok
}

/// An OAuth redirection URI (RFC 6749 `redirect_uri`; `redirect_uris` of dynamic client
/// registration, RFC 7591; OpenID Connect's `post_logout_redirect_uri`) to a native app's
/// loopback listener, as RFC 8252 (7.3) prescribes: `http://127.0.0.1:{port}/{path}`, or
/// `[::1]` or `localhost` for the host. The authorization server compares such a URI with the
/// registered ones and sends the user's browser there; it never fetches it, so it is no
/// server-side request, and its IP-literal host includes no remote file. Only this exact shape:
/// another scheme, another loopback spelling (`127.0.0.2`, `0`, `localtest.me`), user
/// information (`@`), white space, or any other argument name is read as before.
fn loopback_redirect(key: &[u8], v: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"redirect_uri",
        b"redirect_uris",
        b"redirecturi",
        b"redirecturis",
        b"post_logout_redirect_uri",
        b"post_logout_redirect_uris",
    ];
    if !NAMES.contains(&last_name_step(key).as_slice()) {
        return false;
    }
    let Some(rest) = v.strip_prefix(b"http://") else { return false };
    let Some(rest) = [&b"127.0.0.1"[..], b"[::1]", b"localhost"].iter().find_map(|h| rest.strip_prefix(*h)) else {
        return false;
    };
    let rest = match rest.strip_prefix(b":") {
        Some(port) => {
            let digits = port.iter().take_while(|b| b.is_ascii_digit()).count();
            if !(1..=5).contains(&digits) {
                return false;
            }
            &port[digits..]
        }
        None => rest,
    };
    (rest.is_empty() || rest[0] == b'/') && !rest.iter().any(|&b| b == b'@' || b == b'\\' || b <= b' ')
}

/// Whether a name (a body's JSON key path, `$.filter.createdAt.$lt`, or an argument's name,
/// `find[date][$gte]`) ends in a MongoDB-style query operator that sits inside a query document:
/// an earlier step names one (`filter`, `filters`, `query`, `selector`, `find`, `match`, `$match`,
/// `pipeline`, `criteria`, `where`, `partialFilterExpression`). An API that takes such a document
/// (a database console, a CouchDB `_find`, Strapi's `filters[title][$eq]=`, a mock server's
/// matcher, Nightscout's `find[date][$gte]=`) takes operators by design; the injection is an
/// operator where a plain value was expected (`password[$ne]=`, `{"user": {"$exists": true}}`,
/// `{"$where": …}` at the top), and those are read as before. Operators that run JavaScript
/// (`$where`, `$function`, `$accumulator`) count wherever they are.
fn query_document_operator(key: &[u8]) -> bool {
    const QUERY_DOCUMENTS: &[&[u8]] = &[
        b"filter",
        b"filters",
        b"query",
        b"selector",
        b"find",
        b"match",
        b"$match",
        b"pipeline",
        b"criteria",
        b"where",
        b"partialfilterexpression",
    ];
    let mut steps = key
        .split(|&b| matches!(b, b'.' | b'[' | b']'))
        .filter(|s| !s.is_empty() && *s != b"$" && !s.iter().all(u8::is_ascii_digit));
    let Some(last) = steps.next_back() else { return false };
    let last = last.to_ascii_lowercase();
    if last.first() != Some(&b'$') || matches!(&last[1..], b"where" | b"function" | b"accumulator") {
        return false;
    }
    steps.any(|s| QUERY_DOCUMENTS.iter().any(|q| s.eq_ignore_ascii_case(q)))
}

/// Whether an XML document type declaration (lower-cased) is only a name and an external
/// identifier: `<!doctype cxml system "http://xml.cxml.org/schemas/cxml/1.2.063/cxml.dtd">`,
/// `<!doctype html public "-//w3c//dtd xhtml 1.0 strict//en" "http://…">`. Its `system "` is the
/// XML keyword, not a PHP or Perl `system "…"` call. A declaration with an internal subset
/// (`[…]`, where entities are declared) or anything else after the identifiers is read as before.
fn external_id_only(v: &[u8]) -> bool {
    fn literal(t: &[u8]) -> Option<&[u8]> {
        let q = *t.first()?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let end = t[1..].iter().position(|&b| b == q)? + 1;
        if t[1..end].iter().any(|b| matches!(b, b'<' | b'>' | b'[' | b']' | b'\n' | b'\r')) {
            return None;
        }
        Some(t[end + 1..].trim_ascii_start())
    }
    let Some(t) = v.trim_ascii().strip_prefix(b"<!doctype") else { return false };
    let Some(first) = t.first() else { return false };
    if !first.is_ascii_whitespace() {
        return false;
    }
    let t = t.trim_ascii_start();
    let name = t.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-')).count();
    if name == 0 {
        return false;
    }
    let t = t[name..].trim_ascii_start();
    let rest = if let Some(r) = t.strip_prefix(b"system") {
        literal(r.trim_ascii_start())
    } else if let Some(r) = t.strip_prefix(b"public") {
        literal(r.trim_ascii_start()).and_then(|r| if r.first() == Some(&b'>') { Some(r) } else { literal(r) })
    } else {
        None
    };
    // The declaration as the XML reader hands it over ends before its `>`.
    matches!(rest, Some(b">" | b""))
}

/// Every name the session-id pattern accepts contains one of these; most argument names do not.
fn maybe_session_name(name: &[u8]) -> bool {
    name.len() >= 3
        && name.len() <= 64
        && name.windows(2).any(|w| matches!((w[0], w[1]), (b'i', b'd') | (b's', b'e') | (b't', b'o') | (b'w', b'o')))
}

fn host_of(authority: &[u8]) -> &[u8] {
    if authority.starts_with(b"[") {
        return authority;
    }
    match authority.iter().rposition(|&b| b == b':') {
        Some(i) => &authority[..i],
        None => authority,
    }
}

/// The host of an absolute URL (`scheme://user@host:port/…`), or empty.
fn url_host(url: &[u8]) -> &[u8] {
    let Some(p) = url.windows(3).position(|w| w == b"://") else { return b"" };
    let rest = &url[p + 3..];
    let end = rest.iter().position(|&b| matches!(b, b'/' | b'?' | b'#' | b'\\')).unwrap_or(rest.len());
    let auth = &rest[..end];
    let auth = match auth.iter().rposition(|&b| b == b'@') {
        Some(i) => &auth[i + 1..],
        None => auth,
    };
    host_of(auth)
}

struct Inspector<'w, 's> {
    waf: &'w Waf,
    scan: &'s mut Scan,
    /// Whether clean values are remembered (body values; see `CleanValues`).
    memo: bool,
}

impl Sink for Inspector<'_, '_> {
    #[inline(always)]
    fn value(&mut self, classes: u16, name: TargetName<'_>, value: &[u8]) -> bool {
        let waf = self.waf;
        if self.scan.values >= waf.max_values || self.scan.bytes + value.len() as u64 > waf.max_bytes {
            if !self.scan.incomplete {
                self.scan.incomplete = true;
                if waf.over_budget == OverBudget::Deny {
                    waf.fire_code(self.scan, 1990, "request", String::new());
                }
            }
            return false;
        }
        self.scan.values += 1;
        self.scan.bytes += value.len() as u64;
        if classes == class::ARG_NAME && self.memo && waf.custom.is_empty() && self.scan.clean_names.contains(value) {
            return true;
        }
        // Looked up before the bytes are scanned: only values with a key are remembered, so one
        // found (same bytes, same classes) had a key; most JSON keys end here.
        let hash = if self.memo && waf.custom.is_empty() { CleanValues::hash(classes, value) } else { None };
        // The free slot found by the lookup is where the value goes if it stays clean (nothing
        // else is remembered while it is scanned).
        let mut free = None;
        if let Some(h) = hash {
            match self.scan.clean.lookup(h, classes, value) {
                Ok(()) => return true,
                Err(slot) => free = slot,
            }
        }
        self.inspect(classes, name, value, hash, free);
        true
    }
}

impl Inspector<'_, '_> {
    /// A value not found in the memo (`hash`: its memo hash, if it may be remembered, and `free`
    /// the slot the lookup found for it): inspected, and remembered if clean. Kept out of
    /// [`Sink::value`], whose memo hits (most keys) need none of it.
    #[inline(never)]
    fn inspect(&mut self, classes: u16, name: TargetName<'_>, value: &[u8], hash: Option<u64>, free: Option<usize>) {
        // Its byte classes and its lower-cased copy in one pass (into the request's buffer,
        // taken for the call).
        let mut lower = std::mem::take(&mut self.scan.lower);
        let bytes = RawBytes::of_lowered(value, &mut lower);
        let key = hash.filter(|_| CleanValues::rememberable(bytes));
        let attempts = self.scan.attempts;
        self.waf.scan_lowered(self.scan, classes, name, (value, bytes), &lower);
        self.scan.lower = lower;
        if let Some(h) = key {
            if self.scan.attempts == attempts {
                self.scan.clean.insert_at(free, h, classes, value);
                if classes == class::ARG_NAME {
                    self.scan.clean_names.insert(value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod clean_names_tests {
    use super::CleanNames;

    #[test]
    fn a_name_is_found_only_with_its_own_bytes() {
        let mut names = CleanNames::default();
        let held: [&[u8]; 8] =
            [b"id", b"name", b"unit_price", b"shipping", b"a", b"created_at_utc", b"x_y", &[b'k'; 32]];
        for n in held {
            assert!(!names.contains(n));
            names.insert(n);
            assert!(names.contains(n), "{n:?}");
        }
        // Same length, one byte different at each place (first word, tail, middle of the tail).
        for n in
            [&b"ie"[..], b"nama", b"unit_prica", b"Shipping", b"b", b"created_at_uta", b"x-y", b"shippin", b"shipping "]
        {
            assert!(!names.contains(n), "{n:?}");
        }
        // Too long or empty: never held.
        names.insert(&[b'k'; 33]);
        assert!(!names.contains(&[b'k'; 33]) && !names.contains(b""));
        names.insert(b"");
        assert!(!names.contains(b""));
    }
}

#[cfg(test)]
mod clean_values_tests {
    use super::{extend_from_short, CleanValues, RawBytes};

    #[test]
    fn extend_from_short_is_extend_from_slice() {
        // Every length up to 60 onto every length of what is already there up to 16 (within a
        // word and across one), and 300,000 random values of up to 40 bytes onto one growing
        // buffer, as the memo's arena grows: the same bytes as `extend_from_slice`.
        let mut next = crate::waf::normalize::xorshift(0x0bad_5eed_0123_4567);
        for before in 0..=16usize {
            for n in 0..=60usize {
                let head: Vec<u8> = (0..before).map(|_| next() as u8).collect();
                let v: Vec<u8> = (0..n).map(|_| next() as u8).collect();
                let (mut a, mut b) = (head.clone(), head);
                a.extend_from_slice(&v);
                extend_from_short(&mut b, &v);
                assert_eq!(a, b, "{before} + {n}");
            }
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..300_000 {
            let n = (next() % 41) as usize;
            let v: Vec<u8> = (0..n).map(|_| next() as u8).collect();
            a.extend_from_slice(&v);
            extend_from_short(&mut b, &v);
            if i % 1000 == 999 {
                assert_eq!(a, b, "value {i}");
                a.clear();
                b.clear();
            }
        }
        assert_eq!(a, b);
    }

    fn key(classes: u16, v: &[u8]) -> Option<u64> {
        CleanValues::key(classes, v, RawBytes::of(v))
    }

    #[test]
    fn only_short_values_that_cannot_spell_a_url_have_a_key() {
        assert!(key(4, b"running shoes").is_some());
        assert!(key(4, b"").is_some());
        for v in [&b"https://x.example/"[..], b"a%27", b"a&b", b"a\\b", "Zoë".as_bytes()] {
            assert!(key(4, v).is_none(), "{v:?}");
        }
        assert!(key(4, &[b'a'; CleanValues::MAX_LEN]).is_some());
        assert!(key(4, &[b'a'; CleanValues::MAX_LEN + 1]).is_none());
    }

    #[test]
    fn a_value_is_found_only_with_its_bytes_and_classes() {
        let mut c = CleanValues::default();
        let h = key(4, b"abc").unwrap_or_default();
        assert!(!c.contains(h, 4, b"abc"));
        c.insert(h, 4, b"abc");
        assert!(c.contains(h, 4, b"abc"));
        assert!(!c.contains(h, 2, b"abc"), "other classes");
        // Equal hashes are not enough: the bytes are compared.
        assert!(!c.contains(h, 4, b"abd"));
        assert!(!c.contains(h, 4, b"bc"));
        assert!(!c.contains(h, 4, b"abcd"));
        c.insert(h, 4, b"bc");
        assert!(c.contains(h, 4, b"bc") && c.contains(h, 4, b"abc"));
        assert_eq!(c.entries, 2);
        c.insert(h, 4, b"abc");
        assert_eq!(c.entries, 2, "inserted once");
    }

    #[test]
    fn a_table_kept_for_the_next_request_starts_empty() {
        let values: Vec<String> = (0..300).map(|i| format!("value {i}")).collect();
        for round in 0..3 {
            let mut c = CleanValues::default();
            for (n, v) in values.iter().enumerate() {
                let h = key(4, v.as_bytes()).unwrap_or_default();
                assert!(!c.contains(h, 4, v.as_bytes()), "round {round}: {v} is not left from the last table");
                c.insert(h, 4, v.as_bytes());
                assert!(c.contains(h, 4, v.as_bytes()));
                assert_eq!(c.entries, n + 1);
            }
            // Dropped: its table goes to the thread's spare, and the next round takes it.
        }
        // The epoch wraps round: slots filled under the last epoch are cleared, not reused.
        let mut c = CleanValues::default();
        let h = key(4, b"abc").unwrap_or_default();
        c.insert(h, 4, b"abc");
        c.epoch = u32::MAX;
        for s in c.slots.iter_mut().filter(|s| s.end != 0) {
            s.epoch = u32::MAX;
        }
        drop(c);
        let mut c = CleanValues::default();
        c.insert(key(4, b"x").unwrap_or_default(), 4, b"x");
        assert_eq!(c.epoch, 1);
        assert!(!c.contains(h, 4, b"abc"));
    }

    #[test]
    fn word_compare_agrees_with_slice_equality() {
        let values: Vec<Vec<u8>> = (0..40usize)
            .flat_map(|n| {
                let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 7) as u8).collect();
                let mut out = vec![base.clone()];
                for i in 0..n {
                    let mut v = base.clone();
                    v[i] ^= 1;
                    out.push(v);
                }
                out
            })
            .collect();
        for a in &values {
            for b in &values {
                assert_eq!(super::same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn the_table_is_bounded() {
        let mut c = CleanValues::default();
        for i in 0..CleanValues::SLOTS * 2 {
            let v = i.to_string();
            let h = key(4, v.as_bytes()).unwrap_or_default();
            c.insert(h, 4, v.as_bytes());
        }
        assert_eq!(c.entries, CleanValues::MAX_ENTRIES);
        let v = b"0";
        assert!(c.contains(key(4, v).unwrap_or_default(), 4, v));
        let v = (CleanValues::SLOTS + 1).to_string();
        assert!(!c.contains(key(4, v.as_bytes()).unwrap_or_default(), 4, v.as_bytes()));
    }
}

#[cfg(test)]
mod gate_tests {
    /// `sqli_injection` gives what `detect_sqli` and the arithmetic test gave (the form it
    /// replaced), on SQL-shaped values: injections, arithmetic, prose with quotes.
    #[test]
    fn the_sql_tokenizer_call_agrees_with_detect_sqli() {
        fn replaced(c: &[u8]) -> bool {
            let r = libinjectionrs::detect_sqli(c);
            r.is_injection() && !r.fingerprint.is_some_and(|f| super::context::arithmetic(&f.to_string(), c))
        }
        const WORDS: &[&[u8]] = &[
            b"'",
            b"\"",
            b"`",
            b" ",
            b"1",
            b"0x41",
            b"or",
            b"and",
            b"union",
            b"select",
            b"from",
            b"where",
            b"=",
            b"(",
            b")",
            b"--",
            b"#",
            b"/*",
            b"*/",
            b";",
            b",",
            b"+",
            b"*",
            b"/",
            b"sleep",
            b"a",
            b"o'brien",
            b"it's",
            b"x",
            b"null",
            b"-",
            b"|",
            b"&&",
            b"\\",
            b"@@version",
            b"char",
            b"1e5",
            b"$1",
            b"sum",
        ];
        let (mut seen, mut injections) = (0, 0);
        let pick = |_: usize, r: usize| r as u8;
        for (i, noise) in super::normalize::random_values(0x9e37_79b9_7f4a_7c15, 60_000, 12, pick).enumerate() {
            let mut v = Vec::new();
            let mut x = (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d) | 1;
            for (k, _) in noise.iter().enumerate() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                v.extend_from_slice(WORDS[(x % WORDS.len() as u64) as usize]);
                if k % 3 == 2 {
                    v.push(b' ');
                }
            }
            let expected = replaced(&v);
            assert_eq!(super::sqli_injection(&v), expected, "{:?}", String::from_utf8_lossy(&v));
            seen += 1;
            injections += usize::from(expected);
        }
        for v in [&b"1' or '1'='1"[..], b"(2 + 3) * 4 = 20", b"0x414243 + 1", b"jane o'brien", b"1 union select 2"] {
            assert_eq!(super::sqli_injection(v), replaced(v), "{v:?}");
        }
        assert!(seen > 50_000 && injections > 1_000, "{seen} values, {injections} injections");
    }

    /// `words_and_one_quote` (the shortcut in front of the SQL tokenizer) answers only for values
    /// the tokenizer reports no injection in: values joined from words (SQL keywords, two-word
    /// keyword phrases, the letters that start typed string literals, accented words, a
    /// UTF-8 sequence holding 0xA0), spaces, quotes, dashes and a few other bytes, against
    /// `SqliState::detect`. Without its keyword lookups (the mutant `sql_keyword` → false) it
    /// claims `' having menxzoë`, which the tokenizer reports; without the typed-literal rule it
    /// claims `n'x`.
    #[test]
    fn words_and_one_quote_is_never_an_injection() {
        use libinjectionrs::{SqliFlags, SqliState};
        // What the shortcut's argument rests on: no fingerprint of barewords and strings alone
        // is in the tokenizer's list of injections.
        let mut fps = vec![String::new()];
        for _ in 0..5 {
            fps = fps.iter().flat_map(|f| ["n", "o", "s"].map(|t| format!("{f}{t}"))).collect::<Vec<_>>();
            for f in fps.iter().filter(|f| f.matches('s').count() <= 1) {
                assert!(!libinjectionrs::sqli::blacklist::is_blacklisted(f), "{f}");
            }
        }
        assert!(libinjectionrs::sqli::blacklist::is_blacklisted("sos"));
        let detect = |v: &[u8]| SqliState::new(v, SqliFlags::FLAG_NONE).detect();
        const PIECES: &[&str] = &[
            "maja", "o", "brien", "chloé", "d", "angelo", "amélie", "lucas", "men", "s", "it", "select", "union", "or",
            "and", "not", "like", "in", "is", "by", "group", "order", "all", "having", "where", "from", "sleep",
            "true", "false", "null", "between", "sounds", "cross", "join", "left", "natural", "n", "x", "b", "e", "q",
            "u", "nq", "à", "zoë", " ", " ", " ", "  ", "'", "'", "'", "-", "-", " - ", "1", "(", "#", "\"",
        ];
        let (mut claimed, mut keywords_matter) = (0, 0);
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..500_000 {
            let mut v = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for k in 0..1 + x % 7 {
                v.push_str(PIECES[((x >> (8 * k)) % PIECES.len() as u64) as usize]);
            }
            let v = v.as_bytes();
            if super::words_and_one_quote(v) {
                claimed += 1;
                assert!(!detect(v), "{:?}", String::from_utf8_lossy(v));
            } else if v.len() < 32 && v.iter().filter(|&&b| b == b'\'').count() == 1 && detect(v) {
                keywords_matter += 1;
            }
        }
        for v in [
            "maja o'brien",
            "chloé d'angelo",
            "amélie o'brien",
            "lucas o'brien",
            "rain jacket - men's",
            "o'",
            "'",
            "-'-",
        ] {
            assert!(super::words_and_one_quote(v.as_bytes()), "{v}");
            assert!(!detect(v.as_bytes()), "{v}");
        }
        for v in [
            "x' or y",
            "a' union select",
            "n'x",
            "a nq'b",
            "x'41",
            "q'[x]",
            "maja o'brien' or",
            "a\u{a0}'b",
            "a'--",
            "a' - or",
        ] {
            assert!(!super::words_and_one_quote(v.as_bytes()), "{v}");
        }
        assert!(
            claimed > 20_000 && keywords_matter > 100,
            "{claimed} claimed, {keywords_matter} injections with a quote"
        );
    }

    /// The XSS gate in `scan_canonical`: the HTML tokenizer never reports a value without `<` or
    /// `=` (it reports only tags, comments and doctypes, after a `<`, and attribute values, after
    /// a `=`), so skipping it for such values cannot change a verdict.
    #[test]
    fn the_html_tokenizer_needs_a_less_than_or_an_equals_sign() {
        let alphabet: &[u8] = b"<=>'\"` /\\!?-:;&#%()[]{}onscriptjavaSCRIPTalerthrefstylexmlnsimportentity\t\n\0";
        let mut seen_xss = 0;
        let pick = |_: usize, r: usize| alphabet[r % alphabet.len()];
        for v in super::normalize::random_values(0x853c_49e6_748f_ea9b, 200_000, 32, pick) {
            if libinjectionrs::detect_xss(&v).is_injection() {
                seen_xss += 1;
                assert!(v.contains(&b'<') || v.contains(&b'='), "{:?}", String::from_utf8_lossy(&v));
            }
        }
        assert!(seen_xss > 0, "the generator reaches the tokenizer's reports");
        for v in [&b"x' onclick=alert(1)"[..], b"<svg", b"\" style=x", b"<!--[if ie]>", b"` onload=x"] {
            assert!(libinjectionrs::detect_xss(v).is_injection(), "{v:?}");
        }
        for v in [&b"x' onclick alert(1)"[..], b"it's o'brien \"quoted\" `tick`", b"a > b"] {
            assert!(!libinjectionrs::detect_xss(v).is_injection(), "{v:?}");
        }
    }

    /// The gate in front of the base64 view's set (`may_hold_code`) drops no match: the view's
    /// rules are the two whose patterns its argument was written for (a change to either, or a
    /// new rule of that view, fails here until the argument is checked again); every
    /// alternative's shortest form passes the gate; and on 400,000 values joined from pieces
    /// (random bytes, letters, parts of the rules' words, `\`, the stream header without its
    /// first byte) the set matches none that the gate turns away. Three mutants fail it: a run
    /// of four letters instead of three (`for(;;`), no `\` (`\u0041`), no 0xAC (the header).
    #[test]
    fn the_base64_rules_match_only_what_may_hold_code() {
        use super::signatures::RULES;
        use super::{may_hold_code, Matcher, View, CODE_IN_BASE64};
        let base64: Vec<_> = RULES.iter().filter(|r| r.view == View::Base64).collect();
        assert_eq!(base64.iter().map(|r| r.id).collect::<Vec<_>>(), CODE_IN_BASE64);
        const ARGUED: [&str; 2] = [
            r"processbuilder|getruntime|runtime\.exec|invokertransformer|clonetransformer|forclosure|instantiatefactory|instantiatetransformer|whileclosure|prototypeclonefactory|prototypeserializationfactory|templatesimpl|constanttransformer|chainedtransformer|java\.(?:lang|io|util|net|rmi|beans)\.|javax\.|org\.apache\.|com\.sun\.|ysoserial|objectinputstream|classloader|\xac\xed\x00\x05",
            r"_\$\$nd_func\$\$_|\bwhile\s*\(|\brequire\s*\(|child_process|\beval\s*\(|\bfunction\s*\(\s*\)\s*\{|\bfor\s*\(\s*;\s*;|process\.(?:mainmodule|binding|env)|\\u00[0-9a-f]{2}",
        ];
        let patterns: Vec<&str> = base64
            .iter()
            .filter_map(|r| match r.matcher {
                Matcher::Regex(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(patterns, ARGUED);
        let Ok(set) = regex::bytes::RegexSetBuilder::new(patterns).unicode(false).build() else {
            panic!("the base64 view's rules compile");
        };
        // The shortest form of every alternative matches and passes the gate.
        for v in [
            &b"for(;;"[..],
            b"eval(",
            b"while(",
            b"require(",
            b"function(){",
            b"child_process",
            b"_$$nd_func$$_",
            b"process.env",
            b"\\u0041",
            b"\xac\xed\x00\x05",
            b"java.io.",
            b"javax.",
            b"org.apache.",
            b"com.sun.",
            b"ysoserial",
            b"getruntime",
            b"classloader",
            b"\x01for(;;\x02",
            b"\xff\\u00ff",
        ] {
            assert!(set.is_match(v), "{v:?}");
            assert!(may_hold_code(v), "{v:?}");
        }
        const PIECES: &[&[u8]] = &[
            b"fo",
            b"r",
            b"ev",
            b"al",
            b"(",
            b";",
            b"ja",
            b"va",
            b".",
            b"o",
            b"rg",
            b"co",
            b"m",
            b"\\",
            b"u00",
            b"41",
            b"\xed\x00\x05",
            b"\xac",
            b"_$$",
            b"nd",
            b"_",
            b"$",
            b"{",
            b")",
            b" ",
            b"e",
            b"x",
            b"1",
            b"0",
            b"\x00",
            b"for",
            b"eval",
            b"while",
            b"java",
            b"lang",
            b"org",
            b"apache",
            b"com",
            b"sun",
            b"process",
            b"env",
            b"\\u00",
            b"\xac\xed\x00\x05",
            b"func",
            b"function",
            b"()",
            b"child_process",
            b"require",
            b"(;;",
        ];
        let mut next = crate::waf::normalize::xorshift(0x9e37_79b9_7f4a_7c15);
        let (mut turned_away, mut matched) = (0, 0);
        for _ in 0..400_000 {
            let mut v = Vec::new();
            let n = next() % 12;
            for _ in 0..n {
                let r = next();
                match r % 4 {
                    0 => v.push((r >> 8) as u8),
                    1 => v.push(b"abcdefghijklmnopqrstuvwxyz"[((r >> 8) % 26) as usize]),
                    _ => v.extend_from_slice(PIECES[((r >> 8) % PIECES.len() as u64) as usize]),
                }
            }
            if set.is_match(&v) {
                matched += 1;
                assert!(may_hold_code(&v), "{v:?}");
            } else if !may_hold_code(&v) {
                turned_away += 1;
            }
        }
        assert!(turned_away > 100_000 && matched > 1_000, "{turned_away} {matched}");
    }

    /// The keyword filter in front of `lookup_word` holds every word of the tokenizer's table but
    /// its fingerprints (so `sql_keyword` answers as `lookup_word` does), and lets few other
    /// words through: of 200,000 generated words and pairs, `sql_keyword` and the lookup agree on
    /// every one, and under a tenth of those that are barewords pass the filter.
    #[test]
    fn the_keyword_filter_holds_every_keyword() {
        use super::{keyword_filter_holds, sql_keyword};
        use libinjectionrs::sqli::{sqli_data, TokenType};
        let mut words = 0;
        for k in sqli_data::SQL_KEYWORDS {
            if !k.word.starts_with('0') {
                words += 1;
                assert!(keyword_filter_holds(k.word.as_bytes()), "{}", k.word);
                assert!(keyword_filter_holds(k.word.to_ascii_lowercase().as_bytes()), "{}", k.word);
            }
        }
        assert!(words > 900, "{words}");
        let lookup = |w: &str| !matches!(sqli_data::lookup_word(w), TokenType::Bareword);
        const PIECES: &[&str] =
            &["a", "e", "i", "o", "u", "s", "t", "n", "r", "l", "c", "d", "m", "b", "k", "y", "é", "ü", "_", "0"];
        let mut next = crate::waf::normalize::xorshift(0x0123_4567_89ab_cdef);
        let (mut barewords, mut passed) = (0, 0);
        let word = |len: u64, next: &mut dyn FnMut() -> u64| -> String {
            (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect()
        };
        for round in 0..200_000 {
            let a = word(1 + next() % 7, &mut next);
            let b = if round % 3 == 0 { word(1 + next() % 6, &mut next) } else { String::new() };
            // Every keyword and keyword phrase now and then, in lower case as values hold them.
            let (a, b) = if round % 50 == 0 {
                let k = &sqli_data::SQL_KEYWORDS[(next() % sqli_data::SQL_KEYWORDS.len() as u64) as usize];
                match k.word.split_once(' ') {
                    Some((x, y)) => (x.to_ascii_lowercase(), y.to_ascii_lowercase()),
                    None => (k.word.to_ascii_lowercase(), b),
                }
            } else {
                (a, b)
            };
            let w = if b.is_empty() { a.clone() } else { format!("{a} {b}") };
            let expected = lookup(&w);
            assert_eq!(sql_keyword(a.as_bytes(), b.as_bytes()), expected, "{w}");
            if !expected {
                barewords += 1;
                if keyword_filter_holds(w.as_bytes()) {
                    passed += 1;
                }
            }
        }
        assert!(barewords > 150_000 && passed * 10 < barewords, "{barewords} {passed}");
    }
}

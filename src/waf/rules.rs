//! What a rule is: a stable id, a category, a score, a paranoia level, the classes of target it
//! looks at, the normalised view it reads and how it matches. Describes rules only; it never
//! decides anything about a request (that is the compiled matcher and scoring).

/// The attack family a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Protocol,
    Scanner,
    Lfi,
    Rfi,
    Rce,
    Php,
    Nodejs,
    Ssrf,
    GenericAttack,
    Xss,
    Sqli,
    SessionFixation,
    Java,
    Custom,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Protocol => "protocol",
            Category::Scanner => "scanner",
            Category::Lfi => "lfi",
            Category::Rfi => "rfi",
            Category::Rce => "rce",
            Category::Php => "php",
            Category::Nodejs => "nodejs",
            Category::Ssrf => "ssrf",
            Category::GenericAttack => "generic-attack",
            Category::Xss => "xss",
            Category::Sqli => "sqli",
            Category::SessionFixation => "session-fixation",
            Category::Java => "java",
            Category::Custom => "custom",
        }
    }
}

/// Classes of target, as a bit set: which values a rule looks at.
pub mod class {
    /// The decoded URL path.
    pub const PATH: u16 = 1;
    /// Names of query, form, multipart arguments and JSON keys.
    pub const ARG_NAME: u16 = 1 << 1;
    /// Values of query, form, multipart, JSON and XML arguments.
    pub const ARG_VALUE: u16 = 1 << 2;
    /// Values of the inspected headers.
    pub const HEADER: u16 = 1 << 3;
    pub const COOKIE_NAME: u16 = 1 << 4;
    pub const COOKIE_VALUE: u16 = 1 << 5;
    /// Multipart file names.
    pub const FILENAME: u16 = 1 << 6;
    /// Raw textual bodies of types that are not parsed.
    pub const BODY: u16 = 1 << 7;
    /// The User-Agent value (also inspected as HEADER).
    pub const USER_AGENT: u16 = 1 << 8;
    /// The whole request target, raw (path and query, undecoded).
    pub const URI: u16 = 1 << 9;
    pub const COUNT: usize = 10;

    /// Everything a client freely chooses: arguments, cookies, headers, bodies, file names.
    pub const ARGS: u16 = ARG_NAME | ARG_VALUE | HEADER | COOKIE_NAME | COOKIE_VALUE | FILENAME | BODY;
    /// Argument values, cookies, headers and bodies, but not names.
    pub const VALUES: u16 = ARG_VALUE | HEADER | COOKIE_VALUE | FILENAME | BODY;
    /// ARGS and the path.
    pub const ALL: u16 = ARGS | PATH;
}

/// Which normalised form of a value a rule reads. All start from `normalize::canonical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Decoded, folded, lower-cased.
    Text,
    /// Text with SQL comments folded and whitespace compressed.
    Sql,
    /// Text with the path canonicalised (`..` kept).
    Path,
    /// Text with shell quoting and escapes removed.
    Shell,
    /// For values that look like base64: the decoded bytes (from the value's first byte),
    /// lower-cased. Empty for other values.
    Base64,
}

impl View {
    pub const ALL: [View; 5] = [View::Text, View::Sql, View::Path, View::Shell, View::Base64];
    pub fn index(self) -> usize {
        match self {
            View::Text => 0,
            View::Sql => 1,
            View::Path => 2,
            View::Shell => 3,
            View::Base64 => 4,
        }
    }
}

/// How a built-in rule matches.
#[derive(Debug, Clone, Copy)]
pub enum Matcher {
    /// A linear-time regular expression over the view (bytes, ASCII classes).
    Regex(&'static str),
    /// The tokenizing SQL-injection detector (libinjection algorithm).
    LibinjectionSqli,
    /// The HTML5-tokenizing XSS detector (libinjection algorithm).
    LibinjectionXss,
}

/// One built-in signature.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: u32,
    pub category: Category,
    pub paranoia: u8,
    pub score: u32,
    pub targets: u16,
    pub view: View,
    pub matcher: Matcher,
    pub tags: &'static [&'static str],
    pub message: &'static str,
}

/// Scores by severity, as in the usual anomaly-scoring convention.
pub mod severity {
    pub const CRITICAL: u32 = 5;
    pub const ERROR: u32 = 4;
    pub const WARNING: u32 = 3;
    pub const NOTICE: u32 = 2;
}

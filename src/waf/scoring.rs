//! Anomaly scoring: the matches of one request, their total and whether it reaches the policy's
//! threshold. Decides the verdict of the WAF stage; it never looks at request bytes itself, and
//! its excerpts are for explanation only (never for audit records).

use super::rules::Category;

/// One rule that matched one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub rule_id: u32,
    pub category: Category,
    pub tags: Vec<String>,
    /// Target name only, e.g. `args:q`, `json:$.user.name`, `header:user-agent`, `path`.
    pub target: String,
    /// Normalised excerpt around the match (≤ 64 bytes), for `explain` and the CLI only.
    pub matched: String,
    pub score: u32,
}

/// The WAF's verdict on a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub matches: Vec<Match>,
    pub total_score: u32,
    /// True when the score reached the threshold and the mode is `block`.
    pub blocked: bool,
    /// True when the score reached the threshold (whatever the mode).
    pub over_threshold: bool,
    /// True when the budget stopped inspection before everything was seen.
    pub incomplete: bool,
}

/// The longest excerpt kept in a match.
pub const EXCERPT_LEN: usize = 64;

/// Cuts an excerpt of about [`EXCERPT_LEN`] bytes around `start..end` of `view`.
pub fn excerpt(view: &[u8], start: usize, end: usize) -> String {
    let start = start.min(view.len());
    let end = end.clamp(start, view.len()).min(start + EXCERPT_LEN);
    String::from_utf8_lossy(&view[start..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_truncated_and_bounds_are_clamped() {
        let v = vec![b'a'; 200];
        assert_eq!(excerpt(&v, 10, 190).len(), EXCERPT_LEN);
        assert_eq!(excerpt(b"abc", 5, 1), "");
    }
}

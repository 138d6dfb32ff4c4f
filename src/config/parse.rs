//! Reading the configuration JSON into `Config`, reporting every structural mistake at once.
//!
//! serde stops at the first error. To report all of them, we deserialize, record the error with
//! its JSON path, remove the offending node from the JSON tree, and try again (a bounded number
//! of times). Removed list elements are remembered so that later paths keep the user's indices.

use super::Config;
use serde_json::Value;
use std::fmt;

/// One mistake in the configuration, with the JSON path where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// JSON path in the user's document, e.g. `ip.deny[2]`; empty for the document itself.
    pub path: String,
    /// What is wrong and what to change.
    pub message: String,
}

impl ConfigError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "(configuration): {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// At most this many structural errors are collected; beyond it parsing stops.
const MAX_STRUCTURAL_ERRORS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Parses the configuration JSON. An empty document (or only whitespace) is the empty
/// configuration `{}`. On error, returns every mistake found.
pub fn parse(bytes: &[u8]) -> Result<Config, Vec<ConfigError>> {
    match parse_lenient(bytes) {
        (Some(config), errors) if errors.is_empty() => Ok(config),
        (_, errors) => Err(errors),
    }
}

/// Parses as much as can be parsed: the configuration without the parts that were wrong (so
/// that later checks can report their own mistakes too), and the structural mistakes found.
/// `None` when the document is not a JSON object at all.
pub fn parse_lenient(bytes: &[u8]) -> (Option<Config>, Vec<ConfigError>) {
    let text_is_blank = bytes.iter().all(|b| b.is_ascii_whitespace());
    let mut value: Value = if text_is_blank {
        Value::Object(Default::default())
    } else {
        match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                return (
                    None,
                    vec![ConfigError::new(
                        "",
                        format!("not valid JSON: {e} (the plugin configuration must be one JSON object)"),
                    )],
                )
            }
        }
    };
    if !value.is_object() {
        return (None, vec![ConfigError::new("", "the configuration must be a JSON object")]);
    }

    let mut errors = Vec::new();
    // For each list (by its path in the user's document), the user's indices removed so far.
    let mut removed: Vec<(Vec<Seg>, Vec<usize>)> = Vec::new();
    loop {
        match serde_path_to_error::deserialize::<_, Config>(&value) {
            Ok(config) => return (Some(config), errors),
            Err(err) => {
                let current = to_segments(err.path());
                let original = to_original(&current, &removed);
                let message = describe(err.inner());
                let at_field = unknown_field_name(err.inner());
                // serde_path_to_error points at the parent of an unknown field; name the field.
                let mut shown = original.clone();
                let mut prune_current = current.clone();
                if let Some(field) = at_field {
                    if shown.last() != Some(&Seg::Key(field.clone())) {
                        shown.push(Seg::Key(field.clone()));
                        prune_current.push(Seg::Key(field));
                    }
                }
                errors.push(ConfigError::new(render(&shown), message));
                if errors.len() >= MAX_STRUCTURAL_ERRORS || !prune(&mut value, &prune_current, &shown, &mut removed) {
                    return (None, errors);
                }
            }
        }
    }
}

fn to_segments(path: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
            Segment::Unknown => None,
        })
        .collect()
}

/// Translates a path in the pruned tree into the user's indices.
fn to_original(current: &[Seg], removed: &[(Vec<Seg>, Vec<usize>)]) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::with_capacity(current.len());
    for seg in current {
        match seg {
            Seg::Index(i) => {
                let gone = removed.iter().find(|(p, _)| *p == out).map(|(_, g)| g.as_slice()).unwrap_or(&[]);
                out.push(Seg::Index(original_index(*i, gone)));
            }
            Seg::Key(k) => out.push(Seg::Key(k.clone())),
        }
    }
    out
}

/// The user's index of the element now at `current`, given the sorted user indices removed.
fn original_index(current: usize, gone: &[usize]) -> usize {
    let mut idx = current;
    for g in gone {
        if *g <= idx {
            idx += 1;
        } else {
            break;
        }
    }
    idx
}

/// Removes the node at `path` (current indices) from `value`. When the path is the root, or
/// names nothing, nothing can be removed and parsing stops.
fn prune(value: &mut Value, path: &[Seg], original: &[Seg], removed: &mut Vec<(Vec<Seg>, Vec<usize>)>) -> bool {
    let Some((last, parent_path)) = path.split_last() else {
        return false;
    };
    let mut node = &mut *value;
    for seg in parent_path {
        node = match (seg, node) {
            (Seg::Key(k), Value::Object(map)) => match map.get_mut(k) {
                Some(v) => v,
                None => return false,
            },
            (Seg::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node) {
        (Seg::Key(k), Value::Object(map)) => map.remove(k).is_some(),
        (Seg::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
            let list_path: Vec<Seg> = original[..original.len().saturating_sub(1)].to_vec();
            let user_index = match original.last() {
                Some(Seg::Index(u)) => *u,
                _ => *i,
            };
            match removed.iter_mut().find(|(p, _)| *p == list_path) {
                Some((_, gone)) => {
                    gone.push(user_index);
                    gone.sort_unstable();
                }
                None => removed.push((list_path, vec![user_index])),
            }
            true
        }
        _ => false,
    }
}

fn unknown_field_name(err: &serde_json::Error) -> Option<String> {
    let text = err.to_string();
    let rest = text.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

/// serde's message without its " at line X column Y" suffix (meaningless for a parsed tree).
fn describe(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(pos) => text[..pos].to_string(),
        None => text,
    };
    if let Some(rest) = text.strip_prefix("unknown field `") {
        if let Some(pos) = rest.find("`, expected ") {
            return format!("unknown field; expected {}", &rest[pos + "`, expected ".len()..]);
        }
        return "unknown field".to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(json: &str) -> Vec<String> {
        match parse(json.as_bytes()) {
            Ok(_) => Vec::new(),
            Err(errs) => errs.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn empty_document_is_the_empty_configuration() {
        assert!(parse(b"").is_ok());
        assert!(parse(b"  \n").is_ok());
        assert!(parse(b"{}").is_ok());
    }

    #[test]
    fn invalid_json_is_reported_without_panic() {
        let errs = errors_of("{\"mode\": ");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("not valid JSON"), "{errs:?}");
    }

    #[test]
    fn non_object_document_is_refused() {
        assert_eq!(errors_of("[1,2]"), vec!["(configuration): the configuration must be a JSON object"]);
    }

    #[test]
    fn unknown_field_is_named_with_its_path() {
        let errs = errors_of(r#"{"ip": {"alow": []}}"#);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("ip.alow: unknown field"), "{errs:?}");
    }

    #[test]
    fn every_structural_mistake_is_reported_at_once_with_user_indices() {
        let errs = errors_of(
            r#"{"mode": "block",
                "routes": [{"prefix": "/a", "policy": "p"}, {"prefix": 3, "policy": "p"}, {"prefix": "/c", "polcy": "p"}],
                "policies": {"p": {"limits": {"max_body_bytes": -1}}}}"#,
        );
        let paths: Vec<&str> = errs.iter().map(|e| e.split(':').next().unwrap_or("")).collect();
        assert!(paths.contains(&"mode"), "{errs:?}");
        assert!(paths.contains(&"routes[1].prefix"), "{errs:?}");
        assert!(paths.contains(&"routes[2].polcy"), "{errs:?}");
        assert!(paths.contains(&"policies.p.limits.max_body_bytes"), "{errs:?}");
    }

    #[test]
    fn original_index_skips_removed_elements() {
        assert_eq!(original_index(0, &[0]), 1);
        assert_eq!(original_index(1, &[0, 2]), 3);
        assert_eq!(original_index(0, &[1]), 0);
    }
}

//! `palisade check`: validates configurations with the filter's own parser and compiler. Accepts
//! a bare plugin configuration, or an Envoy YAML/JSON file in which every Palisade filter's
//! configuration is found and checked.

use crate::config::ConfigError;
use crate::policy::Policy;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// The result of checking one configuration.
#[derive(Debug, Serialize)]
pub struct Report {
    /// File name, and for Envoy files where in it the configuration was found.
    pub source: String,
    pub errors: Vec<ErrorEntry>,
}

#[derive(Debug, Serialize)]
pub struct ErrorEntry {
    pub path: String,
    pub message: String,
}

impl From<&ConfigError> for ErrorEntry {
    fn from(e: &ConfigError) -> Self {
        ErrorEntry { path: e.path.clone(), message: e.message.clone() }
    }
}

fn report(source: String, errors: Vec<ConfigError>) -> Report {
    Report { source, errors: errors.iter().map(ErrorEntry::from).collect() }
}

/// Checks a file; an unreadable file or a file without any Palisade configuration is one error.
pub fn check_file(path: &Path) -> Vec<Report> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => check_bytes(&name, &bytes),
        Err(e) => vec![report(name, vec![ConfigError::new("", format!("cannot read the file: {e}"))])],
    }
}

pub fn check_bytes(name: &str, bytes: &[u8]) -> Vec<Report> {
    // A bare plugin configuration is a JSON object without Envoy's top-level keys.
    let as_json: Option<Value> = serde_json::from_slice(bytes).ok();
    let tree = match as_json {
        Some(v) if !looks_like_envoy(&v) => {
            let errors = Policy::from_json(bytes).err().unwrap_or_default();
            return vec![report(name.to_string(), errors)];
        }
        Some(v) => v,
        None => match serde_norway::from_slice::<Value>(bytes) {
            Ok(v) if looks_like_envoy(&v) => v,
            Ok(_) | Err(_) => {
                // Not Envoy YAML either: report it as the filter would see it.
                let errors = Policy::from_json(bytes).err().unwrap_or_default();
                return vec![report(name.to_string(), errors)];
            }
        },
    };
    let mut found = Vec::new();
    find_palisade_configs(&tree, String::new(), &mut found);
    if found.is_empty() {
        return vec![report(
            name.to_string(),
            vec![ConfigError::new("", "an Envoy configuration without any Palisade wasm filter")],
        )];
    }
    found
        .into_iter()
        .map(|(at, text)| {
            let errors = Policy::from_json(text.as_bytes()).err().unwrap_or_default();
            report(format!("{name} ({at})"), errors)
        })
        .collect()
}

fn looks_like_envoy(v: &Value) -> bool {
    v.as_object()
        .map(|o| {
            ["static_resources", "admin", "dynamic_resources", "node", "layered_runtime"]
                .iter()
                .any(|k| o.contains_key(*k))
        })
        .unwrap_or(false)
}

/// Finds `envoy.extensions.filters.http.wasm.v3.Wasm` configs whose plugin is Palisade (plugin
/// `name` or code file name containing "palisade"), returning their location and configuration.
fn find_palisade_configs(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            let is_wasm = map
                .get("@type")
                .and_then(Value::as_str)
                .map(|t| t.ends_with("envoy.extensions.filters.http.wasm.v3.Wasm"))
                .unwrap_or(false);
            if is_wasm {
                if let Some(cfg) = map.get("config") {
                    let name = cfg.get("name").and_then(Value::as_str).unwrap_or("");
                    let file = cfg.pointer("/vm_config/code/local/filename").and_then(Value::as_str).unwrap_or("");
                    if name.contains("palisade") || file.contains("palisade") {
                        let text = match cfg.pointer("/configuration/value") {
                            Some(Value::String(s)) => s.clone(),
                            Some(other) => other.to_string(),
                            None => String::new(),
                        };
                        out.push((format!("{at}.config.configuration"), text));
                    }
                }
            }
            for (k, child) in map {
                let next = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                find_palisade_configs(child, next, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                find_palisade_configs(child, format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

pub fn render_text(reports: &[Report], color: bool) -> String {
    use super::paint;
    let mut out = String::new();
    for r in reports {
        if r.errors.is_empty() {
            out.push_str(&format!("{} {}\n", paint("ok   ", "32", color), r.source));
            continue;
        }
        out.push_str(&format!(
            "{} {} ({} error{})\n",
            paint("error", "31;1", color),
            r.source,
            r.errors.len(),
            if r.errors.len() == 1 { "" } else { "s" }
        ));
        let width = r.errors.iter().map(|e| display_path(&e.path).len()).max().unwrap_or(0);
        for e in &r.errors {
            let p = display_path(&e.path);
            out.push_str(&format!("  {}{}  {}\n", paint(&p, "1", color), " ".repeat(width - p.len()), e.message));
        }
    }
    out
}

fn display_path(p: &str) -> String {
    if p.is_empty() {
        "(configuration)".to_string()
    } else {
        p.to_string()
    }
}

pub fn render_json(reports: &[Report]) -> String {
    let valid = reports.iter().all(|r| r.errors.is_empty());
    serde_json::json!({ "valid": valid, "configurations": reports }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_configuration_with_mistakes_lists_them_all() {
        let r = check_bytes("c.json", br#"{"ip": {"deny": ["x"]}, "routes": [{"prefix": "/", "policy": "nope"}]}"#);
        assert_eq!(r.len(), 1);
        let paths: Vec<_> = r[0].errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["ip.deny[0]", "routes[0].policy"]);
    }

    #[test]
    fn palisade_filters_are_found_in_envoy_yaml() {
        let yaml = br#"
static_resources:
  listeners:
  - filter_chains:
    - filters:
      - name: hcm
        typed_config:
          http_filters:
          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: palisade
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: '{"mode": "monitr"}'
"#;
        let r = check_bytes("envoy.yaml", yaml);
        assert_eq!(r.len(), 1);
        assert!(r[0].source.contains("http_filters[0].typed_config.config.configuration"), "{}", r[0].source);
        assert_eq!(r[0].errors[0].path, "mode");
    }

    #[test]
    fn envoy_file_without_palisade_is_an_error() {
        let r = check_bytes("e.yaml", b"admin: {}\nstatic_resources: {}\n");
        assert_eq!(r[0].errors.len(), 1);
    }

    #[test]
    fn text_output_is_aligned_and_uncoloured_off_terminal() {
        let r = check_bytes("c.json", br#"{"ip": {"deny": ["x"]}, "mode": 1}"#);
        let text = render_text(&r, false);
        assert!(text.starts_with("error c.json (2 errors)\n"), "{text}");
        assert!(!text.contains('\x1b'));
    }
}

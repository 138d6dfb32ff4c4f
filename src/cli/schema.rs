//! The JSON Schema of the configuration, generated from the same serde types the filter parses.

use crate::config::Config;

pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Config);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_schema_is_up_to_date() {
        let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/palisade.schema.json"))
            .unwrap_or_default();
        assert!(
            committed.trim_end() == super::schema_json().trim_end(),
            "docs/palisade.schema.json is stale: run `cargo run --bin palisade -- schema > docs/palisade.schema.json`"
        );
    }

    #[test]
    fn schema_is_draft_2020_12_and_closed() {
        let v: serde_json::Value = serde_json::from_str(&super::schema_json()).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(v["additionalProperties"], false);
    }
}

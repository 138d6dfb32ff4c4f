//! Every configuration shipped in `examples/` and `envoy/` passes `palisade check` (the same
//! validation the filter runs in `on_configure`).

use palisade::cli::check::check_file;
use std::path::Path;

fn files(dir: &str, exts: &[&str]) -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<_> =
        std::fs::read_dir(&root).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    out.retain(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)));
    out.sort();
    out
}

#[test]
fn every_example_configuration_is_valid() {
    let found = files("examples", &["json"]);
    assert!(found.len() >= 3, "examples/ has configurations");
    for f in found {
        for report in check_file(&f) {
            assert!(report.errors.is_empty(), "{}: {:?}", report.source, report.errors);
        }
    }
}

#[test]
fn every_palisade_filter_in_the_envoy_configs_is_valid() {
    let found: Vec<_> = files("envoy", &["yaml", "yml"])
        .into_iter()
        .chain(files("examples", &["yaml", "yml"]))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("palisade") && t.contains("static_resources")))
        .collect();
    assert!(!found.is_empty(), "envoy/ has Envoy configurations with Palisade");
    for f in found {
        for report in check_file(&f) {
            assert!(report.errors.is_empty(), "{}: {:?}", report.source, report.errors);
        }
    }
}

//! The fuzz targets' kept inputs (`tests/fuzz/inputs/<target>/`: hand-picked edge cases, and every
//! input that once made a target fail, added with its fix), replayed through the same target code
//! natively: each must run through without a panic and with well-formed responses. `make fuzz`
//! runs the targets themselves (nightly toolchain, cargo-fuzz).

// `unexpected_cfgs`: `cfg(fuzzing)`, set by `cargo fuzz`, picks `waf_growth`'s clock.
#[allow(dead_code, unexpected_cfgs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "fuzz/src/lib.rs"]
mod fuzz;

use std::path::Path;

/// A fuzz target: raw input bytes in, a panic on failure.
type Target = fn(&[u8]);

#[test]
fn kept_fuzz_inputs_replay() {
    // `waf_growth` is replayed untimed and smaller (`waf_growth_replay`): the timing is the fuzz
    // target's, the fixed checks' equivalence with their old forms the property tests'.
    let targets: [(&str, Target); 6] = [
        ("request", fuzz::request),
        ("header_map", fuzz::header_map),
        ("config", fuzz::config),
        ("waf_body", fuzz::waf_body),
        ("jwt", fuzz::jwt),
        ("waf_growth", fuzz::waf_growth_replay),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/inputs");
    let mut replayed = 0;
    for (name, run) in targets {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else { continue };
        let mut files: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap_or_default();
            eprintln!("{name}: {}", file.display());
            run(&data);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no kept inputs found under {}", root.display());
}

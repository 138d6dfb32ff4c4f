//! The `palisade` command: checks configurations with the same code the filter runs.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") if args.len() == 2 => {
            let bytes = match std::fs::read(&args[1]) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("palisade: cannot read {}: {e}", args[1]);
                    return ExitCode::from(2);
                }
            };
            match palisade::Policy::from_json(&bytes) {
                Ok(_) => {
                    println!("{}: valid", args[1]);
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    for e in &errors {
                        println!("{}: {e}", args[1]);
                    }
                    ExitCode::from(1)
                }
            }
        }
        _ => {
            eprintln!("usage: palisade check CONFIG.json");
            ExitCode::from(2)
        }
    }
}

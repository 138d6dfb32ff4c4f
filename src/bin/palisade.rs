//! The `palisade` command: the filter's own engine outside Envoy — check configurations, print
//! the JSON Schema. Every subcommand calls the same library code the filter runs.

use clap::{Parser, Subcommand, ValueEnum};
use palisade::cli;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "palisade", version, about = "Palisade API-security filter: configuration and request tools")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate configurations exactly as the filter does (bare JSON, or Envoy YAML/JSON holding
    /// Palisade filters). Exit status 1 when any has errors.
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the JSON Schema (draft 2020-12) of the configuration.
    Schema,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Check { files, format } => {
            let mut reports = Vec::new();
            for f in &files {
                reports.extend(cli::check::check_file(f));
            }
            let failed = reports.iter().any(|r| !r.errors.is_empty());
            match format {
                Format::Text => print!("{}", cli::check::render_text(&reports, cli::color_stdout())),
                Format::Json => println!("{}", cli::check::render_json(&reports)),
            }
            if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Schema => {
            println!("{}", cli::schema::schema_json());
            ExitCode::SUCCESS
        }
    }
}

//! Support for the `palisade` command-line tool (native only): reading files, rendering output
//! for people and for pipelines. Decisions are never made here; they come from the engine.

pub mod check;
pub mod eval;
pub mod explain;
pub mod keys;
pub mod schema;
pub mod tune;

use std::io::IsTerminal;

/// Colour only when standard output is a terminal and `NO_COLOR` is not set.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub(crate) fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

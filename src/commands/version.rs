//! `version` and `completion`: about dockhand itself; no project, no engine.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, VersionFormat};

pub fn version(format: VersionFormat, short: bool) -> ExitCode {
    let v = env!("CARGO_PKG_VERSION");
    if short {
        outln!("{v}");
    } else if format == VersionFormat::Json {
        outln!("{}", serde_json::json!({ "version": format!("v{v}") }));
    } else {
        outln!("dockhand version v{v} (follows Docker Compose v{})", crate::labels::COMPOSE_VERSION);
    }
    ExitCode::SUCCESS
}

/// Completions generated from the command-line definition, so they never fall behind it.
pub fn completion(shell: clap_complete::Shell) -> ExitCode {
    clap_complete::generate(shell, &mut Cli::command(), "dockhand", &mut std::io::stdout());
    ExitCode::SUCCESS
}

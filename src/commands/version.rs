//! `version` and `completion`: about dockhand itself; no project, no engine.

use std::process::ExitCode;

use super::options::VersionFormat;

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

pub fn completion(script: &str) -> ExitCode {
    out!("{script}");
    ExitCode::SUCCESS
}

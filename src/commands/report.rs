//! What commands print beside their output (warnings, failures), how container output is
//! styled, and the process's exit code from a container's.

use std::process::ExitCode;

use crate::diag::Rendered;
use crate::load::Failure;

/// A container's exit code as the process's: 0–255 kept, anything else is a failure.
pub fn exit_code(code: i64) -> ExitCode {
    match u8::try_from(code) {
        Ok(c) => ExitCode::from(c),
        Err(_) => ExitCode::FAILURE,
    }
}

/// Prints warnings compactly, as the reference does, so they do not bury the output.
pub fn print_warnings(warnings: &[Rendered]) {
    for w in warnings {
        eprintln!("WARN {}", w.one_line());
    }
}

/// What a plan wants the user to know although nothing failed (orphans, …).
pub fn print_plan_warnings<O>(plan: &crate::plan::Plan<O>) {
    for w in &plan.warnings {
        eprintln!("WARN {w}");
    }
}

/// Prints every problem of a failed load: errors in full, with their source snippet.
pub fn print_failure(f: Failure) -> ExitCode {
    let (errors, warnings): (Vec<_>, Vec<_>) = f.problems.into_iter().partition(|p| p.problem().is_error());
    print_warnings(&warnings);
    let n = errors.len();
    for e in errors {
        eprintln!("{:?}", miette::Report::new(e));
    }
    if n > 1 {
        eprintln!("{n} errors: nothing was changed");
    }
    ExitCode::FAILURE
}

/// How container output looks: colour only on a terminal, unless `--ansi always`, and
/// never with `--no-color` or `NO_COLOR`.
pub fn log_style(log: &super::options::LogStyle, engine: &super::options::EngineOptions, env: &crate::load::Env) -> crate::logprint::Style {
    use std::io::IsTerminal;
    let colour = match engine.ansi {
        super::options::Ansi::Never => false,
        super::options::Ansi::Always => true,
        super::options::Ansi::Auto => std::io::stdout().is_terminal(),
    } && !log.no_color
        && env.get("NO_COLOR").is_none_or(String::is_empty);
    crate::logprint::Style { prefix: !log.no_prefix, colour, stderr_on_stdout: false }
}

//! One module per command. Each returns the process exit code.

/// `print!` and `println!` for the commands' output: see `stdout`.
macro_rules! out {
    ($($arg:tt)*) => { $crate::commands::stdout::print(format_args!($($arg)*)) };
}
macro_rules! outln {
    ($($arg:tt)*) => { $crate::commands::stdout::print(format_args!("{}\n", format_args!($($arg)*))) };
}

mod artifacts;
mod attached;
pub mod config;
mod converge;
pub mod down;
pub mod cp;
pub mod exec;
pub mod inspect;
pub mod lifecycle;
pub mod logs;
pub mod ls;
pub mod options;
mod engine_session;
pub mod ps;
mod ps_format;
pub mod run;
pub mod stack;
mod stdout;
mod table;
pub mod up;
pub mod version;
pub mod wait;
pub mod watch;

use std::process::ExitCode;

use options::Invocation;
use crate::diag::Rendered;
use crate::load::Failure;

pub fn run(inv: Invocation) -> ExitCode {
    match inv {
        Invocation::Config(opts, c) => config::run(&opts, &c),
        Invocation::Up(opts, c) => up::run(&opts, &c),
        Invocation::Down(opts, c) => down::run(&opts, &c),
        Invocation::Ps(opts, c) => ps::run(&opts, &c),
        Invocation::Logs(opts, c) => logs::run(&opts, &c),
        Invocation::Exec(opts, c) => exec::run(&opts, &c),
        Invocation::Run(opts, c) => run::run(&opts, &c),
        Invocation::Lifecycle(opts, c) => lifecycle::run(&opts, &c),
        Invocation::Inspect(opts, c, engine) => inspect::run(&opts, &c, &engine),
        Invocation::Ls(env, c) => ls::run(&env, &c),
        Invocation::Version { format, short } => version::version(format, short),
        Invocation::Completion(script) => version::completion(&script),
        Invocation::Artifacts(opts, c) => artifacts::run(&opts, &c),
        Invocation::Watch(opts, c) => watch::run(&opts, &c),
        Invocation::Stack(opts, c, engine) => stack::run(&opts, &c, &engine),
        Invocation::Invalid(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

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
pub fn print_plan_warnings(plan: &crate::plan::Plan) {
    for w in &plan.warnings {
        eprintln!("WARN {w}");
    }
}

/// The actions of two plans run one after the other (images, then containers), as one plan
/// for `--dry-run` to print.
pub fn joined(first: crate::plan::Plan, then: crate::plan::Plan) -> crate::plan::Plan {
    let mut plan = first;
    let offset = plan.actions.len();
    plan.actions.extend(then.actions.into_iter().map(|mut a| {
        a.after.iter_mut().for_each(|i| *i += offset);
        a
    }));
    plan
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
pub fn log_style(log: &options::LogStyle, engine: &options::EngineOptions, env: &crate::load::Env) -> crate::logprint::Style {
    use std::io::IsTerminal;
    let colour = match engine.ansi {
        options::Ansi::Never => false,
        options::Ansi::Always => true,
        options::Ansi::Auto => std::io::stdout().is_terminal(),
    } && !log.no_color
        && env.get("NO_COLOR").is_none_or(String::is_empty);
    crate::logprint::Style { prefix: !log.no_prefix, colour }
}

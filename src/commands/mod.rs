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
mod filesystem;
pub mod inspect;
pub mod lifecycle;
pub mod logs;
pub mod ls;
pub mod options;
mod engine_session;
pub mod ps;
pub mod rollback;
mod ps_format;
mod report;
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

pub fn run(inv: Invocation) -> ExitCode {
    match inv {
        Invocation::Config(opts, c) => config::run(&opts, &c),
        Invocation::Up(opts, c) => up::run(&opts, &c),
        Invocation::Down(opts, c) => down::run(&opts, &c),
        Invocation::Rollback(opts, c) => rollback::run(&opts, &c),
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

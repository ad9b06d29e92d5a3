//! The command line, taken in three steps as ripgrep takes it: clap parses the arguments into
//! low-level structs (`args`); the global flags and the environment are resolved into the
//! settings every command shares (here: where and how to load, how to talk to the engine,
//! each shell `COMPOSE_*` variable read through `load::compose_env`); then each command's
//! arguments are checked and turned into the options that command takes (`convert`). clap
//! stays in this module; what comes out is a `commands::Invocation`.

pub mod args;
pub mod bool_flags;
mod convert;
pub mod stack;

use std::path::PathBuf;

pub use args::Cli;
use args::{AnsiArg, Global, ProgressMode};
use crate::commands::options::{Ansi, EngineOptions, Invocation};
use crate::load::{compose_env, Env, Options};
use crate::progress::Mode;

impl Cli {
    /// Turns arguments into options. `stdin` is read only when `-f -` asks for it.
    pub fn into_invocation(self, working_dir: PathBuf, env: Env, stdin: &dyn Fn() -> Option<String>) -> Invocation {
        let (opts, engine) = settings(self.global, working_dir, env, stdin);
        convert::command(self.command, opts, engine, stdin)
    }
}

/// The global flags, with the environment where a flag is not given.
fn settings(g: Global, working_dir: PathBuf, env: Env, stdin: &dyn Fn() -> Option<String>) -> (Options, EngineOptions) {
    let mut opts = Options::new(working_dir, env);
    if g.files.iter().any(|f| f.as_os_str() == "-") {
        opts.stdin = stdin();
    }
    opts.files = g.files;
    opts.project_name = g.project_name;
    opts.all_resources = g.all_resources;
    opts.compatibility = g.compatibility;
    opts.project_directory = g.project_directory;
    opts.env_files = g.env_files;
    opts.profiles = g.profiles;
    let parallel = g.parallel.or_else(|| compose_env::parallel_limit(&opts.shell_env));
    let progress = match g.progress {
        ProgressMode::Auto => Mode::Auto,
        ProgressMode::Tty => Mode::Tty,
        ProgressMode::Plain => Mode::Plain,
        ProgressMode::Json => Mode::Json,
        ProgressMode::Quiet => Mode::Quiet,
    };
    let ansi = match g.ansi {
        AnsiArg::Never => Ansi::Never,
        AnsiArg::Always => Ansi::Always,
        AnsiArg::Auto => Ansi::Auto,
    };
    (opts, EngineOptions { dry_run: g.dry_run, ansi, progress, parallel, quiet_build: false })
}

/// `--remove-orphans`, or `COMPOSE_REMOVE_ORPHANS` in the shell. (The project's `.env` may
/// set it too: `up` reads that once the project is loaded.)
fn remove_orphans(flag: bool, shell_env: &Env) -> bool {
    flag || compose_env::remove_orphans(shell_env)
}

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use dockhand::cli::Cli;
use dockhand::load::Env;

fn main() -> ExitCode {
    let args = dockhand::cli::bool_flags::normalize(&Cli::command(), std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // A usage error exits 1, as with the reference (clap's own is 2); help and
            // version output are no errors.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    init_tracing(cli.global.verbose);
    let working_dir = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot read the current directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut env: Env = std::env::vars().collect();
    // As with the reference, `${PWD}` is the working directory also when no shell set PWD.
    env.entry("PWD".to_string()).or_insert_with(|| working_dir.to_string_lossy().into_owned());
    let inv = cli.into_invocation(working_dir, env, &read_stdin);
    dockhand::commands::run(inv)
}

fn read_stdin() -> Option<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).ok().map(|_| s)
}

fn init_tracing(verbose: bool) {
    let default = if verbose { "dockhand=debug" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

//! `dockhand stack …`: the project deployed to a Swarm as `docker stack` deploys it, and the
//! listings and removal `docker stack` offers, on stacks either tool deployed.

mod deploy;
mod list;
mod rm;

use std::process::ExitCode;

use super::engine_session::{self, fail};
use crate::commands::options::{ConfigOptions, ConfigView, EngineOptions, Format, Stack};
use crate::engine::swarm::SwarmClient;
use crate::load::Options;

pub fn run(opts: &Options, cmd: &Stack, engine: &EngineOptions) -> ExitCode {
    if let Stack::Config = cmd {
        let view = ConfigOptions { view: ConfigView::Model(Format::Yaml), output: None };
        return super::config::run(opts, &view);
    }
    engine_session::block_on(async {
        match cmd {
            Stack::Deploy(d) => deploy::run(opts, d, engine).await,
            Stack::Ls { format } => list::ls(opts, format.as_deref()).await,
            Stack::Ps { stack, filters, format, no_trunc, no_resolve, quiet } => {
                let Some(stack) = stack_name(opts, stack.as_deref()) else { return ExitCode::FAILURE };
                let view = list::PsView {
                    format: format.as_deref(),
                    no_trunc: *no_trunc,
                    no_resolve: *no_resolve,
                    quiet: *quiet,
                };
                list::ps(opts, &stack, filters, view).await
            }
            Stack::Services { stack, filters, format, quiet } => {
                let Some(stack) = stack_name(opts, stack.as_deref()) else { return ExitCode::FAILURE };
                list::services(opts, &stack, filters, format.as_deref(), *quiet).await
            }
            Stack::Rm { stacks, detach } => {
                let stacks = if stacks.is_empty() {
                    match stack_name(opts, None) {
                        Some(s) => vec![s],
                        None => return ExitCode::FAILURE,
                    }
                } else {
                    stacks.clone()
                };
                rm::run(opts, &stacks, *detach).await
            }
            Stack::Config => ExitCode::SUCCESS,
        }
    })
}

/// The stack named on the command line, else the project's name from dockhand's discovery.
fn stack_name(opts: &Options, given: Option<&str>) -> Option<String> {
    if let Some(s) = given {
        return Some(s.to_string());
    }
    engine_session::target(opts).map(|t| t.name().to_string())
}

/// The engine, as a Swarm manager: one that is not says so in its answer to the first call
/// (asking first would cost an `info` call, the slowest of all, on every command).
async fn manager(opts: &Options) -> Option<SwarmClient> {
    match SwarmClient::connect(&opts.shell_env).await {
        Ok(c) => Some(c),
        Err(e) => {
            fail(&[e.to_string()]);
            None
        }
    }
}

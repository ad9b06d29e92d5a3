//! `dockhand exec`: a command in a running service container; its exit code is ours.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use super::report::exit_code;
use super::engine_session;
use super::options::ExecCommand;
use crate::containers::names;
use crate::containers::observe::ObservedContainer;
use crate::engine::streams::require;
use crate::engine::{Capability, ContainerIo, Engine, LogChunk, Output};
use crate::load::{self, Options};
use crate::terminal;

pub fn run(opts: &Options, cmd: &ExecCommand) -> ExitCode {
    engine_session::block_on(async {
        let loaded = match load::load(opts) {
            Ok(l) => l,
            Err(f) => return super::report::print_failure(f),
        };
        let Some(engine) = engine_session::connect(&opts.shell_env).await else { return ExitCode::FAILURE };
        if let Err(e) = require(engine.as_ref(), Capability::Exec) {
            return engine_session::fail(&[e.to_string()]);
        }
        let id = match running_container(engine.as_ref(), &loaded.project.name, &cmd.service, cmd.index).await {
            Ok(id) => id,
            Err(e) => return engine_session::fail(&[e]),
        };
        let tty = !cmd.spec.detach && terminal::wants_tty(cmd.no_tty);
        let spec = crate::engine::ExecSpec { tty, size: tty.then_some(terminal::size as fn() -> Option<(u16, u16)>), ..cmd.spec.clone() };
        let raw = tty.then(terminal::RawMode::enter).flatten();
        let stdin = (!spec.detach).then(terminal::stdin);
        let result = engine.exec(&id, &spec, stdin, &passthrough()).await;
        drop(raw);
        match result {
            Ok(code) => exit_code(code),
            Err(e) => engine_session::fail(&[e.to_string()]),
        }
    })
}

/// The id of replica `index` of the service, which must be running.
pub async fn running_container<E: Engine>(engine: &E, project: &str, service: &str, index: u32) -> Result<String, String> {
    running(engine, project, service, index).await.map(|c| c.id)
}

/// Replica `index` of the service, which must be running.
pub async fn running<E: Engine>(engine: &E, project: &str, service: &str, index: u32) -> Result<ObservedContainer, String> {
    let containers = engine.list_containers(&names::project_filter(project)).await.map_err(|e| e.to_string())?;
    containers
        .into_iter()
        .find(|c| c.service == service && c.number == index && !c.oneoff && c.state == crate::containers::observe::RunState::Running)
        .ok_or_else(|| not_running(service, index))
}

/// The reference's words when the service has no such running container.
pub(super) fn not_running(service: &str, index: u32) -> String {
    if index == 1 {
        format!("service {service:?} is not running")
    } else {
        format!("service {service:?} is not running container #{index}")
    }
}

/// The session's output as it comes, unprefixed: stdout to stdout, stderr to stderr.
pub fn passthrough() -> Output {
    Arc::new(|chunk: &LogChunk| {
        // A closed pipe on our side must not end the session early.
        let _ = if chunk.stderr {
            std::io::stderr().lock().write_all(&chunk.bytes)
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(&chunk.bytes).and_then(|()| out.flush())
        };
    })
}

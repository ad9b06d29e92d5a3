//! `dockhand wait`: blocks until the services' containers stop; with `--down-project`, the
//! first to stop takes the project down.

use std::process::ExitCode;

use futures_util::StreamExt;

use super::engine_session::Session;
use crate::engine::streams::require;
use crate::engine::{Capability, ContainerIo, PsEntry};
use crate::containers::teardown::{self, DownOptions};

/// Prints each container's exit code as it stops (one already stopped at once, as the
/// reference does); with `down`, the first stop ends the wait. The exit status is the code of
/// the last container that stopped. `dry_run`: the project's teardown is printed, not done.
pub async fn run(s: &mut Session, services: &[String], down: bool, dry_run: bool) -> Result<ExitCode, String> {
    require(s.engine.as_ref(), Capability::Wait).map_err(|e| e.to_string())?;
    let containers: Vec<PsEntry> = s.service_containers(services).await?;
    let mut waits: futures_util::stream::FuturesUnordered<_> = containers
        .iter()
        .map(|e| {
            let engine = s.engine.clone();
            let id = e.id.clone();
            async move { engine.wait_exit(&id).await.map(|code| (id, code)) }
        })
        .collect();
    let mut last = None;
    while let Some(stopped) = waits.next().await {
        let (id, code) = stopped.map_err(|e| e.to_string())?;
        outln!("container \"{id}\" exited with status code {code}");
        last = Some(code);
        if down {
            break;
        }
    }
    drop(waits);
    if down {
        let now = s.containers_now().await.map_err(|e| e.to_string())?;
        let plan = teardown::teardown(Some(&s.desired), &now, &DownOptions::default());
        if dry_run {
            out!("{plan}");
        } else if !s.execute(&plan).await {
            return Ok(s.failure());
        }
    }
    Ok(super::report::exit_code(last.unwrap_or(0)))
}

//! Attached `up`: after reconciling, follow the attached services' output until their
//! containers have all exited, or until an abort or Ctrl-C stops the project.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::Duration;

use super::engine_session::Session;
use super::options::{Abort, UpCommand};
use crate::cancel::{self, CancellationSignal};
use crate::containers::names;
use crate::engine::{ContainerIo, Engine, LogRequest};
use crate::follow::{Ended, Follow, Selector};
use crate::logprint::Printer;
use crate::containers::observe::RunState;
use crate::containers::teardown;

/// Why following ended.
enum End {
    /// Every attached container exited by itself.
    AllExited,
    Abort(Ended),
    Interrupted,
    /// The engine stopped answering: the output ended with it, not with the containers.
    EngineLost,
}

/// Follows the attached services; `started` (unix seconds) is when `up` began, so that
/// containers already running show only their new output.
pub async fn follow(s: &mut Session, cmd: &UpCommand, env: &crate::load::Env, started: i64) -> ExitCode {
    let services = attached_services(s, cmd);
    let printer = Printer::new(super::report::log_style(&cmd.attach.log, &cmd.engine, env));
    let request = LogRequest { follow: true, timestamps: cmd.attach.log.timestamps, ..LogRequest::default() };
    let selector = Selector { services: Some(services), index: None };
    // With --watch a recreate stops a container before its successor starts: wait for it.
    let grace = if cmd.watch { Duration::from_secs(3) } else { Duration::ZERO };
    let mut follow = Follow::new(s.engine.clone(), &s.project.name, printer, selector.clone(), request.clone(), grace);
    let containers = match s.engine.list_containers(&names::project_filter(&s.project.name)).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut names: Vec<&str> = containers
        .iter()
        .filter(|c| selector.matches(&c.service, c.number, c.oneoff))
        .map(|c| names::without_project(&s.project.name, &c.name))
        .collect();
    names.sort_unstable();
    outln!("Attaching to {}", names.join(", "));
    follow.add_existing(&containers, &LogRequest { since: Some(started), ..request });
    let end = follow_until_end(&mut follow, s.engine.as_ref(), &s.project.name, cmd, &s.interrupted()).await;
    match end {
        End::AllExited => ExitCode::SUCCESS,
        End::EngineLost => {
            eprintln!(
                "error: the Docker engine at {} stopped answering (restarted, or gone) while following the containers' output; run up again once it is back: it converges",
                s.engine.address()
            );
            ExitCode::FAILURE
        }
        End::Interrupted => {
            eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
            stop_all(s, cmd).await;
            ExitCode::from(130)
        }
        End::Abort(first) => {
            eprintln!("Aborting on container exit...");
            stop_all(s, cmd).await;
            drain(&mut follow).await;
            let code = match &cmd.attach.exit_code_from {
                Some(svc) => exit_code_of(s, svc).await.unwrap_or(first.exit_code),
                None => first.exit_code,
            };
            super::report::exit_code(code)
        }
    }
}

/// Prints each followed container's exit until the project's run ends, and says why.
async fn follow_until_end<E: Engine + ContainerIo>(
    follow: &mut Follow<E>,
    engine: &E,
    project: &str,
    cmd: &UpCommand,
    interrupted: &CancellationSignal,
) -> End {
    let opts = &cmd.attach;
    loop {
        tokio::select! {
            () = interrupted.cancelled() => return End::Interrupted,
            ended = follow.next() => {
                if !engine.answers().await {
                    return End::EngineLost;
                }
                let Some(ended) = ended else { return End::AllExited };
                follow.printer().exited(&ended.name, ended.exit_code, ended.restarting);
                if ended.restarting {
                    continue;
                }
                let abort = match opts.abort {
                    Abort::Never => false,
                    Abort::OnExit => true,
                    Abort::OnFailure => ended.exit_code != 0,
                };
                if abort {
                    return End::Abort(ended);
                }
                if named_services_exited(engine, project, &cmd.services).await {
                    return End::AllExited;
                }
            }
        }
    }
}

/// Like the reference, `up SERVICE…` returns once the services named have exited, whatever
/// the dependencies attached with them still do; they are left running.
async fn named_services_exited<E: Engine>(engine: &E, project: &str, named: &[String]) -> bool {
    if named.is_empty() {
        return false;
    }
    let Ok(containers) = engine.list_containers(&names::project_filter(project)).await else { return false };
    let mut theirs = containers.iter().filter(|c| !c.oneoff && named.contains(&c.service)).peekable();
    theirs.peek().is_some() && theirs.all(|c| !c.state.is_running())
}

/// The services whose output is shown, as the reference chooses them.
fn attached_services(s: &Session, cmd: &UpCommand) -> Vec<String> {
    let opts = &cmd.attach;
    let mut chosen: BTreeSet<String> = if !opts.attach.is_empty() {
        opts.attach.iter().cloned().collect()
    } else if opts.dependencies || cmd.services.is_empty() {
        let acted_on = s.desired.scoped(cmd.plan.only.as_deref());
        let all = acted_on.services.iter().filter(|d| {
            s.project.services.get(&d.name).is_none_or(|svc| svc.attach != Some(false)) || opts.dependencies
        });
        all.map(|d| d.name.clone()).collect()
    } else {
        cmd.services.iter().cloned().collect()
    };
    chosen.retain(|c| !opts.no_attach.contains(c));
    chosen.extend(opts.exit_code_from.iter().cloned());
    chosen.into_iter().collect()
}

/// Stops every running container of the project; a second Ctrl-C kills them instead.
async fn stop_all(s: &mut Session, cmd: &UpCommand) {
    let Ok(now) = s.containers_now().await else { return };
    let desired = s.desired.scoped(cmd.plan.only.as_deref());
    let plan = teardown::stop(Some(&desired), &now, &[], cmd.plan.timeout, "stopping the project");
    let (canceller, again) = cancel::cancellation();
    let second = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            canceller.cancel();
        }
    });
    let stopped = s.execute_with(&plan, again.clone()).await;
    second.abort();
    if !stopped && again.is_cancelled() {
        kill_all(s).await;
    }
}

async fn kill_all(s: &Session) {
    let Ok(containers) = s.engine.list_containers(&names::project_filter(&s.project.name)).await else { return };
    for c in containers.iter().filter(|c| c.state == RunState::Running) {
        if let Err(e) = s.engine.kill_container(&c.id, "SIGKILL").await {
            eprintln!("error: killing {}: {e}", c.name);
        }
    }
}

/// Prints the exits of the containers the abort stopped.
async fn drain<E: Engine + ContainerIo>(follow: &mut Follow<E>) {
    let deadline = tokio::time::sleep(Duration::from_secs(5));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => return,
            ended = follow.next() => match ended {
                Some(e) => follow.printer().exited(&e.name, e.exit_code, false),
                None => return,
            },
        }
    }
}

async fn exit_code_of(s: &Session, service: &str) -> Option<i64> {
    let containers = s.engine.list_containers(&names::project_filter(&s.project.name)).await.ok()?;
    let c = containers.iter().filter(|c| c.service == service && !c.oneoff).min_by_key(|c| c.number)?;
    s.engine.container_status(&c.id).await.ok()?.exit_code
}

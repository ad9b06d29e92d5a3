//! `dockhand up`: load, observe once, plan, execute. Images are planned and fetched first,
//! then the containers are planned against the images as they now are.

use std::process::ExitCode;

use super::converge;
use super::engine_session::{self, Session};
use super::options::UpCommand;
use crate::load::{compose_env, Options};
use crate::containers::reconcile;

pub fn run(opts: &Options, cmd: &UpCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open(opts, &cmd.engine, &cmd.scale).await else {
            return ExitCode::FAILURE;
        };
        let acted_on = s.desired.scoped(cmd.plan.only.as_deref());
        if let Some(svc) = cmd.attach.exit_code_from.as_ref().filter(|svc| acted_on.service(svc).is_none()) {
            return engine_session::fail(&[format!("no such service: {svc} (--exit-code-from)")]);
        }
        let nothing_to_follow = acted_on.services.is_empty();
        let started = crate::follow::now_nanos() / 1_000_000_000;
        let plan_opts = with_project_env(&cmd.plan, &s);
        let cmd = &UpCommand { plan: plan_opts, ..cmd.clone() };
        let images = match reconcile::images(&s.desired, &s.observed, &cmd.plan) {
            Ok(p) => p,
            Err(errors) => return engine_session::fail(&errors),
        };
        if cmd.engine.dry_run {
            let containers = match reconcile::containers(&s.desired, &s.observed, &cmd.plan) {
                Ok(p) => p,
                Err(errors) => return engine_session::fail(&errors),
            };
            out!("{}", super::converge::joined(images, containers));
            return ExitCode::SUCCESS;
        }
        let Some(containers) = converge::with_images(&mut s, &images, &cmd.plan, false).await else {
            return s.failure();
        };
        if cmd.wait && !s.wait_healthy(&containers.replicas, cmd.wait_timeout).await {
            return s.failure();
        }
        if cmd.watch {
            return with_watch(&mut s, opts, cmd, started).await;
        }
        if cmd.detach || cmd.wait || cmd.plan.no_start || nothing_to_follow {
            return ExitCode::SUCCESS;
        }
        super::attached::follow(&mut s, cmd, &opts.shell_env, started).await
    })
}

/// `COMPOSE_REMOVE_ORPHANS` may also come from the project's `.env`, as with the reference.
fn with_project_env(opts: &reconcile::UpOptions, s: &Session) -> reconcile::UpOptions {
    let from_env_file = s.loaded.as_ref().is_some_and(|l| compose_env::remove_orphans(&l.env));
    reconcile::UpOptions { remove_orphans: opts.remove_orphans || from_env_file, ..opts.clone() }
}

/// `up --watch`: the watch loop runs beside the attached output (or, detached, until Ctrl-C).
async fn with_watch(s: &mut Session, opts: &Options, cmd: &UpCommand, started: i64) -> ExitCode {
    let watch = super::options::WatchCommand {
        services: cmd.services.clone(),
        no_up: true,
        prune: false,
        quiet: false,
        engine: cmd.engine.clone(),
    };
    let (opts_for_watch, interrupted, mut beside) = (opts.clone(), s.interrupted(), s.beside());
    // The watcher acts on what this `up` acted on (its converges take the session's services;
    // a reload, planning afresh, takes every service).
    beside.desired = s.desired.scoped(cmd.plan.only.as_deref()).into_owned();
    let watching = tokio::spawn(async move { super::watch::watch_project(&opts_for_watch, &watch, beside).await });
    let code = if cmd.detach {
        interrupted.cancelled().await;
        ExitCode::SUCCESS
    } else {
        super::attached::follow(s, cmd, &opts.shell_env, started).await
    };
    watching.abort();
    code
}

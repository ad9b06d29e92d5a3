//! `dockhand up`: load, observe once, plan, execute. Images are planned and fetched first,
//! then the containers are planned against the images as they now are.

use std::process::ExitCode;
use super::engine_session::{self, Session};
use crate::cli::UpCommand;
use crate::load::Options;
use crate::plan::reconcile;

pub fn run(opts: &Options, cmd: &UpCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open(opts, &cmd.engine, &cmd.scale, cmd.no_deps.then_some(&cmd.services[..])).await
        else {
            return ExitCode::FAILURE;
        };
        let started = crate::follow::now_nanos() / 1_000_000_000;
        let images = match reconcile::images(&s.desired, &s.observed, &cmd.plan) {
            Ok(p) => p,
            Err(errors) => return engine_session::fail(&errors),
        };
        if cmd.engine.dry_run {
            let containers = match reconcile::containers(&s.desired, &s.observed, &cmd.plan) {
                Ok(p) => p,
                Err(errors) => return engine_session::fail(&errors),
            };
            let mut plan = images;
            let offset = plan.actions.len();
            plan.actions.extend(containers.actions.into_iter().map(|mut a| {
                a.after.iter_mut().for_each(|i| *i += offset);
                a
            }));
            print!("{plan}");
            return ExitCode::SUCCESS;
        }
        if !s.execute(&images, &cmd.plan).await {
            return s.failure();
        }
        if !images.is_empty() && !s.refresh_images().await {
            return s.failure();
        }
        let containers = match reconcile::containers(&s.desired, &s.observed, &cmd.plan) {
            Ok(p) => p,
            Err(errors) => return engine_session::fail(&errors),
        };
        super::print_plan_warnings(&containers);
        if !s.execute(&containers, &cmd.plan).await {
            return s.failure();
        }
        if cmd.wait && !s.wait_healthy(cmd.wait_timeout).await {
            return s.failure();
        }
        if cmd.detach || cmd.wait || cmd.plan.no_start {
            return ExitCode::SUCCESS;
        }
        super::attached::follow(&mut s, cmd, &opts.shell_env, started).await
    })
}

//! `build`, `pull`, `push`: the project's images, through the scheduler like `up`'s.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;

use super::engine_session::{self, Session};
use super::options::{Artifacts, ArtifactsCommand};
use crate::load::Options;
use crate::containers::artifacts;

pub fn run(opts: &Options, cmd: &ArtifactsCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open(opts, &cmd.engine, &Default::default()).await else {
            return ExitCode::FAILURE;
        };
        let (plan, ignore_failures) = match &cmd.action {
            Artifacts::Build { no_cache, pull, build_args, .. } => {
                with_build_args(&mut s, build_args);
                s.build_flags(*no_cache, *pull);
                (artifacts::builds(&s.desired, &cmd.services), false)
            }
            Artifacts::Pull { ignore_failures, missing_only } => {
                let present: BTreeSet<String> = s.observed.images.keys().cloned().collect();
                (artifacts::pulls(&s.desired, &present, &cmd.services, *missing_only), *ignore_failures)
            }
            Artifacts::Push { ignore_failures } => (artifacts::pushes(&s.desired, &cmd.services), *ignore_failures),
        };
        if cmd.engine.dry_run {
            out!("{plan}");
            return ExitCode::SUCCESS;
        }
        if !s.execute(&plan).await && !(ignore_failures && !s.interrupted().is_cancelled()) {
            return s.failure();
        }
        let pushed = match cmd.action {
            Artifacts::Build { push: true, .. } => s.execute(&artifacts::pushes(&s.desired, &cmd.services)).await,
            _ => true,
        };
        if pushed {
            ExitCode::SUCCESS
        } else {
            s.failure()
        }
    })
}

/// `--build-arg KEY=VALUE` overrides the file's build args of every service built.
fn with_build_args(s: &mut Session, args: &[(String, String)]) {
    if args.is_empty() {
        return;
    }
    let mut project = (*s.project).clone();
    for service in project.services.values_mut() {
        if let Some(build) = service.build.as_mut() {
            for (k, v) in args {
                build.args.insert(k.clone(), Some(v.clone()));
            }
        }
    }
    s.project = Arc::new(project);
}

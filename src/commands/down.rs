//! `dockhand down`: stop and remove the project's containers, then its networks (and volumes,
//! images when asked). Works from the project name alone when there is no compose file.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use super::engine_session::{self, Session, Target};
use crate::cli::DownCommand;
use crate::load::Options;
use crate::model::Project;
use crate::observe::{self, Wanted};
use crate::plan::desired::{self, Origin};
use crate::plan::reconcile::UpOptions;
use crate::plan::teardown::teardown;

pub fn run(opts: &Options, cmd: &DownCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = open(opts, cmd).await else { return ExitCode::FAILURE };
        if !cmd.services.is_empty() {
            s.observed.containers.retain(|c| cmd.services.contains(&c.service));
            s.observed.networks.clear();
            s.observed.volumes.clear();
        }
        let desired = s.loaded.is_some().then_some(&s.desired);
        let plan = teardown(desired, &s.observed, &cmd.plan);
        super::print_plan_warnings(&plan);
        if cmd.engine.dry_run {
            print!("{plan}");
            return ExitCode::SUCCESS;
        }
        if s.execute(&plan, &UpOptions::default()).await {
            ExitCode::SUCCESS
        } else {
            s.failure()
        }
    })
}

/// The project from its files; without any file, from `-p`/`COMPOSE_PROJECT_NAME` alone.
async fn open(opts: &Options, cmd: &DownCommand) -> Option<Session> {
    match engine_session::target(opts)? {
        Target::Loaded(loaded) => Session::from_loaded(*loaded, opts, &cmd.engine, &BTreeMap::new(), None).await,
        Target::Named(name) => by_name(opts, cmd, name).await,
    }
}

async fn by_name(opts: &Options, cmd: &DownCommand, name: String) -> Option<Session> {
    let project = Arc::new(Project { name: name.clone(), ..Project::default() });
    let desired = desired::desired(&project, &Origin::default(), &BTreeMap::new());
    let engine = engine_session::connect(&opts.shell_env).await?;
    let observed = match observe::observe(engine.as_ref(), &name, &Wanted::default()).await {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return None;
        }
    };
    Some(Session::from_parts(project, None, desired, observed, engine, &cmd.engine))
}

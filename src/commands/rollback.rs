//! `dockhand rollback`: services back to the version their containers record they replaced.
//! Load, observe once, read the records, look up the recorded images, plan, execute.

use std::process::ExitCode;
use std::sync::Arc;

use super::engine_session::{self, Session};
use super::options::RollbackCommand;
use crate::containers::rollback::{self, Record};
use crate::engine::Engine;
use crate::load::Options;

pub fn run(opts: &Options, cmd: &RollbackCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open(opts, &cmd.engine, &Default::default()).await else {
            return ExitCode::FAILURE;
        };
        let unknown = s.unknown_services(&cmd.plan.services);
        if !unknown.is_empty() {
            return engine_session::fail(&unknown);
        }
        let (records, notes) = match rollback::records(&s.project, &s.observed, &cmd.plan.services, crate::load::recorded::service) {
            Ok(found) => found,
            Err(errors) => return engine_session::fail(&errors),
        };
        for note in &notes {
            eprintln!("{note}");
        }
        if records.is_empty() {
            eprintln!("nothing to roll back");
            return ExitCode::SUCCESS;
        }
        if let Err(e) = look_up_images(&mut s, &records).await {
            return engine_session::fail(&[e]);
        }
        let Some(origin) = s.loaded.as_ref().map(engine_session::origin) else { return ExitCode::FAILURE };
        let planned = match rollback::plan(&s.project, &origin, &s.observed, &records, &cmd.plan) {
            Ok(p) => p,
            Err(errors) => return engine_session::fail(&errors),
        };
        super::report::print_plan_warnings(&planned.plan);
        if cmd.engine.dry_run {
            out!("{}", planned.plan);
            return ExitCode::SUCCESS;
        }
        s.project = Arc::new(planned.project);
        s.desired = planned.desired;
        s.observed = planned.observed;
        if !s.execute(&planned.plan).await {
            return s.failure();
        }
        if cmd.wait && !s.wait_healthy(&planned.plan.replicas, cmd.wait_timeout).await {
            return s.failure();
        }
        ExitCode::SUCCESS
    })
}

/// The recorded images, and where the recorded configurations' image names point now.
async fn look_up_images(s: &mut Session, records: &[Record]) -> Result<(), String> {
    for reference in rollback::images(&s.project, records) {
        match s.engine.image_id(&reference).await {
            Ok(Some(id)) => {
                s.observed.images.insert(reference, id);
            }
            Ok(None) => {}
            Err(e) => return Err(format!("looking up image {reference}: {e}")),
        }
    }
    Ok(())
}

//! `dockhand down`: stop and remove the project's containers, then its networks (and volumes,
//! images when asked). Works from the project name alone when there is no compose file.

use std::process::ExitCode;

use super::engine_session::{self, Session};
use super::options::DownCommand;
use crate::load::Options;
use crate::containers::teardown::teardown;

pub fn run(opts: &Options, cmd: &DownCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open_target(opts, &cmd.engine).await else { return ExitCode::FAILURE };
        let desired = s.loaded.is_some().then_some(&s.desired);
        let plan = teardown(desired, &s.observed, &cmd.plan);
        super::report::print_plan_warnings(&plan);
        if cmd.engine.dry_run {
            out!("{plan}");
            return ExitCode::SUCCESS;
        }
        if s.execute(&plan).await {
            ExitCode::SUCCESS
        } else {
            s.failure()
        }
    })
}


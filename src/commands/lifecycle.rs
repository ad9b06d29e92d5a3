//! `start`, `stop`, `restart`, `kill`, `rm`, `pause`, `unpause`: plans over the project's
//! existing containers, run by the scheduler. They work from `-p NAME` alone too.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use super::engine_session::{self, Session};
use super::options::{Lifecycle, LifecycleCommand};
use crate::load::Options;
use crate::containers::ops::Op;
use crate::plan::Plan;
use crate::containers::{lifecycle, teardown};

pub fn run(opts: &Options, cmd: &LifecycleCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open_target(opts, &cmd.engine).await else { return ExitCode::FAILURE };
        // As with the reference, only starting asks for services that exist; the other
        // actions find no container of a name that is no service and have nothing to do.
        let unknown = s.unknown_services(&cmd.services);
        if matches!(cmd.action, Lifecycle::Start { .. } | Lifecycle::Restart { .. }) && !unknown.is_empty() {
            return engine_session::fail(&unknown);
        }
        let plan = match plan(&s, cmd) {
            Ok(p) => p,
            Err(e) => return engine_session::fail(&[e]),
        };
        if plan.is_empty() {
            nothing_to_do(&cmd.action);
        } else if cmd.engine.dry_run {
            out!("{plan}");
            return ExitCode::SUCCESS;
        } else {
            if let Lifecycle::Rm { force, .. } = cmd.action {
                if !confirm_removal(&plan, force) {
                    return ExitCode::SUCCESS;
                }
            }
            if !s.execute(&plan).await {
                return s.failure();
            }
        }
        match cmd.action {
            Lifecycle::Start { wait: true, wait_timeout } if !cmd.engine.dry_run && !s.wait_healthy(&plan.replicas, wait_timeout).await => {
                s.failure()
            }
            _ => ExitCode::SUCCESS,
        }
    })
}

fn plan(s: &Session, cmd: &LifecycleCommand) -> Result<Plan<Op>, String> {
    let (d, o, services) = (&s.desired, &s.observed, &cmd.services[..]);
    Ok(match &cmd.action {
        Lifecycle::Start { .. } => lifecycle::start(d, o, services)?,
        Lifecycle::Stop { timeout } => teardown::stop(Some(d), o, services, *timeout, "stop"),
        Lifecycle::Restart { no_deps, timeout } => lifecycle::restart(d, o, services, *no_deps, *timeout),
        Lifecycle::Kill { signal } => lifecycle::kill(o, services, signal),
        Lifecycle::Rm { stop, volumes, .. } => lifecycle::remove(o, services, *stop, *volumes),
        Lifecycle::Pause => lifecycle::pause(o, services, true),
        Lifecycle::Unpause => lifecycle::pause(o, services, false),
    })
}

fn nothing_to_do(action: &Lifecycle) {
    match action {
        Lifecycle::Kill { .. } => eprintln!("No container to kill"),
        Lifecycle::Rm { .. } => eprintln!("No stopped containers"),
        _ => {}
    }
}

/// `rm` names what it removes and, without `-f`, asks; anything but `y` keeps them.
fn confirm_removal(plan: &Plan<Op>, force: bool) -> bool {
    let names: Vec<&str> = plan
        .actions
        .iter()
        .filter_map(|a| match &a.op {
            Op::RemoveContainer { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    outln!("Going to remove {}", names.join(", "));
    if force {
        return true;
    }
    out!("Are you sure? [yN] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes")
}

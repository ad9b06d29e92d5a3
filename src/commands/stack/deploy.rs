//! `stack deploy`: load, convert, observe once, plan, run the plan through the shared
//! scheduler; then, with `--wait`, follow the services until they converge; last, remove the
//! config and secret versions nothing uses any more. Ctrl-C stops each of these.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use super::super::engine_session::{fail, on_interrupt};
use crate::cancel::CancellationSignal;
use crate::commands::options::{Deploy, EngineOptions};
use crate::engine::swarm::{SwarmClient, SwarmEngine};
use crate::load::{self, Options};
use crate::plan::Plan;
use crate::progress::{self, Event, Mode, Progress, Status};
use crate::scheduler::{self, Limits};
use crate::swarm::convert::{self, Stack};
use crate::swarm::observe::Observed;
use crate::swarm::ops::{self, Context, Op};
use crate::swarm::reconcile;
use crate::swarm::wait::{self, Goal, Verdict};

/// How long a deploy waits for an earlier removal to finish.
const REMOVAL_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

pub async fn run(opts: &Options, cmd: &Deploy, engine_opts: &EngineOptions) -> ExitCode {
    let mut loaded = match load::load(opts) {
        Ok(l) => l,
        Err(f) => return super::super::report::print_failure(f),
    };
    super::super::report::print_warnings(&loaded.warnings);
    let stack = cmd.stack.clone().unwrap_or_else(|| loaded.project.name.clone());
    convert::for_stack(&mut loaded.project, &stack);
    let project = &loaded.project;
    let contents = match convert::read_contents(project, &|p| std::fs::read(p)) {
        Ok(c) => c,
        Err(errors) => return fail(&errors),
    };
    let Some(engine) = super::manager(opts).await else { return ExitCode::FAILURE };
    let stack = match convert::convert(project, &contents, convert::Options { api: engine.api_version() }) {
        Ok(s) => s,
        Err(errors) => return fail(&errors),
    };
    for w in &stack.warnings {
        eprintln!("WARN {w}");
    }
    deploy(&engine, &stack, cmd, engine_opts).await
}

async fn deploy(engine: &SwarmClient, stack: &Stack, cmd: &Deploy, engine_opts: &EngineOptions) -> ExitCode {
    let cancel = on_interrupt();
    match unless_cancelled(&cancel, removal_finished(engine, &stack.name)).await {
        Some(Ok(())) => {}
        Some(Err(e)) => return fail(&[e]),
        None => return interrupted("nothing deployed"),
    }
    let observed = match Observed::stack(engine, &stack.name).await {
        Ok(o) => o,
        Err(e) => return fail(&[e.to_string()]),
    };
    let plan = match reconcile::reconcile(stack, &observed, cmd.plan) {
        Ok(p) => p,
        Err(errors) => return fail(&errors),
    };
    if engine_opts.dry_run {
        out!("{plan}");
        return ExitCode::SUCCESS;
    }
    let quiet = cmd.quiet || engine_opts.progress == Mode::Quiet;
    let report = |name: &str, goal: Goal, v: &Verdict| {
        if !quiet {
            match (v, goal) {
                (Verdict::Done, Goal::Converged) => eprintln!("Service {name}: converged"),
                (Verdict::Done, Goal::Condition(c)) => eprintln!("Service {name}: {}", ops::condition_text(c)),
                (Verdict::Pending(p), _) => eprintln!("Service {name}: {p}"),
                (Verdict::Failed(why), _) => eprintln!("Service {name}: failed: {why}"),
            }
        }
    };
    let ctx = Context {
        engine,
        stack: stack.name.clone(),
        configs: Mutex::new(observed.configs.iter().map(|c| (c.name.clone(), c.id.clone())).collect()),
        secrets: Mutex::new(observed.secrets.iter().map(|c| (c.name.clone(), c.id.clone())).collect()),
        deadline: cmd.wait_timeout.map(|t| Instant::now() + t),
        report: &report,
    };
    let run = Run { limits: Limits::from_setting(engine_opts.parallel), quiet, progress: engine_opts.progress, cancel };
    if let Err(code) = perform(&plan.deploy, &ctx, &run).await {
        return code;
    }
    if cmd.wait {
        let names: Vec<String> = stack.services.values().map(|s| s.name.clone()).collect();
        let converged = wait::until(engine, &stack.name, &names, Goal::Converged, ctx.deadline, &report);
        match unless_cancelled(&run.cancel, converged).await {
            Some(Ok(())) => {}
            Some(Err(failures)) => return fail(&failures),
            None => return interrupted("deployed, not waited for until converged"),
        }
    }
    if let Err(code) = perform(&plan.cleanup, &ctx, &run).await {
        return code;
    }
    if plan.is_empty() && !quiet {
        eprintln!("Stack {} is up to date", stack.name);
    }
    ExitCode::SUCCESS
}

/// How the plans of one deploy run.
struct Run {
    limits: Limits,
    quiet: bool,
    /// `--progress`: `tty` and `json` as for `up`; otherwise `docker stack deploy`'s lines.
    progress: Mode,
    /// Ctrl-C or SIGTERM: nothing more starts, waits stop.
    cancel: CancellationSignal,
}

/// A `stack rm` returns before the removed services' tasks are gone, and their networks
/// are listed until then although the Swarm deleted them: a deploy right after waits for that
/// removal to finish (bounded), so that it creates those networks anew.
async fn removal_finished(engine: &SwarmClient, stack: &str) -> Result<(), String> {
    let started = Instant::now();
    let mut told = false;
    loop {
        let listed = futures_util::try_join!(engine.list_tasks(stack), engine.list_services(Some(stack)));
        let (tasks, services) = listed.map_err(|e| e.to_string())?;
        if !tasks.iter().any(|t| !services.iter().any(|s| s.id == t.service_id)) {
            return Ok(());
        }
        if started.elapsed() > REMOVAL_WAIT {
            return Err(format!(
                "stack {stack} is still being removed: try again once `stack ps {stack}` shows no task"
            ));
        }
        if !told {
            eprintln!("Waiting for the removal of stack {stack}'s earlier services to finish");
            told = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Runs a plan through the shared scheduler, printing each action as `docker stack deploy`
/// does. `Err`: the exit code once what failed is printed, or the run was interrupted.
async fn perform(plan: &Plan<Op>, ctx: &Context<'_, SwarmClient>, run: &Run) -> Result<(), ExitCode> {
    if plan.is_empty() {
        return Ok(());
    }
    let outcome = match run.progress {
        Mode::Tty | Mode::Json => {
            let progress = progress::for_mode(run.progress);
            let outcome = scheduler::run(plan, ctx, run.limits, progress.as_ref(), run.cancel.clone()).await;
            progress.finish();
            outcome
        }
        _ => scheduler::run(plan, ctx, run.limits, &Lines { quiet: run.quiet }, run.cancel.clone()).await,
    };
    for w in &outcome.warnings {
        eprintln!("WARN {w}");
    }
    let mut failures: Vec<_> = outcome.failures.iter().chain(&outcome.lost).collect();
    failures.sort_by_key(|f| f.action);
    let errors: Vec<String> = failures.into_iter().map(|f| f.error.clone()).collect();
    if outcome.cancelled {
        fail(&errors);
        return Err(interrupted(&format!("{} action(s) not done", outcome.unfinished.len())));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(fail(&errors))
    }
}

/// `docker stack deploy`'s lines: one on stdout as each action starts (`Creating service
/// app_web`). Waits report their own progress; errors are printed once the run is over.
struct Lines {
    quiet: bool,
}

impl Progress for Lines {
    fn event(&self, event: &Event) {
        if event.status == Status::Working && !self.quiet {
            outln!("{} {}", event.text, event.resource);
        }
    }
}

/// `work`, unless Ctrl-C comes first.
async fn unless_cancelled<T>(cancel: &CancellationSignal, work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        done = work => Some(done),
        () = cancel.cancelled() => None,
    }
}

/// The exit status of an interrupted deploy, 130 as for any command Ctrl-C stops.
fn interrupted(what: &str) -> ExitCode {
    eprintln!("interrupted: {what}; run the command again to converge");
    ExitCode::from(130)
}

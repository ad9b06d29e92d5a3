//! `stack deploy`: load, convert, observe once, plan, perform; then, with `--wait`, follow
//! the services until they converge; last, remove the config and secret versions nothing
//! uses any more.

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use super::super::engine_session::fail;
use crate::commands::options::{Deploy, EngineOptions};
use crate::engine::swarm::{SwarmClient, SwarmEngine};
use crate::load::{self, Options};
use crate::progress::Mode;
use crate::swarm::convert::{self, Stack};
use crate::swarm::observe::Observed;
use crate::swarm::ops::{self, Context};
use crate::swarm::reconcile::{self, Step};
use crate::swarm::runner::{self, Outcome};
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
    if let Err(e) = removal_finished(engine, &stack.name).await {
        return fail(&[e]);
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
    if !perform(&plan.steps, &ctx, quiet).await {
        return ExitCode::FAILURE;
    }
    if cmd.wait {
        let names: Vec<String> = stack.services.values().map(|s| s.name.clone()).collect();
        if let Err(failures) = wait::until(engine, &stack.name, &names, Goal::Converged, ctx.deadline, &report).await {
            return fail(&failures);
        }
    }
    if !perform(&plan.cleanup, &ctx, quiet).await {
        return ExitCode::FAILURE;
    }
    if plan.is_empty() && !quiet {
        eprintln!("Stack {} is up to date", stack.name);
    }
    ExitCode::SUCCESS
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

/// Runs steps, printing each as `docker stack deploy` does; false (errors printed) when any
/// failed.
async fn perform(steps: &[Step], ctx: &Context<'_, SwarmClient>, quiet: bool) -> bool {
    let start = |s: &Step| {
        if let Some(line) = s.op.progress().filter(|_| !quiet) {
            outln!("{line}");
        }
    };
    let outcomes = runner::run(steps, &start, |s| ops::perform(&s.op, ctx)).await;
    let errors: Vec<String> = outcomes
        .into_iter()
        .filter_map(|o| match o {
            Outcome::Failed(e) => Some(e),
            _ => None,
        })
        .collect();
    if errors.is_empty() {
        true
    } else {
        fail(&errors);
        false
    }
}

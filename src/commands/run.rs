//! `dockhand run`: the service's dependencies brought up as `up` would, then a one-off
//! container of the service running the command, attached; its exit code is ours. With
//! `--rm` the one-off is removed however the command ends.

use std::process::ExitCode;

use super::report::exit_code;
use super::engine_session::{self, Session};
use super::exec::passthrough;
use super::options::RunCommand;
use crate::containers::names;
use crate::engine::streams::require;
use crate::engine::{Capability, ContainerIo, Engine, Resized};
use crate::cancel::CancellationSignal;
use crate::load::Options;
use crate::model::Project;
use crate::containers::desired::Files;
use crate::containers::perform::create_body;
use crate::containers::oneoff::one_off;
use crate::containers::ops::{NewContainer, Op};
use crate::containers::conflict::ContainerClaim;
use crate::plan::{Reason, ResourceId};
use crate::plan::Plan;
use crate::containers::reconcile;
use crate::containers::wait;
use crate::{progress, terminal};

pub fn run(opts: &Options, cmd: &RunCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open(opts, &cmd.engine, &Default::default()).await else {
            return ExitCode::FAILURE;
        };
        let files = match one_off_files(&s, &cmd.service) {
            Ok(files) => files,
            Err(errors) => return engine_session::fail(&errors),
        };
        if cmd.engine.dry_run {
            return dry_run(&s, cmd, files);
        }
        let attachable = if cmd.detach { Ok(()) } else { require(s.engine.as_ref(), Capability::Attach) };
        if let Err(e) = attachable {
            return engine_session::fail(&[e.to_string()]);
        }
        if !prepare(&mut s, cmd).await {
            return s.failure();
        }
        let Some((project, one_off)) = spec(&s, cmd, files) else {
            return engine_session::fail(&[format!("no such service: {}", cmd.service)]);
        };
        let created = match create_body(s.engine.as_ref(), &project, &one_off).await {
            Ok(create) => s.engine.create_container(&create).await,
            Err(e) => Err(e),
        };
        let id = match created {
            Ok(id) => id,
            Err(e) => return engine_session::fail(&[e.to_string()]),
        };
        if cmd.detach {
            return match s.engine.start_container(&id).await {
                Ok(()) => {
                    outln!("{id}");
                    ExitCode::SUCCESS
                }
                Err(e) => engine_session::fail(&[e.to_string()]),
            };
        }
        let code = attached(s.engine.as_ref(), &id, one_off.stdin_once, &s.interrupted()).await;
        if cmd.rm {
            if let Err(e) = s.engine.remove_container(&id, true).await {
                eprintln!("error: removing {}: {e}", one_off.name);
            }
        }
        code
    })
}

/// What `run` would do, printed as a plan: the images, the dependencies brought up, then the
/// one-off created and started. Nothing is created.
fn dry_run(s: &Session, cmd: &RunCommand, files: Files) -> ExitCode {
    let images = reconcile::images(&s.desired, &s.observed, &cmd.plan);
    let deps = reconcile::containers(&s.desired, &s.observed, &dependencies(s, cmd));
    let (images, deps) = match (images, deps) {
        (Ok(i), Ok(d)) => (i, d),
        (Err(errors), _) | (_, Err(errors)) => return engine_session::fail(&errors),
    };
    let Some((_, one_off)) = spec(s, cmd, files) else {
        return engine_session::fail(&[format!("no such service: {}", cmd.service)]);
    };
    let mut plan = super::converge::joined(images, deps);
    let last: Vec<usize> = (0..plan.actions.len()).filter(|i| plan.actions.iter().all(|a| !a.after.contains(i))).collect();
    let id = || ResourceId::OneOff(cmd.service.clone());
    let create = plan.push(id(), Op::CreateContainer(one_off.clone()), Reason::command("one-off container (run)"), last);
    // Its files are written at the create.
    let start = NewContainer { files: Files::from([]), ..one_off };
    let how = if cmd.detach { "one-off container, detached (run -d)" } else { "one-off container, attached (run)" };
    plan.push(id(), Op::StartContainer(start), Reason::command(how), vec![create]);
    out!("{plan}");
    ExitCode::SUCCESS
}

/// Images of the service and its dependencies, then the dependencies (unless `--no-deps`)
/// up and meeting the conditions the service declares on them.
async fn prepare(s: &mut Session, cmd: &RunCommand) -> bool {
    let images = match reconcile::images(&s.desired, &s.observed, &cmd.plan) {
        Ok(p) => p,
        Err(errors) => {
            engine_session::fail(&errors);
            return false;
        }
    };
    if !s.execute(&images).await || (!images.is_empty() && !s.refresh_images().await) {
        return false;
    }
    let plan = match reconcile::containers(&s.desired, &s.observed, &dependencies(s, cmd)) {
        Ok(p) => p,
        Err(errors) => {
            engine_session::fail(&errors);
            return false;
        }
    };
    if !s.execute(&plan).await {
        return false;
    }
    cmd.no_deps || await_dependencies(s, &cmd.service, &plan).await
}

/// The planner's options for the dependencies: every service loaded with the one to run
/// but itself, none with `--no-deps`.
fn dependencies(s: &Session, cmd: &RunCommand) -> reconcile::UpOptions {
    let deps = s.desired.services.iter().map(|d| &d.name).filter(|name| **name != cmd.service && !cmd.no_deps);
    reconcile::UpOptions { only: Some(deps.cloned().collect()), ..reconcile::UpOptions::default() }
}

/// `plan`, the dependencies' plan, names the containers they have now.
async fn await_dependencies(s: &Session, service: &str, plan: &Plan<crate::containers::ops::Op>) -> bool {
    let Some(d) = s.desired.service(service) else { return true };
    let progress = progress::for_mode(crate::progress::Mode::Quiet);
    for dep in &d.depends_on {
        let containers = plan.replicas.get(&dep.service).map(|r| r.containers.as_slice()).unwrap_or_default();
        let targets = wait::targets(&dep.service, containers);
        let waited = wait::await_dependency(
            s.engine.as_ref(),
            &dep.service,
            dep.condition,
            dep.required,
            &targets,
            progress.as_ref(),
            &s.interrupted(),
        )
        .await;
        match waited {
            Ok(Some(warning)) => eprintln!("WARN {warning}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return false;
            }
        }
    }
    true
}

/// The one-off's secrets and configs, checked before anything runs, as `up` checks them.
fn one_off_files(s: &Session, service: &str) -> Result<Files, Vec<String>> {
    let d = s.desired.service(service).ok_or_else(|| vec![format!("no such service: {service}")])?;
    d.file_warnings.iter().for_each(|w| eprintln!("WARN {w}"));
    d.files.clone()
}

/// The one-off's container, and the project with the command line's overrides applied to
/// its service, which its create is made from.
fn spec(s: &Session, cmd: &RunCommand, files: Files) -> Option<(Project, NewContainer)> {
    let desired = s.desired.service(&cmd.service)?;
    let base = s.project.services.get(&cmd.service)?;
    let one = one_off(&s.project.name, names::separator(s.project.compatibility), base, desired, &cmd.overrides, &slug());
    let mut project = (*s.project).clone();
    project.services.insert(cmd.service.clone(), one.service);
    let claim = ContainerClaim {
        project: s.project.name.clone(),
        service: cmd.service.clone(),
        number: 1,
        name: one.name.clone(),
        image_id: None,
    };
    let container = NewContainer {
        service: cmd.service.clone(),
        number: 1,
        name: one.name,
        labels: one.labels,
        anonymous_volumes: Default::default(),
        files,
        shared: None,
        claim,
        service_aliases: cmd.use_aliases,
        stdin_once: cmd.overrides.interactive,
    };
    Some((project, container))
}

/// Attached before the start so no output is lost; Ctrl-C stops the one-off.
async fn attached<E: Engine + ContainerIo>(engine: &E, id: &str, interactive: bool, interrupted: &CancellationSignal) -> ExitCode {
    let tty = engine.container_tty(id).await;
    let raw = tty.then(terminal::RawMode::enter).flatten();
    let stdin = interactive.then(terminal::stdin);
    let session = match engine.attach(id, stdin, passthrough()).await {
        Ok(f) => f,
        Err(e) => return engine_session::fail(&[e.to_string()]),
    };
    if let Err(e) = engine.start_container(id).await {
        return engine_session::fail(&[e.to_string()]);
    }
    let resizes = tty.then(|| engine.follow_resizes(Resized::Container(id.to_string()), terminal::size));
    let code = tokio::select! {
        _ = session => engine.wait_exit(id).await,
        () = interrupted.cancelled() => {
            if let Some(r) = &resizes {
                r.abort();
            }
            let _ = engine.stop_container(id, None).await;
            drop(raw);
            return ExitCode::from(130);
        }
    };
    drop(raw);
    if let Some(r) = resizes {
        r.abort();
    }
    match code {
        Ok(c) => exit_code(c),
        Err(e) => engine_session::fail(&[e.to_string()]),
    }
}

/// 64 random hex digits, as the reference's slug label.
fn slug() -> String {
    use sha2::{Digest, Sha256};
    let mut seed = [0u8; 32];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed));
    let mut h = Sha256::new();
    h.update(seed);
    if random.is_err() {
        h.update(crate::follow::now_nanos().to_le_bytes());
        h.update(std::process::id().to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

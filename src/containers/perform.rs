//! Performing the container backend's operations through the engine. Each operation is done
//! as the plan states it; the shared scheduler (`crate::scheduler`) decides when.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ops::Op;
use crate::cancel::CancellationSignal;
use crate::engine::retry::BACKOFF;
use crate::engine::{BuildSpec, ContainerSpec, Engine, EngineError, Kind, ResourceSpec};
use crate::labels;
use crate::model::Project;
use crate::observe::{Observed, ObservedContainer, ObservedNetwork};
use crate::plan::conflict::{self, Resolution};
use crate::plan::desired::{Desired, Files, APPLIED_LABEL};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::scheduler::{self, Limits, OpError, Outcome, Perform, Performed};
use crate::wait;

/// What the operations need besides the plan: the project and the state the plan was made from.
#[derive(Debug, Clone)]
pub struct Context {
    pub project: Arc<Project>,
    pub desired: Desired,
    pub observed: Observed,
    /// `-t`: grace period for containers this run stops; else each service's own.
    pub timeout: Option<i64>,
    /// `-V`: recreated containers get fresh anonymous volumes.
    pub renew_anon_volumes: bool,
    /// `--no-cache` and `--pull` for builds.
    pub no_cache: bool,
    pub pull: bool,
}

/// Performs container operations on one engine.
pub struct Performer<E> {
    engine: Arc<E>,
    ctx: Context,
}

impl<E: Engine> Perform<Op> for Performer<E> {
    async fn perform(&self, op: &Op, progress: &dyn Progress, cancel: &CancellationSignal) -> Result<Performed, OpError> {
        let engine = &*self.engine;
        if let Op::AwaitService { service, condition, required, containers } = op {
            let targets = wait::targets(service, containers);
            let warning =
                wait::await_dependency(engine, service, *condition, *required, &targets, progress, cancel).await?;
            return Ok(Performed { note: None, warnings: warning.into_iter().collect() });
        }
        let note = perform(engine, &self.ctx, op).await?;
        Ok(Performed { note, warnings: Vec::new() })
    }
}

/// Runs a container plan on `engine` (see `crate::scheduler`).
pub async fn execute<E: Engine>(
    engine: Arc<E>,
    plan: &Plan<Op>,
    ctx: &Context,
    limits: Limits,
    progress: &dyn Progress,
    cancel: CancellationSignal,
) -> Outcome {
    let performer = Performer { engine, ctx: ctx.clone() };
    scheduler::run(plan, &performer, limits, progress, cancel).await
}

impl From<wait::WaitError> for OpError {
    fn from(e: wait::WaitError) -> Self {
        match e {
            wait::WaitError::Failed { message, detail } => OpError::Failed { message, detail },
            wait::WaitError::Cancelled => OpError::Cancelled,
        }
    }
}

/// The engine calls of one action. Removing or stopping what is already gone succeeds: the
/// action's goal holds. A network still in use (by one-off containers `down` keeps) stays, as
/// with the reference: done, with that said instead of "Removed".
async fn perform<E: Engine>(engine: &E, ctx: &Context, op: &Op) -> Result<Option<&'static str>, OpError> {
    match op {
        Op::CreateNetwork { key, name } => return create_network(engine, ctx, key, name).await,
        Op::CreateVolume { key, name } => engine.create_volume(&resource_spec(ctx, key, name)).await?,
        Op::PullImage { service, image } => {
            let platform = ctx
                .project
                .services
                .get(service)
                .and_then(|s| s.platform.as_deref());
            engine.pull_image(image, platform).await?
        }
        Op::BuildImage { service, image, labels } => {
            let spec = BuildSpec {
                project: ctx.project.clone(),
                service: service.clone(),
                image: image.clone(),
                labels: labels.clone(),
                no_cache: ctx.no_cache,
                pull: ctx.pull,
            };
            engine.build_image(&spec).await?
        }
        Op::CreateContainer {
            service,
            number,
            name,
            files,
        } => {
            let mut spec = container_spec(ctx, service, *number, name, BTreeMap::new(), files)?;
            resolve_shared_hash(engine, ctx, &mut spec).await?;
            create_container(engine, ctx, &spec).await?
        }
        Op::RecreateContainer {
            service,
            number,
            name,
            old_id,
            files,
        } => recreate(engine, ctx, service, *number, name, old_id, files).await?,
        Op::PushImage { image } => engine.push_image(image).await?,
        Op::StartContainer { service, number, name, files } => start(engine, ctx, service, *number, name, files).await?,
        Op::RestartContainer { service, name } => {
            gone_ok(engine.stop_container(name, stop_timeout(ctx, service)).await)?;
            engine.start_container(name).await?
        }
        Op::StopContainer { name, timeout } => gone_ok(engine.stop_container(name, *timeout).await)?,
        Op::KillContainer { name, signal } => engine.kill_container(name, signal).await?,
        Op::PauseContainer { name } => engine.pause_container(name).await?,
        Op::UnpauseContainer { name } => engine.unpause_container(name).await?,
        Op::RemoveContainer { id, volumes, .. } => gone_ok(engine.remove_container(id, *volumes).await)?,
        Op::RemoveNetwork { name } => match gone_ok(engine.remove_network(name).await) {
            Err(e) if e.kind == Kind::Conflict => return Ok(Some("Resource is still in use")),
            other => other?,
        },
        Op::DisconnectNetwork { container, network } => gone_ok(engine.disconnect_network(network, container).await)?,
        Op::ConnectNetwork { service, number, name, network } => {
            let spec = container_spec(ctx, service, *number, name, BTreeMap::new(), &Files::default())?;
            engine.connect_network(&spec, network).await?
        }
        // As the reference: what something else still uses stays, and that is said.
        Op::RemoveVolume { name } => return in_use_ok(engine.remove_volume(name).await),
        Op::RemoveImage { image } => return in_use_ok(engine.remove_image(image).await),
        Op::AwaitService { .. } => {
            return Err(OpError::failed("a dependency gate is not an engine action"))
        }
    }
    Ok(None)
}

fn in_use_ok(r: Result<(), EngineError>) -> Result<Option<&'static str>, OpError> {
    match gone_ok(r) {
        Err(e) if e.kind == Kind::Conflict => Ok(Some("Resource is still in use")),
        other => Ok(other.map(|()| None)?),
    }
}

fn gone_ok(r: Result<(), EngineError>) -> Result<(), EngineError> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

fn resource_spec(ctx: &Context, key: &str, name: &str) -> ResourceSpec {
    ResourceSpec {
        project: ctx.project.clone(),
        key: key.to_string(),
        name: name.to_string(),
        labels: BTreeMap::new(),
    }
}

fn stop_timeout(ctx: &Context, service: &str) -> Option<i64> {
    ctx.timeout
        .or_else(|| ctx.desired.service(service).and_then(|s| s.stop_timeout))
}

/// The container of replica `number`: the service's labels, its number, the applied
/// configuration that explains a later recreate, and the files written into it.
fn container_spec(
    ctx: &Context,
    service: &str,
    number: u32,
    name: &str,
    anonymous_volumes: BTreeMap<String, String>,
    files: &Files,
) -> Result<ContainerSpec, OpError> {
    let s = ctx
        .desired
        .service(service)
        .ok_or_else(|| OpError::failed(format!("service {service:?} is not part of the project")))?;
    let mut labels = s.labels.clone();
    labels.insert(labels::CONTAINER_NUMBER.to_string(), number.to_string());
    labels.insert(APPLIED_LABEL.to_string(), s.applied.clone());
    Ok(ContainerSpec {
        project: ctx.project.clone(),
        service: service.to_string(),
        number,
        name: name.to_string(),
        labels,
        anonymous_volumes,
        service_aliases: true,
        stdin_once: false,
        shared_ids: BTreeMap::new(),
        files: files.clone(),
    })
}

/// The config hash of a service sharing other services' containers names those containers'
/// ids, known only once they exist: by now they do, as the plan made it wait for them.
async fn resolve_shared_hash<E: Engine>(engine: &E, ctx: &Context, spec: &mut ContainerSpec) -> Result<(), OpError> {
    let Some(s) = ctx.desired.service(&spec.service).filter(|s| s.shares.is_some()) else {
        return Ok(());
    };
    let mut ids = BTreeMap::new();
    for d in s.shares.iter().flat_map(|sh| &sh.services) {
        let Some(name) = ctx.desired.shared_container(d) else { continue };
        if let Some(id) = engine.container_id(&name).await? {
            ids.insert(d.clone(), id);
        }
    }
    spec.labels.insert(labels::CONFIG_HASH.to_string(), s.hash_with(&ids));
    spec.shared_ids = ids;
    Ok(())
}

/// Replaces container `old_id` by a new one named `name`, in this order:
///
/// 1. stop the old container;
/// 2. rename it aside to `<first 12 of its id>_<name>`;
/// 3. create the new one under `name`, with the old one's anonymous volumes;
/// 4. remove the old one (its volumes stay: the new container uses them).
///
/// Every step leaves a state the next `up` converges from:
/// - after 1, the old container is stopped under its name and outdated: recreated again;
/// - after 2, it still carries its service and number labels, so the planner sees it as that
///   replica and recreates it (the aside name alone is a reason); its name already being the
///   aside name, step 2 is skipped;
/// - after 3, two containers carry the number: the planner keeps the one holding the name
///   (the new one: started, or recreated if outdated) and removes the other as surplus.
///   Should a plan still pick the old one, step 3 finds the new one in the observed state
///   and keeps it when its configuration is the wanted one (replaces it otherwise).
/// - after 4, the new container exists and is only started by the next run.
///
/// Removing the old container before creating the new one would lose its anonymous volumes on
/// interruption; creating the new one first would need the name the old one holds.
async fn recreate<E: Engine>(
    engine: &E,
    ctx: &Context,
    service: &str,
    number: u32,
    name: &str,
    old_id: &str,
    files: &Files,
) -> Result<(), OpError> {
    let old = ctx.observed.containers.iter().find(|c| c.id == old_id);
    let aside = format!("{}_{name}", old_id.chars().take(12).collect::<String>());
    let old_exists = match engine.stop_container(old_id, stop_timeout(ctx, service)).await {
        Ok(()) => true,
        Err(e) if e.is_not_found() => false,
        Err(e) => return Err(e.into()),
    };
    if old_exists && old.is_none_or(|c| c.name != aside) {
        engine.rename_container(old_id, &aside).await?;
    }
    let volumes = match old {
        Some(c) if !ctx.renew_anon_volumes => c.anonymous_volumes.clone(),
        _ => BTreeMap::new(),
    };
    let mut spec = container_spec(ctx, service, number, name, volumes, files)?;
    resolve_shared_hash(engine, ctx, &mut spec).await?;
    // The reference marks a replacement with the replica it replaces: `web-1`, or the
    // container name when one is set.
    let replaced = ctx
        .desired
        .service(service)
        .and_then(|s| s.container_name.clone());
    spec.labels.insert(
        labels::REPLACE.to_string(),
        replaced.unwrap_or_else(|| format!("{service}-{number}")),
    );
    match leftover(ctx, &spec, old_id) {
        Some(c)
            if c.label(labels::CONFIG_HASH) == spec.labels.get(labels::CONFIG_HASH).map(String::as_str) => {}
        Some(c) => {
            gone_ok(engine.remove_container(&c.id, false).await)?;
            create_container(engine, ctx, &spec).await?;
        }
        None => create_container(engine, ctx, &spec).await?,
    }
    if old_exists {
        gone_ok(engine.remove_container(old_id, false).await)?;
    }
    Ok(())
}

/// Creates attempted for one name before giving up, with the engine's race backoff between
/// them (8.5 s in all): each failed one found the name held by something still being made
/// or undone.
const NAME_ROUNDS: u32 = BACKOFF.attempts;

/// Creates the container. When the engine says its name is taken (the create an interrupted
/// run sent, finished after this run observed), what holds the name is observed and the
/// planner decides (`plan::conflict`): adopted, replaced, or left alone with an error.
async fn create_container<E: Engine>(engine: &E, ctx: &Context, spec: &ContainerSpec) -> Result<(), OpError> {
    let hash = spec.labels.get(labels::CONFIG_HASH).map_or("", String::as_str);
    let image_id = ctx.desired.service(&spec.service).and_then(|s| ctx.observed.images.get(&s.image));
    let wanted = conflict::WantedContainer {
        project: &ctx.project.name,
        service: &spec.service,
        number: spec.number,
        name: &spec.name,
        hash,
        image_id: image_id.map(String::as_str),
    };
    let mut taken = None;
    for round in 1..=NAME_ROUNDS {
        match engine.create_container(spec).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind == Kind::NameInUse => taken = Some(e),
            Err(e) if e.kind == Kind::AmbiguousNetwork => {
                remove_duplicates(engine, ctx, &e).await?;
                taken = Some(e);
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let found = engine.find_container(&spec.name).await?;
        match conflict::container(&wanted, found.as_ref()) {
            Resolution::Adopt { id, .. } => {
                // Killed between its create and its files, the other run left none.
                if !spec.files.is_empty() && found.is_some_and(|c| !c.state.is_running()) {
                    engine.write_files(&id, &spec.files).await?;
                }
                return Ok(());
            }
            Resolution::Replace { id, .. } => gone_ok(engine.remove_container(&id, false).await)?,
            // Held but not listed: the engine is still making it, or undoing it.
            Resolution::Retry => settle(round).await,
            Resolution::Foreign(message) => return Err(OpError::failed(message)),
        }
    }
    Err(taken.map_or_else(|| OpError::failed("the name stays taken"), OpError::from))
}

/// A pause before looking at a name again, growing as the engine's races do (`engine::retry`).
async fn settle(round: u32) {
    tokio::time::sleep(BACKOFF.pause(round).unwrap_or(BACKOFF.cap)).await;
}

/// A network of the project made twice (an interrupted run's create, finished after this
/// run made its own): the extra ones the planner names go.
async fn remove_duplicates<E: Engine>(engine: &E, ctx: &Context, e: &EngineError) -> Result<(), OpError> {
    let name = e.ambiguous_network().unwrap_or_default();
    let networks = engine.list_networks().await?;
    let found: Vec<&ObservedNetwork> = networks.iter().filter(|n| n.name == name).collect();
    let extra = conflict::duplicate_networks(&ctx.project.name, &found);
    if found.len() < 2 {
        // The engine resolves names before it lists a network it is still making.
        settle(1).await;
    }
    for id in extra {
        gone_ok(engine.remove_network(&id).await)?;
    }
    Ok(())
}

/// Starts the container, its files written first. One observed while an interrupted run's
/// create was still under way may be gone since (the engine undoes a create whose caller
/// died, also after listing it): it is then made as a missing one would have been, the name
/// decided on as for any create, and started. One whose start an engine that died left
/// half done (its runtime still holds the task) is removed and made the same way.
async fn start<E: Engine>(engine: &E, ctx: &Context, service: &str, number: u32, name: &str, files: &Files) -> Result<(), OpError> {
    let written = if files.is_empty() { Ok(()) } else { engine.write_files(name, files).await };
    let mut gone = match written {
        Ok(()) => match start_resolving(engine, ctx, name).await {
            Err(e) if e.is_not_found() => e,
            Err(e) if e.is_stale_task() => {
                gone_ok(engine.remove_container(name, false).await)?;
                e
            }
            other => return Ok(other?),
        },
        Err(e) if e.is_not_found() => e,
        Err(e) => return Err(e.into()),
    };
    for _ in 0..2 {
        let Ok(mut spec) = container_spec(ctx, service, number, name, BTreeMap::new(), files) else { break };
        resolve_shared_hash(engine, ctx, &mut spec).await?;
        create_container(engine, ctx, &spec).await?;
        match start_resolving(engine, ctx, name).await {
            Err(e) if e.is_not_found() => gone = e,
            other => return Ok(other?),
        }
    }
    Err(gone.into())
}

/// Starts the container; its networks are found by name at start, so a network made twice
/// meanwhile (see `remove_duplicates`) shows here too.
async fn start_resolving<E: Engine>(engine: &E, ctx: &Context, name: &str) -> Result<(), EngineError> {
    let mut rounds = 1;
    loop {
        match engine.start_container(name).await {
            Err(e) if e.kind == Kind::AmbiguousNetwork && rounds < NAME_ROUNDS => {
                remove_duplicates(engine, ctx, &e).await.map_err(|_| e)?;
                rounds += 1;
            }
            other => return other,
        }
    }
}

/// Creates the network; a name taken meanwhile is decided on as for containers.
async fn create_network<E: Engine>(engine: &E, ctx: &Context, key: &str, name: &str) -> Result<Option<&'static str>, OpError> {
    let hash = ctx.desired.networks.iter().find(|n| n.key == key).map_or("", |n| n.hash.as_str());
    let spec = resource_spec(ctx, key, name);
    let mut taken = None;
    for round in 1..=NAME_ROUNDS {
        match engine.create_network(&spec).await {
            Ok(()) => return Ok(None),
            Err(e) if e.kind == Kind::NameInUse => taken = Some(e),
            Err(e) => return Err(e.into()),
        }
        let found: Vec<ObservedNetwork> = engine.list_networks().await?.into_iter().filter(|n| n.name == name).collect();
        match conflict::network(&ctx.project.name, name, hash, &found) {
            Resolution::Adopt { warning: None, .. } => return Ok(None),
            Resolution::Adopt { warning: Some(_), .. } => return Ok(Some("Exists, not ours: used as it is")),
            Resolution::Replace { id, .. } => gone_ok(engine.remove_network(&id).await)?,
            Resolution::Retry => settle(round).await,
            Resolution::Foreign(message) => return Err(OpError::failed(message)),
        }
    }
    Err(taken.map_or_else(|| OpError::failed("the name stays taken"), OpError::from))
}

/// A container of the same replica already holding the new name: what an interrupted
/// recreate leaves behind.
fn leftover<'a>(ctx: &'a Context, spec: &ContainerSpec, old_id: &str) -> Option<&'a ObservedContainer> {
    ctx.observed.containers.iter().find(|c| {
        c.id != old_id && c.name == spec.name && c.service == spec.service && c.number == spec.number
    })
}

#[cfg(test)]
mod tests;

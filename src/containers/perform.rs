//! Performing the container backend's operations through the engine. Each operation is done
//! as the plan states it; the shared scheduler (`crate::scheduler`) decides when.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::convert::{self, ResourceSpec};
use super::ops::{NewContainer, Op, Replaced};
use crate::cancel::CancellationSignal;
use crate::engine::retry::BACKOFF;
use crate::engine::{BuildSpec, ContainerCreate, Engine, EngineError, Kind};
use super::names;
use crate::model::Project;
use crate::containers::observe::ObservedNetwork;
use crate::containers::conflict::{ContainerClaim, NetworkClaim, Resolution};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::scheduler::{self, Limits, OpError, Outcome, Perform, Performed};
use crate::containers::wait;

/// What the operations need besides themselves: the project, which `convert` turns into
/// API bodies, and the build flags of the command.
#[derive(Debug, Clone)]
pub struct Context {
    pub project: Arc<Project>,
    /// `--no-cache` and `--pull` for builds.
    pub no_cache: bool,
    pub pull: bool,
}

/// Performs container operations on one engine.
struct Performer<E> {
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
        if let Op::AwaitReady { service, container, monitor, timeout, failure } = op {
            let target = wait::Target { service: service.clone(), container: container.clone(), completes: false };
            wait::await_ready(engine, &target, *monitor, *timeout, failure, progress, cancel).await?;
            return Ok(Performed::default());
        }
        if let Op::Delay { duration, .. } = op {
            tokio::select! {
                () = tokio::time::sleep(*duration) => return Ok(Performed::default()),
                () = cancel.cancelled() => return Err(OpError::Cancelled),
            }
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
        Op::CreateNetwork { key, name, claim } => return create_network(engine, ctx, key, name, claim).await,
        Op::CreateVolume { key, name } => engine.create_volume(&convert::volume(&resource_spec(ctx, key, name))).await?,
        Op::PullImage { image, platform } => engine.pull_image(image, platform.as_deref()).await?,
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
        Op::CreateContainer(new) => {
            let create = create_body(engine, &ctx.project, new).await?;
            create_container(engine, &new.claim, &create).await?
        }
        Op::RecreateContainer { new, old } => recreate(engine, ctx, new, old).await?,
        Op::PushImage { image } => engine.push_image(image).await?,
        Op::StartContainer(new) => start(engine, ctx, new).await?,
        Op::RestartContainer { name, timeout } => {
            gone_ok(engine.stop_container(name, *timeout).await)?;
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
        Op::ConnectNetwork { container, network } => {
            let endpoint = convert::endpoint(&ctx.project, container, network);
            engine.connect_network(&container.name, network, &endpoint).await?
        }
        // As the reference: what something else still uses stays, and that is said.
        Op::RemoveVolume { name } => return in_use_ok(engine.remove_volume(name).await),
        Op::RemoveImage { image } => return in_use_ok(engine.remove_image(image).await),
        Op::JoinAliases { container, networks } => {
            for network in networks {
                // Made beside, it is on the network without the aliases; brought back by a
                // rollback, it is on none. The connect says what else goes wrong.
                match engine.disconnect_network(network, &container.name).await {
                    Err(e) if !e.is_not_found() && !e.message.contains("is not connected") => return Err(e.into()),
                    _ => {}
                }
                let endpoint = convert::endpoint(&ctx.project, container, network);
                engine.connect_network(&container.name, network, &endpoint).await?;
            }
        }
        Op::LeaveAliases { container, networks } => {
            for network in networks {
                gone_ok(engine.disconnect_network(network, container).await)?;
            }
        }
        Op::DiscardContainer { new, keep } => discard(engine, new, keep).await?,
        Op::RestoreContainer { id, name } => restore(engine, id, name).await?,
        Op::AwaitService { .. } | Op::AwaitReady { .. } | Op::Delay { .. } => {
            return Err(OpError::failed("a gate is not an engine action"))
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

/// The create body of `new`, with what exists only at run time: the ids of the containers it
/// shares (the plan made it wait for them) and the id of the image it runs.
pub async fn create_body<E: Engine>(engine: &E, project: &Project, new: &NewContainer) -> Result<ContainerCreate, EngineError> {
    let mut shared_ids = BTreeMap::new();
    for (service, name) in new.shared.iter().flat_map(|s| &s.containers) {
        if let Some(id) = engine.container_id(name).await? {
            shared_ids.insert(service.clone(), id);
        }
    }
    let image_id = engine.image_id(&convert::image(project, new)).await?;
    Ok(convert::container(project, new, &shared_ids, image_id.as_deref()))
}

/// Replaces container `old` by `new`, in this order:
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
///   Should a plan still pick the old one, it names the new one as the leftover, kept when
///   its configuration is the wanted one (replaced otherwise).
/// - after 4, the new container exists and is only started by the next run.
///
/// Removing the old container before creating the new one would lose its anonymous volumes on
/// interruption; creating the new one first would need the name the old one holds.
async fn recreate<E: Engine>(engine: &E, ctx: &Context, new: &NewContainer, old: &Replaced) -> Result<(), OpError> {
    let old_exists = match engine.stop_container(&old.id, old.stop_timeout).await {
        Ok(()) => true,
        Err(e) if e.is_not_found() => false,
        Err(e) => return Err(e.into()),
    };
    if old_exists && !old.renamed {
        engine.rename_container(&old.id, &old.aside).await?;
    }
    let create = create_body(engine, &ctx.project, new).await?;
    match &old.leftover {
        Some(l) if l.kept(hash(&create)) => {}
        Some(l) => {
            gone_ok(engine.remove_container(&l.id, false).await)?;
            create_container(engine, &new.claim, &create).await?;
        }
        None => create_container(engine, &new.claim, &create).await?,
    }
    if old_exists && !old.keep {
        gone_ok(engine.remove_container(&old.id, false).await)?;
    }
    Ok(())
}

/// Removes a failed replacement: the container holding its name, when it is that replica's
/// and not `keep`, the one it was to replace (which still holds the name when the recreate
/// failed before setting it aside).
async fn discard<E: Engine>(engine: &E, new: &NewContainer, keep: &str) -> Result<(), OpError> {
    let Some(found) = engine.find_container(&new.name).await? else { return Ok(()) };
    let claim = &new.claim;
    let ours = found.label(crate::labels::PROJECT) == Some(claim.project.as_str())
        && found.service == claim.service
        && found.number == claim.number
        && !found.oneoff;
    if ours && found.id != keep {
        gone_ok(engine.remove_container(&found.id, false).await)?;
    }
    Ok(())
}

/// Names a container set aside back and starts it: the replica as it was before.
async fn restore<E: Engine>(engine: &E, id: &str, name: &str) -> Result<(), OpError> {
    let holder = engine.container_id(name).await?;
    if holder.as_deref() != Some(id) {
        engine.rename_container(id, name).await?;
    }
    engine.start_container(id).await?;
    Ok(())
}

fn hash(create: &ContainerCreate) -> &str {
    create.body.labels.as_ref().map_or("", names::config_hash)
}

/// Creates attempted for one name before giving up, with the engine's race backoff between
/// them (8.5 s in all): each failed one found the name held by something still being made
/// or undone.
const NAME_ROUNDS: u32 = BACKOFF.attempts;

/// Creates the container. When the engine says its name is taken (the create an interrupted
/// run sent, finished after this run observed), what holds the name is observed and judged by
/// the plan's claim: adopted, replaced, or left alone with an error.
async fn create_container<E: Engine>(engine: &E, claim: &ContainerClaim, create: &ContainerCreate) -> Result<(), OpError> {
    let mut taken = None;
    for round in 1..=NAME_ROUNDS {
        match engine.create_container(create).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind == Kind::NameInUse => taken = Some(e),
            Err(e) if e.kind == Kind::AmbiguousNetwork => {
                remove_duplicates(engine, claim, &e).await?;
                taken = Some(e);
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let found = engine.find_container(&create.name).await?;
        match claim.resolve(hash(create), found.as_ref()) {
            Resolution::Adopt { id, .. } => {
                // Killed between its create and its files, the other run left none.
                if !create.files.is_empty() && found.is_some_and(|c| !c.state.is_running()) {
                    engine.write_files(&id, &create.files).await?;
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
/// run made its own): the extra ones the claim names go.
async fn remove_duplicates<E: Engine>(engine: &E, claim: &ContainerClaim, e: &EngineError) -> Result<(), OpError> {
    let name = e.ambiguous_network().unwrap_or_default();
    let networks = engine.list_networks().await?;
    let found: Vec<&ObservedNetwork> = networks.iter().filter(|n| n.name == name).collect();
    let extra = claim.extra_networks(&found);
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
/// died, also after listing it): it is then made as the plan describes it, a taken name
/// judged as for any create, and started. One whose start an engine that died left half
/// done (its runtime still holds the task) is removed and made the same way.
async fn start<E: Engine>(engine: &E, ctx: &Context, new: &NewContainer) -> Result<(), OpError> {
    let name = &new.name;
    let written = if new.files.is_empty() { Ok(()) } else { engine.write_files(name, &new.files).await };
    let mut gone = match written {
        Ok(()) => match start_resolving(engine, &new.claim, name).await {
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
        let create = create_body(engine, &ctx.project, new).await?;
        create_container(engine, &new.claim, &create).await?;
        match start_resolving(engine, &new.claim, name).await {
            Err(e) if e.is_not_found() => gone = e,
            other => return Ok(other?),
        }
    }
    Err(gone.into())
}

/// Starts the container; its networks are found by name at start, so a network made twice
/// meanwhile (see `remove_duplicates`) shows here too.
async fn start_resolving<E: Engine>(engine: &E, claim: &ContainerClaim, name: &str) -> Result<(), EngineError> {
    let mut rounds = 1;
    loop {
        match engine.start_container(name).await {
            Err(e) if e.kind == Kind::AmbiguousNetwork && rounds < NAME_ROUNDS => {
                remove_duplicates(engine, claim, &e).await.map_err(|_| e)?;
                rounds += 1;
            }
            other => return other,
        }
    }
}

/// Creates the network; a name taken meanwhile is judged by the plan's claim.
async fn create_network<E: Engine>(
    engine: &E,
    ctx: &Context,
    key: &str,
    name: &str,
    claim: &NetworkClaim,
) -> Result<Option<&'static str>, OpError> {
    let body = convert::network(&resource_spec(ctx, key, name));
    let mut taken = None;
    for round in 1..=NAME_ROUNDS {
        match engine.create_network(&body).await {
            Ok(()) => return Ok(None),
            Err(e) if e.kind == Kind::NameInUse => taken = Some(e),
            Err(e) => return Err(e.into()),
        }
        let found: Vec<ObservedNetwork> = engine.list_networks().await?.into_iter().filter(|n| n.name == name).collect();
        match claim.resolve(&found) {
            Resolution::Adopt { warning: None, .. } => return Ok(None),
            Resolution::Adopt { warning: Some(_), .. } => return Ok(Some("Exists, not ours: used as it is")),
            Resolution::Replace { id, .. } => gone_ok(engine.remove_network(&id).await)?,
            Resolution::Retry => settle(round).await,
            Resolution::Foreign(message) => return Err(OpError::failed(message)),
        }
    }
    Err(taken.map_or_else(|| OpError::failed("the name stays taken"), OpError::from))
}

#[cfg(test)]
mod tests;

//! The executor: performs a plan's actions through the engine. It decides nothing about what
//! should exist; it only runs each action once everything in its `after` list is done, a
//! bounded number at a time, and reports what happened.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::engine::retry::BACKOFF;
use crate::engine::{BuildSpec, ContainerSpec, Engine, EngineError, Kind, ResourceSpec};
use crate::labels;
use crate::model::Project;
use crate::observe::{Observed, ObservedContainer, ObservedNetwork};
use crate::plan::conflict::{self, Resolution};
use crate::plan::desired::{Desired, Files, APPLIED_LABEL};
use crate::plan::{Action, ActionId, Op, Plan, ResourceId};
use crate::progress::{Event, Progress, Status};
use crate::wait::{self, WaitError};

/// What the actions need besides the plan: the project and the state the plan was made from.
#[derive(Debug, Clone)]
pub struct ExecContext {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Engine actions running at once. Waits on dependencies do not count: they only poll.
    pub parallel: usize,
}

/// Engine calls in flight per core when nothing is set. The engine serialises much of its
/// work: beyond a few calls per core, more at once only queue inside it, and 50 stops at once
/// took a third longer here (2 cores) than 10 at a time.
const CALLS_PER_CORE: usize = 5;

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Limits { parallel: (cores * CALLS_PER_CORE).clamp(4, 64) }
    }
}

impl Limits {
    /// From `--parallel` / `COMPOSE_PARALLEL_LIMIT`; like the reference, `-1` (or any value
    /// below 1) means no particular limit.
    pub fn from_setting(parallel: Option<i64>) -> Limits {
        match parallel.and_then(|p| usize::try_from(p).ok()).filter(|p| *p > 0) {
            Some(parallel) => Limits { parallel },
            None => Limits::default(),
        }
    }
}

/// The receiving side of Ctrl-C. Cloned freely; every clone sees the cancellation.
#[derive(Debug, Clone)]
pub struct CancellationSignal(watch::Receiver<bool>);

/// The sending side, held by whoever listens for signals.
#[derive(Debug)]
pub struct Canceller(watch::Sender<bool>);

pub fn cancellation() -> (Canceller, CancellationSignal) {
    let (tx, rx) = watch::channel(false);
    (Canceller(tx), CancellationSignal(rx))
}

impl Canceller {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

impl CancellationSignal {
    /// A signal that never fires, for callers that cannot be interrupted.
    #[cfg(test)]
    pub fn never() -> CancellationSignal {
        cancellation().1
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once cancelled; never, when the sender is gone without cancelling.
    pub async fn cancelled(&self) {
        let mut rx = self.0.clone();
        if rx.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub action: ActionId,
    pub resource: ResourceId,
    pub error: String,
    /// What explains the error, e.g. a failed container's last output.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub action: ActionId,
    pub resource: ResourceId,
    /// The failed action it (transitively) waited on.
    pub because: ActionId,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub done: Vec<ActionId>,
    pub failures: Vec<Failure>,
    pub skipped: Vec<Skipped>,
    /// Actions that never ran, or whose wait was interrupted, because of cancellation.
    pub unfinished: Vec<ActionId>,
    pub warnings: Vec<String>,
    pub cancelled: bool,
    /// Actions whose engine call found no engine any more (restarted, or gone), with what
    /// the call said; nothing more was started after the first.
    pub lost: Vec<Failure>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty() && !self.cancelled && self.lost.is_empty()
    }
}

/// Why an action did not complete.
#[derive(Debug, Clone, PartialEq)]
enum ActionError {
    Failed { message: String, detail: Option<String> },
    Cancelled,
    /// The engine stopped answering: the run cannot go on.
    EngineLost(String),
}

impl ActionError {
    fn failed(message: impl Into<String>) -> ActionError {
        ActionError::Failed {
            message: message.into(),
            detail: None,
        }
    }
}

impl From<EngineError> for ActionError {
    fn from(e: EngineError) -> Self {
        match e.kind {
            Kind::Unreachable => ActionError::EngineLost(e.message),
            _ => ActionError::failed(e.message),
        }
    }
}

impl From<WaitError> for ActionError {
    fn from(e: WaitError) -> Self {
        match e {
            WaitError::Failed { message, detail } => ActionError::Failed { message, detail },
            WaitError::Cancelled => ActionError::Cancelled,
        }
    }
}

/// A done action's warnings, or why it did not complete.
type ActionResult = Result<Vec<String>, ActionError>;

/// Runs `plan`. Each action starts as soon as every action in its `after` list is done; a
/// failure skips what waits on it (transitively) and nothing else. On cancellation no new
/// action starts, engine calls in flight finish, waits stop.
pub async fn execute<E: Engine>(
    engine: Arc<E>,
    plan: &Plan,
    ctx: &ExecContext,
    limits: Limits,
    progress: &dyn Progress,
    cancel: CancellationSignal,
) -> Outcome {
    let mut sched = Scheduler::new(plan);
    let mut running = FuturesUnordered::new();
    let mut engine_busy = 0;
    let mut cancelled = cancel.is_cancelled();
    loop {
        if !cancelled && sched.outcome.lost.is_empty() {
            for (id, degraded) in sched.startable(limits.parallel.saturating_sub(engine_busy)) {
                if !is_wait(&plan.actions[id].op) {
                    engine_busy += 1;
                }
                running.push(run(
                    &*engine,
                    ctx,
                    &plan.actions[id],
                    id,
                    degraded,
                    progress,
                    &cancel,
                ));
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some((id, result)) = running.next() => {
                if !is_wait(&plan.actions[id].op) {
                    engine_busy -= 1;
                }
                sched.finish(id, result, progress);
            }
            _ = cancel.cancelled(), if !cancelled => cancelled = true,
        }
    }
    let stopped = !sched.outcome.lost.is_empty();
    sched.into_outcome(cancelled, stopped)
}

fn is_wait(op: &Op) -> bool {
    matches!(op, Op::AwaitService { .. })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
}

/// The bookkeeping of a run: which actions may start, and what a result means for the rest.
struct Scheduler<'p> {
    plan: &'p Plan,
    dependents: Vec<Vec<ActionId>>,
    /// Prerequisites not yet done, per action.
    waiting: Vec<BTreeSet<ActionId>>,
    /// Optional dependency gates whose dependency failed: they pass with a warning.
    degraded: Vec<bool>,
    state: Vec<State>,
    ready: BTreeSet<ActionId>,
    outcome: Outcome,
}

impl<'p> Scheduler<'p> {
    fn new(plan: &'p Plan) -> Self {
        let n = plan.actions.len();
        let mut dependents = vec![Vec::new(); n];
        let mut waiting = vec![BTreeSet::new(); n];
        let mut broken = Vec::new();
        for (id, a) in plan.actions.iter().enumerate() {
            for &before in &a.after {
                if before >= n {
                    broken.push(id);
                } else if waiting[id].insert(before) {
                    dependents[before].push(id);
                }
            }
        }
        let ready = (0..n).filter(|id| waiting[*id].is_empty()).collect();
        let mut s = Scheduler {
            plan,
            dependents,
            waiting,
            degraded: vec![false; n],
            state: vec![State::Pending; n],
            ready,
            outcome: Outcome::default(),
        };
        for id in broken {
            s.ready.remove(&id);
            s.fail(
                id,
                "the plan makes this action wait on an action it does not hold".into(),
                None,
            );
        }
        s
    }

    /// Actions to start now, in plan order: every ready wait, and ready engine actions up to
    /// `slots`.
    fn startable(&mut self, mut slots: usize) -> Vec<(ActionId, bool)> {
        let mut out = Vec::new();
        for id in self.ready.clone() {
            if !is_wait(&self.plan.actions[id].op) {
                if slots == 0 {
                    continue;
                }
                slots -= 1;
            }
            self.ready.remove(&id);
            self.state[id] = State::Running;
            out.push((id, self.degraded[id]));
        }
        out
    }

    fn finish(&mut self, id: ActionId, result: ActionResult, progress: &dyn Progress) {
        match result {
            Ok(warnings) => {
                self.outcome.warnings.extend(warnings);
                self.outcome.done.push(id);
                self.state[id] = State::Done;
                self.release(id);
            }
            Err(ActionError::Failed { message, detail }) => {
                self.fail(id, message, detail);
                self.skip_dependents(id, id, progress);
            }
            Err(ActionError::Cancelled) => {
                self.state[id] = State::Pending;
                self.outcome.unfinished.push(id);
            }
            Err(ActionError::EngineLost(error)) => {
                self.state[id] = State::Failed;
                let resource = self.plan.actions[id].resource.clone();
                self.outcome.lost.push(Failure { action: id, resource, error, detail: None });
            }
        }
    }

    fn fail(&mut self, id: ActionId, error: String, detail: Option<String>) {
        self.state[id] = State::Failed;
        let resource = self.plan.actions[id].resource.clone();
        self.outcome.failures.push(Failure {
            action: id,
            resource,
            error,
            detail,
        });
    }

    /// `id` is done: its dependents lose one prerequisite.
    fn release(&mut self, id: ActionId) {
        for d in self.dependents[id].clone() {
            self.release_one(d, id);
        }
    }

    fn skip_dependents(&mut self, id: ActionId, root: ActionId, progress: &dyn Progress) {
        for d in self.dependents[id].clone() {
            if self.state[d] != State::Pending {
                continue;
            }
            let action = &self.plan.actions[d];
            if let Op::AwaitService { required: false, .. } = action.op {
                self.degraded[d] = true;
                self.release_one(d, id);
                continue;
            }
            self.state[d] = State::Skipped;
            self.ready.remove(&d);
            let resource = action.resource.clone();
            self.outcome.skipped.push(Skipped {
                action: d,
                resource,
                because: root,
            });
            if !is_wait(&action.op) {
                let cause = format!("{} failed", self.plan.actions[root].resource);
                progress.event(&Event::new(words(&action.op).0, Status::Skipped, "Skipped").details(cause));
            }
            self.skip_dependents(d, root, progress);
        }
    }

    fn release_one(&mut self, d: ActionId, prerequisite: ActionId) {
        self.waiting[d].remove(&prerequisite);
        if self.waiting[d].is_empty() && self.state[d] == State::Pending {
            self.ready.insert(d);
        }
    }

    /// `stopped`: the run ended early for want of an engine; what did not run is unfinished.
    fn into_outcome(mut self, cancelled: bool, stopped: bool) -> Outcome {
        // A wait may see the cancellation before the loop does.
        let cancelled = cancelled || (!stopped && !self.outcome.unfinished.is_empty());
        let stuck: Vec<ActionId> = (0..self.state.len())
            .filter(|id| self.state[*id] == State::Pending && !self.outcome.unfinished.contains(id))
            .collect();
        for id in stuck {
            if cancelled || stopped {
                self.outcome.unfinished.push(id);
            } else {
                self.fail(id, "the plan makes this action wait on itself".into(), None);
            }
        }
        self.outcome.unfinished.sort_unstable();
        self.outcome.cancelled = cancelled;
        self.outcome
    }
}

/// Runs one action, reporting its progress. Dependency gates report their own.
async fn run<E: Engine>(
    engine: &E,
    ctx: &ExecContext,
    action: &Action,
    id: ActionId,
    degraded: bool,
    progress: &dyn Progress,
    cancel: &CancellationSignal,
) -> (ActionId, ActionResult) {
    if let Op::AwaitService {
        service,
        condition,
        required,
        containers,
    } = &action.op
    {
        if degraded {
            let warning = format!("optional dependency {service:?} failed to start");
            return (id, Ok(vec![warning]));
        }
        let targets = wait::targets(service, containers);
        let result =
            wait::await_dependency(engine, service, *condition, *required, &targets, progress, cancel).await;
        return (
            id,
            result.map(|w| w.into_iter().collect()).map_err(ActionError::from),
        );
    }
    let (resource, working, done) = words(&action.op);
    let started = Instant::now();
    progress.event(&Event::new(&resource, Status::Working, working).reason(action.reason.to_string()));
    let result = perform(engine, ctx, &action.op).await;
    let elapsed = started.elapsed();
    match &result {
        Ok(None) => progress.event(&Event::new(&resource, Status::Done, done).elapsed(elapsed)),
        Ok(Some(note)) => progress.event(&Event::new(&resource, Status::Warning, *note).elapsed(elapsed)),
        Err(ActionError::Failed { message, .. } | ActionError::EngineLost(message)) => progress.event(
            &Event::new(&resource, Status::Error, "Error")
                .details(message)
                .elapsed(elapsed),
        ),
        Err(ActionError::Cancelled) => {}
    }
    (id, result.map(|_| Vec::new()))
}

/// How progress names an action: the resource as the reference shows it, and the words while
/// working and once done.
fn words(op: &Op) -> (String, &'static str, &'static str) {
    let container = |name: &str| format!("Container {name}");
    match op {
        Op::CreateNetwork { name, .. } => (format!("Network {name}"), "Creating", "Created"),
        Op::CreateVolume { name, .. } => (format!("Volume {name}"), "Creating", "Created"),
        Op::PullImage { image, .. } => (format!("Image {image}"), "Pulling", "Pulled"),
        Op::BuildImage { image, .. } => (format!("Image {image}"), "Building", "Built"),
        Op::PushImage { image } => (format!("Image {image}"), "Pushing", "Pushed"),
        Op::CreateContainer { name, .. } => (container(name), "Creating", "Created"),
        Op::RecreateContainer { name, .. } => (container(name), "Recreate", "Recreated"),
        Op::StartContainer { name, .. } => (container(name), "Starting", "Started"),
        Op::RestartContainer { name, .. } => (container(name), "Restarting", "Restarted"),
        Op::AwaitService { service, .. } => (format!("Service {service}"), "Waiting", "Ready"),
        Op::StopContainer { name, .. } => (container(name), "Stopping", "Stopped"),
        Op::KillContainer { name, .. } => (container(name), "Killing", "Killed"),
        Op::PauseContainer { name } => (container(name), "Pausing", "Paused"),
        Op::UnpauseContainer { name } => (container(name), "Unpausing", "Unpaused"),
        Op::RemoveContainer { name, .. } => (container(name), "Removing", "Removed"),
        Op::RemoveNetwork { name } => (format!("Network {name}"), "Removing", "Removed"),
        Op::DisconnectNetwork { container: c, .. } => (container(c), "Disconnecting", "Disconnected"),
        Op::ConnectNetwork { name, .. } => (container(name), "Connecting", "Connected"),
        Op::RemoveVolume { name } => (format!("Volume {name}"), "Removing", "Removed"),
        Op::RemoveImage { image } => (format!("Image {image}"), "Removing", "Removed"),
    }
}

/// The engine calls of one action. Removing or stopping what is already gone succeeds: the
/// action's goal holds. A network still in use (by one-off containers `down` keeps) stays, as
/// with the reference: done, with that said instead of "Removed".
async fn perform<E: Engine>(engine: &E, ctx: &ExecContext, op: &Op) -> Result<Option<&'static str>, ActionError> {
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
            return Err(ActionError::failed("a dependency gate is not an engine action"))
        }
    }
    Ok(None)
}

fn in_use_ok(r: Result<(), EngineError>) -> Result<Option<&'static str>, ActionError> {
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

fn resource_spec(ctx: &ExecContext, key: &str, name: &str) -> ResourceSpec {
    ResourceSpec {
        project: ctx.project.clone(),
        key: key.to_string(),
        name: name.to_string(),
        labels: BTreeMap::new(),
    }
}

fn stop_timeout(ctx: &ExecContext, service: &str) -> Option<i64> {
    ctx.timeout
        .or_else(|| ctx.desired.service(service).and_then(|s| s.stop_timeout))
}

/// The container of replica `number`: the service's labels, its number, the applied
/// configuration that explains a later recreate, and the files written into it.
fn container_spec(
    ctx: &ExecContext,
    service: &str,
    number: u32,
    name: &str,
    anonymous_volumes: BTreeMap<String, String>,
    files: &Files,
) -> Result<ContainerSpec, ActionError> {
    let s = ctx
        .desired
        .service(service)
        .ok_or_else(|| ActionError::failed(format!("service {service:?} is not part of the project")))?;
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
async fn resolve_shared_hash<E: Engine>(engine: &E, ctx: &ExecContext, spec: &mut ContainerSpec) -> Result<(), ActionError> {
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
    ctx: &ExecContext,
    service: &str,
    number: u32,
    name: &str,
    old_id: &str,
    files: &Files,
) -> Result<(), ActionError> {
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
async fn create_container<E: Engine>(engine: &E, ctx: &ExecContext, spec: &ContainerSpec) -> Result<(), ActionError> {
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
            Resolution::Foreign(message) => return Err(ActionError::failed(message)),
        }
    }
    Err(taken.map_or_else(|| ActionError::failed("the name stays taken"), ActionError::from))
}

/// A pause before looking at a name again, growing as the engine's races do (`engine::retry`).
async fn settle(round: u32) {
    tokio::time::sleep(BACKOFF.pause(round).unwrap_or(BACKOFF.cap)).await;
}

/// A network of the project made twice (an interrupted run's create, finished after this
/// run made its own): the extra ones the planner names go.
async fn remove_duplicates<E: Engine>(engine: &E, ctx: &ExecContext, e: &EngineError) -> Result<(), ActionError> {
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
async fn start<E: Engine>(engine: &E, ctx: &ExecContext, service: &str, number: u32, name: &str, files: &Files) -> Result<(), ActionError> {
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
async fn start_resolving<E: Engine>(engine: &E, ctx: &ExecContext, name: &str) -> Result<(), EngineError> {
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
async fn create_network<E: Engine>(engine: &E, ctx: &ExecContext, key: &str, name: &str) -> Result<Option<&'static str>, ActionError> {
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
            Resolution::Foreign(message) => return Err(ActionError::failed(message)),
        }
    }
    Err(taken.map_or_else(|| ActionError::failed("the name stays taken"), ActionError::from))
}

/// A container of the same replica already holding the new name: what an interrupted
/// recreate leaves behind.
fn leftover<'a>(ctx: &'a ExecContext, spec: &ContainerSpec, old_id: &str) -> Option<&'a ObservedContainer> {
    ctx.observed.containers.iter().find(|c| {
        c.id != old_id && c.name == spec.name && c.service == spec.service && c.number == spec.number
    })
}

#[cfg(test)]
mod tests;

//! The scheduler: runs a plan's actions, whatever the backend. It decides nothing about what
//! should exist; it starts each action once everything in its `after` list is done, a bounded
//! number at a time, reports progress, and sorts out what a failure or a cancellation means
//! for the rest.
//!
//! The whole API:
//! - a backend's operation type implements `plan::Operation` (verb, gate or not, words);
//! - its performer implements `Perform<Op>`: one operation, done through the engine, with
//!   `Ok(Performed)` or an `OpError` (failed, cancelled, engine lost);
//! - `run(plan, performer, limits, progress, cancel)` returns the `Outcome`.
//!
//! Rules: an action whose prerequisite failed is skipped, and so is everything after it,
//! except a gate whose `passes_failed` says it passes (with a warning), and an action whose
//! `Trigger` asks for the end of its prerequisites whatever it was (a rollout tolerating
//! failures, or what undoes a failure; see `plan::Trigger`). Gates do not count
//! against `Limits::parallel` (they only poll) and report their own progress. On cancellation
//! no new action starts, engine calls in flight finish, gates stop. When the engine stops
//! answering, nothing more starts and what did not run is unfinished.

use std::collections::BTreeSet;
use std::future::Future;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::time::Instant;

use crate::cancel::CancellationSignal;
use crate::engine::{EngineError, Kind};
use crate::plan::{Action, ActionId, Operation, Plan, ResourceId, Trigger};
use crate::progress::{Event, Progress, Status};

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

/// One operation, performed.
pub trait Perform<O>: Sync {
    fn perform(
        &self,
        op: &O,
        progress: &dyn Progress,
        cancel: &CancellationSignal,
    ) -> impl Future<Output = Result<Performed, OpError>> + Send;
}

/// A done operation: what progress says instead of its done word, and what the run reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Performed {
    /// Shown as a warning in place of the done word, e.g. "Resource is still in use".
    pub note: Option<&'static str>,
    pub warnings: Vec<String>,
}

/// Why an operation did not complete.
#[derive(Debug, Clone, PartialEq)]
pub enum OpError {
    /// `detail`: what explains the error, e.g. a failed container's last output.
    Failed { message: String, detail: Option<String> },
    Cancelled,
    /// The engine stopped answering: the run cannot go on.
    EngineLost(String),
}

impl OpError {
    pub fn failed(message: impl Into<String>) -> OpError {
        OpError::Failed { message: message.into(), detail: None }
    }
}

impl From<EngineError> for OpError {
    fn from(e: EngineError) -> Self {
        match e.kind {
            Kind::Unreachable => OpError::EngineLost(e.message),
            _ => OpError::failed(e.message),
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

/// A done action's warnings, or why it did not complete.
type ActionResult = Result<Vec<String>, OpError>;

/// Runs `plan`, each action through `performer`.
pub async fn run<O, P>(
    plan: &Plan<O>,
    performer: &P,
    limits: Limits,
    progress: &dyn Progress,
    cancel: CancellationSignal,
) -> Outcome
where
    O: Operation + Sync,
    P: Perform<O>,
{
    let mut sched = Scheduler::new(plan);
    let mut running = FuturesUnordered::new();
    let mut engine_busy = 0;
    let mut cancelled = cancel.is_cancelled();
    loop {
        if !cancelled && sched.outcome.lost.is_empty() {
            for (id, degraded) in sched.startable(limits.parallel.saturating_sub(engine_busy)) {
                if !plan.actions[id].op.is_gate() {
                    engine_busy += 1;
                }
                running.push(one(performer, &plan.actions[id], id, degraded, progress, &cancel));
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some((id, result)) = running.next() => {
                if !plan.actions[id].op.is_gate() {
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

/// Runs one action, reporting its progress; gates report their own. `degraded`: a gate
/// whose prerequisite failed, which passes with its warning.
async fn one<O: Operation, P: Perform<O>>(
    performer: &P,
    action: &Action<O>,
    id: ActionId,
    degraded: bool,
    progress: &dyn Progress,
    cancel: &CancellationSignal,
) -> (ActionId, ActionResult) {
    if action.op.is_gate() {
        if let Some(warning) = action.op.passes_failed().filter(|_| degraded) {
            return (id, Ok(vec![warning]));
        }
        let result = performer.perform(&action.op, progress, cancel).await;
        return (id, result.map(|p| p.warnings));
    }
    let words = action.op.words();
    let started = Instant::now();
    progress.event(&Event::new(&words.subject, Status::Working, words.working).reason(action.reason.to_string()));
    let result = performer.perform(&action.op, progress, cancel).await;
    let elapsed = started.elapsed();
    match &result {
        Ok(Performed { note: None, .. }) => {
            progress.event(&Event::new(&words.subject, Status::Done, words.done).elapsed(elapsed))
        }
        Ok(Performed { note: Some(note), .. }) => {
            progress.event(&Event::new(&words.subject, Status::Warning, *note).elapsed(elapsed))
        }
        Err(OpError::Failed { message, .. } | OpError::EngineLost(message)) => progress.event(
            &Event::new(&words.subject, Status::Error, "Error").details(message).elapsed(elapsed),
        ),
        Err(OpError::Cancelled) => {}
    }
    (id, result.map(|p| p.warnings))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    /// What undoes a failure, when nothing failed.
    NotNeeded,
}

/// The bookkeeping of a run: which actions may start, and what a result means for the rest.
struct Scheduler<'p, O> {
    plan: &'p Plan<O>,
    dependents: Vec<Vec<ActionId>>,
    /// Prerequisites not yet done, per action.
    waiting: Vec<BTreeSet<ActionId>>,
    /// Gates whose prerequisite failed and that pass anyway.
    degraded: Vec<bool>,
    /// Prerequisites that failed or were skipped, and the first failure behind them, of
    /// actions that run whatever their prerequisites' end (`Trigger`).
    failed_before: Vec<usize>,
    cause: Vec<Option<ActionId>>,
    state: Vec<State>,
    ready: BTreeSet<ActionId>,
    outcome: Outcome,
}

impl<'p, O: Operation> Scheduler<'p, O> {
    fn new(plan: &'p Plan<O>) -> Self {
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
        // An action undoing a failure, after nothing, has nothing to undo.
        let undoing = |id: &ActionId| plan.actions[*id].trigger == Trigger::Failed;
        let ready = (0..n).filter(|id| waiting[*id].is_empty() && !undoing(id)).collect();
        let state = (0..n)
            .map(|id| if waiting[id].is_empty() && undoing(&id) { State::NotNeeded } else { State::Pending })
            .collect();
        let mut s = Scheduler {
            plan,
            dependents,
            waiting,
            degraded: vec![false; n],
            failed_before: vec![0; n],
            cause: vec![None; n],
            state,
            ready,
            outcome: Outcome::default(),
        };
        for id in broken {
            s.ready.remove(&id);
            s.fail(id, "the plan makes this action wait on an action it does not hold".into(), None);
        }
        s
    }

    /// Actions to start now, in plan order: every ready gate, and ready engine actions up to
    /// `slots`.
    fn startable(&mut self, mut slots: usize) -> Vec<(ActionId, bool)> {
        let mut out = Vec::new();
        for id in self.ready.clone() {
            if !self.plan.actions[id].op.is_gate() {
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
                self.release(id, progress);
            }
            Err(OpError::Failed { message, detail }) => {
                self.fail(id, message, detail);
                self.skip_dependents(id, id, progress);
            }
            Err(OpError::Cancelled) => {
                self.state[id] = State::Pending;
                self.outcome.unfinished.push(id);
            }
            Err(OpError::EngineLost(error)) => {
                self.state[id] = State::Failed;
                let resource = self.plan.actions[id].resource.clone();
                self.outcome.lost.push(Failure { action: id, resource, error, detail: None });
            }
        }
    }

    fn fail(&mut self, id: ActionId, error: String, detail: Option<String>) {
        self.state[id] = State::Failed;
        let resource = self.plan.actions[id].resource.clone();
        self.outcome.failures.push(Failure { action: id, resource, error, detail });
    }

    /// `id` is done: its dependents lose one prerequisite.
    fn release(&mut self, id: ActionId, progress: &dyn Progress) {
        for d in self.dependents[id].clone() {
            self.release_one(d, id, progress);
        }
    }

    fn skip_dependents(&mut self, id: ActionId, root: ActionId, progress: &dyn Progress) {
        for d in self.dependents[id].clone() {
            if self.state[d] != State::Pending {
                continue;
            }
            let action = &self.plan.actions[d];
            if action.trigger == Trigger::OnlyIfDone {
                self.not_needed(d, progress);
                continue;
            }
            if action.trigger != Trigger::Done {
                self.failed_before[d] += 1;
                self.cause[d].get_or_insert(root);
                self.release_one(d, id, progress);
                continue;
            }
            if action.op.passes_failed().is_some() {
                self.degraded[d] = true;
                self.release_one(d, id, progress);
                continue;
            }
            self.skip(d, root, progress);
        }
    }

    fn skip(&mut self, d: ActionId, root: ActionId, progress: &dyn Progress) {
        let action = &self.plan.actions[d];
        self.state[d] = State::Skipped;
        self.ready.remove(&d);
        let resource = action.resource.clone();
        self.outcome.skipped.push(Skipped { action: d, resource, because: root });
        if !action.op.is_gate() {
            let cause = format!("{} failed", self.plan.actions[root].resource);
            progress.event(&Event::new(action.op.words().subject, Status::Skipped, "Skipped").details(cause));
        }
        self.skip_dependents(d, root, progress);
    }

    /// Nothing failed that `d` would undo: neither it nor what comes only after it runs.
    fn not_needed(&mut self, d: ActionId, progress: &dyn Progress) {
        self.state[d] = State::NotNeeded;
        for e in self.dependents[d].clone() {
            if self.state[e] != State::Pending {
                continue;
            }
            if matches!(self.plan.actions[e].trigger, Trigger::Done | Trigger::OnlyIfDone) {
                self.not_needed(e, progress);
            } else {
                self.release_one(e, d, progress);
            }
        }
    }

    fn release_one(&mut self, d: ActionId, prerequisite: ActionId, progress: &dyn Progress) {
        self.waiting[d].remove(&prerequisite);
        if !self.waiting[d].is_empty() || self.state[d] != State::Pending {
            return;
        }
        let failed = self.failed_before[d];
        match self.plan.actions[d].trigger {
            Trigger::Tolerating(n) if failed > n => {
                let root = self.cause[d].unwrap_or(prerequisite);
                self.skip(d, root, progress);
            }
            Trigger::Failed if failed == 0 => self.not_needed(d, progress),
            _ => {
                self.ready.insert(d);
            }
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

#[cfg(test)]
mod tests;

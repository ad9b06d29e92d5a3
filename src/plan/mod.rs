//! Planning: desired state + observed state + options → a plan of actions, each with the
//! resource it acts on and a reason a person can read. Pure: no IO, no engine, no clock.
//!
//! This module's own items are shared by every backend: a `Plan` is generic over the
//! backend's operations (`Operation`), which the shared scheduler (`crate::scheduler`) runs.
//! The container backend's operations are `crate::containers::ops::Op`.

pub mod diff;
pub mod reason;
pub mod resource;

use std::collections::BTreeMap;
use std::fmt;

pub use reason::{Change, Reason};
pub use resource::ResourceId;

/// Index of an action in its plan.
pub type ActionId = usize;

/// What a backend's operations tell the shared parts (printing, the scheduler, progress).
pub trait Operation {
    /// The verb shown in plans: `create`, `remove`, `wait`.
    fn verb(&self) -> &'static str;
    /// A gate waits on what other actions made instead of calling the engine: it does not
    /// count against the concurrency bound, and reports its own progress.
    fn is_gate(&self) -> bool;
    /// A gate that lets its dependents go on when what it waits on failed, with this warning
    /// (an optional dependency). `None`: a failed prerequisite skips the action.
    fn passes_failed(&self) -> Option<String>;
    /// How progress names the action.
    fn words(&self) -> Words;
}

/// The resource as the reference's progress shows it (`Container p-web-1`), and the words
/// while working and once done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub subject: String,
    pub working: &'static str,
    pub done: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action<O> {
    /// What the action acts on, e.g. `container:web:1`, `network:default`.
    pub resource: ResourceId,
    pub op: O,
    pub reason: Reason,
    /// Actions that must be done before this one starts.
    pub after: Vec<ActionId>,
    /// How the end of those actions lets this one run.
    pub trigger: Trigger,
}

/// When an action runs, given how the actions it comes after ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Trigger {
    /// Once every one is done; skipped when one failed (or was skipped).
    #[default]
    Done,
    /// Once every one ended, whatever their end, when at most this many failed or were
    /// skipped; skipped otherwise. A rollout that goes on past failures it tolerates.
    Tolerating(usize),
    /// Once every one ended, when one of them failed or was skipped: undoing what failed.
    /// Otherwise it is not needed, and neither is what comes only after it.
    Failed,
    /// Once every one is done; when one failed or was skipped, not needed (rather than
    /// skipped): undoing what only those would have done.
    OnlyIfDone,
}

/// A plan, and what the user should know about it without anything failing.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<O> {
    pub actions: Vec<Action<O>>,
    pub warnings: Vec<String>,
    /// An `up` plan's services as they are once it ran: what `up --wait` waits on.
    pub replicas: BTreeMap<String, Replicas>,
}

impl<O> Default for Plan<O> {
    fn default() -> Self {
        Plan { actions: Vec::new(), warnings: Vec::new(), replicas: BTreeMap::new() }
    }
}

/// A service's containers once an `up` plan ran, and what `up --wait` waits for in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replicas {
    pub containers: Vec<String>,
    /// A one-shot that another service waits on with `service_completed_successfully`: done
    /// once it exited 0. Any other container must be running (healthy, with a healthcheck),
    /// and an exit fails the wait, as the reference decides.
    pub completes: bool,
}

impl<O> Plan<O> {
    pub fn push(&mut self, resource: ResourceId, op: O, reason: Reason, after: Vec<ActionId>) -> ActionId {
        self.push_when(resource, op, reason, after, Trigger::Done)
    }

    pub fn push_when(&mut self, resource: ResourceId, op: O, reason: Reason, after: Vec<ActionId>, trigger: Trigger) -> ActionId {
        self.actions.push(Action { resource, op, reason, after, trigger });
        self.actions.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// One line an action: `3  recreate  container:web:1  environment.MODE: "dev" → "prod"  (after 1, 2)`;
/// `(if 5 fails)` for an action undoing a failure, `(after 4, 7; tolerating 1 failure)` for a
/// rollout going on past failures.
impl<O: Operation> fmt::Display for Plan<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.actions.is_empty() {
            return writeln!(f, "nothing to do: the project is up to date");
        }
        for (i, a) in self.actions.iter().enumerate() {
            write!(f, "{i:>3}  {:<8}  {:<28}  {}", a.op.verb(), a.resource.to_string(), a.reason)?;
            if !a.after.is_empty() {
                let after: Vec<String> = a.after.iter().map(ToString::to_string).collect();
                let after = after.join(", ");
                match a.trigger {
                    Trigger::Done => write!(f, "  (after {after})")?,
                    Trigger::Failed if a.after.len() > 1 => write!(f, "  (if one of {after} fails)")?,
                    Trigger::Failed => write!(f, "  (if {after} fails)")?,
                    Trigger::OnlyIfDone => write!(f, "  (after {after}, if they were done)")?,
                    Trigger::Tolerating(usize::MAX) => write!(f, "  (after {after}, failed or not)")?,
                    Trigger::Tolerating(n) => write!(f, "  (after {after}; tolerating {n} failure(s))")?,
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}


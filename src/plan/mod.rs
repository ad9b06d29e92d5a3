//! Planning: desired state + observed state + options → a plan of actions, each with the
//! resource it acts on and a reason a person can read. Pure: no IO, no engine, no clock.

pub mod artifacts;
pub mod conflict;
pub mod desired;
pub mod diff;
pub mod files;
pub mod lifecycle;
pub mod oneoff;
pub mod reason;
pub mod reconcile;
pub mod resource;
pub mod teardown;

use std::collections::BTreeMap;
use std::fmt;

use crate::model::Condition;
use desired::Files;
pub use reason::{Change, Reason};
pub use resource::ResourceId;

/// Index of an action in its plan.
pub type ActionId = usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreateNetwork { key: String, name: String },
    CreateVolume { key: String, name: String },
    PullImage { service: String, image: String },
    /// `labels`: what the image carries besides the builder's own.
    BuildImage { service: String, image: String, labels: BTreeMap<String, String> },
    PushImage { image: String },
    /// `files` are written into it once created.
    CreateContainer { service: String, number: u32, name: String, files: Files },
    /// Replace `old` (renamed aside first, removed once the new one exists).
    RecreateContainer { service: String, number: u32, name: String, old_id: String, files: Files },
    /// `files` are written (again) into it before it starts.
    StartContainer { service: String, number: u32, name: String, files: Files },
    /// Stop then start, for dependents that declared `restart: true` on a recreated dependency.
    RestartContainer { service: String, name: String },
    /// A gate: done when `containers`, the service's replicas once this plan ran, meet the
    /// condition.
    AwaitService { service: String, condition: Condition, required: bool, containers: Vec<String> },
    StopContainer { name: String, timeout: Option<i64> },
    KillContainer { name: String, signal: String },
    PauseContainer { name: String },
    UnpauseContainer { name: String },
    RemoveContainer { name: String, id: String, volumes: bool },
    RemoveNetwork { name: String },
    /// Frees a network for its removal; the container keeps its other networks.
    DisconnectNetwork { container: String, network: String },
    /// Joins a replica to one of its service's networks, made anew, with the endpoint it had.
    ConnectNetwork { service: String, number: u32, name: String, network: String },
    RemoveVolume { name: String },
    RemoveImage { image: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// What the action acts on, e.g. `container:web:1`, `network:default`.
    pub resource: ResourceId,
    pub op: Op,
    pub reason: Reason,
    /// Actions that must be done before this one starts.
    pub after: Vec<ActionId>,
}

/// A plan, and what the user should know about it without anything failing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub warnings: Vec<String>,
    /// An `up` plan's services as they are once it ran: what `up --wait` waits on.
    pub replicas: BTreeMap<String, Replicas>,
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

impl Plan {
    pub fn push(&mut self, resource: ResourceId, op: Op, reason: Reason, after: Vec<ActionId>) -> ActionId {
        self.actions.push(Action { resource, op, reason, after });
        self.actions.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

impl Op {
    /// The verb shown in plans and progress.
    pub fn verb(&self) -> &'static str {
        match self {
            Op::CreateNetwork { .. } | Op::CreateVolume { .. } | Op::CreateContainer { .. } => "create",
            Op::PullImage { .. } => "pull",
            Op::BuildImage { .. } => "build",
            Op::PushImage { .. } => "push",
            Op::RecreateContainer { .. } => "recreate",
            Op::StartContainer { .. } => "start",
            Op::RestartContainer { .. } => "restart",
            Op::AwaitService { .. } => "wait",
            Op::DisconnectNetwork { .. } => "detach",
            Op::ConnectNetwork { .. } => "attach",
            Op::StopContainer { .. } => "stop",
            Op::KillContainer { .. } => "kill",
            Op::PauseContainer { .. } => "pause",
            Op::UnpauseContainer { .. } => "unpause",
            Op::RemoveContainer { .. }
            | Op::RemoveNetwork { .. }
            | Op::RemoveVolume { .. }
            | Op::RemoveImage { .. } => "remove",
        }
    }
}

/// One line an action: `3  recreate  container:web:1  environment.MODE: "dev" → "prod"  (after 1, 2)`.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.actions.is_empty() {
            return writeln!(f, "nothing to do: the project is up to date");
        }
        for (i, a) in self.actions.iter().enumerate() {
            write!(f, "{i:>3}  {:<8}  {:<28}  {}", a.op.verb(), a.resource.to_string(), a.reason)?;
            if !a.after.is_empty() {
                let after: Vec<String> = a.after.iter().map(ToString::to_string).collect();
                write!(f, "  (after {})", after.join(", "))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! The operations of the container backend: what a container plan asks of the engine.

use std::collections::BTreeMap;
use std::time::Duration;

use super::names;
use crate::model::{Condition, Service};
use crate::containers::conflict::{ContainerClaim, NetworkClaim};
use crate::containers::desired::Files;
use crate::plan::{Operation, Words};

/// Each operation carries everything performing it needs, as the planner decided it; the
/// performer adds only what exists at run time (the ids of `Shared`) and what the engine
/// finds holding a name, judged by the claim the planner stated.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `claim`: what to do when the name turns out to be taken.
    CreateNetwork { key: String, name: String, claim: NetworkClaim },
    CreateVolume { key: String, name: String },
    PullImage { image: String, platform: Option<String> },
    /// `labels`: what the image carries besides the builder's own.
    BuildImage { service: String, image: String, labels: BTreeMap<String, String> },
    PushImage { image: String },
    /// `files` are written into it once created.
    CreateContainer(NewContainer),
    /// Replace `old` (renamed aside first, removed once the new one exists).
    RecreateContainer { new: NewContainer, old: Replaced },
    /// Its files are written (again) into it before it starts. Should it be gone (the engine
    /// undid an interrupted run's create), it is made as this says, then started.
    StartContainer(NewContainer),
    /// Stop then start, for dependents that declared `restart: true` on a recreated dependency.
    RestartContainer { name: String, timeout: Option<i64> },
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
    ConnectNetwork { container: NewContainer, network: String },
    RemoveVolume { name: String },
    RemoveImage { image: String },
    /// A gate: the container is running (healthy, with a healthcheck) within `timeout`, then
    /// stays so for `monitor`. `failure`: what the plan does when it does not, for the message.
    AwaitReady { service: String, container: String, monitor: Duration, timeout: Option<Duration>, failure: String },
    /// The container takes its service's aliases on these networks: connected again with
    /// the endpoint a replica gets at create.
    JoinAliases { container: NewContainer, networks: Vec<String> },
    /// The container leaves these networks, so that the service's name stops resolving to it
    /// before it stops.
    LeaveAliases { container: String, networks: Vec<String> },
    /// A failed replacement removed, when what holds its name is that replica's container
    /// and not `keep`, the container it was to replace.
    DiscardContainer { new: NewContainer, keep: String },
    /// A container a failed replacement set aside (stopped, renamed): named back and started.
    RestoreContainer { id: String, name: String },
    /// A gate: the pause between two batches of a rollout.
    Delay { service: String, duration: Duration },
}

/// A container as it is to be made (a replica, or `run`'s one-off): with the project's
/// service of its name, all `convert` needs for the create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContainer {
    pub service: String,
    pub number: u32,
    pub name: String,
    /// Every label it carries besides the service's own `labels:`; the config hash is
    /// replaced once `shared` is resolved.
    pub labels: BTreeMap<String, String>,
    /// The image it runs instead of its service's: `rollback`'s recorded image id.
    pub image: Option<String>,
    /// Anonymous volumes of the container it replaces, by mount target.
    pub anonymous_volumes: BTreeMap<String, String>,
    /// Secrets and configs written into it once created, before anything starts it.
    pub files: Files,
    /// Deferred: set when it shares other services' containers.
    pub shared: Option<Shared>,
    /// What to do with a container found holding its name.
    pub claim: ContainerClaim,
    /// The service's name as a network alias: every replica of `up` has it, a one-off only
    /// with `run --use-aliases`.
    pub service_aliases: bool,
    /// A one-off attached to the user's input: the container's input closes when theirs does.
    pub stdin_once: bool,
}

/// The containers another service's container shares namespaces or volumes with, whose ids
/// exist only once they are made (the plan makes this one wait for them). The config hash
/// names those ids, as the reference computes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// The container shared with, by service.
    pub containers: BTreeMap<String, String>,
    /// What the hash is computed from.
    pub model: Box<Service>,
}

impl Shared {
    /// The labels once the ids are known.
    pub fn resolve(&self, labels: &mut BTreeMap<String, String>, ids: &BTreeMap<String, String>) {
        names::set_config_hash(labels, crate::hash::resolved_config_hash(&self.model, ids));
    }
}

/// The container a recreate replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub id: String,
    /// The name it is renamed to while the new one is made.
    pub aside: String,
    /// An interrupted recreate already renamed it.
    pub renamed: bool,
    pub stop_timeout: Option<i64>,
    /// A container of the same replica already holding the new name: what an interrupted
    /// recreate leaves behind.
    pub leftover: Option<Leftover>,
    /// Kept, stopped under its aside name, until the new one is confirmed: a rollout that
    /// rolls back restores it.
    pub keep: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub id: String,
    pub hash: Option<String>,
}

impl Leftover {
    /// Kept in place of a new container when it carries the hash the new one would.
    pub fn kept(&self, hash: &str) -> bool {
        self.hash.as_deref() == Some(hash)
    }
}

impl Operation for Op {
    fn verb(&self) -> &'static str {
        match self {
            Op::CreateNetwork { .. } | Op::CreateVolume { .. } | Op::CreateContainer(_) => "create",
            Op::PullImage { .. } => "pull",
            Op::BuildImage { .. } => "build",
            Op::PushImage { .. } => "push",
            Op::RecreateContainer { .. } => "recreate",
            Op::StartContainer(_) => "start",
            Op::RestartContainer { .. } => "restart",
            Op::AwaitService { .. } | Op::AwaitReady { .. } | Op::Delay { .. } => "wait",
            Op::DisconnectNetwork { .. } | Op::LeaveAliases { .. } => "detach",
            Op::ConnectNetwork { .. } | Op::JoinAliases { .. } => "attach",
            Op::RestoreContainer { .. } => "restore",
            Op::StopContainer { .. } => "stop",
            Op::KillContainer { .. } => "kill",
            Op::PauseContainer { .. } => "pause",
            Op::UnpauseContainer { .. } => "unpause",
            Op::RemoveContainer { .. }
            | Op::RemoveNetwork { .. }
            | Op::RemoveVolume { .. }
            | Op::RemoveImage { .. }
            | Op::DiscardContainer { .. } => "remove",
        }
    }

    fn is_gate(&self) -> bool {
        matches!(self, Op::AwaitService { .. } | Op::AwaitReady { .. } | Op::Delay { .. })
    }

    fn passes_failed(&self) -> Option<String> {
        match self {
            Op::AwaitService { service, required: false, .. } => {
                Some(format!("optional dependency {service:?} failed to start"))
            }
            _ => None,
        }
    }

    /// As the reference's progress words them.
    fn words(&self) -> Words {
        let (subject, working, done) = match self {
            Op::CreateNetwork { name, .. } => (format!("Network {name}"), "Creating", "Created"),
            Op::CreateVolume { name, .. } => (format!("Volume {name}"), "Creating", "Created"),
            Op::PullImage { image, .. } => (format!("Image {image}"), "Pulling", "Pulled"),
            Op::BuildImage { image, .. } => (format!("Image {image}"), "Building", "Built"),
            Op::PushImage { image } => (format!("Image {image}"), "Pushing", "Pushed"),
            Op::CreateContainer(new) => (container(&new.name), "Creating", "Created"),
            Op::RecreateContainer { new, .. } => (container(&new.name), "Recreate", "Recreated"),
            Op::StartContainer(new) => (container(&new.name), "Starting", "Started"),
            Op::RestartContainer { name, .. } => (container(name), "Restarting", "Restarted"),
            Op::AwaitService { service, .. } => (format!("Service {service}"), "Waiting", "Ready"),
            Op::StopContainer { name, .. } => (container(name), "Stopping", "Stopped"),
            Op::KillContainer { name, .. } => (container(name), "Killing", "Killed"),
            Op::PauseContainer { name } => (container(name), "Pausing", "Paused"),
            Op::UnpauseContainer { name } => (container(name), "Unpausing", "Unpaused"),
            Op::RemoveContainer { name, .. } => (container(name), "Removing", "Removed"),
            Op::RemoveNetwork { name } => (format!("Network {name}"), "Removing", "Removed"),
            Op::DisconnectNetwork { container: c, .. } => (container(c), "Disconnecting", "Disconnected"),
            Op::ConnectNetwork { container: new, .. } => (container(&new.name), "Connecting", "Connected"),
            Op::RemoveVolume { name } => (format!("Volume {name}"), "Removing", "Removed"),
            Op::RemoveImage { image } => (format!("Image {image}"), "Removing", "Removed"),
            Op::AwaitReady { container: c, .. } => (container(c), "Waiting", "Ready"),
            Op::JoinAliases { container: new, .. } => (container(&new.name), "Joining aliases", "Serving"),
            Op::LeaveAliases { container: c, .. } => (container(c), "Leaving aliases", "Left"),
            Op::DiscardContainer { new, .. } => (container(&new.name), "Removing", "Removed"),
            Op::RestoreContainer { name, .. } => (container(name), "Restoring", "Restored"),
            Op::Delay { service, .. } => (format!("Service {service}"), "Pausing", "Paused"),
        };
        Words { subject, working, done }
    }
}

fn container(name: &str) -> String {
    format!("Container {name}")
}

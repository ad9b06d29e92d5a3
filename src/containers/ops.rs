//! The operations of the container backend: what a container plan asks of the engine.

use std::collections::BTreeMap;

use crate::model::Condition;
use crate::plan::desired::Files;
use crate::plan::{Operation, Words};

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

impl Operation for Op {
    fn verb(&self) -> &'static str {
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

    fn is_gate(&self) -> bool {
        matches!(self, Op::AwaitService { .. })
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
        };
        Words { subject, working, done }
    }
}

fn container(name: &str) -> String {
    format!("Container {name}")
}

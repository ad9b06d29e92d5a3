//! What a Swarm holds, as the engine lists it: services, tasks, networks, configs and
//! secrets, and nodes, as plain data (the stack's view of them is `swarm::observe`).

use std::collections::BTreeMap;

use super::api;
use crate::labels;

#[derive(Debug, Clone, PartialEq)]
pub struct ObservedService {
    pub id: String,
    pub name: String,
    /// The version index an update must name.
    pub version: u64,
    pub spec: api::ServiceSpec,
    /// `updating`, `paused`, `completed`, `rollback_started`, … when an update happened.
    pub update_state: Option<String>,
    pub update_message: Option<String>,
    /// Ports the engine published, for `stack services`.
    pub endpoint_ports: Vec<api::EndpointPortConfig>,
}

impl ObservedService {
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.spec.labels.clone().unwrap_or_default().into_iter().collect()
    }

    pub fn stack(&self) -> Option<String> {
        self.labels().get(labels::STACK_NAMESPACE).cloned()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservedTask {
    pub id: String,
    pub service_id: String,
    pub node_id: String,
    /// 0 for global services' tasks.
    pub slot: i64,
    pub desired_state: String,
    pub state: String,
    pub message: String,
    pub error: String,
    pub exit_code: Option<i64>,
    /// Unix seconds: when it was made.
    pub created_at: i64,
    /// Unix milliseconds: when its state last changed (a wait counts how long it has run).
    pub updated_at_ms: i64,
    /// The task's container spec, to tell a task of the current spec from an older one.
    pub spec: Option<api::TaskSpec>,
    pub ports: Vec<api::EndpointPortConfig>,
}

impl ObservedTask {
    pub fn running(&self) -> bool {
        self.state == "running"
    }

    pub fn wants_running(&self) -> bool {
        self.desired_state == "running"
    }

    /// Ended for good: it will not run again.
    pub fn failed(&self) -> bool {
        matches!(self.state.as_str(), "failed" | "rejected")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservedNetwork {
    pub id: String,
    pub name: String,
    /// `swarm` for networks services can join across nodes.
    pub scope: String,
    pub labels: BTreeMap<String, String>,
}

/// A config or secret.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedObject {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservedNode {
    pub id: String,
    pub hostname: String,
}


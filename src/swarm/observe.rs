//! What a Swarm holds of a stack, observed once per command: services, tasks, networks,
//! configs and secrets found by the namespace label (every network, to resolve the ids the
//! engine puts in service specs and to check external ones), and the nodes.

use std::collections::BTreeMap;

use super::names;
use crate::engine::swarm::{api, SwarmEngine};
use crate::engine::Result;

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
        self.labels().get(names::NAMESPACE).cloned()
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
    /// Unix seconds: when it was made, and when its state last changed.
    pub created_at: i64,
    pub updated_at: i64,
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

/// The stack as the Swarm holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    pub services: Vec<ObservedService>,
    /// Every network of the engine.
    pub networks: Vec<ObservedNetwork>,
    /// Every config and secret: external ones are looked up here too.
    pub configs: Vec<ObservedObject>,
    pub secrets: Vec<ObservedObject>,
}

impl Observed {
    /// One look at the engine: the calls run at once.
    pub async fn stack(engine: &impl SwarmEngine, stack: &str) -> Result<Observed> {
        let (services, networks, configs, secrets) = futures_util::try_join!(
            engine.list_services(Some(stack)),
            engine.list_networks(),
            engine.list_configs(),
            engine.list_secrets(),
        )?;
        Ok(Observed { services, networks, configs, secrets })
    }

    pub fn service(&self, name: &str) -> Option<&ObservedService> {
        self.services.iter().find(|s| s.name == name)
    }

    /// A network by name or id.
    pub fn network(&self, name_or_id: &str) -> Option<&ObservedNetwork> {
        self.networks
            .iter()
            .find(|n| n.name == name_or_id)
            .or_else(|| self.networks.iter().find(|n| n.id == name_or_id))
    }

    pub fn network_names(&self) -> BTreeMap<String, String> {
        self.networks.iter().map(|n| (n.id.clone(), n.name.clone())).collect()
    }
}

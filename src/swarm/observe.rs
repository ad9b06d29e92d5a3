//! What a Swarm holds of a stack, observed once per command: services, tasks, networks,
//! configs and secrets found by the namespace label (every network, to resolve the ids the
//! engine puts in service specs and to check external ones), and the nodes.

use std::collections::BTreeMap;

pub use crate::engine::swarm::observed::{ObservedNetwork, ObservedNode, ObservedObject, ObservedService, ObservedTask};
use crate::engine::swarm::SwarmEngine;
use crate::engine::Result;

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

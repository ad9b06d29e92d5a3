//! Containers, networks and volumes as the engine's lists report them: plain data, the
//! parts the planner's view of a project (`observe`) is made of.

use std::collections::BTreeMap;

use crate::model::IpamPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

impl RunState {
    /// Running, paused or restarting: what `docker ps` lists without `-a`, and what a stop acts on.
    pub fn is_running(self) -> bool {
        matches!(self, RunState::Running | RunState::Restarting | RunState::Paused)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservedContainer {
    pub id: String,
    pub name: String,
    pub service: String,
    pub number: u32,
    pub oneoff: bool,
    pub labels: BTreeMap<String, String>,
    /// The image id the container runs.
    pub image_id: String,
    pub state: RunState,
    pub health: Option<Health>,
    /// Anonymous volumes by mount target, carried over when the container is recreated.
    pub anonymous_volumes: BTreeMap<String, String>,
    /// The engine names of the networks it is connected to.
    pub networks: Vec<String>,
    /// The named volumes it mounts.
    pub named_volumes: Vec<String>,
    pub created: i64,
}

/// A network as the engine's list shows it: enough to tell, field by field, how it differs
/// from its definition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedNetwork {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub driver: String,
    pub options: BTreeMap<String, String>,
    pub internal: bool,
    pub attachable: bool,
    pub enable_ipv6: bool,
    pub ipam_driver: String,
    pub ipam_options: BTreeMap<String, String>,
    pub ipam_pools: Vec<IpamPool>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedVolume {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub driver: String,
    pub mountpoint: String,
    pub scope: String,
}

impl ObservedContainer {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

//! What the engine holds for a project, as plain data: the planner's view of the world.
//! Taken once per command, through the engine seam.

use std::collections::BTreeMap;

use crate::engine::{Engine, EngineError};
use crate::labels;
use crate::model::IpamPool;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    pub containers: Vec<ObservedContainer>,
    pub networks: Vec<ObservedNetwork>,
    /// Networks without the project's label, by name, with the project that made them if
    /// compose did: one may hold a project network's name.
    pub foreign_networks: BTreeMap<String, Option<String>>,
    pub volumes: Vec<ObservedVolume>,
    /// Image references present locally, with their image ids.
    pub images: BTreeMap<String, String>,
    /// Networks and volumes declared `external`, by name: whether they exist.
    pub external_networks: BTreeMap<String, bool>,
    pub external_volumes: BTreeMap<String, bool>,
}

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

#[derive(Debug, Clone, PartialEq)]
pub struct ObservedVolume {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

impl ObservedContainer {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// What to look at besides the project's labelled resources.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub images: Vec<String>,
    pub external_networks: Vec<String>,
    pub external_volumes: Vec<String>,
}

/// Observes a project: its containers (one-offs included), networks and volumes found by
/// label, and the images and external resources the desired state needs.
/// Every question goes to the engine at once: a no-op `up` costs one round trip, not several.
pub async fn observe<E: Engine>(engine: &E, project: &str, wanted: &Wanted) -> Result<Observed, EngineError> {
    let images = futures_util::future::try_join_all(wanted.images.iter().map(|i| async move {
        Ok::<_, EngineError>(engine.image_id(i).await?.map(|id| (i.clone(), id)))
    }));
    let networks_exist = futures_util::future::try_join_all(wanted.external_networks.iter().map(|n| async move {
        Ok::<_, EngineError>((n.clone(), engine.network_exists(n).await?))
    }));
    let volumes_exist = futures_util::future::try_join_all(wanted.external_volumes.iter().map(|v| async move {
        Ok::<_, EngineError>((v.clone(), engine.volume_exists(v).await?))
    }));
    let (containers, networks, volumes, images, external_networks, external_volumes) = futures_util::try_join!(
        engine.list_containers(project),
        engine.list_networks(),
        engine.list_volumes(project),
        images,
        networks_exist,
        volumes_exist,
    )?;
    let (networks, foreign): (Vec<ObservedNetwork>, Vec<ObservedNetwork>) =
        networks.into_iter().partition(|n| n.labels.get(labels::PROJECT).is_some_and(|p| p == project));
    Ok(Observed {
        containers,
        networks,
        foreign_networks: foreign.into_iter().map(|n| (n.name, n.labels.get(labels::PROJECT).cloned())).collect(),
        volumes,
        images: images.into_iter().flatten().collect(),
        external_networks: external_networks.into_iter().collect(),
        external_volumes: external_volumes.into_iter().collect(),
    })
}

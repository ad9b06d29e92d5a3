//! What the engine holds for a project, as plain data: the planner's view of the world.
//! Taken once per command, through the engine seam.

use std::collections::BTreeMap;

pub use crate::engine::observed::{Health, ObservedContainer, ObservedNetwork, ObservedVolume, RunState};
use crate::engine::{Engine, EngineError};
use crate::labels;

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
    let label = super::names::project_filter(project);
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
        engine.list_containers(&label),
        engine.list_networks(),
        engine.list_volumes(&label),
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

//! Reaching the engine, and observing the project there once.

use std::sync::Arc;

use crate::engine::docker::DockerEngine;
use crate::engine::{EngineError, Kind};
use crate::load;
use crate::containers::observe::{self, Observed, Wanted};
use crate::containers::desired::Desired;

pub async fn connect(env: &load::Env) -> Option<Arc<DockerEngine>> {
    match DockerEngine::connect(env).await {
        Ok(e) => Some(Arc::new(e)),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// Observes the project, plus the images and external resources the desired state names.
pub async fn observe_for(engine: &DockerEngine, desired: &Desired) -> Option<Observed> {
    let images: std::collections::BTreeSet<&String> = desired.services.iter().map(|s| &s.image).collect();
    let wanted = Wanted {
        images: images.into_iter().cloned().collect(),
        external_networks: desired.networks.iter().filter(|n| n.external).map(|n| n.name.clone()).collect(),
        external_volumes: desired.volumes.iter().filter(|v| v.external).map(|v| v.name.clone()).collect(),
    };
    match observe::observe(engine, &desired.project, &wanted).await {
        Ok(o) => Some(o),
        Err(e) => {
            eprintln!("error: {}", named(e, engine));
            None
        }
    }
}

/// An engine that stopped answering is named, as the error itself does not say which.
pub(super) fn named(e: EngineError, engine: &DockerEngine) -> EngineError {
    match e.kind {
        Kind::Unreachable => {
            e.context(format!("the Docker engine at {} stopped answering (restarted, or gone)", engine.address()))
        }
        _ => e,
    }
}

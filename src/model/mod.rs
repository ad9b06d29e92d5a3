//! The typed project: what the engine side acts on and what `config` prints.
//!
//! Serialising a `Project` gives the shape of `docker compose config` (YAML): every `x-*`
//! extension kept where it was written. `Project::json_view` gives the shape of
//! `config --format json`, where the reference keeps extensions only at the top level.
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

pub mod build;
pub mod deploy;
pub mod develop;
pub mod healthcheck;
pub mod hook;
pub mod host;
mod json;
pub mod models;
pub mod mounts;
pub mod network;
pub mod ports;
pub mod resource;
pub mod service;
pub mod types;
pub mod volume;

pub use build::Build;
pub use deploy::{Deploy, DeviceRequest, Resource, Resources};
pub use develop::{Develop, WatchAction, WatchRule};
pub use healthcheck::Healthcheck;
pub use models::{Model, ServiceModel};
pub use mounts::{BindOptions, MountType, ServiceVolume, TmpfsOptions, VolumeOptions};
pub use network::{Ipam, IpamPool, Network, ServiceNetwork};
pub use ports::Port;
pub use resource::{FileObject, InjectedFile, Sensitive, ServiceFileRef};
pub use hook::Hook;
pub use host::{ExtraHosts, Ulimit};
pub use service::{Condition, DependsOn, Device, EnvFile, PreStartHook, Provider, Restart, Service};
pub use types::{ByteSize, Extensions, FileMode, GoDuration, StringMap};
pub use volume::Volume;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    #[serde(
        default,
        deserialize_with = "entries",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub configs: BTreeMap<String, FileObject>,
    #[serde(
        default,
        deserialize_with = "entries",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub models: BTreeMap<String, Model>,
    #[serde(default)]
    pub name: String,
    /// `--compatibility`: container names joined with `_`, as compose v1 named them. Not part
    /// of the file.
    #[serde(skip)]
    pub compatibility: bool,
    #[serde(
        default,
        deserialize_with = "entries",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub networks: BTreeMap<String, Network>,
    #[serde(
        default,
        deserialize_with = "entries",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub secrets: BTreeMap<String, FileObject>,
    #[serde(default, deserialize_with = "entries")]
    pub services: BTreeMap<String, Service>,
    #[serde(
        default,
        deserialize_with = "entries",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub volumes: BTreeMap<String, Volume>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A resource map whose entries may be empty (`some-volume:`), meaning all defaults.
fn entries<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let raw = Option::<BTreeMap<String, Option<T>>>::deserialize(d)?.unwrap_or_default();
    Ok(raw.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

impl Project {
    /// The project as `config --format json` prints it: extensions below the top level dropped.
    pub fn json_view(&self) -> Project {
        let mut p = self.clone();
        json::strip_nested_extensions(&mut p);
        p
    }
}

impl Service {
    /// The service as `config --format json` prints it: without `x-*` extensions.
    pub fn json_view(&self) -> Service {
        let mut s = self.clone();
        json::strip_service_extensions(&mut s);
        s
    }

    /// The environment as the engine takes it, sorted by name: `KEY=value`, and a variable
    /// without a value by name alone (the engine keeps it so, as the reference sends it).
    pub fn env_list(&self) -> Vec<String> {
        self.environment
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            })
            .collect()
    }
}

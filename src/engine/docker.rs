//! The engine seam on a real Docker Engine, through bollard.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::sync::Arc;

use bollard::models::{
    ContainerInspectResponse, ContainerSummary, EndpointSettings, MountPoint, MountPointTypeEnum,
    NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest, Port, VolumeCreateOptions,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ListContainersOptions, ListImagesOptions, ListNetworksOptions,
    ListVolumesOptions, LogsOptions, RemoveContainerOptions, RemoveImageOptions, RemoveVolumeOptions,
    RenameContainerOptions, StartContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use futures_util::TryStreamExt;

use super::build;
pub use super::buildkit::trace::Style as BuildStyle;
use super::{
    BuildOutput, BuildSpec, ContainerCreate, ContainerStatus, Engine, EngineError, ImageInfo, Kind, PsEntry, Publisher,
    Result,
};
use crate::labels;
use crate::env::Env;
use crate::model::InjectedFile;
use super::observed::{Health, ObservedContainer, ObservedNetwork, ObservedVolume, RunState};
use super::retry::{retrying, Call, BACKOFF};

mod gate;
mod network;
mod streams;

use gate::Gate;
use network::observed_network;


/// A Docker Engine. Build output goes to `output` (standard error unless replaced).
#[derive(Clone)]
pub struct DockerEngine {
    docker: Docker,
    /// Where the engine was reached, for errors that must name it.
    address: String,
    output: BuildOutput,
    builder: build::Builder,
    endpoints: Gate,
}

impl DockerEngine {
    pub fn new(docker: Docker, env: &Env) -> DockerEngine {
        let style = if std::io::stderr().is_terminal() { BuildStyle::Steps } else { BuildStyle::Plain };
        let builder = build::Builder::choose(env, docker.client_version(), style);
        let output: BuildOutput = Arc::new(|text: &str| {
            let mut err = std::io::stderr().lock();
            // Build output is informative; a closed stderr must not fail the build.
            let _ = err.write_all(text.as_bytes());
        });
        let endpoints = Gate::for_api(&docker.client_version());
        DockerEngine { docker, address: super::connect::host(env).to_string(), output, builder, endpoints }
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// Connects to the engine `DOCKER_HOST` names (see `connect::connect`).
    pub async fn connect(env: &Env) -> Result<DockerEngine> {
        Ok(DockerEngine::new(super::connect::connect(env).await?, env))
    }

    pub fn with_output(self, output: BuildOutput) -> DockerEngine {
        DockerEngine { output, ..self }
    }

    pub fn output(&self) -> BuildOutput {
        self.output.clone()
    }

    /// How BuildKit's progress is shown (`--progress`).
    pub fn with_build_style(self, style: BuildStyle) -> DockerEngine {
        DockerEngine { builder: self.builder.with_style(style), ..self }
    }

    async fn labelled_containers(&self, filters: Vec<String>) -> Result<Vec<ContainerSummary>> {
        let options = ListContainersOptions {
            all: true,
            filters: Some(label_filter(filters)),
            ..Default::default()
        };
        Ok(self.docker.list_containers(Some(options)).await?)
    }

    async fn inspect(&self, id: &str) -> Result<ContainerInspectResponse> {
        Ok(self
            .docker
            .inspect_container(id, None::<bollard::query_parameters::InspectContainerOptions>)
            .await?)
    }

    async fn connect_networks(&self, id: &str, networks: Vec<(String, EndpointSettings)>) -> Result<()> {
        for (network, endpoint) in networks {
            let request = NetworkConnectRequest {
                container: Some(id.to_string()),
                endpoint_config: Some(endpoint),
            };
            self.endpoints
                .adding(self.docker.connect_network(&network, request))
                .await
                .map_err(|e| EngineError::from(e).context(format!("connecting to network {network}")))?;
        }
        Ok(())
    }
}

fn label_filter(labels: Vec<String>) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), labels)])
}

impl Engine for DockerEngine {
    /// Only containers a compose tool made, which all carry the one-off label: a container
    /// run by hand from an image the project built inherits the image's project label, but
    /// it is not the project's.
    async fn list_containers(&self, label: &str) -> Result<Vec<ObservedContainer>> {
        let summaries = self.labelled_containers(vec![label.to_string(), labels::ONEOFF.to_string()]).await?;
        Ok(summaries.into_iter().map(observed).collect())
    }

    async fn all_containers(&self, label: &str) -> Result<Vec<ObservedContainer>> {
        let summaries = self.labelled_containers(vec![label.to_string()]).await?;
        Ok(summaries.into_iter().map(observed).collect())
    }

    async fn list_networks(&self) -> Result<Vec<ObservedNetwork>> {
        let networks = self.docker.list_networks(None::<ListNetworksOptions>).await?;
        Ok(networks.into_iter().map(observed_network).collect())
    }

    async fn disconnect_network(&self, network: &str, container: &str) -> Result<()> {
        let request = NetworkDisconnectRequest { container: Some(container.to_string()), force: Some(true) };
        self.endpoints
            .dropping(self.docker.disconnect_network(network, request))
            .await
            .map_err(|e| EngineError::from(e).context(format!("disconnecting {container} from network {network}")))
    }

    async fn connect_network(&self, container: &str, network: &str, endpoint: &EndpointSettings) -> Result<()> {
        self.connect_networks(container, vec![(network.to_string(), endpoint.clone())]).await
    }

    async fn list_volumes(&self, label: &str) -> Result<Vec<ObservedVolume>> {
        let options = ListVolumesOptions {
            filters: Some(label_filter(vec![label.to_string()])),
        };
        let volumes = self
            .docker
            .list_volumes(Some(options))
            .await?
            .volumes
            .unwrap_or_default();
        Ok(volumes
            .into_iter()
            .map(|v| ObservedVolume {
                name: v.name,
                labels: v.labels.into_iter().collect(),
                driver: v.driver,
                mountpoint: v.mountpoint,
                scope: v.scope.map(|s| s.to_string()).unwrap_or_default(),
            })
            .collect())
    }

    async fn network_exists(&self, name: &str) -> Result<bool> {
        let found = self
            .docker
            .inspect_network(name, None::<bollard::query_parameters::InspectNetworkOptions>)
            .await;
        exists(found.map_err(EngineError::from))
    }

    async fn volume_exists(&self, name: &str) -> Result<bool> {
        exists(self.docker.inspect_volume(name).await.map_err(EngineError::from))
    }

    async fn image_id(&self, reference: &str) -> Result<Option<String>> {
        match self
            .docker
            .inspect_image(reference)
            .await
            .map_err(EngineError::from)
        {
            Ok(image) => Ok(image.id),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn image_info(&self, reference: &str) -> Result<Option<ImageInfo>> {
        match self.docker.inspect_image(reference).await.map_err(EngineError::from) {
            Ok(i) => Ok(Some(ImageInfo {
                id: i.id.unwrap_or_default(),
                size: i.size.unwrap_or(0),
                created: go_time(i.created.as_ref()),
                last_tag_time: go_time(i.metadata.as_ref().and_then(|m| m.last_tag_time.as_ref())),
                platform: format!("{}/{}", i.os.unwrap_or_default(), i.architecture.unwrap_or_default()),
            })),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn dangling_images(&self, label: &str) -> Result<Vec<String>> {
        let mut filters = label_filter(vec![label.to_string()]);
        filters.insert("dangling".to_string(), vec!["true".to_string()]);
        let options = ListImagesOptions { filters: Some(filters), ..ListImagesOptions::default() };
        let images = self.docker.list_images(Some(options)).await?;
        Ok(images.into_iter().map(|i| i.id).collect())
    }

    async fn pull_image(&self, reference: &str, platform: Option<&str>) -> Result<()> {
        let reference = with_default_tag(reference);
        let options = CreateImageOptions {
            from_image: Some(reference.clone()),
            platform: platform.unwrap_or_default().to_string(),
            ..Default::default()
        };
        self.docker
            .create_image(Some(options), None, None)
            .try_for_each(|_| async { Ok(()) })
            .await
            .map_err(|e| EngineError::from(e).context(format!("pulling image \"{reference}\"")))
    }

    async fn push_image(&self, reference: &str) -> Result<()> {
        let reference = with_default_tag(reference);
        let (name, tag) = build::split_tag(&reference);
        let options = bollard::query_parameters::PushImageOptions { tag: tag.map(String::from), ..Default::default() };
        self.docker
            .push_image(name, Some(options), None)
            .try_for_each(|info| async move {
                match info.error_detail.and_then(|d| d.message).or(info.error) {
                    Some(message) => Err(bollard::errors::Error::DockerResponseServerError { status_code: 500, message }),
                    None => Ok(()),
                }
            })
            .await
            .map_err(|e| EngineError::from(e).context(format!("pushing image \"{reference}\"")))
    }

    async fn build_image(&self, spec: &BuildSpec) -> Result<()> {
        build::build(&self.docker, &self.builder, spec, &self.output).await
    }

    async fn remove_image(&self, reference: &str) -> Result<()> {
        self.docker
            .remove_image(reference, None::<RemoveImageOptions>, None)
            .await
            .map(drop)
            .map_err(|e| EngineError::from(e).context(format!("removing image \"{reference}\"")))
    }

    /// Engines before API 1.44 make a second network of a name unless asked not to, which
    /// bollard cannot ask: one that says it made a duplicate has it removed again, and the
    /// create fails as a taken name.
    async fn create_network(&self, body: &NetworkCreateRequest) -> Result<()> {
        let doing = || format!("creating network {}", body.name);
        let created = self
            .docker
            .create_network(body.clone())
            .await
            .map_err(|e| EngineError::from(e).context(doing()))?;
        if !created.warning.contains("already exists") {
            return Ok(());
        }
        self.docker.remove_network(&created.id).await.map_err(|e| EngineError::from(e).context(doing()))?;
        Err(EngineError::new(Kind::NameInUse, created.warning).context(doing()))
    }

    /// The endpoints of removed containers are normally released within the retries. Past
    /// them, endpoints the engine still lists without their container (stale: the container is
    /// gone) are dropped, and only those: a live container attached from elsewhere stays, and
    /// the network with it ("in use", as the reference says). None listed means the engine
    /// miscounted (see `network::MISCOUNTED`): a failure, as the reference's, but explained.
    async fn remove_network(&self, name: &str) -> Result<()> {
        let remove = || async { Ok(self.docker.remove_network(name).await?) };
        let result = match retrying(Call::RemoveNetwork, BACKOFF, remove).await {
            Err(e) if network::endpoints_held(&e) => match self.drop_stale_endpoints(name).await? {
                Attached::Gone => Ok(()),
                Attached::Stale(0) => Err(e),
                Attached::Stale(_) => retrying(Call::RemoveNetwork, BACKOFF, remove).await,
                Attached::Nothing => Err(EngineError::new(Kind::Other, format!("{}: {}", e.message, network::MISCOUNTED))),
            },
            other => other,
        };
        result.map_err(|e| e.context(format!("removing network {name}")))
    }

    async fn create_volume(&self, body: &VolumeCreateOptions) -> Result<()> {
        self.docker
            .create_volume(body.clone())
            .await
            .map(drop)
            .map_err(|e| EngineError::from(e).context(format!("creating volume {}", body.name.as_deref().unwrap_or_default())))
    }

    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.docker
            .remove_volume(name, None::<RemoveVolumeOptions>)
            .await
            .map_err(|e| EngineError::from(e).context(format!("removing volume {name}")))
    }

    async fn create_container(&self, create: &ContainerCreate) -> Result<String> {
        let options = CreateContainerOptions {
            name: Some(create.name.clone()),
            platform: create.platform.clone().unwrap_or_default(),
        };
        let created = self
            .docker
            .create_container(Some(options), create.body.clone())
            .await
            .map_err(|e| EngineError::from(e).context(format!("creating container {}", create.name)))?;
        let mut finished = self.connect_networks(&created.id, create.extra_networks.clone()).await;
        if finished.is_ok() && !create.files.is_empty() {
            finished = self.write_files(&created.id, &create.files).await;
        }
        if let Err(e) = finished {
            // A container missing a network or a secret would pass for a correct one on the
            // next `up`.
            let _ = self.remove_container(&created.id, true).await;
            return Err(e.context(format!("creating container {}", create.name)));
        }
        Ok(created.id)
    }

    /// One archive of the files with an owner given, one of those without (they belong to
    /// the container's root, as the engine maps it), as the reference copies them.
    async fn write_files(&self, id: &str, files: &[InjectedFile]) -> Result<()> {
        let (owned, unowned): (Vec<InjectedFile>, Vec<InjectedFile>) =
            files.iter().cloned().partition(|f| f.owned);
        for (files, copy_owner) in [(unowned, false), (owned, true)] {
            if files.is_empty() {
                continue;
            }
            let archive =
                crate::archive::pack_files(&files).map_err(|e| EngineError::new(Kind::Other, e))?;
            self.put_archive(id, "/", archive, copy_owner)
                .await
                .map_err(|e| e.context("writing secrets and configs"))?;
        }
        Ok(())
    }

    async fn start_container(&self, id: &str) -> Result<()> {
        let start = retrying(Call::StartContainer, BACKOFF, || async {
            Ok(self.docker.start_container(id, None::<StartContainerOptions>).await?)
        });
        self.endpoints.adding(start).await
    }

    async fn stop_container(&self, id: &str, timeout: Option<i64>) -> Result<()> {
        let t = timeout.map(|t| i32::try_from(t).unwrap_or(i32::MAX));
        let stop = retrying(Call::StopContainer, BACKOFF, || async {
            Ok(self.docker.stop_container(id, Some(StopContainerOptions { t, signal: None })).await?)
        });
        self.endpoints.dropping_briefly(self.settled(id, stop)).await
    }

    async fn remove_container(&self, id: &str, remove_volumes: bool) -> Result<()> {
        let remove = |force| {
            let options = RemoveContainerOptions { v: remove_volumes, force, link: false };
            retrying(Call::RemoveContainer, BACKOFF, move || {
                let options = options.clone();
                async move { Ok(self.docker.remove_container(id, Some(options)).await?) }
            })
        };
        if !self.endpoints.guards() {
            return remove(true).await;
        }
        // A stopped container holds no endpoint: only the removal of a running one, which
        // the engine refuses without force, is an endpoint change.
        match remove(false).await {
            Err(e) if e.kind == Kind::Conflict => self.endpoints.dropping(remove(true)).await,
            done => done,
        }
    }

    async fn kill_container(&self, id: &str, signal: &str) -> Result<()> {
        let options = bollard::query_parameters::KillContainerOptions { signal: signal.to_string() };
        let kill = async { Ok(self.docker.kill_container(id, Some(options)).await?) };
        self.endpoints.dropping_briefly(self.settled(id, kill)).await
    }

    async fn pause_container(&self, id: &str) -> Result<()> {
        Ok(self.docker.pause_container(id).await?)
    }

    async fn unpause_container(&self, id: &str) -> Result<()> {
        Ok(self.docker.unpause_container(id).await?)
    }

    async fn rename_container(&self, id: &str, name: &str) -> Result<()> {
        Ok(self
            .docker
            .rename_container(
                id,
                RenameContainerOptions {
                    name: name.to_string(),
                },
            )
            .await?)
    }

    async fn find_container(&self, name: &str) -> Result<Option<ObservedContainer>> {
        let options = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("name".to_string(), vec![format!("^/{name}$")])])),
            ..Default::default()
        };
        let found = self.docker.list_containers(Some(options)).await?;
        Ok(found.into_iter().map(observed).find(|c| c.name == name))
    }

    async fn container_id(&self, name: &str) -> Result<Option<String>> {
        match self.inspect(name).await {
            Ok(c) => Ok(c.id),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn container_status(&self, id: &str) -> Result<ContainerStatus> {
        Ok(status(&self.inspect(id).await?))
    }

    async fn logs_tail(&self, id: &str, lines: usize) -> Result<String> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: lines.to_string(),
            ..Default::default()
        };
        let chunks: Vec<_> = self
            .docker
            .logs(id, Some(options))
            .try_collect()
            .await
            .map_err(EngineError::from)?;
        let bytes: Vec<u8> = chunks.into_iter().flat_map(|c| c.into_bytes()).collect();
        Ok(last_lines(&String::from_utf8_lossy(&bytes), lines))
    }

    async fn ps(&self, label: &str) -> Result<Vec<PsEntry>> {
        let made_by_compose = labels::CONFIG_HASH.to_string();
        let summaries = self
            .labelled_containers(vec![label.to_string(), made_by_compose])
            .await?;
        // The list alone says it all (health and exit code are in the status text): one
        // inspect per container would cost more than the list itself.
        let mut entries: Vec<PsEntry> = summaries.into_iter().map(ps_entry).collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }
}

/// What a network that cannot be removed still has attached, once stale endpoints went.
enum Attached {
    /// The network went meanwhile.
    Gone,
    /// Nothing at all: the engine's count of endpoints is off.
    Nothing,
    /// This many stale endpoints were dropped (live containers may be attached besides).
    Stale(usize),
}

impl DockerEngine {
    /// `change` (a stop or a kill), then a look at the container. The engine answers a stop
    /// once the container is marked stopped, and only then releases its endpoints, holding
    /// the container meanwhile; the look waits for that, so that the gate covers it.
    async fn settled(&self, id: &str, change: impl std::future::Future<Output = Result<()>>) -> Result<()> {
        change.await?;
        if self.endpoints.guards() {
            let _ = self.inspect(id).await;
        }
        Ok(())
    }

    /// Force-disconnects from the network `name` the endpoints whose container is gone, by
    /// endpoint name (the engine finds those by name when no container has it).
    async fn drop_stale_endpoints(&self, name: &str) -> Result<Attached> {
        let found = self.docker.inspect_network(name, None::<bollard::query_parameters::InspectNetworkOptions>).await;
        let attached = match found.map_err(EngineError::from) {
            Ok(n) => network::endpoints(n),
            Err(e) if e.is_not_found() => return Ok(Attached::Gone),
            Err(e) => return Err(e),
        };
        if attached.is_empty() {
            return Ok(Attached::Nothing);
        }
        let mut dropped = 0;
        for endpoint in attached {
            let gone = match &endpoint.container {
                Some(id) => !exists(self.inspect(id).await)?,
                None => true,
            };
            if gone && self.disconnect_network(name, &endpoint.name).await.is_ok() {
                dropped += 1;
            }
        }
        Ok(Attached::Stale(dropped))
    }
}

fn exists<T>(found: Result<T>) -> Result<bool> {
    match found {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The engine pulls every tag of a repository given without one; the CLI means `latest`.
fn with_default_tag(reference: &str) -> String {
    if reference.contains('@') || build::split_tag(reference).1.is_some() {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

pub(crate) fn run_state(state: &str) -> RunState {
    match state {
        "created" => RunState::Created,
        "running" => RunState::Running,
        "paused" => RunState::Paused,
        "restarting" => RunState::Restarting,
        "removing" => RunState::Removing,
        "exited" => RunState::Exited,
        // Not a state the engine documents: treat the container as unusable.
        _ => RunState::Dead,
    }
}

fn health(status: &str) -> Option<Health> {
    match status {
        "starting" => Some(Health::Starting),
        "healthy" => Some(Health::Healthy),
        "unhealthy" => Some(Health::Unhealthy),
        _ => None,
    }
}

/// `Exited (3) 2 seconds ago` → 3; a container that has not exited reports 0, as the engine.
fn exit_code_in_status(status: &str) -> i64 {
    status
        .strip_prefix("Exited (")
        .and_then(|rest| rest.split_once(')'))
        .and_then(|(code, _)| code.parse().ok())
        .unwrap_or(0)
}

/// The health the engine appends to a container's status text: `Up 3 seconds (health: starting)`.
fn health_in_status(status: &str) -> Option<Health> {
    let inner = status.strip_suffix(')')?.rsplit_once('(')?.1;
    health(inner.strip_prefix("health: ").unwrap_or(inner))
}

/// Volumes the engine named itself (64 hex digits) are the container's anonymous volumes.
fn is_anonymous_volume(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

fn anonymous_volumes(mounts: &[MountPoint]) -> BTreeMap<String, String> {
    mounts
        .iter()
        .filter(|m| m.typ == Some(MountPointTypeEnum::VOLUME))
        .filter_map(|m| Some((m.destination.clone()?, m.name.clone()?)))
        .filter(|(_, name)| is_anonymous_volume(name))
        .collect()
}

fn named_volumes(mounts: &[MountPoint]) -> Vec<String> {
    let volumes = mounts.iter().filter(|m| m.typ == Some(MountPointTypeEnum::VOLUME));
    volumes.filter_map(|m| m.name.clone()).filter(|name| !is_anonymous_volume(name)).collect()
}

fn container_name(names: Option<&Vec<String>>) -> String {
    let first = names.and_then(|n| n.first()).map_or("", String::as_str);
    first.trim_start_matches('/').to_string()
}

fn observed(s: ContainerSummary) -> ObservedContainer {
    let networks = connected_networks(&s);
    let labels: BTreeMap<String, String> = s.labels.unwrap_or_default().into_iter().collect();
    let status = s.status.unwrap_or_default();
    ObservedContainer {
        id: s.id.unwrap_or_default(),
        name: container_name(s.names.as_ref()),
        service: labels.get(labels::SERVICE).cloned().unwrap_or_default(),
        number: labels
            .get(labels::CONTAINER_NUMBER)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        oneoff: labels::is_one_off(labels.get(labels::ONEOFF).map(String::as_str)),
        image_id: s.image_id.unwrap_or_default(),
        state: run_state(&s.state.map(|s| s.to_string()).unwrap_or_default()),
        health: health_in_status(&status),
        anonymous_volumes: anonymous_volumes(s.mounts.as_deref().unwrap_or_default()),
        named_volumes: named_volumes(s.mounts.as_deref().unwrap_or_default()),
        networks,
        created: s.created.unwrap_or(0),
        labels,
    }
}

fn connected_networks(s: &ContainerSummary) -> Vec<String> {
    let mut networks: Vec<String> = s
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| n.keys().cloned().collect())
        .unwrap_or_default();
    networks.sort();
    networks
}

fn status(inspect: &ContainerInspectResponse) -> ContainerStatus {
    let state = inspect.state.clone().unwrap_or_default();
    let checks = state.health.as_ref().and_then(|h| h.log.as_ref());
    ContainerStatus {
        state: run_state(&state.status.map(|s| s.to_string()).unwrap_or_default()),
        health: state
            .health
            .as_ref()
            .and_then(|h| h.status)
            .and_then(|s| health(s.as_ref())),
        exit_code: state.exit_code,
        health_output: checks
            .and_then(|l| l.last())
            .and_then(|r| r.output.clone())
            .map(|o| o.trim_end().to_string()),
    }
}

/// A time the engine gave, as the reference prints it; Go's zero time when there is none.
fn go_time(date: Option<&bollard::models::BollardDate>) -> String {
    match date.and_then(|d| d.timestamp_nanos_opt()) {
        Some(nanos) => crate::timespec::rfc3339_go(nanos),
        None => "0001-01-01T00:00:00Z".to_string(),
    }
}

fn publisher(p: &Port) -> Publisher {
    Publisher {
        url: p.ip.clone().unwrap_or_default(),
        target_port: p.private_port,
        published_port: p.public_port.unwrap_or(0),
        protocol: p.typ.map(|t| t.to_string()).unwrap_or_default(),
    }
}

fn ps_entry(s: ContainerSummary) -> PsEntry {
    let status = s.status.clone().unwrap_or_default();
    let mounts = s.mounts.clone().unwrap_or_default();
    let mut publishers: Vec<Publisher> = s.ports.as_deref().unwrap_or_default().iter().map(publisher).collect();
    // By container port as the reference sorts them; within one port its order follows the
    // engine's listing, most often tcp before udp, then host port and address.
    publishers.sort_by(|a, b| {
        let key = |p: &Publisher| (p.target_port, p.protocol.clone(), p.published_port, p.url.clone());
        key(a).cmp(&key(b))
    });
    let container = observed(s.clone());
    PsEntry {
        id: container.id,
        name: container.name,
        image: s.image.unwrap_or_default(),
        command: s.command.unwrap_or_default(),
        project: container.labels.get(labels::PROJECT).cloned().unwrap_or_default(),
        service: container.service,
        number: container.number,
        oneoff: container.oneoff,
        created: container.created,
        state: container.state,
        health: health_in_status(&status),
        exit_code: exit_code_in_status(&status),
        status,
        publishers,
        labels: container.labels,
        networks: container.networks,
        mounts: mounts
            .iter()
            .map(|m| m.name.clone().or_else(|| m.source.clone()).unwrap_or_default())
            .collect(),
        local_volumes: mounts
            .iter()
            .filter(|m| m.driver.as_deref() == Some("local"))
            .count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_and_exit_code_are_read_from_the_status_text() {
        assert_eq!(exit_code_in_status("Exited (3) 2 seconds ago"), 3);
        assert_eq!(exit_code_in_status("Exited (137) About a minute ago"), 137);
        assert_eq!(exit_code_in_status("Up 5 seconds (healthy)"), 0);
        assert_eq!(health_in_status("Up 5 seconds (healthy)"), Some(Health::Healthy));
        assert_eq!(health_in_status("Up 1 second (health: starting)"), Some(Health::Starting));
        assert_eq!(health_in_status("Up 2 minutes"), None);
    }
}

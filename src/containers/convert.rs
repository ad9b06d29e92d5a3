//! Pure conversion of the containers, networks and volumes a plan makes to Docker Engine API
//! request bodies, named and labelled through `names`. What goes into each body follows what the reference
//! sends for the same project (observed on API 1.41), so that `docker inspect` shows the same
//! container whichever tool created it.

mod host;
mod mounts;
mod net;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_yaml::Value;

use super::names::{self, ResourceKind};
use super::ops::NewContainer;
use crate::engine::api::{
    ContainerCreateBody, EndpointSettings, Ipam, IpamConfig, NetworkCreateRequest, NetworkingConfig,
    VolumeCreateOptions,
};
use crate::engine::ContainerCreate;
use crate::model::{Network, Project, Service, Volume};

/// A network or volume to create, by its key in the project.
#[derive(Debug, Clone)]
pub struct ResourceSpec {
    pub project: Arc<Project>,
    pub key: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

/// What the conversion of one container needs to know besides the service itself.
struct Ctx<'a> {
    project: &'a Project,
    spec: &'a NewContainer,
    service: &'a Service,
    /// The id of the first container of each service this one shares, found at run time.
    shared_ids: &'a BTreeMap<String, String>,
}

impl Ctx<'_> {
    /// The name of replica `number` of another service of the project.
    fn container_name(&self, service: &str, number: u32) -> String {
        let declared = self.project.services.get(service).and_then(|s| s.container_name.as_deref());
        let sep = names::separator(self.project.compatibility);
        names::container(&self.project.name, sep, service, number, declared)
    }

    /// `service:x` names a service's container; the engine knows only `container:<name>`.
    fn namespace(&self, mode: &str) -> String {
        match mode.strip_prefix("service:") {
            Some(service) => format!("container:{}", self.container_name(service, 1)),
            None => mode.to_string(),
        }
    }
}

/// The image a container runs: the one pinned (`rollback`'s recorded id), else its service's
/// `image`, or the name its build is tagged with.
pub fn image(project: &Project, new: &NewContainer) -> String {
    let declared = project.services.get(&new.service).and_then(|s| s.image.as_deref());
    new.image.clone().unwrap_or_else(|| names::image(&project.name, &new.service, declared))
}

/// The create body of a container of `project`. `shared_ids`: the ids of the containers it
/// shares (its deferred part, see `Shared`); `image_id`: the id of the image it runs, recorded
/// in a label as the reference does.
pub fn container(
    project: &Project,
    spec: &NewContainer,
    shared_ids: &BTreeMap<String, String>,
    image_id: Option<&str>,
) -> ContainerCreate {
    let fallback = Service::default();
    let service = project.services.get(&spec.service).unwrap_or(&fallback);
    let ctx = Ctx { project, spec, service, shared_ids };
    let s = service;
    let links = net::links(&ctx);
    let networking = net::networking(&ctx, &links);
    let mut host = host::host_config(&ctx);
    host.network_mode = networking.mode;
    host.links = non_empty(links);
    host.port_bindings = Some(net::port_bindings(s));
    let (binds, mounts) = mounts::mounts(&ctx);
    host.binds = non_empty(binds);
    host.mounts = non_empty(mounts);
    host.volumes_from = non_empty(mounts::volumes_from(&ctx));
    let body = ContainerCreateBody {
        hostname: s.hostname.clone(),
        domainname: s.domainname.clone(),
        user: s.user.clone(),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(s.tty),
        open_stdin: Some(s.stdin_open),
        stdin_once: Some(spec.stdin_once),
        attach_stdin: Some(spec.stdin_once),
        exposed_ports: net::exposed_ports(s),
        env: non_empty(env(s)),
        cmd: s.command.clone(),
        entrypoint: s.entrypoint.clone(),
        healthcheck: s.healthcheck.as_ref().map(host::healthcheck),
        image: Some(image(project, spec)),
        working_dir: s.working_dir.clone(),
        labels: Some(container_labels(&ctx, image_id)),
        stop_signal: s.stop_signal.clone(),
        stop_timeout: s
            .stop_grace_period
            .map(|d| i64::try_from(d.0.as_secs()).unwrap_or(i64::MAX)),
        host_config: Some(host),
        networking_config: networking.primary.map(|(name, endpoint)| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(name, endpoint)])),
        }),
        ..Default::default()
    };
    ContainerCreate {
        name: spec.name.clone(),
        body,
        extra_networks: networking.extra,
        platform: s.platform.clone(),
        files: spec.files.clone(),
    }
}

/// The service's environment; with `use_api_socket`, the docker client in the container looks
/// for its configuration where the reference puts it (the reference also copies the user's
/// registry credentials there; dockhand forwards none).
fn env(s: &Service) -> Vec<String> {
    let mut env = s.env_list();
    if s.use_api_socket && !s.environment.contains_key("DOCKER_CONFIG") {
        env.push("DOCKER_CONFIG=/run/secrets/docker".to_string());
    }
    env
}

/// The planned labels with the config hash resolved once the shared containers' ids are known.
fn container_labels(ctx: &Ctx, image_id: Option<&str>) -> HashMap<String, String> {
    let own = ctx.service.labels.clone().into_iter().collect();
    let mut planned = ctx.spec.labels.clone();
    if let Some(shared) = &ctx.spec.shared {
        shared.resolve(&mut planned, ctx.shared_ids);
    }
    names::container_labels(&own, &planned, image_id).into_iter().collect()
}

/// The endpoint a container of `project` gets on one of its networks, as at create.
pub fn endpoint(project: &Project, spec: &NewContainer, network: &str) -> EndpointSettings {
    let fallback = Service::default();
    let service = project.services.get(&spec.service).unwrap_or(&fallback);
    let ctx = Ctx { project, spec, service, shared_ids: &BTreeMap::new() };
    let networking = net::networking(&ctx, &net::links(&ctx));
    networking
        .primary
        .into_iter()
        .chain(networking.extra)
        .find(|(name, _)| name == network)
        .map(|(_, e)| e)
        .unwrap_or_default()
}

/// The engine name of a project network.
pub fn network_name(project: &Project, key: &str) -> String {
    names::resource(&project.name, key, project.networks.get(key).and_then(|n| n.name.as_deref()))
}

/// The engine name of a project volume.
pub fn volume_name(project: &Project, key: &str) -> String {
    names::resource(&project.name, key, project.volumes.get(key).and_then(|v| v.name.as_deref()))
}

/// The number of containers a service runs when nothing overrides it.
fn replicas(s: &Service) -> u32 {
    let n = s
        .scale
        .or_else(|| s.deploy.as_ref().and_then(|d| d.replicas))
        .unwrap_or(1);
    u32::try_from(n).unwrap_or(0)
}

pub fn network(spec: &ResourceSpec) -> NetworkCreateRequest {
    let fallback = Network::default();
    let n = spec.project.networks.get(&spec.key).unwrap_or(&fallback);
    NetworkCreateRequest {
        name: spec.name.clone(),
        driver: n.driver.clone(),
        internal: Some(n.internal),
        attachable: Some(n.attachable),
        enable_ipv4: n.enable_ipv4,
        enable_ipv6: n.enable_ipv6,
        options: string_map(&n.driver_opts),
        ipam: ipam(n),
        labels: Some(resource_labels(
            spec,
            &n.labels,
            ResourceKind::Network,
            crate::hash::resource::network_hash(n, &spec.name),
        )),
        ..Default::default()
    }
}

/// No IPAM section at all when nothing is configured, so the engine picks its defaults.
fn ipam(n: &Network) -> Option<Ipam> {
    let i = &n.ipam;
    if i.driver.is_none() && i.config.is_empty() && i.options.is_empty() {
        return None;
    }
    let config = i
        .config
        .iter()
        .map(|p| IpamConfig {
            subnet: p.subnet.clone(),
            ip_range: p.ip_range.clone(),
            gateway: p.gateway.clone(),
            auxiliary_addresses: string_map(&p.aux_addresses),
        })
        .collect();
    Some(Ipam {
        driver: i.driver.clone(),
        config: non_empty(config),
        options: string_map(&i.options),
    })
}

pub fn volume(spec: &ResourceSpec) -> VolumeCreateOptions {
    let fallback = Volume::default();
    let v = spec.project.volumes.get(&spec.key).unwrap_or(&fallback);
    VolumeCreateOptions {
        name: Some(spec.name.clone()),
        driver: v.driver.clone(),
        driver_opts: string_map(&v.driver_opts),
        labels: Some(resource_labels(
            spec,
            &v.labels,
            ResourceKind::Volume,
            crate::hash::resource::volume_hash(v, &spec.name),
        )),
        ..Default::default()
    }
}

/// The resource's own labels, then the planner's, then the project's.
fn resource_labels(
    spec: &ResourceSpec,
    own: &BTreeMap<String, String>,
    kind: ResourceKind,
    hash: String,
) -> HashMap<String, String> {
    let mut given = own.clone();
    given.extend(spec.labels.clone());
    names::resource_labels(&given, kind, &spec.project.name, &spec.key, hash).into_iter().collect()
}

/// Empty lists are left out of bodies, as the reference leaves them null.
fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn string_map(m: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!m.is_empty()).then(|| m.clone().into_iter().collect())
}

/// A YAML scalar as the text the engine expects in option maps.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

//! The desired state: what the engine should hold for a project, derived from the model alone.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::containers::names;
use crate::graph::Graph;
use crate::hash::resource;
use crate::model::{Condition, InjectedFile, Network, Project, Service, Volume};

/// Where the project came from, written on every container as the reference does.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub working_dir: PathBuf,
    pub config_files: Vec<PathBuf>,
    pub environment_files: Vec<PathBuf>,
    /// Services the files define but profiles disabled: their containers are not orphans.
    pub disabled_services: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    Missing,
    Never,
    Build,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    pub condition: Condition,
    pub required: bool,
    pub restart: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredService {
    pub name: String,
    pub replicas: u32,
    pub hash: String,
    pub image: String,
    /// The image id its containers run instead of `image`: set by `rollback` when `image` no
    /// longer names the recorded one (a rebuild moved the tag).
    pub pinned_image: Option<String>,
    pub has_build: bool,
    pub pull_policy: PullPolicy,
    /// The platform its image is pulled for.
    pub platform: Option<String>,
    pub container_name: Option<String>,
    pub depends_on: Vec<Dependency>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    /// `stop_grace_period` in seconds.
    pub stop_timeout: Option<i64>,
    /// The configuration as JSON, kept on the container to explain a later recreate.
    pub applied: String,
    /// Labels every replica carries; its number and the applied configuration are added per
    /// replica (`containers::names::replica_labels`).
    pub labels: BTreeMap<String, String>,
    /// Labels an image built for it carries: they tell which project may prune it.
    pub image_labels: BTreeMap<String, String>,
    /// Set when the service joins other services' namespaces or takes their volumes.
    pub shares: Option<Shares>,
    /// The secrets and configs written into its containers, or why they cannot be.
    pub files: Result<Files, Vec<String>>,
    /// What the user should know about how it uses secrets and configs.
    pub file_warnings: Vec<String>,
    /// What its secrets and configs hold, as digests: the config hash names them only.
    pub content: Vec<names::ContentDigest>,
    /// `deploy.update_config`: how its containers are replaced. `None`: all at once, each
    /// stopped before its replacement is made.
    pub update: Option<super::update_policy::Policy>,
}

/// Files written into a container before it starts.
pub type Files = Arc<[InjectedFile]>;

/// What the hash of a service sharing with others is made from: the reference hashes it with
/// the ids of the containers it shares with, so it changes when they are replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Shares {
    pub services: Vec<String>,
    pub model: Box<Service>,
}

impl DesiredService {
    /// The config hash of a container made now; `ids` holds the id of the first container of
    /// each service it shares with.
    pub fn hash_with(&self, ids: &BTreeMap<String, String>) -> String {
        match &self.shares {
            Some(shares) => crate::hash::resolved_config_hash(&shares.model, ids),
            None => self.hash.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredResource {
    pub key: String,
    pub name: String,
    pub external: bool,
    /// The config hash written on the resource, as the reference computes it.
    pub hash: String,
    /// A network's definition, to explain why it is recreated.
    pub network: Option<Network>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub project: String,
    /// Joins the parts of a container name (`_` with `--compatibility`).
    pub separator: char,
    pub networks: Vec<DesiredResource>,
    pub volumes: Vec<DesiredResource>,
    /// Dependencies first.
    pub services: Vec<DesiredService>,
    /// Every service the files define, enabled or not.
    pub known_services: BTreeSet<String>,
}

impl Desired {
    pub fn service(&self, name: &str) -> Option<&DesiredService> {
        self.services.iter().find(|s| s.name == name)
    }

    /// Whether another service waits for `service` to exit 0 (`service_completed_successfully`):
    /// its containers are one-shots, done once they exited 0.
    pub fn completes(&self, service: &str) -> bool {
        self.services
            .iter()
            .flat_map(|o| &o.depends_on)
            .any(|d| d.service == service && d.condition == Condition::ServiceCompletedSuccessfully)
    }

    /// The desired state of `only` these services (`None`: of all), networks and volumes whole.
    pub fn scoped(&self, only: Option<&[String]>) -> Cow<'_, Desired> {
        match only {
            Some(only) => {
                let services = self.services.iter().filter(|s| only.contains(&s.name)).cloned().collect();
                Cow::Owned(Desired { services, ..self.clone() })
            }
            None => Cow::Borrowed(self),
        }
    }

    /// The container name of one replica.
    pub fn container_name(&self, s: &DesiredService, number: u32) -> String {
        names::container(&self.project, self.separator, &s.name, number, s.container_name.as_deref())
    }

    /// The container another service shares with: the first of the service's by name, as
    /// the reference picks it.
    pub fn shared_container(&self, service: &str) -> Option<String> {
        let s = self.service(service)?;
        (1..=s.replicas).map(|n| self.container_name(s, n)).min()
    }
}

/// `scale`: `--scale` overrides, by service.
pub fn desired(project: &Project, origin: &Origin, scale: &BTreeMap<String, u32>) -> Desired {
    let graph = Graph::new(project.services.iter().map(|(n, s)| (n.clone(), s.depends_on.keys().cloned().collect::<Vec<_>>())));
    let services = graph
        .dependencies_first()
        .into_iter()
        .filter_map(|name| project.services.get(&name).map(|s| service(project, origin, &name, s, scale.get(&name).copied())))
        .collect();
    let mut known_services: BTreeSet<String> = project.services.keys().cloned().collect();
    known_services.extend(origin.disabled_services.iter().cloned());
    Desired {
        project: project.name.clone(),
        separator: names::separator(project.compatibility),
        networks: project.networks.iter().map(|(k, n)| network(&project.name, k, n)).collect(),
        volumes: project.volumes.iter().map(|(k, v)| volume(&project.name, k, v)).collect(),
        services,
        known_services,
    }
}

fn network(project: &str, key: &str, n: &Network) -> DesiredResource {
    let name = names::resource(project, key, n.name.as_deref());
    let hash = resource::network_hash(n, &name);
    DesiredResource { key: key.to_string(), name, external: n.external, hash, network: Some(n.clone()) }
}

fn volume(project: &str, key: &str, v: &Volume) -> DesiredResource {
    let name = names::resource(project, key, v.name.as_deref());
    let hash = resource::volume_hash(v, &name);
    DesiredResource { key: key.to_string(), name, external: v.external, hash, network: None }
}

fn service(project: &Project, origin: &Origin, name: &str, s: &Service, scale: Option<u32>) -> DesiredService {
    let replicas = scale.unwrap_or_else(|| replicas(s));
    let image = names::image(&project.name, name, s.image.as_deref());
    let depends_on: Vec<Dependency> = s
        .depends_on
        .iter()
        .map(|(d, o)| Dependency { service: d.clone(), condition: o.condition, required: o.required, restart: o.restart })
        .collect();
    let hash = crate::hash::config_hash(s);
    let applied = serde_json::to_string(&s.json_view()).unwrap_or_default();
    let content = super::files::content(project, s);
    let mut labels = service_labels(project, origin, name, &hash, &depends_on);
    names::set_content(&mut labels, &content);
    let shared = crate::hash::referenced_services(s);
    let shares = (!shared.is_empty()).then(|| Shares { services: shared, model: Box::new(s.clone()) });
    DesiredService {
        name: name.to_string(),
        replicas,
        hash,
        image,
        pinned_image: None,
        has_build: s.build.is_some(),
        pull_policy: pull_policy(s),
        platform: s.platform.clone(),
        container_name: s.container_name.clone(),
        depends_on,
        networks: s.networks.keys().cloned().collect(),
        volumes: s.volumes.iter().filter_map(|v| named_volume(project, v)).collect(),
        stop_timeout: s.stop_grace_period.as_ref().map(|d| i64::try_from(d.0.as_secs()).unwrap_or(i64::MAX)),
        applied,
        labels,
        image_labels: image_labels(project, name, s),
        shares,
        files: super::files::injected(project, name, s).map(Files::from),
        file_warnings: super::files::ignored_overrides(project, name, s),
        content,
        update: s.deploy.as_ref().and_then(|d| {
            d.update_config.as_ref().map(|u| super::update_policy::Policy::new(u, d.rollback_config.as_ref(), s))
        }),
    }
}

/// `scale` wins over `deploy.replicas`; the loader already rejected the two disagreeing.
fn replicas(s: &Service) -> u32 {
    let n = s.scale.or_else(|| s.deploy.as_ref().and_then(|d| d.replicas)).unwrap_or(1);
    u32::try_from(n).unwrap_or(0)
}

fn pull_policy(s: &Service) -> PullPolicy {
    match s.pull_policy.as_deref() {
        Some("always") => PullPolicy::Always,
        Some("never") => PullPolicy::Never,
        Some("build") => PullPolicy::Build,
        _ => PullPolicy::Missing,
    }
}

fn named_volume(project: &Project, v: &crate::model::ServiceVolume) -> Option<String> {
    let source = v.source.as_deref()?;
    (v.kind == crate::model::MountType::Volume && project.volumes.contains_key(source)).then(|| source.to_string())
}

fn service_labels(
    project: &Project,
    origin: &Origin,
    name: &str,
    hash: &str,
    deps: &[Dependency],
) -> BTreeMap<String, String> {
    let depends_on: Vec<String> =
        deps.iter().map(|d| names::dependency(&d.service, condition_name(d.condition), d.restart)).collect();
    let origin = names::ProjectFiles {
        working_dir: &origin.working_dir,
        config_files: &origin.config_files,
        environment_files: &origin.environment_files,
    };
    names::service_labels(&project.name, name, hash, &depends_on, origin)
}

fn image_labels(project: &Project, name: &str, s: &Service) -> BTreeMap<String, String> {
    let build_labels = s.build.as_ref().map(|b| b.labels.clone().into_iter().collect()).unwrap_or_default();
    names::image_labels(&project.name, name, &build_labels)
}

pub fn condition_name(c: Condition) -> &'static str {
    match c {
        Condition::ServiceStarted => "service_started",
        Condition::ServiceHealthy => "service_healthy",
        Condition::ServiceCompletedSuccessfully => "service_completed_successfully",
    }
}

//! Pure conversion of a project into what a stack is on a Swarm: service specs, overlay
//! networks, configs and secrets, named and labelled as `docker stack deploy` makes them.
//! Every key without a Swarm meaning is warned about once, naming its services, or refused
//! where running without it would be wrong; fields the engine is too old for are warned about.

mod service;
#[cfg(test)]
mod tests;
mod unsupported;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::Engine as _;

use super::names;
use crate::engine::swarm::api;
use crate::model::{Condition, FileObject, Project};

/// The content of each config and secret (not external), by key, read before converting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contents {
    pub configs: BTreeMap<String, Vec<u8>>,
    pub secrets: BTreeMap<String, Vec<u8>>,
}

/// Reads the content of every config and secret the project defines: from its file, its
/// environment variable or inline. `read` reads a file (the real filesystem, or a map in tests).
pub fn read_contents(
    project: &Project,
    read: &dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<Contents, Vec<String>> {
    let mut errors = Vec::new();
    let mut read_all = |kind: &str, objects: &BTreeMap<String, FileObject>| -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for (key, o) in objects.iter().filter(|(_, o)| !o.external) {
            let content = if let Some(file) = &o.file {
                read(Path::new(file)).map_err(|e| format!("{kind} {key}: cannot read {file}: {e}"))
            } else if let Some(var) = &o.environment {
                o.value
                    .as_ref()
                    .map(|v| v.expose().as_bytes().to_vec())
                    .ok_or_else(|| format!("{kind} {key}: environment variable {var} is not set"))
            } else if let Some(content) = &o.content {
                Ok(content.expose().as_bytes().to_vec())
            } else {
                Err(format!("{kind} {key}: no file, environment or content to take it from"))
            };
            match content {
                Ok(c) => {
                    out.insert(key.clone(), c);
                }
                Err(e) => errors.push(e),
            }
        }
        out
    };
    let contents =
        Contents { configs: read_all("config", &project.configs), secrets: read_all("secret", &project.secrets) };
    if errors.is_empty() {
        Ok(contents)
    } else {
        Err(errors)
    }
}

/// The project as stack `stack` deploys it: the names the loader gave by default
/// (`<project>_<key>`) give way to the stack's own scoping, so that only names the file
/// chose are kept as they are.
pub fn for_stack(project: &mut Project, stack: &str) {
    let old = project.name.clone();
    let default = |key: &str| format!("{old}_{key}");
    let clear = |key: &String, name: &mut Option<String>, external: bool| {
        if !external && name.as_deref() == Some(default(key).as_str()) {
            *name = None;
        }
    };
    let mut p = std::mem::take(project);
    for (k, n) in p.networks.iter_mut() {
        clear(k, &mut n.name, n.external);
    }
    for (k, v) in p.volumes.iter_mut() {
        clear(k, &mut v.name, v.external);
    }
    for (k, o) in p.configs.iter_mut().chain(p.secrets.iter_mut()) {
        clear(k, &mut o.name, o.external);
    }
    p.name = stack.to_string();
    *project = p;
}

/// What the conversion needs besides the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The API version the engine speaks: newer fields are warned about and left out.
    pub api: (u32, u32),
}

/// A service as the stack wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredService {
    /// The key in the file (`web`).
    pub key: String,
    /// `<stack>_<key>`.
    pub name: String,
    pub spec: api::ServiceSpec,
    /// The services to wait for first, and for what.
    pub depends_on: BTreeMap<String, Condition>,
    /// `replicated-job` or `global-job`: it runs to completion.
    pub job: bool,
}

/// A stack's desired state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stack {
    pub name: String,
    pub services: BTreeMap<String, DesiredService>,
    /// Networks to create, by engine name.
    pub networks: BTreeMap<String, api::NetworkCreateRequest>,
    /// External networks the services join: they must exist, with swarm scope.
    pub external_networks: BTreeSet<String>,
    /// Configs and secrets to create, by versioned engine name.
    pub configs: BTreeMap<String, api::ConfigSpec>,
    pub secrets: BTreeMap<String, api::SecretSpec>,
    /// External configs and secrets the services use: they must exist.
    pub external_configs: BTreeSet<String>,
    pub external_secrets: BTreeSet<String>,
    /// Names whose content is fixed by `name:`: a content change cannot be deployed.
    pub fixed_names: BTreeSet<String>,
    pub warnings: Vec<String>,
}

/// Converts the whole project, or says everything that stops it.
pub fn convert(project: &Project, contents: &Contents, opts: Options) -> Result<Stack, Vec<String>> {
    let stack = project.name.as_str();
    let mut out = Stack { name: stack.to_string(), ..Stack::default() };
    let mut errors = Vec::new();
    let (configs, config_names) = file_objects(stack, &project.configs, &contents.configs, &mut out.fixed_names);
    let (secrets, secret_names) = file_objects(stack, &project.secrets, &contents.secrets, &mut out.fixed_names);
    out.configs = configs
        .into_iter()
        .map(|(name, (labels, data, o))| (name.clone(), config_spec(&name, labels, data, o)))
        .collect();
    out.secrets = secrets
        .into_iter()
        .map(|(name, (labels, data, o))| (name.clone(), secret_spec(&name, labels, data, o)))
        .collect();
    let refs = service::Refs { configs: &config_names, secrets: &secret_names };
    let mut used_networks = BTreeSet::new();
    for (key, s) in &project.services {
        match service::service(project, key, s, &refs, opts) {
            Ok(converted) => {
                used_networks.extend(converted.networks);
                out.services.insert(key.clone(), converted.desired);
            }
            Err(mut e) => errors.append(&mut e),
        }
        for r in &s.configs {
            if project.configs.get(&r.source).is_some_and(|c| c.external) {
                out.external_configs.insert(config_names.get(&r.source).cloned().unwrap_or_default());
            }
        }
        for r in &s.secrets {
            if project.secrets.get(&r.source).is_some_and(|c| c.external) {
                out.external_secrets.insert(secret_names.get(&r.source).cloned().unwrap_or_default());
            }
        }
    }
    for key in used_networks {
        let declared = project.networks.get(&key);
        let name = names::network(project, &key);
        if declared.is_some_and(|n| n.external) {
            out.external_networks.insert(name);
        } else {
            out.networks.insert(name.clone(), network(stack, &name, declared));
        }
    }
    out.warnings = unsupported::warnings(project, opts);
    errors.extend(unsupported::errors(project));
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

type Versioned<'a> = BTreeMap<String, (BTreeMap<String, String>, &'a [u8], &'a FileObject)>;

/// Configs or secrets by engine name, and the engine name of each key.
fn file_objects<'a>(
    stack: &str,
    objects: &'a BTreeMap<String, FileObject>,
    contents: &'a BTreeMap<String, Vec<u8>>,
    fixed: &mut BTreeSet<String>,
) -> (Versioned<'a>, BTreeMap<String, String>) {
    let mut made = BTreeMap::new();
    let mut names_of = BTreeMap::new();
    for (key, o) in objects {
        let data = contents.get(key).map_or(&[][..], Vec::as_slice);
        let name = names::file_object(stack, key, o, data);
        names_of.insert(key.clone(), name.clone());
        if o.external {
            continue;
        }
        if o.name.is_some() {
            fixed.insert(name.clone());
        }
        made.insert(name, (names::with_namespace(stack, &o.labels), data, o));
    }
    (made, names_of)
}

fn hash_map(m: BTreeMap<String, String>) -> Option<std::collections::HashMap<String, String>> {
    Some(m.into_iter().collect())
}

fn encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn config_spec(name: &str, labels: BTreeMap<String, String>, data: &[u8], o: &FileObject) -> api::ConfigSpec {
    api::ConfigSpec {
        name: Some(name.to_string()),
        labels: hash_map(labels),
        data: Some(encode(data)),
        templating: o.template_driver.as_ref().map(|d| api::Driver { name: d.clone(), options: None }),
    }
}

fn secret_spec(name: &str, labels: BTreeMap<String, String>, data: &[u8], o: &FileObject) -> api::SecretSpec {
    api::SecretSpec {
        name: Some(name.to_string()),
        labels: hash_map(labels),
        data: Some(encode(data)),
        driver: o.driver.as_ref().map(|d| api::Driver { name: d.clone(), options: hash_map(o.driver_opts.clone()) }),
        templating: o.template_driver.as_ref().map(|d| api::Driver { name: d.clone(), options: None }),
    }
}

/// An overlay network unless the file names another driver.
fn network(stack: &str, name: &str, declared: Option<&crate::model::Network>) -> api::NetworkCreateRequest {
    let default = crate::model::Network::default();
    let n = declared.unwrap_or(&default);
    let ipam =
        (n.ipam.driver.is_some() || !n.ipam.config.is_empty() || !n.ipam.options.is_empty()).then(|| api::Ipam {
            driver: n.ipam.driver.clone(),
            config: Some(
                n.ipam
                    .config
                    .iter()
                    .map(|p| api::IpamConfig {
                        subnet: p.subnet.clone(),
                        ip_range: p.ip_range.clone(),
                        gateway: p.gateway.clone(),
                        auxiliary_addresses: (!p.aux_addresses.is_empty())
                            .then(|| p.aux_addresses.clone().into_iter().collect()),
                    })
                    .collect(),
            ),
            options: (!n.ipam.options.is_empty()).then(|| n.ipam.options.clone().into_iter().collect()),
        });
    api::NetworkCreateRequest {
        name: name.to_string(),
        driver: Some(n.driver.clone().unwrap_or_else(|| names::DEFAULT_DRIVER.to_string())),
        scope: Some("swarm".to_string()),
        internal: n.internal.then_some(true),
        attachable: n.attachable.then_some(true),
        ipam,
        enable_ipv6: n.enable_ipv6,
        options: (!n.driver_opts.is_empty()).then(|| n.driver_opts.clone().into_iter().collect()),
        labels: hash_map(names::with_namespace(stack, &n.labels)),
        ..Default::default()
    }
}

//! `rollback`: services back to the version their containers record they replaced, planned
//! as `up` plans a change. The recorded configuration takes the file's place in the project,
//! the image is pinned to the recorded id where its name no longer points at it, and the
//! usual planner replaces the replicas, so the containers it makes are those `up` makes from
//! that configuration (the same config hash) and record in turn what they replaced.

use std::collections::{BTreeMap, BTreeSet};

use super::desired::{desired, Desired, Origin};
use super::names;
use super::observe::{Observed, ObservedContainer};
use super::ops::Op;
use super::reconcile::{containers, UpOptions};
use super::update_policy::Policy;
use crate::labels;
use crate::model::{MountType, Project, Service};
use crate::plan::{diff, Plan, Reason};

#[derive(Debug, Clone, Default)]
pub struct RollbackOptions {
    /// The services named; empty: every service with something recorded.
    pub services: Vec<String>,
    /// `-t`: grace period of the containers replaced.
    pub timeout: Option<i64>,
    /// `--wait-timeout`: how long a rolling replacement may take to be ready.
    pub wait_timeout: Option<std::time::Duration>,
}

/// What one service's containers record of the version before the running one.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub service: String,
    /// The recorded configuration, loaded back.
    pub definition: Service,
    /// It as recorded (JSON), and the running one's, for the reason.
    pub recorded: String,
    pub running: String,
    pub image: String,
    pub running_image: String,
}

/// How a recorded definition (service name, JSON) is read back: by the loader, as a file's.
pub type ReadBack = fn(&str, &str) -> Result<Service, String>;

/// The records of the services to roll back, and a note for each service left alone. A
/// service named that has nothing recorded is an error; unnamed, it is passed over.
pub fn records(project: &Project, observed: &Observed, named: &[String], read: ReadBack) -> Result<(Vec<Record>, Vec<String>), Vec<String>> {
    let with_containers: BTreeSet<&str> =
        observed.containers.iter().filter(|c| !c.oneoff).map(|c| c.service.as_str()).collect();
    let services: Vec<&str> = if named.is_empty() {
        project.services.keys().map(String::as_str).filter(|s| with_containers.contains(s)).collect()
    } else {
        named.iter().map(String::as_str).collect()
    };
    let (mut found, mut notes, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for service in services {
        match record(observed, service, read) {
            Ok(r) => found.push(r),
            Err(e) if named.is_empty() => notes.push(format!("{e}; skipped")),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok((found, notes))
    } else {
        Err(errors)
    }
}

/// Read from the lowest replica that records one: replicas made by a scale-up since have none.
fn record(observed: &Observed, service: &str, read: ReadBack) -> Result<Record, String> {
    let mut replicas: Vec<&ObservedContainer> =
        observed.containers.iter().filter(|c| c.service == service && !c.oneoff).collect();
    if replicas.is_empty() {
        return Err(format!("service {service} has no container: nothing to roll back"));
    }
    replicas.sort_by_key(|c| c.number);
    let Some((c, (recorded, image))) = replicas.iter().find_map(|c| Some((c, names::previous(&c.labels)?))) else {
        return Err(format!(
            "service {service}: nothing recorded to roll back to (its containers were not made by a dockhand up \
             that changed it; the reference and older versions of dockhand record nothing)"
        ));
    };
    let definition = read(service, recorded)
        .map_err(|e| format!("service {service}: the recorded configuration cannot be read: {e}"))?;
    Ok(Record {
        service: service.to_string(),
        definition,
        recorded: recorded.to_string(),
        running: c.label(labels::APPLIED).unwrap_or_default().to_string(),
        image: image.to_string(),
        running_image: c.image_id.clone(),
    })
}

/// The image references to look up before planning: each recorded image id, and the name the
/// recorded configuration gives its image (still pointing at that id, or moved by a rebuild).
pub fn images(project: &Project, records: &[Record]) -> Vec<String> {
    records
        .iter()
        .flat_map(|r| [r.image.clone(), names::image(&project.name, &r.service, r.definition.image.as_deref())])
        .collect()
}

/// A rollback, planned: the plan, and the project, desired state and observed state (images
/// as the plan pins them) to perform it with.
#[derive(Debug)]
pub struct Rollback {
    pub project: Project,
    pub desired: Desired,
    pub observed: Observed,
    pub plan: Plan<Op>,
}

/// `observed.images` must hold what `images` names, as far as the engine has it. Fails, with
/// nothing planned, when a recorded image is gone or the recorded configuration uses what the
/// project no longer defines.
pub fn plan(project: &Project, origin: &Origin, observed: &Observed, records: &[Record], opts: &RollbackOptions) -> Result<Rollback, Vec<String>> {
    let errors: Vec<String> = records.iter().flat_map(|r| missing(project, observed, r)).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let file = project;
    let mut project = project.clone();
    let mut scale = BTreeMap::new();
    for r in records {
        project.services.insert(r.service.clone(), r.definition.clone());
        scale.insert(r.service.clone(), replica_count(observed, &r.service));
    }
    let mut desired = desired(&project, origin, &scale);
    let mut observed = observed.clone();
    for r in records {
        let Some(s) = desired.services.iter_mut().find(|s| s.name == r.service) else { continue };
        if let Some(policy) = rollback_policy(file.services.get(&r.service), &r.definition) {
            s.update = Some(policy);
        }
        if observed.images.get(&s.image) != Some(&r.image) {
            s.pinned_image = Some(r.image.clone());
        }
        observed.images.insert(s.image.clone(), r.image.clone());
    }
    let services: Vec<String> = records.iter().map(|r| r.service.clone()).collect();
    let up = UpOptions {
        targets: services.clone(),
        only: Some(services),
        timeout: opts.timeout,
        wait_timeout: opts.wait_timeout,
        replace: records.iter().map(|r| (r.service.clone(), reason(r))).collect(),
        ..UpOptions::default()
    };
    let plan = containers(&desired, &observed, &up)?;
    Ok(Rollback { project, desired, observed, plan })
}

/// As `docker service rollback`: the file's `rollback_config` orders the replacement, not the
/// `update_config` of the version rolled back to (which orders it when the file has none).
fn rollback_policy(file: Option<&Service>, recorded: &Service) -> Option<Policy> {
    let c = file?.deploy.as_ref()?.rollback_config.as_ref()?;
    Some(Policy::new(c, Some(c), recorded))
}

/// The number of replicas running now: a rollback returns the configuration, not the scale.
fn replica_count(observed: &Observed, service: &str) -> u32 {
    let numbers: BTreeSet<u32> =
        observed.containers.iter().filter(|c| c.service == service && !c.oneoff).map(|c| c.number).collect();
    u32::try_from(numbers.len()).unwrap_or(u32::MAX)
}

fn reason(r: &Record) -> Reason {
    let changes = diff::changes(&r.running, &r.recorded).unwrap_or_default();
    let image = (r.image != r.running_image).then(|| (r.running_image.clone(), r.image.clone()));
    Reason::RollBack { changes, image }
}

/// What stops the rollback of one service before anything changes: its recorded image gone,
/// or a network, volume, secret, config or dependency its recorded configuration names that
/// the project no longer defines.
fn missing(project: &Project, observed: &Observed, r: &Record) -> Vec<String> {
    let s = &r.definition;
    let mut errors = Vec::new();
    if !observed.images.contains_key(&r.image) {
        errors.push(format!(
            "service {}: the image to roll back to, {}, is no longer present (removed or pruned); nothing was changed",
            r.service, r.image
        ));
    }
    let named_volumes = s.volumes.iter().filter(|v| v.kind == MountType::Volume).filter_map(|v| v.source.as_deref());
    let uses = [
        ("network", s.networks.keys().map(String::as_str).filter(|k| !project.networks.contains_key(*k)).collect::<Vec<_>>()),
        ("volume", named_volumes.filter(|v| !project.volumes.contains_key(*v)).collect()),
        ("secret", s.secrets.iter().map(|f| f.source.as_str()).filter(|k| !project.secrets.contains_key(*k)).collect()),
        ("config", s.configs.iter().map(|f| f.source.as_str()).filter(|k| !project.configs.contains_key(*k)).collect()),
        ("service", s.depends_on.keys().map(String::as_str).filter(|k| !project.services.contains_key(*k)).collect()),
    ];
    for (kind, keys) in uses {
        for key in keys {
            errors.push(format!(
                "service {}: the configuration to roll back to uses {kind} {key}, which the project no longer defines",
                r.service
            ));
        }
    }
    errors
}

/// The images the project's containers record as the one to roll back to: kept from pruning.
pub fn recorded_images(containers: &[ObservedContainer]) -> BTreeSet<String> {
    containers.iter().filter_map(|c| names::previous(&c.labels)).map(|(_, image)| image.to_string()).collect()
}

#[cfg(test)]
mod tests;

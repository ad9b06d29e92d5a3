//! `down`: stop and remove what belongs to a project, dependents before their dependencies,
//! then its networks, and its volumes and images when asked.

use std::collections::{BTreeMap, BTreeSet};

use super::desired::Desired;
use crate::plan::{ActionId, Plan, Reason, ResourceId};
use crate::containers::names;
use crate::containers::ops::Op;
use crate::labels;
use crate::containers::observe::{Observed, ObservedContainer};
use crate::containers::rollback::recorded_images;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveImages {
    /// Images without a custom tag: the ones dockhand built and named `<project>-<service>`.
    Local,
    All,
}

#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    pub volumes: bool,
    pub remove_orphans: bool,
    pub images: Option<RemoveImages>,
    pub timeout: Option<i64>,
    /// `down SERVICE…`: only these services' containers go; the networks and volumes stay,
    /// as the rest of the project may use them. Empty: the whole project.
    pub services: Vec<String>,
}

impl DownOptions {
    fn in_scope(&self, c: &ObservedContainer) -> bool {
        self.services.is_empty() || self.services.contains(&c.service)
    }
}

/// `desired` is `None` when only a project name was given. Like the reference, every service
/// container of the project goes, those of services no longer in the files too; one-off
/// containers (`run`) go only with `--remove-orphans`.
pub fn teardown(desired: Option<&Desired>, observed: &Observed, opts: &DownOptions) -> Plan<Op> {
    let mut plan = Plan::default();
    let removed: Vec<&ObservedContainer> =
        observed.containers.iter().filter(|c| opts.in_scope(c) && (!c.oneoff || opts.remove_orphans)).collect();
    let stops = stop_in_order(&mut plan, desired, &removed, opts.timeout, "down");
    let removals: Vec<ActionId> = removed
        .iter()
        .zip(stops)
        .map(|(c, stop)| {
            let op = Op::RemoveContainer { name: c.name.clone(), id: c.id.clone(), volumes: opts.volumes };
            plan.push(resource(c), op, Reason::command("down"), vec![stop])
        })
        .collect();
    let whole_project = opts.services.is_empty();
    for n in observed.networks.iter().filter(|_| whole_project) {
        // A name two networks share (an interrupted run's late create) is ambiguous to the
        // engine: each goes by its id.
        let shared = observed.networks.iter().filter(|o| o.name == n.name).count() > 1;
        let name = if shared { n.id.clone() } else { n.name.clone() };
        plan.push(ResourceId::Network(n.name.clone()), Op::RemoveNetwork { name }, Reason::command("down"), removals.clone());
    }
    if opts.volumes && whole_project {
        for v in &observed.volumes {
            let op = Op::RemoveVolume { name: v.name.clone() };
            plan.push(ResourceId::Volume(v.name.clone()), op, Reason::command("down -v"), removals.clone());
        }
    }
    if let (Some(which), Some(d)) = (opts.images, desired) {
        let staying: Vec<ObservedContainer> = observed.containers.iter().filter(|c| !opts.in_scope(c)).cloned().collect();
        let recorded = recorded_images(&staying);
        let images: BTreeSet<&str> = d
            .services
            .iter()
            .filter(|s| which == RemoveImages::All || names::is_default_image(&d.project, &s.name, &s.image))
            .map(|s| s.image.as_str())
            .collect();
        for image in images {
            if observed.images.get(image).is_some_and(|id| recorded.contains(id)) {
                plan.warnings.push(format!("image {image} is kept: a container that stays records it as the one to roll back to"));
                continue;
            }
            let op = Op::RemoveImage { image: image.to_string() };
            plan.push(ResourceId::Image(image.to_string()), op, Reason::command("--rmi"), removals.clone());
        }
    }
    plan
}

/// `stop`, and attached `up` when it is interrupted: the project's running service containers
/// (of `services`, or all when empty) stopped, dependents before their dependencies.
pub fn stop(desired: Option<&Desired>, observed: &Observed, services: &[String], timeout: Option<i64>, reason: &str) -> Plan<Op> {
    let mut plan = Plan::default();
    let running: Vec<&ObservedContainer> = observed
        .containers
        .iter()
        .filter(|c| !c.oneoff && c.state.is_running())
        .filter(|c| services.is_empty() || services.contains(&c.service))
        .collect();
    stop_in_order(&mut plan, desired, &running, timeout, reason);
    plan
}

/// One stop per container; a container stops only after the containers of the services that
/// depend on its service, read from the `depends_on` label each container carries. `timeout`
/// (`-t`) overrides each service's `stop_grace_period`.
fn stop_in_order(
    plan: &mut Plan<Op>,
    desired: Option<&Desired>,
    containers: &[&ObservedContainer],
    timeout: Option<i64>,
    reason: &str,
) -> Vec<ActionId> {
    let dependents = dependents_by_service(containers);
    let order = stop_order(containers, &dependents);
    let mut stops_of: BTreeMap<&str, Vec<ActionId>> = BTreeMap::new();
    let mut ids = vec![0; containers.len()];
    for i in order {
        let c = containers[i];
        let after: Vec<ActionId> = dependents
            .get(c.service.as_str())
            .into_iter()
            .flatten()
            .filter_map(|d| stops_of.get(d.as_str()))
            .flatten()
            .copied()
            .collect();
        let timeout = timeout.or_else(|| desired.and_then(|d| d.service(&c.service)).and_then(|s| s.stop_timeout));
        let id = plan.push(resource(c), Op::StopContainer { name: c.name.clone(), timeout }, Reason::command(reason), after);
        stops_of.entry(c.service.as_str()).or_default().push(id);
        ids[i] = id;
    }
    ids
}

fn dependents_by_service(containers: &[&ObservedContainer]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in containers {
        let deps = c.label(labels::DEPENDS_ON).unwrap_or_default();
        for dep in deps.split(',').filter_map(|d| d.split(':').next()).filter(|d| !d.is_empty()) {
            out.entry(dep.to_string()).or_default().insert(c.service.clone());
        }
    }
    out
}

/// Dependents first: a service's containers come after those of every service depending on it.
/// A cycle cannot come from a loaded project; should labels hold one, the rest follow in order.
fn stop_order(containers: &[&ObservedContainer], dependents: &BTreeMap<String, BTreeSet<String>>) -> Vec<usize> {
    let services: BTreeSet<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut order_services = Vec::new();
    while placed.len() < services.len() {
        let ready: Vec<&str> = services
            .iter()
            .filter(|s| !placed.contains(*s))
            .filter(|s| {
                dependents.get(**s).into_iter().flatten().all(|d| placed.contains(d.as_str()) || !services.contains(d.as_str()))
            })
            .copied()
            .collect();
        let next = if ready.is_empty() { services.iter().filter(|s| !placed.contains(*s)).copied().collect() } else { ready };
        for s in next {
            placed.insert(s);
            order_services.push(s);
        }
    }
    order_services
        .into_iter()
        .flat_map(|s| (0..containers.len()).filter(move |i| containers[*i].service == s))
        .collect()
}

fn resource(c: &ObservedContainer) -> ResourceId {
    ResourceId::container(&c.service, c.number)
}

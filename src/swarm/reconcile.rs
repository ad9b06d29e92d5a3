//! The Swarm planner: desired stack + observed stack → the operations that make the one the
//! other. Pure: unit-tested from plain values. What exists and is equal is left alone (so an
//! unchanged redeploy does nothing); what is missing is created, what differs is updated,
//! keeping the engine's pinned image digest and `ForceUpdate`; services gone from the file
//! are removed with `--prune`; config and secret versions nothing uses any more are removed
//! once the services moved on.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::convert::{DesiredService, Stack};
use super::names;
use super::observe::{Observed, ObservedService};
use super::ops::{self, Op};
use super::spec;
use crate::engine::swarm::api;
use crate::plan::{self, Change, Reason, ResourceId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResolveImage {
    #[default]
    Always,
    Changed,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    pub prune: bool,
    pub resolve_image: ResolveImage,
}

/// A deploy: its plan, and the plan run once the services converged (or right after, without
/// `--wait`), removing what nothing uses any more. Both run through the shared scheduler.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub deploy: plan::Plan<Op>,
    pub cleanup: plan::Plan<Op>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.deploy.is_empty() && self.cleanup.is_empty()
    }
}

/// The plan's text (`--dry-run`), an action a line.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in self.deploy.actions.iter().chain(&self.cleanup.actions) {
            writeln!(f, "{}", ops::describe(&a.op, &a.reason))?;
        }
        Ok(())
    }
}

pub fn reconcile(stack: &Stack, observed: &Observed, opts: Options) -> Result<Plan, Vec<String>> {
    let errors = check_external(stack, observed);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut plan = plan::Plan::default();
    let mut resources = Vec::new();
    for (name, spec) in stack.networks.iter().filter(|(n, _)| observed.network(n).is_none()) {
        let op = Op::CreateNetwork { name: name.clone(), spec: spec.clone() };
        resources.push(plan.push(ResourceId::Network(name.clone()), op, Reason::Missing, vec![]));
    }
    for (name, spec) in stack.configs.iter().filter(|(n, _)| !observed.configs.iter().any(|c| &c.name == *n)) {
        let op = Op::CreateConfig { name: name.clone(), spec: spec.clone() };
        resources.push(plan.push(ResourceId::Config(name.clone()), op, Reason::Missing, vec![]));
    }
    for (name, spec) in stack.secrets.iter().filter(|(n, _)| !observed.secrets.iter().any(|c| &c.name == *n)) {
        let op = Op::CreateSecret { name: name.clone(), spec: spec.clone() };
        resources.push(plan.push(ResourceId::Secret(name.clone()), op, Reason::Missing, vec![]));
    }
    let networks = observed.network_names();
    let mut service_steps: BTreeMap<String, usize> = BTreeMap::new();
    for key in order(&stack.services) {
        let Some(desired) = stack.services.get(&key) else { continue };
        let op = match observed.service(&desired.name) {
            None => Some((
                Op::CreateService { key: key.clone(), name: desired.name.clone(), spec: desired.spec.clone() },
                Reason::Missing,
            )),
            Some(current) => update(desired, current, &networks),
        };
        let Some((op, reason)) = op else { continue };
        let mut after = resources.clone();
        for (dep, condition) in &desired.depends_on {
            if let Some(&dep_step) = service_steps.get(dep) {
                let dep_name = names::service(&stack.name, dep);
                let gated = Reason::DependsOn { service: key.clone(), condition: ops::condition_text(*condition) };
                let gate = Op::AwaitService { key: dep.clone(), name: dep_name.clone(), condition: *condition };
                after.push(plan.push(ResourceId::Service(dep_name), gate, gated, vec![dep_step]));
            }
        }
        service_steps.insert(key.clone(), plan.push(ResourceId::Service(desired.name.clone()), op, reason, after));
    }
    let kept: Vec<&ObservedService> = observed
        .services
        .iter()
        .filter(|s| !stack.services.values().any(|d| d.name == s.name))
        .filter(|s| {
            if opts.prune {
                let op = Op::RemoveService { name: s.name.clone(), id: s.id.clone() };
                plan.push(ResourceId::Service(s.name.clone()), op, Reason::command("--prune"), vec![]);
            }
            !opts.prune
        })
        .collect();
    Ok(Plan { deploy: plan, cleanup: unused_objects(stack, observed, &kept) })
}

/// External networks must exist with swarm scope, before anything is changed.
fn check_external(stack: &Stack, observed: &Observed) -> Vec<String> {
    stack
        .external_networks
        .iter()
        .filter_map(|name| match observed.network(name) {
            None => Some(format!(
                "network {name:?} is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed"
            )),
            Some(n) if n.scope != "swarm" && !["host", "bridge"].contains(&name.as_str()) => Some(format!(
                "network {name:?} is declared as external, but it is not in the right scope: {:?} instead of \"swarm\"",
                n.scope
            )),
            Some(_) => None,
        })
        .collect()
}

/// Services in dependency order (a cycle was refused by the loader); ties by name.
fn order(services: &BTreeMap<String, DesiredService>) -> Vec<String> {
    let mut done: Vec<String> = Vec::new();
    let mut left: BTreeSet<&String> = services.keys().collect();
    while !left.is_empty() {
        let ready: Vec<&String> = left
            .iter()
            .filter(|k| services[**k].depends_on.keys().all(|d| !left.contains(d) || !services.contains_key(d)))
            .copied()
            .collect();
        let ready = if ready.is_empty() { left.iter().copied().take(1).collect() } else { ready };
        for k in ready {
            left.remove(k);
            done.push(k.clone());
        }
    }
    done
}

/// An update when the normalised specs differ. The image keeps the digest the engine pinned
/// unless the file names another image: no registry is asked for a digest here, so even
/// `--resolve-image always` keeps what the engine already resolved.
fn update(
    desired: &DesiredService,
    current: &ObservedService,
    networks: &BTreeMap<String, String>,
) -> Option<(Op, Reason)> {
    let mut spec = desired.spec.clone();
    if current.labels().get(names::IMAGE) == container_image(&spec).as_ref() {
        if let (Some(c), Some(old)) = (container_mut(&mut spec), container_image(&current.spec)) {
            c.image = Some(old);
        }
    }
    if let (Some(t), Some(old)) = (spec.task_template.as_mut(), current.spec.task_template.as_ref()) {
        t.force_update = old.force_update;
    }
    let changes = spec::differences(&spec::normalise(&current.spec, networks), &spec::normalise(&spec, networks));
    let op = Op::UpdateService {
        key: desired.key.clone(),
        name: desired.name.clone(),
        id: current.id.clone(),
        version: current.version,
        spec,
    };
    (!changes.is_empty()).then_some((op, Reason::Changed(Change::Fields(changes))))
}

fn container_image(spec: &api::ServiceSpec) -> Option<String> {
    spec.task_template.as_ref()?.container_spec.as_ref()?.image.clone()
}

fn container_mut(spec: &mut api::ServiceSpec) -> Option<&mut api::TaskSpecContainerSpec> {
    spec.task_template.as_mut()?.container_spec.as_mut()
}

/// The stack's configs and secrets that neither the file nor a service left in place uses.
fn unused_objects(stack: &Stack, observed: &Observed, kept: &[&ObservedService]) -> plan::Plan<Op> {
    let mut used_configs: BTreeSet<String> = stack.configs.keys().chain(&stack.external_configs).cloned().collect();
    let mut used_secrets: BTreeSet<String> = stack.secrets.keys().chain(&stack.external_secrets).cloned().collect();
    for s in kept {
        if let Some(c) = s.spec.task_template.as_ref().and_then(|t| t.container_spec.as_ref()) {
            used_configs.extend(c.configs.iter().flatten().filter_map(|r| r.config_name.clone()));
            used_secrets.extend(c.secrets.iter().flatten().filter_map(|r| r.secret_name.clone()));
        }
    }
    let ours = |labels: &BTreeMap<String, String>| labels.get(names::NAMESPACE) == Some(&stack.name);
    let configs = observed.configs.iter().filter(|c| ours(&c.labels) && !used_configs.contains(&c.name));
    let secrets = observed.secrets.iter().filter(|c| ours(&c.labels) && !used_secrets.contains(&c.name));
    let unused = || Reason::command("no longer used");
    let mut plan = plan::Plan::default();
    for c in configs {
        let op = Op::RemoveConfig { name: c.name.clone(), id: c.id.clone() };
        plan.push(ResourceId::Config(c.name.clone()), op, unused(), vec![]);
    }
    for c in secrets {
        let op = Op::RemoveSecret { name: c.name.clone(), id: c.id.clone() };
        plan.push(ResourceId::Secret(c.name.clone()), op, unused(), vec![]);
    }
    plan
}

//! Plans of the lifecycle commands on existing containers: `start`, `restart`, `kill`,
//! `pause`, `unpause`, `rm`. Dependencies start before their dependents; nothing is created.

use std::collections::BTreeMap;

use super::desired::{Desired, Files};
use super::replica::new_container;
use crate::plan::{ActionId, Plan, Reason, Replicas, ResourceId};
use crate::containers::ops::Op;
use crate::containers::observe::{Observed, ObservedContainer};

/// The service containers (no one-offs) of `services`, or of every service when empty.
fn selected<'a>(observed: &'a Observed, services: &'a [String]) -> impl Iterator<Item = &'a ObservedContainer> + 'a {
    observed.containers.iter().filter(move |c| !c.oneoff && (services.is_empty() || services.contains(&c.service)))
}

fn resource(c: &ObservedContainer) -> ResourceId {
    ResourceId::container(&c.service, c.number)
}

/// `start`: stopped containers started, each after the starts of its service's dependencies.
/// A project without containers, or a named service without any, is an error, as in the
/// reference.
pub fn start(desired: &Desired, observed: &Observed, services: &[String]) -> Result<Plan<Op>, String> {
    if observed.containers.iter().all(|c| c.oneoff) {
        return Err(format!("no container found for project {:?}: not found", desired.project));
    }
    let mut plan = Plan::default();
    let mut starts: BTreeMap<&str, Vec<ActionId>> = BTreeMap::new();
    for s in desired.services.iter().filter(|s| services.is_empty() || services.contains(&s.name)) {
        let containers: Vec<&ObservedContainer> = selected(observed, services).filter(|c| c.service == s.name).collect();
        if containers.is_empty() {
            if services.contains(&s.name) {
                return Err(format!("service {:?} has no container to start", s.name));
            }
            continue;
        }
        let after: Vec<ActionId> = s.depends_on.iter().filter_map(|d| starts.get(d.service.as_str())).flatten().copied().collect();
        // What `start --wait` waits on: every replica, started now or running already.
        let names = containers.iter().map(|c| c.name.clone()).collect();
        plan.replicas.insert(s.name.clone(), Replicas { containers: names, completes: desired.completes(&s.name) });
        for c in containers.into_iter().filter(|c| !c.state.is_running()) {
            // As with the reference's `start`: the files written at create stay as they are.
            let files = Files::default();
            let op = Op::StartContainer(new_container(desired, observed, s, c.number, &c.name, files));
            let id = plan.push(resource(c), op, Reason::command("start"), after.clone());
            starts.entry(s.name.as_str()).or_default().push(id);
        }
    }
    Ok(plan)
}

/// `restart`: the services' containers stopped and started again, dependencies first; unless
/// `no_deps`, also the services that declared `restart: true` on one of them. `timeout`
/// (`-t`) overrides each service's `stop_grace_period`.
pub fn restart(desired: &Desired, observed: &Observed, services: &[String], no_deps: bool, timeout: Option<i64>) -> Plan<Op> {
    let mut chosen: Vec<String> = services.to_vec();
    if !no_deps && !services.is_empty() {
        for s in &desired.services {
            if s.depends_on.iter().any(|d| d.restart && chosen.contains(&d.service)) && !chosen.contains(&s.name) {
                chosen.push(s.name.clone());
            }
        }
    }
    let mut plan = Plan::default();
    let mut restarts: BTreeMap<&str, Vec<ActionId>> = BTreeMap::new();
    for s in desired.services.iter().filter(|s| chosen.is_empty() || chosen.contains(&s.name)) {
        let after: Vec<ActionId> = s.depends_on.iter().filter_map(|d| restarts.get(d.service.as_str())).flatten().copied().collect();
        for c in selected(observed, &chosen).filter(|c| c.service == s.name) {
            let op = Op::RestartContainer { name: c.name.clone(), timeout: timeout.or(s.stop_timeout) };
            let id = plan.push(resource(c), op, Reason::command("restart"), after.clone());
            restarts.entry(s.name.as_str()).or_default().push(id);
        }
    }
    plan
}

/// `kill`: a signal to every running container of the services.
pub fn kill(observed: &Observed, services: &[String], signal: &str) -> Plan<Op> {
    let mut plan = Plan::default();
    for c in selected(observed, services).filter(|c| c.state.is_running()) {
        let op = Op::KillContainer { name: c.name.clone(), signal: signal.to_string() };
        plan.push(resource(c), op, Reason::command(format!("kill -s {signal}")), vec![]);
    }
    plan
}

/// `pause` (`true`) or `unpause`: every container `docker ps` lists (running, restarting or
/// paused). As with the reference, one already in the asked state makes the engine refuse,
/// and the command fails.
pub fn pause(observed: &Observed, services: &[String], pause: bool) -> Plan<Op> {
    let mut plan = Plan::default();
    for c in selected(observed, services).filter(|c| c.state.is_running()) {
        let name = c.name.clone();
        let (op, verb) = if pause { (Op::PauseContainer { name }, "pause") } else { (Op::UnpauseContainer { name }, "unpause") };
        plan.push(resource(c), op, Reason::command(verb), vec![]);
    }
    plan
}

/// `rm`: stopped containers removed; with `stop_first` (`-s`), running ones are stopped and
/// removed too. `volumes`: their anonymous volumes go with them.
pub fn remove(observed: &Observed, services: &[String], stop_first: bool, volumes: bool) -> Plan<Op> {
    let mut plan = Plan::default();
    for c in selected(observed, services) {
        let mut after = vec![];
        if c.state.is_running() {
            if !stop_first {
                continue;
            }
            let stop = Op::StopContainer { name: c.name.clone(), timeout: None };
            after.push(plan.push(resource(c), stop, Reason::command("rm -s"), vec![]));
        }
        let op = Op::RemoveContainer { name: c.name.clone(), id: c.id.clone(), volumes };
        plan.push(resource(c), op, Reason::command("rm"), after);
    }
    plan
}

#[cfg(test)]
mod tests;

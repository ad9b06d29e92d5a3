//! Rolling updates on one host (`deploy.update_config`): how a changed service's containers
//! are replaced, a batch at a time, each replacement confirmed (running, healthy where it has
//! a healthcheck, then for `monitor`) before the next batch, and what a failed one leaves.
//! Pure: every step goes into the plan as an operation with its reason; performing decides
//! nothing, and `up --dry-run` prints the steps.
//!
//! `start-first`: the replacement takes a free replica number and is made beside the old
//! container, off the service's aliases; once ready it joins them, then the old container
//! leaves its networks (so the service's name no longer resolves to it), stops and goes.
//! `stop-first`: the recreate of a service without `update_config` (the old container stopped
//! and set aside, the new one made under its name), then confirmed the same way; with
//! `failure_action: rollback` the old one stays aside until then, to be restored.

use std::time::Duration;

use super::ops::{NewContainer, Op, Replaced};
use super::update_policy::{FailureAction, Order, Policy};
use crate::plan::{ActionId, Plan, Reason, ResourceId, Trigger};

/// The container a replacement replaces, as the engine holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Old {
    pub id: String,
    pub name: String,
    pub number: u32,
    /// Its networks, by engine name.
    pub networks: Vec<String>,
    /// Its endpoints, should a rollback bring it back onto the service's networks.
    pub endpoint: NewContainer,
}

/// One replica to replace, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    pub reason: Reason,
    pub old: Old,
    pub swap: Swap,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Swap {
    /// `new` has a free replica number of its own.
    StartFirst(NewContainer),
    /// `new` takes the old container's name once it is set aside (`replaced`).
    StopFirst { new: NewContainer, replaced: Replaced },
}

/// A service's rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout<'a> {
    pub service: &'a str,
    pub policy: &'a Policy,
    /// The service's networks, by engine name: those whose aliases a replacement joins.
    pub networks: Vec<String>,
    /// `up --wait-timeout`: how long a replacement may take to be ready.
    pub wait_timeout: Option<Duration>,
    /// The grace period of an old container's stop.
    pub stop_timeout: Option<i64>,
    /// What the first batch waits on (networks, volumes, containers it shares).
    pub after: Vec<ActionId>,
    /// The dependency gates every start waits on.
    pub gates: Vec<ActionId>,
}

/// The actions a rollout made: creates (what others sharing the service wait on) and the
/// end of each replica's replacement (what dependents wait on).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Planned {
    pub made: Vec<ActionId>,
    pub starts: Vec<ActionId>,
}

/// The rollout's steps, batch after batch. A batch begins once the one before ended, with
/// no more failed replicas than `max_failure_ratio` allows (any number for `continue`), and
/// `delay` passed.
pub fn plan(plan: &mut Plan<Op>, r: &Rollout, replicas: Vec<Replica>) -> Planned {
    let total = replicas.len();
    let size = batch_size(r.policy.parallelism, total);
    let batches = total.div_ceil(size);
    let mut planned = Planned::default();
    let mut after = r.after.clone();
    let mut ends = Vec::new();
    let mut undo = Vec::new();
    let mut replicas = replicas.into_iter();
    for batch in 1..=batches {
        for replica in replicas.by_ref().take(size) {
            let steps = replace(plan, r, replica, &after);
            planned.made.push(steps.made);
            planned.starts.push(steps.end);
            ends.push(steps.end);
            undo.push(steps);
        }
        if batch < batches {
            let words = batch_words("update_config", r.policy.delay, batch, batches);
            after = vec![pause(plan, r.service, r.policy.delay, words, ends.clone(), r.policy.tolerated(total))];
        }
    }
    if r.policy.failure_action == FailureAction::Rollback {
        rollback(plan, r, ends, undo);
    }
    planned
}

fn batch_size(parallelism: u64, total: usize) -> usize {
    match usize::try_from(parallelism) {
        Ok(0) | Err(_) => total.max(1),
        Ok(n) => n,
    }
}

/// A gate between batches: once `after` ended with at most `tolerated` failures, and `delay`.
fn pause(plan: &mut Plan<Op>, service: &str, delay: Duration, words: String, after: Vec<ActionId>, tolerated: usize) -> ActionId {
    let trigger = match tolerated {
        0 => Trigger::Done,
        n => Trigger::Tolerating(n),
    };
    let op = Op::Delay { service: service.to_string(), duration: delay };
    plan.push_when(ResourceId::Service(service.to_string()), op, Reason::Rollout(words), after, trigger)
}

/// `failure_action: rollback`: the old containers go only once every replica was replaced
/// (within `max_failure_ratio`); otherwise every replica replaced so far gets its old container
/// back, in batches of `rollback_config`, each batch ready before the next. A start-first
/// replica whose own replacement failed never lost its old container.
fn rollback(plan: &mut Plan<Op>, r: &Rollout, ends: Vec<ActionId>, undo: Vec<Steps>) {
    let service = ResourceId::Service(r.service.to_string());
    let total = undo.len();
    let words = "update_config: every replica replaced".to_string();
    let done = pause(plan, r.service, Duration::ZERO, words, ends, r.policy.tolerated(total));
    let revert = &r.policy.rollback;
    let why = Reason::Rollout(format!("failure_action rollback: the update of {} is undone", r.service));
    let op = Op::Delay { service: r.service.to_string(), duration: Duration::ZERO };
    let failed = plan.push_when(service, op, why, vec![done], Trigger::Failed);
    let size = batch_size(revert.parallelism, total);
    let batches = total.div_ceil(size);
    let mut after = failed;
    for (batch, steps) in undo.chunks(size).enumerate() {
        let mut ends = Vec::new();
        for step in steps {
            ends.extend(undo_one(plan, r, step, done, after));
        }
        if batch + 1 < batches && !ends.is_empty() {
            let words = batch_words("rollback_config", revert.delay, batch + 1, batches);
            after = pause(plan, r.service, revert.delay, words, ends, 0);
        }
    }
}

/// One replica's part of a rollback: its old container removed once the rollout is `done`,
/// or brought back once it `failed`. The end of its revert, for the next batch.
fn undo_one(plan: &mut Plan<Op>, r: &Rollout, steps: &Steps, done: ActionId, failed: ActionId) -> Option<ActionId> {
    let at = ResourceId::container(r.service, steps.new.number);
    let was = ResourceId::container(r.service, steps.old.number);
    let old = &steps.old;
    match steps.kept {
        Kept::Beside { joined, stopped } => {
            let remove = Op::RemoveContainer { name: old.name.clone(), id: old.id.clone(), volumes: false };
            let why = Reason::Rollout(format!("the rollout of {} ended: replaced by {}", r.service, steps.new.name));
            plan.push(was, remove, why, vec![done, stopped]);
            Some(bring_back(plan, r, steps, vec![joined, failed]))
        }
        Kept::Aside { ready, ref aside } => {
            let remove = Op::RemoveContainer { name: aside.clone(), id: old.id.clone(), volumes: false };
            let why = Reason::Rollout(format!("the rollout of {} ended: the old container, kept aside until then", r.service));
            plan.push(at.clone(), remove, why, vec![done, ready]);
            let discard = Op::DiscardContainer { new: steps.new.clone(), keep: old.id.clone() };
            let why = Reason::Rollout("failure_action rollback: the replacement goes".to_string());
            // After `failed`: the batch before it in rollback_config's order is back.
            let discarded = plan.push_when(at.clone(), discard, why, vec![ready, done, failed], Trigger::Failed);
            let restore = Op::RestoreContainer { id: old.id.clone(), name: steps.new.name.clone() };
            let why = Reason::Rollout("failure_action rollback: the old container named back and started".to_string());
            let restored = plan.push(at.clone(), restore, why, vec![discarded]);
            let again = Op::AwaitReady {
                service: r.service.to_string(),
                container: steps.new.name.clone(),
                monitor: r.policy.rollback.monitor,
                timeout: r.wait_timeout,
                failure: format!("the rollback of {} stops here", r.service),
            };
            let why = Reason::Rollout(format!("rollback: {} ready again", steps.new.name));
            Some(plan.push(at, again, why, vec![restored]))
        }
    }
}

/// A replica replaced beside its old container gets it back, in `rollback_config`'s order:
/// start-first, the old one is ready and rejoins before the new one leaves; stop-first, the
/// new one leaves and stops first.
fn bring_back(plan: &mut Plan<Op>, r: &Rollout, steps: &Steps, after: Vec<ActionId>) -> ActionId {
    let (old, new) = (&steps.old, &steps.new);
    let at = ResourceId::container(r.service, new.number);
    let was = ResourceId::container(r.service, old.number);
    let words = |w: &str| Reason::Rollout(format!("rollback: {w}"));
    let leave = |plan: &mut Plan<Op>, after: Vec<ActionId>, trigger: Trigger| {
        let op = Op::LeaveAliases { container: new.name.clone(), networks: r.networks.clone() };
        let why = words(&format!("{} leaves the aliases", new.name));
        let left = plan.push_when(at.clone(), op, why, after, trigger);
        let stop = Op::StopContainer { name: new.name.clone(), timeout: r.stop_timeout };
        plan.push(at.clone(), stop, words(&format!("{} goes back to {}", new.name, old.name)), vec![left])
    };
    // Started off its networks, it rejoins them once ready, as a replacement does.
    let back = |plan: &mut Plan<Op>, after: Vec<ActionId>| {
        let restore = Op::RestoreContainer { id: old.id.clone(), name: old.name.clone() };
        let started = plan.push_when(was.clone(), restore, words(&format!("{} started again", old.name)), after, Trigger::OnlyIfDone);
        let failure = format!("the rollback of {} stops here", r.service);
        let ready = Op::AwaitReady {
            service: r.service.to_string(),
            container: old.name.clone(),
            monitor: r.policy.rollback.monitor,
            timeout: r.wait_timeout,
            failure,
        };
        let ready = plan.push(was.clone(), ready, words(&format!("{} ready again", old.name)), vec![started]);
        let join = Op::JoinAliases { container: old.endpoint.clone(), networks: r.networks.clone() };
        plan.push(was.clone(), join, words(&format!("{} rejoins the aliases of {}", old.name, r.service)), vec![ready])
    };
    let last = match r.policy.rollback.order {
        Order::StartFirst if r.policy.no_overlap.is_none() => {
            let ready = back(plan, after);
            leave(plan, vec![ready], Trigger::Done)
        }
        _ => {
            let stopped = leave(plan, after, Trigger::OnlyIfDone);
            back(plan, vec![stopped])
        }
    };
    let discard = Op::DiscardContainer { new: new.clone(), keep: old.id.clone() };
    plan.push(at, discard, words(&format!("{} removed", new.name)), vec![last])
}

fn batch_words(setting: &str, delay: Duration, batch: usize, batches: usize) -> String {
    let delay = if delay.is_zero() { String::new() } else { format!(", then delay {}", crate::units::go_duration(delay)) };
    format!("{setting}: batch {batch} of {batches} done{delay}")
}

/// A replica's steps, and what a rollback needs of them.
struct Steps {
    /// The create (or recreate).
    made: ActionId,
    /// The last step of its replacement.
    end: ActionId,
    old: Old,
    new: NewContainer,
    kept: Kept,
}

/// How the old container waits for the end of the rollout.
enum Kept {
    /// Start-first: off its networks, stopped once the new one `joined` the aliases.
    Beside { joined: ActionId, stopped: ActionId },
    /// Stop-first: stopped, renamed `aside`, until the new one is `ready`.
    Aside { ready: ActionId, aside: String },
}

fn replace(plan: &mut Plan<Op>, r: &Rollout, replica: Replica, after: &[ActionId]) -> Steps {
    match replica.swap {
        Swap::StartFirst(new) => start_first(plan, r, replica.reason, replica.old, new, after),
        Swap::StopFirst { new, replaced } => stop_first(plan, r, replica.reason, replica.old, new, replaced, after),
    }
}

fn start_first(plan: &mut Plan<Op>, r: &Rollout, reason: Reason, old: Old, new: NewContainer, after: &[ActionId]) -> Steps {
    let at = ResourceId::container(r.service, new.number);
    let was = ResourceId::container(r.service, old.number);
    let words = |w: String| Reason::Rollout(format!("start-first: {w}"));
    let why = words(format!("replaces {} ({reason}); made beside it, off the aliases of {}", old.name, r.service));
    // On the service's networks under its own name only: the service's name does not
    // resolve to it before it is ready.
    let beside = NewContainer { service_aliases: false, ..new.clone() };
    let create = plan.push(at.clone(), Op::CreateContainer(beside.clone()), why, after.to_vec());
    let mut start_after = vec![create];
    start_after.extend(&r.gates);
    let start = plan.push(at.clone(), Op::StartContainer(beside), Reason::Created, start_after);
    let failure = failure_words(r.policy.failure_action, r.service, Some(&old.name), &new.name);
    let ready = await_ready(plan, r, &at, &new.name, "before it takes the aliases", failure, start);
    let join = Op::JoinAliases { container: new.clone(), networks: r.networks.clone() };
    let joined = plan.push(at.clone(), join, words(format!("ready: joins the aliases of {}", r.service)), vec![ready]);
    let leave = Op::LeaveAliases { container: old.name.clone(), networks: old.networks.clone() };
    let replaced = format!("replaced by {}", new.name);
    let left = plan.push(was.clone(), leave, words(format!("{replaced}: leaves the aliases")), vec![joined]);
    let stop = Op::StopContainer { name: old.name.clone(), timeout: r.stop_timeout };
    let stopped = plan.push(was.clone(), stop, words(replaced.clone()), vec![left]);
    let discard = Op::DiscardContainer { new: new.clone(), keep: old.id.clone() };
    let why = Reason::Rollout(format!("the failed replacement goes, {} serves on", old.name));
    plan.push_when(at, discard, why, vec![joined], Trigger::Failed);
    let end = if r.policy.failure_action == FailureAction::Rollback {
        stopped
    } else {
        let remove = Op::RemoveContainer { name: old.name.clone(), id: old.id.clone(), volumes: false };
        plan.push(was, remove, words(replaced), vec![stopped])
    };
    Steps { made: create, end, old, new, kept: Kept::Beside { joined, stopped } }
}

fn stop_first(
    plan: &mut Plan<Op>,
    r: &Rollout,
    reason: Reason,
    old: Old,
    new: NewContainer,
    mut replaced: Replaced,
    after: &[ActionId],
) -> Steps {
    let at = ResourceId::container(r.service, new.number);
    let rollback = r.policy.failure_action == FailureAction::Rollback;
    replaced.keep = rollback;
    let why = match (&r.policy.no_overlap, r.policy.order) {
        (Some(field), Order::StartFirst) => Reason::Rollout(format!("{reason}; stop-first: start-first not possible: {field}")),
        _ => Reason::Rollout(format!("{reason}; stop-first")),
    };
    let aside = replaced.aside.clone();
    let recreate = plan.push(at.clone(), Op::RecreateContainer { new: new.clone(), old: replaced }, why, after.to_vec());
    let mut start_after = vec![recreate];
    start_after.extend(&r.gates);
    let start = plan.push(at.clone(), Op::StartContainer(new.clone()), Reason::Recreated, start_after);
    let failure = failure_words(r.policy.failure_action, r.service, rollback.then_some(&old.name), &new.name);
    let ready = await_ready(plan, r, &at, &new.name, "to confirm the update", failure, start);
    Steps { made: recreate, end: ready, old, new, kept: Kept::Aside { ready, aside } }
}

fn await_ready(
    plan: &mut Plan<Op>,
    r: &Rollout,
    at: &ResourceId,
    name: &str,
    purpose: &str,
    failure: String,
    start: ActionId,
) -> ActionId {
    let monitor = r.policy.monitor;
    let watched = if monitor.is_zero() { String::new() } else { format!(", then for {}", crate::units::go_duration(monitor)) };
    let why = Reason::Rollout(format!("ready (running, healthy with a healthcheck{watched}) {purpose}"));
    let op = Op::AwaitReady {
        service: r.service.to_string(),
        container: name.to_string(),
        monitor,
        timeout: r.wait_timeout,
        failure,
    };
    plan.push(at.clone(), op, why, vec![start])
}

/// What a failed replacement leaves, for the message `up` fails with; `old`: the container
/// that serves on (start-first, or stop-first kept aside for a rollback).
fn failure_words(action: FailureAction, service: &str, old: Option<&str>, new: &str) -> String {
    let serving = old.map(|o| format!("{new} removed, {o} serves on; ")).unwrap_or_default();
    match action {
        FailureAction::Rollback => format!("failure_action rollback: {serving}the update of {service} is undone"),
        FailureAction::Pause => format!("failure_action pause: {serving}the update of {service} stops here"),
        FailureAction::Continue => format!("failure_action continue: {serving}the update of {service} goes on"),
    }
}

#[cfg(test)]
mod tests;

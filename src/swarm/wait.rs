//! Waiting on a Swarm: a pure verdict on one service's tasks (converged, started, completed,
//! failed, or not yet), and one polling loop that never outlives its deadline. A service
//! whose tasks keep failing, that no node can run, or whose update paused or rolled back is
//! a failure that names it, with the tasks' errors.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::observe::{ObservedService, ObservedTask};
use super::spec;
use crate::engine::swarm::{api, SwarmEngine};
use crate::model::Condition;

/// Current tasks that failed before a restarting service is given up on.
const FAILURES: usize = 3;
/// How long no node may be able to run a task before that is a failure: long enough for an
/// update's old task to free a host-mode port.
const NO_NODE_GRACE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(250);
/// How long a task must have been seen running for a service to count as converged: a task
/// that exits at once is running for a moment.
const STABLE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Done,
    /// Not yet: how far it is (`1/2 running`).
    Pending(String),
    /// Will not get there: why.
    Failed(String),
}

/// What is waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Every replica running (jobs: every completion done), the update finished.
    Converged,
    Condition(Condition),
}

/// Tasks made from the service's current spec (an update replaces the others).
fn current<'a>(service: &ObservedService, tasks: &'a [ObservedTask]) -> Vec<&'a ObservedTask> {
    let wanted = task_view(service.spec.task_template.as_ref());
    tasks.iter().filter(|t| t.service_id == service.id && task_view(t.spec.as_ref()) == wanted).collect()
}

fn task_view(task: Option<&api::TaskSpec>) -> serde_json::Value {
    let task = task.map(|t| api::TaskSpec {
        container_spec: t.container_spec.clone(),
        force_update: t.force_update,
        ..Default::default()
    });
    spec::normalise(&api::ServiceSpec { task_template: task, ..Default::default() }, &BTreeMap::new())
}

/// The verdict on one service now. `stable`: whether a running task has run long enough to
/// count; `no_node_for`: how long a task has waited for a node.
pub fn verdict(
    goal: Goal,
    service: &ObservedService,
    tasks: &[ObservedTask],
    stable: &dyn Fn(&ObservedTask) -> bool,
    no_node_for: Duration,
) -> Verdict {
    if let Some(state) = service
        .update_state
        .as_deref()
        .filter(|s| matches!(*s, "paused" | "rollback_started" | "rollback_paused" | "rollback_completed"))
    {
        let why = service.update_message.clone().unwrap_or_default();
        return Verdict::Failed(format!("update {}: {why}", state.replace('_', " ")));
    }
    let current = current(service, tasks);
    let running = current.iter().filter(|t| t.running()).count();
    let complete = current.iter().filter(|t| t.state == "complete").count();
    let failed: Vec<&&ObservedTask> = current.iter().filter(|t| t.failed()).collect();
    let mode = service.spec.mode.clone().unwrap_or_default();
    let (job, wanted) = if let Some(j) = &mode.replicated_job {
        (true, j.total_completions.unwrap_or(1) as usize)
    } else if mode.global_job.is_some() {
        (true, current.len().max(1))
    } else if let Some(r) = &mode.replicated {
        (false, r.replicas.unwrap_or(1) as usize)
    } else {
        (false, current.iter().filter(|t| t.wants_running()).count().max(1))
    };
    let updating = service.update_state.as_deref() == Some("updating");
    let done = match goal {
        Goal::Converged if job => complete >= wanted,
        Goal::Converged => {
            current.iter().filter(|t| t.running() && stable(t)).count() == wanted && running == wanted && !updating
        }
        Goal::Condition(Condition::ServiceCompletedSuccessfully) => {
            if job {
                complete >= wanted
            } else {
                complete > 0
            }
        }
        Goal::Condition(_) => running > 0 || (job && complete > 0) || wanted == 0,
    };
    if done {
        return Verdict::Done;
    }
    let errors = || {
        let mut e: Vec<String> = failed.iter().rev().take(FAILURES).map(|t| task_error(t)).collect();
        e.dedup();
        e.join("; ")
    };
    let more_coming = current.iter().any(|t| t.wants_running() && !t.failed());
    if failed.len() >= FAILURES && running < wanted || !failed.is_empty() && !more_coming {
        return Verdict::Failed(errors());
    }
    if no_node_for >= NO_NODE_GRACE {
        if let Some(t) = current.iter().find(|t| no_suitable_node(t)) {
            return Verdict::Failed(task_error(t));
        }
    }
    let progress = if job { format!("{complete}/{wanted} completed") } else { format!("{running}/{wanted} running") };
    match current.iter().filter(|t| !t.error.is_empty()).max_by_key(|t| t.updated_at_ms) {
        Some(t) => Verdict::Pending(format!("{progress} ({})", t.error)),
        None => Verdict::Pending(progress),
    }
}

fn no_suitable_node(t: &ObservedTask) -> bool {
    t.state == "pending" && t.error.contains("no suitable node")
}

fn task_error(t: &ObservedTask) -> String {
    if !t.error.is_empty() {
        t.error.clone()
    } else {
        format!("task {}: {}", t.state, t.message)
    }
}

/// A service's progress toward a goal, printed when it changes.
pub type Report<'a> = &'a (dyn Fn(&str, Goal, &Verdict) + Sync);

/// Polls the named services until each reaches the goal, one fails, or the deadline passes.
/// Returns the failures, one per service (`app_web: task: non-zero exit (1)`).
pub async fn until(
    engine: &impl SwarmEngine,
    stack: &str,
    services: &[String],
    goal: Goal,
    deadline: Option<Instant>,
    report: Report<'_>,
) -> Result<(), Vec<String>> {
    let mut last: BTreeMap<String, Verdict> = BTreeMap::new();
    let mut waiting_for_node: BTreeMap<String, Instant> = BTreeMap::new();
    let mut running_since: BTreeMap<String, Instant> = BTreeMap::new();
    loop {
        let (observed, tasks) =
            match futures_util::try_join!(engine.list_services(Some(stack)), engine.list_tasks(stack)) {
                Ok(both) => both,
                Err(e) => return Err(vec![e.to_string()]),
            };
        running_since.retain(|id, _| tasks.iter().any(|t| &t.id == id && t.running()));
        for t in tasks.iter().filter(|t| t.running()) {
            running_since.entry(t.id.clone()).or_insert_with(Instant::now);
        }
        // How long a task has run: by the engine's clock (so an unchanged redeploy does not
        // wait for what ran before it, and a task seen late is not held back for the polls
        // it missed), or as seen here when the clocks disagree.
        let now = unix_millis();
        let running_for = |t: &ObservedTask| {
            let by_engine = Duration::from_millis(u64::try_from(now - t.updated_at_ms).unwrap_or(0));
            by_engine.max(running_since.get(&t.id).map_or(Duration::ZERO, Instant::elapsed))
        };
        let stable = |t: &ObservedTask| running_for(t) >= STABLE;
        let mut failures = Vec::new();
        let mut pending = Vec::new();
        for name in services {
            let Some(service) = observed.iter().find(|s| &s.name == name) else {
                failures.push(format!("{name}: the service is gone"));
                continue;
            };
            let stuck = tasks.iter().any(|t| t.service_id == service.id && no_suitable_node(t));
            let since =
                if stuck { *waiting_for_node.entry(name.clone()).or_insert_with(Instant::now) } else { Instant::now() };
            let v = verdict(goal, service, &tasks, &stable, since.elapsed());
            if last.get(name) != Some(&v) {
                report(name, goal, &v);
                last.insert(name.clone(), v.clone());
            }
            match v {
                Verdict::Done => {}
                Verdict::Pending(p) => pending.push(format!("{name}: {p}")),
                Verdict::Failed(why) => failures.push(format!("{name}: {why}")),
            }
        }
        if !failures.is_empty() {
            return Err(failures);
        }
        if pending.is_empty() {
            return Ok(());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(pending.into_iter().map(|p| format!("{p} when the wait timed out")).collect());
        }
        // Sooner when a running task is about to have run long enough.
        let next = tasks.iter().filter(|t| t.running()).map(|t| STABLE.saturating_sub(running_for(t))).filter(|d| !d.is_zero()).min();
        tokio::time::sleep(next.map_or(POLL, |d| d.min(POLL))).await;
    }
}

fn unix_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(mode: serde_json::Value) -> ObservedService {
        let spec: api::ServiceSpec = serde_json::from_value(json!({
            "Name": "app_web", "Mode": mode,
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Args": ["sleep", "1"]}}
        }))
        .unwrap();
        ObservedService {
            id: "s1".into(),
            name: "app_web".into(),
            version: 1,
            spec,
            update_state: None,
            update_message: None,
            endpoint_ports: vec![],
        }
    }

    fn task(s: &ObservedService, state: &str, desired: &str, error: &str) -> ObservedTask {
        ObservedTask {
            id: "t".into(),
            service_id: s.id.clone(),
            node_id: "n".into(),
            slot: 1,
            desired_state: desired.into(),
            state: state.into(),
            message: String::new(),
            error: error.into(),
            exit_code: None,
            created_at: 0,
            updated_at_ms: 0,
            spec: s.spec.task_template.clone(),
            ports: vec![],
        }
    }

    #[test]
    fn replicas_running_converge_and_failing_tasks_fail() {
        let s = service(json!({"Replicated": {"Replicas": 2}}));
        let running = task(&s, "running", "running", "");
        let zero = Duration::ZERO;
        assert_eq!(
            verdict(Goal::Converged, &s, std::slice::from_ref(&running), &|_| true, zero),
            Verdict::Pending("1/2 running".into())
        );
        assert_eq!(verdict(Goal::Converged, &s, &[running.clone(), running.clone()], &|_| true, zero), Verdict::Done);
        let just_started = verdict(Goal::Converged, &s, &[running.clone(), running.clone()], &|_| false, zero);
        assert_eq!(just_started, Verdict::Pending("2/2 running".into()));
        assert_eq!(
            verdict(Goal::Condition(Condition::ServiceStarted), &s, std::slice::from_ref(&running), &|_| false, zero),
            Verdict::Done
        );
        let failed = task(&s, "failed", "shutdown", "task: non-zero exit (1)");
        let tasks = vec![failed.clone(), failed.clone(), failed, task(&s, "pending", "running", "")];
        assert_eq!(
            verdict(Goal::Converged, &s, &tasks, &|_| true, zero),
            Verdict::Failed("task: non-zero exit (1)".into())
        );
    }

    #[test]
    fn tasks_of_an_older_spec_do_not_count() {
        let s = service(json!({"Replicated": {"Replicas": 1}}));
        let mut old = task(&s, "running", "running", "");
        old.spec =
            Some(serde_json::from_value(json!({"ContainerSpec": {"Image": "busybox", "Args": ["old"]}})).unwrap());
        assert_eq!(
            verdict(Goal::Converged, &s, &[old], &|_| true, Duration::ZERO),
            Verdict::Pending("0/1 running".into())
        );
    }

    #[test]
    fn jobs_complete_and_no_node_fails_after_a_grace() {
        let job = service(json!({"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 1}}));
        let done = task(&job, "complete", "complete", "");
        assert_eq!(
            verdict(Goal::Condition(Condition::ServiceCompletedSuccessfully), &job, &[done], &|_| true, Duration::ZERO),
            Verdict::Done
        );
        let s = service(json!({"Replicated": {"Replicas": 1}}));
        let stuck = task(&s, "pending", "running", "no suitable node (scheduling constraints not satisfied on 1 node)");
        assert!(matches!(
            verdict(Goal::Converged, &s, std::slice::from_ref(&stuck), &|_| true, Duration::ZERO),
            Verdict::Pending(_)
        ));
        assert!(
            matches!(verdict(Goal::Converged, &s, &[stuck], &|_| true, NO_NODE_GRACE), Verdict::Failed(e) if e.contains("no suitable node"))
        );
    }
}

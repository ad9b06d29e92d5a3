//! Waiting on containers: each condition is a predicate over one container's live status,
//! applied by a single polling loop until every container meets it, one fails it, time runs
//! out or the user cancels.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::{ContainerStatus, Engine};
use crate::cancel::CancellationSignal;
use crate::model::Condition;
use crate::containers::observe::{Health, RunState};
use crate::plan::Replicas;
use crate::containers::reconcile::state_name;
use crate::progress::{Event, Progress, Status};

/// Short enough to feel immediate, long enough not to load the engine.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Lines of output shown for a container that failed its condition by exiting.
const LOG_TAIL_LINES: usize = 10;

/// One container to wait on, with the service it belongs to (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub service: String,
    pub container: String,
    /// For `up --wait`: a one-shot that is done once it exited 0 (see `plan::Replicas`).
    pub completes: bool,
}

/// The containers a plan says `service` has.
pub fn targets(service: &str, containers: &[String]) -> Vec<Target> {
    let target = |c: &String| Target { service: service.to_string(), container: c.clone(), completes: false };
    containers.iter().map(target).collect()
}

/// What `up --wait` waits on: every service of the plan, all its replicas.
pub fn application_targets(replicas: &BTreeMap<String, Replicas>) -> Vec<Target> {
    replicas
        .iter()
        .flat_map(|(service, r)| targets(service, &r.containers).into_iter().map(|t| Target { completes: r.completes, ..t }))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pending,
    /// Met, with the word shown in progress (`Healthy`, `Exited`, `Started`).
    Met(&'static str),
    Failed(String),
}

pub type Predicate = fn(&Target, &ContainerStatus) -> Verdict;

/// Running, or already exited: a one-shot that ran counts as started.
pub fn service_started(t: &Target, s: &ContainerStatus) -> Verdict {
    match s.state {
        RunState::Created => Verdict::Pending,
        RunState::Running | RunState::Restarting | RunState::Paused => Verdict::Met("Started"),
        RunState::Exited => Verdict::Met("Exited"),
        RunState::Removing | RunState::Dead => {
            Verdict::Failed(format!("container {} is {}", t.container, state_name(s.state)))
        }
    }
}

pub fn service_healthy(t: &Target, s: &ContainerStatus) -> Verdict {
    if let Some(failed) = gone(t, s) {
        return failed;
    }
    match s.health {
        None => Verdict::Failed(format!("container {} has no healthcheck configured", t.container)),
        Some(Health::Starting) => Verdict::Pending,
        Some(Health::Healthy) => Verdict::Met("Healthy"),
        Some(Health::Unhealthy) => Verdict::Failed(format!("container {} is unhealthy", t.container)),
    }
}

pub fn service_completed_successfully(t: &Target, s: &ContainerStatus) -> Verdict {
    match (s.state, s.exit_code) {
        (RunState::Exited | RunState::Dead, Some(0)) => Verdict::Met("Exited"),
        (RunState::Exited | RunState::Dead, code) => Verdict::Failed(format!(
            "service {:?} didn't complete successfully: exit {}",
            t.service,
            code.unwrap_or(-1)
        )),
        _ => Verdict::Pending,
    }
}

/// `up --wait`: running, and healthy where a healthcheck exists. A container with a
/// healthcheck that exits before it was healthy fails, whatever its code; a one-shot without
/// one that exited 0 is done (the reference fails it unless another service waits for it to
/// complete: a deliberate difference, as a finished job is what its user asked for).
pub fn running_or_healthy(t: &Target, s: &ContainerStatus) -> Verdict {
    if t.completes {
        return service_completed_successfully(t, s);
    }
    if s.state == RunState::Exited && s.exit_code == Some(0) && s.health.is_none() {
        return Verdict::Met("Exited");
    }
    ready(t, s)
}

/// A container that stopped for good cannot become healthy.
fn gone(t: &Target, s: &ContainerStatus) -> Option<Verdict> {
    match s.state {
        RunState::Exited | RunState::Dead => Some(Verdict::Failed(format!(
            "container {} exited ({})",
            t.container,
            s.exit_code.unwrap_or(-1)
        ))),
        RunState::Removing => Some(Verdict::Failed(format!(
            "container {} is being removed",
            t.container
        ))),
        _ => None,
    }
}

/// Why a wait ended without every container meeting its condition.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitError {
    /// `detail` holds what explains it: the last health-check output or log lines.
    Failed {
        message: String,
        detail: Option<String>,
    },
    Cancelled,
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::Failed { message, detail: None } => f.write_str(message),
            WaitError::Failed { message, detail: Some(d) } => write!(f, "{message}\n{d}"),
            WaitError::Cancelled => f.write_str("interrupted"),
        }
    }
}

impl WaitError {
    fn failed(message: impl Into<String>) -> WaitError {
        WaitError::Failed {
            message: message.into(),
            detail: None,
        }
    }
}

/// How the polling loop ends short of success.
#[derive(Debug)]
enum Stop {
    Failed {
        target: Target,
        message: String,
        status: Option<ContainerStatus>,
    },
    TimedOut {
        target: Target,
        status: Option<ContainerStatus>,
    },
    Cancelled,
}

struct Poll<'a> {
    timeout: Option<Duration>,
    /// Look only after one interval: a container that exits at once is still running at
    /// its first glance, and would be judged on that (e.g. "no healthcheck") instead of on
    /// its exit.
    settle: bool,
    on_met: &'a mut (dyn FnMut(&Target, &'static str) + Send),
}

/// The one polling loop. Checks every pending container each round; a container meeting the
/// predicate leaves the round, the first failing one ends the wait.
async fn poll<E: Engine>(
    engine: &E,
    targets: &[Target],
    predicate: Predicate,
    opts: Poll<'_>,
    cancel: &CancellationSignal,
) -> Result<(), Stop> {
    let deadline = opts.timeout.map(|t| Instant::now() + t);
    let mut pending: Vec<(&Target, Option<ContainerStatus>)> = targets.iter().map(|t| (t, None)).collect();
    if opts.settle && !pause(deadline, cancel).await {
        return Err(stop_early(cancel, &pending));
    }
    loop {
        let mut still = Vec::new();
        for (t, _) in pending {
            let status = match engine.container_status(&t.container).await {
                Ok(s) => s,
                Err(e) if e.is_not_found() => {
                    let message = format!("container {} not found", t.container);
                    return Err(Stop::Failed {
                        target: t.clone(),
                        message,
                        status: None,
                    });
                }
                Err(e) => {
                    return Err(Stop::Failed {
                        target: t.clone(),
                        message: e.message,
                        status: None,
                    })
                }
            };
            match predicate(t, &status) {
                Verdict::Pending => still.push((t, Some(status))),
                Verdict::Met(word) => (opts.on_met)(t, word),
                Verdict::Failed(message) => {
                    return Err(Stop::Failed {
                        target: t.clone(),
                        message,
                        status: Some(status),
                    })
                }
            }
        }
        pending = still;
        if pending.is_empty() {
            return Ok(());
        }
        if !pause(deadline, cancel).await {
            return Err(stop_early(cancel, &pending));
        }
    }
}

/// Sleeps one interval, or less to end at the deadline; false once the deadline passed or
/// the wait was cancelled.
async fn pause(deadline: Option<Instant>, cancel: &CancellationSignal) -> bool {
    let next = Instant::now() + POLL_INTERVAL;
    let until = deadline.map_or(next, |d| d.min(next));
    tokio::select! {
        _ = tokio::time::sleep_until(until) => deadline.is_none_or(|d| Instant::now() < d),
        _ = cancel.cancelled() => false,
    }
}

fn stop_early(cancel: &CancellationSignal, pending: &[(&Target, Option<ContainerStatus>)]) -> Stop {
    match pending.first() {
        Some((t, status)) if !cancel.is_cancelled() => Stop::TimedOut {
            target: (*t).clone(),
            status: status.clone(),
        },
        _ => Stop::Cancelled,
    }
}

/// A dependency gate: waits until every container of `service` meets `condition`. A failure
/// of an optional dependency (`required: false`) is returned as a warning instead.
pub async fn await_dependency<E: Engine>(
    engine: &E,
    service: &str,
    condition: Condition,
    required: bool,
    targets: &[Target],
    progress: &dyn Progress,
    cancel: &CancellationSignal,
) -> Result<Option<String>, WaitError> {
    // `service_started` is satisfied by the start itself; the reference shows no wait for it.
    let visible = condition != Condition::ServiceStarted;
    if visible {
        for t in targets {
            progress.event(&Event::new(
                format!("Container {}", t.container),
                Status::Working,
                "Waiting",
            ));
        }
    }
    let (predicate, settle): (Predicate, bool) = match condition {
        Condition::ServiceStarted => (service_started, false),
        Condition::ServiceHealthy => (service_healthy, true),
        Condition::ServiceCompletedSuccessfully => (service_completed_successfully, false),
    };
    let mut on_met = |t: &Target, word: &'static str| {
        if visible {
            progress.event(&Event::new(
                format!("Container {}", t.container),
                Status::Done,
                word,
            ));
        }
    };
    let opts = Poll {
        timeout: None,
        settle,
        on_met: &mut on_met,
    };
    let (target, message, status) = match poll(engine, targets, predicate, opts, cancel).await {
        Ok(()) => return Ok(None),
        Err(Stop::Cancelled) => return Err(WaitError::Cancelled),
        Err(Stop::TimedOut { target, status }) => {
            (target, "timeout waiting for dependencies".to_string(), status)
        }
        Err(Stop::Failed {
            target,
            message,
            status,
        }) => (target, message, status),
    };
    let resource = format!("Container {}", target.container);
    if !required {
        let warning = optional_warning(service, &message);
        progress.event(&Event::new(resource, Status::Warning, "Skipped").details(&warning));
        return Ok(Some(warning));
    }
    let message = match condition {
        Condition::ServiceCompletedSuccessfully => message,
        _ => format!("dependency failed to start: {message}"),
    };
    progress.event(&Event::new(resource, Status::Error, "Error").details(&message));
    let detail = explain(engine, &target, status.as_ref()).await;
    Err(WaitError::Failed { message, detail })
}

/// The reference's words for an optional dependency that failed: a one-shot's exit is told
/// as such (`optional dependency "init" didn't complete successfully: exit 3`).
fn optional_warning(service: &str, message: &str) -> String {
    match message.strip_prefix(&format!("service {service:?} ")) {
        Some(rest) => format!("optional dependency {service:?} {rest}"),
        None => format!("optional dependency {service:?} failed to start: {message}"),
    }
}

/// `up --wait`: every container running, and healthy where it has a healthcheck; one-shots
/// others wait on must have exited 0. `timeout` is `--wait-timeout`.
pub async fn wait_application<E: Engine>(
    engine: &E,
    targets: &[Target],
    timeout: Option<Duration>,
    progress: &dyn Progress,
    cancel: &CancellationSignal,
) -> Result<(), WaitError> {
    for t in targets {
        progress.event(&Event::new(
            format!("Container {}", t.container),
            Status::Working,
            "Waiting",
        ));
    }
    let mut on_met = |t: &Target, word: &'static str| {
        progress.event(&Event::new(
            format!("Container {}", t.container),
            Status::Done,
            word,
        ));
    };
    // Like the reference, which looks first after one tick: a one-shot that exits at once
    // is judged on its exit, not on its first moment running.
    let opts = Poll {
        timeout,
        settle: true,
        on_met: &mut on_met,
    };
    match poll(engine, targets, running_or_healthy, opts, cancel).await {
        Ok(()) => Ok(()),
        Err(Stop::Cancelled) => Err(WaitError::Cancelled),
        Err(Stop::TimedOut { target, status }) => {
            let after = crate::units::go_duration(timeout.unwrap_or_default());
            let state = status
                .as_ref()
                .map_or_else(|| "not checked yet".to_string(), describe);
            Err(WaitError::failed(format!(
                "application not healthy after {after}: service {:?} (container {}) is {state}",
                target.service, target.container
            )))
        }
        Err(Stop::Failed {
            target,
            message,
            status,
        }) => {
            progress.event(
                &Event::new(format!("Container {}", target.container), Status::Error, "Error")
                    .details(&message),
            );
            let detail = explain(engine, &target, status.as_ref()).await;
            Err(WaitError::Failed { message, detail })
        }
    }
}

/// A rolling update's replacement: running, and healthy where it has a healthcheck. Unlike
/// `up --wait`, an exit fails it whatever its code: it is to serve.
pub fn ready(t: &Target, s: &ContainerStatus) -> Verdict {
    if let Some(failed) = gone(t, s) {
        return failed;
    }
    match (s.state, s.health) {
        (_, Some(Health::Unhealthy)) => Verdict::Failed(format!("container {} is unhealthy", t.container)),
        (RunState::Running, None | Some(Health::Healthy)) => Verdict::Met("Healthy"),
        _ => Verdict::Pending,
    }
}

/// While a replacement is monitored: it must not stop nor turn unhealthy; watching it never
/// ends on its own.
fn still_ready(t: &Target, s: &ContainerStatus) -> Verdict {
    match ready(t, s) {
        Verdict::Met(_) => Verdict::Pending,
        other => other,
    }
}

/// A rolling update's gate (`Op::AwaitReady`): the replacement ready within `timeout`, then
/// still ready after `monitor`. The error names the service, what went wrong and what the
/// plan does about it (`failure`), with the last health-check output or log lines.
#[allow(clippy::too_many_arguments)]
pub async fn await_ready<E: Engine>(
    engine: &E,
    target: &Target,
    monitor: Duration,
    timeout: Option<Duration>,
    failure: &str,
    progress: &dyn Progress,
    cancel: &CancellationSignal,
) -> Result<(), WaitError> {
    let resource = format!("Container {}", target.container);
    progress.event(&Event::new(&resource, Status::Working, "Waiting"));
    let targets = std::slice::from_ref(target);
    let mut quiet = |_: &Target, _: &'static str| {};
    let opts = Poll { timeout, settle: true, on_met: &mut quiet };
    let mut stop = poll(engine, targets, ready, opts, cancel).await.err();
    if stop.is_none() && !monitor.is_zero() {
        progress.event(&Event::new(&resource, Status::Working, "Monitoring"));
        let opts = Poll { timeout: Some(monitor), settle: true, on_met: &mut quiet };
        stop = match poll(engine, targets, still_ready, opts, cancel).await {
            Err(Stop::TimedOut { .. }) | Ok(()) => None,
            Err(e) => Some(e),
        };
    }
    let (message, status) = match stop {
        None => {
            progress.event(&Event::new(&resource, Status::Done, "Ready"));
            return Ok(());
        }
        Some(Stop::Cancelled) => return Err(WaitError::Cancelled),
        Some(Stop::TimedOut { status, .. }) => {
            let after = crate::units::go_duration(timeout.unwrap_or_default());
            let state = status.as_ref().map_or_else(|| "not checked yet".to_string(), describe);
            (format!("container {} not ready after {after} ({state})", target.container), status)
        }
        Some(Stop::Failed { message, status, .. }) => (message, status),
    };
    let message = format!("service {:?}: update failed: {message}; {failure}", target.service);
    progress.event(&Event::new(&resource, Status::Error, "Error").details(&message));
    let detail = match explain(engine, target, status.as_ref()).await {
        Some(d) => Some(d),
        None => last_health_output(status.as_ref()),
    };
    Err(WaitError::Failed { message, detail })
}

/// The last health check's output of a container still starting, which tells why it is not
/// healthy yet.
fn last_health_output(status: Option<&ContainerStatus>) -> Option<String> {
    let out = status?.health_output.as_deref().map(str::trim).filter(|o| !o.is_empty())?;
    Some(format!("last health check output:\n{out}"))
}

/// What helps understand a failed container: its last health-check output when unhealthy,
/// its last lines of output when it exited.
async fn explain<E: Engine>(engine: &E, t: &Target, status: Option<&ContainerStatus>) -> Option<String> {
    let status = status?;
    if status.health == Some(Health::Unhealthy) {
        if let Some(out) = status
            .health_output
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            return Some(format!("last health check output:\n{out}"));
        }
    }
    if matches!(status.state, RunState::Exited | RunState::Dead) {
        let tail = engine.logs_tail(&t.container, LOG_TAIL_LINES).await.ok()?;
        let tail = tail.trim_end();
        if !tail.is_empty() {
            return Some(format!("last output of {}:\n{tail}", t.container));
        }
    }
    None
}

fn describe(s: &ContainerStatus) -> String {
    match s.health {
        Some(Health::Starting) => format!("{}, health: starting", state_name(s.state)),
        _ => state_name(s.state).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_dependency_warnings_use_the_references_words() {
        assert_eq!(
            optional_warning("init", r#"service "init" didn't complete successfully: exit 3"#),
            r#"optional dependency "init" didn't complete successfully: exit 3"#
        );
        assert_eq!(
            optional_warning("db", "container p-db-1 is unhealthy"),
            r#"optional dependency "db" failed to start: container p-db-1 is unhealthy"#
        );
    }
}

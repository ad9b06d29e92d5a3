//! The operations of a stack deploy and how each is performed; the shared scheduler
//! (`crate::scheduler`) decides when. The planner decided them; performing one decides
//! nothing beyond filling in the ids the engine gave to what an earlier operation created.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use super::wait::{self, Goal, Report};
use crate::cancel::CancellationSignal;
use crate::engine::swarm::{api, SwarmEngine};
use crate::engine::{EngineError, Kind};
use crate::model::Condition;
use crate::plan::{Change, Operation, Reason, Words};
use crate::progress::Progress;
use crate::scheduler::{OpError, Perform, Performed};

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateNetwork {
        name: String,
        spec: api::NetworkCreateRequest,
    },
    CreateConfig {
        name: String,
        spec: api::ConfigSpec,
    },
    CreateSecret {
        name: String,
        spec: api::SecretSpec,
    },
    CreateService {
        key: String,
        name: String,
        spec: api::ServiceSpec,
    },
    UpdateService {
        key: String,
        name: String,
        id: String,
        version: u64,
        spec: api::ServiceSpec,
    },
    /// A dependency's `depends_on` condition, before its dependents are deployed.
    AwaitService {
        key: String,
        name: String,
        condition: Condition,
    },
    RemoveService {
        name: String,
        id: String,
    },
    RemoveConfig {
        name: String,
        id: String,
    },
    RemoveSecret {
        name: String,
        id: String,
    },
}

pub fn condition_text(c: Condition) -> &'static str {
    match c {
        Condition::ServiceStarted => "service_started",
        Condition::ServiceHealthy => "service_healthy",
        Condition::ServiceCompletedSuccessfully => "service_completed_successfully",
    }
}

/// The plan's text (`--dry-run`): each operation with its reason; an update's reason is the
/// changes, all of them.
pub fn describe(op: &Op, reason: &Reason) -> String {
    match op {
        Op::CreateNetwork { name, .. } => format!("create network {name}"),
        Op::CreateConfig { name, .. } => format!("create config {name}"),
        Op::CreateSecret { name, .. } => format!("create secret {name}"),
        Op::CreateService { name, .. } => format!("create service {name}"),
        Op::UpdateService { name, .. } => match reason {
            Reason::Changed(Change::Fields(changes)) => {
                let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
                format!("update service {name}: {}", changes.join(", "))
            }
            other => format!("update service {name}: {other}"),
        },
        Op::AwaitService { name, condition, .. } => format!("wait for service {name}: {}", condition_text(*condition)),
        Op::RemoveService { name, .. } => format!("remove service {name} (prune)"),
        Op::RemoveConfig { name, .. } => format!("remove config {name} (no longer used)"),
        Op::RemoveSecret { name, .. } => format!("remove secret {name} (no longer used)"),
    }
}

impl Operation for Op {
    fn verb(&self) -> &'static str {
        match self {
            Op::CreateNetwork { .. } | Op::CreateConfig { .. } | Op::CreateSecret { .. } | Op::CreateService { .. } => {
                "create"
            }
            Op::UpdateService { .. } => "update",
            Op::AwaitService { .. } => "wait",
            Op::RemoveService { .. } | Op::RemoveConfig { .. } | Op::RemoveSecret { .. } => "remove",
        }
    }

    fn is_gate(&self) -> bool {
        matches!(self, Op::AwaitService { .. })
    }

    /// A Swarm has no optional dependency: a failed one holds its dependents back.
    fn passes_failed(&self) -> Option<String> {
        None
    }

    /// As `docker stack deploy` words its lines (`Creating service app_web`, `Updating
    /// service app_web (id: …)`): the working word, then the subject.
    fn words(&self) -> Words {
        let (subject, working, done) = match self {
            Op::CreateNetwork { name, .. } => (format!("network {name}"), "Creating", "Created"),
            Op::CreateConfig { name, .. } => (format!("config {name}"), "Creating", "Created"),
            Op::CreateSecret { name, .. } => (format!("secret {name}"), "Creating", "Created"),
            Op::CreateService { name, .. } => (format!("service {name}"), "Creating", "Created"),
            Op::UpdateService { name, id, .. } => (format!("service {name} (id: {id})"), "Updating", "Updated"),
            Op::AwaitService { name, .. } => (format!("service {name}"), "Waiting", "Ready"),
            Op::RemoveService { name, .. } => (format!("service {name}"), "Removing", "Removed"),
            Op::RemoveConfig { name, .. } => (format!("config {name}"), "Removing", "Removed"),
            Op::RemoveSecret { name, .. } => (format!("secret {name}"), "Removing", "Removed"),
        };
        Words { subject, working, done }
    }
}

/// What performing needs: the engine, the ids of configs and secrets (those observed, and
/// those created on the way), and the deadline of waits.
pub struct Context<'a, E> {
    pub engine: &'a E,
    pub stack: String,
    pub configs: Mutex<BTreeMap<String, String>>,
    pub secrets: Mutex<BTreeMap<String, String>>,
    pub deadline: Option<Instant>,
    pub report: Report<'a>,
}

impl<E: SwarmEngine> Perform<Op> for Context<'_, E> {
    async fn perform(&self, op: &Op, _: &dyn Progress, cancel: &CancellationSignal) -> Result<Performed, OpError> {
        let warnings = match op {
            // The wait reports its own progress (`report`); Ctrl-C ends it.
            Op::AwaitService { name, condition, .. } => tokio::select! {
                waited = await_service(self, name, *condition) => waited?,
                () = cancel.cancelled() => return Err(OpError::Cancelled),
            },
            _ => perform(op, self).await?,
        };
        Ok(Performed { note: None, warnings })
    }
}

async fn await_service<E: SwarmEngine>(
    ctx: &Context<'_, E>,
    name: &str,
    condition: Condition,
) -> Result<Vec<String>, OpError> {
    let names = [name.to_string()];
    wait::until(ctx.engine, &ctx.stack, &names, Goal::Condition(condition), ctx.deadline, ctx.report)
        .await
        .map(|()| Vec::new())
        .map_err(|failures| OpError::failed(format!("{} not met: {}", condition_text(condition), failures.join("; "))))
}

/// One engine operation; its warnings (`WARN app_web: …`) when it is done.
async fn perform<E: SwarmEngine>(op: &Op, ctx: &Context<'_, E>) -> Result<Vec<String>, OpError> {
    let e = ctx.engine;
    match op {
        Op::CreateNetwork { name, spec } => {
            e.create_network(spec).await.map_err(named("creating network", name))?;
        }
        Op::CreateConfig { name, spec } => {
            let id = e.create_config(spec).await.map_err(named("creating config", name))?;
            lock(&ctx.configs).insert(name.clone(), id);
        }
        Op::CreateSecret { name, spec } => {
            let id = e.create_secret(spec).await.map_err(named("creating secret", name))?;
            lock(&ctx.secrets).insert(name.clone(), id);
        }
        Op::CreateService { name, spec, .. } => {
            let spec = with_ids(spec, ctx)?;
            e.create_service(&spec).await.map_err(named("creating service", name))?;
        }
        Op::UpdateService { name, id, version, spec, .. } => {
            let spec = with_ids(spec, ctx)?;
            let warnings = e.update_service(id, *version, &spec).await.map_err(named("updating service", name))?;
            return Ok(warnings.into_iter().map(|w| format!("{name}: {w}")).collect());
        }
        Op::AwaitService { .. } => return Err(OpError::failed("a dependency gate is not an engine action")),
        Op::RemoveService { name, id } => gone(e.remove_service(id).await).map_err(named("removing service", name))?,
        Op::RemoveConfig { name, id } => gone(e.remove_config(id).await).map_err(named("removing config", name))?,
        Op::RemoveSecret { name, id } => gone(e.remove_secret(id).await).map_err(named("removing secret", name))?,
    }
    Ok(Vec::new())
}

/// An engine error, saying what was being done to what; an engine that stopped answering
/// ends the run.
fn named<'a>(what: &'a str, name: &'a str) -> impl FnOnce(EngineError) -> OpError + 'a {
    move |err| {
        let message = format!("{what} {name}: {err}");
        match err.kind {
            Kind::Unreachable => OpError::EngineLost(message),
            _ => OpError::failed(message),
        }
    }
}

/// Removing what is already gone is done.
fn gone(r: crate::engine::Result<()>) -> crate::engine::Result<()> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The spec with the ids of the configs and secrets it names.
fn with_ids<E>(spec: &api::ServiceSpec, ctx: &Context<'_, E>) -> Result<api::ServiceSpec, OpError> {
    let mut spec = spec.clone();
    let Some(c) = spec.task_template.as_mut().and_then(|t| t.container_spec.as_mut()) else { return Ok(spec) };
    let configs = lock(&ctx.configs);
    for r in c.configs.iter_mut().flatten() {
        let name = r.config_name.clone().unwrap_or_default();
        r.config_id =
            Some(configs.get(&name).cloned().ok_or_else(|| OpError::failed(format!("config not found: {name}")))?);
    }
    let secrets = lock(&ctx.secrets);
    for r in c.secrets.iter_mut().flatten() {
        let name = r.secret_name.clone().unwrap_or_default();
        r.secret_id =
            Some(secrets.get(&name).cloned().ok_or_else(|| OpError::failed(format!("secret not found: {name}")))?);
    }
    Ok(spec)
}

#[cfg(test)]
mod tests;

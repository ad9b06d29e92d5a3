//! The operations of a stack deploy and how each is performed. The planner decided them;
//! performing one decides nothing beyond filling in the ids the engine gave to what an
//! earlier operation created.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Instant;

use super::wait::{self, Goal, Report};
use crate::engine::swarm::{api, SwarmEngine};
use crate::model::Condition;

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
        changes: Vec<String>,
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

/// The plan's text (`--dry-run`): each operation with its reason.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::CreateNetwork { name, .. } => write!(f, "create network {name}"),
            Op::CreateConfig { name, .. } => write!(f, "create config {name}"),
            Op::CreateSecret { name, .. } => write!(f, "create secret {name}"),
            Op::CreateService { name, .. } => write!(f, "create service {name}"),
            Op::UpdateService { name, changes, .. } => write!(f, "update service {name}: {}", changes.join(", ")),
            Op::AwaitService { name, condition, .. } => {
                write!(f, "wait for service {name}: {}", condition_text(*condition))
            }
            Op::RemoveService { name, .. } => write!(f, "remove service {name} (prune)"),
            Op::RemoveConfig { name, .. } => write!(f, "remove config {name} (no longer used)"),
            Op::RemoveSecret { name, .. } => write!(f, "remove secret {name} (no longer used)"),
        }
    }
}

impl Op {
    /// The line `docker stack deploy` prints as it does this, if it prints one.
    pub fn progress(&self) -> Option<String> {
        Some(match self {
            Op::CreateNetwork { name, .. } => format!("Creating network {name}"),
            Op::CreateConfig { name, .. } => format!("Creating config {name}"),
            Op::CreateSecret { name, .. } => format!("Creating secret {name}"),
            Op::CreateService { name, .. } => format!("Creating service {name}"),
            Op::UpdateService { name, id, .. } => format!("Updating service {name} (id: {id})"),
            Op::RemoveService { name, .. } => format!("Removing service {name}"),
            Op::RemoveConfig { name, .. } => format!("Removing config {name}"),
            Op::RemoveSecret { name, .. } => format!("Removing secret {name}"),
            Op::AwaitService { .. } => return None,
        })
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

pub async fn perform<E: SwarmEngine>(op: &Op, ctx: &Context<'_, E>) -> Result<(), String> {
    let e = ctx.engine;
    match op {
        Op::CreateNetwork { name, spec } => {
            e.create_network(spec).await.map(drop).map_err(named("creating network", name))
        }
        Op::CreateConfig { name, spec } => {
            let id = e.create_config(spec).await.map_err(named("creating config", name))?;
            lock(&ctx.configs).insert(name.clone(), id);
            Ok(())
        }
        Op::CreateSecret { name, spec } => {
            let id = e.create_secret(spec).await.map_err(named("creating secret", name))?;
            lock(&ctx.secrets).insert(name.clone(), id);
            Ok(())
        }
        Op::CreateService { name, spec, .. } => {
            let spec = with_ids(spec, ctx)?;
            e.create_service(&spec).await.map(drop).map_err(named("creating service", name))
        }
        Op::UpdateService { name, id, version, spec, .. } => {
            let spec = with_ids(spec, ctx)?;
            let warnings = e.update_service(id, *version, &spec).await.map_err(named("updating service", name))?;
            for w in warnings {
                eprintln!("WARN {name}: {w}");
            }
            Ok(())
        }
        Op::AwaitService { name, condition, .. } => wait::until(
            e,
            &ctx.stack,
            std::slice::from_ref(name),
            Goal::Condition(*condition),
            ctx.deadline,
            ctx.report,
        )
        .await
        .map_err(|failures| format!("{} not met: {}", condition_text(*condition), failures.join("; "))),
        Op::RemoveService { name, id } => gone(e.remove_service(id).await).map_err(named("removing service", name)),
        Op::RemoveConfig { name, id } => gone(e.remove_config(id).await).map_err(named("removing config", name)),
        Op::RemoveSecret { name, id } => gone(e.remove_secret(id).await).map_err(named("removing secret", name)),
    }
}

/// An engine error, saying what was being done to what.
fn named<'a>(what: &'a str, name: &'a str) -> impl FnOnce(crate::engine::EngineError) -> String + 'a {
    move |err| format!("{what} {name}: {err}")
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
fn with_ids<E>(spec: &api::ServiceSpec, ctx: &Context<'_, E>) -> Result<api::ServiceSpec, String> {
    let mut spec = spec.clone();
    let Some(c) = spec.task_template.as_mut().and_then(|t| t.container_spec.as_mut()) else { return Ok(spec) };
    let configs = lock(&ctx.configs);
    for r in c.configs.iter_mut().flatten() {
        let name = r.config_name.clone().unwrap_or_default();
        r.config_id = Some(configs.get(&name).cloned().ok_or_else(|| format!("config not found: {name}"))?);
    }
    let secrets = lock(&ctx.secrets);
    for r in c.secrets.iter_mut().flatten() {
        let name = r.secret_name.clone().unwrap_or_default();
        r.secret_id = Some(secrets.get(&name).cloned().ok_or_else(|| format!("secret not found: {name}"))?);
    }
    Ok(spec)
}

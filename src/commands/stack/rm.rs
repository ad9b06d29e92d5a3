//! `stack rm`: a stack's services, then its secrets, configs and networks, found by the
//! namespace label, as `docker stack rm` removes them. With `--detach=false`, waits until
//! the services' tasks are gone (bounded).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::engine::swarm::{SwarmClient, SwarmEngine};
use crate::load::Options;
use crate::swarm::names;

/// How long `--detach=false` waits for tasks to go.
const WAIT: Duration = Duration::from_secs(60);
/// How long a network still in use is tried again.
const NETWORK_RETRY: Duration = Duration::from_secs(15);

pub async fn run(opts: &Options, stacks: &[String], detach: bool) -> ExitCode {
    let Some(engine) = super::manager(opts).await else { return ExitCode::FAILURE };
    let mut ok = true;
    for stack in stacks {
        ok &= remove(&engine, stack, detach).await;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn remove(engine: &SwarmClient, stack: &str, detach: bool) -> bool {
    let listed = futures_util::try_join!(
        engine.list_services(Some(stack)),
        engine.list_networks(),
        engine.list_configs(),
        engine.list_secrets()
    );
    let (mut services, networks, configs, secrets) = match listed {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return false;
        }
    };
    let ours = |labels: &std::collections::BTreeMap<String, String>| {
        labels.get(names::NAMESPACE).map(String::as_str) == Some(stack)
    };
    let networks: Vec<_> = networks.into_iter().filter(|n| ours(&n.labels)).collect();
    let configs: Vec<_> = configs.into_iter().filter(|c| ours(&c.labels)).collect();
    let secrets: Vec<_> = secrets.into_iter().filter(|c| ours(&c.labels)).collect();
    if services.is_empty() && networks.is_empty() && configs.is_empty() && secrets.is_empty() {
        eprintln!("Nothing found in stack: {stack}");
        return true;
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let mut errors = Vec::new();
    for s in &services {
        outln!("Removing service {}", s.name);
        note(engine.remove_service(&s.id).await, &mut errors, "service", &s.name);
    }
    for s in &secrets {
        outln!("Removing secret {}", s.name);
        note(engine.remove_secret(&s.id).await, &mut errors, "secret", &s.name);
    }
    for c in &configs {
        outln!("Removing config {}", c.name);
        note(engine.remove_config(&c.id).await, &mut errors, "config", &c.name);
    }
    for n in &networks {
        outln!("Removing network {}", n.name);
        note(remove_network(engine, &n.id).await, &mut errors, "network", &n.name);
    }
    if !detach && !services.is_empty() {
        wait_gone(engine, stack).await;
    }
    for e in &errors {
        eprintln!("{e}");
    }
    errors.is_empty()
}

fn note(result: crate::engine::Result<()>, errors: &mut Vec<String>, what: &str, name: &str) {
    match result {
        Err(e) if !e.is_not_found() => errors.push(format!("Failed to remove {what} {name}: {e}")),
        _ => {}
    }
}

/// The manager refuses while tasks of the services just removed still hold the network:
/// tried again for a while.
async fn remove_network(engine: &SwarmClient, id: &str) -> crate::engine::Result<()> {
    let started = Instant::now();
    loop {
        match engine.remove_network(id).await {
            Err(e) if e.kind != crate::engine::Kind::NotFound && started.elapsed() < NETWORK_RETRY => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => return other,
        }
    }
}

/// Until the stack's tasks are gone, or a minute passed.
async fn wait_gone(engine: &SwarmClient, stack: &str) {
    let started = Instant::now();
    while started.elapsed() < WAIT {
        match engine.list_tasks(stack).await {
            Ok(tasks) if !tasks.is_empty() => tokio::time::sleep(Duration::from_millis(250)).await,
            _ => return,
        }
    }
}

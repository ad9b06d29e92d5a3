//! A service's `deploy.update_config` and `rollback_config` as the rolling planner
//! (`rolling.rs`) follows them, and what keeps two of its containers from running at once.
//! A leaf of the container backend: the desired state holds a service's policy.

use std::time::Duration;

use crate::model::deploy::UpdateConfig;
use crate::model::Service;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    StopFirst,
    StartFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    Pause,
    Continue,
    Rollback,
}

/// A service's `update_config`, with the Swarm's defaults for what it leaves out (one replica
/// at a time, stop-first, pause), except `monitor`, which is 0 unless given.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub order: Order,
    /// Replicas replaced at once; 0: all.
    pub parallelism: u64,
    pub delay: Duration,
    pub monitor: Duration,
    pub failure_action: FailureAction,
    pub max_failure_ratio: f64,
    /// Why two containers of the service cannot exist at once, naming the field: start-first
    /// then falls back to stop-first.
    pub no_overlap: Option<String>,
    /// How `failure_action: rollback` undoes the replicas replaced so far.
    pub rollback: Revert,
}

/// `rollback_config`: the order, batches, delay and monitor of a rollback; without it, the
/// update's own.
#[derive(Debug, Clone, PartialEq)]
pub struct Revert {
    pub order: Order,
    pub parallelism: u64,
    pub delay: Duration,
    pub monitor: Duration,
}

impl Policy {
    pub fn new(c: &UpdateConfig, rollback: Option<&UpdateConfig>, s: &Service) -> Policy {
        let r = rollback.unwrap_or(c);
        Policy {
            order: order(c),
            parallelism: c.parallelism.unwrap_or(1),
            delay: c.delay.map(|d| d.0).unwrap_or_default(),
            monitor: c.monitor.map(|d| d.0).unwrap_or_default(),
            failure_action: match c.failure_action.as_deref() {
                Some("continue") => FailureAction::Continue,
                Some("rollback") => FailureAction::Rollback,
                _ => FailureAction::Pause,
            },
            max_failure_ratio: c.max_failure_ratio.unwrap_or(0.0),
            no_overlap: no_overlap(s),
            rollback: Revert {
                order: order(r),
                parallelism: r.parallelism.unwrap_or(1),
                delay: r.delay.map(|d| d.0).unwrap_or_default(),
                monitor: r.monitor.map(|d| d.0).unwrap_or_default(),
            },
        }
    }

    /// The order the rollout follows.
    pub fn effective_order(&self) -> Order {
        match self.no_overlap {
            Some(_) => Order::StopFirst,
            None => self.order,
        }
    }

    /// Failed replicas the rollout goes on past, of `total` replaced.
    pub fn tolerated(&self, total: usize) -> usize {
        match self.failure_action {
            FailureAction::Continue => usize::MAX,
            // Truncation wanted: a ratio allows whole failures only.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            _ => (self.max_failure_ratio.clamp(0.0, 1.0) * total as f64).floor() as usize,
        }
    }
}

fn order(c: &UpdateConfig) -> Order {
    if c.order.as_deref() == Some("start-first") {
        Order::StartFirst
    } else {
        Order::StopFirst
    }
}

/// What keeps two containers of `s` from running at once: a fixed name, a fixed host port, a
/// fixed address, or no network of its own whose aliases could move.
pub fn no_overlap(s: &Service) -> Option<String> {
    if s.container_name.is_some() {
        return Some("container_name".to_string());
    }
    if let Some(mode) = &s.network_mode {
        return Some(format!("network_mode {mode}"));
    }
    for (i, p) in s.ports.iter().enumerate() {
        match p.published.as_deref().map(str::trim) {
            Some(port) if !port.is_empty() && !is_range(port) => {
                return Some(format!("ports[{i}] publishes host port {port}"));
            }
            _ => {}
        }
    }
    s.networks.iter().find_map(|(key, n)| {
        let n = n.as_ref()?;
        let field = if n.ipv4_address.is_some() { "ipv4_address" } else { n.ipv6_address.as_ref().map(|_| "ipv6_address")? };
        Some(format!("networks.{key}.{field}"))
    })
}

/// A host port range of more than one port: the engine takes a free one for each container.
fn is_range(port: &str) -> bool {
    port.split_once('-').is_some_and(|(a, b)| a.trim() != b.trim())
}

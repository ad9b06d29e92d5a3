//! Keys a Swarm service has no place for: warned about once per key, naming the services
//! that use them, or refused where running without them would be wrong. Fields the engine's
//! API version is too old for are warned about the same way.

use super::Options;
use crate::model::{MountType, Project, Service};

type Uses = fn(&Service) -> bool;

/// Keys with no Swarm meaning: the service runs without them.
const IGNORED: &[(&str, Uses)] = &[
    ("annotations", |s| !s.annotations.is_empty()),
    ("blkio_config", |s| s.blkio_config.is_some()),
    ("build", |s| s.build.is_some() && s.image.is_some()),
    ("cgroup", |s| s.cgroup.is_some()),
    ("cgroup_parent", |s| s.cgroup_parent.is_some()),
    ("container_name", |s| s.container_name.is_some()),
    ("cpu_count", |s| s.cpu_count.is_some()),
    ("cpu_percent", |s| s.cpu_percent.is_some()),
    ("cpu_period", |s| s.cpu_period.is_some()),
    ("cpu_quota", |s| s.cpu_quota.is_some()),
    ("cpu_rt_period", |s| s.cpu_rt_period.is_some()),
    ("cpu_rt_runtime", |s| s.cpu_rt_runtime.is_some()),
    ("cpu_shares", |s| s.cpu_shares.is_some()),
    ("cpuset", |s| s.cpuset.is_some()),
    ("credential_spec", |s| s.credential_spec.is_some()),
    ("depends_on.restart", |s| s.depends_on.values().any(|d| d.restart)),
    ("deploy.resources.reservations.devices", |s| {
        s.deploy.as_ref().and_then(|d| d.resources.reservations.as_ref()).is_some_and(|r| !r.devices.is_empty())
    }),
    ("develop", |s| s.develop.is_some()),
    ("device_cgroup_rules", |s| !s.device_cgroup_rules.is_empty()),
    ("devices", |s| !s.devices.is_empty()),
    ("domainname", |s| s.domainname.is_some()),
    ("expose", |s| !s.expose.is_empty()),
    ("external_links", |s| !s.external_links.is_empty()),
    ("gpus", |s| !s.gpus.is_empty()),
    ("ipc", |s| s.ipc.is_some()),
    ("links", |s| !s.links.is_empty()),
    ("mac_address", |s| s.mac_address.is_some()),
    ("mem_swappiness", |s| s.mem_swappiness.is_some()),
    ("memswap_limit", |s| s.memswap_limit.is_some()),
    ("models", |s| !s.models.is_empty()),
    ("network_mode", |s| s.network_mode.as_deref().is_some_and(|m| !shares_namespace(m))),
    ("networks.gw_priority", |s| s.networks.values().flatten().any(|n| n.gw_priority.is_some())),
    ("networks.interface_name", |s| s.networks.values().flatten().any(|n| n.interface_name.is_some())),
    ("networks.ipv4_address", |s| s.networks.values().flatten().any(|n| n.ipv4_address.is_some())),
    ("networks.ipv6_address", |s| s.networks.values().flatten().any(|n| n.ipv6_address.is_some())),
    ("networks.link_local_ips", |s| s.networks.values().flatten().any(|n| !n.link_local_ips.is_empty())),
    ("networks.mac_address", |s| s.networks.values().flatten().any(|n| n.mac_address.is_some())),
    ("networks.priority", |s| s.networks.values().flatten().any(|n| n.priority.is_some())),
    ("oom_kill_disable", |s| s.oom_kill_disable),
    ("pid", |s| s.pid.is_some()),
    ("platform", |s| s.platform.is_some()),
    ("ports.app_protocol", |s| s.ports.iter().any(|p| p.app_protocol.is_some())),
    ("ports.host_ip", |s| s.ports.iter().any(|p| p.host_ip.is_some())),
    ("post_start", |s| !s.post_start.is_empty()),
    ("pre_start", |s| !s.pre_start.is_empty()),
    ("pre_stop", |s| !s.pre_stop.is_empty()),
    ("privileged", |s| s.privileged),
    ("pull_policy", |s| s.pull_policy.is_some()),
    ("runtime", |s| s.runtime.is_some()),
    ("security_opt", |s| !s.security_opt.is_empty()),
    ("shm_size", |s| s.shm_size.is_some()),
    ("storage_opt", |s| !s.storage_opt.is_empty()),
    ("use_api_socket", |s| s.use_api_socket),
    ("userns_mode", |s| s.userns_mode.is_some()),
    ("uts", |s| s.uts.is_some()),
    ("volumes.bind.selinux", |s| s.volumes.iter().any(|v| v.bind.as_ref().is_some_and(|b| b.selinux.is_some()))),
    ("volumes.type=cluster", |s| s.volumes.iter().any(|v| v.kind == MountType::Cluster)),
];

/// Fields newer engines have: (key, API version, uses).
const TOO_NEW: &[(&str, (u32, u32), Uses)] = &[
    ("healthcheck.start_interval", (1, 44), |s| s.healthcheck.as_ref().is_some_and(|h| h.start_interval.is_some())),
    ("volumes.volume.subpath", (1, 45), |s| {
        s.volumes.iter().any(|v| v.volume.as_ref().is_some_and(|o| o.subpath.is_some()))
    }),
    ("oom_score_adj", (1, 46), |s| s.oom_score_adj.is_some()),
    ("volumes.type=image", (1, 47), |s| s.volumes.iter().any(|v| v.kind == MountType::Image)),
];

/// `service:x` and `container:x` share another container's namespace: no Swarm task can.
fn shares_namespace(mode: &str) -> bool {
    mode.starts_with("service:") || mode.starts_with("container:")
}

fn users(project: &Project, uses: Uses) -> Vec<&str> {
    project.services.iter().filter(|(_, s)| uses(s)).map(|(k, _)| k.as_str()).collect()
}

pub fn warnings(project: &Project, opts: Options) -> Vec<String> {
    let mut out = Vec::new();
    for (key, uses) in IGNORED {
        let services = users(project, *uses);
        if !services.is_empty() {
            out.push(format!("{key} has no meaning on a Swarm and is ignored (services: {})", services.join(", ")));
        }
    }
    let (major, minor) = opts.api;
    for (key, needed, uses) in TOO_NEW.iter().filter(|(_, needed, _)| opts.api < *needed) {
        let services = users(project, *uses);
        if !services.is_empty() {
            out.push(format!(
                "{key} needs API {}.{}, the engine speaks {major}.{minor}: ignored (services: {})",
                needed.0,
                needed.1,
                services.join(", ")
            ));
        }
    }
    out
}

/// What a Swarm cannot run as written.
pub fn errors(project: &Project) -> Vec<String> {
    const REFUSED: &[(&str, &str, Uses)] = &[
        ("network_mode", "a task cannot share another container's network namespace", |s| {
            s.network_mode.as_deref().is_some_and(shares_namespace)
        }),
        ("provider", "services run by an external provider cannot be deployed to a Swarm", |s| s.provider.is_some()),
        ("volumes_from", "a task cannot mount another container's volumes: use a named volume", |s| {
            !s.volumes_from.is_empty()
        }),
    ];
    REFUSED
        .iter()
        .filter_map(|(key, why, uses)| {
            let services = users(project, *uses);
            (!services.is_empty())
                .then(|| format!("{key} cannot be deployed to a Swarm: {why} (services: {})", services.join(", ")))
        })
        .collect()
}

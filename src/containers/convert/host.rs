//! The host configuration: resources, restart policy, namespaces, devices and the rest of
//! what the engine applies to the container from outside.

use std::collections::HashMap;

use crate::engine::api::{
    DeviceMapping, DeviceRequest, HealthConfig, HostConfig, HostConfigLogConfig, ResourcesBlkioWeightDevice,
    ResourcesUlimits, RestartPolicy, RestartPolicyNameEnum, ThrottleDevice,
};

use super::{non_empty, scalar_text, string_map, Ctx};
use crate::model::service::{BlkioConfig, ThrottleDevice as ModelThrottle};
use crate::model::{
    DeviceRequest as ModelDeviceRequest, GoDuration, Healthcheck, Resource, Restart, Service, Ulimit,
};

/// Everything in the host configuration except networks, ports and mounts.
pub(super) fn host_config(ctx: &Ctx) -> HostConfig {
    let s = ctx.service;
    let mut h = resources(s);
    h.restart_policy = restart_policy(s);
    h.init = s.init;
    h.privileged = s.privileged.then_some(true);
    h.readonly_rootfs = s.read_only.then_some(true);
    h.cap_add = non_empty(capabilities(&s.cap_add));
    h.cap_drop = non_empty(capabilities(&s.cap_drop));
    h.security_opt = non_empty(s.security_opt.clone());
    h.dns = non_empty(s.dns.clone());
    h.dns_options = non_empty(s.dns_opt.clone());
    h.dns_search = non_empty(s.dns_search.clone());
    // Sent even when empty, as the reference does: `docker inspect` shows `[]`, not `null`.
    h.extra_hosts = Some(extra_hosts(s));
    h.group_add = non_empty(s.group_add.clone());
    h.sysctls = string_map(&s.sysctls);
    h.storage_opt = string_map(&s.storage_opt);
    h.tmpfs = tmpfs(&s.tmpfs);
    h.shm_size = s.shm_size.map(|b| b.0);
    h.runtime = s.runtime.clone();
    h.isolation = s.isolation.as_deref().and_then(|i| i.parse().ok());
    h.ipc_mode = s.ipc.as_deref().map(|m| ctx.namespace(m));
    h.pid_mode = s.pid.as_deref().map(|m| ctx.namespace(m));
    h.uts_mode = s.uts.clone();
    h.userns_mode = s.userns_mode.clone();
    h.cgroupns_mode = s.cgroup.as_deref().and_then(|c| c.parse().ok());
    h.log_config = s.logging.as_ref().map(|l| HostConfigLogConfig {
        typ: l.driver.clone(),
        config: string_map(&l.options),
    });
    h.annotations = string_map(&s.annotations);
    h
}

/// The resource part; `mem_limit`, `cpus` and friends win over `deploy.resources`, which the
/// loader has already checked they do not contradict.
fn resources(s: &Service) -> HostConfig {
    let deploy = s.deploy.as_ref().map(|d| &d.resources);
    let limits = deploy.and_then(|r| r.limits.as_ref());
    let reservations = deploy.and_then(|r| r.reservations.as_ref());
    let limit = |f: fn(&Resource) -> Option<i64>| limits.and_then(f);
    let blkio = s.blkio_config.clone().unwrap_or_default();
    HostConfig {
        cpu_shares: s.cpu_shares,
        memory: s
            .mem_limit
            .map(|b| b.0)
            .or_else(|| limit(|r| r.memory.map(|b| b.0))),
        memory_reservation: s
            .mem_reservation
            .or_else(|| reservations.and_then(|r| r.memory))
            .map(|b| b.0),
        memory_swap: s.memswap_limit.map(|b| b.0),
        memory_swappiness: s.mem_swappiness,
        nano_cpus: s.cpus.or_else(|| limits.and_then(|r| r.cpus)).map(nano_cpus),
        pids_limit: s.pids_limit.or_else(|| limit(|r| r.pids)),
        cpu_period: s.cpu_period,
        cpu_quota: s.cpu_quota,
        cpu_realtime_period: s.cpu_rt_period,
        cpu_realtime_runtime: s.cpu_rt_runtime,
        cpuset_cpus: s.cpuset.clone(),
        cpu_count: s.cpu_count,
        // The reference sends the percentage times 100; the engine uses it on Windows only.
        cpu_percent: s.cpu_percent.map(|p| (p * 100.0).round() as i64),
        cgroup_parent: s.cgroup_parent.clone(),
        oom_kill_disable: s.oom_kill_disable.then_some(true),
        oom_score_adj: s.oom_score_adj,
        ulimits: non_empty(s.ulimits.iter().map(|(n, u)| ulimit(n, *u)).collect()),
        devices: non_empty(s.devices.iter().map(device).collect()),
        device_cgroup_rules: non_empty(s.device_cgroup_rules.clone()),
        device_requests: non_empty(device_requests(s, reservations)),
        blkio_weight: blkio.weight,
        blkio_weight_device: non_empty(blkio_weights(&blkio)),
        blkio_device_read_bps: non_empty(throttles(&blkio.device_read_bps)),
        blkio_device_read_iops: non_empty(throttles(&blkio.device_read_iops)),
        blkio_device_write_bps: non_empty(throttles(&blkio.device_write_bps)),
        blkio_device_write_iops: non_empty(throttles(&blkio.device_write_iops)),
        ..Default::default()
    }
}

fn nano_cpus(cpus: f64) -> i64 {
    (cpus * 1e9).round() as i64
}

fn nanos(d: GoDuration) -> i64 {
    i64::try_from(d.0.as_nanos()).unwrap_or(i64::MAX)
}

pub(super) fn healthcheck(h: &Healthcheck) -> HealthConfig {
    if h.disable {
        return HealthConfig {
            test: Some(vec!["NONE".to_string()]),
            ..Default::default()
        };
    }
    HealthConfig {
        test: h.test.clone(),
        interval: h.interval.map(nanos),
        timeout: h.timeout.map(nanos),
        retries: h.retries.map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
        start_period: h.start_period.map(nanos),
        start_interval: h.start_interval.map(nanos),
    }
}

/// `deploy.restart_policy` wins over `restart`, as with the reference. Without either, the
/// engine default (never restart) applies.
fn restart_policy(s: &Service) -> Option<RestartPolicy> {
    use RestartPolicyNameEnum as N;
    if let Some(p) = s.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()) {
        let name = match p.condition.as_deref() {
            Some("none") => N::NO,
            Some("on-failure") => N::ON_FAILURE,
            Some("unless-stopped") => N::UNLESS_STOPPED,
            _ => N::ALWAYS,
        };
        let retries = p.max_attempts.filter(|_| name == N::ON_FAILURE);
        return Some(RestartPolicy {
            name: Some(name),
            maximum_retry_count: retries.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        });
    }
    let (name, retries) = match s.restart? {
        Restart::No => (N::NO, None),
        Restart::Always => (N::ALWAYS, None),
        Restart::OnFailure(n) => (N::ON_FAILURE, n.map(i64::from)),
        Restart::UnlessStopped => (N::UNLESS_STOPPED, None),
    };
    Some(RestartPolicy {
        name: Some(name),
        maximum_retry_count: retries,
    })
}

/// The reference sends capabilities in the engine's own spelling (`CAP_NET_ADMIN`), sorted.
fn capabilities(caps: &[String]) -> Vec<String> {
    let mut out: Vec<String> = caps
        .iter()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c == "ALL" || c.starts_with("CAP_") {
                c
            } else {
                format!("CAP_{c}")
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `host:ip`, one entry per address: the form API 1.41 understands.
fn extra_hosts(s: &Service) -> Vec<String> {
    s.extra_hosts
        .0
        .iter()
        .flat_map(|(h, ips)| ips.iter().map(move |ip| format!("{h}:{ip}")))
        .collect()
}

/// `tmpfs:` entries are `path` or `path:options`.
fn tmpfs(entries: &[String]) -> Option<HashMap<String, String>> {
    let map: HashMap<String, String> = entries
        .iter()
        .map(|e| match e.split_once(':') {
            Some((path, opts)) => (path.to_string(), opts.to_string()),
            None => (e.clone(), String::new()),
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

fn ulimit(name: &str, u: Ulimit) -> ResourcesUlimits {
    let (soft, hard) = match u {
        Ulimit::Single(n) => (n, n),
        Ulimit::Pair { soft, hard } => (soft, hard),
    };
    ResourcesUlimits {
        name: Some(name.to_string()),
        soft: Some(soft),
        hard: Some(hard),
    }
}

fn device(d: &crate::model::Device) -> DeviceMapping {
    DeviceMapping {
        path_on_host: Some(d.source.clone()),
        path_in_container: Some(d.target.clone()),
        cgroup_permissions: Some(d.permissions.clone()),
    }
}

/// Reserved devices, then `gpus`; a `gpus` entry asks for the `gpu` capability unless it
/// names others.
fn device_requests(s: &Service, reservations: Option<&Resource>) -> Vec<DeviceRequest> {
    let reserved = reservations
        .into_iter()
        .flat_map(|r| r.devices.iter())
        .map(|d| device_request(d, &[]));
    let gpus = s.gpus.iter().map(|d| device_request(d, &["gpu"]));
    reserved.chain(gpus).collect()
}

fn device_request(d: &ModelDeviceRequest, default_caps: &[&str]) -> DeviceRequest {
    let caps: Vec<String> = if d.capabilities.is_empty() {
        default_caps.iter().map(|c| c.to_string()).collect()
    } else {
        d.capabilities.clone()
    };
    let options: HashMap<String, String> = d
        .options
        .iter()
        .map(|(k, v)| (k.clone(), scalar_text(v)))
        .collect();
    DeviceRequest {
        driver: d.driver.clone(),
        count: d.count,
        device_ids: non_empty(d.device_ids.clone()),
        capabilities: non_empty(caps).map(|c| vec![c]),
        options: (!options.is_empty()).then_some(options),
    }
}

fn blkio_weights(b: &BlkioConfig) -> Vec<ResourcesBlkioWeightDevice> {
    b.weight_device
        .iter()
        .map(|w| ResourcesBlkioWeightDevice {
            path: Some(w.path.clone()),
            weight: Some(usize::from(w.weight)),
        })
        .collect()
}

fn throttles(list: &[ModelThrottle]) -> Vec<ThrottleDevice> {
    list.iter()
        .map(|t| ThrottleDevice {
            path: Some(t.path.clone()),
            rate: Some(t.rate.0),
        })
        .collect()
}

//! One compose service → one Swarm `ServiceSpec`, as `docker stack deploy` converts it, plus
//! the keys it leaves out (top-level `cpus`, `mem_limit`, `scale`, `tmpfs`, long `depends_on`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{hash_map, DesiredService, Options};
use crate::engine::swarm::api;
use crate::model::{
    Deploy, GoDuration, Healthcheck, MountType, Port, Project, Restart, Service, ServiceFileRef, ServiceVolume, Ulimit,
};
use crate::swarm::names;

/// Engine names of the project's configs and secrets, by key.
pub struct Refs<'a> {
    pub configs: &'a BTreeMap<String, String>,
    pub secrets: &'a BTreeMap<String, String>,
}

pub struct Converted {
    pub desired: DesiredService,
    /// The network keys the service joins.
    pub networks: BTreeSet<String>,
}

/// The modes a Swarm service may have.
const MODES: &[&str] = &["replicated", "global", "replicated-job", "global-job"];

pub fn service(
    project: &Project,
    key: &str,
    s: &Service,
    refs: &Refs,
    opts: Options,
) -> Result<Converted, Vec<String>> {
    let mut errors = Vec::new();
    let stack = project.name.as_str();
    let deploy = s.deploy.clone().unwrap_or_default();
    let image = s.image.clone().unwrap_or_default();
    if image.is_empty() {
        errors.push(format!(
            "service {key} has no image: Swarm nodes run images from a registry (build it, push it, and name it in `image:`)"
        ));
    }
    let mode = mode(key, s, &deploy).map_err(|e| errors.push(e)).ok();
    let networks = service_networks(s);
    let container = api::TaskSpecContainerSpec {
        image: Some(image.clone()),
        labels: hash_map(names::with_namespace(stack, &s.labels)),
        command: s.entrypoint.clone(),
        args: s.command.clone(),
        hostname: s.hostname.clone(),
        env: non_empty(s.env_list()),
        dir: s.working_dir.clone(),
        user: s.user.clone(),
        groups: non_empty(s.group_add.clone()),
        tty: s.tty.then_some(true),
        open_stdin: s.stdin_open.then_some(true),
        read_only: s.read_only.then_some(true),
        mounts: non_empty(mounts(project, s, opts)),
        stop_signal: s.stop_signal.clone(),
        stop_grace_period: s.stop_grace_period.map(nanos),
        health_check: s.healthcheck.as_ref().map(|h| healthcheck(h, opts)),
        hosts: non_empty(hosts(s)),
        dns_config: dns(s),
        secrets: non_empty(secrets(&s.secrets, refs.secrets)),
        configs: non_empty(configs(&s.configs, refs.configs)),
        isolation: s.isolation.as_deref().and_then(|i| i.parse().ok()),
        init: s.init,
        sysctls: (!s.sysctls.is_empty()).then(|| s.sysctls.clone().into_iter().collect()),
        capability_add: non_empty(s.cap_add.clone()),
        capability_drop: non_empty(s.cap_drop.clone()),
        ulimits: non_empty(ulimits(s)),
        oom_score_adj: s.oom_score_adj.filter(|_| opts.api >= (1, 46)),
        ..Default::default()
    };
    let job = mode.as_ref().is_some_and(|m| m.replicated_job.is_some() || m.global_job.is_some());
    let task = api::TaskSpec {
        container_spec: Some(container),
        resources: resources(s, &deploy),
        restart_policy: kept(&mut errors, key, restart_policy(s, &deploy, job)),
        placement: placement(&deploy),
        networks: Some(attachments(project, key, &networks)),
        log_driver: s.logging.as_ref().map(|l| api::TaskSpecLogDriver {
            name: l.driver.clone(),
            options: (!l.options.is_empty()).then(|| l.options.clone().into_iter().collect()),
        }),
        ..Default::default()
    };
    let mut labels = names::with_namespace(stack, &deploy.labels);
    labels.insert(names::IMAGE.to_string(), image);
    let update_config = kept(&mut errors, key, deploy.update_config.as_ref().map(update).transpose());
    let rollback_config = kept(&mut errors, key, deploy.rollback_config.as_ref().map(update).transpose());
    let endpoint_spec = endpoint(key, s, &deploy).map_err(|e| errors.push(e)).ok().flatten();
    if !errors.is_empty() {
        return Err(errors);
    }
    let spec = api::ServiceSpec {
        name: Some(names::service(stack, key)),
        labels: hash_map(labels),
        task_template: Some(task),
        mode,
        update_config: update_config.map(|u| api::ServiceSpecUpdateConfig {
            parallelism: u.parallelism,
            delay: u.delay,
            failure_action: u.failure_action.as_deref().and_then(|a| a.parse().ok()),
            monitor: u.monitor,
            max_failure_ratio: u.max_failure_ratio,
            order: u.order.as_deref().and_then(|o| o.parse().ok()),
        }),
        rollback_config: rollback_config.map(|u| api::ServiceSpecRollbackConfig {
            parallelism: u.parallelism,
            delay: u.delay,
            failure_action: u.failure_action.as_deref().and_then(|a| a.parse().ok()),
            monitor: u.monitor,
            max_failure_ratio: u.max_failure_ratio,
            order: u.order.as_deref().and_then(|o| o.parse().ok()),
        }),
        endpoint_spec,
        ..Default::default()
    };
    let depends_on = s.depends_on.iter().map(|(k, d)| (k.clone(), d.condition)).collect();
    let desired = DesiredService { key: key.to_string(), name: names::service(stack, key), spec, depends_on, job };
    Ok(Converted { desired, networks })
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// The converted value, or None with the error noted against the service.
fn kept<T>(errors: &mut Vec<String>, key: &str, converted: Result<Option<T>, String>) -> Option<T> {
    converted.map_err(|e| errors.push(format!("service {key}: {e}"))).ok().flatten()
}

fn nanos(d: GoDuration) -> i64 {
    i64::try_from(d.0.as_nanos()).unwrap_or(i64::MAX)
}

fn mode(key: &str, s: &Service, d: &Deploy) -> Result<api::ServiceSpecMode, String> {
    let replicas = d.replicas.or(s.scale);
    let mode = d.mode.as_deref().unwrap_or("replicated");
    if !MODES.contains(&mode) {
        return Err(format!("service {key}: unknown deploy.mode {mode:?} (one of {})", MODES.join(", ")));
    }
    if replicas.is_some() && mode.starts_with("global") {
        return Err(format!("service {key}: replicas can only be used with replicated or replicated-job mode"));
    }
    Ok(match mode {
        "global" => api::ServiceSpecMode { global: Some(HashMap::new()), ..Default::default() },
        "global-job" => api::ServiceSpecMode { global_job: Some(HashMap::new()), ..Default::default() },
        "replicated-job" => api::ServiceSpecMode {
            replicated_job: Some(api::ServiceSpecModeReplicatedJob {
                max_concurrent: replicas,
                total_completions: replicas,
            }),
            ..Default::default()
        },
        _ => {
            api::ServiceSpecMode { replicated: Some(api::ServiceSpecModeReplicated { replicas }), ..Default::default() }
        }
    })
}

/// The keys of the networks joined: `default` when the service names none.
fn service_networks(s: &Service) -> BTreeSet<String> {
    if s.networks.is_empty() && s.network_mode.is_none() {
        return BTreeSet::from([names::DEFAULT_NETWORK.to_string()]);
    }
    s.networks.keys().cloned().collect()
}

/// Attachments sorted by target; the service's own name is an alias on every user-defined
/// network, as with `docker stack deploy`.
fn attachments(project: &Project, key: &str, networks: &BTreeSet<String>) -> Vec<api::NetworkAttachmentConfig> {
    let mut out: Vec<api::NetworkAttachmentConfig> = networks
        .iter()
        .map(|n| {
            let joined = project.services.get(key).and_then(|s| s.networks.get(n).cloned().flatten());
            let target = names::network(project, n);
            let mut aliases = joined.as_ref().map(|j| j.aliases.clone()).unwrap_or_default();
            if !["host", "bridge", "none"].contains(&target.as_str()) {
                aliases.push(key.to_string());
            }
            api::NetworkAttachmentConfig {
                target: Some(target),
                aliases: non_empty(aliases),
                driver_opts: joined.filter(|j| !j.driver_opts.is_empty()).map(|j| j.driver_opts.into_iter().collect()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.target.cmp(&b.target));
    out
}

fn mounts(project: &Project, s: &Service, opts: Options) -> Vec<api::Mount> {
    let mut out: Vec<api::Mount> = s.volumes.iter().filter_map(|v| mount(project, v, opts)).collect();
    out.extend(s.tmpfs.iter().map(|t| {
        let target = t.split(':').next().unwrap_or(t);
        api::Mount { target: Some(target.to_string()), typ: Some(api::MountTypeEnum::TMPFS), ..Default::default() }
    }));
    out
}

fn mount(project: &Project, v: &ServiceVolume, opts: Options) -> Option<api::Mount> {
    let mut m = api::Mount {
        target: Some(v.target.clone()),
        read_only: v.read_only.then_some(true),
        consistency: v.consistency.clone(),
        ..Default::default()
    };
    match v.kind {
        MountType::Volume => {
            m.typ = Some(api::MountTypeEnum::VOLUME);
            let declared = v.source.as_ref().and_then(|k| project.volumes.get(k));
            m.source = v.source.as_ref().map(|k| names::volume(project, k));
            let external = declared.is_some_and(|d| d.external);
            let nocopy = v.volume.as_ref().is_some_and(|o| o.nocopy);
            let subpath = v.volume.as_ref().and_then(|o| o.subpath.clone()).filter(|_| opts.api >= (1, 45));
            let mut options =
                api::MountVolumeOptions { no_copy: nocopy.then_some(true), subpath, ..Default::default() };
            if let (Some(d), false) = (declared, external) {
                options.labels = hash_map(names::with_namespace(&project.name, &d.labels));
                if d.driver.is_some() || !d.driver_opts.is_empty() {
                    options.driver_config = Some(api::MountVolumeOptionsDriverConfig {
                        name: d.driver.clone(),
                        options: (!d.driver_opts.is_empty()).then(|| d.driver_opts.clone().into_iter().collect()),
                    });
                }
            }
            if options != api::MountVolumeOptions::default() {
                m.volume_options = Some(options);
            }
        }
        MountType::Bind => {
            m.typ = Some(api::MountTypeEnum::BIND);
            m.source = v.source.clone();
            m.bind_options = v
                .bind
                .as_ref()
                .and_then(|b| b.propagation.as_deref())
                .and_then(|p| p.parse().ok())
                .map(|p| api::MountBindOptions { propagation: Some(p), ..Default::default() });
        }
        MountType::Tmpfs => {
            m.typ = Some(api::MountTypeEnum::TMPFS);
            m.tmpfs_options = v.tmpfs.as_ref().map(|t| api::MountTmpfsOptions {
                size_bytes: t.size.map(|s| s.0),
                mode: t.mode.map(i64::from),
                ..Default::default()
            });
        }
        MountType::Npipe => {
            m.typ = Some(api::MountTypeEnum::NPIPE);
            m.source = v.source.clone();
        }
        MountType::Cluster | MountType::Image => return None,
    }
    Some(m)
}

fn healthcheck(h: &Healthcheck, opts: Options) -> api::HealthConfig {
    let test = if h.disable { Some(vec!["NONE".to_string()]) } else { h.test.clone().filter(|t| !t.is_empty()) };
    api::HealthConfig {
        test,
        interval: h.interval.map(nanos),
        timeout: h.timeout.map(nanos),
        retries: h.retries.map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
        start_period: h.start_period.map(nanos),
        start_interval: h.start_interval.map(nanos).filter(|_| opts.api >= (1, 44)),
    }
}

/// `host:ip` entries become the `ip host` lines of the container's hosts file.
fn hosts(s: &Service) -> Vec<String> {
    s.extra_hosts.0.iter().flat_map(|(h, ips)| ips.iter().map(move |ip| format!("{ip} {h}"))).collect()
}

fn dns(s: &Service) -> Option<api::TaskSpecContainerSpecDnsConfig> {
    if s.dns.is_empty() && s.dns_search.is_empty() && s.dns_opt.is_empty() {
        return None;
    }
    Some(api::TaskSpecContainerSpecDnsConfig {
        nameservers: non_empty(s.dns.clone()),
        search: non_empty(s.dns_search.clone()),
        options: non_empty(s.dns_opt.clone()),
    })
}

/// Owner and mode as `docker stack deploy` defaults them: root, 0444.
fn file(r: &ServiceFileRef, name: String) -> (String, String, String, u32) {
    (
        name,
        r.uid.clone().unwrap_or_else(|| "0".into()),
        r.gid.clone().unwrap_or_else(|| "0".into()),
        r.mode.map_or(0o444, |m| m.0),
    )
}

fn secrets(refs: &[ServiceFileRef], names: &BTreeMap<String, String>) -> Vec<api::TaskSpecContainerSpecSecrets> {
    refs.iter()
        .map(|r| {
            // Relative to /run/secrets, as `docker stack deploy` names them.
            let target = r.target.as_deref().map(|t| t.strip_prefix("/run/secrets/").unwrap_or(t).to_string());
            let (name, uid, gid, mode) = file(r, target.unwrap_or_else(|| r.source.clone()));
            api::TaskSpecContainerSpecSecrets {
                file: Some(api::TaskSpecContainerSpecFile {
                    name: Some(name),
                    uid: Some(uid),
                    gid: Some(gid),
                    mode: Some(mode),
                }),
                secret_id: None,
                secret_name: names.get(&r.source).cloned(),
            }
        })
        .collect()
}

fn configs(refs: &[ServiceFileRef], names: &BTreeMap<String, String>) -> Vec<api::TaskSpecContainerSpecConfigs> {
    refs.iter()
        .map(|r| {
            let (name, uid, gid, mode) = file(r, r.target.clone().unwrap_or_else(|| r.source.clone()));
            api::TaskSpecContainerSpecConfigs {
                file: Some(api::TaskSpecContainerSpecFile1 {
                    name: Some(name),
                    uid: Some(uid),
                    gid: Some(gid),
                    mode: Some(mode),
                }),
                config_name: names.get(&r.source).cloned(),
                ..Default::default()
            }
        })
        .collect()
}

fn ulimits(s: &Service) -> Vec<api::ResourcesUlimits> {
    s.ulimits
        .iter()
        .map(|(name, u)| {
            let (soft, hard) = match *u {
                Ulimit::Single(n) => (n, n),
                Ulimit::Pair { soft, hard } => (soft, hard),
            };
            api::ResourcesUlimits { name: Some(name.clone()), soft: Some(soft), hard: Some(hard) }
        })
        .collect()
}

fn nano_cpus(c: f64) -> i64 {
    (c * 1e9).round() as i64
}

/// `deploy.resources`, with the top-level `cpus`, `mem_limit`, `mem_reservation` and
/// `pids_limit` where it leaves them unset.
fn resources(s: &Service, d: &Deploy) -> Option<api::TaskSpecResources> {
    let limits = d.resources.limits.clone().unwrap_or_default();
    let reservations = d.resources.reservations.clone().unwrap_or_default();
    let limit = api::Limit {
        nano_cpus: limits.cpus.or(s.cpus).filter(|c| *c > 0.0).map(nano_cpus),
        memory_bytes: limits.memory.or(s.mem_limit).map(|m| m.0).filter(|m| *m > 0),
        pids: limits.pids.or(s.pids_limit).filter(|p| *p > 0),
    };
    let generic: Vec<api::GenericResourcesInner> = reservations
        .generic_resources
        .iter()
        .filter_map(|g| g.discrete_resource_spec.as_ref())
        .map(|d| api::GenericResourcesInner {
            discrete_resource_spec: Some(api::GenericResourcesInnerDiscreteResourceSpec {
                kind: d.kind.clone(),
                value: d.value,
            }),
            ..Default::default()
        })
        .collect();
    let reservation = api::ResourceObject {
        nano_cpus: reservations.cpus.filter(|c| *c > 0.0).map(nano_cpus),
        memory_bytes: reservations.memory.or(s.mem_reservation).map(|m| m.0).filter(|m| *m > 0),
        generic_resources: non_empty(generic),
    };
    let limits = (limit != api::Limit::default()).then_some(limit);
    let reservations = (reservation != api::ResourceObject::default()).then_some(reservation);
    (limits.is_some() || reservations.is_some()).then_some(api::TaskSpecResources { limits, reservations })
}

/// `deploy.restart_policy`, else the service's `restart`; jobs restart only on failure
/// unless told otherwise, as `docker service create` makes them.
fn restart_policy(s: &Service, d: &Deploy, job: bool) -> Result<Option<api::TaskSpecRestartPolicy>, String> {
    if let Some(p) = &d.restart_policy {
        let condition = match p.condition.as_deref() {
            Some(c) => Some(
                c.parse().map_err(|_| format!("invalid restart_policy condition {c:?} (none, on-failure or any)"))?,
            ),
            None if job => Some(api::TaskSpecRestartPolicyConditionEnum::ON_FAILURE),
            None => None,
        };
        return Ok(Some(api::TaskSpecRestartPolicy {
            condition,
            delay: p.delay.map(nanos),
            max_attempts: p.max_attempts.map(|m| i64::try_from(m).unwrap_or(i64::MAX)),
            window: p.window.map(nanos),
        }));
    }
    use api::TaskSpecRestartPolicyConditionEnum as C;
    let (condition, max_attempts) = match s.restart {
        None if job => (C::ON_FAILURE, None),
        None | Some(Restart::No) => return Ok(None),
        Some(Restart::Always | Restart::UnlessStopped) => (C::ANY, None),
        Some(Restart::OnFailure(n)) => (C::ON_FAILURE, Some(i64::from(n.unwrap_or(0)))),
    };
    Ok(Some(api::TaskSpecRestartPolicy { condition: Some(condition), max_attempts, ..Default::default() }))
}

fn placement(d: &Deploy) -> Option<api::TaskSpecPlacement> {
    let p = &d.placement;
    let placement = api::TaskSpecPlacement {
        constraints: non_empty(p.constraints.clone()),
        preferences: non_empty(
            p.preferences
                .iter()
                .filter_map(|pref| pref.spread.clone())
                .map(|s| api::TaskSpecPlacementPreferences {
                    spread: Some(api::TaskSpecPlacementSpread { spread_descriptor: Some(s) }),
                })
                .collect(),
        ),
        max_replicas: p.max_replicas_per_node.map(|m| i64::try_from(m).unwrap_or(i64::MAX)),
        ..Default::default()
    };
    (placement != api::TaskSpecPlacement::default()).then_some(placement)
}

/// An update or rollback policy, in the engine's units.
struct Policy {
    parallelism: Option<i64>,
    delay: Option<i64>,
    failure_action: Option<String>,
    monitor: Option<i64>,
    max_failure_ratio: Option<f64>,
    order: Option<String>,
}

fn update(u: &crate::model::deploy::UpdateConfig) -> Result<Policy, String> {
    if let Some(a) = u.failure_action.as_deref().filter(|a| !["pause", "continue", "rollback"].contains(a)) {
        return Err(format!("invalid failure_action {a:?} (pause, continue or rollback)"));
    }
    if let Some(o) = u.order.as_deref().filter(|o| !["stop-first", "start-first"].contains(o)) {
        return Err(format!("invalid order {o:?} (stop-first or start-first)"));
    }
    Ok(Policy {
        parallelism: Some(u.parallelism.map_or(1, |p| i64::try_from(p).unwrap_or(i64::MAX))),
        delay: u.delay.map(nanos),
        failure_action: u.failure_action.clone(),
        monitor: u.monitor.map(nanos),
        max_failure_ratio: u.max_failure_ratio,
        order: u.order.clone(),
    })
}

fn endpoint(key: &str, s: &Service, d: &Deploy) -> Result<Option<api::EndpointSpec>, String> {
    let mode = match d.endpoint_mode.as_deref() {
        None => None,
        Some(m) => Some(
            m.parse::<api::EndpointSpecModeEnum>()
                .ok()
                .filter(|_| ["vip", "dnsrr"].contains(&m))
                .ok_or_else(|| format!("service {key}: invalid endpoint_mode {m:?} (vip or dnsrr)"))?,
        ),
    };
    let mut ports: Vec<api::EndpointPortConfig> = Vec::new();
    for p in &s.ports {
        ports.extend(port_configs(key, p)?);
    }
    ports.sort_by_key(|p| (p.published_port, p.target_port));
    if mode.is_none() && ports.is_empty() {
        return Ok(None);
    }
    Ok(Some(api::EndpointSpec { mode, ports: non_empty(ports) }))
}

/// A published range becomes one port each, its targets counted up from `target`.
fn port_configs(key: &str, p: &Port) -> Result<Vec<api::EndpointPortConfig>, String> {
    let protocol = p
        .protocol
        .parse::<api::EndpointPortConfigProtocolEnum>()
        .map_err(|_| format!("service {key}: invalid protocol {:?}", p.protocol))?;
    let publish_mode = p
        .mode
        .parse::<api::EndpointPortConfigPublishModeEnum>()
        .ok()
        .filter(|_| ["ingress", "host"].contains(&p.mode.as_str()));
    let publish_mode =
        publish_mode.ok_or_else(|| format!("service {key}: invalid port mode {:?} (ingress or host)", p.mode))?;
    let one = |target: u16, published: Option<u16>| api::EndpointPortConfig {
        name: p.name.clone(),
        protocol: Some(protocol),
        target_port: Some(i64::from(target)),
        published_port: published.map(i64::from),
        publish_mode: Some(publish_mode),
    };
    Ok(match p.published_range() {
        Some((a, b)) if b > a => {
            (a..=b).enumerate().map(|(i, port)| one(p.target.saturating_add(i as u16), Some(port))).collect()
        }
        Some((a, _)) => vec![one(p.target, Some(a))],
        None => vec![one(p.target, None)],
    })
}

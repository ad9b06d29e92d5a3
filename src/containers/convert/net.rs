//! Networks, endpoints, links and ports.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::engine::api::{EndpointIpamConfig, EndpointSettings, PortBinding, PortMap};

use super::{network_name, non_empty, replicas, string_map, Ctx};
use crate::containers::names;
use crate::model::{Service, ServiceNetwork};

/// How the container joins networks: the network mode, the endpoint given at create, and
/// the endpoints to connect before start.
pub(super) struct Networking {
    pub mode: Option<String>,
    pub primary: Option<(String, EndpointSettings)>,
    pub extra: Vec<(String, EndpointSettings)>,
}

/// With `network_mode` there are no endpoints. Otherwise the networks by priority (highest
/// first), then by name: the first gives the network mode, as with the reference.
pub(super) fn networking(ctx: &Ctx, links: &[String]) -> Networking {
    let s = ctx.service;
    if let Some(mode) = &s.network_mode {
        return Networking {
            mode: Some(ctx.namespace(mode)),
            primary: None,
            extra: Vec::new(),
        };
    }
    let mut nets: Vec<(&String, Option<&ServiceNetwork>)> =
        s.networks.iter().map(|(k, n)| (k, n.as_ref())).collect();
    nets.sort_by_key(|(_, n)| Reverse(n.and_then(|n| n.priority).unwrap_or(0)));
    let mut endpoints = nets
        .into_iter()
        .enumerate()
        .map(|(i, (key, n))| (network_name(ctx.project, key), endpoint(ctx, n, i == 0, links)));
    let primary = endpoints.next();
    Networking {
        mode: primary.as_ref().map(|(name, _)| name.clone()),
        primary,
        extra: endpoints.collect(),
    }
}

/// Aliases are the container name, the service name (not for a one-off unless `run
/// --use-aliases`), then the configured ones. The
/// service-level `mac_address` belongs to the first network. A network given with settings
/// (`front: {}` rather than `- front`) gets an IPAM section even when it is empty, as the
/// reference sends it; `docker inspect` shows `{}` rather than `null`.
fn endpoint(
    ctx: &Ctx,
    configured: Option<&ServiceNetwork>,
    primary: bool,
    links: &[String],
) -> EndpointSettings {
    let default = ServiceNetwork::default();
    let n = configured.unwrap_or(&default);
    let mut aliases = vec![ctx.spec.name.clone()];
    if ctx.spec.service_aliases {
        aliases.push(ctx.spec.service.clone());
    }
    aliases.extend(n.aliases.iter().cloned());
    let ipam_config = configured.map(|_| EndpointIpamConfig {
        ipv4_address: n.ipv4_address.clone(),
        ipv6_address: n.ipv6_address.clone(),
        link_local_ips: non_empty(n.link_local_ips.clone()),
    });
    let mac = n
        .mac_address
        .clone()
        .or_else(|| primary.then(|| ctx.service.mac_address.clone()).flatten());
    EndpointSettings {
        ipam_config,
        links: non_empty(links.to_vec()),
        mac_address: mac,
        aliases: Some(aliases),
        driver_opts: string_map(&n.driver_opts),
        gw_priority: n.gw_priority,
        // The reference repeats the static address here; the engine reads only IPAMConfig.
        ip_address: n.ipv4_address.clone(),
        ..Default::default()
    }
}

/// Legacy links. A link to a service names every replica of it, each under the link's alias
/// and, as the reference does, under `<service>-<n>` and `<project>-<service>-<n>` where `n`
/// is the number of the linking container.
pub(super) fn links(ctx: &Ctx) -> Vec<String> {
    let n = ctx.spec.number;
    let project = &ctx.project.name;
    let mut out = Vec::new();
    for link in &ctx.service.links {
        let (service, alias) = link.split_once(':').unwrap_or((link, link));
        let Some(target) = ctx.project.services.get(service) else {
            out.push(format!("{service}:{alias}"));
            continue;
        };
        for replica in 1..=replicas(target) {
            let name = ctx.container_name(service, replica);
            out.push(format!("{name}:{alias}"));
            out.extend(names::link_aliases(project, service, n).map(|a| format!("{name}:{a}")));
        }
    }
    for link in &ctx.service.external_links {
        let (name, alias) = link.split_once(':').unwrap_or((link, link));
        out.push(format!("{name}:{alias}"));
    }
    out
}

/// Ports the container exposes: every published target and every `expose` entry, ranges
/// expanded.
pub(super) fn exposed_ports(s: &Service) -> Option<HashMap<String, HashMap<(), ()>>> {
    let published = s.ports.iter().map(|p| format!("{}/{}", p.target, p.protocol));
    let exposed = s.expose.iter().flat_map(|e| expand(e));
    let all: HashMap<String, HashMap<(), ()>> =
        published.chain(exposed).map(|k| (k, HashMap::new())).collect();
    (!all.is_empty()).then_some(all)
}

/// `7100-7101/udp` → `7100/udp`, `7101/udp`.
fn expand(entry: &str) -> Vec<String> {
    let (ports, proto) = entry.split_once('/').unwrap_or((entry, "tcp"));
    let range = match ports.split_once('-') {
        Some((a, b)) => a.parse::<u16>().ok().zip(b.parse::<u16>().ok()),
        None => ports.parse::<u16>().ok().map(|p| (p, p)),
    };
    match range {
        Some((a, b)) => (a..=b).map(|p| format!("{p}/{proto}")).collect(),
        None => vec![format!("{ports}/{proto}")],
    }
}

/// An unpublished port gets an empty host port: the engine picks one. The map is sent even
/// when empty, as the reference does: `docker inspect` shows `{}`, not `null`.
pub(super) fn port_bindings(s: &Service) -> PortMap {
    let mut map: PortMap = HashMap::new();
    for p in &s.ports {
        let binding = PortBinding {
            host_ip: Some(p.host_ip.clone().unwrap_or_default()),
            host_port: Some(p.published.clone().unwrap_or_default()),
        };
        let key = format!("{}/{}", p.target, p.protocol);
        map.entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
    }
    map
}

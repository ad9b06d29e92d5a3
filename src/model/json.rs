//! The reference's JSON output has no `x-*` keys below the top level; its YAML output keeps
//! them. This removes them from a copy of the project, type by type.
use super::*;

pub(super) fn strip_nested_extensions(p: &mut Project) {
    // The reference's JSON has no top-level `models` at all (its YAML has them).
    p.models.clear();
    p.services.values_mut().for_each(strip_service_extensions);
    p.networks.values_mut().for_each(network);
    p.volumes.values_mut().for_each(|v| v.extensions.clear());
    p.secrets
        .values_mut()
        .chain(p.configs.values_mut())
        .for_each(|f| f.extensions.clear());
}

pub(super) fn strip_service_extensions(s: &mut Service) {
    s.extensions.clear();
    s.configs
        .iter_mut()
        .chain(s.secrets.iter_mut())
        .for_each(|r| r.extensions.clear());
    s.ports.iter_mut().for_each(|p| p.extensions.clear());
    s.volumes.iter_mut().for_each(mount);
    s.networks
        .values_mut()
        .flatten()
        .for_each(|n| n.extensions.clear());
    s.depends_on.values_mut().for_each(|d| d.extensions.clear());
    s.gpus.iter_mut().for_each(|g| g.extensions.clear());
    s.post_start
        .iter_mut()
        .chain(s.pre_stop.iter_mut())
        .for_each(|h| h.extensions.clear());
    s.pre_start
        .iter_mut()
        .for_each(|h| strip_service_extensions(&mut h.service));
    if let Some(h) = &mut s.healthcheck {
        h.extensions.clear();
    }
    if let Some(l) = &mut s.logging {
        l.extensions.clear();
    }
    if let Some(b) = &mut s.blkio_config {
        b.extensions.clear();
    }
    if let Some(b) = &mut s.build {
        b.extensions.clear();
        b.secrets.iter_mut().for_each(|r| r.extensions.clear());
    }
    if let Some(d) = &mut s.deploy {
        deploy(d);
    }
    if let Some(d) = &mut s.develop {
        develop(d);
    }
    s.models.values_mut().flatten().for_each(|m| m.extensions.clear());
    if let Some(p) = &mut s.provider {
        p.extensions.clear();
    }
}

/// The reference's JSON prints every watch rule with an `exec`, `{command: null}` when none
/// was given (its YAML leaves it out).
fn develop(d: &mut Develop) {
    d.extensions.clear();
    for rule in &mut d.watch {
        rule.extensions.clear();
        rule.exec.get_or_insert_with(Hook::default).extensions.clear();
    }
}

fn mount(v: &mut ServiceVolume) {
    v.extensions.clear();
    if let Some(b) = &mut v.bind {
        b.extensions.clear();
    }
    if let Some(o) = &mut v.volume {
        o.extensions.clear();
    }
    if let Some(t) = &mut v.tmpfs {
        t.extensions.clear();
    }
    if let Some(i) = &mut v.image {
        i.extensions.clear();
    }
}

fn network(n: &mut Network) {
    n.extensions.clear();
    n.ipam.extensions.clear();
    n.ipam.config.iter_mut().for_each(|c| c.extensions.clear());
}

fn deploy(d: &mut Deploy) {
    d.extensions.clear();
    d.placement.extensions.clear();
    d.placement
        .preferences
        .iter_mut()
        .for_each(|p| p.extensions.clear());
    d.resources.extensions.clear();
    for r in d
        .resources
        .limits
        .iter_mut()
        .chain(d.resources.reservations.iter_mut())
    {
        r.extensions.clear();
        r.devices.iter_mut().for_each(|x| x.extensions.clear());
        r.generic_resources.iter_mut().for_each(|g| {
            g.extensions.clear();
            if let Some(s) = &mut g.discrete_resource_spec {
                s.extensions.clear();
            }
        });
    }
    for u in d.update_config.iter_mut().chain(d.rollback_config.iter_mut()) {
        u.extensions.clear();
    }
    if let Some(r) = &mut d.restart_policy {
        r.extensions.clear();
    }
}

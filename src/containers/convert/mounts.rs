//! Volumes, binds, tmpfs, file secrets and configs, and `volumes_from`.
//!
//! The reference sends the plain cases in the legacy `Binds` form (`source:target:rw`) and
//! everything with options the `Binds` form cannot carry as `Mounts`; dockhand does the same
//! so that inspecting the container shows the same thing.

use std::collections::BTreeMap;

use crate::engine::api::{
    Mount, MountBindOptions, MountImageOptions, MountTmpfsOptions, MountTypeEnum, MountVolumeOptions,
};

use super::{volume_name, Ctx};
use crate::model::{BindOptions, FileObject, MountType, ServiceFileRef, ServiceVolume, VolumeOptions};

/// `use_api_socket`: the engine's socket at the path clients look for it, as the reference
/// binds it.
const API_SOCKET_BIND: &str = "/var/run/docker.sock:/var/run/docker.sock:rw";

/// `Binds` and `Mounts`: service volumes in order (then the engine's socket when asked for),
/// then file secrets, then file configs.
pub(super) fn mounts(ctx: &Ctx) -> (Vec<String>, Vec<Mount>) {
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for v in &ctx.service.volumes {
        match volume(ctx, v) {
            Entry::Bind(b) => binds.push(b),
            Entry::Mount(m) => mounts.push(*m),
        }
    }
    let s = ctx.service;
    if s.use_api_socket {
        binds.push(API_SOCKET_BIND.to_string());
    }
    // The reference gives secret binds empty bind options and config binds none; `docker
    // inspect` shows the difference, so dockhand keeps it.
    let empty = Some(MountBindOptions::default());
    mounts.extend(file_mounts(
        &s.secrets,
        &ctx.project.secrets,
        ServiceFileRef::secret_target,
        empty,
    ));
    mounts.extend(file_mounts(&s.configs, &ctx.project.configs, ServiceFileRef::config_target, None));
    (binds, mounts)
}

enum Entry {
    Bind(String),
    Mount(Box<Mount>),
}

fn volume(ctx: &Ctx, v: &ServiceVolume) -> Entry {
    match v.kind {
        MountType::Bind => bind(v),
        MountType::Volume => match &v.source {
            Some(key) => named_volume(&volume_name(ctx.project, key), v),
            None => anonymous_volume(ctx, v),
        },
        MountType::Tmpfs => Entry::Mount(Box::new(Mount {
            tmpfs_options: v.tmpfs.as_ref().map(|t| MountTmpfsOptions {
                size_bytes: t.size.map(|s| s.0),
                mode: t.mode.map(i64::from),
                options: None,
            }),
            ..mount(MountTypeEnum::TMPFS, None, v)
        })),
        MountType::Npipe => Entry::Mount(Box::new(mount(MountTypeEnum::NPIPE, v.source.clone(), v))),
        MountType::Cluster => Entry::Mount(Box::new(mount(MountTypeEnum::CLUSTER, v.source.clone(), v))),
        MountType::Image => Entry::Mount(Box::new(Mount {
            image_options: v.image.as_ref().map(|i| MountImageOptions {
                subpath: i.subpath.clone(),
            }),
            ..mount(MountTypeEnum::IMAGE, v.source.clone(), v)
        })),
    }
}

fn mount(kind: MountTypeEnum, source: Option<String>, v: &ServiceVolume) -> Mount {
    Mount {
        target: Some(v.target.clone()),
        source,
        typ: Some(kind),
        read_only: v.read_only.then_some(true),
        ..Default::default()
    }
}

fn mode(v: &ServiceVolume) -> &'static str {
    if v.read_only {
        "ro"
    } else {
        "rw"
    }
}

/// A bind that may create its host path and sets no propagation is a `Binds` entry (where
/// the engine creates a missing source); otherwise a mount, which never creates it unless
/// asked.
fn bind(v: &ServiceVolume) -> Entry {
    let opts = v.bind.clone().unwrap_or_default();
    let source = v.source.clone().unwrap_or_default();
    if opts.create_host_path && opts.propagation.is_none() && opts.recursive.is_none() {
        let selinux = opts.selinux.map(|z| format!(",{z}")).unwrap_or_default();
        return Entry::Bind(format!("{source}:{}:{}{selinux}", v.target, mode(v)));
    }
    Entry::Mount(Box::new(Mount {
        bind_options: Some(bind_options(&opts)),
        ..mount(MountTypeEnum::BIND, Some(source), v)
    }))
}

/// Sent even when empty, as the reference does: `docker inspect` shows `{}`, not nothing.
fn bind_options(o: &BindOptions) -> MountBindOptions {
    let recursive = o.recursive.as_deref();
    MountBindOptions {
        propagation: o.propagation.as_deref().and_then(|p| p.parse().ok()),
        non_recursive: (recursive == Some("disabled")).then_some(true),
        create_mountpoint: o.create_host_path.then_some(true),
        read_only_non_recursive: (recursive == Some("writable")).then_some(true),
        read_only_force_recursive: (recursive == Some("readonly")).then_some(true),
    }
}

fn named_volume(name: &str, v: &ServiceVolume) -> Entry {
    match v.volume.as_ref().and_then(volume_options) {
        None => Entry::Bind(format!("{name}:{}:{}", v.target, mode(v))),
        Some(options) => Entry::Mount(Box::new(Mount {
            volume_options: Some(options),
            ..mount(MountTypeEnum::VOLUME, Some(name.to_string()), v)
        })),
    }
}

/// An anonymous volume keeps the volume of the container it replaces, so its data survives
/// a recreate.
fn anonymous_volume(ctx: &Ctx, v: &ServiceVolume) -> Entry {
    let source = ctx.spec.anonymous_volumes.get(&v.target).cloned();
    let options = v.volume.as_ref().and_then(volume_options).unwrap_or_default();
    Entry::Mount(Box::new(Mount {
        volume_options: Some(options),
        ..mount(MountTypeEnum::VOLUME, source, v)
    }))
}

/// `None` when no option is set, so the volume can go in `Binds`.
fn volume_options(o: &VolumeOptions) -> Option<MountVolumeOptions> {
    let labels = o.labels.as_ref().filter(|l| !l.is_empty());
    let options = MountVolumeOptions {
        no_copy: o.nocopy.then_some(true),
        labels: labels.map(|l| l.clone().into_iter().collect()),
        driver_config: None,
        subpath: o.subpath.clone(),
    };
    (options != MountVolumeOptions::default()).then_some(options)
}

/// Outside swarm, secrets and configs from files are read-only binds of the file.
/// Those from the environment or inline content are no mounts: they are written into the
/// container once it exists (`plan::files`).
fn file_mounts(
    refs: &[ServiceFileRef],
    objects: &BTreeMap<String, FileObject>,
    target: fn(&ServiceFileRef) -> String,
    bind_options: Option<MountBindOptions>,
) -> Vec<Mount> {
    refs.iter()
        .filter_map(|r| {
            let file = objects.get(&r.source)?.file.clone()?;
            Some(Mount {
                target: Some(target(r)),
                source: Some(file),
                typ: Some(MountTypeEnum::BIND),
                read_only: Some(true),
                bind_options: bind_options.clone(),
                ..Default::default()
            })
        })
        .collect()
}

/// `service[:mode]` names the service's first container, by id once known;
/// `container:name[:mode]` a container. The mode is dropped, as the reference drops it: its
/// containers take volumes read-write whatever the file says, and ours must be the same.
pub(super) fn volumes_from(ctx: &Ctx) -> Vec<String> {
    ctx.service
        .volumes_from
        .iter()
        .map(|entry| {
            let mut fields = entry.split(':');
            match (fields.next().unwrap_or_default(), fields.next()) {
                ("container", Some(container)) => container.to_string(),
                (service, _) => match ctx.shared_ids.get(service) {
                    Some(id) => id.clone(),
                    None => ctx.container_name(service, 1),
                },
            }
        })
        .collect()
}

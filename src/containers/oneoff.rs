//! `run`: the one-off container of a service, with the command line's overrides applied to
//! the service's configuration. Pure: the command creates what this describes.

use std::collections::BTreeMap;

use super::desired::DesiredService;
use crate::containers::names;
use crate::model::{Port, Service, ServiceVolume};

/// What `run` changes of the service.
#[derive(Debug, Clone, Default)]
pub struct RunOverrides {
    /// Replaces the service's command when not empty.
    pub command: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    /// `KEY=value`, or `KEY` alone for a value from dockhand's environment (resolved already).
    pub environment: Vec<(String, Option<String>)>,
    pub labels: Vec<(String, String)>,
    pub volumes: Vec<ServiceVolume>,
    pub publish: Vec<Port>,
    /// Keep the service's own ports (`--service-ports`); otherwise a one-off publishes none.
    pub service_ports: bool,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    /// `--cap-add`/`--cap-drop`, added to the service's own.
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub tty: bool,
    pub interactive: bool,
    pub name: Option<String>,
}

/// The one-off: its service configuration, engine name and labels.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOff {
    pub service: Service,
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

/// `slug`: 64 hex digits; the name is `<project>-<service>-run-<first 12>` (with `sep`) as the
/// reference's, so that `docker compose ps -a` and `down --remove-orphans` treat it alike.
pub fn one_off(project: &str, sep: char, base: &Service, desired: &DesiredService, o: &RunOverrides, slug: &str) -> OneOff {
    let mut s = base.clone();
    if !o.command.is_empty() {
        s.command = Some(o.command.clone());
    }
    if let Some(e) = &o.entrypoint {
        s.entrypoint = Some(e.clone());
        if o.command.is_empty() {
            // A new entrypoint does not inherit the service's command, as with `docker run`.
            s.command = None;
        }
    }
    for (k, v) in &o.environment {
        s.environment.insert(k.clone(), v.clone());
    }
    for (k, v) in &o.labels {
        s.labels.insert(k.clone(), v.clone());
    }
    s.volumes.extend(o.volumes.iter().cloned());
    if !o.service_ports {
        s.ports.clear();
    }
    s.ports.extend(o.publish.iter().cloned());
    s.user = o.user.clone().or(s.user);
    s.working_dir = o.working_dir.clone().or(s.working_dir);
    s.cap_add.extend(o.cap_add.iter().cloned());
    s.cap_drop.extend(o.cap_drop.iter().cloned());
    s.tty = o.tty;
    s.stdin_open = o.interactive;
    // The one-off is removed by `run` itself; a restart policy would fight that.
    s.restart = None;
    s.deploy = s.deploy.map(|mut d| {
        d.restart_policy = None;
        d
    });
    s.container_name = None;
    let name = names::one_off(project, sep, &desired.name, slug, o.name.as_deref());
    OneOff { service: s, name, labels: names::one_off_labels(&desired.labels, slug) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels;

    fn desired() -> DesiredService {
        DesiredService {
            name: "web".into(),
            replicas: 1,
            hash: "h".into(),
            image: "busybox:latest".into(),
            pinned_image: None,
            has_build: false,
            pull_policy: super::super::desired::PullPolicy::Missing,
            platform: None,
            container_name: Some("fixed".into()),
            depends_on: vec![],
            networks: vec![],
            volumes: vec![],
            stop_timeout: None,
            applied: "{}".into(),
            labels: BTreeMap::from([
                (labels::ONEOFF.to_string(), "False".to_string()),
                (labels::SERVICE.to_string(), "web".to_string()),
            ]),
            image_labels: BTreeMap::new(),
            shares: None,
            files: Ok(Vec::new().into()),
            file_warnings: vec![],
            content: vec![],
            update: None,
        }
    }

    #[test]
    fn a_one_off_is_named_labelled_and_overridden() {
        let mut base = Service { command: Some(vec!["serve".into()]), container_name: Some("fixed".into()), ..Service::default() };
        base.ports = crate::load::cli_specs::ports("8080:80").expect("port");
        let o = RunOverrides {
            command: vec!["sh".into(), "-c".into(), "exit 3".into()],
            environment: vec![("MODE".into(), Some("test".into()))],
            ..RunOverrides::default()
        };
        let slug = "0123456789abcdef".repeat(4);
        let one = one_off("shop", '-', &base, &desired(), &o, &slug);
        assert_eq!(one.name, "shop-web-run-0123456789ab");
        assert_eq!(one.labels[labels::ONEOFF], "True");
        assert_eq!(one.labels[labels::SLUG], slug);
        assert_eq!(one.labels[labels::SERVICE], "web");
        assert_eq!(one.service.command.as_deref(), Some(&o.command[..]));
        assert_eq!(one.service.environment["MODE"].as_deref(), Some("test"));
        assert!(one.service.ports.is_empty(), "a one-off publishes no ports unless asked");
        assert_eq!(one.service.container_name, None);

        let keep = RunOverrides { service_ports: true, entrypoint: Some(vec!["env".into()]), ..RunOverrides::default() };
        let one = one_off("shop", '-', &base, &desired(), &keep, &slug);
        assert_eq!(one.service.ports.len(), 1);
        assert_eq!(one.service.command, None, "a new entrypoint drops the service's command");
    }
}

//! Checks across the whole merged project: references, cycles, conflicts.
//!
//! Runs on the normalised long form and, as in the reference, looks only at the services the
//! active profiles enable: a disabled service is neither checked nor counted (two services of
//! different profiles may share a `container_name`), and a required dependency on one reads as
//! one on an undefined service. Every problem found is reported, not only the first.
use std::collections::{HashMap, HashSet};

use crate::diag::Problem;
use crate::graph::{cycle_message, Graph};
use crate::load::normalize::implicit_dependencies;
use crate::diag::yaml_path::YamlPath;
use crate::load::{Mapping, Value};

const INVALID: &str = "invalid compose project";

/// Service-level settings that duplicate a `deploy` setting and must agree with it.
const DEPLOY_TWINS: [(&str, &[&str]); 5] = [
    ("scale", &["deploy", "replicas"]),
    ("cpus", &["deploy", "resources", "limits", "cpus"]),
    ("mem_limit", &["deploy", "resources", "limits", "memory"]),
    (
        "mem_reservation",
        &["deploy", "resources", "reservations", "memory"],
    ),
    ("pids_limit", &["deploy", "resources", "limits", "pids"]),
];

/// `disabled`: the services the active profiles leave out.
pub fn check(project: &Value, disabled: &HashSet<String>) -> Vec<Problem> {
    let empty = Mapping::new();
    let services = project
        .get("services")
        .and_then(Value::as_mapping)
        .unwrap_or(&empty);
    let ctx = Context {
        services,
        disabled,
        networks: names(project, "networks"),
        volumes: names(project, "volumes"),
        secrets: names(project, "secrets"),
        configs: names(project, "configs"),
    };
    let mut problems = Vec::new();
    for (name, s) in ctx.enabled() {
        problems.extend(ctx.service(name, s));
    }
    problems.extend(container_names(ctx.enabled()));
    problems.extend(external_volumes(project));
    problems.extend(secret_sources(project, "secrets", &["file", "environment"]));
    problems.extend(secret_sources(
        project,
        "configs",
        &["file", "environment", "content"],
    ));
    problems.extend(dependency_cycle(ctx.enabled()));
    problems
}

struct Context<'a> {
    services: &'a Mapping,
    disabled: &'a HashSet<String>,
    networks: HashSet<&'a str>,
    volumes: HashSet<&'a str>,
    secrets: HashSet<&'a str>,
    configs: HashSet<&'a str>,
}

fn names<'a>(project: &'a Value, kind: &str) -> HashSet<&'a str> {
    project
        .get(kind)
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str())
        .collect()
}

fn invalid(path: YamlPath, message: String, help: &str) -> Problem {
    Problem::error("dockhand::invalid_project", path, message).with_help(help.to_string())
}

impl<'a> Context<'a> {
    fn enabled(&self) -> impl Iterator<Item = (&'a str, &'a Mapping)> + '_ {
        self.services.iter().filter_map(|(name, s)| {
            let name = name.as_str()?;
            (!self.disabled.contains(name)).then_some((name, s.as_mapping()?))
        })
    }

    /// A service the project defines and the profiles enable; an optional dependency may
    /// also name a disabled one.
    fn enabled_service(&self, name: &str) -> Option<&'a Value> {
        self.services.get(name).filter(|_| !self.disabled.contains(name))
    }

    fn service(&self, name: &str, s: &Mapping) -> Vec<Problem> {
        let path = YamlPath::of(&["services", name]);
        let mut p = Vec::new();
        p.extend(image_or_build(name, s, &path));
        p.extend(self.undefined_services(name, s, &path));
        p.extend(network_mode_with_networks(name, s, &path));
        p.extend(self.undefined_resources(name, s, &path));
        p.extend(volume_problems(s, &path));
        p.extend(counts(s, &path));
        p.extend(healthcheck_test(s, &path));
        p.extend(unique_container_name(name, s, &path));
        p.extend(device_requests(s, &path));
        p.extend(watch_targets(s, &path));
        p.extend(platform(s, &path));
        p.extend(self.additional_contexts(name, s, &path));
        p
    }

    fn undefined_services(&self, name: &str, s: &Mapping, path: &YamlPath) -> Vec<Problem> {
        let explicit = s
            .get("depends_on")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten();
        let explicit = explicit
            .filter(|(k, d)| {
                let optional = d.get("required") == Some(&Value::Bool(false));
                !(optional && k.as_str().is_some_and(|k| self.disabled.contains(k)))
            })
            .filter_map(|(k, _)| k.as_str())
            .map(|d| (d.to_string(), path.key("depends_on").key(d)));
        let implicit = implicit_dependencies(s)
            .into_iter()
            .map(|(d, _)| (d, path.clone()));
        let mut seen = HashSet::new();
        explicit
            .chain(implicit)
            .filter(|(d, _)| self.enabled_service(d).is_none() && seen.insert(d.clone()))
            .map(|(d, at)| {
                invalid(
                    at,
                    format!("service \"{name}\" depends on undefined service \"{d}\": {INVALID}"),
                    "define that service, correct the name, or activate the profile that enables it",
                )
            })
            .collect()
    }

    fn undefined_resources(&self, name: &str, s: &Mapping, path: &YamlPath) -> Vec<Problem> {
        let mut refs: Vec<(&str, &str, YamlPath)> = Vec::new();
        for (net, _) in s
            .get("networks")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
        {
            if let Some(net) = net.as_str() {
                refs.push(("network", net, path.key("networks").key(net)));
            }
        }
        for (i, v) in items(s.get("volumes")) {
            if v.get("type").and_then(Value::as_str) == Some("volume") {
                if let Some(src) = v.get("source").and_then(Value::as_str).filter(|x| !x.is_empty()) {
                    refs.push(("volume", src, path.key("volumes").index(i)));
                }
            }
        }
        for (field, kind) in [("secrets", "secret"), ("configs", "config")] {
            for (i, v) in items(s.get(field)) {
                refs.extend(source(v).map(|src| (kind, src, path.key(field).index(i))));
            }
        }
        let build_secrets = s.get("build").and_then(|b| b.get("secrets"));
        for (i, v) in items(build_secrets) {
            refs.extend(
                source(v).map(|src| ("build secret", src, path.key("build").key("secrets").index(i))),
            );
        }
        refs.into_iter()
            .filter(|(kind, n, _)| !self.defines(kind, n))
            .map(|(kind, n, at)| {
                invalid(
                    at,
                    format!("service \"{name}\" refers to undefined {kind} {n}: {INVALID}"),
                    "declare it in the top-level section of the same kind",
                )
            })
            .collect()
    }

    fn defines(&self, kind: &str, name: &str) -> bool {
        match kind {
            "network" => self.networks.contains(name),
            "volume" => self.volumes.contains(name),
            "config" => self.configs.contains(name),
            _ => self.secrets.contains(name),
        }
    }

    /// `service:<name>` additional contexts build from another service's image.
    fn additional_contexts(&self, name: &str, s: &Mapping, path: &YamlPath) -> Vec<Problem> {
        let contexts = s
            .get("build")
            .and_then(|b| b.get("additional_contexts"))
            .and_then(Value::as_mapping);
        let mut p = Vec::new();
        for (key, ctx) in contexts.into_iter().flatten() {
            let (Some(key), Some(other)) = (
                key.as_str(),
                ctx.as_str().and_then(|c| c.strip_prefix("service:")),
            ) else {
                continue;
            };
            let at = path.key("build").key("additional_contexts").key(key);
            match self.enabled_service(other) {
                None => p.push(invalid(
                    at,
                    format!("service \"{name}\" declares unknown service \"{other}\" as additional contexts {key}"),
                    "name a service defined in this project",
                )),
                Some(o) if o.get("build").is_none() => p.push(invalid(
                    at,
                    format!("service \"{name}\" declares non-buildable service \"{other}\" as additional contexts {key}"),
                    "the service used as a build context needs a `build` section",
                )),
                Some(_) => {}
            }
        }
        p
    }
}

/// A device request names either how many devices or which ones, never both.
fn device_requests(s: &Mapping, path: &YamlPath) -> Vec<Problem> {
    let at = ["deploy", "resources", "reservations", "devices"];
    let devices = at[1..].iter().fold(s.get(at[0]), |v, k| v.and_then(|v| v.get(*k)));
    let Some(Value::Sequence(devices)) = devices else { return Vec::new() };
    let base = at.iter().fold(path.clone(), |p, k| p.key(*k));
    devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.get("count").is_some() && d.get("device_ids").is_some())
        .map(|(i, _)| {
            invalid(
                base.index(i),
                "\"count\" and \"device_ids\" attributes are exclusive".to_string(),
                "keep either `count` or `device_ids`",
            )
        })
        .collect()
}

fn image_or_build(name: &str, s: &Mapping, path: &YamlPath) -> Option<Problem> {
    // An image interpolated to "" counts as none, as in the reference.
    let has = |k: &str| s.get(k).is_some_and(|v| !v.is_null() && v.as_str() != Some(""));
    (!has("image") && !has("build") && !has("provider")).then(|| {
        invalid(
            path.clone(),
            format!("service \"{name}\" has neither an image nor a build context specified: {INVALID}"),
            "add `image:` or `build:` to the service",
        )
    })
}

fn network_mode_with_networks(name: &str, s: &Mapping, path: &YamlPath) -> Option<Problem> {
    let networks = s
        .get("networks")
        .and_then(Value::as_mapping)
        .is_some_and(|n| !n.is_empty());
    (s.contains_key("network_mode") && networks).then(|| {
        invalid(
            path.key("networks"),
            format!("service {name} declares mutually exclusive `network_mode` and `networks`: {INVALID}"),
            "keep either `network_mode` or `networks`",
        )
    })
}

fn volume_problems(s: &Mapping, path: &YamlPath) -> Vec<Problem> {
    let mut p = Vec::new();
    let tmpfs: Vec<(usize, &str)> = match s.get("tmpfs") {
        Some(Value::String(t)) => vec![(0, t.as_str())],
        other => items(other)
            .filter_map(|(i, t)| t.as_str().map(|t| (i, t)))
            .collect(),
    };
    let tmpfs_at = |target: &str| {
        tmpfs
            .iter()
            .find(|(_, t)| t.split(':').next() == Some(target))
            .map(|(i, _)| *i)
    };
    for (i, v) in items(s.get("volumes")) {
        let at = path.key("volumes").index(i);
        let source = v.get("source").and_then(Value::as_str).unwrap_or_default();
        if v.get("type").and_then(Value::as_str) == Some("bind") && source.is_empty() {
            p.push(invalid(
                at.clone(),
                "invalid mount config for type \"bind\": field Source must not be empty".to_string(),
                "give the bind mount a `source` path on the host",
            ));
        }
        if let Some(j) = v.get("target").and_then(Value::as_str).and_then(tmpfs_at) {
            let target = v.get("target").and_then(Value::as_str).unwrap_or_default();
            let tmpfs_path = path.key("tmpfs").index(j);
            p.push(invalid(
                at.clone(),
                format!("{at}: target {target} already mounted as {tmpfs_path}"),
                "mount each container path only once",
            ));
        }
    }
    p
}

fn counts(s: &Mapping, path: &YamlPath) -> Vec<Problem> {
    let mut p = Vec::new();
    let replicas = (at(s, &["deploy", "replicas"]), path.key("deploy").key("replicas"));
    for (value, at) in [(s.get("scale"), path.key("scale")), replicas] {
        if value.and_then(number).is_some_and(|n| n < 0.0) {
            p.push(invalid(
                at.clone(),
                format!("{at}: must be greater than or equal to 0"),
                "use 0 or more",
            ));
        }
    }
    for (field, twin) in DEPLOY_TWINS {
        let Some(a) = s.get(field).and_then(number) else { continue };
        // A resource twin is unset (zero) wherever its `limits` or `reservations` block is
        // written, as the reference compares them; `replicas` only when it is set.
        let b = match at(s, twin).and_then(number) {
            Some(b) => b,
            None if field != "scale" && at(s, &twin[..twin.len() - 1]).is_some() => 0.0,
            None => continue,
        };
        if a != b {
            p.push(invalid(
                path.key(field),
                format!(
                    "{path}: can't set distinct values on '{field}' and '{}': {INVALID}",
                    twin.join(".")
                ),
                "set only one of them, or the same value in both",
            ));
        }
    }
    p
}

/// A fixed `container_name` names one container: the reference refuses more replicas.
fn unique_container_name(name: &str, s: &Mapping, path: &YamlPath) -> Option<Problem> {
    s.get("container_name")?;
    let (count, at) = match s.get("scale") {
        Some(n) => (n, path.key("scale")),
        None => (self::at(s, &["deploy", "replicas"])?, path.key("deploy").key("replicas")),
    };
    if number(count)? <= 1.0 {
        return None;
    }
    Some(invalid(
        at.clone(),
        format!("{at}: can't set container_name and {name} as container name must be unique: {INVALID}"),
        "remove container_name, or run a single replica",
    ))
}

/// The engine reads the first word of a test list as its kind; the reference refuses any
/// other first word rather than let the engine guess.
fn healthcheck_test(s: &Mapping, path: &YamlPath) -> Option<Problem> {
    let first = at(s, &["healthcheck", "test"])?.as_sequence()?.first()?;
    if matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE")) {
        return None;
    }
    let at = path.key("healthcheck").key("test");
    Some(invalid(
        at.clone(),
        format!("{at} must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\""),
        "write [\"CMD\", program, args...], [\"CMD-SHELL\", \"shell command\"], a plain string, or [\"NONE\"]",
    ))
}

fn watch_targets(s: &Mapping, path: &YamlPath) -> Vec<Problem> {
    let rules = s.get("develop").and_then(|d| d.get("watch"));
    items(rules)
        .filter(|(_, r)| {
            let action = r.get("action").and_then(Value::as_str).unwrap_or_default();
            let target = r.get("target").and_then(Value::as_str).unwrap_or_default();
            !matches!(action, "rebuild" | "restart") && target.is_empty()
        })
        .map(|(i, _)| {
            let watch = path.key("develop").key("watch");
            invalid(
                watch.index(i),
                format!("{watch}: target is required for non-rebuild actions: {INVALID}"),
                "add `target:`, the path in the container to sync to",
            )
        })
        .collect()
}

fn platform(s: &Mapping, path: &YamlPath) -> Option<Problem> {
    let platform = s.get("platform").and_then(Value::as_str)?;
    let platforms = s
        .get("build")
        .and_then(|b| b.get("platforms"))
        .and_then(Value::as_sequence)?;
    (!platforms.is_empty() && !platforms.iter().any(|p| p.as_str() == Some(platform))).then(|| {
        invalid(
            path.key("platform"),
            format!("service.build.platforms MUST include service.platform \"{platform}\": {INVALID}"),
            "add the platform to `build.platforms`",
        )
    })
}

fn container_names<'a>(services: impl Iterator<Item = (&'a str, &'a Mapping)>) -> Vec<Problem> {
    let mut owners: HashMap<&str, &str> = HashMap::new();
    let mut p = Vec::new();
    for (name, s) in services {
        let Some(cn) = s.get("container_name").and_then(Value::as_str) else {
            continue;
        };
        match owners.get(cn) {
            Some(first) => p.push(
                Problem::error(
                    "dockhand::container_name_in_use",
                    YamlPath::of(&["services", name, "container_name"]),
                    format!(
                        "services.{name}: container name \"{cn}\" is already in use by service \"{first}\""
                    ),
                )
                .with_help("container names are unique per engine: rename one, or drop `container_name`"),
            ),
            None => {
                owners.insert(cn, name);
            }
        }
    }
    p
}

/// An external volume already exists, so the project cannot say how to create it.
fn external_volumes(project: &Value) -> Vec<Problem> {
    let defs = project
        .get("volumes")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten();
    let mut p = Vec::new();
    for (name, def) in defs {
        let (Some(name), true) = (name.as_str(), def.get("external") == Some(&Value::Bool(true))) else {
            continue;
        };
        for field in ["driver", "driver_opts", "labels"] {
            if def.get(field).is_some_and(|v| !v.is_null()) {
                let path = YamlPath::of(&["volumes", name]);
                p.push(invalid(
                    path.key(field),
                    format!("{path}: conflicting parameters \"external\" and \"{field}\" specified"),
                    "an external volume is created outside the project: remove the setting or `external`",
                ));
            }
        }
    }
    p
}

/// Secrets and configs need exactly one source of content unless they are external.
fn secret_sources(project: &Value, kind: &str, fields: &[&str]) -> Vec<Problem> {
    let defs = project
        .get(kind)
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten();
    let alternatives = fields.join("|");
    let mut p = Vec::new();
    for (name, def) in defs {
        let Some(name) = name.as_str() else { continue };
        if def.get("external") == Some(&Value::Bool(true)) {
            continue;
        }
        let path = YamlPath::of(&[kind, name]);
        let given = fields
            .iter()
            .filter(|f| def.get(**f).is_some_and(|v| !v.is_null()))
            .count();
        let message = match given {
            0 => format!("{path}: one of {alternatives} must be set"),
            1 => continue,
            _ => format!("{path}: {alternatives} attributes are mutually exclusive"),
        };
        p.push(invalid(
            path,
            message,
            "give exactly one source, or mark it `external: true`",
        ));
    }
    p
}

fn dependency_cycle<'a>(services: impl Iterator<Item = (&'a str, &'a Mapping)>) -> Option<Problem> {
    let graph = Graph::new(services.map(|(name, s)| {
        let deps = s.get("depends_on").and_then(Value::as_mapping).into_iter().flatten();
        (name, deps.filter_map(|(d, _)| d.as_str()).collect::<Vec<_>>())
    }));
    let cycle = graph.cycle()?;
    let first = cycle.first().cloned().unwrap_or_default();
    let next = cycle.get(1).cloned().unwrap_or_default();
    Some(
        Problem::error(
            "dockhand::dependency_cycle",
            YamlPath::of(&["services", &first, "depends_on", &next]),
            cycle_message(&cycle),
        )
        .with_help("services must not depend on themselves, directly or through others"),
    )
}

fn items(v: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    v.and_then(Value::as_sequence).into_iter().flatten().enumerate()
}

fn source(v: &Value) -> Option<&str> {
    v.get("source").or(Some(v)).and_then(Value::as_str)
}

fn at<'a>(s: &'a Mapping, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(s.get(*first)?, |v, k| v.get(*k))
}

/// Numbers may arrive as strings (byte sizes, `"1.5"` cpus) depending on the field's long form.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Long-form equivalents of the semantic rows of conformance/invalid/INDEX.tsv, as the project
/// looks after extends, normalisation and profiles. Rows covered (under compose-go/):
/// consistency/TestValidateNamedVolume, TestValidateNoBuildNoImage, TestValidateNetworkMode-missing-service,
/// TestValidateNetworkMode-and-networks, TestValidateSecret-unset-type, TestValidateSecret-undefined,
/// TestValidateDependsOn, TestValidateContainerName, TestValidateWatch-sync-no-target,
/// TestValidateWatch-syncrestart-no-target, TestValidateWatch-depends-unknown, TestValidateMountConflict,
/// TestValidateNegativeScale-scale, TestValidateNegativeScale-replicas; graph/TestBuildGraph-unknown-dep;
/// TestBadServiceConfig; TestInvalidExternalAndDriverCombination, TestInvalidExternalAndDirverOptsCombination,
/// TestInvalidExternalAndLabelsCombination; TestLoadBindMountSourceMustNotBeEmpty;
/// TestExtendsWithServiceRef-1..4; compose-depends-on-cycle; compose-depends-on-self.
/// The three `name and external.name conflict` rows are canonical's (tested there).
#[cfg(test)]
mod tests {
    use super::*;

    fn messages(yaml: &str) -> Vec<String> {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        check(&v, &HashSet::new()).into_iter().map(|p| p.message).collect()
    }

    fn one(yaml: &str) -> String {
        let m = messages(yaml);
        assert_eq!(m.len(), 1, "{m:?}");
        m[0].clone()
    }

    #[test]
    fn valid_project_has_no_problems() {
        let m = messages(
            r#"
services:
  a:
    image: x
    networks: {n: null}
    volumes: [{type: volume, source: v, target: /v}, {type: volume, target: /anon}, {type: bind, source: /h, target: /h}]
    secrets: [{source: s, target: /run/secrets/s}]
    configs: [{source: c}]
    depends_on: {b: {condition: service_started, required: true}}
    develop: {watch: [{action: rebuild, path: /src}, {action: restart, path: /x}, {action: sync, path: /y, target: /y}]}
    scale: 2
    deploy: {replicas: 2, resources: {limits: {memory: "1073741824"}}}
    mem_limit: "1073741824"
  b: {build: {context: /b}, network_mode: "service:a"}
  c: {image: x, network_mode: "container:foo"}
  p: {provider: {type: t}}
networks: {n: {name: p_n}}
volumes: {v: {name: p_v}}
secrets: {s: {name: p_s, file: /s}, e: {name: e, external: true}}
configs: {c: {name: p_c, content: hi}}
"#,
        );
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn undefined_services() {
        // TestValidateDependsOn, TestValidateWatch-depends-unknown, TestBuildGraph-unknown-dep
        assert_eq!(
            one("services: {myservice: {image: scratch, depends_on: {missingservice: {condition: service_started, required: true}}}}"),
            "service \"myservice\" depends on undefined service \"missingservice\": invalid compose project"
        );
        assert_eq!(
            one("services: {myservice: {image: scratch, depends_on: {other: {condition: service_started, required: false}}}}"),
            "service \"myservice\" depends on undefined service \"other\": invalid compose project"
        );
        // TestValidateNetworkMode-missing-service: the reference CLI reports it as a dependency.
        assert_eq!(
            one("services: {myservice1: {image: scratch}, myservice2: {image: scratch, network_mode: 'service:nonexistentservice'}}"),
            "service \"myservice2\" depends on undefined service \"nonexistentservice\": invalid compose project"
        );
        // TestExtendsWithServiceRef-1..4: bar inherited references to zot from another file.
        for field in [
            "volumes_from: [zot]",
            "ipc: 'service:zot'",
            "network_mode: 'service:zot'",
            "links: [zot]",
        ] {
            assert_eq!(
                one(&format!("services: {{bar: {{image: foo, {field}}}}}")),
                "service \"bar\" depends on undefined service \"zot\": invalid compose project"
            );
        }
        let with_implicit = "services: {bar: {image: foo, links: [zot], depends_on: {zot: {condition: service_started, required: true}}}}";
        assert_eq!(messages(with_implicit).len(), 1);
        assert!(messages("services: {bar: {image: foo, volumes_from: ['container:zot']}}").is_empty());
    }

    /// Observed with the reference: a `limits` block without the twin sets it to zero.
    #[test]
    fn service_limits_agree_with_a_partial_deploy_block() {
        let conflict = |yaml: &str| messages(&format!("services: {{a: {{image: x, {yaml}}}}}"));
        assert_eq!(
            conflict("mem_limit: '1073741824', deploy: {resources: {limits: {cpus: '0.5'}}}"),
            ["services.a: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory': invalid compose project"]
        );
        assert_eq!(conflict("pids_limit: 10, deploy: {resources: {limits: {}}}").len(), 1);
        assert_eq!(conflict("mem_reservation: '1', deploy: {resources: {reservations: {cpus: '1'}}}").len(), 1);
        for ok in [
            "mem_limit: '1', deploy: {resources: {reservations: {cpus: '1'}}}",
            "mem_limit: '0', deploy: {resources: {limits: {cpus: '1'}}}",
            "scale: 2, deploy: {mode: replicated}",
        ] {
            assert!(conflict(ok).is_empty(), "{ok}");
        }
    }

    #[test]
    fn a_container_name_allows_one_replica() {
        assert_eq!(
            one("services: {app: {image: x, container_name: c, deploy: {replicas: 2}}}"),
            "services.app.deploy.replicas: can't set container_name and app as container name must be unique: invalid compose project"
        );
        assert_eq!(messages("services: {app: {image: x, container_name: c, scale: 3}}").len(), 1);
        for ok in ["scale: 1", "scale: 0", "deploy: {replicas: 1}"] {
            assert!(messages(&format!("services: {{app: {{image: x, container_name: c, {ok}}}}}")).is_empty(), "{ok}");
        }
    }

    #[test]
    fn healthcheck_test_starts_with_its_kind() {
        assert_eq!(
            one("services: {a: {image: x, healthcheck: {test: [cmd, x]}}}"),
            "services.a.healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\""
        );
        for ok in ["[CMD, x]", "[CMD-SHELL, x]", "[NONE]", "[]"] {
            assert!(messages(&format!("services: {{a: {{image: x, healthcheck: {{test: {ok}}}}}}}")).is_empty(), "{ok}");
        }
    }

    #[test]
    fn undefined_resources() {
        // TestValidateNamedVolume
        assert_eq!(
            one("services: {myservice: {image: my/service, volumes: [{type: volume, source: myVolume, target: /use/local}]}}"),
            "service \"myservice\" refers to undefined volume myVolume: invalid compose project"
        );
        // TestValidateSecret-undefined
        assert_eq!(
            one("services: {myservice: {image: scratch, secrets: [{source: foo}]}}"),
            "service \"myservice\" refers to undefined secret foo: invalid compose project"
        );
        assert_eq!(
            one("services: {a: {image: x, networks: {zz: null}}}"),
            "service \"a\" refers to undefined network zz: invalid compose project"
        );
        assert_eq!(
            one("services: {a: {image: x, configs: [{source: zz}]}}"),
            "service \"a\" refers to undefined config zz: invalid compose project"
        );
        assert_eq!(
            one("services: {a: {image: x, build: {context: /a, secrets: [{source: zz}]}}}"),
            "service \"a\" refers to undefined build secret zz: invalid compose project"
        );
    }

    #[test]
    fn device_count_and_ids_exclude_each_other() {
        assert_eq!(
            one("services: {a: {image: x, deploy: {resources: {reservations: {devices: [{capabilities: [gpu], count: 2, device_ids: [d]}]}}}}}"),
            "\"count\" and \"device_ids\" attributes are exclusive"
        );
    }

    #[test]
    fn service_shape() {
        // TestValidateNoBuildNoImage
        assert_eq!(
            one("services: {myservice: {}}"),
            "service \"myservice\" has neither an image nor a build context specified: invalid compose project"
        );
        // TestValidateNetworkMode-and-networks, TestBadServiceConfig
        assert_eq!(
            one("services: {redis: {image: r, network_mode: bridge, networks: {gratheon: null}}}\nnetworks: {gratheon: {}}"),
            "service redis declares mutually exclusive `network_mode` and `networks`: invalid compose project"
        );
        // TestLoadBindMountSourceMustNotBeEmpty
        assert_eq!(
            one("services: {tmpfs: {image: nginx, volumes: [{type: bind, target: /app}]}}"),
            "invalid mount config for type \"bind\": field Source must not be empty"
        );
        // TestValidateMountConflict
        assert_eq!(
            one(r#"
services:
  myservice:
    image: scratch
    tmpfs: [/foo, "/conflict:size=64m"]
    volumes: [{type: bind, source: /p, target: /bar}, {type: bind, source: /p, target: /conflict}]
"#),
            "services.myservice.volumes[1]: target /conflict already mounted as services.myservice.tmpfs[1]"
        );
        assert_eq!(
            one("services: {a: {image: x, platform: linux/amd64, build: {context: /a, platforms: [linux/arm64]}}}"),
            "service.build.platforms MUST include service.platform \"linux/amd64\": invalid compose project"
        );
        let m = messages(
            "services: {a: {image: x, build: {context: /a, additional_contexts: {s: 'service:zz', t: 'service:b'}}}, b: {image: x}}",
        );
        assert_eq!(
            m,
            [
                "service \"a\" declares unknown service \"zz\" as additional contexts s",
                "service \"a\" declares non-buildable service \"b\" as additional contexts t"
            ]
        );
    }

    #[test]
    fn counts_and_deploy_twins() {
        // TestValidateNegativeScale-scale / -replicas
        assert_eq!(
            one("services: {myservice: {image: s, scale: -1}}"),
            "services.myservice.scale: must be greater than or equal to 0"
        );
        assert_eq!(
            one("services: {myservice: {image: s, deploy: {replicas: -1}}}"),
            "services.myservice.deploy.replicas: must be greater than or equal to 0"
        );
        assert_eq!(
            one("services: {c: {image: x, scale: 2, deploy: {replicas: 3}}}"),
            "services.c: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project"
        );
        assert_eq!(
            one("services: {c: {image: x, mem_limit: '2147483648', deploy: {resources: {limits: {memory: '1073741824'}}}}}"),
            "services.c: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory': invalid compose project"
        );
        assert!(messages(
            "services: {c: {image: x, cpus: 1.5, deploy: {resources: {limits: {cpus: '1.5'}}}}}"
        )
        .is_empty());
    }

    #[test]
    fn watch_rules_need_targets() {
        // TestValidateWatch-sync-no-target, TestValidateWatch-syncrestart-no-target
        for action in ["sync", "sync+restart", "sync+exec"] {
            assert_eq!(
                one(&format!("services: {{myservice: {{image: s, develop: {{watch: [{{action: {action}, path: /app}}]}}}}}}")),
                "services.myservice.develop.watch: target is required for non-rebuild actions: invalid compose project"
            );
        }
    }

    #[test]
    fn container_names_are_unique() {
        // TestValidateContainerName
        let v: Value = serde_yaml::from_str(
            "services: {myservice: {image: s, container_name: mycontainer}, myservice2: {image: s, container_name: mycontainer}}",
        )
        .unwrap();
        let p = check(&v, &HashSet::new());
        assert_eq!(p.len(), 1);
        assert!(p[0]
            .message
            .contains("container name \"mycontainer\" is already in use by"));
        assert_eq!(p[0].path.to_string(), "services.myservice2.container_name");
    }

    /// As the reference: services that the active profiles disable are not checked, and do
    /// not count for the project-wide ones (container names, cycles); a required dependency
    /// on one is a dependency on an undefined service, an optional one is fine.
    #[test]
    fn only_enabled_services_are_checked() {
        let v: Value = serde_yaml::from_str(
            "services:
  a: {image: s, container_name: same, profiles: [p1]}
  b: {image: s, container_name: same, profiles: [p2]}
  c: {image: s, profiles: [p2], depends_on: {d: {condition: service_started}}, networks: {nope: {}}}
  d: {image: s, profiles: [p2], depends_on: {c: {condition: service_started}}}
  e: {image: s, depends_on: {a: {condition: service_started, required: false}}}",
        )
        .unwrap();
        let disabled = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<HashSet<_>>();
        assert!(check(&v, &disabled(&["a", "b", "c", "d"])).is_empty());
        let msgs = |d: &[&str]| check(&v, &disabled(d)).into_iter().map(|p| p.message).collect::<Vec<_>>();
        assert_eq!(
            msgs(&["b", "c", "d"]),
            Vec::<String>::new(),
            "one service of the shared name enabled"
        );
        let both = msgs(&["c", "d"]);
        assert_eq!(both.len(), 1, "{both:?}");
        assert!(both[0].contains("container name \"same\" is already in use"));
        let p2 = msgs(&["a", "b"]);
        assert!(p2.iter().any(|m| m.contains("undefined network nope")), "{p2:?}");
        assert!(p2.iter().any(|m| m.starts_with("dependency cycle")), "{p2:?}");
        let required: Value = serde_yaml::from_str(
            "services: {e: {image: s, depends_on: {a: {condition: service_started, required: true}}}, a: {image: s}}",
        )
        .unwrap();
        let m: Vec<_> = check(&required, &disabled(&["a"])).into_iter().map(|p| p.message).collect();
        assert_eq!(m, ["service \"e\" depends on undefined service \"a\": invalid compose project"]);
    }

    #[test]
    fn top_level_resources() {
        // TestInvalidExternalAndDriverCombination / DirverOpts / Labels
        for field in ["driver: foobar", "driver_opts: {a: b}", "labels: {beep: boop}"] {
            let key = field.split(':').next().unwrap();
            assert_eq!(
                one(&format!(
                    "volumes: {{external_volume: {{name: e, external: true, {field}}}}}"
                )),
                format!(
                    "volumes.external_volume: conflicting parameters \"external\" and \"{key}\" specified"
                )
            );
        }
        // TestValidateSecret-unset-type
        assert_eq!(
            one("secrets: {foo: {name: p_foo}}"),
            "secrets.foo: one of file|environment must be set"
        );
        assert_eq!(
            one("secrets: {s: {file: /a, environment: B}}"),
            "secrets.s: file|environment attributes are mutually exclusive"
        );
        assert_eq!(
            one("configs: {c: {}}"),
            "configs.c: one of file|environment|content must be set"
        );
        assert_eq!(
            one("configs: {c: {file: /x, content: y}}"),
            "configs.c: file|environment|content attributes are mutually exclusive"
        );
    }

    #[test]
    fn dependency_cycles() {
        let dep = "{condition: service_started, required: true}";
        // compose-depends-on-cycle
        let v: Value = serde_yaml::from_str(&format!(
            "services: {{service1: {{image: a, depends_on: {{service2: {dep}}}}}, service2: {{image: a, depends_on: {{service3: {dep}}}}}, service3: {{image: a, depends_on: {{service1: {dep}}}}}}}"
        ))
        .unwrap();
        let p = check(&v, &HashSet::new());
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].message,
            "dependency cycle detected: service1 -> service2 -> service3 -> service1"
        );
        assert_eq!(p[0].path.to_string(), "services.service1.depends_on.service2");
        // compose-depends-on-self
        assert_eq!(
            one(&format!(
                "services: {{service1: {{image: a, depends_on: {{service1: {dep}}}}}}}"
            )),
            "dependency cycle detected: service1 -> service1"
        );
    }

    #[test]
    fn reports_every_problem() {
        let m = messages("services: {a: {scale: -1, depends_on: {x: {condition: service_started}}}, b: {}}");
        assert_eq!(m.len(), 4, "{m:?}");
    }
}

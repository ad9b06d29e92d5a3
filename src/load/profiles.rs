//! Profiles: which services are enabled, and the selection of services a command works on.
//!
//! Runs after normalisation, so implicit dependencies are already in `depends_on`.
use std::collections::{BTreeSet, HashSet};

use crate::diag::Problem;
use crate::graph::Graph;
use crate::diag::yaml_path::YamlPath;
use crate::load::{Mapping, Value};

/// Removes services not enabled by `active` profiles or named in `requested`.
///
/// Dependencies of a requested service are not enabled for it: a required one that is disabled
/// is reported (`no such service: db`), an optional one (`required: false`) is dropped from every
/// depends_on. Without a request, optional dependencies on disabled services stay, as in the
/// reference.
pub fn apply(project: &mut Value, active: &[String], requested: &[String]) -> Vec<Problem> {
    let Some(services) = project.get_mut("services").and_then(Value::as_mapping_mut) else {
        return unknown_requested(requested, &HashSet::new());
    };
    let all: HashSet<String> = services
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let disabled: HashSet<String> = services
        .iter()
        .filter(|(k, s)| !is_enabled(k.as_str().unwrap_or_default(), s, active, requested))
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    services.retain(|k, _| !k.as_str().is_some_and(|k| disabled.contains(k)));
    if !requested.is_empty() {
        for (_, service) in services.iter_mut() {
            drop_optional_dependencies(service, &disabled);
        }
    }
    let mut problems = unknown_requested(requested, &all);
    problems.extend(disabled_dependencies(services, requested, &disabled));
    problems
}

/// The services that the `active` profiles leave out, before any are requested by name: the
/// set the project-wide checks do not look at.
pub fn disabled_by_profiles(project: &Value, active: &[String]) -> HashSet<String> {
    let services = project.get("services").and_then(Value::as_mapping).into_iter().flatten();
    services
        .filter(|(k, s)| !is_enabled(k.as_str().unwrap_or_default(), s, active, &[]))
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect()
}

fn is_enabled(name: &str, service: &Value, active: &[String], requested: &[String]) -> bool {
    let profiles: Vec<&str> = service
        .get("profiles")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    profiles.is_empty()
        || requested.iter().any(|r| r == name)
        || active.iter().any(|a| a == "*" || profiles.contains(&a.as_str()))
}

fn drop_optional_dependencies(service: &mut Value, disabled: &HashSet<String>) {
    if let Some(Value::Mapping(deps)) = service.get_mut("depends_on") {
        deps.retain(|k, d| {
            let gone = k.as_str().is_some_and(|k| disabled.contains(k));
            !(gone && d.get("required") == Some(&Value::Bool(false)))
        });
    }
}

fn unknown_requested(requested: &[String], all: &HashSet<String>) -> Vec<Problem> {
    requested
        .iter()
        .filter(|r| !all.contains(r.as_str()))
        .map(|r| no_such_service(r, YamlPath::of(&["services"])))
        .collect()
}

/// Required dependencies, direct or transitive, of requested services that profiles disabled.
fn disabled_dependencies(
    services: &Mapping,
    requested: &[String],
    disabled: &HashSet<String>,
) -> Vec<Problem> {
    let graph = dependency_graph(services);
    let mut problems = Vec::new();
    for name in graph.with_dependencies(requested) {
        let deps = services
            .get(name.as_str())
            .and_then(|s| s.get("depends_on"))
            .and_then(Value::as_mapping);
        for (dep, _) in deps.into_iter().flatten() {
            let Some(dep) = dep.as_str().filter(|d| disabled.contains(*d)) else {
                continue;
            };
            let path = YamlPath::of(&["services", &name, "depends_on", dep]);
            problems.push(no_such_service(dep, path).with_help(format!(
                "\"{dep}\" is disabled by its profiles: activate one with --profile or name it too"
            )));
        }
    }
    problems
}

fn no_such_service(name: &str, path: YamlPath) -> Problem {
    Problem::error(
        "dockhand::no_such_service",
        path,
        format!("no such service: {name}"),
    )
    .with_help("`dockhand config --services` lists the services of the project")
}

/// The dependency graph of a project's services, from their `depends_on` keys.
pub fn dependency_graph(services: &Mapping) -> Graph {
    Graph::new(services.iter().filter_map(|(k, s)| {
        let deps: Vec<String> = s
            .get("depends_on")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(d, _)| d.as_str().map(str::to_string))
            .collect();
        k.as_str().map(|k| (k.to_string(), deps))
    }))
}

/// Keeps only the requested services and what they depend on (as `config web` prints). An
/// empty request keeps everything.
pub fn select(project: &mut Value, requested: &[String]) -> Vec<Problem> {
    if requested.is_empty() {
        return Vec::new();
    }
    let Some(services) = project.get_mut("services").and_then(Value::as_mapping_mut) else {
        return unknown_requested(requested, &HashSet::new());
    };
    let all: HashSet<String> = services
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let keep: HashSet<String> = dependency_graph(services)
        .with_dependencies(requested)
        .into_iter()
        .collect();
    services.retain(|k, _| k.as_str().is_some_and(|k| keep.contains(k)));
    unknown_requested(requested, &all)
}

/// Every profile named by any service, sorted and without repeats (`config --profiles`).
pub fn all_profiles(project: &Value) -> Vec<String> {
    let services = project
        .get("services")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten();
    let names: BTreeSet<String> = services
        .filter_map(|(_, s)| s.get("profiles").and_then(Value::as_sequence))
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    names.into_iter().collect()
}

/// Drops networks, volumes, secrets and configs no remaining service uses, as the reference
/// does for every command unless `--all-resources` is given.
pub fn remove_unused_resources(project: &mut Value) {
    let used = used_resources(project);
    for (kind, names) in [
        ("networks", &used.networks),
        ("volumes", &used.volumes),
        ("secrets", &used.secrets),
    ]
    .into_iter()
    .chain([("configs", &used.configs)])
    {
        if let Some(defs) = project.get_mut(kind).and_then(Value::as_mapping_mut) {
            defs.retain(|k, _| k.as_str().is_some_and(|k| names.contains(k)));
        }
    }
}

#[derive(Default)]
struct Used {
    networks: HashSet<String>,
    volumes: HashSet<String>,
    secrets: HashSet<String>,
    configs: HashSet<String>,
}

fn used_resources(project: &Value) -> Used {
    let mut used = Used::default();
    let services = project
        .get("services")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten();
    for (_, s) in services {
        let hooks = s
            .get("pre_start")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten();
        for holder in std::iter::once(s).chain(hooks) {
            used.networks.extend(keys(holder.get("networks")));
        }
        for v in items(s.get("volumes")) {
            if v.get("type").and_then(Value::as_str) == Some("volume") {
                used.volumes
                    .extend(v.get("source").and_then(Value::as_str).map(str::to_string));
            }
        }
        let build_secrets = s.get("build").and_then(|b| b.get("secrets"));
        used.secrets.extend(
            items(s.get("secrets"))
                .chain(items(build_secrets))
                .filter_map(source),
        );
        used.configs.extend(items(s.get("configs")).filter_map(source));
    }
    used
}

fn keys(v: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    v.and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
}

fn items(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_sequence).into_iter().flatten()
}

fn source(v: &Value) -> Option<String> {
    v.get("source")
        .or(Some(v))
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECT: &str = r#"
services:
  base: {image: x}
  db: {image: x, profiles: [debug]}
  web: {image: x, profiles: [web], depends_on: {db: {condition: service_started, required: true}}}
  tool: {image: x, profiles: [tools, debug], depends_on: {base: {condition: service_started, required: true}}}
  opt: {image: x, depends_on: {db: {condition: service_started, required: false}}}
"#;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn applied(active: &[&str], requested: &[&str]) -> (Vec<String>, Vec<String>, Value) {
        let mut v: Value = serde_yaml::from_str(PROJECT).unwrap();
        let problems = apply(&mut v, &s(active), &s(requested));
        let names = v["services"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        (names, problems.into_iter().map(|p| p.message).collect(), v)
    }

    #[test]
    fn services_without_profiles_are_always_enabled() {
        let (names, problems, v) = applied(&[], &[]);
        assert_eq!(names, s(&["base", "opt"]));
        assert!(problems.is_empty());
        // Without a request the optional dependency on a disabled service stays, as the
        // reference prints it (its e2e TestUpWithDependencyNotRequired).
        assert_eq!(v["services"]["opt"]["depends_on"].as_mapping().unwrap().len(), 1);
    }

    #[test]
    fn active_profiles_and_star() {
        assert_eq!(applied(&["debug"], &[]).0, s(&["base", "db", "tool", "opt"]));
        assert_eq!(applied(&["*"], &[]).0, s(&["base", "db", "web", "tool", "opt"]));
        assert_eq!(applied(&["nonexist"], &[]).0, s(&["base", "opt"]));
        let (_, _, v) = applied(&["debug"], &[]);
        assert!(v["services"]["opt"]["depends_on"].get("db").is_some());
    }

    /// With no profile given the active one is "" (as the reference splits an empty
    /// COMPOSE_PROFILES), which enables a service that lists the empty profile.
    #[test]
    fn the_empty_profile_is_a_profile() {
        let v: Value = serde_yaml::from_str(
            "services: {a: {profiles: ['']}, b: {profiles: ['', x]}, c: {profiles: [x]}, d: {}}",
        )
        .unwrap();
        let disabled = |active: &[&str]| {
            let active: Vec<String> = active.iter().map(|a| a.to_string()).collect();
            let mut d: Vec<String> = disabled_by_profiles(&v, &active).into_iter().collect();
            d.sort();
            d
        };
        assert_eq!(disabled(&[""]), ["c"]);
        assert_eq!(disabled(&["x"]), ["a"]);
        assert_eq!(disabled(&["x", ""]), Vec::<String>::new());
    }

    #[test]
    fn requested_services_are_enabled_but_not_their_dependencies() {
        let (names, problems, _) = applied(&[], &["tool"]);
        assert_eq!(names, s(&["base", "tool", "opt"]));
        assert!(problems.is_empty());
        let (_, problems, _) = applied(&[], &["web"]);
        assert_eq!(problems, s(&["no such service: db"]));
        let (names, problems, _) = applied(&["debug"], &["web"]);
        assert!(problems.is_empty());
        assert!(names.contains(&"web".to_string()));
        let (_, problems, _) = applied(&[], &["nonexist"]);
        assert_eq!(problems, s(&["no such service: nonexist"]));
    }

    #[test]
    fn selection_keeps_requested_services_and_their_dependencies() {
        let mut v: Value = serde_yaml::from_str(PROJECT).unwrap();
        apply(&mut v, &s(&["debug"]), &s(&["web"]));
        assert!(select(&mut v, &s(&["web"])).is_empty());
        let names: Vec<_> = v["services"]
            .as_mapping()
            .unwrap()
            .keys()
            .filter_map(|k| k.as_str())
            .collect();
        assert_eq!(names, ["db", "web"]);
        assert_eq!(select(&mut v, &s(&["zz"]))[0].message, "no such service: zz");
    }

    #[test]
    fn lists_profiles() {
        let v: Value = serde_yaml::from_str(PROJECT).unwrap();
        assert_eq!(all_profiles(&v), s(&["debug", "tools", "web"]));
    }

    #[test]
    fn unused_resources_are_removed() {
        let mut v: Value = serde_yaml::from_str(
            r#"
services:
  a:
    image: x
    networks: {default: null}
    volumes: [{type: volume, source: v1, target: /a}, {type: bind, source: /v2, target: /b}]
    secrets: [{source: s1}]
    configs: [{source: c1}]
    build: {context: ., secrets: [{source: s2}]}
networks: {default: {}, unused: {}}
volumes: {v1: {}, v2: {}}
secrets: {s1: {}, s2: {}, s3: {}}
configs: {c1: {}, c2: {}}
"#,
        )
        .unwrap();
        remove_unused_resources(&mut v);
        let names = |k: &str| -> Vec<String> {
            v[k].as_mapping()
                .unwrap()
                .keys()
                .map(|k| k.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names("networks"), s(&["default"]));
        assert_eq!(names("volumes"), s(&["v1"]));
        assert_eq!(names("secrets"), s(&["s1", "s2"]));
        assert_eq!(names("configs"), s(&["c1"]));
    }
}

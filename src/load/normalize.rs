//! The reference's normalisation of a merged project: default network, names prefixed with the
//! project, implicit dependencies, build defaults.
//!
//! Works on the canonical long form and is idempotent. It only fills in and rewrites; checks
//! that reject a project live in `consistency`.
use crate::containers::names;
use crate::load::{Env, Mapping, Value};

/// Top-level resources whose `name` gets the project prefix.
const RESOURCES: [&str; 4] = ["networks", "volumes", "secrets", "configs"];

/// Service fields that say how to reach another service's container, and so make it a dependency
/// that must be restarted with it.
const SERVICE_MODES: [&str; 4] = ["network_mode", "ipc", "pid", "uts"];

/// Service fields a `pre_start` hook does not inherit: they describe the long-running container
/// (its lifecycle, exposure and storage), not the environment a one-off step runs in. The
/// command is inherited: the reference prints the service's command in a hook that names none.
const NOT_INHERITED_BY_HOOKS: [&str; 21] = [
    "attach",
    "build",
    "container_name",
    "depends_on",
    "deploy",
    "develop",
    "expose",
    "extends",
    "external_links",
    "healthcheck",
    "links",
    "ports",
    "post_start",
    "pre_start",
    "pre_stop",
    "profiles",
    "restart",
    "scale",
    "stdin_open",
    "tty",
    "volumes",
];

pub fn normalize(project: &mut Value, project_name: &str, env: &Env) {
    for kind in RESOURCES {
        if let Some(defs) = project.get_mut(kind).and_then(Value::as_mapping_mut) {
            name_resources(defs, project_name);
        }
    }
    let mut uses_default = false;
    if let Some(services) = project.get_mut("services").and_then(Value::as_mapping_mut) {
        for (_, service) in services.iter_mut() {
            if let Value::Mapping(s) = service {
                uses_default |= normalize_service(s, env);
            }
        }
    }
    if uses_default {
        add_default_network(project, project_name);
    }
}

fn name_resources(defs: &mut Mapping, project_name: &str) {
    for (key, def) in defs.iter_mut() {
        let key = key.as_str().unwrap_or_default().to_string();
        if def.is_null() {
            *def = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(m) = def else { continue };
        if !m.contains_key("name") {
            let name = if is_true(m.get("external")) {
                key.clone()
            } else {
                names::resource(project_name, &key, None)
            };
            insert_first(m, "name", Value::String(name));
        }
    }
}

/// Returns whether the service is attached to the default network.
fn normalize_service(s: &mut Mapping, env: &Env) -> bool {
    if let Some(Value::Mapping(build)) = s.get_mut("build") {
        normalize_build(build, env);
    }
    if let Some(Value::Mapping(vars)) = s.get_mut("environment") {
        resolve_from_env(vars, env, false);
    }
    if s.get("pull_policy").and_then(Value::as_str) == Some("if_not_present") {
        s.insert("pull_policy".into(), "missing".into());
    }
    secret_targets(s);
    add_implicit_dependencies(s);
    let uses_default = default_networks(s);
    inherit_into_hooks(s);
    uses_default
}

fn normalize_build(build: &mut Mapping, env: &Env) {
    if !build.contains_key("context") {
        build.insert("context".into(), ".".into());
    }
    if !build.contains_key("dockerfile") && !build.contains_key("dockerfile_inline") {
        build.insert("dockerfile".into(), "Dockerfile".into());
    }
    if let Some(Value::Mapping(args)) = build.get_mut("args") {
        resolve_from_env(args, env, true);
    }
}

/// Bare names take their value from the environment; build args without one are dropped,
/// environment entries stay bare (the container then does not get the variable).
fn resolve_from_env(vars: &mut Mapping, env: &Env, drop_unset: bool) {
    vars.retain(|k, v| {
        if !v.is_null() {
            return true;
        }
        match k.as_str().and_then(|k| env.get(k)) {
            Some(value) => {
                *v = Value::String(value.clone());
                true
            }
            None => !drop_unset,
        }
    });
}

/// `secrets: [s]` is mounted at `/run/secrets/s`. The reference fills that in as it loads
/// the files, so `config --no-normalize` shows it too.
pub fn default_secret_targets(project: &mut Value) {
    if let Some(services) = project.get_mut("services").and_then(Value::as_mapping_mut) {
        services.values_mut().filter_map(Value::as_mapping_mut).for_each(secret_targets);
    }
}

fn secret_targets(s: &mut Mapping) {
    let Some(Value::Sequence(secrets)) = s.get_mut("secrets") else {
        return;
    };
    for secret in secrets.iter_mut().filter_map(Value::as_mapping_mut) {
        let target = match secret.get("source").and_then(Value::as_str) {
            Some(source) if !secret.contains_key("target") => format!("/run/secrets/{source}"),
            _ => continue,
        };
        secret.insert("target".into(), Value::String(target));
    }
}

/// Services named by links, volumes_from and `service:` modes become dependencies; an explicit
/// depends_on entry for the same service always wins.
fn add_implicit_dependencies(s: &mut Mapping) {
    let implicit = implicit_dependencies(s);
    if implicit.is_empty() {
        return;
    }
    if !matches!(s.get("depends_on"), Some(Value::Mapping(_))) {
        s.insert("depends_on".into(), Value::Mapping(Mapping::new()));
    }
    let Some(Value::Mapping(deps)) = s.get_mut("depends_on") else {
        return;
    };
    for (name, restart) in implicit {
        if !deps.contains_key(name.as_str()) {
            deps.insert(name.into(), dependency(restart));
        }
    }
}

/// (service, restart) pairs in the order the fields appear in the reference's model. A
/// service named by several fields restarts its dependent when any of them says so: only
/// `volumes_from` alone does not.
pub fn implicit_dependencies(s: &Mapping) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut add = |name: &str, restart: bool| match out.iter_mut().find(|(n, _)| n == name) {
        Some((_, r)) => *r |= restart,
        None => out.push((name.to_string(), restart)),
    };
    for link in strings(s.get("links")) {
        add(link.split(':').next().unwrap_or(link), true);
    }
    for from in strings(s.get("volumes_from")) {
        // The reference takes the first `:` field as the service unless it says `container`.
        match from.split(':').next() {
            Some("container") | None => {}
            Some(name) => add(name, false),
        }
    }
    for mode in SERVICE_MODES.iter().chain(["cgroup"].iter()) {
        if let Some(name) = s.get(*mode).and_then(Value::as_str).and_then(|m| m.strip_prefix("service:")) {
            add(name, true);
        }
    }
    out
}

/// `restart` is written even when false: the reference's uninterpolated model shows it (its
/// typed model leaves a false one out, as `bind` does).
fn dependency(restart: bool) -> Value {
    let mut m = Mapping::new();
    m.insert("condition".into(), "service_started".into());
    m.insert("restart".into(), Value::Bool(restart));
    m.insert("required".into(), Value::Bool(true));
    Value::Mapping(m)
}

/// A service without network_mode and without networks joins the default network.
/// An empty `networks` counts as none, as in the reference.
fn default_networks(s: &mut Mapping) -> bool {
    let has_networks = matches!(s.get("networks"), Some(Value::Mapping(m)) if !m.is_empty());
    if !has_networks {
        s.remove("networks");
    }
    if !has_networks && !s.contains_key("network_mode") && !s.contains_key("provider") {
        let mut n = Mapping::new();
        n.insert("default".into(), Value::Null);
        s.insert("networks".into(), Value::Mapping(n));
    }
    matches!(s.get("networks"), Some(Value::Mapping(n)) if n.contains_key("default"))
}

/// `pre_start` hooks run in containers configured like the service unless they say otherwise;
/// environments merge, the hook's values winning.
fn inherit_into_hooks(s: &mut Mapping) {
    let Some(Value::Sequence(hooks)) = s.get("pre_start") else {
        return;
    };
    let hooks: Vec<Value> = hooks.iter().map(|h| inherited_hook(s, h)).collect();
    s.insert("pre_start".into(), Value::Sequence(hooks));
}

fn inherited_hook(s: &Mapping, hook: &Value) -> Value {
    let Value::Mapping(own) = hook else {
        return hook.clone();
    };
    let mut out = own.clone();
    for (k, v) in s {
        let key = k.as_str().unwrap_or_default();
        if NOT_INHERITED_BY_HOOKS.contains(&key) || key.starts_with("x-") {
            continue;
        }
        match (out.get_mut(key), v) {
            (Some(Value::Mapping(mine)), Value::Mapping(theirs)) if key == "environment" => {
                let mut merged = theirs.clone();
                merged.extend(mine.iter().map(|(a, b)| (a.clone(), b.clone())));
                *mine = merged;
            }
            (Some(_), _) => {}
            (None, _) => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Mapping(out)
}

fn add_default_network(project: &mut Value, project_name: &str) {
    let Value::Mapping(root) = project else { return };
    if !matches!(root.get("networks"), Some(Value::Mapping(_))) {
        root.insert("networks".into(), Value::Mapping(Mapping::new()));
    }
    let Some(Value::Mapping(networks)) = root.get_mut("networks") else {
        return;
    };
    if !networks.contains_key("default") {
        let mut def = Mapping::new();
        def.insert("name".into(), Value::String(names::resource(project_name, "default", None)));
        insert_first(networks, "default", Value::Mapping(def));
    }
}

fn insert_first(m: &mut Mapping, key: &str, value: Value) {
    let rest = std::mem::take(m);
    m.insert(key.into(), value);
    m.extend(rest.into_iter().filter(|(k, _)| k.as_str() != Some(key)));
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

fn strings(v: Option<&Value>) -> impl Iterator<Item = &str> {
    v.and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    fn normalized(input: &str, e: &Env) -> Value {
        let mut v = yaml(input);
        normalize(&mut v, "myproject", e);
        v
    }

    #[test]
    fn names_resources_and_adds_the_default_network() {
        let v = normalized(
            r#"
services:
  a: {image: x}
  b: {image: x, networks: {mynet: null, ext: null}}
networks:
  mynet: {}
  ext: {external: true}
  custom: {name: CustomName}
volumes:
  myvol: null
  extvol: {external: true}
secrets: {s: {file: /s}, es: {external: true}}
configs: {c: {content: hi}}
"#,
            &Env::new(),
        );
        let expected = yaml(
            r#"
services:
  a: {image: x, networks: {default: null}}
  b: {image: x, networks: {mynet: null, ext: null}}
networks:
  default: {name: myproject_default}
  mynet: {name: myproject_mynet}
  ext: {name: ext, external: true}
  custom: {name: CustomName}
volumes:
  myvol: {name: myproject_myvol}
  extvol: {name: extvol, external: true}
secrets: {s: {name: myproject_s, file: /s}, es: {name: es, external: true}}
configs: {c: {name: myproject_c, content: hi}}
"#,
        );
        assert_eq!(v, expected);
    }

    #[test]
    fn no_default_network_when_nobody_uses_it() {
        let v = normalized(
            "services: {a: {image: x, network_mode: host}, p: {provider: {type: t}}, b: {image: x, networks: {n: null}}}\nnetworks: {n: {}}",
            &Env::new(),
        );
        assert!(v["networks"].get("default").is_none());
        assert!(v["services"]["a"].get("networks").is_none());
        assert!(v["services"]["p"].get("networks").is_none());
        let v = normalized("services: {a: {image: x, networks: {}}}", &Env::new());
        assert_eq!(v["services"]["a"]["networks"], yaml("{default: null}"));
    }

    #[test]
    fn build_defaults_and_args_from_env() {
        let v = normalized(
            r#"
services:
  a: {build: {context: /p, args: {FOO: null, ZOT: null, X: "1"}}}
  b: {build: {}}
  c: {build: {context: /p, dockerfile_inline: FROM x}}
"#,
            &env(&[("FOO", "BAR")]),
        );
        let s = &v["services"];
        assert_eq!(
            s["a"]["build"],
            yaml("{context: /p, args: {FOO: BAR, X: '1'}, dockerfile: Dockerfile}")
        );
        assert_eq!(s["b"]["build"], yaml("{context: ., dockerfile: Dockerfile}"));
        assert!(s["c"]["build"].get("dockerfile").is_none());
    }

    #[test]
    fn environment_bare_names_from_env() {
        let v = normalized(
            "services: {a: {image: x, environment: {FOO: null, BAR: null, ZOT: QIX}}}",
            &env(&[("BAR", "bar"), ("ZOT", "zot")]),
        );
        assert_eq!(
            v["services"]["a"]["environment"],
            yaml("{FOO: null, BAR: bar, ZOT: QIX}")
        );
    }

    #[test]
    fn implicit_dependencies_never_override_explicit_ones() {
        let v = normalized(
            r#"
services:
  a:
    image: x
    network_mode: service:b
    volumes_from: [c, "d:ro", "container:foo"]
    links: [e, "f:alias"]
    ipc: service:g
    pid: service:h
    uts: service:i
    cgroup: service:j
    depends_on:
      c: {condition: service_healthy, required: false}
"#,
            &Env::new(),
        );
        let a = &v["services"]["a"];
        let started = yaml("{condition: service_started, restart: true, required: true}");
        assert_eq!(
            a["depends_on"]["c"],
            yaml("{condition: service_healthy, required: false}")
        );
        assert_eq!(
            a["depends_on"]["d"],
            yaml("{condition: service_started, restart: false, required: true}")
        );
        for s in ["b", "e", "f", "g", "h", "i", "j"] {
            assert_eq!(a["depends_on"][s], started, "{s}");
        }
        assert!(a["depends_on"].get("foo").is_none());
        assert!(a["depends_on"].get("container").is_none());
        assert!(a.get("networks").is_none());
    }

    #[test]
    fn pull_policy_and_secret_targets() {
        let v = normalized(
            "services: {a: {image: x, pull_policy: if_not_present, secrets: [{source: s}, {source: t, target: /t}]}}",
            &Env::new(),
        );
        let a = &v["services"]["a"];
        assert_eq!(a["pull_policy"], "missing");
        assert_eq!(
            a["secrets"],
            yaml("[{source: s, target: /run/secrets/s}, {source: t, target: /t}]")
        );
    }

    #[test]
    fn pre_start_hooks_inherit_the_service_setup() {
        let v = normalized(
            r#"
services:
  a:
    image: x
    user: root
    working_dir: /w
    environment: {A: b, C: d}
    ports: [{target: 80}]
    pre_start: [{command: [ls], image: y, environment: {A: z}}, {command: [ls]}]
"#,
            &Env::new(),
        );
        let hooks = &v["services"]["a"]["pre_start"];
        assert_eq!(
            hooks[0],
            yaml("{command: [ls], image: y, environment: {A: z, C: d}, user: root, working_dir: /w, networks: {default: null}}")
        );
        assert_eq!(hooks[1]["image"], "x");
        assert!(hooks[1].get("ports").is_none());
    }

    #[test]
    fn pre_start_hooks_inherit_the_command_but_not_volumes_or_external_links() {
        let v = normalized(
            "services:\n  a:\n    image: x\n    command: [run]\n    volumes: [{type: volume, target: /d}]\n    \
             external_links: [c]\n    x-e: 1\n    pre_start: [{image: y, x-h: 1}]\n",
            &Env::new(),
        );
        assert_eq!(
            v["services"]["a"]["pre_start"][0],
            yaml("{image: y, x-h: 1, command: [run], networks: {default: null}}")
        );
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        let input = "services: {a: {build: {}, links: [b]}, b: {image: x}}\nvolumes: {v: {}}";
        let once = normalized(input, &Env::new());
        let mut twice = once.clone();
        normalize(&mut twice, "myproject", &Env::new());
        assert_eq!(once, twice);
    }
}

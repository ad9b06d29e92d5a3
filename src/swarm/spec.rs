//! Service specs made comparable: the engine fills defaults into what it stores, puts network
//! ids where names were sent, and keeps config and secret ids; the normalised view drops all
//! that, so that an unchanged file compares equal to what it deployed, and the field-level
//! differences of a changed one read as the file's keys (`environment.MODE: "dev" → "prod"`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::engine::swarm::api;
use crate::plan::diff::FieldChange;

/// What the engine stores when the spec leaves a field out: equal to leaving it out.
fn defaults() -> Vec<(String, Value)> {
    let ns = |s: u64| Value::from(s * 1_000_000_000);
    let mut d = vec![
        ("TaskTemplate.ContainerSpec.StopGracePeriod".to_string(), ns(10)),
        ("TaskTemplate.ContainerSpec.Isolation".to_string(), Value::from("default")),
        ("TaskTemplate.Runtime".to_string(), Value::from("container")),
        ("TaskTemplate.RestartPolicy.Condition".to_string(), Value::from("any")),
        ("TaskTemplate.RestartPolicy.Delay".to_string(), ns(5)),
        ("EndpointSpec.Mode".to_string(), Value::from("vip")),
    ];
    for policy in ["UpdateConfig", "RollbackConfig"] {
        d.push((format!("{policy}.Parallelism"), Value::from(1)));
        d.push((format!("{policy}.FailureAction"), Value::from("pause")));
        d.push((format!("{policy}.Monitor"), ns(5)));
        d.push((format!("{policy}.Order"), Value::from("stop-first")));
    }
    d
}

/// The comparable view of a spec. `networks` maps network ids to names.
pub fn normalise(spec: &api::ServiceSpec, networks: &BTreeMap<String, String>) -> Value {
    let mut v = serde_json::to_value(spec).unwrap_or(Value::Null);
    if let Some(mode) = v.get_mut("Mode") {
        *mode = Value::from(mode_text(mode));
    }
    if let Some(task) = v.get_mut("TaskTemplate").and_then(Value::as_object_mut) {
        task.remove("ForceUpdate");
        if let Some(Value::Array(nets)) = task.get_mut("Networks") {
            for n in nets.iter_mut() {
                if let Some(Value::String(t)) = n.get_mut("Target") {
                    if let Some(name) = networks.get(t.as_str()) {
                        *t = name.clone();
                    }
                }
            }
        }
        keyed(task, "Networks", &["Target"]);
        if let Some(c) = task.get_mut("ContainerSpec").and_then(Value::as_object_mut) {
            strip_ids(c, "Secrets", "SecretID");
            strip_ids(c, "Configs", "ConfigID");
            keyed(c, "Secrets", &["File", "Name"]);
            keyed(c, "Configs", &["File", "Name"]);
            keyed(c, "Mounts", &["Target"]);
            if let Some(Value::Array(env)) = c.get("Env") {
                let map: Map<String, Value> = env
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|e| match e.split_once('=') {
                        Some((k, v)) => (k.to_string(), Value::from(v)),
                        None => (e.to_string(), Value::Null),
                    })
                    .collect();
                c.insert("Env".into(), Value::Object(map));
            }
        }
    }
    for (path, default) in defaults() {
        remove_if(&mut v, &path, &default);
    }
    prune(&mut v);
    v
}

/// A mode as one comparable word: an empty `Global` object must not vanish with the empties.
fn mode_text(mode: &Value) -> String {
    let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64);
    if let Some(r) = mode.get("Replicated") {
        format!("replicated:{}", n(r, "Replicas").unwrap_or(1))
    } else if let Some(j) = mode.get("ReplicatedJob") {
        format!("replicated-job:{}/{}", n(j, "MaxConcurrent").unwrap_or(1), n(j, "TotalCompletions").unwrap_or(1))
    } else if mode.get("GlobalJob").is_some() {
        "global-job".to_string()
    } else if mode.get("Global").is_some() {
        "global".to_string()
    } else {
        "replicated:1".to_string()
    }
}

fn strip_ids(c: &mut Map<String, Value>, list: &str, id: &str) {
    if let Some(Value::Array(items)) = c.get_mut(list) {
        for i in items.iter_mut().filter_map(Value::as_object_mut) {
            i.remove(id);
        }
    }
}

/// A list of objects as an object keyed by a field of each, so that a difference names the
/// item (`configs./etc/app.ConfigName: …`). A list with a key twice stays a list.
fn keyed(parent: &mut Map<String, Value>, list: &str, key: &[&str]) {
    let Some(Value::Array(items)) = parent.get(list) else { return };
    let mut map = Map::new();
    for item in items {
        let k = key.iter().try_fold(item, |v, part| v.get(part)).and_then(Value::as_str);
        match k {
            Some(k) if !map.contains_key(k) => {
                map.insert(k.to_string(), item.clone());
            }
            _ => return,
        }
    }
    parent.insert(list.to_string(), Value::Object(map));
}

fn remove_if(v: &mut Value, path: &str, default: &Value) {
    let (parent, last) = match path.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, path),
    };
    let mut at = v;
    for part in parent.into_iter().flat_map(|p| p.split('.')) {
        match at.get_mut(part) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Some(o) = at.as_object_mut() {
        if o.get(last) == Some(default) {
            o.remove(last);
        }
    }
}

/// Drops what equals leaving it out: nulls, `false`, zeros, empty strings, lists and objects.
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Object(o) => {
            o.retain(|_, child| !prune(child));
            o.is_empty()
        }
        Value::Array(a) => {
            for child in a.iter_mut() {
                prune(child);
            }
            a.is_empty()
        }
        Value::Null => true,
        Value::Bool(b) => !*b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
    }
}

/// The differences between two normalised specs, each read `key: old → new`, with the file's
/// names for the spec's fields where there is one.
pub fn differences(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff("", old, new, &mut out);
    out
}

fn diff(path: &str, old: &Value, new: &Value, out: &mut Vec<FieldChange>) {
    if old == new {
        return;
    }
    if let (Value::Object(a), Value::Object(b)) = (old, new) {
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            diff(&child, a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null), out);
        }
        return;
    }
    out.push(FieldChange::Changed { path: file_key(path), old: text(old), new: text(new) });
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        other => other.to_string(),
    }
}

/// Spec paths under the compose keys they come from, longest prefix first.
const KEYS: &[(&str, &str)] = &[
    ("TaskTemplate.ContainerSpec.Env", "environment"),
    ("TaskTemplate.ContainerSpec.Args", "command"),
    ("TaskTemplate.ContainerSpec.Command", "entrypoint"),
    ("TaskTemplate.ContainerSpec.Image", "image"),
    ("TaskTemplate.ContainerSpec.Labels", "labels"),
    ("TaskTemplate.ContainerSpec.Mounts", "volumes"),
    ("TaskTemplate.ContainerSpec.Secrets", "secrets"),
    ("TaskTemplate.ContainerSpec.Configs", "configs"),
    ("TaskTemplate.ContainerSpec.HealthCheck", "healthcheck"),
    ("TaskTemplate.ContainerSpec.Dir", "working_dir"),
    ("TaskTemplate.ContainerSpec.User", "user"),
    ("TaskTemplate.ContainerSpec.Hostname", "hostname"),
    ("TaskTemplate.ContainerSpec.Hosts", "extra_hosts"),
    ("TaskTemplate.ContainerSpec.StopGracePeriod", "stop_grace_period"),
    ("TaskTemplate.ContainerSpec.StopSignal", "stop_signal"),
    ("TaskTemplate.ContainerSpec", "service"),
    ("TaskTemplate.Resources", "deploy.resources"),
    ("TaskTemplate.RestartPolicy", "deploy.restart_policy"),
    ("TaskTemplate.Placement", "deploy.placement"),
    ("TaskTemplate.Networks", "networks"),
    ("TaskTemplate.LogDriver", "logging"),
    ("Labels", "deploy.labels"),
    ("Mode", "deploy.mode/replicas"),
    ("UpdateConfig", "deploy.update_config"),
    ("RollbackConfig", "deploy.rollback_config"),
    ("EndpointSpec.Ports", "ports"),
    ("EndpointSpec.Mode", "deploy.endpoint_mode"),
];

fn file_key(path: &str) -> String {
    for (prefix, key) in KEYS {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.is_empty() || rest.starts_with('.') {
                return format!("{key}{rest}");
            }
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: Value) -> api::ServiceSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn engine_defaults_and_ids_compare_equal_to_what_was_sent() {
        let sent = spec(json!({
            "Name": "app_web",
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Env": ["A=1"],
                "Configs": [{"File": {"Name": "/c", "UID": "0", "GID": "0", "Mode": 292}, "ConfigName": "app_c_1"}]},
                "Networks": [{"Target": "app_default", "Aliases": ["web"]}]},
            "Mode": {"Replicated": {}}
        }));
        let stored = spec(json!({
            "Name": "app_web",
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Env": ["A=1"], "Isolation": "default",
                "StopGracePeriod": 10000000000u64, "Privileges": {"NoNewPrivileges": false}, "DNSConfig": {},
                "Configs": [{"File": {"Name": "/c", "UID": "0", "GID": "0", "Mode": 292}, "ConfigName": "app_c_1", "ConfigID": "x1"}]},
                "Resources": {}, "Placement": {}, "ForceUpdate": 0, "Runtime": "container",
                "RestartPolicy": {"Condition": "any", "Delay": 5000000000u64, "MaxAttempts": 0},
                "Networks": [{"Target": "id1", "Aliases": ["web"]}]},
            "Mode": {"Replicated": {"Replicas": 1}},
            "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5000000000u64, "MaxFailureRatio": 0, "Order": "stop-first"},
            "EndpointSpec": {"Mode": "vip"}
        }));
        let nets = BTreeMap::from([("id1".to_string(), "app_default".to_string())]);
        assert_eq!(normalise(&sent, &nets), normalise(&stored, &nets));
    }

    #[test]
    fn changes_read_as_the_file_keys() {
        let a = spec(json!({"TaskTemplate": {"ContainerSpec": {"Env": ["MODE=dev"]}}, "Mode": {"Global": {}}}));
        let b = spec(
            json!({"TaskTemplate": {"ContainerSpec": {"Env": ["MODE=prod"]}}, "Mode": {"Replicated": {"Replicas": 2}}}),
        );
        let none = BTreeMap::new();
        let d: Vec<String> =
            differences(&normalise(&a, &none), &normalise(&b, &none)).iter().map(ToString::to_string).collect();
        assert_eq!(
            d,
            vec!["deploy.mode/replicas: \"global\" → \"replicated:2\"", "environment.MODE: \"dev\" → \"prod\""]
        );
    }
}

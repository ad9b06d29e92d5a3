//! The canonical form of the reference's uninterpolated model (`config --no-interpolate`).
//!
//! Without interpolation the reference prints the file as a tree, not as its typed model:
//! only the short forms its loader rewrites structurally are expanded (build, depends_on,
//! env_file, extends, networks, volumes, ports, secrets, configs, devices, gpus, dns,
//! label_file, legacy `external.name`, include), and everything else stays as written. An
//! entry that does not parse because it holds a `${VAR}` stays as written too; for ports,
//! one such entry keeps the whole list as written, as the reference does.
use std::path::Path;

use super::{
    depends_on, device, env_file, legacy_external_name, walk, list_to_null_map, map_seq,
    one_or_many, parse_port, parse_volume, promote_x_develop, scalar_string, service_ports,
    short_build, short_to_map, source_ref, to_map, watch_rule_shape, with, Ctx, Null,
};
use crate::diag::Problem;
use crate::load::{Mapping, Value};

pub fn canonicalize_model(value: Value, file: &Path) -> (Value, Vec<Problem>) {
    walk(value, file, service, legacy_external_name)
}

fn service(m: &mut Mapping, cx: &mut Ctx) {
    promote_x_develop(m, &cx.path);
    if let Some(Value::Sequence(rules)) = m.get_mut("develop").and_then(|d| d.get_mut("watch")) {
        rules.iter_mut().filter_map(Value::as_mapping_mut).for_each(watch_rule_shape);
    }
    with(m, "depends_on", depends_on);
    with(m, "networks", list_to_null_map);
    with(m, "env_file", env_file);
    for key in ["dns", "label_file"] {
        with(m, key, one_or_many);
    }
    for key in ["secrets", "configs"] {
        with(m, key, |v| map_seq(v, source_ref));
    }
    with(m, "devices", |v| map_seq(v, device));
    with(m, "extends", |v| short_to_map(v, "service"));
    // `gpus: all` is `count: all` in the tree; the typed model's -1 comes later.
    with(m, "gpus", |v| match v {
        Value::String(s) if s == "all" => gpus_all(),
        other => other,
    });
    with(m, "volumes", |v| map_seq(v, volume));
    if let Some(Value::Mapping(b)) = m.get_mut("build").map(short_build) {
        with(b, "secrets", |v| map_seq(v, source_ref));
        with(b, "additional_contexts", |v| to_map(v, Null::Empty));
        with(b, "ssh", ssh);
    }
    if let Some(Value::Sequence(ports)) = m.get_mut("ports") {
        if ports.iter().all(parses_as_port) {
            // Every entry parses, so the one-entry lists below report nothing.
            *ports = std::mem::take(ports)
                .into_iter()
                .flat_map(|p| match p {
                    Value::Mapping(_) => vec![long_port(p)],
                    short => service_ports(vec![short], &mut cx.at("ports")),
                })
                .collect();
        }
    }
}

/// A long-form port gets the defaults the reference's loader writes into the tree (`mode:
/// ingress`, `protocol: tcp`); its `published` stays as written.
fn long_port(v: Value) -> Value {
    let Value::Mapping(mut m) = v else { return v };
    for (key, default) in [("mode", "ingress"), ("protocol", "tcp")] {
        m.entry(key.into()).or_insert_with(|| default.into());
    }
    Value::Mapping(m)
}

/// The tree keeps `create_host_path: true` where the typed model leaves the default out: in
/// every bind mount written short, and in every `bind:` (also that of a short volume's
/// `:z`/`:Z` option).
fn volume(v: Value) -> Value {
    let (mut v, short) = match &v {
        Value::String(s) => (parse_volume(s).unwrap_or(v), true),
        _ => (v, false),
    };
    let is_bind = v.get("type").and_then(Value::as_str) == Some("bind");
    if let Value::Mapping(m) = &mut v {
        if m.contains_key("bind") || (is_bind && short) {
            let bind = m
                .entry("bind".into())
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            if let Value::Mapping(b) = bind {
                b.entry("create_host_path".into()).or_insert(Value::Bool(true));
            }
        }
    }
    v
}

fn gpus_all() -> Value {
    Value::Sequence(vec![Value::Mapping(Mapping::from_iter([(Value::from("count"), Value::from("all"))]))])
}

/// `[id=path, default]` → `{id: path, default: null}`; a list it cannot read stays as written.
fn ssh(v: Value) -> Value {
    let Value::Sequence(items) = &v else { return v };
    let entry = |item: &Value| match item.as_str()?.split_once('=') {
        Some((id, path)) => Some((Value::from(id), Value::from(path))),
        None if item.as_str() == Some("default") => Some((Value::from("default"), Value::Null)),
        None => None,
    };
    items
        .iter()
        .map(entry)
        .collect::<Option<Mapping>>()
        .map_or(v, Value::Mapping)
}

fn parses_as_port(v: &Value) -> bool {
    match v {
        Value::Mapping(_) => true,
        other => scalar_string(other).is_some_and(|s| parse_port(&s).is_ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(yaml: &str) -> (serde_json::Value, Vec<Problem>) {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        let (v, problems) = canonicalize_model(v, Path::new("compose.yaml"));
        (serde_json::to_value(v).unwrap(), problems)
    }

    #[test]
    fn structural_short_forms_are_expanded_and_the_rest_kept() {
        let (v, problems) = model(
            "services:\n  a:\n    build: .\n    depends_on: [db]\n    environment: [A=1]\n    \
             command: echo hi\n    networks: [n]\n    volumes: ['data:/data']\n    ports: ['80:80']\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let a = &v["services"]["a"];
        assert_eq!(a["build"], serde_json::json!({"context": "."}));
        assert_eq!(a["depends_on"]["db"]["required"], true);
        assert_eq!(a["environment"], serde_json::json!(["A=1"]));
        assert_eq!(a["command"], "echo hi");
        assert_eq!(a["networks"], serde_json::json!({"n": null}));
        assert_eq!(a["volumes"][0]["source"], "data");
        assert_eq!(a["ports"][0]["target"], 80);
    }

    #[test]
    fn build_ssh_becomes_a_mapping() {
        let (v, _) =
            model("services:\n  a:\n    build:\n      context: .\n      ssh: [default, key=./id_rsa]\n");
        assert_eq!(
            v["services"]["a"]["build"]["ssh"],
            serde_json::json!({"default": null, "key": "./id_rsa"})
        );
    }

    #[test]
    fn bind_mounts_say_create_host_path_and_variables_stay_whole() {
        let (v, _) = model(
            "services:\n  a:\n    volumes:\n      - ./c:/c:ro\n      - {type: bind, source: ./a, target: /a}\n      \
             - '${Y:-/y}:${Z:-/z}:ro'\n",
        );
        let vols = &v["services"]["a"]["volumes"];
        assert_eq!(vols[0]["bind"], serde_json::json!({"create_host_path": true}));
        assert!(vols[1].get("bind").is_none());
        assert_eq!(vols[2]["source"], "${Y:-/y}");
        assert_eq!(vols[2]["target"], "${Z:-/z}");
        assert_eq!(vols[2]["read_only"], true);
    }

    #[test]
    fn one_unparsable_port_keeps_the_whole_list_as_written() {
        let (v, problems) = model("services:\n  a:\n    ports: ['${P:-8080}:80', '81']\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            v["services"]["a"]["ports"],
            serde_json::json!(["${P:-8080}:80", "81"])
        );
    }
}

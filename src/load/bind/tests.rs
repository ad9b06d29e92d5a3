use std::path::Path;

use serde_json::Value as Json;

use super::*;
use crate::load::{canonical, yaml};


fn load(text: &str) -> Result<Project, Vec<Problem>> {
    let parsed = yaml::parse(Path::new("compose.yaml"), text).unwrap();
    let (value, problems) = canonical::canonicalize(parsed.value, Path::new("compose.yaml"));
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    bind(value)
}

/// Every difference between two JSON values, by path, so a failure shows all of them.
fn diff(path: &str, a: &Json, e: &Json, out: &mut Vec<String>) {
    match (a, e) {
        (Json::Object(a), Json::Object(e)) => {
            for k in a.keys().chain(e.keys().filter(|k| !a.contains_key(*k))) {
                match (a.get(k), e.get(k)) {
                    (Some(x), Some(y)) => diff(&format!("{path}.{k}"), x, y, out),
                    (x, y) => out.push(format!("{path}.{k}: ours {x:?}, reference {y:?}")),
                }
            }
        }
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => {
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if a == e => {}
        _ => out.push(format!("{path}: ours {a}, reference {e}")),
    }
}

/// The golden output of the reference for full-example.yml, against canonicalize + bind.
/// Skipped, because other phases do them: interpolation (the one variable is substituted in
/// the text here), path resolution (the golden paths are made relative again), env_file and
/// label_file resolution (environment and labels are checked as subsets), and the defaulted
/// build context of `bar` (normalisation).
#[test]
fn full_example_round_trips() {
    let Some(fixture) = crate::conformance::path("fixtures/compose-go-full-example") else {
        return;
    };
    let text = std::fs::read_to_string(fixture.join("full-example.yml"))
        .unwrap()
        .replace("${COMPOSE_PROJECT_NAME}", "full_example_project_name");
    let project = load(&text).unwrap();
    let mut ours = serde_json::to_value(project.json_view()).unwrap();
    let golden = std::fs::read_to_string(fixture.join("expected-config.json"))
        .unwrap()
        .replace("__WORKDIR__/", "./")
        .replace("__WORKDIR__", ".")
        .replace("__HOME__", "~");
    let mut golden: Json = serde_json::from_str(&golden).unwrap();

    let foo_ours = ours["services"]["foo"].as_object_mut().unwrap();
    let foo_golden = golden["services"]["foo"].as_object_mut().unwrap();
    for key in ["environment", "labels"] {
        let (o, g) = (foo_ours.remove(key).unwrap(), foo_golden.remove(key).unwrap());
        for (k, v) in o.as_object().unwrap() {
            assert!(
                v.is_null() || g.get(k) == Some(v),
                "{key}.{k}: {v} vs {:?}",
                g.get(k)
            );
        }
    }
    golden["services"]["bar"]["build"]
        .as_object_mut()
        .unwrap()
        .remove("context");

    let mut differences = Vec::new();
    diff("", &ours, &golden, &mut differences);
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn extensions_are_kept_for_yaml_and_dropped_below_top_level_for_json() {
    let p = load("services:\n  a:\n    image: x\n    x-foo: 1\nx-top: 2\n").unwrap();
    let yaml = serde_json::to_value(&p).unwrap();
    assert_eq!(yaml["services"]["a"]["x-foo"], 1);
    let json = serde_json::to_value(p.json_view()).unwrap();
    assert!(json["services"]["a"].get("x-foo").is_none());
    assert_eq!(json["x-top"], 2);
}

#[test]
fn reports_every_bad_entry_with_its_path() {
    let problems = load(
        "services:\n  a:\n    image: x\n    restart: sometimes\n  b:\n    ports: [{target: huge}]\n\
         volumes:\n  v:\n    external: maybe\n",
    )
    .unwrap_err();
    let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "services.a.restart",
            "services.b.ports[0].target",
            "volumes.v.external"
        ]
    );
}

#[test]
fn prints_nulls_and_defaults_like_the_reference() {
    let p = load("services:\n  a:\n    image: x\nnetworks:\n  n:\nvolumes:\n  v:\n").unwrap();
    let json = serde_json::to_value(p.json_view()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "name": "",
            "networks": {"n": {"ipam": {}}},
            "services": {"a": {"command": null, "entrypoint": null, "image": "x"}},
            "volumes": {"v": {}},
        })
    );
}

#[test]
fn octal_modes_read_as_the_reference_reads_them() {
    let p = load(
        "services:\n  a:\n    image: x\n    secrets: [{source: s, mode: 0440}]\n    \
         volumes: [{type: tmpfs, target: /t, tmpfs: {mode: 0755, size: 1m}}]\nsecrets:\n  s:\n    file: ./s\n",
    )
    .unwrap();
    let json = serde_json::to_value(p.json_view()).unwrap();
    assert_eq!(json["services"]["a"]["secrets"][0]["mode"], "0440");
    assert_eq!(
        json["services"]["a"]["volumes"][0]["tmpfs"],
        serde_json::json!({"size": "1048576", "mode": 493})
    );
}

#[test]
fn watch_rules_print_like_the_reference() {
    let p = load(
        "services:\n  a:\n    image: x\n    develop:\n      x-d: 1\n      watch:\n        \
         - {path: ./src, action: sync+exec, target: /app, ignore: node_modules, include: '*.js',\n           \
         x-initialSync: true, exec: {command: echo \"hi\", environment: [A=1, B], x-e: 1}}\n        \
         - {path: ./test, action: rebuild}\n",
    )
    .unwrap();
    let develop = p.services["a"].develop.as_ref().unwrap();
    assert_eq!(develop.watch[0].action, crate::model::WatchAction::SyncExec);
    assert!(develop.watch[0].initial_sync);
    let json = serde_json::to_value(p.json_view()).unwrap();
    assert_eq!(
        json["services"]["a"]["develop"],
        serde_json::json!({"watch": [
            {"path": "./src", "action": "sync+exec", "target": "/app",
             "exec": {"command": ["echo", "hi"], "environment": {"A": "1", "B": null}},
             "include": ["*.js"], "ignore": ["node_modules"], "initial_sync": true},
            {"path": "./test", "action": "rebuild", "exec": {"command": null}},
        ]})
    );
    let yaml = serde_json::to_value(&p).unwrap();
    assert_eq!(yaml["services"]["a"]["develop"]["x-d"], 1);
    assert_eq!(yaml["services"]["a"]["develop"]["watch"][0]["exec"]["x-e"], 1);
    assert!(yaml["services"]["a"]["develop"]["watch"][1].get("exec").is_none());
}

#[test]
fn legacy_watch_names_count_under_the_official_ones() {
    let p = load(
        "services:\n  a:\n    image: x\n    x-develop:\n      watch: [{path: /o, action: rebuild}]\n    \
         develop:\n      watch: [{path: /s, action: sync, target: /s, initial_sync: false, x-initialSync: true}]\n",
    )
    .unwrap();
    let a = &p.services["a"];
    let paths: Vec<&str> = a
        .develop
        .as_ref()
        .unwrap()
        .watch
        .iter()
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(paths, ["/o", "/s"]);
    let rule = &a.develop.as_ref().unwrap().watch[1];
    assert!(!rule.initial_sync && rule.extensions.is_empty());
    assert!(a.extensions.is_empty());
}

#[test]
fn an_unknown_watch_action_is_reported_at_its_path() {
    let problems =
        load("services:\n  a:\n    image: x\n    develop:\n      watch: [{path: /s, action: copy}]\n")
            .unwrap_err();
    assert_eq!(problems[0].path.to_string(), "services.a.develop.watch[0].action");
}

#[test]
fn provider_options_print_as_lists_of_strings() {
    let p = load(
        "services:\n  p:\n    provider:\n      type: example\n      x-p: 1\n      \
         options: {size: 1, type: test1, f: 1.5, b: false, list: [a, 2]}\n",
    )
    .unwrap();
    let json = serde_json::to_value(p.json_view()).unwrap();
    assert_eq!(
        json["services"]["p"]["provider"],
        serde_json::json!({"type": "example", "options": {
            "size": ["1"], "type": ["test1"], "f": ["1.5"], "b": ["false"], "list": ["a", "2"]}})
    );
    let yaml = serde_json::to_value(&p).unwrap();
    assert_eq!(yaml["services"]["p"]["provider"]["x-p"], 1);
}

#[test]
fn service_models_as_a_list_are_names_without_options() {
    let p = load(
        "services:\n  a:\n    image: x\n    models: [foo]\n  b:\n    image: x\n    \
         models: {foo: {endpoint_var: URL, x-m: 1}, bar: {}}\nmodels:\n  foo:\n    model: ai/smollm2\n  \
         bar:\n    model: ai/x\n    context_size: 1024\n",
    )
    .unwrap();
    assert_eq!(p.models["bar"].context_size, Some(1024));
    let json = serde_json::to_value(p.json_view()).unwrap();
    assert_eq!(json["services"]["a"]["models"], serde_json::json!({"foo": null}));
    assert_eq!(
        json["services"]["b"]["models"],
        serde_json::json!({"foo": {"endpoint_var": "URL"}, "bar": {}})
    );
    assert!(json.get("models").is_none(), "the reference's JSON has no top-level models");
    let yaml = serde_json::to_value(&p).unwrap();
    assert_eq!(yaml["models"]["foo"]["model"], "ai/smollm2");
    assert_eq!(yaml["services"]["b"]["models"]["foo"]["x-m"], 1);
}

#[test]
fn pre_start_hooks_print_as_services_of_their_own() {
    let p = load(
        "services:\n  a:\n    image: x\n    pre_start:\n      - {image: y, command: echo hi, per_replica: true, \
         networks: {default: null}, x-h: 1}\n",
    )
    .unwrap();
    let hook = &p.services["a"].pre_start[0];
    assert!(hook.per_replica);
    assert_eq!(hook.service.image.as_deref(), Some("y"));
    let json = serde_json::to_value(p.json_view()).unwrap();
    assert_eq!(
        json["services"]["a"]["pre_start"][0],
        serde_json::json!({"command": ["echo", "hi"], "entrypoint": null, "image": "y",
            "networks": {"default": null}, "per_replica": true})
    );
    let yaml = serde_json::to_value(&p).unwrap();
    assert_eq!(yaml["services"]["a"]["pre_start"][0]["x-h"], 1);
}

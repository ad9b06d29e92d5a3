use super::*;
use serde_json::Value as Json;

/// The cases of a conformance table; none when the material is absent.
fn conformance(name: &str) -> Vec<Json> {
    let Some(path) = crate::conformance::path(name) else { return Vec::new() };
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn json(v: &Value) -> Json {
    serde_json::to_value(v).unwrap()
}

/// Every field the case expects is present with that value (some cases assert only a few).
fn contains(actual: &Json, expected: &Json) -> bool {
    match (actual, expected) {
        (Json::Object(a), Json::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| contains(av, ev))),
        (Json::Array(a), Json::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(x, y)| contains(x, y))
        }
        _ => actual == expected,
    }
}

fn check_error(short: &Json, result: Result<Json, String>, expected: &str, failures: &mut Vec<String>) {
    match result {
        Err(e) if e.to_lowercase().contains(&expected.to_lowercase()) => {}
        other => failures.push(format!("{short}: expected error {expected:?}, got {other:?}")),
    }
}

#[test]
fn every_conformance_port_case() {
    let mut failures = Vec::new();
    for case in conformance("ports-short-syntax.jsonl") {
        let short = &case["short"];
        let text = match short {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let result = parse_port(&text).map(|v| Json::Array(v.iter().map(json).collect()));
        match case["error_contains"].as_str() {
            Some(expected) => check_error(short, result, expected, &mut failures),
            None => match result {
                Ok(actual) if contains(&actual, &case["expected"]) => {}
                other => failures.push(format!("{short}: expected {}, got {other:?}", case["expected"])),
            },
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The cases were written against the parser, which sets `create_host_path: true`; the
/// reference's output (and so our long form) omits it when true.
fn as_printed(mut expected: Json) -> Json {
    if let Some(bind) = expected.get_mut("bind").and_then(Json::as_object_mut) {
        if bind.get("create_host_path") == Some(&Json::Bool(true)) {
            bind.remove("create_host_path");
        }
    }
    expected
}

#[test]
fn every_conformance_volume_case() {
    let mut failures = Vec::new();
    for case in conformance("volumes-short-syntax.jsonl") {
        let short = &case["short"];
        let result = parse_volume(short.as_str().unwrap()).map(|v| json(&v));
        match case["error_contains"].as_str() {
            Some(expected) => check_error(short, result, expected, &mut failures),
            None if case["expected"].get("_note").is_some() => {
                if let Err(e) = result {
                    failures.push(format!("{short}: must parse, got {e}"));
                }
            }
            None => match result {
                Ok(actual) if actual == as_printed(case["expected"].clone()) => {}
                other => failures.push(format!("{short}: expected {}, got {other:?}", case["expected"])),
            },
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn canon(yaml: &str) -> (Json, Vec<Problem>) {
    let v: Value = serde_yaml::from_str(yaml).unwrap();
    let (v, problems) = canonicalize(v, Path::new("compose.yaml"));
    (json(&v), problems)
}

fn service_json(yaml: &str) -> Json {
    let (v, problems) = canon(&format!("services:\n  a:\n{yaml}"));
    assert!(problems.is_empty(), "{problems:?}");
    v["services"]["a"].clone()
}

#[test]
fn ports_as_the_reference_prints_them() {
    let a =
        service_json("    ports: ['[::1]:80:80', '::1:81:81', '0.0.0.0:53:53/udp', '127.0.0.1::80', 8080]");
    let expected = serde_json::json!([
        {"mode": "ingress", "host_ip": "::1", "target": 80, "published": "80", "protocol": "tcp"},
        {"mode": "ingress", "host_ip": "::1", "target": 81, "published": "81", "protocol": "tcp"},
        {"mode": "ingress", "host_ip": "0.0.0.0", "target": 53, "published": "53", "protocol": "udp"},
        {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "protocol": "tcp"},
        {"mode": "ingress", "target": 8080, "protocol": "tcp"},
    ]);
    assert_eq!(a["ports"], expected);
    let ranged = service_json("    ports: ['8000-8010:80-90']");
    assert_eq!(ranged["ports"].as_array().unwrap().len(), 11);
    assert_eq!(ranged["ports"][10]["published"], "8010");
    assert_eq!(ranged["ports"][10]["target"], 90);
}

#[test]
fn port_errors_point_at_the_item() {
    let (_, problems) = canon("services:\n  a:\n    ports: ['80', '80:80-81', 'x']\n");
    let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
    assert_eq!(paths, ["services.a.ports[1]", "services.a.ports[2]"]);
    assert_eq!(
        problems[0].message,
        "invalid ranges specified for container and host Ports: 80-81 and 80"
    );
    assert_eq!(problems[1].message, "invalid containerPort: x");
}

#[test]
fn volume_short_forms() {
    let a =
        service_json("    volumes: ['vol:/t:z', '/s:/t:rshared,z', './x', 'C:\\x:/t', 'vol:/t:ro,nocopy']");
    assert_eq!(
        a["volumes"],
        serde_json::json!([
            {"type": "volume", "source": "vol", "target": "/t", "bind": {"selinux": "z"}, "volume": {}},
            {"type": "bind", "source": "/s", "target": "/t", "bind": {"propagation": "rshared", "selinux": "z"}},
            {"type": "volume", "target": "x", "volume": {}},
            {"type": "bind", "source": "C:\\x", "target": "/t", "bind": {}},
            {"type": "volume", "source": "vol", "target": "/t", "read_only": true, "volume": {"nocopy": true}},
        ])
    );
    let (_, problems) = canon("services:\n  a:\n    volumes: ['/a:/b', '/foo::ro']\n");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path.to_string(), "services.a.volumes[1]");
}

#[test]
fn lists_become_mappings() {
    let a = service_json(
        "    environment: [A=1, B, C=]\n    labels: [l1=a, l2]\n    sysctls: {net.x: 1}\n    \
         extra_hosts: ['h1:1.2.3.4', 'h2=::1', 'h1:5.6.7.8']\n    depends_on: [b]\n    networks: [n]\n",
    );
    assert_eq!(
        a["environment"],
        serde_json::json!({"A": "1", "B": null, "C": ""})
    );
    assert_eq!(a["labels"], serde_json::json!({"l1": "a", "l2": ""}));
    assert_eq!(a["sysctls"], serde_json::json!({"net.x": "1"}));
    assert_eq!(
        a["extra_hosts"],
        serde_json::json!({"h1": ["1.2.3.4", "5.6.7.8"], "h2": ["::1"]})
    );
    assert_eq!(
        a["depends_on"],
        serde_json::json!({"b": {"condition": "service_started", "required": true}})
    );
    assert_eq!(a["networks"], serde_json::json!({"n": null}));
}

#[test]
fn strings_become_long_forms() {
    let a = service_json(
        "    command: echo \"hi there\" 'x y'\n    entrypoint: [sh, -c]\n    build: ./dir\n    env_file: a.env\n    \
         secrets: [s]\n    devices: ['/dev/a:/dev/b:rw', /dev/c]\n    extends: b\n    \
         healthcheck: {test: curl x, interval: 90s}\n    expose: [80, '90-91']\n    tmpfs: /run\n    \
         gpus: all\n    mem_limit: 1g\n    stop_grace_period: 1m\n    ulimits: {nproc: 10}\n",
    );
    assert_eq!(a["command"], serde_json::json!(["echo", "hi there", "x y"]));
    assert_eq!(a["build"], serde_json::json!({"context": "./dir"}));
    assert_eq!(
        a["env_file"],
        serde_json::json!([{"path": "a.env", "required": true}])
    );
    assert_eq!(a["secrets"], serde_json::json!([{"source": "s"}]));
    assert_eq!(
        a["devices"],
        serde_json::json!([
            {"source": "/dev/a", "target": "/dev/b", "permissions": "rw"},
            {"source": "/dev/c", "target": "/dev/c", "permissions": "rwm"},
        ])
    );
    assert_eq!(a["extends"], serde_json::json!({"service": "b"}));
    assert_eq!(
        a["healthcheck"],
        serde_json::json!({"test": ["CMD-SHELL", "curl x"], "interval": "1m30s"})
    );
    assert_eq!(a["expose"], serde_json::json!(["80", "90-91"]));
    assert_eq!(a["tmpfs"], serde_json::json!(["/run"]));
    assert_eq!(a["gpus"], serde_json::json!([{"count": -1}]));
    assert_eq!(a["mem_limit"], "1073741824");
    assert_eq!(a["stop_grace_period"], "1m0s");
    assert_eq!(a["ulimits"], serde_json::json!({"nproc": 10}));
}

#[test]
fn legacy_external_name_is_rewritten_with_a_warning() {
    let (v, problems) = canon("networks:\n  n:\n    external:\n      name: real\n");
    assert_eq!(
        v["networks"]["n"],
        serde_json::json!({"external": true, "name": "real"})
    );
    assert_eq!(problems.len(), 1);
    assert!(!problems[0].is_error());
    let (v, problems) = canon("volumes:\n  same:\n    name: x\n    external:\n      name: x\n");
    assert_eq!(v["volumes"]["same"], serde_json::json!({"name": "x", "external": true}));
    assert!(problems.iter().all(|p| !p.is_error()));
}

#[test]
fn a_name_beside_a_different_external_name_is_an_error() {
    let (_, problems) = canon("networks:\n  foo:\n    name: a\n    external:\n      name: b\n");
    let errors: Vec<_> = problems.iter().filter(|p| p.is_error()).collect();
    assert_eq!(errors.len(), 1, "{problems:?}");
    assert_eq!(errors[0].message, "networks.foo: name and external.name conflict; only use name");
    assert_eq!(errors[0].path.to_string(), "networks.foo.name");
}

#[test]
fn include_short_forms() {
    let (v, _) = canon("include:\n  - a.yaml\n  - path: b.yaml\n    env_file: b.env\n");
    assert_eq!(
        v["include"],
        serde_json::json!([{"path": ["a.yaml"]}, {"path": ["b.yaml"], "env_file": ["b.env"]}])
    );
}

/// The reference runs only the words before an unquoted shell operator; dockhand runs the
/// same and says, naming the service and key, what is left out.
#[test]
fn a_command_string_ends_at_a_shell_operator_with_a_warning() {
    let v: Value = serde_yaml::from_str(
        "services:\n  web:\n    command: echo a && echo b\n    entrypoint: \"sh -c 'x;y'\"\n",
    )
    .unwrap();
    let (v, problems) = canonicalize(v, Path::new("compose.yaml"));
    assert_eq!(json(&v["services"]["web"]["command"]), serde_json::json!(["echo", "a"]));
    assert_eq!(json(&v["services"]["web"]["entrypoint"]), serde_json::json!(["sh", "-c", "x;y"]));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(!problems[0].is_error());
    assert_eq!(problems[0].path.to_string(), "services.web.command");
    assert!(problems[0].message.starts_with("services.web.command: \"&& echo b\" is not run"), "{}", problems[0].message);
    assert!(problems[0].message.contains(r#"["sh", "-c", "echo a && echo b"]"#), "{}", problems[0].message);
}

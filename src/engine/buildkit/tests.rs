use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::model::Project;

fn spec(yaml: &str) -> (BuildSpec, Build) {
    spec_in(yaml, &Env::default())
}

/// The project loaded in `env`, which gives the values of `environment:` secrets.
fn spec_in(yaml: &str, env: &Env) -> (BuildSpec, Build) {
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    let mut project: Project = crate::load::bind::bind(value).unwrap();
    crate::load::environment::read_file_values(&mut project, env);
    let build = project.services["app"].build.clone().unwrap();
    let spec = BuildSpec {
        project: Arc::new(project),
        service: "app".into(),
        image: "p-app".into(),
        labels: build.labels.clone().into_iter().collect(),
        no_cache: false,
        pull: true,
    };
    (spec, build)
}

fn values<'a>(q: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    q.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn the_query_carries_the_build_section() {
    let (spec, build) = spec(
        r#"
name: p
services:
  app:
    build:
      context: .
      target: final
      args: {A: "1", UNSET: null}
      labels: {l: v}
      tags: ["p-app:extra"]
      extra_hosts: {one: ["10.0.0.1"], two: ["10.0.0.2"]}
      network: host
      shm_size: 128m
      no_cache: true
      cache_from: ["type=registry,ref=cache:1", "type=local,src=/tmp/c", "plain:2"]
"#,
    );
    let q = query(&spec, &build, "sess", "Dockerfile").unwrap();
    assert_eq!(values(&q, "version"), ["2"]);
    assert_eq!(values(&q, "session"), ["sess"]);
    assert_eq!(values(&q, "t"), ["p-app", "p-app:extra"]);
    assert_eq!(values(&q, "target"), ["final"]);
    assert_eq!(values(&q, "nocache"), ["1"]);
    assert_eq!(values(&q, "pull"), ["1"]);
    assert_eq!(values(&q, "buildargs"), [r#"{"A":"1"}"#]);
    let labels: BTreeMap<String, String> = serde_json::from_str(values(&q, "labels")[0]).unwrap();
    assert_eq!(labels["l"], "v");
    assert_eq!(labels[crate::labels::IMAGE_BUILDER], "default");
    assert_eq!(values(&q, "extrahosts"), ["one:10.0.0.1", "two:10.0.0.2"]);
    assert_eq!(values(&q, "networkmode"), ["host"]);
    assert_eq!(values(&q, "shmsize"), ["134217728"]);
    assert_eq!(values(&q, "cachefrom"), [r#"["cache:1","plain:2"]"#]);
    assert_eq!(unsupported(&build), ["build.cache_from \"type=local,src=/tmp/c\" is ignored: the engine's built-in BuildKit imports cache from images only"]);
    assert_eq!(
        encode(&[("a b".into(), "{\"x\":1}".into())]),
        "a%20b=%7B%22x%22%3A1%7D"
    );
}

#[test]
fn secrets_come_from_files_and_the_environment() {
    let yaml = r#"
name: p
services:
  app:
    build:
      context: .
      secrets: [{source: from_file}, {source: from_env, target: token}]
secrets:
  from_file: {file: /run/x}
  from_env: {environment: TOKEN}
"#;
    let env: Env = [("TOKEN".to_string(), "t0k".to_string())]
        .into_iter()
        .collect();
    let (spec, build) = spec_in(yaml, &env);
    let p = providers(&spec, &build, &env).unwrap();
    assert_eq!(p.secrets["from_file"], SecretSource::File("/run/x".into()));
    assert_eq!(p.secrets["token"], SecretSource::Value(b"t0k".to_vec()));
    let (spec, build) = spec_in(yaml, &Env::default());
    let missing = providers(&spec, &build, &Env::default()).unwrap_err();
    assert!(missing.contains("TOKEN is not set"), "{missing}");
}

#[test]
fn ssh_default_needs_an_agent_and_named_contexts_are_refused() {
    let (spec, build) =
        spec("name: p\nservices:\n  app:\n    build: {context: ., ssh: [default]}\n");
    let err = providers(&spec, &build, &Env::default()).unwrap_err();
    assert!(err.contains("SSH_AUTH_SOCK"), "{err}");
    let (spec, build) = spec_with_contexts();
    let err = providers(&spec, &build, &Env::default()).unwrap_err();
    assert!(
        err.contains("additional_contexts") && err.contains("buildx"),
        "{err}"
    );
}

fn spec_with_contexts() -> (BuildSpec, Build) {
    spec("name: p\nservices:\n  app:\n    build: {context: ., additional_contexts: {base: ../base}}\n")
}

//! dockhand's `stack` against the real `docker stack`, on a single-node Swarm of the test's own
//! (tests/common/swarm.rs): for files both accept, the services, networks, configs and secrets
//! each deploys (under two stack names) are equal after normalisation (names, ids, versions,
//! timestamps); and each tool's `stack ls/services/ps/rm` work on what the other deployed.
//!
//! Deliberate differences, normalised away with their reason:
//! - dockhand names configs and secrets `<stack>_<name>_<version>` (a short hash of the
//!   content), so that a changed content can be deployed: Swarm's are immutable, and `docker
//!   stack deploy` fails on them ("only updates to Labels are allowed").
//!
//! `DOCKHAND_STACK_TOOL=docker` runs dockhand's side with `docker stack` too: every comparison
//! must then pass, which checks the normalisation itself.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use common::swarm::{shared, Leftovers, Swarm};
use common::{json_diff, project};

const IMAGE: &str = "busybox:latest";

const IDLE: &str = r#"["sh", "-c", "trap 'exit 0' TERM; sleep 100000 & wait"]"#;

/// Container-level keys.
fn containers_file() -> String {
    format!(
        r#"version: "3.8"
services:
  web:
    image: {IMAGE}
    entrypoint: ["/bin/sh", "-c"]
    command: ["trap 'exit 0' TERM; httpd -f -p 80 & wait"]
    environment:
      MODE: prod
      EMPTY: ""
      B_SECOND: "2"
      A_FIRST: "1"
    env_file: [web.env]
    labels: {{com.example.role: front}}
    hostname: web-host
    user: "1000:1000"
    working_dir: /srv
    stop_grace_period: 3s
    stop_signal: SIGINT
    tty: true
    stdin_open: true
    read_only: true
    init: true
    dns: [10.0.0.53]
    dns_search: [example.test]
    extra_hosts: ["db.test:10.0.0.5"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
      timeout: 2s
      retries: 3
      start_period: 1s
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    ulimits:
      nofile: {{soft: 1024, hard: 2048}}
      nproc: 512
    sysctls: {{net.core.somaxconn: "1024"}}
    logging:
      driver: json-file
      options: {{max-size: 1m}}
    ports:
      - {{target: 80, protocol: tcp, mode: host}}
    deploy: {{endpoint_mode: dnsrr}}
  plain:
    image: {IMAGE}
    command: {IDLE}
    healthcheck: {{disable: true}}
    deploy: {{endpoint_mode: dnsrr}}
"#
    )
}

/// `deploy:` keys and modes.
fn deploy_file() -> String {
    format!(
        r#"version: "3.8"
services:
  api:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      mode: replicated
      replicas: 2
      endpoint_mode: dnsrr
      labels: {{com.example.tier: api}}
      resources:
        limits: {{cpus: "0.5", memory: 64M}}
        reservations: {{cpus: "0.1", memory: 16M}}
      restart_policy: {{condition: on-failure, delay: 2s, max_attempts: 3, window: 10s}}
      update_config: {{parallelism: 2, delay: 1s, failure_action: rollback, monitor: 5s, max_failure_ratio: 0.1, order: start-first}}
      rollback_config: {{parallelism: 1, delay: 0s, failure_action: pause, monitor: 2s, order: stop-first}}
      placement:
        constraints: [node.role == manager]
        preferences: [{{spread: node.labels.zone}}]
        max_replicas_per_node: 2
  agent:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{mode: global, endpoint_mode: dnsrr}}
  zero:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{replicas: 0, endpoint_mode: dnsrr}}
"#
    )
}

/// The tasks `jobs_file` runs on one node: two completions, one, and one per node.
const JOB_TASKS: usize = 4;

/// Job modes: tasks that run to completion, once (`replicated-job`) or on every node
/// (`global-job`), with and without a restart policy of their own.
fn jobs_file() -> String {
    format!(
        r#"version: "3.8"
services:
  migrate:
    image: {IMAGE}
    command: [sh, -c, "exit 0"]
    deploy:
      mode: replicated-job
      replicas: 2
      endpoint_mode: dnsrr
  once:
    image: {IMAGE}
    command: [sh, -c, "exit 0"]
    deploy:
      mode: replicated-job
      endpoint_mode: dnsrr
      restart_policy: {{condition: none}}
  everywhere:
    image: {IMAGE}
    command: [sh, -c, "exit 0"]
    deploy: {{mode: global-job, endpoint_mode: dnsrr}}
"#
    )
}

/// Networks, volumes, configs and secrets.
fn resources_file() -> String {
    format!(
        r#"version: "3.8"
services:
  app:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{endpoint_mode: dnsrr}}
    networks:
      front: {{aliases: [app-alias]}}
      back: {{}}
    volumes:
      - data:/data
      - type: bind
        source: /etc
        target: /host-etc
        read_only: true
      - type: tmpfs
        target: /scratch
        tmpfs: {{size: 1000000}}
      - type: volume
        source: cache
        target: /cache
        volume: {{nocopy: true}}
    configs:
      - source: settings
        target: /etc/app.conf
        uid: "1000"
        gid: "1000"
        mode: 0440
      - plain
    secrets:
      - source: token
        target: token
        uid: "0"
        gid: "0"
        mode: 0400
  other:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{endpoint_mode: dnsrr}}
networks:
  front:
    driver: overlay
    attachable: true
    labels: {{com.example.net: front}}
  back:
    internal: true
volumes:
  data:
    labels: {{com.example.vol: data}}
  cache: {{}}
configs:
  settings:
    file: ./app.conf
    labels: {{com.example.cfg: settings}}
  plain:
    file: ./plain.conf
secrets:
  token:
    file: ./token.txt
"#
    )
}

fn fixture(compose: &str) -> tempfile::TempDir {
    project(&[
        ("compose.yaml", compose),
        ("web.env", "FROM_FILE=yes\nMODE=overridden-by-environment\n"),
        ("app.conf", "listen = 8080\n"),
        ("plain.conf", "plain\n"),
        ("token.txt", "s3cr3t\n"),
    ])
}

/// Deploys `compose` with docker (`dk<tag>`) and with the tool under test (`dh<tag>`), and
/// returns the two stack names.
fn deploy_both(swarm: &Swarm, dir: &Path, tag: &str) -> (String, String) {
    let (dk, dh) = (format!("dk{tag}"), format!("dh{tag}"));
    swarm.docker_stack(dir, &["deploy", "-c", "compose.yaml", &dk]).assert_success();
    swarm.stack(dir, &["deploy", "-c", "compose.yaml", &dh]).assert_success();
    (dk, dh)
}

/// Everything the stack made, normalised, by kind and name.
fn deployed(swarm: &Swarm, stack: &str) -> BTreeMap<String, Value> {
    let networks = ids_to_names(swarm, "network");
    let label = format!("label=com.docker.stack.namespace={stack}");
    let mut out = BTreeMap::new();
    for kind in ["service", "network", "config", "secret"] {
        let ids = swarm.docker(&[kind, "ls", "-q", "--no-trunc", "--filter", &label]).stdout;
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if ids.is_empty() {
            continue;
        }
        let mut args = vec![kind, "inspect"];
        args.extend(&ids);
        let inspected = swarm.docker(&args);
        let list: Vec<Value> = serde_json::from_str(&inspected.stdout)
            .unwrap_or_else(|e| panic!("{kind} inspect: {e}\n{}", inspected.describe()));
        for item in list {
            let item = normalise(kind, item, stack, &networks);
            let name = item["Spec"]["Name"].as_str().or(item["Name"].as_str()).unwrap_or_default().to_string();
            out.insert(format!("{kind} {name}"), item);
        }
    }
    out
}

/// `<id> → <name>` for networks (services name theirs by id).
fn ids_to_names(swarm: &Swarm, kind: &str) -> BTreeMap<String, String> {
    let out = swarm.docker(&[kind, "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}"]).stdout;
    out.lines().filter_map(|l| l.split_once(' ')).map(|(id, name)| (id.to_string(), name.to_string())).collect()
}

/// What stays equal between two deployments of one file: the stack's name replaced by
/// `STACK`, ids, versions, timestamps and the engine's allocations (addresses, VXLAN ids)
/// dropped, network ids replaced by names, configs' and secrets' version suffix dropped.
fn normalise(kind: &str, mut v: Value, stack: &str, networks: &BTreeMap<String, String>) -> Value {
    let obj = v.as_object_mut().expect("inspect gives objects");
    for key in ["ID", "Id", "Version", "CreatedAt", "UpdatedAt", "Created", "Endpoint", "UpdateStatus", "PreviousSpec", "ServiceStatus", "JobStatus"] {
        obj.remove(key);
    }
    if kind == "network" {
        for key in ["Containers", "Peers", "Services", "ConfigFrom", "ConfigOnly"] {
            obj.remove(key);
        }
        if let Some(options) = obj.get_mut("Options").and_then(Value::as_object_mut) {
            options.remove("com.docker.network.driver.overlay.vxlanid_list");
        }
        if let Some(ipam) = obj.get_mut("IPAM").and_then(Value::as_object_mut) {
            ipam.remove("Config");
        }
    }
    let task = &mut v["Spec"]["TaskTemplate"];
    if let Some(attached) = task.get_mut("Networks").and_then(Value::as_array_mut) {
        for n in attached {
            if let Some(name) = n["Target"].as_str().and_then(|id| networks.get(id)) {
                n["Target"] = Value::String(name.clone());
            }
        }
    }
    for (list, id, name) in [("Configs", "ConfigID", "ConfigName"), ("Secrets", "SecretID", "SecretName")] {
        if let Some(refs) = task["ContainerSpec"].get_mut(list).and_then(Value::as_array_mut) {
            for r in refs {
                r.as_object_mut().map(|o| o.remove(id));
                if let Some(n) = r[name].as_str() {
                    r[name] = Value::String(unversioned(n).to_string());
                }
            }
        }
    }
    if kind == "config" || kind == "secret" {
        if let Some(n) = v["Spec"]["Name"].as_str() {
            v["Spec"]["Name"] = Value::String(unversioned(n).to_string());
        }
    }
    rename_stack(&mut v, stack);
    v
}

/// `<stack>_<name>_<10 hex digits>` (dockhand's versioned config or secret) → `<stack>_<name>`.
fn unversioned(name: &str) -> &str {
    match name.rsplit_once('_') {
        Some((base, version)) if base.contains('_') && version.len() == 10 && version.bytes().all(|b| b.is_ascii_hexdigit()) => base,
        _ => name,
    }
}

fn rename_stack(v: &mut Value, stack: &str) {
    match v {
        Value::String(s) if s == stack => *s = "STACK".to_string(),
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(&format!("{stack}_")) {
                *s = format!("STACK_{rest}");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rename_stack(i, stack)),
        Value::Object(map) => map.values_mut().for_each(|i| rename_stack(i, stack)),
        _ => {}
    }
}

/// The two deployments are the same, object by object.
#[track_caller]
fn assert_same_deployment(swarm: &Swarm, dk: &str, dh: &str) {
    let (expected, actual) = (deployed(swarm, dk), deployed(swarm, dh));
    let (kd, ka): (Vec<&String>, Vec<&String>) = (expected.keys().collect(), actual.keys().collect());
    assert_eq!(kd, ka, "docker stack made these objects, dockhand those");
    let diffs: Vec<String> = expected
        .iter()
        .flat_map(|(key, e)| json_diff(e, &actual[key]).into_iter().map(move |d| format!("{key}: {d}")))
        .collect();
    assert!(diffs.is_empty(), "differences (docker stack → dockhand):\n{}", diffs.join("\n"));
}

/// The ids one tool's `stack <cmd> -q` prints, sorted.
fn ids(out: &common::Output) -> Vec<String> {
    out.assert_success();
    let mut ids: Vec<String> = out.stdout.split_whitespace().map(str::to_string).collect();
    ids.sort();
    ids
}

/// Each tool lists, and then removes, what the other deployed. `jobs`: the stacks ran jobs,
/// whose exited containers the engine keeps after either tool's `stack rm`.
fn assert_each_handles_the_other(swarm: &Swarm, dir: &Path, dk: &str, dh: &str, jobs: bool) {
    let docker_ls = swarm.docker_stack(dir, &["ls"]);
    let tool_ls = swarm.stack(dir, &["ls"]);
    assert_eq!(tool_ls.assert_success().stdout, docker_ls.assert_success().stdout, "stack ls");
    for stack in [dk, dh] {
        for cmd in ["services", "ps"] {
            let docker = ids(&swarm.docker_stack(dir, &[cmd, "-q", stack]));
            assert!(!docker.is_empty(), "docker stack {cmd} {stack} lists something");
            assert_eq!(ids(&swarm.stack(dir, &[cmd, "-q", stack])), docker, "stack {cmd} -q {stack}");
        }
    }
    swarm.stack(dir, &["rm", dk]).assert_success();
    swarm.docker_stack(dir, &["rm", dh]).assert_success();
    for stack in [dk, dh] {
        if jobs {
            swarm.remove_exited(stack);
        }
        if let Err(left) = swarm.wait_removed(stack, Leftovers::None) {
            panic!("{stack} not removed by the other tool's stack rm: {left:?}");
        }
    }
}

/// `stack services` of docker and of the tool under test on `stack`, or None when they agree.
/// Its REPLICAS column changes while tasks start: they are compared until they agree, for a
/// few seconds.
fn services_tables_differ(swarm: &Swarm, dir: &Path, stack: &str) -> Option<(String, String)> {
    let mut last = (String::new(), String::new());
    for _ in 0..20 {
        let docker = swarm.docker_stack(dir, &["services", stack]);
        let tool = swarm.stack(dir, &["services", stack]);
        last = (docker.assert_success().stdout.clone(), tool.assert_success().stdout.clone());
        if last.0 == last.1 {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    Some(last)
}

/// Removes both stacks on drop, also when the test failed.
struct Cleanup<'a>(&'a Swarm, [String; 2]);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for stack in &self.1 {
            let _ = self.0.docker(&["stack", "rm", stack]);
            self.0.remove_exited(stack);
            let _ = self.0.wait_removed(stack, Leftovers::None);
        }
    }
}

fn differential(tag: &str, compose: &str) {
    let Some(swarm) = shared(0, IMAGE) else { return };
    let dir = fixture(compose);
    let _cleanup = Cleanup(&swarm, [format!("dk{tag}"), format!("dh{tag}")]);
    let (dk, dh) = deploy_both(&swarm, dir.path(), tag);
    assert_same_deployment(&swarm, &dk, &dh);
    let jobs = compose.contains("-job");
    if jobs {
        wait_jobs_complete(&swarm, &dk);
        wait_jobs_complete(&swarm, &dh);
    }
    assert_each_handles_the_other(&swarm, dir.path(), &dk, &dh, jobs);
}

/// Every task of `jobs_file` complete: a job removed while its tasks start leaves their
/// containers half made on the node, whichever tool removes it.
fn wait_jobs_complete(swarm: &Swarm, stack: &str) {
    let complete = || {
        let tasks = swarm.tasks(stack);
        (tasks.len() == JOB_TASKS && tasks.iter().all(|t| t.current.starts_with("Complete"))).then_some(())
    };
    swarm.wait_for(&format!("{stack}'s jobs complete"), std::time::Duration::from_secs(90), complete, || swarm.describe_stack(stack));
}

#[test]
fn container_keys_deploy_the_same_services() {
    differential("containers", &containers_file());
}

#[test]
fn deploy_keys_and_modes_deploy_the_same_services() {
    differential("deploy", &deploy_file());
}

#[test]
fn networks_volumes_configs_and_secrets_deploy_the_same_objects() {
    differential("resources", &resources_file());
}

#[test]
fn job_modes_deploy_the_same_services() {
    differential("jobs", &jobs_file());
}

#[test]
fn stack_services_prints_the_same_table_as_docker_stack() {
    let Some(swarm) = shared(0, IMAGE) else { return };
    let mut differences = Vec::new();
    let files = [("tc", containers_file()), ("td", deploy_file()), ("tr", resources_file()), ("tj", jobs_file())];
    for (tag, compose) in files {
        let dir = fixture(&compose);
        let _cleanup = Cleanup(&swarm, [format!("dk{tag}"), format!("dh{tag}")]);
        let (dk, dh) = deploy_both(&swarm, dir.path(), tag);
        for stack in [dk, dh] {
            if let Some((docker, tool)) = services_tables_differ(&swarm, dir.path(), &stack) {
                differences.push(format!("stack services {stack}:\n--- docker\n{docker}--- dockhand\n{tool}"));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn normalisation_keeps_what_matters() {
    let v = serde_json::json!({
        "ID": "x", "Version": {"Index": 3},
        "Spec": {"Name": "st_web", "Labels": {"com.docker.stack.namespace": "st"},
                 "TaskTemplate": {"Networks": [{"Target": "n1", "Aliases": ["web"]}],
                                  "ContainerSpec": {"Configs": [{"ConfigID": "c", "ConfigName": "st_cfg_0123456789"}], "Env": ["A=st_x"]}}}
    });
    let n = normalise("service", v, "st", &BTreeMap::from([("n1".to_string(), "st_default".to_string())]));
    assert_eq!(
        n,
        serde_json::json!({
            "Spec": {"Name": "STACK_web", "Labels": {"com.docker.stack.namespace": "STACK"},
                     "TaskTemplate": {"Networks": [{"Target": "STACK_default", "Aliases": ["web"]}],
                                      "ContainerSpec": {"Configs": [{"ConfigName": "STACK_cfg"}], "Env": ["A=st_x"]}}}
        })
    );
    assert_eq!(unversioned("st_cfg"), "st_cfg");
    assert_eq!(unversioned("st_my_cfg_abcdef0123"), "st_my_cfg");
    assert_eq!(unversioned("named_by_file"), "named_by_file");
}

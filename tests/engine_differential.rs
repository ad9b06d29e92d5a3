//! Drop-in compatibility of what `up -d` creates, checked against the reference.
//!
//! Differential tests: the same files are brought up by the reference `docker compose` as
//! project A and by dockhand as project B, one after the other (so fixed host ports and
//! static subnets do not collide), each torn down by a guard even when the test fails. What
//! the engine held is compared: every container (matched by service and number), network
//! and volume, with the project name and engine-chosen ids normalised. Every difference is
//! printed before the test fails; the deliberate ones are in `ALLOWED`, with the reason.
//!
//! Same-project tests: the reference's `up -d` after dockhand's recreates nothing, and
//! dockhand's plan after the reference's `up -d` is empty; both leave the same engine state.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Map, Value};

use common::engine::{docker, Teardown};
use common::{json_diff, unique_project, Output, Run};

/// `up -d` of the web stack waits for health checks in a chain.
const UP_TIMEOUT: Duration = Duration::from_secs(240);

/// Differences that are deliberate: a difference whose path contains the pattern is shown
/// as allowed and does not fail the test.
const ALLOWED: &[(&str, &str)] = &[(
    ".Labels.dev.dockhand.",
    "dockhand's own labels (the applied configuration, for field-level recreate reasons); \
         the reference ignores labels it does not know",
)];

/// Allowed only between two project names: the digest covers the engine name of the network
/// or volume, which holds the project name. The same-project tests compare it exactly.
const ALLOWED_ACROSS_NAMES: &[(&str, &str)] = &[
    ("networks.", "com.docker.compose.config-hash"),
    ("volumes.", "com.docker.compose.config-hash"),
];

// ---------------------------------------------------------------------------------------
// The projects

/// A project: the folder holding its files and the environment to run the tools with.
struct Case {
    tag: &'static str,
    dir: PathBuf,
    env: Vec<(String, String)>,
    _temp: Option<tempfile::TempDir>,
}

/// (a) The web-stack example, on a host port of the test's choosing.
fn web_stack(port: u16) -> Case {
    Case {
        tag: "web-stack",
        dir: common::examples_dir().join("web-stack"),
        env: vec![("WEB_PORT".to_string(), port.to_string())],
        _temp: None,
    }
}

/// (b) Most of what a service can ask of the engine. `@PORT@` and `@NET@` are replaced so
/// that tests running at the same time do not collide (subnets are outside the engine's
/// default pools).
const FEATURES: &str = r#"
services:
  app:
    image: busybox:latest
    command: ["sh", "-c", "exec sleep 3600"]
    ports:
      - "127.0.0.1:@PORT0@:80"
      - "@PORT1@-@PORT2@:9090-9091/udp"
      - "7000"
    volumes:
      - ./data:/data
      - ./conf/app.conf:/etc/app.conf:ro
      - named:/named
      - /anon
      - type: tmpfs
        target: /scratch
        tmpfs:
          size: 1048576
    tmpfs:
      - /run/tmp:size=64k
    networks:
      front:
        aliases: [app-front]
      back:
        ipv4_address: 10.213.@NET@.10
        aliases: [app-back]
    healthcheck:
      test: ["CMD-SHELL", "true"]
      interval: 5s
      timeout: 3s
      retries: 3
      start_period: 2s
    restart: on-failure:3
    environment:
      MODE: prod
      SHARED: inline
    env_file: app.env
    labels:
      com.example.tier: backend
    cap_add: [NET_ADMIN, SYS_TIME]
    ulimits:
      nofile: {soft: 1024, hard: 2048}
      nproc: 512
    extra_hosts:
      - "db.local:10.0.0.5"
    dns: [8.8.8.8]
    init: true
    stop_signal: SIGINT
    stop_grace_period: 20s
    working_dir: /data
    user: "1000:1000"
    hostname: apphost
    mem_limit: 64m
    cpus: 0.5
  sidecar:
    image: busybox:latest
    command: sleep 3600
    networks: [back]
    volumes:
      - type: volume
        source: named
        target: /shared
        read_only: true
networks:
  front: {}
  back:
    labels: {com.example.net: back}
    ipam:
      config:
        - subnet: 10.213.@NET@.0/24
volumes:
  named:
    labels: {com.example.vol: named}
"#;

fn features(port: u16, net: u8) -> Case {
    let yaml = FEATURES
        .replace("@PORT0@", &port.to_string())
        .replace("@PORT1@", &(port + 1).to_string())
        .replace("@PORT2@", &(port + 2).to_string())
        .replace("@NET@", &net.to_string());
    temp_case(
        "features",
        &[
            ("compose.yaml", yaml.as_str()),
            ("app.env", "FROM_FILE=1\nSHARED=file\n"),
            ("conf/app.conf", "setting=1\n"),
            ("data/.keep", ""),
        ],
    )
}

/// (c) Legacy links, dependencies, a fixed container name and a scaled service.
fn links(suffix: &str) -> Case {
    let yaml = format!(
        r#"
services:
  db:
    image: busybox:latest
    command: sleep 3600
    container_name: dh-diff-db-{suffix}
  worker:
    image: busybox:latest
    command: sleep 3600
    scale: 2
    links: [db, "db:database"]
    depends_on: [db]
  web:
    image: busybox:latest
    command: sleep 3600
    links: [worker]
    depends_on:
      worker: {{condition: service_started}}
      db: {{condition: service_started, restart: true}}
"#
    );
    temp_case("links", &[("compose.yaml", yaml.as_str())])
}

/// (d) Settings the other projects leave out: file secrets and configs, logging, resources
/// under `deploy`, and the less common host settings.
const MORE: &str = r#"
services:
  base:
    image: busybox:latest
    entrypoint: ["/bin/sh", "-c"]
    command: ["exec sleep 3600"]
    expose: ["7000", "7100-7101/udp"]
    domainname: example.test
    tty: true
    stdin_open: true
    read_only: true
    security_opt: ["no-new-privileges:true"]
    sysctls: {net.core.somaxconn: "1024"}
    pids_limit: 100
    shm_size: 32m
    mem_reservation: 16m
    memswap_limit: 128m
    mem_limit: 64m
    oom_score_adj: 100
    cpu_shares: 512
    group_add: ["100"]
    dns_search: [example.test]
    dns_opt: [ndots:2]
    cap_drop: [MKNOD]
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: "3"}
    secrets: [token, {source: token, target: /etc/token}]
    configs: [{source: settings, target: /etc/settings.ini}]
    volumes:
      - cache:/cache:nocopy
      - type: bind
        source: ./data
        target: /bound
        bind: {create_host_path: false}
    restart: unless-stopped
    healthcheck:
      disable: true
    labels: ["com.example.list=yes"]
  loner:
    image: busybox:latest
    command: sleep 3600
    network_mode: none
    deploy:
      resources:
        limits: {cpus: "0.25", memory: 32m, pids: 50}
        reservations: {memory: 8m}
      restart_policy: {condition: on-failure, max_attempts: 2}
secrets:
  token: {file: ./token.txt}
configs:
  settings: {file: ./settings.ini}
volumes:
  cache:
    driver_opts: {type: tmpfs, device: tmpfs}
"#;

fn more() -> Case {
    temp_case(
        "more",
        &[
            ("compose.yaml", MORE),
            ("token.txt", "s3cret\n"),
            ("settings.ini", "[a]\nb=1\n"),
            ("data/.keep", ""),
        ],
    )
}

/// (e) Namespaces and volumes shared with another service's container.
const SHARED: &str = r#"
services:
  base:
    image: busybox:latest
    command: sleep 3600
    ipc: shareable
    volumes: [/anon]
  follower:
    image: busybox:latest
    command: sleep 3600
    network_mode: service:base
    ipc: service:base
    pid: service:base
    volumes_from: ["base:ro"]
"#;

/// (f) Start-up order by health and completion, replicas, profiles, and the host settings
/// the other projects leave out, on custom networks with priorities and IPAM details.
const ORDERED: &str = r#"
services:
  seed:
    image: busybox:latest
    command: ["sh", "-c", "echo seeded > /seed/done"]
    restart: "no"
    volumes: [seed:/seed]
  db:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /srv && echo ok > /srv/index.html && exec httpd -f -p 5432 -h /srv"]
    restart: always
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:5432/"]
      interval: 1s
      timeout: 1s
      retries: 30
    deploy:
      replicas: 2
    networks: [inner]
  app:
    image: busybox:latest
    command: ["sh", "-c", "exec sleep 3600"]
    depends_on:
      db: {condition: service_healthy}
      seed: {condition: service_completed_successfully}
    privileged: true
    oom_kill_disable: true
    init: false
    stop_grace_period: 1m30s
    stop_signal: SIGTERM
    ports:
      - target: 80
        published: "@PORT0@"
        host_ip: 127.0.0.1
        protocol: tcp
      - "@PORT1@-@PORT2@:8000-8001"
      - "127.0.0.1::5000"
      - "@PORT3@:53/udp"
      - "@PORT4@:53/tcp"
    networks:
      inner:
        priority: 100
        aliases: [api]
      edge:
        priority: 10
        ipv4_address: 10.214.@NET@.20
    cap_drop: [ALL]
    cap_add: [CHOWN, SETUID]
    security_opt: ["label=disable"]
    sysctls: ["net.ipv4.tcp_syncookies=0"]
    ulimits:
      nofile: 4096
      core: {soft: 0, hard: 0}
    tmpfs: ["/cache:mode=1777,size=2m"]
    volumes:
      - type: tmpfs
        target: /t
        tmpfs: {size: 1m, mode: 0o1770}
      - type: bind
        source: ./data
        target: /d
        read_only: true
        bind: {propagation: rprivate}
      - type: volume
        source: seed
        target: /seed
        volume: {nocopy: true}
    logging:
      driver: none
    cpuset: "0"
    devices: ["/dev/null:/dev/mynull:rwm"]
    device_cgroup_rules: ["c 1:3 mr"]
    environment: [PLAIN, "EMPTY=", "WITH_EQ=a=b"]
    user: "65534:65534"
    working_dir: /srv
    domainname: example.test
    hostname: app
    extra_hosts: ["db.local=10.0.0.5", "other:10.0.0.6"]
    dns: 1.1.1.1
    shm_size: "64m"
    deploy:
      resources:
        limits: {memory: 128m, cpus: "0.75", pids: 64}
        reservations: {memory: 16m, cpus: "0.1"}
  hostnet:
    image: busybox:latest
    command: sleep 3600
    network_mode: host
    pid: host
    ipc: host
    tty: true
    cpu_period: 100000
    cpu_quota: 50000
  debug:
    image: busybox:latest
    command: sleep 3600
    profiles: [debug]
networks:
  inner:
    internal: true
    attachable: true
    labels: [com.example.net=inner]
    driver_opts: {com.docker.network.driver.mtu: "1400"}
  edge:
    ipam:
      driver: default
      config:
        - subnet: 10.214.@NET@.0/24
          ip_range: 10.214.@NET@.0/25
          gateway: 10.214.@NET@.254
          aux_addresses: {reserved: 10.214.@NET@.200}
volumes:
  seed:
    labels: [com.example.vol=seed]
"#;

fn ordered(port: u16, net: u8) -> Case {
    let mut yaml = ORDERED.replace("@NET@", &net.to_string());
    for i in 0..5u16 {
        yaml = yaml.replace(&format!("@PORT{i}@"), &(port + i).to_string());
    }
    temp_case("ordered", &[("compose.yaml", yaml.as_str()), ("data/.keep", "")])
}

/// (g) The rest: engine names chosen by the file, the default bridge, endpoint options,
/// a MAC address, config content, string health checks, long-form port ranges and the
/// shorter forms of lists and maps.
const NAMED: &str = r#"
x-base: &base
  image: busybox:latest
  command: sleep 3600
  stop_grace_period: 2s
services:
  api:
    <<: *base
    mac_address: 02:42:ac:11:65:43
    healthcheck:
      test: wget -q --spider http://127.0.0.1:80/ || exit 1
      interval: 30s
    environment:
      - GREETING=hello
    env_file:
      - path: ./missing.env
        required: false
    extra_hosts:
      gateway: host-gateway
      mirror: 10.1.2.3
    ports:
      - name: web
        target: 80
        published: "@PORT0@-@PORT1@"
        app_protocol: http
    networks:
      renamed:
        link_local_ips: [169.254.10.10]
        driver_opts: {com.example.opt: "1"}
    configs:
      - source: inline
        target: /etc/inline.conf
        mode: 0440
    labels:
      com.example.empty: ""
    uts: host
    cgroup: private
    pull_policy: never
    platform: linux/amd64
  bridged:
    <<: *base
    network_mode: bridge
    healthcheck:
      test: ["NONE"]
    command: ["sleep", "3600"]
    stop_signal: "9"
    entrypoint: []
    volumes:
      - type: bind
        source: ./made-by-up
        target: /made
        bind: {create_host_path: true}
      - kept:/kept
  worker:
    <<: *base
    deploy:
      mode: replicated
      replicas: 2
      labels: {com.example.deploy: "yes"}
      resources:
        limits: {memory: 48m}
    hostname: worker
    networks: [renamed, default]
networks:
  renamed:
    name: dh-diff-renamed-@SUFFIX@
  default:
    driver_opts: {com.docker.network.bridge.enable_icc: "true"}
volumes:
  kept:
    name: dh-diff-kept-@SUFFIX@
configs:
  inline:
    content: |
      greeting=hello
"#;

fn named(port: u16, suffix: &str) -> Case {
    let yaml = NAMED
        .replace("@PORT0@", &port.to_string())
        .replace("@PORT1@", &(port + 1).to_string())
        .replace("@SUFFIX@", suffix);
    temp_case("named", &[("compose.yaml", yaml.as_str())])
}

/// (h) Newer and rarer keys: health start interval, annotations, start hooks, IPv6 host
/// addresses, and the cgroup and runtime settings. (`use_api_socket` is left out: the
/// reference's config hash of such a service is not the one `config --hash` prints, and
/// dockhand cannot tell what else it covers.)
const RARE: &str = r#"
services:
  app:
    image: busybox:latest
    command: sleep 3600
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "true"]
      interval: 10s
      start_interval: 1s
      start_period: 5s
    annotations:
      com.example.note: annotated
    post_start:
      - command: ["sh", "-c", "echo started > /started"]
    ports:
      - "[::1]:@PORT0@:80"
    userns_mode: host
    cgroup_parent: dh-diff.slice
    runtime: runc
    mem_swappiness: 10
    cpu_count: 1
    blkio_config:
      weight: 300
"#;

fn rare(port: u16) -> Case {
    temp_case("rare", &[("compose.yaml", RARE.replace("@PORT0@", &port.to_string()).as_str())])
}

fn temp_case(tag: &'static str, files: &[(&str, &str)]) -> Case {
    let temp = common::project(files);
    Case {
        tag,
        dir: temp.path().to_path_buf(),
        env: Vec::new(),
        _temp: Some(temp),
    }
}

/// A suffix no other test process uses, for names outside the project's namespace.
fn suffix(n: u32) -> String {
    format!("{}-{n}", std::process::id())
}

// ---------------------------------------------------------------------------------------
// Running the tools

#[derive(Clone)]
enum Tool {
    Reference(PathBuf),
    Dockhand,
}

impl Case {
    fn run(&self, tool: &Tool, project: &str, args: &[&str]) -> Output {
        let mut run = match tool {
            Tool::Reference(path) => Run::new(path, &self.dir),
            Tool::Dockhand => common::dockhand(&self.dir),
        };
        for (k, v) in &self.env {
            run = run.env(k, v);
        }
        run.arg("-p")
            .arg(project)
            .args(args.iter().copied())
            .timeout(UP_TIMEOUT)
            .run()
    }

    /// Keys of the networks whose IPAM configuration the files set: for the others the
    /// engine picks a subnet, which differs between two networks.
    fn configured_ipam(&self, reference: &Tool) -> BTreeSet<String> {
        let out = self.run(reference, "dh-diff-config", &["config", "--format", "json"]);
        let config = out.assert_success().json();
        let networks = config["networks"].as_object().cloned().unwrap_or_default();
        networks
            .into_iter()
            .filter(|(_, n)| n["ipam"].get("config").is_some())
            .map(|(k, _)| k)
            .collect()
    }

    /// `up -d` by `tool` as `project`, the engine's state, then everything removed.
    fn up_and_observe(&self, tool: &Tool, project: &str, ipam: &BTreeSet<String>) -> Value {
        let _guard = Teardown(project.to_string());
        let out = self.run(tool, project, &["up", "-d"]);
        assert!(out.success(), "{} up -d failed: {}", tool.name(), out.describe());
        observe(project, ipam)
    }
}

impl Tool {
    fn name(&self) -> &'static str {
        match self {
            Tool::Reference(_) => "the reference",
            Tool::Dockhand => "dockhand",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Observing the engine

fn label_filter(project: &str) -> String {
    format!("label=com.docker.compose.project={project}")
}

fn inspect_all(command: &[&str], ids: &str) -> Vec<Value> {
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if ids.is_empty() {
        return Vec::new();
    }
    let mut args = command.to_vec();
    args.extend(ids);
    serde_json::from_str::<Value>(&docker(&args))
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

/// What the engine holds for the project, as `{containers, networks, volumes}` keyed by
/// `service#number`, network key and volume key, normalised (see `Normaliser`).
fn observe(project: &str, ipam: &BTreeSet<String>) -> Value {
    let filter = label_filter(project);
    let containers = inspect_all(&["inspect"], &docker(&["ps", "-aq", "--filter", &filter]));
    let networks = inspect_all(
        &["network", "inspect"],
        &docker(&["network", "ls", "-q", "--filter", &filter]),
    );
    let volumes = inspect_all(
        &["volume", "inspect"],
        &docker(&["volume", "ls", "-q", "--filter", &filter]),
    );
    let norm = Normaliser::new(project, &containers);
    let keyed = |items: &[Value], key: fn(&Value) -> String, view: &dyn Fn(&Value) -> Value| -> Value {
        let map: Map<String, Value> = items.iter().map(|i| (key(i), norm.value(&view(i)))).collect();
        Value::Object(map)
    };
    json!({
        "containers": keyed(&containers, container_key, &container_view),
        "networks": keyed(&networks, |n| label(n, "com.docker.compose.network"), &|n| network_view(n, ipam)),
        "volumes": keyed(&volumes, |v| label(v, "com.docker.compose.volume"), &volume_view),
    })
}

fn label(v: &Value, name: &str) -> String {
    let labels = v.get("Config").unwrap_or(v);
    labels["Labels"][name].as_str().unwrap_or("?").to_string()
}

fn container_key(c: &Value) -> String {
    format!(
        "{}#{}",
        label(c, "com.docker.compose.service"),
        label(c, "com.docker.compose.container-number")
    )
}

fn pick(v: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .map(|k| (k.to_string(), v.get(*k).cloned().unwrap_or(Value::Null)))
        .collect()
}

/// The container as its configuration decides it; run-time facts (ids, addresses the
/// engine picked, timestamps, paths under the engine's root) are left out.
fn container_view(c: &Value) -> Value {
    let mut config = pick(
        &c["Config"],
        &[
            "Image",
            "Cmd",
            "Entrypoint",
            "WorkingDir",
            "User",
            "Hostname",
            "Domainname",
            "ExposedPorts",
            "Labels",
            "Healthcheck",
            "StopSignal",
            "StopTimeout",
            "Tty",
            "OpenStdin",
            "StdinOnce",
            "AttachStdin",
            "AttachStdout",
            "AttachStderr",
            "Volumes",
            "MacAddress",
            "OnBuild",
        ],
    );
    // The reference fills the list from a map: its order is not part of the meaning.
    let mut env: Vec<String> = c["Config"]["Env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect();
    env.sort();
    config.insert("Env".into(), json!(env));
    let networks: Map<String, Value> = c["NetworkSettings"]["Networks"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, e)| (name.clone(), endpoint_view(e)))
        .collect();
    let mut host = c["HostConfig"].clone();
    // The reference collects binds in a map, and links from a container listing: their
    // order is not part of the meaning.
    sort_strings(&mut host["Binds"]);
    sort_strings(&mut host["Links"]);
    // The reference keeps extra hosts in a Go map from name to addresses: the names come in
    // any order, each name's addresses in the file's.
    if let Some(hosts) = host["ExtraHosts"].as_array_mut() {
        hosts.sort_by_key(|h| h.as_str().and_then(|h| h.split_once(':')).map(|(name, _)| name.to_string()));
    }
    if let Some(labels) = config.get_mut("Labels") {
        sort_depends_on(labels);
    }
    json!({
        "Name": c["Name"],
        "State": c["State"]["Status"],
        "Platform": c["Platform"],
        "Config": config,
        "HostConfig": host,
        "Networks": networks,
        "Mounts": c["Mounts"],
    })
}

fn sort_strings(list: &mut Value) {
    if let Some(items) = list.as_array_mut() {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
}

/// The reference writes the dependencies from a Go map, in no particular order.
fn sort_depends_on(labels: &mut Value) {
    let key = "com.docker.compose.depends_on";
    if let Some(deps) = labels[key].as_str() {
        let mut parts: Vec<&str> = deps.split(',').collect();
        parts.sort();
        labels[key] = json!(parts.join(","));
    }
}

/// An endpoint: what was asked for, and the address when it was asked for.
fn endpoint_view(e: &Value) -> Value {
    let mut view = pick(e, &["Aliases", "IPAMConfig", "Links", "DriverOpts"]);
    // The aliases a link gives; which replica of a scaled service the reference's endpoint
    // points them at depends on its container listing, in whatever order it comes.
    if let Some(links) = view.get_mut("Links").and_then(Value::as_array_mut) {
        let aliases: BTreeSet<&str> = links.iter().filter_map(|l| l.as_str()?.split_once(':').map(|(_, a)| a)).collect();
        *links = aliases.into_iter().map(|a| json!(a)).collect();
    }
    if e["IPAMConfig"].get("IPv4Address").is_some() {
        view.insert("IPAddress".into(), e["IPAddress"].clone());
    }
    Value::Object(view)
}

fn network_view(n: &Value, configured_ipam: &BTreeSet<String>) -> Value {
    let mut view = pick(
        n,
        &[
            "Name",
            "Driver",
            "Scope",
            "EnableIPv6",
            "Internal",
            "Attachable",
            "Ingress",
            "ConfigOnly",
            "ConfigFrom",
            "Options",
            "Labels",
        ],
    );
    let mut ipam = pick(&n["IPAM"], &["Driver", "Options", "Config"]);
    if !configured_ipam.contains(&label(n, "com.docker.compose.network")) {
        ipam.insert("Config".into(), json!("<picked by the engine>"));
    }
    view.insert("IPAM".into(), Value::Object(ipam));
    Value::Object(view)
}

fn volume_view(v: &Value) -> Value {
    Value::Object(pick(
        v,
        &["Name", "Driver", "Scope", "Options", "Labels", "Mountpoint"],
    ))
}

/// Replaces, in every string and key, the project name and the ids the engine chose (of
/// the project's containers, in full and short, and of anonymous volumes) by placeholders.
struct Normaliser {
    project: String,
    ids: Vec<(String, &'static str)>,
}

impl Normaliser {
    fn new(project: &str, containers: &[Value]) -> Normaliser {
        let mut ids = Vec::new();
        for c in containers {
            let id = c["Id"].as_str().unwrap_or_default().to_string();
            ids.push((id.chars().take(12).collect::<String>(), "<id>"));
            ids.push((id, "<id>"));
            let mounts = c["Mounts"].as_array().into_iter().flatten();
            for m in mounts {
                let name = m["Name"].as_str().unwrap_or_default();
                if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                    ids.push((name.to_string(), "<anonymous>"));
                }
            }
        }
        // Longest first, so a short id never cuts a full one.
        ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        ids.retain(|(id, _)| !id.is_empty());
        Normaliser {
            project: project.to_string(),
            ids,
        }
    }

    fn text(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (id, placeholder) in &self.ids {
            s = s.replace(id.as_str(), placeholder);
        }
        s.replace(&self.project, "<project>")
    }

    fn value(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i)).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (self.text(k), self.value(v))).collect())
            }
            other => other.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Comparing

/// The differences that fail the test; allowed ones are printed as such.
fn failures(expected: &Value, actual: &Value, across_names: bool) -> Vec<String> {
    let mut out = Vec::new();
    for line in json_diff(expected, actual) {
        let path = line.split(": ").next().unwrap_or_default();
        let allowed = ALLOWED
            .iter()
            .find(|(p, _)| path.contains(p))
            .map(|(_, why)| *why)
            .or_else(|| {
                let across: &[(&str, &str)] = if across_names { ALLOWED_ACROSS_NAMES } else { &[] };
                across
                    .iter()
                    .find(|(scope, label)| path.starts_with(&format!("$.{scope}")) && path.contains(label))
                    .map(|_| "the digest covers the engine name, which holds the project name")
            })
            .or_else(|| {
                let hash_of_sharer = path.ends_with("Labels.com.docker.compose.config-hash")
                    && path.strip_prefix("$.containers.").and_then(|p| p.split('.').next()).is_some_and(|k| shares(actual, k));
                hash_of_sharer.then_some(SHARER_HASH)
            });
        match allowed {
            Some(why) => eprintln!("allowed: {line}\n         ({why})"),
            None => out.push(line),
        }
    }
    out
}

const SHARER_HASH: &str = "the digest covers the id of the container whose namespaces or volumes it shares, \
     another container in each run; that each tool finds the other's up to date is checked on its own";

/// Whether a container joins another's namespaces or takes its volumes.
fn shares(view: &Value, key: &str) -> bool {
    let host = &view["containers"][key]["HostConfig"];
    let joins = ["NetworkMode", "IpcMode", "PidMode"]
        .iter()
        .any(|m| host[*m].as_str().is_some_and(|v| v.starts_with("container:")));
    joins || host["VolumesFrom"].as_array().is_some_and(|v| !v.is_empty())
}

/// The config hash of each container: when only it differs, the service's JSON differs
/// somewhere the rest of the view does not show.
fn hash_report(expected: &Value, actual: &Value) -> Vec<String> {
    let hashes = |v: &Value| -> BTreeMap<String, String> {
        v["containers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, c)| {
                let h = c["Config"]["Labels"]["com.docker.compose.config-hash"]
                    .as_str()
                    .unwrap_or("-");
                (k.clone(), h.to_string())
            })
            .collect()
    };
    let (theirs, ours) = (hashes(expected), hashes(actual));
    theirs
        .iter()
        .filter(|(k, _)| !shares(actual, k))
        .filter(|(k, h)| ours.get(*k) != Some(h))
        .map(|(k, h)| {
            format!(
                "config hash of {k}: reference {h}, dockhand {}",
                ours.get(k).map_or("-", |s| s)
            )
        })
        .collect()
}

fn differential(case: Case) {
    let Some(reference) = common::reference_binary().map(Tool::Reference) else {
        return;
    };
    let ipam = case.configured_ipam(&reference);
    let a = unique_project(&format!("{}-ref", case.tag));
    let b = unique_project(&format!("{}-dh", case.tag));
    let theirs = case.up_and_observe(&reference, &a, &ipam);
    let ours = case.up_and_observe(&Tool::Dockhand, &b, &ipam);
    assert!(
        !theirs["containers"].as_object().is_none_or(Map::is_empty),
        "the reference created no containers"
    );
    dump(case.tag, &theirs, &ours);
    let mut problems = failures(&theirs, &ours, true);
    problems.extend(hash_report(&theirs, &ours));
    report(case.tag, &problems);
}

/// With `DOCKHAND_DIFF_DUMP=<folder>`, both views are written there, to look at by hand.
fn dump(tag: &str, theirs: &Value, ours: &Value) {
    let Some(dir) = std::env::var_os("DOCKHAND_DIFF_DUMP") else {
        return;
    };
    for (who, view) in [("reference", theirs), ("dockhand", ours)] {
        let text = serde_json::to_string_pretty(view).unwrap_or_default();
        let path = PathBuf::from(&dir).join(format!("{tag}-{who}.json"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}

fn report(tag: &str, problems: &[String]) {
    for p in problems {
        eprintln!("DIFF {tag}: {p}");
    }
    assert!(
        problems.is_empty(),
        "{} difference(s) for {tag}, listed above",
        problems.len()
    );
}

/// Plan lines of `dockhand --dry-run up -d` that would change the engine.
fn changes(plan: &str) -> Vec<String> {
    const CHANGING: &[&str] = &["create", "recreate", "remove", "restart", "pull", "build"];
    plan.lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|verb| CHANGING.contains(&verb))
        })
        .map(str::to_string)
        .collect()
}

fn container_ids(project: &str) -> BTreeSet<String> {
    let ids = docker(&["ps", "-aq", "--no-trunc", "--filter", &label_filter(project)]);
    ids.split_whitespace().map(str::to_string).collect()
}

fn same_project(case: Case) {
    let Some(reference) = common::reference_binary().map(Tool::Reference) else {
        return;
    };
    let ipam = case.configured_ipam(&reference);
    let name = unique_project(&format!("{}-same", case.tag));
    let _guard = Teardown(name.clone());
    let mut problems = Vec::new();

    let up = case.run(&Tool::Dockhand, &name, &["up", "-d"]);
    assert!(up.success(), "dockhand up -d failed: {}", up.describe());
    let ours = observe(&name, &ipam);
    let before = container_ids(&name);
    let up = case.run(&reference, &name, &["up", "-d"]);
    assert!(up.success(), "the reference's up -d failed: {}", up.describe());
    let progress = format!("{}{}", up.stdout, up.stderr);
    problems.extend(
        progress
            .lines()
            .filter(|l| l.contains("Recreate") || l.contains("Creat"))
            .map(|l| format!("the reference after dockhand: {}", l.trim())),
    );
    if container_ids(&name) != before {
        problems.push("the reference after dockhand replaced containers".to_string());
    }

    let down = case.run(&reference, &name, &["down", "-v"]);
    assert!(down.success(), "the reference's down failed: {}", down.describe());
    let up = case.run(&reference, &name, &["up", "-d"]);
    assert!(up.success(), "the reference's up -d failed: {}", up.describe());
    let theirs = observe(&name, &ipam);
    let plan = case.run(&Tool::Dockhand, &name, &["--dry-run", "up", "-d"]);
    assert!(
        plan.success(),
        "dockhand --dry-run up -d failed: {}",
        plan.describe()
    );
    problems.extend(
        changes(&plan.stdout)
            .into_iter()
            .map(|l| format!("dockhand after the reference plans: {l}")),
    );

    problems.extend(failures(&theirs, &ours, false));
    problems.extend(hash_report(&theirs, &ours));
    report(case.tag, &problems);
}

// ---------------------------------------------------------------------------------------
// The tests

#[test]
fn web_stack_matches_the_reference() {
    differential(web_stack(28481));
}

#[test]
fn features_match_the_reference() {
    differential(features(28500, 201));
}

#[test]
fn links_and_scale_match_the_reference() {
    differential(links(&suffix(1)));
}

#[test]
fn more_settings_match_the_reference() {
    differential(more());
}

#[test]
fn more_settings_are_up_to_date_for_either_tool() {
    same_project(more());
}

// The reference names the other service's container by id (`container:<id>`, and
// `volumes_from` without its mode) and hashes the service with those ids in it, so the
// follower's config hash changes whenever the base container is replaced. dockhand names
// the container and hashes the service as written: the planner has to learn the ids first.
#[test]
fn shared_namespaces_match_the_reference() {
    differential(temp_case("shared", &[("compose.yaml", SHARED)]));
}

#[test]
fn shared_namespaces_are_up_to_date_for_either_tool() {
    same_project(temp_case("shared", &[("compose.yaml", SHARED)]));
}

#[test]
fn web_stack_is_up_to_date_for_either_tool() {
    same_project(web_stack(28482));
}

#[test]
fn features_are_up_to_date_for_either_tool() {
    same_project(features(28510, 202));
}

#[test]
fn links_and_scale_are_up_to_date_for_either_tool() {
    same_project(links(&suffix(2)));
}

#[test]
fn ordered_start_and_host_settings_match_the_reference() {
    differential(ordered(28520, 203));
}

#[test]
fn engine_names_and_short_forms_match_the_reference() {
    differential(named(28530, &suffix(3)));
}

#[test]
fn ordered_start_and_host_settings_are_up_to_date_for_either_tool() {
    same_project(ordered(28540, 204));
}

#[test]
fn engine_names_and_short_forms_are_up_to_date_for_either_tool() {
    same_project(named(28535, &suffix(4)));
}

#[test]
fn newer_and_rarer_keys_match_the_reference() {
    differential(rare(28545));
}

//! Conversion tests: a project in, the JSON the engine would receive out. No engine.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value as Json};

use super::{container, network, volume, ResourceSpec};
use crate::containers::conflict::ContainerClaim;
use crate::containers::ops::NewContainer;
use crate::engine::ContainerCreate;
use crate::model::Project;

const PROJECT: &str = r#"
name: p
services:
  db:
    image: busybox
    scale: 2
    networks: {default: null}
  web:
    image: busybox:latest
    command: [sleep, "3600"]
    environment: {A: "1", EMPTY: "", UNSET: null}
    working_dir: /srv
    user: "1000"
    labels: {app: web}
    ports:
      - {mode: ingress, target: 80, published: "8080", protocol: tcp}
      - {mode: ingress, host_ip: 127.0.0.1, target: 53, published: "5353", protocol: udp}
      - {mode: ingress, target: 5000, protocol: tcp}
    expose: ["7000", "7100-7101/udp"]
    volumes:
      - {type: bind, source: /srv/data, target: /data, bind: {}}
      - {type: bind, source: /srv/conf, target: /conf, read_only: true, bind: {create_host_path: false}}
      - {type: volume, source: data, target: /db, read_only: true, volume: {}}
      - {type: volume, source: cache, target: /cache, volume: {nocopy: true}}
      - {type: volume, target: /anon, volume: {}}
      - {type: volume, target: /fresh, volume: {}}
      - {type: tmpfs, target: /tmp, tmpfs: {size: 1048576, mode: 0o755}}
    tmpfs: [/run, "/run/lock:size=64k"]
    volumes_from: [db, "container:other:ro"]
    links: ["db:database"]
    external_links: [legacy]
    networks:
      back: null
      front: {aliases: [www], ipv4_address: 10.5.0.10, priority: 10}
    mac_address: "02:42:ac:11:00:02"
    healthcheck:
      test: [CMD, "true"]
      interval: 10s
      timeout: 3s
      retries: 4
      start_period: 1m
    restart: on-failure:3
    stop_signal: SIGTERM
    stop_grace_period: 1m30s
    init: true
    cap_add: [net_admin, ALL]
    cap_drop: [CAP_MKNOD]
    extra_hosts: {somehost: [162.242.195.82, "::1"]}
    ulimits: {nproc: 512, nofile: {soft: 1024, hard: 2048}}
    mem_limit: 256m
    ipc: service:db
    logging: {driver: json-file, options: {max-size: 10m}}
    platform: linux/amd64
    secrets: [{source: token, target: /run/secrets/token}]
    configs: [{source: app}]
    deploy:
      resources:
        limits: {cpus: "0.5", pids: 100}
        reservations:
          memory: 64m
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
  tool:
    image: busybox
    use_api_socket: true
    environment: {MODE: ci}
    volumes: [{type: bind, source: /srv/work, target: /work, bind: {}}]
networks:
  front:
    name: p_front
    driver: bridge
    driver_opts: {com.docker.network.bridge.name: pfront}
    ipam: {config: [{subnet: 10.5.0.0/24, gateway: 10.5.0.1}]}
    labels: {tier: front}
  back: {name: p_back, internal: true, ipam: {}}
  default: {name: p_default, ipam: {}}
volumes:
  data: {labels: {kind: db}}
  cache: {name: shared-cache, driver: local, driver_opts: {type: tmpfs, device: tmpfs}}
secrets:
  token: {file: /srv/token.txt}
configs:
  app: {file: /srv/app.conf}
"#;

fn project() -> Arc<Project> {
    let value: serde_yaml::Value = serde_yaml::from_str(PROJECT).unwrap();
    Arc::new(crate::load::bind::bind(value).unwrap())
}

fn spec(service: &str, number: u32) -> NewContainer {
    let name = format!("p-{service}-{number}");
    let claim = ContainerClaim { project: "p".into(), service: service.into(), number, name: name.clone(), image_id: None };
    NewContainer {
        service: service.into(),
        number,
        name,
        labels: BTreeMap::from([("com.docker.compose.project".into(), "p".into())]),
        image: None,
        anonymous_volumes: BTreeMap::from([("/anon".into(), "0123abcd".into())]),
        files: Vec::new().into(),
        shared: None,
        claim,
        service_aliases: true,
        stdin_once: false,
    }
}

/// Replica `number` of `service` of the test project, sharing no container.
fn create(service: &str, number: u32, image_id: Option<&str>) -> ContainerCreate {
    container(&project(), &spec(service, number), &BTreeMap::new(), image_id)
}

fn web() -> (ContainerCreate, Json) {
    let c = create("web", 1, Some("sha256:img"));
    let body = serde_json::to_value(&c.body).unwrap();
    (c, body)
}

fn sorted(v: &Json) -> Vec<String> {
    let mut items: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    items.sort();
    items
}

#[test]
fn config_fields() {
    let (c, b) = web();
    assert_eq!(b["Image"], "busybox:latest");
    assert_eq!(b["Cmd"], json!(["sleep", "3600"]));
    assert_eq!(b["Env"], json!(["A=1", "EMPTY=", "UNSET"]));
    assert_eq!(b["WorkingDir"], "/srv");
    assert_eq!(b["User"], "1000");
    assert_eq!(b.get("Hostname"), None);
    assert_eq!(b["Labels"]["app"], "web");
    assert_eq!(b["Labels"]["com.docker.compose.project"], "p");
    assert_eq!(b["Labels"]["com.docker.compose.image"], "sha256:img");
    assert_eq!(b["StopSignal"], "SIGTERM");
    assert_eq!(b["StopTimeout"], 90);
    assert_eq!(c.platform.as_deref(), Some("linux/amd64"));
}

#[test]
fn ports_are_exposed_and_bound() {
    let (_, b) = web();
    let exposed: Vec<&String> = b["ExposedPorts"].as_object().unwrap().keys().collect();
    let mut exposed: Vec<&str> = exposed.into_iter().map(String::as_str).collect();
    exposed.sort();
    assert_eq!(
        exposed,
        ["5000/tcp", "53/udp", "7000/tcp", "7100/udp", "7101/udp", "80/tcp"]
    );
    let bindings = &b["HostConfig"]["PortBindings"];
    assert_eq!(bindings["80/tcp"], json!([{"HostIp": "", "HostPort": "8080"}]));
    assert_eq!(
        bindings["53/udp"],
        json!([{"HostIp": "127.0.0.1", "HostPort": "5353"}])
    );
    assert_eq!(bindings["5000/tcp"], json!([{"HostIp": "", "HostPort": ""}]));
}

#[test]
fn plain_volumes_are_binds_and_the_rest_mounts() {
    let (_, b) = web();
    let h = &b["HostConfig"];
    assert_eq!(h["Binds"], json!(["/srv/data:/data:rw", "p_data:/db:ro"]));
    assert_eq!(
        h["Mounts"],
        json!([
            {"Type": "bind", "Source": "/srv/conf", "Target": "/conf", "ReadOnly": true, "BindOptions": {}},
            {"Type": "volume", "Source": "shared-cache", "Target": "/cache", "VolumeOptions": {"NoCopy": true}},
            {"Type": "volume", "Source": "0123abcd", "Target": "/anon", "VolumeOptions": {}},
            {"Type": "volume", "Target": "/fresh", "VolumeOptions": {}},
            {"Type": "tmpfs", "Target": "/tmp", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 493}},
            {"Type": "bind", "Source": "/srv/token.txt", "Target": "/run/secrets/token", "ReadOnly": true,
             "BindOptions": {}},
            {"Type": "bind", "Source": "/srv/app.conf", "Target": "/app", "ReadOnly": true},
        ])
    );
    assert_eq!(h["Tmpfs"], json!({"/run": "", "/run/lock": "size=64k"}));
    assert_eq!(h["VolumesFrom"], json!(["p-db-1", "other"]));
}

#[test]
fn networks_by_priority_with_container_and_service_aliases() {
    let (c, b) = web();
    assert_eq!(b["HostConfig"]["NetworkMode"], "p_front");
    let front = &b["NetworkingConfig"]["EndpointsConfig"]["p_front"];
    assert_eq!(front["Aliases"], json!(["p-web-1", "web", "www"]));
    assert_eq!(front["IPAMConfig"], json!({"IPv4Address": "10.5.0.10"}));
    assert_eq!(front["IPAddress"], "10.5.0.10");
    assert_eq!(front["MacAddress"], "02:42:ac:11:00:02");
    assert_eq!(c.extra_networks.len(), 1);
    let (name, back) = &c.extra_networks[0];
    assert_eq!(name, "p_back");
    assert_eq!(back.aliases, Some(vec!["p-web-1".to_string(), "web".to_string()]));
    assert_eq!(back.mac_address, None);
}

#[test]
fn links_name_every_replica_and_go_on_every_endpoint() {
    let c = create("web", 2, None);
    let links = c.body.host_config.as_ref().unwrap().links.clone().unwrap();
    assert_eq!(
        links,
        [
            "p-db-1:database",
            "p-db-1:db-2",
            "p-db-1:p-db-2",
            "p-db-2:database",
            "p-db-2:db-2",
            "p-db-2:p-db-2",
            "legacy:legacy"
        ]
    );
    assert_eq!(c.extra_networks[0].1.links.as_ref(), Some(&links));
}

#[test]
fn healthcheck_in_nanoseconds() {
    let (_, b) = web();
    assert_eq!(
        b["Healthcheck"],
        json!({"Test": ["CMD", "true"], "Interval": 10_000_000_000i64, "Timeout": 3_000_000_000i64,
               "Retries": 4, "StartPeriod": 60_000_000_000i64})
    );
}

#[test]
fn host_settings_and_resources() {
    let (_, b) = web();
    let h = &b["HostConfig"];
    assert_eq!(
        h["RestartPolicy"],
        json!({"Name": "on-failure", "MaximumRetryCount": 3})
    );
    assert_eq!(h["Init"], true);
    assert_eq!(h["CapAdd"], json!(["ALL", "CAP_NET_ADMIN"]));
    assert_eq!(h["CapDrop"], json!(["CAP_MKNOD"]));
    assert_eq!(
        sorted(&h["ExtraHosts"]),
        ["somehost:162.242.195.82", "somehost:::1"]
    );
    assert_eq!(
        h["Ulimits"],
        json!([{"Name": "nofile", "Soft": 1024, "Hard": 2048}, {"Name": "nproc", "Soft": 512, "Hard": 512}])
    );
    assert_eq!(h["Memory"], 268_435_456);
    assert_eq!(h["MemoryReservation"], 67_108_864);
    assert_eq!(h["NanoCpus"], 500_000_000);
    assert_eq!(h["PidsLimit"], 100);
    assert_eq!(
        h["DeviceRequests"],
        json!([{"Driver": "nvidia", "Count": 1, "Capabilities": [["gpu"]]}])
    );
    assert_eq!(h["IpcMode"], "container:p-db-1");
    assert_eq!(
        h["LogConfig"],
        json!({"Type": "json-file", "Config": {"max-size": "10m"}})
    );
    assert_eq!(h.get("Privileged"), None);
}

#[test]
fn a_minimal_service_sends_little() {
    let c = create("db", 1, None);
    let b = serde_json::to_value(&c.body).unwrap();
    let h = b["HostConfig"].as_object().unwrap();
    let mut keys: Vec<&str> = h.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["ExtraHosts", "NetworkMode", "PortBindings"]);
    assert_eq!(h["NetworkMode"], "p_default");
    assert_eq!(h["ExtraHosts"], json!([]));
    assert_eq!(h["PortBindings"], json!({}));
    assert_eq!(b["Image"], "busybox");
    assert_eq!(b.get("Env"), None);
    assert_eq!(
        b["NetworkingConfig"]["EndpointsConfig"]["p_default"]["Aliases"],
        json!(["p-db-1", "db"])
    );
    assert!(c.extra_networks.is_empty());
}

fn service_variant(yaml: &str) -> Json {
    let mut value: serde_yaml::Value = serde_yaml::from_str(PROJECT).unwrap();
    value["services"]["web"] = serde_yaml::from_str(yaml).unwrap();
    let project = crate::load::bind::bind(value).unwrap();
    serde_json::to_value(container(&project, &spec("web", 1), &BTreeMap::new(), None).body).unwrap()
}

#[test]
fn network_mode_of_another_service_names_its_container() {
    let b = service_variant("{image: busybox, network_mode: 'service:db', pid: host}");
    assert_eq!(b["HostConfig"]["NetworkMode"], "container:p-db-1");
    assert_eq!(b["HostConfig"]["PidMode"], "host");
    assert_eq!(b.get("NetworkingConfig"), None);
}

#[test]
fn restart_policies() {
    let policy = |yaml: &str| service_variant(yaml)["HostConfig"]["RestartPolicy"].clone();
    assert_eq!(policy("{image: busybox, restart: 'no'}"), json!({"Name": "no"}));
    assert_eq!(
        policy("{image: busybox, restart: unless-stopped}"),
        json!({"Name": "unless-stopped"})
    );
    assert_eq!(policy("{image: busybox}"), Json::Null);
    let deploy = "{image: busybox, restart: 'no', deploy: {restart_policy: {condition: any}}}";
    assert_eq!(policy(deploy), json!({"Name": "always"}));
    let deploy = "{image: busybox, deploy: {restart_policy: {condition: on-failure, max_attempts: 5}}}";
    assert_eq!(
        policy(deploy),
        json!({"Name": "on-failure", "MaximumRetryCount": 5})
    );
}

#[test]
fn disabled_healthcheck_and_gpus() {
    let b = service_variant("{image: busybox, healthcheck: {disable: true}, gpus: [{count: -1}]}");
    assert_eq!(b["Healthcheck"], json!({"Test": ["NONE"]}));
    assert_eq!(
        b["HostConfig"]["DeviceRequests"],
        json!([{"Count": -1, "Capabilities": [["gpu"]]}])
    );
}

#[test]
fn bind_propagation_needs_a_mount() {
    let b = service_variant(
        "{image: busybox, volumes: [{type: bind, source: /d, target: /d, bind: {propagation: rshared, selinux: z}},
          {type: bind, source: /e, target: /e, bind: {selinux: z}}]}",
    );
    assert_eq!(
        b["HostConfig"]["Mounts"],
        json!([{"Type": "bind", "Source": "/d", "Target": "/d",
                "BindOptions": {"Propagation": "rshared", "CreateMountpoint": true}}])
    );
    assert_eq!(b["HostConfig"]["Binds"], json!(["/e:/e:rw,z"]));
}

fn resource(key: &str) -> ResourceSpec {
    ResourceSpec {
        project: project(),
        key: key.into(),
        name: format!("p_{key}"),
        labels: BTreeMap::from([("com.docker.compose.config-hash".into(), "from the planner".into())]),
    }
}

#[test]
fn network_body() {
    let b = serde_json::to_value(network(&resource("front"))).unwrap();
    assert_eq!(b["Name"], "p_front");
    assert_eq!(b["Driver"], "bridge");
    assert_eq!(b["Internal"], false);
    assert_eq!(b["Options"], json!({"com.docker.network.bridge.name": "pfront"}));
    assert_eq!(
        b["IPAM"],
        json!({"Config": [{"Subnet": "10.5.0.0/24", "Gateway": "10.5.0.1"}]})
    );
    assert_eq!(
        b["Labels"],
        json!({"tier": "front", "com.docker.compose.config-hash": crate::hash::resource::network_hash(&project().networks["front"], "p_front"),
               "com.docker.compose.network": "front",
               "com.docker.compose.project": "p", "com.docker.compose.version": crate::labels::COMPOSE_VERSION})
    );
    let back = serde_json::to_value(network(&resource("back"))).unwrap();
    assert_eq!(back["Internal"], true);
    assert_eq!(back.get("IPAM"), None);
    assert_eq!(back.get("Driver"), None);
}

#[test]
fn volume_body() {
    let b = serde_json::to_value(volume(&resource("cache"))).unwrap();
    assert_eq!(b["Name"], "p_cache");
    assert_eq!(b["Driver"], "local");
    assert_eq!(b["DriverOpts"], json!({"type": "tmpfs", "device": "tmpfs"}));
    assert_eq!(b["Labels"]["com.docker.compose.volume"], "cache");
    assert_eq!(b["Labels"]["com.docker.compose.project"], "p");
    let data = serde_json::to_value(volume(&resource("data"))).unwrap();
    assert_eq!(data["Labels"]["kind"], "db");
    assert_eq!(data.get("Driver"), None);
}

#[test]
fn a_pinned_image_is_run_in_place_of_the_services() {
    let pinned = NewContainer { image: Some("sha256:recorded".into()), ..spec("web", 1) };
    let c = container(&project(), &pinned, &BTreeMap::new(), Some("sha256:recorded"));
    assert_eq!(c.body.image.as_deref(), Some("sha256:recorded"));
    assert_eq!(create("web", 1, None).body.image.as_deref(), Some("busybox:latest"));
}

#[test]
fn the_api_socket_is_bound_and_the_client_configured() {
    let body = serde_json::to_value(&create("tool", 1, None).body).unwrap();
    assert_eq!(sorted(&body["HostConfig"]["Binds"]), ["/srv/work:/work:rw", "/var/run/docker.sock:/var/run/docker.sock:rw"]);
    assert_eq!(sorted(&body["Env"]), ["DOCKER_CONFIG=/run/secrets/docker", "MODE=ci"]);
    let web = serde_json::to_value(&create("web", 1, None).body).unwrap();
    assert!(!web["Env"].to_string().contains("DOCKER_CONFIG"), "only with use_api_socket");
}

//! `up -d`, `down`, `ps` against the real engine, checked the way a user would: container
//! names, labels, networks, DNS between services, published ports, volumes, recreation.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::engine::{docker, exec, inspect, EngineProject};

const STACK: &str = r#"
services:
  db:
    image: busybox:latest
    command: ["sh", "-c", "sleep 1; touch /ready; exec sleep 3600"]
    environment:
      MODE: dev
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1s
      retries: 30
    volumes:
      - data:/data
  web:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 80 -h /www"]
    depends_on:
      db:
        condition: service_healthy
    ports:
      - "127.0.0.1::80"
volumes:
  data: {}
"#;

fn up(p: &EngineProject, extra: &[&str]) {
    let mut args = vec!["up", "-d"];
    args.extend_from_slice(extra);
    p.dockhand(&args).assert_success();
}

fn container_id(name: &str) -> String {
    inspect(name)["Id"].as_str().unwrap_or_default().to_string()
}

#[test]
fn up_creates_the_containers_networks_and_volumes_the_reference_would() {
    let p = EngineProject::new("up-names", &[("compose.yaml", STACK)]);
    up(&p, &[]);
    let n = &p.name;
    assert_eq!(p.containers(), vec![format!("{n}-db-1"), format!("{n}-web-1")]);
    let web = inspect(&format!("{n}-web-1"));
    let labels = &web["Config"]["Labels"];
    assert_eq!(labels["com.docker.compose.project"], n.as_str());
    assert_eq!(labels["com.docker.compose.service"], "web");
    assert_eq!(labels["com.docker.compose.container-number"], "1");
    assert_eq!(labels["com.docker.compose.oneoff"], "False");
    let hash = p.dockhand(&["config", "--hash", "web"]).assert_success().stdout.clone();
    assert_eq!(hash.trim(), format!("web {}", labels["com.docker.compose.config-hash"].as_str().unwrap_or("?")));
    assert_eq!(web["State"]["Running"], true);
    assert!(web["NetworkSettings"]["Networks"].get(format!("{n}_default")).is_some(), "{web}");
    assert!(!docker(&["volume", "ls", "-q", "--filter", &format!("name={n}_data")]).trim().is_empty());
}

#[test]
fn services_reach_each_other_by_name_and_ports_are_published() {
    let p = EngineProject::new("up-dns", &[("compose.yaml", STACK)]);
    up(&p, &[]);
    let n = &p.name;
    let (ok, _) = exec(&format!("{n}-db-1"), &["ping", "-c", "1", "-W", "2", "web"]);
    assert!(ok, "db cannot resolve web");
    let port = inspect(&format!("{n}-web-1"))["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!port.is_empty(), "port 80 not published");
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect to published port");
    s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(body.contains("hello-from-web"), "{body}");
}

#[test]
fn networks_isolate_services() {
    let yaml = r#"
services:
  a: {image: busybox:latest, command: sleep 3600, networks: [front]}
  b: {image: busybox:latest, command: sleep 3600, networks: [back]}
  c: {image: busybox:latest, command: sleep 3600, networks: {front: {aliases: [see]}, back: {}}}
networks: {front: {}, back: {}}
"#;
    let p = EngineProject::new("up-nets", &[("compose.yaml", yaml)]);
    up(&p, &[]);
    let n = &p.name;
    assert!(exec(&format!("{n}-a-1"), &["ping", "-c", "1", "-W", "2", "c"]).0, "a should reach c");
    assert!(exec(&format!("{n}-a-1"), &["ping", "-c", "1", "-W", "2", "see"]).0, "alias should resolve");
    assert!(!exec(&format!("{n}-a-1"), &["ping", "-c", "1", "-W", "2", "b"]).0, "a must not reach b");
}

#[test]
fn second_up_changes_nothing_and_a_changed_service_alone_is_recreated() {
    let p = EngineProject::new("up-idem", &[("compose.yaml", STACK)]);
    up(&p, &[]);
    let n = &p.name;
    let (db, web) = (container_id(&format!("{n}-db-1")), container_id(&format!("{n}-web-1")));
    up(&p, &[]);
    assert_eq!((container_id(&format!("{n}-db-1")), container_id(&format!("{n}-web-1"))), (db.clone(), web.clone()));
    p.write("compose.yaml", &STACK.replace("MODE: dev", "MODE: prod"));
    let dry = p.dockhand(&["--dry-run", "up", "-d"]).assert_success().stdout.clone();
    assert!(dry.contains(r#"environment.MODE: "dev" → "prod""#), "{dry}");
    assert_eq!(container_id(&format!("{n}-db-1")), db, "--dry-run must change nothing");
    up(&p, &[]);
    assert_ne!(container_id(&format!("{n}-db-1")), db, "db should be recreated");
    assert_eq!(container_id(&format!("{n}-web-1")), web, "web should be kept");
}

#[test]
fn scale_up_and_down_keeps_the_lowest_numbers() {
    let p = EngineProject::new("up-scale", &[("compose.yaml", "services:\n  w:\n    image: busybox:latest\n    command: sleep 3600\n")]);
    up(&p, &["--scale", "w=3"]);
    let n = &p.name;
    assert_eq!(p.containers(), vec![format!("{n}-w-1"), format!("{n}-w-2"), format!("{n}-w-3")]);
    up(&p, &["--scale", "w=1"]);
    assert_eq!(p.containers(), vec![format!("{n}-w-1")]);
}

#[test]
fn orphans_are_reported_and_removed_on_request() {
    let two = "services:\n  a: {image: busybox:latest, command: sleep 3600}\n  b: {image: busybox:latest, command: sleep 3600}\n";
    let p = EngineProject::new("up-orphans", &[("compose.yaml", two)]);
    up(&p, &[]);
    p.write("compose.yaml", "services:\n  a: {image: busybox:latest, command: sleep 3600}\n");
    let out = p.dockhand(&["up", "-d"]);
    out.assert_success();
    assert!(out.stderr.contains("orphan"), "{}", out.stderr);
    assert_eq!(p.containers().len(), 2);
    up(&p, &["--remove-orphans"]);
    assert_eq!(p.containers(), vec![format!("{}-a-1", p.name)]);
}

#[test]
fn volumes_survive_down_and_go_with_down_v() {
    let yaml = "services:\n  a:\n    image: busybox:latest\n    command: sleep 3600\n    volumes: [keep:/keep]\nvolumes:\n  keep: {}\n";
    let p = EngineProject::new("down-vol", &[("compose.yaml", yaml)]);
    up(&p, &[]);
    let n = &p.name;
    assert!(exec(&format!("{n}-a-1"), &["sh", "-c", "echo persisted > /keep/f"]).0);
    p.dockhand(&["down"]).assert_success();
    assert!(p.containers().is_empty());
    assert!(docker(&["network", "ls", "-q", "--filter", &p.label()]).trim().is_empty(), "network left behind");
    up(&p, &[]);
    assert_eq!(exec(&format!("{n}-a-1"), &["cat", "/keep/f"]).1.trim(), "persisted");
    p.dockhand(&["down", "-v"]).assert_success();
    assert!(docker(&["volume", "ls", "-q", "--filter", &p.label()]).trim().is_empty(), "volume left behind");
}

#[test]
fn down_works_with_only_a_project_name() {
    let p = EngineProject::new("down-name", &[("compose.yaml", "services:\n  a: {image: busybox:latest, command: sleep 3600}\n")]);
    up(&p, &[]);
    let elsewhere = tempfile::tempdir().unwrap();
    common::dockhand(elsewhere.path()).args(["-p", p.name.as_str(), "down"]).run().assert_success();
    assert!(p.containers().is_empty());
}

#[test]
fn ps_lists_the_projects_containers() {
    let p = EngineProject::new("ps", &[("compose.yaml", STACK)]);
    up(&p, &[]);
    let n = &p.name;
    let table = p.dockhand(&["ps"]).assert_success().stdout.clone();
    let header = table.lines().next().unwrap_or_default();
    for col in ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(table.contains(&format!("{n}-web-1")), "{table}");
    let json = p.dockhand(&["ps", "--format", "json"]).assert_success().stdout.clone();
    let rows: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| r["Service"] == "web" && r["State"] == "running"), "{json}");
    assert_eq!(p.dockhand(&["ps", "--services"]).assert_success().stdout.lines().count(), 2);
    assert_eq!(p.dockhand(&["ps", "-q"]).assert_success().stdout.lines().count(), 2);
    let custom = p.dockhand(&["ps", "--format", "{{.Service}} {{.State}}"]).assert_success().stdout.clone();
    assert_eq!(custom, "db running\nweb running\n");
    let columns = p.dockhand(&["ps", "--format", "table {{.Name}}\\t{{.State}}"]).assert_success().stdout.clone();
    assert_eq!(columns.lines().next(), Some(format!("{:<w$}STATE", "NAME", w = n.len() + 9).as_str()), "{columns}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), r#"{"psFormat":"table {{.Name}}"}"#).unwrap();
    let configured = p.cmd(&["ps"]).env("DOCKER_CONFIG", &dir.path().to_string_lossy()).run();
    assert_eq!(configured.stdout, format!("NAME\n{n}-db-1\n{n}-web-1\n"), "{}", configured.describe());
}

/// The table cuts a long command as `docker ps` does; `--no-trunc` prints it whole.
/// `--orphans=false` is accepted (it leaves out only services the file no longer has).
#[test]
fn ps_no_trunc_prints_whole_commands() {
    let file = "services:\n  a:\n    image: busybox:latest\n    command: [sh, -c, \"echo a long command that goes on; exec sleep 3600\"]\n";
    let p = EngineProject::new("ps-trunc", &[("compose.yaml", file)]);
    up(&p, &[]);
    let cut = p.dockhand(&["ps"]).assert_success().stdout.clone();
    assert!(cut.contains("\"sh -c 'echo a long …\""), "{cut}");
    let whole = p.dockhand(&["ps", "--no-trunc", "--orphans=false"]).assert_success().stdout.clone();
    assert!(whole.contains("\"sh -c 'echo a long command that goes on; exec sleep 3600'\""), "{whole}");
}

#[test]
fn bad_input_creates_nothing() {
    let p = EngineProject::new("bad", &[("compose.yaml", "services:\n  a:\n    image: busybox:latest\n    restart: sometimes\n")]);
    let out = p.dockhand(&["up", "-d"]);
    out.assert_failure();
    assert!(out.stderr.contains("compose.yaml:4:"), "{}", out.stderr);
    assert!(p.containers().is_empty());
    assert!(docker(&["network", "ls", "-q", "--filter", &p.label()]).trim().is_empty());
}

#[test]
fn unreachable_engine_is_one_clear_error() {
    let p = EngineProject::new("noengine", &[("compose.yaml", "services:\n  a: {image: busybox:latest}\n")]);
    let out = p.cmd(&["up", "-d"]).env("DOCKER_HOST", "unix:///nonexistent/docker.sock").run();
    out.assert_failure();
    assert!(out.stderr.contains("cannot reach the Docker engine"), "{}", out.stderr);
}

#[test]
fn reference_and_dockhand_see_each_others_projects() {
    let yaml = "services:\n  a: {image: busybox:latest, command: sleep 3600}\n  b: {image: busybox:latest, command: sleep 3600, depends_on: [a]}\n";
    let p = EngineProject::new("interop", &[("compose.yaml", yaml)]);
    let Some(reference) = common::reference(p.path()) else { return };
    let reference = reference.args(["-p", p.name.as_str()]);
    reference.clone().args(["up", "-d"]).run().assert_success();
    let ps = p.dockhand(&["ps", "--format", "json"]).assert_success().stdout.clone();
    assert_eq!(ps.lines().count(), 2, "{ps}");
    p.dockhand(&["down"]).assert_success();
    assert!(p.containers().is_empty());
    up(&p, &[]);
    let ps = reference.clone().args(["ps", "--format", "json"]).run();
    assert_eq!(ps.assert_success().stdout.lines().count(), 2, "{}", ps.stdout);
    reference.args(["down"]).run().assert_success();
    assert!(p.containers().is_empty());
}

const NETS: &str = r#"
services:
  api: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, networks: {back: {aliases: [backend]}}}
  web: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, networks: [front, back]}
  solo: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, networks: [front]}
networks:
  front: {}
  back: {labels: {tier: one}}
"#;

fn network_id(name: &str) -> String {
    docker(&["network", "inspect", "-f", "{{.Id}}", name]).trim().to_string()
}

/// A changed network is made anew; the containers on it keep their ids, come back on it
/// with their aliases, and the rest of the project is left alone.
fn assert_network_recreated_in_place(p: &EngineProject) {
    let n = &p.name;
    let ids: Vec<String> = ["api", "web", "solo"].iter().map(|s| container_id(&format!("{n}-{s}-1"))).collect();
    let (back, front) = (network_id(&format!("{n}_back")), network_id(&format!("{n}_front")));
    p.write("compose.yaml", &NETS.replace("tier: one", "tier: two"));
    let dry = p.dockhand(&["--dry-run", "up", "-d"]).assert_success().stdout.clone();
    assert!(dry.contains(r#"labels.tier: "one" → "two""#), "{dry}");
    assert_eq!(network_id(&format!("{n}_back")), back, "--dry-run must change nothing");
    up(p, &[]);
    assert_ne!(network_id(&format!("{n}_back")), back, "back should be made anew");
    assert_eq!(network_id(&format!("{n}_front")), front, "front should be kept");
    let labels = &inspect_network(&format!("{n}_back"))["Labels"];
    assert_eq!(labels["tier"], "two");
    let now: Vec<String> = ["api", "web", "solo"].iter().map(|s| container_id(&format!("{n}-{s}-1"))).collect();
    assert_eq!(now, ids, "containers are reconnected, not recreated");
    for s in ["api", "web", "solo"] {
        assert_eq!(inspect(&format!("{n}-{s}-1"))["State"]["Running"], true, "{s} should run again");
    }
    assert!(exec(&format!("{n}-web-1"), &["ping", "-c", "1", "-W", "2", "backend"]).0, "alias kept");
    assert!(exec(&format!("{n}-web-1"), &["ping", "-c", "1", "-W", "2", "api"]).0, "service name kept");
    let again = p.dockhand(&["--dry-run", "up", "-d"]).assert_success().stdout.clone();
    assert!(again.contains("nothing to do"), "{again}");
}

fn inspect_network(name: &str) -> serde_json::Value {
    let out = docker(&["network", "inspect", name]);
    serde_json::from_str::<serde_json::Value>(&out).map(|v| v[0].clone()).unwrap_or_default()
}

#[test]
fn a_changed_network_is_recreated_and_its_containers_reconnected() {
    let p = EngineProject::new("up-netchange", &[("compose.yaml", NETS)]);
    up(&p, &[]);
    assert_network_recreated_in_place(&p);
}

#[test]
fn a_changed_network_the_reference_made_is_recreated_too() {
    let p = EngineProject::new("up-netref", &[("compose.yaml", NETS)]);
    let Some(reference) = common::reference(p.path()) else { return };
    reference.args(["-p", p.name.as_str(), "up", "-d"]).run().assert_success();
    let back = network_id(&format!("{}_back", p.name));
    let dry = p.dockhand(&["--dry-run", "up", "-d"]).assert_success().stdout.clone();
    assert!(dry.contains("nothing to do"), "the reference's network must match ours: {dry}");
    assert_eq!(network_id(&format!("{}_back", p.name)), back);
    assert_network_recreated_in_place(&p);
}

const SHARED: &str = r#"
services:
  base: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, environment: {MODE: dev}}
  follower: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, network_mode: "service:base"}
"#;

#[test]
fn a_service_in_anothers_namespace_follows_it_when_it_is_recreated() {
    let p = EngineProject::new("up-shared", &[("compose.yaml", SHARED)]);
    up(&p, &[]);
    let n = &p.name;
    let (base, follower) = (container_id(&format!("{n}-base-1")), container_id(&format!("{n}-follower-1")));
    up(&p, &[]);
    assert_eq!(container_id(&format!("{n}-follower-1")), follower, "a no-op up keeps the follower");
    p.write("compose.yaml", &SHARED.replace("MODE: dev", "MODE: prod"));
    up(&p, &[]);
    let new_base = container_id(&format!("{n}-base-1"));
    assert_ne!(new_base, base);
    let f = inspect(&format!("{n}-follower-1"));
    assert_ne!(f["Id"], follower.as_str(), "the follower should be recreated with base");
    assert_eq!(f["HostConfig"]["NetworkMode"], format!("container:{new_base}").as_str());
    assert_eq!(f["State"]["Running"], true);
}

const LABELLED_VOLUME: &str = r#"
services:
  a: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, volumes: ["data:/data"]}
volumes:
  data: {labels: {tier: one}}
"#;

#[test]
fn a_changed_volume_is_kept_unless_up_is_told_yes() {
    let p = EngineProject::new("up-volchange", &[("compose.yaml", LABELLED_VOLUME)]);
    up(&p, &[]);
    let n = &p.name;
    assert!(exec(&format!("{n}-a-1"), &["sh", "-c", "echo kept > /data/f"]).0);
    p.write("compose.yaml", &LABELLED_VOLUME.replace("tier: one", "tier: two"));
    let out = p.dockhand(&["up", "-d"]).assert_success().clone();
    assert!(out.stderr.contains(&format!("volume \"{n}_data\" exists but doesn't match")), "{}", out.stderr);
    assert_eq!(exec(&format!("{n}-a-1"), &["cat", "/data/f"]).1.trim(), "kept");
    up(&p, &["-y"]);
    let labels = docker(&["volume", "inspect", "-f", "{{index .Labels \"tier\"}}", &format!("{n}_data")]);
    assert_eq!(labels.trim(), "two");
    assert!(!exec(&format!("{n}-a-1"), &["test", "-e", "/data/f"]).0, "the volume should be new");
    assert_eq!(inspect(&format!("{n}-a-1"))["State"]["Running"], true);
}

#[test]
fn a_container_taken_off_its_network_is_recreated_on_it() {
    let p = EngineProject::new("up-netoff", &[("compose.yaml", NETS)]);
    up(&p, &[]);
    let n = &p.name;
    let web = container_id(&format!("{n}-web-1"));
    docker(&["network", "disconnect", "-f", &format!("{n}_back"), &format!("{n}-web-1")]);
    let dry = p.dockhand(&["--dry-run", "up", "-d"]).assert_success().stdout.clone();
    assert!(dry.contains("network back not attached"), "{dry}");
    up(&p, &[]);
    assert_ne!(container_id(&format!("{n}-web-1")), web);
    assert!(exec(&format!("{n}-web-1"), &["ping", "-c", "1", "-W", "2", "backend"]).0, "back again");
}

#[test]
fn remove_orphans_set_in_the_env_file_removes_exited_one_offs() {
    let yaml = "services:\n  test: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s}\n  job: {image: busybox:latest, command: echo hello, profiles: [run]}\n";
    let p = EngineProject::new("up-orphan-env", &[("compose.yaml", yaml), (".env", "COMPOSE_REMOVE_ORPHANS=true\n")]);
    p.dockhand(&["run", "job"]).assert_success();
    let one_offs = || docker(&["ps", "-aq", "--filter", &p.label(), "--filter", "label=com.docker.compose.oneoff=True"]);
    assert!(!one_offs().trim().is_empty(), "run leaves its exited container");
    up(&p, &[]);
    assert!(one_offs().trim().is_empty(), "up removes it: {}", one_offs());
    assert_eq!(inspect(&format!("{}-test-1", p.name))["State"]["Running"], true);
}

#[test]
fn all_resources_makes_networks_and_volumes_no_service_uses() {
    let yaml = "services:\n  a: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s}\nnetworks:\n  spare: {}\nvolumes:\n  spare: {}\n";
    let p = EngineProject::new("up-allres", &[("compose.yaml", yaml)]);
    up(&p, &[]);
    let spare = || docker(&["network", "ls", "-q", "--filter", &format!("name={}_spare", p.name)]);
    assert!(spare().trim().is_empty(), "unused networks are not made by default");
    p.dockhand(&["--all-resources", "up", "-d"]).assert_success();
    assert!(!spare().trim().is_empty(), "--all-resources makes the unused network");
    let volume = docker(&["volume", "inspect", "-f", "{{.Name}}", &format!("{}_spare", p.name)]);
    assert_eq!(volume.trim(), format!("{}_spare", p.name), "and the unused volume");
    p.dockhand(&["--all-resources", "down", "-v"]).assert_success();
    assert!(spare().trim().is_empty());
}

#[test]
fn compatibility_names_containers_the_v1_way() {
    let yaml = "services:\n  simple: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s}\n";
    let p = EngineProject::new("up-compat", &[("compose.yaml", yaml)]);
    p.dockhand(&["--compatibility", "up", "-d"]).assert_success();
    assert_eq!(p.containers(), vec![format!("{}_simple_1", p.name)]);
    let again = p.dockhand(&["--compatibility", "--dry-run", "up", "-d"]).assert_success().stdout.clone();
    assert!(again.contains("nothing to do"), "{again}");
    let env = p.cmd(&["--dry-run", "up", "-d"]).env("COMPOSE_COMPATIBILITY", "true").run();
    assert!(env.stdout.contains("nothing to do"), "{}", env.describe());
}

#[test]
fn switching_an_external_volume_recreates_the_container_on_the_new_one() {
    let yaml = "services:\n  app: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, volumes: [\"data:/v\"]}\nvolumes:\n  data: {external: true, name: \"${VOL}\"}\n";
    let p = EngineProject::new("up-volswitch", &[("compose.yaml", yaml)]);
    let (one, two) = (format!("{}-one", p.name), format!("{}-two", p.name));
    let _volumes = ExternalVolumes(p.name.clone(), vec![one.clone(), two.clone()]);
    docker(&["volume", "create", &one]);
    docker(&["volume", "create", &two]);
    let mounted = || inspect(&format!("{}-app-1", p.name))["Mounts"][0]["Name"].as_str().unwrap_or_default().to_string();
    p.cmd(&["up", "-d"]).env("VOL", &one).run().assert_success();
    assert_eq!(mounted(), one);
    p.cmd(&["up", "-d"]).env("VOL", &two).run().assert_success();
    assert_eq!(mounted(), two);
}

/// Volumes a test made outside the project: removed after the project's containers, even
/// when the test fails.
struct ExternalVolumes(String, Vec<String>);

impl Drop for ExternalVolumes {
    fn drop(&mut self) {
        common::engine::remove_project(&self.0);
        for v in &self.1 {
            docker(&["volume", "rm", "-f", v]);
        }
    }
}

#[test]
fn scale_sets_replicas_of_the_services_named_and_resets_their_dependencies() {
    let yaml = "services:\n  back: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s, depends_on: [db]}\n  db: {image: busybox:latest, command: sleep 3600, stop_grace_period: 1s}\n";
    let p = EngineProject::new("up-scalecmd", &[("compose.yaml", yaml)]);
    up(&p, &["--scale", "db=2"]);
    let count = |s: &str| p.containers().iter().filter(|c| c.contains(&format!("-{s}-"))).count();
    p.dockhand(&["scale", "--no-deps", "back=3"]).assert_success();
    assert_eq!((count("back"), count("db")), (3, 2), "--no-deps leaves db alone");
    p.dockhand(&["scale", "back=1"]).assert_success();
    assert_eq!((count("back"), count("db")), (1, 1), "db goes back to the file's count");
    assert_eq!(p.containers().iter().filter(|c| c.ends_with("-back-1")).count(), 1, "the lowest number stays");
}

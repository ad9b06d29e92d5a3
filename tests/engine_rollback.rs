//! `rollback` against the real engine: a service returns to the image and configuration it
//! had before the last `up` that changed it, and a second rollback to the newer one; `--dry-run`
//! changes nothing; a service with nothing recorded is refused by name and passed over
//! otherwise; an image a rebuild replaced under the same tag is run again by id, and `down
//! --rmi local` keeps an image a staying container records.

mod common;

use std::process::Command;

use common::engine::{exec, inspect, EngineProject, RemoveImages};

const COMPOSE: &str = r#"
services:
  web:
    image: ${IMAGE:-busybox:latest}
    command: ["sleep", "600"]
    stop_grace_period: 1s
    environment:
      MODE: ${MODE:-one}
  db:
    image: busybox:latest
    command: ["sleep", "600"]
    stop_grace_period: 1s
"#;

/// `dockhand <args>` with the variables the file reads.
fn run(p: &EngineProject, vars: &[(&str, &str)], args: &[&str]) -> common::Output {
    let mut cmd = p.cmd(args);
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

fn container(p: &EngineProject, service: &str) -> String {
    format!("{}-{service}-1", p.name)
}

/// The container's id, image id and MODE.
fn state(p: &EngineProject) -> (String, String, String) {
    let c = inspect(&container(p, "web"));
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mode = exec(&container(p, "web"), &["sh", "-c", "echo $MODE"]).1.trim().to_string();
    (text(&c["Id"]), text(&c["Image"]), mode)
}

/// Builds `FROM busybox:latest` with `step`, tagged `tag`, with the docker CLI (its classic
/// builder: the CLI needs the buildx plugin for BuildKit).
fn build(dir: &std::path::Path, tag: &str, step: &str) -> String {
    std::fs::write(dir.join("Dockerfile.test"), format!("FROM busybox:latest\n{step}\n")).unwrap();
    let status = Command::new("docker")
        .args(["build", "-q", "-t", tag, "-f"])
        .arg(dir.join("Dockerfile.test"))
        .arg(dir)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .expect("docker build");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    inspect(tag)["Id"].as_str().unwrap_or_default().to_string()
}

/// A project of COMPOSE and an image of its own, `<project>-img:other`, with its id. The
/// guard comes first so that it drops last, once the project's containers no longer use it.
fn with_image(test: &str) -> (RemoveImages, EngineProject, String, String) {
    let p = EngineProject::new(test, &[("compose.yaml", COMPOSE)]);
    let tag = format!("{}-img:other", p.name);
    let id = build(p.path(), &tag, "LABEL dev.dockhand.test=rollback");
    (RemoveImages(vec![tag.clone()]), p, tag, id)
}

fn hash(p: &EngineProject, vars: &[(&str, &str)]) -> String {
    let out = run(p, vars, &["config", "--hash", "web"]);
    out.assert_success().stdout.split_whitespace().nth(1).unwrap_or_default().to_string()
}

#[test]
fn rollback_returns_to_the_previous_image_and_environment_and_a_second_one_to_the_newer() {
    let (_image, p, tag, v2) = with_image("rollback");
    let busybox = inspect("busybox:latest")["Id"].as_str().unwrap_or_default().to_string();
    let newer = [("IMAGE", tag.as_str()), ("MODE", "two")];

    run(&p, &[], &["up", "-d"]).assert_success();
    run(&p, &newer, &["up", "-d"]).assert_success();
    let (updated, image, mode) = state(&p);
    assert_eq!((image.as_str(), mode.as_str()), (v2.as_str(), "two"));
    let db = inspect(&container(&p, "db"))["Id"].clone();

    let dry = run(&p, &newer, &["--dry-run", "rollback"]);
    let plan = &dry.assert_success().stdout;
    assert!(plan.contains("recreate") && plan.contains("container:web:1"), "{plan}");
    assert!(plan.contains(r#"environment.MODE: "two" → "one""#), "{plan}");
    assert!(dry.stderr.contains("service db: nothing recorded to roll back to"), "{}", dry.describe());
    assert_eq!(state(&p).0, updated, "--dry-run changes nothing");

    run(&p, &newer, &["rollback"]).assert_success();
    let (rolled, image, mode) = state(&p);
    assert_ne!(rolled, updated);
    assert_eq!((image.as_str(), mode.as_str()), (busybox.as_str(), "one"), "the previous image and environment");
    assert_eq!(inspect(&container(&p, "db"))["Id"], db, "db recorded nothing and is left alone");
    let labels = &inspect(&container(&p, "web"))["Config"]["Labels"];
    assert_eq!(labels["com.docker.compose.config-hash"].as_str(), Some(hash(&p, &[]).as_str()), "the hash of the older file");

    let again = run(&p, &newer, &["--dry-run", "up", "-d"]);
    assert!(again.assert_success().stdout.contains(r#"environment.MODE: "one" → "two""#), "up sees the file differ");

    run(&p, &newer, &["rollback", "web"]).assert_success();
    let (_, image, mode) = state(&p);
    assert_eq!((image.as_str(), mode.as_str()), (v2.as_str(), "two"), "a second rollback returns to the newer");
}

#[test]
fn a_service_with_nothing_recorded_is_refused_by_name_and_passed_over_otherwise() {
    let p = EngineProject::new("rollback-none", &[("compose.yaml", COMPOSE)]);
    run(&p, &[], &["up", "-d"]).assert_success();
    let (id, _, _) = state(&p);
    let named = run(&p, &[], &["rollback", "web"]);
    named.assert_failure();
    assert!(named.stderr.contains("service web: nothing recorded to roll back to"), "{}", named.describe());
    let all = run(&p, &[], &["rollback"]);
    all.assert_success();
    assert!(all.stderr.contains("nothing to roll back"), "{}", all.describe());
    assert_eq!(state(&p).0, id);
    let unknown = run(&p, &[], &["rollback", "nosuch"]);
    assert!(unknown.assert_failure().stderr.contains("no such service: nosuch"), "{}", unknown.describe());
}

/// A container the reference made records no configuration: its replacement has nothing to
/// return to, and says so.
#[test]
fn a_container_the_reference_made_leaves_nothing_to_roll_back_to() {
    let p = EngineProject::new("rollback-ref", &[("compose.yaml", COMPOSE)]);
    let Some(reference) = common::reference(p.path()) else { return };
    reference.args(["-p", p.name.as_str(), "up", "-d"]).run().assert_success();
    run(&p, &[("MODE", "two")], &["up", "-d"]).assert_success();
    let out = run(&p, &[("MODE", "two")], &["rollback", "web"]);
    assert!(out.assert_failure().stderr.contains("nothing recorded"), "{}", out.describe());
    assert_eq!(state(&p).2, "two");
}

const BUILT: &str = r#"
services:
  web:
    build: .
    command: ["sleep", "600"]
    stop_grace_period: 1s
  worker:
    image: ${P}-web
    pull_policy: never
    depends_on: [web]
    command: ["sleep", "600"]
    stop_grace_period: 1s
"#;

fn version(p: &EngineProject, service: &str) -> String {
    exec(&container(p, service), &["cat", "/version"]).1
}

/// The same tag built twice: the first image is left without a tag, and rollback runs it by
/// id. `down web --rmi local` then keeps the image the rolled-back worker records.
#[test]
fn a_rebuilt_image_is_rolled_back_to_by_id_and_kept_while_recorded() {
    let p = EngineProject::new("rollback-built", &[("compose.yaml", BUILT), ("Dockerfile", "FROM busybox:latest\nRUN echo one > /version\n")]);
    let vars = [("P", p.name.as_str())];
    let _images = RemoveImages(vec![format!("{}-web", p.name)]);
    run(&p, &vars, &["up", "-d", "--build"]).assert_success();
    let first = inspect(&format!("{}-web", p.name))["Id"].as_str().unwrap_or_default().to_string();
    p.write("Dockerfile", "FROM busybox:latest\nRUN echo two > /version\n");
    run(&p, &vars, &["up", "-d", "--build"]).assert_success();
    assert_eq!((version(&p, "web"), version(&p, "worker")), ("two\n".into(), "two\n".into()));
    let second = inspect(&format!("{}-web", p.name))["Id"].as_str().unwrap_or_default().to_string();
    assert_ne!(first, second);

    run(&p, &vars, &["rollback", "worker"]).assert_success();
    assert_eq!(version(&p, "worker"), "one\n", "the first build, whose tag moved");
    assert_eq!(inspect(&container(&p, "worker"))["Image"].as_str(), Some(first.as_str()));

    let down = run(&p, &vars, &["down", "web", "--rmi", "local"]);
    assert!(down.assert_success().stderr.contains("is kept"), "{}", down.describe());
    assert_eq!(inspect(&second)["Id"].as_str(), Some(second.as_str()), "worker records it: kept");
    run(&p, &vars, &["rollback", "worker"]).assert_success();
    assert_eq!(version(&p, "worker"), "two\n");
}

#[test]
fn a_recorded_image_that_is_gone_stops_the_rollback_before_anything_changes() {
    let (_image, p, tag, old) = with_image("rollback-gone");
    run(&p, &[("IMAGE", &tag)], &["up", "-d"]).assert_success();
    run(&p, &[], &["up", "-d"]).assert_success();
    common::engine::docker(&["image", "rm", &tag]);
    let (id, _, _) = state(&p);
    let out = run(&p, &[], &["rollback"]);
    assert!(out.assert_failure().stderr.contains(&old), "names the image: {}", out.describe());
    assert_eq!(state(&p).0, id, "nothing changed");
}

/// A start-first update makes its replacement beside the old container, under another replica
/// number: it records what it replaced all the same, and so does the rollback's.
#[test]
fn a_start_first_update_records_what_it_replaced_too() {
    let file = COMPOSE.replace("    stop_grace_period: 1s\n    environment:", "    stop_grace_period: 1s\n    deploy: {update_config: {order: start-first}}\n    environment:");
    let p = EngineProject::new("rollback-start-first", &[("compose.yaml", &file)]);
    let mode = || {
        let ids = common::engine::docker(&["ps", "-q", "--filter", &p.label(), "--filter", "label=com.docker.compose.service=web"]);
        let ids: Vec<&str> = ids.split_whitespace().collect();
        assert_eq!(ids.len(), 1, "one web container: {ids:?}");
        exec(ids[0], &["sh", "-c", "echo $MODE"]).1.trim().to_string()
    };
    run(&p, &[], &["up", "-d"]).assert_success();
    run(&p, &[("MODE", "two")], &["up", "-d"]).assert_success();
    assert_eq!(mode(), "two");
    run(&p, &[("MODE", "two")], &["rollback", "web"]).assert_success();
    assert_eq!(mode(), "one");
    run(&p, &[("MODE", "two")], &["rollback", "web"]).assert_success();
    assert_eq!(mode(), "two");
}

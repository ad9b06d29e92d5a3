//! `exec` and `run` against the real engine: exit codes, environment, one-off naming and
//! labels, dependencies started first, and `--rm` leaving nothing behind.

mod common;

use common::engine::{docker, inspect, EngineProject};
use serde_json::json;

const FILE: &str = r#"
services:
  db:
    image: busybox:latest
    command: ["sh", "-c", "touch /ready; exec sleep 3600"]
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1s
      retries: 20
  app:
    image: busybox:latest
    command: ["sh", "-c", "echo default command"]
    environment:
      MODE: dev
    depends_on:
      db:
        condition: service_healthy
"#;

fn oneoffs(p: &EngineProject) -> Vec<String> {
    let out = docker(&["ps", "-a", "--filter", &p.label(), "--filter", "label=com.docker.compose.oneoff=True", "--format", "{{.Names}}"]);
    out.lines().map(str::to_string).collect()
}

#[test]
fn exec_returns_the_commands_exit_code_and_takes_its_options() {
    let p = EngineProject::new("exec", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d", "db"]).assert_success();
    let out = p.dockhand(&["exec", "-T", "db", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert_eq!(out.stdout, "out\n");
    assert_eq!(out.stderr, "err\n");
    let out = p.dockhand(&["exec", "-T", "-e", "GREETING=hi", "-w", "/bin", "-u", "1234", "db", "sh", "-c", "echo $GREETING $(pwd) $(id -u)"]);
    assert_eq!(out.stdout, "hi /bin 1234\n", "{}", out.describe());
    let piped = p.cmd(&["exec", "-T", "db", "cat"]).stdin("through stdin\n").run();
    assert_eq!(piped.stdout, "through stdin\n", "{}", piped.describe());

    let missing = p.dockhand(&["exec", "-T", "app", "true"]);
    missing.assert_failure();
    assert!(missing.stderr.contains("service \"app\" is not running"), "{}", missing.describe());
    let unknown = p.dockhand(&["exec", "-T", "nope", "true"]);
    unknown.assert_failure();
    assert!(unknown.stderr.contains("no such service: nope"), "{}", unknown.describe());
}

#[test]
fn run_rm_starts_dependencies_propagates_the_code_and_leaves_nothing() {
    let p = EngineProject::new("run", &[("compose.yaml", FILE)]);
    let out = p.dockhand(&["run", "--rm", "-e", "EXTRA=1", "app", "sh", "-c", "echo $MODE $EXTRA; exit 7"]);
    assert_eq!(out.code, Some(7), "{}", out.describe());
    assert_eq!(out.stdout, "dev 1\n", "{}", out.describe());
    assert!(oneoffs(&p).is_empty(), "--rm removes the one-off even when it fails");
    let db = inspect(&format!("{}-db-1", p.name));
    assert_eq!(db["State"]["Health"]["Status"], "healthy", "the dependency was started and awaited first");

    let out = p.dockhand(&["run", "--no-deps", "app"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(out.stdout, "default command\n", "{}", out.describe());
    let kept = oneoffs(&p);
    assert_eq!(kept.len(), 1, "without --rm the one-off stays: {kept:?}");
    let prefix = format!("{}-app-run-", p.name);
    assert!(kept[0].starts_with(&prefix) && kept[0].len() == prefix.len() + 12, "{kept:?}");
    let labels = &inspect(&kept[0])["Config"]["Labels"];
    assert_eq!(labels["com.docker.compose.service"], "app");
    assert_eq!(labels["com.docker.compose.slug"].as_str().map(str::len), Some(64));

    let named = p.dockhand(&["run", "-d", "--name", &format!("{}-custom", p.name), "app", "sleep", "30"]);
    named.assert_success();
    assert_eq!(named.stdout.trim().len(), 64, "-d prints the container id: {}", named.describe());
    assert!(oneoffs(&p).contains(&format!("{}-custom", p.name)));
    // As with the reference, a detached one-off keeps STDIN open all the same.
    let config = &inspect(&format!("{}-custom", p.name))["Config"];
    let stdin = (&config["OpenStdin"], &config["AttachStdin"], &config["StdinOnce"]);
    assert_eq!(stdin, (&json!(true), &json!(true), &json!(true)), "{config}");
}

/// `--env-from-file` adds what `-e` did not set (its `${VAR}` sees `-e`); `--volumes` is
/// `--volume` and `--no-tty` is `-T`, as the reference's command line takes them;
/// `--cap-add`/`--cap-drop` reach the one-off.
#[test]
fn run_takes_env_files_capabilities_and_the_references_spellings() {
    let p = EngineProject::new("run-env", &[("compose.yaml", FILE), ("run.env", "FROM_FILE=${EXTRA}-f\nEXTRA=file\n")]);
    let out = p.dockhand(&["run", "--rm", "--no-deps", "--env-from-file", "run.env", "-e", "EXTRA=cli", "app", "sh", "-c", "echo $FROM_FILE $EXTRA"]);
    assert_eq!(out.stdout, "cli-f cli\n", "{}", out.describe());
    let dir = format!("{}:/mounted", p.path().display());
    let out = p.dockhand(&["run", "--rm", "--no-deps", "--volumes", &dir, "app", "ls", "/mounted"]);
    assert!(out.stdout.lines().any(|l| l == "run.env"), "{}", out.describe());
    let name = format!("{}-caps", p.name);
    p.dockhand(&["run", "-d", "--no-tty", "--no-deps", "--name", &name, "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "app", "sleep", "30"]).assert_success();
    let host = &inspect(&name)["HostConfig"];
    // Engine 20.10 writes them back with the `CAP_` prefix.
    let caps = |key: &str| host[key].to_string().replace("CAP_", "");
    assert_eq!((caps("CapAdd"), caps("CapDrop")), (r#"["NET_ADMIN"]"#.to_string(), r#"["CHOWN"]"#.to_string()));
}

#[test]
fn dry_run_run_prints_the_one_off_and_exec_refuses_creating_nothing() {
    let p = EngineProject::new("dryrun", &[("compose.yaml", FILE)]);
    let out = p.dockhand(&["--dry-run", "run", "--rm", "app", "touch", "/made"]);
    out.assert_success();
    assert!(p.containers().is_empty(), "run --dry-run created {:?}", p.containers());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.iter().any(|l| l.contains("container:db:1")), "the dependency is planned: {}", out.describe());
    let created = lines.iter().find(|l| l.contains("create") && l.contains("container:app:run")).unwrap_or_else(|| panic!("{}", out.describe()));
    assert!(created.contains("one-off container") && created.contains("(after"), "{created}");
    assert!(lines.iter().all(|l| !l.contains("container:app:1")), "{}", out.describe());

    p.dockhand(&["up", "-d", "db"]).assert_success();
    let exec = p.dockhand(&["--dry-run", "exec", "-T", "db", "touch", "/made"]);
    exec.assert_failure();
    assert!(exec.stderr.contains("exec does not support --dry-run"), "{}", exec.describe());
    let (made, _) = common::engine::exec(&format!("{}-db-1", p.name), &["ls", "/made"]);
    assert!(!made, "exec --dry-run ran the command");
    assert!(oneoffs(&p).is_empty());
}

//! The lifecycle commands against the real engine: stop/start/restart/kill/pause/unpause/rm
//! change what the engine holds, in dependency order, and treat unknown services as the
//! reference does.

mod common;

use common::engine::{inspect, EngineProject};

const FILE: &str = r#"
services:
  db:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
  web:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    depends_on:
      db:
        condition: service_started
        restart: true
"#;

fn status(p: &EngineProject, service: &str) -> String {
    inspect(&format!("{}-{service}-1", p.name))["State"]["Status"].as_str().unwrap_or("missing").to_string()
}

fn started_at(p: &EngineProject, service: &str) -> String {
    inspect(&format!("{}-{service}-1", p.name))["State"]["StartedAt"].as_str().unwrap_or_default().to_string()
}

#[test]
fn stop_start_pause_unpause_kill() {
    let p = EngineProject::new("life", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    p.dockhand(&["stop", "web"]).assert_success();
    assert_eq!((status(&p, "web").as_str(), status(&p, "db").as_str()), ("exited", "running"));
    p.dockhand(&["start"]).assert_success();
    assert_eq!(status(&p, "web"), "running");
    p.dockhand(&["pause", "db"]).assert_success();
    assert_eq!(status(&p, "db"), "paused");
    let ps = p.dockhand(&["ps", "--services"]);
    assert!(ps.stdout.contains("db"), "a paused container is listed: {}", ps.describe());
    // As with the reference: a container already in the asked state is an error.
    let again = p.dockhand(&["pause", "db"]);
    again.assert_failure();
    assert!(again.stderr.contains("already paused"), "{}", again.describe());
    p.dockhand(&["unpause", "db"]).assert_success();
    assert_eq!(status(&p, "db"), "running");
    let again = p.dockhand(&["unpause", "db"]);
    again.assert_failure();
    assert!(again.stderr.contains("is not paused"), "{}", again.describe());
    p.dockhand(&["kill", "-s", "SIGKILL", "db"]).assert_success();
    assert_eq!(status(&p, "db"), "exited");
    assert_eq!(inspect(&format!("{}-db-1", p.name))["State"]["ExitCode"], 137);
    // As with the reference: starting a name that is no service fails, the other actions
    // find nothing to act on and succeed.
    p.dockhand(&["start", "db"]).assert_success();
    for action in ["stop", "kill", "pause", "unpause"] {
        p.dockhand(&[action, "nope"]).assert_success();
        assert_eq!(status(&p, "db"), "running", "{action} nope must leave db alone");
    }
    for action in ["start", "restart"] {
        let unknown = p.dockhand(&[action, "nope"]);
        unknown.assert_failure();
        assert!(unknown.stderr.contains("no such service: nope"), "{}", unknown.describe());
    }
}

#[test]
fn restart_takes_dependents_that_declared_restart_true() {
    let p = EngineProject::new("life-restart", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let (db0, web0) = (started_at(&p, "db"), started_at(&p, "web"));
    p.dockhand(&["restart", "db"]).assert_success();
    assert_ne!(started_at(&p, "db"), db0);
    let web1 = started_at(&p, "web");
    assert_ne!(web1, web0, "web declared restart: true on db");
    p.dockhand(&["restart", "--no-deps", "db"]).assert_success();
    assert_eq!(started_at(&p, "web"), web1, "--no-deps leaves web alone");
}

#[test]
fn rm_removes_stopped_containers_only_when_told() {
    let p = EngineProject::new("life-rm", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    p.dockhand(&["stop", "web"]).assert_success();
    let asked = p.cmd(&["rm"]).stdin("n\n").run();
    asked.assert_success();
    assert!(asked.stdout.contains(&format!("Going to remove {}-web-1", p.name)), "{}", asked.describe());
    assert_eq!(p.containers().len(), 2, "answering no keeps them");
    p.dockhand(&["rm", "-f"]).assert_success();
    assert_eq!(p.containers(), [format!("{}-db-1", p.name)], "only the stopped one goes");
    p.dockhand(&["rm", "-s", "-f", "db"]).assert_success();
    assert!(p.containers().is_empty());
    let start = p.dockhand(&["start", "db"]);
    start.assert_failure();
    assert!(start.stderr.contains("no container found for project"), "{}", start.describe());
}

#[test]
fn dry_run_lifecycle_commands_print_their_plan_and_change_nothing() {
    let p = EngineProject::new("lifedry", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let before = (started_at(&p, "db"), started_at(&p, "web"));
    for args in [["kill"].as_slice(), &["stop"], &["restart"], &["pause"], &["rm", "-s", "-f"], &["down"], &["down", "web"]] {
        let out = p.dockhand(&[["--dry-run"].as_slice(), args].concat());
        out.assert_success();
        assert!(!out.stdout.is_empty(), "{args:?} prints its plan: {}", out.describe());
        assert_eq!((status(&p, "db").as_str(), status(&p, "web").as_str()), ("running", "running"), "{args:?} --dry-run acted");
    }
    assert_eq!((started_at(&p, "db"), started_at(&p, "web")), before, "nothing was restarted");
    p.dockhand(&["stop", "web"]).assert_success();
    p.dockhand(&["--dry-run", "start"]).assert_success();
    p.dockhand(&["--dry-run", "rm", "-f"]).assert_success();
    assert_eq!(status(&p, "web"), "exited", "start and rm --dry-run left the stopped container as it was");
}

#[test]
fn down_of_a_service_removes_its_containers_only() {
    let p = EngineProject::new("downsvc", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    p.dockhand(&["down", "-v", "web"]).assert_success();
    assert_eq!(p.containers(), vec![format!("{}-db-1", p.name)]);
    assert_eq!(status(&p, "db"), "running");
    let network = common::engine::docker(&["network", "ls", "-q", "--filter", &format!("name=^{}_default$", p.name)]);
    assert!(!network.trim().is_empty(), "the project's network stays for the services left");
}

/// `start --wait` returns once the started services are healthy, and fails when one is not
/// within `--wait-timeout`.
#[test]
fn start_wait_waits_for_health_and_fails_on_a_timeout() {
    let file = r#"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "sleep 2; touch /ready; exec sleep 3600"]
    stop_grace_period: 1s
    healthcheck: {test: ["CMD", "test", "-f", "/ready"], interval: 1s, retries: 30}
  never:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 30}
"#;
    let p = EngineProject::new("start-wait", &[("compose.yaml", file)]);
    p.dockhand(&["up", "-d", "web"]).assert_success();
    p.dockhand(&["stop", "web"]).assert_success();
    p.dockhand(&["start", "--wait", "web"]).assert_success();
    assert_eq!(inspect(&format!("{}-web-1", p.name))["State"]["Health"]["Status"], "healthy");

    p.dockhand(&["create", "never"]).assert_success();
    let out = p.dockhand(&["start", "--wait", "--wait-timeout", "3", "never"]);
    out.assert_failure();
    assert_eq!(status(&p, "never"), "running", "{}", out.describe());
}

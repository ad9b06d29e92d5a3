//! `dockhand stack …` against a real single-node Swarm: the machine's engine when it is a
//! swarm manager (`.ci/run` makes it one for the run), else a test engine of our own put in
//! swarm mode. Every test removes its stacks and the volumes their tasks made, also when it
//! fails. Services use `endpoint_mode: dnsrr`: this kernel has no IPVS.

mod common;

use std::time::Duration;

use common::testengine::TestEngine;
use common::{dockhand, project, unique_project, Output};

/// How long a deploy with `--wait` may take here before the run is killed.
const SLOW: Duration = Duration::from_secs(180);
/// How long a removed stack's tasks and networks may take to go.
const REMOVAL: Duration = Duration::from_secs(60);

/// A swarm manager to deploy to; a test engine of ours goes with it.
struct Swarm {
    host: Option<String>,
    _engine: Option<TestEngine>,
}

impl Swarm {
    fn start() -> Option<Swarm> {
        let state =
            std::process::Command::new("docker").args(["info", "-f", "{{.Swarm.ControlAvailable}}"]).output().ok()?;
        if String::from_utf8_lossy(&state.stdout).trim() == "true" {
            return Some(Swarm { host: None, _engine: None });
        }
        // Without it each task waits ~20 s for a registry no test can reach.
        std::env::set_var("DOCKER_SERVICE_PREFER_OFFLINE_IMAGE", "1");
        let engine = TestEngine::start("busybox:latest")?;
        let lo = std::process::Command::new("ip")
            .args(["netns", "exec", &engine.name, "ip", "link", "set", "lo", "up"])
            .status();
        assert!(lo.is_ok_and(|s| s.success()), "cannot bring up the test engine's loopback");
        let init = std::process::Command::new("docker")
            .args(["-H", &engine.host(), "swarm", "init", "--advertise-addr", "127.0.0.1"])
            .output()
            .expect("docker swarm init");
        assert!(init.status.success(), "swarm init failed: {}", String::from_utf8_lossy(&init.stderr));
        Some(Swarm { host: Some(engine.host()), _engine: Some(engine) })
    }

    fn dockhand(&self, dir: &std::path::Path, args: &[&str]) -> Output {
        let mut run = dockhand(dir).args(args).timeout(SLOW);
        if let Some(h) = &self.host {
            run = run.env("DOCKER_HOST", h);
        }
        run.run()
    }

    /// The docker CLI on this swarm: stdout, and whether it succeeded.
    fn docker(&self, args: &[&str]) -> (bool, String) {
        let mut cmd = std::process::Command::new("docker");
        if let Some(h) = &self.host {
            cmd.args(["-H", h]);
        }
        let out = cmd.args(args).output().expect("docker");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn lines(&self, args: &[&str]) -> Vec<String> {
        let mut l: Vec<String> = self.docker(args).1.lines().map(str::to_string).filter(|l| !l.is_empty()).collect();
        l.sort();
        l
    }
}

/// Removes the stack even when the test failed: the Swarm may be the machine's engine, which
/// is left as found.
struct Removed<'a>(&'a Swarm, String);

impl Drop for Removed<'_> {
    fn drop(&mut self) {
        self.0.remove_stack(&self.1);
    }
}

impl Swarm {
    /// `docker stack rm`, then what it leaves: it returns before the tasks' containers and the
    /// networks are gone, the engine keeps the exited containers of job tasks, and nothing
    /// removes the volumes the tasks made. What is still there after a while, by kind and id.
    fn remove_stack(&self, stack: &str) -> Vec<String> {
        self.docker(&["stack", "rm", stack]);
        let label = format!("label=com.docker.stack.namespace={stack}");
        let remove_exited = || {
            let exited = self.docker(&["ps", "-aq", "--filter", &label, "--filter", "status=exited"]).1;
            for id in exited.split_whitespace() {
                self.docker(&["rm", id]);
            }
        };
        let left = || -> Vec<String> {
            ["service", "container", "network", "config", "secret"]
                .into_iter()
                .flat_map(|kind| {
                    let all = if kind == "container" { "-aq" } else { "-q" };
                    let ids = self.docker(&[kind, "ls", all, "--filter", &label]).1;
                    ids.split_whitespace().map(|id| format!("{kind} {id}")).collect::<Vec<_>>()
                })
                .collect()
        };
        let started = std::time::Instant::now();
        while !left().is_empty() && started.elapsed() < REMOVAL {
            remove_exited();
            std::thread::sleep(Duration::from_millis(250));
        }
        for volume in self.docker(&["volume", "ls", "-q", "--filter", &label]).1.split_whitespace() {
            self.docker(&["volume", "rm", volume]);
        }
        let volumes = self.docker(&["volume", "ls", "-q", "--filter", &label]).1;
        left().into_iter().chain(volumes.split_whitespace().map(|v| format!("volume {v}"))).collect()
    }
}

const APP: &str = r#"
services:
  web:
    image: busybox:latest
    command: [sleep, "600"]
    environment: {MODE: dev}
    configs: [{source: settings, target: /settings}]
    secrets: [token]
    volumes: [data:/data]
    networks: [front]
    deploy: {endpoint_mode: dnsrr, replicas: 2}
  db:
    image: busybox:latest
    command: [sleep, "600"]
    deploy: {endpoint_mode: dnsrr}
configs:
  settings: {file: ./settings.txt}
secrets:
  token: {file: ./token.txt}
volumes:
  data: {}
networks:
  front: {}
"#;

#[test]
fn a_deploy_is_a_docker_stack_and_an_unchanged_redeploy_replaces_no_task() {
    let Some(swarm) = Swarm::start() else { return };
    let stack = unique_project("stack").replace('-', "");
    let dir = project(&[("compose.yml", APP), ("settings.txt", "one\n"), ("token.txt", "s3cret\n")]);
    let _removed = Removed(&swarm, stack.clone());
    let deployed = swarm.dockhand(dir.path(), &["stack", "deploy", "--wait", "--wait-timeout", "120", &stack]);
    deployed.assert_success();
    assert!(deployed.stdout.contains(&format!("Creating service {stack}_web")), "{}", deployed.describe());

    assert!(swarm.lines(&["stack", "ls", "--format", "{{.Name}} {{.Services}}"]).contains(&format!("{stack} 2")));
    let services = swarm.lines(&["stack", "services", &stack, "--format", "{{.Name}} {{.Replicas}}"]);
    assert_eq!(services, [format!("{stack}_db 1/1"), format!("{stack}_web 2/2")]);
    let labels = swarm.docker(&["service", "inspect", &format!("{stack}_web"), "--format", "{{json .Spec.Labels}}"]).1;
    assert!(
        labels.contains(&format!("\"com.docker.stack.namespace\":\"{stack}\""))
            && labels.contains("\"com.docker.stack.image\":\"busybox:latest\""),
        "{labels}"
    );
    let networks = swarm.lines(&[
        "network",
        "ls",
        "--filter",
        &format!("label=com.docker.stack.namespace={stack}"),
        "--format",
        "{{.Name}} {{.Driver}}",
    ]);
    assert_eq!(networks, [format!("{stack}_default overlay"), format!("{stack}_front overlay")]);
    let ps = swarm.dockhand(dir.path(), &["stack", "ps", &stack, "--format", "{{.Name}} {{.DesiredState}}"]);
    assert!(ps.assert_success().stdout.contains(&format!("{stack}_web.2 Running")), "{}", ps.describe());

    let tasks = swarm.lines(&["stack", "ps", "-q", &stack]);
    let version = swarm.docker(&["service", "inspect", &format!("{stack}_web"), "--format", "{{.Version.Index}}"]).1;
    let again = swarm.dockhand(dir.path(), &["stack", "deploy", &stack]);
    assert!(!again.assert_success().stdout.contains("Updating"), "{}", again.describe());
    assert_eq!(swarm.lines(&["stack", "ps", "-q", &stack]), tasks, "an unchanged redeploy replaced tasks");
    assert_eq!(
        swarm.docker(&["service", "inspect", &format!("{stack}_web"), "--format", "{{.Version.Index}}"]).1,
        version
    );

    let config_filter = format!("label=com.docker.stack.namespace={stack}");
    let before = swarm.lines(&["config", "ls", "--filter", &config_filter, "--format", "{{.Name}}"]);
    std::fs::write(dir.path().join("settings.txt"), "two\n").unwrap();
    let dry = swarm.dockhand(dir.path(), &["--dry-run", "stack", "deploy", &stack]);
    assert!(
        dry.assert_success().stdout.contains(&format!("update service {stack}_web: configs./settings.ConfigName")),
        "{}",
        dry.describe()
    );
    let json = swarm.dockhand(dir.path(), &["--progress", "json", "stack", "deploy", "--wait", "--wait-timeout", "120", &stack]);
    let updated = format!("{stack}_web");
    assert!(
        json.assert_success().stderr.lines().any(|l| l.starts_with('{') && l.contains(&updated) && l.contains(r#""status":"Done""#)),
        "--progress json: a JSON line for the service update\n{}",
        json.describe()
    );
    let after = swarm.lines(&["config", "ls", "--filter", &config_filter, "--format", "{{.Name}}"]);
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(after[0].starts_with(&format!("{stack}_settings_")) && after != before, "{before:?} → {after:?}");

    let left = swarm.remove_stack(&stack);
    assert!(left.is_empty(), "left behind by the stack and its removal: {left:?}");
    let listed = swarm.dockhand(dir.path(), &["stack", "ls"]);
    assert!(!listed.assert_success().stdout.contains(&stack), "{}", listed.describe());
}

#[test]
fn dependencies_come_first_and_a_failing_wait_says_why() {
    let Some(swarm) = Swarm::start() else { return };
    let stack = unique_project("deps").replace('-', "");
    let file = r#"
services:
  db:
    image: busybox:latest
    command: [sleep, "600"]
    healthcheck: {test: [CMD, "true"], interval: 1s}
    deploy: {endpoint_mode: dnsrr}
  migrate:
    image: busybox:latest
    command: [sh, -c, "exit 0"]
    deploy: {mode: replicated-job, endpoint_mode: dnsrr}
  web:
    image: busybox:latest
    command: [sleep, "600"]
    privileged: true
    container_name: web
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
    deploy: {endpoint_mode: dnsrr}
"#;
    let dir = project(&[("compose.yml", file)]);
    let _removed = Removed(&swarm, stack.clone());
    let out = swarm.dockhand(dir.path(), &["stack", "deploy", "--wait", "--wait-timeout", "120", &stack]);
    out.assert_success();
    assert!(
        out.stderr.contains("privileged has no meaning on a Swarm and is ignored (services: web)"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("container_name has no meaning on a Swarm and is ignored (services: web)"),
        "{}",
        out.describe()
    );
    let web_created = swarm.docker(&["service", "inspect", &format!("{stack}_web"), "--format", "{{.CreatedAt}}"]).1;
    let db_running = swarm.lines(&["service", "ps", &format!("{stack}_db"), "--format", "{{.ID}}"]);
    let db_started = swarm.docker(&["inspect", &db_running[0], "--format", "{{.Status.Timestamp}}"]).1;
    assert!(db_started.trim() <= web_created.trim(), "web created at {web_created} before db ran at {db_started}");

    let failing = r#"
services:
  broken:
    image: busybox:latest
    command: [sh, -c, "exit 1"]
    deploy: {endpoint_mode: dnsrr, restart_policy: {condition: on-failure, delay: 1s}}
"#;
    let bad = unique_project("bad").replace('-', "");
    let bad_dir = project(&[("compose.yml", failing)]);
    let _bad_removed = Removed(&swarm, bad.clone());
    let failed = swarm.dockhand(bad_dir.path(), &["stack", "deploy", "--wait", "--wait-timeout", "120", &bad]);
    failed.assert_failure();
    assert!(failed.stderr.contains(&format!("{bad}_broken: task: non-zero exit (1)")), "{}", failed.describe());
}

/// A task that runs for a moment and then exits is no converged service: the engine shows it
/// running until it notices the exit, which `--wait` must not take for success (it counts a
/// task once it has run for a second).
#[test]
fn a_task_that_crashes_right_after_it_started_fails_the_wait() {
    let Some(swarm) = Swarm::start() else { return };
    let stack = unique_project("crash").replace('-', "");
    let file = r#"
services:
  crashes:
    image: busybox:latest
    command: [sh, -c, "sleep 0.1; exit 3"]
    deploy: {endpoint_mode: dnsrr, restart_policy: {condition: none}}
"#;
    let dir = project(&[("compose.yml", file)]);
    let _removed = Removed(&swarm, stack.clone());
    let out = swarm.dockhand(dir.path(), &["stack", "deploy", "--wait", "--wait-timeout", "120", &stack]);
    out.assert_failure();
    assert!(out.stderr.contains(&format!("{stack}_crashes: task: non-zero exit (3)")), "{}", out.describe());
}

/// Ctrl-C while a service waits on its dependency: the wait stops, its dependent is not
/// created (the wait and the create are the two actions not done), and the exit status is
/// 130, as for any interrupted command.
#[test]
fn ctrl_c_stops_a_deploy_waiting_on_a_dependency_and_exits_130() {
    use std::io::Read;
    let Some(swarm) = Swarm::start() else { return };
    let stack = unique_project("int").replace('-', "");
    let file = r#"
services:
  db:
    image: busybox:latest
    command: [sleep, "600"]
    healthcheck: {test: [CMD, sleep, "600"], interval: 1s, timeout: 600s}
    deploy: {endpoint_mode: dnsrr}
  web:
    image: busybox:latest
    command: [sleep, "600"]
    depends_on: {db: {condition: service_healthy}}
    deploy: {endpoint_mode: dnsrr}
"#;
    let dir = project(&[("compose.yml", file)]);
    let _removed = Removed(&swarm, stack.clone());
    let mut run = dockhand(dir.path()).args(["stack", "deploy", &stack]);
    if let Some(h) = &swarm.host {
        run = run.env("DOCKER_HOST", h);
    }
    let mut child = run.spawn();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let started = std::time::Instant::now();
    while !String::from_utf8_lossy(&seen).contains(&format!("Creating service {stack}_db")) {
        let mut buf = [0u8; 256];
        let n = stdout.read(&mut buf).expect("read stdout");
        assert!(n > 0 && started.elapsed() < SLOW, "no output: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    // Past the create, into the wait.
    std::thread::sleep(Duration::from_secs(2));
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: 2 action(s) not done"), "{stderr}");
    let services = swarm.lines(&["stack", "services", &stack, "--format", "{{.Name}}"]);
    assert_eq!(services, [format!("{stack}_db")]);
}

//! Attached `up` against the real engine, as CI jobs use it: prefixed logs, the exit codes of
//! `--exit-code-from` and `--abort-on-container-failure`, and Ctrl-C stopping the project.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::engine::{inspect, EngineProject};

/// A server that runs until stopped (quickly: one second of grace) and a test job.
const CI: &str = r#"
services:
  server:
    image: busybox:latest
    command: ["sh", "-c", "echo server ready; exec sleep 3600"]
    stop_grace_period: 1s
  tests:
    image: busybox:latest
    command: ["sh", "-c", "echo running tests; echo 'a warning' >&2; sleep 1; exit ${TESTS_EXIT:-3}"]
    depends_on: [server]
"#;

fn state(p: &EngineProject, service: &str) -> (String, i64) {
    let c = inspect(&format!("{}-{service}-1", p.name));
    (c["State"]["Status"].as_str().unwrap_or_default().to_string(), c["State"]["ExitCode"].as_i64().unwrap_or(-1))
}

#[test]
fn exit_code_from_returns_the_services_code_and_stops_the_rest() {
    let p = EngineProject::new("attach-ecf", &[("compose.yaml", CI)]);
    let out = p.dockhand(&["up", "--exit-code-from", "tests"]);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert!(out.stdout.contains("tests-1   | running tests"), "{}", out.describe());
    assert!(out.stdout.contains("server-1  | server ready"), "prefixes are padded: {}", out.describe());
    assert!(out.stderr.contains("tests-1   | a warning"), "stderr stays on stderr: {}", out.describe());
    assert!(out.stdout.contains("tests-1 exited with code 3"), "{}", out.describe());
    assert!(out.stderr.contains("Aborting on container exit"), "{}", out.describe());
    assert_eq!(state(&p, "server").0, "exited", "the abort stops the server");
}

#[test]
fn exit_code_from_an_unknown_service_fails_before_anything_is_created() {
    let p = EngineProject::new("attach-unknown", &[("compose.yaml", CI)]);
    let out = p.dockhand(&["up", "--exit-code-from", "nope"]);
    out.assert_failure();
    assert!(out.stderr.contains("no such service: nope"), "{}", out.describe());
    assert!(p.containers().is_empty(), "nothing is created");
}

#[test]
fn exit_code_from_a_passing_job_is_zero() {
    let p = EngineProject::new("attach-ok", &[("compose.yaml", CI)]);
    let out = p.cmd(&["up", "--exit-code-from", "tests"]).env("TESTS_EXIT", "0").run();
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(state(&p, "server").0, "exited");
}

#[test]
fn abort_on_failure_ignores_jobs_that_succeed() {
    let file = r#"
services:
  setup:
    image: busybox:latest
    command: ["sh", "-c", "echo setup done"]
  check:
    image: busybox:latest
    command: ["sh", "-c", "sleep 2; echo check failed; exit 5"]
  server:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
"#;
    let p = EngineProject::new("attach-aocf", &[("compose.yaml", file)]);
    let out = p.dockhand(&["up", "--abort-on-container-failure"]);
    assert_eq!(out.code, Some(5), "{}", out.describe());
    assert!(out.stdout.contains("setup-1 exited with code 0"), "{}", out.describe());
    let prefixed = out.stdout.lines().any(|l| l.starts_with("check-1 ") && l.ends_with(" | check failed"));
    assert!(prefixed, "{}", out.describe());
    assert_eq!(state(&p, "server").0, "exited");
}

#[test]
fn without_abort_up_returns_when_every_container_has_exited() {
    let file = r#"
services:
  a:
    image: busybox:latest
    command: ["sh", "-c", "echo one; echo two; exit 4"]
  b:
    image: busybox:latest
    command: ["sh", "-c", "sleep 1; echo three"]
"#;
    let p = EngineProject::new("attach-all", &[("compose.yaml", file)]);
    let out = p.dockhand(&["up", "--no-log-prefix"]);
    assert_eq!(out.code, Some(0), "a failed container is not an abort: {}", out.describe());
    assert!(out.stdout.starts_with("Attaching to a-1, b-1\n"), "{}", out.describe());
    let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.contains("exited with code")).collect();
    let one = lines.iter().position(|l| *l == "one").expect("one");
    assert_eq!(lines.get(one + 1), Some(&"two"), "a container's lines keep their order: {lines:?}");
    assert!(lines.contains(&"three"), "{lines:?}");
    assert!(out.stdout.contains("a-1 exited with code 4"), "{}", out.describe());
}

#[test]
fn ctrl_c_stops_the_project_and_exits_130() {
    let p = EngineProject::new("attach-int", &[("compose.yaml", CI)]);
    let mut child = p.cmd(&["up"]).env("TESTS_EXIT", "0").spawn();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let started = Instant::now();
    while !String::from_utf8_lossy(&seen).contains("server ready") {
        let mut buf = [0u8; 256];
        let n = stdout.read(&mut buf).expect("read stdout");
        assert!(n > 0 && started.elapsed() < Duration::from_secs(60), "no output: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let pid = child.id().to_string();
    std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert_eq!(state(&p, "server").0, "exited", "Ctrl-C stops the containers");
}

/// The CI example as its README line runs it: the runner's exit code is the job's.
#[test]
fn the_ci_example_passes_and_fails_with_its_test_runner() {
    let root = common::examples_dir().join("ci-tests");
    let name = common::unique_project("ci-example");
    let _teardown = common::engine::Teardown(name.clone());
    let _images = common::engine::RemoveImages(vec![format!("{name}-server"), format!("{name}-tests")]);
    let up = |expected: &str| {
        common::dockhand(&root)
            .args(["-p", name.as_str(), "up", "--build", "--exit-code-from", "tests"])
            .env("EXPECTED_USER", expected)
            .timeout(Duration::from_secs(180))
            .run()
    };
    let pass = up("alice");
    assert_eq!(pass.code, Some(0), "{}", pass.describe());
    assert!(pass.stdout.contains("ok - the users come from the database"), "{}", pass.describe());
    let fail = up("carol");
    assert_eq!(fail.code, Some(1), "{}", fail.describe());
    assert!(fail.stdout.contains("not ok - the users come from the database"), "{}", fail.describe());
    let down = common::dockhand(&root).args(["-p", name.as_str(), "down", "-v"]).run();
    down.assert_success();
}

#[test]
fn up_of_a_named_service_returns_when_it_exits_leaving_attached_dependencies_running() {
    let p = EngineProject::new("attach-deps", &[("compose.yaml", CI)]);
    let out = p.cmd(&["up", "--attach-dependencies", "--menu=false", "tests"]).env("TESTS_EXIT", "0").run();
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.contains("server-1  | server ready"), "the dependency is attached: {}", out.describe());
    assert!(out.stdout.contains("tests-1 exited with code 0"), "{}", out.describe());
    assert_eq!(state(&p, "server").0, "running", "the dependency is left running");
}

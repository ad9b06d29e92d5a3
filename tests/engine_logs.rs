//! `logs` against the real engine: prefixes, order, tail, replicas, and `-f` following a
//! container across a restart.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::engine::{docker, EngineProject};

const FILE: &str = r#"
services:
  api:
    image: busybox:latest
    command: ["sh", "-c", "echo oops >&2; sleep 0.5; echo one; echo two; echo three"]
    deploy:
      replicas: 2
  worker:
    image: busybox:latest
    command: ["sh", "-c", "echo working; sleep 2; echo done working"]
"#;

fn wait_exited(p: &EngineProject) {
    let started = Instant::now();
    while !docker(&["ps", "-q", "--filter", &p.label()]).trim().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "containers did not exit");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn logs_prefix_each_line_and_keep_each_containers_order() {
    let p = EngineProject::new("logs", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    wait_exited(&p);
    let out = p.dockhand(&["logs"]);
    out.assert_success();
    let api1: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("api-1 ")).collect();
    assert_eq!(api1, ["api-1     | oops", "api-1     | one", "api-1     | two", "api-1     | three"], "{}", out.describe());
    assert!(out.stdout.contains("worker-1  | done working"), "{}", out.describe());
    // As the reference prints them: stderr lines on stdout too (attached `up` keeps them apart).
    assert!(out.stdout.contains("api-2     | oops"), "stderr lines on stdout: {}", out.describe());
    assert!(!out.stderr.contains("oops"), "{}", out.describe());
    if let Some(reference) = common::reference(p.path()) {
        let theirs = reference.arg("-p").arg(&p.name).args(["logs", "api"]).run();
        let lines = |text: &str| -> std::collections::BTreeSet<String> { text.lines().map(str::to_string).collect() };
        let ours = p.dockhand(&["logs", "api"]);
        assert_eq!((lines(&ours.stdout), lines(&ours.stderr)), (lines(&theirs.stdout), lines(&theirs.stderr)), "{}\nthe reference: {}", ours.describe(), theirs.describe());
    }

    let tail = p.dockhand(&["logs", "-n", "1", "--no-log-prefix", "--index", "2", "api"]);
    assert_eq!(tail.stdout, "three\n", "{}", tail.describe());

    // Like the reference: a name that is no service has no logs, and that is no error.
    let unknown = p.dockhand(&["logs", "nope"]);
    unknown.assert_success();
    assert_eq!(unknown.stdout, "", "{}", unknown.describe());
}

#[test]
fn follow_goes_on_across_a_restart() {
    let file = r#"
services:
  tick:
    image: busybox:latest
    command: ["sh", "-c", "echo started; sleep 2; echo finished"]
"#;
    let p = EngineProject::new("logs-f", &[("compose.yaml", file)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let mut child = p.cmd(&["logs", "-f", "--no-log-prefix"]).spawn();
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    std::thread::sleep(Duration::from_millis(1000));
    docker(&["restart", "-t", "0", &format!("{}-tick-1", p.name)]);
    let status = child.wait().expect("logs -f ends once the container has stopped for good");
    let text = reader.join().expect("reader");
    assert_eq!(status.code(), Some(0), "{text}");
    assert_eq!(text.matches("started").count(), 2, "both runs are shown: {text}");
    assert!(text.ends_with("finished\n"), "{text}");
}

//! Faults: `up` and `down` killed at random moments, and an engine that goes away in the
//! middle of `up`, `down`, attached `up` and `watch`. Each time the next command must
//! converge: exactly the project's containers, all running (or none after `down`), none
//! duplicated or left under a set-aside name.
//!
//! The engine faults use engines of their own (tests/common/testengine.rs), never the
//! machine's.

mod common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::engine::{docker, EngineProject};
use common::testengine::TestEngine;
use common::Output;

const IMAGE: &str = "busybox:latest";

/// 8 services in three dependency layers (3, 3, 2). `sleep` as PID 1 ignores SIGTERM, so each
/// stop takes the 1 s grace period: a `down` lasts a few seconds, long enough to be caught.
fn layered(mode: &str) -> String {
    let mut yaml = String::from("services:\n");
    for i in 0..8 {
        yaml.push_str(&format!(
            "  s{i}:\n    image: {IMAGE}\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n    environment: {{MODE: \"{mode}\"}}\n"
        ));
        match i {
            3..=5 => yaml.push_str("    depends_on: [s0, s1, s2]\n"),
            6 | 7 => yaml.push_str("    depends_on: [s3, s4, s5]\n"),
            _ => {}
        }
    }
    yaml
}

/// A small xorshift generator: the delays vary from run to run, and a failure prints the seed.
struct Random(u64);

impl Random {
    fn new() -> Random {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos());
        Random((nanos as u64) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A dockhand run in the background whose standard error is read as it comes.
struct Running {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Running {
    fn spawn(p: &EngineProject, host: Option<&str>, args: &[&str]) -> Running {
        let mut cmd = Command::new(common::DOCKHAND);
        cmd.current_dir(p.path()).args(["-p", p.name.as_str(), "--progress", "plain"]).args(args);
        if let Some(h) = host {
            cmd.env("DOCKER_HOST", h);
        }
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start dockhand");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (mut pipe, sink) = (child.stderr.take().expect("stderr"), stderr.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Running { child, stderr }
    }

    fn signal(&self, name: &str) {
        // It may have ended by itself already: nothing to signal then.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args([&format!("-{name}"), &pid]).stderr(Stdio::null()).status();
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until standard error holds `text`; false after `timeout`.
    fn wait_for(&self, text: &str, timeout: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if self.stderr().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// How it ended; a run still going after `timeout` is killed and reported as hung.
    fn finish(mut self, timeout: Duration) -> Output {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for dockhand") {
                break Some(status);
            }
            if started.elapsed() > timeout {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(100));
        Output { code: status.and_then(|s| s.code()), stdout: String::new(), stderr: self.stderr(), timed_out: status.is_none() }
    }
}

/// The project's containers with their state, sorted, as `docker ps -a` lists them.
fn states(p: &EngineProject, engine: Option<&TestEngine>) -> Vec<String> {
    let args = ["ps", "-a", "--filter", &p.label(), "--format", "{{.Names}} {{.State}}"];
    let out = engine.map_or_else(|| docker(&args), |e| e.docker(&args));
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn converged(p: &EngineProject) -> Vec<String> {
    (0..8).map(|i| format!("{}-s{i}-1 running", p.name)).collect()
}

fn run_with(p: &EngineProject, engine: &TestEngine, args: &[&str]) -> Output {
    p.cmd(args).env("DOCKER_HOST", &engine.host()).timeout(Duration::from_secs(120)).run()
}

// --- section 1: killed at any moment ------------------------------------------------------

#[test]
fn an_up_killed_at_random_moments_is_converged_by_the_next_up() {
    let p = EngineProject::new("kill-up", &[("compose.yaml", &layered("m0"))]);
    let mut random = Random::new();
    let seed = random.0;
    for round in 0..10 {
        // Every other round changes the configuration: the kill lands in recreates too.
        p.write("compose.yaml", &layered(&format!("m{}", round / 2)));
        let signal = if round % 2 == 0 { "KILL" } else { "INT" };
        let delay = random.below(1500);
        let up = Running::spawn(&p, None, &["up", "-d"]);
        std::thread::sleep(Duration::from_millis(delay));
        up.signal(signal);
        let killed = up.finish(Duration::from_secs(30));
        assert!(!killed.timed_out, "SIG{signal} did not end up -d (seed {seed}):\n{}", killed.describe());
        assert!(!killed.stderr.contains("panicked"), "{}", killed.describe());

        let next = p.cmd(&["up", "-d"]).timeout(Duration::from_secs(120)).run();
        let context = format!("round {round}, SIG{signal} after {delay} ms (seed {seed})");
        assert!(next.success(), "{context}: the next up -d failed: {}", next.describe());
        assert_eq!(states(&p, None), converged(&p), "{context}");
    }
}

#[test]
fn a_down_killed_at_random_moments_is_finished_by_the_next_down() {
    let p = EngineProject::new("kill-down", &[("compose.yaml", &layered("m"))]);
    let mut random = Random::new();
    let seed = random.0;
    for round in 0..5 {
        p.cmd(&["up", "-d"]).timeout(Duration::from_secs(120)).run().assert_success();
        let signal = if round % 2 == 0 { "KILL" } else { "INT" };
        let delay = random.below(2500);
        let down = Running::spawn(&p, None, &["down"]);
        std::thread::sleep(Duration::from_millis(delay));
        down.signal(signal);
        assert!(!down.finish(Duration::from_secs(30)).timed_out);

        let next = p.cmd(&["down"]).timeout(Duration::from_secs(120)).run();
        let context = format!("round {round}, SIG{signal} after {delay} ms (seed {seed})");
        assert!(next.success(), "{context}: the next down failed: {}", next.describe());
        assert_eq!(states(&p, None), Vec::<String>::new(), "{context}");
        let networks = docker(&["network", "ls", "-q", "--filter", &p.label()]);
        assert!(networks.trim().is_empty(), "{context}: networks left: {networks}");
    }
}

// --- section 3: the engine's races ---------------------------------------------------------

/// Engines before 28.1 (API 1.49) lose count of a network's endpoints when containers on it
/// exit at the same moment (moby/moby#42119), leaving a network no one can remove until
/// dockerd restarts. On such an engine dockerd hears dockhand's stops one at a time: each
/// container is asked to stop only once the one before has stopped.
#[test]
fn on_an_engine_that_miscounts_endpoints_the_stops_of_a_down_come_one_at_a_time() {
    let api = docker(&["version", "--format", "{{.Server.APIVersion}}"]);
    let minor: u32 = api.trim().strip_prefix("1.").and_then(|m| m.parse().ok()).unwrap_or(0);
    if minor >= 49 {
        eprintln!("skipped: engine API {} counts endpoints correctly", api.trim());
        return;
    }
    let mut yaml = String::from("services:\n");
    for i in 0..6 {
        // `init: true` forwards SIGTERM: each stop is quick, as most services' are.
        yaml.push_str(&format!("  s{i}:\n    image: {IMAGE}\n    init: true\n    command: [sleep, \"3600\"]\n"));
    }
    let p = EngineProject::new("endpoint-gate", &[("compose.yaml", &yaml)]);
    p.dockhand(&["up", "-d"]).assert_success();
    // Followed live: the engine replays only its last 256 events, which other tests' fill.
    let mut events = Command::new("docker")
        .args(["events", "--filter", &p.label(), "--filter", "event=kill", "--filter", "event=stop"])
        .args(["--format", "{{.Action}} {{.Actor.Attributes.name}}"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("docker events");
    std::thread::sleep(Duration::from_secs(1));
    let down = p.dockhand(&["down"]);
    std::thread::sleep(Duration::from_secs(1));
    let _ = events.kill();
    let seen = events.wait_with_output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    down.assert_success();
    let steps: Vec<&str> = seen.lines().collect();
    assert_eq!(steps.len(), 12, "a kill and a stop for each of the 6 containers:\n{seen}");
    for pair in steps.chunks(2) {
        let name = pair[0].strip_prefix("kill ").unwrap_or_else(|| panic!("a stop before its kill:\n{seen}"));
        assert_eq!(pair[1], format!("stop {name}"), "another container was asked to stop before {name} had stopped:\n{seen}");
    }
}

// --- section 4: the engine goes away --------------------------------------------------------

/// What a command caught by the engine's death must do: end by itself, non-zero, saying
/// which engine, without a panic.
fn assert_reports_the_engine(out: &Output, engine: &TestEngine, what: &str) {
    assert!(!out.timed_out, "{what} hung after the engine died: {}", out.describe());
    assert!(out.code.is_some_and(|c| c != 0), "{what}: expected a non-zero exit: {}", out.describe());
    assert!(!out.stderr.contains("panicked"), "{what}: {}", out.describe());
    assert!(out.stderr.contains(&format!("Docker engine at {}", engine.host())), "{what}: {}", out.describe());
}

/// Waits until the test engine holds at least `n` of the project's containers in `state`
/// (any state when None).
fn wait_containers(p: &EngineProject, engine: &TestEngine, n: usize, state: Option<&str>) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let have = states(p, Some(engine)).iter().filter(|l| state.is_none_or(|s| l.ends_with(s))).count();
        if have >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the project never had {n} containers: {:?}", states(p, Some(engine)));
}

#[test]
fn up_down_and_attached_up_report_an_engine_that_goes_away_and_the_next_run_converges() {
    let Some(mut engine) = TestEngine::start(IMAGE) else { return };
    let host = engine.host();
    let p = EngineProject::new("engine-gone", &[("compose.yaml", &layered("a"))]);

    // `up -d`, the engine killed once the first containers exist.
    let up = Running::spawn(&p, Some(&host), &["up", "-d"]);
    wait_containers(&p, &engine, 1, None);
    engine.kill();
    assert_reports_the_engine(&up.finish(Duration::from_secs(60)), &engine, "up -d");
    engine.restart();
    run_with(&p, &engine, &["up", "-d"]).assert_success();
    assert_eq!(states(&p, Some(&engine)), converged(&p));

    // `down`: stopping the three layers takes three grace periods; the engine dies in the first.
    let down = Running::spawn(&p, Some(&host), &["down"]);
    std::thread::sleep(Duration::from_millis(500));
    engine.kill();
    assert_reports_the_engine(&down.finish(Duration::from_secs(60)), &engine, "down");
    engine.restart();
    run_with(&p, &engine, &["down"]).assert_success();
    assert_eq!(states(&p, Some(&engine)), Vec::<String>::new());

    // Attached `up`: the output stops with the engine, which is not the containers exiting.
    let attached = Running::spawn(&p, Some(&host), &["up"]);
    wait_containers(&p, &engine, 8, Some("running"));
    // Past the plan, into following the output.
    std::thread::sleep(Duration::from_millis(500));
    engine.kill();
    assert_reports_the_engine(&attached.finish(Duration::from_secs(60)), &engine, "attached up");
    engine.restart();
    run_with(&p, &engine, &["up", "-d"]).assert_success();
    assert_eq!(states(&p, Some(&engine)), converged(&p));
}

#[test]
fn watch_waits_for_a_restarted_engine_and_brings_the_project_back() {
    let Some(mut engine) = TestEngine::start(IMAGE) else { return };
    let host = engine.host();
    let p = EngineProject::new("engine-watch", &[("compose.yaml", &layered("w"))]);
    run_with(&p, &engine, &["up", "-d"]).assert_success();
    let mut watch = Running::spawn(&p, Some(&host), &["watch", "--no-up"]);
    assert!(watch.wait_for("Watching for changes", Duration::from_secs(30)), "{}", watch.stderr());

    engine.kill();
    let waiting = format!("the Docker engine at {host} is not answering");
    assert!(watch.wait_for(&waiting, Duration::from_secs(20)), "watch did not say it waits:\n{}", watch.stderr());
    assert!(watch.child_running(), "watch exited instead of waiting:\n{}", watch.stderr());
    engine.restart();
    assert!(
        watch.wait_for("watch: the project is up to date", Duration::from_secs(60)),
        "watch did not bring the project back:\n{}",
        watch.stderr()
    );
    // A restarted engine stops the containers; watch started them again.
    assert_eq!(states(&p, Some(&engine)), converged(&p));
    watch.signal("INT");
    let out = watch.finish(Duration::from_secs(30));
    assert!(out.success(), "{}", out.describe());
}

impl Running {
    fn child_running(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }
}

//! `up` and `down` scenarios against the real engine, each checked against what the reference
//! `docker compose` does in the same situation: waiting (`--wait`, dependency conditions),
//! the recreate and start flags, builds, missing images and networks, interruption, and the
//! ways `down` stops and cleans up.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::engine::{docker, exec, inspect, EngineProject};
use common::Output;

/// `sleep` as PID 1 ignores SIGTERM: stopping it waits for the whole grace period.
const SLEEPER: &str = "image: busybox:latest\n    command: sleep 3600";

fn up(p: &EngineProject, extra: &[&str]) -> Output {
    let mut args = vec!["up", "-d"];
    args.extend_from_slice(extra);
    p.dockhand(&args)
}

fn name(p: &EngineProject, service: &str) -> String {
    format!("{}-{service}-1", p.name)
}

fn id(container: &str) -> String {
    inspect(container)["Id"].as_str().unwrap_or_default().to_string()
}

fn status(container: &str) -> String {
    inspect(container)["State"]["Status"]
        .as_str()
        .unwrap_or("missing")
        .to_string()
}

fn env_of(container: &str) -> Vec<String> {
    let env = inspect(container)["Config"]["Env"].clone();
    serde_json::from_value(env).unwrap_or_default()
}

/// An engine timestamp (`2026-01-02T03:04:05.123Z`, fraction trimmed by Go) as comparable
/// parts: the seconds as written, then nanoseconds.
fn instant(container: &str, field: &str) -> (String, u32) {
    let ts = inspect(container)["State"][field]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('Z')
        .to_string();
    let (secs, frac) = ts.split_once('.').unwrap_or((&ts, ""));
    let nanos = format!("{frac:0<9}").parse().unwrap_or(0);
    (secs.to_string(), nanos)
}

fn both(o: &Output) -> String {
    format!("{}{}", o.stdout, o.stderr)
}

/// Volumes to remove at the end: anonymous volumes carried over by a recreate are mounted by
/// name, so removing their container with `-v` leaves them (with the reference too).
struct Volumes(std::cell::RefCell<Vec<String>>);

impl Volumes {
    /// Remembers the volumes the project's containers mount now.
    fn note(&self, p: &EngineProject) {
        for c in p.containers() {
            let mounts = inspect(&c)["Mounts"].as_array().cloned().unwrap_or_default();
            let names = mounts
                .iter()
                .filter_map(|m| m["Name"].as_str())
                .map(str::to_string);
            self.0.borrow_mut().extend(names);
        }
    }
}

impl Drop for Volumes {
    fn drop(&mut self) {
        for v in self.0.borrow().iter() {
            docker(&["volume", "rm", v]);
        }
    }
}

fn image_exists(image: &str) -> bool {
    !docker(&["image", "ls", "-q", image]).trim().is_empty()
}

fn networks_of(p: &EngineProject) -> String {
    docker(&["network", "ls", "-q", "--filter", &p.label()])
}

// --- up --wait ------------------------------------------------------------------------------

#[test]
fn wait_returns_once_services_are_healthy_and_one_shots_done() {
    let yaml = r#"
services:
  oneshot:
    image: busybox:latest
    command: ["echo", "hello world"]
  longrunning:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      oneshot: {condition: service_completed_successfully}
  checked:
    image: busybox:latest
    command: ["sh", "-c", "sleep 2; touch /ready; exec sleep 3600"]
    healthcheck: {test: ["CMD", "test", "-f", "/ready"], interval: 1s, retries: 30}
"#;
    let p = EngineProject::new("wait", &[("compose.yaml", yaml)]);
    let out = up(&p, &["--wait"]);
    out.assert_success();
    assert!(both(&out).contains(&name(&p, "oneshot")), "{}", out.describe());
    assert_eq!(
        inspect(&name(&p, "checked"))["State"]["Health"]["Status"],
        "healthy"
    );
    assert_eq!(status(&name(&p, "longrunning")), "running");
    assert_eq!(status(&name(&p, "oneshot")), "exited");
    assert_eq!(inspect(&name(&p, "oneshot"))["State"]["ExitCode"], 0);
}

#[test]
fn wait_timeout_fails_naming_the_service_still_starting() {
    let yaml = r#"
services:
  app:
    image: busybox:latest
    command: sleep 3600
    healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 3, start_period: 120s}
"#;
    let p = EngineProject::new("wait-timeout", &[("compose.yaml", yaml)]);
    let started = Instant::now();
    let out = up(&p, &["--wait", "--wait-timeout", "3"]);
    out.assert_failure();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        out.stderr.contains("application not healthy after 3s"),
        "{}",
        out.describe()
    );
    assert!(out.stderr.contains("\"app\""), "{}", out.describe());
    assert_eq!(status(&name(&p, "app")), "running");
}

#[test]
fn wait_after_a_scale_down_that_kept_the_higher_replicas_waits_on_those() {
    let yaml = "services:\n  w:\n    image: busybox:latest\n    command: sleep 3600\n    environment: {V: \"${V}\"}\n";
    let p = EngineProject::new("wait-scale", &[("compose.yaml", yaml)]);
    p.cmd(&["up", "-d", "--scale", "w=2"]).env("V", "a").run().assert_success();
    // Replicas 3 and 4 get the new value, 1 and 2 keep the old one: they are outdated.
    p.cmd(&["up", "-d", "--scale", "w=4", "--no-recreate"]).env("V", "b").run().assert_success();
    let out = p.cmd(&["up", "-d", "--wait", "--scale", "w=2"]).env("V", "b").run();
    out.assert_success();
    let kept = [format!("{}-w-3", p.name), format!("{}-w-4", p.name)];
    assert_eq!(p.containers(), kept, "{}", out.describe());
    assert!(kept.iter().all(|c| status(c) == "running"));
}

#[test]
fn wait_fails_when_a_checked_container_exits_before_it_was_healthy_and_a_finished_job_is_done() {
    // An exit before the healthcheck ever passed fails `--wait`, even with 0; a one-shot
    // without a healthcheck that exited 0 is done (the reference fails it too).
    let yaml = r#"
services:
  checked:
    image: busybox:latest
    command: ["sh", "-c", "sleep 1; exit 0"]
    healthcheck: {test: ["CMD", "false"], interval: 1s, start_period: 60s}
"#;
    let p = EngineProject::new("wait-exit", &[("compose.yaml", yaml)]);
    let out = up(&p, &["--wait"]);
    out.assert_failure();
    let checked = name(&p, "checked");
    assert!(out.stderr.contains(&format!("container {checked} exited (0)")), "{}", out.describe());

    let yaml = "services:\n  job:\n    image: busybox:latest\n    command: [\"true\"]\n";
    let p = EngineProject::new("wait-job", &[("compose.yaml", yaml)]);
    up(&p, &["--wait"]).assert_success();
    let yaml = "services:\n  job:\n    image: busybox:latest\n    command: [\"false\"]\n";
    let p = EngineProject::new("wait-job-fails", &[("compose.yaml", yaml)]);
    let out = up(&p, &["--wait"]);
    out.assert_failure();
    assert!(out.stderr.contains(&format!("container {} exited (1)", name(&p, "job"))), "{}", out.describe());
}

// --- depends_on conditions ------------------------------------------------------------------

#[test]
fn a_dependent_starts_only_after_its_one_shot_exited_zero() {
    let yaml = r#"
services:
  init:
    image: busybox:latest
    command: ["sh", "-c", "sleep 1; echo init-done"]
  app:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      init: {condition: service_completed_successfully}
"#;
    let p = EngineProject::new("completed", &[("compose.yaml", yaml)]);
    up(&p, &[]).assert_success();
    assert_eq!(status(&name(&p, "app")), "running");
    let finished = instant(&name(&p, "init"), "FinishedAt");
    let started = instant(&name(&p, "app"), "StartedAt");
    assert!(
        started > finished,
        "app started at {started:?}, before init finished at {finished:?}"
    );
}

#[test]
fn a_failed_one_shot_fails_up_with_its_code_and_output_and_leaves_the_dependent_created() {
    let yaml = r#"
services:
  init:
    image: busybox:latest
    command: ["sh", "-c", "echo line-one; echo boom >&2; exit 3"]
  app:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      init: {condition: service_completed_successfully}
"#;
    let p = EngineProject::new("completed-fail", &[("compose.yaml", yaml)]);
    let out = up(&p, &[]);
    out.assert_failure();
    assert!(
        out.stderr
            .contains(r#"service "init" didn't complete successfully: exit 3"#),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("boom"),
        "the tail of the log should be shown: {}",
        out.describe()
    );
    assert_eq!(status(&name(&p, "app")), "created");
}

#[test]
fn an_optional_dependency_that_fails_only_warns() {
    let yaml = r#"
services:
  init:
    image: busybox:latest
    command: ["sh", "-c", "exit 3"]
  app:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      init: {condition: service_completed_successfully, required: false}
"#;
    let p = EngineProject::new("optional", &[("compose.yaml", yaml)]);
    let out = up(&p, &[]);
    out.assert_success();
    assert!(
        out.stderr
            .contains(r#"optional dependency "init" didn't complete successfully: exit 3"#),
        "{}",
        out.describe()
    );
    assert_eq!(status(&name(&p, "app")), "running");
}

#[test]
fn a_never_healthy_dependency_fails_up_and_leaves_the_dependent_created() {
    let yaml = r#"
services:
  fail:
    image: busybox:latest
    command: sleep 3600
    healthcheck: {test: ["CMD", "sh", "-c", "echo nope-out; exit 1"], interval: 1s, retries: 2}
  depends:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      fail: {condition: service_healthy}
"#;
    let p = EngineProject::new("unhealthy", &[("compose.yaml", yaml)]);
    let out = up(&p, &[]);
    out.assert_failure();
    let wanted = format!(
        "dependency failed to start: container {} is unhealthy",
        name(&p, "fail")
    );
    assert!(out.stderr.contains(&wanted), "{}", out.describe());
    assert!(
        out.stderr.contains("nope-out"),
        "the last health output should be shown: {}",
        out.describe()
    );
    assert_eq!(status(&name(&p, "depends")), "created");
}

#[test]
fn a_dependency_that_exits_instead_of_turning_healthy_fails_up() {
    let yaml = r#"
services:
  web:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      db: {condition: service_healthy}
  db:
    image: busybox:latest
    command: ["sh", "-c", "echo db-gave-up; exit 1"]
"#;
    let p = EngineProject::new("dep-exit", &[("compose.yaml", yaml)]);
    let out = up(&p, &[]);
    out.assert_failure();
    let wanted = format!("dependency failed to start: container {} exited (1)", name(&p, "db"));
    assert!(out.stderr.contains(&wanted), "{}", out.describe());
    assert!(out.stderr.contains("db-gave-up"), "the tail of the log should be shown: {}", out.describe());
    assert_eq!(status(&name(&p, "web")), "created");
}

// --- which services, and the recreate flags -------------------------------------------------

const DB_WEB_OTHER: &str = r#"
services:
  db:
    image: busybox:latest
    command: sleep 3600
    environment: {MODE: dev}
  web:
    image: busybox:latest
    command: sleep 3600
    depends_on: [db]
  other:
    image: busybox:latest
    command: sleep 3600
"#;

#[test]
fn no_deps_starts_only_the_named_service() {
    let p = EngineProject::new("no-deps", &[("compose.yaml", DB_WEB_OTHER)]);
    up(&p, &["--no-deps", "web"]).assert_success();
    assert_eq!(p.containers(), vec![name(&p, "web")]);
}

#[test]
fn named_services_start_with_their_dependencies_only() {
    let p = EngineProject::new("named", &[("compose.yaml", DB_WEB_OTHER)]);
    let out = up(&p, &["web"]);
    out.assert_success();
    assert_eq!(p.containers(), vec![name(&p, "db"), name(&p, "web")]);
    up(&p, &["other"]).assert_success();
    let out = up(&p, &["web"]);
    out.assert_success();
    assert!(
        !out.stderr.contains("orphan"),
        "services left out are not orphans: {}",
        out.describe()
    );
    assert_eq!(p.containers().len(), 3);
}

#[test]
fn no_start_creates_and_a_later_up_starts() {
    let p = EngineProject::new("no-start", &[("compose.yaml", DB_WEB_OTHER)]);
    up(&p, &["--no-start"]).assert_success();
    assert_eq!(p.containers().len(), 3);
    let before: Vec<String> = ["db", "web", "other"].iter().map(|s| id(&name(&p, s))).collect();
    for s in ["db", "web", "other"] {
        assert_eq!(status(&name(&p, s)), "created", "{s}");
    }
    up(&p, &[]).assert_success();
    for (s, old) in ["db", "web", "other"].iter().zip(before) {
        assert_eq!(status(&name(&p, s)), "running", "{s}");
        assert_eq!(id(&name(&p, s)), old, "{s} should be started, not recreated");
    }
}

#[test]
fn force_recreate_replaces_and_no_recreate_keeps_a_changed_container() {
    let p = EngineProject::new("recreate-flags", &[("compose.yaml", DB_WEB_OTHER)]);
    up(&p, &[]).assert_success();
    let db = id(&name(&p, "db"));
    let web = id(&name(&p, "web"));
    up(&p, &["--force-recreate"]).assert_success();
    let db2 = id(&name(&p, "db"));
    assert_ne!(db2, db);
    assert_ne!(id(&name(&p, "web")), web);
    assert_eq!(p.containers().len(), 3, "the replaced containers are gone");
    p.write("compose.yaml", &DB_WEB_OTHER.replace("MODE: dev", "MODE: prod"));
    up(&p, &["--no-recreate"]).assert_success();
    assert_eq!(id(&name(&p, "db")), db2);
    assert!(env_of(&name(&p, "db")).contains(&"MODE=dev".to_string()));
    up(&p, &[]).assert_success();
    assert!(env_of(&name(&p, "db")).contains(&"MODE=prod".to_string()));
}

#[test]
fn force_recreate_of_a_named_service_keeps_its_unchanged_dependency() {
    let p = EngineProject::new("force-named", &[("compose.yaml", DB_WEB_OTHER)]);
    up(&p, &[]).assert_success();
    let (db, web) = (id(&name(&p, "db")), id(&name(&p, "web")));
    up(&p, &["--force-recreate", "web"]).assert_success();
    assert_eq!(id(&name(&p, "db")), db);
    assert_ne!(id(&name(&p, "web")), web);
}

#[test]
fn always_recreate_deps_recreates_the_dependencies_of_named_services() {
    let p = EngineProject::new("recreate-deps", &[("compose.yaml", DB_WEB_OTHER)]);
    up(&p, &[]).assert_success();
    let (db, web, other) = (id(&name(&p, "db")), id(&name(&p, "web")), id(&name(&p, "other")));
    up(&p, &["web"]).assert_success();
    assert_eq!(
        id(&name(&p, "db")),
        db,
        "an unchanged dependency is kept by default"
    );
    up(&p, &["--always-recreate-deps", "web"]).assert_success();
    assert_ne!(id(&name(&p, "db")), db, "the dependency is recreated");
    assert_eq!(id(&name(&p, "web")), web, "the named service itself is unchanged");
    assert_eq!(id(&name(&p, "other")), other);
    assert_eq!(status(&name(&p, "web")), "running");
}

#[test]
fn anonymous_volume_data_survives_a_recreate_unless_renewed() {
    let yaml = "services:\n  a:\n    image: busybox:latest\n    command: sleep 3600\n    environment: {MODE: dev}\n    volumes: [/anon]\n";
    let p = EngineProject::new("anon", &[("compose.yaml", yaml)]);
    up(&p, &[]).assert_success();
    let a = name(&p, "a");
    assert!(exec(&a, &["sh", "-c", "echo kept > /anon/f"]).0);
    p.write("compose.yaml", &yaml.replace("MODE: dev", "MODE: prod"));
    up(&p, &[]).assert_success();
    assert_eq!(
        exec(&a, &["cat", "/anon/f"]).1.trim(),
        "kept",
        "data lost on recreate"
    );
    let before = id(&a);
    let anon = |c: &str| {
        inspect(c)["Mounts"][0]["Name"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let old_volume = anon(&a);
    up(&p, &["-V"]).assert_success();
    assert_ne!(id(&a), before, "-V recreates the container");
    assert!(
        !exec(&a, &["cat", "/anon/f"]).0,
        "-V must give a fresh anonymous volume"
    );
    // The reference leaves the replaced anonymous volume behind; the guard cannot find it.
    docker(&["volume", "rm", &old_volume]);
}

#[test]
fn a_dependent_with_restart_true_is_restarted_when_its_dependency_is_recreated() {
    let yaml = r#"
services:
  db:
    image: busybox:latest
    command: sleep 3600
    environment: {MODE: dev}
  web:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      db: {condition: service_started, restart: true}
  app:
    image: busybox:latest
    command: sleep 3600
    depends_on: [db]
"#;
    let p = EngineProject::new("restart-dep", &[("compose.yaml", yaml)]);
    up(&p, &[]).assert_success();
    let (web, app) = (id(&name(&p, "web")), id(&name(&p, "app")));
    let (web_started, app_started) = (
        instant(&name(&p, "web"), "StartedAt"),
        instant(&name(&p, "app"), "StartedAt"),
    );
    p.write("compose.yaml", &yaml.replace("MODE: dev", "MODE: prod"));
    up(&p, &["-t", "0"]).assert_success();
    assert_eq!(id(&name(&p, "web")), web, "web is restarted, not recreated");
    assert!(
        instant(&name(&p, "web"), "StartedAt") > web_started,
        "web was not restarted"
    );
    let db_started = instant(&name(&p, "db"), "StartedAt");
    assert!(
        instant(&name(&p, "web"), "StartedAt") > db_started,
        "web must start after the new db"
    );
    assert_eq!(id(&name(&p, "app")), app);
    assert_eq!(
        instant(&name(&p, "app"), "StartedAt"),
        app_started,
        "app has no restart: true"
    );
}

// --- images ---------------------------------------------------------------------------------

fn example_files(dir: &str) -> Vec<(String, String)> {
    let root = common::examples_dir().join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read example dir").flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&path).expect("read example file")));
            }
        }
    }
    out
}

#[test]
fn build_example_builds_missing_images_once_and_rmi_local_removes_the_default_named_one() {
    let files = example_files("build-from-dockerfile");
    let refs: Vec<(&str, &str)> = files.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
    let p = EngineProject::new("build", &refs);
    let compose = std::fs::read_to_string(p.path().join("compose.yaml")).unwrap();
    assert!(
        compose.contains("dockhand-examples/site:dev"),
        "the example changed: {compose}"
    );
    // A name of its own, so that concurrent runs do not share the image.
    let site_image = format!("{}-site-image:dev", p.name);
    p.write(
        "compose.yaml",
        &compose.replace("dockhand-examples/site:dev", &site_image),
    );
    let worker_image = format!("{}-worker", p.name);
    let _images = common::engine::RemoveImages(vec![site_image.clone(), worker_image.clone()]);
    let out = p.cmd(&["up", "-d"]).timeout(Duration::from_secs(120)).run();
    out.assert_success();
    assert!(image_exists(&site_image), "image: names the build result");
    assert!(
        image_exists(&worker_image),
        "the default name is <project>-<service>"
    );
    assert_eq!(status(&name(&p, "site")), "running");
    assert_eq!(status(&name(&p, "worker")), "running");
    assert_eq!(
        inspect(&name(&p, "worker"))["Config"]["Image"],
        worker_image.as_str()
    );
    let worker_id = inspect(&worker_image)["Id"].clone();
    let worker_container = id(&name(&p, "worker"));

    let again = p.cmd(&["up", "-d"]).timeout(Duration::from_secs(120)).run();
    again.assert_success();
    assert!(
        !both(&again).contains("Built"),
        "a second up must not build: {}",
        again.describe()
    );
    assert_eq!(inspect(&worker_image)["Id"], worker_id);

    let rebuilt = p
        .cmd(&["up", "-d", "--build"])
        .timeout(Duration::from_secs(120))
        .run();
    rebuilt.assert_success();
    assert!(
        both(&rebuilt).contains("Built"),
        "--build must build: {}",
        rebuilt.describe()
    );
    assert_eq!(id(&name(&p, "worker")), worker_container, "an unchanged build must not recreate");

    p.cmd(&["down", "--rmi", "local", "-t", "0"])
        .timeout(Duration::from_secs(60))
        .run()
        .assert_success();
    assert!(p.containers().is_empty());
    assert!(
        !image_exists(&worker_image),
        "--rmi local removes the image named after the service"
    );
    assert!(
        image_exists(&site_image),
        "--rmi local keeps images with a custom name"
    );
}

#[test]
fn a_missing_image_with_pull_policy_never_is_a_clear_error_and_creates_nothing() {
    let yaml = "services:\n  a:\n    image: dh-no-such-image:never\n    pull_policy: never\n  b:\n    image: busybox:latest\n    command: sleep 3600\n";
    let p = EngineProject::new("pull-never", &[("compose.yaml", yaml)]);
    let out = up(&p, &[]);
    out.assert_failure();
    assert!(
        out.stderr.contains("dh-no-such-image:never"),
        "{}",
        out.describe()
    );
    assert!(p.containers().is_empty(), "{:?}", p.containers());
    assert!(networks_of(&p).trim().is_empty());
}

#[test]
fn a_missing_image_that_cannot_be_pulled_is_a_clear_error_and_creates_nothing() {
    let yaml = "services:\n  a:\n    image: dh-no-such-image:latest\n  b:\n    image: busybox:latest\n    command: sleep 3600\n";
    let p = EngineProject::new("pull-fail", &[("compose.yaml", yaml)]);
    let out = p.cmd(&["up", "-d"]).timeout(Duration::from_secs(90)).run();
    out.assert_failure();
    assert!(
        out.stderr.contains("dh-no-such-image:latest"),
        "{}",
        out.describe()
    );
    assert!(p.containers().is_empty(), "{:?}", p.containers());
    assert!(networks_of(&p).trim().is_empty());
}

// --- networks and names ---------------------------------------------------------------------

/// A network made by the test, outside any project, removed at the end.
struct ExternalNetwork(String);

impl Drop for ExternalNetwork {
    fn drop(&mut self) {
        docker(&["network", "rm", &self.0]);
    }
}

#[test]
fn an_external_network_is_used_and_kept_and_container_name_is_honoured() {
    let p = EngineProject::new("external", &[]);
    let net = ExternalNetwork(format!("{}-outside", p.name));
    assert!(
        !docker(&["network", "create", &net.0]).trim().is_empty(),
        "cannot create the test network"
    );
    let fixed = format!("{}-fixed", p.name);
    let yaml = format!(
        "services:\n  a:\n    {SLEEPER}\n    container_name: {fixed}\n    networks: [outside]\nnetworks:\n  outside:\n    external: true\n    name: {}\n",
        net.0
    );
    p.write("compose.yaml", &yaml);
    up(&p, &[]).assert_success();
    assert_eq!(p.containers(), vec![fixed.clone()]);
    let a = inspect(&fixed);
    assert!(a["NetworkSettings"]["Networks"].get(&net.0).is_some(), "{a}");
    assert_eq!(a["Config"]["Labels"]["com.docker.compose.service"], "a");
    up(&p, &[]).assert_success();
    assert_eq!(
        id(&fixed),
        a["Id"].as_str().unwrap_or_default(),
        "a second up keeps it"
    );
    p.dockhand(&["down", "-t", "0"]).assert_success();
    assert!(p.containers().is_empty());
    assert!(
        !docker(&["network", "ls", "-q", "--filter", &format!("name=^{}$", net.0)])
            .trim()
            .is_empty(),
        "down removed the external network"
    );
}

#[test]
fn a_missing_external_network_is_a_clear_error_and_creates_nothing() {
    let p = EngineProject::new("external-missing", &[]);
    let net = format!("{}-nowhere", p.name);
    let yaml = format!(
        "services:\n  a:\n    {SLEEPER}\n    networks: [outside, default]\nnetworks:\n  outside:\n    external: true\n    name: {net}\n"
    );
    p.write("compose.yaml", &yaml);
    let out = up(&p, &[]);
    out.assert_failure();
    assert!(
        out.stderr.contains(&format!(
            "network {net} declared as external, but could not be found"
        )),
        "{}",
        out.describe()
    );
    assert!(p.containers().is_empty());
    assert!(networks_of(&p).trim().is_empty());
}

// --- interruption ---------------------------------------------------------------------------

fn many_services(n: usize, mode: &str) -> String {
    let mut yaml = String::from("services:\n");
    for i in 0..n {
        yaml.push_str(&format!(
            "  s{i:02}:\n    image: busybox:latest\n    command: sleep 3600\n    stop_grace_period: 1s\n    environment: {{MODE: {mode}}}\n    volumes: [/anon]\n"
        ));
    }
    yaml
}

/// Starts `dockhand up -d`, interrupts it after `delay`, and returns how it ended and when.
fn interrupted_up(p: &EngineProject, delay: Duration) -> (std::process::ExitStatus, Duration) {
    let mut child = Command::new(common::DOCKHAND)
        .current_dir(p.path())
        .args(["-p", p.name.as_str(), "--progress", "plain", "up", "-d"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dockhand");
    std::thread::sleep(delay);
    let sent = Instant::now();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    loop {
        if let Some(status) = child.try_wait().expect("wait for dockhand") {
            return (status, sent.elapsed());
        }
        if sent.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("dockhand did not stop within 30 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Interrupted like the reference: exit status 130, soon after the signal (in-flight engine
/// calls finish: a stop waits up to the 1 s grace period). A signal arriving before dockhand
/// listens for it ends the process the default way, which is fine too.
fn assert_interrupted(status: std::process::ExitStatus, took: Duration) {
    use std::os::unix::process::ExitStatusExt;
    assert!(
        status.code() == Some(130) || status.signal() == Some(2),
        "{status:?}"
    );
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
}

/// Exactly one container per service, numbered 1, all running, no renamed leftovers.
fn assert_converged(p: &EngineProject, services: usize, mode: &str) {
    let names = p.containers();
    let wanted: Vec<String> = (0..services).map(|i| name(p, &format!("s{i:02}"))).collect();
    assert_eq!(names, wanted, "containers after a converging up");
    for n in &names {
        assert_eq!(status(n), "running", "{n}");
        assert!(
            env_of(n).contains(&format!("MODE={mode}")),
            "{n} runs an old configuration"
        );
    }
}

#[test]
fn an_interrupted_up_stops_promptly_and_the_next_up_converges() {
    const N: usize = 20;
    let volumes = Volumes(Default::default());
    let p = EngineProject::new("sigint", &[("compose.yaml", &many_services(N, "one"))]);
    let (status, took) = interrupted_up(&p, Duration::from_millis(300));
    assert_interrupted(status, took);
    volumes.note(&p);
    up(&p, &[]).assert_success();
    assert_converged(&p, N, "one");
    volumes.note(&p);

    // Interrupt recreates at several points: each run must leave a state the next one fixes.
    for (round, delay) in [150u64, 400, 800].into_iter().enumerate() {
        let mode = format!("r{round}");
        p.write("compose.yaml", &many_services(N, &mode));
        let (status, took) = interrupted_up(&p, Duration::from_millis(delay));
        assert_interrupted(status, took);
        volumes.note(&p);
        let out = p.cmd(&["up", "-d"]).timeout(Duration::from_secs(120)).run();
        out.assert_success();
        assert_converged(&p, N, &mode);
        volumes.note(&p);
    }
    // The anonymous volumes carried over are the only ones: none was lost or duplicated.
    let mounted: usize = p
        .containers()
        .iter()
        .map(|c| inspect(c)["Mounts"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(mounted, N);
}

// --- down -----------------------------------------------------------------------------------

#[test]
fn down_honours_the_grace_period_and_t_zero() {
    let yaml = format!("services:\n  a:\n    {SLEEPER}\n    stop_grace_period: 1s\n");
    let p = EngineProject::new("down-grace", &[("compose.yaml", &yaml)]);
    up(&p, &[]).assert_success();
    let started = Instant::now();
    p.dockhand(&["down"]).assert_success();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(6),
        "down took {took:?}"
    );

    let p = EngineProject::new(
        "down-t0",
        &[(
            "compose.yaml",
            &format!("services:\n  a:\n    {SLEEPER}\n    stop_grace_period: 30s\n"),
        )],
    );
    up(&p, &[]).assert_success();
    let started = Instant::now();
    p.dockhand(&["down", "-t", "0"]).assert_success();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "down -t 0 took {took:?}");
    assert!(p.containers().is_empty());
}

#[test]
fn down_removes_orphans_and_keeps_one_offs_unless_asked() {
    let two = format!("services:\n  a:\n    {SLEEPER}\n  b:\n    {SLEEPER}\n");
    let p = EngineProject::new("down-orphans", &[("compose.yaml", &two)]);
    let Some(reference) = common::reference(p.path()) else {
        return;
    };
    let reference = reference.args(["-p", p.name.as_str()]);
    up(&p, &[]).assert_success();
    reference
        .clone()
        .args(["run", "-d", "a", "sleep", "3600"])
        .run()
        .assert_success();
    reference
        .clone()
        .args(["run", "a", "true"])
        .run()
        .assert_success();
    let oneoffs = || {
        docker(&[
            "ps",
            "-aq",
            "--filter",
            &p.label(),
            "--filter",
            "label=com.docker.compose.oneoff=True",
        ])
    };
    assert_eq!(oneoffs().lines().count(), 2);
    p.write("compose.yaml", &format!("services:\n  a:\n    {SLEEPER}\n"));

    // Like the reference: the service containers go, the orphan `b` among them; the one-offs
    // stay, and so does the network they use.
    let out = p.dockhand(&["down", "-t", "0"]);
    out.assert_success();
    assert_eq!(p.containers().len(), 2, "{:?}", p.containers());
    assert_eq!(oneoffs().lines().count(), 2);

    p.dockhand(&["down", "-t", "0", "--remove-orphans"])
        .assert_success();
    assert!(p.containers().is_empty(), "{:?}", p.containers());
    assert!(networks_of(&p).trim().is_empty());
}

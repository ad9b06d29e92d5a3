//! Rolling updates on one host (`deploy.update_config`) against the real engine: a client
//! requesting the service through its name sees no failure during a start-first update; where
//! two containers cannot coexist the plan falls back to stop-first and says why; replacement
//! numbers agree with the reference; a failed update rolls back to the container serving
//! before; replicas are replaced a batch at a time.

mod common;

use common::engine::{docker, exec, inspect, EngineProject};

/// `web` serves its version after two seconds, healthy once it answers; `client` asks `web`
/// for it every 100 ms, resolving the name each time (bounded: 3000 requests at most). The
/// benchmark (`tests/bench/rolling.sh`) uses the same file.
const COMPOSE: &str = include_str!("rolling/compose.yaml");

fn compose(replicas: u32, update: &str) -> String {
    COMPOSE.replace("REPLICAS", &replicas.to_string()).replace("update_config: UPDATE", &format!("update_config: {update}")).replace("VERSION", "1")
}

fn project(tag: &str, replicas: u32, update: &str) -> EngineProject {
    EngineProject::new(tag, &[("compose.yaml", &compose(replicas, update))])
}

/// The file with the next version of `web`.
fn change(p: &EngineProject, replicas: u32, update: &str, version: &str) {
    p.write("compose.yaml", &compose(replicas, update).replace(r#"V: "1""#, &format!(r#"V: "{version}""#)));
}

fn client_lines(p: &EngineProject) -> Vec<String> {
    let logs = docker(&["logs", &format!("{}-client-1", p.name)]);
    logs.lines().map(str::to_string).collect()
}

fn id(name: &str) -> String {
    inspect(name)["Id"].as_str().unwrap_or_default().to_string()
}

fn web_containers(p: &EngineProject) -> Vec<String> {
    p.containers().into_iter().filter(|c| c.contains("-web-")).collect()
}

/// The addresses the service's name resolves to, as the client sees them.
fn resolved(p: &EngineProject) -> Vec<String> {
    let (_, out) = exec(&format!("{}-client-1", p.name), &["nslookup", "web"]);
    let answer = out.split("Name:").nth(1).unwrap_or_default();
    let mut ips: Vec<String> = answer.lines().filter_map(|l| l.strip_prefix("Address: ")).map(str::to_string).collect();
    ips.sort();
    ips
}

fn address(container: &str) -> String {
    let networks = &inspect(container)["NetworkSettings"]["Networks"];
    let first = networks.as_object().and_then(|n| n.values().next().cloned()).unwrap_or_default();
    first["IPAddress"].as_str().unwrap_or_default().to_string()
}

#[test]
fn start_first_serves_every_request_through_the_service_name_during_an_update() {
    let update = "{order: start-first}";
    let p = project("roll-zero", 1, update);
    p.dockhand(&["up", "-d", "--wait"]).assert_success();
    let before = client_lines(&p).len();
    change(&p, 1, update, "2");
    p.dockhand(&["up", "-d"]).assert_success();
    let during: Vec<String> = client_lines(&p).split_off(before);
    let failed = during.iter().filter(|l| *l != "ok").count();
    assert!(during.len() >= 20, "the client must have been asking all along: {during:?}");
    assert_eq!(failed, 0, "{failed} of {} requests failed during the update: {during:?}", during.len());

    assert_eq!(web_containers(&p), [format!("{}-web-2", p.name)], "the replacement takes a free number; the old one is gone");
    let new = format!("{}-web-2", p.name);
    assert_eq!(resolved(&p), [address(&new)], "the service's name resolves to the new container only");
    let (_, served) = exec(&format!("{}-client-1", p.name), &["wget", "-q", "-O", "-", "http://web/index.html"]);
    assert_eq!(served.trim(), "v2");
    let kept = id(&new);
    p.dockhand(&["up", "-d"]).assert_success();
    assert_eq!(id(&new), kept, "a following up changes nothing");
}

#[test]
fn where_two_containers_cannot_coexist_the_plan_falls_back_to_stop_first_and_says_why() {
    let update = "{order: start-first}";
    let p = project("roll-fallback", 1, update);
    let fixed = |yaml: String| yaml.replace("    stop_grace_period: 2s\n    healthcheck", "    container_name: NAME\n    stop_grace_period: 2s\n    healthcheck");
    let named = format!("{}-fixed", p.name);
    p.write("compose.yaml", &fixed(compose(1, update)).replace("NAME", &named));
    p.dockhand(&["up", "-d"]).assert_success();
    p.write("compose.yaml", &fixed(compose(1, update)).replace("NAME", &named).replace(r#"V: "1""#, r#"V: "2""#));
    let dry = p.dockhand(&["up", "-d", "--dry-run"]).assert_success().stdout.clone();
    assert!(dry.contains("stop-first: start-first not possible: container_name"), "{dry}");
    assert!(!dry.contains("made beside"), "{dry}");

    let port = free_port();
    let published = |yaml: String| yaml.replace("    stop_grace_period: 2s\n    healthcheck", &format!("    ports: ['{port}:80']\n    stop_grace_period: 2s\n    healthcheck"));
    p.write("compose.yaml", &published(compose(1, update)));
    p.dockhand(&["up", "-d"]).assert_success();
    p.write("compose.yaml", &published(compose(1, update).replace(r#"V: "1""#, r#"V: "2""#)));
    let dry = p.dockhand(&["up", "-d", "--dry-run"]).assert_success().stdout.clone();
    assert!(dry.contains(&format!("start-first not possible: ports[0] publishes host port {port}")), "{dry}");
    p.dockhand(&["up", "-d"]).assert_success();
    assert_eq!(web_containers(&p), [format!("{}-web-1", p.name)], "stop-first keeps the replica's number");
}

/// A host port nothing listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("0.0.0.0:0").expect("bind an ephemeral port");
    listener.local_addr().map(|a| a.port()).unwrap_or(18080)
}

#[test]
fn after_a_start_first_update_the_reference_and_dockhand_agree_on_the_project() {
    let update = "{order: start-first, parallelism: 0}";
    let p = project("roll-numbers", 2, update);
    let Some(reference) = common::reference(p.path()) else { return };
    let reference = reference.args(["-p", p.name.as_str()]);
    p.dockhand(&["up", "-d", "--wait"]).assert_success();
    change(&p, 2, update, "2");
    p.dockhand(&["up", "-d"]).assert_success();
    let n = &p.name;
    assert_eq!(web_containers(&p), [format!("{n}-web-3"), format!("{n}-web-4")]);
    for number in [3, 4] {
        let labels = &inspect(&format!("{n}-web-{number}"))["Config"]["Labels"];
        assert_eq!(labels["com.docker.compose.container-number"], number.to_string(), "name and number label agree");
    }
    let names = |out: &str| {
        let mut names: Vec<String> = out.lines().filter(|l| l.contains("-web-")).map(|l| l.trim().to_string()).collect();
        names.sort();
        names
    };
    let ours = p.dockhand(&["ps", "--format", "{{.Name}}"]).assert_success().stdout.clone();
    let theirs = reference.clone().args(["ps", "--format", "{{.Name}}"]).run();
    assert_eq!(names(&ours), names(&theirs.assert_success().stdout), "dockhand ps and docker compose ps agree");
    let ids: Vec<String> = web_containers(&p).iter().map(|c| id(c)).collect();
    reference.args(["up", "-d"]).run().assert_success();
    let after: Vec<String> = web_containers(&p).iter().map(|c| id(c)).collect();
    assert_eq!(after, ids, "a following docker compose up -d changes nothing");
    p.dockhand(&["up", "-d"]).assert_success();
    assert_eq!(web_containers(&p).iter().map(|c| id(c)).collect::<Vec<_>>(), ids, "nor does dockhand's");
}

/// The next version never serves: its health check fails with the output of `wget`.
fn broken(p: &EngineProject, replicas: u32, update: &str) {
    let yaml = compose(replicas, update).replace("sleep 2; echo v$$V > /index.html; exec httpd -f -p 80 -h /", "exec sleep 600");
    p.write("compose.yaml", &yaml.replace(r#"V: "1""#, r#"V: "2""#).replace("start_period: 30s", "start_period: 0s"));
}

#[test]
fn a_start_first_update_that_never_becomes_healthy_rolls_back_and_up_fails_saying_why() {
    let update = "{order: start-first, failure_action: rollback}";
    let p = project("roll-back", 1, update);
    p.dockhand(&["up", "-d", "--wait"]).assert_success();
    let old = format!("{}-web-1", p.name);
    let old_id = id(&old);
    let before = client_lines(&p).len();
    broken(&p, 1, update);
    let out = p.dockhand(&["up", "-d"]);
    out.assert_failure();
    assert!(out.stderr.contains(r#"service "web": update failed: container"#) && out.stderr.contains("is unhealthy"), "{}", out.stderr);
    assert!(out.stderr.contains("failure_action rollback"), "{}", out.stderr);
    assert!(out.stderr.contains("last health check output:") && out.stderr.contains("wget"), "{}", out.stderr);
    assert_eq!(web_containers(&p), std::slice::from_ref(&old), "the failed replacement is removed");
    assert_eq!(id(&old), old_id, "the container serving before is the one serving now");
    let during: Vec<String> = client_lines(&p).split_off(before);
    assert!(during.iter().all(|l| l == "ok"), "no request failed: {during:?}");
}

#[test]
fn a_stop_first_update_that_fails_restores_the_old_container() {
    stop_first_failure_brings_back("roll-stopfirst", 1, "{order: stop-first, failure_action: rollback}");
}

#[test]
fn a_stop_first_rollback_brings_every_replica_back_in_rollback_configs_batches() {
    let update = "{order: stop-first, parallelism: 0, failure_action: rollback}\n      rollback_config: {parallelism: 1, delay: 1s}";
    stop_first_failure_brings_back("roll-stopfirst-batches", 2, update);
}

/// A stop-first update of `replicas` that never becomes healthy: `up` fails, and every old
/// container is named back, started and serving the old version, nothing else left.
fn stop_first_failure_brings_back(tag: &str, replicas: u32, update: &str) {
    let p = project(tag, replicas, update);
    p.dockhand(&["up", "-d", "--wait"]).assert_success();
    let olds: Vec<String> = (1..=replicas).map(|n| format!("{}-web-{n}", p.name)).collect();
    let ids: Vec<String> = olds.iter().map(|c| id(c)).collect();
    broken(&p, replicas, update);
    let out = p.dockhand(&["up", "-d"]);
    out.assert_failure();
    assert!(out.stderr.contains(r#"service "web": update failed"#), "{}", out.stderr);
    assert_eq!(web_containers(&p), olds, "the old replicas back under their names, nothing else");
    for (c, old_id) in olds.iter().zip(&ids) {
        assert_eq!(&id(c), old_id, "{c} is the container from before, named back");
        await_healthy(c);
    }
    let (_, served) = exec(&format!("{}-client-1", p.name), &["wget", "-q", "-O", "-", "http://web/index.html"]);
    assert_eq!(served.trim(), "v1");
}

#[test]
fn three_replicas_are_replaced_one_at_a_time() {
    let update = "{order: start-first, parallelism: 1}";
    let p = project("roll-batches", 3, update);
    p.dockhand(&["up", "-d", "--wait"]).assert_success();
    // Followed live: the engine replays only its last 256 events, which other tests' fill.
    let mut events = std::process::Command::new("docker")
        .args(["events", "--filter", &p.label(), "--filter", "event=create", "--filter", "event=destroy"])
        .args(["--format", "{{.Action}} {{.Actor.Attributes.name}}"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("docker events");
    std::thread::sleep(std::time::Duration::from_secs(1));
    change(&p, 3, update, "2");
    let up = p.dockhand(&["up", "-d"]);
    std::thread::sleep(std::time::Duration::from_secs(1));
    let _ = events.kill();
    let events = events.wait_with_output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    up.assert_success();
    let n = &p.name;
    let steps: Vec<&str> = events.lines().collect();
    let expected: Vec<String> = [(1, 4), (2, 5), (3, 6)]
        .iter()
        .flat_map(|(old, new)| [format!("create {n}-web-{new}"), format!("destroy {n}-web-{old}")])
        .collect();
    assert_eq!(steps, expected, "each replica is replaced before the next begins");
}

/// Polls until the container is healthy, a minute at most (it starts serving after 2 s).
fn await_healthy(container: &str) {
    for _ in 0..120 {
        if inspect(container)["State"]["Health"]["Status"] == "healthy" {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

#[test]
fn a_failure_in_a_later_batch_brings_back_the_replicas_replaced_before_it() {
    let update = "{order: start-first, parallelism: 1, failure_action: rollback}";
    let with_flag = |yaml: String| {
        let yaml = yaml.replace("    stop_grace_period: 2s\n    healthcheck", "    volumes: [flag:/flag]\n    stop_grace_period: 2s\n    healthcheck");
        format!("{yaml}volumes:\n  flag: {{}}\n")
    };
    let p = EngineProject::new("roll-later", &[("compose.yaml", &with_flag(compose(2, update)))]);
    p.dockhand(&["up", "-d", "--wait"]).assert_success();
    let n = &p.name;
    let olds = [format!("{n}-web-1"), format!("{n}-web-2")];
    let ids: Vec<String> = olds.iter().map(|c| id(c)).collect();
    let before = client_lines(&p).len();
    // The first replacement serves; the second finds its flag and exits.
    let second_fails = "[ -e /flag/first ] && { echo second replacement refuses; exit 3; }; touch /flag/first; sleep 2";
    let next = with_flag(compose(2, update)).replace(r#"V: "1""#, r#"V: "2""#).replace("sleep 2;", &format!("{second_fails};"));
    p.write("compose.yaml", &next);
    let out = p.dockhand(&["up", "-d"]);
    out.assert_failure();
    assert!(out.stderr.contains(r#"service "web": update failed"#) && out.stderr.contains("exited (3)"), "{}", out.stderr);
    assert!(out.stderr.contains("second replacement refuses"), "the failed container's last output: {}", out.stderr);
    assert_eq!(web_containers(&p), olds, "both replicas are the containers of before");
    assert_eq!(olds.iter().map(|c| id(c)).collect::<Vec<_>>(), ids);
    for c in &olds {
        await_healthy(c);
    }
    // Two containers leave the service's networks here (p-web-1 replaced, then its
    // replacement undone): a request that resolved one of them in the instant before may
    // still hang on its address. A gap in service would fail a score of requests.
    let during: Vec<String> = client_lines(&p).split_off(before);
    let failed = during.iter().filter(|l| *l != "ok").count();
    assert!(failed <= 2, "the service answered throughout the update and its rollback: {during:?}");
    let (_, served) = exec(&format!("{n}-client-1"), &["wget", "-q", "-O", "-", "http://web/index.html"]);
    assert_eq!(served.trim(), "v1");
}

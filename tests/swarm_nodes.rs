//! `stack deploy` on a Swarm of three nodes (a manager and two workers, each an engine of the
//! test's own, see tests/common/swarm.rs): placement, global services, a service reached over
//! the overlay from another node, and the loss of a node. The tests share one Swarm and take
//! turns on it; each removes its stack.
//!
//! The stack commands under test: see `Swarm::stack` (`DOCKHAND_STACK_TOOL=docker` runs them
//! with `docker stack`, which checks the tests themselves).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::swarm::{shared, stack_tool_is_docker, SharedSwarm, Swarm, Task};
use common::{project, Output};

const IMAGE: &str = "busybox:latest";
/// Tasks of a few services on three nodes run within seconds; this only bounds a failure.
const CONVERGE: Duration = Duration::from_secs(60);

/// A task that stops at once when asked (a shell as pid 1 ignores SIGTERM otherwise, and every
/// removal would wait out the grace period).
const IDLE: &str = r#"["sh", "-c", "trap 'exit 0' TERM; sleep 100000 & wait"]"#;

fn swarm() -> Option<SharedSwarm> {
    shared(2, IMAGE)
}

/// A stack deployed by the tool under test, removed (and waited for) on drop.
struct Stack<'a> {
    swarm: &'a Swarm,
    name: String,
    dir: tempfile::TempDir,
}

impl<'a> Stack<'a> {
    fn deploy(swarm: &'a Swarm, name: &str, compose: &str) -> Stack<'a> {
        let (stack, out) = Stack::deploy_with(swarm, name, compose, &[]);
        out.assert_success();
        stack
    }

    /// `stack deploy <extra> -c compose.yaml <name>`, its output whatever it is.
    fn deploy_with(swarm: &'a Swarm, name: &str, compose: &str, extra: &[&str]) -> (Stack<'a>, Output) {
        let stack = Stack { swarm, name: name.to_string(), dir: project(&[("compose.yaml", compose)]) };
        let mut args = vec!["deploy"];
        args.extend(extra);
        args.extend(["-c", "compose.yaml", name]);
        let out = stack.stack(&args);
        (stack, out)
    }

    fn stack(&self, args: &[&str]) -> Output {
        self.swarm.stack(self.dir.path(), args)
    }

    fn service(&self, s: &str) -> String {
        format!("{}_{s}", self.name)
    }

    /// The service's tasks that run, once `want(tasks)` holds for them.
    #[track_caller]
    fn wait_running(&self, what: &str, want: impl Fn(&BTreeMap<String, Vec<Task>>) -> bool) -> BTreeMap<String, Vec<Task>> {
        self.swarm.wait_for(
            what,
            CONVERGE,
            || {
                let running = by_service(self.swarm.tasks(&self.name).into_iter().filter(Task::running));
                want(&running).then_some(running)
            },
            || self.swarm.describe_stack(&self.name),
        )
    }
}

impl Drop for Stack<'_> {
    fn drop(&mut self) {
        let removed = self.swarm.stop_stack(&self.name);
        // A failed test is already unwinding: a second panic would abort before the clean-up.
        if let (Err(left), false) = (removed, std::thread::panicking()) {
            panic!("stack {} not removed: {left:?}", self.name);
        }
    }
}

fn by_service(tasks: impl Iterator<Item = Task>) -> BTreeMap<String, Vec<Task>> {
    let mut map: BTreeMap<String, Vec<Task>> = BTreeMap::new();
    for t in tasks {
        map.entry(t.service().to_string()).or_default().push(t);
    }
    map
}

/// The nodes the service's tasks run on, sorted.
fn nodes(running: &BTreeMap<String, Vec<Task>>, service: &str) -> Vec<String> {
    let mut nodes: Vec<String> = running.get(service).into_iter().flatten().map(|t| t.node.clone()).collect();
    nodes.sort();
    nodes
}

fn count(running: &BTreeMap<String, Vec<Task>>, service: &str) -> usize {
    running.get(service).map_or(0, Vec::len)
}

#[test]
fn placement_follows_constraints_on_role_and_labels_and_max_replicas_per_node() {
    let Some(swarm) = swarm() else { return };
    let compose = format!(
        r#"version: "3.8"
services:
  pinned:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      placement: {{constraints: ["node.labels.slot == b"]}}
  managed:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      endpoint_mode: dnsrr
      placement: {{constraints: ["node.role == manager"]}}
  spread:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      placement: {{constraints: ["node.role == worker"], max_replicas_per_node: 1}}
  capped:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      replicas: 4
      endpoint_mode: dnsrr
      placement: {{max_replicas_per_node: 1}}
"#
    );
    let stack = Stack::deploy(&swarm, "place", &compose);
    let [pinned, managed, spread, capped] = ["pinned", "managed", "spread", "capped"].map(|s| stack.service(s));
    let running = stack.wait_running("every placeable task running", |r| {
        count(r, &pinned) == 2 && count(r, &managed) == 1 && count(r, &spread) == 2 && count(r, &capped) == 3
    });
    let context = stack.swarm.describe_stack(&stack.name);
    assert_eq!(nodes(&running, &pinned), ["worker2", "worker2"], "slot=b is worker2's label\n{context}");
    assert_eq!(nodes(&running, &managed), ["manager0"], "{context}");
    assert_eq!(nodes(&running, &spread), ["worker1", "worker2"], "{context}");
    assert_eq!(nodes(&running, &capped), ["manager0", "worker1", "worker2"], "{context}");
    // The fourth replica of `capped` has no node left, and says so.
    let ps = stack.stack(&["ps", "--no-trunc", &stack.name]);
    ps.assert_success();
    let pending: Vec<&str> = ps.stdout.lines().filter(|l| l.contains(&format!("{capped}."))).filter(|l| l.contains("Pending")).collect();
    assert_eq!(pending.len(), 1, "one task of {capped} pending\n{}", ps.stdout);
    assert!(pending[0].contains("no suitable node (max replicas per node limit exceed"), "the reason is shown\n{}", ps.stdout);
}

#[test]
fn a_global_service_runs_one_task_on_every_eligible_node() {
    let Some(swarm) = swarm() else { return };
    let compose = format!(
        r#"version: "3.8"
services:
  everywhere:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{mode: global, endpoint_mode: dnsrr}}
  workers:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      mode: global
      endpoint_mode: dnsrr
      placement: {{constraints: ["node.role == worker"]}}
"#
    );
    let stack = Stack::deploy(&swarm, "global", &compose);
    let [everywhere, workers] = ["everywhere", "workers"].map(|s| stack.service(s));
    let running = stack.wait_running("a task on every eligible node", |r| count(r, &everywhere) == 3 && count(r, &workers) == 2);
    let context = stack.swarm.describe_stack(&stack.name);
    assert_eq!(nodes(&running, &everywhere), ["manager0", "worker1", "worker2"], "{context}");
    assert_eq!(nodes(&running, &workers), ["worker1", "worker2"], "{context}");
    // Nothing beyond one per node, even after the scheduler has settled.
    std::thread::sleep(Duration::from_secs(1));
    let all = stack.swarm.tasks(&stack.name);
    assert_eq!(all.iter().filter(|t| t.desired == "Running").count(), 5, "{}", stack.swarm.describe_stack(&stack.name));
}

#[test]
fn a_client_on_one_node_reaches_a_service_on_another_by_name_over_the_overlay() {
    let Some(swarm) = swarm() else { return };
    let compose = format!(
        r#"version: "3.8"
services:
  server:
    image: {IMAGE}
    command: ["sh", "-c", "echo hello over the overlay > /index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h / & wait"]
    deploy:
      endpoint_mode: dnsrr
      placement: {{constraints: ["node.labels.slot == a"]}}
  client:
    image: {IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; until wget -q -O- http://server:8080/index.html; do sleep 0.2; done; sleep 100000 & wait"]
    deploy:
      endpoint_mode: dnsrr
      placement: {{constraints: ["node.labels.slot == b"]}}
"#
    );
    let stack = Stack::deploy(&swarm, "overlay", &compose);
    let [server, client] = ["server", "client"].map(|s| stack.service(s));
    let running = stack.wait_running("server and client running", |r| count(r, &server) == 1 && count(r, &client) == 1);
    assert_eq!(nodes(&running, &server), ["worker1"]);
    assert_eq!(nodes(&running, &client), ["worker2"]);
    // The client's container is on worker2 (node 2): its output is read there.
    let filter = format!("label=com.docker.swarm.service.name={client}");
    let said = swarm.wait_for(
        "the client got the server's page",
        CONVERGE,
        || {
            let id = swarm.on(2, &["ps", "-q", "--filter", &filter]).stdout;
            let logs = swarm.on(2, &["logs", id.trim()]).stdout;
            logs.contains("hello over the overlay").then_some(logs)
        },
        || {
            let id = swarm.on(2, &["ps", "-aq", "--filter", &filter]).stdout;
            let logs = swarm.on(2, &["logs", id.lines().next().unwrap_or_default()]);
            format!("client logs:\n{}{}\n{}", logs.stdout, logs.stderr, swarm.describe_stack(&stack.name))
        },
    );
    assert_eq!(said.trim(), "hello over the overlay");
}

#[test]
fn losing_a_node_reschedules_its_tasks_and_stack_ps_shows_what_happened() {
    let Some(swarm) = swarm() else { return };
    let compose = format!(
        r#"version: "3.8"
services:
  kept:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{replicas: 3, endpoint_mode: dnsrr}}
  capped:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      placement: {{max_replicas_per_node: 1}}
"#
    );
    let victim = 2;
    let lost = Swarm::hostname(victim);
    let stack = Stack::deploy(&swarm, "loss", &compose);
    let [kept, capped] = ["kept", "capped"].map(|s| stack.service(s));
    let running = stack.wait_running("all replicas running", |r| count(r, &kept) == 3 && count(r, &capped) == 3);
    assert!(nodes(&running, &kept).contains(&lost), "a task of {kept} on {lost}\n{}", swarm.describe_stack("loss"));

    swarm.kill(victim);
    swarm.wait_for(
        "the manager sees the node down",
        CONVERGE,
        || swarm.docker(&["node", "ls", "--format", "{{.Hostname}} {{.Status}}"]).stdout.contains(&format!("{lost} Down")).then_some(()),
        || swarm.docker(&["node", "ls"]).stdout,
    );
    let running = stack.wait_running("kept back at 3 replicas on the nodes left", |r| {
        count(r, &kept) == 3 && !nodes(r, &kept).contains(&lost)
    });
    assert_eq!(nodes(&running, &capped).len(), 2, "{}", swarm.describe_stack("loss"));
    let ps = stack.stack(&["ps", "--no-trunc", "loss"]);
    ps.assert_success();
    assert!(
        ps.stdout.lines().any(|l| l.contains(&format!("{kept}.")) && l.contains(&format!(" {lost} ")) && l.contains(" Shutdown ")),
        "the task on the lost node is shown shut down\n{}",
        ps.stdout
    );
    assert!(
        ps.stdout.lines().any(|l| l.contains(&format!("{capped}.")) && l.contains("Pending") && l.contains("no suitable node")),
        "capped's third replica waits for a node, and says why\n{}",
        ps.stdout
    );

    // The node comes back: its old tasks end, and capped is whole again.
    swarm.heal();
    stack.wait_running("capped back at 3 replicas", |r| count(r, &capped) == 3);
    swarm.wait_for(
        "the lost node's old tasks ended",
        CONVERGE,
        || {
            let tasks = swarm.tasks("loss");
            tasks.iter().all(|t| t.desired == "Running" || !t.current.starts_with("Running")).then_some(())
        },
        || swarm.describe_stack("loss"),
    );
}

/// `docker stack deploy` has no `--wait` (and its `-d=false` never returns on a task that
/// cannot be placed): these are dockhand's own.
fn dockhand_only(test: &str) -> bool {
    if stack_tool_is_docker() {
        eprintln!("NOTICE: {test} tests dockhand's stack deploy --wait; skipped with docker stack");
    }
    !stack_tool_is_docker()
}

#[test]
fn deploy_wait_returns_once_tasks_run_on_every_node_they_are_placed_on() {
    if !dockhand_only("deploy_wait_returns_once_tasks_run_on_every_node_they_are_placed_on") {
        return;
    }
    let Some(swarm) = swarm() else { return };
    let compose = format!(
        r#"version: "3.8"
services:
  everywhere:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{mode: global, endpoint_mode: dnsrr}}
  one_each:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      placement: {{max_replicas_per_node: 1}}
"#
    );
    let (stack, out) = Stack::deploy_with(&swarm, "waited", &compose, &["--wait", "--wait-timeout", "120"]);
    out.assert_success();
    // No waiting here: when --wait has returned, the stack has converged.
    let running = by_service(swarm.tasks(&stack.name).into_iter().filter(Task::running));
    let context = swarm.describe_stack(&stack.name);
    assert_eq!(nodes(&running, &stack.service("everywhere")), ["manager0", "worker1", "worker2"], "{context}");
    assert_eq!(nodes(&running, &stack.service("one_each")), ["manager0", "worker1", "worker2"], "{context}");
}

#[test]
fn deploy_wait_fails_naming_the_service_whose_replica_has_no_suitable_node() {
    if !dockhand_only("deploy_wait_fails_naming_the_service_whose_replica_has_no_suitable_node") {
        return;
    }
    let Some(swarm) = swarm() else { return };
    let compose = format!(
        r#"version: "3.8"
services:
  fits:
    image: {IMAGE}
    command: {IDLE}
    deploy: {{endpoint_mode: dnsrr}}
  crowded:
    image: {IMAGE}
    command: {IDLE}
    deploy:
      replicas: 4
      endpoint_mode: dnsrr
      placement: {{max_replicas_per_node: 1}}
"#
    );
    let (stack, out) = Stack::deploy_with(&swarm, "crowded", &compose, &["--wait", "--wait-timeout", "60"]);
    out.assert_failure();
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(said.contains(&stack.service("crowded")), "the service is named\n{}", out.describe());
    assert!(said.contains("no suitable node"), "the scheduler's reason is shown\n{}", out.describe());
    assert!(!said.contains("panicked"), "{}", out.describe());
}

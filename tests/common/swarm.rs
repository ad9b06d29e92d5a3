//! A Docker Swarm of several nodes on one machine, for the tests of `stack`: a manager and
//! workers, each a `TestEngine` in a network namespace of its own, their `eth0`s on a bridge of
//! the Swarm's own with addresses, so that the engines reach one another (Raft, gossip, VXLAN
//! overlays) as separate hosts would. These engines are the only ones it puts in swarm mode.
//!
//! What it takes, learned the hard way: engines started with `DOCKER_SERVICE_PREFER_OFFLINE_IMAGE`
//! (else every task waits ~20 s for a registry that is not there); traffic between two nodes
//! crosses the bridge, where the machine's `FORWARD` policy (DROP, set by its docker) drops it
//! unless the bridge is accepted; `stack rm` returns before the services' networks and
//! containers are gone on the nodes, hence `remove_stack` waits. The kernel has no IPVS: tests
//! use `endpoint_mode: dnsrr` and `mode: host` ports.
//!
//! Dropping a Swarm removes its engines (manager first, so that nothing is rescheduled), the
//! bridge and the firewall rule, also when the test failed. `shared` keeps one per test binary.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

use super::testengine::{Link, Setup, TestEngine};
use super::{dockhand, Output, Run};

/// How long nodes may take to be `Ready` (after a join or an engine restart).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `stack rm` may take to be complete on every node.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(60);
/// The `stack` commands under test; `DOCKHAND_STACK_TOOL=docker` substitutes `docker stack`.
const DEFAULT_STACK_TOOL: &str = "dockhand";
/// How often the state is polled while waiting.
const POLL: Duration = Duration::from_millis(200);

pub struct Swarm {
    /// The manager first, then the workers; each locked on its own, so that a test holding the
    /// Swarm (and stacks on it) can still kill and restart a node.
    nodes: Vec<Mutex<TestEngine>>,
    bridge: String,
}

impl Swarm {
    /// A Swarm of a manager and `workers` workers holding the machine's `image`, or None (with a
    /// notice) where test engines cannot be started. Workers are labelled `slot=a`, `slot=b`, …
    /// in order; every node has the host name `<role><index>` (`manager0`, `worker1`, …).
    pub fn start(workers: usize, image: &str) -> Option<Swarm> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let k = NEXT.fetch_add(1, Ordering::Relaxed);
        let net = free_subnet(k);
        let bridge = format!("dhs{}b{k}", std::process::id());
        for args in [
            vec!["link", "add", &bridge, "type", "bridge"],
            vec!["addr", "add", &format!("{net}.1/24"), "dev", &bridge],
            vec!["link", "set", &bridge, "up"],
        ] {
            // Without root (or ip) the engines cannot start either: TestEngine says so below.
            let _ = Command::new("ip").args(&args).status();
        }
        // Built before the first engine, so that a failure to start one still removes the bridge.
        let mut swarm = Swarm { nodes: Vec::new(), bridge };
        swarm.accept_bridge("-I");
        for i in 0..=workers {
            let setup = Setup {
                env: vec![("DOCKER_SERVICE_PREFER_OFFLINE_IMAGE".to_string(), "1".to_string())],
                hostname: Some(Swarm::hostname(i)),
                link: Some(Link { bridge: swarm.bridge.clone(), address: format!("{net}.{}/24", 10 + i) }),
            };
            swarm.nodes.push(Mutex::new(TestEngine::start_with(image, setup)?));
        }
        let manager_addr = format!("{net}.10");
        let init = swarm.on(0, &["swarm", "init", "--advertise-addr", &manager_addr, "--dispatcher-heartbeat", "1s"]);
        assert!(init.success(), "swarm init failed: {}", init.describe());
        let token = swarm.on(0, &["swarm", "join-token", "-q", "worker"]);
        let token = token.stdout.trim();
        for i in 1..=workers {
            let join = swarm.on(i, &["swarm", "join", "--token", token, &format!("{manager_addr}:2377")]);
            assert!(join.success(), "worker {i} did not join: {}", join.describe());
            let label = format!("slot={}", (b'a' + (i - 1) as u8) as char);
            let update = swarm.docker(&["node", "update", "--label-add", &label, &swarm.node_id(i)]);
            assert!(update.success(), "labelling worker {i}: {}", update.describe());
        }
        swarm.wait_ready();
        Some(swarm)
    }

    /// The manager's `DOCKER_HOST`: where `docker stack` and `dockhand stack` are pointed.
    pub fn host(&self) -> String {
        self.node(0).host()
    }

    /// The node's engine: 0 is the manager, 1.. the workers.
    pub fn node(&self, i: usize) -> MutexGuard<'_, TestEngine> {
        self.nodes[i].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The node's Swarm id.
    pub fn node_id(&self, i: usize) -> String {
        self.on(i, &["info", "-f", "{{.Swarm.NodeID}}"]).stdout.trim().to_string()
    }

    /// Node `i`'s host name, which `stack ps` shows in its NODE column.
    pub fn hostname(i: usize) -> String {
        let role = if i == 0 { "manager" } else { "worker" };
        format!("{role}{i}")
    }

    /// The docker CLI against the manager.
    pub fn docker(&self, args: &[&str]) -> Output {
        self.on(0, args)
    }

    /// `stack <args>` of the tool under test, in `dir`, against the manager: dockhand's, or
    /// `docker stack` with `DOCKHAND_STACK_TOOL=docker` (which checks the tests themselves:
    /// every one must then pass).
    pub fn stack(&self, dir: &Path, args: &[&str]) -> Output {
        let run = if stack_tool_is_docker() { Run::new("docker", dir) } else { dockhand(dir) };
        run.env("DOCKER_HOST", &self.host()).arg("stack").args(args.iter().copied()).timeout(Duration::from_secs(120)).run()
    }

    /// `docker stack <args>` in `dir`, against the manager.
    pub fn docker_stack(&self, dir: &Path, args: &[&str]) -> Output {
        Run::new("docker", dir)
            .env("DOCKER_HOST", &self.host())
            .arg("stack")
            .args(args.iter().copied())
            .timeout(Duration::from_secs(120))
            .run()
    }

    /// The docker CLI against node `i`.
    pub fn on(&self, i: usize, args: &[&str]) -> Output {
        Run::new("docker", std::env::temp_dir())
            .env("DOCKER_HOST", &self.node(i).host())
            .args(args.iter().copied())
            .timeout(Duration::from_secs(120))
            .run()
    }

    /// Ends node `i`'s engine at once, as a crashed host: the manager sees the node go down.
    pub fn kill(&self, i: usize) {
        self.node(i).kill();
    }

    /// Every engine answering and every node `Ready` again (after `kill`, or a test that failed
    /// half-way): what the next test on a shared Swarm starts from.
    pub fn heal(&self) {
        for i in 0..self.nodes.len() {
            let mut node = self.node(i);
            if !node.running() || !node.answers() {
                node.restart();
            }
        }
        self.wait_ready();
    }

    /// Removes `stack` and waits until its services, networks and containers are gone from
    /// every node (`docker stack rm` returns before they are): the name can be deployed anew.
    #[track_caller]
    pub fn remove_stack(&self, stack: &str) {
        let _ = self.docker(&["stack", "rm", stack]);
        if let Err(left) = self.wait_removed(stack, Leftovers::None) {
            panic!("stack {stack} still has, after {REMOVE_TIMEOUT:?}: {left:?}");
        }
    }

    /// Removes `stack` and waits only until none of its containers runs: the engine removes the
    /// stopped ones and the networks seconds later, which a test deploying other names need not
    /// wait for. What is left after the timeout is an error, for drops, which must not panic
    /// while a failed test unwinds.
    pub fn stop_stack(&self, stack: &str) -> Result<(), Vec<String>> {
        let _ = self.docker(&["stack", "rm", stack]);
        self.wait_removed(stack, Leftovers::Stopped)
    }

    /// Waits until `stack` has no services, and no containers or networks beyond `allowed`.
    pub fn wait_removed(&self, stack: &str, allowed: Leftovers) -> Result<(), Vec<String>> {
        let ps = if allowed == Leftovers::Stopped { "-q" } else { "-aq" };
        let label = format!("label=com.docker.stack.namespace={stack}");
        let prefix = format!("{stack}_");
        let started = Instant::now();
        loop {
            let left: Vec<String> = (0..self.nodes.len())
                .filter(|&i| self.node(i).running())
                .flat_map(|i| {
                    let containers = self.on(i, &["ps", ps, "--filter", &label]).stdout;
                    let networks =
                        if allowed == Leftovers::Stopped { String::new() } else { self.on(i, &["network", "ls", "--format", "{{.Name}}"]).stdout };
                    let networks: Vec<String> =
                        networks.lines().filter(|n| n.starts_with(&prefix)).map(|n| format!("network {n} on node {i}")).collect();
                    containers.lines().map(|c| format!("container {c} on node {i}")).chain(networks).collect::<Vec<_>>()
                })
                .chain(["service", "config", "secret"].into_iter().flat_map(|kind| {
                    let out = self.docker(&[kind, "ls", "-q", "--filter", &label]).stdout;
                    out.lines().map(|id| format!("{kind} {id}")).collect::<Vec<_>>()
                }))
                .collect();
            if left.is_empty() {
                return Ok(());
            }
            if started.elapsed() > REMOVE_TIMEOUT {
                return Err(left);
            }
            std::thread::sleep(POLL);
        }
    }

    /// Once none of the removed stack's containers runs, removes those left on every node: the
    /// engine keeps the containers of job tasks after their service is removed (`docker stack
    /// rm` leaves them too).
    pub fn remove_exited(&self, stack: &str) {
        let _ = self.wait_removed(stack, Leftovers::Stopped);
        let label = format!("label=com.docker.stack.namespace={stack}");
        let stopped = ["--filter", "status=exited", "--filter", "status=created", "--filter", "status=dead"];
        for i in (0..self.nodes.len()).filter(|&i| self.node(i).running()) {
            let mut args = vec!["ps", "-aq", "--filter", &label];
            args.extend(stopped);
            let ids = self.on(i, &args).stdout;
            for id in ids.split_whitespace() {
                let _ = self.on(i, &["rm", id]);
            }
        }
    }

    /// The stack's tasks as the engine reports them (`docker stack ps`, so independent of the
    /// tool under test), history included.
    pub fn tasks(&self, stack: &str) -> Vec<Task> {
        let out = self.docker(&["stack", "ps", stack, "--no-trunc", "--format", "{{json .}}"]).stdout;
        out.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                Task {
                    name: field("Name").trim_start_matches(|c: char| c == ' ' || c == '\\' || c == '_').to_string(),
                    node: field("Node"),
                    desired: field("DesiredState"),
                    current: field("CurrentState"),
                    error: field("Error"),
                }
            })
            .collect()
    }

    /// `docker stack ps` as a user reads it, for failure messages.
    pub fn describe_stack(&self, stack: &str) -> String {
        let ps = self.docker(&["stack", "ps", stack, "--no-trunc"]);
        let nodes = self.docker(&["node", "ls"]);
        format!("{}{}\n{}", ps.stdout, ps.stderr, nodes.stdout)
    }

    /// Polls `check` until it returns Some, or fails after `timeout` with `what` and the last
    /// `describe()` (for the stack's state in the message).
    #[track_caller]
    pub fn wait_for<T>(&self, what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>, describe: impl Fn() -> String) -> T {
        let started = Instant::now();
        loop {
            if let Some(v) = check() {
                return v;
            }
            if started.elapsed() > timeout {
                panic!("{what}: not within {timeout:?}; state:\n{}", describe());
            }
            std::thread::sleep(POLL);
        }
    }

    fn wait_ready(&self) {
        let want = self.nodes.len();
        let states = || self.docker(&["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.Availability}}"]).stdout;
        self.wait_for(
            "every node Ready",
            READY_TIMEOUT,
            || {
                let out = states();
                let ready = out.lines().filter(|l| l.ends_with(" Ready Active")).count();
                (ready == want && out.lines().count() == want).then_some(())
            },
            states,
        );
    }

    /// `-I` adds, `-D` removes the rule that lets the bridge forward between its own ports.
    fn accept_bridge(&self, op: &str) {
        let _ = Command::new("iptables")
            .args([op, "FORWARD", "-i", &self.bridge, "-o", &self.bridge, "-j", "ACCEPT"])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// Whether `Swarm::stack` runs `docker stack` rather than dockhand's.
pub fn stack_tool_is_docker() -> bool {
    std::env::var("DOCKHAND_STACK_TOOL").unwrap_or_else(|_| DEFAULT_STACK_TOOL.to_string()) == "docker"
}

/// What a removed stack may still have on the nodes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Leftovers {
    None,
    /// Stopped containers and networks, which the engine removes a few seconds later.
    Stopped,
}

/// One line of `stack ps`.
#[derive(Debug, Clone)]
pub struct Task {
    /// `<stack>_<service>.<slot>`, or `.<node id>` for a global service's.
    pub name: String,
    /// The node's host name; empty while the task is not placed.
    pub node: String,
    pub desired: String,
    /// `Running 3 seconds ago`, `Pending …`.
    pub current: String,
    pub error: String,
}

impl Task {
    /// `<stack>_<service>`.
    pub fn service(&self) -> &str {
        self.name.split('.').next().unwrap_or_default()
    }

    pub fn running(&self) -> bool {
        self.desired == "Running" && self.current.starts_with("Running")
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        // The manager first: workers left without it reschedule nothing while they stop.
        if !self.nodes.is_empty() {
            drop(self.nodes.remove(0));
        }
        // The workers at once: each one's shutdown waits on its own containers only.
        std::thread::scope(|s| {
            for node in self.nodes.drain(..) {
                s.spawn(move || drop(node.into_inner().unwrap_or_else(PoisonError::into_inner)));
            }
        });
        self.accept_bridge("-D");
        let _ = Command::new("ip").args(["link", "del", &self.bridge]).status();
    }
}

/// A `/24` (its first three octets) that no route of the machine's uses, distinct per process
/// and per Swarm so that test binaries running at once do not share one.
fn free_subnet(k: usize) -> String {
    let routes = Command::new("ip").args(["-4", "route"]).output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let base = std::process::id() as usize * 7 + k * 31;
    (0..250)
        .map(|j| format!("10.231.{}", (base + j) % 250 + 1))
        .find(|net| !routes.contains(&format!("{net}.")))
        .unwrap_or_else(|| "10.231.251".to_string())
}

/// The Swarm a test binary's tests share, started on first use, held by one test at a time
/// (the tests change it: they deploy, kill nodes) and healed before each. Removed when the
/// test binary exits, also after failures; None where test engines cannot be started.
pub fn shared(workers: usize, image: &str) -> Option<SharedSwarm> {
    static SHARED: Mutex<Option<Swarm>> = Mutex::new(None);
    static START: Once = Once::new();
    extern "C" fn teardown() {
        // A test still holding it (a harness that gave up on it) keeps it: better than a hang.
        let taken = match SHARED.try_lock() {
            Ok(mut held) => held.take(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().take(),
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
        drop(taken);
    }
    START.call_once(|| {
        let swarm = Swarm::start(workers, image);
        if swarm.is_some() {
            // SAFETY: registers a plain function with no captured state; it runs once at exit.
            unsafe { libc::atexit(teardown) };
        }
        *SHARED.lock().unwrap_or_else(|p| p.into_inner()) = swarm;
    });
    let held = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    held.as_ref()?.heal();
    Some(SharedSwarm(held))
}

/// One test's hold on the shared Swarm.
pub struct SharedSwarm(MutexGuard<'static, Option<Swarm>>);

impl std::ops::Deref for SharedSwarm {
    type Target = Swarm;
    fn deref(&self) -> &Swarm {
        self.0.as_ref().expect("held only when started")
    }
}

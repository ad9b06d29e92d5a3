//! Docker engines the tests start, kill and restart themselves, beside the machine's own:
//! each a `dockerd` in a network namespace of its own, with its own data root, exec root,
//! socket and cgroup parent, sharing the machine's storage driver. Several may run at once
//! (distinct names and sockets). Dropping one ends only the processes it started, by pid, and
//! removes its namespace, mounts, cgroups and directories, also when the test failed.
//!
//! `ip netns exec` would remount /sys, where the engine then finds no devices cgroup: the
//! engine is entered into the namespace with `nsenter --net` instead. The machine's
//! `/etc/docker/daemon.json` sets a data root, hence a configuration file of its own.
//! Needs root; without it the tests that use one are skipped with a notice (a failure in CI).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a starting engine may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stopping engine may take before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct TestEngine {
    /// Names the namespace and the cgroup parent.
    pub name: String,
    dir: PathBuf,
    storage_driver: String,
    setup: Setup,
    daemon: Option<Child>,
}

/// What an engine needs beyond the defaults (a Swarm node: an address others reach it on).
#[derive(Default, Clone)]
pub struct Setup {
    /// Set in the engine's environment (kept across restarts).
    pub env: Vec<(String, String)>,
    /// The engine's own host name (a UTS namespace of its own), which Swarm shows as the node's.
    pub hostname: Option<String>,
    pub link: Option<Link>,
}

/// A veth pair: `eth0` in the engine's namespace with `address`, its peer on the machine's `bridge`.
#[derive(Clone)]
pub struct Link {
    pub bridge: String,
    /// With its prefix length: `10.231.4.11/24`.
    pub address: String,
}

impl TestEngine {
    /// A started engine holding the machine's `image`, or None (with a notice) where engines
    /// cannot be started: not root, or no `dockerd`/`nsenter`.
    pub fn start(image: &str) -> Option<TestEngine> {
        TestEngine::start_with(image, Setup::default())
    }

    /// As `start`, with `setup` applied before the engine starts.
    pub fn start_with(image: &str, setup: Setup) -> Option<TestEngine> {
        if let Some(why) = unsupported() {
            assert!(!super::in_ci(), "cannot start a test engine: {why} (CI is set, so this is an error)");
            eprintln!("NOTICE: cannot start a test engine ({why}); skipping");
            return None;
        }
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("dhe{}n{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let dir = std::env::temp_dir().join(&name);
        let mut engine = TestEngine { name, dir, storage_driver: storage_driver(), setup, daemon: None };
        std::fs::create_dir_all(engine.dir.join("data")).expect("test engine dir");
        std::fs::write(engine.dir.join("daemon.json"), "{}").expect("test engine config");
        run_ok("ip", &["netns", "add", &engine.name]);
        if let Some(link) = engine.setup.link.clone() {
            engine.plug(&link);
        }
        engine.launch();
        engine.load(image);
        Some(engine)
    }

    /// `n` engines at once, for tests that need several (Swarm).
    pub fn start_many(n: usize, image: &str) -> Option<Vec<TestEngine>> {
        (0..n).map(|_| TestEngine::start(image)).collect()
    }

    /// The `DOCKER_HOST` that reaches it.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.join("sock").display())
    }

    /// The docker CLI against this engine; stdout, empty on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        Command::new("docker")
            .arg("-H")
            .arg(self.host())
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Whether its dockerd is running (it was not killed, or was started again).
    pub fn running(&self) -> bool {
        self.daemon.is_some()
    }

    pub fn answers(&self) -> bool {
        Command::new("docker")
            .args(["-H", &self.host(), "version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Ends the engine at once (SIGKILL), as a crash or an OOM kill would: dockerd and the
    /// containerd it started (its pid file is in our exec root), which would otherwise still
    /// be exiting when the next dockerd looks for it. Container shims stay, as in a crash.
    pub fn kill(&mut self) {
        let containerd = std::fs::read_to_string(self.dir.join("exec/containerd/containerd.pid"));
        if let Some(mut d) = self.daemon.take() {
            signal(d.id(), "KILL");
            let _ = d.wait();
        }
        if let Some(pid) = containerd.ok().and_then(|p| p.trim().parse::<u32>().ok()) {
            signal(pid, "KILL");
            let gone = Instant::now();
            while Path::new(&format!("/proc/{pid}")).exists() && gone.elapsed() < STOP_TIMEOUT {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Starts it again on the same data: what it held is there, its containers stopped.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// The engine's log, to explain a failure.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// The namespace's end of `link` as its `eth0`, the other end on the bridge.
    fn plug(&self, link: &Link) {
        let ns = self.name.as_str();
        let peer = self.veth();
        for args in [
            vec!["link", "add", &peer, "type", "veth", "peer", "name", "eth0", "netns", ns],
            vec!["link", "set", &peer, "master", &link.bridge, "up"],
            vec!["-n", ns, "addr", "add", &link.address, "dev", "eth0"],
            vec!["-n", ns, "link", "set", "eth0", "up"],
            vec!["-n", ns, "link", "set", "lo", "up"],
        ] {
            let status = Command::new("ip").args(&args).status().expect("ip");
            assert!(status.success(), "ip {} failed", args.join(" "));
        }
    }

    /// The machine's end of the link (interface names have at most 15 characters).
    fn veth(&self) -> String {
        format!("v{}", self.name)
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("log")).expect("engine log");
        let d = |sub: &str| self.dir.join(sub).display().to_string();
        let mut daemon = Command::new("nsenter");
        daemon.arg(format!("--net=/var/run/netns/{}", self.name));
        if let Some(hostname) = &self.setup.hostname {
            // unshare and sh exec in place: the child's pid stays dockerd's.
            daemon.args(["unshare", "--uts", "--", "sh", "-c", "hostname \"$0\" && exec \"$@\"", hostname]);
        }
        let daemon = daemon
            .args(["dockerd", "--config-file", &d("daemon.json"), "--data-root", &d("data"), "--exec-root", &d("exec")])
            .args(["--pidfile", &d("pid"), "-H", &self.host(), "--cgroup-parent", &self.name])
            .args(["--storage-driver", &self.storage_driver])
            // No default bridge: nothing of it is needed, and no iptables rules are touched.
            .args(["--bridge", "none", "--iptables=false", "--ip-masq=false"])
            .envs(self.setup.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("engine log"))
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        self.daemon = Some(daemon);
        let started = Instant::now();
        while !self.answers() {
            let exited = self.daemon.as_mut().and_then(|d| d.try_wait().ok().flatten());
            assert!(exited.is_none(), "the test engine exited ({exited:?}):\n{}", tail(&self.log()));
            assert!(started.elapsed() < START_TIMEOUT, "the test engine did not answer in {START_TIMEOUT:?}:\n{}", tail(&self.log()));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn load(&self, image: &str) {
        let mut save = Command::new("docker").args(["save", image]).stdout(Stdio::piped()).spawn().expect("docker save");
        let status = Command::new("docker")
            .args(["-H", &self.host(), "load", "-q"])
            .stdin(save.stdout.take().expect("docker save output"))
            .stdout(Stdio::null())
            .status()
            .expect("docker load");
        let saved = save.wait().expect("docker save");
        assert!(saved.success() && status.success(), "loading {image} into the test engine failed");
    }

    /// Everything the engine made goes with it: containers first (through the engine, so that
    /// their shims and mounts end), then the engine by its pid.
    fn stop(&mut self) {
        if self.daemon.is_none() || !self.answers() {
            // A killed engine left its containers' shims: started again, it ends them.
            self.restart();
        }
        let ids = self.docker(&["ps", "-aq"]);
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids);
            self.docker(&args);
        }
        if let Some(mut d) = self.daemon.take() {
            signal(d.id(), "TERM");
            let started = Instant::now();
            while d.try_wait().ok().flatten().is_none() && started.elapsed() < STOP_TIMEOUT {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = d.kill();
            let _ = d.wait();
        }
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        // A failure to restart a dead engine must not stop the clean-up of the rest.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.stop()));
        for mount in mounts_under(&self.dir) {
            run_ok("umount", &["-l", &mount]);
        }
        for cgroup in cgroups(&self.name) {
            remove_cgroup(&cgroup);
        }
        if self.setup.link.is_some() {
            run_ok("ip", &["link", "del", &self.veth()]);
        }
        run_ok("ip", &["netns", "del", &self.name]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unsupported() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".to_string());
    }
    ["dockerd", "nsenter", "ip"]
        .into_iter()
        .find(|tool| !Command::new("which").arg(tool).stdout(Stdio::null()).status().is_ok_and(|s| s.success()))
        .map(|tool| format!("{tool} not found"))
}

/// The machine engine's storage driver, which the test engines reuse.
fn storage_driver() -> String {
    let out = Command::new("docker").args(["info", "-f", "{{.Driver}}"]).output().expect("docker info");
    let driver = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if driver.is_empty() { "overlay2".to_string() } else { driver }
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill").args([&format!("-{name}"), &pid.to_string()]).stderr(Stdio::null()).status();
}

fn run_ok(program: &str, args: &[&str]) {
    let _ = Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// Mount points at or below `dir`, deepest first.
fn mounts_under(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let prefix = dir.display().to_string();
    let mut found: Vec<String> = text
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| m.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    found.sort_by_key(|m| std::cmp::Reverse(m.len()));
    found
}

/// The engine's cgroup parent in every hierarchy.
fn cgroups(name: &str) -> Vec<PathBuf> {
    let Ok(hierarchies) = std::fs::read_dir("/sys/fs/cgroup") else { return Vec::new() };
    hierarchies.flatten().map(|h| h.path().join(name)).filter(|p| p.is_dir()).collect()
}

/// Empty cgroups are removed bottom-up (rmdir: their files are not files).
fn remove_cgroup(dir: &Path) {
    if let Ok(children) = std::fs::read_dir(dir) {
        for c in children.flatten().filter(|c| c.path().is_dir()) {
            remove_cgroup(&c.path());
        }
    }
    let _ = std::fs::remove_dir(dir);
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

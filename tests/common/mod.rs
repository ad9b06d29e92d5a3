//! Helpers shared by the integration tests: running `dockhand` and the reference
//! `docker compose` side by side, and comparing their JSON output by meaning.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod engine;
pub mod swarm;
pub mod testengine;

pub const DOCKHAND: &str = env!("CARGO_BIN_EXE_dockhand");
const DEFAULT_REFERENCE: &str = "/opt/refcompose/bin/docker-compose";
/// A run that takes longer than this is killed: alias bombs and the like must fail fast.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Address-space cap for every child, so that a runaway (the reference needs tens of GB
/// on some alias-bomb fixtures) fails instead of exhausting the machine.
const MEMORY_LIMIT_BYTES: u64 = 4 << 30;

/// Environment variables passed through to the tools; everything else is dropped so that
/// a developer's COMPOSE_* settings cannot change the results.
const KEPT_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    "DOCKER_HOST",
    "DOCKER_CONFIG",
    "DOCKER_CONTEXT",
];

/// The shared conformance material, or None (after saying so) on a clone without it beside the
/// project; under CI, where it must be present, its absence fails the test.
pub fn conformance_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    // Canonical, so that reports show a path one can paste.
    if let Ok(dir) = std::fs::canonicalize(&dir) {
        return Some(dir);
    }
    assert!(!in_ci(), "{} is missing (CI is set, so this is an error)", dir.display());
    eprintln!("NOTICE: {} is missing; skipping the tests that read it", dir.display());
    None
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The result of one run.
#[derive(Debug, Clone)]
pub struct Output {
    /// None when the process was killed (signal or timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout parsed as JSON, with the run described in the panic message when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// A one-paragraph description for failure messages.
    pub fn describe(&self) -> String {
        let status = match (self.timed_out, self.code) {
            (true, _) => "timed out".to_string(),
            (false, Some(c)) => format!("exit {c}"),
            (false, None) => "killed by a signal".to_string(),
        };
        format!(
            "{status}\n--- stdout\n{}\n--- stderr\n{}",
            clip(&self.stdout),
            clip(&self.stderr)
        )
    }

    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert!(self.success(), "expected success, got {}", self.describe());
        self
    }

    #[track_caller]
    pub fn assert_failure(&self) -> &Self {
        assert!(
            !self.success() && !self.timed_out && self.code.is_some(),
            "expected a clean non-zero exit, got {}",
            self.describe()
        );
        self
    }
}

fn clip(s: &str) -> &str {
    const MAX: usize = 4000;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A command line for `dockhand` or the reference, run in a chosen directory with a clean
/// environment.
#[derive(Debug, Clone)]
pub struct Run {
    program: PathBuf,
    args: Vec<OsString>,
    dir: PathBuf,
    env: Vec<(String, String)>,
    stdin: Option<String>,
    timeout: Duration,
}

impl Run {
    pub fn new(program: impl Into<PathBuf>, dir: impl Into<PathBuf>) -> Self {
        Run {
            program: program.into(),
            args: Vec::new(),
            dir: dir.into(),
            env: Vec::new(),
            stdin: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.to_string(), v.to_string()));
        self
    }

    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The same arguments, environment and directory, for another program.
    pub fn with_program(&self, program: impl Into<PathBuf>) -> Self {
        Run {
            program: program.into(),
            ..self.clone()
        }
    }

    pub fn run(&self) -> Output {
        let mut cmd = self.command();
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.program.display()));
        let feeder = child
            .stdin
            .take()
            .zip(self.stdin.clone())
            .map(|(mut pipe, text)| {
                std::thread::spawn(move || {
                    // The tool may exit without reading; a broken pipe is not the test's concern.
                    let _ = pipe.write_all(text.as_bytes());
                })
            });
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let started = Instant::now();
        let (status, timed_out) = loop {
            if let Some(status) = child.try_wait().expect("waiting for child") {
                break (status, false);
            }
            if started.elapsed() > self.timeout {
                let _ = child.kill();
                break (child.wait().expect("reaping child"), true);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if let Some(f) = feeder {
            let _ = f.join();
        }
        Output {
            code: if timed_out { None } else { status.code() },
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
            timed_out,
        }
    }

    /// Starts the command without waiting, stdout and stderr piped, for tests that signal it.
    pub fn spawn(&self) -> std::process::Child {
        let mut cmd = self.command();
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", self.program.display()))
    }

    fn command(&self) -> Command {
        let mut cmd = match prlimit() {
            Some(p) => {
                let mut c = Command::new(p);
                c.arg(format!("--as={MEMORY_LIMIT_BYTES}"))
                    .arg("--")
                    .arg(&self.program);
                c
            }
            None => Command::new(&self.program),
        };
        cmd.args(&self.args).current_dir(&self.dir).env_clear();
        for k in KEPT_ENV {
            if let Some(v) = std::env::var_os(k) {
                cmd.env(k, v);
            }
        }
        cmd.env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

fn prlimit() -> Option<&'static Path> {
    let p = Path::new("/usr/bin/prlimit");
    p.exists().then_some(p)
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// `dockhand` run in `dir`. `DOCKHAND_BIN` substitutes another binary, which is how the
/// harness itself is checked: pointed at the reference, the comparisons must all pass.
pub fn dockhand(dir: impl Into<PathBuf>) -> Run {
    let program = std::env::var_os("DOCKHAND_BIN").filter(|p| !p.is_empty());
    Run::new(
        program.map_or_else(|| PathBuf::from(DOCKHAND), PathBuf::from),
        dir,
    )
}

/// The reference `docker compose` binary: `$DOCKHAND_REFERENCE`, else the venv install.
/// When it is missing the calling test is skipped with a notice, except under CI where a
/// missing reference is a failure.
pub fn reference_binary() -> Option<PathBuf> {
    let path = std::env::var_os("DOCKHAND_REFERENCE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_REFERENCE));
    if path.is_file() {
        return Some(path);
    }
    assert!(
        !in_ci(),
        "reference docker-compose not found at {} (CI is set, so this is an error)",
        path.display()
    );
    eprintln!(
        "NOTICE: reference docker-compose not found at {}; skipping the comparison \
         (set DOCKHAND_REFERENCE or run .ci/run)",
        path.display()
    );
    None
}

/// The reference run in `dir`, or None (test skipped) when it is not installed.
pub fn reference(dir: impl Into<PathBuf>) -> Option<Run> {
    reference_binary().map(|p| Run::new(p, dir))
}

/// A project name no other test (or concurrent test process) uses.
pub fn unique_project(tag: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let tag: String = tag
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "dh-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A temporary directory holding the given files (relative path, content).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("dockhand-test-")
        .tempdir()
        .expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&path, text).expect("write project file");
    }
    dir
}

/// Keys whose list values keep their order in meaning (later entries win), so they are
/// compared as sequences even though their entries are mappings.
const ORDERED_LISTS: &[&str] = &["env_file"];

/// Differences between two JSON documents, compared by meaning: mapping key order is
/// ignored, lists of mappings (the long form of ports, volumes, secrets, ...) are
/// compared as multisets, other lists in order, and numbers by value. Each difference is
/// one line starting with its path; an empty result means equal.
pub fn json_diff(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("$", None, expected, actual, &mut out);
    out
}

pub fn same_meaning(a: &Value, b: &Value) -> bool {
    let mut out = Vec::new();
    diff_at("$", None, a, b, &mut out);
    out.is_empty()
}

fn diff_at(path: &str, key: Option<&str>, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let keys: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
            for k in keys {
                let sub = format!("{path}.{k}");
                match (ma.get(k), mb.get(k)) {
                    (Some(va), Some(vb)) => diff_at(&sub, Some(k), va, vb, out),
                    (Some(va), None) => out.push(format!("{sub}: missing (expected {})", short(va))),
                    (None, Some(vb)) => out.push(format!("{sub}: unexpected {}", short(vb))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(la), Value::Array(lb)) if is_unordered(key, la, lb) => diff_multiset(path, la, lb, out),
        (Value::Array(la), Value::Array(lb)) => {
            if la.len() != lb.len() {
                out.push(format!("{path}: expected {}, got {}", short(a), short(b)));
                return;
            }
            for (i, (va, vb)) in la.iter().zip(lb).enumerate() {
                diff_at(&format!("{path}[{i}]"), None, va, vb, out);
            }
        }
        (Value::Number(na), Value::Number(nb)) => {
            if na.as_f64() != nb.as_f64() {
                out.push(format!("{path}: expected {na}, got {nb}"));
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: expected {}, got {}", short(a), short(b))),
    }
}

fn is_unordered(key: Option<&str>, la: &[Value], lb: &[Value]) -> bool {
    let all_objects = la.iter().chain(lb).all(Value::is_object);
    all_objects && !key.is_some_and(|k| ORDERED_LISTS.contains(&k))
}

fn diff_multiset(path: &str, la: &[Value], lb: &[Value], out: &mut Vec<String>) {
    let mut unmatched: Vec<&Value> = lb.iter().collect();
    let mut missing = Vec::new();
    for va in la {
        match unmatched.iter().position(|vb| same_meaning(va, vb)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(va),
        }
    }
    for va in missing {
        out.push(format!("{path}[*]: missing entry {}", short(va)));
    }
    for vb in unmatched {
        out.push(format!("{path}[*]: unexpected entry {}", short(vb)));
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() <= 300 {
        return s;
    }
    let mut end = 300;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_long_form_list_order_do_not_matter() {
        let a = json!({"a": 1, "ports": [{"target": 80}, {"target": 443}]});
        let b = json!({"ports": [{"target": 443}, {"target": 80}], "a": 1.0});
        assert!(json_diff(&a, &b).is_empty());
    }

    #[test]
    fn string_lists_and_env_files_keep_their_order() {
        assert!(!json_diff(&json!({"command": ["a", "b"]}), &json!({"command": ["b", "a"]})).is_empty());
        let a = json!({"env_file": [{"path": "a"}, {"path": "b"}]});
        let b = json!({"env_file": [{"path": "b"}, {"path": "a"}]});
        assert!(!json_diff(&a, &b).is_empty());
    }

    #[test]
    fn multiset_counts_duplicates() {
        let a = json!([{"x": 1}, {"x": 1}]);
        let b = json!([{"x": 1}, {"x": 2}]);
        assert_eq!(json_diff(&a, &b).len(), 2);
    }
}

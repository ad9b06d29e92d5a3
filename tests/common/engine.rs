//! Helpers for tests against the real engine: a project in a temp dir with a unique name,
//! torn down on drop even when the test fails, and `docker` CLI queries to look at the result
//! independently of dockhand.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::{dockhand, project, unique_project, Output, Run};

/// A compose project under test. Dropping it removes everything labelled with its name.
pub struct EngineProject {
    pub name: String,
    pub dir: tempfile::TempDir,
}

impl EngineProject {
    pub fn new(tag: &str, files: &[(&str, &str)]) -> Self {
        EngineProject {
            name: unique_project(tag),
            dir: project(files),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `dockhand -p <name> <args>` in the project folder.
    pub fn dockhand(&self, args: &[&str]) -> Output {
        self.cmd(args).run()
    }

    pub fn cmd(&self, args: &[&str]) -> Run {
        dockhand(self.path())
            .arg("-p")
            .arg(self.name.as_str())
            .args(args.iter().copied())
    }

    pub fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path().join(file), text).expect("write project file");
    }

    /// Container names of the project, sorted (`docker ps -a` by label).
    pub fn containers(&self) -> Vec<String> {
        let out = docker(&["ps", "-a", "--filter", &self.label(), "--format", "{{.Names}}"]);
        let mut names: Vec<String> = out.lines().map(str::to_string).collect();
        names.sort();
        names
    }

    pub fn label(&self) -> String {
        format!("label=com.docker.compose.project={}", self.name)
    }
}

impl Drop for EngineProject {
    fn drop(&mut self) {
        remove_project(&self.name);
    }
}

/// Removes everything labelled with a project name when dropped, for projects brought up
/// from a folder the test does not own (an example) or under several names.
pub struct Teardown(pub String);

impl Drop for Teardown {
    fn drop(&mut self) {
        remove_project(&self.0);
    }
}

/// Removes images by reference when dropped: images a test built under names of its own.
pub struct RemoveImages(pub Vec<String>);

impl Drop for RemoveImages {
    fn drop(&mut self) {
        for image in &self.0 {
            docker(&["image", "rm", "-f", image]);
        }
    }
}

/// Removes the project's containers (with their anonymous volumes), networks and volumes.
pub fn remove_project(name: &str) {
    let label = format!("label=com.docker.compose.project={name}");
    let ids = docker(&["ps", "-aq", "--filter", &label]);
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f", "-v"];
        args.extend(ids);
        docker(&args);
    }
    for kind in ["network", "volume"] {
        let ids = docker(&[kind, "ls", "-q", "--filter", &label]);
        for id in ids.split_whitespace() {
            docker(&[kind, "rm", id]);
        }
    }
    // Images the project built carry its label; a rebuild leaves the old one untagged.
    let images = docker(&["image", "ls", "-q", "--no-trunc", "--filter", &label]);
    for id in images.split_whitespace() {
        docker(&["image", "rm", "-f", id]);
    }
}

/// Runs the docker CLI and returns its stdout (empty on failure).
pub fn docker(args: &[&str]) -> String {
    Command::new("docker")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// `docker inspect` of one object, as JSON.
pub fn inspect(name: &str) -> Value {
    let out = docker(&["inspect", name]);
    let v: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
    v.get(0).cloned().unwrap_or(Value::Null)
}

/// Output of a command run inside a container, with its exit status.
pub fn exec(container: &str, cmd: &[&str]) -> (bool, String) {
    let mut args = vec!["exec", container];
    args.extend_from_slice(cmd);
    match Command::new("docker").args(&args).output() {
        Ok(o) => (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        ),
        Err(_) => (false, String::new()),
    }
}

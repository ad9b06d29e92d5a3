//! `build`, `pull` and `push` against the real engine: `build` makes the image `up` then runs,
//! with `--build-arg`; pull and push failures are reported, or ignored when asked.

mod common;

use common::engine::{docker, exec, EngineProject, RemoveImages};

const FILE: &str = r#"
services:
  app:
    build:
      context: .
      args:
        MSG: from the file
    command: ["sleep", "3600"]
    stop_grace_period: 1s
"#;

const DOCKERFILE: &str = "FROM busybox:latest\nARG MSG\nRUN echo \"$MSG\" > /msg\n";

#[test]
fn build_makes_the_image_up_then_uses() {
    let p = EngineProject::new("build", &[("compose.yaml", FILE), ("Dockerfile", DOCKERFILE)]);
    let image = format!("{}-app", p.name);
    let _cleanup = RemoveImages(vec![image.clone()]);
    let out = p.dockhand(&["build", "--build-arg", "MSG=from the command line"]);
    out.assert_success();
    assert!(!docker(&["images", "-q", &image]).trim().is_empty(), "image {image} built: {}", out.describe());
    let up = p.dockhand(&["up", "-d"]);
    up.assert_success();
    assert!(!up.stderr.contains("Building"), "up uses the built image: {}", up.describe());
    let (_, msg) = exec(&format!("{}-app-1", p.name), &["cat", "/msg"]);
    assert_eq!(msg, "from the command line\n");
}

#[test]
fn pull_failures_fail_unless_ignored() {
    let file = "services:\n  gone:\n    image: dockhand-test/does-not-exist:1\n";
    let p = EngineProject::new("pull", &[("compose.yaml", file)]);
    let failed = p.dockhand(&["pull"]);
    failed.assert_failure();
    assert!(failed.stderr.contains("dockhand-test/does-not-exist:1"), "{}", failed.describe());
    p.dockhand(&["pull", "--ignore-pull-failures"]).assert_success();
    let present = "services:\n  here:\n    image: busybox:latest\n";
    p.write("compose.yaml", present);
    p.dockhand(&["pull", "--policy", "missing"]).assert_success();
}

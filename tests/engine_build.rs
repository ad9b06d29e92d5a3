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

/// `up --quiet-build` builds without printing the build's steps; without it they show.
#[test]
fn quiet_build_keeps_the_build_output_back() {
    let p = EngineProject::new("quiet-build", &[("compose.yaml", FILE), ("Dockerfile", DOCKERFILE)]);
    let _cleanup = RemoveImages(vec![format!("{}-app", p.name)]);
    let quiet = p.dockhand(&["--progress", "plain", "up", "-d", "--build", "--quiet-build"]);
    quiet.assert_success();
    assert!(!quiet.stderr.contains("RUN echo"), "{}", quiet.describe());
    let loud = p.dockhand(&["--progress", "plain", "up", "-d", "--build"]);
    assert!(loud.stderr.contains("RUN echo"), "{}", loud.describe());
}

/// `build SERVICE` builds that service alone; `--with-dependencies` its dependencies too;
/// `--push` pushes what it built (here to a registry that does not answer: the push fails
/// after the build).
#[test]
fn build_with_dependencies_and_push() {
    let file = "services:\n  app:\n    build: .\n    image: 127.0.0.1:9/dockhand-push-test:1\n    depends_on: [dep]\n  dep:\n    build: .\n";
    let p = EngineProject::new("build-deps", &[("compose.yaml", file), ("Dockerfile", "FROM busybox:latest\n")]);
    let (app, dep) = ("127.0.0.1:9/dockhand-push-test:1".to_string(), format!("{}-dep", p.name));
    let _cleanup = RemoveImages(vec![app.clone(), dep.clone()]);
    let built = |image: &str| !docker(&["images", "-q", image]).trim().is_empty();
    p.dockhand(&["build", "app"]).assert_success();
    assert!(built(&app) && !built(&dep), "build app built its dependency too");
    p.dockhand(&["build", "--with-dependencies", "app"]).assert_success();
    assert!(built(&dep), "--with-dependencies did not build dep");
    let pushed = p.dockhand(&["--progress", "plain", "build", "--push", "app"]);
    pushed.assert_failure();
    assert!(pushed.stderr.contains("127.0.0.1:9/dockhand-push-test:1"), "{}", pushed.describe());
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

/// Stages, `COPY --chmod`, a cache mount, `target`, `args` and `labels`, with BuildKit as the
/// default builder; `--progress plain` shows the steps as numbered blocks under the service.
#[test]
fn buildkit_is_the_default_builder() {
    let file = r#"
services:
  app:
    build:
      context: .
      target: final
      args: {GREETING: hello}
      labels: {org.example.built-by: dockhand-test}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
"#;
    let dockerfile = "FROM busybox:latest AS base\n\
        ARG GREETING\n\
        COPY --chmod=750 tool.sh /tool.sh\n\
        RUN --mount=type=cache,target=/var/cache/test echo \"$GREETING from a cache mount\" | tee /greeting\n\
        FROM base AS final\n\
        RUN echo final > /stage\n\
        FROM final AS later\n\
        RUN echo later > /stage\n";
    let p = EngineProject::new("buildkit", &[("compose.yaml", file), ("Dockerfile", dockerfile), ("tool.sh", "echo tool\n")]);
    let image = format!("{}-app", p.name);
    let _cleanup = RemoveImages(vec![image.clone()]);
    // `--no-cache`: the step runs, and shows its log, however often the test runs.
    let out = p.dockhand(&["--progress", "plain", "build", "--no-cache"]);
    out.assert_success();
    assert!(out.stderr.contains("[app base 2/3] COPY --chmod=750 tool.sh /tool.sh"), "{}", out.describe());
    assert!(out.stderr.contains(" hello from a cache mount\n"), "the step's log is shown: {}", out.describe());
    assert!(out.stderr.contains("#1 DONE"), "{}", out.describe());
    assert!(!out.stderr.contains("later"), "stages after the target are not built: {}", out.describe());
    let labels = docker(&["image", "inspect", "--format", "{{json .Config.Labels}}", &image]);
    assert!(labels.contains(r#""org.example.built-by":"dockhand-test""#), "{labels}");
    assert!(labels.contains(r#""com.docker.compose.image.builder":"default""#), "{labels}");
    p.dockhand(&["up", "-d"]).assert_success();
    let container = format!("{}-app-1", p.name);
    assert_eq!(exec(&container, &["stat", "-c", "%a", "/tool.sh"]).1, "750\n");
    assert_eq!(exec(&container, &["cat", "/stage"]).1, "final\n");
    assert_eq!(exec(&container, &["cat", "/greeting"]).1, "hello from a cache mount\n");
}

/// Build secrets from a file and from an environment variable reach `RUN --mount=type=secret`
/// and are never printed nor left in the image.
#[test]
fn build_secrets_come_from_files_and_the_environment() {
    let file = r#"
services:
  app:
    build:
      context: .
      secrets: [from_file, {source: from_env, target: token}]
secrets:
  from_file: {file: ./secret.txt}
  from_env: {environment: DOCKHAND_TEST_BUILD_TOKEN}
"#;
    let dockerfile = "FROM busybox:latest\n\
        RUN --mount=type=secret,id=from_file --mount=type=secret,id=token \
        cat /run/secrets/from_file /run/secrets/token > /seen && ls /run/secrets\n";
    let p = EngineProject::new("secrets", &[("compose.yaml", file), ("Dockerfile", dockerfile), ("secret.txt", "file-s3cret\n")]);
    let image = format!("{}-app", p.name);
    let _cleanup = RemoveImages(vec![image.clone()]);
    // BuildKit keeps a RUN step's cache whatever its secrets hold: an earlier run's layer would
    // show an earlier value.
    let out = p.cmd(&["--progress", "plain", "build", "--no-cache"]).env("DOCKHAND_TEST_BUILD_TOKEN", "env-t0ken").run();
    out.assert_success();
    assert!(!out.stderr.contains("s3cret") && !out.stdout.contains("s3cret"), "{}", out.describe());
    assert!(!out.stderr.contains("t0ken") && !out.stdout.contains("t0ken"), "{}", out.describe());
    let seen = docker(&["run", "--rm", &image, "cat", "/seen"]);
    assert_eq!(seen, "file-s3cret\nenv-t0ken");
    let left = docker(&["run", "--rm", &image, "sh", "-c", "ls /run/secrets 2>/dev/null | wc -l"]);
    assert_eq!(left.trim(), "0", "no secret stays in the image");
    let missing = p.dockhand(&["build"]);
    missing.assert_failure();
    assert!(missing.stderr.contains("DOCKHAND_TEST_BUILD_TOKEN is not set"), "{}", missing.describe());
    // As every variable of the project, the value may come from its `.env`.
    std::fs::write(p.path().join(".env"), "DOCKHAND_TEST_BUILD_TOKEN=dotenv-t0ken\n").expect("write .env");
    p.dockhand(&["build", "--no-cache"]).assert_success();
    let seen = docker(&["run", "--rm", &image, "cat", "/seen"]);
    assert_eq!(seen, "file-s3cret\ndotenv-t0ken");
}

/// Several `extra_hosts`, `network: none` and the ssh agent of `SSH_AUTH_SOCK` reach the
/// build's `RUN` steps.
#[test]
fn extra_hosts_network_and_the_ssh_agent_reach_the_build() {
    let file = r#"
services:
  app:
    build:
      context: .
      extra_hosts: ["one=10.1.2.3", "two:10.1.2.4"]
      network: none
      ssh: [default]
"#;
    let dockerfile = "FROM busybox:latest\n\
        RUN grep -E 'one|two' /etc/hosts > /hosts; grep -c : /proc/net/dev > /interfaces\n\
        RUN --mount=type=ssh test -S \"$SSH_AUTH_SOCK\" && echo forwarded > /ssh\n";
    let p = EngineProject::new("bkhosts", &[("compose.yaml", file), ("Dockerfile", dockerfile)]);
    let image = format!("{}-app", p.name);
    let _cleanup = RemoveImages(vec![image.clone()]);
    let agent = SshAgent::start(&p.path().join("agent.sock"));
    let out = p.cmd(&["build"]).env("SSH_AUTH_SOCK", &agent.socket).run();
    out.assert_success();
    let cat = |f: &str| docker(&["run", "--rm", &image, "cat", f]);
    assert_eq!(cat("/hosts"), "10.1.2.3\tone\n10.1.2.4\ttwo\n");
    assert_eq!(cat("/interfaces"), "1\n", "only the loopback interface without a network");
    assert_eq!(cat("/ssh"), "forwarded\n");
    let unset = p.cmd(&["build"]).env("SSH_AUTH_SOCK", "").run();
    unset.assert_failure();
    assert!(unset.stderr.contains("SSH_AUTH_SOCK"), "{}", unset.describe());
}

/// An `ssh-agent` on a socket of the test's, ended on drop.
struct SshAgent {
    socket: String,
    child: std::process::Child,
}

impl SshAgent {
    fn start(socket: &std::path::Path) -> SshAgent {
        let socket = socket.to_string_lossy().into_owned();
        let child = std::process::Command::new("ssh-agent").args(["-D", "-a", &socket])
            .stdout(std::process::Stdio::null())
            .spawn().expect("ssh-agent runs");
        for _ in 0..100 {
            if std::path::Path::new(&socket).exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        SshAgent { socket, child }
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `DOCKER_BUILDKIT=0` selects the classic builder, which refuses a Dockerfile that needs
/// BuildKit with a message naming the instruction, before building anything.
#[test]
fn the_classic_builder_refuses_buildkit_only_dockerfiles() {
    let file = "services:\n  app:\n    build: .\n";
    let dockerfile = "FROM busybox:latest\nRUN --mount=type=cache,target=/c true\n";
    let p = EngineProject::new("classic", &[("compose.yaml", file), ("Dockerfile", dockerfile)]);
    let image = format!("{}-app", p.name);
    let _cleanup = RemoveImages(vec![image.clone()]);
    let out = p.cmd(&["build"]).env("DOCKER_BUILDKIT", "0").run();
    out.assert_failure();
    assert!(out.stderr.contains("`RUN --mount` (line 2), which needs BuildKit"), "{}", out.describe());
    assert!(out.stderr.contains("DOCKER_BUILDKIT=0"), "{}", out.describe());
    assert!(docker(&["images", "-q", &image]).trim().is_empty());
    p.write("Dockerfile", "FROM busybox:latest\nRUN echo classic > /built\n");
    let classic = p.cmd(&["build"]).env("DOCKER_BUILDKIT", "0").run();
    classic.assert_success();
    assert!(classic.stderr.contains(" : RUN echo classic > /built"), "the classic builder's steps: {}", classic.describe());
}

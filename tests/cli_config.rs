//! End-to-end checks of `dockhand config` and its flags on small projects in temporary
//! directories. Where the reference `docker compose` is installed the expected output is
//! whatever it prints for the same command; properties that hold regardless (exit codes,
//! silence, formats) are asserted directly so the tests still mean something without it.

mod common;

use common::{json_diff, Output, Run};
use serde_json::Value;

const COMPOSE: &str = r#"
services:
  web:
    image: busybox:latest
    ports: ["${WEB_PORT:-8080}:80"]
    volumes: [data:/data]
    networks: [front]
    depends_on: [db]
  worker:
    build: ./worker
    profiles: [jobs]
    networks: [back]
  db:
    image: busybox:1.36
    networks: [back]
    volumes: [logs:/logs]
volumes:
  data: {}
  logs: {}
networks:
  front: {}
  back: {}
"#;

const OVERRIDE: &str = r#"
services:
  web:
    environment:
      MODE: override
"#;

fn sample() -> tempfile::TempDir {
    common::project(&[
        ("compose.yaml", COMPOSE),
        ("worker/Dockerfile", "FROM busybox:latest\n"),
    ])
}

/// dockhand's output, and the reference's for the same command when it is installed.
fn both(run: &Run) -> (Output, Option<Output>) {
    let reference = common::reference_binary().map(|r| run.with_program(r).run());
    (run.run(), reference)
}

/// Runs both tools and requires the same exit status and the same stdout lines. The
/// reference prints list outputs (`--networks`, `--hash`, ...) in Go map order, which
/// varies from run to run, so the lines are compared as a set.
#[track_caller]
fn same_lines(run: &Run) -> Output {
    let (ours, theirs) = both(run);
    if let Some(theirs) = theirs {
        assert_eq!(
            ours.success(),
            theirs.success(),
            "exit status differs\nours: {}\nreference: {}",
            ours.describe(),
            theirs.describe()
        );
        assert_eq!(
            sorted_lines(&ours),
            sorted_lines(&theirs),
            "stdout differs\nours: {}\nreference: {}",
            ours.describe(),
            theirs.describe()
        );
    }
    ours
}

fn sorted_lines(out: &Output) -> Vec<&str> {
    let mut v = lines(out);
    v.sort_unstable();
    v
}

/// Runs both tools with `--format json` output and requires the same meaning.
#[track_caller]
fn same_json(run: &Run) -> Value {
    let (ours, theirs) = both(run);
    ours.assert_success();
    let got = ours.json();
    if let Some(theirs) = theirs {
        theirs.assert_success();
        let diff = json_diff(&theirs.json(), &got);
        assert!(
            diff.is_empty(),
            "JSON differs from the reference:\n{}",
            diff.join("\n")
        );
    }
    got
}

fn lines(out: &Output) -> Vec<&str> {
    out.stdout.lines().collect()
}

#[test]
fn services_lists_enabled_services() {
    let dir = sample();
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--services"]));
    let mut names = lines(&out);
    names.sort_unstable();
    assert_eq!(names, ["db", "web"]);
    let out = same_lines(&common::dockhand(dir.path()).args(["--profile", "jobs", "config", "--services"]));
    assert!(lines(&out).contains(&"worker"), "{}", out.describe());
}

#[test]
fn volumes_lists_top_level_volumes() {
    let dir = sample();
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--volumes"]));
    let mut names = lines(&out);
    names.sort_unstable();
    assert_eq!(names, ["data", "logs"]);
}

#[test]
fn networks_lists_top_level_networks() {
    let dir = sample();
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--networks"]));
    let mut names = lines(&out);
    names.sort_unstable();
    assert_eq!(names, ["back", "front"]);
}

#[test]
fn profiles_lists_profiles() {
    let dir = sample();
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--profiles"]));
    assert_eq!(lines(&out), ["jobs"]);
}

#[test]
fn images_lists_images_including_default_build_names() {
    let dir = sample();
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--images"]));
    assert!(lines(&out).contains(&"busybox:1.36"), "{}", out.describe());
    let project = common::unique_project("images");
    let out = same_lines(&common::dockhand(dir.path()).args([
        "-p",
        &project,
        "--profile",
        "jobs",
        "config",
        "--images",
    ]));
    assert!(
        lines(&out).contains(&format!("{project}-worker").as_str()),
        "{}",
        out.describe()
    );
}

#[test]
fn hash_prints_service_and_hex_digest() {
    let dir = sample();
    let out = common::dockhand(dir.path()).args(["config", "--hash", "*"]).run();
    out.assert_success();
    let mut seen = Vec::new();
    for line in lines(&out) {
        let (svc, hex) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("not `svc <hex>`: {line:?}"));
        assert!(
            hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "not a sha256 hex digest: {line:?}"
        );
        seen.push(svc);
    }
    seen.sort_unstable();
    assert_eq!(seen, ["db", "web"]);
}

/// The digest is the `com.docker.compose.config-hash` label: it must equal the reference's
/// or containers made by one tool are recreated by the other.
#[test]
fn hash_matches_the_reference() {
    let dir = sample();
    same_lines(&common::dockhand(dir.path()).args(["--profile", "jobs", "config", "--hash", "web,worker"]));
}

/// `--no-env-resolution` keeps `env_file:` as it is and reads none of them: a missing one
/// fails `--hash` only without it.
#[test]
fn no_env_resolution_keeps_env_files_unread() {
    let file = "services:\n  web:\n    image: busybox:latest\n    env_file: [web.env]\n    environment: [X=1]\n  gone:\n    image: busybox:latest\n    env_file: /nonexistent/.env\n";
    let dir = common::project(&[("compose.yaml", file), ("web.env", "FROM_FILE=yes\n")]);
    let run = common::dockhand(dir.path()).args(["config", "--no-env-resolution", "--format", "json"]);
    let got = same_json(&run);
    assert!(got["services"]["web"]["environment"].get("FROM_FILE").is_none(), "{got}");
    let hashed = same_lines(&common::dockhand(dir.path()).args(["config", "--no-env-resolution", "--hash", "gone"]));
    hashed.assert_success();
    let failed = same_lines(&common::dockhand(dir.path()).args(["config", "--hash", "gone"]));
    assert!(failed.stderr.contains("env file /nonexistent/.env not found"), "{}", failed.describe());
}

#[test]
fn quiet_validates_silently() {
    let dir = sample();
    let out = common::dockhand(dir.path()).args(["config", "-q"]).run();
    out.assert_success();
    assert_eq!(out.stdout, "", "{}", out.describe());
    let bad = common::project(&[("compose.yaml", "services:\n  web:\n    image: [not, a, string]\n")]);
    let out = common::dockhand(bad.path()).args(["config", "-q"]).run();
    out.assert_failure();
    assert!(
        out.stderr.contains("compose.yaml"),
        "the error should name the file: {}",
        out.describe()
    );
}

#[test]
fn no_interpolate_keeps_variables() {
    let dir = sample();
    let run = common::dockhand(dir.path())
        .env("WEB_PORT", "9999")
        .args(["config", "--no-interpolate"]);
    let out = run.run();
    out.assert_success();
    assert!(out.stdout.contains("${WEB_PORT:-8080}"), "{}", out.describe());
    assert!(!out.stdout.contains("9999"), "{}", out.describe());
    same_json(&run.args(["--format", "json"]));
}

/// Without interpolation the reference prints a tree, not its typed model: only structural
/// short forms are expanded, a `${VAR}` stays where it is (whole, even inside a volume
/// spec), and profiles select nothing.
#[test]
fn no_interpolate_prints_the_uninterpolated_tree() {
    let dir = common::project(&[(
        "compose.yaml",
        r#"
services:
  web:
    image: "busybox:${TAG:-latest}"
    ports: ["${WEB_PORT:-8080}:80", "81"]
    volumes: ["${DATA:-./data}:/data", "./x:/x:ro"]
    environment: ["A=${A}", "B"]
    command: echo ${X} "$$Y"
    cpus: ${CPUS:-1}
    depends_on: [db]
    volumes_from: [db]
    secrets: ["${S}"]
  db:
    image: busybox
    profiles: [other]
    build:
      context: .
      ssh: [default]
"#,
    )]);
    same_json(&common::dockhand(dir.path()).args(["config", "--no-interpolate", "--format", "json"]));
    same_lines(&common::dockhand(dir.path()).args(["config", "--no-interpolate", "--services"]));
}

/// Without interpolation the files are merged as written: a list over a mapping (or a lone
/// string over a list) merges entry by entry, as the reference's lists, and loses none of
/// the earlier file's entries.
#[test]
fn no_interpolate_merges_lists_and_mappings_entry_by_entry() {
    let dir = common::project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: busybox\n    environment: [A=1, B=2]\n    labels: {x: \"1\"}\n    sysctls: [a.b=1]\n    tmpfs: [/a]\n    build: {context: ., args: [P=1]}\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  web:\n    environment: {B: \"3\", C: \"4\", D: null}\n    labels: [y=2]\n    sysctls: {a.b: 2, c.d: 3}\n    tmpfs: /b\n    build: {args: {Q: \"2\"}}\n",
        ),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--no-interpolate", "--format", "json"]));
    assert_eq!(got["services"]["web"]["environment"], serde_json::json!(["A=1", "B=3", "C=4", "D"]));
    assert_eq!(got["services"]["web"]["tmpfs"], serde_json::json!(["/a", "/b"]));
}

/// Without interpolation a long-form port gets the reference's defaults (`mode: ingress`,
/// `protocol: tcp`) and keeps its `published` as written.
#[test]
fn no_interpolate_fills_long_port_defaults() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: busybox\n    ports:\n      - {published: 8081, target: 81}\n      - \"82:82/udp\"\n      - {target: 83, protocol: udp}\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--no-interpolate", "--format", "json"]));
    let first = &got["services"]["web"]["ports"][0];
    assert_eq!(first, &serde_json::json!({"mode": "ingress", "protocol": "tcp", "published": 8081, "target": 81}));
}

/// Without interpolation the older `x-develop` and `x-initialSync` are read as `develop` and
/// `initial_sync`, and a lone `ignore` pattern is a list, as in the reference's tree.
#[test]
fn no_interpolate_reads_develop_as_the_reference() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: busybox\n    x-develop:\n      watch:\n        - {path: ./src, action: rebuild, ignore: tmp/, x-initialSync: true}\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--no-interpolate", "--format", "json"]));
    assert_eq!(got["services"]["web"]["develop"]["watch"][0]["ignore"], serde_json::json!(["tmp/"]));
}

#[test]
fn interpolation_uses_the_environment() {
    let dir = sample();
    let got = same_json(
        &common::dockhand(dir.path())
            .env("WEB_PORT", "9999")
            .args(["config", "--format", "json"]),
    );
    assert_eq!(got["services"]["web"]["ports"][0]["published"], "9999");
}

/// `--no-env-resolution` leaves every `env_file:` entry as written (`required: false` too),
/// while a bare name in `environment:` still takes the shell's value.
#[test]
fn no_env_resolution_still_takes_bare_names_from_the_shell() {
    let dir = common::project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    env_file: [app.env, {path: local.env, required: false}, gone.env]\n    environment: [FROM_SHELL, X=1]\n",
        ),
        ("app.env", "SECRET=s3cr3t\n"),
    ]);
    let run = common::dockhand(dir.path()).env("FROM_SHELL", "yes");
    let got = same_json(&run.clone().args(["config", "--no-env-resolution", "--format", "json"]));
    let app = &got["services"]["app"];
    assert_eq!(app["env_file"].as_array().map(Vec::len), Some(3), "{app}");
    assert_eq!(app["env_file"][1]["required"], false);
    assert_eq!(app["environment"], serde_json::json!({"FROM_SHELL": "yes", "X": "1"}));
    both_reject(&run.args(["config"]), "gone.env not found", "compose.yaml:4:");
}

#[test]
fn output_flag_writes_the_file() {
    let dir = sample();
    let printed = common::dockhand(dir.path()).args(["config"]).run();
    printed.assert_success();
    let out = common::dockhand(dir.path())
        .args(["config", "-o", "out.yaml"])
        .run();
    out.assert_success();
    assert_eq!(
        out.stdout,
        "",
        "with -o nothing goes to stdout: {}",
        out.describe()
    );
    let written = std::fs::read_to_string(dir.path().join("out.yaml")).expect("-o wrote out.yaml");
    assert_eq!(written, printed.stdout);
    let Some(reference) = common::reference(dir.path()) else {
        return;
    };
    reference
        .args(["config", "-o", "ref.yaml"])
        .run()
        .assert_success();
    let theirs = std::fs::read_to_string(dir.path().join("ref.yaml")).expect("reference wrote ref.yaml");
    let diff = json_diff(&yaml_to_json(&theirs), &yaml_to_json(&written));
    assert!(
        diff.is_empty(),
        "-o output differs from the reference:\n{}",
        diff.join("\n")
    );
}

/// YAML is compared with the reference's YAML, not with our JSON: the reference's JSON
/// spells out empty fields (`command: null`, `ipam: {}`) that its YAML omits.
#[test]
fn yaml_output_matches_the_reference() {
    let dir = sample();
    let run = common::dockhand(dir.path()).args(["config", "--format", "yaml"]);
    let (ours, theirs) = both(&run);
    ours.assert_success();
    let got = yaml_to_json(&ours.stdout);
    assert_eq!(got["services"]["web"]["image"], "busybox:latest");
    let Some(theirs) = theirs else { return };
    let diff = json_diff(&yaml_to_json(&theirs.stdout), &got);
    assert!(
        diff.is_empty(),
        "YAML output differs from the reference:\n{}",
        diff.join("\n")
    );
    // The sections come in the reference's order too (name, services, networks, …).
    let sections = |text: &str| text.lines().filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic())).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(sections(&ours.stdout), sections(&theirs.stdout));
}

#[test]
fn dash_f_dash_reads_stdin() {
    let dir = common::project(&[]);
    let got = same_json(
        &common::dockhand(dir.path())
            .args(["-f", "-", "config", "--format", "json"])
            .stdin(COMPOSE),
    );
    assert!(got["services"]["web"].is_object(), "{got}");
}

#[test]
fn compose_file_variable_with_custom_separator() {
    let dir = common::project(&[
        ("base.yaml", COMPOSE),
        ("extra.yaml", OVERRIDE),
        ("worker/Dockerfile", "FROM busybox\n"),
    ]);
    let got = same_json(
        &common::dockhand(dir.path())
            .env("COMPOSE_FILE", "base.yaml;extra.yaml")
            .env("COMPOSE_PATH_SEPARATOR", ";")
            .args(["config", "--format", "json"]),
    );
    assert_eq!(got["services"]["web"]["environment"]["MODE"], "override");
}

#[test]
fn compose_file_variable_with_default_separator() {
    let dir = common::project(&[
        ("base.yaml", COMPOSE),
        ("extra.yaml", OVERRIDE),
        ("worker/Dockerfile", "FROM busybox\n"),
    ]);
    let got = same_json(
        &common::dockhand(dir.path())
            .env("COMPOSE_FILE", "base.yaml:extra.yaml")
            .args(["config", "--format", "json"]),
    );
    assert_eq!(got["services"]["web"]["environment"]["MODE"], "override");
}

#[test]
fn override_file_is_picked_up_next_to_compose_yaml() {
    let dir = common::project(&[("compose.yaml", COMPOSE), ("compose.override.yaml", OVERRIDE)]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    assert_eq!(got["services"]["web"]["environment"]["MODE"], "override");
}

#[test]
fn uppercase_project_name_is_rejected() {
    let dir = sample();
    let run = common::dockhand(dir.path()).args(["-p", "MY_PROJECT", "config"]);
    let (ours, theirs) = both(&run);
    ours.assert_failure();
    assert!(
        ours.stderr.contains("invalid project name"),
        "{}",
        ours.describe()
    );
    if let Some(theirs) = theirs {
        theirs.assert_failure();
    }
}

#[test]
fn invalid_project_name_from_the_environment_is_rejected() {
    let dir = sample();
    let out = common::dockhand(dir.path())
        .env("COMPOSE_PROJECT_NAME", "Bad.Name")
        .args(["config"])
        .run();
    out.assert_failure();
    assert!(out.stderr.contains("invalid project name"), "{}", out.describe());
}

#[test]
fn valid_project_names_are_accepted() {
    let dir = sample();
    for name in ["my_project", "42my_project_num", "a-b"] {
        let got = same_json(&common::dockhand(dir.path()).args(["-p", name, "config", "--format", "json"]));
        assert_eq!(got["name"], name);
    }
}

#[test]
fn directory_name_is_normalised_into_the_project_name() {
    let parent = common::project(&[]);
    let dir = parent.path().join("My Project.Dir_x");
    std::fs::create_dir(&dir).expect("create project dir");
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  app:\n    image: busybox:latest\n",
    )
    .expect("write");
    let got = same_json(&common::dockhand(&dir).args(["config", "--format", "json"]));
    assert_eq!(got["name"], "myprojectdir_x");
}

#[test]
fn compose_project_name_variable_sets_the_name() {
    let dir = sample();
    let got = same_json(
        &common::dockhand(dir.path())
            .env("COMPOSE_PROJECT_NAME", "from_env")
            .args(["config", "--format", "json"]),
    );
    assert_eq!(got["name"], "from_env");
    let got = same_json(
        &common::dockhand(dir.path())
            .env("COMPOSE_PROJECT_NAME", "from_env")
            .args(["-p", "from_flag", "config", "--format", "json"]),
    );
    assert_eq!(got["name"], "from_flag");
}

#[test]
fn dot_env_supplies_the_project_name() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  app:\n    image: busybox:${TAG}\n"),
        (".env", "COMPOSE_PROJECT_NAME=from_dot_env\nTAG=1.36\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    assert_eq!(got["name"], "from_dot_env");
    assert_eq!(got["services"]["app"]["image"], "busybox:1.36");
    let got = same_json(
        &common::dockhand(dir.path())
            .env("COMPOSE_PROJECT_NAME", "env_wins")
            .args(["config", "--format", "json"]),
    );
    assert_eq!(got["name"], "env_wins");
}

/// `${COMPOSE_PROJECT_NAME}` is the project's name, whatever chose it: `-p` beats the
/// `.env` and the shell, and an empty variable yields to the file's `name:`.
#[test]
fn compose_project_name_interpolates_as_the_chosen_name() {
    let dir = common::project(&[
        ("compose.yaml", "name: from_file\nservices:\n  app:\n    image: busybox\n    environment:\n      P: ${COMPOSE_PROJECT_NAME-unset}\n"),
        (".env", "COMPOSE_PROJECT_NAME=from_dot_env\n"),
    ]);
    let run = common::dockhand(dir.path()).args(["-p", "from_flag", "config", "--format", "json"]);
    let got = same_json(&run.clone().env("COMPOSE_PROJECT_NAME", "from_shell"));
    assert_eq!(got["services"]["app"]["environment"]["P"], "from_flag");
    let got = same_json(&run);
    assert_eq!(got["services"]["app"]["environment"]["P"], "from_flag");
    std::fs::write(dir.path().join(".env"), "COMPOSE_PROJECT_NAME=\n").expect("write .env");
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    assert_eq!(got["services"]["app"]["environment"]["P"], "from_file");
}

#[test]
fn env_file_flag_replaces_dot_env() {
    let dir = common::project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox:${TAG:-none}\n",
        ),
        (".env", "TAG=from-dot-env\n"),
        ("other.env", "TAG=from-other\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args([
        "--env-file",
        "other.env",
        "config",
        "--format",
        "json",
    ]));
    assert_eq!(got["services"]["app"]["image"], "busybox:from-other");
}

#[test]
fn project_directory_flag_sets_the_base() {
    let dir = sample();
    let got = same_json(
        &common::dockhand(std::env::temp_dir())
            .arg("--project-directory")
            .arg(dir.path())
            .args(["-p", "projdir", "config", "--format", "json"]),
    );
    assert_eq!(got["name"], "projdir");
}

#[test]
fn bad_input_points_at_file_line_and_column() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: busybox\n    ports: 12\n",
    )]);
    let out = common::dockhand(dir.path()).args(["config"]).run();
    out.assert_failure();
    assert!(out.stderr.contains("compose.yaml"), "{}", out.describe());
    assert!(
        out.stderr.contains(":4:"),
        "expected a line:col location on line 4: {}",
        out.describe()
    );
}

fn yaml_to_json(text: &str) -> Value {
    let v: serde_yaml::Value =
        serde_yaml::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
    serde_json::to_value(v).expect("YAML value as JSON")
}

/// `dockhand config | head -1`: when the reader goes away the process ends by SIGPIPE, as the
/// reference does, instead of panicking with exit 101.
#[test]
fn a_closed_output_pipe_ends_by_sigpipe_without_a_panic() {
    use std::os::unix::process::ExitStatusExt;
    let dir = common::project(&[("compose.yaml", COMPOSE)]);
    let mut child = std::process::Command::new(common::DOCKHAND)
        .args(["-p", "pipe", "config"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start dockhand");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for dockhand");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

const VARIABLES: &str = r#"
services:
  app:
    image: busybox:${TAG:-latest}
    environment:
      A: ${REQ?must be set}
      B: ${ALT:+yes}
      C: $PLAIN
"#;

/// `--variables` lists what the files use, also when a required variable is unset; the table
/// rows come in Go map order from the reference, so they are compared as a set.
#[test]
fn variables_lists_each_variable_with_its_default() {
    let dir = common::project(&[("compose.yaml", VARIABLES)]);
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--variables"]));
    let rows: Vec<Vec<&str>> = lines(&out).iter().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0], ["NAME", "REQUIRED", "DEFAULT", "VALUE", "ALTERNATE", "VALUE"]);
    assert!(rows.contains(&vec!["TAG", "false", "latest"]), "{}", out.describe());
    assert!(rows.contains(&vec!["REQ", "true"]), "{}", out.describe());
    let json = same_json(&common::dockhand(dir.path()).args(["config", "--variables", "--format", "json"]));
    assert_eq!(json["ALT"]["PresenceValue"], "yes");
    let (ours, theirs) = both(&common::dockhand(dir.path()).args(["config", "--variables", "--format", "yaml"]));
    assert!(ours.stdout.contains("    presencevalue: 'yes'\n"), "{}", ours.describe());
    if let Some(theirs) = theirs {
        assert_eq!(ours.stdout, theirs.stdout);
    }
}

/// `--environment` prints what interpolation reads: the shell, the `.env` and the project name.
#[test]
fn environment_prints_what_interpolation_reads() {
    let dir = common::project(&[("compose.yaml", VARIABLES), (".env", "TAG=1.2\n")]);
    let run = common::dockhand(dir.path()).args(["-p", "envp", "config", "--environment"]).env("REQ", "x");
    let out = same_lines(&run);
    for line in ["TAG=1.2", "REQ=x", "COMPOSE_PROJECT_NAME=envp"] {
        assert!(lines(&out).contains(&line), "{line}: {}", out.describe());
    }
}

/// `--models` prints the models services use, not the unused ones.
#[test]
fn models_lists_the_models_services_use() {
    let file = "services:\n  app:\n    image: busybox\n    models: [used]\nmodels:\n  used: {model: ai/used}\n  idle: {model: ai/idle}\n";
    let dir = common::project(&[("compose.yaml", file)]);
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--models"]));
    assert_eq!(lines(&out), ["ai/used"]);
}

/// Both tools fail (the reference only where it is installed); dockhand's message holds
/// `gist` and points at `file:line:col`.
#[track_caller]
fn both_reject(run: &Run, gist: &str, at: &str) {
    let (ours, theirs) = both(run);
    ours.assert_failure();
    assert!(ours.stderr.contains(gist), "expected {gist:?}: {}", ours.describe());
    assert!(ours.stderr.contains(at), "expected a location {at:?}: {}", ours.describe());
    if let Some(theirs) = theirs {
        theirs.assert_failure();
    }
}

#[test]
fn merge_keys_resolve_at_every_depth_as_the_reference() {
    let dir = common::project(&[(
        "compose.yaml",
        "x-a: &a\n  image: busybox\n  environment: {A: '1'}\n\
         x-b: &b\n  <<: *a\n  tty: true\n\
         x-c: &c\n  <<: [*b, {image: other, init: true}]\n  stdin_open: true\n\
         x-ext:\n  <<: *c\n\
         services:\n  one:\n    <<: *c\n  two:\n    image: mine\n    <<: [*b, *c]\n\
         \x20 three:\n    image: busybox\n    volumes:\n      - <<: {type: bind, source: /x}\n        target: /y\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    assert_eq!(got["services"]["one"]["image"], "busybox");
    assert_eq!(got["services"]["one"]["tty"], true);
    assert_eq!(got["services"]["two"]["image"], "mine");
    assert_eq!(got["x-ext"]["init"], true);
    assert_eq!(got["services"]["three"]["volumes"][0]["source"], "/x");
}

#[test]
fn reset_removes_the_key_whatever_its_value_as_the_reference() {
    let base = "services:\n  web:\n    image: busybox\n    ports: ['80:80']\n    environment: {A: '1'}\n\
                \x20   command: echo hi\n    user: root\n    dns: 8.8.8.8\n  gone:\n    image: busybox\n";
    let over = "services:\n  web:\n    ports: !reset ['90:90']\n    environment: !reset {B: '2'}\n\
                \x20   command: !reset null\n    user: !reset nobody\n    dns: !reset []\n  gone: !reset {}\n";
    let single = format!("{base}{}", "  other:\n    image: busybox\n    ports: !reset []\n    labels: !reset {}\n    user: !reset root\n");
    let dir = common::project(&[("compose.yaml", &single), ("base.yaml", base), ("over.yaml", over)]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    assert_eq!(got["services"]["other"].get("ports"), None);
    assert_eq!(got["services"]["other"].get("user"), None);
    let got = same_json(&common::dockhand(dir.path()).args(["-f", "base.yaml", "-f", "over.yaml", "config", "--format", "json"]));
    let web = &got["services"]["web"];
    for key in ["ports", "environment", "command", "user", "dns"] {
        assert!(web.get(key).is_none_or(Value::is_null), "{key}: {web}");
    }
    assert_eq!(got["services"].get("gone"), None);
}

#[test]
fn container_names_are_unique_among_enabled_services_only() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  a:\n    image: busybox\n    container_name: same\n    profiles: [p1]\n\
         \x20 b:\n    image: busybox\n    container_name: same\n    profiles: [p2]\n\
         \x20 c:\n    image: busybox\n    profiles: [p3]\n    depends_on: [nothere]\n",
    )]);
    same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    same_json(&common::dockhand(dir.path()).args(["--profile", "p1", "config", "--format", "json"]));
    both_reject(
        &common::dockhand(dir.path()).args(["--profile", "p1", "--profile", "p2", "config"]),
        "container name \"same\" is already in use",
        "compose.yaml:8:",
    );
    both_reject(
        &common::dockhand(dir.path()).args(["--profile", "p3", "config"]),
        "depends on undefined service \"nothere\"",
        "compose.yaml:",
    );
}

#[test]
fn an_empty_file_is_rejected_only_alone() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  a:\n    image: busybox\n"),
        ("comments.yaml", "# nothing here yet\n\n"),
        ("blank.yaml", ""),
        ("dashes.yaml", "---\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["-f", "compose.yaml", "-f", "comments.yaml", "config", "--format", "json"]));
    assert_eq!(got["services"]["a"]["image"], "busybox");
    same_json(&common::dockhand(dir.path()).args(["-f", "blank.yaml", "-f", "compose.yaml", "config", "--format", "json"]));
    for alone in [&["-f", "comments.yaml"][..], &["-f", "comments.yaml", "-f", "blank.yaml"]] {
        let run = common::dockhand(dir.path()).args(alone).arg("config");
        both_reject(&run, "empty compose file", "comments.yaml");
        if let Some(theirs) = common::reference_binary().map(|r| run.with_program(r).run()) {
            assert!(theirs.stderr.contains("empty compose file"), "{}", theirs.describe());
        }
    }
    both_reject(
        &common::dockhand(dir.path()).args(["-f", "compose.yaml", "-f", "dashes.yaml", "config"]),
        "top-level object must be a mapping",
        "dashes.yaml",
    );
}

#[test]
fn an_empty_profile_is_the_one_active_without_profiles() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  a:\n    image: busybox\n    profiles: ['']\n  b:\n    image: busybox\n    profiles: ['', x]\n\
         \x20 c:\n    image: busybox\n",
    )]);
    let out = same_lines(&common::dockhand(dir.path()).args(["config", "--services"]));
    assert_eq!(sorted_lines(&out), ["a", "b", "c"]);
    let out = same_lines(&common::dockhand(dir.path()).args(["--profile", "x", "config", "--services"]));
    assert_eq!(sorted_lines(&out), ["b", "c"]);
    let out = same_lines(&common::dockhand(dir.path()).env("COMPOSE_PROFILES", "x,").args(["config", "--services"]));
    assert_eq!(sorted_lines(&out), ["a", "b", "c"]);
}

/// The harness clears the environment, so PWD is unset here as with `env -u PWD`.
#[test]
fn pwd_is_the_working_directory_when_the_shell_did_not_set_it() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  a:\n    image: busybox\n    working_dir: ${PWD}\n    environment:\n      - P=${PWD:-unset}\n"),
        ("sub/.keep", ""),
    ]);
    let sub = dir.path().join("sub");
    let got = same_json(&common::dockhand(&sub).args(["-f", "../compose.yaml", "config", "--format", "json"]));
    let cwd = sub.canonicalize().expect("canonical dir");
    assert_eq!(got["services"]["a"]["working_dir"], cwd.to_str().expect("utf-8 path"));
    assert_eq!(got["services"]["a"]["environment"]["P"], cwd.to_str().expect("utf-8 path"));
    // `-f ../compose.yaml`: the project is named after the parent directory, not `..`.
    assert_ne!(got["name"], "");
}

#[test]
fn command_strings_split_as_the_reference_with_a_warning_at_shell_operators() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  a:\n    image: busybox\n    command: echo a && echo b\n\
         \x20 b:\n    image: busybox\n    command: \"echo 'x;y' \\\"a|b\\\" c\\\\;d 2>&1\"\n\
         \x20 c:\n    image: busybox\n    entrypoint: sh -c 'echo hi' > /f\n\
         \x20 d:\n    image: busybox\n    command: echo \"a\\tb\" $$(pwd) `id -u`\n",
    )]);
    let run = common::dockhand(dir.path()).args(["config", "--format", "json"]);
    let got = same_json(&run);
    assert_eq!(got["services"]["a"]["command"], serde_json::json!(["echo", "a"]));
    assert_eq!(got["services"]["b"]["command"], serde_json::json!(["echo", "x;y", "a|b", "c;d"]));
    assert_eq!(got["services"]["c"]["entrypoint"], serde_json::json!(["sh", "-c", "echo hi"]));
    let out = run.run();
    for (at, dropped) in [("services.a.command", "&& echo b"), ("services.b.command", "2>&1"), ("services.c.entrypoint", "> /f")] {
        assert!(
            out.stderr.contains(&format!("{at}: \"{dropped}\" is not run")),
            "no warning for {at}: {}",
            out.describe()
        );
    }
    assert!(!out.stderr.contains("services.d"), "{}", out.describe());
}

#[test]
fn schema_limits_are_enforced_as_the_reference() {
    let cases = [
        ("container_name: a", "services.s.container_name 'a' does not match pattern"),
        ("group_add: [a, a]", "services.s.group_add items at 0 and 1 are equal"),
        ("security_opt: [x, x]", "services.s.security_opt items at 0 and 1 are equal"),
        ("environment: {'': x}", "services.s.environment additional properties '' not allowed"),
    ];
    for (line, gist) in cases {
        let dir = common::project(&[("compose.yaml", &format!("services:\n  s:\n    image: busybox\n    {line}\n"))]);
        both_reject(&common::dockhand(dir.path()).arg("config"), gist, "compose.yaml:4:");
    }
    let dir = common::project(&[("compose.yaml", "services:\n  s:\n    image: busybox\n    container_name: /web\n    cap_add: [A, A]\n")]);
    same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
}

/// An unset `${RESTART}` or `${DNS}` leaves an empty value, which the reference drops (a
/// later file's empty `restart` still replaces an earlier policy); `dns_search` keeps it.
#[test]
fn empty_restart_and_dns_are_dropped_as_the_reference() {
    let dir = common::project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    restart: ${RESTART_POLICY}\n    dns: ${DNS_SERVER}\n\
             \x20   dns_search: ${DNS_SEARCH}\n    mem_swappiness: 101\n\
             \x20 two:\n    image: busybox\n    restart: always\n    dns: ['', 1.1.1.1]\n",
        ),
        ("over.yaml", "services:\n  two:\n    restart: ''\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    let app = &got["services"]["app"];
    assert_eq!(app.get("restart"), None, "{app}");
    assert_eq!(app.get("dns"), None, "{app}");
    assert_eq!(app["dns_search"], serde_json::json!([""]));
    assert_eq!(got["services"]["two"]["dns"], serde_json::json!(["1.1.1.1"]));
    same_lines(&common::dockhand(dir.path()).args(["config", "--hash", "*"]));
    let got = same_json(&common::dockhand(dir.path()).args(["-f", "compose.yaml", "-f", "over.yaml", "config", "--format", "json"]));
    assert_eq!(got["services"]["two"].get("restart"), None);
}

#[test]
fn a_healthcheck_test_list_starts_with_its_kind() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    healthcheck:\n      test: [FOO, x]\n\
         \x20 off:\n    image: busybox\n    profiles: [p]\n    healthcheck:\n      test: [cmd, x]\n",
    )]);
    both_reject(
        &common::dockhand(dir.path()).arg("config"),
        "healthcheck.test must start either by \"CMD\"",
        "compose.yaml:5:",
    );
    std::fs::write(dir.path().join("compose.yaml"), "services:\n  app:\n    image: busybox\n    healthcheck:\n      test: [NONE]\n\
         \x20 off:\n    image: busybox\n    profiles: [p]\n    healthcheck:\n      test: [cmd, x]\n").expect("write");
    same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
}

/// A float in a text field is kept as Go prints it (`1.0` → `"1"`, `1e8` → `"1e+08"`), in
/// every string map, and the config hash agrees.
#[test]
fn floats_in_text_fields_read_as_go_prints_them() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    build: {context: ., args: {A: 1.0, B: 1234567.0}}\n\
         \x20   environment: {VERSION: 1.0, BIG: 100000000.0, SMALL: 0.000001, EXP: 1e3, T: !!float 1}\n\
         \x20   labels: {ratio: 2.0, g: 0.00012, h: -2.50}\n    sysctls: {net.core.somaxconn: 1024.0}\n\
         \x20   logging: {driver: json-file, options: {max-file: 3.0}}\n    volumes: [v:/v]\n\
         volumes:\n  v: {labels: {a: 1.0}, driver_opts: {o: 2.0}}\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    let env = &got["services"]["app"]["environment"];
    assert_eq!(env["VERSION"], "1");
    assert_eq!(env["BIG"], "1e+08");
    assert_eq!(env["SMALL"], "1e-06");
    assert_eq!(env["EXP"], "1000");
    same_lines(&common::dockhand(dir.path()).args(["config", "--hash", "*"]));
}

/// The reference's YAML reader takes plain `0022` for octal, `1_000` for 1000 and
/// `2001-12-14` for a time, also through an alias; quoted or `!!str` they stay text, a
/// typed mode means the same either way, and `container_name: 007` is a number.
#[test]
fn plain_scalars_are_typed_as_the_reference_reads_them() {
    let dir = common::project(&[
        (
            "compose.yaml",
            "services:\n  one:\n    image: busybox\n    environment: &env {UMASK: 0022, DAY: &d 2001-12-14}\n\
             \x20 app:\n    image: busybox\n    environment: *env\n    labels: {a: *d, b: !!str 0022, c: '0022', n: 1_000, t: 2001-12-14T21:59:43.10-05:00}\n\
             \x20   ulimits: {nofile: 0755, nproc: 1_024}\n    secrets: [{source: s, mode: 0400}]\n\
             \x20   ports: ['0080:80']\nsecrets:\n  s: {file: ./s.txt}\n",
        ),
        ("s.txt", "s\n"),
        ("bad.yaml", "services:\n  app:\n    image: busybox\n    container_name: 007\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    let app = &got["services"]["app"];
    assert_eq!(app["environment"]["UMASK"], "18");
    assert_eq!(app["environment"]["DAY"], "2001-12-14 00:00:00 +0000 UTC");
    assert_eq!(app["labels"]["b"], "0022");
    assert_eq!(app["ulimits"]["nofile"], 493);
    same_lines(&common::dockhand(dir.path()).args(["config", "--hash", "*"]));
    both_reject(&common::dockhand(dir.path()).args(["-f", "bad.yaml", "config"]), "container_name must be a string", "bad.yaml:4:");
}

/// `label_file:` labels are the service's labels too, under its own; a missing file fails.
#[test]
fn label_files_add_labels_as_the_reference() {
    let dir = common::project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    label_file: [./a.labels, ./b.labels]\n    labels: {inline: 'yes', tier: own}\n",
        ),
        ("a.labels", "team=core\n# comment\ntier=web\nref=${team}\n"),
        ("b.labels", "team=platform\n"),
        ("gone.yaml", "services:\n  app:\n    image: busybox\n    label_file: ./missing.labels\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    assert_eq!(got["services"]["app"]["labels"]["team"], "platform");
    assert_eq!(got["services"]["app"]["labels"]["tier"], "own");
    same_lines(&common::dockhand(dir.path()).args(["config", "--hash", "*"]));
    both_reject(&common::dockhand(dir.path()).args(["-f", "gone.yaml", "config"]), "missing.labels not found", "gone.yaml:4:");
}

/// A long-form volume target is path-cleaned as a short one is (`/logs/` → `/logs`), which
/// the config hash sees.
#[test]
fn long_volume_targets_are_cleaned_as_the_reference() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    volumes:\n      - {type: bind, source: /srv/logs/, target: /logs/}\n\
         \x20     - {type: volume, source: data, target: /x//y/../z/.}\n      - {type: tmpfs, target: /tmp/}\n\
         volumes:\n  data:\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    let targets: Vec<&str> = got["services"]["app"]["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .filter_map(|v| v["target"].as_str())
        .collect();
    assert_eq!(targets, ["/logs", "/x/z", "/tmp"]);
    same_lines(&common::dockhand(dir.path()).args(["config", "--hash", "*"]));
}

/// `DEBUG = true` in the list form of `environment` or `build.args` is refused as the
/// reference refuses it, rather than read as the variable `"DEBUG "`; labels take it as is.
#[test]
fn a_variable_name_with_a_trailing_space_is_refused() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  app:\n    image: busybox\n    environment: [\"DEBUG = true\"]\n"),
        ("args.yaml", "services:\n  app:\n    image: busybox\n    build:\n      context: .\n      args: [\"V =1\"]\n"),
        ("labels.yaml", "services:\n  app:\n    image: busybox\n    labels: [\"a = b\"]\n    environment: [\"X=y \", \"BARE\"]\n"),
    ]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "environment variable DEBUG  is declared with a trailing space", "compose.yaml:4:");
    both_reject(&common::dockhand(dir.path()).args(["-f", "args.yaml", "config"]), "variable V  is declared", "args.yaml:6:");
    same_json(&common::dockhand(dir.path()).args(["-f", "labels.yaml", "config", "--format", "json"]));
}

/// An `extra_hosts` entry without an address, or with an empty host name or one holding `:`
/// or `=`, is refused as the reference refuses it, pointing at the entry; before, the first was
/// dropped without a word and the others passed on to the engine.
#[test]
fn extra_hosts_without_an_address_or_a_host_name_are_refused() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  app:\n    image: busybox\n    extra_hosts: [\"db=10.0.0.2\", \"metadata\"]\n"),
        ("empty.yaml", "services:\n  app:\n    image: busybox\n    extra_hosts:\n      - \"=10.0.0.2\"\n"),
        ("build.yaml", "services:\n  app:\n    build:\n      context: .\n      extra_hosts: {\"db:1\": 10.0.0.2}\n"),
    ]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "invalid additional host, missing IP: metadata", "compose.yaml:4:34");
    both_reject(&common::dockhand(dir.path()).args(["-f", "empty.yaml", "config"]), "bad host name ''", "empty.yaml:5:9");
    both_reject(&common::dockhand(dir.path()).args(["-f", "build.yaml", "config"]), "bad host name 'db:1'", "build.yaml:5:");
}

/// A line an env file cannot hold is shown in that file, at its line, for a service's
/// `env_file:` and for `--env-file` alike.
#[test]
fn a_bad_env_file_line_points_into_the_env_file() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  app:\n    image: busybox\n    env_file: app.env\n"),
        ("app.env", "GOOD=1\n\"bad=1\n"),
        ("project.env", "A=1\nB=\"never closed\n"),
    ]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "in variable name", "app.env:2:1");
    both_reject(&common::dockhand(dir.path()).args(["--env-file", "project.env", "config"]), "unterminated", "project.env:2:1");
}

/// A file that `include` or `extends` names but that does not exist is shown where it is
/// named.
#[test]
fn a_missing_included_or_extended_file_points_at_its_entry() {
    let dir = common::project(&[
        ("compose.yaml", "include:\n  - lib/db.yaml\nservices:\n  app:\n    image: busybox\n"),
        ("extends.yaml", "services:\n  app:\n    extends:\n      file: base/common.yaml\n      service: app\n"),
    ]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "lib/db.yaml", "compose.yaml:2:5");
    both_reject(&common::dockhand(dir.path()).args(["-f", "extends.yaml", "config"]), "base/common.yaml", "extends.yaml:4:13");
}

/// `mem_limit: 1g` beside a `deploy.resources.limits` block that only sets cpus conflicts
/// with its unset (zero) memory limit for the reference; a `reservations` block does not.
#[test]
fn service_limits_conflict_with_a_partial_deploy_limits_block() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  app:\n    image: busybox\n    mem_limit: 1g\n    deploy: {resources: {limits: {cpus: '0.5'}}}\n"),
        ("ok.yaml", "services:\n  app:\n    image: busybox\n    mem_limit: 1g\n    deploy: {resources: {reservations: {cpus: '0.5'}}}\n"),
    ]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "can't set distinct values on 'mem_limit'", "compose.yaml:4:");
    same_json(&common::dockhand(dir.path()).args(["-f", "ok.yaml", "config", "--format", "json"]));
}

/// A fixed `container_name` with more than one replica is refused, as the reference does,
/// also when the count comes from a variable; a disabled service is not checked.
#[test]
fn a_container_name_with_replicas_is_refused() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  app:\n    image: busybox\n    container_name: fixed\n    deploy:\n      replicas: ${N:-2}\n"),
        ("ok.yaml", "services:\n  app:\n    image: busybox\n    container_name: fixed\n    scale: 3\n    profiles: [x]\n  b:\n    image: busybox\n    container_name: bee\n    scale: 1\n"),
    ]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "can't set container_name and app", "compose.yaml:6:");
    same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]).env("N", "1"));
    same_json(&common::dockhand(dir.path()).args(["-f", "ok.yaml", "config", "--format", "json"]));
}

/// Zero sizes and limits, an empty healthcheck test and a zero ulimit are left out (or
/// emptied) as the reference's Go `omitempty` leaves them out, and the hash agrees.
#[test]
fn zero_values_are_left_out_as_the_reference() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    build: {context: ., shm_size: 0}\n    mem_limit: 0\n    memswap_limit: 0\n\
         \x20   mem_reservation: 0\n    shm_size: 0\n    dns: ''\n    healthcheck: {test: [], interval: 0s}\n\
         \x20   deploy: {resources: {limits: {memory: '0', cpus: 0}, reservations: {memory: '0'}}}\n\
         \x20   volumes: [{type: tmpfs, target: /t, tmpfs: {size: 0}}]\n    ulimits: {nofile: 0, nproc: {soft: 0, hard: 5}}\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--format", "json"]));
    let app = &got["services"]["app"];
    for key in ["mem_limit", "memswap_limit", "mem_reservation", "shm_size", "dns"] {
        assert_eq!(app.get(key), None, "{key}: {app}");
    }
    assert_eq!(app["healthcheck"], serde_json::json!({"interval": "0s"}));
    assert_eq!(app["ulimits"], serde_json::json!({"nofile": {}, "nproc": {"hard": 5}}));
    same_lines(&common::dockhand(dir.path()).args(["config", "--hash", "*"]));
}

/// With `--no-path-resolution` an extended or included file's relative paths are still
/// rebased onto the project directory, as the reference does: their env files are read and
/// their binds are `lib/conf`.
#[test]
fn no_path_resolution_rebases_extended_and_included_files_paths() {
    let dir = common::project(&[
        ("compose.yaml", "include: [lib/extra.yaml]\nservices:\n  web:\n    extends: {file: lib/base.yaml, service: base}\n"),
        ("lib/base.yaml", "services:\n  base:\n    image: busybox\n    env_file: ./base.env\n    volumes: [./conf:/conf]\n"),
        ("lib/extra.yaml", "services:\n  extra:\n    image: busybox\n    env_file: ./base.env\n    volumes: [./conf:/conf]\n"),
        ("lib/base.env", "FROM_BASE=1\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--no-path-resolution", "--format", "json"]));
    for service in ["web", "extra"] {
        assert_eq!(got["services"][service]["environment"]["FROM_BASE"], "1");
        assert_eq!(got["services"][service]["volumes"][0]["source"], "lib/conf");
    }
}

/// With `--no-path-resolution` an included project's paths are relative to the project
/// directory even outside it (`../shared`), and cleaned as the reference cleans them (`./` is
/// `.`); a build without a context builds from the included project's directory.
#[test]
fn no_path_resolution_prints_included_paths_relative_to_the_project() {
    let dir = common::project(&[
        ("app/compose.yaml", "include:\n  - path: ../shared/compose.yaml\n  - same.yaml\n"),
        ("app/same.yaml", "services:\n  here:\n    image: busybox\n    volumes: [\"./:/src\"]\n"),
        ("shared/compose.yaml", "services:\n  there:\n    build: {dockerfile_inline: FROM busybox}\n    volumes: [./data:/data]\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path().join("app")).args(["config", "--no-path-resolution", "--format", "json"]));
    assert_eq!(got["services"]["there"]["volumes"][0]["source"], "../shared/data");
    assert_eq!(got["services"]["there"]["build"]["context"], "../shared");
    assert_eq!(got["services"]["here"]["volumes"][0]["source"], ".");
}

/// An extended file that extends a file of its own, relative to itself, is found with
/// `--no-path-resolution` too (its `extends.file` is not rebased twice).
#[test]
fn no_path_resolution_follows_an_extends_chain_across_directories() {
    let dir = common::project(&[
        ("compose.yaml", "services:\n  web:\n    extends: {file: lib/mid.yaml, service: mid}\n"),
        ("lib/mid.yaml", "services:\n  mid:\n    extends: {file: base/root.yaml, service: root}\n    volumes: [./mid:/mid]\n"),
        ("lib/base/root.yaml", "services:\n  root:\n    image: busybox\n    volumes: [./root:/root]\n"),
    ]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--no-path-resolution", "--format", "json"]));
    let sources: Vec<&str> = got["services"]["web"]["volumes"].as_array().into_iter().flatten().filter_map(|v| v["source"].as_str()).collect();
    assert_eq!(sources, ["lib/base/root", "lib/mid"]);
}

/// `config`'s YAML quotes text a YAML 1.1 reader would take for a boolean, number or date,
/// as the reference's does, so that such tools read back the same strings.
#[test]
fn yaml_output_quotes_what_yaml11_readers_would_retype() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    user: '1000:0'\n    command: [redis-server, --appendonly, 'yes']\n\
         \x20   tty: true\n    environment: {KONG_DATABASE: 'off', FLAG: 'no', DATE: '2001-12-14', TILDE: '~'}\n",
    )]);
    let run = common::dockhand(dir.path()).arg("config");
    let (ours, theirs) = both(&run);
    ours.assert_success();
    for line in ["user: '1000:0'", "- 'yes'", "KONG_DATABASE: 'off'", "FLAG: 'no'", "DATE: '2001-12-14'", "tty: true"] {
        assert!(ours.stdout.contains(line), "{line}: {}", ours.describe());
    }
    if let Some(theirs) = theirs {
        let diff = json_diff(&yaml_to_json(&theirs.stdout), &yaml_to_json(&ours.stdout));
        assert!(diff.is_empty(), "YAML output differs from the reference:\n{}", diff.join("\n"));
    }
}

/// In the uninterpolated tree `gpus: all` is `count: all`, and a short volume's `:Z` option
/// gets `create_host_path: true` beside it, as the reference prints them.
#[test]
fn no_interpolate_tree_keeps_gpus_all_and_selinux_binds_as_the_reference() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    gpus: all\n    volumes: ['${CONFIG}/web:/config:Z', './h:/h:z']\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--no-interpolate", "--format", "json"]));
    assert_eq!(got["services"]["app"]["gpus"], serde_json::json!([{"count": "all"}]));
    assert_eq!(got["services"]["app"]["volumes"][0]["bind"]["create_host_path"], true);
}

/// `.inf` and `.nan` are refused, as the reference refuses them, rather than printed as null.
#[test]
fn infinite_numbers_are_refused() {
    let dir = common::project(&[("compose.yaml", "services:\n  app:\n    image: busybox\n    cpus: .inf\n")]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "unsupported value: +Inf", "compose.yaml:4:");
}

/// `--no-normalize` as the reference: the file's `name:` as written, unused networks and
/// volumes left out (the default network too, which no service names yet), a build
/// without a context builds from the project directory, and a secret is mounted at
/// `/run/secrets/<name>`.
#[test]
fn no_normalize_prints_as_the_reference() {
    let dir = common::project(&[(
        "compose.yaml",
        "name: My.App\nservices:\n  app:\n    image: busybox\n    volumes: [used:/u]\n    secrets: [token]\n\
         \x20 b:\n    build:\n      dockerfile_inline: FROM busybox\n\
         networks:\n  default:\n    name: custom\nvolumes:\n  used:\n  unused:\nsecrets:\n  token:\n    environment: HOME\n",
    )]);
    let got = same_json(&common::dockhand(dir.path()).args(["config", "--no-normalize", "--format", "json"]));
    assert_eq!(got["name"], "My.App");
    assert_eq!(got.get("networks"), None, "{got}");
    assert_eq!(got["volumes"].get("unused"), None, "{got}");
    assert!(got["services"]["b"]["build"]["context"].is_string(), "{got}");
    assert_eq!(got["services"]["app"]["secrets"][0]["target"], "/run/secrets/token");
}

/// A repeated key is shown where it repeats, the line the reference names.
#[test]
fn a_duplicate_key_points_at_its_repetition() {
    let dir = common::project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    environment:\n      - A=1\n    environment:\n      - B=2\n",
    )]);
    both_reject(&common::dockhand(dir.path()).arg("config"), "duplicate entry with key \"environment\"", "compose.yaml:6:5");
}

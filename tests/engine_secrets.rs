//! Secrets and configs from every source (`file`, `content`, `environment`) with the long
//! syntax (`target`, `uid`, `gid`, `mode`): what lands in the container, compared with what
//! the reference puts there, and the values never printed.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use common::engine::{docker, exec, EngineProject, Teardown};
use common::{unique_project, Output, Run};

/// Values that must never be printed: they come from the environment.
const SECRET_VALUE: &str = "dh-secret-value-3f9c1e";
const CONFIG_VALUE: &str = "dh-config-value-77a2b0";
/// Interpolated into inline content; the reference prints inline content in `config`.
const INLINE_PART: &str = "dh-inline-part-5d1e";
const FILE_SECRET: &str = "dh-file-secret-0b6c\n";
const FILE_CONFIG: &str = "dh-file-config-9e41\n";

const COMPOSE: &str = r#"
services:
  app:
    image: busybox:latest
    command: ["sleep", "600"]
    secrets:
      - from_file
      - from_env
      - source: from_env
        target: custom/env_secret
        uid: "1001"
        gid: "1002"
        mode: 0400
      - source: from_file
        target: /opt/file_secret
        uid: "7"
        mode: 0600
    configs:
      - inline
      - env_config
      - file_config
      - source: inline
        target: /etc/app/inline.conf
        gid: "33"
        mode: 0640
      - source: env_config
        target: rel_config
        uid: "5"
secrets:
  from_file: {file: ./secret.txt}
  from_env: {environment: DH_SECRET_VALUE}
configs:
  inline: {content: "inline ${DH_INLINE_PART} body"}
  env_config: {environment: DH_CONFIG_VALUE}
  file_config: {file: ./config.txt}
"#;

const TARGETS: &[&str] = &[
    "/run/secrets/from_file",
    "/run/secrets/from_env",
    "/run/secrets/custom/env_secret",
    "/opt/file_secret",
    "/inline",
    "/env_config",
    "/file_config",
    "/etc/app/inline.conf",
    "/rel_config",
];

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("DH_SECRET_VALUE", SECRET_VALUE),
        ("DH_CONFIG_VALUE", CONFIG_VALUE),
        ("DH_INLINE_PART", INLINE_PART),
    ]
}

fn with_env(run: Run) -> Run {
    env().into_iter().fold(run, |r, (k, v)| r.env(k, v))
}

fn new_project(tag: &str) -> EngineProject {
    let p = EngineProject::new(
        tag,
        &[
            ("compose.yaml", COMPOSE),
            ("secret.txt", FILE_SECRET),
            ("config.txt", FILE_CONFIG),
        ],
    );
    for f in ["secret.txt", "config.txt"] {
        std::fs::set_permissions(p.path().join(f), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
    }
    p
}

/// `mode uid gid` and content of each target in the container.
fn landed(container: &str) -> BTreeMap<String, (String, String)> {
    TARGETS
        .iter()
        .map(|t| {
            let (_, stat) = exec(container, &["stat", "-c", "%a %u %g", t]);
            let (_, content) = exec(container, &["cat", t]);
            (t.to_string(), (stat.trim().to_string(), content))
        })
        .collect()
}

fn expected(host_uid: u32, host_gid: u32) -> BTreeMap<String, (String, String)> {
    let file = |content: &str| (format!("644 {host_uid} {host_gid}"), content.to_string());
    let inline = format!("inline {INLINE_PART} body");
    [
        ("/run/secrets/from_file", file(FILE_SECRET)),
        (
            "/run/secrets/from_env",
            ("444 0 0".into(), SECRET_VALUE.into()),
        ),
        (
            "/run/secrets/custom/env_secret",
            ("400 1001 1002".into(), SECRET_VALUE.into()),
        ),
        ("/opt/file_secret", file(FILE_SECRET)),
        ("/inline", ("444 0 0".into(), inline.clone())),
        ("/env_config", ("444 0 0".into(), CONFIG_VALUE.into())),
        ("/file_config", file(FILE_CONFIG)),
        ("/etc/app/inline.conf", ("640 0 33".into(), inline)),
        ("/rel_config", ("444 5 0".into(), CONFIG_VALUE.into())),
    ]
    .into_iter()
    .map(|(t, v)| (t.to_string(), v))
    .collect()
}

fn host_owner(p: &EngineProject) -> (u32, u32) {
    let m = std::fs::metadata(p.path().join("secret.txt")).expect("stat");
    (m.uid(), m.gid())
}

#[test]
fn every_source_lands_where_the_reference_puts_it_with_its_content_mode_and_owner() {
    let p = new_project("secrets");
    with_env(p.cmd(&["up", "-d"])).run().assert_success();
    let container = format!("{}-app-1", p.name);
    let (uid, gid) = host_owner(&p);
    assert_eq!(landed(&container), expected(uid, gid));

    // File sources are read-only bind mounts; the others are part of the container.
    let (writable, _) = exec(&container, &["sh", "-c", "echo x > /run/secrets/from_file"]);
    assert!(!writable, "a file secret is mounted read-only");
}

#[test]
fn a_one_off_and_a_recreated_container_get_them_and_up_writes_new_values_before_a_start() {
    let p = new_project("secrets-life");
    with_env(p.cmd(&["up", "-d"])).run().assert_success();
    let container = format!("{}-app-1", p.name);

    let out = with_env(p.cmd(&[
        "run",
        "--rm",
        "app",
        "cat",
        "/run/secrets/custom/env_secret",
        "/rel_config",
    ]))
    .run();
    out.assert_success();
    assert_eq!(out.stdout, format!("{SECRET_VALUE}{CONFIG_VALUE}"));

    with_env(p.cmd(&["up", "-d", "--force-recreate"]))
        .run()
        .assert_success();
    let (uid, gid) = host_owner(&p);
    assert_eq!(landed(&container), expected(uid, gid));

    // `up` on a stopped container writes the values of now, as the reference does.
    p.dockhand(&["stop"]).assert_success();
    with_env(p.cmd(&["up", "-d"]))
        .env("DH_SECRET_VALUE", "changed")
        .run()
        .assert_success();
    assert_eq!(
        exec(&container, &["cat", "/run/secrets/from_env"]).1,
        "changed"
    );
    assert_eq!(
        exec(
            &container,
            &["stat", "-c", "%a %u %g", "/run/secrets/custom/env_secret"]
        )
        .1
        .trim(),
        "400 1001 1002"
    );
}

#[test]
fn an_unset_variable_is_an_error_before_anything_is_created() {
    let p = new_project("secrets-unset");
    let out = p
        .cmd(&["up", "-d"])
        .env("DH_INLINE_PART", INLINE_PART)
        .env("DH_CONFIG_VALUE", CONFIG_VALUE)
        .run();
    out.assert_failure();
    assert!(
        out.stderr
            .contains(r#"environment variable "DH_SECRET_VALUE" required by secret"#),
        "{}",
        out.describe()
    );
    assert!(p.containers().is_empty(), "nothing is created");
    assert_eq!(
        docker(&["network", "ls", "-q", "--filter", &p.label()]).trim(),
        ""
    );
}

/// How many times each value shows in `text`.
fn leaks(text: &str) -> Vec<(&'static str, usize)> {
    [
        SECRET_VALUE,
        CONFIG_VALUE,
        INLINE_PART,
        FILE_SECRET.trim(),
        FILE_CONFIG.trim(),
    ]
    .into_iter()
    .map(|v| (v, text.matches(v).count()))
    .collect()
}

fn printed(out: &Output) -> String {
    format!("{}{}", out.stdout, out.stderr)
}

#[test]
fn values_never_show_in_progress_plans_errors_or_logs() {
    let p = new_project("secrets-quiet");
    let mut outputs = vec![
        ("up --dry-run", with_env(p.cmd(&["up", "--dry-run"])).run()),
        ("up -d", with_env(p.cmd(&["up", "-d"])).run()),
        (
            "RUST_LOG=trace up --force-recreate",
            with_env(p.cmd(&["up", "-d", "--force-recreate"]))
                .env("RUST_LOG", "trace")
                .run(),
        ),
        (
            "--verbose up --force-recreate",
            with_env(p.cmd(&["--verbose", "up", "-d", "--force-recreate"])).run(),
        ),
    ];
    p.dockhand(&["stop"]).assert_success();
    outputs.push((
        "RUST_LOG=trace up (start)",
        with_env(p.cmd(&["up", "-d"]))
            .env("RUST_LOG", "trace")
            .run(),
    ));
    outputs.push((
        "RUST_LOG=trace run",
        with_env(p.cmd(&["run", "--rm", "app", "true"]))
            .env("RUST_LOG", "trace")
            .run(),
    ));
    let unset = p
        .cmd(&["up", "-d", "--force-recreate"])
        .env("DH_SECRET_VALUE", SECRET_VALUE)
        .env("RUST_LOG", "trace");
    outputs.push(("error (DH_CONFIG_VALUE unset)", unset.run()));
    for (what, out) in &outputs {
        let found: Vec<_> = leaks(&printed(out))
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect();
        assert!(
            found.is_empty(),
            "{what} printed {found:?}:\n{}",
            out.describe()
        );
    }
    assert!(
        printed(&outputs[2].1).contains("TRACE"),
        "RUST_LOG=trace gives trace logs"
    );
    assert!(
        !outputs.last().is_some_and(|(_, o)| o.success()),
        "the last run fails"
    );
}

#[test]
fn config_prints_no_value_the_reference_does_not_print() {
    let p = new_project("secrets-config");
    for args in [
        &["config"][..],
        &["config", "--format", "json"],
        &["config", "--no-interpolate"],
    ] {
        let out = with_env(p.cmd(args)).run();
        let ours = leaks(&printed(out.assert_success()));
        let env_values: Vec<_> = ours
            .iter()
            .filter(|(v, n)| [SECRET_VALUE, CONFIG_VALUE].contains(v) && *n > 0)
            .collect();
        assert!(env_values.is_empty(), "{args:?} printed {env_values:?}");
        let Some(reference) = common::reference(p.path()) else {
            continue;
        };
        let out = with_env(
            reference
                .arg("-p")
                .arg(p.name.as_str())
                .args(args.iter().copied()),
        )
        .run();
        let theirs = leaks(&printed(out.assert_success()));
        for ((value, n), (_, m)) in ours.iter().zip(&theirs) {
            assert!(
                n <= m,
                "{args:?}: {value} printed {n} times, by the reference {m}"
            );
        }
    }
}

#[test]
fn same_content_mode_and_owner_as_the_reference() {
    let Some(reference) = common::reference_binary() else {
        return;
    };
    let p = new_project("secrets-ours");
    let theirs = unique_project("secrets-ref");
    let _guard = Teardown(theirs.clone());
    let reference = Run::new(reference, p.path()).arg("-p").arg(theirs.as_str());
    with_env(reference.args(["up", "-d"]))
        .run()
        .assert_success();
    with_env(p.cmd(&["up", "-d"])).run().assert_success();
    let (ours, theirs) = (
        landed(&format!("{}-app-1", p.name)),
        landed(&format!("{theirs}-app-1")),
    );
    for t in TARGETS {
        assert_eq!(
            ours[*t], theirs[*t],
            "{t}: dockhand (left) and the reference (right) differ"
        );
    }
}

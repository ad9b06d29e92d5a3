//! A change in what a secret or config holds (`file`, `content`, `environment`) recreates the
//! services using it and only those; an unchanged project stays as it is; a container the
//! reference made is left alone, as the reference leaves it.

mod common;

use common::engine::{exec, inspect, EngineProject};

const COMPOSE: &str = r#"
services:
  app:
    image: busybox:latest
    command: ["sleep", "600"]
    configs:
      - source: app_settings
        target: /etc/app.conf
      - greeting
    secrets: [token]
  other:
    image: busybox:latest
    command: ["sleep", "600"]
    configs: [greeting]
configs:
  app_settings: {file: ./settings.txt}
  greeting: {content: "hello"}
secrets:
  token: {environment: DH_CONTENT_TOKEN}
"#;

fn project(tag: &str) -> EngineProject {
    EngineProject::new(tag, &[("compose.yaml", COMPOSE), ("settings.txt", "mode=dev\n")])
}

/// `up -d` with the token set to `token`; its output.
fn up(p: &EngineProject, token: &str, extra: &[&str]) -> String {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["up", "-d"]);
    p.cmd(&args).env("DH_CONTENT_TOKEN", token).run().assert_success().stdout.clone()
}

fn ids(p: &EngineProject) -> (String, String) {
    let id = |s: &str| inspect(&format!("{}-{s}-1", p.name))["Id"].as_str().unwrap_or_default().to_string();
    (id("app"), id("other"))
}

fn cat(p: &EngineProject, path: &str) -> String {
    exec(&format!("{}-app-1", p.name), &["cat", path]).1
}

#[test]
fn an_edited_config_file_recreates_only_the_service_using_it() {
    let p = project("content-file");
    up(&p, "t1", &[]);
    let (app, other) = ids(&p);
    up(&p, "t1", &[]);
    assert_eq!(ids(&p), (app.clone(), other.clone()), "an unchanged project is left as it is");

    // As an editor saves: a new file replaces the old, which the running bind mount still shows.
    std::fs::write(p.path().join("settings.new"), "mode=prod\n").unwrap();
    std::fs::rename(p.path().join("settings.new"), p.path().join("settings.txt")).unwrap();
    let dry = up(&p, "t1", &["--dry-run"]);
    assert!(dry.contains("config app_settings: content changed"), "{dry}");
    assert_eq!(ids(&p).0, app, "--dry-run must change nothing");

    up(&p, "t1", &[]);
    let (new_app, new_other) = ids(&p);
    assert_ne!(new_app, app, "app uses the config and must be recreated");
    assert_eq!(new_other, other, "other does not use it and must be kept");
    assert_eq!(cat(&p, "/etc/app.conf"), "mode=prod\n");

    up(&p, "t1", &[]);
    assert_eq!(ids(&p), (new_app, new_other), "a second up changes nothing");
}

#[test]
fn a_secret_from_the_environment_or_inline_content_changed_recreates_its_services() {
    let p = project("content-env");
    up(&p, "t1", &[]);
    let (app, other) = ids(&p);
    let dry = up(&p, "t2", &["--dry-run"]);
    assert!(dry.contains("secret token: content changed") && !dry.contains("t2"), "{dry}");
    up(&p, "t2", &[]);
    let (app2, other2) = ids(&p);
    assert_ne!(app2, app, "the secret changed");
    assert_eq!(other2, other, "other has no secret");
    assert_eq!(cat(&p, "/run/secrets/token"), "t2");

    p.write("compose.yaml", &COMPOSE.replace("\"hello\"", "\"bonjour\""));
    up(&p, "t2", &[]);
    let (app3, other3) = ids(&p);
    assert!(app3 != app2 && other3 != other2, "both use the greeting");
    assert_eq!(cat(&p, "/greeting"), "bonjour");
}

#[test]
fn a_container_the_reference_made_is_not_recreated_for_content_it_cannot_know() {
    let p = project("content-ref");
    let Some(reference) = common::reference(p.path()) else { return };
    let reference = reference.args(["-p", p.name.as_str(), "up", "-d"]).env("DH_CONTENT_TOKEN", "t1");
    reference.run().assert_success();
    let before = ids(&p);
    // The reference keeps its containers whatever the config holds; so does dockhand when the
    // container carries no record of what it got.
    p.write("settings.txt", "mode=prod\n");
    up(&p, "t1", &[]);
    assert_eq!(ids(&p), before);
}

/// `dockhand watch` running for the test; interrupted on drop, before the project goes.
struct Watching(std::process::Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-INT", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

#[test]
fn watch_recreates_the_service_whose_config_file_was_edited() {
    let p = project("content-watch");
    up(&p, "t1", &[]);
    let (app, other) = ids(&p);
    let _watch = Watching(p.cmd(&["watch", "--no-up"]).env("DH_CONTENT_TOKEN", "t1").spawn());
    // Its watches are in place once it says so; reading stderr would block, so give it a moment.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    p.write("settings.txt", "mode=watched\n");
    let started = std::time::Instant::now();
    while ids(&p).0 == app || cat(&p, "/etc/app.conf") != "mode=watched\n" {
        assert!(started.elapsed().as_secs() < 30, "timed out waiting for app to be recreated");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(ids(&p).1, other, "other does not use the config and is left alone");
}

#[test]
fn an_edited_env_file_recreates_only_its_service_through_the_config_hash() {
    let compose = COMPOSE.replace("    secrets: [token]\n", "    secrets: [token]\n    env_file: [app.env]\n");
    let p = EngineProject::new("content-envfile", &[("compose.yaml", &compose), ("settings.txt", "x"), ("app.env", "LEVEL=1\n")]);
    up(&p, "t1", &[]);
    let (app, other) = ids(&p);
    p.write("app.env", "LEVEL=2\n");
    let dry = up(&p, "t1", &["--dry-run"]);
    assert!(dry.contains(r#"environment.LEVEL: "1" → "2""#), "{dry}");
    up(&p, "t1", &[]);
    let (app2, other2) = ids(&p);
    assert!(app2 != app && other2 == other, "only app reads the env file");
}

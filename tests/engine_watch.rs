//! `watch` against the real engine: file sync (new, changed, deleted, ignored), the restart
//! and rebuild actions, and edits of the project definition converged service by service
//! (a broken edit keeps the project running; the next good one is applied).

mod common;

use std::process::Child;
use std::time::{Duration, Instant};

use common::engine::{docker, exec, inspect, EngineProject};

const FILE: &str = r#"
services:
  web:
    build: .
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    environment:
      GREETING: ${GREETING:-hello}
    develop:
      watch:
        - action: sync
          path: ./src
          target: /srv
          ignore: ["*.tmp"]
        - action: restart
          path: ./restart.txt
        - action: rebuild
          path: ./Dockerfile
  other:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
"#;

const DOCKERFILE: &str = "FROM busybox:latest\nRUN echo one > /version\n";

/// `dockhand watch` running for the test; interrupted (and the project removed) on drop.
struct Watching {
    child: Child,
    p: EngineProject,
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        drop(common::engine::RemoveImages(vec![format!("{}-web", self.p.name)]));
    }
}

fn start(tag: &str, extra: &[&str]) -> Watching {
    start_with(tag, extra, &[])
}

fn start_with(tag: &str, extra: &[&str], env: &[(&str, &str)]) -> Watching {
    let p = EngineProject::new(tag, &[("compose.yaml", FILE), ("Dockerfile", DOCKERFILE), ("src/index.html", "first\n"), ("restart.txt", "0")]);
    p.dockhand(&["up", "-d", "--build"]).assert_success();
    let mut args = vec!["watch", "--no-up"];
    args.extend_from_slice(extra);
    let child = env.iter().fold(p.cmd(&args), |c, (k, v)| c.env(k, v)).spawn();
    // Watches are in place once it says so; reading stderr would block, so give it a moment.
    std::thread::sleep(Duration::from_millis(1500));
    Watching { child, p }
}

fn container(w: &Watching, service: &str) -> String {
    format!("{}-{service}-1", w.p.name)
}

/// Polls until `cond` holds, for up to 60 s: the bound only catches a broken watch, and the
/// suites run side by side on CI (one run needed 29.8 s of a former 30 s bound at load 25).
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn cat(c: &str, path: &str) -> Option<String> {
    let (ok, out) = exec(c, &["cat", path]);
    ok.then_some(out)
}

#[test]
fn sync_copies_new_and_changed_files_deletes_removed_ones_and_honours_ignores() {
    let w = start("watch-sync", &[]);
    let web = container(&w, "web");
    w.p.write("src/new.html", "new\n");
    eventually("the new file is in the container", || cat(&web, "/srv/new.html").as_deref() == Some("new\n"));
    w.p.write("src/index.html", "second\n");
    eventually("the changed file is synced", || cat(&web, "/srv/index.html").as_deref() == Some("second\n"));
    std::fs::remove_file(w.p.path().join("src/new.html")).unwrap();
    eventually("the deleted file is gone", || cat(&web, "/srv/new.html").is_none());
    std::fs::create_dir_all(w.p.path().join("src/pages/deep")).unwrap();
    w.p.write("src/pages/deep/page.html", "deep\n");
    w.p.write("src/scratch.tmp", "ignored\n");
    eventually("a new directory is synced", || cat(&web, "/srv/pages/deep/page.html").as_deref() == Some("deep\n"));
    assert!(cat(&web, "/srv/scratch.tmp").is_none(), "ignored files are not synced");
    // Editors that save by writing a new file and renaming it over the old one.
    w.p.write("src/index.html.saving", "third\n");
    std::fs::rename(w.p.path().join("src/index.html.saving"), w.p.path().join("src/index.html")).unwrap();
    eventually("a save by rename is synced", || cat(&web, "/srv/index.html").as_deref() == Some("third\n"));
    eventually("the temporary name is gone", || cat(&web, "/srv/index.html.saving").is_none());
}

#[test]
fn up_watch_streams_logs_and_syncs() {
    let p = EngineProject::new("watch-up", &[("compose.yaml", FILE), ("Dockerfile", DOCKERFILE), ("src/index.html", "first\n"), ("restart.txt", "0")]);
    let child = p.cmd(&["up", "--build", "--watch", "web"]).spawn();
    let w = Watching { child, p };
    let web = container(&w, "web");
    eventually("web runs", || inspect(&web)["State"]["Status"] == "running");
    std::thread::sleep(Duration::from_millis(1500));
    w.p.write("src/index.html", "watched\n");
    eventually("the edit is synced while up is attached", || cat(&web, "/srv/index.html").as_deref() == Some("watched\n"));
}

#[test]
fn restart_and_rebuild_actions() {
    let w = start("watch-actions", &["--prune", "--quiet"]);
    let web = container(&w, "web");
    let started = inspect(&web)["State"]["StartedAt"].clone();
    w.p.write("restart.txt", "1");
    eventually("web restarted", || inspect(&web)["State"]["StartedAt"] != started);
    let (id, image) = (inspect(&web)["Id"].clone(), inspect(&web)["Image"].as_str().unwrap_or_default().to_string());
    w.p.write("Dockerfile", "FROM busybox:latest\nRUN echo two > /version\n");
    eventually("web was rebuilt and recreated", || inspect(&web)["Id"] != id && cat(&web, "/version").as_deref() == Some("two\n"));
    eventually("--prune removed the replaced image", || docker(&["images", "-q", "--no-trunc"]).lines().all(|l| l != image));
}

/// The same Dockerfile built by a second project (the same image id, when builds carry no
/// project label), then a tag of another tool on the image about to be replaced: a rebuild
/// with `--prune` removes neither, nor their tags, and still removes this project's old image.
#[test]
fn prune_leaves_the_images_of_other_projects_and_their_tags() {
    let other = EngineProject::new("watch-other", &[("compose.yaml", FILE), ("Dockerfile", DOCKERFILE), ("src/index.html", "x\n"), ("restart.txt", "0")]);
    let other_image = format!("{}-web", other.name);
    let shared_tag = format!("{}-shared:latest", other.name);
    let _images = common::engine::RemoveImages(vec![other_image.clone(), shared_tag.clone()]);
    other.dockhand(&["build", "web"]).assert_success();
    let other_id = inspect(&other_image)["Id"].clone();
    assert_ne!(other_id, serde_json::Value::Null);
    let w = start("watch-prune", &["--prune", "--quiet"]);
    let web = container(&w, "web");
    let rebuild = |version: &str| {
        let (id, image) = (inspect(&web)["Id"].clone(), inspect(&web)["Image"].as_str().unwrap_or_default().to_string());
        w.p.write("Dockerfile", &format!("FROM busybox:latest\nRUN echo {version} > /version\n"));
        let expected = format!("{version}\n");
        eventually("web was rebuilt and recreated", || inspect(&web)["Id"] != id && cat(&web, "/version") == Some(expected.clone()));
        image
    };
    let first = rebuild("two");
    eventually("--prune removed the project's replaced image", || inspect(&first) == serde_json::Value::Null);
    assert_eq!(inspect(&other_image)["Id"], other_id, "the other project's image and tag survive");

    let tagged = inspect(&web)["Image"].as_str().unwrap_or_default().to_string();
    docker(&["tag", &tagged, &shared_tag]);
    rebuild("three");
    // The prune follows the recreate: give it the time it takes.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(inspect(&shared_tag)["Id"].as_str(), Some(tagged.as_str()), "another tag on the replaced image survives");
    assert_eq!(inspect(&other_image)["Id"], other_id);
}

#[test]
fn project_edits_recreate_exactly_the_changed_service_and_survive_a_broken_save() {
    let w = start("watch-reload", &[]);
    let (web, other) = (container(&w, "web"), container(&w, "other"));
    let other_id = inspect(&other)["Id"].clone();
    let greeting = || {
        let (_, env) = exec(&web, &["env"]);
        env.lines().find_map(|l| l.strip_prefix("GREETING=")).map(str::to_string)
    };
    assert_eq!(greeting().as_deref(), Some("hello"));

    w.p.write(".env", "GREETING=from-dotenv\n");
    eventually("the .env edit reaches web", || greeting().as_deref() == Some("from-dotenv"));
    assert_eq!(inspect(&other)["Id"], other_id, "other does not use the variable and is left alone");

    w.p.write("compose.yaml", &format!("{FILE}\n  broken: [\n"));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(inspect(&web)["State"]["Status"], "running", "a broken save keeps the project running");

    w.p.write("compose.yaml", &FILE.replace("${GREETING:-hello}", "fixed"));
    eventually("the next good save is applied", || greeting().as_deref() == Some("fixed"));
    assert_eq!(inspect(&other)["Id"], other_id);
    let listed = docker(&["ps", "-q", "--filter", &w.p.label()]);
    assert_eq!(listed.lines().count(), 2, "both services still run");
}

/// The inotify watches a process holds, read from /proc (Linux).
fn inotify_watches(pid: u32) -> usize {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fdinfo")) else { return 0 };
    fds.flatten()
        .filter_map(|f| std::fs::read_to_string(f.path()).ok())
        .map(|info| info.lines().filter(|l| l.starts_with("inotify wd:")).count())
        .sum()
}

#[test]
fn an_ignored_tree_costs_no_watches() {
    let file = FILE.replace(r#"ignore: ["*.tmp"]"#, r#"ignore: ["*.tmp", "node_modules/"]"#);
    let p = EngineProject::new("watch-ignored", &[("compose.yaml", &file), ("Dockerfile", DOCKERFILE), ("src/index.html", "first\n"), ("restart.txt", "0")]);
    for i in 0..200 {
        std::fs::create_dir_all(p.path().join(format!("src/node_modules/pkg{i}/lib"))).unwrap();
    }
    p.dockhand(&["up", "-d", "--build"]).assert_success();
    let child = p.cmd(&["watch", "--no-up"]).spawn();
    std::thread::sleep(Duration::from_millis(1500));
    let w = Watching { child, p };
    let watches = inotify_watches(w.child.id());
    assert!(watches > 0 && watches < 10, "{watches} watches for a project with 400 ignored directories");
    w.p.write("src/node_modules/pkg1/lib/x.js", "ignored\n");
    w.p.write("src/index.html", "after\n");
    let web = container(&w, "web");
    eventually("a file outside the ignored tree still syncs", || cat(&web, "/srv/index.html").as_deref() == Some("after\n"));
    assert!(cat(&web, "/srv/node_modules/pkg1/lib/x.js").is_none());
}

#[test]
fn polling_syncs_where_inotify_is_not_used() {
    let w = start_with("watch-poll", &[], &[("DOCKHAND_WATCH_POLL", "1")]);
    assert_eq!(inotify_watches(w.child.id()), 0, "polling holds no inotify watch");
    let web = container(&w, "web");
    w.p.write("src/polled.html", "polled\n");
    eventually("the polled change is synced", || cat(&web, "/srv/polled.html").as_deref() == Some("polled\n"));
}

#[test]
fn sync_exec_paths_created_later_removed_directories_and_ctrl_c() {
    let file = r#"
services:
  app:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    develop:
      watch:
        - action: sync+exec
          path: ./later
          target: /later
          exec:
            command: ["sh", "-c", "ls /later > /listing"]
"#;
    let p = EngineProject::new("watch-exec", &[("compose.yaml", file)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let mut child = p.cmd(&["watch", "--no-up"]).spawn();
    std::thread::sleep(Duration::from_millis(1500));
    let app = format!("{}-app-1", p.name);
    std::fs::create_dir_all(p.path().join("later/dir")).unwrap();
    p.write("later/dir/a.txt", "a\n");
    p.write("later/top.txt", "top\n");
    eventually("a path created after watching began is synced", || cat(&app, "/later/top.txt").as_deref() == Some("top\n"));
    eventually("the exec command ran after the sync", || cat(&app, "/listing").is_some_and(|l| l.contains("top.txt")));
    std::fs::remove_dir_all(p.path().join("later/dir")).unwrap();
    eventually("a removed directory is removed", || !exec(&app, &["test", "-e", "/later/dir"]).0);

    let _ = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().expect("watch ends on Ctrl-C");
    assert_eq!(status.code(), Some(0));
    assert_eq!(inspect(&app)["State"]["Status"], "running", "Ctrl-C leaves the project running");
}

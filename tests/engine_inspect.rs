//! The inspection commands against the real engine: `cp` both ways, `export` and `commit`,
//! `ls` and `events` JSON, `top`, `port`, `images`, and `version`/`completion` without an
//! engine.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::time::Duration;

use common::engine::EngineProject;

const FILE: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["httpd", "-f", "-p", "80"]
    stop_grace_period: 1s
    ports:
      - "127.0.0.1::80"
"#;

fn up(tag: &str) -> EngineProject {
    let p = EngineProject::new(tag, &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    p
}

#[test]
fn cp_round_trips_a_file_and_a_directory() {
    let p = up("cp");
    p.write("note.txt", "copied in\n");
    std::fs::create_dir_all(p.path().join("tree/sub")).unwrap();
    p.write("tree/sub/deep.txt", "deep\n");
    p.dockhand(&["cp", "note.txt", "web:/note.txt"]).assert_success();
    p.dockhand(&["cp", "tree", "web:/"]).assert_success();
    let (_, inside) = common::engine::exec(&format!("{}-web-1", p.name), &["cat", "/note.txt", "/tree/sub/deep.txt"]);
    assert_eq!(inside, "copied in\ndeep\n");
    p.dockhand(&["cp", "web:/note.txt", "back.txt"]).assert_success();
    assert_eq!(std::fs::read_to_string(p.path().join("back.txt")).unwrap(), "copied in\n");
    p.dockhand(&["cp", "web:/tree", "tree-back"]).assert_success();
    assert_eq!(std::fs::read_to_string(p.path().join("tree-back/sub/deep.txt")).unwrap(), "deep\n");
    let missing = p.dockhand(&["cp", "web:/nope", "x"]);
    missing.assert_failure();
}

#[test]
fn ls_lists_the_project_as_json() {
    let p = up("ls");
    let out = p.dockhand(&["ls", "--format", "json", "--filter", &format!("name={}", p.name)]);
    out.assert_success();
    let listed = out.json();
    let entry = listed.as_array().and_then(|a| a.iter().find(|e| e["Name"] == p.name.as_str())).cloned();
    let entry = entry.unwrap_or_else(|| panic!("project not listed: {}", out.describe()));
    assert_eq!(entry["Status"], "running(1)");
    assert_eq!(entry["ConfigFiles"], p.path().join("compose.yaml").to_string_lossy().as_ref());
    p.dockhand(&["stop"]).assert_success();
    let running = p.dockhand(&["ls", "-q"]);
    assert!(!running.stdout.lines().any(|l| l == p.name), "a stopped project needs -a: {}", running.describe());
    let all = p.dockhand(&["ls", "-a", "-q"]);
    assert!(all.stdout.lines().any(|l| l == p.name), "{}", all.describe());
}

#[test]
fn events_json_has_the_references_shape() {
    let p = up("events");
    let mut child = p.cmd(&["events", "--json"]).spawn();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::sleep(Duration::from_millis(700));
    p.dockhand(&["pause"]).assert_success();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("an event").expect("a line");
    let _ = child.kill();
    let _ = child.wait();
    let e: serde_json::Value = serde_json::from_str(&first).unwrap_or_else(|_| panic!("not JSON: {first}"));
    assert_eq!(e["action"], "pause", "{e}");
    assert_eq!(e["type"], "container");
    assert_eq!(e["service"], "web");
    assert_eq!(e["attributes"]["name"], format!("{}-web-1", p.name));
    assert_eq!(e["id"].as_str().map(str::len), Some(64));
    assert!(e["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{e}");
    assert!(e["attributes"].get("com.docker.compose.project").is_none(), "compose labels are left out: {e}");
}

/// `--since` replays what happened before the command started; with `--until` it ends by
/// itself.
#[test]
fn events_since_and_until_replay_a_window_and_end() {
    let p = up("events-window");
    p.dockhand(&["pause"]).assert_success();
    p.dockhand(&["unpause"]).assert_success();
    let out = p.cmd(&["events", "--json", "--since", "1m", "--until", "0s"]).timeout(Duration::from_secs(30)).run();
    out.assert_success();
    let actions: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect();
    let paused = actions.iter().position(|a| a == "pause");
    let unpaused = actions.iter().position(|a| a == "unpause");
    assert!(paused.is_some() && paused < unpaused, "{actions:?}");
}

#[test]
fn top_port_and_images_describe_the_container() {
    let p = up("inspect");
    let top = p.dockhand(&["top"]);
    top.assert_success();
    assert!(top.stdout.starts_with("SERVICE  #   UID"), "{}", top.describe());
    assert!(top.stdout.contains("httpd -f -p 80"), "{}", top.describe());
    let port = p.dockhand(&["port", "web", "80"]);
    port.assert_success();
    let (host, published) = port.stdout.trim().rsplit_once(':').expect("host:port");
    assert_eq!(host, "127.0.0.1");
    assert!(published.parse::<u16>().is_ok_and(|p| p > 0), "{}", port.describe());
    let none = p.dockhand(&["port", "web", "81"]);
    none.assert_failure();
    assert!(none.stderr.contains("no port 81/tcp"), "{}", none.describe());
    let images = p.dockhand(&["images", "--format", "json"]);
    let list = images.json();
    assert_eq!(list[0]["ContainerName"], format!("{}-web-1", p.name));
    assert_eq!((list[0]["Repository"].as_str(), list[0]["Tag"].as_str()), (Some("busybox"), Some("latest")));
    assert!(list[0]["ID"].as_str().is_some_and(|id| id.starts_with("sha256:")));
}

/// Two replicas, a long command and volume name, and ports on one number in both protocols:
/// what the listing commands order, cut and deduplicate.
const SCALED: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "exec httpd -f -p 80 # serving the files"]
    scale: 2
    stop_grace_period: 1s
    ports: ["127.0.0.1::53/udp", "127.0.0.1::53"]
    volumes: [cache:/cache]
volumes:
  cache: {}
"#;

/// The same command by dockhand and by the reference, on the project dockhand brought up.
fn both(p: &EngineProject, args: &[&str]) -> Option<(common::Output, common::Output)> {
    let reference = common::reference(p.path())?;
    let theirs = reference.arg("-p").arg(&p.name).args(args.iter().copied()).run();
    Some((p.dockhand(args), theirs))
}

#[test]
fn images_print_what_the_reference_prints() {
    let p = EngineProject::new("images-diff", &[("compose.yaml", SCALED)]);
    p.dockhand(&["up", "-d"]).assert_success();
    for args in [&["images", "-q"][..], &["images"]] {
        let Some((mut ours, mut theirs)) = both(&p, args) else { return };
        if ours.stdout != theirs.stdout {
            // CREATED can tick over between the two runs: one more try.
            (ours, theirs) = both(&p, args).unwrap_or((ours, theirs));
        }
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}: {}\nthe reference: {}", ours.describe(), theirs.describe());
    }
    let Some((ours, theirs)) = both(&p, &["images", "--format", "json"]) else { return };
    let by_container = |out: &common::Output| {
        let mut list = out.json().as_array().cloned().unwrap_or_default();
        list.sort_by_key(|i| i["ContainerName"].as_str().map(str::to_string));
        list
    };
    assert_eq!(by_container(&ours), by_container(&theirs), "{}\nthe reference: {}", ours.describe(), theirs.describe());
}

#[test]
fn ps_cuts_and_filters_as_the_reference_does() {
    let lean = "services:\n  other:\n    image: busybox:latest\n";
    let p = EngineProject::new("ps-diff", &[("compose.yaml", SCALED), ("lean.yaml", lean)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let listing = "{{.Name}}|{{.ID}}|{{.Command}}|{{.Mounts}}";
    let cases: [&[&str]; 6] = [
        &["ps", "--format", listing],
        &["ps", "--no-trunc", "--format", listing],
        &["ps", "-q"],
        &["ps", "-q", "--no-trunc"],
        &["-f", "lean.yaml", "ps", "--orphans=false", "--format", "{{.Name}}"],
        &["-f", "lean.yaml", "ps", "--orphans", "--format", "{{.Name}}"],
    ];
    for args in cases {
        let Some((ours, theirs)) = both(&p, args) else { return };
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}: {}\nthe reference: {}", ours.describe(), theirs.describe());
    }
    for filter in ["bogus=1", "status"] {
        let Some((ours, theirs)) = both(&p, &["ps", "--filter", filter]) else { return };
        assert_eq!((ours.code, theirs.code), (Some(1), Some(1)), "--filter {filter}: {}\nthe reference: {}", ours.describe(), theirs.describe());
        assert!(ours.stderr.contains(theirs.stderr.trim()), "{}\nthe reference: {}", ours.describe(), theirs.describe());
    }
    let Some((ours, theirs)) = both(&p, &["ps", "--format", "json"]) else { return };
    let fields = |out: &common::Output| -> Vec<String> {
        let first = out.stdout.lines().next().and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok());
        first.and_then(|v| v.as_object().map(|o| o.keys().cloned().collect())).unwrap_or_default()
    };
    assert_eq!(fields(&ours), fields(&theirs), "{}\nthe reference: {}", ours.describe(), theirs.describe());
}

#[test]
fn port_without_a_port_lists_the_mappings_as_the_reference_does() {
    let p = EngineProject::new("port-diff", &[("compose.yaml", SCALED)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let cases: [&[&str]; 3] = [&["port", "web"], &["port", "--protocol", "udp", "--index", "2", "web"], &["port", "web", "53"]];
    for args in cases {
        let Some((ours, theirs)) = both(&p, args) else { return };
        // Within one container port, the reference's order is the engine listing's.
        let lines = |out: &common::Output| -> BTreeSet<String> { out.stdout.lines().map(str::to_string).collect() };
        assert_eq!(lines(&ours), lines(&theirs), "{args:?}: {}\nthe reference: {}", ours.describe(), theirs.describe());
    }
    let Some((ours, theirs)) = both(&p, &["port", "--index", "3", "web", "53"]) else { return };
    assert_eq!((ours.code, theirs.code), (Some(1), Some(1)), "{}\nthe reference: {}", ours.describe(), theirs.describe());
    assert!(ours.stderr.contains(theirs.stderr.trim()), "{}\nthe reference: {}", ours.describe(), theirs.describe());
}

#[test]
fn wait_reports_stopped_containers_as_the_reference_does() {
    let yaml = "services:\n  ok:\n    image: busybox:latest\n    command: [\"true\"]\n  bad:\n    image: busybox:latest\n    command: [\"sh\", \"-c\", \"exit 3\"]\n";
    let p = EngineProject::new("wait-diff", &[("compose.yaml", yaml)]);
    p.dockhand(&["up", "-d"]).assert_success();
    for service in ["ok", "bad"] {
        common::engine::docker(&["wait", &format!("{}-{service}-1", p.name)]);
    }
    let Some((ours, theirs)) = both(&p, &["wait", "bad"]) else { return };
    assert_eq!((ours.code, &ours.stdout), (theirs.code, &theirs.stdout), "{}\nthe reference: {}", ours.describe(), theirs.describe());
    assert_eq!(ours.code, Some(3));
    // Both already stopped: which one is the last is the engine's order.
    let Some((ours, theirs)) = both(&p, &["wait", "ok", "bad"]) else { return };
    let lines = |out: &common::Output| -> BTreeSet<String> { out.stdout.lines().map(str::to_string).collect() };
    assert_eq!(lines(&ours), lines(&theirs), "{}\nthe reference: {}", ours.describe(), theirs.describe());
    assert_eq!(lines(&ours).len(), 2, "{}", ours.describe());
    let Some((ours, theirs)) = both(&p, &["wait"]) else { return };
    assert_eq!((ours.success(), theirs.success()), (false, false), "no service named");
}

#[test]
fn one_offs_are_listed_where_the_reference_lists_them() {
    let p = EngineProject::new("oneoff-diff", &[("compose.yaml", FILE)]);
    p.dockhand(&["up", "-d"]).assert_success();
    p.dockhand(&["run", "-d", "web", "sleep", "60"]).assert_success();
    let cases: [&[&str]; 4] = [
        &["ps", "--format", "{{.Name}}"],
        &["ps", "-a", "--format", "{{.Name}}"],
        &["ps", "--status", "running", "--format", "{{.Name}}"],
        &["images", "-q"],
    ];
    for args in cases {
        let Some((ours, theirs)) = both(&p, args) else { return };
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}: {}\nthe reference: {}", ours.describe(), theirs.describe());
    }
    let Some((ours, theirs)) = both(&p, &["images", "--format", "json"]) else { return };
    let names = |out: &common::Output| -> BTreeSet<String> {
        out.json().as_array().into_iter().flatten().filter_map(|i| i["ContainerName"].as_str().map(str::to_string)).collect()
    };
    assert_eq!(names(&ours), names(&theirs), "{}\nthe reference: {}", ours.describe(), theirs.describe());
    assert_eq!(names(&ours).len(), 2, "{}", ours.describe());
    // SERVICE and # of each process: the one-off's # is empty.
    let Some((ours, theirs)) = both(&p, &["top"]) else { return };
    let columns = |out: &common::Output| -> Vec<String> {
        out.stdout.lines().map(|l| l.get(..9).unwrap_or(l).trim_end().to_string()).collect()
    };
    assert_eq!(columns(&ours), columns(&theirs), "{}\nthe reference: {}", ours.describe(), theirs.describe());
}

#[test]
fn version_and_completion_need_no_engine() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| common::dockhand(dir.path()).args(args.iter().copied()).env("DOCKER_HOST", "unix:///nonexistent.sock").run();
    let v = run(&["version", "--format", "json"]);
    v.assert_success();
    assert_eq!(v.json()["version"], format!("v{}", env!("CARGO_PKG_VERSION")));
    assert_eq!(run(&["version", "--short"]).stdout.trim(), env!("CARGO_PKG_VERSION"));
    let bash = run(&["completion", "bash"]);
    bash.assert_success();
    assert!(bash.stdout.contains("_dockhand") && bash.stdout.contains("exec"), "{}", bash.describe());
}

/// Replica 2 holds a file replica 1 does not: what `--index` picked shows in the result.
fn two_replicas(tag: &str) -> EngineProject {
    let file = FILE.replace("    ports:\n      - \"127.0.0.1::80\"\n", "    deploy: {replicas: 2}\n");
    let p = EngineProject::new(tag, &[("compose.yaml", &file)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let (marked, _) = common::engine::exec(&format!("{}-web-2", p.name), &["touch", "/second"]);
    assert!(marked);
    p
}

#[test]
fn export_writes_the_chosen_replicas_filesystem_as_a_tar_archive() {
    let p = two_replicas("export");
    p.dockhand(&["export", "-o", "one.tar", "web"]).assert_success();
    p.dockhand(&["export", "--index", "2", "--output", "two.tar", "web"]).assert_success();
    let listing = |file: &str| {
        let out = std::process::Command::new("tar").arg("tf").arg(p.path().join(file)).output().expect("tar");
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect::<Vec<_>>()
    };
    let (one, two) = (listing("one.tar"), listing("two.tar"));
    assert!(one.iter().any(|f| f == "bin/busybox"), "{one:?}");
    assert!(!one.iter().any(|f| f == "second") && two.iter().any(|f| f == "second"), "{two:?}");
    // Standard output when no file is named (not a terminal here).
    let piped = p.dockhand(&["export", "web"]);
    piped.assert_success();
    assert!(piped.stdout.contains("bin/busybox"), "no archive on standard output");
    let missing = p.dockhand(&["export", "--index", "3", "web"]);
    missing.assert_failure();
    assert!(missing.stderr.contains("service \"web\" is not running container #3"), "{}", missing.describe());
}

#[test]
fn commit_makes_an_image_of_the_chosen_replica_with_author_message_and_changes() {
    let p = two_replicas("commit");
    let image = format!("{}-committed:v1", p.name);
    let _cleanup = common::engine::RemoveImages(vec![image.clone()]);
    let out = p.dockhand(&["commit", "-a", "Ann <ann@example.com>", "-c", "ENV DEBUG=true", "-m", "a note", "--index=2", "web", &image]);
    out.assert_success();
    assert!(out.stderr.contains("Committed as sha256:"), "{}", out.describe());
    let made = common::engine::docker(&["image", "inspect", &image, "--format", "{{.Author}}|{{.Comment}}|{{json .Config.Env}}"]);
    assert_eq!(made.trim(), r#"Ann <ann@example.com>|a note|["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","DEBUG=true"]"#);
    let listed = common::engine::docker(&["run", "--rm", "--entrypoint", "ls", &image, "/second"]);
    assert_eq!(listed.trim(), "/second", "the image is not replica 2's");
    let stopped = p.dockhand(&["commit", "nope"]);
    stopped.assert_failure();
    assert!(stopped.stderr.contains("service \"nope\" is not running"), "{}", stopped.describe());
}

/// `volumes` lists the project's volumes as the reference does: a table, `-q`, JSON lines,
/// and only the volumes the named services mount.
#[test]
fn volumes_lists_the_projects_volumes_as_the_reference() {
    let file = "services:\n  a:\n    image: busybox:latest\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n    volumes: [data:/data]\n  b:\n    image: busybox:latest\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n    volumes: [other:/o]\nvolumes: {data: {}, other: {}}\n";
    let p = EngineProject::new("volumes", &[("compose.yaml", file)]);
    p.dockhand(&["up", "-d"]).assert_success();
    let n = &p.name;
    let table = p.dockhand(&["volumes"]).assert_success().stdout.clone();
    assert_eq!(table, format!("DRIVER    VOLUME NAME\nlocal     {n}_data\nlocal     {n}_other\n"));
    assert_eq!(p.dockhand(&["volumes", "-q", "b"]).assert_success().stdout, format!("{n}_other\n"));
    let json = p.dockhand(&["volumes", "--format", "json", "a"]).assert_success().stdout.clone();
    let row: serde_json::Value = serde_json::from_str(json.trim()).unwrap_or_else(|_| panic!("{json}"));
    assert_eq!((row["Name"].as_str(), row["Driver"].as_str()), (Some(format!("{n}_data").as_str()), Some("local")));
    assert!(row["Labels"].as_str().is_some_and(|l| l.contains("com.docker.compose.volume=data")), "{row}");
    // The reference lists them in the engine's order, which varies: compared as a set.
    if let Some(reference) = common::reference_binary() {
        let theirs = p.cmd(&["volumes"]).with_program(reference).run();
        let sorted = |text: &str| {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines.sort();
            lines
        };
        assert_eq!(sorted(&theirs.stdout), sorted(&table), "{}", theirs.describe());
    }
}

#[test]
fn dry_run_cp_and_wait_down_change_nothing() {
    let p = up("cpdry");
    p.write("note.txt", "copied in\n");
    let web = format!("{}-web-1", p.name);
    let out = p.dockhand(&["--dry-run", "cp", "note.txt", "web:/note.txt"]);
    out.assert_success();
    assert_eq!(out.stdout, "would copy note.txt to web:/note.txt\n", "{}", out.describe());
    let (copied, _) = common::engine::exec(&web, &["ls", "/note.txt"]);
    assert!(!copied, "cp --dry-run copied in");
    p.dockhand(&["--dry-run", "cp", "web:/etc/hostname", "hostname"]).assert_success();
    assert!(!p.path().join("hostname").exists(), "cp --dry-run copied out");
    p.dockhand(&["--dry-run", "cp", "note.txt", "nope:/x"]).assert_failure();

    let waiting = p.cmd(&["--dry-run", "wait", "--down-project", "web"]).spawn();
    std::thread::sleep(Duration::from_secs(1));
    common::engine::docker(&["stop", "-t", "0", &web]);
    let out = waiting.wait_with_output().expect("wait ends");
    let text = String::from_utf8_lossy(&out.stdout);
    let stopped = format!("container \"{}\" exited with status code 137\n", common::engine::inspect(&web)["Id"].as_str().unwrap_or("?"));
    assert!(text.starts_with(&stopped) && text.contains("remove    container:web:1"), "the exit code, then the plan: {text}");
    assert_eq!(p.containers(), vec![web.clone()], "wait --down-project --dry-run removed the project");
}

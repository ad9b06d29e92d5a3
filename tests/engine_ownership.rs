//! What dockhand never touches: whatever another project or a person made stays, whichever
//! way this project's things are removed (`down` with `--rmi`, `-v` and `--remove-orphans`,
//! `rm`, `run --rm`), even when it shares an image, a network or a volume with the project.
//! (`watch --prune` is held in `engine_watch.rs`.)

mod common;

use common::engine::{docker, inspect, EngineProject, RemoveImages};

const BUILT: &str = "services:\n  web:\n    build: .\n    command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n";
const DOCKERFILE: &str = "FROM busybox:latest\nRUN echo same > /same\n";

/// Containers made by hand for a test, removed on drop (declare after the projects they use:
/// they must go first, or the project's network cannot be removed).
struct ByHand(Vec<String>);

impl Drop for ByHand {
    fn drop(&mut self) {
        for c in &self.0 {
            docker(&["rm", "-f", "-v", c]);
        }
    }
}

fn running(container: &str) -> bool {
    inspect(container)["State"]["Status"] == "running"
}

fn id(object: &str) -> serde_json::Value {
    inspect(object)["Id"].clone()
}

/// A second project built the same Dockerfile, and holds a tag of its own on this project's
/// image: `down --rmi local` takes only this project's tag.
#[test]
fn down_rmi_leaves_the_image_and_tags_of_another_project() {
    let files = [("compose.yaml", BUILT), ("Dockerfile", DOCKERFILE)];
    let (a, b) = (EngineProject::new("own-rmi-a", &files), EngineProject::new("own-rmi-b", &files));
    let (a_image, b_image, b_copy) = (format!("{}-web", a.name), format!("{}-web", b.name), format!("{}-copy", b.name));
    let _images = RemoveImages(vec![a_image.clone(), b_image.clone(), b_copy.clone()]);
    b.dockhand(&["build"]).assert_success();
    a.dockhand(&["up", "-d", "--build"]).assert_success();
    docker(&["tag", &a_image, &b_copy]);
    let (b_id, copy_id) = (id(&b_image), id(&b_copy));
    assert_ne!(b_id, serde_json::Value::Null);

    let out = a.dockhand(&["down", "--rmi", "local"]);
    out.assert_success();
    assert_eq!(id(&a_image), serde_json::Value::Null, "{}", out.describe());
    assert_eq!(id(&b_image), b_id, "the other project's image keeps its tag");
    assert_eq!(id(&b_copy), copy_id, "the other project's tag on the same image survives");
}

/// As the reference: an image a container outside the project uses is kept, with a warning,
/// and `down` succeeds.
#[test]
fn down_rmi_all_keeps_an_image_something_else_uses() {
    let p = EngineProject::new("own-rmi-all", &[("Dockerfile", DOCKERFILE)]);
    let image = format!("{}-img:latest", p.name);
    let _images = RemoveImages(vec![image.clone()]);
    let built = docker(&["build", "-q", "-t", &image, p.path().to_str().unwrap_or_default()]);
    assert!(!built.trim().is_empty(), "building {image}");
    p.write("compose.yaml", &format!("services:\n  app:\n    image: {image}\n    command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n"));
    p.dockhand(&["up", "-d"]).assert_success();
    let other = format!("{}-other", p.name);
    let _by_hand = ByHand(vec![other.clone()]);
    docker(&["run", "-d", "--name", &other, &image, "sleep", "3600"]);

    let out = p.dockhand(&["down", "--rmi", "all"]);
    out.assert_success();
    assert!(out.stderr.contains("Resource is still in use"), "{}", out.describe());
    assert_ne!(id(&image), serde_json::Value::Null, "the image stays");
    assert!(running(&other), "the other container keeps running");
    assert!(p.containers().is_empty(), "{:?}", p.containers());
}

/// Project `a` uses project `b`'s network and volume (declared external); a container run by
/// hand uses `a`'s network and volume, and another carries `a`'s labels as an image built by
/// `a` would give it. Removing `a` every way leaves all of them as they were.
#[test]
fn removing_a_project_leaves_what_others_made_even_on_its_network_and_volume() {
    let b = EngineProject::new(
        "own-b",
        &[("compose.yaml", "services:\n  b:\n    image: busybox:latest\n    command: [\"sleep\", \"3600\"]\n    volumes: [\"shared:/data\"]\nvolumes:\n  shared: {}\n")],
    );
    b.dockhand(&["up", "-d"]).assert_success();
    let a_yaml = format!(
        "services:\n  a:\n    image: busybox:latest\n    command: [\"sleep\", \"3600\"]\n    stop_grace_period: 1s\n    \
         networks: [default, theirs]\n    volumes: [\"own:/own\", \"theirs:/theirs\"]\n\
         networks:\n  theirs: {{name: {b}_default, external: true}}\n\
         volumes:\n  own: {{}}\n  theirs: {{name: {b}_shared, external: true}}\n",
        b = b.name
    );
    let a = EngineProject::new("own-a", &[("compose.yaml", &a_yaml)]);
    a.dockhand(&["up", "-d"]).assert_success();
    let (b1, stray, labelled) = (format!("{}-b-1", b.name), format!("{}-stray", a.name), format!("{}-labelled", a.name));
    let _by_hand = ByHand(vec![stray.clone(), labelled.clone()]);
    let a_network = format!("{}_default", a.name);
    let a_volume = format!("{}_own", a.name);
    docker(&["run", "-d", "--name", &stray, "--network", &a_network, "-v", &format!("{a_volume}:/x"), "busybox:latest", "sleep", "3600"]);
    let project_label = format!("com.docker.compose.project={}", a.name);
    docker(&["run", "-d", "--name", &labelled, "--label", &project_label, "--label", "com.docker.compose.service=a", "busybox:latest", "sleep", "3600"]);
    assert!(running(&stray) && running(&labelled));
    let before = (id(&b1), id(&format!("{}_default", b.name)), docker(&["volume", "inspect", "-f", "{{.Name}}", &format!("{}_shared", b.name)]));

    a.dockhand(&["run", "--rm", "a", "true"]).assert_success();
    a.dockhand(&["up", "-d"]).assert_success();
    a.dockhand(&["rm", "-f", "-s", "-v"]).assert_success();
    assert!(running(&labelled), "a container with the project's labels but made by hand is not the project's");
    a.dockhand(&["up", "-d"]).assert_success();
    let out = a.dockhand(&["down", "-v", "--remove-orphans"]);
    out.assert_success();

    assert!(running(&b1), "{}", out.describe());
    let after = (id(&b1), id(&format!("{}_default", b.name)), docker(&["volume", "inspect", "-f", "{{.Name}}", &format!("{}_shared", b.name)]));
    assert_eq!(after, before, "project b's container, network and volume are untouched");
    assert!(running(&stray) && running(&labelled), "{}", out.describe());
    let stray_networks = inspect(&stray)["NetworkSettings"]["Networks"].clone();
    assert!(stray_networks.get(&a_network).is_some(), "the stray container stays on the network it uses: {stray_networks}");
    assert!(out.stderr.contains("Resource is still in use"), "{}", out.describe());
    let ours: Vec<String> = a.containers().into_iter().filter(|c| c != &labelled).collect();
    assert!(ours.is_empty(), "{ours:?}");
}

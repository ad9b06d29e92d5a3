//! The Docker engine seam against a real engine: these tests need dockerd at the default socket
//! (or `DOCKER_HOST`) and the local image `busybox:latest`. Every test works in a project of its
//! own and removes what it made, even when it fails.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dockhand::engine::docker::DockerEngine;
use dockhand::engine::api::{ContainerCreateBody, HostConfig, NetworkCreateRequest, VolumeCreateOptions};
use dockhand::engine::{BuildSpec, ContainerCreate, Engine, Kind};
use dockhand::labels;
use dockhand::load::Env;
use dockhand::model::Project;
use dockhand::observe::RunState;

fn unique_project() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "dhtest{}x{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// The label filter of what the project holds.
fn owned(project: &str) -> String {
    format!("{}={project}", labels::PROJECT)
}

/// The networks carrying the project's label; the engine lists every network.
async fn project_networks(e: &DockerEngine, project: &str) -> Vec<dockhand::observe::ObservedNetwork> {
    let all = e.list_networks().await.unwrap_or_default();
    all.into_iter().filter(|n| n.labels.get(labels::PROJECT).is_some_and(|p| p == project)).collect()
}

async fn engine() -> DockerEngine {
    let env: Env = std::env::vars().filter(|(k, _)| k == "DOCKER_HOST").collect();
    DockerEngine::connect(&env)
        .await
        .expect("these tests need a Docker engine")
        .with_output(Arc::new(|_: &str| {}))
}

fn project(name: &str, services: &str) -> Arc<Project> {
    let yaml =
        format!("name: {name}\nnetworks: {{default: {{name: {name}_default}}}}\nservices:\n{services}");
    let value: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    Arc::new(dockhand::load::bind::bind(value).unwrap())
}

/// Removes everything labelled with the project, and the images it names, when dropped.
struct Cleanup {
    project: String,
    images: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let project = self.project.clone();
        let images = self.images.clone();
        let cleaning = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let e = engine().await;
                for c in e.list_containers(&owned(&project)).await.unwrap_or_default() {
                    let _ = e.remove_container(&c.id, true).await;
                }
                for n in project_networks(&e, &project).await {
                    let _ = e.remove_network(&n.name).await;
                }
                for v in e.list_volumes(&owned(&project)).await.unwrap_or_default() {
                    let _ = e.remove_volume(&v.name).await;
                }
                for i in images {
                    let _ = e.remove_image(&i).await;
                }
            });
        });
        let _ = cleaning.join();
    }
}

/// What ties a network or volume to the project, with its key.
fn resource_labels(project: &str, kind: &str, key: &str) -> HashMap<String, String> {
    HashMap::from([(labels::PROJECT.to_string(), project.to_string()), (kind.to_string(), key.to_string())])
}

fn network(project: &str, key: &str, name: &str) -> NetworkCreateRequest {
    let labels = Some(resource_labels(project, labels::NETWORK, key));
    NetworkCreateRequest { name: name.to_string(), labels, ..Default::default() }
}

fn volume(project: &str, key: &str, name: &str) -> VolumeCreateOptions {
    let labels = Some(resource_labels(project, labels::VOLUME, key));
    VolumeCreateOptions { name: Some(name.to_string()), labels, ..Default::default() }
}

/// Replica `number` of a service: its image (or the one its build is tagged with), command
/// and tty, on its first network, labelled as the project's.
fn container(project: &Arc<Project>, service: &str, number: u32) -> ContainerCreate {
    let s = project.services.get(service).unwrap();
    let labels = HashMap::from([
        (labels::PROJECT.to_string(), project.name.clone()),
        (labels::SERVICE.to_string(), service.to_string()),
        (labels::CONTAINER_NUMBER.to_string(), number.to_string()),
        (labels::ONEOFF.to_string(), "False".to_string()),
        (labels::CONFIG_HASH.to_string(), "0".repeat(64)),
    ]);
    let network = s.networks.keys().next().and_then(|key| project.networks.get(key)?.name.clone());
    let body = ContainerCreateBody {
        image: Some(s.image.clone().unwrap_or_else(|| format!("{}-{service}", project.name))),
        cmd: s.command.clone(),
        tty: Some(s.tty),
        labels: Some(labels),
        host_config: Some(HostConfig { network_mode: network, ..Default::default() }),
        ..Default::default()
    };
    ContainerCreate {
        name: format!("{}-{service}-{number}", project.name),
        body,
        extra_networks: Vec::new(),
        platform: None,
        files: Vec::new().into(),
    }
}

async fn wait_for_state(e: &DockerEngine, id: &str, state: RunState) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while e.container_status(id).await.unwrap().state != state {
        assert!(
            Instant::now() < deadline,
            "container {id} never reached {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn networks_and_volumes_are_created_listed_and_removed() {
    let e = engine().await;
    let name = unique_project();
    let _cleanup = Cleanup {
        project: name.clone(),
        images: vec![],
    };
    let net = format!("{name}_default");
    let vol = format!("{name}_data");

    e.create_network(&network(&name, "default", &net)).await.unwrap();
    e.create_volume(&volume(&name, "data", &vol)).await.unwrap();
    let networks = project_networks(&e, &name).await;
    assert_eq!(
        networks.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        [net.as_str()]
    );
    assert_eq!(
        networks[0].labels.get(labels::NETWORK).map(String::as_str),
        Some("default")
    );
    let volumes = e.list_volumes(&owned(&name)).await.unwrap();
    assert_eq!(
        volumes.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        [vol.as_str()]
    );
    assert!(e.network_exists(&net).await.unwrap());
    assert!(e.volume_exists(&vol).await.unwrap());

    e.remove_network(&net).await.unwrap();
    e.remove_volume(&vol).await.unwrap();
    assert!(!e.network_exists(&net).await.unwrap());
    assert!(!e.volume_exists(&vol).await.unwrap());
    assert!(project_networks(&e, &name).await.is_empty());
    let missing = e.remove_volume(&vol).await.unwrap_err();
    assert_eq!(missing.kind, Kind::NotFound, "{missing}");
}

#[tokio::test]
async fn a_container_runs_logs_shows_in_ps_and_goes_away() {
    let e = engine().await;
    let name = unique_project();
    let _cleanup = Cleanup {
        project: name.clone(),
        images: vec![],
    };
    let p = project(
        &name,
        "  web:\n    image: busybox:latest\n    command: [sh, -c, 'echo out; echo err >&2; exec sleep 300']\n    networks: {default: null}\n",
    );
    e.create_network(&network(&name, "default", &format!("{name}_default"))).await.unwrap();
    let spec = container(&p, "web", 1);
    let id = e.create_container(&spec).await.unwrap();

    let listed = e.list_containers(&owned(&name)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].service.as_str(), listed[0].number, listed[0].oneoff),
        ("web", 1, false)
    );
    assert_eq!(listed[0].state, RunState::Created);
    let image_id = e.image_id("busybox:latest").await.unwrap().unwrap();
    assert_eq!(listed[0].image_id, image_id);

    e.start_container(&id).await.unwrap();
    wait_for_state(&e, &id, RunState::Running).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut logs = String::new();
    while !(logs.contains("out") && logs.contains("err")) && Instant::now() < deadline {
        logs = e.logs_tail(&id, 10).await.unwrap();
    }
    assert_eq!(
        logs.lines().collect::<std::collections::BTreeSet<_>>(),
        ["err", "out"].into()
    );
    assert_eq!(e.logs_tail(&id, 1).await.unwrap().lines().count(), 1);

    let ps = e.ps(&owned(&name)).await.unwrap();
    assert_eq!(ps.len(), 1);
    let entry = &ps[0];
    assert_eq!(
        (entry.name.as_str(), entry.image.as_str(), entry.service.as_str()),
        (spec.name.as_str(), "busybox:latest", "web")
    );
    assert_eq!(entry.command, "sh -c 'echo out; echo err >&2; exec sleep 300'");
    assert!(entry.status.starts_with("Up "), "{}", entry.status);
    assert_eq!(
        (entry.state, entry.exit_code, entry.networks.clone()),
        (RunState::Running, 0, vec![format!("{name}_default")])
    );

    // A network with a container on it is refused for a while, then reported.
    let busy = e.remove_network(&format!("{name}_default")).await.unwrap_err();
    assert_eq!(busy.kind, Kind::Conflict, "{busy}");

    let renamed = format!("{name}-web-renamed");
    e.rename_container(&id, &renamed).await.unwrap();
    e.stop_container(&id, Some(1)).await.unwrap();
    let status = e.container_status(&id).await.unwrap();
    assert_eq!(status.state, RunState::Exited);
    assert_eq!(status.exit_code, Some(137));
    let ps = e.ps(&owned(&name)).await.unwrap();
    assert_eq!((ps[0].name.as_str(), ps[0].exit_code), (renamed.as_str(), 137));
    assert!(ps[0].status.starts_with("Exited (137)"), "{}", ps[0].status);

    e.remove_container(&id, true).await.unwrap();
    assert!(e.list_containers(&owned(&name)).await.unwrap().is_empty());
    e.remove_network(&format!("{name}_default")).await.unwrap();
}

#[tokio::test]
async fn tty_containers_have_logs_too() {
    let e = engine().await;
    let name = unique_project();
    let _cleanup = Cleanup {
        project: name.clone(),
        images: vec![],
    };
    let p = project(&name, "  t:\n    image: busybox:latest\n    tty: true\n    command: [sh, -c, 'echo one; echo two; exit 4']\n");
    let id = e.create_container(&container(&p, "t", 1)).await.unwrap();
    e.start_container(&id).await.unwrap();
    wait_for_state(&e, &id, RunState::Exited).await;
    assert_eq!(e.container_status(&id).await.unwrap().exit_code, Some(4));
    assert_eq!(e.logs_tail(&id, 1).await.unwrap().trim_end_matches('\r'), "two");
}

fn write(dir: &Path, path: &str, content: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

#[tokio::test]
async fn an_image_builds_from_a_filtered_context_and_runs() {
    let e = engine().await;
    let name = unique_project();
    let image = format!("{name}-app");
    let extra = format!("{name}-extra:1");
    let _cleanup = Cleanup {
        project: name.clone(),
        images: vec![image.clone(), extra.clone()],
    };
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ctx/build/Dockerfile",
        "FROM busybox:latest\nARG A\nRUN echo \"a=$A\" > /a\nCOPY . /ctx/\n",
    );
    write(dir.path(), "ctx/.dockerignore", "secret\n*.tmp\n");
    write(dir.path(), "ctx/secret/key", "x");
    write(dir.path(), "ctx/x.tmp", "x");
    write(dir.path(), "ctx/kept.txt", "kept");
    let context = dir.path().join("ctx");
    let services = format!(
        "  app:\n    build: {{context: '{}', dockerfile: build/Dockerfile, args: {{A: one}}, tags: ['{extra}'], labels: {{x.y: z}}}}\n    command: [sh, -c, 'cat /a; ls -A /ctx | sort']\n",
        context.display()
    );
    let p = project(&name, &services);
    let spec = BuildSpec {
        project: p.clone(),
        service: "app".into(),
        image: image.clone(),
        labels: [("x.y".to_string(), "z".to_string())].into(),
        no_cache: true,
        pull: false,
    };
    e.build_image(&spec).await.unwrap();
    let id = e.image_id(&image).await.unwrap().expect("the image is tagged");
    assert_eq!(e.image_id(&extra).await.unwrap(), Some(id));

    let c = e.create_container(&container(&p, "app", 1)).await.unwrap();
    e.start_container(&c).await.unwrap();
    wait_for_state(&e, &c, RunState::Exited).await;
    let logs = e.logs_tail(&c, 20).await.unwrap();
    // The daemon leaves out the Dockerfile and .dockerignore only when they are ignored.
    assert_eq!(
        logs.lines().collect::<Vec<_>>(),
        ["a=one", ".dockerignore", "build", "kept.txt"],
        "{logs}"
    );
}

#[tokio::test]
async fn a_failing_build_says_which_image_and_why() {
    let e = engine().await;
    let name = unique_project();
    let image = format!("{name}-bad");
    let _cleanup = Cleanup {
        project: name.clone(),
        images: vec![image.clone()],
    };
    let dir = tempfile::tempdir().unwrap();
    let services = format!(
        "  bad:\n    build: {{context: '{}', dockerfile_inline: \"FROM busybox:latest\\nRUN exit 3\\n\"}}\n",
        dir.path().display()
    );
    let p = project(&name, &services);
    let spec = BuildSpec {
        project: p,
        service: "bad".into(),
        image: image.clone(),
        labels: Default::default(),
        no_cache: false,
        pull: false,
    };
    let err = e.build_image(&spec).await.unwrap_err();
    assert!(
        err.message
            .contains(&format!("building image \"{image}\" for service \"bad\"")),
        "{err}"
    );
    // BuildKit's words for the failed step (the classic builder said "returned a non-zero code").
    assert!(err.message.contains("exit code: 3"), "{err}");
}

#[tokio::test]
async fn missing_images_are_none_and_pulls_fail_clearly() {
    let e = engine().await;
    let missing = format!("{}-no-such-image", unique_project());
    assert_eq!(e.image_id(&missing).await.unwrap(), None);
    let err = e.pull_image(&missing, None).await.unwrap_err();
    assert!(
        err.message
            .starts_with(&format!("pulling image \"{missing}:latest\": ")),
        "{err}"
    );
}

//! Rollback planning from plain values: what is read back, what is planned, what stops it.

use std::collections::BTreeMap;

use super::*;
use crate::containers::observe::RunState;
use crate::model::Project;
use crate::plan::Operation;

/// Parsed, canonicalised and bound, as the loader does with one file.
fn load(yaml: &str) -> Project {
    let file = std::path::Path::new("compose.yaml");
    let parsed = crate::load::yaml::parse(file, &format!("name: p\n{yaml}")).unwrap();
    let (value, problems) = crate::load::canonical::canonicalize(parsed.value, file);
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    crate::load::bind::bind(value).unwrap()
}

const NOW: &str = "services:\n  web:\n    image: app:2\n    environment: {V: '2'}\n    networks: [front]\n  db:\n    image: busybox\nnetworks:\n  front: {}\n";
const BEFORE: &str = "services:\n  web:\n    image: app:1\n    environment: {V: '1'}\n    networks: [front]\n  db:\n    image: busybox\nnetworks:\n  front: {}\n";

fn applied(yaml: &str, service: &str) -> String {
    let d = desired(&load(yaml), &Origin::default(), &BTreeMap::new());
    d.service(service).unwrap().applied.clone()
}

fn container(service: &str, number: u32, labels: &[(&str, &str)], image: &str) -> ObservedContainer {
    ObservedContainer {
        id: format!("id-{service}-{number}"),
        name: format!("p-{service}-{number}"),
        service: service.into(),
        number,
        oneoff: false,
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        image_id: image.into(),
        state: RunState::Running,
        health: None,
        anonymous_volumes: BTreeMap::new(),
        networks: vec!["p_front".into()],
        named_volumes: vec![],
        created: 0,
    }
}

/// web updated from BEFORE to NOW (its container records BEFORE and sha256:one); db made by
/// a first up, recording nothing.
fn observed(app1: &str) -> Observed {
    let (now, before) = (applied(NOW, "web"), applied(BEFORE, "web"));
    let web = container(
        "web",
        1,
        &[(labels::APPLIED, &now), (labels::PREVIOUS, &before), (labels::PREVIOUS_IMAGE, "sha256:one")],
        "sha256:two",
    );
    let db = container("db", 1, &[(labels::APPLIED, &applied(NOW, "db"))], "sha256:bb");
    let images = [("app:1", app1), ("sha256:one", "sha256:one"), ("app:2", "sha256:two"), ("busybox", "sha256:bb")];
    let front = &desired(&load(NOW), &Origin::default(), &BTreeMap::new()).networks[0];
    let network = crate::containers::observe::ObservedNetwork {
        name: front.name.clone(),
        labels: BTreeMap::from([(labels::PROJECT.to_string(), "p".to_string()), (labels::CONFIG_HASH.to_string(), front.hash.clone())]),
        ..Default::default()
    };
    Observed {
        containers: vec![web, db],
        networks: vec![network],
        images: images.iter().filter(|(_, id)| !id.is_empty()).map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Observed::default()
    }
}

fn planned(app1: &str, opts: &RollbackOptions) -> Result<Rollback, Vec<String>> {
    let project = load(NOW);
    let o = observed(app1);
    let (records, _) = records(&project, &o, &opts.services, crate::load::recorded::service)?;
    plan(&project, &Origin::default(), &o, &records, opts)
}

fn actions(r: &Rollback) -> Vec<String> {
    r.plan.actions.iter().map(|a| format!("{} {} {}", a.op.verb(), a.resource, a.reason)).collect()
}

fn recreated(r: &Rollback) -> Vec<&crate::containers::ops::NewContainer> {
    r.plan
        .actions
        .iter()
        .filter_map(|a| match &a.op {
            Op::RecreateContainer { new, .. } => Some(new),
            _ => None,
        })
        .collect()
}

#[test]
fn a_recorded_configuration_loads_back_exactly() {
    let rich = "services:\n  s:\n    image: busybox\n    command: [sh, -c, 'echo $$HOME']\n    environment: {A: '1', B: null}\n    \
                ports: ['8080:80/udp']\n    volumes: ['/h:/c:ro', 'data:/d']\n    healthcheck: {test: [CMD, 'true'], interval: 1m30s}\n    \
                deploy: {resources: {limits: {memory: 64M}}, update_config: {order: start-first}}\n    labels: {x: y}\n    \
                ulimits: {nofile: {soft: 1, hard: 2}}\n    tmpfs: [/run]\n    stop_grace_period: 3s\n    x-ext: 1\nvolumes:\n  data: {}\n";
    let project = load(rich);
    let s = &project.services["s"];
    let json = serde_json::to_string(&s.json_view()).unwrap();
    let back = crate::load::recorded::service("s", &json).unwrap();
    assert_eq!(back.json_view(), s.json_view());
    assert_eq!(crate::hash::config_hash(&back), crate::hash::config_hash(s));
}

#[test]
fn every_service_of_the_full_example_loads_back_with_its_hash() {
    let Some(fixture) = crate::conformance::path("fixtures/compose-go-full-example") else { return };
    let text = std::fs::read_to_string(fixture.join("full-example.yml")).unwrap().replace("${COMPOSE_PROJECT_NAME}", "x");
    // `load` names the project itself.
    let text: String = text.lines().filter(|l| !l.starts_with("name:")).map(|l| format!("{l}\n")).collect();
    let project = load(&text);
    for (name, s) in &project.services {
        let back = crate::load::recorded::service(name, &serde_json::to_string(&s.json_view()).unwrap()).unwrap();
        assert_eq!(back.json_view(), s.json_view(), "{name}");
        assert_eq!(crate::hash::config_hash(&back), crate::hash::config_hash(s), "{name}");
    }
}

#[test]
fn rolls_back_the_configuration_and_image_and_records_what_it_replaced() {
    let r = planned("sha256:one", &RollbackOptions::default()).unwrap();
    assert_eq!(
        actions(&r),
        [
            "recreate container:web:1 rollback to the version before the last change: environment.V: \"2\" → \"1\"; \
             image: \"app:2\" → \"app:1\"; image two → one",
            "start container:web:1 recreated",
        ],
        "db recorded nothing: left alone"
    );
    let new = recreated(&r)[0];
    let before = load(BEFORE);
    assert_eq!(new.labels[labels::CONFIG_HASH], crate::hash::config_hash(&before.services["web"]), "the hash of that version");
    assert_eq!(new.labels[labels::APPLIED], applied(BEFORE, "web"));
    assert_eq!(names::previous(&new.labels), Some((applied(NOW, "web").as_str(), "sha256:two")), "a second rollback returns");
    assert_eq!(new.image, None, "app:1 still names the recorded image");
    assert_eq!(r.project.services["web"].environment["V"].as_deref(), Some("1"));
}

#[test]
fn an_image_a_rebuild_moved_is_pinned_by_id() {
    let r = planned("sha256:rebuilt", &RollbackOptions::default()).unwrap();
    assert_eq!(recreated(&r)[0].image.as_deref(), Some("sha256:one"));
    assert_eq!(recreated(&r)[0].claim.image_id.as_deref(), Some("sha256:one"));
}

#[test]
fn a_service_with_nothing_recorded_fails_when_named_and_is_passed_over_otherwise() {
    let project = load(NOW);
    let o = observed("sha256:one");
    let (found, notes) = records(&project, &o, &[], crate::load::recorded::service).unwrap();
    assert_eq!(found.iter().map(|r| r.service.as_str()).collect::<Vec<_>>(), ["web"]);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].starts_with("service db: nothing recorded to roll back to"), "{notes:?}");
    let errors = records(&project, &o, &["db".to_string()], crate::load::recorded::service).unwrap_err();
    assert!(errors[0].starts_with("service db: nothing recorded"), "{errors:?}");
}

#[test]
fn nothing_is_planned_when_the_recorded_image_is_gone_or_a_network_no_longer_defined() {
    let project = load(NOW);
    let mut o = observed("");
    o.images.remove("sha256:one");
    let (found, _) = records(&project, &o, &[], crate::load::recorded::service).unwrap();
    let errors = plan(&project, &Origin::default(), &o, &found, &RollbackOptions::default()).unwrap_err();
    assert_eq!(
        errors,
        ["service web: the image to roll back to, sha256:one, is no longer present (removed or pruned); nothing was changed"]
    );
    let without_front = load("services:\n  web:\n    image: app:2\n  db:\n    image: busybox\n");
    let (found, _) = records(&without_front, &observed("sha256:one"), &[], crate::load::recorded::service).unwrap();
    let errors = plan(&without_front, &Origin::default(), &observed("sha256:one"), &found, &RollbackOptions::default()).unwrap_err();
    assert!(errors[0].contains("uses network front, which the project no longer defines"), "{errors:?}");
}

#[test]
fn the_scale_running_is_kept_and_prune_keeps_recorded_images() {
    let mut o = observed("sha256:one");
    let mut second = o.containers[0].clone();
    second.number = 2;
    (second.id, second.name) = ("id-web-2".into(), "p-web-2".into());
    second.labels.remove(labels::PREVIOUS);
    o.containers.push(second);
    let project = load(NOW);
    let (found, _) = records(&project, &o, &[], crate::load::recorded::service).unwrap();
    let r = plan(&project, &Origin::default(), &o, &found, &RollbackOptions::default()).unwrap();
    assert_eq!(recreated(&r).len(), 2, "both replicas, the one made by a scale-up too");
    assert_eq!(recorded_images(&o.containers), std::collections::BTreeSet::from(["sha256:one".to_string()]));
}

#[test]
fn the_files_rollback_config_orders_the_rollback() {
    let file = NOW.replace("    networks: [front]\n  db:", "    networks: [front]\n    deploy: {rollback_config: {order: start-first}}\n  db:");
    let project = load(&file);
    let o = observed("sha256:one");
    let (records, _) = records(&project, &o, &[], crate::load::recorded::service).unwrap();
    let r = plan(&project, &Origin::default(), &o, &records, &RollbackOptions::default()).unwrap();
    let made = actions(&r).into_iter().find(|a| a.starts_with("create container:web:")).unwrap_or_default();
    assert!(made.contains("start-first"), "made beside the running one: {}", actions(&r).join("\n"));
    assert!(recreated(&r).is_empty(), "no stop-first recreate");

    let stop_first = planned("sha256:one", &RollbackOptions::default()).unwrap();
    assert_eq!(recreated(&stop_first).len(), 1, "without rollback_config: the recorded version's own order");
}

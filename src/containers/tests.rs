//! Planner tests: plain values in, plan text out. No engine.

use std::collections::BTreeMap;

use super::desired::{desired, Desired, Origin};
use super::reconcile::{containers, images, UpOptions};
use super::teardown::{stop, teardown, DownOptions};
use crate::plan::{Operation, Plan};
use crate::containers::names;
use crate::containers::ops::Op;
use crate::labels;
use crate::containers::observe::{Observed, ObservedContainer, ObservedNetwork, RunState};

pub(super) fn project(yaml: &str) -> Desired {
    let mut value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    value["name"] = "p".into();
    let project = crate::load::bind::bind(value).unwrap();
    desired(&project, &Origin::default(), &BTreeMap::new())
}

const STACK: &str = r#"
services:
  db:
    image: busybox
    healthcheck: {test: ["CMD", "true"]}
    environment: {MODE: dev}
  web:
    image: busybox
    depends_on: {db: {condition: service_healthy, required: true}}
    networks: {default: null}
networks:
  default: {name: p_default}
"#;

/// What the engine would hold after a successful `up` of `d`.
pub(super) fn running(d: &Desired) -> Observed {
    let mut o = Observed { networks: d.networks.iter().map(made_network).collect(), ..Observed::default() };
    let network_name = |key: &String| d.networks.iter().find(|n| n.key == *key).map(|n| n.name.clone());
    for s in &d.services {
        o.images.insert(s.image.clone(), "sha256:img".into());
        for n in 1..=s.replicas {
            let mut labels = names::replica_labels(&s.labels, n, &s.applied);
            let shared = s.shares.iter().flat_map(|sh| &sh.services);
            let ids = shared.filter_map(|x| Some((x.clone(), format!("id-{}", d.shared_container(x)?)))).collect();
            names::set_config_hash(&mut labels, s.hash_with(&ids));
            let mut c = container(&s.name, n, &d.container_name(s, n), labels);
            c.networks = s.networks.iter().filter_map(network_name).collect();
            o.containers.push(c);
        }
    }
    o
}

/// A network as the engine shows it once made from its definition.
fn made_network(n: &super::desired::DesiredResource) -> ObservedNetwork {
    let definition = n.network.clone().unwrap_or_default();
    let mut labels = definition.labels.clone();
    labels.insert(labels::CONFIG_HASH.to_string(), n.hash.clone());
    ObservedNetwork {
        id: n.name.clone(),
        name: n.name.clone(),
        labels,
        driver: definition.driver.unwrap_or_else(|| "bridge".into()),
        ipam_driver: "default".into(),
        ..Default::default()
    }
}

pub(super) fn container(service: &str, n: u32, name: &str, labels: BTreeMap<String, String>) -> ObservedContainer {
    ObservedContainer {
        id: format!("id-{name}"),
        name: name.into(),
        service: service.into(),
        number: n,
        oneoff: false,
        labels,
        image_id: "sha256:img".into(),
        state: RunState::Running,
        health: None,
        anonymous_volumes: BTreeMap::new(),
        networks: vec![],
        named_volumes: vec![],
        created: 0,
    }
}

/// Replica 1 of `service` as a recreate finds it: id `id`, one anonymous volume at `/data`.
pub(super) fn replaced_container(service: &str, name: &str, id: &str) -> ObservedContainer {
    let mut c = container(service, 1, name, BTreeMap::new());
    c.id = id.into();
    c.anonymous_volumes = BTreeMap::from([("/data".to_string(), "anon123".to_string())]);
    c
}

pub(super) fn lines(p: &Plan<Op>) -> Vec<String> {
    p.to_string().lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

#[test]
fn cold_up_creates_everything_and_gates_on_health() {
    let d = project(STACK);
    let plan = containers(&d, &Observed::default(), &UpOptions::default()).unwrap();
    assert_eq!(
        lines(&plan),
        vec![
            "0 create network:default missing",
            "1 create container:db:1 no container",
            "2 start container:db:1 created (after 1)",
            // Created once its dependency exists (it may join its namespaces or volumes).
            "3 create container:web:1 no container (after 0, 1)",
            "4 wait service:db web depends on it (service_healthy) (after 2)",
            "5 start container:web:1 created (after 3, 4)",
        ]
    );
}

#[test]
fn a_network_made_twice_by_an_interrupted_run_keeps_one_and_containers_wait_for_the_other_to_go() {
    let d = project(STACK);
    let mut observed = running(&d);
    observed.containers.clear();
    observed.networks[0].labels.insert(labels::PROJECT.into(), "p".into());
    let mut late = observed.networks[0].clone();
    late.id = "z-late".into();
    observed.networks.push(late);
    let plan = containers(&d, &observed, &UpOptions::default()).unwrap();
    let text = lines(&plan);
    assert_eq!(text[0], "0 remove network:default a second network named p_default (an interrupted run's create)");
    assert!(matches!(&plan.actions[0].op, Op::RemoveNetwork { name } if name == "z-late"), "{plan}");
    assert!(text.contains(&"3 create container:web:1 no container (after 0, 1)".to_string()), "{text:?}");

    let down = teardown(Some(&d), &observed, &DownOptions::default());
    let removed: Vec<&Op> = down.actions.iter().map(|a| &a.op).filter(|op| matches!(op, Op::RemoveNetwork { .. })).collect();
    assert_eq!(removed.len(), 2, "each goes by its id: {down}");
}

#[test]
fn missing_images_are_pulled_once_each() {
    let d = project(STACK);
    let plan = images(&d, &Observed::default(), &UpOptions::default()).unwrap();
    assert_eq!(lines(&plan), vec!["0 pull image:busybox image missing"]);
}

#[test]
fn up_to_date_project_plans_nothing() {
    let d = project(STACK);
    let plan = containers(&d, &running(&d), &UpOptions::default()).unwrap();
    assert!(plan.is_empty(), "{plan}");
}

#[test]
fn changed_environment_recreates_exactly_that_service_and_says_why() {
    let before = project(STACK);
    let after = project(&STACK.replace("MODE: dev", "MODE: prod"));
    let plan = containers(&after, &running(&before), &UpOptions::default()).unwrap();
    let recreates: Vec<_> = plan.actions.iter().filter(|a| matches!(a.op, Op::RecreateContainer { .. })).collect();
    assert_eq!(recreates.len(), 1);
    assert_eq!(recreates[0].resource.to_string(), "container:db:1");
    assert_eq!(recreates[0].reason.to_string(), r#"environment.MODE: "dev" → "prod""#);
}

#[test]
fn container_made_by_another_tool_is_recreated_once_with_the_reason() {
    let d = project(STACK);
    let mut o = running(&d);
    for c in &mut o.containers {
        c.labels.remove(labels::APPLIED);
        c.labels.insert(labels::CONFIG_HASH.into(), "other".into());
    }
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert!(plan.actions[0].reason.to_string().contains("made by another tool"), "{plan}");
}

#[test]
fn stopped_container_is_started() {
    let d = project(STACK);
    let mut o = running(&d);
    o.containers[1].state = RunState::Exited;
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert_eq!(lines(&plan), vec!["0 wait service:db web depends on it (service_healthy)", "1 start container:web:1 container is exited (after 0)"]);
}

#[test]
fn scale_down_removes_the_highest_numbers_first() {
    let three = project("services: {w: {image: busybox, scale: 3}}");
    let one = project("services: {w: {image: busybox}}");
    let plan = containers(&one, &running(&three), &UpOptions::default()).unwrap();
    let removed: Vec<_> = plan.actions.iter().filter(|a| a.op.verb() == "remove").map(|a| a.resource.to_string()).collect();
    assert_eq!(removed, vec!["container:w:3", "container:w:2"]);
}

#[test]
fn orphans_are_reported_and_removed_only_when_asked() {
    let old = project("services: {a: {image: busybox}, gone: {image: busybox}}");
    let new = project("services: {a: {image: busybox}}");
    let plan = containers(&new, &running(&old), &UpOptions::default()).unwrap();
    assert!(plan.is_empty());
    assert!(plan.warnings[0].contains("p-gone-1"));
    let opts = UpOptions { remove_orphans: true, ..UpOptions::default() };
    let plan = containers(&new, &running(&old), &opts).unwrap();
    assert_eq!(lines(&plan), vec![
        "0 stop container:gone:1 orphan: its service is no longer in the project",
        "1 remove container:gone:1 orphan: its service is no longer in the project (after 0)",
    ]);
}

#[test]
fn exited_one_off_containers_are_orphans_and_running_ones_are_not() {
    let d = project("services: {a: {image: busybox}}");
    let mut o = running(&d);
    for (slug, state) in [("1", RunState::Exited), ("2", RunState::Running)] {
        let mut one = container("a", 1, &format!("p-a-run-{slug}"), BTreeMap::new());
        one.oneoff = true;
        one.state = state;
        o.containers.push(one);
    }
    let opts = UpOptions { remove_orphans: true, ..UpOptions::default() };
    assert_eq!(lines(&containers(&d, &o, &opts).unwrap()), vec![
        "0 stop container:a:1 orphan: an exited one-off container",
        "1 remove container:a:1 orphan: an exited one-off container (after 0)",
    ]);
}

#[test]
fn missing_external_network_is_an_error_before_anything_runs() {
    let d = project("services: {a: {image: busybox, networks: {ext: null}}}\nnetworks: {ext: {external: true, name: ext}}");
    let err = containers(&d, &Observed::default(), &UpOptions::default()).unwrap_err();
    assert_eq!(err, vec!["network ext declared as external, but could not be found"]);
}

#[test]
fn stop_stops_only_running_service_containers_dependents_first() {
    let d = project(STACK);
    let mut o = running(&d);
    o.containers[0].state = RunState::Exited;
    let plan = stop(Some(&d), &o, &[], Some(3), "stop");
    assert_eq!(lines(&plan), vec!["0 stop container:web:1 stop"]);
    let all = stop(Some(&d), &running(&d), &[], None, "stop");
    assert_eq!(lines(&all), vec!["0 stop container:web:1 stop", "1 stop container:db:1 stop (after 0)"]);
    let named = stop(Some(&d), &running(&d), &["db".to_string()], None, "stop");
    assert_eq!(lines(&named), vec!["0 stop container:db:1 stop"]);
}

#[test]
fn down_stops_dependents_first_then_removes_networks() {
    let d = project(STACK);
    let plan = teardown(Some(&d), &running(&d), &DownOptions::default());
    assert_eq!(
        lines(&plan),
        vec![
            "0 stop container:web:1 down",
            "1 stop container:db:1 down (after 0)",
            "2 remove container:db:1 down (after 1)",
            "3 remove container:web:1 down (after 0)",
            "4 remove network:p_default down (after 2, 3)",
        ]
    );
}

#[test]
fn force_recreate_and_renew_apply_to_the_named_services_and_always_recreate_deps_to_their_dependencies() {
    let d = project(STACK);
    let recreated = |opts: UpOptions| -> Vec<String> {
        let plan = containers(&d, &running(&d), &opts).unwrap();
        plan.actions
            .iter()
            .filter(|a| a.op.verb() == "recreate")
            .map(|a| a.resource.to_string())
            .collect()
    };
    let web = vec!["web".to_string()];
    assert_eq!(
        recreated(UpOptions {
            force_recreate: true,
            ..UpOptions::default()
        })
        .len(),
        2
    );
    assert_eq!(
        recreated(UpOptions {
            targets: web.clone(),
            force_recreate: true,
            ..UpOptions::default()
        }),
        vec!["container:web:1"]
    );
    assert_eq!(
        recreated(UpOptions {
            targets: web.clone(),
            renew_anon_volumes: true,
            ..UpOptions::default()
        }),
        vec!["container:web:1"]
    );
    assert_eq!(
        recreated(UpOptions {
            targets: web.clone(),
            always_recreate_deps: true,
            ..UpOptions::default()
        }),
        vec!["container:db:1"]
    );
    assert!(recreated(UpOptions {
        always_recreate_deps: true,
        ..UpOptions::default()
    })
    .is_empty());
}

#[test]
fn an_interrupted_recreate_is_finished_by_the_next_up() {
    let d = project(STACK);
    let aside = |o: &mut Observed| {
        let db = o.containers.iter_mut().find(|c| c.service == "db").unwrap();
        db.name = format!("0123456789ab_{}", db.name);
        db.state = RunState::Exited;
        db.id = "old".into();
    };
    // Renamed aside, the new container not made yet: recreate it from there.
    let mut o = running(&d);
    aside(&mut o);
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert!(plan.actions[0].reason.to_string().contains("interrupted recreate"), "{plan}");
    assert!(
        matches!(&plan.actions[0].op, Op::RecreateContainer { old, .. } if old.id == "old"),
        "{plan}"
    );

    // The new container made (created, not started) next to the old one: keep and start the
    // new one, remove the old one.
    let mut fresh = running(&d);
    fresh.containers[0].state = RunState::Created;
    o.containers.push(fresh.containers[0].clone());
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert_eq!(
        lines(&plan),
        vec![
            "0 start container:db:1 container is created",
            "1 stop container:db:1 a second container for replica 1 (left by an interrupted recreate)",
            "2 remove container:db:1 a second container for replica 1 (left by an interrupted recreate) (after 1)",
        ]
    );
    assert!(matches!(&plan.actions[2].op, Op::RemoveContainer { id, .. } if id == "old"));
}

#[test]
fn down_removes_orphans_and_removes_one_offs_only_with_remove_orphans() {
    let old = project("services: {a: {image: busybox}, gone: {image: busybox}}");
    let new = project("services: {a: {image: busybox}}");
    let mut o = running(&old);
    let mut oneoff = o.containers[0].clone();
    oneoff.oneoff = true;
    oneoff.name = "p-a-run-0123456789ab".into();
    oneoff.id = "id-run".into();
    o.containers.push(oneoff);
    let removed = |opts: &DownOptions| -> Vec<String> {
        let plan = teardown(Some(&new), &o, opts);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        plan.actions
            .iter()
            .filter_map(|a| match &a.op {
                Op::RemoveContainer { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(removed(&DownOptions::default()), vec!["p-a-1", "p-gone-1"]);
    let all = DownOptions { remove_orphans: true, ..DownOptions::default() };
    assert_eq!(removed(&all), vec!["p-a-1", "p-gone-1", "p-a-run-0123456789ab"]);
}

const NETS: &str = r#"
services:
  api: {image: busybox, networks: {back: null}, stop_grace_period: 3s, environment: {MODE: dev}}
  solo: {image: busybox, networks: {front: null}}
  web: {image: busybox, networks: {front: null, back: null}}
networks:
  front: {}
  back: {labels: {tier: one}}
"#;

#[test]
fn a_changed_network_is_made_anew_and_the_containers_on_it_reconnected_not_recreated() {
    let before = project(NETS);
    let after = project(&NETS.replace("tier: one", "tier: two"));
    let plan = containers(&after, &running(&before), &UpOptions::default()).unwrap();
    assert_eq!(
        lines(&plan),
        vec![
            "0 stop container:api:1 network back is recreated",
            "1 detach container:api:1 network back is recreated (after 0)",
            "2 stop container:web:1 network back is recreated",
            "3 detach container:web:1 network back is recreated (after 2)",
            r#"4 remove network:back labels.tier: "one" → "two" (after 1, 3)"#,
            r#"5 create network:back labels.tier: "one" → "two" (after 4)"#,
            "6 attach container:api:1 network p_back was recreated (after 5)",
            "7 start container:api:1 reconnected to a recreated network (after 6)",
            "8 attach container:web:1 network p_back was recreated (after 5)",
            "9 start container:web:1 reconnected to a recreated network (after 8)",
        ]
    );
    assert_eq!(plan.actions[0].op, Op::StopContainer { name: "p-api-1".into(), timeout: Some(3) });
}

#[test]
fn a_container_changed_with_its_network_is_recreated_on_the_new_network() {
    let before = project(NETS);
    let after = project(&NETS.replace("tier: one", "tier: two").replace("MODE: dev", "MODE: prod"));
    let plan = containers(&after, &running(&before), &UpOptions::default()).unwrap();
    let api: Vec<String> = lines(&plan).into_iter().filter(|l| l.contains("container:api")).collect();
    assert_eq!(
        api,
        vec![
            "0 stop container:api:1 network back is recreated",
            "1 detach container:api:1 network back is recreated (after 0)",
            r#"6 recreate container:api:1 environment.MODE: "dev" → "prod" (after 5)"#,
            "7 start container:api:1 recreated (after 6)",
        ]
    );
}

#[test]
fn a_network_without_a_config_hash_is_taken_as_it_is() {
    let before = project(NETS);
    let after = project(&NETS.replace("tier: one", "tier: two"));
    let mut o = running(&before);
    for n in &mut o.networks {
        n.labels.clear();
    }
    let plan = containers(&after, &o, &UpOptions::default()).unwrap();
    assert!(plan.is_empty(), "{plan}");
}

const SHARED: &str = r#"
services:
  base: {image: busybox, environment: {MODE: dev}}
  follower: {image: busybox, network_mode: "service:base", volumes_from: [base], depends_on: {base: {condition: service_started, required: true, restart: true}}}
"#;

#[test]
fn a_service_sharing_a_container_is_up_to_date_while_that_container_stays() {
    let d = project(SHARED);
    let plan = containers(&d, &running(&d), &UpOptions::default()).unwrap();
    assert!(plan.is_empty(), "{plan}");
}

#[test]
fn a_service_sharing_a_container_is_recreated_with_it() {
    let before = project(SHARED);
    let after = project(&SHARED.replace("MODE: dev", "MODE: prod"));
    let plan = containers(&after, &running(&before), &UpOptions::default()).unwrap();
    assert_eq!(
        lines(&plan),
        vec![
            r#"0 recreate container:base:1 environment.MODE: "dev" → "prod""#,
            "1 start container:base:1 recreated (after 0)",
            "2 recreate container:follower:1 it shares base's namespaces or volumes, and base gets a new container (after 0)",
            "3 wait service:base follower depends on it (service_started) (after 1)",
            "4 start container:follower:1 recreated (after 2, 3)",
        ]
    );
}

#[test]
fn a_service_sharing_a_replaced_container_is_recreated_and_says_why() {
    let d = project(SHARED);
    let mut o = running(&d);
    o.containers.iter_mut().filter(|c| c.service == "base").for_each(|c| c.id = "id-new".into());
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert_eq!(plan.actions[0].resource.to_string(), "container:follower:1");
    assert_eq!(plan.actions[0].reason.to_string(), "a container it shares namespaces or volumes with was replaced");
}

const VOLUME: &str = r#"
services:
  a: {image: busybox, volumes: [{type: volume, source: data, target: /data}]}
  b: {image: busybox}
volumes:
  data: {labels: {tier: one}}
"#;

/// What the engine holds after `up` of VOLUME: the volume labelled with its hash, mounted by `a`.
fn with_volume(d: &Desired) -> Observed {
    let mut o = running(d);
    for v in &d.volumes {
        let labels = BTreeMap::from([(labels::CONFIG_HASH.to_string(), v.hash.clone())]);
        o.volumes.push(crate::containers::observe::ObservedVolume { name: v.name.clone(), labels, ..Default::default() });
    }
    o.containers.iter_mut().filter(|c| c.service == "a").for_each(|c| c.named_volumes = vec!["p_data".into()]);
    o
}

#[test]
fn a_changed_volume_is_kept_with_a_warning_and_recreated_only_with_yes() {
    let before = project(VOLUME);
    let after = project(&VOLUME.replace("tier: one", "tier: two"));
    assert!(containers(&before, &with_volume(&before), &UpOptions::default()).unwrap().is_empty());
    let kept = containers(&after, &with_volume(&before), &UpOptions::default()).unwrap();
    assert!(kept.is_empty(), "{kept}");
    assert!(kept.warnings[0].contains("volume \"p_data\" exists but doesn't match"), "{:?}", kept.warnings);
    let yes = UpOptions { recreate_volumes: true, ..UpOptions::default() };
    let plan = containers(&after, &with_volume(&before), &yes).unwrap();
    assert_eq!(
        lines(&plan),
        vec![
            "0 stop container:a:1 volume data is recreated",
            "1 remove container:a:1 volume data is recreated (after 0)",
            "2 remove volume:data its configuration changed (-y: recreated, its data is lost) (after 1)",
            "3 create volume:data its configuration changed (-y: recreated, its data is lost) (after 2)",
            "4 create container:a:1 no container (after 3)",
            "5 start container:a:1 created (after 4)",
        ]
    );
}

#[test]
fn a_network_of_the_same_name_made_by_hand_is_used_with_a_warning() {
    let d = project(STACK);
    let mut o = running(&d);
    o.networks.clear();
    o.foreign_networks.insert("p_default".into(), None);
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert!(plan.is_empty(), "{plan}");
    assert!(plan.warnings[0].starts_with("a network with name p_default exists but was not created by compose"));
}

#[test]
fn a_changed_network_used_by_services_left_out_of_the_run_is_an_error_before_anything_runs() {
    let before = project(NETS);
    let mut after = project(&NETS.replace("tier: one", "tier: two"));
    after.services.retain(|s| s.name == "web");
    let errors = containers(&after, &running(&before), &UpOptions::default()).unwrap_err();
    assert_eq!(
        errors,
        vec!["network p_back changed and must be made anew, but services this up leaves alone use it (api): \
              name them too, or run up for the whole project"]
    );
}

#[test]
fn a_container_off_one_of_its_networks_is_recreated_and_says_which() {
    let d = project(NETS);
    let mut o = running(&d);
    let web = o.containers.iter_mut().find(|c| c.service == "web").unwrap();
    web.networks.retain(|n| n != "p_back");
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert_eq!(lines(&plan), vec!["0 recreate container:web:1 network back not attached", "1 start container:web:1 recreated (after 0)"]);
}

#[test]
fn sharing_with_a_service_that_has_no_container_is_an_error_before_anything_runs() {
    let mut d = project(SHARED);
    let mut o = running(&d);
    o.containers.retain(|c| c.service != "base");
    d.services.retain(|s| s.name == "follower");
    assert_eq!(
        containers(&d, &o, &UpOptions::default()).unwrap_err(),
        vec![
            "cannot share network namespace with service base: container missing",
            "cannot share volume with service base: container missing"
        ]
    );
}

#[test]
fn a_container_without_one_of_its_named_volumes_is_recreated_and_says_which() {
    let d = project(VOLUME);
    let mut o = with_volume(&d);
    o.containers.iter_mut().filter(|c| c.service == "a").for_each(|c| c.named_volumes = vec!["other".into()]);
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert_eq!(lines(&plan), vec!["0 recreate container:a:1 volume data (p_data) not mounted", "1 start container:a:1 recreated (after 0)"]);
}

#[test]
fn scaling_down_drops_outdated_replicas_before_up_to_date_ones() {
    let before = project("services: {w: {image: busybox, scale: 4}}");
    let mut o = running(&before);
    for c in o.containers.iter_mut().filter(|c| c.number <= 2) {
        c.image_id = "sha256:old".into();
    }
    let after = project("services: {w: {image: busybox, scale: 2}}");
    let plan = containers(&after, &o, &UpOptions::default()).unwrap();
    assert_eq!(lines(&plan), vec![
        "0 stop container:w:2 scaled to 2",
        "1 remove container:w:2 scaled to 2 (after 0)",
        "2 stop container:w:1 scaled to 2",
        "3 remove container:w:1 scaled to 2 (after 2)",
    ]);
    // `--wait` and dependency gates wait on the replicas kept, not on 1..=2.
    assert_eq!(plan.replicas["w"].containers, ["p-w-3", "p-w-4"]);
}

#[test]
fn gates_and_up_wait_name_the_replicas_the_service_has_after_the_plan() {
    let yaml = r#"
services:
  db: {image: busybox, scale: 3, healthcheck: {test: ["CMD", "true"]}}
  init: {image: busybox}
  web:
    image: busybox
    depends_on:
      db: {condition: service_healthy, required: true}
      init: {condition: service_completed_successfully, required: true}
"#;
    let mut o = running(&project(yaml));
    o.containers.retain(|c| !(c.service == "db" && c.number == 1));
    for c in o.containers.iter_mut().filter(|c| c.service == "web") {
        c.state = RunState::Exited;
    }
    let d = project(&yaml.replace("scale: 3", "scale: 2"));
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    let gate = plan.actions.iter().find_map(|a| match &a.op {
        Op::AwaitService { service, containers, .. } if service == "db" => Some(containers.clone()),
        _ => None,
    });
    assert_eq!(gate, Some(vec!["p-db-2".to_string(), "p-db-3".to_string()]));
    assert_eq!(plan.replicas["db"].containers, ["p-db-2", "p-db-3"]);
    assert!(!plan.replicas["db"].completes && !plan.replicas["web"].completes);
    assert!(plan.replicas["init"].completes, "init is waited on to complete");
}

/// `SECRETS` with the variables set as given.
fn with_values(values: &[(&str, &str)]) -> Desired {
    let mut value: serde_yaml::Value = serde_yaml::from_str(SECRETS).unwrap();
    value["name"] = "p".into();
    let mut project = crate::load::bind::bind(value).unwrap();
    let env = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::load::environment::read_file_values(&mut project, &env);
    desired(&project, &Origin::default(), &BTreeMap::new())
}

const SECRETS: &str = r#"
services:
  app:
    image: busybox
    secrets: [{source: token, target: /run/secrets/token}]
secrets:
  token: {name: p_token, environment: TOKEN}
"#;

fn files_of(plan: &Plan<Op>, verb: &str) -> Vec<String> {
    let files = plan
        .actions
        .iter()
        .filter(|a| a.op.verb() == verb)
        .flat_map(|a| match &a.op {
            Op::CreateContainer(new) | Op::RecreateContainer { new, .. } | Op::StartContainer(new) => new
                .files
                .iter()
                .map(|f| format!("{} {}", f.target, f.content.expose()))
                .collect(),
            _ => Vec::new(),
        });
    files.collect()
}

#[test]
fn a_new_container_gets_its_secrets_at_create_and_a_stopped_one_again_before_its_start() {
    let d = with_values(&[("TOKEN", "s3cret")]);
    let plan = containers(&d, &Observed::default(), &UpOptions::default()).unwrap();
    assert_eq!(files_of(&plan, "create"), ["/run/secrets/token s3cret"]);
    assert!(
        files_of(&plan, "start").is_empty(),
        "written once, at create"
    );
    assert!(!plan.to_string().contains("s3cret"), "{plan}");

    let mut o = running(&d);
    o.containers[0].state = RunState::Exited;
    let plan = containers(&d, &o, &UpOptions::default()).unwrap();
    assert_eq!(files_of(&plan, "start"), ["/run/secrets/token s3cret"]);
    // A new value is a new container, which gets it at create.
    let plan = containers(&with_values(&[("TOKEN", "new")]), &o, &UpOptions::default()).unwrap();
    assert_eq!(files_of(&plan, "recreate"), ["/run/secrets/token new"]);
}

#[test]
fn an_unset_variable_fails_the_plan_only_when_a_container_needs_it() {
    let d = with_values(&[]);
    let errors = containers(&d, &Observed::default(), &UpOptions::default()).unwrap_err();
    assert_eq!(
        errors,
        [r#"service "app": environment variable "TOKEN" required by secret "p_token" is not set"#]
    );
    assert!(containers(&d, &running(&d), &UpOptions::default())
        .unwrap()
        .is_empty());
}

#[test]
fn down_of_named_services_removes_only_their_containers_and_keeps_networks_and_volumes() {
    let d = project(STACK);
    let mut o = running(&d);
    o.volumes.push(crate::containers::observe::ObservedVolume { name: "p_data".into(), ..Default::default() });
    let opts = DownOptions { services: vec!["web".into()], volumes: true, ..DownOptions::default() };
    let plan = teardown(Some(&d), &o, &opts);
    assert_eq!(lines(&plan), vec!["0 stop container:web:1 down", "1 remove container:web:1 down (after 0)"]);
    let whole = teardown(Some(&d), &o, &DownOptions { volumes: true, ..DownOptions::default() });
    assert!(lines(&whole).iter().any(|l| l.contains("network:p_default")) && lines(&whole).iter().any(|l| l.contains("volume:p_data")));
}

#[test]
fn a_plan_for_some_services_leaves_the_others_and_their_containers_alone() {
    let d = project(STACK);
    let mut o = running(&d);
    o.containers.retain(|c| c.service == "web");
    let only = UpOptions { only: Some(vec!["db".into()]), ..UpOptions::default() };
    let plan = containers(&d, &o, &only).unwrap();
    assert!(plan.actions.iter().all(|a| !a.resource.to_string().contains("web")), "{plan}");
    assert!(plan.actions.iter().any(|a| a.resource.to_string() == "container:db:1"), "{plan}");
    let mut just_db = d.clone();
    just_db.services.retain(|s| s.name == "db");
    assert_eq!(plan, containers(&just_db, &o, &UpOptions::default()).unwrap());
    let none = UpOptions { only: Some(vec![]), ..UpOptions::default() };
    assert!(containers(&d, &o, &none).unwrap().is_empty());
}

#[test]
fn only_the_images_of_the_services_planned_are_fetched() {
    let d = project(&STACK.replace("web:\n    image: busybox", "web:\n    image: busybox:musl"));
    let only_db = UpOptions { only: Some(vec!["db".into()]), ..UpOptions::default() };
    assert_eq!(lines(&images(&d, &Observed::default(), &only_db).unwrap()), vec!["0 pull image:busybox image missing"]);
    assert_eq!(images(&d, &Observed::default(), &UpOptions::default()).unwrap().actions.len(), 2);
}

const CONTENT: &str = r#"
services:
  app:
    image: busybox
    configs: [{source: app_settings}, {source: rules, target: /etc/rules}]
    secrets: [{source: token}]
  other:
    image: busybox
    configs: [{source: shared}]
configs:
  app_settings: {content: "mode=CONTENT"}
  rules: {file: /p/rules.txt}
  shared: {content: "x"}
secrets:
  token: {environment: TOKEN}
"#;

/// `CONTENT` with `app_settings` holding `settings`, `TOKEN` set to `token` and the rules
/// file read as holding `rules`.
fn with_content(settings: &str, token: &str, rules: &str) -> Desired {
    let mut value: serde_yaml::Value = serde_yaml::from_str(&CONTENT.replace("CONTENT", settings)).unwrap();
    value["name"] = "p".into();
    let mut project = crate::load::bind::bind(value).unwrap();
    let env = BTreeMap::from([("TOKEN".to_string(), token.to_string())]).into_iter().collect();
    crate::load::environment::read_file_values(&mut project, &env);
    if let Some(r) = project.configs.get_mut("rules") {
        r.file_digest = Some(crate::hash::content_digest(rules.as_bytes()));
    }
    desired(&project, &Origin::default(), &BTreeMap::new())
}

#[test]
fn a_changed_config_or_secret_recreates_only_the_services_using_it() {
    let o = running(&with_content("dev", "t1", "r1"));
    let plan = containers(&with_content("prod", "t1", "r1"), &o, &UpOptions::default()).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "0 recreate container:app:1 config app_settings: content changed",
            "1 start container:app:1 recreated (after 0)",
        ]
    );
    let plan = containers(&with_content("dev", "t2", "r2"), &o, &UpOptions::default()).unwrap();
    assert_eq!(
        lines(&plan)[0],
        "0 recreate container:app:1 secret token: content changed; config rules: content changed"
    );
    assert!(!plan.to_string().contains("t2"), "{plan}");
}

#[test]
fn unchanged_content_plans_nothing_and_keeps_the_config_hash() {
    let d = with_content("dev", "t1", "r1");
    assert!(containers(&d, &running(&d), &UpOptions::default()).unwrap().is_empty());
    let changed = with_content("prod", "t2", "r2");
    assert_eq!(d.service("app").unwrap().hash, changed.service("app").unwrap().hash, "the reference's hash");
    assert_ne!(d.service("app").unwrap().labels, changed.service("app").unwrap().labels);
    assert!(!d.service("other").unwrap().labels[labels::CONTENT].contains("token"));
}

#[test]
fn a_container_without_the_content_label_is_not_recreated_for_its_content() {
    let mut o = running(&with_content("dev", "t1", "r1"));
    for c in &mut o.containers {
        c.labels.remove(labels::CONTENT);
    }
    let plan = containers(&with_content("prod", "t2", "r2"), &o, &UpOptions::default()).unwrap();
    assert!(plan.is_empty(), "{plan}");
}

#[test]
fn content_unknown_on_either_side_recreates_nothing() {
    let o = running(&with_content("dev", "t1", "r1"));
    let mut d = with_content("prod", "t1", "r1");
    for s in &mut d.services {
        s.content.retain(|c| c.key != "app_settings");
    }
    assert!(containers(&d, &o, &UpOptions::default()).unwrap().is_empty());
}

#[test]
fn down_rmi_keeps_an_image_a_staying_container_records_for_rollback() {
    let d = project("services:\n  web:\n    build: {context: .}\n  worker:\n    image: busybox\n");
    let mut o = running(&d);
    let rmi = |services: &[&str]| DownOptions {
        images: Some(super::teardown::RemoveImages::Local),
        services: services.iter().map(|s| s.to_string()).collect(),
        ..DownOptions::default()
    };
    let removes_image = |p: &Plan<Op>| p.actions.iter().any(|a| matches!(a.op, Op::RemoveImage { .. }));
    assert!(removes_image(&teardown(Some(&d), &o, &rmi(&["web"]))));
    let worker = o.containers.iter_mut().find(|c| c.service == "worker").unwrap();
    worker.labels.insert(labels::PREVIOUS.into(), "{}".into());
    worker.labels.insert(labels::PREVIOUS_IMAGE.into(), "sha256:img".into());
    let plan = teardown(Some(&d), &o, &rmi(&["web"]));
    assert!(!removes_image(&plan), "{plan}");
    assert_eq!(plan.warnings, ["image p-web is kept: a container that stays records it as the one to roll back to"]);
    assert!(removes_image(&teardown(Some(&d), &o, &rmi(&[]))), "the whole project down: nothing records it any more");
}

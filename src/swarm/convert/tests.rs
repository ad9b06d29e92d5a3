//! Conversion tests: a project in canonical form in, specs and warnings out. No engine.

use super::*;
use crate::swarm::observe::{Observed, ObservedNetwork, ObservedObject, ObservedService};
use crate::swarm::ops::Op;
use crate::swarm::reconcile::{self, reconcile};

const API: Options = Options { api: (1, 41) };

fn project(yaml: &str) -> Project {
    let mut value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    value["name"] = "app".into();
    crate::load::bind::bind(value).unwrap()
}

fn contents(p: &Project) -> Contents {
    let text = |o: &FileObject| o.content.as_ref().map(|c| c.expose().as_bytes().to_vec()).unwrap_or_default();
    Contents {
        configs: p.configs.iter().map(|(k, o)| (k.clone(), text(o))).collect(),
        secrets: p.secrets.iter().map(|(k, o)| (k.clone(), text(o))).collect(),
    }
}

fn stack(yaml: &str) -> Stack {
    let p = project(yaml);
    convert(&p, &contents(&p), API).unwrap()
}

const WEB: &str = r#"
services:
  web:
    image: busybox:latest
    command: [sleep, "300"]
    entrypoint: [sh, -c]
    environment: {MODE: dev, EMPTY: null}
    labels: {a: b}
    restart: always
    stop_grace_period: 30s
    extra_hosts: {db.local: ["10.0.0.2"]}
    ports: [{target: 80, published: "8080", mode: host, protocol: tcp}]
    volumes: [{type: volume, source: data, target: /data}]
    configs: [{source: settings, target: /etc/settings}]
    secrets: [{source: token, target: /run/secrets/token}]
    networks: {front: {aliases: [w]}}
    depends_on: {db: {condition: service_healthy, required: true}}
    deploy: {replicas: 2, endpoint_mode: dnsrr, labels: {x: y}}
  db:
    image: busybox:latest
    healthcheck: {test: [CMD, "true"], interval: 1s}
volumes:
  data: {}
networks:
  front: {}
configs:
  settings: {content: "one"}
secrets:
  token: {content: "s3cret"}
"#;

#[test]
fn services_are_named_and_labelled_as_docker_stack_names_them() {
    let s = stack(WEB);
    let web = &s.services["web"];
    assert_eq!(web.name, "app_web");
    let spec = serde_json::to_value(&web.spec).unwrap();
    assert_eq!(
        spec["Labels"],
        serde_json::json!({"com.docker.stack.image": "busybox:latest", "com.docker.stack.namespace": "app", "x": "y"})
    );
    let c = &spec["TaskTemplate"]["ContainerSpec"];
    assert_eq!(c["Labels"], serde_json::json!({"a": "b", "com.docker.stack.namespace": "app"}));
    assert_eq!(c["Command"], serde_json::json!(["sh", "-c"]));
    assert_eq!(c["Args"], serde_json::json!(["sleep", "300"]));
    assert_eq!(c["Env"], serde_json::json!(["EMPTY", "MODE=dev"]));
    assert_eq!(c["Hosts"], serde_json::json!(["10.0.0.2 db.local"]));
    assert_eq!(c["StopGracePeriod"], 30_000_000_000u64);
    assert_eq!(c["Mounts"][0]["Source"], "app_data");
    assert_eq!(c["Mounts"][0]["VolumeOptions"]["Labels"]["com.docker.stack.namespace"], "app");
    assert_eq!(c["Secrets"][0]["File"], serde_json::json!({"Name": "token", "UID": "0", "GID": "0", "Mode": 292}));
    assert!(c["Configs"][0]["ConfigName"].as_str().unwrap().starts_with("app_settings_"));
    let t = &spec["TaskTemplate"];
    assert_eq!(t["RestartPolicy"]["Condition"], "any");
    assert_eq!(t["Networks"], serde_json::json!([{"Target": "app_front", "Aliases": ["w", "web"]}]));
    assert_eq!(spec["Mode"], serde_json::json!({"Replicated": {"Replicas": 2}}));
    assert_eq!(
        spec["EndpointSpec"],
        serde_json::json!({"Mode": "dnsrr", "Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}]})
    );
    assert_eq!(
        s.services["db"].spec.task_template.as_ref().unwrap().networks.as_ref().unwrap()[0].target.as_deref(),
        Some("app_default")
    );
    assert_eq!(s.networks.keys().collect::<Vec<_>>(), ["app_default", "app_front"]);
    assert_eq!(s.networks["app_front"].driver.as_deref(), Some("overlay"));
    assert_eq!(web.depends_on["db"], crate::model::Condition::ServiceHealthy);
}

#[test]
fn keys_without_a_swarm_meaning_are_warned_about_once_naming_the_services() {
    let s = stack(
        r#"
services:
  a: {image: busybox, privileged: true, container_name: x, links: [b]}
  b: {image: busybox, privileged: true, healthcheck: {test: [CMD, "true"], start_interval: 1s}}
"#,
    );
    assert!(
        s.warnings.contains(&"privileged has no meaning on a Swarm and is ignored (services: a, b)".to_string()),
        "{:?}",
        s.warnings
    );
    assert!(s.warnings.contains(&"container_name has no meaning on a Swarm and is ignored (services: a)".to_string()));
    assert!(s
        .warnings
        .iter()
        .any(|w| w.starts_with("healthcheck.start_interval needs API 1.44, the engine speaks 1.41")));
    let refused = project("services:\n  a: {image: busybox, volumes_from: [b]}\n  b: {image: busybox}\n");
    let errors = convert(&refused, &Contents::default(), API).unwrap_err();
    assert!(errors[0].starts_with("volumes_from cannot be deployed to a Swarm"), "{errors:?}");
    let no_image = project("services:\n  a: {build: {context: .}}\n");
    assert!(convert(&no_image, &Contents::default(), API).unwrap_err()[0].contains("service a has no image"));
}

#[test]
fn modes_and_jobs() {
    let s = stack(
        r#"
services:
  g: {image: busybox, deploy: {mode: global}}
  j: {image: busybox, deploy: {mode: replicated-job, replicas: 3}}
"#,
    );
    assert!(s.services["g"].spec.mode.as_ref().unwrap().global.is_some());
    let j = &s.services["j"];
    assert!(j.job);
    assert_eq!(j.spec.mode.as_ref().unwrap().replicated_job.as_ref().unwrap().total_completions, Some(3));
    let policy = j.spec.task_template.as_ref().unwrap().restart_policy.as_ref().unwrap();
    assert_eq!(policy.condition, Some(api::TaskSpecRestartPolicyConditionEnum::ON_FAILURE));
    let bad = project("services:\n  g: {image: busybox, deploy: {mode: global, replicas: 2}}\n");
    assert!(convert(&bad, &Contents::default(), API).unwrap_err()[0].contains("replicas can only be used"));
}

/// What the engine holds after deploying `s`: the same specs, network ids in place of names.
fn deployed(s: &Stack) -> Observed {
    let networks: Vec<ObservedNetwork> = s
        .networks
        .keys()
        .enumerate()
        .map(|(i, n)| ObservedNetwork {
            id: format!("id{i}"),
            name: n.clone(),
            scope: "swarm".into(),
            labels: Default::default(),
        })
        .collect();
    let services = s
        .services
        .values()
        .map(|d| {
            let mut spec = d.spec.clone();
            for n in spec.task_template.as_mut().unwrap().networks.iter_mut().flatten() {
                let name = n.target.clone().unwrap();
                n.target = networks.iter().find(|o| o.name == name).map(|o| o.id.clone());
            }
            ObservedService {
                id: d.name.clone(),
                name: d.name.clone(),
                version: 1,
                spec,
                update_state: None,
                update_message: None,
                endpoint_ports: vec![],
            }
        })
        .collect();
    let object = |name: &String| ObservedObject {
        id: name.clone(),
        name: name.clone(),
        labels: [(crate::swarm::names::NAMESPACE.to_string(), s.name.clone())].into(),
    };
    Observed {
        services,
        networks,
        configs: s.configs.keys().map(object).collect(),
        secrets: s.secrets.keys().map(object).collect(),
        ..Observed::default()
    }
}

#[test]
fn an_unchanged_redeploy_plans_nothing_and_a_change_says_what_changed() {
    let first = stack(WEB);
    let observed = deployed(&first);
    let plan = reconcile(&first, &observed, reconcile::Options::default()).unwrap();
    assert!(plan.is_empty(), "{plan}");
    let changed = stack(&WEB.replace("MODE: dev", "MODE: prod").replace("content: \"one\"", "content: \"two\""));
    let plan = reconcile(&changed, &observed, reconcile::Options::default()).unwrap();
    let text = plan.to_string();
    assert!(text.contains("create config app_settings_"), "{text}");
    assert!(text.contains("environment.MODE: \"dev\" → \"prod\""), "{text}");
    assert!(text.contains("remove config app_settings_"), "{text}");
    assert!(matches!(plan.deploy.actions.last().unwrap().op, Op::UpdateService { .. }));
}

#[test]
fn services_wait_for_what_they_depend_on_and_prune_removes_the_rest() {
    let s = stack(WEB);
    let plan = reconcile(&s, &Observed::default(), reconcile::Options::default()).unwrap();
    let text = plan.to_string();
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle} not in {text}"));
    assert!(at("create service app_db") < at("wait for service app_db: service_healthy"));
    assert!(at("wait for service app_db: service_healthy") < at("create service app_web"));
    let mut observed = deployed(&s);
    observed.services.push(ObservedService {
        id: "old".into(),
        name: "app_old".into(),
        ..observed.services[0].clone()
    });
    let prune = reconcile::Options { prune: true, ..reconcile::Options::default() };
    assert_eq!(reconcile(&s, &observed, prune).unwrap().to_string(), "remove service app_old (prune)\n");
    assert!(reconcile(&s, &observed, reconcile::Options::default()).unwrap().is_empty());
}

#[test]
fn external_networks_must_exist_with_swarm_scope() {
    let s = stack(
        "services:\n  a: {image: busybox, networks: {ext: null}}\nnetworks:\n  ext: {external: true, name: shared}\n",
    );
    let errors = reconcile(&s, &Observed::default(), reconcile::Options::default()).unwrap_err();
    assert!(errors[0].contains("network \"shared\" is declared as external, but could not be found"), "{errors:?}");
    let local = Observed {
        networks: vec![ObservedNetwork {
            id: "1".into(),
            name: "shared".into(),
            scope: "local".into(),
            labels: Default::default(),
        }],
        ..Observed::default()
    };
    assert!(reconcile(&s, &local, reconcile::Options::default()).unwrap_err()[0]
        .contains("not in the right scope: \"local\""));
}

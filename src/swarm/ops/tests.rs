//! Swarm operations run by the shared scheduler against a fake Swarm, in tokio's paused time:
//! engine calls take virtual time, so order, the concurrency bound, failures and Ctrl-C are
//! checked without real waiting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::cancel;
use crate::engine::swarm::{ObservedNetwork, ObservedNode, ObservedObject, ObservedService, ObservedTask};
use crate::engine::Result;
use crate::plan::{Plan, ResourceId};
use crate::scheduler::{self, Limits, Outcome};

/// A Swarm whose services run at once, except those named `*stuck*`; creating `*bad*` fails.
#[derive(Default)]
struct FakeSwarm {
    calls: Mutex<Vec<String>>,
    services: Mutex<Vec<api::ServiceSpec>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl FakeSwarm {
    /// An engine call taking 10 ms.
    async fn call(&self, what: String) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        lock(&self.calls).push(what);
    }

    fn calls(&self) -> Vec<String> {
        lock(&self.calls).clone()
    }
}

fn service_name(spec: &api::ServiceSpec) -> String {
    spec.name.clone().unwrap_or_default()
}

impl SwarmEngine for FakeSwarm {
    fn api_version(&self) -> (u32, u32) {
        (1, 41)
    }
    async fn list_services(&self, _: Option<&str>) -> Result<Vec<ObservedService>> {
        let specs = lock(&self.services).clone();
        Ok(specs
            .into_iter()
            .map(|spec| ObservedService {
                id: service_name(&spec),
                name: service_name(&spec),
                version: 1,
                spec,
                update_state: None,
                update_message: None,
                endpoint_ports: vec![],
            })
            .collect())
    }
    async fn list_tasks(&self, _: &str) -> Result<Vec<ObservedTask>> {
        let specs = lock(&self.services).clone();
        Ok(specs
            .into_iter()
            .map(|spec| {
                let state = if service_name(&spec).contains("stuck") { "pending" } else { "running" };
                ObservedTask {
                    id: format!("t-{}", service_name(&spec)),
                    service_id: service_name(&spec),
                    node_id: "n".into(),
                    slot: 1,
                    desired_state: "running".into(),
                    state: state.into(),
                    message: String::new(),
                    error: String::new(),
                    exit_code: None,
                    created_at: 0,
                    updated_at_ms: 0,
                    spec: spec.task_template.clone(),
                    ports: vec![],
                }
            })
            .collect())
    }
    async fn list_networks(&self) -> Result<Vec<ObservedNetwork>> {
        Ok(vec![])
    }
    async fn list_configs(&self) -> Result<Vec<ObservedObject>> {
        Ok(vec![])
    }
    async fn list_secrets(&self) -> Result<Vec<ObservedObject>> {
        Ok(vec![])
    }
    async fn list_nodes(&self) -> Result<Vec<ObservedNode>> {
        Ok(vec![])
    }
    async fn create_network(&self, spec: &api::NetworkCreateRequest) -> Result<String> {
        self.call(format!("create network {}", spec.name)).await;
        Ok(spec.name.clone())
    }
    async fn remove_network(&self, id: &str) -> Result<()> {
        self.call(format!("remove network {id}")).await;
        Ok(())
    }
    async fn create_config(&self, spec: &api::ConfigSpec) -> Result<String> {
        let name = spec.name.clone().unwrap_or_default();
        self.call(format!("create config {name}")).await;
        Ok(format!("id-{name}"))
    }
    async fn remove_config(&self, id: &str) -> Result<()> {
        self.call(format!("remove config {id}")).await;
        Ok(())
    }
    async fn create_secret(&self, spec: &api::SecretSpec) -> Result<String> {
        let name = spec.name.clone().unwrap_or_default();
        self.call(format!("create secret {name}")).await;
        Ok(format!("id-{name}"))
    }
    async fn remove_secret(&self, id: &str) -> Result<()> {
        self.call(format!("remove secret {id}")).await;
        Ok(())
    }
    async fn create_service(&self, spec: &api::ServiceSpec) -> Result<String> {
        let name = service_name(spec);
        self.call(format!("create service {name}")).await;
        if name.contains("bad") {
            return Err(EngineError::new(Kind::Other, "boom"));
        }
        lock(&self.services).push(spec.clone());
        Ok(name)
    }
    async fn update_service(&self, id: &str, _: u64, _: &api::ServiceSpec) -> Result<Vec<String>> {
        self.call(format!("update service {id}")).await;
        Ok(vec!["image could not be pinned".into()])
    }
    async fn remove_service(&self, id: &str) -> Result<()> {
        self.call(format!("remove service {id}")).await;
        Err(EngineError::new(Kind::NotFound, "gone already"))
    }
    async fn inspect_service(&self, _: &str) -> Result<ObservedService> {
        Err(EngineError::new(Kind::NotFound, "not faked"))
    }
}

fn spec(name: &str, config: Option<&str>) -> api::ServiceSpec {
    let configs =
        config.map(|c| vec![api::TaskSpecContainerSpecConfigs { config_name: Some(c.into()), ..Default::default() }]);
    api::ServiceSpec {
        name: Some(name.into()),
        task_template: Some(api::TaskSpec {
            container_spec: Some(api::TaskSpecContainerSpec {
                image: Some("busybox".into()),
                configs,
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn create(plan: &mut Plan<Op>, name: &str, config: Option<&str>, after: Vec<usize>) -> usize {
    let op = Op::CreateService { key: name.into(), name: name.into(), spec: spec(name, config) };
    plan.push(ResourceId::Service(name.into()), op, Reason::Missing, after)
}

fn gate(plan: &mut Plan<Op>, name: &str, after: usize) -> usize {
    let op = Op::AwaitService { key: name.into(), name: name.into(), condition: Condition::ServiceStarted };
    plan.push(ResourceId::Service(name.into()), op, Reason::Missing, vec![after])
}

async fn run(engine: &FakeSwarm, plan: &Plan<Op>, parallel: usize, cancel: CancellationSignal) -> Outcome {
    let ctx = Context {
        engine,
        stack: "app".into(),
        configs: Mutex::new(BTreeMap::new()),
        secrets: Mutex::new(BTreeMap::new()),
        deadline: None,
        report: &|_, _, _| {},
    };
    let progress = crate::progress::for_mode(crate::progress::Mode::Quiet);
    scheduler::run(plan, &ctx, Limits { parallel }, progress.as_ref(), cancel).await
}

#[tokio::test(start_paused = true)]
async fn a_deploy_runs_in_dependency_order_within_the_parallel_bound_with_the_ids_it_made() {
    let mut plan = Plan::default();
    let config = Op::CreateConfig {
        name: "app_c".into(),
        spec: api::ConfigSpec { name: Some("app_c".into()), ..Default::default() },
    };
    let c = plan.push(ResourceId::Config("app_c".into()), config, Reason::Missing, vec![]);
    let db = create(&mut plan, "app_db", None, vec![c]);
    let ready = gate(&mut plan, "app_db", db);
    create(&mut plan, "app_web", Some("app_c"), vec![c, ready]);
    create(&mut plan, "app_cache", None, vec![c]);
    let engine = FakeSwarm::default();
    let outcome = run(&engine, &plan, 1, cancel::CancellationSignal::never()).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(engine.most_in_flight.load(Ordering::SeqCst), 1);
    let calls = engine.calls();
    let at = |call: &str| calls.iter().position(|c| c == call).unwrap_or_else(|| panic!("{call} not in {calls:?}"));
    assert!(at("create config app_c") < at("create service app_db"));
    assert!(at("create service app_db") < at("create service app_web"));
    let web = lock(&engine.services).iter().find(|s| service_name(s) == "app_web").cloned().unwrap();
    let refs = web.task_template.and_then(|t| t.container_spec).and_then(|c| c.configs).unwrap();
    assert_eq!(refs[0].config_id.as_deref(), Some("id-app_c"));

    let engine = FakeSwarm::default();
    run(&engine, &plan, 4, cancel::CancellationSignal::never()).await;
    assert_eq!(engine.most_in_flight.load(Ordering::SeqCst), 2, "db and cache at once: {:?}", engine.calls());
}

#[tokio::test(start_paused = true)]
async fn a_failed_service_holds_back_what_depends_on_it_and_the_rest_goes_on() {
    let mut plan = Plan::default();
    let bad = create(&mut plan, "app_bad", None, vec![]);
    let ready = gate(&mut plan, "app_bad", bad);
    let web = create(&mut plan, "app_web", None, vec![ready]);
    let other = create(&mut plan, "app_other", None, vec![]);
    let update = Op::UpdateService {
        key: "u".into(),
        name: "app_u".into(),
        id: "u1".into(),
        version: 3,
        spec: spec("app_u", None),
    };
    plan.push(ResourceId::Service("app_u".into()), update, Reason::Missing, vec![]);
    let prune = Op::RemoveService { name: "app_old".into(), id: "o1".into() };
    plan.push(ResourceId::Service("app_old".into()), prune, Reason::command("--prune"), vec![]);
    let engine = FakeSwarm::default();
    let outcome = run(&engine, &plan, 8, cancel::CancellationSignal::never()).await;
    assert_eq!(outcome.failures.len(), 1, "{outcome:?}");
    assert_eq!(outcome.failures[0].error, "creating service app_bad: boom");
    let skipped: Vec<usize> = outcome.skipped.iter().map(|s| s.action).collect();
    assert_eq!(skipped, [ready, web]);
    assert!(outcome.done.contains(&other), "{outcome:?}");
    assert_eq!(outcome.done.len(), 3, "a removal of what is gone already is done: {outcome:?}");
    assert_eq!(outcome.warnings, ["app_u: image could not be pinned"]);
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_stops_a_wait_and_starts_nothing_more() {
    let mut plan = Plan::default();
    let stuck = create(&mut plan, "app_stuck", None, vec![]);
    let ready = gate(&mut plan, "app_stuck", stuck);
    let web = create(&mut plan, "app_web", None, vec![ready]);
    let (canceller, signal) = cancel::cancellation();
    let engine = FakeSwarm::default();
    let stop = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        canceller.cancel();
    };
    let (outcome, ()) = tokio::join!(run(&engine, &plan, 4, signal), stop);
    assert!(outcome.cancelled, "{outcome:?}");
    assert_eq!(outcome.unfinished, [ready, web]);
    assert_eq!(engine.calls(), ["create service app_stuck"]);
}

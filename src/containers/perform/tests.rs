//! Container operations run by the scheduler, and waiter tests against a fake engine, in tokio's paused time: engine calls take
//! virtual time, so ordering, parallelism and timeouts are checked without real waiting.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::labels;
use crate::engine::{ContainerStatus, Kind, Result};
use crate::containers::observe::{Observed, ObservedContainer};
use crate::containers::conflict::NetworkClaim;
use crate::containers::desired::{Desired, Files};
use crate::containers::lifecycle;
use crate::containers::replica::{beside, new_container, replacement};
use crate::containers::tests::replaced_container;
use crate::model::Condition;
use crate::containers::observe::{Health, ObservedNetwork, ObservedVolume, RunState};
use crate::containers::desired::{desired, Origin};
use crate::cancel::cancellation;
use crate::plan::{ActionId, Reason, ResourceId};
use crate::progress::{Json, Plain, Quiet};
use crate::containers::wait::{self, Target, WaitError};

/// Records every call as `begin <call>` / `end <call>`; each call takes `delay` (or its own
/// entry in `delays`) and fails when `fail` holds its key.
#[derive(Default)]
struct Fake {
    log: Mutex<Vec<String>>,
    delay: Duration,
    delays: BTreeMap<String, Duration>,
    fail: BTreeMap<String, Kind>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    created: Mutex<Vec<ContainerCreate>>,
    /// Successive statuses per container; the last one repeats.
    statuses: Mutex<BTreeMap<String, VecDeque<ContainerStatus>>>,
    logs: BTreeMap<String, String>,
    /// Containers the engine holds by name, made behind the plan's back: a create of one of
    /// these names is refused as taken.
    holders: Mutex<BTreeMap<String, ObservedContainer>>,
}

impl Fake {
    async fn call(&self, what: String) -> Result<()> {
        self.log.lock().unwrap().push(format!("begin {what}"));
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delays.get(&what).copied().unwrap_or(self.delay)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.log.lock().unwrap().push(format!("end {what}"));
        match self.fail.get(&what) {
            Some(kind) => Err(EngineError::new(*kind, format!("{what}: boom"))),
            None => Ok(()),
        }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn calls(&self) -> Vec<String> {
        self.log()
            .into_iter()
            .filter_map(|l| l.strip_prefix("begin ").map(str::to_string))
            .collect()
    }

    fn position(&self, line: &str) -> usize {
        self.log()
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("{line:?} not in {:?}", self.log()))
    }

    fn script(&self, container: &str, statuses: Vec<ContainerStatus>) {
        self.statuses
            .lock()
            .unwrap()
            .insert(container.to_string(), statuses.into());
    }
}

impl Engine for Fake {
    async fn list_containers(&self, _: &str) -> Result<Vec<ObservedContainer>> {
        Ok(vec![])
    }
    async fn list_networks(&self) -> Result<Vec<ObservedNetwork>> {
        Ok(vec![])
    }
    async fn list_volumes(&self, _: &str) -> Result<Vec<ObservedVolume>> {
        Ok(vec![])
    }
    async fn network_exists(&self, _: &str) -> Result<bool> {
        Ok(true)
    }
    async fn volume_exists(&self, _: &str) -> Result<bool> {
        Ok(true)
    }
    async fn image_id(&self, _: &str) -> Result<Option<String>> {
        Ok(None)
    }
    async fn dangling_images(&self, _: &str) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    async fn image_info(&self, _: &str) -> Result<Option<crate::engine::ImageInfo>> {
        Ok(None)
    }
    async fn all_containers(&self, _: &str) -> Result<Vec<ObservedContainer>> {
        Ok(Vec::new())
    }
    async fn pull_image(&self, reference: &str, _: Option<&str>) -> Result<()> {
        self.call(format!("pull {reference}")).await
    }
    async fn build_image(&self, spec: &BuildSpec) -> Result<()> {
        self.call(format!("build {}", spec.image)).await
    }
    async fn push_image(&self, reference: &str) -> Result<()> {
        self.call(format!("push {reference}")).await
    }
    async fn remove_image(&self, reference: &str) -> Result<()> {
        self.call(format!("rmi {reference}")).await
    }
    async fn create_network(&self, body: &crate::engine::api::NetworkCreateRequest) -> Result<()> {
        self.call(format!("create-network {}", body.name)).await
    }
    async fn remove_network(&self, name: &str) -> Result<()> {
        self.call(format!("rm-network {name}")).await
    }
    async fn disconnect_network(&self, network: &str, container: &str) -> Result<()> {
        self.call(format!("disconnect {container} {network}")).await
    }
    async fn connect_network(&self, container: &str, network: &str, _: &crate::engine::api::EndpointSettings) -> Result<()> {
        self.call(format!("connect {container} {network}")).await
    }
    async fn container_id(&self, name: &str) -> Result<Option<String>> {
        Ok(Some(format!("id-{name}")))
    }
    async fn create_volume(&self, body: &crate::engine::api::VolumeCreateOptions) -> Result<()> {
        self.call(format!("create-volume {}", body.name.as_deref().unwrap_or_default())).await
    }
    async fn remove_volume(&self, name: &str) -> Result<()> {
        self.call(format!("rm-volume {name}")).await
    }
    async fn find_container(&self, name: &str) -> Result<Option<ObservedContainer>> {
        self.call(format!("find {name}")).await?;
        Ok(self.holders.lock().unwrap().get(name).cloned())
    }
    async fn create_container(&self, spec: &ContainerCreate) -> Result<String> {
        self.call(format!("create {}", spec.name)).await?;
        if self.holders.lock().unwrap().contains_key(&spec.name) {
            return Err(EngineError::new(Kind::NameInUse, format!("the name {} is already in use by container x", spec.name)));
        }
        self.created.lock().unwrap().push(spec.clone());
        Ok(format!("id-{}", spec.name))
    }
    async fn start_container(&self, id: &str) -> Result<()> {
        self.call(format!("start {id}")).await
    }
    async fn write_files(&self, id: &str, files: &[crate::model::InjectedFile]) -> Result<()> {
        let targets: Vec<&str> = files.iter().map(|f| f.target.as_str()).collect();
        self.call(format!("write {id} {}", targets.join(","))).await
    }
    async fn stop_container(&self, id: &str, timeout: Option<i64>) -> Result<()> {
        self.call(format!("stop {id} {timeout:?}")).await
    }
    async fn remove_container(&self, id: &str, remove_volumes: bool) -> Result<()> {
        self.call(format!("rm {id}{}", if remove_volumes { " -v" } else { "" }))
            .await?;
        self.holders.lock().unwrap().retain(|_, c| c.id != id);
        Ok(())
    }
    async fn kill_container(&self, id: &str, signal: &str) -> Result<()> {
        self.call(format!("kill {id} {signal}")).await
    }
    async fn pause_container(&self, id: &str) -> Result<()> {
        self.call(format!("pause {id}")).await
    }
    async fn unpause_container(&self, id: &str) -> Result<()> {
        self.call(format!("unpause {id}")).await
    }
    async fn rename_container(&self, id: &str, name: &str) -> Result<()> {
        self.call(format!("rename {id} {name}")).await
    }
    async fn container_status(&self, id: &str) -> Result<ContainerStatus> {
        let mut statuses = self.statuses.lock().unwrap();
        let queue = statuses
            .get_mut(id)
            .ok_or_else(|| EngineError::new(Kind::NotFound, format!("No such container: {id}")))?;
        let status = if queue.len() > 1 {
            queue.pop_front()
        } else {
            queue.front().cloned()
        };
        Ok(status.unwrap())
    }
    async fn logs_tail(&self, id: &str, _: usize) -> Result<String> {
        Ok(self.logs.get(id).cloned().unwrap_or_default())
    }

    async fn ps(&self, _: &str) -> Result<Vec<crate::engine::PsEntry>> {
        Ok(Vec::new())
    }
}

const PROJECT: &str = r#"
services:
  db:
    image: busybox
    volumes: [{type: volume, target: /data, volume: {}}]
    stop_grace_period: 7s
    healthcheck: {test: ["CMD", "true"]}
  web:
    image: busybox
    depends_on: {db: {condition: service_healthy}}
  extra:
    image: busybox
    container_name: my-extra
"#;

fn project() -> crate::model::Project {
    let mut value: serde_yaml::Value = serde_yaml::from_str(PROJECT).unwrap();
    value["name"] = "p".into();
    crate::load::bind::bind(value).unwrap()
}

fn ctx() -> Context {
    Context { project: Arc::new(project()), no_cache: false, pull: false }
}

fn project_desired() -> Desired {
    desired(&project(), &Origin::default(), &BTreeMap::new())
}

/// Replica 1 of `service` named `name`, as the planner describes it to a create or a start.
fn replica(service: &str, name: &str, files: Files) -> NewContainer {
    let d = project_desired();
    new_container(&d, &Observed::default(), d.service(service).unwrap(), 1, name, files)
}

fn create(plan: &mut Plan<Op>, service: &str, after: Vec<ActionId>) -> ActionId {
    let op = Op::CreateContainer(replica(service, &format!("p-{service}-1"), Files::default()));
    plan.push(ResourceId::container(service, 1), op, Reason::NoContainer, after)
}

fn start(plan: &mut Plan<Op>, service: &str, after: Vec<ActionId>) -> ActionId {
    let op = Op::StartContainer(replica(service, &format!("p-{service}-1"), Files::default()));
    plan.push(ResourceId::container(service, 1), op, Reason::Created, after)
}

fn network(plan: &mut Plan<Op>, name: &str) -> ActionId {
    let claim = NetworkClaim { project: "p".into(), name: name.into(), hash: String::new() };
    let op = Op::CreateNetwork { key: name.into(), name: name.into(), claim };
    plan.push(ResourceId::Network(name.into()), op, Reason::Missing, vec![])
}

async fn run(fake: &Arc<Fake>, plan: &Plan<Op>, ctx: &Context, limits: Limits) -> Outcome {
    execute(
        fake.clone(),
        plan,
        ctx,
        limits,
        &Quiet,
        CancellationSignal::never(),
    )
    .await
}

fn running(health: Option<Health>) -> ContainerStatus {
    ContainerStatus {
        state: RunState::Running,
        health,
        exit_code: None,
        health_output: None,
    }
}

fn exited(code: i64) -> ContainerStatus {
    ContainerStatus {
        state: RunState::Exited,
        health: None,
        exit_code: Some(code),
        health_output: None,
    }
}

fn exited_with_health(code: i64, health: Health) -> ContainerStatus {
    ContainerStatus { health: Some(health), ..exited(code) }
}

#[tokio::test(start_paused = true)]
async fn an_action_starts_once_its_own_prerequisites_are_done_not_level_by_level() {
    let mut plan = Plan::default();
    let net = network(&mut plan, "p_default");
    let db = create(&mut plan, "db", vec![net]);
    let web = create(&mut plan, "web", vec![net]);
    start(&mut plan, "db", vec![db]);
    start(&mut plan, "web", vec![web, db]);
    let mut fake = Fake {
        delay: Duration::from_millis(10),
        ..Fake::default()
    };
    fake.delays
        .insert("create p-web-1".into(), Duration::from_secs(5));
    let fake = Arc::new(fake);
    let outcome = run(&fake, &plan, &ctx(), Limits::default()).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.done.len(), 5);
    for (id, a) in plan.actions.iter().enumerate() {
        let me = fake.position(&format!("begin {}", call_of(&a.op)));
        for &b in &a.after {
            assert!(
                fake.position(&format!("end {}", call_of(&plan.actions[b].op))) < me,
                "{id} started early"
            );
        }
    }
    // db's start does not wait for web's slow create, which is at the same "level".
    assert!(fake.position("begin start p-db-1") < fake.position("end create p-web-1"));
}

fn call_of(op: &Op) -> String {
    match op {
        Op::CreateNetwork { name, .. } => format!("create-network {name}"),
        Op::CreateContainer(new) => format!("create {}", new.name),
        Op::StartContainer(new) => format!("start {}", new.name),
        other => panic!("no call for {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn no_more_engine_actions_run_at_once_than_the_limit() {
    let mut plan = Plan::default();
    for i in 0..10 {
        network(&mut plan, &format!("n{i}"));
    }
    let fake = Arc::new(Fake {
        delay: Duration::from_secs(1),
        ..Fake::default()
    });
    let outcome = run(&fake, &plan, &ctx(), Limits { parallel: 3 }).await;
    assert_eq!(outcome.done.len(), 10);
    assert_eq!(fake.max_in_flight.load(Ordering::SeqCst), 3);

    let fake = Arc::new(Fake {
        delay: Duration::from_secs(1),
        ..Fake::default()
    });
    run(&fake, &plan, &ctx(), Limits::default()).await;
    assert_eq!(fake.max_in_flight.load(Ordering::SeqCst), 10);
}

#[test]
fn the_parallel_setting_maps_to_a_limit() {
    assert_eq!(Limits::from_setting(Some(2)), Limits { parallel: 2 });
    assert_eq!(Limits::from_setting(Some(-1)), Limits::default());
    assert_eq!(Limits::from_setting(Some(0)), Limits::default());
    assert_eq!(Limits::from_setting(None), Limits::default());
}

#[tokio::test(start_paused = true)]
async fn an_engine_that_stops_answering_ends_the_run_naming_what_was_in_flight() {
    let mut plan = Plan::default();
    let net = network(&mut plan, "p_default");
    let db = create(&mut plan, "db", vec![net]);
    let web = create(&mut plan, "web", vec![net]);
    let db_start = start(&mut plan, "db", vec![db]);
    let web_start = start(&mut plan, "web", vec![web]);
    let mut fake = Fake { delays: BTreeMap::from([("create p-web-1".to_string(), Duration::from_secs(5))]), ..Fake::default() };
    fake.fail.insert("create p-db-1".into(), Kind::Unreachable);
    fake.fail.insert("create p-web-1".into(), Kind::Unreachable);
    let fake = Arc::new(fake);
    let outcome = run(&fake, &plan, &ctx(), Limits::default()).await;
    assert!(!outcome.succeeded() && !outcome.cancelled, "{outcome:?}");
    let lost: Vec<ActionId> = outcome.lost.iter().map(|f| f.action).collect();
    assert_eq!(lost, vec![db, web], "the call in flight finishes and is reported too");
    assert_eq!(outcome.unfinished, vec![db_start, web_start]);
    assert!(outcome.failures.is_empty() && outcome.skipped.is_empty(), "{outcome:?}");
    assert!(!fake.calls().iter().any(|c| c.starts_with("start")), "{:?}", fake.calls());
}

#[tokio::test(start_paused = true)]
async fn a_failure_skips_what_waits_on_it_transitively_and_nothing_else() {
    let mut plan = Plan::default();
    let net = network(&mut plan, "p_default");
    let db = create(&mut plan, "db", vec![net]);
    let db_start = start(&mut plan, "db", vec![db]);
    let gate = plan.push(
        ResourceId::Service("db".into()),
        Op::AwaitService {
            service: "db".into(),
            condition: Condition::ServiceHealthy,
            required: true,
            containers: vec!["p-db-1".into()],
        },
        Reason::command("web depends on it"),
        vec![db_start],
    );
    let web = create(&mut plan, "web", vec![net]);
    let web_start = start(&mut plan, "web", vec![web, gate]);
    let extra = plan.push(
        ResourceId::container("extra", 1),
        Op::StartContainer(replica("extra", "my-extra", Files::default())),
        Reason::command("exited"),
        vec![],
    );
    let mut fake = Fake::default();
    fake.fail.insert("create p-db-1".into(), Kind::Conflict);
    let fake = Arc::new(fake);
    let outcome = run(&fake, &plan, &ctx(), Limits::default()).await;
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].action, db);
    assert_eq!(outcome.failures[0].resource, ResourceId::container("db", 1));
    assert_eq!(outcome.failures[0].error, "create p-db-1: boom");
    let skipped: Vec<(ActionId, ActionId)> = outcome.skipped.iter().map(|s| (s.action, s.because)).collect();
    assert_eq!(skipped, vec![(db_start, db), (gate, db), (web_start, db)]);
    let mut done = outcome.done.clone();
    done.sort_unstable();
    assert_eq!(done, vec![net, web, extra]);
    assert!(!fake.calls().contains(&"start p-web-1".to_string()));
}

#[tokio::test(start_paused = true)]
async fn an_optional_dependency_that_fails_to_start_lets_its_dependents_start_with_a_warning() {
    let mut plan = Plan::default();
    let db_start = start(&mut plan, "db", vec![]);
    let gate = plan.push(
        ResourceId::Service("db".into()),
        Op::AwaitService {
            service: "db".into(),
            condition: Condition::ServiceHealthy,
            required: false,
            containers: vec!["p-db-1".into()],
        },
        Reason::command("web depends on it"),
        vec![db_start],
    );
    start(&mut plan, "web", vec![gate]);
    let mut fake = Fake::default();
    fake.fail.insert("start p-db-1".into(), Kind::Other);
    let fake = Arc::new(fake);
    let outcome = run(&fake, &plan, &ctx(), Limits::default()).await;
    assert_eq!(outcome.failures.len(), 1);
    assert!(outcome.skipped.is_empty());
    assert_eq!(
        outcome.warnings,
        vec![r#"optional dependency "db" failed to start"#.to_string()]
    );
    assert!(fake.calls().contains(&"start p-web-1".to_string()));
}

#[tokio::test(start_paused = true)]
async fn cancellation_lets_calls_in_flight_finish_and_starts_nothing_new() {
    let mut plan = Plan::default();
    let net = network(&mut plan, "p_default");
    let db = create(&mut plan, "db", vec![net]);
    let fake = Arc::new(Fake {
        delay: Duration::from_secs(5),
        ..Fake::default()
    });
    let (canceller, signal) = cancellation();
    let c = ctx();
    let cancel_later = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        canceller.cancel();
    };
    let (outcome, ()) = tokio::join!(
        execute(fake.clone(), &plan, &c, Limits::default(), &Quiet, signal),
        cancel_later
    );
    assert!(outcome.cancelled);
    assert!(!outcome.succeeded());
    assert_eq!(outcome.done, vec![net]);
    assert_eq!(outcome.unfinished, vec![db]);
    assert_eq!(
        fake.log(),
        vec!["begin create-network p_default", "end create-network p_default"]
    );
}

#[tokio::test(start_paused = true)]
async fn cancellation_interrupts_a_wait() {
    let mut plan = Plan::default();
    let gate = plan.push(
        ResourceId::Service("db".into()),
        Op::AwaitService {
            service: "db".into(),
            condition: Condition::ServiceHealthy,
            required: true,
            containers: vec!["p-db-1".into()],
        },
        Reason::command("web depends on it"),
        vec![],
    );
    let web = start(&mut plan, "web", vec![gate]);
    let fake = Arc::new(Fake::default());
    fake.script("p-db-1", vec![running(Some(Health::Starting))]);
    let (canceller, signal) = cancellation();
    let c = ctx();
    let started = tokio::time::Instant::now();
    let cancel_later = async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        canceller.cancel();
    };
    let (outcome, ()) = tokio::join!(
        execute(fake.clone(), &plan, &c, Limits::default(), &Quiet, signal),
        cancel_later
    );
    assert!(started.elapsed() < Duration::from_secs(31));
    assert!(outcome.cancelled);
    assert_eq!(outcome.unfinished, vec![gate, web]);
    assert!(outcome.failures.is_empty());
}

#[tokio::test(start_paused = true)]
async fn removing_or_stopping_what_is_gone_succeeds() {
    let mut plan = Plan::default();
    let stop = plan.push(
        ResourceId::container("web", 1),
        Op::StopContainer {
            name: "p-web-1".into(),
            timeout: Some(3),
        },
        Reason::command("down"),
        vec![],
    );
    let op = Op::RemoveContainer {
        name: "p-web-1".into(),
        id: "abc".into(),
        volumes: true,
    };
    plan.push(ResourceId::container("web", 1), op, Reason::command("down"), vec![stop]);
    plan.push(
        ResourceId::Network("p_default".into()),
        Op::RemoveNetwork {
            name: "p_default".into(),
        },
        Reason::command("down"),
        vec![],
    );
    let mut fake = Fake::default();
    for call in ["stop p-web-1 Some(3)", "rm abc -v", "rm-network p_default"] {
        fake.fail.insert(call.into(), Kind::NotFound);
    }
    let outcome = run(&Arc::new(fake), &plan, &ctx(), Limits::default()).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.done.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn created_containers_carry_the_service_labels_their_number_and_the_applied_config() {
    let mut plan = Plan::default();
    create(&mut plan, "web", vec![]);
    let fake = Arc::new(Fake::default());
    let c = ctx();
    run(&fake, &plan, &c, Limits::default()).await;
    let created = fake.created.lock().unwrap()[0].clone();
    let d = project_desired();
    let web = d.service("web").unwrap();
    assert_eq!(label(&created, labels::CONTAINER_NUMBER), "1");
    assert_eq!(label(&created, labels::APPLIED), web.applied);
    assert_eq!(label(&created, labels::CONFIG_HASH), web.hash);
    assert_eq!(label(&created, labels::SERVICE), "web");
}

fn label(created: &ContainerCreate, key: &str) -> String {
    created.body.labels.as_ref().and_then(|l| l.get(key)).cloned().unwrap_or_default()
}

/// The volume a created container mounts at `target`; `None` for one the engine makes.
fn volume_at(created: &ContainerCreate, target: &str) -> Option<String> {
    let mounts = created.body.host_config.as_ref().and_then(|h| h.mounts.as_ref());
    mounts?.iter().find(|m| m.target.as_deref() == Some(target))?.source.clone()
}


/// The recreate of db's replica 1, container `0123456789abcdef` in `observed`, as the
/// planner makes it with `-V` (`renew`) and `-t` (`timeout`).
fn recreate_plan(observed: &Observed, renew: bool, timeout: Option<i64>) -> Plan<Op> {
    let d = project_desired();
    let db = d.service("db").unwrap();
    let old = observed.containers.iter().find(|c| c.id == "0123456789abcdef").unwrap();
    let timeout = timeout.or(db.stop_timeout);
    let new = beside(&d, observed, db, 1, "p-db-1", old, Files::default(), renew);
    let (new, old) = replacement(observed, new, old, timeout);
    let mut plan = Plan::default();
    let op = Op::RecreateContainer { new, old };
    plan.push(ResourceId::container("db", 1), op, Reason::command("environment changed"), vec![]);
    plan
}

#[tokio::test(start_paused = true)]
async fn a_recreate_stops_renames_aside_creates_with_the_old_anonymous_volumes_then_removes() {
    let mut o = Observed::default();
    o.containers
        .push(replaced_container("db", "p-db-1", "0123456789abcdef"));
    let fake = Arc::new(Fake::default());
    let outcome = run(&fake, &recreate_plan(&o, false, None), &ctx(), Limits::default()).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(
        fake.calls(),
        vec![
            "stop 0123456789abcdef Some(7)",
            "rename 0123456789abcdef 0123456789ab_p-db-1",
            "create p-db-1",
            "rm 0123456789abcdef",
        ]
    );
    let created = fake.created.lock().unwrap()[0].clone();
    assert_eq!(volume_at(&created, "/data").as_deref(), Some("anon123"));
    assert_eq!(label(&created, labels::REPLACE), "db-1");

    let fake = Arc::new(Fake::default());
    run(&fake, &recreate_plan(&o, true, Some(0)), &ctx(), Limits::default()).await;
    assert_eq!(volume_at(&fake.created.lock().unwrap()[0], "/data"), None);
    assert_eq!(fake.calls()[0], "stop 0123456789abcdef Some(0)");
}

#[tokio::test(start_paused = true)]
async fn a_recreate_interrupted_after_the_rename_converges() {
    let mut o = Observed::default();
    o.containers
        .push(replaced_container("db", "0123456789ab_p-db-1", "0123456789abcdef"));
    let fake = Arc::new(Fake::default());
    let outcome = run(&fake, &recreate_plan(&o, false, None), &ctx(), Limits::default()).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(
        fake.calls(),
        vec![
            "stop 0123456789abcdef Some(7)",
            "create p-db-1",
            "rm 0123456789abcdef"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_recreate_interrupted_after_the_create_keeps_the_new_container_when_it_is_current() {
    let hash = project_desired().service("db").unwrap().hash.clone();
    let mut o = Observed::default();
    o.containers.push(replaced_container("db", "0123456789ab_p-db-1", "0123456789abcdef"));
    let mut new = replaced_container("db", "p-db-1", "fedcba");
    new.labels.insert(labels::CONFIG_HASH.into(), hash);
    o.containers.push(new.clone());
    let fake = Arc::new(Fake::default());
    run(&fake, &recreate_plan(&o, false, None), &ctx(), Limits::default()).await;
    assert_eq!(
        fake.calls(),
        vec!["stop 0123456789abcdef Some(7)", "rm 0123456789abcdef"]
    );

    new.labels.insert(labels::CONFIG_HASH.into(), "outdated".into());
    o.containers[1] = new;
    let fake = Arc::new(Fake::default());
    run(&fake, &recreate_plan(&o, false, None), &ctx(), Limits::default()).await;
    assert_eq!(
        fake.calls(),
        vec![
            "stop 0123456789abcdef Some(7)",
            "rm fedcba",
            "create p-db-1",
            "rm 0123456789abcdef"
        ]
    );
}

/// The container an interrupted run's create left holding `p-db-1`, made by the engine after
/// this run observed.
fn late_holder(project: &str, hash: &str) -> ObservedContainer {
    let mut held = replaced_container("db", "p-db-1", "late0123456789");
    held.state = RunState::Created;
    held.labels.insert(labels::PROJECT.into(), project.into());
    held.labels.insert(labels::CONFIG_HASH.into(), hash.into());
    held
}

async fn create_db_with_holder(held: ObservedContainer) -> (Arc<Fake>, Outcome) {
    let c = ctx();
    let mut plan = Plan::default();
    let created = create(&mut plan, "db", vec![]);
    start(&mut plan, "db", vec![created]);
    let fake = Arc::new(Fake::default());
    fake.holders.lock().unwrap().insert("p-db-1".into(), held);
    let outcome = run(&fake, &plan, &c, Limits::default()).await;
    (fake, outcome)
}

#[tokio::test(start_paused = true)]
async fn a_name_taken_by_a_late_create_of_ours_is_adopted_when_it_matches() {
    let hash = project_desired().service("db").unwrap().hash.clone();
    let (fake, outcome) = create_db_with_holder(late_holder("p", &hash)).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(fake.calls(), vec!["create p-db-1", "find p-db-1", "start p-db-1"]);
}

#[tokio::test(start_paused = true)]
async fn a_name_taken_by_an_outdated_container_of_ours_is_replaced() {
    let (fake, outcome) = create_db_with_holder(late_holder("p", "outdated")).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(
        fake.calls(),
        vec!["create p-db-1", "find p-db-1", "rm late0123456789", "create p-db-1", "start p-db-1"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_name_taken_by_another_project_is_an_error_and_left_alone() {
    let hash = project_desired().service("db").unwrap().hash.clone();
    let (fake, outcome) = create_db_with_holder(late_holder("other", &hash)).await;
    assert_eq!(outcome.failures.len(), 1, "{outcome:?}");
    assert!(outcome.failures[0].error.contains("left alone"), "{:?}", outcome.failures);
    assert_eq!(fake.calls(), vec!["create p-db-1", "find p-db-1"]);
}

#[tokio::test(start_paused = true)]
async fn a_container_gone_before_its_start_is_made_again_then_started() {
    let mut plan = Plan::default();
    start(&mut plan, "db", vec![]);
    let mut fake = Fake::default();
    fake.fail.insert("start p-db-1".into(), Kind::NotFound);
    let fake = Arc::new(fake);
    let outcome = run(&fake, &plan, &ctx(), Limits::default()).await;
    // The fake keeps answering "no such container": made again twice, then reported.
    let again = ["create p-db-1", "start p-db-1"];
    assert_eq!(fake.calls(), [&["start p-db-1"][..], &again, &again].concat(), "{outcome:?}");
    assert_eq!(outcome.failures.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_restart_stops_with_the_service_grace_period_then_starts() {
    let observed = Observed { containers: vec![replaced_container("db", "p-db-1", "0123456789abcdef")], ..Observed::default() };
    let plan = lifecycle::restart(&project_desired(), &observed, &["db".to_string()], true, None);
    let fake = Arc::new(Fake::default());
    run(&fake, &plan, &ctx(), Limits::default()).await;
    assert_eq!(fake.calls(), vec!["stop p-db-1 Some(7)", "start p-db-1"]);
}

#[tokio::test(start_paused = true)]
async fn progress_reports_each_action_in_the_reference_words() {
    let mut plan = Plan::default();
    let net = network(&mut plan, "p_default");
    let db = create(&mut plan, "db", vec![net]);
    start(&mut plan, "db", vec![db]);
    let mut fake = Fake::default();
    fake.fail.insert("create p-db-1".into(), Kind::Conflict);
    let progress = Plain::new(Vec::new());
    execute(
        Arc::new(fake),
        &plan,
        &ctx(),
        Limits::default(),
        &progress,
        CancellationSignal::never(),
    )
    .await;
    let out = String::from_utf8(progress.into_inner()).unwrap();
    assert_eq!(
        out,
        " Network p_default Creating \n Network p_default Created \n Container p-db-1 Creating \n \
         Container p-db-1 Error create p-db-1: boom\n Container p-db-1 Skipped container:db:1 failed\n"
    );
}

#[tokio::test(start_paused = true)]
async fn json_progress_carries_the_reason_and_the_elapsed_time() {
    let mut plan = Plan::default();
    network(&mut plan, "p_default");
    let progress = Json::new(Vec::new());
    let fake = Fake {
        delay: Duration::from_millis(250),
        ..Fake::default()
    };
    execute(
        Arc::new(fake),
        &plan,
        &ctx(),
        Limits::default(),
        &progress,
        CancellationSignal::never(),
    )
    .await;
    let out = String::from_utf8(progress.into_inner()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"id":"Network p_default","status":"Working","text":"Creating","reason":"missing"}"#
    );
    assert_eq!(
        lines[1],
        r#"{"id":"Network p_default","status":"Done","text":"Created","time":0.25}"#
    );
}

// ---- waiting ----

fn db_target() -> Vec<Target> {
    wait::targets("db", &["p-db-1".into()])
}

async fn await_db(
    fake: &Fake,
    condition: Condition,
    required: bool,
) -> std::result::Result<Option<String>, WaitError> {
    wait::await_dependency(
        fake,
        "db",
        condition,
        required,
        &db_target(),
        &Quiet,
        &CancellationSignal::never(),
    )
    .await
}

fn failed(message: &str, detail: Option<&str>) -> std::result::Result<Option<String>, WaitError> {
    Err(WaitError::Failed {
        message: message.into(),
        detail: detail.map(str::to_string),
    })
}

#[tokio::test(start_paused = true)]
async fn a_healthy_wait_polls_until_the_container_is_healthy() {
    let fake = Fake::default();
    fake.script(
        "p-db-1",
        vec![
            running(Some(Health::Starting)),
            running(Some(Health::Starting)),
            running(Some(Health::Healthy)),
        ],
    );
    let progress = Plain::new(Vec::new());
    let started = tokio::time::Instant::now();
    let r = wait::await_dependency(
        &fake,
        "db",
        Condition::ServiceHealthy,
        true,
        &db_target(),
        &progress,
        &CancellationSignal::never(),
    )
    .await;
    assert_eq!(r, Ok(None));
    assert_eq!(started.elapsed(), wait::POLL_INTERVAL * 3);
    let out = String::from_utf8(progress.into_inner()).unwrap();
    assert_eq!(out, " Container p-db-1 Waiting \n Container p-db-1 Healthy \n");
}

#[tokio::test(start_paused = true)]
async fn an_unhealthy_dependency_fails_with_its_last_health_check_output() {
    let fake = Fake::default();
    let mut unhealthy = running(Some(Health::Unhealthy));
    unhealthy.health_output = Some("connection refused\n".into());
    fake.script("p-db-1", vec![running(Some(Health::Starting)), unhealthy]);
    let r = await_db(&fake, Condition::ServiceHealthy, true).await;
    assert_eq!(
        r,
        failed(
            "dependency failed to start: container p-db-1 is unhealthy",
            Some("last health check output:\nconnection refused")
        )
    );
}

#[tokio::test(start_paused = true)]
async fn waiting_for_health_fails_without_a_healthcheck_or_once_exited() {
    let fake = Fake::default();
    fake.script("p-db-1", vec![running(None)]);
    let r = await_db(&fake, Condition::ServiceHealthy, true).await;
    assert_eq!(
        r,
        failed(
            "dependency failed to start: container p-db-1 has no healthcheck configured",
            None
        )
    );

    let mut fake = Fake::default();
    fake.logs.insert("p-db-1".into(), "oops\n".into());
    fake.script("p-db-1", vec![exited(1)]);
    let r = await_db(&fake, Condition::ServiceHealthy, true).await;
    assert_eq!(
        r,
        failed(
            "dependency failed to start: container p-db-1 exited (1)",
            Some("last output of p-db-1:\noops")
        )
    );
}

#[tokio::test(start_paused = true)]
async fn a_one_shot_that_exits_non_zero_fails_with_its_log_tail() {
    let mut fake = Fake::default();
    fake.logs
        .insert("p-db-1".into(), "migrating\nerror: no schema\n".into());
    fake.script("p-db-1", vec![running(None), exited(1)]);
    let r = await_db(&fake, Condition::ServiceCompletedSuccessfully, true).await;
    assert_eq!(
        r,
        failed(
            r#"service "db" didn't complete successfully: exit 1"#,
            Some("last output of p-db-1:\nmigrating\nerror: no schema")
        )
    );

    let fake = Fake::default();
    fake.script("p-db-1", vec![running(None), exited(0)]);
    assert_eq!(
        await_db(&fake, Condition::ServiceCompletedSuccessfully, true).await,
        Ok(None)
    );
}

#[tokio::test(start_paused = true)]
async fn an_optional_dependency_failing_its_condition_is_a_warning() {
    let fake = Fake::default();
    fake.script("p-db-1", vec![running(None)]);
    let r = await_db(&fake, Condition::ServiceHealthy, false).await;
    assert_eq!(
        r,
        Ok(Some(
            r#"optional dependency "db" failed to start: container p-db-1 has no healthcheck configured"#
                .into()
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn service_started_accepts_a_one_shot_that_already_exited() {
    let fake = Fake::default();
    fake.script("p-db-1", vec![exited(3)]);
    let progress = Plain::new(Vec::new());
    let r = wait::await_dependency(
        &fake,
        "db",
        Condition::ServiceStarted,
        true,
        &db_target(),
        &progress,
        &CancellationSignal::never(),
    )
    .await;
    assert_eq!(r, Ok(None));
    assert_eq!(progress.into_inner(), b"");
}

#[tokio::test(start_paused = true)]
async fn a_missing_container_fails_the_wait() {
    let fake = Fake::default();
    let r = await_db(&fake, Condition::ServiceStarted, true).await;
    assert_eq!(
        r,
        failed("dependency failed to start: container p-db-1 not found", None)
    );
}

fn app_targets() -> Vec<Target> {
    vec![
        Target {
            service: "app".into(),
            container: "p-app-1".into(),
            completes: false,
        },
        Target {
            service: "once".into(),
            container: "p-once-1".into(),
            completes: true,
        },
    ]
}

#[tokio::test(start_paused = true)]
async fn up_wait_times_out_naming_the_service_still_starting() {
    let fake = Fake::default();
    fake.script("p-app-1", vec![running(Some(Health::Starting))]);
    fake.script("p-once-1", vec![exited(0)]);
    let started = tokio::time::Instant::now();
    let r = wait::wait_application(
        &fake,
        &app_targets(),
        Some(Duration::from_secs(3)),
        &Quiet,
        &CancellationSignal::never(),
    )
    .await;
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    let Err(WaitError::Failed { message, .. }) = r else {
        panic!("{r:?}")
    };
    assert_eq!(
        message,
        r#"application not healthy after 3s: service "app" (container p-app-1) is running, health: starting"#
    );
}

#[tokio::test(start_paused = true)]
async fn up_wait_succeeds_once_everything_runs_healthy_or_completed() {
    let fake = Fake::default();
    fake.script(
        "p-app-1",
        vec![running(Some(Health::Starting)), running(Some(Health::Healthy))],
    );
    fake.script("p-once-1", vec![exited(0)]);
    let progress = Plain::new(Vec::new());
    let r = wait::wait_application(
        &fake,
        &app_targets(),
        Some(Duration::from_secs(3)),
        &progress,
        &CancellationSignal::never(),
    )
    .await;
    assert_eq!(r, Ok(()));
    let out = String::from_utf8(progress.into_inner()).unwrap();
    assert!(
        out.ends_with(" Container p-once-1 Exited \n Container p-app-1 Healthy \n"),
        "{out}"
    );
}

#[tokio::test(start_paused = true)]
async fn up_wait_fails_on_a_one_shot_exiting_non_zero_or_an_unhealthy_container() {
    let fake = Fake::default();
    fake.script("p-app-1", vec![running(None)]);
    fake.script("p-once-1", vec![exited(2)]);
    let r = wait::wait_application(&fake, &app_targets(), None, &Quiet, &CancellationSignal::never()).await;
    assert_eq!(
        r,
        Err(WaitError::Failed {
            message: r#"service "once" didn't complete successfully: exit 2"#.into(),
            detail: None
        })
    );

    let fake = Fake::default();
    fake.script("p-app-1", vec![running(Some(Health::Unhealthy))]);
    fake.script("p-once-1", vec![exited(0)]);
    let r = wait::wait_application(&fake, &app_targets(), None, &Quiet, &CancellationSignal::never()).await;
    assert_eq!(
        r,
        Err(WaitError::Failed {
            message: "container p-app-1 is unhealthy".into(),
            detail: None
        })
    );
}

#[test]
fn durations_read_as_go_prints_them() {
    assert_eq!(crate::units::go_duration(Duration::from_secs(3)), "3s");
    assert_eq!(crate::units::go_duration(Duration::from_secs(90)), "1m30s");
    assert_eq!(crate::units::go_duration(Duration::from_secs(3600)), "1h0m0s");
    assert_eq!(crate::units::go_duration(Duration::from_millis(500)), "500ms");
    assert_eq!(crate::units::go_duration(Duration::from_millis(1500)), "1.5s");
    assert_eq!(crate::units::go_duration(Duration::ZERO), "0s");
}

/// A one-shot without a healthcheck is done by exiting 0 (the reference fails it unless
/// another service waits for it to complete); a container with a healthcheck that exits
/// before it was healthy fails, 0 included; a one-shot others wait on must exit 0.
#[tokio::test(start_paused = true)]
async fn up_wait_takes_a_finished_job_as_done_and_fails_a_checked_container_that_exits() {
    let plain = |completes| vec![Target { service: "job".into(), container: "p-job-1".into(), completes }];
    let fake = Fake::default();
    fake.script("p-job-1", vec![exited(0)]);
    let r = wait::wait_application(&fake, &plain(false), None, &Quiet, &CancellationSignal::never()).await;
    assert_eq!(r, Ok(()));

    let fake = Fake::default();
    fake.script("p-job-1", vec![exited(2)]);
    let r = wait::wait_application(&fake, &plain(false), None, &Quiet, &CancellationSignal::never()).await;
    assert_eq!(r, Err(WaitError::Failed { message: "container p-job-1 exited (2)".into(), detail: None }));

    let fake = Fake::default();
    fake.script("p-job-1", vec![running(Some(Health::Starting)), exited_with_health(0, Health::Starting)]);
    let r = wait::wait_application(&fake, &plain(false), None, &Quiet, &CancellationSignal::never()).await;
    assert_eq!(r, Err(WaitError::Failed { message: "container p-job-1 exited (0)".into(), detail: None }));

    let fake = Fake::default();
    fake.script("p-job-1", vec![running(None), exited(0)]);
    let r = wait::wait_application(&fake, &plain(true), None, &Quiet, &CancellationSignal::never()).await;
    assert_eq!(r, Ok(()));
}

/// The lead may spawn a run on the runtime: its future must be `Send`.
#[test]
fn runs_and_waits_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let (plan, c, fake) = (Plan::default(), ctx(), Arc::new(Fake::default()));
    let never = CancellationSignal::never();
    assert_send(&execute(
        fake.clone(),
        &plan,
        &c,
        Limits::default(),
        &Quiet,
        never.clone(),
    ));
    assert_send(&wait::wait_application(&*fake, &[], None, &Quiet, &never));
}

#[tokio::test(start_paused = true)]
async fn a_network_still_in_use_is_left_in_place_without_failing() {
    let mut plan = Plan::default();
    plan.push(
        ResourceId::Network("p_default".into()),
        Op::RemoveNetwork { name: "p_default".into() },
        Reason::command("down"),
        vec![],
    );
    let mut fake = Fake::default();
    fake.fail.insert("rm-network p_default".into(), Kind::Conflict);
    let progress = Plain::new(Vec::new());
    let outcome = execute(
        Arc::new(fake),
        &plan,
        &ctx(),
        Limits::default(),
        &progress,
        CancellationSignal::never(),
    )
    .await;
    assert!(outcome.succeeded(), "{outcome:?}");
    let out = String::from_utf8(progress.into_inner()).unwrap();
    assert_eq!(out, " Network p_default Removing \n Network p_default Resource is still in use \n");
}

fn secret(target: &str) -> crate::model::InjectedFile {
    crate::model::InjectedFile {
        target: target.into(),
        content: crate::model::Sensitive::new("s3cret"),
        uid: 0,
        gid: 0,
        mode: 0o444,
        owned: false,
    }
}

#[tokio::test(start_paused = true)]
async fn files_go_to_the_new_container_and_into_an_existing_one_before_it_starts() {
    let mut plan = Plan::default();
    let files: Files = vec![secret("/run/secrets/token")].into();
    let op = Op::CreateContainer(replica("db", "p-db-1", files.clone()));
    plan.push(ResourceId::container("db", 1), op, Reason::command("no container"), vec![]);
    let op = Op::StartContainer(replica("extra", "my-extra", files));
    plan.push(ResourceId::container("extra", 1), op, Reason::command("container is exited"), vec![]);
    let fake = Arc::new(Fake::default());
    let outcome = run(&fake, &plan, &ctx(), Limits::default()).await;
    assert!(outcome.succeeded());
    let created = fake.created.lock().unwrap().clone();
    assert_eq!(
        created[0]
            .files
            .iter()
            .map(|f| f.target.as_str())
            .collect::<Vec<_>>(),
        ["/run/secrets/token"]
    );
    assert!(
        fake.position("end write my-extra /run/secrets/token")
            < fake.position("begin start my-extra")
    );
}

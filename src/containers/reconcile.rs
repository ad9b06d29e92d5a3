//! `up`: the actions that bring the engine from what it holds to what the project describes.
//! Images are planned first and on their own (`images`), because whether a container must be
//! recreated depends on the image a pull or build produces; `containers` plans the rest once
//! those images are known.

use std::collections::{BTreeMap, BTreeSet};

use super::desired::{condition_name, Desired, DesiredResource, DesiredService, Files, PullPolicy};
use super::conflict::NetworkClaim;
use crate::plan::diff;
use super::replica::{beside, new_container, replacement};
use super::rolling::{self, Swap};
use super::update_policy::{Order, Policy};
use crate::plan::{ActionId, Change, Plan, Reason, Replicas, ResourceId};
use crate::containers::ops::Op;
use crate::containers::names;
use crate::labels;
use crate::model::Condition;
use crate::containers::observe::{Observed, ObservedContainer, ObservedNetwork, RunState};

#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// The services named on the command line; empty means all. `--force-recreate` and `-V`
    /// apply to them, `--always-recreate-deps` to the dependencies pulled in with them.
    pub targets: Vec<String>,
    pub force_recreate: bool,
    pub no_recreate: bool,
    pub always_recreate_deps: bool,
    pub no_start: bool,
    pub remove_orphans: bool,
    /// `-V`: recreated containers get fresh anonymous volumes.
    pub renew_anon_volumes: bool,
    /// `--pull`, overriding each service's `pull_policy`.
    pub pull: Option<PullPolicy>,
    /// `--build`: build images before starting.
    pub build: bool,
    pub no_build: bool,
    /// `-t`: grace period for the containers this `up` stops.
    pub timeout: Option<i64>,
    /// `-y`: volumes whose configuration changed are recreated rather than kept.
    pub recreate_volumes: bool,
    /// Only these services' images and containers are planned, as if the others were not
    /// asked for (networks and volumes are planned in full): `run` brings up its dependencies,
    /// not its own service; `up --no-deps SERVICE…` the services named. `None`: every service
    /// desired.
    pub only: Option<Vec<String>>,
    /// Services whose containers are replaced whatever they hold, and why: `rollback`'s.
    pub replace: BTreeMap<String, Reason>,
    /// `--wait-timeout`: how long a rolling update's replacement may take to be ready.
    pub wait_timeout: Option<std::time::Duration>,
}

/// Pulls and builds: one action per image reference, whatever the number of services using it.
pub fn images(desired: &Desired, observed: &Observed, opts: &UpOptions) -> Result<Plan<Op>, Vec<String>> {
    let desired = desired.scoped(opts.only.as_deref());
    let mut plan = Plan::default();
    let mut errors = Vec::new();
    let mut planned = BTreeMap::new();
    for s in &desired.services {
        if planned.contains_key(&s.image) {
            continue;
        }
        match image_op(s, observed.images.contains_key(&s.image), opts) {
            Ok(Some((op, reason))) => {
                let id = plan.push(ResourceId::Image(s.image.clone()), op, reason, vec![]);
                planned.insert(s.image.clone(), id);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

fn image_op(s: &DesiredService, present: bool, opts: &UpOptions) -> Result<Option<(Op, Reason)>, String> {
    let build = || Op::BuildImage { service: s.name.clone(), image: s.image.clone(), labels: s.image_labels.clone() };
    let pull = || Op::PullImage { image: s.image.clone(), platform: s.platform.clone() };
    if s.has_build && opts.build {
        return Ok(Some((build(), Reason::command("--build"))));
    }
    let policy = opts.pull.unwrap_or(s.pull_policy);
    Ok(match policy {
        PullPolicy::Build if s.has_build => Some((build(), Reason::PullPolicy("build"))),
        PullPolicy::Always => Some((pull(), Reason::PullPolicy("always"))),
        _ if present => None,
        _ if s.has_build && opts.no_build => {
            return Err(format!("service {:?}: image {} is missing and --no-build was given", s.name, s.image))
        }
        _ if s.has_build => Some((build(), Reason::ImageMissing)),
        PullPolicy::Never => {
            return Err(format!(
                "service {:?}: image {} is not present locally and pull_policy is never",
                s.name, s.image
            ))
        }
        _ => Some((pull(), Reason::ImageMissing)),
    })
}

/// Networks, volumes and containers. `observed.images` must hold the images as they are after
/// the image plan ran.
pub fn containers(desired: &Desired, observed: &Observed, opts: &UpOptions) -> Result<Plan<Op>, Vec<String>> {
    let scoped = desired.scoped(opts.only.as_deref());
    let desired = &*scoped;
    let mut r = Reconciler {
        desired,
        observed,
        opts,
        plan: Plan::default(),
        networks: BTreeMap::new(),
        network_names: BTreeMap::new(),
        reattach: BTreeMap::new(),
        removed: BTreeSet::new(),
        volumes: BTreeMap::new(),
        starts: BTreeMap::new(),
        recreated: BTreeMap::new(),
        made: BTreeMap::new(),
        gates: BTreeMap::new(),
        file_errors: Vec::new(),
    };
    let mut errors = r.networks();
    errors.extend(r.volumes());
    if !errors.is_empty() {
        return Err(errors);
    }
    for s in &desired.services {
        errors.extend(r.missing_shared(s));
        r.service(s);
        r.plan.warnings.extend(s.file_warnings.iter().cloned());
    }
    errors.append(&mut r.file_errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    r.orphans();
    Ok(r.plan)
}

struct Reconciler<'a> {
    desired: &'a Desired,
    observed: &'a Observed,
    opts: &'a UpOptions,
    plan: Plan<Op>,
    networks: BTreeMap<String, ActionId>,
    /// The create action of each recreated network, by engine name.
    network_names: BTreeMap<String, ActionId>,
    /// The recreated networks each container was disconnected from, by container id.
    reattach: BTreeMap<String, Vec<String>>,
    /// Containers removed with a volume they use, by id.
    removed: BTreeSet<String>,
    volumes: BTreeMap<String, ActionId>,
    /// The start actions of each service, and whether it is being recreated.
    starts: BTreeMap<String, Vec<ActionId>>,
    recreated: BTreeMap<String, bool>,
    /// The create and recreate actions of each service: a container that joins another's
    /// network namespace or mounts its volumes can only be made once that one exists.
    made: BTreeMap<String, Vec<ActionId>>,
    gates: BTreeMap<(String, &'static str), ActionId>,
    /// Why secrets or configs of containers this plan makes or starts cannot be written.
    file_errors: Vec<String>,
}

impl<'a> Reconciler<'a> {
    fn networks(&mut self) -> Vec<String> {
        let observed = self.observed;
        let mut errors = Vec::new();
        for n in &self.desired.networks {
            if n.external {
                if observed.external_networks.get(&n.name) != Some(&true) {
                    errors.push(format!("network {} declared as external, but could not be found", n.name));
                }
            } else if let Some(found) = self.keeper(&n.name) {
                self.remove_duplicates(n);
                if diverged(n, found) {
                    match self.left_out(|c| c.networks.contains(&found.name), &format!("network {}", found.name)) {
                        Some(e) => errors.push(e),
                        None => self.recreate_network(n, found),
                    }
                }
            } else if let Some(owner) = observed.foreign_networks.get(&n.name) {
                let made_by = match owner {
                    Some(other) => format!("for project {other:?}"),
                    None => "by compose".to_string(),
                };
                self.plan.warnings.push(format!(
                    "a network with name {} exists but was not created {made_by}; it is used as it is \
                     (set `external: true` to say so)",
                    n.name
                ));
            } else {
                let op = self.create_network(n);
                let id = self.plan.push(ResourceId::Network(n.key.clone()), op, Reason::Missing, vec![]);
                self.networks.insert(n.key.clone(), id);
            }
        }
        errors
    }

    /// The network of this name the project keeps: of several (an interrupted run's create
    /// finished beside another's), the one `conflict::duplicate_networks` leaves.
    fn keeper(&self, name: &str) -> Option<&'a ObservedNetwork> {
        let found: Vec<&ObservedNetwork> = self.observed.networks.iter().filter(|o| o.name == name).collect();
        let extra = super::conflict::duplicate_networks(&self.desired.project, &found);
        found.into_iter().find(|n| !extra.contains(&n.id))
    }

    /// Removes the extra networks of a name by id (the name is ambiguous to the engine); the
    /// containers made on the network wait for it.
    fn remove_duplicates(&mut self, n: &DesiredResource) {
        let found: Vec<&ObservedNetwork> = self.observed.networks.iter().filter(|o| o.name == n.name).collect();
        let mut last = None;
        for id in super::conflict::duplicate_networks(&self.desired.project, &found) {
            let reason = Reason::DuplicateNetwork(n.name.clone());
            let op = Op::RemoveNetwork { name: id };
            last = Some(self.plan.push(ResourceId::Network(n.key.clone()), op, reason, last.into_iter().collect()));
        }
        if let Some(last) = last {
            self.networks.insert(n.key.clone(), last);
        }
    }

    /// As the reference does: the project's containers on the network are stopped and
    /// disconnected, the network is removed and made anew. The replicas kept are reconnected
    /// with their aliases and started (`service`); the others stay stopped.
    fn recreate_network(&mut self, n: &DesiredResource, found: &ObservedNetwork) {
        let resource = ResourceId::Network(n.key.clone());
        let changes = n.network.as_ref().map(|w| super::network_diff::network_changes(found, w)).unwrap_or_default();
        let reason = Reason::Changed(if changes.is_empty() { Change::Hash } else { Change::Fields(changes) });
        let mut detached = Vec::new();
        let observed = self.observed;
        for c in observed.containers.iter().filter(|c| c.networks.contains(&found.name)) {
            let container = ResourceId::container(&c.service, c.number);
            let why = Reason::NetworkRecreating(n.key.clone());
            let stop = c.state.is_running().then(|| {
                let timeout = self.opts.timeout.or_else(|| self.desired.service(&c.service).and_then(|s| s.stop_timeout));
                self.plan.push(container.clone(), Op::StopContainer { name: c.name.clone(), timeout }, why.clone(), vec![])
            });
            let op = Op::DisconnectNetwork { container: c.name.clone(), network: found.name.clone() };
            detached.push(self.plan.push(container, op, why, stop.into_iter().collect()));
            self.reattach.entry(c.id.clone()).or_default().push(found.name.clone());
        }
        let remove = self.plan.push(resource.clone(), Op::RemoveNetwork { name: found.name.clone() }, reason.clone(), detached);
        let op = self.create_network(n);
        let create = self.plan.push(resource, op, reason, vec![remove]);
        self.networks.insert(n.key.clone(), create);
        self.network_names.insert(found.name.clone(), create);
    }

    fn create_network(&self, n: &DesiredResource) -> Op {
        let claim = NetworkClaim { project: self.desired.project.clone(), name: n.name.clone(), hash: n.hash.clone() };
        Op::CreateNetwork { key: n.key.clone(), name: n.name.clone(), claim }
    }

    /// A network or volume can only be made anew once every container is off it; those of
    /// services this run leaves alone (named services only) would stay off it, stopped.
    fn left_out(&self, uses: impl Fn(&ObservedContainer) -> bool, what: &str) -> Option<String> {
        let mut services: Vec<&str> = self
            .observed
            .containers
            .iter()
            .filter(|c| uses(c) && !c.oneoff)
            .filter(|c| self.desired.known_services.contains(&c.service) && self.desired.service(&c.service).is_none())
            .map(|c| c.service.as_str())
            .collect();
        services.sort();
        services.dedup();
        (!services.is_empty()).then(|| {
            format!(
                "{what} changed and must be made anew, but services this up leaves alone use it ({}): \
                 name them too, or run up for the whole project",
                services.join(", ")
            )
        })
    }

    fn volumes(&mut self) -> Vec<String> {
        let observed = self.observed;
        let mut errors = Vec::new();
        for v in &self.desired.volumes {
            if v.external {
                if observed.external_volumes.get(&v.name) != Some(&true) {
                    errors.push(format!("external volume \"{}\" not found", v.name));
                }
            } else if let Some(found) = observed.volumes.iter().find(|o| o.name == v.name) {
                let diverged = found.labels.get(labels::CONFIG_HASH).is_some_and(|h| !h.is_empty() && *h != v.hash);
                let left_out = || self.left_out(|c| c.named_volumes.contains(&v.name), &format!("volume {}", v.name));
                if diverged && self.opts.recreate_volumes {
                    match left_out() {
                        Some(e) => errors.push(e),
                        None => self.recreate_volume(v),
                    }
                } else if diverged {
                    self.plan.warnings.push(format!(
                        "volume \"{}\" exists but doesn't match the configuration in the compose file; it is kept \
                         as it is (run up with -y to recreate it: its data will be lost)",
                        v.name
                    ));
                }
            } else {
                let op = Op::CreateVolume { key: v.key.clone(), name: v.name.clone() };
                let id = self.plan.push(ResourceId::Volume(v.key.clone()), op, Reason::Missing, vec![]);
                self.volumes.insert(v.key.clone(), id);
            }
        }
        errors
    }

    /// `-y`: the containers using the volume go (the project's replicas are made anew by
    /// `service`), then the volume is removed and made again.
    fn recreate_volume(&mut self, v: &DesiredResource) {
        let observed = self.observed;
        let mut removed = Vec::new();
        for c in observed.containers.iter().filter(|c| c.named_volumes.contains(&v.name)) {
            let why = Reason::VolumeRecreating(v.key.clone());
            let timeout = self.desired.service(&c.service).and_then(|s| s.stop_timeout);
            removed.push(self.remove(c, why, timeout));
            self.removed.insert(c.id.clone());
        }
        let resource = ResourceId::Volume(v.key.clone());
        let remove = self.plan.push(resource.clone(), Op::RemoveVolume { name: v.name.clone() }, Reason::VolumeReset, removed);
        let op = Op::CreateVolume { key: v.key.clone(), name: v.name.clone() };
        let create = self.plan.push(resource, op, Reason::VolumeReset, vec![remove]);
        self.volumes.insert(v.key.clone(), create);
    }

    fn service(&mut self, s: &DesiredService) {
        let existing: Vec<&ObservedContainer> = self
            .observed
            .containers
            .iter()
            .filter(|c| c.service == s.name && !c.oneoff && !self.removed.contains(&c.id))
            .collect();
        let replicas = pick_replicas(&existing, |n| self.desired.container_name(s, n));
        let prereqs = self.prerequisites(s);
        let mut starts = Vec::new();
        let mut made = Vec::new();
        let mut recreated = false;
        let numbers = self.replica_numbers(s, &replicas);
        let taken: BTreeSet<u32> = existing.iter().map(|c| c.number).chain(numbers.iter().copied()).collect();
        let mut free = (1..).filter(move |n| !taken.contains(n));
        let mut rolls = Vec::new();
        let mut containers = Vec::new();
        for &n in &numbers {
            let resource = ResourceId::container(&s.name, n);
            let name = self.desired.container_name(s, n);
            let recreate = replicas.get(&n).and_then(|c| self.recreate_reason(s, c, &name));
            containers.push(match (replicas.get(&n), &recreate) {
                (Some(c), None) => c.name.clone(),
                _ => name.clone(),
            });
            match replicas.get(&n) {
                None => {
                    let files = self.files(s);
                    let op = Op::CreateContainer(new_container(self.desired, self.observed, s, n, &name, files));
                    let c = self.plan.push(resource.clone(), op, Reason::NoContainer, prereqs.clone());
                    made.push(c);
                    // Written at create: the start has nothing to add.
                    starts.push(self.start(s, n, &name, &resource, Reason::Created, vec![c], Files::default()));
                }
                Some(c) => match recreate {
                    Some(reason) if s.update.is_some() && !self.opts.no_start => {
                        recreated = true;
                        let files = self.files(s);
                        let roll = self.rolling_replica(s, n, &name, c, reason, files, &mut free);
                        if let (Swap::StartFirst(new), Some(last)) = (&roll.swap, containers.last_mut()) {
                            last.clone_from(&new.name);
                        }
                        rolls.push(roll);
                    }
                    Some(reason) => {
                        recreated = true;
                        let files = self.files(s);
                        let timeout = self.opts.timeout.or(s.stop_timeout);
                        let renew = self.opts.renew_anon_volumes;
                        let new = beside(self.desired, self.observed, s, n, &name, c, files, renew);
                        let (new, old) = replacement(self.observed, new, c, timeout);
                        let op = Op::RecreateContainer { new, old };
                        let r = self.plan.push(resource.clone(), op, reason, prereqs.clone());
                        made.push(r);
                        // Written at create: the start has nothing to add.
                        starts.push(self.start(s, n, &name, &resource, Reason::Recreated, vec![r], Files::default()));
                    }
                    // An existing container gets its files again before it starts, with the
                    // values of now, as the reference does.
                    None if self.reattach.contains_key(&c.id) => {
                        let connects = self.reconnect(s, n, &name, c, &resource);
                        let files = self.files(s);
                        starts.push(self.start(s, n, &name, &resource, Reason::Reconnected, connects, files));
                    }
                    None if c.state != RunState::Running => {
                        let reason = Reason::NotRunning(state_name(c.state));
                        let files = self.files(s);
                        starts.push(self.start(s, n, &name, &resource, reason, vec![], files));
                    }
                    None => self.restart_for_dependencies(s, c, &resource),
                },
            }
        }
        if let Some(policy) = s.update.as_ref().filter(|_| !rolls.is_empty()) {
            let planned = self.roll(s, policy, rolls, prereqs);
            made.extend(planned.made);
            starts.extend(planned.starts.into_iter().map(Some));
        }
        self.surplus(s, &existing, &replicas, &numbers);
        let completes = self.desired.completes(&s.name);
        self.plan.replicas.insert(s.name.clone(), Replicas { containers, completes });
        self.starts.insert(s.name.clone(), starts.into_iter().flatten().collect());
        self.recreated.insert(s.name.clone(), recreated);
        self.made.insert(s.name.clone(), made);
    }

    /// A replica of a service with `update_config` to replace: beside it, under a free
    /// number, or in its place.
    #[allow(clippy::too_many_arguments)]
    fn rolling_replica(
        &self,
        s: &DesiredService,
        n: u32,
        name: &str,
        c: &ObservedContainer,
        reason: Reason,
        files: Files,
        free: &mut impl Iterator<Item = u32>,
    ) -> rolling::Replica {
        let renew = self.opts.renew_anon_volumes;
        let endpoint = new_container(self.desired, self.observed, s, c.number, &c.name, Files::default());
        let old = rolling::Old { id: c.id.clone(), name: c.name.clone(), number: c.number, networks: c.networks.clone(), endpoint };
        let order = s.update.as_ref().map_or(Order::StopFirst, Policy::effective_order);
        let swap = match (order, free.next()) {
            (Order::StartFirst, Some(m)) => {
                let new_name = self.desired.container_name(s, m);
                Swap::StartFirst(beside(self.desired, self.observed, s, m, &new_name, c, files, renew))
            }
            _ => {
                let timeout = self.opts.timeout.or(s.stop_timeout);
                let new = beside(self.desired, self.observed, s, n, name, c, files, renew);
                let (new, replaced) = replacement(self.observed, new, c, timeout);
                Swap::StopFirst { new, replaced }
            }
        };
        rolling::Replica { reason, old, swap }
    }

    /// The rollout of a service's replicas to replace (`containers::rolling`).
    fn roll(&mut self, s: &DesiredService, policy: &Policy, rolls: Vec<rolling::Replica>, after: Vec<ActionId>) -> rolling::Planned {
        let gates = self.gates_for(s);
        let name_of = |key: &String| self.desired.networks.iter().find(|n| n.key == *key).map(|n| n.name.clone());
        let rollout = rolling::Rollout {
            service: &s.name,
            policy,
            networks: s.networks.iter().filter_map(name_of).collect(),
            wait_timeout: self.opts.wait_timeout,
            stop_timeout: self.opts.timeout.or(s.stop_timeout),
            after,
            gates,
        };
        rolling::plan(&mut self.plan, &rollout, rolls)
    }

    fn reconnect(&mut self, s: &DesiredService, n: u32, name: &str, c: &ObservedContainer, resource: &ResourceId) -> Vec<ActionId> {
        let networks = self.reattach.get(&c.id).cloned().unwrap_or_default();
        networks
            .into_iter()
            .filter_map(|network| {
                let create = *self.network_names.get(&network)?;
                let reason = Reason::NetworkRecreated(network.clone());
                let container = new_container(self.desired, self.observed, s, n, name, Files::default());
                let op = Op::ConnectNetwork { container, network };
                Some(self.plan.push(resource.clone(), op, reason, vec![create]))
            })
            .collect()
    }

    /// A service joining another's namespace or taking its volumes needs a container of it,
    /// there already or made by this run (`--no-deps` makes none): the reference's errors.
    fn missing_shared(&self, s: &DesiredService) -> Vec<String> {
        let Some(shares) = &s.shares else { return Vec::new() };
        let mut missing: Vec<String> = crate::hash::shared_references(&shares.model)
            .into_iter()
            .filter(|(d, _)| !self.has_container(d))
            .map(|(d, what)| format!("cannot share {what} with service {d}: container missing"))
            .collect();
        missing.dedup();
        missing
    }

    fn has_container(&self, service: &str) -> bool {
        self.made.get(service).is_some_and(|m| !m.is_empty())
            || self.observed.containers.iter().any(|c| c.service == service && !c.oneoff && !self.removed.contains(&c.id))
    }

    fn prerequisites(&self, s: &DesiredService) -> Vec<ActionId> {
        let nets = s.networks.iter().filter_map(|k| self.networks.get(k));
        let vols = s.volumes.iter().filter_map(|k| self.volumes.get(k));
        let deps = s.depends_on.iter().filter_map(|d| self.made.get(&d.service)).flatten();
        nets.chain(vols).chain(deps).copied().collect()
    }

    /// The files a container of `s` gets; when they cannot be made, the plan fails.
    fn files(&mut self, s: &DesiredService) -> Files {
        match &s.files {
            Ok(files) => files.clone(),
            Err(errors) => {
                for e in errors {
                    if !self.file_errors.contains(e) {
                        self.file_errors.push(e.clone());
                    }
                }
                Files::default()
            }
        }
    }

    /// Starts a replica once `after` and the service's dependency gates are done.
    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        s: &DesiredService,
        n: u32,
        name: &str,
        resource: &ResourceId,
        reason: Reason,
        mut after: Vec<ActionId>,
        files: Files,
    ) -> Option<ActionId> {
        if self.opts.no_start {
            return None;
        }
        after.extend(self.gates_for(s));
        let op = Op::StartContainer(new_container(self.desired, self.observed, s, n, name, files));
        Some(self.plan.push(resource.clone(), op, reason, after))
    }

    /// The gates a service's containers wait for before starting: one per dependency that is
    /// part of this run, shared by all who wait on the same condition. A dependency already
    /// running needs no gate for `service_started`.
    fn gates_for(&mut self, s: &DesiredService) -> Vec<ActionId> {
        let mut gates = Vec::new();
        for d in &s.depends_on {
            let Some(starts) = self.starts.get(&d.service).cloned() else { continue };
            if d.condition == Condition::ServiceStarted && starts.is_empty() {
                continue;
            }
            let key = (d.service.clone(), condition_name(d.condition));
            let gate = match self.gates.get(&key) {
                Some(g) => *g,
                None => {
                    let containers = self.plan.replicas.get(&d.service).map(|r| r.containers.clone()).unwrap_or_default();
                    let op = Op::AwaitService {
                        service: d.service.clone(),
                        condition: d.condition,
                        required: d.required,
                        containers,
                    };
                    let reason = Reason::DependsOn { service: s.name.clone(), condition: condition_name(d.condition) };
                    let g = self.plan.push(ResourceId::Service(d.service.clone()), op, reason, starts);
                    self.gates.insert(key, g);
                    g
                }
            };
            gates.push(gate);
        }
        gates
    }

    /// Like the reference: the services asked for follow `--force-recreate` (and `-V`, which
    /// needs new containers), their dependencies follow `--always-recreate-deps`, and both
    /// are recreated when their configuration or image changed.
    fn recreate_reason(&self, s: &DesiredService, c: &ObservedContainer, name: &str) -> Option<Reason> {
        if names::is_set_aside(&c.name, name) {
            return Some(Reason::SetAside(c.name.clone()));
        }
        if let Some(reason) = self.opts.replace.get(&s.name) {
            return Some(reason.clone());
        }
        if self.opts.no_recreate {
            return None;
        }
        let target = self.opts.targets.is_empty() || self.opts.targets.contains(&s.name);
        if target && self.opts.force_recreate {
            return Some(Reason::ForceRecreate);
        }
        if target && self.opts.renew_anon_volumes {
            return Some(Reason::RenewAnonVolumes);
        }
        if !target && self.opts.always_recreate_deps {
            return Some(Reason::AlwaysRecreateDeps);
        }
        if let Some(d) = self.shared_made_anew(s) {
            return Some(Reason::SharesWithNew(d.to_string()));
        }
        if c.label(labels::CONFIG_HASH) != Some(self.expected_hash(s).as_str()) {
            return Some(Reason::Changed(match c.label(labels::APPLIED).map(|old| diff::changes(old, &s.applied)) {
                Some(Some(changes)) if !changes.is_empty() => Change::Fields(changes),
                Some(None) => Change::Unexplained,
                Some(_) if s.shares.is_some() => Change::SharedReplaced,
                Some(_) => Change::Unexplained,
                None => Change::OtherTool,
            }));
        }
        if let Some(reason) = content_changed(s, c) {
            return Some(reason);
        }
        if self.observed.images.get(&s.image).is_some_and(|id| *id != c.image_id) {
            return Some(Reason::ImageChanged(s.image.clone()));
        }
        if let Some(key) = self.missing_network(s, c) {
            return Some(Reason::NetworkNotAttached(key.to_string()));
        }
        self.missing_volume(s, c).map(|(key, name)| Reason::VolumeNotMounted { key: key.to_string(), name: name.to_string() })
    }

    /// A named volume of the service the container does not mount: an external volume's
    /// `name:` changed, say, which the config hash does not cover.
    fn missing_volume<'s>(&'s self, s: &'s DesiredService, c: &ObservedContainer) -> Option<(&'s str, &'s str)> {
        let name_of = |key: &str| self.desired.volumes.iter().find(|v| v.key == key).map(|v| v.name.as_str());
        s.volumes
            .iter()
            .filter_map(|key| Some((key.as_str(), name_of(key)?)))
            .find(|(_, name)| !c.named_volumes.iter().any(|n| n == name))
    }

    /// A network of the service the container is not on: disconnected by hand, or left off
    /// by an interrupted network recreation.
    fn missing_network<'s>(&self, s: &'s DesiredService, c: &ObservedContainer) -> Option<&'s str> {
        let name_of = |key: &str| self.desired.networks.iter().find(|n| n.key == key).map(|n| &n.name);
        s.networks.iter().map(String::as_str).find(|key| name_of(key).is_some_and(|name| !c.networks.contains(name)))
    }

    fn shared_made_anew<'s>(&self, s: &'s DesiredService) -> Option<&'s str> {
        let shared = s.shares.iter().flat_map(|sh| &sh.services);
        shared.map(String::as_str).find(|d| self.made.get(*d).is_some_and(|m| !m.is_empty()))
    }

    /// The hash a container of `s` made from the engine's current state would carry.
    fn expected_hash(&self, s: &DesiredService) -> String {
        let Some(shares) = &s.shares else { return s.hash.clone() };
        let ids = shares
            .services
            .iter()
            .filter_map(|d| {
                let first = self.observed.containers.iter().filter(|c| c.service == *d && !c.oneoff).min_by(|a, b| a.name.cmp(&b.name))?;
                Some((d.clone(), first.id.clone()))
            })
            .collect();
        s.hash_with(&ids)
    }

    /// A running, unchanged container whose dependency was recreated, with `restart: true`.
    fn restart_for_dependencies(&mut self, s: &DesiredService, c: &ObservedContainer, resource: &ResourceId) {
        if self.opts.no_start {
            return;
        }
        let Some(dep) = s.depends_on.iter().find(|d| d.restart && self.recreated.get(&d.service) == Some(&true)) else {
            return;
        };
        let after = self.starts.get(&dep.service).cloned().unwrap_or_default();
        let op = Op::RestartContainer { name: c.name.clone(), timeout: self.opts.timeout.or(s.stop_timeout) };
        let reason = Reason::DependencyRecreated(dep.service.clone());
        self.plan.push(resource.clone(), op, reason, after);
    }

    /// Replicas beyond the wanted number go, the highest numbers first; so do second
    /// containers of a replica, which an interrupted recreate leaves.
    /// The replica numbers the service runs after this `up`: those of its containers, and the
    /// lowest free numbers for the ones missing. Scaling down keeps, as the reference does,
    /// the containers that are up to date first, then the lowest numbers.
    fn replica_numbers(&self, s: &DesiredService, replicas: &BTreeMap<u32, &ObservedContainer>) -> Vec<u32> {
        let wanted = usize::try_from(s.replicas).unwrap_or(usize::MAX);
        let mut numbers: Vec<u32> = replicas.keys().copied().collect();
        if numbers.len() > wanted {
            let outdated = |n: &u32| {
                replicas.get(n).is_some_and(|c| self.recreate_reason(s, c, &self.desired.container_name(s, *n)).is_some())
            };
            numbers.sort_by_key(|n| (outdated(n), *n));
            numbers.truncate(wanted);
        }
        let mut free = (1..).filter(|n| !replicas.contains_key(n));
        while numbers.len() < wanted {
            numbers.extend(free.next());
        }
        numbers.sort_unstable();
        numbers
    }

    fn surplus(&mut self, s: &DesiredService, existing: &[&ObservedContainer], kept: &BTreeMap<u32, &ObservedContainer>, numbers: &[u32]) {
        let scaled_away = |c: &ObservedContainer| !numbers.contains(&c.number);
        let is_extra = |c: &&ObservedContainer| scaled_away(c) || kept.get(&c.number).is_none_or(|k| k.id != c.id);
        let mut extra: Vec<&ObservedContainer> = existing.iter().copied().filter(is_extra).collect();
        extra.sort_by_key(|c| std::cmp::Reverse(c.number));
        for c in extra {
            let reason = if scaled_away(c) { Reason::ScaledTo(s.replicas) } else { Reason::SecondContainer(c.number) };
            self.remove(c, reason, s.stop_timeout);
        }
    }

    fn remove(&mut self, c: &ObservedContainer, reason: Reason, stop_timeout: Option<i64>) -> ActionId {
        let resource = ResourceId::container(&c.service, c.number);
        let timeout = self.opts.timeout.or(stop_timeout);
        let stop = self.plan.push(resource.clone(), Op::StopContainer { name: c.name.clone(), timeout }, reason.clone(), vec![]);
        let op = Op::RemoveContainer { name: c.name.clone(), id: c.id.clone(), volumes: false };
        self.plan.push(resource, op, reason, vec![stop])
    }

    /// As the reference counts them: containers of services no longer in the files, and
    /// one-off containers that have exited.
    fn is_orphan(&self, c: &ObservedContainer) -> bool {
        if c.oneoff {
            matches!(c.state, RunState::Exited | RunState::Dead)
        } else {
            !self.desired.known_services.contains(&c.service)
        }
    }

    fn orphans(&mut self) {
        let orphans: Vec<&ObservedContainer> = self
            .observed
            .containers
            .iter()
            .filter(|c| !self.removed.contains(&c.id) && self.is_orphan(c))
            .collect();
        if orphans.is_empty() {
            return;
        }
        if self.opts.remove_orphans {
            for c in orphans {
                self.remove(c, Reason::Orphan { oneoff: c.oneoff }, self.opts.timeout);
            }
        } else {
            let names: Vec<&str> = orphans.iter().map(|c| c.name.as_str()).collect();
            self.plan.warnings.push(format!(
                "Found orphan containers ({}) for this project. If you removed or renamed this service in your \
                 compose file, you can run this command with the --remove-orphans flag to clean it up.",
                names.join(", ")
            ));
        }
    }
}

/// A network made by compose whose config hash differs from its definition's. One without
/// the label (made by hand, or by an old compose) is taken as it is, as the reference takes it.
fn diverged(n: &DesiredResource, found: &ObservedNetwork) -> bool {
    found.labels.get(labels::CONFIG_HASH).is_some_and(|h| !h.is_empty() && *h != n.hash)
}

/// The container kept for each replica number: the one holding the replica's name, else the
/// one running, else the newest.
fn pick_replicas<'c>(existing: &[&'c ObservedContainer], name_of: impl Fn(u32) -> String) -> BTreeMap<u32, &'c ObservedContainer> {
    let rank = |c: &ObservedContainer| (c.name == name_of(c.number), c.state == RunState::Running, c.created);
    let mut kept: BTreeMap<u32, &ObservedContainer> = BTreeMap::new();
    for c in existing {
        if kept.get(&c.number).is_none_or(|k| rank(k) < rank(c)) {
            kept.insert(c.number, c);
        }
    }
    kept
}

/// The secrets and configs whose content differs from what the container got, both digests
/// known. A container without dockhand's content label (the reference's, an older
/// dockhand's) is kept, as the reference keeps every container whatever its files hold.
fn content_changed(s: &DesiredService, c: &ObservedContainer) -> Option<Reason> {
    let got = names::content_digests(&c.labels)?;
    let changed: Vec<String> = s
        .content
        .iter()
        .filter(|d| got.get(&(d.kind.to_string(), d.key.clone())).is_some_and(|old| *old != d.digest))
        .map(|d| format!("{} {}", d.kind, d.key))
        .collect();
    (!changed.is_empty()).then_some(Reason::ContentChanged(changed))
}

pub fn state_name(s: RunState) -> &'static str {
    match s {
        RunState::Created => "created",
        RunState::Running => "running",
        RunState::Paused => "paused",
        RunState::Restarting => "restarting",
        RunState::Removing => "removing",
        RunState::Exited => "exited",
        RunState::Dead => "dead",
    }
}

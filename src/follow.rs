//! Following containers: their output printed as it comes, their ends reported, and
//! containers that start later (a restart, a recreate, a new replica) joining in. Used by
//! attached `up` and by `logs -f`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::stream::{BoxStream, StreamExt};
use tokio::task::JoinSet;

use crate::containers::names;
use crate::engine::{ContainerEvent, ContainerIo, Engine, LogRequest};
use crate::logprint::Printer;
use crate::containers::observe::{ObservedContainer, RunState};

/// Which containers to follow.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Services; `None` means every service.
    pub services: Option<Vec<String>>,
    /// Only this replica number.
    pub index: Option<u32>,
}

impl Selector {
    pub fn matches(&self, service: &str, number: u32, oneoff: bool) -> bool {
        !oneoff
            && self.services.as_ref().is_none_or(|wanted| wanted.iter().any(|s| s == service))
            && self.index.is_none_or(|i| i == number)
    }
}

/// A followed container whose output ended because it stopped.
#[derive(Debug, Clone)]
pub struct Ended {
    pub id: String,
    /// As shown in prefixes: `web-1`.
    pub name: String,
    pub service: String,
    pub exit_code: i64,
    /// It stopped but its restart policy brings it back.
    pub restarting: bool,
}

pub struct Follow<E> {
    engine: Arc<E>,
    project: String,
    printer: Arc<Printer>,
    selector: Selector,
    /// Template for containers joining later: only their new output.
    request: LogRequest,
    events: BoxStream<'static, crate::engine::Result<ContainerEvent>>,
    tasks: JoinSet<Ended>,
    active: HashSet<String>,
    /// When following of each container began (unix ns): a start event older than this is
    /// already covered.
    since: HashMap<String, i64>,
    /// Containers that started again while their previous run was still being read (a fast
    /// restart), with the time of that start: followed anew once the old stream ends, since
    /// no other start event will come for them.
    restarted: HashMap<String, i64>,
    /// How long to wait, once nothing runs, for a container to come back (a recreate).
    grace: Duration,
}

impl<E: Engine + ContainerIo> Follow<E> {
    /// Subscribes to the project's events first, so that no start is missed.
    pub fn new(
        engine: Arc<E>,
        project: &str,
        printer: Arc<Printer>,
        selector: Selector,
        request: LogRequest,
        grace: Duration,
    ) -> Follow<E> {
        let events = engine.events(&names::project_filter(project), Some(now_nanos() / 1_000_000_000));
        Follow {
            engine,
            project: project.to_string(),
            printer,
            selector,
            request,
            events,
            tasks: JoinSet::new(),
            active: HashSet::new(),
            since: HashMap::new(),
            restarted: HashMap::new(),
            grace,
        }
    }

    /// Starts following the containers there are now, reading `request` of their logs.
    pub fn add_existing(&mut self, containers: &[ObservedContainer], request: &LogRequest) {
        let mut chosen: Vec<&ObservedContainer> = containers
            .iter()
            .filter(|c| self.selector.matches(&c.service, c.number, c.oneoff))
            .collect();
        chosen.sort_by(|a, b| a.name.cmp(&b.name));
        for c in &chosen {
            self.printer.register(names::without_project(&self.project, &c.name), &c.service);
        }
        for c in chosen {
            self.add(&c.id, &c.name, &c.service, request.clone());
        }
    }

    pub fn printer(&self) -> &Printer {
        &self.printer
    }

    /// The next followed container that ended; `None` once nothing is followed and no
    /// selected container runs (after the grace period).
    pub async fn next(&mut self) -> Option<Ended> {
        loop {
            if self.tasks.is_empty() {
                if !self.wait_for_start().await {
                    return None;
                }
                continue;
            }
            tokio::select! {
                Some(done) = self.tasks.join_next() => {
                    if let Ok(ended) = done {
                        self.active.remove(&ended.id);
                        if let Some(started) = self.restarted.remove(&ended.id) {
                            let request = LogRequest { since: Some(started / 1_000_000_000), ..self.request.clone() };
                            self.add(&ended.id, &ended.name, &ended.service, request);
                        }
                        return Some(ended);
                    }
                }
                Some(event) = self.events.next() => self.on_event(event),
            }
        }
    }

    /// Nothing followed: waits for a selected container to start. False when none runs or
    /// comes back within the grace period.
    async fn wait_for_start(&mut self) -> bool {
        if self.selected_running().await {
            // A restart policy brings it back: wait for its start, however long.
            while self.tasks.is_empty() {
                match self.events.next().await {
                    Some(e) => self.on_event(e),
                    None => return false,
                }
            }
            return true;
        }
        let deadline = tokio::time::sleep(self.grace);
        tokio::pin!(deadline);
        while self.tasks.is_empty() {
            tokio::select! {
                () = &mut deadline => return false,
                e = self.events.next() => match e {
                    Some(e) => self.on_event(e),
                    None => return false,
                },
            }
        }
        true
    }

    async fn selected_running(&self) -> bool {
        match self.engine.list_containers(&names::project_filter(&self.project)).await {
            Ok(list) => list.iter().any(|c| {
                self.selector.matches(&c.service, c.number, c.oneoff)
                    && matches!(c.state, RunState::Running | RunState::Restarting)
            }),
            Err(_) => false,
        }
    }

    fn on_event(&mut self, event: crate::engine::Result<ContainerEvent>) {
        let Ok(e) = event else { return };
        if e.action != "start" || !self.selector.matches(&e.service, e.number, e.oneoff) {
            return;
        }
        if self.since.get(&e.id).is_some_and(|t| e.time_nano < *t) {
            return;
        }
        if self.active.contains(&e.id) {
            self.restarted.insert(e.id.clone(), e.time_nano);
            return;
        }
        let request = LogRequest { since: Some(e.time_nano / 1_000_000_000), ..self.request.clone() };
        self.add(&e.id, &e.name, &e.service, request);
    }

    fn add(&mut self, id: &str, name: &str, service: &str, request: LogRequest) {
        self.active.insert(id.to_string());
        self.since.insert(id.to_string(), now_nanos());
        let engine = self.engine.clone();
        let lines = self.printer.lines(names::without_project(&self.project, name), service);
        let ended = Ended {
            id: id.to_string(),
            name: names::without_project(&self.project, name).to_string(),
            service: service.to_string(),
            exit_code: 0,
            restarting: false,
        };
        self.tasks.spawn(async move {
            let output = lines.output();
            let mut stream = engine.logs(&ended.id, &request);
            while let Some(Ok(chunk)) = stream.next().await {
                output(&chunk);
            }
            lines.flush();
            match engine.container_status(&ended.id).await {
                Ok(s) => Ended {
                    exit_code: s.exit_code.unwrap_or(0),
                    restarting: s.state == RunState::Restarting,
                    ..ended
                },
                Err(_) => ended,
            }
        });
    }
}

pub fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;

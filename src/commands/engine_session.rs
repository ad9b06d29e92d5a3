//! What every engine command does first: load the project, connect, derive the desired state
//! and observe the engine once; then run plans through the scheduler with progress output.

mod connect;
mod runtime;
mod target;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::options::EngineOptions;
use crate::containers::names;
use crate::engine::BuildOutput;
use crate::engine::docker::{BuildStyle, DockerEngine};
use crate::cancel::{self, CancellationSignal};
use crate::containers::ops::Op;
use crate::containers::perform::{self, Context};
use crate::engine::{Engine, PsEntry};
use crate::load::{self, Loaded, Options};
use crate::scheduler::{Limits, Outcome};
use crate::model::Project;
use crate::containers::observe::{self, Observed, Wanted};
use crate::containers::desired::{self, Desired, Origin};
use crate::plan::{Plan, Replicas};
use crate::containers::wait;
use crate::progress;

pub use connect::{connect, observe_for};
use connect::named;
pub use runtime::block_on;
pub use target::{target, Target};

pub fn fail(errors: &[String]) -> ExitCode {
    for e in errors {
        eprintln!("error: {e}");
    }
    ExitCode::FAILURE
}

/// Where the loaded project came from, as its containers record it.
pub fn origin(loaded: &Loaded) -> Origin {
    Origin {
        working_dir: loaded.project_dir.clone(),
        config_files: loaded.files.clone(),
        environment_files: loaded.env_files.clone(),
        disabled_services: loaded.disabled_services.clone(),
    }
}

pub struct Session {
    pub project: Arc<Project>,
    pub loaded: Option<Loaded>,
    pub desired: Desired,
    pub observed: Observed,
    pub engine: Arc<DockerEngine>,
    engine_opts: EngineOptions,
    cancel: CancellationSignal,
    /// `build --no-cache` and `--pull`.
    no_cache: bool,
    pull: bool,
}

impl Session {
    /// Loads, connects and observes.
    pub async fn open(opts: &Options, engine_opts: &EngineOptions, scale: &BTreeMap<String, u32>) -> Option<Session> {
        match load::load(opts) {
            Ok(l) => Session::from_loaded(l, opts, engine_opts, scale).await,
            Err(f) => {
                super::report::print_failure(f);
                None
            }
        }
    }

    pub async fn from_loaded(
        loaded: Loaded,
        opts: &Options,
        engine_opts: &EngineOptions,
        scale: &BTreeMap<String, u32>,
    ) -> Option<Session> {
        super::report::print_warnings(&loaded.warnings);
        let project = Arc::new(loaded.project.clone());
        let desired = desired::desired(&project, &origin(&loaded), scale);
        let engine = connect(&opts.shell_env).await?;
        let observed = observe_for(&engine, &desired).await?;
        Some(Session::from_parts(project, Some(loaded), desired, observed, engine, engine_opts))
    }

    /// The project from its files; without any file, from `-p`/`COMPOSE_PROJECT_NAME` alone.
    pub async fn open_target(opts: &Options, engine_opts: &EngineOptions) -> Option<Session> {
        match target(opts)? {
            Target::Loaded(loaded) => Session::from_loaded(*loaded, opts, engine_opts, &BTreeMap::new()).await,
            Target::Named(name) => Session::by_name(opts, engine_opts, name).await,
        }
    }

    async fn by_name(opts: &Options, engine_opts: &EngineOptions, name: String) -> Option<Session> {
        let project = Arc::new(Project { name: name.clone(), ..Project::default() });
        let desired = desired::desired(&project, &Origin::default(), &BTreeMap::new());
        let engine = connect(&opts.shell_env).await?;
        let observed = match observe::observe(engine.as_ref(), &name, &Wanted::default()).await {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {}", named(e, &engine));
                return None;
            }
        };
        Some(Session::from_parts(project, None, desired, observed, engine, engine_opts))
    }

    /// Names that are not services of the loaded project (none without files).
    pub fn unknown_services(&self, names: &[String]) -> Vec<String> {
        if self.loaded.is_none() {
            return Vec::new();
        }
        names.iter().filter(|n| !self.desired.known_services.contains(*n)).map(|n| format!("no such service: {n}")).collect()
    }

    pub fn from_parts(
        project: Arc<Project>,
        loaded: Option<Loaded>,
        desired: Desired,
        observed: Observed,
        engine: Arc<DockerEngine>,
        engine_opts: &EngineOptions,
    ) -> Session {
        let cancel = on_interrupt();
        let mut engine = (*engine).clone().with_build_style(build_style(engine_opts.progress));
        if engine_opts.quiet_build {
            engine = engine.with_output(Arc::new(|_: &str| {}));
        }
        let engine = Arc::new(engine);
        Session { project, loaded, desired, observed, engine, engine_opts: engine_opts.clone(), cancel, no_cache: false, pull: false }
    }

    /// A second session on the same project, desired state and engine connection, for
    /// `up --watch` to watch beside the attached output without loading and connecting again.
    /// Its snapshot is this session's: observe again before planning from it.
    pub fn beside(&self) -> Session {
        let loaded = self.loaded.as_ref().map(|l| Loaded {
            project: l.project.clone(),
            files: l.files.clone(),
            project_dir: l.project_dir.clone(),
            env: l.env.clone(),
            env_files: l.env_files.clone(),
            disabled_services: l.disabled_services.clone(),
            // Printed once, by this session.
            warnings: Vec::new(),
        });
        let (project, desired, observed) = (self.project.clone(), self.desired.clone(), self.observed.clone());
        Session::from_parts(project, loaded, desired, observed, self.engine.clone(), &self.engine_opts)
    }

    /// The project's service containers (of `services`, or all), by name.
    pub async fn service_containers(&self, services: &[String]) -> Result<Vec<PsEntry>, String> {
        let mut all = self.containers_with_oneoffs(services).await?;
        all.retain(|e| !e.oneoff);
        Ok(all)
    }

    /// The services' containers and their one-offs (`run`), by name: what the reference's
    /// `top` and `images` show.
    pub async fn containers_with_oneoffs(&self, services: &[String]) -> Result<Vec<PsEntry>, String> {
        let mut all = self.engine.ps(&names::project_filter(&self.project.name)).await.map_err(|e| e.to_string())?;
        all.retain(|e| services.is_empty() || services.contains(&e.service));
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    /// Runs a plan; prints what failed. False when anything failed or was cancelled.
    pub async fn execute(&mut self, plan: &Plan<Op>) -> bool {
        let cancel = self.cancel.clone();
        self.execute_with(plan, cancel).await
    }

    /// `execute`, cancelled by `cancel` instead of the first Ctrl-C (which may have come).
    pub async fn execute_with(&mut self, plan: &Plan<Op>, cancel: CancellationSignal) -> bool {
        if plan.is_empty() {
            return true;
        }
        let ctx = Context {
            project: self.project.clone(),
            no_cache: self.no_cache,
            pull: self.pull,
        };
        let limits = Limits::from_setting(self.engine_opts.parallel);
        let progress = self.progress();
        let engine = Arc::new((*self.engine).clone().with_output(around(&progress, self.engine.output())));
        let outcome = perform::execute(engine, plan, &ctx, limits, progress.as_ref(), cancel).await;
        progress.finish();
        report(&outcome, self.engine.address())
    }

    /// The exit status of a command that did not complete: 130 when the user interrupted
    /// it, as the reference does.
    pub fn failure(&self) -> ExitCode {
        if self.cancel.is_cancelled() {
            ExitCode::from(130)
        } else {
            ExitCode::FAILURE
        }
    }

    pub fn build_flags(&mut self, no_cache: bool, pull: bool) {
        self.no_cache = no_cache;
        self.pull = pull;
    }

    /// Resolves on the first Ctrl-C or SIGTERM.
    pub fn interrupted(&self) -> CancellationSignal {
        self.cancel.clone()
    }

    /// Observes the engine anew, for a command that acts on what it did earlier (a watch's
    /// rebuild, an engine that came back). False when the engine did not answer (printed).
    pub async fn observe_again(&mut self) -> bool {
        match observe_for(&self.engine, &self.desired).await {
            Some(o) => {
                self.observed = o;
                true
            }
            None => false,
        }
    }

    /// The snapshot with the containers as they are now, for a plan made after this command
    /// acted (the project stopped at the end of attached `up`, `wait --down`, a watch's
    /// restart); the session's own snapshot stays as it was observed.
    pub async fn containers_now(&self) -> crate::engine::Result<Observed> {
        let containers = self.engine.list_containers(&names::project_filter(&self.project.name)).await?;
        Ok(Observed { containers, ..self.observed.clone() })
    }

    /// Looks at the images again after pulls and builds, for the container plan.
    pub async fn refresh_images(&mut self) -> bool {
        match observe_for(&self.engine, &self.desired).await {
            Some(o) => {
                self.observed.images = o.images;
                true
            }
            None => false,
        }
    }

    /// Where the steps of a command go, as `--progress` asked.
    pub fn progress(&self) -> Arc<dyn progress::Progress> {
        progress::for_mode(self.engine_opts.progress)
    }

    /// `up --wait`: every service of the plan that ran running, and healthy where it has a
    /// health check.
    pub async fn wait_healthy(&self, replicas: &BTreeMap<String, Replicas>, timeout: Option<Duration>) -> bool {
        let targets = wait::application_targets(replicas);
        let progress = self.progress();
        let result = wait::wait_application(self.engine.as_ref(), &targets, timeout, progress.as_ref(), &self.cancel).await;
        progress.finish();
        match result {
            Ok(()) => true,
            Err(e) => {
                eprintln!("error: {e}");
                false
            }
        }
    }
}

/// Ctrl-C or SIGTERM: the scheduler stops starting actions and lets calls in flight finish.
pub fn on_interrupt() -> CancellationSignal {
    let (canceller, signal) = cancel::cancellation();
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminated => {}
        }
        canceller.cancel();
    });
    signal
}

/// Prints what failed, was skipped or interrupted; true when everything succeeded.
fn report(outcome: &Outcome, engine: &str) -> bool {
    for w in &outcome.warnings {
        eprintln!("WARN {w}");
    }
    for f in &outcome.failures {
        eprintln!("error: {}: {}", f.resource, f.error);
        if let Some(d) = &f.detail {
            eprintln!("{d}");
        }
    }
    if !outcome.skipped.is_empty() {
        eprintln!("{} action(s) skipped because of the failures above", outcome.skipped.len());
    }
    if outcome.cancelled {
        eprintln!("interrupted: {} action(s) not done; run the command again to converge", outcome.unfinished.len());
    }
    if let Some(first) = outcome.lost.first() {
        let in_flight: Vec<String> = outcome.lost.iter().map(|f| f.resource.to_string()).collect();
        eprintln!(
            "error: the Docker engine at {engine} stopped answering (restarted, or gone) while acting on {}: {}",
            in_flight.join(", "),
            first.error
        );
        eprintln!(
            "{} action(s) not done; run the command again once the engine is back: it converges",
            outcome.unfinished.len() + outcome.lost.len()
        );
    }
    outcome.succeeded()
}

/// Build output written around the live display, not over it.
fn around(progress: &Arc<dyn progress::Progress>, output: BuildOutput) -> BuildOutput {
    let progress = progress.clone();
    Arc::new(move |text: &str| progress.around(&|| output(text)))
}

/// BuildKit's progress as `--progress` asks: step lines on a terminal, `#N` blocks otherwise.
fn build_style(mode: progress::Mode) -> BuildStyle {
    match mode.resolve(std::io::IsTerminal::is_terminal(&std::io::stderr())) {
        progress::Mode::Tty => BuildStyle::Steps,
        progress::Mode::Quiet => BuildStyle::Quiet,
        _ => BuildStyle::Plain,
    }
}

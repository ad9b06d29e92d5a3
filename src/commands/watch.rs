//! `dockhand watch`: bring the project up, then keep it in step with the files. Edits of the
//! project definition reload it and apply only the difference (a broken edit is reported and
//! the project keeps running); source edits follow the services' `develop.watch` rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::engine_session::{self, Session};
use super::converge::converge;
use super::options::WatchCommand;
use crate::engine::{ContainerIo, Engine, ExecSpec, Kind};
use crate::load::{self, Options};
use crate::containers::observe::RunState;
use crate::containers::reconcile::UpOptions;
use crate::containers::{artifacts, lifecycle, names};
use crate::watch::classify::{classify, Change, ServiceRule, ServiceWork};
use crate::dockerignore;
use crate::watch::notifier::{directories, Notifier};

pub fn run(opts: &Options, cmd: &WatchCommand) -> ExitCode {
    if cmd.engine.dry_run {
        return engine_session::fail(&["watch does not support --dry-run: it acts on every change; `up --dry-run` shows what it would bring up".to_string()]);
    }
    engine_session::block_on(async {
        let Some(mut s) = Session::open(opts, &cmd.engine, &BTreeMap::new()).await else {
            return ExitCode::FAILURE;
        };
        let up = UpOptions { targets: cmd.services.clone(), ..UpOptions::default() };
        if !cmd.no_up && !converge(&mut s, &up, false).await {
            return s.failure();
        }
        watch(opts, cmd, s).await
    })
}

/// What is watched: the project's own files and the services' rules.
struct Watched {
    project_files: BTreeSet<PathBuf>,
    rules: Vec<ServiceRule>,
}

impl Watched {
    fn new(s: &Session, services: &[String]) -> Watched {
        let mut project_files = BTreeSet::new();
        let mut rules = Vec::new();
        if let Some(l) = &s.loaded {
            project_files.extend(l.files.iter().cloned());
            project_files.extend(l.env_files.iter().cloned());
            project_files.insert(l.project_dir.join(".env"));
        }
        for r in s.project.configs.values().chain(s.project.secrets.values()) {
            project_files.extend(r.file.iter().map(PathBuf::from));
        }
        for (name, svc) in &s.project.services {
            project_files.extend(svc.env_file.iter().map(|e| PathBuf::from(&e.path)));
            if !services.is_empty() && !services.contains(name) {
                continue;
            }
            let dockerignore = dockerignore(svc);
            for rule in svc.develop.iter().flat_map(|d| &d.watch) {
                rules.push(ServiceRule::new(name, rule, &dockerignore));
            }
        }
        Watched { project_files, rules }
    }

    fn directories(&self) -> Vec<PathBuf> {
        let mut dirs: BTreeSet<PathBuf> = self.project_files.iter().filter_map(|f| f.parent().map(Path::to_path_buf)).collect();
        let keep = |d: &Path| self.rules.iter().any(|r| r.enters(d));
        for r in &self.rules {
            dirs.extend(directories(Path::new(&r.rule.path), &keep));
        }
        dirs.into_iter().collect()
    }
}

/// The patterns of the build context's `.dockerignore`, which `watch` honours too.
fn dockerignore(svc: &crate::model::Service) -> Vec<String> {
    let Some(context) = svc.build.as_ref().and_then(|b| b.context.as_ref()) else { return Vec::new() };
    std::fs::read_to_string(Path::new(context).join(".dockerignore"))
        .map(|t| dockerignore::patterns(&t))
        .unwrap_or_default()
}

/// Watches a project that is up already (`up --watch`), in a session beside up's own: the
/// engine as up left it is observed first.
pub async fn watch_project(opts: &Options, cmd: &WatchCommand, mut s: Session) -> ExitCode {
    if !s.observe_again().await {
        return ExitCode::FAILURE;
    }
    watch(opts, cmd, s).await
}

async fn watch(opts: &Options, cmd: &WatchCommand, mut s: Session) -> ExitCode {
    quieten(&mut s, cmd);
    let mut watched = Watched::new(&s, &cmd.services);
    if watched.rules.is_empty() {
        eprintln!("WARN none of the selected services has develop.watch rules: only the project's own files are watched");
    }
    let poll = opts.shell_env.get("DOCKHAND_WATCH_POLL").is_some_and(|v| v == "1" || v == "true");
    let mut notifier = match Notifier::new(poll) {
        Ok(n) => n,
        Err(e) => return engine_session::fail(&[e]),
    };
    notifier.watch_dirs(watched.directories());
    initial_sync(&s, &watched).await;
    eprintln!("Watching for changes; Ctrl-C stops watching and leaves the project running");
    let mut heartbeat = tokio::time::interval(ENGINE_CHECK);
    loop {
        let interrupted = s.interrupted();
        let paths = tokio::select! {
            b = notifier.batch() => b,
            () = interrupted.cancelled() => return ExitCode::SUCCESS,
            _ = heartbeat.tick() => {
                if !s.engine.answers().await && !engine_back(&mut s, cmd).await {
                    return ExitCode::SUCCESS;
                }
                continue;
            }
        };
        let Some(paths) = paths else { return ExitCode::FAILURE };
        let changes: Vec<Change> = paths.into_iter().map(|p| Change { exists: p.exists(), path: p }).collect();
        let batch = classify(&changes, &watched.project_files, &watched.rules);
        if batch.reload {
            if let Some(next) = reload(opts, cmd, &changes, &watched).await {
                s = next;
                quieten(&mut s, cmd);
                watched = Watched::new(&s, &cmd.services);
            }
        }
        for (service, work) in &batch.services {
            match apply(&mut s, service, work, cmd.prune).await {
                Err(e) if e.kind == Kind::Unreachable => {
                    eprintln!("error: watch: {service}: {e}");
                    if !engine_back(&mut s, cmd).await {
                        return ExitCode::SUCCESS;
                    }
                }
                Err(e) => eprintln!("error: watch: {service}: {e}"),
                Ok(()) => {}
            }
        }
        notifier.watch_dirs(watched.directories());
    }
}

/// How often an idle watch checks that the engine still answers.
const ENGINE_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// The engine stopped answering: waits, saying so, until it answers again, then brings the
/// project up to date (a restarted engine stops the containers). False on Ctrl-C.
async fn engine_back(s: &mut Session, cmd: &WatchCommand) -> bool {
    eprintln!(
        "watch: the Docker engine at {} is not answering (restarted, or gone); waiting for it to come back (Ctrl-C stops watching)",
        s.engine.address()
    );
    let interrupted = s.interrupted();
    loop {
        tokio::select! {
            () = tokio::time::sleep(ENGINE_CHECK) => {}
            () = interrupted.cancelled() => return false,
        }
        if s.engine.answers().await {
            break;
        }
    }
    eprintln!("watch: the Docker engine is back: bringing the project up to date");
    if s.observe_again().await {
        let up = UpOptions { targets: cmd.services.clone(), ..UpOptions::default() };
        if converge(s, &up, false).await {
            eprintln!("watch: the project is up to date");
        }
    }
    true
}

/// Loads the project again and converges to it, saying what changed and why. A file that
/// does not load is reported and nothing is touched.
async fn reload(opts: &Options, cmd: &WatchCommand, changes: &[Change], watched: &Watched) -> Option<Session> {
    let changed: Vec<String> = changes
        .iter()
        .filter(|c| watched.project_files.contains(&c.path))
        .map(|c| c.path.display().to_string())
        .collect();
    eprintln!("watch: {} changed: reloading the project", changed.join(", "));
    let loaded = match load::load(opts) {
        Ok(l) => l,
        Err(f) => {
            super::report::print_failure(f);
            eprintln!("watch: the project did not load; it keeps running as it was, and the next good save is applied");
            return None;
        }
    };
    let mut s = Session::from_loaded(loaded, opts, &cmd.engine, &BTreeMap::new()).await?;
    let up = UpOptions { targets: cmd.services.clone(), remove_orphans: true, ..UpOptions::default() };
    if converge(&mut s, &up, true).await {
        eprintln!("watch: the project is up to date");
    }
    Some(s)
}

/// `initial_sync: true` rules copy their whole path once, before the first change.
async fn initial_sync(s: &Session, watched: &Watched) {
    for r in watched.rules.iter().filter(|r| r.rule.initial_sync && r.rule.target.is_some()) {
        let changes = [Change { path: PathBuf::from(&r.rule.path), exists: Path::new(&r.rule.path).exists() }];
        let batch = classify(&changes, &BTreeSet::new(), std::slice::from_ref(r));
        for (service, work) in &batch.services {
            let work = ServiceWork { restart: false, ..work.clone() };
            if let Err(e) = sync(s, service, &work).await {
                eprintln!("error: watch: initial sync of {service}: {e}");
            }
        }
    }
}

/// `--quiet`: build output is dropped.
fn quieten(s: &mut Session, cmd: &WatchCommand) {
    if cmd.quiet {
        let silent: crate::engine::BuildOutput = std::sync::Arc::new(|_: &str| {});
        s.engine = std::sync::Arc::new((*s.engine).clone().with_output(silent));
    }
}

async fn apply(s: &mut Session, service: &str, work: &ServiceWork, prune: bool) -> crate::engine::Result<()> {
    if work.rebuild {
        return rebuild(s, service, prune).await;
    }
    sync(s, service, work).await?;
    if work.restart {
        let now = s.containers_now().await?;
        let plan = lifecycle::restart(&s.desired, &now, &[service.to_string()], true, None);
        s.execute(&plan).await;
    }
    Ok(())
}

/// Builds the service's image and recreates its containers; with `prune`, the project's
/// images left without a tag are removed once the new containers replaced the old.
async fn rebuild(s: &mut Session, service: &str, prune: bool) -> crate::engine::Result<()> {
    eprintln!("watch: {service}: rebuilding the image and recreating the service");
    let builds = artifacts::builds(&s.desired, &[service.to_string()]);
    let up = UpOptions { targets: vec![service.to_string()], force_recreate: true, ..UpOptions::default() };
    // The build changed the images, and the containers may have changed since the session
    // observed them: the recreate works from the engine as it is now.
    if !(s.execute(&builds).await && s.observe_again().await) {
        return Ok(());
    }
    converge(s, &up, false).await;
    if prune {
        let dangling = s.engine.dangling_images(&names::project_filter(&s.project.name)).await?;
        let built: BTreeSet<String> = s.observed.images.values().cloned().collect();
        s.execute(&artifacts::prune(&dangling, &built)).await;
    }
    Ok(())
}

/// Copies and deletes in every running container of the service, then runs `sync+exec`
/// commands there.
async fn sync(s: &Session, service: &str, work: &ServiceWork) -> crate::engine::Result<()> {
    let ids = running(s, service).await?;
    if ids.is_empty() {
        eprintln!("watch: {service} has no running container: the change waits for the next up");
        return Ok(());
    }
    let entries: Vec<(&Path, &str)> = work.copy.iter().map(|(h, t)| (h.as_path(), t.as_str())).collect();
    let archive = if entries.is_empty() {
        None
    } else {
        Some(crate::archive::pack(&entries, true).map_err(|e| crate::engine::EngineError::new(Kind::Invalid, e))?)
    };
    for id in &ids {
        if let Some(a) = &archive {
            s.engine.upload(id, "/", a.clone()).await?;
        }
        if !work.delete.is_empty() {
            let command = ["rm", "-rf", "--"].into_iter().map(String::from).chain(work.delete.iter().cloned()).collect();
            s.engine.exec(id, &ExecSpec { command, ..ExecSpec::default() }, None, &quiet()).await?;
        }
        for command in &work.exec {
            let spec = ExecSpec { command: command.clone(), ..ExecSpec::default() };
            s.engine.exec(id, &spec, None, &super::exec::passthrough()).await?;
        }
    }
    let (n, d) = (work.copy.len(), work.delete.len());
    if n + d > 0 {
        eprintln!("watch: {service}: synced {n} path(s), deleted {d}, in {} container(s)", ids.len());
    }
    Ok(())
}

async fn running(s: &Session, service: &str) -> crate::engine::Result<Vec<String>> {
    let all = s.engine.list_containers(&names::project_filter(&s.project.name)).await?;
    Ok(all.into_iter().filter(|c| c.service == service && !c.oneoff && c.state == RunState::Running).map(|c| c.id).collect())
}

fn quiet() -> crate::engine::Output {
    std::sync::Arc::new(|_: &crate::engine::LogChunk| {})
}

//! Each command's arguments, checked and turned into the options that command takes.

use std::time::Duration;

use clap::{CommandFactory, Parser};

use super::args::*;
use crate::commands::options::*;
use crate::engine::{Commit, ExecSpec};
use crate::load::{cli_specs, Env, Options};
use crate::containers::desired::PullPolicy;
use crate::containers::oneoff::RunOverrides;
use crate::containers::reconcile::UpOptions;
use crate::containers::rollback::RollbackOptions;
use crate::containers::teardown::{DownOptions, RemoveImages};

/// Each command's arguments, checked and turned into the options it takes.
pub fn command(command: Command, opts: Options, engine: EngineOptions, stdin: &dyn Fn() -> Option<String>) -> Invocation {
    match command {
        Command::Config(a) => config_invocation(opts, a),
        Command::Up(a) => up_invocation(opts, a, engine),
        Command::Scale(a) => scale_invocation(opts, a, engine),
        Command::Down(a) => down_invocation(opts, a, engine),
        Command::Rollback(a) => rollback_invocation(opts, a, engine),
        Command::Ps(a) => ps_invocation(opts, a),
        Command::Logs(a) => logs_invocation(opts, a, engine),
        Command::Exec(_) if engine.dry_run => Invocation::Invalid("exec does not support --dry-run: running the command is all it does".into()),
        Command::Exec(a) => exec_invocation(opts, a),
        Command::Run(a) => run_invocation(opts, a, engine).unwrap_or_else(Invocation::Invalid),
        Command::Create(a) => create_invocation(opts, a, engine),
        Command::Start(a) => {
            let start = Lifecycle::Start { wait: a.wait, wait_timeout: a.wait_timeout.map(Duration::from_secs) };
            lifecycle(opts, a.services, start, engine)
        }
        Command::Stop(a) => lifecycle(opts, a.services, Lifecycle::Stop { timeout: a.timeout }, engine),
        Command::Restart(a) => {
            let action = Lifecycle::Restart { timeout: a.timeout, no_deps: a.no_deps };
            lifecycle(opts, a.services, action, engine)
        }
        Command::Kill(a) => lifecycle(opts, a.services, Lifecycle::Kill { signal: a.signal }, engine),
        Command::Rm(a) => {
            let action = Lifecycle::Rm { force: a.force, stop: a.stop, volumes: a.volumes };
            lifecycle(opts, a.services, action, engine)
        }
        Command::Pause(a) => lifecycle(opts, a, Lifecycle::Pause, engine),
        Command::Unpause(a) => lifecycle(opts, a, Lifecycle::Unpause, engine),
        Command::Top(a) => Invocation::Inspect(opts, Inspect::Top { services: a.names }, engine),
        Command::Port(a) => {
            let port = Inspect::Port { service: a.service, port: a.private_port, protocol: a.protocol, index: a.index };
            Invocation::Inspect(opts, port, engine)
        }
        Command::Images(a) => {
            let images = Inspect::Images { services: a.services.names, format: ps_format(a.format), quiet: a.quiet };
            Invocation::Inspect(opts, images, engine)
        }
        Command::Events(a) => {
            let events = Inspect::Events { services: a.services.names, json: a.json, since: a.since, until: a.until };
            Invocation::Inspect(opts, events, engine)
        }
        Command::Cp(a) => {
            let cp = Inspect::Cp { source: a.source, destination: a.destination, index: a.index };
            Invocation::Inspect(opts, cp, engine)
        }
        Command::Wait(a) => Invocation::Inspect(opts, Inspect::Wait { services: a.names, down: a.down_project }, engine),
        Command::Volumes(a) => {
            let volumes = Inspect::Volumes { services: a.services.names, format: a.format, quiet: a.quiet };
            Invocation::Inspect(opts, volumes, engine)
        }
        Command::Export(a) => Invocation::Inspect(opts, Inspect::Export { service: a.service, index: a.index, output: a.output }, engine),
        Command::Commit(a) => {
            let commit = Commit { reference: a.reference, author: a.author, message: a.message, changes: a.change, pause: a.pause };
            Invocation::Inspect(opts, Inspect::Commit { service: a.service, index: a.index, commit }, engine)
        }
        Command::Ls(a) => {
            let names = a.filter.iter().filter_map(|f| f.strip_prefix("name=")).map(String::from).collect();
            Invocation::Ls(opts.shell_env, LsCommand { all: a.all, format: ps_format(a.format), quiet: a.quiet, names })
        }
        Command::Version(a) => {
            let format = match a.format {
                VersionFormatArg::Pretty => VersionFormat::Pretty,
                VersionFormatArg::Json => VersionFormat::Json,
            };
            Invocation::Version { format, short: a.short }
        }
        Command::Completion(a) => Invocation::Completion(completion(a.shell)),
        Command::Watch(a) => {
            let mut opts = opts;
            opts.services = a.services.names.clone();
            let cmd = WatchCommand { services: a.services.names, no_up: a.no_up, prune: a.prune, quiet: a.quiet, engine };
            Invocation::Watch(opts, cmd)
        }
        Command::Build(a) => {
            let build_args = a.build_args.iter().map(|b| env_entry(&opts.shell_env, b)).filter_map(|(k, v)| v.map(|v| (k, v))).collect();
            let action = Artifacts::Build { no_cache: a.no_cache, pull: a.pull, build_args, push: a.push };
            artifacts(opts, a.services.names, action, a.with_dependencies, engine)
        }
        Command::Pull(a) => {
            let action = Artifacts::Pull { ignore_failures: a.ignore_pull_failures, missing_only: a.policy == Some(PullPolicyArg::Missing) };
            artifacts(opts, a.services.names, action, a.include_deps, engine)
        }
        Command::Stack(a) => super::stack::invocation(opts, a, engine, stdin),
        Command::Push(a) => {
            let action = Artifacts::Push { ignore_failures: a.ignore_push_failures };
            artifacts(opts, a.services.names, action, a.include_deps, engine)
        }
    }
}

fn up_invocation(mut opts: Options, a: UpArgs, engine: EngineOptions) -> Invocation {
    opts.services = a.names.clone();
    let engine = EngineOptions { quiet_build: a.quiet_build, ..engine };
    let plan = UpOptions {
        targets: a.names.clone(),
        force_recreate: a.converge.force_recreate,
        no_recreate: a.converge.no_recreate,
        always_recreate_deps: a.always_recreate_deps,
        no_start: a.no_start,
        remove_orphans: super::remove_orphans(a.converge.remove_orphans, &opts.shell_env),
        renew_anon_volumes: a.renew_anon_volumes,
        pull: a.converge.pull.map(pull_policy),
        build: a.converge.build,
        no_build: a.converge.no_build,
        timeout: a.replacing.timeout,
        recreate_volumes: a.converge.yes,
        only: only_named(a.no_deps, &a.names),
        replace: Default::default(),
        wait_timeout: a.replacing.wait_timeout.map(Duration::from_secs),
    };
    let cmd = UpCommand {
        plan,
        detach: a.detach,
        services: a.names,
        scale: a.converge.scale.into_iter().collect(),
        wait: a.replacing.wait,
        wait_timeout: a.replacing.wait_timeout.map(Duration::from_secs),
        attach: AttachOptions {
            attach: a.attach,
            no_attach: a.no_attach,
            dependencies: a.attach_dependencies,
            abort: if a.abort_on_container_exit || a.exit_code_from.is_some() {
                Abort::OnExit
            } else if a.abort_on_container_failure {
                Abort::OnFailure
            } else {
                Abort::Never
            },
            exit_code_from: a.exit_code_from,
            log: LogStyle { no_color: a.no_color, no_prefix: a.no_log_prefix, timestamps: a.timestamps },
        },
        watch: a.watch,
        engine,
    };
    Invocation::Up(opts, cmd)
}

/// `--no-deps` with services named: only theirs are planned (none named: every service is).
fn only_named(no_deps: bool, names: &[String]) -> Option<Vec<String>> {
    (no_deps && !names.is_empty()).then(|| names.to_vec())
}

/// As the reference's `scale`: the services named converge, with their dependencies unless
/// `--no-deps`, detached, their replicas set as asked.
fn scale_invocation(mut opts: Options, a: ScaleArgs, engine: EngineOptions) -> Invocation {
    let names: Vec<String> = a.scale.iter().map(|(s, _)| s.clone()).collect();
    opts.services = names.clone();
    let only = only_named(a.no_deps, &names);
    let cmd = UpCommand {
        plan: UpOptions { targets: names.clone(), only, ..UpOptions::default() },
        detach: true,
        services: names,
        scale: a.scale.into_iter().collect(),
        wait: false,
        wait_timeout: None,
        attach: AttachOptions {
            attach: Vec::new(),
            no_attach: Vec::new(),
            dependencies: false,
            abort: Abort::Never,
            exit_code_from: None,
            log: LogStyle { no_color: false, no_prefix: false, timestamps: false },
        },
        watch: false,
        engine,
    };
    Invocation::Up(opts, cmd)
}

fn down_invocation(opts: Options, a: DownArgs, engine: EngineOptions) -> Invocation {
    let plan = DownOptions {
        volumes: a.volumes,
        remove_orphans: super::remove_orphans(a.remove_orphans, &opts.shell_env),
        images: a.rmi.map(|r| match r {
            RmiArg::Local => RemoveImages::Local,
            RmiArg::All => RemoveImages::All,
        }),
        timeout: a.timeout,
        services: a.names.clone(),
    };
    Invocation::Down(opts, DownCommand { plan, services: a.names, engine })
}

/// The whole project is loaded: a recorded configuration may use a network the services
/// named no longer do.
fn rollback_invocation(opts: Options, a: RollbackArgs, engine: EngineOptions) -> Invocation {
    let wait_timeout = a.replacing.wait_timeout.map(Duration::from_secs);
    let cmd = RollbackCommand {
        plan: RollbackOptions { services: a.names, timeout: a.replacing.timeout, wait_timeout },
        wait: a.replacing.wait,
        wait_timeout,
        engine,
    };
    Invocation::Rollback(opts, cmd)
}

fn ps_invocation(opts: Options, a: PsArgs) -> Invocation {
    // Like the reference, `status` is the one filter: another is an error, not ignored.
    if let Some(other) = a.filter.iter().find(|f| !f.starts_with("status=")) {
        return Invocation::Invalid(match other.split_once('=') {
            Some((key, _)) => format!("unknown filter {key}"),
            None => "arguments to --filter should be in form KEY=VAL".to_string(),
        });
    }
    let from_filter = a.filter.iter().filter_map(|f| f.strip_prefix("status=")).map(String::from);
    let status = a.status.into_iter().chain(from_filter).collect();
    let cmd = PsCommand {
        services: a.names,
        all: a.all,
        quiet: a.quiet,
        list_services: a.services,
        status,
        format: a.format,
        no_trunc: a.no_trunc,
        orphans: a.orphans,
    };
    Invocation::Ps(opts, cmd)
}

/// The services named do not narrow the load: like the reference, a name that is no service
/// of the project just has no logs to show.
fn logs_invocation(opts: Options, a: LogsArgs, engine: EngineOptions) -> Invocation {
    let cmd = LogsCommand {
        services: a.names,
        follow: a.follow,
        tail: a.tail,
        since: a.since,
        until: a.until,
        index: a.index,
        log: LogStyle { no_color: a.no_color, no_prefix: a.no_log_prefix, timestamps: a.timestamps },
        engine,
    };
    Invocation::Logs(opts, cmd)
}

fn exec_invocation(mut opts: Options, a: ExecArgs) -> Invocation {
    opts.services = vec![a.service.clone()];
    let env = a.env.iter().map(|e| env_entry(&opts.shell_env, e)).filter_map(|(k, v)| v.map(|v| format!("{k}={v}"))).collect();
    let spec = ExecSpec {
        command: a.command,
        env,
        user: a.user,
        working_dir: a.workdir,
        privileged: a.privileged,
        tty: false,
        detach: a.detach,
        size: None,
    };
    Invocation::Exec(opts, ExecCommand { service: a.service, index: a.index, spec, no_tty: a.no_tty })
}

/// `-e KEY=value`, or `-e KEY` for the value in dockhand's own environment (none if unset).
fn env_entry(env: &Env, e: &str) -> (String, Option<String>) {
    match e.split_once('=') {
        Some((k, v)) => (k.to_string(), Some(v.to_string())),
        None => (e.to_string(), env.get(e).cloned()),
    }
}

/// `-e` entries, then those of each `--env-from-file` that no `-e` set, as the reference
/// merges them; a file's `${VAR}` sees the `-e` values.
fn run_environment(env: &Env, a: &RunArgs) -> Result<Vec<(String, Option<String>)>, String> {
    let mut environment: Vec<(String, Option<String>)> = a.env.iter().map(|e| env_entry(env, e)).collect();
    for file in &a.env_from_file {
        let failed = |e: String| format!("run --env-from-file {}: {e}", file.display());
        let text = std::fs::read_to_string(file).map_err(|e| failed(e.to_string()))?;
        let given = environment.clone();
        let lookup = |k: &str| given.iter().find(|(name, _)| name == k).and_then(|(_, v)| v.clone());
        for (k, v) in crate::load::dotenv::parse(&text, &lookup).map_err(|e| failed(e.to_string()))? {
            if !environment.iter().any(|(name, _)| *name == k) {
                environment.push((k, v));
            }
        }
    }
    Ok(environment)
}

fn run_invocation(mut opts: Options, a: RunArgs, engine: EngineOptions) -> Result<Invocation, String> {
    opts.services = vec![a.service.clone()];
    let engine = EngineOptions { quiet_build: a.quiet_build, ..engine };
    let base = opts.project_directory.clone().unwrap_or_else(|| opts.working_dir.clone());
    let mut publish = Vec::new();
    for p in &a.publish {
        publish.extend(cli_specs::ports(p).map_err(|e| format!("run -p {p:?}: {e}"))?);
    }
    let volumes = a
        .volume
        .iter()
        .map(|v| cli_specs::volume(v, &base).map_err(|e| format!("run -v {v:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let labels = a
        .label
        .iter()
        .map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).unwrap_or((l.clone(), String::new())))
        .collect();
    let entrypoint = a.entrypoint.as_deref().map(cli_specs::words).transpose().map_err(|e| format!("run --entrypoint: {e}"))?;
    let environment = run_environment(&opts.shell_env, &a)?;
    let overrides = RunOverrides {
        command: a.command,
        entrypoint,
        environment,
        labels,
        volumes,
        publish,
        service_ports: a.service_ports,
        user: a.user,
        working_dir: a.workdir,
        cap_add: a.cap_add,
        cap_drop: a.cap_drop,
        tty: !a.detach && crate::terminal::wants_tty(a.no_tty),
        // The reference keeps STDIN open (and attachable once) even for a detached one-off.
        interactive: true,
        name: a.name,
    };
    let plan = UpOptions {
        targets: vec![a.service.clone()],
        remove_orphans: a.remove_orphans,
        pull: a.pull.map(pull_policy),
        build: a.build,
        ..UpOptions::default()
    };
    let cmd = RunCommand {
        service: a.service,
        overrides,
        detach: a.detach,
        rm: a.rm,
        no_deps: a.no_deps,
        use_aliases: a.use_aliases,
        plan,
        engine,
    };
    Ok(Invocation::Run(opts, cmd))
}

fn pull_policy(p: PullArg) -> PullPolicy {
    match p {
        PullArg::Always => PullPolicy::Always,
        PullArg::Missing => PullPolicy::Missing,
        PullArg::Never => PullPolicy::Never,
        PullArg::Build => PullPolicy::Build,
    }
}

/// Named services select what is built, pulled or pushed; their dependencies join only with
/// `--include-deps` (`build` never takes them).
fn artifacts(mut opts: Options, services: Vec<String>, action: Artifacts, include_deps: bool, engine: EngineOptions) -> Invocation {
    opts.services = services.clone();
    let services = if include_deps { Vec::new() } else { services };
    Invocation::Artifacts(opts, ArtifactsCommand { action, services, engine })
}

fn lifecycle(opts: Options, a: ServicesArgs, action: Lifecycle, engine: EngineOptions) -> Invocation {
    Invocation::Lifecycle(opts, LifecycleCommand { action, services: a.names, engine })
}

/// `create` is `up --no-start`, detached.
fn create_invocation(opts: Options, a: CreateArgs, engine: EngineOptions) -> Invocation {
    let up = UpArgs { names: a.names, converge: a.converge, ..UpArgs::parse_from(["up", "--no-start", "-d"]) };
    up_invocation(opts, up, engine)
}

fn config_invocation(mut opts: Options, a: ConfigArgs) -> Invocation {
    opts.interpolate = !a.no_interpolate;
    opts.normalize = !a.no_normalize;
    opts.resolve_paths = !a.no_path_resolution;
    opts.consistency = !a.no_consistency;
    opts.resolve_environment = !a.no_env_resolution;
    opts.services = a.names;
    let view = if a.quiet {
        ConfigView::Quiet
    } else if a.services_only {
        ConfigView::Services
    } else if a.volumes {
        ConfigView::Volumes
    } else if a.networks {
        ConfigView::Networks
    } else if a.profiles {
        // Every profile is listed, so every service must be loaded.
        opts.profiles = vec!["*".to_string()];
        ConfigView::Profiles
    } else if a.images {
        ConfigView::Images
    } else if let Some(h) = a.hash {
        ConfigView::Hash(h.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
    } else if a.models {
        ConfigView::Models
    } else if a.variables {
        ConfigView::Variables(a.format.map(format))
    } else if a.environment {
        ConfigView::Environment
    } else {
        ConfigView::Model(a.format.map_or(Format::Yaml, format))
    };
    Invocation::Config(opts, ConfigOptions { view, output: a.output })
}

fn ps_format(f: PsFormatArg) -> PsFormat {
    match f {
        PsFormatArg::Table => PsFormat::Table,
        PsFormatArg::Json => PsFormat::Json,
    }
}

fn format(f: FormatArg) -> Format {
    match f {
        FormatArg::Yaml => Format::Yaml,
        FormatArg::Json => Format::Json,
    }
}

/// Completions generated from the command-line definition, so they never fall behind it.
fn completion(shell: clap_complete::Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dockhand", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

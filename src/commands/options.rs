//! What each command takes: options checked and resolved from the command line (by `cli`),
//! with clap left behind.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::engine::ExecSpec;
use crate::load::{Env, Options};
use crate::containers::oneoff::RunOverrides;
use crate::containers::reconcile::UpOptions;
use crate::containers::rollback::RollbackOptions;
use crate::containers::teardown::DownOptions;
use crate::progress::Mode;

/// When to print ANSI control characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ansi {
    Never,
    Always,
    Auto,
}

/// `config`'s output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// The output format of `ls` and `images`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionFormat {
    Pretty,
    Json,
}

/// What `config` prints, decided from its flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigView {
    Model(Format),
    Services,
    Volumes,
    Networks,
    Profiles,
    Images,
    Hash(Vec<String>),
    Models,
    /// The variables the files use, with their defaults: a table unless `--format` says.
    Variables(Option<Format>),
    /// The environment interpolation reads, `NAME=value` sorted.
    Environment,
    Quiet,
}

#[derive(Debug, Clone)]
pub struct ConfigOptions {
    pub view: ConfigView,
    pub output: Option<PathBuf>,
}

/// Options every engine command shares.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub dry_run: bool,
    pub ansi: Ansi,
    pub progress: Mode,
    pub parallel: Option<i64>,
    /// `--quiet-build`: builds print nothing.
    pub quiet_build: bool,
}

#[derive(Debug, Clone)]
pub struct UpCommand {
    pub plan: UpOptions,
    pub detach: bool,
    pub services: Vec<String>,
    pub scale: BTreeMap<String, u32>,
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
    pub attach: AttachOptions,
    pub watch: bool,
    pub engine: EngineOptions,
}

/// When to stop an attached `up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    Never,
    OnExit,
    OnFailure,
}

/// How attached `up` follows its containers.
#[derive(Debug, Clone)]
pub struct AttachOptions {
    pub attach: Vec<String>,
    pub no_attach: Vec<String>,
    pub dependencies: bool,
    pub abort: Abort,
    pub exit_code_from: Option<String>,
    pub log: LogStyle,
}

/// How container output is printed.
#[derive(Debug, Clone, Copy)]
pub struct LogStyle {
    pub no_color: bool,
    pub no_prefix: bool,
    pub timestamps: bool,
}

#[derive(Debug, Clone)]
pub struct DownCommand {
    pub plan: DownOptions,
    pub services: Vec<String>,
    pub engine: EngineOptions,
}

/// `rollback`: the services to return to their recorded version, and how to wait for them.
#[derive(Debug, Clone)]
pub struct RollbackCommand {
    pub plan: RollbackOptions,
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
    pub engine: EngineOptions,
}

#[derive(Debug, Clone)]
pub struct PsCommand {
    pub services: Vec<String>,
    pub all: bool,
    pub quiet: bool,
    pub list_services: bool,
    /// Wanted states (`running`, `exited`, …); empty means any.
    pub status: Vec<String>,
    /// `--format` as given; without it, the Docker CLI's `psFormat`, else the table.
    pub format: Option<String>,
    /// Ids, commands and mounts in full (`--no-trunc`), not cut as the docker CLI cuts them.
    pub no_trunc: bool,
    /// Also containers of services the files no longer declare (`--orphans`, the default).
    pub orphans: bool,
}

#[derive(Debug, Clone)]
pub struct LogsCommand {
    pub services: Vec<String>,
    pub follow: bool,
    pub tail: String,
    pub since: Option<String>,
    pub until: Option<String>,
    pub index: Option<u32>,
    pub log: LogStyle,
    pub engine: EngineOptions,
}

#[derive(Debug, Clone)]
pub struct ExecCommand {
    pub service: String,
    pub index: u32,
    pub spec: ExecSpec,
    pub no_tty: bool,
}

#[derive(Debug, Clone)]
pub struct RunCommand {
    pub service: String,
    pub overrides: RunOverrides,
    pub detach: bool,
    pub rm: bool,
    pub no_deps: bool,
    pub use_aliases: bool,
    pub plan: UpOptions,
    pub engine: EngineOptions,
}

/// What a lifecycle command does to the existing containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifecycle {
    /// `--wait`: then until the services run (healthy, where they have a health check).
    Start { wait: bool, wait_timeout: Option<std::time::Duration> },
    Stop { timeout: Option<i64> },
    Restart { timeout: Option<i64>, no_deps: bool },
    Kill { signal: String },
    Rm { force: bool, stop: bool, volumes: bool },
    Pause,
    Unpause,
}

#[derive(Debug, Clone)]
pub struct LifecycleCommand {
    pub action: Lifecycle,
    pub services: Vec<String>,
    pub engine: EngineOptions,
}

/// The commands that look at (or copy into) the project's containers.
#[derive(Debug, Clone)]
pub enum Inspect {
    Top { services: Vec<String> },
    /// Without a port, every mapping (of the protocol, when one is given).
    Port { service: String, port: Option<u16>, protocol: Option<String>, index: u32 },
    Images { services: Vec<String>, format: PsFormat, quiet: bool },
    Events { services: Vec<String>, json: bool, since: Option<String>, until: Option<String> },
    Cp { source: String, destination: String, index: u32 },
    Wait { services: Vec<String>, down: bool },
    Export { service: String, index: u32, output: Option<std::path::PathBuf> },
    Volumes { services: Vec<String>, format: Option<String>, quiet: bool },
    Commit { service: String, index: u32, commit: crate::engine::Commit },
}

#[derive(Debug, Clone)]
pub struct LsCommand {
    pub all: bool,
    pub format: PsFormat,
    pub quiet: bool,
    /// `name=` filters: a project is listed when its name contains one of them.
    pub names: Vec<String>,
}

/// `build`, `pull` and `push`.
#[derive(Debug, Clone)]
pub enum Artifacts {
    /// `push`: the images built are then pushed (`build --push`).
    Build { no_cache: bool, pull: bool, build_args: Vec<(String, String)>, push: bool },
    Pull { ignore_failures: bool, missing_only: bool },
    Push { ignore_failures: bool },
}

#[derive(Debug, Clone)]
pub struct ArtifactsCommand {
    pub action: Artifacts,
    pub services: Vec<String>,
    pub engine: EngineOptions,
}

#[derive(Debug, Clone)]
pub struct WatchCommand {
    pub services: Vec<String>,
    pub no_up: bool,
    /// Remove the image a rebuild replaced.
    pub prune: bool,
    /// No build output.
    pub quiet: bool,
    pub engine: EngineOptions,
}

/// A validated `stack` command.
#[derive(Debug, Clone)]
pub enum Stack {
    Deploy(Deploy),
    Ls { format: Option<String> },
    Ps { stack: Option<String>, filters: Vec<String>, format: Option<String>, no_trunc: bool, no_resolve: bool, quiet: bool },
    Services { stack: Option<String>, filters: Vec<String>, format: Option<String>, quiet: bool },
    Rm { stacks: Vec<String>, detach: bool },
    Config,
}

#[derive(Debug, Clone)]
pub struct Deploy {
    /// The stack name given, else the project's.
    pub stack: Option<String>,
    pub plan: crate::swarm::reconcile::Options,
    pub quiet: bool,
    /// `--wait`, or `--detach=false`.
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
}

/// A validated invocation: everything a command needs, with clap left behind.
#[derive(Debug, Clone)]
pub enum Invocation {
    Config(Options, ConfigOptions),
    Up(Options, UpCommand),
    Down(Options, DownCommand),
    Rollback(Options, RollbackCommand),
    Ps(Options, PsCommand),
    Logs(Options, LogsCommand),
    Exec(Options, ExecCommand),
    Run(Options, RunCommand),
    Lifecycle(Options, LifecycleCommand),
    Inspect(Options, Inspect, EngineOptions),
    Ls(Env, LsCommand),
    Version { format: VersionFormat, short: bool },
    /// The completion script, generated from the command-line definition.
    Completion(String),
    Artifacts(Options, ArtifactsCommand),
    Watch(Options, WatchCommand),
    Stack(Options, Stack, EngineOptions),
    /// The arguments make no sense together: the message says why.
    Invalid(String),
}

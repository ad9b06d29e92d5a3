//! Command-line arguments (clap), turned into option structs before any work starts.
//! clap stays in this module.

pub mod bool_flags;
pub mod stack;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::load::{compose_env, Env, Options};
use crate::plan::desired::PullPolicy;
use crate::progress::Mode;
use crate::plan::reconcile::UpOptions;
use crate::plan::teardown::{DownOptions, RemoveImages};

#[derive(Debug, Parser)]
#[command(name = "dockhand", version, about = "A compose-style multi-container orchestrator, a drop-in for `docker compose`")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The options `docker compose` takes before the command.
#[derive(Debug, Args)]
pub struct Global {
    /// Compose configuration files (`-` for standard input)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Project name
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Alternate working directory (default: the folder of the first compose file)
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Alternate environment files (default: `.env` in the project directory)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Profiles to enable
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Log what dockhand does (RUST_LOG overrides)
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Show what would be done, change nothing
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Include all resources, even those not used by services
    #[arg(long)]
    pub all_resources: bool,
    /// Run compose in backward compatibility mode
    #[arg(long)]
    pub compatibility: bool,
    /// Progress output
    #[arg(long, value_enum, default_value = "auto", global = true, env = compose_env::PROGRESS)]
    pub progress: ProgressMode,
    /// Control when to print ANSI control characters
    #[arg(long, value_enum, default_value = "auto", global = true, env = compose_env::ANSI)]
    pub ansi: Ansi,
    /// How many engine calls may run at once (default: COMPOSE_PARALLEL_LIMIT, else unbounded)
    #[arg(long, value_name = "N", global = true, allow_negative_numbers = true)]
    pub parallel: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ansi {
    Never,
    Always,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render the compose file in canonical form
    Config(ConfigArgs),
    /// Create and start containers
    Up(UpArgs),
    /// Stop and remove containers, networks
    Down(DownArgs),
    /// List containers
    Ps(PsArgs),
    /// View output from containers
    Logs(LogsArgs),
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Run a one-off command on a service
    Run(RunArgs),
    /// Creates containers for a service
    Create(CreateArgs),
    /// Start services
    Start(ServicesArgs),
    /// Scale services
    Scale(ScaleArgs),
    /// Stop services
    Stop(StopArgs),
    /// Restart service containers
    Restart(RestartArgs),
    /// Force stop service containers
    Kill(KillArgs),
    /// Removes stopped service containers
    Rm(RmArgs),
    /// Pause services
    Pause(ServicesArgs),
    /// Unpause services
    Unpause(ServicesArgs),
    /// Display the running processes
    Top(ServicesArgs),
    /// Print the public port for a port binding
    Port(PortArgs),
    /// List images used by the created containers
    Images(ImagesArgs),
    /// List running compose projects
    Ls(LsArgs),
    /// Receive real time events from containers
    Events(EventsArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(CpArgs),
    /// Block until containers of all (or specified) services stop, then print their exit codes
    Wait(WaitArgs),
    /// Show the dockhand version information
    Version(VersionArgs),
    /// Generate shell completions
    Completion(CompletionArgs),
    /// Build or rebuild services
    Build(BuildArgs),
    /// Pull service images
    Pull(PullArgs),
    /// Push service images
    Push(PushArgs),
    /// Watch the build context and the project's files; keep the running project in step
    Watch(WatchArgs),
    /// Manage Swarm stacks, as `docker stack` does
    Stack(stack::StackArgs),
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Do not build & start services before watching
    #[arg(long)]
    pub no_up: bool,
    /// Prune dangling images on rebuild
    #[arg(long)]
    pub prune: bool,
    /// Hide build output
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Do not use cache when building the image
    #[arg(long)]
    pub no_cache: bool,
    /// Always attempt to pull a newer version of the image
    #[arg(long)]
    pub pull: bool,
    /// Set build-time variables for services (KEY=VALUE)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// Don't print anything to STDOUT
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullPolicyArg {
    Missing,
    Always,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Pull what it can and ignores images with pull failures
    #[arg(long)]
    pub ignore_pull_failures: bool,
    /// Pull without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
    /// Apply pull policy ("missing"|"always")
    #[arg(long, value_enum)]
    pub policy: Option<PullPolicyArg>,
    /// Also pull services declared as dependencies
    #[arg(long)]
    pub include_deps: bool,
    /// Ignore images that can be built
    #[arg(long)]
    pub ignore_buildable: bool,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Push what it can and ignores images with push failures
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Push without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
    /// Also push images of services declared as dependencies
    #[arg(long)]
    pub include_deps: bool,
}

#[derive(Debug, Args)]
pub struct PortArgs {
    pub service: String,
    pub private_port: u16,
    /// tcp or udp
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Format the output
    #[arg(long, value_enum, default_value = "table")]
    pub format: PsFormat,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show all stopped Compose projects
    #[arg(short, long)]
    pub all: bool,
    /// Format the output
    #[arg(long, value_enum, default_value = "table")]
    pub format: PsFormat,
    /// Only display project names
    #[arg(short, long)]
    pub quiet: bool,
    /// Filter output based on conditions provided (`name=…`)
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Output events as a stream of json objects
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CpArgs {
    /// SERVICE:SRC_PATH or a local path
    pub source: String,
    /// SERVICE:DEST_PATH or a local path
    pub destination: String,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
    /// Archive mode (copy all uid/gid information; accepted)
    #[arg(short, long)]
    pub archive: bool,
    /// Always follow symbol link in SRC_PATH (accepted)
    #[arg(short = 'L', long)]
    pub follow_link: bool,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Drops project when the first container stops
    #[arg(long)]
    pub down_project: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    Pretty,
    Json,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output
    #[arg(short, long, value_enum, default_value = "pretty")]
    pub format: VersionFormat,
    /// Shows only the version number
    #[arg(long)]
    pub short: bool,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Specify a shutdown timeout in seconds
    #[arg(short, long)]
    pub timeout: Option<i64>,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Specify a shutdown timeout in seconds
    #[arg(short, long)]
    pub timeout: Option<i64>,
    /// Don't restart dependent services
    #[arg(long)]
    pub no_deps: bool,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// SIGNAL to send to the container
    #[arg(short, long, default_value = "SIGKILL")]
    pub signal: String,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Don't ask to confirm removal
    #[arg(short, long)]
    pub force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short, long)]
    pub stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short, long)]
    pub volumes: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Services to create (with their dependencies)
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
    #[command(flatten)]
    pub converge: ConvergeArgs,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Detached mode: run the command in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Set environment variables (KEY=VALUE, or KEY for the value dockhand sees)
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Index of the container if the service has multiple replicas
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub index: u32,
    /// Disable pseudo-TTY allocation (default: a TTY when standard input is one)
    #[arg(short = 'T', long = "no-tty")]
    pub no_tty: bool,
    /// Keep STDIN open even if not attached (accepted: dockhand always forwards it)
    #[arg(short, long)]
    pub interactive: bool,
    /// Give extended privileges to the process
    #[arg(long)]
    pub privileged: bool,
    /// Run the command as this user
    #[arg(short, long)]
    pub user: Option<String>,
    /// Path to workdir directory for this command
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// The service
    pub service: String,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run container in background and print container ID
    #[arg(short, long)]
    pub detach: bool,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Add or override a label
    #[arg(short, long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Bind mount a volume
    #[arg(short, long = "volume", value_name = "VOLUME")]
    pub volume: Vec<String>,
    /// Publish a container's port(s) to the host
    #[arg(short, long = "publish", value_name = "PORT")]
    pub publish: Vec<String>,
    /// Run command with all service's ports enabled and mapped to the host
    #[arg(short = 'P', long)]
    pub service_ports: bool,
    /// Use the service's network aliases in the network(s) the container connects to
    #[arg(long)]
    pub use_aliases: bool,
    /// Override the entrypoint of the image
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Run as specified username or uid
    #[arg(short, long)]
    pub user: Option<String>,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Assign a name to the container
    #[arg(long)]
    pub name: Option<String>,
    /// Disable pseudo-TTY allocation (default: a TTY when standard input is one)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Keep STDIN open even if not attached
    #[arg(short, long)]
    pub interactive: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Build image before starting container
    #[arg(long)]
    pub build: bool,
    /// Pull image before running
    #[arg(long, value_enum)]
    pub pull: Option<PullArg>,
    /// Don't print anything to STDOUT
    #[arg(short, long)]
    pub quiet: bool,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// The service
    pub service: String,
    /// The command and its arguments (default: the service's)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services to show (default: all)
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
    /// Follow log output
    #[arg(short, long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs for each container
    #[arg(short = 'n', long, value_name = "N", default_value = "all")]
    pub tail: String,
    /// Show logs since a timestamp (2026-12-03T10:00:00Z) or relative time (42m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Show logs before a timestamp or relative time
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Index of the container if the service has multiple replicas
    #[arg(long, value_name = "N")]
    pub index: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullArg {
    Always,
    Missing,
    Never,
    Build,
}

/// What `up` and `create` share: how the images and containers are brought to the file.
#[derive(Debug, Args)]
pub struct ConvergeArgs {
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's missing
    #[arg(long, conflicts_with = "build")]
    pub no_build: bool,
    /// Pull images before running
    #[arg(long, value_enum)]
    pub pull: Option<PullArg>,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long)]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long, conflicts_with = "force_recreate")]
    pub no_recreate: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances (SERVICE=NUM)
    #[arg(long, value_name = "SERVICE=NUM", value_parser = parse_scale)]
    pub scale: Vec<(String, u32)>,
    /// Assume "yes" as answer to all prompts
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
}

#[derive(Debug, Parser)]
pub struct UpArgs {
    /// Services to start (with their dependencies)
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
    /// Detached mode: run containers in the background
    #[arg(short, long)]
    pub detach: bool,
    #[command(flatten)]
    pub converge: ConvergeArgs,
    /// Recreate dependent containers
    #[arg(long, conflicts_with = "no_recreate")]
    pub always_recreate_deps: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Don't start the services after creating them
    #[arg(long)]
    pub no_start: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long)]
    pub renew_anon_volumes: bool,
    /// Shutdown timeout in seconds for containers that are stopped
    #[arg(short, long)]
    pub timeout: Option<i64>,
    /// Wait for services to be running|healthy
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Show timestamps
    #[arg(long)]
    pub timestamps: bool,
    /// Restrict attaching to the specified services
    #[arg(long, value_name = "SERVICE")]
    pub attach: Vec<String>,
    /// Do not attach (stream logs) to the specified services
    #[arg(long, value_name = "SERVICE")]
    pub no_attach: Vec<String>,
    /// Automatically attach to log output of dependent services
    #[arg(long)]
    pub attach_dependencies: bool,
    /// Stops all containers if any container was stopped
    #[arg(long, conflicts_with = "detach")]
    pub abort_on_container_exit: bool,
    /// Stops all containers if any container exited with failure
    #[arg(long, conflicts_with_all = ["detach", "abort_on_container_exit"])]
    pub abort_on_container_failure: bool,
    /// Return the exit code of the selected service container (implies --abort-on-container-exit)
    #[arg(long, value_name = "SERVICE", conflicts_with = "detach")]
    pub exit_code_from: Option<String>,
    /// Enable interactive shortcuts when running attached (accepted; dockhand has none)
    #[arg(long)]
    pub menu: bool,
    /// Watch source code and rebuild/refresh containers when files are updated
    #[arg(short, long)]
    pub watch: bool,
}

/// `scale`: `up -d` of the services named, with these replica counts.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    #[arg(value_name = "SERVICE=REPLICAS", value_parser = parse_scale, required = true)]
    pub scale: Vec<(String, u32)>,
}

fn parse_scale(s: &str) -> Result<(String, u32), String> {
    let (svc, n) = s.split_once('=').ok_or_else(|| format!("invalid --scale {s:?}: expected SERVICE=NUM"))?;
    let n = n.parse::<u32>().map_err(|_| format!("invalid --scale {s:?}: {n:?} is not a number of replicas"))?;
    Ok((svc.to_string(), n))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RmiArg {
    Local,
    All,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Services to stop and remove (default: all)
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Remove named volumes declared in the volumes section and anonymous volumes
    #[arg(short, long)]
    pub volumes: bool,
    /// Remove images used by services: "local" only those without a custom tag
    #[arg(long, value_enum)]
    pub rmi: Option<RmiArg>,
    /// Shutdown timeout in seconds
    #[arg(short, long)]
    pub timeout: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PsFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Services to list
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
    /// Show all stopped containers
    #[arg(short, long)]
    pub all: bool,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Display services
    #[arg(long)]
    pub services: bool,
    /// Filter services by status (repeatable)
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Filter services by a property (`status=running`)
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format the output: table, json, or a Go-style template (`table {{.Name}}\t{{.State}}`)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Services to render (with their dependencies)
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
    /// Output format (default: yaml; a table for --variables)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Print the service names, one per line
    #[arg(long = "services")]
    pub services_only: bool,
    /// Print the volume names, one per line
    #[arg(long = "volumes")]
    pub volumes: bool,
    /// Print the network names, one per line
    #[arg(long = "networks")]
    pub networks: bool,
    /// Print the profile names, one per line
    #[arg(long = "profiles")]
    pub profiles: bool,
    /// Print the image names, one per line
    #[arg(long = "images")]
    pub images: bool,
    /// Print the service config hash, one per line (`*` for all services)
    #[arg(long, value_name = "SERVICES")]
    pub hash: Option<String>,
    /// Print the model names, one per line
    #[arg(long)]
    pub models: bool,
    /// Print model variables and default values
    #[arg(long)]
    pub variables: bool,
    /// Print environment used for interpolation
    #[arg(long)]
    pub environment: bool,
    /// Only validate the configuration, print nothing
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't interpolate environment variables
    #[arg(long)]
    pub no_interpolate: bool,
    /// Don't normalize the compose model
    #[arg(long)]
    pub no_normalize: bool,
    /// Don't resolve file paths
    #[arg(long)]
    pub no_path_resolution: bool,
    /// Don't check the model's consistency
    #[arg(long)]
    pub no_consistency: bool,
    /// Save to a file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    pub progress: crate::progress::Mode,
    pub parallel: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct UpCommand {
    pub plan: UpOptions,
    pub detach: bool,
    pub no_deps: bool,
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
    pub spec: crate::engine::ExecSpec,
    pub no_tty: bool,
}

#[derive(Debug, Clone)]
pub struct RunCommand {
    pub service: String,
    pub overrides: crate::plan::oneoff::RunOverrides,
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
    Start,
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
    Port { service: String, port: u16, protocol: String, index: u32 },
    Images { services: Vec<String>, format: PsFormat, quiet: bool },
    Events { services: Vec<String>, json: bool },
    Cp { source: String, destination: String, index: u32 },
    Wait { services: Vec<String>, down: bool },
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
    Build { no_cache: bool, pull: bool, build_args: Vec<(String, String)> },
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

/// A validated invocation: everything a command needs, with clap left behind.
#[derive(Debug, Clone)]
pub enum Invocation {
    Config(Options, ConfigOptions),
    Up(Options, UpCommand),
    Down(Options, DownCommand),
    Ps(Options, PsCommand),
    Logs(Options, LogsCommand),
    Exec(Options, ExecCommand),
    Run(Options, RunCommand),
    Lifecycle(Options, LifecycleCommand),
    Inspect(Options, Inspect, EngineOptions),
    Ls(Env, LsCommand),
    Version { format: VersionFormat, short: bool },
    Completion(clap_complete::Shell),
    Artifacts(Options, ArtifactsCommand),
    Watch(Options, WatchCommand),
    Stack(Options, stack::Stack, EngineOptions),
    /// The arguments make no sense together: the message says why.
    Invalid(String),
}

impl Cli {
    /// Turns arguments into options. `stdin` is read only when `-f -` asks for it.
    pub fn into_invocation(self, working_dir: PathBuf, env: Env, stdin: &dyn Fn() -> Option<String>) -> Invocation {
        let mut opts = Options::new(working_dir, env);
        let g = self.global;
        if g.files.iter().any(|f| f.as_os_str() == "-") {
            opts.stdin = stdin();
        }
        opts.files = g.files;
        opts.project_name = g.project_name;
        opts.all_resources = g.all_resources;
        opts.compatibility = g.compatibility;
        opts.project_directory = g.project_directory;
        opts.env_files = g.env_files;
        opts.profiles = g.profiles;
        let parallel = g.parallel.or_else(|| compose_env::parallel_limit(&opts.shell_env));
        let progress = match g.progress {
            ProgressMode::Auto => Mode::Auto,
            ProgressMode::Tty => Mode::Tty,
            ProgressMode::Plain => Mode::Plain,
            ProgressMode::Json => Mode::Json,
            ProgressMode::Quiet => Mode::Quiet,
        };
        let engine = EngineOptions { dry_run: g.dry_run, ansi: g.ansi, progress, parallel };
        match self.command {
            Command::Config(a) => config_invocation(opts, a),
            Command::Up(a) => up_invocation(opts, a, engine),
            Command::Scale(a) => scale_invocation(opts, a, engine),
            Command::Down(a) => down_invocation(opts, a, engine),
            Command::Ps(a) => ps_invocation(opts, a),
            Command::Logs(a) => logs_invocation(opts, a, engine),
            Command::Exec(_) if engine.dry_run => Invocation::Invalid("exec does not support --dry-run: running the command is all it does".into()),
            Command::Exec(a) => exec_invocation(opts, a),
            Command::Run(a) => run_invocation(opts, a, engine).unwrap_or_else(Invocation::Invalid),
            Command::Create(a) => create_invocation(opts, a, engine),
            Command::Start(a) => lifecycle(opts, a, Lifecycle::Start, engine),
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
                let images = Inspect::Images { services: a.services.names, format: a.format, quiet: a.quiet };
                Invocation::Inspect(opts, images, engine)
            }
            Command::Events(a) => Invocation::Inspect(opts, Inspect::Events { services: a.services.names, json: a.json }, engine),
            Command::Cp(a) => {
                let cp = Inspect::Cp { source: a.source, destination: a.destination, index: a.index };
                Invocation::Inspect(opts, cp, engine)
            }
            Command::Wait(a) => Invocation::Inspect(opts, Inspect::Wait { services: a.services.names, down: a.down_project }, engine),
            Command::Ls(a) => {
                let names = a.filter.iter().filter_map(|f| f.strip_prefix("name=")).map(String::from).collect();
                Invocation::Ls(opts.shell_env, LsCommand { all: a.all, format: a.format, quiet: a.quiet, names })
            }
            Command::Version(a) => Invocation::Version { format: a.format, short: a.short },
            Command::Completion(a) => Invocation::Completion(a.shell),
            Command::Watch(a) => {
                let mut opts = opts;
                opts.services = a.services.names.clone();
                let cmd = WatchCommand { services: a.services.names, no_up: a.no_up, prune: a.prune, quiet: a.quiet, engine };
                Invocation::Watch(opts, cmd)
            }
            Command::Build(a) => {
                let build_args = a.build_args.iter().map(|b| env_entry(&opts.shell_env, b)).filter_map(|(k, v)| v.map(|v| (k, v))).collect();
                let action = Artifacts::Build { no_cache: a.no_cache, pull: a.pull, build_args };
                artifacts(opts, a.services.names, action, false, engine)
            }
            Command::Pull(a) => {
                let action = Artifacts::Pull { ignore_failures: a.ignore_pull_failures, missing_only: a.policy == Some(PullPolicyArg::Missing) };
                artifacts(opts, a.services.names, action, a.include_deps, engine)
            }
            Command::Stack(a) => stack::invocation(opts, a, engine, stdin),
            Command::Push(a) => {
                let action = Artifacts::Push { ignore_failures: a.ignore_push_failures };
                artifacts(opts, a.services.names, action, a.include_deps, engine)
            }
        }
    }
}

fn up_invocation(mut opts: Options, a: UpArgs, engine: EngineOptions) -> Invocation {
    opts.services = a.names.clone();
    let plan = UpOptions {
        targets: a.names.clone(),
        force_recreate: a.converge.force_recreate,
        no_recreate: a.converge.no_recreate,
        always_recreate_deps: a.always_recreate_deps,
        no_start: a.no_start,
        remove_orphans: a.converge.remove_orphans || compose_env::remove_orphans(&opts.shell_env),
        renew_anon_volumes: a.renew_anon_volumes,
        pull: a.converge.pull.map(pull_policy),
        build: a.converge.build,
        no_build: a.converge.no_build,
        timeout: a.timeout,
        recreate_volumes: a.converge.yes,
        only: None,
    };
    let cmd = UpCommand {
        plan,
        detach: a.detach,
        no_deps: a.no_deps,
        services: a.names,
        scale: a.converge.scale.into_iter().collect(),
        wait: a.wait,
        wait_timeout: a.wait_timeout.map(Duration::from_secs),
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

/// As the reference's `scale`: the services named converge, with their dependencies unless
/// `--no-deps`, detached, their replicas set as asked.
fn scale_invocation(mut opts: Options, a: ScaleArgs, engine: EngineOptions) -> Invocation {
    let names: Vec<String> = a.scale.iter().map(|(s, _)| s.clone()).collect();
    opts.services = names.clone();
    let cmd = UpCommand {
        plan: UpOptions { targets: names.clone(), ..UpOptions::default() },
        detach: true,
        no_deps: a.no_deps,
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
        remove_orphans: a.remove_orphans || compose_env::remove_orphans(&opts.shell_env),
        images: a.rmi.map(|r| match r {
            RmiArg::Local => RemoveImages::Local,
            RmiArg::All => RemoveImages::All,
        }),
        timeout: a.timeout,
        services: a.names.clone(),
    };
    Invocation::Down(opts, DownCommand { plan, services: a.names, engine })
}

fn ps_invocation(opts: Options, a: PsArgs) -> Invocation {
    let from_filter = a.filter.iter().filter_map(|f| f.strip_prefix("status=")).map(String::from);
    let status = a.status.into_iter().chain(from_filter).collect();
    let cmd = PsCommand {
        services: a.names,
        all: a.all,
        quiet: a.quiet,
        list_services: a.services,
        status,
        format: a.format,
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
    let spec = crate::engine::ExecSpec {
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

fn run_invocation(mut opts: Options, a: RunArgs, engine: EngineOptions) -> Result<Invocation, String> {
    use crate::load::cli_specs;
    opts.services = vec![a.service.clone()];
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
    let overrides = crate::plan::oneoff::RunOverrides {
        command: a.command,
        entrypoint,
        environment: a.env.iter().map(|e| env_entry(&opts.shell_env, e)).collect(),
        labels,
        volumes,
        publish,
        service_ports: a.service_ports,
        user: a.user,
        working_dir: a.workdir,
        tty: !a.detach && crate::terminal::wants_tty(a.no_tty),
        interactive: !a.detach,
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
        ConfigView::Variables(a.format)
    } else if a.environment {
        ConfigView::Environment
    } else {
        ConfigView::Model(a.format.unwrap_or(Format::Yaml))
    };
    Invocation::Config(opts, ConfigOptions { view, output: a.output })
}

//! The command line as clap parses it: low-level arguments, one struct per subcommand,
//! mirroring `docker compose`'s flags. Nothing here is checked beyond what clap checks;
//! `convert` turns these into the options the commands take.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::load::compose_env;

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
    pub ansi: AnsiArg,
    /// How many engine calls may run at once (default: COMPOSE_PARALLEL_LIMIT, else unbounded)
    #[arg(long, value_name = "N", global = true, allow_negative_numbers = true)]
    pub parallel: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnsiArg {
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
    /// Return services to the configuration and image they had before the last up that changed them
    Rollback(RollbackArgs),
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
    Start(StartArgs),
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
    /// Export a service container's filesystem as a tar archive
    Export(ExportArgs),
    /// Create a new image from a service container's changes
    Commit(CommitArgs),
    /// List volumes
    Volumes(VolumesArgs),
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
    Stack(super::stack::StackArgs),
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
    /// Push service images
    #[arg(long)]
    pub push: bool,
    /// Also build dependencies (transitively)
    #[arg(long)]
    pub with_dependencies: bool,
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
    /// Without it, every mapping of the container is listed
    pub private_port: Option<u16>,
    /// tcp or udp [default: tcp]
    #[arg(long)]
    pub protocol: Option<String>,
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
    pub format: PsFormatArg,
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
    pub format: PsFormatArg,
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
    /// Show all events created since timestamp
    #[arg(long)]
    pub since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long)]
    pub until: Option<String>,
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
pub struct ExportArgs {
    pub service: String,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
    /// Write to a file, instead of STDOUT
    #[arg(short, long)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct VolumesArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Format the output: table, json, or a Go-style template
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Only display volume names
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CommitArgs {
    pub service: String,
    /// REPOSITORY[:TAG] of the new image (none: an untagged image)
    pub reference: Option<String>,
    /// Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")
    #[arg(short, long, default_value = "")]
    pub author: String,
    /// Apply Dockerfile instruction to the created image
    #[arg(short, long)]
    pub change: Vec<String>,
    /// Commit message
    #[arg(short, long, default_value = "")]
    pub message: String,
    /// Pause container during commit
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub pause: bool,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Services to wait for (at least one, as the reference asks)
    #[arg(value_name = "SERVICE", required = true)]
    pub names: Vec<String>,
    /// Drops project when the first container stops
    #[arg(long)]
    pub down_project: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormatArg {
    Pretty,
    Json,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output
    #[arg(short, long, value_enum, default_value = "pretty")]
    pub format: VersionFormatArg,
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
pub struct RollbackArgs {
    /// Services to roll back (default: every service with a version recorded)
    #[arg(value_name = "SERVICE")]
    pub names: Vec<String>,
    #[command(flatten)]
    pub replacing: ReplacingArgs,
}

/// How `up` and `rollback` stop the containers they replace and wait for the new ones.
#[derive(Debug, Args)]
pub struct ReplacingArgs {
    /// Shutdown timeout in seconds for containers that are stopped
    #[arg(short, long)]
    pub timeout: Option<i64>,
    /// Wait for services to be running|healthy
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub services: ServicesArgs,
    /// Wait for services to be running|healthy
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
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
    /// Set environment variables from file
    #[arg(long = "env-from-file", value_name = "FILE")]
    pub env_from_file: Vec<std::path::PathBuf>,
    /// Add or override a label
    #[arg(short, long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Bind mount a volume
    #[arg(short, long = "volume", visible_alias = "volumes", value_name = "VOLUME")]
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
    #[arg(short = 'T', long = "no-TTY", visible_alias = "no-tty")]
    pub no_tty: bool,
    /// Keep STDIN open even if not attached (the default, as for the reference)
    #[arg(short, long)]
    pub interactive: bool,
    /// Add Linux capabilities
    #[arg(long = "cap-add", value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop", value_name = "CAP")]
    pub cap_drop: Vec<String>,
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
    /// Suppress progress output from the build process
    #[arg(long)]
    pub quiet_build: bool,
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
    /// Pull without printing progress information (dockhand prints none)
    #[arg(long)]
    pub quiet_pull: bool,
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
    #[command(flatten)]
    pub replacing: ReplacingArgs,
    /// Suppress the build output
    #[arg(long)]
    pub quiet_build: bool,
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
pub enum PsFormatArg {
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
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Include orphaned services (not declared by project)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub orphans: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
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
    pub format: Option<FormatArg>,
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
    /// Don't resolve service env files
    #[arg(long)]
    pub no_env_resolution: bool,
    /// Save to a file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

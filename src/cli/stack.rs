//! `dockhand stack …`: `docker stack`'s commands, flags and aliases, turned into validated
//! options (`commands::options::Stack`). Without `-c`, the files and the project name come from dockhand's discovery.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Subcommand, ValueEnum};

use crate::commands::options::{Deploy, EngineOptions, Invocation, Stack};
use crate::load::Options;
use crate::swarm::reconcile::ResolveImage;

#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(subcommand)]
    pub command: StackCommand,
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Deploy a new stack or update an existing stack
    #[command(visible_alias = "up")]
    Deploy(DeployArgs),
    /// List stacks
    #[command(visible_alias = "list")]
    Ls(StackLsArgs),
    /// List the tasks in the stack
    Ps(StackPsArgs),
    /// List the services in the stack
    Services(StackServicesArgs),
    /// Remove one or more stacks
    #[command(visible_aliases = ["remove", "down"])]
    Rm(StackRmArgs),
    /// Outputs the final config file, after doing merges and interpolations
    Config(StackConfigArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResolveImageArg {
    Always,
    Changed,
    Never,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Path to a Compose file, or "-" to read from stdin (default: dockhand's discovery)
    #[arg(short = 'c', long = "compose-file", value_name = "FILE", value_delimiter = ',')]
    pub compose_files: Vec<PathBuf>,
    /// Prune services that are no longer referenced
    #[arg(long)]
    pub prune: bool,
    /// Query the registry to resolve image digest and supported platforms
    #[arg(long, value_enum, default_value = "always")]
    pub resolve_image: ResolveImageArg,
    /// Send registry authentication details to Swarm agents
    #[arg(long)]
    pub with_registry_auth: bool,
    /// Exit immediately instead of waiting for the stack services to converge
    #[arg(short = 'd', long, action = ArgAction::Set, num_args = 0..=1, default_value = "true", default_missing_value = "true")]
    pub detach: bool,
    /// Suppress progress output
    #[arg(short, long)]
    pub quiet: bool,
    /// Wait for the services to converge (replicas running, jobs completed)
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Stack name (default: the project name)
    pub stack: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackLsArgs {
    /// Format output using a custom template ('table', 'json' or a Go template)
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackPsArgs {
    /// Filter output based on conditions provided
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format output using a custom template ('table', 'json' or a Go template)
    #[arg(long)]
    pub format: Option<String>,
    /// Do not map IDs to Names
    #[arg(long)]
    pub no_resolve: bool,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Only display task IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Stack name (default: the project name)
    pub stack: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackServicesArgs {
    /// Filter output based on conditions provided
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format output using a custom template ('table', 'json' or a Go template)
    #[arg(long)]
    pub format: Option<String>,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Stack name (default: the project name)
    pub stack: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackRmArgs {
    /// Do not wait for stack removal
    #[arg(short = 'd', long, action = ArgAction::Set, num_args = 0..=1, default_value = "true", default_missing_value = "true")]
    pub detach: bool,
    /// Stack names (default: the project name)
    pub stacks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StackConfigArgs {
    /// Path to a Compose file, or "-" to read from stdin (default: dockhand's discovery)
    #[arg(short = 'c', long = "compose-file", value_name = "FILE", value_delimiter = ',')]
    pub compose_files: Vec<PathBuf>,
    /// Skip interpolation and output only merged config
    #[arg(long)]
    pub skip_interpolation: bool,
}

pub fn invocation(mut opts: Options, a: StackArgs, engine: EngineOptions, stdin: &dyn Fn() -> Option<String>) -> Invocation {
    let with_files = |opts: &mut Options, files: Vec<PathBuf>| {
        if files.is_empty() {
            return;
        }
        if files.iter().any(|f| f.as_os_str() == "-") {
            opts.stdin = stdin();
        }
        opts.files = files;
    };
    let stack = match a.command {
        StackCommand::Deploy(d) => {
            with_files(&mut opts, d.compose_files);
            let resolve_image = match d.resolve_image {
                ResolveImageArg::Always => ResolveImage::Always,
                ResolveImageArg::Changed => ResolveImage::Changed,
                ResolveImageArg::Never => ResolveImage::Never,
            };
            Stack::Deploy(Deploy {
                stack: d.stack,
                plan: crate::swarm::reconcile::Options { prune: d.prune, resolve_image },
                quiet: d.quiet,
                wait: d.wait || !d.detach,
                wait_timeout: d.wait_timeout.map(Duration::from_secs),
            })
        }
        StackCommand::Ls(l) => Stack::Ls { format: l.format },
        StackCommand::Ps(p) => Stack::Ps {
            stack: p.stack,
            filters: p.filter,
            format: p.format,
            no_trunc: p.no_trunc,
            no_resolve: p.no_resolve,
            quiet: p.quiet,
        },
        StackCommand::Services(s) => {
            Stack::Services { stack: s.stack, filters: s.filter, format: s.format, quiet: s.quiet }
        }
        StackCommand::Rm(r) => Stack::Rm { stacks: r.stacks, detach: r.detach },
        StackCommand::Config(c) => {
            with_files(&mut opts, c.compose_files);
            opts.interpolate = !c.skip_interpolation;
            Stack::Config
        }
    };
    Invocation::Stack(opts, stack, engine)
}

//! Command-line arguments (clap), turned into option structs before any work starts.
//! clap stays in this module.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::load::{Env, Options};

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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render the compose file in canonical form
    Config(ConfigArgs),
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
    /// Output format
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
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
    Quiet,
}

#[derive(Debug, Clone)]
pub struct ConfigOptions {
    pub view: ConfigView,
    pub output: Option<PathBuf>,
}

/// A validated invocation: everything a command needs, with clap left behind.
#[derive(Debug, Clone)]
pub enum Invocation {
    Config(Options, ConfigOptions),
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
        opts.project_directory = g.project_directory;
        opts.env_files = g.env_files;
        opts.profiles = g.profiles;
        match self.command {
            Command::Config(a) => config_invocation(opts, a),
        }
    }
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
    } else {
        ConfigView::Model(a.format)
    };
    Invocation::Config(opts, ConfigOptions { view, output: a.output })
}

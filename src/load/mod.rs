//! The loader: compose files in, a validated, typed project out. Phases, one module each:
//! discover → yaml, then per file interpolate → validate → canonical → absolute_paths →
//! include → extends, then merge → environment → normalize → consistency → profiles → bind.
//! `session` sequences them and reads the files they need; this module holds the options.

pub mod absolute_paths;
pub mod bind;
pub mod cli_specs;
pub mod canonical;
pub mod compose_env;
pub mod consistency;
pub mod discover;
pub mod dotenv;
pub mod environment;
pub mod extends;
pub mod files;
pub mod include;
pub mod interpolate;
pub mod merge;
pub mod normalize;
pub mod profiles;
pub mod recorded;
mod session;
pub mod spec;
pub mod validate;
pub mod yaml;

use std::path::PathBuf;

pub use serde_yaml::{Mapping, Value};
pub use session::{load, load_from, load_model, load_model_from, Failure, Loaded, LoadedModel};

/// Variables visible to interpolation.
pub use crate::env::Env;

/// What the command line (and the process) says about where and how to load.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-f` files as given; `-` means standard input.
    pub files: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub project_name: Option<String>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// Services named on the command line: they are enabled whatever their profiles.
    pub services: Vec<String>,
    pub interpolate: bool,
    pub resolve_paths: bool,
    pub normalize: bool,
    pub consistency: bool,
    /// Services' `env_file:` read into `environment:` (`config --no-env-resolution` keeps them).
    pub resolve_environment: bool,
    /// `--all-resources`: networks and volumes no service uses are kept.
    pub all_resources: bool,
    /// `--compatibility` (or `COMPOSE_COMPATIBILITY`): v1 container names.
    pub compatibility: bool,
    pub working_dir: PathBuf,
    /// The process environment, read once by the caller.
    pub shell_env: Env,
    /// The text of `-f -`, read by the caller.
    pub stdin: Option<String>,
    pub home: Option<PathBuf>,
}

impl Options {
    pub fn new(working_dir: PathBuf, shell_env: Env) -> Self {
        let home = shell_env.get("HOME").map(PathBuf::from);
        Options {
            files: Vec::new(),
            project_directory: None,
            project_name: None,
            env_files: Vec::new(),
            profiles: Vec::new(),
            services: Vec::new(),
            interpolate: true,
            resolve_paths: true,
            normalize: true,
            consistency: true,
            resolve_environment: true,
            all_resources: false,
            compatibility: false,
            working_dir,
            shell_env,
            stdin: None,
            home,
        }
    }
}

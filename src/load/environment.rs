//! The project's environment (shell > --env-file > .env) and each service's `env_file:` +
//! `environment:` resolved into one map.
use std::path::{Path, PathBuf};

use crate::diag::Problem;
use crate::load::{Env, Value};

/// Reads a file; the loader passes the real filesystem, tests pass a map.
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// The variables interpolation sees. `env_files` empty means `<project_dir>/.env` if present.
pub fn project_env(shell: &Env, project_dir: &Path, env_files: &[PathBuf], read: ReadFile) -> Result<Env, Vec<Problem>> {
    let _ = (project_dir, env_files, read);
    Ok(shell.clone())
}

/// For each service: loads its `env_file:` entries (paths already absolute) and merges
/// `environment:` over them; bare names take their value from `env` or stay unset.
pub fn resolve_services(project: &mut Value, env: &Env, read: ReadFile) -> Vec<Problem> {
    let _ = (project, env, read);
    Vec::new()
}

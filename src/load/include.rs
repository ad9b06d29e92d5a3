//! `include:`: other projects' resources brought into this one.
use std::path::{Path, PathBuf};

use crate::diag::Problem;
use crate::load::Value;

/// One include entry in long form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeSpec {
    pub paths: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub env_files: Vec<PathBuf>,
}

/// Loads an included project (its own env and project directory) as a merged value.
pub trait ProjectSource {
    fn load_included(&mut self, spec: &IncludeSpec, chain: &[PathBuf]) -> Result<Value, Vec<Problem>>;
}

/// Replaces the `include` key of `project` with the resources it brings in.
pub fn apply(project: &mut Value, file: &Path, chain: &[PathBuf], source: &mut dyn ProjectSource) -> Vec<Problem> {
    let _ = (project, file, chain, source);
    Vec::new()
}

//! `extends:` from the same file or another file.
use std::path::Path;

use crate::diag::Problem;
use crate::load::Value;

/// Loads another compose file through the per-file phases (parse, interpolate, validate,
/// canonical, paths relative to that file's directory).
pub trait FileSource {
    fn load(&mut self, path: &Path) -> Result<Value, Vec<Problem>>;
}

pub fn apply(project: &mut Value, file: &Path, files: &mut dyn FileSource) -> Vec<Problem> {
    let _ = (project, file, files);
    Vec::new()
}

//! Relative paths of one file made absolute against that file's base directory.
use std::path::Path;

use crate::load::Value;

pub fn resolve(value: &mut Value, base_dir: &Path, home: Option<&Path>) {
    let _ = (value, base_dir, home);
}

//! Where unit tests find the shared conformance material (`../shared/conformance`). A clone
//! without it beside the project skips those tests with a note on what is missing; under CI,
//! where the material must be present, its absence fails the test instead.

use std::path::PathBuf;

/// The path of `relative` inside the material, or None (after saying so) when it is absent.
pub fn path(relative: &str) -> Option<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/conformance"));
    let path = root.join(relative);
    if path.exists() {
        return Some(path);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(!ci, "{} is missing: CI needs ../shared/conformance beside the project", path.display());
    eprintln!("skipped: {} is missing (no ../shared/conformance beside this clone)", path.display());
    None
}

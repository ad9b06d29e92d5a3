//! Profiles: which services are enabled.
use crate::diag::Problem;
use crate::load::Value;

/// Removes services not enabled by `active` profiles or named in `requested`.
pub fn apply(project: &mut Value, active: &[String], requested: &[String]) -> Vec<Problem> {
    let _ = (project, active, requested);
    Vec::new()
}

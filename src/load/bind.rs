//! The canonical, normalised value bound to the typed model.
use crate::diag::Problem;
use crate::load::Value;
use crate::model::Project;

pub fn bind(project: Value) -> Result<Project, Vec<Problem>> {
    let _ = project;
    unimplemented!("bind::bind")
}

//! The reference's normalisation of a merged project: default network, names prefixed with the
//! project, implicit dependencies, build defaults.
use crate::diag::Problem;
use crate::load::{Env, Value};

pub fn normalize(project: &mut Value, project_name: &str, env: &Env) -> Vec<Problem> {
    let _ = (project, project_name, env);
    Vec::new()
}

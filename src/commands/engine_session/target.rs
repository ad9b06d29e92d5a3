//! Which project an engine command acts on.

use crate::commands::report;
use crate::load::{self, compose_env, Loaded, Options};

/// What an engine command acts on: a loaded project, or (without a compose file) a project
/// known only by its name from `-p` or `COMPOSE_PROJECT_NAME`.
pub enum Target {
    Loaded(Box<Loaded>),
    Named(String),
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::Loaded(l) => &l.project.name,
            Target::Named(n) => n,
        }
    }
}

/// Loads the project; a missing compose file is fine when the project is named.
pub fn target(opts: &Options) -> Option<Target> {
    let name = opts.project_name.clone().or_else(|| compose_env::project_name(&opts.shell_env).map(String::from));
    match (load::load(opts), name) {
        (Ok(loaded), _) => Some(Target::Loaded(Box::new(loaded))),
        (Err(f), Some(name)) if f.problems.iter().all(|p| p.problem().code == "dockhand::no_compose_file") => {
            Some(Target::Named(name))
        }
        (Err(f), _) => {
            report::print_failure(f);
            None
        }
    }
}

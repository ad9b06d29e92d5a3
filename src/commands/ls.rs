//! `dockhand ls`: the compose projects the engine holds containers of, whoever made them.

use std::collections::BTreeMap;
use std::process::ExitCode;

use super::engine_session;
use super::table::{self, WIDE};
use super::options::{LsCommand, PsFormat};
use crate::engine::Engine;
use crate::labels;
use crate::load::Env;
use crate::containers::observe::ObservedContainer;

/// One project as `ls` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// `running(2), exited(1)`.
    pub status: String,
    pub config_files: String,
}

pub fn run(env: &Env, cmd: &LsCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(engine) = engine_session::connect(env).await else { return ExitCode::FAILURE };
        let containers = match engine.all_containers(labels::PROJECT).await {
            Ok(c) => c,
            Err(e) => return engine_session::fail(&[e.to_string()]),
        };
        let listed: Vec<Listed> = projects(&containers)
            .into_iter()
            .filter(|p| cmd.all || p.status.contains("running"))
            .filter(|p| cmd.names.is_empty() || cmd.names.iter().any(|n| p.name.contains(n.as_str())))
            .collect();
        out!("{}", render(&listed, cmd));
        ExitCode::SUCCESS
    })
}

/// Projects by name, each with its containers counted by state.
pub fn projects(containers: &[ObservedContainer]) -> Vec<Listed> {
    let mut by_project: BTreeMap<&str, (BTreeMap<&str, usize>, &str)> = BTreeMap::new();
    for c in containers {
        let Some(project) = c.label(labels::PROJECT) else { continue };
        let entry = by_project.entry(project).or_insert_with(|| (BTreeMap::new(), c.label(labels::CONFIG_FILES).unwrap_or("")));
        *entry.0.entry(crate::containers::reconcile::state_name(c.state)).or_default() += 1;
    }
    by_project
        .into_iter()
        .map(|(name, (states, files))| Listed {
            name: name.to_string(),
            status: states.iter().map(|(s, n)| format!("{s}({n})")).collect::<Vec<_>>().join(", "),
            config_files: files.to_string(),
        })
        .collect()
}

fn render(listed: &[Listed], cmd: &LsCommand) -> String {
    if cmd.quiet {
        return listed.iter().map(|p| format!("{}\n", p.name)).collect();
    }
    match cmd.format {
        PsFormat::Json => {
            let all: Vec<serde_json::Value> = listed
                .iter()
                .map(|p| serde_json::json!({ "Name": p.name, "Status": p.status, "ConfigFiles": p.config_files }))
                .collect();
            format!("{}\n", serde_json::Value::Array(all))
        }
        PsFormat::Table => {
            let rows: Vec<Vec<String>> =
                listed.iter().map(|p| vec![p.name.clone(), p.status.clone(), p.config_files.clone()]).collect();
            table::render(&WIDE, &["NAME", "STATUS", "CONFIG FILES"], &rows)
        }
    }
}

//! `dockhand config`: the loaded project, printed as the reference prints it.

use std::process::ExitCode;

use crate::cli::{ConfigOptions, ConfigView, Format};
use crate::load::{self, Options};
use crate::graph::Graph;
use crate::model::Project;

pub fn run(opts: &Options, c: &ConfigOptions) -> ExitCode {
    let loaded = match load::load(opts) {
        Ok(l) => l,
        Err(f) => return super::print_failure(f),
    };
    super::print_warnings(&loaded.warnings);
    let text = match render(&loaded.project, &c.view) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match &c.output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::FAILURE
            }
        },
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
    }
}

/// The text `config` prints for a view of the project.
pub fn render(p: &Project, view: &ConfigView) -> Result<String, String> {
    Ok(match view {
        ConfigView::Quiet => String::new(),
        ConfigView::Model(Format::Yaml) => load::yaml::to_yaml_string(&escaped(p)?)?,
        ConfigView::Model(Format::Json) => {
            serde_json::to_string_pretty(&escaped(&p.json_view())?).map_err(|e| e.to_string())?
        }
        ConfigView::Services => lines(start_order(p)),
        ConfigView::Volumes => lines(p.volumes.keys().cloned()),
        ConfigView::Networks => lines(p.networks.keys().cloned()),
        ConfigView::Profiles => {
            let mut all: Vec<String> = p.services.values().flat_map(|s| s.profiles.iter().cloned()).collect();
            all.sort();
            all.dedup();
            lines(all)
        }
        ConfigView::Images => lines(p.services.iter().map(|(name, s)| image_name(&p.name, name, s.image.as_deref()))),
        ConfigView::Hash(names) => {
            let all = names.iter().any(|n| n == "*");
            let wanted = p.services.iter().filter(|(n, _)| all || names.contains(n));
            lines(wanted.map(|(n, s)| format!("{n} {}", crate::hash::config_hash(s))))
        }
    })
}

/// The model with every `$` written `$$`, so that the printed file, loaded again, means the
/// same: the reference prints it so.
fn escaped(p: &Project) -> Result<serde_json::Value, String> {
    let mut v = serde_json::to_value(p).map_err(|e| e.to_string())?;
    escape_dollars(&mut v);
    Ok(v)
}

fn escape_dollars(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(escape_dollars),
        serde_json::Value::Object(m) => m.values_mut().for_each(escape_dollars),
        _ => {}
    }
}

/// Dependencies before dependents, as the reference lists services.
fn start_order(p: &Project) -> Vec<String> {
    let graph = Graph::new(p.services.iter().map(|(n, s)| (n.clone(), s.depends_on.keys().cloned().collect::<Vec<_>>())));
    graph.dependencies_first()
}

/// A service without `image:` gets the name the reference gives its built image.
pub fn image_name(project: &str, service: &str, image: Option<&str>) -> String {
    image.map_or_else(|| format!("{project}-{service}"), str::to_string)
}

fn lines(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().map(|l| l + "\n").collect()
}

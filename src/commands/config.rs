//! `dockhand config`: the loaded project, printed as the reference prints it.

use std::process::ExitCode;

use super::options::{ConfigOptions, ConfigView, Format};
use crate::containers::names;
use crate::graph::Graph;
use crate::load::{self, profiles, Options, Value};
use crate::model::Project;

pub fn run(opts: &Options, c: &ConfigOptions) -> ExitCode {
    let rendered = if let ConfigView::Variables(format) = c.view {
        // The variables as written, so that an unset required one does not stop the listing.
        load::load_model(opts).map(|l| render_variables(&l.model, format))
    } else if !opts.interpolate && model_view(&c.view) {
        load::load_model(opts).map(|l| {
            super::report::print_warnings(&l.warnings);
            render_model(&l.model, &c.view)
        })
    } else if c.view == ConfigView::Environment {
        load::load(opts).map(|l| {
            super::report::print_warnings(&l.warnings);
            Ok(render_environment(&l.env))
        })
    } else {
        load::load(opts).map(|l| {
            super::report::print_warnings(&l.warnings);
            let text = render(&l.project, &c.view);
            // A large project takes as long to free as to print; the process ends here anyway.
            std::mem::forget(l);
            text
        })
    };
    let text = match rendered {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        Err(f) => return super::report::print_failure(f),
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
            out!("{text}");
            ExitCode::SUCCESS
        }
    }
}

/// The text `config` prints for a view of the project.
pub fn render(p: &Project, view: &ConfigView) -> Result<String, String> {
    Ok(match view {
        ConfigView::Quiet => String::new(),
        ConfigView::Model(Format::Yaml) => {
            let mut v = serde_json::to_value(p).map_err(|e| e.to_string())?;
            drop_json_only_fields(&mut v);
            in_yaml_order(&mut v);
            escape_dollars(&load::yaml::to_yaml_string(&v)?)
        }
        ConfigView::Model(Format::Json) => {
            escape_dollars(&serde_json::to_string_pretty(&p.json_view()).map_err(|e| e.to_string())?)
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
        ConfigView::Images => {
            lines(p.services.iter().map(|(name, s)| names::image(&p.name, name, s.image.as_deref())))
        }
        ConfigView::Hash(names) => {
            let all = names.iter().any(|n| n == "*");
            let wanted = p.services.iter().filter(|(n, _)| all || names.contains(n));
            lines(wanted.map(|(n, s)| format!("{n} {}", crate::hash::config_hash(s))))
        }
        ConfigView::Models => {
            // As the reference: the models some service uses.
            let used = |name: &&String| p.services.values().any(|s| s.models.contains_key(*name));
            lines(p.models.iter().filter(|(name, _)| used(name)).map(|(_, m)| m.model.clone()))
        }
        ConfigView::Variables(_) | ConfigView::Environment => String::new(),
    })
}

/// `config --variables`: every variable the files use, by name, with what the reference shows
/// of it (its table, or its JSON and YAML field names).
fn render_variables(model: &Value, format: Option<Format>) -> Result<String, String> {
    let vars = load::interpolate::variables(model);
    match format {
        None => {
            let rows: Vec<Vec<String>> = vars
                .values()
                .map(|v| vec![v.name.clone(), v.required.to_string(), v.default_value.clone(), v.presence_value.clone()])
                .collect();
            let header = ["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"];
            Ok(super::table::render(&super::table::WIDE, &header, &rows))
        }
        Some(Format::Json) => {
            let json: serde_json::Map<String, serde_json::Value> = vars
                .values()
                .map(|v| {
                    let fields = serde_json::json!({
                        "Name": v.name, "DefaultValue": v.default_value,
                        "PresenceValue": v.presence_value, "Required": v.required,
                    });
                    (v.name.clone(), fields)
                })
                .collect();
            go_json(&serde_json::Value::Object(json))
        }
        Some(Format::Yaml) => Ok(vars
            .values()
            .map(|v| {
                format!(
                    "{}:\n    name: {}\n    defaultvalue: {}\n    presencevalue: {}\n    required: {}\n",
                    go_yaml_scalar(&v.name),
                    go_yaml_scalar(&v.name),
                    go_yaml_scalar(&v.default_value),
                    go_yaml_scalar(&v.presence_value),
                    v.required
                )
            })
            .collect()),
    }
}

/// JSON indented by four spaces and followed by a blank line, as the reference prints it.
fn go_json(v: &serde_json::Value) -> Result<String, String> {
    use serde::Serialize;
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    v.serialize(&mut ser).map_err(|e| e.to_string())?;
    String::from_utf8(buf).map(|t| t + "\n\n").map_err(|e| e.to_string())
}

/// A string as the reference's YAML writer puts it: `""` when empty, single-quoted when a
/// YAML 1.1 reader would take it for something else, plain otherwise.
fn go_yaml_scalar(s: &str) -> String {
    let plain = serde_yaml::to_string(s).map(|t| t.trim_end().to_string()).unwrap_or_default();
    if s.is_empty() {
        "\"\"".to_string()
    } else if plain == s && load::yaml::is_yaml11_special(s) {
        format!("'{s}'")
    } else {
        plain
    }
}

/// `config --environment`: what interpolation reads (the shell, then the env files, then
/// the project name), `NAME=value` by name.
fn render_environment(env: &load::Env) -> String {
    let mut pairs: Vec<(&String, &String)> = env.iter().collect();
    pairs.sort();
    lines(pairs.into_iter().map(|(k, v)| format!("{k}={v}")))
}

/// Views the reference renders from the uninterpolated tree when asked not to interpolate;
/// the others need the typed project, so a `${VAR}` where it wants a number fails them.
fn model_view(view: &ConfigView) -> bool {
    use ConfigView::*;
    matches!(view, Model(_) | Quiet | Services | Volumes | Networks)
}

/// The text `config --no-interpolate` prints: the tree with its keys sorted, as the
/// reference prints it, and its `$` left as written.
pub fn render_model(model: &Value, view: &ConfigView) -> Result<String, String> {
    let keys = |section: &str| -> Vec<String> {
        let entries = model.get(section).and_then(Value::as_mapping).into_iter().flatten();
        entries.filter_map(|(k, _)| k.as_str().map(str::to_string)).collect()
    };
    Ok(match view {
        ConfigView::Model(Format::Yaml) => load::yaml::to_yaml_string(&sorted(model))?,
        ConfigView::Model(Format::Json) => {
            serde_json::to_string_pretty(&sorted(model)).map_err(|e| e.to_string())?
        }
        ConfigView::Services => {
            let services = model.get("services").and_then(Value::as_mapping).cloned().unwrap_or_default();
            lines(profiles::dependency_graph(&services).dependencies_first())
        }
        ConfigView::Volumes => lines(keys("volumes")),
        ConfigView::Networks => lines(keys("networks")),
        _ => String::new(),
    })
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Mapping(m) => {
            let mut entries: Vec<(&Value, &Value)> = m.iter().collect();
            entries.sort_by_key(|(k, _)| load::yaml::scalar_text(k));
            Value::Mapping(entries.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        Value::Sequence(items) => Value::Sequence(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The reference's YAML lists the sections in its model's order, extensions last (its JSON
/// has an order of its own).
fn in_yaml_order(project: &mut serde_json::Value) {
    let Some(top) = project.as_object_mut() else { return };
    let rank = |k: &str| ["name", "services", "networks", "volumes", "secrets", "configs", "models"].iter().position(|s| *s == k);
    let mut entries: Vec<(String, serde_json::Value)> = std::mem::take(top).into_iter().collect();
    // Stable: the extensions keep their order after the sections.
    entries.sort_by_key(|(k, _)| rank(k).unwrap_or(usize::MAX));
    top.extend(entries);
}

/// The reference's Go types print some fields in JSON that its YAML leaves out when they
/// are empty: a null `command`/`entrypoint`, and structs held by value (`ipam`,
/// `deploy.resources`, `deploy.placement`, a watch rule's `exec`).
fn drop_json_only_fields(project: &mut serde_json::Value) {
    let services = project.get_mut("services").and_then(|s| s.as_object_mut());
    for svc in services.into_iter().flat_map(|m| m.values_mut()) {
        drop_service_json_only(svc);
    }
    let networks = project.get_mut("networks").and_then(|n| n.as_object_mut());
    for net in networks.into_iter().flat_map(|m| m.values_mut()) {
        remove_if(net, "ipam", is_empty);
    }
}

fn drop_service_json_only(svc: &mut serde_json::Value) {
    remove_if(svc, "command", serde_json::Value::is_null);
    remove_if(svc, "entrypoint", serde_json::Value::is_null);
    if let Some(d) = svc.get_mut("deploy") {
        remove_if(d, "resources", is_empty);
        remove_if(d, "placement", is_empty);
    }
    let rules = svc.pointer_mut("/develop/watch").and_then(|w| w.as_array_mut());
    for rule in rules.into_iter().flatten() {
        remove_if(rule, "exec", is_empty);
    }
    // `pre_start` hooks are services in the reference's model.
    let hooks = svc.get_mut("pre_start").and_then(|h| h.as_array_mut());
    for hook in hooks.into_iter().flatten() {
        drop_service_json_only(hook);
    }
}

fn remove_if(v: &mut serde_json::Value, key: &str, pred: fn(&serde_json::Value) -> bool) {
    if let Some(m) = v.as_object_mut() {
        if m.get(key).is_some_and(pred) {
            m.shift_remove(key);
        }
    }
}

/// A struct whose fields are all null or empty lists: a Go zero value. A field holding an
/// object, even an empty one, is a set pointer, so the struct is not zero.
fn is_empty(v: &serde_json::Value) -> bool {
    v.as_object().is_some_and(|m| m.values().all(|f| f.is_null() || f.as_array().is_some_and(Vec::is_empty)))
}

/// Every `$` written `$$`, keys included, so that the printed file, loaded again, means the
/// same: the reference escapes its whole output so.
fn escape_dollars(text: &str) -> String {
    text.replace('$', "$$")
}

/// Dependencies before dependents, as the reference lists services.
fn start_order(p: &Project) -> Vec<String> {
    let graph = Graph::new(
        p.services.iter().map(|(n, s)| (n.clone(), s.depends_on.keys().cloned().collect::<Vec<_>>())),
    );
    graph.dependencies_first()
}

fn lines(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().map(|l| l + "\n").collect()
}

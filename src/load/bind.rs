//! The canonical, normalised value bound to the typed model.
//!
//! Each service and each top-level resource is bound on its own, so that one bad entry does
//! not hide the problems of the others (serde stops at the first error it meets).
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::diag::Problem;
use crate::diag::yaml_path::{Seg, YamlPath};
use crate::load::{Mapping, Value};
use crate::model::Project;

pub fn bind(mut project: Value) -> Result<Project, Vec<Problem>> {
    drop_empty_strings(&mut project, false);
    let Value::Mapping(mut top) = project else {
        return Err(vec![Problem::error(
            "dockhand::invalid_type",
            YamlPath::root(),
            "top-level object must be a mapping",
        )
        .with_help("a compose file is a mapping with keys such as `services:`")]);
    };
    let mut problems = Vec::new();
    let services = section(&mut top, "services", &mut problems);
    let networks = section(&mut top, "networks", &mut problems);
    let volumes = section(&mut top, "volumes", &mut problems);
    let secrets = section(&mut top, "secrets", &mut problems);
    let configs = section(&mut top, "configs", &mut problems);
    // The rest (name, models, extensions) is bound in one go: it is small and rarely wrong.
    let rest = typed::<Project>(Value::Mapping(top), &YamlPath::root()).unwrap_or_else(|e| {
        problems.push(e);
        Project::default()
    });
    let p = Project {
        services,
        networks,
        volumes,
        secrets,
        configs,
        ..rest
    };
    if problems.is_empty() {
        Ok(p)
    } else {
        Err(problems)
    }
}

/// Maps whose values are free text, where an empty string is a value like any other.
const FREE_TEXT_MAPS: [&str; 8] =
    ["environment", "labels", "annotations", "args", "sysctls", "driver_opts", "options", "extra_hosts"];

/// A field interpolated to "" is no field at all for the reference (Go's `omitempty`): it is
/// neither printed nor acted on. Extension values are the user's and are left alone.
fn drop_empty_strings(v: &mut Value, free_text: bool) {
    match v {
        Value::Mapping(m) => {
            if !free_text {
                m.retain(|_, v| v.as_str() != Some(""));
            }
            for (k, v) in m.iter_mut() {
                let key = k.as_str().unwrap_or_default();
                // The reference's `dns` list leaves out empty servers (an unset `${DNS}`);
                // `dns_search` and `dns_opt` keep them.
                if let (true, Value::Sequence(items)) = (key == "dns", &mut *v) {
                    items.retain(|i| i.as_str() != Some(""));
                }
                if !key.starts_with("x-") {
                    drop_empty_strings(v, FREE_TEXT_MAPS.contains(&key));
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|i| drop_empty_strings(i, false)),
        _ => {}
    }
}

/// Binds every entry of a top-level section; an empty entry (`some-volume:`) is all defaults.
fn section<T: DeserializeOwned + Default>(
    top: &mut Mapping,
    name: &str,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, T> {
    let mut out = BTreeMap::new();
    let entries = match top.remove(name) {
        Some(Value::Mapping(m)) => m,
        Some(Value::Null) | None => return out,
        Some(_) => {
            problems.push(type_problem(YamlPath::root().key(name), "a mapping"));
            return out;
        }
    };
    for (key, value) in entries {
        let key = crate::load::yaml::scalar_text(&key);
        let path = YamlPath::root().key(name).key(key.clone());
        let bound = match value {
            Value::Null => Ok(T::default()),
            v => typed(v, &path),
        };
        match bound {
            Ok(v) => {
                out.insert(key, v);
            }
            Err(e) => problems.push(e),
        }
    }
    out
}

fn typed<T: DeserializeOwned>(value: Value, base: &YamlPath) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = extend(base, e.path());
        let message = format!("{path}: {}", e.inner());
        Problem::error("dockhand::invalid_type", path, message)
            .with_help("see the Compose specification for the expected shape of this attribute")
    })
}

fn extend(base: &YamlPath, path: &serde_path_to_error::Path) -> YamlPath {
    let mut segs = base.0.clone();
    for seg in path.iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => segs.push(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => segs.push(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    YamlPath(segs)
}

fn type_problem(path: YamlPath, expected: &str) -> Problem {
    let message = format!("{path} must be {expected}");
    Problem::error("dockhand::invalid_type", path, message)
        .with_help("see the Compose specification for the expected shape of this attribute")
}

#[cfg(test)]
mod tests;

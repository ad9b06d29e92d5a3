//! A service definition recorded on a container (as `config --format json` prints it, see
//! `dev.dockhand.applied`), loaded back as a file's service is: the printed form is canonical
//! compose, not the model's own serde form (`extra_hosts` prints as a list, binds as a map).

use std::path::Path;

use crate::load::canonical::canonicalize;
use crate::load::{bind, Mapping, Value};
use crate::model::Service;

pub fn service(name: &str, json: &str) -> Result<Service, String> {
    let definition: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut services = Mapping::new();
    services.insert(Value::from(name), definition);
    let mut top = Mapping::new();
    top.insert(Value::from("services"), Value::Mapping(services));
    let (value, problems) = canonicalize(Value::Mapping(top), Path::new("recorded"));
    let errors: Vec<String> = problems.iter().filter(|p| p.is_error()).map(|p| p.message.clone()).collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let mut project = bind::bind(value).map_err(|ps| ps.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join("; "))?;
    project.services.remove(name).ok_or_else(|| format!("no service {name} in what was recorded"))
}

//! `dockhand volumes`: the project's volumes, as `docker volume ls` prints them.

use std::collections::BTreeSet;
use std::process::ExitCode;

use serde_json::json;

use super::engine_session::Session;
use super::ps_format::{self, PsOutput};
use super::table::{self, PS};
use crate::containers::names;
use crate::engine::observed::ObservedVolume;
use crate::engine::Engine;

/// All the project's volumes; with services named, those their containers mount, as the
/// reference lists them.
pub async fn run(s: &Session, services: &[String], format: Option<&str>, quiet: bool) -> Result<ExitCode, String> {
    let filter = names::project_filter(&s.project.name);
    let mut volumes = s.engine.list_volumes(&filter).await.map_err(|e| e.to_string())?;
    if !services.is_empty() {
        let mounted: BTreeSet<String> = s
            .service_containers(services)
            .await?
            .into_iter()
            .flat_map(|c| c.mounts.into_iter())
            .collect();
        volumes.retain(|v| mounted.contains(&v.name));
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));
    if quiet {
        out!("{}", volumes.iter().map(|v| format!("{}\n", v.name)).collect::<String>());
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<serde_json::Value> = volumes.iter().map(row).collect();
    let text = match ps_format::parse(format) {
        PsOutput::Table => {
            let cells: Vec<Vec<String>> = volumes.iter().map(|v| vec![v.driver.clone(), v.name.clone()]).collect();
            table::render(&PS, &["DRIVER", "VOLUME NAME"], &cells)
        }
        PsOutput::Json => rows.iter().map(|r| format!("{r}\n")).collect(),
        PsOutput::Template { text, table } => ps_format::render(&text, table, &rows)?,
    };
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The fields of `docker volume ls --format json`; those a local listing does not know are
/// `N/A`, as there.
fn row(v: &ObservedVolume) -> serde_json::Value {
    let labels: Vec<String> = v.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    json!({
        "Availability": "N/A", "Driver": v.driver, "Group": "N/A", "Labels": labels.join(","),
        "Links": "N/A", "Mountpoint": v.mountpoint, "Name": v.name, "Scope": v.scope,
        "Size": "N/A", "Status": "N/A",
    })
}

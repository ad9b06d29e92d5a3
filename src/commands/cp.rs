//! `dockhand cp`: files between a service container and the local filesystem, through the
//! engine's archive API, with `docker cp`'s rules for where the copy lands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::engine_session::Session;
use super::exec::running_container;
use crate::containers::names;
use crate::engine::streams::require;
use crate::engine::{Capability, ContainerIo, Engine};

/// One side of the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Local(PathBuf),
    Container { service: String, path: String },
}

/// `SERVICE:PATH` names a container path when SERVICE is a service of the project; anything
/// else is a local path (`./a:b` included).
pub fn place(text: &str, services: &[String]) -> Place {
    match text.split_once(':') {
        Some((service, path)) if services.iter().any(|s| s == service) => {
            Place::Container { service: service.to_string(), path: path.to_string() }
        }
        _ => Place::Local(PathBuf::from(text)),
    }
}

/// What `cp` was asked.
pub struct Copy<'a> {
    pub source: &'a str,
    pub destination: &'a str,
    /// The replica of the service named.
    pub index: u32,
    /// The copy is only described: the container is looked for, nothing is copied.
    pub dry_run: bool,
}

/// `cp` in the project the session opened.
pub async fn run(s: &Session, copy: &Copy<'_>) -> Result<ExitCode, String> {
    let services: Vec<String> = s.desired.known_services.iter().cloned().collect();
    self::copy(s.engine.as_ref(), &s.project.name, &services, copy).await
}

/// `services`: the project's services, which tell a container path from a local one.
pub async fn copy<E: Engine + ContainerIo>(engine: &E, project: &str, services: &[String], copy: &Copy<'_>) -> Result<ExitCode, String> {
    require(engine, Capability::Copy).map_err(|e| e.to_string())?;
    let index = copy.index;
    match (place(copy.source, services), place(copy.destination, services)) {
        (Place::Container { service, .. }, Place::Local(_)) | (Place::Local(_), Place::Container { service, .. })
            if copy.dry_run =>
        {
            container(engine, project, &service, index).await?;
            outln!("would copy {} to {}", copy.source, copy.destination);
        }
        (Place::Container { service, path }, Place::Local(dest)) => {
            let id = container(engine, project, &service, index).await?;
            let archive = engine.download(&id, &path).await.map_err(|e| e.to_string())?;
            crate::archive::unpack(&archive, &dest)?;
        }
        (Place::Local(src), Place::Container { service, path }) => {
            let id = container(engine, project, &service, index).await?;
            let into_dir = path.ends_with('/') || engine.is_directory(&id, &path).await;
            let (dir, name) = if into_dir {
                (path.clone(), file_name(&src)?)
            } else {
                let p = Path::new(&path);
                let parent = p.parent().map_or_else(|| "/".to_string(), |d| d.to_string_lossy().into_owned());
                (if parent.is_empty() { "/".to_string() } else { parent }, file_name(p)?)
            };
            let archive = crate::archive::pack(&[(src.as_path(), name.as_str())], false)?;
            engine.upload(&id, &dir, archive).await.map_err(|e| e.to_string())?;
        }
        _ => return Err("copying between two local paths or two containers is not supported: one side must be SERVICE:PATH".to_string()),
    }
    Ok(ExitCode::SUCCESS)
}

/// `cp` works on stopped containers too, as `docker cp` does: any replica `index`.
async fn container<E: Engine>(engine: &E, project: &str, service: &str, index: u32) -> Result<String, String> {
    match running_container(engine, project, service, index).await {
        Ok(id) => Ok(id),
        Err(e) => {
            let all = engine.list_containers(&names::project_filter(project)).await.map_err(|e| e.to_string())?;
            all.into_iter().find(|c| c.service == service && c.number == index && !c.oneoff).map(|c| c.id).ok_or(e)
        }
    }
}

fn file_name(p: &Path) -> Result<String, String> {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{}: cannot tell the name to copy it under", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_prefix_names_a_container_path() {
        let services = vec!["web".to_string()];
        assert_eq!(place("web:/etc/hosts", &services), Place::Container { service: "web".into(), path: "/etc/hosts".into() });
        assert_eq!(place("./web:/x", &services), Place::Local("./web:/x".into()));
        assert_eq!(place("other:/x", &services), Place::Local("other:/x".into()));
    }
}

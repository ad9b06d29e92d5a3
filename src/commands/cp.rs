//! `dockhand cp`: files between a service container and the local filesystem, through the
//! engine's archive API, with `docker cp`'s rules for where the copy lands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::engine_session::Session;
use super::exec::running_container;
use crate::engine::Engine;

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

pub async fn copy(s: &Session, source: &str, destination: &str, index: u32) -> Result<ExitCode, String> {
    let services: Vec<String> = s.desired.known_services.iter().cloned().collect();
    match (place(source, &services), place(destination, &services)) {
        (Place::Container { service, path }, Place::Local(dest)) => {
            let id = container(s, &service, index).await?;
            let archive = s.engine.download(&id, &path).await.map_err(|e| e.to_string())?;
            unpack(&archive, &dest)?;
        }
        (Place::Local(src), Place::Container { service, path }) => {
            let id = container(s, &service, index).await?;
            let into_dir = path.ends_with('/') || s.engine.is_directory(&id, &path).await;
            let (dir, name) = if into_dir {
                (path.clone(), file_name(&src)?)
            } else {
                let p = Path::new(&path);
                let parent = p.parent().map_or_else(|| "/".to_string(), |d| d.to_string_lossy().into_owned());
                (if parent.is_empty() { "/".to_string() } else { parent }, file_name(p)?)
            };
            let archive = pack(&src, &name)?;
            s.engine.upload(&id, &dir, archive).await.map_err(|e| e.to_string())?;
        }
        _ => return Err("copying between two local paths or two containers is not supported: one side must be SERVICE:PATH".to_string()),
    }
    Ok(ExitCode::SUCCESS)
}

/// `cp` works on stopped containers too, as `docker cp` does: any replica `index`.
async fn container(s: &Session, service: &str, index: u32) -> Result<String, String> {
    match running_container(&s.engine, &s.project.name, service, index).await {
        Ok(id) => Ok(id),
        Err(e) => {
            let all = s.engine.list_containers(&s.project.name).await.map_err(|e| e.to_string())?;
            all.into_iter().find(|c| c.service == service && c.number == index && !c.oneoff).map(|c| c.id).ok_or(e)
        }
    }
}

fn file_name(p: &Path) -> Result<String, String> {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{}: cannot tell the name to copy it under", p.display()))
}

/// A tar of `src` (file or directory) under the name `name`.
fn pack(src: &Path, name: &str) -> Result<Vec<u8>, String> {
    let err = |e: std::io::Error| format!("{}: {e}", src.display());
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let meta = std::fs::symlink_metadata(src).map_err(err)?;
    if meta.is_dir() {
        builder.append_dir_all(name, src).map_err(err)?;
    } else {
        builder.append_path_with_name(src, name).map_err(err)?;
    }
    builder.into_inner().map_err(err)
}

/// Unpacks the archive of one container path at `dest`: into it when it is a directory,
/// otherwise as `dest` itself.
fn unpack(archive: &[u8], dest: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", dest.display());
    if dest.is_dir() {
        return tar::Archive::new(archive).unpack(dest).map_err(err);
    }
    let mut entries = tar::Archive::new(archive);
    let mut top: Option<PathBuf> = None;
    for entry in entries.entries().map_err(err)? {
        let mut entry = entry.map_err(err)?;
        let path = entry.path().map_err(err)?.into_owned();
        let root = top.get_or_insert_with(|| path.components().next().map(|c| PathBuf::from(c.as_os_str())).unwrap_or_default());
        let rest = path.strip_prefix(&*root).unwrap_or(&path).to_path_buf();
        let target = if rest.as_os_str().is_empty() { dest.to_path_buf() } else { dest.join(rest) };
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        entry.unpack(&target).map_err(err)?;
    }
    Ok(())
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

    #[test]
    fn pack_and_unpack_round_trip_a_directory_under_a_new_name() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("sub/a.txt"), "hello").unwrap();
        let archive = pack(&src, "src").unwrap();
        let dest = dir.path().join("copy");
        unpack(&archive, &dest).unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("sub/a.txt")).unwrap(), "hello");
    }
}

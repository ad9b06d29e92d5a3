//! Tar archives between the host and the engine's archive API: host paths packed under the
//! names they get in a container (`cp`, `watch` sync), and a container path's archive
//! unpacked on the host (`cp`); secrets and configs packed from their content.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::InjectedFile;

/// One archive of each host path (file or directory, symlinks kept as links) under its name.
/// `skip_vanished`: a path gone since it was listed is left out instead of failing (a watched
/// file deleted right after its change event; the next batch deletes it).
pub fn pack(entries: &[(&Path, &str)], skip_vanished: bool) -> Result<Vec<u8>, String> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    for (host, name) in entries {
        let name = name.trim_start_matches('/');
        let added = match std::fs::symlink_metadata(host) {
            Ok(m) if m.is_dir() => builder.append_dir_all(name, host),
            Ok(_) => builder.append_path_with_name(host, name),
            Err(e) => Err(e),
        };
        if let Err(e) = added {
            if !(skip_vanished && !host.exists()) {
                return Err(format!("{}: {e}", host.display()));
            }
        }
    }
    builder.into_inner().map_err(|e| e.to_string())
}

/// One archive of files made from their content, each with its owner and mode, to unpack at
/// `/`. The engine makes missing parent directories (root's, mode 755).
pub fn pack_files(files: &[InjectedFile]) -> Result<Vec<u8>, String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut builder = tar::Builder::new(Vec::new());
    for f in files {
        let content = f.content.expose().as_bytes();
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(content.len() as u64);
        header.set_mode(f.mode);
        header.set_uid(u64::from(f.uid));
        header.set_gid(u64::from(f.gid));
        header.set_mtime(now);
        // The target alone names the file: no error here may repeat the content.
        builder
            .append_data(&mut header, f.target.trim_start_matches('/'), content)
            .map_err(|e| format!("{}: {e}", f.target))?;
    }
    builder.into_inner().map_err(|e| e.to_string())
}

/// Unpacks the archive of one container path at `dest`: into it when it is a directory,
/// otherwise as `dest` itself.
pub fn unpack(archive: &[u8], dest: &Path) -> Result<(), String> {
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
    fn pack_and_unpack_round_trip_a_directory_under_a_new_name() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("sub/a.txt"), "hello").unwrap();
        let archive = pack(&[(src.as_path(), "src")], false).unwrap();
        let dest = dir.path().join("copy");
        unpack(&archive, &dest).unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("sub/a.txt")).unwrap(), "hello");
    }

    #[test]
    fn files_are_packed_with_their_owner_and_mode() {
        let file = InjectedFile {
            target: "/run/secrets/token".into(),
            content: crate::model::Sensitive::new("s3cret"),
            uid: 101,
            gid: 102,
            mode: 0o600,
            owned: true,
        };
        let archive = pack_files(&[file]).unwrap();
        let mut archive = tar::Archive::new(archive.as_slice());
        let mut entries = archive.entries().unwrap();
        let mut entry = entries.next().unwrap().unwrap();
        let h = entry.header();
        assert_eq!(entry.path().unwrap().to_str(), Some("run/secrets/token"));
        assert_eq!(
            (h.mode().unwrap(), h.uid().unwrap(), h.gid().unwrap()),
            (0o600, 101, 102)
        );
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
        assert_eq!(text, "s3cret");
        assert!(entries.next().is_none());
    }

    #[test]
    fn vanished_paths_are_skipped_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        assert!(pack(&[(gone.as_path(), "x")], false).is_err());
        assert!(pack(&[(gone.as_path(), "x")], true).is_ok());
    }
}

//! Where a load reads its files: the disk for the commands, a map in memory for the fuzzer
//! and for tests that must not depend on what a directory holds.

use std::io;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

/// Every read and existence check of a load goes through this.
pub trait Files {
    fn read(&self, path: &Path) -> io::Result<String>;
    fn is_file(&self, path: &Path) -> bool;

    /// What a bind mount of `path` shows, as bytes: a file's content, or for a directory
    /// every file under it with its path relative to it, in order.
    fn contents(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read(path).map(String::into_bytes)
    }
}

/// Each `file` source of a secret or config gets the digest of its content. One that cannot
/// be read gets none: the container's create reports it, and its content is not tracked.
pub fn digest_file_sources(project: &mut crate::model::Project, fs: &dyn Files) {
    for object in project.secrets.values_mut().chain(project.configs.values_mut()) {
        object.file_digest = object
            .file
            .as_deref()
            .and_then(|f| fs.contents(Path::new(f)).ok())
            .map(|bytes| crate::hash::content_digest(&bytes));
    }
}

/// The real filesystem.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn contents(&self, path: &Path) -> io::Result<Vec<u8>> {
        if !path.is_dir() {
            return std::fs::read(path);
        }
        let mut out = Vec::new();
        directory_contents(path, Path::new(""), &mut out)?;
        Ok(out)
    }
}

/// Each entry's relative path, then its length and bytes (a file) or its own entries (a
/// directory), sorted by name: a renamed, added or removed file changes the result too.
fn directory_contents(dir: &Path, relative: &Path, out: &mut Vec<u8>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let rel = relative.join(entry.file_name());
        out.extend_from_slice(rel.as_os_str().as_encoded_bytes());
        out.push(0);
        // Not followed when a link: a link back up would never end.
        if entry.file_type()?.is_dir() {
            out.push(b'd');
            directory_contents(&entry.path(), &rel, out)?;
        } else {
            let bytes = std::fs::read(entry.path())?;
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
    }
    Ok(())
}

/// Files held in memory by absolute path; any other path does not exist.
#[derive(Debug, Clone, Default)]
pub struct Memory(pub IndexMap<PathBuf, String>);

impl Files for Memory {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.0.get(path).cloned().ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.0.contains_key(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sources_get_the_digest_of_what_they_hold_and_unreadable_ones_none() {
        let yaml = "services: {a: {image: x}}
configs: {c: {file: /p/c.txt}, i: {content: x}}
secrets: {s: {file: /p/missing}}";
        let mut project = crate::load::bind::bind(serde_yaml::from_str(yaml).unwrap()).unwrap();
        let fs = Memory(IndexMap::from([(PathBuf::from("/p/c.txt"), "one".to_string())]));
        digest_file_sources(&mut project, &fs);
        assert_eq!(project.configs["c"].file_digest, Some(crate::hash::content_digest(b"one")));
        assert_eq!((&project.configs["i"].file_digest, &project.secrets["s"].file_digest), (&None, &None));
    }

    #[test]
    fn a_directory_reads_as_its_files_with_their_names() {
        let dir = std::env::temp_dir().join(format!("dockhand-contents-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a"), "1").unwrap();
        let first = Disk.contents(&dir).unwrap();
        std::fs::rename(dir.join("sub/a"), dir.join("sub/b")).unwrap();
        let renamed = Disk.contents(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_ne!(first, renamed);
        assert!(first.ends_with(b"1") && !first.is_empty());
    }
}

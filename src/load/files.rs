//! Where a load reads its files: the disk for the commands, a map in memory for the fuzzer
//! and for tests that must not depend on what a directory holds.

use std::io;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

/// Every read and existence check of a load goes through this.
pub trait Files {
    fn read(&self, path: &Path) -> io::Result<String>;
    fn is_file(&self, path: &Path) -> bool;
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

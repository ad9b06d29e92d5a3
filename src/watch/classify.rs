//! A batch of changed paths → what to do: reload the project, and per service the files to
//! copy into or delete from its containers, a restart, a command to run, or a rebuild. Pure:
//! whether each path still exists is decided before, by the caller.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::ignore::Ignore;
use crate::model::{WatchAction, WatchRule};

/// One `develop.watch` rule of a service, with its ignore patterns compiled.
#[derive(Debug, Clone)]
pub struct ServiceRule {
    pub service: String,
    pub rule: WatchRule,
    pub ignore: Ignore,
    pub include: Option<Ignore>,
}

impl ServiceRule {
    pub fn new(service: &str, rule: &WatchRule, dockerignore: &[String]) -> ServiceRule {
        let patterns: Vec<String> = rule.ignore.iter().chain(dockerignore).cloned().collect();
        let include = (!rule.include.is_empty()).then(|| Ignore::new_exact(&rule.include));
        ServiceRule { service: service.to_string(), rule: rule.clone(), ignore: Ignore::new(&patterns), include }
    }

    /// Whether watching goes into this directory: it is under the rule's path and not ignored
    /// (a directory pattern like `node_modules/` is tested through a name inside it).
    pub fn enters(&self, dir: &Path) -> bool {
        dir.strip_prefix(&self.rule.path).is_ok_and(|rel| !self.ignore.ignores(&rel.join(".dockhand-probe")))
    }

    /// The path relative to the rule's path, when the rule covers it and does not ignore it.
    fn covers(&self, path: &Path) -> Option<PathBuf> {
        let relative = path.strip_prefix(&self.rule.path).ok()?.to_path_buf();
        if self.ignore.ignores(&relative) {
            return None;
        }
        let included = match &self.include {
            Some(inc) => relative.as_os_str().is_empty() || inc.ignores(&relative),
            None => true,
        };
        included.then_some(relative)
    }
}

/// A changed path and whether it is there now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub exists: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceWork {
    /// Host path → container path.
    pub copy: BTreeMap<PathBuf, String>,
    pub delete: BTreeSet<String>,
    pub restart: bool,
    pub rebuild: bool,
    /// `sync+exec` commands, each once.
    pub exec: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// A file of the project definition changed: load it again and converge.
    pub reload: bool,
    pub services: BTreeMap<String, ServiceWork>,
}

impl Batch {
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        !self.reload && self.services.is_empty()
    }
}

pub fn classify(changes: &[Change], project_files: &BTreeSet<PathBuf>, rules: &[ServiceRule]) -> Batch {
    let mut batch = Batch::default();
    for change in changes {
        if project_files.contains(&change.path) {
            batch.reload = true;
        }
        for r in rules {
            let Some(relative) = r.covers(&change.path) else { continue };
            let work = batch.services.entry(r.service.clone()).or_default();
            apply(work, r, change, &relative);
        }
    }
    batch.services.retain(|_, w| *w != ServiceWork::default());
    batch
}

fn apply(work: &mut ServiceWork, r: &ServiceRule, change: &Change, relative: &Path) {
    let target = || {
        let base = r.rule.target.clone().unwrap_or_default();
        if relative.as_os_str().is_empty() {
            base
        } else {
            format!("{}/{}", base.trim_end_matches('/'), relative.to_string_lossy())
        }
    };
    let sync = |work: &mut ServiceWork| {
        if r.rule.target.is_none() {
            return;
        }
        if change.exists {
            work.delete.remove(&target());
            work.copy.insert(change.path.clone(), target());
        } else {
            work.copy.remove(&change.path);
            work.delete.insert(target());
        }
    };
    match r.rule.action {
        WatchAction::Rebuild => work.rebuild = true,
        WatchAction::Restart => work.restart = true,
        WatchAction::Sync => sync(work),
        WatchAction::SyncRestart => {
            sync(work);
            work.restart = true;
        }
        WatchAction::SyncExec => {
            sync(work);
            if let Some(cmd) = r.rule.exec.as_ref().and_then(|h| h.command.clone()) {
                if !work.exec.contains(&cmd) {
                    work.exec.push(cmd);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

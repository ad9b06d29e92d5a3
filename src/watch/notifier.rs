//! File events from the OS (inotify through notify), one watch per directory so that
//! ignored trees (a `node_modules`) cost no watch at all; polling when the OS runs out of
//! watches. Events go through a bounded channel and come out in debounced batches.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// How long a burst of saves may go quiet before its batch is handed on, and the longest a
/// batch waits in all.
const QUIET: Duration = Duration::from_millis(60);
const LONGEST: Duration = Duration::from_millis(600);
const POLL_EVERY: Duration = Duration::from_millis(500);

pub struct Notifier {
    watcher: Box<dyn Watcher + Send>,
    watched: BTreeSet<PathBuf>,
    tx: mpsc::Sender<PathBuf>,
    rx: mpsc::Receiver<PathBuf>,
    polling: bool,
    /// The batch being gathered and when it must be handed on. Kept here, not in `batch`'s
    /// future, so that a caller selecting over `batch` and something else (the engine check)
    /// loses none of the paths already received when that other branch wins.
    pending: BTreeSet<PathBuf>,
    deadline: tokio::time::Instant,
}

impl Notifier {
    /// `poll`: poll from the start (`DOCKHAND_WATCH_POLL=1`), for filesystems inotify does not
    /// see into (network and some container mounts).
    pub fn new(poll: bool) -> Result<Notifier, String> {
        let (tx, rx) = mpsc::channel(4096);
        let watcher = native(tx.clone()).map_err(|e| format!("cannot watch files: {e}"))?;
        let deadline = tokio::time::Instant::now();
        let mut n = Notifier { watcher, watched: BTreeSet::new(), tx, rx, polling: false, pending: BTreeSet::new(), deadline };
        if poll {
            n.fall_back_to_polling();
        }
        Ok(n)
    }

    /// Watches these directories (not their subdirectories), once each.
    pub fn watch_dirs(&mut self, dirs: impl IntoIterator<Item = PathBuf>) {
        for dir in dirs {
            if self.watched.contains(&dir) {
                continue;
            }
            match self.watcher.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watched.insert(dir);
                }
                Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) && !self.polling => {
                    eprintln!("WARN the system's file watch limit is reached (fs.inotify.max_user_watches): polling every {POLL_EVERY:?} instead");
                    self.fall_back_to_polling();
                    self.watch_dirs([dir]);
                }
                Err(e) => eprintln!("WARN cannot watch {}: {e}", dir.display()),
            }
        }
    }

    fn fall_back_to_polling(&mut self) {
        let tx = self.tx.clone();
        let config = notify::Config::default().with_poll_interval(POLL_EVERY);
        match notify::PollWatcher::new(handler(tx), config) {
            Ok(w) => {
                self.watcher = Box::new(w);
                self.polling = true;
                let again = std::mem::take(&mut self.watched);
                self.watch_dirs(again);
            }
            Err(e) => eprintln!("WARN cannot poll for changes either: {e}"),
        }
    }

    /// The next burst of changed paths, deduplicated; `None` when watching ended. Cancel-safe:
    /// dropped while gathering, the next call goes on with what was gathered.
    pub async fn batch(&mut self) -> Option<Vec<PathBuf>> {
        if self.pending.is_empty() {
            let first = self.rx.recv().await?;
            self.pending.insert(first);
            self.deadline = tokio::time::Instant::now() + LONGEST;
        }
        loop {
            tokio::select! {
                p = self.rx.recv() => match p {
                    Some(p) => { self.pending.insert(p); }
                    None => break,
                },
                () = tokio::time::sleep(QUIET) => break,
                () = tokio::time::sleep_until(self.deadline) => break,
            }
        }
        Some(std::mem::take(&mut self.pending).into_iter().collect())
    }
}

fn native(tx: mpsc::Sender<PathBuf>) -> notify::Result<Box<dyn Watcher + Send>> {
    Ok(Box::new(notify::recommended_watcher(handler(tx))?))
}

fn handler(tx: mpsc::Sender<PathBuf>) -> impl Fn(notify::Result<notify::Event>) + Send + 'static {
    move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for p in event.paths {
            // The receiver gone means watching ended; nothing to tell.
            let _ = tx.blocking_send(p);
        }
    }
}

/// The directories to watch for `root`: itself and every directory below it that `keep`
/// accepts (an ignored directory is not entered). A missing root is watched through its
/// nearest existing ancestor, so that its creation is seen.
pub fn directories(root: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    if !root.exists() {
        return root.ancestors().skip(1).find(|a| a.is_dir()).map(|a| vec![a.to_path_buf()]).unwrap_or_default();
    }
    if !root.is_dir() {
        return root.parent().map(|p| vec![p.to_path_buf()]).unwrap_or_default();
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let p = e.path();
                if e.file_type().is_ok_and(|t| t.is_dir()) && keep(&p) {
                    stack.push(p);
                }
            }
        }
        out.push(dir);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(names: &[&str]) -> Option<Vec<PathBuf>> {
        Some(names.iter().map(PathBuf::from).collect())
    }

    /// `watch` selects over the batch and its engine check: a check falling due while a
    /// batch gathers (a delete, once) must not lose what the batch had received.
    #[tokio::test(start_paused = true)]
    async fn a_batch_interrupted_while_it_gathers_keeps_its_paths() {
        let mut n = Notifier::new(false).expect("a watcher");
        n.tx.send(PathBuf::from("/src/gone.html")).await.expect("send");
        tokio::select! {
            b = n.batch() => panic!("the batch ended before the interruption: {b:?}"),
            () = tokio::time::sleep(QUIET / 2) => {}
        }
        n.tx.send(PathBuf::from("/src/index.html")).await.expect("send");
        assert_eq!(n.batch().await, paths(&["/src/gone.html", "/src/index.html"]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_one_batch_and_a_busy_one_is_cut_at_the_longest_wait() {
        let mut n = Notifier::new(false).expect("a watcher");
        n.tx.send(PathBuf::from("/a")).await.expect("send");
        n.tx.send(PathBuf::from("/a")).await.expect("send");
        n.tx.send(PathBuf::from("/b")).await.expect("send");
        assert_eq!(n.batch().await, paths(&["/a", "/b"]));

        let tx = n.tx.clone();
        let busy = tokio::spawn(async move {
            for i in 0.. {
                if tx.send(PathBuf::from(format!("/busy{i}"))).await.is_err() {
                    return;
                }
                tokio::time::sleep(QUIET / 2).await;
            }
        });
        let started = tokio::time::Instant::now();
        let batch = n.batch().await.unwrap_or_default();
        assert!(started.elapsed() <= LONGEST + QUIET, "{:?}", started.elapsed());
        assert!(batch.len() > 2, "{batch:?}");
        busy.abort();
    }
}

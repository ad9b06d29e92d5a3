//! One endpoint change at a time, on engines that miscount them.
//!
//! Docker Engine before 28.1 (API 1.49) keeps each network's endpoint count beside the
//! endpoints and can lose an update when two endpoints on one network come or go at the same
//! moment (moby/moby#42119). A lost decrement leaves a network that no one can remove until
//! dockerd restarts; a lost increment leaves the count low, which blocks nothing. So on such
//! engines what this process does that drops an endpoint (stop, kill, disconnect, removing a
//! running container) happens alone, while what adds one (start, connect) may happen beside
//! the like of it: starting a project's containers one at a time would cost three times as
//! long. Exits that nobody asked for (a crash, a one-shot job finishing) are the engine's and
//! stay unguarded.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bollard::ClientVersion;
use tokio::sync::RwLock;

/// How long a stop may keep the gate. A container that takes longer to exit is inside its
/// grace period: the others go on rather than wait out every grace period in turn. Its exit
/// is then unguarded, but the engine's SIGKILLs at the end of the grace periods still fall at
/// least this far apart.
const HOLD: Duration = Duration::from_millis(500);

/// The first API version of an engine that counts endpoints correctly (Engine 28.1).
const FIXED: (usize, usize) = (1, 49);

#[derive(Clone, Default)]
pub(super) struct Gate(Option<Arc<RwLock<()>>>);

impl Gate {
    /// Open on engines that count correctly: nothing waits there.
    pub fn for_api(version: &ClientVersion) -> Gate {
        let fixed = (version.major_version, version.minor_version) >= FIXED;
        Gate((!fixed).then(|| Arc::new(RwLock::new(()))))
    }

    pub fn guards(&self) -> bool {
        self.0.is_some()
    }

    /// Runs `change`, which adds an endpoint, while nothing drops one.
    pub async fn adding<T>(&self, change: impl Future<Output = T>) -> T {
        let _inside = match &self.0 {
            Some(gate) => Some(gate.read().await),
            None => None,
        };
        change.await
    }

    /// Runs `change`, which drops an endpoint, alone.
    pub async fn dropping<T>(&self, change: impl Future<Output = T>) -> T {
        let _inside = match &self.0 {
            Some(gate) => Some(gate.write().await),
            None => None,
        };
        change.await
    }

    /// Runs `change`, which drops an endpoint, alone for at most `HOLD`; a change still
    /// going then finishes beside the next ones.
    pub async fn dropping_briefly<T>(&self, change: impl Future<Output = T>) -> T {
        let Some(gate) = &self.0 else { return change.await };
        let inside = gate.write().await;
        tokio::pin!(change);
        tokio::select! {
            done = &mut change => done,
            _ = tokio::time::sleep(HOLD) => {
                drop(inside);
                change.await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn api(minor: usize) -> ClientVersion {
        ClientVersion { major_version: 1, minor_version: minor }
    }

    #[test]
    fn only_engines_before_28_1_are_guarded() {
        assert!(Gate::for_api(&api(41)).guards());
        assert!(Gate::for_api(&api(48)).guards());
        assert!(!Gate::for_api(&api(49)).guards());
        assert!(!Gate::for_api(&api(51)).guards());
    }

    #[derive(Clone, Copy)]
    enum Change {
        Add,
        Drop,
        DropBriefly,
    }

    /// Runs the changes at once through `gate`, each taking `took`, and gives the most that
    /// ran at once, and whether a drop ever ran beside another change.
    async fn run(gate: &Gate, changes: &[Change], took: Duration) -> (usize, bool) {
        let (now, most, crowded) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
        let work = |dropping: bool| {
            let (now, most, crowded) = (&now, &most, &crowded);
            async move {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(running, Ordering::SeqCst);
                tokio::time::sleep(took).await;
                if dropping && now.load(Ordering::SeqCst) > 1 {
                    crowded.fetch_add(1, Ordering::SeqCst);
                }
                now.fetch_sub(1, Ordering::SeqCst);
            }
        };
        let all = changes.iter().map(|c| async move {
            match c {
                Change::Add => gate.adding(work(false)).await,
                Change::Drop => gate.dropping(work(true)).await,
                Change::DropBriefly => gate.dropping_briefly(work(true)).await,
            }
        });
        futures_util::future::join_all(all).await;
        (most.load(Ordering::SeqCst), crowded.load(Ordering::SeqCst) > 0)
    }

    use Change::*;
    const SHORT: Duration = Duration::from_millis(100);

    #[tokio::test(start_paused = true)]
    async fn on_a_guarded_engine_a_drop_runs_alone_and_adds_run_together() {
        let gate = Gate::for_api(&api(41));
        assert_eq!(run(&gate, &[Drop, Drop, Drop], Duration::from_secs(2)).await, (1, false));
        assert_eq!(run(&gate, &[DropBriefly, DropBriefly, DropBriefly], SHORT).await, (1, false));
        assert_eq!(run(&gate, &[Add, Add, Add], SHORT).await.0, 3);
        assert!(!run(&gate, &[Add, Drop, Add, DropBriefly, Add], SHORT).await.1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_engine_that_counts_right_is_not_held_up() {
        let gate = Gate::for_api(&api(49));
        assert_eq!(run(&gate, &[Drop, DropBriefly, Add], SHORT).await, (3, true));
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_stop_lets_the_next_change_through_after_the_hold() {
        let gate = Gate::for_api(&api(41));
        assert_eq!(run(&gate, &[DropBriefly, DropBriefly, Add], Duration::from_secs(10)).await.0, 3);
    }
}

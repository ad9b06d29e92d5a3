//! Cancellation (Ctrl-C, SIGTERM) as a value: the side that listens for signals cancels, every
//! run, wait and stream that holds a signal sees it. A leaf: it depends on nothing of ours.

use tokio::sync::watch;

/// The receiving side of Ctrl-C. Cloned freely; every clone sees the cancellation.
#[derive(Debug, Clone)]
pub struct CancellationSignal(watch::Receiver<bool>);

/// The sending side, held by whoever listens for signals.
#[derive(Debug)]
pub struct Canceller(watch::Sender<bool>);

pub fn cancellation() -> (Canceller, CancellationSignal) {
    let (tx, rx) = watch::channel(false);
    (Canceller(tx), CancellationSignal(rx))
}

impl Canceller {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

impl CancellationSignal {
    /// A signal that never fires, for callers that cannot be interrupted.
    #[cfg(test)]
    pub fn never() -> CancellationSignal {
        cancellation().1
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once cancelled; never, when the sender is gone without cancelling.
    pub async fn cancelled(&self) {
        let mut rx = self.0.clone();
        if rx.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

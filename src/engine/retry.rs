//! The engine's known races, in one place: which answers mean "try again shortly", which
//! mean "what you asked for holds already", and how long trying again may take.
//!
//! The races: a network still "has active endpoints" right after its last container went;
//! "removal of container … is already in progress" (another process removes it: an
//! interrupted run's call the engine is finishing); a container "is not running" when asked
//! to stop; a start answered 409 because the container was started meanwhile.

use std::future::Future;
use std::time::Duration;

use super::error::{EngineError, Kind};

/// An engine call that may meet one of the races.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    RemoveNetwork,
    RemoveContainer,
    StopContainer,
    StartContainer,
}

/// What an error means for the call that got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A race the engine settles by itself: ask again after a pause.
    Retry,
    /// The call's goal holds already (stopped, started).
    Holds,
    /// A real failure.
    Fail,
}

pub fn classify(call: Call, e: &EngineError) -> Verdict {
    let says = |words: &str| e.message.contains(words);
    match (call, e.kind) {
        (Call::RemoveNetwork, Kind::Conflict) if says("active endpoints") => Verdict::Retry,
        (Call::RemoveContainer, Kind::Conflict) if says("already in progress") => Verdict::Retry,
        (Call::StopContainer, Kind::Conflict) if says("is not running") => Verdict::Holds,
        (Call::StartContainer, Kind::Conflict) if says("already started") || says("already running") => Verdict::Holds,
        // The removal an interrupted run asked for, still under way.
        (Call::StopContainer | Call::StartContainer, Kind::Conflict) if says("removal") && says("in progress") => {
            Verdict::Retry
        }
        _ => Verdict::Fail,
    }
}

/// Pauses between attempts: `first`, doubling up to `cap`, for at most `attempts` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub cap: Duration,
    pub attempts: u32,
}

/// The engine settles these races within a second or two; twelve attempts wait 8.5 s in all,
/// for a loaded machine. (A network that kept "active endpoints" past 4.5 s in a soak was the
/// engine's endpoint miscount, which no wait settles: see `docker/network.rs`.)
pub const BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(100),
    cap: Duration::from_secs(1),
    attempts: 12,
};

impl Backoff {
    /// The pause after failed attempt `n` (1-based), or None when no attempt is left.
    pub fn pause(&self, n: u32) -> Option<Duration> {
        if n >= self.attempts {
            return None;
        }
        let doubled = self.first.saturating_mul(1u32.checked_shl(n - 1).unwrap_or(u32::MAX));
        Some(doubled.min(self.cap))
    }

    /// The longest a call may keep retrying: every pause added up.
    pub fn total(&self) -> Duration {
        (1..self.attempts).filter_map(|n| self.pause(n)).sum()
    }
}

/// Runs `attempt` until it succeeds, its goal holds, it fails for real, or the backoff is
/// spent; then the error says how long the race lasted.
pub async fn retrying<F, Fut>(call: Call, backoff: Backoff, mut attempt: F) -> Result<(), EngineError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), EngineError>>,
{
    let mut n = 1;
    loop {
        let e = match attempt().await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        match (classify(call, &e), backoff.pause(n)) {
            (Verdict::Holds, _) => return Ok(()),
            (Verdict::Retry, Some(pause)) => tokio::time::sleep(pause).await,
            (Verdict::Retry, None) => {
                let message = format!("{} (still so after {n} attempts over {:.1} s)", e.message, backoff.total().as_secs_f64());
                return Err(EngineError::new(e.kind, message));
            }
            (Verdict::Fail, _) => return Err(e),
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn conflict(message: &str) -> EngineError {
        EngineError::new(Kind::Conflict, message)
    }

    #[test]
    fn the_known_races_are_told_from_real_failures() {
        let endpoints = conflict("error while removing network: network p_default id 3f has active endpoints");
        assert_eq!(classify(Call::RemoveNetwork, &endpoints), Verdict::Retry);
        assert_eq!(classify(Call::RemoveContainer, &endpoints), Verdict::Fail);
        let removing = conflict("removal of container 3f2a is already in progress");
        assert_eq!(classify(Call::RemoveContainer, &removing), Verdict::Retry);
        assert_eq!(classify(Call::StopContainer, &removing), Verdict::Retry);
        assert_eq!(classify(Call::StopContainer, &conflict("Container 3f2a is not running")), Verdict::Holds);
        assert_eq!(classify(Call::StartContainer, &conflict("container 3f2a is already started")), Verdict::Holds);
        assert_eq!(
            classify(Call::StartContainer, &conflict("cannot start a paused container, try unpause instead")),
            Verdict::Fail
        );
        let gone = EngineError::new(Kind::Unreachable, "active endpoints");
        assert_eq!(classify(Call::RemoveNetwork, &gone), Verdict::Fail);
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap_and_is_bounded() {
        let pauses: Vec<u64> = (1..=12).map(|n| BACKOFF.pause(n).map_or(0, |d| d.as_millis() as u64)).collect();
        assert_eq!(pauses, [100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0]);
        assert_eq!(BACKOFF.total(), Duration::from_millis(8500));
        let huge = Backoff { first: Duration::from_secs(1), cap: Duration::from_secs(2), attempts: 100 };
        assert_eq!(huge.pause(99), Some(Duration::from_secs(2)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_race_that_lasts_is_reported_after_the_last_attempt() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result = retrying(Call::RemoveNetwork, BACKOFF, || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(conflict("network p_default has active endpoints")) }
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), BACKOFF.attempts);
        assert_eq!(started.elapsed(), BACKOFF.total());
        let e = result.unwrap_err();
        assert!(e.message.contains("still so after 12 attempts over 8.5 s"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_race_that_settles_succeeds_and_a_real_failure_is_not_retried() {
        let calls = AtomicU32::new(0);
        let result = retrying(Call::RemoveContainer, BACKOFF, || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move { if n < 2 { Err(conflict("removal of container x is already in progress")) } else { Ok(()) } }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicU32::new(0);
        let result = retrying(Call::StartContainer, BACKOFF, || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(conflict("cannot start a paused container")) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}

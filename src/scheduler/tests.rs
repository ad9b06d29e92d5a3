//! The scheduler with operations of its own, no engine: it is the same for every backend. The
//! container backend's runs are tested in `containers::perform`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::cancel::cancellation;
use crate::plan::{Reason, Words};
use crate::progress::{Plain, Quiet};

/// A backend's operation: a call that takes `secs` and fails when `fails`, or a gate.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Call { name: &'static str, secs: u64, fails: bool },
    Gate { optional: bool },
}

impl Operation for Step {
    fn verb(&self) -> &'static str {
        match self {
            Step::Call { .. } => "call",
            Step::Gate { .. } => "wait",
        }
    }
    fn is_gate(&self) -> bool {
        matches!(self, Step::Gate { .. })
    }
    fn passes_failed(&self) -> Option<String> {
        matches!(self, Step::Gate { optional: true }).then(|| "optional gate passed".to_string())
    }
    fn words(&self) -> Words {
        let subject = match self {
            Step::Call { name, .. } => format!("Thing {name}"),
            Step::Gate { .. } => "Gate".to_string(),
        };
        Words { subject, working: "Doing", done: "Done" }
    }
}

#[derive(Default)]
struct Performer {
    log: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Perform<Step> for Performer {
    async fn perform(&self, op: &Step, _: &dyn Progress, cancel: &CancellationSignal) -> Result<Performed, OpError> {
        match op {
            Step::Call { name, secs, fails } => {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(*secs)).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                self.log.lock().unwrap().push(name.to_string());
                if *fails {
                    return Err(OpError::failed(format!("{name}: boom")));
                }
                Ok(Performed::default())
            }
            Step::Gate { .. } => {
                cancel.cancelled().await;
                Err(OpError::Cancelled)
            }
        }
    }
}

fn call(plan: &mut Plan<Step>, name: &'static str, secs: u64, after: Vec<ActionId>) -> ActionId {
    let op = Step::Call { name, secs, fails: name.starts_with("bad") };
    plan.push(ResourceId::Config(name.to_string()), op, Reason::Missing, after)
}

#[tokio::test(start_paused = true)]
async fn actions_run_as_their_prerequisites_finish_within_the_bound() {
    let mut plan = Plan::default();
    let slow = call(&mut plan, "slow", 5, vec![]);
    let fast = call(&mut plan, "fast", 1, vec![]);
    call(&mut plan, "after-fast", 1, vec![fast]);
    call(&mut plan, "after-both", 1, vec![slow, fast]);
    let performer = Performer::default();
    let outcome = run(&plan, &performer, Limits { parallel: 2 }, &Quiet, CancellationSignal::never()).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(*performer.log.lock().unwrap(), ["fast", "after-fast", "slow", "after-both"]);
    assert_eq!(performer.max_in_flight.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failure_skips_its_dependents_but_an_optional_gate_passes_with_a_warning() {
    let mut plan = Plan::default();
    let bad = call(&mut plan, "bad", 1, vec![]);
    let skipped = call(&mut plan, "skipped", 1, vec![bad]);
    let gate = plan.push(ResourceId::Service("s".into()), Step::Gate { optional: true }, Reason::Missing, vec![bad]);
    let passed = call(&mut plan, "passed", 1, vec![gate]);
    let progress = Plain::new(Vec::new());
    let outcome = run(&plan, &Performer::default(), Limits::default(), &progress, CancellationSignal::never()).await;
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.skipped, vec![Skipped { action: skipped, resource: ResourceId::Config("skipped".into()), because: bad }]);
    assert_eq!(outcome.done, vec![gate, passed]);
    assert_eq!(outcome.warnings, ["optional gate passed"]);
    let out = String::from_utf8(progress.into_inner()).unwrap();
    assert!(out.contains(" Thing skipped Skipped config:bad failed\n"), "{out}");
}

#[tokio::test(start_paused = true)]
async fn cancellation_stops_gates_and_starts_nothing_new() {
    let mut plan = Plan::default();
    let first = call(&mut plan, "first", 2, vec![]);
    let gate = plan.push(ResourceId::Service("s".into()), Step::Gate { optional: false }, Reason::Missing, vec![]);
    let later = call(&mut plan, "later", 1, vec![first]);
    let (canceller, signal) = cancellation();
    let performer = Performer::default();
    let cancel_soon = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        canceller.cancel();
    };
    let (outcome, ()) = tokio::join!(run(&plan, &performer, Limits::default(), &Quiet, signal), cancel_soon);
    assert!(outcome.cancelled);
    assert_eq!(outcome.done, vec![first], "the call in flight finishes");
    assert_eq!(outcome.unfinished, vec![gate, later]);
}

fn call_when(plan: &mut Plan<Step>, name: &'static str, after: Vec<ActionId>, trigger: Trigger) -> ActionId {
    let op = Step::Call { name, secs: 1, fails: name.starts_with("bad") };
    plan.push_when(ResourceId::Config(name.to_string()), op, Reason::Missing, after, trigger)
}

#[tokio::test(start_paused = true)]
async fn what_undoes_a_failure_runs_only_after_one_and_takes_what_follows_it_along() {
    let mut plan = Plan::default();
    let good = call(&mut plan, "good", 1, vec![]);
    let bad = call(&mut plan, "bad", 1, vec![]);
    let after_bad = call(&mut plan, "after-bad", 1, vec![bad]);
    let undo_bad = call_when(&mut plan, "undo-bad", vec![after_bad], Trigger::Failed);
    call(&mut plan, "then-restore", 1, vec![undo_bad]);
    let undo_good = call_when(&mut plan, "undo-good", vec![good], Trigger::Failed);
    call(&mut plan, "after-undo-good", 1, vec![undo_good]);
    call_when(&mut plan, "only-after-undo-good", vec![undo_good], Trigger::OnlyIfDone);
    call_when(&mut plan, "only-if-bad-was-done", vec![bad], Trigger::OnlyIfDone);
    let performer = Performer::default();
    let outcome = run(&plan, &performer, Limits::default(), &Quiet, CancellationSignal::never()).await;
    let mut log = performer.log.lock().unwrap().clone();
    log.sort();
    assert_eq!(log, ["bad", "good", "then-restore", "undo-bad"]);
    assert_eq!(outcome.failures.len(), 1, "the failure is still reported: {outcome:?}");
    assert_eq!(outcome.skipped.iter().map(|s| s.action).collect::<Vec<_>>(), [after_bad]);
    assert!(!outcome.succeeded());
}

#[tokio::test(start_paused = true)]
async fn a_rollout_goes_on_past_the_failures_it_tolerates_and_stops_beyond() {
    let mut plan = Plan::default();
    let bad = call(&mut plan, "bad", 1, vec![]);
    let good = call(&mut plan, "good", 1, vec![]);
    call_when(&mut plan, "tolerant", vec![bad, good], Trigger::Tolerating(1));
    let strict = call_when(&mut plan, "strict", vec![bad, good], Trigger::Tolerating(0));
    let after_strict = call(&mut plan, "after-strict", 1, vec![strict]);
    let performer = Performer::default();
    let outcome = run(&plan, &performer, Limits::default(), &Quiet, CancellationSignal::never()).await;
    let mut log = performer.log.lock().unwrap().clone();
    log.sort();
    assert_eq!(log, ["bad", "good", "tolerant"]);
    let skipped: Vec<(ActionId, ActionId)> = outcome.skipped.iter().map(|s| (s.action, s.because)).collect();
    assert_eq!(skipped, [(strict, bad), (after_strict, bad)]);
}

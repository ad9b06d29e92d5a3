//! Runs a plan's steps: each as soon as the steps it comes after are done, concurrently;
//! a step after a failed one is skipped. Shaped like the shared scheduler it is meant to
//! give way to: steps with dependencies in, one outcome per step out.

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::reconcile::Step;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    Failed(String),
    /// Not run: a step it comes after failed.
    Skipped,
}

/// `start` is called as a step begins (for progress), `perform` does it.
pub async fn run<'a, F, Fut>(steps: &'a [Step], start: &(dyn Fn(&Step) + Sync), perform: F) -> Vec<Outcome>
where
    F: Fn(&'a Step) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>> + 'a,
{
    let mut outcomes: Vec<Option<Outcome>> = vec![None; steps.len()];
    let mut started = vec![false; steps.len()];
    let mut running = FuturesUnordered::new();
    loop {
        for (i, step) in steps.iter().enumerate() {
            if started[i] || !step.after.iter().all(|&a| outcomes.get(a).is_some_and(Option::is_some)) {
                continue;
            }
            started[i] = true;
            if step.after.iter().any(|&a| outcomes[a] != Some(Outcome::Done)) {
                outcomes[i] = Some(Outcome::Skipped);
                continue;
            }
            start(step);
            let fut = perform(step);
            running.push(async move { (i, fut.await) });
        }
        if outcomes.iter().all(Option::is_some) {
            break;
        }
        match running.next().await {
            Some((i, result)) => outcomes[i] = Some(result.map_or_else(Outcome::Failed, |()| Outcome::Done)),
            // Nothing running and nothing ready: a step names one that does not exist.
            None => break,
        }
    }
    outcomes.into_iter().map(|o| o.unwrap_or(Outcome::Skipped)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::ops::Op;

    fn step(name: &str, after: Vec<usize>) -> Step {
        Step { op: Op::RemoveService { name: name.into(), id: name.into() }, after }
    }

    #[test]
    fn steps_follow_their_dependencies_and_skip_after_a_failure() {
        let steps = vec![step("a", vec![]), step("b", vec![0]), step("c", vec![1]), step("d", vec![])];
        let order = std::sync::Mutex::new(Vec::new());
        let outcomes = futures_executor(run(&steps, &|_| {}, |s| {
            let name = match &s.op {
                Op::RemoveService { name, .. } => name.clone(),
                _ => String::new(),
            };
            order.lock().unwrap().push(name.clone());
            async move {
                if name == "b" {
                    Err("boom".to_string())
                } else {
                    Ok(())
                }
            }
        }));
        assert_eq!(outcomes, vec![Outcome::Done, Outcome::Failed("boom".into()), Outcome::Skipped, Outcome::Done]);
        let order = order.into_inner().unwrap();
        assert!(order.iter().position(|n| n == "a") < order.iter().position(|n| n == "b"));
        assert!(!order.contains(&"c".to_string()));
    }

    fn futures_executor<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }
}

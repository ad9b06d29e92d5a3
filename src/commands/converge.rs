//! Bringing the images and containers to what the files say: the step `up` (and `create`,
//! `scale`) and `watch` share.

use super::engine_session::{self, Session};
use crate::containers::ops::Op;
use crate::plan::Plan;
use crate::containers::reconcile;

/// Images, then containers planned against the images as they now are. False when planning
/// or any action failed (printed).
pub async fn converge(s: &mut Session, opts: &reconcile::UpOptions, explain: bool) -> bool {
    match reconcile::images(&s.desired, &s.observed, opts) {
        Ok(images) => with_images(s, &images, opts, explain).await.is_some(),
        Err(errors) => {
            engine_session::fail(&errors);
            false
        }
    }
}

/// `converge` once the images are planned. `explain`: print the container plan, each action
/// with its reason, before running it. The container plan once it ran; `None` when planning
/// or any action failed (printed).
pub async fn with_images(s: &mut Session, images: &Plan<Op>, opts: &reconcile::UpOptions, explain: bool) -> Option<Plan<Op>> {
    if !s.execute(images).await || (!images.is_empty() && !s.refresh_images().await) {
        return None;
    }
    let containers = match reconcile::containers(&s.desired, &s.observed, opts) {
        Ok(p) => p,
        Err(errors) => {
            engine_session::fail(&errors);
            return None;
        }
    };
    super::report::print_plan_warnings(&containers);
    if explain && !containers.is_empty() {
        eprint!("{containers}");
    }
    s.execute(&containers).await.then_some(containers)
}

/// The actions of two plans run one after the other (images, then containers), as one plan
/// for `--dry-run` to print.
pub fn joined<O>(first: Plan<O>, then: Plan<O>) -> Plan<O> {
    let mut plan = first;
    let offset = plan.actions.len();
    plan.actions.extend(then.actions.into_iter().map(|mut a| {
        a.after.iter_mut().for_each(|i| *i += offset);
        a
    }));
    plan
}

//! The container of one replica as the planner decides it: its labels, the anonymous volumes
//! it takes over, the containers it shares whose ids it waits for, and the rule applied when
//! its name turns out to be taken. Performing only adds what exists at run time.

use std::collections::BTreeMap;

use super::conflict::ContainerClaim;
use super::desired::{Desired, DesiredService, Files};
use crate::containers::names;
use crate::containers::ops::{Leftover, NewContainer, Replaced, Shared};
use crate::labels;
use crate::containers::observe::{Observed, ObservedContainer};

/// Replica `number` of `s`, named `name`: the service's labels, its number, and the applied
/// configuration that explains a later recreate.
pub fn new_container(desired: &Desired, observed: &Observed, s: &DesiredService, number: u32, name: &str, files: Files) -> NewContainer {
    let labels = names::replica_labels(&s.labels, number, &s.applied);
    let shared = s.shares.as_ref().map(|sh| Shared {
        containers: sh.services.iter().filter_map(|d| Some((d.clone(), desired.shared_container(d)?))).collect(),
        model: sh.model.clone(),
    });
    let claim = ContainerClaim {
        project: desired.project.clone(),
        service: s.name.clone(),
        number,
        name: name.to_string(),
        image_id: observed.images.get(&s.image).cloned(),
    };
    NewContainer {
        service: s.name.clone(),
        number,
        name: name.to_string(),
        labels,
        image: s.pinned_image.clone(),
        anonymous_volumes: BTreeMap::new(),
        files,
        shared,
        claim,
        service_aliases: true,
        stdin_once: false,
    }
}

/// How `old` goes when `new` (made by [`beside`] in its place) replaces it: set aside under
/// another name first, stopped with `stop_timeout`, removed once `new` exists.
pub fn replacement(observed: &Observed, new: NewContainer, old: &ObservedContainer, stop_timeout: Option<i64>) -> (NewContainer, Replaced) {
    let aside = names::set_aside(&old.id, &new.name);
    let leftover = observed
        .containers
        .iter()
        .find(|c| c.id != old.id && c.name == new.name && c.service == new.service && c.number == new.number)
        .map(|c| Leftover { id: c.id.clone(), hash: c.label(labels::CONFIG_HASH).map(str::to_string) });
    let old = Replaced { id: old.id.clone(), renamed: old.name == aside, aside, stop_timeout, leftover, keep: false };
    (new, old)
}

/// The replacement of `old` as replica `number` named `name` (in its place, or beside it
/// under a free number for a rolling update's `start-first`), marked as replacing `old`'s
/// replica, with `old`'s anonymous volumes unless `renew`.
#[allow(clippy::too_many_arguments)]
pub fn beside(
    desired: &Desired,
    observed: &Observed,
    s: &DesiredService,
    number: u32,
    name: &str,
    old: &ObservedContainer,
    files: Files,
    renew: bool,
) -> NewContainer {
    let mut new = new_container(desired, observed, s, number, name, files);
    if !renew {
        new.anonymous_volumes = old.anonymous_volumes.clone();
    }
    names::mark_replacing(&mut new.labels, &s.name, old.number, s.container_name.as_deref());
    names::record_previous(&mut new.labels, &old.labels, &old.image_id, new.claim.image_id.as_deref());
    new
}

#[cfg(test)]
mod tests;

//! The container backend: a project as containers, networks and volumes on one engine.
//! `names`: every name and label set; `ops`: what its plans ask of the engine; `convert`: the
//! API bodies of what it creates; `perform`: doing it.

pub mod artifacts;
pub mod conflict;
pub mod convert;
pub mod desired;
pub mod files;
pub mod lifecycle;
pub mod names;
pub mod network_diff;
pub mod observe;
pub mod oneoff;
pub mod ops;
pub mod perform;
pub mod reconcile;
pub mod replica;
pub mod rollback;
pub mod rolling;
pub mod teardown;
pub mod update_policy;
pub mod wait;

#[cfg(test)]
mod tests;

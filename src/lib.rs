//! dockhand: a compose-style multi-container orchestrator. Public are the modules the binary,
//! the integration tests and the fuzz targets use; the rest is the crate's own, so that the
//! compiler reports what nothing uses.

pub(crate) mod archive;
pub(crate) mod cancel;
pub mod cli;
pub mod commands;
#[cfg(test)]
mod conformance;
pub(crate) mod containers;
pub mod diag;
pub(crate) mod dockerignore;
pub(crate) mod env;
pub mod engine;
pub(crate) mod follow;
pub(crate) mod gofmt;
pub(crate) mod graph;
pub(crate) mod hash;
pub mod labels;
pub mod load;
pub(crate) mod logprint;
pub mod model;
/// What the engine holds for a project (the container backend's observed state).
pub use containers::observe;
pub(crate) mod plan;
pub(crate) mod progress;
pub(crate) mod scheduler;
pub(crate) mod terminal;
pub(crate) mod timespec;
pub(crate) mod units;
pub mod swarm;
pub(crate) mod watch;

//! dockhand: a compose-style multi-container orchestrator.

pub mod archive;
pub mod cli;
pub mod commands;
#[cfg(test)]
mod conformance;
pub mod containers;
pub mod diag;
pub mod dockerignore;
pub mod engine;
pub mod exec;
pub mod follow;
pub mod gofmt;
pub mod graph;
pub mod hash;
pub mod labels;
pub mod load;
pub mod logprint;
pub mod model;
pub mod observe;
pub mod plan;
pub mod progress;
pub mod terminal;
pub mod timespec;
pub mod units;
pub mod wait;
pub mod swarm;
pub mod watch;

//! dockhand: a compose-style multi-container orchestrator.

pub mod cli;
pub mod commands;
pub mod diag;
pub mod graph;
pub mod hash;
pub mod load;
pub mod model;

//! The container backend: a project as containers, networks and volumes on one engine.

pub mod names;

//! The container backend: a project as containers, networks and volumes on one engine.
//! `ops`: what its plans ask of the engine; `perform`: doing it.

pub mod ops;
pub mod perform;

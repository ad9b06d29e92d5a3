//! The container backend: a project as containers, networks and volumes on one engine.
//! `names`: every name and label set; `ops`: what its plans ask of the engine; `perform`: doing it.

pub mod names;
pub mod ops;
pub mod perform;

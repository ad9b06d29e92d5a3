//! The Swarm backend: a project deployed as a stack of services, as `docker stack deploy`
//! deploys it. Everything up to the typed project is shared with the container backend;
//! here are its names, conversion, observed state, planner and operations.

pub mod convert;
pub mod names;
pub mod observe;
pub mod ops;
pub mod reconcile;
pub mod spec;
pub mod wait;

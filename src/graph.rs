//! The dependency graph of services (petgraph).

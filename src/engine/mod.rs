//! Everything that talks to the Docker Engine. bollard is used here and nowhere else.

pub mod connect;
pub mod error;

pub use error::{EngineError, Kind};

//! The loader: compose files in, a validated, typed project out. Phases, one module each:
//! discover → yaml → interpolate → validate → canonical → paths → include → merge → extends
//! → environment → normalize → profiles → consistency → bind.

pub mod bind;
pub mod canonical;
pub mod consistency;
pub mod discover;
pub mod dotenv;
pub mod environment;
pub mod extends;
pub mod include;
pub mod interpolate;
pub mod merge;
pub mod normalize;
pub mod path;
pub mod paths;
pub mod profiles;
pub mod spec;
pub mod units;
pub mod validate;
pub mod yaml;

pub use serde_yaml::{Mapping, Value};

/// Variables visible to interpolation, in the precedence the reference uses.
pub type Env = indexmap::IndexMap<String, String>;

//! Top-level named volumes.
use serde::{Deserialize, Serialize};

use super::types::{is_false, lenient_string_map, Extensions, StringMap};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_string_map",
        skip_serializing_if = "StringMap::is_empty"
    )]
    pub driver_opts: StringMap,
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(
        default,
        deserialize_with = "lenient_string_map",
        skip_serializing_if = "StringMap::is_empty"
    )]
    pub labels: StringMap,
    #[serde(flatten)]
    pub extensions: Extensions,
}

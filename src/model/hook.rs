//! A command run in a service's container: its lifecycle hooks, and a watch rule's `exec`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::types::{is_false, Extensions};

/// A command run inside a service's container at a point of its life.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    /// Printed even when absent: the reference's JSON shows a rule's missing `exec` as
    /// `{command: null}`.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, Option<String>>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

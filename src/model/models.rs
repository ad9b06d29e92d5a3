//! AI models: the top-level `models` a project runs, and how a service refers to them.
use serde::{Deserialize, Serialize};

use super::types::Extensions;

/// Field order follows the reference's YAML output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_flags: Vec<String>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A service's use of a model: the variables that tell the container where it is. A model
/// named without options (`models: [foo]`) has none, and is printed as `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceModel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_var: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_var: Option<String>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

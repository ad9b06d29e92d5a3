//! `${VAR}` interpolation of compose values.
use std::path::Path;

use crate::diag::Problem;
use crate::load::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
}

/// Substitutes one template string.
pub fn substitute(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, TemplateError> {
    let _ = (template, lookup);
    unimplemented!("interpolate::substitute")
}

/// Interpolates every string value (never a mapping key) of a parsed file. Returns the new
/// value and problems: an error per failed template (with its path), a warning once per
/// unset variable.
pub fn interpolate(value: Value, lookup: &dyn Fn(&str) -> Option<String>, file: &Path) -> (Value, Vec<Problem>) {
    let _ = (lookup, file);
    (value, Vec::new())
}

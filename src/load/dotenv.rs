//! The `.env` dialect (also `env_file:` and `--env-file`).
use indexmap::IndexMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line of the offending entry.
    pub line: usize,
    pub message: String,
}

/// Parses dotenv text. `lookup` resolves `${VAR}` references in values that are not defined
/// earlier in the same text. A bare `KEY` (no `=`) maps to `None`.
pub fn parse(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, Option<String>>, DotenvError> {
    let _ = (text, lookup);
    unimplemented!("dotenv::parse")
}

/// `format: raw`: every line `KEY=VALUE` taken literally, no quotes removed, no expansion.
pub fn parse_raw(text: &str) -> Result<IndexMap<String, String>, DotenvError> {
    let _ = text;
    unimplemented!("dotenv::parse_raw")
}

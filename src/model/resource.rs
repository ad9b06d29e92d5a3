//! Top-level secrets and configs, and the service-side references to them.
use std::fmt;

use serde::{Deserialize, Serialize};

use super::types::{is_false, lenient_opt_string, lenient_string_map, Extensions, FileMode, StringMap};

/// A top-level secret or config: from a file, an environment variable, inline content, or
/// external.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileObject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Sensitive>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(
        default,
        deserialize_with = "lenient_string_map",
        skip_serializing_if = "StringMap::is_empty"
    )]
    pub labels: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_string_map",
        skip_serializing_if = "StringMap::is_empty"
    )]
    pub driver_opts: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_driver: Option<String>,
    #[serde(flatten)]
    pub extensions: Extensions,
    /// The value of the `environment` variable, read by the loader from the project's
    /// environment (`None` when unset). Never part of what `config` prints.
    #[serde(skip)]
    pub value: Option<Sensitive>,
    /// The digest of a `file` source's content (`hash::content_digest`), read by the loader
    /// (`None` when it could not be read): a change in it recreates the containers using it.
    #[serde(skip)]
    pub file_digest: Option<String>,
}

/// A service's use of a secret or config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceFileRef {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub uid: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub gid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<FileMode>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

impl ServiceFileRef {
    /// Where a secret lands: `/run/secrets/<source>` by default, a relative target under
    /// `/run/secrets`.
    pub fn secret_target(&self) -> String {
        self.target_under("/run/secrets")
    }

    /// Where a config lands: `/<source>` by default, a relative target under `/`.
    pub fn config_target(&self) -> String {
        self.target_under("")
    }

    fn target_under(&self, dir: &str) -> String {
        match self.target.as_deref() {
            None => format!("{dir}/{}", self.source),
            Some(t) if t.starts_with('/') => t.to_string(),
            Some(t) => format!("{dir}/{t}"),
        }
    }
}

/// Text that must never reach the user's screen or a log unasked: a secret's or config's
/// content. `Debug` shows its length only; the text itself is reached through `expose`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive(String);

impl Sensitive {
    pub fn new(text: impl Into<String>) -> Sensitive {
        Sensitive(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0.len())
    }
}

/// A secret or config written into a container's filesystem (those from `environment` or
/// `content`; those from a `file` are bind mounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectedFile {
    /// Absolute path in the container.
    pub target: String,
    pub content: Sensitive,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    /// `uid` or `gid` was given: the file gets them. Otherwise it belongs to the container's
    /// root, as with the reference.
    pub owned: bool,
}

//! Engine errors sorted into the kinds the rest of dockhand decides on. The one place that
//! looks inside bollard's errors.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No engine answered at the address.
    Unreachable,
    NotFound,
    /// The name a create asked for is taken: by what an interrupted run had asked for, or by
    /// something not ours. Whoever created must look at what holds the name.
    NameInUse,
    /// Two networks share a name the request gave (an interrupted run's create finished
    /// late beside ours): the engine cannot tell which is meant.
    AmbiguousNetwork,
    /// A resource is in use (e.g. a network with active endpoints), or busy.
    Conflict,
    /// The engine refused the request as invalid.
    Invalid,
    /// The backend cannot do this at all (`engine::streams::Capability`).
    Unsupported,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub kind: Kind,
    pub message: String,
}

impl EngineError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        EngineError {
            kind,
            message: message.into(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == Kind::NotFound
    }

    /// A start refused because the engine's runtime still holds a task for the container:
    /// left by an engine that died while starting it, and never cleared by a retry.
    pub fn is_stale_task(&self) -> bool {
        self.message.contains("task ") && self.message.contains("already exists")
    }

    /// The network name two networks share, for `Kind::AmbiguousNetwork`.
    pub fn ambiguous_network(&self) -> Option<&str> {
        ambiguous_network(&self.message)
    }

    /// The same error, its message prefixed by what was being done (`pulling image "x"`).
    pub fn context(self, doing: impl fmt::Display) -> Self {
        EngineError {
            kind: self.kind,
            message: format!("{doing}: {}", self.message),
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EngineError {}

impl From<bollard::errors::Error> for EngineError {
    fn from(e: bollard::errors::Error) -> Self {
        use bollard::errors::Error as B;
        let kind = match &e {
            B::DockerResponseServerError { message, .. } if ambiguous_network(message).is_some() => Kind::AmbiguousNetwork,
            B::DockerResponseServerError { status_code: 404, .. } => Kind::NotFound,
            // The engine answers 403 when a resource is in use, e.g. a network with endpoints.
            B::DockerResponseServerError { status_code: 409, message } if names_taken(message) => Kind::NameInUse,
            B::DockerResponseServerError {
                status_code: 409 | 403,
                ..
            } => Kind::Conflict,
            B::DockerResponseServerError { status_code: 400, .. } => Kind::Invalid,
            B::SocketNotFoundError(_)
            | B::HyperResponseError { .. }
            | B::HyperLegacyError { .. }
            | B::RequestTimeoutError
            | B::IOError { .. } => Kind::Unreachable,
            _ => Kind::Other,
        };
        let message = match e {
            B::DockerResponseServerError { message, .. } => message,
            B::DockerStreamError { error } => error,
            other => other.to_string(),
        };
        EngineError { kind, message }
    }
}

/// `network p_default is ambiguous (2 matches found on name)`: the network's name.
fn ambiguous_network(message: &str) -> Option<&str> {
    let (before, _) = message.split_once(" is ambiguous (")?;
    let at = before.rfind("network ")?;
    Some(&before[at + "network ".len()..])
}

/// The engine's words for a create whose name is taken: `The container name "/x" is already
/// in use by container "…"`, `network with name x already exists`, `volume name x already
/// exists with driver y`.
fn names_taken(message: &str) -> bool {
    message.contains("is already in use by") || message.contains("already exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status_code: u16, message: &str) -> EngineError {
        bollard::errors::Error::DockerResponseServerError { status_code, message: message.to_string() }.into()
    }

    #[test]
    fn a_taken_name_is_told_apart_from_a_resource_in_use() {
        let taken = server(409, "Conflict. The container name \"/p-web-1\" is already in use by container \"abc\".");
        assert_eq!(taken.kind, Kind::NameInUse);
        assert_eq!(server(409, "network with name p_default already exists").kind, Kind::NameInUse);
        assert_eq!(server(403, "error while removing network: network p_default id 1 has active endpoints").kind, Kind::Conflict);
        assert_eq!(server(409, "removal of container abc is already in progress").kind, Kind::Conflict);
        assert_eq!(server(404, "No such container: x").kind, Kind::NotFound);
        let ambiguous = server(500, "network p_default is ambiguous (2 matches found on name)");
        assert_eq!(ambiguous.kind, Kind::AmbiguousNetwork);
        assert_eq!(ambiguous.context("creating container p-web-1").ambiguous_network(), Some("p_default"));
    }
}

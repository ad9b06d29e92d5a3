//! Engine errors sorted into the kinds the rest of dockhand decides on. The one place that
//! looks inside bollard's errors.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No engine answered at the address.
    Unreachable,
    NotFound,
    /// A name is taken, or a resource is in use (e.g. a network with active endpoints).
    Conflict,
    /// The engine refused the request as invalid.
    Invalid,
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
            B::DockerResponseServerError { status_code: 404, .. } => Kind::NotFound,
            // The engine answers 403 when a resource is in use, e.g. a network with endpoints.
            B::DockerResponseServerError {
                status_code: 409 | 403,
                ..
            } => Kind::Conflict,
            B::DockerResponseServerError { status_code: 400, .. } => Kind::Invalid,
            B::SocketNotFoundError(_) | B::HyperResponseError { .. } | B::RequestTimeoutError => {
                Kind::Unreachable
            }
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

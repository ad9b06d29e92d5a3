//! The second engine seam: talking to running containers (output, events, exec sessions,
//! attach, archives) rather than managing them. A backend that cannot do some of it (Swarm
//! services have no `exec` or `cp`) says so through `supports`, before anything is created.

use std::future::Future;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use tokio::io::AsyncRead;

use super::{Commit, ContainerEvent, EngineError, EngineEvent, ExecSpec, Kind, LogChunk, LogRequest, Output, Result, Top};

/// What a command may ask of a backend's containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    Logs,
    Events,
    Exec,
    Attach,
    Copy,
    Top,
    Wait,
}

impl Capability {
    fn doing(self) -> &'static str {
        match self {
            Capability::Logs => "reading container logs",
            Capability::Events => "following container events",
            Capability::Exec => "running a command in a container",
            Capability::Attach => "attaching to a container",
            Capability::Copy => "copying files to or from a container",
            Capability::Top => "listing a container's processes",
            Capability::Wait => "waiting for a container to stop",
        }
    }
}

/// What a terminal size applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resized {
    Exec(String),
    Container(String),
}

/// A user's input forwarded to a session.
pub type Stdin = Box<dyn AsyncRead + Send + Unpin>;

pub trait ContainerIo: Send + Sync + 'static {
    fn supports(&self, what: Capability) -> bool;

    /// Whether the engine answers now: a stream that ended may have ended with the engine.
    fn answers(&self) -> impl Future<Output = bool> + Send;

    /// The container's output as the engine keeps it, following it when asked.
    fn logs(&self, id: &str, req: &LogRequest) -> BoxStream<'static, Result<LogChunk>>;
    /// Events of the containers carrying `label` (`key=value`) from now on (`since` in unix
    /// seconds when given).
    fn events(&self, label: &str, since: Option<i64>) -> BoxStream<'static, Result<ContainerEvent>>;
    /// The same events as the engine words them (`dockhand events`), from `since` (unix
    /// seconds with a fraction); with `until` the stream ends there.
    fn raw_events(&self, label: &str, since: Option<f64>, until: Option<f64>) -> BoxStream<'static, Result<EngineEvent>>;

    /// Waits for the container to stop and returns its exit code.
    fn wait_exit(&self, id: &str) -> impl Future<Output = Result<i64>> + Send;
    /// Whether the container was created with a TTY (its output then comes raw).
    fn container_tty(&self, id: &str) -> impl Future<Output = bool> + Send;

    /// Runs a command in a running container; its output goes to `output`, standard input is
    /// forwarded when given. Returns the command's exit code.
    fn exec(&self, id: &str, spec: &ExecSpec, stdin: Option<Stdin>, output: &Output) -> impl Future<Output = Result<i64>> + Send;
    /// Attaches to a created container before it starts, so no output is lost; the returned
    /// future ends when the container's output does.
    fn attach(
        &self,
        id: &str,
        stdin: Option<Stdin>,
        output: Output,
    ) -> impl Future<Output = Result<BoxFuture<'static, Result<()>>>> + Send;
    /// Keeps the TTY of an exec session or a container the size of the user's terminal, now
    /// and on every SIGWINCH, until the returned task is aborted.
    fn follow_resizes(&self, target: Resized, size: fn() -> Option<(u16, u16)>) -> tokio::task::JoinHandle<()>;

    fn top(&self, id: &str) -> impl Future<Output = Result<Top>> + Send;
    /// A tar archive of `path` in the container.
    fn download(&self, id: &str, path: &str) -> impl Future<Output = Result<Vec<u8>>> + Send;
    /// Whether `path` in the container is a directory; false when it does not exist.
    fn is_directory(&self, id: &str, path: &str) -> impl Future<Output = bool> + Send;
    /// Extracts a tar archive into `path` in the container.
    fn upload(&self, id: &str, path: &str, archive: Vec<u8>) -> impl Future<Output = Result<()>> + Send;
    /// The container's whole filesystem as a tar archive, as it comes.
    fn export(&self, id: &str) -> BoxStream<'static, Result<Vec<u8>>>;
    /// Makes an image of the container; returns its id.
    fn commit(&self, id: &str, commit: &Commit) -> impl Future<Output = Result<String>> + Send;
}

/// An error naming what the backend cannot do, for a command to stop before acting.
pub fn require<E: ContainerIo + ?Sized>(engine: &E, what: Capability) -> Result<()> {
    if engine.supports(what) {
        Ok(())
    } else {
        Err(EngineError::new(Kind::Unsupported, format!("this backend does not support {}", what.doing())))
    }
}

//! Everything that talks to the Docker Engine. bollard is used in this module and nowhere
//! else; the rest of dockhand sees plain types, the API's bodies (`api`), and two traits:
//! `Engine`, which manages containers, networks, volumes and images, and `ContainerIo`
//! (streams.rs), which talks to containers (logs, events, exec, attach, archives, `top`).

pub mod build;
pub mod buildkit;
pub mod connect;
pub mod docker;
pub mod error;
#[cfg(test)]
pub mod fake;
pub mod observed;
pub mod retry;
pub mod streams;
pub mod swarm;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

pub use error::{EngineError, Kind};
pub use streams::{Capability, ContainerIo, Resized};
use observed::{Health, ObservedContainer, ObservedNetwork, ObservedVolume, RunState};

use crate::model::{InjectedFile, Project};

pub type Result<T> = std::result::Result<T, EngineError>;

/// The Engine API's types: the backends convert their model into these bodies.
pub use bollard::models as api;

/// A container to create, as the engine takes it, and what has to follow the create before
/// anything starts it.
#[derive(Debug, Clone)]
pub struct ContainerCreate {
    pub name: String,
    pub body: api::ContainerCreateBody,
    /// Networks after the first, by engine name: API 1.41 accepts one network at create, the
    /// others are connected after create and before start.
    pub extra_networks: Vec<(String, api::EndpointSettings)>,
    /// The `platform` query parameter of the create call.
    pub platform: Option<String>,
    /// Secrets and configs written into it once created, before anything starts it.
    pub files: Arc<[InjectedFile]>,
}

/// An image to build for a service.
#[derive(Debug, Clone)]
pub struct BuildSpec {
    pub project: Arc<Project>,
    pub service: String,
    /// The tag to give the result.
    pub image: String,
    /// The labels to give it, `build.labels` included; the builder adds its own name.
    pub labels: BTreeMap<String, String>,
    pub no_cache: bool,
    pub pull: bool,
}

/// Where build output goes, chunk by chunk as the engine streams it.
pub type BuildOutput = Arc<dyn Fn(&str) + Send + Sync>;

/// The live state of one container, for waiting on conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerStatus {
    pub state: RunState,
    pub health: Option<Health>,
    pub exit_code: Option<i64>,
    /// The output of the last health check, to explain an unhealthy container.
    pub health_output: Option<String>,
}

/// One container as `ps` shows it: everything `docker compose ps --format json` prints, as
/// data; the command line formats (truncates, quotes, ages) it.
#[derive(Debug, Clone, PartialEq)]
pub struct PsEntry {
    pub id: String,
    pub name: String,
    /// The image as configured (`busybox:latest`), not its id.
    pub image: String,
    /// The command as the engine joins it (`sh -c 'exit 3'`); see `PsEntry::quoted_command`.
    pub command: String,
    pub project: String,
    pub service: String,
    pub number: u32,
    pub oneoff: bool,
    /// Unix seconds.
    pub created: i64,
    pub state: RunState,
    /// As the engine words it: `Up 5 seconds (healthy)`, `Exited (0) 3 seconds ago`.
    pub status: String,
    pub health: Option<Health>,
    pub exit_code: i64,
    pub publishers: Vec<Publisher>,
    pub labels: BTreeMap<String, String>,
    /// Network names, sorted.
    pub networks: Vec<String>,
    /// Volume names, or sources of other mounts, in the engine's order.
    pub mounts: Vec<String>,
    /// Mounts of volumes from the `local` driver.
    pub local_volumes: usize,
}

/// A published port of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    /// The host address (`0.0.0.0`, `::`), empty when the port is not published.
    pub url: String,
    pub target_port: u16,
    /// 0 when the port is exposed but not published.
    pub published_port: u16,
    pub protocol: String,
}

impl PsEntry {
    /// The command as `docker ps` prints it: cut to 20 characters unless `full`, then quoted.
    pub fn quoted_command(&self, full: bool) -> String {
        let command = if full { self.command.clone() } else { crate::gofmt::ellipsis(&self.command, 20) };
        crate::gofmt::go_quote(&command)
    }
}

/// A piece of a container's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    pub stderr: bool,
    pub bytes: Vec<u8>,
}

/// Where streamed output goes, chunk by chunk.
pub type Output = Arc<dyn Fn(&LogChunk) + Send + Sync>;

/// What part of a container's log to read. Times are unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRequest {
    pub follow: bool,
    /// A number of lines or `all`.
    pub tail: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub timestamps: bool,
}

/// A container event of the project (`start`, `die`, `destroy`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEvent {
    pub id: String,
    pub name: String,
    pub service: String,
    pub number: u32,
    pub oneoff: bool,
    pub action: String,
    /// Set on `die`.
    pub exit_code: Option<i64>,
    /// Unix nanoseconds.
    pub time_nano: i64,
}

/// An event as the engine records it, with all its attributes (labels included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    pub time_nano: i64,
    /// `container`, `network`, …
    pub kind: String,
    pub action: String,
    pub id: String,
    pub attributes: BTreeMap<String, String>,
}

/// A command to run in a running container.
#[derive(Debug, Clone, Default)]
pub struct ExecSpec {
    pub command: Vec<String>,
    pub env: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub privileged: bool,
    pub tty: bool,
    pub detach: bool,
    /// Where the user's terminal size is read, for a TTY: read at the start and again
    /// whenever the terminal is resized (SIGWINCH).
    pub size: Option<fn() -> Option<(u16, u16)>>,
}

/// An image the engine holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub id: String,
    pub size: i64,
    /// RFC 3339, as Go writes it (`2026-12-05T18:49:32.28412676Z`).
    pub created: String,
    /// When the image was last tagged here, in the same form; Go's zero time when never.
    pub last_tag_time: String,
    /// `linux/amd64`.
    pub platform: String,
}

/// The processes of a container, as `ps` inside it shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Top {
    pub titles: Vec<String>,
    pub processes: Vec<Vec<String>>,
}

/// A new image from a container's changes (`commit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    /// `REPOSITORY[:TAG]`; none makes an untagged image.
    pub reference: Option<String>,
    pub author: String,
    pub message: String,
    /// Dockerfile instructions applied to the image's configuration (`ENV DEBUG=true`).
    pub changes: Vec<String>,
    pub pause: bool,
}

/// The engine seam. Futures are `Send` so the scheduler can run actions on the runtime.
pub trait Engine: Send + Sync + 'static {
    /// The containers carrying `label` (`key=value`, as the backend that made them labels them).
    fn list_containers(&self, label: &str) -> impl Future<Output = Result<Vec<ObservedContainer>>> + Send;
    /// Every container carrying `label` (a key, or `key=value`) whatever made it, also those
    /// `list_containers` leaves out (without the one-off label): `ls` counts them all.
    fn all_containers(&self, label: &str) -> impl Future<Output = Result<Vec<ObservedContainer>>> + Send;
    /// Every network the engine has: the project's are those with its label. One list, as a
    /// network of the project's name made by hand must be seen too.
    fn list_networks(&self) -> impl Future<Output = Result<Vec<ObservedNetwork>>> + Send;
    fn list_volumes(&self, label: &str) -> impl Future<Output = Result<Vec<ObservedVolume>>> + Send;
    fn network_exists(&self, name: &str) -> impl Future<Output = Result<bool>> + Send;
    fn volume_exists(&self, name: &str) -> impl Future<Output = Result<bool>> + Send;
    fn image_id(&self, reference: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    /// The image as the engine holds it; `None` when it has no such image.
    fn image_info(&self, reference: &str) -> impl Future<Output = Result<Option<ImageInfo>>> + Send;
    /// The ids of the images without a tag that carry `label`: images a build of the project
    /// replaced.
    fn dangling_images(&self, label: &str) -> impl Future<Output = Result<Vec<String>>> + Send;

    fn pull_image(&self, reference: &str, platform: Option<&str>) -> impl Future<Output = Result<()>> + Send;
    fn build_image(&self, spec: &BuildSpec) -> impl Future<Output = Result<()>> + Send;
    fn push_image(&self, reference: &str) -> impl Future<Output = Result<()>> + Send;
    fn remove_image(&self, reference: &str) -> impl Future<Output = Result<()>> + Send;

    fn create_network(&self, body: &api::NetworkCreateRequest) -> impl Future<Output = Result<()>> + Send;
    fn remove_network(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
    /// Disconnects a container, running or not, so that the network can be removed.
    fn disconnect_network(&self, network: &str, container: &str) -> impl Future<Output = Result<()>> + Send;
    fn connect_network(
        &self,
        container: &str,
        network: &str,
        endpoint: &api::EndpointSettings,
    ) -> impl Future<Output = Result<()>> + Send;
    fn create_volume(&self, body: &api::VolumeCreateOptions) -> impl Future<Output = Result<()>> + Send;
    fn remove_volume(&self, name: &str) -> impl Future<Output = Result<()>> + Send;

    /// Creates the container, writes its files, and returns its id.
    fn create_container(&self, create: &ContainerCreate) -> impl Future<Output = Result<String>> + Send;
    /// Writes files into a container (replacing those there), with their owner and mode.
    fn write_files(&self, id: &str, files: &[InjectedFile]) -> impl Future<Output = Result<()>> + Send;
    fn start_container(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// Stops with the given grace period in seconds (engine default when `None`).
    fn stop_container(&self, id: &str, timeout: Option<i64>) -> impl Future<Output = Result<()>> + Send;
    fn remove_container(&self, id: &str, remove_volumes: bool) -> impl Future<Output = Result<()>> + Send;
    fn kill_container(&self, id: &str, signal: &str) -> impl Future<Output = Result<()>> + Send;
    fn pause_container(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    fn unpause_container(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    fn rename_container(&self, id: &str, name: &str) -> impl Future<Output = Result<()>> + Send;
    /// The container holding this name, whichever project (if any) it belongs to.
    fn find_container(&self, name: &str) -> impl Future<Output = Result<Option<ObservedContainer>>> + Send;
    /// The id of the container with this name or id, if there is one.
    fn container_id(&self, name: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    fn container_status(&self, id: &str) -> impl Future<Output = Result<ContainerStatus>> + Send;
    /// The last `lines` lines of the container's output, to explain a failure.
    fn logs_tail(&self, id: &str, lines: usize) -> impl Future<Output = Result<String>> + Send;

    /// The containers carrying `label` made by compose (one-offs included, the caller
    /// filters), by name.
    fn ps(&self, label: &str) -> impl Future<Output = Result<Vec<PsEntry>>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(command: &str) -> PsEntry {
        PsEntry {
            id: String::new(),
            name: String::new(),
            image: String::new(),
            command: command.to_string(),
            project: String::new(),
            service: String::new(),
            number: 1,
            oneoff: false,
            created: 0,
            state: RunState::Running,
            status: String::new(),
            health: None,
            exit_code: 0,
            publishers: vec![],
            labels: BTreeMap::new(),
            networks: vec![],
            mounts: vec![],
            local_volumes: 0,
        }
    }

    #[test]
    fn commands_are_cut_and_quoted_like_docker_ps() {
        assert_eq!(
            entry("sh -c 'exit 3'").quoted_command(false),
            "\"sh -c 'exit 3'\""
        );
        assert_eq!(
            entry("sh -c 'echo hello; echo err >&2; sleep 300'").quoted_command(false),
            "\"sh -c 'echo hello; …\""
        );
        assert_eq!(
            entry("echo \"a\"\\").quoted_command(true),
            "\"echo \\\"a\\\"\\\\\""
        );
    }
}

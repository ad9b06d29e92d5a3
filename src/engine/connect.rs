//! Connecting to the engine named by `DOCKER_HOST` (or the default socket), negotiating the
//! API version the engine speaks.

use bollard::{Docker, API_DEFAULT_VERSION};

use super::error::{EngineError, Kind};
use crate::load::Env;

const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// Seconds an engine call may take before it is abandoned; builds and pulls stream for longer.
const TIMEOUT_SECS: u64 = 600;

/// Connects and checks that an engine answers; an unreachable engine is one clear sentence.
pub async fn connect(env: &Env) -> Result<Docker, EngineError> {
    let host = env
        .get("DOCKER_HOST")
        .filter(|h| !h.is_empty())
        .map_or(DEFAULT_HOST, String::as_str);
    let unreachable = |detail: String| {
        EngineError::new(
            Kind::Unreachable,
            format!(
                "cannot reach the Docker engine at {host} ({detail}): is dockerd running, and does DOCKER_HOST point at it?"
            ),
        )
    };
    let docker = client_for(host).map_err(|e| unreachable(e.to_string()))?;
    let docker = docker
        .negotiate_version()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    docker.ping().await.map_err(|e| unreachable(e.to_string()))?;
    Ok(docker)
}

fn client_for(host: &str) -> Result<Docker, bollard::errors::Error> {
    if let Some(addr) = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"))
    {
        Docker::connect_with_http(&format!("http://{addr}"), TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else {
        Docker::connect_with_unix(host, TIMEOUT_SECS, API_DEFAULT_VERSION)
    }
}

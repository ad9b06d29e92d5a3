//! Connecting to the engine named by `DOCKER_HOST` (or the default socket), negotiating the
//! API version the engine speaks.

use bollard::{ClientVersion, Docker, API_DEFAULT_VERSION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::error::{EngineError, Kind};
use crate::env::Env;

const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// Seconds an engine call may take before it is abandoned; builds and pulls stream for longer.
const TIMEOUT_SECS: u64 = 600;

/// Connects and checks that an engine answers; an unreachable engine is one clear sentence.
pub async fn connect(env: &Env) -> Result<Docker, EngineError> {
    let host = host(env);
    let unreachable = |detail: String| {
        EngineError::new(
            Kind::Unreachable,
            format!(
                "cannot reach the Docker engine at {host} ({detail}): is dockerd running, and does DOCKER_HOST point at it?"
            ),
        )
    };
    if let Some(path) = host.strip_prefix("unix://") {
        let version = ping_unix(path).await.map_err(unreachable)?;
        return Docker::connect_with_unix(host, TIMEOUT_SECS, &version).map_err(|e| unreachable(e.to_string()));
    }
    let docker = client_for(host).map_err(|e| unreachable(e.to_string()))?;
    let docker = docker
        .negotiate_version()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    docker.ping().await.map_err(|e| unreachable(e.to_string()))?;
    Ok(docker)
}

/// The engine's address: `DOCKER_HOST`, else the default socket.
pub fn host(env: &Env) -> &str {
    env.get("DOCKER_HOST").filter(|h| !h.is_empty()).map_or(DEFAULT_HOST, String::as_str)
}

/// `GET /_ping` on the socket: proves the engine answers and gives its API version in a
/// header, in one round trip (the engine's `/version`, which negotiation reads, takes
/// ~15 ms here). The version used is the engine's, capped at what bollard knows.
async fn ping_unix(path: &str) -> Result<ClientVersion, String> {
    let mut stream = tokio::net::UnixStream::connect(path).await.map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    if !text.starts_with("HTTP/1.1 200") && !text.starts_with("HTTP/1.0 200") {
        return Err(text.lines().next().unwrap_or("no answer").to_string());
    }
    let known = *API_DEFAULT_VERSION;
    let newer = |v: &ClientVersion| (v.major_version, v.minor_version) > (known.major_version, known.minor_version);
    Ok(api_version(&text).filter(|v| !newer(v)).unwrap_or(known))
}

/// The `Api-Version` header of a response.
fn api_version(response: &str) -> Option<ClientVersion> {
    let line = response.lines().find(|l| l.to_ascii_lowercase().starts_with("api-version:"))?;
    let (_, value) = line.split_once(':')?;
    let (major, minor) = value.trim().split_once('.')?;
    Some(ClientVersion { major_version: major.parse().ok()?, minor_version: minor.parse().ok()? })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_version_comes_from_the_ping_header() {
        let v = api_version("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOstype: linux\r\n\r\nOK").unwrap();
        assert_eq!((v.major_version, v.minor_version), (1, 41));
        assert!(api_version("HTTP/1.1 200 OK\r\n\r\nOK").is_none());
    }
}

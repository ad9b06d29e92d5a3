//! Image builds with the engine's built-in BuildKit (`/build?version=2`), as `docker compose`
//! builds: the context goes as a tar body, and a session of ours serves build secrets and the
//! ssh agent while BuildKit's progress comes back as `moby.buildkit.trace` messages.

pub mod conn;
pub mod session;
pub mod trace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bollard::grpc::build::moby::buildkit::v1::StatusResponse;
use bollard::ClientVersion;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use prost::Message as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use self::conn::Host;
use self::session::{Providers, SecretSource};
use self::trace::{Style, Trace};
use super::build::context::Source;
use super::{BuildOutput, BuildSpec, EngineError, Kind, Result};
use crate::env::Env;
use crate::model::Build;

/// What a BuildKit build needs besides the engine client.
#[derive(Clone)]
pub struct Setup {
    pub host: Host,
    pub version: ClientVersion,
    /// The environment of dockhand, for `SSH_AUTH_SOCK`.
    pub env: Env,
    pub style: Style,
}

pub async fn build(setup: &Setup, spec: &BuildSpec, build: &Build, output: &BuildOutput) -> Result<()> {
    let doing = format!(
        "building image \"{}\" for service \"{}\"",
        spec.image, spec.service
    );
    let invalid = |m: String| EngineError::new(Kind::Invalid, format!("{doing}: {m}"));
    let providers = providers(spec, build, &setup.env).map_err(invalid)?;
    for warning in unsupported(build) {
        output(&format!("WARNING: {warning}\n"));
    }
    let source = Source::of(build);
    let context = tokio::task::spawn_blocking(move || source.tar())
        .await
        .map_err(|e| EngineError::new(Kind::Other, format!("{doing}: {e}")))?
        .map_err(|e| EngineError::new(Kind::Other, format!("{doing}: {e}")))?;
    let id = session_id(&spec.image);
    let query = query(spec, build, &id, &context.dockerfile).map_err(invalid)?;
    let session = session::start(&setup.host, &id, &spec.project.name, providers)
        .await
        .map_err(|e| EngineError::new(Kind::Other, format!("{doing}: {e}")))?;
    let path = format!(
        "/v{}.{}/build?{}",
        setup.version.major_version,
        setup.version.minor_version,
        encode(&query)
    );
    let result = post(
        &setup.host,
        &path,
        context.tar,
        &mut Progress::new(setup.style, &spec.service, output),
    )
    .await;
    drop(session);
    result.map_err(|e| EngineError::new(Kind::Other, format!("{doing}: {e}{}", hint(&e))))
}

/// Build secrets and ssh agents the service's `build` asks for, checked before building.
fn providers(spec: &BuildSpec, build: &Build, env: &Env) -> std::result::Result<Providers, String> {
    let mut providers = Providers::default();
    for secret in &build.secrets {
        let defined = spec.project.secrets.get(&secret.source).ok_or_else(|| {
            format!(
                "build.secrets: secret \"{}\" is not defined in the top-level secrets",
                secret.source
            )
        })?;
        let id = secret
            .target
            .clone()
            .unwrap_or_else(|| secret.source.clone());
        let source = match (&defined.file, &defined.environment) {
            (Some(file), _) => SecretSource::File(PathBuf::from(file)),
            // The loader read the value from the project's environment (`.env` included).
            (None, Some(var)) => SecretSource::Value(
                defined
                    .value
                    .as_ref()
                    .ok_or_else(|| {
                        format!(
                            "build secret \"{}\": environment variable {var} is not set",
                            secret.source
                        )
                    })?
                    .expose()
                    .as_bytes()
                    .to_vec(),
            ),
            (None, None) => {
                return Err(format!(
                    "build.secrets only supports environment or file-based secrets: \"{}\"",
                    secret.source
                ))
            }
        };
        providers.secrets.insert(id, source);
    }
    for entry in &build.ssh {
        let (id, path) = match entry.split_once('=') {
            Some((id, path)) => (id, Some(path)),
            None => (entry.as_str(), None),
        };
        let socket = match path {
            Some(p) => PathBuf::from(p),
            None if id == "default" => env
                .get("SSH_AUTH_SOCK")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .ok_or("build.ssh: `default` forwards the ssh agent of SSH_AUTH_SOCK, which is not set")?,
            None => return Err(format!("build.ssh: \"{entry}\" names no agent socket: use `{id}=/path/to/agent.sock`")),
        };
        if !is_socket(&socket) {
            return Err(format!(
                "build.ssh: {} is not an ssh agent socket; dockhand forwards agents only (load keys with ssh-add and use `default`)",
                socket.display()
            ));
        }
        providers.ssh.insert(id.to_string(), socket);
    }
    if let Some((name, _)) = build.additional_contexts.iter().next() {
        return Err(format!(
            "build.additional_contexts (\"{name}\"): the engine's built-in BuildKit cannot take named build contexts; \
             they need buildx (see README, \"Builds\")"
        ));
    }
    if build.platforms.len() > 1 {
        return Err("build.platforms: a multi-platform image needs buildx; the engine's built-in BuildKit builds one platform".to_string());
    }
    Ok(providers)
}

fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

/// What the engine's BuildKit leaves out, said once per build.
fn unsupported(build: &Build) -> Vec<String> {
    let mut warnings = Vec::new();
    if !build.cache_to.is_empty() {
        warnings.push(
            "build.cache_to is ignored: the engine's built-in BuildKit cannot export build cache (buildx with a docker-container builder can)".to_string(),
        );
    }
    for from in build.cache_from.iter().filter(|f| cache_image(f).is_none()) {
        warnings.push(format!(
            "build.cache_from \"{from}\" is ignored: the engine's built-in BuildKit imports cache from images only"
        ));
    }
    warnings
}

/// A `cache_from` entry the engine takes: an image, plain or as `type=registry,ref=IMAGE`.
fn cache_image(entry: &str) -> Option<String> {
    if !entry.contains('=') {
        return Some(entry.to_string());
    }
    let fields: HashMap<&str, &str> = entry.split(',').filter_map(|f| f.split_once('=')).collect();
    match fields.get("type").copied().unwrap_or("registry") {
        "registry" => fields.get("ref").map(|r| r.to_string()),
        _ => None,
    }
}

/// The query of `POST /build` for a BuildKit build of `build` under our session.
fn query(
    spec: &BuildSpec,
    build: &Build,
    session: &str,
    dockerfile: &str,
) -> std::result::Result<Vec<(String, String)>, String> {
    let mut q: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| q.push((k.to_string(), v));
    add("version", "2".to_string());
    add("session", session.to_string());
    add("t", spec.image.clone());
    for tag in &build.tags {
        add("t", tag.clone());
    }
    add("dockerfile", dockerfile.to_string());
    if let Some(target) = &build.target {
        add("target", target.clone());
    }
    if spec.no_cache || build.no_cache {
        add("nocache", "1".to_string());
    }
    if spec.pull || build.pull {
        add("pull", "1".to_string());
    }
    let args: HashMap<&String, &String> = build
        .args
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    add("buildargs", json(&args));
    let mut labels = spec.labels.clone();
    labels.insert(crate::labels::IMAGE_BUILDER.to_string(), "default".to_string());
    add("labels", json(&labels));
    for (host, ips) in &build.extra_hosts.0 {
        for ip in ips {
            add("extrahosts", format!("{host}:{ip}"));
        }
    }
    if let Some(network) = &build.network {
        add("networkmode", network.clone());
    }
    if let Some(size) = &build.shm_size {
        add("shmsize", size.0.to_string());
    }
    let cache: Vec<String> = build
        .cache_from
        .iter()
        .filter_map(|f| cache_image(f))
        .collect();
    if !cache.is_empty() {
        add("cachefrom", json(&cache));
    }
    if let Some(platform) = build.platforms.first() {
        add("platform", platform.clone());
    }
    add("rm", "1".to_string());
    add("forcerm", "1".to_string());
    Ok(q)
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `application/x-www-form-urlencoded`, as the engine parses its query.
fn encode(query: &[(String, String)]) -> String {
    let escape = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    query
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A session id unique to this build: BuildKit keys the session, and its caches, by it.
fn session_id(image: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{image}/{}/{nanos}", std::process::id()));
    digest
        .iter()
        .take(13)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..25]
        .to_string()
}

/// One line of the engine's build stream.
#[derive(Debug, Deserialize)]
struct StreamMessage {
    id: Option<String>,
    aux: Option<serde_json::Value>,
    error: Option<String>,
    #[serde(rename = "errorDetail")]
    error_detail: Option<ErrorDetail>,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    message: Option<String>,
}

/// Turns the build stream's trace into output (its `stream` text, the classic builder's
/// `Successfully tagged`, the reference does not show); remembers the error it reports.
struct Progress<'a> {
    trace: Trace,
    output: &'a BuildOutput,
    error: Option<String>,
}

impl<'a> Progress<'a> {
    fn new(style: Style, service: &str, output: &'a BuildOutput) -> Progress<'a> {
        Progress {
            trace: Trace::new(style, service),
            output,
            error: None,
        }
    }

    fn line(&mut self, line: &[u8]) {
        let Ok(message) = serde_json::from_slice::<StreamMessage>(line) else {
            return;
        };
        if let Some(e) = message
            .error_detail
            .and_then(|d| d.message)
            .or(message.error)
        {
            self.error = Some(e);
        }
        if message.id.as_deref() == Some("moby.buildkit.trace") {
            if let Some(status) = message
                .aux
                .as_ref()
                .and_then(|a| a.as_str())
                .and_then(decode_status)
            {
                let text = self.trace.render(&status);
                if !text.is_empty() {
                    (self.output)(&text);
                }
            }
        }
    }
}

fn decode_status(aux: &str) -> Option<StatusResponse> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(aux).ok()?;
    StatusResponse::decode(bytes.as_slice()).ok()
}

/// Posts the build and follows its stream to the end: the build's error, if any, is the result.
async fn post(
    host: &Host,
    path: &str,
    tar: Vec<u8>,
    progress: &mut Progress<'_>,
) -> std::result::Result<(), String> {
    let conn = host.dial().await.map_err(|e| e.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(conn))
        .await
        .map_err(|e| e.to_string())?;
    let connection = tokio::spawn(connection);
    let request = hyper::Request::post(path)
        .header("Host", "docker")
        .header("Content-Type", "application/x-tar")
        .body(Full::new(Bytes::from(tar)))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string());
    let result = follow(response?, progress).await;
    connection.abort();
    result
}

async fn follow(
    response: hyper::Response<hyper::body::Incoming>,
    progress: &mut Progress<'_>,
) -> std::result::Result<(), String> {
    let status = response.status();
    let mut body = response.into_body();
    if !status.is_success() {
        let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        let message = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_string());
        return Err(message);
    }
    let mut pending: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        pending.extend_from_slice(&data);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            progress.line(&line);
        }
    }
    if !pending.is_empty() {
        progress.line(&pending);
    }
    match progress.error.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What to do about errors the engine's BuildKit gives for newer Dockerfile syntax.
fn hint(error: &str) -> &'static str {
    if error.contains("Unknown flag: link")
        || error.contains("Unknown flag: parents")
        || error.contains("Unknown flag: exclude")
    {
        "; the engine's built-in Dockerfile frontend predates this flag (Docker Engine 23+ or buildx build it)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests;

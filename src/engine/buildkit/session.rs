//! The client side of a BuildKit session: the engine calls back over `/session` for build
//! secrets and the ssh agent, as it does to the docker CLI. bollard's own session offers
//! registry auth only, so these providers are ours, on the proto types bollard exposes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::pin::Pin;

use bollard::grpc::build::health::health_check_response::ServingStatus;
use bollard::grpc::build::health::health_server::{Health, HealthServer};
use bollard::grpc::build::health::{
    HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse,
};
use bollard::grpc::build::moby::buildkit::secrets::v1::secrets_server::{Secrets, SecretsServer};
use bollard::grpc::build::moby::buildkit::secrets::v1::{GetSecretRequest, GetSecretResponse};
use bollard::grpc::build::moby::sshforward::v1::ssh_server::{Ssh, SshServer};
use bollard::grpc::build::moby::sshforward::v1::{
    BytesMessage, CheckAgentRequest, CheckAgentResponse,
};
use futures_util::Stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tonic::{Request, Response, Status, Streaming};

use super::conn::Host;

/// Where a build secret's value comes from. The value itself is read only when the build asks.
#[derive(Debug, Clone, PartialEq)]
pub enum SecretSource {
    File(PathBuf),
    /// The value, taken from the environment when the build was planned.
    Value(Vec<u8>),
}

/// What the session offers the build: secrets by id, ssh agent sockets by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Providers {
    pub secrets: HashMap<String, SecretSource>,
    pub ssh: HashMap<String, PathBuf>,
}

/// A session serving on its own connection until dropped.
pub struct Session {
    task: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens the session `id` and serves `providers` on it.
pub async fn start(
    host: &Host,
    id: &str,
    name: &str,
    providers: Providers,
) -> std::io::Result<Session> {
    let mut methods = vec![
        "/grpc.health.v1.Health/Check".to_string(),
        "/moby.buildkit.secrets.v1.Secrets/GetSecret".to_string(),
    ];
    if !providers.ssh.is_empty() {
        methods.push("/moby.sshforward.v1.SSH/CheckAgent".to_string());
        methods.push("/moby.sshforward.v1.SSH/ForwardAgent".to_string());
    }
    let mut headers = vec![
        ("X-Docker-Expose-Session-Uuid", id.to_string()),
        ("X-Docker-Expose-Session-Name", name.to_string()),
        ("X-Docker-Expose-Session-Sharedkey", id.to_string()),
    ];
    headers.extend(
        methods
            .into_iter()
            .map(|m| ("X-Docker-Expose-Session-Grpc-Method", m)),
    );
    let conn = host.dial().await?.upgrade("/session", &headers).await?;
    let router = tonic::transport::Server::builder()
        .add_service(HealthServer::new(Healthy))
        .add_service(SecretsServer::new(SecretStore(providers.secrets)))
        .add_service(SshServer::new(Agents(providers.ssh)));
    let task = tokio::spawn(async move {
        let incoming = futures_util::stream::iter([Ok::<_, std::io::Error>(conn)]);
        if let Err(e) = router.serve_with_incoming(incoming).await {
            tracing::debug!("BuildKit session ended: {e}");
        }
    });
    Ok(Session { task })
}

struct Healthy;

#[tonic::async_trait]
impl Health for Healthy {
    async fn check(
        &self,
        _: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    async fn list(
        &self,
        _: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        Err(Status::unimplemented("list"))
    }

    type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

    async fn watch(
        &self,
        _: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("watch"))
    }
}

/// BuildKit's own limit on a secret's size.
const MAX_SECRET_SIZE: u64 = 500 * 1024;

struct SecretStore(HashMap<String, SecretSource>);

#[tonic::async_trait]
impl Secrets for SecretStore {
    async fn get_secret(
        &self,
        request: Request<GetSecretRequest>,
    ) -> Result<Response<GetSecretResponse>, Status> {
        let id = &request.get_ref().id;
        let data = match self.0.get(id) {
            None => return Err(Status::not_found(format!("secret {id} not found"))),
            Some(SecretSource::Value(v)) => v.clone(),
            Some(SecretSource::File(path)) => {
                let meta = tokio::fs::metadata(path).await.map_err(|e| {
                    Status::failed_precondition(format!("secret {id}: {}: {e}", path.display()))
                })?;
                if meta.len() > MAX_SECRET_SIZE {
                    return Err(Status::failed_precondition(format!(
                        "secret {id} is larger than 500KiB"
                    )));
                }
                tokio::fs::read(path).await.map_err(|e| {
                    Status::failed_precondition(format!("secret {id}: {}: {e}", path.display()))
                })?
            }
        };
        Ok(Response::new(GetSecretResponse { data }))
    }
}

/// ssh agent sockets by id; BuildKit names the id in the call's metadata.
struct Agents(HashMap<String, PathBuf>);

const SSH_ID_KEY: &str = "buildkit.ssh.id";

impl Agents {
    fn socket(&self, id: &str) -> Result<&PathBuf, Status> {
        let id = if id.is_empty() { "default" } else { id };
        self.0.get(id).ok_or_else(|| {
            Status::not_found(format!(
                "no ssh agent for id {id}: add it to the service's build.ssh"
            ))
        })
    }
}

type Bytes = Result<BytesMessage, Status>;

#[tonic::async_trait]
impl Ssh for Agents {
    async fn check_agent(
        &self,
        request: Request<CheckAgentRequest>,
    ) -> Result<Response<CheckAgentResponse>, Status> {
        let socket = self.socket(&request.get_ref().id)?;
        tokio::net::UnixStream::connect(socket)
            .await
            .map_err(|e| Status::unavailable(format!("ssh agent {}: {e}", socket.display())))?;
        Ok(Response::new(CheckAgentResponse {}))
    }

    type ForwardAgentStream = Pin<Box<dyn Stream<Item = Bytes> + Send>>;

    /// Pipes the build's agent protocol to the agent's socket and back.
    async fn forward_agent(
        &self,
        request: Request<Streaming<BytesMessage>>,
    ) -> Result<Response<Self::ForwardAgentStream>, Status> {
        let id = request
            .metadata()
            .get(SSH_ID_KEY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let socket = self.socket(&id)?;
        let agent = tokio::net::UnixStream::connect(socket)
            .await
            .map_err(|e| Status::unavailable(format!("ssh agent {}: {e}", socket.display())))?;
        let (from_agent, mut to_agent) = agent.into_split();
        let mut inbound = request.into_inner();
        tokio::spawn(async move {
            while let Ok(Some(message)) = inbound.message().await {
                if to_agent.write_all(&message.data).await.is_err() {
                    break;
                }
            }
            let _ = to_agent.shutdown().await;
        });
        let outbound = futures_util::stream::unfold(Some(from_agent), |half| async move {
            let mut half = half?;
            let mut buf = vec![0u8; 16 * 1024];
            match half.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(BytesMessage { data: buf }), Some(half)))
                }
                Err(e) => Some((Err(Status::unavailable(e.to_string())), None)),
            }
        });
        Ok(Response::new(Box::pin(outbound)))
    }
}

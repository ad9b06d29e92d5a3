//! The Swarm calls of the engine seam: services, tasks, nodes, overlay networks, configs and
//! secrets. bollard has no configs API: those calls go over a raw HTTP connection.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use bollard::query_parameters::{
    ListNetworksOptions, ListNodesOptions, ListSecretsOptions, ListServicesOptions, ListTasksOptions,
    UpdateServiceOptions,
};
use bollard::Docker;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// The Swarm API's types, for the pure conversion and the planner.
pub use bollard::models as api;

pub mod observed;

pub use observed::{ObservedNetwork, ObservedNode, ObservedObject, ObservedService, ObservedTask};

use super::buildkit::conn::Host;
use super::{EngineError, Kind, Result};
use crate::env::Env;
use crate::labels;

/// The Swarm calls dockhand makes. Futures are `Send` so operations run concurrently.
pub trait SwarmEngine: Send + Sync + 'static {
    /// The API version spoken, for fields older engines do not know.
    fn api_version(&self) -> (u32, u32);
    /// The services of one stack, or of every stack.
    fn list_services(&self, stack: Option<&str>) -> impl Future<Output = Result<Vec<ObservedService>>> + Send;
    fn list_tasks(&self, stack: &str) -> impl Future<Output = Result<Vec<ObservedTask>>> + Send;
    fn list_networks(&self) -> impl Future<Output = Result<Vec<ObservedNetwork>>> + Send;
    /// Every config (a stack's are those with its label; external ones have none).
    fn list_configs(&self) -> impl Future<Output = Result<Vec<ObservedObject>>> + Send;
    fn list_secrets(&self) -> impl Future<Output = Result<Vec<ObservedObject>>> + Send;
    fn list_nodes(&self) -> impl Future<Output = Result<Vec<ObservedNode>>> + Send;

    fn create_network(&self, spec: &api::NetworkCreateRequest) -> impl Future<Output = Result<String>> + Send;
    fn remove_network(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    fn create_config(&self, spec: &api::ConfigSpec) -> impl Future<Output = Result<String>> + Send;
    fn remove_config(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    fn create_secret(&self, spec: &api::SecretSpec) -> impl Future<Output = Result<String>> + Send;
    fn remove_secret(&self, id: &str) -> impl Future<Output = Result<()>> + Send;

    fn create_service(&self, spec: &api::ServiceSpec) -> impl Future<Output = Result<String>> + Send;
    /// Returns the engine's warnings.
    fn update_service(
        &self,
        id: &str,
        version: u64,
        spec: &api::ServiceSpec,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn remove_service(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    fn inspect_service(&self, id: &str) -> impl Future<Output = Result<ObservedService>> + Send;
}

/// A Swarm manager reached through `DOCKER_HOST`.
#[derive(Clone)]
pub struct SwarmClient {
    docker: Docker,
    host: Host,
}

impl SwarmClient {
    pub async fn connect(env: &Env) -> Result<SwarmClient> {
        let docker = super::connect::connect(env).await?;
        let host = Host::parse(Some(super::connect::host(env))).map_err(|e| EngineError::new(Kind::Unreachable, e))?;
        Ok(SwarmClient { docker, host })
    }

    /// One request on a connection of its own; the answer's body, or the engine's message as
    /// an error of the kind its status says.
    async fn raw(&self, method: &str, path: &str, body: Option<Vec<u8>>) -> Result<Bytes> {
        let unreachable = |e: String| EngineError::new(Kind::Unreachable, e);
        let conn = self.host.dial().await.map_err(|e| unreachable(e.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(conn)).await.map_err(|e| unreachable(e.to_string()))?;
        let connection = tokio::spawn(connection);
        let request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("Host", "docker")
            .header("Content-Type", "application/json")
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| EngineError::new(Kind::Other, e.to_string()))?;
        let response = sender.send_request(request).await.map_err(|e| unreachable(e.to_string()));
        let result = match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let bytes = r.into_body().collect().await.map_err(|e| unreachable(e.to_string()))?.to_bytes();
                if (200..300).contains(&status) {
                    Ok(bytes)
                } else {
                    Err(status_error(status, &bytes))
                }
            }
            Err(e) => Err(e),
        };
        connection.abort();
        result
    }
}

/// An error answer as the kinds bollard's errors are sorted into.
fn status_error(status: u16, body: &[u8]) -> EngineError {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    bollard::errors::Error::DockerResponseServerError { status_code: status, message }.into()
}

fn label_filter(stack: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![format!("{}={stack}", labels::STACK_NAMESPACE)])])
}

fn sorted(labels: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    labels.unwrap_or_default().into_iter().collect()
}

fn unix(date: Option<api::BollardDate>) -> i64 {
    date.map_or(0, |d| d.timestamp())
}

fn service(s: api::Service) -> ObservedService {
    let spec = s.spec.unwrap_or_default();
    let update = s.update_status.unwrap_or_default();
    ObservedService {
        id: s.id.unwrap_or_default(),
        name: spec.name.clone().unwrap_or_default(),
        version: s.version.and_then(|v| v.index).unwrap_or(0),
        spec,
        update_state: update.state.map(|s| s.to_string()).filter(|s| !s.is_empty()),
        update_message: update.message,
        endpoint_ports: s.endpoint.and_then(|e| e.ports).unwrap_or_default(),
    }
}

fn task(t: api::Task) -> ObservedTask {
    let status = t.status.unwrap_or_default();
    ObservedTask {
        id: t.id.unwrap_or_default(),
        service_id: t.service_id.unwrap_or_default(),
        node_id: t.node_id.unwrap_or_default(),
        slot: t.slot.unwrap_or(0),
        desired_state: t.desired_state.map(|s| s.to_string()).unwrap_or_default(),
        state: status.state.map(|s| s.to_string()).unwrap_or_default(),
        message: status.message.unwrap_or_default(),
        error: status.err.unwrap_or_default(),
        exit_code: status.container_status.and_then(|c| c.exit_code),
        created_at: unix(t.created_at),
        updated_at_ms: status.timestamp.map_or(0, |d| d.timestamp_millis()),
        spec: t.spec,
        ports: status.port_status.and_then(|p| p.ports).unwrap_or_default(),
    }
}

/// Configs and secrets list alike.
#[derive(serde::Deserialize)]
struct Object {
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Spec", default)]
    spec: ObjectSpec,
}

#[derive(serde::Deserialize, Default)]
struct ObjectSpec {
    #[serde(rename = "Name", default)]
    name: String,
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
}

fn object(o: Object) -> ObservedObject {
    ObservedObject { id: o.id, name: o.spec.name, labels: o.spec.labels.unwrap_or_default() }
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| EngineError::new(Kind::Other, format!("unexpected answer from the engine: {e}")))
}

impl SwarmEngine for SwarmClient {
    fn api_version(&self) -> (u32, u32) {
        let v = self.docker.client_version();
        (v.major_version as u32, v.minor_version as u32)
    }

    async fn list_services(&self, stack: Option<&str>) -> Result<Vec<ObservedService>> {
        let filters = match stack {
            Some(s) => label_filter(s),
            None => HashMap::from([("label".to_string(), vec![labels::STACK_NAMESPACE.to_string()])]),
        };
        let options = ListServicesOptions { filters: Some(filters), status: None };
        Ok(self.docker.list_services(Some(options)).await?.into_iter().map(service).collect())
    }

    async fn list_tasks(&self, stack: &str) -> Result<Vec<ObservedTask>> {
        let options = ListTasksOptions { filters: Some(label_filter(stack)) };
        Ok(self.docker.list_tasks(Some(options)).await?.into_iter().map(task).collect())
    }

    async fn list_networks(&self) -> Result<Vec<ObservedNetwork>> {
        let networks = self.docker.list_networks(None::<ListNetworksOptions>).await?;
        Ok(networks
            .into_iter()
            .map(|n| ObservedNetwork {
                id: n.id.unwrap_or_default(),
                name: n.name.unwrap_or_default(),
                scope: n.scope.unwrap_or_default(),
                labels: sorted(n.labels),
            })
            .collect())
    }

    async fn list_configs(&self) -> Result<Vec<ObservedObject>> {
        let bytes = self.raw("GET", "/configs", None).await?;
        Ok(decode::<Vec<Object>>(&bytes)?.into_iter().map(object).collect())
    }

    async fn list_secrets(&self) -> Result<Vec<ObservedObject>> {
        let secrets = self.docker.list_secrets(None::<ListSecretsOptions>).await?;
        Ok(secrets
            .into_iter()
            .map(|s| {
                let spec = s.spec.unwrap_or_default();
                ObservedObject {
                    id: s.id.unwrap_or_default(),
                    name: spec.name.unwrap_or_default(),
                    labels: sorted(spec.labels),
                }
            })
            .collect())
    }

    async fn list_nodes(&self) -> Result<Vec<ObservedNode>> {
        let nodes = self.docker.list_nodes(None::<ListNodesOptions>).await?;
        Ok(nodes
            .into_iter()
            .map(|n| ObservedNode {
                id: n.id.unwrap_or_default(),
                hostname: n.description.and_then(|d| d.hostname).unwrap_or_default(),
            })
            .collect())
    }

    async fn create_network(&self, spec: &api::NetworkCreateRequest) -> Result<String> {
        Ok(self.docker.create_network(spec.clone()).await?.id)
    }

    async fn remove_network(&self, id: &str) -> Result<()> {
        Ok(self.docker.remove_network(id).await?)
    }

    async fn create_config(&self, spec: &api::ConfigSpec) -> Result<String> {
        let body = serde_json::to_vec(spec).map_err(|e| EngineError::new(Kind::Other, e.to_string()))?;
        let bytes = self.raw("POST", "/configs/create", Some(body)).await?;
        Ok(decode::<api::IdResponse>(&bytes)?.id)
    }

    async fn remove_config(&self, id: &str) -> Result<()> {
        self.raw("DELETE", &format!("/configs/{id}"), None).await.map(|_| ())
    }

    async fn create_secret(&self, spec: &api::SecretSpec) -> Result<String> {
        Ok(self.docker.create_secret(spec.clone()).await?.id)
    }

    async fn remove_secret(&self, id: &str) -> Result<()> {
        Ok(self.docker.delete_secret(id).await?)
    }

    async fn create_service(&self, spec: &api::ServiceSpec) -> Result<String> {
        let created = self.docker.create_service(spec.clone(), None).await?;
        Ok(created.id.unwrap_or_default())
    }

    async fn update_service(&self, id: &str, version: u64, spec: &api::ServiceSpec) -> Result<Vec<String>> {
        let options = UpdateServiceOptions { version: version as i32, ..Default::default() };
        let updated = self.docker.update_service(id, spec.clone(), options, None).await?;
        Ok(updated.warnings.unwrap_or_default())
    }

    async fn remove_service(&self, id: &str) -> Result<()> {
        Ok(self.docker.delete_service(id).await?)
    }

    async fn inspect_service(&self, id: &str) -> Result<ObservedService> {
        Ok(service(self.docker.inspect_service(id, None::<bollard::query_parameters::InspectServiceOptions>).await?))
    }
}

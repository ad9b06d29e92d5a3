//! A scripted engine for unit tests of what talks to containers: the test holds the other
//! end of every log stream and of the event stream, so it decides what arrives when.

use std::collections::BTreeMap;
use std::sync::Mutex;

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::streams::Stdin;
use super::*;
use crate::model::InjectedFile;

/// Every call the fake does not script fails, so that a test notices what it did not expect.
fn not_faked<T>(call: &str) -> Result<T> {
    Err(EngineError::new(Kind::Other, format!("{call}: not faked")))
}

fn received<T: Send + 'static>(rx: UnboundedReceiver<T>) -> BoxStream<'static, T> {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed()
}

/// A log stream opened by the code under test.
pub struct OpenedLog {
    pub id: String,
    pub request: LogRequest,
    /// Dropping it ends the stream.
    pub sender: Option<UnboundedSender<Result<LogChunk>>>,
}

#[derive(Default)]
pub struct Fake {
    pub containers: Mutex<Vec<ObservedContainer>>,
    pub statuses: Mutex<BTreeMap<String, ContainerStatus>>,
    pub logs: Mutex<Vec<OpenedLog>>,
    events: Mutex<Option<UnboundedReceiver<Result<ContainerEvent>>>>,
    event_sender: Mutex<Option<UnboundedSender<Result<ContainerEvent>>>>,
}

impl Fake {
    pub fn new() -> Fake {
        let (tx, rx) = unbounded_channel();
        Fake { events: Mutex::new(Some(rx)), event_sender: Mutex::new(Some(tx)), ..Fake::default() }
    }

    pub fn event(&self, e: ContainerEvent) {
        if let Some(tx) = self.event_sender.lock().unwrap().as_ref() {
            tx.send(Ok(e)).unwrap();
        }
    }

    /// Ends the `n`th log stream opened.
    pub fn end_log(&self, n: usize) {
        self.logs.lock().unwrap()[n].sender = None;
    }

    /// The logs opened, as (container id, `since`).
    pub fn opened(&self) -> Vec<(String, Option<i64>)> {
        self.logs.lock().unwrap().iter().map(|l| (l.id.clone(), l.request.since)).collect()
    }
}

impl ContainerIo for Fake {
    fn supports(&self, _: Capability) -> bool {
        true
    }
    async fn answers(&self) -> bool {
        true
    }
    fn logs(&self, id: &str, req: &LogRequest) -> BoxStream<'static, Result<LogChunk>> {
        let (tx, rx) = unbounded_channel();
        self.logs.lock().unwrap().push(OpenedLog { id: id.to_string(), request: req.clone(), sender: Some(tx) });
        received(rx)
    }
    fn events(&self, _: &str, _: Option<i64>) -> BoxStream<'static, Result<ContainerEvent>> {
        match self.events.lock().unwrap().take() {
            Some(rx) => received(rx),
            None => futures_util::stream::empty().boxed(),
        }
    }
    fn raw_events(&self, _: &str, _: Option<f64>, _: Option<f64>) -> BoxStream<'static, Result<EngineEvent>> {
        futures_util::stream::empty().boxed()
    }
    async fn wait_exit(&self, _: &str) -> Result<i64> {
        not_faked("wait")
    }
    async fn container_tty(&self, _: &str) -> bool {
        false
    }
    async fn exec(&self, _: &str, _: &ExecSpec, _: Option<Stdin>, _: &Output) -> Result<i64> {
        not_faked("exec")
    }
    async fn attach(&self, _: &str, _: Option<Stdin>, _: Output) -> Result<BoxFuture<'static, Result<()>>> {
        not_faked("attach")
    }
    fn follow_resizes(&self, _: Resized, _: fn() -> Option<(u16, u16)>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async {})
    }
    async fn top(&self, _: &str) -> Result<Top> {
        not_faked("top")
    }
    async fn download(&self, _: &str, _: &str) -> Result<Vec<u8>> {
        not_faked("download")
    }
    async fn is_directory(&self, _: &str, _: &str) -> bool {
        false
    }
    async fn upload(&self, _: &str, _: &str, _: Vec<u8>) -> Result<()> {
        not_faked("upload")
    }
    fn export(&self, _: &str) -> BoxStream<'static, Result<Vec<u8>>> {
        futures_util::stream::once(async { not_faked("export") }).boxed()
    }
    async fn commit(&self, _: &str, _: &Commit) -> Result<String> {
        not_faked("commit")
    }
}

impl Engine for Fake {
    async fn list_containers(&self, _: &str) -> Result<Vec<ObservedContainer>> {
        Ok(self.containers.lock().unwrap().clone())
    }
    async fn container_status(&self, id: &str) -> Result<ContainerStatus> {
        match self.statuses.lock().unwrap().get(id) {
            Some(s) => Ok(s.clone()),
            None => Err(EngineError::new(Kind::NotFound, format!("No such container: {id}"))),
        }
    }
    async fn list_networks(&self) -> Result<Vec<ObservedNetwork>> {
        not_faked("list networks")
    }
    async fn list_volumes(&self, _: &str) -> Result<Vec<ObservedVolume>> {
        not_faked("list volumes")
    }
    async fn network_exists(&self, _: &str) -> Result<bool> {
        not_faked("network exists")
    }
    async fn volume_exists(&self, _: &str) -> Result<bool> {
        not_faked("volume exists")
    }
    async fn image_id(&self, _: &str) -> Result<Option<String>> {
        not_faked("image id")
    }
    async fn dangling_images(&self, _: &str) -> Result<Vec<String>> {
        not_faked("dangling images")
    }
    async fn image_info(&self, _: &str) -> Result<Option<ImageInfo>> {
        not_faked("image info")
    }
    async fn all_containers(&self, _: &str) -> Result<Vec<ObservedContainer>> {
        not_faked("all containers")
    }
    async fn pull_image(&self, _: &str, _: Option<&str>) -> Result<()> {
        not_faked("pull")
    }
    async fn build_image(&self, _: &BuildSpec) -> Result<()> {
        not_faked("build")
    }
    async fn push_image(&self, _: &str) -> Result<()> {
        not_faked("push")
    }
    async fn remove_image(&self, _: &str) -> Result<()> {
        not_faked("remove image")
    }
    async fn create_network(&self, _: &api::NetworkCreateRequest) -> Result<()> {
        not_faked("create network")
    }
    async fn remove_network(&self, _: &str) -> Result<()> {
        not_faked("remove network")
    }
    async fn disconnect_network(&self, _: &str, _: &str) -> Result<()> {
        not_faked("disconnect")
    }
    async fn connect_network(&self, _: &str, _: &str, _: &api::EndpointSettings) -> Result<()> {
        not_faked("connect")
    }
    async fn create_volume(&self, _: &api::VolumeCreateOptions) -> Result<()> {
        not_faked("create volume")
    }
    async fn remove_volume(&self, _: &str) -> Result<()> {
        not_faked("remove volume")
    }
    async fn create_container(&self, _: &ContainerCreate) -> Result<String> {
        not_faked("create")
    }
    async fn write_files(&self, _: &str, _: &[InjectedFile]) -> Result<()> {
        not_faked("write files")
    }
    async fn start_container(&self, _: &str) -> Result<()> {
        not_faked("start")
    }
    async fn stop_container(&self, _: &str, _: Option<i64>) -> Result<()> {
        not_faked("stop")
    }
    async fn remove_container(&self, _: &str, _: bool) -> Result<()> {
        not_faked("remove")
    }
    async fn kill_container(&self, _: &str, _: &str) -> Result<()> {
        not_faked("kill")
    }
    async fn pause_container(&self, _: &str) -> Result<()> {
        not_faked("pause")
    }
    async fn unpause_container(&self, _: &str) -> Result<()> {
        not_faked("unpause")
    }
    async fn rename_container(&self, _: &str, _: &str) -> Result<()> {
        not_faked("rename")
    }
    async fn find_container(&self, _: &str) -> Result<Option<ObservedContainer>> {
        not_faked("find")
    }
    async fn container_id(&self, _: &str) -> Result<Option<String>> {
        not_faked("container id")
    }
    async fn logs_tail(&self, _: &str, _: usize) -> Result<String> {
        not_faked("logs tail")
    }
    async fn ps(&self, _: &str) -> Result<Vec<PsEntry>> {
        not_faked("ps")
    }
}

//! `ContainerIo` on a Docker Engine: logs, events, exec sessions, attach and wait, top and
//! archives.


use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::{
    AttachContainerOptions, CommitContainerOptions, DownloadFromContainerOptions, EventsOptions, LogsOptions,
    TopOptions, UploadToContainerOptions, WaitContainerOptions,
};
use bollard::container::LogOutput;
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{BoxStream, StreamExt};
use tokio::io::AsyncWriteExt;

use super::{label_filter, DockerEngine};
use crate::engine::streams::Stdin;
use crate::engine::{
    Capability, Commit, ContainerEvent, ContainerIo, EngineError, EngineEvent, ExecSpec, LogChunk, LogRequest, Output,
    Resized, Result, Top,
};
use crate::labels;

impl DockerEngine {
    async fn exit_code(&self, id: &str) -> Result<i64> {
        let inspect = self.inspect(id).await?;
        Ok(inspect.state.and_then(|s| s.exit_code).unwrap_or(0))
    }

    /// `copy_owner`: the files get the archive's uid and gid instead of the container's root.
    /// Sent as a stream: bollard traces a whole request body, and this one may hold secrets.
    pub(super) async fn put_archive(&self, id: &str, path: &str, archive: Vec<u8>, copy_owner: bool) -> Result<()> {
        let options = UploadToContainerOptions {
            path: path.to_string(),
            copy_uidgid: copy_owner.then(|| "true".to_string()),
            ..Default::default()
        };
        let body = bollard::body_stream(futures_util::stream::once(std::future::ready(archive.into())));
        Ok(self.docker.upload_to_container(id, Some(options), body).await?)
    }
}

/// A Docker Engine does everything a command may ask of a container.
impl ContainerIo for DockerEngine {
    fn supports(&self, _: Capability) -> bool {
        true
    }

    async fn answers(&self) -> bool {
        self.docker.ping().await.is_ok()
    }

    fn logs(&self, id: &str, req: &LogRequest) -> BoxStream<'static, Result<LogChunk>> {
        let options = LogsOptions {
            follow: req.follow,
            stdout: true,
            stderr: true,
            since: req.since.map_or(0, clamp_i32),
            until: req.until.map_or(0, clamp_i32),
            timestamps: req.timestamps,
            tail: req.tail.clone().unwrap_or_else(|| "all".to_string()),
        };
        self.docker.logs(id, Some(options)).map(|item| item.map(chunk).map_err(EngineError::from)).boxed()
    }

    fn events(&self, label: &str, since: Option<i64>) -> BoxStream<'static, Result<ContainerEvent>> {
        self.raw_events(label, since.map(|s| s as f64), None).map(|item| item.map(container_event)).boxed()
    }

    fn raw_events(&self, label: &str, since: Option<f64>, until: Option<f64>) -> BoxStream<'static, Result<EngineEvent>> {
        let mut filters = label_filter(vec![label.to_string()]);
        filters.insert("type".to_string(), vec!["container".to_string()]);
        let at = |t: f64| format!("{t:.9}");
        let options = EventsOptions { since: since.map(at), until: until.map(at), filters: Some(filters) };
        self.docker
            .events(Some(options))
            .filter_map(|item| async move {
                match item {
                    Ok(m) => engine_event(m).map(Ok),
                    Err(e) => Some(Err(EngineError::from(e))),
                }
            })
            .boxed()
    }

    async fn wait_exit(&self, id: &str) -> Result<i64> {
        let options = WaitContainerOptions { condition: "not-running".to_string() };
        let mut stream = self.docker.wait_container(id, Some(options));
        match stream.next().await {
            Some(Ok(r)) => Ok(r.status_code),
            // bollard reports a non-zero exit as an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(e.into()),
            None => Ok(self.exit_code(id).await?),
        }
    }

    async fn container_tty(&self, id: &str) -> bool {
        self.inspect(id).await.ok().and_then(|i| i.config).and_then(|c| c.tty).unwrap_or(false)
    }

    async fn exec(&self, id: &str, spec: &ExecSpec, stdin: Option<Stdin>, output: &Output) -> Result<i64> {
        let options = CreateExecOptions {
            attach_stdin: Some(stdin.is_some()),
            attach_stdout: Some(!spec.detach),
            attach_stderr: Some(!spec.detach),
            tty: Some(spec.tty),
            env: Some(spec.env.clone()),
            cmd: Some(spec.command.clone()),
            privileged: Some(spec.privileged),
            user: spec.user.clone(),
            working_dir: spec.working_dir.clone(),
            detach_keys: None,
        };
        let created = self.docker.create_exec(id, options).await?;
        let start = StartExecOptions { detach: spec.detach, tty: spec.tty, output_capacity: None };
        match self.docker.start_exec(&created.id, Some(start)).await? {
            StartExecResults::Detached => return Ok(0),
            StartExecResults::Attached { output: out, input } => {
                let resizes = spec.size.map(|size| self.follow_resizes(Resized::Exec(created.id.clone()), size));
                let pumped = pump(out, input, stdin, output).await;
                if let Some(r) = resizes {
                    r.abort();
                }
                pumped?;
            }
        }
        let inspect = self.docker.inspect_exec(&created.id).await?;
        Ok(inspect.exit_code.unwrap_or(0))
    }

    async fn attach(&self, id: &str, stdin: Option<Stdin>, output: Output) -> Result<BoxFuture<'static, Result<()>>> {
        let options = AttachContainerOptions {
            stdin: stdin.is_some(),
            stdout: true,
            stderr: true,
            stream: true,
            logs: true,
            detach_keys: None,
        };
        let attached = self.docker.attach_container(id, Some(options)).await?;
        Ok(async move { pump(attached.output, attached.input, stdin, &output).await }.boxed())
    }

    fn follow_resizes(&self, target: Resized, size: fn() -> Option<(u16, u16)>) -> tokio::task::JoinHandle<()> {
        let docker = self.docker.clone();
        tokio::spawn(async move {
            let mut winch = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok();
            loop {
                if let Some((w, h)) = size() {
                    // A failed resize leaves the old size: nothing worth stopping for.
                    let _ = match &target {
                        Resized::Exec(id) => docker.resize_exec(id, ResizeExecOptions { width: w, height: h }).await,
                        Resized::Container(id) => {
                            let options = bollard::query_parameters::ResizeContainerTTYOptions { w: i32::from(w), h: i32::from(h) };
                            docker.resize_container_tty(id, options).await
                        }
                    };
                }
                match winch.as_mut() {
                    Some(s) => {
                        if s.recv().await.is_none() {
                            return;
                        }
                    }
                    None => return,
                }
            }
        })
    }

    async fn top(&self, id: &str) -> Result<Top> {
        let top = self.docker.top_processes(id, None::<TopOptions>).await?;
        Ok(Top { titles: top.titles.unwrap_or_default(), processes: top.processes.unwrap_or_default() })
    }

    async fn download(&self, id: &str, path: &str) -> Result<Vec<u8>> {
        let options = DownloadFromContainerOptions { path: path.to_string() };
        let mut stream = self.docker.download_from_container(id, Some(options));
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    /// Read from the first header of the path's archive, without fetching the rest.
    async fn is_directory(&self, id: &str, path: &str) -> bool {
        let options = DownloadFromContainerOptions { path: path.to_string() };
        let mut stream = self.docker.download_from_container(id, Some(options));
        let mut head = Vec::new();
        while head.len() < 512 {
            match stream.next().await {
                Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                _ => return false,
            }
        }
        // The tar header's type flag: '5' is a directory.
        head[156] == b'5'
    }

    async fn upload(&self, id: &str, path: &str, archive: Vec<u8>) -> Result<()> {
        self.put_archive(id, path, archive, false).await
    }

    fn export(&self, id: &str) -> BoxStream<'static, Result<Vec<u8>>> {
        self.docker.export_container(id).map(|chunk| Ok(chunk?.to_vec())).boxed()
    }

    async fn commit(&self, id: &str, commit: &Commit) -> Result<String> {
        let (repo, tag) = match &commit.reference {
            Some(r) => {
                let (name, tag) = crate::engine::build::split_tag(r);
                (Some(name.to_string()), tag.map(str::to_string))
            }
            None => (None, None),
        };
        let options = CommitContainerOptions {
            container: Some(id.to_string()),
            repo,
            tag,
            comment: Some(commit.message.clone()).filter(|m| !m.is_empty()),
            author: Some(commit.author.clone()).filter(|a| !a.is_empty()),
            pause: commit.pause,
            // The engine parses the instructions as one Dockerfile, a line each.
            changes: Some(commit.changes.join("\n")).filter(|c| !c.is_empty()),
        };
        let made = self.docker.commit_container(options, bollard::models::ContainerConfig::default()).await?;
        Ok(made.id)
    }
}

/// Copies the session's output to `output` and, when given, standard input to the session.
/// Input ending closes the session's input; the output ending ends the session.
async fn pump(
    mut out: std::pin::Pin<Box<dyn futures_util::Stream<Item = std::result::Result<LogOutput, bollard::errors::Error>> + Send>>,
    mut input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    stdin: Option<Stdin>,
    output: &Output,
) -> Result<()> {
    let feeder = stdin.map(|mut stdin| {
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut stdin, &mut input).await;
            let _ = input.shutdown().await;
        })
    });
    while let Some(item) = out.next().await {
        let c = chunk(item?);
        output(&c);
    }
    if let Some(f) = feeder {
        f.abort();
    }
    Ok(())
}

fn chunk(o: LogOutput) -> LogChunk {
    match o {
        LogOutput::StdErr { message } => LogChunk { stderr: true, bytes: message.to_vec() },
        LogOutput::StdOut { message } | LogOutput::Console { message } | LogOutput::StdIn { message } => {
            LogChunk { stderr: false, bytes: message.to_vec() }
        }
    }
}

fn engine_event(m: bollard::models::EventMessage) -> Option<EngineEvent> {
    let actor = m.actor?;
    Some(EngineEvent {
        time_nano: m.time_nano.unwrap_or(0),
        kind: m.typ.map_or_else(|| "container".to_string(), |t| t.to_string()),
        action: m.action?,
        id: actor.id?,
        attributes: actor.attributes.unwrap_or_default().into_iter().collect(),
    })
}

fn container_event(e: EngineEvent) -> ContainerEvent {
    let attr = |k: &str| e.attributes.get(k);
    ContainerEvent {
        name: attr("name").cloned().unwrap_or_default(),
        service: attr(labels::SERVICE).cloned().unwrap_or_default(),
        number: attr(labels::CONTAINER_NUMBER).and_then(|n| n.parse().ok()).unwrap_or(0),
        oneoff: labels::is_one_off(attr(labels::ONEOFF).map(String::as_str)),
        exit_code: attr("exitCode").and_then(|c| c.parse().ok()),
        id: e.id,
        action: e.action,
        time_nano: e.time_nano,
    }
}

fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

//! `dockhand logs`: the output of the project's service containers, each line prefixed;
//! with `-f`, followed, including containers that restart or are recreated meanwhile.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use super::engine_session;
use super::options::LogsCommand;
use crate::containers::names;
use crate::engine::streams::require;
use crate::engine::{Capability, ContainerIo, Engine, LogRequest};
use crate::follow::{now_nanos, Follow, Selector};
use crate::load::Options;
use crate::logprint::Printer;
use crate::containers::observe::ObservedContainer;
use crate::timespec;

/// How long `-f` waits, once every container has stopped, for one to come back (a recreate
/// stops the old container before starting the new one).
const RECREATE_GRACE: Duration = Duration::from_secs(3);

pub fn run(opts: &Options, cmd: &LogsCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(target) = engine_session::target(opts) else { return ExitCode::FAILURE };
        let request = match request(cmd) {
            Ok(r) => r,
            Err(e) => return engine_session::fail(&[e]),
        };
        let Some(engine) = engine_session::connect(&opts.shell_env).await else { return ExitCode::FAILURE };
        if let Err(e) = require(engine.as_ref(), Capability::Logs) {
            return engine_session::fail(&[e.to_string()]);
        }
        let project = target.name().to_string();
        let containers = match engine.list_containers(&names::project_filter(&project)).await {
            Ok(c) => c,
            Err(e) => return engine_session::fail(&[e.to_string()]),
        };
        let services = (!cmd.services.is_empty()).then(|| cmd.services.clone());
        let selector = Selector { services, index: cmd.index };
        let style = super::report::log_style(&cmd.log, &cmd.engine, &opts.shell_env);
        let printer = Printer::new(crate::logprint::Style { stderr_on_stdout: true, ..style });
        if cmd.follow {
            follow(engine, &project, printer, selector, &containers, request).await
        } else {
            print_all(engine.as_ref(), &project, &printer, &selector, &containers, &request).await
        }
    })
}

fn request(cmd: &LogsCommand) -> Result<LogRequest, String> {
    let now = now_nanos() / 1_000_000_000;
    let time = |t: &Option<String>| t.as_deref().map(|t| timespec::parse(t, now)).transpose();
    Ok(LogRequest {
        follow: cmd.follow,
        tail: Some(cmd.tail.clone()),
        since: time(&cmd.since)?,
        until: time(&cmd.until)?,
        timestamps: cmd.log.timestamps,
    })
}

/// Container by container, in name order, so that the output reads the same every time.
async fn print_all<E: ContainerIo>(
    engine: &E,
    project: &str,
    printer: &Arc<Printer>,
    selector: &Selector,
    containers: &[ObservedContainer],
    request: &LogRequest,
) -> ExitCode {
    let mut chosen: Vec<&ObservedContainer> =
        containers.iter().filter(|c| selector.matches(&c.service, c.number, c.oneoff)).collect();
    chosen.sort_by(|a, b| a.name.cmp(&b.name));
    for c in &chosen {
        printer.register(names::without_project(project, &c.name), &c.service);
    }
    for c in chosen {
        let lines = printer.lines(names::without_project(project, &c.name), &c.service);
        let output = lines.output();
        let mut stream = engine.logs(&c.id, request);
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => output(&chunk),
                Err(e) => {
                    eprintln!("error: logs of {}: {e}", c.name);
                    return ExitCode::FAILURE;
                }
            }
        }
        lines.flush();
    }
    ExitCode::SUCCESS
}

async fn follow<E: Engine + ContainerIo>(
    engine: Arc<E>,
    project: &str,
    printer: Arc<Printer>,
    selector: Selector,
    containers: &[ObservedContainer],
    request: LogRequest,
) -> ExitCode {
    let later = LogRequest { tail: None, since: None, ..request.clone() };
    let mut follow = Follow::new(engine, project, printer, selector, later, RECREATE_GRACE);
    follow.add_existing(containers, &request);
    loop {
        tokio::select! {
            ended = follow.next() => if ended.is_none() { return ExitCode::SUCCESS },
            _ = tokio::signal::ctrl_c() => return ExitCode::from(130),
        }
    }
}

//! `top`, `port`, `images`, `events`: looking at the project's containers. `cp`, `wait`,
//! `export` and `commit` open their session here too, and live in their own files.

use std::process::ExitCode;

use futures_util::StreamExt;

use super::engine_session::{self, Session};
use super::table::{self, NARROW, WIDE};
use super::options::{EngineOptions, Inspect, PsFormat};
use crate::containers::names;
use crate::engine::streams::require;
use crate::engine::{Capability, ContainerIo, Engine};
use crate::load::Options;
use crate::timespec;

pub fn run(opts: &Options, cmd: &Inspect, engine_opts: &EngineOptions) -> ExitCode {
    engine_session::block_on(async {
        let Some(mut s) = Session::open_target(opts, engine_opts).await else { return ExitCode::FAILURE };
        // `top` and `images` of a name that is no service show nothing, as the reference's do.
        let named: Vec<String> = match cmd {
            Inspect::Events { services, .. } | Inspect::Wait { services, .. } | Inspect::Volumes { services, .. } => {
                services.clone()
            }
            Inspect::Port { service, .. } => vec![service.clone()],
            // The reference says a service it does not know "is not running", as below.
            Inspect::Top { .. } | Inspect::Images { .. } | Inspect::Cp { .. } | Inspect::Export { .. } | Inspect::Commit { .. } => vec![],
        };
        let unknown = s.unknown_services(&named);
        if !unknown.is_empty() {
            return engine_session::fail(&unknown);
        }
        let result = match cmd {
            Inspect::Top { services } => top(&s, services).await,
            Inspect::Port { service, port, protocol, index } => {
                port_of(&s, service, *port, protocol.as_deref(), *index).await
            }
            Inspect::Images { services, format, quiet } => images(&s, services, *format, *quiet).await,
            Inspect::Events { services, json, since, until } => events(&s, services, *json, (since, until)).await,
            Inspect::Cp { source, destination, index } => {
                let copy = super::cp::Copy { source, destination, index: *index, dry_run: engine_opts.dry_run };
                super::cp::run(&s, &copy).await
            }
            Inspect::Wait { services, down } => super::wait::run(&mut s, services, *down, engine_opts.dry_run).await,
            Inspect::Export { service, index, output } => {
                let export = super::filesystem::Export { service, index: *index, output: output.as_ref(), dry_run: engine_opts.dry_run };
                super::filesystem::export(&s, &export).await
            }
            Inspect::Volumes { services, format, quiet } => super::volumes::run(&s, services, format.as_deref(), *quiet).await,
            Inspect::Commit { service, index, commit } => {
                super::filesystem::commit(&s, service, *index, commit, engine_opts.dry_run).await
            }
        };
        match result {
            Ok(code) => code,
            Err(e) => engine_session::fail(&[e]),
        }
    })
}

async fn top(s: &Session, services: &[String]) -> Result<ExitCode, String> {
    require(s.engine.as_ref(), Capability::Top).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let mut titles: Vec<String> = Vec::new();
    for e in s.containers_with_oneoffs(services).await?.iter().filter(|e| e.state == crate::containers::observe::RunState::Running) {
        let t = s.engine.top(&e.id).await.map_err(|err| err.to_string())?;
        titles = t.titles;
        for p in t.processes {
            // A one-off has no number: the reference leaves the column empty.
            let number = if e.oneoff { String::new() } else { e.number.to_string() };
            rows.push([vec![e.service.clone(), number], p].concat());
        }
    }
    if !rows.is_empty() {
        let header: Vec<&str> = ["SERVICE", "#"].into_iter().chain(titles.iter().map(String::as_str)).collect();
        out!("{}", table::render(&NARROW, &header, &rows));
    }
    Ok(ExitCode::SUCCESS)
}

async fn port_of(s: &Session, service: &str, port: Option<u16>, protocol: Option<&str>, index: u32) -> Result<ExitCode, String> {
    let all = s.service_containers(&[service.to_string()]).await?;
    let e = all
        .iter()
        .find(|e| e.number == index)
        .ok_or_else(|| super::exec::not_running(service, index))?;
    let Some(port) = port else {
        // As the reference lists them: exposed-only ports too, as `-> :0`.
        for p in e.publishers.iter().filter(|p| protocol.is_none_or(|want| p.protocol == want)) {
            outln!("{}/{} -> {}:{}", p.target_port, p.protocol, super::ps::host(&p.url), p.published_port);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let protocol = protocol.unwrap_or("tcp");
    let published = e
        .publishers
        .iter()
        .find(|p| p.target_port == port && p.protocol == protocol && p.published_port != 0)
        .ok_or_else(|| {
            let known: Vec<String> = e.publishers.iter().map(|p| format!("{}/{}", p.target_port, p.protocol)).collect();
            format!("no port {port}/{protocol} for container {}: {}", e.name, known.join(", "))
        })?;
    outln!("{}:{}", published.url, published.published_port);
    Ok(ExitCode::SUCCESS)
}

async fn images(s: &Session, services: &[String], format: PsFormat, quiet: bool) -> Result<ExitCode, String> {
    let now = crate::follow::now_nanos() / 1_000_000_000;
    let mut rows = Vec::new();
    let mut json = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for e in s.containers_with_oneoffs(services).await? {
        let Some(info) = s.engine.image_info(&e.image).await.map_err(|err| err.to_string())? else { continue };
        if quiet {
            // The reference prints each image once, by its id without the digest algorithm.
            let id = info.id.split_once(':').map_or(info.id.clone(), |(_, hex)| hex.to_string());
            if !ids.contains(&id) {
                outln!("{id}");
                ids.push(id);
            }
            continue;
        }
        let (repo, tag) = split_reference(&e.image);
        let created = timespec::parse(&info.created, now).unwrap_or(now);
        let short_id: String = info.id.trim_start_matches("sha256:").chars().take(12).collect();
        rows.push(vec![
            e.name.clone(),
            repo.clone(),
            tag.clone(),
            info.platform.clone(),
            short_id,
            human_size(info.size),
            format!("{} ago", super::ps::human_duration(now - created)),
        ]);
        json.push(serde_json::json!({
            "ID": info.id, "ContainerName": e.name, "Repository": repo, "Tag": tag,
            "Platform": info.platform, "Size": info.size, "Created": info.created,
            "LastTagTime": info.last_tag_time,
        }));
    }
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    match format {
        // The reference ends its JSON with an empty line.
        PsFormat::Json => outln!("{}\n", serde_json::Value::Array(json)),
        PsFormat::Table => {
            let header = ["CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE ID", "SIZE", "CREATED"];
            out!("{}", table::render(&WIDE, &header, &rows));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `busybox:latest` → (`busybox`, `latest`); a reference without a tag is `latest`.
fn split_reference(image: &str) -> (String, String) {
    let (name, tag) = crate::engine::build::split_tag(image);
    (name.to_string(), tag.unwrap_or("latest").to_string())
}

/// Sizes as docker prints them: decimal units, three significant digits (`1.99MB`).
fn human_size(bytes: i64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    let digits = if v >= 100.0 { 0 } else if v >= 10.0 { 1 } else { 2 };
    let text = format!("{v:.digits$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
    format!("{text}{}", units[i])
}

/// Until Ctrl-C (or `--until`): each container event of the project, as text or JSON lines;
/// `--since` replays the engine's past ones first.
async fn events(s: &Session, services: &[String], json: bool, window: (&Option<String>, &Option<String>)) -> Result<ExitCode, String> {
    require(s.engine.as_ref(), Capability::Events).map_err(|e| e.to_string())?;
    let now = crate::follow::now_nanos();
    let time = |t: &Option<String>| t.as_deref().map(|t| timespec::parse_precise(t, now)).transpose();
    let (since, until) = (time(window.0)?, time(window.1)?);
    let mut stream = s.engine.raw_events(&names::project_filter(&s.project.name), since, until);
    let interrupted = s.interrupted();
    loop {
        let next = tokio::select! {
            n = stream.next() => n,
            () = interrupted.cancelled() => return Ok(ExitCode::SUCCESS),
        };
        let Some(item) = next else { return Ok(ExitCode::SUCCESS) };
        let m = item.map_err(|e| e.to_string())?;
        let e = event_view(m);
        if !services.is_empty() && !services.contains(&e.service) {
            continue;
        }
        if json {
            outln!("{}", e.json());
        } else {
            outln!("{}\n", e.text());
        }
    }
}

/// An event as the reference shows it: compose's labels left out of the attributes.
struct EventView {
    time_nano: i64,
    kind: String,
    action: String,
    id: String,
    service: String,
    attributes: std::collections::BTreeMap<String, String>,
}

fn event_view(m: crate::engine::EngineEvent) -> EventView {
    let service = m.attributes.get(crate::labels::SERVICE).cloned().unwrap_or_default();
    let attributes = m
        .attributes
        .into_iter()
        .filter(|(k, _)| !k.starts_with(crate::labels::PREFIX) && !k.starts_with(crate::labels::DOCKHAND_PREFIX))
        .collect();
    EventView { time_nano: m.time_nano, kind: m.kind, action: m.action, id: m.id, service, attributes }
}

impl EventView {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "action": self.action, "attributes": self.attributes, "id": self.id,
            "service": self.service, "time": timespec::rfc3339_nanos(self.time_nano), "type": self.kind,
        })
    }

    fn text(&self) -> String {
        let attrs: Vec<String> = self.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{} {} {} {} ({})", timespec::event_time(self.time_nano), self.kind, self.action, self.id, attrs.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_references_read_like_dockers() {
        assert_eq!(human_size(1_985_472), "1.99MB");
        assert_eq!(human_size(145_000), "145kB");
        assert_eq!(human_size(12_300_000), "12.3MB");
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(2_000_000), "2MB");
        assert_eq!(split_reference("busybox:latest"), ("busybox".into(), "latest".into()));
        assert_eq!(split_reference("localhost:5000/app"), ("localhost:5000/app".into(), "latest".into()));
        assert_eq!(split_reference("shop-web"), ("shop-web".into(), "latest".into()));
    }
}

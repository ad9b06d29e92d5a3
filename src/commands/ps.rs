//! `dockhand ps`: the project's containers, as the reference lists them.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::engine_session;
use super::ps_format::{self, PsOutput};
use super::options::PsCommand;
use crate::containers::names;
use crate::engine::{Engine, PsEntry, Publisher};
use crate::load::Options;
use crate::containers::reconcile::state_name;

pub fn run(opts: &Options, cmd: &PsCommand) -> ExitCode {
    engine_session::block_on(async {
        let Some(target) = engine_session::target(opts) else { return ExitCode::FAILURE };
        let Some(engine) = engine_session::connect(&opts.shell_env).await else { return ExitCode::FAILURE };
        match engine.ps(&names::project_filter(target.name())).await {
            Ok(mut entries) => {
                if let (false, engine_session::Target::Loaded(loaded)) = (cmd.orphans, &target) {
                    entries.retain(|e| loaded.project.services.contains_key(&e.service));
                }
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
                let output = ps_format::output(cmd.format.as_deref(), &opts.shell_env);
                match render(&select(entries, cmd), cmd, &output, now) {
                    Ok(text) => {
                        out!("{text}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => engine_session::fail(&[e]),
                }
            }
            Err(e) => engine_session::fail(&[e.to_string()]),
        }
    })
}

/// Running containers (paused and restarting ones too, as `docker ps` lists them) unless
/// `-a` or `--status` says otherwise, of the named services; one-offs only with either.
fn select(mut entries: Vec<PsEntry>, cmd: &PsCommand) -> Vec<PsEntry> {
    entries.retain(|e| cmd.services.is_empty() || cmd.services.contains(&e.service));
    // The reference lists one-offs (`run`) only with `-a` or `--status`.
    entries.retain(|e| cmd.all || !cmd.status.is_empty() || !e.oneoff);
    entries.retain(|e| {
        if cmd.status.is_empty() {
            cmd.all || e.state.is_running()
        } else {
            cmd.status.iter().any(|s| s == state_name(e.state))
        }
    });
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

pub fn render(entries: &[PsEntry], cmd: &PsCommand, output: &PsOutput, now: i64) -> Result<String, String> {
    if cmd.quiet {
        return Ok(entries.iter().map(|e| format!("{}\n", e.id)).collect());
    }
    if cmd.list_services {
        let mut services: Vec<&str> = entries.iter().map(|e| e.service.as_str()).collect();
        services.sort_unstable();
        services.dedup();
        return Ok(services.iter().map(|s| format!("{s}\n")).collect());
    }
    match output {
        PsOutput::Json => Ok(entries.iter().map(|e| format!("{}\n", json_line(e, now, cmd.no_trunc))).collect()),
        PsOutput::Table => Ok(table(entries, now, cmd.no_trunc)),
        PsOutput::Template { text, table } => {
            let rows: Vec<serde_json::Value> = entries.iter().map(|e| json_line(e, now, cmd.no_trunc)).collect();
            ps_format::render(text, *table, &rows)
        }
    }
}

fn table(entries: &[PsEntry], now: i64, no_trunc: bool) -> String {
    let header = ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"];
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.name.clone(),
                e.image.clone(),
                e.quoted_command(no_trunc),
                e.service.clone(),
                format!("{} ago", human_duration(now - e.created)),
                e.status.clone(),
                ports(&e.publishers),
            ]
        })
        .collect();
    super::table::render(&super::table::PS, &header, &rows)
}

/// The PORTS column as the docker CLI writes it: ports published on the same number
/// grouped into ranges per address and protocol (unpublished ones per protocol), in the
/// order the groups first appear, then every other mapping in order.
fn ports(publishers: &[Publisher]) -> String {
    let mut sorted: Vec<&Publisher> = publishers.iter().collect();
    sorted.sort_by(|a, b| {
        let key = |p: &Publisher| (p.target_port, p.url.clone(), p.published_port, p.protocol.clone());
        key(a).cmp(&key(b))
    });
    let mut groups: Vec<(String, u16, u16)> = Vec::new();
    let mut done = Vec::new();
    let mut mappings = Vec::new();
    for p in sorted {
        if !p.url.is_empty() && p.published_port != p.target_port {
            mappings.push(format!("{}:{}->{}/{}", host(&p.url), p.published_port, p.target_port, p.protocol));
            continue;
        }
        let key = if p.url.is_empty() { p.protocol.clone() } else { format!("{}/{}", p.url, p.protocol) };
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, last)) if p.target_port == last.saturating_add(1) => *last = p.target_port,
            Some(group) => {
                done.push(port_group(&group.0, group.1, group.2));
                *group = (key, p.target_port, p.target_port);
            }
            None => groups.push((key, p.target_port, p.target_port)),
        }
    }
    done.extend(groups.iter().map(|(k, first, last)| port_group(k, *first, *last)));
    done.extend(mappings);
    done.join(", ")
}

/// `80/tcp`, `8000-8001/tcp`, or with an address `0.0.0.0:8000-8001->8000-8001/tcp`.
fn port_group(key: &str, first: u16, last: u16) -> String {
    let (ip, protocol) = key.rsplit_once('/').unwrap_or(("", key));
    let range = if first == last { first.to_string() } else { format!("{first}-{last}") };
    match ip {
        "" => format!("{range}/{protocol}"),
        ip => format!("{}:{range}->{range}/{protocol}", host(ip)),
    }
}

pub(super) fn host(ip: &str) -> String {
    if ip.contains(':') {
        format!("[{ip}]")
    } else {
        ip.to_string()
    }
}

/// The id as `docker ps` shows it: its first 12 characters unless `--no-trunc`.
fn short_id(id: &str, no_trunc: bool) -> String {
    if no_trunc {
        id.to_string()
    } else {
        id.chars().take(12).collect()
    }
}

/// One object per line, with the field names and values of the reference's `ps --format
/// json`, cut as its columns are unless `no_trunc`.
fn json_line(e: &PsEntry, now: i64, no_trunc: bool) -> serde_json::Value {
    let mounts: Vec<String> =
        e.mounts.iter().map(|m| if no_trunc { m.clone() } else { crate::gofmt::ellipsis(m, 15) }).collect();
    let labels: Vec<String> = e.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let publishers: Vec<serde_json::Value> = e
        .publishers
        .iter()
        .map(|p| json!({"URL": p.url, "TargetPort": p.target_port, "PublishedPort": p.published_port, "Protocol": p.protocol}))
        .collect();
    json!({
        "Command": e.quoted_command(no_trunc),
        "CreatedAt": created_at(e.created),
        // The engine's name in a Docker Desktop multi-engine setup; none here, as for the
        // reference on a plain engine.
        "Engine": "",
        "ExitCode": e.exit_code,
        "Health": e.health.map_or("", health_name),
        "ID": short_id(&e.id, no_trunc),
        "Image": e.image,
        "Labels": labels.join(","),
        "LocalVolumes": e.local_volumes.to_string(),
        "Mounts": mounts.join(","),
        "Name": e.name,
        "Names": e.name,
        "Networks": e.networks.join(","),
        "Ports": ports(&e.publishers),
        "Project": e.project,
        "Publishers": publishers,
        "RunningFor": format!("{} ago", human_duration(now - e.created)),
        "Service": e.service,
        "Size": "0B",
        "State": state_name(e.state),
        "Status": e.status,
    })
}

fn health_name(h: crate::containers::observe::Health) -> &'static str {
    match h {
        crate::containers::observe::Health::Starting => "starting",
        crate::containers::observe::Health::Healthy => "healthy",
        crate::containers::observe::Health::Unhealthy => "unhealthy",
    }
}

/// Durations as docker words them: `Less than a second`, `5 seconds`, `About a minute`, ….
pub fn human_duration(secs: i64) -> String {
    let plural = |n: i64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    // As Docker's go-units: hours are rounded (1 h 30 min is "2 hours"), the longer units
    // count whole ones of those hours.
    let (m, h) = (secs / 60, (secs + 1800) / 3600);
    match secs {
        s if s < 1 => "Less than a second".to_string(),
        s if s < 60 => plural(s, "second"),
        _ if m == 1 => "About a minute".to_string(),
        _ if m < 60 => format!("{m} minutes"),
        _ if h == 1 => "About an hour".to_string(),
        _ if h < 48 => format!("{h} hours"),
        _ if h < 24 * 7 * 2 => format!("{} days", h / 24),
        _ if h < 24 * 30 * 2 => format!("{} weeks", h / 24 / 7),
        _ if h < 24 * 365 * 2 => format!("{} months", h / 24 / 30),
        _ => format!("{} years", secs / 3600 / 24 / 365),
    }
}

/// `2026-11-23 18:29:55 +0000 UTC`, from unix seconds.
fn created_at(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, mo, d) = crate::timespec::civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02} +0000 UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_dockers() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(75), "About a minute");
        assert_eq!(human_duration(7200), "2 hours");
        assert_eq!(human_duration(3600 + 29 * 60), "About an hour");
        assert_eq!(human_duration(3600 + 30 * 60), "2 hours");
        assert_eq!(human_duration(86400 * 3), "3 days");
        assert_eq!(human_duration(86400 * 20), "2 weeks");
        assert_eq!(human_duration(86400 * 59), "8 weeks");
        assert_eq!(human_duration(86400 * 60), "2 months");
        assert_eq!(human_duration(86400 * 800), "2 years");
    }

    fn publisher(url: &str, published_port: u16, target_port: u16, protocol: &str) -> Publisher {
        Publisher { url: url.into(), published_port, target_port, protocol: protocol.into() }
    }

    // The columns the reference printed for the same containers.
    #[test]
    fn ports_are_grouped_and_ordered_like_the_docker_cli() {
        let ranges = [
            publisher("127.0.0.1", 28203, 28203, "udp"),
            publisher("::", 28201, 28201, "tcp"),
            publisher("0.0.0.0", 28200, 28200, "tcp"),
            publisher("", 0, 5001, "tcp"),
            publisher("", 0, 5000, "tcp"),
            publisher("0.0.0.0", 28201, 28201, "tcp"),
            publisher("::", 28200, 28200, "tcp"),
            publisher("", 0, 5002, "tcp"),
        ];
        assert_eq!(
            ports(&ranges),
            "5000-5002/tcp, 0.0.0.0:28200-28201->28200-28201/tcp, [::]:28200-28201->28200-28201/tcp, \
             127.0.0.1:28203->28203/udp"
        );
        let mapped = [
            publisher("0.0.0.0", 18443, 443, "udp"),
            publisher("::", 18443, 443, "udp"),
            publisher("127.0.0.1", 18080, 80, "tcp"),
            publisher("", 0, 90, "tcp"),
            publisher("", 0, 70, "tcp"),
        ];
        assert_eq!(
            ports(&mapped),
            "70/tcp, 90/tcp, 127.0.0.1:18080->80/tcp, 0.0.0.0:18443->443/udp, [::]:18443->443/udp"
        );
    }

    #[test]
    fn creation_time_is_printed_in_utc() {
        assert_eq!(created_at(1_795_458_595), "2026-11-23 18:29:55 +0000 UTC");
        assert_eq!(created_at(0), "1970-01-01 00:00:00 +0000 UTC");
    }
}

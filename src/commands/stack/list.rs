//! `stack ls`, `stack ps` and `stack services`: the columns, JSON fields and templates of
//! `docker stack`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde_json::{json, Value};

use super::super::ps::human_duration;
use super::super::ps_format::{self, PsOutput};
use super::super::table;
use crate::engine::swarm::{api, SwarmEngine};
use crate::load::Options;
use crate::swarm::names;
use crate::swarm::observe::{ObservedService, ObservedTask};

/// Errors are cut to this many characters unless `--no-trunc`, as the docker CLI cuts them.
const ERROR_WIDTH: usize = 30;

pub async fn ls(opts: &Options, format: Option<&str>) -> ExitCode {
    let Some(engine) = super::manager(opts).await else { return ExitCode::FAILURE };
    let services = match engine.list_services(None).await {
        Ok(s) => s,
        Err(e) => return super::fail(&[e.to_string()]),
    };
    let mut stacks: BTreeMap<String, usize> = BTreeMap::new();
    for s in &services {
        if let Some(stack) = s.stack() {
            *stacks.entry(stack).or_default() += 1;
        }
    }
    let rows: Vec<Value> = stacks.iter().map(|(name, n)| json!({"Name": name, "Services": n.to_string()})).collect();
    print_rows(format, &rows, &["NAME", "SERVICES"], &["Name", "Services"])
}

/// How `stack ps` shows tasks.
pub struct PsView<'a> {
    pub format: Option<&'a str>,
    pub no_trunc: bool,
    pub no_resolve: bool,
    pub quiet: bool,
}

pub async fn ps(opts: &Options, stack: &str, filters: &[String], view: PsView<'_>) -> ExitCode {
    let Some(engine) = super::manager(opts).await else { return ExitCode::FAILURE };
    let listed =
        futures_util::try_join!(engine.list_services(Some(stack)), engine.list_tasks(stack), engine.list_nodes());
    let (services, tasks, nodes) = match listed {
        Ok(l) => l,
        Err(e) => return super::fail(&[e.to_string()]),
    };
    if tasks.is_empty() {
        eprintln!("nothing found in stack: {stack}");
        return ExitCode::FAILURE;
    }
    let node_name = |id: &str| {
        if view.no_resolve {
            return id.to_string();
        }
        nodes.iter().find(|n| n.id == id).map_or_else(|| id.to_string(), |n| n.hostname.clone())
    };
    let service_name =
        |id: &str| services.iter().find(|s| s.id == id).map_or_else(|| id.to_string(), |s| s.name.clone());
    let now = crate::follow::now_nanos() / 1_000_000_000;
    let rows: Vec<Value> = ordered(&tasks, &service_name)
        .into_iter()
        .map(|(t, name)| task_row(t, &name, &node_name(&t.node_id), now, view.no_trunc))
        .filter(|row| filters.iter().all(|f| task_matches(row, f)))
        .collect();
    if view.quiet {
        for r in &rows {
            outln!("{}", r["ID"].as_str().unwrap_or_default());
        }
        return ExitCode::SUCCESS;
    }
    let header = ["ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS"];
    let fields = ["ID", "Name", "Image", "Node", "DesiredState", "CurrentState", "Error", "Ports"];
    print_rows(view.format, &rows, &header, &fields)
}

/// Tasks by service and slot (or node), the newest of each first; older ones are shown as
/// history under it (` \_ app_web.1`), as the docker CLI shows them.
fn ordered<'a>(tasks: &'a [ObservedTask], service_name: &dyn Fn(&str) -> String) -> Vec<(&'a ObservedTask, String)> {
    let mut keyed: Vec<(String, String, &ObservedTask)> = tasks
        .iter()
        .map(|t| {
            let service = service_name(&t.service_id);
            let instance = if t.slot > 0 { t.slot.to_string() } else { t.node_id.clone() };
            (service, instance, t)
        })
        .collect();
    keyed.sort_by(|a, b| (&a.0, slot_key(&a.1)).cmp(&(&b.0, slot_key(&b.1))).then(b.2.created_at.cmp(&a.2.created_at)));
    let mut out = Vec::new();
    let mut previous: Option<(String, String)> = None;
    for (service, instance, t) in keyed {
        let name = format!("{service}.{instance}");
        let key = Some((service, instance));
        out.push((t, if key == previous { format!(" \\_ {name}") } else { name }));
        previous = key;
    }
    out
}

/// Slots sort as numbers.
fn slot_key(instance: &str) -> (usize, &str) {
    (instance.len(), instance)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn image(spec: Option<&api::TaskSpec>, no_trunc: bool) -> String {
    let image = spec.and_then(|s| s.container_spec.as_ref()).and_then(|c| c.image.clone()).unwrap_or_default();
    if no_trunc {
        image
    } else {
        image.split('@').next().unwrap_or_default().to_string()
    }
}

fn ports(ports: &[api::EndpointPortConfig]) -> String {
    ports
        .iter()
        .map(|p| {
            let protocol = p.protocol.map(|p| p.to_string()).unwrap_or_else(|| "tcp".into());
            format!("*:{}->{}/{protocol}", p.published_port.unwrap_or(0), p.target_port.unwrap_or(0))
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn task_row(t: &ObservedTask, name: &str, node: &str, now: i64, no_trunc: bool) -> Value {
    let id = if no_trunc { t.id.clone() } else { t.id.chars().take(12).collect() };
    let error = if t.error.is_empty() {
        String::new()
    } else if no_trunc || t.error.chars().count() <= ERROR_WIDTH {
        crate::gofmt::go_quote(&t.error)
    } else {
        let cut: String = t.error.chars().take(ERROR_WIDTH - 1).collect();
        crate::gofmt::go_quote(&format!("{cut}…"))
    };
    let since = human_duration(now - t.updated_at_ms / 1000);
    json!({
        "CurrentState": format!("{} {since} ago", capitalised(&t.state)),
        "DesiredState": capitalised(&t.desired_state),
        "Error": error,
        "ID": id,
        "Image": image(t.spec.as_ref(), no_trunc),
        "Name": name,
        "Node": node,
        "Ports": ports(&t.ports),
    })
}

/// `key=value` filters: `id`, `name` (prefixes), `node`, `desired-state`.
fn task_matches(row: &Value, filter: &str) -> bool {
    let Some((key, value)) = filter.split_once('=') else { return true };
    let field = |f: &str| row[f].as_str().unwrap_or_default().to_string();
    match key {
        "id" => field("ID").starts_with(value),
        "name" => field("Name").trim_start_matches(" \\_ ").starts_with(value),
        "node" => field("Node") == value,
        "desired-state" => field("DesiredState").eq_ignore_ascii_case(value),
        _ => true,
    }
}

pub async fn services(opts: &Options, stack: &str, filters: &[String], format: Option<&str>, quiet: bool) -> ExitCode {
    let Some(engine) = super::manager(opts).await else { return ExitCode::FAILURE };
    let (mut services, tasks) =
        match futures_util::try_join!(engine.list_services(Some(stack)), engine.list_tasks(stack)) {
            Ok(l) => l,
            Err(e) => return super::fail(&[e.to_string()]),
        };
    if services.is_empty() {
        eprintln!("Nothing found in stack: {stack}");
        return ExitCode::SUCCESS;
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let rows: Vec<Value> = services
        .iter()
        .map(|s| service_row(s, &tasks))
        .filter(|row| filters.iter().all(|f| service_matches(row, stack, f)))
        .collect();
    if quiet {
        for r in &rows {
            outln!("{}", r["ID"].as_str().unwrap_or_default());
        }
        return ExitCode::SUCCESS;
    }
    print_rows(
        format,
        &rows,
        &["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"],
        &["ID", "Name", "Mode", "Replicas", "Image", "Ports"],
    )
}

fn service_row(s: &ObservedService, tasks: &[ObservedTask]) -> Value {
    let mine: Vec<&ObservedTask> = tasks.iter().filter(|t| t.service_id == s.id).collect();
    let running = mine.iter().filter(|t| t.running() && t.wants_running()).count();
    let completed = mine.iter().filter(|t| t.state == "complete").count();
    let mode = s.spec.mode.clone().unwrap_or_default();
    let (mode_text, replicas) = if let Some(r) = &mode.replicated {
        let max = s.spec.task_template.as_ref().and_then(|t| t.placement.as_ref()).and_then(|p| p.max_replicas);
        let per_node = max.filter(|m| *m > 0).map(|m| format!(" (max {m} per node)")).unwrap_or_default();
        ("replicated", format!("{running}/{}{per_node}", r.replicas.unwrap_or(1)))
    } else if mode.global.is_some() {
        ("global", format!("{running}/{}", mine.iter().filter(|t| t.wants_running()).count()))
    } else if let Some(j) = &mode.replicated_job {
        let total = j.total_completions.unwrap_or(1);
        ("replicated job", format!("{running}/{} ({completed}/{total} completed)", j.max_concurrent.unwrap_or(1)))
    } else {
        ("global job", format!("{running}/{} ({completed}/{} completed)", mine.len(), mine.len()))
    };
    let ingress: Vec<api::EndpointPortConfig> = s
        .endpoint_ports
        .iter()
        .filter(|p| p.publish_mode.map(|m| m.to_string()) != Some("host".into()))
        .cloned()
        .collect();
    json!({
        "ID": s.id.chars().take(12).collect::<String>(),
        "Image": image(s.spec.task_template.as_ref(), false),
        "Mode": mode_text,
        "Name": s.name,
        "Ports": ports(&ingress),
        "Replicas": replicas,
    })
}

fn service_matches(row: &Value, stack: &str, filter: &str) -> bool {
    let Some((key, value)) = filter.split_once('=') else { return true };
    let field = |f: &str| row[f].as_str().unwrap_or_default().to_string();
    match key {
        "id" => field("ID").starts_with(value),
        "name" => field("Name").starts_with(value) || names::service_key(stack, &field("Name")).starts_with(value),
        "mode" => field("Mode") == value,
        _ => true,
    }
}

/// A table (the default), JSON lines, or a Go template over the JSON fields.
fn print_rows(format: Option<&str>, rows: &[Value], header: &[&str], fields: &[&str]) -> ExitCode {
    let env = crate::load::Env::new();
    match ps_format::output(Some(format.unwrap_or("table")), &env) {
        PsOutput::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| fields.iter().map(|f| r[*f].as_str().unwrap_or_default().to_string()).collect())
                .collect();
            out!("{}", table::render(&table::PS, header, &cells));
        }
        PsOutput::Json => {
            for r in rows {
                outln!("{r}");
            }
        }
        PsOutput::Template { text, table } => match ps_format::render(&text, table, rows) {
            Ok(text) => out!("{text}"),
            Err(e) => return super::fail(&[e]),
        },
    }
    ExitCode::SUCCESS
}

//! Short syntax to long form, per file, before merging (ports, volumes, environment, …).
//! The long form is the shape the reference prints with `config --format json`, so that
//! merging, binding and printing all see one shape. Paths stay as written: resolving them is
//! a later phase.
use std::path::Path;

use crate::diag::Problem;
use crate::diag::yaml_path::YamlPath;
use crate::load::{merge, Mapping, Value};
use crate::units;

mod model;
pub mod ports;
pub mod shell;
pub mod volumes;

pub use model::canonicalize_model;
pub use ports::parse_port;
pub use volumes::{is_file_path, parse_volume};

pub fn canonicalize(value: Value, file: &Path) -> (Value, Vec<Problem>) {
    walk(value, file, service, resource)
}

/// Applies `service` to every service and `resource` to every network, volume, secret and
/// config of a file, each with its path, then expands `include`.
fn walk(
    mut value: Value,
    file: &Path,
    service: fn(&mut Mapping, &mut Ctx),
    resource: fn(&mut Mapping, &mut Ctx),
) -> (Value, Vec<Problem>) {
    let mut problems = Vec::new();
    if let Value::Mapping(top) = &mut value {
        for kind in ["services", "networks", "volumes", "secrets", "configs"] {
            let each = if kind == "services" { service } else { resource };
            let Some(Value::Mapping(entries)) = top.get_mut(kind) else { continue };
            for (name, entry) in entries.iter_mut() {
                if let Value::Mapping(m) = entry {
                    let path = YamlPath::root().key(kind).key(key_text(name));
                    each(m, &mut Ctx { path, problems: &mut problems });
                }
            }
        }
        if let Some(inc) = top.get_mut("include") {
            include(inc);
        }
    }
    let problems = problems.into_iter().map(|p| p.in_file(file)).collect();
    (value, problems)
}

/// Where we are in the file, and where problems go.
struct Ctx<'a> {
    path: YamlPath,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn error(&mut self, code: &'static str, path: YamlPath, message: String, help: &str) {
        self.problems
            .push(Problem::error(code, path, message).with_help(help));
    }

    fn at<'b>(&'b mut self, key: &str) -> Ctx<'b> {
        Ctx {
            path: self.path.key(key),
            problems: self.problems,
        }
    }
}

fn key_text(v: &Value) -> String {
    crate::load::yaml::scalar_text(v)
}

/// Text of a scalar as the reference keeps it in string fields (`42` → `"42"`).
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(number_text(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A float is kept as Go's `%v` prints it (`1.0` → `"1"`), as the reference does.
fn number_text(n: &serde_yaml::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => crate::gofmt::go_float(f),
        _ => n.to_string(),
    }
}

fn stringify(v: &Value) -> Value {
    scalar_string(v).map_or_else(|| v.clone(), Value::String)
}

/// Applies `f` to the value under `key`, if present.
fn with(m: &mut Mapping, key: &str, f: impl FnOnce(Value) -> Value) {
    if let Some(v) = m.get_mut(key) {
        *v = f(std::mem::take(v));
    }
}

fn service(m: &mut Mapping, cx: &mut Ctx) {
    promote_x_develop(m, &cx.path);
    no_trailing_space_names(m.get("environment"), &mut cx.at("environment"));
    for key in ["environment", "labels", "annotations", "sysctls", "storage_opt"] {
        let null = if key == "environment" {
            Null::Keep
        } else {
            Null::Empty
        };
        with(m, key, |v| to_map(v, null));
    }
    extra_hosts(m, cx);
    with(m, "depends_on", depends_on);
    with(m, "networks", |v| match list_to_null_map(v) {
        // `driver_opts: {com.example.mtu: 1500}`: numbers are read as text, as at top level.
        Value::Mapping(mut nets) => {
            for net in nets.values_mut() {
                *net = map_key(std::mem::take(net), "driver_opts", |o| to_map(o, Null::Empty));
            }
            Value::Mapping(nets)
        }
        other => other,
    });
    with(m, "models", list_to_null_map);
    with(m, "env_file", env_file);
    for key in ["dns", "dns_search", "dns_opt", "tmpfs", "label_file"] {
        with(m, key, one_or_many);
    }
    for key in ["expose", "group_add"] {
        with(m, key, |v| map_seq(one_or_many(v), |x| stringify(&x)));
    }
    for key in ["secrets", "configs"] {
        with(m, key, |v| map_seq(v, source_ref));
    }
    with(m, "devices", |v| map_seq(v, device));
    with(m, "extends", |v| short_to_map(v, "service"));
    with(m, "gpus", |v| device_requests(gpus(v)));
    with(m, "logging", |v| {
        map_key(v, "options", |o| to_map(o, Null::Empty))
    });
    for key in ["command", "entrypoint"] {
        let path = cx.path.key(key);
        with(m, key, |v| command(v, &path, cx.problems));
    }
    for key in ["post_start", "pre_start", "pre_stop"] {
        let mut hc = cx.at(key);
        with(m, key, |v| hooks(v, &mut hc));
    }
    for key in ["mem_limit", "mem_reservation", "memswap_limit", "shm_size"] {
        size_at(m, key, cx);
    }
    duration_at(m, "stop_grace_period", cx);
    if let Some(Value::Mapping(b)) = m.get_mut("build").map(short_build) {
        build(b, &mut cx.at("build"));
    }
    if let Some(Value::Mapping(d)) = m.get_mut("develop") {
        develop(d, &mut cx.at("develop"));
    }
    if let Some(Value::Mapping(h)) = m.get_mut("healthcheck") {
        healthcheck(h, &mut cx.at("healthcheck"));
    }
    if let Some(Value::Mapping(d)) = m.get_mut("deploy") {
        deploy(d, &mut cx.at("deploy"));
    }
    if let Some(Value::Sequence(ports)) = m.get_mut("ports") {
        *ports = service_ports(std::mem::take(ports), &mut cx.at("ports"));
    }
    if let Some(Value::Sequence(vols)) = m.get_mut("volumes") {
        *vols = service_volumes(std::mem::take(vols), &mut cx.at("volumes"));
    }
}

#[derive(Clone, Copy)]
enum Null {
    /// `environment: [FOO]` means "take FOO from the caller", kept as null.
    Keep,
    /// `labels: [foo]` means an empty label.
    Empty,
}

/// `[K=V, K]` or `{K: V}` → `{K: "V"}`.
fn to_map(v: Value, null: Null) -> Value {
    let absent = || match null {
        Null::Keep => Value::Null,
        Null::Empty => Value::String(String::new()),
    };
    match v {
        Value::Sequence(items) => Value::Mapping(
            items
                .iter()
                .filter_map(scalar_string)
                .map(|item| match item.split_once('=') {
                    Some((k, v)) => (Value::from(k), Value::from(v)),
                    None => (Value::from(item), absent()),
                })
                .collect(),
        ),
        Value::Mapping(mut m) => {
            for v in m.values_mut() {
                if v.is_null() {
                    *v = absent();
                } else if !v.is_string() {
                    *v = stringify(v);
                }
            }
            Value::Mapping(m)
        }
        other => other,
    }
}

/// `["DEBUG = true"]`: the reference refuses a variable name that ends in a space in the
/// list form of `environment` and `build.args`, which would otherwise be `"DEBUG "`.
fn no_trailing_space_names(v: Option<&Value>, cx: &mut Ctx) {
    let Some(Value::Sequence(items)) = v else { return };
    for (i, item) in items.iter().enumerate() {
        let Some(name) = item.as_str().map(|s| s.split_once('=').map_or(s, |(k, _)| k)) else { continue };
        if name.ends_with(char::is_whitespace) {
            cx.error(
                "dockhand::invalid_variable",
                cx.path.index(i),
                format!("environment variable {name} is declared with a trailing space"),
                "write NAME=value without spaces around `=`",
            );
        }
    }
}

/// `["host:ip", "host=ip,ip"]` or `{host: ip | [ips]}` → `{host: [ips]}`, as the reference
/// reads them: the list form splits addresses at commas, both drop `[]` around an address,
/// and an entry without an address or a host name with `:` or `=` in it is refused.
fn extra_hosts(m: &mut Mapping, cx: &mut Ctx) {
    let Some(v) = m.get_mut("extra_hosts") else { return };
    let mut out = Mapping::new();
    let mut add = |host: String, ips: Vec<String>, at: YamlPath, cx: &mut Ctx| {
        if host.is_empty() || host.contains([':', '=']) {
            return cx.error("dockhand::invalid_extra_host", at, format!("bad host name '{host}'"), EXTRA_HOST_HELP);
        }
        let entry = out.entry(Value::from(host)).or_insert_with(|| Value::Sequence(Vec::new()));
        if let Value::Sequence(all) = entry {
            all.extend(ips.iter().map(|ip| Value::from(strip_brackets(ip))));
        }
    };
    let path = cx.path.key("extra_hosts");
    match v {
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                let Some(item) = scalar_string(item) else { continue };
                match item.split_once('=').or_else(|| item.split_once(':')) {
                    Some((h, ips)) => add(h.to_string(), ips.split(',').map(str::to_string).collect(), path.index(i), cx),
                    None => cx.error(
                        "dockhand::invalid_extra_host",
                        path.index(i),
                        format!("invalid additional host, missing IP: {item}"),
                        EXTRA_HOST_HELP,
                    ),
                }
            }
        }
        Value::Mapping(hosts) => {
            for (k, v) in hosts.iter() {
                let host = key_text(k);
                let ips = match v {
                    Value::Sequence(ips) => ips.iter().filter_map(scalar_string).collect(),
                    other => vec![scalar_string(other).unwrap_or_default()],
                };
                add(host.clone(), ips, path.key(host), cx);
            }
        }
        _ => return,
    }
    *v = Value::Mapping(out);
}

const EXTRA_HOST_HELP: &str = "write HOST=IP or HOST:IP, e.g. \"db.local=10.0.0.2\"";

fn strip_brackets(ip: &str) -> String {
    ip.strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(ip)
        .to_string()
}

/// `[db]` → `{db: {condition: service_started, required: true}}`; long entries get defaults.
fn depends_on(v: Value) -> Value {
    let with_defaults = |entry: Value| {
        let mut m = match entry {
            Value::Mapping(m) => m,
            _ => Mapping::new(),
        };
        m.entry("condition".into())
            .or_insert_with(|| "service_started".into());
        m.entry("required".into()).or_insert(Value::Bool(true));
        Value::Mapping(m)
    };
    match v {
        Value::Sequence(items) => Value::Mapping(
            items
                .iter()
                .filter_map(scalar_string)
                .map(|s| (Value::from(s), with_defaults(Value::Null)))
                .collect(),
        ),
        Value::Mapping(mut m) => {
            m.values_mut().for_each(|v| *v = with_defaults(std::mem::take(v)));
            Value::Mapping(m)
        }
        other => other,
    }
}

fn list_to_null_map(v: Value) -> Value {
    match v {
        Value::Sequence(items) => Value::Mapping(
            items
                .iter()
                .filter_map(scalar_string)
                .map(|s| (Value::from(s), Value::Null))
                .collect(),
        ),
        other => other,
    }
}

/// `a.env` or `[a.env, {path: b.env}]` → `[{path, required}]`.
fn env_file(v: Value) -> Value {
    map_seq(one_or_many(v), |item| {
        let mut m = match item {
            Value::Mapping(m) => m,
            scalar => Mapping::from_iter([(Value::from("path"), stringify(&scalar))]),
        };
        m.entry("required".into()).or_insert(Value::Bool(true));
        Value::Mapping(m)
    })
}

fn one_or_many(v: Value) -> Value {
    match v {
        Value::Sequence(_) | Value::Null => v,
        scalar => Value::Sequence(vec![scalar]),
    }
}

fn map_seq(v: Value, f: impl Fn(Value) -> Value) -> Value {
    match v {
        Value::Sequence(items) => Value::Sequence(items.into_iter().map(f).collect()),
        other => other,
    }
}

fn map_key(v: Value, key: &str, f: impl FnOnce(Value) -> Value) -> Value {
    match v {
        Value::Mapping(mut m) => {
            with(&mut m, key, f);
            Value::Mapping(m)
        }
        other => other,
    }
}

/// A bare string stands for the one required field of a mapping (`extends: web`).
fn short_to_map(v: Value, field: &str) -> Value {
    match v {
        Value::String(s) => Value::Mapping(Mapping::from_iter([(Value::from(field), Value::from(s))])),
        other => other,
    }
}

fn source_ref(v: Value) -> Value {
    short_to_map(v, "source")
}

/// `/dev/a[:/dev/b[:perms]]` → `{source, target, permissions}`.
fn device(v: Value) -> Value {
    let Value::String(s) = &v else { return v };
    let parts: Vec<&str> = s.split(':').collect();
    let (source, target, perms) = match parts.as_slice() {
        [src] => (*src, *src, "rwm"),
        [src, dst] => (*src, *dst, "rwm"),
        [src, dst, perms, ..] => (*src, *dst, *perms),
        [] => return v,
    };
    Value::Mapping(Mapping::from_iter([
        (Value::from("source"), Value::from(source)),
        (Value::from("target"), Value::from(target)),
        (Value::from("permissions"), Value::from(perms)),
    ]))
}

/// A device request's `options` are text to the engine: `{virtualization: false}` is "false".
fn device_requests(v: Value) -> Value {
    map_seq(v, |d| map_key(d, "options", |o| to_map(o, Null::Empty)))
}

/// `gpus: all` asks for every GPU.
fn gpus(v: Value) -> Value {
    match v {
        Value::String(s) if s == "all" => Value::Sequence(vec![Value::Mapping(Mapping::from_iter([(
            Value::from("count"),
            Value::from(-1),
        )]))]),
        other => other,
    }
}

fn command(v: Value, path: &YamlPath, problems: &mut Vec<Problem>) -> Value {
    match v {
        Value::String(s) => match shell::split(&s) {
            Ok(split) => {
                if let Some(dropped) = &split.dropped {
                    problems.push(dropped_by_split(path, &s, dropped));
                }
                Value::Sequence(split.words.into_iter().map(Value::from).collect())
            }
            Err(e) => {
                problems.push(
                    Problem::error("dockhand::invalid_command", path.clone(), e)
                        .with_help("close the quote, or write the command as a list"),
                );
                Value::String(s)
            }
        },
        Value::Sequence(items) => Value::Sequence(items.iter().map(stringify).collect()),
        other => other,
    }
}

/// The reference silently runs only the words before an unquoted shell operator; the user
/// most likely meant a shell to run the whole line.
fn dropped_by_split(path: &YamlPath, line: &str, dropped: &str) -> Problem {
    Problem::warning(
        "dockhand::shell_operator",
        path.clone(),
        format!(
            "{path}: {dropped:?} is not run: the command ends at the unquoted shell operator, as with docker compose; \
             for a shell to run the whole line, write [\"sh\", \"-c\", {line:?}]"
        ),
    )
    .with_help("a command string is split into words, it is not given to a shell")
}

fn hooks(v: Value, cx: &mut Ctx) -> Value {
    let Value::Sequence(items) = v else { return v };
    let hooks = items.into_iter().enumerate().map(|(i, item)| {
        let Value::Mapping(mut m) = item else { return item };
        hook(&mut m, &cx.path.index(i), cx.problems);
        Value::Mapping(m)
    });
    Value::Sequence(hooks.collect())
}

fn hook(m: &mut Mapping, at: &YamlPath, problems: &mut Vec<Problem>) {
    let path = at.key("command");
    with(m, "command", |c| command(c, &path, problems));
    with(m, "environment", |e| to_map(e, Null::Keep));
}

/// `x-develop` was the name of `develop` before the specification adopted it. Like the
/// reference, it still counts, under what `develop` itself sets.
fn promote_x_develop(m: &mut Mapping, at: &YamlPath) {
    let Some(legacy) = m.remove("x-develop") else {
        return;
    };
    let merged = match m.remove("develop") {
        Some(develop) => merge::merge_under(&at.key("develop"), legacy, develop, &[], &[]),
        None => legacy,
    };
    m.insert("develop".into(), merged);
}

fn develop(d: &mut Mapping, cx: &mut Ctx) {
    let Some(Value::Sequence(rules)) = d.get_mut("watch") else {
        return;
    };
    for (i, rule) in rules.iter_mut().enumerate() {
        if let Value::Mapping(r) = rule {
            watch_rule(r, &cx.path.key("watch").index(i), cx.problems);
        }
    }
}

fn watch_rule(r: &mut Mapping, at: &YamlPath, problems: &mut Vec<Problem>) {
    watch_rule_shape(r);
    if let Some(Value::Mapping(exec)) = r.get_mut("exec") {
        hook(exec, &at.key("exec"), problems);
    }
}

/// `x-initialSync` is the older name of `initial_sync`; the reference drops it, and the
/// attribute wins when both are set. `include`/`ignore` may be one pattern.
fn watch_rule_shape(r: &mut Mapping) {
    if let Some(legacy) = r.remove("x-initialSync") {
        r.entry("initial_sync".into()).or_insert(legacy);
    }
    for key in ["include", "ignore"] {
        with(r, key, one_or_many);
    }
}

/// Byte sizes become the decimal string the reference prints.
fn size_at(m: &mut Mapping, key: &str, cx: &mut Ctx) {
    let Some(v) = m.get_mut(key) else { return };
    let parsed = match &*v {
        Value::Number(n) => n.as_i64().map(Ok),
        Value::String(s) => Some(s.trim().parse::<i64>().or_else(|_| {
            units::parse_bytes(s).and_then(|n| i64::try_from(n).map_err(|_| format!("size too large: '{s}'")))
        })),
        _ => None,
    };
    match parsed {
        Some(Ok(n)) => *v = Value::String(n.to_string()),
        Some(Err(e)) => cx.error(
            "dockhand::invalid_size",
            cx.path.key(key),
            e,
            "write a size such as 512m, 1g or 1048576",
        ),
        None => {}
    }
}

/// Durations are rewritten in Go's notation (`90s` → `1m30s`), as the reference prints them.
fn duration_at(m: &mut Mapping, key: &str, cx: &mut Ctx) {
    let Some(v) = m.get_mut(key) else { return };
    let text = match &*v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return,
    };
    match units::parse_duration(&text) {
        Ok(d) => *v = Value::String(units::format_duration(d)),
        Err(e) => cx.error(
            "dockhand::invalid_duration",
            cx.path.key(key),
            e,
            "write a duration such as 30s, 1m30s or 500ms",
        ),
    }
}

fn short_build(v: &mut Value) -> &mut Value {
    if let Value::String(_) = v {
        *v = short_to_map(std::mem::take(v), "context");
    }
    v
}

fn build(b: &mut Mapping, cx: &mut Ctx) {
    no_trailing_space_names(b.get("args"), &mut cx.at("args"));
    with(b, "args", |v| to_map(v, Null::Keep));
    with(b, "labels", |v| to_map(v, Null::Empty));
    extra_hosts(b, cx);
    with(b, "secrets", |v| map_seq(v, source_ref));
    with(b, "additional_contexts", |v| to_map(v, Null::Empty));
    size_at(b, "shm_size", cx);
}

fn healthcheck(h: &mut Mapping, cx: &mut Ctx) {
    with(h, "test", |v| match v {
        Value::String(s) => Value::Sequence(vec!["CMD-SHELL".into(), Value::String(s)]),
        other => other,
    });
    for key in ["interval", "timeout", "start_period", "start_interval"] {
        duration_at(h, key, cx);
    }
}

fn deploy(d: &mut Mapping, cx: &mut Ctx) {
    with(d, "labels", |v| to_map(v, Null::Empty));
    for key in ["update_config", "rollback_config"] {
        if let Some(Value::Mapping(u)) = d.get_mut(key) {
            let mut ucx = cx.at(key);
            duration_at(u, "delay", &mut ucx);
            duration_at(u, "monitor", &mut ucx);
        }
    }
    if let Some(Value::Mapping(r)) = d.get_mut("restart_policy") {
        let mut rcx = cx.at("restart_policy");
        duration_at(r, "delay", &mut rcx);
        duration_at(r, "window", &mut rcx);
    }
    if let Some(Value::Mapping(res)) = d.get_mut("resources") {
        for key in ["limits", "reservations"] {
            if let Some(Value::Mapping(l)) = res.get_mut(key) {
                size_at(l, "memory", &mut cx.at("resources").at(key));
                with(l, "devices", device_requests);
            }
        }
    }
}

fn service_ports(items: Vec<Value>, cx: &mut Ctx) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::Mapping(mut m) => {
                with(&mut m, "published", |p| stringify(&p));
                out.push(Value::Mapping(m));
            }
            other => match scalar_string(&other).map(|s| parse_port(&s)) {
                Some(Ok(entries)) => out.extend(entries),
                Some(Err(e)) => {
                    cx.error("dockhand::invalid_port", cx.path.index(i), e, PORT_HELP);
                    out.push(other);
                }
                None => out.push(other),
            },
        }
    }
    out
}

const PORT_HELP: &str =
    "write [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. \"8080:80\" or \"127.0.0.1:53:53/udp\"";

fn service_volumes(items: Vec<Value>, cx: &mut Ctx) -> Vec<Value> {
    let parse = |(i, item): (usize, Value), cx: &mut Ctx| match item {
        Value::String(s) => match parse_volume(&s) {
            Ok(v) => v,
            Err(e) => {
                cx.error("dockhand::invalid_volume", cx.path.index(i), e, VOLUME_HELP);
                Value::String(s)
            }
        },
        Value::Mapping(mut m) => {
            if let Some(Value::Mapping(t)) = m.get_mut("tmpfs") {
                size_at(t, "size", &mut cx.at("tmpfs"));
            }
            // The reference cleans a long-form target as it cleans a short one (`/logs/` → `/logs`).
            if let Some(Value::String(t)) = m.get_mut("target").filter(|t| t.as_str().is_some_and(|t| !t.is_empty())) {
                *t = volumes::clean(t);
            }
            Value::Mapping(m)
        }
        other => other,
    };
    items.into_iter().enumerate().map(|x| parse(x, cx)).collect()
}

const VOLUME_HELP: &str =
    "write [SOURCE:]TARGET[:OPTIONS], e.g. \"./data:/data:ro\" or \"dbdata:/var/lib/db\"";

/// Top-level networks, volumes, secrets and configs.
fn resource(m: &mut Mapping, cx: &mut Ctx) {
    with(m, "labels", |v| to_map(v, Null::Empty));
    with(m, "driver_opts", |v| to_map(v, Null::Empty));
    legacy_external_name(m, cx);
}

/// `external: {name: x}` is the old spelling of `name: x` + `external: true`. Rewritten
/// here, per file, as the reference does; a different `name:` beside it is an error.
fn legacy_external_name(m: &mut Mapping, cx: &mut Ctx) {
    let Some(Value::Mapping(ext)) = m.get("external") else { return };
    let old = ext.get("name").and_then(scalar_string);
    m.insert("external".into(), Value::Bool(true));
    let Some(old) = old else { return };
    let path = &cx.path;
    cx.problems.push(
        Problem::warning(
            "dockhand::deprecated",
            path.key("external").key("name"),
            format!("{path}: external.name is deprecated. Please set name and external: true"),
        )
        .with_help("set `name:` and `external: true` instead"),
    );
    match m.get("name").and_then(scalar_string) {
        Some(name) if name != old => cx.problems.push(
            Problem::error(
                "dockhand::external_name_conflict",
                path.key("name"),
                format!("{path}: name and external.name conflict; only use name"),
            )
            .with_help("remove `external.name` and keep `name` with `external: true`"),
        ),
        Some(_) => {}
        None => {
            m.insert("name".into(), Value::String(old));
        }
    }
}

/// `include: [a.yaml]` → `[{path: [a.yaml]}]`; single path and env_file strings → lists.
fn include(v: &mut Value) {
    *v = map_seq(std::mem::take(v), |item| {
        let mut m = match item {
            Value::Mapping(m) => m,
            scalar => Mapping::from_iter([(Value::from("path"), scalar)]),
        };
        with(&mut m, "path", one_or_many);
        with(&mut m, "env_file", one_or_many);
        Value::Mapping(m)
    });
}

#[cfg(test)]
mod tests;

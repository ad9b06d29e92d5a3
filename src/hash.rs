//! The config hash of a service, stored in the `com.docker.compose.config-hash` label.
//!
//! The reference hashes the JSON its Go encoder writes for the service: struct fields in the
//! order compose-go declares them, map keys sorted, `<`, `>` and `&` escaped. A container
//! whose label holds the same digest is up to date, so the text must match byte for byte
//! or every container made by one tool would be recreated by the other.
pub mod resource;

use std::collections::BTreeMap;

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::model::Service;

/// sha256 (hex) of the service's JSON form, without what may change without recreating
/// its containers: how the image is built or pulled, how many replicas run, what it depends
/// on and which profiles enable it. Extensions are left out as the reference's JSON leaves
/// them out.
pub fn config_hash(service: &Service) -> String {
    hash_of(service.json_view())
}

/// The services whose containers a service's hash names once resolved: those whose network,
/// IPC or PID namespace it joins, and those it takes volumes from.
pub fn referenced_services(service: &Service) -> Vec<String> {
    let mut out: Vec<String> = shared_references(service).into_iter().map(|(s, _)| s.to_string()).collect();
    out.sort();
    out.dedup();
    out
}

/// Each service another shares with, and what it shares: `network namespace`, `IPC namespace`,
/// `PID namespace` or `volume`.
pub fn shared_references(service: &Service) -> Vec<(&str, &'static str)> {
    let modes = [(&service.network_mode, "network namespace"), (&service.ipc, "IPC namespace"), (&service.pid, "PID namespace")];
    let joined = modes.into_iter().filter_map(|(mode, what)| Some((mode.as_deref()?.strip_prefix("service:")?, what)));
    let from = service.volumes_from.iter().filter_map(|v| Some((volumes_from_service(v)?, "volume")));
    joined.chain(from).collect()
}

/// The service a `volumes_from` entry names, unless it names a container.
fn volumes_from_service(entry: &str) -> Option<&str> {
    entry.split(':').next().filter(|first| *first != "container")
}

/// The hash the reference writes on a container of a service that shares another's
/// namespaces or volumes: it hashes the service with each `service:x` mode replaced by
/// `container:<id>` and each `volumes_from` entry by the bare container id (or name, for
/// `container:name`), where the id is that of the first container of `x` by name.
/// `ids` gives that id by service; a service missing from it is left as written.
pub fn resolved_config_hash(service: &Service, ids: &BTreeMap<String, String>) -> String {
    let mut s = service.json_view();
    for mode in [&mut s.network_mode, &mut s.ipc, &mut s.pid] {
        let id = mode.as_deref().and_then(|m| m.strip_prefix("service:")).and_then(|x| ids.get(x));
        if let Some(id) = id {
            *mode = Some(format!("container:{id}"));
        }
    }
    for entry in &mut s.volumes_from {
        let resolved = match entry.split(':').collect::<Vec<_>>().as_slice() {
            ["container", name, ..] => Some(name.to_string()),
            [service, ..] => ids.get(*service).cloned(),
            [] => None,
        };
        if let Some(r) = resolved {
            *entry = r;
        }
    }
    hash_of(s)
}

fn hash_of(mut s: Service) -> String {
    s.build = None;
    s.pull_policy = None;
    s.scale = None;
    s.depends_on.clear();
    s.profiles.clear();
    if let Some(d) = &mut s.deploy {
        d.replicas = None;
    }
    let json = serde_json::to_value(&s).unwrap_or(Json::Null);
    let mut text = String::new();
    write(&json, &SERVICE, &mut text);
    hex(&Sha256::digest(text.as_bytes()))
}

/// The shape of a Go type as its JSON encoder sees it: what decides the key order.
enum Shape {
    /// A scalar, or a value whose layout does not matter.
    Leaf,
    List(&'static Shape),
    /// A Go map: keys sorted.
    Map(&'static Shape),
    /// A Go struct: fields in declaration order.
    Struct(&'static [(&'static str, Shape)]),
}

use Shape::{Leaf, List, Map, Struct};

/// compose-go's `ServiceConfig`. `pre_start` hooks are whole services in the reference's
/// model (they inherit the service's image, networks and the like).
static SERVICE: Shape = Struct(&[
    ("profiles", Leaf),
    ("annotations", Map(&Leaf)),
    ("attach", Leaf),
    ("build", Leaf),
    ("develop", Struct(&[("watch", List(&TRIGGER))])),
    ("blkio_config", BLKIO),
    ("cap_add", Leaf),
    ("cap_drop", Leaf),
    ("cgroup_parent", Leaf),
    ("cgroup", Leaf),
    ("cpu_count", Leaf),
    ("cpu_percent", Leaf),
    ("cpu_period", Leaf),
    ("cpu_quota", Leaf),
    ("cpu_rt_period", Leaf),
    ("cpu_rt_runtime", Leaf),
    ("cpus", Leaf),
    ("cpuset", Leaf),
    ("cpu_shares", Leaf),
    ("command", Leaf),
    ("configs", List(&FILE_REF)),
    ("container_name", Leaf),
    (
        "credential_spec",
        Struct(&[("config", Leaf), ("file", Leaf), ("registry", Leaf)]),
    ),
    ("depends_on", Leaf),
    ("deploy", DEPLOY),
    ("device_cgroup_rules", Leaf),
    (
        "devices",
        List(&Struct(&[
            ("source", Leaf),
            ("target", Leaf),
            ("permissions", Leaf),
        ])),
    ),
    ("dns", Leaf),
    ("dns_opt", Leaf),
    ("dns_search", Leaf),
    ("dockerfile", Leaf),
    ("domainname", Leaf),
    ("entrypoint", Leaf),
    ("provider", Struct(&[("type", Leaf), ("options", Map(&Leaf))])),
    ("environment", Map(&Leaf)),
    (
        "env_file",
        List(&Struct(&[("path", Leaf), ("required", Leaf), ("format", Leaf)])),
    ),
    ("expose", Leaf),
    ("extends", Struct(&[("file", Leaf), ("service", Leaf)])),
    ("external_links", Leaf),
    ("extra_hosts", Leaf),
    ("group_add", Leaf),
    ("gpus", List(&DEVICE_REQUEST)),
    ("hostname", Leaf),
    ("healthcheck", HEALTHCHECK),
    ("image", Leaf),
    ("init", Leaf),
    ("ipc", Leaf),
    ("isolation", Leaf),
    ("labels", Map(&Leaf)),
    ("label_file", Leaf),
    ("links", Leaf),
    ("logging", Struct(&[("driver", Leaf), ("options", Map(&Leaf))])),
    ("log_driver", Leaf),
    ("log_opt", Map(&Leaf)),
    ("mem_limit", Leaf),
    ("mem_reservation", Leaf),
    ("memswap_limit", Leaf),
    ("mem_swappiness", Leaf),
    ("mac_address", Leaf),
    ("models", Map(&Struct(&[("endpoint_var", Leaf)]))),
    ("net", Leaf),
    ("network_mode", Leaf),
    ("networks", Map(&SERVICE_NETWORK)),
    ("oom_kill_disable", Leaf),
    ("oom_score_adj", Leaf),
    ("pid", Leaf),
    ("pids_limit", Leaf),
    ("platform", Leaf),
    ("ports", List(&PORT)),
    ("privileged", Leaf),
    ("pull_policy", Leaf),
    ("read_only", Leaf),
    ("restart", Leaf),
    ("runtime", Leaf),
    ("scale", Leaf),
    ("secrets", List(&FILE_REF)),
    ("security_opt", Leaf),
    ("shm_size", Leaf),
    ("stdin_open", Leaf),
    ("stop_grace_period", Leaf),
    ("stop_signal", Leaf),
    ("storage_opt", Map(&Leaf)),
    ("sysctls", Map(&Leaf)),
    ("tmpfs", Leaf),
    ("tty", Leaf),
    (
        "ulimits",
        Map(&Struct(&[("single", Leaf), ("soft", Leaf), ("hard", Leaf)])),
    ),
    ("use_api_socket", Leaf),
    ("user", Leaf),
    ("userns_mode", Leaf),
    ("uts", Leaf),
    ("volume_driver", Leaf),
    ("volumes", List(&VOLUME)),
    ("volumes_from", Leaf),
    ("working_dir", Leaf),
    ("post_start", List(&HOOK)),
    ("pre_start", List(&SERVICE)),
    ("pre_stop", List(&HOOK)),
]);

const TRIGGER: Shape = Struct(&[
    ("path", Leaf),
    ("action", Leaf),
    ("target", Leaf),
    ("exec", HOOK),
    ("include", Leaf),
    ("ignore", Leaf),
    ("initial_sync", Leaf),
]);

const HOOK: Shape = Struct(&[
    ("command", Leaf),
    ("user", Leaf),
    ("privileged", Leaf),
    ("working_dir", Leaf),
    ("environment", Map(&Leaf)),
]);

const THROTTLE: Shape = Struct(&[("Path", Leaf), ("Rate", Leaf)]);

const BLKIO: Shape = Struct(&[
    ("weight", Leaf),
    (
        "weight_device",
        List(&Struct(&[("Path", Leaf), ("Weight", Leaf)])),
    ),
    ("device_read_bps", List(&THROTTLE)),
    ("device_read_iops", List(&THROTTLE)),
    ("device_write_bps", List(&THROTTLE)),
    ("device_write_iops", List(&THROTTLE)),
]);

const FILE_REF: Shape = Struct(&[
    ("source", Leaf),
    ("target", Leaf),
    ("uid", Leaf),
    ("gid", Leaf),
    ("mode", Leaf),
]);

const DEVICE_REQUEST: Shape = Struct(&[
    ("capabilities", Leaf),
    ("driver", Leaf),
    ("count", Leaf),
    ("device_ids", Leaf),
    ("options", Map(&Leaf)),
]);

const UPDATE: Shape = Struct(&[
    ("parallelism", Leaf),
    ("delay", Leaf),
    ("failure_action", Leaf),
    ("monitor", Leaf),
    ("max_failure_ratio", Leaf),
    ("order", Leaf),
]);

const RESOURCE: Shape = Struct(&[
    ("cpus", Leaf),
    ("memory", Leaf),
    ("pids", Leaf),
    ("devices", List(&DEVICE_REQUEST)),
    (
        "generic_resources",
        List(&Struct(&[(
            "discrete_resource_spec",
            Struct(&[("kind", Leaf), ("value", Leaf)]),
        )])),
    ),
]);

const DEPLOY: Shape = Struct(&[
    ("mode", Leaf),
    ("replicas", Leaf),
    ("labels", Map(&Leaf)),
    ("update_config", UPDATE),
    ("rollback_config", UPDATE),
    (
        "resources",
        Struct(&[("limits", RESOURCE), ("reservations", RESOURCE)]),
    ),
    (
        "restart_policy",
        Struct(&[
            ("condition", Leaf),
            ("delay", Leaf),
            ("max_attempts", Leaf),
            ("window", Leaf),
        ]),
    ),
    (
        "placement",
        Struct(&[
            ("constraints", Leaf),
            ("preferences", List(&Struct(&[("spread", Leaf)]))),
            ("max_replicas_per_node", Leaf),
        ]),
    ),
    ("endpoint_mode", Leaf),
]);

const HEALTHCHECK: Shape = Struct(&[
    ("test", Leaf),
    ("timeout", Leaf),
    ("interval", Leaf),
    ("retries", Leaf),
    ("start_period", Leaf),
    ("start_interval", Leaf),
    ("disable", Leaf),
]);

const SERVICE_NETWORK: Shape = Struct(&[
    ("aliases", Leaf),
    ("driver_opts", Map(&Leaf)),
    ("gw_priority", Leaf),
    ("interface_name", Leaf),
    ("ipv4_address", Leaf),
    ("ipv6_address", Leaf),
    ("link_local_ips", Leaf),
    ("mac_address", Leaf),
    ("priority", Leaf),
]);

const PORT: Shape = Struct(&[
    ("name", Leaf),
    ("mode", Leaf),
    ("host_ip", Leaf),
    ("target", Leaf),
    ("published", Leaf),
    ("protocol", Leaf),
    ("app_protocol", Leaf),
]);

const VOLUME: Shape = Struct(&[
    ("type", Leaf),
    ("source", Leaf),
    ("target", Leaf),
    ("read_only", Leaf),
    ("consistency", Leaf),
    (
        "bind",
        Struct(&[
            ("selinux", Leaf),
            ("propagation", Leaf),
            ("create_host_path", Leaf),
            ("recursive", Leaf),
        ]),
    ),
    (
        "volume",
        Struct(&[("labels", Map(&Leaf)), ("nocopy", Leaf), ("subpath", Leaf)]),
    ),
    ("tmpfs", Struct(&[("size", Leaf), ("mode", Leaf)])),
    ("image", Struct(&[("subpath", Leaf)])),
]);

/// Writes `v` as Go's encoder would for a value of shape `shape`.
fn write(v: &Json, shape: &Shape, out: &mut String) {
    match (v, shape) {
        (Json::Array(items), List(inner)) => write_list(items, inner, out),
        (Json::Object(m), Map(inner)) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            write_object(keys.into_iter().map(|k| (k.as_str(), &m[k], *inner)), out);
        }
        (Json::Object(m), Struct(fields)) => {
            let known = fields.iter().filter_map(|(k, s)| m.get(*k).map(|v| (*k, v, s)));
            // A key the table does not know keeps its place after the known ones; the
            // table follows the model, so this only happens while the two disagree.
            let unknown = m
                .iter()
                .filter(|(k, _)| !fields.iter().any(|(f, _)| f == k))
                .map(|(k, v)| (k.as_str(), v, &Leaf));
            write_object(known.chain(unknown), out);
        }
        (Json::Array(items), _) => write_list(items, &Leaf, out),
        (Json::Object(m), _) => {
            write_object(m.iter().map(|(k, v)| (k.as_str(), v, &Leaf)), out);
        }
        (Json::Number(n), _) => out.push_str(&go_number(n)),
        (Json::String(s), _) => out.push_str(&go_string(s)),
        (other, _) => out.push_str(&other.to_string()),
    }
}

fn write_list(items: &[Json], shape: &Shape, out: &mut String) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(item, shape, out);
    }
    out.push(']');
}

fn write_object<'a>(entries: impl Iterator<Item = (&'a str, &'a Json, &'a Shape)>, out: &mut String) {
    out.push('{');
    for (i, (k, v, s)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&go_string(k));
        out.push(':');
        write(v, s, out);
    }
    out.push('}');
}

/// A JSON string as Go writes it: HTML-sensitive characters and the JavaScript line
/// separators escaped as well.
fn go_string(s: &str) -> String {
    go_escaped(&serde_json::to_string(s).unwrap_or_default())
}

/// serde_json's text with what Go's encoder escapes and serde_json does not; those
/// characters can only occur inside strings.
fn go_escaped(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A number as Go writes it: floats with no fractional part without `.0`, very small or
/// large ones with a two-digit exponent (`1e-07`, `1e+21`).
fn go_number(n: &serde_json::Number) -> String {
    let Some(f) = n.as_f64().filter(|_| n.is_f64()) else {
        return n.to_string();
    };
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        return go_exponent(&format!("{f:e}"));
    }
    format!("{f}")
}

/// `1e-7` → `1e-07`, `1e21` → `1e+21`.
fn go_exponent(rust: &str) -> String {
    let Some((mantissa, exp)) = rust.split_once('e') else {
        return rust.to_string();
    };
    let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
    format!("{mantissa}e{sign}{digits:0>2}")
}

/// sha256 (hex) of what a secret or config holds, whatever its source: how dockhand tells that
/// the content a container got is no longer the content the project gives it.
pub fn content_digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(yaml: &str) -> Service {
        serde_yaml::from_str(yaml).unwrap()
    }

    // The label the reference wrote on a follower of a container with this id.
    #[test]
    fn shared_namespaces_and_volumes_are_hashed_with_the_container_id() {
        let follower = service(
            "{image: busybox:latest, command: [sleep, '3600'], network_mode: 'service:base', ipc: 'service:base',
              pid: 'service:base', volumes_from: ['base:ro']}",
        );
        assert_eq!(referenced_services(&follower), vec!["base"]);
        let id = "c1b2c0a9f7f41652257d35608f3ca4067a8eeaa0c11cd7f119d9b09e1611141f";
        let ids = BTreeMap::from([("base".to_string(), id.to_string())]);
        assert_eq!(
            resolved_config_hash(&follower, &ids),
            "96535a1183e5d75ff50af29fc621e9d3b65a9da21b3646cfdab3f9812cd76be1"
        );
        assert_eq!(resolved_config_hash(&follower, &BTreeMap::new()), config_hash(&follower));
    }

    #[test]
    fn is_a_sha256_hex_digest() {
        let h = config_hash(&service("image: x"));
        assert_eq!(h.len(), 64);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn ignores_key_order_and_fields_that_do_not_recreate() {
        let a = service("image: x\nlabels: {a: '1', b: '2'}\nenvironment: {X: y}");
        let b = service(
            "environment: {X: y}\nlabels: {b: '2', a: '1'}\nimage: x\nscale: 3\nprofiles: [p]\n\
             pull_policy: always\nbuild: {context: .}\ndepends_on: {db: {condition: service_started}}\nx-note: 1",
        );
        assert_eq!(config_hash(&a), config_hash(&b));
    }

    #[test]
    fn replicas_do_not_count_but_other_deploy_fields_do() {
        let base = config_hash(&service("image: x\ndeploy: {replicas: 1}"));
        assert_eq!(base, config_hash(&service("image: x\ndeploy: {replicas: 5}")));
        assert_ne!(
            base,
            config_hash(&service(
                "image: x\ndeploy: {replicas: 1, resources: {limits: {cpus: 1}}}"
            ))
        );
    }

    #[test]
    fn changes_when_the_container_would_differ() {
        let base = config_hash(&service("image: x"));
        assert_ne!(base, config_hash(&service("image: y")));
        assert_ne!(base, config_hash(&service("image: x\nenvironment: {A: b}")));
        assert_eq!(base, config_hash(&service("image: x")));
    }

    /// The reference's digest for this service (docker compose v5, `config --hash`).
    #[test]
    fn equals_the_reference_digest() {
        let s = service(
            "image: busybox:latest\nnetworks: {front: null}\n\
             volumes: [{type: volume, source: data, target: /data, volume: {}}]\n\
             ports: [{mode: ingress, target: 80, published: '8080', protocol: tcp}]\n\
             depends_on: {db: {condition: service_started, required: true}}",
        );
        assert_eq!(
            config_hash(&s),
            "2446b168c57b101e13756d8e1a447ab029d007fb9bf54cafb9854beee8bcab11"
        );
    }

    #[test]
    fn writes_json_as_go_does() {
        let v: Json = serde_json::json!({"b": "<a&b>", "a": 50.0, "c": 0.3, "d": 1e-7, "e": 2});
        let mut out = String::new();
        write(&v, &Map(&Leaf), &mut out);
        assert_eq!(
            out,
            r#"{"a":50,"b":"\u003ca\u0026b\u003e","c":0.3,"d":1e-07,"e":2}"#
        );
    }
}

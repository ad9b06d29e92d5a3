//! Merging a later file over an earlier one, by the reference's per-field rules.
//!
//! Both sides are canonical (long form), so every rule is written for one shape only. The
//! reference merges a canonical tree with a raw one and canonicalises again; where that
//! leaves a difference, the rule below follows what `docker compose config` prints.
use crate::diag::yaml_path::{Seg, YamlPath};
use crate::load::{Mapping, Value};

/// How a field merges when both files set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The later value replaces the earlier one, even a null.
    Replace,
    /// A mapping of scalars: per key, the later file wins, a null included.
    PerKey,
    /// `extra_hosts`: per host, the addresses of both files without repeats.
    HostUnion,
    /// Options merge under the same driver (or when one side names none); another driver
    /// replaces the whole block.
    Logging,
    /// A sequence whose entries have an identity: one entry per identity, the later entry
    /// taking the place of the earlier one.
    Keyed(Identity),
    /// `ipam.config`: entries for the same subnet merge, others are added.
    BySubnet,
}

/// What makes two entries of a keyed sequence "the same".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity {
    /// The text before `=` (or the whole text).
    Name,
    /// (host_ip, published, target, protocol), with the engine's defaults filled in.
    Port,
    /// The `target` field.
    Target,
    /// The target, or `/run/secrets/<source>` when none is given.
    Secret,
    /// The target, or `/<source>` when none is given.
    Config,
    /// The `path` field.
    EnvFile,
    /// The scalar as text, so `3000` and `"3000"` are one port.
    Text,
}

/// The reference's exceptions to "mappings merge, sequences append without repeats, scalars
/// are replaced". `*` matches any one key.
const RULES: &[(&str, Rule)] = &[
    ("services.*.command", Rule::Replace),
    ("services.*.entrypoint", Rule::Replace),
    ("services.*.healthcheck.test", Rule::Replace),
    ("services.*.environment", Rule::PerKey),
    ("services.*.labels", Rule::PerKey),
    ("services.*.annotations", Rule::PerKey),
    ("services.*.sysctls", Rule::PerKey),
    ("services.*.build.args", Rule::PerKey),
    ("services.*.build.labels", Rule::PerKey),
    ("services.*.build.additional_contexts", Rule::PerKey),
    ("services.*.deploy.labels", Rule::PerKey),
    ("networks.*.labels", Rule::PerKey),
    ("volumes.*.labels", Rule::PerKey),
    ("services.*.extra_hosts", Rule::HostUnion),
    ("services.*.build.extra_hosts", Rule::HostUnion),
    ("services.*.logging", Rule::Logging),
    ("networks.*.ipam.config", Rule::BySubnet),
    ("services.*.ports", Rule::Keyed(Identity::Port)),
    ("services.*.volumes", Rule::Keyed(Identity::Target)),
    ("services.*.devices", Rule::Keyed(Identity::Target)),
    ("services.*.secrets", Rule::Keyed(Identity::Secret)),
    ("services.*.configs", Rule::Keyed(Identity::Config)),
    ("services.*.env_file", Rule::Keyed(Identity::EnvFile)),
    ("services.*.expose", Rule::Keyed(Identity::Text)),
    ("services.*.cap_add", Rule::Keyed(Identity::Name)),
    ("services.*.cap_drop", Rule::Keyed(Identity::Name)),
    ("services.*.dns", Rule::Keyed(Identity::Name)),
    ("services.*.dns_opt", Rule::Keyed(Identity::Name)),
    ("services.*.dns_search", Rule::Keyed(Identity::Name)),
    ("services.*.links", Rule::Keyed(Identity::Name)),
    ("services.*.profiles", Rule::Keyed(Identity::Name)),
    ("services.*.tmpfs", Rule::Keyed(Identity::Name)),
    ("services.*.build.tags", Rule::Keyed(Identity::Name)),
    ("services.*.networks.*.aliases", Rule::Keyed(Identity::Name)),
    (
        "services.*.networks.*.link_local_ips",
        Rule::Keyed(Identity::Name),
    ),
];

/// Merges a later file (`over`) over an earlier one (`base`). `resets`/`overrides`: the paths
/// the later file tagged `!reset` / `!override`. The result also has the uniqueness of
/// [`enforce_unicity`], as after every merge step of the reference.
pub fn merge(base: Value, over: Value, resets: &[YamlPath], overrides: &[YamlPath]) -> Value {
    merge_under(&YamlPath::root(), base, over, resets, overrides)
}

/// [`merge`] for two values that sit at `at` in the file (e.g. `services.web` when a service is
/// merged over the one it extends, or over a resource of the same name from an include).
/// The tag paths are still whole-file paths.
pub fn merge_under(
    at: &YamlPath,
    base: Value,
    over: Value,
    resets: &[YamlPath],
    overrides: &[YamlPath],
) -> Value {
    // The parser already took the tagged keys and items out of the later file.
    let dropped: Vec<&YamlPath> = resets.iter().chain(overrides).collect();
    let base = prune(base, at, &dropped);
    let mut keys = key_path(at);
    let mut merged = merge_at(base, over, &mut keys);
    unique_at(&mut merged, &mut keys);
    merged
}

/// One entry per identity in the keyed sequences of a whole project (ports, volumes, ...),
/// the later entry in the place of the first. The reference does this after loading each
/// file, so a single file with `8080:80` twice has one port.
pub fn enforce_unicity(mut value: Value) -> Value {
    unique_at(&mut value, &mut Vec::new());
    value
}

fn key_path(at: &YamlPath) -> Vec<String> {
    at.0.iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// Removes the values at `paths` below `at`.
fn prune(value: Value, at: &YamlPath, paths: &[&YamlPath]) -> Value {
    let below = |p: &&&YamlPath| p.0.len() > at.0.len() && p.0.starts_with(&at.0);
    if !paths.iter().any(|p| below(&p)) {
        return value;
    }
    match value {
        Value::Mapping(m) => Value::Mapping(
            m.into_iter()
                .filter_map(|(k, v)| {
                    let Some(name) = k.as_str() else {
                        return Some((k, v));
                    };
                    let p = at.key(name);
                    if paths.contains(&&p) {
                        None
                    } else {
                        Some((k, prune(v, &p, paths)))
                    }
                })
                .collect(),
        ),
        Value::Sequence(items) => Value::Sequence(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| prune(v, &at.index(i), paths))
                .collect(),
        ),
        other => other,
    }
}

fn rule_for(at: &[String]) -> Option<Rule> {
    RULES
        .iter()
        .find(|(pattern, _)| matches(pattern, at))
        .map(|(_, rule)| *rule)
}

fn matches(pattern: &str, at: &[String]) -> bool {
    let mut parts = pattern.split('.');
    at.iter().all(|k| parts.next().is_some_and(|p| p == "*" || p == k)) && parts.next().is_none()
}

/// The deepest path a rule names: below it, no sequence has an identity to keep unique.
const DEEPEST_RULE: usize = 5;

fn merge_at(base: Value, over: Value, at: &mut Vec<String>) -> Value {
    match rule_for(at) {
        Some(Rule::Replace) => over,
        // A null in the later file leaves the earlier value alone, as in the reference.
        _ if over.is_null() => base,
        Some(rule) => merge_by_rule(rule, base, over, at),
        None => merge_default(base, over, at),
    }
}

fn merge_default(base: Value, over: Value, at: &mut Vec<String>) -> Value {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => Value::Mapping(merge_mappings(b, o, at)),
        (Value::Sequence(b), Value::Sequence(o)) => Value::Sequence(append_new(b, o)),
        (_, over) => over,
    }
}

fn merge_mappings(mut base: Mapping, over: Mapping, at: &mut Vec<String>) -> Mapping {
    for (k, v) in over {
        match (k.as_str().map(str::to_string), base.get_mut(&k)) {
            (Some(name), Some(slot)) => {
                at.push(name);
                let old = std::mem::take(slot);
                *slot = merge_at(old, v, at);
                at.pop();
            }
            _ => {
                base.insert(k, v);
            }
        }
    }
    base
}

/// Entries of `over` not already in `base`, appended.
fn append_new(mut base: Vec<Value>, over: Vec<Value>) -> Vec<Value> {
    for item in over {
        if !base.contains(&item) {
            base.push(item);
        }
    }
    base
}

fn merge_by_rule(rule: Rule, base: Value, over: Value, at: &mut Vec<String>) -> Value {
    match (rule, base, over) {
        (Rule::PerKey, Value::Mapping(mut b), Value::Mapping(o)) => {
            b.extend(o);
            Value::Mapping(b)
        }
        (Rule::HostUnion, Value::Mapping(b), Value::Mapping(o)) => Value::Mapping(union_hosts(b, o)),
        (Rule::Logging, Value::Mapping(b), Value::Mapping(o)) => {
            let driver = |m: &Mapping| m.get("driver").cloned();
            match (driver(&b), driver(&o)) {
                (Some(x), Some(y)) if x != y => Value::Mapping(o),
                _ => Value::Mapping(merge_mappings(b, o, at)),
            }
        }
        // Without interpolation the files stay as written: one may hold a list where the
        // other holds a mapping (or a lone string), and the reference merges them as lists.
        (Rule::PerKey, b, o) if !(b.is_mapping() && o.is_mapping()) => {
            let mut items = key_value_list(b);
            items.extend(key_value_list(o));
            Value::Sequence(one_per_identity(items, Identity::Name))
        }
        (Rule::Keyed(id), b @ (Value::Sequence(_) | Value::String(_)), o @ (Value::Sequence(_) | Value::String(_))) => {
            let mut items = key_value_list(b);
            items.extend(key_value_list(o));
            Value::Sequence(one_per_identity(items, id))
        }
        (Rule::BySubnet, Value::Sequence(b), Value::Sequence(o)) => Value::Sequence(merge_subnets(b, o, at)),
        (_, base, over) => merge_default(base, over, at),
    }
}

/// A field of `KEY=value` entries as a list: a mapping as its sorted entries (a null value as
/// the bare key), a lone string as a list of one, as the reference turns them.
fn key_value_list(v: Value) -> Vec<Value> {
    match v {
        Value::Sequence(items) => items,
        Value::Mapping(m) => {
            let mut entries: Vec<String> = m
                .iter()
                .flat_map(|(k, v)| {
                    let k = scalar_text(k);
                    match v {
                        Value::Null => vec![k],
                        Value::Sequence(vs) => vs.iter().map(|v| format!("{k}={}", scalar_text(v))).collect(),
                        v => vec![format!("{k}={}", scalar_text(v))],
                    }
                })
                .collect();
            entries.sort();
            entries.into_iter().map(Value::String).collect()
        }
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn union_hosts(mut base: Mapping, over: Mapping) -> Mapping {
    let as_list = |v: Value| match v {
        Value::Sequence(s) => s,
        Value::Null => Vec::new(),
        other => vec![other],
    };
    for (host, addresses) in over {
        match base.get_mut(&host) {
            Some(slot) => {
                let old = std::mem::take(slot);
                *slot = Value::Sequence(append_new(as_list(old), as_list(addresses)));
            }
            None => {
                base.insert(host, addresses);
            }
        }
    }
    base
}

fn merge_subnets(mut base: Vec<Value>, over: Vec<Value>, at: &mut Vec<String>) -> Vec<Value> {
    let subnet = |v: &Value| v.get("subnet").cloned();
    for item in over {
        match base.iter().position(|b| subnet(b) == subnet(&item)) {
            Some(i) => {
                let old = std::mem::take(&mut base[i]);
                base[i] = merge_default(old, item, at);
            }
            None => base.push(item),
        }
    }
    base
}

fn one_per_identity(items: Vec<Value>, id: Identity) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    let mut keys: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        let key = identity(id, &item);
        match keys.iter().position(|k| *k == key) {
            Some(i) => out[i] = item,
            None => {
                keys.push(key);
                out.push(item);
            }
        }
    }
    out
}

fn identity(id: Identity, item: &Value) -> Value {
    let field = |name: &str| item.get(name).cloned();
    let text = |v: Option<Value>| v.as_ref().map(scalar_text).unwrap_or_default();
    match (id, item) {
        (Identity::Name, Value::String(s)) => Value::from(s.split('=').next().unwrap_or(s)),
        (Identity::Text, v) => Value::from(scalar_text(v)),
        (Identity::Port, Value::Mapping(_)) => {
            let host = Some(text(field("host_ip"))).filter(|h| !h.is_empty());
            let protocol = Some(text(field("protocol"))).filter(|p| !p.is_empty());
            Value::from(format!(
                "{}:{}:{}/{}",
                host.as_deref().unwrap_or("0.0.0.0"),
                text(field("published")),
                text(field("target")),
                protocol.as_deref().unwrap_or("tcp"),
            ))
        }
        (Identity::Target, Value::Mapping(_)) => field("target").unwrap_or(Value::Null),
        (Identity::EnvFile, Value::Mapping(_)) => field("path").unwrap_or(Value::Null),
        (Identity::Secret, _) => mount_target(item, "/run/secrets"),
        (Identity::Config, _) => mount_target(item, ""),
        (_, other) => other.clone(),
    }
}

fn mount_target(item: &Value, default_dir: &str) -> Value {
    match item {
        Value::Mapping(m) => match m.get("target") {
            Some(t) if !t.is_null() => t.clone(),
            _ => Value::from(format!(
                "{default_dir}/{}",
                m.get("source").map(scalar_text).unwrap_or_default()
            )),
        },
        other => Value::from(format!("{default_dir}/{}", scalar_text(other))),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other).unwrap_or_default(),
    }
}

/// In place: rebuilding every mapping would rehash every key of the project.
fn unique_at(value: &mut Value, at: &mut Vec<String>) {
    match value {
        Value::Mapping(_) if at.len() >= DEEPEST_RULE => {}
        Value::Mapping(m) => {
            for (k, v) in m.iter_mut() {
                if let Some(name) = k.as_str() {
                    at.push(name.to_string());
                    unique_at(v, at);
                    at.pop();
                }
            }
        }
        Value::Sequence(items) => {
            if let Some(Rule::Keyed(id)) = rule_for(at) {
                *items = one_per_identity(std::mem::take(items), id);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    fn p(dotted: &str) -> YamlPath {
        YamlPath::of(&dotted.split('.').collect::<Vec<_>>())
    }

    /// Merges two service bodies given as YAML and returns the merged service `web`.
    fn svc(base: &str, over: &str) -> Value {
        let wrap = |s: &str| y(&format!("services:\n  web:\n{}", indent(s)));
        merge(wrap(base), wrap(over), &[], &[])["services"]["web"].clone()
    }

    fn indent(s: &str) -> String {
        s.lines().map(|l| format!("    {l}\n")).collect()
    }

    #[test]
    fn mappings_merge_and_scalars_are_replaced() {
        let got = svc(
            "image: a\nmem_limit: 1g\nx-foo: {a: 1}",
            "mem_limit: 2g\nx-foo: {b: 2}",
        );
        assert_eq!(got, y("image: a\nmem_limit: 2g\nx-foo: {a: 1, b: 2}"));
    }

    #[test]
    fn a_null_in_the_later_file_keeps_the_earlier_value() {
        let got = svc(
            "environment: {A: '1'}\ncap_add: [A]\ndeploy: {resources: {limits: {cpus: '1'}}}",
            "environment: null\ncap_add: null\ndeploy: {resources: null}",
        );
        assert_eq!(
            got,
            y("environment: {A: '1'}\ncap_add: [A]\ndeploy: {resources: {limits: {cpus: '1'}}}")
        );
    }

    #[test]
    fn commands_are_replaced_even_by_null_or_empty() {
        assert_eq!(svc("command: [a, b]", "command: [c]"), y("command: [c]"));
        assert_eq!(svc("entrypoint: [a]", "entrypoint: null"), y("entrypoint: null"));
        assert_eq!(svc("command: [a]", "command: []"), y("command: []"));
        assert_eq!(
            svc(
                "healthcheck: {test: [CMD, a], interval: 10s, retries: 3}",
                "healthcheck: {test: [CMD, b], retries: 5}"
            ),
            y("healthcheck: {test: [CMD, b], interval: 10s, retries: 5}")
        );
    }

    #[test]
    fn key_value_mappings_merge_per_key_and_null_wins() {
        assert_eq!(
            svc(
                "environment: {A: '1', B: '2', C: '3'}",
                "environment: {A: '9', B: null, D: '4'}"
            ),
            y("environment: {A: '9', B: null, C: '3', D: '4'}")
        );
        for field in ["labels", "annotations", "sysctls"] {
            let got = svc(
                &format!("{field}: {{a: '1', b: '2'}}"),
                &format!("{field}: {{b: '3', c: '4'}}"),
            );
            assert_eq!(got, y(&format!("{field}: {{a: '1', b: '3', c: '4'}}")), "{field}");
        }
        assert_eq!(
            svc(
                "build: {context: ., args: {A: '1', B: '2'}, labels: {l: '1'}}",
                "build: {args: {B: '3', C: null}, labels: {m: '2'}}"
            ),
            y("build: {context: ., args: {A: '1', B: '3', C: null}, labels: {l: '1', m: '2'}}")
        );
    }

    #[test]
    fn extra_hosts_keep_every_address_once() {
        assert_eq!(
            svc(
                "extra_hosts: {h1: [1.1.1.1], h2: [2.2.2.2]}",
                "extra_hosts: {h1: [1.1.1.1, 9.9.9.9], h3: [3.3.3.3]}"
            ),
            y("extra_hosts: {h1: [1.1.1.1, 9.9.9.9], h2: [2.2.2.2], h3: [3.3.3.3]}")
        );
    }

    #[test]
    fn plain_sequences_append_without_repeats() {
        assert_eq!(
            svc("security_opt: [a, b]", "security_opt: [b, c]"),
            y("security_opt: [a, b, c]")
        );
        assert_eq!(
            svc("dns: [1.1.1.1, 2.2.2.2]", "dns: [2.2.2.2, 3.3.3.3]"),
            y("dns: [1.1.1.1, 2.2.2.2, 3.3.3.3]")
        );
        assert_eq!(
            svc("volumes_from: [db]", "volumes_from: [db, other]"),
            y("volumes_from: [db, other]")
        );
        assert_eq!(
            svc(
                "post_start: [{command: [a]}]",
                "post_start: [{command: [a]}, {command: [b]}]"
            ),
            y("post_start: [{command: [a]}, {command: [b]}]")
        );
        assert_eq!(
            svc(
                "build: {context: ., cache_from: [c1]}",
                "build: {cache_from: [c1, c2]}"
            ),
            y("build: {context: ., cache_from: [c1, c2]}")
        );
    }

    #[test]
    fn named_entries_are_replaced_in_place() {
        assert_eq!(
            svc("dns_opt: [ndots=1, x]", "dns_opt: [ndots=2]"),
            y("dns_opt: [ndots=2, x]")
        );
        assert_eq!(
            svc("cap_add: [NET_ADMIN]", "cap_add: [NET_ADMIN, SYS_ADMIN]"),
            y("cap_add: [NET_ADMIN, SYS_ADMIN]")
        );
        assert_eq!(
            svc("links: [db]", "links: [db, 'db:alias']"),
            y("links: [db, 'db:alias']")
        );
        assert_eq!(
            svc("profiles: [p1]", "profiles: [p1, p2]"),
            y("profiles: [p1, p2]")
        );
        assert_eq!(
            svc("expose: ['3000', 4000]", "expose: [3000, '5000']"),
            y("expose: [3000, 4000, '5000']")
        );
    }

    #[test]
    fn ports_are_one_per_address_port_and_protocol() {
        let base = "ports:
- {mode: ingress, target: 80, published: '8080', protocol: tcp}
- {mode: ingress, host_ip: 127.0.0.1, target: 90, published: '9090', protocol: tcp}
- {mode: ingress, target: 5000, published: '5000', protocol: udp}
- {mode: host, target: 70, published: '7070', protocol: tcp}";
        let over = "ports:
- {mode: ingress, target: 80, published: '8080', protocol: tcp}
- {mode: host, host_ip: 127.0.0.1, target: 90, published: '9090', protocol: tcp}
- {mode: ingress, target: 5000, published: '5000', protocol: tcp}
- {mode: ingress, host_ip: 0.0.0.0, target: 70, published: '7070', protocol: tcp}";
        let want = "ports:
- {mode: ingress, target: 80, published: '8080', protocol: tcp}
- {mode: host, host_ip: 127.0.0.1, target: 90, published: '9090', protocol: tcp}
- {mode: ingress, target: 5000, published: '5000', protocol: udp}
- {mode: ingress, host_ip: 0.0.0.0, target: 70, published: '7070', protocol: tcp}
- {mode: ingress, target: 5000, published: '5000', protocol: tcp}";
        assert_eq!(svc(base, over), y(want));
    }

    #[test]
    fn volumes_and_devices_are_one_per_target_later_wins_whole() {
        let base = "volumes:
- {type: bind, source: /p, target: /foo}
- {type: volume, source: foo, target: /bar}
- {type: tmpfs, target: /t, tmpfs: {size: 100}}";
        let over = "volumes:
- {type: bind, source: /p/src, target: /foo}
- {type: tmpfs, target: /t, tmpfs: {mode: 493}}";
        let want = "volumes:
- {type: bind, source: /p/src, target: /foo}
- {type: volume, source: foo, target: /bar}
- {type: tmpfs, target: /t, tmpfs: {mode: 493}}";
        assert_eq!(svc(base, over), y(want));
        assert_eq!(
            svc("devices: [{source: /dev/a, target: /dev/a, permissions: rwm}, {source: /dev/b, target: /dev/b, permissions: rwm}]",
                "devices: [{source: /dev/c, target: /dev/a, permissions: rwm}]"),
            y("devices: [{source: /dev/c, target: /dev/a, permissions: rwm}, {source: /dev/b, target: /dev/b, permissions: rwm}]")
        );
    }

    #[test]
    fn secrets_and_configs_are_one_per_mount_point() {
        assert_eq!(
            svc(
                "secrets: [{source: s1}, {source: s2, target: /x}]",
                "secrets: [{source: s1, mode: 256}, {source: s1, target: /x}]"
            ),
            y("secrets: [{source: s1, mode: 256}, {source: s1, target: /x}]")
        );
        assert_eq!(
            svc(
                "configs: [{source: c1}]",
                "configs: [{source: c1, target: /c1, uid: '1'}]"
            ),
            y("configs: [{source: c1, target: /c1, uid: '1'}]")
        );
        assert_eq!(
            svc(
                "configs: [{source: c1}]",
                "configs: [{source: c1, target: /run/secrets/c1}]"
            ),
            y("configs: [{source: c1}, {source: c1, target: /run/secrets/c1}]")
        );
    }

    #[test]
    fn env_files_are_one_per_path() {
        assert_eq!(
            svc(
                "env_file: [{path: /a.env, required: true}]",
                "env_file: [{path: /a.env, required: false}, {path: /b.env, required: true}]"
            ),
            y("env_file: [{path: /a.env, required: false}, {path: /b.env, required: true}]")
        );
    }

    #[test]
    fn service_networks_and_depends_on_merge_per_key() {
        assert_eq!(
            svc(
                "networks: {n1: {aliases: [a1], ipv4_address: 10.0.0.2}, n2: null}",
                "networks: {n1: {aliases: [a2, a1]}, n2: {aliases: [b]}}"
            ),
            y("networks: {n1: {aliases: [a1, a2], ipv4_address: 10.0.0.2}, n2: {aliases: [b]}}")
        );
        assert_eq!(
            svc("depends_on: {db: {condition: service_healthy, required: true}}",
                "depends_on: {db: {condition: service_started, required: false}, other: {condition: service_started, required: true}}"),
            y("depends_on: {db: {condition: service_started, required: false}, other: {condition: service_started, required: true}}")
        );
    }

    #[test]
    fn logging_merges_under_one_driver_and_is_replaced_by_another() {
        assert_eq!(
            svc(
                "logging: {driver: json-file, options: {max-size: 1m, max-file: '3'}}",
                "logging: {options: {max-size: 2m}}"
            ),
            y("logging: {driver: json-file, options: {max-size: 2m, max-file: '3'}}")
        );
        assert_eq!(
            svc(
                "logging: {driver: syslog, options: {a: b}}",
                "logging: {driver: json-file, options: {c: d}}"
            ),
            y("logging: {driver: json-file, options: {c: d}}")
        );
        assert_eq!(
            svc(
                "logging: {driver: syslog, options: {a: b}}",
                "logging: {driver: syslog, options: {c: d}}"
            ),
            y("logging: {driver: syslog, options: {a: b, c: d}}")
        );
    }

    #[test]
    fn ulimits_merge_per_name() {
        assert_eq!(
            svc(
                "ulimits: {nproc: 100, nofile: {soft: 1, hard: 2}}",
                "ulimits: {nofile: {soft: 5}, nproc: {soft: 1, hard: 2}}"
            ),
            y("ulimits: {nproc: {soft: 1, hard: 2}, nofile: {soft: 5, hard: 2}}")
        );
    }

    #[test]
    fn top_level_resources_merge_per_key() {
        let base = y("networks:
  n1: {driver: bridge, labels: {a: '1'}, ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}]}}
volumes:
  foo: {labels: {a: '1'}, driver_opts: {o: x}}
x-top: {a: 1, b: [1]}");
        let over = y("networks:
  n1: {labels: {b: '2'}, ipam: {config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}, {subnet: 10.1.0.0/24}]}}
  n2: {}
volumes:
  foo: {driver_opts: {p: y}}
x-top: {b: [2], c: 1}");
        let want = y("networks:
  n1:
    driver: bridge
    labels: {a: '1', b: '2'}
    ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1, ip_range: 10.0.0.0/25}, {subnet: 10.1.0.0/24}]}
  n2: {}
volumes:
  foo: {labels: {a: '1'}, driver_opts: {o: x, p: y}}
x-top: {a: 1, b: [1, 2], c: 1}");
        assert_eq!(merge(base, over, &[], &[]), want);
    }

    #[test]
    fn reset_drops_the_earlier_value() {
        let base = y("services:
  web: {image: a, ports: [{target: 80, published: '8080'}], labels: {a: '1', b: '2'}, healthcheck: {test: [CMD, a], interval: 10s}}
  gone: {image: g}");
        let over = y("services:
  web: {labels: {c: '3'}, healthcheck: {}}");
        let resets = [
            p("services.web.ports"),
            p("services.web.labels.a"),
            p("services.web.healthcheck.test"),
            p("services.gone"),
        ];
        let want = y("services:
  web: {image: a, labels: {b: '2', c: '3'}, healthcheck: {interval: 10s}}");
        assert_eq!(merge(base, over, &resets, &[]), want);
    }

    #[test]
    fn reset_of_a_sequence_item_drops_only_that_item() {
        let base = y("services: {web: {dns: [1.1.1.1, 2.2.2.2]}}");
        let over = y("services: {web: {dns: [3.3.3.3]}}");
        let resets = [p("services.web.dns").index(0)];
        assert_eq!(
            merge(base, over, &resets, &[]),
            y("services: {web: {dns: [1.1.1.1, 2.2.2.2, 3.3.3.3]}}")
        );
    }

    #[test]
    fn override_replaces_instead_of_merging() {
        let base = y("services:
  web: {image: a, environment: {A: '1'}, networks: {n1: {aliases: [x]}, n2: null}, build: {context: /p, args: {A: '1'}}}
  db: {image: db, ports: [{target: 1, published: '1'}]}");
        let over = y("services:
  web: {environment: {C: '3'}, networks: {n2: {}}, build: {context: /p/sub}}
  db: {image: db2}");
        let overrides = [
            p("services.web.environment"),
            p("services.web.networks"),
            p("services.web.build"),
            p("services.db"),
        ];
        let want = y("services:
  web: {image: a, environment: {C: '3'}, networks: {n2: {}}, build: {context: /p/sub}}
  db: {image: db2}");
        assert_eq!(merge(base, over, &[], &overrides), want);
    }

    #[test]
    fn merging_over_nothing_applies_unicity() {
        let file = y("services:
  web:
    ports: [{target: 80, published: '8080'}, {target: 80, published: '8080', protocol: tcp}]
    volumes: [{type: bind, source: /a, target: /foo}, {type: volume, source: foo, target: /bar}, {type: bind, source: /src, target: /foo}]");
        let want = y("services:
  web:
    ports: [{target: 80, published: '8080', protocol: tcp}]
    volumes: [{type: bind, source: /src, target: /foo}, {type: volume, source: foo, target: /bar}]");
        assert_eq!(merge(Value::Null, file.clone(), &[], &[]), want);
        assert_eq!(enforce_unicity(file), want);
    }

    #[test]
    fn merge_under_a_service_applies_that_service_tags() {
        let base = y("{image: alpine, command: [sleep, infinity]}");
        // `command: !reset null`, as the parser leaves it: the key gone, its path recorded.
        let over = y("{}");
        let at = p("services.base");
        let got = merge_under(&at, base, over, &[p("services.base.command")], &[]);
        assert_eq!(got, y("{image: alpine}"));
    }
}

//! Field-level differences between the configuration a container was made from and the one
//! wanted now, for recreate reasons such as `environment.MODE: "dev" → "prod"`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{json, Value};

use crate::labels;
use crate::model::{IpamPool, Network};
use crate::observe::ObservedNetwork;

/// One difference, by its dotted path in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldChange {
    /// Both values, shortened for a one-line reason.
    Changed { path: String, old: String, new: String },
    Added(String),
    Removed(String),
}

impl fmt::Display for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldChange::Changed { path, old, new } => write!(f, "{}: {old} → {new}", display_path(path)),
            FieldChange::Added(path) => write!(f, "{path} added"),
            FieldChange::Removed(path) => write!(f, "{path} removed"),
        }
    }
}

/// The differences between two JSON documents; `None` when either cannot be read.
pub fn changes(old: &str, new: &str) -> Option<Vec<FieldChange>> {
    let (Ok(old), Ok(new)) = (serde_json::from_str::<Value>(old), serde_json::from_str::<Value>(new)) else {
        return None;
    };
    let mut out = Vec::new();
    walk(&old, &new, "", &mut out);
    Some(out)
}

/// How a network on the engine differs from its definition, in the file's terms. What the
/// engine chose itself (default driver, address pools when none is configured) and the
/// labels that tie it to the project are not differences.
pub fn network_changes(found: &ObservedNetwork, wanted: &Network) -> Vec<FieldChange> {
    let own_labels: BTreeMap<&String, &String> =
        found.labels.iter().filter(|(k, _)| !k.starts_with(labels::PREFIX)).collect();
    let mut found_view = json!({
        "driver": found.driver,
        "driver_opts": found.options,
        "internal": found.internal,
        "attachable": found.attachable,
        "enable_ipv6": found.enable_ipv6,
        "labels": own_labels,
        "ipam": {"driver": found.ipam_driver, "options": found.ipam_options},
    });
    let mut wanted_view = json!({
        "driver": wanted.driver.as_deref().unwrap_or("bridge"),
        "driver_opts": wanted.driver_opts,
        "internal": wanted.internal,
        "attachable": wanted.attachable,
        "enable_ipv6": wanted.enable_ipv6.unwrap_or(false),
        "labels": wanted.labels,
        "ipam": {"driver": wanted.ipam.driver.as_deref().unwrap_or("default"), "options": wanted.ipam.options},
    });
    if !wanted.ipam.config.is_empty() {
        let pools = |p: &[IpamPool]| {
            let bare = p.iter().map(|p| IpamPool { extensions: Default::default(), ..p.clone() });
            serde_json::to_value(bare.collect::<Vec<_>>()).unwrap_or_default()
        };
        found_view["ipam"]["config"] = pools(&found.ipam_pools);
        wanted_view["ipam"]["config"] = pools(&wanted.ipam.config);
    }
    let mut out = Vec::new();
    walk(&found_view, &wanted_view, "", &mut out);
    out
}

fn walk(old: &Value, new: &Value, path: &str, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = join(path, k);
                match b.get(k) {
                    Some(vb) => walk(va, vb, &p, out),
                    None => out.push(FieldChange::Removed(p)),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(FieldChange::Added(join(path, k)));
            }
        }
        (a, b) if a != b => out.push(FieldChange::Changed { path: path.to_string(), old: short(a), new: short(b) }),
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "configuration"
    } else {
        path
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(c: &[FieldChange]) -> Vec<String> {
        c.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn names_the_changed_field_with_both_values() {
        let c = changes(r#"{"environment":{"MODE":"dev"},"image":"a"}"#, r#"{"environment":{"MODE":"prod"},"image":"a"}"#);
        assert_eq!(lines(&c.unwrap()), vec![r#"environment.MODE: "dev" → "prod""#]);
        assert_eq!(changes("{", "{}"), None);
    }

    #[test]
    fn added_and_removed_keys_and_list_changes() {
        let c = changes(r#"{"a":1,"ports":[80]}"#, r#"{"ports":[80,81],"b":true}"#);
        assert_eq!(lines(&c.unwrap()), vec!["a removed", "ports: [80] → [80,81]", "b added"]);
    }

    #[test]
    fn network_differences_leave_out_what_the_engine_chose_and_the_project_labels() {
        let pool = |subnet: &str| IpamPool { subnet: Some(subnet.into()), ..Default::default() };
        let found = ObservedNetwork {
            driver: "bridge".into(),
            ipam_driver: "default".into(),
            ipam_pools: vec![pool("172.30.0.0/16")],
            labels: BTreeMap::from([(labels::PROJECT.to_string(), "p".to_string())]),
            internal: true,
            ..Default::default()
        };
        let mut wanted = Network { internal: true, ..Default::default() };
        assert!(network_changes(&found, &wanted).is_empty());
        wanted.ipam.config = vec![pool("10.9.0.0/24")];
        wanted.internal = false;
        assert_eq!(
            lines(&network_changes(&found, &wanted)),
            vec!["internal: true → false", r#"ipam.config: [{"subnet":"172.30.0.0/16"}] → [{"subnet":"10.9.0.0/24"}]"#]
        );
    }
}

//! Field-level differences between the configuration a container was made from and the one
//! wanted now, for recreate reasons such as `environment.MODE: "dev" → "prod"`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::labels;
use crate::model::{IpamPool, Network};
use crate::observe::ObservedNetwork;

/// How many differences a reason lists before it summarises the rest.
const SHOWN: usize = 3;

/// The differences between two JSON documents, as short readable lines.
pub fn changes(old: &str, new: &str) -> Vec<String> {
    let (Ok(old), Ok(new)) = (serde_json::from_str::<Value>(old), serde_json::from_str::<Value>(new)) else {
        return vec!["configuration changed".to_string()];
    };
    let mut out = Vec::new();
    walk(&old, &new, "", &mut out);
    out
}

/// How a network on the engine differs from its definition, in the file's terms. What the
/// engine chose itself (default driver, address pools when none is configured) and the
/// labels that tie it to the project are not differences.
pub fn network_changes(found: &ObservedNetwork, wanted: &Network) -> Vec<String> {
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

/// One reason line from the differences.
pub fn summary(changes: &[String]) -> String {
    match changes.len() {
        0 => "configuration changed".to_string(),
        n if n <= SHOWN => changes.join("; "),
        n => format!("{}; and {} more", changes[..SHOWN].join("; "), n - SHOWN),
    }
}

fn walk(old: &Value, new: &Value, path: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = join(path, k);
                match b.get(k) {
                    Some(vb) => walk(va, vb, &p, out),
                    None => out.push(format!("{p} removed")),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{} added", join(path, k)));
            }
        }
        (a, b) if a != b => out.push(format!("{}: {} → {}", display_path(path), short(a), short(b))),
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

    #[test]
    fn names_the_changed_field_with_both_values() {
        let c = changes(r#"{"environment":{"MODE":"dev"},"image":"a"}"#, r#"{"environment":{"MODE":"prod"},"image":"a"}"#);
        assert_eq!(c, vec![r#"environment.MODE: "dev" → "prod""#]);
    }

    #[test]
    fn added_and_removed_keys_and_list_changes() {
        let c = changes(r#"{"a":1,"ports":[80]}"#, r#"{"ports":[80,81],"b":true}"#);
        assert_eq!(c, vec!["a removed", "ports: [80] → [80,81]", "b added"]);
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
            network_changes(&found, &wanted),
            vec!["internal: true → false", r#"ipam.config: [{"subnet":"172.30.0.0/16"}] → [{"subnet":"10.9.0.0/24"}]"#]
        );
    }

    #[test]
    fn summary_caps_the_list() {
        let c: Vec<String> = (0..5).map(|i| format!("f{i} added")).collect();
        assert_eq!(summary(&c), "f0 added; f1 added; f2 added; and 2 more");
    }
}

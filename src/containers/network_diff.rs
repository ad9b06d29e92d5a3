//! How a network on the engine differs from the project's definition of it, in the file's
//! terms (the recreate reason of a changed network).

use std::collections::BTreeMap;

use serde_json::json;

use super::observe::ObservedNetwork;
use crate::labels;
use crate::model::{IpamPool, Network};
use crate::plan::diff::{self, FieldChange};

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
    diff::differences(&found_view, &wanted_view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(c: &[FieldChange]) -> Vec<String> {
        c.iter().map(ToString::to_string).collect()
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

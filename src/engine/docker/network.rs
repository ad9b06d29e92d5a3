//! A network as the engine lists it, in the planner's terms.

use std::collections::{BTreeMap, HashMap};

use bollard::models::Network;

use crate::model::IpamPool;
use crate::engine::observed::ObservedNetwork;

pub(super) fn observed_network(n: Network) -> ObservedNetwork {
    let ipam = n.ipam.unwrap_or_default();
    ObservedNetwork {
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        labels: sorted(n.labels),
        driver: n.driver.unwrap_or_default(),
        options: sorted(n.options),
        internal: n.internal.unwrap_or(false),
        attachable: n.attachable.unwrap_or(false),
        enable_ipv6: n.enable_ipv6.unwrap_or(false),
        ipam_driver: ipam.driver.unwrap_or_default(),
        ipam_options: sorted(ipam.options),
        ipam_pools: ipam
            .config
            .unwrap_or_default()
            .into_iter()
            .map(|c| IpamPool {
                subnet: c.subnet,
                gateway: c.gateway,
                ip_range: c.ip_range,
                aux_addresses: sorted(c.auxiliary_addresses),
                ..Default::default()
            })
            .collect(),
    }
}

fn sorted(m: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    m.unwrap_or_default().into_iter().collect()
}

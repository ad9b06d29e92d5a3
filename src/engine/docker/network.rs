//! A network as the engine lists it, in the planner's terms; what is attached to one that
//! cannot be removed.

use std::collections::{BTreeMap, HashMap};

use bollard::models::Network;

use crate::engine::retry::{classify, Call, Verdict};
use crate::engine::EngineError;

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

/// Why a network the engine says has active endpoints, while none is attached, stays. Engines
/// before 28.1 keep a count of each network's endpoints beside the endpoints themselves; when
/// several containers on a network stop at once, a decrement can be lost (the docker CLI alone,
/// 30 containers stopped ten at a time: 3 rounds of 10; `tests/bench/miscount.sh`). The engine
/// then refuses the removal for good: no endpoint is left to disconnect, and only its restart
/// recounts ("Fixing inconsistent endpoint_cnt" in its log).
pub(in crate::engine) const MISCOUNTED: &str = "no endpoint is attached to it, but the engine still counts endpoints on it: \
a miscount of Docker Engine before 28.1 (moby/moby#42119) that only a restart of dockerd clears. \
The network is harmless where it is, and the next `up` uses it again";

/// A removal refused because the network still has endpoints, after every retry.
pub(in crate::engine) fn endpoints_held(e: &EngineError) -> bool {
    classify(Call::RemoveNetwork, e) == Verdict::Retry
}

/// An endpoint attached to a network: its name, and its container (None when the engine
/// lists it without one, as `ep-<id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Endpoint {
    pub name: String,
    pub container: Option<String>,
}

pub(super) fn endpoints(n: Network) -> Vec<Endpoint> {
    let mut out: Vec<Endpoint> = n
        .containers
        .unwrap_or_default()
        .into_iter()
        .map(|(key, c)| {
            let container = (!key.starts_with("ep-")).then_some(key);
            Endpoint { name: c.name.unwrap_or_default(), container }
        })
        .filter(|e| !e.name.is_empty())
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::NetworkContainer;

    #[test]
    fn endpoints_name_their_container_unless_the_engine_lists_them_without_one() {
        let attached = |name: &str| NetworkContainer { name: Some(name.to_string()), ..Default::default() };
        let n = Network {
            containers: Some(HashMap::from([
                ("3f2a".to_string(), attached("p-web-1")),
                ("ep-9c1d".to_string(), attached("p-db-1")),
                ("77aa".to_string(), NetworkContainer::default()),
            ])),
            ..Default::default()
        };
        assert_eq!(
            endpoints(n),
            [
                Endpoint { name: "p-db-1".into(), container: None },
                Endpoint { name: "p-web-1".into(), container: Some("3f2a".into()) },
            ]
        );
        assert_eq!(endpoints(Network::default()), []);
    }
}

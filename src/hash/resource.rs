//! The config hash the reference writes on the networks and volumes it creates: sha256 of
//! the JSON its Go encoder writes for the resource's configuration, with `name` set to the
//! engine name and a volume's driver defaulting to `local`. The reference compares it with
//! the label of an existing network, so it must match byte for byte.
//!
//! The model's `Network` and `Volume` serialise their fields in the order compose-go
//! declares them, with the same omissions and sorted maps, so only Go's string escaping is
//! left to apply.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{Network, Volume};

pub fn network_hash(n: &Network, name: &str) -> String {
    let mut n = n.clone();
    n.name = Some(name.to_string());
    n.extensions.clear();
    n.ipam.extensions.clear();
    for pool in &mut n.ipam.config {
        pool.extensions.clear();
    }
    digest(&n)
}

pub fn volume_hash(v: &Volume, name: &str) -> String {
    let mut v = v.clone();
    v.name = Some(name.to_string());
    v.driver.get_or_insert_with(|| "local".to_string());
    v.extensions.clear();
    digest(&v)
}

fn digest(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    super::hex(&Sha256::digest(super::go_escaped(&json).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(yaml: &str) -> Network {
        serde_yaml::from_str(yaml).unwrap()
    }

    // The expected digests are the labels the reference wrote on the same definitions.
    #[test]
    fn network_hashes_match_the_reference() {
        assert_eq!(
            network_hash(&network("{}"), "dxa_front"),
            "b32fe2637d67e2f926d92d4182f56fed14df0de8f4fe96263490bec68e8b5bb3"
        );
        let full = network(
            "{driver: bridge, driver_opts: {com.docker.network.bridge.enable_icc: 'true'}, attachable: true,
              enable_ipv6: false, labels: {b.lab: 'x<y', a.lab: '1'}, x-ext: 1,
              ipam: {driver: default, options: {foo: bar},
                     config: [{subnet: 10.213.9.0/24, ip_range: 10.213.9.128/25, gateway: 10.213.9.254,
                               aux_addresses: {host1: 10.213.9.5, a: 10.213.9.6}}]}}",
        );
        assert_eq!(
            network_hash(&full, "dxn_n1"),
            "af5d357d49724a4714e6c899bac323bcb74b106755491bde1a1a259d57c5d827"
        );
        assert_eq!(
            network_hash(&network("{internal: true, name: custom-n2-dxn}"), "custom-n2-dxn"),
            "4e961bb7352f334622323eaa2d18d8c3bbc5f95151ba1c3e6d56a9b2c5d8540e"
        );
    }

    #[test]
    fn volume_hashes_match_the_reference() {
        let v: Volume =
            serde_yaml::from_str("{labels: {z: '1', a: '&'}, driver_opts: {type: tmpfs, device: tmpfs}}")
                .unwrap();
        assert_eq!(
            volume_hash(&v, "dxn_v1"),
            "274e168a4dbcdbb97c6554a14ad752ef39e6a507f7eb0452eaf0dabb69c5e719"
        );
        assert_eq!(
            volume_hash(&Volume::default(), "dxa_named"),
            "b168a1ab9c5113a58b4d63d74dae2905b43fb60bc06a163242a88f279e180540"
        );
    }
}

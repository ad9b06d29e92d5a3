//! The config hash of a service, stored in the `com.docker.compose.config-hash` label.
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::model::Service;

/// sha256 (hex) of the service's JSON form, keys sorted, without what may change without
/// recreating its containers: how the image is built or pulled, how many replicas run, what
/// it depends on and which profiles enable it. Extensions are left out as the reference's
/// JSON leaves them out.
pub fn config_hash(service: &Service) -> String {
    let mut s = service.json_view();
    s.build = None;
    s.pull_policy = None;
    s.scale = None;
    s.depends_on.clear();
    s.profiles.clear();
    if let Some(d) = &mut s.deploy {
        d.replicas = None;
    }
    let json = serde_json::to_value(&s).map(sorted).unwrap_or(Json::Null);
    hex(&Sha256::digest(json.to_string().as_bytes()))
}

/// Objects rebuilt with their keys in order, so the text does not depend on field order.
fn sorted(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            let mut entries: Vec<(String, Json)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Json::Array(items) => Json::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
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
}

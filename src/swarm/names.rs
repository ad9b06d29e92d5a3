//! Every name and label of the Swarm backend, as `docker stack deploy` makes them, so that
//! `docker stack ls/ps/services/rm` see what dockhand deployed and the other way round.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::model::{FileObject, Network, Project, Volume};

/// On every resource of a stack: the stack it belongs to.
pub const NAMESPACE: &str = crate::labels::STACK_NAMESPACE;
/// On every service: the image as the file names it, before the engine pins its digest.
pub const IMAGE: &str = "com.docker.stack.image";
/// The network a service joins when it names none.
pub const DEFAULT_NETWORK: &str = "default";
/// What a stack's networks are unless the file says otherwise.
pub const DEFAULT_DRIVER: &str = "overlay";
/// Hex digits of the content hash in a config's or secret's versioned name.
const VERSION_DIGITS: usize = 10;

/// `<stack>_<name>`: how a stack scopes the names of what it creates.
pub fn scoped(stack: &str, name: &str) -> String {
    format!("{stack}_{name}")
}

pub fn service(stack: &str, service: &str) -> String {
    scoped(stack, service)
}

/// The short service name inside a stack's service name (`app_web` → `web`).
pub fn service_key<'a>(stack: &str, name: &'a str) -> &'a str {
    name.strip_prefix(stack).and_then(|n| n.strip_prefix('_')).unwrap_or(name)
}

/// A network's engine name: `name:` (also for external ones), else scoped.
pub fn network(project: &Project, key: &str) -> String {
    let declared = project.networks.get(key).and_then(|n: &Network| n.name.clone());
    declared.unwrap_or_else(|| scoped(&project.name, key))
}

/// A named volume's engine name: `name:` (also for external ones), else scoped.
pub fn volume(project: &Project, key: &str) -> String {
    let declared = project.volumes.get(key).and_then(|v: &Volume| v.name.clone());
    declared.unwrap_or_else(|| scoped(&project.name, key))
}

/// A config's or secret's engine name. External ones and those with `name:` keep their
/// name; the others get a short hash of their content, as Swarm configs and secrets never
/// change: new content is a new object, and an unchanged one keeps its name.
pub fn file_object(stack: &str, key: &str, object: &FileObject, content: &[u8]) -> String {
    if let Some(name) = &object.name {
        return name.clone();
    }
    if object.external {
        return key.to_string();
    }
    format!("{}_{}", scoped(stack, key), content_version(content))
}

/// The first hex digits of the content's sha256.
pub fn content_version(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let mut hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex.truncate(VERSION_DIGITS);
    hex
}

/// `labels` with the stack's namespace label added.
pub fn with_namespace(stack: &str, labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut l = labels.clone();
    l.insert(NAMESPACE.to_string(), stack.to_string());
    l
}

/// The filter that finds a stack's resources.
pub fn namespace_filter(stack: &str) -> String {
    format!("{NAMESPACE}={stack}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_scoped_unless_the_file_names_them() {
        let mut p = Project { name: "app".into(), ..Project::default() };
        p.networks.insert("front".into(), Network::default());
        p.networks.insert("ext".into(), Network { name: Some("shared".into()), external: true, ..Network::default() });
        assert_eq!(network(&p, "front"), "app_front");
        assert_eq!(network(&p, "default"), "app_default");
        assert_eq!(network(&p, "ext"), "shared");
        assert_eq!(volume(&p, "data"), "app_data");
        assert_eq!(service("app", "web"), "app_web");
        assert_eq!(service_key("app", "app_web"), "web");
    }

    #[test]
    fn configs_are_versioned_by_content() {
        let plain = FileObject::default();
        let a = file_object("app", "settings", &plain, b"one");
        let b = file_object("app", "settings", &plain, b"two");
        assert!(a.starts_with("app_settings_") && a.len() == "app_settings_".len() + 10);
        assert_ne!(a, b);
        assert_eq!(a, file_object("app", "settings", &plain, b"one"));
        let named = FileObject { name: Some("fixed".into()), ..FileObject::default() };
        assert_eq!(file_object("app", "settings", &named, b"one"), "fixed");
        let external = FileObject { external: true, ..FileObject::default() };
        assert_eq!(file_object("app", "settings", &external, b""), "settings");
    }
}

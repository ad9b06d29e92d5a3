//! Every name and label set the container backend gives what it makes: images, containers
//! (replicas, one-offs, the old one set aside during a recreate), networks and volumes. Each
//! follows the reference's scheme, so that `docker compose` and dockhand recognise each
//! other's resources; the label keys themselves are in `crate::labels`.
//!
//! Plain strings in, strings out, and nothing imported but the label keys: the loader, the
//! planner and the engine's conversion all name things through here.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::labels;

pub type Labels = BTreeMap<String, String>;

/// What joins project, service and number in a container name: `_` with `--compatibility`
/// (the names of compose v1), `-` otherwise.
pub fn separator(compatibility: bool) -> char {
    if compatibility {
        '_'
    } else {
        '-'
    }
}

/// The image a service runs: its `image:`, or `<project>-<service>`, the tag its build gets.
pub fn image(project: &str, service: &str, declared: Option<&str>) -> String {
    declared.map_or_else(|| default_image(project, service), str::to_string)
}

/// Whether `image` is the name a build of the service is tagged with when it names none.
pub fn is_default_image(project: &str, service: &str, image: &str) -> bool {
    image == default_image(project, service)
}

fn default_image(project: &str, service: &str) -> String {
    format!("{project}-{service}")
}

/// Replica `number` of a service: its `container_name:`, or `<project>-<service>-<number>`.
pub fn container(project: &str, sep: char, service: &str, number: u32, declared: Option<&str>) -> String {
    declared.map_or_else(|| format!("{project}{sep}{service}{sep}{number}"), str::to_string)
}

/// A one-off of `run`: `--name`, or `<project>-<service>-run-<first 12 of the slug>`.
pub fn one_off(project: &str, sep: char, service: &str, slug: &str, declared: Option<&str>) -> String {
    let short: String = slug.chars().take(12).collect();
    declared.map_or_else(|| format!("{project}{sep}{service}{sep}run{sep}{short}"), str::to_string)
}

/// The name a recreate gives the old container while the new one takes `name`:
/// `<first 12 of its id>_<name>`.
pub fn set_aside(old_id: &str, name: &str) -> String {
    format!("{}_{name}", old_id.chars().take(12).collect::<String>())
}

/// Whether `actual` is the name `set_aside` gives a container that held `wanted`.
pub fn is_set_aside(actual: &str, wanted: &str) -> bool {
    actual.split_once('_').is_some_and(|(prefix, rest)| {
        rest == wanted && prefix.len() == 12 && prefix.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The aliases a legacy link to replica `number` of `service` adds besides its own, as the
/// reference's: `<service>-<n>` and `<project>-<service>-<n>`, with `-` whatever the separator.
pub fn link_aliases(project: &str, service: &str, number: u32) -> [String; 2] {
    [format!("{service}-{number}"), format!("{project}-{service}-{number}")]
}

/// A container's name as its service's logs are prefixed: without the project's `<project>-`.
pub fn without_project<'a>(project: &str, name: &'a str) -> &'a str {
    let name = name.trim_start_matches('/');
    name.strip_prefix(project).and_then(|n| n.strip_prefix('-')).unwrap_or(name)
}

/// A network, volume, secret or config: its `name:`, or `<project>_<key>`.
pub fn resource(project: &str, key: &str, declared: Option<&str>) -> String {
    declared.map_or_else(|| format!("{project}_{key}"), str::to_string)
}

/// The label filter that finds what a project's containers, networks and volumes are.
pub fn project_filter(project: &str) -> String {
    format!("{}={project}", labels::PROJECT)
}

/// Where a project came from, as every container of it records.
#[derive(Debug, Clone, Copy)]
pub struct ProjectFiles<'a> {
    pub working_dir: &'a std::path::Path,
    pub config_files: &'a [PathBuf],
    pub environment_files: &'a [PathBuf],
}

/// One `depends_on` entry as the label lists it: `<service>:<condition>:<restart>`.
pub fn dependency(service: &str, condition: &str, restart: bool) -> String {
    format!("{service}:{condition}:{restart}")
}

/// What every container of a service carries; `depends_on` as `dependency` writes each.
pub fn service_labels(project: &str, service: &str, hash: &str, depends_on: &[String], files: ProjectFiles) -> Labels {
    let join = |paths: &[PathBuf]| paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(",");
    let mut l = Labels::new();
    l.insert(labels::PROJECT.to_string(), project.to_string());
    l.insert(labels::SERVICE.to_string(), service.to_string());
    l.insert(labels::ONEOFF.to_string(), labels::NOT_ONE_OFF.to_string());
    l.insert(labels::CONFIG_HASH.to_string(), hash.to_string());
    l.insert(labels::DEPENDS_ON.to_string(), depends_on.join(","));
    l.insert(labels::WORKING_DIR.to_string(), files.working_dir.display().to_string());
    l.insert(labels::CONFIG_FILES.to_string(), join(files.config_files));
    if !files.environment_files.is_empty() {
        l.insert(labels::ENVIRONMENT_FILE.to_string(), join(files.environment_files));
    }
    l.insert(labels::VERSION.to_string(), labels::COMPOSE_VERSION.to_string());
    l
}

/// Replica `number` of a service: the service's labels, its number and the applied
/// configuration that explains a later recreate.
pub fn replica_labels(service_labels: &Labels, number: u32, applied: &str) -> Labels {
    let mut l = service_labels.clone();
    l.insert(labels::CONTAINER_NUMBER.to_string(), number.to_string());
    l.insert(labels::APPLIED.to_string(), applied.to_string());
    l
}

/// One secret or config of a service as the content label records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentDigest {
    /// `secret` or `config`.
    pub kind: &'static str,
    /// Its key in the project's `secrets:` or `configs:`.
    pub key: String,
    pub digest: String,
}

/// Records what each secret and config of a service holds: `<kind>:<key>=<digest>`, joined
/// by `,` (keys are `[a-zA-Z0-9._-]`). A service with none gets no label.
pub fn set_content(labels: &mut Labels, content: &[ContentDigest]) {
    if content.is_empty() {
        return;
    }
    let entries: Vec<String> = content.iter().map(|c| format!("{}:{}={}", c.kind, c.key, c.digest)).collect();
    labels.insert(labels::CONTENT.to_string(), entries.join(","));
}

/// The digests a container's content label holds, by `(kind, key)`; `None` without the label.
pub fn content_digests(labels: &Labels) -> Option<BTreeMap<(String, String), String>> {
    let value = labels.get(labels::CONTENT)?;
    let entry = |e: &str| {
        let (name, digest) = e.rsplit_once('=')?;
        let (kind, key) = name.split_once(':')?;
        Some(((kind.to_string(), key.to_string()), digest.to_string()))
    };
    Some(value.split(',').filter_map(entry).collect())
}

/// The config hash, which a service sharing other containers knows only once they exist.
pub fn set_config_hash(labels: &mut Labels, hash: String) {
    labels.insert(labels::CONFIG_HASH.to_string(), hash);
}

/// The config hash a container is created with, empty when its labels carry none.
pub fn config_hash(labels: &HashMap<String, String>) -> &str {
    labels.get(labels::CONFIG_HASH).map_or("", String::as_str)
}

/// A replacement is marked with the replica it replaces: `<service>-<number>`, or the
/// `container_name:` when there is one, as the reference marks it.
pub fn mark_replacing(labels: &mut Labels, service: &str, number: u32, declared: Option<&str>) {
    let replaced = declared.map_or_else(|| format!("{service}-{number}"), str::to_string);
    labels.insert(labels::REPLACE.to_string(), replaced);
}

/// A one-off of the service: its labels without a number or applied configuration, marked as
/// a one-off with its slug.
pub fn one_off_labels(service_labels: &Labels, slug: &str) -> Labels {
    let mut l = service_labels.clone();
    l.remove(labels::CONTAINER_NUMBER);
    l.remove(labels::APPLIED);
    l.insert(labels::ONEOFF.to_string(), labels::ONE_OFF.to_string());
    l.insert(labels::SLUG.to_string(), slug.to_string());
    l
}

/// What the engine gets for a container: the service's `labels:`, then the planner's, then
/// the id of the image it runs when known, as the reference records it.
pub fn container_labels(own: &Labels, planned: &Labels, image_id: Option<&str>) -> Labels {
    let mut l = own.clone();
    l.extend(planned.clone());
    if let Some(id) = image_id {
        l.insert(labels::IMAGE.to_string(), id.to_string());
    }
    l
}

/// As the reference's BuildKit builds label them: `build.labels`, then the project, the
/// service and the compose version. Images of identical builds in two projects thus differ,
/// and a project's unused images can be told from everyone else's.
pub fn image_labels(project: &str, service: &str, build_labels: &Labels) -> Labels {
    let mut l = build_labels.clone();
    l.insert(labels::VERSION.to_string(), labels::COMPOSE_VERSION.to_string());
    l.insert(labels::PROJECT.to_string(), project.to_string());
    l.insert(labels::SERVICE.to_string(), service.to_string());
    l
}

/// Which of a project's resources a network or volume is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Network,
    Volume,
}

/// A network's or volume's own labels, then the ones that tie it to the project, with the
/// config hash the reference checks when it finds the resource.
pub fn resource_labels(own: &Labels, kind: ResourceKind, project: &str, key: &str, hash: String) -> Labels {
    let key_label = match kind {
        ResourceKind::Network => labels::NETWORK,
        ResourceKind::Volume => labels::VOLUME,
    };
    let mut l = own.clone();
    l.insert(labels::CONFIG_HASH.to_string(), hash);
    l.insert(key_label.to_string(), key.to_string());
    l.insert(labels::PROJECT.to_string(), project.to_string());
    l.insert(labels::VERSION.to_string(), labels::COMPOSE_VERSION.to_string());
    l
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn containers_are_named_after_project_service_and_number_unless_declared() {
        assert_eq!(container("shop", '-', "web", 2, None), "shop-web-2");
        assert_eq!(container("shop", separator(true), "web", 2, None), "shop_web_2");
        assert_eq!(container("shop", '-', "web", 2, Some("front")), "front");
        assert_eq!(separator(false), '-');
    }

    #[test]
    fn one_offs_take_the_first_twelve_of_the_slug() {
        let slug = "0123456789abcdef";
        assert_eq!(one_off("shop", '-', "web", slug, None), "shop-web-run-0123456789ab");
        assert_eq!(one_off("shop", '_', "web", slug, None), "shop_web_run_0123456789ab");
        assert_eq!(one_off("shop", '-', "web", slug, Some("mine")), "mine");
    }

    #[test]
    fn built_images_are_named_after_project_and_service() {
        assert_eq!(image("shop", "web", None), "shop-web");
        assert_eq!(image("shop", "web", Some("nginx")), "nginx");
        assert!(is_default_image("shop", "web", "shop-web"));
        assert!(!is_default_image("shop", "web", "shop-web:2"));
    }

    #[test]
    fn networks_and_volumes_are_prefixed_with_the_project_unless_named() {
        assert_eq!(resource("shop", "default", None), "shop_default");
        assert_eq!(resource("shop", "data", Some("shared")), "shared");
    }

    #[test]
    fn a_set_aside_name_is_recognised_only_with_a_twelve_digit_id() {
        let aside = set_aside("0123456789abcdef0123", "shop-web-1");
        assert_eq!(aside, "0123456789ab_shop-web-1");
        assert!(is_set_aside(&aside, "shop-web-1"));
        assert!(!is_set_aside(&aside, "shop-web-2"));
        assert!(!is_set_aside("shop_web_1", "web_1"));
    }

    #[test]
    fn link_aliases_and_log_prefixes_use_a_dash() {
        assert_eq!(link_aliases("shop", "db", 1), ["db-1".to_string(), "shop-db-1".to_string()]);
        assert_eq!(without_project("shop", "/shop-web-1"), "web-1");
        assert_eq!(without_project("shop", "custom"), "custom");
    }

    fn web_labels(env: &[PathBuf]) -> Labels {
        let files = [PathBuf::from("/p/compose.yaml"), PathBuf::from("/p/override.yaml")];
        let o = ProjectFiles { working_dir: Path::new("/p"), config_files: &files, environment_files: env };
        let deps = [dependency("db", "service_healthy", true)];
        service_labels("shop", "web", "h", &deps, o)
    }

    #[test]
    fn service_labels_tie_a_container_to_its_project_and_files() {
        let l = web_labels(&[]);
        assert_eq!(l[labels::PROJECT], "shop");
        assert_eq!(l[labels::SERVICE], "web");
        assert_eq!(l[labels::ONEOFF], "False");
        assert_eq!(l[labels::CONFIG_HASH], "h");
        assert_eq!(l[labels::DEPENDS_ON], "db:service_healthy:true");
        assert_eq!(l[labels::WORKING_DIR], "/p");
        assert_eq!(l[labels::CONFIG_FILES], "/p/compose.yaml,/p/override.yaml");
        assert_eq!(l[labels::VERSION], labels::COMPOSE_VERSION);
        assert!(!l.contains_key(labels::ENVIRONMENT_FILE));
        assert_eq!(web_labels(&[PathBuf::from("/p/.env")])[labels::ENVIRONMENT_FILE], "/p/.env");
    }

    #[test]
    fn replicas_one_offs_and_replacements_differ_only_in_their_own_labels() {
        let service = web_labels(&[]);
        let mut replica = replica_labels(&service, 3, "{}");
        assert_eq!(replica[labels::CONTAINER_NUMBER], "3");
        assert_eq!(replica[labels::APPLIED], "{}");
        mark_replacing(&mut replica, "web", 3, None);
        assert_eq!(replica[labels::REPLACE], "web-3");
        mark_replacing(&mut replica, "web", 3, Some("front"));
        assert_eq!(replica[labels::REPLACE], "front");
        set_config_hash(&mut replica, "h2".into());
        assert_eq!(config_hash(&replica.clone().into_iter().collect()), "h2");

        let one = one_off_labels(&replica, "slug");
        assert_eq!(one[labels::ONEOFF], "True");
        assert_eq!(one[labels::SLUG], "slug");
        assert!(!one.contains_key(labels::CONTAINER_NUMBER) && !one.contains_key(labels::APPLIED));
        assert_eq!(config_hash(&HashMap::new()), "");
        assert!(labels::is_one_off(one.get(labels::ONEOFF).map(String::as_str)));
        assert!(!labels::is_one_off(service.get(labels::ONEOFF).map(String::as_str)) && !labels::is_one_off(None));
    }

    #[test]
    fn the_content_label_lists_each_secret_and_config_with_its_digest() {
        let mut l = Labels::new();
        set_content(&mut l, &[]);
        assert_eq!(content_digests(&l), None);
        let content = [
            ContentDigest { kind: "config", key: "app.settings".into(), digest: "ab12".into() },
            ContentDigest { kind: "secret", key: "token".into(), digest: "cd34".into() },
        ];
        set_content(&mut l, &content);
        assert_eq!(l[labels::CONTENT], "config:app.settings=ab12,secret:token=cd34");
        let found = content_digests(&l).unwrap();
        assert_eq!(found[&("config".to_string(), "app.settings".to_string())], "ab12");
        assert_eq!(found[&("secret".to_string(), "token".to_string())], "cd34");
        l.insert(labels::CONTENT.to_string(), String::new());
        assert_eq!(content_digests(&l), Some(BTreeMap::new()));
    }

    #[test]
    fn ours_win_over_the_users_labels() {
        let own = Labels::from([(labels::PROJECT.to_string(), "mine".to_string()), ("a".to_string(), "1".to_string())]);
        let planned = Labels::from([(labels::PROJECT.to_string(), "shop".to_string())]);
        let c = container_labels(&own, &planned, Some("sha256:x"));
        assert_eq!((c[labels::PROJECT].as_str(), c["a"].as_str(), c[labels::IMAGE].as_str()), ("shop", "1", "sha256:x"));

        let net = resource_labels(&own, ResourceKind::Network, "shop", "front", "h".into());
        assert_eq!((net[labels::PROJECT].as_str(), net[labels::NETWORK].as_str()), ("shop", "front"));
        let vol = resource_labels(&Labels::new(), ResourceKind::Volume, "shop", "data", "h".into());
        assert_eq!((vol[labels::VOLUME].as_str(), vol[labels::CONFIG_HASH].as_str()), ("data", "h"));

        let img = image_labels("shop", "web", &own);
        assert_eq!((img[labels::PROJECT].as_str(), img[labels::SERVICE].as_str(), img["a"].as_str()), ("shop", "web", "1"));
        assert_eq!(project_filter("shop"), "com.docker.compose.project=shop");
    }
}

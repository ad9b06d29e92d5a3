//! Plans of `build`, `pull` and `push`: one action per image, whatever the number of
//! services sharing it.

use std::collections::BTreeSet;

use super::desired::Desired;
use crate::plan::{Plan, Reason, ResourceId};
use crate::containers::names;
use crate::containers::ops::Op;

fn chosen<'a>(desired: &'a Desired, services: &'a [String]) -> impl Iterator<Item = &'a super::desired::DesiredService> + 'a {
    desired.services.iter().filter(move |s| services.is_empty() || services.contains(&s.name))
}

/// Every service with a `build:` section, built afresh.
pub fn builds(desired: &Desired, services: &[String]) -> Plan<Op> {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for s in chosen(desired, services).filter(|s| s.has_build) {
        if seen.insert(s.image.as_str()) {
            let op = Op::BuildImage { service: s.name.clone(), image: s.image.clone(), labels: s.image_labels.clone() };
            plan.push(ResourceId::Image(s.image.clone()), op, Reason::command("build"), vec![]);
        }
    }
    plan
}

/// `watch --prune`, as the reference prunes after a rebuild: the project's dangling images
/// (no tag left, the project's label), except those in `kept`: just built, or recorded by a
/// container as the image `rollback` returns to. An image another project still tags is not
/// dangling, and one without the project's label is not ours: both stay.
pub fn prune(dangling: &[String], kept: &BTreeSet<String>) -> Plan<Op> {
    let mut plan = Plan::default();
    for id in dangling.iter().filter(|id| !kept.contains(*id)) {
        plan.push(ResourceId::Image(id.clone()), Op::RemoveImage { image: id.clone() }, Reason::Dangling, vec![]);
    }
    plan
}

/// Images of services that name one; a service that is built without naming an image has
/// nothing to pull. `missing_only` (`--policy missing`) skips the images present.
pub fn pulls(desired: &Desired, present: &BTreeSet<String>, services: &[String], missing_only: bool) -> Plan<Op> {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for s in chosen(desired, services).filter(|s| !s.has_build || !names::is_default_image(&desired.project, &s.name, &s.image)) {
        if (missing_only && present.contains(&s.image)) || !seen.insert(s.image.as_str()) {
            continue;
        }
        let op = Op::PullImage { image: s.image.clone(), platform: s.platform.clone() };
        plan.push(ResourceId::Image(s.image.clone()), op, Reason::command("pull"), vec![]);
    }
    plan
}

/// Images the project builds and names, pushed to their registries.
pub fn pushes(desired: &Desired, services: &[String]) -> Plan<Op> {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for s in chosen(desired, services).filter(|s| s.has_build) {
        if seen.insert(s.image.as_str()) {
            let op = Op::PushImage { image: s.image.clone() };
            plan.push(ResourceId::Image(s.image.clone()), op, Reason::command("push"), vec![]);
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::containers::desired::{desired, Origin};
    use crate::plan::Operation;

    fn project() -> Desired {
        let yaml = r#"
name: p
services:
  app: {build: {context: .}}
  named: {build: {context: .}, image: registry.example/named:1}
  db: {image: busybox}
  cache: {image: busybox}
"#;
        let value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        desired(&crate::load::bind::bind(value).unwrap(), &Origin::default(), &BTreeMap::new())
    }

    fn images(p: &Plan<Op>) -> Vec<String> {
        p.actions.iter().map(|a| format!("{} {}", a.op.verb(), a.resource)).collect()
    }

    #[test]
    fn build_pull_and_push_pick_their_images_once() {
        let d = project();
        let mut built = images(&builds(&d, &[]));
        built.sort();
        assert_eq!(built, ["build image:p-app", "build image:registry.example/named:1"]);
        let mut pulled = images(&pulls(&d, &BTreeSet::new(), &[], false));
        pulled.sort();
        assert_eq!(pulled, ["pull image:busybox", "pull image:registry.example/named:1"]);
        let present = BTreeSet::from(["busybox".to_string()]);
        assert_eq!(images(&pulls(&d, &present, &["db".into()], true)), Vec::<String>::new());
        assert_eq!(images(&pushes(&d, &["named".into()])), ["push image:registry.example/named:1"]);
    }

    #[test]
    fn builds_label_images_with_the_project_and_service() {
        let d = project();
        let plan = builds(&d, &["app".into()]);
        let Op::BuildImage { labels, .. } = &plan.actions[0].op else { panic!("{plan}") };
        assert_eq!(labels.get(crate::labels::PROJECT).map(String::as_str), Some("p"));
        assert_eq!(labels.get(crate::labels::SERVICE).map(String::as_str), Some("app"));
        assert_eq!(labels.get(crate::labels::VERSION).map(String::as_str), Some(crate::labels::COMPOSE_VERSION));
    }

    #[test]
    fn prune_removes_dangling_images_of_the_project_but_not_those_just_built() {
        let dangling = ["sha256:old".to_string(), "sha256:new".to_string()];
        let built = BTreeSet::from(["sha256:new".to_string()]);
        assert_eq!(images(&prune(&dangling, &built)), ["remove image:sha256:old"]);
        assert!(prune(&[], &built).is_empty());
    }
}

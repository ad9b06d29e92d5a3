//! What the planner now states that performing used to work out at run time.

use std::collections::BTreeMap;

use super::*;
use crate::containers::tests::replaced_container;
use crate::containers::ops::Op;
use crate::containers::conflict::NetworkClaim;
use crate::containers::desired::{desired, Origin};
use crate::containers::reconcile::{containers, UpOptions};

const PROJECT: &str = r#"
services:
  db:
    image: busybox
    stop_grace_period: 7s
  web:
    image: busybox
    network_mode: "service:db"
  named:
    image: busybox
    container_name: fixed
networks:
  front: {}
"#;

fn project() -> Desired {
    let mut value: serde_yaml::Value = serde_yaml::from_str(PROJECT).unwrap();
    value["name"] = "p".into();
    desired(&crate::load::bind::bind(value).unwrap(), &Origin::default(), &BTreeMap::new())
}


#[test]
fn a_new_container_carries_its_labels_and_the_rule_for_a_taken_name() {
    let d = project();
    let o = Observed { images: BTreeMap::from([("busybox".to_string(), "sha256:img".to_string())]), ..Observed::default() };
    let db = d.service("db").unwrap();
    let new = new_container(&d, &o, db, 2, "p-db-2", Files::default());
    assert_eq!(new.labels[labels::CONTAINER_NUMBER], "2");
    assert_eq!(new.labels[crate::labels::APPLIED], db.applied);
    assert_eq!(new.labels[labels::CONFIG_HASH], db.hash);
    assert!(new.anonymous_volumes.is_empty() && new.shared.is_none());
    let claim = ContainerClaim {
        project: "p".into(),
        service: "db".into(),
        number: 2,
        name: "p-db-2".into(),
        image_id: Some("sha256:img".into()),
    };
    assert_eq!(new.claim, claim);
}

#[test]
fn a_container_in_anothers_namespace_defers_the_shared_ids_to_run_time() {
    let d = project();
    let web = d.service("web").unwrap();
    let new = new_container(&d, &Observed::default(), web, 1, "p-web-1", Files::default());
    let shared = new.shared.expect("web shares db's namespace");
    assert_eq!(shared.containers, BTreeMap::from([("db".to_string(), "p-db-1".to_string())]));
    let ids = BTreeMap::from([("db".to_string(), "id-db".to_string())]);
    let mut labels = new.labels.clone();
    shared.resolve(&mut labels, &ids);
    assert_eq!(labels[labels::CONFIG_HASH], web.hash_with(&ids));
}

#[test]
fn a_replacement_takes_the_old_volumes_unless_renewed_and_names_what_it_replaces() {
    let d = project();
    let db = d.service("db").unwrap();
    let old = replaced_container("db", "p-db-1", "0123456789abcdef");
    let o = Observed { containers: vec![old.clone()], ..Observed::default() };
    let (new, replaced) = replacement(&o, beside(&d, &o, db, 1, "p-db-1", &old, Files::default(), false), &old, Some(7));
    assert_eq!(new.anonymous_volumes["/data"], "anon123");
    assert_eq!(new.labels[labels::REPLACE], "db-1");
    assert_eq!(
        replaced,
        Replaced { id: old.id.clone(), aside: "0123456789ab_p-db-1".into(), renamed: false, stop_timeout: Some(7), leftover: None, keep: false }
    );
    let (new, _) = replacement(&o, beside(&d, &o, db, 1, "p-db-1", &old, Files::default(), true), &old, None);
    assert!(new.anonymous_volumes.is_empty(), "-V: fresh anonymous volumes");

    let named = d.service("named").unwrap();
    let old = replaced_container("named", "fixed", "fedcba9876543210");
    let (new, _) = replacement(&o, beside(&d, &o, named, 1, "fixed", &old, Files::default(), false), &old, None);
    assert_eq!(new.labels[labels::REPLACE], "fixed");
}

#[test]
fn a_replacement_names_what_an_interrupted_recreate_left() {
    let d = project();
    let db = d.service("db").unwrap();
    let old = replaced_container("db", "0123456789ab_p-db-1", "0123456789abcdef");
    let mut left = replaced_container("db", "p-db-1", "late");
    left.labels.insert(labels::CONFIG_HASH.into(), db.hash.clone());
    let o = Observed { containers: vec![old.clone(), left], ..Observed::default() };
    let (_, replaced) = replacement(&o, beside(&d, &o, db, 1, "p-db-1", &old, Files::default(), false), &old, None);
    assert!(replaced.renamed);
    let leftover = replaced.leftover.expect("the new container an interrupted run made");
    assert_eq!(leftover.id, "late");
    assert!(leftover.kept(&db.hash) && !leftover.kept("other"));
}

#[test]
fn up_plans_carry_grace_periods_and_network_claims() {
    let d = project();
    let mut o = Observed::default();
    let mut old = replaced_container("db", "p-db-1", "0123456789abcdef");
    old.labels = d.service("db").unwrap().labels.clone();
    o.containers.push(old);
    let opts = UpOptions { force_recreate: true, targets: vec!["db".into()], ..UpOptions::default() };
    let plan = containers(&d, &o, &opts).unwrap();
    let recreate = plan.actions.iter().find_map(|a| match &a.op {
        Op::RecreateContainer { old, .. } => Some(old.stop_timeout),
        _ => None,
    });
    assert_eq!(recreate, Some(Some(7)), "{plan}");
    let plan = containers(&d, &o, &UpOptions { timeout: Some(1), ..opts }).unwrap();
    let recreate = plan.actions.iter().find_map(|a| match &a.op {
        Op::RecreateContainer { old, .. } => Some(old.stop_timeout),
        _ => None,
    });
    assert_eq!(recreate, Some(Some(1)), "-t wins: {plan}");
    let claim = plan.actions.iter().find_map(|a| match &a.op {
        Op::CreateNetwork { claim, .. } => Some(claim.clone()),
        _ => None,
    });
    let network = &d.networks[0];
    assert_eq!(claim, Some(NetworkClaim { project: "p".into(), name: network.name.clone(), hash: network.hash.clone() }));
}

#[test]
fn a_replacement_records_the_last_version_that_differed_for_rollback() {
    let d = project();
    let db = d.service("db").unwrap();
    let o = Observed { images: BTreeMap::from([("busybox".to_string(), "sha256:new".to_string())]), ..Observed::default() };
    let replace = |old: &ObservedContainer| replacement(&o, beside(&d, &o, db, 1, "p-db-1", old, Files::default(), false), old, None).0.labels;
    let recorded = |l: &BTreeMap<String, String>| names::previous(l).map(|(c, i)| (c.to_string(), i.to_string()));

    let mut old = replaced_container("db", "p-db-1", "0123456789abcdef");
    assert_eq!(recorded(&replace(&old)), None, "a container the reference made records no configuration");

    old.labels.insert(labels::APPLIED.into(), r#"{"image":"busybox","environment":{"V":"1"}}"#.into());
    old.labels.insert(labels::PREVIOUS.into(), "v0".into());
    old.labels.insert(labels::PREVIOUS_IMAGE.into(), "sha256:v0".into());
    let expected = Some((old.labels[labels::APPLIED].clone(), "sha256:img".to_string()));
    assert_eq!(recorded(&replace(&old)), expected, "another configuration: the old one is recorded");

    old.labels.insert(labels::APPLIED.into(), db.applied.clone());
    assert_eq!(recorded(&replace(&old)), Some((db.applied.clone(), "sha256:img".into())), "another image: recorded");

    old.image_id = "sha256:new".into();
    let kept = Some(("v0".to_string(), "sha256:v0".to_string()));
    assert_eq!(recorded(&replace(&old)), kept, "the same version again: the record it had is passed on");
}

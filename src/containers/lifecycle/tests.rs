use std::collections::BTreeMap;

use super::*;
use crate::containers::desired::{desired, Origin};
use crate::containers::observe::RunState;

const FILE: &str = r#"
name: p
services:
  db: {image: busybox}
  api:
    image: busybox
    depends_on: {db: {condition: service_started, required: true, restart: true}}
  web:
    image: busybox
    depends_on: {api: {condition: service_started, required: true}}
"#;

fn project() -> Desired {
    let value: serde_yaml::Value = serde_yaml::from_str(FILE).unwrap();
    desired(&crate::load::bind::bind(value).unwrap(), &Origin::default(), &BTreeMap::new())
}

fn observed(states: &[(&str, RunState)]) -> Observed {
    let containers = states
        .iter()
        .map(|(service, state)| ObservedContainer {
            id: format!("id-{service}"),
            name: format!("p-{service}-1"),
            service: (*service).into(),
            number: 1,
            oneoff: false,
            labels: BTreeMap::new(),
            image_id: String::new(),
            state: *state,
            health: None,
            anonymous_volumes: BTreeMap::new(),
            networks: vec![],
            named_volumes: vec![],
            created: 0,
        })
        .collect();
    Observed { containers, ..Observed::default() }
}

fn lines(p: &Plan<Op>) -> Vec<String> {
    p.to_string().lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

#[test]
fn start_starts_stopped_containers_after_their_dependencies() {
    let o = observed(&[("db", RunState::Exited), ("api", RunState::Running), ("web", RunState::Created)]);
    let plan = start(&project(), &o, &[]).unwrap();
    assert_eq!(lines(&plan), ["0 start container:db:1 start", "1 start container:web:1 start"]);
    let none = start(&project(), &observed(&[("db", RunState::Exited)]), &["web".into()]);
    assert_eq!(none.unwrap_err(), "service \"web\" has no container to start");
    let empty = start(&project(), &Observed::default(), &[]);
    assert_eq!(empty.unwrap_err(), "no container found for project \"p\": not found");
}

#[test]
fn restart_takes_the_dependents_that_asked_for_it() {
    let o = observed(&[("db", RunState::Running), ("api", RunState::Running), ("web", RunState::Running)]);
    let plan = restart(&project(), &o, &["db".into()], false, None);
    assert_eq!(lines(&plan), ["0 restart container:db:1 restart", "1 restart container:api:1 restart (after 0)"]);
    let plan = restart(&project(), &o, &["db".into()], true, Some(4));
    assert_eq!(lines(&plan), ["0 restart container:db:1 restart"]);
    assert!(matches!(&plan.actions[0].op, Op::RestartContainer { timeout: Some(4), .. }), "-t is the plan's");
}

#[test]
fn kill_pause_and_rm_act_on_the_containers_in_the_right_state() {
    let o = observed(&[("db", RunState::Running), ("api", RunState::Paused), ("web", RunState::Exited)]);
    assert_eq!(lines(&kill(&o, &[], "SIGKILL")), ["0 kill container:db:1 kill -s SIGKILL", "1 kill container:api:1 kill -s SIGKILL"]);
    // The paused one too, and the running one to unpause: the engine refuses, as for the reference.
    assert_eq!(lines(&pause(&o, &[], true)), ["0 pause container:db:1 pause", "1 pause container:api:1 pause"]);
    assert_eq!(lines(&pause(&o, &[], false)), ["0 unpause container:db:1 unpause", "1 unpause container:api:1 unpause"]);
    assert_eq!(lines(&remove(&o, &[], false, false)), ["0 remove container:web:1 rm"]);
    assert_eq!(
        lines(&remove(&o, &["db".into()], true, false)),
        ["0 stop container:db:1 rm -s", "1 remove container:db:1 rm (after 0)"]
    );
}

//! Rolling updates as plans: plain values in, plan text out. No engine.

use super::*;
use crate::containers::reconcile::{containers, UpOptions};
use crate::containers::tests::{lines, project, running};

fn service(update: &str, extra: &str) -> String {
    format!(
        "services:\n  web:\n    image: busybox\n    environment: {{V: '2'}}\n{extra}    deploy:\n      replicas: REPLICAS\n      update_config: {update}\n"
    )
}

/// The plan of an `up` after `V` changed from 1 to 2 in a project of `replicas` replicas.
fn update(update: &str, extra: &str, replicas: u32) -> Vec<String> {
    let yaml = service(update, extra).replace("REPLICAS", &replicas.to_string());
    let before = project(&yaml.replace("V: '2'", "V: '1'"));
    let after = project(&yaml);
    let plan = containers(&after, &running(&before), &UpOptions::default()).unwrap();
    lines(&plan)
}

#[test]
fn start_first_makes_the_replacement_beside_and_moves_the_aliases_once_it_is_ready() {
    assert_eq!(
        update("{order: start-first}", "", 1),
        [
            "0 create container:web:2 start-first: replaces p-web-1 (environment.V: \"1\" → \"2\"); made beside it, off the aliases of web",
            "1 start container:web:2 created (after 0)",
            "2 wait container:web:2 ready (running, healthy with a healthcheck) before it takes the aliases (after 1)",
            "3 attach container:web:2 start-first: ready: joins the aliases of web (after 2)",
            "4 detach container:web:1 start-first: replaced by p-web-2: leaves the aliases (after 3)",
            "5 stop container:web:1 start-first: replaced by p-web-2 (after 4)",
            "6 remove container:web:2 the failed replacement goes, p-web-1 serves on (if 3 fails)",
            "7 remove container:web:1 start-first: replaced by p-web-2 (after 5)",
        ]
    );
}

#[test]
fn a_start_first_rollback_keeps_the_old_containers_until_the_rollout_ends_and_brings_them_back_on_failure() {
    let plan = update("{order: start-first, failure_action: rollback}", "", 1);
    assert_eq!(
        plan[5..],
        [
            "5 stop container:web:1 start-first: replaced by p-web-2 (after 4)",
            "6 remove container:web:2 the failed replacement goes, p-web-1 serves on (if 3 fails)",
            "7 wait service:web update_config: every replica replaced (after 5)",
            "8 wait service:web failure_action rollback: the update of web is undone (if 7 fails)",
            "9 remove container:web:1 the rollout of web ended: replaced by p-web-2 (after 7, 5)",
            // rollback_config is absent: the update's own order, start-first.
            "10 restore container:web:1 rollback: p-web-1 started again (after 3, 8, if they were done)",
            "11 wait container:web:1 rollback: p-web-1 ready again (after 10)",
            "12 attach container:web:1 rollback: p-web-1 rejoins the aliases of web (after 11)",
            "13 detach container:web:2 rollback: p-web-2 leaves the aliases (after 12)",
            "14 stop container:web:2 rollback: p-web-2 goes back to p-web-1 (after 13)",
            "15 remove container:web:2 rollback: p-web-2 removed (after 14)",
        ]
    );
}

#[test]
fn rollback_config_sets_the_order_and_batches_of_a_rollback() {
    let plan = update("{order: start-first, failure_action: rollback}\n      rollback_config: {order: stop-first, parallelism: 2, delay: 1s}", "", 3);
    let text = plan.join("\n");
    assert!(text.contains("rollback_config: batch 1 of 2 done, then delay 1s"), "{text}");
    let leaves = plan.iter().position(|l| l.contains("rollback: p-web-4 leaves the aliases")).unwrap();
    let rejoins = plan.iter().position(|l| l.contains("rollback: p-web-1 rejoins the aliases")).unwrap();
    assert!(leaves < rejoins, "stop-first: the replacement leaves before the old one is back: {text}");
}

#[test]
fn without_update_config_a_replacement_is_the_plain_recreate() {
    let yaml = "services:\n  web:\n    image: busybox\n    environment: {V: '2'}\n";
    let before = project(&yaml.replace("V: '2'", "V: '1'"));
    let plan = containers(&project(yaml), &running(&before), &UpOptions::default()).unwrap();
    assert_eq!(
        lines(&plan),
        ["0 recreate container:web:1 environment.V: \"1\" → \"2\"", "1 start container:web:1 recreated (after 0)"]
    );
}

#[test]
fn where_two_containers_cannot_coexist_start_first_falls_back_naming_the_field() {
    let fixed = update("{order: start-first}", "    container_name: fixed\n", 1);
    assert!(fixed[0].starts_with("0 recreate container:web:1 "), "{fixed:?}");
    assert!(fixed[0].ends_with("stop-first: start-first not possible: container_name"), "{fixed:?}");
    let port = update("{order: start-first}", "    ports: [{target: 80, published: '8080'}]\n", 1);
    assert!(port[0].ends_with("start-first not possible: ports[0] publishes host port 8080"), "{port:?}");
    for free in ["[{target: 80}]", "[{target: 80, published: '8000-8010'}]"] {
        let plan = update("{order: start-first}", &format!("    ports: {free}\n"), 1);
        assert!(plan[0].starts_with("0 create container:web:2 start-first"), "{free}: {plan:?}");
    }
}

#[test]
fn replicas_are_replaced_a_batch_at_a_time_with_a_delay_and_take_free_numbers() {
    let plan = update("{order: start-first, parallelism: 2, delay: 3s}", "", 3);
    let creates: Vec<&String> = plan.iter().filter(|l| l.contains(" create ")).collect();
    assert_eq!(creates.len(), 3);
    assert!(creates[0].starts_with("0 create container:web:4 start-first: replaces p-web-1 "), "{plan:?}");
    assert!(creates[1].starts_with("8 create container:web:5 start-first: replaces p-web-2 "), "{plan:?}");
    assert_eq!(plan[16], "16 wait service:web update_config: batch 1 of 2 done, then delay 3s (after 7, 15)");
    assert!(creates[2].starts_with("17 create container:web:6 start-first: replaces p-web-3 ") && creates[2].ends_with("(after 16)"), "{plan:?}");
}

#[test]
fn a_rollout_tolerates_the_failures_its_ratio_allows_and_continue_any() {
    let ratio = update("{order: start-first, max_failure_ratio: 0.5}", "", 2);
    assert!(ratio.iter().any(|l| l.ends_with("batch 1 of 2 done (after 7; tolerating 1 failure(s))")), "{ratio:?}");
    let goes_on = update("{order: start-first, failure_action: continue}", "", 2);
    assert!(goes_on.iter().any(|l| l.ends_with("batch 1 of 2 done (after 7, failed or not)")), "{goes_on:?}");
}

#[test]
fn stop_first_with_rollback_keeps_the_old_container_aside_until_the_rollout_ends() {
    assert_eq!(
        update("{failure_action: rollback, monitor: 5s}", "", 1),
        [
            "0 recreate container:web:1 environment.V: \"1\" → \"2\"; stop-first",
            "1 start container:web:1 recreated (after 0)",
            "2 wait container:web:1 ready (running, healthy with a healthcheck, then for 5s) to confirm the update (after 1)",
            "3 wait service:web update_config: every replica replaced (after 2)",
            "4 wait service:web failure_action rollback: the update of web is undone (if 3 fails)",
            "5 remove container:web:1 the rollout of web ended: the old container, kept aside until then (after 3, 2)",
            "6 remove container:web:1 failure_action rollback: the replacement goes (if one of 2, 3, 4 fails)",
            "7 restore container:web:1 failure_action rollback: the old container named back and started (after 6)",
            "8 wait container:web:1 rollback: p-web-1 ready again (after 7)",
        ]
    );
}

#[test]
fn a_stop_first_rollback_restores_in_rollback_configs_batches() {
    let plan = update("{failure_action: rollback}\n      rollback_config: {parallelism: 1, delay: 2s}", "", 2);
    let pause = plan.iter().find(|l| l.contains("rollback_config: batch 1 of 2 done, then delay 2s")).expect("a pause between batches");
    let pause = pause.split(' ').next().unwrap();
    let discards: Vec<&String> = plan.iter().filter(|l| l.contains("the replacement goes")).collect();
    assert_eq!(discards.len(), 2, "{plan:#?}");
    assert!(!discards[0].contains(&format!(" {pause},")) && !discards[0].contains(&format!(" {pause} ")), "{plan:#?}");
    assert!(discards[1].contains(&format!(" {pause} fails)")) || discards[1].contains(&format!(" {pause},")), "the second batch after the first is back: {plan:#?}");
}

#[test]
fn the_failure_message_says_what_the_failure_action_leaves() {
    assert_eq!(
        failure_words(FailureAction::Rollback, "web", Some("p-web-1"), "p-web-2"),
        "failure_action rollback: p-web-2 removed, p-web-1 serves on; the update of web is undone"
    );
    assert_eq!(failure_words(FailureAction::Pause, "web", None, "p-web-1"), "failure_action pause: the update of web stops here");
}

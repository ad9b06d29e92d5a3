//! Following against a scripted engine: the test decides when events arrive and when each log
//! stream ends, so the races of a restart are played in a fixed order.

use std::collections::BTreeMap;
use std::pin::pin;

use super::*;
use crate::engine::fake::Fake;
use crate::engine::ContainerStatus;
use crate::logprint::Style;

fn web(id: &str) -> ObservedContainer {
    ObservedContainer {
        id: id.to_string(),
        name: "p-web-1".to_string(),
        service: "web".to_string(),
        number: 1,
        oneoff: false,
        labels: BTreeMap::new(),
        image_id: String::new(),
        state: RunState::Running,
        health: None,
        anonymous_volumes: BTreeMap::new(),
        networks: vec![],
        named_volumes: vec![],
        created: 0,
    }
}

fn start(id: &str, time_nano: i64) -> ContainerEvent {
    ContainerEvent {
        id: id.to_string(),
        name: "p-web-1".to_string(),
        service: "web".to_string(),
        number: 1,
        oneoff: false,
        action: "start".to_string(),
        exit_code: None,
        time_nano,
    }
}

fn following(fake: &Arc<Fake>) -> Follow<Fake> {
    let request = LogRequest { follow: true, ..LogRequest::default() };
    let printer = Printer::new(Style::default());
    Follow::new(fake.clone(), "p", printer, Selector::default(), request, Duration::ZERO)
}

/// Lets everything runnable run: paused time only moves once every task waits.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(start_paused = true)]
async fn a_restart_seen_while_the_old_run_is_still_read_is_followed_once_that_stream_ends() {
    let fake = Arc::new(Fake::new());
    let running = ContainerStatus { state: RunState::Running, health: None, exit_code: Some(0), health_output: None };
    fake.statuses.lock().unwrap().insert("a".to_string(), running);
    let mut follow = following(&fake);
    follow.add_existing(&[web("a")], &LogRequest { follow: true, ..LogRequest::default() });

    // The restart's start event comes while the first run's output is still open.
    let restarted_at = now_nanos() + 5_000_000_000;
    fake.event(start("a", restarted_at));
    let mut next = pin!(follow.next());
    tokio::select! {
        biased;
        ended = &mut next => panic!("nothing ended yet, but next gave {ended:?}"),
        () = settle() => {}
    }
    assert_eq!(fake.opened(), vec![("a".to_string(), None)]);

    fake.end_log(0);
    let ended = next.await.expect("the first run's end");
    assert_eq!(ended.id, "a");
    settle().await;
    assert_eq!(
        fake.opened(),
        vec![("a".to_string(), None), ("a".to_string(), Some(restarted_at / 1_000_000_000))],
        "the restarted run is read from its start on"
    );
}

#[tokio::test(start_paused = true)]
async fn a_start_event_older_than_the_following_is_not_read_twice() {
    let fake = Arc::new(Fake::new());
    let mut follow = following(&fake);
    follow.add_existing(&[web("a")], &LogRequest { follow: true, ..LogRequest::default() });
    fake.event(start("a", now_nanos() - 5_000_000_000));
    let mut next = pin!(follow.next());
    tokio::select! {
        biased;
        ended = &mut next => panic!("nothing ended yet, but next gave {ended:?}"),
        () = settle() => {}
    }
    fake.end_log(0);
    assert_eq!(next.await.map(|e| e.id), Some("a".to_string()));
    assert_eq!(fake.opened(), vec![("a".to_string(), None)]);
}

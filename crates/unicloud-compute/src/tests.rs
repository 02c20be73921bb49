//! Tests of the shared layer (validation, chunking, paging, client-side filters, waiting) with
//! an in-memory backend and a manual clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use futures::TryStreamExt;
use unicloud_core::clock::{Clock, ManualClock};

use super::*;

#[derive(Debug, Default)]
struct Calls {
    describes: Vec<(Option<Vec<String>>, Option<String>)>,
    creates: Vec<String>,
    changes: Vec<(Action, Vec<String>)>,
}

/// A fake cloud: instances `f-0000`…, pages of `page` items, 10 ids per call, and a script of
/// states each describe walks through.
#[derive(Debug)]
struct Fake {
    region: Region,
    clock: ManualClock,
    instances: Mutex<Vec<Instance>>,
    calls: Mutex<Calls>,
    /// Each describe call advances every instance one step along this list (when non-empty).
    script: Mutex<VecDeque<InstanceState>>,
    /// The describe call (counted from 1) that fails, if any.
    fail_describe: Mutex<Option<usize>>,
    /// Destroys behave like a first attempt applied but timed out, then a repeat answered
    /// "not found"; `Some(true)` really removes the instances, `Some(false)` leaves them.
    destroy_echo: Mutex<Option<bool>>,
    /// Stops behave like a first attempt that timed out, then a repeat refused for the
    /// instances' state; `Some(true)` really stops them, `Some(false)` leaves them running.
    stop_echo: Mutex<Option<bool>>,
}

impl Fake {
    fn new(n: usize) -> Arc<Self> {
        let instances = (0..n)
            .map(|k| {
                let mut i =
                    Instance::new(Provider::Aws, format!("f-{k:04}"), InstanceState::Running);
                i.zone = Some(if k % 2 == 0 { "z-even" } else { "z-odd" }.into());
                i
            })
            .collect();
        Arc::new(Self {
            region: Region::new(Provider::Aws, "us-east-1").unwrap(),
            clock: ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            instances: Mutex::new(instances),
            calls: Mutex::new(Calls::default()),
            script: Mutex::new(VecDeque::new()),
            fail_describe: Mutex::new(None),
            destroy_echo: Mutex::new(None),
            stop_echo: Mutex::new(None),
        })
    }

    fn compute(self: &Arc<Self>) -> Compute {
        Compute::from_backend(self.clone()).with_poll_interval(Duration::from_secs(2))
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.calls.lock().unwrap()
    }
}

impl Backend for Fake {
    fn region(&self) -> &Region {
        &self.region
    }
    fn clock(&self) -> SharedClock {
        Arc::new(self.clock.clone())
    }
    fn limits(&self) -> Limits {
        Limits {
            ids: 10,
            page: 7,
            create: Some(5),
        }
    }
    fn id_rule(&self) -> IdRule {
        IdRule {
            noun: "instance",
            provider: Provider::Aws,
            is_valid: |id| id.starts_with("f-"),
        }
    }
    fn describe_page<'a>(&'a self, q: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            if let Some(ids) = q.ids {
                assert!(ids.len() <= 10, "chunk too large");
                assert!(
                    q.filters.is_empty(),
                    "filters must stay client-side with ids"
                );
            }
            self.calls
                .lock()
                .unwrap()
                .describes
                .push((q.ids.map(<[String]>::to_vec), q.cursor.map(str::to_owned)));
            if *self.fail_describe.lock().unwrap() == Some(self.calls().describes.len()) {
                return Err(Error::new(ErrorKind::Unavailable, "injected").with_retryable(false));
            }
            if let Some(next) = self.script.lock().unwrap().pop_front() {
                for i in self.instances.lock().unwrap().iter_mut() {
                    i.state = next.clone();
                }
            }
            let all = self.instances.lock().unwrap().clone();
            let mut matching: Vec<Instance> = match q.ids {
                // Reverse order, to check that results come back in the order asked.
                Some(ids) => all
                    .into_iter()
                    .rev()
                    .filter(|i| ids.contains(&i.id))
                    .collect(),
                None => all,
            };
            let start: usize = q.cursor.map_or(0, |c| c.parse().unwrap());
            let end = (start + q.page_size).min(matching.len());
            let next = (end < matching.len()).then(|| end.to_string());
            let instances = matching.drain(start.min(end)..end).collect();
            Ok(Page {
                items: instances,
                next,
            })
        })
    }
    fn create<'a>(
        &'a self,
        spec: &'a CreateInstancesSpec,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, Error>> {
        Box::pin(async move {
            self.calls.lock().unwrap().creates.push(token.to_owned());
            Ok((0..spec.count).map(|k| format!("f-new{k}")).collect())
        })
    }
    fn change<'a>(
        &'a self,
        action: Action,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<StateChange>, Error>> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .changes
                .push((action, ids.to_vec()));
            let echo = *self.destroy_echo.lock().unwrap();
            if let (Action::Destroy, Some(applied)) = (action, echo) {
                if applied {
                    self.instances
                        .lock()
                        .unwrap()
                        .retain(|i| !ids.contains(&i.id));
                }
                // Through the real retry loop: a time-out, then the repeat's answer.
                return unicloud_core::RetryPolicy::default()
                    .retry_call(
                        &self.clock,
                        unicloud_core::Idempotency::Idempotent,
                        |n| async move {
                            Err(if n == 0 {
                                Error::new(ErrorKind::Timeout, "no answer")
                            } else {
                                Error::new(ErrorKind::NotFound, "no such instance")
                            })
                        },
                    )
                    .await;
            }
            let echo = *self.stop_echo.lock().unwrap();
            if let (Action::Stop(_), Some(applied)) = (action, echo) {
                if applied {
                    for i in self.instances.lock().unwrap().iter_mut() {
                        if ids.contains(&i.id) {
                            i.state = InstanceState::Stopped;
                        }
                    }
                }
                return unicloud_core::RetryPolicy::default()
                    .retry_call(
                        &self.clock,
                        unicloud_core::Idempotency::Idempotent,
                        |n| async move {
                            Err(if n == 0 {
                                Error::new(ErrorKind::Transport, "connection closed")
                            } else {
                                Error::new(ErrorKind::Conflict, "the instance is stopped")
                            })
                        },
                    )
                    .await;
            }
            Ok(ids
                .iter()
                .map(|i| StateChange::new(i.clone(), None, InstanceState::Stopping))
                .collect())
        })
    }
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|k| format!("f-{k:04}")).collect()
}

#[tokio::test]
async fn every_page_is_followed() {
    let fake = Fake::new(30);
    let all = fake
        .compute()
        .list_instances(InstanceQuery::all())
        .await
        .unwrap();
    assert_eq!(all.len(), 30);
    assert_eq!(
        all.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        ids(0..30)
    );
    // 30 instances, 7 per page: 5 requests, cursors None, 7, 14, 21, 28.
    let cursors: Vec<Option<String>> = fake.calls().describes.iter().map(|d| d.1.clone()).collect();
    assert_eq!(
        cursors,
        [
            None,
            Some("7".into()),
            Some("14".into()),
            Some("21".into()),
            Some("28".into())
        ]
    );
}

#[tokio::test]
async fn filters_apply_client_side_too() {
    let fake = Fake::new(30);
    let even = fake
        .compute()
        .list_instances(Filters::new().zone(["z-even"]))
        .await
        .unwrap();
    assert_eq!(even.len(), 15);
    assert!(even.iter().all(|i| i.zone.as_deref() == Some("z-even")));
}

#[tokio::test]
async fn ids_are_chunked_and_merged_in_order() {
    let fake = Fake::new(30);
    let mut want = ids(0..25);
    want.reverse();
    // A duplicate is dropped.
    let mut asked = want.clone();
    asked.push(want[0].clone());
    let got = fake
        .compute()
        .list_instances(InstanceQuery::ids(&asked))
        .await
        .unwrap();
    assert_eq!(got.iter().map(|i| i.id.clone()).collect::<Vec<_>>(), want);
    let chunks: Vec<usize> = fake
        .calls()
        .describes
        .iter()
        .filter(|d| d.1.is_none())
        .map(|d| d.0.as_ref().unwrap().len())
        .collect();
    assert_eq!(chunks, [10, 10, 5]);
    // With ids, filters are applied after fetching.
    let odd = fake
        .compute()
        .list_instances(InstanceQuery::ids(ids(0..6)).with_filters(Filters::new().zone(["z-odd"])))
        .await
        .unwrap();
    assert_eq!(
        odd.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        ["f-0001", "f-0003", "f-0005"]
    );
}

#[tokio::test]
async fn smaller_batches_and_pages_on_request() {
    let fake = Fake::new(30);
    let c = fake.compute().with_id_batch_size(4).with_page_size(1000);
    let got = c
        .list_instances(InstanceQuery::ids(ids(0..9)))
        .await
        .unwrap();
    assert_eq!(got.len(), 9);
    let chunks: Vec<usize> = fake
        .calls()
        .describes
        .iter()
        .map(|d| d.0.as_ref().unwrap().len())
        .collect();
    assert_eq!(chunks, [4, 4, 1]);
    c.stop_instances(ids(0..9), StopMode::Force).await.unwrap();
    let changes: Vec<(Action, usize)> = fake
        .calls()
        .changes
        .iter()
        .map(|(a, i)| (*a, i.len()))
        .collect();
    assert_eq!(
        changes,
        [
            (Action::Stop(StopMode::Force), 4),
            (Action::Stop(StopMode::Force), 4),
            (Action::Stop(StopMode::Force), 1)
        ]
    );
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let fake = Fake::new(3);
    let err = fake
        .compute()
        .list_instances(InstanceQuery::ids(["f-0001", "f-9999"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("f-9999"));
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_request() {
    let fake = Fake::new(3);
    let c = fake.compute();
    let e = c
        .start_instances(std::iter::empty::<&str>())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c.destroy_instances(&["f-1", "bogus"]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("bogus"));
    assert!(c.describe_instances(InstanceQuery::ids(["nope"])).is_err());
    let e = c
        .create_instances(&CreateInstancesSpec::new("img", "t").count(0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c
        .create_instances(&CreateInstancesSpec::new("img", "t").count(6))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c
        .wait_until(
            &["f-0001"],
            InstanceState::Unknown("x".into()),
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let calls = fake.calls();
    assert!(calls.describes.is_empty() && calls.creates.is_empty() && calls.changes.is_empty());
}

#[tokio::test]
async fn one_token_per_create_call() {
    let fake = Fake::new(0);
    let c = fake.compute();
    let spec = CreateInstancesSpec::new("img", "t").count(2);
    assert_eq!(c.create_instances(&spec).await.unwrap().len(), 2);
    c.create_instances(&spec).await.unwrap();
    c.create_instances(&spec.clone().client_token("mine"))
        .await
        .unwrap();
    let tokens = fake.calls().creates.clone();
    assert_eq!(tokens.len(), 3);
    assert_ne!(tokens[0], tokens[1], "a fresh token for each logical call");
    assert_eq!(tokens[0].len(), 36);
    assert_eq!(tokens[2], "mine");
}

#[tokio::test]
async fn wait_polls_on_the_clock() {
    let fake = Fake::new(2);
    fake.script.lock().unwrap().extend([
        InstanceState::Stopping,
        InstanceState::Stopping,
        InstanceState::Stopped,
    ]);
    let got = fake
        .compute()
        .wait_until(&ids(0..2), InstanceState::Stopped, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(got.iter().all(|i| i.state == InstanceState::Stopped));
    // Two polls saw `stopping`, each followed by a 2 s sleep.
    assert_eq!(
        fake.clock.sleeps(),
        [Duration::from_secs(2), Duration::from_secs(2)]
    );
}

#[tokio::test]
async fn wait_times_out_without_sleeping_past_the_deadline() {
    let fake = Fake::new(1);
    let t0 = fake.clock.now();
    let err = fake
        .compute()
        .wait_until(&ids(0..1), InstanceState::Stopped, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    // Giving up is final: a retry layer must not wait all over again.
    assert!(!err.is_retryable());
    assert!(err.message().contains("f-0000 is running"), "{err}");
    assert_eq!(
        fake.clock.now().duration_since(t0).unwrap(),
        Duration::from_secs(5)
    );
    assert_eq!(
        fake.clock.sleeps(),
        [
            Duration::from_secs(2),
            Duration::from_secs(2),
            Duration::from_secs(1)
        ]
    );
}

#[tokio::test]
async fn wait_for_terminated_accepts_vanished_instances() {
    let fake = Fake::new(2);
    fake.instances.lock().unwrap().clear();
    let got = fake
        .compute()
        .wait_until(
            &ids(0..2),
            InstanceState::Terminated,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert!(got.is_empty());
    // But waiting for `running` on a vanished instance is NotFound, at once.
    let err = fake
        .compute()
        .wait_until(&ids(0..2), InstanceState::Running, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn wait_fails_fast_when_the_instance_is_destroyed() {
    let fake = Fake::new(1);
    fake.script
        .lock()
        .unwrap()
        .push_back(InstanceState::Terminated);
    let err = fake
        .compute()
        .wait_until(&ids(0..1), InstanceState::Running, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(fake.clock.sleeps().is_empty());
}

#[tokio::test]
async fn stream_is_lazy_and_stops_at_the_first_error() {
    let fake = Fake::new(30);
    // 7 per page; the second page fails.
    *fake.fail_describe.lock().unwrap() = Some(2);
    let mut s = fake
        .compute()
        .describe_instances(InstanceQuery::all())
        .unwrap();
    // Nothing is sent until the stream is polled.
    assert!(fake.calls().describes.is_empty());
    for k in 0..7 {
        let i = s.try_next().await.unwrap().unwrap();
        assert_eq!(i.id, format!("f-{k:04}"));
        // The next page is asked for only once this one is used up.
        assert_eq!(fake.calls().describes.len(), 1);
    }
    let err = s.try_next().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(err.message(), "injected");
    // After the error the stream is over, and asks for nothing more.
    assert!(s.try_next().await.unwrap().is_none());
    assert_eq!(fake.calls().describes.len(), 2);
}

#[tokio::test]
async fn stream_by_ids_stops_at_the_first_failing_chunk() {
    let fake = Fake::new(30);
    *fake.fail_describe.lock().unwrap() = Some(2);
    let got: Result<Vec<Instance>, Error> = fake
        .compute()
        .describe_instances(InstanceQuery::ids(ids(0..30)))
        .unwrap()
        .try_collect()
        .await;
    assert_eq!(got.unwrap_err().message(), "injected");
    // Chunks of 10: the first answered, the second failed, the third never sent.
    assert_eq!(fake.calls().describes.len(), 2);
}

#[test]
fn queries_from_ids_and_filters() {
    let owned = vec!["f-1".to_owned()];
    assert_eq!(InstanceQuery::ids(&owned).ids, owned);
    assert_eq!(InstanceQuery::ids(["f-1"]).ids, owned);
    let f = Filters::new().name("web");
    let q: InstanceQuery = (&f).into();
    assert!(q.ids.is_empty());
    assert_eq!(q.filters, f);
    assert_eq!(StopMode::default(), StopMode::Graceful);
    assert!(StopMode::Force.is_force());
}

#[tokio::test]
async fn a_repeated_destroy_that_finds_its_instances_gone_succeeds() {
    let fake = Fake::new(3);
    *fake.destroy_echo.lock().unwrap() = Some(true);
    let changes = fake.compute().destroy_instances(ids(0..2)).await.unwrap();
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.id.as_str(), c.current.clone()))
            .collect::<Vec<_>>(),
        [
            ("f-0000", InstanceState::Terminated),
            ("f-0001", InstanceState::Terminated)
        ]
    );
    // It looked before saying so.
    assert_eq!(fake.calls().describes.len(), 1);
}

#[tokio::test]
async fn a_repeated_destroy_that_finds_instances_alive_fails() {
    let fake = Fake::new(3);
    *fake.destroy_echo.lock().unwrap() = Some(false);
    let err = fake
        .compute()
        .destroy_instances(ids(0..2))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.earlier_attempt_may_have_applied());
}

/// Found by the fault soak: Tencent and Alibaba refuse to stop a stopped instance, so a stop
/// whose first answer was lost failed although it was applied.
#[tokio::test]
async fn a_repeated_stop_that_finds_its_instances_stopped_succeeds() {
    let fake = Fake::new(3);
    *fake.stop_echo.lock().unwrap() = Some(true);
    let changes = fake
        .compute()
        .stop_instances(ids(0..2), StopMode::Graceful)
        .await
        .unwrap();
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.id.as_str(), c.current.clone()))
            .collect::<Vec<_>>(),
        [
            ("f-0000", InstanceState::Stopped),
            ("f-0001", InstanceState::Stopped)
        ]
    );
    assert_eq!(fake.calls().describes.len(), 1);
}

#[tokio::test]
async fn a_repeated_stop_that_finds_instances_running_fails() {
    let fake = Fake::new(3);
    *fake.stop_echo.lock().unwrap() = Some(false);
    let err = fake
        .compute()
        .stop_instances(ids(0..2), StopMode::Force)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.earlier_attempt_may_have_applied());
}

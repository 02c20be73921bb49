//! The shared engine against a scripted backend: validation, the describe-first difference,
//! batching, busy retries, task waits, settling ambiguous failures, and the waits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use unicloud_core::clock::{ManualClock, SharedClock};

use super::*;

#[derive(Debug, Default)]
struct State {
    members: Vec<BackendHealth>,
    /// Each change call, as `register i-1:80,i-2:80`.
    calls: Vec<String>,
    /// Answers for the next change calls (`None`: apply and succeed).
    script: VecDeque<Option<Error>>,
    /// Answers for the next task polls.
    tasks: VecDeque<TaskState>,
    /// Health answers replacing `members` for the next polls.
    health_script: VecDeque<Vec<BackendHealth>>,
    async_tasks: bool,
}

#[derive(Debug, Clone)]
struct Fake {
    state: Arc<Mutex<State>>,
    clock: Arc<ManualClock>,
    region: Region,
}

impl Fake {
    fn new() -> Self {
        Fake {
            state: Arc::default(),
            clock: Arc::new(ManualClock::new(UNIX_EPOCH)),
            region: Region::new(Provider::Tencent, "ap-guangzhou").unwrap(),
        }
    }

    fn lb(&self) -> LoadBalancing {
        LoadBalancing::from_backend(Arc::new(self.clone()))
    }

    fn with(&self, f: impl FnOnce(&mut State)) -> &Self {
        f(&mut self.state.lock().unwrap());
        self
    }

    fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }
}

fn healthy(id: &str, port: u16) -> BackendHealth {
    BackendHealth::new(
        Backend::new(id).with_port(port),
        HealthState::Healthy,
        "Alive",
    )
}

fn pool() -> BackendPool {
    "lb-b7pj5p3q/lbl-qe0xmaxa".parse().unwrap()
}

fn b(id: &str, port: u16) -> Backend {
    Backend::new(id).with_port(port)
}

impl LbBackend for Fake {
    fn provider(&self) -> Provider {
        Provider::Tencent
    }
    fn region(&self) -> &Region {
        &self.region
    }
    fn clock(&self) -> SharedClock {
        self.clock.clone()
    }
    fn check_pool(&self, _pool: &BackendPool) -> Result<(), Error> {
        Ok(())
    }
    fn check_backend(&self, pool: &BackendPool, b: &Backend, weight: bool) -> Result<(), Error> {
        check_id(
            Provider::Tencent,
            b,
            |id| model::tencent_id(id, "ins-"),
            "ins-…",
        )?;
        if b.port.is_none() {
            return Err(refuse(Provider::Tencent, pool, b, "a port"));
        }
        if weight {
            check_weight(Provider::Tencent, b)?;
        }
        Ok(())
    }
    fn batch_size(&self) -> usize {
        2
    }
    fn health<'a>(
        &'a self,
        _pool: &'a BackendPool,
    ) -> BoxFuture<'a, Result<Vec<BackendHealth>, Error>> {
        Box::pin(async move {
            let mut s = self.state.lock().unwrap();
            Ok(s.health_script
                .pop_front()
                .unwrap_or_else(|| s.members.clone()))
        })
    }
    fn change<'a>(
        &'a self,
        _pool: &'a BackendPool,
        change: Change,
        backends: &'a [Backend],
    ) -> BoxFuture<'a, Result<Option<Task>, Error>> {
        Box::pin(async move {
            let mut s = self.state.lock().unwrap();
            let list: Vec<String> = backends.iter().map(ToString::to_string).collect();
            s.calls.push(format!("{change:?} {}", list.join(",")));
            let outcome = s.script.pop_front().flatten();
            // A "may have been applied" failure applies the change before failing.
            let apply = outcome.as_ref().is_none_or(Error::may_have_been_applied);
            if apply {
                for b in backends {
                    match change {
                        Change::Register => s.members.push(BackendHealth::new(
                            b.clone(),
                            HealthState::Initial,
                            "Unknown",
                        )),
                        Change::Deregister => s.members.retain(|m| !b.names(&m.backend)),
                    }
                }
            }
            match outcome {
                Some(e) => Err(e),
                None => Ok(s.async_tasks.then(|| Task {
                    id: format!("task-{}", s.calls.len()),
                })),
            }
        })
    }
    fn task_state<'a>(&'a self, _task: &'a Task) -> BoxFuture<'a, Result<TaskState, Error>> {
        Box::pin(async move {
            Ok(self
                .state
                .lock()
                .unwrap()
                .tasks
                .pop_front()
                .unwrap_or(TaskState::Done))
        })
    }
    fn busy(&self, err: &Error) -> bool {
        err.code() == Some("FailedOperation.ResourceInOperating")
    }
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let fake = Fake::new();
    let lb = fake.lb();
    let aws_pool: BackendPool = "elb:web".parse().unwrap();
    let err = lb
        .register(&aws_pool, &[b("ins-12345678", 80)])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("not a Tencent Cloud pool"), "{err}");
    for backends in [
        vec![],
        vec![Backend::new("ins-12345678")],
        vec![b("i-12345678", 80)],
        vec![b("ins-12345678", 80).with_weight(101)],
        vec![
            b("ins-12345678", 80).with_weight(1),
            b("ins-12345678", 80).with_weight(2),
        ],
        vec![b("ins-12345678", 80); MAX_BACKENDS + 1],
    ] {
        let err = lb.register(&pool(), &backends).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{backends:?}");
    }
    let bad = BackendPool::ClbListener {
        load_balancer_id: "lb-x".into(),
        listener_id: "lbl-qe0xmaxa".into(),
        location_id: None,
    };
    assert_eq!(
        lb.describe_health(&bad, &[]).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn register_sends_only_what_is_missing_in_batches() {
    let fake = Fake::new();
    fake.with(|s| s.members = vec![healthy("ins-aaaaaaa1", 80)]);
    let lb = fake.lb();
    let out = lb
        .register(
            &pool(),
            &[
                b("ins-aaaaaaa1", 80),
                b("ins-aaaaaaa2", 80),
                b("ins-aaaaaaa3", 80),
                b("ins-aaaaaaa4", 80),
                b("ins-aaaaaaa2", 80),
            ],
        )
        .await
        .unwrap();
    assert_eq!(out.unchanged, [b("ins-aaaaaaa1", 80)]);
    assert_eq!(out.changed.len(), 3);
    assert_eq!(
        fake.calls(),
        [
            "Register ins-aaaaaaa2:80,ins-aaaaaaa3:80",
            "Register ins-aaaaaaa4:80"
        ]
    );
    // Twice is a no-op: nothing sent.
    let out = lb
        .register(&pool(), &[b("ins-aaaaaaa2", 80)])
        .await
        .unwrap();
    assert!(out.changed.is_empty());
    assert_eq!(fake.calls().len(), 2);
}

#[tokio::test]
async fn deregister_sends_only_what_is_there_and_a_repeat_sends_nothing() {
    let fake = Fake::new();
    fake.with(|s| {
        s.members = vec![
            healthy("ins-aaaaaaa1", 80),
            healthy("ins-aaaaaaa1", 81),
            healthy("ins-aaaaaaa2", 80),
        ]
    });
    let lb = fake.lb();
    let out = lb
        .deregister(&pool(), &[b("ins-aaaaaaa1", 81), b("ins-aaaaaaa9", 80)])
        .await
        .unwrap();
    assert_eq!(out.changed, [b("ins-aaaaaaa1", 81)]);
    assert_eq!(out.unchanged, [b("ins-aaaaaaa9", 80)]);
    let again = lb
        .deregister(&pool(), &[b("ins-aaaaaaa1", 81)])
        .await
        .unwrap();
    assert!(again.changed.is_empty());
    assert_eq!(fake.calls(), ["Deregister ins-aaaaaaa1:81"]);
}

#[tokio::test]
async fn a_draining_backend_counts_as_gone() {
    let fake = Fake::new();
    fake.with(|s| {
        s.members = vec![BackendHealth::new(
            b("ins-aaaaaaa1", 80),
            HealthState::Draining,
            "draining",
        )]
    });
    let lb = fake.lb();
    let out = lb
        .deregister(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap();
    assert!(out.changed.is_empty());
    let out = lb
        .register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap();
    assert_eq!(out.changed.len(), 1);
}

#[tokio::test]
async fn a_busy_load_balancer_is_sent_the_change_again_and_tasks_are_awaited() {
    let fake = Fake::new();
    fake.with(|s| {
        s.async_tasks = true;
        s.script = VecDeque::from([
            Some(
                Error::new(ErrorKind::Other, "busy")
                    .with_code("FailedOperation.ResourceInOperating"),
            ),
            None,
        ]);
        s.tasks = VecDeque::from([TaskState::Running, TaskState::Running, TaskState::Done]);
    });
    let lb = fake.lb();
    lb.register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap();
    assert_eq!(fake.calls().len(), 2);
    // One sleep after the busy answer, two while the task ran.
    assert_eq!(fake.clock.sleeps(), vec![TASK_POLL; 3]);
}

#[tokio::test]
async fn a_failed_task_is_an_error_and_no_wait_returns_at_once() {
    let fake = Fake::new();
    fake.with(|s| {
        s.async_tasks = true;
        s.tasks = VecDeque::from([TaskState::Failed("the target is not in the VPC".into())]);
    });
    let err = fake
        .lb()
        .register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(err.message().contains("not in the VPC"), "{err}");

    let fake = Fake::new();
    fake.with(|s| {
        s.async_tasks = true;
        s.tasks = VecDeque::from([TaskState::Running]);
    });
    fake.lb()
        .with_task_wait(false)
        .register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap();
    assert!(fake.clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_busy_load_balancer_that_stays_busy_times_out() {
    let fake = Fake::new();
    fake.with(|s| {
        s.script = (0..200)
            .map(|_| {
                Some(
                    Error::new(ErrorKind::Other, "busy")
                        .with_code("FailedOperation.ResourceInOperating"),
                )
            })
            .collect();
    });
    let err = fake
        .lb()
        .with_task_timeout(Duration::from_secs(5))
        .register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.message().contains("busy"), "{err}");
}

#[tokio::test]
async fn an_ambiguous_failure_is_settled_by_describing() {
    // Applied, then the answer was lost: success.
    let fake = Fake::new();
    fake.with(|s| s.script = VecDeque::from([Some(Error::new(ErrorKind::Timeout, "no answer"))]));
    let out = fake
        .lb()
        .register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap();
    assert_eq!(out.changed.len(), 1);

    // A definite refusal is kept as it is.
    let fake = Fake::new();
    fake.with(|s| {
        s.script = VecDeque::from([Some(
            Error::new(ErrorKind::NotFound, "no such instance").with_code("InvalidParameter"),
        )])
    });
    let err = fake
        .lb()
        .register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    // Not sent at all: the error stays.
    let fake = Fake::new();
    fake.with(|s| {
        s.script = VecDeque::from([Some(
            Error::new(ErrorKind::Transport, "refused").with_not_applied(),
        )])
    });
    let err = fake
        .lb()
        .register(&pool(), &[b("ins-aaaaaaa1", 80)])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test]
async fn describe_health_reports_asked_backends_that_are_not_registered() {
    let fake = Fake::new();
    fake.with(|s| s.members = vec![healthy("ins-aaaaaaa1", 80), healthy("ins-aaaaaaa1", 81)]);
    let lb = fake.lb();
    assert_eq!(lb.describe_health(&pool(), &[]).await.unwrap().len(), 2);
    let got = lb
        .describe_health(&pool(), &[b("ins-aaaaaaa1", 81), b("ins-aaaaaaa2", 80)])
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].backend, b("ins-aaaaaaa1", 81));
    assert_eq!(got[1].state, HealthState::Unused);
    assert_eq!(got[1].raw_state, "unregistered");
}

#[tokio::test]
async fn wait_until_healthy_polls_on_the_clock_and_fails_fast_on_an_unregistered_backend() {
    let fake = Fake::new();
    let initial = BackendHealth::new(b("ins-aaaaaaa1", 80), HealthState::Initial, "Unknown");
    fake.with(|s| {
        s.members = vec![healthy("ins-aaaaaaa1", 80)];
        s.health_script = VecDeque::from([vec![initial.clone()], vec![initial.clone()]]);
    });
    let lb = fake.lb().with_poll_interval(Duration::from_secs(3));
    let got = lb
        .wait_until_healthy(&pool(), &[b("ins-aaaaaaa1", 80)], Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(got[0].state, HealthState::Healthy);
    assert_eq!(fake.clock.sleeps(), vec![Duration::from_secs(3); 2]);

    let err = lb
        .wait_until_healthy(&pool(), &[b("ins-aaaaaaa2", 80)], Duration::from_secs(60))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    fake.with(|s| s.members = vec![initial.clone()]);
    let err = lb
        .wait_until_healthy(&pool(), &[b("ins-aaaaaaa1", 80)], Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        err.message().contains("ins-aaaaaaa1:80 is initial"),
        "{err}"
    );
}

#[tokio::test]
async fn wait_until_deregistered_waits_out_draining() {
    let fake = Fake::new();
    let draining = BackendHealth::new(b("ins-aaaaaaa1", 80), HealthState::Draining, "draining");
    fake.with(|s| s.health_script = VecDeque::from([vec![draining.clone()], vec![draining]]));
    let lb = fake.lb().with_poll_interval(Duration::from_secs(2));
    lb.wait_until_deregistered(&pool(), &[b("ins-aaaaaaa1", 80)], Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(fake.clock.sleeps().len(), 2);
}

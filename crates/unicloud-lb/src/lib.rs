//! Load-balancer backends on AWS ELB (v2 and classic), Tencent Cloud CLB and Alibaba Cloud SLB
//! behind one API.
//!
//! A [`LoadBalancing`] is built from a provider client and offers the same operations on every
//! cloud, against a [`BackendPool`] (where backends attach) and [`Backend`]s (instances with a
//! port and weight where the pool takes them):
//!
//! | operation | AWS ELBv2 | AWS classic ELB | Tencent Cloud CLB | Alibaba Cloud SLB |
//! |---|---|---|---|---|
//! | [`LoadBalancing::describe_health`] | `DescribeTargetHealth` | `DescribeInstanceHealth` | `DescribeTargets` + `DescribeTargetHealth` (load balancer → listener → rule, flattened) | `DescribeLoadBalancerAttribute` (or `DescribeVServerGroupAttribute`) + `DescribeHealthStatus` |
//! | [`LoadBalancing::register`] | `RegisterTargets` | `RegisterInstancesWithLoadBalancer` | `RegisterTargets`, then `DescribeTaskStatus` until the task ends | `AddBackendServers` (`AddVServerGroupBackendServers`) |
//! | [`LoadBalancing::deregister`] | `DeregisterTargets` | `DeregisterInstancesFromLoadBalancer` | `DeregisterTargets`, then `DescribeTaskStatus` | `RemoveBackendServers` (`RemoveVServerGroupBackendServers`) |
//! | [`LoadBalancing::wait_until_healthy`] / [`LoadBalancing::wait_until_deregistered`] | polls the health call on the client's clock | same | same | same |
//!
//! Each backend sits behind a cargo feature: `aws` (ELBv2), `aws-classic` (classic ELB, which
//! turns on `aws`), `tencent`, `alibaba`; all are on by default.
//!
//! # Backend pools
//!
//! The clouds attach backends at different levels; a [`BackendPool`] names each, and its
//! string form (the CLI's `--pool`) is checked before any request:
//!
//! | form | pool | backends |
//! |---|---|---|
//! | `arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID` | an ELBv2 target group | `i-…` (or an IPv4 address for IP target groups); port optional (the group's port), no weight |
//! | `elb:NAME` | a classic load balancer | `i-…`; no port (the listeners' instance ports apply), no weight |
//! | `lb-xxxxxxxx/lbl-yyyyyyyy[/loc-zzzzzzzz]` | a CLB listener, or one rule (location) of a layer-7 listener | `ins-…` with a port; weight 0–100 (default 10) |
//! | `lb-xxxx[:PORT][/rsp-zzzz]` | an SLB load balancer's default server group, or a VServer group; `:PORT` narrows health to one listener | `i-…`; weight 0–100 (default 100); a port only in VServer groups, where it is required |
//!
//! # Examples
//!
//! AWS (ELBv2 target groups, and classic load balancers by `elb:NAME`):
//!
//! ```no_run
//! # #[cfg(feature = "aws")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use std::time::Duration;
//! use unicloud_aws::{load_sdk_config, AwsClient, AwsConfigOptions};
//! use unicloud_core::{ClientConfig, Provider, Region};
//! use unicloud_lb::{Backend, BackendPool, LoadBalancing};
//!
//! let sdk = load_sdk_config(&AwsConfigOptions {
//!     region: Some(Region::new(Provider::Aws, "us-east-1")?),
//!     ..Default::default()
//! })
//! .await;
//! let lb = LoadBalancing::aws(&AwsClient::new(sdk, ClientConfig::default())?);
//!
//! let pool: BackendPool =
//!     "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067".parse()?;
//! let backends = ["i-0123456789abcdef0:8080".parse::<Backend>()?];
//! lb.register(&pool, &backends).await?;
//! for h in lb.wait_until_healthy(&pool, &backends, Duration::from_secs(300)).await? {
//!     println!("{} {}", h.backend, h.state);
//! }
//! # Ok(()) }
//! ```
//!
//! Tencent Cloud (register and deregister wait for the CLB task by default):
//!
//! ```no_run
//! # #[cfg(feature = "tencent")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_lb::{Backend, BackendPool, HealthState, LoadBalancing};
//! use unicloud_tencent::client::TencentClient;
//!
//! let client = TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKID...", "secret"))
//!     .build()?;
//! let lb = LoadBalancing::tencent(&client);
//!
//! let pool: BackendPool = "lb-b7pj5p3q/lbl-qe0xmaxa".parse()?;
//! let outcome = lb.register(&pool, &[Backend::new("ins-r8hr2upy").with_port(80).with_weight(10)]).await?;
//! println!("registered {}, already there {}", outcome.changed.len(), outcome.unchanged.len());
//! for h in lb.describe_health(&pool, &[]).await? {
//!     if h.state != HealthState::Healthy {
//!         println!("{} is {} ({})", h.backend, h.state, h.raw_state);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Alibaba Cloud:
//!
//! ```no_run
//! # #[cfg(feature = "alibaba")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use std::time::Duration;
//! use unicloud_alibaba::client::AlibabaClient;
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_lb::{Backend, BackendPool, LoadBalancing};
//!
//! let client = AlibabaClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou")?)
//!     .credentials(Credentials::new("LTAI...", "secret"))
//!     .build()?;
//! let lb = LoadBalancing::alibaba(&client);
//!
//! let pool: BackendPool = "lb-bp1qjwo61pqz3ahmtd5bk:80".parse()?;
//! let old = [Backend::new("i-bp67acfmxazb4ph9zs1q")];
//! lb.deregister(&pool, &old).await?;
//! lb.wait_until_deregistered(&pool, &old, Duration::from_secs(60)).await?;
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//!
//! - **Validation first**: a malformed pool, a pool of another cloud, an empty backend list,
//!   more than [`MAX_BACKENDS`], an id of the wrong shape, a port or weight the pool does not
//!   take (or lacks where it needs one) → [`ErrorKind::InvalidInput`] before any request.
//! - **Describe first, send the difference**: register and deregister read the pool, then send
//!   only the backends that are missing (or present). Registering a registered backend, or
//!   deregistering an absent one, is no error anywhere and sends nothing — the vendors differ
//!   (ELBv2 and classic ELB accept a repeated register; CLB refuses an already-bound target
//!   and an unbound one; SLB accepts both; ELBv2 refuses to deregister an unregistered target)
//!   and the [`ChangeOutcome`] says which backends changed. The weight of a backend already
//!   registered is left as it is.
//! - **Health**: ELBv2 `initial`/`healthy`/`unhealthy`/`draining`/`unused`/`unavailable`;
//!   classic `InService` → healthy, `OutOfService` with reason `ELB` → initial, else
//!   unhealthy; CLB `HealthStatusDetail` `Alive`/`Dead`/`Unknown`/`Close` → healthy,
//!   unhealthy, initial, unused (a bound target health checks have not reached yet is
//!   initial); SLB `normal`/`abnormal`/`unavailable` → healthy, unhealthy, unused (a
//!   registered server no listener serves is unused; without `:PORT` a server is healthy only
//!   when every listener says so). ELBv2's `unused` for a stopped instance
//!   (`Target.InvalidState`) is unhealthy, as everywhere else.
//! - **Unknown pool** → [`ErrorKind::NotFound`] (the vendor's code kept); an unknown instance
//!   → `NotFound` or `InvalidInput`, with the vendor's code.
//! - **CLB tasks**: `RegisterTargets` and `DeregisterTargets` start a task; by default the
//!   call polls `DescribeTaskStatus` on the client's clock until it ends (a failed task is an
//!   error) — [`LoadBalancing::with_task_wait`] returns at once instead. While a task runs,
//!   CLB refuses other changes to the load balancer (`FailedOperation.ResourceInOperating`):
//!   the change is sent again when the load balancer is free, within the task time-out.
//! - **Ambiguous failures** (a time-out or a broken connection after sending) are settled by
//!   reading the pool again: a change found applied counts as done, so a retried call never
//!   loses or duplicates a backend. Throttling and 5xx answers are retried by the client's
//!   [`RetryPolicy`](unicloud_core::RetryPolicy).
//! - **Batches**: ELBv2 and classic ELB take up to 100 backends per call, CLB and SLB 20;
//!   longer lists are sent in order, one call at a time.

// Without any backend feature the crate still builds (the shared layer has no user then).
#![cfg_attr(
    not(any(feature = "aws", feature = "tencent", feature = "alibaba")),
    allow(dead_code)
)]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::waiter::{Poll, WaitSpec, wait_until};
use unicloud_core::{Error, ErrorKind, Provider, Region};

#[cfg(feature = "alibaba")]
mod alibaba;
#[cfg(feature = "aws")]
mod aws;
mod model;
#[cfg(feature = "tencent")]
mod tencent;

pub use model::{Backend, BackendHealth, BackendPool, ChangeOutcome, HealthState};

/// The most backends one register, deregister or wait takes.
pub const MAX_BACKENDS: usize = 1000;

/// A vendor task a change started (CLB's asynchronous register and deregister).
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) id: String,
}

/// Where a [`Task`] stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TaskState {
    Running,
    Done,
    Failed(String),
}

/// Which change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Register,
    Deregister,
}

/// What a provider must implement; validation, the describe-first difference, batching,
/// settling ambiguous failures, task and health waits are shared.
pub(crate) trait LbBackend: Send + Sync + fmt::Debug {
    fn provider(&self) -> Provider;
    fn region(&self) -> &Region;
    fn clock(&self) -> SharedClock;
    /// Whether this backend serves `pool` (already validated, of this provider).
    fn check_pool(&self, pool: &BackendPool) -> Result<(), Error>;
    /// Whether `backend` fits `pool`: its id's shape, its port, and (when `weight`) its weight.
    fn check_backend(
        &self,
        pool: &BackendPool,
        backend: &Backend,
        weight: bool,
    ) -> Result<(), Error>;
    /// Backends per change call.
    fn batch_size(&self) -> usize;
    /// Every backend of `pool` with its health (draining ones included).
    fn health<'a>(
        &'a self,
        pool: &'a BackendPool,
    ) -> BoxFuture<'a, Result<Vec<BackendHealth>, Error>>;
    /// Sends one change call; a vendor task comes back where the change is asynchronous.
    fn change<'a>(
        &'a self,
        pool: &'a BackendPool,
        change: Change,
        backends: &'a [Backend],
    ) -> BoxFuture<'a, Result<Option<Task>, Error>>;
    /// Where `task` stands.
    fn task_state<'a>(&'a self, _task: &'a Task) -> BoxFuture<'a, Result<TaskState, Error>> {
        Box::pin(async { Ok(TaskState::Done) })
    }
    /// Whether `err` says the load balancer is busy with another change and refused this one
    /// (nothing applied: it may be sent again later).
    fn busy(&self, _err: &Error) -> bool {
        false
    }
}

/// Load-balancer backends of one provider in one region: see the [crate docs](crate).
#[derive(Clone)]
pub struct LoadBalancing {
    backend: Arc<dyn LbBackend>,
    wait_tasks: bool,
    task_timeout: Duration,
    poll_interval: Duration,
}

impl fmt::Debug for LoadBalancing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadBalancing")
            .field("backend", &self.backend)
            .field("wait_tasks", &self.wait_tasks)
            .field("task_timeout", &self.task_timeout)
            .field("poll_interval", &self.poll_interval)
            .finish()
    }
}

/// The interval between task polls (CLB tasks take a few seconds).
const TASK_POLL: Duration = Duration::from_secs(1);

impl LoadBalancing {
    pub(crate) fn from_backend(backend: Arc<dyn LbBackend>) -> Self {
        Self {
            backend,
            wait_tasks: true,
            task_timeout: Duration::from_secs(120),
            poll_interval: Duration::from_secs(5),
        }
    }

    /// Which cloud this talks to.
    pub fn provider(&self) -> Provider {
        self.backend.provider()
    }

    /// The region.
    pub fn region(&self) -> &Region {
        self.backend.region()
    }

    /// Whether register and deregister wait for the vendor's task to finish (CLB; default
    /// `true`). With `false` they return once the task is accepted: the change may still fail,
    /// and the pool shows it only when the task is done.
    #[must_use]
    pub fn with_task_wait(mut self, wait: bool) -> Self {
        self.wait_tasks = wait;
        self
    }

    /// How long a change waits for its task, and for a busy load balancer to accept it
    /// (default 120 s).
    #[must_use]
    pub fn with_task_timeout(mut self, timeout: Duration) -> Self {
        self.task_timeout = timeout;
        self
    }

    /// The interval between health polls of the waits (default 5 s).
    #[must_use]
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    fn invalid(&self, message: impl Into<String>) -> Error {
        Error::invalid_input(message).with_provider(self.provider())
    }

    /// Checks `pool`: its form, its cloud, and that this backend serves it.
    fn check_pool(&self, pool: &BackendPool) -> Result<(), Error> {
        pool.validate()?;
        if pool.provider() != self.provider() {
            return Err(self.invalid(format!(
                "{pool} is a {} {}, not a {} pool",
                pool.provider().display_name(),
                pool.kind_name(),
                self.provider().display_name()
            )));
        }
        self.backend.check_pool(pool)
    }

    /// Checks `backends` for `pool`; duplicates are dropped (first seen kept), and the same
    /// backend given twice with different weights is an error.
    fn check_backends(
        &self,
        pool: &BackendPool,
        backends: &[Backend],
        required: bool,
        weight: bool,
    ) -> Result<Vec<Backend>, Error> {
        if required && backends.is_empty() {
            return Err(self.invalid("no backend given"));
        }
        if backends.len() > MAX_BACKENDS {
            return Err(self.invalid(format!(
                "{} backends given; at most {MAX_BACKENDS} per call",
                backends.len()
            )));
        }
        let mut out: Vec<Backend> = Vec::with_capacity(backends.len());
        for b in backends {
            // `Backend::with_port` takes any u16; no cloud has a port 0.
            if b.port == Some(0) {
                return Err(self.invalid(format!(
                    "backend {}: port 0 is not 1 to 65535",
                    model::shown(&b.instance_id)
                )));
            }
            self.backend.check_backend(pool, b, weight)?;
            match out
                .iter()
                .find(|o| o.instance_id == b.instance_id && o.port == b.port)
            {
                Some(o) if weight && o.weight != b.weight => {
                    return Err(self.invalid(format!(
                        "backend {} is given twice with different weights",
                        model::shown(&b.instance_id)
                    )));
                }
                Some(_) => {}
                None => {
                    let mut b = b.clone();
                    b.ip = None;
                    out.push(b);
                }
            }
        }
        Ok(out)
    }

    /// Every backend of `pool` with its health; with `backends`, only those (a backend asked
    /// about that is not registered is reported [`HealthState::Unused`], raw state
    /// `unregistered`). An unknown pool is [`ErrorKind::NotFound`].
    pub async fn describe_health(
        &self,
        pool: &BackendPool,
        backends: &[Backend],
    ) -> Result<Vec<BackendHealth>, Error> {
        self.check_pool(pool)?;
        let wanted = self.check_backends(pool, backends, false, false)?;
        tracing::debug!(provider = %self.provider(), %pool, backends = wanted.len(), "describe backend health");
        let members = self.backend.health(pool).await?;
        if wanted.is_empty() {
            return Ok(members);
        }
        let mut out = Vec::new();
        for b in &wanted {
            let found: Vec<BackendHealth> = members
                .iter()
                .filter(|m| b.names(&m.backend) && !out.contains(*m))
                .cloned()
                .collect();
            let none = found.is_empty() && !members.iter().any(|m| b.names(&m.backend));
            out.extend(found);
            if none {
                out.push(
                    BackendHealth::new(b.clone(), HealthState::Unused, "unregistered")
                        .with_reason(format!("not registered with {pool}")),
                );
            }
        }
        Ok(out)
    }

    /// Registers `backends` with `pool`; those already registered are left alone (see the
    /// [crate docs](crate#behaviour)).
    pub async fn register(
        &self,
        pool: &BackendPool,
        backends: &[Backend],
    ) -> Result<ChangeOutcome, Error> {
        self.check_pool(pool)?;
        let wanted = self.check_backends(pool, backends, true, true)?;
        tracing::debug!(provider = %self.provider(), %pool, backends = wanted.len(), "register backends");
        let members = self.backend.health(pool).await?;
        let (unchanged, todo): (Vec<Backend>, Vec<Backend>) = wanted.into_iter().partition(|b| {
            members
                .iter()
                .any(|m| m.registered() && b.names(&m.backend))
        });
        for chunk in todo.chunks(self.backend.batch_size().max(1)) {
            self.apply(pool, Change::Register, chunk).await?;
        }
        Ok(ChangeOutcome {
            changed: todo,
            unchanged,
        })
    }

    /// Deregisters `backends` from `pool`; those not registered are left alone. A backend
    /// given without a port deregisters it on every port it has.
    pub async fn deregister(
        &self,
        pool: &BackendPool,
        backends: &[Backend],
    ) -> Result<ChangeOutcome, Error> {
        self.check_pool(pool)?;
        let wanted = self.check_backends(pool, backends, true, false)?;
        tracing::debug!(provider = %self.provider(), %pool, backends = wanted.len(), "deregister backends");
        let members = self.backend.health(pool).await?;
        let mut todo: Vec<Backend> = Vec::new();
        let mut unchanged = Vec::new();
        for b in wanted {
            let found: Vec<&BackendHealth> = members
                .iter()
                .filter(|m| m.registered() && b.names(&m.backend))
                .collect();
            if found.is_empty() {
                unchanged.push(b);
            }
            for m in found {
                let mut m = m.backend.clone();
                m.ip = None;
                if !todo.contains(&m) {
                    todo.push(m);
                }
            }
        }
        for chunk in todo.chunks(self.backend.batch_size().max(1)) {
            self.apply(pool, Change::Deregister, chunk).await?;
        }
        Ok(ChangeOutcome {
            changed: todo,
            unchanged,
        })
    }

    /// Sends one change call: again while the load balancer is busy, then waits for its task;
    /// an ambiguous failure is settled by reading the pool.
    async fn apply(
        &self,
        pool: &BackendPool,
        change: Change,
        chunk: &[Backend],
    ) -> Result<(), Error> {
        let clock = self.backend.clock();
        let spec = WaitSpec {
            provider: self.provider(),
            what: format!("{pool} to accept the change").into(),
            poll_interval: TASK_POLL,
            timeout: self.task_timeout,
        };
        let sent = wait_until(clock.as_ref(), &spec, || async {
            match self.backend.change(pool, change, chunk).await {
                Err(e) if self.backend.busy(&e) => Ok(Poll::Pending(format!(
                    "the load balancer is busy: {}",
                    e.message()
                ))),
                other => Ok(Poll::Ready(other)),
            }
        })
        .await?;
        match sent {
            Ok(Some(task)) if self.wait_tasks => self.wait_task(&task).await,
            Ok(_) => Ok(()),
            Err(e) if e.may_have_been_applied() || e.earlier_attempt_may_have_applied() => {
                tracing::debug!(provider = %self.provider(), %pool, error = %e, "settling an ambiguous failure by describing the pool");
                let members = match self.backend.health(pool).await {
                    Ok(m) => m,
                    Err(_) => return Err(e),
                };
                let applied = chunk.iter().all(|b| {
                    let present = members
                        .iter()
                        .any(|m| m.registered() && b.names(&m.backend));
                    present == (change == Change::Register)
                });
                if applied { Ok(()) } else { Err(e) }
            }
            Err(e) => Err(e),
        }
    }

    /// Polls `task` until it ends; a failed task is an error.
    async fn wait_task(&self, task: &Task) -> Result<(), Error> {
        let clock = self.backend.clock();
        let spec = WaitSpec {
            provider: self.provider(),
            what: format!("task {}", task.id).into(),
            poll_interval: TASK_POLL,
            timeout: self.task_timeout,
        };
        wait_until(clock.as_ref(), &spec, || async {
            match self.backend.task_state(task).await? {
                TaskState::Running => Ok(Poll::Pending(format!("task {} is running", task.id))),
                TaskState::Done => Ok(Poll::Ready(())),
                TaskState::Failed(message) => Err(Error::new(
                    ErrorKind::Other,
                    format!("task {} failed: {message}", task.id),
                )
                .with_provider(self.provider())
                .with_operation("DescribeTaskStatus")),
            }
        })
        .await
    }

    /// Waits until every one of `backends` is [`HealthState::Healthy`] in `pool` (on every
    /// port it has, when given without one), polling on the client's clock; returns their
    /// health. A backend that is not registered is [`ErrorKind::NotFound`] at once; running
    /// out of time is a non-retryable [`ErrorKind::Timeout`] that says who was not healthy.
    pub async fn wait_until_healthy(
        &self,
        pool: &BackendPool,
        backends: &[Backend],
        timeout: Duration,
    ) -> Result<Vec<BackendHealth>, Error> {
        self.check_pool(pool)?;
        let wanted = self.check_backends(pool, backends, true, false)?;
        let clock = self.backend.clock();
        let spec = WaitSpec {
            provider: self.provider(),
            what: "healthy backends".into(),
            poll_interval: self.poll_interval,
            timeout,
        };
        wait_until(clock.as_ref(), &spec, || async {
            let members = self.backend.health(pool).await?;
            let mut out = Vec::new();
            let mut waiting = Vec::new();
            for b in &wanted {
                let found: Vec<&BackendHealth> = members
                    .iter()
                    .filter(|m| m.registered() && b.names(&m.backend))
                    .collect();
                if found.is_empty() {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("backend {b} is not registered with {pool}"),
                    )
                    .with_provider(self.provider()));
                }
                for h in found {
                    if h.state != HealthState::Healthy {
                        waiting.push(format!("{} is {} ({})", h.backend, h.state, h.raw_state));
                    }
                    out.push(h.clone());
                }
            }
            Ok(if waiting.is_empty() {
                Poll::Ready(out)
            } else {
                Poll::Pending(waiting.join(", "))
            })
        })
        .await
    }

    /// Waits until none of `backends` is in `pool` any more (a draining backend is still
    /// there), polling on the client's clock.
    pub async fn wait_until_deregistered(
        &self,
        pool: &BackendPool,
        backends: &[Backend],
        timeout: Duration,
    ) -> Result<(), Error> {
        self.check_pool(pool)?;
        let wanted = self.check_backends(pool, backends, true, false)?;
        let clock = self.backend.clock();
        let spec = WaitSpec {
            provider: self.provider(),
            what: "deregistered backends".into(),
            poll_interval: self.poll_interval,
            timeout,
        };
        wait_until(clock.as_ref(), &spec, || async {
            let members = self.backend.health(pool).await?;
            let left: Vec<String> = members
                .iter()
                .filter(|m| wanted.iter().any(|b| b.names(&m.backend)))
                .map(|m| format!("{} is {}", m.backend, m.state))
                .collect();
            Ok(if left.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending(left.join(", "))
            })
        })
        .await
    }
}

/// The error for a port or weight a pool does not take.
pub(crate) fn refuse(provider: Provider, pool: &BackendPool, b: &Backend, what: &str) -> Error {
    Error::invalid_input(format!("backend {b}: {} takes {what}", pool.kind_name()))
        .with_provider(provider)
}

/// Checks the weight range (0–100) where a pool takes weights.
pub(crate) fn check_weight(provider: Provider, b: &Backend) -> Result<(), Error> {
    match b.weight {
        Some(w) if w > 100 => Err(Error::invalid_input(format!(
            "backend {}: weight {w} is not 0 to 100",
            model::shown(&b.instance_id)
        ))
        .with_provider(provider)),
        _ => Ok(()),
    }
}

/// Checks an id against the vendor's shape.
pub(crate) fn check_id(
    provider: Provider,
    b: &Backend,
    valid: fn(&str) -> bool,
    expected: &str,
) -> Result<(), Error> {
    if valid(&b.instance_id) {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{}` is not a valid {} backend id (expected {expected})",
            model::shown(&b.instance_id),
            provider.display_name()
        ))
        .with_provider(provider))
    }
}

#[cfg(test)]
mod tests;

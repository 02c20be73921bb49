//! Compute instances on AWS EC2, Tencent Cloud CVM and Alibaba Cloud ECS behind one API.
//!
//! A [`Compute`] is built from a provider client and offers the same five operations
//! everywhere — describe, create, start, stop, destroy — plus a waiter:
//!
//! Every constructor takes a reference to the provider's client (`unicloud_aws::AwsClient`,
//! `TencentClient`, `AlibabaClient`), which is cheap to clone and shared with the other
//! services of the same cloud. Describe calls take an [`InstanceQuery`] (or just [`Filters`]);
//! the other calls take any list of ids (`&[&str]`, `Vec<String>`, an iterator).
//!
//! | operation | AWS | Tencent Cloud | Alibaba Cloud |
//! |---|---|---|---|
//! | [`Compute::describe_instances`] (a stream over every page) / [`Compute::list_instances`] | EC2 `DescribeInstances` | CVM `DescribeInstances` | ECS `DescribeInstances` |
//! | [`Compute::create_instances`] | EC2 `RunInstances` | CVM `RunInstances` | ECS `RunInstances` |
//! | [`Compute::start_instances`] / [`Compute::stop_instances`] | EC2 `StartInstances` / `StopInstances` | CVM `StartInstances` / `StopInstances` | ECS `StartInstances` / `StopInstances` |
//! | [`Compute::destroy_instances`] | EC2 `TerminateInstances` | CVM `TerminateInstances` | ECS `DeleteInstances` (`Force=true`) |
//! | [`Compute::wait_until`] | polls `DescribeInstances` on the configured clock | same | same |
//!
//! Each backend sits behind a cargo feature (`aws`, `tencent`, `alibaba`; all on by default), so
//! `default-features = false, features = ["tencent"]` builds neither aws-sdk-ec2 nor the
//! Alibaba runtime.
//!
//! # Examples
//!
//! Tencent Cloud (the same code drives every provider once the [`Compute`] is built):
//!
//! ```no_run
//! # #[cfg(feature = "tencent")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use std::time::Duration;
//! use futures::TryStreamExt;
//! use unicloud_compute::{Compute, CreateInstancesSpec, Filters, InstanceState, StopMode};
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_tencent::client::TencentClient;
//!
//! let client = TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKID...", "secret"))
//!     .build()?;
//! let compute = Compute::tencent(&client);
//!
//! let ids = compute
//!     .create_instances(
//!         &CreateInstancesSpec::new("img-pi0ii46r", "S5.MEDIUM2")
//!             .count(2)
//!             .zone("ap-guangzhou-3")
//!             .name("web")
//!             .tag("env", "prod"),
//!     )
//!     .await?;
//! compute.wait_until(&ids, InstanceState::Running, Duration::from_secs(300)).await?;
//!
//! // Every page is followed; filters use the unified keys.
//! let filters = Filters::new().tag("env", ["prod"]).state([InstanceState::Running]);
//! let mut stream = compute.describe_instances(&filters)?;
//! while let Some(instance) = stream.try_next().await? {
//!     println!("{} {} {:?}", instance.id, instance.state, instance.private_ip());
//! }
//!
//! compute.stop_instances(&ids, StopMode::Graceful).await?;
//! compute.wait_until(&ids, InstanceState::Stopped, Duration::from_secs(300)).await?;
//! compute.destroy_instances(&ids).await?;
//! # Ok(()) }
//! ```
//!
//! Alibaba Cloud:
//!
//! ```no_run
//! # #[cfg(feature = "alibaba")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use std::time::Duration;
//! use unicloud_compute::{Compute, CreateInstancesSpec, Filters, InstanceState};
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_alibaba::client::AlibabaClient;
//!
//! let client = AlibabaClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou")?)
//!     .credentials(Credentials::new("LTAI...", "secret"))
//!     .build()?;
//! let compute = Compute::alibaba(&client);
//!
//! let ids = compute
//!     .create_instances(
//!         &CreateInstancesSpec::new("aliyun_3_x64_20G_alibase_20240819.vhd", "ecs.g7.large")
//!             .subnet("vsw-bp1s5fnvk4gn2tws0****")
//!             .security_group("sg-bp15ed6xe1yxeycg7****")
//!             .name("web"),
//!     )
//!     .await?;
//! compute.wait_until(&ids, InstanceState::Running, Duration::from_secs(300)).await?;
//! let web = compute.list_instances(Filters::new().name("web")).await?;
//! println!("{} instances named web", web.len());
//! compute.destroy_instances(&ids).await?;
//! # Ok(()) }
//! ```
//!
//! AWS (credentials, profile, region and endpoint through `aws-config`):
//!
//! ```no_run
//! # #[cfg(feature = "aws")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use std::time::Duration;
//! use unicloud_compute::{Compute, CreateInstancesSpec, InstanceState};
//! use unicloud_aws::{load_sdk_config, AwsClient, AwsConfigOptions};
//! use unicloud_core::{ClientConfig, Provider, Region};
//!
//! let sdk = load_sdk_config(&AwsConfigOptions {
//!     profile: Some("prod".into()),
//!     region: Some(Region::new(Provider::Aws, "us-east-1")?),
//!     ..Default::default()
//! })
//! .await;
//! let client = AwsClient::new(sdk, ClientConfig::default())?;
//! let compute = Compute::aws(&client);
//!
//! let ids = compute
//!     .create_instances(&CreateInstancesSpec::new("ami-0abcdef1234567890", "t3.micro").name("web"))
//!     .await?;
//! compute.wait_until(&ids, InstanceState::Running, Duration::from_secs(300)).await?;
//! for change in compute.destroy_instances(&ids).await? {
//!     println!("{}: {:?} -> {}", change.id, change.previous, change.current);
//! }
//! # Ok(()) }
//! ```
//!
//! # Instance states
//!
//! Every vendor state string maps to an [`InstanceState`]; [`Instance::raw_state`] keeps the
//! vendor's word and anything unlisted becomes [`InstanceState::Unknown`].
//!
//! | unified | AWS | Tencent Cloud | Alibaba Cloud |
//! |---|---|---|---|
//! | `pending` | `pending` | `PENDING` | `Pending` |
//! | `running` | `running` | `RUNNING` | `Running` |
//! | `starting` | — (AWS reports a restart as `pending`) | `STARTING`, `REBOOTING` | `Starting` |
//! | `stopping` | `stopping` | `STOPPING` | `Stopping` |
//! | `stopped` | `stopped` | `STOPPED`, `SHUTDOWN` (stopped, awaiting release) | `Stopped` |
//! | `terminating` | `shutting-down` | `TERMINATING` | — |
//! | `terminated` | `terminated` | — (destroyed instances disappear) | `Deleted`, `Released` |
//! | `Unknown(raw)` | anything else | `LAUNCH_FAILED`, rescue / migration states, ... | anything else |
//!
//! # Filters
//!
//! [`Filters`] take the unified keys below (in the seed's JSON form or through the typed
//! builder). Each is sent as the vendor's native filter where one exists, and **every filter is
//! also checked client-side**, so results match exactly on every provider (no vendor globbing or
//! fuzzy name matching leaks through). "client" means the vendor has no usable native filter and
//! the match happens only on our side, after paging.
//!
//! | unified key | AWS | Tencent Cloud | Alibaba Cloud |
//! |---|---|---|---|
//! | `state` | `instance-state-name` | `instance-state` | `Status` (one value; several → client) |
//! | `name` | `tag:Name` | `instance-name` | `InstanceName` (one value; several → client) |
//! | `zone` | `availability-zone` | `zone` | `ZoneId` (one value; several → client) |
//! | `vpc` | `vpc-id` | `vpc-id` | `VpcId` (one value; several → client) |
//! | `subnet` | `subnet-id` | `subnet-id` | `VSwitchId` (one value; several → client) |
//! | `image` | `image-id` | `image-id` | `ImageId` (one value; several → client) |
//! | `instance-type` | `instance-type` | `instance-type` | `InstanceType` (one value; several → client) |
//! | `private-ip` | `private-ip-address` | `private-ip-address` | `PrivateIpAddresses` (JSON list) |
//! | `tag:<key>` | `tag:<key>` | `tag:<key>` | `Tag.N.Key`/`Tag.N.Value` (one value; several → client) |
//!
//! When ids are given, the ids are sent natively and the filters are applied client-side
//! (Tencent Cloud refuses `InstanceIds` together with `Filters`, and a missing id must be told
//! apart from a filtered-out one).
//!
//! # Behaviour
//!
//! - **Validation first**: empty or malformed ids, a zero count, an unknown filter key or
//!   state → [`ErrorKind::InvalidInput`] before any
//!   request is sent. Ids are checked against the vendor's shape (AWS `i-` + 8 or 17 hex digits,
//!   Tencent `ins-` + 8 characters, Alibaba `i-` + letters and digits); duplicates are dropped.
//! - **Unknown ids** → [`ErrorKind::NotFound`] on every
//!   provider (Tencent and Alibaba answer an empty list for unknown ids in `DescribeInstances`;
//!   unicloud turns that into `NotFound` like EC2's `InvalidInstanceID.NotFound`).
//! - **Paging**: AWS `NextToken` (`MaxResults` 1000 without ids), Tencent `Offset`/`Limit` 100,
//!   Alibaba `NextToken`/`MaxResults` 100 — every page is followed.
//! - **Chunking**: id lists are split at the vendor's per-call limit (AWS 1000 — the documented
//!   ceiling of Start/Stop/TerminateInstances; Tencent 100; Alibaba 100) and the results merged in
//!   the order of the ids given.
//! - **Idempotent creation**: every create carries a client token generated once per logical
//!   call (or the one in the spec), so the retries of that call never create twice.
//! - **Retries** with exponential back-off and jitter on throttling, 5xx and broken
//!   connections, through the core [`RetryPolicy`](unicloud_core::RetryPolicy) of the client's
//!   [`ClientConfig`](unicloud_core::ClientConfig) (the AWS SDK's own retries are turned off).
//! - **Waiters** poll on the client configuration's [`Clock`](unicloud_core::clock::Clock), so
//!   tests with a manual clock never sleep.

// Without any backend feature the crate still builds (the shared layer has no user then).
#![cfg_attr(
    not(any(feature = "aws", feature = "tencent", feature = "alibaba")),
    allow(dead_code)
)]

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{BoxStream, TryStreamExt};
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::ids::{self, IdRule};
use unicloud_core::listing;
use unicloud_core::paging;
use unicloud_core::waiter::{self, Poll, WaitSpec};
use unicloud_core::{Error, ErrorKind, Provider, Region};

#[cfg(feature = "alibaba")]
mod alibaba;
#[cfg(feature = "aws")]
mod aws;
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub mod bench;
mod model;
#[cfg(feature = "tencent")]
mod tencent;
mod util;

pub use model::{
    CreateInstancesSpec, FilterKey, Filters, Instance, InstanceQuery, InstanceState, StateChange,
    StopMode,
};

/// A stream of instances, following every page (see [`Compute::describe_instances`]).
pub type InstanceStream = BoxStream<'static, Result<Instance, Error>>;

/// The vendor call every describe makes, for errors.
const DESCRIBE: &str = "DescribeInstances";

/// One page request to a backend.
pub(crate) type PageQuery<'a> = listing::PageQuery<'a, Filters>;

/// One page of instances from a backend.
pub(crate) type Page = paging::Page<Instance>;

/// A lifecycle action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Start,
    Stop(StopMode),
    Destroy,
}

/// The vendor's per-call limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Ids per call.
    pub(crate) ids: usize,
    /// Instances per page.
    pub(crate) page: usize,
    /// Instances per create call, when the vendor has a hard limit.
    pub(crate) create: Option<u32>,
}

/// What a provider must implement; everything else (validation, chunking, paging, client-side
/// filters, waiting) is shared, built on `unicloud_core`'s helpers.
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    fn region(&self) -> &Region;
    fn clock(&self) -> SharedClock;
    fn limits(&self) -> Limits;
    /// The shape of this vendor's instance ids (its provider is the backend's).
    fn id_rule(&self) -> IdRule;
    fn describe_page<'a>(&'a self, query: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>>;
    fn create<'a>(
        &'a self,
        spec: &'a CreateInstancesSpec,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, Error>>;
    fn change<'a>(
        &'a self,
        action: Action,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<StateChange>, Error>>;
}

/// Instances of one provider in one region: see the [crate docs](crate).
#[derive(Clone)]
pub struct Compute {
    backend: Arc<dyn Backend>,
    poll_interval: Duration,
    page_size: Option<usize>,
    id_batch: Option<usize>,
}

impl fmt::Debug for Compute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compute")
            .field("backend", &self.backend)
            .field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
}

impl Compute {
    pub(crate) fn from_backend(backend: Arc<dyn Backend>) -> Self {
        Self {
            backend,
            poll_interval: Duration::from_secs(5),
            page_size: None,
            id_batch: None,
        }
    }

    /// Which cloud this talks to.
    pub fn provider(&self) -> Provider {
        self.backend.id_rule().provider
    }

    /// The region.
    pub fn region(&self) -> &Region {
        self.backend.region()
    }

    /// How often [`Compute::wait_until`] polls (default 5 s).
    #[must_use]
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Asks for pages of at most `size` instances (default: the vendor's maximum; clamped to
    /// it, and to at least 5, EC2's minimum). Smaller pages mean more requests, each smaller.
    #[must_use]
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Sends at most `n` ids per call (default: the vendor's limit; clamped to it, at least 1).
    #[must_use]
    pub fn with_id_batch_size(mut self, n: usize) -> Self {
        self.id_batch = Some(n);
        self
    }

    fn page_size(&self) -> usize {
        let max = self.backend.limits().page;
        self.page_size.map_or(max, |p| p.clamp(5.min(max), max))
    }

    fn id_batch(&self) -> usize {
        ids::batch_size(self.backend.limits().ids, self.id_batch)
    }

    fn invalid(&self, message: impl Into<String>) -> Error {
        Error::invalid_input(message).with_provider(self.provider())
    }

    /// Describes instances: those the query names (every instance when it names none) that
    /// pass its filters, as a stream that follows every page and every id chunk. Takes an
    /// [`InstanceQuery`], or [`Filters`] alone:
    ///
    /// ```no_run
    /// # async fn example(compute: unicloud_compute::Compute) -> Result<(), unicloud_core::Error> {
    /// use unicloud_compute::{Filters, InstanceQuery, InstanceState};
    ///
    /// let running = compute.describe_instances(Filters::new().state([InstanceState::Running]))?;
    /// let two = compute.describe_instances(InstanceQuery::ids(["i-0123456789abcdef0", "i-0fedcba9"]))?;
    /// let everything = compute.describe_instances(InstanceQuery::all())?;
    /// # let _ = (running, two, everything); Ok(()) }
    /// ```
    ///
    /// With ids, instances come in the order of the ids, and an id that does not exist fails
    /// the stream with [`ErrorKind::NotFound`]. Input is checked before anything is sent:
    /// malformed ids are an [`ErrorKind::InvalidInput`] error right away. Nothing is sent
    /// until the stream is polled, and each page is asked for only when the previous one has
    /// been consumed.
    pub fn describe_instances(
        &self,
        query: impl Into<InstanceQuery>,
    ) -> Result<InstanceStream, Error> {
        let InstanceQuery { ids, filters } = query.into();
        let ids = self.backend.id_rule().check(&ids, false)?;
        Ok(listing::describe(
            Instances(self.backend.clone()),
            ids,
            self.id_batch(),
            filters,
            self.page_size(),
        ))
    }

    /// Collects [`Compute::describe_instances`] into a vector.
    pub async fn list_instances(
        &self,
        query: impl Into<InstanceQuery>,
    ) -> Result<Vec<Instance>, Error> {
        self.describe_instances(query)?.try_collect().await
    }

    /// Creates `spec.count` instances (all or nothing) and returns their ids; a dry run returns
    /// no id once the provider has accepted the request.
    ///
    /// One client token (the spec's, or a fresh UUID) is used for every attempt of this call, so
    /// a retried request never creates twice, and calling again with the same explicit token
    /// returns the same instances.
    pub async fn create_instances(&self, spec: &CreateInstancesSpec) -> Result<Vec<String>, Error> {
        spec.validate()
            .map_err(|e| e.with_provider(self.provider()))?;
        if let Some(max) = self.backend.limits().create
            && spec.count > max
        {
            return Err(self.invalid(format!(
                "the instance count {} is above {}'s limit of {max} instances per call",
                spec.count,
                self.provider().display_name()
            )));
        }
        let token = spec
            .client_token
            .clone()
            .unwrap_or_else(ids::new_client_token);
        tracing::debug!(provider = %self.provider(), count = spec.count, token, "create instances");
        self.backend.create(spec, &token).await
    }

    /// Starts stopped instances.
    ///
    /// Safe to retry like [`Compute::destroy_instances`]: a repeat after a lost answer that is
    /// refused because the instances are already running (Tencent and Alibaba refuse to start
    /// a running instance) is checked with a describe and reported as the success it is.
    pub async fn start_instances<I>(&self, ids: I) -> Result<Vec<StateChange>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.change(Action::Start, ids).await
    }

    /// Stops running instances. [`StopMode::Force`] skips the guest's orderly shutdown (a hard
    /// power-off; AWS `Force`, Tencent `StopType=HARD`, Alibaba `ForceStop`). A repeat after a
    /// lost answer, refused because the instances are already stopped, is settled the same way
    /// as for [`Compute::start_instances`].
    pub async fn stop_instances<I>(&self, ids: I, mode: StopMode) -> Result<Vec<StateChange>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.change(Action::Stop(mode), ids).await
    }

    /// Destroys instances, running or stopped (this cannot be undone).
    ///
    /// Safe to retry: when an attempt times out or loses its connection after sending, the
    /// call is repeated, and a repeat that finds the instances already gone (Tencent and
    /// Alibaba answer "not found" for destroyed instances) is checked with a describe and
    /// reported as the success it is. An id that never existed is still
    /// [`ErrorKind::NotFound`].
    pub async fn destroy_instances<I>(&self, ids: I) -> Result<Vec<StateChange>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.change(Action::Destroy, ids).await
    }

    async fn change<I>(&self, action: Action, ids: I) -> Result<Vec<StateChange>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let ids = self.backend.id_rule().check(ids, true)?;
        ids::try_chunked(&ids, self.id_batch(), |chunk| async move {
            match self.backend.change(action, chunk).await {
                Err(e) if action == Action::Destroy && is_echo_of_a_destroy(&e) => {
                    self.confirm_destroyed(chunk, e).await
                }
                Err(e) if action != Action::Destroy && is_echo_of_a_change(&e) => {
                    self.confirm_changed(action, chunk, e).await
                }
                other => other,
            }
        })
        .await
    }

    /// A destroy whose first attempt timed out or lost its connection was repeated, and the
    /// repeat was told the instances do not exist (Tencent and Alibaba drop destroyed
    /// instances): the first attempt most likely destroyed them. Looks, and reports success if
    /// every instance is gone or going; otherwise the error stands.
    async fn confirm_destroyed(
        &self,
        chunk: &[String],
        err: Error,
    ) -> Result<Vec<StateChange>, Error> {
        let found = fetch_chunk(&self.backend, chunk, self.page_size(), true).await?;
        let by_id: HashMap<&str, &Instance> = found.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut changes = Vec::with_capacity(chunk.len());
        for id in chunk {
            let current = match by_id.get(id.as_str()) {
                None => InstanceState::Terminated,
                Some(i) if i.state.is_gone() => i.state.clone(),
                Some(_) => return Err(err),
            };
            changes.push(StateChange::new(id.clone(), None, current));
        }
        tracing::debug!(provider = %self.provider(), "a repeated destroy found its instances gone");
        Ok(changes)
    }

    /// A start or stop whose first attempt timed out or lost its connection was repeated, and
    /// the repeat was refused because of the instances' state (Tencent
    /// `UnsupportedOperation.InstanceStateRunning`, Alibaba `IncorrectInstanceStatus`): the
    /// first attempt most likely got there. Looks, and reports success if every instance is
    /// in the state asked for or on its way; otherwise (or if the look fails) the error
    /// stands.
    async fn confirm_changed(
        &self,
        action: Action,
        chunk: &[String],
        err: Error,
    ) -> Result<Vec<StateChange>, Error> {
        let Ok(found) = fetch_chunk(&self.backend, chunk, self.page_size(), false).await else {
            return Err(err);
        };
        let reached = |s: &InstanceState| match action {
            Action::Start => matches!(
                s,
                InstanceState::Running | InstanceState::Pending | InstanceState::Starting
            ),
            Action::Stop(_) => matches!(s, InstanceState::Stopped | InstanceState::Stopping),
            Action::Destroy => s.is_gone(),
        };
        if found.len() != chunk.len() || !found.iter().all(|i| reached(&i.state)) {
            return Err(err);
        }
        tracing::debug!(provider = %self.provider(), "a repeated start or stop found its instances there");
        Ok(found
            .into_iter()
            .map(|i| StateChange::new(i.id, None, i.state))
            .collect())
    }

    /// Waits until every instance in `ids` is in `state`, polling every
    /// [poll interval](Compute::with_poll_interval) on the client's clock, and returns them.
    ///
    /// Waiting for [`InstanceState::Terminated`] also accepts instances that are gone (Tencent
    /// and Alibaba drop destroyed instances). Fails with [`ErrorKind::Timeout`] (not
    /// retryable: the caller chose how long to wait) when `timeout` passes on the clock's
    /// monotonic time, with [`ErrorKind::Conflict`] when an instance is destroyed while
    /// waiting for another state, and with [`ErrorKind::NotFound`] when one does not exist.
    pub async fn wait_until<I>(
        &self,
        ids: I,
        state: InstanceState,
        timeout: Duration,
    ) -> Result<Vec<Instance>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let ids = self.backend.id_rule().check(ids, true)?;
        if matches!(state, InstanceState::Unknown(_)) {
            return Err(self.invalid("cannot wait for an unknown state"));
        }
        let spec = WaitSpec {
            provider: self.provider(),
            what: state.to_string().into(),
            poll_interval: self.poll_interval,
            timeout,
        };
        let clock = self.backend.clock();
        waiter::wait_until(clock.as_ref(), &spec, || self.check_states(&ids, &state)).await
    }

    /// One poll of [`Compute::wait_until`].
    async fn check_states(
        &self,
        ids: &[String],
        state: &InstanceState,
    ) -> Result<Poll<Vec<Instance>>, Error> {
        let found = ids::try_chunked(ids, self.id_batch(), |chunk| {
            fetch_chunk(&self.backend, chunk, self.page_size(), true)
        })
        .await?;
        let by_id: HashMap<&str, &Instance> = found.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut waiting = Vec::new();
        for id in ids {
            match by_id.get(id.as_str()) {
                None if *state == InstanceState::Terminated => {}
                None => {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("instance {id} does not exist"),
                    )
                    .with_provider(self.provider()));
                }
                Some(i) if i.state == *state => {}
                Some(i) if i.state.is_gone() && !state.is_gone() => {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        format!("instance {id} is {} and will never be {state}", i.state),
                    )
                    .with_provider(self.provider()));
                }
                Some(i) => waiting.push(format!("{id} is {}", i.state)),
            }
        }
        Ok(if waiting.is_empty() {
            Poll::Ready(found)
        } else {
            Poll::Pending(waiting.join(", "))
        })
    }
}

/// Whether `err` is a repeated destroy's `NotFound` after an attempt that may have been applied.
fn is_echo_of_a_destroy(err: &Error) -> bool {
    err.kind() == ErrorKind::NotFound && err.earlier_attempt_may_have_applied()
}

/// Whether `err` is a repeated start or stop refused for the state an earlier, unanswered
/// attempt may have put the instances in.
fn is_echo_of_a_change(err: &Error) -> bool {
    err.kind() == ErrorKind::Conflict && err.earlier_attempt_may_have_applied()
}

/// Every page for one chunk of ids, in the order of `chunk`; missing ids are `NotFound`
/// unless tolerated.
async fn fetch_chunk(
    backend: &Arc<dyn Backend>,
    chunk: &[String],
    page_size: usize,
    tolerate_missing: bool,
) -> Result<Vec<Instance>, Error> {
    listing::fetch_ids(
        &Instances(backend.clone()),
        chunk,
        page_size,
        tolerate_missing,
    )
    .await
}

/// Instances as a [`listing::Listing`]: the backend's pages, the unified filters.
#[derive(Clone)]
struct Instances(Arc<dyn Backend>);

impl listing::Listing for Instances {
    type Item = Instance;
    type Filters = Filters;

    fn provider(&self) -> Provider {
        self.0.id_rule().provider
    }

    fn operation(&self) -> &'static str {
        DESCRIBE
    }

    fn page<'a>(&'a self, query: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        self.0.describe_page(query)
    }

    fn id(item: &Instance) -> &str {
        &item.id
    }

    fn matches(filters: &Filters, item: &Instance) -> bool {
        filters.matches(item)
    }

    fn missing(&self, ids: &[&str]) -> Error {
        Error::new(
            ErrorKind::NotFound,
            format!("instance(s) {} do not exist", ids.join(", ")),
        )
        .with_provider(self.provider())
        .with_operation(DESCRIBE)
    }
}

#[cfg(test)]
mod tests;

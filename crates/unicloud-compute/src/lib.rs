//! Compute instances on AWS EC2, Tencent Cloud CVM and Alibaba Cloud ECS behind one API.
//!
//! A [`Compute`] is built from a provider client and offers the same five operations
//! everywhere — describe, create, start, stop, destroy — plus a waiter:
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
//! use unicloud_compute::{Compute, CreateInstancesSpec, Filters, InstanceState};
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_tencent::client::TencentClient;
//!
//! let client = TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKID...", "secret"))
//!     .build()?;
//! let compute = Compute::tencent(client);
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
//! let mut stream = compute.describe_instances(&[] as &[String], &filters)?;
//! while let Some(instance) = stream.try_next().await? {
//!     println!("{} {} {:?}", instance.id, instance.state, instance.private_ip());
//! }
//!
//! compute.stop_instances(&ids, false).await?;
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
//! let compute = Compute::alibaba(client);
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
//! let web = compute.list_instances(&[] as &[String], &Filters::new().name("web")).await?;
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
//! use unicloud_aws::{load_sdk_config, AwsConfigOptions};
//! use unicloud_core::{ClientConfig, Provider, Region};
//!
//! let sdk = load_sdk_config(&AwsConfigOptions {
//!     profile: Some("prod".into()),
//!     region: Some(Region::new(Provider::Aws, "us-east-1")?),
//!     ..Default::default()
//! })
//! .await;
//! let compute = Compute::aws(&sdk, ClientConfig::default())?;
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

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::{Error, ErrorKind, Provider, Region};

#[cfg(feature = "alibaba")]
mod alibaba;
#[cfg(feature = "aws")]
mod aws;
mod model;
#[cfg(feature = "tencent")]
mod tencent;
mod util;

pub use model::{CreateInstancesSpec, FilterKey, Filters, Instance, InstanceState, StateChange};

/// A stream of instances, following every page (see [`Compute::describe_instances`]).
pub type InstanceStream = BoxStream<'static, Result<Instance, Error>>;

/// One page request to a backend.
pub(crate) struct PageQuery<'a> {
    /// At most the backend's id limit; `None` for "every instance".
    pub(crate) ids: Option<&'a [String]>,
    /// Filters to send natively where possible (empty when `ids` is set).
    pub(crate) filters: &'a Filters,
    /// The page size to ask for.
    pub(crate) page_size: usize,
    /// The cursor returned by the previous page.
    pub(crate) cursor: Option<&'a str>,
}

/// One page from a backend.
pub(crate) struct Page {
    pub(crate) instances: Vec<Instance>,
    pub(crate) next: Option<String>,
}

/// A lifecycle action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Start,
    Stop { force: bool },
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
/// filters, waiting) is shared.
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    fn provider(&self) -> Provider;
    fn region(&self) -> &Region;
    fn clock(&self) -> SharedClock;
    fn limits(&self) -> Limits;
    fn valid_id(&self, id: &str) -> bool;
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
        self.backend.provider()
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
        let max = self.backend.limits().ids;
        self.id_batch.map_or(max, |n| n.clamp(1, max))
    }

    /// Checks ids locally: non-empty list (when `required`), each of the vendor's shape;
    /// returns them de-duplicated in their first-seen order.
    fn check_ids<S: AsRef<str>>(&self, ids: &[S], required: bool) -> Result<Vec<String>, Error> {
        if required && ids.is_empty() {
            return Err(self.invalid("no instance id given"));
        }
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let id = id.as_ref();
            if !self.backend.valid_id(id) {
                return Err(self.invalid(format!(
                    "`{id}` is not a well-formed {} instance id",
                    self.provider().display_name()
                )));
            }
            if seen.insert(id.to_owned()) {
                out.push(id.to_owned());
            }
        }
        Ok(out)
    }

    fn invalid(&self, message: impl Into<String>) -> Error {
        Error::invalid_input(message).with_provider(self.provider())
    }

    /// Describes instances: those in `ids` (all of them when empty) that pass `filters`, as a
    /// stream that follows every page and every id chunk.
    ///
    /// With ids, instances come in the order of `ids`, and an id that does not exist fails the
    /// stream with [`ErrorKind::NotFound`]. Input is checked before anything is sent: malformed
    /// ids are an [`ErrorKind::InvalidInput`] error right away.
    pub fn describe_instances<S: AsRef<str>>(
        &self,
        ids: &[S],
        filters: &Filters,
    ) -> Result<InstanceStream, Error> {
        let ids = self.check_ids(ids, false)?;
        let chunks: VecDeque<Vec<String>> = if ids.is_empty() {
            VecDeque::new()
        } else {
            ids.chunks(self.id_batch())
                .map(<[String]>::to_vec)
                .collect()
        };
        let state = Paging {
            backend: self.backend.clone(),
            filters: filters.clone(),
            by_ids: !ids.is_empty(),
            chunks,
            cursor: None,
            started: false,
            page_size: self.page_size(),
        };
        let s = stream::try_unfold(state, |mut st| async move {
            let batch = st.next_batch().await?;
            Ok::<_, Error>(batch.map(|b| (b, st)))
        })
        .map_ok(|batch| stream::iter(batch.into_iter().map(Ok)))
        .try_flatten();
        Ok(s.boxed())
    }

    /// Collects [`Compute::describe_instances`] into a vector.
    pub async fn list_instances<S: AsRef<str>>(
        &self,
        ids: &[S],
        filters: &Filters,
    ) -> Result<Vec<Instance>, Error> {
        self.describe_instances(ids, filters)?.try_collect().await
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
                "{} creates at most {max} instances per call (asked for {})",
                self.provider().display_name(),
                spec.count
            )));
        }
        let token = spec
            .client_token
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        tracing::debug!(provider = %self.provider(), count = spec.count, token, "create instances");
        self.backend.create(spec, &token).await
    }

    /// Starts stopped instances.
    pub async fn start_instances<S: AsRef<str>>(
        &self,
        ids: &[S],
    ) -> Result<Vec<StateChange>, Error> {
        self.change(Action::Start, ids).await
    }

    /// Stops running instances; `force` skips the guest's orderly shutdown (a hard power-off;
    /// AWS `Force`, Tencent `ForceStop`/`StopType=HARD`, Alibaba `ForceStop`).
    pub async fn stop_instances<S: AsRef<str>>(
        &self,
        ids: &[S],
        force: bool,
    ) -> Result<Vec<StateChange>, Error> {
        self.change(Action::Stop { force }, ids).await
    }

    /// Destroys instances, running or stopped (this cannot be undone).
    pub async fn destroy_instances<S: AsRef<str>>(
        &self,
        ids: &[S],
    ) -> Result<Vec<StateChange>, Error> {
        self.change(Action::Destroy, ids).await
    }

    async fn change<S: AsRef<str>>(
        &self,
        action: Action,
        ids: &[S],
    ) -> Result<Vec<StateChange>, Error> {
        let ids = self.check_ids(ids, true)?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(self.id_batch()) {
            out.extend(self.backend.change(action, chunk).await?);
        }
        Ok(out)
    }

    /// Waits until every instance in `ids` is in `state`, polling every
    /// [poll interval](Compute::with_poll_interval) on the client's clock, and returns them.
    ///
    /// Waiting for [`InstanceState::Terminated`] also accepts instances that are gone (Tencent
    /// and Alibaba drop destroyed instances). Fails with [`ErrorKind::Timeout`] when `timeout`
    /// passes, with [`ErrorKind::Conflict`] when an instance is destroyed while waiting for
    /// another state, and with [`ErrorKind::NotFound`] when one does not exist.
    pub async fn wait_until<S: AsRef<str>>(
        &self,
        ids: &[S],
        state: InstanceState,
        timeout: Duration,
    ) -> Result<Vec<Instance>, Error> {
        let ids = self.check_ids(ids, true)?;
        if matches!(state, InstanceState::Unknown(_)) {
            return Err(self.invalid("cannot wait for an unknown state"));
        }
        let clock = self.backend.clock();
        // Durations on the monotonic clock: a wall-clock step must not stretch the wait.
        let started = clock.monotonic();
        loop {
            let found = self.fetch_by_ids(&ids, true).await?;
            let by_id: HashMap<&str, &Instance> =
                found.iter().map(|i| (i.id.as_str(), i)).collect();
            let mut waiting = Vec::new();
            for id in &ids {
                match by_id.get(id.as_str()) {
                    None if state == InstanceState::Terminated => {}
                    None => {
                        return Err(Error::new(
                            ErrorKind::NotFound,
                            format!("instance {id} does not exist"),
                        )
                        .with_provider(self.provider()));
                    }
                    Some(i) if i.state == state => {}
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
            if waiting.is_empty() {
                return Ok(found);
            }
            let elapsed = clock.monotonic().saturating_sub(started);
            if elapsed >= timeout {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "gave up waiting for {state} after {elapsed:?}: {}",
                        waiting.join(", ")
                    ),
                )
                .with_provider(self.provider())
                // The caller chose how long to wait: retrying would silently double it.
                .with_retryable(false));
            }
            clock.sleep(self.poll_interval.min(timeout - elapsed)).await;
        }
    }

    /// Every instance in `ids` that exists, in the order of `ids`, all pages and chunks.
    async fn fetch_by_ids(
        &self,
        ids: &[String],
        tolerate_missing: bool,
    ) -> Result<Vec<Instance>, Error> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(self.id_batch()) {
            out.extend(
                fetch_chunk(
                    self.backend.as_ref(),
                    chunk,
                    self.page_size(),
                    tolerate_missing,
                )
                .await?,
            );
        }
        Ok(out)
    }
}

/// Fetches every page for one chunk of ids; missing ids are `NotFound` unless tolerated.
async fn fetch_chunk(
    backend: &dyn Backend,
    chunk: &[String],
    page_size: usize,
    tolerate_missing: bool,
) -> Result<Vec<Instance>, Error> {
    let none = Filters::new();
    let mut cursor: Option<String> = None;
    let mut found: HashMap<String, Instance> = HashMap::new();
    loop {
        let page = backend
            .describe_page(PageQuery {
                ids: Some(chunk),
                filters: &none,
                page_size,
                cursor: cursor.as_deref(),
            })
            .await?;
        for i in page.instances {
            found.insert(i.id.clone(), i);
        }
        match page.next {
            Some(n) if Some(&n) == cursor.as_ref() => {
                return Err(repeated_cursor(backend.provider()));
            }
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let mut out = Vec::with_capacity(chunk.len());
    let mut missing = Vec::new();
    for id in chunk {
        match found.remove(id) {
            Some(i) => out.push(i),
            None => missing.push(id.as_str()),
        }
    }
    if !missing.is_empty() && !tolerate_missing {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("instance(s) {} do not exist", missing.join(", ")),
        )
        .with_provider(backend.provider()));
    }
    Ok(out)
}

fn repeated_cursor(provider: Provider) -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        "the provider returned the same page cursor twice",
    )
    .with_provider(provider)
}

/// The state of a describe stream.
struct Paging {
    backend: Arc<dyn Backend>,
    filters: Filters,
    by_ids: bool,
    chunks: VecDeque<Vec<String>>,
    cursor: Option<String>,
    started: bool,
    page_size: usize,
}

impl Paging {
    /// The next batch of matching instances, or `None` at the end.
    async fn next_batch(&mut self) -> Result<Option<Vec<Instance>>, Error> {
        if self.by_ids {
            let Some(chunk) = self.chunks.pop_front() else {
                return Ok(None);
            };
            let mut found =
                fetch_chunk(self.backend.as_ref(), &chunk, self.page_size, false).await?;
            found.retain(|i| self.filters.matches(i));
            return Ok(Some(found));
        }
        if self.started && self.cursor.is_none() {
            return Ok(None);
        }
        self.started = true;
        let page = self
            .backend
            .describe_page(PageQuery {
                ids: None,
                filters: &self.filters,
                page_size: self.page_size,
                cursor: self.cursor.as_deref(),
            })
            .await?;
        if page.next.is_some() && page.next == self.cursor {
            return Err(repeated_cursor(self.backend.provider()));
        }
        self.cursor = page.next;
        let mut batch = page.instances;
        batch.retain(|i| self.filters.matches(i));
        Ok(Some(batch))
    }
}

#[cfg(test)]
mod tests;

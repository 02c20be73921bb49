//! The [`Cloud`] entry point: one builder for every provider.

use std::fmt;
use std::time::Duration;

#[cfg(any(feature = "tencent", feature = "alibaba"))]
use unicloud_core::SharedCredentialsProvider;
use unicloud_core::clock::SharedClock;
use unicloud_core::credentials::RoleSpec;
use unicloud_core::ratelimit::{RateLimiter, RateLimits};
use unicloud_core::{ClientConfig, Credentials, Error, ErrorKind, Provider, Region, RetryPolicy};

/// A configured connection to one provider in one region; hands out the service APIs.
///
/// The provider's client (credentials resolved and shared, HTTP connections pooled) is built
/// once, so each service accessor is cheap: it wraps a clone of that client.
///
/// ```no_run
/// # async fn example() -> Result<(), unicloud::Error> {
/// use unicloud::{Cloud, Provider};
/// use unicloud::compute::InstanceQuery;
///
/// let cloud = Cloud::builder(Provider::Tencent)
///     .region("ap-guangzhou")
///     .profile("prod")
///     .build()
///     .await?;
/// let instances = cloud.compute().list_instances(InstanceQuery::all()).await?;
/// println!("{} instances in {}", instances.len(), cloud.region());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Cloud {
    region: Region,
    config: ClientConfig,
    client: ProviderClient,
}

/// The built client of one provider: what every service is made from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ProviderClient {
    /// AWS: `aws-config`'s configuration with unicloud's.
    #[cfg(feature = "aws")]
    Aws(unicloud_aws::AwsClient),
    /// Tencent Cloud's API 3.0 client.
    #[cfg(feature = "tencent")]
    Tencent(unicloud_tencent::client::TencentClient),
    /// Alibaba Cloud's RPC client.
    #[cfg(feature = "alibaba")]
    Alibaba(unicloud_alibaba::client::AlibabaClient),
    /// Never built: keeps the type inhabited-in-name when no provider is compiled in.
    #[cfg(not(any(feature = "aws", feature = "tencent", feature = "alibaba")))]
    #[doc(hidden)]
    None(std::convert::Infallible),
}

/// A service API that can be made from any provider's client: what [`Cloud::service`] builds.
///
/// A new service implements this once (one constructor per compiled-in provider) and gets its
/// accessor on [`Cloud`] without another match over the providers.
pub trait Service: Sized {
    /// The service on AWS.
    #[cfg(feature = "aws")]
    fn from_aws(client: &unicloud_aws::AwsClient) -> Self;
    /// The service on Tencent Cloud.
    #[cfg(feature = "tencent")]
    fn from_tencent(client: &unicloud_tencent::client::TencentClient) -> Self;
    /// The service on Alibaba Cloud.
    #[cfg(feature = "alibaba")]
    fn from_alibaba(client: &unicloud_alibaba::client::AlibabaClient) -> Self;
}

/// `Service` for a service crate whose type has the three constructors `aws`, `tencent` and
/// `alibaba` (every unicloud service does).
macro_rules! service {
    ($feature:literal, $ty:ty) => {
        #[cfg(feature = $feature)]
        impl Service for $ty {
            #[cfg(feature = "aws")]
            fn from_aws(client: &unicloud_aws::AwsClient) -> Self {
                Self::aws(client)
            }
            #[cfg(feature = "tencent")]
            fn from_tencent(client: &unicloud_tencent::client::TencentClient) -> Self {
                Self::tencent(client)
            }
            #[cfg(feature = "alibaba")]
            fn from_alibaba(client: &unicloud_alibaba::client::AlibabaClient) -> Self {
                Self::alibaba(client)
            }
        }
    };
}

service!("compute", unicloud_compute::Compute);
service!("network", unicloud_network::Network);
service!("lb", unicloud_lb::LoadBalancing);
service!("storage", unicloud_storage::Storage);

/// Builds a [`Cloud`]; see [`Cloud::builder`].
#[derive(Clone)]
pub struct CloudBuilder {
    provider: Provider,
    region: Option<String>,
    profile: Option<String>,
    credentials: Option<Credentials>,
    endpoint: Option<String>,
    retry: Option<RetryPolicy>,
    timeouts: Option<(Duration, Duration)>,
    clock: Option<SharedClock>,
    role: Option<RoleSpec>,
    rate_limiter: Option<RateLimiter>,
}

impl Cloud {
    /// Starts a builder for `provider`.
    ///
    /// Everything is optional: without a region, the provider's environment variable
    /// (`AWS_REGION` through aws-config, `TENCENTCLOUD_REGION`, `ALIBABA_CLOUD_REGION_ID`) or
    /// the aliyun CLI profile's region is used, else the provider's usual default
    /// (`us-east-1`, `ap-guangzhou`, `cn-hangzhou`); without keys, the provider's default
    /// credential chain (environment, profile files, instance role; roles named by profiles
    /// are assumed through STS).
    pub fn builder(provider: Provider) -> CloudBuilder {
        CloudBuilder {
            provider,
            region: None,
            profile: None,
            credentials: None,
            endpoint: None,
            retry: None,
            timeouts: None,
            clock: None,
            role: None,
            rate_limiter: None,
        }
    }

    /// The provider.
    pub fn provider(&self) -> Provider {
        self.region.provider()
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The client configuration in use (endpoint, time-outs, retries, clock).
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The provider's built client, for what unicloud does not wrap (any generated Tencent or
    /// Alibaba action through `call`, any `aws-sdk-*` client from the SDK configuration).
    pub fn client(&self) -> &ProviderClient {
        &self.client
    }

    /// Any [`Service`], made from this cloud's client.
    pub fn service<S: Service>(&self) -> S {
        match &self.client {
            #[cfg(feature = "aws")]
            ProviderClient::Aws(c) => S::from_aws(c),
            #[cfg(feature = "tencent")]
            ProviderClient::Tencent(c) => S::from_tencent(c),
            #[cfg(feature = "alibaba")]
            ProviderClient::Alibaba(c) => S::from_alibaba(c),
            #[cfg(not(any(feature = "aws", feature = "tencent", feature = "alibaba")))]
            ProviderClient::None(never) => match *never {},
        }
    }

    /// The same account in another region of the same provider: the credentials (and their
    /// cache), the configuration and the [rate-limit buckets](unicloud_core::ratelimit) are
    /// shared with this cloud. A region name the provider does not use is
    /// [`ErrorKind::InvalidInput`], before any request.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use unicloud::{Cloud, Credentials, Provider};
    ///
    /// let gz = Cloud::builder(Provider::Tencent)
    ///     .region("ap-guangzhou")
    ///     .credentials(Credentials::new("AKIDexample", "example-secret"))
    ///     .build()
    ///     .await?;
    /// let sh = gz.in_region("ap-shanghai")?;
    /// assert_eq!(sh.region().as_str(), "ap-shanghai");
    /// assert!(gz.in_region("Shanghai!").is_err());
    /// # Ok::<_, unicloud::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn in_region(&self, region: &str) -> Result<Cloud, Error> {
        let region = Region::new(self.provider(), region.trim())?;
        let client = match &self.client {
            #[cfg(feature = "aws")]
            ProviderClient::Aws(c) => ProviderClient::Aws(unicloud_aws::AwsClient::new(
                unicloud_aws::with_region(c.sdk_config(), &region),
                self.config.clone(),
            )?),
            #[cfg(feature = "tencent")]
            ProviderClient::Tencent(c) => ProviderClient::Tencent(
                unicloud_tencent::client::TencentClient::builder(region.clone())
                    .credentials(c.credentials().clone())
                    .config(self.config.clone())
                    .build()?,
            ),
            #[cfg(feature = "alibaba")]
            ProviderClient::Alibaba(c) => ProviderClient::Alibaba(
                unicloud_alibaba::client::AlibabaClient::builder(region.clone())
                    .credentials(c.credentials().clone())
                    .config(self.config.clone())
                    .build()?,
            ),
            #[cfg(not(any(feature = "aws", feature = "tencent", feature = "alibaba")))]
            ProviderClient::None(never) => match *never {},
        };
        Ok(Cloud {
            region,
            config: self.config.clone(),
            client,
        })
    }

    /// The AWS SDK configuration (credentials, region, endpoint), for AWS services unicloud does
    /// not wrap; `None` on the other clouds.
    #[cfg(feature = "aws")]
    pub fn aws_sdk_config(&self) -> Option<&unicloud_aws::SdkConfig> {
        match &self.client {
            ProviderClient::Aws(c) => Some(c.sdk_config()),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The Tencent Cloud client, to `call` any generated action; `None` on the other clouds.
    #[cfg(feature = "tencent")]
    pub fn tencent_client(&self) -> Option<&unicloud_tencent::client::TencentClient> {
        match &self.client {
            ProviderClient::Tencent(c) => Some(c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The Alibaba Cloud client, to `call` any generated action; `None` on the other clouds.
    #[cfg(feature = "alibaba")]
    pub fn alibaba_client(&self) -> Option<&unicloud_alibaba::client::AlibabaClient> {
        match &self.client {
            ProviderClient::Alibaba(c) => Some(c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Instances: describe, create, start, stop, destroy, wait.
    #[cfg(feature = "compute")]
    pub fn compute(&self) -> unicloud_compute::Compute {
        self.service()
    }

    /// Route tables: describe, and create, replace or delete routes all or nothing.
    #[cfg(feature = "network")]
    pub fn network(&self) -> unicloud_network::Network {
        self.service()
    }

    /// Load-balancer backends: describe health, register, deregister, wait.
    #[cfg(feature = "lb")]
    pub fn lb(&self) -> unicloud_lb::LoadBalancing {
        self.service()
    }

    /// Object storage (S3, COS, OSS): upload files and streams, heads, open multipart uploads.
    /// The COS and OSS clients share this cloud's credentials and configuration.
    #[cfg(feature = "storage")]
    pub fn storage(&self) -> unicloud_storage::Storage {
        self.service()
    }
}

impl fmt::Debug for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cloud")
            .field("provider", &self.provider())
            .field("region", &self.region)
            .field("endpoint", &self.config.endpoint())
            .finish_non_exhaustive()
    }
}

impl CloudBuilder {
    /// The region (validated for the provider when the cloud is built).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The profile to read from the provider's credential files.
    #[must_use]
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Explicit keys; the default chain is then not consulted.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sends every request to this endpoint (the emulator, moto or a private endpoint).
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Connect and read (idle) time-outs: how long to wait for a connection, and for the next
    /// data from the server. There is no bound on a whole request by default, so a large
    /// upload is not cut off while it progresses.
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.timeouts = Some((connect, read));
        self
    }

    /// The clock for retries, waiters and credential refresh (tests use a manual clock).
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Works as `role`: the credentials found (explicit keys or the provider's chain) are
    /// exchanged for the role's temporary credentials through the provider's STS `AssumeRole`,
    /// cached, and refreshed before they expire — on AWS by `aws-config`, on Tencent Cloud and
    /// Alibaba Cloud on the builder's clock.
    ///
    /// The role is checked against the provider's rules (ARN shape, session name, and on AWS the
    /// duration and external id) when the cloud is built, before any request: a mistake fails
    /// [`build`](Self::build) with [`ErrorKind::InvalidInput`]. STS itself is first called by the
    /// first request that needs credentials, so a role the source may not assume fails that
    /// request with [`ErrorKind::Auth`] or [`ErrorKind::PermissionDenied`].
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), unicloud::Error> {
    /// use std::time::Duration;
    /// use unicloud::base::credentials::RoleSpec;
    /// use unicloud::compute::InstanceQuery;
    /// use unicloud::{Cloud, Provider};
    ///
    /// let cloud = Cloud::builder(Provider::Alibaba)
    ///     .region("cn-hangzhou")
    ///     .assume_role(RoleSpec {
    ///         role_arn: "acs:ram::1234567890123456:role/ops".into(),
    ///         session_name: "nightly-job".into(),
    ///         duration: Some(Duration::from_secs(3600)),
    ///         external_id: None,
    ///         policy: None,
    ///     })
    ///     .build()
    ///     .await?;
    /// let instances = cloud.compute().list_instances(InstanceQuery::all()).await?;
    /// # let _ = instances;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn assume_role(mut self, role: RoleSpec) -> Self {
        self.role = Some(role);
        self
    }

    /// Client-side rate limits (default: [`RateLimits::default`], each vendor's published
    /// per-action limits, lowered while the vendor throttles and recovered after); see
    /// [`unicloud_core::ratelimit`]. Every clone of the cloud, its services and the clouds of
    /// [`Cloud::in_region`] share the buckets.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), unicloud::Error> {
    /// use unicloud::base::ratelimit::{Rate, RateLimits};
    /// use unicloud::{Cloud, Provider};
    ///
    /// // Other jobs spend the same account's budget: take at most 10 DescribeInstances a second.
    /// let cloud = Cloud::builder(Provider::Tencent)
    ///     .rate_limits(RateLimits::default().with_action_rate(
    ///         Provider::Tencent,
    ///         "cvm",
    ///         "DescribeInstances",
    ///         Rate::per_second(10),
    ///     ))
    ///     .build()
    ///     .await?;
    /// # let _ = cloud; Ok(()) }
    /// ```
    #[must_use]
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limiter = Some(RateLimiter::new(limits));
        self
    }

    /// Shares `limiter`'s buckets: clouds built with the same limiter (other accounts' clouds
    /// never should) stay under the limits together.
    #[must_use]
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }

    /// Builds one cloud per region, as a [`Fleet`](crate::Fleet): the first region's cloud is
    /// built as [`build`](Self::build) does, and the others are [`Cloud::in_region`] of it, so
    /// all share credentials and rate-limit buckets. The builder's own region, if any, is not
    /// added. No region, or a region name the provider does not use, is
    /// [`ErrorKind::InvalidInput`], before any request.
    pub async fn build_regions<I, S>(mut self, regions: I) -> Result<crate::Fleet, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> = regions
            .into_iter()
            .map(|r| r.as_ref().trim().to_owned())
            .collect();
        for n in &names {
            Region::new(self.provider, n.clone())?;
        }
        let Some(first) = names.first() else {
            return Err(
                Error::invalid_input("build_regions needs at least one region")
                    .with_provider(self.provider),
            );
        };
        self.region = Some(first.clone());
        let cloud = self.build().await?;
        let mut clouds = vec![cloud.clone()];
        for n in names.iter().skip(1) {
            if clouds.iter().all(|c| c.region().as_str() != n) {
                clouds.push(cloud.in_region(n)?);
            }
        }
        Ok(crate::Fleet::new(clouds))
    }

    fn client_config(&self) -> Result<ClientConfig, Error> {
        let mut config = ClientConfig::default();
        if let Some(e) = &self.endpoint {
            config = config.with_endpoint(e.clone())?;
        }
        if let Some(r) = &self.retry {
            config = config.with_retry(r.clone());
        }
        if let Some((c, r)) = self.timeouts {
            config = config.with_timeouts(c, r);
        }
        if let Some(c) = &self.clock {
            config = config.with_clock(c.clone());
        }
        if let Some(l) = &self.rate_limiter {
            config = config.with_rate_limiter(l.clone());
        }
        Ok(config)
    }

    /// Resolves credentials, region and endpoint and builds the cloud. Bad input (unknown
    /// region shape, malformed endpoint, a malformed role, a provider not compiled in) fails
    /// here, before any request.
    pub async fn build(self) -> Result<Cloud, Error> {
        let config = self.client_config()?;
        match self.provider {
            #[cfg(feature = "aws")]
            Provider::Aws => self.build_aws(config).await,
            #[cfg(feature = "tencent")]
            Provider::Tencent => {
                let region = self.resolve_region().await?;
                let mut creds = self.credentials_for(&region, &config)?;
                if let Some(role) = &self.role {
                    let sts = unicloud_tencent::client::TencentClient::builder(region.clone())
                        .credentials(creds)
                        .config(config.clone())
                        .build()?;
                    creds = unicloud_tencent::sts::AssumeRoleProvider::from_spec(sts, role)?
                        .into_shared();
                }
                let client = unicloud_tencent::client::TencentClient::builder(region.clone())
                    .credentials(creds)
                    .config(config.clone())
                    .build()?;
                Ok(Cloud {
                    region,
                    config,
                    client: ProviderClient::Tencent(client),
                })
            }
            #[cfg(feature = "alibaba")]
            Provider::Alibaba => {
                let region = self.resolve_region().await?;
                let mut creds = self.credentials_for(&region, &config)?;
                if let Some(role) = &self.role {
                    let sts = unicloud_alibaba::client::AlibabaClient::builder(region.clone())
                        .credentials(creds)
                        .config(config.clone())
                        .build()?;
                    creds = unicloud_alibaba::sts::AssumeRoleProvider::from_spec(sts, role)?
                        .into_shared();
                }
                let client = unicloud_alibaba::client::AlibabaClient::builder(region.clone())
                    .credentials(creds)
                    .config(config.clone())
                    .build()?;
                Ok(Cloud {
                    region,
                    config,
                    client: ProviderClient::Alibaba(client),
                })
            }
            #[allow(unreachable_patterns)]
            other => Err({
                drop(config);
                Error::new(
                    ErrorKind::Unsupported,
                    format!("unicloud was built without the `{other}` feature"),
                )
                .with_provider(other)
            }),
        }
    }

    #[cfg(feature = "aws")]
    async fn build_aws(self, config: ClientConfig) -> Result<Cloud, Error> {
        use unicloud_aws::{AwsConfigOptions, load_sdk_config};
        if let Some(role) = &self.role {
            // Before aws-config looks at anything.
            unicloud_aws::validate_role(role)?;
        }
        let region = match &self.region {
            Some(r) => Some(Region::new(Provider::Aws, r.clone())?),
            None => None,
        };
        let sdk = load_sdk_config(&AwsConfigOptions {
            explicit: self.credentials.clone(),
            profile: self.profile.clone(),
            region: region.clone(),
            endpoint: config.endpoint().map(str::to_owned),
            profile_files: None,
        })
        .await;
        let region = match region {
            Some(r) => r,
            None => match sdk.region() {
                Some(r) => Region::new(Provider::Aws, r.as_ref())?,
                None => Region::default_for(Provider::Aws),
            },
        };
        let mut sdk = unicloud_aws::with_region(&sdk, &region);
        if let Some(role) = &self.role {
            sdk = unicloud_aws::assume_role(&sdk, role).await?;
        }
        let client = unicloud_aws::AwsClient::new(sdk, config.clone())?;
        Ok(Cloud {
            region,
            config,
            client: ProviderClient::Aws(client),
        })
    }

    #[cfg(any(feature = "tencent", feature = "alibaba"))]
    async fn resolve_region(&self) -> Result<Region, Error> {
        match &self.region {
            Some(r) => Region::new(self.provider, r.trim()),
            None => {
                unicloud_core::credentials::default_region(
                    self.provider,
                    &unicloud_core::credentials::Env::real(),
                    self.profile.clone(),
                )
                .await
            }
        }
    }

    #[cfg(any(feature = "tencent", feature = "alibaba"))]
    fn credentials_for(
        &self,
        region: &Region,
        config: &ClientConfig,
    ) -> Result<SharedCredentialsProvider, Error> {
        let assumer = match self.provider {
            #[cfg(feature = "tencent")]
            Provider::Tencent => Some(unicloud_tencent::sts::role_assumer(
                region.clone(),
                config.clone(),
            )),
            #[cfg(feature = "alibaba")]
            Provider::Alibaba => Some(unicloud_alibaba::sts::role_assumer(
                region.clone(),
                config.clone(),
            )),
            _ => None,
        };
        unicloud_core::credentials::client_credentials(
            self.provider,
            region,
            self.credentials.clone().map(Into::into),
            self.profile.clone(),
            config,
            assumer,
        )
    }
}

impl fmt::Debug for CloudBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudBuilder")
            .field("provider", &self.provider)
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("credentials", &self.credentials)
            .field("endpoint", &self.endpoint)
            // The role's ARN only: an external id is a shared secret of the trust policy.
            .field("role_arn", &self.role.as_ref().map(|r| &r.role_arn))
            .finish_non_exhaustive()
    }
}

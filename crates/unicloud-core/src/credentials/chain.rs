//! Chains of credential sources, and each provider's default chain.

use std::fmt;
use std::sync::Arc;

use crate::clock::{BoxFuture, SharedClock, SystemClock};
use crate::config::ClientConfig;
use crate::credentials::cache::CachingProvider;
use crate::credentials::env::{Env, EnvProvider};
use crate::credentials::files::{
    AlibabaCredentialsFileProvider, AliyunCliConfigProvider, TencentCredentialsFileProvider,
};
use crate::credentials::metadata::{InstanceRoleProvider, MetadataOptions};
use crate::credentials::role::AssumeRole;
use crate::credentials::{
    Credentials, ProvideCredentials, SharedCredentialsProvider, StaticProvider,
};
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;
use crate::region::Region;

/// Tries sources in order and returns the first credentials found.
///
/// A source that answers [`ErrorKind::Auth`] has nothing to offer ("no such variable", "no such
/// file", "no metadata service") and the chain moves on. Any other error — a malformed file, a
/// profile that was asked for but does not exist — stops the chain, because silently using other
/// credentials would hide the mistake. When every source is empty, the error lists what was tried.
#[derive(Debug, Clone)]
pub struct ChainProvider {
    provider: Provider,
    sources: Vec<SharedCredentialsProvider>,
}

impl ChainProvider {
    /// An empty chain for `provider`.
    pub fn new(provider: Provider) -> Self {
        Self {
            provider,
            sources: Vec::new(),
        }
    }

    /// Appends a source.
    #[must_use]
    pub fn or_else(mut self, source: impl ProvideCredentials + 'static) -> Self {
        self.sources.push(Arc::new(source));
        self
    }

    /// The names of the sources, in order.
    pub fn source_names(&self) -> Vec<&'static str> {
        self.sources.iter().map(|s| s.name()).collect()
    }

    async fn run(&self) -> Result<Credentials, Error> {
        let mut tried = Vec::new();
        for source in &self.sources {
            match source.provide_credentials().await {
                Ok(c) => {
                    tracing::debug!(provider = %self.provider, source = source.name(), "credentials found");
                    return Ok(c);
                }
                Err(e) if e.kind() == ErrorKind::Auth => {
                    tracing::debug!(provider = %self.provider, source = source.name(), reason = %e.message(), "no credentials here");
                    tried.push(format!("{} ({})", source.name(), e.message()));
                }
                Err(e) => return Err(e.with_provider(self.provider)),
            }
        }
        Err(Error::new(
            ErrorKind::Auth,
            format!(
                "no {} credentials found; tried: {}",
                self.provider.display_name(),
                tried.join("; ")
            ),
        )
        .with_provider(self.provider))
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.run())
    }

    fn name(&self) -> &'static str {
        "default chain"
    }
}

/// Inputs of [`default_chain`].
#[derive(Clone)]
pub struct DefaultChainOptions {
    /// Explicit keys: when set, they are the only source.
    pub explicit: Option<Credentials>,
    /// The profile to read from credential files (else the vendor's profile variable, else
    /// `default`).
    pub profile: Option<String>,
    /// Environment variables (the process environment by default).
    pub env: Env,
    /// The clock used to refresh temporary credentials.
    pub clock: SharedClock,
    /// Override of the metadata service settings (the vendor's address by default).
    pub metadata: Option<MetadataOptions>,
    /// Assumes the roles that profiles name (an STS client from the provider crate); without
    /// one, such profiles are an [`ErrorKind::Unsupported`] error.
    pub role_assumer: Option<Arc<dyn AssumeRole>>,
}

impl Default for DefaultChainOptions {
    fn default() -> Self {
        Self {
            explicit: None,
            profile: None,
            env: Env::real(),
            clock: Arc::new(SystemClock),
            metadata: None,
            role_assumer: None,
        }
    }
}

impl fmt::Debug for DefaultChainOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultChainOptions")
            .field("explicit", &self.explicit)
            .field("profile", &self.profile)
            .field("env", &self.env)
            .field("metadata", &self.metadata)
            .field("role_assumer", &self.role_assumer)
            .finish()
    }
}

/// The default credentials chain of `provider`, cached and refreshed before expiry.
///
/// See the [module docs](crate::credentials) for the order. A profile passed explicitly (as
/// `--profile` does) moves the credential files ahead of the environment variables, as the AWS
/// CLI does; a profile named only by the environment variable does not. AWS credentials come from the
/// `aws-config` chain instead (through the `unicloud-aws` crate); asking this function for AWS is
/// an [`ErrorKind::Unsupported`] error.
///
/// ```
/// use unicloud_core::credentials::{default_chain, DefaultChainOptions, Env};
/// use unicloud_core::Provider;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let opts = DefaultChainOptions {
///     env: Env::from_pairs([
///         ("TENCENTCLOUD_SECRET_ID", "AKIDexample"),
///         ("TENCENTCLOUD_SECRET_KEY", "example-secret"),
///     ]),
///     ..Default::default()
/// };
/// let chain = default_chain(Provider::Tencent, opts).unwrap();
/// let creds = chain.provide_credentials().await.unwrap();
/// assert_eq!(creds.access_key_id(), "AKIDexample");
/// # });
/// ```
pub fn default_chain(
    provider: Provider,
    opts: DefaultChainOptions,
) -> Result<SharedCredentialsProvider, Error> {
    if let Some(c) = opts.explicit {
        return Ok(Arc::new(StaticProvider::new(c)));
    }
    let env = opts.env;
    let chain = match provider {
        Provider::Tencent => {
            let metadata = opts
                .metadata
                .unwrap_or_else(|| MetadataOptions::for_provider(Provider::Tencent));
            let file = TencentCredentialsFileProvider::new(env.clone(), opts.profile.clone())
                .with_role_assumer(opts.role_assumer.clone());
            let environment = EnvProvider::new(provider, env.clone());
            if opts.profile.is_some() {
                ChainProvider::new(provider)
                    .or_else(file)
                    .or_else(environment)
            } else {
                ChainProvider::new(provider)
                    .or_else(environment)
                    .or_else(file)
            }
            .or_else(InstanceRoleProvider::new(provider, metadata))
        }
        Provider::Alibaba => {
            let disabled = env
                .get("ALIBABA_CLOUD_ECS_METADATA_DISABLED")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let mut metadata = opts
                .metadata
                .unwrap_or_else(|| MetadataOptions::for_provider(Provider::Alibaba))
                .disabled(disabled);
            if let Some(role) = env.get("ALIBABA_CLOUD_ECS_METADATA") {
                metadata = metadata.with_role_name(role);
            }
            let cli = AliyunCliConfigProvider::new(env.clone(), opts.profile.clone())
                .with_metadata(metadata.clone())
                .with_role_assumer(opts.role_assumer.clone());
            let file = AlibabaCredentialsFileProvider::new(env.clone(), opts.profile.clone())
                .with_metadata(metadata.clone())
                .with_role_assumer(opts.role_assumer.clone());
            let environment = EnvProvider::new(provider, env.clone());
            if opts.profile.is_some() {
                ChainProvider::new(provider)
                    .or_else(cli)
                    .or_else(file)
                    .or_else(environment)
            } else {
                ChainProvider::new(provider)
                    .or_else(environment)
                    .or_else(cli)
                    .or_else(file)
            }
            .or_else(InstanceRoleProvider::new(provider, metadata))
        }
        Provider::Aws => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "AWS credentials come from aws-config's default chain (see the unicloud-aws crate)",
            )
            .with_provider(provider));
        }
    };
    Ok(Arc::new(CachingProvider::new(Arc::new(chain), opts.clock)))
}

/// The credentials a provider client uses, resolved the same way for every provider:
/// `explicit` when given, else `provider`'s default chain (reading `profile`, refreshing on
/// `config`'s clock, assuming roles that profiles name through `role_assumer`). Fails with
/// [`ErrorKind::InvalidInput`] if `region` belongs to another provider.
pub fn client_credentials(
    provider: Provider,
    region: &Region,
    explicit: Option<SharedCredentialsProvider>,
    profile: Option<String>,
    config: &ClientConfig,
    role_assumer: Option<Arc<dyn AssumeRole>>,
) -> Result<SharedCredentialsProvider, Error> {
    if region.provider() != provider {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "region `{region}` is a {} region, not a {} one",
                region.provider().display_name(),
                provider.display_name()
            ),
        ));
    }
    if let Some(c) = explicit {
        return Ok(c);
    }
    default_chain(
        provider,
        DefaultChainOptions {
            profile,
            clock: config.clock().clone(),
            role_assumer,
            ..Default::default()
        },
    )
}

/// The region a client uses when none is given: the provider's environment variable
/// (`TENCENTCLOUD_REGION`, `ALIBABA_CLOUD_REGION_ID`; for AWS `AWS_REGION`, then
/// `AWS_DEFAULT_REGION`), then for Alibaba Cloud the `region_id` of the aliyun CLI profile,
/// else [`Region::default_for`]. A malformed name is an [`ErrorKind::InvalidInput`] error.
///
/// ```
/// use unicloud_core::credentials::{Env, default_region};
/// use unicloud_core::Provider;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let env = Env::from_pairs([("TENCENTCLOUD_REGION", "ap-shanghai")]);
/// assert_eq!(default_region(Provider::Tencent, &env, None).await.unwrap().as_str(), "ap-shanghai");
/// let none = Env::from_pairs::<&str, &str>([]);
/// assert_eq!(default_region(Provider::Alibaba, &none, None).await.unwrap().as_str(), "cn-hangzhou");
/// # });
/// ```
pub async fn default_region(
    provider: Provider,
    env: &Env,
    profile: Option<String>,
) -> Result<Region, Error> {
    let from_env = match provider {
        Provider::Tencent => env.get("TENCENTCLOUD_REGION"),
        Provider::Alibaba => env.get("ALIBABA_CLOUD_REGION_ID"),
        Provider::Aws => env
            .get("AWS_REGION")
            .or_else(|| env.get("AWS_DEFAULT_REGION")),
    };
    let name = match from_env {
        Some(n) => Some(n),
        None if provider == Provider::Alibaba => {
            AliyunCliConfigProvider::new(env.clone(), profile)
                .region()
                .await
        }
        None => None,
    };
    match name {
        Some(n) => Region::new(provider, n.trim()),
        None => Ok(Region::default_for(provider)),
    }
}

//! Temporary credentials from Tencent Cloud STS `AssumeRole` (2018-08-13).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use unicloud_core::clock::BoxFuture;
use unicloud_core::credentials::{AssumeRole, CachingProvider, FnAssumeRole, RoleSpec};
use unicloud_core::{
    ClientConfig, Credentials, Error, ErrorKind, ProvideCredentials, Provider, Region,
    SharedCredentialsProvider,
};

use crate::client::TencentClient;
use crate::generated::sts::AssumeRoleRequest;

/// Assumes a CAM role and returns its temporary credentials.
///
/// The `client` carries the source credentials (any of the chain's sources) and the region;
/// [`AssumeRoleProvider::into_shared`] wraps the provider in a cache that assumes the role again
/// five minutes before the credentials expire, on the client's clock.
///
/// ```no_run
/// # async fn example(client: unicloud_tencent::client::TencentClient) -> Result<(), unicloud_core::Error> {
/// use std::time::Duration;
/// use unicloud_tencent::sts::AssumeRoleProvider;
///
/// let role = AssumeRoleProvider::new(client, "qcs::cam::uin/100000000001:roleName/ops", "nightly-job")?
///     .with_duration(Duration::from_secs(3600))
///     .into_shared();
/// let creds = role.provide_credentials().await?;
/// assert!(creds.session_token().is_some());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AssumeRoleProvider {
    client: TencentClient,
    role: RoleSpec,
}

impl AssumeRoleProvider {
    /// A provider assuming `role_arn` under `session_name`, with the source credentials of
    /// `client`. The session name must be 2–128 characters of `[\w+=,.@-]` (Tencent's rule).
    pub fn new(
        client: TencentClient,
        role_arn: impl Into<String>,
        session_name: impl Into<String>,
    ) -> Result<Self, Error> {
        let role_arn = role_arn.into();
        let session_name = session_name.into();
        if !role_arn.starts_with("qcs::cam::") {
            return Err(Error::invalid_input(format!(
                "role ARN `{role_arn}` is not a CAM role (expected qcs::cam::uin/<uin>:roleName/<name>)"
            ))
            .with_provider(Provider::Tencent));
        }
        let ok_chars = session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !(2..=128).contains(&session_name.len()) || !ok_chars {
            return Err(Error::invalid_input(format!(
                "role session name `{session_name}` must be 2-128 characters of letters, digits and _+=,.@-"
            ))
            .with_provider(Provider::Tencent));
        }
        Ok(Self {
            client,
            role: RoleSpec {
                role_arn,
                session_name,
                duration: None,
                external_id: None,
                policy: None,
            },
        })
    }

    /// A provider for `role` as a profile or the core chain describes it (validated like
    /// [`AssumeRoleProvider::new`]).
    pub fn from_spec(client: TencentClient, role: &RoleSpec) -> Result<Self, Error> {
        let mut p = Self::new(client, role.role_arn.clone(), role.session_name.clone())?;
        p.role.duration = role.duration;
        p.role.external_id = role.external_id.clone();
        p.role.policy = role.policy.clone();
        Ok(p)
    }

    /// How long the credentials live (Tencent allows 15 minutes to 12 hours; default 2 hours).
    #[must_use]
    pub fn with_duration(mut self, duration: Duration) -> Self {
        self.role.duration = Some(duration);
        self
    }

    /// A policy (JSON) that further restricts the role's permissions.
    #[must_use]
    pub fn with_policy(mut self, policy: impl Into<String>) -> Self {
        self.role.policy = Some(policy.into());
        self
    }

    /// The external id the role's trust policy requires.
    #[must_use]
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.role.external_id = Some(external_id.into());
        self
    }

    /// This provider behind a cache that refreshes before expiry.
    pub fn into_shared(self) -> SharedCredentialsProvider {
        let clock = self.client.config().clock().clone();
        Arc::new(CachingProvider::new(Arc::new(self), clock))
    }

    async fn assume(&self) -> Result<Credentials, Error> {
        let request = AssumeRoleRequest {
            role_arn: self.role.role_arn.clone(),
            role_session_name: self.role.session_name.clone(),
            duration_seconds: self.role.duration.map(|d| d.as_secs()),
            policy: self.role.policy.clone(),
            external_id: self.role.external_id.clone(),
            ..Default::default()
        };
        let out = self.client.call(&request).await?;
        let bad = |what: &str| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("AssumeRole response lacks {what}"),
            )
            .with_provider(Provider::Tencent)
        };
        let c = out.credentials.ok_or_else(|| bad("Credentials"))?;
        let mut creds = Credentials::new(
            c.tmp_secret_id.ok_or_else(|| bad("TmpSecretId"))?,
            c.tmp_secret_key.ok_or_else(|| bad("TmpSecretKey"))?,
        )
        .with_session_token(c.token.ok_or_else(|| bad("Token"))?)
        .with_source("sts assume-role");
        if let Some(secs) = out.expired_time.and_then(|t| u64::try_from(t).ok()) {
            creds = creds.with_expiry(UNIX_EPOCH + Duration::from_secs(secs));
        }
        Ok(creds)
    }
}

impl fmt::Debug for AssumeRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleProvider")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.assume())
    }

    fn name(&self) -> &'static str {
        "sts assume-role"
    }
}

/// The [`AssumeRole`] hook for the core credential chain: profiles that name a role are
/// exchanged for temporary credentials through STS `AssumeRole` in `region`, with `config`
/// (endpoint override, time-outs, retries, clock).
pub fn role_assumer(region: Region, config: ClientConfig) -> Arc<dyn AssumeRole> {
    Arc::new(FnAssumeRole::new(
        "tencent sts",
        move |source: Credentials, role: RoleSpec| {
            let client = TencentClient::builder(region.clone())
                .credentials(source)
                .config(config.clone())
                .build();
            async move {
                AssumeRoleProvider::from_spec(client?, &role)?
                    .assume()
                    .await
            }
        },
    ))
}

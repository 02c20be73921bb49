//! Temporary credentials from Alibaba Cloud STS `AssumeRole` (2015-04-01).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use unicloud_core::clock::BoxFuture;
use unicloud_core::credentials::{AssumeRole, CachingProvider, FnAssumeRole, RoleSpec};
use unicloud_core::{
    ClientConfig, Credentials, Error, ErrorKind, ProvideCredentials, Provider, Region,
    SharedCredentialsProvider,
};

use crate::client::AlibabaClient;
use crate::generated::sts::AssumeRoleRequest;

/// Assumes a RAM role and returns its temporary credentials (`STS.` key, secret and token).
///
/// The `client` carries the source credentials; [`AssumeRoleProvider::into_shared`] caches the
/// result and assumes the role again five minutes before expiry, on the client's clock.
///
/// ```no_run
/// # async fn example(client: unicloud_alibaba::client::AlibabaClient) -> Result<(), unicloud_core::Error> {
/// use unicloud_alibaba::sts::AssumeRoleProvider;
///
/// let role = AssumeRoleProvider::new(client, "acs:ram::123456789:role/ECSOperator", "ECSOperation")?
///     .into_shared();
/// let creds = role.provide_credentials().await?;
/// assert!(creds.access_key_id().starts_with("STS."));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AssumeRoleProvider {
    client: AlibabaClient,
    role: RoleSpec,
}

impl AssumeRoleProvider {
    /// A provider assuming `role_arn` (`acs:ram::<account>:role/<name>`) under `session_name`
    /// (2–64 characters of letters, digits and `.@-_`).
    pub fn new(
        client: AlibabaClient,
        role_arn: impl Into<String>,
        session_name: impl Into<String>,
    ) -> Result<Self, Error> {
        let role_arn = role_arn.into();
        let session_name = session_name.into();
        if !role_arn.starts_with("acs:ram::") || !role_arn.contains(":role/") {
            return Err(Error::invalid_input(format!(
                "role ARN `{role_arn}` is not a RAM role (expected acs:ram::<account>:role/<name>)"
            ))
            .with_provider(Provider::Alibaba));
        }
        let ok_chars = session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".@-_".contains(c));
        if !(2..=64).contains(&session_name.len()) || !ok_chars {
            return Err(Error::invalid_input(format!(
                "role session name `{session_name}` must be 2-64 characters of letters, digits and .@-_"
            ))
            .with_provider(Provider::Alibaba));
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
    pub fn from_spec(client: AlibabaClient, role: &RoleSpec) -> Result<Self, Error> {
        let mut p = Self::new(client, role.role_arn.clone(), role.session_name.clone())?;
        p.role.duration = role.duration;
        p.role.external_id = role.external_id.clone();
        p.role.policy = role.policy.clone();
        Ok(p)
    }

    /// How long the credentials live (at least 15 minutes; default 1 hour).
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
            duration_seconds: self
                .role
                .duration
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            policy: self.role.policy.clone(),
            external_id: self.role.external_id.clone(),
        };
        let out = self.client.call(&request).await?;
        let bad = |what: &str| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("AssumeRole response lacks {what}"),
            )
            .with_provider(Provider::Alibaba)
        };
        let c = out.credentials.ok_or_else(|| bad("Credentials"))?;
        let mut creds = Credentials::new(
            c.access_key_id.ok_or_else(|| bad("AccessKeyId"))?,
            c.access_key_secret.ok_or_else(|| bad("AccessKeySecret"))?,
        )
        .with_session_token(c.security_token.ok_or_else(|| bad("SecurityToken"))?)
        .with_source("sts assume-role");
        if let Some(exp) = c.expiration {
            let t = OffsetDateTime::parse(&exp, &Rfc3339).map_err(|_| bad("a valid Expiration"))?;
            creds = creds.with_expiry(t.into());
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
        "alibaba sts",
        move |source: Credentials, role: RoleSpec| {
            let client = AlibabaClient::builder(region.clone())
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

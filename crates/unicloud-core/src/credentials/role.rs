//! Assuming a role on top of any credentials source: the hook that lets profile files name a
//! role (`type = ram_role_arn`, aliyun CLI `RamRoleArn`, a Tencent profile with `role_arn`).
//!
//! The STS calls themselves live in the provider crates (`unicloud_tencent::sts`,
//! `unicloud_alibaba::sts`), which depend on this crate and not the other way round; they
//! implement [`AssumeRole`] and are handed to the chain through
//! [`DefaultChainOptions::role_assumer`](crate::credentials::DefaultChainOptions::role_assumer).

use std::fmt;
use std::time::Duration;

use crate::clock::BoxFuture;
use crate::credentials::{CachingProvider, Credentials, ProvideCredentials};
use crate::error::Error;

/// Which role to assume, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// The role's ARN (`qcs::cam::uin/…:roleName/…` or `acs:ram::…:role/…`).
    pub role_arn: String,
    /// The session name recorded in the provider's audit logs.
    pub session_name: String,
    /// How long the credentials should live; the provider's default when `None`.
    pub duration: Option<Duration>,
    /// The external id the role's trust policy requires, if any.
    pub external_id: Option<String>,
    /// A policy further restricting the session, if any.
    pub policy: Option<String>,
}

/// Exchanges source credentials for a role's temporary credentials (an STS `AssumeRole`).
pub trait AssumeRole: Send + Sync + fmt::Debug {
    /// Assumes `role` with `source` credentials.
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        role: &'a RoleSpec,
    ) -> BoxFuture<'a, Result<Credentials, Error>>;
}

/// An [`AssumeRole`] made from an async function of the source credentials and the role: how a
/// provider crate plugs its STS client into the chain without a type of its own.
///
/// ```
/// use unicloud_core::credentials::{AssumeRole, FnAssumeRole, RoleSpec};
/// use unicloud_core::{Credentials, Error};
///
/// let assumer = FnAssumeRole::new("test sts", |source: Credentials, role: RoleSpec| async move {
///     let id = format!("{}-as-{}", source.access_key_id(), role.session_name);
///     Ok::<_, Error>(Credentials::new(id, "temp-secret").with_session_token("temp-token"))
/// });
/// let role = RoleSpec {
///     role_arn: "acs:ram::1:role/ops".into(),
///     session_name: "nightly".into(),
///     duration: None,
///     external_id: None,
///     policy: None,
/// };
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let creds = assumer.assume_role(Credentials::new("LTAI1", "s"), &role).await.unwrap();
/// assert_eq!(creds.access_key_id(), "LTAI1-as-nightly");
/// # });
/// ```
pub struct FnAssumeRole<F> {
    name: &'static str,
    f: F,
}

impl<F> FnAssumeRole<F> {
    /// Wraps `f`; `name` shows in `Debug`.
    pub fn new(name: &'static str, f: F) -> Self {
        Self { name, f }
    }
}

impl<F> fmt::Debug for FnAssumeRole<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FnAssumeRole").field(&self.name).finish()
    }
}

impl<F, Fut> AssumeRole for FnAssumeRole<F>
where
    F: Fn(Credentials, RoleSpec) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Result<Credentials, Error>> + Send + 'static,
{
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        role: &'a RoleSpec,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin((self.f)(source, role.clone()))
    }
}

/// A provider's STS service, as [`AssumeRoleProvider`] needs it: implemented by the Tencent and
/// Alibaba clients in their crates.
pub trait Sts: Clone + Send + Sync + fmt::Debug + 'static {
    /// Checks the role's ARN and session name against the provider's rules (before any request).
    fn validate(role: &RoleSpec) -> Result<(), Error>;
    /// Calls STS `AssumeRole` with this client's own credentials.
    fn assume_role<'a>(&'a self, role: &'a RoleSpec) -> BoxFuture<'a, Result<Credentials, Error>>;
    /// The clock the client runs on (refresh decisions use it).
    fn clock(&self) -> crate::clock::SharedClock;
}

/// Temporary credentials of a role, assumed through a provider's [`Sts`] with the source
/// credentials that client carries.
///
/// [`AssumeRoleProvider::into_shared`] wraps it in a [`CachingProvider`] that assumes the role
/// again five minutes before the credentials expire, on the client's clock. The provider crates
/// name it for their client (`unicloud_tencent::sts::AssumeRoleProvider`, …).
#[derive(Clone)]
pub struct AssumeRoleProvider<S> {
    sts: S,
    role: RoleSpec,
}

impl<S: Sts> AssumeRoleProvider<S> {
    /// A provider assuming `role_arn` under `session_name`; both are validated by `S`.
    pub fn new(
        sts: S,
        role_arn: impl Into<String>,
        session_name: impl Into<String>,
    ) -> Result<Self, Error> {
        Self::from_spec(
            sts,
            &RoleSpec {
                role_arn: role_arn.into(),
                session_name: session_name.into(),
                duration: None,
                external_id: None,
                policy: None,
            },
        )
    }

    /// A provider for `role` as a profile or the chain describes it.
    pub fn from_spec(sts: S, role: &RoleSpec) -> Result<Self, Error> {
        S::validate(role)?;
        Ok(Self {
            sts,
            role: role.clone(),
        })
    }

    /// How long the credentials live (the provider's default when unset).
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

    /// The role this provider assumes.
    pub fn role(&self) -> &RoleSpec {
        &self.role
    }

    /// This provider behind a cache that refreshes before expiry.
    pub fn into_shared(self) -> crate::credentials::SharedCredentialsProvider {
        let clock = self.sts.clock();
        std::sync::Arc::new(CachingProvider::new(std::sync::Arc::new(self), clock))
    }
}

impl<S> fmt::Debug for AssumeRoleProvider<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleProvider")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl<S: Sts> ProvideCredentials for AssumeRoleProvider<S> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        self.sts.assume_role(&self.role)
    }

    fn name(&self) -> &'static str {
        "sts assume-role"
    }
}

/// The [`AssumeRole`] hook for a provider whose STS client is built from source credentials by
/// `make_client`: what `role_assumer` in each provider crate returns.
pub fn sts_role_assumer<S, M>(name: &'static str, make_client: M) -> std::sync::Arc<dyn AssumeRole>
where
    S: Sts,
    M: Fn(Credentials) -> Result<S, Error> + Send + Sync + 'static,
{
    std::sync::Arc::new(FnAssumeRole::new(
        name,
        move |source: Credentials, role: RoleSpec| {
            let client = make_client(source);
            async move {
                let provider = AssumeRoleProvider::from_spec(client?, &role)?;
                provider.provide_credentials().await
            }
        },
    ))
}

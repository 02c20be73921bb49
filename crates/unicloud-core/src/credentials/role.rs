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
use crate::credentials::Credentials;
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

//! Temporary credentials from Tencent Cloud STS `AssumeRole` (2018-08-13).

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::credentials::{AssumeRole, RoleSpec, Sts, sts_role_assumer};
use unicloud_core::{ClientConfig, Credentials, Error, ErrorKind, Provider, Region};

use crate::client::TencentClient;
use crate::generated::sts::AssumeRoleRequest;

/// Assumes a CAM role and returns its temporary credentials.
///
/// The `client` carries the source credentials (any of the chain's sources) and the region;
/// `into_shared()` wraps the provider in a cache that assumes the role again five minutes before
/// the credentials expire, on the client's clock. Role ARNs look like
/// `qcs::cam::uin/<uin>:roleName/<name>`; session names are 2–128 characters of letters, digits
/// and `_+=,.@-`.
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
pub type AssumeRoleProvider = unicloud_core::credentials::AssumeRoleProvider<TencentClient>;

impl Sts for TencentClient {
    fn validate(role: &RoleSpec) -> Result<(), Error> {
        if !role.role_arn.starts_with("qcs::cam::") {
            return Err(Error::invalid_input(format!(
                "role ARN `{}` is not a CAM role (expected qcs::cam::uin/<uin>:roleName/<name>)",
                role.role_arn
            ))
            .with_provider(Provider::Tencent));
        }
        let name = &role.session_name;
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !(2..=128).contains(&name.len()) || !ok_chars {
            return Err(Error::invalid_input(format!(
                "role session name `{name}` must be 2-128 characters of letters, digits and _+=,.@-"
            ))
            .with_provider(Provider::Tencent));
        }
        Ok(())
    }

    fn assume_role<'a>(&'a self, role: &'a RoleSpec) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let request = AssumeRoleRequest {
                role_arn: role.role_arn.clone(),
                role_session_name: role.session_name.clone(),
                duration_seconds: role.duration.map(|d| d.as_secs()),
                policy: role.policy.clone(),
                external_id: role.external_id.clone(),
                ..Default::default()
            };
            let out = self.call(&request).await?;
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
        })
    }

    fn clock(&self) -> SharedClock {
        self.config().clock().clone()
    }
}

/// The [`AssumeRole`] hook for the core credential chain: profiles that name a role are
/// exchanged for temporary credentials through STS `AssumeRole` in `region`, with `config`
/// (endpoint override, time-outs, retries, clock).
pub fn role_assumer(region: Region, config: ClientConfig) -> Arc<dyn AssumeRole> {
    sts_role_assumer("tencent sts", move |source: Credentials| {
        TencentClient::builder(region.clone())
            .credentials(source)
            .config(config.clone())
            .build()
    })
}

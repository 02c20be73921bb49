//! Temporary credentials from Alibaba Cloud STS `AssumeRole` (2015-04-01).

use std::sync::Arc;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::credentials::{AssumeRole, RoleSpec, Sts, sts_role_assumer};
use unicloud_core::{ClientConfig, Credentials, Error, ErrorKind, Provider, Region};

use crate::client::AlibabaClient;
use crate::generated::sts::AssumeRoleRequest;

/// Assumes a RAM role and returns its temporary credentials (`STS.` key, secret and token).
///
/// The `client` carries the source credentials; `into_shared()` caches the result and assumes
/// the role again five minutes before expiry, on the client's clock. Role ARNs look like
/// `acs:ram::<account>:role/<name>`; session names are 2–64 characters of letters, digits and
/// `.@-_`.
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
pub type AssumeRoleProvider = unicloud_core::credentials::AssumeRoleProvider<AlibabaClient>;

impl Sts for AlibabaClient {
    fn validate(role: &RoleSpec) -> Result<(), Error> {
        if !role.role_arn.starts_with("acs:ram::") || !role.role_arn.contains(":role/") {
            return Err(Error::invalid_input(format!(
                "role ARN `{}` is not a RAM role (expected acs:ram::<account>:role/<name>)",
                role.role_arn
            ))
            .with_provider(Provider::Alibaba));
        }
        let name = &role.session_name;
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".@-_".contains(c));
        if !(2..=64).contains(&name.len()) || !ok_chars {
            return Err(Error::invalid_input(format!(
                "role session name `{name}` must be 2-64 characters of letters, digits and .@-_"
            ))
            .with_provider(Provider::Alibaba));
        }
        Ok(())
    }

    fn assume_role<'a>(&'a self, role: &'a RoleSpec) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let request = AssumeRoleRequest {
                role_arn: role.role_arn.clone(),
                role_session_name: role.session_name.clone(),
                duration_seconds: role
                    .duration
                    .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
                policy: role.policy.clone(),
                external_id: role.external_id.clone(),
            };
            let out = self.call(&request).await?;
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
                let t =
                    OffsetDateTime::parse(&exp, &Rfc3339).map_err(|_| bad("a valid Expiration"))?;
                creds = creds.with_expiry(t.into());
            }
            Ok(creds)
        })
    }

    fn clock(&self) -> SharedClock {
        self.config().clock().clone()
    }
}

/// The [`AssumeRole`] hook for the core credential chain: profiles that name a role are
/// exchanged for temporary credentials through STS `AssumeRole`, with `config` (endpoint
/// override, time-outs, retries, clock).
pub fn role_assumer(region: Region, config: ClientConfig) -> Arc<dyn AssumeRole> {
    sts_role_assumer("alibaba sts", move |source: Credentials| {
        AlibabaClient::builder(region.clone())
            .credentials(source)
            .config(config.clone())
            .build()
    })
}

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

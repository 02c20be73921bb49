//! Credentials, credential sources and the default chain of each provider.
//!
//! The chain order follows each vendor's own tools:
//!
//! | step | Tencent Cloud | Alibaba Cloud |
//! |---|---|---|
//! | 1 | explicit keys | explicit keys |
//! | 2 | `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` / `TENCENTCLOUD_SESSION_TOKEN` | `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN` |
//! | 3 | `~/.tencentcloud/credentials` (INI; profile from argument or `TENCENTCLOUD_PROFILE`) | `~/.aliyun/config.json` (aliyun CLI; modes `AK`, `StsToken`), then `~/.alibabacloud/credentials` (INI, `type = access_key` or `sts`; path overridable with `ALIBABA_CLOUD_CREDENTIALS_FILE`); profile from argument or `ALIBABA_CLOUD_PROFILE` |
//! | 4 | CVM role from the metadata service | ECS RAM role from the metadata service (`ALIBABA_CLOUD_ECS_METADATA` names the role; `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` skips it) |
//!
//! AWS is not reimplemented: the `unicloud-aws` crate bridges to the `aws-config` default chain
//! (environment, `~/.aws/credentials` + `~/.aws/config` profiles, SSO, web identity, IMDSv2
//! instance profile).
//!
//! Temporary credentials are cached by [`CachingProvider`] and refreshed shortly before they
//! expire, on the injected [`Clock`](crate::clock::Clock).

mod cache;
mod chain;
mod env;
mod files;
mod ini;
mod metadata;
mod role;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

pub use cache::CachingProvider;
pub use chain::{
    ChainProvider, DefaultChainOptions, client_credentials, default_chain, default_region,
};
pub use env::{Env, EnvProvider};
pub use files::{
    AlibabaCredentialsFileProvider, AliyunCliConfigProvider, TencentCredentialsFileProvider,
};
pub use ini::{IniFile, IniSection};
pub use metadata::{InstanceRoleProvider, MetadataOptions};
pub use role::{AssumeRole, AssumeRoleProvider, FnAssumeRole, RoleSpec, Sts, sts_role_assumer};

use crate::clock::BoxFuture;
use crate::error::Error;

/// A secret string: the secret key or a session token.
///
/// Its `Debug` and `Display` print `**redacted**`; the value is only reachable through
/// [`Secret::expose`], which makes every use of the raw secret easy to find.
///
/// ```
/// use unicloud_core::Secret;
///
/// let s = Secret::new("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
/// assert_eq!(format!("{s} {s:?}"), "**redacted** **redacted**");
/// assert_eq!(s.expose(), "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// The raw secret. Never log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**redacted**")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**redacted**")
    }
}

/// An access key pair, with a session token and an expiry time for temporary credentials.
///
/// `Debug` and `Display` show the access key id, where the credentials came from and the expiry,
/// never the secret or the token.
///
/// ```
/// use unicloud_core::Credentials;
///
/// let c = Credentials::new("AKIDEXAMPLE", "very-secret").with_session_token("token-value");
/// let shown = format!("{c} {c:?}");
/// assert!(shown.contains("AKIDEXAMPLE"));
/// assert!(!shown.contains("very-secret") && !shown.contains("token-value"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret: Secret,
    session_token: Option<Secret>,
    expires_at: Option<SystemTime>,
    source: &'static str,
}

impl Credentials {
    /// Long-term credentials from an access key id and its secret.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret: Secret::new(secret),
            session_token: None,
            expires_at: None,
            source: "explicit",
        }
    }

    /// Adds a session (security) token, as temporary STS credentials have.
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(Secret::new(token));
        self
    }

    /// Sets when these credentials expire.
    #[must_use]
    pub fn with_expiry(mut self, expires_at: SystemTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Records which source produced the credentials (`environment`, `profile file`, ...).
    #[must_use]
    pub fn with_source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// The access key id (`SecretId` on Tencent Cloud, `AccessKeyId` on Alibaba Cloud and AWS).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret key.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&Secret> {
        self.session_token.as_ref()
    }

    /// When the credentials expire, if they do.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Which source produced them.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether the credentials are expired at `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &self.secret)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "**redacted**"),
            )
            .field("expires_at", &self.expires_at.map(crate::time_fmt::rfc3339))
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {}", self.access_key_id, self.source)?;
        if self.session_token.is_some() {
            f.write_str(", temporary")?;
        }
        if let Some(t) = self.expires_at {
            write!(f, ", expires {}", crate::time_fmt::rfc3339(t))?;
        }
        f.write_str(")")
    }
}

/// A source of credentials.
///
/// Implementations are cheap to call repeatedly; wrap slow or temporary sources in a
/// [`CachingProvider`].
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Produces credentials, or an [`ErrorKind::Auth`](crate::ErrorKind::Auth) /
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) error.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>>;

    /// A short name for error messages listing what a chain tried.
    fn name(&self) -> &'static str;
}

/// A shared credentials provider.
pub type SharedCredentialsProvider = Arc<dyn ProvideCredentials>;

/// Always returns the same credentials (explicit keys).
#[derive(Clone)]
pub struct StaticProvider {
    credentials: Credentials,
}

impl StaticProvider {
    /// A provider of exactly `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self { credentials }
    }
}

impl fmt::Debug for StaticProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticProvider")
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl ProvideCredentials for StaticProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        let c = self.credentials.clone();
        Box::pin(async move { Ok(c) })
    }

    fn name(&self) -> &'static str {
        "explicit keys"
    }
}

impl From<Credentials> for SharedCredentialsProvider {
    fn from(c: Credentials) -> Self {
        Arc::new(StaticProvider::new(c))
    }
}

//! Instance roles from the cloud's metadata service (Tencent CVM role, Alibaba ECS RAM role).

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use crate::clock::BoxFuture;
use crate::credentials::{Credentials, ProvideCredentials};
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;
use crate::time_fmt::parse_rfc3339;

const SOURCE: &str = "instance role";

/// Where and how to reach the instance metadata service.
///
/// Time-outs are short by default (1 s to connect, 3 s in all) so that a chain run on a laptop,
/// where the metadata address does not answer, moves on quickly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataOptions {
    base_url: String,
    role_name: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    disabled: bool,
}

impl MetadataOptions {
    /// The vendor's metadata endpoint: `http://metadata.tencentyun.com` for Tencent Cloud,
    /// `http://100.100.100.200` for Alibaba Cloud. AWS instance profiles go through `aws-config`.
    pub fn for_provider(provider: Provider) -> Self {
        let base_url = match provider {
            Provider::Tencent => "http://metadata.tencentyun.com",
            Provider::Alibaba => "http://100.100.100.200",
            Provider::Aws => "http://169.254.169.254",
        };
        Self {
            base_url: base_url.to_owned(),
            role_name: None,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(3),
            disabled: false,
        }
    }

    /// Uses another base URL (tests point it at a loopback server).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Uses this role instead of asking the metadata service which role is attached.
    #[must_use]
    pub fn with_role_name(mut self, role: impl Into<String>) -> Self {
        self.role_name = Some(role.into());
        self
    }

    /// Sets the connect and overall time-outs of each metadata request.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, total: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = total;
        self
    }

    /// Turns the metadata source off (the chain then skips it).
    #[must_use]
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// Credentials of the role attached to the instance this process runs on.
///
/// Tencent: `GET /latest/meta-data/cam/security-credentials/` names the role, then
/// `GET …/<role>` returns `TmpSecretId`, `TmpSecretKey`, `Token` and `ExpiredTime`.
/// Alibaba: a session token is first requested with `PUT /latest/api/token` (hardened mode; the
/// request continues without it if the service does not offer tokens), then
/// `GET /latest/meta-data/ram/security-credentials/[<role>]` returns `AccessKeyId`,
/// `AccessKeySecret`, `SecurityToken` and `Expiration`.
///
/// The credentials expire; wrap this provider in a
/// [`CachingProvider`](crate::credentials::CachingProvider) (the default chains do).
#[derive(Debug, Clone)]
pub struct InstanceRoleProvider {
    provider: Provider,
    options: MetadataOptions,
}

impl InstanceRoleProvider {
    /// A provider for `provider`'s metadata service.
    pub fn new(provider: Provider, options: MetadataOptions) -> Self {
        Self { provider, options }
    }

    fn credentials_path(&self) -> &'static str {
        match self.provider {
            Provider::Tencent => "/latest/meta-data/cam/security-credentials/",
            _ => "/latest/meta-data/ram/security-credentials/",
        }
    }

    fn unreachable(&self, what: &str, e: &reqwest::Error) -> Error {
        // The chain treats `Auth` as "not available here" and moves on.
        Error::new(
            ErrorKind::Auth,
            format!("no instance role: metadata service {what} unreachable ({e})"),
        )
        .with_provider(self.provider)
    }

    async fn fetch(&self) -> Result<Credentials, Error> {
        if self.options.disabled {
            return Err(
                Error::new(ErrorKind::Auth, "instance metadata source is disabled")
                    .with_provider(self.provider),
            );
        }
        let http = reqwest::Client::builder()
            .connect_timeout(self.options.connect_timeout)
            .timeout(self.options.timeout)
            .no_proxy()
            .build()
            .map_err(crate::transport::from_reqwest)?;
        let base = &self.options.base_url;
        let token = if self.provider == Provider::Alibaba {
            self.alibaba_token(&http).await
        } else {
            None
        };
        let get = |url: String| {
            let mut req = http.get(url);
            if let Some(t) = &token {
                req = req.header("X-aliyun-ecs-metadata-token", t);
            }
            req
        };
        let role = match &self.options.role_name {
            Some(r) => r.clone(),
            None => {
                let url = format!("{base}{}", self.credentials_path());
                let resp = get(url)
                    .send()
                    .await
                    .map_err(|e| self.unreachable(base, &e))?;
                if !resp.status().is_success() {
                    return Err(Error::new(
                        ErrorKind::Auth,
                        format!(
                            "no role attached to this instance (metadata answered HTTP {})",
                            resp.status().as_u16()
                        ),
                    )
                    .with_provider(self.provider));
                }
                let text = resp.text().await.map_err(|e| self.unreachable(base, &e))?;
                let role = text.lines().next().unwrap_or("").trim().to_owned();
                if role.is_empty() {
                    return Err(
                        Error::new(ErrorKind::Auth, "no role attached to this instance")
                            .with_provider(self.provider),
                    );
                }
                role
            }
        };
        if role.contains('/') || role.contains("..") || role.chars().any(char::is_whitespace) {
            return Err(Error::new(ErrorKind::InvalidInput, "malformed role name")
                .with_provider(self.provider));
        }
        let url = format!("{base}{}{role}", self.credentials_path());
        let resp = get(url)
            .send()
            .await
            .map_err(|e| self.unreachable(base, &e))?;
        let status = resp.status();
        if status.as_u16() == 404 {
            return Err(Error::new(
                ErrorKind::Auth,
                format!("role `{role}` is not attached to this instance"),
            )
            .with_provider(self.provider));
        }
        if !status.is_success() {
            return Err(Error::new(
                if status.is_server_error() {
                    ErrorKind::Unavailable
                } else {
                    ErrorKind::Auth
                },
                format!(
                    "metadata service answered HTTP {} for role `{role}`",
                    status.as_u16()
                ),
            )
            .with_status(status.as_u16())
            .with_provider(self.provider));
        }
        let body = resp.bytes().await.map_err(|e| self.unreachable(base, &e))?;
        let doc: Value = serde_json::from_slice(&body).map_err(|_| {
            Error::new(
                ErrorKind::InvalidResponse,
                "metadata credentials are not valid JSON",
            )
            .with_provider(self.provider)
        })?;
        self.parse(&doc, &role)
    }

    async fn alibaba_token(&self, http: &reqwest::Client) -> Option<String> {
        let url = format!("{}/latest/api/token", self.options.base_url);
        let resp = http
            .put(url)
            .header("X-aliyun-ecs-metadata-token-ttl-seconds", "21600")
            .send()
            .await
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        resp.text()
            .await
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    fn parse(&self, doc: &Value, role: &str) -> Result<Credentials, Error> {
        let s = |k: &str| doc.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
        let bad = |what: &str| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("metadata credentials for role `{role}` lack {what}"),
            )
            .with_provider(self.provider)
        };
        if let Some(code) = s("Code")
            && code != "Success"
        {
            return Err(Error::new(
                ErrorKind::Auth,
                format!("metadata service refused credentials for role `{role}`"),
            )
            .with_code(code)
            .with_provider(self.provider));
        }
        let (id, secret, token) = match self.provider {
            Provider::Tencent => ("TmpSecretId", "TmpSecretKey", "Token"),
            _ => ("AccessKeyId", "AccessKeySecret", "SecurityToken"),
        };
        let mut c = Credentials::new(
            s(id).ok_or_else(|| bad(id))?,
            s(secret).ok_or_else(|| bad(secret))?,
        )
        .with_session_token(s(token).ok_or_else(|| bad(token))?)
        .with_source(SOURCE);
        // Checked: `UNIX_EPOCH + secs` panics for seconds no clock can hold, and such an
        // expiry is a malformed reply, not credentials that never expire.
        let expired_time = match doc.get("ExpiredTime").and_then(Value::as_u64) {
            Some(secs) => Some(
                UNIX_EPOCH
                    .checked_add(Duration::from_secs(secs))
                    .ok_or_else(|| bad("an `ExpiredTime` in range"))?,
            ),
            None => None,
        };
        let expiry = expired_time.or_else(|| s("Expiration").and_then(parse_rfc3339));
        if let Some(t) = expiry {
            c = c.with_expiry(t);
        }
        Ok(c)
    }
}

impl ProvideCredentials for InstanceRoleProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.fetch())
    }

    fn name(&self) -> &'static str {
        "instance role"
    }
}

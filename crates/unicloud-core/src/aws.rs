//! AWS credentials and configuration through `aws-config` (feature `aws`).
//!
//! unicloud does not reimplement the AWS credential chain: [`load_sdk_config`] asks `aws-config`
//! for its default chain — environment, `~/.aws/credentials` and `~/.aws/config` profiles, SSO,
//! web identity, ECS container and the EC2 instance profile through IMDSv2 — which is what "use
//! the IAM role when no key is passed" means. Explicit keys, a profile, a region and an endpoint
//! override are layered on top. [`AwsCredentialsProvider`] exposes any `aws-config` provider as a
//! unicloud [`ProvideCredentials`] so all three clouds look alike to callers.

use std::fmt;
use std::path::PathBuf;

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;
use aws_credential_types::provider::{
    ProvideCredentials as AwsProvideCredentials, SharedCredentialsProvider as AwsShared,
};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

use crate::clock::BoxFuture;
use crate::credentials::{Credentials, ProvideCredentials, RoleSpec};
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;
use crate::region::Region;

/// What to layer on top of the `aws-config` default chain.
#[derive(Debug, Clone, Default)]
pub struct AwsConfigOptions {
    /// Explicit keys: when set, the chain is not consulted.
    pub explicit: Option<Credentials>,
    /// The profile to use (else `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The region (else `AWS_REGION` / the profile's region).
    pub region: Option<Region>,
    /// An endpoint override for every service, e.g. the emulator or moto.
    pub endpoint: Option<String>,
    /// Read these files instead of `~/.aws/config` and `~/.aws/credentials`.
    pub profile_files: Option<AwsProfileFiles>,
}

/// Explicit locations of the AWS shared config and credentials files.
#[derive(Debug, Clone, Default)]
pub struct AwsProfileFiles {
    /// The config file (`~/.aws/config` by default).
    pub config: Option<PathBuf>,
    /// The credentials file (`~/.aws/credentials` by default).
    pub credentials: Option<PathBuf>,
}

impl AwsProfileFiles {
    fn to_aws(&self) -> EnvConfigFiles {
        let mut b = EnvConfigFiles::builder();
        if let Some(c) = &self.config {
            b = b.with_file(EnvConfigFileKind::Config, c);
        }
        if let Some(c) = &self.credentials {
            b = b.with_file(EnvConfigFileKind::Credentials, c);
        }
        b.build()
    }
}

/// Loads an [`SdkConfig`] from the `aws-config` default chain with `opts` layered on top.
pub async fn load_sdk_config(opts: &AwsConfigOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(files) = &opts.profile_files {
        loader = loader.profile_files(files.to_aws());
    }
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.as_str().to_owned()));
    }
    if let Some(e) = &opts.endpoint {
        loader = loader.endpoint_url(e);
    }
    if let Some(c) = &opts.explicit {
        loader = loader.credentials_provider(to_aws_credentials(c));
    }
    loader.load().await
}

/// A copy of `config` whose credentials are `role`'s, obtained with STS `AssumeRole` signed by
/// `config`'s own credentials (through `aws-config`'s assume-role provider; the SDK caches and
/// refreshes them). Roles named in `~/.aws/config` (`role_arn` + `source_profile`) need nothing
/// from here: [`load_sdk_config`] already follows them.
pub async fn assume_role(config: &SdkConfig, role: &RoleSpec) -> SdkConfig {
    let mut b = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
        .session_name(role.session_name.clone())
        .configure(config);
    if let Some(d) = role.duration {
        b = b.session_length(d);
    }
    if let Some(e) = &role.external_id {
        b = b.external_id(e.clone());
    }
    if let Some(p) = &role.policy {
        b = b.policy(p.clone());
    }
    let provider = b.build().await;
    config
        .to_builder()
        .credentials_provider(AwsShared::new(provider))
        .build()
}

/// A copy of `config` that uses `region`.
pub fn with_region(config: &SdkConfig, region: &Region) -> SdkConfig {
    config
        .to_builder()
        .region(aws_config::Region::new(region.as_str().to_owned()))
        .build()
}

/// Converts unicloud credentials to the AWS SDK's type.
pub fn to_aws_credentials(c: &Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret().expose(),
        c.session_token().map(|t| t.expose().to_owned()),
        c.expires_at(),
        "unicloud",
    )
}

/// Converts the AWS SDK's credentials to unicloud's type.
pub fn from_aws_credentials(c: &aws_credential_types::Credentials) -> Credentials {
    let mut out =
        Credentials::new(c.access_key_id(), c.secret_access_key()).with_source("aws-config");
    if let Some(t) = c.session_token() {
        out = out.with_session_token(t);
    }
    if let Some(e) = c.expiry() {
        out = out.with_expiry(e);
    }
    out
}

/// Any `aws-config` credentials provider (by default, the one in an [`SdkConfig`]) seen as a
/// unicloud [`ProvideCredentials`].
#[derive(Clone)]
pub struct AwsCredentialsProvider {
    inner: AwsShared,
}

impl AwsCredentialsProvider {
    /// Wraps an `aws-config` provider.
    pub fn new(inner: impl AwsProvideCredentials + 'static) -> Self {
        Self {
            inner: AwsShared::new(inner),
        }
    }

    /// The credentials provider of `config`, or an `Auth` error if it has none.
    pub fn from_sdk_config(config: &SdkConfig) -> Result<Self, Error> {
        config
            .credentials_provider()
            .map(|inner| Self { inner })
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Auth,
                    "the AWS configuration has no credentials provider",
                )
                .with_provider(Provider::Aws)
            })
    }

    async fn load(&self) -> Result<Credentials, Error> {
        match self.inner.provide_credentials().await {
            Ok(c) => Ok(from_aws_credentials(&c)),
            Err(e) => {
                use aws_credential_types::provider::error::CredentialsError as E;
                let kind = match &e {
                    E::CredentialsNotLoaded(_) => ErrorKind::Auth,
                    E::InvalidConfiguration(_) => ErrorKind::Config,
                    E::ProviderTimedOut(_) => ErrorKind::Timeout,
                    E::ProviderError(_) => ErrorKind::Auth,
                    _ => ErrorKind::Auth,
                };
                // CredentialsError's messages describe the failure, never the key material.
                Err(
                    Error::new(kind, format!("AWS credentials: {}", aws_error_chain(&e)))
                        .with_provider(Provider::Aws),
                )
            }
        }
    }
}

fn aws_error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

impl fmt::Debug for AwsCredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentialsProvider")
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for AwsCredentialsProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.load())
    }

    fn name(&self) -> &'static str {
        "aws-config default chain"
    }
}

#[cfg(test)]
mod tests {
    use aws_config::profile::ProfileFileCredentialsProvider;

    use super::*;

    #[tokio::test]
    async fn explicit_keys_win() {
        let opts = AwsConfigOptions {
            explicit: Some(
                Credentials::new("AKIDEXPLICIT", "explicit-secret").with_session_token("tok"),
            ),
            region: Some(Region::new(Provider::Aws, "eu-west-1").unwrap()),
            endpoint: Some("http://127.0.0.1:9".to_owned()),
            ..Default::default()
        };
        let cfg = load_sdk_config(&opts).await;
        assert_eq!(cfg.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(cfg.endpoint_url(), Some("http://127.0.0.1:9"));
        let p = AwsCredentialsProvider::from_sdk_config(&cfg).unwrap();
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id(), "AKIDEXPLICIT");
        assert_eq!(c.secret().expose(), "explicit-secret");
        assert_eq!(c.session_token().unwrap().expose(), "tok");
    }

    #[tokio::test]
    async fn profile_files_are_read_through_aws_config() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d-secret\n\
             [prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = p-secret\n",
        )
        .unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, "[profile prod]\nregion = ap-southeast-2\n").unwrap();
        let files = AwsProfileFiles {
            config: Some(config),
            credentials: Some(creds),
        };
        let provider = ProfileFileCredentialsProvider::builder()
            .profile_files(files.to_aws())
            .profile_name("prod")
            .build();
        let c = AwsCredentialsProvider::new(provider)
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(c.access_key_id(), "AKIDPROD");
        assert_eq!(c.secret().expose(), "p-secret");
        assert!(!format!("{c:?} {c}").contains("p-secret"));

        let missing = ProfileFileCredentialsProvider::builder()
            .profile_files(files.to_aws())
            .profile_name("nope")
            .build();
        let err = AwsCredentialsProvider::new(missing)
            .provide_credentials()
            .await
            .unwrap_err();
        assert_eq!(err.provider(), Some(Provider::Aws));
        assert!(
            matches!(err.kind(), ErrorKind::Auth | ErrorKind::Config),
            "{err}"
        );
    }

    /// `AssumeRole` goes through aws-config's provider to the configured endpoint and the
    /// returned session credentials are what the new configuration hands out.
    #[tokio::test]
    async fn assume_role_through_aws_config() {
        use std::sync::{Arc, Mutex};
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = seen.clone();
        let app = axum::Router::new().fallback(move |body: String| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(body);
                (
                    [("content-type", "text/xml")],
                    r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/nightly</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:nightly</AssumedRoleId></AssumedRoleUser>
    <Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#,
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let base = load_sdk_config(&AwsConfigOptions {
            explicit: Some(Credentials::new("AKIDSOURCE", "source-secret")),
            region: Some(Region::new(Provider::Aws, "us-east-1").unwrap()),
            endpoint: Some(format!("http://{addr}")),
            ..Default::default()
        })
        .await;
        let role = RoleSpec {
            role_arn: "arn:aws:iam::123456789012:role/demo".into(),
            session_name: "nightly".into(),
            duration: Some(std::time::Duration::from_secs(900)),
            external_id: None,
            policy: None,
        };
        let assumed = assume_role(&base, &role).await;
        let c = AwsCredentialsProvider::from_sdk_config(&assumed)
            .unwrap()
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(c.access_key_id(), "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(c.session_token().unwrap().expose(), "role-token");
        let bodies = seen.lock().unwrap().clone();
        assert_eq!(bodies.len(), 1);
        for part in [
            "Action=AssumeRole",
            "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo",
            "RoleSessionName=nightly",
            "DurationSeconds=900",
        ] {
            assert!(
                bodies[0].contains(part),
                "{part} missing from {}",
                bodies[0]
            );
        }
    }

    #[test]
    fn conversion_round_trips() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(2_000_000_000);
        let c = Credentials::new("AKID", "s")
            .with_session_token("t")
            .with_expiry(t);
        let back = from_aws_credentials(&to_aws_credentials(&c));
        assert_eq!(back.access_key_id(), "AKID");
        assert_eq!(back.secret().expose(), "s");
        assert_eq!(back.session_token().unwrap().expose(), "t");
        assert_eq!(back.expires_at(), Some(t));
    }
}

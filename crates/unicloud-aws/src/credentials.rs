//! Credentials between unicloud and the AWS SDK: conversions both ways, and any `aws-config`
//! provider seen as a unicloud [`ProvideCredentials`] so all three clouds look alike to callers.

use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{
    ProvideCredentials as AwsProvideCredentials, SharedCredentialsProvider as AwsShared,
};
use unicloud_core::clock::BoxFuture;
use unicloud_core::{Credentials, Error, ErrorKind, ProvideCredentials, Provider};

use crate::config::SdkConfig;

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
/// unicloud [`ProvideCredentials`]. Its `Debug` shows no key material, and neither do its errors.
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

    /// The credentials provider of `config`, or an [`ErrorKind::Auth`] error if it has none.
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
                let kind = match &e {
                    CredentialsError::InvalidConfiguration(_) => ErrorKind::Config,
                    CredentialsError::ProviderTimedOut(_) => ErrorKind::Timeout,
                    _ => ErrorKind::Auth,
                };
                // CredentialsError's messages describe the failure, never the key material.
                Err(
                    Error::new(kind, format!("AWS credentials: {}", error_chain(&e)))
                        .with_provider(Provider::Aws),
                )
            }
        }
    }
}

/// `e` and its sources, joined by `: `.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
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
    #![allow(clippy::unwrap_used)]

    use aws_config::profile::ProfileFileCredentialsProvider;

    use super::*;
    use crate::config::AwsProfileFiles;

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

    /// Neither the provider's `Debug` nor an error about a half-written profile shows a secret.
    #[tokio::test]
    async fn secrets_stay_out_of_debug_and_errors() {
        let secret = "wJalrXUtnFEMI-K7MDENG-never-shown";
        let p =
            AwsCredentialsProvider::new(to_aws_credentials(&Credentials::new("AKIDSHOWN", secret)));
        assert!(!format!("{p:?}").contains(secret));
        assert_eq!(
            p.provide_credentials().await.unwrap().secret().expose(),
            secret
        );

        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        // The key id is missing: the profile is unusable, and the error must not quote it.
        std::fs::write(
            &creds,
            format!("[broken]\naws_secret_access_key = {secret}\n"),
        )
        .unwrap();
        let files = AwsProfileFiles {
            config: None,
            credentials: Some(creds),
        };
        let broken = ProfileFileCredentialsProvider::builder()
            .profile_files(files.to_aws())
            .profile_name("broken")
            .build();
        let err = AwsCredentialsProvider::new(broken)
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Auth | ErrorKind::Config),
            "{err}"
        );
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(secret), "secret leaked: {text}");
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
        assert_eq!(back.source(), "aws-config");
    }
}

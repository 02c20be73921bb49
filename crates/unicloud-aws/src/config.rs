//! Loading an [`SdkConfig`] from `aws-config`'s default chain, with unicloud's options on top.
//!
//! unicloud does not reimplement the AWS credential chain: [`load_sdk_config`] asks `aws-config`
//! for its default chain — environment, `~/.aws/credentials` and `~/.aws/config` profiles (roles
//! they name included), SSO, web identity, the ECS container and the EC2 instance profile
//! through IMDSv2. Explicit keys, a profile, a region and an endpoint override are layered on
//! top.

use std::path::PathBuf;

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use unicloud_core::{Credentials, Region};

use crate::credentials::to_aws_credentials;

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
    pub(crate) fn to_aws(&self) -> EnvConfigFiles {
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
///
/// Nothing is fetched yet: credentials are resolved (and cached) by the SDK on first use.
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

/// A copy of `config` that uses `region`.
pub fn with_region(config: &SdkConfig, region: &Region) -> SdkConfig {
    config
        .to_builder()
        .region(aws_config::Region::new(region.as_str().to_owned()))
        .build()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use unicloud_core::{ProvideCredentials, Provider};

    use super::*;
    use crate::credentials::AwsCredentialsProvider;

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
    async fn with_region_replaces_only_the_region() {
        let cfg = load_sdk_config(&AwsConfigOptions {
            explicit: Some(Credentials::new("AKIDEXPLICIT", "explicit-secret")),
            region: Some(Region::new(Provider::Aws, "eu-west-1").unwrap()),
            endpoint: Some("http://127.0.0.1:9".to_owned()),
            ..Default::default()
        })
        .await;
        let moved = with_region(&cfg, &Region::new(Provider::Aws, "ap-south-1").unwrap());
        assert_eq!(moved.region().map(|r| r.as_ref()), Some("ap-south-1"));
        assert_eq!(moved.endpoint_url(), Some("http://127.0.0.1:9"));
        assert!(moved.credentials_provider().is_some());
    }
}

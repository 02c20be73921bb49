//! [`AwsClient`]: the AWS counterpart of `TencentClient` and `AlibabaClient`.

use std::fmt;
use std::sync::Arc;

use aws_smithy_types::timeout::TimeoutConfig;
use unicloud_core::{ClientConfig, Error, ErrorKind, Provider, Region};

use crate::config::SdkConfig;

/// Everything an AWS service of unicloud needs, built once and shared: the `aws-config`
/// [`SdkConfig`] (credentials, region, profile) and unicloud's [`ClientConfig`] (endpoint
/// override, time-outs, retry policy, clock). Cheap to clone.
///
/// Each service (`Compute::aws(&client)`, and the network, load-balancer and storage services
/// later) builds its `aws-sdk-*` client from it with [`AwsClient::timeout_config`] and the SDK's
/// own retries turned off, so `config`'s [`RetryPolicy`](unicloud_core::RetryPolicy) decides
/// retries as on the other clouds.
///
/// ```
/// use unicloud_aws::{load_sdk_config, AwsClient, AwsConfigOptions};
/// use unicloud_core::{ClientConfig, ErrorKind, Provider, Region};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let sdk = load_sdk_config(&AwsConfigOptions {
///     region: Some(Region::new(Provider::Aws, "eu-west-1")?),
///     ..Default::default()
/// })
/// .await;
/// let client = AwsClient::new(sdk, ClientConfig::default())?;
/// assert_eq!(client.region().as_str(), "eu-west-1");
///
/// // Without a region there is nothing to talk to: a typed error, before any request.
/// let bare = aws_config::SdkConfig::builder().build();
/// let err = AwsClient::new(bare, ClientConfig::default()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// # Ok::<_, unicloud_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct AwsClient {
    inner: Arc<Inner>,
}

struct Inner {
    sdk: SdkConfig,
    config: ClientConfig,
    region: Region,
}

impl AwsClient {
    /// Checks that `sdk` names a valid AWS region and keeps both configurations.
    pub fn new(sdk: SdkConfig, config: ClientConfig) -> Result<Self, Error> {
        let name = sdk.region().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "no AWS region: set one in the options, AWS_REGION or the profile",
            )
            .with_provider(Provider::Aws)
        })?;
        let region = Region::new(Provider::Aws, name.as_ref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                sdk,
                config,
                region,
            }),
        })
    }

    /// The `aws-config` configuration (credentials, region, profile).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.inner.sdk
    }

    /// unicloud's client configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.inner.region
    }

    /// The SDK time-outs matching [`ClientConfig`]: its connect and read time-outs, and its
    /// total time-out (when set) as the bound on each attempt. Without a total time-out a
    /// large transfer may take as long as it needs, as long as data keeps flowing.
    pub fn timeout_config(&self) -> TimeoutConfig {
        let config = &self.inner.config;
        let mut t = TimeoutConfig::builder()
            .connect_timeout(config.connect_timeout())
            .read_timeout(config.read_timeout());
        if let Some(total) = config.total_timeout() {
            t = t.operation_attempt_timeout(total);
        }
        t.build()
    }

    /// The endpoint override for `service` (`ec2`, `s3`, `sts`...): the service's own, else
    /// the global one (see [`ClientConfig::with_service_endpoint`]).
    pub fn endpoint_for(&self, service: &str) -> Option<&str> {
        self.inner.config.endpoint_for(service)
    }

    /// The [`SdkConfig`] to build `service`'s `aws-sdk-*` client from
    /// (`aws_sdk_ec2::Client::new(&client.service_config("ec2"))`): this client's credentials
    /// and region, its [time-outs](AwsClient::timeout_config), its endpoint override for
    /// `service`, the app name `unicloud`, and the SDK's own retries turned off, so that
    /// [`AwsClient::retry`] decides them as on the other clouds.
    pub fn service_config(&self, service: &str) -> SdkConfig {
        let mut b = self
            .inner
            .sdk
            .to_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .timeout_config(self.timeout_config());
        if let Ok(name) = aws_config::AppName::new("unicloud") {
            b = b.app_name(name);
        }
        if let Some(e) = self.endpoint_for(service) {
            b = b.endpoint_url(e);
        }
        b.build()
    }

    /// Runs one call of AWS `operation` under the configuration's
    /// [`RetryPolicy`](unicloud_core::RetryPolicy) on its clock; whether it is repeated after
    /// a failure that may have been applied is [`idempotency`](crate::idempotency())'s
    /// decision for `operation`. Every attempt first waits for `operation`'s client-side
    /// [rate limit](crate::limits) in this region. `op` gets the attempt number and sends the
    /// request once.
    pub async fn retry<T, F, Fut>(&self, operation: &str, op: F) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let api = crate::limits::api(operation, self.inner.region.as_str());
        self.inner
            .config
            .run_call(Some(&api), crate::idempotency(operation), op)
            .await
    }
}

impl fmt::Debug for AwsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The SdkConfig's credentials provider stays out: only where requests go and how.
        f.debug_struct("AwsClient")
            .field("region", &self.inner.region)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;

    #[test]
    fn debug_shows_no_secret_and_time_outs_follow_the_config() {
        let sdk = SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new(
                        "AKIDEXAMPLE",
                        "top-secret",
                        None,
                        None,
                        "t",
                    ),
                ),
            )
            .build();
        let cfg = ClientConfig::default()
            .with_timeouts(Duration::from_secs(3), Duration::from_secs(9))
            .with_service_endpoint("ec2", "http://127.0.0.1:1")
            .unwrap();
        let client = AwsClient::new(sdk, cfg.clone()).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("top-secret"), "{debug}");
        assert!(debug.contains("us-east-1"));
        let t = client.timeout_config();
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(3)));
        assert_eq!(t.read_timeout(), Some(Duration::from_secs(9)));
        assert_eq!(t.operation_attempt_timeout(), None);
        assert_eq!(client.endpoint_for("ec2"), Some("http://127.0.0.1:1"));
        assert_eq!(client.endpoint_for("s3"), None);
        let sdk = client.sdk_config().clone();
        let total = AwsClient::new(sdk, cfg.with_total_timeout(Duration::from_secs(600))).unwrap();
        assert_eq!(
            total.timeout_config().operation_attempt_timeout(),
            Some(Duration::from_secs(600))
        );
    }

    #[test]
    fn a_malformed_region_is_refused() {
        let sdk = SdkConfig::builder()
            .region(aws_config::Region::new("not a region!"))
            .build();
        let err = AwsClient::new(sdk, ClientConfig::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

//! The COS (Tencent Cloud Object Storage) REST client: buckets, single PUTs, ranged GETs and
//! multipart uploads, in the vendor-neutral shapes of [`unicloud_core::object`].
//!
//! Requests go to `https://<bucket>.cos.<region>.myqcloud.com/<key>` (bucket names carry their
//! `-<appid>` suffix). With an endpoint override in the [`ClientConfig`](unicloud_core::ClientConfig) (for `cos`, else for
//! every service) the request is sent to that base URL with the path `/<key>`, and still carries
//! and signs `Host: <bucket>.cos.<region>.myqcloud.com`, as cos-python-sdk-v5 does with an IP
//! endpoint; that is how the emulator tells buckets apart.
//!
//! The client is [`unicloud_core::object::rest::ObjectClient`] in the [`Cos`] dialect: the
//! operations, XML, paging, input checks and error mapping are core's, shared with OSS; this
//! module says how COS addresses and signs a request. Every attempt is signed afresh
//! (`q-sign-algorithm=sha1`, a key time around the configured clock's now) with the
//! credentials of that moment, including `x-cos-security-token` for temporary ones; retries
//! follow the configured policy and each call's idempotency (initiate and complete are never
//! repeated after a failure that may have been applied). Failures are
//! [`unicloud_core::Error`]s with COS's code, message, request id, HTTP status and the
//! operation's name, and never show the URL or a secret.
//!
//! ```no_run
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use unicloud_core::object::PutOptions;
//! use unicloud_core::transport::Bytes;
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_tencent::cos::CosClient;
//!
//! let cos = CosClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKID...", "secret"))
//!     .build()?;
//! let bucket = "examplebucket-1250000000";
//! let put = cos
//!     .put_object(bucket, "dir/hello.txt", Bytes::from_static(b"hello cos"), &PutOptions::default().with_content_type("text/plain"))
//!     .await?;
//! println!("etag {} crc64 {:?}", put.etag, put.crc64);
//!
//! let upload_id = cos.initiate_multipart_upload(bucket, "dir/big.bin", &PutOptions::default()).await?;
//! let part = cos.upload_part(bucket, "dir/big.bin", &upload_id, 1, Bytes::from(vec![0u8; 1 << 20])).await?;
//! cos.complete_multipart_upload(bucket, "dir/big.bin", &upload_id, &[(1, part.etag)]).await?;
//! # Ok(()) }
//! ```

#[cfg(test)]
mod tests;

use std::time::{SystemTime, UNIX_EPOCH};

use unicloud_core::object::rest::{
    CompleteBodyStyle, Dialect, ObjectCall, ObjectClient, ObjectClientBuilder, Target,
};
use unicloud_core::ratelimit::{ApiLimit, LimitKey};
use unicloud_core::transport::{HttpRequest, TransportBuilder, build_request, http::Method};
use unicloud_core::{Credentials, Error, Provider};

use crate::sign::{Credential, cos};

/// A COS client for one region; cheap to clone. Built with `CosClient::builder(region)`;
/// see the [module documentation](self) for an example. `Debug` shows the region and
/// configuration, never a secret.
pub type CosClient = ObjectClient<Cos>;

/// Builds a [`CosClient`].
pub type CosClientBuilder = ObjectClientBuilder<Cos>;

/// The COS dialect of the S3-style REST client: virtual-hosted `Host`, `q-sign-algorithm=sha1`
/// signatures over a key-time window, `x-cos-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cos {
    /// Seconds before the clock's now that a signature's key time starts.
    before: i64,
    /// Seconds after it that the key time ends.
    after: i64,
}

impl Default for Cos {
    /// A key time from 60 s before now to 900 s after.
    fn default() -> Self {
        Self {
            before: 60,
            after: 900,
        }
    }
}

impl Cos {
    /// Signatures whose key time runs from `before` seconds before the clock's now to `after`
    /// seconds after it (for a clock that may be skewed against COS's; cos-python-sdk-v5 signs
    /// for 60 s before and 10,000 s after).
    pub fn with_key_time(before: i64, after: i64) -> Self {
        Self { before, after }
    }
}

impl Dialect for Cos {
    const PROVIDER: Provider = Provider::Tencent;
    const SERVICE: &'static str = "cos";
    const PRODUCT: &'static str = "COS";
    const HEADER_PREFIX: &'static str = "x-cos-";
    /// As cos-python-sdk-v5 writes it: an XML declaration, the ETag's quotes escaped.
    const COMPLETE_BODY: CompleteBodyStyle = CompleteBodyStyle {
        declaration: true,
        escape_quotes: true,
    };

    /// Sent to the endpoint override when there is one, else to the bucket's virtual host;
    /// always carrying and signing the virtual host as `Host`.
    /// COS's request rate is per bucket.
    fn rate_limit(&self, call: &ObjectCall, _region: &str) -> Option<ApiLimit> {
        Some(ApiLimit {
            key: LimitKey::new(Provider::Tencent, "cos", call.op.name()).scoped(&call.bucket),
            default: crate::limits::COS_PER_BUCKET,
        })
    }

    fn sign(
        &self,
        call: &ObjectCall,
        creds: &Credentials,
        target: Target<'_>,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let key_time = cos::KeyTime::new(now - self.before, now + self.after)
            .map_err(|e| call.invalid::<Cos>(format!("cannot sign the request: {e}")))?;
        let host = virtual_host(&call.bucket, target.region);
        let base = target
            .endpoint
            .map_or_else(|| format!("https://{host}/"), |b| format!("{b}/"));
        let url = call.url(&base);
        let path = format!("/{}", call.key.as_deref().unwrap_or(""));

        let mut headers: Vec<(String, String)> = vec![("Host".to_owned(), host)];
        headers.extend(call.content_length());
        headers.extend(call.headers.iter().cloned());
        if let Some(token) = creds.session_token() {
            headers.push(("x-cos-security-token".to_owned(), token.expose().to_owned()));
        }
        let signed: Vec<&str> = headers
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| {
                let k = k.to_ascii_lowercase();
                matches!(
                    k.as_str(),
                    "host" | "content-length" | "content-type" | "content-md5"
                ) || k.starts_with("x-cos-")
            })
            .collect();
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let params: Vec<(&str, &str)> = call.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let param_names: Vec<&str> = call.query.iter().map(|(k, _)| *k).collect();
        let method: Method = call.op.method();
        let req = cos::CosRequest {
            method: method.as_str(),
            path: &path,
            params: &params,
            headers: &header_refs,
            signed_headers: &signed,
            signed_params: &param_names,
        };
        let sig = cos::sign(
            &req,
            &Credential::new(creds.access_key_id(), creds.secret().expose()),
            key_time,
        )
        .map_err(|e| call.invalid::<Cos>(format!("cannot sign the request: {e}")))?;
        headers.push(("Authorization".to_owned(), sig.authorization));
        tracing::debug!(operation = call.op.name(), "cos request");
        build_request(method, &url, headers, call.body.clone())
    }

    /// Lets profiles that name a role assume it through Tencent's STS.
    fn prepare(&self, transport: TransportBuilder) -> TransportBuilder {
        #[cfg(feature = "sts")]
        let transport = transport.role_assumer(crate::sts::role_assumer);
        transport
    }
}

/// The virtual host of `bucket` in `region`.
fn virtual_host(bucket: &str, region: &str) -> String {
    format!("{bucket}.cos.{region}.myqcloud.com")
}

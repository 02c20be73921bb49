//! The OSS (Alibaba Cloud Object Storage Service) REST client: buckets, single PUTs, ranged
//! GETs and multipart uploads, in the vendor-neutral shapes of [`unicloud_core::object`].
//!
//! Requests go virtual-hosted to `https://<bucket>.oss-<region>.aliyuncs.com/<key>`. With an
//! endpoint override in the [`ClientConfig`](unicloud_core::ClientConfig) (for `oss`, else for every service) they go
//! path-style to `<endpoint>/<bucket>/<key>`, as oss2 does with an IP endpoint; both OSS
//! signatures cover the bucket and key rather than the path, so they sign the same.
//!
//! The client is [`unicloud_core::object::rest::ObjectClient`] in the [`Oss`] dialect: the
//! operations, XML, paging, input checks and error mapping are core's, shared with COS; this
//! module says how OSS addresses and signs a request. Every attempt is signed afresh with the
//! credentials of that moment at the configured clock's time: signature v4
//! (`OSS4-HMAC-SHA256`, `x-oss-content-sha256: UNSIGNED-PAYLOAD`, `x-oss-date`) by default, v1
//! (`OSS ak:sig` over `Date`) on request (`.dialect(Oss::with_signature(OssSignature::V1))`);
//! temporary credentials add `x-oss-security-token`. Retries follow the configured policy and
//! each call's idempotency (initiate and complete are never repeated after a failure that may
//! have been applied). Failures are [`unicloud_core::Error`]s with OSS's code, message, request
//! id, HTTP status and the operation's name, and never show the URL or a secret.
//!
//! ```no_run
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use unicloud_core::object::PutOptions;
//! use unicloud_core::transport::Bytes;
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_alibaba::oss::{Oss, OssClient, OssSignature};
//!
//! let oss = OssClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou")?)
//!     .credentials(Credentials::new("LTAI...", "secret"))
//!     .dialect(Oss::with_signature(OssSignature::V4))
//!     .build()?;
//! let put = oss
//!     .put_object("examplebucket", "dir/hello.txt", Bytes::from_static(b"hello oss"), &PutOptions::default().with_content_type("text/plain"))
//!     .await?;
//! println!("etag {} crc64 {:?}", put.etag, put.crc64);
//!
//! let upload_id = oss.initiate_multipart_upload("examplebucket", "dir/big.bin", &PutOptions::default()).await?;
//! let part = oss.upload_part("examplebucket", "dir/big.bin", &upload_id, 1, Bytes::from(vec![0u8; 1 << 20])).await?;
//! oss.complete_multipart_upload("examplebucket", "dir/big.bin", &upload_id, &[(1, part.etag)]).await?;
//! # Ok(()) }
//! ```

#[cfg(test)]
mod tests;

use std::time::{SystemTime, UNIX_EPOCH};

use unicloud_core::object::rest::{
    CompleteBodyStyle, Dialect, ObjectCall, ObjectClient, ObjectClientBuilder, Target,
};
use unicloud_core::ratelimit::{ApiLimit, LimitKey};
use unicloud_core::transport::{
    HttpRequest, HttpResponse, TransportBuilder, build_request, header_value,
};
use unicloud_core::{Credentials, Error, Provider};

use crate::sign::Credential;
use crate::sign::oss::{v1, v4};

/// An OSS client for one region; cheap to clone. Built with `OssClient::builder(region)`;
/// see the [module documentation](self) for an example. `Debug` shows the region and
/// configuration, never a secret.
pub type OssClient = ObjectClient<Oss>;

/// Builds an [`OssClient`].
pub type OssClientBuilder = ObjectClientBuilder<Oss>;

/// Which OSS signature requests carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OssSignature {
    /// `OSS4-HMAC-SHA256` with `x-oss-content-sha256: UNSIGNED-PAYLOAD` (the default, and the
    /// OSS v2 SDKs' default).
    #[default]
    V4,
    /// The older `OSS AccessKeyId:Signature` over the `Date` header (oss2's default).
    V1,
}

/// The OSS dialect of the S3-style REST client: virtual-hosted (path-style under an endpoint
/// override), v4 or v1 signatures, `x-oss-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Oss {
    signature: OssSignature,
}

impl Oss {
    /// Requests signed with `signature`.
    pub fn with_signature(signature: OssSignature) -> Self {
        Self { signature }
    }

    /// The signature requests carry.
    pub fn signature(&self) -> OssSignature {
        self.signature
    }
}

impl Dialect for Oss {
    const PROVIDER: Provider = Provider::Alibaba;
    const SERVICE: &'static str = "oss";
    const PRODUCT: &'static str = "OSS";
    const HEADER_PREFIX: &'static str = "x-oss-";
    /// As oss2 writes it: no XML declaration, the ETag's quotes as they are.
    const COMPLETE_BODY: CompleteBodyStyle = CompleteBodyStyle {
        declaration: false,
        escape_quotes: false,
    };
    /// As oss2 does: the type the object will have.
    const INITIATE_CONTENT_TYPE: Option<&'static str> = Some("application/octet-stream");

    /// Path-style to the endpoint override when there is one, else virtual-hosted; both
    /// signatures cover the bucket and key rather than the path, so they sign the same.
    /// OSS's request rate is per account.
    fn rate_limit(&self, call: &ObjectCall, _region: &str) -> Option<ApiLimit> {
        Some(ApiLimit {
            key: LimitKey::new(Provider::Alibaba, "oss", call.op.name()),
            default: crate::limits::OSS_PER_ACCOUNT,
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
        let base = match target.endpoint {
            Some(b) => format!("{b}/{}/", call.bucket),
            None => format!("https://{}/", virtual_host(&call.bucket, target.region)),
        };
        let url = call.url(&base);
        let method = call.op.method();
        let mut headers: Vec<(String, String)> = call.headers.clone();
        headers.extend(call.content_length());
        if let Some(token) = creds.session_token() {
            headers.push(("x-oss-security-token".to_owned(), token.expose().to_owned()));
        }
        let bad_time = |e: String| call.invalid::<Oss>(format!("cannot sign the request: {e}"));
        match self.signature {
            OssSignature::V4 => {
                let date = v4::format_date(now).map_err(|e| bad_time(e.to_string()))?;
                headers.push(("x-oss-date".to_owned(), date));
                headers.push((
                    "x-oss-content-sha256".to_owned(),
                    "UNSIGNED-PAYLOAD".to_owned(),
                ));
            }
            OssSignature::V1 => {
                let date = unicloud_core::time_fmt::http_date(now)
                    .ok_or_else(|| bad_time("clock out of range".into()))?;
                headers.push(("Date".to_owned(), date));
            }
        }
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let params: Vec<(&str, &str)> = call.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let credential = Credential::new(creds.access_key_id(), creds.secret().expose());
        let key = call.key.as_deref().filter(|k| !k.is_empty());
        let authorization = match self.signature {
            OssSignature::V4 => {
                let req = v4::OssV4Request {
                    method: method.as_str(),
                    bucket: Some(&call.bucket),
                    key,
                    query: &params,
                    headers: &header_refs,
                    additional_headers: &[],
                };
                v4::sign(&req, &credential, target.region, now)
                    .map_err(|e| bad_time(e.to_string()))?
                    // oss2 separates the fields with ", ".
                    .authorization_with_separator(", ")
            }
            OssSignature::V1 => {
                let req = v1::OssV1Request {
                    method: method.as_str(),
                    bucket: Some(&call.bucket),
                    key,
                    params: &params,
                    headers: &header_refs,
                };
                v1::sign(&req, &credential).authorization
            }
        };
        headers.push(("Authorization".to_owned(), authorization));
        tracing::debug!(operation = call.op.name(), "oss request");
        build_request(method, &url, headers, call.body.clone())
    }

    /// OSS may send a HEAD's `<Error>` base64-encoded in the `x-oss-err` header.
    fn bodiless_error(&self, response: &HttpResponse) -> Option<Vec<u8>> {
        use base64::Engine as _;
        header_value(response, "x-oss-err").and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        })
    }

    /// Lets profiles that name a role assume it through Alibaba's STS.
    fn prepare(&self, transport: TransportBuilder) -> TransportBuilder {
        #[cfg(feature = "sts")]
        let transport = transport.role_assumer(crate::sts::role_assumer);
        transport
    }
}

/// The virtual host of `bucket` in `region`.
fn virtual_host(bucket: &str, region: &str) -> String {
    format!("{bucket}.oss-{region}.aliyuncs.com")
}

//! One REST client for the S3-style object stores that are not S3 itself (COS, OSS): buckets,
//! single PUTs, ranged GETs, heads and multipart uploads with their listings, in the shapes of
//! [`crate::object`].
//!
//! What the stores share is written here once: the operations, their query parameters and
//! idempotency, input checks before any request, the `<Error>` / multipart / listing XML,
//! following every page, the `x-<vendor>-*` headers (metadata, storage class, server-side
//! encryption, CRC-64, version id, request id) and the error mapping ([`CODES`]). What
//! differs is a [`Dialect`]: how a request is addressed and signed, the product's names and
//! header prefix, and how its CompleteMultipartUpload body is written. The COS client
//! (`unicloud_tencent::cos`) and the OSS client (`unicloud_alibaba::oss`) are dialects.
//!
//! Every attempt is signed afresh with the credentials of that moment at the configured
//! clock's time; retries follow the configured policy and each operation's idempotency
//! (initiate and complete are never repeated after a failure that may have been applied).
//! Failures are [`Error`]s with the store's code, message, request id, HTTP status and the
//! operation's name, and never show the URL or a secret.
//!
//! ```
//! use std::time::SystemTime;
//! use unicloud_core::object::rest::{CompleteBodyStyle, Dialect, ObjectCall, ObjectClient, Target};
//! use unicloud_core::transport::{HttpRequest, build_request};
//! use unicloud_core::{Credentials, Error, Provider, Region};
//!
//! /// A store addressed path-style that takes the key id as its whole "signature".
//! #[derive(Debug, Default)]
//! struct Toy;
//!
//! impl Dialect for Toy {
//!     const PROVIDER: Provider = Provider::Tencent;
//!     const SERVICE: &'static str = "toy";
//!     const PRODUCT: &'static str = "TOY";
//!     const HEADER_PREFIX: &'static str = "x-toy-";
//!     const COMPLETE_BODY: CompleteBodyStyle = CompleteBodyStyle { declaration: false, escape_quotes: false };
//!     fn sign(&self, call: &ObjectCall, creds: &Credentials, target: Target<'_>, _now: SystemTime) -> Result<HttpRequest, Error> {
//!         let base = target.endpoint.unwrap_or("https://toy.invalid");
//!         let url = call.url(&format!("{base}/{}/", call.bucket));
//!         let mut headers = call.headers.clone();
//!         headers.extend(call.content_length());
//!         headers.push(("Authorization".into(), creds.access_key_id().into()));
//!         build_request(call.op.method(), &url, headers, call.body.clone())
//!     }
//! }
//!
//! let client = ObjectClient::<Toy>::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKIDexample", "secret"))
//!     .build()?;
//! assert_eq!(client.region().as_str(), "ap-guangzhou");
//! # Ok::<_, Error>(())
//! ```

mod xml;

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::SystemTime;

pub use xml::CompleteBodyStyle;

use super::codes::CODES;
use super::{MultipartUpload, ObjectHead, PartOutcome, PutOptions, PutOutcome, UploadedPart};
use crate::config::ClientConfig;
use crate::credentials::{Credentials, SharedCredentialsProvider};
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;
use crate::ratelimit::ApiLimit;
use crate::region::Region;
use crate::retry::Idempotency;
use crate::signing::rfc3986_encode;
use crate::transport::{
    Bytes, HttpRequest, HttpResponse, Protocol, Transport, TransportBuilder, header_value,
    http::Method,
};

/// The largest part number the stores accept.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// What tells one store's REST API from another's.
///
/// Everything else (operations, XML, headers after their prefix, errors, paging) is the
/// [`ObjectClient`]'s. See the [module documentation](self) for an example.
pub trait Dialect: fmt::Debug + Send + Sync + 'static {
    /// The provider the store belongs to; a client needs a region of it.
    const PROVIDER: Provider;
    /// The service name endpoint overrides are looked up under (`cos`, `oss`).
    const SERVICE: &'static str;
    /// The product's name in messages (`COS`, `OSS`).
    const PRODUCT: &'static str;
    /// The prefix of the store's own headers, lower-case (`x-cos-`, `x-oss-`).
    const HEADER_PREFIX: &'static str;
    /// How the CompleteMultipartUpload body is written.
    const COMPLETE_BODY: CompleteBodyStyle;
    /// The `Content-Type` an initiated multipart upload gets when none is asked for; `None`
    /// sends none (the store picks).
    const INITIATE_CONTENT_TYPE: Option<&'static str> = None;

    /// Addresses and signs the request for `call` as of `now`: `target` says the region and
    /// the endpoint override (for [`SERVICE`](Self::SERVICE), else for every service), if any.
    /// A request that cannot be signed is an error; [`ObjectCall::invalid`] makes one.
    fn sign(
        &self,
        call: &ObjectCall,
        credentials: &Credentials,
        target: Target<'_>,
        now: SystemTime,
    ) -> Result<HttpRequest, Error>;

    /// The `<Error>` document of a failed bodiless (HEAD) reply, when the store sends it
    /// somewhere else than the body (OSS: base64 in `x-oss-err`).
    fn bodiless_error(&self, _response: &HttpResponse) -> Option<Vec<u8>> {
        None
    }

    /// Adjusts the transport before it is built (for instance to let profiles assume roles
    /// through the provider's STS).
    fn prepare(&self, transport: TransportBuilder) -> TransportBuilder {
        transport
    }

    /// The client-side [rate-limit](crate::ratelimit) bucket of `call` sent in `region`, with
    /// the store's published request rate; `None` (the default) sends it unlimited.
    fn rate_limit(&self, call: &ObjectCall, region: &str) -> Option<ApiLimit> {
        let _ = (call, region);
        None
    }
}

/// Where a request goes: the region, and the endpoint override when there is one.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Target<'a> {
    /// The region's name.
    pub region: &'a str,
    /// The endpoint override's base URL, without a trailing `/`.
    pub endpoint: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// Requests for `region`, sent to `endpoint` when given (a trailing `/` is dropped).
    pub fn new(region: &'a str, endpoint: Option<&'a str>) -> Self {
        Self {
            region,
            endpoint: endpoint.map(|e| e.trim_end_matches('/')),
        }
    }
}

/// The object-storage operations, named as the stores' API references name them (the error's
/// operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectOp {
    /// PUT Bucket.
    PutBucket,
    /// HEAD Bucket.
    HeadBucket,
    /// PUT Object.
    PutObject,
    /// HEAD Object.
    HeadObject,
    /// GET Object.
    GetObject,
    /// DELETE Object.
    DeleteObject,
    /// POST `?uploads`.
    InitiateMultipartUpload,
    /// PUT `?partNumber&uploadId`.
    UploadPart,
    /// POST `?uploadId`.
    CompleteMultipartUpload,
    /// DELETE `?uploadId`.
    AbortMultipartUpload,
    /// GET bucket `?uploads`.
    ListMultipartUploads,
    /// GET `?uploadId`.
    ListParts,
}

impl ObjectOp {
    /// The operation's name.
    pub fn name(self) -> &'static str {
        match self {
            ObjectOp::PutBucket => "PutBucket",
            ObjectOp::HeadBucket => "HeadBucket",
            ObjectOp::PutObject => "PutObject",
            ObjectOp::HeadObject => "HeadObject",
            ObjectOp::GetObject => "GetObject",
            ObjectOp::DeleteObject => "DeleteObject",
            ObjectOp::InitiateMultipartUpload => "InitiateMultipartUpload",
            ObjectOp::UploadPart => "UploadPart",
            ObjectOp::CompleteMultipartUpload => "CompleteMultipartUpload",
            ObjectOp::AbortMultipartUpload => "AbortMultipartUpload",
            ObjectOp::ListMultipartUploads => "ListMultipartUploads",
            ObjectOp::ListParts => "ListParts",
        }
    }

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            ObjectOp::PutBucket | ObjectOp::PutObject | ObjectOp::UploadPart => Method::PUT,
            ObjectOp::HeadBucket | ObjectOp::HeadObject => Method::HEAD,
            ObjectOp::GetObject | ObjectOp::ListMultipartUploads | ObjectOp::ListParts => {
                Method::GET
            }
            ObjectOp::DeleteObject | ObjectOp::AbortMultipartUpload => Method::DELETE,
            ObjectOp::InitiateMultipartUpload | ObjectOp::CompleteMultipartUpload => Method::POST,
        }
    }

    /// Whether repeating the call after an unknown outcome is harmless: everything but
    /// initiate (a repeat leaves an orphaned upload) and complete (a repeat after success
    /// answers `NoSuchUpload`; the caller settles that case).
    pub fn idempotency(self) -> Idempotency {
        match self {
            ObjectOp::InitiateMultipartUpload | ObjectOp::CompleteMultipartUpload => {
                Idempotency::NotIdempotent
            }
            _ => Idempotency::Idempotent,
        }
    }
}

/// One request before it is addressed and signed.
#[derive(Clone)]
#[non_exhaustive]
pub struct ObjectCall {
    /// The operation.
    pub op: ObjectOp,
    /// The bucket.
    pub bucket: String,
    /// The decoded object key; `None` for bucket-level requests.
    pub key: Option<String>,
    /// Decoded query parameters, in the order sent (a sub-resource has an empty value).
    pub query: Vec<(&'static str, String)>,
    /// Headers besides `Host`, `Content-Length`, dates, tokens and `Authorization`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl ObjectCall {
    /// A call of `op` on `bucket` (and `key`), without parameters, headers or body.
    pub fn new(op: ObjectOp, bucket: &str, key: Option<&str>) -> Self {
        Self {
            op,
            bucket: bucket.to_owned(),
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }

    /// The key with each `/`-separated segment percent-encoded (RFC 3986); empty for a
    /// bucket-level call.
    pub fn encoded_key(&self) -> String {
        self.key
            .as_deref()
            .unwrap_or("")
            .split('/')
            .map(rfc3986_encode)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The encoded query string (`uploads`, `partNumber=1&uploadId=…`), empty without
    /// parameters.
    pub fn query_string(&self) -> String {
        self.query
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    rfc3986_encode(k)
                } else {
                    format!("{}={}", rfc3986_encode(k), rfc3986_encode(v))
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The URL of the call under `base` (which ends where the encoded key starts, `/`
    /// included), with the query string.
    pub fn url(&self, base: &str) -> String {
        let mut url = format!("{base}{}", self.encoded_key());
        let query = self.query_string();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url
    }

    /// The `Content-Length` header a request with a body (PUT and POST, even an empty one)
    /// states and signs; bodiless requests send none.
    pub fn content_length(&self) -> Option<(String, String)> {
        matches!(self.op.method(), Method::PUT | Method::POST)
            .then(|| ("Content-Length".to_owned(), self.body.len().to_string()))
    }

    /// An [`ErrorKind::InvalidInput`] error about this call of `D`'s store.
    pub fn invalid<D: Dialect>(&self, message: impl Into<String>) -> Error {
        invalid::<D>(self.op, message)
    }
}

impl fmt::Debug for ObjectCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectCall")
            .field("op", &self.op)
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A client of one S3-style store (a [`Dialect`]) for one region; cheap to clone.
///
/// `Debug` shows the region and configuration, never a secret.
pub struct ObjectClient<D> {
    inner: Arc<Inner<D>>,
}

impl<D> Clone for ObjectClient<D> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<D> {
    transport: Transport,
    dialect: D,
}

/// Builds an [`ObjectClient`].
pub struct ObjectClientBuilder<D> {
    region: Region,
    transport: TransportBuilder,
    dialect: D,
}

impl<D: Dialect + Default> ObjectClient<D> {
    /// Starts a builder for `region`, which must be a region of the dialect's provider, with
    /// the dialect's default settings.
    pub fn builder(region: Region) -> ObjectClientBuilder<D> {
        ObjectClientBuilder {
            transport: Transport::builder(D::PROVIDER, region.clone()),
            region,
            dialect: D::default(),
        }
    }
}

impl<D: Dialect> ObjectClient<D> {
    /// The region buckets are addressed in.
    pub fn region(&self) -> &Region {
        self.inner.transport.region()
    }

    /// The client configuration.
    pub fn config(&self) -> &ClientConfig {
        self.inner.transport.config()
    }

    /// The dialect's settings.
    pub fn dialect(&self) -> &D {
        &self.inner.dialect
    }

    /// The credentials provider requests are signed with.
    pub fn credentials(&self) -> &SharedCredentialsProvider {
        self.inner.transport.credentials()
    }

    /// Creates `bucket` (PUT Bucket). An existing bucket is an
    /// [`ErrorKind::AlreadyExists`] error (`BucketAlreadyOwnedByYou` when it is the caller's).
    pub async fn put_bucket(&self, bucket: &str) -> Result<(), Error> {
        let op = ObjectOp::PutBucket;
        check_bucket::<D>(op, bucket)?;
        self.send(&ObjectCall::new(op, bucket, None))
            .await
            .map(drop)
    }

    /// Checks that `bucket` exists and is accessible (HEAD Bucket): a missing bucket is
    /// [`ErrorKind::NotFound`].
    pub async fn head_bucket(&self, bucket: &str) -> Result<(), Error> {
        let op = ObjectOp::HeadBucket;
        check_bucket::<D>(op, bucket)?;
        self.send(&ObjectCall::new(op, bucket, None))
            .await
            .map(drop)
    }

    /// Stores `body` as `key` in one request (PUT Object), with `opts`' content type,
    /// metadata, storage class and server-side encryption.
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        opts: &PutOptions,
    ) -> Result<PutOutcome, Error> {
        let op = ObjectOp::PutObject;
        check_object::<D>(op, bucket, key)?;
        let mut call = ObjectCall::new(op, bucket, Some(key)).body(body);
        call.headers = put_headers::<D>(op, opts)?;
        let reply = self.send(&call).await?;
        let etag = header_value(&reply, "etag").unwrap_or_default();
        put_outcome::<D>(op, &reply, etag)
    }

    /// Reads `key`'s metadata (HEAD Object): size, ETag, CRC-64, content type, last
    /// modification, version, storage class and user metadata. A missing object is
    /// [`ErrorKind::NotFound`].
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectHead, Error> {
        let op = ObjectOp::HeadObject;
        check_object::<D>(op, bucket, key)?;
        let reply = self.send(&ObjectCall::new(op, bucket, Some(key))).await?;
        object_head::<D>(op, &reply)
    }

    /// Reads `key` (GET Object), the whole object or only the bytes in `range`
    /// (`start..end`, end exclusive; an empty range is invalid input).
    pub async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<Bytes, Error> {
        let op = ObjectOp::GetObject;
        check_object::<D>(op, bucket, key)?;
        let mut call = ObjectCall::new(op, bucket, Some(key));
        if let Some(r) = range {
            if r.start >= r.end {
                return Err(invalid::<D>(
                    op,
                    format!("empty byte range {}..{}", r.start, r.end),
                ));
            }
            call = call.header("Range", format!("bytes={}-{}", r.start, r.end - 1));
        }
        Ok(self.send(&call).await?.into_body())
    }

    /// Deletes `key` (DELETE Object).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), Error> {
        let op = ObjectOp::DeleteObject;
        check_object::<D>(op, bucket, key)?;
        self.send(&ObjectCall::new(op, bucket, Some(key)))
            .await
            .map(drop)
    }

    /// Starts a multipart upload of `key` (Initiate Multipart Upload) with `opts`' headers and
    /// returns its upload id. Never repeated after a failure that may have been applied (that
    /// would leave an orphaned upload behind).
    pub async fn initiate_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        opts: &PutOptions,
    ) -> Result<String, Error> {
        let op = ObjectOp::InitiateMultipartUpload;
        check_object::<D>(op, bucket, key)?;
        let mut call = ObjectCall::new(op, bucket, Some(key)).query("uploads", "");
        call.headers = put_headers::<D>(op, opts)?;
        if let (None, Some(ct)) = (&opts.content_type, D::INITIATE_CONTENT_TYPE) {
            call.headers
                .insert(0, ("Content-Type".to_owned(), ct.to_owned()));
        }
        let reply = self.send(&call).await?;
        xml::parse::<xml::InitiateResult>(reply.body())
            .and_then(|r| xml::non_empty(r.upload_id))
            .ok_or_else(|| bad_reply::<D>(op, &reply, "no UploadId in the reply"))
    }

    /// Uploads part `part_number` (1 to [`MAX_PART_NUMBER`]) of an upload (Upload Part) and
    /// returns its ETag and CRC-64.
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Bytes,
    ) -> Result<PartOutcome, Error> {
        let op = ObjectOp::UploadPart;
        check_upload::<D>(op, bucket, key, upload_id)?;
        check_part_number::<D>(op, part_number)?;
        let call = ObjectCall::new(op, bucket, Some(key))
            .query("partNumber", part_number.to_string())
            .query("uploadId", upload_id)
            .body(body);
        let reply = self.send(&call).await?;
        let etag = header_value(&reply, "etag")
            .filter(|e| !e.is_empty())
            .ok_or_else(|| bad_reply::<D>(op, &reply, "no ETag in the reply"))?;
        Ok(PartOutcome {
            crc64: crc64::<D>(op, &reply)?,
            etag,
        })
    }

    /// Completes an upload from its parts (`(part number, ETag)`, sent in part-number order)
    /// (Complete Multipart Upload). Never repeated after a failure that may have been applied:
    /// a repeat after success would answer `NoSuchUpload`; the caller settles that case.
    pub async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<PutOutcome, Error> {
        let op = ObjectOp::CompleteMultipartUpload;
        check_upload::<D>(op, bucket, key, upload_id)?;
        let parts = sorted_parts::<D>(op, parts)?;
        let call = ObjectCall::new(op, bucket, Some(key))
            .query("uploadId", upload_id)
            .body(Bytes::from(D::COMPLETE_BODY.body(&parts)));
        let reply = self.send(&call).await?;
        let etag = xml::parse::<xml::CompleteResult>(reply.body())
            .and_then(|r| xml::non_empty(r.etag))
            .or_else(|| header_value(&reply, "etag"))
            .unwrap_or_default();
        put_outcome::<D>(op, &reply, etag)
    }

    /// Aborts an upload and drops its parts (Abort Multipart Upload).
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), Error> {
        let op = ObjectOp::AbortMultipartUpload;
        check_upload::<D>(op, bucket, key, upload_id)?;
        let call = ObjectCall::new(op, bucket, Some(key)).query("uploadId", upload_id);
        self.send(&call).await.map(drop)
    }

    /// Lists the uploads of `bucket` that were initiated and neither completed nor aborted,
    /// those whose key starts with `prefix` when given (List Multipart Uploads), following
    /// every page (`NextKeyMarker` / `NextUploadIdMarker`).
    pub async fn list_multipart_uploads(
        &self,
        bucket: &str,
        prefix: Option<&str>,
    ) -> Result<Vec<MultipartUpload>, Error> {
        let op = ObjectOp::ListMultipartUploads;
        check_bucket::<D>(op, bucket)?;
        let mut out = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let mut call = ObjectCall::new(op, bucket, None).query("uploads", "");
            if let Some(p) = prefix.filter(|p| !p.is_empty()) {
                call = call.query("prefix", p);
            }
            if let Some((k, u)) = &markers {
                call = call
                    .query("key-marker", k.clone())
                    .query("upload-id-marker", u.clone());
            }
            let reply = self.send(&call).await?;
            let page = xml::parse::<xml::ListUploadsResult>(reply.body())
                .ok_or_else(|| bad_reply::<D>(op, &reply, "not a ListMultipartUploadsResult"))?;
            for u in page.uploads {
                let mut upload = MultipartUpload::new(u.key, u.upload_id);
                if let Some(t) = u
                    .initiated
                    .as_deref()
                    .and_then(crate::time_fmt::parse_rfc3339)
                {
                    upload = upload.with_initiated(t);
                }
                out.push(upload);
            }
            if !xml::truncated(page.is_truncated.as_deref()) {
                return Ok(out);
            }
            let next = (
                xml::non_empty(page.next_key_marker).unwrap_or_default(),
                xml::non_empty(page.next_upload_id_marker).unwrap_or_default(),
            );
            if next.0.is_empty() || markers.as_ref() == Some(&next) {
                return Err(bad_reply::<D>(
                    op,
                    &reply,
                    "a truncated listing without a new NextKeyMarker",
                ));
            }
            markers = Some(next);
        }
    }

    /// Lists the parts stored so far for an upload (List Parts), following every page
    /// (`NextPartNumberMarker`).
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<UploadedPart>, Error> {
        let op = ObjectOp::ListParts;
        check_upload::<D>(op, bucket, key, upload_id)?;
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut call = ObjectCall::new(op, bucket, Some(key)).query("uploadId", upload_id);
            if let Some(m) = &marker {
                call = call.query("part-number-marker", m.clone());
            }
            let reply = self.send(&call).await?;
            let page = xml::parse::<xml::ListPartsResult>(reply.body())
                .ok_or_else(|| bad_reply::<D>(op, &reply, "not a ListPartsResult"))?;
            for p in page.parts {
                let crc64 = match xml::non_empty(p.crc64) {
                    Some(c) => Some(c.parse::<u64>().map_err(|_| {
                        bad_reply::<D>(op, &reply, "a part's HashCrc64ecma is not a number")
                    })?),
                    None => None,
                };
                out.push(UploadedPart {
                    part_number: p.part_number,
                    size: p.size,
                    etag: p.etag,
                    crc64,
                });
            }
            if !xml::truncated(page.is_truncated.as_deref()) {
                return Ok(out);
            }
            let next = xml::non_empty(page.next_part_number_marker);
            if next.is_none() || next == marker {
                return Err(bad_reply::<D>(
                    op,
                    &reply,
                    "a truncated listing without a new NextPartNumberMarker",
                ));
            }
            marker = next;
        }
    }

    /// The request `call` would send as of `now` with `credentials` (what a retry signs
    /// afresh), for inspection and tests.
    pub fn sign(
        &self,
        call: &ObjectCall,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        self.inner.sign(call, credentials, now)
    }

    /// Sends `call` under the retry policy and its operation's idempotency.
    async fn send(&self, call: &ObjectCall) -> Result<HttpResponse, Error> {
        self.inner
            .transport
            .call(&*self.inner, call, call.op.idempotency())
            .await
            .map_err(|e| e.with_operation(call.op.name()))
    }
}

impl<D: Dialect> Protocol for Inner<D> {
    type Call = ObjectCall;
    type Output = HttpResponse;

    fn sign(
        &self,
        call: &ObjectCall,
        creds: &Credentials,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let target = Target::new(
            self.transport.region().as_str(),
            self.transport.config().endpoint_for(D::SERVICE),
        );
        self.dialect
            .sign(call, creds, target, now)
            .map_err(|e| e.with_provider(D::PROVIDER).with_operation(call.op.name()))
    }

    fn rate_limit(&self, call: &ObjectCall) -> Option<ApiLimit> {
        self.dialect
            .rate_limit(call, self.transport.region().as_str())
    }

    fn decode(&self, call: &ObjectCall, response: HttpResponse) -> Result<HttpResponse, Error> {
        let status = response.status().as_u16();
        // CompleteMultipartUpload can fail after its 200 status line was sent.
        let error_in_200 = call.op == ObjectOp::CompleteMultipartUpload
            && xml::root_name(response.body()).as_deref() == Some("Error");
        if (200..300).contains(&status) && !error_in_200 {
            return Ok(response);
        }
        Err(error_from(&self.dialect, call.op, &response))
    }
}

impl<D: Dialect> ObjectClientBuilder<D> {
    /// Uses these credentials (explicit keys, or any provider such as an STS role); without
    /// them the provider's default chain is used.
    #[must_use]
    pub fn credentials(mut self, credentials: impl Into<SharedCredentialsProvider>) -> Self {
        self.transport = self.transport.credentials(credentials);
        self
    }

    /// Uses this configuration (endpoint overrides, time-outs, retries, clock).
    #[must_use]
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.transport = self.transport.config(config);
        self
    }

    /// Uses these dialect settings (for OSS, which signature requests carry).
    #[must_use]
    pub fn dialect(mut self, dialect: D) -> Self {
        self.dialect = dialect;
        self
    }

    /// Builds the client; a region of another provider is [`ErrorKind::InvalidInput`].
    pub fn build(self) -> Result<ObjectClient<D>, Error> {
        if self.region.provider() != D::PROVIDER {
            return Err(Error::invalid_input(format!(
                "{} needs a {} region, not {}",
                D::PRODUCT,
                D::PROVIDER,
                self.region.provider()
            ))
            .with_provider(D::PROVIDER));
        }
        let transport = self.dialect.prepare(self.transport).build()?;
        Ok(ObjectClient {
            inner: Arc::new(Inner {
                transport,
                dialect: self.dialect,
            }),
        })
    }
}

impl<D: Dialect> fmt::Debug for ObjectClient<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectClient")
            .field("product", &D::PRODUCT)
            .field("dialect", &self.inner.dialect)
            .field("transport", &self.inner.transport)
            .finish()
    }
}

impl<D: Dialect> fmt::Debug for ObjectClientBuilder<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectClientBuilder")
            .field("product", &D::PRODUCT)
            .field("dialect", &self.dialect)
            .field("transport", &self.transport)
            .finish()
    }
}

/// The error a failed reply means: the `<Error>` document's code decides the kind, else the
/// HTTP status (HEAD replies have no body; the dialect may find the document elsewhere).
fn error_from<D: Dialect>(dialect: &D, op: ObjectOp, response: &HttpResponse) -> Error {
    let status = response.status().as_u16();
    let body = if op.method() == Method::HEAD {
        dialect
            .bodiless_error(response)
            .and_then(|raw| xml::parse::<xml::ErrorBody>(&raw))
            .unwrap_or_default()
    } else {
        xml::parse::<xml::ErrorBody>(response.body()).unwrap_or_default()
    };
    let code = xml::non_empty(body.code);
    let kind = code
        .as_deref()
        .and_then(|c| CODES.kind_of(c))
        .unwrap_or_else(|| kind_of_status(status));
    let message = xml::non_empty(body.message)
        .unwrap_or_else(|| format!("HTTP {status} from {}", D::PRODUCT));
    let mut err = Error::new(kind, message)
        .with_provider(D::PROVIDER)
        .with_operation(op.name())
        .with_status(status);
    if let Some(code) = code {
        if let Some(retryable) = CODES.retryable_override(&code) {
            err = err.with_retryable(retryable);
        }
        err = err.with_code(code);
    }
    if let Some(id) = xml::non_empty(body.request_id).or_else(|| request_id::<D>(response)) {
        err = err.with_request_id(id);
    }
    err
}

/// The kind of a reply that carries no error code.
fn kind_of_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Auth,
        200..=299 => ErrorKind::InvalidResponse,
        s => ErrorKind::from_http_status(s).unwrap_or(ErrorKind::Other),
    }
}

/// The store's header `name` (after its prefix).
fn vendor_header<D: Dialect>(response: &HttpResponse, name: &str) -> Option<String> {
    header_value(response, &format!("{}{name}", D::HEADER_PREFIX))
}

fn request_id<D: Dialect>(response: &HttpResponse) -> Option<String> {
    vendor_header::<D>(response, "request-id")
}

/// The headers `opts` asks for.
fn put_headers<D: Dialect>(
    op: ObjectOp,
    opts: &PutOptions,
) -> Result<Vec<(String, String)>, Error> {
    let prefix = D::HEADER_PREFIX;
    let mut headers = Vec::new();
    if let Some(ct) = &opts.content_type {
        headers.push(("Content-Type".to_owned(), ct.clone()));
    }
    for (name, value) in &opts.metadata {
        if name.is_empty() {
            return Err(invalid::<D>(op, "a metadata name is empty"));
        }
        headers.push((
            format!("{prefix}meta-{}", name.to_ascii_lowercase()),
            value.clone(),
        ));
    }
    if let Some(class) = &opts.storage_class {
        headers.push((format!("{prefix}storage-class"), class.clone()));
    }
    if let Some(sse) = &opts.server_side_encryption {
        headers.push((format!("{prefix}server-side-encryption"), sse.clone()));
    }
    Ok(headers)
}

/// A whole-object write's outcome from its reply.
fn put_outcome<D: Dialect>(
    op: ObjectOp,
    reply: &HttpResponse,
    etag: String,
) -> Result<PutOutcome, Error> {
    Ok(PutOutcome {
        etag,
        crc64: crc64::<D>(op, reply)?,
        version_id: vendor_header::<D>(reply, "version-id"),
        request_id: request_id::<D>(reply),
    })
}

/// `x-<vendor>-hash-crc64ecma` as a number; a value that is not one is an invalid reply (a
/// checksum must never be silently dropped).
fn crc64<D: Dialect>(op: ObjectOp, reply: &HttpResponse) -> Result<Option<u64>, Error> {
    match vendor_header::<D>(reply, "hash-crc64ecma") {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| {
            let what = format!("{}hash-crc64ecma is not a decimal number", D::HEADER_PREFIX);
            bad_reply::<D>(op, reply, &what)
        }),
    }
}

/// An object's metadata from a HEAD reply.
fn object_head<D: Dialect>(op: ObjectOp, reply: &HttpResponse) -> Result<ObjectHead, Error> {
    let size = match header_value(reply, "content-length") {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| bad_reply::<D>(op, reply, "Content-Length is not a number"))?,
        None => 0,
    };
    let meta = format!("{}meta-", D::HEADER_PREFIX);
    Ok(ObjectHead {
        size,
        etag: header_value(reply, "etag").unwrap_or_default(),
        crc64: crc64::<D>(op, reply)?,
        content_type: header_value(reply, "content-type"),
        last_modified: header_value(reply, "last-modified")
            .as_deref()
            .and_then(crate::time_fmt::parse_http_date),
        version_id: vendor_header::<D>(reply, "version-id"),
        storage_class: vendor_header::<D>(reply, "storage-class"),
        metadata: reply
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                let name = name.as_str().strip_prefix(meta.as_str())?;
                Some((name.to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect(),
    })
}

/// The parts in part-number order; empty lists, numbers out of range and repeats are invalid.
fn sorted_parts<D: Dialect>(
    op: ObjectOp,
    parts: &[(u32, String)],
) -> Result<Vec<(u32, String)>, Error> {
    if parts.is_empty() {
        return Err(invalid::<D>(op, "no parts to complete the upload with"));
    }
    let mut sorted = parts.to_vec();
    sorted.sort_by_key(|(n, _)| *n);
    for (i, (number, etag)) in sorted.iter().enumerate() {
        check_part_number::<D>(op, *number)?;
        if i > 0 && sorted[i - 1].0 == *number {
            return Err(invalid::<D>(op, format!("part {number} is listed twice")));
        }
        if etag.is_empty() {
            return Err(invalid::<D>(op, format!("part {number} has an empty ETag")));
        }
    }
    Ok(sorted)
}

fn invalid<D: Dialect>(op: ObjectOp, message: impl Into<String>) -> Error {
    Error::invalid_input(message)
        .with_provider(D::PROVIDER)
        .with_operation(op.name())
}

/// A successful reply we cannot read.
fn bad_reply<D: Dialect>(op: ObjectOp, reply: &HttpResponse, what: &str) -> Error {
    let mut err = Error::new(
        ErrorKind::InvalidResponse,
        format!("unexpected reply: {what}"),
    )
    .with_provider(D::PROVIDER)
    .with_operation(op.name())
    .with_status(reply.status().as_u16());
    if let Some(id) = request_id::<D>(reply) {
        err = err.with_request_id(id);
    }
    err
}

/// A bucket name the store can address as a host label: `[a-z0-9-]`, not starting or ending
/// with `-`, at most 63 characters.
fn check_bucket<D: Dialect>(op: ObjectOp, bucket: &str) -> Result<(), Error> {
    if bucket.is_empty() {
        return Err(invalid::<D>(op, "the bucket name is empty"));
    }
    let valid = bucket.len() <= 63
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if !valid {
        return Err(invalid::<D>(
            op,
            format!("invalid bucket name `{bucket}`: expected lower-case letters, digits and `-`"),
        ));
    }
    Ok(())
}

fn check_object<D: Dialect>(op: ObjectOp, bucket: &str, key: &str) -> Result<(), Error> {
    check_bucket::<D>(op, bucket)?;
    if key.is_empty() {
        return Err(invalid::<D>(op, "the object key is empty"));
    }
    Ok(())
}

fn check_upload<D: Dialect>(
    op: ObjectOp,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<(), Error> {
    check_object::<D>(op, bucket, key)?;
    if upload_id.is_empty() {
        return Err(invalid::<D>(op, "the upload id is empty"));
    }
    Ok(())
}

fn check_part_number<D: Dialect>(op: ObjectOp, part_number: u32) -> Result<(), Error> {
    if !(1..=MAX_PART_NUMBER).contains(&part_number) {
        return Err(invalid::<D>(
            op,
            format!("part number {part_number} is outside 1..={MAX_PART_NUMBER}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// A path-style dialect that signs nothing (the key id stands as `Authorization`), with
/// `x-toy-*` headers and HEAD errors in `x-toy-err`: for the shared client's own tests and
/// its fuzz hook.
#[cfg(any(test, fuzzing))]
#[derive(Debug, Default)]
pub(crate) struct Toy;

#[cfg(any(test, fuzzing))]
impl Dialect for Toy {
    const PROVIDER: Provider = Provider::Alibaba;
    const SERVICE: &'static str = "toy";
    const PRODUCT: &'static str = "TOY";
    const HEADER_PREFIX: &'static str = "x-toy-";
    const COMPLETE_BODY: CompleteBodyStyle = CompleteBodyStyle {
        declaration: false,
        escape_quotes: false,
    };

    fn sign(
        &self,
        call: &ObjectCall,
        creds: &Credentials,
        target: Target<'_>,
        _now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let base = target.endpoint.unwrap_or("https://toy.invalid");
        let mut headers = call.headers.clone();
        headers.extend(call.content_length());
        headers.push(("Authorization".into(), creds.access_key_id().into()));
        crate::transport::build_request(
            call.op.method(),
            &call.url(&format!("{base}/{}/", call.bucket)),
            headers,
            call.body.clone(),
        )
    }

    fn bodiless_error(&self, response: &HttpResponse) -> Option<Vec<u8>> {
        header_value(response, "x-toy-err").map(String::into_bytes)
    }
}

/// The reply decoding of every operation, for the fuzz targets in `fuzz/` (built with
/// `--cfg fuzzing` only): `status`, `headers` and `body` go through what a reply to `op` goes
/// through (success test, error mapping with HEAD's bodiless rule, the operation's XML or
/// header parsing).
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzz_reply(op: u8, status: u16, headers: &[(String, String)], body: &[u8]) {
    const OPS: [ObjectOp; 12] = [
        ObjectOp::PutBucket,
        ObjectOp::HeadBucket,
        ObjectOp::PutObject,
        ObjectOp::HeadObject,
        ObjectOp::GetObject,
        ObjectOp::DeleteObject,
        ObjectOp::InitiateMultipartUpload,
        ObjectOp::UploadPart,
        ObjectOp::CompleteMultipartUpload,
        ObjectOp::AbortMultipartUpload,
        ObjectOp::ListMultipartUploads,
        ObjectOp::ListParts,
    ];
    let op = OPS[usize::from(op) % OPS.len()];
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let Ok(reply) = builder.body(Bytes::copy_from_slice(body)) else {
        return;
    };
    let error_in_200 = op == ObjectOp::CompleteMultipartUpload
        && xml::root_name(reply.body()).as_deref() == Some("Error");
    if !(200..300).contains(&status) || error_in_200 {
        let _ = error_from(&Toy, op, &reply);
        return;
    }
    let _ = object_head::<Toy>(op, &reply);
    let _ = put_outcome::<Toy>(op, &reply, String::new());
    let _ = xml::parse::<xml::InitiateResult>(body);
    let _ = xml::parse::<xml::CompleteResult>(body);
    if let Some(page) = xml::parse::<xml::ListUploadsResult>(body) {
        for u in &page.uploads {
            let _ = u
                .initiated
                .as_deref()
                .and_then(crate::time_fmt::parse_rfc3339);
        }
    }
    if let Some(page) = xml::parse::<xml::ListPartsResult>(body) {
        for p in page.parts {
            let _ = xml::non_empty(p.crc64).map(|c| c.parse::<u64>());
        }
    }
}

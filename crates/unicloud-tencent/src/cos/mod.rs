//! The COS (Tencent Cloud Object Storage) REST client: buckets, single PUTs, ranged GETs and
//! multipart uploads, in the vendor-neutral shapes of [`unicloud_core::object`].
//!
//! Requests go to `https://<bucket>.cos.<region>.myqcloud.com/<key>` (bucket names carry their
//! `-<appid>` suffix). With an endpoint override in the [`ClientConfig`] (for `cos`, else for
//! every service) the request is sent to that base URL with the path `/<key>`, and still carries
//! and signs `Host: <bucket>.cos.<region>.myqcloud.com`, as cos-python-sdk-v5 does with an IP
//! endpoint; that is how the emulator tells buckets apart.
//!
//! Every attempt is signed afresh (`q-sign-algorithm=sha1`, a key time around the configured
//! clock's now) with the credentials of that moment, including `x-cos-security-token` for
//! temporary ones; retries follow the configured policy and each call's idempotency (initiate
//! and complete are never repeated after a failure that may have been applied). Failures are
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

mod xml;

#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use unicloud_core::object::{
    MultipartUpload, ObjectHead, PartOutcome, PutOptions, PutOutcome, UploadedPart,
};
use unicloud_core::signing::rfc3986_encode;
use unicloud_core::transport::{
    Bytes, HttpRequest, HttpResponse, Protocol, Transport, TransportBuilder, build_request,
    header_value, http::Method,
};
use unicloud_core::{
    ClientConfig, Credentials, Error, ErrorKind, Idempotency, Provider, Region,
    SharedCredentialsProvider,
};

use crate::sign::{Credential, cos};

/// The service name endpoint overrides are looked up under.
const SERVICE: &str = "cos";

/// The key time window: from this many seconds before the clock's now ...
const KEY_TIME_BEFORE: i64 = 60;
/// ... to this many seconds after it.
const KEY_TIME_AFTER: i64 = 900;

/// The largest part number COS accepts.
const MAX_PART_NUMBER: u32 = 10_000;

/// A COS client for one region; cheap to clone.
///
/// Built with [`CosClient::builder`]; see the [module documentation](self) for an example.
/// `Debug` shows the region and configuration, never a secret.
#[derive(Clone)]
pub struct CosClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    /// Seconds before and after now that a signature's key time covers.
    key_time: (i64, i64),
}

/// Builds a [`CosClient`].
pub struct CosClientBuilder {
    region: Region,
    transport: TransportBuilder,
}

/// The COS operations, named as COS's API reference names them (the error's operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    PutBucket,
    HeadBucket,
    PutObject,
    HeadObject,
    GetObject,
    DeleteObject,
    InitiateMultipartUpload,
    UploadPart,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListMultipartUploads,
    ListParts,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::PutBucket => "PutBucket",
            Op::HeadBucket => "HeadBucket",
            Op::PutObject => "PutObject",
            Op::HeadObject => "HeadObject",
            Op::GetObject => "GetObject",
            Op::DeleteObject => "DeleteObject",
            Op::InitiateMultipartUpload => "InitiateMultipartUpload",
            Op::UploadPart => "UploadPart",
            Op::CompleteMultipartUpload => "CompleteMultipartUpload",
            Op::AbortMultipartUpload => "AbortMultipartUpload",
            Op::ListMultipartUploads => "ListMultipartUploads",
            Op::ListParts => "ListParts",
        }
    }

    fn method(self) -> Method {
        match self {
            Op::PutBucket | Op::PutObject | Op::UploadPart => Method::PUT,
            Op::HeadBucket | Op::HeadObject => Method::HEAD,
            Op::GetObject | Op::ListMultipartUploads | Op::ListParts => Method::GET,
            Op::DeleteObject | Op::AbortMultipartUpload => Method::DELETE,
            Op::InitiateMultipartUpload | Op::CompleteMultipartUpload => Method::POST,
        }
    }

    /// Whether repeating the call after an unknown outcome is harmless.
    fn idempotency(self) -> Idempotency {
        match self {
            Op::InitiateMultipartUpload | Op::CompleteMultipartUpload => Idempotency::NotIdempotent,
            _ => Idempotency::Idempotent,
        }
    }
}

/// One COS request before signing.
#[derive(Debug, Clone)]
struct ObjCall {
    op: Op,
    bucket: String,
    /// The decoded object key; `None` for bucket-level requests.
    key: Option<String>,
    /// Decoded query parameters, in the order sent; all are signed.
    query: Vec<(&'static str, String)>,
    /// Headers besides `Host`, `Content-Length` and `Authorization`.
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl ObjCall {
    fn new(op: Op, bucket: &str, key: Option<&str>) -> Self {
        Self {
            op,
            bucket: bucket.to_owned(),
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }
}

impl CosClient {
    /// Starts a builder for `region`, which must be a [`Provider::Tencent`] region.
    pub fn builder(region: Region) -> CosClientBuilder {
        CosClientBuilder {
            transport: Transport::builder(Provider::Tencent, region.clone()),
            region,
        }
    }

    /// The region buckets are addressed in.
    pub fn region(&self) -> &Region {
        self.inner.transport.region()
    }

    /// The client configuration.
    pub fn config(&self) -> &ClientConfig {
        self.inner.transport.config()
    }

    /// Creates `bucket` (PUT Bucket). An existing bucket is an
    /// [`ErrorKind::AlreadyExists`] error (`BucketAlreadyOwnedByYou` when it is the caller's).
    pub async fn put_bucket(&self, bucket: &str) -> Result<(), Error> {
        check_bucket(Op::PutBucket, bucket)?;
        let call = ObjCall::new(Op::PutBucket, bucket, None);
        self.send(&call).await.map(drop)
    }

    /// Checks that `bucket` exists and is accessible (HEAD Bucket): a missing bucket is
    /// [`ErrorKind::NotFound`].
    pub async fn head_bucket(&self, bucket: &str) -> Result<(), Error> {
        check_bucket(Op::HeadBucket, bucket)?;
        let call = ObjCall::new(Op::HeadBucket, bucket, None);
        self.send(&call).await.map(drop)
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
        check_object(Op::PutObject, bucket, key)?;
        let mut call = ObjCall::new(Op::PutObject, bucket, Some(key)).body(body);
        call.headers = put_headers(Op::PutObject, opts)?;
        let reply = self.send(&call).await?;
        let etag = header_value(&reply, "etag").unwrap_or_default();
        put_outcome(Op::PutObject, &reply, etag)
    }

    /// Reads `key`'s metadata (HEAD Object): size, ETag, CRC-64, content type, last
    /// modification, version, storage class and user metadata. A missing object is
    /// [`ErrorKind::NotFound`].
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectHead, Error> {
        check_object(Op::HeadObject, bucket, key)?;
        let call = ObjCall::new(Op::HeadObject, bucket, Some(key));
        let reply = self.send(&call).await?;
        object_head(Op::HeadObject, &reply)
    }

    /// Reads `key` (GET Object), the whole object or only the bytes in `range`
    /// (`start..end`, end exclusive; an empty range is invalid input).
    pub async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<Bytes, Error> {
        check_object(Op::GetObject, bucket, key)?;
        let mut call = ObjCall::new(Op::GetObject, bucket, Some(key));
        if let Some(r) = range {
            if r.start >= r.end {
                return Err(invalid(
                    Op::GetObject,
                    format!("empty byte range {}..{}", r.start, r.end),
                ));
            }
            call = call.header("Range", format!("bytes={}-{}", r.start, r.end - 1));
        }
        Ok(self.send(&call).await?.into_body())
    }

    /// Deletes `key` (DELETE Object).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), Error> {
        check_object(Op::DeleteObject, bucket, key)?;
        let call = ObjCall::new(Op::DeleteObject, bucket, Some(key));
        self.send(&call).await.map(drop)
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
        let op = Op::InitiateMultipartUpload;
        check_object(op, bucket, key)?;
        let mut call = ObjCall::new(op, bucket, Some(key)).query("uploads", "");
        call.headers = put_headers(op, opts)?;
        let reply = self.send(&call).await?;
        xml::parse::<xml::InitiateResult>(reply.body())
            .and_then(|r| xml::non_empty(r.upload_id))
            .ok_or_else(|| bad_reply(op, &reply, "no UploadId in the reply"))
    }

    /// Uploads part `part_number` (1 to 10000) of an upload (Upload Part) and returns its
    /// ETag and CRC-64.
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Bytes,
    ) -> Result<PartOutcome, Error> {
        let op = Op::UploadPart;
        check_upload(op, bucket, key, upload_id)?;
        check_part_number(op, part_number)?;
        let call = ObjCall::new(op, bucket, Some(key))
            .query("partNumber", part_number.to_string())
            .query("uploadId", upload_id)
            .body(body);
        let reply = self.send(&call).await?;
        let etag = header_value(&reply, "etag")
            .filter(|e| !e.is_empty())
            .ok_or_else(|| bad_reply(op, &reply, "no ETag in the reply"))?;
        let crc64 = crc64(op, &reply)?;
        let mut out = PartOutcome::default();
        out.etag = etag;
        out.crc64 = crc64;
        Ok(out)
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
        let op = Op::CompleteMultipartUpload;
        check_upload(op, bucket, key, upload_id)?;
        let parts = sorted_parts(op, parts)?;
        let call = ObjCall::new(op, bucket, Some(key))
            .query("uploadId", upload_id)
            .body(Bytes::from(xml::complete_body(&parts)));
        let reply = self.send(&call).await?;
        let etag = xml::parse::<xml::CompleteResult>(reply.body())
            .and_then(|r| xml::non_empty(r.etag))
            .or_else(|| header_value(&reply, "etag"))
            .unwrap_or_default();
        put_outcome(op, &reply, etag)
    }

    /// Aborts an upload and drops its parts (Abort Multipart Upload).
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), Error> {
        let op = Op::AbortMultipartUpload;
        check_upload(op, bucket, key, upload_id)?;
        let call = ObjCall::new(op, bucket, Some(key)).query("uploadId", upload_id);
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
        let op = Op::ListMultipartUploads;
        check_bucket(op, bucket)?;
        let mut out = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let mut call = ObjCall::new(op, bucket, None).query("uploads", "");
            if let Some(p) = prefix.filter(|p| !p.is_empty()) {
                call = call.query("prefix", p);
            }
            if let Some((k, u)) = &markers {
                call = call.query("key-marker", k.clone());
                call = call.query("upload-id-marker", u.clone());
            }
            let reply = self.send(&call).await?;
            let page = xml::parse::<xml::ListUploadsResult>(reply.body())
                .ok_or_else(|| bad_reply(op, &reply, "not a ListMultipartUploadsResult"))?;
            for u in page.uploads {
                let mut upload = MultipartUpload::new(u.key, u.upload_id);
                if let Some(t) = u
                    .initiated
                    .as_deref()
                    .and_then(unicloud_core::time_fmt::parse_rfc3339)
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
                return Err(bad_reply(
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
        let op = Op::ListParts;
        check_upload(op, bucket, key, upload_id)?;
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut call = ObjCall::new(op, bucket, Some(key)).query("uploadId", upload_id);
            if let Some(m) = &marker {
                call = call.query("part-number-marker", m.clone());
            }
            let reply = self.send(&call).await?;
            let page = xml::parse::<xml::ListPartsResult>(reply.body())
                .ok_or_else(|| bad_reply(op, &reply, "not a ListPartsResult"))?;
            for p in page.parts {
                let crc64 = match xml::non_empty(p.crc64) {
                    Some(c) => Some(c.parse::<u64>().map_err(|_| {
                        bad_reply(op, &reply, "a part's HashCrc64ecma is not a number")
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
                return Err(bad_reply(
                    op,
                    &reply,
                    "a truncated listing without a new NextPartNumberMarker",
                ));
            }
            marker = next;
        }
    }

    /// Sends `call` under the retry policy and its operation's idempotency.
    async fn send(&self, call: &ObjCall) -> Result<HttpResponse, Error> {
        self.inner
            .transport
            .call(&*self.inner, call, call.op.idempotency())
            .await
            .map_err(|e| e.with_operation(call.op.name()))
    }
}

impl Protocol for Inner {
    type Call = ObjCall;
    type Output = HttpResponse;

    fn sign(
        &self,
        call: &ObjCall,
        creds: &Credentials,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let key_time = cos::KeyTime::new(now - self.key_time.0, now + self.key_time.1)
            .map_err(|e| invalid(call.op, format!("cannot sign the request: {e}")))?;
        let region = self.transport.region().as_str();
        let base = self.transport.config().endpoint_for(SERVICE);
        sign_call(call, creds, region, base, key_time)
    }

    fn decode(&self, call: &ObjCall, response: HttpResponse) -> Result<HttpResponse, Error> {
        let status = response.status().as_u16();
        let error_in_200 = call.op == Op::CompleteMultipartUpload
            && xml::root_name(response.body()).as_deref() == Some("Error");
        if (200..300).contains(&status) && !error_in_200 {
            return Ok(response);
        }
        Err(error_from(call.op, &response))
    }
}

/// The virtual host of `bucket` in `region`.
fn virtual_host(bucket: &str, region: &str) -> String {
    format!("{bucket}.cos.{region}.myqcloud.com")
}

/// Builds and signs the request for `call`: sent to `base` (the endpoint override) when
/// given, else to the bucket's virtual host, and always carrying and signing the virtual host
/// as `Host`.
fn sign_call(
    call: &ObjCall,
    creds: &Credentials,
    region: &str,
    base: Option<&str>,
    key_time: cos::KeyTime,
) -> Result<HttpRequest, Error> {
    let host = virtual_host(&call.bucket, region);
    let path = format!("/{}", call.key.as_deref().unwrap_or(""));
    let encoded_path = path
        .split('/')
        .map(rfc3986_encode)
        .collect::<Vec<_>>()
        .join("/");
    let base = base.map_or_else(
        || format!("https://{host}"),
        |b| b.trim_end_matches('/').to_owned(),
    );
    let query: Vec<String> = call
        .query
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                rfc3986_encode(k)
            } else {
                format!("{}={}", rfc3986_encode(k), rfc3986_encode(v))
            }
        })
        .collect();
    let mut url = format!("{base}{encoded_path}");
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }

    let method = call.op.method();
    let mut headers: Vec<(String, String)> = vec![("Host".to_owned(), host)];
    // Requests with a body state its length (and sign it); bodiless ones send none.
    if matches!(method, Method::PUT | Method::POST) {
        headers.push(("Content-Length".to_owned(), call.body.len().to_string()));
    }
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
    .map_err(|e| invalid(call.op, format!("cannot sign the request: {e}")))?;
    headers.push(("Authorization".to_owned(), sig.authorization));
    tracing::debug!(operation = call.op.name(), "cos request");
    build_request(method, &url, headers, call.body.clone()).map_err(|e| {
        e.with_provider(Provider::Tencent)
            .with_operation(call.op.name())
    })
}

/// The error a failed reply means: the `<Error>` body's code decides the kind, else the HTTP
/// status (HEAD replies have no body).
fn error_from(op: Op, response: &HttpResponse) -> Error {
    let status = response.status().as_u16();
    let body = if op.method() == Method::HEAD {
        xml::ErrorBody::default()
    } else {
        xml::parse::<xml::ErrorBody>(response.body()).unwrap_or_default()
    };
    let code = xml::non_empty(body.code);
    let kind = code
        .as_deref()
        .and_then(|c| xml::COS_CODES.kind_of(c))
        .unwrap_or_else(|| kind_of_status(status));
    let message = xml::non_empty(body.message).unwrap_or_else(|| format!("HTTP {status} from COS"));
    let mut err = Error::new(kind, message)
        .with_provider(Provider::Tencent)
        .with_operation(op.name())
        .with_status(status);
    if let Some(code) = code {
        err = err.with_code(code);
    }
    if let Some(id) = xml::non_empty(body.request_id).or_else(|| request_id(response)) {
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

fn request_id(response: &HttpResponse) -> Option<String> {
    header_value(response, "x-cos-request-id")
}

/// The headers `opts` asks for.
fn put_headers(op: Op, opts: &PutOptions) -> Result<Vec<(String, String)>, Error> {
    let mut headers = Vec::new();
    if let Some(ct) = &opts.content_type {
        headers.push(("Content-Type".to_owned(), ct.clone()));
    }
    for (name, value) in &opts.metadata {
        if name.is_empty() {
            return Err(invalid(op, "a metadata name is empty"));
        }
        headers.push((
            format!("x-cos-meta-{}", name.to_ascii_lowercase()),
            value.clone(),
        ));
    }
    if let Some(class) = &opts.storage_class {
        headers.push(("x-cos-storage-class".to_owned(), class.clone()));
    }
    if let Some(sse) = &opts.server_side_encryption {
        headers.push(("x-cos-server-side-encryption".to_owned(), sse.clone()));
    }
    Ok(headers)
}

/// A whole-object write's outcome from its reply.
fn put_outcome(op: Op, reply: &HttpResponse, etag: String) -> Result<PutOutcome, Error> {
    let mut out = PutOutcome::default();
    out.etag = etag;
    out.crc64 = crc64(op, reply)?;
    out.version_id = header_value(reply, "x-cos-version-id");
    out.request_id = request_id(reply);
    Ok(out)
}

/// `x-cos-hash-crc64ecma` as a number; a value that is not one is an invalid reply (a
/// checksum must never be silently dropped).
fn crc64(op: Op, reply: &HttpResponse) -> Result<Option<u64>, Error> {
    match header_value(reply, "x-cos-hash-crc64ecma") {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad_reply(op, reply, "x-cos-hash-crc64ecma is not a decimal number")),
    }
}

/// An object's metadata from a HEAD reply.
fn object_head(op: Op, reply: &HttpResponse) -> Result<ObjectHead, Error> {
    let mut head = ObjectHead::default();
    head.size = match header_value(reply, "content-length") {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| bad_reply(op, reply, "Content-Length is not a number"))?,
        None => 0,
    };
    head.etag = header_value(reply, "etag").unwrap_or_default();
    head.crc64 = crc64(op, reply)?;
    head.content_type = header_value(reply, "content-type");
    head.last_modified = header_value(reply, "last-modified")
        .as_deref()
        .and_then(parse_http_date);
    head.version_id = header_value(reply, "x-cos-version-id");
    head.storage_class = header_value(reply, "x-cos-storage-class");
    head.metadata = reply
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            let name = name.as_str().strip_prefix("x-cos-meta-")?;
            Some((name.to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    Ok(head)
}

/// Parses an HTTP date (`Mon, 23 Nov 2026 14:15:26 GMT`).
fn parse_http_date(s: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), format)
        .ok()
        .map(|t| t.assume_utc().into())
}

/// The parts in part-number order; empty lists, numbers out of range and repeats are invalid.
fn sorted_parts(op: Op, parts: &[(u32, String)]) -> Result<Vec<(u32, String)>, Error> {
    if parts.is_empty() {
        return Err(invalid(op, "no parts to complete the upload with"));
    }
    let mut sorted = parts.to_vec();
    sorted.sort_by_key(|(n, _)| *n);
    for (i, (number, etag)) in sorted.iter().enumerate() {
        check_part_number(op, *number)?;
        if i > 0 && sorted[i - 1].0 == *number {
            return Err(invalid(op, format!("part {number} is listed twice")));
        }
        if etag.is_empty() {
            return Err(invalid(op, format!("part {number} has an empty ETag")));
        }
    }
    Ok(sorted)
}

fn invalid(op: Op, message: impl Into<String>) -> Error {
    Error::invalid_input(message)
        .with_provider(Provider::Tencent)
        .with_operation(op.name())
}

/// A successful reply we cannot read.
fn bad_reply(op: Op, reply: &HttpResponse, what: &str) -> Error {
    let mut err = Error::new(
        ErrorKind::InvalidResponse,
        format!("unexpected reply: {what}"),
    )
    .with_provider(Provider::Tencent)
    .with_operation(op.name())
    .with_status(reply.status().as_u16());
    if let Some(id) = request_id(reply) {
        err = err.with_request_id(id);
    }
    err
}

/// A bucket name COS can address as a host label: `[a-z0-9-]`, not starting or ending with
/// `-`, at most 63 characters.
fn check_bucket(op: Op, bucket: &str) -> Result<(), Error> {
    if bucket.is_empty() {
        return Err(invalid(op, "the bucket name is empty"));
    }
    let valid = bucket.len() <= 63
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if !valid {
        return Err(invalid(
            op,
            format!("invalid bucket name `{bucket}`: expected lower-case letters, digits and `-`"),
        ));
    }
    Ok(())
}

fn check_object(op: Op, bucket: &str, key: &str) -> Result<(), Error> {
    check_bucket(op, bucket)?;
    if key.is_empty() {
        return Err(invalid(op, "the object key is empty"));
    }
    Ok(())
}

fn check_upload(op: Op, bucket: &str, key: &str, upload_id: &str) -> Result<(), Error> {
    check_object(op, bucket, key)?;
    if upload_id.is_empty() {
        return Err(invalid(op, "the upload id is empty"));
    }
    Ok(())
}

fn check_part_number(op: Op, part_number: u32) -> Result<(), Error> {
    if !(1..=MAX_PART_NUMBER).contains(&part_number) {
        return Err(invalid(
            op,
            format!("part number {part_number} is outside 1..={MAX_PART_NUMBER}"),
        ));
    }
    Ok(())
}

impl CosClientBuilder {
    /// Uses these credentials (explicit keys, or any provider such as an STS role); without
    /// them Tencent Cloud's default chain is used, as for
    /// [`TencentClient`](crate::client::TencentClient).
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

    /// Builds the client; a region of another provider is [`ErrorKind::InvalidInput`].
    pub fn build(self) -> Result<CosClient, Error> {
        if self.region.provider() != Provider::Tencent {
            return Err(Error::invalid_input(format!(
                "COS needs a Tencent Cloud region, not {}",
                self.region.provider()
            ))
            .with_provider(Provider::Tencent));
        }
        #[cfg(feature = "sts")]
        let transport = self.transport.role_assumer(crate::sts::role_assumer);
        #[cfg(not(feature = "sts"))]
        let transport = self.transport;
        Ok(CosClient {
            inner: Arc::new(Inner {
                transport: transport.build()?,
                key_time: (KEY_TIME_BEFORE, KEY_TIME_AFTER),
            }),
        })
    }
}

impl fmt::Debug for CosClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosClient")
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CosClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosClientBuilder")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

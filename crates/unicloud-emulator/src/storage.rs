//! Object storage (S3, COS, OSS): the engine the three front-ends share.
//!
//! A front-end (`aws/s3.rs`, `tencent/cos.rs`, `alibaba/oss.rs`) finds the bucket and key
//! from the host and path, checks its vendor's signature on the request head and hands a
//! [`StorageRequest`] to [`serve`] with a [`Vendor`] describing its wire words (header
//! prefixes, XML namespace, error shape, minimum part size). [`serve`] finds the action from
//! method, bucket, key and sub-resource, applies fault rules by the vendor's action name,
//! streams the body (hashing MD5, CRC-64/XZ, SHA-256 and any S3 additional checksum as it
//! arrives, decoding `aws-chunked` and checking its chunk signatures and trailers on the way),
//! then commits to the cloud's store (`model/storage.rs`) under that store's lock only.
//!
//! Bodies are never buffered twice: bytes go once into memory or into a file of the data
//! directory. Object routes accept up to 5 GiB per body (the vendors' single-PUT and part
//! limit) and never more than the storage budget left ([`EmulatorBuilder::max_storage_bytes`]);
//! past either the answer is `EntityTooLarge` (HTTP 400) in the vendor's shape. Request
//! bodies that are XML (CompleteMultipartUpload) are bound by the API limit instead.
//!
//! [`EmulatorBuilder::max_storage_bytes`]: crate::EmulatorBuilder::max_storage_bytes

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use futures::StreamExt as _;
use md5::Digest as _;
use unicloud_core::Provider;

use crate::auth::ApiError;
use crate::faults::FaultKind;
use crate::model::lock;
use crate::model::storage::{
    Blob, Checksum, ChecksumAlg, Content, Object, Part, Store, StoreError, UploadSpec,
};
use crate::server::{Incoming, Shared};
use crate::util::{iso8601_millis, parse_pairs, xml_escape as x};
use crate::wire::xml::DECLARATION;

/// The largest object body accepted on one request (S3's single-PUT and part limit; COS and
/// OSS have the same).
pub(crate) const MAX_OBJECT_BODY: u64 = 5 * 1024 * 1024 * 1024;

/// The default storage budget per emulator (all clouds together).
pub(crate) const DEFAULT_MAX_STORAGE: u64 = 2 * 1024 * 1024 * 1024;

/// At most this many parts per upload (all three vendors).
const MAX_PARTS: u32 = 10_000;

/// Answers a storage request for `cloud`.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    cloud: Provider,
    req: Incoming,
    body: Body,
) -> Response {
    match cloud {
        Provider::Aws => crate::aws::s3::handle(shared, req, body).await,
        Provider::Tencent => crate::tencent::cos::handle(shared, req, body).await,
        _ => crate::alibaba::oss::handle(shared, req, body).await,
    }
}

/// How a vendor words object storage.
pub(crate) struct Vendor {
    pub(crate) provider: Provider,
    /// `x-amz-`, `x-cos-`, `x-oss-`.
    pub(crate) prefix: &'static str,
    /// The request-id response header.
    pub(crate) request_id_header: &'static str,
    /// The XML namespace of replies, if any.
    pub(crate) xmlns: Option<&'static str>,
    /// The smallest part other than the last, by default.
    pub(crate) min_part: u64,
    /// Whether ETags are upper-case hex (OSS).
    pub(crate) upper_etag: bool,
    /// The decimal CRC-64/XZ header (`x-cos-hash-crc64ecma`), if the vendor sends one.
    pub(crate) crc64_header: Option<&'static str>,
    /// The default storage class as the vendor spells it.
    pub(crate) default_class: &'static str,
    /// The action names of bucket creation and multipart initiation.
    pub(crate) create_bucket: &'static str,
    pub(crate) initiate: &'static str,
    /// Throttling and server errors, for fault injection.
    pub(crate) throttle: (u16, &'static str, &'static str),
    pub(crate) server_error: (u16, &'static str, &'static str),
    /// Writes an error (no body for HEAD).
    pub(crate) error: fn(&StorageRequest<'_>, &ApiError) -> Response,
}

/// How an S3 body is encoded and what covers it (always [`Payload::Plain`] for COS and OSS).
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    /// The bytes as sent, nothing to check beyond Content-MD5.
    Plain,
    /// The bytes as sent, whose SHA-256 must be this hex.
    Sha256(String),
    /// `aws-chunked`: chunks with signatures (when `signer` is set) and maybe trailers.
    Chunked { signer: Option<ChunkSigner> },
}

/// What checks `aws-chunked` chunk and trailer signatures.
#[derive(Debug, Clone)]
pub(crate) struct ChunkSigner {
    pub(crate) signing_key: Vec<u8>,
    pub(crate) amz_date: String,
    pub(crate) scope: String,
    /// The seed: the request's own signature.
    pub(crate) seed: String,
}

/// A storage request, its signature checked.
pub(crate) struct StorageRequest<'a> {
    pub(crate) req: &'a Incoming,
    pub(crate) bucket: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) region: String,
    pub(crate) payload: Payload,
    pub(crate) rid: String,
    /// The owner id written in listings.
    pub(crate) owner: String,
}

impl StorageRequest<'_> {
    /// The resource an error names (`/bucket/key`).
    pub(crate) fn resource(&self) -> String {
        match (&self.bucket, &self.key) {
            (Some(b), Some(k)) => format!("/{b}/{k}"),
            (Some(b), None) => format!("/{b}"),
            _ => "/".to_owned(),
        }
    }

    fn query(&self) -> Vec<(String, String)> {
        parse_pairs(&self.req.query, false)
    }
}

/// The actions served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    ListBuckets,
    CreateBucket,
    HeadBucket,
    DeleteBucket,
    GetBucketLocation,
    GetBucketInfo,
    ListObjects,
    ListObjectsV2,
    ListUploads,
    PutObject,
    GetObject,
    HeadObject,
    DeleteObject,
    Initiate,
    UploadPart,
    Complete,
    Abort,
    ListParts,
}

impl Action {
    fn name(self, v: &Vendor) -> &'static str {
        match self {
            Action::ListBuckets => "ListBuckets",
            Action::CreateBucket => v.create_bucket,
            Action::HeadBucket => "HeadBucket",
            Action::DeleteBucket => "DeleteBucket",
            Action::GetBucketLocation => "GetBucketLocation",
            Action::GetBucketInfo => "GetBucketInfo",
            Action::ListObjects => "ListObjects",
            Action::ListObjectsV2 => "ListObjectsV2",
            Action::ListUploads => "ListMultipartUploads",
            Action::PutObject => "PutObject",
            Action::GetObject => "GetObject",
            Action::HeadObject => "HeadObject",
            Action::DeleteObject => "DeleteObject",
            Action::Initiate => v.initiate,
            Action::UploadPart => "UploadPart",
            Action::Complete => "CompleteMultipartUpload",
            Action::Abort => "AbortMultipartUpload",
            Action::ListParts => "ListParts",
        }
    }
}

/// Sub-resources of the vendors' APIs the emulator does not serve (answered 501).
const UNSERVED: [&str; 24] = [
    "acl",
    "tagging",
    "policy",
    "cors",
    "lifecycle",
    "versioning",
    "website",
    "logging",
    "notification",
    "replication",
    "encryption",
    "object-lock",
    "retention",
    "legal-hold",
    "restore",
    "select",
    "torrent",
    "versions",
    "delete",
    "symlink",
    "append",
    "referer",
    "inventory",
    "attributes",
];

fn find_action(sreq: &StorageRequest<'_>, q: &[(String, String)]) -> Result<Action, ApiError> {
    let has = |n: &str| q.iter().any(|(k, _)| k == n);
    if let Some((k, _)) = q.iter().find(|(k, _)| UNSERVED.contains(&k.as_str())) {
        return Err(ApiError::new(
            501,
            "NotImplemented",
            format!("The `{k}` sub-resource is not emulated."),
        ));
    }
    let m = sreq.req.method.as_str();
    let a = match (m, sreq.bucket.is_some(), sreq.key.is_some()) {
        ("GET", false, _) => Action::ListBuckets,
        ("PUT", true, false) => Action::CreateBucket,
        ("HEAD", true, false) => Action::HeadBucket,
        ("DELETE", true, false) => Action::DeleteBucket,
        ("GET", true, false) if has("uploads") => Action::ListUploads,
        ("GET", true, false) if has("location") => Action::GetBucketLocation,
        ("GET", true, false) if has("bucketInfo") => Action::GetBucketInfo,
        ("GET", true, false) if q.iter().any(|(k, v)| k == "list-type" && v == "2") => {
            Action::ListObjectsV2
        }
        ("GET", true, false) => Action::ListObjects,
        ("PUT", true, true) if has("partNumber") || has("uploadId") => Action::UploadPart,
        ("PUT", true, true) => Action::PutObject,
        ("GET", true, true) if has("uploadId") => Action::ListParts,
        ("GET", true, true) => Action::GetObject,
        ("HEAD", true, true) => Action::HeadObject,
        ("DELETE", true, true) if has("uploadId") => Action::Abort,
        ("DELETE", true, true) => Action::DeleteObject,
        ("POST", true, true) if has("uploads") => Action::Initiate,
        ("POST", true, true) if has("uploadId") => Action::Complete,
        _ => {
            return Err(ApiError::new(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
            ));
        }
    };
    if matches!(a, Action::PutObject)
        && sreq
            .req
            .header(&format!("{}copy-source", prefix_of(sreq)))
            .is_some()
    {
        return Err(ApiError::new(
            501,
            "NotImplemented",
            "Copying objects is not emulated.",
        ));
    }
    Ok(a)
}

fn prefix_of(sreq: &StorageRequest<'_>) -> &'static str {
    if sreq.req.header("x-cos-copy-source").is_some() {
        "x-cos-"
    } else if sreq.req.header("x-oss-copy-source").is_some() {
        "x-oss-"
    } else {
        "x-amz-"
    }
}

/// What a request's fault decision says beyond the errors.
struct Drops {
    after_apply: bool,
    mid_body: bool,
}

/// Serves a storage request whose signature checked out.
pub(crate) async fn serve(
    shared: &Arc<Shared>,
    v: &Vendor,
    sreq: StorageRequest<'_>,
    body: Body,
) -> Response {
    let q = sreq.query();
    let action = match find_action(&sreq, &q) {
        Ok(a) => a,
        Err(e) => return (v.error)(&sreq, &e),
    };
    let name = action.name(v);
    shared.requests.count(v.provider, &sreq.region, name);
    let d = shared
        .faults
        .decide(v.provider, &sreq.region, name, shared.now());
    if !d.latency.is_zero() {
        tokio::time::sleep(d.latency).await;
    }
    let injected = if d.throttle {
        Some(v.throttle)
    } else if d.server_error {
        Some(v.server_error)
    } else if d.reject {
        Some((400, "InvalidArgument", ""))
    } else {
        None
    };
    if let Some((status, code, message)) = injected {
        let message = if message.is_empty() {
            crate::server::rejected_message(name)
        } else {
            message.to_owned()
        };
        return (v.error)(&sreq, &ApiError::new(status, code, message));
    }
    let drops = Drops {
        after_apply: d.drop_after_apply,
        mid_body: d.drop_mid_body,
    };
    let engine = Engine {
        shared,
        v,
        sreq: &sreq,
        q: &q,
        drops: &drops,
    };
    match engine.run(action, body).await {
        Ok(resp) => {
            // A HEAD answer has no body to cut short: hyper would send its headers, with the
            // `Content-Length: 1` of the failing body, as a complete answer. Nothing to apply
            // either, so a HEAD is answered as if no drop had been drawn.
            if drops.after_apply && resp.status().is_success() && sreq.req.method != "HEAD" {
                shared
                    .faults
                    .count(v.provider, name, FaultKind::DropAfterApply);
                return crate::server::dropped_connection();
            }
            resp
        }
        Err(Failure::Api(e)) => (v.error)(&sreq, &e),
        Err(Failure::Dropped) => {
            shared
                .faults
                .count(v.provider, name, FaultKind::DropMidBody);
            crate::server::dropped_connection()
        }
    }
}

/// Why an action did not answer normally.
enum Failure {
    Api(ApiError),
    /// A fault rule cut the body short: drop the connection.
    Dropped,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Api(store_error(e))
    }
}

/// A store refusal in the words the three vendors share.
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NoSuchBucket => {
            ApiError::new(404, "NoSuchBucket", "The specified bucket does not exist.")
        }
        StoreError::NoSuchKey => {
            ApiError::new(404, "NoSuchKey", "The specified key does not exist.")
        }
        StoreError::NoSuchUpload => ApiError::new(
            404,
            "NoSuchUpload",
            "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.",
        ),
        StoreError::BucketAlreadyOwned => ApiError::new(
            409,
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
        ),
        StoreError::BucketNotEmpty => ApiError::new(
            409,
            "BucketNotEmpty",
            "The bucket you tried to delete is not empty.",
        ),
        StoreError::InvalidPart(n) => ApiError::new(
            400,
            "InvalidPart",
            format!(
                "One or more of the specified parts could not be found or its entity tag did not match (part {n})."
            ),
        ),
        StoreError::InvalidPartOrder => ApiError::new(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        ),
        StoreError::EntityTooSmall(n) => ApiError::new(
            400,
            "EntityTooSmall",
            format!("Your proposed upload is smaller than the minimum allowed size (part {n})."),
        ),
        StoreError::MalformedXml => ApiError::new(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        ),
        StoreError::StorageFull => storage_full(),
    }
}

/// The answer when the emulator's storage budget is spent (documented in the crate docs).
fn storage_full() -> ApiError {
    ApiError::new(
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size: the emulator's storage budget (--max-storage-bytes) is used up.",
    )
}

/// One action's run.
struct Engine<'a, 'r> {
    shared: &'a Arc<Shared>,
    v: &'a Vendor,
    sreq: &'a StorageRequest<'r>,
    q: &'a [(String, String)],
    drops: &'a Drops,
}

impl Engine<'_, '_> {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        lock(self.shared.stores.of(self.v.provider))
    }

    fn param(&self, n: &str) -> Option<&str> {
        self.q.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str())
    }

    fn bucket(&self) -> &str {
        self.sreq.bucket.as_deref().unwrap_or_default()
    }

    fn key(&self) -> &str {
        self.sreq.key.as_deref().unwrap_or_default()
    }

    fn now(&self) -> SystemTime {
        self.shared.now()
    }

    fn max(&self) -> u64 {
        self.shared.max_storage_bytes
    }

    fn ok(&self, status: StatusCode) -> Response {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = status;
        set(&mut r, self.v.request_id_header, &self.sreq.rid);
        r
    }

    fn xml(&self, body: String) -> Response {
        let mut r = Response::new(Body::from(format!("{DECLARATION}{body}")));
        set(&mut r, self.v.request_id_header, &self.sreq.rid);
        set(&mut r, "content-type", "application/xml");
        r
    }

    fn ns(&self) -> String {
        self.v
            .xmlns
            .map(|n| format!(" xmlns=\"{n}\""))
            .unwrap_or_default()
    }

    fn etag(&self, raw: &str) -> String {
        if self.v.upper_etag {
            format!("\"{}\"", raw.to_ascii_uppercase())
        } else {
            format!("\"{raw}\"")
        }
    }

    fn owner(&self) -> String {
        let o = x(&self.sreq.owner);
        format!("<ID>{o}</ID><DisplayName>{o}</DisplayName>")
    }

    async fn run(&self, action: Action, body: Body) -> Result<Response, Failure> {
        match action {
            Action::ListBuckets => self.list_buckets(),
            Action::CreateBucket => self.create_bucket(),
            Action::HeadBucket => {
                let region = self.store().bucket(self.bucket())?.region.clone();
                let mut r = self.ok(StatusCode::OK);
                set(&mut r, &format!("{}bucket-region", self.v.prefix), &region);
                Ok(r)
            }
            Action::DeleteBucket => {
                self.store().delete_bucket(self.bucket())?;
                Ok(self.ok(StatusCode::NO_CONTENT))
            }
            Action::GetBucketLocation => {
                let region = self.store().bucket(self.bucket())?.region.clone();
                Ok(self.xml(format!(
                    "<LocationConstraint{}>{}</LocationConstraint>",
                    self.ns(),
                    x(&region)
                )))
            }
            Action::GetBucketInfo => self.bucket_info(),
            Action::ListObjects => self.list_objects(false),
            Action::ListObjectsV2 => self.list_objects(true),
            Action::ListUploads => self.list_uploads(),
            Action::PutObject => self.put_object(body).await,
            Action::GetObject => self.get_object(false),
            Action::HeadObject => self.get_object(true),
            Action::DeleteObject => {
                self.store().delete_object(self.bucket(), self.key())?;
                Ok(self.ok(StatusCode::NO_CONTENT))
            }
            Action::Initiate => self.initiate(),
            Action::UploadPart => self.upload_part(body).await,
            Action::Complete => self.complete(body).await,
            Action::Abort => {
                let id = self.param("uploadId").unwrap_or_default().to_owned();
                self.store()
                    .finish_upload(self.bucket(), self.key(), &id, None, self.max())?;
                Ok(self.ok(StatusCode::NO_CONTENT))
            }
            Action::ListParts => self.list_parts(),
        }
    }

    fn list_buckets(&self) -> Result<Response, Failure> {
        let store = self.store();
        let mut items = String::new();
        for b in store.buckets.values() {
            items.push_str(&format!(
                "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate><Location>{}</Location></Bucket>",
                x(&b.name),
                iso8601_millis(b.created),
                x(&b.region)
            ));
        }
        Ok(self.xml(format!(
            "<ListAllMyBucketsResult{}><Owner>{}</Owner><Buckets>{items}</Buckets></ListAllMyBucketsResult>",
            self.ns(),
            self.owner()
        )))
    }

    fn create_bucket(&self) -> Result<Response, Failure> {
        let name = self.bucket();
        if !valid_bucket_name(name) {
            return Err(ApiError::new(
                400,
                "InvalidBucketName",
                "The specified bucket is not valid.",
            )
            .into());
        }
        self.store()
            .create_bucket(name, &self.sreq.region, self.now())?;
        let mut r = self.ok(StatusCode::OK);
        set(&mut r, "location", &format!("/{name}"));
        Ok(r)
    }

    fn bucket_info(&self) -> Result<Response, Failure> {
        let store = self.store();
        let b = store.bucket(self.bucket())?;
        Ok(self.xml(format!(
            "<BucketInfo><Bucket><CreationDate>{}</CreationDate><Location>oss-{}</Location><Name>{}</Name><Owner>{}</Owner><StorageClass>{}</StorageClass></Bucket></BucketInfo>",
            iso8601_millis(b.created),
            x(&b.region),
            x(&b.name),
            self.owner(),
            self.v.default_class
        )))
    }

    fn list_objects(&self, v2: bool) -> Result<Response, Failure> {
        let prefix = self.param("prefix").unwrap_or_default();
        let delimiter = self.param("delimiter").unwrap_or_default();
        let max: usize = self
            .param("max-keys")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1000)
            .min(1000);
        let start = if v2 {
            match self.param("continuation-token") {
                Some(t) => {
                    let raw = B64.decode(t).ok().and_then(|b| String::from_utf8(b).ok());
                    raw.ok_or_else(|| {
                        ApiError::new(
                            400,
                            "InvalidArgument",
                            "The continuation token provided is incorrect",
                        )
                    })?
                }
                None => self.param("start-after").unwrap_or_default().to_owned(),
            }
        } else {
            self.param("marker").unwrap_or_default().to_owned()
        };
        let store = self.store();
        let b = store.bucket(self.bucket())?;
        let mut contents = String::new();
        let mut prefixes: Vec<String> = Vec::new();
        let mut count = 0usize;
        let mut last = None;
        let mut truncated = false;
        let from = (
            std::ops::Bound::Excluded(start.clone()),
            std::ops::Bound::Unbounded,
        );
        for (key, o) in b.objects.range(from) {
            if !key.starts_with(prefix) {
                if key.as_str() > prefix {
                    break;
                }
                continue;
            }
            let common = (!delimiter.is_empty())
                .then(|| {
                    key.get(prefix.len()..)
                        .and_then(|rest| rest.find(delimiter))
                        .and_then(|i| key.get(..prefix.len() + i + delimiter.len()))
                })
                .flatten();
            if let Some(cp) = common
                && prefixes.last().map(String::as_str) == Some(cp)
            {
                continue;
            }
            if count == max {
                truncated = true;
                break;
            }
            count += 1;
            last = Some(key.clone());
            if let Some(cp) = common {
                prefixes.push(cp.to_owned());
                continue;
            }
            contents.push_str(&format!(
                "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size><StorageClass>{}</StorageClass>{}</Contents>",
                x(key),
                iso8601_millis(o.last_modified),
                x(&self.etag(&o.etag)),
                o.content.size,
                x(&o.storage_class),
                if v2 { String::new() } else { format!("<Owner>{}</Owner>", self.owner()) }
            ));
        }
        let cps: String = prefixes
            .iter()
            .map(|p| format!("<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", x(p)))
            .collect();
        let next = match (&last, truncated) {
            (Some(k), true) if v2 => format!(
                "<NextContinuationToken>{}</NextContinuationToken>",
                B64.encode(k)
            ),
            (Some(k), true) => format!("<NextMarker>{}</NextMarker>", x(k)),
            _ => String::new(),
        };
        let paging = if v2 {
            let token = self
                .param("continuation-token")
                .map(|t| format!("<ContinuationToken>{}</ContinuationToken>", x(t)))
                .unwrap_or_default();
            let after = self
                .param("start-after")
                .map(|t| format!("<StartAfter>{}</StartAfter>", x(t)))
                .unwrap_or_default();
            format!("<KeyCount>{count}</KeyCount>{token}{after}")
        } else {
            format!("<Marker>{}</Marker>", x(&start))
        };
        let delim = if delimiter.is_empty() {
            String::new()
        } else {
            format!("<Delimiter>{}</Delimiter>", x(delimiter))
        };
        Ok(self.xml(format!(
            "<ListBucketResult{}><Name>{}</Name><Prefix>{}</Prefix>{paging}<MaxKeys>{max}</MaxKeys>{delim}<IsTruncated>{truncated}</IsTruncated>{next}{contents}{cps}</ListBucketResult>",
            self.ns(),
            x(self.bucket()),
            x(prefix)
        )))
    }

    fn list_uploads(&self) -> Result<Response, Failure> {
        let prefix = self.param("prefix").unwrap_or_default();
        let max: usize = self
            .param("max-uploads")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1000)
            .min(1000);
        let key_marker = self.param("key-marker").unwrap_or_default();
        let id_marker = self.param("upload-id-marker").unwrap_or_default();
        let store = self.store();
        let b = store.bucket(self.bucket())?;
        let mut ups: Vec<_> = b
            .uploads
            .values()
            .filter(|u| u.key.starts_with(prefix))
            .filter(|u| {
                key_marker.is_empty()
                    || u.key.as_str() > key_marker
                    || (u.key == key_marker && !id_marker.is_empty() && u.id.as_str() > id_marker)
            })
            .collect();
        ups.sort_by(|a, b| (&a.key, a.initiated, &a.id).cmp(&(&b.key, b.initiated, &b.id)));
        let truncated = ups.len() > max;
        ups.truncate(max);
        let mut items = String::new();
        for u in &ups {
            let alg = u
                .spec
                .checksum_alg
                .map(|a| format!("<ChecksumAlgorithm>{}</ChecksumAlgorithm>", a.name()))
                .unwrap_or_default();
            items.push_str(&format!(
                "<Upload><Key>{}</Key><UploadId>{}</UploadId><Initiator>{}</Initiator><Owner>{}</Owner><StorageClass>{}</StorageClass><Initiated>{}</Initiated>{alg}</Upload>",
                x(&u.key),
                x(&u.id),
                self.owner(),
                self.owner(),
                x(&u.spec.storage_class),
                iso8601_millis(u.initiated)
            ));
        }
        let (nk, ni) = match ups.last() {
            Some(u) if truncated => (u.key.clone(), u.id.clone()),
            _ => (String::new(), String::new()),
        };
        Ok(self.xml(format!(
            "<ListMultipartUploadsResult{}><Bucket>{}</Bucket><KeyMarker>{}</KeyMarker><UploadIdMarker>{}</UploadIdMarker><NextKeyMarker>{}</NextKeyMarker><NextUploadIdMarker>{}</NextUploadIdMarker><Prefix>{}</Prefix><MaxUploads>{max}</MaxUploads><IsTruncated>{truncated}</IsTruncated>{items}</ListMultipartUploadsResult>",
            self.ns(),
            x(self.bucket()),
            x(key_marker),
            x(id_marker),
            x(&nk),
            x(&ni),
            x(prefix)
        )))
    }

    fn list_parts(&self) -> Result<Response, Failure> {
        let id = self.param("uploadId").unwrap_or_default();
        let marker: u32 = self
            .param("part-number-marker")
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        let max: usize = self
            .param("max-parts")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1000)
            .min(1000);
        let store = self.store();
        let u = store.upload(self.bucket(), self.key(), id)?;
        let parts: Vec<&Part> = u
            .parts
            .range(marker.saturating_add(1)..)
            .map(|(_, p)| p)
            .collect();
        let truncated = parts.len() > max;
        let mut items = String::new();
        let mut next = marker;
        for p in parts.iter().take(max) {
            next = p.number;
            let sum = p
                .content
                .checksum
                .as_ref()
                .map(|c| format!("<{0}>{1}</{0}>", c.alg.element(), x(&c.value)))
                .unwrap_or_default();
            items.push_str(&format!(
                "<Part><PartNumber>{}</PartNumber><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size>{sum}</Part>",
                p.number,
                iso8601_millis(p.last_modified),
                x(&self.etag(&p.etag())),
                p.content.size
            ));
        }
        let alg = u
            .spec
            .checksum_alg
            .map(|a| format!("<ChecksumAlgorithm>{}</ChecksumAlgorithm>", a.name()))
            .unwrap_or_default();
        Ok(self.xml(format!(
            "<ListPartsResult{}><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId><Initiator>{}</Initiator><Owner>{}</Owner><StorageClass>{}</StorageClass><PartNumberMarker>{marker}</PartNumberMarker><NextPartNumberMarker>{next}</NextPartNumberMarker><MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>{items}{alg}</ListPartsResult>",
            self.ns(),
            x(self.bucket()),
            x(self.key()),
            x(id),
            self.owner(),
            self.owner(),
            x(&u.spec.storage_class)
        )))
    }

    /// User metadata and content type and storage class from the request headers.
    fn spec(&self, alg: Option<ChecksumAlg>) -> UploadSpec {
        let meta = format!("{}meta-", self.v.prefix);
        let metadata = self
            .sreq
            .req
            .headers
            .iter()
            .filter_map(|(k, v)| {
                let k = k.to_ascii_lowercase();
                Some((k.strip_prefix(&meta)?.to_owned(), v.clone()))
            })
            .collect();
        UploadSpec {
            content_type: self
                .sreq
                .req
                .header("content-type")
                .unwrap_or("binary/octet-stream")
                .to_owned(),
            metadata,
            storage_class: self
                .sreq
                .req
                .header(&format!("{}storage-class", self.v.prefix))
                .unwrap_or(self.v.default_class)
                .to_owned(),
            checksum_alg: alg,
            full_object: false,
        }
    }

    /// The additional checksum the request declares (S3 only): the algorithm and, when sent
    /// as a header, its value.
    fn declared_checksum(&self) -> Result<Option<(ChecksumAlg, Option<String>)>, ApiError> {
        if self.v.provider != Provider::Aws {
            return Ok(None);
        }
        let req = self.sreq.req;
        for alg in ChecksumAlg::ALL {
            if let Some(v) = req.header(&alg.header()) {
                return Ok(Some((alg, Some(v.trim().to_owned()))));
            }
        }
        if let Some(t) = req.header("x-amz-trailer") {
            let alg = t
                .trim()
                .strip_prefix("x-amz-checksum-")
                .and_then(ChecksumAlg::parse)
                .ok_or_else(|| {
                    ApiError::new(
                        400,
                        "InvalidRequest",
                        "The value of x-amz-trailer is not supported.",
                    )
                })?;
            return Ok(Some((alg, None)));
        }
        Ok(req
            .header("x-amz-sdk-checksum-algorithm")
            .and_then(ChecksumAlg::parse)
            .map(|a| (a, None)))
    }

    /// Receives an object or part body and checks everything that covers it.
    async fn receive(&self, body: Body, alg: Option<ChecksumAlg>) -> Result<Content, Failure> {
        let declared = self.declared_checksum()?;
        let alg = declared.as_ref().map(|(a, _)| *a).or(alg);
        let budget = {
            let store = self.store();
            self.max().saturating_sub(store.used)
        };
        let limit = MAX_OBJECT_BODY.min(budget);
        let declared_len = self
            .sreq
            .req
            .header("x-amz-decoded-content-length")
            .or(self.sreq.req.header("content-length"))
            .and_then(|l| l.trim().parse::<u64>().ok());
        if let Some(len) = declared_len
            && len > limit
        {
            return Err(too_large(len > MAX_OBJECT_BODY).into());
        }
        let received = receive_body(
            body,
            &self.sreq.payload,
            alg,
            limit,
            declared_len,
            self.shared.data_dir.as_deref(),
            self.drops.mid_body,
        )
        .await;
        let r = match received {
            Ok(r) => r,
            Err(BodyError::Dropped) => return Err(Failure::Dropped),
            Err(e) => return Err(body_error(e, limit == budget).into()),
        };
        let discard = |e: ApiError| {
            r.content.blob.discard();
            Failure::Api(e)
        };
        if let (Payload::Sha256(want), Some(got)) = (&self.sreq.payload, &r.sha256)
            && !want.eq_ignore_ascii_case(got)
        {
            return Err(discard(ApiError::new(
                400,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )));
        }
        if let Some(md5) = self.sreq.req.header("content-md5") {
            match B64.decode(md5.trim()) {
                Ok(d) if d.len() == 16 => {
                    if d != r.content.md5 {
                        return Err(discard(ApiError::new(
                            400,
                            "BadDigest",
                            "The Content-MD5 you specified did not match what we received.",
                        )));
                    }
                }
                _ => {
                    return Err(discard(ApiError::new(
                        400,
                        "InvalidDigest",
                        "The Content-MD5 you specified is not valid.",
                    )));
                }
            }
        }
        let content = r.content;
        if let (Some(alg), Some(computed)) = (alg, &content.checksum) {
            let sent = declared.as_ref().and_then(|(_, v)| v.clone()).or_else(|| {
                let h = alg.header();
                r.trailers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&h))
                    .map(|(_, v)| v.trim().to_owned())
            });
            let declared_without_value = declared.as_ref().is_some_and(|(_, v)| v.is_none())
                && self.sreq.req.header("x-amz-trailer").is_some();
            match sent {
                Some(s) if s != computed.value => {
                    content.blob.discard();
                    return Err(ApiError::new(
                        400,
                        "BadDigest",
                        format!(
                            "The {} you specified did not match the calculated checksum.",
                            alg.name()
                        ),
                    )
                    .into());
                }
                None if declared_without_value => {
                    content.blob.discard();
                    return Err(ApiError::new(
                        400,
                        "MalformedTrailerError",
                        "The request contained trailing data that was not well-formed or did not conform to our published schema.",
                    )
                    .into());
                }
                _ => {}
            }
        }
        Ok(content)
    }

    fn content_headers(&self, r: &mut Response, content: &Content, etag: &str) {
        set(r, "etag", &self.etag(etag));
        if let Some(h) = self.v.crc64_header {
            set(r, h, &content.crc64.to_string());
        }
        if let Some(c) = &content.checksum
            && self.v.provider == Provider::Aws
        {
            set(r, &c.alg.header(), &c.value);
            set(r, "x-amz-checksum-type", c.kind);
        }
    }

    async fn put_object(&self, body: Body) -> Result<Response, Failure> {
        // The bucket must exist before the body is read.
        self.store().bucket(self.bucket())?;
        let content = self.receive(body, None).await?;
        let spec = self.spec(None);
        let etag = hex::encode(content.md5);
        let object = Object {
            key: self.key().to_owned(),
            content: content.clone(),
            etag: etag.clone(),
            content_type: spec.content_type,
            metadata: spec.metadata,
            storage_class: spec.storage_class,
            last_modified: self.now(),
            parts: 0,
        };
        if let Err(e) = self.store().put_object(self.bucket(), object, self.max()) {
            content.blob.discard();
            return Err(e.into());
        }
        let mut r = self.ok(StatusCode::OK);
        self.content_headers(&mut r, &content, &etag);
        Ok(r)
    }

    fn get_object(&self, head: bool) -> Result<Response, Failure> {
        let o = self.store().object(self.bucket(), self.key())?.clone();
        let total = o.content.size;
        let range = match self.sreq.req.header("range") {
            Some(r) => parse_range(r, total).map_err(|()| {
                ApiError::new(
                    416,
                    "InvalidRange",
                    "The requested range is not satisfiable",
                )
            })?,
            None => None,
        };
        let (status, (from, to)) = match range {
            Some((a, b)) => (StatusCode::PARTIAL_CONTENT, (a, b + 1)),
            None => (StatusCode::OK, (0, total)),
        };
        let len = to - from;
        // The body is read as it is sent: a large object is never held whole in memory.
        let mut r = Response::new(if head {
            Body::empty()
        } else {
            let chunks = o.content.blob.stream_range(from, to).map_err(|e| {
                tracing::error!("cannot read object {}: {e}", o.key);
                ApiError::new(
                    500,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                )
            })?;
            Body::from_stream(chunks)
        });
        *r.status_mut() = status;
        set(&mut r, self.v.request_id_header, &self.sreq.rid);
        set(&mut r, "content-length", &len.to_string());
        if let Some((a, b)) = range {
            set(&mut r, "content-range", &format!("bytes {a}-{b}/{total}"));
        }
        set(&mut r, "content-type", &o.content_type);
        set(&mut r, "accept-ranges", "bytes");
        set(&mut r, "last-modified", &http_date(o.last_modified));
        set(&mut r, "etag", &self.etag(&o.etag));
        if let Some(h) = self.v.crc64_header {
            set(&mut r, h, &o.content.crc64.to_string());
        }
        for (k, v) in &o.metadata {
            set(&mut r, &format!("{}meta-{k}", self.v.prefix), v);
        }
        if o.storage_class != self.v.default_class || self.v.provider == Provider::Alibaba {
            set(
                &mut r,
                &format!("{}storage-class", self.v.prefix),
                &o.storage_class,
            );
        }
        match self.v.provider {
            Provider::Aws => {
                if o.parts > 0 {
                    set(&mut r, "x-amz-mp-parts-count", &o.parts.to_string());
                }
                let enabled = self
                    .sreq
                    .req
                    .header("x-amz-checksum-mode")
                    .is_some_and(|m| m.eq_ignore_ascii_case("enabled"));
                // A full-object checksum describes the whole object only.
                if enabled
                    && let Some(c) = &o.content.checksum
                    && (range.is_none() || c.kind == "COMPOSITE")
                {
                    set(&mut r, &c.alg.header(), &c.value);
                    set(&mut r, "x-amz-checksum-type", c.kind);
                }
            }
            Provider::Alibaba => {
                let kind = if o.parts > 0 { "Multipart" } else { "Normal" };
                set(&mut r, "x-oss-object-type", kind);
            }
            _ => {
                let kind = if o.parts > 0 { "multipart" } else { "normal" };
                set(&mut r, "x-cos-object-type", kind);
            }
        }
        Ok(r)
    }

    fn initiate(&self) -> Result<Response, Failure> {
        let alg = match self.sreq.req.header("x-amz-checksum-algorithm") {
            Some(a) if self.v.provider == Provider::Aws => {
                Some(ChecksumAlg::parse(a).ok_or_else(|| {
                    ApiError::new(
                        400,
                        "InvalidRequest",
                        "Checksum algorithm provided is unsupported.",
                    )
                })?)
            }
            _ => None,
        };
        let mut spec = self.spec(alg);
        spec.full_object = self
            .sreq
            .req
            .header("x-amz-checksum-type")
            .is_some_and(|t| t.eq_ignore_ascii_case("FULL_OBJECT"));
        if spec.full_object && matches!(alg, Some(ChecksumAlg::Sha1 | ChecksumAlg::Sha256) | None) {
            return Err(ApiError::new(
                400,
                "InvalidRequest",
                "The FULL_OBJECT checksum type needs a CRC checksum algorithm.",
            )
            .into());
        }
        let id = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase();
        self.store()
            .create_upload(self.bucket(), self.key(), &id, spec.clone(), self.now())?;
        let mut r = self.xml(format!(
            "<InitiateMultipartUploadResult{}><Bucket>{}</Bucket><Key>{}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>",
            self.ns(),
            x(self.bucket()),
            x(self.key())
        ));
        if let Some(a) = alg {
            set(&mut r, "x-amz-checksum-algorithm", a.name());
            let kind = if spec.full_object {
                "FULL_OBJECT"
            } else {
                "COMPOSITE"
            };
            set(&mut r, "x-amz-checksum-type", kind);
        }
        Ok(r)
    }

    async fn upload_part(&self, body: Body) -> Result<Response, Failure> {
        let number = self
            .param("partNumber")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| (1..=MAX_PARTS).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "InvalidArgument",
                    format!("Part number must be an integer between 1 and {MAX_PARTS}, inclusive"),
                )
            })?;
        let id = self.param("uploadId").unwrap_or_default().to_owned();
        let alg = self
            .store()
            .upload(self.bucket(), self.key(), &id)?
            .spec
            .checksum_alg;
        let content = self.receive(body, alg).await?;
        if let (Some(want), Some(got)) = (alg, &content.checksum)
            && want != got.alg
        {
            content.blob.discard();
            return Err(ApiError::new(
                400,
                "InvalidRequest",
                format!(
                    "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                    want.name().to_ascii_lowercase(),
                    got.alg.name().to_ascii_lowercase()
                ),
            )
            .into());
        }
        let part = Part {
            number,
            content: content.clone(),
            last_modified: self.now(),
        };
        if let Err(e) = self
            .store()
            .put_part(self.bucket(), self.key(), &id, part, self.max())
        {
            content.blob.discard();
            return Err(e.into());
        }
        let mut r = self.ok(StatusCode::OK);
        self.content_headers(&mut r, &content, &hex::encode(content.md5));
        Ok(r)
    }

    async fn complete(&self, body: Body) -> Result<Response, Failure> {
        let id = self.param("uploadId").unwrap_or_default().to_owned();
        let (spec, alg) = {
            let store = self.store();
            let u = store.upload(self.bucket(), self.key(), &id)?;
            (u.spec.clone(), u.spec.checksum_alg)
        };
        let limit = self.shared.max_body_bytes;
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => {
                return Err(ApiError::new(
                    400,
                    "MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our published schema.",
                )
                .into());
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let element = alg.map(ChecksumAlg::element);
        let listed = parse_complete(&text, element.as_deref()).ok_or(StoreError::MalformedXml)?;
        let min = self.shared.min_part(self.v.provider, self.v.min_part);
        let parts = self
            .store()
            .completion_parts(self.bucket(), self.key(), &id, &listed, min)?;
        let content = assemble(&parts, &spec);
        let mut md5s = Vec::with_capacity(parts.len() * 16);
        for p in &parts {
            md5s.extend_from_slice(&p.content.md5);
        }
        let etag = format!("{}-{}", hex::encode(md5::Md5::digest(&md5s)), parts.len());
        let object = Object {
            key: self.key().to_owned(),
            content: content.clone(),
            etag: etag.clone(),
            content_type: spec.content_type.clone(),
            metadata: spec.metadata.clone(),
            storage_class: spec.storage_class.clone(),
            last_modified: self.now(),
            parts: u32::try_from(parts.len()).unwrap_or(u32::MAX),
        };
        if let Err(e) =
            self.store()
                .finish_upload(self.bucket(), self.key(), &id, Some(object), self.max())
        {
            content.blob.discard();
            return Err(e.into());
        }
        let sum = content
            .checksum
            .as_ref()
            .map(|c| {
                format!(
                    "<{0}>{1}</{0}><ChecksumType>{2}</ChecksumType>",
                    c.alg.element(),
                    x(&c.value),
                    c.kind
                )
            })
            .unwrap_or_default();
        let host = self.sreq.req.host.as_str();
        let mut r = self.xml(format!(
            "<CompleteMultipartUploadResult{}><Location>http://{}/{}/{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>{}</ETag>{sum}</CompleteMultipartUploadResult>",
            self.ns(),
            x(host),
            x(self.bucket()),
            x(self.key()),
            x(self.bucket()),
            x(self.key()),
            x(&self.etag(&etag))
        ));
        set(&mut r, "etag", &self.etag(&etag));
        if let Some(h) = self.v.crc64_header {
            set(&mut r, h, &content.crc64.to_string());
        }
        Ok(r)
    }
}

fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['-', '.'])
}

fn too_large(single: bool) -> ApiError {
    if single {
        ApiError::new(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size.",
        )
    } else {
        storage_full()
    }
}

fn body_error(e: BodyError, budget_bound: bool) -> ApiError {
    match e {
        BodyError::TooLarge => too_large(!budget_bound),
        BodyError::Incomplete => ApiError::new(
            400,
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        ),
        BodyError::BadChunk(m) => ApiError::new(400, "InvalidChunkSizeError", m),
        BodyError::ChunkSignature => ApiError::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided (aws-chunked chunk signature).",
        ),
        BodyError::Io(m) => {
            tracing::error!("storage write failed: {m}");
            ApiError::new(
                500,
                "InternalError",
                "We encountered an internal error. Please try again.",
            )
        }
        BodyError::Dropped => ApiError::new(500, "InternalError", "connection dropped"),
    }
}

/// `(CompleteMultipartUpload body) → [(part number, ETag, checksum)]`; `None` when malformed.
fn parse_complete(
    text: &str,
    checksum_element: Option<&str>,
) -> Option<Vec<(u32, String, Option<String>)>> {
    let inner = |s: &str, tag: &str| -> Option<String> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let start = s.find(&open)? + open.len();
        let end = s.get(start..)?.find(&close)? + start;
        s.get(start..end).map(unescape)
    };
    if !text.contains("<CompleteMultipartUpload") {
        return None;
    }
    let mut out = Vec::new();
    for chunk in text.split("<Part>").skip(1) {
        let part = chunk.split("</Part>").next()?;
        let n = inner(part, "PartNumber")?.trim().parse().ok()?;
        let etag = inner(part, "ETag")?.trim().trim_matches('"').to_owned();
        let sum = checksum_element.and_then(|el| inner(part, el));
        out.push((n, etag, sum));
        if out.len() > MAX_PARTS as usize {
            return None;
        }
    }
    Some(out)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

/// A single `bytes=` range, inclusive, clamped to the object; `Ok(None)` for a range the
/// vendors ignore (not `bytes=`, several ranges), `Err` when unsatisfiable.
fn parse_range(h: &str, total: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || total == 0 {
            return Err(());
        }
        (total.saturating_sub(n), total - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            total.saturating_sub(1)
        } else {
            b.parse::<u64>()
                .map_err(|_| ())?
                .min(total.saturating_sub(1))
        };
        if start >= total || end < start {
            return Err(());
        }
        (start, end)
    };
    Ok(Some(range))
}

/// `Mon, 23 Nov 2026 14:15:26 GMT`.
pub(crate) fn http_date(t: SystemTime) -> String {
    let d = time::OffsetDateTime::from_unix_timestamp(crate::util::unix(t))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let wd = DAYS
        .get(usize::from(d.weekday().number_days_from_monday()))
        .unwrap_or(&"Mon");
    let mon = MONTHS
        .get(usize::from(u8::from(d.month())).saturating_sub(1))
        .unwrap_or(&"Jan");
    format!(
        "{wd}, {:02} {mon} {:04} {:02}:{:02}:{:02} GMT",
        d.day(),
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// Parses `Mon, 23 Nov 2026 14:15:26 GMT` into Unix seconds.
pub(crate) fn parse_http_date(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, mon, year, hms, zone] = parts.as_slice() else {
        return None;
    };
    if *zone != "GMT" && *zone != "UTC" {
        return None;
    }
    let m = MONTHS.iter().position(|x| x == mon)? + 1;
    let iso = format!("{year}-{m:02}-{:02}T{hms}Z", day.parse::<u8>().ok()?);
    crate::util::parse_iso8601(&iso)
}

/// Sets a response header, skipping values that are not valid header text.
pub(crate) fn set(r: &mut Response, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        r.headers_mut().insert(n, v);
    }
}

/// An XML error body with the given elements after Code and Message; HEAD answers carry none.
pub(crate) fn error_xml(
    sreq: &StorageRequest<'_>,
    e: &ApiError,
    id_header: &str,
    extra: &str,
) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let head = sreq.req.method == "HEAD";
    let body = if head {
        Body::empty()
    } else {
        Body::from(format!(
            "{DECLARATION}<Error><Code>{}</Code><Message>{}</Message>{extra}</Error>",
            x(&e.code),
            x(&e.message)
        ))
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    if !head {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
    }
    set(&mut r, id_header, &sreq.rid);
    r
}

// ---------------------------------------------------------------------------------------
// Hashing and body intake.

/// An S3 additional-checksum hasher.
pub(crate) enum AlgHasher {
    /// A CRC, and whether it is 64 bits wide.
    Crc(crc_fast::Digest, bool),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl AlgHasher {
    pub(crate) fn new(alg: ChecksumAlg) -> Self {
        use crc_fast::CrcAlgorithm as C;
        match alg {
            ChecksumAlg::Crc32 => AlgHasher::Crc(crc_fast::Digest::new(C::Crc32IsoHdlc), false),
            ChecksumAlg::Crc32c => AlgHasher::Crc(crc_fast::Digest::new(C::Crc32Iscsi), false),
            ChecksumAlg::Crc64Nvme => AlgHasher::Crc(crc_fast::Digest::new(C::Crc64Nvme), true),
            ChecksumAlg::Sha1 => AlgHasher::Sha1(sha1::Sha1::default()),
            ChecksumAlg::Sha256 => AlgHasher::Sha256(sha2::Sha256::default()),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            AlgHasher::Crc(d, _) => d.update(data),
            AlgHasher::Sha1(h) => h.update(data),
            AlgHasher::Sha256(h) => h.update(data),
        }
    }

    /// The raw checksum (big-endian for CRCs, as S3 encodes them).
    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            AlgHasher::Crc(d, true) => d.finalize().to_be_bytes().to_vec(),
            AlgHasher::Crc(d, false) => u32::try_from(d.finalize() & u64::from(u32::MAX))
                .unwrap_or(0)
                .to_be_bytes()
                .to_vec(),
            AlgHasher::Sha1(h) => h.finalize().to_vec(),
            AlgHasher::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// How many received frames may wait for each of the two workers of a body (hyper hands over
/// at most about 400 KiB a frame, so a few MiB per body in flight).
const PIPELINE_FRAMES: usize = 16;

/// What the storing worker of a body wrote and computed besides the MD5.
struct Stored {
    blob: Blob,
    crc64: u64,
    sha256: Option<String>,
    checksum: Option<Checksum>,
}

/// The two workers a body's bytes go through, on blocking threads while the request's task
/// only reads (and decodes) frames: one computes the MD5 (the ETag), the other CRC-64, the
/// SHA-256 of a signed payload and any S3 checksum, and writes to memory or the data directory.
/// MD5, the costliest, then runs beside everything else instead of after it, so one large body
/// is bound by MD5's speed alone. Frames are shared ([`Bytes`]), never copied between them.
struct Pipeline {
    hash: Option<tokio::sync::mpsc::Sender<Bytes>>,
    store: Option<tokio::sync::mpsc::Sender<Bytes>>,
    hasher: tokio::task::JoinHandle<[u8; 16]>,
    storer: tokio::task::JoinHandle<Result<Stored, BodyError>>,
    /// The file being written, when in the data directory.
    path: Option<PathBuf>,
    size: u64,
}

impl Pipeline {
    fn start(
        sha256: bool,
        alg: Option<ChecksumAlg>,
        dir: Option<&std::path::Path>,
        size_hint: Option<u64>,
    ) -> Self {
        let (hash_tx, mut hash_rx) = tokio::sync::mpsc::channel::<Bytes>(PIPELINE_FRAMES);
        let (store_tx, mut store_rx) = tokio::sync::mpsc::channel::<Bytes>(PIPELINE_FRAMES);
        let hasher = tokio::task::spawn_blocking(move || {
            let mut md5 = md5::Md5::default();
            while let Some(b) = hash_rx.blocking_recv() {
                md5.update(&b);
            }
            md5.finalize().into()
        });
        let path = dir.map(|d| d.join(format!("{}.blob", uuid::Uuid::new_v4().simple())));
        let file_path = path.clone();
        // Memory bodies are reserved up front when their length is known (and small enough),
        // so they are not copied as the buffer grows.
        let reserve = usize::try_from(size_hint.unwrap_or(0).min(64 << 20)).unwrap_or(0);
        let storer = tokio::task::spawn_blocking(move || {
            use std::io::Write as _;
            let io = |e: std::io::Error| BodyError::Io(e.to_string());
            let mut crc = crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc64Xz);
            let mut sha = sha256.then(sha2::Sha256::default);
            let mut sum = alg.map(|a| (a, AlgHasher::new(a)));
            let mut hash = |b: &[u8]| {
                crc.update(b);
                if let Some(h) = &mut sha {
                    h.update(b);
                }
                if let Some((_, h)) = &mut sum {
                    h.update(b);
                }
            };
            let blob = match file_path {
                Some(p) => {
                    let mut f = std::fs::File::create(&p).map_err(io)?;
                    while let Some(b) = store_rx.blocking_recv() {
                        hash(&b);
                        f.write_all(&b).map_err(io)?;
                    }
                    f.flush().map_err(io)?;
                    Blob::File(p)
                }
                None => {
                    let mut v = Vec::with_capacity(reserve);
                    while let Some(b) = store_rx.blocking_recv() {
                        hash(&b);
                        v.extend_from_slice(&b);
                    }
                    Blob::Memory(Bytes::from(v))
                }
            };
            Ok(Stored {
                blob,
                crc64: crc.finalize(),
                sha256: sha.map(|h| hex::encode(h.finalize())),
                checksum: sum.map(|(a, h)| Checksum {
                    alg: a,
                    value: B64.encode(h.finish()),
                    kind: "FULL_OBJECT",
                }),
            })
        });
        Self {
            hash: Some(hash_tx),
            store: Some(store_tx),
            hasher,
            storer,
            path,
            size: 0,
        }
    }

    /// Hands `piece` to both workers (waiting while they are behind).
    async fn push(&mut self, piece: Bytes) -> Result<(), BodyError> {
        self.size += piece.len() as u64;
        if let Some(tx) = &self.hash {
            tx.send(piece.clone())
                .await
                .map_err(|_| BodyError::Io("the hashing worker stopped".to_owned()))?;
        }
        if let Some(tx) = &self.store
            && tx.send(piece).await.is_err()
        {
            // The writer stopped on an error: report that one.
            self.store = None;
            return Err(match (&mut self.storer).await {
                Ok(Err(e)) => e,
                _ => BodyError::Io("the storing worker stopped".to_owned()),
            });
        }
        Ok(())
    }

    /// Ends the body: waits for both workers.
    async fn finish(mut self) -> Result<([u8; 16], Stored, u64), BodyError> {
        self.hash = None;
        self.store = None;
        let joined = |e: tokio::task::JoinError| BodyError::Io(e.to_string());
        let digests = (&mut self.hasher).await.map_err(joined);
        let stored = (&mut self.storer).await.map_err(joined).and_then(|r| r);
        match (digests, stored) {
            (Ok(d), Ok(s)) => Ok((d, s, self.size)),
            (Err(e), Ok(s)) => {
                s.blob.discard();
                Err(e)
            }
            (_, Err(e)) => {
                remove_quietly(self.path.as_deref());
                Err(e)
            }
        }
    }

    /// Drops what was received: stops both workers and removes the file, if any.
    async fn abandon(mut self) {
        self.hash = None;
        self.store = None;
        let _ = (&mut self.hasher).await;
        let _ = (&mut self.storer).await;
        remove_quietly(self.path.as_deref());
    }
}

/// Removes a data file that may not exist.
fn remove_quietly(path: Option<&std::path::Path>) {
    if let Some(p) = path
        && let Err(e) = std::fs::remove_file(p)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot remove {}: {e}", p.display());
    }
}

/// Why a body could not be taken.
#[derive(Debug)]
enum BodyError {
    TooLarge,
    Incomplete,
    BadChunk(String),
    ChunkSignature,
    Io(String),
    /// A fault rule cut the body.
    Dropped,
}

struct Received {
    content: Content,
    /// Hex SHA-256 of the bytes (when the payload names one).
    sha256: Option<String>,
    trailers: Vec<(String, String)>,
}

async fn receive_body(
    body: Body,
    payload: &Payload,
    alg: Option<ChecksumAlg>,
    limit: u64,
    size_hint: Option<u64>,
    dir: Option<&std::path::Path>,
    drop_mid_body: bool,
) -> Result<Received, BodyError> {
    let mut pipe = Pipeline::start(
        matches!(payload, Payload::Sha256(_)),
        alg,
        dir,
        size_hint.filter(|n| *n <= limit),
    );
    let mut decoder = match payload {
        Payload::Chunked { signer } => Some(ChunkDecoder::new(signer.clone())),
        _ => None,
    };
    let raw_limit = limit.saturating_add(limit / 32).saturating_add(64 * 1024);
    let mut raw = 0u64;
    let mut stream = body.into_data_stream();
    let result: Result<(), BodyError> = async {
        let mut out: Vec<Bytes> = Vec::new();
        while let Some(frame) = stream.next().await {
            if drop_mid_body {
                return Err(BodyError::Dropped);
            }
            let frame = frame.map_err(|_| BodyError::Incomplete)?;
            raw += frame.len() as u64;
            if raw > raw_limit {
                return Err(BodyError::TooLarge);
            }
            match &mut decoder {
                Some(d) => d.feed(&frame, &mut out)?,
                None => out.push(frame),
            }
            for piece in out.drain(..) {
                if pipe.size + piece.len() as u64 > limit {
                    return Err(BodyError::TooLarge);
                }
                pipe.push(piece).await?;
            }
        }
        if drop_mid_body {
            return Err(BodyError::Dropped);
        }
        if let Some(d) = &mut decoder {
            d.end()?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        pipe.abandon().await;
        return Err(e);
    }
    let (md5, stored, size) = pipe.finish().await?;
    Ok(Received {
        content: Content {
            blob: stored.blob,
            size,
            md5,
            crc64: stored.crc64,
            checksum: stored.checksum,
        },
        sha256: stored.sha256,
        trailers: decoder.map(|d| d.trailers).unwrap_or_default(),
    })
}

/// Joins the parts of an upload into one object without copying a byte: the object's blob is
/// the list of the parts' blobs (the parts' files become the object's), its CRC-64 and (for a
/// full-object upload) its CRC checksum are combined from the parts' values, and its composite
/// checksum is the vendor's checksum of the parts' checksums. The whole-object MD5 is not
/// computed: nothing serves it (a multipart ETag is the MD5 of the parts' MD5s).
fn assemble(parts: &[Part], spec: &UploadSpec) -> Content {
    let blob = Blob::Parts(parts.iter().map(|p| p.content.blob.clone()).collect());
    let size = parts.iter().map(|p| p.content.size).sum();
    let crc64 = combine_crcs(
        crc_fast::CrcAlgorithm::Crc64Xz,
        parts.iter().map(|p| (p.content.crc64, p.content.size)),
    );
    let checksum = spec.checksum_alg.and_then(|alg| {
        let sums: Vec<Vec<u8>> = parts
            .iter()
            .map(|p| {
                p.content
                    .checksum
                    .as_ref()
                    .filter(|c| c.alg == alg)
                    .and_then(|c| B64.decode(&c.value).ok())
                    .unwrap_or_default()
            })
            .collect();
        if spec.full_object {
            let crc = alg.crc()?;
            let value = combine_crcs(
                crc,
                sums.iter().zip(parts).map(|(s, p)| {
                    let mut be = [0u8; 8];
                    be[8 - s.len().min(8)..].copy_from_slice(&s[..s.len().min(8)]);
                    (u64::from_be_bytes(be), p.content.size)
                }),
            );
            let raw = if alg == ChecksumAlg::Crc64Nvme {
                value.to_be_bytes().to_vec()
            } else {
                u32::try_from(value & u64::from(u32::MAX))
                    .unwrap_or(0)
                    .to_be_bytes()
                    .to_vec()
            };
            Some(Checksum {
                alg,
                value: B64.encode(raw),
                kind: "FULL_OBJECT",
            })
        } else {
            Some(Checksum {
                alg,
                value: format!("{}-{}", B64.encode(alg.digest(&sums.concat())), parts.len()),
                kind: "COMPOSITE",
            })
        }
    });
    Content {
        blob,
        size,
        md5: [0; 16],
        crc64,
        checksum,
    }
}

/// The CRC of consecutive pieces from each piece's CRC and length.
fn combine_crcs(alg: crc_fast::CrcAlgorithm, pieces: impl Iterator<Item = (u64, u64)>) -> u64 {
    let mut acc: Option<u64> = None;
    for (crc, len) in pieces {
        acc = Some(match acc {
            None => crc,
            Some(a) => crc_fast::checksum_combine(alg, a, crc, len),
        });
    }
    acc.unwrap_or_else(|| crc_fast::checksum(alg, b""))
}

/// The `aws-chunked` content encoding, decoded as it streams: `hex-size[;chunk-signature=…]`
/// CRLF, data, CRLF, …, a zero-size chunk, then optional trailer lines and a final CRLF.
struct ChunkDecoder {
    signer: Option<ChunkSigner>,
    state: ChunkState,
    line: Vec<u8>,
    remaining: u64,
    chunk_sig: Option<String>,
    chunk_hash: sha2::Sha256,
    prev_sig: String,
    trailers: Vec<(String, String)>,
    trailer_sig: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    Header,
    Data,
    DataEnd,
    Trailer,
    Done,
}

/// The longest chunk-header or trailer line accepted.
const MAX_CHUNK_LINE: usize = 4096;

impl ChunkDecoder {
    fn new(signer: Option<ChunkSigner>) -> Self {
        let prev_sig = signer.as_ref().map(|s| s.seed.clone()).unwrap_or_default();
        Self {
            signer,
            state: ChunkState::Header,
            line: Vec::new(),
            remaining: 0,
            chunk_sig: None,
            chunk_hash: sha2::Sha256::default(),
            prev_sig,
            trailers: Vec::new(),
            trailer_sig: None,
        }
    }

    fn bad(m: &str) -> BodyError {
        BodyError::BadChunk(format!("Invalid aws-chunked encoding: {m}."))
    }

    /// Takes a line ending CRLF from `input` starting at `*i`; `None` when more input is needed.
    fn take_line(&mut self, input: &[u8], i: &mut usize) -> Result<Option<String>, BodyError> {
        while let Some(&b) = input.get(*i) {
            *i += 1;
            self.line.push(b);
            if self.line.ends_with(b"\r\n") {
                let l = String::from_utf8_lossy(&self.line[..self.line.len() - 2]).into_owned();
                self.line.clear();
                return Ok(Some(l));
            }
            if self.line.len() > MAX_CHUNK_LINE {
                return Err(Self::bad("line too long"));
            }
        }
        Ok(None)
    }

    fn check_chunk(&mut self) -> Result<(), BodyError> {
        let hash = std::mem::take(&mut self.chunk_hash);
        let Some(s) = &self.signer else {
            return Ok(());
        };
        let sent = self.chunk_sig.take().ok_or(BodyError::ChunkSignature)?;
        let sts = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{}\n{}",
            s.amz_date,
            s.scope,
            self.prev_sig,
            crate::util::sha256_hex(b""),
            hex::encode(hash.finalize())
        );
        let sig = hex::encode(crate::util::hmac_sha256(&s.signing_key, sts.as_bytes()));
        if !crate::util::ct_eq(sig.as_bytes(), sent.as_bytes()) {
            return Err(BodyError::ChunkSignature);
        }
        self.prev_sig = sig;
        Ok(())
    }

    /// Decodes `input`; the data of chunks goes to `out` as slices of it (no copy).
    fn feed(&mut self, input: &Bytes, out: &mut Vec<Bytes>) -> Result<(), BodyError> {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                ChunkState::Header => {
                    let Some(line) = self.take_line(input, &mut i)? else {
                        break;
                    };
                    let (size, ext) = line.split_once(';').unwrap_or((&line, ""));
                    let size = u64::from_str_radix(size.trim(), 16)
                        .map_err(|_| Self::bad("chunk size is not hex"))?;
                    self.chunk_sig = ext
                        .trim()
                        .strip_prefix("chunk-signature=")
                        .map(str::to_owned);
                    self.remaining = size;
                    if size == 0 {
                        self.check_chunk()?;
                        self.state = ChunkState::Trailer;
                    } else {
                        self.state = ChunkState::Data;
                    }
                }
                ChunkState::Data => {
                    let n = usize::try_from(self.remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len() - i);
                    let piece = &input[i..i + n];
                    self.chunk_hash.update(piece);
                    out.push(input.slice(i..i + n));
                    self.remaining -= n as u64;
                    i += n;
                    if self.remaining == 0 {
                        self.state = ChunkState::DataEnd;
                    }
                }
                ChunkState::DataEnd => {
                    let Some(line) = self.take_line(input, &mut i)? else {
                        break;
                    };
                    if !line.is_empty() {
                        return Err(Self::bad("chunk data longer than its size"));
                    }
                    self.check_chunk()?;
                    self.state = ChunkState::Header;
                }
                ChunkState::Trailer => {
                    let Some(line) = self.take_line(input, &mut i)? else {
                        break;
                    };
                    if line.is_empty() {
                        self.state = ChunkState::Done;
                        continue;
                    }
                    let (k, v) = line
                        .split_once(':')
                        .ok_or_else(|| Self::bad("trailer without `:`"))?;
                    let k = k.trim().to_ascii_lowercase();
                    if k == "x-amz-trailer-signature" {
                        self.trailer_sig = Some(v.trim().to_owned());
                    } else if self.trailers.len() < 16 {
                        self.trailers.push((k, v.trim().to_owned()));
                    }
                }
                ChunkState::Done => {
                    if input[i..].iter().all(|b| *b == b'\r' || *b == b'\n') {
                        break;
                    }
                    return Err(Self::bad("data after the final chunk"));
                }
            }
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), BodyError> {
        // Some clients end the trailer section without its final CRLF.
        let finished = self.state == ChunkState::Done
            || (self.state == ChunkState::Trailer && self.line.is_empty());
        if !finished {
            return Err(BodyError::Incomplete);
        }
        if let Some(s) = &self.signer
            && (!self.trailers.is_empty() || self.trailer_sig.is_some())
        {
            let sent = self
                .trailer_sig
                .as_deref()
                .ok_or(BodyError::ChunkSignature)?;
            let text: String = self
                .trailers
                .iter()
                .map(|(k, v)| format!("{k}:{v}\n"))
                .collect();
            let sts = format!(
                "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{}\n{}",
                s.amz_date,
                s.scope,
                self.prev_sig,
                crate::util::sha256_hex(text.as_bytes())
            );
            let sig = hex::encode(crate::util::hmac_sha256(&s.signing_key, sts.as_bytes()));
            if !crate::util::ct_eq(sig.as_bytes(), sent.as_bytes()) {
                return Err(BodyError::ChunkSignature);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_values() {
        // The published check values over "123456789".
        assert_eq!(
            crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Xz, b"123456789"),
            0x995D_C9BB_DF19_39FA
        );
        assert_eq!(
            ChecksumAlg::Crc32.digest(b"123456789"),
            0xCBF4_3926u32.to_be_bytes()
        );
        assert_eq!(
            ChecksumAlg::Crc32c.digest(b"123456789"),
            0xE306_9283u32.to_be_bytes()
        );
        assert_eq!(
            ChecksumAlg::Crc64Nvme.digest(b"123456789"),
            0xAE8B_1486_0A79_9888u64.to_be_bytes()
        );
        // A CRC-32 whose value is small still takes 4 bytes.
        assert_eq!(ChecksumAlg::Crc32.digest(b"").len(), 4);
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-4", 10), Ok(Some((0, 4))));
        assert_eq!(parse_range("bytes=5-", 10), Ok(Some((5, 9))));
        assert_eq!(parse_range("bytes=-3", 10), Ok(Some((7, 9))));
        assert_eq!(parse_range("bytes=2-100", 10), Ok(Some((2, 9))));
        assert_eq!(parse_range("bytes=10-", 10), Err(()));
        assert_eq!(parse_range("bytes=x-", 10), Err(()));
        assert_eq!(parse_range("items=1-2", 10), Ok(None));
        assert_eq!(parse_range("bytes=-0", 10), Err(()));
    }

    #[test]
    fn http_dates_round_trip() {
        let t = parse_http_date("Mon, 23 Nov 2026 14:15:26 GMT").unwrap();
        assert_eq!(
            http_date(crate::util::from_unix(t)),
            "Mon, 23 Nov 2026 14:15:26 GMT"
        );
        assert!(parse_http_date("garbage").is_none());
    }

    #[test]
    fn complete_bodies_parse() {
        let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;ab&quot;</ETag><ChecksumCRC32>x==</ChecksumCRC32></Part><Part><ETag>\"cd\"</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>";
        let parts = parse_complete(body, Some("ChecksumCRC32")).unwrap();
        assert_eq!(
            parts,
            vec![
                (1, "ab".to_owned(), Some("x==".to_owned())),
                (2, "cd".to_owned(), None)
            ]
        );
        assert!(parse_complete("<Other/>", None).is_none());
        assert!(
            parse_complete(
                "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part>",
                None
            )
            .is_none()
        );
    }

    #[test]
    fn unsigned_chunked_bodies_decode_split_anywhere() {
        let raw = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        for split in 0..raw.len() {
            let mut d = ChunkDecoder::new(None);
            let mut out = Vec::new();
            d.feed(&Bytes::copy_from_slice(&raw[..split]), &mut out)
                .unwrap();
            d.feed(&Bytes::copy_from_slice(&raw[split..]), &mut out)
                .unwrap();
            d.end().unwrap();
            let data: Vec<u8> = out.iter().flat_map(|b| b.to_vec()).collect();
            assert_eq!(data, b"hello world");
            assert_eq!(
                d.trailers,
                vec![("x-amz-checksum-crc32".to_owned(), "DUoRhQ==".to_owned())]
            );
        }
        let mut d = ChunkDecoder::new(None);
        assert!(
            d.feed(&Bytes::from_static(b"zz\r\n"), &mut Vec::new())
                .is_err()
        );
        let mut d = ChunkDecoder::new(None);
        d.feed(&Bytes::from_static(b"5\r\nhel"), &mut Vec::new())
            .unwrap();
        assert!(d.end().is_err());
    }

    /// The published aws-chunked example of the S3 API reference (SigV4 streaming): a 66560-byte
    /// body of `a`s in 64 KiB chunks, seed signature and chunk signatures as documented.
    #[test]
    fn signed_chunks_follow_the_documented_example() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let k_date = crate::util::hmac_sha256(format!("AWS4{secret}").as_bytes(), b"20130524");
        let k_region = crate::util::hmac_sha256(&k_date, b"us-east-1");
        let k_service = crate::util::hmac_sha256(&k_region, b"s3");
        let key = crate::util::hmac_sha256(&k_service, b"aws4_request");
        let signer = ChunkSigner {
            signing_key: key.to_vec(),
            amz_date: "20130524T000000Z".into(),
            scope: "20130524/us-east-1/s3/aws4_request".into(),
            seed: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9".into(),
        };
        let mut raw = Vec::new();
        raw.extend_from_slice(b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n");
        raw.extend(std::iter::repeat_n(b'a', 65536));
        raw.extend_from_slice(b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n");
        raw.extend(std::iter::repeat_n(b'a', 1024));
        raw.extend_from_slice(b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n");
        let mut d = ChunkDecoder::new(Some(signer.clone()));
        let mut out = Vec::new();
        d.feed(&Bytes::from(raw.clone()), &mut out).unwrap();
        d.end().unwrap();
        assert_eq!(out.iter().map(Bytes::len).sum::<usize>(), 66560);
        let mut tampered = raw.clone();
        tampered[200] = b'b';
        let mut d = ChunkDecoder::new(Some(signer));
        assert!(matches!(
            d.feed(&Bytes::from(tampered.clone()), &mut Vec::new()),
            Err(BodyError::ChunkSignature)
        ));
    }
}

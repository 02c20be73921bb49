//! Object upload to AWS S3, Tencent Cloud COS and Alibaba Cloud OSS behind one API, with one
//! multipart engine for all three.
//!
//! A [`Storage`] is built from a provider client and offers the same operations everywhere:
//!
//! | operation | AWS S3 | Tencent Cloud COS | Alibaba Cloud OSS |
//! |---|---|---|---|
//! | [`Storage::upload_file`] / [`Storage::upload_reader`], small | `PutObject` (CRC32) | `PutObject` | `PutObject` |
//! | the same, large | `CreateMultipartUpload`, `UploadPart` ×N in parallel, `CompleteMultipartUpload` | `InitiateMultipartUpload`, `UploadPart`, `CompleteMultipartUpload` | the same as COS |
//! | resume ([`UploadOptions::with_resume`]) | `ListParts`, then the missing parts | same | same |
//! | [`Storage::head_object`] | `HeadObject` | `HeadObject` | `HeadObject` |
//! | [`Storage::list_multipart_uploads`], [`Storage::abort_stale_uploads`] | `ListMultipartUploads`, `AbortMultipartUpload` | same | same |
//!
//! Each backend sits behind a cargo feature, `aws`, `tencent` and `alibaba`, all on by default.
//!
//! # Example
//!
//! ```no_run
//! # #[cfg(feature = "tencent")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_storage::{Storage, UploadOptions};
//! use unicloud_tencent::cos::CosClient;
//!
//! let client = CosClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKID...", "secret"))
//!     .build()?;
//! let storage = Storage::cos(&client); // or Storage::tencent(&api3_client), Cloud::storage()
//! let opts = UploadOptions::default()
//!     .with_concurrency(8)
//!     .with_metadata("build", "1234")
//!     .with_progress(|p| eprintln!("{} of {:?} bytes", p.bytes_done, p.bytes_total));
//! let stored = storage
//!     .upload_file("artefacts-1250000000", "builds/1234.tar.zst", "target/1234.tar.zst", &opts)
//!     .await?;
//! println!("{} bytes in {} parts, {} {}", stored.size, stored.parts, stored.checksum.algorithm, stored.checksum.value);
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//!
//! - **Validation first**: bucket names per the vendor's rules (COS names end in `-APPID`),
//!   keys (empty, too long, control characters), a missing, unreadable or non-regular file, a
//!   part size below the vendor's minimum (S3 5 MiB, COS 1 MiB, OSS 100 KiB) or above 5 GiB, a
//!   concurrency outside 1–64 → [`ErrorKind::InvalidInput`] before any request.
//! - **Single request or multipart**: objects up to the single-request threshold (default:
//!   the part size) go in one PUT; larger ones (and streams longer than it) in parts.
//! - **Bounded memory**: at most `concurrency` parts are held at once (part size ×
//!   concurrency, 32 MiB by default, plus a small constant), whatever the file's size. Parts
//!   of a file are read at their offsets when they are sent, never the whole file; a stream
//!   is read one part ahead of the senders.
//! - **Part size**: 8 MiB by default, raised (to whole MiB) so a file needs at most
//!   10,000 parts.
//! - **Retries**: each call is retried on its own under the client's
//!   [`RetryPolicy`](unicloud_core::RetryPolicy); a part is safe to send again (its number
//!   holds the last bytes sent), so a part that timed out is repeated. Completing an upload is
//!   not repeated blindly: an ambiguous failure is settled by reading the object's head.
//! - **Integrity**: every part's checksum is computed here — CRC32 on S3 (sent as
//!   `x-amz-checksum-crc32`, checked by S3, and compared with the composite checksum S3
//!   reports at completion), CRC-64/XZ on COS and OSS (compared with the
//!   `x-cos-hash-crc64ecma` / `x-oss-hash-crc64ecma` of each part and of the whole object).
//!   A part reported wrong is sent again twice, then the upload fails with
//!   [`ErrorKind::Integrity`]; a whole-object mismatch is that error too, never a success.
//!   [`ObjectChecksum::verified`] says whether the service reported a value to compare.
//! - **No orphans**: when a part fails for good, the upload is cancelled
//!   ([`CancelToken`]) or the future is dropped, the multipart upload is aborted (the error
//!   says so); [`UploadOptions::with_keep_failed_upload`] keeps it for a later resume instead.
//! - **Resume**: with an upload id, the parts already stored are listed and kept when their
//!   size and checksum (CRC64 where listed, else the MD5 ETag) match the file's bytes; the rest
//!   are sent.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncRead;
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::object::{MultipartUpload, ObjectHead, PutOptions, UploadedPart};
use unicloud_core::{Error, ErrorKind, Provider};

#[cfg(feature = "alibaba")]
mod alibaba;
#[cfg(feature = "aws")]
mod aws;
mod checksum;
mod engine;
mod model;
#[cfg(feature = "tencent")]
mod tencent;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "tencent", feature = "alibaba"))]
mod vendor;

use checksum::Algorithm;
pub use model::{
    CancelToken, DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE, MAX_CONCURRENCY, MAX_PART_SIZE, MAX_PARTS,
    MIB, ObjectChecksum, ObjectUrl, Progress, ProgressFn, UploadOptions, UploadResult,
    check_bucket, check_key, max_key_bytes,
};

/// What a write (a PUT, a part, a completion) reported.
#[derive(Debug, Clone, Default)]
pub(crate) struct Written {
    pub(crate) etag: String,
    /// CRC-64/XZ (COS, OSS).
    pub(crate) crc64: Option<u64>,
    /// The vendor-form checksum of the backend's algorithm (S3's CRC32, base64).
    pub(crate) checksum: Option<String>,
    pub(crate) version_id: Option<String>,
}

/// An object's head and, on S3, its stored CRC32 (`x-amz-checksum-crc32`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Head {
    pub(crate) head: ObjectHead,
    pub(crate) checksum: Option<String>,
}

/// A part stored: its number, ETag, our checksum of its bytes and its length.
#[derive(Debug, Clone)]
pub(crate) struct Done {
    pub(crate) number: u32,
    pub(crate) etag: String,
    pub(crate) crc: u64,
    pub(crate) len: u64,
}

/// One vendor's object storage, as the engine drives it.
pub(crate) trait ObjectBackend: Send + Sync + fmt::Debug {
    fn provider(&self) -> Provider;
    fn clock(&self) -> SharedClock;
    /// The smallest part but the last.
    fn min_part_size(&self) -> u64;
    /// The largest object.
    fn max_object_size(&self) -> u64;
    /// The checksum the vendor reports.
    fn algorithm(&self) -> Algorithm;
    fn create_bucket<'a>(&'a self, bucket: &'a str) -> BoxFuture<'a, Result<(), Error>>;
    /// One PUT of the whole object; `crc` is our checksum of `body` in [`Self::algorithm`].
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Bytes,
        crc: u64,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<Written, Error>>;
    fn initiate<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<String, Error>>;
    fn upload_part<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        number: u32,
        body: Bytes,
        crc: u64,
    ) -> BoxFuture<'a, Result<Written, Error>>;
    fn complete<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        parts: &'a [Done],
    ) -> BoxFuture<'a, Result<Written, Error>>;
    fn abort<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>>;
    fn list_uploads<'a>(
        &'a self,
        bucket: &'a str,
        prefix: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<MultipartUpload>, Error>>;
    fn list_parts<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<UploadedPart>, Error>>;
    fn head<'a>(&'a self, bucket: &'a str, key: &'a str) -> BoxFuture<'a, Result<Head, Error>>;
}

/// The backend of a client that could not be built from a provider's API client (an
/// infallible constructor): every call fails with the reason.
#[cfg(any(feature = "tencent", feature = "alibaba"))]
#[derive(Debug)]
pub(crate) struct Unbuildable(pub(crate) Error);

#[cfg(any(feature = "tencent", feature = "alibaba"))]
impl Unbuildable {
    fn fail<'a, T: Send + 'a>(&self) -> BoxFuture<'a, Result<T, Error>> {
        let mut e = Error::new(self.0.kind(), self.0.message().to_owned());
        if let Some(p) = self.0.provider() {
            e = e.with_provider(p);
        }
        Box::pin(async move { Err(e) })
    }
}

#[cfg(any(feature = "tencent", feature = "alibaba"))]
impl ObjectBackend for Unbuildable {
    fn provider(&self) -> Provider {
        self.0.provider().unwrap_or(Provider::Tencent)
    }
    fn clock(&self) -> SharedClock {
        unicloud_core::ClientConfig::default().clock().clone()
    }
    fn min_part_size(&self) -> u64 {
        MIB
    }
    fn max_object_size(&self) -> u64 {
        0
    }
    fn algorithm(&self) -> Algorithm {
        Algorithm::Crc64
    }
    fn create_bucket<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.fail()
    }
    fn put<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: Bytes,
        _: u64,
        _: &'a PutOptions,
    ) -> BoxFuture<'a, Result<Written, Error>> {
        self.fail()
    }
    fn initiate<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a PutOptions,
    ) -> BoxFuture<'a, Result<String, Error>> {
        self.fail()
    }
    fn upload_part<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
        _: u32,
        _: Bytes,
        _: u64,
    ) -> BoxFuture<'a, Result<Written, Error>> {
        self.fail()
    }
    fn complete<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
        _: &'a [Done],
    ) -> BoxFuture<'a, Result<Written, Error>> {
        self.fail()
    }
    fn abort<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.fail()
    }
    fn list_uploads<'a>(
        &'a self,
        _: &'a str,
        _: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<MultipartUpload>, Error>> {
        self.fail()
    }
    fn list_parts<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Vec<UploadedPart>, Error>> {
        self.fail()
    }
    fn head<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, Result<Head, Error>> {
        self.fail()
    }
}

/// Object storage of one provider: see the [crate docs](crate). Cheap to clone.
#[derive(Clone)]
pub struct Storage {
    backend: Arc<dyn ObjectBackend>,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Storage {
    pub(crate) fn from_backend(backend: Arc<dyn ObjectBackend>) -> Self {
        Self { backend }
    }

    /// The provider this storage talks to.
    pub fn provider(&self) -> Provider {
        self.backend.provider()
    }

    /// Uploads the file at `path` to `bucket`/`key` (one request or a parallel multipart
    /// upload, per `opts`) and checks what was stored.
    pub async fn upload_file(
        &self,
        bucket: &str,
        key: &str,
        path: impl AsRef<Path>,
        opts: &UploadOptions,
    ) -> Result<UploadResult, Error> {
        let source = engine::Source::File(path.as_ref().to_path_buf());
        engine::upload(&self.backend, bucket, key, source, opts).await
    }

    /// Uploads a stream of unknown length (stdin, a pipe) with the same engine: read one part
    /// at a time, at most `concurrency` parts in flight. Resuming needs a file.
    pub async fn upload_reader<R>(
        &self,
        bucket: &str,
        key: &str,
        reader: R,
        opts: &UploadOptions,
    ) -> Result<UploadResult, Error>
    where
        R: AsyncRead + Unpin + Send,
    {
        let source = engine::Source::Reader(Box::new(reader));
        engine::upload(&self.backend, bucket, key, source, opts).await
    }

    /// The object's metadata (size, ETag, CRC64 where the vendor keeps one, content type,
    /// user metadata).
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectHead, Error> {
        check_bucket(self.provider(), bucket)?;
        check_key(self.provider(), key)?;
        Ok(self.backend.head(bucket, key).await?.head)
    }

    /// Creates a bucket (an existing one of the caller's is no error on S3; COS and OSS
    /// answer as they do).
    pub async fn create_bucket(&self, bucket: &str) -> Result<(), Error> {
        check_bucket(self.provider(), bucket)?;
        self.backend.create_bucket(bucket).await
    }

    /// Multipart uploads of `bucket` (keys under `prefix`) that were started and neither
    /// completed nor aborted — by this library or any other tool.
    pub async fn list_multipart_uploads(
        &self,
        bucket: &str,
        prefix: Option<&str>,
    ) -> Result<Vec<MultipartUpload>, Error> {
        check_bucket(self.provider(), bucket)?;
        self.backend.list_uploads(bucket, prefix).await
    }

    /// Aborts one multipart upload; an upload already gone is no error.
    pub async fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), Error> {
        check_bucket(self.provider(), bucket)?;
        check_key(self.provider(), key)?;
        if upload_id.is_empty() {
            return Err(Error::invalid_input("the upload id is empty"));
        }
        match self.backend.abort(bucket, key, upload_id).await {
            Err(e) if e.kind() == ErrorKind::NotFound && e.code() == Some("NoSuchUpload") => Ok(()),
            r => r,
        }
    }

    /// Aborts the multipart uploads of `bucket` (under `prefix`) initiated more than
    /// `older_than` ago (on the client's clock) and returns them; younger ones, and ones whose
    /// start time the service does not say, are left. Some failing →
    /// [`ErrorKind::PartialFailure`] naming them.
    pub async fn abort_stale_uploads(
        &self,
        bucket: &str,
        prefix: Option<&str>,
        older_than: Duration,
    ) -> Result<Vec<MultipartUpload>, Error> {
        let now = self.backend.clock().now();
        let cutoff = now.checked_sub(older_than).unwrap_or(std::time::UNIX_EPOCH);
        engine::abort_older(self.backend.as_ref(), bucket, prefix, cutoff).await
    }
}

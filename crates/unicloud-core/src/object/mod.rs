//! The vendor-neutral shapes of object-storage calls, shared by the COS and OSS clients and the
//! `unicloud-storage` multipart engine; the S3-style stores' error codes ([`codes`]); and, with
//! the `object-rest` feature, the REST client COS and OSS are dialects of (`rest`).
//!
//! The clients translate each of these to and from their vendor's headers and XML; the engine
//! works on them alone, so its logic (part sizes, parallel parts, resume, checksums) is written
//! once.
//!
//! ```
//! use unicloud_core::object::{PutOptions, UploadedPart};
//!
//! let opts = PutOptions::default().with_content_type("text/plain").with_metadata("owner", "ci");
//! assert_eq!(opts.content_type.as_deref(), Some("text/plain"));
//! let part = UploadedPart { part_number: 1, size: 5 << 20, etag: "\"abc\"".into(), crc64: None };
//! assert_eq!(part.etag_unquoted(), "abc");
//! ```

use std::time::SystemTime;

pub mod codes;
#[cfg(feature = "object-rest")]
pub mod rest;

/// What a single PUT or a multipart upload's initiation carries besides the bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutOptions {
    /// `Content-Type`; the vendor's default (`application/octet-stream`) when absent.
    pub content_type: Option<String>,
    /// User metadata, sent as `x-amz-meta-*`, `x-cos-meta-*` or `x-oss-meta-*` (names are
    /// lower-cased by the vendors).
    pub metadata: Vec<(String, String)>,
    /// The vendor's storage class name (`STANDARD`, `STANDARD_IA`, `Archive`, ...), as given.
    pub storage_class: Option<String>,
    /// Server-side encryption algorithm (`AES256`, `KMS`, ...), as the vendor names it.
    pub server_side_encryption: Option<String>,
}

impl PutOptions {
    /// Sets the content type.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Adds one metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((name.into(), value.into()));
        self
    }

    /// Sets the storage class.
    #[must_use]
    pub fn with_storage_class(mut self, class: impl Into<String>) -> Self {
        self.storage_class = Some(class.into());
        self
    }

    /// Sets the server-side encryption algorithm.
    #[must_use]
    pub fn with_server_side_encryption(mut self, algorithm: impl Into<String>) -> Self {
        self.server_side_encryption = Some(algorithm.into());
        self
    }
}

/// What the service answered to a whole-object write (a PUT or a completed multipart upload).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutOutcome {
    /// The `ETag` as the service sent it (quotes included).
    pub etag: String,
    /// The object's CRC-64/XZ (`x-cos-hash-crc64ecma`, `x-oss-hash-crc64ecma`) when sent.
    pub crc64: Option<u64>,
    /// The version id, on a versioned bucket.
    pub version_id: Option<String>,
    /// The service's request id.
    pub request_id: Option<String>,
}

/// What the service answered to one part upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartOutcome {
    /// The part's `ETag` (quotes included); the complete call lists it.
    pub etag: String,
    /// The part's CRC-64/XZ when the service sent it.
    pub crc64: Option<u64>,
}

/// An object's metadata, as `HEAD` returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectHead {
    /// `Content-Length`.
    pub size: u64,
    /// The `ETag` (quotes included).
    pub etag: String,
    /// The CRC-64/XZ the service stores, when it sends it.
    pub crc64: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<SystemTime>,
    /// The version id, on a versioned bucket.
    pub version_id: Option<String>,
    /// The storage class, when the service sends it.
    pub storage_class: Option<String>,
    /// User metadata, names without the vendor prefix, lower-case.
    pub metadata: Vec<(String, String)>,
}

/// A multipart upload that was initiated and neither completed nor aborted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MultipartUpload {
    /// The object key it will create.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// When it was initiated, when the service says.
    pub initiated: Option<SystemTime>,
}

impl MultipartUpload {
    /// An upload of `key` with id `upload_id`.
    pub fn new(key: impl Into<String>, upload_id: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            upload_id: upload_id.into(),
            initiated: None,
        }
    }

    /// With the time it was initiated.
    #[must_use]
    pub fn with_initiated(mut self, initiated: SystemTime) -> Self {
        self.initiated = Some(initiated);
        self
    }
}

/// A part already stored in a multipart upload (from ListParts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedPart {
    /// The part number, 1-based.
    pub part_number: u32,
    /// Its size in bytes.
    pub size: u64,
    /// Its `ETag` (quotes as the service sent them).
    pub etag: String,
    /// Its CRC-64/XZ when the service lists one (OSS does).
    pub crc64: Option<u64>,
}

impl UploadedPart {
    /// The ETag without surrounding quotes.
    pub fn etag_unquoted(&self) -> &str {
        self.etag.trim_matches('"')
    }
}

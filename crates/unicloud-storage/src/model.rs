//! What an upload is given and what it returns: object URLs, names checked per vendor,
//! options, progress, results, cancellation.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use tokio::sync::Notify;
use unicloud_core::object::PutOptions;
use unicloud_core::{Error, Provider};

/// 1 MiB.
pub const MIB: u64 = 1 << 20;

/// The default part size: 8 MiB. Measured (`.ci/bench-storage.sh`, README "Upload
/// benchmark"): on the emulator, 16 and 32 MiB parts were no faster than 8 MiB on any vendor,
/// and peak RSS grows by part size × concurrency, so larger defaults only cost memory; 8 MiB
/// parts also keep a retried part cheap and stay well above every vendor's minimum.
pub const DEFAULT_PART_SIZE: u64 = 8 * MIB;

/// The default number of parts in flight: 4, so the default buffers are 32 MiB and a 1 GiB
/// upload peaks at about 45–50 MiB of RSS, inside the 64 MiB goal. Measured: 2 or 8 in
/// flight were not reliably faster than 4 on two cores, and 8 × 8 MiB already peaks near
/// 80 MiB; 4 rather than 2 keeps several requests in flight where latency, not the CPU, bounds
/// a part (a real network).
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The most parts one multipart upload may have, on every vendor.
pub const MAX_PARTS: u32 = 10_000;

/// The largest part (and single PUT) every vendor accepts: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 << 30;

/// The most parts in flight one upload accepts.
pub const MAX_CONCURRENCY: usize = 64;

/// Where an object lives: a provider, a bucket and a key, written `s3://bucket/key`,
/// `cos://bucket-appid/key` or `oss://bucket/key` (the scheme picks the provider).
///
/// ```
/// use unicloud_core::Provider;
/// use unicloud_storage::ObjectUrl;
///
/// let url: ObjectUrl = "cos://backups-1250000000/db/2026-12-04.tar.zst".parse()?;
/// assert_eq!(url.provider, Provider::Tencent);
/// assert_eq!(url.bucket, "backups-1250000000");
/// assert_eq!(url.key, "db/2026-12-04.tar.zst");
/// assert_eq!(url.to_string(), "cos://backups-1250000000/db/2026-12-04.tar.zst");
/// assert!("gs://bucket/key".parse::<ObjectUrl>().is_err());
/// # Ok::<_, unicloud_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectUrl {
    /// The cloud (`s3` AWS, `cos` Tencent Cloud, `oss` Alibaba Cloud).
    pub provider: Provider,
    /// The bucket.
    pub bucket: String,
    /// The object key (may be empty in the string form; uploads then take the file's name).
    pub key: String,
}

impl ObjectUrl {
    /// The URL scheme of `provider`'s object storage.
    pub fn scheme(provider: Provider) -> &'static str {
        match provider {
            Provider::Aws => "s3",
            Provider::Tencent => "cos",
            _ => "oss",
        }
    }
}

/// Serialised as its string form.
impl Serialize for ObjectUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for ObjectUrl {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::invalid_input(format!(
                "object URL {s:?}: {why} (expected s3://BUCKET/KEY, cos://BUCKET-APPID/KEY or oss://BUCKET/KEY)"
            ))
        };
        let (scheme, rest) = s.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let provider = match scheme.to_ascii_lowercase().as_str() {
            "s3" => Provider::Aws,
            "cos" => Provider::Tencent,
            "oss" => Provider::Alibaba,
            _ => return Err(bad("unknown scheme")),
        };
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket"));
        }
        check_bucket(provider, bucket)?;
        Ok(ObjectUrl {
            provider,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }
}

impl fmt::Display for ObjectUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}/{}",
            Self::scheme(self.provider),
            self.bucket,
            self.key
        )
    }
}

fn lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Checks `bucket` against `provider`'s naming rules, before any request:
///
/// - S3: 3–63 characters of lowercase letters, digits, `.` and `-`, starting and ending with a
///   letter or digit, no `..`, not an IPv4 address, not starting with `xn--` or `sthree-`, not
///   ending with `-s3alias` or `--ol-s3`.
/// - COS: `NAME-APPID` — NAME of lowercase letters, digits and `-`, not starting or ending with
///   `-`, APPID all digits, 60 characters at most in all.
/// - OSS: 3–63 characters of lowercase letters, digits and `-`, starting and ending with a
///   letter or digit.
pub fn check_bucket(provider: Provider, bucket: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Error::invalid_input(format!(
            "bucket {bucket:?} is not a valid {} bucket name: {why}",
            provider.display_name()
        ))
    };
    let b = bucket.as_bytes();
    let ends_ok = |s: &[u8]| {
        s.first().is_some_and(|&c| lower_alnum(c)) && s.last().is_some_and(|&c| lower_alnum(c))
    };
    match provider {
        Provider::Aws => {
            if !(3..=63).contains(&b.len()) {
                return Err(bad("it must have 3 to 63 characters"));
            }
            if !b.iter().all(|&c| lower_alnum(c) || c == b'.' || c == b'-') {
                return Err(bad(
                    "only lowercase letters, digits, '.' and '-' are allowed",
                ));
            }
            if !ends_ok(b) {
                return Err(bad("it must start and end with a letter or digit"));
            }
            if bucket.contains("..") {
                return Err(bad("it must not contain '..'"));
            }
            if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
                return Err(bad("it must not be an IP address"));
            }
            if bucket.starts_with("xn--") || bucket.starts_with("sthree-") {
                return Err(bad("the prefixes 'xn--' and 'sthree-' are reserved"));
            }
            if bucket.ends_with("-s3alias") || bucket.ends_with("--ol-s3") {
                return Err(bad("the suffixes '-s3alias' and '--ol-s3' are reserved"));
            }
        }
        Provider::Tencent => {
            let Some((name, appid)) = bucket.rsplit_once('-') else {
                return Err(bad(
                    "COS bucket names end with '-APPID' (e.g. 'backups-1250000000')",
                ));
            };
            if appid.is_empty() || !appid.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad(
                    "COS bucket names end with '-APPID', a number (e.g. 'backups-1250000000')",
                ));
            }
            if name.is_empty() || b.len() > 60 {
                return Err(bad(
                    "it must have 1 to 60 characters with the '-APPID' suffix",
                ));
            }
            if !name.bytes().all(|c| lower_alnum(c) || c == b'-') || !ends_ok(name.as_bytes()) {
                return Err(bad(
                    "only lowercase letters, digits and '-' (not first or last) are allowed",
                ));
            }
        }
        _ => {
            if !(3..=63).contains(&b.len()) {
                return Err(bad("it must have 3 to 63 characters"));
            }
            if !b.iter().all(|&c| lower_alnum(c) || c == b'-') {
                return Err(bad("only lowercase letters, digits and '-' are allowed"));
            }
            if !ends_ok(b) {
                return Err(bad("it must start and end with a letter or digit"));
            }
        }
    }
    Ok(())
}

/// The longest key, in UTF-8 bytes: S3 1024, COS 850, OSS 1023.
pub fn max_key_bytes(provider: Provider) -> usize {
    match provider {
        Provider::Aws => 1024,
        Provider::Tencent => 850,
        _ => 1023,
    }
}

/// Checks an object key, before any request: not empty, not longer than
/// [`max_key_bytes`], no control characters; on OSS not starting with `/` or `\`.
pub fn check_key(provider: Provider, key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::invalid_input("the object key is empty"));
    }
    let max = max_key_bytes(provider);
    if key.len() > max {
        return Err(Error::invalid_input(format!(
            "the object key has {} bytes; {} allows at most {max}",
            key.len(),
            provider.display_name()
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            "the object key contains a control character",
        ));
    }
    if provider == Provider::Alibaba && (key.starts_with('/') || key.starts_with('\\')) {
        return Err(Error::invalid_input(
            "OSS object keys must not start with '/' or '\\'",
        ));
    }
    Ok(())
}

/// Checks what an upload sends as headers, before any request: metadata names are non-empty
/// header tokens (letters, digits and `!#$%&'*+-.^_`|~`), and no metadata value, content type,
/// storage class or encryption algorithm holds a control character (a line break would end
/// the header). Each vendor's client would otherwise refuse it mid-request without naming the
/// option, or (S3, an empty name) send it.
pub(crate) fn check_put_options(opts: &PutOptions) -> Result<(), Error> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    let no_control = |what: &str, value: &str| {
        if value.chars().any(char::is_control) {
            Err(Error::invalid_input(format!(
                "the {what} contains a control character"
            )))
        } else {
            Ok(())
        }
    };
    for (name, value) in &opts.metadata {
        if name.is_empty() {
            return Err(Error::invalid_input("a metadata name is empty"));
        }
        if !name.chars().all(token) {
            return Err(Error::invalid_input(format!(
                "metadata name {name:?} has characters a header name cannot have"
            )));
        }
        no_control(&format!("metadata value of {name:?}"), value)?;
    }
    if let Some(c) = &opts.content_type {
        no_control("content type", c)?;
    }
    if let Some(c) = &opts.storage_class {
        no_control("storage class", c)?;
    }
    if let Some(c) = &opts.server_side_encryption {
        no_control("server-side encryption algorithm", c)?;
    }
    Ok(())
}

/// Progress of one upload, handed to the [`UploadOptions::on_progress`] callback after each
/// part (and once at the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes stored so far (parts skipped on resume included).
    pub bytes_done: u64,
    /// The object's size, when known (not for a stream until its end).
    pub bytes_total: Option<u64>,
    /// Parts stored so far.
    pub parts_done: u32,
    /// How many parts there will be, when known.
    pub parts_total: Option<u32>,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Cancels uploads from another task (a Ctrl-C handler, a deadline): the upload stops sending
/// parts, aborts its multipart upload and fails with [`ErrorKind::Cancelled`].
///
/// [`ErrorKind::Cancelled`]: unicloud_core::ErrorKind::Cancelled
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<(AtomicBool, Notify)>,
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every upload holding this token.
    pub fn cancel(&self) {
        self.inner.0.store(true, Ordering::SeqCst);
        self.inner.1.notify_waiters();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.0.load(Ordering::SeqCst)
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// How an upload is made. [`Default`] is 8 MiB parts, 4 in flight, a single request up to one
/// part, the content type guessed from the file's extension.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Part size; `None` = [`DEFAULT_PART_SIZE`], raised automatically so a file needs at most
    /// [`MAX_PARTS`] parts. A size given explicitly is checked against the vendor's minimum
    /// and [`MAX_PART_SIZE`].
    pub part_size: Option<u64>,
    /// Parts in flight at once; `None` = [`DEFAULT_CONCURRENCY`].
    pub concurrency: Option<usize>,
    /// Objects up to this size go in one PUT; `None` = the part size.
    pub single_request_threshold: Option<u64>,
    /// Content type, metadata, storage class, server-side encryption.
    pub put: PutOptions,
    /// Resume this multipart upload (its id) instead of starting one.
    pub resume_upload_id: Option<String>,
    /// Called with progress after each part.
    pub on_progress: Option<ProgressFn>,
    /// Cancels the upload.
    pub cancel: Option<CancelToken>,
    /// Keep a failed multipart upload open (and say its id) instead of aborting it, to
    /// resume it later with [`with_resume`](Self::with_resume).
    pub keep_failed_upload: bool,
}

impl UploadOptions {
    /// With this part size.
    #[must_use]
    pub fn with_part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// With this many parts in flight.
    #[must_use]
    pub fn with_concurrency(mut self, parts: usize) -> Self {
        self.concurrency = Some(parts);
        self
    }

    /// Objects up to `bytes` are sent in one request.
    #[must_use]
    pub fn with_single_request_threshold(mut self, bytes: u64) -> Self {
        self.single_request_threshold = Some(bytes);
        self
    }

    /// With this content type (instead of the guess from the extension).
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.put.content_type = Some(content_type.into());
        self
    }

    /// With one more metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.put.metadata.push((name.into(), value.into()));
        self
    }

    /// With this storage class (the vendor's name for it).
    #[must_use]
    pub fn with_storage_class(mut self, class: impl Into<String>) -> Self {
        self.put.storage_class = Some(class.into());
        self
    }

    /// With server-side encryption (the vendor's algorithm name, e.g. `AES256`).
    #[must_use]
    pub fn with_server_side_encryption(mut self, algorithm: impl Into<String>) -> Self {
        self.put.server_side_encryption = Some(algorithm.into());
        self
    }

    /// Resuming the multipart upload `upload_id`.
    #[must_use]
    pub fn with_resume(mut self, upload_id: impl Into<String>) -> Self {
        self.resume_upload_id = Some(upload_id.into());
        self
    }

    /// Keeping a failed multipart upload open for a later resume (default: aborted).
    #[must_use]
    pub fn with_keep_failed_upload(mut self, keep: bool) -> Self {
        self.keep_failed_upload = keep;
        self
    }

    /// Calling `f` with progress.
    #[must_use]
    pub fn with_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Cancelled by `token`.
    #[must_use]
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

impl fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadOptions")
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("single_request_threshold", &self.single_request_threshold)
            .field("put", &self.put)
            .field("resume_upload_id", &self.resume_upload_id)
            .field("on_progress", &self.on_progress.is_some())
            .field("cancel", &self.cancel)
            .field("keep_failed_upload", &self.keep_failed_upload)
            .finish()
    }
}

/// The end-to-end checksum of an uploaded object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ObjectChecksum {
    /// `CRC32` (S3, `COMPOSITE` for multipart: the CRC32 of the parts' CRC32s, `-N`) or
    /// `CRC64` (COS and OSS: CRC-64/XZ, ECMA-182, of the whole object).
    pub algorithm: &'static str,
    /// The value as the vendor writes it: base64 for S3 (`…-N` when composite), decimal for
    /// COS and OSS.
    pub value: String,
    /// Whether the service reported the same value (`false` when it reported none; a
    /// different value is an [`ErrorKind::Integrity`](unicloud_core::ErrorKind::Integrity)
    /// error, never a result).
    pub verified: bool,
}

/// A stored object: what [`Storage::upload_file`](crate::Storage::upload_file) returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UploadResult {
    /// Where it is.
    pub url: ObjectUrl,
    /// Its ETag, quotes removed.
    pub etag: String,
    /// Its size in bytes.
    pub size: u64,
    /// How many parts it was sent in (0 for a single request).
    pub parts: u32,
    /// Parts found already stored and skipped (resume).
    pub parts_skipped: u32,
    /// The multipart upload id, when one was used.
    pub upload_id: Option<String>,
    /// The version id, on a versioned bucket.
    pub version_id: Option<String>,
    /// The content type sent.
    pub content_type: String,
    /// The end-to-end checksum.
    pub checksum: ObjectChecksum,
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicloud_core::ErrorKind;

    #[test]
    fn bucket_rules_per_vendor() {
        for ok in ["my-bucket", "a.b.c", "abc", "x1-2.y"] {
            assert!(check_bucket(Provider::Aws, ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "My-Bucket",
            "-abc",
            "abc-",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "abc-s3alias",
            "a_b",
            &"a".repeat(64),
        ] {
            let e = check_bucket(Provider::Aws, bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(e.message().contains("bucket"), "{bad}: {e}");
        }
        for ok in ["backups-1250000000", "a-1", "my-logs-1250000000"] {
            assert!(check_bucket(Provider::Tencent, ok).is_ok(), "{ok}");
        }
        for bad in [
            "backups",
            "backups-",
            "backups-12x",
            "-1250000000",
            "Backups-1250000000",
            "back_ups-1250000000",
            "backups--1250000000",
            &format!("{}-1250000000", "a".repeat(50)),
        ] {
            let e = check_bucket(Provider::Tencent, bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
        for ok in ["examplebucket", "my-bucket-1"] {
            assert!(check_bucket(Provider::Alibaba, ok).is_ok(), "{ok}");
        }
        for bad in ["ex", "my.bucket", "-bucket", "Bucket", "bucket-"] {
            assert!(check_bucket(Provider::Alibaba, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_rules() {
        assert!(check_key(Provider::Aws, "dir/file.txt").is_ok());
        assert!(check_key(Provider::Aws, "").is_err());
        assert!(check_key(Provider::Aws, &"k".repeat(1024)).is_ok());
        assert!(check_key(Provider::Aws, &"k".repeat(1025)).is_err());
        assert!(check_key(Provider::Tencent, &"k".repeat(851)).is_err());
        assert!(check_key(Provider::Alibaba, "/abs").is_err());
        assert!(check_key(Provider::Aws, "/abs").is_ok());
        assert!(check_key(Provider::Aws, "a\nb").is_err());
    }

    #[test]
    fn urls_parse_and_print() {
        let u: ObjectUrl = "s3://bucket/dir/a.bin".parse().unwrap();
        assert_eq!(
            (u.provider, u.bucket.as_str(), u.key.as_str()),
            (Provider::Aws, "bucket", "dir/a.bin")
        );
        let u: ObjectUrl = "oss://examplebucket".parse().unwrap();
        assert_eq!(u.key, "");
        assert_eq!(u.to_string(), "oss://examplebucket/");
        for bad in [
            "bucket/key",
            "s3:///key",
            "ftp://b/k",
            "cos://nobucketappid/k",
        ] {
            assert_eq!(
                bad.parse::<ObjectUrl>().unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn options_debug_and_cancel() {
        let token = CancelToken::new();
        let o = UploadOptions::default()
            .with_progress(|_| {})
            .with_cancel(token.clone());
        let d = format!("{o:?}");
        assert!(d.contains("on_progress: true"), "{d}");
        assert!(!token.is_cancelled());
        token.cancel();
        assert!(o.cancel.as_ref().unwrap().is_cancelled());
    }
}

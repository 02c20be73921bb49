//! The error codes of the S3-style object stores (S3, COS, OSS): one table, since the three
//! answer a failed request with the same `<Error><Code>` vocabulary.

use crate::codes::{CodeMatch, CodeTable};
use crate::error::ErrorKind;

/// The `<Code>` of an object store's `<Error>` body mapped to a kind.
///
/// `NoSuch*` (bucket, key, upload, version, ...) is not found; signature, key and token
/// failures are auth; `AccessDenied` is permission; `SlowDown` / `RequestLimitExceeded`
/// throttled; `InternalError` / `ServiceUnavailable` unavailable; size, part, digest, name and
/// argument errors (and any other `Invalid*`) invalid input; `BucketAlreadyExists` /
/// `BucketAlreadyOwnedByYou` already exists; `BucketNotEmpty` / `OperationAborted` conflict.
/// A `BadDigest` or `XAmzContentSHA256Mismatch` means the bytes changed on the way, and a
/// `RequestTimeout` that the body came too slowly: those are retryable, since sending the same
/// bytes again may succeed. A code the table does not know falls back to the HTTP status.
///
/// ```
/// use unicloud_core::ErrorKind;
/// use unicloud_core::object::codes::CODES;
///
/// assert_eq!(CODES.kind_of("NoSuchUpload"), Some(ErrorKind::NotFound));
/// assert_eq!(CODES.kind_of("SignatureDoesNotMatch"), Some(ErrorKind::Auth));
/// assert_eq!(CODES.retryable_override("BadDigest"), Some(true));
/// ```
pub static CODES: CodeTable = CodeTable {
    exact: &[
        ("NoSuchBucket", ErrorKind::NotFound),
        ("NoSuchKey", ErrorKind::NotFound),
        ("NoSuchUpload", ErrorKind::NotFound),
        ("NoSuchVersion", ErrorKind::NotFound),
        ("NotFound", ErrorKind::NotFound),
        ("SignatureDoesNotMatch", ErrorKind::Auth),
        ("InvalidAccessKeyId", ErrorKind::Auth),
        ("InvalidToken", ErrorKind::Auth),
        ("ExpiredToken", ErrorKind::Auth),
        ("RequestTimeTooSkewed", ErrorKind::Auth),
        ("AuthorizationHeaderMalformed", ErrorKind::Auth),
        ("MissingSecurityHeader", ErrorKind::Auth),
        ("AccessForbidden", ErrorKind::Auth),
        ("AccessDenied", ErrorKind::PermissionDenied),
        ("AllAccessDisabled", ErrorKind::PermissionDenied),
        ("SlowDown", ErrorKind::Throttled),
        ("RequestLimitExceeded", ErrorKind::Throttled),
        ("InternalError", ErrorKind::Unavailable),
        ("ServiceUnavailable", ErrorKind::Unavailable),
        ("RequestTimeout", ErrorKind::Timeout),
        ("EntityTooSmall", ErrorKind::InvalidInput),
        ("EntityTooLarge", ErrorKind::InvalidInput),
        ("InvalidPart", ErrorKind::InvalidInput),
        ("InvalidPartOrder", ErrorKind::InvalidInput),
        ("BadDigest", ErrorKind::InvalidInput),
        ("InvalidDigest", ErrorKind::InvalidInput),
        ("XAmzContentSHA256Mismatch", ErrorKind::InvalidInput),
        ("InvalidBucketName", ErrorKind::InvalidInput),
        ("InvalidObjectName", ErrorKind::InvalidInput),
        ("InvalidArgument", ErrorKind::InvalidInput),
        ("InvalidRequest", ErrorKind::InvalidInput),
        ("InvalidRange", ErrorKind::InvalidInput),
        ("KeyTooLong", ErrorKind::InvalidInput),
        ("KeyTooLongError", ErrorKind::InvalidInput),
        ("MalformedXML", ErrorKind::InvalidInput),
        ("MissingContentLength", ErrorKind::InvalidInput),
        ("BucketAlreadyExists", ErrorKind::AlreadyExists),
        ("BucketAlreadyOwnedByYou", ErrorKind::AlreadyExists),
        ("BucketNotEmpty", ErrorKind::Conflict),
        ("OperationAborted", ErrorKind::Conflict),
        ("PreconditionFailed", ErrorKind::PreconditionFailed),
        ("MethodNotAllowed", ErrorKind::Unsupported),
        ("NotImplemented", ErrorKind::Unsupported),
        ("TooManyBuckets", ErrorKind::QuotaExceeded),
    ],
    rules: &[
        (CodeMatch::Starts("NoSuch"), ErrorKind::NotFound),
        (CodeMatch::Starts("Invalid"), ErrorKind::InvalidInput),
    ],
    retryable: &[
        ("BadDigest", true),
        ("XAmzContentSHA256Mismatch", true),
        ("RequestTimeout", true),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_has_its_kind() {
        for (code, kind) in [
            ("NoSuchBucket", ErrorKind::NotFound),
            ("NoSuchKey", ErrorKind::NotFound),
            ("NoSuchUpload", ErrorKind::NotFound),
            ("NoSuchLifecycleConfiguration", ErrorKind::NotFound),
            ("SignatureDoesNotMatch", ErrorKind::Auth),
            ("RequestTimeTooSkewed", ErrorKind::Auth),
            ("InvalidAccessKeyId", ErrorKind::Auth),
            ("AccessDenied", ErrorKind::PermissionDenied),
            ("SlowDown", ErrorKind::Throttled),
            ("EntityTooSmall", ErrorKind::InvalidInput),
            ("InvalidPart", ErrorKind::InvalidInput),
            ("InvalidBucketName", ErrorKind::InvalidInput),
            ("InvalidArgument", ErrorKind::InvalidInput),
            ("InvalidStorageClass", ErrorKind::InvalidInput),
            ("BucketAlreadyOwnedByYou", ErrorKind::AlreadyExists),
            ("BucketNotEmpty", ErrorKind::Conflict),
        ] {
            assert_eq!(CODES.kind_of(code), Some(kind), "{code}");
        }
        assert_eq!(CODES.retryable_override("BadDigest"), Some(true));
        assert_eq!(CODES.retryable_override("NoSuchKey"), None);
        assert_eq!(CODES.kind_of("Mystery"), None);
    }
}

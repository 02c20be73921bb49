//! Amazon S3 error codes (REST-XML `<Error><Code>`), as the object-storage backend meets them.

use unicloud_core::ErrorKind;
use unicloud_core::codes::{CodeMatch, CodeTable};

/// S3's codes: `NoSuchBucket`, `NoSuchKey`, `NoSuchUpload` not found; signature and key
/// failures auth; `AccessDenied` permission; `SlowDown` throttled (retryable);
/// `InternalError`, `ServiceUnavailable` unavailable; `EntityTooSmall`, `EntityTooLarge`,
/// `InvalidPart`, `InvalidPartOrder`, `BadDigest`, `InvalidDigest`, `InvalidBucketName`,
/// `InvalidArgument`, `InvalidRequest`, `KeyTooLongError`, `XAmzContentSHA256Mismatch`
/// invalid input; `BucketAlreadyExists` / `BucketAlreadyOwnedByYou` already exists;
/// `OperationAborted` conflict. A `BadDigest` or `XAmzContentSHA256Mismatch` means the bytes
/// changed on the way: it is retryable, since sending them again may succeed.
pub static S3: CodeTable = CodeTable {
    exact: &[
        ("NoSuchBucket", ErrorKind::NotFound),
        ("NoSuchKey", ErrorKind::NotFound),
        ("NoSuchUpload", ErrorKind::NotFound),
        ("NotFound", ErrorKind::NotFound),
        ("SignatureDoesNotMatch", ErrorKind::Auth),
        ("InvalidAccessKeyId", ErrorKind::Auth),
        ("InvalidToken", ErrorKind::Auth),
        ("ExpiredToken", ErrorKind::Auth),
        ("RequestTimeTooSkewed", ErrorKind::Auth),
        ("AuthorizationHeaderMalformed", ErrorKind::Auth),
        ("MissingSecurityHeader", ErrorKind::Auth),
        ("AccessDenied", ErrorKind::PermissionDenied),
        ("AllAccessDisabled", ErrorKind::PermissionDenied),
        ("SlowDown", ErrorKind::Throttled),
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
        ("InvalidArgument", ErrorKind::InvalidInput),
        ("InvalidRequest", ErrorKind::InvalidInput),
        ("KeyTooLongError", ErrorKind::InvalidInput),
        ("MalformedXML", ErrorKind::InvalidInput),
        ("BucketAlreadyExists", ErrorKind::AlreadyExists),
        ("BucketAlreadyOwnedByYou", ErrorKind::AlreadyExists),
        ("OperationAborted", ErrorKind::Conflict),
        ("NotImplemented", ErrorKind::Unsupported),
    ],
    rules: &[(CodeMatch::Starts("NoSuch"), ErrorKind::NotFound)],
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
            ("NoSuchUpload", ErrorKind::NotFound),
            ("NoSuchLifecycleConfiguration", ErrorKind::NotFound),
            ("SignatureDoesNotMatch", ErrorKind::Auth),
            ("InvalidAccessKeyId", ErrorKind::Auth),
            ("AccessDenied", ErrorKind::PermissionDenied),
            ("SlowDown", ErrorKind::Throttled),
            ("EntityTooSmall", ErrorKind::InvalidInput),
            ("BucketAlreadyOwnedByYou", ErrorKind::AlreadyExists),
        ] {
            assert_eq!(S3.kind_of(code), Some(kind), "{code}");
        }
        assert_eq!(S3.retryable_override("BadDigest"), Some(true));
        assert_eq!(S3.kind_of("SomethingElse"), None);
    }
}

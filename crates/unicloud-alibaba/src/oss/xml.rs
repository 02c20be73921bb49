//! The XML OSS speaks: the bodies it answers (errors, multipart results, listings) and the
//! CompleteMultipartUpload body we send, plus the table of its error codes.

use quick_xml::escape::partial_escape;
use serde::Deserialize;
use unicloud_core::ErrorKind;
use unicloud_core::codes::{CodeMatch, CodeTable};

/// OSS's error codes (the S3-style `<Code>` of an `<Error>` body) mapped to kinds. A code the
/// table does not know falls back to the HTTP status.
pub(crate) static OSS_CODES: CodeTable = CodeTable {
    exact: &[
        ("NoSuchBucket", ErrorKind::NotFound),
        ("NoSuchKey", ErrorKind::NotFound),
        ("NoSuchUpload", ErrorKind::NotFound),
        ("NoSuchVersion", ErrorKind::NotFound),
        ("SignatureDoesNotMatch", ErrorKind::Auth),
        ("InvalidAccessKeyId", ErrorKind::Auth),
        ("RequestTimeTooSkewed", ErrorKind::Auth),
        ("AccessForbidden", ErrorKind::Auth),
        ("ExpiredToken", ErrorKind::Auth),
        ("InvalidToken", ErrorKind::Auth),
        ("MissingSecurityHeader", ErrorKind::Auth),
        ("AccessDenied", ErrorKind::PermissionDenied),
        ("SlowDown", ErrorKind::Throttled),
        ("RequestLimitExceeded", ErrorKind::Throttled),
        ("ServiceUnavailable", ErrorKind::Unavailable),
        ("InternalError", ErrorKind::Unavailable),
        ("RequestTimeout", ErrorKind::Timeout),
        ("EntityTooSmall", ErrorKind::InvalidInput),
        ("EntityTooLarge", ErrorKind::InvalidInput),
        ("InvalidPart", ErrorKind::InvalidInput),
        ("InvalidPartOrder", ErrorKind::InvalidInput),
        ("InvalidArgument", ErrorKind::InvalidInput),
        ("InvalidBucketName", ErrorKind::InvalidInput),
        ("InvalidObjectName", ErrorKind::InvalidInput),
        ("InvalidRange", ErrorKind::InvalidInput),
        ("InvalidDigest", ErrorKind::InvalidInput),
        ("BadDigest", ErrorKind::InvalidInput),
        ("KeyTooLong", ErrorKind::InvalidInput),
        ("MalformedXML", ErrorKind::InvalidInput),
        ("MissingContentLength", ErrorKind::InvalidInput),
        ("BucketAlreadyExists", ErrorKind::AlreadyExists),
        ("BucketAlreadyOwnedByYou", ErrorKind::AlreadyExists),
        ("BucketNotEmpty", ErrorKind::Conflict),
        ("PreconditionFailed", ErrorKind::PreconditionFailed),
        ("MethodNotAllowed", ErrorKind::Unsupported),
        ("NotImplemented", ErrorKind::Unsupported),
        ("TooManyBuckets", ErrorKind::QuotaExceeded),
    ],
    rules: &[
        (CodeMatch::Starts("NoSuch"), ErrorKind::NotFound),
        (CodeMatch::Starts("Invalid"), ErrorKind::InvalidInput),
    ],
    retryable: &[],
};

/// `<Error>`: what OSS answers a failed request with.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ErrorBody {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
}

/// `<InitiateMultipartUploadResult>`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct InitiateResult {
    pub(crate) upload_id: Option<String>,
}

/// `<CompleteMultipartUploadResult>`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CompleteResult {
    #[serde(rename = "ETag")]
    pub(crate) etag: Option<String>,
}

/// `<ListMultipartUploadsResult>`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ListUploadsResult {
    pub(crate) is_truncated: Option<String>,
    pub(crate) next_key_marker: Option<String>,
    pub(crate) next_upload_id_marker: Option<String>,
    #[serde(rename = "Upload")]
    pub(crate) uploads: Vec<UploadEntry>,
}

/// One `<Upload>` of a listing.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct UploadEntry {
    pub(crate) key: String,
    pub(crate) upload_id: String,
    pub(crate) initiated: Option<String>,
}

/// `<ListPartsResult>`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ListPartsResult {
    pub(crate) is_truncated: Option<String>,
    pub(crate) next_part_number_marker: Option<String>,
    #[serde(rename = "Part")]
    pub(crate) parts: Vec<PartEntry>,
}

/// One `<Part>` of a parts listing.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PartEntry {
    #[serde(rename = "PartNumber")]
    pub(crate) part_number: u32,
    #[serde(rename = "Size")]
    pub(crate) size: u64,
    #[serde(rename = "ETag")]
    pub(crate) etag: String,
    #[serde(rename = "HashCrc64ecma")]
    pub(crate) crc64: Option<String>,
}

/// Whether an `IsTruncated` value says more pages follow.
pub(crate) fn truncated(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// A non-empty, trimmed text, or `None`.
pub(crate) fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Parses `body` as `T`, `None` when it is not that document.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    quick_xml::de::from_str(text).ok()
}

/// The name of the root element of `body`, when it is XML.
pub(crate) fn root_name(body: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            quick_xml::events::Event::Eof => return None,
            _ => buf.clear(),
        }
    }
}

/// The CompleteMultipartUpload body, as oss2 writes it: no XML declaration, one `<Part>` per
/// part with `PartNumber` before `ETag`, the ETag's quotes as they are.
pub(crate) fn complete_body(parts: &[(u32, String)]) -> String {
    let mut body = String::from("<CompleteMultipartUpload>");
    for (number, etag) in parts {
        body.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
            partial_escape(etag.as_str())
        ));
    }
    body.push_str("</CompleteMultipartUpload>");
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listings_with_and_without_entries() {
        let page: ListUploadsResult = parse(
            b"<?xml version=\"1.0\"?><ListMultipartUploadsResult><Bucket>b-1</Bucket>\
              <IsTruncated>true</IsTruncated><NextKeyMarker>k2</NextKeyMarker>\
              <NextUploadIdMarker>u2</NextUploadIdMarker>\
              <Upload><Key>k1</Key><UploadId>u1</UploadId><Initiated>2026-11-23T14:15:26.000Z</Initiated></Upload>\
              <Upload><Key>k2</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>",
        )
        .unwrap();
        assert!(truncated(page.is_truncated.as_deref()));
        assert_eq!(page.uploads.len(), 2);
        assert_eq!(page.uploads[1].upload_id, "u2");
        let empty: ListUploadsResult = parse(
            b"<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><NextKeyMarker/></ListMultipartUploadsResult>",
        )
        .unwrap();
        assert!(empty.uploads.is_empty());
        assert!(!truncated(empty.is_truncated.as_deref()));
        assert_eq!(non_empty(empty.next_key_marker), None);
        let parts: ListPartsResult = parse(
            b"<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>3</PartNumber>\
              <ETag>\"abc\"</ETag><Size>5</Size></Part></ListPartsResult>",
        )
        .unwrap();
        assert_eq!((parts.parts[0].part_number, parts.parts[0].size), (3, 5));
        assert_eq!(parts.parts[0].etag, "\"abc\"");
    }

    #[test]
    fn root_names() {
        assert_eq!(
            root_name(b"<?xml version=\"1.0\"?>\n<Error><Code>x</Code></Error>").as_deref(),
            Some("Error")
        );
        assert_eq!(root_name(b"").as_deref(), None);
    }

    #[test]
    fn code_table() {
        let kind = |c| OSS_CODES.kind_of(c);
        assert_eq!(kind("NoSuchUpload"), Some(ErrorKind::NotFound));
        assert_eq!(kind("NoSuchBucket"), Some(ErrorKind::NotFound));
        assert_eq!(kind("NoSuchKey"), Some(ErrorKind::NotFound));
        assert_eq!(kind("SignatureDoesNotMatch"), Some(ErrorKind::Auth));
        assert_eq!(kind("RequestTimeTooSkewed"), Some(ErrorKind::Auth));
        assert_eq!(kind("InvalidAccessKeyId"), Some(ErrorKind::Auth));
        assert_eq!(kind("AccessDenied"), Some(ErrorKind::PermissionDenied));
        assert_eq!(kind("SlowDown"), Some(ErrorKind::Throttled));
        assert_eq!(kind("EntityTooSmall"), Some(ErrorKind::InvalidInput));
        assert_eq!(kind("InvalidPart"), Some(ErrorKind::InvalidInput));
        assert_eq!(kind("InvalidBucketName"), Some(ErrorKind::InvalidInput));
        assert_eq!(kind("InvalidArgument"), Some(ErrorKind::InvalidInput));
        assert_eq!(kind("Mystery"), None);
    }
}

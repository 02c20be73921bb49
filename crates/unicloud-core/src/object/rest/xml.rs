//! The XML the S3-style stores speak: the bodies they answer (errors, multipart results,
//! listings) and the CompleteMultipartUpload body a client sends.

use quick_xml::escape::{escape, partial_escape};
use serde::Deserialize;

/// `<Error>`: what a store answers a failed request with.
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

/// How a dialect writes the CompleteMultipartUpload body: one `<Part>` per part with
/// `PartNumber` before `ETag`, with or without an XML declaration, the ETag's quotes escaped
/// or as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompleteBodyStyle {
    /// Starts with `<?xml version="1.0" encoding="utf-8"?>`.
    pub declaration: bool,
    /// Writes the ETag's `"` as `&quot;` (else only `<`, `>` and `&` are escaped).
    pub escape_quotes: bool,
}

impl CompleteBodyStyle {
    /// The body for `parts`, sorted by part number.
    pub fn body(self, parts: &[(u32, String)]) -> String {
        let mut body = String::new();
        if self.declaration {
            body.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        }
        body.push_str("<CompleteMultipartUpload>");
        for (number, etag) in parts {
            let etag = if self.escape_quotes {
                escape(etag.as_str())
            } else {
                partial_escape(etag.as_str())
            };
            body.push_str(&format!(
                "<Part><PartNumber>{number}</PartNumber><ETag>{etag}</ETag></Part>"
            ));
        }
        body.push_str("</CompleteMultipartUpload>");
        body
    }
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
              <ETag>\"abc\"</ETag><Size>5</Size><HashCrc64ecma>42</HashCrc64ecma></Part></ListPartsResult>",
        )
        .unwrap();
        assert_eq!((parts.parts[0].part_number, parts.parts[0].size), (3, 5));
        assert_eq!(parts.parts[0].etag, "\"abc\"");
        assert_eq!(parts.parts[0].crc64.as_deref(), Some("42"));
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
    fn complete_bodies_in_both_styles() {
        let parts = [(1, "\"a\"".to_owned()), (2, "\"b&c\"".to_owned())];
        let escaped = CompleteBodyStyle {
            declaration: true,
            escape_quotes: true,
        };
        assert_eq!(
            escaped.body(&parts),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><CompleteMultipartUpload>\
             <Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part>\
             <Part><PartNumber>2</PartNumber><ETag>&quot;b&amp;c&quot;</ETag></Part>\
             </CompleteMultipartUpload>"
        );
        let plain = CompleteBodyStyle {
            declaration: false,
            escape_quotes: false,
        };
        assert_eq!(
            plain.body(&parts[..1]),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part>\
             </CompleteMultipartUpload>"
        );
    }
}

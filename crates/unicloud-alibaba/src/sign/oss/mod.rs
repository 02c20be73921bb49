//! OSS (Alibaba Cloud Object Storage Service) request signatures.
//!
//! - [`v1`]: `Authorization: OSS AccessKeyId:base64(HMAC-SHA1(...))`, the oss2 SDK default.
//! - [`v4`]: `Authorization: OSS4-HMAC-SHA256 Credential=…,Signature=…`, the OSS v2 SDK
//!   default and an oss2 option, always with `x-oss-content-sha256: UNSIGNED-PAYLOAD`.
//!
//! Both sign the bucket and object key rather than the request path, so the same request
//! signs identically whether it is addressed path-style (`http://endpoint/bucket/key`, as the
//! emulator is) or virtual-hosted (`http://bucket.endpoint/key`); [`ObjectAddress`] recovers the
//! bucket and key from a received request.

pub mod v1;
pub mod v4;

use unicloud_core::signing::percent_decode;

use super::VerifyError;

/// The bucket and object key a request addresses (both decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectAddress {
    /// The bucket, absent for service-level requests such as ListBuckets.
    pub bucket: Option<String>,
    /// The object key, absent for bucket-level requests.
    pub key: Option<String>,
}

impl ObjectAddress {
    /// Reads a path-style request path, `/bucket/key…` (percent-encoded as received; an
    /// encoded `/` in the key, as oss2 sends it, decodes to `/`).
    ///
    /// ```
    /// use unicloud_alibaba::sign::oss::ObjectAddress;
    /// let a = ObjectAddress::path_style("/examplebucket/dir%2Fhello.txt")?;
    /// assert_eq!(a.bucket.as_deref(), Some("examplebucket"));
    /// assert_eq!(a.key.as_deref(), Some("dir/hello.txt"));
    /// # Ok::<(), unicloud_alibaba::sign::VerifyError>(())
    /// ```
    pub fn path_style(raw_path: &str) -> Result<Self, VerifyError> {
        let trimmed = raw_path.strip_prefix('/').unwrap_or(raw_path);
        let (bucket, key) = match trimmed.split_once('/') {
            Some((b, k)) => (b, Some(k)),
            None => (trimmed, None),
        };
        let bucket = percent_decode(bucket).ok_or(VerifyError::InvalidTarget)?;
        let key = match key {
            Some(k) if !k.is_empty() => Some(percent_decode(k).ok_or(VerifyError::InvalidTarget)?),
            _ => None,
        };
        Ok(Self {
            bucket: (!bucket.is_empty()).then_some(bucket),
            key,
        })
    }

    /// Reads a virtual-hosted request path, `/key…`, for a bucket known from the `Host`.
    pub fn virtual_hosted(bucket: &str, raw_path: &str) -> Result<Self, VerifyError> {
        let key = raw_path.strip_prefix('/').unwrap_or(raw_path);
        let key = if key.is_empty() {
            None
        } else {
            Some(percent_decode(key).ok_or(VerifyError::InvalidTarget)?)
        };
        Ok(Self {
            bucket: Some(bucket.to_owned()),
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            ObjectAddress::path_style("/").unwrap(),
            ObjectAddress {
                bucket: None,
                key: None
            }
        );
        assert_eq!(
            ObjectAddress::path_style("/b/").unwrap(),
            ObjectAddress {
                bucket: Some("b".into()),
                key: None
            }
        );
        assert_eq!(
            ObjectAddress::virtual_hosted("b", "/a%2Bb/c")
                .unwrap()
                .key
                .as_deref(),
            Some("a+b/c")
        );
        assert_eq!(
            ObjectAddress::path_style("/b/%FF"),
            Err(VerifyError::InvalidTarget)
        );
    }
}

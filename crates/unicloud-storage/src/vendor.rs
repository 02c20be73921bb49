//! What COS and OSS share: one backend over core's S3-style REST client in either dialect,
//! CRC-64/XZ compared on every part and on the whole object. `tencent.rs` and `alibaba.rs`
//! each give it their client and smallest part.

use std::fmt;

use bytes::Bytes;
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::object::rest::{Dialect, ObjectClient};
use unicloud_core::object::{MultipartUpload, PutOptions, PutOutcome, UploadedPart};
use unicloud_core::{Error, Provider};

use crate::checksum::Algorithm;
use crate::{Done, Head, ObjectBackend, Written};

/// The engine's backend over an object client of dialect `D`.
pub(crate) struct Crc64Backend<D> {
    pub(crate) client: ObjectClient<D>,
    /// The smallest part but the last.
    pub(crate) min_part: u64,
}

impl<D: Dialect> fmt::Debug for Crc64Backend<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crc64Backend")
            .field("client", &self.client)
            .field("min_part", &self.min_part)
            .finish()
    }
}

fn written(o: PutOutcome) -> Written {
    Written {
        etag: o.etag,
        crc64: o.crc64,
        checksum: None,
        version_id: o.version_id,
    }
}

impl<D: Dialect> ObjectBackend for Crc64Backend<D> {
    fn provider(&self) -> Provider {
        D::PROVIDER
    }

    fn clock(&self) -> SharedClock {
        self.client.config().clock().clone()
    }

    fn min_part_size(&self) -> u64 {
        self.min_part
    }

    fn max_object_size(&self) -> u64 {
        // 10,000 parts of 5 GiB.
        10_000 * (5 << 30)
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Crc64
    }

    fn create_bucket<'a>(&'a self, bucket: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.client.put_bucket(bucket))
    }

    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Bytes,
        _crc: u64,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<Written, Error>> {
        Box::pin(async move {
            Ok(written(
                self.client.put_object(bucket, key, body, opts).await?,
            ))
        })
    }

    fn initiate<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(self.client.initiate_multipart_upload(bucket, key, opts))
    }

    fn upload_part<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        number: u32,
        body: Bytes,
        _crc: u64,
    ) -> BoxFuture<'a, Result<Written, Error>> {
        Box::pin(async move {
            let p = self
                .client
                .upload_part(bucket, key, upload_id, number, body)
                .await?;
            Ok(Written {
                etag: p.etag,
                crc64: p.crc64,
                checksum: None,
                version_id: None,
            })
        })
    }

    fn complete<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        parts: &'a [Done],
    ) -> BoxFuture<'a, Result<Written, Error>> {
        Box::pin(async move {
            let list: Vec<(u32, String)> =
                parts.iter().map(|p| (p.number, p.etag.clone())).collect();
            let out = self
                .client
                .complete_multipart_upload(bucket, key, upload_id, &list)
                .await?;
            Ok(written(out))
        })
    }

    fn abort<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.client.abort_multipart_upload(bucket, key, upload_id))
    }

    fn list_uploads<'a>(
        &'a self,
        bucket: &'a str,
        prefix: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<MultipartUpload>, Error>> {
        Box::pin(self.client.list_multipart_uploads(bucket, prefix))
    }

    fn list_parts<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<UploadedPart>, Error>> {
        Box::pin(self.client.list_parts(bucket, key, upload_id))
    }

    fn head<'a>(&'a self, bucket: &'a str, key: &'a str) -> BoxFuture<'a, Result<Head, Error>> {
        Box::pin(async move {
            Ok(Head {
                head: self.client.head_object(bucket, key).await?,
                checksum: None,
            })
        })
    }
}

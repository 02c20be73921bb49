//! Tencent Cloud COS through unicloud-tencent's [`CosClient`]: CRC-64/XZ compared with
//! `x-cos-hash-crc64ecma` on every part and on the whole object.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::object::{MultipartUpload, PutOptions, PutOutcome, UploadedPart};
use unicloud_core::{Error, Provider};
use unicloud_tencent::cos::CosClient;

use crate::checksum::Algorithm;
use crate::{Done, Head, MIB, ObjectBackend, Storage, Written};

impl Storage {
    /// Tencent Cloud COS through `client` (its region, credentials, endpoint override for
    /// `cos`, retry policy and clock). Bucket names carry the `-APPID` suffix.
    pub fn tencent(client: &CosClient) -> Self {
        Storage::from_backend(Arc::new(CosBackend {
            cos: client.clone(),
        }))
    }
}

struct CosBackend {
    cos: CosClient,
}

impl fmt::Debug for CosBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosBackend")
            .field("cos", &self.cos)
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

fn etags(parts: &[Done]) -> Vec<(u32, String)> {
    parts.iter().map(|p| (p.number, p.etag.clone())).collect()
}

impl ObjectBackend for CosBackend {
    fn provider(&self) -> Provider {
        Provider::Tencent
    }

    fn clock(&self) -> SharedClock {
        self.cos.config().clock().clone()
    }

    fn min_part_size(&self) -> u64 {
        MIB
    }

    fn max_object_size(&self) -> u64 {
        // 10,000 parts of 5 GiB.
        10_000 * (5 << 30)
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Crc64
    }

    fn create_bucket<'a>(&'a self, bucket: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.cos.put_bucket(bucket))
    }

    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Bytes,
        _crc: u64,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<Written, Error>> {
        Box::pin(async move { Ok(written(self.cos.put_object(bucket, key, body, opts).await?)) })
    }

    fn initiate<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(self.cos.initiate_multipart_upload(bucket, key, opts))
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
                .cos
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
            let list = etags(parts);
            Ok(written(
                self.cos
                    .complete_multipart_upload(bucket, key, upload_id, &list)
                    .await?,
            ))
        })
    }

    fn abort<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.cos.abort_multipart_upload(bucket, key, upload_id))
    }

    fn list_uploads<'a>(
        &'a self,
        bucket: &'a str,
        prefix: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<MultipartUpload>, Error>> {
        Box::pin(self.cos.list_multipart_uploads(bucket, prefix))
    }

    fn list_parts<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<UploadedPart>, Error>> {
        Box::pin(self.cos.list_parts(bucket, key, upload_id))
    }

    fn head<'a>(&'a self, bucket: &'a str, key: &'a str) -> BoxFuture<'a, Result<Head, Error>> {
        Box::pin(async move {
            Ok(Head {
                head: self.cos.head_object(bucket, key).await?,
                checksum: None,
            })
        })
    }
}

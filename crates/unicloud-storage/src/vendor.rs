//! What COS and OSS share: one backend shape over their clients (the same method set on the
//! shared `unicloud_core::object` types), CRC-64/XZ compared on every part and the whole
//! object. `tencent.rs` and `alibaba.rs` each instantiate it once.

use unicloud_core::object::PutOutcome;

use crate::{Done, Written};

pub(crate) fn written(o: PutOutcome) -> Written {
    Written {
        etag: o.etag,
        crc64: o.crc64,
        checksum: None,
        version_id: o.version_id,
    }
}

pub(crate) fn etags(parts: &[Done]) -> Vec<(u32, String)> {
    parts.iter().map(|p| (p.number, p.etag.clone())).collect()
}

/// A backend over a COS-or-OSS client `$client`: `$backend` is its name, `$provider` its
/// provider, `$min_part` its smallest part (but the last).
macro_rules! crc64_backend {
    ($backend:ident, $client:ty, $provider:expr, $min_part:expr) => {
        struct $backend {
            client: $client,
        }

        impl ::std::fmt::Debug for $backend {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($backend))
                    .field("client", &self.client)
                    .finish()
            }
        }

        impl $crate::ObjectBackend for $backend {
            fn provider(&self) -> ::unicloud_core::Provider {
                $provider
            }

            fn clock(&self) -> ::unicloud_core::clock::SharedClock {
                self.client.config().clock().clone()
            }

            fn min_part_size(&self) -> u64 {
                $min_part
            }

            fn max_object_size(&self) -> u64 {
                // 10,000 parts of 5 GiB.
                10_000 * (5 << 30)
            }

            fn algorithm(&self) -> $crate::checksum::Algorithm {
                $crate::checksum::Algorithm::Crc64
            }

            fn create_bucket<'a>(
                &'a self,
                bucket: &'a str,
            ) -> ::unicloud_core::clock::BoxFuture<'a, Result<(), ::unicloud_core::Error>> {
                Box::pin(self.client.put_bucket(bucket))
            }

            fn put<'a>(
                &'a self,
                bucket: &'a str,
                key: &'a str,
                body: ::bytes::Bytes,
                _crc: u64,
                opts: &'a ::unicloud_core::object::PutOptions,
            ) -> ::unicloud_core::clock::BoxFuture<
                'a,
                Result<$crate::Written, ::unicloud_core::Error>,
            > {
                Box::pin(async move {
                    Ok($crate::vendor::written(
                        self.client.put_object(bucket, key, body, opts).await?,
                    ))
                })
            }

            fn initiate<'a>(
                &'a self,
                bucket: &'a str,
                key: &'a str,
                opts: &'a ::unicloud_core::object::PutOptions,
            ) -> ::unicloud_core::clock::BoxFuture<'a, Result<String, ::unicloud_core::Error>> {
                Box::pin(self.client.initiate_multipart_upload(bucket, key, opts))
            }

            fn upload_part<'a>(
                &'a self,
                bucket: &'a str,
                key: &'a str,
                upload_id: &'a str,
                number: u32,
                body: ::bytes::Bytes,
                _crc: u64,
            ) -> ::unicloud_core::clock::BoxFuture<
                'a,
                Result<$crate::Written, ::unicloud_core::Error>,
            > {
                Box::pin(async move {
                    let p = self
                        .client
                        .upload_part(bucket, key, upload_id, number, body)
                        .await?;
                    Ok($crate::Written {
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
                parts: &'a [$crate::Done],
            ) -> ::unicloud_core::clock::BoxFuture<
                'a,
                Result<$crate::Written, ::unicloud_core::Error>,
            > {
                Box::pin(async move {
                    let list = $crate::vendor::etags(parts);
                    Ok($crate::vendor::written(
                        self.client
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
            ) -> ::unicloud_core::clock::BoxFuture<'a, Result<(), ::unicloud_core::Error>> {
                Box::pin(self.client.abort_multipart_upload(bucket, key, upload_id))
            }

            fn list_uploads<'a>(
                &'a self,
                bucket: &'a str,
                prefix: Option<&'a str>,
            ) -> ::unicloud_core::clock::BoxFuture<
                'a,
                Result<Vec<::unicloud_core::object::MultipartUpload>, ::unicloud_core::Error>,
            > {
                Box::pin(self.client.list_multipart_uploads(bucket, prefix))
            }

            fn list_parts<'a>(
                &'a self,
                bucket: &'a str,
                key: &'a str,
                upload_id: &'a str,
            ) -> ::unicloud_core::clock::BoxFuture<
                'a,
                Result<Vec<::unicloud_core::object::UploadedPart>, ::unicloud_core::Error>,
            > {
                Box::pin(self.client.list_parts(bucket, key, upload_id))
            }

            fn head<'a>(
                &'a self,
                bucket: &'a str,
                key: &'a str,
            ) -> ::unicloud_core::clock::BoxFuture<'a, Result<$crate::Head, ::unicloud_core::Error>>
            {
                Box::pin(async move {
                    Ok($crate::Head {
                        head: self.client.head_object(bucket, key).await?,
                        checksum: None,
                    })
                })
            }
        }
    };
}

pub(crate) use crc64_backend;

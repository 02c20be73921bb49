//! Amazon S3 through aws-sdk-s3: path-style addressing for a custom endpoint, CRC32 checksums
//! computed here and sent with every PUT and part, composite checksums compared at completion.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_sdk_s3 as s3;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload,
    CompletedPart, CreateBucketConfiguration, ServerSideEncryption, StorageClass,
};
use bytes::Bytes;
use unicloud_aws::codes::S3;
use unicloud_aws::{AwsClient, map_sdk_error};
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::object::{MultipartUpload, ObjectHead, PutOptions, UploadedPart};
use unicloud_core::{Error, ErrorKind, Provider};

use crate::checksum::Algorithm;
use crate::{Done, Head, MIB, ObjectBackend, Storage, Written};

impl Storage {
    /// Amazon S3 through `client`: the credentials and region of its `aws-config`
    /// [`SdkConfig`](unicloud_aws::SdkConfig), and the endpoint override (service `s3`; a
    /// custom endpoint is addressed path-style, `http://endpoint/bucket/key`), time-outs,
    /// retry policy and clock of its [`ClientConfig`](unicloud_core::ClientConfig).
    pub fn aws(client: &AwsClient) -> Self {
        let sdk = client.service_config("s3");
        let conf = s3::config::Builder::from(&sdk)
            .force_path_style(client.endpoint_for("s3").is_some())
            .build();
        Storage::from_backend(Arc::new(AwsBackend {
            s3: s3::Client::from_conf(conf),
            aws: client.clone(),
        }))
    }
}

struct AwsBackend {
    s3: s3::Client,
    aws: AwsClient,
}

impl fmt::Debug for AwsBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsBackend")
            .field("aws", &self.aws)
            .finish_non_exhaustive()
    }
}

fn unquoted_time(t: Option<&aws_sdk_s3::primitives::DateTime>) -> Option<std::time::SystemTime> {
    t.and_then(|d| std::time::SystemTime::try_from(*d).ok())
}

fn metadata(opts: &PutOptions) -> Option<HashMap<String, String>> {
    (!opts.metadata.is_empty()).then(|| opts.metadata.iter().cloned().collect())
}

/// `$req` (a PutObject or CreateMultipartUpload builder, which share these setters but no
/// trait) with the content type, metadata, storage class and server-side encryption of
/// `$opts`.
macro_rules! with_put_options {
    ($req:expr, $opts:expr) => {
        $req.set_content_type($opts.content_type.clone())
            .set_metadata(metadata($opts))
            .set_storage_class($opts.storage_class.as_deref().map(StorageClass::from))
            .set_server_side_encryption(
                $opts
                    .server_side_encryption
                    .as_deref()
                    .map(ServerSideEncryption::from),
            )
    };
}

fn crc32(crc: u64) -> String {
    Algorithm::Crc32.format(crc)
}

impl AwsBackend {
    async fn call<T, F, Fut, E>(&self, op: &'static str, f: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<
                Output = Result<T, s3::error::SdkError<E, s3::config::http::HttpResponse>>,
            >,
        E: s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.aws
            .retry(op, |_| async {
                f().await.map_err(|e| map_sdk_error(op, &S3, e))
            })
            .await
    }
}

impl ObjectBackend for AwsBackend {
    fn provider(&self) -> Provider {
        Provider::Aws
    }

    fn clock(&self) -> SharedClock {
        self.aws.config().clock().clone()
    }

    fn min_part_size(&self) -> u64 {
        5 * MIB
    }

    fn max_object_size(&self) -> u64 {
        5 << 40
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Crc32
    }

    fn create_bucket<'a>(&'a self, bucket: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let region = self.aws.region().as_str().to_owned();
            let r = self
                .call("CreateBucket", || {
                    let mut req = self.s3.create_bucket().bucket(bucket);
                    if region != "us-east-1" {
                        req = req.create_bucket_configuration(
                            CreateBucketConfiguration::builder()
                                .location_constraint(BucketLocationConstraint::from(
                                    region.as_str(),
                                ))
                                .build(),
                        );
                    }
                    req.send()
                })
                .await;
            match r {
                Ok(_) => Ok(()),
                Err(e) if e.code() == Some("BucketAlreadyOwnedByYou") => Ok(()),
                Err(e) => Err(e),
            }
        })
    }

    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Bytes,
        crc: u64,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<Written, Error>> {
        Box::pin(async move {
            let out = self
                .call("PutObject", || {
                    let req = self
                        .s3
                        .put_object()
                        .bucket(bucket)
                        .key(key)
                        .content_length(body.len() as i64)
                        .body(ByteStream::from(body.clone()))
                        .checksum_crc32(crc32(crc));
                    with_put_options!(req, opts).send()
                })
                .await?;
            Ok(Written {
                etag: out.e_tag().unwrap_or_default().to_owned(),
                crc64: None,
                checksum: out.checksum_crc32().map(str::to_owned),
                version_id: out.version_id().map(str::to_owned),
            })
        })
    }

    fn initiate<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        opts: &'a PutOptions,
    ) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            let out = self
                .call("CreateMultipartUpload", || {
                    let req = self
                        .s3
                        .create_multipart_upload()
                        .bucket(bucket)
                        .key(key)
                        .checksum_algorithm(ChecksumAlgorithm::Crc32);
                    with_put_options!(req, opts).send()
                })
                .await?;
            out.upload_id()
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| invalid_response("CreateMultipartUpload", "no UploadId"))
        })
    }

    fn upload_part<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        number: u32,
        body: Bytes,
        crc: u64,
    ) -> BoxFuture<'a, Result<Written, Error>> {
        Box::pin(async move {
            let out = self
                .call("UploadPart", || {
                    self.s3
                        .upload_part()
                        .bucket(bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .part_number(number as i32)
                        .content_length(body.len() as i64)
                        .body(ByteStream::from(body.clone()))
                        .checksum_crc32(crc32(crc))
                        .send()
                })
                .await?;
            let etag = out
                .e_tag()
                .filter(|e| !e.is_empty())
                .ok_or_else(|| invalid_response("UploadPart", "no ETag"))?;
            Ok(Written {
                etag: etag.to_owned(),
                crc64: None,
                checksum: out.checksum_crc32().map(str::to_owned),
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
            let list: Vec<CompletedPart> = parts
                .iter()
                .map(|p| {
                    CompletedPart::builder()
                        .part_number(p.number as i32)
                        .e_tag(&p.etag)
                        .checksum_crc32(crc32(p.crc))
                        .build()
                })
                .collect();
            let out = self
                .call("CompleteMultipartUpload", || {
                    self.s3
                        .complete_multipart_upload()
                        .bucket(bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .multipart_upload(
                            CompletedMultipartUpload::builder()
                                .set_parts(Some(list.clone()))
                                .build(),
                        )
                        .send()
                })
                .await?;
            Ok(Written {
                etag: out.e_tag().unwrap_or_default().to_owned(),
                crc64: None,
                checksum: out.checksum_crc32().map(str::to_owned),
                version_id: out.version_id().map(str::to_owned),
            })
        })
    }

    fn abort<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.call("AbortMultipartUpload", || {
                self.s3
                    .abort_multipart_upload()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .send()
            })
            .await
            .map(|_| ())
        })
    }

    fn list_uploads<'a>(
        &'a self,
        bucket: &'a str,
        prefix: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<MultipartUpload>, Error>> {
        Box::pin(async move {
            let mut all = Vec::new();
            let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
            loop {
                let out = self
                    .call("ListMultipartUploads", || {
                        self.s3
                            .list_multipart_uploads()
                            .bucket(bucket)
                            .set_prefix(prefix.map(str::to_owned))
                            .set_key_marker(key_marker.clone())
                            .set_upload_id_marker(id_marker.clone())
                            .send()
                    })
                    .await?;
                for u in out.uploads() {
                    if let (Some(k), Some(id)) = (u.key(), u.upload_id()) {
                        let mut m = MultipartUpload::new(k, id);
                        if let Some(t) = unquoted_time(u.initiated()) {
                            m = m.with_initiated(t);
                        }
                        all.push(m);
                    }
                }
                let next = (out.next_key_marker(), out.next_upload_id_marker());
                if out.is_truncated() != Some(true) || next.0.is_none() {
                    return Ok(all);
                }
                if key_marker.as_deref() == next.0 && id_marker.as_deref() == next.1 {
                    return Err(invalid_response(
                        "ListMultipartUploads",
                        "the page markers did not advance",
                    ));
                }
                key_marker = next.0.map(str::to_owned);
                id_marker = next.1.map(str::to_owned);
            }
        })
    }

    fn list_parts<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<UploadedPart>, Error>> {
        Box::pin(async move {
            let mut all = Vec::new();
            let mut marker = None::<String>;
            loop {
                let out = self
                    .call("ListParts", || {
                        self.s3
                            .list_parts()
                            .bucket(bucket)
                            .key(key)
                            .upload_id(upload_id)
                            .set_part_number_marker(marker.clone())
                            .send()
                    })
                    .await?;
                for p in out.parts() {
                    if let (Some(n), Some(size), Some(etag)) =
                        (p.part_number(), p.size(), p.e_tag())
                    {
                        all.push(UploadedPart {
                            part_number: u32::try_from(n).unwrap_or(0),
                            size: u64::try_from(size).unwrap_or(0),
                            etag: etag.to_owned(),
                            crc64: None,
                        });
                    }
                }
                let next = out.next_part_number_marker().map(str::to_owned);
                if out.is_truncated() != Some(true) || next.is_none() || next == marker {
                    return Ok(all);
                }
                marker = next;
            }
        })
    }

    fn head<'a>(&'a self, bucket: &'a str, key: &'a str) -> BoxFuture<'a, Result<Head, Error>> {
        Box::pin(async move {
            let out = self
                .call("HeadObject", || {
                    self.s3
                        .head_object()
                        .bucket(bucket)
                        .key(key)
                        .checksum_mode(ChecksumMode::Enabled)
                        .send()
                })
                .await?;
            let mut head = ObjectHead::default();
            head.size = out
                .content_length()
                .and_then(|l| u64::try_from(l).ok())
                .unwrap_or(0);
            head.etag = out.e_tag().unwrap_or_default().to_owned();
            head.content_type = out.content_type().map(str::to_owned);
            head.last_modified = unquoted_time(out.last_modified());
            head.version_id = out.version_id().map(str::to_owned);
            head.storage_class = out.storage_class().map(|c| c.as_str().to_owned());
            let mut meta: Vec<(String, String)> = out
                .metadata()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            meta.sort();
            head.metadata = meta;
            Ok(Head {
                head,
                checksum: out.checksum_crc32().map(str::to_owned),
            })
        })
    }
}

fn invalid_response(op: &'static str, what: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, format!("{op} answered {what}"))
        .with_provider(Provider::Aws)
        .with_operation(op)
}

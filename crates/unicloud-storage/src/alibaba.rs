//! Alibaba Cloud OSS through unicloud-alibaba's [`OssClient`] (v4 signatures by default, v1
//! as a client option): CRC-64/XZ compared with `x-oss-hash-crc64ecma` on every part and on
//! the whole object.

use std::sync::Arc;

use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::oss::OssClient;

use crate::Storage;
use crate::vendor::Crc64Backend;

/// The smallest part but the last.
const MIN_PART: u64 = 100 << 10;

impl Storage {
    /// Alibaba Cloud OSS through `client` (its region, credentials, endpoint override for
    /// `oss` — addressed path-style —, signature version, retry policy and clock).
    pub fn oss(client: &OssClient) -> Self {
        Storage::from_backend(Arc::new(Crc64Backend {
            client: client.clone(),
            min_part: MIN_PART,
        }))
    }

    /// Alibaba Cloud OSS with the region, credentials and configuration of an RPC `client`
    /// (what [`unicloud::Cloud`](https://docs.rs/unicloud) holds).
    pub fn alibaba(client: &AlibabaClient) -> Self {
        let oss = OssClient::builder(client.region().clone())
            .credentials(client.credentials().clone())
            .config(client.config().clone())
            .build();
        match oss {
            Ok(c) => Self::oss(&c),
            Err(e) => Storage::from_backend(Arc::new(crate::Unbuildable(e))),
        }
    }
}

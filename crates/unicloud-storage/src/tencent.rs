//! Tencent Cloud COS through unicloud-tencent's [`CosClient`]: CRC-64/XZ compared with
//! `x-cos-hash-crc64ecma` on every part and on the whole object.

use std::sync::Arc;

use unicloud_tencent::client::TencentClient;
use unicloud_tencent::cos::CosClient;

use crate::vendor::Crc64Backend;
use crate::{MIB, Storage};

/// The smallest part but the last.
const MIN_PART: u64 = MIB;

impl Storage {
    /// Tencent Cloud COS through `client` (its region, credentials, endpoint override for
    /// `cos`, retry policy and clock). Bucket names carry the `-APPID` suffix.
    pub fn cos(client: &CosClient) -> Self {
        Storage::from_backend(Arc::new(Crc64Backend {
            client: client.clone(),
            min_part: MIN_PART,
        }))
    }

    /// Tencent Cloud COS with the region, credentials and configuration of an API 3.0
    /// `client` (what [`unicloud::Cloud`](https://docs.rs/unicloud) holds).
    pub fn tencent(client: &TencentClient) -> Self {
        let cos = CosClient::builder(client.region().clone())
            .credentials(client.credentials().clone())
            .config(client.config().clone())
            .build();
        match cos {
            Ok(c) => Self::cos(&c),
            Err(e) => Storage::from_backend(Arc::new(crate::Unbuildable(e))),
        }
    }
}

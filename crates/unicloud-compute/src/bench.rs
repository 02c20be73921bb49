//! Benchmark entry points (feature `bench-internals`, for `crates/unicloud-bench` only; not a
//! stable API): the reply → [`Instance`] mapping each backend runs on a DescribeInstances page,
//! reachable without a network.
//!
//! Each function runs the same steps as the backend's `describe_page` after the HTTP exchange:
//! for Tencent and Alibaba the client's reply decoding into the generated response type
//! (`decode_reply`, what `client.call` runs) and `to_instance` per instance; for AWS, whose deserializer is private to `aws-sdk-ec2`, `to_instance` over the
//! SDK's already-decoded output.

// Without a provider there is nothing to reach.
#![cfg(any(feature = "aws", feature = "tencent", feature = "alibaba"))]

use unicloud_core::Error;

use crate::model::Instance;

/// Decodes a CVM DescribeInstances reply body (HTTP 200, `{"Response": {...}}`) into unified
/// instances, as the Tencent backend does.
#[cfg(feature = "tencent")]
pub fn decode_tencent_page(body: &[u8]) -> Result<Vec<Instance>, Error> {
    use unicloud_tencent::generated::cvm;
    let out: cvm::DescribeInstancesResponse =
        unicloud_tencent::client::decode_reply(200, body, None, "DescribeInstances")?;
    out.instance_set
        .unwrap_or_default()
        .into_iter()
        .map(crate::tencent::to_instance)
        .collect()
}

/// Decodes an ECS DescribeInstances reply body (HTTP 200, JSON) into unified instances, as the
/// Alibaba backend does.
#[cfg(feature = "alibaba")]
pub fn decode_alibaba_page(body: &[u8]) -> Result<Vec<Instance>, Error> {
    use unicloud_alibaba::generated::ecs;
    let out: ecs::DescribeInstancesResponse =
        unicloud_alibaba::client::decode_reply(200, body, None, "DescribeInstances")?;
    out.instances
        .and_then(|i| i.instance)
        .unwrap_or_default()
        .into_iter()
        .map(crate::alibaba::to_instance)
        .collect()
}

/// Maps an EC2 DescribeInstances output (already decoded by `aws-sdk-ec2`) into unified
/// instances, as the AWS backend does.
#[cfg(feature = "aws")]
pub fn map_aws_page(
    out: &aws_sdk_ec2::operation::describe_instances::DescribeInstancesOutput,
) -> Result<Vec<Instance>, Error> {
    let mut instances = Vec::new();
    for r in out.reservations() {
        for i in r.instances() {
            instances.push(crate::aws::to_instance(i)?);
        }
    }
    Ok(instances)
}

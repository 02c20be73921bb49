//! Tencent API 3.0 and Alibaba RPC replies: any status and body through each vendor's
//! `decode_response` (the envelope, the error object, request ids) and `decode_reply` (the
//! same, read straight into a DescribeInstances output, as `client.call` does). The first byte
//! picks the vendor, the next two the HTTP status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unicloud_alibaba::generated::ecs;
use unicloud_tencent::generated::cvm;

fuzz_target!(|data: &[u8]| {
    let [vendor, hi, lo, body @ ..] = data else {
        return;
    };
    let status = 100 + u16::from_be_bytes([*hi, *lo]) % 500;
    let hdr = || Some("hdr".to_owned());
    if vendor % 2 == 0 {
        let _ = unicloud_tencent::client::decode_response(status, body, hdr());
        let _ = unicloud_tencent::client::decode_reply::<cvm::DescribeInstancesResponse>(
            status,
            body,
            hdr(),
            "DescribeInstances",
        );
    } else {
        let _ = unicloud_alibaba::client::decode_response(status, body, hdr());
        let _ = unicloud_alibaba::client::decode_reply::<ecs::DescribeInstancesResponse>(
            status,
            body,
            hdr(),
            "DescribeInstances",
        );
    }
});

//! Tencent API 3.0 and Alibaba RPC replies: any status and body through each vendor's
//! `decode_response` (the envelope, the error object, request ids). The first byte picks the
//! vendor, the next two the HTTP status.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [vendor, hi, lo, body @ ..] = data else {
        return;
    };
    let status = 100 + u16::from_be_bytes([*hi, *lo]) % 500;
    if vendor % 2 == 0 {
        let _ = unicloud_tencent::client::decode_response(status, body, Some("hdr".to_owned()));
    } else {
        let _ = unicloud_alibaba::client::decode_response(status, body, Some("hdr".to_owned()));
    }
});

//! COS and OSS replies: any status, headers and body through the object REST client's decoding
//! of each operation (errors in the XML body or `x-oss-err`, multipart and listing XML, HEAD
//! headers such as `Content-Length`, `Last-Modified` and the CRC-64). Layout: one byte for
//! the operation, two for the status, then header lines (`name: value`) up to an empty line,
//! then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [op, hi, lo, rest @ ..] = data else {
        return;
    };
    let status = 100 + u16::from_be_bytes([*hi, *lo]) % 500;
    let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (&rest[..0], rest),
    };
    let headers: Vec<(String, String)> = String::from_utf8_lossy(head)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    unicloud_core::object::rest::fuzz_reply(*op, status, &headers, body);
});

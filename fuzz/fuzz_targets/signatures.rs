//! Every `Authorization` header parser the emulator trusts to read a request: TC3, COS, ACS3,
//! OSS v1 and OSS v4.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let _ = unicloud_tencent::sign::tc3::parse_authorization(value);
    let _ = unicloud_tencent::sign::cos::parse_authorization(value);
    let _ = unicloud_alibaba::sign::acs3::parse_authorization(value);
    let _ = unicloud_alibaba::sign::oss::v1::parse_authorization(value);
    let _ = unicloud_alibaba::sign::oss::v4::parse_authorization(value);
});

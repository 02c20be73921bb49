//! What users type on the command line and pass as strings: instance states, filter keys and
//! `KEY=VALUE[,VALUE...]` filters (as `unicloud compute describe-instances --filter` reads
//! them), CIDRs, route targets and changes, backend pools and backends, object URLs. Whatever
//! parses must show (`Display`) as text that parses again to the same value.
#![no_main]

use std::fmt::Display;
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;

/// Parses `text` as `T`; a value must survive a round trip through its `Display` form.
fn round_trip<T>(text: &str)
where
    T: FromStr + Display + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = text.parse::<T>() {
        let shown = v.to_string();
        match shown.parse::<T>() {
            Ok(again) => assert_eq!(again, v, "{text:?} shows as {shown:?}"),
            Err(_) => panic!("{text:?} parses but its form {shown:?} does not"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip::<unicloud_compute::InstanceState>(text);
    let _ = text.parse::<unicloud_compute::FilterKey>();
    if let Some((key, values)) = text.split_once('=') {
        let values = values.split(',').map(str::trim).filter(|v| !v.is_empty());
        let _ = unicloud_compute::Filters::new().with(key.trim(), values);
    }
    round_trip::<unicloud_network::Cidr>(text);
    let _ = text.parse::<unicloud_network::RouteTarget>();
    let _ = text.parse::<unicloud_network::RouteChange>();
    let _ = text.parse::<unicloud_lb::BackendPool>();
    let _ = text.parse::<unicloud_lb::Backend>();
    let _ = text.parse::<unicloud_storage::ObjectUrl>();
});

//! No reply makes the Tencent decoder panic: [`decode_response`] and then the typed `Output`
//! of every generated action (what `TencentClient::call` does with a reply), over arbitrary
//! bytes and arbitrary HTTP statuses, including JSON that uses the generated field names with
//! the wrong types, envelopes cut short and corrupted bytes.
//!
//! Beyond not panicking, the decoder keeps its contract: a success is always a 2xx reply
//! with a `Response` object, and every failure is a typed Tencent error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::Value;
use unicloud_core::Provider;
use unicloud_tencent::action::Action;
use unicloud_tencent::client::decode_response;
use unicloud_testkit::arbitrary::{http_status, response_bytes};
use unicloud_testkit::generated::GeneratedCode;

/// One generated action's decoding: its request type's name and the whole decode path.
struct Decoder {
    request: &'static str,
    decode: fn(u16, &[u8]) -> Result<Value, unicloud_core::Error>,
}

// Unused only when every service feature is off.
#[allow(dead_code)]
/// `decode_response`, then `A::Output` from the `Response` object, as the client does.
fn decode_as<A: Action>(status: u16, body: &[u8]) -> Result<Value, unicloud_core::Error> {
    let value = decode_response(status, body, Some("header-request-id".to_owned()))?;
    // Whether the output fits is the client's `InvalidResponse`; here it only must not panic.
    let _typed: Result<A::Output, _> = serde_json::from_value(value.clone());
    Ok(value)
}

// Unused only when every service feature is off.
#[allow(dead_code)]
fn decoder<A: Action>() -> Decoder {
    Decoder {
        request: std::any::type_name::<A>(),
        decode: decode_as::<A>,
    }
}

/// Every generated action of the enabled services.
fn decoders() -> Vec<Decoder> {
    #[allow(unused_mut)]
    let mut all = Vec::new();
    #[cfg(feature = "cam")]
    {
        use unicloud_tencent::generated::cam::*;
        all.push(decoder::<CreatePolicyRequest>());
    }
    #[cfg(feature = "clb")]
    {
        use unicloud_tencent::generated::clb::*;
        all.extend([
            decoder::<CreateListenerRequest>(),
            decoder::<CreateLoadBalancerRequest>(),
            decoder::<DeregisterTargetsRequest>(),
            decoder::<DescribeListenersRequest>(),
            decoder::<DescribeLoadBalancersRequest>(),
            decoder::<DescribeTargetHealthRequest>(),
            decoder::<DescribeTargetsRequest>(),
            decoder::<DescribeTaskStatusRequest>(),
            decoder::<RegisterTargetsRequest>(),
        ]);
    }
    #[cfg(feature = "cvm")]
    {
        use unicloud_tencent::generated::cvm::*;
        all.extend([
            decoder::<DescribeInstancesRequest>(),
            decoder::<RunInstancesRequest>(),
            decoder::<StartInstancesRequest>(),
            decoder::<StopInstancesRequest>(),
            decoder::<TerminateInstancesRequest>(),
        ]);
    }
    #[cfg(feature = "sts")]
    {
        use unicloud_tencent::generated::sts::*;
        all.extend([
            decoder::<AssumeRoleRequest>(),
            decoder::<GetCallerIdentityRequest>(),
        ]);
    }
    #[cfg(feature = "vpc")]
    {
        use unicloud_tencent::generated::vpc::*;
        all.extend([
            decoder::<CreateRouteTableRequest>(),
            decoder::<CreateRoutesRequest>(),
            decoder::<CreateSubnetRequest>(),
            decoder::<CreateVpcRequest>(),
            decoder::<DeleteRoutesRequest>(),
            decoder::<DescribeRouteTablesRequest>(),
            decoder::<ReplaceRoutesRequest>(),
        ]);
    }
    all
}

/// The generated modules of the enabled services.
fn generated() -> GeneratedCode {
    GeneratedCode::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/src/generated"),
        &[
            ("cam", cfg!(feature = "cam")),
            ("clb", cfg!(feature = "clb")),
            ("cvm", cfg!(feature = "cvm")),
            ("sts", cfg!(feature = "sts")),
            ("vpc", cfg!(feature = "vpc")),
        ],
    )
    .unwrap()
}

/// The list above is every generated action, so a new one cannot escape the property.
#[test]
fn every_generated_action_is_covered() {
    generated().assert_covered(decoders().iter().map(|d| d.request));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_reply_makes_the_decoder_panic(
        (status, body) in {
            let names = generated().field_names();
            let keys: Vec<&str> = names.iter().map(String::as_str).collect();
            (http_status(), response_bytes(&keys))
        }
    ) {
        for d in decoders() {
            match (d.decode)(status, &body) {
                Ok(value) => {
                    prop_assert!((200..300).contains(&status), "{}: success on HTTP {status}", d.request);
                    prop_assert!(value.is_object(), "{}: success without an object", d.request);
                }
                Err(e) => {
                    prop_assert_eq!(e.provider(), Some(Provider::Tencent), "{}: {:?}", d.request, e);
                }
            }
        }
    }
}

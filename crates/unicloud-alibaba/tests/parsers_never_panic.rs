//! No reply makes the Alibaba decoder panic: [`decode_response`] and then the typed `Output`
//! of every generated action (what `AlibabaClient::call` does with a reply), over arbitrary
//! bytes and arbitrary HTTP statuses, including JSON that uses the generated field names with
//! the wrong types, envelopes cut short and corrupted bytes.
//!
//! Beyond not panicking, the decoder keeps its contract: a 2xx reply succeeds exactly when its
//! body is a JSON object, and every other reply is a typed Alibaba error carrying its status.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::Value;
use unicloud_alibaba::action::Action;
use unicloud_alibaba::client::decode_response;
use unicloud_core::Provider;
use unicloud_testkit::arbitrary::{http_status, response_bytes};
use unicloud_testkit::generated::GeneratedCode;

/// One generated action's decoding: its request type's name and the whole decode path.
struct Decoder {
    request: &'static str,
    decode: fn(u16, &[u8]) -> Result<Value, unicloud_core::Error>,
}

// Unused only when every service feature is off.
#[allow(dead_code)]
/// `decode_response`, then `A::Output` from the body, as the client does.
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
    #[cfg(feature = "ecs")]
    {
        use unicloud_alibaba::generated::ecs::*;
        all.extend([
            decoder::<DeleteInstancesRequest>(),
            decoder::<DescribeInstancesRequest>(),
            decoder::<RunInstancesRequest>(),
            decoder::<StartInstancesRequest>(),
            decoder::<StopInstancesRequest>(),
        ]);
    }
    #[cfg(feature = "ram")]
    {
        use unicloud_alibaba::generated::ram::*;
        all.extend([decoder::<CreatePolicyRequest>()]);
    }
    #[cfg(feature = "resourcemanager")]
    {
        use unicloud_alibaba::generated::resourcemanager::*;
        all.extend([decoder::<CreateResourceGroupRequest>()]);
    }
    #[cfg(feature = "slb")]
    {
        use unicloud_alibaba::generated::slb::*;
        all.extend([
            decoder::<AddBackendServersRequest>(),
            decoder::<AddVServerGroupBackendServersRequest>(),
            decoder::<CreateLoadBalancerHttpListenerRequest>(),
            decoder::<CreateLoadBalancerRequest>(),
            decoder::<CreateLoadBalancerTcpListenerRequest>(),
            decoder::<CreateVServerGroupRequest>(),
            decoder::<DescribeHealthStatusRequest>(),
            decoder::<DescribeLoadBalancerAttributeRequest>(),
            decoder::<DescribeLoadBalancersRequest>(),
            decoder::<DescribeVServerGroupAttributeRequest>(),
            decoder::<RemoveBackendServersRequest>(),
            decoder::<RemoveVServerGroupBackendServersRequest>(),
            decoder::<StartLoadBalancerListenerRequest>(),
        ]);
    }
    #[cfg(feature = "sts")]
    {
        use unicloud_alibaba::generated::sts::*;
        all.extend([
            decoder::<AssumeRoleRequest>(),
            decoder::<GetCallerIdentityRequest>(),
        ]);
    }
    #[cfg(feature = "vpc")]
    {
        use unicloud_alibaba::generated::vpc::*;
        all.extend([
            decoder::<AssociateRouteTableRequest>(),
            decoder::<CreateRouteEntryRequest>(),
            decoder::<CreateRouteTableRequest>(),
            decoder::<CreateVSwitchRequest>(),
            decoder::<CreateVpcRequest>(),
            decoder::<DeleteRouteEntryRequest>(),
            decoder::<DescribeRouteEntryListRequest>(),
            decoder::<DescribeRouteTableListRequest>(),
            decoder::<ModifyRouteEntryRequest>(),
        ]);
    }
    all
}

/// The generated modules of the enabled services.
fn generated() -> GeneratedCode {
    GeneratedCode::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/src/generated"),
        &[
            ("ecs", cfg!(feature = "ecs")),
            ("ram", cfg!(feature = "ram")),
            ("resourcemanager", cfg!(feature = "resourcemanager")),
            ("slb", cfg!(feature = "slb")),
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
        let body_object = serde_json::from_slice::<Value>(&body).ok().filter(Value::is_object);
        for d in decoders() {
            match (d.decode)(status, &body) {
                Ok(value) => {
                    prop_assert!((200..300).contains(&status), "{}: success on HTTP {status}", d.request);
                    prop_assert_eq!(Some(&value), body_object.as_ref(), "{}: success is the body", d.request);
                }
                Err(e) => {
                    prop_assert_eq!(e.provider(), Some(Provider::Alibaba), "{}: {:?}", d.request, e);
                    prop_assert_eq!(e.status(), Some(status), "{}: {:?}", d.request, e);
                    prop_assert!(
                        !(200..300).contains(&status) || body_object.is_none(),
                        "{}: a 2xx JSON object failed: {:?}", d.request, e
                    );
                }
            }
        }
    }
}

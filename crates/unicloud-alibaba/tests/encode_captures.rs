//! Generated request types + `encode::to_query_pairs` against what the official Alibaba Cloud
//! Python SDK (alibabacloud-tea-openapi) put on the wire, recorded in
//! `../shared/wire-captures/` 011, 013, 019, 021, 023 and 025 (the request halves: the only
//! vendor-authoritative part of a capture). Capture 011's hand-written response half is used
//! only for a self-consistency check of our decoder, with its shape checked against the
//! vendor's published response schema.
//!
//! Each test builds the generated request from the inputs the SDK was given and compares our
//! parameters with the capture's query string, as sorted (name, value) pairs after
//! percent-decoding. A missing capture file fails the test.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// With only some service features on, some helpers have no caller.
#![cfg_attr(
    not(all(feature = "ecs", feature = "slb", feature = "vpc")),
    allow(dead_code)
)]

use std::path::PathBuf;
use unicloud_alibaba::action::Action;
use unicloud_alibaba::encode::to_query_pairs;

fn capture(prefix: &str) -> String {
    let dir = unicloud_testkit::fixtures::wire_captures_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut names: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(prefix) && !name.contains("-ERR")
        })
        .collect();
    assert_eq!(names.len(), 1, "expected one capture {prefix}-*: {names:?}");
    let path = names.remove(0);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// The request line's query parameters and the `x-acs-action`/`x-acs-version` headers.
struct Sent {
    params: Vec<(String, String)>,
    action: String,
    version: String,
}

fn sent(prefix: &str) -> Sent {
    let text = capture(prefix);
    let request = text
        .split("=== REQUEST")
        .nth(1)
        .expect("capture has a REQUEST section");
    let request_line = request.lines().nth(1).expect("request line");
    let target = request_line
        .strip_prefix("POST ")
        .and_then(|r| r.strip_suffix(" HTTP/1.1"))
        .unwrap_or_else(|| panic!("unexpected request line {request_line}"));
    let (_, query) = target.split_once('?').expect("query string");
    let mut params: Vec<(String, String)> = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("name=value");
            (decode(k), decode(v))
        })
        .collect();
    params.sort();
    let header = |name: &str| {
        request
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_owned()
    };
    Sent {
        params,
        action: header("x-acs-action"),
        version: header("x-acs-version"),
    }
}

fn check<R: Action>(prefix: &str, request: &R) {
    let sent = sent(prefix);
    assert_eq!(R::ACTION, sent.action, "{prefix}: action");
    assert_eq!(R::VERSION, sent.version, "{prefix}: version");
    let ours = to_query_pairs(request).unwrap();
    assert_eq!(ours, sent.params, "{prefix}: parameters differ");
}

/// The JSON body of the capture's response half. That half is NOT vendor material: the
/// captures README says it was written by hand to look plausible (only request halves are
/// what an official SDK sent). Tests that read it check our decoder against itself, and
/// [`hand_written_response_011_uses_only_vendor_schema_fields`] checks its shape against the
/// vendor's published response schema; no test treats its values as a vendor fact.
#[cfg(feature = "ecs")]
fn hand_written_response_body(prefix: &str) -> String {
    let text = capture(prefix);
    let response = text.split("=== RESPONSE SENT ===").nth(1).unwrap();
    let (_, body) = response.split_once("\n\n").unwrap();
    body.trim().to_owned()
}

#[cfg(feature = "ecs")]
#[test]
fn capture_011_ecs_describe_instances() {
    use unicloud_alibaba::generated::ecs::*;
    let request = DescribeInstancesRequest {
        region_id: "cn-hangzhou".into(),
        // ECS takes `InstanceIds` as a string holding a JSON list.
        instance_ids: Some(serde_json::to_string(&["i-bp67acfmxazb4p****"]).unwrap()),
        status: Some("Running".into()),
        page_size: Some(10),
        tag: Some(vec![DescribeInstancesTag {
            key: Some("Name".into()),
            value: Some("web".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    check("011", &request);
}

/// Self-consistency, not a vendor fact: our generated `DescribeInstancesResponse` decodes the
/// hand-written response half of capture 011 (XML-era wrappers `Instances.Instance[]`,
/// `IpAddress[]`, `Tags.Tag[]`) into the values that body holds.
#[cfg(feature = "ecs")]
#[test]
fn hand_written_response_011_decodes_into_its_own_values() {
    use unicloud_alibaba::generated::ecs::*;
    let out: DescribeInstancesResponse =
        serde_json::from_str(&hand_written_response_body("011")).unwrap();
    let instance = &out.instances.unwrap().instance.unwrap()[0];
    assert_eq!(
        instance.instance_id.as_deref(),
        Some("i-bp67acfmxazb4p****")
    );
    let vpc = instance.vpc_attributes.as_ref().unwrap();
    assert_eq!(
        vpc.private_ip_address
            .as_ref()
            .unwrap()
            .ip_address
            .as_deref(),
        Some(&["172.17.0.5".to_owned()][..])
    );
    let tags = instance.tags.as_ref().unwrap().tag.as_ref().unwrap();
    assert_eq!(tags[0].tag_key.as_deref(), Some("Name"));
}

/// What a JSON value is in the vendor's schema terms.
#[cfg(feature = "ecs")]
fn schema_type_of(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key path of `value` exists in `schema` (the vendor's `responses.200.schema`
/// format) with the same JSON type; mismatches are collected as `path: reason`.
#[cfg(feature = "ecs")]
fn schema_mismatches(
    path: &str,
    value: &serde_json::Value,
    schema: &serde_json::Value,
    out: &mut Vec<String>,
) {
    let expected = schema["type"].as_str().unwrap_or("<untyped>");
    let actual = schema_type_of(value);
    let compatible = expected == actual || (expected == "number" && actual == "integer");
    if !compatible {
        out.push(format!("{path}: vendor type {expected}, body has {actual}"));
        return;
    }
    match value {
        serde_json::Value::Object(fields) => {
            for (k, v) in fields {
                match schema["properties"].get(k) {
                    Some(s) => schema_mismatches(&format!("{path}.{k}"), v, s, out),
                    None => out.push(format!("{path}.{k}: not in the vendor schema")),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                schema_mismatches(&format!("{path}[{i}]"), v, &schema["items"], out);
            }
        }
        _ => {}
    }
}

/// The shape of that hand-written body is vendor-backed: every field it uses, at the place
/// it uses it and with its JSON type, is in ECS's published `DescribeInstances` response
/// schema (`../shared/specs-upstream/alibaba/ecs-2014-05-26.full.json`). The values remain
/// invented; the vendor's metadata has no example responses to pin them to.
#[cfg(feature = "ecs")]
#[test]
fn hand_written_response_011_uses_only_vendor_schema_fields() {
    let spec_path =
        unicloud_testkit::fixtures::specs_upstream_dir().join("alibaba/ecs-2014-05-26.full.json");
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&spec_path)
            .unwrap_or_else(|e| panic!("{}: {e}", spec_path.display())),
    )
    .unwrap();
    let schema = &spec["apis"]["DescribeInstances"]["responses"]["200"]["schema"];
    assert_eq!(
        schema["type"],
        "object",
        "no response schema in {}",
        spec_path.display()
    );
    let body: serde_json::Value = serde_json::from_str(&hand_written_response_body("011")).unwrap();
    let mut mismatches = Vec::new();
    schema_mismatches("$", &body, schema, &mut mismatches);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    // The check can fail: a field the vendor does not have is reported.
    let mut probe = body.clone();
    probe["Instances"]["Instance"][0]["InstanceIdentifier"] = serde_json::json!("x");
    let mut found = Vec::new();
    schema_mismatches("$", &probe, schema, &mut found);
    assert_eq!(
        found,
        ["$.Instances.Instance[0].InstanceIdentifier: not in the vendor schema"]
    );
}

#[cfg(feature = "slb")]
#[test]
fn capture_013_slb_add_backend_servers() {
    use unicloud_alibaba::generated::slb::*;
    let request = AddBackendServersRequest {
        region_id: Some("cn-hangzhou".into()),
        load_balancer_id: "lb-bp1qjwo61pqz3ah****".into(),
        // A string parameter whose JSON layout only the vendor's prose describes; this is the
        // text the SDK's caller passed.
        backend_servers: Some(
            r#"[{"ServerId": "i-bp67acfmxazb4p****", "Weight": "100", "Type": "ecs"}]"#.into(),
        ),
    };
    check("013", &request);
}

#[cfg(feature = "slb")]
#[test]
fn capture_019_slb_describe_health_status() {
    use unicloud_alibaba::generated::slb::*;
    let request = DescribeHealthStatusRequest {
        region_id: Some("cn-hangzhou".into()),
        load_balancer_id: "lb-bp1qjwo61pqz3ah****".into(),
        ..Default::default()
    };
    check("019", &request);
}

#[cfg(feature = "vpc")]
#[test]
fn capture_021_vpc_describe_route_entry_list() {
    use unicloud_alibaba::generated::vpc::*;
    let request = DescribeRouteEntryListRequest {
        region_id: "cn-hangzhou".into(),
        route_table_id: "vtb-bp145q7glnuzdvzu2****".into(),
        ..Default::default()
    };
    check("021", &request);
}

#[cfg(feature = "vpc")]
#[test]
fn capture_023_vpc_modify_route_entry() {
    use unicloud_alibaba::generated::vpc::*;
    let request = ModifyRouteEntryRequest {
        region_id: "cn-hangzhou".into(),
        route_table_id: Some("vtb-bp145q7glnuzdvzu2****".into()),
        destination_cidr_block: Some("10.99.0.0/16".into()),
        new_next_hop_id: Some("i-bp67acfmxazb4p****".into()),
        new_next_hop_type: Some("Instance".into()),
        ..Default::default()
    };
    check("023", &request);
}

#[cfg(feature = "slb")]
#[test]
fn capture_025_slb_remove_backend_servers() {
    use unicloud_alibaba::generated::slb::*;
    let request = RemoveBackendServersRequest {
        region_id: Some("cn-hangzhou".into()),
        load_balancer_id: "lb-bp1qjwo61pqz3ah****".into(),
        backend_servers: r#"[{"ServerId": "i-bp67acfmxazb4p****", "Type": "ecs"}]"#.into(),
    };
    check("025", &request);
}

#[test]
fn capture_parsing_decodes_plus_and_percent() {
    assert_eq!(decode("%5B%22a%22%3A+1%5D"), "[\"a\": 1]");
    assert_eq!(decode("10.99.0.0%2F16"), "10.99.0.0/16");
}

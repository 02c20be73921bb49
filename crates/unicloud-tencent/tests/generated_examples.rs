//! The generated types against the vendor's own documented examples
//! (`../shared/specs-upstream/tencent-examples/`), for every action in `specs/manifest.toml`.
//!
//! For each example: the request body deserialises into the generated request type and
//! re-serialises to the same JSON; the `Response` object deserialises into the generated output
//! type, every field the type knows survives a round trip unchanged, and key fields hold the
//! example's values. A missing examples file fails the test.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// With only some service features on, some helpers have no caller.
#![cfg_attr(
    not(all(
        feature = "cvm",
        feature = "vpc",
        feature = "clb",
        feature = "sts",
        feature = "cam"
    )),
    allow(dead_code)
)]

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::path::PathBuf;
use unicloud_tencent::action::Action;

fn examples_path(service: &str, version: &str) -> PathBuf {
    unicloud_testkit::fixtures::tencent_examples_dir().join(format!(
        "{service}-v{}.examples.json",
        version.replace('-', "")
    ))
}

/// Examples of `action`, read from the vendor file. Panics (fails) if the file is missing.
fn examples(service: &str, version: &str, action: &str) -> Vec<Value> {
    let path = examples_path(service, version);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let list = doc["actions"][action]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no examples for {action}", path.display()))
        .clone();
    assert!(!list.is_empty(), "no examples for {action}");
    list
}

/// The request body of an example: the JSON after the headers of a `POST /` example, or the
/// parameters of a `https://host/?Action=X&A.0.B=v` example rebuilt into JSON (0-based indices
/// are list positions; integer-looking and boolean values become JSON numbers and booleans).
fn request_body(input: &str) -> Value {
    let input = input.replace("\r\n", "\n");
    if input.starts_with("POST ") {
        let (_, body) = input
            .split_once("\n\n")
            .expect("POST example without a body");
        return serde_json::from_str(body).expect("POST example body is not JSON");
    }
    assert!(
        input.starts_with("https://"),
        "unknown example form: {input}"
    );
    let mut root = Value::Object(Map::new());
    for line in input.lines().skip(1) {
        let line = line.trim().trim_start_matches('&');
        if line.is_empty() || line.starts_with('<') {
            continue;
        }
        let (name, value) = line.split_once('=').expect("parameter without =");
        let value = if let Ok(n) = value.parse::<i64>() {
            Value::from(n)
        } else if value == "true" || value == "false" {
            Value::Bool(value == "true")
        } else {
            Value::String(value.to_owned())
        };
        insert(&mut root, &name.split('.').collect::<Vec<_>>(), value);
    }
    root
}

fn insert(node: &mut Value, path: &[&str], value: Value) {
    let Some((head, rest)) = path.split_first() else {
        *node = value;
        return;
    };
    let child = if let Ok(i) = head.parse::<usize>() {
        if node.is_null() {
            *node = Value::Array(Vec::new());
        }
        let list = node.as_array_mut().expect("index into a non-list");
        while list.len() <= i {
            list.push(Value::Null);
        }
        &mut list[i]
    } else {
        if node.is_null() {
            *node = Value::Object(Map::new());
        }
        node.as_object_mut()
            .expect("field of a non-object")
            .entry(head.to_string())
            .or_insert(Value::Null)
    };
    insert(child, rest, value);
}

/// Some documented responses are not valid JSON: a comma is missing between two members.
/// Puts it back (only between a line ending a value and a line starting a key).
fn repair_missing_commas(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        let next = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty());
        let t = line.trim_end();
        let ends_value = t.ends_with('"')
            || t.ends_with('}')
            || t.ends_with(']')
            || t.ends_with(|c: char| c.is_ascii_digit())
            || t.ends_with("true")
            || t.ends_with("false")
            || t.ends_with("null");
        if ends_value && !t.ends_with(',') && next.is_some_and(|n| n.starts_with('"')) {
            out.push(',');
        }
        out.push('\n');
    }
    out
}

/// JSON equality where numbers compare by value (`1` == `1.0`) and `null` members equal absent
/// ones.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x
                .iter()
                .chain(y.iter())
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k)
                .collect();
            keys.into_iter().all(|k| {
                same(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            })
        }
        _ => a == b,
    }
}

/// Checks that every member of `example` that `round_trip` has is unchanged, and records the
/// paths of members the generated type does not know.
fn covers(example: &Value, round_trip: &Value, path: &str, unknown: &mut Vec<String>) {
    match (example, round_trip) {
        (Value::Object(ex), Value::Object(rt)) => {
            for (k, v) in ex {
                if v.is_null() {
                    continue;
                }
                let p = format!("{path}.{k}");
                match rt.get(k) {
                    Some(r) => covers(v, r, &p, unknown),
                    None => unknown.push(p),
                }
            }
        }
        (Value::Array(ex), Value::Array(rt)) => {
            assert_eq!(ex.len(), rt.len(), "{path}: list length changed");
            for (i, (e, r)) in ex.iter().zip(rt).enumerate() {
                covers(e, r, &format!("{path}[{i}]"), unknown);
            }
        }
        (e, r) => assert!(same(e, r), "{path}: {e} became {r}"),
    }
}

/// Runs every example of `R`'s action; `check` asserts key fields of each typed response
/// against the example's JSON. Returns the number of examples run.
fn run<R>(check: impl Fn(&R::Output, &Value)) -> usize
where
    R: Action + DeserializeOwned,
    R::Output: Serialize,
{
    let list = examples(R::SERVICE, R::VERSION, R::ACTION);
    for (i, example) in list.iter().enumerate() {
        let what = format!("{} {} example {i}", R::SERVICE, R::ACTION);

        let body = request_body(example["input"].as_str().unwrap());
        let request: R = serde_json::from_value(body.clone())
            .unwrap_or_else(|e| panic!("{what}: request does not parse: {e}\n{body:#}"));
        let again = serde_json::to_value(&request).unwrap();
        assert!(
            same(&body, &again),
            "{what}: request changed in a round trip\nexample: {body:#}\nours: {again:#}"
        );

        let text = example["output"].as_str().unwrap();
        let doc: Value = serde_json::from_str(text).unwrap_or_else(|_| {
            serde_json::from_str(&repair_missing_commas(text))
                .unwrap_or_else(|e| panic!("{what}: response is not JSON even repaired: {e}"))
        });
        let response = &doc["Response"];
        assert!(response.is_object(), "{what}: no Response object");
        let output: R::Output = serde_json::from_value(response.clone())
            .unwrap_or_else(|e| panic!("{what}: response does not parse: {e}"));
        let round_trip = serde_json::to_value(&output).unwrap();
        let mut unknown = Vec::new();
        covers(response, &round_trip, "Response", &mut unknown);
        assert!(
            unknown.is_empty(),
            "{what}: example fields the spec does not have: {unknown:?}"
        );
        check(&output, response);
    }
    list.len()
}

/// Asserts that a typed string field holds the example's (non-empty) string.
#[track_caller]
fn same_str(ours: Option<&str>, example: &Value) {
    let want = example
        .as_str()
        .unwrap_or_else(|| panic!("example value {example} is not a string"));
    assert!(!want.is_empty());
    assert_eq!(ours, Some(want));
}

#[cfg(feature = "cvm")]
mod cvm {
    use super::*;
    use unicloud_tencent::generated::cvm::*;

    #[test]
    fn describe_instances() {
        let n = run::<DescribeInstancesRequest>(|out, ex| {
            assert_eq!(out.total_count, ex["TotalCount"].as_i64(), "TotalCount");
            let set = out.instance_set.as_ref().unwrap();
            assert!(!set.is_empty());
            same_str(
                set[0].instance_id.as_deref(),
                &ex["InstanceSet"][0]["InstanceId"],
            );
            same_str(
                set[0].instance_state.as_deref(),
                &ex["InstanceSet"][0]["InstanceState"],
            );
            let placement = set[0].placement.as_ref().unwrap();
            same_str(
                placement.zone.as_deref(),
                &ex["InstanceSet"][0]["Placement"]["Zone"],
            );
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
        assert_eq!(n, 3);
    }

    #[test]
    fn describe_instances_pins_a_real_value() {
        // First documented example: one instance, `ins-xlsyru2j`, in ap-guangzhou-3.
        let list = examples("cvm", "2017-03-12", "DescribeInstances");
        let doc: Value = serde_json::from_str(list[0]["output"].as_str().unwrap()).unwrap();
        let out: DescribeInstancesResponse =
            serde_json::from_value(doc["Response"].clone()).unwrap();
        let instance = &out.instance_set.unwrap()[0];
        assert_eq!(instance.instance_id.as_deref(), Some("ins-xlsyru2j"));
        assert_eq!(instance.cpu, Some(1));
        assert_eq!(
            instance.placement.as_ref().unwrap().zone.as_deref(),
            Some("ap-guangzhou-3")
        );
        assert_eq!(
            instance.private_ip_addresses.as_deref(),
            Some(&["172.16.32.78".to_owned()][..])
        );

        let body = request_body(list[0]["input"].as_str().unwrap());
        let req: DescribeInstancesRequest = serde_json::from_value(body).unwrap();
        assert_eq!(req.limit, Some(1));
        let filters = req.filters.unwrap();
        assert_eq!(filters[0].name, "zone");
        assert_eq!(filters[0].values, ["ap-guangzhou-3", "ap-guangzhou-4"]);
    }

    #[test]
    fn run_instances() {
        run::<RunInstancesRequest>(|out, ex| {
            let ids = out.instance_id_set.as_ref().unwrap();
            same_str(ids.first().map(String::as_str), &ex["InstanceIdSet"][0]);
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }

    #[test]
    fn start_instances() {
        run::<StartInstancesRequest>(|out, ex| {
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }

    #[test]
    fn stop_instances() {
        run::<StopInstancesRequest>(|out, ex| {
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }

    #[test]
    fn terminate_instances() {
        run::<TerminateInstancesRequest>(|out, ex| {
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }
}

#[cfg(feature = "vpc")]
mod vpc {
    use super::*;
    use unicloud_tencent::generated::vpc::*;

    #[test]
    fn describe_route_tables() {
        run::<DescribeRouteTablesRequest>(|out, ex| {
            let tables = out.route_table_set.as_ref().unwrap();
            same_str(
                tables[0].route_table_id.as_deref(),
                &ex["RouteTableSet"][0]["RouteTableId"],
            );
            same_str(
                tables[0].vpc_id.as_deref(),
                &ex["RouteTableSet"][0]["VpcId"],
            );
            let routes = tables[0].route_set.as_ref().unwrap();
            same_str(
                routes[0].gateway_id.as_deref(),
                &ex["RouteTableSet"][0]["RouteSet"][0]["GatewayId"],
            );
        });
    }

    #[test]
    fn create_routes() {
        run::<CreateRoutesRequest>(|out, ex| {
            let tables = out.route_table_set.as_ref().unwrap();
            same_str(
                tables[0].route_table_id.as_deref(),
                &ex["RouteTableSet"][0]["RouteTableId"],
            );
            assert_eq!(out.total_count, ex["TotalCount"].as_u64());
        });
    }

    #[test]
    fn replace_routes() {
        run::<ReplaceRoutesRequest>(|out, ex| {
            let new = out.new_route_set.as_ref().unwrap();
            same_str(
                new[0].gateway_id.as_deref(),
                &ex["NewRouteSet"][0]["GatewayId"],
            );
            let old = out.old_route_set.as_ref().unwrap();
            same_str(
                old[0].destination_cidr_block.as_deref(),
                &ex["OldRouteSet"][0]["DestinationCidrBlock"],
            );
        });
    }

    #[test]
    fn delete_routes() {
        run::<DeleteRoutesRequest>(|out, ex| {
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }

    #[test]
    fn create_vpc() {
        run::<CreateVpcRequest>(|out, ex| {
            let vpc = out.vpc.as_ref().unwrap();
            same_str(vpc.vpc_id.as_deref(), &ex["Vpc"]["VpcId"]);
        });
    }

    #[test]
    fn create_subnet() {
        run::<CreateSubnetRequest>(|out, ex| {
            let subnet = out.subnet.as_ref().unwrap();
            same_str(subnet.subnet_id.as_deref(), &ex["Subnet"]["SubnetId"]);
            same_str(subnet.vpc_id.as_deref(), &ex["Subnet"]["VpcId"]);
        });
    }

    #[test]
    fn create_route_table() {
        run::<CreateRouteTableRequest>(|out, ex| {
            let table = out.route_table.as_ref().unwrap();
            same_str(
                table.route_table_id.as_deref(),
                &ex["RouteTable"]["RouteTableId"],
            );
            same_str(table.vpc_id.as_deref(), &ex["RouteTable"]["VpcId"]);
        });
    }
}

#[cfg(feature = "clb")]
mod clb {
    use super::*;
    use unicloud_tencent::generated::clb::*;

    #[test]
    fn create_load_balancer() {
        run::<CreateLoadBalancerRequest>(|out, ex| {
            same_str(
                out.load_balancer_ids.as_ref().unwrap()[0].as_str().into(),
                &ex["LoadBalancerIds"][0],
            );
        });
    }

    #[test]
    fn create_listener() {
        run::<CreateListenerRequest>(|out, ex| {
            same_str(
                out.listener_ids.as_ref().unwrap()[0].as_str().into(),
                &ex["ListenerIds"][0],
            );
        });
    }

    #[test]
    fn describe_listeners() {
        run::<DescribeListenersRequest>(|out, ex| {
            let listeners = out.listeners.as_ref().unwrap();
            same_str(
                listeners[0].listener_id.as_deref(),
                &ex["Listeners"][0]["ListenerId"],
            );
            assert_eq!(out.total_count, ex["TotalCount"].as_u64());
        });
    }

    #[test]
    fn describe_task_status() {
        run::<DescribeTaskStatusRequest>(|out, ex| {
            assert_eq!(out.status, ex["Status"].as_i64());
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }

    #[test]
    fn describe_load_balancers() {
        run::<DescribeLoadBalancersRequest>(|out, ex| {
            let lbs = out.load_balancer_set.as_ref().unwrap();
            same_str(
                lbs[0].load_balancer_id.as_deref(),
                &ex["LoadBalancerSet"][0]["LoadBalancerId"],
            );
            assert_eq!(out.total_count, ex["TotalCount"].as_u64());
        });
    }

    #[test]
    fn describe_targets() {
        run::<DescribeTargetsRequest>(|out, ex| {
            let listeners = out.listeners.as_ref().unwrap();
            same_str(
                listeners[0].listener_id.as_deref(),
                &ex["Listeners"][0]["ListenerId"],
            );
        });
    }

    #[test]
    fn describe_target_health() {
        run::<DescribeTargetHealthRequest>(|out, ex| {
            let lbs = out.load_balancers.as_ref().unwrap();
            same_str(
                lbs[0].load_balancer_id.as_deref(),
                &ex["LoadBalancers"][0]["LoadBalancerId"],
            );
            let listeners = lbs[0].listeners.as_ref().unwrap();
            same_str(
                listeners[0].listener_id.as_deref(),
                &ex["LoadBalancers"][0]["Listeners"][0]["ListenerId"],
            );
        });
    }

    #[test]
    fn register_targets() {
        run::<RegisterTargetsRequest>(|out, ex| {
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }

    #[test]
    fn deregister_targets() {
        run::<DeregisterTargetsRequest>(|out, ex| {
            same_str(out.request_id.as_deref(), &ex["RequestId"]);
        });
    }
}

#[cfg(feature = "sts")]
mod sts {
    use super::*;
    use unicloud_tencent::generated::sts::*;

    #[test]
    fn assume_role() {
        run::<AssumeRoleRequest>(|out, ex| {
            let creds = out.credentials.as_ref().unwrap();
            same_str(
                creds.tmp_secret_id.as_deref(),
                &ex["Credentials"]["TmpSecretId"],
            );
            same_str(
                creds.tmp_secret_key.as_deref(),
                &ex["Credentials"]["TmpSecretKey"],
            );
            assert_eq!(out.expired_time, ex["ExpiredTime"].as_i64());
            // The secret parts never show in Debug output.
            let debug = format!("{creds:?}");
            assert!(!debug.contains(ex["Credentials"]["TmpSecretKey"].as_str().unwrap()));
            assert!(!debug.contains(ex["Credentials"]["Token"].as_str().unwrap()));
            assert!(debug.contains(ex["Credentials"]["TmpSecretId"].as_str().unwrap()));
        });
    }

    #[test]
    fn get_caller_identity() {
        run::<GetCallerIdentityRequest>(|out, ex| {
            same_str(out.account_id.as_deref(), &ex["AccountId"]);
            same_str(out.arn.as_deref(), &ex["Arn"]);
        });
    }
}

#[cfg(feature = "cam")]
mod cam {
    use super::*;
    use unicloud_tencent::generated::cam::*;

    #[test]
    fn create_policy() {
        run::<CreatePolicyRequest>(|out, ex| {
            assert_eq!(out.policy_id, ex["PolicyId"].as_u64());
            assert!(out.policy_id.is_some());
        });
    }
}

#[test]
fn repair_only_adds_missing_commas() {
    let broken = "{\n  \"a\": \"x\"\n  \"b\": 1\n}";
    let fixed: Value = serde_json::from_str(&repair_missing_commas(broken)).unwrap();
    assert_eq!(fixed, serde_json::json!({"a": "x", "b": 1}));
    let fine = "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}";
    assert_eq!(repair_missing_commas(fine).trim_end(), fine);
}

//! Tencent Cloud: the documented examples are accepted and answered with every field they
//! show; CVM lifecycle, idempotency, paging and STS temporary credentials.

// Test helpers outside #[test] fns may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::{now, shared_file, tc_call};
use serde_json::Value;
use unicloud_core::Provider;
use unicloud_emulator::{Emulator, Instance, InstanceState};

const ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const REGION: &str = "ap-guangzhou";

fn key_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = format!("{prefix}/{k}");
                out.insert(p.clone());
                key_paths(v, &p, out);
            }
        }
        Value::Array(a) => {
            for v in a {
                key_paths(v, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn seed(emu: &unicloud_emulator::EmulatorHandle, id: &str, state: InstanceState) {
    let mut i = Instance::template(Provider::Tencent, REGION, id);
    i.zone = "ap-guangzhou-3".into();
    i.state = state;
    i.tags = vec![("city".into(), "shenzhen".into())];
    emu.seed_instance(Provider::Tencent, i);
}

#[tokio::test]
async fn every_documented_example_is_accepted_with_all_fields() {
    let emu = Emulator::builder()
        .key(Provider::Tencent, ID, KEY)
        .start()
        .await
        .unwrap();
    let addr = emu.addr();
    let mut checked = 0;
    for (file, service, actions) in [
        (
            "cvm-v20170312.examples.json",
            "cvm",
            &[
                "DescribeInstances",
                "RunInstances",
                "StartInstances",
                "StopInstances",
                "TerminateInstances",
            ][..],
        ),
        (
            "sts-v20180813.examples.json",
            "sts",
            &["AssumeRole", "GetCallerIdentity"][..],
        ),
    ] {
        let path = shared_file(&format!("specs-upstream/tencent-examples/{file}"));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for action in actions {
            let examples = doc["actions"][action].as_array().unwrap();
            assert!(!examples.is_empty(), "{action}");
            for ex in examples {
                let input = ex["input"].as_str().unwrap();
                let body = input
                    .split_once("\n\n")
                    .map(|(_, b)| b.trim())
                    .filter(|b| b.starts_with('{'))
                    .unwrap_or("{}");
                // Give the example the instances it names, in a state the action accepts.
                let body_json: Value = serde_json::from_str(body).unwrap();
                let state = match *action {
                    "StartInstances" => InstanceState::Stopped,
                    _ => InstanceState::Running,
                };
                for id in body_json["InstanceIds"].as_array().into_iter().flatten() {
                    seed(&emu, id.as_str().unwrap(), state);
                }
                if *action == "DescribeInstances" {
                    seed(&emu, "ins-seed0001", InstanceState::Running);
                }
                let resp = tc_call(addr, ID, KEY, None, service, action, REGION, body, now()).await;
                assert!(
                    resp.get("Error").is_none(),
                    "{action} {}: {resp}",
                    ex["title"]
                );
                let want: Value = serde_json::from_str(ex["output"].as_str().unwrap()).unwrap();
                let mut want_keys = BTreeSet::new();
                key_paths(&want["Response"], "", &mut want_keys);
                let mut got_keys = BTreeSet::new();
                key_paths(&resp, "", &mut got_keys);
                let missing: Vec<_> = want_keys.difference(&got_keys).collect();
                assert!(
                    missing.is_empty(),
                    "{action} {}: missing {missing:?}",
                    ex["title"]
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 14, "only {checked} examples checked");
    emu.shutdown().await;
}

#[tokio::test]
async fn cvm_lifecycle_idempotency_paging_and_errors() {
    let emu = Emulator::builder()
        .key(Provider::Tencent, ID, KEY)
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    let call = |action: &'static str, body: String| async move {
        tc_call(a, ID, KEY, None, "cvm", action, REGION, &body, now()).await
    };
    let run = r#"{"Placement":{"Zone":"ap-guangzhou-3"},"ImageId":"img-pi0ii46r","InstanceCount":3,"ClientToken":"tok-1","InstanceName":"web","TagSpecification":[{"ResourceType":"instance","Tags":[{"Key":"Name","Value":"web"}]}]}"#;
    let r1 = call("RunInstances", run.into()).await;
    let ids: Vec<String> = serde_json::from_value(r1["InstanceIdSet"].clone()).unwrap();
    assert_eq!(ids.len(), 3);
    let r2 = call("RunInstances", run.into()).await;
    assert_eq!(
        r2["InstanceIdSet"], r1["InstanceIdSet"],
        "same ClientToken, same result"
    );
    assert_eq!(emu.instances(Provider::Tencent, REGION).len(), 3);

    let page = call("DescribeInstances", r#"{"Offset":2,"Limit":2}"#.into()).await;
    assert_eq!(page["TotalCount"], 3);
    assert_eq!(page["InstanceSet"].as_array().unwrap().len(), 1);
    let too_many = call("DescribeInstances", r#"{"Limit":101}"#.into()).await;
    assert_eq!(
        too_many["Error"]["Code"],
        "InvalidParameterValue.LimitExceeded"
    );

    let running = call(
        "DescribeInstances",
        r#"{"Filters":[{"Name":"instance-state","Values":["RUNNING"]},{"Name":"tag:Name","Values":["web"]}]}"#.into(),
    )
    .await;
    assert_eq!(running["TotalCount"], 3);

    let ids_json = serde_json::to_string(&ids[..1]).unwrap();
    let err = call("StartInstances", format!(r#"{{"InstanceIds":{ids_json}}}"#)).await;
    assert_eq!(
        err["Error"]["Code"],
        "UnsupportedOperation.InstanceStateRunning"
    );
    call("StopInstances", format!(r#"{{"InstanceIds":{ids_json}}}"#)).await;
    assert_eq!(
        emu.instances(Provider::Tencent, REGION)[0].state,
        InstanceState::Stopped
    );
    call(
        "TerminateInstances",
        format!(r#"{{"InstanceIds":{ids_json}}}"#),
    )
    .await;
    assert_eq!(
        emu.instances(Provider::Tencent, REGION).len(),
        2,
        "terminated CVMs vanish"
    );
    let err = call("StopInstances", format!(r#"{{"InstanceIds":{ids_json}}}"#)).await;
    assert_eq!(err["Error"]["Code"], "InvalidInstanceId.NotFound");
    let err = call("StopInstances", "{}".into()).await;
    assert_eq!(err["Error"]["Code"], "MissingParameter");
    let err = call("RunInstances", r#"{"ImageId":"img-1"}"#.into()).await;
    assert_eq!(err["Error"]["Code"], "MissingParameter");
    emu.shutdown().await;
}

#[tokio::test]
async fn transition_delay_is_visible_on_a_manual_clock() {
    use std::sync::Arc;
    use std::time::Duration;
    use unicloud_core::clock::ManualClock;
    let start = std::time::UNIX_EPOCH + Duration::from_secs(now() as u64);
    let clock = Arc::new(ManualClock::new(start));
    let emu = Emulator::builder()
        .key(Provider::Tencent, ID, KEY)
        .clock(clock.clone())
        .transition_delay(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let ts = now();
    tc_call(
        emu.addr(),
        ID,
        KEY,
        None,
        "cvm",
        "RunInstances",
        REGION,
        r#"{"Placement":{"Zone":"ap-guangzhou-3"},"ImageId":"img-1"}"#,
        ts,
    )
    .await;
    assert_eq!(
        emu.instances(Provider::Tencent, REGION)[0].state,
        InstanceState::Pending
    );
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        emu.instances(Provider::Tencent, REGION)[0].state,
        InstanceState::Running
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn sts_credentials_work_until_they_expire() {
    use std::sync::Arc;
    use std::time::Duration;
    use unicloud_core::clock::ManualClock;
    let t0 = now();
    let clock = Arc::new(ManualClock::new(
        std::time::UNIX_EPOCH + Duration::from_secs(t0 as u64),
    ));
    let emu = Emulator::builder()
        .key(Provider::Tencent, ID, KEY)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    let r = tc_call(a, ID, KEY, None, "sts", "AssumeRole", REGION,
        r#"{"RoleArn":"qcs::cam::uin/100000000001:roleName/deployer","RoleSessionName":"ci","DurationSeconds":900}"#, t0).await;
    let c = &r["Credentials"];
    let (tid, tkey, tok) = (
        c["TmpSecretId"].as_str().unwrap().to_owned(),
        c["TmpSecretKey"].as_str().unwrap().to_owned(),
        c["Token"].as_str().unwrap().to_owned(),
    );
    let me = tc_call(
        a,
        &tid,
        &tkey,
        Some(&tok),
        "sts",
        "GetCallerIdentity",
        REGION,
        "{}",
        t0,
    )
    .await;
    assert_eq!(me["Type"], "CAMRole");
    let ok = tc_call(
        a,
        &tid,
        &tkey,
        Some(&tok),
        "cvm",
        "DescribeInstances",
        REGION,
        "{}",
        t0,
    )
    .await;
    assert!(ok.get("Error").is_none(), "{ok}");
    let no_token = tc_call(
        a,
        &tid,
        &tkey,
        None,
        "cvm",
        "DescribeInstances",
        REGION,
        "{}",
        t0,
    )
    .await;
    assert_eq!(no_token["Error"]["Code"], "AuthFailure.TokenFailure");
    clock.advance(Duration::from_secs(901));
    let t1 = t0 + 901;
    let expired = tc_call(
        a,
        &tid,
        &tkey,
        Some(&tok),
        "cvm",
        "DescribeInstances",
        REGION,
        "{}",
        t1,
    )
    .await;
    assert_eq!(expired["Error"]["Code"], "AuthFailure.TokenFailure");
    emu.shutdown().await;
}

/// Found by the official Python SDK (sdk-compat) with `signMethod="HmacSHA1"`/`"HmacSHA256"`:
/// a legacy v1 request has no `X-TC-Action` header, so a GET was routed to Alibaba (an
/// `Action=` query) and a form POST to AWS. It is Tencent's when it carries `SecretId`; the
/// flattened parameters (`Filters.0.Values.0`) reach the action.
#[tokio::test]
async fn legacy_v1_signature_get_and_post_are_routed_to_tencent() {
    use common::{build_raw, send_raw};
    use unicloud_core::signing::rfc3986_encode as enc;
    use unicloud_tencent::sign::hmac_v1::{self, SignatureMethod};

    let emu = Emulator::builder()
        .key(Provider::Tencent, ID, KEY)
        .start()
        .await
        .unwrap();
    seed(&emu, "ins-v1000001", InstanceState::Running);
    seed(&emu, "ins-v1000002", InstanceState::Stopped);
    let host = emu.addr().to_string();
    let ts = now().to_string();
    for (method, sm, sm_name, secret) in [
        ("GET", SignatureMethod::HmacSha1, "HmacSHA1", KEY),
        ("POST", SignatureMethod::HmacSha256, "HmacSHA256", KEY),
        ("GET", SignatureMethod::HmacSha256, "HmacSHA256", "wrong"),
    ] {
        let nonce = format!("{}", now() % 100_000 + secret.len() as i64);
        let params = [
            ("Action", "DescribeInstances"),
            ("Version", "2017-03-12"),
            ("Region", REGION),
            ("Timestamp", ts.as_str()),
            ("Nonce", nonce.as_str()),
            ("SecretId", ID),
            ("SignatureMethod", sm_name),
            ("Filters.0.Name", "instance-state"),
            ("Filters.0.Values.0", "STOPPED"),
        ];
        let sig = hmac_v1::sign(method, &host, "/", &params, secret, sm);
        let mut form: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        form.push(format!("Signature={}", enc(&sig.signature)));
        let form = form.join("&");
        let headers = vec![("Host".to_owned(), host.clone())];
        let raw = if method == "GET" {
            build_raw("GET", &format!("/?{form}"), &headers, b"")
        } else {
            let mut h = headers;
            h.push((
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
            build_raw("POST", "/", &h, form.as_bytes())
        };
        let resp = send_raw(emu.addr(), &raw).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        assert_eq!(resp.header("content-type"), Some("application/json"));
        let r = resp.json()["Response"].clone();
        if secret == KEY {
            assert_eq!(r["TotalCount"], 1, "{method} {sm_name}: {r}");
            assert_eq!(r["InstanceSet"][0]["InstanceId"], "ins-v1000002");
        } else {
            assert_eq!(r["Error"]["Code"], "AuthFailure.SignatureFailure");
        }
    }
    emu.shutdown().await;
}

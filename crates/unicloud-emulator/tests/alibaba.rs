//! Alibaba Cloud ECS and STS through RPC v1 (HMAC-SHA1) signed requests.

// Test helpers outside #[test] fns may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Resp, build_raw, send_raw};
use serde_json::Value;
use unicloud_alibaba::sign::rpc_v1;
use unicloud_core::Provider;
use unicloud_core::signing::rfc3986_encode as enc;
use unicloud_emulator::{Emulator, FaultConfig, FaultKind, FaultRule, InstanceState};

const ID: &str = "testid";
const SECRET: &str = "testsecret";
const REGION: &str = "cn-hangzhou";

fn timestamp() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

async fn call(
    addr: std::net::SocketAddr,
    id: &str,
    secret: &str,
    token: Option<&str>,
    params: &[(&str, &str)],
) -> Resp {
    let nonce = uuid::Uuid::new_v4().to_string();
    let ts = timestamp();
    let mut p: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    let version = if params
        .iter()
        .any(|(k, v)| *k == "Action" && (*v == "AssumeRole" || *v == "GetCallerIdentity"))
    {
        "2015-04-01"
    } else {
        "2014-05-26"
    };
    for (k, v) in [
        ("AccessKeyId", id),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", nonce.as_str()),
        ("SignatureVersion", "1.0"),
        ("Timestamp", ts.as_str()),
        ("Version", version),
    ] {
        p.push((k.into(), v.into()));
    }
    if let Some(t) = token {
        p.push(("SecurityToken".into(), t.into()));
    }
    let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sig = rpc_v1::sign("GET", &pairs, secret);
    let target = format!(
        "/?{}&Signature={}",
        sig.canonicalized_query,
        enc(&sig.signature)
    );
    let headers = vec![("Host".to_owned(), "ecs.aliyuncs.com".to_owned())];
    send_raw(addr, &build_raw("GET", &target, &headers, b"")).await
}

fn ids(r: &Resp) -> Vec<String> {
    serde_json::from_value(r.json()["InstanceIdSets"]["InstanceIdSet"].clone()).unwrap()
}

#[tokio::test]
async fn ecs_lifecycle_paging_and_errors() {
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    let run = [
        ("Action", "RunInstances"),
        ("RegionId", REGION),
        ("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd"),
        ("InstanceType", "ecs.g7.large"),
        ("Amount", "3"),
        ("ClientToken", "tok-1"),
        ("InstanceName", "web"),
        ("Tag.1.Key", "Name"),
        ("Tag.1.Value", "web"),
    ];
    let r1 = call(a, ID, SECRET, None, &run).await;
    assert_eq!(r1.status, 200, "{}", r1.body);
    let created = ids(&r1);
    assert_eq!(created.len(), 3);
    let r2 = call(a, ID, SECRET, None, &run).await;
    assert_eq!(ids(&r2), created, "same ClientToken, same instances");
    assert_eq!(emu.instances(Provider::Alibaba, REGION).len(), 3);

    // Page 2 of size 2; NextToken paging.
    let page = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DescribeInstances"),
            ("RegionId", REGION),
            ("PageNumber", "2"),
            ("PageSize", "2"),
        ],
    )
    .await;
    let v = page.json();
    assert_eq!(
        (v["TotalCount"].as_u64(), v["PageNumber"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(v["Instances"]["Instance"].as_array().unwrap().len(), 1);
    let first = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DescribeInstances"),
            ("RegionId", REGION),
            ("MaxResults", "2"),
        ],
    )
    .await
    .json();
    let token = first["NextToken"].as_str().unwrap().to_owned();
    assert!(!token.is_empty());
    let second = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DescribeInstances"),
            ("RegionId", REGION),
            ("MaxResults", "2"),
            ("NextToken", &token),
        ],
    )
    .await
    .json();
    assert_eq!(second["Instances"]["Instance"].as_array().unwrap().len(), 1);
    assert_eq!(second["NextToken"], "");
    let big = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DescribeInstances"),
            ("RegionId", REGION),
            ("PageSize", "101"),
        ],
    )
    .await;
    assert_eq!(big.status, 400);

    // Filters: Status, Tag, InstanceIds as a JSON string.
    let ids_json = serde_json::to_string(&created[..1]).unwrap();
    let f = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DescribeInstances"),
            ("RegionId", REGION),
            ("Status", "Running"),
            ("Tag.1.Key", "Name"),
            ("Tag.1.Value", "web"),
            ("InstanceIds", &ids_json),
        ],
    )
    .await
    .json();
    assert_eq!(f["TotalCount"], 1);
    assert_eq!(
        f["Instances"]["Instance"][0]["Tags"]["Tag"][0]["TagKey"],
        "Name"
    );

    // State machine.
    let one = created[0].as_str();
    let e = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "StartInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", one),
        ],
    )
    .await;
    assert_eq!(
        (e.status, e.json()["Code"].clone()),
        (403, Value::from("IncorrectInstanceStatus"))
    );
    let e = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DeleteInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", one),
        ],
    )
    .await;
    assert_eq!(
        e.json()["Code"],
        "IncorrectInstanceStatus",
        "running needs Force"
    );
    let s = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "StopInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", one),
        ],
    )
    .await;
    assert_eq!(
        s.json()["InstanceResponses"]["InstanceResponse"][0]["CurrentStatus"],
        "Stopping"
    );
    assert_eq!(
        emu.instances(Provider::Alibaba, REGION)[0].state,
        InstanceState::Stopped
    );
    let d = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DeleteInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", one),
        ],
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(emu.instances(Provider::Alibaba, REGION).len(), 2);
    let e = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "StopInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", one),
        ],
    )
    .await;
    assert_eq!(
        (e.status, e.json()["Code"].clone()),
        (404, Value::from("InvalidInstanceId.NotFound"))
    );
    let f = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DeleteInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", &created[1]),
            ("Force", "true"),
        ],
    )
    .await;
    assert_eq!(f.status, 200);
    let m = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "RunInstances"),
            ("RegionId", REGION),
            ("ImageId", "img"),
        ],
    )
    .await;
    assert_eq!(
        (m.status, m.json()["Code"].clone()),
        (400, Value::from("MissingParameter"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn sts_assume_role_and_caller_identity() {
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    let r = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", "acs:ram::1234567890123456:role/deployer"),
            ("RoleSessionName", "ci"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = r.json()["Credentials"].clone();
    let (kid, ks, tok) = (
        c["AccessKeyId"].as_str().unwrap().to_owned(),
        c["AccessKeySecret"].as_str().unwrap().to_owned(),
        c["SecurityToken"].as_str().unwrap().to_owned(),
    );
    assert!(kid.starts_with("STS."));
    let me = call(a, &kid, &ks, Some(&tok), &[("Action", "GetCallerIdentity")])
        .await
        .json();
    assert_eq!(me["IdentityType"], "AssumedRoleUser");
    assert!(
        me["Arn"]
            .as_str()
            .unwrap()
            .ends_with("assumed-role/deployer/ci")
    );
    let no_tok = call(a, &kid, &ks, None, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        no_tok.json()["Code"],
        "InvalidSecurityToken.MismatchWithAccessKey"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn faults_throttle_fail_and_drop_after_apply() {
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .faults(
            FaultConfig::default()
                .seed(3)
                .rule(FaultRule::new(Some(Provider::Alibaba), "DescribeInstances").throttle(1.0))
                .rule(FaultRule::new(Some(Provider::Alibaba), "StopInstances").server_error(1.0))
                .rule(
                    FaultRule::new(Some(Provider::Alibaba), "RunInstances").drop_after_apply(1.0),
                ),
        )
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    let t = call(
        a,
        ID,
        SECRET,
        None,
        &[("Action", "DescribeInstances"), ("RegionId", REGION)],
    )
    .await;
    assert_eq!(
        (t.status, t.json()["Code"].clone()),
        (400, Value::from("Throttling.User"))
    );
    let d = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "RunInstances"),
            ("RegionId", REGION),
            ("ImageId", "img"),
            ("InstanceType", "ecs.g7.large"),
        ],
    )
    .await;
    assert!(
        d.body.is_empty() || d.status == 0 || !d.body.contains("InstanceIdSets"),
        "connection should drop: {d:?}"
    );
    let created = emu.instances(Provider::Alibaba, REGION);
    assert_eq!(created.len(), 1, "the change was applied before the drop");
    let s = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "StopInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", &created[0].id),
        ],
    )
    .await;
    assert_eq!(
        (s.status, s.json()["Code"].clone()),
        (503, Value::from("ServiceUnavailable"))
    );
    assert_eq!(
        emu.instances(Provider::Alibaba, REGION)[0].state,
        InstanceState::Running,
        "a 5xx applies nothing"
    );
    let c = emu.fault_counters();
    assert_eq!(
        c.get(Provider::Alibaba, "DescribeInstances", FaultKind::Throttle),
        1
    );
    assert_eq!(
        c.get(Provider::Alibaba, "RunInstances", FaultKind::DropAfterApply),
        1
    );
    assert_eq!(
        c.get(Provider::Alibaba, "StopInstances", FaultKind::ServerError),
        1
    );
    emu.shutdown().await;
}

/// Found by the official Python Tea SDK (sdk-compat): it sends booleans as Python prints them,
/// `Force=True`; ECS reads booleans case-insensitively, so a forced delete of a running
/// instance succeeds.
#[tokio::test]
async fn force_true_as_python_sends_it_deletes_a_running_instance() {
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    let run = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "RunInstances"),
            ("RegionId", REGION),
            ("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd"),
            ("InstanceType", "ecs.g7.large"),
        ],
    )
    .await;
    let id = ids(&run).remove(0);
    let del = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DeleteInstances"),
            ("RegionId", REGION),
            ("InstanceId.1", &id),
            ("Force", "True"),
        ],
    )
    .await;
    assert_eq!(del.status, 200, "{}", del.body);
    let left: Vec<String> = emu
        .instances(Provider::Alibaba, REGION)
        .into_iter()
        .filter(|i| i.state != InstanceState::Terminated)
        .map(|i| i.id)
        .collect();
    assert!(!left.contains(&id), "{left:?}");
    emu.shutdown().await;
}

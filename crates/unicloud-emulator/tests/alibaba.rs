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
    // A `Version` among `params` wins (an empty one: no version at all).
    let mut p: Vec<(String, String)> = params
        .iter()
        .filter(|(k, v)| *k != "Version" || !v.is_empty())
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    let given = params.iter().any(|(k, _)| *k == "Version");
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
        if k != "Version" || !given {
            p.push((k.into(), v.into()));
        }
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

fn vpc_client(emu: &unicloud_emulator::EmulatorHandle) -> unicloud_alibaba::client::AlibabaClient {
    use unicloud_alibaba::client::{AlibabaClient, Endpoint};
    use unicloud_core::{ClientConfig, Credentials, Region, RetryPolicy};
    AlibabaClient::builder(Region::new(Provider::Alibaba, REGION).unwrap())
        .credentials(Credentials::new(ID, SECRET))
        .endpoint(Endpoint::Override(emu.base_url()))
        .config(ClientConfig::default().with_retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

fn ali_code(e: &unicloud_core::Error) -> (Option<u16>, &str) {
    (e.status(), e.code().unwrap_or(""))
}

#[tokio::test]
async fn vpc_route_entries_from_create_to_delete() {
    use unicloud_alibaba::generated::{ecs, vpc};
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .start()
        .await
        .unwrap();
    let c = vpc_client(&emu);
    let created = c
        .call(&vpc::CreateVpcRequest {
            region_id: REGION.into(),
            cidr_block: Some("192.168.0.0/16".into()),
            vpc_name: Some("prod".into()),
            client_token: Some("vpc-token-1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let vpc_id = created.vpc_id.clone().unwrap();
    let system = created.route_table_id.clone().unwrap();
    assert!(vpc_id.starts_with("vpc-") && system.starts_with("vtb-"));
    assert!(created.v_router_id.as_deref().unwrap().starts_with("vrt-"));
    assert!(created.resource_group_id.is_some());
    // The same ClientToken answers with the same VPC.
    let again = c
        .call(&vpc::CreateVpcRequest {
            region_id: REGION.into(),
            cidr_block: Some("192.168.0.0/16".into()),
            vpc_name: Some("prod".into()),
            client_token: Some("vpc-token-1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(again.vpc_id, created.vpc_id);
    // Its system table holds its system route.
    let list = c
        .call(&vpc::DescribeRouteTableListRequest {
            region_id: REGION.into(),
            vpc_id: Some(vpc_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(list.total_count, Some(1));
    let t = &list
        .router_table_list
        .unwrap()
        .router_table_list_type
        .unwrap()[0];
    assert_eq!(t.route_table_type.as_deref(), Some("System"));
    assert_eq!(t.route_table_id.as_deref(), Some(system.as_str()));
    let entries = c
        .call(&vpc::DescribeRouteEntryListRequest {
            region_id: REGION.into(),
            route_table_id: system.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let e = &entries.route_entrys.unwrap().route_entry.unwrap()[0];
    assert_eq!(e.r#type.as_deref(), Some("System"));
    assert_eq!(e.destination_cidr_block.as_deref(), Some("192.168.0.0/16"));

    // A vSwitch and an instance in it.
    let vsw = c
        .call(&vpc::CreateVSwitchRequest {
            region_id: Some(REGION.into()),
            vpc_id: vpc_id.clone(),
            zone_id: "cn-hangzhou-i".into(),
            cidr_block: "192.168.1.0/24".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .v_switch_id
        .unwrap();
    for (vpc, cidr, want) in [
        (
            vpc_id.as_str(),
            "192.168.1.128/25",
            (Some(400), "InvalidCidrBlock.Overlapped"),
        ),
        (
            vpc_id.as_str(),
            "10.0.0.0/24",
            (Some(400), "InvalidCidrBlock.Malformed"),
        ),
        (
            "vpc-doesnotexist",
            "192.168.2.0/24",
            (Some(404), "InvalidVpcId.NotFound"),
        ),
    ] {
        let e = c
            .call(&vpc::CreateVSwitchRequest {
                region_id: Some(REGION.into()),
                vpc_id: vpc.into(),
                zone_id: "cn-hangzhou-i".into(),
                cidr_block: cidr.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(ali_code(&e), want, "{cidr}");
    }
    let run = c
        .call(&ecs::RunInstancesRequest {
            region_id: REGION.into(),
            image_id: Some("aliyun_3_x64_20G_alibase_20240819.vhd".into()),
            instance_type: Some("ecs.g7.large".into()),
            v_switch_id: Some(vsw.clone()),
            amount: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids = run.instance_id_sets.unwrap().instance_id_set.unwrap();
    let described = c
        .call(&ecs::DescribeInstancesRequest {
            region_id: REGION.into(),
            instance_ids: Some(serde_json::to_string(&ids).unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    let got: Vec<(String, String, Vec<String>)> = described
        .instances
        .unwrap()
        .instance
        .unwrap()
        .into_iter()
        .map(|i| {
            let v = i.vpc_attributes.unwrap();
            (
                v.vpc_id.unwrap(),
                v.v_switch_id.unwrap(),
                v.private_ip_address.unwrap().ip_address.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (vpc_id.clone(), vsw.clone(), vec!["192.168.1.4".to_owned()]),
            (vpc_id.clone(), vsw.clone(), vec!["192.168.1.5".to_owned()]),
        ]
    );
    let e = c
        .call(&ecs::RunInstancesRequest {
            region_id: REGION.into(),
            image_id: Some("img".into()),
            instance_type: Some("ecs.g7.large".into()),
            v_switch_id: Some("vsw-doesnotexist".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(ali_code(&e), (Some(404), "InvalidVSwitchId.NotFound"));

    // A custom table for the vSwitch, and routes to the instances.
    let table = c
        .call(&vpc::CreateRouteTableRequest {
            region_id: REGION.into(),
            vpc_id: vpc_id.clone(),
            route_table_name: Some("custom".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .route_table_id
        .unwrap();
    c.call(&vpc::AssociateRouteTableRequest {
        region_id: REGION.into(),
        route_table_id: table.clone(),
        v_switch_id: vsw.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let entry =
        |dest: &str, kind: &str, hop: &str, token: Option<&str>| vpc::CreateRouteEntryRequest {
            region_id: Some(REGION.into()),
            route_table_id: table.clone(),
            destination_cidr_block: dest.into(),
            next_hop_type: Some(kind.into()),
            next_hop_id: Some(hop.into()),
            client_token: token.map(str::to_owned),
            ..Default::default()
        };
    let rte = c
        .call(&entry(
            "10.99.0.0/16",
            "Instance",
            &ids[0],
            Some("rte-token"),
        ))
        .await
        .unwrap()
        .route_entry_id
        .unwrap();
    assert!(rte.starts_with("rte-"));
    let same = c
        .call(&entry(
            "10.99.0.0/16",
            "Instance",
            &ids[0],
            Some("rte-token"),
        ))
        .await
        .unwrap();
    assert_eq!(
        same.route_entry_id.as_deref(),
        Some(rte.as_str()),
        "ClientToken"
    );
    c.call(&entry("0.0.0.0/0", "NatGateway", "ngw-1", None))
        .await
        .unwrap();
    for (req, want) in [
        (
            entry("10.99.0.0/16", "Instance", &ids[1], None),
            (Some(400), "RouterEntryConflict.Duplicated"),
        ),
        (
            entry("10.98.0.0/16", "Instance", "i-doesnotexist", None),
            (Some(404), "InvalidInstanceId.NotFound"),
        ),
        (
            entry("10.98.0.0/33", "Instance", &ids[1], None),
            (Some(400), "InvalidCidrBlock.Malformed"),
        ),
        (
            entry("192.168.1.0/26", "Instance", &ids[1], None),
            (Some(400), "InvalidCidrBlock.Overlapped"),
        ),
        (
            entry("10.98.0.0/16", "Teleport", "x", None),
            (Some(400), "InvalidNextHopType.NotSupported"),
        ),
    ] {
        let e = c.call(&req).await.unwrap_err();
        assert_eq!(ali_code(&e), want, "{req:?}");
    }
    let mut bad_table = entry("10.98.0.0/16", "Instance", &ids[1], None);
    bad_table.route_table_id = "vtb-doesnotexist".into();
    let e = c.call(&bad_table).await.unwrap_err();
    assert_eq!(ali_code(&e), (Some(404), "InvalidRouteTableId.NotFound"));

    // Describe with filters and token paging.
    let list = |f: fn(&mut vpc::DescribeRouteEntryListRequest)| {
        let mut req = vpc::DescribeRouteEntryListRequest {
            region_id: REGION.into(),
            route_table_id: table.clone(),
            ..Default::default()
        };
        f(&mut req);
        let c = c.clone();
        async move { c.call(&req).await.unwrap() }
    };
    let all = list(|_| {})
        .await
        .route_entrys
        .unwrap()
        .route_entry
        .unwrap();
    assert_eq!(all.len(), 3, "the system route and two custom ones");
    let custom = list(|r| r.route_entry_type = Some("Custom".into()))
        .await
        .route_entrys
        .unwrap()
        .route_entry
        .unwrap();
    assert_eq!(custom.len(), 2);
    let to_instance = list(|r| r.next_hop_type = Some("Instance".into()))
        .await
        .route_entrys
        .unwrap()
        .route_entry
        .unwrap();
    assert_eq!(to_instance.len(), 1);
    let hop = &to_instance[0]
        .next_hops
        .as_ref()
        .unwrap()
        .next_hop
        .as_ref()
        .unwrap()[0];
    assert_eq!(hop.next_hop_id.as_deref(), Some(ids[0].as_str()));
    assert_eq!(to_instance[0].status.as_deref(), Some("Available"));
    let first = list(|r| r.max_result = Some(2)).await;
    let token = first.next_token.clone().unwrap();
    assert!(!token.is_empty());
    let mut req = vpc::DescribeRouteEntryListRequest {
        region_id: REGION.into(),
        route_table_id: table.clone(),
        max_result: Some(2),
        next_token: Some(token),
        ..Default::default()
    };
    let second = c.call(&req).await.unwrap();
    assert_eq!(second.route_entrys.unwrap().route_entry.unwrap().len(), 1);
    assert_eq!(second.next_token.as_deref(), Some(""));
    req.route_table_id = "vtb-doesnotexist".into();
    req.next_token = None;
    let e = c.call(&req).await.unwrap_err();
    assert_eq!(ali_code(&e), (Some(404), "InvalidRouteTableId.NotFound"));

    // Modify by RouteEntryId; an unknown instance changes nothing.
    c.call(&vpc::ModifyRouteEntryRequest {
        region_id: REGION.into(),
        route_entry_id: Some(rte.clone()),
        new_next_hop_type: Some("Instance".into()),
        new_next_hop_id: Some(ids[1].clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let e = c
        .call(&vpc::ModifyRouteEntryRequest {
            region_id: REGION.into(),
            route_table_id: Some(table.clone()),
            destination_cidr_block: Some("10.99.0.0/16".into()),
            new_next_hop_type: Some("Instance".into()),
            new_next_hop_id: Some("i-doesnotexist".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(ali_code(&e), (Some(404), "InvalidInstanceId.NotFound"));
    let now_hop = list(|r| r.destination_cidr_block = Some("10.99.0.0/16".into()))
        .await
        .route_entrys
        .unwrap()
        .route_entry
        .unwrap()[0]
        .next_hops
        .clone()
        .unwrap()
        .next_hop
        .unwrap()[0]
        .next_hop_id
        .clone();
    assert_eq!(now_hop.as_deref(), Some(ids[1].as_str()));
    let sys_id = all
        .iter()
        .find(|e| e.r#type.as_deref() == Some("System"))
        .unwrap()
        .route_entry_id
        .clone();
    let e = c
        .call(&vpc::DeleteRouteEntryRequest {
            region_id: Some(REGION.into()),
            route_entry_id: sys_id,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(ali_code(&e), (Some(400), "IncorrectRouteEntryStatus"));

    // Delete by id, and by table + destination.
    c.call(&vpc::DeleteRouteEntryRequest {
        region_id: Some(REGION.into()),
        route_entry_id: Some(rte.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    c.call(&vpc::DeleteRouteEntryRequest {
        region_id: Some(REGION.into()),
        route_table_id: Some(table.clone()),
        destination_cidr_block: Some("0.0.0.0/0".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let e = c
        .call(&vpc::DeleteRouteEntryRequest {
            region_id: Some(REGION.into()),
            route_entry_id: Some(rte),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(ali_code(&e), (Some(404), "InvalidRouteEntry.NotFound"));
    assert_eq!(
        list(|_| {})
            .await
            .route_entrys
            .unwrap()
            .route_entry
            .unwrap()
            .len(),
        1
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn vpc_route_tables_filter_and_page() {
    use unicloud_alibaba::generated::vpc;
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .start()
        .await
        .unwrap();
    let c = vpc_client(&emu);
    let mut vpcs = Vec::new();
    for n in 0..3 {
        let v = c
            .call(&vpc::CreateVpcRequest {
                region_id: REGION.into(),
                cidr_block: Some(format!("10.{n}.0.0/16")),
                ..Default::default()
            })
            .await
            .unwrap();
        vpcs.push(v.vpc_id.unwrap());
    }
    for n in 0..22 {
        let tag = (n % 2 == 0).then(|| {
            vec![vpc::CreateRouteTableTag {
                key: Some("team".into()),
                value: Some("net".into()),
            }]
        });
        c.call(&vpc::CreateRouteTableRequest {
            region_id: REGION.into(),
            vpc_id: vpcs[n % 3].clone(),
            route_table_name: Some(format!("t{n}")),
            tag,
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let base = || vpc::DescribeRouteTableListRequest {
        region_id: REGION.into(),
        ..Default::default()
    };
    let mut seen = Vec::new();
    for page in 1..=3 {
        let r = c
            .call(&vpc::DescribeRouteTableListRequest {
                page_number: Some(page),
                page_size: Some(10),
                ..base()
            })
            .await
            .unwrap();
        assert_eq!(r.total_count, Some(25));
        assert_eq!(r.page_number, Some(page));
        for t in r.router_table_list.unwrap().router_table_list_type.unwrap() {
            seen.push(t.route_table_id.unwrap());
        }
    }
    assert_eq!(seen.len(), 25);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25, "pages do not overlap");
    let count = |req: vpc::DescribeRouteTableListRequest| {
        let c = c.clone();
        async move { c.call(&req).await.unwrap().total_count.unwrap() }
    };
    assert_eq!(
        count(vpc::DescribeRouteTableListRequest {
            vpc_id: Some(vpcs[0].clone()),
            ..base()
        })
        .await,
        9
    );
    assert_eq!(
        count(vpc::DescribeRouteTableListRequest {
            route_table_type: Some("System".into()),
            ..base()
        })
        .await,
        3
    );
    assert_eq!(
        count(vpc::DescribeRouteTableListRequest {
            route_table_name: Some("t5".into()),
            ..base()
        })
        .await,
        1
    );
    assert_eq!(
        count(vpc::DescribeRouteTableListRequest {
            route_table_id: Some(seen[0].clone()),
            ..base()
        })
        .await,
        1
    );
    let tag = vec![vpc::DescribeRouteTableListTag {
        key: Some("team".into()),
        value: Some("net".into()),
    }];
    assert_eq!(
        count(vpc::DescribeRouteTableListRequest {
            tag: Some(tag),
            ..base()
        })
        .await,
        11
    );
    let e = c
        .call(&vpc::DescribeRouteTableListRequest {
            page_size: Some(51),
            ..base()
        })
        .await
        .unwrap_err();
    assert_eq!(ali_code(&e), (Some(400), "InvalidParameter.PageSize"));
    emu.shutdown().await;
}

#[tokio::test]
async fn actions_ecs_and_vpc_share_need_a_version() {
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    // With VPC's version, CreateVpc is VPC's; ECS's own (deprecated) one is not served.
    let vpc = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "CreateVpc"),
            ("RegionId", REGION),
            ("Version", "2016-04-28"),
        ],
    )
    .await;
    assert_eq!(vpc.status, 200, "{}", vpc.body);
    assert!(vpc.json()["VpcId"].as_str().unwrap().starts_with("vpc-"));
    let ecs = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "CreateVpc"),
            ("RegionId", REGION),
            ("Version", "2014-05-26"),
        ],
    )
    .await;
    assert_eq!(ecs.status, 404, "{}", ecs.body);
    assert_eq!(ecs.json()["Code"], "InvalidAction.NotFound");
    // Without a version, an action only VPC has is VPC's ...
    let only = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DescribeRouteTableList"),
            ("RegionId", REGION),
            ("Version", ""),
        ],
    )
    .await;
    assert_eq!(only.status, 200, "{}", only.body);
    // ... and DescribeInstances still ECS's.
    let inst = call(
        a,
        ID,
        SECRET,
        None,
        &[
            ("Action", "DescribeInstances"),
            ("RegionId", REGION),
            ("Version", ""),
        ],
    )
    .await;
    assert_eq!(inst.status, 200, "{}", inst.body);
    assert_eq!(inst.json()["TotalCount"], 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_reject_fault_fails_only_the_second_modify_route_entry() {
    use unicloud_alibaba::generated::vpc;
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .faults(
            FaultConfig::default().rule(
                FaultRule::new(Some(Provider::Alibaba), "ModifyRouteEntry")
                    .after(1)
                    .times(1)
                    .reject(1.0),
            ),
        )
        .start()
        .await
        .unwrap();
    let c = vpc_client(&emu);
    let v = c
        .call(&vpc::CreateVpcRequest {
            region_id: REGION.into(),
            cidr_block: Some("10.0.0.0/16".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let table = v.route_table_id.unwrap();
    let rte = c
        .call(&vpc::CreateRouteEntryRequest {
            region_id: Some(REGION.into()),
            route_table_id: table.clone(),
            destination_cidr_block: "0.0.0.0/0".into(),
            next_hop_type: Some("NatGateway".into()),
            next_hop_id: Some("ngw-1".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .route_entry_id
        .unwrap();
    let modify = |hop: &str| vpc::ModifyRouteEntryRequest {
        region_id: REGION.into(),
        route_entry_id: Some(rte.clone()),
        new_next_hop_type: Some("NatGateway".into()),
        new_next_hop_id: Some(hop.into()),
        ..Default::default()
    };
    c.call(&modify("ngw-2")).await.unwrap();
    let e = c.call(&modify("ngw-3")).await.unwrap_err();
    assert_eq!(ali_code(&e), (Some(400), "InvalidParameter"));
    assert!(!e.is_retryable());
    let hop = c
        .call(&vpc::DescribeRouteEntryListRequest {
            region_id: REGION.into(),
            route_table_id: table,
            route_entry_id: Some(rte.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .route_entrys
        .unwrap()
        .route_entry
        .unwrap()[0]
        .next_hops
        .clone()
        .unwrap()
        .next_hop
        .unwrap()[0]
        .next_hop_id
        .clone();
    assert_eq!(
        hop.as_deref(),
        Some("ngw-2"),
        "the rejected call was not applied"
    );
    c.call(&modify("ngw-3")).await.unwrap();
    assert_eq!(
        emu.fault_counters()
            .get(Provider::Alibaba, "ModifyRouteEntry", FaultKind::Reject),
        1
    );
    emu.shutdown().await;
}

async fn slb(a: std::net::SocketAddr, params: &[(&str, &str)]) -> Resp {
    let mut p = vec![("Version", "2014-05-15"), ("RegionId", REGION)];
    p.extend_from_slice(params);
    call(a, ID, SECRET, None, &p).await
}

#[tokio::test]
async fn slb_backends_and_vserver_groups_report_health_from_the_instance() {
    use std::sync::Arc;
    use std::time::Duration;
    use unicloud_core::clock::ManualClock;
    use unicloud_emulator::Instance;

    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let emu = Emulator::builder()
        .key(Provider::Alibaba, ID, SECRET)
        .clock(clock.clone())
        .transition_delay(Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    for (id, state) in [
        ("i-bp1run0000000000001", InstanceState::Running),
        ("i-bp1stop000000000001", InstanceState::Stopped),
    ] {
        let mut i = Instance::template(Provider::Alibaba, REGION, id);
        i.state = state;
        emu.seed_instance(Provider::Alibaba, i);
    }
    let r = slb(
        a,
        &[
            ("Action", "CreateLoadBalancer"),
            ("LoadBalancerName", "web"),
            ("ClientToken", "t-1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let lb = r.json()["LoadBalancerId"].as_str().unwrap().to_owned();
    assert!(lb.starts_with("lb-"), "{}", r.body);
    // The same client token answers with the same load balancer.
    let again = slb(
        a,
        &[
            ("Action", "CreateLoadBalancer"),
            ("LoadBalancerName", "web"),
            ("ClientToken", "t-1"),
        ],
    )
    .await;
    assert_eq!(again.json()["LoadBalancerId"], lb.as_str());
    for (action, port) in [
        ("CreateLoadBalancerTCPListener", "80"),
        ("CreateLoadBalancerHTTPListener", "8080"),
    ] {
        let r = slb(
            a,
            &[
                ("Action", action),
                ("LoadBalancerId", &lb),
                ("ListenerPort", port),
                ("BackendServerPort", "80"),
                ("Bandwidth", "-1"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
    let r = slb(
        a,
        &[
            ("Action", "CreateLoadBalancerTCPListener"),
            ("LoadBalancerId", &lb),
            ("ListenerPort", "80"),
            ("BackendServerPort", "80"),
        ],
    )
    .await;
    assert_eq!(r.json()["Code"], "ListenerAlreadyExists", "{}", r.body);
    let servers = r#"[{"ServerId": "i-bp1run0000000000001", "Weight": "100", "Type": "ecs"}, {"ServerId": "i-bp1stop000000000001", "Weight": 50}]"#;
    let r = slb(
        a,
        &[
            ("Action", "AddBackendServers"),
            ("LoadBalancerId", &lb),
            ("BackendServers", servers),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["BackendServers"]["BackendServer"][1]["Weight"],
        "50"
    );
    let health = |r: &Resp| -> Vec<(u64, String, String)> {
        r.json()["BackendServers"]["BackendServer"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["ListenerPort"].as_u64().unwrap(),
                    s["ServerId"].as_str().unwrap().to_owned(),
                    s["ServerHealthStatus"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // Listeners are created stopped: unavailable until started.
    let r = slb(
        a,
        &[
            ("Action", "DescribeHealthStatus"),
            ("LoadBalancerId", &lb),
            ("ListenerPort", "80"),
        ],
    )
    .await;
    assert!(
        health(&r).iter().all(|(_, _, s)| s == "unavailable"),
        "{}",
        r.body
    );
    let r = slb(
        a,
        &[
            ("Action", "StartLoadBalancerListener"),
            ("LoadBalancerId", &lb),
            ("ListenerPort", "80"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    clock.advance(Duration::from_secs(5));
    let r = slb(
        a,
        &[
            ("Action", "DescribeHealthStatus"),
            ("LoadBalancerId", &lb),
            ("ListenerPort", "80"),
        ],
    )
    .await;
    assert_eq!(
        health(&r),
        vec![
            (80, "i-bp1run0000000000001".into(), "normal".into()),
            (80, "i-bp1stop000000000001".into(), "abnormal".into())
        ],
        "{}",
        r.body
    );
    let r = slb(
        a,
        &[
            ("Action", "DescribeLoadBalancerAttribute"),
            ("LoadBalancerId", &lb),
        ],
    )
    .await;
    assert_eq!(
        r.json()["BackendServers"]["BackendServer"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{}",
        r.body
    );
    assert_eq!(
        r.json()["ListenerPorts"]["ListenerPort"],
        serde_json::json!([80, 8080])
    );
    let r = slb(
        a,
        &[
            ("Action", "RemoveBackendServers"),
            ("LoadBalancerId", &lb),
            (
                "BackendServers",
                r#"[{"ServerId": "i-bp1stop000000000001"}]"#,
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["BackendServers"]["BackendServer"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A VServer group with ports, bound to a listener.
    let r = slb(
        a,
        &[
            ("Action", "CreateVServerGroup"),
            ("LoadBalancerId", &lb),
            ("VServerGroupName", "api"),
            (
                "BackendServers",
                r#"[{"ServerId": "i-bp1run0000000000001", "Port": 9000, "Weight": 10}]"#,
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let group = r.json()["VServerGroupId"].as_str().unwrap().to_owned();
    assert!(group.starts_with("rsp-"));
    let r = slb(
        a,
        &[
            ("Action", "AddVServerGroupBackendServers"),
            ("VServerGroupId", &group),
            (
                "BackendServers",
                r#"[{"ServerId": "i-bp1stop000000000001", "Port": 9001}]"#,
            ),
        ],
    )
    .await;
    assert_eq!(
        r.json()["BackendServers"]["BackendServer"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{}",
        r.body
    );
    let r = slb(
        a,
        &[
            ("Action", "CreateLoadBalancerTCPListener"),
            ("LoadBalancerId", &lb),
            ("ListenerPort", "9000"),
            ("VServerGroupId", &group),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    slb(
        a,
        &[
            ("Action", "StartLoadBalancerListener"),
            ("LoadBalancerId", &lb),
            ("ListenerPort", "9000"),
        ],
    )
    .await;
    let r = slb(
        a,
        &[
            ("Action", "DescribeHealthStatus"),
            ("LoadBalancerId", &lb),
            ("ListenerPort", "9000"),
        ],
    )
    .await;
    let ports: Vec<u64> = r.json()["BackendServers"]["BackendServer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports, vec![9000, 9001], "{}", r.body);
    let r = slb(
        a,
        &[
            ("Action", "RemoveVServerGroupBackendServers"),
            ("VServerGroupId", &group),
            (
                "BackendServers",
                r#"[{"ServerId": "i-bp1stop000000000001", "Port": 9001}]"#,
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = slb(
        a,
        &[
            ("Action", "DescribeVServerGroupAttribute"),
            ("VServerGroupId", &group),
        ],
    )
    .await;
    assert_eq!(r.json()["LoadBalancerId"], lb.as_str(), "{}", r.body);
    assert_eq!(
        r.json()["BackendServers"]["BackendServer"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = slb(
        a,
        &[
            ("Action", "DescribeLoadBalancers"),
            ("ServerId", "i-bp1run0000000000001"),
        ],
    )
    .await;
    assert_eq!(r.json()["TotalCount"], 1, "{}", r.body);

    // The vendor's errors.
    for (params, status, code) in [
        (
            vec![
                ("Action", "AddBackendServers"),
                ("LoadBalancerId", "lb-nothere"),
                ("BackendServers", servers),
            ],
            404,
            "InvalidLoadBalancerId.NotFound",
        ),
        (
            vec![
                ("Action", "AddBackendServers"),
                ("LoadBalancerId", lb.as_str()),
                ("BackendServers", r#"[{"ServerId": "i-nothere"}]"#),
            ],
            400,
            "InvalidBackendServers.ServerIdNotExist",
        ),
        (
            vec![
                ("Action", "AddBackendServers"),
                ("LoadBalancerId", lb.as_str()),
                ("BackendServers", "not json"),
            ],
            400,
            "InvalidParameter.BackendServers",
        ),
        (
            vec![
                ("Action", "AddVServerGroupBackendServers"),
                ("VServerGroupId", "rsp-nothere"),
                (
                    "BackendServers",
                    r#"[{"ServerId": "i-bp1run0000000000001", "Port": 1}]"#,
                ),
            ],
            404,
            "InvalidParameter.VServerGroupId",
        ),
        (
            vec![("Action", "DescribeHealthStatus")],
            400,
            "MissingParameter",
        ),
    ] {
        let r = slb(a, &params).await;
        assert_eq!(
            (r.status, r.json()["Code"].as_str().unwrap_or_default()),
            (status, code),
            "{params:?}: {}",
            r.body
        );
    }
    emu.shutdown().await;
}

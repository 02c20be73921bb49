//! The Alibaba RPC transport against a loopback server: what goes on the wire (checked with the
//! ACS3 verifier that reproduces the published vector and SDK captures), success, HTTP errors,
//! throttling retried on a manual clock, STS credentials, time-outs and malformed replies.

#![cfg(all(feature = "ecs", feature = "sts"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::ecs::{DescribeInstancesRequest, DescribeInstancesTag};
use unicloud_alibaba::sign::{WireRequest, acs3};
use unicloud_core::clock::ManualClock;
use unicloud_core::{ClientConfig, Credentials, ErrorKind, Provider, Region, RetryPolicy};
use unicloud_testkit::server::{Recorded, RecordingServer, Reply};

const NOW: u64 = 1_795_443_325; // 2026-11-23T14:15:25Z, the time of capture 011
const ID: &str = "testid";
const SECRET: &str = "testsecret";

/// One request the server received, with whether the ACS3 verifier accepts its signature
/// under [`SECRET`].
#[derive(Clone, Debug)]
struct Seen {
    target: String,
    headers: Vec<(String, String)>,
    signature_ok: bool,
}

fn verified(r: Recorded) -> Seen {
    let refs = r.header_pairs();
    let wire = WireRequest {
        method: &r.method,
        target: &r.target,
        headers: &refs,
        body: &r.body,
    };
    let signature_ok = r
        .header("authorization")
        .and_then(|a| acs3::parse_authorization(a).ok())
        .is_some_and(|auth| acs3::verify(&wire, &auth, SECRET).is_ok());
    Seen {
        target: r.target.clone(),
        headers: r.headers.clone(),
        signature_ok,
    }
}

/// Every request so far, verified.
fn seen(server: &RecordingServer) -> Vec<Seen> {
    server.requests().into_iter().map(verified).collect()
}

/// A loopback server answering `(status, JSON body, delay in ms)` in order, then a bare
/// `RequestId`. Keep the server alive while the client uses `addr`: dropping it stops it.
async fn start(replies: Vec<(u16, &str, u64)>) -> (RecordingServer, SocketAddr) {
    let reply = |status, body: &str| {
        Reply::new(status, body).with_header("Content-Type", "application/json;charset=utf-8")
    };
    let replies = replies
        .into_iter()
        .map(|(status, body, delay_ms)| {
            reply(status, body).with_delay(Duration::from_millis(delay_ms))
        })
        .collect();
    let server = RecordingServer::scripted_or(replies, reply(200, r#"{"RequestId":"default"}"#))
        .await
        .unwrap();
    let addr = server.addr();
    (server, addr)
}

fn client_with(
    addr: SocketAddr,
    clock: &ManualClock,
    retry: RetryPolicy,
    creds: impl Into<unicloud_core::SharedCredentialsProvider>,
) -> AlibabaClient {
    let config = ClientConfig::default()
        .with_endpoint(format!("http://{addr}"))
        .unwrap()
        .with_clock(Arc::new(clock.clone()))
        .with_retry(retry)
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(300));
    AlibabaClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
        .credentials(creds)
        .config(config)
        .build()
        .unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW))
}

fn header<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Capture 011's inputs: the request the official SDK sent for these parameters.
fn capture_011_request() -> DescribeInstancesRequest {
    DescribeInstancesRequest {
        region_id: "cn-hangzhou".into(),
        instance_ids: Some(r#"["i-bp67acfmxazb4p****"]"#.into()),
        page_size: Some(10),
        status: Some("Running".into()),
        tag: Some(vec![DescribeInstancesTag {
            key: Some("Name".into()),
            value: Some("web".into()),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

const INSTANCES: &str = r#"{"RequestId": "AC742694-2B07-4D5E-9FA6-9167DB175C47", "TotalCount": 1, "PageNumber": 1, "PageSize": 10, "NextToken": "", "Instances": {"Instance": [{"InstanceId": "i-bp67acfmxazb4p****", "InstanceName": "web", "Status": "Running", "ZoneId": "cn-hangzhou-i", "VpcAttributes": {"VpcId": "vpc-bp1opxu1zkhn00gzv****", "PrivateIpAddress": {"IpAddress": ["172.17.0.5"]}}, "Tags": {"Tag": [{"TagKey": "Name", "TagValue": "web"}]}, "NewField": 1}]}}"#;

#[tokio::test]
async fn success_sends_the_captured_query_signed_with_acs3() {
    let (server, addr) = start(vec![(200, INSTANCES, 0)]).await;
    let c = clock();
    let out = client_with(
        addr,
        &c,
        RetryPolicy::disabled(),
        Credentials::new(ID, SECRET),
    )
    .call(&capture_011_request())
    .await
    .unwrap();
    assert_eq!(out.total_count, Some(1));
    let inst = &out.instances.unwrap().instance.unwrap()[0];
    assert_eq!(inst.instance_id.as_deref(), Some("i-bp67acfmxazb4p****"));

    let seen = seen(&server)[0].clone();
    assert!(
        seen.signature_ok,
        "ACS3 verifier rejected our request: {seen:?}"
    );
    // The query is exactly the one the official SDK sent in capture 011 (ours is sorted).
    assert_eq!(
        seen.target,
        "/?InstanceIds=%5B%22i-bp67acfmxazb4p%2A%2A%2A%2A%22%5D&PageSize=10&RegionId=cn-hangzhou&Status=Running&Tag.1.Key=Name&Tag.1.Value=web"
    );
    assert_eq!(header(&seen, "x-acs-action"), Some("DescribeInstances"));
    assert_eq!(header(&seen, "x-acs-version"), Some("2014-05-26"));
    assert_eq!(header(&seen, "x-acs-date"), Some("2026-11-23T14:15:25Z"));
    assert_eq!(
        header(&seen, "x-acs-content-sha256"),
        Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(
        header(&seen, "x-acs-signature-nonce").map(str::len),
        Some(32)
    );
    assert_eq!(header(&seen, "x-acs-security-token"), None);
    assert!(
        header(&seen, "user-agent")
            .unwrap()
            .starts_with("unicloud/")
    );
}

#[tokio::test]
async fn http_errors_are_typed_with_code_status_and_request_id() {
    let body = r#"{"RequestId":"E1","HostId":"ecs.aliyuncs.com","Code":"InvalidInstanceId.NotFound","Message":"The specified InstanceId does not exist.","Recommend":"https://api.aliyun.com/troubleshoot"}"#;
    let (_server, addr) = start(vec![(404, body, 0)]).await;
    let c = clock();
    let err = client_with(
        addr,
        &c,
        RetryPolicy::default(),
        Credentials::new(ID, SECRET),
    )
    .call(&capture_011_request())
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("InvalidInstanceId.NotFound"));
    assert_eq!(err.request_id(), Some("E1"));
    assert_eq!(err.status(), Some(404));
    assert!(c.sleeps().is_empty());
}

#[tokio::test]
async fn wrong_secret_is_auth_and_never_shown() {
    let body = r#"{"RequestId":"E2","Code":"SignatureDoesNotMatch","Message":"Specified signature does not match our calculation."}"#;
    let (server, addr) = start(vec![(400, body, 0)]).await;
    let c = clock();
    let err = client_with(
        addr,
        &c,
        RetryPolicy::default(),
        Credentials::new(ID, "not-the-secret-42"),
    )
    .call(&capture_011_request())
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(!seen(&server)[0].signature_ok);
    assert!(!format!("{err} {err:?}").contains("not-the-secret-42"));
}

#[tokio::test]
async fn throttling_is_retried_with_fresh_nonces() {
    let throttled = r#"{"RequestId":"T","Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#;
    let (server, addr) = start(vec![(400, throttled, 0), (503, "", 0), (200, INSTANCES, 0)]).await;
    let c = clock();
    let retry = RetryPolicy::default()
        .with_jitter(false)
        .with_throttle_base_backoff(Duration::from_secs(1))
        .with_base_backoff(Duration::from_millis(100));
    let out = client_with(addr, &c, retry, Credentials::new(ID, SECRET))
        .call(&capture_011_request())
        .await
        .unwrap();
    assert_eq!(out.total_count, Some(1));
    assert_eq!(
        c.sleeps(),
        vec![Duration::from_secs(1), Duration::from_millis(200)]
    );
    let seen = seen(&server);
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.signature_ok));
    let nonces: std::collections::HashSet<_> = seen
        .iter()
        .map(|s| header(s, "x-acs-signature-nonce").unwrap().to_owned())
        .collect();
    assert_eq!(nonces.len(), 3, "every attempt needs its own nonce");
}

#[tokio::test]
async fn malformed_replies_and_timeouts_are_typed() {
    let (_server, addr) = start(vec![
        (200, "not json", 0),
        (200, r#"{"TotalCount":"many"}"#, 0),
        (200, INSTANCES, 3_000),
    ])
    .await;
    let c = clock();
    let client = client_with(
        addr,
        &c,
        RetryPolicy::disabled(),
        Credentials::new(ID, SECRET),
    );
    assert_eq!(
        client
            .call(&capture_011_request())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidResponse
    );
    assert_eq!(
        client
            .call(&capture_011_request())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidResponse
    );
    assert_eq!(
        client
            .call(&capture_011_request())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Timeout
    );
}

/// STS AssumeRole (reply in the vendor's documented shape) feeds `STS.` credentials and the
/// security token to later calls, and is assumed again shortly before expiry.
#[tokio::test]
async fn assume_role_credentials_are_used_and_refreshed() {
    use unicloud_alibaba::sts::AssumeRoleProvider;
    let assume = r#"{"RequestId":"6894B13B-6D71-4EF5-88FA-F32781734A7F","AssumedRoleUser":{"AssumedRoleId":"34458433936495****:alice","Arn":"acs:ram::123456789012****:role/ECSOperator/alice"},"Credentials":{"SecurityToken":"CAIS****","AccessKeyId":"STS.L4aBSCSJVMuKg5U1****","AccessKeySecret":"wyLTSmsyPGP1ohvvw8xYgB29dlGI8KMiH2pK****","Expiration":"2026-11-23T15:15:25Z"}}"#;
    let (server, addr) = start(vec![
        (200, assume, 0),
        (200, INSTANCES, 0),
        (200, assume, 0),
        (200, INSTANCES, 0),
    ])
    .await;
    let c = clock();
    let source = client_with(
        addr,
        &c,
        RetryPolicy::disabled(),
        Credentials::new(ID, SECRET),
    );
    let role = AssumeRoleProvider::new(
        source,
        "acs:ram::123456789012****:role/ECSOperator",
        "alice",
    )
    .unwrap()
    .into_shared();
    let user = client_with(addr, &c, RetryPolicy::disabled(), role);
    // The server verifies with the temporary secret for the calls made with it.
    user.call(&capture_011_request()).await.ok();
    c.advance(Duration::from_secs(3400)); // within five minutes of the one-hour expiry
    user.call(&capture_011_request()).await.ok();

    let seen = seen(&server);
    let actions: Vec<_> = seen
        .iter()
        .map(|s| header(s, "x-acs-action").unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "AssumeRole",
            "DescribeInstances",
            "AssumeRole",
            "DescribeInstances"
        ]
    );
    assert!(
        seen[0]
            .target
            .contains("RoleArn=acs%3Aram%3A%3A123456789012%2A%2A%2A%2A%3Arole%2FECSOperator")
    );
    assert!(seen[0].target.contains("RoleSessionName=alice"));
    assert!(seen[0].signature_ok);
    assert_eq!(header(&seen[1], "x-acs-security-token"), Some("CAIS****"));
    assert!(
        header(&seen[1], "authorization")
            .unwrap()
            .contains("Credential=STS.L4aBSCSJVMuKg5U1****,")
    );
    assert!(
        header(&seen[1], "authorization")
            .unwrap()
            .contains("x-acs-security-token")
    );
}

//! The Alibaba RPC transport against a loopback server: what goes on the wire (checked with the
//! ACS3 verifier that reproduces the published vector and SDK captures), success, HTTP errors,
//! throttling retried on a manual clock, STS credentials, time-outs and malformed replies.

#![cfg(all(feature = "ecs", feature = "sts"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::ecs::{DescribeInstancesRequest, DescribeInstancesTag};
use unicloud_alibaba::sign::{WireRequest, acs3};
use unicloud_core::clock::ManualClock;
use unicloud_core::{ClientConfig, Credentials, ErrorKind, Provider, Region, RetryPolicy};

const NOW: u64 = 1_795_443_325; // 2026-11-23T14:15:25Z, the time of capture 011
const ID: &str = "testid";
const SECRET: &str = "testsecret";

#[derive(Clone, Debug)]
struct Seen {
    target: String,
    headers: Vec<(String, String)>,
    signature_ok: bool,
}

#[derive(Clone, Default)]
struct Server {
    replies: Arc<Mutex<VecDeque<(u16, String, u64)>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    secret: Arc<Mutex<String>>,
}

async fn handle(
    State(s): State<Server>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let target = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_owned();
    let wire = WireRequest {
        method: method.as_str(),
        target: &target,
        headers: &refs,
        body: &body,
    };
    let secret = s.secret.lock().unwrap().clone();
    let signature_ok = headers
        .get("authorization")
        .and_then(|a| a.to_str().ok())
        .and_then(|a| acs3::parse_authorization(a).ok())
        .is_some_and(|auth| acs3::verify(&wire, &auth, &secret).is_ok());
    s.seen.lock().unwrap().push(Seen {
        target,
        headers: pairs,
        signature_ok,
    });
    let (status, text, delay_ms) = s.replies.lock().unwrap().pop_front().unwrap_or((
        200,
        r#"{"RequestId":"default"}"#.into(),
        0,
    ));
    if delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    (
        StatusCode::from_u16(status).unwrap(),
        [("Content-Type", "application/json;charset=utf-8")],
        text,
    )
        .into_response()
}

async fn start(replies: Vec<(u16, &str, u64)>) -> (Server, SocketAddr) {
    let server = Server::default();
    *server.secret.lock().unwrap() = SECRET.to_owned();
    server
        .replies
        .lock()
        .unwrap()
        .extend(replies.into_iter().map(|(s, b, d)| (s, b.to_owned(), d)));
    let app = Router::new().fallback(handle).with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
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

    let seen = server.seen.lock().unwrap()[0].clone();
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
    let (_, addr) = start(vec![(404, body, 0)]).await;
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
    assert!(!server.seen.lock().unwrap()[0].signature_ok);
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
    let seen = server.seen.lock().unwrap().clone();
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
    let (_, addr) = start(vec![
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

    let seen = server.seen.lock().unwrap().clone();
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

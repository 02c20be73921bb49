//! The Tencent transport against a loopback server: what goes on the wire (checked with the
//! TC3 verifier that reproduces the published vectors), success, envelope errors, HTTP errors,
//! throttling retried with back-off on a manual clock, time-outs and malformed replies.

#![cfg(all(feature = "cvm", feature = "sts"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use unicloud_core::clock::ManualClock;
use unicloud_core::{ClientConfig, Credentials, ErrorKind, Provider, Region, RetryPolicy};
use unicloud_tencent::client::TencentClient;
use unicloud_tencent::generated::cvm::{DescribeInstancesRequest, Filter};
use unicloud_tencent::sign::{WireRequest, tc3};
use unicloud_testkit::refused::RefusedPort;
use unicloud_testkit::server::{Recorded, RecordingServer, Reply};

const NOW: u64 = 1_795_443_323;
const ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

/// One request the server received, with whether the TC3 verifier accepts its signature
/// under [`KEY`].
#[derive(Clone, Debug)]
struct Seen {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
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
        .and_then(|a| tc3::parse_authorization(a).ok())
        .is_some_and(|auth| tc3::verify(&wire, &auth, KEY).is_ok());
    Seen {
        headers: r.headers.clone(),
        body: r.body.clone(),
        signature_ok,
    }
}

/// Every request so far, verified.
fn seen(server: &RecordingServer) -> Vec<Seen> {
    server.requests().into_iter().map(verified).collect()
}

/// A loopback server answering `(status, JSON body, delay in ms)` in order, then an empty
/// instance list. Keep the server alive while the client uses `addr`: dropping it stops it.
async fn start(replies: Vec<(u16, &str, u64)>) -> (RecordingServer, SocketAddr) {
    let replies = replies
        .into_iter()
        .map(|(status, body, delay_ms)| {
            Reply::json(status, body).with_delay(Duration::from_millis(delay_ms))
        })
        .collect();
    let fallback = Reply::json(
        200,
        r#"{"Response":{"TotalCount":0,"InstanceSet":[],"RequestId":"default"}}"#,
    );
    let server = RecordingServer::scripted_or(replies, fallback)
        .await
        .unwrap();
    let addr = server.addr();
    (server, addr)
}

fn client(
    addr: SocketAddr,
    clock: &ManualClock,
    retry: RetryPolicy,
    creds: Credentials,
) -> TencentClient {
    let config = ClientConfig::default()
        .with_endpoint(format!("http://{addr}"))
        .unwrap()
        .with_clock(Arc::new(clock.clone()))
        .with_retry(retry)
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(300));
    TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
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

const INSTANCES: &str = r#"{"Response":{"TotalCount":1,"InstanceSet":[{"InstanceId":"ins-r8hr2upy","InstanceState":"RUNNING","InstanceName":"web","Placement":{"Zone":"ap-guangzhou-3"},"SomeFieldAddedLater":true}],"RequestId":"req-1"}}"#;

#[tokio::test]
async fn success_puts_a_signed_api3_request_on_the_wire() {
    let (server, addr) = start(vec![(200, INSTANCES, 0)]).await;
    let c = clock();
    let client = client(addr, &c, RetryPolicy::disabled(), Credentials::new(ID, KEY));
    let req = DescribeInstancesRequest {
        instance_ids: Some(vec!["ins-r8hr2upy".into()]),
        filters: Some(vec![Filter {
            name: "instance-name".into(),
            values: vec!["web".into()],
        }]),
        limit: Some(20),
        ..Default::default()
    };
    let out = client.call(&req).await.unwrap();
    assert_eq!(out.total_count, Some(1));
    let set = out.instance_set.unwrap();
    assert_eq!(set[0].instance_id.as_deref(), Some("ins-r8hr2upy"));

    let seen = seen(&server)[0].clone();
    assert!(
        seen.signature_ok,
        "the TC3 verifier rejected our signature: {seen:?}"
    );
    assert_eq!(header(&seen, "x-tc-action"), Some("DescribeInstances"));
    assert_eq!(header(&seen, "x-tc-version"), Some("2017-03-12"));
    assert_eq!(header(&seen, "x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(
        header(&seen, "x-tc-timestamp"),
        Some(NOW.to_string().as_str())
    );
    assert_eq!(header(&seen, "content-type"), Some("application/json"));
    assert_eq!(header(&seen, "host"), Some(addr.to_string().as_str()));
    assert!(
        header(&seen, "user-agent")
            .unwrap()
            .starts_with("unicloud/")
    );
    assert_eq!(header(&seen, "x-tc-token"), None);
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"InstanceIds": ["ins-r8hr2upy"], "Filters": [{"Name": "instance-name", "Values": ["web"]}], "Limit": 20})
    );
}

#[tokio::test]
async fn temporary_credentials_send_the_token() {
    let (server, addr) = start(vec![(200, INSTANCES, 0)]).await;
    let c = clock();
    let creds = Credentials::new(ID, KEY).with_session_token("sts-token-xyz");
    client(addr, &c, RetryPolicy::disabled(), creds)
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap();
    let seen = seen(&server)[0].clone();
    assert_eq!(header(&seen, "x-tc-token"), Some("sts-token-xyz"));
    assert!(seen.signature_ok);
}

#[tokio::test]
async fn envelope_error_is_typed_with_code_and_request_id() {
    let (_server, addr) = start(vec![(
        200,
        r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"req-err"}}"#,
        0,
    )])
    .await;
    let c = clock();
    let err = client(
        addr,
        &c,
        RetryPolicy::default(),
        Credentials::new(ID, "wrong-secret-value"),
    )
    .call(&DescribeInstancesRequest::default())
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));
    assert_eq!(err.request_id(), Some("req-err"));
    assert_eq!(err.provider(), Some(Provider::Tencent));
    assert!(c.sleeps().is_empty(), "auth errors are not retried");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("wrong-secret-value"));
}

#[tokio::test]
async fn throttling_is_retried_with_backoff_then_succeeds() {
    let throttled = r#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"},"RequestId":"t"}}"#;
    let (server, addr) = start(vec![
        (200, throttled, 0),
        (200, throttled, 0),
        (200, INSTANCES, 0),
    ])
    .await;
    let c = clock();
    let retry = RetryPolicy::default()
        .with_jitter(false)
        .with_throttle_base_backoff(Duration::from_millis(500));
    let out = client(addr, &c, retry, Credentials::new(ID, KEY))
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap();
    assert_eq!(out.total_count, Some(1));
    assert_eq!(server.request_count(), 3);
    assert_eq!(
        c.sleeps(),
        vec![Duration::from_millis(500), Duration::from_millis(1000)]
    );
    // Each attempt is signed afresh at the clock's time.
    let seen = seen(&server);
    assert_eq!(
        header(&seen[2], "x-tc-timestamp"),
        Some((NOW + 1).to_string().as_str())
    );
    assert!(seen.iter().all(|s| s.signature_ok));
}

#[tokio::test]
async fn http_5xx_without_envelope_is_unavailable_and_retried() {
    let (server, addr) = start(vec![
        (502, "<html>bad gateway</html>", 0),
        (200, INSTANCES, 0),
    ])
    .await;
    let c = clock();
    let out = client(
        addr,
        &c,
        RetryPolicy::default().with_jitter(false),
        Credentials::new(ID, KEY),
    )
    .call(&DescribeInstancesRequest::default())
    .await
    .unwrap();
    assert_eq!(out.total_count, Some(1));
    assert_eq!(server.request_count(), 2);

    let (_server, addr) = start(vec![(503, "unavailable", 0)]).await;
    let err = client(addr, &c, RetryPolicy::disabled(), Credentials::new(ID, KEY))
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Unavailable, Some(503))
    );
}

#[tokio::test]
async fn malformed_replies_are_typed_errors() {
    let (_server, addr) = start(vec![
        (200, "{not json", 0),
        (
            200,
            r#"{"Response":{"TotalCount":"not a number","RequestId":"x"}}"#,
            0,
        ),
    ])
    .await;
    let c = clock();
    let client = client(addr, &c, RetryPolicy::disabled(), Credentials::new(ID, KEY));
    let err = client
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    let err = client
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("DescribeInstances"), "{err}");
}

#[tokio::test]
async fn slow_server_times_out() {
    let (_server, addr) = start(vec![(200, INSTANCES, 3_000)]).await;
    let c = clock();
    let err = client(addr, &c, RetryPolicy::disabled(), Credentials::new(ID, KEY))
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn connection_refused_is_transport() {
    // Held bound without listening for the whole test: refused, and no other test can take it.
    let refused = RefusedPort::new().unwrap();
    let addr = refused.addr();
    let c = clock();
    let err = client(addr, &c, RetryPolicy::disabled(), Credentials::new(ID, KEY))
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

/// STS AssumeRole, answered with the vendor's documented example reply, feeds temporary
/// credentials (with `X-TC-Token`) to later calls and is assumed again shortly before expiry.
#[tokio::test]
async fn assume_role_credentials_are_used_cached_and_refreshed() {
    use unicloud_tencent::sts::AssumeRoleProvider;
    let assume = r#"{"Response":{"Credentials":{"Token":"da1e***","TmpSecretId":"AKID***","TmpSecretKey":"q95K***"},"ExpiredTime":1543914376,"Expiration":"2018-12-04T09:06:16Z","RequestId":"4daec797-9cd2-4f09-9e7a-7d4c43b2a74c"}}"#;
    let (server, addr) = start(vec![
        (200, assume, 0),
        (200, INSTANCES, 0),
        (200, INSTANCES, 0),
        (200, assume, 0),
        (200, INSTANCES, 0),
    ])
    .await;
    // Two hours before the example's expiry.
    let c = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_543_914_376 - 7200));
    let source = client(addr, &c, RetryPolicy::disabled(), Credentials::new(ID, KEY));
    let role = AssumeRoleProvider::new(
        source,
        "qcs::cam::uin/100015158414:roleName/readOnlyRole",
        "cts",
    )
    .unwrap()
    .into_shared();
    let config = ClientConfig::default()
        .with_endpoint(format!("http://{addr}"))
        .unwrap()
        .with_clock(Arc::new(c.clone()))
        .with_retry(RetryPolicy::disabled());
    let user = TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
        .credentials(role)
        .config(config)
        .build()
        .unwrap();

    user.call(&DescribeInstancesRequest::default())
        .await
        .unwrap();
    c.advance(Duration::from_secs(3600));
    user.call(&DescribeInstancesRequest::default())
        .await
        .unwrap();
    c.advance(Duration::from_secs(3360)); // 4 minutes before expiry
    user.call(&DescribeInstancesRequest::default())
        .await
        .unwrap();

    let seen = seen(&server);
    let actions: Vec<_> = seen
        .iter()
        .map(|s| header(s, "x-tc-action").unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "AssumeRole",
            "DescribeInstances",
            "DescribeInstances",
            "AssumeRole",
            "DescribeInstances"
        ]
    );
    let assume_body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(
        assume_body,
        serde_json::json!({"RoleArn": "qcs::cam::uin/100015158414:roleName/readOnlyRole", "RoleSessionName": "cts"})
    );
    assert_eq!(header(&seen[0], "x-tc-token"), None);
    assert!(
        seen[1]
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v.contains("Credential=AKID***/"))
    );
    assert_eq!(header(&seen[1], "x-tc-token"), Some("da1e***"));
}

#[test]
fn assume_role_validates_input_before_sending() {
    use unicloud_tencent::sts::AssumeRoleProvider;
    let c = clock();
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let source = client(addr, &c, RetryPolicy::disabled(), Credentials::new(ID, KEY));
    let err =
        AssumeRoleProvider::new(source.clone(), "arn:aws:iam::1:role/x", "ok-name").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err =
        AssumeRoleProvider::new(source, "qcs::cam::uin/1:roleName/r", "bad name!").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// A credentials-file profile naming a CAM role: the chain assumes it through STS (the hook in
/// unicloud-core, implemented here) and later calls use the role's temporary key and token.
#[tokio::test]
async fn profile_role_is_assumed_through_sts() {
    use unicloud_core::credentials::{DefaultChainOptions, Env, default_chain};
    use unicloud_tencent::sts::role_assumer;
    let assume = r#"{"Response":{"Credentials":{"Token":"role-token","TmpSecretId":"AKIDROLE","TmpSecretKey":"role-secret"},"ExpiredTime":1795446923,"Expiration":"2026-11-23T15:15:23Z","RequestId":"r"}}"#;
    let (server, addr) = start(vec![(200, assume, 0), (200, INSTANCES, 0)]).await;
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".tencentcloud")).unwrap();
    std::fs::write(
        home.path().join(".tencentcloud/credentials"),
        format!("[ops]\nsecret_id = {ID}\nsecret_key = {KEY}\nrole_arn = qcs::cam::uin/1:roleName/ops\nrole_session_name = nightly\n"),
    )
    .unwrap();
    let c = clock();
    let config = ClientConfig::default()
        .with_endpoint(format!("http://{addr}"))
        .unwrap()
        .with_clock(Arc::new(c.clone()))
        .with_retry(RetryPolicy::disabled());
    let region = Region::new(Provider::Tencent, "ap-guangzhou").unwrap();
    let opts = DefaultChainOptions {
        profile: Some("ops".into()),
        env: Env::from_pairs([("HOME", home.path().to_str().unwrap())]),
        clock: Arc::new(c.clone()),
        role_assumer: Some(role_assumer(region.clone(), config.clone())),
        ..Default::default()
    };
    let chain = default_chain(Provider::Tencent, opts).unwrap();
    let client = TencentClient::builder(region)
        .credentials(chain)
        .config(config)
        .build()
        .unwrap();
    client
        .call(&DescribeInstancesRequest::default())
        .await
        .unwrap();
    let seen = seen(&server);
    assert_eq!(header(&seen[0], "x-tc-action"), Some("AssumeRole"));
    assert!(
        seen[0].signature_ok,
        "AssumeRole is signed with the profile's keys"
    );
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["RoleSessionName"], "nightly");
    assert_eq!(header(&seen[1], "x-tc-token"), Some("role-token"));
    assert!(
        header(&seen[1], "authorization")
            .unwrap()
            .contains("Credential=AKIDROLE/")
    );
}

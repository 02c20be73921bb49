//! What a failed call may show: an RPC call carries every parameter (user data included) in
//! the query string, so neither the error's `Display` nor its `Debug` may contain the URL; and
//! no `Debug` of the client, its builder or its configuration shows a secret. Also checks that
//! a per-product endpoint in the configuration wins over the global one.

#![cfg(feature = "ecs")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::ecs::{DescribeInstancesRequest, RunInstancesRequest};
use unicloud_core::{ClientConfig, Credentials, ErrorKind, Provider, Region, RetryPolicy};
use unicloud_testkit::refused::RefusedPort;
use unicloud_testkit::server::{RecordingServer, Reply};

const USER_DATA: &str = "IyEvYmluL3NoCmVjaG8gdG9wLXNlY3JldC11c2VyLWRhdGE=";
const SECRET: &str = "redaction-test-secret";
const TOKEN: &str = "redaction-test-session-token";

fn client(config: ClientConfig) -> AlibabaClient {
    AlibabaClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
        .credentials(Credentials::new("LTAIredaction", SECRET).with_session_token(TOKEN))
        .config(
            config
                .with_retry(RetryPolicy::disabled())
                .with_timeouts(Duration::from_secs(2), Duration::from_secs(2)),
        )
        .build()
        .unwrap()
}

fn run_instances() -> RunInstancesRequest {
    RunInstancesRequest {
        region_id: "cn-hangzhou".into(),
        image_id: Some("aliyun_3_x64_20G_alibase_20240819.vhd".into()),
        instance_type: Some("ecs.g7.large".into()),
        user_data: Some(USER_DATA.into()),
        client_token: Some("redaction-token-1".into()),
        ..Default::default()
    }
}

fn assert_hidden(shown: &str) {
    for leak in [USER_DATA, "UserData", "ImageId=", "?", SECRET, TOKEN] {
        assert!(!shown.contains(leak), "`{leak}` shown in: {shown}");
    }
}

#[tokio::test]
async fn a_broken_connection_shows_neither_user_data_nor_the_query() {
    let server = RecordingServer::scripted_or(vec![], Reply::hang_up())
        .await
        .unwrap();
    let err = client(ClientConfig::default().with_endpoint(server.url()).unwrap())
        .call(&run_instances())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.may_have_been_applied());
    assert_eq!(server.request_count(), 1, "retries are disabled");
    assert_hidden(&err.to_string());
    assert_hidden(&format!("{err:?}"));
}

#[tokio::test]
async fn a_refused_connection_shows_neither_user_data_nor_the_query() {
    let refused = RefusedPort::new().unwrap();
    let err = client(
        ClientConfig::default()
            .with_endpoint(refused.url())
            .unwrap(),
    )
    .call(&run_instances())
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(!err.may_have_been_applied());
    assert_eq!(err.provider(), Some(Provider::Alibaba));
    assert_hidden(&err.to_string());
    assert_hidden(&format!("{err:?}"));
}

#[test]
fn debug_of_client_builder_and_config_shows_no_secret() {
    let config = ClientConfig::default()
        .with_endpoint("http://127.0.0.1:9")
        .unwrap();
    assert_hidden(&format!("{config:?}"));
    let builder = AlibabaClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
        .credentials(Credentials::new("LTAIredaction", SECRET).with_session_token(TOKEN))
        .config(config.clone());
    let shown = format!("{builder:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    let shown = format!("{:?}", client(config));
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("cn-hangzhou"), "{shown}");
}

/// Service crates hold calls in `Send` futures (spawned tasks, boxed backends).
#[test]
fn call_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let client = client(ClientConfig::default());
    let request = run_instances();
    send(&client.call(&request));
    send(&client.send_once("Ecs", "2014-05-26", "DescribeRegions", &[]));
}

#[tokio::test]
async fn a_per_product_endpoint_wins_over_the_global_one() {
    let ecs = RecordingServer::scripted_or(
        vec![],
        Reply::json(200, r#"{"RequestId":"r1","TotalCount":0}"#),
    )
    .await
    .unwrap();
    let global = RefusedPort::new().unwrap();
    let config = ClientConfig::default()
        .with_endpoint(global.url())
        .unwrap()
        .with_service_endpoint("ecs", ecs.url())
        .unwrap();
    let out = client(config)
        .call(&DescribeInstancesRequest {
            region_id: "cn-hangzhou".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.total_count, Some(0));
    let sent = &ecs.requests()[0];
    assert_eq!(
        sent.header("x-acs-action"),
        Some("DescribeInstances"),
        "{sent:?}"
    );
}

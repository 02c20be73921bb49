//! The official AWS SDK for Rust drives the emulator's EC2 and STS front-ends through a whole
//! lifecycle. (The only test binary that builds aws-sdk-ec2: it is the slowest crate here.)

// Test helpers outside #[test] fns may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, InstanceStateName, ResourceType, Tag, TagSpecification};
use unicloud_core::Provider;
use unicloud_emulator::{Emulator, FaultConfig, FaultKind, FaultRule};

const ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn ec2(url: &str, id: &str, secret: &str, token: Option<String>) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(id, secret, token, None, "test"))
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

fn sts(url: &str) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            ID, SECRET, None, None, "test",
        ))
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

async fn states(client: &aws_sdk_ec2::Client, ids: &[String]) -> Vec<InstanceStateName> {
    let out = client
        .describe_instances()
        .set_instance_ids(Some(ids.to_vec()))
        .send()
        .await
        .unwrap();
    out.reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(|i| i.state().unwrap().name().unwrap().clone())
        .collect()
}

#[tokio::test]
async fn ec2_lifecycle_with_the_official_sdk() {
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .start()
        .await
        .unwrap();
    let url = emu.base_url();
    let client = ec2(&url, ID, SECRET, None);

    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Instance)
        .tags(Tag::builder().key("Name").value("web").build())
        .build();
    let run = client
        .run_instances()
        .image_id("ami-12345678")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(2)
        .max_count(2)
        .client_token("token-1")
        .tag_specifications(tags.clone())
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = run
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        run.instances()[0].state().unwrap().name(),
        Some(&InstanceStateName::Pending)
    );
    assert_eq!(run.instances()[0].tags()[0].value(), Some("web"));

    // Same client token: the same reservation, nothing new created.
    let again = client
        .run_instances()
        .image_id("ami-12345678")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(2)
        .max_count(2)
        .client_token("token-1")
        .tag_specifications(tags)
        .send()
        .await
        .unwrap();
    assert_eq!(again.reservation_id(), run.reservation_id());
    assert_eq!(emu.instances(Provider::Aws, "us-east-1").len(), 2);

    // Delay 0: the next read sees running. Filters.
    let running = client
        .describe_instances()
        .filters(
            Filter::builder()
                .name("instance-state-name")
                .values("running")
                .build(),
        )
        .filters(Filter::builder().name("tag:Name").values("web").build())
        .send()
        .await
        .unwrap();
    let n: usize = running
        .reservations()
        .iter()
        .map(|r| r.instances().len())
        .sum();
    assert_eq!(n, 2);

    // Paging: 7 instances, pages of 5.
    client
        .run_instances()
        .image_id("ami-12345678")
        .min_count(5)
        .max_count(5)
        .send()
        .await
        .unwrap();
    let first = client
        .describe_instances()
        .max_results(5)
        .send()
        .await
        .unwrap();
    let n1: usize = first
        .reservations()
        .iter()
        .map(|r| r.instances().len())
        .sum();
    assert_eq!(n1, 5);
    let token = first.next_token().unwrap().to_owned();
    let second = client
        .describe_instances()
        .max_results(5)
        .next_token(token)
        .send()
        .await
        .unwrap();
    let n2: usize = second
        .reservations()
        .iter()
        .map(|r| r.instances().len())
        .sum();
    assert_eq!(n2, 2);
    assert!(second.next_token().is_none());

    // Stop, start, terminate.
    let stop = client
        .stop_instances()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stop.stopping_instances()[0].current_state().unwrap().name(),
        Some(&InstanceStateName::Stopping)
    );
    assert_eq!(
        states(&client, &ids).await,
        [InstanceStateName::Stopped, InstanceStateName::Stopped]
    );
    client
        .start_instances()
        .instance_ids(&ids[0])
        .send()
        .await
        .unwrap();
    assert_eq!(
        states(&client, &ids[..1]).await,
        [InstanceStateName::Running]
    );
    let term = client
        .terminate_instances()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        term.terminating_instances()[0]
            .current_state()
            .unwrap()
            .name(),
        Some(&InstanceStateName::ShuttingDown)
    );
    assert_eq!(
        states(&client, &ids).await,
        [InstanceStateName::Terminated, InstanceStateName::Terminated]
    );

    // Illegal transition and unknown ids: the vendor's codes.
    let err = client
        .start_instances()
        .instance_ids(&ids[0])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("IncorrectInstanceState"));
    let err = client
        .describe_instances()
        .instance_ids("i-0123456789abcdef0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInstanceID.NotFound"));

    // A wrong secret is rejected the EC2 way.
    let bad = ec2(&url, ID, "not-the-secret", None);
    let err = bad.describe_instances().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AuthFailure"));

    emu.shutdown().await;
}

#[tokio::test]
async fn sts_temporary_credentials_work_with_ec2() {
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .start()
        .await
        .unwrap();
    let url = emu.base_url();
    let sts = sts(&url);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    let assumed = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/deployer")
        .role_session_name("ci")
        .send()
        .await
        .unwrap();
    let c = assumed.credentials().unwrap();
    assert!(c.access_key_id().starts_with("ASIA"));
    let client = ec2(
        &url,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
    );
    client.describe_instances().send().await.unwrap();
    // Without the token the temporary key is refused.
    let no_token = ec2(&url, c.access_key_id(), c.secret_access_key(), None);
    let err = no_token.describe_instances().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AuthFailure"));
    emu.shutdown().await;
}

#[tokio::test]
async fn injected_throttling_reaches_the_sdk() {
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .faults(
            FaultConfig::default()
                .seed(1)
                .rule(FaultRule::new(Some(Provider::Aws), "DescribeInstances").throttle(1.0)),
        )
        .start()
        .await
        .unwrap();
    let client = ec2(&emu.base_url(), ID, SECRET, None);
    let err = client.describe_instances().send().await.unwrap_err();
    assert_eq!(err.code(), Some("RequestLimitExceeded"));
    assert_eq!(
        emu.fault_counters()
            .get(Provider::Aws, "DescribeInstances", FaultKind::Throttle),
        1
    );
    emu.shutdown().await;
}

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

/// "Fail exactly the 2nd ReplaceRoute": a client's rollback path meets a non-retryable
/// client error on that call only, and the emulator applies nothing for it.
#[tokio::test]
async fn a_reject_fault_fails_exactly_the_second_replace_route() {
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .faults(
            FaultConfig::default().rule(
                FaultRule::new(Some(Provider::Aws), "ReplaceRoute")
                    .after(1)
                    .times(1)
                    .reject(1.0),
            ),
        )
        .start()
        .await
        .unwrap();
    let client = ec2(&emu.base_url(), ID, SECRET, None);
    let vpc = client
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let rtb = client
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .route_table
        .unwrap()
        .route_table_id
        .unwrap();
    client
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id("nat-0000000000000001")
        .send()
        .await
        .unwrap();
    let replace = |nat: &'static str| {
        client
            .replace_route()
            .route_table_id(&rtb)
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id(nat)
            .send()
    };
    replace("nat-0000000000000002").await.unwrap();
    let err = replace("nat-0000000000000003").await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValue"), "{err:?}");
    assert!(err.message().unwrap_or_default().contains("injected"));
    let now = tables(&client, filter("route-table-id", &rtb)).await;
    let nat = now[0]
        .routes()
        .iter()
        .find_map(|r| r.nat_gateway_id())
        .map(str::to_owned);
    assert_eq!(nat.as_deref(), Some("nat-0000000000000002"), "not applied");
    replace("nat-0000000000000003").await.unwrap();
    assert_eq!(
        emu.fault_counters()
            .get(Provider::Aws, "ReplaceRoute", FaultKind::Reject),
        1
    );
    emu.shutdown().await;
}

/// Which AWS the route-table flow talks to: where moto and AWS differ, each side is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Emulator,
    Moto,
}

fn tag(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

async fn tables(
    client: &aws_sdk_ec2::Client,
    filter: Filter,
) -> Vec<aws_sdk_ec2::types::RouteTable> {
    client
        .describe_route_tables()
        .filters(filter)
        .send()
        .await
        .unwrap()
        .route_tables()
        .to_vec()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// VPC, subnet, gateway, route tables and routes through the official SDK: what the network
/// vertical's AWS backend relies on. Run against the emulator here and against moto by
/// `.ci/moto.sh`, so both sides are held to the same expectations.
async fn route_table_flow(client: &aws_sdk_ec2::Client, peer: Peer) {
    let vpc = client
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_owned();
    if peer == Peer::Emulator {
        // A VPC's CidrBlock is IPv4; IPv6 blocks are requested with their own parameters.
        let err = client
            .create_vpc()
            .cidr_block("2001:db8::/56")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidParameterValue"));
        let err = client
            .create_vpc()
            .cidr_block("10.0.0.1/16")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidParameterValue"));
    }
    let main = tables(client, filter("vpc-id", &vpc)).await;
    assert_eq!(main.len(), 1, "a new VPC has its main table: {main:?}");
    let main = &main[0];
    assert!(main.associations().iter().any(|a| a.main() == Some(true)));
    let local = &main.routes()[0];
    assert_eq!(local.destination_cidr_block(), Some("10.0.0.0/16"));
    assert_eq!(local.gateway_id(), Some("local"));
    assert_eq!(local.state().map(|s| s.as_str()), Some("active"));

    let subnet = client
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.0.1.0/24")
        .send()
        .await
        .unwrap()
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_owned();
    let err = client
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.9.0.0/24")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSubnet.Range"));

    let rtb = client
        .create_route_table()
        .vpc_id(&vpc)
        .tag_specifications(tag(ResourceType::RouteTable, "web"))
        .send()
        .await
        .unwrap()
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_owned();
    let assoc = client
        .associate_route_table()
        .route_table_id(&rtb)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    assert!(assoc.association_id().unwrap().starts_with("rtbassoc-"));

    let igw = client
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway()
        .unwrap()
        .internet_gateway_id()
        .unwrap()
        .to_owned();
    client
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    client
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    let err = client
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("RouteAlreadyExists"));

    // An instance in the subnet lives in its VPC, with an address from the subnet.
    let run = client
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    let inst = &run.instances()[0];
    let instance = inst.instance_id().unwrap().to_owned();
    assert_eq!(inst.vpc_id(), Some(vpc.as_str()));
    assert!(
        inst.private_ip_address().unwrap().starts_with("10.0.1."),
        "{inst:?}"
    );

    client
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .instance_id(&instance)
        .send()
        .await
        .unwrap();
    let by_subnet = tables(client, filter("association.subnet-id", &subnet)).await;
    assert_eq!(by_subnet.len(), 1);
    assert_eq!(by_subnet[0].route_table_id(), Some(rtb.as_str()));
    let default = by_subnet[0]
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .unwrap();
    assert_eq!(default.instance_id(), Some(instance.as_str()));
    // Scoped to this VPC, so the flow can run again on a peer that keeps its state.
    let web = client
        .describe_route_tables()
        .filters(filter("tag:Name", "web"))
        .filters(filter("vpc-id", &vpc))
        .send()
        .await
        .unwrap();
    assert_eq!(web.route_tables().len(), 1);
    assert_eq!(
        tables(client, filter("route-table-id", &rtb)).await.len(),
        1
    );

    let err = client
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("192.168.0.0/16")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap_err();
    // EC2 (and moto) answer a replace of a missing route with InvalidParameterValue; a
    // delete of one is InvalidRoute.NotFound.
    assert_eq!(err.code(), Some("InvalidParameterValue"), "{err:?}");
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("no route defined"),
        "{err:?}"
    );
    let err = client
        .delete_route()
        .route_table_id(&rtb)
        .destination_cidr_block("192.168.0.0/16")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidRoute.NotFound"), "{err:?}");
    let err = client
        .describe_route_tables()
        .route_table_ids("rtb-0123456789abcdef0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidRouteTableID.NotFound"));

    // Terminating the instance leaves the route, now a blackhole (AWS; moto keeps it active).
    client
        .terminate_instances()
        .instance_ids(&instance)
        .send()
        .await
        .unwrap();
    let after = tables(client, filter("route-table-id", &rtb)).await;
    let state = after[0]
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .and_then(|r| r.state())
        .map(|s| s.as_str().to_owned());
    match peer {
        Peer::Emulator => assert_eq!(state.as_deref(), Some("blackhole")),
        // A known moto divergence, pinned so that a change in moto is noticed.
        Peer::Moto => assert_eq!(state.as_deref(), Some("active")),
    }

    client
        .delete_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    let after = tables(client, filter("route-table-id", &rtb)).await;
    assert_eq!(after[0].routes().len(), 1, "only the local route is left");

    // Paging: more tables than a page holds, every one seen once.
    for _ in 0..6 {
        client
            .create_route_table()
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .describe_route_tables()
            .filters(filter("vpc-id", &vpc))
            .max_results(5)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        // moto ignores MaxResults here and answers everything in one page; AWS pages.
        if peer == Peer::Emulator {
            assert!(page.route_tables().len() <= 5);
        }
        seen.extend(
            page.route_tables()
                .iter()
                .map(|t| t.route_table_id().unwrap().to_owned()),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (8, 8), "{seen:?}");
}

#[tokio::test]
async fn vpc_route_tables_with_the_official_sdk() {
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .start()
        .await
        .unwrap();
    route_table_flow(&ec2(&emu.base_url(), ID, SECRET, None), Peer::Emulator).await;
    emu.shutdown().await;
}

/// The same flow against moto, with the endpoint and keys `.ci/moto.sh` exports.
#[tokio::test]
#[ignore = "needs a moto server: run by .ci/moto.sh"]
async fn vpc_route_tables_on_moto() {
    let var =
        |n: &str| std::env::var(n).unwrap_or_else(|_| panic!("{n} is not set (run .ci/moto.sh)"));
    let client = ec2(
        &var("UNICLOUD_TEST_ENDPOINT"),
        &var("UNICLOUD_TEST_AWS_ACCESS_KEY_ID"),
        &var("UNICLOUD_TEST_AWS_SECRET_ACCESS_KEY"),
        None,
    );
    route_table_flow(&client, Peer::Moto).await;
}

fn elbv2(url: &str) -> aws_sdk_elasticloadbalancingv2::Client {
    use aws_sdk_elasticloadbalancingv2::config;
    let conf = config::Builder::new()
        .behavior_version(config::BehaviorVersion::latest())
        .region(config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(config::Credentials::new(ID, SECRET, None, None, "test"))
        .retry_config(config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
}

#[tokio::test]
async fn elbv2_target_health_follows_the_instance_with_the_official_sdk() {
    use aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata as _;
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
        TargetDescription, TargetHealthStateEnum,
    };
    use std::sync::Arc;
    use std::time::Duration;
    use unicloud_core::clock::ManualClock;

    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .clock(clock.clone())
        .transition_delay(Duration::from_secs(10))
        .start()
        .await
        .unwrap();
    let url = emu.base_url();
    let ec2 = ec2(&url, ID, SECRET, None);
    let lb = elbv2(&url);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.0.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_owned();
    let run = ec2
        .run_instances()
        .image_id("ami-12345678")
        .min_count(2)
        .max_count(2)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = run
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap().to_owned())
        .collect();
    clock.advance(Duration::from_secs(10));

    // An application load balancer needs two zones; a network one in one subnet is valid.
    let err = lb
        .create_load_balancer()
        .name("web")
        .subnets(&subnet)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
    let created = lb
        .create_load_balancer()
        .name("web")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .subnets(&subnet)
        .send()
        .await
        .unwrap();
    let l = &created.load_balancers()[0];
    let lb_arn = l.load_balancer_arn().unwrap().to_owned();
    assert!(lb_arn.contains(":loadbalancer/net/web/"), "{lb_arn}");
    assert_eq!(l.vpc_id(), Some(vpc.as_str()));
    assert_eq!(l.availability_zones()[0].zone_name(), Some("us-east-1a"));
    let tg = lb
        .create_target_group()
        .name("web-tcp")
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0].target_group_arn().unwrap().to_owned();
    let target = |id: &str| TargetDescription::builder().id(id).build();
    lb.register_targets()
        .target_group_arn(&tg_arn)
        .targets(target(&ids[0]))
        .targets(target(&ids[1]))
        .send()
        .await
        .unwrap();
    let health = || async {
        let r = lb
            .describe_target_health()
            .target_group_arn(&tg_arn)
            .send()
            .await
            .unwrap();
        r.target_health_descriptions()
            .iter()
            .map(|d| {
                let h = d.target_health().unwrap();
                (
                    d.target().unwrap().id().unwrap().to_owned(),
                    d.target().unwrap().port(),
                    h.state().unwrap().clone(),
                    h.reason().map(|r| r.as_str().to_owned()),
                )
            })
            .collect::<Vec<_>>()
    };
    // No listener forwards to the group yet: unused, Target.NotInUse.
    let h = health().await;
    assert_eq!(h.len(), 2);
    assert!(
        h.iter().all(|(_, port, state, reason)| *port == Some(80)
            && *state == TargetHealthStateEnum::Unused
            && reason.as_deref() == Some("Target.NotInUse")),
        "{h:?}"
    );
    let listener = lb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .port(80)
        .protocol(ProtocolEnum::Tcp)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tg_arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(listener.listeners()[0].port(), Some(80));
    // Creates are idempotent: the same settings again answer with what exists.
    let again = lb
        .create_load_balancer()
        .name("web")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .subnets(&subnet)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.load_balancers()[0].load_balancer_arn(),
        Some(lb_arn.as_str())
    );
    let err = lb
        .create_load_balancer()
        .name("web")
        .r#type(LoadBalancerTypeEnum::Network)
        .subnets(&subnet)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("DuplicateLoadBalancerName"), "{err:?}");
    let again = lb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .port(80)
        .protocol(ProtocolEnum::Tcp)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tg_arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.listeners()[0].listener_arn(),
        listener.listeners()[0].listener_arn()
    );
    let h = health().await;
    assert!(
        h.iter()
            .all(|(_, _, s, _)| *s == TargetHealthStateEnum::Initial),
        "{h:?}"
    );
    ec2.stop_instances()
        .instance_ids(&ids[1])
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(10));
    let h = health().await;
    assert_eq!(h[0].2, TargetHealthStateEnum::Healthy, "{h:?}");
    assert_eq!(h[1].2, TargetHealthStateEnum::Unhealthy, "{h:?}");
    assert_eq!(h[1].3.as_deref(), Some("Target.FailedHealthChecks"));

    // Deregister: draining for the delay, then gone.
    lb.deregister_targets()
        .target_group_arn(&tg_arn)
        .targets(target(&ids[1]))
        .send()
        .await
        .unwrap();
    assert_eq!(health().await[1].2, TargetHealthStateEnum::Draining);
    clock.advance(Duration::from_secs(10));
    assert_eq!(health().await.len(), 1);

    // A terminated instance reads unused (Target.InvalidState) while EC2 still lists it.
    ec2.terminate_instances()
        .instance_ids(&ids[0])
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(10));
    let h = health().await;
    assert_eq!(
        (h[0].2.clone(), h[0].3.as_deref()),
        (TargetHealthStateEnum::Unused, Some("Target.InvalidState")),
        "{h:?}"
    );

    let described = lb
        .describe_load_balancers()
        .names("web")
        .send()
        .await
        .unwrap();
    assert_eq!(described.load_balancers().len(), 1);
    let groups = lb
        .describe_target_groups()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.target_groups()[0].load_balancer_arns(),
        std::slice::from_ref(&lb_arn)
    );

    // The vendor's errors: a stopped instance cannot be registered, nor an unknown one.
    let err = lb
        .register_targets()
        .target_group_arn(&tg_arn)
        .targets(target(&ids[1]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTarget"), "{err:?}");
    let err = lb
        .register_targets()
        .target_group_arn(&tg_arn)
        .targets(target("i-0000000000000dead"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTarget"), "{err:?}");
    let missing = tg_arn.replace("web-tcp", "nothere");
    let err = lb
        .describe_target_health()
        .target_group_arn(&missing)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("TargetGroupNotFound"), "{err:?}");
    let err = lb
        .describe_load_balancers()
        .load_balancer_arns(lb_arn.replace("/web/", "/other/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("LoadBalancerNotFound"), "{err:?}");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// S3 through aws-sdk-s3: real aws-chunked bodies with CRC32 trailers, path-style.

fn s3(url: &str, secret: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            ID, secret, None, None, "test",
        ))
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn s3_code<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn s3_put_multipart_get_list_abort_and_errors() {
    use aws_sdk_s3::primitives::ByteStream;
    use aws_sdk_s3::types::{
        ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart,
    };
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .start()
        .await
        .unwrap();
    let c = s3(&emu.base_url(), SECRET);
    c.create_bucket().bucket("bkt").send().await.unwrap();
    let e = c.create_bucket().bucket("bkt").send().await.unwrap_err();
    assert_eq!(
        s3_code(e.as_service_error().unwrap()),
        "BucketAlreadyOwnedByYou"
    );
    c.head_bucket().bucket("bkt").send().await.unwrap();

    // A single PUT (the SDK sends aws-chunked with a CRC32 trailer by default).
    let put = c
        .put_object()
        .bucket("bkt")
        .key("dir/hello.txt")
        .content_type("text/plain")
        .metadata("owner", "me")
        .body(ByteStream::from_static(b"hello s3\n"))
        .send()
        .await
        .unwrap();
    let md5 = format!("{:x}", md5_of(b"hello s3\n"));
    assert_eq!(put.e_tag(), Some(format!("\"{md5}\"").as_str()));
    let got = c
        .get_object()
        .bucket("bkt")
        .key("dir/hello.txt")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert!(got.checksum_crc32().is_some(), "{got:?}");
    assert_eq!(
        got.metadata().unwrap().get("owner").map(String::as_str),
        Some("me")
    );
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"hello s3\n");
    let ranged = c
        .get_object()
        .bucket("bkt")
        .key("dir/hello.txt")
        .range("bytes=0-4")
        .send()
        .await
        .unwrap();
    assert_eq!(
        &ranged.body.collect().await.unwrap().into_bytes()[..],
        b"hello"
    );
    let listed = c
        .list_objects_v2()
        .bucket("bkt")
        .prefix("dir/")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.key_count(), Some(1));

    // Multipart with CRC32: three parts, the first two 5 MiB.
    let created = c
        .create_multipart_upload()
        .bucket("bkt")
        .key("big.bin")
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .unwrap();
    let id = created.upload_id().unwrap().to_owned();
    let sizes = [5 * 1024 * 1024, 5 * 1024 * 1024, 1234];
    let mut whole = Vec::new();
    let mut parts = Vec::new();
    for (i, size) in sizes.iter().enumerate() {
        let data: Vec<u8> = (0..*size).map(|n| (n * 7 + i) as u8).collect();
        whole.extend_from_slice(&data);
        let n = i as i32 + 1;
        let up = c
            .upload_part()
            .bucket("bkt")
            .key("big.bin")
            .upload_id(&id)
            .part_number(n)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(ByteStream::from(data))
            .send()
            .await
            .unwrap();
        assert!(up.checksum_crc32().is_some());
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(up.e_tag().unwrap())
                .checksum_crc32(up.checksum_crc32().unwrap())
                .build(),
        );
    }
    // A second upload, under another prefix, to list with a prefix and abort.
    let other = c
        .create_multipart_upload()
        .bucket("bkt")
        .key("tmp/x")
        .send()
        .await
        .unwrap();
    let ups = c
        .list_multipart_uploads()
        .bucket("bkt")
        .prefix("tmp/")
        .send()
        .await
        .unwrap();
    assert_eq!(ups.uploads().len(), 1);
    assert_eq!(ups.uploads()[0].key(), Some("tmp/x"));
    let lp = c
        .list_parts()
        .bucket("bkt")
        .key("big.bin")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(lp.parts().len(), 3);
    c.abort_multipart_upload()
        .bucket("bkt")
        .key("tmp/x")
        .upload_id(other.upload_id().unwrap())
        .send()
        .await
        .unwrap();
    let e = c
        .abort_multipart_upload()
        .bucket("bkt")
        .key("tmp/x")
        .upload_id(other.upload_id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "NoSuchUpload");

    let done = c
        .complete_multipart_upload()
        .bucket("bkt")
        .key("big.bin")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(done.e_tag().unwrap().ends_with("-3\""), "{done:?}");
    let composite = done.checksum_crc32().unwrap();
    assert!(composite.ends_with("-3"), "{composite}");
    let got = c
        .get_object()
        .bucket("bkt")
        .key("big.bin")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(body.len(), whole.len());
    assert!(body[..] == whole[..]);
    let view = emu.storage(Provider::Aws);
    let obj = view.bucket("bkt").unwrap().object("big.bin").unwrap();
    assert_eq!(obj.parts, 3);
    assert!(view.bucket("bkt").unwrap().uploads.is_empty());

    // Errors.
    let e = c
        .get_object()
        .bucket("nope")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "NoSuchBucket");
    let e = c
        .get_object()
        .bucket("bkt")
        .key("missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "NoSuchKey");
    let e = c
        .upload_part()
        .bucket("bkt")
        .key("big.bin")
        .upload_id("NOSUCHUPLOAD")
        .part_number(1)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "NoSuchUpload");
    let wrong = s3(&emu.base_url(), "wrong-secret");
    let e = wrong
        .put_object()
        .bucket("bkt")
        .key("evil")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        s3_code(e.as_service_error().unwrap()),
        "SignatureDoesNotMatch"
    );
    assert!(emu.object_bytes(Provider::Aws, "bkt", "evil").is_none());
    emu.shutdown().await;
}

/// Fails the 2nd and 3rd UploadPart with a 500: the SDK's own retries get the parts in.
#[tokio::test]
async fn s3_upload_part_faults_are_retried() {
    use aws_sdk_s3::primitives::ByteStream;
    let faults = FaultConfig::default().rule(
        FaultRule::new(Some(Provider::Aws), "UploadPart")
            .after(1)
            .times(2)
            .server_error(1.0),
    );
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .bucket(Provider::Aws, "bkt")
        .faults(faults)
        .start()
        .await
        .unwrap();
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(emu.base_url())
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            ID, SECRET, None, None, "t",
        ))
        .retry_config(
            aws_sdk_s3::config::retry::RetryConfig::standard()
                .with_max_attempts(4)
                .with_initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build();
    let c = aws_sdk_s3::Client::from_conf(conf);
    let id = c
        .create_multipart_upload()
        .bucket("bkt")
        .key("k")
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned();
    for n in 1..=3 {
        c.upload_part()
            .bucket("bkt")
            .key("k")
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from_static(b"part"))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        emu.fault_counters()
            .get(Provider::Aws, "UploadPart", FaultKind::ServerError),
        2
    );
    let view = emu.storage(Provider::Aws);
    assert_eq!(view.bucket("bkt").unwrap().uploads[0].parts.len(), 3);
    emu.shutdown().await;
}

fn md5_of(data: &[u8]) -> u128 {
    use md5::Digest as _;
    u128::from_be_bytes(md5::Md5::digest(data).into())
}

/// Object bytes land in files of the data directory, the storage budget refuses what does not
/// fit with `EntityTooLarge`, and the drop faults cut the connection (mid-body: nothing
/// stored; after apply: stored).
#[tokio::test]
async fn s3_data_dir_budget_and_dropped_connections() {
    use aws_sdk_s3::primitives::ByteStream;
    let dir = std::env::temp_dir().join(format!("unicloud-emu-s3-{}", std::process::id()));
    let faults = FaultConfig::default()
        .rule(
            FaultRule::new(Some(Provider::Aws), "PutObject")
                .after(2)
                .times(1)
                .drop_mid_body(1.0),
        )
        .rule(
            FaultRule::new(Some(Provider::Aws), "PutObject")
                .after(3)
                .times(1)
                .drop_after_apply(1.0),
        );
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .bucket(Provider::Aws, "bkt")
        .data_dir(&dir)
        .max_storage_bytes(100)
        .faults(faults)
        .start()
        .await
        .unwrap();
    let c = s3(&emu.base_url(), SECRET);
    let put = |key: &'static str, data: &'static [u8]| {
        c.put_object()
            .bucket("bkt")
            .key(key)
            .body(ByteStream::from_static(data))
            .send()
    };
    put("a", &[7u8; 60]).await.unwrap();
    let files = || std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files(), 1);
    assert_eq!(
        emu.object_bytes(Provider::Aws, "bkt", "a"),
        Some(vec![7u8; 60])
    );
    let e = put("b", &[1u8; 60]).await.unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "EntityTooLarge");
    assert_eq!(files(), 1);
    // The 3rd PutObject is cut mid-body, the 4th stored and then dropped.
    assert!(put("c", b"cut").await.is_err());
    assert!(emu.object_bytes(Provider::Aws, "bkt", "c").is_none());
    assert!(put("d", b"kept").await.is_err());
    assert_eq!(
        emu.object_bytes(Provider::Aws, "bkt", "d"),
        Some(b"kept".to_vec())
    );
    let counters = emu.fault_counters();
    assert_eq!(
        counters.get(Provider::Aws, "PutObject", FaultKind::DropMidBody),
        1
    );
    assert_eq!(
        counters.get(Provider::Aws, "PutObject", FaultKind::DropAfterApply),
        1
    );
    c.delete_object()
        .bucket("bkt")
        .key("a")
        .send()
        .await
        .unwrap();
    assert_eq!(files(), 1, "only d's file is left");
    assert_eq!(emu.storage(Provider::Aws).used_bytes, 4);
    emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A HEAD cannot be dropped after its headers (it has no body to cut short): a drop drawn
/// for it is not injected, so the client never reads a made-up head. Found by the fault soak
/// (seed 3), where a dropped HeadObject read as a 1-byte object with no ETag.
#[tokio::test]
async fn s3_head_is_never_dropped_half_way() {
    use aws_sdk_s3::primitives::ByteStream;
    let faults = FaultConfig::default()
        .rule(FaultRule::new(Some(Provider::Aws), "HeadObject").drop_after_apply(1.0));
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .bucket(Provider::Aws, "bkt")
        .faults(faults)
        .start()
        .await
        .unwrap();
    let c = s3(&emu.base_url(), SECRET);
    c.put_object()
        .bucket("bkt")
        .key("k")
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .unwrap();
    let head = c.head_object().bucket("bkt").key("k").send().await.unwrap();
    assert_eq!(head.content_length(), Some(5));
    assert_eq!(
        head.e_tag(),
        Some(format!("\"{:032x}\"", md5_of(b"hello")).as_str())
    );
    assert_eq!(
        emu.fault_counters()
            .get(Provider::Aws, "HeadObject", FaultKind::DropAfterApply),
        0
    );
    emu.shutdown().await;
}

/// Completion refuses a small non-last part, an unknown ETag and parts out of order, and the
/// upload stays open for a correct retry.
#[tokio::test]
async fn s3_completion_errors() {
    use aws_sdk_s3::primitives::ByteStream;
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .bucket(Provider::Aws, "bkt")
        .start()
        .await
        .unwrap();
    let c = s3(&emu.base_url(), SECRET);
    let id = c
        .create_multipart_upload()
        .bucket("bkt")
        .key("k")
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned();
    let mut etags = Vec::new();
    for n in 1..=2 {
        let up = c
            .upload_part()
            .bucket("bkt")
            .key("k")
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from_static(b"small"))
            .send()
            .await
            .unwrap();
        etags.push(up.e_tag().unwrap().to_owned());
    }
    let complete = |parts: Vec<(i32, &str)>| {
        let parts = parts
            .into_iter()
            .map(|(n, e)| CompletedPart::builder().part_number(n).e_tag(e).build())
            .collect();
        c.complete_multipart_upload()
            .bucket("bkt")
            .key("k")
            .upload_id(&id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
    };
    let e = complete(vec![(1, &etags[0]), (2, &etags[1])])
        .await
        .unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "EntityTooSmall");
    let e = complete(vec![(1, "\"00000000000000000000000000000000\"")])
        .await
        .unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "InvalidPart");
    let e = complete(vec![(2, &etags[1]), (1, &etags[0])])
        .await
        .unwrap_err();
    assert_eq!(s3_code(e.as_service_error().unwrap()), "InvalidPartOrder");
    // One part is also the last: accepted whatever its size.
    let done = complete(vec![(1, &etags[0])]).await.unwrap();
    assert!(done.e_tag().unwrap().ends_with("-1\""));
    assert_eq!(
        emu.object_bytes(Provider::Aws, "bkt", "k"),
        Some(b"small".to_vec())
    );
    emu.shutdown().await;
}

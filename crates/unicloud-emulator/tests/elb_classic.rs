//! Classic ELB `2012-06-01` over signed Query requests: register, health from the instance's
//! state on the emulator clock, deregister, and the vendor's errors.

// Test helpers outside #[test] fns may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Resp, aws_query_call};
use unicloud_core::Provider;
use unicloud_core::clock::ManualClock;
use unicloud_emulator::{Emulator, Instance, InstanceState};

const ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

async fn elb(addr: std::net::SocketAddr, params: &[(&str, &str)]) -> Resp {
    let mut p = vec![("Version", "2012-06-01")];
    p.extend_from_slice(params);
    aws_query_call(addr, ID, SECRET, "elasticloadbalancing", &p).await
}

/// `(InstanceId, State, ReasonCode)` of each `<member>` of a DescribeInstanceHealth reply.
fn states(body: &str) -> Vec<(String, String, String)> {
    let field = |m: &str, name: &str| {
        m.split(&format!("<{name}>"))
            .nth(1)
            .and_then(|r| r.split(&format!("</{name}>")).next())
            .unwrap_or_default()
            .to_owned()
    };
    body.split("<member>")
        .skip(1)
        .map(|m| {
            (
                field(m, "InstanceId"),
                field(m, "State"),
                field(m, "ReasonCode"),
            )
        })
        .collect()
}

#[tokio::test]
async fn classic_elb_register_health_and_deregister() {
    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let emu = Emulator::builder()
        .key(Provider::Aws, ID, SECRET)
        .clock(clock.clone())
        .transition_delay(Duration::from_secs(10))
        .start()
        .await
        .unwrap();
    let a = emu.addr();
    for (id, state) in [
        ("i-0aaaaaaaaaaaaaaa1", InstanceState::Running),
        ("i-0bbbbbbbbbbbbbbb2", InstanceState::Stopped),
    ] {
        let mut i = Instance::template(Provider::Aws, "us-east-1", id);
        i.state = state;
        emu.seed_instance(Provider::Aws, i);
    }
    let r = elb(
        a,
        &[
            ("Action", "CreateLoadBalancer"),
            ("LoadBalancerName", "web"),
            ("Listeners.member.1.Protocol", "HTTP"),
            ("Listeners.member.1.LoadBalancerPort", "80"),
            ("Listeners.member.1.InstancePort", "8080"),
            ("AvailabilityZones.member.1", "us-east-1a"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<DNSName>web-"), "{}", r.body);
    assert!(r.body.contains("doc/2012-06-01/"), "{}", r.body);
    let r = elb(
        a,
        &[
            ("Action", "RegisterInstancesWithLoadBalancer"),
            ("LoadBalancerName", "web"),
            ("Instances.member.1.InstanceId", "i-0aaaaaaaaaaaaaaa1"),
            ("Instances.member.2.InstanceId", "i-0bbbbbbbbbbbbbbb2"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.matches("<InstanceId>").count(), 2, "{}", r.body);
    let health = || {
        elb(
            a,
            &[
                ("Action", "DescribeInstanceHealth"),
                ("LoadBalancerName", "web"),
            ],
        )
    };
    let h = states(&health().await.body);
    assert!(
        h.iter().all(|(_, s, c)| s == "OutOfService" && c == "ELB"),
        "{h:?}"
    );
    clock.advance(Duration::from_secs(10));
    let h = states(&health().await.body);
    assert_eq!(
        h,
        vec![
            (
                "i-0aaaaaaaaaaaaaaa1".into(),
                "InService".into(),
                "N/A".into()
            ),
            (
                "i-0bbbbbbbbbbbbbbb2".into(),
                "OutOfService".into(),
                "Instance".into()
            ),
        ]
    );
    let r = elb(
        a,
        &[
            ("Action", "DeregisterInstancesFromLoadBalancer"),
            ("LoadBalancerName", "web"),
            ("Instances.member.1.InstanceId", "i-0bbbbbbbbbbbbbbb2"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.matches("<InstanceId>").count(), 1, "{}", r.body);
    let r = elb(a, &[("Action", "DescribeLoadBalancers")]).await;
    assert!(
        r.body.contains("<LoadBalancerName>web</LoadBalancerName>"),
        "{}",
        r.body
    );
    for (params, code) in [
        (
            vec![
                ("Action", "DescribeInstanceHealth"),
                ("LoadBalancerName", "nothere"),
            ],
            "LoadBalancerNotFound",
        ),
        (
            vec![
                ("Action", "RegisterInstancesWithLoadBalancer"),
                ("LoadBalancerName", "web"),
                ("Instances.member.1.InstanceId", "i-0000000000000dead"),
            ],
            "InvalidInstance",
        ),
        (
            vec![
                ("Action", "DeregisterInstancesFromLoadBalancer"),
                ("LoadBalancerName", "web"),
                ("Instances.member.1.InstanceId", "i-0bbbbbbbbbbbbbbb2"),
            ],
            "InvalidInstance",
        ),
    ] {
        let r = elb(a, &params).await;
        assert_eq!(r.status, 400, "{params:?}: {}", r.body);
        assert!(
            r.body.contains(&format!("<Code>{code}</Code>")) && r.body.contains("<ErrorResponse"),
            "{params:?}: {}",
            r.body
        );
    }
    // The ELBv2 API does not list classic load balancers.
    let r = aws_query_call(
        a,
        ID,
        SECRET,
        "elasticloadbalancing",
        &[
            ("Action", "DescribeLoadBalancers"),
            ("Version", "2015-12-01"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("<LoadBalancerName>web<"), "{}", r.body);
    emu.shutdown().await;
}

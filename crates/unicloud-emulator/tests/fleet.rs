//! Fleet scale at the wire: 10 000 seeded instances page out in exactly ceil(N / page)
//! requests (an exactly full last page advertises no next page), the emulator counts every
//! request per (cloud, region, action), injected faults included, and a `rate` rule throttles
//! on the emulator's clock.

// Test helpers outside #[test] fns may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{aws_query_call, now, tc_call};
use unicloud_core::Provider;
use unicloud_core::clock::{Clock, ManualClock};
use unicloud_emulator::{Emulator, FaultConfig, FaultKind, FaultRule, Instance};

const TC_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const TC_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const AWS_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const AWS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const N: usize = 10_000;

/// Every `<tag>value</tag>` in `xml`.
fn xml_values<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(open.as_str())
        .skip(1)
        .filter_map(|s| s.split(close.as_str()).next())
        .collect()
}

#[tokio::test]
async fn tencent_pages_ten_thousand_by_offset_and_counts_every_request() {
    let emu = Emulator::builder()
        .key(Provider::Tencent, TC_ID, TC_KEY)
        .faults(
            FaultConfig::default().rule(
                FaultRule::new(Some(Provider::Tencent), "DescribeInstances")
                    .times(1)
                    .throttle(1.0),
            ),
        )
        .start()
        .await
        .unwrap();
    let region = "ap-guangzhou";
    let seeded = emu.seed_instances(
        Provider::Tencent,
        region,
        N,
        &Instance::template(Provider::Tencent, region, ""),
    );
    let call = |body: String| {
        let addr = emu.addr();
        async move {
            tc_call(
                addr,
                TC_ID,
                TC_KEY,
                None,
                "cvm",
                "DescribeInstances",
                region,
                &body,
                now(),
            )
            .await
        }
    };
    // The first request is throttled by the rule (and still counted).
    let first = call(r#"{"Limit":100}"#.into()).await;
    assert_eq!(first["Error"]["Code"], "RequestLimitExceeded", "{first}");
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let r = call(format!(r#"{{"Offset":{offset},"Limit":100}}"#)).await;
        assert_eq!(r["TotalCount"], N, "{r}");
        let set = r["InstanceSet"].as_array().unwrap();
        seen.extend(
            set.iter()
                .map(|i| i["InstanceId"].as_str().unwrap().to_owned()),
        );
        offset += set.len();
        if offset >= N || set.is_empty() {
            break;
        }
    }
    assert_eq!(seen, seeded);
    // Past the end: an empty page, TotalCount still right.
    let past = call(format!(r#"{{"Offset":{N},"Limit":100}}"#)).await;
    assert_eq!(past["InstanceSet"].as_array().map(Vec::len), Some(0));
    let counts = emu.request_counts();
    assert_eq!(
        counts.get(Provider::Tencent, region, "DescribeInstances"),
        102
    );
    assert_eq!(
        counts.get(Provider::Tencent, "ap-beijing", "DescribeInstances"),
        0
    );
    assert_eq!(counts.total(), 102);
    assert_eq!(
        emu.fault_counters()
            .get(Provider::Tencent, "DescribeInstances", FaultKind::Throttle),
        1
    );
    emu.reset_request_counts();
    assert_eq!(emu.request_counts().total(), 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn ec2_pages_ten_thousand_by_token_with_no_token_after_a_full_last_page() {
    let emu = Emulator::builder()
        .key(Provider::Aws, AWS_ID, AWS_KEY)
        .start()
        .await
        .unwrap();
    let seeded = emu.seed_instances(
        Provider::Aws,
        "us-east-1",
        N,
        &Instance::template(Provider::Aws, "us-east-1", ""),
    );
    for (page, trips) in [(1000usize, 10u64), (37, 271)] {
        emu.reset_request_counts();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let max = page.to_string();
            let mut params = vec![
                ("Action", "DescribeInstances"),
                ("Version", "2016-11-15"),
                ("MaxResults", max.as_str()),
            ];
            if let Some(t) = &token {
                params.push(("NextToken", t));
            }
            let r = aws_query_call(emu.addr(), AWS_ID, AWS_KEY, "ec2", &params).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let ids = xml_values(&r.body, "instanceId");
            assert!(ids.len() <= page);
            seen.extend(ids.into_iter().map(str::to_owned));
            match xml_values(&r.body, "nextToken").first() {
                Some(t) => token = Some((*t).to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, seeded, "page {page}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), N);
        let counts = emu.request_counts();
        assert_eq!(
            counts.get(Provider::Aws, "us-east-1", "DescribeInstances"),
            trips,
            "page {page}"
        );
    }
    // A token the emulator never made is the vendor's invalid-parameter error.
    let r = aws_query_call(
        emu.addr(),
        AWS_ID,
        AWS_KEY,
        "ec2",
        &[
            ("Action", "DescribeInstances"),
            ("Version", "2016-11-15"),
            ("MaxResults", "5"),
            ("NextToken", "emu-5"),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("InvalidParameterValue"), "{}", r.body);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_rate_rule_throttles_on_the_emulator_clock() {
    let start = SystemTime::now();
    let clock = ManualClock::new(start);
    let emu = Emulator::builder()
        .key(Provider::Tencent, TC_ID, TC_KEY)
        .clock(Arc::new(clock.clone()))
        .faults(
            FaultConfig::from_toml(
                "[[rule]]\nprovider = \"tencent\"\naction = \"DescribeInstances\"\nrate = 1\nburst = 2\n",
            )
            .unwrap(),
        )
        .start()
        .await
        .unwrap();
    let call = |region: &'static str| {
        let addr = emu.addr();
        let ts = clock
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        async move {
            let r = tc_call(
                addr,
                TC_ID,
                TC_KEY,
                None,
                "cvm",
                "DescribeInstances",
                region,
                "{}",
                ts,
            )
            .await;
            r["Error"]["Code"].as_str().unwrap_or("").to_owned()
        }
    };
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(call("ap-guangzhou").await);
    }
    assert_eq!(codes, ["", "", "RequestLimitExceeded"]);
    // Another region has its own bucket.
    assert_eq!(call("ap-beijing").await, "");
    clock.advance(Duration::from_secs(1));
    assert_eq!(call("ap-guangzhou").await, "");
    assert_eq!(call("ap-guangzhou").await, "RequestLimitExceeded");
    let faults = emu.fault_counters();
    assert_eq!(
        faults.get(Provider::Tencent, "DescribeInstances", FaultKind::Throttle),
        2
    );
    let counts = emu.request_counts();
    assert_eq!(
        counts.get(Provider::Tencent, "ap-guangzhou", "DescribeInstances"),
        5
    );
    assert_eq!(
        counts.get(Provider::Tencent, "ap-beijing", "DescribeInstances"),
        1
    );
    emu.shutdown().await;
}

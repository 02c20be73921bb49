//! Fleet cases: client-side rate limits and fan-out over regions, through the public entry
//! point ([`unicloud::Cloud`]) on every provider.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use unicloud::base::clock::SharedClock;
use unicloud::base::ratelimit::{LimitKey, Rate, RateLimits};
use unicloud::base::{ErrorKind, Provider, Region, RetryPolicy};
use unicloud::compute::{Filters, InstanceQuery};
use unicloud::{Fleet, Regional};
use unicloud_emulator::FaultKind;

use crate::harness::{Ctx, RUN_TAG};
use crate::lb::LbFixture;

/// The describe-instances action: the same name on EC2, CVM and ECS.
const DESCRIBE: &str = "DescribeInstances";

/// The rate-limit bucket of describe-instances in `region`.
fn describe_key(p: Provider, region: &str) -> LimitKey {
    let service = match p {
        Provider::Aws => "ec2",
        Provider::Tencent => "cvm",
        _ => "ecs",
    };
    LimitKey::new(p, service, DESCRIBE).scoped(region)
}

/// Two more regions of the provider, each with a zone the emulator and moto know.
fn more_regions(p: Provider) -> [(&'static str, &'static str); 2] {
    match p {
        Provider::Aws => [("us-west-2", "us-west-2a"), ("eu-west-1", "eu-west-1a")],
        Provider::Tencent => [
            ("ap-shanghai", "ap-shanghai-2"),
            ("ap-singapore", "ap-singapore-1"),
        ],
        _ => [
            ("cn-shanghai", "cn-shanghai-b"),
            ("cn-beijing", "cn-beijing-h"),
        ],
    }
}

/// The emulator, with a DescribeInstances bucket of 5 a second and a burst of 2, and a client
/// limited the same way on the clock the emulator runs on: the client waits instead of being
/// throttled. Without the client's limit, the same burst is throttled.
pub async fn rate_limit_stays_under_the_vendor_limit(ctx: &Ctx) {
    if ctx.skip_on_moto(
        "rate_limit_stays_under_the_vendor_limit",
        "needs the emulator's rate fault",
    ) {
        return;
    }
    let p = ctx.provider;
    let emu = ctx.emulator.as_ref().unwrap();
    let action = DESCRIBE;
    let clock: SharedClock = Arc::new(ctx.clock.clone().unwrap());
    let limited = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .clock(clock.clone())
        .retry(RetryPolicy::disabled())
        .rate_limits(
            RateLimits::default().with_rate_for_action(action, Rate::per_second(5).with_burst(2)),
        )
        .build()
        .await
        .unwrap();
    let compute = limited.compute();
    for _ in 0..12 {
        compute.list_instances(InstanceQuery::all()).await.unwrap();
    }
    let throttled = emu.fault_counters().get(p, action, FaultKind::Throttle);
    assert_eq!(throttled, 0, "{p}: the client kept under the limit");
    let key = describe_key(p, ctx.region().as_str());
    let stats = limited.config().rate_limiter().stats_for(&key).unwrap();
    assert_eq!(
        (stats.requests, stats.waits, stats.throttles),
        (12, 10, 0),
        "{p}: {stats:?}"
    );
    // 10 waits of 200 ms: the requests were spread over two seconds of the shared clock.
    assert_eq!(stats.waited, Duration::from_secs(2), "{p}");

    // The same burst without a client-side limit: the emulator throttles it.
    let unlimited = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .clock(clock)
        .retry(RetryPolicy::disabled())
        .rate_limits(RateLimits::disabled())
        .build()
        .await
        .unwrap();
    let mut refused = 0;
    for _ in 0..12 {
        if let Err(e) = unlimited
            .compute()
            .list_instances(InstanceQuery::all())
            .await
        {
            assert_eq!(e.kind(), ErrorKind::Throttled, "{p}: {e}");
            refused += 1;
        }
    }
    assert!(refused >= 9, "{p}: {refused} of 12 throttled");
    assert!(unlimited.config().rate_limiter().stats().is_empty());
}

/// The vendor throttles three requests in a row: the client's bucket drops to 0.7³ of its
/// rate, the call still succeeds (retried), and the rate climbs back once time passes.
pub async fn rate_limit_adapts_to_throttling(ctx: &Ctx) {
    if ctx.skip_on_moto(
        "rate_limit_adapts_to_throttling",
        "needs injected throttling",
    ) {
        return;
    }
    let p = ctx.provider;
    let clock = ctx.clock.clone().unwrap();
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .clock(Arc::new(clock.clone()))
        .build()
        .await
        .unwrap();
    cloud
        .compute()
        .list_instances(InstanceQuery::all())
        .await
        .unwrap();
    let key = describe_key(p, ctx.region().as_str());
    let stats = cloud.config().rate_limiter().stats_for(&key).unwrap();
    let configured = stats.configured.requests_per_second();
    assert_eq!(stats.throttles, 3, "{p}: {stats:?}");
    // Three drops to 70 % leave 34 %; the success after the retries' back-offs has begun
    // the climb back, but only just.
    assert!(
        stats.current_per_second < configured * 0.5,
        "{p}: {stats:?}"
    );
    // A minute later the next success finds the rate recovered.
    clock.advance(Duration::from_secs(60));
    cloud
        .compute()
        .list_instances(InstanceQuery::all())
        .await
        .unwrap();
    let stats = cloud.config().rate_limiter().stats_for(&key).unwrap();
    assert!(
        (stats.current_per_second - configured).abs() < 1e-9,
        "{p}: {stats:?}"
    );
    // Clones of the cloud and its services share the bucket.
    let clone = cloud.clone();
    clone
        .compute()
        .list_instances(InstanceQuery::all())
        .await
        .unwrap();
    assert_eq!(
        cloud
            .config()
            .rate_limiter()
            .stats_for(&key)
            .unwrap()
            .requests,
        stats.requests + 1
    );
}

/// Instances in three regions (3, 2 and none) and one region whose endpoint is unreachable,
/// listed as one stream: every instance comes once, tagged with its region; the unreachable
/// region reports one error and the others lose nothing.
pub async fn fleet_fan_out(ctx: &Ctx) {
    let p = ctx.provider;
    let [(second, zone2), (third, _)] = more_regions(p);
    let home = ctx.region();
    let fleet = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .build_regions([home.as_str(), second, third])
        .await
        .unwrap()
        .with_concurrency(2);
    assert_eq!(fleet.clouds().len(), 3);
    let in_home = Ctx::compute_of(&fleet.clouds()[0])
        .create_instances(&ctx.spec(3))
        .await
        .unwrap();
    let in_second = Ctx::compute_of(&fleet.clouds()[1])
        .create_instances(&ctx.spec(2).zone(zone2))
        .await
        .unwrap();
    let scope = Filters::new().tag(RUN_TAG, [ctx.run.clone()]);
    let report = Fleet::collect(fleet.describe_instances(scope.clone()).unwrap()).await;
    assert!(report.is_complete(), "{p}: {:?}", report.failures);
    let got: BTreeSet<(String, String)> = report
        .items
        .iter()
        .map(|(r, i)| (r.as_str().to_owned(), i.id.clone()))
        .collect();
    let want: BTreeSet<(String, String)> = in_home
        .iter()
        .map(|id| (home.as_str().to_owned(), id.clone()))
        .chain(in_second.iter().map(|id| (second.to_owned(), id.clone())))
        .collect();
    assert_eq!(report.items.len(), 5, "{p}: each instance once");
    assert_eq!(got, want, "{p}");
    if let Some(emu) = &ctx.emulator {
        // One page per region, each asked in its own region.
        let counts = emu.request_counts();
        for region in [home.as_str(), second, third] {
            assert_eq!(
                counts.get(p, region, DESCRIBE),
                1,
                "{p}: round trips in {region}"
            );
        }
    }

    // A fourth region that cannot be reached: one error, tagged; the rest all arrive.
    let unreachable = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .endpoint("http://127.0.0.1:9")
        .retry(RetryPolicy::disabled())
        .build()
        .await
        .unwrap()
        .in_region(more_regions(p)[1].0)
        .unwrap();
    let lost = Region::new(p, more_regions(p)[1].0).unwrap();
    let mixed = Fleet::new(fleet.clouds()[..2].iter().cloned().chain([unreachable]));
    let mut stream = mixed.describe_instances(scope).unwrap();
    let mut items = 0;
    let mut failures = Vec::new();
    while let Some(Regional { region, result }) = stream.next().await {
        match result {
            Ok(_) => items += 1,
            Err(e) => failures.push((region, e.kind())),
        }
    }
    assert_eq!(items, 5, "{p}");
    assert_eq!(failures, [(lost, ErrorKind::Transport)], "{p}");

    // Bad input fails the whole call before any request.
    let bad = fleet
        .describe_instances(InstanceQuery::ids(["not an id"]))
        .err()
        .unwrap();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput, "{p}");

    for (cloud, ids) in [
        (&fleet.clouds()[0], &in_home),
        (&fleet.clouds()[1], &in_second),
    ] {
        ctx.destroy_all(&Ctx::compute_of(cloud), ids).await;
    }
}

/// Route tables and load-balancer health through the fleet: the home region's fixture comes
/// back tagged with it, and a pool asked in a region the fleet lacks is refused up front.
pub async fn fleet_network_and_lb(ctx: &Ctx) {
    let p = ctx.provider;
    let fixture = LbFixture::new(ctx, 2).await;
    let home = ctx.region();
    let second = more_regions(p)[0].0;
    let fleet = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .build_regions([home.as_str(), second])
        .await
        .unwrap();
    let tables = Fleet::collect(
        fleet
            .describe_route_tables(unicloud::network::RouteTableQuery::default())
            .unwrap(),
    )
    .await;
    assert!(tables.is_complete(), "{p}: {:?}", tables.failures);
    assert!(
        tables
            .items
            .iter()
            .any(|(r, t)| r == &home && t.id == fixture.net.table_id),
        "{p}: the fixture's table {} in {home}",
        fixture.net.table_id
    );
    assert!(
        tables
            .items
            .iter()
            .filter(|(_, t)| t.id == fixture.net.table_id)
            .all(|(r, _)| r == &home),
        "{p}"
    );

    for i in 0..2 {
        fixture
            .lb
            .register(&fixture.pool, &[fixture.backend(i)])
            .await
            .unwrap();
    }
    let health = Fleet::collect(
        fleet
            .describe_health([(home.clone(), fixture.pool.clone())])
            .unwrap(),
    )
    .await;
    assert!(health.is_complete(), "{p}: {:?}", health.failures);
    assert_eq!(health.items.len(), 2, "{p}: {:?}", health.items);
    assert!(health.items.iter().all(|(r, _)| r == &home));
    let elsewhere = Region::new(p, more_regions(p)[1].0).unwrap();
    let refused = fleet
        .describe_health([(elsewhere, fixture.pool.clone())])
        .err()
        .unwrap();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput, "{p}");
}

//! Scale: 10 000 instances listed through the unified stream, against the emulator only (it
//! seeds them in one call and counts the requests it receives).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use unicloud::base::Provider;
use unicloud::compute::InstanceQuery;
use unicloud_emulator::Instance;

use crate::harness::Ctx;

/// How many instances the case seeds.
const N: usize = 10_000;

/// The page `Compute` asks for by default: the vendor's largest (EC2 `MaxResults` 1000, CVM
/// `Limit` 100, ECS `MaxResults` 100).
fn default_page(p: Provider) -> usize {
    match p {
        Provider::Aws => 1000,
        _ => 100,
    }
}

/// 10 000 seeded instances come back once each, in ceil(N / page) `DescribeInstances` requests
/// (the vendor's largest page, and 37, which divides neither 10 000 nor any vendor's page), and
/// the stream is lazy: taking the first instance costs exactly one request. The client shares
/// the emulator's manual clock, so its rate limiter's waits take no real time.
pub async fn scale_listing(ctx: &Ctx) {
    if ctx.skip_on_moto(
        "scale_listing",
        "seeds 10 000 instances in the emulator and reads its request counts",
    ) {
        return;
    }
    let p = ctx.provider;
    let emu = ctx.emulator.as_ref().unwrap();
    let region = ctx.region();
    let region = region.as_str();
    let seeded = emu.seed_instances(p, region, N, &Instance::template(p, region, ""));
    assert_eq!(seeded.len(), N);
    let seeded_set: HashSet<&str> = seeded.iter().map(String::as_str).collect();
    let clock = ctx.clock.clone().expect("the case runs on a manual clock");
    let config = ctx.config().with_clock(Arc::new(clock));
    let compute = ctx.compute_with(ctx.credentials(), config).await;

    for (asked, page) in [(None, default_page(p)), (Some(37), 37)] {
        let c = match asked {
            Some(n) => compute.clone().with_page_size(n),
            None => compute.clone(),
        };
        emu.reset_request_counts();
        let started = Instant::now();
        let mut stream = c.describe_instances(InstanceQuery::all()).unwrap();
        let mut seen: HashSet<String> = HashSet::with_capacity(N);
        while let Some(i) = stream.try_next().await.unwrap() {
            assert!(seeded_set.contains(i.id.as_str()), "{p}: unknown {}", i.id);
            assert!(seen.insert(i.id), "{p}: page {page}: listed twice");
        }
        let took = started.elapsed();
        assert_eq!(seen.len(), N, "{p}: page {page}");
        let counts = emu.request_counts();
        assert_eq!(
            counts.get(p, region, "DescribeInstances"),
            N.div_ceil(page) as u64,
            "{p}: page {page}: round trips"
        );
        assert_eq!(counts.total(), N.div_ceil(page) as u64, "{p}: {counts:?}");
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "scale_listing {p}: {N} instances, page {page}: {} requests in {took:.2?}",
                N.div_ceil(page)
            );
        }
    }

    // Lazy: the first instance costs one request, and nothing is fetched behind our back.
    emu.reset_request_counts();
    let mut stream = compute.describe_instances(InstanceQuery::all()).unwrap();
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.id, seeded[0], "{p}: listed in creation order");
    assert_eq!(
        emu.request_counts().get(p, region, "DescribeInstances"),
        1,
        "{p}: one item, one request"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(stream);
    assert_eq!(emu.request_counts().total(), 1, "{p}: no request ahead");
}

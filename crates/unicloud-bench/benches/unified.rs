//! The unified layer against each vendor client used directly: DescribeInstances taking one
//! page of 100 on an in-process emulator, interleaved A/B rounds, medians and the ratio
//! unified/direct per provider. Prints figures, asserts nothing about time. See the crate docs
//! of `unicloud-bench` for the options and what each side does.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

use std::future::Future;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use unicloud_alibaba::generated::ecs;
use unicloud_bench::{
    ALIBABA_REGION, PAGE, alibaba_client, aws_client, median, region_name, seeded_emulator,
    tencent_client,
};
use unicloud_compute::{Compute, InstanceQuery};
use unicloud_core::Provider;
use unicloud_tencent::generated::cvm;
use unicloud_testkit::bench_args::BenchArgs;

#[derive(Debug, Clone)]
struct Opts {
    rounds: usize,
    requests: usize,
    instances: usize,
    providers: Vec<Provider>,
}

fn parse_provider(name: &str) -> Vec<Provider> {
    match name.trim().to_ascii_lowercase().as_str() {
        "" | "all" => vec![Provider::Aws, Provider::Tencent, Provider::Alibaba],
        "aws" => vec![Provider::Aws],
        "tencent" => vec![Provider::Tencent],
        "alibaba" => vec![Provider::Alibaba],
        other => panic!("--provider: unknown provider `{other}` (aws, tencent, alibaba, all)"),
    }
}

fn parse_opts() -> Opts {
    let a = BenchArgs::from_env();
    Opts {
        rounds: a.number("--rounds", "UNICLOUD_BENCH_ROUNDS", 10).max(1),
        requests: a
            .number("--requests", "UNICLOUD_BENCH_REQUESTS", 200)
            .max(1),
        instances: a
            .number("--instances", "UNICLOUD_BENCH_INSTANCES", 1000)
            .max(PAGE),
        providers: parse_provider(
            &a.value("--provider", "UNICLOUD_BENCH_PROVIDER")
                .unwrap_or_default(),
        ),
    }
}

/// Requests per side sent before measuring.
fn warm_up(opts: &Opts) -> usize {
    opts.requests.clamp(10, 50)
}

/// Sends `n` requests one after another, recording each one's time; every call must return a
/// full page.
async fn run_side<F, Fut>(call: &F, n: usize, samples: &mut Vec<Duration>)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<usize, String>>,
{
    for _ in 0..n {
        let t = Instant::now();
        let got = call().await;
        samples.push(t.elapsed());
        match got {
            Ok(PAGE) => {}
            Ok(other) => panic!("a page of {other} instances instead of {PAGE}"),
            Err(e) => panic!("request failed: {e}"),
        }
    }
}

/// What one provider measured.
struct Row {
    provider: Provider,
    unified: f64,
    direct: f64,
    round_ratios: Vec<f64>,
}

/// Interleaved rounds of `unified` and `direct`, alternating which goes first.
async fn compare<U, UF, D, DF>(opts: &Opts, provider: Provider, unified: U, direct: D) -> Row
where
    U: Fn() -> UF,
    UF: Future<Output = Result<usize, String>>,
    D: Fn() -> DF,
    DF: Future<Output = Result<usize, String>>,
{
    // Warm-up, not counted: connection pools, credential caches, lazy initialisation.
    let warm = warm_up(opts);
    let mut scratch = Vec::new();
    run_side(&unified, warm, &mut scratch).await;
    run_side(&direct, warm, &mut scratch).await;

    let (mut all_u, mut all_d) = (Vec::new(), Vec::new());
    let mut round_ratios = Vec::new();
    for round in 0..opts.rounds {
        let (mut u, mut d) = (Vec::new(), Vec::new());
        if round % 2 == 0 {
            run_side(&unified, opts.requests, &mut u).await;
            run_side(&direct, opts.requests, &mut d).await;
        } else {
            run_side(&direct, opts.requests, &mut d).await;
            run_side(&unified, opts.requests, &mut u).await;
        }
        all_u.extend_from_slice(&u);
        all_d.extend_from_slice(&d);
        round_ratios.push(median(&mut u) / median(&mut d));
    }
    let row = Row {
        provider,
        unified: median(&mut all_u),
        direct: median(&mut all_d),
        round_ratios,
    };
    eprintln!(
        "  {provider}: unified {:.1} µs, direct {:.1} µs",
        row.unified * 1e6,
        row.direct * 1e6
    );
    row
}

fn page_size() -> i32 {
    i32::try_from(PAGE).unwrap_or(100)
}

async fn aws(opts: &Opts, url: &str) -> Row {
    let client = aws_client(url).await.expect("the AWS client");
    let compute = Compute::aws(&client).with_page_size(PAGE);
    // The SDK client as a user builds it: same credentials, region, endpoint and HTTP client,
    // the SDK's default (standard) retries.
    let sdk = aws_sdk_ec2::Client::new(client.sdk_config());
    let (c, s) = (&compute, &sdk);
    compare(
        opts,
        Provider::Aws,
        || async move { unified_page(c).await },
        || async move {
            let out = s
                .describe_instances()
                .max_results(page_size())
                .send()
                .await
                .map_err(|e| aws_sdk_ec2::error::DisplayErrorContext(e).to_string())?;
            Ok(out.reservations().iter().map(|r| r.instances().len()).sum())
        },
    )
    .await
}

async fn tencent(opts: &Opts, url: &str) -> Row {
    let client = tencent_client(url).expect("the Tencent client");
    // The same client (and connection pool) on both sides.
    let compute = Compute::tencent(&client).with_page_size(PAGE);
    let (c, t) = (&compute, &client);
    compare(
        opts,
        Provider::Tencent,
        || async move { unified_page(c).await },
        || async move {
            let req = cvm::DescribeInstancesRequest {
                offset: Some(0),
                limit: Some(i64::from(page_size())),
                ..Default::default()
            };
            let out = t.call(&req).await.map_err(|e| e.to_string())?;
            Ok(out.instance_set.map_or(0, |s| s.len()))
        },
    )
    .await
}

async fn alibaba(opts: &Opts, url: &str) -> Row {
    let client = alibaba_client(url).expect("the Alibaba client");
    // The same client (and connection pool) on both sides.
    let compute = Compute::alibaba(&client).with_page_size(PAGE);
    let (c, a) = (&compute, &client);
    compare(
        opts,
        Provider::Alibaba,
        || async move { unified_page(c).await },
        || async move {
            let req = ecs::DescribeInstancesRequest {
                region_id: ALIBABA_REGION.to_owned(),
                max_results: Some(page_size()),
                ..Default::default()
            };
            let out = a.call(&req).await.map_err(|e| e.to_string())?;
            Ok(out
                .instances
                .and_then(|i| i.instance)
                .map_or(0, |i| i.len()))
        },
    )
    .await
}

/// The unified side: the first page of the describe stream (the stream asks for the next page
/// only once this one has been consumed, so this is one request).
async fn unified_page(compute: &Compute) -> Result<usize, String> {
    let page: Vec<_> = compute
        .describe_instances(InstanceQuery::all())
        .map_err(|e| e.to_string())?
        .take(PAGE)
        .try_collect()
        .await
        .map_err(|e| e.to_string())?;
    Ok(page.len())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let opts = parse_opts();
    let emu = seeded_emulator(opts.instances, &opts.providers)
        .await
        .expect("start and seed the emulator");
    let url = emu.base_url();
    println!(
        "unicloud-bench unified: DescribeInstances, one page of {PAGE}, {} instances per cloud; \
         {} rounds x {} requests per side, order alternating; {} worker threads",
        opts.instances,
        opts.rounds,
        opts.requests,
        std::thread::available_parallelism().map_or(1, usize::from),
    );
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for &p in &opts.providers {
        rows.push(match p {
            Provider::Tencent => tencent(&opts, &url).await,
            Provider::Alibaba => alibaba(&opts, &url).await,
            _ => aws(&opts, &url).await,
        });
        // Each iteration of either side must have been exactly one request.
        let seen = emu
            .request_counts()
            .get(p, region_name(p), "DescribeInstances");
        let expected = 2 * (warm_up(&opts) + opts.rounds * opts.requests);
        if u64::try_from(expected).ok() != Some(seen) {
            notes.push(format!(
                "note: {p}: the emulator saw {seen} DescribeInstances requests, {expected} expected \
                 (one per iteration): the figures are not per request"
            ));
        }
    }
    emu.shutdown().await;

    println!(
        "\n{:<8} {:>14} {:>14} {:>9} {:>20}",
        "cloud", "unified µs", "direct µs", "ratio", "round ratios min..max"
    );
    println!("{}", "-".repeat(69));
    for r in &rows {
        let lo = r.round_ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = r
            .round_ratios
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        println!(
            "{:<8} {:>14.1} {:>14.1} {:>9.3} {:>13.3}..{:.3}",
            r.provider.to_string(),
            r.unified * 1e6,
            r.direct * 1e6,
            r.unified / r.direct,
            lo,
            hi
        );
    }
    for n in &notes {
        println!("{n}");
    }
    println!(
        "\nratio = median unified / median direct over all requests (goal: within 3%, i.e. \
         at most 1.03); the per-round ratios show the noise. Client-side rate limits off."
    );
}

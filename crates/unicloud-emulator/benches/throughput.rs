//! Throughput of the emulator, per cloud, through the real client stacks (so signing and
//! response parsing are part of every figure), optionally side by side with a moto server.
//!
//! ```text
//! cargo bench -p unicloud-emulator --bench throughput
//! cargo bench -p unicloud-emulator --bench throughput -- --moto http://127.0.0.1:5000
//! .ci/bench-vs-moto.sh            # starts moto in ./.venv and runs the line above
//! ```
//!
//! Options (flag, else environment variable, else default):
//!
//! | flag | env | default | meaning |
//! |---|---|---|---|
//! | `--moto URL` | `UNICLOUD_BENCH_MOTO` | none | also run the AWS scenarios against moto |
//! | `--requests N` | `UNICLOUD_BENCH_REQUESTS` | 2000 | requests per scenario |
//! | `--concurrency C` | `UNICLOUD_BENCH_CONCURRENCY` | 16 | concurrent client tasks |
//! | `--instances N` | `UNICLOUD_BENCH_INSTANCES` | 200 | instances seeded per cloud |
//! | `--max-seconds S` | `UNICLOUD_BENCH_MAX_SECONDS` | 20 | stop issuing a scenario's requests after S s |
//!
//! Scenarios, each for every cloud: `describe` is DescribeInstances for one page of 100
//! instances; `run+terminate` is a RunInstances of one instance followed by its
//! TerminateInstances (ECS: DeleteInstances with Force), both calls counted and timed.
//! Nothing here asserts on time: it prints figures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_ec2::config::retry::RetryConfig;
use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::ecs;
use unicloud_aws::{AwsConfigOptions, load_sdk_config};
use unicloud_core::{ClientConfig, Credentials, Provider, Region, RetryPolicy};
use unicloud_emulator::{DEMO_KEYS, Emulator, Instance};
use unicloud_tencent::client::TencentClient;
use unicloud_tencent::generated::cvm;
use unicloud_testkit::bench_args::BenchArgs;

const AWS_REGION: &str = "us-east-1";
const TENCENT_REGION: &str = "ap-guangzhou";
const ALIBABA_REGION: &str = "cn-hangzhou";
const PAGE: i32 = 100;

/// moto's own documentation uses these for its signature-checks-off default.
const MOTO_KEY: (&str, &str) = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
);

#[derive(Debug, Clone)]
struct Opts {
    moto: Option<String>,
    requests: usize,
    concurrency: usize,
    instances: usize,
    max_seconds: u64,
}

fn parse_opts() -> Opts {
    let a = BenchArgs::from_env();
    Opts {
        moto: a.value("--moto", "UNICLOUD_BENCH_MOTO"),
        requests: a
            .number("--requests", "UNICLOUD_BENCH_REQUESTS", 2000)
            .max(1),
        concurrency: a
            .number("--concurrency", "UNICLOUD_BENCH_CONCURRENCY", 16)
            .max(1),
        instances: a.number("--instances", "UNICLOUD_BENCH_INSTANCES", 200),
        max_seconds: a.number("--max-seconds", "UNICLOUD_BENCH_MAX_SECONDS", 20) as u64,
    }
}

/// One call of a scenario: the number of requests it made (a run+terminate pair is two).
type Call = Pin<Box<dyn Future<Output = Result<usize, String>> + Send>>;
/// Makes one [`Call`]; shared by the concurrent tasks.
type CallFn = Arc<dyn Fn() -> Call + Send + Sync>;
/// A named scenario.
type Scenario = (&'static str, CallFn);

/// What one scenario measured.
struct Figures {
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    elapsed: Duration,
    /// Per-request latencies (a pair's two calls each count).
    latencies: Vec<Duration>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank =
            ((p * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1].as_secs_f64() * 1e3
    }
}

/// Runs `call` from `concurrency` tasks until `total` requests are made or `max` has passed.
/// A call making several requests records its time split evenly over them.
async fn drive(total: usize, concurrency: usize, max: Duration, call: CallFn) -> Figures {
    let issued = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + max;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let issued = issued.clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut ok, mut errors, mut first_error) = (0usize, 0usize, None);
            while issued.fetch_add(1, Ordering::Relaxed) < total && Instant::now() < deadline {
                let t = Instant::now();
                match call().await {
                    Ok(n) => {
                        let each = t.elapsed() / u32::try_from(n.max(1)).unwrap_or(1);
                        lat.extend(std::iter::repeat_n(each, n));
                        ok += n;
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (lat, ok, errors, first_error)
        }));
    }
    let mut f = Figures {
        requests: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (lat, ok, errors, first) = t.await.expect("bench task");
        f.latencies.extend(lat);
        f.requests += ok;
        f.errors += errors;
        if f.first_error.is_none() {
            f.first_error = first;
        }
    }
    f.elapsed = start.elapsed();
    f.latencies.sort_unstable();
    f
}

fn tencent_client(url: &str, id: &str, secret: &str) -> TencentClient {
    TencentClient::builder(Region::new(Provider::Tencent, TENCENT_REGION).unwrap())
        .credentials(Credentials::new(id, secret))
        .config(bench_config(url))
        .build()
        .unwrap()
}

fn alibaba_client(url: &str, id: &str, secret: &str) -> AlibabaClient {
    AlibabaClient::builder(Region::new(Provider::Alibaba, ALIBABA_REGION).unwrap())
        .credentials(Credentials::new(id, secret))
        .config(bench_config(url))
        .build()
        .unwrap()
}

fn bench_config(url: &str) -> ClientConfig {
    ClientConfig::default()
        .with_endpoint(url)
        .unwrap()
        .with_retry(RetryPolicy::disabled())
}

async fn aws_client(url: &str, id: &str, secret: &str) -> aws_sdk_ec2::Client {
    let sdk = load_sdk_config(&AwsConfigOptions {
        explicit: Some(Credentials::new(id, secret)),
        region: Some(Region::new(Provider::Aws, AWS_REGION).unwrap()),
        endpoint: Some(url.to_owned()),
        ..AwsConfigOptions::default()
    })
    .await;
    let conf = aws_sdk_ec2::config::Builder::from(&sdk)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

fn key(p: Provider) -> (&'static str, &'static str) {
    DEMO_KEYS
        .iter()
        .find(|(q, _, _)| *q == p)
        .map(|(_, id, s)| (*id, *s))
        .expect("a demo key per cloud")
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The AWS scenarios; `seed_with_api` seeds by RunInstances (one instance per call, so moto's
/// reservation paging and the emulator's instance paging return the same page).
fn aws_scenarios(client: aws_sdk_ec2::Client) -> [Scenario; 2] {
    let c1 = client.clone();
    let describe: CallFn = Arc::new(move || {
        let c = c1.clone();
        Box::pin(async move {
            c.describe_instances()
                .max_results(PAGE)
                .send()
                .await
                .map_err(|e| err(aws_sdk_ec2::error::DisplayErrorContext(e)))?;
            Ok(1)
        })
    });
    let c2 = client;
    let pair: CallFn = Arc::new(move || {
        let c = c2.clone();
        Box::pin(async move {
            let id = aws_run(&c).await?;
            c.terminate_instances()
                .instance_ids(id)
                .send()
                .await
                .map_err(|e| err(aws_sdk_ec2::error::DisplayErrorContext(e)))?;
            Ok(2)
        })
    });
    [("describe", describe), ("run+terminate", pair)]
}

async fn aws_run(c: &aws_sdk_ec2::Client) -> Result<String, String> {
    let out = c
        .run_instances()
        .image_id("ami-0abcdef1234567890")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .map_err(|e| err(aws_sdk_ec2::error::DisplayErrorContext(e)))?;
    out.instances()
        .first()
        .and_then(|i| i.instance_id())
        .map(str::to_owned)
        .ok_or_else(|| "RunInstances returned no instance".to_owned())
}

fn tencent_scenarios(client: TencentClient) -> [Scenario; 2] {
    let client = Arc::new(client);
    let c1 = client.clone();
    let describe: CallFn = Arc::new(move || {
        let c = c1.clone();
        Box::pin(async move {
            let req = cvm::DescribeInstancesRequest {
                limit: Some(i64::from(PAGE)),
                ..Default::default()
            };
            c.call(&req).await.map_err(err)?;
            Ok(1)
        })
    });
    let c2 = client;
    let pair: CallFn = Arc::new(move || {
        let c = c2.clone();
        Box::pin(async move {
            let run = cvm::RunInstancesRequest {
                placement: Some(cvm::Placement {
                    zone: Some(format!("{TENCENT_REGION}-3")),
                    ..Default::default()
                }),
                image_id: Some("img-pi0ii46r".to_owned()),
                instance_type: Some("S5.MEDIUM2".to_owned()),
                instance_count: Some(1),
                ..Default::default()
            };
            let out = c.call(&run).await.map_err(err)?;
            let ids = out.instance_id_set.unwrap_or_default();
            if ids.is_empty() {
                return Err("RunInstances returned no instance".to_owned());
            }
            let term = cvm::TerminateInstancesRequest {
                instance_ids: ids,
                ..Default::default()
            };
            c.call(&term).await.map_err(err)?;
            Ok(2)
        })
    });
    [("describe", describe), ("run+terminate", pair)]
}

fn alibaba_scenarios(client: AlibabaClient) -> [Scenario; 2] {
    let client = Arc::new(client);
    let c1 = client.clone();
    let describe: CallFn = Arc::new(move || {
        let c = c1.clone();
        Box::pin(async move {
            let req = ecs::DescribeInstancesRequest {
                region_id: ALIBABA_REGION.to_owned(),
                page_size: Some(PAGE),
                ..Default::default()
            };
            c.call(&req).await.map_err(err)?;
            Ok(1)
        })
    });
    let c2 = client;
    let pair: CallFn = Arc::new(move || {
        let c = c2.clone();
        Box::pin(async move {
            let run = ecs::RunInstancesRequest {
                region_id: ALIBABA_REGION.to_owned(),
                image_id: Some("aliyun_3_x64_20G_alibase_20240819.vhd".to_owned()),
                instance_type: Some("ecs.g7.large".to_owned()),
                amount: Some(1),
                ..Default::default()
            };
            let out = c.call(&run).await.map_err(err)?;
            let ids = out
                .instance_id_sets
                .and_then(|s| s.instance_id_set)
                .unwrap_or_default();
            if ids.is_empty() {
                return Err("RunInstances returned no instance".to_owned());
            }
            let del = ecs::DeleteInstancesRequest {
                region_id: ALIBABA_REGION.to_owned(),
                instance_id: ids,
                force: Some(true),
                ..Default::default()
            };
            c.call(&del).await.map_err(err)?;
            Ok(2)
        })
    });
    [("describe", describe), ("run+terminate", pair)]
}

struct Row {
    target: &'static str,
    cloud: &'static str,
    scenario: &'static str,
    figures: Figures,
}

fn print_table(rows: &[Row]) {
    println!(
        "\n{:<9} {:<8} {:<14} {:>8} {:>6} {:>9} {:>8} {:>8} {:>8}",
        "target", "cloud", "scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"
    );
    println!("{}", "-".repeat(86));
    for r in rows {
        let f = &r.figures;
        println!(
            "{:<9} {:<8} {:<14} {:>8} {:>6} {:>9.0} {:>8.2} {:>8.2} {:>8.2}",
            r.target,
            r.cloud,
            r.scenario,
            f.requests,
            f.errors,
            f.rate(),
            f.percentile(0.50),
            f.percentile(0.95),
            f.percentile(0.99),
        );
    }
    for r in rows {
        if let Some(e) = &r.figures.first_error {
            println!(
                "note: {} {} {}: {} errors, first: {e}",
                r.target, r.cloud, r.scenario, r.figures.errors
            );
        }
    }
}

async fn run_scenarios(
    opts: &Opts,
    target: &'static str,
    cloud: &'static str,
    scenarios: [Scenario; 2],
    rows: &mut Vec<Row>,
) {
    for (scenario, call) in scenarios {
        // A short warm-up (connection pools, lazy initialisation), not counted.
        let _ = drive(
            opts.concurrency * 2,
            opts.concurrency,
            Duration::from_secs(5),
            call.clone(),
        )
        .await;
        // `requests` counts requests: a run+terminate call makes two.
        let per_call = if scenario == "run+terminate" { 2 } else { 1 };
        let figures = drive(
            opts.requests.div_ceil(per_call),
            opts.concurrency,
            Duration::from_secs(opts.max_seconds),
            call,
        )
        .await;
        eprintln!(
            "  {target} {cloud} {scenario}: {} requests in {:.2} s",
            figures.requests,
            figures.elapsed.as_secs_f64()
        );
        rows.push(Row {
            target,
            cloud,
            scenario,
            figures,
        });
    }
}

/// Seeds `n` instances on moto with one RunInstances each, `concurrency` at a time.
async fn seed_moto(client: &aws_sdk_ec2::Client, n: usize, concurrency: usize) -> usize {
    let call: CallFn = {
        let c = client.clone();
        Arc::new(move || {
            let c = c.clone();
            Box::pin(async move { aws_run(&c).await.map(|_| 1) })
        })
    };
    let f = drive(n, concurrency, Duration::from_secs(120), call).await;
    if let Some(e) = f.first_error {
        eprintln!("  moto seeding: {} errors, first: {e}", f.errors);
    }
    f.requests
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let opts = parse_opts();
    let emu = Emulator::builder()
        .demo_keys()
        .transition_delay(Duration::ZERO)
        .start()
        .await
        .expect("start the emulator");
    let url = emu.base_url();
    for (p, region, prefix) in [
        (Provider::Aws, AWS_REGION, "i-0"),
        (Provider::Tencent, TENCENT_REGION, "ins-"),
        (Provider::Alibaba, ALIBABA_REGION, "i-bp1"),
    ] {
        for n in 0..opts.instances {
            let id = match p {
                Provider::Tencent => format!("{prefix}{n:08x}"),
                _ => format!("{prefix}{n:016x}"),
            };
            emu.seed_instance(p, Instance::template(p, region, &id));
        }
    }
    println!(
        "unicloud-emulator throughput: {} instances seeded per cloud, up to {} requests per \
         scenario (at most {} s), {} concurrent tasks, {} worker threads",
        opts.instances,
        opts.requests,
        opts.max_seconds,
        opts.concurrency,
        std::thread::available_parallelism().map_or(1, usize::from),
    );
    println!(
        "clients: aws-sdk-ec2 (SigV4), unicloud_tencent::TencentClient (TC3), \
         unicloud_alibaba::AlibabaClient (ACS3); retries off; latency = one request, \
         signing and parsing included"
    );

    let mut rows = Vec::new();
    let (id, secret) = key(Provider::Aws);
    let aws = aws_client(&url, id, secret).await;
    run_scenarios(&opts, "emulator", "aws", aws_scenarios(aws), &mut rows).await;
    let (id, secret) = key(Provider::Tencent);
    let tc = tencent_client(&url, id, secret);
    run_scenarios(
        &opts,
        "emulator",
        "tencent",
        tencent_scenarios(tc),
        &mut rows,
    )
    .await;
    let (id, secret) = key(Provider::Alibaba);
    let ali = alibaba_client(&url, id, secret);
    run_scenarios(
        &opts,
        "emulator",
        "alibaba",
        alibaba_scenarios(ali),
        &mut rows,
    )
    .await;

    if let Some(moto) = &opts.moto {
        let moto = moto.trim_end_matches('/').to_owned();
        let client = aws_client(&moto, MOTO_KEY.0, MOTO_KEY.1).await;
        let seeded = seed_moto(&client, opts.instances, opts.concurrency).await;
        eprintln!("  moto: seeded {seeded} instances (one reservation each) at {moto}");
        run_scenarios(&opts, "moto", "aws", aws_scenarios(client), &mut rows).await;
    }
    emu.shutdown().await;

    print_table(&rows);
    if opts.moto.is_some() {
        println!(
            "\nmoto runs with its default settings (signature checks off); the emulator checks \
             every signature. DescribeInstances asks for MaxResults=100 on both (moto pages by \
             reservation; each instance seeded on moto is a reservation of its own)."
        );
    } else {
        println!(
            "\nfor moto side by side: .ci/bench-vs-moto.sh (or --moto URL / UNICLOUD_BENCH_MOTO)"
        );
    }
}

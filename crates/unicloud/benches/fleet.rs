//! Client memory and speed when listing a fleet: is the client's memory flat in the number of
//! instances?
//!
//! ```text
//! cargo bench -p unicloud --bench fleet
//! cargo bench -p unicloud --bench fleet -- --sizes 1000,10000,50000,100000 --providers tencent
//! ```
//!
//! For each provider and each size N, the parent process starts the emulator in-process
//! (demo keys, no faults), seeds N instances in one region, and spawns a child process (this
//! same binary, re-executed with `--child …`). The child builds a [`unicloud::Cloud`] for the
//! emulator and streams `compute().describe_instances(InstanceQuery::all())` to the end
//! without collecting it, counting the instances; it reads its own peak resident set size
//! (`VmHWM` in `/proc/self/status`) before the listing and after it, and times the listing.
//! The parent prints one row per run: provider, N, round trips (the `DescribeInstances`
//! requests the emulator counted), seconds, instances per second, and the child's peak RSS
//! before and after (and its growth). The client's rate limiter is turned off
//! (`RateLimits::disabled()`): the figures are the client's, not the vendor's published
//! request rate. Pages are the vendor's largest unless `--page` says otherwise. Linux only
//! (`/proc`); it prints figures and asserts nothing.
//!
//! Options (flag, else environment variable, else default):
//!
//! | flag | env | default | meaning |
//! |---|---|---|---|
//! | `--sizes N,N,…` | `UNICLOUD_FLEET_SIZES` | `1000,10000,50000` | fleet sizes |
//! | `--providers P,…` | `UNICLOUD_FLEET_PROVIDERS` | `aws,tencent,alibaba` | providers |
//! | `--page N` | `UNICLOUD_FLEET_PAGE` | the vendor's largest | page size asked for |

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

use std::process::Command;
use std::time::Instant;

use futures::TryStreamExt;
use unicloud::base::ratelimit::RateLimits;
use unicloud::base::{Credentials, Provider};
use unicloud::compute::InstanceQuery;
use unicloud_emulator::{DEMO_KEYS, Emulator, Instance};

/// The region every run lists.
fn region_of(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "us-east-1",
        Provider::Tencent => "ap-guangzhou",
        _ => "cn-hangzhou",
    }
}

/// The value after `--name` in the arguments, else the environment variable `env`.
fn option(args: &[String], name: &str, env: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
}

/// `VmHWM` (peak resident set size) of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// What a child reports on its last line of output.
struct ChildReport {
    items: u64,
    seconds: f64,
    hwm_before_kib: u64,
    hwm_after_kib: u64,
}

impl ChildReport {
    fn line(&self) -> String {
        format!(
            "FLEET-CHILD items={} seconds={} hwm_before_kib={} hwm_after_kib={}",
            self.items, self.seconds, self.hwm_before_kib, self.hwm_after_kib
        )
    }

    fn parse(text: &str) -> Option<Self> {
        let line = text.lines().rev().find(|l| l.starts_with("FLEET-CHILD "))?;
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        };
        Some(Self {
            items: field("items")?.parse().ok()?,
            seconds: field("seconds")?.parse().ok()?,
            hwm_before_kib: field("hwm_before_kib")?.parse().ok()?,
            hwm_after_kib: field("hwm_after_kib")?.parse().ok()?,
        })
    }
}

/// The child: lists every instance of `provider` at `endpoint` and prints a [`ChildReport`].
fn child(args: &[String]) {
    let provider: Provider = option(args, "--provider", "-")
        .expect("--provider")
        .parse()
        .expect("a provider");
    let endpoint = option(args, "--endpoint", "-").expect("--endpoint");
    let page: Option<usize> = option(args, "--page", "-").map(|p| p.parse().expect("--page N"));
    let (_, id, secret) = DEMO_KEYS
        .iter()
        .find(|(p, _, _)| *p == provider)
        .copied()
        .expect("a demo key");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let report = rt.block_on(async {
        let cloud = unicloud::Cloud::builder(provider)
            .region(region_of(provider))
            .credentials(Credentials::new(id, secret))
            .endpoint(endpoint)
            .rate_limits(RateLimits::disabled())
            .build()
            .await
            .expect("a cloud");
        let compute = match page {
            Some(n) => cloud.compute().with_page_size(n),
            None => cloud.compute(),
        };
        let hwm_before_kib = peak_rss_kib();
        let started = Instant::now();
        let mut stream = compute
            .describe_instances(InstanceQuery::all())
            .expect("a stream");
        let mut items = 0u64;
        while let Some(instance) = stream.try_next().await.expect("a page") {
            items += 1;
            drop(instance);
        }
        let seconds = started.elapsed().as_secs_f64();
        ChildReport {
            items,
            seconds,
            hwm_before_kib,
            hwm_after_kib: peak_rss_kib(),
        }
    });
    println!("{}", report.line());
}

/// One run: a fresh emulator with `n` instances, listed by a child process.
async fn run(provider: Provider, n: usize, page: Option<usize>) -> (u64, ChildReport) {
    let emu = Emulator::builder()
        .listen("127.0.0.1:0".parse().expect("an address"))
        .start()
        .await
        .expect("the emulator starts");
    let region = region_of(provider);
    let seeded = emu.seed_instances(
        provider,
        region,
        n,
        &Instance::template(provider, region, ""),
    );
    drop(seeded);
    emu.reset_request_counts();
    let mut args = vec![
        "--child".to_owned(),
        "--provider".to_owned(),
        provider.to_string(),
        "--endpoint".to_owned(),
        emu.base_url(),
    ];
    if let Some(p) = page {
        args.extend(["--page".to_owned(), p.to_string()]);
    }
    let exe = std::env::current_exe().expect("this binary");
    let out = tokio::task::spawn_blocking(move || Command::new(exe).args(&args).output())
        .await
        .expect("the child's thread")
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = ChildReport::parse(&stdout).unwrap_or_else(|| {
        panic!(
            "{provider} N={n}: the child reported nothing ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let trips = emu
        .request_counts()
        .get(provider, region, "DescribeInstances");
    emu.shutdown().await;
    (trips, report)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--child") {
        child(&args);
        return;
    }
    let sizes: Vec<usize> = option(&args, "--sizes", "UNICLOUD_FLEET_SIZES")
        .unwrap_or_else(|| "1000,10000,50000".to_owned())
        .split(',')
        .map(|s| s.trim().replace('_', "").parse().expect("--sizes N,N,..."))
        .collect();
    let providers: Vec<Provider> = option(&args, "--providers", "UNICLOUD_FLEET_PROVIDERS")
        .unwrap_or_else(|| "aws,tencent,alibaba".to_owned())
        .split(',')
        .map(|s| s.trim().parse().expect("--providers aws,tencent,alibaba"))
        .collect();
    let page: Option<usize> =
        option(&args, "--page", "UNICLOUD_FLEET_PAGE").map(|p| p.parse().expect("--page N"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    println!(
        "fleet listing: a child process streams describe_instances(all) from the in-process emulator (page: {})",
        page.map_or_else(|| "the vendor's largest".to_owned(), |p| p.to_string())
    );
    println!(
        "{:<8} {:>7} {:>6} {:>8} {:>12} {:>14} {:>14} {:>8}",
        "provider",
        "N",
        "trips",
        "seconds",
        "instances/s",
        "RSS before KiB",
        "peak RSS KiB",
        "growth"
    );
    for provider in &providers {
        for &n in &sizes {
            let (trips, r) = rt.block_on(run(*provider, n, page));
            if r.items != n as u64 {
                println!("{provider} N={n}: the child listed {} instances", r.items);
            }
            let rate = if r.seconds > 0.0 {
                r.items as f64 / r.seconds
            } else {
                0.0
            };
            println!(
                "{:<8} {:>7} {:>6} {:>8.3} {:>12.0} {:>14} {:>14} {:>8}",
                provider.to_string(),
                n,
                trips,
                r.seconds,
                rate,
                r.hwm_before_kib,
                r.hwm_after_kib,
                r.hwm_after_kib.saturating_sub(r.hwm_before_kib)
            );
        }
    }
}

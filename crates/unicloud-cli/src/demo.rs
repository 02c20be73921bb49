//! `unicloud demo`: the whole idea in one command, on the embedded emulator.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures::future::try_join_all;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use unicloud::Cloud;
use unicloud::base::{Credentials, Error, ErrorKind, Provider, RetryPolicy};
use unicloud::compute::{Compute, CreateInstancesSpec, Filters, InstanceState, StopMode};
use unicloud::network::{ChangeReport, Cidr, Network, RouteChange, RouteLeft, RouteTarget};
use unicloud::storage::{MIB, Storage, UploadOptions, UploadResult};
use unicloud_emulator::{DEMO_KEYS, Emulator, FaultConfig, FaultRule, NetworkSeed};

use crate::common;
use crate::compute::instance_table;

/// Flags of `unicloud demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// How long each transition (pending → running, ...) takes on the emulator, in ms.
    #[arg(long, default_value_t = 1200)]
    pub(crate) transition_delay_ms: u64,
    /// Instances per cloud.
    #[arg(long, default_value_t = 2)]
    pub(crate) count: u32,
}

/// What each cloud runs in the demo: region, image, instance type, zone.
fn demo_target(p: Provider) -> (&'static str, &'static str, &'static str, &'static str) {
    match p {
        Provider::Aws => (
            "us-east-1",
            "ami-0abcdef1234567890",
            "t3.micro",
            "us-east-1a",
        ),
        Provider::Tencent => (
            "ap-guangzhou",
            "img-pi0ii46r",
            "S5.MEDIUM2",
            "ap-guangzhou-3",
        ),
        _ => (
            "cn-hangzhou",
            "aliyun_3_x64_20G_alibase_20240819.vhd",
            "ecs.g7.large",
            "cn-hangzhou-i",
        ),
    }
}

/// The demo's network on each cloud, seeded into the emulator: (VPC, its main route table,
/// subnet, VPC CIDR, subnet CIDR), ids in each vendor's shape.
fn demo_network(
    p: Provider,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    match p {
        Provider::Aws => (
            "vpc-0de0000000000000d",
            "rtb-0de0000000000000d",
            "subnet-0de0000000000000d",
            "10.0.0.0/16",
            "10.0.1.0/24",
        ),
        Provider::Tencent => (
            "vpc-demo0001",
            "rtb-demo0001",
            "subnet-demo0001",
            "10.1.0.0/16",
            "10.1.1.0/24",
        ),
        _ => (
            "vpc-demo0001",
            "vtb-demo0001",
            "vsw-demo0001",
            "10.2.0.0/16",
            "10.2.1.0/24",
        ),
    }
}

/// The vendor action that changes one route (Tencent: a whole batch, atomically).
fn replace_action(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "ReplaceRoute",
        Provider::Tencent => "ReplaceRoutes",
        _ => "ModifyRouteEntry",
    }
}

/// Fault rules that refuse the demo's third batch of route changes part-way: the second
/// route of it where routes change one by one (calls 1–2 are the first batch, 3 the first
/// route of the third), the whole call on Tencent Cloud (call 2).
fn demo_faults() -> FaultConfig {
    let mut faults = FaultConfig::default();
    for p in [Provider::Aws, Provider::Tencent, Provider::Alibaba] {
        let after = if p == Provider::Tencent { 1 } else { 3 };
        faults = faults.rule(
            FaultRule::new(Some(p), replace_action(p))
                .after(after)
                .times(1)
                .reject(1.0),
        );
    }
    faults
}

/// Routes on one cloud: two routes to the first instance, both moved to the last, then a
/// move back that the emulator refuses part-way — rolled back (or refused whole) — and the
/// routes deleted. Prints what happened.
async fn routes(network: &Network, p: Provider, ids: &[String]) -> Result<(), Error> {
    let (_, table, ..) = demo_network(p);
    let (first, last) = match (ids.first(), ids.last()) {
        (Some(f), Some(l)) => (RouteTarget::instance(f), RouteTarget::instance(l)),
        _ => return Ok(()),
    };
    let dests = ["10.8.0.0/16", "10.9.0.0/16"];
    let to = |t: &RouteTarget| -> Result<Vec<RouteChange>, Error> {
        dests
            .iter()
            .map(|d| RouteChange::new(d, t.clone()))
            .collect()
    };
    let label = p.display_name();
    network.create_routes(table, &to(&first)?).await?;
    for u in network.replace_routes(table, &to(&last)?).await? {
        let show = |t: &Option<RouteTarget>| t.as_ref().map_or("-".to_owned(), ToString::to_string);
        println!(
            "  {label:<14} {} {} → {}",
            u.destination,
            show(&u.previous),
            show(&u.current)
        );
    }
    let before = network.route_table(table).await?.routes;
    match network.replace_routes(table, &to(&first)?).await {
        Ok(_) => println!("  {label:<14} (the injected fault did not fire)"),
        Err(e) => match ChangeReport::of(&e) {
            Some(report) => {
                let back: Vec<String> = report
                    .routes
                    .iter()
                    .filter(|r| r.left == RouteLeft::RolledBack)
                    .map(|r| r.destination.to_string())
                    .collect();
                println!(
                    "  {label:<14} moving back refused at the 2nd route; rolled back {} ✓",
                    back.join(", ")
                );
            }
            None => {
                println!("  {label:<14} moving back refused: one atomic call, nothing changed ✓")
            }
        },
    }
    if network.route_table(table).await?.routes != before {
        return Err(Error::new(
            ErrorKind::Other,
            format!("{label}: the table changed after a refused batch"),
        ));
    }
    let cidrs: Vec<Cidr> = dests.iter().map(|d| d.parse()).collect::<Result<_, _>>()?;
    network.delete_routes(table, &cidrs).await?;
    Ok(())
}

/// One line per cloud: a live spinner on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
}

impl Progress {
    fn new(multi: &MultiProgress, label: &'static str) -> Self {
        if !std::io::stdout().is_terminal() {
            return Self { bar: None, label };
        }
        let bar = multi.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("  {spinner} {prefix:<14} {msg}") {
            bar.set_style(style);
        }
        bar.set_prefix(label);
        bar.enable_steady_tick(Duration::from_millis(90));
        Self {
            bar: Some(bar),
            label,
        }
    }

    fn step(&self, msg: String) {
        match &self.bar {
            Some(b) => b.set_message(msg),
            None => println!("  {:<14} {msg}", self.label),
        }
    }

    fn done(&self, msg: String) {
        match &self.bar {
            Some(b) => b.finish_with_message(msg),
            None => println!("  {:<14} {msg}", self.label),
        }
    }
}

async fn lifecycle(
    compute: &Compute,
    spec: &CreateInstancesSpec,
    progress: &Progress,
) -> Result<Vec<String>, Error> {
    let wait = Duration::from_secs(60);
    progress.step(format!("creating {} instances…", spec.count));
    let ids = compute.create_instances(spec).await?;
    progress.step(format!("{} pending → waiting for running", ids.join(", ")));
    compute
        .wait_until(&ids, InstanceState::Running, wait)
        .await?;
    progress.done(format!("{} running", ids.join(", ")));
    Ok(ids)
}

async fn cycle(compute: &Compute, ids: &[String], progress: &Progress) -> Result<(), Error> {
    let wait = Duration::from_secs(60);
    progress.step("stopping…".to_owned());
    compute.stop_instances(ids, StopMode::Graceful).await?;
    compute
        .wait_until(ids, InstanceState::Stopped, wait)
        .await?;
    progress.step("stopped → starting…".to_owned());
    compute.start_instances(ids).await?;
    compute
        .wait_until(ids, InstanceState::Running, wait)
        .await?;
    progress.step("running → destroying…".to_owned());
    compute.destroy_instances(ids).await?;
    compute
        .wait_until(ids, InstanceState::Terminated, wait)
        .await?;
    progress.done("stopped, started and destroyed ✓".to_owned());
    Ok(())
}

/// The demo's bucket on each cloud, seeded into the emulator (COS names end in `-APPID`).
fn demo_bucket(p: Provider) -> &'static str {
    match p {
        Provider::Tencent => "demo-artefacts-1250000000",
        _ => "demo-artefacts",
    }
}

/// The demo's uploads: a build artefact in parts and a small manifest in one request.
const ARTEFACT_BYTES: u64 = 24 * MIB;
const ARTEFACT_PART: u64 = 8 * MIB;
const MANIFEST_BYTES: u64 = 64 * 1024;

/// Writes `len` bytes that do not repeat (so a part stored at the wrong offset would show in
/// the checksum) to `path`.
fn write_generated(path: &std::path::Path, len: u64, seed: u64) -> Result<(), Error> {
    let mut x = seed | 1;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    while (bytes.len() as u64) < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(usize::try_from(len).unwrap_or(0));
    std::fs::write(path, bytes).map_err(|e| {
        Error::new(
            ErrorKind::Other,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}

/// A byte bar per cloud on a terminal; nothing when piped.
fn upload_bar(multi: &MultiProgress, label: &'static str, total: u64) -> Option<ProgressBar> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let bar = multi.add(ProgressBar::new(total));
    if let Ok(style) = ProgressStyle::with_template(
        "  {prefix:<14} {bar:24} {bytes:>10}/{total_bytes} {bytes_per_sec:>12} {msg}",
    ) {
        bar.set_style(style);
    }
    bar.set_prefix(label);
    bar.enable_steady_tick(Duration::from_millis(90));
    Some(bar)
}

/// Uploads the artefact (in parts) and the manifest (one request) to `storage`, the bar
/// following both.
async fn uploads(
    storage: &Storage,
    p: Provider,
    artefact: &std::path::Path,
    manifest: &std::path::Path,
    bar: Option<ProgressBar>,
) -> Result<Vec<UploadResult>, Error> {
    let bucket = demo_bucket(p);
    let mut results = Vec::new();
    let mut offset = 0;
    for (path, key, size) in [
        (artefact, "builds/1234/app.tar", ARTEFACT_BYTES),
        (manifest, "builds/1234/manifest.json", MANIFEST_BYTES),
    ] {
        let mut opts = UploadOptions::default()
            .with_part_size(ARTEFACT_PART)
            .with_concurrency(3)
            .with_metadata("build", "1234");
        if let Some(b) = bar.clone() {
            opts = opts.with_progress(move |pr| b.set_position(offset + pr.bytes_done));
        }
        if let Some(b) = &bar {
            b.set_message(key.rsplit('/').next().unwrap_or(key).to_owned());
        }
        results.push(storage.upload_file(bucket, key, path, &opts).await?);
        offset += size;
    }
    if let Some(b) = &bar {
        b.finish_with_message("stored and verified ✓");
    }
    Ok(results)
}

/// A size for people: whole MiB or KiB when it is one, else bytes.
fn human_size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

/// One row per stored object.
fn upload_table(results: &[(Provider, UploadResult)]) -> String {
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|(p, r)| {
            vec![
                p.display_name().to_owned(),
                format!("{}/{}", r.url.bucket, r.url.key),
                human_size(r.size),
                r.parts.to_string(),
                format!("{} {}", r.checksum.algorithm, r.checksum.value),
                if r.checksum.verified { "✓" } else { "-" }.to_owned(),
            ]
        })
        .collect();
    common::table(
        &[
            "CLOUD",
            "BUCKET/KEY",
            "SIZE",
            "PARTS",
            "CHECKSUM",
            "VERIFIED",
        ],
        &rows,
    )
}

/// Runs the demo; returns an error if any step fails on any cloud.
pub(crate) async fn run(args: &DemoArgs) -> Result<(), Error> {
    if args.count == 0 || args.count > 20 {
        return Err(Error::invalid_input("--count must be between 1 and 20"));
    }
    let started = Instant::now();
    let addr = "127.0.0.1:0"
        .parse()
        .map_err(|_| Error::invalid_input("listen address"))?;
    let mut builder = Emulator::builder();
    for (p, ..) in DEMO_KEYS {
        builder = builder.bucket(p, demo_bucket(p));
    }
    let emulator = builder
        .listen(addr)
        .demo_keys()
        .transition_delay(Duration::from_millis(args.transition_delay_ms))
        .faults(demo_faults())
        .start()
        .await
        .map_err(|e| {
            Error::new(
                ErrorKind::Transport,
                format!("cannot start the emulator: {e}"),
            )
        })?;
    let endpoint = emulator.base_url();
    println!("unicloud demo — one API, three clouds, no account needed.");
    println!("Emulator for AWS, Tencent Cloud and Alibaba Cloud listening on {endpoint}\n");

    let mut computes = Vec::new();
    let mut networks = Vec::new();
    let mut storages = Vec::new();
    for (provider, id, secret) in DEMO_KEYS {
        let (region, _, _, zone) = demo_target(provider);
        let (vpc, table, subnet, vpc_cidr, subnet_cidr) = demo_network(provider);
        emulator
            .seed_network(
                provider,
                region,
                &[
                    NetworkSeed::Vpc {
                        id: vpc.into(),
                        cidr: vpc_cidr.into(),
                        main_route_table: table.into(),
                    },
                    NetworkSeed::Subnet {
                        id: subnet.into(),
                        vpc_id: vpc.into(),
                        cidr: subnet_cidr.into(),
                        zone: zone.into(),
                    },
                ],
            )
            .map_err(|e| Error::new(ErrorKind::Other, e.to_string()))?;
        let cloud = Cloud::builder(provider)
            .region(region)
            .credentials(Credentials::new(id, secret))
            .endpoint(endpoint.clone())
            .retry(RetryPolicy::default().with_base_backoff(Duration::from_millis(50)))
            .build()
            .await?;
        networks.push((provider, cloud.network()));
        storages.push((provider, cloud.storage()));
        computes.push((
            provider,
            cloud
                .compute()
                .with_poll_interval(Duration::from_millis(200)),
        ));
    }

    println!(
        "1. Create {} instances on each cloud, named demo-web, tagged project=unicloud-demo:",
        args.count
    );
    let multi = MultiProgress::new();
    let progress: Vec<Progress> = computes
        .iter()
        .map(|(p, _)| Progress::new(&multi, p.display_name()))
        .collect();
    let created = try_join_all(computes.iter().zip(&progress).map(|((p, c), pr)| {
        let (_, image, itype, zone) = demo_target(*p);
        let (vpc, _, subnet, ..) = demo_network(*p);
        let spec = CreateInstancesSpec::new(image, itype)
            .count(args.count)
            .zone(zone)
            .vpc(vpc)
            .subnet(subnet)
            .name("demo-web")
            .tag("project", "unicloud-demo");
        async move { lifecycle(c, &spec, pr).await }
    }))
    .await?;
    // Finished bars stay on screen; release the terminal before printing below them.
    drop(progress);
    drop(multi);
    if std::io::stdout().is_terminal() {
        // The bars leave the cursor on a fresh line, which swallows the next newline.
        println!();
    }

    println!("\n2. The same describe call on every cloud, one table:\n");
    let filters = Filters::new().tag("project", ["unicloud-demo"]);
    let mut all = Vec::new();
    for (_, c) in &computes {
        all.extend(c.list_instances(&filters).await?);
    }
    print!("{}", instance_table(&all));

    println!(
        "\n3. Route 10.8.0.0/16 and 10.9.0.0/16 to the first instance, move both to the last, then move them back while the emulator refuses the 2nd change:\n"
    );
    for ((p, network), ids) in networks.iter().zip(&created) {
        routes(network, *p, ids).await?;
    }

    println!("\n4. Stop, start and destroy them everywhere:");
    let multi = MultiProgress::new();
    let progress: Vec<Progress> = computes
        .iter()
        .map(|(p, _)| Progress::new(&multi, p.display_name()))
        .collect();
    try_join_all(
        computes
            .iter()
            .zip(&created)
            .zip(&progress)
            .map(|(((_, c), ids), pr)| cycle(c, ids, pr)),
    )
    .await?;
    drop(progress);
    drop(multi);
    if std::io::stdout().is_terminal() {
        // The bars leave the cursor on a fresh line, which swallows the next newline.
        println!();
    }

    println!(
        "\n5. Upload a {} build artefact in {} parts and a {} manifest to S3, COS and OSS, checksums compared end to end:",
        human_size(ARTEFACT_BYTES),
        human_size(ARTEFACT_PART),
        human_size(MANIFEST_BYTES)
    );
    let dir = std::env::temp_dir().join(format!("unicloud-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::new(
            ErrorKind::Other,
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let artefact = dir.join("app.tar");
    let manifest = dir.join("manifest.json");
    let written = write_generated(&artefact, ARTEFACT_BYTES, 1234)
        .and_then(|()| write_generated(&manifest, MANIFEST_BYTES, 42));
    let stored = match written {
        Ok(()) => {
            let multi = MultiProgress::new();
            let stored = try_join_all(storages.iter().map(|(p, storage)| {
                let bar = upload_bar(&multi, p.display_name(), ARTEFACT_BYTES + MANIFEST_BYTES);
                let (artefact, manifest) = (&artefact, &manifest);
                async move {
                    let results = uploads(storage, *p, artefact, manifest, bar).await?;
                    Ok::<_, Error>(results.into_iter().map(|r| (*p, r)).collect::<Vec<_>>())
                }
            }))
            .await;
            drop(multi);
            stored
        }
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let stored: Vec<(Provider, UploadResult)> = stored?.into_iter().flatten().collect();
    if std::io::stdout().is_terminal() {
        // The bars leave the cursor on a fresh line, which swallows the next newline.
        println!();
    }
    println!();
    print!("{}", upload_table(&stored));

    let total: usize = created.iter().map(Vec::len).sum();
    println!(
        "\nDone in {:.1}s: {total} instances went through create → running → stopped → running → destroyed, their routes moved all or nothing, and {} objects were uploaded and verified, on AWS, Tencent Cloud and Alibaba Cloud with one API.",
        started.elapsed().as_secs_f64(),
        stored.len()
    );
    let (_, id, secret) = DEMO_KEYS[1];
    println!(
        "Try it yourself: run `unicloud emulator --bucket tencent:backups-1250000000` in one terminal (it accepts the demo keys), then:"
    );
    println!("  export TENCENTCLOUD_SECRET_ID={id} TENCENTCLOUD_SECRET_KEY={secret}");
    println!(
        "  unicloud --provider tencent --endpoint http://127.0.0.1:4566 compute describe-instances"
    );
    println!(
        "  unicloud --endpoint http://127.0.0.1:4566 storage upload ./app.tar cos://backups-1250000000/builds/"
    );
    emulator.shutdown().await;
    Ok(())
}

//! The bad-input catalogue: one table per service (compute, network, lb, storage) and one for
//! configuration and credentials, run for every provider.
//!
//! Each row is a malformed input, the error kind it must give (`InvalidInput`, or `Config` for
//! a broken credentials file) and a word the message must contain, naming the field (`bucket`,
//! `cidr`, `port`, `part size`, a file's line). A row must not panic, and must send nothing: the
//! case's cloud talks to the emulator through a [`Spy`], a TCP relay that counts every
//! connection and every byte a client writes, so a request sent before the input was checked
//! fails the row whatever the server made of it; and the emulator throttles every request it
//! recognises, so such a request is also counted there and would turn the answer into
//! `Throttled`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::FutureExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use unicloud::base::credentials::{
    DefaultChainOptions, Env, MetadataOptions, RoleSpec, default_chain,
};
use unicloud::base::{Error, ErrorKind, ProvideCredentials as _, Provider};
use unicloud::compute::{CreateInstancesSpec, Filters, InstanceQuery, InstanceState, StopMode};
use unicloud::lb::{Backend, BackendPool};
use unicloud::network::{
    Cidr, RouteChange, RouteTableFilters, RouteTableQuery, RouteTarget, TargetKind,
};
use unicloud::storage::{MIB, ObjectUrl, UploadOptions};
use unicloud_emulator::FaultKind;

use crate::harness::Ctx;

const INVALID: ErrorKind = ErrorKind::InvalidInput;
const CONFIG: ErrorKind = ErrorKind::Config;

// ---------------------------------------------------------------------------------------------
// The machinery: a counting relay, rows, and the runner.

/// A TCP relay in front of the case's server that counts what clients send through it.
pub struct Spy {
    url: String,
    seen: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Spy {
    /// Relays `127.0.0.1:<free port>` to `upstream` (`http://HOST:PORT`).
    pub async fn start(upstream: &str) -> Spy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicU64::new(0));
        let counter = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                // A connection counts even if nothing is written on it.
                counter.fetch_add(1, Ordering::SeqCst);
                let counter = counter.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut from_client, mut to_client) = inbound.into_split();
                    let (mut from_server, mut to_server) = outbound.into_split();
                    let up = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        while let Ok(n) = from_client.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                            counter.fetch_add(n as u64, Ordering::SeqCst);
                            if to_server.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = to_server.shutdown().await;
                    };
                    let down = async {
                        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                        let _ = to_client.shutdown().await;
                    };
                    tokio::join!(up, down);
                });
            }
        });
        Spy { url, seen, task }
    }

    /// The endpoint to give the client.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Connections accepted plus bytes received so far.
    pub fn seen(&self) -> u64 {
        self.seen.load(Ordering::SeqCst)
    }
}

impl Drop for Spy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Run<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

/// One malformed input: what it is, the kind it must give, a word its message must contain.
pub struct Row<'a> {
    what: String,
    kind: ErrorKind,
    word: &'static str,
    run: Run<'a>,
}

/// A row; `call` runs only when the table gets to it.
fn row<'a, T>(
    what: impl Into<String>,
    kind: ErrorKind,
    word: &'static str,
    call: impl Future<Output = Result<T, Error>> + 'a,
) -> Row<'a> {
    Row {
        what: what.into(),
        kind,
        word,
        run: Box::pin(call.map(|r| r.map(drop))),
    }
}

/// Runs every row of `table` and fails with the list of rows that went wrong; returns how many
/// rows ran. Nothing a row does may reach the spy.
async fn run_table(ctx: &Ctx, spy: &Spy, table: &str, rows: Vec<Row<'_>>) -> usize {
    let p = ctx.provider;
    let n = rows.len();
    let mut failures = Vec::new();
    for Row {
        what,
        kind,
        word,
        run,
    } in rows
    {
        let before = spy.seen();
        let out = AssertUnwindSafe(run).catch_unwind().await;
        let sent = spy.seen() - before;
        if sent > 0 {
            failures.push(format!(
                "{what}: {sent} connections + bytes reached the server"
            ));
        }
        match out {
            Err(_) => failures.push(format!("{what}: panicked")),
            Ok(Ok(())) => failures.push(format!("{what}: accepted")),
            Ok(Err(e)) => {
                if e.kind() != kind {
                    failures.push(format!("{what}: {:?}, not {kind:?}: {e}", e.kind()));
                }
                // `secret_key` as written, or `content_type` read as `content type`.
                let text = e.to_string().to_lowercase();
                let word = word.to_lowercase();
                if !text.contains(&word) && !text.replace('_', " ").contains(&word) {
                    failures.push(format!("{what}: `{word}` not named in: {e}"));
                }
                if text.contains(&ctx.secret.to_lowercase()) {
                    failures.push(format!("{what}: the secret is in: {e}"));
                }
            }
        }
    }
    if let Some(emu) = &ctx.emulator {
        let counts = emu.fault_counters();
        if counts.total(FaultKind::Throttle) > 0 {
            failures.push(format!("the emulator saw requests: {counts:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{p} {table}: {} of {n} rows failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    n
}

/// The case's cloud, talking through `spy`.
async fn cloud(ctx: &Ctx, spy: &Spy) -> unicloud::Cloud {
    let config = ctx.config().with_endpoint(spy.url()).unwrap();
    ctx.cloud_builder(ctx.credentials(), &config)
        .build()
        .await
        .unwrap()
}

/// A well-formed instance id of the provider.
fn instance(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "i-0123456789abcdef0",
        Provider::Tencent => "ins-abcd1234",
        _ => "i-bp1doesnotexist00000",
    }
}

/// A well-formed instance id of another provider (no Alibaba id is malformed for AWS's rule
/// as such: `i-` + 17 hex digits is also `i-` + letters and digits, so Tencent's form is used).
fn foreign_instance(p: Provider) -> &'static str {
    match p {
        Provider::Tencent => "i-0123456789abcdef0",
        _ => "ins-abcd1234",
    }
}

// ---------------------------------------------------------------------------------------------
// Compute.

pub async fn catalogue_compute(ctx: &Ctx) {
    let p = ctx.provider;
    let spy = Spy::start(&ctx.endpoint).await;
    let compute = cloud(ctx, &spy).await.compute();
    let c = &compute;
    let good = instance(p);
    let foreign = foreign_instance(p);
    let none: &Vec<String> = &Vec::new();
    let spec = || ctx.spec(1);
    let mut rows = vec![
        row("start: no id", INVALID, "instance id", async move {
            c.start_instances(none.clone()).await
        }),
        row("stop: no id", INVALID, "instance id", async move {
            c.stop_instances(none.clone(), StopMode::Force).await
        }),
        row("destroy: no id", INVALID, "instance id", async move {
            c.destroy_instances(none.clone()).await
        }),
        row("wait: no id", INVALID, "instance id", async move {
            c.wait_until(none.clone(), InstanceState::Running, Duration::from_secs(1))
                .await
        }),
        row(
            "start: id of the wrong shape",
            INVALID,
            "instance id",
            async move { c.start_instances(["instance-1"]).await },
        ),
        row(
            "stop: another cloud's id",
            INVALID,
            "instance id",
            async move { c.stop_instances([good, foreign], StopMode::Graceful).await },
        ),
        row("destroy: empty id", INVALID, "instance id", async move {
            c.destroy_instances([""]).await
        }),
        row(
            "destroy: id with a space and a newline",
            INVALID,
            "instance id",
            async move { c.destroy_instances(["i-bp1 x\n"]).await },
        ),
        row(
            "destroy: oversized id",
            INVALID,
            "instance id",
            async move {
                c.destroy_instances(["i-".to_owned() + &"a".repeat(200)])
                    .await
            },
        ),
        row("describe: malformed id", INVALID, "instance id", async {
            c.describe_instances(InstanceQuery::ids(["nope"]))
        }),
        row("wait: an unknown state", INVALID, "state", async move {
            c.wait_until(
                [good],
                InstanceState::Unknown("REBOOTING".into()),
                Duration::from_secs(1),
            )
            .await
        }),
        row("create: empty image", INVALID, "image", async move {
            c.create_instances(&CreateInstancesSpec::new(" ", "t3.micro"))
                .await
        }),
        row(
            "create: empty instance type",
            INVALID,
            "instance type",
            async move {
                c.create_instances(&CreateInstancesSpec::new("img-1", ""))
                    .await
            },
        ),
        row("create: count 0", INVALID, "count", async move {
            c.create_instances(&spec().count(0)).await
        }),
        row(
            "create: 65-character client token",
            INVALID,
            "client token",
            async move {
                c.create_instances(&spec().client_token("t".repeat(65)))
                    .await
            },
        ),
        row(
            "create: non-ASCII client token",
            INVALID,
            "client token",
            async move { c.create_instances(&spec().client_token("jeton-été")).await },
        ),
        row("create: empty tag key", INVALID, "tag key", async move {
            c.create_instances(&spec().tag(" ", "v")).await
        }),
        row("filter: unknown key", INVALID, "filter key", async {
            Filters::new().with("colour", ["red"])
        }),
        row(
            "filter: `tag:` without a key",
            INVALID,
            "filter key",
            async { Filters::new().with("tag:", ["x"]) },
        ),
        row("filter: unknown state", INVALID, "state", async {
            Filters::new().with("state", ["sleeping"])
        }),
        row("filter: no values", INVALID, "zone", async {
            Filters::new().with("zone", Vec::<String>::new())
        }),
        row("filter JSON: not an object", INVALID, "filters", async {
            Filters::from_json(&serde_json::json!(42))
        }),
        row("filter JSON: a number value", INVALID, "name", async {
            Filters::from_json(&serde_json::json!({ "name": 1 }))
        }),
        row("state name: unknown", INVALID, "state", async {
            "hibernating".parse::<InstanceState>()
        }),
    ];
    if p != Provider::Aws {
        // Tencent Cloud and Alibaba Cloud create at most 100 per call; AWS has no such limit.
        rows.push(row(
            "create: count above the per-call limit",
            INVALID,
            "count",
            async move { c.create_instances(&spec().count(101)).await },
        ));
    }
    let n = run_table(ctx, &spy, "compute", rows).await;
    assert!(n >= 24, "{p}: the compute catalogue shrank to {n} rows");
}

// ---------------------------------------------------------------------------------------------
// Network.

fn table_id(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "rtb-0123456789abcdef0",
        Provider::Tencent => "rtb-zzzz0000",
        _ => "vtb-bp1doesnotexist0000",
    }
}

fn route(dest: &str, target: &RouteTarget) -> RouteChange {
    RouteChange::new(dest, target.clone()).unwrap()
}

pub async fn catalogue_network(ctx: &Ctx) {
    let p = ctx.provider;
    let spy = Spy::start(&ctx.endpoint).await;
    let network = cloud(ctx, &spy).await.network();
    let net = &network;
    let table = table_id(p);
    let inst = RouteTarget::instance(match p {
        Provider::Tencent => "10.0.1.5",
        _ => instance(p),
    });
    let hop = &route("10.1.0.0/16", &inst);
    // A target kind the provider has no next hop for.
    let wrong_kind: RouteTarget = match p {
        Provider::Aws => "other:HAVIP:havip-1",
        Provider::Tencent => "igw:igw-1",
        _ => "local",
    }
    .parse()
    .unwrap();
    let wrong_shape = &RouteTarget::new(TargetKind::NatGateway, "i-notanat");
    let wrong_kind = &wrong_kind;
    let foreign_inst = &RouteTarget::instance(match p {
        Provider::Tencent => "i-0123456789abcdef0",
        _ => "ins-abcd1234",
    });
    let many: &Vec<RouteChange> = &(0..=unicloud::network::MAX_CHANGES)
        .map(|i| route(&format!("10.{}.{}.0/24", 100 + i / 256, i % 256), &inst))
        .collect();
    let other_table = match p {
        Provider::Alibaba => "rtb-0123456789abcdef0",
        _ => "vtb-bp1x",
    };
    let rows = vec![
        row("replace: no change", INVALID, "route", async move {
            net.replace_routes(table, &[]).await
        }),
        row("delete: no destination", INVALID, "route", async move {
            net.delete_routes(table, &[]).await
        }),
        row(
            "create: more changes than one call takes",
            INVALID,
            "routes per call",
            async move { net.create_routes(table, many).await },
        ),
        row(
            "create: malformed table id",
            INVALID,
            "route table",
            async move { net.create_routes("tbl-1", std::slice::from_ref(hop)).await },
        ),
        row(
            "replace: empty table id",
            INVALID,
            "route table",
            async move { net.replace_routes("", std::slice::from_ref(hop)).await },
        ),
        row(
            "replace: another cloud's table id",
            INVALID,
            "route table",
            async move {
                net.replace_routes(other_table, std::slice::from_ref(hop))
                    .await
            },
        ),
        row(
            "delete: malformed table id",
            INVALID,
            "route table",
            async move { net.delete_routes("rtb-", &[hop.destination]).await },
        ),
        row(
            "replace: a destination twice",
            INVALID,
            "destination",
            async move { net.replace_routes(table, &[hop.clone(), hop.clone()]).await },
        ),
        row(
            "create: a target kind the cloud lacks",
            INVALID,
            "cannot point at",
            async move {
                net.create_routes(table, &[route("10.2.0.0/16", wrong_kind)])
                    .await
            },
        ),
        row(
            "create: a NAT gateway id of the wrong shape",
            INVALID,
            "nat gateway",
            async move {
                net.create_routes(table, &[route("10.2.0.0/16", wrong_shape)])
                    .await
            },
        ),
        row(
            "replace: another cloud's instance id",
            INVALID,
            "instance",
            async move {
                net.replace_routes(table, &[route("10.2.0.0/16", foreign_inst)])
                    .await
            },
        ),
        row(
            "describe: malformed table id",
            INVALID,
            "route table",
            async { net.describe_route_tables(RouteTableQuery::ids(["nope"])) },
        ),
        row(
            "route_table: empty id",
            INVALID,
            "route table",
            async move { net.route_table("").await },
        ),
        row("cidr: host bits set", INVALID, "cidr", async {
            "10.0.0.1/16".parse::<Cidr>()
        }),
        row("cidr: prefix 33", INVALID, "prefix", async {
            "10.0.0.0/33".parse::<Cidr>()
        }),
        row("cidr: IPv6 prefix 129", INVALID, "prefix", async {
            "fd00::/129".parse::<Cidr>()
        }),
        row("cidr: signed prefix", INVALID, "prefix", async {
            "10.0.0.0/+8".parse::<Cidr>()
        }),
        row("cidr: no prefix", INVALID, "cidr", async {
            "10.0.0.0".parse::<Cidr>()
        }),
        row("cidr: not an address", INVALID, "address", async {
            "x/8".parse::<Cidr>()
        }),
        row("cidr: empty", INVALID, "cidr", async { "".parse::<Cidr>() }),
        row(
            "route change: malformed destination",
            INVALID,
            "cidr",
            async { RouteChange::new("10.0.0.0/8/8", RouteTarget::local()) },
        ),
        row("route: no `=`", INVALID, "route", async {
            "10.0.0.0/16".parse::<RouteChange>()
        }),
        row("route: unknown target kind", INVALID, "kind", async {
            "10.0.0.0/16=warp:x".parse::<RouteChange>()
        }),
        row("route target: empty id", INVALID, "route target", async {
            "nat:".parse::<RouteTarget>()
        }),
        row(
            "route target: other without a type",
            INVALID,
            "route target",
            async { "other:x".parse::<RouteTarget>() },
        ),
        row(
            "route-table filter: unknown key",
            INVALID,
            "filter",
            async { RouteTableFilters::parse(["zone=a"]) },
        ),
        row("route-table filter: empty value", INVALID, "vpc", async {
            RouteTableFilters::parse(["vpc=a,"])
        }),
        row("route-table filter: no `=`", INVALID, "filter", async {
            RouteTableFilters::parse(["vpc"])
        }),
    ];
    let n = run_table(ctx, &spy, "network", rows).await;
    assert!(n >= 28, "{p}: the network catalogue shrank to {n} rows");
}

// ---------------------------------------------------------------------------------------------
// Load-balancer backends.

/// A well-formed pool of the provider, and one of another cloud.
fn pools(p: Provider) -> (BackendPool, BackendPool) {
    let aws =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
    let tencent = "lb-b7pj5p3q/lbl-qe0xmaxa";
    let alibaba = "lb-bp1qjwo61pqz3ahmtd5bk";
    let (mine, theirs) = match p {
        Provider::Aws => (aws, tencent),
        Provider::Tencent => (tencent, alibaba),
        _ => (alibaba, aws),
    };
    (mine.parse().unwrap(), theirs.parse().unwrap())
}

/// A backend the provider's pool takes as it is (ports where the pool names them).
fn backend(p: Provider) -> Backend {
    let b = Backend::new(instance(p));
    match p {
        Provider::Tencent => b.with_port(80),
        _ => b,
    }
}

pub async fn catalogue_lb(ctx: &Ctx) {
    let p = ctx.provider;
    let spy = Spy::start(&ctx.endpoint).await;
    let lb_api = cloud(ctx, &spy).await.lb();
    let lb = &lb_api;
    let (pool, foreign) = pools(p);
    let (pool, foreign) = (&pool, &foreign);
    let ok = &backend(p);
    let bogus = &Backend::new("bogus");
    let too_many: &Vec<Backend> = &(0..=unicloud::lb::MAX_BACKENDS)
        .map(|_| ok.clone())
        .collect();
    let wait = Duration::from_secs(1);
    let parse = |s: &'static str| async move { s.parse::<BackendPool>() };
    let mut rows = vec![
        row("pool: empty", INVALID, "backend pool", parse("")),
        row("pool: unknown form", INVALID, "backend pool", parse("tg-1")),
        row(
            "pool: classic ELB without a name",
            INVALID,
            "classic load balancer name",
            parse("elb:"),
        ),
        row(
            "pool: classic ELB name too long",
            INVALID,
            "classic load balancer name",
            parse("elb:a-name-that-is-longer-than-32-chars"),
        ),
        row(
            "pool: CLB listener id cut short",
            INVALID,
            "listener id",
            parse("lb-b7pj5p3q/lbl-"),
        ),
        row(
            "pool: CLB rule id cut short",
            INVALID,
            "location",
            parse("lb-b7pj5p3q/lbl-qe0xmaxa/loc-"),
        ),
        row(
            "pool: an S3 ARN",
            INVALID,
            "target group arn",
            parse("arn:aws:s3:::bucket"),
        ),
        row(
            "pool: SLB listener port 0",
            INVALID,
            "listener port",
            parse("lb-bp1qjwo61pqz3ahmtd5bk:0"),
        ),
        row(
            "pool: SLB listener port out of range",
            INVALID,
            "backend pool",
            parse("lb-bp1qjwo61pqz3ahmtd5bk:70000"),
        ),
        row(
            "pool: SLB VServer group id in capitals",
            INVALID,
            "vserver group id",
            parse("lb-bp1qjwo61pqz3ahmtd5bk/rsp-ABCDEFGH"),
        ),
        row(
            "pool: too many parts",
            INVALID,
            "backend pool",
            parse("lb-b7pj5p3q/lbl-qe0xmaxa/loc-abcd1234/x"),
        ),
        row(
            "register: another cloud's pool",
            INVALID,
            "pool",
            async move { lb.register(foreign, std::slice::from_ref(ok)).await },
        ),
        row(
            "health: another cloud's pool",
            INVALID,
            "pool",
            async move { lb.describe_health(foreign, &[]).await },
        ),
        row(
            "wait healthy: another cloud's pool",
            INVALID,
            "pool",
            async move {
                lb.wait_until_healthy(foreign, std::slice::from_ref(ok), wait)
                    .await
            },
        ),
        row("register: no backend", INVALID, "no backend", async move {
            lb.register(pool, &[]).await
        }),
        row(
            "deregister: no backend",
            INVALID,
            "no backend",
            async move { lb.deregister(pool, &[]).await },
        ),
        row(
            "register: more backends than one call takes",
            INVALID,
            "per call",
            async move { lb.register(pool, too_many).await },
        ),
        row(
            "register: malformed backend id",
            INVALID,
            "backend id",
            async move { lb.register(pool, std::slice::from_ref(bogus)).await },
        ),
        row(
            "deregister: another cloud's instance id",
            INVALID,
            "backend id",
            async move {
                lb.deregister(pool, &[Backend::new(foreign_instance(p))])
                    .await
            },
        ),
        row(
            "health: malformed backend id",
            INVALID,
            "backend id",
            async move { lb.describe_health(pool, std::slice::from_ref(bogus)).await },
        ),
        row("register: weight 500", INVALID, "weight", async move {
            lb.register(pool, &[ok.clone().with_weight(500)]).await
        }),
        row("register: backend port 0", INVALID, "port", async move {
            lb.register(pool, &[Backend::new(instance(p)).with_port(0)])
                .await
        }),
        row("backend: port 0", INVALID, "port", async {
            "i-1:0".parse::<Backend>()
        }),
        row("backend: port 70000", INVALID, "port", async {
            "i-1:70000".parse::<Backend>()
        }),
        row("backend: weight 101", INVALID, "weight", async {
            "i-1:80:101".parse::<Backend>()
        }),
        row("backend: no id", INVALID, "id", async {
            ":80".parse::<Backend>()
        }),
        row(
            "backend: too many parts",
            INVALID,
            "too many parts",
            async { "i-1:80:1:1".parse::<Backend>() },
        ),
    ];
    match p {
        Provider::Aws => rows.push(row(
            "register: a classic ELB backend with a port",
            INVALID,
            "port",
            async move {
                lb.register(
                    &"elb:web".parse().unwrap(),
                    &[Backend::new(instance(p)).with_port(80)],
                )
                .await
            },
        )),
        Provider::Tencent => {
            rows.push(row(
                "register: a CLB backend without a port",
                INVALID,
                "port",
                async move { lb.register(pool, &[Backend::new(instance(p))]).await },
            ));
            rows.push(row(
                "register: the same backend with two weights",
                INVALID,
                "weights",
                async move {
                    lb.register(
                        pool,
                        &[ok.clone().with_weight(1), ok.clone().with_weight(2)],
                    )
                    .await
                },
            ));
        }
        _ => {
            rows.push(row(
                "register: a port on the default server group",
                INVALID,
                "port",
                async move { lb.register(pool, &[ok.clone().with_port(80)]).await },
            ));
            rows.push(row(
                "register: the same backend with two weights",
                INVALID,
                "weights",
                async move {
                    lb.register(
                        pool,
                        &[ok.clone().with_weight(1), ok.clone().with_weight(2)],
                    )
                    .await
                },
            ));
        }
    }
    let n = run_table(ctx, &spy, "lb", rows).await;
    assert!(n >= 27, "{p}: the lb catalogue shrank to {n} rows");
}

// ---------------------------------------------------------------------------------------------
// Object storage.

/// Bucket names that break the provider's rules.
fn bad_buckets(p: Provider) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("empty", String::new()),
        ("capitals", "Backups-1250000000".to_owned()),
        ("an underscore", "my_bucket-1250000000".to_owned()),
        ("too long", format!("{}-1250000000", "b".repeat(64))),
    ];
    match p {
        Provider::Aws => out.extend([
            ("two characters", "ab".to_owned()),
            ("`..`", "a..b".to_owned()),
            ("an IPv4 address", "192.168.1.1".to_owned()),
            ("the reserved `xn--` prefix", "xn--bucket".to_owned()),
            (
                "the reserved `-s3alias` suffix",
                "my-bucket-s3alias".to_owned(),
            ),
            ("a leading `-`", "-bucket".to_owned()),
        ]),
        Provider::Tencent => out.extend([
            ("no APPID", "no-appid-suffix".to_owned()),
            ("an APPID that is not a number", "backups-12500x".to_owned()),
            ("a leading `-`", "-backups-1250000000".to_owned()),
            ("only an APPID", "-1250000000".to_owned()),
        ]),
        _ => out.extend([
            ("dots", "dots.not.allowed".to_owned()),
            ("two characters", "ab".to_owned()),
            ("a trailing `-`", "bucket-".to_owned()),
        ]),
    }
    out
}

fn good_bucket(p: Provider) -> &'static str {
    match p {
        Provider::Tencent => "catalogue-1250000000",
        _ => "catalogue",
    }
}

pub async fn catalogue_storage(ctx: &Ctx) {
    let p = ctx.provider;
    let spy = Spy::start(&ctx.endpoint).await;
    let storage = cloud(ctx, &spy).await.storage();
    let s = &storage;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.txt");
    std::fs::write(&file, b"catalogue").unwrap();
    let file = file.as_path();
    let missing = &dir.path().join("missing.txt");
    let dir_path = dir.path();
    let bucket = good_bucket(p);
    let ok = &UploadOptions::default();
    let long_key = &"k".repeat(unicloud::storage::max_key_bytes(p) + 1);
    let buckets = &bad_buckets(p);
    let mut rows = Vec::new();
    for (why, name) in buckets {
        rows.push(row(
            format!("upload: bucket name with {why}"),
            INVALID,
            "bucket",
            async move { s.upload_file(name, "k", file, ok).await },
        ));
    }
    rows.extend([
        row(
            "create bucket: malformed name",
            INVALID,
            "bucket",
            async move { s.create_bucket(&buckets[1].1).await },
        ),
        row(
            "list uploads: malformed bucket",
            INVALID,
            "bucket",
            async move { s.list_multipart_uploads(&buckets[1].1, None).await },
        ),
        row(
            "abort stale: malformed bucket",
            INVALID,
            "bucket",
            async move {
                s.abort_stale_uploads(&buckets[2].1, None, Duration::from_secs(60))
                    .await
            },
        ),
        row(
            "upload stream: malformed bucket",
            INVALID,
            "bucket",
            async move { s.upload_reader(&buckets[1].1, "k", &b"x"[..], ok).await },
        ),
        row("upload: empty key", INVALID, "object key", async move {
            s.upload_file(bucket, "", file, ok).await
        }),
        row(
            "upload: key one byte too long",
            INVALID,
            "object key",
            async move { s.upload_file(bucket, long_key, file, ok).await },
        ),
        row(
            "upload: key with a newline",
            INVALID,
            "object key",
            async move { s.upload_file(bucket, "a\nb", file, ok).await },
        ),
        row("head: key with a NUL", INVALID, "object key", async move {
            s.head_object(bucket, "a\0b").await
        }),
        row("abort: empty key", INVALID, "object key", async move {
            s.abort_upload(bucket, "", "upload-1").await
        }),
        row("abort: empty upload id", INVALID, "upload id", async move {
            s.abort_upload(bucket, "k", "").await
        }),
        row("upload: missing file", INVALID, "missing.txt", async move {
            s.upload_file(bucket, "k", missing, ok).await
        }),
        // Tests run as root here, where a file of mode 000 is still readable: a directory is a
        // path that is reliably not a readable file whoever runs the test.
        row(
            "upload: a directory as the file",
            INVALID,
            "not a file",
            async move { s.upload_file(bucket, "k", dir_path, ok).await },
        ),
        row(
            "upload: part size 1 KiB",
            INVALID,
            "part size",
            async move {
                s.upload_file(bucket, "k", file, &ok.clone().with_part_size(1024))
                    .await
            },
        ),
        row(
            "upload: part size above 5 GiB",
            INVALID,
            "part size",
            async move {
                s.upload_file(
                    bucket,
                    "k",
                    file,
                    &ok.clone().with_part_size(5 * 1024 * MIB + 1),
                )
                .await
            },
        ),
        row(
            "upload: concurrency 0",
            INVALID,
            "concurrency",
            async move {
                s.upload_file(bucket, "k", file, &ok.clone().with_concurrency(0))
                    .await
            },
        ),
        row(
            "upload: concurrency 10000",
            INVALID,
            "concurrency",
            async move {
                s.upload_file(bucket, "k", file, &ok.clone().with_concurrency(10_000))
                    .await
            },
        ),
        row(
            "upload: single-request threshold above 5 GiB",
            INVALID,
            "threshold",
            async move {
                s.upload_file(
                    bucket,
                    "k",
                    file,
                    &ok.clone().with_single_request_threshold(5 * 1024 * MIB + 1),
                )
                .await
            },
        ),
        row("upload stream: resume", INVALID, "resuming", async move {
            s.upload_reader(bucket, "k", &b"x"[..], &ok.clone().with_resume("u-1"))
                .await
        }),
        row(
            "upload: empty metadata name",
            INVALID,
            "metadata",
            async move {
                s.upload_file(bucket, "k", file, &ok.clone().with_metadata("", "v"))
                    .await
            },
        ),
        row(
            "upload: metadata name with a space",
            INVALID,
            "metadata",
            async move {
                s.upload_file(
                    bucket,
                    "k",
                    file,
                    &ok.clone().with_metadata("has space", "v"),
                )
                .await
            },
        ),
        row(
            "upload: metadata value with a line break",
            INVALID,
            "metadata",
            async move {
                s.upload_file(
                    bucket,
                    "k",
                    file,
                    &ok.clone().with_metadata("owner", "a\r\nx-injected: 1"),
                )
                .await
            },
        ),
        row(
            "upload: content type with a line break",
            INVALID,
            "content type",
            async move {
                s.upload_file(
                    bucket,
                    "k",
                    file,
                    &ok.clone().with_content_type("text/plain\nx: 1"),
                )
                .await
            },
        ),
        row(
            "upload: storage class with a line break",
            INVALID,
            "storage class",
            async move {
                s.upload_file(
                    bucket,
                    "k",
                    file,
                    &ok.clone().with_storage_class("STANDARD\n"),
                )
                .await
            },
        ),
        row("object URL: unknown scheme", INVALID, "scheme", async {
            "ftp://bucket/key".parse::<ObjectUrl>()
        }),
        row("object URL: no scheme", INVALID, "scheme", async {
            "bucket/key".parse::<ObjectUrl>()
        }),
        row("object URL: no bucket", INVALID, "bucket", async {
            "s3:///key".parse::<ObjectUrl>()
        }),
        row(
            "object URL: COS bucket without APPID",
            INVALID,
            "bucket",
            async { "cos://backups/key".parse::<ObjectUrl>() },
        ),
    ]);
    if p == Provider::Alibaba {
        rows.push(row(
            "upload: OSS key starting with `/`",
            INVALID,
            "object key",
            async move { s.upload_file(bucket, "/k", file, ok).await },
        ));
    }
    let n = run_table(ctx, &spy, "storage", rows).await;
    assert!(n >= 34, "{p}: the storage catalogue shrank to {n} rows");
}

// ---------------------------------------------------------------------------------------------
// Configuration and credentials.

/// A home directory holding `files` (paths relative to it).
fn home_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let path = home.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    home
}

/// The provider's own chain (Tencent Cloud, Alibaba Cloud) over `home` and `vars`, with the
/// metadata service off: the credentials it finds, or why not.
async fn from_chain(
    p: Provider,
    home: &Path,
    vars: &[(&str, String)],
    profile: Option<&str>,
) -> Result<(), Error> {
    let mut env = vec![("HOME".to_owned(), home.display().to_string())];
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let chain = default_chain(
        p,
        DefaultChainOptions {
            profile: profile.map(str::to_owned),
            env: Env::from_pairs(env),
            metadata: Some(MetadataOptions::for_provider(p).disabled(true)),
            ..DefaultChainOptions::default()
        },
    )?;
    chain.provide_credentials().await.map(drop)
}

/// AWS: `aws-config`'s chain over these files (through unicloud-aws).
async fn from_aws_files(
    credentials: PathBuf,
    config: PathBuf,
    profile: Option<&str>,
) -> Result<(), Error> {
    use unicloud::aws::{AwsConfigOptions, AwsCredentialsProvider, AwsProfileFiles};
    let sdk = unicloud::aws::load_sdk_config(&AwsConfigOptions {
        profile: profile.map(str::to_owned),
        region: Some(unicloud::Region::new(Provider::Aws, "us-east-1")?),
        profile_files: Some(AwsProfileFiles {
            config: Some(config),
            credentials: Some(credentials),
        }),
        ..AwsConfigOptions::default()
    })
    .await;
    AwsCredentialsProvider::from_sdk_config(&sdk)?
        .provide_credentials()
        .await
        .map(drop)
}

/// A credentials file of the provider with `text`, read through its chain (`profile` chosen).
async fn file_row(
    p: Provider,
    text: &'static [u8],
    profile: Option<&'static str>,
) -> Result<(), Error> {
    match p {
        Provider::Aws => {
            let home = home_with(&[(".aws/credentials", text), (".aws/config", b"")]);
            let h = home.path();
            from_aws_files(h.join(".aws/credentials"), h.join(".aws/config"), profile).await
        }
        Provider::Tencent => {
            let home = home_with(&[(".tencentcloud/credentials", text)]);
            from_chain(p, home.path(), &[], profile).await
        }
        _ => {
            let home = home_with(&[(".alibabacloud/credentials", text)]);
            from_chain(p, home.path(), &[], profile).await
        }
    }
}

/// The aliyun CLI's `~/.aliyun/config.json` with `text`, read through Alibaba Cloud's chain.
async fn aliyun_row(text: &'static str, profile: Option<&'static str>) -> Result<(), Error> {
    let home = home_with(&[(".aliyun/config.json", text.as_bytes())]);
    from_chain(Provider::Alibaba, home.path(), &[], profile).await
}

/// Credentials file rows for the provider's chain: syntax errors, missing fields, unreadable
/// and unknown profiles.
fn credential_rows(p: Provider) -> Vec<Row<'static>> {
    // aws-config reports a syntax error as "could not parse profile file" and drops the file
    // and line it knows (aws-config-1.8.11 src/profile/credentials.rs:187 formats its error
    // into a string that keeps only the outer message), so on AWS the rows look for that.
    let line = |n: &'static str| {
        if p == Provider::Aws {
            "parse profile file"
        } else {
            n
        }
    };
    let mut rows = vec![
        row(
            "credentials file: unclosed section header",
            CONFIG,
            line("line 1"),
            file_row(p, b"[default\nkey = value\n", None),
        ),
        row(
            "credentials file: a line that is not key = value",
            CONFIG,
            line("line 2"),
            file_row(p, b"[default]\njust some words\n", None),
        ),
        row(
            "credentials file: key before any section",
            CONFIG,
            line("line 1"),
            file_row(p, b"key = value\n[default]\n", None),
        ),
    ];
    if p == Provider::Aws {
        rows.extend([
            row(
                "credentials file: no secret key",
                CONFIG,
                "aws_secret_access_key",
                file_row(
                    p,
                    b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
                    None,
                ),
            ),
            row(
                "credentials file: a chosen profile that is not there",
                CONFIG,
                "prod",
                file_row(
                    p,
                    b"[default]\naws_access_key_id = A\naws_secret_access_key = s\n",
                    Some("prod"),
                ),
            ),
            row(
                "credentials path: a directory",
                CONFIG,
                "credentials",
                async move {
                    let home = home_with(&[(".aws/config", b"")]);
                    let h = home.path();
                    std::fs::create_dir_all(h.join(".aws/credentials")).unwrap();
                    from_aws_files(h.join(".aws/credentials"), h.join(".aws/config"), None).await
                },
            ),
        ]);
        return rows;
    }
    rows.extend([
        row(
            "credentials file: not UTF-8",
            CONFIG,
            "utf-8",
            file_row(p, b"[default]\nkey = \xff\xfe\n", None),
        ),
        row(
            "credentials file: empty section name",
            CONFIG,
            "line 1",
            file_row(p, b"[ ]\n", None),
        ),
        row(
            "credentials file: empty key",
            CONFIG,
            "line 2",
            file_row(p, b"[default]\n = v\n", None),
        ),
        row(
            "credentials file: a chosen profile that is not there",
            CONFIG,
            "prod",
            file_row(p, b"[default]\n", Some("prod")),
        ),
    ]);
    match p {
        Provider::Tencent => rows.extend([
            row(
                "credentials file: no secret_key",
                CONFIG,
                "secret_key",
                file_row(p, b"[default]\nsecret_id = AKIDx\n", None),
            ),
            row(
                "credentials file: empty secret_id",
                CONFIG,
                "secret_id",
                file_row(p, b"[default]\nsecret_id =\nsecret_key = s\n", None),
            ),
            row(
                "credentials file: duration_seconds not a number",
                CONFIG,
                "duration_seconds",
                file_row(
                    p,
                    b"[default]\nsecret_id = AKIDx\nsecret_key = s\nrole_arn = qcs::cam::uin/1:roleName/r\nduration_seconds = soon\n",
                    None,
                ),
            ),
            row("environment: id without secret", CONFIG, "TENCENTCLOUD_SECRET_KEY", async move {
                let home = home_with(&[]);
                from_chain(
                    p,
                    home.path(),
                    &[("TENCENTCLOUD_SECRET_ID", "AKIDx".to_owned())],
                    None,
                )
                .await
            }),
            row("credentials path: a directory", CONFIG, "cannot read", async move {
                // Root reads a file of mode 000; a directory stays unreadable as a file.
                let home = home_with(&[]);
                std::fs::create_dir_all(home.path().join(".tencentcloud/credentials")).unwrap();
                from_chain(p, home.path(), &[], None).await
            }),
        ]),
        _ => rows.extend([
            row(
                "credentials file: access_key without its secret",
                CONFIG,
                "access_key_secret",
                file_row(p, b"[default]\ntype = access_key\naccess_key_id = LTAIx\n", None),
            ),
            row(
                "credentials file: sts without a token",
                CONFIG,
                "security_token",
                file_row(
                    p,
                    b"[default]\ntype = sts\naccess_key_id = STS.x\naccess_key_secret = s\n",
                    None,
                ),
            ),
            row(
                "credentials file: ram_role_arn without role_arn",
                CONFIG,
                "role_arn",
                file_row(
                    p,
                    b"[default]\ntype = ram_role_arn\naccess_key_id = LTAIx\naccess_key_secret = s\n",
                    None,
                ),
            ),
            row(
                "credentials file: ecs_ram_role without role_name",
                CONFIG,
                "role_name",
                file_row(p, b"[default]\ntype = ecs_ram_role\n", None),
            ),
            row(
                "credentials file: duration_seconds not a number",
                CONFIG,
                "duration_seconds",
                file_row(
                    p,
                    b"[default]\ntype = ram_role_arn\naccess_key_id = LTAIx\naccess_key_secret = s\nrole_arn = acs:ram::1:role/r\nduration_seconds = 1h\n",
                    None,
                ),
            ),
            row(
                "environment: secret without id",
                CONFIG,
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                async move {
                    let home = home_with(&[]);
                    from_chain(
                        p,
                        home.path(),
                        &[("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s".to_owned())],
                        None,
                    )
                    .await
                },
            ),
            row(
                "ALIBABA_CLOUD_CREDENTIALS_FILE: a directory",
                CONFIG,
                "cannot read",
                async move {
                    // Root reads a file of mode 000; a directory stays unreadable as a file.
                    let home = home_with(&[]);
                    let dir = home.path().display().to_string();
                    from_chain(
                        p,
                        home.path(),
                        &[("ALIBABA_CLOUD_CREDENTIALS_FILE", dir)],
                        None,
                    )
                    .await
                },
            ),
            row(
                "aliyun config.json: truncated JSON",
                CONFIG,
                "invalid json",
                aliyun_row("{\"profiles\": [", None),
            ),
            row(
                "aliyun config.json: no profiles",
                CONFIG,
                "profiles",
                aliyun_row("{\"current\": \"default\"}", None),
            ),
            row(
                "aliyun config.json: profiles not a list",
                CONFIG,
                "profiles",
                aliyun_row("{\"profiles\": \"default\"}", None),
            ),
            row(
                "aliyun config.json: AK without its secret",
                CONFIG,
                "access_key_secret",
                aliyun_row(
                    r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAIx"}]}"#,
                    None,
                ),
            ),
            row(
                "aliyun config.json: StsToken without a token",
                CONFIG,
                "sts_token",
                aliyun_row(
                    r#"{"current":"default","profiles":[{"name":"default","mode":"StsToken","access_key_id":"STS.x","access_key_secret":"s"}]}"#,
                    None,
                ),
            ),
            row(
                "aliyun config.json: key id not a string",
                CONFIG,
                "access_key_id",
                aliyun_row(
                    r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":42,"access_key_secret":"s"}]}"#,
                    None,
                ),
            ),
            row(
                "aliyun config.json: current names a missing profile",
                CONFIG,
                "gone",
                aliyun_row(
                    r#"{"current":"gone","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAIx","access_key_secret":"s"}]}"#,
                    None,
                ),
            ),
        ]),
    }
    rows
}

pub async fn catalogue_config(ctx: &Ctx) {
    let p = ctx.provider;
    let spy = Spy::start(&ctx.endpoint).await;
    let config = ctx.config().with_endpoint(spy.url()).unwrap();
    let builder = || ctx.cloud_builder(ctx.credentials(), &config);
    let build = |b: unicloud::CloudBuilder| async move { b.build().await };
    let other_region = match p {
        Provider::Aws => "ap-guangzhou",
        Provider::Tencent => "us-east-1",
        // Alibaba Cloud has a `us-east-1` too: an AWS-only shape instead.
        _ => "us-gov-west_1",
    };
    let other_role = match p {
        Provider::Aws => "acs:ram::1234567890123456:role/ops",
        _ => "arn:aws:iam::123456789012:role/ops",
    };
    let mut rows = vec![
        row(
            "region: empty",
            INVALID,
            "region",
            build(builder().region("")),
        ),
        row(
            "region: capitals and `_`",
            INVALID,
            "region",
            build(builder().region("CN_Hangzhou")),
        ),
        row(
            "region: one word",
            INVALID,
            "region",
            build(builder().region("hangzhou")),
        ),
        row(
            "region: another cloud's",
            INVALID,
            "region",
            build(builder().region(other_region)),
        ),
        row(
            "region: longer than 64 characters",
            INVALID,
            "region",
            build(builder().region(format!("ap-{}", "x".repeat(70)))),
        ),
        row(
            "endpoint: not a URL",
            INVALID,
            "endpoint",
            build(builder().endpoint("not a url")),
        ),
        row(
            "endpoint: ftp",
            INVALID,
            "endpoint",
            build(builder().endpoint("ftp://127.0.0.1/")),
        ),
        row(
            "endpoint: no scheme",
            INVALID,
            "endpoint",
            build(builder().endpoint("127.0.0.1:8080")),
        ),
        row(
            "assume role: another cloud's role",
            INVALID,
            "role",
            build(builder().assume_role(RoleSpec {
                role_arn: other_role.into(),
                session_name: "catalogue".into(),
                duration: None,
                external_id: None,
                policy: None,
            })),
        ),
    ];
    rows.extend(credential_rows(p));
    let n = run_table(ctx, &spy, "config", rows).await;
    assert!(n >= 12, "{p}: the config catalogue shrank to {n} rows");
}

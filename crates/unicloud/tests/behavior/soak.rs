//! The fault soak: a seeded random workload of mixed operations on every selected cloud and
//! every service — create, start, stop and destroy instances; add, replace and delete routes;
//! register and deregister backends; upload objects in one request or in parts — run through
//! the unified API against one emulator that throttles, answers 5xx, adds latency, drops
//! connections after applying the change and cuts upload bodies off.
//!
//! A model says what the world must look like after each call: a success applies the
//! operation; a failure is settled by reading (through the unified API) and must have been
//! applied entirely or not at all — except where a `PartialFailure` report says exactly how
//! each route was left. At the end the emulator's own view of its world (not our client's) must
//! equal the model: no duplicated or lost instances, routes or backends, no open multipart
//! upload, every object's bytes, MD5 and CRC-64 right, and no panic.
//!
//! `SOAK_OPS` (default 300) and `SOAK_SEED` (default 1) choose the size and the seed; the seed
//! draws both the operations and the emulator's faults, and the operations of a shorter run are
//! the first ones of a longer run with the same seed. On failure the seed, the violations and
//! the shortest failing prefix of the operation list are printed (`SOAK_SHRINK=0` skips the
//! search). Uploads send one part at a time so that a seed replays the same faults.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::FutureExt as _;
use md5::{Digest, Md5};
use unicloud::base::{ClientConfig, Error, ErrorKind, Provider, RetryPolicy};
use unicloud::compute::{Compute, Filters, InstanceQuery, InstanceState, StopMode};
use unicloud::lb::{Backend, BackendPool, HealthState, LoadBalancing};
use unicloud::network::{ChangeReport, Cidr, Network, RouteChange, RouteLeft, RouteTarget};
use unicloud::storage::{MIB, Storage, UploadOptions};
use unicloud_emulator::{EmulatorHandle, FaultConfig, FaultRule};

use crate::harness::{self, Ctx, Target};
use crate::lb::LbFixture;

/// Destinations a table may hold: `10.100.0.0/16` … `10.107.0.0/16`.
const DESTS: u32 = 8;
/// Object keys per bucket (later uploads overwrite earlier ones).
const KEYS: u32 = 4;
/// Instances alive per cloud at most (a create beyond it is skipped).
const MAX_LIVE: usize = 10;

/// The actions the fixtures use (made through the vendors' own APIs before the workload):
/// spared from faults, so a failure is always the workload's.
const FIXTURE_ACTIONS: &[&str] = &[
    "CreateVpc",
    "CreateSubnet",
    "CreateVSwitch",
    "CreateRouteTable",
    "AssociateRouteTable",
    "CreateLoadBalancer",
    "CreateTargetGroup",
    "CreateListener",
    "CreateLoadBalancerTCPListener",
    "StartLoadBalancerListener",
];

/// One operation of the workload. `pick`s choose among the candidates the model has when the
/// operation runs (modulo their number), so a list replays the same on a fresh emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Create {
        cloud: Provider,
        count: u32,
    },
    Start {
        cloud: Provider,
        pick: u32,
    },
    Stop {
        cloud: Provider,
        pick: u32,
        force: bool,
    },
    Destroy {
        cloud: Provider,
        pick: u32,
    },
    /// (destination pick, instance pick) per route.
    AddRoutes {
        cloud: Provider,
        picks: Vec<(u32, u32)>,
    },
    ReplaceRoutes {
        cloud: Provider,
        picks: Vec<(u32, u32)>,
    },
    DeleteRoutes {
        cloud: Provider,
        picks: Vec<u32>,
    },
    Register {
        cloud: Provider,
        picks: Vec<u32>,
    },
    Deregister {
        cloud: Provider,
        picks: Vec<u32>,
    },
    /// Object `key` with `size` bytes drawn from `fill`.
    Upload {
        cloud: Provider,
        key: u32,
        size: u64,
        fill: u32,
    },
}

impl Op {
    fn kind(&self) -> &'static str {
        match self {
            Op::Create { .. } => "create-instances",
            Op::Start { .. } => "start-instance",
            Op::Stop { .. } => "stop-instance",
            Op::Destroy { .. } => "destroy-instance",
            Op::AddRoutes { .. } => "create-routes",
            Op::ReplaceRoutes { .. } => "replace-routes",
            Op::DeleteRoutes { .. } => "delete-routes",
            Op::Register { .. } => "register-backends",
            Op::Deregister { .. } => "deregister-backends",
            Op::Upload { size, cloud, .. } if *size > part_size(*cloud) => "upload-multipart",
            Op::Upload { .. } => "upload-single",
        }
    }

    fn cloud(&self) -> Provider {
        match self {
            Op::Create { cloud, .. }
            | Op::Start { cloud, .. }
            | Op::Stop { cloud, .. }
            | Op::Destroy { cloud, .. }
            | Op::AddRoutes { cloud, .. }
            | Op::ReplaceRoutes { cloud, .. }
            | Op::DeleteRoutes { cloud, .. }
            | Op::Register { cloud, .. }
            | Op::Deregister { cloud, .. }
            | Op::Upload { cloud, .. } => *cloud,
        }
    }
}

/// SplitMix64: small, seedable, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }
}

/// The smallest part each vendor takes, used as the part size: S3 5 MiB, COS 1 MiB, OSS
/// 100 KiB.
fn part_size(p: Provider) -> u64 {
    match p {
        Provider::Aws => 5 * MIB,
        Provider::Tencent => MIB,
        _ => 100 * 1024,
    }
}

/// `count` operations drawn from `seed` over `clouds`; the first `n` of a longer list are the
/// list for `n`.
fn workload(seed: u64, count: usize, clouds: &[Provider]) -> Vec<Op> {
    let mut rng = Rng(seed ^ 0x50A4_50A4_50A4_50A4);
    (0..count)
        .map(|_| {
            let cloud = clouds[rng.below(clouds.len() as u64) as usize];
            let n = 1 + rng.below(3) as usize;
            let pairs = |rng: &mut Rng| -> Vec<(u32, u32)> {
                (0..n).map(|_| (rng.pick(), rng.pick())).collect()
            };
            let picks = |rng: &mut Rng| -> Vec<u32> { (0..n).map(|_| rng.pick()).collect() };
            match rng.below(100) {
                0..10 => Op::Create {
                    cloud,
                    count: 1 + rng.below(2) as u32,
                },
                10..18 => Op::Start {
                    cloud,
                    pick: rng.pick(),
                },
                18..26 => Op::Stop {
                    cloud,
                    pick: rng.pick(),
                    force: rng.below(2) == 0,
                },
                26..33 => Op::Destroy {
                    cloud,
                    pick: rng.pick(),
                },
                33..45 => Op::AddRoutes {
                    cloud,
                    picks: pairs(&mut rng),
                },
                45..54 => Op::ReplaceRoutes {
                    cloud,
                    picks: pairs(&mut rng),
                },
                54..61 => Op::DeleteRoutes {
                    cloud,
                    picks: picks(&mut rng),
                },
                61..71 => Op::Register {
                    cloud,
                    picks: picks(&mut rng),
                },
                71..79 => Op::Deregister {
                    cloud,
                    picks: picks(&mut rng),
                },
                _ => {
                    let part = part_size(cloud);
                    let size = match rng.below(10) {
                        0 => 0,
                        1..6 => 1 + rng.below(64 * 1024),
                        // Two parts, the second short.
                        _ => part + 1 + rng.below(part - 1),
                    };
                    Op::Upload {
                        cloud,
                        key: rng.below(u64::from(KEYS)) as u32,
                        size,
                        fill: rng.pick(),
                    }
                }
            }
        })
        .collect()
}

/// The emulator's faults: on every action of every cloud but the fixtures'.
fn faults(seed: u64) -> FaultConfig {
    let mut f = FaultConfig::default().seed(seed);
    for a in FIXTURE_ACTIONS {
        f = f.rule(FaultRule::new(None, a));
    }
    f.rule(
        FaultRule::new(None, "*")
            .throttle(0.05)
            .server_error(0.05)
            .drop_after_apply(0.05)
            .drop_mid_body(0.02)
            .latency(Duration::from_millis(1)),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Running,
    Stopped,
    Gone,
}

#[derive(Debug, Clone)]
struct Inst {
    id: String,
    name: String,
    ip: String,
    state: St,
}

/// An object as the model knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Obj {
    size: u64,
    fill: u32,
    /// The ETag the vendor must report (lower case, no quotes).
    etag: String,
}

/// What one cloud must look like.
#[derive(Debug, Default)]
struct Model {
    instances: Vec<Inst>,
    /// Destination number → instance index.
    routes: BTreeMap<u32, usize>,
    /// Instance indexes registered with the pool.
    pool: BTreeSet<usize>,
    /// Key number → object.
    objects: BTreeMap<u32, Obj>,
}

impl Model {
    fn live(&self) -> Vec<usize> {
        self.indexes(|i| i.state != St::Gone)
    }

    fn indexes(&self, f: impl Fn(&Inst) -> bool) -> Vec<usize> {
        (0..self.instances.len())
            .filter(|i| f(&self.instances[*i]))
            .collect()
    }

    /// The instance a route target or backend names (by id, or Tencent's private IP).
    fn find(&self, id: &str) -> Option<usize> {
        self.instances
            .iter()
            .position(|i| i.id == id || (!i.ip.is_empty() && i.ip == id))
    }
}

/// Picks distinct candidates with `picks` (modulo what is left).
fn choose(mut from: Vec<usize>, picks: impl IntoIterator<Item = u32>) -> Vec<usize> {
    let mut out = Vec::new();
    for p in picks {
        if from.is_empty() {
            break;
        }
        out.push(from.remove(p as usize % from.len()));
    }
    out
}

fn dest(d: u32) -> String {
    format!("10.{}.0.0/16", 100 + d)
}

fn dest_number(c: &Cidr) -> Option<u32> {
    (0..DESTS).find(|d| dest(*d).parse::<Cidr>().ok().as_ref() == Some(c))
}

/// A deterministic payload.
fn payload(len: u64, fill: u32) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9 ^ fill | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The ETag of `bytes` uploaded in one request, or in parts of `part` bytes.
fn expected_etag(bytes: &[u8], part: u64) -> String {
    if bytes.len() as u64 <= part {
        return hex(&Md5::digest(bytes));
    }
    let mut all = Vec::new();
    let chunks = bytes.chunks(part as usize);
    let n = chunks.len();
    for c in chunks {
        all.extend_from_slice(&Md5::digest(c));
    }
    format!("{}-{n}", hex(&Md5::digest(&all)))
}

fn norm_etag(e: &str) -> String {
    e.trim_matches('"').to_ascii_lowercase()
}

/// One cloud's clients and fixtures.
struct Env {
    provider: Provider,
    ctx: Ctx,
    compute: Compute,
    network: Network,
    lb: LoadBalancing,
    storage: Storage,
    vpc_id: String,
    subnet_id: String,
    table_id: String,
    pool: BackendPool,
    /// The pool's id in the emulator's model.
    pool_id: String,
    bucket: String,
    dir: tempfile::TempDir,
}

fn bucket_name(p: Provider) -> String {
    match p {
        Provider::Tencent => "soak-1250000000".to_owned(),
        _ => format!("soak-{}", p.to_string().to_ascii_lowercase()),
    }
}

/// Fast retries: the faults must be recovered from, not waited out.
fn config(endpoint: &str) -> ClientConfig {
    ClientConfig::default()
        .with_endpoint(endpoint)
        .unwrap()
        .with_timeouts(Duration::from_secs(5), Duration::from_secs(30))
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(10)
                .with_base_backoff(Duration::from_millis(1))
                .with_throttle_base_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(20)),
        )
}

async fn env(emu: &EmulatorHandle, provider: Provider) -> Env {
    let (key_id, secret) = harness::keys(&Target::Emulator, provider);
    let ctx = Ctx {
        provider,
        target: Target::Emulator,
        endpoint: emu.base_url(),
        emulator: None,
        key_id,
        secret,
        clock: None,
        run: uuid::Uuid::new_v4().simple().to_string(),
    };
    let fx = LbFixture::new(&ctx, 0).await;
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &config(&ctx.endpoint))
        .build()
        .await
        .unwrap();
    let pool_id = match &fx.pool {
        BackendPool::TargetGroup { arn } => arn.clone(),
        BackendPool::ClassicLoadBalancer { name } => name.clone(),
        BackendPool::ClbListener { listener_id, .. } => listener_id.clone(),
        BackendPool::SlbServerGroup {
            load_balancer_id,
            vserver_group_id,
            ..
        } => vserver_group_id
            .clone()
            .unwrap_or_else(|| load_balancer_id.clone()),
        other => panic!("unexpected pool {other:?}"),
    };
    Env {
        provider,
        compute: cloud.compute(),
        network: cloud.network(),
        lb: cloud
            .lb()
            .with_poll_interval(Duration::from_millis(5))
            .with_task_timeout(Duration::from_secs(30)),
        storage: cloud.storage(),
        vpc_id: fx.net.vpc_id.clone(),
        subnet_id: fx.net.subnet_id.clone(),
        table_id: fx.net.table_id.clone(),
        pool: fx.pool.clone(),
        pool_id,
        bucket: bucket_name(provider),
        dir: tempfile::tempdir().unwrap(),
        ctx,
    }
}

/// Something that must not happen, and the operation after which it was seen (`None`: the
/// final comparison).
#[derive(Debug, Clone)]
struct Violation {
    op: Option<usize>,
    what: String,
}

#[derive(Debug, Default)]
struct Stats {
    /// Per kind: (run, skipped, errors surfaced, of which the call had been applied).
    kinds: BTreeMap<&'static str, (u64, u64, u64, u64)>,
    faults: BTreeMap<String, u64>,
    elapsed: Duration,
}

struct Run {
    violations: Vec<Violation>,
    stats: Stats,
}

/// What one operation did.
enum Outcome {
    Ok,
    Skipped,
    Failed(Error),
}

struct Soak<'a> {
    envs: &'a [Env],
    models: BTreeMap<Provider, Model>,
    violations: Vec<Violation>,
    /// Open uploads already reported (so each is reported once).
    orphans: BTreeSet<String>,
    /// Set when the settling read finds a failed call applied after all.
    applied: bool,
}

/// Retries a settling read a few times: it goes through the same faults.
async fn read<T, F, Fut>(mut f: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut last = None;
    for _ in 0..5 {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(e),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap())
}

impl Soak<'_> {
    fn env(&self, p: Provider) -> &Env {
        self.envs.iter().find(|e| e.provider == p).unwrap()
    }

    fn violate(&mut self, i: usize, p: Provider, what: impl Into<String>) {
        self.violations.push(Violation {
            op: Some(i),
            what: format!("{p}: {}", what.into()),
        });
    }

    async fn step(&mut self, i: usize, op: &Op) -> Outcome {
        let p = op.cloud();
        match op {
            Op::Create { count, .. } => self.create(i, p, *count).await,
            Op::Start { pick, .. } => self.lifecycle(i, p, *pick, None).await,
            Op::Stop { pick, force, .. } => {
                let mode = if *force {
                    StopMode::Force
                } else {
                    StopMode::Graceful
                };
                self.lifecycle(i, p, *pick, Some(mode)).await
            }
            Op::Destroy { pick, .. } => self.destroy(i, p, *pick).await,
            Op::AddRoutes { picks, .. } => self.routes(i, p, Change::Add, picks).await,
            Op::ReplaceRoutes { picks, .. } => self.routes(i, p, Change::Replace, picks).await,
            Op::DeleteRoutes { picks, .. } => {
                let pairs: Vec<(u32, u32)> = picks.iter().map(|d| (*d, 0)).collect();
                self.routes(i, p, Change::Delete, &pairs).await
            }
            Op::Register { picks, .. } => self.backends(i, p, true, picks).await,
            Op::Deregister { picks, .. } => self.backends(i, p, false, picks).await,
            Op::Upload {
                key, size, fill, ..
            } => self.upload(i, p, *key, *size, *fill).await,
        }
    }

    async fn create(&mut self, i: usize, p: Provider, count: u32) -> Outcome {
        if self.models[&p].live().len() >= MAX_LIVE {
            return Outcome::Skipped;
        }
        let env = self.env(p);
        let name = format!("soak-{i}");
        let mut spec = env.ctx.spec(count).subnet(&env.subnet_id).name(&name);
        if p == Provider::Tencent {
            spec = spec.vpc(&env.vpc_id);
        }
        let compute = env.compute.clone();
        let res = compute.create_instances(&spec).await;
        let found = read(|| compute.list_instances(Filters::new().name(&name))).await;
        let found: Vec<_> = match found {
            Ok(f) => f.into_iter().filter(|i| !i.state.is_gone()).collect(),
            Err(e) => {
                self.violate(i, p, format!("cannot read instances named {name}: {e}"));
                return res.map_or_else(Outcome::Failed, |_| Outcome::Ok);
            }
        };
        let expect = match &res {
            Ok(ids) => {
                if ids.len() != count as usize {
                    self.violate(i, p, format!("asked for {count} instances, got {ids:?}"));
                }
                vec![count as usize]
            }
            Err(_) => vec![0, count as usize],
        };
        if !expect.contains(&found.len()) {
            self.violate(
                i,
                p,
                format!(
                    "{} instances named {name} after the call ({}), expected {expect:?}",
                    found.len(),
                    if res.is_ok() {
                        "it succeeded"
                    } else {
                        "it failed"
                    }
                ),
            );
        }
        if let Ok(ids) = &res {
            for id in ids {
                if !found.iter().any(|f| &f.id == id) {
                    self.violate(i, p, format!("created {id} but cannot find it"));
                }
            }
        }
        self.applied = res.is_err() && !found.is_empty();
        let m = self.models.get_mut(&p).unwrap();
        for f in found {
            let state = match f.state {
                InstanceState::Running => St::Running,
                InstanceState::Stopped => St::Stopped,
                _ => St::Running,
            };
            m.instances.push(Inst {
                id: f.id.clone(),
                name: name.clone(),
                ip: f.private_ip().unwrap_or_default().to_owned(),
                state,
            });
        }
        res.map_or_else(Outcome::Failed, |_| Outcome::Ok)
    }

    /// Starts a stopped instance (`stop: None`) or stops a running one.
    async fn lifecycle(
        &mut self,
        i: usize,
        p: Provider,
        pick: u32,
        stop: Option<StopMode>,
    ) -> Outcome {
        let (from, after) = match stop {
            None => (St::Stopped, St::Running),
            Some(_) => (St::Running, St::Stopped),
        };
        let m = &self.models[&p];
        let cands = m.indexes(|x| x.state == from);
        let Some(&k) = choose(cands, [pick]).first() else {
            return Outcome::Skipped;
        };
        let id = m.instances[k].id.clone();
        let compute = self.env(p).compute.clone();
        let res = match stop {
            None => compute.start_instances([&id]).await,
            Some(mode) => compute.stop_instances([&id], mode).await,
        };
        let seen = self.instance_state(i, p, &id).await;
        let ok = match &res {
            Ok(_) => seen == Some(after),
            Err(_) => seen == Some(after) || seen == Some(from),
        };
        if !ok {
            self.violate(
                i,
                p,
                format!(
                    "{id} is {seen:?} after a call that {} (expected {:?})",
                    if res.is_ok() { "succeeded" } else { "failed" },
                    if res.is_ok() {
                        vec![after]
                    } else {
                        vec![from, after]
                    }
                ),
            );
        }
        self.applied = res.is_err() && seen == Some(after);
        if let Some(s) = seen {
            self.models.get_mut(&p).unwrap().instances[k].state = s;
        }
        res.map_or_else(Outcome::Failed, |_| Outcome::Ok)
    }

    /// The state our client reads (`Gone` when destroyed or unknown).
    async fn instance_state(&mut self, i: usize, p: Provider, id: &str) -> Option<St> {
        let compute = self.env(p).compute.clone();
        match read(|| compute.list_instances(InstanceQuery::ids([id]))).await {
            Ok(found) => match found.first().map(|f| &f.state) {
                Some(InstanceState::Running) => Some(St::Running),
                Some(InstanceState::Stopped) => Some(St::Stopped),
                Some(s) if s.is_gone() => Some(St::Gone),
                None => Some(St::Gone),
                Some(other) => {
                    self.violate(i, p, format!("{id} is {other} with no transition delay"));
                    None
                }
            },
            Err(e) if e.kind() == ErrorKind::NotFound => Some(St::Gone),
            Err(e) => {
                self.violate(i, p, format!("cannot read {id}: {e}"));
                None
            }
        }
    }

    async fn destroy(&mut self, i: usize, p: Provider, pick: u32) -> Outcome {
        let m = &self.models[&p];
        // Instances a route or backend names are kept: what a destroy leaves behind there is
        // the vendor's business, not the model's.
        let cands = m.indexes(|x| x.state != St::Gone);
        let cands: Vec<usize> = cands
            .into_iter()
            .filter(|k| !m.pool.contains(k) && !m.routes.values().any(|v| v == k))
            .collect();
        let Some(&k) = choose(cands, [pick]).first() else {
            return Outcome::Skipped;
        };
        let (id, before) = (m.instances[k].id.clone(), m.instances[k].state);
        let res = self.env(p).compute.clone().destroy_instances([&id]).await;
        let seen = self.instance_state(i, p, &id).await;
        let ok = match &res {
            Ok(_) => seen == Some(St::Gone),
            Err(_) => seen == Some(St::Gone) || seen == Some(before),
        };
        if !ok {
            self.violate(
                i,
                p,
                format!(
                    "{id} is {seen:?} after a destroy that {}",
                    if res.is_ok() { "succeeded" } else { "failed" }
                ),
            );
        }
        self.applied = res.is_err() && seen == Some(St::Gone);
        if let Some(s) = seen {
            self.models.get_mut(&p).unwrap().instances[k].state = s;
        }
        res.map_or_else(Outcome::Failed, |_| Outcome::Ok)
    }

    async fn routes(
        &mut self,
        i: usize,
        p: Provider,
        change: Change,
        picks: &[(u32, u32)],
    ) -> Outcome {
        let m = &self.models[&p];
        let live = m.live();
        let cands: Vec<usize> = (0..DESTS as usize)
            .filter(|d| m.routes.contains_key(&(*d as u32)) != (change == Change::Add))
            .collect();
        let dests = choose(cands, picks.iter().map(|(d, _)| *d));
        if dests.is_empty() || (change != Change::Delete && live.is_empty()) {
            return Outcome::Skipped;
        }
        let before = m.routes.clone();
        let mut after = before.clone();
        let mut batch = Vec::new();
        for (d, (_, t)) in dests.iter().zip(picks) {
            let d = *d as u32;
            if change == Change::Delete {
                after.remove(&d);
            } else {
                let k = live[*t as usize % live.len()];
                after.insert(d, k);
                batch.push(
                    RouteChange::new(&dest(d), RouteTarget::instance(&m.instances[k].id)).unwrap(),
                );
            }
        }
        let dest_nums: Vec<u32> = dests.iter().map(|d| *d as u32).collect();
        let env = self.env(p);
        let (network, table) = (env.network.clone(), env.table_id.clone());
        let res = match change {
            Change::Add => network.create_routes(&table, &batch).await.map(drop),
            Change::Replace => network.replace_routes(&table, &batch).await.map(drop),
            Change::Delete => {
                let cidrs: Vec<Cidr> = dest_nums
                    .iter()
                    .map(|d| dest(*d).parse().unwrap())
                    .collect();
                network.delete_routes(&table, &cidrs).await.map(drop)
            }
        };
        let m = self.models.get_mut(&p).unwrap();
        let Err(e) = res else {
            m.routes = after;
            return Outcome::Ok;
        };
        // Settle: read the table.
        let table_now = match read(|| network.route_table(&table)).await {
            Ok(t) => t,
            Err(re) => {
                self.violate(i, p, format!("cannot read table {table}: {re}"));
                return Outcome::Failed(e);
            }
        };
        let m = &self.models[&p];
        let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
        let mut problems = Vec::new();
        for r in &table_now.routes {
            let Some(d) = dest_number(&r.destination) else {
                continue;
            };
            match m.find(r.target.id()) {
                Some(k) => {
                    if seen.insert(d, k).is_some() {
                        problems.push(format!("{} listed twice", dest(d)));
                    }
                }
                None => problems.push(format!("{} points at unknown {}", dest(d), r.target)),
            }
        }
        let report = ChangeReport::of(&e).filter(|_| e.kind() == ErrorKind::PartialFailure);
        let mut applied = BTreeSet::new();
        for d in 0..DESTS {
            let now = seen.get(&d);
            let (was, want) = (before.get(&d), after.get(&d));
            if !dest_nums.contains(&d) {
                if now != was {
                    problems.push(format!(
                        "{} not in the batch moved from {was:?} to {now:?}",
                        dest(d)
                    ));
                }
                continue;
            }
            let left = report.and_then(|r| {
                r.routes
                    .iter()
                    .find(|o| dest_number(&o.destination) == Some(d))
                    .map(|o| o.left)
            });
            let fits = match left {
                Some(RouteLeft::Changed) => now == want,
                Some(RouteLeft::Unchanged | RouteLeft::RolledBack) => now == was,
                _ => now == was || now == want,
            };
            if !fits {
                problems.push(format!(
                    "{} is {now:?}: neither before {was:?} nor after {want:?} (report: {left:?})",
                    dest(d)
                ));
            }
            if now == want && now != was {
                applied.insert(d);
            }
        }
        if report.is_none() && !applied.is_empty() && applied.len() != dest_nums.len() {
            problems.push(format!(
                "half applied without a PartialFailure: {applied:?} of {dest_nums:?} ({e})"
            ));
        }
        for pr in problems {
            self.violate(
                i,
                p,
                format!("table {table} after a failed {change:?}: {pr}"),
            );
        }
        self.applied = !applied.is_empty();
        self.models.get_mut(&p).unwrap().routes = seen;
        Outcome::Failed(e)
    }

    async fn backends(&mut self, i: usize, p: Provider, register: bool, picks: &[u32]) -> Outcome {
        let m = &self.models[&p];
        let cands = if register {
            m.indexes(|x| x.state == St::Running)
                .into_iter()
                .filter(|k| !m.pool.contains(k))
                .collect()
        } else {
            m.pool.iter().copied().collect()
        };
        let chosen = choose(cands, picks.iter().copied());
        if chosen.is_empty() {
            return Outcome::Skipped;
        }
        let env = self.env(p);
        let backends: Vec<Backend> = chosen
            .iter()
            .map(|k| {
                let b = Backend::new(&m.instances[*k].id);
                match env.pool {
                    BackendPool::ClbListener { .. } => b.with_port(80),
                    _ => b,
                }
            })
            .collect();
        let (lb, pool) = (env.lb.clone(), env.pool.clone());
        let res = if register {
            lb.register(&pool, &backends).await
        } else {
            lb.deregister(&pool, &backends).await
        };
        let before = m.pool.clone();
        let mut after = before.clone();
        for k in &chosen {
            if register {
                after.insert(*k);
            } else {
                after.remove(k);
            }
        }
        let Err(e) = res else {
            self.models.get_mut(&p).unwrap().pool = after;
            return Outcome::Ok;
        };
        let health = match read(|| lb.describe_health(&pool, &[])).await {
            Ok(h) => h,
            Err(re) => {
                self.violate(i, p, format!("cannot read pool {pool}: {re}"));
                return Outcome::Failed(e);
            }
        };
        let mut now = BTreeSet::new();
        let mut unknown = Vec::new();
        for h in health.iter().filter(|h| h.state != HealthState::Draining) {
            match m.find(&h.backend.instance_id) {
                Some(k) => {
                    now.insert(k);
                }
                None => unknown.push(h.backend.clone()),
            }
        }
        for b in unknown {
            self.violate(i, p, format!("unknown backend {b:?} in pool {pool}"));
        }
        if now != before && now != after {
            self.violate(
                i,
                p,
                format!(
                    "pool {pool} after a failed {}: {now:?}, neither {before:?} nor {after:?} ({e})",
                    if register { "register" } else { "deregister" }
                ),
            );
        }
        self.applied = now == after;
        self.models.get_mut(&p).unwrap().pool = now;
        Outcome::Failed(e)
    }

    async fn upload(&mut self, i: usize, p: Provider, key: u32, size: u64, fill: u32) -> Outcome {
        let env = self.env(p);
        let bytes = payload(size, fill);
        let part = part_size(p);
        let path = env.dir.path().join(format!("op-{i}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        let name = format!("obj/{key}.bin");
        let opts = UploadOptions::default()
            .with_part_size(part)
            .with_concurrency(1);
        let (storage, bucket) = (env.storage.clone(), env.bucket.clone());
        let res = storage.upload_file(&bucket, &name, &path, &opts).await;
        std::fs::remove_file(&path).unwrap();
        let new = Obj {
            size,
            fill,
            etag: expected_etag(&bytes, part),
        };
        let old = self.models[&p].objects.get(&key).cloned();
        let multipart = size > part;
        let outcome = match res {
            Ok(r) => {
                if norm_etag(&r.etag) != new.etag || r.size != size {
                    self.violate(
                        i,
                        p,
                        format!(
                            "{name}: upload says etag {} size {}, expected {} {size}",
                            r.etag, r.size, new.etag
                        ),
                    );
                }
                self.models.get_mut(&p).unwrap().objects.insert(key, new);
                Outcome::Ok
            }
            Err(e) => {
                let head = read(|| storage.head_object(&bucket, &name)).await;
                let now = match head {
                    Ok(h) => Some((norm_etag(&h.etag), h.size)),
                    Err(he) if he.kind() == ErrorKind::NotFound => None,
                    Err(he) => {
                        self.violate(i, p, format!("cannot read {name}: {he}"));
                        return Outcome::Failed(e);
                    }
                };
                let is = |o: &Option<Obj>| match (o, &now) {
                    (None, None) => true,
                    (Some(o), Some((etag, size))) => &o.etag == etag && o.size == *size,
                    _ => false,
                };
                if is(&Some(new.clone())) {
                    self.applied = true;
                    self.models.get_mut(&p).unwrap().objects.insert(key, new);
                } else if !is(&old) {
                    self.violate(
                        i,
                        p,
                        format!(
                            "{name} after a failed upload is {now:?}: neither the old {:?} nor the new {:?} ({e})",
                            old.as_ref().map(|o| (&o.etag, o.size)),
                            (&new.etag, new.size)
                        ),
                    );
                    self.models.get_mut(&p).unwrap().objects.remove(&key);
                }
                Outcome::Failed(e)
            }
        };
        if multipart || matches!(outcome, Outcome::Failed(_)) {
            match read(|| storage.list_multipart_uploads(&bucket, None)).await {
                Ok(open) => {
                    for u in open {
                        if self.orphans.insert(u.upload_id.clone()) {
                            let why = match &outcome {
                                Outcome::Failed(e) => format!("after a failed upload ({e})"),
                                _ => "after a successful upload".to_owned(),
                            };
                            self.violate(
                                i,
                                p,
                                format!(
                                    "multipart upload {} of {} left open {why}",
                                    u.upload_id, u.key
                                ),
                            );
                        }
                    }
                }
                Err(e) => self.violate(i, p, format!("cannot list uploads of {bucket}: {e}")),
            }
        }
        outcome
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Replace,
    Delete,
}

/// Runs `ops` on a fresh emulator and compares its world with the model at the end.
async fn run(seed: u64, ops: &[Op], clouds: &[Provider], verbose: bool) -> Run {
    let mut builder = unicloud_emulator::Emulator::builder()
        .listen("127.0.0.1:0".parse().unwrap())
        .transition_delay(Duration::ZERO)
        .faults(faults(seed));
    for p in clouds {
        let (id, secret) = harness::keys(&Target::Emulator, *p);
        builder = builder.key(*p, id, secret).bucket(*p, bucket_name(*p));
    }
    let emu = builder.start().await.expect("start the emulator");
    let mut envs = Vec::new();
    for p in clouds {
        envs.push(env(&emu, *p).await);
    }
    let started = Instant::now();
    let mut soak = Soak {
        envs: &envs,
        models: clouds.iter().map(|p| (*p, Model::default())).collect(),
        violations: Vec::new(),
        orphans: BTreeSet::new(),
        applied: false,
    };
    let mut stats = Stats::default();
    for (i, op) in ops.iter().enumerate() {
        soak.applied = false;
        let out = AssertUnwindSafe(soak.step(i, op)).catch_unwind().await;
        let entry = stats.kinds.entry(op.kind()).or_default();
        match out {
            Ok(Outcome::Ok) => entry.0 += 1,
            Ok(Outcome::Skipped) => entry.1 += 1,
            Ok(Outcome::Failed(e)) => {
                entry.0 += 1;
                entry.2 += 1;
                entry.3 += u64::from(soak.applied);
                if verbose && std::env::var("SOAK_VERBOSE").is_ok() {
                    eprintln!("soak: op {i} {op:?} failed: {e}");
                }
            }
            Err(panic) => {
                entry.0 += 1;
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                soak.violations.push(Violation {
                    op: Some(i),
                    what: format!("panic in {op:?}: {msg}"),
                });
            }
        }
        if verbose && (i + 1) % 1000 == 0 {
            eprintln!(
                "soak: {} of {} operations, {:.1?}",
                i + 1,
                ops.len(),
                started.elapsed()
            );
        }
    }
    stats.elapsed = started.elapsed();
    let mut violations = soak.violations;
    for env in &envs {
        final_check(&emu, env, &soak.models[&env.provider], &mut violations);
    }
    for ((p, action, kind), n) in emu.fault_counters().iter() {
        let _ = action;
        *stats.faults.entry(format!("{p} {kind:?}")).or_default() += n;
    }
    drop(envs);
    emu.shutdown().await;
    Run { violations, stats }
}

/// The emulator's own view against the model.
fn final_check(emu: &EmulatorHandle, env: &Env, m: &Model, out: &mut Vec<Violation>) {
    let p = env.provider;
    let mut bad = |what: String| {
        out.push(Violation {
            op: None,
            what: format!("{p} (final): {what}"),
        })
    };
    let world = emu.world(p, env.ctx.region().as_str());

    // Instances: every soak instance the emulator has is in the model, once, in its state.
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for w in world
        .instances
        .iter()
        .filter(|w| w.name.starts_with("soak-"))
    {
        let gone = w.state.is_gone();
        match m.instances.iter().find(|x| x.id == w.id) {
            None if gone => {}
            None => bad(format!(
                "instance {} ({}, {:?}) is not in the model: a duplicate",
                w.id, w.name, w.state
            )),
            Some(x) => {
                let ok = match x.state {
                    St::Gone => gone,
                    St::Running => w.state == unicloud_emulator::InstanceState::Running,
                    St::Stopped => w.state == unicloud_emulator::InstanceState::Stopped,
                };
                if !ok {
                    bad(format!(
                        "instance {} is {:?}, the model says {:?}",
                        w.id, w.state, x.state
                    ));
                }
            }
        }
        if !gone {
            *by_name.entry(w.name.as_str()).or_default() += 1;
        }
    }
    for x in m.instances.iter().filter(|x| x.state != St::Gone) {
        match world.instances.iter().find(|w| w.id == x.id) {
            Some(w) if !w.state.is_gone() => {}
            other => bad(format!(
                "instance {} ({}) is lost: {:?}",
                x.id,
                x.name,
                other.map(|w| w.state)
            )),
        }
    }
    let mut want_by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for x in m.instances.iter().filter(|x| x.state != St::Gone) {
        *want_by_name.entry(x.name.as_str()).or_default() += 1;
    }
    if by_name != want_by_name {
        bad(format!(
            "live instances by name {by_name:?}, the model says {want_by_name:?}"
        ));
    }

    // Routes of the soak's table, in the soak's range.
    let mut routes: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for r in world.routes.iter().filter(|r| r.table_id == env.table_id) {
        if let Some(d) = r
            .destination
            .parse::<Cidr>()
            .ok()
            .and_then(|c| dest_number(&c))
        {
            routes.entry(d).or_default().push(r.target_id.clone());
        }
    }
    let want: BTreeMap<u32, Vec<String>> = m
        .routes
        .iter()
        .map(|(d, k)| (*d, vec![m.instances[*k].id.clone()]))
        .collect();
    if routes != want {
        bad(format!(
            "routes of {} are {routes:?}, the model says {want:?}",
            env.table_id
        ));
    }

    // Backends: the pool holds exactly the model's; no other pool holds a soak instance.
    let mut pool: Vec<String> = Vec::new();
    for b in world.backends.iter().filter(|b| !b.draining) {
        let ours = m.instances.iter().any(|x| x.id == b.instance_id);
        if b.pool_id == env.pool_id {
            pool.push(b.instance_id.clone());
        } else if ours {
            bad(format!(
                "{} is registered with another pool, {}",
                b.instance_id, b.pool_id
            ));
        }
    }
    pool.sort();
    let mut want: Vec<String> = m.pool.iter().map(|k| m.instances[*k].id.clone()).collect();
    want.sort();
    if pool != want {
        bad(format!(
            "pool {} holds {pool:?}, the model says {want:?}",
            env.pool
        ));
    }

    // Objects: bytes, MD5 and CRC-64; no open upload.
    let store = emu.storage(p);
    let Some(bucket) = store.bucket(&env.bucket) else {
        bad(format!("bucket {} is gone", env.bucket));
        return;
    };
    for u in &bucket.uploads {
        bad(format!(
            "multipart upload {} of {} is open ({} parts)",
            u.upload_id,
            u.key,
            u.parts.len()
        ));
    }
    let keys: BTreeSet<String> = bucket.objects.iter().map(|o| o.key.clone()).collect();
    let want_keys: BTreeSet<String> = m.objects.keys().map(|k| format!("obj/{k}.bin")).collect();
    if keys != want_keys {
        bad(format!("objects {keys:?}, the model says {want_keys:?}"));
    }
    for (k, o) in &m.objects {
        let key = format!("obj/{k}.bin");
        let Some(s) = bucket.object(&key) else {
            continue;
        };
        let bytes = payload(o.size, o.fill);
        let md5 = hex(&Md5::digest(&bytes));
        let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Xz, &bytes);
        if s.size != o.size || s.md5_hex != md5 || s.crc64 != crc || norm_etag(&s.etag) != o.etag {
            bad(format!(
                "{key}: size {} md5 {} crc64 {} etag {}, expected {} {md5} {crc} {}",
                s.size, s.md5_hex, s.crc64, s.etag, o.size, o.etag
            ));
        } else if emu.object_bytes(p, &env.bucket, &key).as_deref() != Some(&bytes[..]) {
            bad(format!("{key}: the bytes differ"));
        }
    }
}

fn report(seed: u64, ops: usize, r: &Run) -> String {
    let mut s = format!(
        "soak: seed {seed}, {ops} operations in {:.1?}\n",
        r.stats.elapsed
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>6} {:>8} {:>7} {:>8}",
        "operation", "run", "skipped", "errors", "applied"
    );
    let mut total = (0, 0, 0, 0);
    for (k, (n, sk, e, a)) in &r.stats.kinds {
        let _ = writeln!(s, "  {k:<22} {n:>6} {sk:>8} {e:>7} {a:>8}");
        total = (total.0 + n, total.1 + sk, total.2 + e, total.3 + a);
    }
    let (n, sk, e, a) = total;
    let _ = writeln!(s, "  {:<22} {n:>6} {sk:>8} {e:>7} {a:>8}", "total");
    let _ = writeln!(
        s,
        "  (errors: calls that failed after the retries; applied: of those, the ones the settling \
         read found carried out)"
    );
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for (k, n) in &r.stats.faults {
        let kind = k.split_once(' ').map_or(k.as_str(), |(_, kind)| kind);
        *by_kind.entry(kind.to_owned()).or_default() += n;
    }
    let _ = writeln!(
        s,
        "  faults injected: {}",
        by_kind
            .iter()
            .filter(|(k, _)| k.as_str() != "Latency")
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "  requests answered with added latency: {}",
        by_kind.get("Latency").copied().unwrap_or(0)
    );
    let _ = writeln!(s, "  violations: {}", r.violations.len());
    s
}

fn env_num(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: expected a number")),
        _ => default,
    }
}

pub async fn soak() {
    if harness::target() != Target::Emulator {
        eprintln!("SKIP soak on moto: needs fault injection");
        return;
    }
    let seed = env_num("SOAK_SEED", 1);
    let count = env_num("SOAK_OPS", 300) as usize;
    let clouds = harness::providers();
    let ops = workload(seed, count, &clouds);
    eprintln!(
        "soak: seed {seed}, {count} operations on {:?} (SOAK_SEED / SOAK_OPS to change)",
        clouds
    );
    let r = run(seed, &ops, &clouds, true).await;
    eprint!("{}", report(seed, count, &r));
    if r.violations.is_empty() {
        return;
    }
    let mut msg = String::new();
    for v in &r.violations {
        let at =
            v.op.map_or("end".to_owned(), |i| format!("op {i} {:?}", ops[i]));
        let _ = writeln!(msg, "  after {at}: {}", v.what);
    }
    eprintln!("soak FAILED with seed {seed} ({count} operations):\n{msg}");
    if std::env::var("SOAK_SHRINK").as_deref() != Ok("0") {
        // The shortest failing prefix, by bisection (a prefix replays the same operations
        // and the same faults). A violation seen after op i bounds it at i + 1.
        let first = r.violations.iter().filter_map(|v| v.op).min();
        let mut hi = first.map_or(count, |i| i + 1);
        let mut lo = 0;
        let mut failing: Option<Vec<Violation>> = None;
        if hi < count {
            let again = run(seed, &ops[..hi], &clouds, false).await;
            if again.violations.is_empty() {
                lo = hi;
                hi = count;
            } else {
                failing = Some(again.violations);
            }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let again = run(seed, &ops[..mid], &clouds, false).await;
            if again.violations.is_empty() {
                lo = mid;
            } else {
                hi = mid;
                failing = Some(again.violations);
            }
        }
        let mut list = String::new();
        for (i, op) in ops[..hi].iter().enumerate() {
            let _ = writeln!(list, "  {i:>5}: {op:?}");
        }
        let shown = failing.unwrap_or(r.violations.clone());
        let mut why = String::new();
        for v in &shown {
            let _ = writeln!(why, "  {}", v.what);
        }
        eprintln!(
            "soak: the shortest failing prefix is {hi} operations \
             (SOAK_SEED={seed} SOAK_OPS={hi}):\n{list}with:\n{why}"
        );
    }
    panic!(
        "soak failed: seed {seed}, {count} operations, {} violation(s)",
        r.violations.len()
    );
}

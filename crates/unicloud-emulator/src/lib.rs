//! `unicloud-emulator`: a local, stateful, in-memory emulator of AWS, Tencent Cloud and
//! Alibaba Cloud that speaks each vendor's real wire protocol, verifies real signatures and can
//! inject faults — so SDKs, CLIs, the unicloud library and reliability tests run offline.
//!
//! # Start it
//!
//! As a binary (one listener serves all three clouds):
//!
//! ```text
//! unicloud-emulator --listen 127.0.0.1:4566 \
//!     --key aws:AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
//!     --key tencent:AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE:Gu5t9xGARNpq86cd98joQYCN3EXAMPLE \
//!     --key alibaba:testid:testsecret \
//!     --transition-delay-ms 2000 \
//!     --fault aws:RunInstances:throttle=0.2 --fault-seed 7
//! ```
//!
//! Flags: `--listen ADDR` (default `127.0.0.1:4566`); `--key PROVIDER:ID:SECRET` (repeatable);
//! `--transition-delay-ms N` (how long pending/stopping/... last; `0` = the next read sees the
//! final state); `--fixed-time UNIX_SECONDS` (freeze the clock, e.g. to replay captured
//! requests); `--fault PROVIDER:ACTION:key=value,...` (repeatable); `--fault-config FILE.toml`;
//! `--fault-seed N`; `--client-token-ttl-secs N` (default 86400); `--max-request-bytes N` (API
//! request bodies, default 4 MiB); `--data-dir DIR` (object bytes in files there, default in
//! memory); `--max-storage-bytes N` (object-storage budget per cloud, default 2 GiB);
//! `--bucket PROVIDER:NAME` (repeatable; a bucket created at start).
//!
//! In-process, for tests:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use unicloud_core::Provider;
//! use unicloud_emulator::Emulator;
//!
//! let emu = Emulator::builder()
//!     .listen("127.0.0.1:0".parse().expect("address"))
//!     .key(Provider::Aws, "AKIDEXAMPLE", "secret")
//!     .transition_delay(Duration::ZERO)
//!     .start()
//!     .await?;
//! let endpoint = emu.base_url(); // http://127.0.0.1:PORT — for every cloud
//! let running = emu.world(Provider::Aws, "us-east-1").instances;
//! # let _ = (endpoint, running);
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Demo keys
//!
//! With no key configured at all, one documented pair per cloud is accepted:
//!
//! | cloud | access key id | secret |
//! |---|---|---|
//! | AWS | `AKIAUNICLOUDEMULATOR` | `unicloud-emulator-aws-demo-secret` |
//! | Tencent | `AKIDunicloudEmulatorDemo` | `unicloud-emulator-tencent-demo-secret` |
//! | Alibaba | `LTAIunicloudEmulatorDemo` | `unicloud-emulator-alibaba-demo-secret` |
//!
//! (see [`DEMO_KEYS`]). As soon as any key is given, only the given keys are accepted.
//!
//! # Routing
//!
//! Every request goes to the same `http://HOST:PORT`; the cloud is recognised by protocol:
//! a `X-TC-Action` header → Tencent API 3.0; an `Authorization: AWS4-HMAC-SHA256 …` header →
//! AWS (service from the credential scope: `ec2`, `sts`, `elasticloadbalancing` — ELBv2 or
//! classic ELB by the `Version` parameter; `s3` is object storage); COS and OSS
//! signatures, presigned queries and bucket-style hosts (`bucket.s3.localhost`,
//! `bucket-1250000000.cos.<region>.myqcloud.com`, `bucket.oss-<region>.aliyuncs.com`) → that
//! cloud's object storage (see "Object storage" below); a
//! `SecretId` parameter in the query or form body → Tencent's legacy v1 signature;
//! `x-acs-action`, an ACS3 Authorization or `Action=` in the query → Alibaba OpenAPI (RPC
//! style). The exact rule, in order, is in the `router` module. Any region is accepted and
//! state is kept per (cloud, region): AWS takes the region from the SigV4 scope, Tencent from
//! `X-TC-Region` (the `Region` parameter for v1), Alibaba from the `RegionId` parameter.
//!
//! # Pointing the vendors' tools at it
//!
//! These Python snippets, with the demo keys against `unicloud-emulator --listen
//! 127.0.0.1:4566` (no `--key`), are what `.ci/sdk-compat.sh` checks: it drives the official
//! SDKs pinned in `sdk-compat/requirements.txt` through create / describe (ids, filters,
//! paging) / stop / start / delete, STS `AssumeRole` and calls with the temporary
//! credentials, and wrong-secret errors. Any region works.
//!
//! **AWS** — `boto3` (also with no `endpoint_url` and `AWS_ENDPOINT_URL=http://127.0.0.1:4566`
//! in the environment):
//!
//! ```text
//! import boto3
//! ec2 = boto3.client("ec2", region_name="us-west-2", endpoint_url="http://127.0.0.1:4566",
//!                    aws_access_key_id="AKIAUNICLOUDEMULATOR",
//!                    aws_secret_access_key="unicloud-emulator-aws-demo-secret")
//! ec2.describe_instances()
//! ```
//!
//! **Tencent Cloud** — `tencentcloud-sdk-python-common` with `-cvm` / `-sts`; the default
//! TC3-HMAC-SHA256 and the legacy `ClientProfile(signMethod="HmacSHA256")` / `"HmacSHA1"`
//! all work, with `HttpProfile(reqMethod="POST")` (the default) or `"GET"`:
//!
//! ```text
//! from tencentcloud.common import credential
//! from tencentcloud.common.profile.client_profile import ClientProfile
//! from tencentcloud.common.profile.http_profile import HttpProfile
//! from tencentcloud.cvm.v20170312 import cvm_client, models
//!
//! cred = credential.Credential("AKIDunicloudEmulatorDemo", "unicloud-emulator-tencent-demo-secret")
//! profile = ClientProfile(httpProfile=HttpProfile(endpoint="127.0.0.1:4566", protocol="http"))
//! cvm = cvm_client.CvmClient(cred, "ap-guangzhou", profile)
//! cvm.DescribeInstances(models.DescribeInstancesRequest())
//! ```
//!
//! **Alibaba Cloud** — the Tea/OpenAPI SDKs (`alibabacloud_ecs20140526`,
//! `alibabacloud_sts20150401`; ACS3-HMAC-SHA256):
//!
//! ```text
//! from alibabacloud_tea_openapi.models import Config
//! from alibabacloud_ecs20140526.client import Client
//! from alibabacloud_ecs20140526 import models as ecs_models
//!
//! ecs = Client(Config(access_key_id="LTAIunicloudEmulatorDemo",
//!                     access_key_secret="unicloud-emulator-alibaba-demo-secret",
//!                     endpoint="127.0.0.1:4566", protocol="http", region_id="cn-hangzhou"))
//! ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou"))
//! ```
//!
//! and the legacy core SDK (`aliyun-python-sdk-core` + `aliyun-python-sdk-ecs`; RPC v1
//! HMAC-SHA1), endpoint and protocol set per request:
//!
//! ```text
//! from aliyunsdkcore.client import AcsClient
//! from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
//!
//! client = AcsClient("LTAIunicloudEmulatorDemo", "unicloud-emulator-alibaba-demo-secret", "cn-hangzhou")
//! req = DescribeInstancesRequest()
//! req.set_endpoint("127.0.0.1:4566")
//! req.set_protocol_type("http")
//! client.do_action_with_exception(req)
//! ```
//!
//! With a wrong secret the legacy core SDK reports `InvalidAccessKeySecret`: the emulator
//! answers `SignatureDoesNotMatch` with its string to sign, as Alibaba Cloud does, and the SDK
//! recognises its own. The Go and Java SDKs and the vendors' CLIs (`aws --endpoint-url`,
//! tccli, aliyun) take the same endpoint settings but are not checked here.
//!
//! # What is emulated
//!
//! - Signatures: Tencent TC3-HMAC-SHA256 and the legacy `HmacSHA256`/`HmacSHA1` v1; Alibaba ACS3-HMAC-SHA256 and RPC v1 HMAC-SHA1 (with
//!   nonce replay protection, `SignatureNonceUsed`); AWS SigV4. Timestamps more than 5 minutes
//!   away from the emulator clock are rejected with each vendor's own code.
//! - STS `AssumeRole` and `GetCallerIdentity` for all three (Tencent STS 2018-08-13, Alibaba STS
//!   2015-04-01, AWS STS Query/XML); the temporary credentials work until they expire.
//! - Compute: Tencent CVM 2017-03-12 and Alibaba ECS 2014-05-26 `DescribeInstances`,
//!   `RunInstances`, `StartInstances`, `StopInstances`, `TerminateInstances`/`DeleteInstances`;
//!   AWS EC2 `RunInstances`, `DescribeInstances`, `StartInstances`, `StopInstances`,
//!   `TerminateInstances` (Query protocol, `2016-11-15` XML) — with the vendors' state machines,
//!   `ClientToken` idempotency, paging and filters.
//! - Networks (AWS so far): EC2 `CreateVpc` (with its main route table and `local` route),
//!   `CreateSubnet`, `CreateInternetGateway`, `AttachInternetGateway`, `CreateRouteTable`,
//!   `DescribeRouteTables` (filters, paging), `AssociateRouteTable`, `CreateRoute`,
//!   `ReplaceRoute`, `DeleteRoute`. Instances run in a subnet the emulator knows live in its VPC
//!   and take its next free address; a route to an instance turns `blackhole` when the
//!   instance is terminated. The same flow runs against moto in `.ci/moto.sh`.
//! - Load balancers, on one vendor-neutral model (`model/lb.rs`: load balancers, listeners,
//!   backend pools, backend health derived from the instance's state on the emulator clock):
//!   Tencent CLB 2018-03-17 (`CreateLoadBalancer`, `CreateListener`, `DescribeLoadBalancers`,
//!   `DescribeListeners`, `RegisterTargets`/`DeregisterTargets` as `DescribeTaskStatus` tasks,
//!   `DescribeTargets`, `DescribeTargetHealth`); Alibaba SLB 2014-05-15 (`CreateLoadBalancer`,
//!   TCP/HTTP listeners, `StartLoadBalancerListener`, `DescribeLoadBalancers`,
//!   `DescribeLoadBalancerAttribute`, `Add`/`RemoveBackendServers`, VServer groups,
//!   `DescribeHealthStatus`); AWS ELBv2 2015-12-01 (load balancers, target groups, listeners,
//!   `Register`/`DeregisterTargets`, `DescribeTargetHealth`) and classic ELB 2012-06-01
//!   (`CreateLoadBalancer`, `DescribeLoadBalancers`, `RegisterInstancesWithLoadBalancer`,
//!   `DeregisterInstancesFromLoadBalancer`, `DescribeInstanceHealth`). A backend is `initial`
//!   for the transition delay after registration, then healthy while its instance runs; each
//!   front-end's docs give the vendor's names and what a destroyed instance leaves.
//!   [`EmulatorHandle::seed_load_balancer`] inserts load balancers under given ids.
//! - Object storage, on one vendor-neutral store per cloud (`model/storage.rs`, behind its own
//!   lock): S3 (`CreateBucket`, `HeadBucket`, `ListBuckets`, `PutObject`, `HeadObject`,
//!   `GetObject` with `Range`, `ListObjects`/`ListObjectsV2`, `DeleteObject`,
//!   `CreateMultipartUpload`, `UploadPart`, `CompleteMultipartUpload`,
//!   `AbortMultipartUpload`, `ListMultipartUploads`, `ListParts`), path-style or
//!   virtual-hosted (`bucket.s3.localhost`), SigV4 by header (hex SHA-256 checked while the
//!   body streams, `UNSIGNED-PAYLOAD`, `aws-chunked` with chunk signatures and trailing
//!   `x-amz-checksum-*`) or presigned query; CRC32/CRC32C/CRC64NVME/SHA1/SHA256 checksums
//!   are validated, stored, returned with `x-amz-checksum-mode: ENABLED`, and multipart
//!   uploads with an algorithm answer the composite `base64(alg(part sums))-N`. COS
//!   (`PutBucket`, `InitiateMultipartUpload`, … with `x-cos-hash-crc64ecma`; the bucket from
//!   the `Host` even on 127.0.0.1, or `/<name>-<appid>/key`, or the only COS bucket) and OSS
//!   (v1 and v4 signatures, `%2F` keys, `x-oss-hash-crc64ecma`, upper-case ETags). Minimum
//!   parts: S3 5 MiB, COS 1 MiB, OSS 100 KiB ([`EmulatorBuilder::min_part_size`]). A body
//!   may be at most 5 GiB and never more than the storage budget left
//!   ([`EmulatorBuilder::max_storage_bytes`]): past it the vendor's `EntityTooLarge`
//!   (HTTP 400). [`EmulatorHandle::storage`] and [`EmulatorHandle::object_bytes`] show what is
//!   stored; [`EmulatorBuilder::bucket`] and [`EmulatorHandle::seed_upload`] seed it. Faults
//!   apply by the vendor's action name (`PutObject`, `UploadPart`, `CreateMultipartUpload` on
//!   AWS, `InitiateMultipartUpload` on COS and OSS, …); `drop_mid_body` cuts an upload off.
//!   Not emulated (answered `501 NotImplemented` in the vendor's shape): copies, multi-object
//!   delete (`POST ?delete`), versions and the ACL/tagging/policy/lifecycle/… sub-resources,
//!   OSS presigned URLs. Response header names are lower-case (the HTTP stack's choice; names
//!   are case-insensitive), which matters to SDKs that hand back raw header dicts
//!   (cos-python-sdk-v5: read `etag`, not `ETag`).
//! - Fault injection: see [`faults`] for the TOML format.
//! - Request counts: [`EmulatorHandle::request_counts`] tells how many requests each (cloud,
//!   region, action) received, injected faults included ([`RequestCounts`]), so tests can
//!   check a client's round trips.
//! - Fleets: [`EmulatorHandle::seed_instances`] seeds thousands of instances at once, and a
//!   page of `DescribeInstances` costs about its own size however many there are (instances
//!   are indexed in creation order; EC2 and ECS `NextToken`s are cursors, Tencent `Offset`
//!   and ECS `PageNumber` index it). An exactly full last page advertises no next page (EC2:
//!   no `nextToken`; ECS: an empty `NextToken`), so a client makes ceil(N / page) requests.
//!
//! # Layout
//!
//! ```text
//! server.rs   the listener: routes on the head, buffers API bodies up to the configured limit,
//!             injects faults
//! router.rs   the routing rule: which cloud, API or object storage, from host, headers, query
//! storage.rs  the object-storage engine the S3, COS and OSS front-ends share: actions,
//!             streamed bodies (hashes, aws-chunked, checksums), XML replies
//! auth/       keys.rs (static and temporary keys, nonce cache; all bounded), sigv4.rs,
//!             tencent.rs (TC3 + v1), alibaba.rs (ACS3 + RPC v1)
//! model/      the vendor-neutral world: one state per (cloud, region), each behind its own lock;
//!             compute.rs (the one instance state machine), network.rs, lb.rs (load balancers
//!             and backend health), tokens.rs (client tokens, expiring); storage.rs (buckets,
//!             objects, uploads: one store per cloud with its own lock)
//! wire/       the shared error type, flat parameters with their cap, XML text
//! aws/        mod.rs (Query protocol, both error shapes), ec2/, elbv2.rs, elb.rs, sts.rs, s3.rs
//! tencent/    mod.rs (JSON envelope, v1 unflattening), cvm.rs, vpc.rs, clb.rs, sts.rs, cos.rs
//! alibaba/    mod.rs (RPC parameters and errors), ecs.rs, vpc.rs, slb.rs, sts.rs, oss.rs
//! faults.rs   fault rules and counters
//! requests.rs request counts per (cloud, region, action)
//! ```
//!
//! Within a cloud, the service is found from what the request carries: the SigV4 scope on
//! AWS; the TC3 scope, the host's first label or the action on Tencent Cloud; the API version
//! or the action on Alibaba Cloud (product versions are unique there, action names are not).
//! A service file is an action → handler table plus the vendor's error wording; a handler
//! locks only the region it serves, so a slow call in one region never stalls another.
//!
//! # Adding a service
//!
//! 1. Add its table to the `Region` of `model/` (a new file there, vendor-neutral: no
//!    wire names, cross-references by id), with unit tests of its operations.
//! 2. Add one handler file in the vendor's folder (`aws/elbv2.rs`, `tencent/clb.rs`, …): a
//!    `SERVICE` constant naming it (scope name, or API version) and an `ACTIONS` table whose
//!    handlers parse parameters, call `Shared::in_region` and write the reply.
//! 3. List the `SERVICE` in the vendor's `SERVICES` array in its `mod.rs`.
//!
//! An object-storage vendor is different: its front-end file (`aws/s3.rs`, `tencent/cos.rs`,
//! `alibaba/oss.rs`) holds a `Vendor` constant (header prefix, XML namespace, minimum part,
//! error shape), finds bucket and key, checks the signature and hands the request to
//! `storage::serve`; the actions live once in `storage.rs`, the data in `model/storage.rs`.
//!
//! 4. Extend `tests/robustness.rs`'s action strategies and add the vendor's documented
//!    examples or captures as tests; check it with the vendor's SDK in `sdk-compat/`.
//!
//! # Bounds
//!
//! Memory stays bounded whatever clients send: request bodies are cut at
//! [`EmulatorBuilder::max_request_bytes`] (413), a request may carry at most 1000 parameters
//! (the vendor's invalid-parameter error otherwise), flattened list indexes stop at 999,
//! temporary keys are evicted once expired (at most 100 000 live), Alibaba nonces are kept for
//! the skew window only, client-token records expire after
//! [`EmulatorBuilder::client_token_ttl`] (at most 100 000 per region), and at most 4096
//! (cloud, region) states are created. Object-storage bodies are streamed, never buffered
//! twice, at most 5 GiB each and within the storage budget
//! ([`EmulatorBuilder::max_storage_bytes`], default 2 GiB per cloud); a CompleteMultipartUpload
//! body is bound by the API limit, an upload by 10 000 parts, a chunk or trailer line by 4 KiB.
//! No `Debug` output shows a secret or session token.
//!
//! # Benchmarks
//!
//! `cargo bench -p unicloud-emulator --bench throughput` starts the emulator in-process (transition
//! delay 0), seeds 200 instances per cloud and, for each cloud, drives two scenarios from 16
//! concurrent tasks: `describe` (DescribeInstances, one page of 100) and `run+terminate`
//! (RunInstances of one instance, then TerminateInstances / ECS DeleteInstances). It prints
//! requests/s and p50/p95/p99 latency per scenario. The requests go through the real clients
//! (`aws-sdk-ec2`, `unicloud_tencent`'s and `unicloud_alibaba`'s), so signing, the HTTP round
//! trip and response parsing are part of every figure; retries are off. Flags after `--`
//! (or environment variables): `--requests N` per scenario (`UNICLOUD_BENCH_REQUESTS`, 2000),
//! `--concurrency C` (`UNICLOUD_BENCH_CONCURRENCY`, 16), `--instances N`
//! (`UNICLOUD_BENCH_INSTANCES`, 200), `--max-seconds S` per scenario
//! (`UNICLOUD_BENCH_MAX_SECONDS`, 20) and `--moto URL` (`UNICLOUD_BENCH_MOTO`).
//!
//! With `--moto URL` the AWS scenarios also run against that moto server (seeded with one
//! RunInstances per instance) and both are printed side by side. `.ci/bench-vs-moto.sh` does
//! it all: it reuses or creates `./.venv` with `moto[server]`, starts moto on a free loopback
//! port with its default settings (signature checks off), runs the bench and stops moto. It is
//! not part of CI. The figures depend on the machine; the bench prints them and asserts nothing.

mod alibaba;
mod auth;
mod aws;
pub mod cli;
pub mod faults;
mod model;
mod requests;
mod router;
mod server;
mod storage;
mod tencent;
mod util;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use unicloud_core::Provider;
use unicloud_core::clock::{Clock, ManualClock, SystemClock};

pub use faults::{FaultConfig, FaultCounters, FaultKind, FaultRule};
pub use model::{BackendSnapshot, Instance, InstanceState, RegionSnapshot, RouteSnapshot};
pub use requests::RequestCounts;

use crate::server::Shared;

/// The demo key pairs accepted when no key is configured: (cloud, access key id, secret).
pub const DEMO_KEYS: [(Provider, &str, &str); 3] = [
    (
        Provider::Aws,
        "AKIAUNICLOUDEMULATOR",
        "unicloud-emulator-aws-demo-secret",
    ),
    (
        Provider::Tencent,
        "AKIDunicloudEmulatorDemo",
        "unicloud-emulator-tencent-demo-secret",
    ),
    (
        Provider::Alibaba,
        "LTAIunicloudEmulatorDemo",
        "unicloud-emulator-alibaba-demo-secret",
    ),
];

/// The emulator: configure with [`Emulator::builder`], run with [`EmulatorBuilder::start`].
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: listen on `127.0.0.1:0`, demo keys, system clock, a
    /// transition delay of 0, no faults.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configuration of an emulator about to start. Its `Debug` names the keys' ids, never their
/// secrets.
#[derive(Clone)]
pub struct EmulatorBuilder {
    listen: SocketAddr,
    keys: Vec<(Provider, String, String)>,
    clock: Option<Arc<dyn Clock>>,
    delay: Duration,
    retention: Duration,
    token_ttl: Duration,
    max_body_bytes: usize,
    faults: FaultConfig,
    data_dir: Option<std::path::PathBuf>,
    max_storage_bytes: u64,
    buckets: Vec<(Provider, String)>,
    min_parts: Vec<(Provider, u64)>,
}

impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self
            .keys
            .iter()
            .map(|(p, id, _)| format!("{p}:{id}"))
            .collect();
        f.debug_struct("EmulatorBuilder")
            .field("listen", &self.listen)
            .field("keys", &ids)
            .field("delay", &self.delay)
            .field("retention", &self.retention)
            .field("token_ttl", &self.token_ttl)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("faults", &self.faults)
            .field("data_dir", &self.data_dir)
            .field("max_storage_bytes", &self.max_storage_bytes)
            .field("buckets", &self.buckets)
            .finish_non_exhaustive()
    }
}

/// The lifecycle rules of `provider`'s compute service.
pub(crate) fn compute_rules(provider: Provider) -> &'static model::compute::Rules {
    match provider {
        Provider::Aws => &aws::ec2::RULES,
        Provider::Tencent => &tencent::cvm::RULES,
        _ => &alibaba::ecs::RULES,
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            keys: Vec::new(),
            clock: None,
            delay: Duration::ZERO,
            retention: Duration::from_secs(3600),
            token_ttl: Duration::from_secs(24 * 3600),
            max_body_bytes: 4 * 1024 * 1024,
            faults: FaultConfig::default(),
            data_dir: None,
            max_storage_bytes: storage::DEFAULT_MAX_STORAGE,
            buckets: Vec::new(),
            min_parts: Vec::new(),
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (port 0 picks a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Accepts the key pair `id`/`secret` for `provider`. Once any key is given, the demo keys
    /// are no longer accepted (add them back with [`EmulatorBuilder::demo_keys`]).
    pub fn key(
        mut self,
        provider: Provider,
        id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.keys.push((provider, id.into(), secret.into()));
        self
    }

    /// Accepts the [`DEMO_KEYS`] as well.
    pub fn demo_keys(mut self) -> Self {
        for (p, id, s) in DEMO_KEYS {
            self.keys.push((p, id.to_owned(), s.to_owned()));
        }
        self
    }

    /// Uses `clock` for signature freshness, credential expiry and state transitions.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Freezes the clock at `at` (a [`ManualClock`]); e.g. to replay captured requests.
    pub fn fixed_time(self, at: SystemTime) -> Self {
        self.clock(Arc::new(ManualClock::new(at)))
    }

    /// How long transitional states (pending, stopping, ...) last; 0 = the next read sees
    /// the final state.
    pub fn transition_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// How long AWS keeps `terminated` instances visible (default one hour).
    pub fn terminated_retention(mut self, d: Duration) -> Self {
        self.retention = d;
        self
    }

    /// How long a client token is remembered (default 24 hours): a repeat within this time
    /// returns what the first call created; records are evicted once they expire.
    pub fn client_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The largest API request body accepted (default 4 MiB: every emulated action needs far
    /// less, and a parsed JSON body can take many times its size in memory); larger bodies are
    /// answered `413 Payload Too Large` without being read further. Object-storage bodies are
    /// not buffered and not bound by this.
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The fault-injection configuration.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Keeps object and part bytes in files under `dir` (created if missing) instead of
    /// memory.
    pub fn data_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// The object-storage budget per cloud, in bytes (default 2 GiB): an upload that would
    /// exceed it is refused with the vendor's `EntityTooLarge` (HTTP 400).
    pub fn max_storage_bytes(mut self, bytes: u64) -> Self {
        self.max_storage_bytes = bytes;
        self
    }

    /// Creates bucket `name` of `provider` at start (COS names include `-<appid>`).
    pub fn bucket(mut self, provider: Provider, name: impl Into<String>) -> Self {
        self.buckets.push((provider, name.into()));
        self
    }

    /// The smallest part other than the last that `provider` accepts when completing a
    /// multipart upload (defaults: S3 5 MiB, COS 1 MiB, OSS 100 KiB, as the vendors
    /// document).
    pub fn min_part_size(mut self, provider: Provider, bytes: u64) -> Self {
        self.min_parts.push((provider, bytes));
        self
    }

    fn shared(self) -> Arc<Shared> {
        let keys = if self.keys.is_empty() {
            Self::default().demo_keys().keys
        } else {
            self.keys
        };
        Arc::new(Shared {
            keys: auth::KeyStore::new(&keys),
            world: model::World::default(),
            faults: faults::FaultEngine::new(self.faults),
            requests: Default::default(),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            delay: self.delay,
            retention: self.retention,
            token_ttl: self.token_ttl,
            max_body_bytes: self.max_body_bytes,
            stores: model::storage::Stores::default(),
            data_dir: self.data_dir,
            max_storage_bytes: self.max_storage_bytes,
            min_parts: self.min_parts,
        })
    }

    /// Binds the listener and starts serving in a background task.
    pub async fn start(self) -> std::io::Result<EmulatorHandle> {
        let listen = self.listen;
        if let Some(d) = &self.data_dir {
            std::fs::create_dir_all(d)?;
        }
        let buckets = self.buckets.clone();
        let shared = self.shared();
        for (p, name) in buckets {
            let region = match p {
                Provider::Aws => "us-east-1",
                Provider::Tencent => "ap-guangzhou",
                _ => "cn-hangzhou",
            };
            let now = shared.now();
            let _ = model::lock(shared.stores.of(p)).create_bucket(&name, region, now);
        }
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("emulator server stopped: {e}");
            }
        });
        Ok(EmulatorHandle {
            addr,
            shared,
            shutdown: Some(tx),
            task,
        })
    }
}

/// A running emulator. Its `Debug` shows the address and the key ids, never a secret.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("keys", &self.shared.keys)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the endpoint for every cloud.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator's clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.shared.clock.clone()
    }

    /// A read-only copy of what the emulator holds for `provider` in `region` (every resource
    /// kind, with due transitions applied), for tests to inspect.
    pub fn world(&self, provider: Provider, region: &str) -> RegionSnapshot {
        self.shared.snapshot(provider, region)
    }

    /// The instances of `provider` in `region`, in creation order: shorthand for
    /// `world(provider, region).instances`.
    pub fn instances(&self, provider: Provider, region: &str) -> Vec<Instance> {
        self.world(provider, region).instances
    }

    /// Inserts (or replaces) an instance, e.g. to give vendor examples the ids they name.
    /// `instance.region` says where it lives; a region beyond the emulator's limit is ignored.
    pub fn seed_instance(&self, provider: Provider, mut instance: Instance) {
        instance.seq = self.shared.world.next_seq() * 1000;
        if let Ok(state) = self.shared.world.region(provider, &instance.region.clone()) {
            model::lock(&state).instances.insert(instance);
        }
    }

    /// Inserts `n` instances of `provider` in `region`, copies of `template` (e.g.
    /// [`Instance::template`], any `id` and `region` it has are replaced) under fresh ids in
    /// the vendor's shape (AWS `i-` + 17 hex digits, Tencent `ins-` + 8, Alibaba `i-bp` + 18)
    /// with distinct private IPs (`10.x.y.z`, counting up), listed after every instance that
    /// exists, in the order of the returned ids. Holds the region's lock once for all of them,
    /// so seeding 10 000 instances takes milliseconds. Returns no id if the emulator already
    /// holds its limit of regions.
    ///
    /// ```no_run
    /// # fn demo(emu: &unicloud_emulator::EmulatorHandle) {
    /// use unicloud_core::Provider;
    /// use unicloud_emulator::Instance;
    /// let template = Instance::template(Provider::Tencent, "ap-guangzhou", "");
    /// let ids = emu.seed_instances(Provider::Tencent, "ap-guangzhou", 10_000, &template);
    /// assert_eq!(ids.len(), 10_000);
    /// # }
    /// ```
    pub fn seed_instances(
        &self,
        provider: Provider,
        region: &str,
        n: usize,
        template: &Instance,
    ) -> Vec<String> {
        let Ok(state) = self.shared.world.region(provider, region) else {
            return Vec::new();
        };
        let mut rs = model::lock(&state);
        let mut ids = Vec::with_capacity(n);
        for k in 0..n {
            let seq = self.shared.world.next_seq();
            let id = match provider {
                Provider::Aws => format!("i-{seq:017x}"),
                Provider::Tencent => format!("ins-{:08x}", seq & 0xffff_ffff),
                _ => format!("i-bp{seq:018x}"),
            };
            let mut inst = template.clone();
            inst.id = id.clone();
            inst.region = region.to_owned();
            inst.seq = seq * 1000;
            let host = u32::try_from(k % (1 << 24)).unwrap_or(0);
            inst.private_ip = format!(
                "10.{}.{}.{}",
                (host >> 16) & 0xff,
                (host >> 8) & 0xff,
                host & 0xff
            );
            if provider == Provider::Aws {
                inst.reservation_id = format!("r-{seq:017x}");
            }
            rs.instances.insert(inst);
            ids.push(id);
        }
        ids
    }

    /// Inserts network resources under the ids given, in order (e.g. to replay captured
    /// requests that name ids the emulator would never draw). Instances a route names must be
    /// seeded first ([`EmulatorHandle::seed_instance`]), in the VPC of the route's table.
    pub fn seed_network(
        &self,
        provider: Provider,
        region: &str,
        seeds: &[NetworkSeed],
    ) -> Result<(), SeedError> {
        let state = self
            .shared
            .world
            .region(provider, region)
            .map_err(|_| SeedError("too many regions".into()))?;
        let mut rs = model::lock(&state);
        for seed in seeds {
            apply_seed(&mut rs, seed)?;
        }
        Ok(())
    }

    /// Inserts a load balancer under the id given, with its listeners and backends (e.g. to
    /// replay captured requests naming ids the emulator would never draw). Backends' instances
    /// must be seeded first ([`EmulatorHandle::seed_instance`]); their health starts settled
    /// (no initial period).
    pub fn seed_load_balancer(
        &self,
        provider: Provider,
        region: &str,
        seed: &LoadBalancerSeed,
    ) -> Result<(), SeedError> {
        use model::lb::{Listener, LoadBalancer, NewBackend, Pool, Scheme};
        let state = self
            .shared
            .world
            .region(provider, region)
            .map_err(|_| SeedError("too many regions".into()))?;
        let mut rs = model::lock(&state);
        let refused = |e: model::lb::LbError| SeedError(format!("{e:?}"));
        let now = self.shared.now();
        let seq = self.shared.world.next_seq();
        let pool = |id: &str| Pool {
            id: id.to_owned(),
            name: String::new(),
            lb_id: Some(seed.id.clone()),
            vpc_id: seed.vpc_id.clone(),
            port: None,
            protocol: String::new(),
            backends: vec![],
            seq,
        };
        rs.lbs
            .create_lb(LoadBalancer {
                id: seed.id.clone(),
                name: seed.name.clone(),
                kind: String::new(),
                scheme: Scheme::Public,
                vpc_id: seed.vpc_id.clone(),
                subnets: vec![],
                address: "10.0.0.100".to_owned(),
                listeners: vec![],
                created: now,
                seq,
                busy_until: None,
            })
            .map_err(refused)?;
        // The load balancer's default pool (Alibaba's default server group).
        rs.lbs.create_pool(pool(&seed.id)).map_err(refused)?;
        for (id, port, protocol) in &seed.listeners {
            // Tencent binds targets to the listener; Alibaba to the default server group.
            let pool_id = if provider == Provider::Tencent {
                rs.lbs.create_pool(pool(id)).map_err(refused)?;
                id.clone()
            } else {
                seed.id.clone()
            };
            rs.lbs
                .add_listener(
                    &seed.id,
                    Listener {
                        id: id.clone(),
                        name: String::new(),
                        port: *port,
                        protocol: protocol.clone(),
                        backend_port: Some(*port),
                        pool: Some(pool_id),
                        running: true,
                    },
                    |a, b| a.port == b.port && a.protocol == b.protocol,
                )
                .map_err(refused)?;
        }
        for (pool_id, instance_id, port) in &seed.backends {
            if !rs.instances.contains(instance_id) {
                return Err(SeedError(format!("no instance {instance_id}")));
            }
            let b = NewBackend {
                instance_id: instance_id.clone(),
                port: *port,
                weight: 100,
            };
            rs.lbs.register(pool_id, &[b], now, now).map_err(refused)?;
        }
        Ok(())
    }

    /// A read-only view of `provider`'s object storage: buckets, objects and open uploads.
    pub fn storage(&self, provider: Provider) -> StorageSnapshot {
        let store = model::lock(self.shared.stores.of(provider));
        StorageSnapshot {
            buckets: store
                .buckets
                .values()
                .map(|b| BucketSnapshot {
                    name: b.name.clone(),
                    region: b.region.clone(),
                    objects: b
                        .objects
                        .values()
                        .map(|o| ObjectSnapshot {
                            key: o.key.clone(),
                            size: o.content.size,
                            etag: o.etag.clone(),
                            md5_hex: if o.parts > 0 {
                                // Not kept for a completed multipart object: hashed on demand.
                                o.content
                                    .blob
                                    .read()
                                    .map(|b| hex::encode(<md5::Md5 as md5::Digest>::digest(&b)))
                                    .unwrap_or_default()
                            } else {
                                hex::encode(o.content.md5)
                            },
                            crc64: o.content.crc64,
                            checksum: o
                                .content
                                .checksum
                                .as_ref()
                                .map(|c| (c.alg.name().to_owned(), c.value.clone())),
                            content_type: o.content_type.clone(),
                            metadata: o.metadata.clone(),
                            storage_class: o.storage_class.clone(),
                            parts: o.parts,
                        })
                        .collect(),
                    uploads: b
                        .uploads
                        .values()
                        .map(|u| UploadSnapshot {
                            key: u.key.clone(),
                            upload_id: u.id.clone(),
                            parts: u
                                .parts
                                .values()
                                .map(|p| (p.number, p.content.size))
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            used_bytes: store.used,
        }
    }

    /// The bytes of object `key` in `bucket` of `provider`, if it exists.
    pub fn object_bytes(&self, provider: Provider, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let blob = model::lock(self.shared.stores.of(provider))
            .object(bucket, key)
            .ok()?
            .content
            .blob
            .clone();
        blob.read().ok().map(|b| b.to_vec())
    }

    /// Opens a multipart upload under the id given (e.g. to replay captured part uploads
    /// naming ids the emulator would never draw); the bucket must exist.
    pub fn seed_upload(
        &self,
        provider: Provider,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), SeedError> {
        let now = self.shared.now();
        model::lock(self.shared.stores.of(provider))
            .create_upload(bucket, key, upload_id, Default::default(), now)
            .map_err(|e| SeedError(format!("{e:?}")))
    }

    /// A snapshot of the injected-fault counters.
    pub fn fault_counters(&self) -> FaultCounters {
        self.shared.faults.counters()
    }

    /// A snapshot of the request counters: how many requests each (cloud, region, action)
    /// received since the start (or the last [`EmulatorHandle::reset_request_counts`]).
    /// Requests answered with an injected fault count too; requests refused before their
    /// action is known (bad signature, unknown action) do not. Tests use it to check how many
    /// round trips a client made:
    ///
    /// ```no_run
    /// # async fn demo(emu: unicloud_emulator::EmulatorHandle) {
    /// use unicloud_core::Provider;
    /// let counts = emu.request_counts();
    /// let pages = counts.get(Provider::Tencent, "ap-guangzhou", "DescribeInstances");
    /// # let _ = pages; }
    /// ```
    pub fn request_counts(&self) -> RequestCounts {
        self.shared.requests.snapshot()
    }

    /// Sets every request counter back to zero.
    pub fn reset_request_counts(&self) {
        self.shared.requests.reset();
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// What one cloud's object storage holds: see [`EmulatorHandle::storage`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageSnapshot {
    /// The buckets, by name.
    pub buckets: Vec<BucketSnapshot>,
    /// Bytes held by objects and parts, counted against the storage budget.
    pub used_bytes: u64,
}

impl StorageSnapshot {
    /// The bucket `name`, if it exists.
    pub fn bucket(&self, name: &str) -> Option<&BucketSnapshot> {
        self.buckets.iter().find(|b| b.name == name)
    }
}

/// A bucket in a [`StorageSnapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketSnapshot {
    /// Its name.
    pub name: String,
    /// The region it was created in.
    pub region: String,
    /// Its objects, by key.
    pub objects: Vec<ObjectSnapshot>,
    /// Its multipart uploads in progress, by upload id.
    pub uploads: Vec<UploadSnapshot>,
}

impl BucketSnapshot {
    /// The object `key`, if it exists.
    pub fn object(&self, key: &str) -> Option<&ObjectSnapshot> {
        self.objects.iter().find(|o| o.key == key)
    }
}

/// An object in a [`BucketSnapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectSnapshot {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its ETag without quotes (MD5 hex, or `…-N` for a multipart object).
    pub etag: String,
    /// The MD5 of its bytes, hex.
    pub md5_hex: String,
    /// Its CRC-64/XZ (COS and OSS `crc64ecma`).
    pub crc64: u64,
    /// The S3 additional checksum stored with it: (algorithm, base64 value).
    pub checksum: Option<(String, String)>,
    /// Its content type.
    pub content_type: String,
    /// Its user metadata (names lower-case, without the vendor prefix).
    pub metadata: Vec<(String, String)>,
    /// Its storage class as the vendor spells it.
    pub storage_class: String,
    /// How many parts it was assembled from (0: a single PUT).
    pub parts: u32,
}

/// A multipart upload in a [`BucketSnapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadSnapshot {
    /// The object key.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// Its parts: (number, size).
    pub parts: Vec<(u32, u64)>,
}

/// A network resource for [`EmulatorHandle::seed_network`], vendor-neutral: what the vendor
/// front-ends show of it follows from these facts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkSeed {
    /// A VPC and its main (default, system) route table.
    Vpc {
        /// The VPC id.
        id: String,
        /// Its IPv4 CIDR block.
        cidr: String,
        /// The id of its main route table.
        main_route_table: String,
    },
    /// A subnet (vSwitch) of a VPC.
    Subnet {
        /// The subnet id.
        id: String,
        /// The VPC it lies in.
        vpc_id: String,
        /// Its CIDR block, inside the VPC's.
        cidr: String,
        /// Its zone.
        zone: String,
    },
    /// A route to an instance, under the number the vendor shows (Tencent `RouteId`; the
    /// Tencent `RouteItemId` and Alibaba `RouteEntryId` are derived from it). Tencent routes
    /// name the instance by its private IP.
    InstanceRoute {
        /// The route table.
        table: String,
        /// The route's number in its table (a taken number gets the table's next one).
        number: u64,
        /// The destination CIDR block.
        destination: String,
        /// The instance the route sends traffic to.
        instance_id: String,
    },
}

/// A load balancer for [`EmulatorHandle::seed_load_balancer`], vendor-neutral.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LoadBalancerSeed {
    /// The load balancer id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its VPC (empty: none checked).
    pub vpc_id: String,
    /// Listeners: (id, port, protocol in the vendor's word). Alibaba names listeners by port.
    pub listeners: Vec<(String, u16, String)>,
    /// Backends: (pool id, instance id, port). The pool is a Tencent listener id, or the
    /// load balancer id for its default pool (Alibaba's default server group).
    pub backends: Vec<(String, String, u16)>,
}

impl LoadBalancerSeed {
    /// A load balancer `id` with no listener or backend.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        LoadBalancerSeed {
            name: id.clone(),
            id,
            ..Self::default()
        }
    }

    /// Adds a listener.
    pub fn listener(mut self, id: &str, port: u16, protocol: &str) -> Self {
        self.listeners
            .push((id.to_owned(), port, protocol.to_owned()));
        self
    }

    /// Adds a backend to pool `pool` (a Tencent listener id, or the load balancer id).
    pub fn backend(mut self, pool: &str, instance_id: &str, port: u16) -> Self {
        self.backends
            .push((pool.to_owned(), instance_id.to_owned(), port));
        self
    }
}

/// Why a [`NetworkSeed`] was refused (a malformed CIDR, an unknown VPC, table or instance, a
/// taken destination...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError(pub String);

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "network seed refused: {}", self.0)
    }
}

impl std::error::Error for SeedError {}

fn apply_seed(rs: &mut model::Region, seed: &NetworkSeed) -> Result<(), SeedError> {
    use model::network::{Cidr, Target, TargetKind};
    let cidr = |s: &str| {
        s.parse::<Cidr>()
            .map_err(|_| SeedError(format!("`{s}` is not a CIDR block")))
    };
    let refused = |e: model::network::NetError| SeedError(format!("{e:?}"));
    match seed {
        NetworkSeed::Vpc {
            id,
            cidr: block,
            main_route_table,
        } => {
            let block = cidr(block)?;
            rs.networks
                .create_vpc(
                    id.clone(),
                    main_route_table.clone(),
                    block,
                    String::new(),
                    0,
                )
                .map_err(refused)?;
        }
        NetworkSeed::Subnet {
            id,
            vpc_id,
            cidr: block,
            zone,
        } => {
            let block = cidr(block)?;
            rs.networks
                .create_subnet(id.clone(), vpc_id, block, zone.clone(), String::new(), 0)
                .map_err(refused)?;
        }
        NetworkSeed::InstanceRoute {
            table,
            number,
            destination,
            instance_id,
        } => {
            let dest = cidr(destination)?;
            let inst = rs
                .instances
                .get(instance_id)
                .ok_or_else(|| SeedError(format!("no instance {instance_id}")))?;
            let (vpc, ip) = (inst.vpc_id.clone(), inst.private_ip.clone());
            let target = Target {
                kind: TargetKind::Instance,
                id: instance_id.clone(),
                address: Some(ip),
            };
            let answer = |id: &str| (id == instance_id.as_str()).then(|| vpc.clone());
            rs.networks
                .create_route_numbered(table, Some(*number), dest, target, &answer)
                .map_err(refused)?;
        }
    }
    Ok(())
}

impl Instance {
    /// A running instance with plausible defaults for `provider`, for [`EmulatorHandle::seed_instance`].
    pub fn template(provider: Provider, region: &str, id: &str) -> Self {
        let (zone, vpc, subnet, itype, image) = match provider {
            Provider::Aws => (
                format!("{region}a"),
                "vpc-1a2b3c4d",
                "subnet-1a2b3c4d",
                "t3.micro",
                "ami-0abcdef1234567890",
            ),
            Provider::Tencent => (
                format!("{region}-3"),
                "vpc-emu00001",
                "subnet-emu00001",
                "S5.MEDIUM2",
                "img-pi0ii46r",
            ),
            _ => (
                format!("{region}-i"),
                "vpc-emulatordefault0001",
                "vsw-emulatordefault0001",
                "ecs.g7.large",
                "aliyun_3_x64_20G_alibase_20240819.vhd",
            ),
        };
        Self {
            id: id.to_owned(),
            region: region.to_owned(),
            zone,
            name: String::new(),
            image_id: image.to_owned(),
            instance_type: itype.to_owned(),
            vpc_id: vpc.to_owned(),
            subnet_id: subnet.to_owned(),
            private_ip: "10.0.0.100".to_owned(),
            tags: Vec::new(),
            state: InstanceState::Running,
            pending: None,
            created: SystemTime::UNIX_EPOCH,
            client_token: String::new(),
            reservation_id: format!("r-{}", id.trim_start_matches("i-")),
            last_action: "RunInstances".to_owned(),
            last_request_id: String::new(),
            seq: 0,
            terminated_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_of_builder_and_handle_shows_no_secret() {
        let builder = Emulator::builder()
            .key(Provider::Aws, "AKIADEBUGTEST", "debug-test-secret")
            .key(Provider::Alibaba, "LTAIdebug", "another-debug-secret");
        let shown = format!("{builder:?}");
        assert!(shown.contains("AKIADEBUGTEST"), "{shown}");
        let handle = builder.start().await.unwrap();
        let shown_handle = format!("{handle:?}");
        assert!(shown_handle.contains("AKIADEBUGTEST"), "{shown_handle}");
        for shown in [shown, shown_handle] {
            assert!(!shown.contains("debug-test-secret"), "{shown}");
            assert!(!shown.contains("another-debug-secret"), "{shown}");
        }
        handle.shutdown().await;
    }

    #[tokio::test]
    async fn the_world_view_shows_routes_and_backends() {
        let handle = Emulator::builder().start().await.unwrap();
        let (p, region) = (Provider::Alibaba, "cn-hangzhou");
        handle
            .seed_network(
                p,
                region,
                &[
                    NetworkSeed::Vpc {
                        id: "vpc-snap".into(),
                        cidr: "10.0.0.0/16".into(),
                        main_route_table: "vtb-snap".into(),
                    },
                    NetworkSeed::Subnet {
                        id: "vsw-snap".into(),
                        vpc_id: "vpc-snap".into(),
                        cidr: "10.0.1.0/24".into(),
                        zone: "cn-hangzhou-i".into(),
                    },
                ],
            )
            .unwrap();
        let mut inst = Instance::template(p, region, "i-snap0001");
        inst.vpc_id = "vpc-snap".into();
        inst.subnet_id = "vsw-snap".into();
        handle.seed_instance(p, inst);
        handle
            .seed_network(
                p,
                region,
                &[NetworkSeed::InstanceRoute {
                    table: "vtb-snap".into(),
                    number: 7,
                    destination: "10.8.0.0/16".into(),
                    instance_id: "i-snap0001".into(),
                }],
            )
            .unwrap();
        handle
            .seed_load_balancer(
                p,
                region,
                &LoadBalancerSeed::new("lb-snap")
                    .listener("80", 80, "tcp")
                    .backend("lb-snap", "i-snap0001", 80),
            )
            .unwrap();
        let world = handle.world(p, region);
        let custom: Vec<_> = world
            .routes
            .iter()
            .filter(|r| !r.system)
            .map(|r| {
                (
                    r.table_id.as_str(),
                    r.destination.as_str(),
                    r.target_id.as_str(),
                )
            })
            .collect();
        assert_eq!(custom, [("vtb-snap", "10.8.0.0/16", "i-snap0001")]);
        assert!(world.routes.iter().all(|r| !r.blackhole));
        let backends: Vec<_> = world
            .backends
            .iter()
            .map(|b| {
                (
                    b.pool_id.as_str(),
                    b.instance_id.as_str(),
                    b.port,
                    b.draining,
                )
            })
            .collect();
        assert_eq!(backends, [("lb-snap", "i-snap0001", 80, false)]);
        handle.shutdown().await;
    }

    #[tokio::test]
    async fn the_world_view_is_a_snapshot_per_cloud_and_region() {
        let handle = Emulator::builder().start().await.unwrap();
        handle.seed_instance(
            Provider::Tencent,
            Instance::template(Provider::Tencent, "ap-guangzhou", "ins-snap0001"),
        );
        let view = handle.world(Provider::Tencent, "ap-guangzhou");
        assert_eq!(view.instances.len(), 1);
        assert!(
            handle
                .world(Provider::Tencent, "ap-beijing")
                .instances
                .is_empty()
        );
        assert!(
            handle
                .world(Provider::Aws, "ap-guangzhou")
                .instances
                .is_empty()
        );
        handle.shutdown().await;
    }

    #[tokio::test]
    async fn bulk_seeding_makes_distinct_vendor_shaped_instances_in_order() {
        let handle = Emulator::builder().start().await.unwrap();
        for (p, region, prefix, len) in [
            (Provider::Aws, "us-east-1", "i-", 19),
            (Provider::Tencent, "ap-guangzhou", "ins-", 12),
            (Provider::Alibaba, "cn-hangzhou", "i-bp", 22),
        ] {
            handle.seed_instance(p, Instance::template(p, region, "i-first"));
            let template = Instance::template(p, "elsewhere", "ignored");
            let ids = handle.seed_instances(p, region, 300, &template);
            assert_eq!(ids.len(), 300);
            assert!(
                ids.iter()
                    .all(|id| id.starts_with(prefix) && id.len() == len),
                "{ids:?}"
            );
            let listed = handle.instances(p, region);
            assert_eq!(listed.len(), 301);
            assert_eq!(listed[0].id, "i-first");
            let listed_ids: Vec<&str> = listed[1..].iter().map(|i| i.id.as_str()).collect();
            assert_eq!(
                listed_ids,
                ids.iter().map(String::as_str).collect::<Vec<_>>()
            );
            let ips: std::collections::HashSet<&str> =
                listed[1..].iter().map(|i| i.private_ip.as_str()).collect();
            assert_eq!(ips.len(), 300);
            assert!(listed.iter().all(|i| i.region == region));
        }
        handle.shutdown().await;
    }
}

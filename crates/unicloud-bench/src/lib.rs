//! Benchmarks for unicloud: what signing a request costs, what encoding a request and decoding
//! a page of instances cost, and what the unified layer adds on top of each vendor's client.
//! Benchmarks print figures; nothing here asserts on time.
//!
//! This library holds the fixtures the three benches share (reply bodies of 100 instances, the
//! in-memory HTTP client for `aws-sdk-ec2`, a seeded in-process emulator, medians); the
//! benches are in `benches/`. `cargo bench` builds with the release profile.
//!
//! # `signing` (criterion)
//!
//! ```text
//! cargo bench -p unicloud-bench --bench signing
//! cargo bench -p unicloud-bench --bench signing -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! The cost of signing one request with each of our signers: Tencent TC3, Alibaba ACS3,
//! Alibaba RPC v1, COS and OSS v4. Each request is the published vector of
//! `shared/signature-vectors.md`; before timing, the bench checks once that the signature
//! equals the published value, so what is timed is the real computation. Each figure covers
//! the whole signer call for one request: key derivation, canonical request, hashing, the
//! final HMAC and the header value (TC3, COS and OSS v4 derive their key on every call, as the
//! clients do).
//!
//! # `codec` (criterion)
//!
//! ```text
//! cargo bench -p unicloud-bench --bench codec
//! ```
//!
//! Per vendor, encoding a DescribeInstances request for a page of 100, and decoding a page of
//! 100 instances into [`unicloud_compute::Instance`], with no network:
//!
//! - **Tencent**: encode = `serde_json` of the generated `cvm::DescribeInstancesRequest` (the
//!   request body); decode = `unicloud_compute::bench::decode_tencent_page`: the client's
//!   envelope check, the serde decode of the generated response type and the mapping, the code
//!   the backend runs. The body is the documented example reply of
//!   `shared/specs-upstream/tencent-examples/cvm-v20170312.examples.json` with its instance
//!   repeated 100 times under distinct ids ([`tencent_page`]). `decode_page_100_vendor_types`
//!   stops at the generated types (what `TencentClient::call` returns), so the difference
//!   between the two decode figures is the mapping into `Instance`.
//! - **Alibaba**: encode = the RPC parameter encoding of the generated
//!   `ecs::DescribeInstancesRequest` (`unicloud_alibaba::encode::to_query_pairs`); decode =
//!   `unicloud_compute::bench::decode_alibaba_page`, as for Tencent. The body is the reply in
//!   wire capture `011-ali-ecs-DescribeInstances-acs3` with its instance repeated 100 times
//!   ([`alibaba_page`]); `decode_page_100_vendor_types` likewise.
//! - **AWS**: `aws-sdk-ec2` keeps its serializer and deserializer private, so both figures are
//!   whole SDK calls (`describe_instances().max_results(100).send()`) through an in-memory HTTP
//!   client ([`CannedHttp`]): no socket, no retries needed. *encode* answers with an empty page,
//!   so it is building the input, endpoint resolution, Query serialization, SigV4 signing, the
//!   SDK's orchestrator and interceptors, and parsing an empty reply. *decode* answers with 100
//!   instances and maps them with `unicloud_compute::bench::map_aws_page`: everything in
//!   *encode* plus the XML deserialization and the mapping; the difference between the two is
//!   the decode proper. The 100-instance reply is the emulator's own answer to a
//!   DescribeInstances on 100 seeded instances ([`emulator_ec2_page`]).
//!
//! The decode figures need the cargo feature `bench-internals` of `unicloud-compute`, which
//! this crate turns on; it is not part of the public API.
//!
//! # `unified` (a bench binary that prints figures)
//!
//! ```text
//! cargo bench -p unicloud-bench --bench unified
//! cargo bench -p unicloud-bench --bench unified -- --rounds 10 --requests 200 --instances 1000
//! ```
//!
//! The unified layer against the vendor client used directly, for DescribeInstances taking one
//! page of 100, on an in-process emulator seeded with `--instances` instances per cloud:
//!
//! - unified: `unicloud_compute::Compute` (`with_page_size(100)`), `describe_instances`, the
//!   first 100 instances of the stream (one request);
//! - direct: `TencentClient::call(&cvm::DescribeInstancesRequest { limit: 100, .. })`,
//!   `AlibabaClient::call(&ecs::DescribeInstancesRequest { max_results: 100, .. })`,
//!   `aws_sdk_ec2::Client::describe_instances().max_results(100)`.
//!
//! Both sides use their default retry settings (unicloud's `RetryPolicy`; the SDK's standard
//! retries for direct AWS), send one request per iteration one after another, and keep their
//! connections alive; on Tencent and Alibaba they share the same client and so the same
//! connection pool. unicloud's client-side rate limits are off ([`client_config`]): with the
//! vendors' default limits both sides would be paced at the limit (and on AWS only the unified
//! side, the SDK having none). Rounds alternate the order (A then B, B then A); the figure per
//! side is the median over all its requests, and the ratio unified/direct is printed per
//! provider. The emulator's request counters confirm afterwards that each iteration was one
//! DescribeInstances request on both sides.
//!
//! | flag | env | default | meaning |
//! |---|---|---|---|
//! | `--rounds N` | `UNICLOUD_BENCH_ROUNDS` | 10 | A/B rounds |
//! | `--requests N` | `UNICLOUD_BENCH_REQUESTS` | 200 | requests per side per round |
//! | `--instances N` | `UNICLOUD_BENCH_INSTANCES` | 1000 | instances seeded per cloud |
//! | `--provider P` | `UNICLOUD_BENCH_PROVIDER` | all | `aws`, `tencent` or `alibaba` only |

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::Value;
use unicloud_alibaba::client::AlibabaClient;
use unicloud_aws::{AwsClient, AwsConfigOptions, SdkConfig, load_sdk_config};
use unicloud_core::ratelimit::RateLimits;
use unicloud_core::{ClientConfig, Credentials, Provider, Region};
use unicloud_emulator::{DEMO_KEYS, Emulator, EmulatorHandle, Instance};
use unicloud_tencent::client::TencentClient;

/// Instances per page in every bench.
pub const PAGE: usize = 100;

/// The AWS region the benches use.
pub const AWS_REGION: &str = "us-east-1";
/// The Tencent Cloud region the benches use.
pub const TENCENT_REGION: &str = "ap-guangzhou";
/// The Alibaba Cloud region the benches use.
pub const ALIBABA_REGION: &str = "cn-hangzhou";

/// A fixture that could not be built (a missing or reshaped input file, an emulator failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError(pub String);

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FixtureError {}

fn fixture_error(what: impl fmt::Display) -> FixtureError {
    FixtureError(what.to_string())
}

/// The first documented example reply (`output`) of `action` in a Tencent examples file
/// (`shared/specs-upstream/tencent-examples/<service>.examples.json`).
pub fn tencent_example_output(examples_json: &str, action: &str) -> Result<String, FixtureError> {
    let all: Value = serde_json::from_str(examples_json).map_err(fixture_error)?;
    all.get("actions")
        .and_then(|a| a.get(action))
        .and_then(Value::as_array)
        .and_then(|examples| {
            examples
                .iter()
                .find_map(|e| e.get("output").and_then(Value::as_str))
        })
        .map(str::to_owned)
        .ok_or_else(|| fixture_error(format!("no example reply for {action}")))
}

/// Repeats the first element of the array at `path` (object keys) in `reply` `n` times, each
/// copy's `id_key` set by `id_of(i)`.
fn repeat_first(
    reply: &mut Value,
    path: &[&str],
    id_key: &str,
    n: usize,
    id_of: impl Fn(usize) -> String,
) -> Result<(), FixtureError> {
    let mut at = &mut *reply;
    for key in path {
        at = at
            .get_mut(*key)
            .ok_or_else(|| fixture_error(format!("the reply has no `{key}`")))?;
    }
    let list = at
        .as_array_mut()
        .ok_or_else(|| fixture_error(format!("`{}` is not an array", path.join("."))))?;
    let first = list
        .first()
        .cloned()
        .ok_or_else(|| fixture_error(format!("`{}` is empty", path.join("."))))?;
    *list = (0..n)
        .map(|i| {
            let mut copy = first.clone();
            if let Some(obj) = copy.as_object_mut() {
                obj.insert(id_key.to_owned(), Value::String(id_of(i)));
            }
            copy
        })
        .collect();
    Ok(())
}

/// A CVM DescribeInstances reply body of `n` instances: the example reply `example_output`
/// (`{"Response": {"InstanceSet": [...], ...}}`) with its first instance repeated `n` times
/// under the distinct ids `ins-00000000`, `ins-00000001`, ... and `TotalCount` set to `n`.
pub fn tencent_page(example_output: &str, n: usize) -> Result<Vec<u8>, FixtureError> {
    let mut reply: Value = serde_json::from_str(example_output).map_err(fixture_error)?;
    repeat_first(
        &mut reply,
        &["Response", "InstanceSet"],
        "InstanceId",
        n,
        |i| format!("ins-{i:08x}"),
    )?;
    if let Some(r) = reply.get_mut("Response").and_then(Value::as_object_mut) {
        r.insert("TotalCount".into(), Value::from(n));
    }
    serde_json::to_vec(&reply).map_err(fixture_error)
}

/// An ECS DescribeInstances reply body of `n` instances: `reply`
/// (`{"Instances": {"Instance": [...]}, ...}`) with its first instance repeated `n` times under
/// the distinct ids `i-bp10000000000000000`, ... and `TotalCount`/`PageSize` set to `n`.
pub fn alibaba_page(reply: &[u8], n: usize) -> Result<Vec<u8>, FixtureError> {
    let mut reply: Value = serde_json::from_slice(reply).map_err(fixture_error)?;
    repeat_first(
        &mut reply,
        &["Instances", "Instance"],
        "InstanceId",
        n,
        |i| format!("i-bp1{i:016x}"),
    )?;
    if let Some(r) = reply.as_object_mut() {
        r.insert("TotalCount".into(), Value::from(n));
        r.insert("PageSize".into(), Value::from(n));
    }
    serde_json::to_vec(&reply).map_err(fixture_error)
}

/// An in-memory HTTP client for the AWS SDK: every request is answered at once with HTTP 200
/// and the same XML body, without a socket. Used to time the SDK's own work.
#[derive(Debug, Clone)]
pub struct CannedHttp {
    body: Arc<[u8]>,
}

impl CannedHttp {
    /// A client that answers every request with `body`.
    pub fn new(body: impl Into<Arc<[u8]>>) -> Self {
        Self { body: body.into() }
    }
}

impl HttpConnector for CannedHttp {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let status = match StatusCode::try_from(200u16) {
            Ok(s) => s,
            Err(e) => {
                return HttpConnectorFuture::ready(Err(ConnectorError::other(e.into(), None)));
            }
        };
        let mut response = HttpResponse::new(status, SdkBody::from(self.body.to_vec()));
        response
            .headers_mut()
            .insert("content-type", "text/xml;charset=UTF-8");
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for CannedHttp {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// An `aws-sdk-ec2` client configured like the other AWS clients here (credentials, region,
/// an endpoint URL that is never resolved) whose HTTP client is [`CannedHttp`] answering
/// `body`.
pub async fn aws_in_memory_client(body: impl Into<Arc<[u8]>>) -> aws_sdk_ec2::Client {
    let sdk = aws_sdk_config("http://in-memory.invalid").await;
    let conf = aws_sdk_ec2::config::Builder::from(&sdk)
        .http_client(CannedHttp::new(body))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

/// An empty EC2 DescribeInstances reply (no reservation).
pub const EC2_EMPTY_PAGE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">"#,
    "<requestId>00000000-0000-0000-0000-000000000000</requestId>",
    "<reservationSet/>",
    "</DescribeInstancesResponse>"
);

/// Keeps the raw body of the last reply the SDK deserialized.
#[derive(Debug, Default, Clone)]
struct RecordBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for RecordBody {
    fn name(&self) -> &'static str {
        "RecordBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.response().body().bytes()
            && let Ok(mut slot) = self.0.lock()
        {
            *slot = Some(bytes.to_vec());
        }
        Ok(())
    }
}

/// The emulator's reply body to an EC2 DescribeInstances of `n` instances (`MaxResults=n`):
/// starts an emulator, seeds `n` instances with distinct ids, sends the request through
/// `aws-sdk-ec2` and keeps the raw XML it received.
pub async fn emulator_ec2_page(n: usize) -> Result<Vec<u8>, FixtureError> {
    let emu = seeded_emulator(n, &[Provider::Aws]).await?;
    let sdk = aws_sdk_config(&emu.base_url()).await;
    let record = RecordBody::default();
    let conf = aws_sdk_ec2::config::Builder::from(&sdk)
        .interceptor(record.clone())
        .build();
    let client = aws_sdk_ec2::Client::from_conf(conf);
    let max = i32::try_from(n).map_err(fixture_error)?;
    let out = client
        .describe_instances()
        .max_results(max)
        .send()
        .await
        .map_err(|e| fixture_error(aws_sdk_ec2::error::DisplayErrorContext(e)))?;
    emu.shutdown().await;
    let got: usize = out.reservations().iter().map(|r| r.instances().len()).sum();
    if got != n {
        return Err(fixture_error(format!(
            "the emulator answered {got} instances, not {n}"
        )));
    }
    let body = record.0.lock().map_err(fixture_error)?.take();
    body.ok_or_else(|| fixture_error("no reply body recorded"))
}

/// The emulator's demo key pair for `provider`.
pub fn demo_key(provider: Provider) -> Result<(&'static str, &'static str), FixtureError> {
    DEMO_KEYS
        .iter()
        .find(|(p, _, _)| *p == provider)
        .map(|(_, id, secret)| (*id, *secret))
        .ok_or_else(|| fixture_error(format!("no demo key for {provider}")))
}

/// Starts an in-process emulator (demo keys, no state-transition delay) and seeds `n`
/// instances with distinct ids on each of `providers`, in the bench regions.
pub async fn seeded_emulator(
    n: usize,
    providers: &[Provider],
) -> Result<EmulatorHandle, FixtureError> {
    let emu = Emulator::builder()
        .demo_keys()
        .transition_delay(Duration::ZERO)
        .start()
        .await
        .map_err(fixture_error)?;
    for &p in providers {
        let region = region_name(p);
        for i in 0..n {
            let id = match p {
                Provider::Tencent => format!("ins-{i:08x}"),
                Provider::Alibaba => format!("i-bp1{i:016x}"),
                _ => format!("i-0{i:016x}"),
            };
            emu.seed_instance(p, Instance::template(p, region, &id));
        }
    }
    Ok(emu)
}

/// The bench region of `provider`.
pub fn region_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Tencent => TENCENT_REGION,
        Provider::Alibaba => ALIBABA_REGION,
        _ => AWS_REGION,
    }
}

/// unicloud's default client configuration (default retry policy and time-outs) aimed at
/// `endpoint`, with the client-side rate limits off: the vendors' default limits (e.g. 40
/// requests/s for CVM) would pace a benchmark's back-to-back requests, and the measurement
/// would be of the limiter, not of the client.
pub fn client_config(endpoint: &str) -> Result<ClientConfig, FixtureError> {
    Ok(ClientConfig::default()
        .with_endpoint(endpoint)
        .map_err(fixture_error)?
        .with_rate_limits(RateLimits::disabled()))
}

/// The `aws-config` configuration of the AWS clients here: the emulator's demo key, the bench
/// region and `endpoint`; everything else as `aws-config` loads it.
pub async fn aws_sdk_config(endpoint: &str) -> SdkConfig {
    let explicit = demo_key(Provider::Aws)
        .ok()
        .map(|(id, secret)| Credentials::new(id, secret));
    load_sdk_config(&AwsConfigOptions {
        explicit,
        region: Region::new(Provider::Aws, AWS_REGION).ok(),
        endpoint: Some(endpoint.to_owned()),
        ..AwsConfigOptions::default()
    })
    .await
}

/// unicloud's AWS client for `endpoint` (see [`aws_sdk_config`]), with the default
/// [`ClientConfig`].
pub async fn aws_client(endpoint: &str) -> Result<AwsClient, FixtureError> {
    let sdk = aws_sdk_config(endpoint).await;
    AwsClient::new(sdk, client_config(endpoint)?).map_err(fixture_error)
}

/// unicloud's Tencent Cloud client for `endpoint`: the demo key, the bench region, the default
/// [`ClientConfig`].
pub fn tencent_client(endpoint: &str) -> Result<TencentClient, FixtureError> {
    let (id, secret) = demo_key(Provider::Tencent)?;
    TencentClient::builder(Region::new(Provider::Tencent, TENCENT_REGION).map_err(fixture_error)?)
        .credentials(Credentials::new(id, secret))
        .config(client_config(endpoint)?)
        .build()
        .map_err(fixture_error)
}

/// unicloud's Alibaba Cloud client for `endpoint`: the demo key, the bench region, the default
/// [`ClientConfig`].
pub fn alibaba_client(endpoint: &str) -> Result<AlibabaClient, FixtureError> {
    let (id, secret) = demo_key(Provider::Alibaba)?;
    AlibabaClient::builder(Region::new(Provider::Alibaba, ALIBABA_REGION).map_err(fixture_error)?)
        .credentials(Credentials::new(id, secret))
        .config(client_config(endpoint)?)
        .build()
        .map_err(fixture_error)
}

/// The median of `samples` (sorted in place); `NaN` when there are none.
pub fn median(samples: &mut [Duration]) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_unstable();
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid].as_secs_f64()
    } else {
        (samples[mid - 1].as_secs_f64() + samples[mid].as_secs_f64()) / 2.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tencent_page_repeats_the_instance_with_distinct_ids() {
        let example = r#"{"Response": {"TotalCount": 1, "InstanceSet": [{"InstanceId": "ins-x", "InstanceState": "RUNNING"}], "RequestId": "r"}}"#;
        let body: Value = serde_json::from_slice(&tencent_page(example, 3).unwrap()).unwrap();
        let set = body["Response"]["InstanceSet"].as_array().unwrap();
        let ids: Vec<&str> = set
            .iter()
            .map(|i| i["InstanceId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["ins-00000000", "ins-00000001", "ins-00000002"]);
        assert_eq!(set[2]["InstanceState"], "RUNNING");
        assert_eq!(body["Response"]["TotalCount"], 3);
    }

    #[test]
    fn alibaba_page_repeats_the_instance_with_distinct_ids() {
        let reply = br#"{"RequestId": "r", "TotalCount": 1, "Instances": {"Instance": [{"InstanceId": "i-x", "Status": "Running"}]}}"#;
        let body: Value = serde_json::from_slice(&alibaba_page(reply, 2).unwrap()).unwrap();
        let set = body["Instances"]["Instance"].as_array().unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set[1]["InstanceId"], "i-bp10000000000000001");
        assert_eq!(body["TotalCount"], 2);
        assert!(alibaba_page(br#"{"Instances": {"Instance": []}}"#, 2).is_err());
    }

    #[test]
    fn example_output_is_found_by_action() {
        let file = r#"{"actions": {"DescribeInstances": [{"input": "x", "output": "{}"}]}}"#;
        assert_eq!(
            tencent_example_output(file, "DescribeInstances").unwrap(),
            "{}"
        );
        assert!(tencent_example_output(file, "RunInstances").is_err());
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(3), ms(1), ms(2)]), 0.002);
        assert_eq!(median(&mut [ms(4), ms(1), ms(2), ms(3)]), 0.0025);
        assert!(median(&mut []).is_nan());
    }
}

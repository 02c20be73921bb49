//! The HTTP front door: one listener, requests routed to a vendor by protocol.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use unicloud_core::Provider;
use unicloud_core::clock::Clock;
use unicloud_core::signing::WireRequest;

use crate::auth::{ApiError, KeyStore, Principal};
use crate::faults::{FaultEngine, FaultKind};
use crate::model::compute::{Caller, Rules};
use crate::model::{MAX_REGIONS, Region, RegionSnapshot, World, lock};
use crate::router::{self, Route};
use crate::{alibaba, aws, storage, tencent};

/// Everything the request handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) keys: KeyStore,
    pub(crate) world: World,
    pub(crate) faults: FaultEngine,
    /// Requests received, per (cloud, region, action).
    pub(crate) requests: crate::requests::RequestCounter,
    pub(crate) clock: Arc<dyn Clock>,
    /// How long transitional states last.
    pub(crate) delay: Duration,
    /// How long AWS lists terminated instances.
    pub(crate) retention: Duration,
    /// How long a client token is remembered.
    pub(crate) token_ttl: Duration,
    /// The largest request body accepted.
    pub(crate) max_body_bytes: usize,
    /// Object storage: buckets, objects and uploads per cloud.
    pub(crate) stores: crate::model::storage::Stores,
    /// Where object bytes are kept (`None`: in memory).
    pub(crate) data_dir: Option<std::path::PathBuf>,
    /// The storage budget, in bytes, per cloud.
    pub(crate) max_storage_bytes: u64,
    /// Minimum part sizes set by the builder, per cloud.
    pub(crate) min_parts: Vec<(Provider, u64)>,
}

impl Shared {
    /// The minimum size of a part other than the last for `provider` (`default` unless the
    /// builder set one).
    pub(crate) fn min_part(&self, provider: Provider, default: u64) -> u64 {
        self.min_parts
            .iter()
            .rev()
            .find(|(p, _)| *p == provider)
            .map_or(default, |(_, n)| *n)
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// Runs `f` on the state of (`provider`, `region`) under that region's lock only, after
    /// applying the transitions due now under the vendor's `rules`.
    pub(crate) fn in_region<T>(
        &self,
        provider: Provider,
        region: &str,
        rules: &Rules,
        f: impl FnOnce(&mut Region, SystemTime) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let state = self.world.region(provider, region).map_err(|_| {
            ApiError::new(
                400,
                "InvalidParameterValue",
                format!(
                    "The emulator already holds {MAX_REGIONS} regions; restart it to use another."
                ),
            )
        })?;
        let now = self.now();
        let mut state = lock(&state);
        settle(&mut state, now, rules, self.retention);
        f(&mut state, now)
    }

    /// A read-only copy of (`provider`, `region`) with due transitions applied.
    pub(crate) fn snapshot(&self, provider: Provider, region: &str) -> RegionSnapshot {
        let Some(state) = self.world.existing(provider, region) else {
            return RegionSnapshot::default();
        };
        let now = self.now();
        let mut state = lock(&state);
        settle(
            &mut state,
            now,
            crate::compute_rules(provider),
            self.retention,
        );
        let routes = state
            .networks
            .tables
            .values()
            .flat_map(|t| {
                t.routes.iter().map(|r| crate::model::RouteSnapshot {
                    table_id: t.id.clone(),
                    destination: r.destination.to_string(),
                    target_id: r.target.id.clone(),
                    to_instance: r.target.kind == crate::model::network::TargetKind::Instance,
                    system: r.system,
                    blackhole: r.state == crate::model::network::RouteState::Blackhole,
                })
            })
            .collect();
        let backends = state
            .lbs
            .pools
            .values()
            .flat_map(|p| {
                p.backends.iter().map(|b| crate::model::BackendSnapshot {
                    pool_id: p.id.clone(),
                    instance_id: b.instance_id.clone(),
                    port: b.port,
                    weight: b.weight,
                    draining: b.gone_at.is_some(),
                })
            })
            .collect();
        RegionSnapshot {
            instances: state.instances.list().into_iter().cloned().collect(),
            routes,
            backends,
        }
    }
}

/// Applies what is due at `now`: instance transitions, then what destroyed instances leave
/// behind in the routes that pointed at them, and load-balancer backends done draining or
/// whose instance is gone.
fn settle(region: &mut Region, now: SystemTime, rules: &Rules, retention: Duration) {
    region.instances.settle(now, rules, retention);
    let instances = &region.instances;
    region.networks.targets_gone(
        &|id| instances.get(id).is_some_and(|i| !i.state.is_gone()),
        rules.routes_to_gone_instances,
    );
    region.lbs.settle(now, &region.instances);
}

/// What an API handler gets besides its parameters.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    /// The region the protocol names outside the parameters (AWS: the SigV4 scope; Tencent:
    /// `X-TC-Region` or v1's `Region`); empty when it comes from the parameters (Alibaba's
    /// `RegionId`) or is missing.
    pub(crate) region: &'a str,
    pub(crate) principal: &'a Principal,
    pub(crate) request_id: &'a str,
}

impl Ctx<'_> {
    /// The caller of a lifecycle change made by `action` at `now`.
    pub(crate) fn caller<'b>(&'b self, action: &'b str, now: SystemTime) -> Caller<'b> {
        Caller {
            action,
            request_id: self.request_id,
            now,
            delay: self.shared.delay,
        }
    }
}

/// A received request, fully buffered.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub(crate) method: String,
    /// Path plus `?query`, as on the request line.
    pub(crate) target: String,
    pub(crate) path: String,
    pub(crate) query: String,
    /// Header names lower-case, values as received (non-UTF-8 values dropped).
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) host: String,
}

impl Incoming {
    /// The first value of header `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The headers as borrowed pairs, for [`Incoming::wire`].
    pub(crate) fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The request as the signers' verifiers take it, over `headers` (from
    /// [`Incoming::header_pairs`]).
    pub(crate) fn wire<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> WireRequest<'a> {
        WireRequest {
            method: &self.method,
            target: &self.target,
            headers,
            body: &self.body,
        }
    }

    /// Builds an `Incoming` from raw parts (used by the server and by tests).
    pub(crate) fn from_parts(
        method: &str,
        target: &str,
        headers: Vec<(String, String)>,
        body: Bytes,
    ) -> Self {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let host = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        Self {
            method: method.to_owned(),
            target: target.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body,
            host,
        }
    }
}

/// The axum handler behind every path.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    if !headers.iter().any(|(k, _)| k == "host")
        && let Some(a) = parts.uri.authority()
    {
        headers.push(("host".to_owned(), a.to_string()));
    }
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    let mut incoming = Incoming::from_parts(parts.method.as_str(), &target, headers, Bytes::new());
    // Object storage is routed on the head alone; its body is the handler's to read.
    if let Some(Route::Storage(cloud)) = router::route_head(&incoming) {
        return storage::handle(&shared, cloud, incoming, body).await;
    }
    incoming.body = match axum::body::to_bytes(body, shared.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    match router::route(&incoming) {
        Route::Api(Provider::Tencent) => tencent::handle(&shared, incoming).await,
        Route::Api(Provider::Alibaba) => alibaba::handle(&shared, incoming).await,
        Route::Api(_) => aws::handle(&shared, incoming).await,
        Route::Storage(cloud) => {
            let body = Body::from(incoming.body.clone());
            storage::handle(&shared, cloud, incoming, body).await
        }
        Route::Unknown => {
            if incoming.method == "GET" && incoming.path == "/" {
                (StatusCode::OK, "unicloud-emulator\n").into_response()
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    "unicloud-emulator: cannot tell which cloud this request is for \
                     (no X-TC-Action, x-acs-action, Action= or SigV4 Authorization)\n",
                )
                    .into_response()
            }
        }
    }
}

/// The errors a vendor answers injected faults with.
pub(crate) struct FaultErrors {
    /// Its throttling error.
    pub(crate) throttle: ApiError,
    /// Its 5xx server error.
    pub(crate) server_error: ApiError,
    /// Its non-retryable invalid-parameter error (a `reject` fault).
    pub(crate) reject: ApiError,
}

/// Counts the request for (`provider`, `region`, `action`) and runs `apply` under the fault
/// rules: latency first, then maybe a throttling (drawn or over a `rate`), server or rejection
/// error instead of `apply`, then maybe a dropped connection after it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn with_faults(
    shared: &Shared,
    provider: Provider,
    region: &str,
    action: &str,
    error: impl Fn(ApiError) -> Response,
    errors: FaultErrors,
    apply: impl FnOnce() -> Response,
) -> Response {
    shared.requests.count(provider, region, action);
    let d = shared.faults.decide(provider, region, action, shared.now());
    if !d.latency.is_zero() {
        tokio::time::sleep(d.latency).await;
    }
    if d.throttle {
        return error(errors.throttle);
    }
    if d.server_error {
        return error(errors.server_error);
    }
    if d.reject {
        return error(errors.reject);
    }
    let resp = apply();
    if d.drop_after_apply {
        shared
            .faults
            .count(provider, action, FaultKind::DropAfterApply);
        return dropped_connection();
    }
    resp
}

/// The message of an injected rejection: it says so, so nobody mistakes it for a real fault.
pub(crate) fn rejected_message(action: &str) -> String {
    format!(
        "The request {action} was rejected by a fault rule of unicloud-emulator (injected; nothing was applied)."
    )
}

/// A response whose body fails at once: hyper then closes the connection without a complete
/// response, which clients see as a dropped connection.
pub(crate) fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped after apply",
        ))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("1"));
    r
}

//! Tencent Cloud CLB (API 3.0, 2018-03-17) listener backends.

use std::sync::Arc;

use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::{Error, ErrorKind, Provider, Region};
use unicloud_tencent::client::TencentClient;
use unicloud_tencent::generated::clb;

use crate::model::tencent_id;
use crate::{
    Backend, BackendHealth, BackendPool, Change, HealthState, LbBackend, LoadBalancing, Task,
    TaskState, check_id, check_weight, refuse,
};

const P: Provider = Provider::Tencent;

/// `Targets` per `RegisterTargets` / `DeregisterTargets` call.
const BATCH: usize = 20;

impl LoadBalancing {
    /// CLB listener backends on Tencent Cloud through `client` (its region, credentials,
    /// endpoint, retry policy and clock). Register and deregister wait for the CLB task on
    /// the client's clock unless [`LoadBalancing::with_task_wait`] says otherwise.
    pub fn tencent(client: &TencentClient) -> Self {
        LoadBalancing::from_backend(Arc::new(TencentBackend {
            client: client.clone(),
        }))
    }
}

#[derive(Debug)]
struct TencentBackend {
    client: TencentClient,
}

/// The listener and rule of a CLB pool.
fn parts(pool: &BackendPool) -> Result<(&str, &str, Option<&str>), Error> {
    match pool {
        BackendPool::ClbListener {
            load_balancer_id,
            listener_id,
            location_id,
        } => Ok((load_balancer_id, listener_id, location_id.as_deref())),
        other => Err(Error::invalid_input(format!(
            "{other} is not a CLB listener (expected lb-…/lbl-…[/loc-…])"
        ))
        .with_provider(P)),
    }
}

/// Unknown load balancers, listeners and rules come back as `InvalidParameter.…NotFound`.
fn refine(err: Error) -> Error {
    match err.code() {
        Some(
            "InvalidParameter.LBIdNotFound"
            | "InvalidParameter.ListenerIdNotFound"
            | "InvalidParameter.LocationNotFound",
        ) => err.with_kind(ErrorKind::NotFound),
        _ => err,
    }
}

/// A target's unified health from `HealthStatusDetail` (or the misspelt `HealthStatusDetial`
/// older answers carry), else from `HealthStatus`.
fn health_of(t: &clb::TargetHealth) -> (HealthState, String) {
    let detail = t
        .health_status_detail
        .clone()
        .filter(|d| !d.is_empty())
        .or_else(|| t.health_status_detial.clone().filter(|d| !d.is_empty()));
    match detail {
        Some(d) => {
            let state = match d.as_str() {
                "Alive" => HealthState::Healthy,
                "Dead" => HealthState::Unhealthy,
                "Unknown" => HealthState::Initial,
                "Close" => HealthState::Unused,
                other => HealthState::Unknown(other.to_owned()),
            };
            (state, d)
        }
        None => match t.health_status {
            Some(true) => (HealthState::Healthy, "true".into()),
            Some(false) => (HealthState::Unhealthy, "false".into()),
            None => (HealthState::Unknown(String::new()), String::new()),
        },
    }
}

/// The bound targets of `listener` (and `location`) in a `DescribeTargets` answer.
fn members(
    listeners: Vec<clb::ListenerBackend>,
    listener: &str,
    location: Option<&str>,
) -> Option<Vec<Backend>> {
    let l = listeners
        .into_iter()
        .find(|l| l.listener_id.as_deref() == Some(listener))?;
    let mut targets: Vec<clb::Backend> = Vec::new();
    if location.is_none() {
        targets.extend(l.targets.unwrap_or_default());
    }
    for r in l.rules.unwrap_or_default() {
        if location.is_none_or(|loc| r.location_id.as_deref() == Some(loc)) {
            targets.extend(r.targets.unwrap_or_default());
        }
    }
    Some(
        targets
            .into_iter()
            .filter_map(|t| {
                let mut b = Backend::new(t.instance_id?);
                b.port = t.port.and_then(|p| u16::try_from(p).ok());
                b.weight = t.weight.and_then(|w| u32::try_from(w).ok());
                b.ip = t
                    .private_ip_addresses
                    .and_then(|ips| ips.into_iter().next());
                Some(b)
            })
            .collect(),
    )
}

/// The health targets of `listener` (and `location`) in a `DescribeTargetHealth` answer.
fn health_targets(
    lbs: Vec<clb::LoadBalancerHealth>,
    listener: &str,
    location: Option<&str>,
) -> Vec<clb::TargetHealth> {
    lbs.into_iter()
        .flat_map(|lb| lb.listeners.unwrap_or_default())
        .filter(|l| l.listener_id.as_deref() == Some(listener))
        .flat_map(|l| l.rules.unwrap_or_default())
        .filter(|r| location.is_none_or(|loc| r.location_id.as_deref() == Some(loc)))
        .flat_map(|r| r.targets.unwrap_or_default())
        .collect()
}

/// Members joined with their health; a bound target health checks have not reached is
/// initial.
fn join(members: Vec<Backend>, health: &[clb::TargetHealth]) -> Vec<BackendHealth> {
    members
        .into_iter()
        .map(|b| {
            let h = health.iter().find(|h| {
                h.target_id.as_deref() == Some(b.instance_id.as_str())
                    && h.port.and_then(|p| u16::try_from(p).ok()) == b.port
            });
            match h {
                Some(h) => {
                    let (state, raw) = health_of(h);
                    let mut b = b;
                    if b.ip.is_none() {
                        b.ip = h.ip.clone().filter(|i| !i.is_empty());
                    }
                    BackendHealth::new(b, state, raw)
                }
                None => BackendHealth::new(b, HealthState::Initial, "pending")
                    .with_reason("bound; not yet in DescribeTargetHealth"),
            }
        })
        .collect()
}

/// The `Targets` of a change call.
fn targets(backends: &[Backend], change: Change) -> Vec<clb::Target> {
    backends
        .iter()
        .map(|b| clb::Target {
            port: b.port.map_or(0, i64::from),
            instance_id: Some(b.instance_id.clone()),
            weight: match change {
                Change::Register => b.weight.map(i64::from),
                Change::Deregister => None,
            },
            ..Default::default()
        })
        .collect()
}

impl LbBackend for TencentBackend {
    fn provider(&self) -> Provider {
        P
    }

    fn region(&self) -> &Region {
        self.client.region()
    }

    fn clock(&self) -> SharedClock {
        self.client.config().clock().clone()
    }

    fn check_pool(&self, pool: &BackendPool) -> Result<(), Error> {
        parts(pool).map(drop)
    }

    fn check_backend(&self, pool: &BackendPool, b: &Backend, weight: bool) -> Result<(), Error> {
        check_id(
            P,
            b,
            |id| tencent_id(id, "ins-"),
            "ins- and 8 letters or digits",
        )?;
        if b.port.is_none() {
            return Err(refuse(P, pool, b, "a port for each backend (ID:PORT)"));
        }
        if weight {
            check_weight(P, b)?;
        }
        Ok(())
    }

    fn batch_size(&self) -> usize {
        BATCH
    }

    fn health<'a>(
        &'a self,
        pool: &'a BackendPool,
    ) -> BoxFuture<'a, Result<Vec<BackendHealth>, Error>> {
        Box::pin(async move {
            let (lb, listener, location) = parts(pool)?;
            let bound = self
                .client
                .call(&clb::DescribeTargetsRequest {
                    load_balancer_id: lb.to_owned(),
                    listener_ids: Some(vec![listener.to_owned()]),
                    ..Default::default()
                })
                .await
                .map_err(refine)?;
            let members = members(bound.listeners.unwrap_or_default(), listener, location)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!("load balancer {lb} has no listener {listener}"),
                    )
                    .with_provider(P)
                    .with_operation("DescribeTargets")
                })?;
            if members.is_empty() {
                return Ok(Vec::new());
            }
            let health = self
                .client
                .call(&clb::DescribeTargetHealthRequest {
                    load_balancer_ids: vec![lb.to_owned()],
                    listener_ids: Some(vec![listener.to_owned()]),
                    location_ids: location.map(|l| vec![l.to_owned()]),
                })
                .await
                .map_err(refine)?;
            let health = health_targets(
                health.load_balancers.unwrap_or_default(),
                listener,
                location,
            );
            Ok(join(members, &health))
        })
    }

    fn change<'a>(
        &'a self,
        pool: &'a BackendPool,
        change: Change,
        backends: &'a [Backend],
    ) -> BoxFuture<'a, Result<Option<Task>, Error>> {
        Box::pin(async move {
            let (lb, listener, location) = parts(pool)?;
            let request_id = match change {
                Change::Register => {
                    self.client
                        .call(&clb::RegisterTargetsRequest {
                            load_balancer_id: lb.to_owned(),
                            listener_id: listener.to_owned(),
                            targets: targets(backends, change),
                            location_id: location.map(str::to_owned),
                            ..Default::default()
                        })
                        .await
                        .map_err(refine)?
                        .request_id
                }
                Change::Deregister => {
                    self.client
                        .call(&clb::DeregisterTargetsRequest {
                            load_balancer_id: lb.to_owned(),
                            listener_id: listener.to_owned(),
                            targets: targets(backends, change),
                            location_id: location.map(str::to_owned),
                            ..Default::default()
                        })
                        .await
                        .map_err(refine)?
                        .request_id
                }
            };
            // The request id is the task id DescribeTaskStatus polls.
            Ok(request_id.filter(|r| !r.is_empty()).map(|id| Task { id }))
        })
    }

    fn task_state<'a>(&'a self, task: &'a Task) -> BoxFuture<'a, Result<TaskState, Error>> {
        Box::pin(async move {
            let out = self
                .client
                .call(&clb::DescribeTaskStatusRequest {
                    task_id: Some(task.id.clone()),
                    deal_name: None,
                })
                .await?;
            Ok(match out.status {
                Some(0) => TaskState::Done,
                Some(1) => TaskState::Failed(
                    out.message
                        .filter(|m| !m.is_empty())
                        .unwrap_or_else(|| "no reason given".into()),
                ),
                Some(2) => TaskState::Running,
                other => {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "DescribeTaskStatus answered status {other:?} (expected 0, 1 or 2)"
                        ),
                    )
                    .with_provider(P)
                    .with_operation("DescribeTaskStatus"));
                }
            })
        })
    }

    fn busy(&self, err: &Error) -> bool {
        err.code() == Some("FailedOperation.ResourceInOperating")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The response half of wire capture 007 (CLB `DescribeTargetHealth`).
    const CAPTURE_007: &str = r#"{"LoadBalancers": [{"LoadBalancerId": "lb-b7pj5p3q", "LoadBalancerName": "clb1", "Listeners": [{"ListenerId": "lbl-qe0xmaxa", "ListenerName": "http80", "Protocol": "HTTP", "Port": 80, "Rules": [{"LocationId": "loc-hq3nqx0p", "Domain": "", "Url": "/", "RuleId": "loc-hq3nqx0p", "Targets": [{"IP": "172.16.32.78", "Port": 80, "HealthStatus": true, "TargetId": "ins-r8hr2upy", "HealthStatusDetail": "Alive", "HealthStatusDetial": "Alive", "TargetGroupId": "", "Weight": 10}, {"IP": "172.16.32.79", "Port": 80, "HealthStatus": false, "TargetId": "ins-r8hr2upz", "HealthStatusDetail": "Dead", "HealthStatusDetial": "Dead", "TargetGroupId": "", "Weight": 10}]}]}]}], "RequestId": "37475c01-4a61-48f0-84cd-54818e0a25b5"}"#;

    #[test]
    fn the_health_request_of_capture_007_and_its_answer() {
        // The captured request names the load balancer only; a pool adds its listener.
        let req = clb::DescribeTargetHealthRequest {
            load_balancer_ids: vec!["lb-b7pj5p3q".into()],
            listener_ids: None,
            location_ids: None,
        };
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"LoadBalancerIds":["lb-b7pj5p3q"]}"#
        );
        let out: clb::DescribeTargetHealthResponse = serde_json::from_str(CAPTURE_007).unwrap();
        let health = health_targets(
            out.load_balancers.unwrap(),
            "lbl-qe0xmaxa",
            Some("loc-hq3nqx0p"),
        );
        let members = vec![
            Backend::new("ins-r8hr2upy").with_port(80),
            Backend::new("ins-r8hr2upz").with_port(80),
            Backend::new("ins-r8hr2upq").with_port(80),
        ];
        let got = join(members, &health);
        assert_eq!(got[0].state, HealthState::Healthy);
        assert_eq!(got[0].raw_state, "Alive");
        assert_eq!(got[0].backend.ip.as_deref(), Some("172.16.32.78"));
        assert_eq!(got[1].state, HealthState::Unhealthy);
        assert_eq!(got[1].raw_state, "Dead");
        assert_eq!(got[2].state, HealthState::Initial);
        // Another rule of the listener sees none of them.
        let other: clb::DescribeTargetHealthResponse = serde_json::from_str(CAPTURE_007).unwrap();
        assert!(
            health_targets(
                other.load_balancers.unwrap(),
                "lbl-qe0xmaxa",
                Some("loc-00000000")
            )
            .is_empty()
        );
    }

    /// The vendor's documented RegisterTargets examples (a TCP listener, and an HTTP rule by
    /// LocationId), built from the unified model.
    #[test]
    fn register_matches_the_documented_examples() {
        let backends = [Backend::new("ins-dm4xtz0i").with_port(233).with_weight(10)];
        let req = clb::RegisterTargetsRequest {
            load_balancer_id: "lb-cuxw2rm0".into(),
            listener_id: "lbl-d1ubsydq".into(),
            targets: targets(&backends, Change::Register),
            location_id: Some("loc-r2q3jd4c".into()),
            ..Default::default()
        };
        let want: serde_json::Value = serde_json::from_str(
            r#"{"LoadBalancerId": "lb-cuxw2rm0", "ListenerId": "lbl-d1ubsydq", "LocationId": "loc-r2q3jd4c", "Targets": [{"InstanceId": "ins-dm4xtz0i", "Port": 233, "Weight": 10}]}"#,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(&req).unwrap(), want);
        // The documented DeregisterTargets example: instance and port, no weight.
        let req = clb::DeregisterTargetsRequest {
            load_balancer_id: "lb-cuxw2rm0".into(),
            listener_id: "lbl-d1ubsydq".into(),
            targets: targets(
                &[Backend::new("ins-dm4xtz0i").with_port(334).with_weight(5)],
                Change::Deregister,
            ),
            ..Default::default()
        };
        let want: serde_json::Value = serde_json::from_str(
            r#"{"LoadBalancerId": "lb-cuxw2rm0", "ListenerId": "lbl-d1ubsydq", "Targets": [{"InstanceId": "ins-dm4xtz0i", "Port": 334}]}"#,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(&req).unwrap(), want);
    }

    /// The documented DescribeTargets example (a layer-7 rule's targets).
    #[test]
    fn bound_targets_are_read_per_listener_and_rule() {
        let out: clb::DescribeTargetsResponse = serde_json::from_str(
            r#"{"Listeners": [{"ListenerId": "lbl-12345678", "Protocol": "HTTP", "Port": 80, "Rules": [{"LocationId": "loc-12345678", "Domain": "123.com", "Url": "/query", "Targets": [{"Type": "CVM", "InstanceId": "ins-12345678", "Port": 80, "Weight": 10, "PublicIpAddresses": null, "PrivateIpAddresses": ["172.16.0.100"], "InstanceName": "cvm-biz-test", "RegisteredTime": "2023-01-01", "EniId": "eni-12345678"}]}]}], "RequestId": "x"}"#,
        )
        .unwrap();
        let got = members(
            out.listeners.clone().unwrap(),
            "lbl-12345678",
            Some("loc-12345678"),
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].port, Some(80));
        assert_eq!(got[0].weight, Some(10));
        assert_eq!(got[0].ip.as_deref(), Some("172.16.0.100"));
        assert_eq!(
            members(out.listeners.clone().unwrap(), "lbl-12345678", None)
                .unwrap()
                .len(),
            1
        );
        assert!(members(out.listeners.unwrap(), "lbl-00000000", None).is_none());
    }

    #[test]
    fn unknown_load_balancers_and_listeners_are_not_found_with_the_code_kept() {
        for code in [
            "InvalidParameter.LBIdNotFound",
            "InvalidParameter.ListenerIdNotFound",
        ] {
            let e = refine(
                Error::new(ErrorKind::InvalidInput, "x")
                    .with_provider(P)
                    .with_code(code),
            );
            assert_eq!(e.kind(), ErrorKind::NotFound);
            assert_eq!(e.code(), Some(code));
        }
        let e = refine(Error::new(ErrorKind::InvalidInput, "x").with_code("InvalidParameter"));
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let (s, raw) = health_of(&clb::TargetHealth {
            health_status: Some(false),
            health_status_detail: Some("Close".into()),
            ..Default::default()
        });
        assert_eq!((s, raw.as_str()), (HealthState::Unused, "Close"));
    }
}

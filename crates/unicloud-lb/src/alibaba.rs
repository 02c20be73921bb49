//! Alibaba Cloud SLB (RPC, 2014-05-15) server-group backends.

use std::sync::Arc;

use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::slb;
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::{Error, ErrorKind, Provider, Region};

use crate::model::alibaba_id;
use crate::{
    Backend, BackendHealth, BackendPool, Change, HealthState, LbBackend, LoadBalancing, Task,
    check_id, check_weight, refuse,
};

const P: Provider = Provider::Alibaba;

/// Servers per `BackendServers` parameter.
const BATCH: usize = 20;

impl LoadBalancing {
    /// SLB server-group backends on Alibaba Cloud through `client` (its region,
    /// credentials, endpoint, retry policy and clock).
    pub fn alibaba(client: &AlibabaClient) -> Self {
        LoadBalancing::from_backend(Arc::new(AlibabaBackend {
            client: client.clone(),
        }))
    }
}

#[derive(Debug)]
struct AlibabaBackend {
    client: AlibabaClient,
}

/// The load balancer, listener port and VServer group of an SLB pool.
fn parts(pool: &BackendPool) -> Result<(&str, Option<u16>, Option<&str>), Error> {
    match pool {
        BackendPool::SlbServerGroup {
            load_balancer_id,
            listener_port,
            vserver_group_id,
        } => Ok((
            load_balancer_id,
            *listener_port,
            vserver_group_id.as_deref(),
        )),
        other => Err(Error::invalid_input(format!(
            "{other} is not an SLB server group (expected lb-…[:PORT][/rsp-…])"
        ))
        .with_provider(P)),
    }
}

/// SLB names an unknown load balancer `InvalidParameter.LoadBalancerId` (HTTP 404, wire
/// capture 014) or `InvalidLoadBalancerId.NotFound`, an unknown VServer group
/// `InvalidParameter.VServerGroupId`, an unknown server `InvalidBackendServers.ServerIdNotExist`:
/// all not found.
fn refine(err: Error) -> Error {
    match err.code() {
        Some(
            "InvalidParameter.LoadBalancerId"
            | "InvalidParameter.VServerGroupId"
            | "InvalidBackendServers.ServerIdNotExist",
        ) => err.with_kind(ErrorKind::NotFound),
        _ => err,
    }
}

/// A `BackendServers` JSON string, laid out as the official SDKs write it
/// (`[{"ServerId": "i-…", "Weight": "100", "Type": "ecs"}]`, wire captures 013 and 025).
fn servers_json(pool_has_ports: bool, change: Change, backends: &[Backend]) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let items: Vec<String> = backends
        .iter()
        .map(|b| {
            let mut fields = vec![("ServerId", quote(&b.instance_id))];
            if pool_has_ports && let Some(p) = b.port {
                fields.push(("Port", quote(&p.to_string())));
            }
            if change == Change::Register
                && let Some(w) = b.weight
            {
                fields.push(("Weight", quote(&w.to_string())));
            }
            fields.push(("Type", quote("ecs")));
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            format!("{{{}}}", body.join(", "))
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// One server's health on one listener.
fn state_of(raw: &str) -> HealthState {
    match raw {
        "normal" => HealthState::Healthy,
        "abnormal" => HealthState::Unhealthy,
        "unavailable" => HealthState::Unused,
        other => HealthState::Unknown(other.to_owned()),
    }
}

/// Members joined with `DescribeHealthStatus`: a server on several listeners is healthy only
/// when every listener says so (its raw state lists each, `80:normal 443:abnormal`); a
/// server no listener serves is unused.
fn join(
    members: Vec<Backend>,
    status: &[slb::DescribeHealthStatusBackendServer],
    group: bool,
) -> Vec<BackendHealth> {
    members
        .into_iter()
        .map(|mut b| {
            let on: Vec<&slb::DescribeHealthStatusBackendServer> = status
                .iter()
                .filter(|s| {
                    s.server_id.as_deref() == Some(b.instance_id.as_str())
                        && (!group || s.port.and_then(|p| u16::try_from(p).ok()) == b.port)
                })
                .collect();
            if on.is_empty() {
                return BackendHealth::new(b, HealthState::Unused, "unlisted")
                    .with_reason("no listener serves this server group");
            }
            if b.ip.is_none() {
                b.ip = on
                    .iter()
                    .find_map(|s| s.server_ip.clone())
                    .filter(|i| !i.is_empty());
            }
            let states: Vec<HealthState> = on
                .iter()
                .map(|s| state_of(s.server_health_status.as_deref().unwrap_or_default()))
                .collect();
            let rank = |s: &HealthState| match s {
                HealthState::Unhealthy => 0,
                HealthState::Unknown(_) => 1,
                HealthState::Initial => 2,
                HealthState::Unused => 3,
                HealthState::Draining => 4,
                HealthState::Healthy => 5,
            };
            let worst = states
                .iter()
                .min_by_key(|s| rank(s))
                .cloned()
                .unwrap_or(HealthState::Unused);
            let raw = if on.len() == 1 {
                on[0].server_health_status.clone().unwrap_or_default()
            } else {
                on.iter()
                    .map(|s| {
                        format!(
                            "{}:{}",
                            s.listener_port.unwrap_or_default(),
                            s.server_health_status.as_deref().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            BackendHealth::new(b, worst, raw)
        })
        .collect()
}

impl AlibabaBackend {
    fn region_id(&self) -> String {
        self.client.region().as_str().to_owned()
    }

    /// The servers of the pool's group.
    async fn members(&self, pool: &BackendPool) -> Result<Vec<Backend>, Error> {
        let (lb, _, group) = parts(pool)?;
        let port = |p: Option<i32>| p.and_then(|p| u16::try_from(p).ok());
        let weight = |w: Option<i32>| w.and_then(|w| u32::try_from(w).ok());
        match group {
            None => {
                let out = self
                    .client
                    .call(&slb::DescribeLoadBalancerAttributeRequest {
                        region_id: Some(self.region_id()),
                        load_balancer_id: lb.to_owned(),
                    })
                    .await
                    .map_err(refine)?;
                Ok(out
                    .backend_servers
                    .and_then(|s| s.backend_server)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|s| {
                        let mut b = Backend::new(s.server_id?);
                        b.weight = weight(s.weight);
                        b.ip = s.server_ip.filter(|i| !i.is_empty());
                        Some(b)
                    })
                    .collect())
            }
            Some(g) => {
                let out = self
                    .client
                    .call(&slb::DescribeVServerGroupAttributeRequest {
                        region_id: self.region_id(),
                        v_server_group_id: g.to_owned(),
                    })
                    .await
                    .map_err(refine)?;
                if out.load_balancer_id.as_deref().is_some_and(|id| id != lb) {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("VServer group {g} does not belong to load balancer {lb}"),
                    )
                    .with_provider(P)
                    .with_operation("DescribeVServerGroupAttribute"));
                }
                Ok(out
                    .backend_servers
                    .and_then(|s| s.backend_server)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|s| {
                        let mut b = Backend::new(s.server_id?);
                        b.port = port(s.port);
                        b.weight = weight(s.weight);
                        b.ip = s.server_ip.filter(|i| !i.is_empty());
                        Some(b)
                    })
                    .collect())
            }
        }
    }
}

impl LbBackend for AlibabaBackend {
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
            |id| alibaba_id(id, "i-"),
            "i- and 8 to 40 lower-case letters or digits",
        )?;
        let (_, _, group) = parts(pool)?;
        match (group, b.port) {
            (Some(_), None) => {
                return Err(refuse(P, pool, b, "a port for each backend (ID:PORT)"));
            }
            (None, Some(_)) => {
                return Err(refuse(
                    P,
                    pool,
                    b,
                    "no backend port (the listener's backend port applies; use a VServer group `lb-…/rsp-…` for per-server ports)",
                ));
            }
            _ => {}
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
            let (lb, listener_port, group) = parts(pool)?;
            let members = self.members(pool).await?;
            if members.is_empty() {
                return Ok(Vec::new());
            }
            let out = self
                .client
                .call(&slb::DescribeHealthStatusRequest {
                    load_balancer_id: lb.to_owned(),
                    listener_port: listener_port.map(i32::from),
                    listener_protocol: None,
                    region_id: Some(self.region_id()),
                })
                .await
                .map_err(refine)?;
            let status = out
                .backend_servers
                .and_then(|s| s.backend_server)
                .unwrap_or_default();
            Ok(join(members, &status, group.is_some()))
        })
    }

    fn change<'a>(
        &'a self,
        pool: &'a BackendPool,
        change: Change,
        backends: &'a [Backend],
    ) -> BoxFuture<'a, Result<Option<Task>, Error>> {
        Box::pin(async move {
            let (lb, _, group) = parts(pool)?;
            let servers = servers_json(group.is_some(), change, backends);
            let result = match (group, change) {
                (None, Change::Register) => self
                    .client
                    .call(&slb::AddBackendServersRequest {
                        region_id: Some(self.region_id()),
                        load_balancer_id: lb.to_owned(),
                        backend_servers: Some(servers),
                    })
                    .await
                    .map(drop),
                (None, Change::Deregister) => self
                    .client
                    .call(&slb::RemoveBackendServersRequest {
                        region_id: Some(self.region_id()),
                        load_balancer_id: lb.to_owned(),
                        backend_servers: servers,
                    })
                    .await
                    .map(drop),
                (Some(g), Change::Register) => self
                    .client
                    .call(&slb::AddVServerGroupBackendServersRequest {
                        region_id: self.region_id(),
                        v_server_group_id: g.to_owned(),
                        backend_servers: servers,
                    })
                    .await
                    .map(drop),
                (Some(g), Change::Deregister) => self
                    .client
                    .call(&slb::RemoveVServerGroupBackendServersRequest {
                        region_id: self.region_id(),
                        v_server_group_id: g.to_owned(),
                        backend_servers: servers,
                    })
                    .await
                    .map(drop),
            };
            result.map(|()| None).map_err(refine)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn query(req: &impl serde::Serialize) -> Vec<(String, String)> {
        unicloud_alibaba::encode::to_query_pairs(req).unwrap()
    }

    fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
        want.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Wire capture 013 (the official SDK's AddBackendServers), byte for byte: the
    /// `BackendServers` string is laid out as the SDK writes it.
    #[test]
    fn add_matches_capture_013() {
        let backends = [Backend::new("i-bp67acfmxazb4p****").with_weight(100)];
        let req = slb::AddBackendServersRequest {
            region_id: Some("cn-hangzhou".into()),
            load_balancer_id: "lb-bp1qjwo61pqz3ah****".into(),
            backend_servers: Some(servers_json(false, Change::Register, &backends)),
        };
        assert_eq!(
            query(&req),
            pairs(&[
                (
                    "BackendServers",
                    r#"[{"ServerId": "i-bp67acfmxazb4p****", "Weight": "100", "Type": "ecs"}]"#
                ),
                ("LoadBalancerId", "lb-bp1qjwo61pqz3ah****"),
                ("RegionId", "cn-hangzhou"),
            ])
        );
    }

    /// Wire capture 025 (RemoveBackendServers): no weight.
    #[test]
    fn remove_matches_capture_025() {
        let backends = [Backend::new("i-bp67acfmxazb4p****").with_weight(100)];
        let req = slb::RemoveBackendServersRequest {
            region_id: Some("cn-hangzhou".into()),
            load_balancer_id: "lb-bp1qjwo61pqz3ah****".into(),
            backend_servers: servers_json(false, Change::Deregister, &backends),
        };
        assert_eq!(
            query(&req),
            pairs(&[
                (
                    "BackendServers",
                    r#"[{"ServerId": "i-bp67acfmxazb4p****", "Type": "ecs"}]"#
                ),
                ("LoadBalancerId", "lb-bp1qjwo61pqz3ah****"),
                ("RegionId", "cn-hangzhou"),
            ])
        );
        // VServer groups name each server's port.
        let s = servers_json(
            true,
            Change::Register,
            &[Backend::new("i-1").with_port(8080).with_weight(5)],
        );
        assert_eq!(
            s,
            r#"[{"ServerId": "i-1", "Port": "8080", "Weight": "5", "Type": "ecs"}]"#
        );
        let v: serde_json::Value = serde_json::from_str(&servers_json(
            true,
            Change::Register,
            &[Backend::new("i-\"x").with_port(1)],
        ))
        .unwrap();
        assert_eq!(v[0]["ServerId"], "i-\"x");
    }

    /// Wire capture 019 (DescribeHealthStatus): the request, and its empty answer.
    #[test]
    fn health_status_matches_capture_019() {
        let req = slb::DescribeHealthStatusRequest {
            load_balancer_id: "lb-bp1qjwo61pqz3ah****".into(),
            listener_port: None,
            listener_protocol: None,
            region_id: Some("cn-hangzhou".into()),
        };
        assert_eq!(
            query(&req),
            pairs(&[
                ("LoadBalancerId", "lb-bp1qjwo61pqz3ah****"),
                ("RegionId", "cn-hangzhou"),
            ])
        );
        let out: slb::DescribeHealthStatusResponse =
            serde_json::from_str(r#"{"RequestId": "1CF7B5AB-B189-44B1-A7B3-DDE6B9F86514"}"#)
                .unwrap();
        assert!(out.backend_servers.is_none());
        let got = join(vec![Backend::new("i-1")], &[], false);
        assert_eq!(got[0].state, HealthState::Unused);
    }

    #[test]
    fn a_server_on_several_listeners_is_healthy_only_when_all_agree() {
        let status: Vec<slb::DescribeHealthStatusBackendServer> = serde_json::from_str(
            r#"[{"ListenerPort": 80, "Port": 80, "Protocol": "tcp", "ServerHealthStatus": "normal", "ServerId": "i-1", "ServerIp": "172.16.0.1"},
                {"ListenerPort": 443, "Port": 443, "Protocol": "tcp", "ServerHealthStatus": "abnormal", "ServerId": "i-1", "ServerIp": "172.16.0.1"},
                {"ListenerPort": 80, "Port": 80, "Protocol": "tcp", "ServerHealthStatus": "normal", "ServerId": "i-2", "ServerIp": "172.16.0.2"}]"#,
        )
        .unwrap();
        let got = join(
            vec![Backend::new("i-1"), Backend::new("i-2")],
            &status,
            false,
        );
        assert_eq!(got[0].state, HealthState::Unhealthy);
        assert_eq!(got[0].raw_state, "80:normal 443:abnormal");
        assert_eq!(got[0].backend.ip.as_deref(), Some("172.16.0.1"));
        assert_eq!(got[1].state, HealthState::Healthy);
        assert_eq!(got[1].raw_state, "normal");
        // In a VServer group the backend port decides.
        let got = join(vec![Backend::new("i-1").with_port(443)], &status, true);
        assert_eq!(got[0].state, HealthState::Unhealthy);
        assert_eq!(state_of("unavailable"), HealthState::Unused);
    }

    #[test]
    fn unknown_load_balancers_are_not_found_with_the_code_kept() {
        // Wire capture 014's answer: HTTP 404, InvalidParameter.LoadBalancerId.
        let e = refine(
            Error::new(
                ErrorKind::InvalidInput,
                "The specified LoadBalancerId does not exist.",
            )
            .with_provider(P)
            .with_status(404)
            .with_code("InvalidParameter.LoadBalancerId"),
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.code(), Some("InvalidParameter.LoadBalancerId"));
        assert_eq!(e.status(), Some(404));
    }
}

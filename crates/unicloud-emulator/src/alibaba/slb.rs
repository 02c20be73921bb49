//! SLB `2014-05-15` (Classic Load Balancer): load balancers, TCP/HTTP listeners, the default
//! server group and VServer groups (`CreateLoadBalancer`, `CreateLoadBalancerTCPListener`,
//! `CreateLoadBalancerHTTPListener`, `StartLoadBalancerListener`, `DescribeLoadBalancers`,
//! `DescribeLoadBalancerAttribute`, `AddBackendServers`, `RemoveBackendServers`,
//! `CreateVServerGroup`, `DescribeVServerGroupAttribute`, `AddVServerGroupBackendServers`,
//! `RemoveVServerGroupBackendServers`, `DescribeHealthStatus`), on the shared load-balancer
//! model.
//!
//! Wire facts kept here: `BackendServers` is a JSON array in a string (`ServerId`, `Weight`
//! — a number or a string —, `Type` `ecs`, `Port` for VServer groups, `Description`);
//! the default server group has no ports (a listener's `BackendServerPort` applies), VServer
//! group servers each name one; listeners are named by port and created `stopped`
//! (`StartLoadBalancerListener` runs them); a load balancer's default server group is a pool
//! with the load balancer's id, a VServer group one with its `rsp-…` id. Health
//! (`ServerHealthStatus`): `normal` when the instance runs and the first checks have passed
//! (the transition delay), `abnormal` when it does not run, `unavailable` before the first
//! checks and while the listener is stopped. Removing a server that is not in the group is
//! accepted and changes nothing, as the vendor does. Servers must be instances of the region
//! (`InvalidBackendServers.ServerIdNotExist` otherwise).

use serde_json::{Map, Value, json};

use super::ecs::RULES;
use super::vpc::{e400, idempotent, region};
use super::{Handler, P, Rpc, Service};
use crate::auth::ApiError;
use crate::model::Region;
use crate::model::lb::{
    Health, LbError, Listener, LoadBalancer, LoadBalancers, NewBackend, Pool, Scheme,
};
use crate::server::Ctx;
use crate::util::{LOWER_ALNUM, iso8601, random_from, unix};

/// SLB as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    version: "2014-05-15",
    product: "Slb",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("CreateLoadBalancer", create_load_balancer),
    ("CreateLoadBalancerTCPListener", create_tcp_listener),
    ("CreateLoadBalancerHTTPListener", create_http_listener),
    ("StartLoadBalancerListener", start_listener),
    ("DescribeLoadBalancers", describe_load_balancers),
    (
        "DescribeLoadBalancerAttribute",
        describe_load_balancer_attribute,
    ),
    ("AddBackendServers", add_backend_servers),
    ("RemoveBackendServers", remove_backend_servers),
    ("CreateVServerGroup", create_vserver_group),
    (
        "DescribeVServerGroupAttribute",
        describe_vserver_group_attribute,
    ),
    (
        "AddVServerGroupBackendServers",
        add_vserver_group_backend_servers,
    ),
    (
        "RemoveVServerGroupBackendServers",
        remove_vserver_group_backend_servers,
    ),
    ("DescribeHealthStatus", describe_health_status),
];

/// At most this many servers per call (the vendor's limit is 20).
const MAX_SERVERS_PER_CALL: usize = 20;

fn e404(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(404, code, message)
}

fn lb_error(e: LbError) -> ApiError {
    match e {
        LbError::LoadBalancerNotFound(id) => e404(
            "InvalidLoadBalancerId.NotFound",
            format!("The specified LoadBalancerId {id} does not exist."),
        ),
        LbError::PoolNotFound(id) => e404(
            "InvalidParameter.VServerGroupId",
            format!("The specified VServerGroupId {id} does not exist."),
        ),
        LbError::ListenerNotFound(port) => e404(
            "InvalidListener.NotFound",
            format!("The specified listener on port {port} does not exist."),
        ),
        LbError::ListenerExists(port) => e400(
            "ListenerAlreadyExists",
            format!("A listener on port {port} already exists."),
        ),
        LbError::NotRegistered(_) => e400(
            "InvalidBackendServers.ServerIdNotExist",
            "The specified backend servers are not in the server group.",
        ),
        LbError::TooManyBackends | LbError::LimitExceeded(_) => {
            e400("QuotaExceeded", "The quota of the server group is used up.")
        }
        LbError::Exists(id) => e400("InvalidParameter", format!("The id {id} is already taken.")),
    }
}

fn lb_id(p: &Rpc) -> Result<String, ApiError> {
    p.required("LoadBalancerId").map(str::to_owned)
}

/// One server of a `BackendServers` parameter.
struct Server {
    id: String,
    port: u16,
    weight: u32,
    description: String,
}

/// The `BackendServers` JSON string; `ports` says whether each server must name a port
/// (VServer groups) or names none (the default server group).
fn servers(p: &Rpc, ports: bool, weights: bool) -> Result<Vec<Server>, ApiError> {
    let raw = p.required("BackendServers")?;
    let bad = |why: &str| {
        e400(
            "InvalidParameter.BackendServers",
            format!("The specified parameter \"BackendServers\" is not valid: {why}."),
        )
    };
    let list: Vec<Value> = serde_json::from_str(raw).map_err(|_| bad("not a JSON array"))?;
    if list.is_empty() || list.len() > MAX_SERVERS_PER_CALL {
        return Err(bad("it must hold 1 to 20 servers"));
    }
    let int = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    list.iter()
        .map(|s| {
            let id = s
                .get("ServerId")
                .and_then(Value::as_str)
                .filter(|i| !i.is_empty())
                .ok_or_else(|| bad("each server needs a ServerId"))?
                .to_owned();
            if let Some(t) = s.get("Type").and_then(Value::as_str)
                && t != "ecs"
            {
                return Err(bad("only Type ecs is emulated"));
            }
            let weight = match s.get("Weight") {
                None | Some(Value::Null) => 100,
                Some(w) => int(w)
                    .filter(|w| (0..=100).contains(w))
                    .ok_or_else(|| bad("Weight must be 0 to 100"))?,
            };
            let port = match s.get("Port") {
                None | Some(Value::Null) if !ports => 0,
                None | Some(Value::Null) => return Err(bad("each server needs a Port")),
                Some(v) => int(v)
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad("Port must be 1 to 65535"))?,
            };
            Ok(Server {
                id,
                port,
                weight: if weights {
                    u32::try_from(weight).unwrap_or(100)
                } else {
                    0
                },
                description: s
                    .get("Description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
        .collect()
}

/// Refuses servers that are not instances of the region (alive), or outside the load
/// balancer's VPC when both name one.
fn check_servers(rs: &Region, lb: &LoadBalancer, list: &[Server]) -> Result<(), ApiError> {
    for s in list {
        let inst = rs
            .instances
            .get(&s.id)
            .filter(|i| !i.state.is_gone())
            .ok_or_else(|| {
                e400(
                    "InvalidBackendServers.ServerIdNotExist",
                    format!("The specified ServerId {} does not exist.", s.id),
                )
            })?;
        if !lb.vpc_id.is_empty() && !inst.vpc_id.is_empty() && inst.vpc_id != lb.vpc_id {
            return Err(e400(
                "InvalidBackendServers.VpcNotMatch",
                format!(
                    "The ECS instance {} is in VPC {}, not in the load balancer's VPC {}.",
                    s.id, inst.vpc_id, lb.vpc_id
                ),
            ));
        }
    }
    Ok(())
}

fn new_backends(list: &[Server]) -> Vec<NewBackend> {
    list.iter()
        .map(|s| NewBackend {
            instance_id: s.id.clone(),
            port: s.port,
            weight: s.weight,
        })
        .collect()
}

/// `BackendServers.BackendServer[]` of a pool.
fn pool_servers(rs: &Region, pool: &Pool, ports: bool) -> Value {
    let list: Vec<Value> = pool
        .backends
        .iter()
        .map(|b| {
            let mut v = json!({
                "ServerId": b.instance_id,
                "Weight": b.weight,
                "Type": "ecs",
                "Description": "",
                "ServerIp": rs.instances.get(&b.instance_id).map(|i| i.private_ip.clone()).unwrap_or_default(),
            });
            if ports && let Some(o) = v.as_object_mut() {
                o.insert("Port".into(), json!(b.port));
            }
            v
        })
        .collect();
    json!({ "BackendServer": list })
}

/// The servers a call named, echoed as the vendor does (`Weight` as given).
fn echo(list: &[Server], ports: bool) -> Value {
    let v: Vec<Value> = list
        .iter()
        .map(|s| {
            let mut v = json!({
                "ServerId": s.id,
                "Weight": s.weight.to_string(),
                "Type": "ecs",
                "Description": s.description,
            });
            if ports && let Some(o) = v.as_object_mut() {
                o.insert("Port".into(), json!(s.port));
            }
            v
        })
        .collect();
    json!({ "BackendServer": v })
}

fn create_load_balancer(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let scheme = match p.get("AddressType").unwrap_or("internet") {
        "internet" => Scheme::Public,
        "intranet" => Scheme::Internal,
        other => {
            return Err(e400(
                "InvalidParameter.AddressType",
                format!("The AddressType `{other}` is not internet or intranet."),
            ));
        }
    };
    let name = p.get("LoadBalancerName").unwrap_or_default().to_owned();
    if name.chars().count() > 80 {
        return Err(e400(
            "InvalidParameter.LoadBalancerName",
            "The LoadBalancerName is longer than 80 characters.",
        ));
    }
    let vpc = p.get("VpcId").unwrap_or_default().to_owned();
    let vsw = p.get("VSwitchId").unwrap_or_default().to_owned();
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        if !vsw.is_empty()
            && !rs.networks.subnets.is_empty()
            && !rs.networks.subnets.contains_key(&vsw)
        {
            return Err(e404(
                "InvalidVSwitchId.NotFound",
                format!("The specified VSwitchId {vsw} does not exist."),
            ));
        }
        let ids = idempotent(cx, rs, now, "SlbCreateLoadBalancer", p, |rs| {
            let id = format!("lb-{}", random_from(LOWER_ALNUM, 21));
            let address = match scheme {
                Scheme::Public => format!(
                    "47.96.{}.{}",
                    rand::random::<u8>(),
                    rand::random::<u8>().max(1)
                ),
                _ => format!(
                    "172.16.{}.{}",
                    rand::random::<u8>(),
                    rand::random::<u8>().max(1)
                ),
            };
            let name = if name.is_empty() {
                format!("auto_named_slb{seq}")
            } else {
                name
            };
            create_lb(rs, id.clone(), name, scheme, vpc, vsw, address, now, seq)?;
            Ok(vec![id])
        })?;
        let id = ids.first().cloned().unwrap_or_default();
        let lb = rs.lbs.lb(&id).map_err(lb_error)?;
        let mut out = Map::new();
        out.insert("LoadBalancerId".into(), json!(lb.id));
        out.insert("LoadBalancerName".into(), json!(lb.name));
        out.insert("Address".into(), json!(lb.address));
        out.insert("VpcId".into(), json!(lb.vpc_id));
        out.insert(
            "VSwitchId".into(),
            json!(lb.subnets.first().cloned().unwrap_or_default()),
        );
        out.insert(
            "NetworkType".into(),
            json!(if lb.vpc_id.is_empty() {
                "classic"
            } else {
                "vpc"
            }),
        );
        out.insert("AddressIPVersion".into(), json!("ipv4"));
        out.insert("ResourceGroupId".into(), json!("rg-acfmemulator0001"));
        out.insert("OrderId".into(), json!(0));
        Ok(out)
    })
}

/// Adds a load balancer and its default server group.
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_lb(
    rs: &mut Region,
    id: String,
    name: String,
    scheme: Scheme,
    vpc_id: String,
    vswitch: String,
    address: String,
    now: std::time::SystemTime,
    seq: u64,
) -> Result<(), ApiError> {
    rs.lbs
        .create_pool(Pool {
            id: id.clone(),
            name: String::new(),
            lb_id: Some(id.clone()),
            vpc_id: vpc_id.clone(),
            port: None,
            protocol: String::new(),
            backends: vec![],
            seq,
        })
        .map_err(lb_error)?;
    if let Err(e) = rs.lbs.create_lb(LoadBalancer {
        id: id.clone(),
        name,
        kind: "slb".to_owned(),
        scheme,
        vpc_id,
        subnets: if vswitch.is_empty() {
            vec![]
        } else {
            vec![vswitch]
        },
        address,
        listeners: vec![],
        created: now,
        seq,
        busy_until: None,
    }) {
        rs.lbs.pools.remove(&id);
        return Err(lb_error(e));
    }
    Ok(())
}

fn port_param(p: &Rpc, name: &str) -> Result<u16, ApiError> {
    p.required(name)?;
    let n = p.int(name, 0, 1..=65535)?;
    Ok(u16::try_from(n).unwrap_or(0))
}

fn create_listener(cx: &Ctx<'_>, p: &Rpc, protocol: &str) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let lb = lb_id(p)?;
    let port = port_param(p, "ListenerPort")?;
    let group = p.get("VServerGroupId").map(str::to_owned);
    let backend_port = match (p.get("BackendServerPort"), &group) {
        (Some(_), _) => Some(port_param(p, "BackendServerPort")?),
        (None, Some(_)) => None,
        (None, None) => {
            return Err(e400(
                "MissingParameter",
                "The input parameter \"BackendServerPort\" that is mandatory for processing this request is not supplied.",
            ));
        }
    };
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        rs.lbs.lb(&lb).map_err(lb_error)?;
        if let Some(g) = &group
            && rs.lbs.pool(g).ok().and_then(|x| x.lb_id.as_deref()) != Some(lb.as_str())
        {
            return Err(lb_error(LbError::PoolNotFound(g.clone())));
        }
        let udp = |p: &str| p == "udp";
        rs.lbs
            .add_listener(
                &lb,
                Listener {
                    id: port.to_string(),
                    name: p.get("Description").unwrap_or_default().to_owned(),
                    port,
                    protocol: protocol.to_owned(),
                    backend_port,
                    pool: Some(group.clone().unwrap_or_else(|| lb.clone())),
                    running: false,
                },
                |a, b| a.port == b.port && udp(&a.protocol) == udp(&b.protocol),
            )
            .map_err(lb_error)?;
        Ok(Map::new())
    })
}

fn create_tcp_listener(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    create_listener(cx, p, "tcp")
}

fn create_http_listener(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    create_listener(cx, p, "http")
}

fn start_listener(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let lb = lb_id(p)?;
    let port = port_param(p, "ListenerPort")?;
    let protocol = p.get("ListenerProtocol").map(str::to_ascii_lowercase);
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        let l = rs
            .lbs
            .lbs
            .get_mut(&lb)
            .ok_or_else(|| lb_error(LbError::LoadBalancerNotFound(lb.clone())))?
            .listeners
            .iter_mut()
            .find(|l| l.port == port && protocol.as_ref().is_none_or(|p| *p == l.protocol))
            .ok_or_else(|| lb_error(LbError::ListenerNotFound(port.to_string())))?;
        l.running = true;
        Ok(Map::new())
    })
}

fn lb_json(lb: &LoadBalancer, region: &str) -> Value {
    json!({
        "LoadBalancerId": lb.id,
        "LoadBalancerName": lb.name,
        "LoadBalancerStatus": "active",
        "Address": lb.address,
        "AddressType": if lb.scheme == Scheme::Public { "internet" } else { "intranet" },
        "AddressIPVersion": "ipv4",
        "NetworkType": if lb.vpc_id.is_empty() { "classic" } else { "vpc" },
        "VpcId": lb.vpc_id,
        "VSwitchId": lb.subnets.first().cloned().unwrap_or_default(),
        "RegionId": region,
        "RegionIdAlias": region,
        "MasterZoneId": format!("{region}-i"),
        "SlaveZoneId": format!("{region}-j"),
        "CreateTime": iso8601(lb.created).trim_end_matches(":00Z").to_owned() + "Z",
        "CreateTimeStamp": unix(lb.created) * 1000,
        "PayType": "PayOnDemand",
        "InternetChargeType": "paybytraffic",
        "InternetChargeTypeAlias": "paybytraffic",
        "LoadBalancerSpec": "slb.s1.small",
        "Bandwidth": 5120,
        "ResourceGroupId": "rg-acfmemulator0001",
        "DeleteProtection": "off",
        "ModificationProtectionStatus": "NonProtection",
        "ModificationProtectionReason": "",
        "InstanceChargeType": "PayBySpec",
        "Tags": {"Tag": []},
    })
}

fn describe_load_balancers(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let page = p.int("PageNumber", 1, 1..=i64::from(u32::MAX))?;
    let size = p.int("PageSize", 10, 1..=100)?;
    let ids: Vec<String> = p
        .get("LoadBalancerId")
        .map(|s| s.split(',').map(|x| x.trim().to_owned()).collect())
        .unwrap_or_default();
    let server = p.get("ServerId").map(str::to_owned);
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        let mut list = rs.lbs.lbs_in_order();
        if !ids.is_empty() {
            list.retain(|l| ids.contains(&l.id));
        }
        for (param, field) in [
            ("LoadBalancerName", 0),
            ("VpcId", 1),
            ("VSwitchId", 2),
            ("Address", 3),
        ] {
            if let Some(v) = p.get(param) {
                list.retain(|l| match field {
                    0 => l.name == v,
                    1 => l.vpc_id == v,
                    2 => l.subnets.iter().any(|s| s == v),
                    _ => l.address == v,
                });
            }
        }
        if let Some(s) = &server {
            list.retain(|l| {
                rs.lbs.pools.values().any(|pool| {
                    pool.lb_id.as_deref() == Some(l.id.as_str())
                        && pool.backends.iter().any(|b| &b.instance_id == s)
                })
            });
        }
        let total = list.len();
        let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
        let items: Vec<Value> = list
            .iter()
            .skip(skip)
            .take(usize::try_from(size).unwrap_or(0))
            .map(|l| lb_json(l, &region))
            .collect();
        let mut out = Map::new();
        out.insert("PageNumber".into(), json!(page));
        out.insert("PageSize".into(), json!(size));
        out.insert("TotalCount".into(), json!(total));
        out.insert("LoadBalancers".into(), json!({"LoadBalancer": items}));
        Ok(out)
    })
}

fn describe_load_balancer_attribute(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let id = lb_id(p)?;
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        let lb = rs.lbs.lb(&id).map_err(lb_error)?;
        let pool = rs.lbs.pool(&id).map_err(lb_error)?;
        let mut out = match lb_json(lb, &region) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        out.insert(
            "ListenerPorts".into(),
            json!({"ListenerPort": lb.listeners.iter().map(|l| l.port).collect::<Vec<_>>()}),
        );
        out.insert(
            "ListenerPortsAndProtocol".into(),
            json!({"ListenerPortAndProtocol": lb.listeners.iter().map(|l| json!({
                "ListenerPort": l.port, "ListenerProtocol": l.protocol, "Description": l.name,
            })).collect::<Vec<_>>()}),
        );
        out.insert(
            "ListenerPortsAndProtocal".into(),
            json!({"ListenerPortAndProtocal": lb.listeners.iter().map(|l| json!({
                "ListenerPort": l.port, "ListenerProtocal": l.protocol,
            })).collect::<Vec<_>>()}),
        );
        out.insert("BackendServers".into(), pool_servers(rs, pool, false));
        Ok(out)
    })
}

/// Adds `list` to pool `pool` of load balancer `lb` (checked), all or none.
fn add_to(
    cx: &Ctx<'_>,
    rs: &mut Region,
    now: std::time::SystemTime,
    lb: &str,
    pool: &str,
    list: &[Server],
) -> Result<(), ApiError> {
    let lb = rs.lbs.lb(lb).map_err(lb_error)?;
    check_servers(rs, lb, list)?;
    rs.lbs
        .register(pool, &new_backends(list), now, now + cx.shared.delay)
        .map_err(lb_error)
}

/// Removes `list` from `pool`; servers not in it are skipped (the vendor accepts them).
fn remove_from(rs: &mut Region, pool: &str, list: &[Server], ports: bool) -> Result<(), ApiError> {
    let present = rs.lbs.pool(pool).map_err(lb_error)?;
    let keys: Vec<(String, Option<u16>)> = list
        .iter()
        .map(|s| (s.id.clone(), ports.then_some(s.port)))
        .filter(|(id, port)| {
            present
                .backends
                .iter()
                .any(|b| &b.instance_id == id && port.is_none_or(|p| p == b.port))
        })
        .collect();
    rs.lbs.deregister(pool, &keys, None).map_err(lb_error)
}

fn add_backend_servers(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let id = lb_id(p)?;
    let list = servers(p, false, true)?;
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        add_to(cx, rs, now, &id, &id, &list)?;
        let mut out = Map::new();
        out.insert("LoadBalancerId".into(), json!(id));
        out.insert("BackendServers".into(), echo(&list, false));
        Ok(out)
    })
}

fn remove_backend_servers(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let id = lb_id(p)?;
    let list = servers(p, false, false)?;
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        rs.lbs.lb(&id).map_err(lb_error)?;
        remove_from(rs, &id, &list, false)?;
        let pool = rs.lbs.pool(&id).map_err(lb_error)?;
        let mut out = Map::new();
        out.insert("LoadBalancerId".into(), json!(id));
        out.insert("BackendServers".into(), pool_servers(rs, pool, false));
        Ok(out)
    })
}

fn create_vserver_group(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let id = lb_id(p)?;
    let name = p.get("VServerGroupName").unwrap_or_default().to_owned();
    let list = if p.get("BackendServers").is_some() {
        servers(p, true, true)?
    } else {
        vec![]
    };
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let lb = rs.lbs.lb(&id).map_err(lb_error)?;
        check_servers(rs, lb, &list)?;
        let vpc = lb.vpc_id.clone();
        let group = format!("rsp-{}", random_from(LOWER_ALNUM, 13));
        rs.lbs
            .create_pool(Pool {
                id: group.clone(),
                name,
                lb_id: Some(id.clone()),
                vpc_id: vpc,
                port: None,
                protocol: String::new(),
                backends: vec![],
                seq: cx.shared.world.next_seq(),
            })
            .map_err(lb_error)?;
        if !list.is_empty() {
            add_to(cx, rs, now, &id, &group, &list)?;
        }
        let mut out = Map::new();
        out.insert("VServerGroupId".into(), json!(group));
        out.insert("BackendServers".into(), echo(&list, true));
        Ok(out)
    })
}

fn group_of(rs: &Region, group: &str) -> Result<(String, String), ApiError> {
    let pool = rs.lbs.pool(group).map_err(lb_error)?;
    match &pool.lb_id {
        Some(lb) if lb != group => Ok((lb.clone(), pool.name.clone())),
        _ => Err(lb_error(LbError::PoolNotFound(group.to_owned()))),
    }
}

fn describe_vserver_group_attribute(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let group = p.required("VServerGroupId")?.to_owned();
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        let (lb, name) = group_of(rs, &group)?;
        let pool = rs.lbs.pool(&group).map_err(lb_error)?;
        let mut out = Map::new();
        out.insert("VServerGroupId".into(), json!(group));
        out.insert("VServerGroupName".into(), json!(name));
        out.insert("LoadBalancerId".into(), json!(lb));
        out.insert("BackendServers".into(), pool_servers(rs, pool, true));
        out.insert("Tags".into(), json!({"Tag": []}));
        Ok(out)
    })
}

fn add_vserver_group_backend_servers(
    cx: &Ctx<'_>,
    p: &Rpc,
) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let group = p.required("VServerGroupId")?.to_owned();
    let list = servers(p, true, true)?;
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let (lb, _) = group_of(rs, &group)?;
        add_to(cx, rs, now, &lb, &group, &list)?;
        let pool = rs.lbs.pool(&group).map_err(lb_error)?;
        let mut out = Map::new();
        out.insert("VServerGroupId".into(), json!(group));
        out.insert("BackendServers".into(), pool_servers(rs, pool, true));
        Ok(out)
    })
}

fn remove_vserver_group_backend_servers(
    cx: &Ctx<'_>,
    p: &Rpc,
) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let group = p.required("VServerGroupId")?.to_owned();
    let list = servers(p, true, false)?;
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        group_of(rs, &group)?;
        remove_from(rs, &group, &list, true)?;
        let pool = rs.lbs.pool(&group).map_err(lb_error)?;
        let mut out = Map::new();
        out.insert("VServerGroupId".into(), json!(group));
        out.insert("BackendServers".into(), pool_servers(rs, pool, true));
        Ok(out)
    })
}

fn describe_health_status(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let id = lb_id(p)?;
    let port = match p.get("ListenerPort") {
        Some(_) => Some(p.int("ListenerPort", 0, 0..=65535)?),
        None => None,
    };
    let protocol = p.get("ListenerProtocol").map(str::to_ascii_lowercase);
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let lb = rs.lbs.lb(&id).map_err(lb_error)?;
        let mut list = Vec::new();
        for l in &lb.listeners {
            if port.is_some_and(|p| p != i64::from(l.port))
                || protocol.as_ref().is_some_and(|p| *p != l.protocol)
            {
                continue;
            }
            let Some(pool) = l.pool.as_deref().and_then(|x| rs.lbs.pool(x).ok()) else {
                continue;
            };
            for b in &pool.backends {
                let status = match (l.running, LoadBalancers::health(b, &rs.instances, now)) {
                    (false, _) | (_, Health::Initial) => "unavailable",
                    (_, Health::Healthy) => "normal",
                    _ => "abnormal",
                };
                let backend_port = if b.port == 0 {
                    l.backend_port.unwrap_or(l.port)
                } else {
                    b.port
                };
                list.push(json!({
                    "ListenerPort": l.port,
                    "Protocol": l.protocol,
                    "Port": backend_port,
                    "ServerId": b.instance_id,
                    "ServerIp": rs.instances.get(&b.instance_id).map(|i| i.private_ip.clone()).unwrap_or_default(),
                    "ServerHealthStatus": status,
                }));
            }
        }
        let mut out = Map::new();
        out.insert("BackendServers".into(), json!({"BackendServer": list}));
        Ok(out)
    })
}

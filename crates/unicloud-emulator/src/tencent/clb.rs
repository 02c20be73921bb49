//! CLB `2018-03-17`: load balancers, listeners and their backends (`CreateLoadBalancer`,
//! `CreateListener`, `DescribeLoadBalancers`, `DescribeListeners`, `RegisterTargets`,
//! `DeregisterTargets`, `DescribeTargets`, `DescribeTargetHealth`, `DescribeTaskStatus`), on
//! the shared load-balancer model. Requests are read with the generated types of
//! `unicloud_tencent::generated::clb`.
//!
//! Wire facts kept here: `CreateLoadBalancer` honours `ClientToken` (a repeat answers with the
//! same ids; the same token with other parameters is `InvalidParameter`); ids are `lb-`/`lbl-` + 8 lower-case letters or digits; each listener
//! is the pool its targets are bound to; `RegisterTargets` and `DeregisterTargets` are
//! asynchronous — they answer with a `RequestId` that is also the task id `DescribeTaskStatus`
//! polls (`Status` 2 running, 0 succeeded), running for the transition delay, and while it
//! runs the load balancer refuses further changes with `FailedOperation.ResourceInOperating`.
//! Targets must be instances of the region, alive, and in the load balancer's VPC when both
//! name one. In `DescribeTargetHealth` a listener's targets sit under one rule: layer-4
//! listeners have a rule too (as the vendor's examples show), whose `LocationId` is derived
//! from the listener id. The emulator has no `CreateRule`: a layer-7 (HTTP/HTTPS) listener
//! takes targets directly, under that one rule (`Domain` empty, `Url` `/`); a `LocationId`, if
//! given, must be that rule's. Health: `Alive` when the instance runs and the first checks
//! have passed (the transition delay), `Dead` when it does not run, `Unknown` before.

use serde_json::{Map, Value, json};
use unicloud_tencent::generated::clb;

use super::{Handler, P, Service, cvm::RULES, required_region, typed};
use crate::auth::ApiError;
use crate::model::Region;
use crate::model::lb::{
    Health, LbError, Listener, LoadBalancer, LoadBalancers, NewBackend, Pool, Scheme,
};
use crate::model::tokens::TokenRecord;
use crate::server::Ctx;
use crate::util::{LOWER_ALNUM, iso8601, random_from, sha256_hex};

/// CLB as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "clb",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("CreateLoadBalancer", create_load_balancer),
    ("CreateListener", create_listener),
    ("DescribeLoadBalancers", describe_load_balancers),
    ("DescribeListeners", describe_listeners),
    ("RegisterTargets", register_targets),
    ("DeregisterTargets", deregister_targets),
    ("DescribeTargets", describe_targets),
    ("DescribeTargetHealth", describe_target_health),
    ("DescribeTaskStatus", describe_task_status),
];

/// The listener protocols the vendor documents.
const PROTOCOLS: [&str; 6] = ["TCP", "UDP", "HTTP", "HTTPS", "TCP_SSL", "QUIC"];

/// At most this many targets per call (the vendor's limit is 20 per call for most accounts;
/// the emulator allows the model's pool size).
const MAX_TARGETS_PER_CALL: usize = 100;

fn err(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(200, code, message)
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_from(LOWER_ALNUM, 8))
}

/// The `LocationId` of the one rule of listener `id`: stable, so it needs no storage.
fn location_id(listener: &str) -> String {
    let h = sha256_hex(format!("location\n{listener}").as_bytes());
    format!("loc-{}", h.get(..8).unwrap_or_default())
}

/// Tencent's `YYYY-MM-DD hh:mm:ss`.
fn tc_time(t: std::time::SystemTime) -> String {
    iso8601(t)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

fn layer7(protocol: &str) -> bool {
    matches!(protocol, "HTTP" | "HTTPS")
}

fn lb_error(e: LbError) -> ApiError {
    match e {
        LbError::LoadBalancerNotFound(id) => err(
            "InvalidParameter.LBIdNotFound",
            format!("The load balancer {id} does not exist."),
        ),
        LbError::ListenerNotFound(id) | LbError::PoolNotFound(id) => err(
            "InvalidParameter.ListenerIdNotFound",
            format!("The listener {id} does not exist."),
        ),
        LbError::ListenerExists(port) => err(
            "InvalidParameter.PortCheckFailed",
            format!("The port {port} is already used by a listener of this protocol."),
        ),
        LbError::NotRegistered(list) => err(
            "InvalidParameter",
            format!(
                "These targets are not bound to the listener: {}.",
                list.iter()
                    .map(|(i, p)| format!("{i}:{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        LbError::TooManyBackends => err(
            "LimitExceeded",
            "The listener would have more targets than its quota.",
        ),
        LbError::LimitExceeded(q) => err("LimitExceeded", format!("The quota of {q} is used up.")),
        LbError::Exists(id) => err(
            "InvalidParameterValue",
            format!("The id {id} is already taken."),
        ),
    }
}

/// `prefix` followed by 8 lower-case letters or digits.
fn well_formed(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 8
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

fn check_lb_id(id: &str) -> Result<(), ApiError> {
    if well_formed(id, "lb-") {
        Ok(())
    } else {
        Err(err(
            "InvalidParameter.FormatError",
            format!("The load balancer id `{id}` is malformed: expected `lb-xxxxxxxx`."),
        ))
    }
}

/// Turns JSON numbers at `fields` into strings (a flattened GET carries every value as text).
fn stringify(params: &mut Value, fields: &[&str]) {
    for f in fields {
        if let Some(x) = params.get_mut(*f)
            && let Value::Number(n) = x
        {
            *x = Value::String(n.to_string());
        }
    }
}

fn create_load_balancer(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &["LoadBalancerName", "VpcId", "SubnetId"]);
    let req: clb::CreateLoadBalancerRequest = typed(params)?;
    let scheme = match req.load_balancer_type.as_str() {
        "OPEN" => Scheme::Public,
        "INTERNAL" => Scheme::Internal,
        other => {
            return Err(err(
                "InvalidParameterValue",
                format!("The LoadBalancerType `{other}` is not OPEN or INTERNAL."),
            ));
        }
    };
    if req.forward.is_some_and(|f| f != 1 && f != 0) {
        return Err(err(
            "InvalidParameterValue",
            "The parameter Forward must be 0 or 1.",
        ));
    }
    let name = req.load_balancer_name.clone().unwrap_or_default();
    if name.chars().count() > 60 {
        return Err(err(
            "InvalidParameterValue.Length",
            "The LoadBalancerName is longer than 60 characters.",
        ));
    }
    let number = req.number.unwrap_or(1);
    if !(1..=20).contains(&number) {
        return Err(err(
            "InvalidParameterValue",
            "The parameter Number must be 1 to 20.",
        ));
    }
    let vpc_id = req.vpc_id.clone().unwrap_or_default();
    let subnet = req.subnet_id.clone().unwrap_or_default();
    if scheme == Scheme::Internal && subnet.is_empty() {
        return Err(err(
            "InvalidParameter",
            "An INTERNAL load balancer needs a SubnetId.",
        ));
    }
    let token = req.client_token.clone().filter(|t| !t.is_empty());
    let fingerprint = serde_json::to_string(&req).unwrap_or_default();
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let ttl = cx.shared.token_ttl;
        let replay = rs
            .tokens
            .replay(
                "CreateLoadBalancer",
                token.as_deref(),
                &fingerprint,
                now,
                ttl,
            )
            .map_err(|_| {
                err(
                    "InvalidParameter",
                    "The ClientToken was already used with different parameters.",
                )
            })?;
        if let Some(rec) = replay {
            let mut out = Map::new();
            out.insert("LoadBalancerIds".into(), json!(rec.ids));
            out.insert("DealName".into(), json!(rec.group_id));
            return Ok(out);
        }
        if !vpc_id.is_empty()
            && !rs.networks.vpcs.is_empty()
            && !rs.networks.vpcs.contains_key(&vpc_id)
        {
            return Err(err(
                "InvalidParameter",
                format!("The VPC {vpc_id} does not exist."),
            ));
        }
        if rs.lbs.lbs.len().saturating_add(number as usize) > crate::model::lb::MAX_LOAD_BALANCERS {
            return Err(lb_error(LbError::LimitExceeded("load balancers")));
        }
        let mut ids = Vec::new();
        for _ in 0..number {
            let id = new_id("lb");
            let address = match scheme {
                Scheme::Public => format!(
                    "119.29.{}.{}",
                    rand::random::<u8>(),
                    rand::random::<u8>().max(1)
                ),
                _ => format!(
                    "10.0.{}.{}",
                    rand::random::<u8>(),
                    rand::random::<u8>().max(1)
                ),
            };
            rs.lbs
                .create_lb(LoadBalancer {
                    id: id.clone(),
                    name: if name.is_empty() {
                        id.clone()
                    } else {
                        name.clone()
                    },
                    kind: "application".to_owned(),
                    scheme,
                    vpc_id: vpc_id.clone(),
                    subnets: if subnet.is_empty() {
                        vec![]
                    } else {
                        vec![subnet.clone()]
                    },
                    address,
                    listeners: vec![],
                    created: now,
                    seq: cx.shared.world.next_seq(),
                    busy_until: None,
                })
                .map_err(lb_error)?;
            ids.push(id);
        }
        let deal = format!("2026{}", random_from(b"0123456789", 19));
        if let Some(t) = token {
            let record = TokenRecord {
                fingerprint,
                ids: ids.clone(),
                group_id: deal.clone(),
            };
            rs.tokens.insert("CreateLoadBalancer", t, record, now, ttl);
        }
        let mut out = Map::new();
        out.insert("LoadBalancerIds".into(), json!(ids));
        out.insert("DealName".into(), json!(deal));
        Ok(out)
    })
}

fn create_listener(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    if let Some(Value::Array(names)) = params.get_mut("ListenerNames") {
        for n in names {
            if let Value::Number(x) = n {
                *n = Value::String(x.to_string());
            }
        }
    }
    let mut req: clb::CreateListenerRequest = typed(params)?;
    // The vendor reads the protocol in any case (its own examples send `tcp`).
    req.protocol = req.protocol.to_ascii_uppercase();
    check_lb_id(&req.load_balancer_id)?;
    if !PROTOCOLS.contains(&req.protocol.as_str()) {
        return Err(err(
            "InvalidParameterValue",
            format!(
                "The Protocol `{}` is not one of {}.",
                req.protocol,
                PROTOCOLS.join(", ")
            ),
        ));
    }
    if req.ports.is_empty() || req.ports.len() > 20 {
        return Err(err(
            "InvalidParameterValue",
            "The parameter Ports must hold 1 to 20 ports.",
        ));
    }
    let mut ports = Vec::new();
    for p in &req.ports {
        let port = u16::try_from(*p).ok().filter(|p| *p > 0).ok_or_else(|| {
            err(
                "InvalidParameterValue",
                format!("The port {p} is out of range: it must be 1 to 65535."),
            )
        })?;
        if ports.contains(&port) {
            return Err(err(
                "InvalidParameter.PortCheckFailed",
                format!("The port {port} is given twice."),
            ));
        }
        ports.push(port);
    }
    let names = req.listener_names.clone().unwrap_or_default();
    if !names.is_empty() && names.len() != ports.len() {
        return Err(err(
            "InvalidParameterValue",
            "ListenerNames must hold one name per port.",
        ));
    }
    let udp = |p: &str| matches!(p, "UDP" | "QUIC");
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let lb = rs.lbs.lb(&req.load_balancer_id).map_err(lb_error)?;
        if rs.lbs.busy(&lb.id, now) {
            return Err(in_operation(&lb.id));
        }
        let vpc = lb.vpc_id.clone();
        // All or nothing: check every port before adding any.
        for port in &ports {
            if lb
                .listeners
                .iter()
                .any(|l| l.port == *port && udp(&l.protocol) == udp(&req.protocol))
            {
                return Err(lb_error(LbError::ListenerExists(*port)));
            }
        }
        if lb.listeners.len() + ports.len() > crate::model::lb::MAX_LISTENERS {
            return Err(lb_error(LbError::LimitExceeded("listeners")));
        }
        let mut ids = Vec::new();
        for (n, port) in ports.iter().enumerate() {
            let id = new_id("lbl");
            rs.lbs
                .create_pool(Pool {
                    id: id.clone(),
                    name: String::new(),
                    lb_id: Some(req.load_balancer_id.clone()),
                    vpc_id: vpc.clone(),
                    port: None,
                    protocol: req.protocol.clone(),
                    backends: vec![],
                    seq: cx.shared.world.next_seq(),
                })
                .map_err(lb_error)?;
            rs.lbs
                .add_listener(
                    &req.load_balancer_id,
                    Listener {
                        id: id.clone(),
                        name: names.get(n).cloned().unwrap_or_default(),
                        port: *port,
                        protocol: req.protocol.clone(),
                        backend_port: None,
                        pool: Some(id.clone()),
                        running: true,
                    },
                    |a, b| a.port == b.port && udp(&a.protocol) == udp(&b.protocol),
                )
                .map_err(lb_error)?;
            ids.push(id);
        }
        let mut out = Map::new();
        out.insert("ListenerIds".into(), json!(ids));
        Ok(out)
    })
}

fn in_operation(id: &str) -> ApiError {
    err(
        "FailedOperation.ResourceInOperating",
        format!("The load balancer {id} is being changed by another task; try again later."),
    )
}

fn lb_json(lb: &LoadBalancer, region: &str) -> Value {
    let kind = match lb.scheme {
        Scheme::Public => "OPEN",
        Scheme::Internal => "INTERNAL",
    };
    json!({
        "LoadBalancerId": lb.id,
        "LoadBalancerName": lb.name,
        "LoadBalancerType": kind,
        "Forward": 1,
        "Domain": "",
        "LoadBalancerVips": [lb.address],
        "Status": 1,
        "CreateTime": tc_time(lb.created),
        "StatusTime": tc_time(lb.created),
        "ProjectId": 0,
        "VpcId": lb.vpc_id,
        "SubnetId": lb.subnets.first().cloned().unwrap_or_default(),
        "Tags": [],
        "SecureGroups": [],
        "TargetRegionInfo": {"Region": region, "VpcId": lb.vpc_id},
        "AnycastZone": "",
        "AddressIPVersion": "ipv4",
        "NumericalVpcId": 0,
        "VipIsp": "",
        "NetworkAttributes": {"InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR", "InternetMaxBandwidthOut": 10},
        "ChargeType": "POSTPAID_BY_HOUR",
        "IsDDos": false,
        "Isolation": 0,
        "LoadBalancerPassToTarget": false,
        "AddressIPv6": "",
        "ClusterTag": "",
        "SlaType": "shared",
        "IsBlock": false,
        "IPv6Mode": "",
        "SnatPro": false,
        "SnatIps": [],
        "IsolatedTime": "",
        "ExpireTime": "",
        "Snat": false,
        "AttributeFlags": [],
        "LoadBalancerDomain": "",
        "Egress": "",
    })
}

fn describe_load_balancers(
    cx: &Ctx<'_>,
    mut params: Value,
) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &["LoadBalancerName", "VpcId", "SearchKey"]);
    let req: clb::DescribeLoadBalancersRequest = typed(params)?;
    let offset = req.offset.unwrap_or(0);
    let limit = req.limit.unwrap_or(20);
    if offset < 0 || !(1..=100).contains(&limit) {
        return Err(err(
            "InvalidParameterValue",
            "Offset must be at least 0 and Limit 1 to 100.",
        ));
    }
    let ids = req.load_balancer_ids.clone().unwrap_or_default();
    if ids.len() > 20 {
        return Err(err(
            "InvalidParameterValue",
            "LoadBalancerIds holds more than 20 ids.",
        ));
    }
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let mut list = rs.lbs.lbs_in_order();
        if !ids.is_empty() {
            list.retain(|l| ids.contains(&l.id));
        }
        if let Some(t) = &req.load_balancer_type {
            list.retain(|l| (l.scheme == Scheme::Public) == (t == "OPEN"));
        }
        if let Some(n) = &req.load_balancer_name {
            list.retain(|l| &l.name == n);
        }
        if let Some(v) = &req.vpc_id {
            list.retain(|l| &l.vpc_id == v);
        }
        if let Some(vips) = &req.load_balancer_vips {
            list.retain(|l| vips.contains(&l.address));
        }
        let total = list.len();
        let page: Vec<Value> = list
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|l| lb_json(l, region))
            .collect();
        let mut out = Map::new();
        out.insert("TotalCount".into(), json!(total));
        out.insert("LoadBalancerSet".into(), Value::Array(page));
        Ok(out)
    })
}

fn listener_json(l: &Listener, lb: &LoadBalancer) -> Value {
    let rules = if layer7(&l.protocol) {
        json!([{
            "LocationId": location_id(&l.id),
            "Domain": "",
            "Url": "/",
            "Scheduler": "WRR",
            "ListenerId": l.id,
            "LoadBalancerId": lb.id,
            "CreateTime": tc_time(lb.created),
        }])
    } else {
        Value::Null
    };
    json!({
        "ListenerId": l.id,
        "Protocol": l.protocol,
        "Port": l.port,
        "ListenerName": l.name,
        "Scheduler": "WRR",
        "SessionExpireTime": 0,
        "SniSwitch": 0,
        "Rules": rules,
        "TargetType": "NODE",
        "CreateTime": tc_time(lb.created),
        "EndPort": 0,
        "HealthCheck": {"HealthSwitch": 1, "TimeOut": 2, "IntervalTime": 5, "HealthNum": 3, "UnHealthNum": 3},
    })
}

fn describe_listeners(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: clb::DescribeListenersRequest = typed(params)?;
    check_lb_id(&req.load_balancer_id)?;
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let lb = rs.lbs.lb(&req.load_balancer_id).map_err(lb_error)?;
        let list: Vec<Value> = lb
            .listeners
            .iter()
            .filter(|l| {
                req.listener_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&l.id))
                    && req.protocol.as_ref().is_none_or(|p| *p == l.protocol)
                    && req.port.is_none_or(|p| p == i64::from(l.port))
            })
            .map(|l| listener_json(l, lb))
            .collect();
        let mut out = Map::new();
        out.insert("TotalCount".into(), json!(list.len()));
        out.insert("Listeners".into(), Value::Array(list));
        Ok(out)
    })
}

/// Checks the `LocationId` given for listener `l` (none, or its one rule's).
fn check_location(l: &Listener, location: Option<&str>) -> Result<(), ApiError> {
    match location {
        Some(loc) if !loc.is_empty() && loc != location_id(&l.id) => Err(err(
            "InvalidParameter.LocationNotFound",
            format!("The listener {} has no rule {loc}.", l.id),
        )),
        _ => Ok(()),
    }
}

/// The targets of a `RegisterTargets` / `DeregisterTargets` call, checked.
fn targets(list: &[clb::Target], weights: bool) -> Result<Vec<NewBackend>, ApiError> {
    if list.is_empty() || list.len() > MAX_TARGETS_PER_CALL {
        return Err(err(
            "InvalidParameterValue",
            format!("Targets must hold 1 to {MAX_TARGETS_PER_CALL} targets."),
        ));
    }
    list.iter()
        .map(|t| {
            let id = t
                .instance_id
                .clone()
                .filter(|i| !i.is_empty())
                .ok_or_else(|| {
                    err(
                        "InvalidParameter",
                        "Each target needs an InstanceId (ENI targets are not emulated).",
                    )
                })?;
            let port = u16::try_from(t.port)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    err(
                        "InvalidParameterValue",
                        format!(
                            "The target port {} is out of range: it must be 1 to 65535.",
                            t.port
                        ),
                    )
                })?;
            let weight = t.weight.unwrap_or(10);
            if weights && !(0..=100).contains(&weight) {
                return Err(err(
                    "InvalidParameterValue",
                    format!("The weight {weight} is out of range: it must be 0 to 100."),
                ));
            }
            Ok(NewBackend {
                instance_id: id,
                port,
                weight: u32::try_from(weight).unwrap_or(10),
            })
        })
        .collect()
}

/// Starts the task a target change is, under the request id, and answers nothing else.
fn start_task(
    cx: &Ctx<'_>,
    rs: &mut Region,
    lb: &str,
    now: std::time::SystemTime,
) -> Map<String, Value> {
    rs.lbs.start_task(
        cx.request_id.to_owned(),
        vec![lb.to_owned()],
        now + cx.shared.delay,
    );
    Map::new()
}

fn register_targets(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: clb::RegisterTargetsRequest = typed(params)?;
    check_lb_id(&req.load_balancer_id)?;
    let new = targets(&req.targets, true)?;
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let lb = rs.lbs.lb(&req.load_balancer_id).map_err(lb_error)?;
        let l = rs
            .lbs
            .listener(&req.load_balancer_id, &req.listener_id)
            .map_err(lb_error)?;
        check_location(l, req.location_id.as_deref())?;
        if rs.lbs.busy(&lb.id, now) {
            return Err(in_operation(&lb.id));
        }
        for b in &new {
            let inst = rs
                .instances
                .get(&b.instance_id)
                .filter(|i| !i.state.is_gone())
                .ok_or_else(|| {
                    err(
                        "InvalidParameter",
                        format!(
                            "The instance {} does not exist in this region.",
                            b.instance_id
                        ),
                    )
                })?;
            if !lb.vpc_id.is_empty() && !inst.vpc_id.is_empty() && inst.vpc_id != lb.vpc_id {
                return Err(err(
                    "InvalidParameter",
                    format!(
                        "The instance {} is in VPC {}, not in the load balancer's VPC {}.",
                        b.instance_id, inst.vpc_id, lb.vpc_id
                    ),
                ));
            }
        }
        let pool = l.pool.clone().unwrap_or_else(|| l.id.clone());
        rs.lbs
            .register(&pool, &new, now, now + cx.shared.delay)
            .map_err(lb_error)?;
        Ok(start_task(cx, rs, &req.load_balancer_id, now))
    })
}

fn deregister_targets(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: clb::DeregisterTargetsRequest = typed(params)?;
    check_lb_id(&req.load_balancer_id)?;
    let gone = targets(&req.targets, false)?;
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let l = rs
            .lbs
            .listener(&req.load_balancer_id, &req.listener_id)
            .map_err(lb_error)?;
        check_location(l, req.location_id.as_deref())?;
        if rs.lbs.busy(&req.load_balancer_id, now) {
            return Err(in_operation(&req.load_balancer_id));
        }
        let pool = l.pool.clone().unwrap_or_else(|| l.id.clone());
        let keys: Vec<(String, Option<u16>)> = gone
            .iter()
            .map(|b| (b.instance_id.clone(), Some(b.port)))
            .collect();
        rs.lbs.deregister(&pool, &keys, None).map_err(lb_error)?;
        Ok(start_task(cx, rs, &req.load_balancer_id, now))
    })
}

fn backend_json(rs: &Region, b: &crate::model::lb::Backend) -> Value {
    let inst = rs.instances.get(&b.instance_id);
    json!({
        "Type": "CVM",
        "InstanceId": b.instance_id,
        "Port": b.port,
        "Weight": b.weight,
        "PublicIpAddresses": [],
        "PrivateIpAddresses": inst.map(|i| vec![i.private_ip.clone()]).unwrap_or_default(),
        "InstanceName": inst.map(|i| i.name.clone()).unwrap_or_default(),
        "RegisteredTime": tc_time(b.registered),
        "EniId": "",
        "Tag": "",
    })
}

fn describe_targets(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: clb::DescribeTargetsRequest = typed(params)?;
    check_lb_id(&req.load_balancer_id)?;
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let lb = rs.lbs.lb(&req.load_balancer_id).map_err(lb_error)?;
        let mut out_listeners = Vec::new();
        for l in &lb.listeners {
            if req.listener_ids.as_ref().is_some_and(|ids| !ids.contains(&l.id))
                || req.protocol.as_ref().is_some_and(|p| *p != l.protocol)
                || req.port.is_some_and(|p| p != i64::from(l.port))
            {
                continue;
            }
            let targets: Vec<Value> = l
                .pool
                .as_deref()
                .and_then(|p| rs.lbs.pool(p).ok())
                .map(|p| p.backends.iter().map(|b| backend_json(rs, b)).collect())
                .unwrap_or_default();
            let (rules, direct) = if layer7(&l.protocol) {
                (
                    json!([{"LocationId": location_id(&l.id), "Domain": "", "Url": "/", "Targets": targets}]),
                    Value::Null,
                )
            } else {
                (Value::Null, Value::Array(targets))
            };
            out_listeners.push(json!({
                "ListenerId": l.id,
                "Protocol": l.protocol,
                "Port": l.port,
                "Rules": rules,
                "Targets": direct,
                "EndPort": 0,
            }));
        }
        let mut out = Map::new();
        out.insert("Listeners".into(), Value::Array(out_listeners));
        Ok(out)
    })
}

fn describe_target_health(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: clb::DescribeTargetHealthRequest = typed(params)?;
    if req.load_balancer_ids.is_empty() || req.load_balancer_ids.len() > 20 {
        return Err(err(
            "InvalidParameterValue",
            "LoadBalancerIds must hold 1 to 20 ids.",
        ));
    }
    for id in &req.load_balancer_ids {
        check_lb_id(id)?;
    }
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let mut lbs = Vec::new();
        for id in &req.load_balancer_ids {
            let lb = rs.lbs.lb(id).map_err(lb_error)?;
            let mut listeners = Vec::new();
            for l in &lb.listeners {
                if req.listener_ids.as_ref().is_some_and(|ids| !ids.is_empty() && !ids.contains(&l.id)) {
                    continue;
                }
                let loc = location_id(&l.id);
                if req.location_ids.as_ref().is_some_and(|ids| !ids.is_empty() && !ids.contains(&loc)) {
                    continue;
                }
                let targets: Vec<Value> = l
                    .pool
                    .as_deref()
                    .and_then(|p| rs.lbs.pool(p).ok())
                    .map(|p| {
                        p.backends
                            .iter()
                            .map(|b| {
                                let detail = match LoadBalancers::health(b, &rs.instances, now) {
                                    Health::Healthy => "Alive",
                                    Health::Initial => "Unknown",
                                    _ => "Dead",
                                };
                                json!({
                                    "IP": rs.instances.get(&b.instance_id).map(|i| i.private_ip.clone()).unwrap_or_default(),
                                    "Port": b.port,
                                    "HealthStatus": detail == "Alive",
                                    "TargetId": b.instance_id,
                                    "HealthStatusDetail": detail,
                                    "HealthStatusDetial": detail,
                                    "TargetGroupId": "",
                                    "Weight": b.weight,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let (domain, url) = if layer7(&l.protocol) {
                    (json!(""), json!("/"))
                } else {
                    (Value::Null, Value::Null)
                };
                listeners.push(json!({
                    "ListenerId": l.id,
                    "ListenerName": l.name,
                    "Protocol": l.protocol,
                    "Port": l.port,
                    "Rules": [{
                        "LocationId": loc,
                        "Domain": domain,
                        "Url": url,
                        "RuleId": loc,
                        "Targets": targets,
                    }],
                }));
            }
            lbs.push(json!({
                "LoadBalancerId": lb.id,
                "LoadBalancerName": lb.name,
                "Listeners": listeners,
            }));
        }
        let mut out = Map::new();
        out.insert("LoadBalancers".into(), Value::Array(lbs));
        Ok(out)
    })
}

fn describe_task_status(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: clb::DescribeTaskStatusRequest = typed(params)?;
    let Some(id) = req.task_id.clone().filter(|t| !t.is_empty()) else {
        return Err(err(
            "MissingParameter",
            "The request is missing a required parameter `TaskId`.",
        ));
    };
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let task = rs
            .lbs
            .task(&id)
            .ok_or_else(|| err("InvalidParameter", format!("The task {id} does not exist.")))?;
        let mut out = Map::new();
        out.insert(
            "Status".into(),
            json!(if now < task.done_at { 2 } else { 0 }),
        );
        out.insert("LoadBalancerIds".into(), json!(task.lb_ids));
        out.insert("Message".into(), json!(""));
        Ok(out)
    })
}

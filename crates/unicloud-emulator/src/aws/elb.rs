//! Classic Elastic Load Balancing `2012-06-01` (Query protocol, XML): `CreateLoadBalancer`,
//! `DescribeLoadBalancers`, `RegisterInstancesWithLoadBalancer`,
//! `DeregisterInstancesFromLoadBalancer`, `DescribeInstanceHealth`, on the shared
//! load-balancer model. It shares the SigV4 scope `elasticloadbalancing` with ELBv2; requests
//! carrying `Version=2012-06-01` come here.
//!
//! Wire facts kept here: a classic load balancer is named by its `LoadBalancerName` (also its
//! id and the id of its instance pool); `Listeners.member.N.{Protocol, LoadBalancerPort,
//! InstancePort}`; `Instances.member.N.InstanceId`; register and deregister answer with the
//! load balancer's instances after the call. `DescribeInstanceHealth` states: `OutOfService`
//! with `ReasonCode` `ELB` while registration is in progress (the transition delay), then
//! `InService`, or `OutOfService` with `ReasonCode` `Instance` when the instance is not
//! running (stopped, terminated). Deregistration is immediate.

use std::fmt::Write as _;

use super::ec2::RULES;
use super::{Handler, P, Query, Service};
use crate::auth::{AWS_ACCOUNT, ApiError};
use crate::model::lb::{
    Health, LbError, Listener, LoadBalancer, LoadBalancers, NewBackend, Pool, Scheme,
};
use crate::model::{InstanceState, Region};
use crate::server::Ctx;
use crate::util::iso8601_millis;
use crate::wire::xml::escape as x;

/// Classic ELB as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "elasticloadbalancing",
    namespace: "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/",
    ec2_shape: false,
    actions: ACTIONS,
    throttle: (400, "Throttling", "Rate exceeded"),
    server_error: (500, "InternalFailure", "An internal error has occurred."),
};

/// The API version that selects this service.
pub(crate) const VERSION: &str = "2012-06-01";

const ACTIONS: &[(&str, Handler)] = &[
    ("CreateLoadBalancer", create_load_balancer),
    ("DescribeLoadBalancers", describe_load_balancers),
    ("RegisterInstancesWithLoadBalancer", register_instances),
    ("DeregisterInstancesFromLoadBalancer", deregister_instances),
    ("DescribeInstanceHealth", describe_instance_health),
];

/// The kind the model records for classic load balancers.
const KIND: &str = "classic";

fn e400(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

fn not_found(name: &str) -> ApiError {
    e400(
        "LoadBalancerNotFound",
        format!("There is no ACTIVE Load Balancer named '{name}'"),
    )
}

fn lb_error(e: LbError, name: &str) -> ApiError {
    match e {
        LbError::LoadBalancerNotFound(_) | LbError::PoolNotFound(_) => not_found(name),
        LbError::Exists(_) => e400(
            "DuplicateLoadBalancerName",
            format!("Load Balancer named '{name}' already exists"),
        ),
        LbError::NotRegistered(list) => e400(
            "InvalidInstance",
            format!(
                "The following instances are not registered with the load balancer: {}",
                list.iter()
                    .map(|(i, _)| i.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        LbError::ListenerExists(port) => e400(
            "DuplicateListener",
            format!("A listener already exists for {name} with LoadBalancerPort {port}"),
        ),
        LbError::ListenerNotFound(_) | LbError::TooManyBackends | LbError::LimitExceeded(_) => {
            e400("TooManyLoadBalancers", "The quota is used up")
        }
    }
}

/// The classic load balancer `name` of the region.
fn classic<'a>(rs: &'a Region, name: &str) -> Result<&'a LoadBalancer, ApiError> {
    rs.lbs
        .lbs
        .get(name)
        .filter(|l| l.kind == KIND)
        .ok_or_else(|| not_found(name))
}

fn name_param(p: &Query) -> Result<String, ApiError> {
    p.required("LoadBalancerName").map(str::to_owned)
}

fn create_load_balancer(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let name = name_param(p)?;
    let ok = name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !ok {
        return Err(e400(
            "ValidationError",
            format!("LoadBalancerName '{name}' must be 1 to 32 alphanumeric characters or hyphens"),
        ));
    }
    let scheme = match p.get("Scheme").unwrap_or("internet-facing") {
        "internal" => Scheme::Internal,
        _ => Scheme::Public,
    };
    let mut listeners = Vec::new();
    for n in 1..=100 {
        let Some(protocol) = p.get(&format!("Listeners.member.{n}.Protocol")) else {
            break;
        };
        let port = |field: &str| -> Result<u16, ApiError> {
            p.int(&format!("Listeners.member.{n}.{field}"))?
                .and_then(|v| u16::try_from(v).ok())
                .filter(|v| *v > 0)
                .ok_or_else(|| {
                    e400(
                        "ValidationError",
                        format!("Listener {n} needs a {field} of 1 to 65535"),
                    )
                })
        };
        listeners.push((
            protocol.to_ascii_uppercase(),
            port("LoadBalancerPort")?,
            port("InstancePort")?,
        ));
    }
    if listeners.is_empty() {
        return Err(e400(
            "ValidationError",
            "At least one listener must be specified",
        ));
    }
    let subnets = p.list("Subnets.member");
    let zones = p.list("AvailabilityZones.member");
    if subnets.is_empty() && zones.is_empty() {
        return Err(e400(
            "ValidationError",
            "Either AvailabilityZones or Subnets must be specified",
        ));
    }
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        if rs.lbs.lbs.get(&name).is_some_and(|l| l.kind == KIND) {
            return Err(lb_error(LbError::Exists(name.clone()), &name));
        }
        let mut vpc = String::new();
        for s in &subnets {
            let subnet = rs.networks.subnets.get(s).ok_or_else(|| {
                e400("SubnetNotFound", format!("The subnet '{s}' does not exist"))
            })?;
            vpc.clone_from(&subnet.vpc_id);
        }
        rs.lbs
            .create_pool(Pool {
                id: name.clone(),
                name: name.clone(),
                lb_id: Some(name.clone()),
                vpc_id: vpc.clone(),
                port: None,
                protocol: String::new(),
                backends: vec![],
                seq: cx.shared.world.next_seq(),
            })
            .map_err(|e| lb_error(e, &name))?;
        let dns = format!(
            "{}{name}-{}.{}.elb.amazonaws.com",
            if scheme == Scheme::Internal {
                "internal-"
            } else {
                ""
            },
            &AWS_ACCOUNT[..6],
            cx.region
        );
        rs.lbs
            .create_lb(LoadBalancer {
                id: name.clone(),
                name: name.clone(),
                kind: KIND.to_owned(),
                scheme,
                vpc_id: vpc,
                subnets: if subnets.is_empty() {
                    zones.clone()
                } else {
                    subnets.clone()
                },
                address: dns.clone(),
                listeners: vec![],
                created: now,
                seq: cx.shared.world.next_seq(),
                busy_until: None,
            })
            .map_err(|e| lb_error(e, &name))?;
        for (protocol, port, instance_port) in &listeners {
            rs.lbs
                .add_listener(
                    &name,
                    Listener {
                        id: port.to_string(),
                        name: String::new(),
                        port: *port,
                        protocol: protocol.clone(),
                        backend_port: Some(*instance_port),
                        pool: Some(name.clone()),
                        running: true,
                    },
                    |a, b| a.port == b.port,
                )
                .map_err(|e| lb_error(e, &name))?;
        }
        Ok(format!("<DNSName>{}</DNSName>", x(&dns)))
    })
}

fn instances_xml(ids: &[String]) -> String {
    let members: String = ids
        .iter()
        .map(|i| format!("<member><InstanceId>{}</InstanceId></member>", x(i)))
        .collect();
    format!("<Instances>{members}</Instances>")
}

fn registered(rs: &Region, name: &str) -> Vec<String> {
    rs.lbs
        .pool(name)
        .map(|p| p.backends.iter().map(|b| b.instance_id.clone()).collect())
        .unwrap_or_default()
}

fn describe_load_balancers(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let names = p.list("LoadBalancerNames.member");
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        for n in &names {
            classic(rs, n)?;
        }
        let mut body = String::new();
        for lb in rs.lbs.lbs_in_order() {
            if lb.kind != KIND || (!names.is_empty() && !names.contains(&lb.name)) {
                continue;
            }
            let listeners: String = lb
                .listeners
                .iter()
                .map(|l| {
                    format!(
                        "<member><Listener><Protocol>{}</Protocol><LoadBalancerPort>{}</LoadBalancerPort><InstanceProtocol>{}</InstanceProtocol><InstancePort>{}</InstancePort></Listener><PolicyNames/></member>",
                        x(&l.protocol),
                        l.port,
                        x(&l.protocol),
                        l.backend_port.unwrap_or(l.port)
                    )
                })
                .collect();
            let subnets: String = lb
                .subnets
                .iter()
                .filter(|s| s.starts_with("subnet-"))
                .map(|s| format!("<member>{}</member>", x(s)))
                .collect();
            let _ = write!(
                body,
                "<member><LoadBalancerName>{}</LoadBalancerName><DNSName>{}</DNSName><Scheme>{}</Scheme><VPCId>{}</VPCId><ListenerDescriptions>{listeners}</ListenerDescriptions>{}<Subnets>{subnets}</Subnets><CreatedTime>{}</CreatedTime></member>",
                x(&lb.name),
                x(&lb.address),
                if lb.scheme == Scheme::Public { "internet-facing" } else { "internal" },
                x(&lb.vpc_id),
                instances_xml(&registered(rs, &lb.name)),
                iso8601_millis(lb.created),
            );
        }
        Ok(format!("<LoadBalancerDescriptions>{body}</LoadBalancerDescriptions>"))
    })
}

fn instance_ids(p: &Query) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::new();
    for n in 1..=1000 {
        match p.get(&format!("Instances.member.{n}.InstanceId")) {
            Some(id) => ids.push(id.to_owned()),
            None => break,
        }
    }
    Ok(ids)
}

fn register_instances(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let name = name_param(p)?;
    let ids = instance_ids(p)?;
    if ids.is_empty() {
        return Err(e400(
            "ValidationError",
            "At least one instance must be specified",
        ));
    }
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        let lb = classic(rs, &name)?;
        for id in &ids {
            let inst = rs
                .instances
                .get(id)
                .filter(|i| i.state != InstanceState::Terminated && !i.state.is_gone())
                .ok_or_else(|| {
                    e400(
                        "InvalidInstance",
                        format!("The following instance IDs are not valid: {id}"),
                    )
                })?;
            if !lb.vpc_id.is_empty() && inst.vpc_id != lb.vpc_id {
                return Err(e400(
                    "InvalidInstance",
                    format!(
                        "The instance {id} is not in the load balancer's VPC {}",
                        lb.vpc_id
                    ),
                ));
            }
        }
        let new: Vec<NewBackend> = ids
            .iter()
            .map(|id| NewBackend {
                instance_id: id.clone(),
                port: 0,
                weight: 1,
            })
            .collect();
        rs.lbs
            .register(&name, &new, now, now + cx.shared.delay)
            .map_err(|e| lb_error(e, &name))?;
        Ok(instances_xml(&registered(rs, &name)))
    })
}

fn deregister_instances(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let name = name_param(p)?;
    let ids = instance_ids(p)?;
    if ids.is_empty() {
        return Err(e400(
            "ValidationError",
            "At least one instance must be specified",
        ));
    }
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        classic(rs, &name)?;
        let keys: Vec<(String, Option<u16>)> = ids.iter().map(|i| (i.clone(), None)).collect();
        rs.lbs
            .deregister(&name, &keys, None)
            .map_err(|e| lb_error(e, &name))?;
        Ok(instances_xml(&registered(rs, &name)))
    })
}

fn describe_instance_health(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let name = name_param(p)?;
    let only = instance_ids(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        classic(rs, &name)?;
        let pool = rs.lbs.pool(&name).map_err(|e| lb_error(e, &name))?;
        if let Some(bad) = only
            .iter()
            .find(|i| !pool.backends.iter().any(|b| &b.instance_id == *i))
        {
            return Err(e400(
                "InvalidInstance",
                format!("Could not find EC2 instance {bad} registered with the load balancer"),
            ));
        }
        let mut body = String::new();
        for b in &pool.backends {
            if !only.is_empty() && !only.contains(&b.instance_id) {
                continue;
            }
            let state = rs.instances.get(&b.instance_id).map(|i| i.state);
            let (st, code, desc) = match LoadBalancers::health(b, &rs.instances, now) {
                Health::Healthy => ("InService", "N/A", "N/A".to_owned()),
                Health::Initial => (
                    "OutOfService",
                    "ELB",
                    "Instance registration is still in progress.".to_owned(),
                ),
                _ => (
                    "OutOfService",
                    "Instance",
                    match state {
                        Some(InstanceState::Stopped) => "Instance is in stopped state.".to_owned(),
                        Some(InstanceState::Terminated) | None => {
                            "Instance is in terminated state.".to_owned()
                        }
                        _ => "Instance has failed at least the UnhealthyThreshold number of health checks consecutively.".to_owned(),
                    },
                ),
            };
            let _ = write!(
                body,
                "<member><InstanceId>{}</InstanceId><State>{st}</State><ReasonCode>{code}</ReasonCode><Description>{}</Description></member>",
                x(&b.instance_id),
                x(&desc)
            );
        }
        Ok(format!("<InstanceStates>{body}</InstanceStates>"))
    })
}
